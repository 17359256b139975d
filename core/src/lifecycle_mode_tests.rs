//! The lifecycle's rules for the modes other than on-site (issue 15): mail-in 寄修 and
//! carry-in 送修 receipts, the mail-in call, payment before shipping back, and the
//! carry-in signatures on receipt and pick-up.

use super::*;
use crate::doc::order::OrderOp;
use crate::fixtures::Scenario;
use crate::money::Money;
use crate::records::order::ContactChannel;
use crate::records::request::ServiceMode;
use crate::records::signature::{SignatureCapture, SignatureKind};

type R = Result<(), TransitionError>;

/// The customer's consent to a free plan.
fn free_consent() -> OrderOp {
    OrderOp::RecordConsent {
        customer_name: "王芳".into(),
        fee_agreed: None,
        by_phone: false,
    }
}

/// A free plan, touching the customer's stored data or not.
fn free_plan(cause: &str, plan: &str, touches_data: bool) -> OrderOp {
    OrderOp::RecordDiagnosis {
        cause: cause.into(),
        plan: plan.into(),
        parts: vec![],
        tools: String::new(),
        estimated_minutes: 30,
        estimated_fee: Money::zero("CNY"),
        risks: String::new(),
        touches_data,
    }
}

fn receive(photo: Option<String>, signature: Option<SignatureCapture>) -> OrderOp {
    OrderOp::Receive {
        condition: "box dented, product intact".into(),
        photo,
        signature,
    }
}

#[test]
fn a_mail_in_receipt_needs_a_photo_of_the_condition_on_arrival() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, false);
    s.drive_to(OrderState::Contacted)?;
    let tech = s.cast.technician;
    assert_eq!(
        s.run(tech, receive(Some("c1".repeat(32)), None)),
        Err(TransitionError::ArrivalPhotoMissing),
        "the photo must be on the order"
    );
    s.run(
        tech,
        OrderOp::AddPhoto {
            hash: "c1".repeat(32),
            caption: "on arrival".into(),
        },
    )?;
    s.run(tech, receive(Some("c1".repeat(32)), None))?;
    assert_eq!(s.order.state, OrderState::Received);
    assert_eq!(
        s.order.receipt.as_ref().and_then(|r| r.photo.clone()),
        Some("c1".repeat(32))
    );
    Ok(())
}

#[test]
fn a_mail_in_fault_is_confirmed_after_a_logged_call() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, false);
    s.drive_to(OrderState::Received)?;
    let tech = s.cast.technician;
    let confirm = OrderOp::ConfirmFault {
        note: "E21 reproduced on the bench".into(),
    };
    assert_eq!(
        s.run(tech, confirm.clone()),
        Err(TransitionError::CallNotLogged),
        "the call before receipt does not count"
    );
    let id = s.id();
    s.run(
        tech,
        OrderOp::LogContact {
            id,
            channel: ContactChannel::Phone,
            reached: true,
            note: "confirmed E21 with the customer".into(),
        },
    )?;
    s.run(tech, confirm)?;
    assert!(s.order.fault_confirmed.is_some());
    Ok(())
}

#[test]
fn chargeable_mail_in_work_is_paid_before_it_ships_back() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, true);
    s.drive_to(OrderState::Tested)?;
    assert!(s.order.consent.as_ref().is_some_and(|c| !c.by_phone));
    let tech = s.cast.technician;
    let ship = OrderOp::ShipBack {
        carrier: "SF Express".into(),
        tracking: "SF1400123456".into(),
    };
    assert_eq!(
        s.run(tech, ship.clone()),
        Err(TransitionError::PaymentMissing)
    );
    s.run(
        s.cast.dispatcher,
        OrderOp::RecordPayment {
            amount: Money::new(28_000, "CNY"),
            method: "WeChat Pay".into(),
            reference: "4200001234".into(),
        },
    )?;
    s.run(tech, ship)?;
    assert_eq!(s.order.state, OrderState::ShippedBack);
    s.run(s.cast.dispatcher, OrderOp::Close)?;
    assert_eq!(s.order.state, OrderState::Closed);
    Ok(())
}

#[test]
fn a_free_repair_has_no_payment_to_record() -> R {
    let mut s = Scenario::new(ServiceMode::MailIn, false);
    s.drive_to(OrderState::Tested)?;
    let pay = OrderOp::RecordPayment {
        amount: Money::new(100, "CNY"),
        method: "cash".into(),
        reference: String::new(),
    };
    assert_eq!(
        s.run(s.cast.dispatcher, pay),
        Err(TransitionError::NothingToPay)
    );
    Ok(())
}

#[test]
fn a_carry_in_order_keeps_the_receipt_and_pick_up_signatures() -> R {
    let mut s = Scenario::new(ServiceMode::CarryIn, false);
    s.drive_to(OrderState::Contacted)?;
    assert_eq!(
        s.run(s.cast.dispatcher, receive(None, None)),
        Err(TransitionError::EmptyField { field: "signature" }),
        "the customer signs the receipt at the counter"
    );
    s.drive_to(OrderState::Closed)?;
    let kinds: Vec<_> = crate::signoff::record(&s.order)
        .iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, vec![SignatureKind::Receipt, SignatureKind::PickUp]);
    assert!(
        crate::signoff::current(&s.order).is_some(),
        "the pick-up is current"
    );
    Ok(())
}

#[test]
fn only_the_request_types_set_as_project_work_need_plan_approval() -> R {
    use crate::records::request::Classification;
    let settings = crate::settings::Settings {
        plan_approval_required: true,
        project_work: vec![Classification::Installation],
        ..Default::default()
    };
    assert!(settings.needs_plan_approval(Classification::Installation));
    assert!(!settings.needs_plan_approval(Classification::Repair));
    let mut repair = Scenario::with_settings(ServiceMode::OnSite, false, settings.clone());
    repair.drive_to(OrderState::PlanAgreed)?;
    assert!(
        repair.order.plan_approval.is_none(),
        "a repair is not project work here"
    );
    let mut install = Scenario::with_settings(ServiceMode::OnSite, false, settings);
    install.order.request.classification = Classification::Installation;
    install.drive_to(OrderState::OnSite)?;
    let tech = install.cast.technician;
    install.run(tech, OrderOp::ShowWorkId)?;
    install.run(
        tech,
        OrderOp::ConfirmFault {
            note: "install the unit".into(),
        },
    )?;
    install.run(
        tech,
        free_plan("new installation", "mount and connect", false),
    )?;
    let consent = free_consent();
    assert_eq!(
        install.run(tech, consent.clone()),
        Err(TransitionError::PlanApprovalMissing),
        "an installation is project work: approved first"
    );
    install.run(
        install.cast.supervisor,
        OrderOp::ApprovePlan { note: "ok".into() },
    )?;
    install.run(tech, consent)?;
    assert_eq!(install.order.state, OrderState::PlanAgreed);
    Ok(())
}

#[test]
fn work_on_the_customers_data_waits_for_their_authorisation() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::OnSite)?;
    let tech = s.cast.technician;
    s.run(tech, OrderOp::ShowWorkId)?;
    s.run(
        tech,
        OrderOp::ConfirmFault {
            note: "the unit does not boot".into(),
        },
    )?;
    s.run(
        tech,
        free_plan(
            "corrupt firmware",
            "reflash; the stored recipes are backed up first",
            true,
        ),
    )?;
    s.run(tech, free_consent())?;
    let (step, auth) = (s.id(), s.id());
    let work = OrderOp::AddRepairStep {
        id: step,
        description: "reflashed".into(),
        minutes: 30,
    };
    assert_eq!(
        s.run(tech, work.clone()),
        Err(TransitionError::DataAuthorisationMissing)
    );
    s.run(
        tech,
        OrderOp::AuthoriseDataAccess {
            id: auth,
            signer: "王芳".into(),
            scope: "back up and restore the stored recipes".into(),
        },
    )?;
    s.run(tech, work)?;
    assert_eq!(s.order.state, OrderState::InRepair);
    Ok(())
}

#[test]
fn an_installation_is_agreed_without_a_diagnosis() -> R {
    use crate::records::request::Classification;
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.order.request.classification = Classification::Installation;
    s.drive_to(OrderState::OnSite)?;
    let tech = s.cast.technician;
    s.run(tech, OrderOp::ShowWorkId)?;
    s.run(
        tech,
        OrderOp::ConfirmFault {
            note: "wall mount, outlet within 1 m".into(),
        },
    )?;
    s.run(tech, free_consent())?;
    assert_eq!(s.order.state, OrderState::PlanAgreed);
    assert!(s.order.diagnosis.is_none(), "安装 has no diagnosis");
    // A repair still needs one.
    let mut repair = Scenario::new(ServiceMode::OnSite, false);
    repair.drive_to(OrderState::OnSite)?;
    repair.run(tech, OrderOp::ShowWorkId)?;
    repair.run(tech, OrderOp::ConfirmFault { note: "E21".into() })?;
    assert_eq!(
        repair.run(tech, free_consent(),),
        Err(TransitionError::PlanMissing)
    );
    Ok(())
}

#[test]
fn a_tech_support_request_is_resolved_remotely_without_a_visit() -> R {
    use crate::records::request::Classification;
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.order.request.classification = Classification::TechSupport;
    s.drive_to(OrderState::Contacted)?;
    s.run(
        s.cast.support,
        OrderOp::ResolveRemotely {
            resolution: "reset the controller over the phone; works again".into(),
        },
    )?;
    assert_eq!(s.order.state, OrderState::Closed);
    assert!(s.order.visits.is_empty(), "no visit");
    assert!(s.order.closed_at.is_some());
    assert_eq!(s.order.comments.len(), 1, "the resolution is on record");
    let mut repair = Scenario::new(ServiceMode::OnSite, false);
    repair.drive_to(OrderState::Contacted)?;
    assert_eq!(
        repair.run(
            repair.cast.support,
            OrderOp::ResolveRemotely {
                resolution: "x".into()
            }
        ),
        Err(TransitionError::NotTechSupport)
    );
    Ok(())
}
