//! The KPI figures on seeded rows against values worked out by hand. Times are written
//! in Beijing time (UTC+8) on the default calendar: working days Monday to Friday,
//! working hours 09:00–18:00. 2026-11-23 is a Monday.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::*;
use crate::fixtures;
use crate::lifecycle::OrderState;
use crate::records::request::ServiceMode;
use crate::sla::{ClockKind, ClockState, SlaStatus};

/// A Beijing wall-clock time.
fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(y, m, d, h, min, 0).single())
        .map(|t| t.with_timezone(&Utc))
        .expect("a valid time")
}

fn stopped(kind: ClockKind, met: bool, at: DateTime<Utc>) -> ClockState {
    ClockState {
        kind,
        status: if met {
            SlaStatus::Met
        } else {
            SlaStatus::Breached
        },
        deadline: at,
        stopped_at: Some(at),
        running: false,
    }
}

fn running(kind: ClockKind, status: SlaStatus, deadline: DateTime<Utc>) -> ClockState {
    ClockState {
        kind,
        status,
        deadline,
        stopped_at: None,
        running: true,
    }
}

fn row(id: &str, tech: &str, model: &str, serial: &str, fault: &str) -> OrderRow {
    OrderRow {
        id: id.into(),
        technician: Some(tech.into()),
        model: model.into(),
        serial: serial.into(),
        fault_code: fault.into(),
        repeat_of: None,
        mode: ServiceMode::OnSite,
        state: OrderState::Dispatched,
        received_at: bj(2026, 11, 23, 9, 0),
        dispatched_at: None,
        contacted_at: None,
        arrived_at: None,
        repaired_at: None,
        completed_at: None,
        closed_at: None,
        rework: false,
        repair_warranty_days: 90,
        rating: None,
        follow_up_scores: vec![],
        parts: vec![],
        clocks: vec![],
    }
}

fn now() -> DateTime<Utc> {
    bj(2026, 12, 25, 10, 0)
}

/// Four orders, one cancelled order and two complaints:
fn seeded() -> (Vec<OrderRow>, Vec<ComplaintRow>) {
    use ClockKind::{ComplaintFirstContact, ContactAfterDispatch, FirstResponse};
    // A (T1, WM-8000, serial S1, fault E21), on site. Received Mon 23 Nov 09:00,
    // dispatched 10:00, reached 11:30 (contact 1.5 h), checked in 16:00 (arrive 6 h),
    // passed test Tue 10:00 (repair: Mon 16–18 = 2 h + Tue 9–10 = 1 h = 3 h), signed
    // Tue 10:30, closed Tue 11:00 (close: Mon 9–18 = 9 h + Tue 9–11 = 2 h = 11 h).
    // Rating 5, follow-up 4, BR-21 × 2. Both clocks met. Not a first-time fix: order C
    // is the same serial and fault 29 days after it, inside the 90-day warranty.
    let mut a = row("A", "T1", "WM-8000", "S1", "E21");
    a.state = OrderState::Closed;
    a.dispatched_at = Some(bj(2026, 11, 23, 10, 0));
    a.contacted_at = Some(bj(2026, 11, 23, 11, 30));
    a.arrived_at = Some(bj(2026, 11, 23, 16, 0));
    a.repaired_at = Some(bj(2026, 11, 24, 10, 0));
    a.completed_at = Some(bj(2026, 11, 24, 10, 30));
    a.closed_at = Some(bj(2026, 11, 24, 11, 0));
    a.rating = Some(5);
    a.follow_up_scores = vec![4];
    a.parts = vec![("BR-21".into(), 2)];
    a.clocks = vec![
        stopped(ContactAfterDispatch, true, bj(2026, 11, 23, 11, 30)),
        stopped(FirstResponse, true, bj(2026, 11, 23, 10, 0)),
    ];

    // B (T1, WM-8000, S2, E10), on site. Received Fri 27 Nov 17:00, dispatched 17:30,
    // reached Mon 30 Nov 09:30 (contact: Fri 17:30–18:00 + Mon 09:00–09:30 = 1 h, the
    // weekend not counted), checked in Mon 14:00 (arrive: 0.5 h + 5 h = 5.5 h), passed
    // test 15:00 (repair 1 h), signed 15:10, not closed. Rating 3. An objection sent it
    // to rework, so no first-time fix. BELT-8 × 1, BR-21 × 1. Contact clock breached,
    // first response met.
    let mut b = row("B", "T1", "WM-8000", "S2", "E10");
    b.state = OrderState::SignedOff;
    b.received_at = bj(2026, 11, 27, 17, 0);
    b.dispatched_at = Some(bj(2026, 11, 27, 17, 30));
    b.contacted_at = Some(bj(2026, 11, 30, 9, 30));
    b.arrived_at = Some(bj(2026, 11, 30, 14, 0));
    b.repaired_at = Some(bj(2026, 11, 30, 15, 0));
    b.completed_at = Some(bj(2026, 11, 30, 15, 10));
    b.rework = true;
    b.rating = Some(3);
    b.parts = vec![("BELT-8".into(), 1), ("BR-21".into(), 1)];
    b.clocks = vec![
        stopped(ContactAfterDispatch, false, bj(2026, 11, 30, 9, 30)),
        stopped(FirstResponse, true, bj(2026, 11, 27, 17, 30)),
    ];

    // C (T2, WM-8000, S1, E21, repeat of A), received Wed 23 Dec 09:00, dispatched,
    // never reached: its contact clock runs past its deadline (24 Dec 10:00 < now, so
    // breached); its first-response clock is paused (no verdict).
    let mut c = row("C", "T2", "WM-8000", "S1", "E21");
    c.repeat_of = Some("A".into());
    c.received_at = bj(2026, 12, 23, 9, 0);
    c.dispatched_at = Some(bj(2026, 12, 23, 10, 0));
    c.clocks = vec![
        running(
            ContactAfterDispatch,
            SlaStatus::Breached,
            bj(2026, 12, 24, 10, 0),
        ),
        running(FirstResponse, SlaStatus::Paused, bj(2026, 12, 24, 9, 0)),
    ];

    // D (T2, DW-300, S3, F01), mail-in. Received Tue 1 Dec 10:00, dispatched 10:00,
    // reached 10:45 (contact 0.75 h), received Thu 3 Dec 09:00 (no "arrive" for mail-in),
    // passed test 12:00 (repair 3 h), shipped back 13:00, closed Fri 4 Dec 09:30 (close:
    // Tue 10–18 = 8 h + Wed 9 h + Thu 9 h + Fri 0.5 h = 26.5 h). Follow-ups 5 and 3. A
    // first-time fix. First response met.
    let mut d = row("D", "T2", "DW-300", "S3", "F01");
    d.mode = ServiceMode::MailIn;
    d.state = OrderState::Closed;
    d.received_at = bj(2026, 12, 1, 10, 0);
    d.dispatched_at = Some(bj(2026, 12, 1, 10, 0));
    d.contacted_at = Some(bj(2026, 12, 1, 10, 45));
    d.arrived_at = Some(bj(2026, 12, 3, 9, 0));
    d.repaired_at = Some(bj(2026, 12, 3, 12, 0));
    d.completed_at = Some(bj(2026, 12, 3, 13, 0));
    d.closed_at = Some(bj(2026, 12, 4, 9, 30));
    d.follow_up_scores = vec![5, 3];
    d.clocks = vec![stopped(FirstResponse, true, bj(2026, 12, 1, 10, 0))];

    // E (T1, WM-8000), cancelled: counted nowhere.
    let mut e = row("E", "T1", "WM-8000", "S9", "E21");
    e.state = OrderState::Cancelled;
    e.rating = Some(1);
    e.parts = vec![("BR-21".into(), 5)];
    e.clocks = vec![stopped(FirstResponse, false, bj(2026, 11, 24, 9, 0))];

    // K1 about B (so T1, WM-8000), received Mon 30 Nov, cause repair quality,
    // follow-up 2, first contact in time. K2 about no order, 2 Dec, cause not known yet.
    let k1 = ComplaintRow {
        id: "K1".into(),
        order: Some("B".into()),
        received_at: bj(2026, 11, 30, 16, 0),
        cause: Some("repair_quality".into()),
        follow_up_scores: vec![2],
        clocks: vec![stopped(
            ComplaintFirstContact,
            true,
            bj(2026, 11, 30, 17, 0),
        )],
    };
    let k2 = ComplaintRow {
        id: "K2".into(),
        order: None,
        received_at: bj(2026, 12, 2, 11, 0),
        cause: None,
        follow_up_scores: vec![],
        clocks: vec![],
    };
    (vec![a, b, c, d, e], vec![k1, k2])
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn overall_figures_match_the_hand_working() {
    let (orders, complaints) = seeded();
    let r = compute(
        &orders,
        &complaints,
        &Calendar::default(),
        &KpiQuery::default(),
        now(),
    );
    let f = &r.overall;
    // A, B, C, D (E cancelled).
    assert_eq!(f.orders, 4);
    // A, B, D completed: 3 / 4.
    assert_eq!((f.completion.count, f.completion.of), (3, 4));
    assert!(close(f.completion.rate, 0.75));
    // Only D: A was revisited (C), B went to rework.
    assert_eq!((f.first_time_fix.count, f.first_time_fix.of), (1, 3));
    // (1.5 + 1 + 0.75) / 3.
    assert!(
        close(f.hours_to_contact.mean, 3.25 / 3.0),
        "{:?}",
        f.hours_to_contact
    );
    assert_eq!(f.hours_to_contact.n, 3);
    // On-site only: (6 + 5.5) / 2.
    assert!(
        close(f.hours_to_arrive.mean, 5.75),
        "{:?}",
        f.hours_to_arrive
    );
    // (3 + 1 + 3) / 3.
    assert!(
        close(f.hours_to_repair.mean, 7.0 / 3.0),
        "{:?}",
        f.hours_to_repair
    );
    // (11 + 26.5) / 2.
    assert!(
        close(f.hours_to_close.mean, 18.75),
        "{:?}",
        f.hours_to_close
    );
    // Contact after dispatch: A met, B breached, C breached (running past deadline).
    // First response: A, B, D met; C paused has no verdict. Complaint first contact: K1.
    let sla: Vec<(ClockKind, u32, u32)> = f
        .sla
        .iter()
        .map(|c| (c.clock, c.compliance.count, c.compliance.of))
        .collect();
    assert_eq!(
        sla,
        vec![
            (ClockKind::FirstResponse, 3, 3),
            (ClockKind::ContactAfterDispatch, 1, 3),
            (ClockKind::ComplaintFirstContact, 1, 1),
        ]
    );
    assert_eq!((f.sla_overall.count, f.sla_overall.of), (5, 7));
    // Ratings 5 and 3; follow-ups 4, 5, 3 and K1's 2.
    assert!(close(f.sign_off_rating.mean, 4.0));
    assert!(close(f.follow_up_score.mean, 3.5));
    assert_eq!(f.follow_up_score.n, 4);
    assert_eq!(f.complaints, 2);
    let causes: Vec<(&str, u32)> = f
        .complaint_causes
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert_eq!(causes, vec![("repair_quality", 1), ("unknown", 1)]);
    // BR-21: 2 (A) + 1 (B); BELT-8: 1 (B). E's five are cancelled.
    let parts: Vec<(&str, u32)> = f.parts.iter().map(|c| (c.key.as_str(), c.count)).collect();
    assert_eq!(parts, vec![("BR-21", 3), ("BELT-8", 1)]);
    assert_eq!(f.parts_used, 4);
}

#[test]
fn breakdowns_by_technician_model_and_period_match_the_hand_working() {
    let (orders, complaints) = seeded();
    let cal = Calendar::default();
    let r = compute(&orders, &complaints, &cal, &KpiQuery::default(), now());
    let tech = |k: &str| {
        r.by_technician
            .iter()
            .find(|g| g.key == k)
            .map(|g| &g.figures)
    };
    // T1: A and B, both completed, neither a first-time fix; K1 is about B.
    let t1 = tech("T1").expect("T1");
    assert_eq!(
        (t1.orders, t1.completion.count, t1.first_time_fix.count),
        (2, 2, 0)
    );
    assert_eq!(t1.complaints, 1);
    // Contact: (1.5 + 1) / 2.
    assert!(close(t1.hours_to_contact.mean, 1.25));
    // T2: C and D, D completed and fixed first time.
    let t2 = tech("T2").expect("T2");
    assert_eq!(
        (t2.orders, t2.completion.count, t2.first_time_fix.count),
        (2, 1, 1)
    );
    assert!(close(t2.completion.rate, 0.5));
    // K2 is about no order: it counts under no technician.
    let none = tech("").expect("the unattributed group");
    assert_eq!((none.orders, none.complaints), (0, 1));

    let model = |k: &str| r.by_model.iter().find(|g| g.key == k).map(|g| &g.figures);
    let wm = model("WM-8000").expect("WM-8000");
    assert_eq!((wm.orders, wm.completion.count, wm.parts_used), (3, 2, 4));
    let dw = model("DW-300").expect("DW-300");
    assert_eq!(
        (dw.orders, dw.first_time_fix.count, dw.first_time_fix.of),
        (1, 1, 1)
    );

    // Months: A, B and K1 in November; C, D and K2 in December.
    let months: Vec<(&str, u32, u32, u32)> = r
        .by_period
        .iter()
        .map(|g| {
            (
                g.key.as_str(),
                g.figures.orders,
                g.figures.completion.count,
                g.figures.complaints,
            )
        })
        .collect();
    assert_eq!(months, vec![("2026-11", 2, 2, 1), ("2026-12", 2, 1, 1)]);

    // ISO weeks: A and B in W48, K1 (Mon 30 Nov), D and K2 in W49, C in W52.
    let weeks = compute(
        &orders,
        &complaints,
        &cal,
        &KpiQuery {
            granularity: Granularity::Week,
            ..KpiQuery::default()
        },
        now(),
    );
    let keys: Vec<(&str, u32, u32)> = weeks
        .by_period
        .iter()
        .map(|g| (g.key.as_str(), g.figures.orders, g.figures.complaints))
        .collect();
    assert_eq!(
        keys,
        vec![("2026-W48", 2, 0), ("2026-W49", 1, 2), ("2026-W52", 1, 0)]
    );
    let quarters = compute(
        &orders,
        &complaints,
        &cal,
        &KpiQuery {
            granularity: Granularity::Quarter,
            ..KpiQuery::default()
        },
        now(),
    );
    assert_eq!(quarters.by_period.len(), 1);
    assert_eq!(quarters.by_period[0].key, "2026-Q4");
    assert_eq!(quarters.by_period[0].figures.orders, 4);
}

#[test]
fn a_date_range_counts_its_orders_but_revisits_after_it_still_count() {
    let (orders, complaints) = seeded();
    let cal = Calendar::default();
    // November only: A and B. A's revisit (C) comes in December and still undoes its fix.
    let r = compute(
        &orders,
        &complaints,
        &cal,
        &KpiQuery {
            granularity: Granularity::Month,
            from: NaiveDate::from_ymd_opt(2026, 11, 1),
            to: NaiveDate::from_ymd_opt(2026, 11, 30),
        },
        now(),
    );
    assert_eq!(r.overall.orders, 2);
    assert_eq!(r.overall.first_time_fix.count, 0);
    assert_eq!(r.overall.complaints, 1);
    assert_eq!(r.by_period.len(), 1);
}

#[test]
fn a_revisit_after_the_repair_warranty_does_not_undo_the_fix() {
    let (mut orders, complaints) = seeded();
    // C no longer names A, and comes 100 days after A's completion: outside 90 days.
    orders[2].repeat_of = None;
    orders[2].received_at = bj(2027, 3, 5, 9, 0);
    let r = compute(
        &orders,
        &complaints,
        &Calendar::default(),
        &KpiQuery::default(),
        now(),
    );
    assert_eq!(
        (r.overall.first_time_fix.count, r.overall.first_time_fix.of),
        (2, 3)
    );
}

#[test]
fn working_hours_skip_nights_weekends_and_holidays() {
    let mut cal = Calendar::default();
    // Fri 17:00 → Mon 10:00: 1 h on Friday, 1 h on Monday.
    let h = working_hours_between(&cal, bj(2026, 11, 27, 17, 0), bj(2026, 11, 30, 10, 0));
    assert_eq!(h.num_minutes(), 120);
    // With Monday a holiday, only Friday's hour is left.
    cal.holidays
        .insert(NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"));
    let h = working_hours_between(&cal, bj(2026, 11, 27, 17, 0), bj(2026, 11, 30, 10, 0));
    assert_eq!(h.num_minutes(), 60);
    // Before opening to after closing on one day: the whole 9 h.
    let h = working_hours_between(&cal, bj(2026, 11, 24, 6, 0), bj(2026, 11, 24, 22, 0));
    assert_eq!(h.num_minutes(), 9 * 60);
}

#[test]
fn an_order_document_reads_into_its_row() {
    // A chargeable on-site order driven to closed by the fixtures: dispatched, reached,
    // checked in, diagnosed, agreed, one step, a passed test, signed off, closed.
    let mut s = fixtures::Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(OrderState::Closed).expect("the happy path");
    let row = order_row(&s.order, &s.settings, &s.calendar, s.now);
    assert_eq!(row.technician, Some(s.cast.technician.user.to_string()));
    assert_eq!(row.state, OrderState::Closed);
    assert!(row.dispatched_at.is_some() && row.contacted_at.is_some());
    assert_eq!(
        row.arrived_at,
        s.order.visits.first().map(|v| v.checked_in_at)
    );
    assert_eq!(row.completed_at, s.order.sign_off.as_ref().map(|x| x.at));
    assert_eq!(row.closed_at, s.order.closed_at);
    assert_eq!(row.rating, Some(5));
    assert!(!row.rework);
    assert!(!row.clocks.is_empty(), "the order's clocks are evaluated");
    // One order, completed and fixed first time.
    let r = compute(&[row], &[], &s.calendar, &KpiQuery::default(), s.now);
    assert_eq!(r.overall.completion.count, 1);
    assert_eq!(r.overall.first_time_fix.count, 1);
}
