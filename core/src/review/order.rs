//! Judging a push to a repair order. [`merged_view`] reads only the fields the push
//! touched into a copy of the stored order; [`judge`] decides, from the stored order (the
//! state before the merge), whether the pusher's role may have made each change, using
//! [`lifecycle::check`] for every state move and every record; [`put_back`] gives the order
//! with what was not allowed undone, for the server to write on top.
//!
//! What the rules say, field by field:
//! - `history` (the audit trail) is append-only for everyone; each appended entry is a
//!   state move the pusher must be allowed to make from the state it starts in, and it
//!   must name the pusher. A state change with no history entry is refused.
//! - a register (fee, consent, assignee …) may change only by a role whose action writes
//!   it (`approve_plan` writes `plan_approval`, `override_fee` the fee once overridden …);
//!   intake fields only by intake roles; `id` and `schema_version` by no one.
//! - a keyed list takes new records from the roles whose action adds them; records are
//!   never edited or removed, except a visit's check-out and work-ID times, a part line
//!   removed by `remove_part`, and a flag's resolution by the role its kind names.
//! - every record or value a push writes names the pusher as its author.
//! - part use never draws on a stock location registered to someone else.

use std::collections::BTreeSet;

use automerge::{AutoCommit, ReadDoc as _};

use crate::doc::am;
use crate::doc::order::{OrderDoc, ORDER_SCHEMA_VERSION};
use crate::error::DomainError;
use crate::lifecycle::{self, OrderState, Transition, TransitionError};
use crate::records::order::{FlagKind, Hold, HoldKind};
use crate::review::diff::{self, keyed, FieldChange};
use crate::review::{forged_authors, Finding, Pusher};
use crate::role::{Actor, Role};
use crate::settings::Settings;

/// Every top-level field of the order schema (generated from the one field list in
/// [`crate::doc::order`]).
pub const FIELDS: &[&str] = crate::doc::order::ALL_FIELDS;

macro_rules! each_field {
    ($m:ident, $($arg:tt)*) => {
        $m!($($arg)*;
            registers: [schema_version, id, number, request, customer, product, mode, priority,
                fault_code, customer_damage, charge, repeat_of, state, assignee, schedule,
                receipt, fault_confirmed, diagnosis, plan_approval, consent, fee, sign_off,
                shipment, hold, cancellation, payment, settings_version],
            times: [dispatched_at, closed_at],
            lists: [contacts, visits, fee_overrides, steps, parts, tests, objections, follow_ups,
                photos, comments, data_authorisations, history, flags, signatures,
                charge_reassessments, return_decisions, clock_offsets])
    };
}

fn unreadable(e: impl std::fmt::Display) -> DomainError {
    DomainError::Unreadable {
        kind: "order",
        message: e.to_string(),
    }
}

macro_rules! hydrate_touched {
    ($doc:expr, $new:expr, $patches:expr, $key:expr;
     registers: [$($r:ident),*], times: [$($t:ident),*], lists: [$($l:ident),*]) => {
        match $key {
            $( stringify!($r) => {
                $new.$r = autosurgeon::hydrate_prop($doc, automerge::ROOT, stringify!($r))
                    .map_err(unreadable)?;
            } )*
            $( stringify!($t) => {
                $new.$t = am::opt_time::hydrate($doc, &automerge::ROOT, stringify!($t).into())
                    .map_err(unreadable)?;
            } )*
            $( stringify!($l) => {
                // A list that is not there reads as empty (documents written before
                // `flags` existed have none); otherwise only the records the patches
                // touch are read, unless they replace the list.
                $new.$l = if $doc.get(automerge::ROOT, stringify!($l)).map_err(unreadable)?.is_none() {
                    Vec::new()
                } else if let Some(list) = diff::patched_list(&$new.$l, $doc, stringify!($l), $patches) {
                    list.map_err(unreadable)?
                } else {
                    autosurgeon::hydrate_prop($doc, automerge::ROOT, stringify!($l))
                        .map_err(unreadable)?
                };
            } )*
            // A key outside the schema: nothing to read; `judge` refuses it.
            _ => {}
        }
    };
}

/// The order after the merge: `old` (the stored order, at the heads the patches start
/// from) with every field `patches` touch read again from `after`, and in the keyed
/// lists only the records they touch. Reads only what the push did, so a review costs
/// about the size of the push, not of the order. Returns the touched fields too.
pub fn merged_view(
    old: &OrderDoc,
    after: &AutoCommit,
    patches: &[automerge::Patch],
) -> Result<(OrderDoc, BTreeSet<String>), DomainError> {
    let touched = diff::touched(patches);
    let mut new = old.clone();
    for key in &touched {
        each_field!(hydrate_touched, after, new, patches, key.as_str());
    }
    if new.schema_version > ORDER_SCHEMA_VERSION {
        return Err(DomainError::SchemaTooNew {
            kind: "order",
            found: new.schema_version,
            supported: ORDER_SCHEMA_VERSION,
        });
    }
    Ok((new, touched))
}

macro_rules! describe_touched {
    ($old:expr, $new:expr, $key:expr, $out:expr;
     registers: [$($r:ident),*], times: [$($t:ident),*], lists: [$($l:ident),*]) => {
        match $key {
            $( stringify!($r) => $out.extend(diff::value_change(stringify!($r), &$old.$r, &$new.$r)), )*
            $( stringify!($t) => $out.extend(diff::value_change(stringify!($t), &$old.$t, &$new.$t)), )*
            $( stringify!($l) => $out.extend(diff::records_change(stringify!($l), &$old.$l, &$new.$l)), )*
            _ => {}
        }
    };
}

/// What the push changed, field by field, for the supervisor reviewing it.
pub fn describe(old: &OrderDoc, new: &OrderDoc, touched: &BTreeSet<String>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for key in touched {
        each_field!(describe_touched, old, new, key.as_str(), out);
    }
    out
}

/// Whether the customer on `new` is the one on `old` but for the tier.
fn only_the_tier_changed(old: &OrderDoc, new: &OrderDoc) -> bool {
    let mut was = old.customer.clone();
    was.tier = new.customer.tier;
    was == new.customer && old.customer.tier != new.customer.tier
}

/// Refusals about who may act and in which state, as opposed to what must already be
/// recorded: a push of several operations changes what is recorded between them, so
/// only these are judged per record.
fn is_gate(e: &TransitionError) -> bool {
    matches!(
        e,
        TransitionError::RoleNotPermitted { .. }
            | TransitionError::NotAssignee { .. }
            | TransitionError::NotAllowedInState { .. }
            | TransitionError::OnHold { .. }
            | TransitionError::WrongServiceMode { .. }
            | TransitionError::FlagNotAllowed { .. }
    )
}

struct Judge<'a> {
    actor: Actor,
    settings: &'a Settings,
    /// The stored order, as the pusher may act on it (a technician handing over a
    /// reassigned order acts as its assignee for that one push).
    proxy: OrderDoc,
    /// The states the order is in during this push: the stored one and every state the
    /// pushed history moves through.
    states: Vec<OrderState>,
    out: Vec<Finding>,
}

impl Judge<'_> {
    /// Whether `t` is allowed to the pusher in one of the states of this push.
    fn gate(&mut self, t: &Transition) -> Result<(), TransitionError> {
        let mut last = None;
        for s in self.states.clone() {
            self.proxy.state = s;
            match lifecycle::check(&self.proxy, t, &self.actor, self.settings) {
                Err(e) if is_gate(&e) => last = Some(e),
                _ => return Ok(()),
            }
        }
        Err(last.unwrap_or(TransitionError::RoleNotPermitted {
            role: self.actor.role,
            action: t.name(),
        }))
    }

    /// Records a finding unless one of `ts` is allowed.
    fn need(&mut self, field: &str, record: Option<String>, ts: &[Transition]) {
        let mut err = None;
        for t in ts {
            match self.gate(t) {
                Ok(()) => return,
                Err(e) => err = Some(e),
            }
        }
        let reason = err.map_or_else(|| "no one may change it".to_string(), |e| e.to_string());
        self.out
            .push(Finding::new("role_not_permitted", field, record, reason));
    }

    fn authors(&mut self, field: &str, record: Option<String>, value: &impl serde::Serialize) {
        if let Ok(value) = serde_json::to_value(value) {
            forged_authors(&self.actor, field, record, &value, &mut self.out);
        }
    }
}

/// Judges what a push by `pusher` did to an order: `old` is the stored order (before the
/// merge), `new` the order after it ([`merged_view`]), `touched` the fields the push
/// wrote. `handover` is true when a technician's device pushes the work it did before
/// the order was reassigned away from them. Returns every finding; none means allowed.
pub fn judge(
    pusher: &Pusher,
    old: &OrderDoc,
    new: &OrderDoc,
    touched: &BTreeSet<String>,
    handover: bool,
    settings: &Settings,
) -> Vec<Finding> {
    use Transition as T;
    let actor = pusher.actor;
    let mut proxy = old.clone();
    if handover {
        proxy.assignee = Some(actor.user);
    }
    let appended = keyed(&old.history, &new.history, |h| h.id);
    let mut states = vec![old.state];
    for h in &appended.added {
        for s in [h.from, h.to] {
            if !states.contains(&s) {
                states.push(s);
            }
        }
    }
    let mut j = Judge {
        actor,
        settings,
        proxy,
        states,
        out: Vec::new(),
    };

    // Conflicts the pusher settled in this push: the decided field is written afresh
    // with the value kept, whoever first wrote it.
    let flags = keyed(&old.flags, &new.flags, |f| f.id);
    let mut decided: BTreeSet<String> = BTreeSet::new();
    for (was, now) in &flags.changed {
        let only_resolution = was.kind == now.kind
            && was.subject == now.subject
            && was.detail == now.detail
            && was.for_role == now.for_role
            && was.raised_at == now.raised_at
            && was.resolution.is_none();
        let key = Some(now.id.to_string());
        if !only_resolution || now.resolution.is_none() {
            j.out.push(Finding::new(
                "append_only",
                "flags",
                key,
                "a flag is raised by the server; only its resolution may be written",
            ));
            continue;
        }
        if !now.kind.resolvers().contains(&actor.role) {
            j.out.push(Finding::new(
                "role_not_permitted",
                "flags",
                key.clone(),
                format!(
                    "a {} may not resolve a {} flag",
                    actor.role,
                    now.kind.as_str()
                ),
            ));
        } else if now.kind == FlagKind::Conflict {
            decided.insert(now.subject.clone());
        }
        j.authors("flags", key, &now.resolution);
    }
    for f in flags.added.iter().chain(&flags.removed) {
        j.out.push(Finding::new(
            "append_only",
            "flags",
            Some(f.id.to_string()),
            "flags are raised by the server and never removed",
        ));
    }

    // Clock offsets are the server's measurement of a device's clock: no device writes
    // them, or a device could excuse its own late work.
    if touched.contains("clock_offsets") && old.clock_offsets != new.clock_offsets {
        j.out.push(Finding::new(
            "append_only",
            "clock_offsets",
            None,
            "clock offsets are measured and written by the server only",
        ));
    }

    // The history: append-only, and each appended entry a state move the pusher may make.
    for (was, _) in &appended.changed {
        j.out.push(Finding::new(
            "append_only",
            "history",
            Some(was.id.to_string()),
            "the state history is append-only: an entry was rewritten",
        ));
    }
    for was in &appended.removed {
        j.out.push(Finding::new(
            "append_only",
            "history",
            Some(was.id.to_string()),
            "the state history is append-only: an entry was removed",
        ));
    }
    // Consents this push withdrew by reassessing the charge: a move made under one of
    // them (a consent, then the reassessment, in one push) is judged with it.
    let withdrawn: Vec<crate::records::order::Consent> =
        keyed(&old.charge_reassessments, &new.charge_reassessments, |r| {
            r.id
        })
        .added
        .iter()
        .filter_map(|r| r.withdrawn.clone())
        .collect();
    let mut moves = new.clone();
    moves.assignee = j.proxy.assignee;
    let mut state_ok = true;
    for h in &appended.added {
        let key = Some(h.id.to_string());
        if h.by != actor.user || h.role != actor.role {
            j.out.push(Finding::new(
                "forged_author",
                "history",
                key.clone(),
                format!(
                    "the entry names {} {} as its author, but the change came from {} {}",
                    h.role, h.by, actor.role, actor.user
                ),
            ));
        }
        if decided.contains("state") {
            continue;
        }
        // The order as it stood at this move: what the push recorded up to then.
        moves.state = h.from;
        if new.consent.is_none() {
            moves.consent = withdrawn
                .iter()
                .filter(|c| c.at <= h.at)
                .max_by_key(|c| c.at)
                .cloned();
        }
        moves.tests = new.tests.iter().filter(|t| t.at <= h.at).cloned().collect();
        moves.visits = new
            .visits
            .iter()
            .filter(|v| v.checked_in_at <= h.at)
            .cloned()
            .map(|mut v| {
                if v.checked_out_at.is_some_and(|out| out >= h.at) {
                    v.checked_out_at = None;
                }
                v
            })
            .collect();
        moves.hold = (h.from == OrderState::OnHold).then(|| Hold {
            kind: HoldKind::Other,
            reason: String::new(),
            from: h.to,
            at: h.at,
            by: h.by,
        });
        let reason = h.reason.clone();
        let probes = [
            T::Dispatch,
            T::LogContact { reached: true },
            T::CheckIn,
            T::Receive,
            T::AgreePlan,
            T::ReassessCharge,
            T::AddRepairStep,
            T::UsePart,
            T::RemovePart,
            T::RecordTest { passed: true },
            T::RecordTest { passed: false },
            T::SignOff,
            T::Object,
            T::ShipBack,
            T::Close,
            T::Cancel {
                reason: reason.clone(),
            },
            T::Hold {
                reason: reason.clone(),
            },
            T::Resume,
            T::Reopen { reason },
            T::AnswerConsultation,
            T::ResolveRemotely,
        ];
        let moves_to = |who: &Actor, t: &Transition| {
            lifecycle::check(&moves, t, who, settings).is_ok_and(|s| s == h.to)
        };
        if probes.iter().any(|t| moves_to(&actor, t)) {
            continue;
        }
        state_ok = false;
        // Which actions would make this move for a role that may do everything: if any,
        // the pusher's role is what forbids it; if none, the move itself is not one the
        // lifecycle has from the recorded order.
        let boss = Actor {
            user: moves.assignee.unwrap_or(actor.user),
            role: Role::Supervisor,
        };
        let possible: Vec<_> = probes
            .iter()
            .filter(|t| moves_to(&boss, t))
            .map(|t| t.name())
            .collect();
        let (code, reason) = if possible.is_empty() {
            (
                "transition_not_allowed",
                format!(
                    "no action moves the order from {} to {} as it is recorded",
                    h.from, h.to
                ),
            )
        } else {
            (
                "role_not_permitted",
                format!(
                    "a {} may not {} (from {} to {})",
                    actor.role,
                    possible.join(" or "),
                    h.from,
                    h.to
                ),
            )
        };
        j.out.push(Finding::new(code, "state", key, reason));
    }
    if touched.contains("state") && new.state != old.state && !decided.contains("state") {
        let recorded = appended.added.last().map(|h| h.to);
        if recorded != Some(new.state) && state_ok {
            j.out.push(Finding::new(
                "transition_not_allowed",
                "state",
                None,
                format!(
                    "the state went from {} to {} with no history entry for it",
                    old.state, new.state
                ),
            ));
        }
    }

    // Registers.
    let consent_changed = old.consent != new.consent || !withdrawn.is_empty();
    let diagnosis_changed = old.diagnosis != new.diagnosis;
    for key in touched {
        let key = key.as_str();
        if decided.contains(key) || key == "state" {
            continue;
        }
        let same = register_same(old, new, key);
        let rule: Option<Vec<Transition>> = match key {
            "assignee" => Some(vec![T::Assign, T::Dispatch]),
            "schedule" => Some(vec![T::Schedule, T::Dispatch]),
            "dispatched_at" => Some(vec![T::Dispatch]),
            "receipt" => Some(vec![T::Receive]),
            "fault_confirmed" => Some(vec![T::ConfirmFault]),
            "diagnosis" => Some(vec![T::RecordDiagnosis]),
            "plan_approval" if new.plan_approval.is_none() && diagnosis_changed => {
                Some(vec![T::RecordDiagnosis])
            }
            "plan_approval" => Some(vec![T::ApprovePlan]),
            // A reassessed charge withdraws the consent it no longer covers.
            "consent" if new.consent.is_none() => Some(vec![T::ReassessCharge]),
            "consent" => Some(vec![T::AgreePlan]),
            "fee" if consent_changed && old.fee_overrides.is_empty() => {
                Some(vec![T::AgreePlan, T::OverrideFee])
            }
            "fee" => Some(vec![T::OverrideFee]),
            "customer_damage" | "charge" => Some(vec![T::ReassessCharge]),
            // The tier alone is the office's to set, as `set_customer_tier`; any other
            // change to the customer is an intake change (below).
            "customer" if only_the_tier_changed(old, new) => Some(vec![T::SetCustomerTier]),
            "sign_off" => Some(vec![T::SignOff]),
            "shipment" => Some(vec![T::ShipBack]),
            "payment" => Some(vec![T::RecordPayment]),
            "cancellation" => Some(vec![T::Cancel { reason: "-".into() }]),
            "hold" => Some(vec![T::Hold { reason: "-".into() }, T::Resume]),
            "closed_at" => Some(vec![
                T::Close,
                T::AnswerConsultation,
                T::ResolveRemotely,
                T::Reopen { reason: "-".into() },
            ]),
            _ => None,
        };
        match (same, rule) {
            // A list, or a register written with the value it had.
            (None, _) | (Some(true), _) => {}
            (Some(false), Some(ts)) => {
                j.need(key, None, &ts);
                register_authors(&mut j, new, key);
            }
            (Some(false), None) => {
                let intake = matches!(
                    key,
                    "number"
                        | "request"
                        | "customer"
                        | "product"
                        | "mode"
                        | "priority"
                        | "fault_code"
                        | "repeat_of"
                );
                if !(intake && matches!(actor.role, Role::Dispatcher | Role::Supervisor)) {
                    j.out.push(Finding::new(
                        "role_not_permitted",
                        key,
                        None,
                        if intake {
                            format!("a {} may not change the intake record ({key})", actor.role)
                        } else {
                            format!("{key} is never changed after the order is created")
                        },
                    ));
                }
            }
        }
    }
    for key in touched {
        if !FIELDS.contains(&key.as_str()) {
            j.out.push(Finding::new(
                "unknown_field",
                key,
                None,
                format!("{key:?} is not a field of an order"),
            ));
        }
    }

    // Keyed lists of records.
    macro_rules! append_only {
        ($field:ident, $key:expr, $ts:expr) => {
            if touched.contains(stringify!($field)) {
                let d = keyed(&old.$field, &new.$field, $key);
                for r in d.added.iter() {
                    let k = Some(($key)(r).to_string());
                    let ts: Vec<Transition> = $ts(*r);
                    j.need(stringify!($field), k.clone(), &ts);
                    j.authors(stringify!($field), k, r);
                }
                for r in d.changed.iter().map(|(was, _)| was).chain(d.removed.iter()) {
                    j.out.push(Finding::new(
                        "append_only",
                        stringify!($field),
                        Some(($key)(r).to_string()),
                        concat!(stringify!($field), " records are never edited or removed"),
                    ));
                }
            }
        };
    }
    append_only!(
        contacts,
        |r: &crate::records::order::ContactAttempt| r.id,
        |r: &crate::records::order::ContactAttempt| vec![T::LogContact { reached: r.reached }]
    );
    append_only!(
        steps,
        |r: &crate::records::order::RepairStep| r.id,
        |_| vec![T::AddRepairStep]
    );
    append_only!(
        tests,
        |r: &crate::records::order::TestResult| r.id,
        |r: &crate::records::order::TestResult| vec![T::RecordTest { passed: r.passed }]
    );
    append_only!(
        objections,
        |r: &crate::records::order::Objection| r.id,
        |_| vec![T::Object]
    );
    append_only!(
        follow_ups,
        |r: &crate::records::order::FollowUp| r.id,
        |_| vec![T::FollowUp]
    );
    append_only!(
        photos,
        |r: &crate::records::order::PhotoRef| r.hash.clone(),
        |_| vec![T::AddPhoto]
    );
    append_only!(
        comments,
        |r: &crate::records::order::Comment| r.id,
        |_| vec![T::Comment]
    );
    append_only!(
        data_authorisations,
        |r: &crate::records::order::DataAuthorisation| r.id,
        |_| vec![T::AuthoriseDataAccess]
    );
    append_only!(
        charge_reassessments,
        |r: &crate::records::charge::ChargeReassessment| r.id,
        |_| vec![T::ReassessCharge]
    );
    append_only!(
        signatures,
        |r: &crate::records::signature::Signature| r.id,
        |r: &crate::records::signature::Signature| {
            use crate::records::signature::SignatureKind as K;
            vec![match r.kind {
                K::SignOff | K::PickUp => T::SignOff,
                K::Objection => T::Object,
                K::Receipt => T::Receive,
            }]
        }
    );
    append_only!(
        fee_overrides,
        |r: &crate::records::order::FeeOverride| r.id,
        |_| vec![T::OverrideFee]
    );

    append_only!(
        return_decisions,
        |r: &crate::records::order::ReturnDecision| r.id,
        |_| vec![T::DecideReturn]
    );
    if touched.contains("return_decisions") {
        // A grant of a claim the rules refused (the refusals are the ones the deciding
        // device found) and a decision recorded under another role are not the office's.
        let d = keyed(&old.return_decisions, &new.return_decisions, |r| r.id);
        for r in &d.added {
            let k = Some(r.id.to_string());
            if r.granted && !r.refusals.is_empty() {
                j.out.push(Finding::new(
                    "return_not_eligible",
                    "return_decisions",
                    k.clone(),
                    format!("granted although refused: {}", r.refusals.join(", ")),
                ));
            }
            if r.role != actor.role {
                j.out.push(Finding::new(
                    "forged_author",
                    "return_decisions",
                    k,
                    format!("recorded as a {} by a {}", r.role, actor.role),
                ));
            }
        }
    }
    if touched.contains("visits") {
        let d = keyed(&old.visits, &new.visits, |v| v.id);
        for v in &d.added {
            let k = Some(v.id.to_string());
            j.need("visits", k.clone(), &[T::CheckIn]);
            j.authors("visits", k, v);
        }
        for (was, now) in &d.changed {
            let k = Some(now.id.to_string());
            let same_visit = was.by == now.by && was.checked_in_at == now.checked_in_at;
            let shown = was.id_shown_at == now.id_shown_at || was.id_shown_at.is_none();
            let out = was.checked_out_at == now.checked_out_at || was.checked_out_at.is_none();
            if same_visit && shown && out {
                j.need("visits", k, &[T::CheckOut, T::ShowWorkId, T::CheckIn]);
            } else {
                j.out.push(Finding::new(
                    "append_only",
                    "visits",
                    k,
                    "a visit's check-in is never rewritten, nor a time once recorded",
                ));
            }
        }
        for v in &d.removed {
            j.out.push(Finding::new(
                "append_only",
                "visits",
                Some(v.id.to_string()),
                "visits are never removed",
            ));
        }
    }
    if touched.contains("parts") {
        let d = keyed(&old.parts, &new.parts, |p| p.id);
        for p in &d.added {
            let k = Some(p.id.to_string());
            j.need("parts", k.clone(), &[T::UsePart]);
            j.authors("parts", k.clone(), p);
            if actor.role != Role::Supervisor && pusher.foreign_locations.contains(&p.location) {
                j.out.push(Finding::new(
                    "not_own_van",
                    "parts",
                    k,
                    format!(
                        "part use must come out of the pusher's own van; {} is someone else's stock",
                        p.location
                    ),
                ));
            }
        }
        for p in &d.removed {
            j.need("parts", Some(p.id.to_string()), &[T::RemovePart]);
        }
        for (was, _) in &d.changed {
            j.out.push(Finding::new(
                "append_only",
                "parts",
                Some(was.id.to_string()),
                "a part line is removed and entered again, never edited",
            ));
        }
    }
    j.out
}

/// Whether the register `key` holds the same value before and after; `None` for a list
/// or a key outside the schema.
fn register_same(old: &OrderDoc, new: &OrderDoc, key: &str) -> Option<bool> {
    macro_rules! same {
        ($key:expr; registers: [$($r:ident),*], times: [$($t:ident),*], lists: [$($l:ident),*]) => {
            match $key {
                $( stringify!($r) => Some(old.$r == new.$r), )*
                $( stringify!($t) => Some(old.$t == new.$t), )*
                _ => None,
            }
        };
    }
    each_field!(same, key)
}

fn register_authors(j: &mut Judge<'_>, new: &OrderDoc, key: &str) {
    match key {
        "receipt" => j.authors(key, None, &new.receipt),
        "fault_confirmed" => j.authors(key, None, &new.fault_confirmed),
        "diagnosis" => j.authors(key, None, &new.diagnosis),
        "plan_approval" => j.authors(key, None, &new.plan_approval),
        "consent" => j.authors(key, None, &new.consent),
        "sign_off" => j.authors(key, None, &new.sign_off),
        "shipment" => j.authors(key, None, &new.shipment),
        "payment" => j.authors(key, None, &new.payment),
        "hold" => j.authors(key, None, &new.hold),
        "cancellation" => j.authors(key, None, &new.cancellation),
        _ => {}
    }
}

/// The order with what `findings` name undone: each register named goes back to its
/// stored value; in a list, a record named goes back to how it was stored (or away, if
/// the push added it), and a list named without a record goes back whole. A refused
/// state move puts back the state and every entry the push appended to the history,
/// with the closing, hold and cancellation it came with.
pub fn put_back(old: &OrderDoc, new: &OrderDoc, findings: &[Finding]) -> OrderDoc {
    let mut fixed = new.clone();
    let state_refused = findings.iter().any(|f| f.field == "state");
    macro_rules! back {
        ($key:expr, $record:expr; registers: [$($r:ident),*], times: [$($t:ident),*], lists: [$($l:ident),*]) => {
            match $key {
                $( stringify!($r) => fixed.$r = old.$r.clone(), )*
                $( stringify!($t) => fixed.$t = old.$t, )*
                $( stringify!($l) => match $record {
                    None => fixed.$l = old.$l.clone(),
                    Some(k) => put_back_record(&old.$l, &mut fixed.$l, k),
                }, )*
                _ => {}
            }
        };
    }
    for f in findings {
        let record = f.record.as_deref();
        let record = if f.field == "state" { None } else { record };
        each_field!(back, f.field.as_str(), record);
    }
    if state_refused {
        fixed.state = old.state;
        fixed.history = old.history.clone();
        fixed.closed_at = old.closed_at;
        fixed.hold = old.hold.clone();
        fixed.cancellation = old.cancellation.clone();
    }
    fixed
}

fn put_back_record<T: Clone + serde::Serialize>(old: &[T], fixed: &mut Vec<T>, key: &str) {
    let key_of = |r: &T| serde_json::to_value(r).map(|v| diff::record_key(&v)).ok();
    let was = old.iter().find(|r| key_of(r).as_deref() == Some(key));
    match (
        fixed.iter().position(|r| key_of(r).as_deref() == Some(key)),
        was,
    ) {
        (Some(i), Some(was)) => fixed[i] = was.clone(),
        (Some(i), None) => {
            fixed.remove(i);
        }
        (None, Some(was)) => {
            let at = old
                .iter()
                .position(|r| key_of(r).as_deref() == Some(key))
                .unwrap_or(fixed.len())
                .min(fixed.len());
            fixed.insert(at, was.clone());
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, Cast};
    use crate::records::request::ServiceMode;
    use crate::{ops, Calendar, Ctx};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// The review's own list of fields (`each_field!`) names every field of the order
    /// schema: a field missing from it is never seen to change, so a push that changes
    /// only that field would be accepted unjudged.
    #[test]
    fn the_review_judges_every_field_of_the_schema() {
        macro_rules! names {
            (; registers: [$($r:ident),*], times: [$($t:ident),*], lists: [$($l:ident),*]) => {
                vec![$(stringify!($r),)* $(stringify!($t),)* $(stringify!($l),)*]
            };
        }
        let mut reviewed: Vec<&str> = each_field!(names,);
        let mut schema: Vec<&str> = FIELDS.to_vec();
        reviewed.sort_unstable();
        schema.sort_unstable();
        assert_eq!(reviewed, schema);
    }

    fn view_after(
        doc: &mut AutoCommit,
        old: &OrderDoc,
        before: &[automerge::ChangeHash],
    ) -> Result<OrderDoc, DomainError> {
        let heads = doc.get_heads();
        let patches = doc.diff(before, &heads);
        merged_view(old, doc, &patches).map(|(v, _)| v)
    }

    #[test]
    fn fields_lists_exactly_the_top_level_keys_an_order_document_has() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let ctx = Ctx {
            actor: cast.dispatcher,
            now: fixtures::t0(),
            settings: &s,
            calendar: &c,
        };
        let order = OrderDoc::new(fixtures::new_order(1, ServiceMode::OnSite, None), &ctx)?;
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &order, &ctx)?;
        let mut keys: Vec<String> = doc.keys(automerge::ROOT).collect();
        keys.sort();
        let mut fields: Vec<String> = FIELDS.iter().map(|f| f.to_string()).collect();
        fields.sort();
        // A field added to OrderDoc but not to FIELDS would get every push that writes it
        // held as `unknown_field`.
        assert_eq!(
            keys, fields,
            "FIELDS must name every field of the order schema"
        );
        Ok(())
    }

    /// A device that rewrites the server's clock offsets or the settings version the
    /// order was made under is found, and put back: neither is ever a device's to write.
    /// Both went unjudged while the review's field list lacked them.
    #[test]
    fn a_device_rewriting_clock_offsets_or_the_settings_version_is_found() -> TestResult {
        use crate::doc::order::OrderOp;
        use crate::records::order::ClockOffset;
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let ctx = |actor, minute| fixtures::ctx_at(actor, minute, &s, &c);
        let mut order = fixtures::new_order(1, ServiceMode::OnSite, None);
        order.settings_version = Some(3);
        let order = OrderDoc::new(order, &ctx(cast.dispatcher, 0))?;
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &order, &ctx(cast.dispatcher, 0))?;
        for (actor, op, minute) in fixtures::on_site_lifecycle(&cast, 28_000, 6)
            .into_iter()
            .take(3)
        {
            ops::apply(&mut doc, &op, &ctx(actor, minute))?;
        }
        let offsets = vec![ClockOffset {
            record: "visit/1".into(),
            offset_ms: 600_000,
            device: "phone".into(),
            measured_at: fixtures::t0(),
        }];
        ops::apply_as_server(
            &mut doc,
            &OrderOp::NoteClockOffsets { offsets },
            fixtures::t0(),
        )?;
        let old: OrderDoc = ops::hydrate(&doc)?;
        assert_eq!(
            (old.clock_offsets.len(), old.settings_version),
            (1, Some(3))
        );
        let pusher = Pusher {
            actor: cast.technician,
            foreign_locations: vec![],
        };
        type Tamper = fn(&mut OrderDoc);
        let tampers: [(&str, Tamper); 2] = [
            ("clock_offsets", |o| o.clock_offsets.clear()),
            ("settings_version", |o| o.settings_version = Some(1)),
        ];
        for (field, tamper) in tampers {
            let before = doc.get_heads();
            let mut pushed = doc.fork();
            let mut value = old.clone();
            tamper(&mut value);
            autosurgeon::reconcile(&mut pushed, &value)?;
            pushed.commit();
            let after = pushed.get_heads();
            let patches = pushed.diff(&before, &after);
            let (new, touched) = merged_view(&old, &pushed, &patches)?;
            assert_eq!(new, value, "the view reads the {field} the push wrote");
            let findings = judge(&pusher, &old, &new, &touched, false, &s);
            assert!(
                findings.iter().any(|f| f.field == field),
                "{field}: {findings:?}"
            );
            assert_eq!(put_back(&old, &new, &findings), old, "{field} is put back");
        }
        Ok(())
    }

    #[test]
    fn the_merged_view_reads_what_a_full_hydrate_reads_after_every_op_and_a_merge() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let ctx = |actor, minute| fixtures::ctx_at(actor, minute, &s, &c);
        let order = OrderDoc::new(
            fixtures::new_order(1, ServiceMode::OnSite, None),
            &ctx(cast.dispatcher, 0),
        )?;
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &order, &ctx(cast.dispatcher, 0))?;
        let mut old = order;
        for (actor, op, minute) in fixtures::on_site_lifecycle(&cast, 28_000, 6) {
            let before = doc.get_heads();
            ops::apply(&mut doc, &op, &ctx(actor, minute))?;
            let view = view_after(&mut doc, &old, &before)?;
            let full: OrderDoc = ops::hydrate(&doc)?;
            assert_eq!(view, full, "after {}", op.transition().name());
            old = full;
        }
        // Two devices append and remove records concurrently; the merge is read right.
        let before = doc.get_heads();
        let mut a = doc.fork();
        let mut b = doc.fork();
        for (i, d) in [&mut a, &mut b].into_iter().enumerate() {
            ops::apply(
                d,
                &crate::doc::order::OrderOp::Comment {
                    id: fixtures::rid(500 + i as u128),
                    text: format!("from {i}"),
                },
                &ctx(cast.supervisor, 10_000),
            )?;
        }
        let mut value: OrderDoc = ops::hydrate(&b)?;
        value.steps.remove(0);
        value.visits[0].checked_out_at = None;
        autosurgeon::reconcile(&mut b, &value)?;
        b.commit();
        doc.merge(&mut a)?;
        doc.merge(&mut b)?;
        let view = view_after(&mut doc, &old, &before)?;
        assert_eq!(view, ops::hydrate::<OrderDoc>(&doc)?, "after a merge");
        Ok(())
    }
}
