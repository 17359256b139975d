//! Device clock offsets on the records they push (design: "Each sync measures the
//! device's clock offset… timestamps recorded offline are kept as recorded, and the
//! offset is kept with them so that SLA clocks can use corrected times"). When a round
//! trip's measured offset is large, every instant the push newly recorded on an order
//! gets a [`ClockOffset`] written by the server beside it; `sla::order_clocks` on the
//! server and on every device reads those instants corrected.

use automerge::AutoCommit;
use chrono::{DateTime, Utc};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::records::order::ClockOffset;
use onsite_core::{ops, sla};

/// Offsets smaller than this are network latency and ordinary drift, which no SLA clock
/// notices: nothing is written for them.
pub const MIN_OFFSET_MS: i64 = 2 * 60 * 1000;

/// Notes `offset_ms` (server minus device time) on every instant the push recorded:
/// those `merged` has that `before` (the office copy before the push) had not. Returns
/// how many were noted. An order that cannot be read is left alone: its merge is
/// already accepted, and an offset is a correction, not a condition.
pub fn note(
    before: Option<&AutoCommit>,
    merged: &mut AutoCommit,
    device: &str,
    offset_ms: i64,
    server: automerge::ActorId,
    now: DateTime<Utc>,
) -> usize {
    if offset_ms.abs() < MIN_OFFSET_MS {
        return 0;
    }
    let old = match before.map(ops::hydrate::<OrderDoc>).transpose() {
        Ok(old) => old,
        Err(e) => {
            tracing::warn!(error = %e, "clock offset not noted: the stored order is unreadable");
            return 0;
        }
    };
    let new = match ops::hydrate::<OrderDoc>(merged) {
        Ok(new) => new,
        Err(e) => {
            tracing::warn!(error = %e, "clock offset not noted: the merged order is unreadable");
            return 0;
        }
    };
    let offsets: Vec<ClockOffset> = sla::newly_recorded(old.as_ref(), &new)
        .into_iter()
        .filter(|key| !new.clock_offsets.iter().any(|o| &o.record == key))
        .map(|record| ClockOffset {
            record,
            offset_ms,
            device: device.to_string(),
            measured_at: now,
        })
        .collect();
    if offsets.is_empty() {
        return 0;
    }
    let count = offsets.len();
    merged.set_actor(server);
    match ops::apply_as_server(merged, &OrderOp::NoteClockOffsets { offsets }, now) {
        Ok(_) => {
            tracing::info!(
                device,
                offset_ms,
                count,
                "device clock offset noted on an order"
            );
            metrics::counter!("onsite_clock_offsets_noted_total").increment(count as u64);
            count
        }
        Err(e) => {
            tracing::warn!(error = %e, "clock offset not noted");
            0
        }
    }
}
