//! Money as integer minor units (fen, cents) plus an ISO 4217 currency code. Never a float.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// An amount of money. `minor` counts the currency's smallest unit (1 CNY = 100 fen).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Money {
    /// Amount in minor units; negative only for refunds and corrections.
    pub minor: i64,
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: &str) -> Self {
        Self {
            minor,
            currency: currency.to_string(),
        }
    }

    /// Nothing, in `currency`: the fee of work done under warranty.
    pub fn zero(currency: &str) -> Self {
        Self::new(0, currency)
    }

    /// True for a zero amount.
    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// The sum, or `None` when the currencies differ or the sum overflows: adding
    /// yuan to dollars is a bug to surface, not to paper over.
    pub fn checked_add(&self, other: &Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Money::new(
            self.minor.checked_add(other.minor)?,
            &self.currency,
        ))
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{} {}.{:02}", self.currency, abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_different_currencies_do_not_add() {
        let a = Money::new(150, "CNY");
        assert_eq!(
            a.checked_add(&Money::new(50, "CNY")),
            Some(Money::new(200, "CNY"))
        );
        assert_eq!(
            a.checked_add(&Money::new(50, "USD")),
            None,
            "CNY + USD is refused"
        );
    }

    #[test]
    fn displays_minor_units_as_decimal() {
        assert_eq!(Money::new(12345, "CNY").to_string(), "CNY 123.45");
        assert_eq!(Money::new(-5, "CNY").to_string(), "-CNY 0.05");
    }
}
