//! The calendar file: one year of public holidays and make-up working days (调休) as plain
//! text, so a company can type in the State Council's notice and import it
//! (`docs/calendar-file.md` is the format's specification; keep the two in step).
//!
//! ```text
//! # 2026, from the State Council's notice
//! year 2026
//! holiday 2026-01-01..2026-01-03 元旦
//! workday 2026-01-04 元旦调休
//! ```
//!
//! The whole file is checked before anything is used: a bad line is an error naming the
//! line, and nothing of the file is taken.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::calendar::{CalendarDay, DayKind};

/// The longest holiday range accepted: the longest Chinese holiday is 9 days; a month
/// means a typing slip.
const MAX_RANGE_DAYS: i64 = 31;

/// One year read from a calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearFile {
    /// The year every date belongs to.
    pub year: i32,
    /// Its holidays and make-up days, in date order.
    pub days: Vec<CalendarDay>,
}

/// Why a calendar file cannot be imported. Each case has a stable code and the values
/// its message names, so the desk words it in the reader's language; `Display` is the
/// English for logs and the HTTP API's `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarFileError {
    /// A line cannot be read; `line` counts from 1.
    #[error("line {line}: {problem}")]
    BadLine {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// The file names no year (`year 2026`) before its first day.
    #[error("the file does not say which year it is for: start it with a line `year 2026`")]
    NoYear,
}

/// What is wrong with one line of a calendar file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// A second `year` line.
    #[error("a second `year` line: one file holds one year")]
    SecondYear,
    /// `year` followed by something that is not a year from 2000 to 2100.
    #[error("{value:?} is not a year (2000–2100)")]
    NotAYear {
        /// What was written.
        value: String,
    },
    /// `year 2026` followed by more words.
    #[error("`year` takes only the year")]
    YearOnly,
    /// The first word is none of the keywords.
    #[error("{value:?} is not `year`, `holiday` or `workday`")]
    UnknownKeyword {
        /// The word.
        value: String,
    },
    /// `holiday` or `workday` with nothing after it.
    #[error("`{keyword}` needs a date")]
    NoDate {
        /// The keyword as written.
        keyword: String,
    },
    /// A date not written `YYYY-MM-DD`, or no such day.
    #[error("{value:?} is not a date written YYYY-MM-DD")]
    NotADate {
        /// What was written.
        value: String,
    },
    /// `FIRST..LAST` with LAST before FIRST.
    #[error("{value}: the range ends before it starts")]
    RangeBackwards {
        /// The range as written.
        value: String,
    },
    /// A range after `workday`.
    #[error("a make-up working day is one date, not a range")]
    WorkdayRange,
    /// A range of a month or more.
    #[error("{value}: longer than a month")]
    RangeTooLong {
        /// The range as written.
        value: String,
    },
    /// A date outside the file's year.
    #[error("{date} is not in {year}, the file's year")]
    WrongYear {
        /// The date.
        date: NaiveDate,
        /// The file's year.
        year: i32,
    },
    /// A date listed on an earlier line too.
    #[error("{date} is already listed on line {earlier}")]
    ListedTwice {
        /// The date.
        date: NaiveDate,
        /// The earlier line.
        earlier: usize,
    },
}

impl LineProblem {
    /// The stable code the UI translates (`errors.calendar_file.*`).
    pub fn code(&self) -> &'static str {
        match self {
            LineProblem::SecondYear => "errors.calendar_file.second_year",
            LineProblem::NotAYear { .. } => "errors.calendar_file.not_a_year",
            LineProblem::YearOnly => "errors.calendar_file.year_only",
            LineProblem::UnknownKeyword { .. } => "errors.calendar_file.unknown_keyword",
            LineProblem::NoDate { .. } => "errors.calendar_file.no_date",
            LineProblem::NotADate { .. } => "errors.calendar_file.not_a_date",
            LineProblem::RangeBackwards { .. } => "errors.calendar_file.range_backwards",
            LineProblem::WorkdayRange => "errors.calendar_file.workday_range",
            LineProblem::RangeTooLong { .. } => "errors.calendar_file.range_too_long",
            LineProblem::WrongYear { .. } => "errors.calendar_file.wrong_year",
            LineProblem::ListedTwice { .. } => "errors.calendar_file.listed_twice",
        }
    }

    /// The values its message names, by name.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            LineProblem::SecondYear | LineProblem::YearOnly | LineProblem::WorkdayRange => vec![],
            LineProblem::NotAYear { value }
            | LineProblem::UnknownKeyword { value }
            | LineProblem::NotADate { value }
            | LineProblem::RangeBackwards { value }
            | LineProblem::RangeTooLong { value } => vec![("value", value.clone())],
            LineProblem::NoDate { keyword } => vec![("keyword", keyword.clone())],
            LineProblem::WrongYear { date, year } => {
                vec![("date", date.to_string()), ("year", year.to_string())]
            }
            LineProblem::ListedTwice { date, earlier } => {
                vec![("date", date.to_string()), ("earlier", earlier.to_string())]
            }
        }
    }
}

impl CalendarFileError {
    /// The line the error is on, if it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            CalendarFileError::BadLine { line, .. } => Some(*line),
            CalendarFileError::NoYear => None,
        }
    }

    /// The stable code the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarFileError::BadLine { problem, .. } => problem.code(),
            CalendarFileError::NoYear => "errors.calendar_file.no_year",
        }
    }

    /// The values its message names: the `line` and the problem's own.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            CalendarFileError::BadLine { line, problem } => {
                let mut out = vec![("line", line.to_string())];
                out.extend(problem.params());
                out
            }
            CalendarFileError::NoYear => vec![],
        }
    }
}

fn bad(line: usize, problem: LineProblem) -> CalendarFileError {
    CalendarFileError::BadLine { line, problem }
}

fn date(line: usize, word: &str) -> Result<NaiveDate, CalendarFileError> {
    NaiveDate::parse_from_str(word, "%Y-%m-%d").map_err(|_| {
        bad(
            line,
            LineProblem::NotADate {
                value: word.to_string(),
            },
        )
    })
}

/// Reads a calendar file.
pub fn parse(text: &str) -> Result<YearFile, CalendarFileError> {
    let mut year: Option<i32> = None;
    let mut days: BTreeMap<NaiveDate, (DayKind, String, usize)> = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        // A byte-order mark from a Windows editor is not part of the first word.
        let content = raw.trim_start_matches('\u{feff}');
        let content = content.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let mut words = content.split_whitespace();
        let keyword = words.next().unwrap_or("");
        let kind = match keyword {
            "year" | "年" => {
                if year.is_some() {
                    return Err(bad(line, LineProblem::SecondYear));
                }
                let value = words.next().unwrap_or("");
                let y: i32 = value
                    .parse()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| {
                        bad(
                            line,
                            LineProblem::NotAYear {
                                value: value.to_string(),
                            },
                        )
                    })?;
                if words.next().is_some() {
                    return Err(bad(line, LineProblem::YearOnly));
                }
                year = Some(y);
                continue;
            }
            "holiday" | "放假" => DayKind::Holiday,
            "workday" | "上班" => DayKind::Workday,
            other => {
                return Err(bad(
                    line,
                    LineProblem::UnknownKeyword {
                        value: other.to_string(),
                    },
                ))
            }
        };
        let Some(y) = year else {
            return Err(CalendarFileError::NoYear);
        };
        let span = words.next().ok_or_else(|| {
            bad(
                line,
                LineProblem::NoDate {
                    keyword: keyword.to_string(),
                },
            )
        })?;
        let name = words.collect::<Vec<_>>().join(" ");
        let (first, last) = match span.split_once("..") {
            Some((a, b)) => (date(line, a)?, date(line, b)?),
            None => {
                let d = date(line, span)?;
                (d, d)
            }
        };
        if last < first {
            return Err(bad(
                line,
                LineProblem::RangeBackwards {
                    value: span.to_string(),
                },
            ));
        }
        if kind == DayKind::Workday && last != first {
            return Err(bad(line, LineProblem::WorkdayRange));
        }
        if (last - first).num_days() >= MAX_RANGE_DAYS {
            return Err(bad(
                line,
                LineProblem::RangeTooLong {
                    value: span.to_string(),
                },
            ));
        }
        let mut d = first;
        loop {
            if d.year() != y {
                return Err(bad(line, LineProblem::WrongYear { date: d, year: y }));
            }
            if let Some((_, _, earlier)) = days.get(&d) {
                return Err(bad(
                    line,
                    LineProblem::ListedTwice {
                        date: d,
                        earlier: *earlier,
                    },
                ));
            }
            days.insert(d, (kind, name.clone(), line));
            if d >= last {
                break;
            }
            d = d.succ_opt().ok_or_else(|| {
                bad(
                    line,
                    LineProblem::NotADate {
                        value: span.to_string(),
                    },
                )
            })?;
        }
    }
    let year = year.ok_or(CalendarFileError::NoYear)?;
    Ok(YearFile {
        year,
        days: days
            .into_iter()
            .map(|(date, (kind, name, _))| CalendarDay { date, kind, name })
            .collect(),
    })
}

/// Writes one year of a calendar as a file [`parse`] reads back, holidays in ranges.
pub fn format(year: i32, days: &[CalendarDay]) -> String {
    let mut out = format!("# Onsite working calendar\nyear {year}\n");
    let mut sorted: Vec<&CalendarDay> = days.iter().filter(|d| d.date.year() == year).collect();
    sorted.sort_by_key(|d| d.date);
    let mut i = 0;
    while i < sorted.len() {
        let day = sorted[i];
        let mut j = i;
        if day.kind == DayKind::Holiday {
            while j + 1 < sorted.len()
                && sorted[j + 1].kind == DayKind::Holiday
                && sorted[j + 1].name == day.name
                && sorted[j].date.succ_opt() == Some(sorted[j + 1].date)
            {
                j += 1;
            }
        }
        let keyword = match day.kind {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        };
        let span = if j > i {
            format!("{}..{}", day.date, sorted[j].date)
        } else {
            day.date.to_string()
        };
        let line = format!("{keyword} {span} {}", day.name);
        out.push_str(line.trim_end());
        out.push('\n');
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    /// The file shipped in `docs/calendar-2026.txt`.
    const SHIPPED_2026: &str = include_str!("../../docs/calendar-2026.txt");

    #[test]
    fn the_shipped_2026_file_holds_the_state_councils_schedule() -> Result<(), CalendarFileError> {
        let file = parse(SHIPPED_2026)?;
        assert_eq!(file.year, 2026);
        let holidays: Vec<NaiveDate> = file
            .days
            .iter()
            .filter(|x| x.kind == DayKind::Holiday)
            .map(|x| x.date)
            .collect();
        let workdays: Vec<NaiveDate> = file
            .days
            .iter()
            .filter(|x| x.kind == DayKind::Workday)
            .map(|x| x.date)
            .collect();
        assert_eq!(
            workdays,
            vec![d(1, 4), d(2, 14), d(2, 28), d(5, 9), d(9, 20), d(10, 10)]
        );
        // 3 元旦 + 9 春节 + 3 清明 + 5 劳动节 + 3 端午 + 3 中秋 + 7 国庆.
        assert_eq!(holidays.len(), 33);
        for day in [
            d(1, 1),
            d(2, 15),
            d(2, 23),
            d(4, 6),
            d(5, 5),
            d(6, 19),
            d(9, 27),
            d(10, 7),
        ] {
            assert!(holidays.contains(&day), "{day} is a holiday");
        }
        assert!(!holidays.contains(&d(2, 24)), "春节 ends on the 23rd");
        Ok(())
    }

    #[test]
    fn a_bad_line_is_named_and_nothing_is_taken() {
        let text = "year 2026\nholiday 2026-05-01..2026-05-05 劳动节\nworkday 2026-13-09\n";
        let err = parse(text).err();
        assert_eq!(err.as_ref().and_then(|e| e.line()), Some(3), "{err:?}");
        assert!(err.is_some_and(|e| e.to_string().contains("2026-13-09")));
    }

    #[test]
    fn a_bad_line_carries_a_code_and_its_values_not_english_prose() {
        let err =
            parse("year 2026\nholiday 2026-10-01\nholiday 2026-09-30..2026-10-02 国庆\n").err();
        let err = err.as_ref();
        assert_eq!(
            err.map(|e| e.code()),
            Some("errors.calendar_file.listed_twice")
        );
        assert_eq!(
            err.map(|e| e.params()),
            Some(vec![
                ("line", "3".to_string()),
                ("date", "2026-10-01".to_string()),
                ("earlier", "2".to_string())
            ]),
            "the line, the date and the earlier line, for the message in either language"
        );
        let err = parse("year 2026\nworkday 2026-13-09\n").err();
        assert_eq!(
            err.as_ref().map(|e| e.code()),
            Some("errors.calendar_file.not_a_date")
        );
        assert_eq!(
            err.map(|e| e.params()),
            Some(vec![
                ("line", "2".to_string()),
                ("value", "2026-13-09".to_string())
            ])
        );
        assert_eq!(
            parse("holiday 2026-10-01\n").err().map(|e| e.code()),
            Some("errors.calendar_file.no_year")
        );
    }

    #[test]
    fn mistakes_people_make_are_caught() {
        let line_of = |text: &str| parse(text).err().and_then(|e| e.line());
        assert_eq!(
            line_of("year 2026\nholiday 2027-01-01\n"),
            Some(2),
            "wrong year"
        );
        assert_eq!(
            line_of("year 2026\nholiday 2026-10-01..2026-10-07\nworkday 2026-10-07\n"),
            Some(3),
            "a day both off and worked"
        );
        assert_eq!(
            line_of("year 2026\nholiday 2026-10-07..2026-10-01\n"),
            Some(2)
        );
        assert_eq!(line_of("year 2026\nvacation 2026-10-01\n"), Some(2));
        assert_eq!(
            parse("holiday 2026-10-01\n").err(),
            Some(CalendarFileError::NoYear)
        );
    }

    #[test]
    fn chinese_keywords_comments_and_a_bom_are_read() -> Result<(), CalendarFileError> {
        let file = parse("\u{feff}年 2026  # 国务院办公厅通知\n放假 2026-06-19..2026-06-21 端午节\n上班 2026-09-20\n")?;
        assert_eq!(file.days.len(), 4);
        assert_eq!(file.days[0].name, "端午节");
        assert_eq!(file.days[3].kind, DayKind::Workday);
        Ok(())
    }

    #[test]
    fn format_reads_back() -> Result<(), CalendarFileError> {
        let file = parse(SHIPPED_2026)?;
        let again = parse(&format(2026, &file.days))?;
        assert_eq!(again, file);
        Ok(())
    }
}
