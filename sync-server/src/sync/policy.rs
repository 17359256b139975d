//! Server-side permissions on pushed changes: what each role may change in each kind of
//! document. The device checks the same rules, but the server never trusts that it did.

use automerge::AutoCommit;
use onsite_core::doc::order::OrderDoc;
use onsite_core::doc::requisition::RequisitionDoc;
use onsite_core::role::Role;

use super::protocol::DocKind;

/// What to do with a push.
#[derive(Debug)]
pub enum Verdict {
    /// Merge it.
    Accept,
    /// Do not merge; keep the change in quarantine and tell the device.
    Hold { code: &'static str, reason: String },
    /// Merge, then restore the fields the author may not change with a server change on
    /// top, so every copy converges back; the attempt goes to quarantine for review.
    Restore {
        code: &'static str,
        reason: String,
        restored: Box<AutoCommit>,
    },
}

/// The technician an order or requisition is visible to.
pub fn owner_of(kind: DocKind, doc: &AutoCommit) -> Result<Option<String>, String> {
    match kind {
        DocKind::Order => onsite_core::ops::hydrate::<OrderDoc>(doc)
            .map(|o| o.assignee.map(|a| a.to_string()))
            .map_err(|e| e.to_string()),
        DocKind::Requisition => onsite_core::ops::hydrate::<RequisitionDoc>(doc)
            .map(|r| Some(r.requester.to_string()))
            .map_err(|e| e.to_string()),
        DocKind::Complaint => Ok(None),
    }
}

/// Reviews a push by `user` acting as `role`. `before` is the office copy (None for a new
/// document), `after` the office copy with the push merged in, and `device_had` whether
/// this device legitimately holds the document (it may still push work done before a
/// reassignment).
pub fn review(
    role: Role,
    user: &str,
    kind: DocKind,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    device_had: bool,
) -> Verdict {
    if role != Role::Technician {
        return Verdict::Accept;
    }
    let hold = |code, reason: &str| Verdict::Hold {
        code,
        reason: reason.to_string(),
    };
    match (kind, before) {
        (DocKind::Complaint, _) => hold(
            "technician_cannot_edit_complaints",
            "complaints are handled by the office",
        ),
        (DocKind::Order, None) => hold(
            "technician_cannot_create_orders",
            "orders are created by the office",
        ),
        (DocKind::Order, Some(before)) => review_order(user, before, after, device_had),
        (DocKind::Requisition, before) => review_requisition(user, before, after),
    }
}

fn review_order(user: &str, before: &AutoCommit, after: &AutoCommit, device_had: bool) -> Verdict {
    let (Ok(old), Ok(mut new)) = (
        onsite_core::ops::hydrate::<OrderDoc>(before),
        onsite_core::ops::hydrate::<OrderDoc>(after),
    ) else {
        return Verdict::Hold {
            code: "unreadable",
            reason: "the order could not be read after merging".into(),
        };
    };
    let theirs = old.assignee.is_some_and(|a| a.to_string() == user);
    if !theirs && !device_had {
        return Verdict::Hold {
            code: "not_assigned",
            reason: "the order is not assigned to this technician".into(),
        };
    }
    let mut broken = Vec::new();
    if new.assignee != old.assignee {
        broken.push("the assignment");
        new.assignee = old.assignee;
    }
    if new.plan_approval != old.plan_approval {
        broken.push("the plan approval");
        new.plan_approval = old.plan_approval.clone();
    }
    if new.fee_overrides != old.fee_overrides {
        broken.push("a fee override");
        new.fee_overrides = old.fee_overrides.clone();
    }
    if !old.fee_overrides.is_empty() && new.fee != old.fee {
        broken.push("an approved fee");
        new.fee = old.fee.clone();
    }
    // Flags are raised by the server and settled at the office (no kind is a
    // technician's to resolve).
    if new.flags != old.flags {
        broken.push("the flags");
        new.flags = old.flags.clone();
    }
    if broken.is_empty() {
        return Verdict::Accept;
    }
    let mut restored = after.clone();
    restored.set_actor(server_actor());
    if autosurgeon::reconcile(&mut restored, &new).is_err() {
        return Verdict::Hold {
            code: "unreadable",
            reason: "the order could not be restored".into(),
        };
    }
    restored.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("order.restore server")
            .with_time(chrono::Utc::now().timestamp()),
    );
    Verdict::Restore {
        code: "technician_may_not_change",
        reason: format!("a technician may not change {}", broken.join(", ")),
        restored: Box::new(restored),
    }
}

fn review_requisition(user: &str, before: Option<&AutoCommit>, after: &AutoCommit) -> Verdict {
    let Ok(new) = onsite_core::ops::hydrate::<RequisitionDoc>(after) else {
        return Verdict::Hold {
            code: "unreadable",
            reason: "the requisition could not be read".into(),
        };
    };
    if new.requester.to_string() != user {
        return Verdict::Hold {
            code: "not_requester",
            reason: "a technician may only request parts for themselves".into(),
        };
    }
    let old_approval = before
        .and_then(|b| onsite_core::ops::hydrate::<RequisitionDoc>(b).ok())
        .and_then(|r| r.approval);
    if new.approval != old_approval {
        return Verdict::Hold {
            code: "technician_cannot_approve",
            reason: "a requisition is approved by a supervisor".into(),
        };
    }
    Verdict::Accept
}

/// The server's own Automerge actor, so its changes are told apart from every device's.
pub fn server_actor() -> automerge::ActorId {
    automerge::ActorId::from(b"onsite-server".as_slice())
}
