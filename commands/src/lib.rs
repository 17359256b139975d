//! onsite-commands: every command the UI calls, and the view models they answer with,
//! without Tauri. The Tauri shell (`src-tauri`) wraps each in a thin `#[tauri::command]`;
//! the loopback development bridge (`onsite-bridge`, feature `bridge`) serves the same
//! functions over HTTP through [`invoke::invoke`], so the browser tests run the real
//! rules. Domain rules live in `onsite-core`; storage in `onsite-device`.
//!
//! One file per area: `session` (sign in and out, sync status), `list` (the order
//! list), `order` (the order page and every plain edit), `parts`, `photos`, `signoff`,
//! `intake`, `reference` (van stock, catalog, staff), `office` (the catalog, stock and
//! people screens of the company's set-up), `held` (the supervisor's review of held
//! changes), `requisitions` (asking for parts, hand-backs, the van, the office's
//! requisition queues), `complaints` (the complaint desk), `stock` (counts, over-use
//! resolution, the stock views), `sla_board` (every clock at risk, breached or paused), `follow_ups` (the 回访
//! queue), `customers` (what intake warns about a returning customer) and
//! `sync` (the background round).

pub mod company;
pub mod complaints;
pub mod customers;
pub mod error;
pub mod follow_ups;
pub mod held;
pub mod intake;
pub mod invoke;
pub mod kpi;
pub mod list;
pub mod office;
pub mod order;
pub mod parts;
pub mod photos;
pub mod reference;
pub mod report;
pub mod requisitions;
pub mod session;
pub mod signoff;
pub mod sla_board;
pub mod stock;
pub mod sync;
pub mod text_file;
pub mod types;
pub mod visit;
pub mod workshop;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use onsite_core::role::Actor;
use onsite_core::{Calendar, CompanyRules, Ctx, Settings};
use onsite_device::sync_client;
use onsite_device::Store;

pub use error::CommandError;

/// Where "now" comes from: the system clock, or a fixed instant in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What every command can reach: the device store (which also holds the company's
/// settings and calendar, from the office's reference data), the sync state and the
/// clock.
pub struct App {
    /// The device store; every write is one transaction.
    pub store: Arc<Mutex<Store>>,
    /// What the status bar needs that the store does not hold.
    pub sync: Arc<sync::SyncState>,
    clock: Clock,
}

impl App {
    /// Opens (or creates) the device store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, CommandError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            CommandError::new(
                "errors.storage",
                format!("creating the data folder {}: {e}", dir.display()),
            )
        })?;
        let store = Store::open(&dir.join("onsite.db"))?;
        Ok(Self::new(store))
    }

    /// An app over an open store, with the system clock.
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            sync: Arc::new(sync::SyncState::default()),
            clock: Arc::new(Utc::now),
        }
    }

    /// The company's settings versions and calendar as this device last received them
    /// (the regulation's figures before the first sync). Locks the store: call it
    /// outside [`App::with_store`], or use [`rules_of`] inside.
    pub fn rules(&self) -> CompanyRules {
        self.with_store(|store| Ok(rules_of(store)))
            .unwrap_or_else(|_| CompanyRules::regulation())
    }

    /// The same app reading "now" from `clock` (tests pin it).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Now, from the app's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Runs `f` with the store locked. A panic in another command cannot leave the store
    /// half-written (every write is one transaction), so a poisoned lock is taken over.
    pub fn with_store<R>(
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
    pub fn actor(&self, store: &Store) -> Result<Actor, CommandError> {
        let account = sync_client::account(store)?.ok_or_else(CommandError::not_signed_in)?;
        let user = account.id.parse().map_err(|_| {
            CommandError::new(
                "errors.session.corrupt",
                format!("the stored account has a bad id {:?}", account.id),
            )
        })?;
        Ok(Actor {
            user: onsite_core::ids::UserId(user),
            role: account.role,
        })
    }

    /// The context an edit is checked and stamped with, under `settings` (the order's
    /// own version, or the current one for a new order) and the company calendar.
    pub fn ctx<'a>(&self, actor: Actor, settings: &'a Settings, calendar: &'a Calendar) -> Ctx<'a> {
        Ctx {
            actor,
            now: self.now(),
            settings,
            calendar,
        }
    }
}

/// The company rules the store's projections use: the ones from the last reference data.
pub fn rules_of(store: &Store) -> CompanyRules {
    store.projector().rules.clone()
}

/// Parses an id the UI sent, naming what it was.
pub(crate) fn parse_id<T: std::str::FromStr>(what: &str, id: &str) -> Result<T, CommandError> {
    id.parse().map_err(|_| {
        CommandError::new(
            "errors.input.bad_id",
            format!("{what} id {id:?} is not a UUID"),
        )
        .with("what", what)
    })
}

/// A stored Unix-milliseconds instant. Out of range means corrupt data, which is said,
/// not turned into 1970.
pub(crate) fn instant(ms: i64, what: &str) -> Result<DateTime<Utc>, CommandError> {
    DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| {
        CommandError::new(
            "errors.storage.corrupt",
            format!("{what}: {ms} ms is not a valid instant"),
        )
    })
}
