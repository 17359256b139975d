//! Sync benchmarks against a real server on loopback: a first sync of 500 orders with a
//! full history, a sync with nothing new, and one edited order among 10,000. Prints the
//! figures and writes them to target/bench/sync.json.

use std::time::Instant;

use chrono::Duration;
use onsite_core::doc::order::OrderOp;
use onsite_core::fixtures::{self, Cast};
use onsite_core::{ops, Calendar, Ctx, Settings};
use onsite_tests::protocol_client::Client;
use onsite_tests::{bench_orders, TestServer};
use serde_json::json;

const PASSWORD: &str = "bench-password";

/// Puts `count` benchmark orders with `steps` operations each straight into the server
/// database; returns the change count of one.
fn seed(server: &TestServer, first: u128, count: u128, steps: usize) -> anyhow::Result<usize> {
    bench_orders::store(
        server,
        (first..first + count).map(|seed| bench_orders::lifecycle_order(seed, steps)),
    )
}

/// Where one first sync of the 500 orders spends its time: the server's work under the
/// lock (its pull: reading the saves and the bookkeeping), encoding the responses as
/// JSON, the transfer (the rest of each request's time), and the device decoding the
/// JSON and loading the documents (this bare client has no projection; the app's device
/// store adds its own, measured in the device benchmarks).
async fn first_sync_parts(server: &TestServer) -> anyhow::Result<Vec<(&'static str, f64)>> {
    use base64::Engine as _;
    use onsite_core::protocol::{SyncRequest, SyncResponse};
    let device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
    let http = reqwest::Client::new();
    let (mut request_ms, mut encode_ms, mut decode_ms, mut apply_ms) = (0.0, 0.0, 0.0, 0.0);
    let mut unchecked_ms = 0.0;
    let before = bench_orders::phase_seconds(server).await?;
    let mut cursor = None;
    let mut docs = 0;
    loop {
        let body = SyncRequest {
            cursor,
            push: vec![],
            client_time: Some(bench_orders::instant().to_rfc3339()),
        };
        let started = Instant::now();
        let bytes = http
            .post(server.url("/v1/sync"))
            .bearer_auth(&device.token)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        request_ms += started.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        let response: SyncResponse = serde_json::from_slice(&bytes)?;
        decode_ms += started.elapsed().as_secs_f64() * 1000.0;
        // What the server did to write this body (the same serializer, the same value).
        let started = Instant::now();
        let again = serde_json::to_vec(&response)?;
        encode_ms += started.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(
            again.len() == bytes.len(),
            "the body re-encodes to its size"
        );
        let bytes: Vec<Vec<u8>> = response
            .docs
            .iter()
            .map(|p| base64::engine::general_purpose::STANDARD.decode(&p.data))
            .collect::<Result<_, _>>()?;
        let started = Instant::now();
        for data in &bytes {
            automerge::AutoCommit::new().load_incremental(data)?;
            docs += 1;
        }
        apply_ms += started.elapsed().as_secs_f64() * 1000.0;
        // The same loads without checking the heads, to tell that part of the cost.
        let started = Instant::now();
        for data in &bytes {
            automerge::AutoCommit::load_with_options(
                data,
                automerge::LoadOptions::new()
                    .verification_mode(automerge::VerificationMode::DontCheck),
            )?;
        }
        unchecked_ms += started.elapsed().as_secs_f64() * 1000.0;
        cursor = Some(response.cursor);
        if !response.more {
            break;
        }
    }
    anyhow::ensure!(docs == 500, "all 500 orders arrived, not {docs}");
    let spent = bench_orders::phase_delta(&before, &bench_orders::phase_seconds(server).await?);
    let phase = |name: &str| {
        spent
            .iter()
            .find(|(p, ..)| p == name)
            .map_or(0.0, |(_, ms, _)| *ms)
    };
    let (server_ms, pull_ms) = (phase("round_trip") + phase("commit"), phase("pull"));
    Ok(vec![
        ("server_round_trips", server_ms),
        ("server_pull", pull_ms),
        ("encode", encode_ms),
        ("transfer", request_ms - server_ms - encode_ms),
        ("device_decode", decode_ms),
        ("device_apply", apply_ms),
        ("device_apply_unchecked", unchecked_ms),
    ])
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
    let server = bench_orders::server().await?;
    bench_orders::add_technician(&server, PASSWORD)?;
    let changes = seed(&server, 1, 500, usize::MAX)?;
    println!("seeded 500 orders of {changes} changes each");
    let mut runs = Vec::new();
    let mut bytes = (0, 0);
    for _ in 0..3 {
        let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
        device.clock = server.clock.clone();
        let started = Instant::now();
        device.sync().await?;
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(device.docs.len() == 500, "all 500 orders arrived");
        bytes = device.total_bytes;
    }
    figure("first_sync_500_orders", median(runs), "ms", "< 500");
    for (name, ms) in first_sync_parts(&server).await? {
        figure(&format!("first_sync_500_orders_{name}"), ms, "ms", "-");
    }
    figure(
        "first_sync_500_orders_down",
        bytes.1 as f64 / 1024.0,
        "KiB",
        "-",
    );
    // The same first sync into the app's own device store: its real sync client, the
    // documents stored in SQLite with their list and search rows (the projection).
    let mut runs = Vec::new();
    for run in 0..3 {
        let phone = tempfile::tempdir()?;
        let account =
            onsite_server::accounts::get(&server.db.conn(), &cast.technician.user.to_string())?
                .ok_or_else(|| anyhow::anyhow!("the benchmark technician"))?;
        let mut device = onsite_tests::fleet::Device::enroll(
            server.data.path(),
            &server.url(""),
            phone.path(),
            &format!("tech/phone-{run}"),
            &account,
            cast.technician,
        )?;
        let started = Instant::now();
        device.sync.sync(&mut device.store).await?;
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(device.orders()?.len() == 500, "all 500 orders stored");
    }
    figure(
        "first_sync_500_orders_device_store",
        median(runs),
        "ms",
        "< 500",
    );

    // A sync with nothing new, 500 orders on the device.
    let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
    device.clock = server.clock.clone();
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
    let server = bench_orders::server().await?;
    bench_orders::add_technician(&server, PASSWORD)?;
    seed(&server, 1, 10_000, 1)?;
    let mut device = Client::sign_in(&server.url(""), "tech", PASSWORD).await?;
    device.clock = server.clock.clone();
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

    let file = onsite_tests::pg::bench_file("sync");
    std::fs::create_dir_all(
        std::path::Path::new(&file)
            .parent()
            .unwrap_or(std::path::Path::new(".")),
    )?;
    std::fs::write(
        &file,
        serde_json::to_vec_pretty(&json!({ "figures": figures }))?,
    )?;
    Ok(())
}
