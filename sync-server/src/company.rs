//! The company's settings (versioned: each change is a new version saying who saved it
//! and when, applying from then on) and its working calendar (holidays and make-up
//! working days per year, with a log of who changed which year). Only a supervisor
//! changes either; the HTTP layer checks the role, these functions record the author.
//! Everything that evaluates a rule on the server reads them through [`rules`].

use crate::db::{Connection, OptionalExtension};
use chrono::{DateTime, Datelike, Utc};
use onsite_core::calendar::{CalendarDay, DayKind};
use onsite_core::calendar_file;
use onsite_core::company::{CalendarChange, WorkingWeek};
use onsite_core::{Calendar, CompanyRules, Settings, SettingsVersion};

use crate::accounts::Account;
use crate::error::ApiError;

/// The company's rules as the server holds them now: every settings version and the
/// calendar (the regulation's figures and a weekday calendar until a supervisor saves
/// their own).
pub fn rules(conn: &Connection) -> Result<CompanyRules, ApiError> {
    let versions = conn
        .prepare_cached(
            "SELECT version, since, by_user, by_name, settings FROM settings_versions ORDER BY version",
        )?
        .query_map((), |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .map(|row| {
            let (version, since, by, by_name, json) = row?;
            Ok(SettingsVersion {
                version,
                since: DateTime::parse_from_rfc3339(&since)
                    .map_err(|e| ApiError::internal(format!("settings version {version}: {e}")))?
                    .with_timezone(&Utc),
                by,
                by_name,
                settings: serde_json::from_str(&json)
                    .map_err(|e| ApiError::internal(format!("settings version {version}: {e}")))?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(CompanyRules::new(versions, calendar(conn)?))
}

/// The stored calendar, or the weekday calendar a new server starts with.
pub fn calendar(conn: &Connection) -> Result<Calendar, ApiError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT calendar FROM company_calendar WHERE id = 1")?
        .query_row((), |r| r.get(0))
        .optional()?;
    match json {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ApiError::internal(format!("stored calendar: {e}"))),
        None => Ok(CompanyRules::regulation().calendar),
    }
}

/// Saves `settings` as the next version, in force from `now`, by `who`.
pub fn save_settings(
    tx: &Connection,
    who: &Account,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<SettingsVersion, ApiError> {
    settings.validate().map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            e.to_string(),
        )
    })?;
    let current = rules(tx)?;
    if current.settings() == &settings {
        // Nothing changed: no new version, so orders created now share the last one.
        return Ok(current.current().clone());
    }
    let insert = |v: &SettingsVersion| -> Result<(), ApiError> {
        let json = serde_json::to_string(&v.settings)
            .map_err(|e| ApiError::internal(format!("settings: {e}")))?;
        tx.execute(
            "INSERT INTO settings_versions (version, since, by_user, by_name, settings)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (v.version, v.since.to_rfc3339(), &v.by, &v.by_name, json),
        )?;
        Ok(())
    };
    let stored: i64 = tx.query_row("SELECT COUNT(*) FROM settings_versions", (), |r| r.get(0))?;
    if stored == 0 {
        // Version 1 (the regulation's figures) was implicit; keep it, so orders created
        // under it still find it.
        insert(current.current())?;
    }
    let version = SettingsVersion {
        version: current.current().version + 1,
        since: now,
        by: who.id.clone(),
        by_name: who.name.clone(),
        settings,
    };
    insert(&version)?;
    tracing::info!(version = version.version, by = %who.login, "company settings saved");
    Ok(version)
}

fn bad_calendar(message: impl Into<String>) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "errors.company.bad_calendar",
        message,
    )
}

/// Replaces the listed days of `year` with `days`, by `who`; `how` is `edited` or
/// `imported`. Days outside the year, listed twice, or a make-up day that is not a
/// weekend day are refused, and nothing is changed.
pub fn save_year(
    tx: &Connection,
    who: &Account,
    year: i32,
    days: &[CalendarDay],
    how: &str,
    now: DateTime<Utc>,
) -> Result<Calendar, ApiError> {
    if !(2000..=2100).contains(&year) {
        return Err(bad_calendar(format!("{year} is not a year (2000–2100)")));
    }
    let mut calendar = calendar(tx)?;
    let mut seen = std::collections::BTreeSet::new();
    for day in days {
        if day.date.year() != year {
            return Err(bad_calendar(format!("{} is not in {year}", day.date)));
        }
        if !seen.insert(day.date) {
            return Err(bad_calendar(format!("{} is listed twice", day.date)));
        }
        if day.kind == DayKind::Workday && !calendar.weekend.contains(&day.date.weekday()) {
            return Err(bad_calendar(format!(
                "{} is a {} and already a working day: a make-up working day is a weekend day",
                day.date,
                day.date.weekday()
            )));
        }
    }
    calendar.replace_year(year, days);
    store_calendar(tx, &calendar)?;
    tx.execute(
        "INSERT INTO calendar_changes (at, by_user, by_name, year, how, days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            now.to_rfc3339(),
            &who.id,
            &who.name,
            year,
            how,
            days.len() as i64,
        ),
    )?;
    // Working-day deadlines of every order may have moved: the SLA timer looks at all.
    crate::sla_timer::all_due(tx)?;
    tracing::info!(year, how, days = days.len(), by = %who.login, "calendar saved");
    Ok(calendar)
}

/// Sets the working week (weekend days, working hours, UTC offset), by `who`, logged as
/// a `week` change. A week no company keeps is refused and nothing changes. Holidays and
/// make-up days stay as listed.
pub fn save_week(
    tx: &Connection,
    who: &Account,
    week: &WorkingWeek,
    now: DateTime<Utc>,
) -> Result<Calendar, ApiError> {
    let mut calendar = calendar(tx)?;
    week.apply_to(&mut calendar).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            e.to_string(),
        )
    })?;
    store_calendar(tx, &calendar)?;
    tx.execute(
        "INSERT INTO calendar_changes (at, by_user, by_name, year, how, days)
         VALUES (?1, ?2, ?3, 0, 'week', 0)",
        (now.to_rfc3339(), &who.id, &who.name),
    )?;
    // Every working-day deadline may have moved, and "today" with the offset.
    crate::sla_timer::all_due(tx)?;
    tracing::info!(weekend = ?week.weekend, by = %who.login, "working week saved");
    Ok(calendar)
}

fn store_calendar(tx: &Connection, calendar: &Calendar) -> Result<(), ApiError> {
    let json = serde_json::to_string(calendar)
        .map_err(|e| ApiError::internal(format!("calendar: {e}")))?;
    tx.execute(
        "INSERT INTO company_calendar (id, calendar) VALUES (1, ?1)
         ON CONFLICT(id) DO UPDATE SET calendar = excluded.calendar",
        [json],
    )?;
    Ok(())
}

/// Imports one year from a calendar file (`docs/calendar-file.md`): all of it, or
/// nothing if any line is bad (the error names the line).
pub fn import_year(
    tx: &Connection,
    who: &Account,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(i32, Calendar), ApiError> {
    let file = calendar_file::parse(text).map_err(|e| {
        let details = e
            .params()
            .into_iter()
            .map(|(name, value)| (name.to_string(), serde_json::Value::String(value)))
            .collect();
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            e.to_string(),
        )
        .with_details(details)
    })?;
    let calendar = save_year(tx, who, file.year, &file.days, "imported", now)?;
    Ok((file.year, calendar))
}

/// The calendar's change log, newest first.
pub fn calendar_log(conn: &Connection) -> Result<Vec<CalendarChange>, ApiError> {
    conn.prepare_cached(
        "SELECT at, by_user, by_name, year, how, days FROM calendar_changes ORDER BY id DESC",
    )?
    .query_map((), |r| {
        Ok((
            r.get::<_, String>(0)?,
            CalendarChange {
                at: DateTime::<Utc>::UNIX_EPOCH,
                by: r.get(1)?,
                by_name: r.get(2)?,
                year: r.get(3)?,
                how: r.get(4)?,
                days: r.get::<_, u32>(5)?,
            },
        ))
    })?
    .map(|row| {
        let (at, mut change) = row?;
        change.at = DateTime::parse_from_rfc3339(&at)
            .map_err(|e| ApiError::internal(format!("calendar change at {at}: {e}")))?
            .with_timezone(&Utc);
        Ok(change)
    })
    .collect::<Result<Vec<_>, ApiError>>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use onsite_core::role::Role;
    use onsite_core::settings::SlaSpan;

    fn supervisor(conn: &Connection) -> anyhow::Result<Account> {
        Ok(crate::accounts::add(
            conn,
            "boss",
            "陈主管",
            Role::Supervisor,
            "long enough",
        )?)
    }

    #[test]
    fn a_change_is_a_new_version_and_the_first_stays() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let who = supervisor(&conn)?;
        assert_eq!(rules(&conn)?.current().version, 1);
        let mut s = rules(&conn)?.settings().clone();
        s.sla.contact_after_dispatch = SlaSpan::hours(12);
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let v = save_settings(&conn, &who, s.clone(), at)?;
        assert_eq!((v.version, v.by_name.as_str()), (2, "陈主管"));
        let again = save_settings(&conn, &who, s, at)?;
        assert_eq!(
            again.version, 2,
            "saving the same figures makes no new version"
        );
        let r = rules(&conn)?;
        assert_eq!(r.versions.len(), 2);
        assert_eq!(r.versions[0].settings, Settings::default());
        let mut bad = r.settings().clone();
        bad.at_risk_percent = 0;
        assert_eq!(
            save_settings(&conn, &who, bad, at).err().map(|e| e.code),
            Some("errors.company.out_of_range")
        );
        Ok(())
    }

    #[test]
    fn a_working_week_is_saved_logged_and_a_bad_one_changes_nothing() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let who = supervisor(&conn)?;
        let now = Utc::now();
        import_year(&conn, &who, "year 2026\nholiday 2026-10-01\n", now)?;
        let mut week = WorkingWeek::of(&calendar(&conn)?);
        week.weekend = vec![7];
        week.work_start = chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap();
        save_week(&conn, &who, &week, now)?;
        let cal = calendar(&conn)?;
        assert_eq!(WorkingWeek::of(&cal), week);
        assert_eq!(cal.holidays.len(), 1, "the listed days stay");
        let log = calendar_log(&conn)?;
        assert_eq!(
            (log[0].how.as_str(), log[0].by_name.as_str()),
            ("week", "陈主管"),
            "the change is on the calendar's log, newest first"
        );

        let mut bad = week.clone();
        bad.utc_offset_minutes = 8 * 60 + 7;
        assert_eq!(
            save_week(&conn, &who, &bad, now).err().map(|e| e.code),
            Some("errors.company.bad_offset")
        );
        assert_eq!(WorkingWeek::of(&calendar(&conn)?), week, "nothing changed");
        assert_eq!(calendar_log(&conn)?.len(), 2);
        Ok(())
    }

    #[test]
    fn a_bad_calendar_file_changes_nothing() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let who = supervisor(&conn)?;
        let now = Utc::now();
        import_year(&conn, &who, "year 2026\nholiday 2026-10-01\n", now)?;
        let err = import_year(
            &conn,
            &who,
            "year 2026\nholiday 2026-05-01\nworkday 2026-05-06\n",
            now,
        )
        .err();
        assert_eq!(
            err.as_ref().map(|e| e.code),
            Some("errors.company.bad_calendar")
        );
        let cal = calendar(&conn)?;
        let oct1 = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(cal.holidays.contains(&oct1), "the earlier import stands");
        assert_eq!(cal.holidays.len(), 1, "nothing of the bad file was taken");
        assert_eq!(calendar_log(&conn)?.len(), 1);
        Ok(())
    }
}
