//! Background sync: one round at a time, the state the status bar reads, and the loop
//! the shell spawns. No Tauri:
//! the shell only spawns [`run`]. While signed in, the app keeps one long poll open to the server and
//! syncs as soon as the server has something, after each local edit, and on demand. A
//! failed round is retried with exponential backoff and jitter; the store is locked only
//! for local steps, never across the network.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use onsite_device::sync_client::{self, backoff, StoreAccess, SyncClient, SyncError, SyncReport};
use onsite_device::Store;
use tokio::sync::Notify;

/// How long one long poll may stay open, in seconds.
const LONG_POLL_SECONDS: u64 = 25;

/// What the status bar needs that the store does not hold, shared by the loop and the
/// commands.
#[derive(Default)]
pub struct SyncState {
    online: AtomicBool,
    syncing: AtomicBool,
    data_version: AtomicU64,
    wake: Notify,
    /// One round at a time, whoever starts it.
    round: tokio::sync::Mutex<()>,
}

impl SyncState {
    /// Asks the loop to sync soon: after a local edit, or after signing in.
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// The last round reached the server.
    pub fn online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }

    /// A round is running.
    pub fn syncing(&self) -> bool {
        self.syncing.load(Ordering::Relaxed)
    }

    /// Holds off every round until the guard drops (while signing out wipes the store).
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.round.lock().await
    }

    /// Grows whenever a round brought something in, so views know to reload.
    pub fn data_version(&self) -> u64 {
        self.data_version.load(Ordering::Relaxed)
    }
}

/// Runs one sync round now (waiting for a running one to finish first).
pub async fn round(store: &Mutex<Store>, state: &SyncState) -> Result<SyncReport, SyncError> {
    let _one_at_a_time = state.round.lock().await;
    let client = (&*store)
        .with(|s| SyncClient::from_store(s))?
        .ok_or(SyncError::NotSignedIn)?;
    state.syncing.store(true, Ordering::Relaxed);
    let result = client.sync(store).await;
    state.syncing.store(false, Ordering::Relaxed);
    match &result {
        Ok(report) => {
            state.online.store(true, Ordering::Relaxed);
            if changes_what_screens_show(report) {
                state.data_version.fetch_add(1, Ordering::Relaxed);
            }
        }
        // The server answered, so the device is online even though it said no.
        Err(SyncError::Refused { .. }) => state.online.store(true, Ordering::Relaxed),
        Err(_) => state.online.store(false, Ordering::Relaxed),
    }
    result
}

/// Whether a round brought anything an open screen shows: documents, orders leaving the
/// user's scope, a held change, or a photo or signature a page may be waiting for (an image
/// can come down in a later round than the document naming it), or the server taking
/// what this device sent: a page saying "not yet sent" must read that again, or it keeps
/// saying so under a status line that says synced.
fn changes_what_screens_show(report: &SyncReport) -> bool {
    report.pulled > 0
        || report.pushed > 0
        || !report.removed.is_empty()
        || !report.quarantined.is_empty()
        || report.blobs.downloaded > 0
}

/// The loop itself: runs for the life of the app.
pub async fn run(store: Arc<Mutex<Store>>, state: Arc<SyncState>) {
    let mut failures: u32 = 0;
    loop {
        let client = (&*store).with(|s| SyncClient::from_store(s)).ok().flatten();
        let Some(client) = client else {
            state.online.store(false, Ordering::Relaxed);
            state.wake.notified().await; // signed out: nothing to do until sign-in
            continue;
        };
        let outcome = match round(&store, &state).await {
            Ok(_) => {
                failures = 0;
                // Count entries made offline go out once the office answers again.
                crate::stock::after_round(&store).await;
                // In step with the server: wait until it has something, or we do.
                let cursor = (&*store).with(|s| sync_client::cursor(s)).ok().flatten();
                let reference = (&*store)
                    .with(|s| sync_client::reference_etag(s))
                    .ok()
                    .flatten();
                tokio::select! {
                    waited = client.wait(cursor, reference.as_deref(), LONG_POLL_SECONDS) => waited.map(|_| ()),
                    _ = state.wake.notified() => Ok(()),
                }
            }
            Err(err) => Err(err),
        };
        if let Err(err) = outcome {
            if matches!(err, SyncError::Offline(_)) {
                state.online.store(false, Ordering::Relaxed);
            }
            let delay = backoff(failures);
            failures = failures.saturating_add(1);
            tracing::info!(%err, ?delay, "sync will retry");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = state.wake.notified() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_that_only_brought_a_photo_down_still_refreshes_the_screens() {
        let mut report = SyncReport::default();
        assert!(
            !changes_what_screens_show(&report),
            "an empty round changes nothing"
        );
        report.blobs.downloaded = 1;
        assert!(changes_what_screens_show(&report));
    }
}
