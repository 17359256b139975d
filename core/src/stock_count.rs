//! The stock count (盘点) of one warehouse or van: the book quantity of every catalog part
//! fixed when the count opens, the physical quantities entered (offline too, on a tablet:
//! each entry is stamped and the latest per part stands), and the supervisor's approval,
//! which alone posts the surplus (盘盈) and shortage (盘亏) as count adjustments with their
//! reasons. The adjustment is `physical − book at open`, so movements made while the count
//! was open stay on top of it and are never overwritten. No storage, no clock: the server
//! keeps the sheet and passes the instants and ids in.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::ids::{LocationId, MovementId, PartId, UserId};
use crate::records::catalog::{Location, Part};
use crate::role::{Actor, Role};
use crate::stock::{Movement, MovementKind};

/// What a person does with a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CountAction {
    /// Open a count for a location.
    Open,
    /// Enter a physical quantity.
    Enter,
    /// Approve the count, which posts it.
    Approve,
}

impl CountAction {
    /// Stable name, as in i18n keys.
    pub fn as_str(self) -> &'static str {
        match self {
            CountAction::Open => "open",
            CountAction::Enter => "enter",
            CountAction::Approve => "approve",
        }
    }

    /// Whether `role` may do it. The storekeeper (仓库管理员) keeps the stock, so opens
    /// and counts; a supervisor may too. Only a supervisor approves: the count changes
    /// the book, and the one who counted does not sign off their own figures.
    pub fn allowed(self, role: Role) -> bool {
        match self {
            CountAction::Open | CountAction::Enter => {
                matches!(role, Role::Storekeeper | Role::Supervisor)
            }
            CountAction::Approve => role == Role::Supervisor,
        }
    }

    /// Refuses `role` unless [`CountAction::allowed`].
    pub fn check(self, role: Role) -> Result<(), CountError> {
        if self.allowed(role) {
            Ok(())
        } else {
            Err(CountError::NotPermitted { role, action: self })
        }
    }
}

/// Where a count stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CountState {
    /// Being counted; nothing is posted.
    Open,
    /// Approved and posted: its adjustments are in the ledger.
    Posted,
}

/// One part on the count sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountLine {
    /// Part.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub part: PartId,
    /// Its number, for the sheet.
    pub part_number: String,
    /// Its name.
    pub part_name: String,
    /// The book quantity when the count opened (fixed).
    pub book_at_open: i64,
    /// The physical quantity entered, if counted.
    pub counted: Option<i64>,
    /// Why it differs (required for a surplus or shortage).
    pub reason: String,
    /// Who entered the figure.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub entered_by: Option<UserId>,
    /// When the figure was entered (on the device, possibly offline).
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub entered_at: Option<DateTime<Utc>>,
    /// The id its adjustment movement gets when posted, made at opening so a retried
    /// approval posts the same movement once.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub adjustment: MovementId,
}

impl CountLine {
    /// Physical − book at open: positive a surplus (盘盈), negative a shortage (盘亏);
    /// `None` until counted.
    pub fn difference(&self) -> Option<i64> {
        self.counted.map(|c| c - self.book_at_open)
    }
}

/// A count sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountSheet {
    /// Id.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: Uuid,
    /// Number shown to people (PD-…).
    pub number: String,
    /// The warehouse or van counted.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub location: LocationId,
    /// Its name.
    pub location_name: String,
    /// When it opened: the book figures are as of then.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub opened_at: DateTime<Utc>,
    /// Who opened it.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub opened_by: UserId,
    /// Open or posted.
    pub state: CountState,
    /// Who approved it.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub approved_by: Option<UserId>,
    /// When.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub approved_at: Option<DateTime<Utc>>,
    /// One line per catalog part, by part number.
    pub lines: Vec<CountLine>,
}

/// One line of a count as the desk shows it: the sheet's line with what it means now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountLineView {
    /// Part.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub part: PartId,
    /// Physical − book at open ([`CountLine::difference`]): 盘盈 above zero, 盘亏 below.
    pub difference: Option<i64>,
    /// Net quantity moved at the location since the count opened (issues, use,
    /// returns), not counting the count's own adjustment: kept on top of the count.
    pub moved_since_open: i64,
    /// The book balance now.
    pub book_now: i64,
}

/// A count as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountView {
    /// The sheet, with the entries this device has not sent yet applied.
    pub sheet: CountSheet,
    /// Per line of the sheet, in its order.
    pub lines: Vec<CountLineView>,
    /// The movements at the location since the count opened.
    pub during: Vec<crate::stock_views::HistoryEntry>,
    /// Whether the signed-in role may enter figures now.
    pub may_enter: bool,
    /// Whether it may approve now.
    pub may_approve: bool,
    /// Entries this device holds that the office has not received yet.
    pub queued: u32,
    /// Entries the office refused, with the refusal's i18n key.
    pub refused: Vec<String>,
    /// Whether this is the device's copy from its last contact with the office.
    pub offline: bool,
}

impl CountView {
    /// The view of `sheet` for `role`: `book_now` per part at the location, and
    /// `adjusted` the count's own adjustments already in the book.
    pub fn new(
        sheet: CountSheet,
        book_now: &BTreeMap<PartId, i64>,
        during: Vec<crate::stock_views::HistoryEntry>,
        role: Role,
    ) -> Self {
        let lines = sheet
            .lines
            .iter()
            .map(|l| {
                let now = book_now.get(&l.part).copied().unwrap_or(0);
                let adjusted = match sheet.state {
                    CountState::Posted => l.difference().unwrap_or(0),
                    CountState::Open => 0,
                };
                CountLineView {
                    part: l.part,
                    difference: l.difference(),
                    moved_since_open: now - l.book_at_open - adjusted,
                    book_now: now,
                }
            })
            .collect();
        let open = sheet.state == CountState::Open;
        Self {
            may_enter: open && CountAction::Enter.allowed(role),
            may_approve: open && CountAction::Approve.allowed(role),
            sheet,
            lines,
            during,
            queued: 0,
            refused: vec![],
            offline: false,
        }
    }

    /// Applies entries the device has not sent yet (as `actor` would have them
    /// applied), for the copy shown offline. An entry the rules refuse is left out.
    pub fn with_queued(mut self, entries: &[CountEntry], actor: Actor) -> Self {
        for e in entries {
            if self.sheet.enter(e, actor).is_ok() {
                self.queued += 1;
            }
        }
        for (line, view) in self.sheet.lines.iter().zip(self.lines.iter_mut()) {
            view.difference = line.difference();
        }
        self
    }
}

/// A count in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountSummary {
    /// Id.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: Uuid,
    /// Number.
    pub number: String,
    /// The location's name.
    pub location_name: String,
    /// Open or posted.
    pub state: CountState,
    /// When it opened.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub opened_at: DateTime<Utc>,
    /// Lines counted so far.
    pub counted: u32,
    /// Lines on the sheet.
    pub lines: u32,
}

impl CountSheet {
    /// The list entry.
    pub fn summary(&self) -> CountSummary {
        CountSummary {
            id: self.id,
            number: self.number.clone(),
            location_name: self.location_name.clone(),
            state: self.state,
            opened_at: self.opened_at,
            counted: self.lines.iter().filter(|l| l.counted.is_some()).count() as u32,
            lines: self.lines.len() as u32,
        }
    }
}

/// A count to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCount {
    /// Picked by the desk, so a retry opens one.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: Uuid,
    /// The warehouse or van to count.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub location: LocationId,
}

/// A physical quantity entered on a device, sent when it is online. Entries are
/// idempotent by id, and for one part the latest `entered_at` stands, so a tablet that
/// counted offline and a desk that corrected a figure later agree however they arrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountEntry {
    /// Picked by the device.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: Uuid,
    /// The count.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub count: Uuid,
    /// The part.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub part: PartId,
    /// Physical quantity found.
    pub counted: i64,
    /// Why it differs from the book.
    #[serde(default)]
    pub reason: String,
    /// When it was entered, on the device's clock.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub entered_at: DateTime<Utc>,
}

/// Why a count step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    /// The role may not take this step.
    #[error("a {role} may not {} a stock count", action.as_str())]
    NotPermitted {
        /// Who tried.
        role: Role,
        /// What.
        action: CountAction,
    },
    /// The count is already posted.
    #[error("count {number} is already posted")]
    NotOpen {
        /// The count's number.
        number: String,
    },
    /// A part that is not on the sheet.
    #[error("part {part} is not on the count sheet")]
    UnknownPart {
        /// The part's id.
        part: PartId,
    },
    /// A physical quantity below zero.
    #[error("a physical quantity cannot be below zero ({counted})")]
    NegativeCount {
        /// As entered.
        counted: i64,
    },
    /// A surplus or shortage without a reason.
    #[error("{part_number} differs from the book by {difference} and needs a reason")]
    ReasonMissing {
        /// The part.
        part_number: String,
        /// Physical − book.
        difference: i64,
    },
    /// Nothing was counted yet.
    #[error("nothing has been counted on {number}")]
    NothingCounted {
        /// The count's number.
        number: String,
    },
    /// A second open count of one location.
    #[error("{location} already has an open count ({number})")]
    AlreadyOpen {
        /// The location's name.
        location: String,
        /// The open count's number.
        number: String,
    },
}

impl CountError {
    /// The stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            CountError::NotPermitted { .. } => "errors.stock_count.not_permitted",
            CountError::NotOpen { .. } => "errors.stock_count.not_open",
            CountError::UnknownPart { .. } => "errors.stock_count.unknown_part",
            CountError::NegativeCount { .. } => "errors.stock_count.negative",
            CountError::ReasonMissing { .. } => "errors.stock_count.reason_missing",
            CountError::NothingCounted { .. } => "errors.stock_count.nothing_counted",
            CountError::AlreadyOpen { .. } => "errors.stock_count.already_open",
        }
    }

    /// The values the translated message names.
    pub fn details(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        match self {
            CountError::NotPermitted { role, action } => {
                put("role", role.as_str().into());
                put("action", action.as_str().into());
            }
            CountError::NotOpen { number } | CountError::NothingCounted { number } => {
                put("number", number.clone().into())
            }
            CountError::UnknownPart { part } => put("part", part.to_string().into()),
            CountError::NegativeCount { counted } => put("counted", (*counted).into()),
            CountError::ReasonMissing {
                part_number,
                difference,
            } => {
                put("part", part_number.clone().into());
                put("difference", (*difference).into());
            }
            CountError::AlreadyOpen { location, number } => {
                put("location", location.clone().into());
                put("number", number.clone().into());
            }
        }
        m
    }
}

impl CountSheet {
    /// Opens a count of `location` by `actor` at `now`, with one line per catalog part
    /// and its book balance there now. `adjustment_id` makes each line's movement id.
    // Each argument is one fact of the opening; a struct for them would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        id: Uuid,
        number: String,
        location: &Location,
        parts: &[Part],
        book: &BTreeMap<(PartId, LocationId), i64>,
        actor: Actor,
        now: DateTime<Utc>,
        mut adjustment_id: impl FnMut() -> MovementId,
    ) -> Result<Self, CountError> {
        CountAction::Open.check(actor.role)?;
        let mut parts: Vec<&Part> = parts.iter().collect();
        parts.sort_by(|a, b| a.number.cmp(&b.number));
        let lines = parts
            .into_iter()
            .map(|p| CountLine {
                part: p.id,
                part_number: p.number.clone(),
                part_name: p.name.clone(),
                book_at_open: book.get(&(p.id, location.id)).copied().unwrap_or(0),
                counted: None,
                reason: String::new(),
                entered_by: None,
                entered_at: None,
                adjustment: adjustment_id(),
            })
            .collect();
        Ok(Self {
            id,
            number,
            location: location.id,
            location_name: location.name.clone(),
            opened_at: now,
            opened_by: actor.user,
            state: CountState::Open,
            approved_by: None,
            approved_at: None,
            lines,
        })
    }

    fn open_or_refuse(&self) -> Result<(), CountError> {
        match self.state {
            CountState::Open => Ok(()),
            CountState::Posted => Err(CountError::NotOpen {
                number: self.number.clone(),
            }),
        }
    }

    /// Records a physical quantity entered by `actor`. Returns false when a later entry
    /// for the part already stands (this one was entered before it and arrives late).
    pub fn enter(&mut self, entry: &CountEntry, actor: Actor) -> Result<bool, CountError> {
        CountAction::Enter.check(actor.role)?;
        self.open_or_refuse()?;
        if entry.counted < 0 {
            return Err(CountError::NegativeCount {
                counted: entry.counted,
            });
        }
        let line = self
            .lines
            .iter_mut()
            .find(|l| l.part == entry.part)
            .ok_or(CountError::UnknownPart { part: entry.part })?;
        if line.entered_at.is_some_and(|at| at > entry.entered_at) {
            return Ok(false);
        }
        line.counted = Some(entry.counted);
        line.reason = entry.reason.trim().to_string();
        line.entered_by = Some(actor.user);
        line.entered_at = Some(entry.entered_at);
        Ok(true)
    }

    /// The adjustments posting would write: one per counted line whose physical figure
    /// differs from the book at open, signed, with its reason. Refused while a
    /// difference has no reason.
    pub fn adjustments(&self, by: UserId, at: DateTime<Utc>) -> Result<Vec<Movement>, CountError> {
        let mut out = Vec::new();
        for line in &self.lines {
            let Some(difference) = line.difference() else {
                continue;
            };
            if difference == 0 {
                continue;
            }
            if line.reason.trim().is_empty() {
                return Err(CountError::ReasonMissing {
                    part_number: line.part_number.clone(),
                    difference,
                });
            }
            out.push(Movement {
                id: line.adjustment,
                at,
                by,
                kind: MovementKind::CountAdjustment,
                part: line.part,
                quantity: difference,
                from: None,
                to: Some(self.location),
                serials: vec![],
                reason: line.reason.clone(),
                reference: Some(self.id),
            });
        }
        Ok(out)
    }

    /// The supervisor's approval: refused for any other role, for a posted count, for a
    /// count with nothing counted and for a difference without a reason. Marks the count
    /// posted and answers the adjustments to record in the ledger.
    pub fn approve(
        &mut self,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Movement>, CountError> {
        CountAction::Approve.check(actor.role)?;
        self.open_or_refuse()?;
        if self.lines.iter().all(|l| l.counted.is_none()) {
            return Err(CountError::NothingCounted {
                number: self.number.clone(),
            });
        }
        let adjustments = self.adjustments(actor.user, now)?;
        self.state = CountState::Posted;
        self.approved_by = Some(actor.user);
        self.approved_at = Some(now);
        Ok(adjustments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{t0, uuid};
    use crate::money::Money;
    use crate::records::catalog::LocationKind;
    use crate::stock::Ledger;

    const WH: LocationId = LocationId(uuid::Uuid::from_u128(11));

    fn part(seed: u128, number: &str) -> Part {
        Part {
            id: PartId(uuid(seed)),
            number: number.into(),
            name: number.into(),
            unit: "pcs".into(),
            price: Money::new(100, "CNY"),
            serialized: false,
            valuable: false,
            certified: false,
            barcode: String::new(),
        }
    }

    fn actor(role: Role) -> Actor {
        Actor {
            user: UserId(uuid(match role {
                Role::Supervisor => 1,
                _ => 2,
            })),
            role,
        }
    }

    fn warehouse() -> Location {
        Location {
            id: WH,
            name: "Main".into(),
            kind: LocationKind::Warehouse,
            holder: None,
        }
    }

    fn entry(seed: u128, part: u128, counted: i64, reason: &str, minute: i64) -> CountEntry {
        CountEntry {
            id: uuid(seed),
            count: uuid(900),
            part: PartId(uuid(part)),
            counted,
            reason: reason.into(),
            entered_at: t0() + chrono::Duration::minutes(minute),
        }
    }

    fn sheet(book: &[(u128, i64)]) -> CountSheet {
        let book = book
            .iter()
            .map(|(p, q)| ((PartId(uuid(*p)), WH), *q))
            .collect();
        let mut n = 0;
        CountSheet::open(
            uuid(900),
            "PD-1".into(),
            &warehouse(),
            &[part(501, "B"), part(500, "A")],
            &book,
            actor(Role::Storekeeper),
            t0(),
            || {
                n += 1;
                MovementId(uuid(800 + n))
            },
        )
        .expect("a storekeeper opens a count")
    }

    #[test]
    fn only_a_storekeeper_or_supervisor_opens_and_enters_and_only_a_supervisor_approves() {
        for role in [Role::Technician, Role::Dispatcher] {
            assert_eq!(
                CountAction::Open.check(role).unwrap_err().code(),
                "errors.stock_count.not_permitted"
            );
        }
        assert!(CountAction::Enter.allowed(Role::Storekeeper));
        assert!(!CountAction::Approve.allowed(Role::Storekeeper));
        assert!(CountAction::Approve.allowed(Role::Supervisor));
        let mut s = sheet(&[(500, 5)]);
        assert_eq!(
            s.enter(&entry(1, 500, 4, "lost", 1), actor(Role::Dispatcher))
                .unwrap_err()
                .code(),
            "errors.stock_count.not_permitted"
        );
        s.enter(&entry(1, 500, 4, "lost", 1), actor(Role::Storekeeper))
            .expect("counted");
        let err = s.approve(actor(Role::Storekeeper), t0()).unwrap_err();
        assert_eq!(
            err.details().get("action").and_then(|v| v.as_str()),
            Some("approve")
        );
        assert_eq!(s.state, CountState::Open, "nothing posts before approval");
    }

    #[test]
    fn surplus_and_shortage_post_as_adjustments_and_later_movements_stay_on_top() {
        let mut s = sheet(&[(500, 5), (501, 2)]);
        assert_eq!(s.lines[0].part_number, "A", "lines by part number");
        assert_eq!(s.lines[0].book_at_open, 5);
        let keeper = actor(Role::Storekeeper);
        s.enter(&entry(1, 500, 7, "", 1), keeper).expect("surplus");
        s.enter(&entry(2, 501, 1, "broken in the rack", 2), keeper)
            .expect("shortage");
        assert_eq!(
            s.approve(actor(Role::Supervisor), t0()).unwrap_err(),
            CountError::ReasonMissing {
                part_number: "A".into(),
                difference: 2
            },
            "a surplus needs its reason"
        );
        s.enter(&entry(3, 500, 7, "found behind the shelf", 3), keeper)
            .expect("reason added");
        // An older entry for A arriving late (a tablet that was offline) does not win.
        assert!(!s
            .enter(&entry(4, 500, 9, "old figure", 0), keeper)
            .expect("accepted, not applied"));
        let posted = s.approve(actor(Role::Supervisor), t0()).expect("posted");
        assert_eq!(
            posted.iter().map(|m| m.quantity).collect::<Vec<_>>(),
            [2, -1],
            "盘盈 +2, 盘亏 −1"
        );
        assert_eq!(s.state, CountState::Posted);
        assert_eq!(
            s.enter(&entry(5, 500, 1, "late", 9), keeper)
                .unwrap_err()
                .code(),
            "errors.stock_count.not_open"
        );

        // The book at open, a movement made while counting (one of A issued), then the
        // adjustments: the book is the counted figure plus what moved meanwhile.
        let receive = |seed, q, p| Movement {
            id: MovementId(uuid(seed)),
            at: t0(),
            by: UserId(uuid(2)),
            kind: MovementKind::Receive,
            part: PartId(uuid(p)),
            quantity: q,
            from: None,
            to: Some(WH),
            serials: vec![],
            reason: String::new(),
            reference: None,
        };
        let mut ledger = Ledger::from_movements([receive(1, 5, 500), receive(2, 2, 501)]);
        ledger.record(Movement {
            id: MovementId(uuid(3)),
            kind: MovementKind::Issue,
            quantity: 1,
            from: Some(WH),
            to: Some(LocationId(uuid(10))),
            ..receive(3, 1, 500)
        });
        for m in posted {
            ledger.record(m);
        }
        assert_eq!(ledger.balance(PartId(uuid(500)), WH), 7 - 1);
        assert_eq!(ledger.balance(PartId(uuid(501)), WH), 1);
    }

    #[test]
    fn a_count_with_nothing_counted_does_not_post_and_negative_figures_are_refused() {
        let mut s = sheet(&[(500, 5)]);
        assert_eq!(
            s.enter(&entry(1, 500, -1, "", 1), actor(Role::Storekeeper))
                .unwrap_err()
                .code(),
            "errors.stock_count.negative"
        );
        assert_eq!(
            s.enter(&entry(1, 999, 1, "", 1), actor(Role::Storekeeper))
                .unwrap_err()
                .code(),
            "errors.stock_count.unknown_part"
        );
        assert_eq!(
            s.approve(actor(Role::Supervisor), t0()).unwrap_err().code(),
            "errors.stock_count.nothing_counted"
        );
        s.enter(&entry(2, 500, 5, "", 1), actor(Role::Storekeeper))
            .expect("agrees");
        assert_eq!(
            s.approve(actor(Role::Supervisor), t0()).expect("posts"),
            vec![],
            "账实相符: nothing to adjust"
        );
    }
}
