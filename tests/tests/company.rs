//! The company's own rules end to end, against a real server: a supervisor's calendar
//! and settings reach the devices in their reference data and move the clocks on the
//! server and on a device alike; an order keeps the settings it was created under; a
//! device's clock offset corrects what it recorded offline; the server's SLA timer flags
//! an order nobody touches; a closed order followed up in time shows no breach.

use chrono::{DateTime, Duration, TimeZone, Utc};
use onsite_core::doc::order::OrderOp;
use onsite_core::records::order::{ContactChannel, Flag, FlagKind, FlagParams};
use onsite_core::role::{Actor, Role};
use onsite_core::settings::SlaSpan;
use onsite_core::sla::{self, ClockKind, SlaStatus};
use onsite_core::{ops, Ctx, OrderDoc, OrderId, RecordId, UserId};
use onsite_tests::devices::{new_order, Device, PASSWORD};
use onsite_tests::{protocol_client, TestServer};

/// Now, to the millisecond the documents keep.
fn now_ms() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

/// A company-local (Beijing) wall time.
fn beijing(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap() - Duration::hours(8)
}

fn flags<'a>(order: &'a OrderDoc, kind: FlagKind, subject: &str) -> Vec<&'a Flag> {
    order
        .flags
        .iter()
        .filter(|f| f.kind == kind && f.subject == subject)
        .collect()
}

fn clock(order: &OrderDoc, device: &Device, kind: ClockKind) -> Option<sla::ClockState> {
    let rules = device.rules();
    let settings = &rules.for_order_doc(order).settings;
    sla::evaluate_order(order, settings, &rules.calendar, Utc::now())
        .into_iter()
        .find(|c| c.kind == kind)
}

/// The office creates an order received at `received` and dispatches it to `tech` then;
/// both devices sync.
async fn dispatched_at(
    office: &mut Device,
    tech: &mut Device,
    seed: u128,
    received: DateTime<Utc>,
) -> anyhow::Result<OrderId> {
    let mut new = new_order(seed);
    new.request.received_at = received;
    let id = new.id;
    office.at = Some(received);
    office.create_order(new)?;
    office.apply(
        id,
        OrderOp::Dispatch {
            assignee: tech.actor.user,
            window: None,
        },
    )?;
    office.at = None;
    office.sync().await?;
    tech.sync().await?;
    Ok(id)
}

/// The technician does the whole visit and the customer signs at `signed`, all on
/// time; the technician syncs.
async fn signed_off_at(
    office: &mut Device,
    tech: &mut Device,
    seed: u128,
    signed: DateTime<Utc>,
) -> anyhow::Result<OrderId> {
    let id = dispatched_at(office, tech, seed, signed - Duration::hours(5)).await?;
    tech.at = Some(signed - Duration::hours(4));
    tech.visit_until_plan_agreed(id)?;
    tech.at = Some(signed - Duration::hours(1));
    tech.repair_and_test(id)?;
    tech.at = Some(signed);
    tech.sign_off(id)?;
    tech.at = None;
    tech.sync().await?;
    Ok(id)
}

#[tokio::test]
async fn an_imported_calendar_moves_the_record_deadline_on_the_server_and_on_a_device(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let boss = Device::sign_in(&server, dir.path(), "chen.zhu", Role::Supervisor).await?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    // Wednesday 25 Nov off, Saturday 28 Nov worked (调休).
    boss.client
        .import_calendar("year 2026\nholiday 2026-11-25 公司假日\nworkday 2026-11-28 调休\n")
        .await?;
    office.sync().await?;
    tech.sync().await?;

    // Signed off on Tuesday at 10:00: Wednesday is skipped, so the 2 working days are
    // Thursday and Friday (not Wednesday and Thursday).
    let tue = signed_off_at(&mut office, &mut tech, 1, beijing(11, 24, 10)).await?;
    // Signed off on Thursday at 10:00: Friday and the make-up Saturday (not Monday).
    let thu = signed_off_at(&mut office, &mut tech, 2, beijing(11, 26, 10)).await?;
    office.sync().await?;

    for (id, due) in [(tue, beijing(11, 27, 10)), (thu, beijing(11, 28, 10))] {
        let order = office.order(id)?;
        // The server: the record was never entered, so the clock is breached at its
        // deadline on the imported calendar.
        let breach = flags(&order, FlagKind::SlaBreached, "record_entry");
        assert_eq!(breach.len(), 1, "{:?}", order.flags);
        // Flags carry their deadline as a parameter, worded by the UI.
        let deadline = breach[0].params.iter().find_map(|p| match p {
            FlagParams::SlaClock { deadline, .. } => Some(*deadline),
            _ => None,
        });
        assert_eq!(
            deadline,
            Some(due),
            "the server's deadline: {:?}",
            breach[0]
        );
        // A device, with the calendar from its reference data.
        let on_device = clock(&tech.order(id)?, &tech, ClockKind::RecordEntry);
        assert_eq!(on_device.map(|c| c.deadline), Some(due));
    }
    Ok(())
}

#[tokio::test]
async fn a_shorter_contact_clock_applies_to_new_orders_and_leaves_earlier_ones_alone(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let boss = Device::sign_in(&server, dir.path(), "chen.zhu", Role::Supervisor).await?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    let dispatched = now_ms() - Duration::hours(13);

    // Received two days ago and dispatched 13 h ago, under the regulation's 24 h.
    let earlier = dispatched_at(&mut office, &mut tech, 1, dispatched).await?;

    let mut settings = boss.client.settings_history().await?.versions[0]
        .settings
        .clone();
    settings.sla.contact_after_dispatch = SlaSpan::hours(12);
    let v2 = boss.client.save_settings(&settings).await?;
    assert_eq!((v2.version, v2.by_name.as_str()), (2, "chen.zhu"));
    office.sync().await?;
    assert_eq!(
        office.rules().current().version,
        2,
        "the new version reached the desk"
    );

    // The same times, created after the change.
    let later = dispatched_at(&mut office, &mut tech, 2, dispatched).await?;
    office.sync().await?;

    let (e, l) = (office.order(earlier)?, office.order(later)?);
    assert_eq!((e.settings_version, l.settings_version), (Some(1), Some(2)));
    // The server: 13 h without contact breaks the 12 h clock only.
    assert!(flags(&e, FlagKind::SlaBreached, "contact_after_dispatch").is_empty());
    assert_eq!(
        flags(&l, FlagKind::SlaBreached, "contact_after_dispatch").len(),
        1
    );
    // The device agrees.
    let deadline = |o: &OrderDoc| clock(o, &office, ClockKind::ContactAfterDispatch);
    assert_eq!(
        deadline(&e).map(|c| (c.deadline, c.status)),
        Some((dispatched + Duration::hours(24), SlaStatus::Met))
    );
    assert_eq!(
        deadline(&l).map(|c| (c.deadline, c.status)),
        Some((dispatched + Duration::hours(12), SlaStatus::Breached))
    );
    Ok(())
}

#[tokio::test]
async fn a_device_three_days_fast_is_not_counted_late_for_what_it_recorded_offline(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let account = server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    let li = Actor {
        user: UserId(account.id.parse()?),
        role: Role::Technician,
    };
    let mut phone = protocol_client::Client::sign_in(&server.url(""), "li.wei", PASSWORD).await?;
    let skew = Duration::days(3);
    phone.clock_skew = skew;

    let received = now_ms() - Duration::hours(1);
    let mut new = new_order(1);
    new.request.received_at = received;
    let id = new.id;
    office.at = Some(received);
    office.create_order(new)?;
    office.apply(
        id,
        OrderOp::Dispatch {
            assignee: li.user,
            window: None,
        },
    )?;
    office.at = None;
    office.sync().await?;
    phone.sync().await?;

    // On site half an hour later, offline, on a phone whose clock reads 3 days ahead.
    let recorded = now_ms() + skew;
    let rules = office.rules();
    let ctx = Ctx {
        actor: li,
        now: recorded,
        settings: rules.settings(),
        calendar: &rules.calendar,
    };
    let doc = phone.doc(&id.to_string())?;
    for op in [
        OrderOp::LogContact {
            id: RecordId::new_at(recorded),
            channel: ContactChannel::Phone,
            reached: true,
            note: "on the way".into(),
        },
        OrderOp::CheckIn {
            visit: RecordId::new_at(recorded),
        },
    ] {
        ops::apply(doc, &op, &ctx)?;
    }
    phone.sync().await?;
    office.sync().await?;

    let order = office.order(id)?;
    assert_eq!(
        order.visits[0].checked_in_at, recorded,
        "the check-in keeps the time the phone recorded"
    );
    let mut noted: Vec<&str> = order
        .clock_offsets
        .iter()
        .map(|o| o.record.split('/').next().unwrap_or(""))
        .collect();
    noted.sort();
    assert_eq!(
        noted,
        ["contact", "history", "history", "visit"],
        "the contact, the check-in and the two state moves they made"
    );
    for o in &order.clock_offsets {
        assert!(
            (o.offset_ms + skew.num_milliseconds()).abs() < 60_000,
            "the offset is the phone's 3 days: {o:?}"
        );
    }
    // The office: neither clock counts the check-in 3 days late.
    for subject in ["first_handling", "contact_after_dispatch", "first_response"] {
        assert!(
            flags(&order, FlagKind::SlaBreached, subject).is_empty(),
            "{subject}: {:?}",
            order.flags
        );
    }
    for kind in [ClockKind::FirstHandling, ClockKind::ContactAfterDispatch] {
        assert_eq!(
            clock(&order, &office, kind).map(|c| (c.status, c.running)),
            Some((SlaStatus::Met, false)),
            "{kind:?} on the desk"
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_order_nobody_touches_gets_its_breach_from_the_timer() -> anyhow::Result<()> {
    let server = TestServer::start_with_sla_timer(std::time::Duration::from_millis(200)).await?;
    let dir = tempfile::tempdir()?;
    let boss = Device::sign_in(&server, dir.path(), "chen.zhu", Role::Supervisor).await?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    // A first-response clock short enough to run out while the test watches.
    let mut settings = boss.client.settings_history().await?.versions[0]
        .settings
        .clone();
    settings.sla.first_response = SlaSpan::Seconds(4);
    boss.client.save_settings(&settings).await?;
    office.sync().await?;

    let new = new_order(1);
    let (id, received) = (new.id, new.request.received_at);
    office.create_order(new)?;
    office.sync().await?;
    assert!(
        flags(&office.order(id)?, FlagKind::SlaBreached, "first_response").is_empty(),
        "not due yet when pushed"
    );

    // Nobody touches it. The timer's flag wakes the desk's long poll.
    let breached = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let cursor = onsite_device::sync_client::cursor(&office.store)?;
            let reference = onsite_device::sync_client::reference_etag(&office.store)?;
            office.client.wait(cursor, reference.as_deref(), 10).await?;
            office.sync().await?;
            let order = office.order(id)?;
            if let Some(f) = flags(&order, FlagKind::SlaBreached, "first_response").first() {
                return anyhow::Ok((*f).clone());
            }
        }
    })
    .await??;
    assert!(
        breached.raised_at >= received + Duration::seconds(4),
        "raised at {} for an order received at {} with a 4 s clock",
        breached.raised_at,
        received
    );
    assert_eq!(breached.for_role, Role::Supervisor);
    Ok(())
}

#[tokio::test]
async fn a_closed_order_followed_up_in_time_shows_no_breach() -> anyhow::Result<()> {
    let server = TestServer::start_with_sla_timer(std::time::Duration::from_millis(200)).await?;
    let dir = tempfile::tempdir()?;
    let boss = Device::sign_in(&server, dir.path(), "chen.zhu", Role::Supervisor).await?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    let close = |tech: &mut Device, id: OrderId| -> anyhow::Result<()> {
        tech.apply(id, OrderOp::CheckOut)?;
        tech.apply(id, OrderOp::Close)?;
        Ok(())
    };

    // Closed under the regulation's 3 working days: its follow-up is not due yet.
    let not_due = signed_off_at(&mut office, &mut tech, 1, now_ms()).await?;
    close(&mut tech, not_due)?;
    tech.sync().await?;

    // Then a follow-up due 10 s after closing, so the test can watch it run out.
    let mut settings = boss.client.settings_history().await?.versions[0]
        .settings
        .clone();
    settings.sla.follow_up = SlaSpan::Seconds(10);
    boss.client.save_settings(&settings).await?;
    office.sync().await?;
    tech.sync().await?;
    let followed = signed_off_at(&mut office, &mut tech, 2, now_ms()).await?;
    let forgotten = signed_off_at(&mut office, &mut tech, 3, now_ms()).await?;
    close(&mut tech, followed)?;
    close(&mut tech, forgotten)?;
    tech.sync().await?;
    office.sync().await?;
    office.apply(
        followed,
        OrderOp::FollowUp {
            id: RecordId::new_at(Utc::now()),
            channel: ContactChannel::Phone,
            score: Some(5),
            comment: "满意".into(),
        },
    )?;
    office.sync().await?;

    // Nobody touches the forgotten one: the timer flags it, and wakes the desk.
    tokio::time::timeout(std::time::Duration::from_secs(40), async {
        loop {
            let cursor = onsite_device::sync_client::cursor(&office.store)?;
            let reference = onsite_device::sync_client::reference_etag(&office.store)?;
            office.client.wait(cursor, reference.as_deref(), 10).await?;
            office.sync().await?;
            if !flags(
                &office.order(forgotten)?,
                FlagKind::SlaBreached,
                "follow_up",
            )
            .is_empty()
            {
                return anyhow::Ok(());
            }
        }
    })
    .await??;

    let breaches = |o: &OrderDoc| -> Vec<String> {
        o.flags
            .iter()
            .filter(|f| f.kind == FlagKind::SlaBreached)
            .map(|f| f.subject.clone())
            .collect()
    };
    assert_eq!(
        breaches(&office.order(forgotten)?),
        vec!["follow_up".to_string()],
        "the one never followed up is breached, and only on its follow-up"
    );
    assert_eq!(breaches(&office.order(followed)?), Vec::<String>::new());
    assert_eq!(breaches(&office.order(not_due)?), Vec::<String>::new());
    // The follow-up clock stopped when it was recorded: met for good; the other runs on
    // its own version's 3 working days.
    assert_eq!(
        clock(&office.order(followed)?, &office, ClockKind::FollowUp)
            .map(|c| (c.status, c.running)),
        Some((SlaStatus::Met, false))
    );
    assert_eq!(
        clock(&office.order(not_due)?, &office, ClockKind::FollowUp).map(|c| (c.status, c.running)),
        Some((SlaStatus::Met, true))
    );
    Ok(())
}

#[tokio::test]
async fn new_settings_end_a_connected_devices_long_poll() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let boss = Device::sign_in(&server, dir.path(), "chen.zhu", Role::Supervisor).await?;
    let mut tech = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    tech.sync().await?;
    let cursor = onsite_device::sync_client::cursor(&tech.store)?;
    let etag = onsite_device::sync_client::reference_etag(&tech.store)?;
    assert!(
        !tech.client.wait(cursor, etag.as_deref(), 1).await?,
        "nothing new: the poll runs its course"
    );

    let mut settings = boss.rules().settings().clone();
    settings.at_risk_percent = 30;
    let started = std::time::Instant::now();
    let (woken, saved) = tokio::join!(
        tech.client.wait(cursor, etag.as_deref(), 30),
        boss.client.save_settings(&settings)
    );
    saved?;
    assert!(woken?, "the poll ends with the office's change");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "within seconds, not at the poll's 30 s timeout"
    );
    tech.sync().await?;
    assert_eq!(
        tech.rules().settings().at_risk_percent,
        30,
        "the next round fetched it"
    );
    Ok(())
}
