//! Where a sync round trip's time goes, as Prometheus histograms
//! (`onsite_sync_phase_seconds{phase=…}` on `/metrics`): the prepare outside the write
//! lock (decoding, inspection, loading and merging), the wait for the write connection,
//! and, under it, the review, storing the merge, reconciliation, the pull and the group's
//! commit. The load benchmark reads them to say which part a burst of pushes spends its
//! time in; in production they say the same of a real fleet.

use std::time::Instant;

/// The phases, as their label values.
pub const PREPARE: &str = "prepare";
pub const WAIT: &str = "wait";
pub const REVIEW: &str = "review";
pub const STORE: &str = "store";
pub const RECONCILE: &str = "reconcile";
pub const PULL: &str = "pull";
pub const COMMIT: &str = "commit";
/// The whole of a round trip's work under the lock (review, store, reconcile and pull
/// are parts of it; the rest is acknowledging and bookkeeping).
pub const ROUND_TRIP: &str = "round_trip";

/// Records `since`'s elapsed time as one sample of `phase`.
pub fn record(phase: &'static str, since: Instant) {
    metrics::histogram!("onsite_sync_phase_seconds", "phase" => phase)
        .record(since.elapsed().as_secs_f64());
}

/// Runs `work`, recording its time as one sample of `phase`.
pub fn time<T>(phase: &'static str, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = work();
    record(phase, started);
    out
}
