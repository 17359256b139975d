//! The company's rules as the server hands them out: every version of the settings (each
//! applies from its `since` on, and an order keeps the version it was created under) and
//! the working calendar. Devices evaluate clocks with the same value the server does.

use chrono::{DateTime, Utc};
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
    /// `edited` or `imported`.
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
    /// Newest first.
    pub changes: Vec<CalendarChange>,
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

    #[test]
    fn no_stored_versions_reads_as_the_regulation() {
        let r = CompanyRules::new(Vec::new(), Calendar::default());
        assert_eq!(r.current().version, 1);
        assert_eq!(r.settings(), &Settings::default());
    }
}
