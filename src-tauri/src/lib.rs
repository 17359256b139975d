//! The Onsite app shell: opens the device store in the app's private data folder, runs
//! the background sync, and exposes both to the web UI as Tauri commands. Shared by
//! desktop and mobile builds.

mod commands;
mod error;
mod sync_loop;

use std::sync::{Arc, Mutex};

use onsite_core::role::Actor;
use onsite_core::{Calendar, Ctx, Settings};
use onsite_device::sync_client;
use onsite_device::Store;
use tauri::Manager;

use crate::error::CommandError;

/// The state every command can reach.
pub struct AppState {
    store: Arc<Mutex<Store>>,
    sync: Arc<sync_loop::SyncState>,
    settings: Settings,
    calendar: Calendar,
}

impl AppState {
    /// Runs `f` with the store locked. A panic in another command cannot leave the store
    /// half-written (every write is one transaction), so a poisoned lock is taken over.
    fn with_store<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, CommandError>,
    ) -> Result<R, CommandError> {
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut store)
    }

    /// Who is acting on this device: the signed-in user in their role.
    fn actor(&self, store: &Store) -> Result<Actor, CommandError> {
        let account = sync_client::account(store)?.ok_or_else(CommandError::not_signed_in)?;
        let user = account.id.parse().map_err(|_| {
            CommandError::new("errors.session.corrupt", "the stored account has a bad id")
        })?;
        Ok(Actor {
            user: onsite_core::ids::UserId(user),
            role: account.role,
        })
    }

    /// The context an edit is checked and stamped with.
    fn ctx(&self, actor: Actor) -> Ctx<'_> {
        Ctx {
            actor,
            now: chrono::Utc::now(),
            settings: &self.settings,
            calendar: &self.calendar,
        }
    }
}

/// Starts the app. Desktop `main` calls this; on mobile it is the entry point itself.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();

    let result = tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app.handle())?;
            std::fs::create_dir_all(&dir)?;
            let store = Store::open(&dir.join("onsite.db"))?;
            tracing::info!(data = %dir.display(), "device store open");
            let state = AppState {
                store: Arc::new(Mutex::new(store)),
                sync: Arc::new(sync_loop::SyncState::default()),
                settings: Settings::default(),
                calendar: Calendar::default(),
            };
            if let Some((w, h)) = window_size() {
                if let Some(window) = app.get_webview_window("main") {
                    window.set_size(tauri::LogicalSize::new(w, h))?;
                }
            }
            tauri::async_runtime::spawn(sync_loop::run(state.store.clone(), state.sync.clone()));
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::app_status,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::session::sync_status,
            commands::session::sync_now,
            commands::orders::list_orders,
            commands::orders::get_order,
            commands::orders::order_op,
            commands::orders::use_part,
            commands::orders::add_photo,
            commands::orders::sign_off,
            commands::orders::blob_url,
            commands::orders::create_order,
            commands::orders::check_warranty,
            commands::reference::van_stock,
            commands::reference::find_parts,
            commands::reference::staff,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        tracing::error!(%err, "Onsite stopped with an error");
        std::process::exit(1);
    }
}

/// The app's private data folder. `ONSITE_DATA_DIR` overrides it so the demo and the
/// end-to-end tests can run several devices side by side on one machine.
fn data_dir(app: &tauri::AppHandle) -> tauri::Result<std::path::PathBuf> {
    match std::env::var_os("ONSITE_DATA_DIR") {
        Some(dir) => Ok(dir.into()),
        None => app.path().app_data_dir(),
    }
}

/// `ONSITE_WINDOW_SIZE=420x860` opens the window at that size, so the demo can show the
/// technician's phone face beside the office desk on one screen.
fn window_size() -> Option<(f64, f64)> {
    let size = std::env::var("ONSITE_WINDOW_SIZE").ok()?;
    let (w, h) = size.split_once('x')?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}
