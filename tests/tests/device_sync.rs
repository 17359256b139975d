//! The real device store and its sync client against a real server on loopback: an
//! order dispatched in the office reaches the technician's store (list and search
//! included), the technician's offline visit work reaches the office, and the cursor
//! survives a restart.

use onsite_core::doc::order::OrderOp;
use onsite_core::fixtures;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{Calendar, Ctx, Settings, UserId};
use onsite_device::sync_client::{self, SyncClient};
use onsite_device::{OrderFilter, Store};
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

#[tokio::test]
async fn an_order_goes_out_to_the_technician_and_the_visit_comes_back() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let actor = |login: &str, name: &str, role| -> anyhow::Result<Actor> {
        let account = server.add_user(login, name, role, PASSWORD)?;
        Ok(Actor {
            user: UserId(account.id.parse()?),
            role,
        })
    };
    let dispatcher = actor("wang.fang", "王芳", Role::Dispatcher)?;
    let tech = actor("li.wei", "李伟", Role::Technician)?;
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = |actor| Ctx {
        actor,
        now: chrono::Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };

    let dir = tempfile::tempdir()?;
    let mut office = Store::open(&dir.path().join("office.db"))?;
    let (office_sync, _) = SyncClient::sign_in(
        &mut office,
        &server.url(""),
        "wang.fang",
        PASSWORD,
        "front desk",
    )
    .await?;
    let mut phone = Store::open(&dir.path().join("phone.db"))?;
    let (phone_sync, account) = SyncClient::sign_in(
        &mut phone,
        &server.url(""),
        "li.wei",
        PASSWORD,
        "Li's phone",
    )
    .await?;
    assert_eq!(account.role, Role::Technician);

    // The office takes in an order and dispatches it.
    let new = fixtures::new_order(1, ServiceMode::OnSite, None);
    let id = new.id;
    office.create_order(new, &ctx(dispatcher))?;
    office.apply_order(
        id,
        &OrderOp::Dispatch {
            assignee: tech.user,
            window: None,
        },
        &ctx(dispatcher),
    )?;
    let report = office_sync.sync(&mut office).await?;
    assert_eq!(report.pushed, 1);
    assert!(
        office.pending()?.is_empty(),
        "nothing left to send once the server has it"
    );

    let report = phone_sync.sync(&mut phone).await?;
    assert_eq!(report.pulled, 1, "the order reached the phone");
    let rows = phone.order_list(&OrderFilter {
        limit: 50,
        ..Default::default()
    })?;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].state, "dispatched",
        "the list projection is up to date"
    );
    assert_eq!(
        phone.search_orders("13800138000", 10)?.len(),
        1,
        "and searchable by phone"
    );
    assert!(
        phone.pending()?.is_empty(),
        "a received order is not pending"
    );

    // Offline on site: the technician calls and checks in. Nothing is sent yet.
    let call = OrderOp::LogContact {
        id: fixtures::rid(1),
        channel: ContactChannel::Phone,
        reached: true,
        note: "下午两点到".into(),
    };
    phone.apply_order(id, &call, &ctx(tech))?;
    phone.apply_order(
        id,
        &OrderOp::CheckIn {
            visit: fixtures::rid(2),
        },
        &ctx(tech),
    )?;
    assert_eq!(phone.pending()?.len(), 1, "the visit work waits to be sent");

    // No signal: the sync fails with a code the status line can show, and nothing is lost.
    phone.set_meta("server_url", "http://127.0.0.1:9")?;
    let offline = SyncClient::from_store(&phone)?.ok_or_else(|| anyhow::anyhow!("signed out"))?;
    let err = offline.sync(&mut phone).await.unwrap_err();
    assert_eq!(err.code(), "errors.sync.offline");
    let status = sync_client::status(&phone)?;
    assert_eq!(status.unsent, 1, "the status line counts the unsent order");
    assert_eq!(status.last_error.as_deref(), Some("errors.sync.offline"));
    assert!(
        status.last_sync_at.is_some(),
        "and still knows when it last synced"
    );
    phone.set_meta("server_url", &server.url(""))?;

    // The app restarts before the signal comes back: the cursor and token are kept.
    drop(phone);
    let mut phone = Store::open(&dir.path().join("phone.db"))?;
    let phone_sync = SyncClient::from_store(&phone)?
        .ok_or_else(|| anyhow::anyhow!("signed out by a restart"))?;
    let report = phone_sync.sync(&mut phone).await?;
    assert_eq!(
        (report.pushed, report.pulled),
        (1, 0),
        "only the new work crosses the wire"
    );
    let status = sync_client::status(&phone)?;
    assert_eq!(
        (status.unsent, status.last_error),
        (0, None),
        "all sent, no error"
    );

    office_sync.sync(&mut office).await?;
    let at_office = office.order(id)?;
    assert_eq!(at_office.contacts.len(), 1, "the office sees the call");
    assert_eq!(at_office.visits.len(), 1, "and the check-in");
    assert_eq!(
        at_office,
        phone.order(id)?,
        "both stores hold the same order"
    );
    server.stop().await
}

#[tokio::test]
async fn a_reassigned_order_leaves_the_phone_with_a_note_after_its_work_is_sent(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let actor = |login: &str, role| -> anyhow::Result<Actor> {
        let account = server.add_user(login, login, role, PASSWORD)?;
        Ok(Actor {
            user: UserId(account.id.parse()?),
            role,
        })
    };
    let (dispatcher, li, chen) = (
        actor("wang.fang", Role::Dispatcher)?,
        actor("li.wei", Role::Technician)?,
        actor("chen.jie", Role::Technician)?,
    );
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = |actor| Ctx {
        actor,
        now: chrono::Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    let dir = tempfile::tempdir()?;
    let mut office = Store::open(&dir.path().join("office.db"))?;
    let (office_sync, _) =
        SyncClient::sign_in(&mut office, &server.url(""), "wang.fang", PASSWORD, "desk").await?;
    let mut phone = Store::open(&dir.path().join("phone.db"))?;
    let (phone_sync, _) =
        SyncClient::sign_in(&mut phone, &server.url(""), "li.wei", PASSWORD, "phone").await?;

    let new = fixtures::new_order(2, ServiceMode::OnSite, None);
    let (id, number) = (new.id, new.number.clone());
    office.create_order(new, &ctx(dispatcher))?;
    office.apply_order(
        id,
        &OrderOp::Dispatch {
            assignee: li.user,
            window: None,
        },
        &ctx(dispatcher),
    )?;
    office_sync.sync(&mut office).await?;
    phone_sync.sync(&mut phone).await?;

    // Li logs a call offline while the office gives the order to Chen.
    let call = OrderOp::LogContact {
        id: fixtures::rid(3),
        channel: ContactChannel::Phone,
        reached: false,
        note: String::new(),
    };
    phone.apply_order(id, &call, &ctx(li))?;
    office.apply_order(
        id,
        &OrderOp::Assign {
            assignee: chen.user,
        },
        &ctx(dispatcher),
    )?;
    office_sync.sync(&mut office).await?;
    assert!(
        phone.remove(&id.to_string(), "reassigned").is_err(),
        "unsent work keeps an order on the phone"
    );

    let report = phone_sync.sync(&mut phone).await?;
    assert_eq!(report.removed, [(id.to_string(), "reassigned".to_string())]);
    assert!(
        !phone.contains(&id.to_string())?,
        "the order left the phone once its call was sent"
    );
    assert!(
        phone
            .order_list(&OrderFilter {
                limit: 10,
                ..Default::default()
            })?
            .is_empty(),
        "no ghost row in the list"
    );
    let note = phone
        .removed_note(&id.to_string())?
        .ok_or_else(|| anyhow::anyhow!("no note"))?;
    assert_eq!(
        (note.label.as_str(), note.reason.as_str()),
        (number.as_str(), "reassigned")
    );

    office_sync.sync(&mut office).await?;
    assert_eq!(
        office.order(id)?.contacts.len(),
        1,
        "Li's call reached the office"
    );
    server.stop().await
}

/// Reference data reaches the device with the first sync, is kept for offline use, costs
/// a bodiless 304 while it is unchanged, and a change at the office arrives next sync.
#[tokio::test]
async fn reference_data_is_cached_and_refreshed_only_when_it_changes() -> anyhow::Result<()> {
    use onsite_core::ids::{LocationId, PartId};
    use onsite_core::money::Money;
    use onsite_core::records::catalog::Part;

    let server = TestServer::start().await?;
    let tech = server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    let db = onsite_tests::pg::open(server.data.path())?;
    let van = onsite_server::reference::ensure_van(
        &db.conn(),
        UserId(tech.id.parse()?),
        "李伟的车",
        LocationId(uuid::Uuid::now_v7()),
    )?;
    let mut part = Part {
        id: PartId(uuid::Uuid::now_v7()),
        number: "BR-21".into(),
        name: "排水泵 Drain pump".into(),
        unit: "pcs".into(),
        price: Money::new(12_000, "CNY"),
        serialized: true,
        valuable: false,
        certified: true,
        barcode: "6901234500217".into(),
    };
    onsite_server::reference::put_part(&db.conn(), &part)?;

    let dir = tempfile::tempdir()?;
    let mut phone = Store::open(&dir.path().join("phone.db"))?;
    let (client, _) =
        SyncClient::sign_in(&mut phone, &server.url(""), "li.wei", PASSWORD, "phone").await?;
    client.sync(&mut phone).await?;
    let cached = sync_client::reference(&phone)?.ok_or_else(|| anyhow::anyhow!("no reference"))?;
    assert_eq!(
        cached.parts,
        vec![part.clone()],
        "the catalog reached the phone"
    );
    assert_eq!(cached.locations[0].id, van, "the phone knows its van");
    assert_eq!(cached.staff[0].name, "李伟");

    let not_modified = || async {
        let metrics = reqwest::get(server.url("/metrics")).await?.text().await?;
        anyhow::Ok(
            metrics
                .lines()
                .filter(|l| l.contains("route=\"/v1/reference\"") && l.contains("status=\"304\""))
                .filter(|l| l.starts_with("onsite_http_requests_total"))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .sum::<u64>(),
        )
    };
    let before = not_modified().await?;
    client.sync(&mut phone).await?;
    assert_eq!(
        not_modified().await?,
        before + 1,
        "an unchanged catalog costs one 304"
    );

    part.price = Money::new(13_500, "CNY");
    onsite_server::reference::put_part(&db.conn(), &part)?;
    client.sync(&mut phone).await?;
    let cached = sync_client::reference(&phone)?.ok_or_else(|| anyhow::anyhow!("no reference"))?;
    assert_eq!(cached.parts[0].price.minor, 13_500, "the new price arrived");
    server.stop().await
}
