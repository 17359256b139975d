//! The company's rules as the server hands them out: every version of the settings (each
//! applies from its `since` on, and an order keeps the version it was created under) and
//! the working calendar. Devices evaluate clocks with the same value the server does.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::settings::Settings;

/// One saved version of the company settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsVersion {
    /// 1 for the regulation's figures the server starts with, then one more per change.
    pub version: u32,
    /// From when it applies (the instant it was saved).
    pub since: DateTime<Utc>,
    /// Who saved it: a user id, or empty for the figures the server started with.
    pub by: String,
    /// Their name, as it was then.
    pub by_name: String,
    /// The figures.
    pub settings: Settings,
}

/// Every settings version, oldest first, and the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRules {
    /// Every version, oldest first; never empty once built by [`CompanyRules::new`].
    pub versions: Vec<SettingsVersion>,
    /// The working calendar (one for all orders: a holiday is a holiday whatever the
    /// order's settings version).
    pub calendar: Calendar,
}

impl CompanyRules {
    /// Rules from the stored versions and calendar. An empty list (a store from before
    /// settings were kept) reads as the regulation's figures, version 1.
    pub fn new(mut versions: Vec<SettingsVersion>, calendar: Calendar) -> Self {
        versions.sort_by_key(|v| v.version);
        if versions.is_empty() {
            versions.push(Self::first_version());
        }
        Self { versions, calendar }
    }

    /// The regulation's figures and a weekday calendar: what a server starts with, and
    /// what a device uses before its first reference data arrives.
    pub fn regulation() -> Self {
        Self::new(Vec::new(), Calendar::default())
    }

    /// Version 1: the regulation's figures.
    pub fn first_version() -> SettingsVersion {
        SettingsVersion {
            version: 1,
            since: DateTime::<Utc>::UNIX_EPOCH,
            by: String::new(),
            by_name: String::new(),
            settings: Settings::default(),
        }
    }

    /// The newest version.
    pub fn current(&self) -> &SettingsVersion {
        // `new` guarantees one; the fallback is never taken, but a panic is no answer.
        self.versions
            .last()
            .unwrap_or_else(|| &*FIRST_VERSION_FALLBACK)
    }

    /// The current settings.
    pub fn settings(&self) -> &Settings {
        &self.current().settings
    }

    /// Version `n`, if it exists.
    pub fn version(&self, n: u32) -> Option<&SettingsVersion> {
        self.versions.iter().find(|v| v.version == n)
    }

    /// The version in force at `at`: the newest one saved at or before it (version 1 for
    /// anything earlier).
    pub fn in_force_at(&self, at: DateTime<Utc>) -> &SettingsVersion {
        self.versions
            .iter()
            .rev()
            .find(|v| v.since <= at)
            .or_else(|| self.versions.first())
            .unwrap_or_else(|| &*FIRST_VERSION_FALLBACK)
    }

    /// The version an order's clocks run under: the one recorded at intake, or (for an
    /// order from before versions were recorded, or one naming a version this copy does
    /// not have yet) the one in force when the request was received.
    pub fn for_order(&self, recorded: Option<u32>, received_at: DateTime<Utc>) -> &SettingsVersion {
        recorded
            .and_then(|n| self.version(n))
            .unwrap_or_else(|| self.in_force_at(received_at))
    }

    /// The settings version `order`'s clocks run under (see [`CompanyRules::for_order`]).
    pub fn for_order_doc(&self, order: &crate::doc::order::OrderDoc) -> &SettingsVersion {
        self.for_order(order.settings_version, order.request.received_at)
    }
}

/// Every settings version, oldest first (`GET /v1/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsHistory {
    /// Oldest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub versions: Vec<SettingsVersion>,
}

/// One change to the calendar, as its log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Who: user id.
    pub by: String,
    /// Their name then.
    pub by_name: String,
    /// The year changed.
    pub year: i32,
    /// `edited` or `imported` (a year's days), or `week` (the working week; `year` and
    /// `days` are then 0).
    pub how: String,
    /// How many days the year lists now.
    pub days: u32,
}

/// The calendar as the desk edits it (`GET /v1/calendar`): the listed days of every
/// year and who changed what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarView {
    /// Holidays and make-up working days, in date order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub days: Vec<crate::calendar::CalendarDay>,
    /// The weekend days, working hours and UTC offset.
    pub week: WorkingWeek,
    /// Newest first.
    pub changes: Vec<CalendarChange>,
}

/// The calendar's working week as the desk edits it (`PUT /v1/calendar/week`): which days
/// are off every week, the working hours, and the company's offset from UTC. Working-day
/// clocks count in it, so a change moves their deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkingWeek {
    /// Days off every week, as ISO numbers: 1 Monday … 7 Sunday.
    pub weekend: Vec<u8>,
    /// Start of the working hours, company-local (`09:00:00`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub work_start: NaiveTime,
    /// End of the working hours, company-local (`18:00:00`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub work_end: NaiveTime,
    /// Offset from UTC in minutes: China is 480 (+08:00).
    pub utc_offset_minutes: i32,
}

/// Why a working week cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeekError {
    /// A weekend day that is not 1 to 7.
    #[error("weekday {0} is not 1 (Monday) to 7 (Sunday)")]
    BadDay(u8),
    /// Every day of the week off: no working-day clock could ever end.
    #[error("every day of the week is off")]
    NoWorkingDay,
    /// The working hours end at or before they start.
    #[error("the working hours end at {end} but start at {start}")]
    BadHours {
        /// Start.
        start: NaiveTime,
        /// End.
        end: NaiveTime,
    },
    /// Not a real offset: within −12:00 and +14:00, in quarter hours.
    #[error("a UTC offset of {0} minutes is not between −12:00 and +14:00 in quarter hours")]
    BadOffset(i32),
}

impl WeekError {
    /// The stable code the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            WeekError::BadDay(_) => "errors.company.bad_weekend",
            WeekError::NoWorkingDay => "errors.company.no_working_day",
            WeekError::BadHours { .. } => "errors.company.bad_hours",
            WeekError::BadOffset(_) => "errors.company.bad_offset",
        }
    }
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

impl WorkingWeek {
    /// The working week of `calendar`.
    pub fn of(calendar: &Calendar) -> Self {
        let mut weekend: Vec<u8> = calendar
            .weekend
            .iter()
            .map(|d| d.number_from_monday() as u8)
            .collect();
        weekend.sort_unstable();
        weekend.dedup();
        Self {
            weekend,
            work_start: calendar.work_start,
            work_end: calendar.work_end,
            utc_offset_minutes: calendar.utc_offset_minutes,
        }
    }

    /// The weekend as weekdays, once each, Monday first; refuses a day that is not 1–7.
    fn weekdays(&self) -> Result<Vec<Weekday>, WeekError> {
        let mut out: Vec<Weekday> = Vec::new();
        for n in &self.weekend {
            let day = (1..=7)
                .contains(n)
                .then(|| WEEK[usize::from(*n) - 1])
                .ok_or(WeekError::BadDay(*n))?;
            if !out.contains(&day) {
                out.push(day);
            }
        }
        out.sort_by_key(|d| d.number_from_monday());
        Ok(out)
    }

    /// Checks the week: real weekdays, at least one working day, hours that end after
    /// they start, and an offset a place on Earth keeps.
    pub fn validate(&self) -> Result<(), WeekError> {
        if self.weekdays()?.len() == 7 {
            return Err(WeekError::NoWorkingDay);
        }
        if self.work_end <= self.work_start {
            return Err(WeekError::BadHours {
                start: self.work_start,
                end: self.work_end,
            });
        }
        let m = self.utc_offset_minutes;
        if !(-12 * 60..=14 * 60).contains(&m) || m % 15 != 0 {
            return Err(WeekError::BadOffset(m));
        }
        Ok(())
    }

    /// Puts this week into `calendar` (its listed days stay), once it is valid.
    pub fn apply_to(&self, calendar: &mut Calendar) -> Result<(), WeekError> {
        self.validate()?;
        calendar.weekend = self.weekdays()?;
        calendar.work_start = self.work_start;
        calendar.work_end = self.work_end;
        calendar.utc_offset_minutes = self.utc_offset_minutes;
        Ok(())
    }
}

/// A calendar file to import (`POST /v1/calendar/import`; `docs/calendar-file.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarImport {
    /// The file's text.
    pub text: String,
}

impl Default for CompanyRules {
    /// [`CompanyRules::regulation`].
    fn default() -> Self {
        Self::regulation()
    }
}

static FIRST_VERSION_FALLBACK: std::sync::LazyLock<SettingsVersion> =
    std::sync::LazyLock::new(CompanyRules::first_version);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SlaSpan;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 2, 0, 0).unwrap()
    }

    fn rules() -> CompanyRules {
        let mut v2 = CompanyRules::first_version();
        v2.version = 2;
        v2.since = at(10);
        v2.settings.sla.contact_after_dispatch = SlaSpan::hours(12);
        CompanyRules::new(vec![v2, CompanyRules::first_version()], Calendar::default())
    }

    #[test]
    fn an_order_keeps_the_version_it_started_under() {
        let r = rules();
        assert_eq!(r.current().version, 2);
        assert_eq!(
            r.for_order(Some(1), at(20)).version,
            1,
            "recorded at intake"
        );
        assert_eq!(r.for_order(None, at(5)).version, 1, "received before v2");
        assert_eq!(r.for_order(None, at(11)).version, 2, "received after v2");
        assert_eq!(
            r.for_order(Some(9), at(5)).version,
            1,
            "a version this copy lacks falls back to the one in force then"
        );
    }

    fn week(weekend: &[u8], start: u32, end: u32, offset: i32) -> WorkingWeek {
        WorkingWeek {
            weekend: weekend.to_vec(),
            work_start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
            work_end: NaiveTime::from_hms_opt(end, 0, 0).unwrap(),
            utc_offset_minutes: offset,
        }
    }

    #[test]
    fn a_working_week_moves_the_working_day_deadlines() {
        let mut cal = Calendar::default();
        assert_eq!(WorkingWeek::of(&cal), week(&[6, 7], 9, 18, 480));
        // Friday 2026-12-04 17:00 in Beijing: one working day later is Monday 17:00 with
        // Saturday and Sunday off, Saturday 17:00 with only Sunday off.
        let friday = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let before = cal.deadline(friday, SlaSpan::WorkingDays(1));
        assert_eq!(before, Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap());
        week(&[7], 9, 18, 480).apply_to(&mut cal).unwrap();
        assert_eq!(cal.weekend, vec![Weekday::Sun]);
        assert_eq!(
            cal.deadline(friday, SlaSpan::WorkingDays(1)),
            Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap(),
            "Saturday is worked now"
        );
    }

    #[test]
    fn a_working_week_no_company_keeps_is_refused() {
        let code = |w: WorkingWeek| w.validate().err().map(|e| e.code());
        assert_eq!(
            code(week(&[1, 2, 3, 4, 5, 6, 7], 9, 18, 480)),
            Some("errors.company.no_working_day")
        );
        assert_eq!(
            code(week(&[0], 9, 18, 480)),
            Some("errors.company.bad_weekend")
        );
        assert_eq!(
            code(week(&[6, 7], 18, 9, 480)),
            Some("errors.company.bad_hours")
        );
        assert_eq!(
            code(week(&[6, 7], 9, 18, 15 * 60)),
            Some("errors.company.bad_offset")
        );
        assert_eq!(
            code(week(&[6, 7], 9, 18, 481)),
            Some("errors.company.bad_offset")
        );
        assert_eq!(
            code(week(&[5, 6], 8, 17, -300)),
            None,
            "a Friday–Saturday weekend in New York hours is fine"
        );
        let mut cal = Calendar::default();
        assert!(week(&[6, 7], 18, 9, 480).apply_to(&mut cal).is_err());
        assert_eq!(cal, Calendar::default(), "a refused week changes nothing");
    }

    #[test]
    fn no_stored_versions_reads_as_the_regulation() {
        let r = CompanyRules::new(Vec::new(), Calendar::default());
        assert_eq!(r.current().version, 1);
        assert_eq!(r.settings(), &Settings::default());
    }
}
