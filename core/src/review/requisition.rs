//! Judging a push to a parts requisition, from the stored requisition (before the merge)
//! and the merged one, with the roles [`RequisitionOp::roles`] names: who may create it,
//! approve or reject it (valuable parts: a supervisor), issue, take back and close it,
//! cancel it. The requester, van and warehouse never change after creation, whatever
//! value a change writes; events (the stock movements) are append-only and name their
//! author.

use std::collections::BTreeSet;

use crate::doc::requisition::{RequisitionDoc, RequisitionOp, RequisitionStatus};
use crate::ids::RecordId;
use crate::review::diff::{self, keyed, FieldChange};
use crate::review::{forged_authors, Finding, Pusher};
use crate::role::Role;
use crate::stock::MovementKind;

/// What the push changed, for the supervisor reviewing it. `old` is `None` for a new
/// requisition.
pub fn describe(old: Option<&RequisitionDoc>, new: &RequisitionDoc) -> Vec<FieldChange> {
    let Some(old) = old else {
        return diff::value_change("requisition", &serde_json::Value::Null, &json(new))
            .into_iter()
            .collect();
    };
    let mut out = Vec::new();
    macro_rules! fields {
        ($($f:ident),*) => { $( out.extend(diff::value_change(stringify!($f), &old.$f, &new.$f)); )* };
    }
    fields!(
        schema_version,
        id,
        number,
        requester,
        van,
        warehouse,
        order,
        status,
        requested_at,
        approval,
        reason
    );
    out.extend(diff::records_change("lines", &old.lines, &new.lines));
    out.extend(diff::records_change("events", &old.events, &new.events));
    out.extend(diff::records_change(
        "handbacks",
        &old.handbacks,
        &new.handbacks,
    ));
    out
}

fn json(r: &RequisitionDoc) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or(serde_json::Value::Null)
}

fn probe(action: &str) -> RequisitionOp {
    let id = RecordId(uuid::Uuid::nil());
    match action {
        "approve" => RequisitionOp::Approve {
            id,
            quantities: vec![],
            note: String::new(),
        },
        "issue" => RequisitionOp::Issue {
            id,
            line: id,
            quantity: 0,
            serials: vec![],
        },
        "return" => RequisitionOp::Return {
            id,
            line: id,
            quantity: 0,
            serials: vec![],
            reason: String::new(),
        },
        "close" => RequisitionOp::Close,
        "hand_back" => RequisitionOp::HandBack {
            id,
            what: crate::doc::requisition::HandBackKind::OldPart,
            line: None,
            part: crate::ids::PartId(uuid::Uuid::nil()),
            part_number: String::new(),
            serialized: false,
            quantity: 0,
            serials: vec![],
            order: None,
            note: String::new(),
        },
        "take_back" => RequisitionOp::TakeBack {
            id,
            handback: id,
            outcome: crate::doc::requisition::ReturnOutcome::ToStock,
            reason: String::new(),
        },
        "cancel" => RequisitionOp::Cancel {
            reason: String::new(),
        },
        "reject" => RequisitionOp::Reject {
            reason: String::new(),
        },
        _ => RequisitionOp::AddLine {
            id,
            part: crate::ids::PartId(uuid::Uuid::nil()),
            part_number: String::new(),
            valuable: false,
            serialized: false,
            quantity: 0,
        },
    }
}

/// Judges a push by `pusher` to a requisition. `old` is the stored requisition (`None`
/// for a new one), `new` the requisition after the merge, `touched` the top-level fields
/// the push wrote (a field written with the value it already had still counts: it is
/// the change that is judged).
pub fn judge(
    pusher: &Pusher,
    old: Option<&RequisitionDoc>,
    new: &RequisitionDoc,
    touched: &BTreeSet<String>,
) -> Vec<Finding> {
    let actor = pusher.actor;
    let role = actor.role;
    let mut out = Vec::new();
    let may = |action: &str| probe(action).roles().contains(&role);
    let mut need = |out: &mut Vec<Finding>, field: &str, record: Option<String>, action: &str| {
        if !may(action) {
            out.push(Finding::new(
                "role_not_permitted",
                field,
                record,
                format!("a {role} may not {action} a requisition"),
            ));
        }
    };
    let Some(old) = old else {
        // A new requisition: who may raise one, and for whom.
        if !matches!(
            role,
            Role::Technician | Role::Storekeeper | Role::Supervisor
        ) {
            out.push(Finding::new(
                "role_not_permitted",
                "requester",
                None,
                format!("a {role} may not raise a requisition"),
            ));
        }
        if role == Role::Technician {
            if new.requester != actor.user {
                out.push(Finding::new(
                    "not_requester",
                    "requester",
                    None,
                    "a technician may only request parts for themselves",
                ));
            }
            if new.status != RequisitionStatus::Requested || new.approval.is_some() {
                need(&mut out, "status", None, "approve");
            }
            if new
                .lines
                .iter()
                .any(|l| l.approved > 0 || l.issued > 0 || l.returned > 0)
            {
                need(&mut out, "lines", None, "issue");
            }
        }
        for e in &new.events {
            let k = Some(e.id.to_string());
            event_rule(&mut out, &mut need, e.kind, k.clone());
            if let Ok(v) = serde_json::to_value(e) {
                forged_authors(&actor, "events", k, &v, &mut out);
            }
        }
        for h in &new.handbacks {
            handback_added(&mut out, &mut need, &actor, h);
        }
        return out;
    };

    if role == Role::Technician && old.requester != actor.user {
        out.push(Finding::new(
            "not_requester",
            "requester",
            None,
            "a technician may only work on their own requisitions",
        ));
    }
    for key in touched {
        match key.as_str() {
            "schema_version" | "id" | "number" | "requester" | "van" | "warehouse"
            | "requested_at" | "order" => out.push(Finding::new(
                "immutable",
                key,
                None,
                format!("{key} is set when the requisition is raised and never changed"),
            )),
            "status" | "approval" | "reason" | "lines" | "events" | "handbacks" => {}
            other => out.push(Finding::new(
                "unknown_field",
                other,
                None,
                format!("{other:?} is not a field of a requisition"),
            )),
        }
    }
    if old.status != new.status {
        use RequisitionStatus as S;
        // The main path, requested → approved → issued → closed, may be walked several
        // steps in one push (approve and issue at the counter): each step is judged.
        let rank = |s: S| match s {
            S::Requested => Some(0),
            S::Approved => Some(1),
            S::Issued => Some(2),
            S::Closed => Some(3),
            _ => None,
        };
        let path = ["approve", "issue", "close"];
        let actions: Option<Vec<&str>> = match (old.status, new.status) {
            (S::Requested, S::Rejected) => Some(vec!["reject"]),
            (S::Requested | S::Approved, S::Cancelled) => Some(vec!["cancel"]),
            (from, to) => match (rank(from), rank(to)) {
                (Some(a), Some(b)) if a < b => Some(path[a..b].to_vec()),
                _ => None,
            },
        };
        match actions {
            Some(actions) => {
                for action in actions {
                    need(&mut out, "status", None, action);
                }
            }
            None => out.push(Finding::new(
                "transition_not_allowed",
                "status",
                None,
                format!(
                    "a requisition does not go from {:?} to {:?}",
                    old.status, new.status
                ),
            )),
        }
    }
    if old.approval != new.approval {
        need(&mut out, "approval", None, "approve");
        if role != Role::Supervisor && new.lines.iter().any(|l| l.valuable) {
            out.push(Finding::new(
                "role_not_permitted",
                "approval",
                None,
                "valuable or limited parts need a supervisor's approval",
            ));
        }
        if let Ok(v) = serde_json::to_value(&new.approval) {
            forged_authors(&actor, "approval", None, &v, &mut out);
        }
    }
    if old.reason != new.reason && !may("reject") && !may("cancel") {
        need(&mut out, "reason", None, "cancel");
    }
    let lines = keyed(&old.lines, &new.lines, |l| l.id);
    for l in lines.added.iter().chain(&lines.removed) {
        let k = Some(l.id.to_string());
        need(&mut out, "lines", k.clone(), "add_line");
        if old.status != RequisitionStatus::Requested {
            out.push(Finding::new(
                "not_allowed_in_status",
                "lines",
                k,
                "lines change only while the requisition is requested",
            ));
        }
    }
    for (was, now) in &lines.changed {
        let k = Some(now.id.to_string());
        let what_asked = was.part == now.part
            && was.part_number == now.part_number
            && was.valuable == now.valuable
            && was.serialized == now.serialized
            && was.requested == now.requested;
        if !what_asked {
            out.push(Finding::new(
                "immutable",
                "lines",
                k.clone(),
                "a line's part and quantity asked for are never rewritten",
            ));
        }
        if was.approved != now.approved {
            need(&mut out, "lines", k.clone(), "approve");
        }
        if was.issued != now.issued {
            need(&mut out, "lines", k.clone(), "issue");
        }
        if was.returned != now.returned {
            need(&mut out, "lines", k, "return");
        }
    }
    let events = keyed(&old.events, &new.events, |e| e.id);
    for e in &events.added {
        let k = Some(e.id.to_string());
        event_rule(&mut out, &mut need, e.kind, k.clone());
        if let Ok(v) = serde_json::to_value(e) {
            forged_authors(&actor, "events", k, &v, &mut out);
        }
    }
    for e in events
        .removed
        .iter()
        .chain(events.changed.iter().map(|(w, _)| w))
    {
        out.push(Finding::new(
            "append_only",
            "events",
            Some(e.id.to_string()),
            "requisition events are stock movements: never edited or removed",
        ));
    }
    let handbacks = keyed(&old.handbacks, &new.handbacks, |h| h.id);
    for h in &handbacks.added {
        handback_added(&mut out, &mut need, &actor, h);
    }
    for h in &handbacks.removed {
        out.push(Finding::new(
            "append_only",
            "handbacks",
            Some(h.id.to_string()),
            "a hand-back is never removed",
        ));
    }
    for (was, now) in &handbacks.changed {
        let k = Some(now.id.to_string());
        let mut same = crate::doc::requisition::HandBack::clone(now);
        same.taken_back = was.taken_back.clone();
        if same != **was || was.taken_back.is_some() {
            out.push(Finding::new(
                "append_only",
                "handbacks",
                k,
                "a hand-back is only ever taken back, once",
            ));
            continue;
        }
        need(&mut out, "handbacks", k.clone(), "take_back");
        if let Some(t) = now
            .taken_back
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok())
        {
            forged_authors(&actor, "handbacks", k, &t, &mut out);
        }
    }
    out
}

/// A hand-back a push added: by its author, and taken back only by someone who may.
fn handback_added(
    out: &mut Vec<Finding>,
    need: &mut impl FnMut(&mut Vec<Finding>, &str, Option<String>, &str),
    actor: &crate::role::Actor,
    h: &crate::doc::requisition::HandBack,
) {
    let k = Some(h.id.to_string());
    need(out, "handbacks", k.clone(), "hand_back");
    if let Ok(v) = serde_json::to_value(h) {
        forged_authors(actor, "handbacks", k.clone(), &v, out);
    }
    if let Some(t) = &h.taken_back {
        need(out, "handbacks", k.clone(), "take_back");
        if let Ok(v) = serde_json::to_value(t) {
            forged_authors(actor, "handbacks", k, &v, out);
        }
    }
}

/// Findings about stock a push approves or issues beyond what the warehouse holds:
/// `available(part)` is the warehouse's book balance before the push, `location` its
/// name. The same rule the office's own approvals and issues are refused by
/// ([`RequisitionDoc::check_stock`]).
pub fn stock_findings(
    old: Option<&RequisitionDoc>,
    new: &RequisitionDoc,
    location: &str,
    available: impl Fn(crate::ids::PartId) -> i64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for l in &new.lines {
        let was = old.and_then(|o| o.lines.iter().find(|w| w.id == l.id));
        let approved_before = was.map_or(0, |w| w.approved);
        let issued_now = l.issued.saturating_sub(was.map_or(0, |w| w.issued));
        let have = available(l.part);
        let k = Some(l.id.to_string());
        if l.approved > approved_before && i64::from(l.approved) > have {
            out.push(Finding::new(
                "not_enough_stock",
                "approval",
                k.clone(),
                format!(
                    "{location} holds {have} of {}; {} cannot be approved",
                    l.part_number, l.approved
                ),
            ));
        }
        if issued_now > 0 && i64::from(issued_now) > have {
            out.push(Finding::new(
                "not_enough_stock",
                "lines",
                k,
                format!(
                    "{location} holds {have} of {}; {issued_now} cannot be issued",
                    l.part_number
                ),
            ));
        }
    }
    out
}

fn event_rule(
    out: &mut Vec<Finding>,
    need: &mut impl FnMut(&mut Vec<Finding>, &str, Option<String>, &str),
    kind: MovementKind,
    record: Option<String>,
) {
    let action = match kind {
        MovementKind::Requisition => "add_line",
        MovementKind::Approve => "approve",
        MovementKind::Issue => "issue",
        MovementKind::Return => "return",
        other => {
            out.push(Finding::new(
                "transition_not_allowed",
                "events",
                record,
                format!("a requisition records no {other:?} movement"),
            ));
            return;
        }
    };
    need(out, "events", record, action);
}

/// The requisition with what `findings` name undone: each field named goes back to its
/// stored value (lines and events by record).
pub fn put_back(
    old: &RequisitionDoc,
    new: &RequisitionDoc,
    findings: &[Finding],
) -> RequisitionDoc {
    let mut fixed = new.clone();
    if findings.iter().any(|f| f.code == "not_enough_stock") {
        // Stock approved or issued beyond the warehouse: the whole step goes back.
        fixed.status = old.status;
        fixed.approval = old.approval.clone();
        fixed.lines = old.lines.clone();
        fixed.events = old.events.clone();
    }
    for f in findings {
        match f.field.as_str() {
            "status" => fixed.status = old.status,
            "approval" => fixed.approval = old.approval.clone(),
            "reason" => fixed.reason = old.reason.clone(),
            "requester" => fixed.requester = old.requester,
            "van" => fixed.van = old.van,
            "warehouse" => fixed.warehouse = old.warehouse,
            "order" => fixed.order = old.order,
            "number" => fixed.number = old.number.clone(),
            "requested_at" => fixed.requested_at = old.requested_at,
            "lines" => fixed.lines = old.lines.clone(),
            "events" => fixed.events = old.events.clone(),
            "handbacks" => fixed.handbacks = old.handbacks.clone(),
            _ => {}
        }
    }
    fixed
}
