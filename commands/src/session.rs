//! Signing in and out, and the sync status bar: `app_status`, `sign_in`, `sign_out`,
//! `sync_status`, `sync_now`.

use onsite_core::role::Role;
use onsite_device::sync_client::{self, StoreAccess, SyncClient};
use serde::Serialize;

use crate::error::CommandError;
use crate::sync;
use crate::App;

/// Who is signed in on this device.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Technicians get the phone face, office roles the desk.
    pub role: Role,
    /// The desk offers the review of held changes (the server checks it again).
    pub reviews_held_changes: bool,
    /// The desk offers the KPI page (the server checks it again).
    pub sees_kpis: bool,
    /// The desk offers the complaint desk (the rules' office roles for complaints).
    pub handles_complaints: bool,
    /// The desk offers the follow-up queue (the roles that may record a follow-up).
    pub follows_up: bool,
    /// The customer page (search, history, the tier) is in the rail: the roles that
    /// set a customer's tier.
    pub sees_customers: bool,
}

/// What the start screen needs to know about this device.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct AppStatus {
    /// The app's version.
    pub version: String,
    /// This device's id.
    pub device_id: String,
    /// The server this device is enrolled with, if the user has signed in.
    pub server: Option<String>,
    /// Who is signed in.
    pub user: Option<Me>,
}

/// The status bar: online, syncing, last sync, unsent changes, last error.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SyncStatus {
    /// The last sync attempt reached the server.
    pub online: bool,
    /// A sync round is running right now.
    pub syncing: bool,
    /// When the last sync succeeded (RFC 3339).
    pub last_sync_at: Option<String>,
    /// Documents with changes the server has not acknowledged yet.
    pub unsent: u32,
    /// i18n key of the last sync's failure (`errors.sync.offline` …), null after a success.
    pub last_error: Option<String>,
    /// How far this device's clock is from the server's.
    pub clock_offset_ms: Option<i32>,
    /// Grows whenever a sync brought something in: views reload when it changes.
    pub data_version: u32,
}

/// What the start screen shows.
pub fn app_status(app: &App) -> Result<AppStatus, CommandError> {
    app.with_store(|store| {
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").to_string(),
            device_id: store.device_id()?,
            server: store.meta("server_url")?,
            user: sync_client::account(store)?.map(|a| Me {
                id: a.id,
                login: a.login,
                name: a.name,
                reviews_held_changes: a.role.reviews_held_changes(),
                sees_kpis: onsite_core::kpi::may_view(a.role),
                handles_complaints: onsite_core::doc::complaint::handles_complaints(a.role),
                follows_up: onsite_core::Transition::FollowUp.roles().contains(&a.role),
                sees_customers: onsite_core::Transition::SetCustomerTier
                    .roles()
                    .contains(&a.role),
                role: a.role,
            }),
        })
    })
}

/// Signs in and enrolls this device, then runs the first sync so the user lands on
/// their orders. A failed first sync is not a failed sign-in: the loop retries it.
#[tracing::instrument(skip_all, fields(server = %server, login = %login))]
pub async fn sign_in(
    app: &App,
    server: &str,
    login: &str,
    password: &str,
) -> Result<AppStatus, CommandError> {
    let server = server.trim().trim_end_matches('/').to_string();
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(CommandError::new(
            "errors.session.bad_server_address",
            format!("not an http(s) address: {server}"),
        ));
    }
    if app_status(app)?.user.is_some() {
        return Err(CommandError::new(
            "errors.session.already_signed_in",
            "sign out first",
        ));
    }
    let device_name = format!("Onsite on {}", std::env::consts::OS);
    SyncClient::sign_in(&*app.store, &server, login.trim(), password, &device_name).await?;
    if let Err(err) = sync::round(&app.store, &app.sync).await {
        tracing::warn!(%err, "first sync after sign-in failed; the background loop retries");
    }
    app.sync.nudge();
    app_status(app)
}

/// Signs out: sends what is unsent first, and erases this device's data only when
/// nothing would be lost or the user confirmed losing it.
#[tracing::instrument(skip_all, fields(discard_unsent))]
pub async fn sign_out(app: &App, discard_unsent: bool) -> Result<AppStatus, CommandError> {
    let Some(client) = (&*app.store).with(|s| SyncClient::from_store(s))? else {
        return app_status(app);
    };
    if let Err(err) = sync::round(&app.store, &app.sync).await {
        tracing::info!(%err, "last sync before signing out failed");
    }
    let unsent = app.with_store(|s| Ok(s.pending()?.len()))?;
    if unsent > 0 && !discard_unsent {
        return Err(CommandError::from(sync_client::SyncError::UnsentChanges {
            count: unsent,
        }));
    }
    let device_id = app.with_store(|s| Ok(s.device_id()?))?;
    if let Err(err) = client.revoke_this_device(&device_id).await {
        // Offline: the office can revoke the device from its list later.
        tracing::warn!(%err, "could not revoke this device's token on the server");
    }
    let _no_round_meanwhile = app.sync.exclusive().await;
    // Checked again under the lock: an edit may have landed while revoking.
    app.with_store(|s| Ok(sync_client::forget_device(s, discard_unsent)?))?;
    tracing::info!(discarded = unsent, "signed out and erased local data");
    app_status(app)
}

/// The status bar.
pub fn sync_status(app: &App) -> Result<SyncStatus, CommandError> {
    let status = app.with_store(|store| Ok(sync_client::status(store)?))?;
    Ok(SyncStatus {
        online: app.sync.online(),
        syncing: app.sync.syncing(),
        last_sync_at: status.last_sync_at,
        unsent: u32::try_from(status.unsent).unwrap_or(u32::MAX),
        last_error: status.last_error,
        clock_offset_ms: status
            .clock_offset_ms
            .map(|o| i32::try_from(o).unwrap_or(if o < 0 { i32::MIN } else { i32::MAX })),
        data_version: u32::try_from(app.sync.data_version()).unwrap_or(u32::MAX),
    })
}

/// Syncs now; the outcome is in the returned status (`last_error`), not an error, so the
/// status bar shows it like any other round.
pub async fn sync_now(app: &App) -> Result<SyncStatus, CommandError> {
    match sync::round(&app.store, &app.sync).await {
        Err(sync_client::SyncError::NotSignedIn) => return Err(CommandError::not_signed_in()),
        Err(err) => tracing::info!(%err, "sync now failed"),
        Ok(_) => {}
    }
    sync_status(app)
}
