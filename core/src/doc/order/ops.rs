//! Every operation on an order ([`OrderOp`]) and the lifecycle action each is checked as.

use serde::{Deserialize, Serialize};

use crate::doc::{Operation, TimeWindow};
use crate::error::DomainError;
use crate::ids::{LocationId, PartId, RecordId, UserId};
use crate::lifecycle::Transition;
use crate::money::Money;
use crate::ops::Ctx;
use crate::records::order::*;

use super::schema::OrderDoc;

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
        /// Hash of the photo on the order of the condition on arrival (mail-in needs one).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        photo: Option<String>,
        /// The customer's signature on receipt (carry-in needs one).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        signature: Option<crate::records::signature::SignatureCapture>,
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
        /// The repair touches data stored in the customer's product.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
        touches_data: bool,
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
        /// Agreed over the phone (mail-in).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
        by_phone: bool,
    },
    /// Customer damage found (with a photo of it) or ruled out. After the customer's
    /// consent it withdraws the consent: the customer must agree to the new fee again.
    ReassessCharge {
        /// Record id.
        id: RecordId,
        /// Damaged by the customer.
        customer_damage: bool,
        /// Hash of a photo on the order showing the damage (required when found).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        evidence: Option<String>,
        /// What was found.
        #[serde(default)]
        note: String,
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
        /// Record id of the signature kept in `signatures`.
        id: RecordId,
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
        /// The objection's signature blob hash, when the customer signed it.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        signature_blob: Option<String>,
    },
    /// Payment received for chargeable work.
    RecordPayment {
        /// Amount received.
        amount: Money,
        /// How it was paid.
        method: String,
        /// Transaction number or receipt reference.
        #[serde(default)]
        reference: String,
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
    /// A tech-support request (技术支持) resolved remotely, without a visit.
    ResolveRemotely {
        /// How it was resolved, as told to the customer.
        resolution: String,
    },
    /// The office answers a consultation (咨询) and closes it at intake.
    AnswerConsultation {
        /// The answer given to the customer.
        answer: String,
    },
    /// The office grants or refuses a return or exchange (退换货), with why. The claim is
    /// judged as asked on the day the request came in, with the order's delivery date.
    DecideReturn {
        /// Record id of the decision.
        id: RecordId,
        /// The claim as inspected (kind, grounds, what was found).
        claim: crate::returns::Claim,
        /// Granted, or refused.
        granted: bool,
        /// Why, in the agent's words.
        reason: String,
    },
    /// The clock offset the server measured for the device that recorded some of the
    /// order's instants (design: offline times are kept as recorded, with the offset).
    /// Only the sync server writes it, as itself; every role is refused.
    NoteClockOffsets {
        /// One per corrected instant.
        offsets: Vec<ClockOffset>,
    },
    /// The office sets the customer's tier, which decides their periodic follow-ups.
    SetCustomerTier {
        /// Regular, long-term or key account.
        tier: crate::records::request::CustomerTier,
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
            OrderOp::RecordPayment { .. } => Transition::RecordPayment,
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
            OrderOp::ResolveRemotely { .. } => Transition::ResolveRemotely,
            OrderOp::NoteClockOffsets { .. } => Transition::NoteClockOffsets,
            OrderOp::SetCustomerTier { .. } => Transition::SetCustomerTier,
            OrderOp::DecideReturn { .. } => Transition::DecideReturn,
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
