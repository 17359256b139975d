//! Complaints, reconciled as orders are: after a push is merged (and on the SLA timer)
//! the server evaluates the complaint's clocks with core's `sla::complaint_clocks` (first
//! contact 1 h, resolution 3 or 7 working days on the company calendar, paused while the
//! complaint waits for the customer's verdict) and looks for concurrent values on its
//! decision fields (`complaint_flags::DECISION_FIELDS`), and writes what it finds into
//! the complaint as flags, as its own actor, so every office device receives them.

use crate::db::Connection;
use chrono::{DateTime, Utc};

use onsite_core::doc::complaint::{ComplaintDoc, ComplaintOp};
use onsite_core::doc::complaint_flags::{decision_conflicts, DecisionConflict};
use onsite_core::ops;
use onsite_core::records::order::{ConflictValues, FlagKind, FlagParams};
use onsite_core::{sla, CompanyRules};

use super::cover::covered;
use super::findings::clock_findings;
use super::{new_flag, Cover, Finding, Pending, Report};
use crate::error::ApiError;
use crate::sync::docs::{self, StoredDoc};
use crate::sync::policy::server_actor;
use crate::sync::protocol::DocKind;

/// Evaluates the complaint `stored` (hydrated as `complaint`), writes its flags, and
/// notes when its clocks next change. `merged`: it was just merged, so its concurrent
/// values are looked for (the timer looks only at the clocks).
pub(super) fn reconcile(
    tx: &Connection,
    mut stored: StoredDoc,
    complaint: ComplaintDoc,
    merged: bool,
    rules: &CompanyRules,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), ApiError> {
    let found = if merged {
        decision_conflicts(&stored.doc)
    } else {
        vec![]
    };
    let clocks = sla::complaint_clocks(&complaint, rules.settings(), &rules.calendar);
    let mut p = Pending::default();
    conflict_findings(&found, &mut p);
    clock_findings(&clocks, complaint.open_flags(), now, &mut p);
    let next = sla::next_change(&clocks, now);
    write(tx, &mut stored, complaint, p, now, report)?;
    crate::sla_timer::note(tx, &stored.id, next)
}

/// Loads and reconciles complaint `doc_id` if that is what it is; `false` if it is not
/// a complaint (or is gone), so the caller treats it otherwise.
pub(super) fn reconcile_id(
    tx: &Connection,
    doc_id: &str,
    merged: bool,
    rules: &CompanyRules,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<bool, ApiError> {
    let Some(stored) = docs::load(tx, doc_id)? else {
        return Ok(false);
    };
    if stored.kind != DocKind::Complaint {
        return Ok(false);
    }
    match ops::hydrate::<ComplaintDoc>(&stored.doc) {
        Ok(complaint) => reconcile(tx, stored, complaint, merged, rules, now, report)?,
        Err(e) => {
            tracing::warn!(doc = %doc_id, error = %e, "reconciliation skipped an unreadable complaint");
            crate::sla_timer::note(tx, doc_id, None)?;
        }
    }
    Ok(true)
}

/// One conflict flag per decision field, its values the choices that keep each.
fn conflict_findings(found: &[DecisionConflict], p: &mut Pending) {
    for c in found {
        p.findings.push(Finding {
            kind: FlagKind::Conflict,
            subject: c.field.clone(),
            params: FlagParams::Conflict {
                values: vec![ConflictValues {
                    path: c.field.clone(),
                    values: c.choices.clone(),
                }],
            },
            cover: Cover::OpenOnly,
        });
    }
}

/// Writes the pending flags into the complaint as server changes and saves it once.
fn write(
    tx: &Connection,
    stored: &mut StoredDoc,
    mut complaint: ComplaintDoc,
    pending: Pending,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), ApiError> {
    stored.doc.set_actor(server_actor(tx)?);
    let mut changed = false;
    for finding in pending.findings {
        if covered(&complaint.flags, &finding) {
            continue;
        }
        let kind = finding.kind;
        let params = vec![finding.params.clone()];
        let op = ComplaintOp::RaiseFlag {
            flag: new_flag(finding, params, now),
        };
        if let Some(next) = apply(&mut stored.doc, &op, now) {
            complaint = next;
            changed = true;
            report.raised += 1;
            metrics::counter!("onsite_flags_raised_total", "kind" => kind.as_str()).increment(1);
        }
    }
    for (id, note, choice) in pending.withdraw {
        let op = ComplaintOp::ResolveFlag {
            id,
            note,
            choice: Some(choice),
        };
        if apply(&mut stored.doc, &op, now).is_some() {
            changed = true;
            report.withdrawn += 1;
            metrics::counter!("onsite_flags_withdrawn_total", "kind" => "sla_at_risk").increment(1);
        }
    }
    if changed {
        docs::save(tx, stored)?;
    }
    Ok(())
}

fn apply(
    doc: &mut automerge::AutoCommit,
    op: &ComplaintOp,
    now: DateTime<Utc>,
) -> Option<ComplaintDoc> {
    match ops::apply_as_server(doc, op, now) {
        Ok(applied) => Some(applied.doc),
        Err(e) => {
            tracing::warn!(code = e.code(), error = %e, "reconciliation could not write a complaint flag");
            None
        }
    }
}
