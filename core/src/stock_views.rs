//! The desk's stock views: stock per location and part with the minimum the catalog sets
//! for that pair (low when the book is below it), and the movement history filtered by
//! part, location, order and date, with its CSV export. The shapes and the rules (what is
//! low, how a CSV cell is quoted) live here; the server does the filtering in SQL.

use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, PartId};

/// The minimum stock of one part at one location, set in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockMinimum {
    /// Part.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub part: PartId,
    /// Location.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location: LocationId,
    /// The least that should be there; 0 removes the minimum.
    pub minimum: u32,
}

/// Whether a book balance is below its minimum (low stock).
pub fn is_low(balance: i64, minimum: Option<u32>) -> bool {
    minimum.is_some_and(|m| m > 0 && balance < i64::from(m))
}

/// One row of stock per location and part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockRow {
    /// Location.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location: LocationId,
    /// Its name.
    pub location_name: String,
    /// Part.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub part: PartId,
    /// Its number.
    pub part_number: String,
    /// Its name.
    pub part_name: String,
    /// The book balance.
    pub quantity: i64,
    /// The catalog's minimum for the pair.
    pub minimum: Option<u32>,
    /// Below the minimum ([`is_low`]).
    pub low: bool,
}

/// What the movement history is narrowed to. Every field is optional; dates are whole
/// days (`YYYY-MM-DD`, inclusive) in UTC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovementFilter {
    /// Part.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub part: Option<PartId>,
    /// Location, as source or destination.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub location: Option<LocationId>,
    /// The order's (or requisition's, or count's) number.
    #[serde(default)]
    pub order: Option<String>,
    /// From this day.
    #[serde(default)]
    pub from: Option<String>,
    /// Up to and including this day.
    #[serde(default)]
    pub to: Option<String>,
}

/// One movement in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// Movement id.
    pub id: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who (their name).
    pub by: String,
    /// `receive`, `issue`, `use`, `return`, `scrap`, `count_adjustment`.
    pub kind: String,
    /// Part number.
    pub part_number: String,
    /// Signed for adjustments, otherwise positive.
    pub quantity: i64,
    /// Source's name.
    pub from: Option<String>,
    /// Destination's name.
    pub to: Option<String>,
    /// The order, requisition or count it belongs to.
    pub reference: String,
    /// Reason (adjustments, scrapping, receipts' notes).
    pub reason: String,
}

/// The CSV's header row. Stable English column names, whatever the reader's language, so
/// a spreadsheet or script built on one export reads the next (decisions.md).
pub const HISTORY_CSV_HEADER: [&str; 10] = [
    "at",
    "kind",
    "part_number",
    "quantity",
    "from",
    "to",
    "reference",
    "by",
    "reason",
    "movement_id",
];

pub(crate) fn cell(value: &str) -> String {
    // RFC 4180: quote a cell holding a comma, quote or line break, doubling quotes. A
    // cell starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a
    // formula (a reason typed by anyone ends up in the office's spreadsheet).
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<i64>().is_err() {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The history as CSV (UTF-8 with a byte-order mark, which spreadsheets need to read
/// Chinese names; CRLF line ends).
pub fn history_csv(entries: &[HistoryEntry]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HISTORY_CSV_HEADER.join(","));
    out.push_str("\r\n");
    for e in entries {
        let row = [
            e.at.clone(),
            e.kind.clone(),
            e.part_number.clone(),
            e.quantity.to_string(),
            e.from.clone().unwrap_or_default(),
            e.to.clone().unwrap_or_default(),
            e.reference.clone(),
            e.by.clone(),
            e.reason.clone(),
            e.id.clone(),
        ];
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_means_below_a_minimum_that_is_set() {
        assert!(is_low(1, Some(2)));
        assert!(!is_low(2, Some(2)));
        assert!(!is_low(-5, None), "no minimum, never low");
        assert!(!is_low(0, Some(0)), "a minimum of 0 is none");
    }

    #[test]
    fn the_csv_has_stable_headers_and_quotes_what_needs_it() {
        let csv = history_csv(&[HistoryEntry {
            id: "m1".into(),
            at: "2026-12-01T08:00:00+00:00".into(),
            by: "孙丽".into(),
            kind: "count_adjustment".into(),
            part_number: "BELT-8".into(),
            quantity: -1,
            from: None,
            to: Some("主仓库".into()),
            reference: "PD-20261201-1".into(),
            reason: "broken, \"cracked\"\n=SUM(A1)".into(),
        }]);
        let mut lines = csv.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("\u{feff}at,kind,part_number,quantity,from,to,reference,by,reason,movement_id")
        );
        assert_eq!(
            lines.next(),
            Some(
                "2026-12-01T08:00:00+00:00,count_adjustment,BELT-8,-1,,主仓库,PD-20261201-1,孙丽,\"broken, \"\"cracked\"\"\n=SUM(A1)\",m1"
            )
        );
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)", "no formula runs");
        assert_eq!(cell("-1"), "-1", "a negative number stays a number");
    }
}
