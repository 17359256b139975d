//! SLA on a timer: every `period` (a minute by default) the server evaluates the clocks
//! of the orders whose verdict may have changed by time alone, so an order nobody touches
//! still gets its at-risk and breached flags, written as after a push
//! (`sync::reconcile::sweep`). `sla_due` keeps, per order, the next instant one of its
//! clocks turns at risk or breached; a tick looks only at the orders due by then (and at
//! orders never evaluated), so a quiet office costs one indexed query a minute.

use std::time::Duration;

use crate::db::Connection;
use chrono::{DateTime, Utc};
use onsite_core::{sla, CompanyRules, OrderDoc};

use crate::db::Db;
use crate::error::ApiError;

/// How often the clocks are looked at, unless configured otherwise.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(60);

/// Most orders one tick evaluates, so a tick after a long outage (or after a calendar
/// change, which makes every order due) holds the write connection briefly; the rest
/// are taken straight after.
const BATCH: i64 = 200;

/// When the order must be looked at again: the next instant one of its clocks changes
/// its verdict by time alone, or `None` if only an event can change them.
pub fn next_check(
    order: &OrderDoc,
    rules: &CompanyRules,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let settings = &rules.for_order_doc(order).settings;
    sla::next_change(&sla::order_clocks(order, settings, &rules.calendar), now)
}

/// Records when order `doc_id` is next due (`None`: not by time alone).
pub fn note(tx: &Connection, doc_id: &str, next: Option<DateTime<Utc>>) -> Result<(), ApiError> {
    tx.prepare_cached(
        "INSERT INTO sla_due (doc_id, next_ms) VALUES (?1, ?2)
         ON CONFLICT(doc_id) DO UPDATE SET next_ms = excluded.next_ms",
    )?
    .execute((doc_id, next.map(|t| t.timestamp_millis())))?;
    Ok(())
}

/// Every order to evaluate again, e.g. after the calendar changed (which moves
/// working-day deadlines).
pub fn all_due(tx: &Connection) -> Result<(), ApiError> {
    tx.execute("DELETE FROM sla_due", ())?;
    Ok(())
}

/// The orders and complaints due at `now`: never evaluated, or with a clock changing by
/// then.
pub fn due(tx: &Connection, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM documents
          WHERE kind IN ('order', 'complaint') AND NOT EXISTS (SELECT 1 FROM sla_due WHERE doc_id = id)
         UNION ALL
         SELECT doc_id FROM sla_due WHERE next_ms IS NOT NULL AND next_ms <= ?1
         LIMIT ?2",
    )?;
    let ids = stmt
        .query_map((now.timestamp_millis(), BATCH), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// Runs the timer until the server's change feed is gone (the server stopped). Each
/// tick that wrote flags wakes the long polls, so devices receive them at once.
pub fn spawn(
    db: Db,
    changes: std::sync::Weak<tokio::sync::watch::Sender<u64>>,
    period: Duration,
    clock: crate::clock::Clock,
) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            loop {
                let Some(changes) = changes.upgrade() else {
                    return;
                };
                let now = clock.now();
                let outcome = db
                    .group_transaction(move |tx| {
                        let report = crate::sync::reconcile::sweep(tx, now)?;
                        let more = !due(tx, now)?.is_empty();
                        Ok((report, more, crate::sync::docs::latest_seq(tx)?))
                    })
                    .await;
                match outcome {
                    Ok((report, more, latest)) => {
                        if report.raised + report.withdrawn > 0 {
                            tracing::info!(
                                raised = report.raised,
                                withdrawn = report.withdrawn,
                                "the SLA timer wrote flags"
                            );
                            crate::http::announce(&changes, latest);
                        }
                        if !more {
                            break;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(%err, "the SLA timer could not evaluate the clocks");
                        break;
                    }
                }
            }
        }
    });
}
