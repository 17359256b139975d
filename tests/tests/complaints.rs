//! Complaints, follow-ups and returns against a real server: a complaint taken at intake
//! on the desk's commands, its clocks on the company calendar (weekend and a configured
//! holiday skipped), the server's review of complaint pushes (a dispatcher cannot close a
//! major complaint, a close without a satisfied customer is held), an unsatisfied
//! verdict handling the complaint again, the order follow-up clock met on the third
//! working day and flagged by the server when missed, and a return asked on day 8 after
//! delivery refused as outside the window.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use onsite_commands::complaints::{self, ComplaintDetail};
use onsite_commands::{intake, session, App, CommandError};
use onsite_core::doc::complaint::{
    CauseCategory, ComplaintDoc, ComplaintOp, ComplaintStatus, ComplaintStatusChange, Note,
    Severity,
};
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::{Intake, IntakeComplaint, IntakeCustomer, IntakeProduct};
use onsite_core::records::order::{ContactChannel, FlagKind};
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::returns::{Claim, ClaimKind, Ground, Refusal};
use onsite_core::role::Role;
use onsite_core::sla::{ClockKind, SlaStatus};
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
            category: CauseCategory::Timeliness,
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
    let day_7 = intake::check_return(&app, claim.clone());
    assert!(
        day_7.eligible,
        "day 7 is inside the window: {:?}",
        day_7.refusals
    );
    set(&clock, beijing(11, 9, 10));
    let day_8 = intake::check_return(&app, claim);
    assert!(!day_8.eligible);
    let last_day = NaiveDate::from_ymd_opt(2026, 11, 8).ok_or_else(|| anyhow::anyhow!("date"))?;
    assert_eq!(day_8.refusals, vec![Refusal::OutsideWindow { last_day }]);
    assert_eq!(day_8.refusals[0].code(), "errors.return.outside_window");
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
