//! The parts requisition document (领用申请): a technician asks, a storekeeper (or, for
//! valuable parts, a supervisor) approves, the storekeeper issues and takes back. Its
//! events become stock movements in the ledger.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::{Document, Operation};
use crate::error::DomainError;
use crate::ids::{LocationId, MovementId, OrderId, PartId, RecordId, RequisitionId, UserId};
use crate::ops::Ctx;
use crate::records::order::Approval;
use crate::role::{Actor, Role};
use crate::stock::{Movement, MovementKind};

/// The requisition document schema version this build writes.
pub const REQUISITION_SCHEMA_VERSION: u64 = 1;

/// Where a requisition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RequisitionStatus {
    /// Asked for; lines may still change.
    Requested,
    /// Approved (审批).
    Approved,
    /// Refused.
    Rejected,
    /// Some or all parts issued (发放).
    Issued,
    /// Done.
    Closed,
    /// Withdrawn.
    Cancelled,
}

/// One requested part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct RequisitionLine {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// Part.
    pub part: PartId,
    /// Part number.
    pub part_number: String,
    /// Valuable or limited: a supervisor approves.
    pub valuable: bool,
    /// Serialized: serials recorded on issue and return.
    pub serialized: bool,
    /// Asked for.
    pub requested: u32,
    /// Approved.
    pub approved: u32,
    /// Issued so far.
    pub issued: u32,
    /// Returned so far.
    pub returned: u32,
}

/// One requisition event; issue and return events are stock movements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct RequisitionEvent {
    /// Stable id, also the movement id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who, in which role.
    pub by: Actor,
    /// Requisition, approve, issue or return.
    pub kind: MovementKind,
    /// The line.
    pub line: RecordId,
    /// Quantity.
    pub quantity: u32,
    /// Serials.
    pub serials: Vec<String>,
    /// Reason (returns).
    pub reason: String,
}

/// A parts requisition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct RequisitionDoc {
    /// Schema version.
    pub schema_version: u64,
    /// Id, also the document id.
    pub id: RequisitionId,
    /// Human number.
    pub number: String,
    /// The technician asking.
    pub requester: UserId,
    /// Their van.
    pub van: LocationId,
    /// The warehouse issuing.
    pub warehouse: LocationId,
    /// The order the parts are for, if any.
    pub order: Option<OrderId>,
    /// Status.
    pub status: RequisitionStatus,
    /// When asked.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub requested_at: DateTime<Utc>,
    /// Lines.
    pub lines: Vec<RequisitionLine>,
    /// Approval.
    pub approval: Option<Approval>,
    /// Why rejected or cancelled.
    pub reason: String,
    /// Events (the audit trail and the stock movements).
    pub events: Vec<RequisitionEvent>,
    /// What the technician handed back (归还): unused parts and defective old parts,
    /// each taken back by the storekeeper. Requisitions written before returns existed
    /// have none.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub handbacks: Vec<HandBack>,
}

impl Document for RequisitionDoc {
    const KIND: &'static str = "requisition";
    const SCHEMA_VERSION: u64 = REQUISITION_SCHEMA_VERSION;
    fn schema_version(&self) -> u64 {
        self.schema_version
    }
}

/// Every edit of a requisition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum RequisitionOp {
    /// Ask for a part.
    AddLine {
        /// Record id.
        id: RecordId,
        /// Part.
        part: PartId,
        /// Part number.
        part_number: String,
        /// From the catalog.
        valuable: bool,
        /// From the catalog.
        serialized: bool,
        /// Quantity.
        quantity: u32,
    },
    /// Drop a line before approval.
    RemoveLine {
        /// Record id.
        id: RecordId,
    },
    /// Approve, optionally cutting quantities (line id, approved quantity); lines not
    /// named are approved as asked.
    Approve {
        /// Record id of the approval event.
        id: RecordId,
        /// Reduced quantities.
        quantities: Vec<(RecordId, u32)>,
        /// Notes.
        note: String,
    },
    /// Refuse.
    Reject {
        /// Why.
        reason: String,
    },
    /// Issue parts from the warehouse to the van.
    Issue {
        /// Event id (also the movement id).
        id: RecordId,
        /// Line.
        line: RecordId,
        /// Quantity.
        quantity: u32,
        /// Serials.
        serials: Vec<String>,
    },
    /// Take unused parts back into the warehouse.
    Return {
        /// Event id (also the movement id).
        id: RecordId,
        /// Line.
        line: RecordId,
        /// Quantity.
        quantity: u32,
        /// Serials.
        serials: Vec<String>,
        /// Why.
        reason: String,
    },
    /// Done.
    Close,
    /// Withdraw.
    Cancel {
        /// Why.
        reason: String,
    },
    /// The technician hands parts back (归还): unused units of a line, or defective old
    /// parts taken out on a repair with their serials. Moves nothing until the
    /// storekeeper takes it back.
    HandBack {
        /// Record id of the hand-back.
        id: RecordId,
        /// What is handed back.
        what: HandBackKind,
        /// The line (unused parts only).
        line: Option<RecordId>,
        /// The part (old parts; unused parts are the line's).
        part: PartId,
        /// Its number.
        part_number: String,
        /// Whether it is serialized (one serial per unit).
        serialized: bool,
        /// Units.
        quantity: u32,
        /// Serials (the old serials, for old parts).
        serials: Vec<String>,
        /// The order the parts come back from.
        order: Option<OrderId>,
        /// The technician's note.
        note: String,
    },
    /// The storekeeper takes a hand-back in and decides where it goes: one ledger entry.
    TakeBack {
        /// Id of the movement it records.
        id: RecordId,
        /// The hand-back.
        handback: RecordId,
        /// Back to stock, to the supplier, or scrapped (报废).
        outcome: ReturnOutcome,
        /// Why (required for scrapping).
        reason: String,
    },
}

/// What a technician hands back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HandBackKind {
    /// Units issued on a line and not used.
    Unused,
    /// Defective old parts taken out of the customer's product.
    OldPart,
}

/// Where a part taken back goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReturnOutcome {
    /// Into the warehouse's stock.
    ToStock,
    /// Sent back to the supplier (退回供应商).
    ToSupplier,
    /// Scrapped (报废), with a reason.
    Scrapped,
}

/// Parts a technician handed back, and what the storekeeper did with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct HandBack {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When handed back.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who handed it back.
    pub by: Actor,
    /// Unused units or old parts.
    pub what: HandBackKind,
    /// The line (unused units).
    pub line: Option<RecordId>,
    /// Part.
    pub part: PartId,
    /// Part number.
    pub part_number: String,
    /// Units.
    pub quantity: u32,
    /// Serials.
    pub serials: Vec<String>,
    /// The order the parts come back from.
    pub order: Option<OrderId>,
    /// The technician's note.
    pub note: String,
    /// The storekeeper's take-back, once made.
    pub taken_back: Option<TakenBack>,
}

/// The storekeeper's take-back of a hand-back: one ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct TakenBack {
    /// The movement id.
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who, in which role.
    pub by: Actor,
    /// Where it went.
    pub outcome: ReturnOutcome,
    /// Why.
    pub reason: String,
}

impl RequisitionOp {
    /// The roles that may make this operation (a technician only on their own
    /// requisition). The server's review of a push asks the same.
    pub fn roles(&self) -> &'static [Role] {
        match self {
            RequisitionOp::AddLine { .. } | RequisitionOp::RemoveLine { .. } => {
                &[Role::Technician, Role::Storekeeper, Role::Supervisor]
            }
            RequisitionOp::Cancel { .. } => &[Role::Technician, Role::Supervisor],
            RequisitionOp::Approve { .. } | RequisitionOp::Reject { .. } => {
                &[Role::Storekeeper, Role::Supervisor]
            }
            RequisitionOp::Issue { .. }
            | RequisitionOp::Return { .. }
            | RequisitionOp::Close
            | RequisitionOp::TakeBack { .. } => &[Role::Storekeeper, Role::Supervisor],
            RequisitionOp::HandBack { .. } => {
                &[Role::Technician, Role::Storekeeper, Role::Supervisor]
            }
        }
    }

    /// Stable snake_case name.
    pub fn name_str(&self) -> &'static str {
        match self {
            RequisitionOp::AddLine { .. } => "add_line",
            RequisitionOp::RemoveLine { .. } => "remove_line",
            RequisitionOp::Approve { .. } => "approve",
            RequisitionOp::Reject { .. } => "reject",
            RequisitionOp::Issue { .. } => "issue",
            RequisitionOp::Return { .. } => "return",
            RequisitionOp::Close => "close",
            RequisitionOp::Cancel { .. } => "cancel",
            RequisitionOp::HandBack { .. } => "hand_back",
            RequisitionOp::TakeBack { .. } => "take_back",
        }
    }
}

/// A refused requisition operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequisitionError {
    /// Who may do what.
    #[error("a {role} may not {action} a requisition (rule: who may do what)")]
    RoleNotPermitted {
        /// Role.
        role: Role,
        /// Action.
        action: &'static str,
    },
    /// Technicians edit only their own requisitions.
    #[error("only the requesting technician may {action} this requisition")]
    NotRequester {
        /// Action.
        action: &'static str,
    },
    /// Valuable parts need a supervisor.
    #[error("valuable or limited parts need a supervisor's approval (rule: 贵重/限量)")]
    ValuableNeedsSupervisor,
    /// The action does not fit the status.
    #[error("cannot {action} a requisition that is {status:?}")]
    NotAllowedInStatus {
        /// Action.
        action: &'static str,
        /// Status.
        status: RequisitionStatus,
    },
    /// More than approved, or more back than issued.
    #[error("quantity {quantity} exceeds the {limit} still open on the line")]
    QuantityExceeded {
        /// Asked.
        quantity: u32,
        /// Open.
        limit: u32,
    },
    /// Quantities are positive.
    #[error("quantity must be at least 1")]
    InvalidQuantity,
    /// Serialized parts need one serial per unit.
    #[error("part {part_number} is serialized: one serial per unit")]
    SerialMissing {
        /// Part.
        part_number: String,
    },
    /// Nothing to approve.
    #[error("the requisition has no lines")]
    NoLines,
    /// Unknown record.
    #[error("no line {id} on this requisition")]
    UnknownRecord {
        /// Id.
        id: String,
    },
    /// Repeated record.
    #[error("record {id} already exists on this requisition")]
    DuplicateRecord {
        /// Id.
        id: String,
    },
    /// Reason needed.
    #[error("a reason is required")]
    ReasonRequired,
    /// The warehouse does not hold what is approved or issued.
    #[error(
        "{location} holds {available} of {part_number}; {wanted} cannot be approved or issued"
    )]
    NotEnoughStock {
        /// Part.
        part_number: String,
        /// The warehouse's name (or id).
        location: String,
        /// Its book balance.
        available: i64,
        /// What the line asks to approve or issue.
        wanted: u32,
    },
    /// A hand-back already taken back.
    #[error("hand-back {id} was already taken back")]
    AlreadyTakenBack {
        /// Id.
        id: String,
    },
    /// Unused parts go back to stock; only old parts go to the supplier or the scrap.
    #[error("unused parts go back into stock")]
    UnusedGoesToStock,
}

impl RequisitionError {
    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            RequisitionError::RoleNotPermitted { .. } => "errors.requisition.role_not_permitted",
            RequisitionError::NotRequester { .. } => "errors.requisition.not_requester",
            RequisitionError::ValuableNeedsSupervisor => {
                "errors.requisition.valuable_needs_supervisor"
            }
            RequisitionError::NotAllowedInStatus { .. } => {
                "errors.requisition.not_allowed_in_status"
            }
            RequisitionError::QuantityExceeded { .. } => "errors.requisition.quantity_exceeded",
            RequisitionError::InvalidQuantity => "errors.requisition.invalid_quantity",
            RequisitionError::SerialMissing { .. } => "errors.requisition.serial_missing",
            RequisitionError::NoLines => "errors.requisition.no_lines",
            RequisitionError::UnknownRecord { .. } => "errors.requisition.unknown_record",
            RequisitionError::DuplicateRecord { .. } => "errors.requisition.duplicate_record",
            RequisitionError::ReasonRequired => "errors.requisition.reason_required",
            RequisitionError::NotEnoughStock { .. } => "errors.requisition.not_enough_stock",
            RequisitionError::AlreadyTakenBack { .. } => "errors.requisition.already_taken_back",
            RequisitionError::UnusedGoesToStock => "errors.requisition.unused_goes_to_stock",
        }
    }

    /// The values the message names, for the UI's words.
    pub fn details(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut out = serde_json::Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            out.insert(k.to_string(), v);
        };
        match self {
            RequisitionError::RoleNotPermitted { role, action } => {
                put("role", role.as_str().into());
                put("action", (*action).into());
            }
            RequisitionError::NotRequester { action } => put("action", (*action).into()),
            RequisitionError::NotAllowedInStatus { action, status } => {
                put("action", (*action).into());
                put("status", serde_json::to_value(status).unwrap_or_default());
            }
            RequisitionError::QuantityExceeded { quantity, limit } => {
                put("quantity", (*quantity).into());
                put("limit", (*limit).into());
            }
            RequisitionError::SerialMissing { part_number } => {
                put("part", part_number.clone().into())
            }
            RequisitionError::UnknownRecord { id }
            | RequisitionError::DuplicateRecord { id }
            | RequisitionError::AlreadyTakenBack { id } => put("id", id.clone().into()),
            RequisitionError::NotEnoughStock {
                part_number,
                location,
                available,
                wanted,
            } => {
                put("part", part_number.clone().into());
                put("location", location.clone().into());
                put("available", (*available).into());
                put("wanted", (*wanted).into());
            }
            RequisitionError::ValuableNeedsSupervisor
            | RequisitionError::InvalidQuantity
            | RequisitionError::NoLines
            | RequisitionError::ReasonRequired
            | RequisitionError::UnusedGoesToStock => {}
        }
        out
    }
}

impl Operation for RequisitionOp {
    type Doc = RequisitionDoc;
    fn name(&self) -> &'static str {
        self.name_str()
    }
    fn apply_to(&self, doc: &mut RequisitionDoc, ctx: &Ctx<'_>) -> Result<(), DomainError> {
        doc.apply(self, ctx).map_err(DomainError::from)
    }
}

impl RequisitionDoc {
    /// A new, empty requisition. A technician asks for their own van; storekeepers and
    /// supervisors may raise one on a technician's behalf.
    pub fn new(
        id: RequisitionId,
        number: String,
        requester: UserId,
        van: LocationId,
        warehouse: LocationId,
        order: Option<OrderId>,
        ctx: &Ctx<'_>,
    ) -> Result<RequisitionDoc, RequisitionError> {
        match ctx.actor.role {
            Role::Technician if ctx.actor.user != requester => {
                return Err(RequisitionError::NotRequester { action: "create" })
            }
            Role::Technician | Role::Storekeeper | Role::Supervisor => {}
            role => {
                return Err(RequisitionError::RoleNotPermitted {
                    role,
                    action: "create",
                })
            }
        }
        Ok(RequisitionDoc {
            schema_version: REQUISITION_SCHEMA_VERSION,
            id,
            number,
            requester,
            van,
            warehouse,
            order,
            status: RequisitionStatus::Requested,
            requested_at: ctx.now,
            lines: vec![],
            approval: None,
            reason: String::new(),
            events: vec![],
            handbacks: vec![],
        })
    }

    fn fresh(&self, id: RecordId) -> Result<(), RequisitionError> {
        let in_handbacks = self
            .handbacks
            .iter()
            .any(|h| h.id == id || h.taken_back.as_ref().is_some_and(|t| t.id == id));
        if in_handbacks
            || self.events.iter().any(|e| e.id == id)
            || self.lines.iter().any(|l| l.id == id)
        {
            Err(RequisitionError::DuplicateRecord { id: id.to_string() })
        } else {
            Ok(())
        }
    }

    /// The stock movements this requisition stands for: issues move stock from the
    /// warehouse to the van, returns move it back; requests and approvals move nothing.
    /// Old parts taken back were never stock: one taken into stock enters the warehouse,
    /// one scrapped or sent to the supplier is recorded and moves nothing.
    pub fn stock_movements(&self) -> Vec<Movement> {
        let old_parts = self.handbacks.iter().filter_map(|h| {
            let t = h.taken_back.as_ref()?;
            if h.what != HandBackKind::OldPart {
                // Unused units come back through their line's return event.
                return None;
            }
            let (kind, to) = match t.outcome {
                ReturnOutcome::ToStock => (MovementKind::Return, Some(self.warehouse)),
                ReturnOutcome::ToSupplier => (MovementKind::SupplierReturn, None),
                ReturnOutcome::Scrapped => (MovementKind::Scrap, None),
            };
            Some(Movement {
                id: MovementId(t.id.0),
                at: t.at,
                by: t.by.user,
                kind,
                part: h.part,
                quantity: i64::from(h.quantity),
                from: None,
                to,
                serials: h.serials.clone(),
                reason: t.reason.clone(),
                reference: Some(h.order.map_or(self.id.0, |o| o.0)),
            })
        });
        let mut out: Vec<Movement> = self
            .events
            .iter()
            .filter_map(|e| {
                let line = self.lines.iter().find(|l| l.id == e.line)?;
                let (from, to) = match e.kind {
                    MovementKind::Issue => (Some(self.warehouse), Some(self.van)),
                    MovementKind::Return => (Some(self.van), Some(self.warehouse)),
                    _ => (None, None),
                };
                Some(Movement {
                    id: MovementId(e.id.0),
                    at: e.at,
                    by: e.by.user,
                    kind: e.kind,
                    part: line.part,
                    quantity: i64::from(e.quantity),
                    from,
                    to,
                    serials: e.serials.clone(),
                    reason: e.reason.clone(),
                    reference: Some(self.id.0),
                })
            })
            .collect();
        out.extend(old_parts);
        out
    }

    /// Checks `op` against the warehouse's book balance, `available(part)`, before it is
    /// applied: an approval may not approve, and an issue may not send, more than the
    /// warehouse holds. `location` names the warehouse in the refusal. Other operations
    /// pass.
    pub fn check_stock(
        &self,
        op: &RequisitionOp,
        location: &str,
        available: impl Fn(PartId) -> i64,
    ) -> Result<(), RequisitionError> {
        let short = |l: &RequisitionLine, wanted: u32| {
            let have = available(l.part);
            (have < i64::from(wanted)).then(|| RequisitionError::NotEnoughStock {
                part_number: l.part_number.clone(),
                location: location.to_string(),
                available: have,
                wanted,
            })
        };
        match op {
            RequisitionOp::Approve { quantities, .. } => {
                for l in &self.lines {
                    let wanted = quantities
                        .iter()
                        .find(|(id, _)| *id == l.id)
                        .map_or(l.requested, |(_, q)| *q);
                    if let Some(e) = short(l, wanted) {
                        return Err(e);
                    }
                }
                Ok(())
            }
            RequisitionOp::Issue { line, quantity, .. } => {
                match self.lines.iter().find(|l| l.id == *line) {
                    Some(l) => short(l, *quantity).map_or(Ok(()), Err),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Units of `line` the technician may still hand back as unused: issued, less
    /// returned, less hand-backs not yet taken back.
    pub fn open_to_hand_back(&self, line: RecordId) -> u32 {
        let Some(l) = self.lines.iter().find(|l| l.id == line) else {
            return 0;
        };
        let pending: u32 = self
            .handbacks
            .iter()
            .filter(|h| h.line == Some(line) && h.taken_back.is_none())
            .map(|h| h.quantity)
            .sum();
        l.issued.saturating_sub(l.returned).saturating_sub(pending)
    }

    /// Validates and applies `op`; on error the requisition is unchanged.
    pub fn apply(&mut self, op: &RequisitionOp, ctx: &Ctx<'_>) -> Result<(), RequisitionError> {
        use RequisitionStatus as S;
        let action = op.name_str();
        let role = ctx.actor.role;
        let status = self.status;
        let not_here = || RequisitionError::NotAllowedInStatus { action, status };
        if !op.roles().contains(&role) {
            return Err(RequisitionError::RoleNotPermitted { role, action });
        }
        if role == Role::Technician && ctx.actor.user != self.requester {
            return Err(RequisitionError::NotRequester { action });
        }
        let now = ctx.now;
        let mut next = self.clone();
        let event = |id: RecordId, kind, line, quantity, serials: &[String], reason: &str| {
            RequisitionEvent {
                id,
                at: now,
                by: ctx.actor,
                kind,
                line,
                quantity,
                serials: serials.to_vec(),
                reason: reason.to_string(),
            }
        };
        match op {
            RequisitionOp::AddLine {
                id,
                part,
                part_number,
                valuable,
                serialized,
                quantity,
            } => {
                if status != S::Requested {
                    return Err(not_here());
                }
                self.fresh(*id)?;
                if *quantity == 0 {
                    return Err(RequisitionError::InvalidQuantity);
                }
                next.lines.push(RequisitionLine {
                    id: *id,
                    part: *part,
                    part_number: part_number.clone(),
                    valuable: *valuable,
                    serialized: *serialized,
                    requested: *quantity,
                    approved: 0,
                    issued: 0,
                    returned: 0,
                });
                next.events.push(event(
                    RecordId::new_at(now),
                    MovementKind::Requisition,
                    *id,
                    *quantity,
                    &[],
                    "",
                ));
            }
            RequisitionOp::RemoveLine { id } => {
                if status != S::Requested {
                    return Err(not_here());
                }
                let before = next.lines.len();
                next.lines.retain(|l| l.id != *id);
                if next.lines.len() == before {
                    return Err(RequisitionError::UnknownRecord { id: id.to_string() });
                }
            }
            RequisitionOp::Approve {
                id,
                quantities,
                note,
            } => {
                if status != S::Requested {
                    return Err(not_here());
                }
                self.fresh(*id)?;
                if self.lines.is_empty() {
                    return Err(RequisitionError::NoLines);
                }
                if role != Role::Supervisor && self.lines.iter().any(|l| l.valuable) {
                    return Err(RequisitionError::ValuableNeedsSupervisor);
                }
                if let Some((line, _)) = quantities
                    .iter()
                    .find(|(line, _)| !self.lines.iter().any(|l| l.id == *line))
                {
                    return Err(RequisitionError::UnknownRecord {
                        id: line.to_string(),
                    });
                }
                for l in &mut next.lines {
                    let cut = quantities
                        .iter()
                        .find(|(id, _)| *id == l.id)
                        .map(|(_, q)| *q);
                    let approved = cut.unwrap_or(l.requested);
                    if approved > l.requested {
                        return Err(RequisitionError::QuantityExceeded {
                            quantity: approved,
                            limit: l.requested,
                        });
                    }
                    l.approved = approved;
                }
                let total = next.lines.iter().map(|l| l.approved).sum();
                let first = next.lines[0].id;
                next.events
                    .push(event(*id, MovementKind::Approve, first, total, &[], note));
                next.approval = Some(Approval {
                    by: ctx.actor,
                    at: now,
                    note: note.clone(),
                });
                next.status = S::Approved;
            }
            RequisitionOp::Reject { reason } => {
                if status != S::Requested {
                    return Err(not_here());
                }
                if reason.trim().is_empty() {
                    return Err(RequisitionError::ReasonRequired);
                }
                next.reason = reason.clone();
                next.status = S::Rejected;
            }
            RequisitionOp::Issue {
                id,
                line,
                quantity,
                serials,
            } => {
                if !matches!(status, S::Approved | S::Issued) {
                    return Err(not_here());
                }
                self.fresh(*id)?;
                let l = movable_line(&mut next.lines, *line, *quantity, serials, |l| {
                    l.approved.saturating_sub(l.issued)
                })?;
                l.issued += quantity;
                next.events.push(event(
                    *id,
                    MovementKind::Issue,
                    *line,
                    *quantity,
                    serials,
                    "",
                ));
                next.status = S::Issued;
            }
            RequisitionOp::Return {
                id,
                line,
                quantity,
                serials,
                reason,
            } => {
                if !matches!(status, S::Issued | S::Closed) {
                    return Err(not_here());
                }
                self.fresh(*id)?;
                let l = movable_line(&mut next.lines, *line, *quantity, serials, |l| {
                    l.issued.saturating_sub(l.returned)
                })?;
                l.returned += quantity;
                next.events.push(event(
                    *id,
                    MovementKind::Return,
                    *line,
                    *quantity,
                    serials,
                    reason,
                ));
            }
            RequisitionOp::Close => {
                if status != S::Issued {
                    return Err(not_here());
                }
                next.status = S::Closed;
            }
            RequisitionOp::HandBack {
                id,
                what,
                line,
                part,
                part_number,
                serialized,
                quantity,
                serials,
                order,
                note,
            } => {
                self.fresh(*id)?;
                if *quantity == 0 {
                    return Err(RequisitionError::InvalidQuantity);
                }
                let (part, part_number, serialized) = match what {
                    HandBackKind::Unused => {
                        if !matches!(status, S::Issued | S::Closed) {
                            return Err(not_here());
                        }
                        let line = line.ok_or(RequisitionError::UnknownRecord {
                            id: "line".to_string(),
                        })?;
                        let l = self.lines.iter().find(|l| l.id == line).ok_or_else(|| {
                            RequisitionError::UnknownRecord {
                                id: line.to_string(),
                            }
                        })?;
                        let limit = self.open_to_hand_back(line);
                        if *quantity > limit {
                            return Err(RequisitionError::QuantityExceeded {
                                quantity: *quantity,
                                limit,
                            });
                        }
                        (l.part, l.part_number.clone(), l.serialized)
                    }
                    HandBackKind::OldPart => (*part, part_number.clone(), *serialized),
                };
                if serialized && serials.len() != *quantity as usize {
                    return Err(RequisitionError::SerialMissing { part_number });
                }
                next.handbacks.push(HandBack {
                    id: *id,
                    at: now,
                    by: ctx.actor,
                    what: *what,
                    line: if *what == HandBackKind::Unused {
                        *line
                    } else {
                        None
                    },
                    part,
                    part_number,
                    quantity: *quantity,
                    serials: serials.clone(),
                    order: order.or(self.order),
                    note: note.trim().to_string(),
                    taken_back: None,
                });
            }
            RequisitionOp::TakeBack {
                id,
                handback,
                outcome,
                reason,
            } => {
                self.fresh(*id)?;
                let h = next
                    .handbacks
                    .iter_mut()
                    .find(|h| h.id == *handback)
                    .ok_or_else(|| RequisitionError::UnknownRecord {
                        id: handback.to_string(),
                    })?;
                if h.taken_back.is_some() {
                    return Err(RequisitionError::AlreadyTakenBack {
                        id: handback.to_string(),
                    });
                }
                if h.what == HandBackKind::Unused && *outcome != ReturnOutcome::ToStock {
                    return Err(RequisitionError::UnusedGoesToStock);
                }
                if *outcome == ReturnOutcome::Scrapped && reason.trim().is_empty() {
                    return Err(RequisitionError::ReasonRequired);
                }
                h.taken_back = Some(TakenBack {
                    id: *id,
                    at: now,
                    by: ctx.actor,
                    outcome: *outcome,
                    reason: reason.trim().to_string(),
                });
                let unused = (h.what == HandBackKind::Unused)
                    .then(|| (h.line, h.quantity, h.serials.clone(), h.note.clone()));
                if let Some((Some(line), quantity, serials, note)) = unused {
                    // The unused units leave the van for the warehouse: the line's return.
                    let l = next
                        .lines
                        .iter_mut()
                        .find(|l| l.id == line)
                        .ok_or_else(|| RequisitionError::UnknownRecord {
                            id: line.to_string(),
                        })?;
                    l.returned += quantity;
                    let why = if reason.trim().is_empty() {
                        note
                    } else {
                        reason.trim().to_string()
                    };
                    next.events.push(event(
                        *id,
                        MovementKind::Return,
                        line,
                        quantity,
                        &serials,
                        &why,
                    ));
                }
            }
            RequisitionOp::Cancel { reason } => {
                if !matches!(status, S::Requested | S::Approved) {
                    return Err(not_here());
                }
                if reason.trim().is_empty() {
                    return Err(RequisitionError::ReasonRequired);
                }
                next.reason = reason.clone();
                next.status = S::Cancelled;
            }
        }
        *self = next;
        Ok(())
    }
}

/// The line a part movement (issue or return) is for, after checking the quantity is
/// positive, within what `open` says may still move, and matched by serials when the
/// part is serialized.
fn movable_line<'a>(
    lines: &'a mut [RequisitionLine],
    line: RecordId,
    quantity: u32,
    serials: &[String],
    open: impl Fn(&RequisitionLine) -> u32,
) -> Result<&'a mut RequisitionLine, RequisitionError> {
    let l =
        lines
            .iter_mut()
            .find(|l| l.id == line)
            .ok_or_else(|| RequisitionError::UnknownRecord {
                id: line.to_string(),
            })?;
    if quantity == 0 {
        return Err(RequisitionError::InvalidQuantity);
    }
    let limit = open(l);
    if quantity > limit {
        return Err(RequisitionError::QuantityExceeded { quantity, limit });
    }
    if l.serialized && serials.len() != quantity as usize {
        return Err(RequisitionError::SerialMissing {
            part_number: l.part_number.clone(),
        });
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::fixtures::{rid, t0, uuid, Cast};
    use crate::settings::Settings;
    use crate::stock::Ledger;

    fn setup(
        valuable: bool,
    ) -> Result<(RequisitionDoc, Settings, Calendar, Cast), RequisitionError> {
        let (s, cal, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let ctx = Ctx {
            actor: cast.technician,
            now: t0(),
            settings: &s,
            calendar: &cal,
        };
        let mut doc = RequisitionDoc::new(
            RequisitionId(uuid(80)),
            "RQ-1".into(),
            cast.technician.user,
            cast.van,
            cast.warehouse,
            None,
            &ctx,
        )?;
        doc.apply(
            &RequisitionOp::AddLine {
                id: rid(1),
                part: PartId(uuid(500)),
                part_number: "BR-21".into(),
                valuable,
                serialized: true,
                quantity: 2,
            },
            &ctx,
        )?;
        Ok((doc, s, cal, cast))
    }

    fn run(
        doc: &mut RequisitionDoc,
        s: &Settings,
        cal: &Calendar,
        actor: Actor,
        op: RequisitionOp,
    ) -> Result<(), RequisitionError> {
        doc.apply(
            &op,
            &Ctx {
                actor,
                now: t0(),
                settings: s,
                calendar: cal,
            },
        )
    }

    #[test]
    fn request_approve_issue_return_moves_stock_between_warehouse_and_van(
    ) -> Result<(), RequisitionError> {
        let (mut doc, s, cal, cast) = setup(false)?;
        let sk = cast.storekeeper;
        run(
            &mut doc,
            &s,
            &cal,
            sk,
            RequisitionOp::Approve {
                id: rid(2),
                quantities: vec![],
                note: String::new(),
            },
        )?;
        let e = run(
            &mut doc,
            &s,
            &cal,
            sk,
            RequisitionOp::Issue {
                id: rid(3),
                line: rid(1),
                quantity: 2,
                serials: vec!["A".into()],
            },
        );
        assert!(
            matches!(e, Err(RequisitionError::SerialMissing { .. })),
            "serialized parts record every serial"
        );
        run(
            &mut doc,
            &s,
            &cal,
            sk,
            RequisitionOp::Issue {
                id: rid(3),
                line: rid(1),
                quantity: 2,
                serials: vec!["A".into(), "B".into()],
            },
        )?;
        let e = run(
            &mut doc,
            &s,
            &cal,
            sk,
            RequisitionOp::Issue {
                id: rid(4),
                line: rid(1),
                quantity: 1,
                serials: vec!["C".into()],
            },
        );
        assert!(
            matches!(e, Err(RequisitionError::QuantityExceeded { .. })),
            "no more than approved"
        );
        run(
            &mut doc,
            &s,
            &cal,
            sk,
            RequisitionOp::Return {
                id: rid(5),
                line: rid(1),
                quantity: 1,
                serials: vec!["B".into()],
                reason: "unused".into(),
            },
        )?;
        let ledger = Ledger::from_movements(doc.stock_movements());
        assert_eq!(
            ledger.balance(PartId(uuid(500)), cast.van),
            1,
            "2 issued to the van, 1 returned"
        );
        assert_eq!(
            ledger.balance(PartId(uuid(500)), cast.warehouse),
            -1,
            "the warehouse gave 2 and got 1 back"
        );
        Ok(())
    }

    #[test]
    fn valuable_parts_need_a_supervisor_to_approve() -> Result<(), RequisitionError> {
        let (mut doc, s, cal, cast) = setup(true)?;
        let e = run(
            &mut doc,
            &s,
            &cal,
            cast.storekeeper,
            RequisitionOp::Approve {
                id: rid(2),
                quantities: vec![],
                note: String::new(),
            },
        );
        assert_eq!(e, Err(RequisitionError::ValuableNeedsSupervisor));
        run(
            &mut doc,
            &s,
            &cal,
            cast.supervisor,
            RequisitionOp::Approve {
                id: rid(2),
                quantities: vec![(rid(1), 1)],
                note: String::new(),
            },
        )?;
        assert_eq!(
            doc.lines[0].approved, 1,
            "the supervisor may cut the quantity"
        );
        Ok(())
    }

    #[test]
    fn technicians_cannot_approve_or_issue() -> Result<(), RequisitionError> {
        let (mut doc, s, cal, cast) = setup(false)?;
        let e = run(
            &mut doc,
            &s,
            &cal,
            cast.technician,
            RequisitionOp::Approve {
                id: rid(2),
                quantities: vec![],
                note: String::new(),
            },
        );
        assert!(matches!(e, Err(RequisitionError::RoleNotPermitted { .. })));
        let e = run(
            &mut doc,
            &s,
            &cal,
            cast.other_technician,
            RequisitionOp::AddLine {
                id: rid(9),
                part: PartId(uuid(501)),
                part_number: "X".into(),
                valuable: false,
                serialized: false,
                quantity: 1,
            },
        );
        assert!(matches!(e, Err(RequisitionError::NotRequester { .. })));
        Ok(())
    }

    fn issued(
        cast: &Cast,
        s: &Settings,
        cal: &Calendar,
    ) -> Result<RequisitionDoc, RequisitionError> {
        let (mut doc, ..) = setup(false)?;
        for op in [
            RequisitionOp::Approve {
                id: rid(2),
                quantities: vec![],
                note: String::new(),
            },
            RequisitionOp::Issue {
                id: rid(3),
                line: rid(1),
                quantity: 2,
                serials: vec!["A".into(), "B".into()],
            },
        ] {
            run(&mut doc, s, cal, cast.storekeeper, op)?;
        }
        Ok(doc)
    }

    fn hand_back(what: HandBackKind, id: u128, serial: &str) -> RequisitionOp {
        RequisitionOp::HandBack {
            id: rid(id),
            what,
            line: (what == HandBackKind::Unused).then(|| rid(1)),
            part: PartId(uuid(500)),
            part_number: "BR-21".into(),
            serialized: true,
            quantity: 1,
            serials: vec![serial.into()],
            order: None,
            note: String::new(),
        }
    }

    #[test]
    fn an_unused_part_goes_back_to_stock_and_a_scrapped_old_part_moves_nothing(
    ) -> Result<(), RequisitionError> {
        let (_, s, cal, cast) = setup(false)?;
        let mut doc = issued(&cast, &s, &cal)?;
        let tech = cast.technician;
        run(
            &mut doc,
            &s,
            &cal,
            tech,
            hand_back(HandBackKind::Unused, 10, "B"),
        )?;
        run(
            &mut doc,
            &s,
            &cal,
            tech,
            hand_back(HandBackKind::OldPart, 11, "OLD-1"),
        )?;
        assert_eq!(
            doc.open_to_hand_back(rid(1)),
            1,
            "one of two still in the van"
        );
        let e = run(
            &mut doc,
            &s,
            &cal,
            tech,
            hand_back(HandBackKind::Unused, 12, "A"),
        );
        assert!(e.is_ok(), "the second issued unit may be handed back too");
        let e = run(
            &mut doc,
            &s,
            &cal,
            tech,
            hand_back(HandBackKind::Unused, 13, "A"),
        );
        assert!(
            matches!(e, Err(RequisitionError::QuantityExceeded { limit: 0, .. })),
            "no more back than was issued: {e:?}"
        );
        let take = |handback, id, outcome, reason: &str| RequisitionOp::TakeBack {
            id: rid(id),
            handback: rid(handback),
            outcome,
            reason: reason.into(),
        };
        let e = run(
            &mut doc,
            &s,
            &cal,
            tech,
            take(10, 20, ReturnOutcome::ToStock, ""),
        );
        assert!(
            matches!(e, Err(RequisitionError::RoleNotPermitted { .. })),
            "the storekeeper takes parts back, not the technician"
        );
        let sk = cast.storekeeper;
        let e = run(
            &mut doc,
            &s,
            &cal,
            sk,
            take(10, 20, ReturnOutcome::Scrapped, "bent"),
        );
        assert_eq!(e, Err(RequisitionError::UnusedGoesToStock));
        run(
            &mut doc,
            &s,
            &cal,
            sk,
            take(10, 20, ReturnOutcome::ToStock, ""),
        )?;
        let e = run(
            &mut doc,
            &s,
            &cal,
            sk,
            take(10, 21, ReturnOutcome::ToStock, ""),
        );
        assert!(matches!(e, Err(RequisitionError::AlreadyTakenBack { .. })));
        let e = run(
            &mut doc,
            &s,
            &cal,
            sk,
            take(11, 22, ReturnOutcome::Scrapped, " "),
        );
        assert_eq!(
            e,
            Err(RequisitionError::ReasonRequired),
            "scrapping says why"
        );
        run(
            &mut doc,
            &s,
            &cal,
            sk,
            take(11, 22, ReturnOutcome::Scrapped, "burnt out"),
        )?;
        assert_eq!(doc.lines[0].returned, 1);
        let ledger = Ledger::from_movements(doc.stock_movements());
        let part = PartId(uuid(500));
        assert_eq!(ledger.balance(part, cast.van), 1, "2 issued, 1 taken back");
        assert_eq!(
            ledger.balance(part, cast.warehouse),
            -1,
            "gave 2, got 1 back"
        );
        let scrap = doc
            .stock_movements()
            .into_iter()
            .find(|m| m.kind == MovementKind::Scrap)
            .ok_or(RequisitionError::NoLines)?;
        assert_eq!(
            (scrap.from, scrap.to, scrap.serials, scrap.by),
            (None, None, vec!["OLD-1".to_string()], sk.user),
            "the old part was never stock: its scrapping is recorded, by the storekeeper"
        );
        Ok(())
    }

    #[test]
    fn approving_or_issuing_more_than_the_warehouse_holds_is_refused(
    ) -> Result<(), RequisitionError> {
        let (mut doc, s, cal, cast) = setup(false)?;
        let approve = RequisitionOp::Approve {
            id: rid(2),
            quantities: vec![],
            note: String::new(),
        };
        let e = doc.check_stock(&approve, "Main", |_| 1);
        assert_eq!(
            e,
            Err(RequisitionError::NotEnoughStock {
                part_number: "BR-21".into(),
                location: "Main".into(),
                available: 1,
                wanted: 2
            })
        );
        let cut = RequisitionOp::Approve {
            id: rid(2),
            quantities: vec![(rid(1), 1)],
            note: String::new(),
        };
        assert_eq!(
            doc.check_stock(&cut, "Main", |_| 1),
            Ok(()),
            "a cut line fits"
        );
        run(&mut doc, &s, &cal, cast.supervisor, cut)?;
        let issue = RequisitionOp::Issue {
            id: rid(3),
            line: rid(1),
            quantity: 1,
            serials: vec!["A".into()],
        };
        assert!(doc.check_stock(&issue, "Main", |_| 0).is_err());
        assert_eq!(doc.check_stock(&issue, "Main", |_| 1), Ok(()));
        Ok(())
    }
}
