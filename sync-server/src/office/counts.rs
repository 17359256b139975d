//! Stock counts (盘点) at the office: opening a count fixes the book figure of every
//! catalog part at the location; entries arrive from devices (the tablet queues them
//! offline, see `onsite_device::counts`), idempotent by id; the supervisor's approval
//! posts the surplus and shortage as `count_adjustment` movements in
//! `stock_adjustments`. Every step is checked against the signed-in user by
//! `onsite_core::stock_count` before anything is written.

use std::collections::BTreeMap;

use crate::db::{Connection, OptionalExtension};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use onsite_core::ids::{LocationId, MovementId, PartId};
use onsite_core::role::Actor;
use onsite_core::stock::{Ledger, Movement};
use onsite_core::stock_count::{
    CountAction, CountEntry, CountError, CountSheet, CountState, CountSummary, CountView,
};
use onsite_core::stock_views::MovementFilter;
use uuid::Uuid;

use super::audit::{self, By};
use super::not_found;
use super::stock_views;
use crate::error::ApiError;
use crate::reference;

impl From<CountError> for ApiError {
    fn from(err: CountError) -> Self {
        let status = match &err {
            CountError::NotPermitted { .. } => StatusCode::FORBIDDEN,
            CountError::NotOpen { .. } | CountError::AlreadyOpen { .. } => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, err.code(), err.to_string()).with_details(err.details())
    }
}

fn load(conn: &Connection, id: Uuid) -> Result<CountSheet, ApiError> {
    let data: Option<String> = conn
        .query_row(
            "SELECT data FROM stock_counts WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let data = data
        .ok_or_else(|| not_found("errors.stock_count.unknown", format!("no stock count {id}")))?;
    serde_json::from_str(&data).map_err(|e| ApiError::internal(format!("stored count {id}: {e}")))
}

fn store(conn: &Connection, sheet: &CountSheet) -> Result<(), ApiError> {
    let data = serde_json::to_string(sheet)
        .map_err(|e| ApiError::internal(format!("encoding a count: {e}")))?;
    let state = match sheet.state {
        CountState::Open => "open",
        CountState::Posted => "posted",
    };
    conn.execute(
        "INSERT INTO stock_counts (id, number, location, state, opened_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, data = excluded.data",
        (
            sheet.id.to_string(),
            &sheet.number,
            sheet.location.to_string(),
            state,
            sheet.opened_at.to_rfc3339(),
            data,
        ),
    )?;
    Ok(())
}

/// Records one of the office's own movements (a count's adjustment, an over-use fixed by
/// adjustment) in `stock_adjustments`; a movement already there is not added again.
pub(crate) fn record_adjustment(
    conn: &Connection,
    m: &Movement,
    part_number: &str,
    label: &str,
) -> Result<(), ApiError> {
    let Some(location) = m.to.or(m.from) else {
        return Err(ApiError::internal("an adjustment without a location"));
    };
    let data = serde_json::to_string(m)
        .map_err(|e| ApiError::internal(format!("encoding an adjustment: {e}")))?;
    conn.execute(
        "INSERT INTO stock_adjustments
            (id, part, part_number, location, quantity, at, by_user, label, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
        (
            m.id.to_string(),
            m.part.to_string(),
            part_number,
            location.to_string(),
            m.quantity,
            m.at.to_rfc3339(),
            m.by.to_string(),
            label,
            data,
        ),
    )?;
    Ok(())
}

/// Opens a count of `location` (an id already used answers that count).
pub fn open(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    id: Uuid,
    location: LocationId,
    now: DateTime<Utc>,
) -> Result<CountView, ApiError> {
    CountAction::Open.check(actor.role)?;
    if let Ok(existing) = load(conn, id) {
        return view(conn, existing, actor);
    }
    let reference = reference::load(conn)?;
    let place = reference
        .locations
        .iter()
        .find(|l| l.id == location)
        .ok_or_else(|| {
            not_found(
                "errors.stock.unknown_location",
                format!("no stock location {location}"),
            )
        })?;
    let open: Option<String> = conn
        .query_row(
            "SELECT number FROM stock_counts WHERE location = ?1 AND state = 'open'",
            [location.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(number) = open {
        return Err(CountError::AlreadyOpen {
            location: place.name.clone(),
            number,
        }
        .into());
    }
    let book =
        Ledger::from_movements(super::stock::ledger(conn)?.into_iter().map(|(m, _)| m)).balances();
    let hex = id.simple().to_string();
    let number = format!(
        "PD-{}-{}",
        now.format("%Y%m%d"),
        &hex[hex.len().saturating_sub(6)..]
    );
    let sheet = CountSheet::open(
        id,
        number,
        place,
        &reference.parts,
        &book,
        actor,
        now,
        || MovementId(Uuid::now_v7()),
    )?;
    store(conn, &sheet)?;
    audit::record(
        conn,
        by,
        "stock_count_opened",
        &sheet.number,
        &serde_json::json!({ "location": place.name }).to_string(),
        now,
    )?;
    view(conn, sheet, actor)
}

/// Records one entry from a device. An entry id already received changes nothing.
pub fn enter(
    conn: &Connection,
    actor: Actor,
    entry: &CountEntry,
    now: DateTime<Utc>,
) -> Result<CountView, ApiError> {
    let mut sheet = load(conn, entry.count)?;
    let known: bool = conn
        .query_row(
            "SELECT 1 FROM stock_count_entries WHERE id = ?1",
            [entry.id.to_string()],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if !known {
        sheet.enter(entry, actor)?;
        store(conn, &sheet)?;
        conn.execute(
            "INSERT INTO stock_count_entries (id, count_id, by_user, received_at)
             VALUES (?1, ?2, ?3, ?4)",
            (
                entry.id.to_string(),
                sheet.id.to_string(),
                actor.user.to_string(),
                now.to_rfc3339(),
            ),
        )?;
    }
    view(conn, sheet, actor)
}

/// The supervisor approves the count, which posts its adjustments. Returns the view and
/// whether anything was posted (for catching the ledger index up).
pub fn approve(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<CountView, ApiError> {
    let mut sheet = load(conn, id)?;
    let adjustments = sheet.approve(actor, now)?;
    let numbers: BTreeMap<PartId, String> = sheet
        .lines
        .iter()
        .map(|l| (l.part, l.part_number.clone()))
        .collect();
    for m in &adjustments {
        let number = numbers.get(&m.part).map(String::as_str).unwrap_or_default();
        record_adjustment(conn, m, number, &sheet.number)?;
    }
    store(conn, &sheet)?;
    audit::record(
        conn,
        by,
        "stock_count_posted",
        &sheet.number,
        &serde_json::json!({
            "location": sheet.location_name,
            "adjustments": adjustments.iter().map(|m| serde_json::json!({
                "part": numbers.get(&m.part), "quantity": m.quantity, "reason": m.reason,
            })).collect::<Vec<_>>(),
        })
        .to_string(),
        now,
    )?;
    view(conn, sheet, actor)
}

/// One count as the desk shows it to `actor`.
pub fn get(conn: &Connection, id: Uuid, actor: Actor) -> Result<CountView, ApiError> {
    view(conn, load(conn, id)?, actor)
}

fn view(conn: &Connection, sheet: CountSheet, actor: Actor) -> Result<CountView, ApiError> {
    let book = Ledger::from_movements(super::stock::ledger(conn)?.into_iter().map(|(m, _)| m));
    let book_now: BTreeMap<PartId, i64> = sheet
        .lines
        .iter()
        .map(|l| (l.part, book.balance(l.part, sheet.location)))
        .collect();
    let mut during = stock_views::history(
        conn,
        &MovementFilter {
            location: Some(sheet.location),
            ..MovementFilter::default()
        },
    )?;
    // Since the count opened, and not its own adjustments (they are the count).
    during.retain(|e| {
        e.reference != sheet.number
            && DateTime::parse_from_rfc3339(&e.at).is_ok_and(|at| at >= sheet.opened_at)
    });
    Ok(CountView::new(sheet, &book_now, during, actor.role))
}

/// Every count, newest first.
pub fn list(conn: &Connection) -> Result<Vec<CountSummary>, ApiError> {
    let rows = conn
        .prepare_cached("SELECT data FROM stock_counts ORDER BY opened_at DESC")?
        .query_map((), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|d| {
            serde_json::from_str::<CountSheet>(&d)
                .map(|s| s.summary())
                .map_err(|e| ApiError::internal(format!("stored count: {e}")))
        })
        .collect()
}
