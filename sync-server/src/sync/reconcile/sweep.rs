//! The SLA timer's pass (`crate::sla_timer`): the orders nobody touched whose clocks may
//! have turned at risk or breached since they were last looked at, evaluated and flagged
//! exactly as after a push; complaints likewise, with their own clocks.

use crate::db::Connection;
use chrono::{DateTime, Utc};

use onsite_core::doc::complaint::ComplaintDoc;
use onsite_core::doc::order::OrderDoc;
use onsite_core::ops;

use super::cover::index_flags;
use super::findings::order_findings;
use super::{write, Pending, Report};
use crate::error::ApiError;
use crate::sync::docs;
use crate::sync::protocol::DocKind;

/// Evaluates every order due at `now` (see [`crate::sla_timer::due`]) and writes its
/// at-risk and breach flags; each is then due again at its next clock change.
pub fn sweep(tx: &Connection, now: DateTime<Utc>) -> Result<Report, ApiError> {
    let rules = crate::company::rules(tx)?;
    let mut report = Report::default();
    for doc_id in crate::sla_timer::due(tx, now)? {
        let Some(mut stored) = docs::load(tx, &doc_id)? else {
            crate::sla_timer::note(tx, &doc_id, None)?;
            continue;
        };
        if stored.kind == DocKind::Complaint {
            match ops::hydrate::<ComplaintDoc>(&stored.doc) {
                Ok(c) => {
                    super::complaints::reconcile(tx, stored, c, false, &rules, now, &mut report)?
                }
                Err(e) => {
                    tracing::warn!(doc = %doc_id, error = %e, "the SLA timer skipped an unreadable complaint");
                    crate::sla_timer::note(tx, &doc_id, None)?;
                }
            }
            continue;
        }
        let order = match ops::hydrate::<OrderDoc>(&stored.doc) {
            Ok(order) => order,
            Err(e) => {
                tracing::warn!(doc = %doc_id, error = %e, "the SLA timer skipped an unreadable order");
                crate::sla_timer::note(tx, &doc_id, None)?;
                continue;
            }
        };
        let mut p = Pending::default();
        // Conflicts are found on merges; here only the clocks (and a void sign-off, as
        // idempotent) are looked at.
        order_findings(&order, &[], &rules, now, &mut p);
        let next = crate::sla_timer::next_check(&order, &rules, now);
        if let Some(order) = write(tx, &mut stored, order, p, now, &mut report)? {
            index_flags(tx, &doc_id, &order)?;
        }
        crate::sla_timer::note(tx, &doc_id, next)?;
    }
    Ok(report)
}
