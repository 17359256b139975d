//! The records kept on a repair order: contacts, visits, diagnosis and plan, consent,
//! repair steps, parts used, tests, sign-off, follow-ups, hold and cancellation, and the
//! state history. Each list entry has a stable `#[key]` id.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, OrderId, PartId, RecordId, UserId};
use crate::lifecycle::OrderState;
use crate::money::Money;
use crate::role::{Actor, Role};

pub use crate::records::flag_params::{ConflictValues, FlagParams, HeldReason};

/// How the customer was reached, or how a follow-up was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    /// Call.
    Phone,
    /// Text message.
    Sms,
    /// WeChat.
    WeChat,
    /// In person.
    InPerson,
    /// Email.
    Email,
}

/// One attempt to reach the customer (联系客户). Every attempt is logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactAttempt {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who called.
    pub by: UserId,
    /// How.
    pub channel: ContactChannel,
    /// True when the customer was reached and fault, time, place and fee estimate confirmed.
    pub reached: bool,
    /// Notes.
    pub note: String,
}

/// One visit to the customer (现场).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Visit {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// The technician.
    pub by: UserId,
    /// Check-in time (准时到达).
    #[autosurgeon(with = "crate::doc::am::time")]
    pub checked_in_at: DateTime<Utc>,
    /// When the work ID was shown (出示工作证件).
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub id_shown_at: Option<DateTime<Utc>>,
    /// Check-out time.
    #[autosurgeon(with = "crate::doc::am::opt_time")]
    pub checked_out_at: Option<DateTime<Utc>>,
}

/// Receipt of a mail-in or carry-in product (已收件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Receipt {
    /// When it arrived: the start of the 24 h inspection clock.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who received it.
    pub by: UserId,
    /// Condition on arrival, accessories included.
    pub condition: String,
    /// Hash of the photo (on the order) of the condition on arrival; a mail-in order
    /// needs one. Receipts recorded before photos were kept have none.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub photo: Option<String>,
}

/// The product and fault confirmed with the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FaultConfirmation {
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who confirmed it with the customer.
    pub by: UserId,
    /// The fault as confirmed.
    pub note: String,
}

/// Diagnosis and repair plan (维修方案).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnosis {
    /// When recorded; for mail-in this is the inspection.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who diagnosed.
    pub by: UserId,
    /// The cause of the fault.
    pub cause: String,
    /// Measures to take.
    pub plan: String,
    /// Part numbers expected to be needed.
    pub parts: Vec<String>,
    /// Tools needed.
    pub tools: String,
    /// Estimated working time.
    pub estimated_minutes: u32,
    /// Fee estimate (费用预估); zero when free.
    pub estimated_fee: Money,
    /// Risks explained to the customer.
    pub risks: String,
    /// The repair touches data stored in the customer's product: the customer
    /// authorises it before the work. Diagnoses recorded before this was kept read false.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub touches_data: bool,
}

/// An approval by a supervisor or tech support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Approval {
    /// Who approved, in which role.
    pub by: Actor,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Notes.
    pub note: String,
}

/// The customer's agreement to the plan and, if chargeable, the fee (透明化服务).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consent {
    /// The customer who agreed.
    pub customer_name: String,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// The fee agreed to; `None` when the work is free.
    pub fee_agreed: Option<Money>,
    /// Agreed over the phone (a mail-in customer is not at the counter). Consents
    /// recorded before this was kept read as given in person.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub by_phone: bool,
}

/// One repair step (维修).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepairStep {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// What was done.
    pub description: String,
    /// Time spent.
    pub minutes: u32,
}

/// A part used on the order (配件使用), taken from a van.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartUse {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// Catalog part.
    pub part: PartId,
    /// Part number, as printed on the service report.
    pub part_number: String,
    /// Quantity.
    pub quantity: u32,
    /// Serials of the new parts fitted (serialized parts).
    pub serials_new: Vec<String>,
    /// Serials of the old parts taken out.
    pub serials_old: Vec<String>,
    /// The stock location the part came from (the technician's van).
    pub location: LocationId,
}

/// A functional test (测试验收).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestResult {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// Did the product work.
    pub passed: bool,
    /// What was tested.
    pub notes: String,
    /// Care advice (保养注意事项) given and product demonstrated.
    pub care_advice_given: bool,
}

/// The customer's sign-off (客户签字确认).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignOff {
    /// The signer's name.
    pub signer: String,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who captured it.
    pub captured_by: UserId,
    /// Satisfaction 1–5, if given.
    pub rating: Option<u8>,
    /// Content hash of the signature image blob.
    pub signature_blob: String,
    /// SHA-256 (hex) of what the signature covers: see [`crate::signoff`].
    pub digest: String,
}

/// An objection (异议) at sign-off; it sends the order back to rework (整改).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Objection {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// The customer who objected.
    pub signer: String,
    /// What they object to.
    pub text: String,
}

/// Shipping back a mail-in product (已寄回).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shipment {
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking: String,
}

/// A satisfaction follow-up (回访).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUp {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// How.
    pub channel: ContactChannel,
    /// Score 1–5, if given.
    pub score: Option<u8>,
    /// Comments.
    pub comment: String,
}

/// A device's clock offset, measured by the server when that device pushed the record
/// named by `record` (a key of `sla::recorded_times`): the record keeps the time as the
/// device recorded it, and SLA clocks read it plus `offset_ms`. Written by the server only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClockOffset {
    /// The corrected instant's key, e.g. `visit/<id>`.
    #[key]
    pub record: String,
    /// Server time minus device time when it was pushed, in milliseconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset_ms: i64,
    /// The device that recorded it.
    pub device: String,
    /// When the server measured it.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub measured_at: DateTime<Utc>,
}

/// Why an order waits (挂起).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HoldKind {
    /// Waiting for parts.
    WaitingForParts,
    /// Waiting for the customer: SLA clocks pause.
    WaitingForCustomer,
    /// Anything else.
    Other,
}

/// The order is on hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hold {
    /// Why.
    pub kind: HoldKind,
    /// Reason in words.
    pub reason: String,
    /// The state to resume to.
    pub from: OrderState,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
}

/// The order was cancelled (已取消).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Cancellation {
    /// Why.
    pub reason: String,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
}

/// A supervisor's fee override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeeOverride {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// The supervisor.
    pub by: UserId,
    /// Fee before.
    pub from: Money,
    /// Fee after.
    pub to: Money,
    /// Why.
    pub reason: String,
}

/// A photo attached to the order; the image itself is a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PhotoRef {
    /// Content hash of the blob; doubles as the stable key.
    #[key]
    pub hash: String,
    /// When taken.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// Caption.
    pub caption: String,
}

/// A comment (tech support, supervisor, anyone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comment {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who, in which role.
    pub by: Actor,
    /// Text.
    pub text: String,
}

/// The customer's authorisation to work on data stored in their device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DataAuthorisation {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// The customer who authorised.
    pub signer: String,
    /// What may be done with the data.
    pub scope: String,
    /// Who recorded it.
    pub recorded_by: UserId,
}

/// The office's decision on a return or exchange (退换货): granted or refused, as whom,
/// when and why, with the rules' refusals of the claim as it was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReturnDecision {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who decided.
    pub by: UserId,
    /// In which role.
    pub role: crate::role::Role,
    /// A return or an exchange.
    pub kind: crate::returns::ClaimKind,
    /// Granted (true) or refused.
    pub granted: bool,
    /// The grounds the claim was judged on.
    pub grounds: Vec<crate::returns::Ground>,
    /// The rules' refusals of the claim, each a reason of `errors.return.<reason>`
    /// (`outside_window`, …); empty when the claim could be granted.
    pub refusals: Vec<String>,
    /// The last day of the claim's window (the words of `outside_window` name it).
    #[autosurgeon(with = "crate::doc::am::opt_date")]
    pub last_day: Option<chrono::NaiveDate>,
    /// Why, in the agent's words.
    pub reason: String,
}

/// One entry of the state history: the audit trail of the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateChange {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: UserId,
    /// In which role.
    pub role: Role,
    /// From.
    pub from: OrderState,
    /// To.
    pub to: OrderState,
    /// Reason, for cancel, hold, rework and reopen.
    pub reason: String,
    /// True for a hold waiting for the customer: SLA clocks pause until the next change.
    pub pauses_clocks: bool,
}

/// A previous repair of the same product, for the repeat-repair warranty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriorRepair {
    /// The earlier order.
    pub order: OrderId,
    /// The fault as classified then (same code = same fault).
    pub fault: String,
    /// When that repair was completed.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub completed_at: DateTime<Utc>,
}

/// What a flag is about. Flags are raised by the sync server's reconciliation after a
/// merge (see `docs/sync-protocol.md`, "Reconciliation") and resolved by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Merged part usage took a van or warehouse below zero, or used a serial twice.
    StockOverUse,
    /// Concurrent values on a field the rules care about (state, assignee, fee …).
    Conflict,
    /// Work, parts or fee changed after the customer signed (rule 10).
    SignOffVoid,
    /// An SLA clock has under the at-risk share of its time left.
    SlaAtRisk,
    /// An SLA clock is past its deadline.
    SlaBreached,
    /// A change to the order was held in quarantine: the author's role may not make it.
    Quarantined,
}

impl FlagKind {
    /// Every kind.
    pub const ALL: [FlagKind; 6] = [
        FlagKind::StockOverUse,
        FlagKind::Conflict,
        FlagKind::SignOffVoid,
        FlagKind::SlaAtRisk,
        FlagKind::SlaBreached,
        FlagKind::Quarantined,
    ];

    /// Stable snake_case name (i18n key suffix `flags.kind.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::StockOverUse => "stock_over_use",
            FlagKind::Conflict => "conflict",
            FlagKind::SignOffVoid => "sign_off_void",
            FlagKind::SlaAtRisk => "sla_at_risk",
            FlagKind::SlaBreached => "sla_breached",
            FlagKind::Quarantined => "quarantined",
        }
    }

    /// The role a new flag of this kind is shown to. At-risk clocks go to the dispatcher,
    /// who can still act on them (call, reschedule, reassign); a breach goes to the
    /// supervisor, who answers for the department's SLA compliance.
    pub fn raised_for(self) -> Role {
        match self {
            FlagKind::StockOverUse => Role::Storekeeper,
            FlagKind::SlaAtRisk => Role::Dispatcher,
            FlagKind::Conflict
            | FlagKind::SignOffVoid
            | FlagKind::SlaBreached
            | FlagKind::Quarantined => Role::Supervisor,
        }
    }

    /// The roles that may resolve a flag of this kind: stock for the storekeeper or
    /// supervisor, conflicts and quarantined changes for the supervisor alone, sign-off
    /// and SLA findings for the supervisor or dispatcher.
    pub fn resolvers(self) -> &'static [Role] {
        match self {
            FlagKind::StockOverUse => &[Role::Storekeeper, Role::Supervisor],
            FlagKind::Conflict | FlagKind::Quarantined => &[Role::Supervisor],
            FlagKind::SignOffVoid | FlagKind::SlaAtRisk | FlagKind::SlaBreached => {
                &[Role::Supervisor, Role::Dispatcher]
            }
        }
    }
}

impl std::fmt::Display for FlagKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a flag was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FlagResolution {
    /// Who resolved it; [`crate::ops::SERVER_USER`] when the server withdrew its own
    /// at-risk flag because the clock recovered.
    pub by: UserId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// What was done, in words.
    pub note: String,
    /// For a conflict: the value kept, as written afresh into the field.
    pub choice: Option<String>,
}

/// Something reconciliation found that a person must look at (see [`FlagKind`]). Flags
/// are only ever added by the server and resolved by people; they are never removed,
/// so the finding and its resolution stay in the order's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Flag {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// What kind of finding.
    pub kind: FlagKind,
    /// What it is about: a part number, a field name (`state`, `fee` …), an SLA clock
    /// name, a quarantine code. One open flag per kind and subject.
    pub subject: String,
    /// Plain-language detail, in English: only on flags written before flags carried
    /// [`Flag::params`]; the server now leaves it empty.
    pub detail: String,
    /// What was found, as values the UI puts into words in the reader's language.
    /// Flags written before these existed have no such key and read as none.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub params: Vec<FlagParams>,
    /// The role that should deal with it.
    pub for_role: Role,
    /// When the server raised it.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub raised_at: DateTime<Utc>,
    /// `None` while open.
    pub resolution: Option<FlagResolution>,
}

impl Flag {
    /// True until someone resolves it.
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}
