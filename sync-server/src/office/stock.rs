//! Stock at the office: warehouses, goods received (入库) and a storekeeper's transfer
//! from a warehouse to a technician's van (发放), and the balances per location. Stock is
//! never a counter: a receipt is one `receive` movement (`stock_receipts`, since it
//! belongs to no document), and a transfer is a requisition document raised, approved
//! and issued at once, so its `issue` movement sits in the ledger like any other and the
//! technician's device receives it with its documents and counts it into the van.
//! Balances are sums over every movement: receipts, and the movements of every order
//! and requisition.

use std::collections::BTreeMap;

use crate::db::{Connection, OptionalExtension};
use automerge::AutoCommit;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use onsite_core::doc::order::OrderDoc;
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::ids::{LocationId, MovementId, PartId, RecordId};
use onsite_core::office::{
    self, NewWarehouse, StockEntry, StockOverview, StockReceipt, StockTransfer,
};
use onsite_core::records::catalog::{Location, LocationKind, Part};
use onsite_core::role::Actor;
use onsite_core::stock::{Ledger, Movement, MovementKind};
use onsite_core::{ops, Ctx, DomainError};

use super::audit::{self, By};
use super::not_found;
use crate::error::ApiError;
use crate::reference;
use crate::sync::docs::{self, StoredDoc};
use crate::sync::protocol::DocKind;

/// How many movements the stock screen lists.
pub const RECENT: usize = 50;

/// `server_meta` key under which reconciliation notes the documents.seq up to which
/// `ledger_movements` is indexed (see `sync/reconcile.rs`); documents saved since are
/// read from the documents themselves.
const INDEX_SEQ_KEY: &str = "reconcile.index_seq";

fn location(conn: &Connection, id: LocationId) -> Result<Location, ApiError> {
    reference::load(conn)?
        .locations
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| {
            not_found(
                "errors.stock.unknown_location",
                format!("no stock location {id}"),
            )
        })
}

fn part(conn: &Connection, id: PartId) -> Result<Part, ApiError> {
    super::catalog::get(conn, id)?.ok_or_else(|| {
        not_found(
            "errors.catalog.unknown_part",
            format!("part {id} is not in the catalog"),
        )
    })
}

fn wrong_kind(code: &'static str, location: &Location) -> ApiError {
    let mut details = serde_json::Map::new();
    details.insert("location".into(), location.name.clone().into());
    ApiError::bad_request(
        code,
        format!("{} is the wrong kind of location", location.name),
    )
    .with_details(details)
}

/// Adds a warehouse (or renames it, for the same id).
pub fn add_warehouse(
    conn: &Connection,
    by: By<'_>,
    new: &NewWarehouse,
    now: DateTime<Utc>,
) -> Result<Location, ApiError> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request(
            "errors.stock.name_missing",
            "a warehouse needs a name",
        ));
    }
    if let Ok(existing) = location(conn, new.id) {
        if existing.kind != LocationKind::Warehouse {
            return Err(wrong_kind("errors.stock.not_a_warehouse", &existing));
        }
    }
    let warehouse = Location {
        id: new.id,
        name: name.to_string(),
        kind: LocationKind::Warehouse,
        holder: None,
    };
    reference::put_location(conn, &warehouse)?;
    audit::record(conn, by, "warehouse_added", name, "{}", now)?;
    Ok(warehouse)
}

/// Records goods received into a warehouse. A receipt with an id already recorded is
/// the same receipt sent again and changes nothing.
pub fn receive(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    receipt: &StockReceipt,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let known: bool = conn
        .query_row(
            "SELECT 1 FROM stock_receipts WHERE id = ?1",
            [receipt.id.to_string()],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if known {
        return Ok(());
    }
    let part = part(conn, receipt.part)?;
    let warehouse = location(conn, receipt.warehouse)?;
    if warehouse.kind != LocationKind::Warehouse {
        return Err(wrong_kind("errors.stock.not_a_warehouse", &warehouse));
    }
    let serials = clean(&receipt.serials);
    office::check_movement(&part, receipt.quantity, &serials)?;
    let movement = Movement {
        id: receipt.id,
        at: now,
        by: actor.user,
        kind: MovementKind::Receive,
        part: part.id,
        quantity: i64::from(receipt.quantity),
        from: None,
        to: Some(warehouse.id),
        serials,
        reason: receipt.note.trim().to_string(),
        reference: None,
    };
    let data = serde_json::to_string(&movement)
        .map_err(|e| ApiError::internal(format!("encoding a receipt: {e}")))?;
    conn.execute(
        "INSERT INTO stock_receipts (id, part, location, quantity, at, by_user, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            movement.id.to_string(),
            part.id.to_string(),
            warehouse.id.to_string(),
            movement.quantity,
            now.to_rfc3339(),
            actor.user.to_string(),
            data,
        ),
    )?;
    audit::record(
        conn,
        by,
        "stock_received",
        &part.number,
        &serde_json::json!({ "quantity": receipt.quantity, "to": warehouse.name }).to_string(),
        now,
    )?;
    Ok(())
}

fn clean(serials: &[String]) -> Vec<String> {
    serials
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn refused(err: DomainError) -> ApiError {
    match err {
        DomainError::Requisition(e) => {
            use onsite_core::doc::requisition::RequisitionError as R;
            let status = match e {
                R::RoleNotPermitted { .. } | R::ValuableNeedsSupervisor => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            ApiError::new(status, e.code(), e.to_string())
        }
        other => ApiError::internal(format!("transfer requisition: {other}")),
    }
}

/// Transfers stock from a warehouse to a technician's van as a requisition raised,
/// approved and issued by the acting storekeeper (or supervisor) at once, owned by the
/// van's technician so their device receives it. Refused when the warehouse's book
/// balance does not cover it. A transfer whose id is already a document was done.
/// Returns whether a document was written (for waking long polls).
pub fn transfer(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    t: &StockTransfer,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    move_to_van(conn, actor, by, t, false, None, now)
}

/// A transfer to a van from any other location (another van too), as an over-use is
/// settled by moving stock that was there in fact (`over_use.rs`). A van no one
/// registered (a team van of an older set-up) is owned by `team_holder`, the technician
/// whose order used the parts.
pub(crate) fn transfer_from_any(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    t: &StockTransfer,
    team_holder: Option<onsite_core::ids::UserId>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    move_to_van(conn, actor, by, t, true, team_holder, now)
}

fn move_to_van(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    t: &StockTransfer,
    from_any: bool,
    team_holder: Option<onsite_core::ids::UserId>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if docs::heads(conn, &t.id.to_string())?.is_some() {
        return Ok(false);
    }
    let part = part(conn, t.part)?;
    let from = location(conn, t.from)?;
    if !from_any && from.kind != LocationKind::Warehouse {
        return Err(wrong_kind("errors.stock.not_a_warehouse", &from));
    }
    let to = match (location(conn, t.to), team_holder) {
        (Ok(to), _) => to,
        (Err(_), Some(holder)) => Location {
            id: t.to,
            name: t.to.to_string(),
            kind: LocationKind::Van,
            holder: Some(holder),
        },
        (Err(e), None) => return Err(e),
    };
    let Some(holder) = office::van_holder(&to) else {
        return Err(wrong_kind("errors.stock.not_a_van", &to));
    };
    let serials = clean(&t.serials);
    office::check_movement(&part, t.quantity, &serials)?;
    let available =
        Ledger::from_movements(ledger(conn)?.into_iter().map(|(m, _)| m)).balance(part.id, from.id);
    office::check_available(&part, &from, available, t.quantity)?;

    // The company's stored rules, as for every other document the server writes.
    let rules = crate::company::rules(conn)?;
    let ctx = Ctx {
        actor,
        now,
        settings: rules.settings(),
        calendar: &rules.calendar,
    };
    let hex = t.id.0.simple().to_string();
    let number = format!(
        "TR-{}-{}",
        now.format("%Y%m%d"),
        &hex[hex.len().saturating_sub(6)..]
    );
    let req = RequisitionDoc::new(t.id, number, holder, to.id, from.id, None, &ctx)
        .map_err(|e| refused(e.into()))?;
    let mut doc = AutoCommit::new();
    // The office's edits are the server's changes, as its reconciliation flags are;
    // each records the storekeeper who made it.
    doc.set_actor(crate::sync::policy::server_actor(conn)?);
    ops::create(&mut doc, &req, &ctx).map_err(refused)?;
    let line = RecordId(uuid::Uuid::now_v7());
    let steps = [
        RequisitionOp::AddLine {
            id: line,
            part: part.id,
            part_number: part.number.clone(),
            valuable: part.valuable,
            serialized: part.serialized,
            quantity: t.quantity,
        },
        RequisitionOp::Approve {
            id: RecordId(uuid::Uuid::now_v7()),
            quantities: vec![],
            note: t.note.trim().to_string(),
        },
        RequisitionOp::Issue {
            id: RecordId(uuid::Uuid::now_v7()),
            line,
            quantity: t.quantity,
            serials,
        },
    ];
    for step in &steps {
        ops::apply(&mut doc, step, &ctx).map_err(refused)?;
    }
    let mut stored = StoredDoc {
        id: t.id.to_string(),
        kind: DocKind::Requisition,
        owner: Some(holder.to_string()),
        doc,
    };
    docs::save(conn, &mut stored)?;
    audit::record(
        conn,
        by,
        "stock_transferred",
        &part.number,
        &serde_json::json!({ "quantity": t.quantity, "from": from.name, "to": to.name })
            .to_string(),
        now,
    )?;
    Ok(true)
}

fn index_seq(conn: &Connection) -> Result<i64, ApiError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM server_meta WHERE key = ?1",
            [INDEX_SEQ_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Every stock movement the server knows, with the label of what it belongs to (a
/// receipt's note, an order or requisition number): the receipts, the indexed movements
/// of documents reconciliation has seen, and the movements of documents saved since,
/// read from the documents.
pub fn ledger(conn: &Connection) -> Result<Vec<(Movement, String)>, ApiError> {
    let decode = |data: String| -> Result<Movement, ApiError> {
        serde_json::from_str(&data).map_err(|e| ApiError::internal(format!("stored movement: {e}")))
    };
    let mut out = Vec::new();
    let receipts = conn
        .prepare_cached("SELECT data FROM stock_receipts")?
        .query_map((), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for data in receipts {
        let m = decode(data)?;
        let label = m.reason.clone();
        out.push((m, label));
    }
    // The office's own movements that belong to no document: count adjustments.
    let adjustments = conn
        .prepare_cached("SELECT data, label FROM stock_adjustments")?
        .query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (data, label) in adjustments {
        out.push((decode(data)?, label));
    }
    let seq = index_seq(conn)?;
    let indexed = conn
        .prepare_cached(
            "SELECT m.data, m.doc_label FROM ledger_movements m
             JOIN documents d ON d.id = m.doc_id WHERE d.seq <= ?1",
        )?
        .query_map([seq], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (data, label) in indexed {
        out.push((decode(data)?, label));
    }
    let fresh = conn
        .prepare_cached(
            "SELECT id FROM documents WHERE seq > ?1 AND kind IN ('order', 'requisition')",
        )?
        .query_map([seq], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for id in fresh {
        let Some(stored) = docs::load(conn, &id)? else {
            continue;
        };
        let (label, movements) = match stored.kind {
            DocKind::Order => match ops::hydrate::<OrderDoc>(&stored.doc) {
                Ok(o) => (o.number.clone(), o.stock_movements()),
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "stock skipped an unreadable order");
                    continue;
                }
            },
            DocKind::Requisition => match ops::hydrate::<RequisitionDoc>(&stored.doc) {
                Ok(r) => (r.number.clone(), r.stock_movements()),
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "stock skipped an unreadable requisition");
                    continue;
                }
            },
            DocKind::Complaint => continue,
        };
        out.extend(
            movements
                .into_iter()
                .filter(|m| m.kind.moves_stock())
                .map(|m| (m, label.clone())),
        );
    }
    Ok(out)
}

/// The stock screen: locations, the catalog, every non-zero balance, and the latest
/// movements.
pub fn overview(conn: &Connection) -> Result<StockOverview, ApiError> {
    let reference = reference::load(conn)?;
    let movements = ledger(conn)?;
    let ledger = Ledger::from_movements(movements.iter().map(|(m, _)| m.clone()));
    let balances = ledger
        .balances()
        .into_iter()
        .filter(|(_, q)| *q != 0)
        .map(|((part, location), quantity)| office::StockLine {
            location,
            part,
            quantity,
        })
        .collect();
    let names: BTreeMap<LocationId, &str> = reference
        .locations
        .iter()
        .map(|l| (l.id, l.name.as_str()))
        .collect();
    let numbers: BTreeMap<PartId, &str> = reference
        .parts
        .iter()
        .map(|p| (p.id, p.number.as_str()))
        .collect();
    let people: BTreeMap<String, &str> = reference
        .staff
        .iter()
        .map(|s| (s.id.to_string(), s.name.as_str()))
        .collect();
    let mut seen = std::collections::BTreeSet::<MovementId>::new();
    let mut recent: Vec<&Movement> = movements
        .iter()
        .map(|(m, _)| m)
        .filter(|m| seen.insert(m.id))
        .collect();
    recent.sort_by_key(|m| std::cmp::Reverse((m.at, m.id)));
    let place =
        |l: Option<LocationId>| l.map(|l| names.get(&l).copied().unwrap_or("?").to_string());
    let recent = recent
        .into_iter()
        .take(RECENT)
        .map(|m| StockEntry {
            id: m.id.to_string(),
            at: m.at.to_rfc3339(),
            by: people
                .get(&m.by.to_string())
                .copied()
                .unwrap_or_default()
                .to_string(),
            kind: serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            part_number: numbers.get(&m.part).copied().unwrap_or("?").to_string(),
            quantity: m.quantity,
            from: place(m.from),
            to: place(m.to),
        })
        .collect();
    Ok(StockOverview {
        locations: reference.locations,
        parts: reference.parts,
        balances,
        recent,
    })
}
