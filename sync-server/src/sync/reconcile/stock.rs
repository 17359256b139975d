//! Stock findings: the server-wide ledger below zero at a van or warehouse because of
//! usage, or a serial fitted twice, recorded as `stock_over_use` on each order involved.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::{Connection, OptionalExtension};
use chrono::{DateTime, Utc};

use onsite_core::ids::{LocationId, MovementId};
use onsite_core::records::order::{FlagKind, FlagParams};
use onsite_core::stock::{Ledger, MovementKind, OverUse};

use super::index::{decode, read_indexed, Indexed, Touched};
use super::{Cover, Finding, Pending};
use crate::error::ApiError;

/// Checks the touched pairs and serials against the server-wide ledger and records an
/// over-use finding on each order involved.
pub(super) fn stock_findings(
    tx: &Connection,
    touched: &Touched,
    now: DateTime<Utc>,
    pending: &mut BTreeMap<String, Pending>,
) -> Result<(), ApiError> {
    // The book balance in SQL first: most pairs are not below zero, and then nothing of
    // their (possibly long) history needs reading. Movements are unique by id across
    // documents, so summing rows is the ledger's sum.
    let mut balance_of = tx.prepare_cached(
        // The sums are cast because PostgreSQL sums BIGINTs as NUMERIC.
        "SELECT CAST((SELECT coalesce(sum(CASE
                WHEN kind = 'count_adjustment' THEN
                    CASE WHEN coalesce(to_loc, from_loc) = ?2 THEN quantity ELSE 0 END
                ELSE (CASE WHEN to_loc = ?2 THEN quantity ELSE 0 END)
                   - (CASE WHEN from_loc = ?2 THEN quantity ELSE 0 END)
             END), 0)
         FROM ledger_movements WHERE part = ?1 AND (from_loc = ?2 OR to_loc = ?2))
         -- the office's count adjustments (office/counts.rs, office/over_use.rs)
         + (SELECT coalesce(sum(quantity), 0) FROM stock_adjustments
            WHERE part = ?1 AND location = ?2) AS BIGINT)",
    )?;
    let mut by_pair = tx.prepare_cached(
        "SELECT doc_id, doc_label, part_number, data FROM ledger_movements
         WHERE part = ?1 AND (from_loc = ?2 OR to_loc = ?2)
         UNION ALL
         SELECT '', label, part_number, data FROM stock_adjustments
         WHERE part = ?1 AND location = ?2",
    )?;
    for (part, location) in &touched.pairs {
        let sum: i64 =
            balance_of.query_row((part.to_string(), location.to_string()), |r| r.get(0))?;
        if sum >= 0 {
            continue;
        }
        let rows = by_pair
            .query_map((part.to_string(), location.to_string()), read_indexed)?
            .collect::<Result<Vec<_>, _>>()?;
        let rows = decode(rows)?;
        let ledger = Ledger::from_movements(rows.iter().map(|r| r.movement.clone()));
        let Some(balance) = ledger.over_use().into_iter().find_map(|o| match o {
            OverUse::NegativeBalance {
                part: p,
                location: l,
                balance,
            } if p == *part && l == *location => Some(balance),
            _ => None,
        }) else {
            continue;
        };
        let involved = uses_since_stock_covered(&rows, *location);
        if involved.is_empty() {
            // Below zero without any usage (issued from a warehouse whose receipts are
            // not in documents): not an over-use by anyone on an order.
            continue;
        }
        let place = location_name(tx, *location);
        let labels: Vec<&str> = unique(involved.iter().map(|r| r.label.as_str()));
        for r in &involved {
            pending
                .entry(r.doc_id.clone())
                .or_default()
                .findings
                .push(Finding {
                    kind: FlagKind::StockOverUse,
                    subject: r.part_number.clone(),
                    params: FlagParams::StockBelowZero {
                        part_number: r.part_number.clone(),
                        location: *location,
                        location_name: place.clone(),
                        balance,
                        orders: labels.iter().map(|l| l.to_string()).collect(),
                    },
                    cover: Cover::Since(r.movement.at.min(now)),
                });
        }
    }

    let mut uses_of_serial = tx.prepare_cached(
        "SELECT count(DISTINCT movement_id) FROM ledger_serials WHERE part = ?1 AND serial = ?2",
    )?;
    let mut by_serial = tx.prepare_cached(
        "SELECT m.doc_id, m.doc_label, m.part_number, m.data
         FROM ledger_serials s JOIN ledger_movements m
           ON m.doc_id = s.doc_id AND m.movement_id = s.movement_id
         WHERE s.part = ?1 AND s.serial = ?2",
    )?;
    for (part, serial) in &touched.serials {
        let uses: i64 = uses_of_serial.query_row((part.to_string(), serial), |r| r.get(0))?;
        if uses < 2 {
            continue;
        }
        let rows = by_serial
            .query_map((part.to_string(), serial), read_indexed)?
            .collect::<Result<Vec<_>, _>>()?;
        let rows = decode(rows)?;
        let ledger = Ledger::from_movements(rows.iter().map(|r| r.movement.clone()));
        for over in ledger.over_use() {
            let OverUse::SerialUsedTwice { movements, .. } = over else {
                continue;
            };
            let involved: Vec<&Indexed> = rows
                .iter()
                .filter(|r| movements.contains(&r.movement.id))
                .collect();
            let labels: Vec<&str> = unique(involved.iter().map(|r| r.label.as_str()));
            for r in involved {
                pending
                    .entry(r.doc_id.clone())
                    .or_default()
                    .findings
                    .push(Finding {
                        kind: FlagKind::StockOverUse,
                        subject: r.part_number.clone(),
                        params: FlagParams::SerialFittedTwice {
                            part_number: r.part_number.clone(),
                            serial: serial.clone(),
                            orders: labels.iter().map(|l| l.to_string()).collect(),
                        },
                        cover: Cover::Since(r.movement.at.min(now)),
                    });
            }
        }
    }
    Ok(())
}

/// The uses at `location` that took it below zero: replaying its movements in time
/// order, the uses since stock last arrived and left the balance at zero or more. With
/// two technicians offline on the last unit, that is both uses, since neither knew of
/// the other; uses long before the last delivery are not involved.
pub(super) fn uses_since_stock_covered(rows: &[Indexed], location: LocationId) -> Vec<&Indexed> {
    let mut sorted: Vec<&Indexed> = rows.iter().collect();
    sorted.sort_by_key(|r| (r.movement.at, r.movement.id));
    let mut seen: BTreeSet<MovementId> = BTreeSet::new();
    let mut balance = 0i64;
    let mut window: Vec<&Indexed> = Vec::new();
    for r in sorted {
        let m = &r.movement;
        if !seen.insert(m.id) {
            continue;
        }
        let delta = if m.kind == MovementKind::CountAdjustment {
            if m.to.or(m.from) == Some(location) {
                m.quantity
            } else {
                0
            }
        } else {
            let into = if m.to == Some(location) {
                m.quantity
            } else {
                0
            };
            let out = if m.from == Some(location) {
                m.quantity
            } else {
                0
            };
            into - out
        };
        balance += delta;
        if delta > 0 && balance >= 0 {
            window.clear();
        } else if m.kind == MovementKind::Use && delta < 0 {
            window.push(r);
        }
    }
    window
}

pub(super) fn unique<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for l in labels {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// The location's name from the reference data, if it has one.
fn location_name(tx: &Connection, location: LocationId) -> Option<String> {
    // Reference data is kept by another module; a name missing there (or a database
    // without the table) only leaves the UI to show the location's id.
    tx.query_row(
        "SELECT name FROM locations WHERE id = ?1",
        [location.to_string()],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use onsite_core::fixtures::{t0, uuid};
    use onsite_core::ids::{PartId, UserId};
    use onsite_core::stock::Movement;

    const VAN: LocationId = LocationId(uuid::Uuid::from_u128(10));
    const WAREHOUSE: LocationId = LocationId(uuid::Uuid::from_u128(11));

    fn row(seed: u128, minute: i64, kind: MovementKind, order: &str) -> Indexed {
        let (from, to) = match kind {
            MovementKind::Issue => (Some(WAREHOUSE), Some(VAN)),
            MovementKind::Use => (Some(VAN), None),
            _ => (None, None),
        };
        Indexed {
            doc_id: order.into(),
            label: order.into(),
            part_number: "BELT-8".into(),
            movement: Movement {
                id: MovementId(uuid(seed)),
                at: t0() + chrono::Duration::minutes(minute),
                by: UserId(uuid(2)),
                kind,
                part: PartId(uuid(500)),
                quantity: 1,
                from,
                to,
                serials: vec![],
                reason: String::new(),
                reference: None,
            },
        }
    }

    fn labels(rows: &[&Indexed]) -> Vec<String> {
        rows.iter().map(|r| r.label.clone()).collect()
    }

    #[test]
    fn both_uses_of_the_last_unit_are_involved() {
        let rows = [
            row(1, 0, MovementKind::Issue, "RQ-1"),
            row(2, 10, MovementKind::Use, "WO-1"),
            row(3, 20, MovementKind::Use, "WO-2"),
        ];
        assert_eq!(
            labels(&uses_since_stock_covered(&rows, VAN)),
            ["WO-1", "WO-2"],
            "neither technician knew of the other"
        );
    }

    #[test]
    fn uses_before_a_delivery_that_covered_them_are_not_involved() {
        let rows = [
            row(1, 0, MovementKind::Issue, "RQ-1"),
            row(2, 10, MovementKind::Use, "WO-old"),
            row(3, 20, MovementKind::Issue, "RQ-2"),
            row(4, 30, MovementKind::Use, "WO-1"),
            row(5, 40, MovementKind::Use, "WO-2"),
        ];
        assert_eq!(
            labels(&uses_since_stock_covered(&rows, VAN)),
            ["WO-1", "WO-2"]
        );
        let late_issue = [
            row(1, 0, MovementKind::Use, "WO-1"),
            row(2, 10, MovementKind::Issue, "RQ-1"),
            row(3, 20, MovementKind::Use, "WO-2"),
        ];
        assert_eq!(
            labels(&uses_since_stock_covered(&late_issue, VAN)),
            ["WO-2"],
            "a use the later delivery accounted for is settled"
        );
    }
}
