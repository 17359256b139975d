//! Parts requisitions end to end (领用申请 → 审批 → 发放 → 配件使用 → 归还 → 报废), against a
//! real server on loopback with real device stores, the office working through the same
//! `/v1/office/requisitions…` endpoints the desk uses. A technician offline asks for two
//! drain pumps for an order; the supervisor approves and the storekeeper issues; the
//! technician fits one offline and hands back the other and the old pump; the storekeeper
//! takes the spare back into stock and scraps the old one. And the server's rules: a
//! technician never issues to themselves, a dispatcher never approves, a valuable part
//! needs a supervisor, and more than the warehouse holds is not approved, from the desk
//! or in a push.

use chrono::Utc;
use onsite_core::doc::order::OrderOp;
use onsite_core::doc::requisition::{
    HandBackKind, RequisitionDoc, RequisitionOp, RequisitionStatus,
};
use onsite_core::ids::{LocationId, OrderId, PartId, RecordId, RequisitionId};
use onsite_core::role::Role;
use onsite_core::Ctx;
use onsite_tests::devices::{new_order, Device};
use onsite_tests::office_http::{add_user, balance, first_run, get, post, token};
use onsite_tests::TestServer;
use serde_json::{json, Value};

const CATALOG: &str = "备件编号,名称,单位,单价,序列号管理,贵重/限量,原厂认证,条形码\n\
    PUMP-21,排水泵 Drain pump,个,120,是,否,是,\n\
    MB-7,主控板 Main board,块,860,否,是,是,\n";

/// The company: a supervisor, a storekeeper, a dispatcher and a technician with a van;
/// the catalog; a warehouse holding five pumps (serials P1…P5) and two main boards.
struct Company {
    server: TestServer,
    _dir: tempfile::TempDir,
    boss: String,
    keeper: String,
    dispatcher: String,
    tech_token: String,
    li: Device,
    office: Device,
    warehouse: LocationId,
    van: LocationId,
    pump: PartId,
    board: PartId,
}

async fn company() -> anyhow::Result<Company> {
    let (server, boss) = first_run().await?;
    let dir = tempfile::tempdir()?;
    let mut ids = Vec::new();
    for (login, name, role) in [
        ("sun.li", "孙丽", "storekeeper"),
        ("li.wei", "李伟", "technician"),
        ("wang.fang", "王芳", "dispatcher"),
    ] {
        ids.push(add_user(&server, &boss, login, name, role).await?);
    }
    let keeper = token(&server, "sun.li").await?;
    let dispatcher = token(&server, "wang.fang").await?;
    let tech_token = token(&server, "li.wei").await?;
    let (status, report) = post(
        &server,
        &keeper,
        "/v1/office/catalog/import",
        json!({ "csv": CATALOG }),
    )
    .await?;
    anyhow::ensure!(status == 200, "{report}");
    let warehouse = LocationId(uuid::Uuid::now_v7());
    post(
        &server,
        &keeper,
        "/v1/office/warehouses",
        json!({ "id": warehouse, "name": "北京中心仓" }),
    )
    .await?;
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    let part = |number: &str| -> anyhow::Result<PartId> {
        Ok(stock["parts"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["number"] == number))
            .and_then(|p| p["id"].as_str())
            .ok_or_else(|| anyhow::anyhow!("{number} in {stock}"))?
            .parse()?)
    };
    let (pump, board) = (part("PUMP-21")?, part("MB-7")?);
    let van: LocationId = stock["locations"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["holder"] == ids[1].as_str()))
        .and_then(|l| l["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("the technician has a van: {stock}"))?
        .parse()?;
    for (part, quantity, serials) in [
        (pump, 5, json!(["P1", "P2", "P3", "P4", "P5"])),
        (board, 2, json!([])),
    ] {
        let (status, body) = post(
            &server,
            &keeper,
            "/v1/office/stock/receipts",
            json!({ "id": uuid::Uuid::now_v7(), "warehouse": warehouse, "part": part, "quantity": quantity, "serials": serials }),
        )
        .await?;
        anyhow::ensure!(status == 204, "{body}");
    }
    let li =
        Device::sign_in_existing(&server, dir.path(), "li.wei", &ids[1], Role::Technician).await?;
    let office =
        Device::sign_in_existing(&server, dir.path(), "wang.fang", &ids[2], Role::Dispatcher)
            .await?;
    Ok(Company {
        server,
        _dir: dir,
        boss,
        keeper,
        dispatcher,
        tech_token,
        li,
        office,
        warehouse,
        van,
        pump,
        board,
    })
}

fn ctx(d: &Device) -> Ctx<'_> {
    Ctx {
        actor: d.actor,
        now: Utc::now(),
        settings: &d.settings,
        calendar: &d.calendar,
    }
}

/// Applies a requisition operation on `d`'s own store, as its user.
fn apply_req(
    d: &mut Device,
    id: RequisitionId,
    op: &RequisitionOp,
) -> anyhow::Result<RequisitionDoc> {
    let (settings, calendar) = (d.settings.clone(), d.calendar.clone());
    let cx = Ctx {
        actor: d.actor,
        now: Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    Ok(d.store.apply_requisition(id, op, &cx)?)
}

/// The technician asks, on their own device, for `quantity` of `part` for `order`.
fn ask(
    c: &mut Company,
    part: PartId,
    number: &str,
    valuable: bool,
    quantity: u32,
    order: Option<OrderId>,
) -> anyhow::Result<(RequisitionId, RecordId)> {
    let id = RequisitionId(uuid::Uuid::now_v7());
    let line = RecordId(uuid::Uuid::now_v7());
    let (van, warehouse) = (c.van, c.warehouse);
    let li = &mut c.li;
    let doc = RequisitionDoc::new(
        id,
        format!("RQ-{number}"),
        li.actor.user,
        van,
        warehouse,
        order,
        &ctx(li),
    )?;
    let (settings, calendar) = (li.settings.clone(), li.calendar.clone());
    let cx = Ctx {
        actor: li.actor,
        now: Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    li.store.create_requisition(doc, &cx)?;
    apply_req(
        li,
        id,
        &RequisitionOp::AddLine {
            id: line,
            part,
            part_number: number.into(),
            valuable,
            serialized: number == "PUMP-21",
            quantity,
        },
    )?;
    Ok((id, line))
}

fn queued<'a>(queue: &'a Value, list: &str, id: RequisitionId) -> Option<&'a Value> {
    queue[list]
        .as_array()?
        .iter()
        .find(|e| e["id"] == id.to_string())
}

#[tokio::test]
async fn two_pumps_asked_offline_approved_issued_one_fitted_one_returned_and_the_old_one_scrapped(
) -> anyhow::Result<()> {
    let mut c = company().await?;
    let new = new_order(1);
    let order = new.id;
    c.office.create_order(new)?;
    c.office.apply(
        order,
        OrderOp::Dispatch {
            assignee: c.li.actor.user,
            window: None,
        },
    )?;
    c.office.sync().await?;
    c.li.sync().await?;

    // Offline, in the basement: two pumps for the order.
    let pump = c.pump;
    let (req, line) = ask(&mut c, pump, "PUMP-21", false, 2, Some(order))?;
    assert_eq!(
        c.li.store.pending()?.len(),
        1,
        "the request waits on the device"
    );
    c.li.sync().await?;

    let (_, queue) = get(&c.server, &c.keeper, "/v1/office/requisitions").await?;
    let entry = queued(&queue, "to_approve", req).ok_or_else(|| anyhow::anyhow!("{queue}"))?;
    assert_eq!(entry["requester_name"], "李伟");
    assert_eq!(
        entry["lines"][0]["in_warehouse"], 5,
        "the approver sees the warehouse's stock"
    );
    let path = format!("/v1/office/requisitions/{req}");

    // The supervisor approves; the storekeeper issues with the serials.
    let (status, body) = post(
        &c.server,
        &c.boss,
        &path,
        json!({ "action": "approve", "id": uuid::Uuid::now_v7() }),
    )
    .await?;
    assert_eq!(status, 204, "{body}");
    let issue = json!({ "action": "issue", "id": uuid::Uuid::now_v7(), "line": line, "quantity": 2, "serials": ["P1"] });
    let (status, body) = post(&c.server, &c.keeper, &path, issue).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("errors.requisition.serial_missing")),
        "a serialized pump is issued with one serial per unit"
    );
    let issue = json!({ "action": "issue", "id": uuid::Uuid::now_v7(), "line": line, "quantity": 2, "serials": ["P1", "P2"] });
    for _ in 0..2 {
        // Sent twice (a retry): issued once.
        let (status, body) = post(&c.server, &c.keeper, &path, issue.clone()).await?;
        assert_eq!(status, 204, "{body}");
    }

    c.li.sync().await?;
    let on_phone = c.li.store.requisition(req)?;
    assert_eq!(
        on_phone.status,
        RequisitionStatus::Issued,
        "the phone follows the request"
    );
    assert_eq!(
        on_phone.lines[0].issued, 2,
        "issued once, for all the retry"
    );
    let van_now: Vec<(String, i64)> =
        c.li.store
            .stock_balances(&c.van.to_string())?
            .into_iter()
            .map(|b| (b.part_id, b.quantity))
            .collect();
    assert_eq!(
        van_now,
        vec![(c.pump.to_string(), 2)],
        "two pumps in the van"
    );

    // Offline again: one pump fitted, the spare and the old pump handed back.
    c.li.visit_until_plan_agreed(order)?;
    c.li.apply(
        order,
        OrderOp::UsePart {
            id: RecordId::new_at(Utc::now()),
            part: c.pump,
            part_number: "PUMP-21".into(),
            certified: true,
            serialized: true,
            quantity: 1,
            serials_new: vec!["P1".into()],
            serials_old: vec!["OLD-9".into()],
            location: c.van,
        },
    )?;
    let (spare, old) = (
        RecordId(uuid::Uuid::now_v7()),
        RecordId(uuid::Uuid::now_v7()),
    );
    for (id, what, line, serial) in [
        (spare, HandBackKind::Unused, Some(line), "P2"),
        (old, HandBackKind::OldPart, None, "OLD-9"),
    ] {
        apply_req(
            &mut c.li,
            req,
            &RequisitionOp::HandBack {
                id,
                what,
                line,
                part: c.pump,
                part_number: "PUMP-21".into(),
                serialized: true,
                quantity: 1,
                serials: vec![serial.into()],
                order: Some(order),
                note: String::new(),
            },
        )?;
    }
    let report = c.li.sync().await?;
    assert!(
        report.quarantined.is_empty() && report.rejected.is_empty(),
        "hand-backs are the technician's to make: {report:?}"
    );

    let (_, queue) = get(&c.server, &c.keeper, "/v1/office/requisitions").await?;
    let entry = queued(&queue, "to_take_back", req).ok_or_else(|| anyhow::anyhow!("{queue}"))?;
    let order_number = c.li.order(order)?.number;
    assert!(
        entry["handbacks"].as_array().is_some_and(
            |h| h.len() == 2 && h.iter().all(|h| h["order_number"] == order_number.as_str())
        ),
        "both hand-backs, linked to the order: {entry}"
    );
    let take = |handback: RecordId, outcome: &str, reason: &str| json!({ "action": "take_back", "id": uuid::Uuid::now_v7(), "handback": handback, "outcome": outcome, "reason": reason });
    let (status, body) = post(
        &c.server,
        &c.keeper,
        &path,
        take(spare, "scrapped", "dented"),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("errors.requisition.unused_goes_to_stock")),
        "{body}"
    );
    let (status, body) = post(&c.server, &c.keeper, &path, take(spare, "to_stock", "")).await?;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post(&c.server, &c.keeper, &path, take(old, "scrapped", "")).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("errors.requisition.reason_required"))
    );
    let (status, body) = post(
        &c.server,
        &c.keeper,
        &path,
        take(old, "scrapped", "motor burnt out"),
    )
    .await?;
    assert_eq!(status, 204, "{body}");

    // Every location's balance is right, and nothing is over-used.
    let (_, stock) = get(&c.server, &c.keeper, "/v1/office/stock").await?;
    assert_eq!(
        balance(&stock, c.warehouse, c.pump),
        4,
        "5 received, 2 issued, the spare back"
    );
    assert_eq!(
        balance(&stock, c.van, c.pump),
        0,
        "2 issued, 1 fitted, 1 handed back"
    );
    assert!(
        stock["balances"]
            .as_array()
            .is_some_and(|b| b.iter().all(|l| l["quantity"].as_i64() >= Some(0))),
        "no location below zero: {stock}"
    );
    let (_, queue) = get(&c.server, &c.keeper, "/v1/office/requisitions").await?;
    assert!(
        queued(&queue, "to_take_back", req).is_none(),
        "nothing left to take back"
    );
    c.li.sync().await?;
    let order_doc = c.li.order(order)?;
    assert_eq!(
        order_doc.parts.len(),
        1,
        "the usage record stays as the technician made it"
    );
    assert!(order_doc
        .flags
        .iter()
        .all(|f| f.kind != onsite_core::records::order::FlagKind::StockOverUse));
    let van_now = c.li.store.stock_balances(&c.van.to_string())?;
    assert!(
        van_now.iter().all(|b| b.quantity == 0),
        "the phone's van agrees: {van_now:?}"
    );

    // Each step is attributable: who, in which role, and from which device.
    let r = c.li.store.requisition(req)?;
    let by = |kind: onsite_core::stock::MovementKind| -> Vec<(Role, String)> {
        r.events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| (e.by.role, e.by.user.to_string()))
            .collect()
    };
    use onsite_core::stock::MovementKind as K;
    let (_, people) = get(&c.server, &c.boss, "/v1/office/people").await?;
    let user = |name: &str| -> String {
        people["users"]
            .as_array()
            .and_then(|u| u.iter().find(|u| u["name"] == name))
            .and_then(|u| u["id"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(by(K::Requisition), vec![(Role::Technician, user("李伟"))]);
    assert_eq!(by(K::Approve), vec![(Role::Supervisor, user("刘洋"))]);
    assert_eq!(by(K::Issue), vec![(Role::Storekeeper, user("孙丽"))]);
    assert_eq!(by(K::Return), vec![(Role::Storekeeper, user("孙丽"))]);
    let scrapped = r
        .handbacks
        .iter()
        .find(|h| h.id == old)
        .and_then(|h| h.taken_back.clone())
        .ok_or_else(|| anyhow::anyhow!("old part taken back"))?;
    assert_eq!(
        (scrapped.by.role, scrapped.reason.as_str()),
        (Role::Storekeeper, "motor burnt out")
    );
    let audit: Vec<(String, String)> = people["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap_or("").to_string(),
                        e["by_name"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for expected in [
        ("requisition_approve", "刘洋"),
        ("requisition_issue", "孙丽"),
        ("requisition_take_back", "孙丽"),
    ] {
        assert!(
            audit.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {audit:?}"
        );
    }
    // The ask and the hand-backs are the technician's own device's changes.
    let db = onsite_tests::pg::open(c.server.data.path())?;
    let stored = onsite_server::sync::docs::load(&db.conn(), &req.to_string())?
        .ok_or_else(|| anyhow::anyhow!("stored"))?;
    let phone = c.li.store.actor_id().clone();
    let mut doc = stored.doc;
    let from_phone: Vec<String> = doc
        .get_changes(&[])
        .iter()
        .filter(|ch| ch.actor_id() == &phone)
        .filter_map(|ch| ch.message().map(str::to_string))
        .collect();
    assert!(
        from_phone
            .iter()
            .any(|m| m.starts_with("requisition.add_line technician")),
        "{from_phone:?}"
    );
    assert!(
        from_phone
            .iter()
            .any(|m| m.starts_with("requisition.hand_back technician")),
        "{from_phone:?}"
    );
    c.server.stop().await
}

#[tokio::test]
async fn the_server_refuses_a_technician_issuing_a_dispatcher_approving_a_storekeeper_approving_a_valuable_part_and_more_than_the_warehouse_holds(
) -> anyhow::Result<()> {
    let mut c = company().await?;
    let (pump, board) = (c.pump, c.board);
    let (pumps, pump_line) = ask(&mut c, pump, "PUMP-21", false, 2, None)?;
    let (boards, _) = ask(&mut c, board, "MB-7", true, 1, None)?;
    let (many, _) = ask(&mut c, pump, "PUMP-21", false, 9, None)?;
    c.li.sync().await?;
    let act = |id: RequisitionId| format!("/v1/office/requisitions/{id}");
    let approve = || json!({ "action": "approve", "id": uuid::Uuid::now_v7() });

    let (status, body) = post(&c.server, &c.dispatcher, &act(pumps), approve()).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("errors.requisition.role_not_permitted")),
        "a dispatcher never approves: {body}"
    );
    let (status, body) = post(&c.server, &c.tech_token, &act(pumps), approve()).await?;
    assert_eq!(status, 403, "nor the technician: {body}");
    let (status, body) = post(&c.server, &c.keeper, &act(boards), approve()).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("errors.requisition.valuable_needs_supervisor")),
        "{body}"
    );
    let (status, body) = post(&c.server, &c.boss, &act(many), approve()).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("errors.requisition.not_enough_stock")),
        "{body}"
    );
    assert_eq!(
        (
            body["details"]["available"].clone(),
            body["details"]["wanted"].clone(),
            body["details"]["location"].clone()
        ),
        (json!(5), json!(9), json!("北京中心仓")),
        "said in words: {body}"
    );
    let (status, _) = post(&c.server, &c.boss, &act(boards), approve()).await?;
    assert_eq!(status, 204, "the supervisor approves the valuable board");

    // The storekeeper approves the pumps; the technician cannot issue them to their van.
    let (status, _) = post(&c.server, &c.keeper, &act(pumps), approve()).await?;
    assert_eq!(
        status, 204,
        "ordinary parts are the storekeeper's to approve"
    );
    let issue = json!({ "action": "issue", "id": uuid::Uuid::now_v7(), "line": pump_line, "quantity": 2, "serials": ["P1", "P2"] });
    let (status, body) = post(&c.server, &c.tech_token, &act(pumps), issue).await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("errors.requisition.role_not_permitted")),
        "{body}"
    );

    // The queue tells each role what it may do, by the same rules.
    let (_, queue) = get(&c.server, &c.keeper, "/v1/office/requisitions").await?;
    let checks =
        &queued(&queue, "to_approve", many).ok_or_else(|| anyhow::anyhow!("{queue}"))?["checks"];
    assert!(checks.as_array().is_some_and(|c| c
        .iter()
        .any(|c| c["action"] == "approve" && c["refused"].is_null())));

    // The same limit on a push: a storekeeper's desk device approving the nine pumps
    // offline is held, and the approval is put back.
    let (_, people) = get(&c.server, &c.boss, "/v1/office/people").await?;
    let keeper_id = people["users"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["name"] == "孙丽"))
        .and_then(|u| u["id"].as_str())
        .unwrap_or_default()
        .to_string();
    let mut desk = Device::sign_in_existing(
        &c.server,
        c._dir.path(),
        "sun.li",
        &keeper_id,
        Role::Storekeeper,
    )
    .await?;
    desk.sync().await?;
    apply_req(
        &mut desk,
        many,
        &RequisitionOp::Approve {
            id: RecordId(uuid::Uuid::now_v7()),
            quantities: vec![],
            note: String::new(),
        },
    )?;
    let report = desk.sync().await?;
    assert!(
        report
            .quarantined
            .iter()
            .any(|(doc, reason)| doc == &many.to_string() && reason.contains("cannot be approved")),
        "held, in words: {report:?}"
    );
    assert_eq!(
        desk.store.requisition(many)?.status,
        RequisitionStatus::Requested,
        "put back on the device"
    );
    c.li.sync().await?;
    assert!(
        c.li.store.requisition(many)?.approval.is_none(),
        "and on the technician's"
    );
    c.server.stop().await
}
