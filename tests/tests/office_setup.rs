//! A company set up from nothing at the office, against a real server on loopback and
//! through the same HTTP endpoints the desk uses: the first supervisor from `init`,
//! people added by the supervisor, the catalog imported from a CSV file, goods received
//! into a warehouse and transferred to a technician's van. The technician's device then
//! sees the van's stock and uses it offline without an over-use flag. And the limits:
//! a disabled user's next sync gets 401, the last supervisor stays, a storekeeper does
//! not manage people and a technician does not touch the catalog.

use chrono::Utc;
use onsite_core::doc::order::OrderOp;
use onsite_core::ids::{LocationId, OrderId, PartId, RecordId};
use onsite_core::records::order::FlagKind;
use onsite_core::role::Role;
use onsite_device::sync_client::SyncError;
use onsite_tests::devices::{dispatched, Device, PASSWORD};
use onsite_tests::office_http::{add_user, balance, first_run, get, part_id, post, token};
use onsite_tests::TestServer;
use serde_json::json;

async fn use_belts(
    tech: &mut Device,
    order: OrderId,
    belt: PartId,
    van: LocationId,
    quantity: u32,
) -> anyhow::Result<()> {
    tech.visit_until_plan_agreed(order)?;
    tech.apply(
        order,
        OrderOp::UsePart {
            id: RecordId::new_at(Utc::now()),
            part: belt,
            part_number: "BELT-8".into(),
            certified: true,
            serialized: false,
            quantity,
            serials_new: vec![],
            serials_old: vec![],
            location: van,
        },
    )?;
    Ok(())
}

const CATALOG: &str = "备件编号,名称,单位,单价,序列号管理,贵重/限量,原厂认证,条形码\n\
    BELT-8,传动皮带 Drive belt,条,35.00,否,否,是,6901234500083\n\
    PUMP-21,排水泵 Drain pump,个,120,是,否,是,\n";

#[tokio::test]
async fn a_van_stocked_only_at_the_office_is_used_offline_without_an_over_use_flag(
) -> anyhow::Result<()> {
    let (server, boss) = first_run().await?;
    let dir = tempfile::tempdir()?;
    add_user(&server, &boss, "sun.li", "孙丽", "storekeeper").await?;
    let tech_id = add_user(&server, &boss, "li.wei", "李伟", "technician").await?;
    let keeper = token(&server, "sun.li").await?;

    // The catalog from the storekeeper's spreadsheet, headed in Chinese.
    let (status, report) = post(
        &server,
        &keeper,
        "/v1/office/catalog/import",
        json!({ "csv": CATALOG }),
    )
    .await?;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report, json!({ "added": 2, "updated": 0 }));

    // A warehouse, and the technician's van, made when the account was.
    let warehouse = LocationId(uuid::Uuid::now_v7());
    let (status, _) = post(
        &server,
        &keeper,
        "/v1/office/warehouses",
        json!({ "id": warehouse, "name": "北京中心仓" }),
    )
    .await?;
    assert_eq!(status, 200);
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    let belt = part_id(&stock, "BELT-8")?;
    let van: LocationId = stock["locations"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["holder"] == tech_id.as_str()))
        .and_then(|l| l["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("the technician has a van: {stock}"))?
        .parse()?;

    // Goods received: five belts. Sent twice (a retry), counted once.
    let receipt = json!({ "id": uuid::Uuid::now_v7(), "warehouse": warehouse, "part": belt, "quantity": 5, "note": "DN-0001" });
    for _ in 0..2 {
        let (status, body) = post(
            &server,
            &keeper,
            "/v1/office/stock/receipts",
            receipt.clone(),
        )
        .await?;
        assert_eq!(status, 204, "{body}");
    }
    // More than the warehouse holds cannot leave it.
    let (status, refused) = post(
        &server,
        &keeper,
        "/v1/office/stock/transfers",
        json!({ "id": uuid::Uuid::now_v7(), "from": warehouse, "to": van, "part": belt, "quantity": 6 }),
    )
    .await?;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("errors.stock.not_enough"))
    );
    assert_eq!(refused["details"]["available"], 5);
    // Two belts to the van.
    let (status, body) = post(
        &server,
        &keeper,
        "/v1/office/stock/transfers",
        json!({ "id": uuid::Uuid::now_v7(), "from": warehouse, "to": van, "part": belt, "quantity": 2, "note": "月初补货" }),
    )
    .await?;
    assert_eq!(status, 204, "{body}");
    let (_, stock) = get(&server, &keeper, "/v1/office/stock").await?;
    assert_eq!(
        balance(&stock, warehouse, belt),
        3,
        "5 received, 2 sent out"
    );
    assert_eq!(balance(&stock, van, belt), 2, "2 in the van");
    assert_eq!(stock["recent"][0]["kind"], "issue", "newest first: {stock}");

    // The technician's device sees the van's stock once it syncs.
    let mut li =
        Device::sign_in_existing(&server, dir.path(), "li.wei", &tech_id, Role::Technician).await?;
    li.sync().await?;
    let on_device = li.store.stock_balances(&van.to_string())?;
    assert_eq!(
        on_device
            .iter()
            .map(|b| (b.part_id.clone(), b.quantity))
            .collect::<Vec<_>>(),
        vec![(belt.to_string(), 2)],
        "the device counts the transfer into the van"
    );

    // An order for Li; on site, offline, both belts go in.
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let first = dispatched(&mut office, &mut li, 1).await?;
    use_belts(&mut li, first, belt, van, 2).await?;
    li.sync().await?;
    office.sync().await?;
    for order in [li.order(first)?, office.order(first)?] {
        assert!(
            order.flags.iter().all(|f| f.kind != FlagKind::StockOverUse),
            "stock the office put in the van is no over-use: {:?}",
            order.flags
        );
        assert_eq!(order.parts.len(), 1);
    }

    // The van is empty now: a third belt is over-use, which shows the check is live.
    let second = dispatched(&mut office, &mut li, 2).await?;
    use_belts(&mut li, second, belt, van, 1).await?;
    li.sync().await?;
    assert!(
        li.order(second)?
            .flags
            .iter()
            .any(|f| f.kind == FlagKind::StockOverUse),
        "a belt the van never had is flagged"
    );

    // Every step is on record with who did it.
    let (_, people) = get(&server, &boss, "/v1/office/people").await?;
    let actions: Vec<(&str, &str)> = people["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap_or(""),
                        e["by_name"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for expected in [
        ("stock_transferred", "孙丽"),
        ("stock_received", "孙丽"),
        ("warehouse_added", "孙丽"),
        ("catalog_imported", "孙丽"),
        ("user_added", "刘洋"),
        ("first_supervisor", "command line"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
    }
    server.stop().await
}

#[tokio::test]
async fn disabling_a_user_makes_their_next_sync_get_401() -> anyhow::Result<()> {
    let (server, boss) = first_run().await?;
    let dir = tempfile::tempdir()?;
    let tech_id = add_user(&server, &boss, "li.wei", "李伟", "technician").await?;
    let mut li =
        Device::sign_in_existing(&server, dir.path(), "li.wei", &tech_id, Role::Technician).await?;
    li.sync().await?;

    let (status, user) = post(
        &server,
        &boss,
        &format!("/v1/office/users/{tech_id}/disable"),
        json!({}),
    )
    .await?;
    assert_eq!(status, 200, "{user}");
    assert!(user["disabled_at"].is_string());

    let next = li.sync().await;
    assert!(
        matches!(next, Err(ref e) if matches!(e.downcast_ref::<SyncError>(), Some(SyncError::Refused { status: 401, .. }))),
        "the disabled user's device is shut out at once: {next:?}"
    );
    let (_, people) = get(&server, &boss, "/v1/office/people").await?;
    assert!(
        people["devices"].as_array().is_some_and(|d| d
            .iter()
            .filter(|d| d["user_id"] == tech_id.as_str())
            .all(|d| d["revoked_at"].is_string())),
        "every device of theirs is revoked: {people}"
    );
    let (status, _) = post(
        &server,
        &boss,
        "/v1/auth/login",
        json!({ "login": "li.wei", "password": PASSWORD, "device_id": uuid::Uuid::now_v7(), "device_name": "new phone" }),
    )
    .await?;
    assert_eq!(status, 401, "nor can they sign in on another device");
    server.stop().await
}

/// The `(action, by_name, subject)` entries of the office's record, newest first.
async fn audit(server: &TestServer, boss: &str) -> anyhow::Result<Vec<(String, String, String)>> {
    let (_, people) = get(server, boss, "/v1/office/people").await?;
    Ok(people["audit"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
                    (s("action"), s("by_name"), s("subject"))
                })
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test]
async fn a_device_revoked_through_the_older_endpoint_is_on_the_office_record_too(
) -> anyhow::Result<()> {
    let (server, boss) = first_run().await?;
    let dir = tempfile::tempdir()?;
    let tech_id = add_user(&server, &boss, "li.wei", "李伟", "technician").await?;
    // Two devices of Li's: a phone (named "li.wei") and a desk ("li.wei's desk").
    let phone =
        Device::sign_in_existing(&server, dir.path(), "li.wei", &tech_id, Role::Technician).await?;
    let desk = token(&server, "li.wei").await?;
    let (_, people) = get(&server, &boss, "/v1/office/people").await?;
    let id_of = |name: &str| {
        people["devices"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["name"] == name))
            .and_then(|d| d["id"].as_str())
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("no device {name}: {people}"))
    };
    let (phone_id, desk_id) = (id_of("li.wei")?, id_of("li.wei's desk")?);
    drop(phone);

    // The supervisor revokes the phone, Li the desk (their own), both through
    // `POST /v1/devices/{id}/revoke`, the endpoint older clients use.
    for (id, by) in [(&phone_id, &boss), (&desk_id, &desk)] {
        let (status, body) =
            post(&server, by, &format!("/v1/devices/{id}/revoke"), json!({})).await?;
        assert_eq!(status, 204, "revoked: {body}");
    }
    let record = audit(&server, &boss).await?;
    let revoked: Vec<(&str, &str)> = record
        .iter()
        .filter(|(action, _, _)| action == "device_revoked")
        .map(|(_, by, subject)| (by.as_str(), subject.as_str()))
        .collect();
    assert_eq!(
        revoked,
        [("李伟", "li.wei's desk"), ("刘洋", "li.wei")],
        "each revoke is recorded with who did it and which device, as the desk's is"
    );
    server.stop().await
}

#[tokio::test]
async fn the_last_supervisor_can_be_neither_disabled_nor_demoted() -> anyhow::Result<()> {
    let (server, boss) = first_run().await?;
    let (_, people) = get(&server, &boss, "/v1/office/people").await?;
    let me = people["users"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, body) = post(
        &server,
        &boss,
        &format!("/v1/office/users/{me}/disable"),
        json!({}),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("errors.people.last_supervisor"))
    );
    let (status, body) = post(
        &server,
        &boss,
        &format!("/v1/office/users/{me}/role"),
        json!({ "role": "dispatcher" }),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("errors.people.last_supervisor"))
    );

    // With a second supervisor, the first may step down.
    add_user(&server, &boss, "zhao", "赵敏", "supervisor").await?;
    let (status, body) = post(
        &server,
        &boss,
        &format!("/v1/office/users/{me}/role"),
        json!({ "role": "dispatcher" }),
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    let (status, _) = get(&server, &boss, "/v1/office/people").await?;
    assert_eq!(status, 401, "a role change signs the account's devices out");
    server.stop().await
}

#[tokio::test]
async fn a_storekeeper_does_not_manage_people_and_a_technician_does_not_touch_the_catalog(
) -> anyhow::Result<()> {
    let (server, boss) = first_run().await?;
    add_user(&server, &boss, "sun.li", "孙丽", "storekeeper").await?;
    add_user(&server, &boss, "li.wei", "李伟", "technician").await?;
    let keeper = token(&server, "sun.li").await?;
    let tech = token(&server, "li.wei").await?;

    let (status, body) = post(
        &server,
        &keeper,
        "/v1/office/users",
        json!({ "login": "x", "name": "X", "role": "supervisor", "password": PASSWORD }),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("errors.office.people_not_permitted"))
    );
    let (status, _) = get(&server, &keeper, "/v1/office/people").await?;
    assert_eq!(status, 403);

    let (status, body) = post(
        &server,
        &tech,
        "/v1/office/catalog/import",
        json!({ "csv": CATALOG }),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("errors.office.catalog_not_permitted"))
    );
    assert_eq!(body["details"]["role"], "technician");
    for path in ["/v1/office/catalog", "/v1/office/stock"] {
        let (status, _) = get(&server, &tech, path).await?;
        assert_eq!(status, 403, "{path}");
    }
    let (_, catalog) = get(&server, &keeper, "/v1/office/catalog").await?;
    assert_eq!(catalog, json!([]), "nothing was imported");

    // A bad row: named, and nothing of the file stored.
    let bad = "number,name,unit,price\nBELT-8,Belt,pcs,35\nPUMP-21,Pump,pcs,twelve\n";
    let (status, body) = post(
        &server,
        &keeper,
        "/v1/office/catalog/import",
        json!({ "csv": bad }),
    )
    .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("errors.catalog.import_bad_price"))
    );
    assert_eq!(
        (
            body["details"]["row"].as_u64(),
            body["details"]["column"].as_str()
        ),
        (Some(3), Some("price"))
    );
    let (_, catalog) = get(&server, &keeper, "/v1/office/catalog").await?;
    assert_eq!(
        catalog,
        json!([]),
        "the good row before it was not stored either"
    );
    server.stop().await
}
