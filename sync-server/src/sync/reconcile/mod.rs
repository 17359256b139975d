//! Reconciliation: what the central office adds after a push is merged. The server
//! applies the business rules to the merged documents and writes what it finds back into
//! the order documents as flags, as its own Automerge actor, so every device receives
//! them on its next pull like any other change:
//!
//! - **stock over-use**: the server-wide ledger (every order's part use and every
//!   requisition's issue and return, indexed in `ledger_movements`) going below zero at
//!   a van or warehouse because of usage, or a serial used twice → `stock_over_use` on
//!   the orders involved, for the storekeeper. The usage records stay as they are.
//! - **conflicts** on the fields the rules care about → `conflict`, for a supervisor.
//! - **void sign-off** → `sign_off_void`, for a supervisor.
//! - **SLA clocks** at risk or breached at the server's now → `sla_at_risk` (dispatcher)
//!   and `sla_breached` (supervisor).
//! - **quarantined changes** to an order the office holds → `quarantined`, for a
//!   supervisor.
//! - **complaints**: their clocks and concurrent decision fields, flagged into the
//!   complaint ([`complaints`]).
//!
//! Idempotent: a finding is never raised while a flag of the same kind and subject is
//! open on the order, and a flag a person resolved keeps covering the finding it was
//! raised for (see [`Cover`]). The only flags the server settles itself are its SLA
//! at-risk flags, withdrawn once the clock is no longer at risk: an at-risk warning that
//! outlived its clock would only hide the live ones, while a breach is a fact a person
//! must review.
//!
//! By concern: this module orchestrates a pass and writes the flags; [`findings`]
//! evaluates the rules on one merged order, [`stock`] the server-wide ledger that
//! [`index`] keeps, and [`cover`] decides whether an earlier flag already covers a
//! finding.

mod complaints;
mod cover;
mod findings;
mod index;
mod stock;
mod sweep;

use std::collections::{BTreeMap, BTreeSet};

use crate::db::Connection;
use automerge::AutoCommit;
use chrono::{DateTime, Utc};

use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::ids::RecordId;
use onsite_core::ops;
use onsite_core::records::order::{Flag, FlagKind, FlagParams, HeldReason};

use crate::devices::Principal;
use crate::error::ApiError;
use crate::sync::docs::{self, StoredDoc};
use crate::sync::policy::server_actor;
use crate::sync::protocol::{DocKind, PushResult};
use cover::{covered, index_flags, indexed_cover};
use findings::order_findings;
use index::{refresh_index, set_index_seq};
use stock::stock_findings;
pub use sweep::sweep;

/// What one reconciliation pass wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Flags raised.
    pub raised: usize,
    /// SLA at-risk flags withdrawn because the clock recovered or breached.
    pub withdrawn: usize,
}

/// When an earlier flag of the same kind and subject covers a finding, so that it is
/// not raised again. An open flag always covers it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cover {
    /// Only an open flag: a resolved conflict or quarantine that is present again is a
    /// new one (resolving a conflict ends it).
    OpenOnly,
    /// Also a flag a person resolved, if it was raised at or after this instant: the
    /// finding is a lasting condition (a negative balance, a void signature, a breached
    /// clock) that resolving does not undo, and it started then.
    Since(DateTime<Utc>),
}

/// A finding to record on one order.
#[derive(Debug, Clone)]
pub(super) struct Finding {
    pub(super) kind: FlagKind,
    pub(super) subject: String,
    pub(super) params: FlagParams,
    pub(super) cover: Cover,
}

/// What to write into one order.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) findings: Vec<Finding>,
    /// Open at-risk flags to withdraw, with the note saying why.
    pub(super) withdraw: Vec<(RecordId, String, String)>,
}

/// Evaluates the rules after `results` were merged for the pushes of `who` and writes
/// the flags found. Called once per sync round trip, inside its transaction, after every
/// push was merged and before the pull, so the pushing device receives its flags in the
/// same response. A document that cannot be read is skipped with a warning: the merge it
/// follows has already been accepted and must not be undone by a finding.
#[tracing::instrument(skip_all, fields(device = %who.device_id, pushed = results.len()))]
pub fn after_push(
    tx: &Connection,
    who: &Principal,
    results: &[PushResult],
    fresh: crate::sync::fresh::FreshDocs,
    now: DateTime<Utc>,
) -> Result<Report, ApiError> {
    // The company's stored rules: each order's clocks run on its own settings version.
    let rules = crate::company::rules(tx)?;
    let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
    let mut merged: BTreeSet<String> = BTreeSet::new();
    for result in results {
        match result {
            PushResult::Accepted { doc_id } => {
                merged.insert(doc_id.clone());
            }
            PushResult::Quarantined { doc_id, code, .. } => {
                merged.insert(doc_id.clone());
                pending
                    .entry(doc_id.clone())
                    .or_default()
                    .findings
                    .push(Finding {
                        kind: FlagKind::Quarantined,
                        subject: code.clone(),
                        params: FlagParams::Held {
                            reason: HeldReason::of_code(code, who.account.role),
                            code: code.clone(),
                            role: who.account.role,
                            by: who.account.name.clone(),
                            device: who.device_id.clone(),
                        },
                        cover: Cover::OpenOnly,
                    });
            }
            PushResult::Rejected { .. } => {}
        }
    }
    if merged.is_empty() {
        return Ok(Report::default());
    }
    pass(tx, &rules, pending, &merged, &[], fresh, now)
}

/// Brings the ledger index up to date after the office wrote documents or movements
/// itself (a transfer, a count posted, an over-use settled), and raises what that finds
/// as a push would, `pairs` being the (part, location) pairs its own movements touched.
/// Office writes call it in their transaction, so `ledger_movements` (and the movement
/// history filtered in SQL over it) never lags behind the documents.
pub fn catch_up(
    tx: &Connection,
    pairs: &[(onsite_core::ids::PartId, onsite_core::ids::LocationId)],
    now: DateTime<Utc>,
) -> Result<Report, ApiError> {
    let rules = crate::company::rules(tx)?;
    pass(
        tx,
        &rules,
        BTreeMap::new(),
        &BTreeSet::new(),
        pairs,
        BTreeMap::new(),
        now,
    )
}

/// One pass over what was saved since the last: the index refreshed, stock findings on
/// the pairs touched (and `pairs`), the per-order rules on the `merged` orders, and the
/// flags written.
fn pass(
    tx: &Connection,
    rules: &onsite_core::CompanyRules,
    mut pending: BTreeMap<String, Pending>,
    merged: &BTreeSet<String>,
    pairs: &[(onsite_core::ids::PartId, onsite_core::ids::LocationId)],
    fresh: crate::sync::fresh::FreshDocs,
    now: DateTime<Utc>,
) -> Result<Report, ApiError> {
    let (mut touched, mut orders) = refresh_index(tx, merged, fresh)?;
    touched.pairs.extend(pairs.iter().copied());
    stock_findings(tx, &touched, now, &mut pending)?;
    for (doc_id, m) in &orders {
        let p = pending.entry(doc_id.clone()).or_default();
        order_findings(&m.order, &m.conflicts, rules, now, p);
    }
    let mut report = Report::default();
    // The merged documents that are not orders: complaints get their own findings
    // (requisitions have none beyond the ledger).
    for doc_id in merged.iter().filter(|id| !orders.contains_key(*id)) {
        complaints::reconcile_id(tx, doc_id, true, rules, now, &mut report)?;
    }
    for (doc_id, mut p) in pending {
        let (mut stored, order) = match orders.remove(&doc_id) {
            Some(m) => (m.stored, m.order),
            None => {
                // An order involved in an over-use, or a quarantined push: most findings
                // are already flagged, which the index tells without loading the order.
                // (A failed lookup only means loading the order to check.)
                p.findings
                    .retain(|f| !indexed_cover(tx, &doc_id, f).unwrap_or(false));
                if p.findings.is_empty() {
                    continue;
                }
                let Some(stored) = docs::load(tx, &doc_id)? else {
                    // A quarantined change to an order the office never had.
                    continue;
                };
                if stored.kind != DocKind::Order {
                    continue;
                }
                match ops::hydrate::<OrderDoc>(&stored.doc) {
                    Ok(order) => (stored, order),
                    Err(e) => {
                        tracing::warn!(doc = %doc_id, error = %e, "reconciliation skipped an unreadable order");
                        continue;
                    }
                }
            }
        };
        // Flags never move a clock: when to look again is known before writing them.
        let next = crate::sla_timer::next_check(&order, rules, now);
        if let Some(order) = write(tx, &mut stored, order, p, now, &mut report)? {
            index_flags(tx, &doc_id, &order)?;
        }
        crate::sla_timer::note(tx, &doc_id, next)?;
    }
    // Flags never move stock, and the flags just written were indexed as they were
    // written, so everything saved so far is indexed.
    set_index_seq(tx, docs::latest_seq(tx)?)?;
    if report.raised + report.withdrawn > 0 {
        tracing::info!(
            raised = report.raised,
            withdrawn = report.withdrawn,
            "reconciliation wrote flags"
        );
    }
    Ok(report)
}

/// Writes the pending flags into one order (`order` is `stored` hydrated) as server
/// changes and saves it once. Returns the order as written, if anything was.
fn write(
    tx: &Connection,
    stored: &mut StoredDoc,
    mut order: OrderDoc,
    pending: Pending,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<Option<OrderDoc>, ApiError> {
    stored.doc.set_actor(server_actor(tx)?);
    let mut changed = false;
    // Several findings of one kind and subject (a negative balance and a serial used
    // twice, for the same part) become one flag with the params of each.
    let mut merged: Vec<(Finding, Vec<FlagParams>)> = Vec::new();
    for f in pending.findings {
        match merged
            .iter_mut()
            .find(|(m, _)| m.kind == f.kind && m.subject == f.subject)
        {
            Some((_, params)) => {
                if !params.contains(&f.params) {
                    params.push(f.params);
                }
            }
            None => {
                let params = vec![f.params.clone()];
                merged.push((f, params));
            }
        }
    }
    for (finding, params) in merged {
        if covered(&order.flags, &finding) {
            continue;
        }
        let kind = finding.kind;
        let flag = new_flag(finding, params, now);
        if let Some(next) = apply(&mut stored.doc, &OrderOp::RaiseFlag { flag }, now) {
            order = next;
            changed = true;
            report.raised += 1;
            metrics::counter!("onsite_flags_raised_total", "kind" => kind.as_str()).increment(1);
        }
    }
    for (id, note, choice) in pending.withdraw {
        let op = OrderOp::ResolveFlag {
            id,
            note,
            choice: Some(choice),
        };
        if let Some(next) = apply(&mut stored.doc, &op, now) {
            order = next;
            changed = true;
            report.withdrawn += 1;
            metrics::counter!("onsite_flags_withdrawn_total", "kind" => "sla_at_risk").increment(1);
        }
    }
    if !changed {
        return Ok(None);
    }
    docs::save(tx, stored)?;
    Ok(Some(order))
}

/// The flag a finding raises now, saying what was found in `params`.
pub(super) fn new_flag(finding: Finding, params: Vec<FlagParams>, now: DateTime<Utc>) -> Flag {
    Flag {
        id: RecordId::new_at(now),
        kind: finding.kind,
        subject: finding.subject,
        // Old clients show `detail`; a flag now says what it found in `params`, which
        // the UI words in the reader's language.
        detail: String::new(),
        params,
        for_role: finding.kind.raised_for(),
        raised_at: now,
        resolution: None,
    }
}

/// Applies one server op, logging instead of failing when the rules refuse it.
fn apply(doc: &mut AutoCommit, op: &OrderOp, now: DateTime<Utc>) -> Option<OrderDoc> {
    match ops::apply_as_server(doc, op, now) {
        Ok(applied) => Some(applied.doc),
        Err(e) => {
            tracing::warn!(code = e.code(), error = %e, "reconciliation could not write a flag");
            None
        }
    }
}
