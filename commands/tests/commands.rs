//! The command layer against a real device store signed in to a real `onsite-server` on
//! loopback: the order list's filters on an office device holding 2,000 orders, the
//! repeat-repair warranty at intake, one "today" for the warranty preview and the order,
//! and the page's answer of what the user may do and why not.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use onsite_commands::list::OrderQuery;
use onsite_commands::{intake, list, order, session, App, CommandError};
use onsite_core::doc::order::OrderOp;
use onsite_core::doc::TimeWindow;
use onsite_core::intake::{Intake, IntakeCustomer, IntakeProduct};
use onsite_core::lifecycle::OrderState;
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::role::Role;
use onsite_core::warranty::{ChargeBasis, WarrantyStatus};
use onsite_core::{fixtures, Ctx};
use onsite_device::Store;
use onsite_tests::devices::{Device, PASSWORD};
use onsite_tests::TestServer;

fn fail(err: CommandError) -> anyhow::Error {
    anyhow::anyhow!("{}: {} {:?}", err.code, err.message, err.details)
}

/// An app on its own store, signed in to `server` as a new `role` user `login`, reading
/// "now" from `clock`.
async fn office(
    server: &TestServer,
    dir: &std::path::Path,
    login: &str,
    role: Role,
    clock: Arc<Mutex<DateTime<Utc>>>,
) -> anyhow::Result<App> {
    server.add_user(login, login, role, PASSWORD)?;
    let store = Store::open(&dir.join(format!("{login}.db")))?;
    let app = App::new(store).with_clock(Arc::new(move || {
        *clock.lock().unwrap_or_else(|p| p.into_inner())
    }));
    session::sign_in(&app, &server.url(""), login, PASSWORD)
        .await
        .map_err(fail)?;
    Ok(app)
}

fn intake_for(serial: &str, purchase: Option<NaiveDate>) -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Repair,
        customer: IntakeCustomer {
            name: "张伟".into(),
            phone: "13800138001".into(),
            address: "北京市朝阳区建国路88号 3单元 1202".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "WM-8000".into(),
            serial: serial.into(),
            purchase_date: purchase,
            delivered_on: None,
        },
        fault_code: "E21".into(),
        description: "排水泵不转，报 E21".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}

#[tokio::test]
async fn list_filters_apply_before_the_limit_on_an_office_device_with_2000_orders(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let t0 = fixtures::t0();
    let clock = Arc::new(Mutex::new(t0 + Duration::days(41)));
    let app = office(&server, dir.path(), "desk", Role::Dispatcher, clock).await?;
    let actor = app.with_store(|s| app.actor(s)).map_err(fail)?;
    let rules = app.rules();
    let tech = fixtures::Cast::default().technician.user;
    let day = |d: i64, h: i64| t0 + Duration::days(d) + Duration::hours(h);
    // 1,970 orders booked early, 20 booked on day 30 (the day asked for, and due last
    // of the booked ones), and 10 nobody has taken yet, received on day 40.
    app.with_store(|store| {
        for i in 0..2000u128 {
            let mut new = fixtures::new_order(i + 1, ServiceMode::OnSite, None);
            let unassigned = i >= 1990;
            let at = if unassigned { day(40, 0) } else { t0 };
            new.request.received_at = at;
            let ctx = Ctx {
                now: at,
                ..app.ctx(actor, rules.settings(), &rules.calendar)
            };
            let id = new.id;
            store.create_order(new, &ctx)?;
            if unassigned {
                continue;
            }
            let start = if i >= 1970 {
                day(30, 2)
            } else {
                day(1 + (i % 10) as i64, 2)
            };
            let window = TimeWindow {
                start,
                end: start + Duration::hours(2),
            };
            store.apply_order(
                id,
                &OrderOp::Dispatch {
                    assignee: tech,
                    window: Some(window),
                },
                &ctx,
            )?;
        }
        Ok(())
    })
    .map_err(fail)?;

    let unassigned = list::list_orders(
        &app,
        &OrderQuery {
            unassigned: true,
            ..OrderQuery::default()
        },
    )
    .map_err(fail)?;
    assert_eq!(
        unassigned.len(),
        10,
        "the dispatch board sees every unassigned order, however many orders the device holds"
    );
    assert!(unassigned.iter().all(|o| o.assignee.is_none()));

    let (from, to) = rules
        .calendar
        .day_span(rules.calendar.local_date(day(30, 2)));
    let booked = list::list_orders(
        &app,
        &OrderQuery {
            from: Some(from),
            to: Some(to),
            ..OrderQuery::default()
        },
    )
    .map_err(fail)?;
    assert_eq!(booked.len(), 20, "the day's bookings are all there");

    let small = list::list_orders(
        &app,
        &OrderQuery {
            unassigned: true,
            limit: Some(3),
            ..OrderQuery::default()
        },
    )
    .map_err(fail)?;
    assert_eq!(small.len(), 3, "the limit still limits, after filtering");

    let staff = onsite_commands::reference::staff(&app, rules.calendar.local_date(day(30, 2)))
        .map_err(fail)?;
    // The technician of the fixtures is not on this server's staff list; nobody's load
    // may count orders of another day.
    assert!(staff
        .iter()
        .all(|s| s.load == 0 || s.id == tech.to_string()));
    server.stop().await
}

#[tokio::test]
async fn a_fault_back_within_the_repair_warranty_is_repaired_free() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let desk = office(&server, dir.path(), "desk", Role::Dispatcher, clock.clone()).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "tech", Role::Technician).await?;
    // Bought 2020: long out of product warranty, so the first repair is chargeable.
    let bought = NaiveDate::from_ymd_opt(2020, 5, 1);
    let first =
        intake::create_order(&desk, intake_for("WM8-REPEAT-1", bought), None).map_err(fail)?;
    assert_eq!(first.order.charge, ChargeBasis::OutOfWarranty);
    let id = first.order.id;
    order::order_op(
        &desk,
        &id.to_string(),
        OrderOp::Dispatch {
            assignee: tech.actor.user,
            window: None,
        },
    )
    .map_err(fail)?;
    session::sync_now(&desk).await.map_err(fail)?;
    tech.sync().await?;
    tech.visit_until_plan_agreed(id)?;
    tech.repair_and_test(id)?;
    tech.sign_off(id)?;
    tech.sync().await?;
    session::sync_now(&desk).await.map_err(fail)?;
    let signed = order::get_order(&desk, &id.to_string()).map_err(fail)?;
    assert_eq!(
        signed.order.state,
        OrderState::SignedOff,
        "the desk has the signed repair"
    );

    // The same fault on the same machine, a few days later.
    *clock.lock().unwrap_or_else(|p| p.into_inner()) = Utc::now() + Duration::days(5);
    let again =
        intake::create_order(&desk, intake_for("wm8-repeat-1", bought), None).map_err(fail)?;
    assert_eq!(
        again.order.charge,
        ChargeBasis::RepeatRepair,
        "the fault came back within the 90-day repair warranty: free"
    );
    assert_eq!(
        again.order.repeat_of,
        Some(id),
        "it names the earlier repair"
    );
    assert!(!again.chargeable);

    // Another machine of the same customer is not a repeat.
    let other =
        intake::create_order(&desk, intake_for("WM8-OTHER-2", bought), None).map_err(fail)?;
    assert_eq!(other.order.charge, ChargeBasis::OutOfWarranty);
    server.stop().await
}

#[tokio::test]
async fn the_preview_and_the_order_agree_on_today_between_0_and_8_in_beijing() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    // 01:00 on 2026-03-02 in Beijing is still 2026-03-01 in UTC.
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 17, 0, 0).single();
    let at = at.ok_or_else(|| anyhow::anyhow!("a valid instant"))?;
    let clock = Arc::new(Mutex::new(at));
    let desk = office(&server, dir.path(), "desk", Role::Dispatcher, clock.clone()).await?;
    // Bought 2023-03-02 with 3 years: covered through 2026-03-01.
    let bought = NaiveDate::from_ymd_opt(2023, 3, 2);
    for hour in [16, 17, 20, 23] {
        // 00:00 to 07:00 in Beijing on the anniversary.
        let now = Utc
            .with_ymd_and_hms(2026, 3, 1, hour, 0, 0)
            .single()
            .ok_or_else(|| anyhow::anyhow!("a valid instant"))?;
        *clock.lock().unwrap_or_else(|p| p.into_inner()) = now;
        let preview = intake::check_warranty(&desk, bought);
        let created =
            intake::create_order(&desk, intake_for("AC-ANNIV", bought), None).map_err(fail)?;
        assert_eq!(
            preview.warranty,
            WarrantyStatus::Expired {
                since: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
            },
            "at {now} it is already the anniversary in Beijing"
        );
        assert_eq!(
            preview.chargeable, created.chargeable,
            "preview and order agree at {now}"
        );
        assert_eq!(
            created.warranty, preview.warranty,
            "the order page says the same"
        );
        assert_eq!(created.order.charge, ChargeBasis::OutOfWarranty);
    }
    server.stop().await
}

#[tokio::test]
async fn the_order_page_says_what_the_role_may_do_and_why_not() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let desk = office(&server, dir.path(), "desk", Role::Dispatcher, clock).await?;
    let created = intake::create_order(&desk, intake_for("SN-OPS", None), None).map_err(fail)?;
    let id = created.order.id.to_string();
    let cancelled = order::order_op(
        &desk,
        &id,
        OrderOp::Cancel {
            reason: "客户已自行修好".into(),
        },
    )
    .map_err(fail)?;
    let close = cancelled
        .ops
        .iter()
        .find(|c| c.op == "close")
        .ok_or_else(|| anyhow::anyhow!("a dispatcher is asked about closing"))?;
    assert!(!close.allowed, "a cancelled order is not closed");
    let refusal = close
        .refusal
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("a refusal with its reason"))?;
    assert_eq!(refusal.code, "errors.order.not_allowed_in_state");
    assert_eq!(
        refusal.details.get("state").and_then(|v| v.as_str()),
        Some("cancelled")
    );
    assert_eq!(
        refusal.details.get("action").and_then(|v| v.as_str()),
        Some("close")
    );
    assert!(
        cancelled
            .ops
            .iter()
            .all(|c| c.op != "check_in" && c.op != "reopen"),
        "ops the role can never make are not offered"
    );
    // The refused edit itself carries the same details.
    let err = order::order_op(
        &desk,
        &id,
        OrderOp::Reopen {
            reason: "客户又来电".into(),
        },
    )
    .err()
    .ok_or_else(|| anyhow::anyhow!("a dispatcher may not reopen"))?;
    assert_eq!(err.code, "errors.order.role_not_permitted");
    assert_eq!(
        err.details.get("role").and_then(|v| v.as_str()),
        Some("dispatcher")
    );
    assert_eq!(
        err.details.get("action").and_then(|v| v.as_str()),
        Some("reopen")
    );
    server.stop().await
}

#[tokio::test]
async fn a_missing_intake_field_is_named() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(Mutex::new(Utc::now()));
    let desk = office(&server, dir.path(), "desk", Role::Dispatcher, clock).await?;
    let mut blank = intake_for("SN-BLANK", None);
    blank.customer.phone = " ".into();
    let err = intake::create_order(&desk, blank, None)
        .err()
        .ok_or_else(|| anyhow::anyhow!("a blank phone is refused"))?;
    assert_eq!(err.code, "errors.intake.missing_field");
    assert_eq!(
        err.details.get("field").and_then(|v| v.as_str()),
        Some("customer_phone")
    );
    server.stop().await
}
