//! Reconciliation end to end: real device stores and their sync clients against a real
//! server on loopback. What the server finds after merging (stock over-use, conflicting
//! state changes, a voided sign-off, late SLA clocks, quarantined changes) comes back to
//! every device as flags in the order documents, for the role that must decide.

use chrono::{Duration, Utc};
use onsite_core::doc::conflicts::{conflicts, ConflictField};
use onsite_core::doc::order::OrderOp;
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::ids::{LocationId, PartId, RecordId, RequisitionId};
use onsite_core::lifecycle::OrderState;
use onsite_core::money::Money;
use onsite_core::ops::SERVER_USER;
use onsite_core::records::order::{Flag, FlagKind, FlagParams, HeldReason};
use onsite_core::role::Role;
use onsite_core::signoff::{self, SignOffStatus};
use onsite_core::{fixtures, Ctx, OrderDoc};
use onsite_tests::devices::{dispatched, new_order, Device};
use onsite_tests::TestServer;

fn flags_of(order: &OrderDoc, kind: FlagKind) -> Vec<&Flag> {
    order.flags.iter().filter(|f| f.kind == kind).collect()
}

#[tokio::test]
async fn two_technicians_offline_on_the_last_unit_are_flagged_for_the_storekeeper(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut keeper = Device::sign_in(&server, dir.path(), "sun.li", Role::Storekeeper).await?;
    let mut li = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    let mut chen = Device::sign_in(&server, dir.path(), "chen.jie", Role::Technician).await?;

    // The two technicians work from one team van; the storekeeper issues it the last
    // belt from the warehouse.
    let (van, warehouse) = (
        LocationId(fixtures::uuid(10)),
        LocationId(fixtures::uuid(11)),
    );
    let belt = PartId(fixtures::uuid(500));
    let ctx = Ctx {
        actor: keeper.actor,
        now: Utc::now(),
        settings: &keeper.settings,
        calendar: &keeper.calendar,
    };
    // The belt is in the catalog and one is received into the warehouse, at the office:
    // the server refuses to approve or issue more than the warehouse holds.
    let token = onsite_device::token::load(&keeper.store)?
        .ok_or_else(|| anyhow::anyhow!("the storekeeper is signed in"))?;
    let http = reqwest::Client::new();
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            "/v1/office/warehouses".to_string(),
            serde_json::json!({ "id": warehouse, "name": "中心仓" }),
        ),
        (
            reqwest::Method::PUT,
            format!("/v1/office/catalog/{}", belt.0),
            serde_json::json!({ "id": belt, "number": "BELT-8", "name": "皮带", "unit": "pcs",
                "price": { "minor": 3500, "currency": "CNY" }, "serialized": false,
                "valuable": false, "certified": true }),
        ),
        (
            reqwest::Method::POST,
            "/v1/office/stock/receipts".to_string(),
            serde_json::json!({ "id": uuid::Uuid::now_v7(), "warehouse": warehouse, "part": belt,
                "quantity": 1, "serials": [] }),
        ),
    ] {
        let response = http
            .request(method, server.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{path}: {}",
            response.text().await?
        );
    }
    let req_id = RequisitionId(fixtures::uuid(700));
    let line = RecordId::new_at(ctx.now);
    let requisition = RequisitionDoc::new(
        req_id,
        "RQ-2026-000001".into(),
        li.actor.user,
        van,
        warehouse,
        None,
        &ctx,
    )?;
    keeper.store.create_requisition(requisition, &ctx)?;
    for op in [
        RequisitionOp::AddLine {
            id: line,
            part: belt,
            part_number: "BELT-8".into(),
            valuable: false,
            serialized: false,
            quantity: 1,
        },
        RequisitionOp::Approve {
            id: RecordId::new_at(ctx.now),
            quantities: vec![],
            note: "last one in stock".into(),
        },
        RequisitionOp::Issue {
            id: RecordId::new_at(ctx.now),
            line,
            quantity: 1,
            serials: vec![],
        },
    ] {
        keeper.store.apply_requisition(req_id, &op, &ctx)?;
    }
    let issued = keeper.sync().await?;
    assert!(
        issued.quarantined.is_empty() && issued.rejected.is_empty(),
        "{issued:?}"
    );

    let li_order = dispatched(&mut office, &mut li, 1).await?;
    let chen_order = dispatched(&mut office, &mut chen, 2).await?;

    // Both offline on site: each fits the belt from the van.
    for (tech, id) in [(&mut li, li_order), (&mut chen, chen_order)] {
        tech.visit_until_plan_agreed(id)?;
        tech.apply(
            id,
            OrderOp::UsePart {
                id: RecordId::new_at(Utc::now()),
                part: belt,
                part_number: "BELT-8".into(),
                certified: true,
                serialized: false,
                quantity: 1,
                serials_new: vec![],
                serials_old: vec![],
                location: van,
            },
        )?;
    }

    // Back online, one after the other: both syncs succeed.
    for tech in [&mut li, &mut chen] {
        let report = tech.sync().await?;
        assert_eq!(report.pushed, 1, "the visit and the part were sent");
        assert!(
            report.quarantined.is_empty(),
            "using a part is never refused"
        );
    }
    li.sync().await?;
    keeper.sync().await?;

    for (tech, id) in [(&mut li, li_order), (&mut chen, chen_order)] {
        let at_keeper = keeper.order(id)?;
        assert_eq!(
            at_keeper.parts.len(),
            1,
            "the usage record stays as the technician made it"
        );
        let over = flags_of(&at_keeper, FlagKind::StockOverUse);
        assert_eq!(over.len(), 1, "one over-use flag on {}", at_keeper.number);
        assert_eq!(over[0].subject, "BELT-8");
        assert_eq!(over[0].for_role, Role::Storekeeper, "for the storekeeper");
        assert!(over[0].is_open());
        assert_eq!(over[0].detail, "", "no English prose; the params say it");
        let below_zero = over[0].params.iter().find_map(|p| match p {
            FlagParams::StockBelowZero {
                part_number,
                balance,
                orders,
                ..
            } => Some((part_number.as_str(), *balance, orders.clone())),
            _ => None,
        });
        assert_eq!(
            below_zero,
            Some((
                "BELT-8",
                -1,
                vec!["WO-2026-000001".to_string(), "WO-2026-000002".to_string()]
            )),
            "the params name the part, the balance and both orders: {:?}",
            over[0].params
        );
        assert_eq!(
            tech.order(id)?.flags,
            at_keeper.flags,
            "the technician's copy has the same flags"
        );
    }

    // The storekeeper settles Li's flag; further work on the order raises no new one.
    let flag = flags_of(&keeper.order(li_order)?, FlagKind::StockOverUse)[0].id;
    keeper.apply(
        li_order,
        OrderOp::ResolveFlag {
            id: flag,
            note: "counted the van: one belt came from the workshop".into(),
            choice: None,
        },
    )?;
    keeper.sync().await?;
    li.sync().await?;
    li.repair_and_test(li_order)?;
    li.sync().await?;
    keeper.sync().await?;
    let settled = keeper.order(li_order)?;
    let over = flags_of(&settled, FlagKind::StockOverUse);
    assert_eq!(over.len(), 1, "no second flag for the same over-use");
    assert!(!over[0].is_open(), "and it stays resolved");
    assert_eq!(
        over[0].resolution.as_ref().map(|r| r.by),
        Some(keeper.actor.user)
    );
    server.stop().await
}

#[tokio::test]
async fn office_cancel_against_offline_completion_is_decided_by_a_supervisor() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut boss = Device::sign_in(&server, dir.path(), "zhao.min", Role::Supervisor).await?;
    let mut li = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;

    let id = dispatched(&mut office, &mut li, 3).await?;
    li.visit_until_plan_agreed(id)?;
    li.repair_and_test(id)?;
    li.sync().await?;

    // The office is online and up to date (it sees the order tested). Offline, the
    // technician completes the order while the office cancels it.
    office.sync().await?;
    li.sign_off(id)?;
    li.apply(id, OrderOp::Close)?;
    office.apply(
        id,
        OrderOp::Cancel {
            reason: "customer bought a new machine".into(),
        },
    )?;
    office.sync().await?;
    let report = li.sync().await?;
    assert!(report.quarantined.is_empty(), "the completion is merged");
    boss.sync().await?;

    let merged = boss.order(id)?;
    let conflict = flags_of(&merged, FlagKind::Conflict);
    assert_eq!(conflict.len(), 1, "one conflict flag");
    assert_eq!(
        (conflict[0].subject.as_str(), conflict[0].for_role),
        ("state", Role::Supervisor)
    );
    let values: Vec<&str> = conflict[0]
        .params
        .iter()
        .flat_map(|p| match p {
            FlagParams::Conflict { values } => values.iter().collect::<Vec<_>>(),
            _ => vec![],
        })
        .filter(|v| v.path == "state")
        .flat_map(|v| v.values.iter().map(String::as_str))
        .collect();
    assert!(
        values.contains(&"cancelled") && values.contains(&"closed"),
        "the params list both values: {:?}",
        conflict[0].params
    );
    assert!(
        merged.cancellation.is_some() && merged.sign_off.is_some(),
        "neither the cancellation nor the sign-off is lost"
    );
    let moves: Vec<(OrderState, Role)> = merged.history.iter().map(|h| (h.to, h.role)).collect();
    assert!(
        moves.contains(&(OrderState::Cancelled, Role::Dispatcher))
            && moves.contains(&(OrderState::Closed, Role::Technician)),
        "both moves are in the history: {moves:?}"
    );
    assert!(
        boss.read_order(id, |doc| conflicts(doc)
            .iter()
            .any(|c| c.field == ConflictField::State))?,
        "the register holds both values until someone decides"
    );

    // A technician may not decide; the supervisor keeps the cancellation.
    let flag = conflict[0].id;
    let refused = li
        .apply(
            id,
            OrderOp::ResolveFlag {
                id: flag,
                note: "done".into(),
                choice: Some("closed".into()),
            },
        )
        .err()
        .ok_or_else(|| anyhow::anyhow!("a technician resolving must be refused"))?;
    assert!(
        format!("{refused:#}").contains("may not resolve_flag"),
        "{refused:#}"
    );
    boss.apply(
        id,
        OrderOp::ResolveFlag {
            id: flag,
            note: "the customer confirmed the cancellation; no charge".into(),
            choice: Some("cancelled".into()),
        },
    )?;
    boss.sync().await?;
    office.sync().await?;
    li.sync().await?;

    for (who, device) in [
        ("office", &mut office),
        ("technician", &mut li),
        ("supervisor", &mut boss),
    ] {
        let order = device.order(id)?;
        assert_eq!(
            order.state,
            OrderState::Cancelled,
            "{who}: the choice is kept"
        );
        assert_eq!(order.open_flags().count(), 0, "{who}: nothing left open");
        assert!(
            order.cancellation.is_some() && order.sign_off.is_some(),
            "{who}: both records remain"
        );
        let left = device.read_order(id, conflicts)?;
        assert!(
            left.is_empty(),
            "{who}: no concurrent values left: {left:?}"
        );
    }
    assert_eq!(li.order(id)?, office.order(id)?, "the replicas converged");
    server.stop().await
}

#[tokio::test]
async fn work_recorded_after_signing_voids_the_sign_off_on_the_device_and_at_the_office(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut boss = Device::sign_in(&server, dir.path(), "zhao.min", Role::Supervisor).await?;
    let mut li = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;

    let id = dispatched(&mut office, &mut li, 4).await?;
    li.visit_until_plan_agreed(id)?;
    li.repair_and_test(id)?;
    li.sign_off(id)?;
    li.apply(id, OrderOp::Close)?;
    li.sync().await?;
    assert_eq!(signoff::status(&li.order(id)?), SignOffStatus::Valid);

    // The customer calls back; the supervisor reopens and the technician fits a part.
    // No operation lets a technician change the fee itself (fee overrides are the
    // supervisor's), so the change after signing is the part, which the signature
    // also covers.
    boss.sync().await?;
    boss.apply(
        id,
        OrderOp::Reopen {
            reason: "noise at full spin".into(),
        },
    )?;
    boss.sync().await?;
    li.sync().await?;
    li.apply(
        id,
        OrderOp::UsePart {
            id: RecordId::new_at(Utc::now()),
            part: PartId(fixtures::uuid(501)),
            part_number: "BRG-2".into(),
            certified: true,
            serialized: false,
            quantity: 1,
            serials_new: vec![],
            serials_old: vec![],
            location: LocationId(fixtures::uuid(10)),
        },
    )?;
    assert_eq!(
        signoff::status(&li.order(id)?),
        SignOffStatus::Void,
        "the device shows the signature as void at once"
    );
    li.sync().await?;
    office.sync().await?;

    let at_office = office.order(id)?;
    assert_eq!(signoff::status(&at_office), SignOffStatus::Void);
    let void = flags_of(&at_office, FlagKind::SignOffVoid);
    assert_eq!(void.len(), 1, "the office sees one void flag");
    assert_eq!(void[0].for_role, Role::Supervisor);
    assert!(
        matches!(&void[0].params[..], [FlagParams::SignOffVoid { signer, .. }] if signer == "王芳"),
        "{:?}",
        void[0].params
    );
    assert_eq!(
        flags_of(&li.order(id)?, FlagKind::SignOffVoid).len(),
        1,
        "the technician's sync brought the flag back in the same response"
    );

    // More work while the signature is void raises nothing new.
    li.apply(
        id,
        OrderOp::AddRepairStep {
            id: RecordId::new_at(Utc::now()),
            description: "replaced the drum bearing".into(),
            minutes: 30,
        },
    )?;
    li.sync().await?;
    assert_eq!(flags_of(&li.order(id)?, FlagKind::SignOffVoid).len(), 1);
    server.stop().await
}

#[tokio::test]
async fn an_order_past_its_deadline_is_flagged_breached_and_an_at_risk_flag_is_withdrawn(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;

    // Taken in by phone three days ago and never answered: the 24 h first response is
    // breached. Another, 20 h ago: 4 of 24 h left, under the 25 % at-risk share.
    let mut late = new_order(5);
    late.request.received_at = Utc::now() - Duration::days(3);
    let mut close = new_order(6);
    close.request.received_at = Utc::now() - Duration::hours(20);
    let (late_id, close_id) = (late.id, close.id);
    office.create_order(late)?;
    office.create_order(close)?;
    office.sync().await?;

    let late = office.order(late_id)?;
    let breached = flags_of(&late, FlagKind::SlaBreached);
    let first = breached
        .iter()
        .find(|f| f.subject == "first_response")
        .ok_or_else(|| anyhow::anyhow!("no first_response breach: {:?}", late.flags))?;
    assert_eq!(
        first.for_role,
        Role::Supervisor,
        "a breach goes to the supervisor"
    );
    assert!(first.is_open());

    let close = office.order(close_id)?;
    let at_risk = flags_of(&close, FlagKind::SlaAtRisk);
    assert_eq!(
        at_risk
            .iter()
            .map(|f| f.subject.as_str())
            .collect::<Vec<_>>(),
        ["first_response"],
        "only the first response is at risk"
    );
    assert_eq!(
        at_risk[0].for_role,
        Role::Dispatcher,
        "for the dispatcher to act on"
    );
    assert!(flags_of(&close, FlagKind::SlaBreached).is_empty());

    // The dispatcher calls the customer in time: the server withdraws its warning.
    office.apply(
        close_id,
        OrderOp::LogContact {
            id: RecordId::new_at(Utc::now()),
            channel: onsite_core::records::order::ContactChannel::Phone,
            reached: true,
            note: "booked for tomorrow".into(),
        },
    )?;
    office.sync().await?;
    let close = office.order(close_id)?;
    let at_risk = flags_of(&close, FlagKind::SlaAtRisk);
    assert_eq!(at_risk.len(), 1, "withdrawn, not duplicated");
    let withdrawn = at_risk[0]
        .resolution
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the at-risk flag is still open"))?;
    assert_eq!(
        (withdrawn.by, withdrawn.choice.as_deref()),
        (SERVER_USER, Some("met")),
        "settled by the server because the clock was met"
    );

    // Another push on the late order keeps its one breach flag.
    office.apply(
        late_id,
        OrderOp::Comment {
            id: RecordId::new_at(Utc::now()),
            text: "escalated".into(),
        },
    )?;
    office.sync().await?;
    let late = office.order(late_id)?;
    assert_eq!(
        flags_of(&late, FlagKind::SlaBreached)
            .iter()
            .filter(|f| f.subject == "first_response")
            .count(),
        1,
        "idempotent"
    );
    server.stop().await
}

#[tokio::test]
async fn a_quarantined_change_is_flagged_on_the_order_for_a_supervisor() -> anyhow::Result<()> {
    use onsite_tests::protocol_client::Client;
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let tech = server.add_user(
        "li.wei",
        "李伟",
        Role::Technician,
        onsite_tests::devices::PASSWORD,
    )?;
    let tech_user = onsite_core::UserId(tech.id.parse()?);

    let new = new_order(7);
    let id = new.id;
    office.create_order(new)?;
    office.apply(
        id,
        OrderOp::Dispatch {
            assignee: tech_user,
            window: None,
        },
    )?;
    office.sync().await?;

    // A tampered client: the technician's changes include a fee override, which only a
    // supervisor may make. The server merges, puts the fee back and quarantines it.
    let mut phone =
        Client::sign_in(&server.url(""), "li.wei", onsite_tests::devices::PASSWORD).await?;
    phone.sync().await?;
    let settings = onsite_core::Settings::default();
    let calendar = onsite_core::Calendar::default();
    let forged = Ctx {
        actor: onsite_core::role::Actor {
            user: tech_user,
            role: Role::Supervisor,
        },
        now: Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    onsite_core::ops::apply(
        phone.doc(&id.to_string())?,
        &OrderOp::OverrideFee {
            id: RecordId::new_at(forged.now),
            fee: Money::new(1, "CNY"),
            reason: "discount".into(),
        },
        &forged,
    )?;
    phone.sync().await?;
    assert!(
        phone.last_results.iter().any(|r| matches!(r,
            onsite_core::protocol::PushResult::Quarantined { code, .. } if code == "technician_may_not_change")),
        "{:?}",
        phone.last_results
    );

    office.sync().await?;
    let order = office.order(id)?;
    let held = flags_of(&order, FlagKind::Quarantined);
    assert_eq!(held.len(), 1, "{:?}", order.flags);
    assert_eq!(
        (held[0].subject.as_str(), held[0].for_role),
        ("technician_may_not_change", Role::Supervisor)
    );
    assert!(
        matches!(
            &held[0].params[..],
            [FlagParams::Held { reason: HeldReason::MayNotChange, role: Role::Technician, by, .. }]
                if !by.is_empty()
        ),
        "the params say why and who, for the reader's language: {:?}",
        held[0].params
    );
    assert!(order.fee_overrides.is_empty(), "the override was put back");
    server.stop().await
}
