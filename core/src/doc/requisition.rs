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
            RequisitionOp::Issue { .. } | RequisitionOp::Return { .. } | RequisitionOp::Close => {
                &[Role::Storekeeper, Role::Supervisor]
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
        }
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
        })
    }

    fn fresh(&self, id: RecordId) -> Result<(), RequisitionError> {
        if self.events.iter().any(|e| e.id == id) || self.lines.iter().any(|l| l.id == id) {
            Err(RequisitionError::DuplicateRecord { id: id.to_string() })
        } else {
            Ok(())
        }
    }

    /// The stock movements this requisition stands for: issues move stock from the
    /// warehouse to the van, returns move it back; requests and approvals move nothing.
    pub fn stock_movements(&self) -> Vec<Movement> {
        self.events
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
            .collect()
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
}
