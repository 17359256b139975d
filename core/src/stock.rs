//! The stock ledger (备件): movements (receive, requisition, approve, issue, use, return,
//! scrap, count adjustment), balances per part and location computed from them, and
//! over-use detection. Stock is never a counter that devices overwrite.

use std::collections::{BTreeMap, BTreeSet};

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{LocationId, MovementId, PartId, UserId};

/// What a movement records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Stock arrives in the warehouse (`to`).
    Receive,
    /// A technician asks for parts (领用申请); moves nothing.
    Requisition,
    /// The request is approved (审批); moves nothing.
    Approve,
    /// The storekeeper issues parts (发放): `from` warehouse `to` van.
    Issue,
    /// Parts used on an order (配件使用): out of the van (`from`).
    Use,
    /// Unused or old parts handed back (归还): `from` van `to` warehouse.
    Return,
    /// Defective parts scrapped (报废): out of `from`, if they were stock at all (an
    /// old part taken out of a customer's product never was).
    Scrap,
    /// Parts sent back to the supplier (退回供应商): out of `from`, if they were stock.
    SupplierReturn,
    /// Stock count (盘点) surplus or shortage: signed `quantity` at `to`, with a reason.
    CountAdjustment,
}

impl MovementKind {
    /// Whether the kind moves quantity at all.
    pub fn moves_stock(self) -> bool {
        !matches!(self, MovementKind::Requisition | MovementKind::Approve)
    }
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    /// Stable id: the same movement merged twice counts once.
    pub id: MovementId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// Kind.
    pub kind: MovementKind,
    /// Part.
    pub part: PartId,
    /// Quantity: positive, except count adjustments, which carry their sign.
    pub quantity: i64,
    /// Location the quantity leaves.
    pub from: Option<LocationId>,
    /// Location the quantity enters.
    pub to: Option<LocationId>,
    /// Serials of serialized parts.
    pub serials: Vec<String>,
    /// Reason (adjustments, scrapping).
    pub reason: String,
    /// The order or requisition this movement belongs to.
    pub reference: Option<Uuid>,
}

/// A problem reconciliation must flag for the storekeeper or supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OverUse {
    /// The book balance went below zero: more was used than was there.
    NegativeBalance {
        /// Part.
        part: PartId,
        /// Location.
        location: LocationId,
        /// Balance.
        balance: i64,
    },
    /// The same serial was used on more than one occasion.
    SerialUsedTwice {
        /// Part.
        part: PartId,
        /// Serial.
        serial: String,
        /// The use movements naming it.
        movements: Vec<MovementId>,
    },
}

/// A periodic stock count (盘点) of one part at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockCount {
    /// Id for the adjustment movement, if one is needed.
    pub id: MovementId,
    /// Part.
    pub part: PartId,
    /// Location.
    pub location: LocationId,
    /// Physical quantity found.
    pub counted: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who counted.
    pub by: UserId,
    /// Reason recorded with a surplus or shortage.
    pub reason: String,
}

/// The ledger: a set of movements, deduplicated by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    movements: BTreeMap<MovementId, Movement>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// A ledger of `movements`; a repeated id counts once.
    pub fn from_movements(movements: impl IntoIterator<Item = Movement>) -> Self {
        let mut l = Self::new();
        for m in movements {
            l.record(m);
        }
        l
    }

    /// Adds a movement; returns false when it was already there (a retried sync).
    pub fn record(&mut self, m: Movement) -> bool {
        if self.movements.contains_key(&m.id) {
            return false;
        }
        self.movements.insert(m.id, m);
        true
    }

    /// All movements, in id (so roughly time) order.
    pub fn movements(&self) -> impl Iterator<Item = &Movement> {
        self.movements.values()
    }

    /// Book balance per (part, location), summed over the ledger.
    pub fn balances(&self) -> BTreeMap<(PartId, LocationId), i64> {
        let mut out = BTreeMap::new();
        for m in self.movements.values() {
            if !m.kind.moves_stock() {
                continue;
            }
            if m.kind == MovementKind::CountAdjustment {
                if let Some(loc) = m.to.or(m.from) {
                    *out.entry((m.part, loc)).or_insert(0) += m.quantity;
                }
                continue;
            }
            if let Some(from) = m.from {
                *out.entry((m.part, from)).or_insert(0) -= m.quantity;
            }
            if let Some(to) = m.to {
                *out.entry((m.part, to)).or_insert(0) += m.quantity;
            }
        }
        out
    }

    /// Book balance of one part at one location.
    pub fn balance(&self, part: PartId, location: LocationId) -> i64 {
        self.balances().get(&(part, location)).copied().unwrap_or(0)
    }

    /// The count adjustment that makes the book agree with a physical count (账实相符):
    /// `None` when they already agree (no surplus 盘盈, no shortage 盘亏).
    pub fn count_adjustment(&self, count: &StockCount) -> Option<Movement> {
        let diff = count.counted - self.balance(count.part, count.location);
        (diff != 0).then(|| Movement {
            id: count.id,
            at: count.at,
            by: count.by,
            kind: MovementKind::CountAdjustment,
            part: count.part,
            quantity: diff,
            from: None,
            to: Some(count.location),
            serials: vec![],
            reason: count.reason.clone(),
            reference: None,
        })
    }

    /// Over-use to flag: negative balances and serials used twice. Usage records are
    /// never changed; these are for a person to resolve.
    pub fn over_use(&self) -> Vec<OverUse> {
        let mut out: Vec<OverUse> = self
            .balances()
            .into_iter()
            .filter(|(_, b)| *b < 0)
            .map(|((part, location), balance)| OverUse::NegativeBalance {
                part,
                location,
                balance,
            })
            .collect();
        let mut uses: BTreeMap<(PartId, &str), BTreeSet<MovementId>> = BTreeMap::new();
        for m in self
            .movements
            .values()
            .filter(|m| m.kind == MovementKind::Use)
        {
            for s in &m.serials {
                uses.entry((m.part, s.as_str())).or_default().insert(m.id);
            }
        }
        for ((part, serial), ids) in uses {
            if ids.len() > 1 {
                out.push(OverUse::SerialUsedTwice {
                    part,
                    serial: serial.to_string(),
                    movements: ids.into_iter().collect(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{t0, uuid};

    fn mv(
        seed: u128,
        kind: MovementKind,
        qty: i64,
        from: Option<LocationId>,
        to: Option<LocationId>,
        serials: &[&str],
    ) -> Movement {
        Movement {
            id: MovementId(uuid(seed)),
            at: t0(),
            by: UserId(uuid(1)),
            kind,
            part: PartId(uuid(500)),
            quantity: qty,
            from,
            to,
            serials: serials.iter().map(|s| s.to_string()).collect(),
            reason: String::new(),
            reference: None,
        }
    }

    const WH: LocationId = LocationId(uuid::Uuid::from_u128(11));
    const VAN: LocationId = LocationId(uuid::Uuid::from_u128(10));

    #[test]
    fn balances_follow_receive_issue_use_return_and_scrap() {
        let l = Ledger::from_movements([
            mv(1, MovementKind::Receive, 10, None, Some(WH), &[]),
            mv(2, MovementKind::Requisition, 3, None, None, &[]),
            mv(3, MovementKind::Approve, 3, None, None, &[]),
            mv(4, MovementKind::Issue, 3, Some(WH), Some(VAN), &[]),
            mv(5, MovementKind::Use, 1, Some(VAN), None, &["S1"]),
            mv(6, MovementKind::Return, 1, Some(VAN), Some(WH), &[]),
            mv(7, MovementKind::Scrap, 1, Some(WH), None, &[]),
        ]);
        let part = PartId(uuid(500));
        assert_eq!(
            l.balance(part, WH),
            10 - 3 + 1 - 1,
            "warehouse: received, issued, got one back, scrapped one"
        );
        assert_eq!(
            l.balance(part, VAN),
            3 - 1 - 1,
            "van: issued 3, used 1, returned 1"
        );
        assert!(l.over_use().is_empty());
    }

    #[test]
    fn the_same_movement_merged_twice_counts_once() {
        let mut l = Ledger::new();
        assert!(l.record(mv(1, MovementKind::Receive, 5, None, Some(WH), &[])));
        assert!(
            !l.record(mv(1, MovementKind::Receive, 5, None, Some(WH), &[])),
            "a retried sync adds nothing"
        );
        assert_eq!(l.balance(PartId(uuid(500)), WH), 5);
    }

    #[test]
    fn two_offline_technicians_using_the_last_unit_go_negative_and_are_flagged() {
        let l = Ledger::from_movements([
            mv(1, MovementKind::Issue, 1, Some(WH), Some(VAN), &[]),
            mv(2, MovementKind::Use, 1, Some(VAN), None, &["S1"]),
            mv(3, MovementKind::Use, 1, Some(VAN), None, &["S1"]),
        ]);
        let flags = l.over_use();
        assert!(
            flags.contains(&OverUse::NegativeBalance {
                part: PartId(uuid(500)),
                location: VAN,
                balance: -1
            }),
            "stock never silently goes negative"
        );
        assert!(flags.iter().any(|f| matches!(f, OverUse::SerialUsedTwice { serial, movements, .. } if serial == "S1" && movements.len() == 2)));
    }

    #[test]
    fn stock_count_surplus_and_shortage_become_adjustments() {
        let mut l = Ledger::from_movements([mv(1, MovementKind::Receive, 10, None, Some(WH), &[])]);
        let part = PartId(uuid(500));
        let count = |counted| StockCount {
            id: MovementId(uuid(9)),
            part,
            location: WH,
            counted,
            at: t0(),
            by: UserId(uuid(6)),
            reason: "annual count".into(),
        };
        assert_eq!(
            l.count_adjustment(&count(10)),
            None,
            "book and physical agree (账实相符)"
        );
        let shortage = l
            .count_adjustment(&count(8))
            .expect("a shortage needs an adjustment");
        assert_eq!(shortage.quantity, -2, "盘亏 2");
        l.record(shortage);
        assert_eq!(
            l.balance(part, WH),
            8,
            "after adjusting, book equals physical"
        );
        let surplus = l
            .count_adjustment(&StockCount {
                id: MovementId(uuid(10)),
                ..count(9)
            })
            .expect("surplus");
        assert_eq!(surplus.quantity, 1, "盘盈 1");
    }
}
