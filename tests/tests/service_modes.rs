//! Every service mode and request type across real devices and a real server (issue
//! 15): every signature kept through a reopening; the supervisor's fee override (a
//! dispatcher's refused on the server); a fee change after sign-off voiding the
//! signature; a charge reassessed for customer damage blocking repair until the customer
//! agrees again; and tech support answering a technician on the order.

use onsite_core::doc::order::OrderOp;
use onsite_core::lifecycle::OrderState;
use onsite_core::records::order::FlagKind;
use onsite_core::records::signature::SignatureKind;
use onsite_core::role::{Actor, Role};
use onsite_core::signoff::{self, SignOffStatus};
use onsite_core::{Money, OrderId, RecordId};
use onsite_server::sync::protocol::PushResult;
use onsite_tests::devices::{dispatched, Device, PASSWORD};
use onsite_tests::protocol_client::Client;
use onsite_tests::trust::tamper;
use onsite_tests::TestServer;

struct Office {
    server: TestServer,
    dir: tempfile::TempDir,
    desk: Device,
    boss: Device,
    tech: Device,
}

async fn office(seed: u128) -> anyhow::Result<(Office, OrderId)> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut desk = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let boss = Device::sign_in(&server, dir.path(), "zhao.min", Role::Supervisor).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    let id = dispatched(&mut desk, &mut tech, seed).await?;
    Ok((
        Office {
            server,
            dir,
            desk,
            boss,
            tech,
        },
        id,
    ))
}

/// The technician's work reaches the supervisor, who does `op`; it comes back to the
/// technician.
async fn supervisor_does(o: &mut Office, id: OrderId, op: OrderOp) -> anyhow::Result<()> {
    o.tech.sync().await?;
    o.boss.sync().await?;
    o.boss.apply(id, op)?;
    let report = o.boss.sync().await?;
    anyhow::ensure!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.tech.sync().await?;
    Ok(())
}

fn override_fee(fee: i64, reason: &str) -> OrderOp {
    OrderOp::OverrideFee {
        id: RecordId::new_at(chrono::Utc::now()),
        fee: Money::new(fee, "CNY"),
        reason: reason.into(),
    }
}

#[tokio::test]
async fn a_reopened_and_re_signed_order_keeps_both_signatures_at_the_office() -> anyhow::Result<()>
{
    let (mut o, id) = office(1501).await?;
    o.tech.visit_until_plan_agreed(id)?;
    o.tech.repair_and_test(id)?;
    let first = o.tech.sign_off(id)?;
    o.tech.apply(id, OrderOp::Close)?;
    supervisor_does(
        &mut o,
        id,
        OrderOp::Reopen {
            reason: "the customer called: it leaks again".into(),
        },
    )
    .await?;
    o.tech.repair_and_test(id)?;
    o.tech.apply(
        id,
        OrderOp::SignOff {
            id: RecordId::new_at(chrono::Utc::now()),
            signer: "王芳".into(),
            rating: Some(3),
            signature_blob: "cd".repeat(32),
        },
    )?;
    let report = o.tech.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    let at_office = o.desk.order(id)?;
    let kept = signoff::record(&at_office);
    let sign_offs: Vec<_> = kept
        .iter()
        .filter(|s| s.kind == SignatureKind::SignOff)
        .collect();
    assert_eq!(sign_offs.len(), 2, "the office keeps both: {kept:?}");
    let first_sig = first.sign_off.as_ref().map(|s| s.signature_blob.clone());
    assert_eq!(Some(sign_offs[0].signature_blob.clone()), first_sig);
    assert_eq!(sign_offs[1].signature_blob, "cd".repeat(32));
    assert_eq!(signoff::current(&at_office), Some(sign_offs[1].id));
    assert_eq!(signoff::status(&at_office), SignOffStatus::Valid);
    o.server.stop().await
}

#[tokio::test]
async fn a_fee_override_by_a_dispatcher_is_refused_on_the_server_and_by_a_supervisor_accepted(
) -> anyhow::Result<()> {
    let (mut o, id) = office(1502).await?;
    o.tech.visit_until_plan_agreed(id)?;
    o.tech.sync().await?;
    // The dispatcher's second device runs a tampered app that writes the override the
    // app itself would refuse (only a supervisor overrides a fee).
    let mut forged = Client::sign_in(&o.server.url(""), "wang.fang", PASSWORD).await?;
    forged.sync().await?;
    let dispatcher = o.desk.actor;
    let op = override_fee(1_000, "regular customer");
    tamper(
        &mut forged,
        &id.to_string(),
        dispatcher,
        "override_fee",
        |order| {
            let boss = Actor {
                user: dispatcher.user,
                role: Role::Supervisor,
            };
            let rules = onsite_core::CompanyRules::default();
            order.apply(
                &op,
                &onsite_core::Ctx {
                    actor: boss,
                    now: chrono::Utc::now(),
                    settings: rules.settings(),
                    calendar: &rules.calendar,
                },
            )?;
            Ok(())
        },
    )?;
    forged.sync().await?;
    assert!(
        forged
            .last_results
            .iter()
            .any(|r| matches!(r, PushResult::Quarantined { .. })),
        "the server holds the dispatcher's override: {:?}",
        forged.last_results
    );
    o.desk.sync().await?;
    let at_office = o.desk.order(id)?;
    assert_eq!(
        at_office.fee,
        Money::new(28_000, "CNY"),
        "the fee agreed stands"
    );
    assert!(at_office.fee_overrides.is_empty(), "no override recorded");

    o.boss.sync().await?;
    o.boss.apply(
        id,
        override_fee(20_000, "goodwill: second visit for the same fault"),
    )?;
    let report = o.boss.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    let at_office = o.desk.order(id)?;
    assert_eq!(at_office.fee, Money::new(20_000, "CNY"));
    assert_eq!(at_office.fee_overrides.len(), 1);
    assert_eq!(at_office.fee_overrides[0].by, o.boss.actor.user);
    assert_eq!(at_office.fee_overrides[0].from, Money::new(28_000, "CNY"));
    o.server.stop().await
}

#[tokio::test]
async fn a_fee_override_after_sign_off_voids_the_signature() -> anyhow::Result<()> {
    let (mut o, id) = office(1503).await?;
    o.tech.visit_until_plan_agreed(id)?;
    o.tech.repair_and_test(id)?;
    o.tech.sign_off(id)?;
    supervisor_does(&mut o, id, override_fee(15_000, "discount agreed by phone")).await?;
    let on_phone = o.tech.order(id)?;
    assert_eq!(signoff::status(&on_phone), SignOffStatus::Void, "rule 10");
    assert!(
        on_phone
            .flags
            .iter()
            .any(|f| f.kind == FlagKind::SignOffVoid && f.resolution.is_none()),
        "the server flags the void signature: {:?}",
        on_phone.flags
    );
    let close = o.tech.apply(id, OrderOp::Close);
    assert!(close.is_err(), "a void signature does not close the order");
    assert_eq!(o.tech.order(id)?.state, OrderState::SignedOff);
    o.server.stop().await
}

#[tokio::test]
async fn a_reassessed_charge_blocks_repair_until_the_customer_consents_again() -> anyhow::Result<()>
{
    let (mut o, id) = office(1504).await?;
    o.tech.visit_until_plan_agreed(id)?;
    let photo = "e3".repeat(32);
    o.tech.apply(
        id,
        OrderOp::AddPhoto {
            hash: photo.clone(),
            caption: "liquid inside the control board".into(),
        },
    )?;
    o.tech.apply(
        id,
        OrderOp::ReassessCharge {
            id: RecordId::new_at(chrono::Utc::now()),
            customer_damage: true,
            evidence: Some(photo.clone()),
            note: "liquid damage, not the belt".into(),
        },
    )?;
    let step = |what: &str| OrderOp::AddRepairStep {
        id: RecordId::new_at(chrono::Utc::now()),
        description: what.into(),
        minutes: 20,
    };
    assert!(
        o.tech.apply(id, step("replaced the board")).is_err(),
        "no repair before the customer agrees to the new fee"
    );
    let report = o.tech.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    let at_office = o.desk.order(id)?;
    assert_eq!(at_office.state, OrderState::OnSite, "back to consent");
    assert!(at_office.consent.is_none());
    assert_eq!(at_office.charge_reassessments.len(), 1);
    assert_eq!(at_office.charge_reassessments[0].evidence, photo);
    assert!(at_office.charge_reassessments[0].voided_consent);

    let fee = Money::new(52_000, "CNY");
    o.tech.apply(
        id,
        OrderOp::RecordDiagnosis {
            cause: "liquid damage".into(),
            plan: "replace the control board".into(),
            parts: vec![],
            tools: "standard kit".into(),
            estimated_minutes: 60,
            estimated_fee: fee.clone(),
            risks: "none".into(),
            touches_data: false,
        },
    )?;
    o.tech.apply(
        id,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(fee.clone()),
            by_phone: false,
        },
    )?;
    o.tech.apply(id, step("replaced the board"))?;
    let report = o.tech.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    let at_office = o.desk.order(id)?;
    assert_eq!(at_office.state, OrderState::InRepair);
    assert_eq!(at_office.fee, fee, "the fee agreed again");
    o.server.stop().await
}

#[tokio::test]
async fn tech_support_answers_a_technicians_question_and_the_phone_shows_it_after_sync(
) -> anyhow::Result<()> {
    let (mut o, id) = office(1505).await?;
    let mut support = Device::sign_in(&o.server, o.dir.path(), "zhou.jie", Role::Support).await?;
    let comment = |text: &str| OrderOp::Comment {
        id: RecordId::new_at(chrono::Utc::now()),
        text: text.into(),
    };
    o.tech.apply(
        id,
        comment("E21 comes back after the belt change: what next?"),
    )?;
    o.tech.sync().await?;
    support.sync().await?;
    support.apply(
        id,
        comment("Check the motor brushes; order part BR-2 if worn."),
    )?;
    let report = support.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    o.desk
        .apply(id, comment("Customer prefers a call before 6 pm."))?;
    o.desk.sync().await?;
    o.tech.sync().await?;
    let on_phone = o.tech.order(id)?;
    let thread: Vec<_> = on_phone
        .comments
        .iter()
        .map(|c| (c.by.role, c.text.as_str()))
        .collect();
    assert_eq!(
        thread,
        vec![
            (
                Role::Technician,
                "E21 comes back after the belt change: what next?"
            ),
            (
                Role::Support,
                "Check the motor brushes; order part BR-2 if worn."
            ),
            (Role::Dispatcher, "Customer prefers a call before 6 pm."),
        ],
        "kept in order, with author and role"
    );
    assert_eq!(on_phone.comments[1].by.user, support.actor.user);
    assert!(on_phone.comments[0].at <= on_phone.comments[1].at);
    o.server.stop().await
}

/// A mail-in (寄修) or carry-in (送修) order created at intake and dispatched to the
/// workshop technician; both devices sync.
async fn workshop_order(
    o: &mut Office,
    seed: u128,
    mode: onsite_core::records::request::ServiceMode,
) -> anyhow::Result<OrderId> {
    let mut new = onsite_tests::devices::new_order(seed);
    new.mode = mode;
    let id = new.id;
    o.desk.create_order(new)?;
    o.desk.apply(
        id,
        OrderOp::Dispatch {
            assignee: o.tech.actor.user,
            window: None,
        },
    )?;
    o.desk.apply(
        id,
        OrderOp::LogContact {
            id: RecordId::new_at(chrono::Utc::now()),
            channel: onsite_core::records::order::ContactChannel::Phone,
            reached: true,
            note: "packing instructions sent by WeChat".into(),
        },
    )?;
    o.desk.sync().await?;
    o.tech.sync().await?;
    Ok(id)
}

/// The workshop technician's bench work once the product is in: diagnosis, then (after
/// the customer's consent, given by `consent`) a repair step and a passing test.
fn bench_diagnosis(tech: &mut Device, id: OrderId, fee: &Money) -> anyhow::Result<()> {
    tech.apply(
        id,
        OrderOp::RecordDiagnosis {
            cause: "belt cracked".into(),
            plan: "replace the belt".into(),
            parts: vec![],
            tools: "bench kit".into(),
            estimated_minutes: 40,
            estimated_fee: fee.clone(),
            risks: "none".into(),
            touches_data: false,
        },
    )?;
    Ok(())
}

#[tokio::test]
async fn a_mail_in_order_goes_from_intake_to_closed_with_the_tracking_number_at_the_office(
) -> anyhow::Result<()> {
    use onsite_core::records::request::ServiceMode;
    let (mut o, _) = office(1506).await?;
    let id = workshop_order(&mut o, 1507, ServiceMode::MailIn).await?;
    // At the workshop: the product arrives, photographed as it came.
    let photo = "f1".repeat(32);
    o.desk.apply(
        id,
        OrderOp::AddPhoto {
            hash: photo.clone(),
            caption: "on arrival".into(),
        },
    )?;
    o.desk.apply(
        id,
        OrderOp::Receive {
            condition: "box dented, product intact, power cord included".into(),
            photo: Some(photo.clone()),
            signature: None,
        },
    )?;
    // The fault confirmed with the customer by phone, the call logged first.
    let confirm = OrderOp::ConfirmFault {
        note: "E21, drum does not spin".into(),
    };
    assert!(
        o.desk.apply(id, confirm.clone()).is_err(),
        "no confirmation without the call"
    );
    o.desk.apply(
        id,
        OrderOp::LogContact {
            id: RecordId::new_at(chrono::Utc::now()),
            channel: onsite_core::records::order::ContactChannel::Phone,
            reached: true,
            note: "customer confirms E21 and the noise".into(),
        },
    )?;
    o.desk.apply(id, confirm)?;
    o.desk.sync().await?;
    o.tech.sync().await?;
    let fee = Money::new(28_000, "CNY");
    bench_diagnosis(&mut o.tech, id, &fee)?;
    o.tech.sync().await?;
    o.desk.sync().await?;
    // Plan and fee agreed by phone, recorded at the desk.
    o.desk.apply(
        id,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(fee.clone()),
            by_phone: true,
        },
    )?;
    o.desk.sync().await?;
    o.tech.sync().await?;
    o.tech.repair_and_test(id)?;
    o.tech.sync().await?;
    o.desk.sync().await?;
    let ship = OrderOp::ShipBack {
        carrier: "SF Express".into(),
        tracking: "SF1400987654".into(),
    };
    assert!(
        o.desk.apply(id, ship.clone()).is_err(),
        "chargeable: paid before it goes back"
    );
    o.desk.apply(
        id,
        OrderOp::RecordPayment {
            amount: fee.clone(),
            method: "WeChat Pay".into(),
            reference: "4200009876".into(),
        },
    )?;
    o.desk.apply(id, ship)?;
    o.desk.apply(id, OrderOp::Close)?;
    let report = o.desk.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    // The office copy on another device (the supervisor's) has it all.
    o.boss.sync().await?;
    let at_office = o.boss.order(id)?;
    assert_eq!(at_office.state, OrderState::Closed);
    assert_eq!(
        at_office.shipment.as_ref().map(|s| s.tracking.as_str()),
        Some("SF1400987654")
    );
    assert_eq!(
        at_office.receipt.as_ref().and_then(|r| r.photo.clone()),
        Some(photo)
    );
    assert!(at_office.consent.as_ref().is_some_and(|c| c.by_phone));
    assert_eq!(
        at_office.payment.as_ref().map(|p| p.amount.clone()),
        Some(fee)
    );
    o.tech.sync().await?;
    assert_eq!(o.tech.order(id)?.state, OrderState::Closed);
    o.server.stop().await
}

#[tokio::test]
async fn a_carry_in_order_is_received_and_picked_up_with_two_signatures() -> anyhow::Result<()> {
    use onsite_core::records::request::ServiceMode;
    use onsite_core::records::signature::SignatureCapture;
    let (mut o, _) = office(1508).await?;
    let id = workshop_order(&mut o, 1509, ServiceMode::CarryIn).await?;
    o.desk.apply(
        id,
        OrderOp::Receive {
            condition: "scratches on the lid".into(),
            photo: None,
            signature: Some(SignatureCapture {
                id: RecordId::new_at(chrono::Utc::now()),
                signer: "王芳".into(),
                signature_blob: "a7".repeat(32),
            }),
        },
    )?;
    o.desk.sync().await?;
    o.tech.sync().await?;
    let fee = Money::new(28_000, "CNY");
    o.tech.apply(
        id,
        OrderOp::ConfirmFault {
            note: "E21 at the counter".into(),
        },
    )?;
    bench_diagnosis(&mut o.tech, id, &fee)?;
    o.tech.apply(
        id,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(fee),
            by_phone: false,
        },
    )?;
    o.tech.repair_and_test(id)?;
    // Picked up: the customer signs for what was done.
    o.tech.sign_off(id)?;
    o.tech.apply(id, OrderOp::Close)?;
    let report = o.tech.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    let at_office = o.desk.order(id)?;
    assert_eq!(at_office.state, OrderState::Closed);
    let kept = signoff::record(&at_office);
    assert_eq!(
        kept.iter().map(|s| s.kind).collect::<Vec<_>>(),
        vec![SignatureKind::Receipt, SignatureKind::PickUp],
        "two signatures: on receipt and on pick-up"
    );
    assert_eq!(kept[0].signature_blob, "a7".repeat(32));
    assert_eq!(kept[0].captured_by, o.desk.actor.user);
    assert_eq!(kept[1].captured_by, o.tech.actor.user);
    o.server.stop().await
}

#[tokio::test]
async fn with_plan_approval_required_the_repair_cannot_start_before_a_supervisor_approves(
) -> anyhow::Result<()> {
    let (mut o, id) = office(1510).await?;
    let mut settings = o.boss.client.settings_history().await?.versions[0]
        .settings
        .clone();
    settings.plan_approval_required = true;
    settings.project_work = vec![onsite_core::records::request::Classification::Repair];
    o.boss.client.save_settings(&settings).await?;
    // The order was created under the earlier settings: a new one runs under these.
    let _ = id;
    o.desk.sync().await?;
    let id = dispatched(&mut o.desk, &mut o.tech, 1511).await?;
    assert!(
        o.tech.visit_until_plan_agreed(id).is_err(),
        "no consent (so no repair) before the plan is approved"
    );
    let waiting = o.tech.order(id)?;
    assert_eq!(waiting.state, OrderState::OnSite);
    let step = OrderOp::AddRepairStep {
        id: RecordId::new_at(chrono::Utc::now()),
        description: "replaced the belt".into(),
        minutes: 20,
    };
    assert!(
        o.tech.apply(id, step.clone()).is_err(),
        "repair can't start"
    );
    supervisor_does(
        &mut o,
        id,
        OrderOp::ApprovePlan {
            note: "project work: approved".into(),
        },
    )
    .await?;
    o.tech.apply(
        id,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(Money::new(28_000, "CNY")),
            by_phone: false,
        },
    )?;
    o.tech.apply(id, step)?;
    let report = o.tech.sync().await?;
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
    o.desk.sync().await?;
    assert_eq!(o.desk.order(id)?.state, OrderState::InRepair);
    o.server.stop().await
}
