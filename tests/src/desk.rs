//! The desk as the app runs it: the command layer (`onsite_commands::App`) on its own
//! device store, signed in to a [`crate::TestServer`], reading "now" from a clock the
//! scenario moves.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use onsite_commands::{session, App, CommandError};
use onsite_core::role::Role;
use onsite_device::Store;

use crate::devices::PASSWORD;
use crate::TestServer;

/// The scenario's clock: the instant the app reads as now.
pub type Clock = Arc<Mutex<DateTime<Utc>>>;

/// A command's refusal as a test failure, with its code and details.
pub fn fail(err: CommandError) -> anyhow::Error {
    anyhow::anyhow!("{}: {} {:?}", err.code, err.message, err.details)
}

/// Moves the scenario's clock to `at`.
pub fn set(clock: &Clock, at: DateTime<Utc>) {
    *clock.lock().unwrap_or_else(|p| p.into_inner()) = at;
}

/// An app on its own store in `dir`, signed in to `server` as a new `role` user `login`.
pub async fn signed_in(
    server: &TestServer,
    dir: &Path,
    login: &str,
    role: Role,
    clock: Clock,
) -> anyhow::Result<App> {
    server.add_user(login, login, role, PASSWORD)?;
    let store = Store::open(&dir.join(format!("{login}.db")))?;
    let app = App::new(store).with_clock(Arc::new(move || {
        *clock.lock().unwrap_or_else(|p| p.into_inner())
    }));
    session::sign_in(&app, &server.url(""), login, PASSWORD)
        .await
        .map_err(fail)?;
    Ok(app)
}
