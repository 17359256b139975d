//! The ledger index: `ledger_movements` and `ledger_serials` (every order's part use and
//! every requisition's issue and return), brought up to date with the documents saved
//! since the last pass.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::{Connection, OptionalExtension};

use onsite_core::doc::conflicts::decision_conflicts;
use onsite_core::doc::order::OrderDoc;
use onsite_core::doc::requisition::RequisitionDoc;
use onsite_core::ids::{LocationId, PartId};
use onsite_core::ops;
use onsite_core::stock::{Movement, MovementKind};

use super::cover::index_flags;
use crate::error::ApiError;
use crate::sync::docs::{self, StoredDoc};
use crate::sync::protocol::DocKind;

/// `server_meta` key: the documents.seq up to which `ledger_movements` and `flag_index`
/// are up to date.
pub(super) const INDEX_SEQ_KEY: &str = "reconcile.index_seq";

/// A (part, location) pair whose balance may have changed.
pub(super) type Pair = (PartId, LocationId);

/// The (part, location) pairs and the fitted serials whose movements changed in this
/// pass: the only places a new over-use can be.
pub(super) struct Touched {
    pub(super) pairs: BTreeSet<Pair>,
    pub(super) serials: BTreeSet<(PartId, String)>,
}

/// A merged order: as stored, hydrated, and its concurrent values.
pub(super) struct Merged {
    pub(super) stored: StoredDoc,
    pub(super) order: OrderDoc,
    pub(super) conflicts: Vec<onsite_core::doc::conflicts::Conflict>,
}

/// The merged orders, for the per-order rules, by id.
pub(super) type MergedOrders = BTreeMap<String, Merged>;

/// Brings `ledger_movements` and `flag_index` up to date with every order and
/// requisition saved since the last pass (all of them the first time), and keeps the
/// merged orders loaded on the way.
pub(super) fn refresh_index(
    tx: &Connection,
    merged: &BTreeSet<String>,
    mut fresh: crate::sync::fresh::FreshDocs,
) -> Result<(Touched, MergedOrders), ApiError> {
    let since = index_seq(tx)?;
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM documents WHERE seq > ?1 AND kind IN ('order', 'requisition') ORDER BY seq",
    )?;
    let ids: Vec<String> = stmt
        .query_map([since as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = Touched {
        pairs: BTreeSet::new(),
        serials: BTreeSet::new(),
    };
    let mut orders = MergedOrders::new();
    for id in ids {
        // A document the round trip just stored comes as it was, often hydrated too.
        let (stored, order) = match crate::sync::fresh::take(&mut fresh, tx, &id)? {
            Some(kept) => (kept.stored, kept.order),
            None => match docs::load(tx, &id)? {
                Some(stored) => (stored, None),
                None => continue,
            },
        };
        let (label, movements) = match stored.kind {
            DocKind::Order => match order.map_or_else(|| ops::hydrate::<OrderDoc>(&stored.doc), Ok)
            {
                Ok(order) => {
                    let rows: Vec<(Movement, String)> = order
                        .stock_movements()
                        .into_iter()
                        .zip(order.parts.iter().map(|p| p.part_number.clone()))
                        .collect();
                    let label = order.number.clone();
                    index_flags(tx, &id, &order)?;
                    if merged.contains(&id) {
                        let found = decision_conflicts(&stored.doc);
                        index(tx, &id, &label, &rows, &mut touched)?;
                        orders.insert(
                            id.clone(),
                            Merged {
                                stored,
                                order,
                                conflicts: found,
                            },
                        );
                        continue;
                    }
                    (label, rows)
                }
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "ledger skipped an unreadable order");
                    continue;
                }
            },
            DocKind::Requisition => match ops::hydrate::<RequisitionDoc>(&stored.doc) {
                Ok(req) => {
                    let rows = req
                        .stock_movements()
                        .into_iter()
                        .filter_map(|m| {
                            let number = req
                                .lines
                                .iter()
                                .find(|l| l.part == m.part)
                                .map(|l| l.part_number.clone())?;
                            Some((m, number))
                        })
                        .collect();
                    (req.number.clone(), rows)
                }
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "ledger skipped an unreadable requisition");
                    continue;
                }
            },
            DocKind::Complaint => continue,
        };
        index(tx, &id, &label, &movements, &mut touched)?;
    }
    Ok((touched, orders))
}

/// Replaces one document's rows in the ledger index.
pub(super) fn index(
    tx: &Connection,
    doc_id: &str,
    label: &str,
    movements: &[(Movement, String)],
    touched: &mut Touched,
) -> Result<(), ApiError> {
    tx.prepare_cached("DELETE FROM ledger_movements WHERE doc_id = ?1")?
        .execute([doc_id])?;
    tx.prepare_cached("DELETE FROM ledger_serials WHERE doc_id = ?1")?
        .execute([doc_id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO ledger_movements
            (doc_id, movement_id, doc_label, part, part_number, from_loc, to_loc, kind,
             quantity, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (doc_id, movement_id) DO UPDATE SET doc_label = excluded.doc_label,
             part = excluded.part, part_number = excluded.part_number,
             from_loc = excluded.from_loc, to_loc = excluded.to_loc, kind = excluded.kind,
             quantity = excluded.quantity, data = excluded.data",
    )?;
    let mut serial = tx.prepare_cached(
        "INSERT INTO ledger_serials (part, serial, doc_id, movement_id)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    for (m, part_number) in movements.iter().filter(|(m, _)| m.kind.moves_stock()) {
        let data = serde_json::to_string(m)
            .map_err(|e| ApiError::internal(format!("encoding a movement: {e}")))?;
        insert.execute((
            doc_id,
            m.id.0.to_string(),
            label,
            m.part.to_string(),
            part_number,
            m.from.map(|l| l.to_string()),
            m.to.map(|l| l.to_string()),
            kind_name(m.kind),
            m.quantity,
            data,
        ))?;
        touched.pairs.extend(m.from.map(|l| (m.part, l)));
        touched.pairs.extend(m.to.map(|l| (m.part, l)));
        if m.kind == MovementKind::Use {
            for s in &m.serials {
                serial.execute((m.part.to_string(), s, doc_id, m.id.0.to_string()))?;
                touched.serials.insert((m.part, s.clone()));
            }
        }
    }
    Ok(())
}

/// One indexed movement with the document it belongs to.
pub(super) struct Indexed {
    pub(super) doc_id: String,
    pub(super) label: String,
    pub(super) part_number: String,
    pub(super) movement: Movement,
}

pub(super) fn read_indexed(
    r: &crate::db::Row<'_>,
) -> Result<(String, String, String, String), crate::db::StoreError> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

pub(super) fn decode(
    rows: Vec<(String, String, String, String)>,
) -> Result<Vec<Indexed>, ApiError> {
    rows.into_iter()
        .map(|(doc_id, label, part_number, data)| {
            let movement = serde_json::from_str(&data)
                .map_err(|e| ApiError::internal(format!("ledger row of {doc_id}: {e}")))?;
            Ok(Indexed {
                doc_id,
                label,
                part_number,
                movement,
            })
        })
        .collect()
}

/// The movement kind's snake_case name, as stored in `ledger_movements.kind`.
pub(super) fn kind_name(kind: MovementKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

pub(super) fn index_seq(tx: &Connection) -> Result<u64, ApiError> {
    let value: Option<String> = tx
        .query_row(
            "SELECT value FROM server_meta WHERE key = ?1",
            [INDEX_SEQ_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub(super) fn set_index_seq(tx: &Connection, seq: u64) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (INDEX_SEQ_KEY, seq.to_string()),
    )?;
    Ok(())
}
