//! The follow-up queue 回访 on the desk's commands against a real server: closed orders
//! owed their satisfaction call, oldest first with the customer's phone, leave the queue
//! when the call is recorded (the follow-up clock stops, and the record reaches the
//! server); a key customer's half-yearly call appears when due and not before; an
//! unsatisfied score starts a complaint about the order in one step. (The follow-up
//! clock met on the third working day and flagged by the server when missed is
//! `complaints.rs`.)

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Months, NaiveDate, TimeZone, Utc};
use onsite_commands::follow_ups::{self, FollowUpInput, FollowUpKind, FollowUpQueue};
use onsite_commands::{complaints, order, session, App};
use onsite_core::doc::complaint::{ComplaintStatus, Severity};
use onsite_core::doc::order::OrderOp;
use onsite_core::follow_ups::FollowUpComplaint;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::CustomerTier;
use onsite_core::role::Role;
use onsite_core::sla::ClockKind;
use onsite_core::{OrderId, RecordId};
use onsite_tests::desk::{fail, set, signed_in, Clock};
use onsite_tests::devices::{new_order, signed_off_before, Device};
use onsite_tests::TestServer;

/// 2026-`m`-`d` at `h`:00 in Beijing.
fn beijing(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap() - Duration::hours(8)
}

fn queue(app: &App) -> anyhow::Result<FollowUpQueue> {
    follow_ups::follow_up_queue(app).map_err(fail)
}

fn numbers(q: &FollowUpQueue) -> Vec<(String, FollowUpKind)> {
    q.items.iter().map(|i| (i.order.clone(), i.kind)).collect()
}

/// The office (a dispatcher's device), a technician, and the desk app under test
/// (another dispatcher) reading now from `clock`.
async fn office(
    server: &TestServer,
    dir: &std::path::Path,
    clock: Clock,
) -> anyhow::Result<(Device, Device, App)> {
    let mut office = Device::sign_in(server, dir, "wang.fang", Role::Dispatcher).await?;
    let tech = Device::sign_in(server, dir, "li.wei", Role::Technician).await?;
    office.sync().await?;
    let desk = signed_in(server, dir, "zhao.min", Role::Dispatcher, clock).await?;
    Ok((office, tech, desk))
}

fn called(score: u8, comment: &str) -> FollowUpInput {
    FollowUpInput {
        channel: ContactChannel::Phone,
        score: Some(score),
        comment: comment.into(),
    }
}

#[tokio::test]
async fn closed_orders_wait_oldest_first_with_the_phone_and_leave_the_queue_when_called(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock: Clock = Arc::new(Mutex::new(beijing(11, 18, 9)));
    let (mut office, mut tech, desk) = office(&server, dir.path(), clock.clone()).await?;
    // Closed on Tuesday 17 and Monday 16 November: Monday's is the older.
    let tuesday =
        signed_off_before(&mut office, &mut tech, new_order(2), beijing(11, 17, 10)).await?;
    office.at = Some(beijing(11, 17, 10));
    office.apply(tuesday, OrderOp::Close)?;
    let monday =
        signed_off_before(&mut office, &mut tech, new_order(1), beijing(11, 16, 10)).await?;
    office.at = Some(beijing(11, 16, 10));
    office.apply(monday, OrderOp::Close)?;
    let open = signed_off_before(&mut office, &mut tech, new_order(3), beijing(11, 16, 12)).await?;
    office.sync().await?;
    session::sync_now(&desk).await.map_err(fail)?;

    let before = queue(&desk)?;
    assert_eq!(
        numbers(&before),
        vec![
            (monday.to_string(), FollowUpKind::AfterClose),
            (tuesday.to_string(), FollowUpKind::AfterClose)
        ],
        "the closed orders, oldest first; {open} is signed off but not closed"
    );
    let first = &before.items[0];
    assert_eq!(
        first.phone,
        office.order(monday)?.customer.phone,
        "the number to call"
    );
    assert!(!first.phone.is_empty());
    // Monday 10:00 + 3 working days.
    assert_eq!(first.deadline, Some(beijing(11, 19, 10)));

    let recorded = follow_ups::record_follow_up(&desk, &monday.to_string(), called(5, "all good"))
        .map_err(fail)?;
    assert!(!recorded.unsatisfied, "a 5 is satisfied");
    assert_eq!(
        numbers(&queue(&desk)?),
        vec![(tuesday.to_string(), FollowUpKind::AfterClose)],
        "the called order leaves the queue"
    );
    let page = order::get_order(&desk, &monday.to_string()).map_err(fail)?;
    let clock_now = page.clocks.iter().find(|c| c.clock == ClockKind::FollowUp);
    assert_eq!(
        clock_now.map(|c| c.running),
        Some(false),
        "the follow-up clock stopped: {clock_now:?}"
    );
    // The record reaches the server and the other office device, by the desk's user.
    session::sync_now(&desk).await.map_err(fail)?;
    office.sync().await?;
    let synced = office.order(monday)?;
    assert_eq!(synced.follow_ups.len(), 1);
    assert_eq!(synced.follow_ups[0].score, Some(5));
    assert_eq!(synced.follow_ups[0].comment, "all good");
    Ok(())
}

#[tokio::test]
async fn a_key_customers_half_yearly_follow_up_is_queued_when_due_and_not_before(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock: Clock = Arc::new(Mutex::new(beijing(1, 10, 9)));
    let (mut office, mut tech, desk) = office(&server, dir.path(), clock.clone()).await?;
    let mut key = new_order(7);
    key.customer.tier = CustomerTier::KeyAccount;
    let mut regular = new_order(8);
    regular.customer.phone = "13900000008".into();
    let mut ids: Vec<OrderId> = Vec::new();
    for new in [key, regular] {
        let id = signed_off_before(&mut office, &mut tech, new, beijing(1, 5, 10)).await?;
        office.at = Some(beijing(1, 5, 10));
        office.apply(id, OrderOp::Close)?;
        // Called back on 7 January: nothing is owed after closing.
        office.at = Some(beijing(1, 7, 11));
        office.apply(
            id,
            OrderOp::FollowUp {
                id: RecordId::new_at(beijing(1, 7, 11)),
                channel: ContactChannel::Phone,
                score: Some(4),
                comment: String::new(),
            },
        )?;
        ids.push(id);
    }
    office.sync().await?;
    session::sync_now(&desk).await.map_err(fail)?;
    assert!(queue(&desk)?.items.is_empty(), "nothing owed in January");

    // Half a year after 7 January is 7 July: not on the 6th.
    set(&clock, beijing(7, 6, 18));
    assert!(
        queue(&desk)?.items.is_empty(),
        "not due the day before: {:?}",
        numbers(&queue(&desk)?)
    );
    set(&clock, beijing(7, 7, 9));
    let due = queue(&desk)?;
    assert_eq!(
        numbers(&due),
        vec![(ids[0].to_string(), FollowUpKind::Periodic)],
        "the key customer only; the regular customer has no periodic call"
    );
    let item = &due.items[0];
    assert_eq!(item.tier, CustomerTier::KeyAccount);
    let jan_7 = NaiveDate::from_ymd_opt(2026, 1, 7).ok_or_else(|| anyhow::anyhow!("date"))?;
    assert_eq!(item.last, Some(jan_7));
    assert_eq!(item.due, jan_7.checked_add_months(Months::new(6)));

    follow_ups::record_follow_up(&desk, &ids[0].to_string(), called(5, "")).map_err(fail)?;
    assert!(
        queue(&desk)?.items.is_empty(),
        "called: the next period starts today"
    );
    set(&clock, beijing(12, 31, 9));
    assert!(
        queue(&desk)?.items.is_empty(),
        "7 July + 6 months is in January 2027"
    );
    Ok(())
}

#[tokio::test]
async fn an_unsatisfied_score_starts_a_complaint_about_the_order_in_one_step() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock: Clock = Arc::new(Mutex::new(beijing(11, 18, 9)));
    let (mut office, mut tech, desk) = office(&server, dir.path(), clock.clone()).await?;
    let id = signed_off_before(&mut office, &mut tech, new_order(4), beijing(11, 16, 10)).await?;
    office.at = Some(beijing(11, 16, 10));
    office.apply(id, OrderOp::Close)?;
    office.sync().await?;
    session::sync_now(&desk).await.map_err(fail)?;

    let happy =
        follow_ups::record_follow_up(&desk, &id.to_string(), called(4, "fine")).map_err(fail)?;
    assert!(!happy.unsatisfied);
    let refused = follow_ups::complaint_from_follow_up(
        &desk,
        &id.to_string(),
        FollowUpComplaint {
            follow_up: happy.follow_up,
            severity: Severity::General,
            demand: String::new(),
            content: String::new(),
        },
    )
    .err()
    .map(|e| e.code);
    assert_eq!(refused.as_deref(), Some("errors.follow_up.not_unsatisfied"));

    let unhappy =
        follow_ups::record_follow_up(&desk, &id.to_string(), called(2, "the washer leaks again"))
            .map_err(fail)?;
    assert!(unhappy.unsatisfied, "a 2 is unsatisfied");
    let made = follow_ups::complaint_from_follow_up(
        &desk,
        &id.to_string(),
        FollowUpComplaint {
            follow_up: unhappy.follow_up,
            severity: Severity::General,
            demand: "repair it properly".into(),
            content: String::new(),
        },
    )
    .map_err(fail)?;
    assert_eq!(made.complaint.order, Some(id), "linked to the order");
    assert_eq!(made.complaint.content, "the washer leaks again");
    assert_eq!(made.complaint.demand, "repair it properly");
    assert_eq!(made.complaint.status, ComplaintStatus::Open);
    let doc = office.order(id)?;
    assert_eq!(made.complaint.complainant, doc.customer.name);
    assert_eq!(made.complaint.phone, doc.customer.phone);
    let about = complaints::order_complaints(&desk, &id.to_string()).map_err(fail)?;
    assert_eq!(about.len(), 1, "the order page lists it");

    // The server takes the desk's complaint: another office device receives it.
    session::sync_now(&desk).await.map_err(fail)?;
    office.sync().await?;
    let on_office = office.store.complaint(made.complaint.id)?;
    assert_eq!(on_office.order, Some(id));
    Ok(())
}
