//! The running SLA clocks of every order and complaint this device holds, one row per
//! clock (`sla_clocks`), for the office's SLA board. Each row keeps the clock's inputs
//! (start, deadline, at-risk instant, pauses), not a verdict: the board evaluates them
//! with `onsite_core::sla::Clock::evaluate` at the moment it is asked, so rows never
//! need rewriting as time passes.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::{Doing, StoreError};

/// One running clock of one document, with what the board shows beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockRow {
    /// `order` or `complaint`.
    pub doc_kind: String,
    /// The document's id.
    pub doc_id: String,
    /// Its human number.
    pub number: String,
    /// The customer (or complainant).
    pub customer: String,
    /// The technician assigned (orders) or the owner (complaints).
    pub assignee: Option<String>,
    /// Which clock (onsite-core's snake_case `ClockKind`).
    pub clock: String,
    /// Started, Unix milliseconds.
    pub started_at: i64,
    /// The deadline before pauses.
    pub deadline: i64,
    /// At risk from this instant, before pauses.
    pub at_risk_from: i64,
    /// Pause intervals as `[from, to|null]` pairs of milliseconds (JSON).
    pub pauses: String,
}

/// Which rows the board asks for. Empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct ClockFilter {
    /// Only this assignee's.
    pub assignee: Option<String>,
    /// Only this clock.
    pub clock: Option<String>,
}

/// Replaces a document's clock rows (inside the caller's transaction).
pub fn replace(conn: &Connection, doc_no: i64, rows: &[ClockRow]) -> Result<(), StoreError> {
    let doing = || format!("updating the SLA clocks of document #{doc_no}");
    conn.prepare_cached("DELETE FROM sla_clocks WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.execute([doc_no]))
        .doing(doing)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO sla_clocks (doc_no, doc_kind, doc_id, number, customer, assignee, clock,
                started_at, deadline, at_risk_from, pauses)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .doing(doing)?;
    for r in rows {
        insert
            .execute(params![
                doc_no,
                r.doc_kind,
                r.doc_id,
                r.number,
                r.customer,
                r.assignee,
                r.clock,
                r.started_at,
                r.deadline,
                r.at_risk_from,
                r.pauses,
            ])
            .doing(doing)?;
    }
    Ok(())
}

/// Every running clock matching `filter`, soonest deadline first.
pub fn running(conn: &Connection, filter: &ClockFilter) -> Result<Vec<ClockRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT doc_kind, doc_id, number, customer, assignee, clock, started_at, deadline,
                at_risk_from, pauses
             FROM sla_clocks
             WHERE (?1 IS NULL OR assignee = ?1) AND (?2 IS NULL OR clock = ?2)
             ORDER BY deadline, doc_id, clock",
        )
        .doing(|| "reading the SLA clocks".into())?;
    let rows = stmt
        .query_map(params![filter.assignee, filter.clock], |r| {
            Ok(ClockRow {
                doc_kind: r.get(0)?,
                doc_id: r.get(1)?,
                number: r.get(2)?,
                customer: r.get(3)?,
                assignee: r.get(4)?,
                clock: r.get(5)?,
                started_at: r.get(6)?,
                deadline: r.get(7)?,
                at_risk_from: r.get(8)?,
                pauses: r.get(9)?,
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "reading the SLA clocks".into())?;
    Ok(rows)
}
