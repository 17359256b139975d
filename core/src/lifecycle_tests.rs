//! Tests of the order lifecycle rules, one per rule, through `OrderDoc::apply`.

use super::*;
use crate::doc::order::OrderOp;
use crate::fixtures::{rid, Scenario};
use crate::money::Money;
use crate::records::order::{ContactChannel, HoldKind};
use crate::records::request::ServiceMode;
use crate::role::Role;

type R = Result<(), TransitionError>;

fn step(s: &mut Scenario) -> OrderOp {
    OrderOp::AddRepairStep {
        id: s.id(),
        description: "work".into(),
        minutes: 5,
    }
}

#[test]
fn on_site_happy_path_visits_every_state_in_order() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Closed)?;
    let path: Vec<OrderState> = s.order.history.iter().map(|h| h.to).collect();
    use OrderState::*;
    assert_eq!(
        path,
        vec![Dispatched, Contacted, OnSite, PlanAgreed, InRepair, Tested, SignedOff, Closed],
        "new → dispatched → contacted → on site → plan agreed → in repair → tested → signed off → closed"
    );
    Ok(())
}

#[test]
fn mail_in_path_receives_instead_of_on_site_and_ships_back() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, false);
    s.drive_to(OrderState::Closed)?;
    let path: Vec<OrderState> = s.order.history.iter().map(|h| h.to).collect();
    use OrderState::*;
    assert_eq!(
        path,
        vec![
            Dispatched,
            Contacted,
            Received,
            PlanAgreed,
            InRepair,
            Tested,
            ShippedBack,
            Closed
        ]
    );
    assert!(!path.contains(&OnSite), "a mail-in order is never on site");
    Ok(())
}

#[test]
fn mail_in_order_cannot_check_in_nor_close_before_shipping_back() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, false);
    s.drive_to(OrderState::Contacted)?;
    let visit = s.id();
    let e = s.run(s.cast.technician, OrderOp::CheckIn { visit });
    assert!(matches!(e, Err(TransitionError::WrongServiceMode { .. })));
    s.drive_to(OrderState::Tested)?;
    let tech = s.cast.technician;
    s.run(
        tech,
        OrderOp::SignOff {
            id: rid(901),
            signer: "王芳".into(),
            rating: None,
            signature_blob: "cd".repeat(32),
        },
    )?;
    assert_eq!(
        s.run(tech, OrderOp::Close),
        Err(TransitionError::ShipmentMissing)
    );
    s.run(
        tech,
        OrderOp::ShipBack {
            carrier: "SF".into(),
            tracking: "SF1".into(),
        },
    )?;
    assert_eq!(
        s.order.state,
        OrderState::ShippedBack,
        "shipped back after sign-off too"
    );
    s.run(tech, OrderOp::Close)?;
    Ok(())
}

#[test]
fn carry_in_order_is_received_signed_and_never_shipped() -> R {
    let mut s = Scenario::new(ServiceMode::CarryIn, false);
    s.drive_to(OrderState::Tested)?;
    let e = s.run(
        s.cast.technician,
        OrderOp::ShipBack {
            carrier: "SF".into(),
            tracking: "1".into(),
        },
    );
    assert!(matches!(e, Err(TransitionError::WrongServiceMode { .. })));
    s.drive_to(OrderState::Closed)?;
    assert!(s.order.history.iter().any(|h| h.to == OrderState::Received));
    Ok(())
}

#[test]
fn no_repair_step_before_consent() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::OnSite)?;
    let op = step(&mut s);
    assert_eq!(
        s.run(s.cast.technician, op),
        Err(TransitionError::ConsentMissing),
        "rule 7: before any repair, the customer must agree"
    );
    Ok(())
}

#[test]
fn no_part_used_before_consent() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Contacted)?;
    let op = OrderOp::UsePart {
        id: s.id(),
        part: crate::ids::PartId(crate::fixtures::uuid(500)),
        part_number: "BR-21".into(),
        certified: true,
        serialized: false,
        quantity: 1,
        serials_new: vec![],
        serials_old: vec![],
        location: s.cast.van,
    };
    assert_eq!(
        s.run(s.cast.technician, op),
        Err(TransitionError::ConsentMissing)
    );
    Ok(())
}

#[test]
fn consent_needs_a_recorded_plan() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::OnSite)?;
    let tech = s.cast.technician;
    s.run(tech, OrderOp::ShowWorkId)?;
    s.run(tech, OrderOp::ConfirmFault { note: "E21".into() })?;
    let e = s.run(
        tech,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: None,
            by_phone: false,
        },
    );
    assert_eq!(e, Err(TransitionError::PlanMissing));
    assert!(
        s.order.consent.is_none(),
        "a refused consent is not recorded"
    );
    Ok(())
}

#[test]
fn chargeable_repair_needs_consent_to_the_fee_estimate() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    assert!(
        s.order.is_chargeable(),
        "bought 2019: out of the 3-year warranty"
    );
    s.drive_to(OrderState::OnSite)?;
    let tech = s.cast.technician;
    s.run(tech, OrderOp::ShowWorkId)?;
    s.run(tech, OrderOp::ConfirmFault { note: "E21".into() })?;
    let estimated_fee = Money::new(28_000, "CNY");
    s.run(
        tech,
        OrderOp::RecordDiagnosis {
            cause: "c".into(),
            plan: "p".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 30,
            estimated_fee: estimated_fee.clone(),
            risks: String::new(),
            touches_data: false,
        },
    )?;
    let none = s.run(
        tech,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: None,
            by_phone: false,
        },
    );
    assert_eq!(none, Err(TransitionError::FeeConsentMissing));
    let other = s.run(
        tech,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(Money::new(100, "CNY")),
            by_phone: false,
        },
    );
    assert_eq!(
        other,
        Err(TransitionError::FeeConsentMissing),
        "consent is to the estimate itself"
    );
    s.run(
        tech,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(estimated_fee.clone()),
            by_phone: false,
        },
    )?;
    assert_eq!(s.order.state, OrderState::PlanAgreed);
    assert_eq!(
        s.order.fee, estimated_fee,
        "the agreed estimate becomes the fee"
    );
    Ok(())
}

#[test]
fn free_repair_consents_without_a_fee() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::PlanAgreed)?;
    assert!(s.order.fee.is_zero(), "work under warranty is free");
    Ok(())
}

#[test]
fn plan_approval_required_by_company_setting() -> R {
    let settings = crate::settings::Settings {
        plan_approval_required: true,
        ..Default::default()
    };
    let mut s = Scenario::with_settings(ServiceMode::OnSite, false, settings);
    s.drive_to(OrderState::OnSite)?;
    let tech = s.cast.technician;
    s.run(tech, OrderOp::ShowWorkId)?;
    s.run(tech, OrderOp::ConfirmFault { note: "E21".into() })?;
    s.run(
        tech,
        OrderOp::RecordDiagnosis {
            cause: "c".into(),
            plan: "p".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 30,
            estimated_fee: Money::zero("CNY"),
            risks: String::new(),
            touches_data: false,
        },
    )?;
    let consent = OrderOp::RecordConsent {
        customer_name: "王芳".into(),
        fee_agreed: None,
        by_phone: false,
    };
    assert_eq!(
        s.run(tech, consent.clone()),
        Err(TransitionError::PlanApprovalMissing)
    );
    let e = s.run(
        tech,
        OrderOp::ApprovePlan {
            note: "self".into(),
        },
    );
    assert!(
        matches!(
            e,
            Err(TransitionError::RoleNotPermitted {
                role: Role::Technician,
                ..
            })
        ),
        "a technician cannot approve their own plan"
    );
    s.run(s.cast.support, OrderOp::ApprovePlan { note: "ok".into() })?;
    s.run(tech, consent)?;
    assert_eq!(s.order.state, OrderState::PlanAgreed);
    Ok(())
}

#[test]
fn work_id_shown_before_fault_confirmed_on_site() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::OnSite)?;
    let e = s.run(
        s.cast.technician,
        OrderOp::ConfirmFault { note: "E21".into() },
    );
    assert_eq!(
        e,
        Err(TransitionError::WorkIdNotShown),
        "rule 6: 出示工作证件"
    );
    Ok(())
}

#[test]
fn diagnosis_needs_the_fault_confirmed() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, false);
    s.drive_to(OrderState::Received)?;
    let e = s.run(
        s.cast.technician,
        OrderOp::RecordDiagnosis {
            cause: "c".into(),
            plan: "p".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 30,
            estimated_fee: Money::zero("CNY"),
            risks: String::new(),
            touches_data: false,
        },
    );
    assert_eq!(e, Err(TransitionError::FaultNotConfirmed));
    Ok(())
}

#[test]
fn check_in_before_contact_is_refused() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Dispatched)?;
    let visit = s.id();
    assert_eq!(
        s.run(s.cast.technician, OrderOp::CheckIn { visit }),
        Err(TransitionError::ContactMissing)
    );
    Ok(())
}

#[test]
fn unanswered_contact_attempt_is_logged_but_does_not_count_as_contact() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Dispatched)?;
    let id = s.id();
    s.run(
        s.cast.technician,
        OrderOp::LogContact {
            id,
            channel: ContactChannel::Phone,
            reached: false,
            note: "no answer".into(),
        },
    )?;
    assert_eq!(s.order.state, OrderState::Dispatched);
    assert_eq!(s.order.contacts.len(), 1, "every attempt is logged");
    Ok(())
}

#[test]
fn no_sign_off_without_a_passing_test() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::InRepair)?;
    let tech = s.cast.technician;
    let sign = OrderOp::SignOff {
        id: rid(902),
        signer: "王芳".into(),
        rating: Some(4),
        signature_blob: "ef".repeat(32),
    };
    assert_eq!(
        s.run(tech, sign.clone()),
        Err(TransitionError::TestNotPassed)
    );
    let id = s.id();
    s.run(
        tech,
        OrderOp::RecordTest {
            id,
            passed: false,
            notes: "leaks".into(),
            care_advice_given: false,
        },
    )?;
    assert_eq!(
        s.order.state,
        OrderState::InRepair,
        "a failed test keeps the order in repair"
    );
    assert_eq!(
        s.run(tech, sign.clone()),
        Err(TransitionError::TestNotPassed)
    );
    let id = s.id();
    s.run(
        tech,
        OrderOp::RecordTest {
            id,
            passed: true,
            notes: "ok".into(),
            care_advice_given: true,
        },
    )?;
    s.run(tech, sign)?;
    assert_eq!(s.order.state, OrderState::SignedOff);
    assert!(
        s.order
            .sign_off
            .as_ref()
            .is_some_and(|x| x.digest.len() == 64),
        "sign-off carries the SHA-256 digest"
    );
    Ok(())
}

#[test]
fn objection_at_sign_off_sends_the_order_to_rework() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Tested)?;
    let tech = s.cast.technician;
    let id = s.id();
    s.run(
        tech,
        OrderOp::Object {
            id,
            signer: "王芳".into(),
            text: "still noisy".into(),
            signature_blob: None,
        },
    )?;
    assert_eq!(s.order.state, OrderState::InRepair, "异议 → 整改");
    assert!(s.order.sign_off.is_none());
    assert_eq!(
        s.order.history.last().map(|h| h.reason.as_str()),
        Some("still noisy")
    );
    let op = step(&mut s);
    s.run(tech, op)?;
    s.drive_to(OrderState::Closed)?;
    Ok(())
}

#[test]
fn more_work_after_a_passing_test_needs_a_new_test() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Tested)?;
    let op = step(&mut s);
    s.run(s.cast.technician, op)?;
    assert_eq!(s.order.state, OrderState::InRepair);
    Ok(())
}

#[test]
fn close_needs_a_sign_off() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Tested)?;
    assert_eq!(
        s.run(s.cast.technician, OrderOp::Close),
        Err(TransitionError::SignOffMissing)
    );
    Ok(())
}

#[test]
fn close_refused_when_fee_changed_after_signing() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(OrderState::SignedOff)?;
    let id = s.id();
    s.run(
        s.cast.supervisor,
        OrderOp::OverrideFee {
            id,
            fee: Money::new(20_000, "CNY"),
            reason: "goodwill".into(),
        },
    )?;
    assert!(
        crate::signoff::is_void(&s.order),
        "the fee the customer signed for changed"
    );
    assert_eq!(
        s.run(s.cast.technician, OrderOp::Close),
        Err(TransitionError::SignOffVoid)
    );
    Ok(())
}

#[test]
fn only_a_supervisor_overrides_the_fee() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(OrderState::InRepair)?;
    let id = s.id();
    let e = s.run(
        s.cast.technician,
        OrderOp::OverrideFee {
            id,
            fee: Money::new(1, "CNY"),
            reason: "x".into(),
        },
    );
    assert!(
        matches!(e, Err(TransitionError::RoleNotPermitted { .. })),
        "a technician cannot change an approved price"
    );
    Ok(())
}

#[test]
fn cancel_needs_a_reason_and_an_office_role() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::InRepair)?;
    let e = s.run(s.cast.technician, OrderOp::Cancel { reason: "x".into() });
    assert!(matches!(e, Err(TransitionError::RoleNotPermitted { .. })));
    let e = s.run(
        s.cast.dispatcher,
        OrderOp::Cancel {
            reason: "  ".into(),
        },
    );
    assert!(matches!(e, Err(TransitionError::ReasonRequired { .. })));
    s.run(
        s.cast.dispatcher,
        OrderOp::Cancel {
            reason: "customer bought a new machine".into(),
        },
    )?;
    assert_eq!(s.order.state, OrderState::Cancelled);
    assert!(s.order.cancellation.is_some());
    let op = step(&mut s);
    assert!(
        matches!(
            s.run(s.cast.technician, op),
            Err(TransitionError::NotAllowedInState { .. })
        ),
        "cancelled is final"
    );
    Ok(())
}

#[test]
fn resume_returns_to_the_state_held_from() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::InRepair)?;
    let tech = s.cast.technician;
    s.run(
        tech,
        OrderOp::Hold {
            kind: HoldKind::WaitingForParts,
            reason: "belt on order".into(),
        },
    )?;
    assert_eq!(s.order.state, OrderState::OnHold);
    let op = step(&mut s);
    assert!(
        matches!(s.run(tech, op), Err(TransitionError::OnHold { .. })),
        "no work while on hold"
    );
    let e = s.run(
        tech,
        OrderOp::Hold {
            kind: HoldKind::Other,
            reason: "again".into(),
        },
    );
    assert!(matches!(e, Err(TransitionError::OnHold { .. })));
    s.run(tech, OrderOp::Resume)?;
    assert_eq!(
        s.order.state,
        OrderState::InRepair,
        "resume goes back where it was held"
    );
    assert!(s.order.hold.is_none());
    Ok(())
}

#[test]
fn hold_needs_a_reason() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    let e = s.run(
        s.cast.dispatcher,
        OrderOp::Hold {
            kind: HoldKind::Other,
            reason: String::new(),
        },
    );
    assert!(matches!(e, Err(TransitionError::ReasonRequired { .. })));
    Ok(())
}

#[test]
fn only_a_supervisor_reopens_a_closed_order_and_it_is_recorded() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Closed)?;
    let e = s.run(
        s.cast.dispatcher,
        OrderOp::Reopen {
            reason: "fault back".into(),
        },
    );
    assert!(matches!(e, Err(TransitionError::RoleNotPermitted { .. })));
    s.run(
        s.cast.supervisor,
        OrderOp::Reopen {
            reason: "fault back".into(),
        },
    )?;
    assert_eq!(s.order.state, OrderState::InRepair);
    let last = s
        .order
        .history
        .last()
        .ok_or(TransitionError::InvalidQuantity)?;
    assert_eq!(
        (last.from, last.role, last.reason.as_str()),
        (OrderState::Closed, Role::Supervisor, "fault back")
    );
    assert!(s.order.closed_at.is_none());
    s.drive_to(OrderState::Closed)?;
    Ok(())
}

#[test]
fn technician_works_only_assigned_orders() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Dispatched)?;
    let id = s.id();
    let e = s.run(
        s.cast.other_technician,
        OrderOp::LogContact {
            id,
            channel: ContactChannel::Phone,
            reached: true,
            note: String::new(),
        },
    );
    assert!(matches!(e, Err(TransitionError::NotAssignee { .. })));
    Ok(())
}

#[test]
fn only_certified_parts_and_serials_for_serialized_parts() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::PlanAgreed)?;
    let part = |s: &mut Scenario, certified, serials: Vec<String>| OrderOp::UsePart {
        id: s.id(),
        part: crate::ids::PartId(crate::fixtures::uuid(501)),
        part_number: "BELT-8".into(),
        certified,
        serialized: true,
        quantity: 1,
        serials_new: serials,
        serials_old: vec![],
        location: s.cast.van,
    };
    let op = part(&mut s, false, vec!["S1".into()]);
    assert!(
        matches!(
            s.run(s.cast.technician, op),
            Err(TransitionError::PartNotCertified { .. })
        ),
        "原厂或认证备件 only"
    );
    let op = part(&mut s, true, vec![]);
    assert!(matches!(
        s.run(s.cast.technician, op),
        Err(TransitionError::SerialMissing { .. })
    ));
    let op = part(&mut s, true, vec!["S1".into()]);
    s.run(s.cast.technician, op)?;
    assert_eq!(
        s.order.state,
        OrderState::InRepair,
        "the first part used starts the repair"
    );
    Ok(())
}

#[test]
fn follow_up_only_after_close_with_a_1_to_5_score() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::SignedOff)?;
    let id = s.id();
    let fu = |id, score| OrderOp::FollowUp {
        id,
        channel: ContactChannel::Phone,
        score,
        comment: String::new(),
    };
    assert!(matches!(
        s.run(s.cast.dispatcher, fu(id, Some(5))),
        Err(TransitionError::NotAllowedInState { .. })
    ));
    s.drive_to(OrderState::Closed)?;
    assert_eq!(
        s.run(s.cast.dispatcher, fu(id, Some(6))),
        Err(TransitionError::InvalidRating { rating: 6 })
    );
    s.run(s.cast.dispatcher, fu(id, Some(5)))?;
    assert_eq!(s.order.follow_ups.len(), 1);
    Ok(())
}

#[test]
fn a_repeated_record_id_is_refused() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Dispatched)?;
    let id = s.id();
    let op = OrderOp::LogContact {
        id,
        channel: ContactChannel::Phone,
        reached: false,
        note: String::new(),
    };
    s.run(s.cast.technician, op.clone())?;
    assert!(
        matches!(
            s.run(s.cast.technician, op),
            Err(TransitionError::DuplicateRecord { .. })
        ),
        "an op applied twice counts once"
    );
    assert_eq!(s.order.contacts.len(), 1);
    Ok(())
}

#[test]
fn customer_damage_found_on_site_makes_the_repair_chargeable_before_consent() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::OnSite)?;
    assert!(!s.order.is_chargeable());
    let (id, again) = (s.id(), s.id());
    let found = |id, evidence: Option<String>| OrderOp::ReassessCharge {
        id,
        customer_damage: true,
        evidence,
        note: "cracked housing".into(),
    };
    assert_eq!(
        s.run(s.cast.technician, found(id, None)),
        Err(TransitionError::EvidenceMissing),
        "customer damage is shown by a photo"
    );
    s.run(
        s.cast.technician,
        OrderOp::AddPhoto {
            hash: "aa".repeat(32),
            caption: "crack".into(),
        },
    )?;
    s.run(s.cast.technician, found(again, Some("aa".repeat(32))))?;
    assert!(s.order.is_chargeable(), "人为损坏 is chargeable");
    assert_eq!(s.order.state, OrderState::OnSite, "before consent: no move");
    assert!(!s.order.charge_reassessments[0].voided_consent);
    Ok(())
}

#[test]
fn a_charge_reassessed_after_consent_blocks_repair_until_the_customer_agrees_again() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::InRepair)?;
    let tech = s.cast.technician;
    s.run(
        tech,
        OrderOp::AddPhoto {
            hash: "bb".repeat(32),
            caption: "water damage".into(),
        },
    )?;
    let id = s.id();
    s.run(
        tech,
        OrderOp::ReassessCharge {
            id,
            customer_damage: true,
            evidence: Some("bb".repeat(32)),
            note: "liquid inside the board".into(),
        },
    )?;
    assert_eq!(
        s.order.state,
        OrderState::OnSite,
        "back to where consent is given"
    );
    assert!(
        s.order.consent.is_none(),
        "the old consent no longer covers the fee"
    );
    assert!(s.order.charge_reassessments[0].voided_consent);
    let step = s.id();
    assert_eq!(
        s.run(
            tech,
            OrderOp::AddRepairStep {
                id: step,
                description: "more work".into(),
                minutes: 5,
            }
        ),
        Err(TransitionError::ConsentMissing),
        "no repair before the customer agrees to the new fee"
    );
    let fee = Money::new(45_000, "CNY");
    s.run(
        tech,
        OrderOp::RecordDiagnosis {
            cause: "liquid damage".into(),
            plan: "replace the board".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 60,
            estimated_fee: fee.clone(),
            risks: String::new(),
            touches_data: false,
        },
    )?;
    s.run(
        tech,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(fee.clone()),
            by_phone: false,
        },
    )?;
    assert_eq!(s.order.state, OrderState::PlanAgreed);
    assert_eq!(s.order.fee, fee, "the fee is the one agreed again");
    s.run(
        tech,
        OrderOp::AddRepairStep {
            id: step,
            description: "replaced the board".into(),
            minutes: 30,
        },
    )?;
    assert_eq!(s.order.state, OrderState::InRepair);
    Ok(())
}

#[test]
fn every_error_code_is_a_distinct_i18n_key() {
    let errors = [
        TransitionError::RoleNotPermitted {
            role: Role::Technician,
            action: "x",
        },
        TransitionError::NotAssignee { action: "x" },
        TransitionError::NotAllowedInState {
            action: "x",
            state: OrderState::New,
        },
        TransitionError::WrongServiceMode {
            action: "x",
            mode: ServiceMode::OnSite,
        },
        TransitionError::ContactMissing,
        TransitionError::NotCheckedIn,
        TransitionError::WorkIdNotShown,
        TransitionError::FaultNotConfirmed,
        TransitionError::PlanMissing,
        TransitionError::PlanApprovalMissing,
        TransitionError::ConsentMissing,
        TransitionError::FeeConsentMissing,
        TransitionError::RepairNotStarted,
        TransitionError::TestNotPassed,
        TransitionError::SignOffMissing,
        TransitionError::SignOffVoid,
        TransitionError::ShipmentMissing,
        TransitionError::EvidenceMissing,
        TransitionError::ArrivalPhotoMissing,
        TransitionError::CallNotLogged,
        TransitionError::PaymentMissing,
        TransitionError::NothingToPay,
        TransitionError::DataAuthorisationMissing,
        TransitionError::NotTechSupport,
        TransitionError::ReasonRequired { action: "x" },
        TransitionError::OnHold { action: "x" },
        TransitionError::PartNotCertified {
            part_number: "x".into(),
        },
        TransitionError::SerialMissing {
            part_number: "x".into(),
        },
        TransitionError::InvalidQuantity,
        TransitionError::InvalidRating { rating: 0 },
        TransitionError::UnknownRecord { id: "x".into() },
        TransitionError::DuplicateRecord { id: "x".into() },
        TransitionError::EmptyField { field: "x" },
        TransitionError::CurrencyMismatch {
            expected: "CNY".into(),
        },
    ];
    let codes: std::collections::BTreeSet<_> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), errors.len(), "codes are unique");
    assert!(codes.iter().all(|c| c.starts_with("errors.order.")));
    assert_eq!(
        TransitionError::ConsentMissing.code(),
        "errors.order.consent_missing"
    );
}

#[test]
fn states_fit_their_mode() {
    assert!(!OrderState::OnSite.fits_mode(ServiceMode::MailIn));
    assert!(!OrderState::Received.fits_mode(ServiceMode::OnSite));
    assert!(!OrderState::ShippedBack.fits_mode(ServiceMode::CarryIn));
    assert!(OrderState::ShippedBack.fits_mode(ServiceMode::MailIn));
}
