//! The complaint document (投诉): record, first contact, cause, measures with owner and
//! deadline, keeping the customer informed, closing only when the customer is satisfied,
//! follow-up. Major complaints go to the supervisor.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::Operation;
use crate::error::DomainError;
use crate::ids::{ComplaintId, OrderId, RecordId, UserId};
use crate::ops::Ctx;
use crate::records::order::{ContactChannel, Flag, FollowUp};
use crate::role::{Actor, Role};

/// The complaint document schema version this build writes.
pub const COMPLAINT_SCHEMA_VERSION: u64 = 1;

/// General (一般) or major (重大): different deadlines; major goes to the supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Resolved within 3 working days.
    General,
    /// Resolved within 7 working days; handled by a supervisor.
    Major,
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Recorded, not yet contacted.
    Open,
    /// First contact made; investigating.
    Contacted,
    /// Measures agreed with owners and deadlines.
    MeasuresAgreed,
    /// Measures done; waiting for the customer's verdict.
    Resolved,
    /// The customer is satisfied.
    Closed,
}

/// The cause classes complaints were classified by before the company kept its own list
/// ([`crate::settings::Settings::complaint_causes`]): their keys are the default list's,
/// and a complaint that stored one of them (as its variant name) reads as that key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CauseCategory {
    /// The product itself.
    ProductQuality,
    /// The repair work.
    RepairQuality,
    /// Parts availability or quality.
    Parts,
    /// Staff conduct.
    StaffAttitude,
    /// Late or missed appointments and deadlines.
    Timeliness,
    /// Fees.
    Fee,
    /// Anything else.
    Other,
}

impl CauseCategory {
    /// Every class, in the default list's order.
    pub const ALL: [CauseCategory; 7] = [
        CauseCategory::ProductQuality,
        CauseCategory::RepairQuality,
        CauseCategory::Parts,
        CauseCategory::StaffAttitude,
        CauseCategory::Timeliness,
        CauseCategory::Fee,
        CauseCategory::Other,
    ];

    /// The key of the default cause list this class is.
    pub fn key(self) -> &'static str {
        match self {
            CauseCategory::ProductQuality => "product_quality",
            CauseCategory::RepairQuality => "repair_quality",
            CauseCategory::Parts => "parts",
            CauseCategory::StaffAttitude => "staff_attitude",
            CauseCategory::Timeliness => "timeliness",
            CauseCategory::Fee => "fee",
            CauseCategory::Other => "other",
        }
    }

    /// How the document stored it before (Automerge writes a unit variant by name).
    fn stored_name(self) -> &'static str {
        match self {
            CauseCategory::ProductQuality => "ProductQuality",
            CauseCategory::RepairQuality => "RepairQuality",
            CauseCategory::Parts => "Parts",
            CauseCategory::StaffAttitude => "StaffAttitude",
            CauseCategory::Timeliness => "Timeliness",
            CauseCategory::Fee => "Fee",
            CauseCategory::Other => "Other",
        }
    }
}

impl From<CauseCategory> for String {
    fn from(c: CauseCategory) -> String {
        c.key().to_string()
    }
}

/// A cause's class key: stored as a string; a complaint written while the class was
/// [`CauseCategory`] stored the variant's name, read back as its key.
mod cause_key {
    use super::CauseCategory;
    use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconcile, Reconciler};

    pub fn reconcile<R: Reconciler>(v: &String, r: R) -> Result<(), R::Error> {
        v.reconcile(r)
    }

    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<String, HydrateError> {
        let stored = String::hydrate(doc, obj, prop)?;
        Ok(CauseCategory::ALL
            .into_iter()
            .find(|c| c.stored_name() == stored)
            .map(|c| c.key().to_string())
            .unwrap_or(stored))
    }
}

/// The investigated cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Cause {
    /// Class: a key of the company's cause list ([`crate::settings::CauseClass`]).
    #[autosurgeon(with = "cause_key")]
    pub category: String,
    /// Details.
    pub text: String,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
}

/// A measure agreed with an owner and a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Measure {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// What will be done.
    pub description: String,
    /// Who does it.
    pub owner: UserId,
    /// By when.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub deadline: DateTime<Utc>,
    /// When done.
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub done_at: Option<DateTime<Utc>>,
}

/// A dated note: the customer kept informed, or the customer's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ComplaintNote"))]
pub struct Note {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// Text.
    pub text: String,
    /// For verdicts: was the customer satisfied.
    pub satisfied: Option<bool>,
}

/// One status change, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComplaintStatusChange {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who, in which role.
    pub by: Actor,
    /// From.
    pub from: ComplaintStatus,
    /// To.
    pub to: ComplaintStatus,
}

/// A complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComplaintDoc {
    /// Schema version.
    pub schema_version: u64,
    /// Id, also the document id.
    pub id: ComplaintId,
    /// Human number.
    pub number: String,
    /// Who complains.
    pub complainant: String,
    /// Phone.
    pub phone: String,
    /// Other contact details.
    pub contact: String,
    /// What happened.
    pub content: String,
    /// What they ask for (诉求).
    pub demand: String,
    /// The related order.
    pub order: Option<OrderId>,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: ComplaintStatus,
    /// When received: the start of the complaint clocks.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub received_at: DateTime<Utc>,
    /// Owner.
    pub owner: Option<UserId>,
    /// First contact (1 h clock).
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub first_contact_at: Option<DateTime<Utc>>,
    /// Investigated cause.
    pub cause: Option<Cause>,
    /// Measures.
    pub measures: Vec<Measure>,
    /// Customer kept informed, and verdicts.
    pub updates: Vec<Note>,
    /// When closed (customer satisfied).
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Follow-ups after closing.
    pub follow_ups: Vec<FollowUp>,
    /// Status history.
    pub history: Vec<ComplaintStatusChange>,
    /// What the server found (its SLA clocks, concurrent values of a decision field),
    /// as on an order; written by the server, resolved by the roles the kind names.
    /// Complaints made before the server flagged them have no such key.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub flags: Vec<Flag>,
}

/// What is known when a complaint is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewComplaint {
    /// Id.
    pub id: ComplaintId,
    /// Number.
    pub number: String,
    /// Complainant.
    pub complainant: String,
    /// Phone.
    pub phone: String,
    /// Other contact details.
    pub contact: String,
    /// Content.
    pub content: String,
    /// Demand.
    pub demand: String,
    /// Related order.
    pub order: Option<OrderId>,
    /// Severity.
    pub severity: Severity,
}

/// Every edit of a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum ComplaintOp {
    /// First contact with the complainant.
    FirstContact {
        /// Record id of the note.
        id: RecordId,
        /// What was said.
        note: String,
    },
    /// Set the owner.
    Assign {
        /// Owner.
        owner: UserId,
    },
    /// General → major.
    Escalate,
    /// Record the cause.
    RecordCause {
        /// Class: a key of the company's cause list.
        category: String,
        /// Details.
        text: String,
    },
    /// Agree a measure.
    AgreeMeasure {
        /// Record id.
        id: RecordId,
        /// What.
        description: String,
        /// Owner.
        owner: UserId,
        /// Deadline.
        deadline: DateTime<Utc>,
    },
    /// A measure is done.
    CompleteMeasure {
        /// Record id.
        id: RecordId,
    },
    /// Keep the customer informed.
    InformCustomer {
        /// Record id.
        id: RecordId,
        /// What they were told.
        text: String,
    },
    /// All measures done: ask the customer.
    Resolve,
    /// The customer's verdict: satisfied closes, not satisfied handles it again.
    CustomerVerdict {
        /// Record id.
        id: RecordId,
        /// Satisfied.
        satisfied: bool,
        /// Comment.
        comment: String,
    },
    /// Follow-up after closing.
    FollowUp {
        /// Record id.
        id: RecordId,
        /// Channel.
        channel: ContactChannel,
        /// Score 1–5.
        score: Option<u8>,
        /// Comment.
        comment: String,
    },
    /// Settle a flag the server raised: a conflict with the value kept (`choice`, see
    /// [`crate::doc::complaint_flags`]), a clock with what was done about it.
    ResolveFlag {
        /// The flag.
        id: RecordId,
        /// What was decided, in words.
        note: String,
        /// For a conflict: the value that stands.
        choice: Option<String>,
    },
    /// The server's own: a finding written into the complaint.
    RaiseFlag {
        /// The flag.
        flag: Flag,
    },
}

impl ComplaintOp {
    fn name_str(&self) -> &'static str {
        match self {
            ComplaintOp::FirstContact { .. } => "first_contact",
            ComplaintOp::Assign { .. } => "assign",
            ComplaintOp::Escalate => "escalate",
            ComplaintOp::RecordCause { .. } => "record_cause",
            ComplaintOp::AgreeMeasure { .. } => "agree_measure",
            ComplaintOp::CompleteMeasure { .. } => "complete_measure",
            ComplaintOp::InformCustomer { .. } => "inform_customer",
            ComplaintOp::Resolve => "resolve",
            ComplaintOp::CustomerVerdict { .. } => "customer_verdict",
            ComplaintOp::FollowUp { .. } => "follow_up",
            ComplaintOp::ResolveFlag { .. } => "resolve_flag",
            ComplaintOp::RaiseFlag { .. } => "raise_flag",
        }
    }

    /// Steps that decide the handling; on a major complaint only a supervisor takes them.
    fn is_handling(&self) -> bool {
        matches!(
            self,
            ComplaintOp::Assign { .. }
                | ComplaintOp::AgreeMeasure { .. }
                | ComplaintOp::Resolve
                | ComplaintOp::CustomerVerdict { .. }
        )
    }
}

/// A refused complaint operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    /// Complaints are handled by office staff.
    #[error("a {role} may not {action} a complaint (rule: who may do what)")]
    RoleNotPermitted {
        /// Role.
        role: Role,
        /// Action.
        action: &'static str,
    },
    /// Major complaints go to the supervisor.
    #[error("a major complaint is handled by a supervisor (rule: major complaints go to the supervisor)")]
    MajorNeedsSupervisor,
    /// The action does not fit the status.
    #[error("cannot {action} a complaint that is {status:?}")]
    NotAllowedInStatus {
        /// Action.
        action: &'static str,
        /// Status.
        status: ComplaintStatus,
    },
    /// Investigate before agreeing measures.
    #[error("record the cause before agreeing measures (rule: investigate the cause)")]
    CauseMissing,
    /// A cause class the company does not classify complaints by.
    #[error("{key} is not one of the company's complaint causes")]
    UnknownCause {
        /// The key given.
        key: String,
    },
    /// Measures with owner and deadline first.
    #[error("no measures agreed (rule: agree measures with an owner and a deadline)")]
    MeasuresMissing,
    /// Every measure done before resolving.
    #[error("{open} measure(s) not done yet")]
    MeasuresOpen {
        /// How many.
        open: usize,
    },
    /// Unknown record.
    #[error("no record {id} on this complaint")]
    UnknownRecord {
        /// Id.
        id: String,
    },
    /// Repeated record.
    #[error("record {id} already exists on this complaint")]
    DuplicateRecord {
        /// Id.
        id: String,
    },
    /// Empty field.
    #[error("{field} must not be empty")]
    EmptyField {
        /// Field.
        field: &'static str,
    },
    /// Score outside 1–5.
    #[error("score {score} is outside 1–5")]
    InvalidScore {
        /// Score.
        score: u8,
    },
    /// No such flag.
    #[error("no flag {id} on this complaint")]
    UnknownFlag {
        /// Id.
        id: String,
    },
    /// Resolved already.
    #[error("flag {id} is resolved already")]
    FlagAlreadyResolved {
        /// Id.
        id: String,
    },
    /// The role may not resolve this kind of flag.
    #[error("a {role} may not resolve a {kind} flag")]
    FlagNotAllowed {
        /// Role.
        role: Role,
        /// The flag's kind.
        kind: &'static str,
    },
    /// A conflict's choice that is not a value of the field.
    #[error("{choice} is not a value of {field}")]
    InvalidChoice {
        /// Field.
        field: String,
        /// Choice.
        choice: String,
    },
    /// Only the server raises flags.
    #[error("only the server may {action}")]
    NotAServerAction {
        /// Action.
        action: &'static str,
    },
}

impl ComplaintError {
    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            ComplaintError::RoleNotPermitted { .. } => "errors.complaint.role_not_permitted",
            ComplaintError::MajorNeedsSupervisor => "errors.complaint.major_needs_supervisor",
            ComplaintError::NotAllowedInStatus { .. } => "errors.complaint.not_allowed_in_status",
            ComplaintError::CauseMissing => "errors.complaint.cause_missing",
            ComplaintError::UnknownCause { .. } => "errors.complaint.unknown_cause",
            ComplaintError::MeasuresMissing => "errors.complaint.measures_missing",
            ComplaintError::MeasuresOpen { .. } => "errors.complaint.measures_open",
            ComplaintError::UnknownRecord { .. } => "errors.complaint.unknown_record",
            ComplaintError::DuplicateRecord { .. } => "errors.complaint.duplicate_record",
            ComplaintError::EmptyField { .. } => "errors.complaint.empty_field",
            ComplaintError::InvalidScore { .. } => "errors.complaint.invalid_score",
            ComplaintError::UnknownFlag { .. } => "errors.flag.unknown",
            ComplaintError::FlagAlreadyResolved { .. } => "errors.flag.already_resolved",
            ComplaintError::FlagNotAllowed { .. } => "errors.flag.not_allowed",
            ComplaintError::InvalidChoice { .. } => "errors.flag.invalid_choice",
            ComplaintError::NotAServerAction { .. } => "errors.complaint.not_a_server_action",
        }
    }
}

impl Operation for ComplaintOp {
    type Doc = ComplaintDoc;
    fn name(&self) -> &'static str {
        self.name_str()
    }
    fn apply_to(&self, doc: &mut ComplaintDoc, ctx: &Ctx<'_>) -> Result<(), DomainError> {
        doc.apply(self, ctx).map_err(DomainError::from)
    }
}

/// Whether `role` records and handles complaints: dispatchers and supervisors.
pub fn handles_complaints(role: Role) -> bool {
    matches!(role, Role::Dispatcher | Role::Supervisor)
}

fn non_empty(s: &str, field: &'static str) -> Result<(), ComplaintError> {
    if s.trim().is_empty() {
        Err(ComplaintError::EmptyField { field })
    } else {
        Ok(())
    }
}

impl ComplaintDoc {
    /// Records a new complaint. Office roles only.
    pub fn new(new: NewComplaint, ctx: &Ctx<'_>) -> Result<ComplaintDoc, ComplaintError> {
        if !handles_complaints(ctx.actor.role) {
            return Err(ComplaintError::RoleNotPermitted {
                role: ctx.actor.role,
                action: "create",
            });
        }
        non_empty(&new.content, "content")?;
        Ok(ComplaintDoc {
            schema_version: COMPLAINT_SCHEMA_VERSION,
            id: new.id,
            number: new.number,
            complainant: new.complainant,
            phone: new.phone,
            contact: new.contact,
            content: new.content,
            demand: new.demand,
            order: new.order,
            severity: new.severity,
            status: ComplaintStatus::Open,
            received_at: ctx.now,
            owner: None,
            first_contact_at: None,
            cause: None,
            measures: vec![],
            updates: vec![],
            closed_at: None,
            follow_ups: vec![],
            history: vec![],
            flags: vec![],
        })
    }

    fn fresh(&self, id: RecordId) -> Result<(), ComplaintError> {
        let used = self.updates.iter().any(|n| n.id == id)
            || self.measures.iter().any(|m| m.id == id)
            || self.follow_ups.iter().any(|f| f.id == id);
        if used {
            Err(ComplaintError::DuplicateRecord { id: id.to_string() })
        } else {
            Ok(())
        }
    }

    /// Validates and applies `op`; on error the complaint is unchanged.
    pub fn apply(&mut self, op: &ComplaintOp, ctx: &Ctx<'_>) -> Result<(), ComplaintError> {
        use ComplaintStatus as S;
        let action = op.name_str();
        let role = ctx.actor.role;
        if !handles_complaints(role) {
            return Err(ComplaintError::RoleNotPermitted { role, action });
        }
        // Flags stand outside the cycle: a conflict on the status itself may need
        // settling on a closed complaint, and a major complaint's clock flag is the
        // dispatcher's to answer as on an order.
        match op {
            ComplaintOp::ResolveFlag { id, note, choice } => {
                return self.resolve_flag_as(ctx, *id, note, choice.as_deref());
            }
            ComplaintOp::RaiseFlag { .. } => {
                return Err(ComplaintError::NotAServerAction { action });
            }
            _ => {}
        }
        if self.severity == Severity::Major && op.is_handling() && role != Role::Supervisor {
            return Err(ComplaintError::MajorNeedsSupervisor);
        }
        let status = self.status;
        let not_here = || ComplaintError::NotAllowedInStatus { action, status };
        if status == S::Closed && !matches!(op, ComplaintOp::FollowUp { .. }) {
            return Err(not_here());
        }
        let now = ctx.now;
        let by = ctx.actor.user;
        let mut next = self.clone();
        let to = match op {
            ComplaintOp::FirstContact { id, note } => {
                self.fresh(*id)?;
                non_empty(note, "note")?;
                if status != S::Open {
                    return Err(not_here());
                }
                next.first_contact_at = Some(now);
                next.updates.push(Note {
                    id: *id,
                    at: now,
                    by,
                    text: note.clone(),
                    satisfied: None,
                });
                S::Contacted
            }
            ComplaintOp::Assign { owner } => {
                next.owner = Some(*owner);
                status
            }
            ComplaintOp::Escalate => {
                if self.severity == Severity::Major {
                    return Err(not_here());
                }
                next.severity = Severity::Major;
                status
            }
            ComplaintOp::RecordCause { category, text } => {
                if status == S::Open {
                    return Err(not_here());
                }
                non_empty(text, "cause")?;
                if ctx.settings.cause_class(category).is_none() {
                    return Err(ComplaintError::UnknownCause {
                        key: category.clone(),
                    });
                }
                next.cause = Some(Cause {
                    category: category.clone(),
                    text: text.clone(),
                    at: now,
                    by,
                });
                status
            }
            ComplaintOp::AgreeMeasure {
                id,
                description,
                owner,
                deadline,
            } => {
                self.fresh(*id)?;
                if !matches!(status, S::Contacted | S::MeasuresAgreed) {
                    return Err(not_here());
                }
                if self.cause.is_none() {
                    return Err(ComplaintError::CauseMissing);
                }
                non_empty(description, "description")?;
                next.measures.push(Measure {
                    id: *id,
                    description: description.clone(),
                    owner: *owner,
                    deadline: *deadline,
                    done_at: None,
                });
                S::MeasuresAgreed
            }
            ComplaintOp::CompleteMeasure { id } => {
                let m = next
                    .measures
                    .iter_mut()
                    .find(|m| m.id == *id)
                    .ok_or_else(|| ComplaintError::UnknownRecord { id: id.to_string() })?;
                if m.done_at.is_none() {
                    m.done_at = Some(now);
                }
                status
            }
            ComplaintOp::InformCustomer { id, text } => {
                self.fresh(*id)?;
                non_empty(text, "text")?;
                next.updates.push(Note {
                    id: *id,
                    at: now,
                    by,
                    text: text.clone(),
                    satisfied: None,
                });
                status
            }
            ComplaintOp::Resolve => {
                if status != S::MeasuresAgreed {
                    return Err(if status == S::Contacted {
                        ComplaintError::MeasuresMissing
                    } else {
                        not_here()
                    });
                }
                let open = self.measures.iter().filter(|m| m.done_at.is_none()).count();
                if self.measures.is_empty() {
                    return Err(ComplaintError::MeasuresMissing);
                }
                if open > 0 {
                    return Err(ComplaintError::MeasuresOpen { open });
                }
                S::Resolved
            }
            ComplaintOp::CustomerVerdict {
                id,
                satisfied,
                comment,
            } => {
                self.fresh(*id)?;
                if status != S::Resolved {
                    return Err(not_here());
                }
                next.updates.push(Note {
                    id: *id,
                    at: now,
                    by,
                    text: comment.clone(),
                    satisfied: Some(*satisfied),
                });
                if *satisfied {
                    next.closed_at = Some(now);
                    S::Closed
                } else {
                    // Not satisfied: handled again, with new measures.
                    S::Contacted
                }
            }
            ComplaintOp::FollowUp {
                id,
                channel,
                score,
                comment,
            } => {
                self.fresh(*id)?;
                if status != S::Closed {
                    return Err(not_here());
                }
                if let Some(s) = score.filter(|s| !(1..=5).contains(s)) {
                    return Err(ComplaintError::InvalidScore { score: s });
                }
                next.follow_ups.push(FollowUp {
                    id: *id,
                    at: now,
                    by,
                    channel: *channel,
                    score: *score,
                    comment: comment.clone(),
                });
                status
            }
            ComplaintOp::ResolveFlag { .. } | ComplaintOp::RaiseFlag { .. } => status,
        };
        if to != status {
            next.history.push(ComplaintStatusChange {
                id: RecordId::new_at(now),
                at: now,
                by: ctx.actor,
                from: status,
                to,
            });
            next.status = to;
        }
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::fixtures::{rid, t0, uuid, Cast};
    use crate::settings::Settings;

    struct C {
        doc: ComplaintDoc,
        s: Settings,
        cal: Calendar,
        cast: Cast,
    }

    impl C {
        fn new(severity: Severity) -> Result<Self, ComplaintError> {
            let (s, cal, cast) = (Settings::default(), Calendar::default(), Cast::default());
            let ctx = Ctx {
                actor: cast.dispatcher,
                now: t0(),
                settings: &s,
                calendar: &cal,
            };
            let doc = ComplaintDoc::new(
                NewComplaint {
                    id: ComplaintId(uuid(70)),
                    number: "TS-1".into(),
                    complainant: "王芳".into(),
                    phone: "13800138000".into(),
                    contact: String::new(),
                    content: "technician was 3 hours late".into(),
                    demand: "apology and fee waived".into(),
                    order: None,
                    severity,
                },
                &ctx,
            )?;
            Ok(C { doc, s, cal, cast })
        }
        fn run(&mut self, actor: Actor, op: ComplaintOp) -> Result<(), ComplaintError> {
            let ctx = Ctx {
                actor,
                now: t0(),
                settings: &self.s,
                calendar: &self.cal,
            };
            self.doc.apply(&op, &ctx)
        }
    }

    fn handle_until_resolved(c: &mut C, actor: Actor) -> Result<(), ComplaintError> {
        c.run(
            c.cast.dispatcher,
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "called back".into(),
            },
        )?;
        c.run(
            c.cast.dispatcher,
            ComplaintOp::RecordCause {
                category: CauseCategory::Timeliness.into(),
                text: "traffic".into(),
            },
        )?;
        c.run(
            actor,
            ComplaintOp::AgreeMeasure {
                id: rid(2),
                description: "waive call-out fee".into(),
                owner: actor.user,
                deadline: t0(),
            },
        )?;
        c.run(actor, ComplaintOp::CompleteMeasure { id: rid(2) })?;
        c.run(actor, ComplaintOp::Resolve)
    }

    #[test]
    fn complaint_closes_only_when_the_customer_is_satisfied() -> Result<(), ComplaintError> {
        let mut c = C::new(Severity::General)?;
        let d = c.cast.dispatcher;
        handle_until_resolved(&mut c, d)?;
        c.run(
            d,
            ComplaintOp::CustomerVerdict {
                id: rid(3),
                satisfied: false,
                comment: "not enough".into(),
            },
        )?;
        assert_eq!(
            c.doc.status,
            ComplaintStatus::Contacted,
            "not satisfied: handled again"
        );
        c.run(
            d,
            ComplaintOp::AgreeMeasure {
                id: rid(4),
                description: "voucher".into(),
                owner: d.user,
                deadline: t0(),
            },
        )?;
        assert_eq!(
            c.run(d, ComplaintOp::Resolve),
            Err(ComplaintError::MeasuresOpen { open: 1 })
        );
        c.run(d, ComplaintOp::CompleteMeasure { id: rid(4) })?;
        c.run(d, ComplaintOp::Resolve)?;
        c.run(
            d,
            ComplaintOp::CustomerVerdict {
                id: rid(5),
                satisfied: true,
                comment: "ok".into(),
            },
        )?;
        assert_eq!(c.doc.status, ComplaintStatus::Closed);
        assert!(c.doc.closed_at.is_some());
        c.run(
            d,
            ComplaintOp::FollowUp {
                id: rid(6),
                channel: ContactChannel::Phone,
                score: Some(4),
                comment: String::new(),
            },
        )?;
        Ok(())
    }

    #[test]
    fn major_complaint_goes_to_the_supervisor() -> Result<(), ComplaintError> {
        let mut c = C::new(Severity::Major)?;
        let d = c.cast.dispatcher;
        c.run(
            d,
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "called".into(),
            },
        )?;
        c.run(
            d,
            ComplaintOp::RecordCause {
                category: CauseCategory::RepairQuality.into(),
                text: "repeat fault".into(),
            },
        )?;
        let e = c.run(
            d,
            ComplaintOp::AgreeMeasure {
                id: rid(2),
                description: "x".into(),
                owner: d.user,
                deadline: t0(),
            },
        );
        assert_eq!(e, Err(ComplaintError::MajorNeedsSupervisor));
        let sup = c.cast.supervisor;
        c.run(
            sup,
            ComplaintOp::AgreeMeasure {
                id: rid(2),
                description: "replace unit".into(),
                owner: sup.user,
                deadline: t0(),
            },
        )?;
        Ok(())
    }

    #[test]
    fn the_cause_is_one_of_the_companys_classes() -> Result<(), Box<dyn std::error::Error>> {
        let mut c = C::new(Severity::General)?;
        let d = c.cast.dispatcher;
        c.run(
            d,
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "called".into(),
            },
        )?;
        // The company replaced the default classes with its own.
        c.s.complaint_causes = vec![crate::settings::CauseClass {
            key: "delivery".into(),
            en: "Delivery".into(),
            zh: "物流".into(),
        }];
        let cause = |key: &str| ComplaintOp::RecordCause {
            category: key.into(),
            text: "late".into(),
        };
        assert_eq!(
            c.run(d, cause("timeliness")),
            Err(ComplaintError::UnknownCause {
                key: "timeliness".into()
            }),
            "a class no longer in the list"
        );
        assert_eq!(c.doc.cause, None);
        c.run(d, cause("delivery"))?;
        assert_eq!(
            c.doc.cause.as_ref().map(|c| c.category.as_str()),
            Some("delivery")
        );
        Ok(())
    }

    #[test]
    fn a_cause_stored_as_the_old_class_reads_as_its_key() -> Result<(), Box<dyn std::error::Error>>
    {
        use automerge::transaction::Transactable;
        let mut c = C::new(Severity::General)?;
        c.doc.status = ComplaintStatus::Contacted;
        c.doc.cause = Some(Cause {
            category: "repair_quality".into(),
            text: "repeat fault".into(),
            at: t0(),
            by: c.cast.dispatcher.user,
        });
        let mut am = automerge::AutoCommit::new();
        autosurgeon::reconcile(&mut am, &c.doc)?;
        // What a build with the fixed enum wrote: the variant's name.
        let cause = match automerge::ReadDoc::get(&am, automerge::ROOT, "cause")? {
            Some((_, id)) => id,
            None => return Err("no cause written".into()),
        };
        am.put(&cause, "category", "StaffAttitude")?;
        let back: ComplaintDoc = autosurgeon::hydrate(&am)?;
        assert_eq!(
            back.cause.map(|c| c.category),
            Some("staff_attitude".to_string())
        );
        Ok(())
    }

    #[test]
    fn measures_need_an_investigated_cause() -> Result<(), ComplaintError> {
        let mut c = C::new(Severity::General)?;
        let d = c.cast.dispatcher;
        c.run(
            d,
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "called".into(),
            },
        )?;
        let e = c.run(
            d,
            ComplaintOp::AgreeMeasure {
                id: rid(2),
                description: "x".into(),
                owner: d.user,
                deadline: t0(),
            },
        );
        assert_eq!(e, Err(ComplaintError::CauseMissing));
        assert_eq!(
            c.run(d, ComplaintOp::Resolve),
            Err(ComplaintError::MeasuresMissing)
        );
        Ok(())
    }

    #[test]
    fn technicians_do_not_handle_complaints() -> Result<(), ComplaintError> {
        let mut c = C::new(Severity::General)?;
        let t = c.cast.technician;
        let e = c.run(
            t,
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "x".into(),
            },
        );
        assert!(matches!(e, Err(ComplaintError::RoleNotPermitted { .. })));
        assert_eq!(
            e.err().map(|e| e.code()),
            Some("errors.complaint.role_not_permitted")
        );
        Ok(())
    }

    #[test]
    fn escalation_makes_a_complaint_major() -> Result<(), ComplaintError> {
        let mut c = C::new(Severity::General)?;
        c.run(c.cast.dispatcher, ComplaintOp::Escalate)?;
        assert_eq!(c.doc.severity, Severity::Major);
        Ok(())
    }
}
