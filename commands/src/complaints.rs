//! Complaints (投诉) on the office device: recording one from intake, the list of
//! complaints with their clocks, one complaint's page with what the signed-in role may do
//! next, and every step of its cycle (`complaint_op`). The rules are
//! `onsite_core::doc::complaint`; the clocks `onsite_core::sla::evaluate_complaint`.
//! Each complaint is its own document: made and edited on this device, synced, and
//! reviewed by the server against the signed-in user's role.

use chrono::{DateTime, Utc};
use onsite_core::doc::complaint::{
    ComplaintDoc, ComplaintError, ComplaintOp, ComplaintStatus, Severity,
};
use onsite_core::doc::complaint_flags::{decision_conflicts, DecisionConflict};
use onsite_core::ids::{ComplaintId, OrderId, RecordId};
use onsite_core::intake::{Intake, IntakeComplaint};
use onsite_core::records::order::ContactChannel;
use onsite_core::records::order::FlagKind;
use onsite_core::records::request::Classification;
use onsite_core::role::Actor;
use onsite_core::{sla, CompanyRules, Ctx};
use onsite_device::{DocKind, Store};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::CommandError;
use crate::order::{clock_view, ClockView, OpCheck, Refusal};
use crate::{parse_id, App};

/// One complaint in the list, with its clocks.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ComplaintListItem {
    /// Id.
    pub id: String,
    /// Number (`TS-…`).
    pub number: String,
    /// Complainant.
    pub complainant: String,
    /// Phone.
    pub phone: String,
    /// What happened (the start of it).
    pub content: String,
    /// General or major.
    pub severity: Severity,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// The related order's id and number, if any.
    pub order: Option<String>,
    /// The related order's number.
    pub order_number: Option<String>,
    /// First contact (1 h) and resolution (3 or 7 working days).
    pub clocks: Vec<ClockView>,
}

/// A complaint's page.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ComplaintDetail {
    /// The document as it stands.
    pub complaint: ComplaintDoc,
    /// The related order's number, if this device holds it.
    pub order_number: Option<String>,
    /// The clocks now.
    pub clocks: Vec<ClockView>,
    /// Each step and whether the signed-in role may take it now, and why not.
    pub ops: Vec<OpCheck>,
    /// The op tags of `ops` allowed now.
    pub allowed: Vec<String>,
    /// The causes the company classifies complaints by (its settings' list, each with
    /// its names in both languages).
    pub causes: Vec<onsite_core::settings::CauseClass>,
    /// This device has changes to it the server has not acknowledged yet.
    pub unsent: bool,
    /// Decision fields holding concurrent values now, each value a choice that keeps it
    /// (the server flags them `conflict` for a supervisor).
    pub conflicts: Vec<DecisionConflict>,
    /// The open flags the signed-in role may resolve now.
    pub resolvable_flags: Vec<String>,
}

/// A complaint whose decision field holds concurrent values the server flagged, for the
/// supervisor's held-changes screen.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ComplaintConflictItem {
    /// The complaint's id.
    pub id: String,
    /// Its number.
    pub number: String,
    /// Complainant.
    pub complainant: String,
    /// The open conflict flag.
    pub flag_id: String,
    /// The field: `severity`, `owner`, `status` or `cause`.
    pub field: String,
    /// When the server raised it.
    pub raised_at: DateTime<Utc>,
}

/// Which complaints the list shows.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintScope {
    /// Every complaint not closed.
    #[default]
    Open,
    /// Every complaint.
    All,
}

/// The values a complaint refusal names, for the translated message.
pub fn details(err: &ComplaintError) -> Map<String, Value> {
    let mut out = Map::new();
    match err {
        ComplaintError::RoleNotPermitted { role, action } => {
            out.insert("role".into(), Value::from(role.to_string()));
            out.insert("action".into(), Value::from(*action));
        }
        ComplaintError::NotAllowedInStatus { action, status } => {
            out.insert("action".into(), Value::from(*action));
            out.insert(
                "status".into(),
                serde_json::to_value(status).unwrap_or(Value::Null),
            );
        }
        ComplaintError::MeasuresOpen { open } => {
            out.insert("open".into(), Value::from(*open));
        }
        ComplaintError::EmptyField { field } => {
            out.insert("field".into(), Value::from(*field));
        }
        ComplaintError::UnknownCause { key } => {
            out.insert("key".into(), Value::from(key.as_str()));
        }
        _ => {}
    }
    out
}

/// Records a complaint taken at intake (classification complaint): the customer is the
/// complainant, the description the content, linked to the order complained about.
#[tracing::instrument(skip_all)]
pub fn create_complaint(
    app: &App,
    request: Intake,
    complaint: IntakeComplaint,
) -> Result<ComplaintDetail, CommandError> {
    if request.classification != Classification::Complaint {
        return Err(CommandError::new(
            "errors.intake.not_a_complaint",
            format!(
                "a {:?} request is taken as an order, not a complaint",
                request.classification
            ),
        ));
    }
    let now = app.now();
    let out = app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        let today = rules.calendar.local_date(now);
        if let Some(order) = complaint.order {
            if !store.contains(&order.to_string())? {
                return Err(CommandError::new(
                    "errors.complaint.unknown_order",
                    format!("no order {order} on this device"),
                ));
            }
        }
        let new = request.into_new_complaint(now, today, complaint)?;
        let id = new.id;
        let ctx = app.ctx(actor, rules.settings(), &rules.calendar);
        store.create_complaint(new, &ctx)?;
        detail_in(app, store, &rules, actor, id)
    })?;
    app.sync.nudge();
    Ok(out)
}

pub(crate) fn item(
    store: &mut Store,
    rules: &CompanyRules,
    c: &ComplaintDoc,
    now: DateTime<Utc>,
) -> Result<ComplaintListItem, CommandError> {
    Ok(ComplaintListItem {
        id: c.id.to_string(),
        number: c.number.clone(),
        complainant: c.complainant.clone(),
        phone: c.phone.clone(),
        content: c.content.chars().take(120).collect(),
        severity: c.severity,
        status: c.status,
        received_at: c.received_at,
        order: c.order.map(|o| o.to_string()),
        order_number: order_number(store, c.order)?,
        clocks: clocks(rules, c, now),
    })
}

fn clocks(rules: &CompanyRules, c: &ComplaintDoc, now: DateTime<Utc>) -> Vec<ClockView> {
    sla::evaluate_complaint(c, rules.settings(), &rules.calendar, now)
        .into_iter()
        .map(clock_view)
        .collect()
}

fn order_number(store: &mut Store, id: Option<OrderId>) -> Result<Option<String>, CommandError> {
    let Some(id) = id else { return Ok(None) };
    if !store.contains(&id.to_string())? {
        return Ok(None);
    }
    Ok(Some(store.order(id)?.number))
}

pub(crate) fn every(store: &mut Store) -> Result<Vec<ComplaintDoc>, CommandError> {
    let mut out = Vec::new();
    for id in store.document_ids(DocKind::Complaint)? {
        let id: ComplaintId = parse_id("complaint", &id)?;
        out.push(store.complaint(id)?);
    }
    Ok(out)
}

/// The complaints this device holds (an office device holds them all), oldest first so
/// the one waiting longest is on top.
pub fn list_complaints(
    app: &App,
    scope: ComplaintScope,
) -> Result<Vec<ComplaintListItem>, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let rules = crate::rules_of(store);
        let mut docs = every(store)?;
        if matches!(scope, ComplaintScope::Open) {
            docs.retain(|c| c.status != ComplaintStatus::Closed);
        }
        docs.sort_by_key(|c| c.received_at);
        docs.iter().map(|c| item(store, &rules, c, now)).collect()
    })
}

/// The complaints about one order, for the order page.
pub fn order_complaints(app: &App, order: &str) -> Result<Vec<ComplaintListItem>, CommandError> {
    let order: OrderId = parse_id("order", order)?;
    let now = app.now();
    app.with_store(|store| {
        let rules = crate::rules_of(store);
        let mut docs = every(store)?;
        docs.retain(|c| c.order == Some(order));
        docs.sort_by_key(|c| c.received_at);
        docs.iter().map(|c| item(store, &rules, c, now)).collect()
    })
}

/// One complaint's page.
pub fn get_complaint(app: &App, id: &str) -> Result<ComplaintDetail, CommandError> {
    let id: ComplaintId = parse_id("complaint", id)?;
    app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        detail_in(app, store, &rules, actor, id)
    })
}

/// One step of the complaint's cycle, as the signed-in user; answers the page after it.
#[tracing::instrument(skip_all, fields(complaint = %id, op = ?std::mem::discriminant(&op)))]
pub fn complaint_op(app: &App, id: &str, op: ComplaintOp) -> Result<ComplaintDetail, CommandError> {
    let id: ComplaintId = parse_id("complaint", id)?;
    let out = app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        let ctx = app.ctx(actor, rules.settings(), &rules.calendar);
        store.apply_complaint(id, &op, &ctx)?;
        detail_in(app, store, &rules, actor, id)
    })?;
    app.sync.nudge();
    Ok(out)
}

/// A stand-in for each step, to ask the complaint's own rules whether the role may take
/// it now. The values are placeholders: only the step's kind is judged, except that an
/// empty text would be refused for being empty, so the probes carry a word.
fn probes(
    c: &ComplaintDoc,
    actor: Actor,
    now: DateTime<Utc>,
    causes: &[onsite_core::settings::CauseClass],
) -> Vec<ComplaintOp> {
    let id = RecordId::new_at(now);
    let word = "-".to_string();
    let open_measure = c
        .measures
        .iter()
        .find(|m| m.done_at.is_none())
        .map(|m| m.id);
    vec![
        ComplaintOp::FirstContact {
            id,
            note: word.clone(),
        },
        ComplaintOp::Assign { owner: actor.user },
        ComplaintOp::Escalate,
        ComplaintOp::RecordCause {
            // A class of the company's list, so only the step itself is judged.
            category: causes.first().map(|c| c.key.clone()).unwrap_or_default(),
            text: word.clone(),
        },
        ComplaintOp::AgreeMeasure {
            id,
            description: word.clone(),
            owner: actor.user,
            deadline: now,
        },
        ComplaintOp::CompleteMeasure {
            id: open_measure.unwrap_or(id),
        },
        ComplaintOp::InformCustomer {
            id,
            text: word.clone(),
        },
        ComplaintOp::Resolve,
        ComplaintOp::CustomerVerdict {
            id,
            satisfied: true,
            comment: word.clone(),
        },
        ComplaintOp::FollowUp {
            id,
            channel: ContactChannel::Phone,
            score: None,
            comment: word,
        },
    ]
}

fn op_tag(op: &ComplaintOp) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.get("op").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn detail_in(
    app: &App,
    store: &mut Store,
    rules: &CompanyRules,
    actor: Actor,
    id: ComplaintId,
) -> Result<ComplaintDetail, CommandError> {
    let now = app.now();
    let complaint = store.complaint(id)?;
    let ctx = Ctx {
        actor,
        now,
        settings: rules.settings(),
        calendar: &rules.calendar,
    };
    let causes = rules.settings().complaint_causes.clone();
    let ops: Vec<OpCheck> = probes(&complaint, actor, now, &causes)
        .into_iter()
        .map(|op| {
            let result = complaint.clone().apply(&op, &ctx);
            OpCheck {
                op: op_tag(&op),
                allowed: result.is_ok(),
                refusal: result.err().map(|e| Refusal {
                    code: e.code().to_string(),
                    details: details(&e),
                }),
            }
        })
        .collect();
    let allowed = ops
        .iter()
        .filter(|c| c.allowed)
        .map(|c| c.op.clone())
        .collect();
    let key = id.to_string();
    let unsent = store.pending()?.iter().any(|p| p.doc_id == key);
    let conflicts = store.read(DocKind::Complaint, &key, decision_conflicts)?;
    // Each open flag tried on a copy, as the steps are: a conflict with one of its
    // values, so the rules judge the role and not a missing choice.
    let resolvable_flags = complaint
        .open_flags()
        .filter(|f| {
            let choice = (f.kind == FlagKind::Conflict)
                .then(|| {
                    conflicts
                        .iter()
                        .find(|c| c.field == f.subject)
                        .and_then(|c| c.choices.first().cloned())
                })
                .flatten();
            let op = ComplaintOp::ResolveFlag {
                id: f.id,
                note: "-".into(),
                choice,
            };
            complaint.clone().apply(&op, &ctx).is_ok()
        })
        .map(|f| f.id.to_string())
        .collect();
    Ok(ComplaintDetail {
        conflicts,
        resolvable_flags,
        order_number: order_number(store, complaint.order)?,
        clocks: clocks(rules, &complaint, now),
        ops,
        allowed,
        causes,
        unsent,
        complaint,
    })
}

/// Every complaint with an open conflict flag, oldest flag first: the supervisor's
/// held-changes screen lists them beside the held pushes, and each is decided on the
/// complaint's page.
pub fn complaint_conflicts(app: &App) -> Result<Vec<ComplaintConflictItem>, CommandError> {
    app.with_store(|store| {
        let mut out: Vec<ComplaintConflictItem> = every(store)?
            .iter()
            .flat_map(|c| {
                c.open_flags()
                    .filter(|f| f.kind == FlagKind::Conflict)
                    .map(|f| ComplaintConflictItem {
                        id: c.id.to_string(),
                        number: c.number.clone(),
                        complainant: c.complainant.clone(),
                        flag_id: f.id.to_string(),
                        field: f.subject.clone(),
                        raised_at: f.raised_at,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by_key(|c| c.raised_at);
        Ok(out)
    })
}
