//! Bounded work, no cheap denial of service: deflate and run-length bombs are refused
//! before Automerge expands them; sign-in caps its body and fields, locks out per
//! (address, login) pair and believes only a configured proxy's client-address header;
//! made-up methods and paths add no metric labels; unknown paths and methods get JSON
//! errors; and `/health` answers while a heavy push holds the database's write lock.

use automerge::AutoCommit;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::doc::order::OrderDoc;
use onsite_core::fixtures;
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{ops, Calendar, Ctx, Settings, UserId};
use onsite_server::http::TrustedProxy;
use onsite_server::sync::protocol::{DocKind, PushDoc, PushResult};
use onsite_tests::protocol_client::Client;
use onsite_tests::trust;
use onsite_tests::TestServer;
use serde_json::json;

const PASSWORD: &str = "correct horse";
const MIB: u64 = 1024 * 1024;

/// A dispatcher's bare client holding one synced order, and the order's id.
async fn desk_with_order(server: &TestServer) -> anyhow::Result<(Client, String, Actor)> {
    let account = server.add_user("wang.fang", "王芳", Role::Dispatcher, PASSWORD)?;
    let dispatcher = Actor {
        user: UserId(account.id.parse()?),
        role: Role::Dispatcher,
    };
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = Ctx {
        actor: dispatcher,
        now: chrono::Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    let new = fixtures::new_order(1, ServiceMode::OnSite, None);
    let id = new.id.to_string();
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &OrderDoc::new(new, &ctx)?, &ctx)?;
    let mut desk = Client::sign_in(&server.url(""), "wang.fang", PASSWORD).await?;
    desk.insert(id.clone(), DocKind::Order, doc);
    desk.sync().await?;
    anyhow::ensure!(
        matches!(&desk.last_results[..], [PushResult::Accepted { .. }]),
        "the order is in: {:?}",
        desk.last_results
    );
    Ok((desk, id, dispatcher))
}

/// Pushes raw `data` to document `id` and returns the push result's code.
async fn push_raw(desk: &mut Client, id: &str, data: &[u8]) -> anyhow::Result<String> {
    let push = PushDoc {
        doc_id: id.to_string(),
        kind: DocKind::Order,
        data: B64.encode(data),
        heads: vec![],
    };
    let response = tokio::time::timeout(std::time::Duration::from_secs(120), desk.send(vec![push]))
        .await
        .map_err(|_| anyhow::anyhow!("the server was still expanding the push after 120 s"))??;
    match &response.push_results[..] {
        [PushResult::Rejected { code, .. }] => Ok(code.clone()),
        other => anyhow::bail!("a hostile push was answered {other:?}"),
    }
}

#[tokio::test]
async fn deflate_bombs_are_refused_before_they_inflate() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut desk, id, _) = desk_with_order(&server).await?;

    // A compressed change chunk of about 500 KiB that would inflate to 500 MiB.
    let bomb = trust::compressed_change_bomb(500)?;
    assert!(bomb.len() < 600 * 1024, "the bomb is small: {}", bomb.len());
    let before = trust::rss_bytes();
    let code = push_raw(&mut desk, &id, &bomb).await?;
    assert_eq!(
        code, "compressed_chunk",
        "compressed changes are refused by name"
    );

    // A document chunk whose one deflated column would inflate to 300 MiB.
    let bomb = trust::document_column_bomb(300)?;
    let code = push_raw(&mut desk, &id, &bomb).await?;
    assert_eq!(
        code, "inflates_too_far",
        "a deflated column stops at the cap"
    );
    let grew = trust::rss_bytes().saturating_sub(before);
    assert!(
        grew < 96 * MIB,
        "the server's memory grew by {} MiB for two bombs",
        grew / MIB
    );

    // The order is untouched and the device can go on syncing.
    desk.sync().await?;
    server.stop().await
}

#[tokio::test]
async fn a_run_length_bomb_is_refused_by_its_operation_count() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut desk, id, _) = desk_with_order(&server).await?;
    let code = push_raw(&mut desk, &id, &trust::run_length_bomb()).await?;
    assert_eq!(
        code, "too_many_ops",
        "2^40 operations in a few bytes are counted, not run"
    );
    server.stop().await
}

/// Signs in as `login` from `client` (sent as X-Forwarded-For), returning the status.
async fn sign_in_from(
    server: &TestServer,
    http: &reqwest::Client,
    client: &str,
    login: &str,
    password: &str,
) -> anyhow::Result<u16> {
    let response = http
        .post(server.url("/v1/auth/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"login": login, "password": password,
            "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "phone"}))
        .send()
        .await?;
    Ok(response.status().as_u16())
}

fn loopback_proxy() -> Option<TrustedProxy> {
    Some(TrustedProxy {
        proxy: "127.0.0.1".parse().ok()?,
        header: "x-forwarded-for".into(),
    })
}

#[tokio::test]
async fn the_right_password_gets_in_while_someone_elsewhere_guesses() -> anyhow::Result<()> {
    let server = TestServer::start_with(loopback_proxy()).await?;
    server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(sign_in_from(&server, &http, "203.0.113.9", "li.wei", "guess").await?);
    }
    assert_eq!(
        statuses.last(),
        Some(&429),
        "the guesser is slowed down: {statuses:?}"
    );
    let status = sign_in_from(&server, &http, "198.51.100.7", "li.wei", PASSWORD).await?;
    assert_eq!(status, 200, "Li Wei, from his own phone, still gets in");
    let status = sign_in_from(&server, &http, "203.0.113.9", "li.wei", PASSWORD).await?;
    assert_eq!(
        status, 429,
        "while the guessing address stays locked out for that login"
    );
    server.stop().await
}

#[tokio::test]
async fn behind_a_proxy_one_clients_bad_attempts_do_not_block_another() -> anyhow::Result<()> {
    let server = TestServer::start_with(loopback_proxy()).await?;
    server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    let http = reqwest::Client::new();
    let mut last = 0;
    for n in 0..25 {
        last = sign_in_from(&server, &http, "203.0.113.9", &format!("user{n}"), "guess").await?;
    }
    assert_eq!(last, 429, "one address spraying logins is stopped");
    let status = sign_in_from(&server, &http, "198.51.100.7", "li.wei", PASSWORD).await?;
    assert_eq!(status, 200, "another client behind the same proxy signs in");
    server.stop().await?;

    // From a peer that is not the configured proxy the header is ignored: it cannot
    // pick a fresh address for every attempt.
    let server = TestServer::start_with(Some(TrustedProxy {
        proxy: "10.9.9.9".parse()?,
        header: "x-forwarded-for".into(),
    }))
    .await?;
    let mut last = 0;
    for n in 0..25 {
        let client = format!("198.51.100.{n}");
        last = sign_in_from(&server, &http, &client, &format!("user{n}"), "guess").await?;
    }
    assert_eq!(
        last, 429,
        "made-up client addresses from an untrusted peer count as one"
    );
    server.stop().await
}

#[tokio::test]
async fn huge_sign_ins_are_413_and_do_not_grow_memory() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    let before = trust::rss_bytes();
    for n in 0..25 {
        let login = format!("{n}{}", "x".repeat(4 * 1024 * 1024));
        let body = serde_json::to_vec(&json!({"login": login, "password": "p",
            "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "d"}))?;
        let sent = http
            .post(server.url("/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        // The server answers 413 after the first 4 KiB and closes the connection, so the
        // client either reads that status or fails writing the rest of its body; the
        // answer's code is checked with a smaller body below.
        match sent {
            Ok(response) => {
                assert_eq!(
                    response.status().as_u16(),
                    413,
                    "a 4 MiB sign-in is too large"
                )
            }
            Err(e) => assert!(
                e.is_request(),
                "cut off while sending, not another failure: {e}"
            ),
        }
    }
    let grew = trust::rss_bytes().saturating_sub(before);
    assert!(grew < 48 * MIB, "25 huge sign-ins kept {} MiB", grew / MIB);

    // Just over the body limit: the answer says why.
    let response = http
        .post(server.url("/v1/auth/login"))
        .json(&json!({"login": "z".repeat(5000), "password": "p",
            "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "d"}))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 413);
    let error: serde_json::Value = response.json().await?;
    assert_eq!(error["code"], "errors.request.too_large");

    // Small enough for the body limit, too long for a login: refused before the limiter.
    let response = http
        .post(server.url("/v1/auth/login"))
        .json(&json!({"login": "y".repeat(300), "password": "p",
            "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "d"}))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 413);
    let error: serde_json::Value = response.json().await?;
    assert_eq!(error["code"], "errors.auth.field_too_long");
    server.stop().await
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metric_labels() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    for n in 0..40 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}X").as_bytes())?;
        http.request(method, server.url("/health")).send().await?;
        http.get(server.url(&format!("/no/such/{n}/thing")))
            .send()
            .await?;
    }
    let metrics = http
        .get(server.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    assert!(!metrics.contains("BREW"), "no label per made-up method");
    assert!(!metrics.contains("/no/such"), "no label per unmatched path");
    assert!(
        metrics.contains("method=\"other\""),
        "they are counted as `other`"
    );
    server.stop().await
}

#[tokio::test]
async fn unknown_paths_methods_and_media_types_get_json_errors() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let http = reqwest::Client::new();
    let check = |status: u16, code: &'static str| {
        move |response: reqwest::Response| async move {
            assert_eq!(response.status().as_u16(), status, "{code}");
            let body: serde_json::Value = response.json().await?;
            assert_eq!(body["code"], code);
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
            anyhow::Ok(())
        }
    };
    check(404, "errors.request.not_found")(http.get(server.url("/nope")).send().await?).await?;
    check(405, "errors.request.method_not_allowed")(
        http.delete(server.url("/v1/auth/login")).send().await?,
    )
    .await?;
    check(415, "errors.request.unsupported_media_type")(
        http.post(server.url("/v1/auth/login"))
            .header("content-type", "text/plain")
            .body("login=x")
            .send()
            .await?,
    )
    .await?;
    server.stop().await
}

#[tokio::test]
async fn a_malformed_path_or_query_gets_a_json_error_not_plain_text() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    server.add_user("liu.yang", "刘洋", Role::Supervisor, PASSWORD)?;
    let me = Client::sign_in(&server.url(""), "liu.yang", PASSWORD).await?;
    let http = reqwest::Client::new();
    let bearer = format!("Bearer {}", me.token);
    let cases = [
        (
            http.put(server.url("/v1/calendar/99999999999"))
                .json(&json!({})),
            "errors.request.bad_path",
        ),
        (
            http.put(server.url("/v1/office/catalog/%FF%FE"))
                .json(&json!({})),
            "errors.request.bad_path",
        ),
        (
            http.get(server.url("/v1/quarantine?all=maybe")),
            "errors.request.bad_query",
        ),
    ];
    for (request, code) in cases {
        let response = request.header("authorization", &bearer).send().await?;
        let (status, url) = (response.status().as_u16(), response.url().to_string());
        assert_eq!(status, 400, "{url}");
        let body: serde_json::Value = response.json().await?;
        assert_eq!(body["code"], code, "{url}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    server.stop().await
}

#[tokio::test]
async fn invalid_utf8_and_deeply_nested_bodies_get_a_4xx_json_error() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    let me = Client::sign_in(&server.url(""), "li.wei", PASSWORD).await?;
    let http = reqwest::Client::new();
    let deep = format!("{}{}", "[".repeat(1_500), "]".repeat(1_500));
    // Bytes that are not UTF-8 in a field the server reads, and between fields.
    let bad_login = b"{\"login\": \"li.\xff\xfewei\", \"password\": \"x\"}".to_vec();
    let bad_sync = b"{\"cursor\": 0, \xff\xfe}".to_vec();
    let cases: [(&str, Vec<u8>, u16); 4] = [
        ("/v1/auth/login", bad_login, 400),
        ("/v1/auth/login", deep.clone().into_bytes(), 422),
        ("/v1/sync", bad_sync, 400),
        ("/v1/sync", deep.into_bytes(), 422),
    ];
    for (path, body, expected) in cases {
        let response = http
            .post(server.url(path))
            .header("authorization", format!("Bearer {}", me.token))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await?;
        assert_eq!(status, expected, "{path}: {body}");
        assert_eq!(body["code"], "errors.request.bad_json", "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // The server still answers.
    let health = http.get(server.url("/health")).send().await?;
    assert_eq!(health.status().as_u16(), 200);
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_a_10000_comment_push_holds_the_write_lock() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let (mut desk, id, dispatcher) = desk_with_order(&server).await?;
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = Ctx {
        actor: dispatcher,
        now: chrono::Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    trust::add_comments(desk.doc(&id)?, 10_000, &ctx)?;
    let push = desk.pending();
    let bytes = B64.decode(&push[0].data)?.len();
    assert!(bytes > 1_000_000, "a heavy push: {bytes} bytes");
    let pushing = tokio::spawn(async move { desk.send(push).await });

    // Wait until the push is inside its transaction, then ask for /health.
    let db_file = server.data.path();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    while !trust::write_lock_held(db_file)? {
        anyhow::ensure!(!pushing.is_finished(), "the push ended before it was seen");
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the push never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let health = reqwest::get(server.url("/health")).await?;
    assert_eq!(health.status().as_u16(), 200);
    let still_pushing = trust::write_lock_held(db_file)?;
    assert!(
        still_pushing,
        "/health answered while the push still held the write lock"
    );
    let response = pushing.await??;
    assert!(
        matches!(&response.push_results[..], [PushResult::Accepted { .. }]),
        "{:?}",
        response.push_results
    );
    server.stop().await
}

#[tokio::test]
async fn openapi_declares_the_hash_pattern_the_cursor_and_the_framework_answers(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let api: serde_json::Value = reqwest::get(server.url("/openapi.json"))
        .await?
        .json()
        .await?;
    let params = |path: &str, method: &str| api["paths"][path][method]["parameters"].clone();
    for method in ["get", "head", "patch"] {
        let hash = params("/v1/blobs/{hash}", method)
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "hash").cloned())
            .ok_or_else(|| anyhow::anyhow!("{method} blob has a hash parameter"))?;
        assert_eq!(hash["schema"]["pattern"], "^[0-9a-f]{64}$", "{method}");
    }
    let cursor = params("/v1/sync/wait", "get")
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "cursor").cloned())
        .ok_or_else(|| anyhow::anyhow!("the long poll has a cursor"))?;
    assert_eq!(cursor["required"], true, "the cursor is required");
    for path in ["/v1/sync", "/v1/auth/login"] {
        let responses = &api["paths"][path]["post"]["responses"];
        for code in ["400", "413", "415", "422"] {
            assert!(
                responses[code]["content"]["application/json"].is_object(),
                "{path} declares {code} with an error body: {responses}"
            );
        }
    }
    server.stop().await
}

#[tokio::test]
async fn held_pushes_stop_at_the_device_quota_and_nothing_is_lost() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let account = server.add_user("wang.fang", "王芳", Role::Dispatcher, PASSWORD)?;
    server.add_user("li.wei", "李伟", Role::Technician, PASSWORD)?;
    server.add_user("chen.jie", "陈杰", Role::Technician, PASSWORD)?;
    let dispatcher = Actor {
        user: UserId(account.id.parse()?),
        role: Role::Dispatcher,
    };
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = Ctx {
        actor: dispatcher,
        now: chrono::Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    let order = |seed: u128| -> anyhow::Result<(String, AutoCommit)> {
        let new = fixtures::new_order(seed, ServiceMode::OnSite, None);
        let id = new.id.to_string();
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &OrderDoc::new(new, &ctx)?, &ctx)?;
        Ok((id, doc))
    };
    // A technician may not create orders: each of these is held for review.
    let quota = onsite_server::sync::MAX_QUARANTINE_PER_DEVICE as usize;
    let mut tech = Client::sign_in(&server.url(""), "li.wei", PASSWORD).await?;
    for seed in 0..quota as u128 + 5 {
        let (id, doc) = order(1000 + seed)?;
        tech.insert(id, DocKind::Order, doc);
    }
    let push = tech.pending();
    let response = tech.send(push.clone()).await?;
    let codes: Vec<&str> = response
        .push_results
        .iter()
        .map(|r| match r {
            PushResult::Quarantined { .. } => "held",
            PushResult::Rejected { code, .. } => code.as_str(),
            PushResult::Accepted { .. } => "accepted",
        })
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "held").count(),
        quota,
        "held up to the quota"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "quarantine_full").count(),
        5,
        "then refused by name: {codes:?}"
    );
    tech.apply(&push, response)?;
    assert_eq!(
        tech.pending().len(),
        5,
        "the refused ones stay pending on the device"
    );

    // The quota is per device: another technician's device is not affected.
    let mut other = Client::sign_in(&server.url(""), "chen.jie", PASSWORD).await?;
    let (id, doc) = order(5000)?;
    other.insert(id, DocKind::Order, doc);
    other.sync().await?;
    assert!(
        matches!(&other.last_results[..], [PushResult::Quarantined { .. }]),
        "{:?}",
        other.last_results
    );

    // Once the held pushes are decided, the waiting ones go in on the next sync.
    let db = onsite_tests::pg::open(server.data.path())?;
    db.conn().execute(
        "UPDATE quarantine SET resolved_at = ?1, resolution = 'discarded' WHERE device_id = ?2",
        (chrono::Utc::now().to_rfc3339(), &tech.device_id),
    )?;
    tech.sync().await?;
    assert_eq!(tech.last_results.len(), 5);
    assert!(
        tech.last_results
            .iter()
            .all(|r| matches!(r, PushResult::Quarantined { .. })),
        "{:?}",
        tech.last_results
    );
    assert!(tech.pending().is_empty(), "nothing was lost on the way");
    server.stop().await
}

/// Decoding and merging a heavy push happens before its round trip takes the write
/// connection, so another device's sync is answered meanwhile; and if that sync changed
/// the same document, the heavy push is merged again onto what was committed, losing
/// neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_devices_sync_completes_while_a_heavy_push_is_being_prepared() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let (mut desk, id, dispatcher) = desk_with_order(&server).await?;
    let account = server.add_user("li.na", "李娜", Role::Dispatcher, PASSWORD)?;
    let other_actor = Actor {
        user: UserId(account.id.parse()?),
        role: Role::Dispatcher,
    };
    let mut other = Client::sign_in(&server.url(""), "li.na", PASSWORD).await?;
    other.sync().await?;
    anyhow::ensure!(other.docs.contains_key(&id), "the other desk has the order");

    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = |actor| Ctx {
        actor,
        now: chrono::Utc::now(),
        settings: &settings,
        calendar: &calendar,
    };
    trust::add_comments(desk.doc(&id)?, 2_000, &ctx(dispatcher))?;
    let heavy = desk.pending();

    // The heavy push stops once prepared, before it queues for the write connection,
    // until the other device's sync has been answered.
    let (prepared, release) = trust::hold_first_prepared(&server.db, &id);
    let heavy_heads = heavy[0].heads.clone();
    let pushing = tokio::spawn(async move {
        let response = desk.send(heavy).await?;
        anyhow::Ok(response)
    });
    prepared.await?;

    // A guard against a hang, not a measurement: before the fix this sync queued behind
    // the heavy push's merge, which is now held until the sync returns.
    trust::add_comments(other.doc(&id)?, 1, &ctx(other_actor))?;
    let small = other.pending();
    let small_heads = small[0].heads.clone();
    tokio::time::timeout(std::time::Duration::from_secs(60), other.sync())
        .await
        .map_err(|_| anyhow::anyhow!("the small sync waited for the heavy push"))??;
    assert!(
        matches!(&other.last_results[..], [PushResult::Accepted { .. }]),
        "{:?}",
        other.last_results
    );
    assert!(!pushing.is_finished(), "the heavy push is still being held");

    release.send(())?;
    let response = pushing.await??;
    assert!(
        matches!(&response.push_results[..], [PushResult::Accepted { .. }]),
        "{:?}",
        response.push_results
    );
    // Both are in the office copy: the heavy push was merged again onto the small one.
    let mut stored = server
        .db
        .with_reader(|conn| onsite_server::sync::docs::load(conn, &id))?
        .ok_or_else(|| anyhow::anyhow!("the order is stored"))?;
    for head in heavy_heads.iter().chain(&small_heads) {
        let hash: automerge::ChangeHash = head.parse()?;
        assert!(
            stored.doc.get_change_by_hash(&hash).is_some(),
            "change {head} is in the office copy"
        );
    }
    let order: OrderDoc = autosurgeon::hydrate(&stored.doc)?;
    assert_eq!(order.comments.len(), 2_001, "every comment is kept");
    server.db.set_prepared_probe(None);
    server.stop().await
}
