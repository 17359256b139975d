//! The repair order document (维修工单): its schema, its creation, and every domain
//! operation on it ([`OrderOp`]). Validation goes through [`crate::lifecycle::check`].

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::{Document, Operation, TimeWindow};
use crate::error::DomainError;
use crate::ids::{LocationId, OrderId, PartId, RecordId, UserId};
use crate::lifecycle::{self, OrderState, Transition, TransitionError};
use crate::money::Money;
use crate::ops::Ctx;
use crate::records::order::*;
use crate::records::request::{Customer, Priority, Product, ServiceMode, ServiceRequest};
use crate::role::Role;
use crate::signoff;
use crate::stock::{Movement, MovementKind};
use crate::warranty::{self, ChargeBasis};

/// The order document schema version this build writes.
pub const ORDER_SCHEMA_VERSION: u64 = 1;

/// Everything about one repair order. Each field at the top level is a register (last
/// writer wins, concurrent values surfaced by [`crate::doc::conflicts`]); each `Vec` is a
/// list keyed by a stable id, so concurrent additions all survive a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderDoc {
    /// Schema version ([`ORDER_SCHEMA_VERSION`]).
    pub schema_version: u64,
    /// The order's id, also the document id.
    pub id: OrderId,
    /// Human order number, e.g. `WO-2026-000123`.
    pub number: String,
    /// The service request it came from.
    pub request: ServiceRequest,
    /// Customer snapshot.
    pub customer: Customer,
    /// Product snapshot.
    pub product: Product,
    /// On-site, mail-in or carry-in.
    pub mode: ServiceMode,
    /// Normal or emergency.
    pub priority: Priority,
    /// Fault code used to recognise a repeat of the same fault.
    pub fault_code: String,
    /// Damage caused by the customer was found.
    pub customer_damage: bool,
    /// Free or chargeable, and why.
    pub charge: ChargeBasis,
    /// Earlier order whose repair warranty makes this one free.
    pub repeat_of: Option<OrderId>,
    /// Lifecycle state.
    pub state: OrderState,
    /// The assigned technician.
    pub assignee: Option<UserId>,
    /// Agreed visit or pick-up window.
    pub schedule: Option<TimeWindow>,
    /// When the order was (last) dispatched: the start of the contact clock.
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub dispatched_at: Option<DateTime<Utc>>,
    /// Contact attempts.
    pub contacts: Vec<ContactAttempt>,
    /// Visits.
    pub visits: Vec<Visit>,
    /// Receipt (mail-in, carry-in).
    pub receipt: Option<Receipt>,
    /// Fault confirmed with the customer.
    pub fault_confirmed: Option<FaultConfirmation>,
    /// Diagnosis and plan.
    pub diagnosis: Option<Diagnosis>,
    /// Plan approval (when the company requires it).
    pub plan_approval: Option<Approval>,
    /// Customer consent to plan and fee.
    pub consent: Option<Consent>,
    /// The fee charged; zero when free.
    pub fee: Money,
    /// Supervisor fee overrides.
    pub fee_overrides: Vec<FeeOverride>,
    /// Repair steps.
    pub steps: Vec<RepairStep>,
    /// Parts used.
    pub parts: Vec<PartUse>,
    /// Functional tests.
    pub tests: Vec<TestResult>,
    /// Objections at sign-off.
    pub objections: Vec<Objection>,
    /// The customer's sign-off.
    pub sign_off: Option<SignOff>,
    /// Shipping back (mail-in).
    pub shipment: Option<Shipment>,
    /// When the order was (last) closed.
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub closed_at: Option<DateTime<Utc>>,
    /// The current hold.
    pub hold: Option<Hold>,
    /// The cancellation.
    pub cancellation: Option<Cancellation>,
    /// Satisfaction follow-ups.
    pub follow_ups: Vec<FollowUp>,
    /// Photos.
    pub photos: Vec<PhotoRef>,
    /// Comments.
    pub comments: Vec<Comment>,
    /// Authorisations to work on customer data.
    pub data_authorisations: Vec<DataAuthorisation>,
    /// State history: the lifecycle's audit trail.
    pub history: Vec<StateChange>,
    /// Findings of the server's reconciliation for a person to resolve. Documents
    /// written before flags existed have no such key and read as none.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub flags: Vec<Flag>,
}

impl Document for OrderDoc {
    const KIND: &'static str = "order";
    const SCHEMA_VERSION: u64 = ORDER_SCHEMA_VERSION;
    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn reconcile_changes(
        doc: &mut automerge::AutoCommit,
        before: &Self,
        after: &Self,
    ) -> Result<(), autosurgeon::ReconcileError> {
        use crate::doc::{reconcile_field, reconcile_list};
        macro_rules! fields {
            ($($f:ident),*) => { $( reconcile_field(doc, stringify!($f), &before.$f, &after.$f)?; )* };
        }
        macro_rules! lists {
            ($($f:ident),*) => { $( reconcile_list(doc, stringify!($f), &before.$f, &after.$f)?; )* };
        }
        // Every field must be listed here; the test `reconcile_changes_covers_every_field`
        // catches one that is not.
        fields!(
            schema_version,
            id,
            number,
            request,
            customer,
            product,
            mode,
            priority,
            fault_code,
            customer_damage,
            charge,
            repeat_of,
            state,
            assignee,
            schedule,
            receipt,
            fault_confirmed,
            diagnosis,
            plan_approval,
            consent,
            fee,
            sign_off,
            shipment,
            hold,
            cancellation
        );
        use crate::doc::am::OptTimeRef;
        reconcile_field(
            doc,
            "dispatched_at",
            &OptTimeRef(&before.dispatched_at),
            &OptTimeRef(&after.dispatched_at),
        )?;
        reconcile_field(
            doc,
            "closed_at",
            &OptTimeRef(&before.closed_at),
            &OptTimeRef(&after.closed_at),
        )?;
        lists!(
            contacts,
            visits,
            fee_overrides,
            steps,
            parts,
            tests,
            objections,
            follow_ups,
            photos,
            comments,
            data_authorisations,
            history
        );
        reconcile_flags(doc, &before.flags, &after.flags)?;
        // A conflict settled by a supervisor is written afresh, even when the value kept
        // is the one Automerge already shows: the new write supersedes every concurrent
        // value, so the register holds one value again on every replica.
        for flag in &after.flags {
            let newly_resolved = flag.kind == FlagKind::Conflict
                && flag.resolution.is_some()
                && before
                    .flags
                    .iter()
                    .any(|b| b.id == flag.id && b.resolution.is_none());
            if newly_resolved {
                reconcile_afresh(doc, &flag.subject, after)?;
            }
        }
        Ok(())
    }
}

/// Writes the flags. Resolving a flag writes only that flag's `resolution`, so two
/// people resolving two different flags at once never write over each other's flags;
/// anything else (the server adding flags) goes through [`reconcile_list`].
fn reconcile_flags(
    doc: &mut automerge::AutoCommit,
    before: &[Flag],
    after: &[Flag],
) -> Result<(), autosurgeon::ReconcileError> {
    use automerge::{ObjType, ReadDoc as _, Value};
    let only_resolutions = before.len() == after.len()
        && before.iter().zip(after).all(|(b, a)| {
            b.id == a.id
                && b.kind == a.kind
                && b.subject == a.subject
                && b.detail == a.detail
                && b.for_role == a.for_role
                && b.raised_at == a.raised_at
        });
    if only_resolutions && before != after {
        if let Ok(Some((Value::Object(ObjType::List), list))) = doc.get(automerge::ROOT, "flags") {
            if doc.length(&list) == before.len() {
                for (i, (b, a)) in before.iter().zip(after).enumerate() {
                    if b.resolution == a.resolution {
                        continue;
                    }
                    let Ok(Some((Value::Object(ObjType::Map), item))) = doc.get(&list, i) else {
                        return crate::doc::reconcile_list(doc, "flags", before, after);
                    };
                    autosurgeon::reconcile_prop(doc, &item, "resolution", &a.resolution)?;
                }
                return Ok(());
            }
        }
    }
    crate::doc::reconcile_list(doc, "flags", before, after)
}

/// The top-level registers a conflict can be decided on ([`OrderOp::ResolveFlag`] with a
/// `choice`): every field but the identity, the schema version and the keyed lists.
pub const DECIDABLE_FIELDS: [&str; 25] = [
    "number",
    "request",
    "customer",
    "product",
    "mode",
    "priority",
    "fault_code",
    "customer_damage",
    "charge",
    "repeat_of",
    "state",
    "assignee",
    "schedule",
    "dispatched_at",
    "receipt",
    "fault_confirmed",
    "diagnosis",
    "plan_approval",
    "consent",
    "fee",
    "sign_off",
    "shipment",
    "closed_at",
    "hold",
    "cancellation",
];

/// Deletes the register `key` and writes `after`'s value into it again. Deleting first
/// matters for object values (a window, a sign-off): reconciling into the existing
/// object would keep the concurrent losing object beside it.
fn reconcile_afresh(
    doc: &mut automerge::AutoCommit,
    key: &str,
    after: &OrderDoc,
) -> Result<(), autosurgeon::ReconcileError> {
    use automerge::transaction::Transactable as _;
    use autosurgeon::reconcile_prop;
    if !DECIDABLE_FIELDS.contains(&key) {
        return Ok(());
    }
    doc.delete(automerge::ROOT, key)?;
    macro_rules! afresh {
        ($($f:ident),*) => {
            match key {
                $( stringify!($f) => reconcile_prop(doc, automerge::ROOT, key, &after.$f), )*
                "dispatched_at" => reconcile_prop(
                    doc,
                    automerge::ROOT,
                    key,
                    &crate::doc::am::OptTimeRef(&after.dispatched_at),
                ),
                "closed_at" => reconcile_prop(
                    doc,
                    automerge::ROOT,
                    key,
                    &crate::doc::am::OptTimeRef(&after.closed_at),
                ),
                _ => Ok(()),
            }
        };
    }
    afresh!(
        number,
        request,
        customer,
        product,
        mode,
        priority,
        fault_code,
        customer_damage,
        charge,
        repeat_of,
        state,
        assignee,
        schedule,
        receipt,
        fault_confirmed,
        diagnosis,
        plan_approval,
        consent,
        fee,
        sign_off,
        shipment,
        hold,
        cancellation
    )
}

/// What intake knows when it creates an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewOrder {
    /// Id (UUID v7), made by the caller.
    pub id: OrderId,
    /// Human order number.
    pub number: String,
    /// The service request.
    pub request: ServiceRequest,
    /// Customer.
    pub customer: Customer,
    /// Product.
    pub product: Product,
    /// Service mode.
    pub mode: ServiceMode,
    /// Priority.
    pub priority: Priority,
    /// Fault code.
    pub fault_code: String,
    /// External damage caused by the customer, as seen at intake.
    pub customer_damage: bool,
    /// Earlier repairs of this product, for the repeat-repair warranty.
    pub prior_repairs: Vec<PriorRepair>,
}

/// Every edit of an order. Record ids inside an op are made by the caller, so an op is
/// the same on every replica and a repeated op is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum OrderOp {
    /// Assign a technician and dispatch.
    Dispatch {
        /// Technician.
        assignee: UserId,
        /// Agreed window, if any.
        window: Option<TimeWindow>,
    },
    /// Reassign.
    Assign {
        /// Technician.
        assignee: UserId,
    },
    /// Agree a time window.
    Schedule {
        /// Window.
        window: TimeWindow,
    },
    /// Log a contact attempt.
    LogContact {
        /// Record id.
        id: RecordId,
        /// Channel.
        channel: ContactChannel,
        /// Customer reached.
        reached: bool,
        /// Notes.
        note: String,
    },
    /// Arrive on site.
    CheckIn {
        /// Visit id.
        visit: RecordId,
    },
    /// Show work ID at the open visit.
    ShowWorkId,
    /// Leave.
    CheckOut,
    /// Product received (mail-in, carry-in).
    Receive {
        /// Condition on arrival.
        condition: String,
    },
    /// Confirm product and fault with the customer.
    ConfirmFault {
        /// The fault as confirmed.
        note: String,
    },
    /// Record cause and plan.
    RecordDiagnosis {
        /// Cause.
        cause: String,
        /// Measures.
        plan: String,
        /// Part numbers.
        parts: Vec<String>,
        /// Tools.
        tools: String,
        /// Estimated minutes.
        estimated_minutes: u32,
        /// Fee estimate (zero when free).
        estimated_fee: Money,
        /// Risks explained.
        risks: String,
    },
    /// Approve the plan.
    ApprovePlan {
        /// Notes.
        note: String,
    },
    /// Record the customer's consent.
    RecordConsent {
        /// Customer name.
        customer_name: String,
        /// Fee agreed (required when chargeable).
        fee_agreed: Option<Money>,
    },
    /// Customer damage found or ruled out before consent.
    ReassessCharge {
        /// Damaged by the customer.
        customer_damage: bool,
    },
    /// A repair step.
    AddRepairStep {
        /// Record id.
        id: RecordId,
        /// What was done.
        description: String,
        /// Minutes.
        minutes: u32,
    },
    /// A part used from a van.
    UsePart {
        /// Record id.
        id: RecordId,
        /// Catalog part.
        part: PartId,
        /// Part number.
        part_number: String,
        /// From the catalog: genuine or certified.
        certified: bool,
        /// From the catalog: serialized.
        serialized: bool,
        /// Quantity.
        quantity: u32,
        /// New serials.
        serials_new: Vec<String>,
        /// Old serials.
        serials_old: Vec<String>,
        /// Van.
        location: LocationId,
    },
    /// Remove a part line entered by mistake.
    RemovePart {
        /// Record id.
        id: RecordId,
    },
    /// Functional test.
    RecordTest {
        /// Record id.
        id: RecordId,
        /// Passed.
        passed: bool,
        /// Notes.
        notes: String,
        /// Care advice given.
        care_advice_given: bool,
    },
    /// Customer signs off.
    SignOff {
        /// Signer.
        signer: String,
        /// Rating 1–5.
        rating: Option<u8>,
        /// Signature blob hash.
        signature_blob: String,
    },
    /// Customer objects: back to rework.
    Object {
        /// Record id.
        id: RecordId,
        /// Signer.
        signer: String,
        /// Objection.
        text: String,
    },
    /// Ship back (mail-in).
    ShipBack {
        /// Carrier.
        carrier: String,
        /// Tracking number.
        tracking: String,
    },
    /// Close.
    Close,
    /// Cancel.
    Cancel {
        /// Why.
        reason: String,
    },
    /// Hold.
    Hold {
        /// Kind.
        kind: HoldKind,
        /// Why.
        reason: String,
    },
    /// Resume from hold.
    Resume,
    /// Reopen a closed order (supervisor).
    Reopen {
        /// Why.
        reason: String,
    },
    /// Override the fee (supervisor).
    OverrideFee {
        /// Record id.
        id: RecordId,
        /// New fee.
        fee: Money,
        /// Why.
        reason: String,
    },
    /// Satisfaction follow-up.
    FollowUp {
        /// Record id.
        id: RecordId,
        /// Channel.
        channel: ContactChannel,
        /// Score 1–5.
        score: Option<u8>,
        /// Comments.
        comment: String,
    },
    /// Comment.
    Comment {
        /// Record id.
        id: RecordId,
        /// Text.
        text: String,
    },
    /// Photo reference.
    AddPhoto {
        /// Blob hash.
        hash: String,
        /// Caption.
        caption: String,
    },
    /// Customer authorises work on data in their device.
    AuthoriseDataAccess {
        /// Record id.
        id: RecordId,
        /// Customer.
        signer: String,
        /// Scope.
        scope: String,
    },
    /// A reconciliation finding. Only the sync server writes it, as itself, through
    /// [`crate::ops::apply_as_server`]; every role is refused.
    RaiseFlag {
        /// The flag, with its id made by the server.
        flag: Flag,
    },
    /// Resolve a flag. For a conflict, `choice` is the value to keep (as the field's
    /// JSON, or plain text for a string or enum such as `cancelled`); `None` keeps the
    /// value shown. Either way the field is written afresh, ending the conflict.
    ResolveFlag {
        /// The flag.
        id: RecordId,
        /// What was done, in words.
        note: String,
        /// The value to keep, for a conflict.
        choice: Option<String>,
    },
    /// The office answers a consultation (咨询) and closes it at intake.
    AnswerConsultation {
        /// The answer given to the customer.
        answer: String,
    },
}

impl OrderOp {
    /// The lifecycle action this op is checked as.
    pub fn transition(&self) -> Transition {
        match self {
            OrderOp::Dispatch { .. } => Transition::Dispatch,
            OrderOp::Assign { .. } => Transition::Assign,
            OrderOp::Schedule { .. } => Transition::Schedule,
            OrderOp::LogContact { reached, .. } => Transition::LogContact { reached: *reached },
            OrderOp::CheckIn { .. } => Transition::CheckIn,
            OrderOp::ShowWorkId => Transition::ShowWorkId,
            OrderOp::CheckOut => Transition::CheckOut,
            OrderOp::Receive { .. } => Transition::Receive,
            OrderOp::ConfirmFault { .. } => Transition::ConfirmFault,
            OrderOp::RecordDiagnosis { .. } => Transition::RecordDiagnosis,
            OrderOp::ApprovePlan { .. } => Transition::ApprovePlan,
            OrderOp::RecordConsent { .. } => Transition::AgreePlan,
            OrderOp::ReassessCharge { .. } => Transition::ReassessCharge,
            OrderOp::AddRepairStep { .. } => Transition::AddRepairStep,
            OrderOp::UsePart { .. } => Transition::UsePart,
            OrderOp::RemovePart { .. } => Transition::RemovePart,
            OrderOp::RecordTest { passed, .. } => Transition::RecordTest { passed: *passed },
            OrderOp::SignOff { .. } => Transition::SignOff,
            OrderOp::Object { .. } => Transition::Object,
            OrderOp::ShipBack { .. } => Transition::ShipBack,
            OrderOp::Close => Transition::Close,
            OrderOp::Cancel { reason } => Transition::Cancel {
                reason: reason.clone(),
            },
            OrderOp::Hold { reason, .. } => Transition::Hold {
                reason: reason.clone(),
            },
            OrderOp::Resume => Transition::Resume,
            OrderOp::Reopen { reason } => Transition::Reopen {
                reason: reason.clone(),
            },
            OrderOp::OverrideFee { .. } => Transition::OverrideFee,
            OrderOp::FollowUp { .. } => Transition::FollowUp,
            OrderOp::Comment { .. } => Transition::Comment,
            OrderOp::AddPhoto { .. } => Transition::AddPhoto,
            OrderOp::AuthoriseDataAccess { .. } => Transition::AuthoriseDataAccess,
            OrderOp::RaiseFlag { .. } => Transition::RaiseFlag,
            OrderOp::ResolveFlag { .. } => Transition::ResolveFlag,
            OrderOp::AnswerConsultation { .. } => Transition::AnswerConsultation,
        }
    }
}

impl Operation for OrderOp {
    type Doc = OrderDoc;
    fn name(&self) -> &'static str {
        self.transition().name()
    }
    fn apply_to(&self, doc: &mut OrderDoc, ctx: &Ctx<'_>) -> Result<(), DomainError> {
        doc.apply(self, ctx).map_err(DomainError::from)
    }
}

fn rating_ok(r: Option<u8>) -> Result<(), TransitionError> {
    match r {
        Some(rating) if !(1..=5).contains(&rating) => {
            Err(TransitionError::InvalidRating { rating })
        }
        _ => Ok(()),
    }
}

fn non_empty(s: &str, field: &'static str) -> Result<(), TransitionError> {
    if s.trim().is_empty() {
        Err(TransitionError::EmptyField { field })
    } else {
        Ok(())
    }
}

fn fresh<T>(list: &[T], id: RecordId, key: impl Fn(&T) -> RecordId) -> Result<(), TransitionError> {
    if list.iter().any(|x| key(x) == id) {
        Err(TransitionError::DuplicateRecord { id: id.to_string() })
    } else {
        Ok(())
    }
}

impl OrderDoc {
    /// A new order from intake, with its warranty check done (rule 2). Only dispatchers
    /// and supervisors create orders.
    pub fn new(new: NewOrder, ctx: &Ctx<'_>) -> Result<OrderDoc, TransitionError> {
        if !matches!(ctx.actor.role, Role::Dispatcher | Role::Supervisor) {
            return Err(TransitionError::RoleNotPermitted {
                role: ctx.actor.role,
                action: "create",
            });
        }
        let assessment = warranty::assess(
            new.product.purchase_date,
            new.customer_damage,
            &new.fault_code,
            &new.prior_repairs,
            ctx.now,
            ctx.calendar,
            ctx.settings,
        );
        Ok(OrderDoc {
            schema_version: ORDER_SCHEMA_VERSION,
            id: new.id,
            number: new.number,
            request: new.request,
            customer: new.customer,
            product: new.product,
            mode: new.mode,
            priority: new.priority,
            fault_code: new.fault_code,
            customer_damage: new.customer_damage,
            charge: assessment.basis,
            repeat_of: assessment.repeat_of,
            state: OrderState::New,
            assignee: None,
            schedule: None,
            dispatched_at: None,
            contacts: vec![],
            visits: vec![],
            receipt: None,
            fault_confirmed: None,
            diagnosis: None,
            plan_approval: None,
            consent: None,
            fee: Money::zero(&ctx.settings.currency),
            fee_overrides: vec![],
            steps: vec![],
            parts: vec![],
            tests: vec![],
            objections: vec![],
            sign_off: None,
            shipment: None,
            closed_at: None,
            hold: None,
            cancellation: None,
            follow_ups: vec![],
            photos: vec![],
            comments: vec![],
            data_authorisations: vec![],
            history: vec![],
            flags: vec![],
        })
    }

    /// The latest visit, if the technician has not checked out of it.
    pub fn open_visit(&self) -> Option<&Visit> {
        self.visits.last().filter(|v| v.checked_out_at.is_none())
    }

    /// True when the most recent functional test passed.
    pub fn latest_test_passed(&self) -> bool {
        self.tests
            .iter()
            .max_by_key(|t| t.at)
            .is_some_and(|t| t.passed)
    }

    /// True when the customer pays.
    pub fn is_chargeable(&self) -> bool {
        self.charge.is_chargeable()
    }

    /// When the order first entered `state`, from the history.
    pub fn first_entered(&self, state: OrderState) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .filter(|h| h.to == state)
            .map(|h| h.at)
            .min()
    }

    /// The stock movements this order's part lines stand for: one `use` out of the van
    /// per line. The usage records stay as they are; the ledger flags over-use.
    pub fn stock_movements(&self) -> Vec<Movement> {
        self.parts
            .iter()
            .map(|p| Movement {
                id: crate::ids::MovementId(p.id.0),
                at: p.at,
                by: p.by,
                kind: MovementKind::Use,
                part: p.part,
                quantity: i64::from(p.quantity),
                from: Some(p.location),
                to: None,
                serials: p.serials_new.clone(),
                reason: String::new(),
                reference: Some(self.id.0),
            })
            .collect()
    }

    /// Validates `op` by `ctx.actor` against the rules and applies it. On error the
    /// order is unchanged.
    pub fn apply(&mut self, op: &OrderOp, ctx: &Ctx<'_>) -> Result<(), TransitionError> {
        let transition = op.transition();
        let mut next = self.clone();
        let recorded = next.record(op, ctx);
        // The check sees the order as it was, except for consent: agreeing to the plan
        // is checked with the consent being recorded. A lifecycle refusal outranks a
        // complaint about the payload.
        let subject = if matches!(op, OrderOp::RecordConsent { .. }) {
            &next
        } else {
            &*self
        };
        let checked = lifecycle::check(subject, &transition, &ctx.actor, ctx.settings)?;
        recorded?;
        let from = self.state;
        // Settling a state conflict moves the order to the state kept, if it was not the
        // one shown; the history records the decision like any other move.
        let to = match op {
            OrderOp::ResolveFlag { .. } => next.state,
            _ => checked,
        };
        match op {
            OrderOp::Resume => next.hold = None,
            OrderOp::Hold { kind, reason } => {
                next.hold = Some(Hold {
                    kind: *kind,
                    reason: reason.clone(),
                    from,
                    at: ctx.now,
                    by: ctx.actor.user,
                })
            }
            OrderOp::Reopen { .. } => next.closed_at = None,
            OrderOp::Close | OrderOp::AnswerConsultation { .. } => next.closed_at = Some(ctx.now),
            _ => {}
        }
        if to != from {
            let (reason, pauses) = match op {
                OrderOp::Cancel { reason } | OrderOp::Reopen { reason } => (reason.clone(), false),
                OrderOp::Hold { kind, reason } => {
                    (reason.clone(), *kind == HoldKind::WaitingForCustomer)
                }
                OrderOp::Object { text, .. } => (text.clone(), false),
                OrderOp::ResolveFlag { note, .. } => (note.clone(), false),
                OrderOp::AnswerConsultation { answer } => (answer.clone(), false),
                _ => (String::new(), false),
            };
            next.history.push(StateChange {
                id: RecordId::new_at(ctx.now),
                at: ctx.now,
                by: ctx.actor.user,
                role: ctx.actor.role,
                from,
                to,
                reason,
                pauses_clocks: pauses,
            });
            next.state = to;
        }
        *self = next;
        Ok(())
    }

    /// Writes what `op` records, without touching the state.
    fn record(&mut self, op: &OrderOp, ctx: &Ctx<'_>) -> Result<(), TransitionError> {
        let now = ctx.now;
        let by = ctx.actor.user;
        match op {
            OrderOp::Dispatch { assignee, window } => {
                self.assignee = Some(*assignee);
                self.dispatched_at = Some(now);
                if window.is_some() {
                    self.schedule = window.clone();
                }
            }
            OrderOp::Assign { assignee } => self.assignee = Some(*assignee),
            OrderOp::Schedule { window } => {
                if window.end < window.start {
                    return Err(TransitionError::EmptyField { field: "window" });
                }
                self.schedule = Some(window.clone());
            }
            OrderOp::LogContact {
                id,
                channel,
                reached,
                note,
            } => {
                fresh(&self.contacts, *id, |c| c.id)?;
                self.contacts.push(ContactAttempt {
                    id: *id,
                    at: now,
                    by,
                    channel: *channel,
                    reached: *reached,
                    note: note.clone(),
                });
            }
            OrderOp::CheckIn { visit } => {
                fresh(&self.visits, *visit, |v| v.id)?;
                // A new check-in closes a visit left open (a forgotten check-out).
                if let Some(open) = self.visits.last_mut() {
                    if open.checked_out_at.is_none() {
                        open.checked_out_at = Some(now);
                    }
                }
                self.visits.push(Visit {
                    id: *visit,
                    by,
                    checked_in_at: now,
                    id_shown_at: None,
                    checked_out_at: None,
                });
            }
            OrderOp::ShowWorkId => {
                if let Some(v) = self.visits.last_mut() {
                    if v.checked_out_at.is_none() && v.id_shown_at.is_none() {
                        v.id_shown_at = Some(now);
                    }
                }
            }
            OrderOp::CheckOut => {
                if let Some(v) = self.visits.last_mut() {
                    if v.checked_out_at.is_none() {
                        v.checked_out_at = Some(now);
                    }
                }
            }
            OrderOp::Receive { condition } => {
                self.receipt = Some(Receipt {
                    at: now,
                    by,
                    condition: condition.clone(),
                })
            }
            OrderOp::ConfirmFault { note } => {
                non_empty(note, "fault")?;
                self.fault_confirmed = Some(FaultConfirmation {
                    at: now,
                    by,
                    note: note.clone(),
                });
            }
            OrderOp::RecordDiagnosis {
                cause,
                plan,
                parts,
                tools,
                estimated_minutes,
                estimated_fee,
                risks,
            } => {
                non_empty(cause, "cause")?;
                non_empty(plan, "plan")?;
                self.same_currency(estimated_fee, ctx)?;
                self.diagnosis = Some(Diagnosis {
                    at: now,
                    by,
                    cause: cause.clone(),
                    plan: plan.clone(),
                    parts: parts.clone(),
                    tools: tools.clone(),
                    estimated_minutes: *estimated_minutes,
                    estimated_fee: estimated_fee.clone(),
                    risks: risks.clone(),
                });
                // A new plan needs a new approval.
                self.plan_approval = None;
            }
            OrderOp::ApprovePlan { note } => {
                self.plan_approval = Some(Approval {
                    by: ctx.actor,
                    at: now,
                    note: note.clone(),
                })
            }
            OrderOp::RecordConsent {
                customer_name,
                fee_agreed,
            } => {
                non_empty(customer_name, "customer_name")?;
                self.consent = Some(Consent {
                    customer_name: customer_name.clone(),
                    at: now,
                    recorded_by: by,
                    fee_agreed: fee_agreed.clone(),
                });
                self.fee = if self.is_chargeable() {
                    fee_agreed
                        .clone()
                        .unwrap_or_else(|| Money::zero(&ctx.settings.currency))
                } else {
                    Money::zero(&ctx.settings.currency)
                };
            }
            OrderOp::ReassessCharge { customer_damage } => {
                self.customer_damage = *customer_damage;
                let prior = self
                    .repeat_of
                    .map(|order| PriorRepair {
                        order,
                        fault: self.fault_code.clone(),
                        completed_at: now,
                    })
                    .into_iter()
                    .collect::<Vec<_>>();
                let a = warranty::assess(
                    self.product.purchase_date,
                    *customer_damage,
                    &self.fault_code,
                    &prior,
                    now,
                    ctx.calendar,
                    ctx.settings,
                );
                self.charge = a.basis;
            }
            OrderOp::AddRepairStep {
                id,
                description,
                minutes,
            } => {
                fresh(&self.steps, *id, |s| s.id)?;
                non_empty(description, "description")?;
                self.steps.push(RepairStep {
                    id: *id,
                    at: now,
                    by,
                    description: description.clone(),
                    minutes: *minutes,
                });
            }
            OrderOp::UsePart {
                id,
                part,
                part_number,
                certified,
                serialized,
                quantity,
                serials_new,
                serials_old,
                location,
            } => {
                fresh(&self.parts, *id, |p| p.id)?;
                if !certified {
                    return Err(TransitionError::PartNotCertified {
                        part_number: part_number.clone(),
                    });
                }
                if *quantity == 0 {
                    return Err(TransitionError::InvalidQuantity);
                }
                if *serialized && serials_new.len() != *quantity as usize {
                    return Err(TransitionError::SerialMissing {
                        part_number: part_number.clone(),
                    });
                }
                self.parts.push(PartUse {
                    id: *id,
                    at: now,
                    by,
                    part: *part,
                    part_number: part_number.clone(),
                    quantity: *quantity,
                    serials_new: serials_new.clone(),
                    serials_old: serials_old.clone(),
                    location: *location,
                });
            }
            OrderOp::RemovePart { id } => {
                let before = self.parts.len();
                self.parts.retain(|p| p.id != *id);
                if self.parts.len() == before {
                    return Err(TransitionError::UnknownRecord { id: id.to_string() });
                }
            }
            OrderOp::RecordTest {
                id,
                passed,
                notes,
                care_advice_given,
            } => {
                fresh(&self.tests, *id, |t| t.id)?;
                self.tests.push(TestResult {
                    id: *id,
                    at: now,
                    by,
                    passed: *passed,
                    notes: notes.clone(),
                    care_advice_given: *care_advice_given,
                });
            }
            OrderOp::SignOff {
                signer,
                rating,
                signature_blob,
            } => {
                non_empty(signer, "signer")?;
                non_empty(signature_blob, "signature")?;
                rating_ok(*rating)?;
                self.sign_off = Some(SignOff {
                    signer: signer.clone(),
                    at: now,
                    captured_by: by,
                    rating: *rating,
                    signature_blob: signature_blob.clone(),
                    digest: signoff::digest(self),
                });
            }
            OrderOp::Object { id, signer, text } => {
                fresh(&self.objections, *id, |o| o.id)?;
                non_empty(text, "objection")?;
                self.objections.push(Objection {
                    id: *id,
                    at: now,
                    signer: signer.clone(),
                    text: text.clone(),
                });
            }
            OrderOp::ShipBack { carrier, tracking } => {
                non_empty(tracking, "tracking")?;
                self.shipment = Some(Shipment {
                    at: now,
                    by,
                    carrier: carrier.clone(),
                    tracking: tracking.clone(),
                });
            }
            OrderOp::Close | OrderOp::Resume | OrderOp::Hold { .. } | OrderOp::Reopen { .. } => {}
            OrderOp::Cancel { reason } => {
                self.cancellation = Some(Cancellation {
                    reason: reason.clone(),
                    at: now,
                    by,
                })
            }
            OrderOp::OverrideFee { id, fee, reason } => {
                fresh(&self.fee_overrides, *id, |f| f.id)?;
                non_empty(reason, "reason")?;
                self.same_currency(fee, ctx)?;
                self.fee_overrides.push(FeeOverride {
                    id: *id,
                    at: now,
                    by,
                    from: self.fee.clone(),
                    to: fee.clone(),
                    reason: reason.clone(),
                });
                self.fee = fee.clone();
            }
            OrderOp::FollowUp {
                id,
                channel,
                score,
                comment,
            } => {
                fresh(&self.follow_ups, *id, |f| f.id)?;
                rating_ok(*score)?;
                self.follow_ups.push(FollowUp {
                    id: *id,
                    at: now,
                    by,
                    channel: *channel,
                    score: *score,
                    comment: comment.clone(),
                });
            }
            OrderOp::Comment { id, text } => {
                fresh(&self.comments, *id, |c| c.id)?;
                non_empty(text, "text")?;
                self.comments.push(Comment {
                    id: *id,
                    at: now,
                    by: ctx.actor,
                    text: text.clone(),
                });
            }
            OrderOp::AddPhoto { hash, caption } => {
                non_empty(hash, "hash")?;
                if self.photos.iter().any(|p| &p.hash == hash) {
                    return Err(TransitionError::DuplicateRecord { id: hash.clone() });
                }
                self.photos.push(PhotoRef {
                    hash: hash.clone(),
                    at: now,
                    by,
                    caption: caption.clone(),
                });
            }
            OrderOp::AuthoriseDataAccess { id, signer, scope } => {
                fresh(&self.data_authorisations, *id, |a| a.id)?;
                non_empty(signer, "signer")?;
                self.data_authorisations.push(DataAuthorisation {
                    id: *id,
                    at: now,
                    signer: signer.clone(),
                    scope: scope.clone(),
                    recorded_by: by,
                });
            }
            OrderOp::RaiseFlag { flag } => {
                fresh(&self.flags, flag.id, |f| f.id)?;
                non_empty(&flag.subject, "subject")?;
                self.flags.push(flag.clone());
            }
            OrderOp::ResolveFlag { id, note, choice } => {
                let flag = self.open_flag(*id)?;
                if !flag.kind.resolvers().contains(&ctx.actor.role) {
                    return Err(TransitionError::FlagNotAllowed {
                        role: ctx.actor.role,
                        action: "resolve_flag",
                    });
                }
                if flag.kind == FlagKind::Conflict {
                    if let Some(choice) = choice {
                        let subject = flag.subject.clone();
                        *self = self.with_field(&subject, choice)?;
                    }
                }
                self.resolve_flag(*id, by, now, note, choice.clone())?;
            }
            OrderOp::AnswerConsultation { answer } => {
                non_empty(answer, "answer")?;
                // The answer is what the customer was told: kept as a comment on the
                // order, where the office reads it, and as the reason of the closing.
                self.comments.push(Comment {
                    id: RecordId::new_at(now),
                    at: now,
                    by: ctx.actor,
                    text: answer.clone(),
                });
            }
        }
        Ok(())
    }

    /// The open flag `id`, or why it cannot be resolved.
    fn open_flag(&self, id: RecordId) -> Result<&Flag, TransitionError> {
        let flag = self
            .flags
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| TransitionError::UnknownFlag { id: id.to_string() })?;
        if !flag.is_open() {
            return Err(TransitionError::FlagAlreadyResolved { id: id.to_string() });
        }
        Ok(flag)
    }

    fn resolve_flag(
        &mut self,
        id: RecordId,
        by: UserId,
        at: DateTime<Utc>,
        note: &str,
        choice: Option<String>,
    ) -> Result<(), TransitionError> {
        let flag = self
            .flags
            .iter_mut()
            .find(|f| f.id == id)
            .ok_or_else(|| TransitionError::UnknownFlag { id: id.to_string() })?;
        flag.resolution = Some(FlagResolution {
            by,
            at,
            note: note.to_string(),
            choice,
        });
        Ok(())
    }

    /// This order with the register `field` set to `choice`, read as the field's JSON
    /// (`{"minor": 20000, "currency": "CNY"}`) or, when it is not JSON, as a string
    /// (`cancelled`, a user id). Going through serde keeps one spelling for every field:
    /// the one the UI and the API already use.
    fn with_field(&self, field: &str, choice: &str) -> Result<OrderDoc, TransitionError> {
        let invalid = || TransitionError::InvalidChoice {
            field: field.to_string(),
            choice: choice.to_string(),
        };
        if !DECIDABLE_FIELDS.contains(&field) {
            return Err(invalid());
        }
        let current = serde_json::to_value(self).map_err(|_| invalid())?;
        let with = |choice: &str| -> Option<OrderDoc> {
            let chosen = serde_json::from_str::<serde_json::Value>(choice)
                .unwrap_or_else(|_| serde_json::Value::String(choice.to_string()));
            let mut value = current.clone();
            value.as_object_mut()?.insert(field.to_string(), chosen);
            serde_json::from_value(value).ok()
        };
        // A value copied from the conflict as Automerge shows it (`"SignedOff"`) is
        // accepted too.
        let next = with(choice)
            .or_else(|| with(&crate::doc::conflicts::as_choice(choice)))
            .ok_or_else(invalid)?;
        if !next.state.fits_mode(next.mode) {
            return Err(invalid());
        }
        Ok(next)
    }

    /// Flags still waiting for someone.
    pub fn open_flags(&self) -> impl Iterator<Item = &Flag> {
        self.flags.iter().filter(|f| f.is_open())
    }

    /// Applies an operation the sync server makes as itself, after a merge: raising a
    /// flag, or withdrawing one of its own SLA at-risk flags once the clock is no longer
    /// at risk. No role check applies (there is no person); anything else is refused.
    /// People's operations go through [`OrderDoc::apply`].
    pub fn apply_server(
        &mut self,
        op: &OrderOp,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        match op {
            OrderOp::RaiseFlag { flag } => {
                fresh(&self.flags, flag.id, |f| f.id)?;
                non_empty(&flag.subject, "subject")?;
                self.flags.push(flag.clone());
                Ok(())
            }
            OrderOp::ResolveFlag { id, note, choice } => {
                if self.open_flag(*id)?.kind != FlagKind::SlaAtRisk {
                    return Err(TransitionError::NotAServerAction {
                        action: "resolve_flag",
                    });
                }
                self.resolve_flag(*id, crate::ops::SERVER_USER, now, note, choice.clone())
            }
            other => Err(TransitionError::NotAServerAction {
                action: other.transition().name(),
            }),
        }
    }

    fn same_currency(&self, m: &Money, ctx: &Ctx<'_>) -> Result<(), TransitionError> {
        if m.currency != ctx.settings.currency {
            return Err(TransitionError::CurrencyMismatch {
                expected: ctx.settings.currency.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
