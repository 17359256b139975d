//! The `orders` projection: one plain row per order document for the order list, its
//! filters (state, assignee, due time, SLA status) and sorting. Written in the same
//! transaction as the change it reflects; rebuilt from documents by `Store::rebuild_projections`.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Doing, StoreError};

/// What the order list shows for one order. Times are Unix milliseconds, UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRow {
    /// The order document's id.
    pub order_id: String,
    /// The human order number, e.g. `WO-2026-000123`.
    pub number: String,
    /// Lifecycle state, as onsite-core names it (snake_case).
    pub state: String,
    /// The assigned technician's user id.
    pub assignee: Option<String>,
    /// Customer name.
    pub customer_name: String,
    /// Customer phone.
    pub phone: String,
    /// Service address.
    pub address: String,
    /// Product model.
    pub product_model: String,
    /// Product serial number.
    pub serial: String,
    /// When the order is due: the appointment, else the running SLA clock's deadline.
    pub due_at: Option<i64>,
    /// The most urgent running SLA clock, if any.
    pub sla: Option<SlaRow>,
    /// When the order was created.
    pub created_at: i64,
    /// When the order was last changed.
    pub updated_at: i64,
    /// The agreed visit window, if scheduled.
    pub window: Option<(i64, i64)>,
    /// Sign-off status: `none`, `valid` or `void`.
    pub sign_off: String,
    /// Flags raised on the order and not yet resolved.
    pub open_flags: i64,
}

/// The most urgent SLA clock of an order, with the instants its status changes, so the
/// list can show the status at any "now" without rewriting rows as time passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaRow {
    /// Which clock (snake_case name from onsite-core).
    pub clock: String,
    /// Deadline; breached from this instant on.
    pub due_at: Option<i64>,
    /// At risk from this instant on.
    pub at_risk_at: Option<i64>,
    /// The clock is paused (waiting for the customer).
    pub paused: bool,
    /// A clock that already stopped had missed its deadline: breached for good.
    pub late: bool,
}

impl OrderRow {
    /// The order's SLA status at `now`, as the list shows it (worst first: breached,
    /// at risk, paused, on track); `None` without clocks.
    pub fn sla_status(&self, now: i64) -> Option<SlaFilter> {
        let sla = self.sla.as_ref()?;
        if sla.late {
            return Some(SlaFilter::Breached);
        }
        let due = sla.due_at?;
        Some(if sla.paused {
            SlaFilter::Paused
        } else if now > due {
            SlaFilter::Breached
        } else if sla.at_risk_at.is_some_and(|r| now > r) {
            SlaFilter::AtRisk
        } else {
            SlaFilter::OnTrack
        })
    }
}

/// SLA status of a list row, evaluated at the "now" the caller passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaFilter {
    /// Has a running clock that is neither at risk nor breached.
    OnTrack,
    /// Under the at-risk threshold but not yet breached.
    AtRisk,
    /// Past its deadline.
    Breached,
    /// Paused.
    Paused,
}

/// Filters for the order list. Empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only these states.
    pub states: Vec<String>,
    /// Only this assignee.
    pub assignee: Option<String>,
    /// Only orders nobody is assigned to (the dispatch board).
    pub unassigned: bool,
    /// Only orders on or after this instant: the visit window's start, or the intake
    /// time of an order without one.
    pub from: Option<i64>,
    /// …and before this instant.
    pub to: Option<i64>,
    /// Only orders due before this instant.
    pub due_before: Option<i64>,
    /// Only orders with this SLA status at `now`.
    pub sla: Option<SlaFilter>,
    /// Full-text query (customer, phone, address, model, serial, number).
    pub text: Option<String>,
    /// The instant SLA filters are evaluated at.
    pub now: i64,
    /// At most this many rows (0 means 500).
    pub limit: usize,
}

/// Inserts or replaces an order's row.
pub fn upsert(conn: &Connection, doc_no: i64, row: &OrderRow) -> Result<(), StoreError> {
    // Many edits (a comment, a contact attempt) leave the list row as it was: skip the
    // write, and with it the index pages it would dirty in the WAL.
    let current = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM orders o WHERE o.doc_no = ?1"
        ))
        .and_then(|mut stmt| stmt.query_row([doc_no], read).optional())
        .doing(|| format!("reading the list row of order {}", row.order_id))?;
    if current.as_ref() == Some(row) {
        return Ok(());
    }
    let sla = row.sla.as_ref();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO orders (doc_no, order_id, number, state, assignee,
            customer_name, phone, address, product_model, serial, due_at,
            sla_clock, sla_late, sla_due_at, sla_at_risk_at, sla_paused, created_at, updated_at,
            window_start, window_end, sign_off, open_flags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            doc_no,
            row.order_id,
            row.number,
            row.state,
            row.assignee,
            row.customer_name,
            row.phone,
            row.address,
            row.product_model,
            row.serial,
            row.due_at,
            sla.map(|s| &s.clock),
            sla.is_some_and(|s| s.late) as i64,
            sla.and_then(|s| s.due_at),
            sla.and_then(|s| s.at_risk_at),
            sla.is_some_and(|s| s.paused) as i64,
            row.created_at,
            row.updated_at,
            row.window.map(|w| w.0),
            row.window.map(|w| w.1),
            row.sign_off,
            row.open_flags,
        ])
    })
    .doing(|| format!("updating the order list for order {}", row.order_id))?;
    Ok(())
}

/// Removes an order's row.
pub fn delete(conn: &Connection, doc_no: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM orders WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.execute([doc_no]))
        .doing(|| format!("removing order list row {doc_no}"))?;
    Ok(())
}

const COLUMNS: &str = "o.order_id, o.number, o.state, o.assignee, o.customer_name, o.phone,
    o.address, o.product_model, o.serial, o.due_at, o.sla_clock, o.sla_late, o.sla_due_at,
    o.sla_at_risk_at, o.sla_paused, o.created_at, o.updated_at, o.window_start, o.window_end,
    o.sign_off, o.open_flags";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    let clock: Option<String> = r.get(10)?;
    let sla = match clock {
        Some(clock) => Some(SlaRow {
            clock,
            late: r.get::<_, i64>(11)? != 0,
            due_at: r.get(12)?,
            at_risk_at: r.get(13)?,
            paused: r.get::<_, i64>(14)? != 0,
        }),
        None => None,
    };
    Ok(OrderRow {
        order_id: r.get(0)?,
        number: r.get(1)?,
        state: r.get(2)?,
        assignee: r.get(3)?,
        customer_name: r.get(4)?,
        phone: r.get(5)?,
        address: r.get(6)?,
        product_model: r.get(7)?,
        serial: r.get(8)?,
        due_at: r.get(9)?,
        sla,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        window: match (r.get::<_, Option<i64>>(17)?, r.get::<_, Option<i64>>(18)?) {
            (Some(start), Some(end)) => Some((start, end)),
            _ => None,
        },
        sign_off: r.get(19)?,
        open_flags: r.get(20)?,
    })
}

/// One order's row.
pub fn get(conn: &Connection, order_id: &str) -> Result<Option<OrderRow>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM orders o WHERE o.order_id = ?1"
    ))
    .and_then(|mut stmt| stmt.query_row([order_id], read).optional())
    .doing(|| format!("reading the list row of order {order_id}"))
}

/// Every row, ordered by `doc_no`: what a rebuild must reproduce.
pub fn all(conn: &Connection) -> Result<Vec<OrderRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM orders o ORDER BY o.doc_no"))
        .doing(|| "reading the order list".into())?;
    let rows = stmt
        .query_map([], read)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "reading the order list".into())?;
    Ok(rows)
}

/// Orders about a product: the same serial number (any case), or when `serial` is empty,
/// the same customer phone. Intake reads them for the repeat-repair warranty.
pub fn about_product(
    conn: &Connection,
    serial: &str,
    phone: &str,
) -> Result<Vec<String>, StoreError> {
    let (sql, key) = if serial.trim().is_empty() {
        (
            "SELECT order_id FROM orders WHERE phone = ?1 ORDER BY doc_no",
            phone.trim(),
        )
    } else {
        (
            "SELECT order_id FROM orders WHERE serial = ?1 COLLATE NOCASE ORDER BY doc_no",
            serial.trim(),
        )
    };
    if key.is_empty() {
        return Ok(vec![]);
    }
    let mut stmt = conn
        .prepare_cached(sql)
        .doing(|| "preparing the product history query".into())?;
    let ids = stmt
        .query_map([key], |r| r.get(0))
        .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
        .doing(|| format!("finding earlier orders for product {key:?}"))?;
    Ok(ids)
}

/// The order list: filtered, soonest due first (orders without a due time last).
pub fn list(conn: &Connection, filter: &OrderFilter) -> Result<Vec<OrderRow>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM orders o WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let arg = |v: rusqlite::types::Value, args: &mut Vec<_>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if !filter.states.is_empty() {
        let marks: Vec<String> = filter
            .states
            .iter()
            .map(|s| arg(s.clone().into(), &mut args))
            .collect();
        sql += &format!(" AND o.state IN ({})", marks.join(", "));
    }
    if let Some(assignee) = &filter.assignee {
        sql += &format!(
            " AND o.assignee = {}",
            arg(assignee.clone().into(), &mut args)
        );
    }
    if filter.unassigned {
        sql += " AND o.assignee IS NULL";
    }
    // The day's range applies to the visit window, or to the intake time if none.
    if let Some(from) = filter.from {
        sql += &format!(
            " AND coalesce(o.window_start, o.created_at) >= {}",
            arg(from.into(), &mut args)
        );
    }
    if let Some(to) = filter.to {
        sql += &format!(
            " AND coalesce(o.window_start, o.created_at) < {}",
            arg(to.into(), &mut args)
        );
    }
    if let Some(before) = filter.due_before {
        sql += &format!(" AND o.due_at < {}", arg(before.into(), &mut args));
    }
    if let Some(sla) = filter.sla {
        let now = arg(filter.now.into(), &mut args);
        // Mirrors OrderRow::sla_status: breached, then at risk, then paused, then on track.
        sql += &match sla {
            SlaFilter::Breached => {
                format!(" AND (o.sla_late = 1 OR (o.sla_paused = 0 AND o.sla_due_at < {now}))")
            }
            SlaFilter::AtRisk => format!(
                " AND o.sla_late = 0 AND o.sla_paused = 0
                  AND o.sla_at_risk_at < {now} AND o.sla_due_at >= {now}"
            ),
            SlaFilter::Paused => {
                " AND o.sla_late = 0 AND o.sla_paused = 1 AND o.sla_due_at IS NOT NULL".to_string()
            }
            SlaFilter::OnTrack => format!(
                " AND o.sla_late = 0 AND o.sla_paused = 0 AND o.sla_due_at IS NOT NULL
                  AND o.sla_at_risk_at >= {now}"
            ),
        };
    }
    // A query with no searchable characters (only punctuation) filters nothing.
    if let Some(query) = filter
        .text
        .as_deref()
        .and_then(crate::store::search::fts_query)
    {
        sql += &format!(
            " AND o.doc_no IN (SELECT rowid FROM order_search WHERE order_search MATCH {})",
            arg(query.into(), &mut args)
        );
    }
    let limit = if filter.limit == 0 { 500 } else { filter.limit };
    sql += &format!(
        " ORDER BY o.due_at IS NULL, o.due_at, o.doc_no LIMIT {}",
        arg((limit as i64).into(), &mut args)
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .doing(|| "preparing the order list query".into())?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), read)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "reading the order list".into())?;
    Ok(rows)
}
