//! The company's settings and working calendar on the desk: read from the office server
//! (they are the office's, so these need a connection), and for a supervisor saved there;
//! the server checks the role. After a change the device syncs, so its reference data
//! (and every list row computed with it) follows at once.

use onsite_core::calendar::CalendarDay;
use onsite_core::calendar_file;
use onsite_core::company::{CalendarView, SettingsHistory, WorkingWeek};
use onsite_core::role::Role;
use onsite_core::Settings;
use onsite_device::sync_client::{SyncClient, SyncError};
use serde::Serialize;

use crate::error::CommandError;
use crate::App;

/// The settings screen: every version, oldest first, and whether this user may save.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SettingsScreen {
    /// Every version, oldest first; the last one is in force.
    pub history: SettingsHistory,
    /// The signed-in user is a supervisor (the server checks again).
    pub can_edit: bool,
}

/// The calendar screen: the listed days, the change log, whether this user may edit.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CalendarScreen {
    /// Days and log.
    pub calendar: CalendarView,
    /// The signed-in user is a supervisor (the server checks again).
    pub can_edit: bool,
}

fn client(app: &App) -> Result<(SyncClient, bool), CommandError> {
    app.with_store(|store| {
        let actor = app.actor(store)?;
        let client = SyncClient::from_store(store)?.ok_or_else(CommandError::not_signed_in)?;
        Ok((client, actor.role == Role::Supervisor))
    })
}

/// Brings the new rules into this device's reference data; a failure only delays it to
/// the next round, so it is logged, not returned.
async fn refresh(app: &App) {
    if let Err(err) = crate::sync::round(&app.store, &app.sync).await {
        tracing::info!(%err, "sync after a company change failed; the next round brings it");
    }
}

fn offline_words(err: SyncError) -> CommandError {
    CommandError::from(err)
}

/// Every settings version.
pub async fn company_settings(app: &App) -> Result<SettingsScreen, CommandError> {
    let (client, can_edit) = client(app)?;
    let history = client.settings_history().await.map_err(offline_words)?;
    Ok(SettingsScreen { history, can_edit })
}

/// Saves `settings` as the next version (supervisors only, checked by the server). The
/// figures are checked here first with the same rule, so a mistake is named without a
/// round trip.
pub async fn save_settings(app: &App, settings: Settings) -> Result<SettingsScreen, CommandError> {
    settings.validate().map_err(|e| {
        let err = CommandError::new(e.code(), e.to_string()).with("field", e.field());
        match e {
            onsite_core::settings::SettingsError::OutOfRange { min, max, .. } => {
                err.with("min", min).with("max", max)
            }
            _ => err,
        }
    })?;
    let (client, _) = client(app)?;
    client
        .save_settings(&settings)
        .await
        .map_err(offline_words)?;
    refresh(app).await;
    company_settings(app).await
}

/// The calendar's listed days and change log.
pub async fn company_calendar(app: &App) -> Result<CalendarScreen, CommandError> {
    let (client, can_edit) = client(app)?;
    let calendar = client.calendar().await.map_err(offline_words)?;
    Ok(CalendarScreen { calendar, can_edit })
}

/// Replaces one year's holidays and make-up days (supervisors only).
pub async fn save_calendar_year(
    app: &App,
    year: i32,
    days: Vec<CalendarDay>,
) -> Result<CalendarScreen, CommandError> {
    let (client, can_edit) = client(app)?;
    let calendar = client
        .save_calendar_year(year, &days)
        .await
        .map_err(offline_words)?;
    refresh(app).await;
    Ok(CalendarScreen { calendar, can_edit })
}

/// Sets the weekend days, working hours and UTC offset (supervisors only, checked by the
/// server). The week is checked here first with the same rule, so a mistake is named
/// without a round trip.
pub async fn save_working_week(
    app: &App,
    week: WorkingWeek,
) -> Result<CalendarScreen, CommandError> {
    week.validate()
        .map_err(|e| CommandError::new(e.code(), e.to_string()))?;
    let (client, can_edit) = client(app)?;
    let calendar = client
        .save_working_week(&week)
        .await
        .map_err(offline_words)?;
    refresh(app).await;
    Ok(CalendarScreen { calendar, can_edit })
}

/// Imports a calendar file (supervisors only). The file is read here first with the same
/// parser the server uses, so a bad line is named (its code, `line` and the values the
/// problem names) in the user's words
/// without sending anything; nothing is imported unless all of it reads.
pub async fn import_calendar(app: &App, text: &str) -> Result<CalendarScreen, CommandError> {
    calendar_file::parse(text).map_err(|e| {
        e.params().into_iter().fold(
            CommandError::new(e.code(), e.to_string()),
            |err, (name, value)| err.with(name, value),
        )
    })?;
    let (client, can_edit) = client(app)?;
    let calendar = client.import_calendar(text).await.map_err(offline_words)?;
    refresh(app).await;
    Ok(CalendarScreen { calendar, can_edit })
}
