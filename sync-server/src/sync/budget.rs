//! Per-device push budgets: how many Automerge bytes and operations one device may push
//! over time, on top of the per-request caps in `inspect.rs`. Each device has a bucket
//! that refills steadily; a request may use at most what its device's bucket holds, and
//! what it used is taken out afterwards. Full buckets are forgotten, so the map holds
//! only devices that pushed recently. In memory only: a restart refills every bucket,
//! which at worst allows one more burst.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use super::inspect::{Budget, MAX_CHANGES_PER_REQUEST, MAX_INFLATED_BYTES, MAX_OPS_PER_REQUEST};
use crate::error::ApiError;

/// Most pushed Automerge bytes (after base64) a device may send in a burst.
pub const DEVICE_BYTES: u64 = 256 * 1024 * 1024;
/// Most operations a device may push in a burst.
pub const DEVICE_OPS: u64 = 4_000_000;
/// Time for an empty bucket to fill again.
pub const REFILL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    bytes: f64,
    ops: f64,
    at: Instant,
}

impl Bucket {
    fn full(now: Instant) -> Self {
        Self {
            bytes: DEVICE_BYTES as f64,
            ops: DEVICE_OPS as f64,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let share = now.saturating_duration_since(self.at).as_secs_f64() / REFILL.as_secs_f64();
        self.bytes = (self.bytes + share * DEVICE_BYTES as f64).min(DEVICE_BYTES as f64);
        self.ops = (self.ops + share * DEVICE_OPS as f64).min(DEVICE_OPS as f64);
        self.at = now;
    }

    fn is_full(&self) -> bool {
        self.bytes >= DEVICE_BYTES as f64 && self.ops >= DEVICE_OPS as f64
    }
}

/// Every device's bucket.
#[derive(Debug, Default)]
pub struct DeviceBudgets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl DeviceBudgets {
    /// The budget for one request of `device` pushing `bytes` bytes of data: refused
    /// with 429 if the device has used up its bytes or operations for now.
    pub fn take(&self, device: &str, bytes: u64, now: Instant) -> Result<Budget, ApiError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets
            .entry(device.to_string())
            .or_insert_with(|| Bucket::full(now));
        bucket.refill(now);
        if (bucket.bytes as u64) < bytes || bucket.ops < 1.0 {
            metrics::counter!("onsite_push_budget_exhausted_total").increment(1);
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "errors.sync.device_budget",
                format!(
                    "this device pushed more than {DEVICE_BYTES} bytes or {DEVICE_OPS} operations \
                     in the last {} minutes; try again later",
                    REFILL.as_secs() / 60
                ),
            ));
        }
        bucket.bytes -= bytes as f64;
        Ok(Budget {
            inflated_bytes: MAX_INFLATED_BYTES,
            changes: MAX_CHANGES_PER_REQUEST,
            ops: MAX_OPS_PER_REQUEST.min(bucket.ops as u64),
        })
    }

    /// Takes what a request used out of its device's bucket: `given` is the budget
    /// [`take`](Self::take) returned, `left` what remains of it.
    pub fn spend(&self, device: &str, given: &Budget, left: &Budget) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = buckets.get_mut(device) {
            bucket.ops = (bucket.ops - given.ops.saturating_sub(left.ops) as f64).max(0.0);
        }
    }

    /// Forgets full buckets: a device that comes back gets a full one anyway.
    pub fn forget_full(&self, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.retain(|_, b| {
            b.refill(now);
            !b.is_full()
        });
        buckets.shrink_to_fit();
    }

    /// Devices with a bucket that is not full.
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_that_used_its_budget_waits_and_others_do_not() {
        let budgets = DeviceBudgets::default();
        let t0 = Instant::now();
        let given = budgets.take("a", DEVICE_BYTES - 10, t0).expect("first");
        let left = Budget {
            ops: given.ops - 1000,
            ..given.clone()
        };
        budgets.spend("a", &given, &left);
        let again = budgets.take("a", 1024, t0).unwrap_err();
        assert_eq!(again.code, "errors.sync.device_budget");
        assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            budgets.take("b", 1024, t0).is_ok(),
            "another device is not affected"
        );
        let later = t0 + REFILL / 10;
        assert!(
            budgets.take("a", 1024, later).is_ok(),
            "a tenth of the refill time brings a tenth of the bytes back"
        );
        budgets.forget_full(t0 + REFILL * 2);
        assert!(budgets.is_empty(), "full buckets are forgotten");
    }

    #[test]
    fn a_device_low_on_operations_gets_a_smaller_request_budget() {
        let budgets = DeviceBudgets::default();
        let t0 = Instant::now();
        let spend = |ops: u64| {
            let given = budgets.take("a", 10, t0).expect("ops left");
            let left = Budget {
                ops: given.ops - ops,
                ..given.clone()
            };
            budgets.spend("a", &given, &left);
        };
        for _ in 0..3 {
            spend(MAX_OPS_PER_REQUEST);
        }
        spend(MAX_OPS_PER_REQUEST / 2);
        let given = budgets.take("a", 10, t0).expect("half a request left");
        assert_eq!(
            given.ops,
            DEVICE_OPS - 3 * MAX_OPS_PER_REQUEST - MAX_OPS_PER_REQUEST / 2
        );
        spend(given.ops);
        let refused = budgets.take("a", 10, t0).unwrap_err();
        assert_eq!(refused.code, "errors.sync.device_budget");
    }
}
