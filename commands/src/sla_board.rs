//! The SLA board (`sla_board`): every running clock at risk, breached or paused, across
//! the orders and complaints this office device holds, grouped by clock and soonest
//! deadline first. Each clock is evaluated now with `onsite_core::sla::Clock::evaluate`,
//! from the inputs the store keeps (`onsite_device::store::clocks`), so the board moves
//! as time passes without any document changing.

use chrono::{DateTime, Utc};
use onsite_core::sla::{self, ClockKind};
use onsite_device::store::clocks::{ClockFilter, ClockRow};
use serde::{Deserialize, Serialize};

use crate::error::CommandError;
use crate::list::SlaStatus;
use crate::reference::people;
use crate::{instant, App};

/// What the board asks for. Empty filters match everything.
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct BoardQuery {
    /// Only this technician's orders (and complaints they own).
    pub assignee: Option<String>,
    /// Only this clock.
    pub clock: Option<ClockKind>,
}

/// Which kind of document a board row opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum BoardDoc {
    /// A work order.
    Order,
    /// A complaint.
    Complaint,
}

/// One clock on the board.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct BoardRow {
    /// What the row opens.
    pub doc: BoardDoc,
    /// The document's id.
    pub id: String,
    /// Its human number.
    pub number: String,
    /// The customer (or complainant).
    pub customer: String,
    /// The technician (or complaint owner), if any.
    pub assignee: Option<String>,
    /// Their name, from the staff list.
    pub assignee_name: Option<String>,
    /// At risk, breached or paused.
    pub status: SlaStatus,
    /// The deadline now, extended by the time spent paused.
    pub deadline: DateTime<Utc>,
    /// Milliseconds left until the deadline (negative once breached).
    pub left_ms: i64,
}

/// The rows of one clock.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct BoardGroup {
    /// The clock: i18n key `sla.clock.<name>`.
    pub clock: ClockKind,
    /// Its rows, least time left first.
    pub rows: Vec<BoardRow>,
}

/// The board.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SlaBoard {
    /// When it was evaluated.
    pub at: DateTime<Utc>,
    /// One group per clock with rows, in the clocks' order.
    pub groups: Vec<BoardGroup>,
}

/// The board now.
#[tracing::instrument(skip_all)]
pub fn sla_board(app: &App, query: &BoardQuery) -> Result<SlaBoard, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let names = people(store)?;
        let filter = ClockFilter {
            assignee: query.assignee.clone().filter(|a| !a.is_empty()),
            clock: query.clock.map(ClockKind::name),
        };
        let mut groups: Vec<BoardGroup> = Vec::new();
        for row in store.running_clocks(&filter)? {
            let clock = clock_of(&row)?;
            let state = clock.evaluate(now);
            let status = SlaStatus::from(state.status);
            if status == SlaStatus::OnTrack {
                continue;
            }
            let entry = BoardRow {
                doc: if row.doc_kind == "complaint" {
                    BoardDoc::Complaint
                } else {
                    BoardDoc::Order
                },
                assignee_name: row.assignee.as_ref().and_then(|a| names.get(a).cloned()),
                status,
                deadline: state.deadline,
                left_ms: (state.deadline - now).num_milliseconds(),
                id: row.doc_id,
                number: row.number,
                customer: row.customer,
                assignee: row.assignee,
            };
            match groups.iter_mut().find(|g| g.clock == clock.kind) {
                Some(group) => group.rows.push(entry),
                None => groups.push(BoardGroup {
                    clock: clock.kind,
                    rows: vec![entry],
                }),
            }
        }
        groups.sort_by_key(|g| g.clock);
        for group in &mut groups {
            group.rows.sort_by_key(|r| (r.left_ms, r.number.clone()));
        }
        Ok(SlaBoard { at: now, groups })
    })
}

/// The core clock a stored row describes.
pub(crate) fn clock_of(row: &ClockRow) -> Result<sla::Clock, CommandError> {
    let what = || format!("{} {} clock {}", row.doc_kind, row.doc_id, row.clock);
    let corrupt = |detail: String| CommandError::new("errors.storage.corrupt", detail);
    let kind = ClockKind::from_name(&row.clock)
        .ok_or_else(|| corrupt(format!("{}: unknown clock", what())))?;
    let pauses: Vec<(i64, Option<i64>)> = serde_json::from_str(&row.pauses)
        .map_err(|e| corrupt(format!("{}: unreadable pauses: {e}", what())))?;
    let pauses = pauses
        .into_iter()
        .map(|(from, to)| {
            Ok((
                instant(from, &what())?,
                to.map(|t| instant(t, &what())).transpose()?,
            ))
        })
        .collect::<Result<Vec<_>, CommandError>>()?;
    Ok(sla::Clock {
        kind,
        start: instant(row.started_at, &what())?,
        deadline: instant(row.deadline, &what())?,
        at_risk_from: instant(row.at_risk_from, &what())?,
        stopped_at: None,
        pauses,
    })
}
