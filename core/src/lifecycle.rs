//! Order lifecycle: the states, every action on an order, which roles may take it and
//! what must already be recorded. [`check`] is the one function the app, the server and
//! the tests ask. No storage, no clock.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::doc::order::OrderDoc;
use crate::records::request::{Classification, ServiceMode};
use crate::role::{Actor, Role};
use crate::settings::Settings;
use crate::signoff;

/// The state of a repair order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 新建.
    New,
    /// 已派单: a technician is assigned.
    Dispatched,
    /// 已联系: the customer was reached.
    Contacted,
    /// 已到场: the technician checked in (on-site mode).
    OnSite,
    /// 已收件: the product arrived (mail-in and carry-in modes).
    Received,
    /// 方案已确认: diagnosed, and the customer agreed to the plan (and fee).
    PlanAgreed,
    /// 维修中.
    InRepair,
    /// 已测试: the latest functional test passed.
    Tested,
    /// 客户已签字.
    SignedOff,
    /// 已寄回 (mail-in).
    ShippedBack,
    /// 已闭环.
    Closed,
    /// 已取消, with a reason.
    Cancelled,
    /// 挂起, with a reason; resume returns to the state it was held from.
    OnHold,
}

impl OrderState {
    /// Every state.
    pub const ALL: [OrderState; 13] = [
        OrderState::New,
        OrderState::Dispatched,
        OrderState::Contacted,
        OrderState::OnSite,
        OrderState::Received,
        OrderState::PlanAgreed,
        OrderState::InRepair,
        OrderState::Tested,
        OrderState::SignedOff,
        OrderState::ShippedBack,
        OrderState::Closed,
        OrderState::Cancelled,
        OrderState::OnHold,
    ];

    /// Stable snake_case name (i18n key suffix `states.order.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::New => "new",
            OrderState::Dispatched => "dispatched",
            OrderState::Contacted => "contacted",
            OrderState::OnSite => "on_site",
            OrderState::Received => "received",
            OrderState::PlanAgreed => "plan_agreed",
            OrderState::InRepair => "in_repair",
            OrderState::Tested => "tested",
            OrderState::SignedOff => "signed_off",
            OrderState::ShippedBack => "shipped_back",
            OrderState::Closed => "closed",
            OrderState::Cancelled => "cancelled",
            OrderState::OnHold => "on_hold",
        }
    }

    /// Closed and cancelled orders take no more work.
    pub fn is_terminal(self) -> bool {
        matches!(self, OrderState::Closed | OrderState::Cancelled)
    }

    /// States before the customer agreed to a plan: no repair work is allowed in them.
    pub fn is_before_consent(self) -> bool {
        matches!(
            self,
            OrderState::New
                | OrderState::Dispatched
                | OrderState::Contacted
                | OrderState::OnSite
                | OrderState::Received
        )
    }

    /// True when the state belongs to the given service mode's path: on-site orders are
    /// never "received" or "shipped back", mail-in and carry-in orders never "on site",
    /// and only mail-in ships back.
    pub fn fits_mode(self, mode: ServiceMode) -> bool {
        match self {
            OrderState::OnSite => mode == ServiceMode::OnSite,
            OrderState::Received => mode != ServiceMode::OnSite,
            OrderState::ShippedBack => mode == ServiceMode::MailIn,
            _ => true,
        }
    }
}

impl std::fmt::Display for OrderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every action on an order. Most move the state; the rest record something and are
/// still subject to who-may-do-what and state rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Transition {
    /// Assign a technician to a new order: new → dispatched.
    Dispatch,
    /// Change the assignee.
    Assign,
    /// Agree a time window.
    Schedule,
    /// Log a contact attempt; the first one that reaches the customer: dispatched → contacted.
    LogContact {
        /// The customer was reached.
        reached: bool,
    },
    /// Technician arrives: contacted → on site (on-site mode); later visits keep the state.
    CheckIn,
    /// Technician leaves.
    CheckOut,
    /// Work ID shown at the open visit.
    ShowWorkId,
    /// Product arrives: contacted → received (mail-in, carry-in).
    Receive,
    /// Product and fault confirmed with the customer.
    ConfirmFault,
    /// Diagnosis and plan recorded.
    RecordDiagnosis,
    /// Plan approved by a supervisor or tech support.
    ApprovePlan,
    /// Customer consent recorded: on site/received → plan agreed.
    AgreePlan,
    /// Customer damage found (or ruled out): the charge basis changes before consent.
    ReassessCharge,
    /// A repair step: plan agreed → in repair (or tested → in repair: more work).
    AddRepairStep,
    /// A part used: plan agreed → in repair.
    UsePart,
    /// A part line removed.
    RemovePart,
    /// A functional test: pass → tested, fail → in repair.
    RecordTest {
        /// The product worked.
        passed: bool,
    },
    /// Customer signs: tested → signed off.
    SignOff,
    /// Customer objects at sign-off: tested → in repair (rework, 整改).
    Object,
    /// Payment for chargeable work marked received.
    RecordPayment,
    /// Mail-in product shipped back: tested or signed off → shipped back.
    ShipBack,
    /// Signed off (shipped back for mail-in) → closed.
    Close,
    /// Any open state → cancelled.
    Cancel {
        /// Why.
        reason: String,
    },
    /// Any open state → on hold.
    Hold {
        /// Why.
        reason: String,
    },
    /// On hold → the state it was held from.
    Resume,
    /// Supervisor: closed → in repair.
    Reopen {
        /// Why.
        reason: String,
    },
    /// Supervisor changes the fee.
    OverrideFee,
    /// Satisfaction follow-up on a closed order.
    FollowUp,
    /// A comment.
    Comment,
    /// A photo reference.
    AddPhoto,
    /// The customer's authorisation to work on data in their device.
    AuthoriseDataAccess,
    /// A finding of reconciliation recorded on the order: only the sync server raises
    /// flags, so no role may.
    RaiseFlag,
    /// A flag resolved; which roles may depends on the flag's kind
    /// ([`crate::records::order::FlagKind::resolvers`]). Possible in every state.
    ResolveFlag,
    /// The office answers a consultation (咨询) at intake: new → closed.
    AnswerConsultation,
    /// The server notes a device's measured clock offset: no role may.
    NoteClockOffsets,
    /// A tech-support request (技术支持) resolved remotely, with no visit: → closed.
    ResolveRemotely,
    /// The office sets the customer's tier (regular, long-term, key account) on one of
    /// the customer's orders. A trait of the customer, not of the work: any state.
    SetCustomerTier,
    /// The return or exchange (退换货) granted or refused, with why: the office decides.
    DecideReturn,
}

impl Transition {
    /// Stable snake_case name, used in errors and commit messages.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Dispatch => "dispatch",
            Transition::Assign => "assign",
            Transition::Schedule => "schedule",
            Transition::LogContact { .. } => "log_contact",
            Transition::CheckIn => "check_in",
            Transition::CheckOut => "check_out",
            Transition::ShowWorkId => "show_work_id",
            Transition::Receive => "receive",
            Transition::ConfirmFault => "confirm_fault",
            Transition::RecordDiagnosis => "record_diagnosis",
            Transition::ApprovePlan => "approve_plan",
            Transition::AgreePlan => "agree_plan",
            Transition::ReassessCharge => "reassess_charge",
            Transition::AddRepairStep => "add_repair_step",
            Transition::UsePart => "use_part",
            Transition::RemovePart => "remove_part",
            Transition::RecordTest { .. } => "record_test",
            Transition::SignOff => "sign_off",
            Transition::Object => "object",
            Transition::RecordPayment => "record_payment",
            Transition::ShipBack => "ship_back",
            Transition::Close => "close",
            Transition::Cancel { .. } => "cancel",
            Transition::Hold { .. } => "hold",
            Transition::Resume => "resume",
            Transition::Reopen { .. } => "reopen",
            Transition::OverrideFee => "override_fee",
            Transition::FollowUp => "follow_up",
            Transition::Comment => "comment",
            Transition::AddPhoto => "add_photo",
            Transition::AuthoriseDataAccess => "authorise_data_access",
            Transition::RaiseFlag => "raise_flag",
            Transition::ResolveFlag => "resolve_flag",
            Transition::AnswerConsultation => "answer_consultation",
            Transition::NoteClockOffsets => "note_clock_offsets",
            Transition::ResolveRemotely => "resolve_remotely",
            Transition::SetCustomerTier => "set_customer_tier",
            Transition::DecideReturn => "decide_return",
        }
    }

    /// The roles that may take this action. A supervisor may do everything the others
    /// may ("everything above"), so is in every list; technicians additionally must be
    /// the order's assignee.
    pub fn roles(&self) -> &'static [Role] {
        use Role::*;
        match self {
            Transition::Dispatch | Transition::Assign => &[Dispatcher, Supervisor],
            Transition::Schedule => &[Technician, Dispatcher, Supervisor],
            Transition::LogContact { .. } => &[Technician, Dispatcher, Supervisor],
            Transition::CheckIn | Transition::CheckOut | Transition::ShowWorkId => {
                &[Technician, Supervisor]
            }
            Transition::Receive | Transition::ShipBack | Transition::RecordPayment => {
                &[Technician, Dispatcher, Storekeeper, Supervisor]
            }
            Transition::ConfirmFault | Transition::AgreePlan | Transition::ReassessCharge => {
                &[Technician, Dispatcher, Supervisor]
            }
            Transition::RecordDiagnosis => &[Technician, Support, Supervisor],
            Transition::ApprovePlan => &[Support, Supervisor],
            Transition::AddRepairStep
            | Transition::UsePart
            | Transition::RemovePart
            | Transition::RecordTest { .. }
            | Transition::SignOff
            | Transition::Object => &[Technician, Supervisor],
            Transition::Close | Transition::Hold { .. } | Transition::Resume => {
                &[Technician, Dispatcher, Supervisor]
            }
            Transition::Cancel { .. } => &[Dispatcher, Supervisor],
            Transition::Reopen { .. } | Transition::OverrideFee => &[Supervisor],
            Transition::FollowUp => &[Dispatcher, Supervisor],
            Transition::Comment => &[Technician, Dispatcher, Support, Supervisor, Storekeeper],
            Transition::AddPhoto | Transition::AuthoriseDataAccess => {
                &[Technician, Dispatcher, Supervisor]
            }
            Transition::RaiseFlag | Transition::NoteClockOffsets => &[],
            // Everyone who resolves some kind of flag; the kind narrows it further.
            Transition::ResolveFlag => &[Dispatcher, Supervisor, Storekeeper],
            Transition::AnswerConsultation => &[Dispatcher, Support, Supervisor],
            Transition::ResolveRemotely => &[Technician, Dispatcher, Support, Supervisor],
            Transition::SetCustomerTier => &[Dispatcher, Supervisor],
            Transition::DecideReturn => &[Dispatcher, Supervisor],
        }
    }

    /// Actions still possible while the order waits on hold.
    fn allowed_on_hold(&self) -> bool {
        matches!(
            self,
            Transition::Resume
                | Transition::Cancel { .. }
                | Transition::Assign
                | Transition::Schedule
                | Transition::LogContact { .. }
                | Transition::Comment
                | Transition::AddPhoto
                | Transition::OverrideFee
                | Transition::AuthoriseDataAccess
                | Transition::CheckOut
                | Transition::ResolveFlag
                | Transition::DecideReturn
        )
    }
}

/// A refused action. Each names the rule it broke; [`TransitionError::code`] is a stable
/// i18n key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Who may do what.
    #[error("a {role} may not {action} (rule: who may do what)")]
    RoleNotPermitted {
        /// The actor's role.
        role: Role,
        /// The action refused.
        action: &'static str,
    },
    /// Technicians work only the orders assigned to them.
    #[error("only the assigned technician may {action} on this order (rule: technicians work only their assigned orders)")]
    NotAssignee {
        /// The action refused.
        action: &'static str,
    },
    /// The action does not fit the order's current state.
    #[error("cannot {action} while the order is {state}")]
    NotAllowedInState {
        /// The action refused.
        action: &'static str,
        /// The order's state.
        state: OrderState,
    },
    /// The action belongs to another service mode (on-site vs mail-in/carry-in).
    #[error("cannot {action} on a {mode:?} order (rule 3: service mode)")]
    WrongServiceMode {
        /// The action refused.
        action: &'static str,
        /// The order's mode.
        mode: ServiceMode,
    },
    /// Rule 5: the customer is contacted before anyone turns up.
    #[error("the customer has not been contacted yet (rule 5: contact the customer)")]
    ContactMissing,
    /// Rule 6: the work ID is shown during a visit.
    #[error("no open visit: check in first (rule 6: on site)")]
    NotCheckedIn,
    /// Rule 6: show work ID before working.
    #[error("the work ID has not been shown (rule 6: 出示工作证件)")]
    WorkIdNotShown,
    /// Rule 6: confirm product and fault with the customer.
    #[error("the fault has not been confirmed with the customer (rule 6)")]
    FaultNotConfirmed,
    /// Rule 7: record cause and plan.
    #[error("no diagnosis and repair plan recorded (rule 7: 维修方案)")]
    PlanMissing,
    /// Rule 7: project work needs the supervisor's approval of the plan.
    #[error("the plan needs a supervisor's approval first (rule 7, company setting)")]
    PlanApprovalMissing,
    /// Rule 7: before any repair, the customer agrees to the plan.
    #[error("the customer has not agreed to the plan (rule 7: transparent service, no repair before consent)")]
    ConsentMissing,
    /// Rule 7: chargeable work needs consent to the fee estimate.
    #[error("chargeable repair: the customer must agree to the fee estimate (rule 7: 费用预估)")]
    FeeConsentMissing,
    /// Rule 9: test after repair.
    #[error("no repair has started (rule 8)")]
    RepairNotStarted,
    /// Rule 10: no sign-off without a passing test.
    #[error("no passing functional test (rule 9: 测试验收 before sign-off)")]
    TestNotPassed,
    /// Rule 11: close after sign-off.
    #[error("the customer has not signed off (rule 10)")]
    SignOffMissing,
    /// Rule 10: a changed signed order is not closed on a void signature.
    #[error("the sign-off is void: work, parts or fee changed after signing (rule 10)")]
    SignOffVoid,
    /// Rule 3: a mail-in product's condition on arrival is photographed.
    #[error("a mail-in product needs a photo of its condition on arrival (rule 3: 寄修)")]
    ArrivalPhotoMissing,
    /// Rule 3: the fault of a mail-in product is confirmed with the customer by a call.
    #[error("log the call that confirms the fault with the customer first (rule 3: 寄修)")]
    CallNotLogged,
    /// Rule 3: chargeable mail-in work is paid before the product goes back.
    #[error("chargeable repair: mark the payment received before shipping back (rule 3)")]
    PaymentMissing,
    /// Nothing to pay on a free repair.
    #[error("this repair is free: there is no payment to record")]
    NothingToPay,
    /// Only a tech-support request is resolved remotely.
    #[error(
        "only a tech-support request is resolved remotely, without a visit (rule 1: 技术支持)"
    )]
    NotTechSupport,
    /// Data and privacy: work on the customer's stored data needs their authorisation.
    #[error("the repair touches data in the customer's product: record the customer's authorisation first")]
    DataAuthorisationMissing,
    /// Customer damage is shown by a photo on the order.
    #[error("customer damage needs a photo of it on the order as evidence (rule 2: 人为损坏)")]
    EvidenceMissing,
    /// Rule 3: a mail-in order closes after shipping back.
    #[error("the product has not been shipped back (rule 3: mail-in)")]
    ShipmentMissing,
    /// Cancel, hold, reopen need a reason.
    #[error("{action} needs a reason")]
    ReasonRequired {
        /// The action refused.
        action: &'static str,
    },
    /// Work waits while on hold.
    #[error("cannot {action} while the order is on hold; resume it first")]
    OnHold {
        /// The action refused.
        action: &'static str,
    },
    /// Rule 8: only genuine or certified parts.
    #[error("part {part_number} is not genuine or certified (rule 8: 原厂或认证备件)")]
    PartNotCertified {
        /// The part.
        part_number: String,
    },
    /// Serialized parts record one serial per unit.
    #[error("part {part_number} is serialized: record one new serial per unit (rule 8)")]
    SerialMissing {
        /// The part.
        part_number: String,
    },
    /// Quantities are positive.
    #[error("quantity must be at least 1")]
    InvalidQuantity,
    /// Ratings and scores are 1–5.
    #[error("rating {rating} is outside 1–5")]
    InvalidRating {
        /// The rating given.
        rating: u8,
    },
    /// An id that names no record on this order.
    #[error("no record {id} on this order")]
    UnknownRecord {
        /// The id.
        id: String,
    },
    /// An id that is already used on this order (the op was applied before).
    #[error("record {id} already exists on this order")]
    DuplicateRecord {
        /// The id.
        id: String,
    },
    /// A required field was left empty.
    #[error("{field} must not be empty")]
    EmptyField {
        /// The field.
        field: &'static str,
    },
    /// Fees are in the company currency.
    #[error("fee must be in {expected}")]
    CurrencyMismatch {
        /// The company currency.
        expected: String,
    },
    /// Rule 1: only a consultation is answered and closed at intake.
    #[error("only a consultation is answered and closed at intake (rule 1: 咨询)")]
    NotAConsultation,
    /// Only a return or exchange request (退换货) carries a return decision.
    #[error("only a return or exchange request is granted or refused as one")]
    NotAReturn,
    /// The rules refuse the claim, so it cannot be granted.
    #[error("the claim cannot be granted: {reasons:?} (rule: returns and exchanges refused)")]
    ReturnNotEligible {
        /// The refusals, as `errors.return.<reason>` reasons.
        reasons: Vec<String>,
    },
    /// Flags are raised by the server and resolved by the role their kind names.
    #[error(
        "a {role} may not {action} this flag (rule: each finding goes to the role that decides it)"
    )]
    FlagNotAllowed {
        /// The actor's role.
        role: Role,
        /// `raise_flag` or `resolve_flag`.
        action: &'static str,
    },
    /// No flag with this id on the order.
    #[error("no flag {id} on this order")]
    UnknownFlag {
        /// The id.
        id: String,
    },
    /// The flag was resolved already (perhaps by someone else, and synced since).
    #[error("flag {id} is already resolved")]
    FlagAlreadyResolved {
        /// The id.
        id: String,
    },
    /// The value chosen for a conflict does not fit the field.
    #[error("{choice:?} is not a value of {field}")]
    InvalidChoice {
        /// The field in conflict.
        field: String,
        /// The value offered.
        choice: String,
    },
    /// An operation the sync server does not make as itself.
    #[error("the server does not {action} on its own")]
    NotAServerAction {
        /// The action refused.
        action: &'static str,
    },
}

impl TransitionError {
    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::RoleNotPermitted { .. } => "errors.order.role_not_permitted",
            TransitionError::NotAssignee { .. } => "errors.order.not_assignee",
            TransitionError::NotAllowedInState { .. } => "errors.order.not_allowed_in_state",
            TransitionError::WrongServiceMode { .. } => "errors.order.wrong_service_mode",
            TransitionError::ContactMissing => "errors.order.contact_missing",
            TransitionError::NotCheckedIn => "errors.order.not_checked_in",
            TransitionError::WorkIdNotShown => "errors.order.work_id_not_shown",
            TransitionError::FaultNotConfirmed => "errors.order.fault_not_confirmed",
            TransitionError::PlanMissing => "errors.order.plan_missing",
            TransitionError::PlanApprovalMissing => "errors.order.plan_approval_missing",
            TransitionError::ConsentMissing => "errors.order.consent_missing",
            TransitionError::FeeConsentMissing => "errors.order.fee_consent_missing",
            TransitionError::RepairNotStarted => "errors.order.repair_not_started",
            TransitionError::TestNotPassed => "errors.order.test_not_passed",
            TransitionError::SignOffMissing => "errors.order.sign_off_missing",
            TransitionError::SignOffVoid => "errors.order.sign_off_void",
            TransitionError::ShipmentMissing => "errors.order.shipment_missing",
            TransitionError::EvidenceMissing => "errors.order.evidence_missing",
            TransitionError::DataAuthorisationMissing => "errors.order.data_authorisation_missing",
            TransitionError::NotTechSupport => "errors.order.not_tech_support",
            TransitionError::ArrivalPhotoMissing => "errors.order.arrival_photo_missing",
            TransitionError::CallNotLogged => "errors.order.call_not_logged",
            TransitionError::PaymentMissing => "errors.order.payment_missing",
            TransitionError::NothingToPay => "errors.order.nothing_to_pay",
            TransitionError::ReasonRequired { .. } => "errors.order.reason_required",
            TransitionError::OnHold { .. } => "errors.order.on_hold",
            TransitionError::PartNotCertified { .. } => "errors.order.part_not_certified",
            TransitionError::SerialMissing { .. } => "errors.order.serial_missing",
            TransitionError::InvalidQuantity => "errors.order.invalid_quantity",
            TransitionError::InvalidRating { .. } => "errors.order.invalid_rating",
            TransitionError::UnknownRecord { .. } => "errors.order.unknown_record",
            TransitionError::DuplicateRecord { .. } => "errors.order.duplicate_record",
            TransitionError::EmptyField { .. } => "errors.order.empty_field",
            TransitionError::CurrencyMismatch { .. } => "errors.order.currency_mismatch",
            TransitionError::NotAConsultation => "errors.order.not_a_consultation",
            TransitionError::NotAReturn => "errors.order.not_a_return",
            TransitionError::ReturnNotEligible { .. } => "errors.order.return_not_eligible",
            TransitionError::FlagNotAllowed { .. } => "errors.flag.not_allowed",
            TransitionError::UnknownFlag { .. } => "errors.flag.unknown",
            TransitionError::FlagAlreadyResolved { .. } => "errors.flag.already_resolved",
            TransitionError::InvalidChoice { .. } => "errors.flag.invalid_choice",
            TransitionError::NotAServerAction { .. } => "errors.order.not_a_server_action",
        }
    }
}

impl TransitionError {
    /// The values a translated refusal names: the role, the state, the action, the
    /// missing field, the part. Keys are the variant's field names.
    pub fn details(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value;
        let mut out = serde_json::Map::new();
        let mut put = |k: &str, v: Value| {
            out.insert(k.to_string(), v);
        };
        match self {
            TransitionError::RoleNotPermitted { role, action }
            | TransitionError::FlagNotAllowed { role, action } => {
                put("role", Value::from(role.as_str()));
                put("action", Value::from(*action));
            }
            TransitionError::NotAssignee { action }
            | TransitionError::ReasonRequired { action }
            | TransitionError::OnHold { action }
            | TransitionError::NotAServerAction { action } => put("action", Value::from(*action)),
            TransitionError::NotAllowedInState { action, state } => {
                put("action", Value::from(*action));
                put("state", Value::from(state.as_str()));
            }
            TransitionError::WrongServiceMode { action, mode } => {
                put("action", Value::from(*action));
                put("mode", serde_json::to_value(mode).unwrap_or(Value::Null));
            }
            TransitionError::PartNotCertified { part_number }
            | TransitionError::SerialMissing { part_number } => {
                put("part_number", Value::from(part_number.as_str()))
            }
            TransitionError::InvalidRating { rating } => put("rating", Value::from(*rating)),
            TransitionError::UnknownRecord { id }
            | TransitionError::DuplicateRecord { id }
            | TransitionError::UnknownFlag { id }
            | TransitionError::FlagAlreadyResolved { id } => put("id", Value::from(id.as_str())),
            TransitionError::EmptyField { field } => put("field", Value::from(*field)),
            TransitionError::CurrencyMismatch { expected } => {
                put("expected", Value::from(expected.as_str()))
            }
            TransitionError::InvalidChoice { field, choice } => {
                put("field", Value::from(field.as_str()));
                put("choice", Value::from(choice.as_str()));
            }
            TransitionError::ReturnNotEligible { reasons } => {
                put("reasons", Value::from(reasons.clone()))
            }
            _ => {}
        }
        out
    }
}

fn require_reason(reason: &str, action: &'static str) -> Result<(), TransitionError> {
    if reason.trim().is_empty() {
        Err(TransitionError::ReasonRequired { action })
    } else {
        Ok(())
    }
}

/// Checks `transition` by `actor` against `order` and returns the state the order moves
/// to (the current state for actions that only record). `order` is the order before the
/// action, except for [`Transition::AgreePlan`], which is checked on the order carrying
/// the consent being recorded; [`OrderDoc::apply`] calls it that way.
pub fn check(
    order: &OrderDoc,
    transition: &Transition,
    actor: &Actor,
    settings: &Settings,
) -> Result<OrderState, TransitionError> {
    use OrderState as S;
    let action = transition.name();
    if !transition.roles().contains(&actor.role) {
        if matches!(transition, Transition::RaiseFlag | Transition::ResolveFlag) {
            return Err(TransitionError::FlagNotAllowed {
                role: actor.role,
                action,
            });
        }
        return Err(TransitionError::RoleNotPermitted {
            role: actor.role,
            action,
        });
    }
    // Flags are settled at the office whatever the order's state: a conflict between a
    // cancellation and a sign-off, say, is decided on a cancelled or closed order.
    // So is the customer's tier: it is the customer's, whatever became of the order.
    let any_state = matches!(
        transition,
        Transition::ResolveFlag | Transition::SetCustomerTier
    );
    if actor.role == Role::Technician && order.assignee != Some(actor.user) {
        return Err(TransitionError::NotAssignee { action });
    }
    let state = order.state;
    let not_here = || TransitionError::NotAllowedInState { action, state };
    match state {
        _ if any_state => {}
        S::Cancelled if !matches!(transition, Transition::Comment) => return Err(not_here()),
        S::Closed
            if !matches!(
                transition,
                Transition::Reopen { .. }
                    | Transition::FollowUp
                    | Transition::Comment
                    | Transition::AddPhoto
            ) =>
        {
            return Err(not_here())
        }
        S::OnHold if !transition.allowed_on_hold() => {
            return Err(TransitionError::OnHold { action });
        }
        _ => {}
    }
    let mode = order.mode;
    let wrong_mode = || TransitionError::WrongServiceMode { action, mode };
    let receives = mode != ServiceMode::OnSite;
    let open_visit_shown = order.open_visit().is_some_and(|v| v.id_shown_at.is_some());

    match transition {
        Transition::Dispatch => match state {
            S::New => Ok(S::Dispatched),
            _ => Err(not_here()),
        },
        Transition::Assign
        | Transition::Schedule
        | Transition::Comment
        | Transition::AddPhoto
        | Transition::AuthoriseDataAccess
        | Transition::OverrideFee => Ok(state),
        Transition::LogContact { reached } => Ok(if state == S::Dispatched && *reached {
            S::Contacted
        } else {
            state
        }),
        Transition::CheckIn => {
            if receives {
                return Err(wrong_mode());
            }
            match state {
                S::Dispatched => Err(TransitionError::ContactMissing),
                S::Contacted => Ok(S::OnSite),
                S::OnSite | S::PlanAgreed | S::InRepair | S::Tested => Ok(state),
                _ => Err(not_here()),
            }
        }
        Transition::CheckOut | Transition::ShowWorkId => {
            if order.open_visit().is_none() {
                Err(TransitionError::NotCheckedIn)
            } else {
                Ok(state)
            }
        }
        Transition::Receive => {
            if !receives {
                return Err(wrong_mode());
            }
            match state {
                S::Dispatched => Err(TransitionError::ContactMissing),
                S::Contacted => Ok(S::Received),
                _ => Err(not_here()),
            }
        }
        Transition::ConfirmFault | Transition::RecordDiagnosis | Transition::ApprovePlan => {
            if !matches!(state, S::OnSite | S::Received) {
                return Err(not_here());
            }
            if !receives && !open_visit_shown {
                return Err(TransitionError::WorkIdNotShown);
            }
            let called = order
                .receipt
                .as_ref()
                .is_some_and(|r| order.contacts.iter().any(|c| c.reached && c.at >= r.at));
            if matches!(transition, Transition::ConfirmFault)
                && mode == ServiceMode::MailIn
                && !called
            {
                return Err(TransitionError::CallNotLogged);
            }
            if !matches!(transition, Transition::ConfirmFault) && order.fault_confirmed.is_none() {
                return Err(TransitionError::FaultNotConfirmed);
            }
            if matches!(transition, Transition::ApprovePlan) && order.diagnosis.is_none() {
                return Err(TransitionError::PlanMissing);
            }
            Ok(state)
        }
        Transition::AgreePlan => {
            if !matches!(state, S::OnSite | S::Received) {
                return Err(not_here());
            }
            if !receives && !open_visit_shown {
                return Err(TransitionError::WorkIdNotShown);
            }
            if order.fault_confirmed.is_none() {
                return Err(TransitionError::FaultNotConfirmed);
            }
            // An installation has no diagnosis: the customer agrees to the installation
            // (and its fee, when chargeable) as confirmed.
            let installation = order.request.classification == Classification::Installation;
            let estimate = match &order.diagnosis {
                Some(d) => Some(&d.estimated_fee),
                None if installation => None,
                None => return Err(TransitionError::PlanMissing),
            };
            if settings.needs_plan_approval(order.request.classification)
                && order.plan_approval.is_none()
            {
                return Err(TransitionError::PlanApprovalMissing);
            }
            let Some(consent) = &order.consent else {
                return Err(TransitionError::ConsentMissing);
            };
            let fee_ok = match estimate {
                Some(fee) => consent.fee_agreed.as_ref() == Some(fee),
                None => consent.fee_agreed.is_some(),
            };
            if order.charge.is_chargeable() && !fee_ok {
                return Err(TransitionError::FeeConsentMissing);
            }
            Ok(S::PlanAgreed)
        }
        // Before consent the basis simply changes. After it, until the customer signs,
        // the consent no longer covers the fee: the order goes back to where consent is
        // given (on site, or received), so no repair goes on until they agree again.
        Transition::ReassessCharge => match state {
            s if s.is_before_consent() => Ok(state),
            S::PlanAgreed | S::InRepair | S::Tested => {
                Ok(if receives { S::Received } else { S::OnSite })
            }
            _ => Err(not_here()),
        },
        Transition::AddRepairStep | Transition::UsePart | Transition::RemovePart => {
            if state.is_before_consent() || order.consent.is_none() {
                return Err(TransitionError::ConsentMissing);
            }
            // Work on data stored in the customer's product waits for their
            // authorisation (data and privacy: 数据安全).
            if order.diagnosis.as_ref().is_some_and(|d| d.touches_data)
                && order.data_authorisations.is_empty()
            {
                return Err(TransitionError::DataAuthorisationMissing);
            }
            match state {
                S::PlanAgreed | S::InRepair | S::Tested => Ok(S::InRepair),
                _ => Err(not_here()),
            }
        }
        Transition::RecordTest { passed } => match state {
            S::InRepair | S::Tested => Ok(if *passed { S::Tested } else { S::InRepair }),
            s if s.is_before_consent() || s == S::PlanAgreed => {
                Err(TransitionError::RepairNotStarted)
            }
            _ => Err(not_here()),
        },
        Transition::SignOff | Transition::Object => match state {
            // A signature voided by a later change (a fee override, say) is given again
            // on the changed order; the first stays on record (rule 10).
            S::SignedOff
                if matches!(transition, Transition::SignOff)
                    && signoff::is_void(order)
                    && order.latest_test_passed() =>
            {
                Ok(S::SignedOff)
            }
            S::Tested if !order.latest_test_passed() => Err(TransitionError::TestNotPassed),
            S::Tested if matches!(transition, Transition::SignOff) => Ok(S::SignedOff),
            S::Tested => Ok(S::InRepair),
            s if s.is_before_consent() || matches!(s, S::PlanAgreed | S::InRepair) => {
                Err(TransitionError::TestNotPassed)
            }
            _ => Err(not_here()),
        },
        Transition::RecordPayment => {
            if !order.is_chargeable() {
                return Err(TransitionError::NothingToPay);
            }
            if state.is_before_consent() {
                return Err(TransitionError::ConsentMissing);
            }
            match state {
                S::PlanAgreed | S::InRepair | S::Tested | S::SignedOff | S::ShippedBack => {
                    Ok(state)
                }
                _ => Err(not_here()),
            }
        }
        Transition::ShipBack => {
            if mode != ServiceMode::MailIn {
                return Err(wrong_mode());
            }
            let unpaid = order.is_chargeable() && order.fee.minor > 0 && order.payment.is_none();
            match state {
                S::Tested | S::SignedOff if order.latest_test_passed() && unpaid => {
                    Err(TransitionError::PaymentMissing)
                }
                S::Tested | S::SignedOff if order.latest_test_passed() => Ok(S::ShippedBack),
                S::ShippedBack => Err(not_here()),
                _ => Err(TransitionError::TestNotPassed),
            }
        }
        Transition::Close => {
            let signed_ok = || match signoff::status(order) {
                signoff::SignOffStatus::Void => Err(TransitionError::SignOffVoid),
                _ => Ok(S::Closed),
            };
            if mode == ServiceMode::MailIn {
                match state {
                    S::ShippedBack => signed_ok(),
                    _ => Err(TransitionError::ShipmentMissing),
                }
            } else {
                match state {
                    S::SignedOff if order.sign_off.is_some() => signed_ok(),
                    _ => Err(TransitionError::SignOffMissing),
                }
            }
        }
        Transition::Cancel { reason } => {
            require_reason(reason, action)?;
            Ok(S::Cancelled)
        }
        Transition::Hold { reason } => {
            require_reason(reason, action)?;
            Ok(S::OnHold)
        }
        Transition::Resume => match (state, &order.hold) {
            (S::OnHold, Some(hold)) if !hold.from.is_terminal() && hold.from != S::OnHold => {
                Ok(hold.from)
            }
            _ => Err(not_here()),
        },
        Transition::Reopen { reason } => {
            require_reason(reason, action)?;
            match state {
                S::Closed => Ok(S::InRepair),
                _ => Err(not_here()),
            }
        }
        Transition::FollowUp => match state {
            S::Closed => Ok(state),
            _ => Err(not_here()),
        },
        Transition::RaiseFlag
        | Transition::ResolveFlag
        | Transition::NoteClockOffsets
        | Transition::SetCustomerTier => Ok(state),
        Transition::ResolveRemotely => {
            if order.request.classification != Classification::TechSupport {
                return Err(TransitionError::NotTechSupport);
            }
            match state {
                S::New | S::Dispatched | S::Contacted => Ok(S::Closed),
                _ => Err(not_here()),
            }
        }
        Transition::DecideReturn => {
            if order.request.classification != Classification::ReturnExchange {
                return Err(TransitionError::NotAReturn);
            }
            Ok(state)
        }
        Transition::AnswerConsultation => {
            if order.request.classification != Classification::Consultation {
                return Err(TransitionError::NotAConsultation);
            }
            match state {
                S::New => Ok(S::Closed),
                _ => Err(not_here()),
            }
        }
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "lifecycle_mode_tests.rs"]
mod mode_tests;
