//! Sync benchmarks against a real server on loopback: a first sync of 500 orders with a
//! full history, a sync with nothing new, and one edited order among 10,000. Prints the
//! figures and writes them to target/bench/sync.json.

use std::time::Instant;

use automerge::AutoCommit;
use chrono::Duration;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures::{self, Cast};
use onsite_core::records::request::ServiceMode;
use onsite_core::{ops, Calendar, Ctx, Settings};
use onsite_server::sync::docs::{self, StoredDoc};
use onsite_server::sync::protocol::DocKind;
use onsite_tests::protocol_client::Client;
use onsite_tests::TestServer;
use serde_json::json;

const PASSWORD: &str = "bench-password";

fn order_doc(seed: u128, steps: usize) -> anyhow::Result<(String, AutoCommit)> {
    let cast = Cast::default();
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = |actor, minutes| Ctx {
        actor,
        now: fixtures::t0() + Duration::minutes(minutes),
        settings: &settings,
        calendar: &calendar,
    };
    let new = fixtures::new_order(seed, ServiceMode::OnSite, None);
    let id = new.id.to_string();
    let mut doc = AutoCommit::new();
    ops::create(
        &mut doc,
        &OrderDoc::new(new, &ctx(cast.dispatcher, 0))?,
        &ctx(cast.dispatcher, 0),
    )?;
    // 100 repair steps make the ~150 changes of a full lifecycle the design's target names.
    for (actor, op, minutes) in fixtures::on_site_lifecycle(&cast, 28_000, 100)
        .into_iter()
        .take(steps)
    {
        ops::apply(&mut doc, &op, &ctx(actor, minutes))?;
    }
    Ok((id, doc))
}

/// Puts `count` orders with `steps` operations each straight into the server database.
fn seed(server: &TestServer, first: u128, count: u128, steps: usize) -> anyhow::Result<usize> {
    let db = onsite_server::db::open(server.data.path())?;
    let mut changes = 0;
    db.transaction(|tx| {
        for seed in first..first + count {
            let (id, mut doc) = order_doc(seed, steps)
                .map_err(|e| onsite_server::error::ApiError::internal(e.to_string()))?;
            changes = doc.get_changes(&[]).len();
            let owner = onsite_server::sync::policy::owner_of(DocKind::Order, &doc)
                .ok()
                .flatten();
            docs::save(
                tx,
                &mut StoredDoc {
                    id,
                    kind: DocKind::Order,
                    doc,
                    owner,
                },
            )?;
        }
        Ok(())
    })?;
    Ok(changes)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cast = Cast::default();
    let mut figures = Vec::new();
    let mut figure = |name: &str, value: f64, unit: &str, target: &str| {
        println!("{name:<44} {value:>10.2} {unit:<3} (target {target})");
        figures.push(json!({"name": name, "value": value, "unit": unit, "target": target}));
    };

    // First sync of a technician with 500 orders of realistic history.
    let server = TestServer::start().await?;
    let db = onsite_server::db::open(server.data.path())?;
    onsite_server::accounts::add_with_id(
        &db.conn(),
        &cast.technician.user.to_string(),
        "tech",
        "李伟",
        cast.technician.role,
        PASSWORD,
    )?;
    let changes = seed(&server, 1, 500, usize::MAX)?;
    println!("seeded 500 orders of {changes} changes each");
    let mut runs = Vec::new();
    let mut bytes = (0, 0);
    for _ in 0..3 {
        let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
        let started = Instant::now();
        device.sync().await?;
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(device.docs.len() == 500, "all 500 orders arrived");
        bytes = device.total_bytes;
    }
    figure("first_sync_500_orders", median(runs), "ms", "< 500");
    figure(
        "first_sync_500_orders_down",
        bytes.1 as f64 / 1024.0,
        "KiB",
        "-",
    );

    // A sync with nothing new, 500 orders on the device.
    let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
    device.sync().await?;
    let mut runs = Vec::new();
    for _ in 0..50 {
        let requests = device.requests;
        let started = Instant::now();
        device.sync().await?;
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            device.requests == requests + 1,
            "a no-op sync is one request"
        );
    }
    figure("noop_sync_500_orders", median(runs), "ms", "< 20");
    figure("noop_sync_up", device.last_bytes.0 as f64, "B", "< 1024");
    figure("noop_sync_down", device.last_bytes.1 as f64, "B", "< 1024");
    server.stop().await?;

    // One edited order among 10,000.
    let server = TestServer::start().await?;
    let db = onsite_server::db::open(server.data.path())?;
    onsite_server::accounts::add_with_id(
        &db.conn(),
        &cast.technician.user.to_string(),
        "tech",
        "李伟",
        cast.technician.role,
        PASSWORD,
    )?;
    seed(&server, 1, 10_000, 1)?;
    let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
    device.sync().await?;
    anyhow::ensure!(device.docs.len() == 10_000);
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let mut runs = Vec::new();
    let mut wire = Vec::new();
    for i in 0..20u128 {
        let id = onsite_core::OrderId(fixtures::uuid(1000 + 1 + i)).to_string();
        let call = OrderOp::LogContact {
            id: fixtures::rid(500 + i),
            channel: onsite_core::records::order::ContactChannel::Phone,
            reached: true,
            note: "约好下午两点".into(),
        };
        let ctx = Ctx {
            actor: cast.technician,
            now: fixtures::t0() + Duration::hours(1),
            settings: &settings,
            calendar: &calendar,
        };
        ops::apply(device.doc(&id)?, &call, &ctx)?;
        let before = device.total_bytes;
        let started = Instant::now();
        device.sync().await?;
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        wire.push((device.total_bytes.0 - before.0 + device.total_bytes.1 - before.1) as f64);
    }
    figure("one_edited_of_10k_sync", median(runs), "ms", "< 30");
    figure("one_edited_of_10k_bytes", median(wire), "B", "< 2048");
    server.stop().await?;

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench");
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        format!("{dir}/sync.json"),
        serde_json::to_vec_pretty(&json!({ "figures": figures }))?,
    )?;
    Ok(())
}
