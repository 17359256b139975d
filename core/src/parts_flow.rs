//! The requisition queues at the office (审批 approval, 发放 issue, 归还 take-back) and
//! the desk's actions on them (`/v1/office/requisitions…`): the shapes sent and
//! received, and which action a role may take on a requisition as it stands, asked of
//! [`RequisitionDoc::apply`]'s rules so the desk derives nothing. No storage, no HTTP.

use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::doc::requisition::{
    HandBackKind, RequisitionDoc, RequisitionOp, RequisitionStatus, ReturnOutcome,
};
use crate::ids::RecordId;
use crate::ops::Ctx;
use crate::role::Actor;
use crate::settings::Settings;

/// One requested part as the queues show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueLine {
    /// Line id.
    pub id: String,
    /// Part id.
    pub part: String,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Valuable or limited (a supervisor approves).
    pub valuable: bool,
    /// Serialized (one serial per unit issued).
    pub serialized: bool,
    /// Asked for.
    pub requested: u32,
    /// Approved.
    pub approved: u32,
    /// Issued so far.
    pub issued: u32,
    /// Taken back so far.
    pub returned: u32,
    /// The issuing warehouse's book balance of the part now.
    pub in_warehouse: i64,
}

/// What the storekeeper did with a hand-back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TakenBackView {
    /// Where it went.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub outcome: ReturnOutcome,
    /// Why.
    pub reason: String,
    /// Who took it back.
    pub by_name: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Parts a technician handed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueHandBack {
    /// Hand-back id.
    pub id: String,
    /// Unused units or an old part.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub what: HandBackKind,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Units.
    pub quantity: u32,
    /// Serials (old serials for old parts).
    pub serials: Vec<String>,
    /// The order they come back from, by number.
    pub order_number: Option<String>,
    /// The technician's note.
    pub note: String,
    /// Who handed it back.
    pub by_name: String,
    /// When (RFC 3339).
    pub at: String,
    /// The storekeeper's take-back, once made.
    pub taken_back: Option<TakenBackView>,
}

/// A requisition in the office's queues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueEntry {
    /// Requisition id.
    pub id: String,
    /// Its number.
    pub number: String,
    /// Where it stands.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: RequisitionStatus,
    /// The technician asking.
    pub requester_name: String,
    /// Their van.
    pub van_name: String,
    /// The warehouse issuing.
    pub warehouse_name: String,
    /// The order the parts are for.
    pub order_number: Option<String>,
    /// When asked (RFC 3339).
    pub requested_at: String,
    /// Who approved, if anyone.
    pub approved_by: Option<String>,
    /// Why rejected.
    pub reason: String,
    /// The lines.
    pub lines: Vec<QueueLine>,
    /// What came back.
    pub handbacks: Vec<QueueHandBack>,
    /// For each action of the queues, whether the signed-in role may take it now:
    /// `None` when it may, else the refusal's i18n code.
    pub checks: Vec<ActionCheck>,
}

/// Whether an action is open to the signed-in role now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionCheck {
    /// `approve`, `reject`, `issue` or `take_back`.
    pub action: String,
    /// The refusal's code, or `None` when allowed.
    pub refused: Option<String>,
}

/// The office's requisition queues (`GET /v1/office/requisitions`): requisitions waiting
/// for approval, approved ones with parts still to issue, and every one with parts
/// handed back and not yet taken back, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequisitionQueue {
    /// Waiting for approval.
    pub to_approve: Vec<QueueEntry>,
    /// Approved, parts still to issue.
    pub to_issue: Vec<QueueEntry>,
    /// Parts handed back and not yet taken back.
    pub to_take_back: Vec<QueueEntry>,
}

/// An approved quantity for one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineQuantity {
    /// The line.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub line: RecordId,
    /// Units approved (0 refuses the line).
    pub quantity: u32,
}

/// What the desk does to a requisition (`POST /v1/office/requisitions/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RequisitionAction {
    /// Approve (审批), each line as asked unless cut.
    Approve {
        /// Chosen by the client: a retried approval approves once.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: RecordId,
        /// Cut quantities.
        #[serde(default)]
        quantities: Vec<LineQuantity>,
        /// Notes.
        #[serde(default)]
        note: String,
    },
    /// Refuse, with the reason the technician reads.
    Reject {
        /// Why.
        reason: String,
    },
    /// Issue (发放) from the warehouse to the van.
    Issue {
        /// The movement's id, chosen by the client.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: RecordId,
        /// The line.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        line: RecordId,
        /// Units.
        quantity: u32,
        /// One serial per unit for serialized parts.
        #[serde(default)]
        serials: Vec<String>,
    },
    /// Take a hand-back in and decide where it goes.
    TakeBack {
        /// The movement's id, chosen by the client.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: RecordId,
        /// The hand-back.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        handback: RecordId,
        /// Back to stock, to the supplier, or scrapped.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        outcome: ReturnOutcome,
        /// Why (required for scrapping).
        #[serde(default)]
        reason: String,
    },
}

impl RequisitionAction {
    /// The requisition operation this action is.
    pub fn op(&self) -> RequisitionOp {
        match self {
            RequisitionAction::Approve {
                id,
                quantities,
                note,
            } => RequisitionOp::Approve {
                id: *id,
                quantities: quantities.iter().map(|q| (q.line, q.quantity)).collect(),
                note: note.trim().to_string(),
            },
            RequisitionAction::Reject { reason } => RequisitionOp::Reject {
                reason: reason.trim().to_string(),
            },
            RequisitionAction::Issue {
                id,
                line,
                quantity,
                serials,
            } => RequisitionOp::Issue {
                id: *id,
                line: *line,
                quantity: *quantity,
                serials: serials
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            },
            RequisitionAction::TakeBack {
                id,
                handback,
                outcome,
                reason,
            } => RequisitionOp::TakeBack {
                id: *id,
                handback: *handback,
                outcome: *outcome,
                reason: reason.trim().to_string(),
            },
        }
    }

    /// The record id the action writes, if it writes one: an action whose id the
    /// requisition already holds was done (a retry).
    pub fn record(&self) -> Option<RecordId> {
        match self {
            RequisitionAction::Approve { id, .. }
            | RequisitionAction::Issue { id, .. }
            | RequisitionAction::TakeBack { id, .. } => Some(*id),
            RequisitionAction::Reject { .. } => None,
        }
    }
}

/// Whether `actor` may take each queue action on `doc` now, asked of the requisition's
/// own rules ([`RequisitionDoc::apply`] on a copy, with the first line or hand-back the
/// action could be for): the role, the status, valuable parts needing a supervisor,
/// something left to issue or take back. Stock is checked when the action is taken.
pub fn checks(
    doc: &RequisitionDoc,
    actor: Actor,
    now: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
    calendar: &Calendar,
) -> Vec<ActionCheck> {
    let ctx = Ctx {
        actor,
        now,
        settings,
        calendar,
    };
    let probe = RecordId(uuid::Uuid::nil());
    let open_line = doc.lines.iter().find(|l| l.approved > l.issued);
    let open_handback = doc.handbacks.iter().find(|h| h.taken_back.is_none());
    let ops: [(&str, Option<RequisitionOp>); 4] = [
        (
            "approve",
            Some(RequisitionOp::Approve {
                id: probe,
                quantities: vec![],
                note: String::new(),
            }),
        ),
        ("reject", Some(RequisitionOp::Reject { reason: "?".into() })),
        (
            "issue",
            open_line.map(|l| RequisitionOp::Issue {
                id: probe,
                line: l.id,
                quantity: 1,
                serials: if l.serialized {
                    vec!["?".into()]
                } else {
                    vec![]
                },
            }),
        ),
        (
            "take_back",
            open_handback.map(|h| RequisitionOp::TakeBack {
                id: probe,
                handback: h.id,
                outcome: ReturnOutcome::ToStock,
                reason: String::new(),
            }),
        ),
    ];
    ops.into_iter()
        .map(|(action, op)| {
            let refused = match op {
                Some(op) => doc.clone().apply(&op, &ctx).err().map(|e| e.code()),
                // Nothing left to issue or take back: the status refusal, naming none.
                None => Some(
                    crate::doc::requisition::RequisitionError::NotAllowedInStatus {
                        action: "",
                        status: doc.status,
                    }
                    .code(),
                ),
            };
            ActionCheck {
                action: action.to_string(),
                refused: refused.map(str::to_string),
            }
        })
        .collect()
}
