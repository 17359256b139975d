//! Stock counts (盘点) and over-use resolved for real, against a real server on loopback,
//! with the storekeeper's tablet running the app's own commands (`onsite-commands`) over
//! a real device store: the figures are entered offline and sent when the office answers
//! again; only the supervisor's approval posts the surplus and shortage, and a movement
//! made while counting stays on top. Then two technicians on the last unit: after the
//! storekeeper records the late issue, no balance is negative and both usage records
//! are as the technicians made them.

use chrono::Utc;
use onsite_commands::stock::{self, CountCommand};
use onsite_commands::App;
use onsite_core::doc::order::OrderOp;
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::ids::{LocationId, PartId, RecordId, RequisitionId};
use onsite_core::records::order::{Flag, FlagKind};
use onsite_core::role::Role;
use onsite_core::stock_count::CountState;
use onsite_core::{fixtures, Ctx, OrderDoc};
use onsite_device::sync_client::SyncClient;
use onsite_device::Store;
use onsite_tests::devices::{dispatched, Device, PASSWORD};
use onsite_tests::office_http::{add_user, balance, call, first_run, get, part_id, post, token};
use onsite_tests::TestServer;
use serde_json::json;

/// The storekeeper's tablet: the app's command layer over its own signed-in store.
async fn tablet(server: &TestServer, dir: &std::path::Path, login: &str) -> anyhow::Result<App> {
    let mut store = Store::open(&dir.join(format!("{login}-tablet.db")))?;
    SyncClient::sign_in(&mut store, &server.url(""), login, PASSWORD, "tablet").await?;
    Ok(App::new(store))
}

/// The tablet leaves the warehouse's wifi (or comes back): its office address stops (or
/// starts) answering.
fn reach(app: &App, url: &str) -> anyhow::Result<()> {
    app.with_store(|s| Ok(s.set_meta("server_url", url)?))
        .map_err(|e| anyhow::anyhow!("{}", e.message))
}

fn err(e: onsite_commands::CommandError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.code, e.message)
}

const CATALOG: &str = "备件编号,名称,单位,单价,序列号管理,贵重/限量,原厂认证,条形码\n\
    BELT-8,传动皮带 Drive belt,条,35.00,否,否,是,\n\
    FILTER-3,滤网 Filter,个,12,否,否,是,\n";

#[tokio::test]
async fn a_count_with_a_surplus_and_a_shortage_posts_only_after_approval_and_keeps_what_moved_meanwhile(
) -> anyhow::Result<()> {
    let (server, boss) = first_run().await?;
    let dir = tempfile::tempdir()?;
    for (login, name, role) in [
        ("sun.li", "孙丽", "storekeeper"),
        ("wang.fang", "王芳", "dispatcher"),
        ("li.wei", "李伟", "technician"),
    ] {
        add_user(&server, &boss, login, name, role).await?;
    }
    let keeper = token(&server, "sun.li").await?;
    let dispatcher = token(&server, "wang.fang").await?;
    let (status, _) = post(
        &server,
        &keeper,
        "/v1/office/catalog/import",
        json!({ "csv": CATALOG }),
    )
    .await?;
    assert_eq!(status, 200);
    let warehouse = LocationId(uuid::Uuid::now_v7());
    post(
        &server,
        &keeper,
        "/v1/office/warehouses",
        json!({ "id": warehouse, "name": "北京中心仓" }),
    )
    .await?;
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    let (belt, filter) = (part_id(&stock, "BELT-8")?, part_id(&stock, "FILTER-3")?);
    let van: LocationId = stock["locations"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["kind"] == "van"))
        .and_then(|l| l["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("the technician has a van: {stock}"))?
        .parse()?;
    for (part, quantity) in [(belt, 5), (filter, 4)] {
        let (status, body) = post(
            &server,
            &keeper,
            "/v1/office/stock/receipts",
            json!({ "id": uuid::Uuid::now_v7(), "warehouse": warehouse, "part": part, "quantity": quantity }),
        )
        .await?;
        assert_eq!(status, 204, "{body}");
    }

    // Who may open: not a dispatcher.
    let (status, refused) = post(
        &server,
        &dispatcher,
        "/v1/office/counts",
        json!({ "id": uuid::Uuid::now_v7(), "location": warehouse }),
    )
    .await?;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("errors.office.catalog_not_permitted"))
    );

    // The storekeeper opens the count on the tablet: the book figures are fixed now.
    let pad = tablet(&server, dir.path(), "sun.li").await?;
    let opened = stock::stock_count_action(
        &pad,
        CountCommand::Open {
            location: warehouse,
        },
    )
    .await
    .map_err(err)?;
    let count = opened.sheet.id.to_string();
    let book: Vec<(String, i64)> = opened
        .sheet
        .lines
        .iter()
        .map(|l| (l.part_number.clone(), l.book_at_open))
        .collect();
    assert_eq!(
        book,
        [("BELT-8".to_string(), 5), ("FILTER-3".to_string(), 4)]
    );
    assert!(
        opened.may_enter && !opened.may_approve,
        "the storekeeper counts, does not approve"
    );
    let (status, refused) = post(
        &server,
        &keeper,
        "/v1/office/counts",
        json!({ "id": uuid::Uuid::now_v7(), "location": warehouse }),
    )
    .await?;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("errors.stock_count.already_open"))
    );

    // While the count is open a belt leaves for the van.
    let (status, body) = post(
        &server,
        &keeper,
        "/v1/office/stock/transfers",
        json!({ "id": uuid::Uuid::now_v7(), "from": warehouse, "to": van, "part": belt, "quantity": 1 }),
    )
    .await?;
    assert_eq!(status, 204, "{body}");

    // In the back of the warehouse, offline: six belts (one more than the book said at
    // opening) and three filters (one short).
    reach(&pad, "http://127.0.0.1:1")?;
    for (part, counted, reason) in [
        (belt, 6, "found behind the shelf"),
        (filter, 3, "box crushed, one thrown away"),
    ] {
        let view = stock::stock_count_action(
            &pad,
            CountCommand::Enter {
                count: count.clone(),
                part,
                counted,
                reason: reason.into(),
            },
        )
        .await
        .map_err(err)?;
        assert!(view.offline, "the tablet's own copy");
    }
    let offline = stock::stock_count(&pad, &count).await.map_err(err)?;
    assert_eq!(offline.queued, 2, "both figures wait on the tablet");
    assert_eq!(
        offline
            .lines
            .iter()
            .map(|l| l.difference)
            .collect::<Vec<_>>(),
        [Some(1), Some(-1)],
        "盘盈 +1, 盘亏 −1, shown offline"
    );
    let listed = stock::stock_counts(&pad).await.map_err(err)?;
    assert!(listed.offline && listed.counts.len() == 1);

    // Nothing reached the office yet: the supervisor cannot post an empty count.
    let (status, refused) = post(
        &server,
        &boss,
        &format!("/v1/office/counts/{count}/approve"),
        json!(null),
    )
    .await?;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("errors.stock_count.nothing_counted"))
    );

    // Back in range: the figures go out with the next look at the count.
    reach(&pad, &server.url(""))?;
    let online = stock::stock_count(&pad, &count).await.map_err(err)?;
    assert!(!online.offline);
    assert_eq!(online.queued, 0, "sent");
    assert_eq!(
        online
            .sheet
            .lines
            .iter()
            .map(|l| l.counted)
            .collect::<Vec<_>>(),
        [Some(6), Some(3)],
        "the office has the tablet's figures"
    );
    assert_eq!(
        online.lines[0].moved_since_open, -1,
        "the belt sent to the van is shown"
    );
    assert!(
        online
            .during
            .iter()
            .any(|e| e.kind == "issue" && e.part_number == "BELT-8"),
        "and listed: {:?}",
        online.during
    );

    // Entered, not posted: the book has not changed.
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    assert_eq!(
        (
            balance(&stock, warehouse, belt),
            balance(&stock, warehouse, filter)
        ),
        (4, 4)
    );
    // Only a supervisor approves.
    let (status, refused) = post(
        &server,
        &keeper,
        &format!("/v1/office/counts/{count}/approve"),
        json!(null),
    )
    .await?;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("errors.stock_count.not_permitted"))
    );
    assert_eq!(refused["details"]["action"], "approve");
    let (status, refused) = post(
        &server,
        &dispatcher,
        &format!("/v1/office/counts/{count}/approve"),
        json!(null),
    )
    .await?;
    assert_eq!(status, 403, "{refused}");

    let (status, posted) = post(
        &server,
        &boss,
        &format!("/v1/office/counts/{count}/approve"),
        json!(null),
    )
    .await?;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["sheet"]["state"], "posted");
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    assert_eq!(
        balance(&stock, warehouse, belt),
        6 - 1,
        "the counted six, less the belt that left while counting (kept, not overwritten)"
    );
    assert_eq!(
        balance(&stock, warehouse, filter),
        3,
        "book and physical agree (账实相符)"
    );
    assert_eq!(balance(&stock, van, belt), 1, "the van keeps its belt");

    // The adjustments are in the history with their reasons, found by the count's number.
    let number = posted["sheet"]["number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (_, history) = get(
        &server,
        &keeper,
        &format!("/v1/office/stock/movements?order={number}"),
    )
    .await?;
    let mut adjusted: Vec<(String, i64, String)> = history
        .as_array()
        .map(|h| {
            h.iter()
                .map(|e| {
                    (
                        e["part_number"].as_str().unwrap_or_default().to_string(),
                        e["quantity"].as_i64().unwrap_or_default(),
                        e["reason"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    adjusted.sort();
    assert_eq!(
        adjusted,
        [
            (
                "BELT-8".to_string(),
                1,
                "found behind the shelf".to_string()
            ),
            (
                "FILTER-3".to_string(),
                -1,
                "box crushed, one thrown away".to_string()
            ),
        ]
    );

    // A figure entered on the tablet after posting is refused for good, and said so.
    reach(&pad, "http://127.0.0.1:1")?;
    let err_after = stock::stock_count_action(
        &pad,
        CountCommand::Enter {
            count: count.clone(),
            part: belt,
            counted: 9,
            reason: "late".into(),
        },
    )
    .await;
    // The tablet's copy still says open (it was offline when the count posted), so the
    // entry is queued; the office refuses it once it is reached.
    assert!(err_after.is_ok());
    reach(&pad, &server.url(""))?;
    let after = stock::stock_count(&pad, &count).await.map_err(err)?;
    assert_eq!(after.sheet.state, CountState::Posted);
    assert_eq!(after.refused, ["errors.stock_count.not_open"]);
    assert_eq!(after.queued, 0);
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    assert_eq!(
        balance(&stock, warehouse, belt),
        5,
        "a late figure changes nothing"
    );

    // Attributable: who opened, who posted.
    let (_, people) = get(&server, &boss, "/v1/office/people").await?;
    let audit: Vec<(String, String)> = people["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap_or_default().to_string(),
                        e["by_name"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        audit.contains(&("stock_count_opened".into(), "孙丽".into())),
        "{audit:?}"
    );
    assert!(
        audit.contains(&("stock_count_posted".into(), "刘洋".into())),
        "{audit:?}"
    );
    server.stop().await
}

fn over_use(order: &OrderDoc) -> Vec<&Flag> {
    order
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::StockOverUse)
        .collect()
}

#[tokio::test]
async fn two_technicians_on_the_last_unit_end_with_no_negative_balance_after_the_late_issue(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut keeper = Device::sign_in(&server, dir.path(), "sun.li", Role::Storekeeper).await?;
    let mut li = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    let mut chen = Device::sign_in(&server, dir.path(), "chen.jie", Role::Technician).await?;
    let sun = token(&server, "sun.li").await?;
    let wang = token(&server, "wang.fang").await?;

    // The team van (an older set-up: no one registered it) and the warehouse, where the
    // storekeeper receives two belts and issues the van one.
    let (van, warehouse) = (
        LocationId(fixtures::uuid(10)),
        LocationId(fixtures::uuid(11)),
    );
    let belt = PartId(fixtures::uuid(500));
    let part = onsite_core::records::catalog::Part {
        id: belt,
        number: "BELT-8".into(),
        name: "Drive belt".into(),
        unit: "pcs".into(),
        price: onsite_core::Money::new(3500, "CNY"),
        serialized: false,
        valuable: false,
        certified: true,
        barcode: String::new(),
    };
    let (status, body) = call(
        &server,
        &sun,
        reqwest::Method::PUT,
        &format!("/v1/office/catalog/{belt}"),
        Some(serde_json::to_value(&part)?),
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    post(
        &server,
        &sun,
        "/v1/office/warehouses",
        json!({ "id": warehouse, "name": "Main" }),
    )
    .await?;
    let (status, body) = post(
        &server,
        &sun,
        "/v1/office/stock/receipts",
        json!({ "id": uuid::Uuid::now_v7(), "warehouse": warehouse, "part": belt, "quantity": 2 }),
    )
    .await?;
    assert_eq!(status, 204, "{body}");
    let ctx = Ctx {
        actor: keeper.actor,
        now: Utc::now(),
        settings: &keeper.settings,
        calendar: &keeper.calendar,
    };
    let req_id = RequisitionId(fixtures::uuid(700));
    let line = RecordId::new_at(ctx.now);
    keeper.store.create_requisition(
        RequisitionDoc::new(
            req_id,
            "RQ-2026-000001".into(),
            li.actor.user,
            van,
            warehouse,
            None,
            &ctx,
        )?,
        &ctx,
    )?;
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
            note: "the last one".into(),
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
    keeper.sync().await?;

    let li_order = dispatched(&mut office, &mut li, 1).await?;
    let chen_order = dispatched(&mut office, &mut chen, 2).await?;
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
    for tech in [&mut li, &mut chen] {
        tech.sync().await?;
    }
    keeper.sync().await?;
    let flag = over_use(&keeper.order(li_order)?)
        .first()
        .map(|f| f.id)
        .ok_or_else(|| anyhow::anyhow!("Li's order is flagged"))?;
    let (_, stock) = get(&server, &sun, "/v1/office/stock").await?;
    assert_eq!(balance(&stock, van, belt), -1, "the van went below zero");

    // Who may settle it: not a dispatcher.
    let fix = |id: uuid::Uuid| {
        json!({
            "id": id, "order": li_order, "flag": flag,
            "fix": { "action": "late_issue", "from": warehouse, "quantity": 1 },
            "note": "two belts went out on Monday; one was not booked",
        })
    };
    let (status, refused) = post(
        &server,
        &wang,
        "/v1/office/stock/over-use",
        fix(uuid::Uuid::now_v7()),
    )
    .await?;
    assert_eq!(status, 403, "{refused}");

    // The storekeeper records the late issue from the warehouse.
    let id = uuid::Uuid::now_v7();
    let (status, body) = post(&server, &sun, "/v1/office/stock/over-use", fix(id)).await?;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post(&server, &sun, "/v1/office/stock/over-use", fix(id)).await?;
    assert_eq!(status, 204, "sent again, recorded once: {body}");

    let (_, stock) = get(&server, &sun, "/v1/office/stock").await?;
    assert_eq!(balance(&stock, van, belt), 0, "no negative balance");
    assert_eq!(
        balance(&stock, warehouse, belt),
        0,
        "the warehouse's second belt went to the van"
    );
    assert!(
        stock["balances"]
            .as_array()
            .is_some_and(|b| b.iter().all(|l| l["quantity"].as_i64() >= Some(0))),
        "nothing anywhere below zero: {stock}"
    );

    for tech in [&mut li, &mut chen, &mut keeper] {
        tech.sync().await?;
    }
    for (tech, id) in [(&mut li, li_order), (&mut chen, chen_order)] {
        for order in [keeper.order(id)?, tech.order(id)?] {
            assert_eq!(
                order.parts.len(),
                1,
                "the usage record stays as the technician made it"
            );
            assert_eq!(order.parts[0].quantity, 1);
            let flags = over_use(&order);
            assert_eq!(flags.len(), 1);
            let resolution = flags[0].resolution.as_ref();
            assert_eq!(
                resolution.map(|r| (r.by, r.choice.as_deref())),
                Some((keeper.actor.user, Some("late_issue"))),
                "{} records which fix was used, by whom",
                order.number
            );
        }
    }
    // Later work raises no new flag: the ledger is right.
    li.repair_and_test(li_order)?;
    li.sync().await?;
    keeper.sync().await?;
    assert!(over_use(&keeper.order(li_order)?)
        .iter()
        .all(|f| !f.is_open()));
    server.stop().await
}
