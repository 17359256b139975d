//! No silent loss: a push the server cannot read is never answered `accepted`. A cut,
//! corrupted or newer-format change to an existing order is `rejected` with
//! `unreadable_changes`, nothing of it is merged, the pushing device keeps the work
//! pending and shows the refusal, and the work arrives once it is readable.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use automerge::AutoCommit;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{ops, Calendar, Ctx, Settings, UserId};
use onsite_server::sync::protocol::{DocKind, PushDoc, PushResult};
use onsite_tests::protocol_client::Client;
use onsite_tests::trust::{spoil, Spoil};
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

fn ctx<'a>(actor: Actor, settings: &'a Settings, calendar: &'a Calendar) -> Ctx<'a> {
    Ctx {
        actor,
        now: chrono::Utc::now(),
        settings,
        calendar,
    }
}

fn spoil_push(push: &PushDoc, how: Spoil) -> anyhow::Result<PushDoc> {
    let bytes = B64.decode(&push.data)?;
    Ok(PushDoc {
        data: B64.encode(spoil(&bytes, how)),
        ..push.clone()
    })
}

#[tokio::test]
async fn unreadable_changes_to_an_existing_order_are_rejected_and_delivered_once_readable(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let account = server.add_user("wang.fang", "王芳", Role::Dispatcher, PASSWORD)?;
    let tech = server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    let dispatcher = Actor {
        user: UserId(account.id.parse()?),
        role: Role::Dispatcher,
    };
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let mut desk = Client::sign_in(&server.url(""), "wang.fang", PASSWORD).await?;

    let new = fixtures::new_order(1, ServiceMode::OnSite, None);
    let id = new.id.to_string();
    let c = ctx(dispatcher, &settings, &calendar);
    let order = OrderDoc::new(new, &c)?;
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &order, &c)?;
    ops::apply(
        &mut doc,
        &OrderOp::Dispatch {
            assignee: UserId(tech.id.parse()?),
            window: None,
        },
        &c,
    )?;
    desk.insert(id.clone(), DocKind::Order, doc);
    desk.sync().await?;
    assert!(
        matches!(&desk.last_results[..], [PushResult::Accepted { .. }]),
        "the order itself is in: {:?}",
        desk.last_results
    );

    for (n, how) in [Spoil::Truncate, Spoil::FlipByte, Spoil::UnknownFormat]
        .into_iter()
        .enumerate()
    {
        let call = OrderOp::LogContact {
            id: fixtures::rid(100 + n as u128),
            channel: ContactChannel::Phone,
            reached: true,
            note: format!("call {n}"),
        };
        ops::apply(
            desk.doc(&id)?,
            &call,
            &ctx(dispatcher, &settings, &calendar),
        )?;
        let push = desk.pending();
        assert_eq!(push.len(), 1, "{how:?}: the call is pending");
        let spoiled = vec![spoil_push(&push[0], how)?];
        let response = desk.send(spoiled.clone()).await?;
        match &response.push_results[..] {
            [PushResult::Rejected { code, .. }] => assert_eq!(
                code, "unreadable_changes",
                "{how:?}: an unreadable change is refused by name"
            ),
            other => anyhow::bail!("{how:?}: an unreadable change was answered {other:?}"),
        }
        desk.apply(&spoiled, response)?;
        assert_eq!(
            desk.pending().len(),
            1,
            "{how:?}: the refused work is still pending on the device"
        );

        // Nothing of it reached the office copy: a second office device does not see it.
        let mut other = Client::sign_in(&server.url(""), "wang.fang", PASSWORD).await?;
        other.sync().await?;
        let theirs: OrderDoc = autosurgeon::hydrate(other.doc(&id)?)?;
        assert_eq!(
            theirs.contacts.len(),
            n,
            "{how:?}: the spoiled call was not merged"
        );

        // Readable again (the cut connection is back, the server upgraded): it arrives.
        desk.sync().await?;
        assert!(
            matches!(&desk.last_results[..], [PushResult::Accepted { .. }]),
            "{how:?}: the same work, readable, is accepted: {:?}",
            desk.last_results
        );
        assert!(desk.pending().is_empty(), "{how:?}: nothing left to send");
        other.sync().await?;
        let theirs: OrderDoc = autosurgeon::hydrate(other.doc(&id)?)?;
        assert_eq!(theirs.contacts.len(), n + 1, "{how:?}: the call is now in");
    }
    server.stop().await
}

/// A proxy in front of the server that spoils the data of the pushes in the next sync
/// request once armed, as a flaky middlebox or a disk error on the phone would.
struct Spoiler {
    armed: AtomicBool,
    upstream: String,
    http: reqwest::Client,
}

async fn spoiler(upstream: String) -> anyhow::Result<(Arc<Spoiler>, String)> {
    let state = Arc::new(Spoiler {
        armed: AtomicBool::new(false),
        upstream,
        http: reqwest::Client::builder().no_gzip().build()?,
    });
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((state, url))
}

async fn forward(
    axum::extract::State(state): axum::extract::State<Arc<Spoiler>>,
    request: axum::extract::Request,
) -> Result<axum::response::Response, String> {
    let (parts, body) = request.into_parts();
    let mut bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .map_err(|e| e.to_string())?
        .to_vec();
    if parts.uri.path() == "/v1/sync" {
        let mut json: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        let pushes = json["push"].as_array_mut().filter(|p| !p.is_empty());
        if let Some(pushes) = pushes {
            if state.armed.swap(false, Ordering::SeqCst) {
                for push in pushes {
                    let data = push["data"].as_str().unwrap_or_default();
                    let raw = B64.decode(data).map_err(|e| e.to_string())?;
                    push["data"] = B64.encode(spoil(&raw, Spoil::Truncate)).into();
                }
                bytes = serde_json::to_vec(&json).map_err(|e| e.to_string())?;
            }
        }
    }
    let url = format!("{}{}", state.upstream, parts.uri);
    let mut out = state.http.request(parts.method, url).body(bytes);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            out = out.header(name, value);
        }
    }
    let answer = out.send().await.map_err(|e| e.to_string())?;
    let mut response = axum::response::Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    let body = answer.bytes().await.map_err(|e| e.to_string())?;
    response
        .body(axum::body::Body::from(body))
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_device_keeps_refused_work_pending_shows_it_and_heals_on_the_next_sync(
) -> anyhow::Result<()> {
    use onsite_device::sync_client::{self, SyncClient};
    use onsite_device::Store;

    let server = TestServer::start().await?;
    let account = server.add_user("wang.fang", "王芳", Role::Dispatcher, PASSWORD)?;
    let dispatcher = Actor {
        user: UserId(account.id.parse()?),
        role: Role::Dispatcher,
    };
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let (spoiler, via) = spoiler(server.url("")).await?;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("desk.db"))?;
    let (client, _) =
        SyncClient::sign_in(&mut store, &via, "wang.fang", PASSWORD, "front desk").await?;

    let order = store.create_order(
        fixtures::new_order(7, ServiceMode::OnSite, None),
        &ctx(dispatcher, &settings, &calendar),
    )?;
    client.sync(&mut store).await?;
    assert_eq!(
        sync_client::status(&store)?.unsent,
        0,
        "the new order is in"
    );

    let call = OrderOp::LogContact {
        id: fixtures::rid(200),
        channel: ContactChannel::Phone,
        reached: false,
        note: "no answer".into(),
    };
    store.apply_order(order.id, &call, &ctx(dispatcher, &settings, &calendar))?;
    spoiler.armed.store(true, Ordering::SeqCst);
    let report = client.sync(&mut store).await?;
    assert_eq!(
        report
            .rejected
            .iter()
            .map(|(_, code, _)| code.as_str())
            .collect::<Vec<_>>(),
        ["unreadable_changes"],
        "the device hears that its push was not merged"
    );
    let status = sync_client::status(&store)?;
    assert_eq!(
        status.unsent, 1,
        "the refused work is still waiting to be sent"
    );
    assert_eq!(
        status.last_error.as_deref(),
        Some("errors.sync.unreadable_changes"),
        "and the status line says why"
    );

    let report = client.sync(&mut store).await?;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let status = sync_client::status(&store)?;
    assert_eq!(status.unsent, 0, "the work went in on the next sync");
    assert_eq!(status.last_error, None, "and the error cleared");

    // The office copy has the call: a fresh device signed in straight to the server sees it.
    let mut other = Client::sign_in(&server.url(""), "wang.fang", PASSWORD).await?;
    other.sync().await?;
    let theirs: OrderDoc = autosurgeon::hydrate(other.doc(&order.id.to_string())?)?;
    assert_eq!(theirs.contacts.len(), 1, "the call reached the office");
    server.stop().await
}
