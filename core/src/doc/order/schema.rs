//! The order document's schema: its fields, what intake knows when it creates one, and
//! the questions read off it.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::TimeWindow;
use crate::ids::{OrderId, UserId};
use crate::lifecycle::OrderState;
use crate::money::Money;
use crate::records::charge::{ChargeReassessment, Payment};
use crate::records::order::*;
use crate::records::request::{Customer, Priority, Product, ServiceMode, ServiceRequest};
use crate::records::signature::Signature;
use crate::stock::{Movement, MovementKind};
use crate::warranty::ChargeBasis;

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
    /// Charge basis reassessments (customer damage found or ruled out). Documents
    /// written before they were kept have none.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub charge_reassessments: Vec<ChargeReassessment>,
    /// Repair steps.
    pub steps: Vec<RepairStep>,
    /// Parts used.
    pub parts: Vec<PartUse>,
    /// Functional tests.
    pub tests: Vec<TestResult>,
    /// Objections at sign-off.
    pub objections: Vec<Objection>,
    /// The customer's current sign-off (what the lifecycle and the void check read).
    pub sign_off: Option<SignOff>,
    /// Every signature given on the order, in order: sign-offs, objections, carry-in
    /// receipt and pick-up. Documents written before it existed have none; read them
    /// through [`crate::signoff::record`], which adds the sign-off and objections they hold.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub signatures: Vec<Signature>,
    /// Shipping back (mail-in).
    pub shipment: Option<Shipment>,
    /// Payment received for chargeable work. Documents written before it was kept
    /// have none.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub payment: Option<Payment>,
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
    /// The company settings version the order was created under: its clocks and rules
    /// keep it for good. Orders from before versions were recorded have none and run
    /// under the version in force when they were received.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub settings_version: Option<u32>,
    /// Clock offsets the server measured for the devices that recorded this order's
    /// instants, so SLA clocks read corrected times (server-written only).
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub clock_offsets: Vec<ClockOffset>,
    /// The return or exchange decisions (退换货), oldest first: the last one stands (a
    /// refusal for a missing receipt may be followed by a grant once it is brought).
    /// Documents written before decisions were recorded have none.
    #[autosurgeon(missing = "Vec::new")]
    #[serde(default)]
    pub return_decisions: Vec<ReturnDecision>,
}

/// The order's top-level fields, written once, grouped by how each is stored: the
/// identity, the registers (last writer wins; a conflict on one is decided by a
/// supervisor), the time registers (stored as Automerge timestamps), the keyed lists, and
/// the flags. Every other list of fields is generated from this one by passing a macro
/// `$then` that receives the groups: [`ALL_FIELDS`], [`DECIDABLE_FIELDS`], the writes
/// in [`crate::doc::Document::reconcile_changes`] and the afresh write of a decided
/// conflict. `every_field_is_listed_once` below does not compile while a field of
/// [`OrderDoc`] is missing here or listed twice.
macro_rules! order_fields {
    ($then:ident) => {
        $then! {
            identity: [schema_version, id],
            registers: [
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
                cancellation,
                settings_version,
                payment
            ],
            times: [dispatched_at, closed_at],
            lists: [
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
                history,
                clock_offsets,
                signatures,
                charge_reassessments,
                return_decisions
            ],
            flags: [flags],
        }
    };
}
pub(crate) use order_fields;

macro_rules! field_names {
    (
        identity: [$($i:ident),*],
        registers: [$($r:ident),*],
        times: [$($t:ident),*],
        lists: [$($l:ident),*],
        flags: [$($f:ident),*],
    ) => {
        /// Every top-level key of an order document.
        pub const ALL_FIELDS: &[&str] = &[
            $(stringify!($i),)* $(stringify!($r),)* $(stringify!($t),)* $(stringify!($l),)* $(stringify!($f),)*
        ];

        /// The top-level registers a conflict can be decided on
        /// ([`super::OrderOp::ResolveFlag`] with a `choice`): every field but the
        /// identity, the schema version, the keyed lists and the flags.
        pub const DECIDABLE_FIELDS: &[&str] = &[$(stringify!($r),)* $(stringify!($t),)*];

        /// Never called: a pattern that names every field, so the list above cannot
        /// leave one out or name one twice.
        #[allow(dead_code)]
        fn every_field_is_listed_once(doc: &OrderDoc) {
            let OrderDoc { $($i: _,)* $($r: _,)* $($t: _,)* $($l: _,)* $($f: _,)* } = doc;
        }
    };
}
order_fields!(field_names);

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
    /// The company settings version in force at intake (see
    /// [`OrderDoc::settings_version`]).
    #[serde(default)]
    pub settings_version: Option<u32>,
}

impl OrderDoc {
    /// `claim` as this order judges it: asked on the company's date the request came in
    /// (not the day someone gets round to deciding), about the product delivered on the
    /// date intake recorded.
    pub fn return_claim(
        &self,
        claim: &crate::returns::Claim,
        calendar: &crate::calendar::Calendar,
    ) -> crate::returns::Claim {
        crate::returns::Claim {
            requested_on: calendar.local_date(self.request.received_at),
            delivered_on: self.product.delivered_on.unwrap_or(claim.delivered_on),
            ..claim.clone()
        }
    }

    /// The return or exchange decision that stands: the latest.
    pub fn return_decision(&self) -> Option<&ReturnDecision> {
        self.return_decisions.iter().max_by_key(|d| (d.at, d.id))
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
}
