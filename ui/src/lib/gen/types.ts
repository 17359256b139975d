// This file is generated from the Rust types by `cargo run -p onsite-commands --bin onsite-gen-types`.
// Do not edit it by hand: change the Rust and regenerate. The test command fails when it is stale.
/* eslint-disable */

/**
 * A repair order (维修工单); also the id of its Automerge document.
 */
export type OrderId = string;

/**
 * A user of Onsite (staff, never the customer).
 */
export type UserId = string;

/**
 * One entry of a keyed list inside a document (a contact attempt, a part line, a
 * step…). Stable ids are what let concurrent inserts and removals merge.
 */
export type RecordId = string;

/**
 * A parts catalog entry (备件).
 */
export type PartId = string;

/**
 * A stock location: the warehouse or one technician's van.
 */
export type LocationId = string;

/**
 * A service request (服务工单) taken at intake.
 */
export type RequestId = string;

/**
 * A customer (客户).
 */
export type CustomerId = string;

/**
 * An amount of money. `minor` counts the currency's smallest unit (1 CNY = 100 fen).
 */
export type Money = { 
/**
 * Amount in minor units; negative only for refunds and corrections.
 */
minor: number, 
/**
 * ISO 4217 code, e.g. `CNY`.
 */
currency: string, };

/**
 * A window agreed with the customer.
 */
export type TimeWindow = { 
/**
 * From.
 */
start: string, 
/**
 * To.
 */
end: string, };

/**
 * A user's role. Every permission check in Onsite starts from one of these.
 */
export type Role = "technician" | "dispatcher" | "support" | "supervisor" | "storekeeper";

/**
 * The person making a change: every record and every Automerge change names one.
 */
export type Actor = { 
/**
 * Who.
 */
user: UserId, 
/**
 * In which role they act.
 */
role: Role, };

/**
 * The state of a repair order.
 */
export type OrderState = "new" | "dispatched" | "contacted" | "on_site" | "received" | "plan_agreed" | "in_repair" | "tested" | "signed_off" | "shipped_back" | "closed" | "cancelled" | "on_hold";

/**
 * Where a product stands against its warranty on a given day.
 */
export type WarrantyStatus = { "status": "in_warranty", 
/**
 * Last covered day.
 */
until: string, } | { "status": "expired", 
/**
 * First uncovered day.
 */
since: string, } | { "status": "no_proof_of_purchase" };

/**
 * Why an order is free or chargeable.
 */
export type ChargeBasis = "in_warranty" | "repeat_repair" | "out_of_warranty" | "no_proof_of_purchase" | "customer_damage";

/**
 * Which clock.
 */
export type ClockKind = "phone_answer" | "online_first_reply" | "first_response" | "first_handling" | "resolution" | "contact_after_dispatch" | "mail_in_inspection" | "record_entry" | "emergency_response" | "emergency_on_site" | "complaint_first_contact" | "complaint_resolved" | "follow_up" | "periodic_follow_up" | "return_window" | "exchange_window";

/**
 * Where a request came in.
 */
export type Channel = "phone" | "we_chat" | "website" | "app" | "email" | "walk_in";

/**
 * What the request is about.
 */
export type Classification = "consultation" | "tech_support" | "repair" | "installation" | "complaint" | "return_exchange";

/**
 * The customer as recorded on the order.
 */
export type Customer = { 
/**
 * Stable id across orders.
 */
id: CustomerId, 
/**
 * Name.
 */
name: string, 
/**
 * Phone.
 */
phone: string, 
/**
 * Address for on-site work and shipping back.
 */
address: string, 
/**
 * Follow-up tier.
 */
tier: CustomerTier, };

/**
 * How often a customer is followed up beyond the per-order call.
 */
export type CustomerTier = "regular" | "long_term" | "key_account";

/**
 * Normal or emergency (紧急): emergencies run the emergency clocks.
 */
export type Priority = "normal" | "emergency";

/**
 * The product as recorded on the order.
 */
export type Product = { 
/**
 * Model.
 */
model: string, 
/**
 * Serial number (序列号).
 */
serial: string, 
/**
 * Purchase date, from the proof of purchase; `None` when there is no valid proof.
 */
purchase_date: string | null, 
/**
 * Delivery date, for the return and exchange windows.
 */
delivered_on: string | null, };

/**
 * How the repair is carried out.
 */
export type ServiceMode = "on_site" | "mail_in" | "carry_in";

/**
 * The service request (服务工单) taken at intake.
 */
export type ServiceRequest = { 
/**
 * Stable id.
 */
id: RequestId, 
/**
 * Channel.
 */
channel: Channel, 
/**
 * Classification.
 */
classification: Classification, 
/**
 * When the request came in: the start of the response clocks.
 */
received_at: string, 
/**
 * The question or fault description.
 */
description: string, 
/**
 * When the fault appeared, as the customer says.
 */
fault_since: string | null, 
/**
 * External damage (外力损坏) noted at intake; empty when none.
 */
external_damage: string, };

/**
 * How the customer was reached, or how a follow-up was made.
 */
export type ContactChannel = "phone" | "sms" | "we_chat" | "in_person" | "email";

/**
 * One attempt to reach the customer (联系客户). Every attempt is logged.
 */
export type ContactAttempt = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who called.
 */
by: UserId, 
/**
 * How.
 */
channel: ContactChannel, 
/**
 * True when the customer was reached and fault, time, place and fee estimate confirmed.
 */
reached: boolean, 
/**
 * Notes.
 */
note: string, };

/**
 * One visit to the customer (现场).
 */
export type Visit = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * The technician.
 */
by: UserId, 
/**
 * Check-in time (准时到达).
 */
checked_in_at: string, 
/**
 * When the work ID was shown (出示工作证件).
 */
id_shown_at: string | null, 
/**
 * Check-out time.
 */
checked_out_at: string | null, };

/**
 * Receipt of a mail-in or carry-in product (已收件).
 */
export type Receipt = { 
/**
 * When it arrived: the start of the 24 h inspection clock.
 */
at: string, 
/**
 * Who received it.
 */
by: UserId, 
/**
 * Condition on arrival, accessories included.
 */
condition: string, 
/**
 * Hash of the photo (on the order) of the condition on arrival; a mail-in order
 * needs one. Receipts recorded before photos were kept have none.
 */
photo: string | null, };

/**
 * The product and fault confirmed with the customer.
 */
export type FaultConfirmation = { 
/**
 * When.
 */
at: string, 
/**
 * Who confirmed it with the customer.
 */
by: UserId, 
/**
 * The fault as confirmed.
 */
note: string, };

/**
 * Diagnosis and repair plan (维修方案).
 */
export type Diagnosis = { 
/**
 * When recorded; for mail-in this is the inspection.
 */
at: string, 
/**
 * Who diagnosed.
 */
by: UserId, 
/**
 * The cause of the fault.
 */
cause: string, 
/**
 * Measures to take.
 */
plan: string, 
/**
 * Part numbers expected to be needed.
 */
parts: Array<string>, 
/**
 * Tools needed.
 */
tools: string, 
/**
 * Estimated working time.
 */
estimated_minutes: number, 
/**
 * Fee estimate (费用预估); zero when free.
 */
estimated_fee: Money, 
/**
 * Risks explained to the customer.
 */
risks: string, 
/**
 * The repair touches data stored in the customer's product: the customer
 * authorises it before the work. Diagnoses recorded before this was kept read false.
 */
touches_data: boolean, };

/**
 * An approval by a supervisor or tech support.
 */
export type Approval = { 
/**
 * Who approved, in which role.
 */
by: Actor, 
/**
 * When.
 */
at: string, 
/**
 * Notes.
 */
note: string, };

/**
 * The customer's agreement to the plan and, if chargeable, the fee (透明化服务).
 */
export type Consent = { 
/**
 * The customer who agreed.
 */
customer_name: string, 
/**
 * When.
 */
at: string, 
/**
 * Who recorded it.
 */
recorded_by: UserId, 
/**
 * The fee agreed to; `None` when the work is free.
 */
fee_agreed: Money | null, 
/**
 * Agreed over the phone (a mail-in customer is not at the counter). Consents
 * recorded before this was kept read as given in person.
 */
by_phone: boolean, };

/**
 * One repair step (维修).
 */
export type RepairStep = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * What was done.
 */
description: string, 
/**
 * Time spent.
 */
minutes: number, };

/**
 * A part used on the order (配件使用), taken from a van.
 */
export type PartUse = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * Catalog part.
 */
part: PartId, 
/**
 * Part number, as printed on the service report.
 */
part_number: string, 
/**
 * Quantity.
 */
quantity: number, 
/**
 * Serials of the new parts fitted (serialized parts).
 */
serials_new: Array<string>, 
/**
 * Serials of the old parts taken out.
 */
serials_old: Array<string>, 
/**
 * The stock location the part came from (the technician's van).
 */
location: LocationId, };

/**
 * A functional test (测试验收).
 */
export type TestResult = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * Did the product work.
 */
passed: boolean, 
/**
 * What was tested.
 */
notes: string, 
/**
 * Care advice (保养注意事项) given and product demonstrated.
 */
care_advice_given: boolean, };

/**
 * The customer's sign-off (客户签字确认).
 */
export type SignOff = { 
/**
 * The signer's name.
 */
signer: string, 
/**
 * When.
 */
at: string, 
/**
 * Who captured it.
 */
captured_by: UserId, 
/**
 * Satisfaction 1–5, if given.
 */
rating: number | null, 
/**
 * Content hash of the signature image blob.
 */
signature_blob: string, 
/**
 * SHA-256 (hex) of what the signature covers: see [`crate::signoff`].
 */
digest: string, };

/**
 * An objection (异议) at sign-off; it sends the order back to rework (整改).
 */
export type Objection = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * The customer who objected.
 */
signer: string, 
/**
 * What they object to.
 */
text: string, };

/**
 * Shipping back a mail-in product (已寄回).
 */
export type Shipment = { 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * Carrier.
 */
carrier: string, 
/**
 * Tracking number.
 */
tracking: string, };

/**
 * A satisfaction follow-up (回访).
 */
export type FollowUp = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * How.
 */
channel: ContactChannel, 
/**
 * Score 1–5, if given.
 */
score: number | null, 
/**
 * Comments.
 */
comment: string, };

/**
 * Why an order waits (挂起).
 */
export type HoldKind = "waiting_for_parts" | "waiting_for_customer" | "other";

/**
 * The order is on hold.
 */
export type Hold = { 
/**
 * Why.
 */
kind: HoldKind, 
/**
 * Reason in words.
 */
reason: string, 
/**
 * The state to resume to.
 */
from: OrderState, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, };

/**
 * The order was cancelled (已取消).
 */
export type Cancellation = { 
/**
 * Why.
 */
reason: string, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, };

/**
 * A supervisor's fee override.
 */
export type FeeOverride = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * The supervisor.
 */
by: UserId, 
/**
 * Fee before.
 */
from: Money, 
/**
 * Fee after.
 */
to: Money, 
/**
 * Why.
 */
reason: string, };

/**
 * A photo attached to the order; the image itself is a blob.
 */
export type PhotoRef = { 
/**
 * Content hash of the blob; doubles as the stable key.
 */
hash: string, 
/**
 * When taken.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * Caption.
 */
caption: string, };

/**
 * A comment (tech support, supervisor, anyone).
 */
export type Comment = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who, in which role.
 */
by: Actor, 
/**
 * Text.
 */
text: string, };

/**
 * The customer's authorisation to work on data stored in their device.
 */
export type DataAuthorisation = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * The customer who authorised.
 */
signer: string, 
/**
 * What may be done with the data.
 */
scope: string, 
/**
 * Who recorded it.
 */
recorded_by: UserId, };

/**
 * One entry of the state history: the audit trail of the lifecycle.
 */
export type StateChange = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * In which role.
 */
role: Role, 
/**
 * From.
 */
from: OrderState, 
/**
 * To.
 */
to: OrderState, 
/**
 * Reason, for cancel, hold, rework and reopen.
 */
reason: string, 
/**
 * True for a hold waiting for the customer: SLA clocks pause until the next change.
 */
pauses_clocks: boolean, };

/**
 * A previous repair of the same product, for the repeat-repair warranty.
 */
export type PriorRepair = { 
/**
 * The earlier order.
 */
order: OrderId, 
/**
 * The fault as classified then (same code = same fault).
 */
fault: string, 
/**
 * When that repair was completed.
 */
completed_at: string, };

/**
 * What a flag is about. Flags are raised by the sync server's reconciliation after a
 * merge (see `docs/sync-protocol.md`, "Reconciliation") and resolved by a person.
 */
export type FlagKind = "stock_over_use" | "conflict" | "sign_off_void" | "sla_at_risk" | "sla_breached" | "quarantined";

/**
 * How a flag was settled.
 */
export type FlagResolution = { 
/**
 * Who resolved it; [`crate::ops::SERVER_USER`] when the server withdrew its own
 * at-risk flag because the clock recovered.
 */
by: UserId, 
/**
 * When.
 */
at: string, 
/**
 * What was done, in words.
 */
note: string, 
/**
 * For a conflict: the value kept, as written afresh into the field.
 */
choice: string | null, };

/**
 * One finding behind a flag. A flag usually has one; findings of one kind and subject
 * found in the same pass (a negative balance and a serial fitted twice, for the same
 * part) share a flag and each keep their own entry.
 */
export type FlagParams = { "about": "stock_below_zero", 
/**
 * The part's number.
 */
part_number: string, 
/**
 * Where.
 */
location: LocationId, 
/**
 * Its name in the reference data, when it has one.
 */
location_name: string | null, 
/**
 * The book balance after the uses.
 */
balance: number, 
/**
 * The order numbers whose uses took it there.
 */
orders: Array<string>, } | { "about": "serial_fitted_twice", 
/**
 * The part's number.
 */
part_number: string, 
/**
 * The serial.
 */
serial: string, 
/**
 * The order numbers it is recorded on.
 */
orders: Array<string>, } | { "about": "conflict", 
/**
 * Each path and the values it holds, as the choice a supervisor would keep.
 */
values: Array<ConflictValues>, } | { "about": "sign_off_void", 
/**
 * Who signed.
 */
signer: string, 
/**
 * When.
 */
signed_at: string, } | { "about": "sla_clock", 
/**
 * The clock's snake_case name (`contact_after_dispatch`).
 */
clock: string, 
/**
 * Its deadline.
 */
deadline: string, } | { "about": "held", 
/**
 * Why, in a word the UI translates.
 */
reason: HeldReason, 
/**
 * The quarantine code as the review gave it.
 */
code: string, 
/**
 * The pusher's role.
 */
role: Role, 
/**
 * The pusher's name.
 */
by: string, 
/**
 * The device it came from.
 */
device: string, };

/**
 * One path of a conflict and its concurrent values.
 */
export type ConflictValues = { 
/**
 * The path (`state`, `schedule.start`).
 */
path: string, 
/**
 * The values, each as the choice that keeps it.
 */
values: Array<string>, };

/**
 * Why the server held a change, as far as a flag says it.
 */
export type HeldReason = "may_not_change" | "forged_author" | "not_assigned" | "unreadable" | "other";

/**
 * Something reconciliation found that a person must look at (see [`FlagKind`]). Flags
 * are only ever added by the server and resolved by people; they are never removed,
 * so the finding and its resolution stay in the order's record.
 */
export type Flag = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * What kind of finding.
 */
kind: FlagKind, 
/**
 * What it is about: a part number, a field name (`state`, `fee` …), an SLA clock
 * name, a quarantine code. One open flag per kind and subject.
 */
subject: string, 
/**
 * Plain-language detail, in English: only on flags written before flags carried
 * [`Flag::params`]; the server now leaves it empty.
 */
detail: string, 
/**
 * What was found, as values the UI puts into words in the reader's language.
 * Flags written before these existed have no such key and read as none.
 */
params: Array<FlagParams>, 
/**
 * The role that should deal with it.
 */
for_role: Role, 
/**
 * When the server raised it.
 */
raised_at: string, 
/**
 * `None` while open.
 */
resolution: FlagResolution | null, };

/**
 * A device's clock offset, measured by the server when that device pushed the record
 * named by `record` (a key of `sla::recorded_times`): the record keeps the time as the
 * device recorded it, and SLA clocks read it plus `offset_ms`. Written by the server only.
 */
export type ClockOffset = { 
/**
 * The corrected instant's key, e.g. `visit/<id>`.
 */
record: string, 
/**
 * Server time minus device time when it was pushed, in milliseconds.
 */
offset_ms: number, 
/**
 * The device that recorded it.
 */
device: string, 
/**
 * When the server measured it.
 */
measured_at: string, };

/**
 * What a signature was given for.
 */
export type SignatureKind = "sign_off" | "objection" | "receipt" | "pick_up";

/**
 * One reassessment of who pays.
 */
export type ChargeReassessment = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who reassessed (an agent or the technician).
 */
by: UserId, 
/**
 * Damaged by the customer, as now found.
 */
customer_damage: boolean, 
/**
 * The basis before.
 */
from: ChargeBasis, 
/**
 * The basis after.
 */
to: ChargeBasis, 
/**
 * Content hash of the photo on the order that shows the damage; empty when the
 * damage was ruled out.
 */
evidence: string, 
/**
 * What was found, in words.
 */
note: string, 
/**
 * True when it came after the customer's consent, which it then withdrew: the
 * customer must consent again to the new fee before any more repair.
 */
voided_consent: boolean, 
/**
 * The consent it withdrew, kept so the record (and the server's review of a push
 * that consented and then reassessed) still shows what was agreed before.
 */
withdrawn: Consent | null, };

/**
 * Payment received for chargeable work (收费维修).
 */
export type Payment = { 
/**
 * When it was marked received.
 */
at: string, 
/**
 * Who marked it.
 */
by: UserId, 
/**
 * The amount received.
 */
amount: Money, 
/**
 * How it was paid (transfer, WeChat Pay, cash …), in words.
 */
method: string, 
/**
 * A transaction number or receipt reference, if any.
 */
reference: string, };

/**
 * A signature captured with another operation (the carry-in receipt): the record id it
 * is kept under, the signer and the stroke blob.
 */
export type SignatureCapture = { 
/**
 * Record id in `signatures`.
 */
id: RecordId, 
/**
 * The signer's name.
 */
signer: string, 
/**
 * Content hash of the stroke blob.
 */
signature_blob: string, };

/**
 * One signature on the order.
 */
export type Signature = { 
/**
 * Stable id. For an objection it is the objection's own id.
 */
id: RecordId, 
/**
 * What it was given for.
 */
kind: SignatureKind, 
/**
 * The signer's name.
 */
signer: string, 
/**
 * When.
 */
at: string, 
/**
 * Who captured it on their screen.
 */
captured_by: UserId, 
/**
 * Satisfaction 1–5, for a sign-off that gave one.
 */
rating: number | null, 
/**
 * Content hash of the stroke blob; empty for an objection recorded without one
 * (before objections were signed).
 */
signature_blob: string, 
/**
 * SHA-256 (hex) of what the order covered when signed ([`crate::signoff::digest`]).
 */
digest: string, 
/**
 * The objection's text, or a note (the condition on receipt); empty otherwise.
 */
text: string, };

/**
 * Everything about one repair order. Each field at the top level is a register (last
 * writer wins, concurrent values surfaced by [`crate::doc::conflicts`]); each `Vec` is a
 * list keyed by a stable id, so concurrent additions all survive a merge.
 */
export type OrderDoc = { 
/**
 * Schema version ([`ORDER_SCHEMA_VERSION`]).
 */
schema_version: number, 
/**
 * The order's id, also the document id.
 */
id: OrderId, 
/**
 * Human order number, e.g. `WO-2026-000123`.
 */
number: string, 
/**
 * The service request it came from.
 */
request: ServiceRequest, 
/**
 * Customer snapshot.
 */
customer: Customer, 
/**
 * Product snapshot.
 */
product: Product, 
/**
 * On-site, mail-in or carry-in.
 */
mode: ServiceMode, 
/**
 * Normal or emergency.
 */
priority: Priority, 
/**
 * Fault code used to recognise a repeat of the same fault.
 */
fault_code: string, 
/**
 * Damage caused by the customer was found.
 */
customer_damage: boolean, 
/**
 * Free or chargeable, and why.
 */
charge: ChargeBasis, 
/**
 * Earlier order whose repair warranty makes this one free.
 */
repeat_of: OrderId | null, 
/**
 * Lifecycle state.
 */
state: OrderState, 
/**
 * The assigned technician.
 */
assignee: UserId | null, 
/**
 * Agreed visit or pick-up window.
 */
schedule: TimeWindow | null, 
/**
 * When the order was (last) dispatched: the start of the contact clock.
 */
dispatched_at: string | null, 
/**
 * Contact attempts.
 */
contacts: Array<ContactAttempt>, 
/**
 * Visits.
 */
visits: Array<Visit>, 
/**
 * Receipt (mail-in, carry-in).
 */
receipt: Receipt | null, 
/**
 * Fault confirmed with the customer.
 */
fault_confirmed: FaultConfirmation | null, 
/**
 * Diagnosis and plan.
 */
diagnosis: Diagnosis | null, 
/**
 * Plan approval (when the company requires it).
 */
plan_approval: Approval | null, 
/**
 * Customer consent to plan and fee.
 */
consent: Consent | null, 
/**
 * The fee charged; zero when free.
 */
fee: Money, 
/**
 * Supervisor fee overrides.
 */
fee_overrides: Array<FeeOverride>, 
/**
 * Charge basis reassessments (customer damage found or ruled out). Documents
 * written before they were kept have none.
 */
charge_reassessments: Array<ChargeReassessment>, 
/**
 * Repair steps.
 */
steps: Array<RepairStep>, 
/**
 * Parts used.
 */
parts: Array<PartUse>, 
/**
 * Functional tests.
 */
tests: Array<TestResult>, 
/**
 * Objections at sign-off.
 */
objections: Array<Objection>, 
/**
 * The customer's current sign-off (what the lifecycle and the void check read).
 */
sign_off: SignOff | null, 
/**
 * Every signature given on the order, in order: sign-offs, objections, carry-in
 * receipt and pick-up. Documents written before it existed have none; read them
 * through [`crate::signoff::record`], which adds the sign-off and objections they hold.
 */
signatures: Array<Signature>, 
/**
 * Shipping back (mail-in).
 */
shipment: Shipment | null, 
/**
 * Payment received for chargeable work. Documents written before it was kept
 * have none.
 */
payment: Payment | null, 
/**
 * When the order was (last) closed.
 */
closed_at: string | null, 
/**
 * The current hold.
 */
hold: Hold | null, 
/**
 * The cancellation.
 */
cancellation: Cancellation | null, 
/**
 * Satisfaction follow-ups.
 */
follow_ups: Array<FollowUp>, 
/**
 * Photos.
 */
photos: Array<PhotoRef>, 
/**
 * Comments.
 */
comments: Array<Comment>, 
/**
 * Authorisations to work on customer data.
 */
data_authorisations: Array<DataAuthorisation>, 
/**
 * State history: the lifecycle's audit trail.
 */
history: Array<StateChange>, 
/**
 * Findings of the server's reconciliation for a person to resolve. Documents
 * written before flags existed have no such key and read as none.
 */
flags: Array<Flag>, 
/**
 * The company settings version the order was created under: its clocks and rules
 * keep it for good. Orders from before versions were recorded have none and run
 * under the version in force when they were received.
 */
settings_version: number | null, 
/**
 * Clock offsets the server measured for the devices that recorded this order's
 * instants, so SLA clocks read corrected times (server-written only).
 */
clock_offsets: Array<ClockOffset>, 
/**
 * The return or exchange decisions (退换货), oldest first: the last one stands (a
 * refusal for a missing receipt may be followed by a grant once it is brought).
 * Documents written before decisions were recorded have none.
 */
return_decisions: Array<ReturnDecision>, };

/**
 * Every edit of an order. Record ids inside an op are made by the caller, so an op is
 * the same on every replica and a repeated op is recognised.
 */
export type OrderOp = { "op": "dispatch", 
/**
 * Technician.
 */
assignee: UserId, 
/**
 * Agreed window, if any.
 */
window: TimeWindow | null, } | { "op": "assign", 
/**
 * Technician.
 */
assignee: UserId, } | { "op": "schedule", 
/**
 * Window.
 */
window: TimeWindow, } | { "op": "log_contact", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Channel.
 */
channel: ContactChannel, 
/**
 * Customer reached.
 */
reached: boolean, 
/**
 * Notes.
 */
note: string, } | { "op": "check_in", 
/**
 * Visit id.
 */
visit: RecordId, } | { "op": "show_work_id" } | { "op": "check_out" } | { "op": "receive", 
/**
 * Condition on arrival.
 */
condition: string, 
/**
 * Hash of the photo on the order of the condition on arrival (mail-in needs one).
 */
photo?: string, 
/**
 * The customer's signature on receipt (carry-in needs one).
 */
signature?: SignatureCapture, } | { "op": "confirm_fault", 
/**
 * The fault as confirmed.
 */
note: string, } | { "op": "record_diagnosis", 
/**
 * Cause.
 */
cause: string, 
/**
 * Measures.
 */
plan: string, 
/**
 * Part numbers.
 */
parts: Array<string>, 
/**
 * Tools.
 */
tools: string, 
/**
 * Estimated minutes.
 */
estimated_minutes: number, 
/**
 * Fee estimate (zero when free).
 */
estimated_fee: Money, 
/**
 * Risks explained.
 */
risks: string, 
/**
 * The repair touches data stored in the customer's product.
 */
touches_data?: boolean, } | { "op": "approve_plan", 
/**
 * Notes.
 */
note: string, } | { "op": "record_consent", 
/**
 * Customer name.
 */
customer_name: string, 
/**
 * Fee agreed (required when chargeable).
 */
fee_agreed: Money | null, 
/**
 * Agreed over the phone (mail-in).
 */
by_phone?: boolean, } | { "op": "reassess_charge", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Damaged by the customer.
 */
customer_damage: boolean, 
/**
 * Hash of a photo on the order showing the damage (required when found).
 */
evidence?: string, 
/**
 * What was found.
 */
note: string, } | { "op": "add_repair_step", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * What was done.
 */
description: string, 
/**
 * Minutes.
 */
minutes: number, } | { "op": "use_part", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Catalog part.
 */
part: PartId, 
/**
 * Part number.
 */
part_number: string, 
/**
 * From the catalog: genuine or certified.
 */
certified: boolean, 
/**
 * From the catalog: serialized.
 */
serialized: boolean, 
/**
 * Quantity.
 */
quantity: number, 
/**
 * New serials.
 */
serials_new: Array<string>, 
/**
 * Old serials.
 */
serials_old: Array<string>, 
/**
 * Van.
 */
location: LocationId, } | { "op": "remove_part", 
/**
 * Record id.
 */
id: RecordId, } | { "op": "record_test", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Passed.
 */
passed: boolean, 
/**
 * Notes.
 */
notes: string, 
/**
 * Care advice given.
 */
care_advice_given: boolean, } | { "op": "sign_off", 
/**
 * Record id of the signature kept in `signatures`.
 */
id: RecordId, 
/**
 * Signer.
 */
signer: string, 
/**
 * Rating 1–5.
 */
rating: number | null, 
/**
 * Signature blob hash.
 */
signature_blob: string, } | { "op": "object", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Signer.
 */
signer: string, 
/**
 * Objection.
 */
text: string, 
/**
 * The objection's signature blob hash, when the customer signed it.
 */
signature_blob?: string, } | { "op": "record_payment", 
/**
 * Amount received.
 */
amount: Money, 
/**
 * How it was paid.
 */
method: string, 
/**
 * Transaction number or receipt reference.
 */
reference: string, } | { "op": "ship_back", 
/**
 * Carrier.
 */
carrier: string, 
/**
 * Tracking number.
 */
tracking: string, } | { "op": "close" } | { "op": "cancel", 
/**
 * Why.
 */
reason: string, } | { "op": "hold", 
/**
 * Kind.
 */
kind: HoldKind, 
/**
 * Why.
 */
reason: string, } | { "op": "resume" } | { "op": "reopen", 
/**
 * Why.
 */
reason: string, } | { "op": "override_fee", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * New fee.
 */
fee: Money, 
/**
 * Why.
 */
reason: string, } | { "op": "follow_up", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Channel.
 */
channel: ContactChannel, 
/**
 * Score 1–5.
 */
score: number | null, 
/**
 * Comments.
 */
comment: string, } | { "op": "comment", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Text.
 */
text: string, } | { "op": "add_photo", 
/**
 * Blob hash.
 */
hash: string, 
/**
 * Caption.
 */
caption: string, } | { "op": "authorise_data_access", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Customer.
 */
signer: string, 
/**
 * Scope.
 */
scope: string, } | { "op": "raise_flag", 
/**
 * The flag, with its id made by the server.
 */
flag: Flag, } | { "op": "resolve_flag", 
/**
 * The flag.
 */
id: RecordId, 
/**
 * What was done, in words.
 */
note: string, 
/**
 * The value to keep, for a conflict.
 */
choice: string | null, } | { "op": "resolve_remotely", 
/**
 * How it was resolved, as told to the customer.
 */
resolution: string, } | { "op": "answer_consultation", 
/**
 * The answer given to the customer.
 */
answer: string, } | { "op": "decide_return", 
/**
 * Record id of the decision.
 */
id: RecordId, 
/**
 * The claim as inspected (kind, grounds, what was found).
 */
claim: Claim, 
/**
 * Granted, or refused.
 */
granted: boolean, 
/**
 * Why, in the agent's words.
 */
reason: string, } | { "op": "note_clock_offsets", 
/**
 * One per corrected instant.
 */
offsets: Array<ClockOffset>, } | { "op": "set_customer_tier", 
/**
 * Regular, long-term or key account.
 */
tier: CustomerTier, };

/**
 * A parts catalog entry (备件).
 */
export type Part = { 
/**
 * Stable id.
 */
id: PartId, 
/**
 * Part number.
 */
number: string, 
/**
 * Name.
 */
name: string, 
/**
 * Unit of measure ("pcs", "m").
 */
unit: string, 
/**
 * List price.
 */
price: Money, 
/**
 * Serialized parts record a serial on every issue and use.
 */
serialized: boolean, 
/**
 * Valuable or limited (贵重/限量): a supervisor approves their issue.
 */
valuable: boolean, 
/**
 * Genuine or certified (原厂或认证): only these may be used on a repair.
 */
certified: boolean, 
/**
 * What a barcode scanner reads off the packaging (EAN-13); empty when unlabelled.
 */
barcode: string, };

/**
 * A request as the office takes it in.
 */
export type Intake = { 
/**
 * Where the request came from.
 */
channel: Channel, 
/**
 * What the request is: consultation, tech support, repair, installation, complaint
 * or return/exchange.
 */
classification: Classification, 
/**
 * Who asks.
 */
customer: IntakeCustomer, 
/**
 * What for.
 */
product: IntakeProduct, 
/**
 * The fault code, as classified at intake (may be empty).
 */
fault_code: string, 
/**
 * The customer's words.
 */
description: string, 
/**
 * When the fault appeared, as the customer says.
 */
fault_since: string | null, 
/**
 * External damage (外力损坏) seen or reported; empty when none.
 */
external_damage: string, 
/**
 * On site, mail-in or carry-in.
 */
mode: ServiceMode, 
/**
 * Normal or emergency.
 */
priority: Priority, };

/**
 * The customer on the intake form.
 */
export type IntakeCustomer = { 
/**
 * Name.
 */
name: string, 
/**
 * Phone.
 */
phone: string, 
/**
 * Service address.
 */
address: string, 
/**
 * A key account (大客户) has the shorter SLA.
 */
key_account: boolean, };

/**
 * The product on the intake form.
 */
export type IntakeProduct = { 
/**
 * Model.
 */
model: string, 
/**
 * Serial number (may be empty when the customer cannot read it).
 */
serial: string, 
/**
 * Purchase date from the invoice, if there is one.
 */
purchase_date: string | null, 
/**
 * Delivery date, from which the return and exchange windows count.
 */
delivered_on: string | null, };

/**
 * An error as the UI receives it.
 */
export type CommandError = { 
/**
 * A stable i18n key, such as `errors.order.consent_missing`.
 */
code: string, 
/**
 * What went wrong, for logs and support.
 */
message: string, 
/**
 * Values for the translated message, e.g. `{"unsent": 3}` or
 * `{"action": "reopen", "role": "dispatcher"}`.
 */
details: Record<string, string | number | boolean | null>, };

/**
 * Who is signed in on this device.
 */
export type Me = { 
/**
 * User id.
 */
id: string, 
/**
 * Login.
 */
login: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Technicians get the phone face, office roles the desk.
 */
role: Role, 
/**
 * The desk offers the review of held changes (the server checks it again).
 */
reviews_held_changes: boolean, 
/**
 * The desk offers the KPI page (the server checks it again).
 */
sees_kpis: boolean, 
/**
 * The desk offers the complaint desk (the rules' office roles for complaints).
 */
handles_complaints: boolean, 
/**
 * The desk offers the follow-up queue (the roles that may record a follow-up).
 */
follows_up: boolean, 
/**
 * The customer page (search, history, the tier) is in the rail: the roles that
 * set a customer's tier.
 */
sees_customers: boolean, };

/**
 * What the start screen needs to know about this device.
 */
export type AppStatus = { 
/**
 * The app's version.
 */
version: string, 
/**
 * This device's id.
 */
device_id: string, 
/**
 * The server this device is enrolled with, if the user has signed in.
 */
server: string | null, 
/**
 * Who is signed in.
 */
user: Me | null, };

/**
 * The status bar: online, syncing, last sync, unsent changes, last error.
 */
export type SyncStatus = { 
/**
 * The last sync attempt reached the server.
 */
online: boolean, 
/**
 * A sync round is running right now.
 */
syncing: boolean, 
/**
 * When the last sync succeeded (RFC 3339).
 */
last_sync_at: string | null, 
/**
 * Documents with changes the server has not acknowledged yet.
 */
unsent: number, 
/**
 * i18n key of the last sync's failure (`errors.sync.offline` …), null after a success.
 */
last_error: string | null, 
/**
 * How far this device's clock is from the server's.
 */
clock_offset_ms: number | null, 
/**
 * Grows whenever a sync brought something in: views reload when it changes.
 */
data_version: number, };

/**
 * What the UI asks of the order list. Empty filters match everything.
 */
export type OrderQuery = { 
/**
 * Order states to include; empty means all.
 */
states: Array<OrderState>, 
/**
 * A technician's user id.
 */
assignee?: string, 
/**
 * Only unassigned orders (dispatch board).
 */
unassigned: boolean, 
/**
 * Only orders with this SLA status now.
 */
sla?: SlaStatus, 
/**
 * Customer name, phone, address, serial, model or order number.
 */
text?: string, 
/**
 * Scheduled (or, unscheduled, created) on or after this instant.
 */
from?: string, 
/**
 * …and before this instant.
 */
to?: string, 
/**
 * At most this many rows (500 when absent).
 */
limit?: number, };

/**
 * SLA status as lists and the order page show it (mirrors the device's `SlaFilter`).
 */
export type SlaStatus = "on_track" | "at_risk" | "breached" | "paused";

/**
 * An agreed visit window.
 */
export type Window = { 
/**
 * Start.
 */
start: string, 
/**
 * End.
 */
end: string, };

/**
 * Sign-off status of an order.
 */
export type SignOffState = "none" | "valid" | "void";

/**
 * One row of an order list.
 */
export type OrderListItem = { 
/**
 * Order id.
 */
id: string, 
/**
 * Human number.
 */
number: string, 
/**
 * Lifecycle state.
 */
state: OrderState, 
/**
 * Assigned technician's user id.
 */
assignee: string | null, 
/**
 * Their name, from the staff list.
 */
assignee_name: string | null, 
/**
 * Customer.
 */
customer_name: string, 
/**
 * Phone.
 */
phone: string, 
/**
 * Address.
 */
address: string, 
/**
 * Product model.
 */
product_model: string, 
/**
 * Serial.
 */
serial: string, 
/**
 * The agreed visit window.
 */
window: Window | null, 
/**
 * The earliest running SLA deadline.
 */
due_at: string | null, 
/**
 * SLA status now.
 */
sla: SlaStatus | null, 
/**
 * Sign-off status.
 */
sign_off: SignOffState, 
/**
 * Open (unresolved) flags.
 */
open_flags: number, 
/**
 * This device has changes to the order the server has not acknowledged yet.
 */
unsent: boolean, 
/**
 * Last change.
 */
updated_at: string, };

/**
 * What the board asks for. Empty filters match everything.
 */
export type BoardQuery = { 
/**
 * Only this technician's orders (and complaints they own).
 */
assignee?: string, 
/**
 * Only this clock.
 */
clock?: ClockKind, };

/**
 * Which kind of document a board row opens.
 */
export type BoardDoc = "order" | "complaint";

/**
 * One clock on the board.
 */
export type BoardRow = { 
/**
 * What the row opens.
 */
doc: BoardDoc, 
/**
 * The document's id.
 */
id: string, 
/**
 * Its human number.
 */
number: string, 
/**
 * The customer (or complainant).
 */
customer: string, 
/**
 * The technician (or complaint owner), if any.
 */
assignee: string | null, 
/**
 * Their name, from the staff list.
 */
assignee_name: string | null, 
/**
 * At risk, breached or paused.
 */
status: SlaStatus, 
/**
 * The deadline now, extended by the time spent paused.
 */
deadline: string, 
/**
 * Milliseconds left until the deadline (negative once breached).
 */
left_ms: number, };

/**
 * The rows of one clock.
 */
export type BoardGroup = { 
/**
 * The clock: i18n key `sla.clock.<name>`.
 */
clock: ClockKind, 
/**
 * Its rows, least time left first.
 */
rows: Array<BoardRow>, };

/**
 * The board.
 */
export type SlaBoard = { 
/**
 * When it was evaluated.
 */
at: string, 
/**
 * One group per clock with rows, in the clocks' order.
 */
groups: Array<BoardGroup>, };

/**
 * One SLA clock as the order page shows it.
 */
export type ClockView = { 
/**
 * The clock (`contact`, `arrival`, `repair` …): i18n key `sla.clock.<name>`.
 */
clock: ClockKind, 
/**
 * Its status now.
 */
status: SlaStatus, 
/**
 * Its deadline.
 */
deadline: string, 
/**
 * Still running.
 */
running: boolean, };

/**
 * A field with concurrent values a person must decide between.
 */
export type ConflictView = { 
/**
 * Field name, e.g. `state`, `assignee`, `fee`.
 */
field: string, 
/**
 * Each concurrent value, as a display string.
 */
values: Array<string>, };

/**
 * Where a change came from, as the server attests it.
 */
export type ChangeSource = { "kind": "device", 
/**
 * The device's name, as given at enrollment.
 */
device_name: string, 
/**
 * The attested user.
 */
user_id: string, 
/**
 * Their name.
 */
user_name: string, 
/**
 * Their role.
 */
role: Role, } | { "kind": "server" } | { "kind": "unknown" };

/**
 * One change in the order's history: who, in which role, what, when, on which device.
 */
export type ChangeView = { 
/**
 * When (the change's own timestamp).
 */
at: string, 
/**
 * User id, or `server` for the server's own changes.
 */
by: string, 
/**
 * The role they acted in.
 */
role: Role | null, 
/**
 * The op tag, e.g. `check_in`.
 */
op: string, 
/**
 * The first characters of the device's actor id.
 */
device: string, 
/**
 * Who the server attests made it, from this device's copy of the actor directory.
 */
source: ChangeSource, };

/**
 * A change of this device the server still holds for a supervisor, and why: from the
 * server's list of this device's open held changes, as of the last sync, so it clears
 * once a supervisor has decided them.
 */
export type QuarantineView = { 
/**
 * Why the first of them is held, as the UI words it.
 */
reason: HeldReasonView, 
/**
 * How many of this device's changes to the order are held.
 */
count: number, };

/**
 * Why an operation is refused now: the lifecycle's code and the values it names.
 */
export type Refusal = { 
/**
 * i18n key, e.g. `errors.order.role_not_permitted`.
 */
code: string, 
/**
 * The role, the state, the action … for the translated message.
 */
details: Record<string, string | number | boolean | null>, };

/**
 * One operation the user's role could make on this order.
 */
export type OpCheck = { 
/**
 * The op tag, as in `OrderOp` (`check_in`, `reopen` …).
 */
op: string, 
/**
 * Allowed now.
 */
allowed: boolean, 
/**
 * Why not, when not.
 */
refusal: Refusal | null, };

/**
 * One signature on the order, as the order page lists it (oldest first).
 */
export type SignatureView = { 
/**
 * The signature as recorded (see `onsite_core::records::signature`).
 */
signature: Signature, 
/**
 * The current sign-off: the one the order's `sign_off` holds.
 */
current: boolean, };

/**
 * Everything the order page shows.
 */
export type OrderDetail = { 
/**
 * The order as the device has it.
 */
order: OrderDoc, 
/**
 * The company settings version the order runs under ("rules of 1 Dec 2026,
 * version 3").
 */
rules: RulesVersion, 
/**
 * SLA clocks.
 */
clocks: Array<ClockView>, 
/**
 * Sign-off status.
 */
sign_off: SignOffState, 
/**
 * Every signature on the order, oldest first, old documents included.
 */
signatures: Array<SignatureView>, 
/**
 * Concurrent values to decide.
 */
conflicts: Array<ConflictView>, 
/**
 * Warranty on the company's date today, from the purchase date.
 */
warranty: WarrantyStatus, 
/**
 * The repair is charged to the customer.
 */
chargeable: boolean, 
/**
 * Every op the user's role could make, in the visit's order, allowed or why not.
 */
ops: Array<OpCheck>, 
/**
 * The op tags of `ops` that are allowed now.
 */
allowed: Array<string>, 
/**
 * The technician's visit as steps in the rules' order.
 */
steps: Array<VisitStep>, 
/**
 * User id → display name, for history and records.
 */
people: { [key in string]: string }, 
/**
 * Every change to the order, oldest first.
 */
changes: Array<ChangeView>, 
/**
 * This device has changes the server has not acknowledged yet.
 */
unsent: boolean, 
/**
 * The server held back a change from this device.
 */
quarantined: QuarantineView | null, };

/**
 * One product in the workshop.
 */
export type WorkshopItem = { 
/**
 * Order id.
 */
id: string, 
/**
 * Order number.
 */
number: string, 
/**
 * Mail-in or carry-in.
 */
mode: ServiceMode, 
/**
 * Where the order stands.
 */
state: OrderState, 
/**
 * Customer.
 */
customer_name: string, 
/**
 * Product model and serial.
 */
product: string, 
/**
 * When it arrived.
 */
received_at: string, 
/**
 * The assigned technician's name, if any.
 */
assignee_name: string | null, 
/**
 * The mail-in inspection clock (24 h from receipt), while it matters.
 */
clock: WorkshopClock | null, };

/**
 * A workshop product's clock.
 */
export type WorkshopClock = { 
/**
 * The clock (`mail_in_inspection`): i18n key `sla.clock.<name>`.
 */
kind: ClockKind, 
/**
 * Its status now.
 */
status: SlaStatus, 
/**
 * Its deadline.
 */
deadline: string, 
/**
 * Still running (not inspected yet).
 */
running: boolean, };

/**
 * A step of the visit.
 */
export type StepId = "contact" | "check_in" | "arrive" | "diagnosis" | "consent" | "repair" | "parts" | "photos" | "test" | "sign_off" | "close";

/**
 * Where a step stands.
 */
export type StepStatus = "done" | "next" | "open" | "locked";

/**
 * One step as the visit screen draws it.
 */
export type VisitStep = { 
/**
 * Which step.
 */
id: StepId, 
/**
 * Where it stands.
 */
status: StepStatus, 
/**
 * Optional steps never become "next" and never hold the visit up.
 */
optional: boolean, 
/**
 * The op tags that work this step.
 */
ops: Array<string>, 
/**
 * Why the step is locked: the lifecycle's refusal of its op.
 */
reason: Refusal | null, };

/**
 * What the UI sends for a part used.
 */
export type UsePart = { 
/**
 * The order.
 */
id: string, 
/**
 * A fresh record id, made by the UI so a retry is recognised.
 */
recordId: string, 
/**
 * The catalog part.
 */
partId: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * Serials of the new units (serialized parts).
 */
serialsNew: Array<string>, 
/**
 * Serials of the units taken out.
 */
serialsOld: Array<string>, };

/**
 * What comes with a photo's bytes: the order and the caption. The shell reads them
 * from the request's headers, the bridge from its JSON.
 */
export type PhotoArgs = { 
/**
 * The order.
 */
id: string, 
/**
 * The technician's caption.
 */
caption: string, };

/**
 * A strokes capture from signature_pad: `toData()` plus the canvas size in CSS px.
 */
export type SignatureInput = { 
/**
 * Canvas width in CSS px.
 */
width: number, 
/**
 * Canvas height in CSS px.
 */
height: number, 
/**
 * signature_pad's stroke groups, kept as drawn.
 */
strokes: unknown[], };

/**
 * Warranty and chargeability for a purchase date, shown live on the intake form.
 */
export type WarrantyCheck = { 
/**
 * The product warranty today.
 */
warranty: WarrantyStatus, 
/**
 * The repair would be charged (before any repeat-repair warranty).
 */
chargeable: boolean, };

/**
 * A part and how many are in the van.
 */
export type VanStockItem = { 
/**
 * The catalog part.
 */
part: Part, 
/**
 * Units in the technician's van as this device knows; below zero means over-used.
 */
quantity: number, };

/**
 * A member of staff for the dispatch board.
 */
export type StaffMember = { 
/**
 * User id.
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Role.
 */
role: Role, 
/**
 * Orders assigned to them with a visit window starting on the day asked about.
 */
load: number, };

/**
 * What kind of place stock sits in.
 */
export type LocationKind = "warehouse" | "van";

/**
 * A stock location.
 */
export type Location = { 
/**
 * Stable id.
 */
id: LocationId, 
/**
 * Name.
 */
name: string, 
/**
 * Warehouse or van.
 */
kind: LocationKind, 
/**
 * The technician a van belongs to.
 */
holder: UserId | null, };

/**
 * One stock movement in the ledger.
 */
export type MovementId = string;

/**
 * A parts requisition (领用申请); also the id of its Automerge document.
 */
export type RequisitionId = string;

/**
 * An area of the company's set-up that the office administers.
 */
export type OfficeArea = "catalog" | "stock" | "approvals" | "issuing" | "people";

/**
 * What an import did.
 */
export type ImportReport = { 
/**
 * Parts new to the catalog.
 */
added: number, 
/**
 * Parts whose number was there already, updated.
 */
updated: number, };

/**
 * Goods received into a warehouse (入库, `POST /v1/office/stock/receipts`): one
 * `receive` movement in the ledger.
 */
export type StockReceipt = { 
/**
 * The movement's id, chosen by the client: a retried receipt counts once.
 */
id: MovementId, 
/**
 * The warehouse receiving.
 */
warehouse: LocationId, 
/**
 * The part.
 */
part: PartId, 
/**
 * Units received.
 */
quantity: number, 
/**
 * One serial per unit for serialized parts.
 */
serials: Array<string>, 
/**
 * Delivery note, supplier, …
 */
note: string, };

/**
 * A storekeeper's transfer from a warehouse to a technician's van (发放,
 * `POST /v1/office/stock/transfers`): recorded as a requisition document that is raised,
 * approved and issued at once, so the technician's device receives it like any
 * requisition and its van stock follows from the ledger.
 */
export type StockTransfer = { 
/**
 * The requisition's id, chosen by the client: a retried transfer moves stock once.
 */
id: RequisitionId, 
/**
 * The warehouse sending.
 */
from: LocationId, 
/**
 * The van receiving.
 */
to: LocationId, 
/**
 * The part.
 */
part: PartId, 
/**
 * Units.
 */
quantity: number, 
/**
 * One serial per unit for serialized parts.
 */
serials: Array<string>, 
/**
 * Why (kept as the approval note).
 */
note: string, };

/**
 * The book balance of one part at one location.
 */
export type StockLine = { 
/**
 * Where.
 */
location: LocationId, 
/**
 * What.
 */
part: PartId, 
/**
 * Units, summed over the ledger; below zero is over-use to resolve.
 */
quantity: number, };

/**
 * One recent movement, for the office's stock screen.
 */
export type StockEntry = { 
/**
 * Movement id.
 */
id: string, 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * Who recorded it.
 */
by: string, 
/**
 * `receive`, `issue`, `use`, `return`, …
 */
kind: string, 
/**
 * The part's number.
 */
part_number: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * Where from, by name.
 */
from: string | null, 
/**
 * Where to, by name.
 */
to: string | null, };

/**
 * Everything the stock screen shows (`GET /v1/office/stock`).
 */
export type StockOverview = { 
/**
 * Warehouses and vans.
 */
locations: Array<Location>, 
/**
 * The catalog.
 */
parts: Array<Part>, 
/**
 * Non-zero balances per location and part.
 */
balances: Array<StockLine>, 
/**
 * The latest movements, newest first.
 */
recent: Array<StockEntry>, };

/**
 * A new account (`POST /v1/office/users`).
 */
export type NewUser = { 
/**
 * Sign-in name.
 */
login: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Role.
 */
role: Role, 
/**
 * First password (at least 8 characters).
 */
password: string, };

/**
 * An account as the supervisor's people screen shows it.
 */
export type UserEntry = { 
/**
 * User id.
 */
id: string, 
/**
 * Sign-in name.
 */
login: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Role.
 */
role: Role, 
/**
 * When created (RFC 3339).
 */
created_at: string, 
/**
 * When disabled, if it is.
 */
disabled_at: string | null, };

/**
 * An enrolled device with its user.
 */
export type DeviceEntry = { 
/**
 * Device id.
 */
id: string, 
/**
 * Its name, as given at enrollment.
 */
name: string, 
/**
 * The user it is enrolled for.
 */
user_id: string, 
/**
 * Their display name.
 */
user_name: string, 
/**
 * When enrolled (RFC 3339).
 */
enrolled_at: string, 
/**
 * When it last synced or called the server (to the minute).
 */
last_seen_at: string | null, 
/**
 * When revoked, if it is.
 */
revoked_at: string | null, };

/**
 * One recorded set-up action: who did what, to whom, when.
 */
export type AuditEntry = { 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * Who did it; `None` for the server's command line.
 */
by: string | null, 
/**
 * Their name at the time, or "command line".
 */
by_name: string, 
/**
 * `user_added`, `user_disabled`, `role_changed`, `password_reset`,
 * `device_revoked`, `catalog_imported`, `part_saved`, `stock_received`,
 * `stock_transferred`, `warehouse_added`, `first_supervisor`.
 */
action: string, 
/**
 * Whom or what it was done to (a login, a device name, a part number).
 */
subject: string, 
/**
 * The particulars as a JSON object, for the desk to word in its language: the
 * new `role` (and the one it was `from`), how many devices were `revoked`, how many
 * parts were `added` and `updated`, the `quantity` moved `from` and `to` where.
 */
detail: string, };

/**
 * Everything the people screen shows (`GET /v1/office/people`).
 */
export type PeopleOverview = { 
/**
 * Every account, enabled first.
 */
users: Array<UserEntry>, 
/**
 * Every enrolled device, newest first.
 */
devices: Array<DeviceEntry>, 
/**
 * The latest recorded actions, newest first.
 */
audit: Array<AuditEntry>, };

/**
 * A stock action from the desk.
 */
export type StockAction = { "action": "add_warehouse", 
/**
 * Picked by the UI, so a retry adds one.
 */
id: LocationId, 
/**
 * Its name.
 */
name: string, } | { "action": "receive", 
/**
 * The receipt.
 */
receipt: StockReceipt, } | { "action": "transfer", 
/**
 * The transfer.
 */
transfer: StockTransfer, };

/**
 * An action on people or devices from the desk.
 */
export type PeopleAction = { "action": "add_user", 
/**
 * Who.
 */
user: NewUser, } | { "action": "set_role", 
/**
 * The user id.
 */
id: string, 
/**
 * The new role.
 */
role: Role, } | { "action": "disable", 
/**
 * The user id.
 */
id: string, } | { "action": "enable", 
/**
 * The user id.
 */
id: string, } | { "action": "reset_password", 
/**
 * The user id.
 */
id: string, 
/**
 * The new password.
 */
password: string, } | { "action": "revoke_device", 
/**
 * The device id.
 */
id: string, };

/**
 * How long a clock runs: wall-clock time, or working days on the company calendar.
 */
export type SlaSpan = { "seconds": number } | { "working_days": number };

/**
 * The response and resolution times (时效) table of the domain rules.
 */
export type SlaSettings = { 
/**
 * Phone call answered: 10 s. Informational; measured by the telephony system.
 */
phone_answer: SlaSpan, 
/**
 * Online message (WeChat, website, app) first reply: 30 min.
 */
online_first_reply: SlaSpan, 
/**
 * First response to a request: 24 h.
 */
first_response: SlaSpan, 
/**
 * First handling: 48 h (internet products). `None` turns the clock off.
 */
first_handling: SlaSpan | null, 
/**
 * Resolution: 72 h (internet products). `None` turns the clock off.
 */
resolution: SlaSpan | null, 
/**
 * Technician (or dispatcher) contacts the customer after dispatch: 24 h.
 */
contact_after_dispatch: SlaSpan, 
/**
 * Mail-in product inspected after receipt: 24 h.
 */
mail_in_inspection: SlaSpan, 
/**
 * Repair record entered (order closed) after completion: 2 working days.
 */
record_entry: SlaSpan, 
/**
 * Emergency: respond. The regulation leaves `[X]`; Onsite's default is 2 h.
 */
emergency_response: SlaSpan, 
/**
 * Emergency: be on site. The regulation leaves `[X]`; Onsite's default is 4 h.
 */
emergency_on_site: SlaSpan, 
/**
 * Complaint: first contact: 1 h.
 */
complaint_first_contact: SlaSpan, 
/**
 * General complaint (一般投诉) resolved: 3 working days.
 */
general_complaint_resolved: SlaSpan, 
/**
 * Major complaint (重大投诉) resolved: 7 working days.
 */
major_complaint_resolved: SlaSpan, 
/**
 * Satisfaction follow-up (回访) after closing: `[X]` working days, default 3.
 */
follow_up: SlaSpan, };

/**
 * The company as its reports and sign-off sheets name it.
 */
export type CompanyInfo = { 
/**
 * The company's name.
 */
name: string, 
/**
 * Its address.
 */
address: string, 
/**
 * Its service phone number.
 */
phone: string, 
/**
 * Its logo as a `data:image/...;base64,` URL, or empty for none. Small (a few KB),
 * so it travels inside the reference data rather than as a blob.
 */
logo: string, };

/**
 * One company's settings.
 */
export type Settings = { 
/**
 * Currency of fees (ISO 4217).
 */
currency: string, 
/**
 * Product warranty from the purchase date: 3 years.
 */
warranty_years: number, 
/**
 * Repair warranty (维修质保期): the same fault coming back within this many days of
 * a repair is re-repaired free. The rules give no figure; Onsite's default is 90.
 */
repair_warranty_days: number, 
/**
 * Return (退货) window, natural days from the day after delivery: 7.
 */
return_window_days: number, 
/**
 * Exchange (换货) window, natural days from the day after delivery: 15.
 */
exchange_window_days: number, 
/**
 * A running clock is at risk under this percentage of its time left: 25.
 */
at_risk_percent: number, 
/**
 * Project work: a supervisor (or tech support) approves the plan before consent.
 */
plan_approval_required: boolean, 
/**
 * Which request types count as project work when plan approval is required; empty
 * means every order does (as before this list existed).
 */
project_work: Array<Classification>, 
/**
 * Long-term customers get a follow-up at least every this many months: 12.
 */
long_term_follow_up_months: number, 
/**
 * Key customers (重要客户) get a follow-up every this many months: 6.
 */
key_customer_follow_up_months: number, 
/**
 * The clocks.
 */
sla: SlaSettings, 
/**
 * Name, address, phone and logo for reports.
 */
company: CompanyInfo, 
/**
 * The classes a complaint's cause is classified by. Settings saved before the list
 * was kept read as the default classes.
 */
complaint_causes: Array<CauseClass>, };

/**
 * One saved version of the company settings.
 */
export type SettingsVersion = { 
/**
 * 1 for the regulation's figures the server starts with, then one more per change.
 */
version: number, 
/**
 * From when it applies (the instant it was saved).
 */
since: string, 
/**
 * Who saved it: a user id, or empty for the figures the server started with.
 */
by: string, 
/**
 * Their name, as it was then.
 */
by_name: string, 
/**
 * The figures.
 */
settings: Settings, };

/**
 * Every settings version, oldest first (`GET /v1/settings`).
 */
export type SettingsHistory = { 
/**
 * Oldest first.
 */
versions: Array<SettingsVersion>, };

/**
 * Whether a listed day is off or worked.
 */
export type DayKind = "holiday" | "workday";

/**
 * One listed day of the calendar.
 */
export type CalendarDay = { 
/**
 * The company-local date.
 */
date: string, 
/**
 * Off or worked.
 */
kind: DayKind, 
/**
 * What for, in words (may be empty).
 */
name: string, };

/**
 * One change to the calendar, as its log shows it.
 */
export type CalendarChange = { 
/**
 * When.
 */
at: string, 
/**
 * Who: user id.
 */
by: string, 
/**
 * Their name then.
 */
by_name: string, 
/**
 * The year changed.
 */
year: number, 
/**
 * `edited` or `imported` (a year's days), or `week` (the working week; `year` and
 * `days` are then 0).
 */
how: string, 
/**
 * How many days the year lists now.
 */
days: number, };

/**
 * The calendar as the desk edits it (`GET /v1/calendar`): the listed days of every
 * year and who changed what.
 */
export type CalendarView = { 
/**
 * Holidays and make-up working days, in date order.
 */
days: Array<CalendarDay>, 
/**
 * The weekend days, working hours and UTC offset.
 */
week: WorkingWeek, 
/**
 * Newest first.
 */
changes: Array<CalendarChange>, };

/**
 * The calendar's working week as the desk edits it (`PUT /v1/calendar/week`): which days
 * are off every week, the working hours, and the company's offset from UTC. Working-day
 * clocks count in it, so a change moves their deadlines.
 */
export type WorkingWeek = { 
/**
 * Days off every week, as ISO numbers: 1 Monday … 7 Sunday.
 */
weekend: Array<number>, 
/**
 * Start of the working hours, company-local (`09:00:00`).
 */
work_start: string, 
/**
 * End of the working hours, company-local (`18:00:00`).
 */
work_end: string, 
/**
 * Offset from UTC in minutes: China is 480 (+08:00).
 */
utc_offset_minutes: number, };

/**
 * The settings version an order's clocks and rules run under.
 */
export type RulesVersion = { 
/**
 * The version number.
 */
version: number, 
/**
 * From when it applied.
 */
since: string, };

/**
 * The settings screen: every version, oldest first, and whether this user may save.
 */
export type SettingsScreen = { 
/**
 * Every version, oldest first; the last one is in force.
 */
history: SettingsHistory, 
/**
 * The signed-in user is a supervisor (the server checks again).
 */
can_edit: boolean, };

/**
 * The calendar screen: the listed days, the change log, whether this user may edit.
 */
export type CalendarScreen = { 
/**
 * Days and log.
 */
calendar: CalendarView, 
/**
 * The signed-in user is a supervisor (the server checks again).
 */
can_edit: boolean, };

/**
 * Why a change is held: an i18n key and the role it names.
 */
export type HeldReasonView = { 
/**
 * i18n key, e.g. `held.reason.role_may_not_change`; `held.reason.other` for a code
 * this app does not know yet (shown with `raw`).
 */
code: string, 
/**
 * The pusher's role, for `role_may_not_change`.
 */
role: Role | null, 
/**
 * The server's code as it sent it.
 */
raw: string, };

/**
 * One rule the push broke.
 */
export type FindingView = { 
/**
 * i18n key, e.g. `held.finding.role_not_permitted`; `held.finding.other` for a code
 * this app does not know yet.
 */
code: string, 
/**
 * The server's code as it sent it.
 */
raw: string, 
/**
 * The document field, e.g. `state`, `comments`.
 */
field: string, 
/**
 * The record in a keyed list, when the rule is about one record.
 */
record: string | null, };

/**
 * A value shown as its leaves: `path` (empty for a plain value, `by.user` inside a
 * record) and the value as text.
 */
export type Leaf = { 
/**
 * Where in the value, dot-separated; empty for the value itself.
 */
path: string, 
/**
 * The value as text; `null` is the empty value.
 */
value: string | null, };

/**
 * A record of a keyed list.
 */
export type RecordView = { 
/**
 * Its key (`id`, or `hash` for photos).
 */
key: string, 
/**
 * Its values.
 */
leaves: Array<Leaf>, };

/**
 * A record whose content changed: only the leaves that differ, before and after.
 */
export type RecordChangeView = { 
/**
 * Its key.
 */
key: string, 
/**
 * The differing leaves as they were.
 */
before: Array<Leaf>, 
/**
 * The differing leaves as the change would make them.
 */
after: Array<Leaf>, };

/**
 * What a change would have done to one field.
 */
export type FieldChangeView = { "kind": "value", 
/**
 * The document field.
 */
field: string, 
/**
 * As it was.
 */
before: Array<Leaf>, 
/**
 * As the change would make it.
 */
after: Array<Leaf>, } | { "kind": "records", 
/**
 * The document field.
 */
field: string, 
/**
 * New records.
 */
added: Array<RecordView>, 
/**
 * Changed records.
 */
changed: Array<RecordChangeView>, 
/**
 * Records taken out.
 */
removed: Array<RecordView>, };

/**
 * Where a held change stands.
 */
export type HeldStatus = "open" | "released" | "discarded";

/**
 * A change the server holds for review, as the desk shows it.
 */
export type HeldChangeView = { 
/**
 * The quarantine entry.
 */
id: string, 
/**
 * The document it was pushed for.
 */
doc_id: string, 
/**
 * `order`, `requisition` or `complaint`.
 */
kind: string, 
/**
 * The order's number, when it is an order this device holds.
 */
order_number: string | null, 
/**
 * The user the server attests pushed it (the device's enrolled user).
 */
user_id: string, 
/**
 * Their name.
 */
user_name: string, 
/**
 * The enrolled device it came from.
 */
device_id: string, 
/**
 * The device's name, as given at enrollment.
 */
device_name: string, 
/**
 * When the server received it (RFC 3339).
 */
received_at: string, 
/**
 * Why it is held.
 */
reason: HeldReasonView, 
/**
 * Each rule the push broke.
 */
findings: Array<FindingView>, 
/**
 * What the change would have done, field by field.
 */
changes: Array<FieldChangeView>, 
/**
 * Merged and put back (true), or held unmerged (false).
 */
neutralised: boolean, 
/**
 * Open, or how a supervisor decided it.
 */
status: HeldStatus, 
/**
 * The supervisor who decided it.
 */
decided_by: string | null, 
/**
 * Their name, when this device knows it.
 */
decided_by_name: string | null, 
/**
 * When it was decided (RFC 3339).
 */
decided_at: string | null, };

/**
 * What a movement records.
 */
export type MovementKind = "receive" | "requisition" | "approve" | "issue" | "use" | "return" | "scrap" | "supplier_return" | "count_adjustment";

/**
 * Where a requisition stands.
 */
export type RequisitionStatus = "requested" | "approved" | "rejected" | "issued" | "closed" | "cancelled";

/**
 * What a technician hands back.
 */
export type HandBackKind = "unused" | "old_part";

/**
 * Where a part taken back goes.
 */
export type ReturnOutcome = "to_stock" | "to_supplier" | "scrapped";

/**
 * One requested part as the queues show it.
 */
export type QueueLine = { 
/**
 * Line id.
 */
id: string, 
/**
 * Part id.
 */
part: string, 
/**
 * Part number.
 */
part_number: string, 
/**
 * Part name.
 */
part_name: string, 
/**
 * Valuable or limited (a supervisor approves).
 */
valuable: boolean, 
/**
 * Serialized (one serial per unit issued).
 */
serialized: boolean, 
/**
 * Asked for.
 */
requested: number, 
/**
 * Approved.
 */
approved: number, 
/**
 * Issued so far.
 */
issued: number, 
/**
 * Taken back so far.
 */
returned: number, 
/**
 * The issuing warehouse's book balance of the part now.
 */
in_warehouse: number, };

/**
 * What the storekeeper did with a hand-back.
 */
export type TakenBackView = { 
/**
 * Where it went.
 */
outcome: ReturnOutcome, 
/**
 * Why.
 */
reason: string, 
/**
 * Who took it back.
 */
by_name: string, 
/**
 * When (RFC 3339).
 */
at: string, };

/**
 * Parts a technician handed back.
 */
export type QueueHandBack = { 
/**
 * Hand-back id.
 */
id: string, 
/**
 * Unused units or an old part.
 */
what: HandBackKind, 
/**
 * Part number.
 */
part_number: string, 
/**
 * Part name.
 */
part_name: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * Serials (old serials for old parts).
 */
serials: Array<string>, 
/**
 * The order they come back from, by number.
 */
order_number: string | null, 
/**
 * The technician's note.
 */
note: string, 
/**
 * Who handed it back.
 */
by_name: string, 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * The storekeeper's take-back, once made.
 */
taken_back: TakenBackView | null, };

/**
 * Whether an action is open to the signed-in role now.
 */
export type ActionCheck = { 
/**
 * `approve`, `reject`, `issue` or `take_back`.
 */
action: string, 
/**
 * The refusal's code, or `None` when allowed.
 */
refused: string | null, };

/**
 * A requisition in the office's queues.
 */
export type QueueEntry = { 
/**
 * Requisition id.
 */
id: string, 
/**
 * Its number.
 */
number: string, 
/**
 * Where it stands.
 */
status: RequisitionStatus, 
/**
 * The technician asking.
 */
requester_name: string, 
/**
 * Their van.
 */
van_name: string, 
/**
 * The warehouse issuing.
 */
warehouse_name: string, 
/**
 * The order the parts are for.
 */
order_number: string | null, 
/**
 * When asked (RFC 3339).
 */
requested_at: string, 
/**
 * Who approved, if anyone.
 */
approved_by: string | null, 
/**
 * Why rejected.
 */
reason: string, 
/**
 * The lines.
 */
lines: Array<QueueLine>, 
/**
 * What came back.
 */
handbacks: Array<QueueHandBack>, 
/**
 * For each action of the queues, whether the signed-in role may take it now:
 * `None` when it may, else the refusal's i18n code.
 */
checks: Array<ActionCheck>, };

/**
 * The office's requisition queues (`GET /v1/office/requisitions`): requisitions waiting
 * for approval, approved ones with parts still to issue, and every one with parts
 * handed back and not yet taken back, oldest first.
 */
export type RequisitionQueue = { 
/**
 * Waiting for approval.
 */
to_approve: Array<QueueEntry>, 
/**
 * Approved, parts still to issue.
 */
to_issue: Array<QueueEntry>, 
/**
 * Parts handed back and not yet taken back.
 */
to_take_back: Array<QueueEntry>, };

/**
 * An approved quantity for one line.
 */
export type LineQuantity = { 
/**
 * The line.
 */
line: RecordId, 
/**
 * Units approved (0 refuses the line).
 */
quantity: number, };

/**
 * What the desk does to a requisition (`POST /v1/office/requisitions/{id}`).
 */
export type RequisitionAction = { "action": "approve", 
/**
 * Chosen by the client: a retried approval approves once.
 */
id: RecordId, 
/**
 * Cut quantities.
 */
quantities: Array<LineQuantity>, 
/**
 * Notes.
 */
note: string, } | { "action": "reject", 
/**
 * Why.
 */
reason: string, } | { "action": "issue", 
/**
 * The movement's id, chosen by the client.
 */
id: RecordId, 
/**
 * The line.
 */
line: RecordId, 
/**
 * Units.
 */
quantity: number, 
/**
 * One serial per unit for serialized parts.
 */
serials: Array<string>, } | { "action": "take_back", 
/**
 * The movement's id, chosen by the client.
 */
id: RecordId, 
/**
 * The hand-back.
 */
handback: RecordId, 
/**
 * Back to stock, to the supplier, or scrapped.
 */
outcome: ReturnOutcome, 
/**
 * Why (required for scrapping).
 */
reason: string, };

/**
 * What the phone sends to ask for parts.
 */
export type AskParts = { 
/**
 * A fresh requisition id, made by the UI so a retry asks once.
 */
requisitionId: string, 
/**
 * A fresh line id.
 */
lineId: string, 
/**
 * The catalog part.
 */
partId: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * The order the parts are for.
 */
orderId: string | null, };

/**
 * What the phone sends to hand parts back.
 */
export type HandBackArgs = { 
/**
 * The requisition.
 */
requisitionId: string, 
/**
 * A fresh record id.
 */
recordId: string, 
/**
 * Unused units of a line, or an old part.
 */
what: HandBackKind, 
/**
 * The line (unused units).
 */
lineId: string | null, 
/**
 * The part (old parts).
 */
partId: string | null, 
/**
 * Units.
 */
quantity: number, 
/**
 * Serials (the old serials, for old parts).
 */
serials: Array<string>, 
/**
 * The order the parts come back from (defaults to the requisition's).
 */
orderId: string | null, 
/**
 * A note.
 */
note: string, };

/**
 * One line of a request as the phone shows it.
 */
export type RequestLineView = { 
/**
 * Line id.
 */
id: string, 
/**
 * Part id.
 */
part_id: string, 
/**
 * Part number.
 */
part_number: string, 
/**
 * Part name.
 */
part_name: string, 
/**
 * Serialized.
 */
serialized: boolean, 
/**
 * Asked for.
 */
requested: number, 
/**
 * Approved.
 */
approved: number, 
/**
 * Issued.
 */
issued: number, 
/**
 * Taken back.
 */
returned: number, 
/**
 * Units that may still be handed back as unused.
 */
open_to_hand_back: number, };

/**
 * A hand-back as the phone shows it.
 */
export type HandBackView = { 
/**
 * Id.
 */
id: string, 
/**
 * Unused or old part.
 */
what: HandBackKind, 
/**
 * Part number.
 */
part_number: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * Serials.
 */
serials: Array<string>, 
/**
 * The order, by number.
 */
order_number: string | null, 
/**
 * Where it went, once taken back: `to_stock`, `to_supplier` or `scrapped`.
 */
outcome: ReturnOutcome | null, 
/**
 * The storekeeper's reason.
 */
reason: string, };

/**
 * One of the technician's requests and where it stands.
 */
export type RequestView = { 
/**
 * Requisition id.
 */
id: string, 
/**
 * Number.
 */
number: string, 
/**
 * Asked, approved, rejected, issued, …
 */
status: RequisitionStatus, 
/**
 * Why rejected.
 */
reason: string, 
/**
 * The order it is for.
 */
order_id: string | null, 
/**
 * The order, by number, when it is on this device.
 */
order_number: string | null, 
/**
 * When asked (RFC 3339).
 */
requested_at: string, 
/**
 * Whether this device has changes to it the office has not acknowledged yet.
 */
unsent: boolean, 
/**
 * Lines.
 */
lines: Array<RequestLineView>, 
/**
 * Parts handed back.
 */
handbacks: Array<HandBackView>, };

/**
 * One movement behind a van figure.
 */
export type VanMovement = { 
/**
 * Movement id.
 */
id: string, 
/**
 * Issued, used, returned, …
 */
kind: MovementKind, 
/**
 * Units into (+) or out of (−) the van.
 */
quantity: number, 
/**
 * The order or requisition, by number.
 */
label: string, 
/**
 * When (RFC 3339).
 */
at: string, };

/**
 * Why a van figure is below zero: more used than reached the van.
 */
export type Shortfall = { 
/**
 * Units that reached the van (issued, less taken back).
 */
received: number, 
/**
 * Units used on orders.
 */
used: number, 
/**
 * The orders the parts were used on.
 */
orders: Array<string>, };

/**
 * One part in the van with the movements behind its figure.
 */
export type VanPart = { 
/**
 * The catalog part (number and name only when the catalog lacks it).
 */
part_id: string, 
/**
 * Part number.
 */
part_number: string, 
/**
 * Part name.
 */
part_name: string, 
/**
 * Units in the van by the device's ledger.
 */
quantity: number, 
/**
 * The movements, oldest first.
 */
movements: Array<VanMovement>, 
/**
 * Set when the figure is below zero.
 */
shortfall: Shortfall | null, };

/**
 * Where a count stands.
 */
export type CountState = "open" | "posted";

/**
 * One part on the count sheet.
 */
export type CountLine = { 
/**
 * Part.
 */
part: string, 
/**
 * Its number, for the sheet.
 */
part_number: string, 
/**
 * Its name.
 */
part_name: string, 
/**
 * The book quantity when the count opened (fixed).
 */
book_at_open: number, 
/**
 * The physical quantity entered, if counted.
 */
counted: number | null, 
/**
 * Why it differs (required for a surplus or shortage).
 */
reason: string, 
/**
 * Who entered the figure.
 */
entered_by: string | null, 
/**
 * When the figure was entered (on the device, possibly offline).
 */
entered_at: string | null, 
/**
 * The id its adjustment movement gets when posted, made at opening so a retried
 * approval posts the same movement once.
 */
adjustment: string, };

/**
 * A count sheet.
 */
export type CountSheet = { 
/**
 * Id.
 */
id: string, 
/**
 * Number shown to people (PD-…).
 */
number: string, 
/**
 * The warehouse or van counted.
 */
location: string, 
/**
 * Its name.
 */
location_name: string, 
/**
 * When it opened: the book figures are as of then.
 */
opened_at: string, 
/**
 * Who opened it.
 */
opened_by: string, 
/**
 * Open or posted.
 */
state: CountState, 
/**
 * Who approved it.
 */
approved_by: string | null, 
/**
 * When.
 */
approved_at: string | null, 
/**
 * One line per catalog part, by part number.
 */
lines: Array<CountLine>, };

/**
 * One line of a count as the desk shows it: the sheet's line with what it means now.
 */
export type CountLineView = { 
/**
 * Part.
 */
part: string, 
/**
 * Physical − book at open ([`CountLine::difference`]): 盘盈 above zero, 盘亏 below.
 */
difference: number | null, 
/**
 * Net quantity moved at the location since the count opened (issues, use,
 * returns), not counting the count's own adjustment: kept on top of the count.
 */
moved_since_open: number, 
/**
 * The book balance now.
 */
book_now: number, };

/**
 * One movement in the history.
 */
export type HistoryEntry = { 
/**
 * Movement id.
 */
id: string, 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * Who (their name).
 */
by: string, 
/**
 * `receive`, `issue`, `use`, `return`, `scrap`, `count_adjustment`.
 */
kind: string, 
/**
 * Part number.
 */
part_number: string, 
/**
 * Signed for adjustments, otherwise positive.
 */
quantity: number, 
/**
 * Source's name.
 */
from: string | null, 
/**
 * Destination's name.
 */
to: string | null, 
/**
 * The order, requisition or count it belongs to.
 */
reference: string, 
/**
 * Reason (adjustments, scrapping, receipts' notes).
 */
reason: string, };

/**
 * A count as the desk shows it.
 */
export type CountView = { 
/**
 * The sheet, with the entries this device has not sent yet applied.
 */
sheet: CountSheet, 
/**
 * Per line of the sheet, in its order.
 */
lines: Array<CountLineView>, 
/**
 * The movements at the location since the count opened.
 */
during: Array<HistoryEntry>, 
/**
 * Whether the signed-in role may enter figures now.
 */
may_enter: boolean, 
/**
 * Whether it may approve now.
 */
may_approve: boolean, 
/**
 * Entries this device holds that the office has not received yet.
 */
queued: number, 
/**
 * Entries the office refused, with the refusal's i18n key.
 */
refused: Array<string>, 
/**
 * Whether this is the device's copy from its last contact with the office.
 */
offline: boolean, };

/**
 * A count in the list.
 */
export type CountSummary = { 
/**
 * Id.
 */
id: string, 
/**
 * Number.
 */
number: string, 
/**
 * The location's name.
 */
location_name: string, 
/**
 * Open or posted.
 */
state: CountState, 
/**
 * When it opened.
 */
opened_at: string, 
/**
 * Lines counted so far.
 */
counted: number, 
/**
 * Lines on the sheet.
 */
lines: number, };

/**
 * The counts, as the office lists them; offline, the ones this device holds.
 */
export type CountList = { 
/**
 * Newest first.
 */
counts: Array<CountSummary>, 
/**
 * The office was not reached: these are this device's copies.
 */
offline: boolean, };

/**
 * A step on a count.
 */
export type CountCommand = { "action": "open", 
/**
 * The location.
 */
location: string, } | { "action": "enter", 
/**
 * The count.
 */
count: string, 
/**
 * The part.
 */
part: string, 
/**
 * Physical quantity found.
 */
counted: number, 
/**
 * Why it differs.
 */
reason: string, } | { "action": "approve", 
/**
 * The count.
 */
count: string, };

/**
 * The movement that settles an over-use.
 */
export type OverUseFix = { "action": "late_issue", 
/**
 * The warehouse they came from.
 */
from: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * Serials, for a serialized part.
 */
serials: Array<string>, } | { "action": "transfer", 
/**
 * Where from.
 */
from: string, 
/**
 * Units.
 */
quantity: number, 
/**
 * Serials, for a serialized part.
 */
serials: Array<string>, } | { "action": "count_adjustment", 
/**
 * Units added to the book (a shortage adjustment would be negative).
 */
quantity: number, };

/**
 * The storekeeper's resolution of one over-use flag.
 */
export type OverUseResolution = { 
/**
 * Picked by the desk: the movement's (or transfer's) id, so a retry records it once.
 */
id: string, 
/**
 * The order carrying the flag.
 */
order: string, 
/**
 * The flag.
 */
flag: string, 
/**
 * What puts the ledger right.
 */
fix: OverUseFix, 
/**
 * What was found, in words: the flag's resolution note and the movement's reason.
 */
note: string, };

/**
 * One row of stock per location and part.
 */
export type StockRow = { 
/**
 * Location.
 */
location: string, 
/**
 * Its name.
 */
location_name: string, 
/**
 * Part.
 */
part: string, 
/**
 * Its number.
 */
part_number: string, 
/**
 * Its name.
 */
part_name: string, 
/**
 * The book balance.
 */
quantity: number, 
/**
 * The catalog's minimum for the pair.
 */
minimum: number | null, 
/**
 * Below the minimum ([`is_low`]).
 */
low: boolean, };

/**
 * The minimum stock of one part at one location, set in the catalog.
 */
export type StockMinimum = { 
/**
 * Part.
 */
part: string, 
/**
 * Location.
 */
location: string, 
/**
 * The least that should be there; 0 removes the minimum.
 */
minimum: number, };

/**
 * What the movement history is narrowed to. Every field is optional; dates are whole
 * days (`YYYY-MM-DD`, inclusive) in UTC.
 */
export type MovementFilter = { 
/**
 * Part.
 */
part: string | null, 
/**
 * Location, as source or destination.
 */
location: string | null, 
/**
 * The order's (or requisition's, or count's) number.
 */
order: string | null, 
/**
 * From this day.
 */
from: string | null, 
/**
 * Up to and including this day.
 */
to: string | null, };

/**
 * A report made and saved.
 */
export type ServiceReport = { 
/**
 * The file's name, e.g. `WO-2026-000123-服务报告.pdf`.
 */
file_name: string, 
/**
 * Where it was saved on this device.
 */
path: string, 
/**
 * The PDF as a `data:application/pdf;base64,…` URL.
 */
data_url: string, 
/**
 * Its pages.
 */
pages: number, 
/**
 * Photos or the signature this device does not have yet (the report says so).
 */
blobs_missing: number, 
/**
 * Characters of the order the report font cannot show.
 */
missing_glyphs: Array<string>, };

/**
 * Which table of the KPIs a CSV holds.
 */
export type KpiTable = "period" | "technician" | "model";

/**
 * How periods are cut.
 */
export type Granularity = "week" | "month" | "quarter";

/**
 * What the KPIs are asked for.
 */
export type KpiQuery = { 
/**
 * How the trend is cut.
 */
granularity: Granularity, 
/**
 * First day (company date) of requests counted, inclusive.
 */
from: string | null, 
/**
 * Last day (company date) of requests counted, inclusive.
 */
to: string | null, };

/**
 * A share: how many of how many.
 */
export type Rate = { 
/**
 * Counted.
 */
count: number, 
/**
 * Out of.
 */
of: number, 
/**
 * `count / of`, or `None` when `of` is zero.
 */
rate: number | null, };

/**
 * A mean over some samples.
 */
export type Mean = { 
/**
 * The mean, or `None` without samples.
 */
mean: number | null, 
/**
 * How many samples.
 */
n: number, };

/**
 * SLA compliance of one clock.
 */
export type ClockCompliance = { 
/**
 * The clock.
 */
clock: ClockKind, 
/**
 * Met over met and breached.
 */
compliance: Rate, };

/**
 * A count under a name (a cause category, a part number).
 */
export type Count = { 
/**
 * The name.
 */
key: string, 
/**
 * How many.
 */
count: number, };

/**
 * Every figure, for one group of orders.
 */
export type Figures = { 
/**
 * Orders counted (received, not cancelled).
 */
orders: number, 
/**
 * Completed over orders.
 */
completion: Rate, 
/**
 * First-time fixes over completed orders.
 */
first_time_fix: Rate, 
/**
 * Dispatch → first contact, working hours.
 */
hours_to_contact: Mean, 
/**
 * Dispatch → first check-in, working hours (on-site orders).
 */
hours_to_arrive: Mean, 
/**
 * Arrival → the last passed test, working hours.
 */
hours_to_repair: Mean, 
/**
 * Received → closed, working hours.
 */
hours_to_close: Mean, 
/**
 * Per clock, in clock order.
 */
sla: Array<ClockCompliance>, 
/**
 * All clocks together.
 */
sla_overall: Rate, 
/**
 * Mean sign-off rating, 1–5.
 */
sign_off_rating: Mean, 
/**
 * Mean follow-up score, 1–5 (orders' and complaints' follow-ups).
 */
follow_up_score: Mean, 
/**
 * Complaints received.
 */
complaints: number, 
/**
 * Complaints per cause category (`unknown` until investigated), most first.
 */
complaint_causes: Array<Count>, 
/**
 * Units of parts used.
 */
parts_used: number, 
/**
 * Units per part number, most first.
 */
parts: Array<Count>, };

/**
 * The figures of one technician, model or period.
 */
export type Group = { 
/**
 * The technician's user id, the model, or the period key.
 */
key: string, 
/**
 * Its figures.
 */
figures: Figures, };

/**
 * The KPIs.
 */
export type KpiReport = { 
/**
 * What was asked.
 */
query: KpiQuery, 
/**
 * Every order and complaint counted.
 */
overall: Figures, 
/**
 * Per technician (orders never assigned under `""`), by user id.
 */
by_technician: Array<Group>, 
/**
 * Per product model, by name.
 */
by_model: Array<Group>, 
/**
 * Per period, oldest first: the trend.
 */
by_period: Array<Group>, };

/**
 * A complaint (投诉); also the id of its Automerge document.
 */
export type ComplaintId = string;

/**
 * General (一般) or major (重大): different deadlines; major goes to the supervisor.
 */
export type Severity = "general" | "major";

/**
 * Where a complaint stands.
 */
export type ComplaintStatus = "open" | "contacted" | "measures_agreed" | "resolved" | "closed";

/**
 * One class complaints are classified by (投诉原因), for the trend reports: a stable
 * key the complaints store, and its name in both languages. The company keeps the list.
 */
export type CauseClass = { 
/**
 * Stable key, stored on each complaint's cause: lower-case letters, digits and `_`.
 */
key: string, 
/**
 * Its name in English.
 */
en: string, 
/**
 * Its name in Chinese.
 */
zh: string, };

/**
 * The investigated cause.
 */
export type Cause = { 
/**
 * Class: a key of the company's cause list ([`crate::settings::CauseClass`]).
 */
category: string, 
/**
 * Details.
 */
text: string, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, };

/**
 * A measure agreed with an owner and a deadline.
 */
export type Measure = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * What will be done.
 */
description: string, 
/**
 * Who does it.
 */
owner: UserId, 
/**
 * By when.
 */
deadline: string, 
/**
 * When done.
 */
done_at: string | null, };

/**
 * A dated note: the customer kept informed, or the customer's verdict.
 */
export type ComplaintNote = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who.
 */
by: UserId, 
/**
 * Text.
 */
text: string, 
/**
 * For verdicts: was the customer satisfied.
 */
satisfied: boolean | null, };

/**
 * One status change, for the audit trail.
 */
export type ComplaintStatusChange = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who, in which role.
 */
by: Actor, 
/**
 * From.
 */
from: ComplaintStatus, 
/**
 * To.
 */
to: ComplaintStatus, };

/**
 * A complaint.
 */
export type ComplaintDoc = { 
/**
 * Schema version.
 */
schema_version: number, 
/**
 * Id, also the document id.
 */
id: ComplaintId, 
/**
 * Human number.
 */
number: string, 
/**
 * Who complains.
 */
complainant: string, 
/**
 * Phone.
 */
phone: string, 
/**
 * Other contact details.
 */
contact: string, 
/**
 * What happened.
 */
content: string, 
/**
 * What they ask for (诉求).
 */
demand: string, 
/**
 * The related order.
 */
order: OrderId | null, 
/**
 * Severity.
 */
severity: Severity, 
/**
 * Status.
 */
status: ComplaintStatus, 
/**
 * When received: the start of the complaint clocks.
 */
received_at: string, 
/**
 * Owner.
 */
owner: UserId | null, 
/**
 * First contact (1 h clock).
 */
first_contact_at: string | null, 
/**
 * Investigated cause.
 */
cause: Cause | null, 
/**
 * Measures.
 */
measures: Array<Measure>, 
/**
 * Customer kept informed, and verdicts.
 */
updates: Array<ComplaintNote>, 
/**
 * When closed (customer satisfied).
 */
closed_at: string | null, 
/**
 * Follow-ups after closing.
 */
follow_ups: Array<FollowUp>, 
/**
 * Status history.
 */
history: Array<ComplaintStatusChange>, 
/**
 * What the server found (its SLA clocks, concurrent values of a decision field),
 * as on an order; written by the server, resolved by the roles the kind names.
 * Complaints made before the server flagged them have no such key.
 */
flags: Array<Flag>, };

/**
 * Every edit of a complaint.
 */
export type ComplaintOp = { "op": "first_contact", 
/**
 * Record id of the note.
 */
id: RecordId, 
/**
 * What was said.
 */
note: string, } | { "op": "assign", 
/**
 * Owner.
 */
owner: UserId, } | { "op": "escalate" } | { "op": "record_cause", 
/**
 * Class: a key of the company's cause list.
 */
category: string, 
/**
 * Details.
 */
text: string, } | { "op": "agree_measure", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * What.
 */
description: string, 
/**
 * Owner.
 */
owner: UserId, 
/**
 * Deadline.
 */
deadline: string, } | { "op": "complete_measure", 
/**
 * Record id.
 */
id: RecordId, } | { "op": "inform_customer", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * What they were told.
 */
text: string, } | { "op": "resolve" } | { "op": "customer_verdict", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Satisfied.
 */
satisfied: boolean, 
/**
 * Comment.
 */
comment: string, } | { "op": "follow_up", 
/**
 * Record id.
 */
id: RecordId, 
/**
 * Channel.
 */
channel: ContactChannel, 
/**
 * Score 1–5.
 */
score: number | null, 
/**
 * Comment.
 */
comment: string, } | { "op": "resolve_flag", 
/**
 * The flag.
 */
id: RecordId, 
/**
 * What was decided, in words.
 */
note: string, 
/**
 * For a conflict: the value that stands.
 */
choice: string | null, } | { "op": "raise_flag", 
/**
 * The flag.
 */
flag: Flag, };

/**
 * What a complaint request adds to the intake form: the customer's demand (诉求), other
 * contact details, the severity and the order it is about, if any.
 */
export type IntakeComplaint = { 
/**
 * What the complainant asks for.
 */
demand: string, 
/**
 * Other contact details (WeChat, email…); may be empty.
 */
contact: string, 
/**
 * General or major.
 */
severity: Severity, 
/**
 * The order complained about.
 */
order: OrderId | null, };

/**
 * One complaint in the list, with its clocks.
 */
export type ComplaintListItem = { 
/**
 * Id.
 */
id: string, 
/**
 * Number (`TS-…`).
 */
number: string, 
/**
 * Complainant.
 */
complainant: string, 
/**
 * Phone.
 */
phone: string, 
/**
 * What happened (the start of it).
 */
content: string, 
/**
 * General or major.
 */
severity: Severity, 
/**
 * Where it stands.
 */
status: ComplaintStatus, 
/**
 * When it came in.
 */
received_at: string, 
/**
 * The related order's id and number, if any.
 */
order: string | null, 
/**
 * The related order's number.
 */
order_number: string | null, 
/**
 * First contact (1 h) and resolution (3 or 7 working days).
 */
clocks: Array<ClockView>, };

/**
 * A complaint's page.
 */
export type ComplaintDetail = { 
/**
 * The document as it stands.
 */
complaint: ComplaintDoc, 
/**
 * The related order's number, if this device holds it.
 */
order_number: string | null, 
/**
 * The clocks now.
 */
clocks: Array<ClockView>, 
/**
 * Each step and whether the signed-in role may take it now, and why not.
 */
ops: Array<OpCheck>, 
/**
 * The op tags of `ops` allowed now.
 */
allowed: Array<string>, 
/**
 * The causes the company classifies complaints by (its settings' list, each with
 * its names in both languages).
 */
causes: Array<CauseClass>, 
/**
 * This device has changes to it the server has not acknowledged yet.
 */
unsent: boolean, 
/**
 * Decision fields holding concurrent values now, each value a choice that keeps it
 * (the server flags them `conflict` for a supervisor).
 */
conflicts: Array<DecisionConflict>, 
/**
 * The open flags the signed-in role may resolve now.
 */
resolvable_flags: Array<string>, };

/**
 * Which complaints the list shows.
 */
export type ComplaintScope = "open" | "all";

/**
 * Return (退货) or exchange (换货).
 */
export type ClaimKind = "return" | "exchange";

/**
 * A ground the regulation accepts.
 */
export type Ground = "unused_with_manufacturing_defect" | "complete_and_resaleable" | "fault_after_exchange" | "quality_defect" | "transport_damage_at_delivery" | "not_as_described";

/**
 * A customer's claim and what inspection found.
 */
export type Claim = { 
/**
 * Return or exchange.
 */
kind: ClaimKind, 
/**
 * Delivery date.
 */
delivered_on: string, 
/**
 * Date of the claim.
 */
requested_on: string, 
/**
 * Grounds the customer gives.
 */
grounds: Array<Ground>, 
/**
 * Packaging, accessories, gifts and manual complete, no man-made soiling.
 */
complete: boolean, 
/**
 * A valid, unaltered proof of purchase.
 */
proof_of_purchase: boolean, 
/**
 * Collision, burn, modification, foreign matter, wrong installation or misuse.
 */
man_made_damage: boolean, 
/**
 * Labels, serial number or tamper seals torn or altered.
 */
tampered_or_label_torn: boolean, 
/**
 * Fire, flood, lightning, traffic accident.
 */
force_majeure: boolean, 
/**
 * The quality department found no defect (refuses a defect-based exchange).
 */
no_defect_found: boolean, };

/**
 * Why a claim is refused.
 */
export type ReturnRefusal = { "reason": "outside_window", 
/**
 * The last day a claim was accepted.
 */
last_day: string, } | { "reason": "incomplete" } | { "reason": "no_proof_of_purchase" } | { "reason": "man_made_damage" } | { "reason": "tampered_or_label_torn" } | { "reason": "force_majeure" } | { "reason": "no_defect_found" } | { "reason": "no_qualifying_ground" };

/**
 * A return or exchange claim judged as asked today.
 */
export type ReturnCheck = { 
/**
 * The grounds the claim was judged on: the ones given, and "fault after exchange"
 * when `earlier_exchange` found one.
 */
grounds: Array<Ground>, 
/**
 * The earlier order of the same unit with a granted exchange, when there is one.
 */
earlier_exchange: EarlierExchange | null, 
/**
 * The company's date today, the day the claim is asked.
 */
today: string, 
/**
 * The last day a claim of this kind is accepted.
 */
last_day: string, 
/**
 * Eligible: no refusal.
 */
eligible: boolean, 
/**
 * Every reason it is refused, in the rules' order (i18n `errors.return.<reason>`).
 */
refusals: Array<ReturnRefusal>, };

/**
 * Which unit a claim is about, to look up its earlier exchanges: the serial and the
 * customer's phone, and the order the claim is on once there is one.
 */
export type ClaimUnit = { 
/**
 * Serial number.
 */
serial: string, 
/**
 * The customer's phone.
 */
phone: string, 
/**
 * The order the claim is on (it does not count as an earlier one).
 */
order: string | null, };

/**
 * The customer's earlier order of the same unit on which an exchange was granted.
 */
export type EarlierExchange = { 
/**
 * The order's id.
 */
order: string, 
/**
 * Its number.
 */
number: string, };

/**
 * The office's decision on a return or exchange (退换货): granted or refused, as whom,
 * when and why, with the rules' refusals of the claim as it was decided.
 */
export type ReturnDecision = { 
/**
 * Stable id.
 */
id: RecordId, 
/**
 * When.
 */
at: string, 
/**
 * Who decided.
 */
by: UserId, 
/**
 * In which role.
 */
role: Role, 
/**
 * A return or an exchange.
 */
kind: ClaimKind, 
/**
 * Granted (true) or refused.
 */
granted: boolean, 
/**
 * The grounds the claim was judged on.
 */
grounds: Array<Ground>, 
/**
 * The rules' refusals of the claim, each a reason of `errors.return.<reason>`
 * (`outside_window`, …); empty when the claim could be granted.
 */
refusals: Array<string>, 
/**
 * The last day of the claim's window (the words of `outside_window` name it).
 */
last_day: string | null, 
/**
 * Why, in the agent's words.
 */
reason: string, };

/**
 * What the agent adds when an unsatisfied follow-up starts a complaint.
 */
export type FollowUpComplaint = { 
/**
 * The follow-up on the order that was unsatisfied.
 */
follow_up: RecordId, 
/**
 * General or major.
 */
severity: Severity, 
/**
 * What the customer asks for (诉求); may be empty.
 */
demand: string, 
/**
 * What happened; empty takes the follow-up's comments.
 */
content: string, };

/**
 * Why an order is in the queue.
 */
export type FollowUpKind = "after_close" | "periodic";

/**
 * One follow-up owed.
 */
export type FollowUpItem = { 
/**
 * After closing, or periodic.
 */
kind: FollowUpKind, 
/**
 * The order it is recorded on.
 */
order: string, 
/**
 * Its number.
 */
number: string, 
/**
 * The customer.
 */
customer: string, 
/**
 * The number to call.
 */
phone: string, 
/**
 * The customer's tier.
 */
tier: CustomerTier, 
/**
 * Since when it is owed: the closing, or the start of the day the periodic call
 * fell due. The queue is sorted by it, oldest first.
 */
since: string, 
/**
 * The follow-up clock after closing: on track, at risk or breached.
 */
status: SlaStatus | null, 
/**
 * Its deadline.
 */
deadline: string | null, 
/**
 * A periodic call: the last follow-up (or closing) it counts from.
 */
last: string | null, 
/**
 * A periodic call: the day it fell due.
 */
due: string | null, };

/**
 * The queue.
 */
export type FollowUpQueue = { 
/**
 * When it was evaluated.
 */
at: string, 
/**
 * Every follow-up owed, oldest first.
 */
items: Array<FollowUpItem>, 
/**
 * The highest score that counts as unsatisfied (and can start a complaint).
 */
unsatisfied_at_most: number, };

/**
 * A recorded follow-up.
 */
export type FollowUpRecorded = { 
/**
 * The order.
 */
order: string, 
/**
 * The follow-up's record id (to start a complaint from it).
 */
follow_up: RecordId, 
/**
 * The score says the customer is unsatisfied: the desk offers a complaint.
 */
unsatisfied: boolean, };

/**
 * What the desk sends to record a follow-up.
 */
export type FollowUpInput = { 
/**
 * How the customer was reached.
 */
channel: ContactChannel, 
/**
 * Score 1–5, if given.
 */
score: number | null, 
/**
 * Comments.
 */
comment: string, };

/**
 * One customer a search found.
 */
export type CustomerSummary = { 
/**
 * The phone as compared ([`phone_key`]): the customer's key and page address.
 */
key: string, 
/**
 * The name on the latest order.
 */
name: string, 
/**
 * Regular, long-term or key account.
 */
tier: CustomerTier, 
/**
 * How many orders this device holds of them.
 */
orders: number, 
/**
 * When the latest came in.
 */
last_order_at: string, };

/**
 * A product the customer owns, as their orders record it.
 */
export type OwnedProduct = { 
/**
 * Model.
 */
model: string, 
/**
 * Serial number (序列号); empty when none was recorded.
 */
serial: string, 
/**
 * Purchase date, from the latest order that recorded one.
 */
purchase_date: string | null, 
/**
 * Delivery date, likewise.
 */
delivered_on: string | null, 
/**
 * How many of the customer's orders were about it.
 */
orders: number, };

/**
 * One of the customer's orders.
 */
export type CustomerOrderLine = { 
/**
 * The order.
 */
id: string, 
/**
 * Its number.
 */
number: string, 
/**
 * Repair, installation, return/exchange …
 */
classification: Classification, 
/**
 * Where it stands.
 */
state: OrderState, 
/**
 * When it came in.
 */
received_at: string, 
/**
 * When it was closed, if it is.
 */
closed_at: string | null, 
/**
 * The product's model.
 */
model: string, 
/**
 * The product's serial.
 */
serial: string, 
/**
 * What the customer asked or reported.
 */
description: string, };

/**
 * A follow-up recorded on one of the customer's orders.
 */
export type CustomerFollowUpLine = { 
/**
 * The order it is recorded on.
 */
order: string, 
/**
 * Its number.
 */
number: string, 
/**
 * When.
 */
at: string, 
/**
 * How the customer was reached.
 */
channel: ContactChannel, 
/**
 * Score 1–5, if given.
 */
score: number | null, 
/**
 * Comments.
 */
comment: string, };

/**
 * One customer's page.
 */
export type CustomerHistory = { 
/**
 * The phone as compared: the page's address.
 */
key: string, 
/**
 * The name on the latest order.
 */
name: string, 
/**
 * The phone as written on the latest order.
 */
phone: string, 
/**
 * The address on the latest order.
 */
address: string, 
/**
 * Regular, long-term or key account (the latest order's).
 */
tier: CustomerTier, 
/**
 * The next periodic follow-up of a long-term or key customer, due or not.
 */
next_periodic: string | null, 
/**
 * The products on their orders.
 */
products: Array<OwnedProduct>, 
/**
 * Every order, the latest first.
 */
orders: Array<CustomerOrderLine>, 
/**
 * Every complaint, the latest first, with its clocks.
 */
complaints: Array<ComplaintListItem>, 
/**
 * Every follow-up recorded, the latest first.
 */
follow_ups: Array<CustomerFollowUpLine>, 
/**
 * The return and exchange cases (orders classified so), the latest first.
 */
returns: Array<CustomerOrderLine>, 
/**
 * The signed-in role may set the tier.
 */
may_set_tier: boolean, };

/**
 * One decision field holding concurrent values, with each value as the choice that
 * keeps it ([`crate::doc::complaint::ComplaintOp::ResolveFlag`]): JSON in the API's
 * spelling (`"major"`, a user id, a cause `{category, text, at, by}`).
 */
export type DecisionConflict = { 
/**
 * `severity`, `owner`, `status` or `cause`.
 */
field: string, 
/**
 * The values, the one Automerge shows first; each is a valid choice.
 */
choices: Array<string>, };

/**
 * A complaint whose decision field holds concurrent values the server flagged, for the
 * supervisor's held-changes screen.
 */
export type ComplaintConflictItem = { 
/**
 * The complaint's id.
 */
id: string, 
/**
 * Its number.
 */
number: string, 
/**
 * Complainant.
 */
complainant: string, 
/**
 * The open conflict flag.
 */
flag_id: string, 
/**
 * The field: `severity`, `owner`, `status` or `cause`.
 */
field: string, 
/**
 * When the server raised it.
 */
raised_at: string, };
