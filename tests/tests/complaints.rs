//! Complaints, follow-ups and returns against a real server: a complaint taken at intake
//! on the desk's commands, its clocks on the company calendar (weekend and a configured
//! holiday skipped), the server's review of complaint pushes (a dispatcher cannot close a
//! major complaint, a close without a satisfied customer is held), an unsatisfied
//! verdict handling the complaint again, the order follow-up clock met on the third
//! working day and flagged by the server when missed, and a return asked on day 8 after
//! delivery refused as outside the window, and the refusal recorded on the order with
//! the agent and the reason. On the server: a complaint's SLA flags
//! (first contact breached when nobody called back, the resolution clock paused while
//! waiting for the customer's verdict, the timer's flag on a complaint nobody touches),
//! concurrent owners held for the supervisor who decides, a technician's close held, and
//! a sync that only sent a complaint telling the open page to read it again.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use onsite_commands::complaints::{self, ComplaintDetail};
use onsite_commands::{intake, session, App, CommandError};
use onsite_core::doc::complaint::{
    CauseCategory, ComplaintDoc, ComplaintOp, ComplaintStatus, ComplaintStatusChange, NewComplaint,
    Note, Severity,
};
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::{Intake, IntakeComplaint, IntakeCustomer, IntakeProduct};
use onsite_core::records::order::Flag;
use onsite_core::records::order::{ContactChannel, FlagKind};
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::returns::{Claim, ClaimKind, Ground, Refusal};
use onsite_core::role::Actor;
use onsite_core::role::Role;
use onsite_core::sla::{ClockKind, SlaStatus};
use onsite_core::{ComplaintId, Ctx};
use onsite_core::{OrderId, RecordId};
use onsite_device::DocKind;
use onsite_tests::desk::{fail, set, signed_in};
use onsite_tests::devices::{new_order, signed_off_before, Device};
use onsite_tests::TestServer;

/// 2026-`m`-`d` at `h`:00 in Beijing.
fn beijing(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap() - Duration::hours(8)
}

fn phoned_in(description: &str) -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Complaint,
        customer: IntakeCustomer {
            name: "王芳".into(),
            phone: "13800138000".into(),
            address: "北京市海淀区中关村大街1号".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "WM-8000".into(),
            serial: "SN-C-1".into(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: String::new(),
        description: description.into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}

fn complaint(severity: Severity) -> IntakeComplaint {
    IntakeComplaint {
        demand: "an apology and the call-out fee waived".into(),
        contact: String::new(),
        severity,
        order: None,
    }
}

fn clock_of(d: &ComplaintDetail, kind: ClockKind) -> Option<(DateTime<Utc>, SlaStatus)> {
    d.clocks.iter().find(|c| c.clock == kind).map(|c| {
        let status = match c.status {
            onsite_commands::list::SlaStatus::OnTrack => SlaStatus::Met,
            onsite_commands::list::SlaStatus::AtRisk => SlaStatus::AtRisk,
            onsite_commands::list::SlaStatus::Breached => SlaStatus::Breached,
            onsite_commands::list::SlaStatus::Paused => SlaStatus::Paused,
        };
        (c.deadline, status)
    })
}

fn step(app: &App, id: &str, op: ComplaintOp) -> anyhow::Result<ComplaintDetail> {
    complaints::complaint_op(app, id, op).map_err(fail)
}

/// First contact, cause, one measure done, resolved: waiting for the customer's verdict.
fn handle_until_resolved(app: &App, id: &str, owner: onsite_core::UserId) -> anyhow::Result<()> {
    step(
        app,
        id,
        ComplaintOp::FirstContact {
            id: RecordId::new_at(Utc::now()),
            note: "called back, apologised".into(),
        },
    )?;
    step(
        app,
        id,
        ComplaintOp::RecordCause {
            category: CauseCategory::Timeliness.into(),
            text: "the visit was booked on a full day".into(),
        },
    )?;
    let measure = RecordId::new_at(Utc::now());
    step(
        app,
        id,
        ComplaintOp::AgreeMeasure {
            id: measure,
            description: "waive the call-out fee".into(),
            owner,
            deadline: Utc::now() + Duration::days(1),
        },
    )?;
    step(app, id, ComplaintOp::CompleteMeasure { id: measure })?;
    step(app, id, ComplaintOp::Resolve)?;
    Ok(())
}

fn user_of(app: &App) -> anyhow::Result<onsite_core::UserId> {
    let me = session::app_status(app)
        .map_err(fail)?
        .user
        .ok_or_else(|| anyhow::anyhow!("signed in"))?;
    Ok(me.id.parse()?)
}

#[tokio::test]
async fn a_general_complaint_phoned_in_on_friday_afternoon_is_due_on_the_third_working_day_skipping_the_weekend_and_a_holiday(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let boss = Device::sign_in(&server, dir.path(), "chen.zhu", Role::Supervisor).await?;
    // Tuesday 1 December is a company holiday.
    boss.client
        .import_calendar("year 2026\nholiday 2026-12-01 公司假日\n")
        .await?;
    let clock = Arc::new(Mutex::new(beijing(11, 27, 15)));
    let app = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    session::sync_now(&app).await.map_err(fail)?;

    let made = complaints::create_complaint(
        &app,
        phoned_in("the technician came 3 hours late"),
        complaint(Severity::General),
    )
    .map_err(fail)?;
    assert_eq!(made.complaint.status, ComplaintStatus::Open);
    assert_eq!(
        clock_of(&made, ClockKind::ComplaintFirstContact).map(|c| c.0),
        Some(beijing(11, 27, 16)),
        "first contact within 1 hour"
    );
    // Friday 15:00 + 3 working days: Monday 30 Nov, (Tuesday the holiday), Wednesday 2
    // Dec, Thursday 3 Dec at 15:00.
    assert_eq!(
        clock_of(&made, ClockKind::ComplaintResolved).map(|c| c.0),
        Some(beijing(12, 3, 15)),
        "due on the third working day, the weekend and the holiday skipped"
    );
    // The complaint reached the office: a supervisor's desk lists it with the same clock.
    let boss_clock = Arc::new(Mutex::new(beijing(11, 27, 17)));
    let sup = signed_in(
        &server,
        dir.path(),
        "zhao.min",
        Role::Supervisor,
        boss_clock,
    )
    .await?;
    session::sync_now(&app).await.map_err(fail)?;
    session::sync_now(&sup).await.map_err(fail)?;
    let listed =
        complaints::list_complaints(&sup, complaints::ComplaintScope::Open).map_err(fail)?;
    assert_eq!(listed.len(), 1, "the supervisor's desk has the complaint");
    let first = listed[0]
        .clocks
        .iter()
        .find(|c| c.clock == ClockKind::ComplaintFirstContact)
        .map(|c| c.status);
    assert_eq!(
        first,
        Some(onsite_commands::list::SlaStatus::Breached),
        "nobody called back within the hour"
    );
    set(&clock, beijing(12, 3, 14));
    let late = complaints::get_complaint(&app, &made.complaint.id.to_string()).map_err(fail)?;
    assert_eq!(
        clock_of(&late, ClockKind::ComplaintResolved).map(|c| c.1),
        Some(SlaStatus::AtRisk),
        "an hour before the deadline it is at risk"
    );
    Ok(())
}

#[tokio::test]
async fn a_major_complaint_cannot_be_closed_by_a_dispatcher_and_the_server_holds_a_forced_close(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let sup = signed_in(
        &server,
        dir.path(),
        "chen.zhu",
        Role::Supervisor,
        clock.clone(),
    )
    .await?;
    let disp = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let made = complaints::create_complaint(
        &sup,
        phoned_in("the same fault for the third time"),
        complaint(Severity::Major),
    )
    .map_err(fail)?;
    let id = made.complaint.id.to_string();
    handle_until_resolved(&sup, &id, user_of(&sup)?)?;
    session::sync_now(&sup).await.map_err(fail)?;
    session::sync_now(&disp).await.map_err(fail)?;

    // The dispatcher's desk asks the rules and is told no.
    let page = complaints::get_complaint(&disp, &id).map_err(fail)?;
    assert_eq!(page.complaint.status, ComplaintStatus::Resolved);
    assert!(
        !page.allowed.contains(&"customer_verdict".to_string()),
        "the dispatcher is not offered the verdict: {:?}",
        page.allowed
    );
    let refused = complaints::complaint_op(
        &disp,
        &id,
        ComplaintOp::CustomerVerdict {
            id: RecordId::new_at(Utc::now()),
            satisfied: true,
            comment: "ok".into(),
        },
    );
    assert_eq!(
        refused.err().map(|e| e.code),
        Some("errors.complaint.major_needs_supervisor".to_string())
    );

    // A device that skips its rules writes the close straight into the document.
    let dispatcher = user_of(&disp)?;
    let role_actor = onsite_core::role::Actor {
        user: dispatcher,
        role: Role::Dispatcher,
    };
    disp.with_store(|store| {
        store
            .edit(DocKind::Complaint, &id, |doc| {
                let mut c: ComplaintDoc = autosurgeon::hydrate(doc)?;
                let now = Utc::now();
                c.updates.push(Note {
                    id: RecordId::new_at(now),
                    at: now,
                    by: dispatcher,
                    text: "closed".into(),
                    satisfied: Some(true),
                });
                c.history.push(ComplaintStatusChange {
                    id: RecordId::new_at(now),
                    at: now,
                    by: role_actor,
                    from: ComplaintStatus::Resolved,
                    to: ComplaintStatus::Closed,
                });
                c.status = ComplaintStatus::Closed;
                c.closed_at = Some(now);
                autosurgeon::reconcile(doc, &c).map_err(|e| anyhow::anyhow!("{e}"))
            })
            .map_err(CommandError::from)
    })
    .map_err(fail)?;
    session::sync_now(&disp).await.map_err(fail)?;
    let held = onsite_device::sync_client::held_changes(
        &disp.store.lock().unwrap_or_else(|p| p.into_inner()),
    )?;
    assert!(
        held.iter()
            .any(|h| h.doc_id == id && h.code == "major_needs_supervisor"),
        "the server held the dispatcher's close: {held:?}"
    );
    session::sync_now(&sup).await.map_err(fail)?;
    let office = complaints::get_complaint(&sup, &id).map_err(fail)?;
    assert_eq!(
        office.complaint.status,
        ComplaintStatus::Resolved,
        "the office copy is not closed"
    );
    // The supervisor closes it.
    step(
        &sup,
        &id,
        ComplaintOp::CustomerVerdict {
            id: RecordId::new_at(Utc::now()),
            satisfied: true,
            comment: "new unit delivered".into(),
        },
    )?;
    session::sync_now(&sup).await.map_err(fail)?;
    let held = onsite_device::sync_client::held_changes(
        &sup.store.lock().unwrap_or_else(|p| p.into_inner()),
    )?;
    assert!(
        held.is_empty(),
        "the supervisor's close is accepted: {held:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_complaint_the_customer_is_not_satisfied_with_is_handled_again_not_closed(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let app = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let made = complaints::create_complaint(
        &app,
        phoned_in("the fee was higher than quoted"),
        complaint(Severity::General),
    )
    .map_err(fail)?;
    let id = made.complaint.id.to_string();
    handle_until_resolved(&app, &id, user_of(&app)?)?;
    let again = step(
        &app,
        &id,
        ComplaintOp::CustomerVerdict {
            id: RecordId::new_at(Utc::now()),
            satisfied: false,
            comment: "the refund is not enough".into(),
        },
    )?;
    assert_eq!(
        again.complaint.status,
        ComplaintStatus::Contacted,
        "not satisfied: handled again"
    );
    assert!(again.complaint.closed_at.is_none());
    assert_eq!(
        clock_of(&again, ClockKind::ComplaintResolved).map(|c| c.1),
        Some(SlaStatus::Met),
        "the resolution clock runs again"
    );
    assert!(again.allowed.contains(&"agree_measure".to_string()));
    session::sync_now(&app).await.map_err(fail)?;
    let held = onsite_device::sync_client::held_changes(
        &app.store.lock().unwrap_or_else(|p| p.into_inner()),
    )?;
    assert!(held.is_empty(), "every step was the rules' own: {held:?}");
    let open = complaints::list_complaints(&app, complaints::ComplaintScope::Open).map_err(fail)?;
    assert_eq!(open.len(), 1, "it is still on the open list");
    Ok(())
}

#[tokio::test]
async fn a_complaint_about_an_order_is_listed_on_that_order() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let app = signed_in(&server, dir.path(), "wang.fang", Role::Dispatcher, clock).await?;
    let mut repair = phoned_in("drum does not turn");
    repair.classification = Classification::Repair;
    let order = intake::create_order(&app, repair, None).map_err(fail)?;
    let order_id: OrderId = order.order.id;
    let mut about = complaint(Severity::General);
    about.order = Some(order_id);
    let made =
        complaints::create_complaint(&app, phoned_in("nobody called"), about).map_err(fail)?;
    assert_eq!(
        made.order_number.as_deref(),
        Some(order.order.number.as_str())
    );
    let listed = complaints::order_complaints(&app, &order_id.to_string()).map_err(fail)?;
    assert_eq!(
        listed.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![made.complaint.id.to_string()]
    );
    Ok(())
}

#[tokio::test]
async fn intake_refuses_a_future_purchase_and_a_delivery_before_the_purchase() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(beijing(11, 27, 15)));
    let app = signed_in(&server, dir.path(), "wang.fang", Role::Dispatcher, clock).await?;
    let mut req = phoned_in("no power");
    req.classification = Classification::Repair;
    req.product.purchase_date = NaiveDate::from_ymd_opt(2026, 11, 28);
    let err = intake::create_order(&app, req.clone(), None).err();
    assert_eq!(
        err.as_ref().map(|e| e.code.as_str()),
        Some("errors.intake.date_in_future"),
        "bought tomorrow (company date) is refused, not taken as in warranty"
    );
    req.product.purchase_date = NaiveDate::from_ymd_opt(2026, 11, 20);
    req.product.delivered_on = NaiveDate::from_ymd_opt(2026, 11, 19);
    let err = intake::create_order(&app, req.clone(), None).err();
    assert_eq!(
        err.map(|e| e.code),
        Some("errors.intake.delivery_before_purchase".to_string())
    );
    req.product.delivered_on = NaiveDate::from_ymd_opt(2026, 11, 21);
    req.classification = Classification::Installation;
    req.fault_since = NaiveDate::from_ymd_opt(2026, 11, 26);
    req.external_damage = "corner of the lid dented".into();
    let made = intake::create_order(&app, req, None).map_err(fail)?;
    assert_eq!(
        made.order.request.classification,
        Classification::Installation
    );
    assert_eq!(
        made.order.request.fault_since,
        NaiveDate::from_ymd_opt(2026, 11, 26)
    );
    assert_eq!(
        made.order.request.external_damage,
        "corner of the lid dented"
    );
    assert_eq!(
        made.order.product.delivered_on,
        NaiveDate::from_ymd_opt(2026, 11, 21)
    );
    Ok(())
}

#[tokio::test]
async fn a_return_asked_on_day_8_after_delivery_is_refused_as_outside_the_return_window(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let delivered = NaiveDate::from_ymd_opt(2026, 11, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    let clock = Arc::new(Mutex::new(beijing(11, 8, 10)));
    let app = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    session::sync_now(&app).await.map_err(fail)?;
    let claim = Claim {
        kind: ClaimKind::Return,
        delivered_on: delivered,
        requested_on: delivered,
        grounds: vec![Ground::UnusedWithManufacturingDefect],
        complete: true,
        proof_of_purchase: true,
        man_made_damage: false,
        tampered_or_label_torn: false,
        force_majeure: false,
        no_defect_found: false,
    };
    let unit = intake::ClaimUnit::default();
    let day_7 = intake::check_return(&app, claim.clone(), &unit).map_err(fail)?;
    assert!(
        day_7.eligible,
        "day 7 is inside the window: {:?}",
        day_7.refusals
    );
    set(&clock, beijing(11, 9, 10));
    let day_8 = intake::check_return(&app, claim.clone(), &unit).map_err(fail)?;
    assert!(!day_8.eligible);
    let last_day = NaiveDate::from_ymd_opt(2026, 11, 8).ok_or_else(|| anyhow::anyhow!("date"))?;
    assert_eq!(day_8.refusals, vec![Refusal::OutsideWindow { last_day }]);
    assert_eq!(day_8.refusals[0].code(), "errors.return.outside_window");

    // The agent takes the request in on day 8 and decides: the rules' refusal stops a
    // grant, and the refusal is recorded on the order with the agent and the reason.
    let mut asked = phoned_in("wants the money back, the drum is noisy");
    asked.classification = Classification::ReturnExchange;
    asked.product.purchase_date = Some(delivered);
    asked.product.delivered_on = Some(delivered);
    let order = intake::create_order(&app, asked, None).map_err(fail)?.order;
    let decide = |granted: bool, reason: &str| OrderOp::DecideReturn {
        id: RecordId::new_at(Utc::now()),
        claim: claim.clone(),
        granted,
        reason: reason.into(),
    };
    let id = order.id.to_string();
    let grant = onsite_commands::order::order_op(&app, &id, decide(true, "customer insists"));
    assert_eq!(
        grant.err().map(|e| e.code),
        Some("errors.order.return_not_eligible".to_string())
    );
    let refused = onsite_commands::order::order_op(
        &app,
        &id,
        decide(false, "delivered 1 November, asked on the 9th"),
    )
    .map_err(fail)?
    .order;
    session::sync_now(&app).await.map_err(fail)?;
    let held = onsite_device::sync_client::held_changes(
        &app.store.lock().unwrap_or_else(|p| p.into_inner()),
    )?;
    assert!(
        held.is_empty(),
        "the dispatcher's refusal is accepted: {held:?}"
    );
    // The supervisor's desk receives it as recorded.
    let boss = signed_in(
        &server,
        dir.path(),
        "zhao.min",
        Role::Supervisor,
        clock.clone(),
    )
    .await?;
    session::sync_now(&boss).await.map_err(fail)?;
    let at_boss = onsite_commands::order::get_order(&boss, &id)
        .map_err(fail)?
        .order;
    let d = at_boss
        .return_decision()
        .ok_or_else(|| anyhow::anyhow!("no decision"))?;
    assert_eq!(Some(d), refused.return_decision());
    assert!(!d.granted);
    assert_eq!(d.kind, ClaimKind::Return);
    assert_eq!(d.refusals, vec!["outside_window".to_string()]);
    assert_eq!(d.last_day, Some(last_day));
    assert_eq!((d.by, d.role), (user_of(&app)?, Role::Dispatcher));
    assert_eq!(d.reason, "delivered 1 November, asked on the 9th");
    assert_eq!(d.at, beijing(11, 9, 10));
    Ok(())
}

#[tokio::test]
async fn a_follow_up_on_the_third_working_day_stops_the_clock_and_a_missed_one_is_flagged(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    office.sync().await?;
    // Closed on Monday 16 November at 10:00: the follow-up is due within 3 working days,
    // by Thursday 19 November at 10:00.
    let called =
        signed_off_before(&mut office, &mut tech, new_order(1), beijing(11, 16, 10)).await?;
    let missed =
        signed_off_before(&mut office, &mut tech, new_order(2), beijing(11, 16, 10)).await?;
    // Closed and followed up offline, synced together: the server judges the follow-up
    // clock with the follow-up already recorded, as when the desk was online on the day.
    office.at = Some(beijing(11, 16, 10));
    office.apply(called, OrderOp::Close)?;
    office.apply(missed, OrderOp::Close)?;
    office.at = Some(beijing(11, 19, 9));
    office.apply(
        called,
        OrderOp::FollowUp {
            id: RecordId::new_at(beijing(11, 19, 9)),
            channel: ContactChannel::Phone,
            score: Some(5),
            comment: "all good".into(),
        },
    )?;
    office.at = None;
    office.sync().await?;
    office.sync().await?;
    let breached = |o: &onsite_core::OrderDoc| {
        o.flags.iter().any(|f| {
            f.kind == FlagKind::SlaBreached && f.subject == "follow_up" && f.resolution.is_none()
        })
    };
    let called_doc = office.order(called)?;
    assert!(
        !breached(&called_doc),
        "followed up in time: {:?}",
        called_doc.flags
    );
    let missed_doc = office.order(missed)?;
    assert!(
        breached(&missed_doc),
        "the server flags the missed follow-up: {:?}",
        missed_doc.flags
    );
    Ok(())
}

/// The open flags of `kind` on clock or field `subject`.
fn open<'a>(c: &'a ComplaintDoc, kind: FlagKind, subject: &str) -> Vec<&'a Flag> {
    c.flags
        .iter()
        .filter(|f| f.kind == kind && f.subject == subject && f.is_open())
        .collect()
}

fn page(app: &App, id: &str) -> anyhow::Result<ComplaintDetail> {
    complaints::get_complaint(app, id).map_err(fail)
}

#[tokio::test]
async fn a_complaint_nobody_called_back_carries_the_servers_first_contact_breach_after_sync(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now() - Duration::hours(2)));
    let desk = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    session::sync_now(&desk).await.map_err(fail)?;
    let ignored = complaints::create_complaint(
        &desk,
        phoned_in("nobody came"),
        complaint(Severity::General),
    )
    .map_err(fail)?
    .complaint
    .id
    .to_string();
    let called =
        complaints::create_complaint(&desk, phoned_in("came late"), complaint(Severity::General))
            .map_err(fail)?
            .complaint
            .id
            .to_string();
    set(
        &clock,
        Utc::now() - Duration::hours(2) + Duration::minutes(20),
    );
    step(
        &desk,
        &called,
        ComplaintOp::FirstContact {
            id: RecordId::new_at(Utc::now()),
            note: "called back within the hour".into(),
        },
    )?;
    set(&clock, Utc::now());
    session::sync_now(&desk).await.map_err(fail)?;

    let ignored = page(&desk, &ignored)?.complaint;
    let breach = open(&ignored, FlagKind::SlaBreached, "complaint_first_contact");
    assert_eq!(
        breach.len(),
        1,
        "the server flagged it: {:?}",
        ignored.flags
    );
    assert_eq!(breach[0].for_role, Role::Supervisor);
    let called = page(&desk, &called)?.complaint;
    assert!(
        called.flags.is_empty(),
        "called back in time, nothing to flag: {:?}",
        called.flags
    );
    // Idempotent: another round raises nothing more.
    session::sync_now(&desk).await.map_err(fail)?;
    let again = page(&desk, &ignored.id.to_string())?.complaint;
    assert_eq!(again.flags.len(), ignored.flags.len());
    Ok(())
}

#[tokio::test]
async fn a_complaint_waiting_for_the_customers_verdict_has_its_resolution_clock_paused_on_the_server(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    // Received 12 days ago: 3 working days are long gone, whatever the weekdays.
    let received = Utc::now() - Duration::days(12);
    let clock = Arc::new(Mutex::new(received));
    let desk = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let me = user_of(&desk)?;
    let mut ids = Vec::new();
    for what in ["waiting for the customer", "left open"] {
        let id = complaints::create_complaint(&desk, phoned_in(what), complaint(Severity::General))
            .map_err(fail)?
            .complaint
            .id
            .to_string();
        set(&clock, received + Duration::minutes(10));
        step(
            &desk,
            &id,
            ComplaintOp::FirstContact {
                id: RecordId::new_at(Utc::now()),
                note: "called".into(),
            },
        )?;
        step(
            &desk,
            &id,
            ComplaintOp::RecordCause {
                category: CauseCategory::Timeliness.into(),
                text: "booked on a full day".into(),
            },
        )?;
        ids.push(id);
        set(&clock, received);
    }
    // The first is handled the same day and waits for the customer's verdict since.
    set(&clock, received + Duration::hours(2));
    let measure = RecordId::new_at(Utc::now());
    step(
        &desk,
        &ids[0],
        ComplaintOp::AgreeMeasure {
            id: measure,
            description: "waive the call-out fee".into(),
            owner: me,
            deadline: received + Duration::days(1),
        },
    )?;
    step(&desk, &ids[0], ComplaintOp::CompleteMeasure { id: measure })?;
    step(&desk, &ids[0], ComplaintOp::Resolve)?;
    set(&clock, Utc::now());
    session::sync_now(&desk).await.map_err(fail)?;

    let waiting = page(&desk, &ids[0])?;
    assert_eq!(waiting.complaint.status, ComplaintStatus::Resolved);
    assert!(
        waiting.complaint.flags.is_empty(),
        "paused while waiting for the customer: no breach, no risk: {:?}",
        waiting.complaint.flags
    );
    let left = page(&desk, &ids[1])?.complaint;
    assert_eq!(
        open(&left, FlagKind::SlaBreached, "complaint_resolved").len(),
        1,
        "the one nobody resolved is breached: {:?}",
        left.flags
    );
    Ok(())
}

#[tokio::test]
async fn the_sla_timer_flags_a_complaint_nobody_touches() -> anyhow::Result<()> {
    let server = TestServer::start_with_sla_timer(std::time::Duration::from_millis(200)).await?;
    let dir = tempfile::tempdir()?;
    // Received 59 min 56 s ago: at risk when pushed, breached 4 s later.
    let clock = Arc::new(Mutex::new(
        Utc::now() - Duration::hours(1) + Duration::seconds(4),
    ));
    let desk = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let id = complaints::create_complaint(
        &desk,
        phoned_in("nobody came"),
        complaint(Severity::General),
    )
    .map_err(fail)?
    .complaint
    .id
    .to_string();
    set(&clock, Utc::now());
    session::sync_now(&desk).await.map_err(fail)?;
    let pushed = page(&desk, &id)?.complaint;
    assert!(
        open(&pushed, FlagKind::SlaBreached, "complaint_first_contact").is_empty(),
        "not breached yet when pushed: {:?}",
        pushed.flags
    );
    let client = desk
        .with_store(|s| {
            onsite_device::sync_client::SyncClient::from_store(s).map_err(CommandError::from)
        })
        .map_err(fail)?
        .ok_or_else(|| anyhow::anyhow!("signed in"))?;
    let breached = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let (cursor, reference) = desk
                .with_store(|s| {
                    Ok((
                        onsite_device::sync_client::cursor(s)?,
                        onsite_device::sync_client::reference_etag(s)?,
                    ))
                })
                .map_err(fail)?;
            client.wait(cursor, reference.as_deref(), 10).await?;
            session::sync_now(&desk).await.map_err(fail)?;
            let c = page(&desk, &id)?.complaint;
            if let Some(f) = open(&c, FlagKind::SlaBreached, "complaint_first_contact").first() {
                return anyhow::Ok(((*f).clone(), c));
            }
        }
    })
    .await??;
    assert_eq!(breached.0.for_role, Role::Supervisor);
    assert!(
        breached
            .1
            .flags
            .iter()
            .filter(|f| f.kind == FlagKind::SlaAtRisk)
            .all(|f| !f.is_open()),
        "the at-risk warning is withdrawn once breached: {:?}",
        breached.1.flags
    );
    Ok(())
}

#[tokio::test]
async fn two_desks_setting_a_complaints_owner_at_once_are_held_for_the_supervisor_who_decides(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let a = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let b = signed_in(
        &server,
        dir.path(),
        "liu.yang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let boss = signed_in(
        &server,
        dir.path(),
        "chen.zhu",
        Role::Supervisor,
        clock.clone(),
    )
    .await?;
    let id = complaints::create_complaint(&a, phoned_in("came late"), complaint(Severity::General))
        .map_err(fail)?
        .complaint
        .id
        .to_string();
    session::sync_now(&a).await.map_err(fail)?;
    session::sync_now(&b).await.map_err(fail)?;
    let (ua, ub) = (user_of(&a)?, user_of(&b)?);
    // Both desks take it on at once, offline from each other.
    step(&a, &id, ComplaintOp::Assign { owner: ua })?;
    step(&b, &id, ComplaintOp::Assign { owner: ub })?;
    session::sync_now(&a).await.map_err(fail)?;
    session::sync_now(&b).await.map_err(fail)?;
    session::sync_now(&boss).await.map_err(fail)?;
    session::sync_now(&a).await.map_err(fail)?;

    let held = complaints::complaint_conflicts(&boss).map_err(fail)?;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        (held[0].id.as_str(), held[0].field.as_str()),
        (id.as_str(), "owner")
    );
    let at_boss = page(&boss, &id)?;
    let conflict = at_boss
        .conflicts
        .iter()
        .find(|c| c.field == "owner")
        .ok_or_else(|| anyhow::anyhow!("the owner conflict: {:?}", at_boss.conflicts))?;
    let keep = serde_json::to_string(&ub)?;
    assert!(conflict.choices.contains(&keep), "{:?}", conflict.choices);
    assert!(at_boss.resolvable_flags.contains(&held[0].flag_id));
    let at_a = page(&a, &id)?;
    assert!(
        !at_a.resolvable_flags.contains(&held[0].flag_id),
        "a dispatcher does not decide a conflict"
    );
    let flag_id: RecordId = held[0].flag_id.parse()?;
    let refused = complaints::complaint_op(
        &a,
        &id,
        ComplaintOp::ResolveFlag {
            id: flag_id,
            note: "mine".into(),
            choice: Some(serde_json::to_string(&ua)?),
        },
    );
    assert_eq!(
        refused.err().map(|e| e.code),
        Some("errors.flag.not_allowed".to_string())
    );

    let decided = step(
        &boss,
        &id,
        ComplaintOp::ResolveFlag {
            id: flag_id,
            note: "Liu knows the customer".into(),
            choice: Some(keep),
        },
    )?;
    assert_eq!(decided.complaint.owner, Some(ub));
    session::sync_now(&boss).await.map_err(fail)?;
    session::sync_now(&a).await.map_err(fail)?;
    session::sync_now(&b).await.map_err(fail)?;
    for desk in [&a, &b, &boss] {
        let c = page(desk, &id)?;
        assert_eq!(c.complaint.owner, Some(ub), "one owner everywhere");
        assert!(
            c.conflicts.is_empty(),
            "the conflict is gone: {:?}",
            c.conflicts
        );
        assert!(open(&c.complaint, FlagKind::Conflict, "owner").is_empty());
    }
    assert!(complaints::complaint_conflicts(&boss)
        .map_err(fail)?
        .is_empty());
    let held = onsite_device::sync_client::held_changes(
        &boss.store.lock().unwrap_or_else(|p| p.into_inner()),
    )?;
    assert!(held.is_empty(), "the decision was accepted: {held:?}");
    Ok(())
}

#[tokio::test]
async fn a_technician_writing_a_closed_complaint_is_held_and_the_office_copy_stays_open(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let desk = signed_in(
        &server,
        dir.path(),
        "wang.fang",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let tech = signed_in(
        &server,
        dir.path(),
        "li.wei",
        Role::Technician,
        clock.clone(),
    )
    .await?;
    let made =
        complaints::create_complaint(&desk, phoned_in("came late"), complaint(Severity::General))
            .map_err(fail)?
            .complaint;
    session::sync_now(&desk).await.map_err(fail)?;
    // A technician's device that skips its rules writes the complaint closed, under the
    // office complaint's id (it never received it: complaints are office documents).
    let tech_user = user_of(&tech)?;
    let now: DateTime<Utc> = Utc::now();
    tech.with_store(|store| {
        let rules = onsite_core::CompanyRules::default();
        let ctx = Ctx {
            actor: Actor {
                user: tech_user,
                role: Role::Dispatcher,
            },
            now,
            settings: rules.settings(),
            calendar: &rules.calendar,
        };
        store.create_complaint(
            NewComplaint {
                id: ComplaintId(made.id.0),
                number: made.number.clone(),
                complainant: made.complainant.clone(),
                phone: made.phone.clone(),
                contact: String::new(),
                content: made.content.clone(),
                demand: made.demand.clone(),
                order: None,
                severity: Severity::General,
            },
            &ctx,
        )?;
        store
            .edit(DocKind::Complaint, &made.id.to_string(), |doc| {
                let mut c: ComplaintDoc = autosurgeon::hydrate(doc)?;
                c.status = ComplaintStatus::Closed;
                c.closed_at = Some(now);
                autosurgeon::reconcile(doc, &c).map_err(|e| anyhow::anyhow!("{e}"))
            })
            .map_err(CommandError::from)
    })
    .map_err(fail)?;
    session::sync_now(&tech).await.map_err(fail)?;
    let held = onsite_device::sync_client::held_changes(
        &tech.store.lock().unwrap_or_else(|p| p.into_inner()),
    )?;
    assert!(
        held.iter()
            .any(|h| h.doc_id == made.id.to_string() && h.code == "not_assigned"),
        "the server held the technician's close: {held:?}"
    );
    session::sync_now(&desk).await.map_err(fail)?;
    let office = page(&desk, &made.id.to_string())?.complaint;
    assert_eq!(
        office.status,
        ComplaintStatus::Open,
        "not closed at the office"
    );
    assert_eq!(office.closed_at, None);
    Ok(())
}

#[tokio::test]
async fn a_sync_that_only_sent_a_complaint_tells_the_open_page_to_read_it_again(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let desk = signed_in(&server, dir.path(), "wang.fang", Role::Dispatcher, clock).await?;
    session::sync_now(&desk).await.map_err(fail)?;
    let made =
        complaints::create_complaint(&desk, phoned_in("came late"), complaint(Severity::General))
            .map_err(fail)?;
    assert!(made.unsent, "not sent yet");
    let before = desk.sync.data_version();
    let status = session::sync_now(&desk).await.map_err(fail)?;
    assert_eq!(status.unsent, 0, "the status line says everything is sent");
    // The page reloads when the data version moves; a round that only sent something
    // used to leave it as it was, so the page kept saying "not yet sent".
    assert!(
        desk.sync.data_version() > before,
        "the round that sent the complaint moves the data version"
    );
    assert!(!page(&desk, &made.complaint.id.to_string())?.unsent);
    Ok(())
}
