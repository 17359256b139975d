//! Property tests: (a) concurrent edits on 2–5 replicas, merged in any order, converge
//! to identical documents and identical derived views; (b) no sequence of allowed
//! operations takes an order outside the lifecycle graph or past a missing record.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit};
use chrono::Duration;
use onsite_core::calendar::Calendar;
use onsite_core::doc::conflicts::conflicts;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::doc::TimeWindow;
use onsite_core::fixtures::{rid, t0, uuid, Scenario};
use onsite_core::lifecycle::OrderState;
use onsite_core::records::order::{ContactChannel, HoldKind};
use onsite_core::records::request::ServiceMode;
use onsite_core::settings::Settings;
use onsite_core::signoff;
use onsite_core::sla::{self, SlaStatus};
use onsite_core::stock::Ledger;
use onsite_core::{ops, Actor, Ctx, Money, PartId, Role, UserId};
use proptest::prelude::*;

/// What a replica does in one step of a concurrent history.
#[derive(Debug, Clone)]
enum Edit {
    Step,
    UsePart { part: u8, serial: u8 },
    RemoveFirstPart,
    Test { passed: bool },
    SignOff,
    HoldWaiting,
    Resume,
    Assign { other: bool },
    Schedule { hours: u8 },
    Comment,
    OverrideFee { amount: u8 },
    Cancel,
    Contact,
    Photo { n: u8 },
}

#[derive(Debug, Clone)]
enum Event {
    Edit { replica: usize, edit: Edit },
    Sync { to: usize, from: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => Just(Edit::Step),
        3 => (0u8..3, 0u8..4).prop_map(|(part, serial)| Edit::UsePart { part, serial }),
        1 => Just(Edit::RemoveFirstPart),
        2 => any::<bool>().prop_map(|passed| Edit::Test { passed }),
        1 => Just(Edit::SignOff),
        1 => Just(Edit::HoldWaiting),
        1 => Just(Edit::Resume),
        1 => any::<bool>().prop_map(|other| Edit::Assign { other }),
        1 => (1u8..48).prop_map(|hours| Edit::Schedule { hours }),
        1 => Just(Edit::Comment),
        1 => (1u8..5).prop_map(|amount| Edit::OverrideFee { amount }),
        1 => Just(Edit::Cancel),
        1 => Just(Edit::Contact),
        1 => (0u8..3).prop_map(|n| Edit::Photo { n }),
    ]
}

fn history(replicas: usize) -> impl Strategy<Value = Vec<Event>> {
    let ev = prop_oneof![
        5 => (0..replicas, edit()).prop_map(|(replica, edit)| Event::Edit { replica, edit }),
        1 => (0..replicas, 0..replicas).prop_map(|(to, from)| Event::Sync { to, from }),
    ];
    prop::collection::vec(ev, 1..24)
}

fn to_op(edit: &Edit, seed: u128, s: &Scenario) -> (Actor, OrderOp) {
    let tech = s.cast.technician;
    match edit {
        Edit::Step => (
            tech,
            OrderOp::AddRepairStep {
                id: rid(seed),
                description: format!("step {seed}"),
                minutes: 5,
            },
        ),
        Edit::UsePart { part, serial } => (
            tech,
            OrderOp::UsePart {
                id: rid(seed),
                part: PartId(uuid(500 + u128::from(*part))),
                part_number: format!("P{part}"),
                certified: true,
                serialized: true,
                quantity: 1,
                serials_new: vec![format!("S{part}-{serial}")],
                serials_old: vec![],
                location: s.cast.van,
            },
        ),
        Edit::RemoveFirstPart => (tech, OrderOp::RemovePart { id: rid(0) }),
        Edit::Test { passed } => (
            tech,
            OrderOp::RecordTest {
                id: rid(seed),
                passed: *passed,
                notes: String::new(),
                care_advice_given: true,
            },
        ),
        Edit::SignOff => (
            tech,
            OrderOp::SignOff {
                id: rid(seed),
                signer: "王芳".into(),
                rating: Some(4),
                signature_blob: "ab".repeat(32),
            },
        ),
        Edit::HoldWaiting => (
            tech,
            OrderOp::Hold {
                kind: HoldKind::WaitingForCustomer,
                reason: "away".into(),
            },
        ),
        Edit::Resume => (tech, OrderOp::Resume),
        Edit::Assign { other } => (
            s.cast.dispatcher,
            OrderOp::Assign {
                assignee: if *other {
                    s.cast.other_technician.user
                } else {
                    tech.user
                },
            },
        ),
        Edit::Schedule { hours } => (
            s.cast.dispatcher,
            OrderOp::Schedule {
                window: TimeWindow {
                    start: t0() + Duration::hours(i64::from(*hours)),
                    end: t0() + Duration::hours(i64::from(*hours) + 2),
                },
            },
        ),
        Edit::Comment => (
            s.cast.support,
            OrderOp::Comment {
                id: rid(seed),
                text: "check the bearing".into(),
            },
        ),
        Edit::OverrideFee { amount } => (
            s.cast.supervisor,
            OrderOp::OverrideFee {
                id: rid(seed),
                fee: Money::new(10_000 * i64::from(*amount), "CNY"),
                reason: "adjust".into(),
            },
        ),
        Edit::Cancel => (
            s.cast.dispatcher,
            OrderOp::Cancel {
                reason: "withdrawn".into(),
            },
        ),
        Edit::Contact => (
            tech,
            OrderOp::LogContact {
                id: rid(seed),
                channel: ContactChannel::Phone,
                reached: true,
                note: String::new(),
            },
        ),
        Edit::Photo { n } => (
            tech,
            OrderOp::AddPhoto {
                hash: format!("{n:064}"),
                caption: String::new(),
            },
        ),
    }
}

/// What every replica must agree on after merging.
#[derive(Debug, PartialEq)]
struct Views {
    state: OrderState,
    balances: BTreeMap<(PartId, onsite_core::LocationId), i64>,
    sla: Vec<(sla::ClockKind, SlaStatus, chrono::DateTime<chrono::Utc>)>,
    sign_off: signoff::SignOffStatus,
    conflicts: Vec<(String, Vec<String>)>,
}

fn views(doc: &AutoCommit, s: &Settings, c: &Calendar) -> Result<(OrderDoc, Views), TestCaseError> {
    let order: OrderDoc = ops::hydrate(doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let now = t0() + Duration::days(2);
    let v = Views {
        state: order.state,
        balances: Ledger::from_movements(order.stock_movements()).balances(),
        sla: sla::evaluate_order(&order, s, c, now)
            .into_iter()
            .map(|k| (k.kind, k.status, k.deadline))
            .collect(),
        sign_off: signoff::status(&order),
        conflicts: conflicts(doc)
            .into_iter()
            .map(|k| (k.path, k.values))
            .collect(),
    };
    Ok((order, v))
}

fn converge(
    n: usize,
    base_state: OrderState,
    events: Vec<Event>,
    orders: Vec<Vec<usize>>,
) -> Result<(), TestCaseError> {
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(base_state)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    // A part line with the id RemoveFirstPart targets, so removals race with edits.
    let part = OrderOp::UsePart {
        id: rid(0),
        part: PartId(uuid(509)),
        part_number: "P9".into(),
        certified: true,
        serialized: true,
        quantity: 1,
        serials_new: vec!["S9".into()],
        serials_old: vec![],
        location: s.cast.van,
    };
    let tech = s.cast.technician;
    s.run(tech, part)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut base = AutoCommit::new().with_actor(ActorId::from(vec![0u8]));
    let ctx = Ctx {
        actor: s.cast.dispatcher,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    ops::create(&mut base, &s.order, &ctx).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut replicas: Vec<AutoCommit> = (0..n)
        .map(|i| base.fork().with_actor(ActorId::from(vec![1u8, i as u8])))
        .collect();
    for (i, ev) in events.iter().enumerate() {
        match ev {
            Event::Edit { replica, edit } => {
                let (actor, op) = to_op(edit, 1_000 + i as u128, &s);
                let ctx = Ctx {
                    actor,
                    now: s.now + Duration::minutes(i as i64 + 1),
                    settings: &s.settings,
                    calendar: &s.calendar,
                };
                // Refusals are part of the game: a replica only writes what the rules allow.
                if let Ok(applied) = ops::apply(&mut replicas[*replica], &op, &ctx) {
                    let stored: OrderDoc = ops::hydrate(&replicas[*replica])
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(
                        &stored,
                        &applied.doc,
                        "the change holds exactly what was applied"
                    );
                }
            }
            Event::Sync { to, from } if to != from => {
                let mut other = replicas[*from].clone();
                replicas[*to]
                    .merge(&mut other)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            Event::Sync { .. } => {}
        }
    }
    let mut finals = Vec::new();
    for (r, order) in orders.iter().enumerate() {
        let mut doc = replicas[r % n].clone();
        for &j in order {
            let mut other = replicas[j % n].clone();
            doc.merge(&mut other)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        finals.push(doc);
    }
    let first_heads = {
        let mut h = finals[0].get_heads();
        h.sort();
        h
    };
    let (first_doc, first_views) = views(&finals[0], &s.settings, &s.calendar)?;
    for f in &mut finals[1..] {
        let mut h = f.get_heads();
        h.sort();
        prop_assert_eq!(&h, &first_heads, "same heads after merging everything");
        let (doc, v) = views(f, &s.settings, &s.calendar)?;
        prop_assert_eq!(
            &doc,
            &first_doc,
            "identical documents whatever the merge order"
        );
        prop_assert_eq!(&v, &first_views, "identical derived views");
    }
    Ok(())
}

fn merge_orders(n: usize) -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(Just((0..n).collect::<Vec<_>>()).prop_shuffle(), n..=n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_edits_converge_in_any_merge_order(
        (n, events, orders) in (2usize..=5).prop_flat_map(|n| (Just(n), history(n), merge_orders(n))),
        base in prop_oneof![Just(OrderState::PlanAgreed), Just(OrderState::InRepair), Just(OrderState::Tested)],
    ) {
        converge(n, base, events, orders)?;
    }
}

// ---------------------------------------------------------------------------------------
// (b) the lifecycle graph holds under any sequence of operations.

const OPS: usize = 24;

fn pick_op(k: usize, flag: bool, s: &mut Scenario) -> OrderOp {
    let estimate = s
        .order
        .diagnosis
        .as_ref()
        .map(|d| d.estimated_fee.clone())
        .unwrap_or_else(|| Money::zero("CNY"));
    let id = s.id();
    match k {
        0 => OrderOp::Dispatch {
            assignee: s.cast.technician.user,
            window: None,
        },
        1 => OrderOp::LogContact {
            id,
            channel: ContactChannel::Phone,
            reached: flag,
            note: String::new(),
        },
        2 => OrderOp::CheckIn { visit: id },
        3 => OrderOp::ShowWorkId,
        4 => OrderOp::Receive {
            condition: "ok".into(),
            photo: None,
            signature: None,
        },
        5 => OrderOp::ConfirmFault { note: "E21".into() },
        6 => OrderOp::RecordDiagnosis {
            cause: "c".into(),
            plan: "p".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 30,
            estimated_fee: if flag {
                Money::new(28_000, "CNY")
            } else {
                Money::zero("CNY")
            },
            risks: String::new(),
            touches_data: false,
        },
        7 => OrderOp::ApprovePlan {
            note: String::new(),
        },
        8 => OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: flag.then_some(estimate),
            by_phone: false,
        },
        9 => OrderOp::AddRepairStep {
            id,
            description: "w".into(),
            minutes: 5,
        },
        10 => OrderOp::UsePart {
            id,
            part: PartId(uuid(500)),
            part_number: "P".into(),
            certified: flag,
            serialized: false,
            quantity: 1,
            serials_new: vec![],
            serials_old: vec![],
            location: s.cast.van,
        },
        11 => OrderOp::RecordTest {
            id,
            passed: flag,
            notes: String::new(),
            care_advice_given: true,
        },
        12 => OrderOp::SignOff {
            id,
            signer: "王芳".into(),
            rating: Some(5),
            signature_blob: "ab".repeat(32),
        },
        13 => OrderOp::Object {
            id,
            signer: "王芳".into(),
            text: "no".into(),
            signature_blob: None,
        },
        14 => OrderOp::ShipBack {
            carrier: "SF".into(),
            tracking: "1".into(),
        },
        15 => OrderOp::Close,
        16 => OrderOp::Cancel {
            reason: if flag { "r".into() } else { String::new() },
        },
        17 => OrderOp::Hold {
            kind: if flag {
                HoldKind::WaitingForCustomer
            } else {
                HoldKind::WaitingForParts
            },
            reason: "r".into(),
        },
        18 => OrderOp::Resume,
        19 => OrderOp::Reopen { reason: "r".into() },
        20 => OrderOp::OverrideFee {
            id,
            fee: Money::new(1_000, "CNY"),
            reason: "r".into(),
        },
        21 => OrderOp::ReassessCharge {
            id,
            customer_damage: flag,
            evidence: None,
            note: String::new(),
        },
        22 => OrderOp::CheckOut,
        _ => OrderOp::Assign {
            assignee: if flag {
                s.cast.other_technician.user
            } else {
                s.cast.technician.user
            },
        },
    }
}

fn allowed_edge(from: OrderState, to: OrderState, mode: ServiceMode) -> bool {
    use OrderState::*;
    let on_site = mode == ServiceMode::OnSite;
    let mail_in = mode == ServiceMode::MailIn;
    match (from, to) {
        (f, Cancelled) => !f.is_terminal(),
        (f, OnHold) => !f.is_terminal() && f != OnHold,
        (OnHold, _) => true, // checked against the held-from state separately
        (New, Dispatched) | (Dispatched, Contacted) => true,
        (Contacted, OnSite) => on_site,
        (Contacted, Received) => !on_site,
        (OnSite, PlanAgreed) => on_site,
        (Received, PlanAgreed) => !on_site,
        (PlanAgreed, InRepair) | (InRepair, Tested) | (Tested, InRepair) | (Tested, SignedOff) => {
            true
        }
        (Tested, ShippedBack) | (SignedOff, ShippedBack) | (ShippedBack, Closed) => mail_in,
        (SignedOff, Closed) => !mail_in,
        (Closed, InRepair) => true,
        // A charge reassessed after consent sends the order back to be agreed again.
        (PlanAgreed | InRepair | Tested, OnSite) => on_site,
        (PlanAgreed | InRepair | Tested, Received) => !on_site,
        _ => false,
    }
}

fn check_invariants(s: &Scenario, last_op: &OrderOp) -> Result<(), TestCaseError> {
    use OrderState::*;
    let o = &s.order;
    let state = o.state;
    prop_assert!(
        state.fits_mode(o.mode),
        "{state} does not belong to a {:?} order",
        o.mode
    );
    let mut prev = New;
    let mut held_from = Vec::new();
    for h in &o.history {
        prop_assert_eq!(h.from, prev, "history is a chain");
        prop_assert!(
            allowed_edge(h.from, h.to, o.mode),
            "forbidden edge {} → {}",
            h.from,
            h.to
        );
        if h.to == OnHold {
            held_from.push(h.from);
        }
        if h.from == OnHold && h.to != Cancelled {
            prop_assert_eq!(
                Some(h.to),
                held_from.last().copied(),
                "resume returns to the held-from state"
            );
        }
        if h.from == Closed {
            prop_assert_eq!(h.role, Role::Supervisor, "only a supervisor reopens");
        }
        prop_assert!(h.from != Cancelled, "cancelled is final");
        prev = h.to;
    }
    prop_assert_eq!(prev, state, "the history ends in the current state");
    let effective = if state == OnHold {
        o.hold.as_ref().map(|h| h.from).unwrap_or(state)
    } else {
        state
    };
    let past_consent = matches!(
        effective,
        PlanAgreed | InRepair | Tested | SignedOff | ShippedBack | Closed
    );
    // Work recorded with no consent on the order is work done under a consent that a
    // later charge reassessment withdrew: the customer agrees again before more repair.
    let withdrawn = o.consent.is_none()
        && !past_consent
        && o.charge_reassessments.iter().any(|r| {
            r.voided_consent
                && o.steps.iter().all(|st| st.at <= r.at)
                && o.parts.iter().all(|p| p.at <= r.at)
        });
    if past_consent || ((!o.steps.is_empty() || !o.parts.is_empty()) && !withdrawn) {
        prop_assert!(o.consent.is_some(), "no repair before consent");
        prop_assert!(o.diagnosis.is_some(), "consent is to a recorded plan");
        prop_assert!(
            o.fault_confirmed.is_some(),
            "fault confirmed before the plan"
        );
        if o.is_chargeable() {
            prop_assert!(
                o.consent.as_ref().is_some_and(|c| c.fee_agreed.is_some()),
                "chargeable work has fee consent"
            );
        }
        if s.settings.needs_plan_approval(o.request.classification) {
            prop_assert!(
                o.plan_approval.is_some(),
                "the company requires plan approval"
            );
        }
    }
    if matches!(effective, Tested | SignedOff) {
        prop_assert!(
            o.latest_test_passed(),
            "tested and signed-off orders passed their latest test"
        );
    }
    if effective == SignedOff {
        prop_assert!(o.sign_off.is_some());
    }
    if matches!(last_op, OrderOp::Close) && state == Closed {
        if o.mode == ServiceMode::MailIn {
            prop_assert!(o.shipment.is_some(), "mail-in closes after shipping back");
        } else {
            prop_assert_eq!(
                signoff::status(o),
                signoff::SignOffStatus::Valid,
                "closed on a valid sign-off"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_allowed_operations_leaves_the_lifecycle(
        mode in prop_oneof![Just(ServiceMode::OnSite), Just(ServiceMode::MailIn), Just(ServiceMode::CarryIn)],
        chargeable in any::<bool>(),
        approval in any::<bool>(),
        start in prop_oneof![Just(OrderState::New), Just(OrderState::Contacted), Just(OrderState::InRepair), Just(OrderState::Tested)],
        steps in prop::collection::vec((0usize..6, 0usize..OPS, any::<bool>()), 1..60),
    ) {
        let settings = Settings { plan_approval_required: approval, ..Settings::default() };
        let mut s = Scenario::with_settings(mode, chargeable, settings);
        s.drive_to(start).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let actors = [s.cast.technician, s.cast.dispatcher, s.cast.support, s.cast.supervisor, s.cast.storekeeper, s.cast.other_technician];
        for (who, k, flag) in steps {
            let op = pick_op(k, flag, &mut s);
            let before = s.order.clone();
            match s.run(actors[who], op.clone()) {
                Ok(()) => check_invariants(&s, &op)?,
                Err(e) => {
                    prop_assert_eq!(&s.order, &before, "a refused op changes nothing");
                    prop_assert!(e.code().starts_with("errors.order."));
                }
            }
        }
    }
}

#[test]
fn technicians_never_change_assignment_even_offline() {
    let s = Scenario::new(ServiceMode::OnSite, false);
    let mut o = s.order.clone();
    let ctx = Ctx {
        actor: Actor {
            user: UserId(uuid(2)),
            role: Role::Technician,
        },
        now: t0(),
        settings: &s.settings,
        calendar: &s.calendar,
    };
    let r = o.apply(
        &OrderOp::Assign {
            assignee: UserId(uuid(2)),
        },
        &ctx,
    );
    assert!(
        r.is_err(),
        "assignment is the office's: the server quarantines such a change"
    );
}
