//! The order page (`get_order`) and every plain edit (`order_op`): the order as it is,
//! its SLA clocks, conflicts, history parsed from the change messages, and for every
//! operation the user's role could make whether it is allowed now and, if not, the
//! lifecycle's refusal with its details. The visit's steps come from here too, so the UI
//! derives no rule.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use onsite_core::doc::conflicts;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::ids::OrderId;
use onsite_core::lifecycle::{self, Transition};
use onsite_core::role::Role;
use onsite_core::signoff::{self, SignOffStatus};
use onsite_core::{ops, sla, warranty, CompanyRules};
use onsite_device::{DocKind, Store};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::CommandError;
use crate::list::{SignOffState, SlaStatus};
use crate::reference::people;
use crate::visit::{self, VisitStep};
use crate::{parse_id, App};

/// One SLA clock as the order page shows it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ClockView {
    /// The clock (`contact`, `arrival`, `repair` …): i18n key `sla.clock.<name>`.
    pub clock: sla::ClockKind,
    /// Its status now.
    pub status: SlaStatus,
    /// Its deadline.
    pub deadline: DateTime<Utc>,
    /// Still running.
    pub running: bool,
}

/// A clock's state as the pages show it (orders' and complaints').
pub(crate) fn clock_view(c: sla::ClockState) -> ClockView {
    ClockView {
        clock: c.kind,
        status: SlaStatus::from(c.status),
        deadline: c.deadline,
        running: c.running,
    }
}

/// A field with concurrent values a person must decide between.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ConflictView {
    /// Field name, e.g. `state`, `assignee`, `fee`.
    pub field: String,
    /// Each concurrent value, as a display string.
    pub values: Vec<String>,
}

/// One change in the order's history: who, in which role, what, when, on which device.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ChangeView {
    /// When (the change's own timestamp).
    pub at: DateTime<Utc>,
    /// User id, or `server` for the server's own changes.
    pub by: String,
    /// The role they acted in.
    pub role: Option<Role>,
    /// The op tag, e.g. `check_in`.
    pub op: String,
    /// The first characters of the device's actor id.
    pub device: String,
    /// Who the server attests made it, from this device's copy of the actor directory.
    pub source: ChangeSource,
}

/// Where a change came from, as the server attests it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeSource {
    /// An enrolled device, and the user it is enrolled for.
    Device {
        /// The device's name, as given at enrollment.
        device_name: String,
        /// The attested user.
        user_id: String,
        /// Their name.
        user_name: String,
        /// Their role.
        role: Role,
    },
    /// The office server's own change (a flag, a put-back, a supervisor's decision).
    Server,
    /// An actor this device's copy of the directory does not know (yet): before the
    /// next sync, or a device the office never bound.
    Unknown,
}

/// A change of this device the server still holds for a supervisor, and why: from the
/// server's list of this device's open held changes, as of the last sync, so it clears
/// once a supervisor has decided them.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct QuarantineView {
    /// Why the first of them is held, as the UI words it.
    pub reason: crate::held::HeldReasonView,
    /// How many of this device's changes to the order are held.
    pub count: u32,
}

/// Why an operation is refused now: the lifecycle's code and the values it names.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Refusal {
    /// i18n key, e.g. `errors.order.role_not_permitted`.
    pub code: String,
    /// The role, the state, the action … for the translated message.
    #[ts(type = "Record<string, string | number | boolean | null>")]
    pub details: Map<String, Value>,
}

impl From<&onsite_core::TransitionError> for Refusal {
    fn from(err: &onsite_core::TransitionError) -> Self {
        Self {
            code: err.code().to_string(),
            details: err.details(),
        }
    }
}

/// One operation the user's role could make on this order.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct OpCheck {
    /// The op tag, as in `OrderOp` (`check_in`, `reopen` …).
    pub op: String,
    /// Allowed now.
    pub allowed: bool,
    /// Why not, when not.
    pub refusal: Option<Refusal>,
}

/// The settings version an order's clocks and rules run under.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RulesVersion {
    /// The version number.
    pub version: u32,
    /// From when it applied.
    pub since: DateTime<Utc>,
}

/// One signature on the order, as the order page lists it (oldest first).
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SignatureView {
    /// The signature as recorded (see `onsite_core::records::signature`).
    pub signature: onsite_core::records::signature::Signature,
    /// The current sign-off: the one the order's `sign_off` holds.
    pub current: bool,
}

/// Everything the order page shows.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct OrderDetail {
    /// The order as the device has it.
    pub order: OrderDoc,
    /// The company settings version the order runs under ("rules of 1 Dec 2026,
    /// version 3").
    pub rules: RulesVersion,
    /// SLA clocks.
    pub clocks: Vec<ClockView>,
    /// Sign-off status.
    pub sign_off: SignOffState,
    /// Every signature on the order, oldest first, old documents included.
    pub signatures: Vec<SignatureView>,
    /// Concurrent values to decide.
    pub conflicts: Vec<ConflictView>,
    /// Warranty on the company's date today, from the purchase date.
    pub warranty: warranty::WarrantyStatus,
    /// The repair is charged to the customer.
    pub chargeable: bool,
    /// Every op the user's role could make, in the visit's order, allowed or why not.
    pub ops: Vec<OpCheck>,
    /// The op tags of `ops` that are allowed now.
    pub allowed: Vec<String>,
    /// The technician's visit as steps in the rules' order.
    pub steps: Vec<VisitStep>,
    /// User id → display name, for history and records.
    pub people: HashMap<String, String>,
    /// Every change to the order, oldest first.
    pub changes: Vec<ChangeView>,
    /// This device has changes the server has not acknowledged yet.
    pub unsent: bool,
    /// The server held back a change from this device.
    pub quarantined: Option<QuarantineView>,
}

/// The ops the visit and office screens offer, in the visit's order, with the lifecycle
/// transition each is checked as. `record_consent` is checked on a copy (see below).
fn candidates() -> Vec<(&'static str, Transition)> {
    vec![
        ("dispatch", Transition::Dispatch),
        ("assign", Transition::Assign),
        ("schedule", Transition::Schedule),
        ("log_contact", Transition::LogContact { reached: true }),
        ("check_in", Transition::CheckIn),
        ("receive", Transition::Receive),
        ("show_work_id", Transition::ShowWorkId),
        ("confirm_fault", Transition::ConfirmFault),
        ("record_diagnosis", Transition::RecordDiagnosis),
        ("approve_plan", Transition::ApprovePlan),
        ("record_consent", Transition::AgreePlan),
        ("reassess_charge", Transition::ReassessCharge),
        ("add_repair_step", Transition::AddRepairStep),
        ("use_part", Transition::UsePart),
        ("remove_part", Transition::RemovePart),
        ("add_photo", Transition::AddPhoto),
        ("record_test", Transition::RecordTest { passed: true }),
        ("sign_off", Transition::SignOff),
        ("object", Transition::Object),
        ("record_payment", Transition::RecordPayment),
        ("ship_back", Transition::ShipBack),
        ("check_out", Transition::CheckOut),
        ("close", Transition::Close),
        ("resolve_remotely", Transition::ResolveRemotely),
        ("hold", Transition::Hold { reason: "-".into() }),
        ("resume", Transition::Resume),
        ("cancel", Transition::Cancel { reason: "-".into() }),
        ("reopen", Transition::Reopen { reason: "-".into() }),
        ("override_fee", Transition::OverrideFee),
        ("comment", Transition::Comment),
        ("authorise_data_access", Transition::AuthoriseDataAccess),
        ("resolve_flag", Transition::ResolveFlag),
        ("decide_return", Transition::DecideReturn),
    ]
}

/// Checks every op `actor`'s role could make on `order`.
pub fn op_checks(
    app: &App,
    rules: &CompanyRules,
    order: &OrderDoc,
    actor: onsite_core::Actor,
) -> Vec<OpCheck> {
    let settings = &rules.for_order_doc(order).settings;
    candidates()
        .into_iter()
        .filter(|(_, t)| t.roles().contains(&actor.role))
        .map(|(name, t)| {
            let outcome = if name == "record_consent" {
                // Consent is checked on the order as it would be with the consent
                // recorded, so try it on a copy rather than asking about the order as is.
                let consent = OrderOp::RecordConsent {
                    customer_name: "-".into(),
                    fee_agreed: order
                        .diagnosis
                        .as_ref()
                        .map(|d| d.estimated_fee.clone())
                        .filter(|_| order.is_chargeable()),
                    by_phone: false,
                };
                order
                    .clone()
                    .apply(&consent, &app.ctx(actor, settings, &rules.calendar))
                    .map(|_| ())
            } else {
                lifecycle::check(order, &t, &actor, settings).map(|_| ())
            };
            OpCheck {
                op: name.to_string(),
                allowed: outcome.is_ok(),
                refusal: outcome.err().as_ref().map(Refusal::from),
            }
        })
        .collect()
}

fn history(
    doc: &automerge::Automerge,
    directory: &HashMap<String, onsite_core::protocol::ActorEntry>,
) -> Result<Vec<ChangeView>, CommandError> {
    doc.get_changes(&[])
        .into_iter()
        .map(|c| {
            let message = c.message().map(str::to_string).unwrap_or_default();
            let (op, role, by) = match ops::parse_message(&message) {
                // `order.check_in` names the op `check_in` (the UI's `ops.*` words).
                Some((op, role, user)) => (
                    op.split_once('.')
                        .map_or(op.as_str(), |(_, o)| o)
                        .to_string(),
                    Some(role),
                    user.to_string(),
                ),
                None => (
                    message
                        .split(' ')
                        .next()
                        .map(|op| op.split_once('.').map_or(op, |(_, o)| o))
                        .unwrap_or_default()
                        .to_string(),
                    None,
                    ops::SERVER_ATTRIBUTION.to_string(),
                ),
            };
            let at = DateTime::<Utc>::from_timestamp(c.timestamp(), 0).ok_or_else(|| {
                CommandError::new(
                    "errors.storage.corrupt",
                    format!(
                        "change {} has timestamp {} out of range",
                        c.hash(),
                        c.timestamp()
                    ),
                )
            })?;
            let actor = c.actor_id().to_hex_string();
            let source = if onsite_core::ops::is_server_actor(c.actor_id()) {
                ChangeSource::Server
            } else {
                match directory.get(&actor) {
                    Some(a) => ChangeSource::Device {
                        device_name: a.device_name.clone(),
                        user_id: a.user_id.clone(),
                        user_name: a.user_name.clone(),
                        role: a.role,
                    },
                    None => ChangeSource::Unknown,
                }
            };
            Ok(ChangeView {
                at,
                by,
                role,
                op,
                device: actor.chars().take(8).collect(),
                source,
            })
        })
        .collect()
}

/// The order page for `id`.
pub fn detail(app: &App, store: &mut Store, id: OrderId) -> Result<OrderDetail, CommandError> {
    let actor = app.actor(store)?;
    let order = store.order(id)?;
    let now = app.now();
    let key = id.to_string();
    // A copy that no longer reads shows every device as not known rather than hiding
    // the order page; the next sync replaces it.
    let directory = onsite_device::actors::directory(store).unwrap_or_else(|err| {
        tracing::warn!(%err, "stored actor directory unreadable");
        HashMap::new()
    });
    let (conflicts, changes) = store.read(DocKind::Order, &key, |doc| {
        let conflicts = conflicts::conflicts(doc)
            .into_iter()
            .filter(|c| c.field.needs_decision())
            .map(|c| ConflictView {
                field: serde_json::to_value(&c.field)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| c.path.clone()),
                values: c.values,
            })
            .collect::<Vec<_>>();
        (conflicts, history(doc, &directory))
    })?;
    let changes = changes?;
    let rules = crate::rules_of(store);
    let version = rules.for_order_doc(&order);
    let rules_in_force = RulesVersion {
        version: version.version,
        since: version.since,
    };
    let settings = &version.settings;
    let ops = op_checks(app, &rules, &order, actor);
    let allowed = ops
        .iter()
        .filter(|c| c.allowed)
        .map(|c| c.op.clone())
        .collect();
    let unsent = store.pending()?.iter().any(|p| p.doc_id == key);
    let held: Vec<_> = onsite_device::sync_client::held_changes(store)?
        .into_iter()
        .filter(|h| h.doc_id == key)
        .collect();
    let quarantined = held.first().map(|first| QuarantineView {
        reason: crate::held::reason(&first.code),
        count: u32::try_from(held.len()).unwrap_or(u32::MAX),
    });
    let clocks = sla::evaluate_order(&order, settings, &rules.calendar, now)
        .into_iter()
        .map(clock_view)
        .collect();
    let sign_off = match signoff::status(&order) {
        SignOffStatus::Unsigned => SignOffState::None,
        SignOffStatus::Valid => SignOffState::Valid,
        SignOffStatus::Void => SignOffState::Void,
    };
    let steps = visit::steps(&order, sign_off, &ops);
    let current = signoff::current(&order);
    let signatures = signoff::record(&order)
        .into_iter()
        .map(|signature| SignatureView {
            current: Some(signature.id) == current,
            signature,
        })
        .collect();
    Ok(OrderDetail {
        signatures,
        rules: rules_in_force,
        clocks,
        sign_off,
        conflicts,
        // The company's date, as the order itself is judged (rule 2).
        warranty: warranty::status(
            order.product.purchase_date,
            rules.calendar.local_date(now),
            settings.warranty_years,
        ),
        chargeable: order.is_chargeable(),
        ops,
        allowed,
        steps,
        people: people(store)?,
        changes,
        unsent,
        quarantined,
        order,
    })
}

/// The order page.
#[tracing::instrument(skip_all, fields(order = %id))]
pub fn get_order(app: &App, id: &str) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", id)?;
    app.with_store(|store| detail(app, store, id))
}

/// Applies one edit and answers with the order after it.
pub(crate) fn edit(
    app: &App,
    id: OrderId,
    make: impl FnOnce(&mut Store) -> Result<OrderOp, CommandError>,
) -> Result<OrderDetail, CommandError> {
    let out = app.with_store(|store| {
        let op = make(store)?;
        let actor = app.actor(store)?;
        // The order's clocks and rules stay those of the settings it was created under.
        let rules = crate::rules_of(store);
        let order = store.order(id)?;
        let ctx = app.ctx(
            actor,
            &rules.for_order_doc(&order).settings,
            &rules.calendar,
        );
        store.apply_order(id, &op, &ctx)?;
        detail(app, store, id)
    })?;
    app.sync.nudge();
    Ok(out)
}

/// Applies a plain edit. Parts, photos and sign-offs have their own commands, which fill
/// in what only the device knows (the catalog, the van, a stored blob).
#[tracing::instrument(skip_all, fields(order = %id))]
pub fn order_op(app: &App, id: &str, op: OrderOp) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", id)?;
    if matches!(
        op,
        OrderOp::UsePart { .. } | OrderOp::SignOff { .. } | OrderOp::AddPhoto { .. }
    ) {
        return Err(CommandError::new(
            "errors.input.use_dedicated_command",
            "parts, photos and sign-offs have their own commands",
        ));
    }
    edit(app, id, |_| Ok(op))
}
