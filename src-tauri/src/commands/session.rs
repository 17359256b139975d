//! Signing in and out, and the sync status bar: `app_status`, `sign_in`, `sign_out`,
//! `sync_status`, `sync_now`.

use onsite_device::sync_client::{self, Account, StoreAccess, SyncClient};
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::sync_loop;
use crate::AppState;

/// What the start screen needs to know about this device.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    pub version: &'static str,
    pub device_id: String,
    /// The server this device is enrolled with, if the user has signed in.
    pub server: Option<String>,
    /// Who is signed in.
    pub user: Option<Account>,
}

/// The status bar: online, syncing, last sync, unsent changes, last error.
#[derive(Debug, Serialize)]
pub struct SyncStatus {
    pub online: bool,
    pub syncing: bool,
    pub last_sync_at: Option<String>,
    pub unsent: usize,
    pub last_error: Option<String>,
    pub clock_offset_ms: Option<i64>,
    pub data_version: u64,
}

fn app_status_of(state: &AppState) -> Result<AppStatus, CommandError> {
    state.with_store(|store| {
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION"),
            device_id: store.device_id()?,
            server: store.meta("server_url")?,
            user: sync_client::account(store)?,
        })
    })
}

fn sync_status_of(state: &AppState) -> Result<SyncStatus, CommandError> {
    let status = state.with_store(|store| Ok(sync_client::status(store)?))?;
    Ok(SyncStatus {
        online: state.sync.online(),
        syncing: state.sync.syncing(),
        last_sync_at: status.last_sync_at,
        unsent: status.unsent,
        last_error: status.last_error,
        clock_offset_ms: status.clock_offset_ms,
        data_version: state.sync.data_version(),
    })
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<AppStatus, CommandError> {
    app_status_of(&state)
}

/// Signs in and enrolls this device, then runs the first sync so the user lands on
/// their orders. A failed first sync is not a failed sign-in: the loop retries it.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    server: String,
    login: String,
    password: String,
) -> Result<AppStatus, CommandError> {
    let server = server.trim().trim_end_matches('/').to_string();
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(CommandError::new(
            "errors.session.bad_server_address",
            format!("not an http(s) address: {server}"),
        ));
    }
    if app_status_of(&state)?.user.is_some() {
        return Err(CommandError::new(
            "errors.session.already_signed_in",
            "sign out first",
        ));
    }
    let device_name = format!("Onsite on {}", std::env::consts::OS);
    SyncClient::sign_in(
        &*state.store,
        &server,
        login.trim(),
        &password,
        &device_name,
    )
    .await?;
    if let Err(err) = sync_loop::round(&state.store, &state.sync).await {
        tracing::warn!(%err, "first sync after sign-in failed; the background loop retries");
    }
    state.sync.nudge();
    app_status_of(&state)
}

/// Signs out: sends what is unsent first, and erases this device's data only when
/// nothing would be lost or the user confirmed losing it.
#[tauri::command]
pub async fn sign_out(
    state: State<'_, AppState>,
    discard_unsent: bool,
) -> Result<AppStatus, CommandError> {
    let Some(client) = (&*state.store).with(|s| SyncClient::from_store(s))? else {
        return app_status_of(&state);
    };
    if let Err(err) = sync_loop::round(&state.store, &state.sync).await {
        tracing::info!(%err, "last sync before signing out failed");
    }
    let unsent = state.with_store(|s| Ok(s.pending()?.len()))?;
    if unsent > 0 && !discard_unsent {
        return Err(
            CommandError::from(sync_client::SyncError::UnsentChanges { count: unsent })
                .with("unsent", unsent),
        );
    }
    let device_id = state.with_store(|s| Ok(s.device_id()?))?;
    if let Err(err) = client.revoke_this_device(&device_id).await {
        // Offline: the office can revoke the device from its list later.
        tracing::warn!(%err, "could not revoke this device's token on the server");
    }
    let _no_round_meanwhile = state.sync.exclusive().await;
    // Checked again under the lock: an edit may have landed while revoking.
    state.with_store(|s| Ok(sync_client::forget_device(s, discard_unsent)?))?;
    tracing::info!(discarded = unsent, "signed out and erased local data");
    app_status_of(&state)
}

#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, CommandError> {
    sync_status_of(&state)
}

/// Syncs now; the outcome is in the returned status (`last_error`), not an error, so the
/// status bar shows it like any other round.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncStatus, CommandError> {
    match sync_loop::round(&state.store, &state.sync).await {
        Err(sync_client::SyncError::NotSignedIn) => return Err(CommandError::not_signed_in()),
        Err(err) => tracing::info!(%err, "sync now failed"),
        Ok(_) => {}
    }
    sync_status_of(&state)
}
