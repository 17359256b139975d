//! The company's working-day calendar: weekends, holidays and make-up working days (调休),
//! in the company's local time. Adds working days and working hours to an instant.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::settings::SlaSpan;

/// A bound on scanning for the next working day, so a calendar configured with no
/// working days at all cannot hang the caller; ten years is far beyond any real gap.
const MAX_SCAN_DAYS: u32 = 3660;

/// The working-day calendar. Dates are local to the company (`utc_offset_minutes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// The company's offset from UTC in minutes; China is +480.
    pub utc_offset_minutes: i32,
    /// Days off every week.
    pub weekend: Vec<Weekday>,
    /// Public holidays: no work even on a weekday.
    pub holidays: BTreeSet<NaiveDate>,
    /// Make-up working days (调休): a weekend day that is worked.
    pub makeup_workdays: BTreeSet<NaiveDate>,
    /// Start of the working hours, local time.
    pub work_start: NaiveTime,
    /// End of the working hours, local time.
    pub work_end: NaiveTime,
    /// What a holiday or make-up day is for (元旦, 春节调休 …), for people reading the
    /// calendar; the rules never read it.
    #[serde(default)]
    pub names: BTreeMap<NaiveDate, String>,
}

/// Whether a listed day is off or worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday: no work even on a weekday.
    Holiday,
    /// A make-up working day (调休): a weekend day that is worked.
    Workday,
}

/// One listed day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarDay {
    /// The company-local date.
    pub date: NaiveDate,
    /// Off or worked.
    pub kind: DayKind,
    /// What for, in words (may be empty).
    pub name: String,
}

impl Default for Calendar {
    fn default() -> Self {
        Self {
            utc_offset_minutes: 8 * 60,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            holidays: BTreeSet::new(),
            makeup_workdays: BTreeSet::new(),
            work_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            work_end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
            names: BTreeMap::new(),
        }
    }
}

impl Calendar {
    /// The holidays and make-up days listed for `year`, in date order.
    pub fn year_days(&self, year: i32) -> Vec<CalendarDay> {
        let mut out: Vec<CalendarDay> = self
            .holidays
            .iter()
            .map(|d| (*d, DayKind::Holiday))
            .chain(self.makeup_workdays.iter().map(|d| (*d, DayKind::Workday)))
            .filter(|(d, _)| d.year() == year)
            .map(|(date, kind)| CalendarDay {
                date,
                kind,
                name: self.names.get(&date).cloned().unwrap_or_default(),
            })
            .collect();
        out.sort_by_key(|d| d.date);
        out
    }

    /// Every year that has listed days.
    pub fn years(&self) -> BTreeSet<i32> {
        self.holidays
            .iter()
            .chain(self.makeup_workdays.iter())
            .map(|d| d.year())
            .collect()
    }

    /// Replaces every listed day of `year` with `days` (all of which must fall in it;
    /// others are ignored). The other years stay as they are.
    pub fn replace_year(&mut self, year: i32, days: &[CalendarDay]) {
        self.holidays.retain(|d| d.year() != year);
        self.makeup_workdays.retain(|d| d.year() != year);
        self.names.retain(|d, _| d.year() != year);
        for day in days.iter().filter(|d| d.date.year() == year) {
            match day.kind {
                DayKind::Holiday => self.holidays.insert(day.date),
                DayKind::Workday => self.makeup_workdays.insert(day.date),
            };
            if !day.name.is_empty() {
                self.names.insert(day.date, day.name.clone());
            }
        }
    }

    /// Working time between `from` and `to` (zero if `to` is earlier): the part of the
    /// interval that falls on working days, whole days counted. This is the time a
    /// working-day clock spends, so its share left is measured in it.
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        for _ in 0..=MAX_SCAN_DAYS {
            if self.is_working_day(date) {
                let (start, end) = self.day_span(date);
                let (a, b) = (start.max(from), end.min(to));
                if b > a {
                    total += b - a;
                }
            }
            if date >= last {
                break;
            }
            date = date.succ_opt().unwrap_or(date);
        }
        total
    }

    /// The instant `amount` of working time before `end` (the inverse of
    /// [`Calendar::working_time_between`] read backwards from `end`).
    pub fn working_time_before(&self, end: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        let mut remaining = amount;
        let mut cursor = end;
        for _ in 0..=MAX_SCAN_DAYS {
            if remaining <= Duration::zero() {
                return cursor;
            }
            let date = self.local_date(cursor - Duration::nanoseconds(1));
            let (start, _) = self.day_span(date);
            if self.is_working_day(date) {
                let available = cursor - start;
                if remaining <= available {
                    return cursor - remaining;
                }
                remaining -= available;
            }
            cursor = start;
        }
        cursor
    }

    fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60)
            .unwrap_or_else(|| chrono::Offset::fix(&Utc))
    }

    /// The company-local date of an instant.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset()).date_naive()
    }

    fn to_utc(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let naive = date.and_time(time);
        match self.offset().from_local_datetime(&naive).single() {
            Some(t) => t.with_timezone(&Utc),
            // A fixed offset has no gaps or folds; fall back to treating it as UTC.
            None => Utc.from_utc_datetime(&naive),
        }
    }

    /// The instants a company-local day starts and ends (end exclusive): what "on that
    /// day" means for a visit window or a staff member's load.
    pub fn day_span(&self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.to_utc(date, NaiveTime::MIN);
        (start, start + Duration::days(1))
    }

    /// True when people work on `date`: a make-up day always, a holiday never,
    /// otherwise every day that is not a weekend day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.makeup_workdays.contains(&date) {
            return true;
        }
        if self.holidays.contains(&date) {
            return false;
        }
        !self.weekend.contains(&date.weekday())
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        for _ in 0..MAX_SCAN_DAYS {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                return d;
            }
        }
        date.succ_opt().unwrap_or(date)
    }

    /// `start` plus `n` working days, at the same local time of day. A start on a day
    /// off counts from 00:00 of the next working day, so "2 working days" from a Saturday
    /// means the whole of Monday and Tuesday.
    pub fn add_working_days(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let local = start.with_timezone(&self.offset()).naive_local();
        let (mut date, time) = if self.is_working_day(local.date()) {
            (local.date(), local.time())
        } else {
            (self.next_working_day(local.date()), NaiveTime::MIN)
        };
        for _ in 0..n {
            date = self.next_working_day(date);
        }
        self.to_utc(date, time)
    }

    /// `start` plus `duration` of working hours (between `work_start` and `work_end` on
    /// working days). Time outside working hours does not count.
    pub fn add_working_hours(&self, start: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
        if self.work_end <= self.work_start {
            return start + duration;
        }
        let local = start.with_timezone(&self.offset()).naive_local();
        let mut date = local.date();
        let mut time = local.time();
        if !self.is_working_day(date) || time >= self.work_end {
            date = self.next_working_day(date);
            time = self.work_start;
        } else if time < self.work_start {
            time = self.work_start;
        }
        let mut remaining = duration;
        for _ in 0..MAX_SCAN_DAYS {
            let available = self.work_end - time;
            if remaining <= available {
                return self.to_utc(date, time) + remaining;
            }
            remaining -= available;
            date = self.next_working_day(date);
            time = self.work_start;
        }
        self.to_utc(date, time) + remaining
    }

    /// The deadline of a clock of length `span` started at `start`.
    pub fn deadline(&self, start: DateTime<Utc>, span: SlaSpan) -> DateTime<Utc> {
        match span {
            SlaSpan::Seconds(s) => start + Duration::seconds(s),
            SlaSpan::WorkingDays(n) => self.add_working_days(start, n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    /// Local (UTC+8) wall time to UTC.
    fn local(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        let cal = Calendar::default();
        cal.to_utc(
            d(y, m, day),
            NaiveTime::from_hms_opt(h, min, 0).expect("valid time"),
        )
    }

    #[test]
    fn weekend_is_not_a_working_day() {
        let cal = Calendar::default();
        assert!(cal.is_working_day(d(2026, 11, 20)), "Friday is worked");
        assert!(!cal.is_working_day(d(2026, 11, 21)), "Saturday is off");
        assert!(!cal.is_working_day(d(2026, 11, 22)), "Sunday is off");
    }

    #[test]
    fn makeup_saturday_is_a_working_day_and_holiday_is_not() {
        let mut cal = Calendar::default();
        cal.holidays.insert(d(2026, 10, 1));
        cal.makeup_workdays.insert(d(2026, 9, 27)); // a Sunday worked (调休)
        assert!(
            !cal.is_working_day(d(2026, 10, 1)),
            "National Day is a holiday"
        );
        assert!(
            cal.is_working_day(d(2026, 9, 27)),
            "the 调休 Sunday is worked"
        );
    }

    #[test]
    fn two_working_days_from_friday_end_on_tuesday() {
        let cal = Calendar::default();
        let fri = local(2026, 11, 20, 15, 0);
        assert_eq!(cal.add_working_days(fri, 2), local(2026, 11, 24, 15, 0));
    }

    #[test]
    fn working_days_from_saturday_count_from_monday_morning() {
        let cal = Calendar::default();
        let sat = local(2026, 11, 21, 10, 0);
        assert_eq!(
            cal.add_working_days(sat, 2),
            local(2026, 11, 25, 0, 0),
            "2 working days from a Saturday cover all of Monday and Tuesday"
        );
    }

    #[test]
    fn three_working_days_skip_a_holiday_and_use_a_makeup_day() {
        let mut cal = Calendar::default();
        // Thu 1 Oct holiday, Fri 2 Oct holiday, Sat 3 Oct worked (调休).
        cal.holidays.insert(d(2026, 10, 1));
        cal.holidays.insert(d(2026, 10, 2));
        cal.makeup_workdays.insert(d(2026, 10, 3));
        let wed = local(2026, 9, 30, 11, 0);
        // Working days after Wed: Sat 3, Mon 5, Tue 6.
        assert_eq!(cal.add_working_days(wed, 3), local(2026, 10, 6, 11, 0));
    }

    #[test]
    fn working_hours_roll_over_the_weekend() {
        let cal = Calendar::default();
        let fri = local(2026, 11, 20, 16, 0);
        // 2 h left on Friday (to 18:00), 2 more from Monday 09:00.
        assert_eq!(
            cal.add_working_hours(fri, Duration::hours(4)),
            local(2026, 11, 23, 11, 0)
        );
        let early = local(2026, 11, 23, 7, 0);
        assert_eq!(
            cal.add_working_hours(early, Duration::hours(1)),
            local(2026, 11, 23, 10, 0),
            "time before opening does not count"
        );
    }

    #[test]
    fn working_time_skips_the_weekend_both_ways() {
        let cal = Calendar::default();
        let fri = local(2026, 11, 20, 10, 0);
        let wed = local(2026, 11, 25, 10, 0);
        assert_eq!(
            cal.working_time_between(fri, wed),
            Duration::hours(72),
            "Fri 14 h + Mon 24 h + Tue 24 h + Wed 10 h"
        );
        assert_eq!(
            cal.working_time_before(wed, Duration::hours(18)),
            local(2026, 11, 24, 16, 0)
        );
        assert_eq!(
            cal.working_time_before(local(2026, 11, 23, 2, 0), Duration::hours(4)),
            local(2026, 11, 20, 22, 0),
            "back over the weekend to Friday night"
        );
    }

    #[test]
    fn replacing_a_year_keeps_the_others() {
        let mut cal = Calendar::default();
        cal.holidays.insert(d(2025, 10, 1));
        cal.holidays.insert(d(2026, 5, 1));
        cal.replace_year(
            2026,
            &[CalendarDay {
                date: d(2026, 10, 10),
                kind: DayKind::Workday,
                name: "国庆调休".into(),
            }],
        );
        assert!(cal.holidays.contains(&d(2025, 10, 1)));
        assert!(!cal.holidays.contains(&d(2026, 5, 1)));
        assert_eq!(
            cal.year_days(2026),
            vec![CalendarDay {
                date: d(2026, 10, 10),
                kind: DayKind::Workday,
                name: "国庆调休".into()
            }]
        );
    }

    #[test]
    fn dates_are_local_to_the_company() {
        let cal = Calendar::default();
        // 20:00 UTC Friday is 04:00 Saturday in Beijing.
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 20, 0, 0).unwrap();
        assert_eq!(cal.local_date(t), d(2026, 11, 21));
    }
}
