//! Returns and exchanges (退换货): the 7-day return and 15-day exchange windows counted
//! in natural days from the day after delivery, the grounds that qualify, and every
//! reason a claim is refused.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// Return (退货) or exchange (换货).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// Money back.
    Return,
    /// Another unit.
    Exchange,
}

/// A ground the regulation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// Unused, with an obvious manufacturing defect (return and exchange).
    UnusedWithManufacturingDefect,
    /// No defect, but complete (packaging, accessories, gifts, manual) and undamaged,
    /// fit for resale (return only).
    CompleteAndResaleable,
    /// Exchanged once already and a non-man-made quality fault came back (both).
    FaultAfterExchange,
    /// Will not start per the manual, or a non-man-made quality defect (exchange only).
    QualityDefect,
    /// Transport damage found when unpacking in front of the courier (exchange only).
    TransportDamageAtDelivery,
    /// Clearly not what was described (exchange only).
    NotAsDescribed,
}

impl Ground {
    fn qualifies_for(self, kind: ClaimKind) -> bool {
        match kind {
            ClaimKind::Return => matches!(
                self,
                Ground::UnusedWithManufacturingDefect
                    | Ground::CompleteAndResaleable
                    | Ground::FaultAfterExchange
            ),
            ClaimKind::Exchange => !matches!(self, Ground::CompleteAndResaleable),
        }
    }
}

/// A customer's claim and what inspection found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Claim {
    /// Return or exchange.
    pub kind: ClaimKind,
    /// Delivery date.
    pub delivered_on: NaiveDate,
    /// Date of the claim.
    pub requested_on: NaiveDate,
    /// Grounds the customer gives.
    pub grounds: Vec<Ground>,
    /// Packaging, accessories, gifts and manual complete, no man-made soiling.
    pub complete: bool,
    /// A valid, unaltered proof of purchase.
    pub proof_of_purchase: bool,
    /// Collision, burn, modification, foreign matter, wrong installation or misuse.
    pub man_made_damage: bool,
    /// Labels, serial number or tamper seals torn or altered.
    pub tampered_or_label_torn: bool,
    /// Fire, flood, lightning, traffic accident.
    pub force_majeure: bool,
    /// The quality department found no defect (refuses a defect-based exchange).
    pub no_defect_found: bool,
}

/// Why a claim is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReturnRefusal"))]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Refusal {
    /// Outside the 7-day return or 15-day exchange window.
    OutsideWindow {
        /// The last day a claim was accepted.
        last_day: NaiveDate,
    },
    /// Packaging, accessories or manual incomplete.
    Incomplete,
    /// No valid proof of purchase.
    NoProofOfPurchase,
    /// Man-made damage.
    ManMadeDamage,
    /// Tampering or a torn serial label.
    TamperedOrLabelTorn,
    /// Force majeure.
    ForceMajeure,
    /// Testing found no quality problem.
    NoDefectFound,
    /// None of the given grounds qualifies for this kind of claim.
    NoQualifyingGround,
}

impl Refusal {
    /// The reason's name, the last part of its i18n key (`outside_window`).
    pub fn reason(&self) -> &'static str {
        self.code().trim_start_matches("errors.return.")
    }

    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::OutsideWindow { .. } => "errors.return.outside_window",
            Refusal::Incomplete => "errors.return.incomplete",
            Refusal::NoProofOfPurchase => "errors.return.no_proof_of_purchase",
            Refusal::ManMadeDamage => "errors.return.man_made_damage",
            Refusal::TamperedOrLabelTorn => "errors.return.tampered_or_label_torn",
            Refusal::ForceMajeure => "errors.return.force_majeure",
            Refusal::NoDefectFound => "errors.return.no_defect_found",
            Refusal::NoQualifyingGround => "errors.return.no_qualifying_ground",
        }
    }
}

/// The last day a claim of `kind` is accepted: the window counts natural days from the
/// day after delivery, so a 7-day window on goods delivered on the 1st ends on the 8th.
pub fn last_day(kind: ClaimKind, delivered_on: NaiveDate, settings: &Settings) -> NaiveDate {
    let days = match kind {
        ClaimKind::Return => settings.return_window_days,
        ClaimKind::Exchange => settings.exchange_window_days,
    };
    delivered_on + Duration::days(i64::from(days))
}

/// Checks a claim; `Ok` when eligible, otherwise every reason it is refused.
pub fn check(claim: &Claim, settings: &Settings) -> Result<(), Vec<Refusal>> {
    let mut refusals = Vec::new();
    let last = last_day(claim.kind, claim.delivered_on, settings);
    if claim.requested_on > last {
        refusals.push(Refusal::OutsideWindow { last_day: last });
    }
    if !claim.complete {
        refusals.push(Refusal::Incomplete);
    }
    if !claim.proof_of_purchase {
        refusals.push(Refusal::NoProofOfPurchase);
    }
    if claim.man_made_damage {
        refusals.push(Refusal::ManMadeDamage);
    }
    if claim.tampered_or_label_torn {
        refusals.push(Refusal::TamperedOrLabelTorn);
    }
    if claim.force_majeure {
        refusals.push(Refusal::ForceMajeure);
    }
    let defect_grounds_only = !claim.grounds.is_empty()
        && claim.grounds.iter().all(|g| {
            !matches!(
                g,
                Ground::CompleteAndResaleable
                    | Ground::NotAsDescribed
                    | Ground::TransportDamageAtDelivery
            )
        });
    if claim.kind == ClaimKind::Exchange && claim.no_defect_found && defect_grounds_only {
        refusals.push(Refusal::NoDefectFound);
    }
    if !claim.grounds.iter().any(|g| g.qualifies_for(claim.kind)) {
        refusals.push(Refusal::NoQualifyingGround);
    }
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(refusals)
    }
}

/// The customer's earlier order of the same unit (the serial, the same customer by
/// phone) whose standing decision granted an exchange: the ground "exchanged once
/// already and the fault came back" holds for a claim about it. `except` is the order
/// the claim is on, which does not count.
pub fn earlier_exchange<'a>(
    serial: &str,
    phone: &str,
    orders: impl IntoIterator<Item = &'a crate::doc::order::OrderDoc>,
    except: Option<crate::ids::OrderId>,
) -> Option<&'a crate::doc::order::OrderDoc> {
    let serial = serial.trim();
    if serial.is_empty() {
        return None;
    }
    orders
        .into_iter()
        .filter(|o| Some(o.id) != except)
        .filter(|o| o.product.serial.trim().eq_ignore_ascii_case(serial))
        .filter(|o| {
            phone.trim().is_empty() || crate::customers::same_customer(phone, &o.customer.phone)
        })
        .filter(|o| {
            o.return_decision()
                .is_some_and(|d| d.granted && d.kind == ClaimKind::Exchange)
        })
        .max_by_key(|o| o.request.received_at)
}

/// `claim` with the ground of an earlier exchange added when one was found, so that
/// the agent does not have to know to tick it.
pub fn with_earlier_exchange(mut claim: Claim, found: bool) -> Claim {
    if found && !claim.grounds.contains(&Ground::FaultAfterExchange) {
        claim.grounds.push(Ground::FaultAfterExchange);
    }
    claim
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn claim(kind: ClaimKind, requested_on: NaiveDate, grounds: Vec<Ground>) -> Claim {
        Claim {
            kind,
            delivered_on: d(2026, 11, 1),
            requested_on,
            grounds,
            complete: true,
            proof_of_purchase: true,
            man_made_damage: false,
            tampered_or_label_torn: false,
            force_majeure: false,
            no_defect_found: false,
        }
    }

    #[test]
    fn return_accepted_on_day_7() {
        let s = Settings::default();
        let c = claim(
            ClaimKind::Return,
            d(2026, 11, 8),
            vec![Ground::UnusedWithManufacturingDefect],
        );
        assert_eq!(
            check(&c, &s),
            Ok(()),
            "7 natural days from the day after delivery"
        );
    }

    #[test]
    fn return_refused_after_7_days() {
        let s = Settings::default();
        let c = claim(
            ClaimKind::Return,
            d(2026, 11, 9),
            vec![Ground::UnusedWithManufacturingDefect],
        );
        assert_eq!(
            check(&c, &s),
            Err(vec![Refusal::OutsideWindow {
                last_day: d(2026, 11, 8)
            }])
        );
    }

    #[test]
    fn exchange_accepted_on_day_15_refused_on_day_16() {
        let s = Settings::default();
        let ok = claim(
            ClaimKind::Exchange,
            d(2026, 11, 16),
            vec![Ground::QualityDefect],
        );
        assert_eq!(check(&ok, &s), Ok(()));
        let late = claim(
            ClaimKind::Exchange,
            d(2026, 11, 17),
            vec![Ground::QualityDefect],
        );
        assert_eq!(
            check(&late, &s),
            Err(vec![Refusal::OutsideWindow {
                last_day: d(2026, 11, 16)
            }])
        );
    }

    #[test]
    fn return_on_complete_and_resaleable_goods_but_not_an_exchange() {
        let s = Settings::default();
        let r = claim(
            ClaimKind::Return,
            d(2026, 11, 3),
            vec![Ground::CompleteAndResaleable],
        );
        assert_eq!(check(&r, &s), Ok(()));
        let e = claim(
            ClaimKind::Exchange,
            d(2026, 11, 3),
            vec![Ground::CompleteAndResaleable],
        );
        assert_eq!(check(&e, &s), Err(vec![Refusal::NoQualifyingGround]));
    }

    #[test]
    fn every_refusal_reason_is_reported() {
        let s = Settings::default();
        let mut c = claim(ClaimKind::Return, d(2026, 12, 1), vec![]);
        c.complete = false;
        c.proof_of_purchase = false;
        c.man_made_damage = true;
        c.tampered_or_label_torn = true;
        c.force_majeure = true;
        let refusals = check(&c, &s).err().unwrap_or_default();
        assert_eq!(
            refusals,
            vec![
                Refusal::OutsideWindow {
                    last_day: d(2026, 11, 8)
                },
                Refusal::Incomplete,
                Refusal::NoProofOfPurchase,
                Refusal::ManMadeDamage,
                Refusal::TamperedOrLabelTorn,
                Refusal::ForceMajeure,
                Refusal::NoQualifyingGround,
            ]
        );
        assert!(refusals
            .iter()
            .all(|r| r.code().starts_with("errors.return.")));
    }

    #[test]
    fn exchange_refused_when_testing_finds_no_defect() {
        let s = Settings::default();
        let mut c = claim(
            ClaimKind::Exchange,
            d(2026, 11, 5),
            vec![Ground::QualityDefect],
        );
        c.no_defect_found = true;
        assert_eq!(check(&c, &s), Err(vec![Refusal::NoDefectFound]));
    }

    #[test]
    fn repeated_fault_after_an_exchange_qualifies_for_return() {
        let s = Settings::default();
        let c = claim(
            ClaimKind::Return,
            d(2026, 11, 6),
            vec![Ground::FaultAfterExchange],
        );
        assert_eq!(check(&c, &s), Ok(()));
    }
}
