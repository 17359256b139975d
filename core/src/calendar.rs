//! The company's working-day calendar: weekends, holidays and make-up working days (调休),
//! in the company's local time. Adds working days and working hours to an instant.

use std::collections::BTreeSet;

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
        }
    }
}

impl Calendar {
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
    fn dates_are_local_to_the_company() {
        let cal = Calendar::default();
        // 20:00 UTC Friday is 04:00 Saturday in Beijing.
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 20, 0, 0).unwrap();
        assert_eq!(cal.local_date(t), d(2026, 11, 21));
    }
}
