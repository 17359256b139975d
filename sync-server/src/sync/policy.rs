//! Server-side review of every push, for every role. What the push did is worked out
//! from Automerge's patches between the stored heads and the merged heads
//! ([`onsite_core::review::diff::touched`]), reading only the fields it touched, and is
//! judged by the same rules in `onsite-core` the devices apply
//! ([`onsite_core::review`]), on the stored state before the merge. What is not
//! allowed is put back with a server change on top (so every copy converges back) or,
//! when the change cannot be trusted at all (forged authorship, a new document), held
//! unmerged; either way it is kept in quarantine for a supervisor.

use std::collections::BTreeSet;

use automerge::{ActorId, AutoCommit, ChangeHash};
use onsite_core::doc::complaint::ComplaintDoc;
use onsite_core::doc::order::OrderDoc;
use onsite_core::doc::requisition::RequisitionDoc;
use onsite_core::doc::Document as _;
use onsite_core::review::diff::FieldChange;
use onsite_core::review::{self, Finding, Pusher};
use onsite_core::role::Role;
use onsite_core::CompanyRules;

use super::protocol::DocKind;

/// The answer to a technician's push to a document they may not see, whatever it is
/// (an order of someone else's, any document of another kind, an order that does not
/// exist yet): one answer, so a push never reveals what exists.
pub const NOT_ASSIGNED: (&str, &str) = (
    "not_assigned",
    "no document with this id is assigned to this technician",
);

/// What to do with a push.
#[derive(Debug)]
pub enum Verdict {
    /// Merge it.
    Accept,
    /// Do not merge; keep the change in quarantine and tell the device.
    Hold { code: String, reason: String },
    /// Merge, then restore the fields the author may not change with a server change on
    /// top, so every copy converges back; the attempt goes to quarantine for review.
    Restore {
        code: String,
        reason: String,
        restored: Box<AutoCommit>,
    },
}

/// A review: the verdict, what the push did and what was wrong with it.
#[derive(Debug)]
pub struct Review {
    pub verdict: Verdict,
    /// What the push changed, field by field (empty when it could not be read).
    pub changes: Vec<FieldChange>,
    /// What the pusher may not do.
    pub findings: Vec<Finding>,
    /// The technician the merged document is visible to, when the review read it.
    pub owner: Option<Option<String>>,
    /// The order as it will be stored, with its heads, when the review read it.
    pub reviewed: Option<(Vec<ChangeHash>, OrderDoc)>,
}

/// Where the pushing device stands with a document it is not (or no longer) the
/// technician's for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The device never held the document.
    Stranger,
    /// The device held it and has not yet been told it left its user's scope: its
    /// pending work is taken once.
    Holder,
    /// The device was told the document left its scope (and acknowledged that).
    Told,
}

/// Reviews a push by `pusher`: [`judge`], then [`attest`] with `authorship`, the
/// findings about who the changes claim to be from ([`super::attest`]).
// Each argument is a separate fact about the push; a struct bundling them would only
// be built here to be taken apart again.
#[allow(clippy::too_many_arguments)]
pub fn review(
    pusher: &Pusher,
    doc_id: &str,
    kind: DocKind,
    before: Option<&mut AutoCommit>,
    after: &mut AutoCommit,
    standing: Standing,
    authorship: Vec<Finding>,
    rules: &CompanyRules,
    book: Option<&crate::office::requisitions::StockBook>,
    server: &ActorId,
) -> Review {
    let judged = judge(
        pusher, doc_id, kind, before, after, standing, rules, book, server,
    );
    attest(judged, authorship, pusher.actor.role)
}

/// Judges what a push by `pusher` changed: `before` is the office copy (None for a new
/// document), `after` the office copy with the push merged in, `standing` how the
/// device stands with the document, `book` the stock ledger a requisition's approvals
/// and issues are checked against (read only for requisition pushes), `server` the
/// server's actor for the changes that put refused edits back. The expensive part of a
/// review, and free of the authorship, so that it can run before the write lock.
#[allow(clippy::too_many_arguments)]
pub fn judge(
    pusher: &Pusher,
    doc_id: &str,
    kind: DocKind,
    before: Option<&mut AutoCommit>,
    after: &mut AutoCommit,
    standing: Standing,
    rules: &CompanyRules,
    book: Option<&crate::office::requisitions::StockBook>,
    server: &ActorId,
) -> Review {
    let role = pusher.actor.role;
    let user = pusher.actor.user.to_string();
    let hold = |code: &str, reason: &str| Review {
        verdict: Verdict::Hold {
            code: code.to_string(),
            reason: reason.to_string(),
        },
        changes: vec![],
        findings: vec![],
        owner: None,
        reviewed: None,
    };
    match (kind, before) {
        (DocKind::Complaint, _) if role == Role::Technician => hold(NOT_ASSIGNED.0, NOT_ASSIGNED.1),
        (DocKind::Complaint, before) => review_complaint(pusher, before, after, rules),
        (DocKind::Order, None) if role == Role::Technician => hold(NOT_ASSIGNED.0, NOT_ASSIGNED.1),
        (DocKind::Order, None) if !matches!(role, Role::Dispatcher | Role::Supervisor) => hold(
            "role_not_permitted",
            "orders are created by intake (a dispatcher or supervisor)",
        ),
        (DocKind::Order, None) => review_new_order(pusher, after, rules, server),
        (DocKind::Order, Some(before)) => review_order(
            pusher, &user, doc_id, before, after, standing, rules, server,
        ),
        (DocKind::Requisition, before) => review_requisition(pusher, before, after, book, server),
    }
}

/// The verdict of a [`judge`]d push once `authorship` (what [`super::attest`] found
/// about who the changes claim to be from, for a pusher of `role`) is known: held if
/// anything was wrong with either.
pub fn attest(mut review: Review, authorship: Vec<Finding>, role: Role) -> Review {
    if matches!(review.verdict, Verdict::Hold { .. }) {
        return review;
    }
    let content = !review.findings.is_empty();
    let forged = !authorship.is_empty();
    if !content && !forged {
        return review;
    }
    let code = if content {
        format!("{role}_may_not_change")
    } else {
        authorship[0].code.clone()
    };
    review.findings.extend(authorship);
    let reason = if content {
        format!(
            "a {role} may not change {}",
            review::summary(&review.findings)
        )
    } else {
        // Only the authorship is wrong: say so, not "may not change change: …".
        format!(
            "the change is not attested as this {role}'s: {}",
            review::summary(&review.findings)
        )
    };
    review.verdict = match std::mem::replace(&mut review.verdict, Verdict::Accept) {
        // A change whose authorship is false is not merged at all: its history would
        // keep claiming someone else wrote it.
        Verdict::Restore { .. } | Verdict::Accept if forged => Verdict::Hold { code, reason },
        Verdict::Restore { restored, .. } => Verdict::Restore {
            code,
            reason,
            restored,
        },
        Verdict::Accept => Verdict::Hold { code, reason },
        held => held,
    };
    review
}

fn unreadable(what: &str) -> Review {
    Review {
        verdict: Verdict::Hold {
            code: "unreadable".into(),
            reason: format!("the {what} could not be read after merging"),
        },
        changes: vec![],
        findings: vec![],
        owner: None,
        reviewed: None,
    }
}

fn touched(before: &[ChangeHash], after: &mut AutoCommit) -> BTreeSet<String> {
    let heads = after.get_heads();
    let patches = after.diff(before, &heads);
    review::diff::touched(&patches)
}

/// Orders as last reviewed, by document id, with the heads each value is at: the next
/// push to the same order starts from it instead of reading the whole stored order
/// again (the largest part of a review's cost). Keyed by heads, so a value is only ever
/// used for exactly the document state it was read from, whatever transactions rolled
/// back in between.
static ORDERS: std::sync::LazyLock<std::sync::Mutex<OrderCache>> =
    std::sync::LazyLock::new(Default::default);

/// Document id → (heads, the order at those heads).
type OrderCache = std::collections::HashMap<String, (Vec<ChangeHash>, OrderDoc)>;

/// How many orders [`ORDERS`] keeps (a few tens of kilobytes each).
const CACHED_ORDERS: usize = 512;

fn cached_order(doc_id: &str, heads: &[ChangeHash]) -> Option<OrderDoc> {
    let cache = ORDERS.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .get(doc_id)
        .filter(|(h, _)| h.as_slice() == heads)
        .map(|(_, order)| order.clone())
}

fn remember_order(doc_id: &str, heads: Vec<ChangeHash>, order: OrderDoc) {
    let mut cache = ORDERS.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= CACHED_ORDERS && !cache.contains_key(doc_id) {
        // Full: forget an arbitrary one (the cache only saves work, never decides).
        if let Some(key) = cache.keys().next().cloned() {
            cache.remove(&key);
        }
    }
    cache.insert(doc_id.to_string(), (heads, order));
}

// The facts of `review`, passed on.
#[allow(clippy::too_many_arguments)]
fn review_order(
    pusher: &Pusher,
    user: &str,
    doc_id: &str,
    before: &mut AutoCommit,
    after: &mut AutoCommit,
    standing: Standing,
    rules: &CompanyRules,
    server: &ActorId,
) -> Review {
    let stored_heads = before.get_heads();
    let old = match cached_order(doc_id, &stored_heads) {
        Some(old) => old,
        None => match onsite_core::ops::hydrate::<OrderDoc>(before) {
            Ok(old) => old,
            Err(_) => return unreadable("stored order"),
        },
    };
    let theirs = old.assignee.is_some_and(|a| a.to_string() == user);
    let handover = pusher.actor.role == Role::Technician && !theirs;
    if handover {
        let (code, reason) = match standing {
            Standing::Stranger => NOT_ASSIGNED,
            Standing::Told => (
                "reassigned",
                "the order was reassigned away from this technician, who was told; the work \
                 pending then was taken in already",
            ),
            Standing::Holder => ("", ""),
        };
        if !code.is_empty() {
            return Review {
                verdict: Verdict::Hold {
                    code: code.into(),
                    reason: reason.into(),
                },
                changes: vec![],
                findings: vec![],
                owner: None,
                reviewed: None,
            };
        }
    }
    let review = judge_order(pusher, old, &stored_heads, after, handover, rules, server);
    if let Some((heads, order)) = &review.reviewed {
        remember_order(doc_id, heads.clone(), order.clone());
    }
    review
}

/// A new order pushed with the operations made on it since intake: judged from the
/// order as intake created it (the document's first change).
fn review_new_order(
    pusher: &Pusher,
    after: &mut AutoCommit,
    rules: &CompanyRules,
    server: &ActorId,
) -> Review {
    let roots: Vec<ChangeHash> = after
        .get_changes_meta(&[])
        .iter()
        .filter(|c| c.deps.is_empty())
        .map(|c| c.hash)
        .collect();
    let Ok(mut created) = after.fork_at(&roots) else {
        return unreadable("new order");
    };
    let Ok(old) = onsite_core::ops::hydrate::<OrderDoc>(&created) else {
        return unreadable("new order");
    };
    let _ = created.get_heads();
    let mut review = judge_order(pusher, old.clone(), &roots, after, false, rules, server);
    if old.state != onsite_core::OrderState::New || !old.history.is_empty() {
        review.findings.push(Finding {
            code: "transition_not_allowed".into(),
            field: "state".into(),
            record: None,
            reason: "an order is created new, with an empty history".into(),
        });
        review.verdict = Verdict::Accept;
    }
    // Nothing to put back onto: a new order that breaks the rules is held whole.
    if let Verdict::Restore { .. } = review.verdict {
        review.verdict = Verdict::Accept;
    }
    review
}

fn judge_order(
    pusher: &Pusher,
    old: OrderDoc,
    before_heads: &[ChangeHash],
    after: &mut AutoCommit,
    handover: bool,
    rules: &CompanyRules,
    server: &ActorId,
) -> Review {
    let heads = after.get_heads();
    let patches = after.diff(before_heads, &heads);
    let Ok((new, fields)) = review::order::merged_view(&old, after, &patches) else {
        return unreadable("order");
    };
    // The order's own settings version, as on the device that made the change.
    let settings = &rules.for_order_doc(&new).settings;
    let findings = review::order::judge(pusher, &old, &new, &fields, handover, settings);
    let changes = review::order::describe(&old, &new, &fields);
    let owner = Some(new.assignee.map(|a| a.to_string()));
    if findings.is_empty() {
        return Review {
            verdict: Verdict::Accept,
            changes,
            findings,
            owner,
            reviewed: Some((heads, new)),
        };
    }
    let fixed = review::order::put_back(&old, &new, &findings);
    let mut restored = after.clone();
    restored.set_actor(server.clone());
    if OrderDoc::reconcile_changes(&mut restored, &new, &fixed).is_err() {
        return unreadable("order (putting it back)");
    }
    restored.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("order.restore server")
            .with_time(chrono::Utc::now().timestamp()),
    );
    let restored_heads = restored.get_heads();
    Review {
        verdict: Verdict::Restore {
            code: String::new(),
            reason: String::new(),
            restored: Box::new(restored),
        },
        changes,
        findings,
        owner: Some(fixed.assignee.map(|a| a.to_string())),
        reviewed: Some((restored_heads, fixed)),
    }
}

fn review_requisition(
    pusher: &Pusher,
    before: Option<&mut AutoCommit>,
    after: &mut AutoCommit,
    book: Option<&crate::office::requisitions::StockBook>,
    server: &ActorId,
) -> Review {
    let Ok(new) = onsite_core::ops::hydrate::<RequisitionDoc>(after) else {
        return unreadable("requisition");
    };
    let (old, fields) = match before {
        Some(before) => {
            let Ok(old) = onsite_core::ops::hydrate::<RequisitionDoc>(before) else {
                return unreadable("stored requisition");
            };
            let heads = before.get_heads();
            (Some(old), touched(&heads, after))
        }
        None => (None, BTreeSet::new()),
    };
    let mut findings = review::requisition::judge(pusher, old.as_ref(), &new, &fields);
    if let Some(book) = book {
        // Approving or issuing beyond the warehouse's book balance, as the office's own
        // approvals are refused: checked on the ledger before this push.
        findings.extend(review::requisition::stock_findings(
            old.as_ref(),
            &new,
            &book.name(new.warehouse),
            |part| book.available(part, new.warehouse),
        ));
    }
    let changes = review::requisition::describe(old.as_ref(), &new);
    let owner = Some(Some(new.requester.to_string()));
    let Some(old) = old.filter(|_| !findings.is_empty()) else {
        return Review {
            verdict: Verdict::Accept,
            changes,
            findings,
            owner,
            reviewed: None,
        };
    };
    let fixed = review::requisition::put_back(&old, &new, &findings);
    let mut restored = after.clone();
    restored.set_actor(server.clone());
    if autosurgeon::reconcile(&mut restored, &fixed).is_err() {
        return unreadable("requisition (putting it back)");
    }
    restored.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("requisition.restore server")
            .with_time(chrono::Utc::now().timestamp()),
    );
    Review {
        verdict: Verdict::Restore {
            code: String::new(),
            reason: String::new(),
            restored: Box::new(restored),
        },
        changes,
        findings,
        owner: Some(Some(fixed.requester.to_string())),
        reviewed: None,
    }
}

/// A push to a complaint, judged with the complaint rules' roles
/// (`onsite_core::review::complaint`): what a role may not do is held whole, nothing of it
/// merged, and the device is told. Complaints are office documents (no technician sees
/// them), so there is no technician's copy to put back.
fn review_complaint(
    pusher: &Pusher,
    before: Option<&mut AutoCommit>,
    after: &mut AutoCommit,
    rules: &CompanyRules,
) -> Review {
    let old = match before.map(|b| onsite_core::ops::hydrate::<ComplaintDoc>(b)) {
        None => None,
        Some(Ok(old)) => Some(old),
        Some(Err(_)) => return unreadable("stored complaint"),
    };
    let Ok(new) = onsite_core::ops::hydrate::<ComplaintDoc>(after) else {
        return unreadable("pushed complaint");
    };
    let changes = review::complaint::describe(old.as_ref(), &new);
    let mut findings = review::complaint::judge(pusher, old.as_ref(), &new);
    findings.extend(review::complaint::cause_findings(old.as_ref(), &new, rules));
    let verdict = match findings.first() {
        None => Verdict::Accept,
        Some(first) => Verdict::Hold {
            code: first.code.clone(),
            reason: review::summary(&findings),
        },
    };
    Review {
        verdict,
        changes,
        findings,
        owner: Some(None),
        reviewed: None,
    }
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

/// The server's own Automerge actor in its current epoch
/// ([`onsite_core::ops::server_actor`]), so its changes are told apart from every
/// device's.
pub fn server_actor(
    conn: &crate::db::Connection,
) -> Result<automerge::ActorId, crate::error::ApiError> {
    Ok(actor_in(&crate::db::epoch(conn)?))
}

/// This process's actor in `epoch`: `onsite-server/<epoch>/<process>`. Replicas on one
/// database each write as an actor of their own, so two of them can never give two
/// different changes one actor and sequence number, which Automerge refuses.
pub fn actor_in(epoch: &str) -> automerge::ActorId {
    static PROCESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let process = PROCESS.get_or_init(|| uuid::Uuid::now_v7().simple().to_string());
    onsite_core::ops::server_actor(&format!("{epoch}/{process}"))
}
