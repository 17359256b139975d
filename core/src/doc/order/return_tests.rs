//! Tests of the return or exchange decision (退换货) recorded on the order: who may make
//! it, that the rules' refusals are recorded with it and forbid a grant, and that a
//! granted exchange on the same unit offers the ground of a fault after exchange.

use chrono::{Duration, NaiveDate};

use super::*;
use crate::fixtures::{rid, Scenario};
use crate::lifecycle::TransitionError;
use crate::records::request::{Classification, ServiceMode};
use crate::returns::{self, Claim, ClaimKind, Ground};

type R = Result<(), Box<dyn std::error::Error>>;

/// A return order whose product was delivered `days_before` the request came in (t0's
/// date in Beijing, 23 November 2026).
fn return_order(days_before: i64) -> Scenario {
    let mut s = Scenario::new(ServiceMode::CarryIn, false);
    s.order.request.classification = Classification::ReturnExchange;
    s.order.product.delivered_on =
        NaiveDate::from_ymd_opt(2026, 11, 23).map(|d| d - Duration::days(days_before));
    s
}

fn claim(kind: ClaimKind) -> Claim {
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    Claim {
        kind,
        // Both replaced by the order's own: the delivery recorded at intake and the day
        // the request came in.
        delivered_on: day,
        requested_on: day,
        grounds: vec![Ground::UnusedWithManufacturingDefect],
        complete: true,
        proof_of_purchase: true,
        man_made_damage: false,
        tampered_or_label_torn: false,
        force_majeure: false,
        no_defect_found: false,
    }
}

fn decide(seed: u128, kind: ClaimKind, granted: bool, reason: &str) -> OrderOp {
    OrderOp::DecideReturn {
        id: rid(seed),
        claim: claim(kind),
        granted,
        reason: reason.into(),
    }
}

#[test]
fn a_return_asked_on_day_8_is_refused_and_the_refusal_recorded_with_who_and_why() -> R {
    let mut s = return_order(8);
    let grant = s.run(s.cast.dispatcher, decide(1, ClaimKind::Return, true, "ok"));
    assert_eq!(
        grant,
        Err(TransitionError::ReturnNotEligible {
            reasons: vec!["outside_window".into()]
        }),
        "the rules refuse it, so no one grants it"
    );
    assert!(s.order.return_decisions.is_empty());
    s.run(
        s.cast.dispatcher,
        decide(2, ClaimKind::Return, false, "delivered nine days ago"),
    )?;
    let d = s.order.return_decision().ok_or("no decision")?;
    assert!(!d.granted);
    assert_eq!(d.kind, ClaimKind::Return);
    assert_eq!(d.refusals, vec!["outside_window".to_string()]);
    assert_eq!(d.last_day, NaiveDate::from_ymd_opt(2026, 11, 22));
    assert_eq!(
        (d.by, d.role),
        (s.cast.dispatcher.user, s.cast.dispatcher.role)
    );
    assert_eq!(d.reason, "delivered nine days ago");
    assert_eq!(d.at, s.now);
    Ok(())
}

#[test]
fn an_exchange_in_its_window_is_granted_by_the_office_only() -> R {
    let mut s = return_order(10);
    assert!(
        matches!(
            s.run(s.cast.technician, decide(1, ClaimKind::Exchange, true, "x")),
            Err(TransitionError::RoleNotPermitted { .. })
        ),
        "a technician does not decide"
    );
    assert_eq!(
        s.run(s.cast.supervisor, decide(2, ClaimKind::Exchange, true, " ")),
        Err(TransitionError::EmptyField { field: "reason" }),
        "a decision says why"
    );
    s.run(
        s.cast.supervisor,
        decide(3, ClaimKind::Exchange, true, "drum fault on day 10"),
    )?;
    let d = s.order.return_decision().ok_or("no decision")?;
    assert!(d.granted && d.refusals.is_empty());
    assert_eq!(d.grounds, vec![Ground::UnusedWithManufacturingDefect]);
    Ok(())
}

#[test]
fn only_a_return_or_exchange_request_is_decided_as_one() {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    assert_eq!(
        s.run(
            s.cast.dispatcher,
            decide(1, ClaimKind::Exchange, false, "x")
        ),
        Err(TransitionError::NotAReturn)
    );
}

#[test]
fn a_granted_exchange_of_the_same_unit_is_found_for_the_next_claim() -> R {
    let mut first = return_order(3);
    first.run(
        first.cast.dispatcher,
        decide(1, ClaimKind::Exchange, true, "no power"),
    )?;
    let mut refused = return_order(3);
    refused.order.id = crate::ids::OrderId(crate::fixtures::uuid(77));
    refused.run(
        refused.cast.dispatcher,
        decide(2, ClaimKind::Exchange, false, "customer withdrew"),
    )?;
    let orders = [first.order.clone(), refused.order.clone()];
    let serial = first.order.product.serial.clone();
    let found = returns::earlier_exchange(&serial, "138-0013-8000", &orders, None);
    assert_eq!(found.map(|o| o.id), Some(first.order.id));
    assert!(
        returns::earlier_exchange(&serial, "13900000000", &orders, None).is_none(),
        "another customer's phone"
    );
    assert!(
        returns::earlier_exchange("SN-OTHER", "", &orders, None).is_none(),
        "another unit"
    );
    assert!(
        returns::earlier_exchange(&serial, "", &orders, Some(first.order.id)).is_none(),
        "the claim's own order does not count"
    );
    let claim = returns::with_earlier_exchange(claim(ClaimKind::Return), true);
    assert!(claim.grounds.contains(&Ground::FaultAfterExchange));
    Ok(())
}

#[test]
fn the_server_holds_a_technicians_decision() -> R {
    let mut s = return_order(2);
    s.order.assignee = Some(s.cast.technician.user);
    let old = s.order.clone();
    // What a tampered app writes: the decision as a supervisor would, under the
    // technician's own name.
    let boss = crate::role::Actor {
        user: s.cast.technician.user,
        role: crate::role::Role::Supervisor,
    };
    s.run(boss, decide(1, ClaimKind::Exchange, true, "swapped it"))?;
    let pusher = crate::review::Pusher {
        actor: s.cast.technician,
        foreign_locations: vec![],
    };
    let touched = ["return_decisions".to_string()].into_iter().collect();
    let codes: Vec<String> =
        crate::review::order::judge(&pusher, &old, &s.order, &touched, false, &s.settings)
            .into_iter()
            .map(|f| f.code)
            .collect();
    assert!(
        codes.contains(&"role_not_permitted".to_string()),
        "{codes:?}"
    );
    assert!(codes.contains(&"forged_author".to_string()), "{codes:?}");
    Ok(())
}
