//! Load benchmark (design brief, "Quality bars": 500 devices syncing at once, each
//! pushing a few edits: no errors, p99 < 500 ms). One server on this machine, 500
//! technicians with one device each and three orders each. Every device first pulls its
//! orders; then, in several waves, each makes a few offline edits and all 500 sync at
//! the same moment (the worst case: a thundering herd). A last wave spreads the 500
//! syncs over five seconds, as background syncs with jitter arrive in the field. Prints
//! the error count and latency percentiles and writes them to target/bench/load.json.
//!
//! The devices are lean protocol clients (Automerge documents in memory, one HTTP
//! connection pool each) so that the client side costs little of the machine's two
//! cores and the figures are the server's. They are enrolled straight into the server's
//! database: sign-in is rate-limited per client address, and all of them share one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use automerge::{AutoCommit, ChangeHash};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::doc::order::OrderOp;
use onsite_core::protocol::{PushDoc, PushResult, SyncRequest, SyncResponse};
use onsite_core::records::order::ContactChannel;
use onsite_core::role::{Actor, Role};
use onsite_core::{fixtures, ops, Calendar, Ctx, Settings, UserId};
use onsite_server::sync::protocol::DocKind;
use onsite_tests::{bench_orders, TestServer};
use serde_json::json;

const DEVICES: usize = 500;
const ORDERS_PER_DEVICE: usize = 3;
const WAVES: usize = 3;
const EDITS_PER_WAVE: usize = 3;
/// For the last wave: the span over which the 500 syncs start.
const SPREAD: Duration = Duration::from_secs(5);
const PASSWORD: &str = "bench-password";

/// One device: its token, cursor and documents with the heads the server has.
struct Device {
    actor: Actor,
    token: String,
    cursor: Option<u64>,
    docs: Vec<(String, AutoCommit, Vec<ChangeHash>)>,
    http: reqwest::Client,
    base: String,
}

impl Device {
    /// One round trip: push what the server lacks, apply what comes back. Returns
    /// whether the server has more, and how many pushes it did not accept.
    async fn round_trip(&mut self) -> anyhow::Result<(bool, usize)> {
        let mut push = Vec::new();
        for (id, doc, synced) in &mut self.docs {
            let heads = doc.get_heads();
            if heads == *synced {
                continue;
            }
            push.push(PushDoc {
                doc_id: id.clone(),
                kind: DocKind::Order,
                data: B64.encode(doc.save_after(synced)),
                heads: heads.iter().map(ToString::to_string).collect(),
            });
        }
        let request = SyncRequest {
            cursor: self.cursor,
            push: push.clone(),
            // In step with the server's benchmark clock: no clock offset to note.
            client_time: Some(bench_orders::instant().to_rfc3339()),
        };
        let response = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(&self.token)
            .json(&request)
            .send()
            .await?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "sync: {status} {}",
            response.text().await.unwrap_or_default()
        );
        let response: SyncResponse = response.json().await?;
        let mut refused = 0;
        for result in &response.push_results {
            let PushResult::Accepted { doc_id } = result else {
                refused += 1;
                continue;
            };
            let pushed = push.iter().find(|p| &p.doc_id == doc_id);
            if let (Some(pushed), Some(entry)) =
                (pushed, self.docs.iter_mut().find(|(id, ..)| id == doc_id))
            {
                entry.2 = pushed
                    .heads
                    .iter()
                    .map(|h| h.parse())
                    .collect::<Result<_, _>>()?;
            }
        }
        for pulled in response.docs {
            let data = B64.decode(&pulled.data)?;
            let heads: Vec<ChangeHash> = pulled
                .heads
                .iter()
                .map(|h| h.parse())
                .collect::<Result<_, _>>()?;
            match self.docs.iter_mut().find(|(id, ..)| *id == pulled.doc_id) {
                Some((_, doc, synced)) => {
                    doc.load_incremental(&data)?;
                    *synced = heads;
                }
                None => {
                    let mut doc = AutoCommit::new();
                    doc.load_incremental(&data)?;
                    self.docs.push((pulled.doc_id, doc, heads));
                }
            }
        }
        self.cursor = Some(response.cursor);
        Ok((response.more, refused))
    }

    /// Syncs until the server has nothing more; errors if any push was not accepted.
    async fn sync(&mut self) -> anyhow::Result<()> {
        loop {
            let (more, refused) = self.round_trip().await?;
            anyhow::ensure!(refused == 0, "{refused} pushes were not accepted");
            if !more {
                return Ok(());
            }
        }
    }

    /// A few offline edits on this technician's orders.
    fn edit(&mut self, rng: &mut fastrand::Rng, wave: usize) -> anyhow::Result<()> {
        let (settings, calendar) = (Settings::default(), Calendar::default());
        let ctx = Ctx {
            actor: self.actor,
            now: fixtures::t0() + chrono::Duration::minutes(10 + wave as i64),
            settings: &settings,
            calendar: &calendar,
        };
        for _ in 0..EDITS_PER_WAVE {
            let n = rng.usize(..self.docs.len());
            let id = onsite_core::ids::RecordId(uuid::Uuid::from_u128(rng.u128(..)));
            let op = if rng.bool() {
                OrderOp::LogContact {
                    id,
                    channel: ContactChannel::Phone,
                    reached: false,
                    note: "no answer".into(),
                }
            } else {
                OrderOp::Comment {
                    id,
                    text: format!("wave {wave}: parts on the van"),
                }
            };
            ops::apply(&mut self.docs[n].1, &op, &ctx)?;
        }
        Ok(())
    }
}

/// Three benchmark orders per technician, dispatched to them, straight into the server
/// database.
fn seed_orders(server: &TestServer, techs: &[Actor]) -> anyhow::Result<()> {
    let orders = techs.iter().enumerate().flat_map(|(n, tech)| {
        (0..ORDERS_PER_DEVICE).map(move |k| {
            let seed = (n * ORDERS_PER_DEVICE + k + 1) as u128;
            bench_orders::dispatched_order(seed, *tech)
        })
    });
    bench_orders::store(server, orders)?;
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> anyhow::Result<()> {
    // The server gets a runtime of its own, as it would on its own machine: the 500
    // clients' tasks must not stand in its workers' way, nor it in theirs.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let clients_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let server = server_rt.block_on(bench_orders::server())?;
    let outcome = clients_rt.block_on(bench(&server));
    server_rt.block_on(server.stop())?;
    outcome
}

/// Adds `count` technicians from number `first` and enrolls a device for each, on a
/// connection of its own; returns (actor, token) per device.
fn enroll(server: &TestServer, first: usize, count: usize) -> anyhow::Result<Vec<(Actor, String)>> {
    let db = onsite_tests::pg::open(server.data.path())?;
    let mut out = Vec::with_capacity(count);
    for n in first..first + count {
        let login = format!("tech{n:03}");
        // Each user is its own short write: the argon2 hash is computed before the
        // insert takes the write lock, so the two enrolling threads hash in parallel.
        let account =
            onsite_server::accounts::add(&db.conn(), &login, &login, Role::Technician, PASSWORD)?;
        let device_id = uuid::Uuid::now_v7().to_string();
        let token = onsite_server::devices::enroll(&db.conn(), &account, &device_id, &login)?;
        let actor = Actor {
            user: UserId(account.id.parse()?),
            role: Role::Technician,
        };
        out.push((actor, token));
    }
    Ok(out)
}

async fn bench(server: &TestServer) -> anyhow::Result<()> {
    let seed = std::env::var("ONSITE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut rng = fastrand::Rng::with_seed(seed);
    let base = server.url("");

    // 500 technicians, each with one enrolled device; argon2 hashing dominates, so two
    // threads share it.
    let started = Instant::now();
    let half = DEVICES / 2;
    let enrolled = std::thread::scope(|scope| -> anyhow::Result<Vec<(Actor, String)>> {
        let first = scope.spawn(|| enroll(server, 0, half));
        let second = enroll(server, half, DEVICES - half)?;
        let mut all = first
            .join()
            .map_err(|_| anyhow::anyhow!("enrolling panicked"))??;
        all.extend(second);
        Ok(all)
    })?;
    let mut devices = Vec::with_capacity(DEVICES);
    for (actor, token) in enrolled {
        devices.push(Device {
            actor,
            token,
            cursor: None,
            docs: Vec::new(),
            // One connection pool per device, as 500 phones would have.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
            base: base.clone(),
        });
    }
    let techs: Vec<Actor> = devices.iter().map(|d| d.actor).collect();
    seed_orders(server, &techs)?;
    println!(
        "enrolled {DEVICES} devices with {ORDERS_PER_DEVICE} orders each in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // First syncs, all at once: each device pulls its orders.
    let (first, devices) = wave(devices, |_| Ok(()), Vec::new()).await?;
    for device in &devices {
        anyhow::ensure!(
            device.docs.len() == ORDERS_PER_DEVICE,
            "a device received {} orders, not {ORDERS_PER_DEVICE}",
            device.docs.len()
        );
    }
    println!(
        "first sync of {DEVICES} devices at once: p50 {:.0} ms, p99 {:.0} ms, {} errors",
        first.p50, first.p99, first.errors
    );

    // Waves of edits pushed by every device at the same moment.
    let mut devices = devices;
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut wall = Vec::new();
    let mut phases = std::collections::BTreeMap::<String, f64>::new();
    for n in 0..WAVES {
        let mut wave_rngs: Vec<fastrand::Rng> = (0..DEVICES).map(|_| rng.fork()).collect();
        let prepare = move |(i, device): (usize, &mut Device)| device.edit(&mut wave_rngs[i], n);
        let before = bench_orders::phase_seconds(server).await?;
        let (stats, back) = wave(devices, prepare, Vec::new()).await?;
        let spent = bench_orders::phase_delta(&before, &bench_orders::phase_seconds(server).await?);
        devices = back;
        println!(
            "wave {n}: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms, {} errors, all done in {:.0} ms",
            stats.p50, stats.p99, stats.max, stats.errors, stats.wall
        );
        // Where the server spent the wave: summed over its 500 round trips (the prepare
        // runs beside other round trips; the rest, but the wait, under the write lock).
        let line: Vec<String> = spent
            .iter()
            .map(|(phase, ms, n)| format!("{phase} {ms:.0} ms/{n}"))
            .collect();
        println!("  server phases: {}", line.join(", "));
        for (phase, ms, _) in spent {
            *phases.entry(phase).or_default() += ms / WAVES as f64;
        }
        latencies.extend(stats.latencies);
        errors += stats.errors;
        wall.push(stats.wall);
    }
    latencies.sort_by(f64::total_cmp);
    let p50 = percentile(&latencies, 50.0);
    let p99 = percentile(&latencies, 99.0);
    let syncs_per_s = (DEVICES * WAVES) as f64 / (wall.iter().sum::<f64>() / 1000.0);

    // The same fleet as it behaves in the field: each device's background sync comes
    // at its own moment, here spread evenly at random over SPREAD.
    let mut wave_rngs: Vec<fastrand::Rng> = (0..DEVICES).map(|_| rng.fork()).collect();
    let starts = (0..DEVICES).map(|_| SPREAD.mul_f64(rng.f64())).collect();
    let prepare = move |(i, device): (usize, &mut Device)| device.edit(&mut wave_rngs[i], WAVES);
    let (spread, _) = wave(devices, prepare, starts).await?;
    errors += spread.errors;
    println!(
        "spread over {} s: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms, {} errors",
        SPREAD.as_secs(),
        spread.p50,
        spread.p99,
        spread.max,
        spread.errors
    );

    let mut figures = Vec::new();
    let mut figure = |name: &str, value: f64, unit: &str, target: &str| {
        println!("{name:<44} {value:>10.2} {unit:<3} (target {target})");
        figures.push(json!({"name": name, "value": value, "unit": unit, "target": target}));
    };
    figure("load_500_devices_errors", errors as f64, "", "0");
    figure("load_500_devices_sync_p50", p50, "ms", "-");
    figure("load_500_devices_sync_p99", p99, "ms", "< 500");
    figure("load_500_devices_syncs_per_s", syncs_per_s, "/s", "-");
    figure("load_500_devices_first_sync_p99", first.p99, "ms", "-");
    figure("load_500_devices_spread_5s_sync_p99", spread.p99, "ms", "-");
    // Per wave of 500 pushes, summed over its round trips (see `sync::phases`).
    for (phase, ms) in &phases {
        figure(&format!("load_500_devices_wave_{phase}"), *ms, "ms", "-");
    }

    let file = onsite_tests::pg::bench_file("load");
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

/// What one wave of simultaneous syncs measured.
struct Wave {
    latencies: Vec<f64>,
    errors: usize,
    p50: f64,
    p99: f64,
    max: f64,
    wall: f64,
}

/// Prepares every device with `prepare` (offline, not timed), then starts all their
/// syncs at the same moment, or each at its offset in `starts` from that moment, and
/// times each sync. Devices come back in their order.
async fn wave(
    devices: Vec<Device>,
    mut prepare: impl FnMut((usize, &mut Device)) -> anyhow::Result<()>,
    starts: Vec<Duration>,
) -> anyhow::Result<(Wave, Vec<Device>)> {
    let mut devices = devices;
    for (i, device) in devices.iter_mut().enumerate() {
        prepare((i, device))?;
    }
    let start = Arc::new(tokio::sync::Barrier::new(devices.len() + 1));
    let mut tasks = Vec::with_capacity(devices.len());
    for (i, mut device) in devices.into_iter().enumerate() {
        let start = start.clone();
        // Simulated arrival times, not synchronisation: the barrier does that.
        let offset = starts.get(i).copied().unwrap_or_default();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            tokio::time::sleep(offset).await;
            let began = Instant::now();
            let outcome = device.sync().await;
            (device, began.elapsed().as_secs_f64() * 1000.0, outcome)
        }));
    }
    start.wait().await;
    let began = Instant::now();
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0;
    let mut back = Vec::with_capacity(tasks.len());
    let mut first_error = None;
    for task in tasks {
        let (device, ms, outcome) = task.await.context("a device task panicked")?;
        if let Err(e) = outcome {
            errors += 1;
            first_error.get_or_insert(e);
        }
        latencies.push(ms);
        back.push(device);
    }
    let wall = began.elapsed().as_secs_f64() * 1000.0;
    if let Some(e) = first_error {
        println!("first error: {e:#}");
    }
    latencies.sort_by(f64::total_cmp);
    let stats = Wave {
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        max: latencies.last().copied().unwrap_or(0.0),
        latencies,
        errors,
        wall,
    };
    Ok((stats, back))
}
