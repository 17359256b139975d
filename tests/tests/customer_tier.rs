//! The customer's tier, set at the office, against a real server: a dispatcher sets a
//! customer's tier on the customer page (`onsite_commands::customers`), it is written on
//! every order of theirs and syncs, and another office device's follow-up queue then owes
//! the customer their periodic call by that tier (long-term: yearly, key: half-yearly); a
//! new order of the known customer starts with it. A technician's device writing a tier
//! is held in quarantine and put back; the dispatcher's own change merges.

use std::sync::{Arc, Mutex};

use automerge::AutoCommit;
use chrono::{DateTime, Duration, TimeZone, Utc};
use onsite_commands::follow_ups::{self, FollowUpKind};
use onsite_commands::{customers, intake, session, App};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::intake::{Intake, IntakeCustomer, IntakeProduct};
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::{Channel, Classification, CustomerTier, Priority, ServiceMode};
use onsite_core::role::{Actor, Role};
use onsite_core::{fixtures, ops, Calendar, Ctx, OrderId, RecordId, Settings, UserId};
use onsite_server::sync::protocol::{DocKind, PushResult};
use onsite_tests::desk::{fail, set, signed_in, Clock};
use onsite_tests::devices::{new_order, signed_off_before, Device, PASSWORD};
use onsite_tests::protocol_client::Client;
use onsite_tests::trust::tamper;
use onsite_tests::TestServer;

/// 2026-`m`-`d` at `h`:00 in Beijing.
fn beijing(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap() - Duration::hours(8)
}

/// The periodic calls in `app`'s queue, by order.
fn periodic(app: &App) -> anyhow::Result<Vec<(String, CustomerTier)>> {
    let q = follow_ups::follow_up_queue(app).map_err(fail)?;
    Ok(q.items
        .iter()
        .filter(|i| i.kind == FollowUpKind::Periodic)
        .map(|i| (i.order.clone(), i.tier))
        .collect())
}

fn repair_for(phone: &str) -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Repair,
        customer: IntakeCustomer {
            name: "王芳".into(),
            phone: phone.into(),
            address: "上海市浦东新区世纪大道100号".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "WM-8000".into(),
            serial: "SN-NEW-1".into(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: String::new(),
        description: "the door does not lock".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}

#[tokio::test]
async fn a_tier_set_by_a_dispatcher_syncs_and_queues_the_customers_periodic_follow_up(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock: Clock = Arc::new(Mutex::new(beijing(1, 10, 9)));
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    office.sync().await?;
    let desk = signed_in(
        &server,
        dir.path(),
        "zhao.min",
        Role::Dispatcher,
        clock.clone(),
    )
    .await?;
    let boss = signed_in(
        &server,
        dir.path(),
        "sun.li",
        Role::Supervisor,
        clock.clone(),
    )
    .await?;

    // Two orders of one regular customer, both closed in January and called back on 7
    // January: nothing is owed after closing, and a regular customer has no periodic call.
    let phone = "13800138000";
    let mut ids: Vec<OrderId> = Vec::new();
    for seed in [1, 2] {
        let mut new = new_order(seed);
        new.customer.phone = phone.into();
        let id =
            signed_off_before(&mut office, &mut tech, new, beijing(1, 4 + seed as u32, 10)).await?;
        office.at = Some(beijing(1, 4 + seed as u32, 10));
        office.apply(id, OrderOp::Close)?;
        office.at = Some(beijing(1, 7, 11));
        office.apply(
            id,
            OrderOp::FollowUp {
                id: RecordId::new_at(beijing(1, 7, 11)),
                channel: ContactChannel::Phone,
                score: Some(5),
                comment: String::new(),
            },
        )?;
        ids.push(id);
    }
    office.sync().await?;
    session::sync_now(&desk).await.map_err(fail)?;
    session::sync_now(&boss).await.map_err(fail)?;

    set(&clock, beijing(7, 8, 9));
    assert!(
        periodic(&boss)?.is_empty(),
        "a regular customer is not called"
    );

    // The dispatcher makes them long-term: a yearly call, not due in July.
    let page = customers::customer_history(&desk, phone).map_err(fail)?;
    assert_eq!(page.tier, CustomerTier::Regular);
    assert!(page.may_set_tier);
    assert_eq!(page.orders.len(), 2);
    let page = customers::set_customer_tier(&desk, phone, CustomerTier::LongTerm).map_err(fail)?;
    assert_eq!(page.tier, CustomerTier::LongTerm);
    let jan_7 = beijing(1, 7, 11).date_naive();
    assert_eq!(
        page.next_periodic,
        jan_7.checked_add_months(chrono::Months::new(12)),
        "a year after the last call"
    );
    session::sync_now(&desk).await.map_err(fail)?;
    session::sync_now(&boss).await.map_err(fail)?;
    assert!(
        periodic(&boss)?.is_empty(),
        "a long-term customer's yearly call is due in January 2027"
    );

    // Key account: half-yearly, due on 7 July, so owed on the 8th.
    customers::set_customer_tier(&desk, phone, CustomerTier::KeyAccount).map_err(fail)?;
    session::sync_now(&desk).await.map_err(fail)?;
    office.sync().await?;
    for id in &ids {
        assert_eq!(
            office.order(*id)?.customer.tier,
            CustomerTier::KeyAccount,
            "written on every order of the customer, and synced"
        );
    }
    session::sync_now(&boss).await.map_err(fail)?;
    let due = periodic(&boss)?;
    assert_eq!(due.len(), 1, "one call per customer: {due:?}");
    assert_eq!(due[0].1, CustomerTier::KeyAccount);
    assert!(ids.iter().any(|id| id.to_string() == due[0].0));
    let history = customers::customer_history(&boss, phone).map_err(fail)?;
    assert_eq!(
        history.tier,
        CustomerTier::KeyAccount,
        "the other desk sees it"
    );

    // A new order of the known customer starts with their tier, though intake did not
    // tick key account.
    let made = intake::create_order(&desk, repair_for("138 0013 8000"), None).map_err(fail)?;
    assert_eq!(made.order.customer.tier, CustomerTier::KeyAccount);
    let stranger = intake::create_order(&desk, repair_for("13911112222"), None).map_err(fail)?;
    assert_eq!(stranger.order.customer.tier, CustomerTier::Regular);
    Ok(())
}

fn ctx<'a>(actor: Actor, settings: &'a Settings, calendar: &'a Calendar) -> Ctx<'a> {
    Ctx {
        actor,
        now: Utc::now(),
        settings,
        calendar,
    }
}

#[tokio::test]
async fn a_technicians_device_changing_a_tier_is_held_and_put_back() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let actor = |login: &str, role| -> anyhow::Result<Actor> {
        let account = server.add_user(login, login, role, PASSWORD)?;
        Ok(Actor {
            user: UserId(account.id.parse()?),
            role,
        })
    };
    let dispatcher = actor("wang.fang", Role::Dispatcher)?;
    let tech = actor("li.wei", Role::Technician)?;
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let mut desk = Client::sign_in(&server.url(""), "wang.fang", PASSWORD).await?;
    let mut li = Client::sign_in(&server.url(""), "li.wei", PASSWORD).await?;

    // The dispatcher's order, dispatched to Li: his device holds it.
    let new = fixtures::new_order(5, ServiceMode::OnSite, None);
    let id = new.id.to_string();
    let c = ctx(dispatcher, &settings, &calendar);
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &OrderDoc::new(new, &c)?, &c)?;
    ops::apply(
        &mut doc,
        &OrderOp::Dispatch {
            assignee: tech.user,
            window: None,
        },
        &c,
    )?;
    desk.insert(id.clone(), DocKind::Order, doc);
    desk.sync().await?;
    li.sync().await?;

    // The app refuses him; a tampered one writes the tier anyway.
    let refused = ops::apply(
        li.doc(&id)?,
        &OrderOp::SetCustomerTier {
            tier: CustomerTier::KeyAccount,
        },
        &ctx(tech, &settings, &calendar),
    );
    assert!(refused.is_err(), "the app's own check refuses a technician");
    tamper(&mut li, &id, tech, "set_customer_tier", |order| {
        order.customer.tier = CustomerTier::KeyAccount;
        Ok(())
    })?;
    li.sync().await?;
    let held = li.last_results.iter().find_map(|r| match r {
        PushResult::Quarantined { code, .. } => Some(code.clone()),
        _ => None,
    });
    assert_eq!(held.as_deref(), Some("technician_may_not_change"));
    desk.sync().await?;
    let on_desk: OrderDoc = ops::hydrate(desk.doc(&id)?)?;
    assert_eq!(
        on_desk.customer.tier,
        CustomerTier::Regular,
        "the technician's tier never reaches the office"
    );
    li.sync().await?;
    let on_li: OrderDoc = ops::hydrate(li.doc(&id)?)?;
    assert_eq!(
        on_li.customer.tier,
        CustomerTier::Regular,
        "and is put back"
    );

    // The dispatcher's, the allowed path, merges.
    ops::apply(
        desk.doc(&id)?,
        &OrderOp::SetCustomerTier {
            tier: CustomerTier::LongTerm,
        },
        &ctx(dispatcher, &settings, &calendar),
    )?;
    desk.sync().await?;
    assert!(
        !desk.last_results.is_empty()
            && desk
                .last_results
                .iter()
                .all(|r| matches!(r, PushResult::Accepted { .. })),
        "{:?}",
        desk.last_results
    );
    li.sync().await?;
    let on_li: OrderDoc = ops::hydrate(li.doc(&id)?)?;
    assert_eq!(on_li.customer.tier, CustomerTier::LongTerm);
    server.stop().await
}
