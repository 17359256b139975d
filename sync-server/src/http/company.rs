//! The company's settings and working calendar (`/v1/settings`, `/v1/calendar`). Anyone
//! signed in reads them (devices get them in `/v1/reference` too); only a supervisor
//! changes them, checked here against the signed-in user. A change wakes every long
//! poll, so connected devices fetch the new reference data within seconds.

use axum::extract::State;
use axum::Json;
use onsite_core::calendar::CalendarDay;
use onsite_core::company::{CalendarImport, CalendarView, SettingsHistory, WorkingWeek};
use onsite_core::role::Role;
use onsite_core::{Settings, SettingsVersion};

use super::AppState;
use crate::company;
use crate::devices::Principal;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody};

fn supervisor_only(who: &Principal, what: &str) -> Result<(), ApiError> {
    if who.account.role != Role::Supervisor {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "errors.company.supervisor_only",
            format!("only a supervisor changes the company's {what}"),
        ));
    }
    Ok(())
}

/// Wakes every long poll: the reference data changed.
fn announce(state: &AppState) {
    state.changes.send_modify(|_| {});
}

fn calendar_view(conn: &crate::db::Connection) -> Result<CalendarView, ApiError> {
    let calendar = company::calendar(conn)?;
    let days = calendar
        .years()
        .into_iter()
        .flat_map(|y| calendar.year_days(y))
        .collect();
    Ok(CalendarView {
        days,
        week: WorkingWeek::of(&calendar),
        changes: company::calendar_log(conn)?,
    })
}

/// Every settings version, oldest first.
#[utoipa::path(get, path = "/v1/settings", tag = "company", security(("device_token" = [])),
    responses((status = 200, body = SettingsHistory), (status = 401, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    _who: Principal,
) -> Result<Json<SettingsHistory>, ApiError> {
    let rules = company::rules(&state.db.conn())?;
    Ok(Json(SettingsHistory {
        versions: rules.versions,
    }))
}

/// Saves the figures as a new version, in force from now. Supervisors only.
#[utoipa::path(put, path = "/v1/settings", tag = "company", security(("device_token" = [])),
    request_body(content = Object),
    responses((status = 200, description = "the version saved", body = Object),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a supervisor (`errors.company.supervisor_only`)", body = ErrorBody),
        (status = 422, description = "a figure out of range (`errors.company.out_of_range`, `bad_clock`, `bad_currency`, `bad_logo`)", body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(settings): ApiJson<Settings>,
) -> Result<Json<SettingsVersion>, ApiError> {
    let clock = state.clock.clone();
    supervisor_only(&who, "settings")?;
    let version = state
        .db
        .transaction(|tx| company::save_settings(tx, &who.account, settings, clock.now()))?;
    announce(&state);
    Ok(Json(version))
}

/// The calendar's listed days and change log.
#[utoipa::path(get, path = "/v1/calendar", tag = "company", security(("device_token" = [])),
    responses((status = 200, body = CalendarView), (status = 401, body = ErrorBody)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    _who: Principal,
) -> Result<Json<CalendarView>, ApiError> {
    Ok(Json(calendar_view(&state.db.conn())?))
}

/// Replaces one year's holidays and make-up working days. Supervisors only.
#[utoipa::path(put, path = "/v1/calendar/{year}", tag = "company", security(("device_token" = [])),
    params(("year" = i32, Path, description = "the year")),
    request_body(content = Vec<Object>),
    responses((status = 200, body = CalendarView), (status = 401, body = ErrorBody),
        (status = 403, description = "not a supervisor (`errors.company.supervisor_only`)", body = ErrorBody),
        (status = 422, description = "a day outside the year, twice, or a make-up day on a working day (`errors.company.bad_calendar`)", body = ErrorBody)))]
pub async fn put_year(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(year): ApiPath<i32>,
    ApiJson(days): ApiJson<Vec<CalendarDay>>,
) -> Result<Json<CalendarView>, ApiError> {
    let clock = state.clock.clone();
    supervisor_only(&who, "calendar")?;
    let view = state.db.transaction(|tx| {
        company::save_year(tx, &who.account, year, &days, "edited", clock.now())?;
        calendar_view(tx)
    })?;
    announce(&state);
    Ok(Json(view))
}

/// Sets the weekend days, working hours and UTC offset. Supervisors only.
#[utoipa::path(put, path = "/v1/calendar/week", tag = "company", security(("device_token" = [])),
    request_body = WorkingWeek,
    responses((status = 200, body = CalendarView), (status = 401, body = ErrorBody),
        (status = 403, description = "not a supervisor (`errors.company.supervisor_only`)", body = ErrorBody),
        (status = 422, description = "a week no company keeps (`errors.company.bad_weekend`, `no_working_day`, `bad_hours`, `bad_offset`)", body = ErrorBody)))]
pub async fn put_week(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(week): ApiJson<WorkingWeek>,
) -> Result<Json<CalendarView>, ApiError> {
    let clock = state.clock.clone();
    supervisor_only(&who, "calendar")?;
    let view = state.db.transaction(|tx| {
        company::save_week(tx, &who.account, &week, clock.now())?;
        calendar_view(tx)
    })?;
    announce(&state);
    Ok(Json(view))
}

/// Imports one year from a calendar file: all of it, or nothing. Supervisors only.
#[utoipa::path(post, path = "/v1/calendar/import", tag = "company", security(("device_token" = [])),
    request_body = CalendarImport,
    responses((status = 200, body = CalendarView), (status = 401, body = ErrorBody),
        (status = 403, description = "not a supervisor (`errors.company.supervisor_only`)", body = ErrorBody),
        (status = 422, description = "a bad line, named by its own code (`errors.calendar_file.*`, with `line` and the values it names in `details`), or a bad day (`errors.company.bad_calendar`)", body = ErrorBody)))]
pub async fn import_calendar(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(file): ApiJson<CalendarImport>,
) -> Result<Json<CalendarView>, ApiError> {
    let clock = state.clock.clone();
    supervisor_only(&who, "calendar")?;
    let view = state.db.transaction(|tx| {
        company::import_year(tx, &who.account, &file.text, clock.now())?;
        calendar_view(tx)
    })?;
    announce(&state);
    Ok(Json(view))
}
