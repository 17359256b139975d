//! The server's notion of "now", from one place: the system clock in production, a set
//! instant in tests and benchmarks. Everything the server judges by time (SLA clocks and
//! their flags, the device clock offset, audit and quarantine stamps) reads it here, so
//! a benchmark built around a fixed day gives the same figures on any day, and a test
//! can move time past a deadline instead of waiting for it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Where the server reads the time. Cloning shares it: a test that holds a clone of a
/// set clock moves the server's time with [`Clock::set`] or [`Clock::advance`].
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// An instant that stands still until set, in microseconds since the Unix epoch
    /// (the precision of the RFC 3339 stamps the server writes).
    Set(Arc<AtomicI64>),
}

impl Clock {
    /// A clock standing at `at` until it is set or advanced.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self::Set(Arc::new(AtomicI64::new(at.timestamp_micros())))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Set(micros) => DateTime::from_timestamp_micros(micros.load(Ordering::SeqCst))
                // Only an instant set from a DateTime is ever stored, so this is in range.
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        }
    }

    /// Moves a set clock to `at`. The system clock is not ours to move: false then.
    pub fn set(&self, at: DateTime<Utc>) -> bool {
        match self {
            Self::System => false,
            Self::Set(micros) => {
                micros.store(at.timestamp_micros(), Ordering::SeqCst);
                true
            }
        }
    }

    /// Moves a set clock on by `by` (false for the system clock, as [`Clock::set`]).
    pub fn advance(&self, by: chrono::Duration) -> bool {
        self.set(self.now() + by)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_stands_still_until_moved_and_clones_share_it() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap();
        let clock = Clock::at(t0);
        let shared = clock.clone();
        assert_eq!(clock.now(), t0);
        assert_eq!(clock.now(), t0, "time does not pass by itself");
        assert!(shared.advance(chrono::Duration::hours(5)));
        assert_eq!(clock.now(), t0 + chrono::Duration::hours(5));
        assert!(clock.set(t0));
        assert_eq!(shared.now(), t0);
    }

    #[test]
    fn the_system_clock_follows_the_system_and_cannot_be_set() {
        let clock = Clock::System;
        let before = Utc::now();
        let now = clock.now();
        assert!(now >= before && now <= Utc::now());
        assert!(!clock.set(DateTime::<Utc>::UNIX_EPOCH));
        assert!(clock.now() > DateTime::<Utc>::UNIX_EPOCH);
    }
}
