//! What hostile pushes and sign-ins cost the server, measured in a release build with the
//! server in this process: the peak memory growth for a deflate-bomb push and for 25
//! sign-ins with unique 4 MiB logins, and `/health` latency while a 10,000-comment push
//! holds the database's write lock, and another device's sync latency while a second
//! such push is in flight. Prints the figures and writes them to
//! target/bench/server_trust.json. The figures before the fix are in issue 10: 1.34 GiB
//! for a 509 KiB bomb, about 100 MiB for the sign-ins, `/health` blocked 5 to 13 s.

use std::time::{Duration, Instant};

use automerge::AutoCommit;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::doc::order::OrderDoc;
use onsite_core::fixtures;
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{ops, Calendar, Ctx, Settings, UserId};
use onsite_server::sync::protocol::{DocKind, PushDoc, PushResult};
use onsite_tests::protocol_client::Client;
use onsite_tests::{trust, TestServer};
use serde_json::json;

const PASSWORD: &str = "bench-password";
const MIB: f64 = 1024.0 * 1024.0;

/// Peak memory growth in MiB while `f` runs.
async fn peak_growth<F: std::future::Future<Output = anyhow::Result<()>>>(
    f: F,
) -> anyhow::Result<f64> {
    anyhow::ensure!(trust::reset_peak_rss(), "cannot reset the peak RSS here");
    let before = trust::rss_bytes();
    f.await?;
    Ok(trust::peak_rss_bytes().saturating_sub(before) as f64 / MIB)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut figures = Vec::new();
    let mut figure = |name: &str, value: f64, unit: &str, target: &str| {
        println!("{name:<44} {value:>10.2} {unit:<3} (target {target})");
        figures.push(json!({"name": name, "value": value, "unit": unit, "target": target}));
    };

    let server = TestServer::start().await?;
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

    // The deflate bomb: a compressed change chunk of ~500 KiB that inflates to 500 MiB.
    let bomb = trust::compressed_change_bomb(500)?;
    let push = vec![PushDoc {
        doc_id: id.clone(),
        kind: DocKind::Order,
        data: B64.encode(&bomb),
        heads: vec![],
    }];
    let started = Instant::now();
    let mut result = None;
    let grew = peak_growth(async {
        result = Some(desk.send(push).await?);
        Ok(())
    })
    .await?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        result.is_some_and(|r| matches!(&r.push_results[..], [PushResult::Rejected { .. }])),
        "the bomb is refused"
    );
    figure(
        "deflate_bomb_push_peak_rss_growth",
        grew,
        "MiB",
        "< 64 (was 1372)",
    );
    figure(
        "deflate_bomb_push_answer",
        elapsed,
        "ms",
        "< 1000 (was 7000)",
    );
    println!("  (bomb: {} KiB pushed)", bomb.len() / 1024);

    // 25 sign-ins with unique 4 MiB logins, no token.
    let http = reqwest::Client::new();
    let grew = peak_growth(async {
        for n in 0..25 {
            let body = serde_json::to_vec(&json!({
                "login": format!("{n}{}", "x".repeat(4 * 1024 * 1024)), "password": "p",
                "device_id": uuid::Uuid::now_v7().to_string(), "device_name": "d"}))?;
            // Answered 413 after 4 KiB and closed: the client reads the status or fails
            // writing the rest of its body.
            match http
                .post(server.url("/v1/auth/login"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
            {
                Ok(r) => anyhow::ensure!(r.status().as_u16() == 413, "refused: {}", r.status()),
                Err(e) => anyhow::ensure!(e.is_request(), "cut off while sending: {e}"),
            }
        }
        Ok(())
    })
    .await?;
    figure(
        "huge_sign_ins_25x4mib_peak_rss_growth",
        grew,
        "MiB",
        "< 32 (was ~100)",
    );

    // /health while a 10,000-comment push holds the write lock.
    trust::add_comments(desk.doc(&id)?, 10_000, &ctx)?;
    let push = desk.pending();
    let bytes = B64.decode(&push[0].data)?.len();
    let db_file = server.data.path();
    let started = Instant::now();
    let pushing = tokio::spawn(async move { desk.send(push).await });
    while !trust::write_lock_held(db_file)? {
        anyhow::ensure!(!pushing.is_finished(), "the push ended before it was seen");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut latencies = Vec::new();
    while trust::write_lock_held(db_file)? && !pushing.is_finished() {
        let asked = Instant::now();
        let status = http.get(server.url("/health")).send().await?.status();
        anyhow::ensure!(status.is_success(), "/health answered {status}");
        latencies.push(asked.elapsed().as_secs_f64() * 1000.0);
    }
    let response = pushing.await??;
    let push_ms = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        matches!(&response.push_results[..], [PushResult::Accepted { .. }]),
        "the big push is accepted: {:?}",
        response.push_results
    );
    anyhow::ensure!(!latencies.is_empty(), "no /health answered during the push");
    latencies.sort_by(|a, b| a.total_cmp(b));
    figure(
        "health_during_10k_comment_push_max",
        latencies[latencies.len() - 1],
        "ms",
        "< 100 (was 5000-13000)",
    );
    figure(
        "health_during_10k_comment_push_median",
        latencies[latencies.len() / 2],
        "ms",
        "< 20",
    );
    figure("push_10k_comments", push_ms, "ms", "-");
    println!(
        "  ({} /health answers during a {} KiB push)",
        latencies.len(),
        bytes / 1024
    );

    // Another device's sync latency while a second 10,000-comment push (a new order) is
    // in flight: that device syncs its own order, one comment at a time, until the heavy
    // push is answered.
    let other_account = server.add_user("li.na", "李娜", Role::Dispatcher, PASSWORD)?;
    let other_ctx = Ctx {
        actor: Actor {
            user: UserId(other_account.id.parse()?),
            role: Role::Dispatcher,
        },
        ..ctx
    };
    let mut other = Client::sign_in(&server.url(""), "li.na", PASSWORD).await?;
    let own = fixtures::new_order(2, ServiceMode::OnSite, None);
    let own_id = own.id.to_string();
    let mut own_doc = AutoCommit::new();
    ops::create(&mut own_doc, &OrderDoc::new(own, &other_ctx)?, &other_ctx)?;
    other.insert(own_id.clone(), DocKind::Order, own_doc);
    other.sync().await?;
    let mut heavy = Client::sign_in(&server.url(""), "wang.fang", PASSWORD).await?;
    let big = fixtures::new_order(3, ServiceMode::OnSite, None);
    let big_id = big.id.to_string();
    let mut big_doc = AutoCommit::new();
    ops::create(&mut big_doc, &OrderDoc::new(big, &ctx)?, &ctx)?;
    trust::add_comments(&mut big_doc, 10_000, &ctx)?;
    heavy.insert(big_id, DocKind::Order, big_doc);
    let push = heavy.pending();
    let started = Instant::now();
    let pushing = tokio::spawn(async move { heavy.send(push).await });
    let mut syncs = Vec::new();
    while !pushing.is_finished() {
        trust::add_comments(other.doc(&own_id)?, 1, &other_ctx)?;
        let asked = Instant::now();
        other.sync().await?;
        anyhow::ensure!(
            matches!(&other.last_results[..], [PushResult::Accepted { .. }]),
            "the small sync is accepted: {:?}",
            other.last_results
        );
        syncs.push(asked.elapsed().as_secs_f64() * 1000.0);
    }
    let response = pushing.await??;
    let push_ms = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        matches!(&response.push_results[..], [PushResult::Accepted { .. }]),
        "the second big push is accepted: {:?}",
        response.push_results
    );
    anyhow::ensure!(!syncs.is_empty(), "no other sync ran during the push");
    let first = syncs[0];
    syncs.sort_by(|a, b| a.total_cmp(b));
    figure("other_sync_during_10k_comment_push_first", first, "ms", "-");
    figure(
        "other_sync_during_10k_comment_push_max",
        syncs[syncs.len() - 1],
        "ms",
        "< push",
    );
    figure(
        "other_sync_during_10k_comment_push_median",
        syncs[syncs.len() / 2],
        "ms",
        "< 50",
    );
    figure("push_10k_comments_new_order", push_ms, "ms", "-");
    println!("  ({} other syncs during the push)", syncs.len());
    server.stop().await?;

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench");
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        format!("{dir}/server_trust.json"),
        serde_json::to_vec_pretty(&json!({ "figures": figures }))?,
    )?;
    Ok(())
}
