//! Warranty (保修) and chargeability (收费维修): the product warranty from the purchase
//! date, customer damage (人为损坏), and the repair warranty (维修质保期) that makes a
//! repeat of the same fault free.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::ids::OrderId;
use crate::records::order::PriorRepair;
use crate::settings::Settings;

/// Where a product stands against its warranty on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum WarrantyStatus {
    /// Covered through `until` (inclusive).
    InWarranty {
        /// Last covered day.
        until: NaiveDate,
    },
    /// Not covered since `since`.
    Expired {
        /// First uncovered day.
        since: NaiveDate,
    },
    /// No valid proof of purchase, so no warranty can be established.
    NoProofOfPurchase,
}

/// The warranty status on `today` for a product bought on `purchase`, covered for
/// `years` calendar years (a product bought 2023-03-01 with 3 years is covered through
/// 2026-02-28).
pub fn status(purchase: Option<NaiveDate>, today: NaiveDate, years: u32) -> WarrantyStatus {
    let Some(purchase) = purchase else {
        return WarrantyStatus::NoProofOfPurchase;
    };
    let end = purchase
        .checked_add_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MAX);
    if today < end {
        WarrantyStatus::InWarranty {
            until: end.pred_opt().unwrap_or(end),
        }
    } else {
        WarrantyStatus::Expired { since: end }
    }
}

/// Why an order is free or chargeable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ChargeBasis {
    /// Free: within the product warranty.
    InWarranty,
    /// Free: the same fault came back within the repair warranty of an earlier repair.
    RepeatRepair,
    /// Chargeable: the warranty has expired.
    OutOfWarranty,
    /// Chargeable: no valid proof of purchase.
    NoProofOfPurchase,
    /// Chargeable: damaged by the customer (人为损坏), warranty or not.
    CustomerDamage,
}

impl ChargeBasis {
    /// True when the customer pays, and so must consent to the fee estimate.
    pub fn is_chargeable(self) -> bool {
        matches!(
            self,
            ChargeBasis::OutOfWarranty
                | ChargeBasis::NoProofOfPurchase
                | ChargeBasis::CustomerDamage
        )
    }
}

/// The outcome of the warranty check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Assessment {
    /// Free or chargeable, and why.
    pub basis: ChargeBasis,
    /// The earlier order whose repair warranty covers this one.
    pub repeat_of: Option<OrderId>,
    /// The product warranty on the day of the check.
    pub warranty: WarrantyStatus,
}

/// The latest earlier repair of the same `fault` whose repair warranty still covers `now`.
/// The period counts calendar days in the company's local time, as a customer reads a
/// guarantee: a repair finished at 10:00 on day 0 covers all of day 90, not only until
/// 10:00 on it.
pub fn covering_repair<'a>(
    fault: &str,
    prior: &'a [PriorRepair],
    now: DateTime<Utc>,
    calendar: &Calendar,
    settings: &Settings,
) -> Option<&'a PriorRepair> {
    let period = Duration::days(i64::from(settings.repair_warranty_days));
    let today = calendar.local_date(now);
    prior
        .iter()
        .filter(|p| !fault.is_empty() && p.fault == fault)
        .filter(|p| p.completed_at <= now && today - calendar.local_date(p.completed_at) <= period)
        .max_by_key(|p| p.completed_at)
}

/// Works out whether a repair is free or chargeable (rule 2, 保修).
pub fn assess(
    purchase: Option<NaiveDate>,
    customer_damage: bool,
    fault: &str,
    prior: &[PriorRepair],
    now: DateTime<Utc>,
    calendar: &Calendar,
    settings: &Settings,
) -> Assessment {
    let warranty = status(purchase, calendar.local_date(now), settings.warranty_years);
    let repeat = covering_repair(fault, prior, now, calendar, settings);
    let (basis, repeat_of) = if customer_damage {
        (ChargeBasis::CustomerDamage, None)
    } else if matches!(warranty, WarrantyStatus::InWarranty { .. }) {
        (ChargeBasis::InWarranty, None)
    } else if let Some(p) = repeat {
        (ChargeBasis::RepeatRepair, Some(p.order))
    } else if warranty == WarrantyStatus::NoProofOfPurchase {
        (ChargeBasis::NoProofOfPurchase, None)
    } else {
        (ChargeBasis::OutOfWarranty, None)
    };
    Assessment {
        basis,
        repeat_of,
        warranty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn noon(y: i32, m: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, 4, 0, 0).unwrap() // 12:00 in Beijing
    }

    #[test]
    fn warranty_is_3_years_from_purchase() {
        let bought = Some(d(2023, 3, 1));
        assert_eq!(
            status(bought, d(2026, 2, 28), 3),
            WarrantyStatus::InWarranty {
                until: d(2026, 2, 28)
            },
            "the last day of the 3rd year is covered"
        );
        assert_eq!(
            status(bought, d(2026, 3, 1), 3),
            WarrantyStatus::Expired {
                since: d(2026, 3, 1)
            },
            "3 years to the day after purchase it has expired"
        );
    }

    #[test]
    fn in_warranty_repair_is_free_within_3_years() {
        let s = Settings::default();
        let a = assess(
            Some(d(2024, 5, 1)),
            false,
            "no-power",
            &[],
            noon(2026, 11, 23),
            &Calendar::default(),
            &s,
        );
        assert_eq!(a.basis, ChargeBasis::InWarranty);
        assert!(!a.basis.is_chargeable(), "work under warranty is free");
    }

    #[test]
    fn out_of_warranty_after_3_years_is_chargeable() {
        let s = Settings::default();
        let a = assess(
            Some(d(2022, 5, 1)),
            false,
            "no-power",
            &[],
            noon(2026, 11, 23),
            &Calendar::default(),
            &s,
        );
        assert_eq!(a.basis, ChargeBasis::OutOfWarranty);
        assert!(a.basis.is_chargeable());
    }

    #[test]
    fn customer_damage_is_chargeable_even_in_warranty() {
        let s = Settings::default();
        let a = assess(
            Some(d(2026, 1, 1)),
            true,
            "cracked",
            &[],
            noon(2026, 11, 23),
            &Calendar::default(),
            &s,
        );
        assert_eq!(a.basis, ChargeBasis::CustomerDamage);
        assert!(a.basis.is_chargeable(), "人为损坏 is always chargeable");
    }

    #[test]
    fn no_proof_of_purchase_is_chargeable() {
        let s = Settings::default();
        let a = assess(
            None,
            false,
            "x",
            &[],
            noon(2026, 11, 23),
            &Calendar::default(),
            &s,
        );
        assert_eq!(a.basis, ChargeBasis::NoProofOfPurchase);
        assert!(a.basis.is_chargeable());
    }

    #[test]
    fn same_fault_within_90_day_repair_warranty_is_free() {
        let s = Settings::default();
        assert_eq!(s.repair_warranty_days, 90);
        let earlier = OrderId::new_at(noon(2026, 9, 1));
        let prior = [PriorRepair {
            order: earlier,
            fault: "compressor".into(),
            completed_at: noon(2026, 9, 1),
        }];
        let day_90 = noon(2026, 9, 1) + Duration::days(90);
        let a = assess(
            Some(d(2020, 1, 1)),
            false,
            "compressor",
            &prior,
            day_90,
            &Calendar::default(),
            &s,
        );
        assert_eq!(
            a.basis,
            ChargeBasis::RepeatRepair,
            "day 90 is still covered"
        );
        assert_eq!(a.repeat_of, Some(earlier));
        let day_91 = day_90 + Duration::days(1);
        let a = assess(
            Some(d(2020, 1, 1)),
            false,
            "compressor",
            &prior,
            day_91,
            &Calendar::default(),
            &s,
        );
        assert_eq!(
            a.basis,
            ChargeBasis::OutOfWarranty,
            "day 91 is past the repair warranty"
        );
        let late_on_day_90 = noon(2026, 9, 1) + Duration::days(90) + Duration::hours(11);
        let a = assess(
            Some(d(2020, 1, 1)),
            false,
            "compressor",
            &prior,
            late_on_day_90,
            &Calendar::default(),
            &s,
        );
        assert_eq!(
            a.basis,
            ChargeBasis::RepeatRepair,
            "23:00 on day 90 (local time) is still covered: the period counts calendar days"
        );
        let other = assess(
            Some(d(2020, 1, 1)),
            false,
            "display",
            &prior,
            day_90,
            &Calendar::default(),
            &s,
        );
        assert_eq!(
            other.basis,
            ChargeBasis::OutOfWarranty,
            "a different fault is not a repeat"
        );
    }
}
