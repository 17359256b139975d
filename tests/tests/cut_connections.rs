//! Cut connections (design brief, "Reliability bars"): technicians' devices sync through
//! a proxy that cuts the connection at random bytes of the request or of the response,
//! over and over, while they keep making offline edits including part usage. Each cut
//! sync is simply called again, as the app's background sync does. Afterwards every
//! device and the server hold identical documents, every acknowledged edit reached the
//! server, and each part used was recorded, and counted in stock, exactly once.
//!
//! Seeded: the seed is printed and every failure names it; `ONSITE_SEED=<n>` replays a
//! run and `ONSITE_CUT_RUNS=<n>` changes how many runs there are. Request sizes vary a
//! little between replays (actor ids and tokens are random), so a replay cuts at nearly,
//! not exactly, the same places.

use std::collections::BTreeMap;

use anyhow::Context as _;
use automerge::{ChangeHash, ReadDoc as _};
use onsite_core::doc::order::OrderOp;
use onsite_core::role::{Actor, Role};
use onsite_tests::fleet::{self, Company, Device, Edit};
use onsite_tests::proxy::{Cut, Direction, Proxy};
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

/// Everything the technicians' devices committed locally: what the server must end up
/// holding, no more and no less.
#[derive(Default)]
struct Ledgered {
    /// Change hashes of committed local edits, by order.
    changes: BTreeMap<String, Vec<ChangeHash>>,
    /// Part uses and contact attempts.
    records: fleet::Recorded,
}

/// How the cuts went, so the test can show it really cut both ways.
#[derive(Debug, Default)]
struct CutStats {
    armed: BTreeMap<&'static str, u64>,
    fired: BTreeMap<&'static str, u64>,
    failed_syncs: u64,
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Request => "request",
        Direction::Response => "response",
    }
}

#[tokio::test]
async fn syncs_cut_at_random_bytes_lose_and_duplicate_nothing() -> anyhow::Result<()> {
    let seed = fleet::seed();
    eprintln!("cut_connections seed {seed} (replay with ONSITE_SEED={seed})");
    scenario(seed, fleet::env_or("ONSITE_CUT_RUNS", 60) as usize)
        .await
        .with_context(|| format!("replay with ONSITE_SEED={seed}"))
}

async fn scenario(seed: u64, runs: usize) -> anyhow::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut company = Company::default();
    let server = TestServer::start().await?;
    let proxy = Proxy::start(server.addr).await?;
    let dir = tempfile::tempdir()?;

    let (sup_account, supervisor) =
        fleet::add_user(server.data.path(), "zhou.min", Role::Supervisor, PASSWORD)?;
    let (li_account, li) =
        fleet::add_user(server.data.path(), "li.wei", Role::Technician, PASSWORD)?;
    let (chen_account, chen) =
        fleet::add_user(server.data.path(), "chen.jie", Role::Technician, PASSWORD)?;
    // The office talks to the server directly; only the technicians' signal is bad.
    let mut office = Device::enroll(
        server.data.path(),
        &server.url(""),
        dir.path(),
        "office",
        &sup_account,
        supervisor,
    )?;
    let base = proxy.url("");
    let mut techs = vec![
        Device::enroll(
            server.data.path(),
            &base,
            dir.path(),
            "li.wei/phone",
            &li_account,
            li,
        )?,
        // Li also has a tablet: two devices editing the same orders offline.
        Device::enroll(
            server.data.path(),
            &base,
            dir.path(),
            "li.wei/tablet",
            &li_account,
            li,
        )?,
        Device::enroll(
            server.data.path(),
            &base,
            dir.path(),
            "chen.jie/phone",
            &chen_account,
            chen,
        )?,
    ];

    // Two orders each, brought to the repair stage by the supervisor, so parts can be used.
    let mut orders: BTreeMap<String, Actor> = BTreeMap::new();
    for (n, tech) in [(1, li), (2, li), (3, chen), (4, chen)] {
        let id = fleet::order_at_repair(&mut office, &mut company, &mut rng, n, tech)?;
        orders.insert(id, tech);
    }
    office.sync.sync(&mut office.store).await?;
    for device in &mut techs {
        device.sync.sync(&mut device.store).await?;
        anyhow::ensure!(
            device.orders()?.len() == 2,
            "{} received its technician's two orders",
            device.label
        );
    }

    let mut expected = Ledgered::default();
    let mut stats = CutStats::default();
    // Bytes each device's last clean sync moved each way: where cuts can land.
    let mut sizes: Vec<(u64, u64)> = vec![(2_000, 1_000); techs.len()];
    for run in 0..runs {
        // Offline work on every technician's device.
        for device in &mut techs {
            let mine: Vec<String> = device.orders()?;
            for _ in 0..rng.usize(1..=3) {
                let id = &mine[rng.usize(..mine.len())];
                let op = match rng.u8(0..4) {
                    0 | 1 => fleet::use_part(&mut rng, device.actor),
                    _ => fleet::filler_op(&mut rng, device.actor),
                };
                let Edit::Committed(change) = device.edit(&mut company, id, &op)? else {
                    anyhow::bail!("run {run}: {} could not {op:?}", device.label);
                };
                expected.changes.entry(id.clone()).or_default().push(change);
                expected.records.note(&op);
            }
        }
        // Now and then the office writes too, so the cut responses carry documents.
        if rng.u8(0..3) == 0 {
            let ids: Vec<&String> = orders.keys().collect();
            let id = ids[rng.usize(..ids.len())].clone();
            let note = OrderOp::Comment {
                id: fleet::record_id(&mut rng),
                text: format!("office note {run}"),
            };
            office.edit(&mut company, &id, &note)?;
            office.sync.sync(&mut office.store).await?;
        }

        let mut order: Vec<usize> = (0..techs.len()).collect();
        rng.shuffle(&mut order);
        for i in order {
            let device = &mut techs[i];
            for _ in 0..rng.usize(1..=3) {
                let direction = if rng.bool() {
                    Direction::Request
                } else {
                    Direction::Response
                };
                let size = match direction {
                    Direction::Request => sizes[i].0,
                    Direction::Response => sizes[i].1,
                };
                let cut = Cut {
                    direction,
                    after: rng.u64(0..size.max(1)),
                };
                let fired_before = proxy.fired();
                proxy.arm(cut);
                let outcome = device.sync.sync(&mut device.store).await;
                proxy.disarm();
                *stats.armed.entry(direction_name(direction)).or_default() += 1;
                if proxy.fired() > fired_before {
                    *stats.fired.entry(direction_name(direction)).or_default() += 1;
                }
                if outcome.is_err() {
                    stats.failed_syncs += 1;
                }
            }
            // The signal comes back: one clean sync must now finish everything.
            let before = proxy.bytes();
            device
                .sync
                .sync(&mut device.store)
                .await
                .with_context(|| format!("run {run}: {}'s clean sync after cuts", device.label))?;
            let after = proxy.bytes();
            sizes[i] = (after.0 - before.0, after.1 - before.1);
            anyhow::ensure!(
                device.store.pending()?.is_empty(),
                "run {run}: {} still has unsent edits after a clean sync: {:?}",
                device.label,
                device.store.pending()?
            );
        }
        // Nothing acknowledged is lost: the server holds every committed change so far.
        let docs = fleet::server_docs(server.data.path())?;
        for (id, changes) in &expected.changes {
            let doc = &docs
                .get(id)
                .with_context(|| format!("order {id} on the server"))?
                .doc;
            for change in changes {
                anyhow::ensure!(
                    doc.get_change_by_hash(change).is_some(),
                    "run {run}: the server lost change {change} of order {id}"
                );
            }
        }
    }

    // Everyone syncs cleanly twice (the second pass brings the last pushes to all).
    let mut everyone: Vec<Device> = techs;
    everyone.push(office);
    for _ in 0..2 {
        for device in &mut everyone {
            device.sync.sync(&mut device.store).await?;
        }
    }
    fleet::assert_converged(server.data.path(), &mut everyone)?;

    // Each part use and contact appears once, and stock counts each part use once, on
    // the server and on every device.
    let ids: Vec<String> = orders.keys().cloned().collect();
    expected
        .records
        .assert_counted_once(server.data.path(), &ids, &everyone, &[li, chen])?;

    eprintln!(
        "cuts: {stats:?}, {} part uses, {} contacts, {} runs",
        expected.records.part_uses(),
        expected.records.contacts(),
        runs
    );
    // The proxy must really have cut both ways, or this test proves nothing.
    for direction in ["request", "response"] {
        let fired = stats.fired.get(direction).copied().unwrap_or(0);
        anyhow::ensure!(
            fired as usize >= runs / 2,
            "only {fired} cuts landed mid-{direction} in {runs} runs: {stats:?}"
        );
    }
    anyhow::ensure!(
        stats.failed_syncs > 0,
        "no sync ever failed: the cuts did nothing"
    );
    server.stop().await
}
