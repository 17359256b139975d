//! Several server processes on one PostgreSQL database, behind one load balancer: a
//! device may reach a different replica on every request. Only PostgreSQL has replicas,
//! so these scenarios run in the PostgreSQL pass of `scripts/test.sh` (they say so and
//! fail when `ONSITE_TEST_POSTGRES` is not set).
//!
//! Seeded: the seed is printed and every failure names it; `ONSITE_SEED=<n>` replays
//! the edits and which replica each sync reaches.

use anyhow::Context as _;
use onsite_core::doc::order::OrderOp;
use onsite_core::OrderId;
use onsite_device::sync_client;
use onsite_tests::fleet::{self, Company, Device, Edit};
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

/// A long poll waiting on one replica is woken by a change committed through another:
/// the wake-up crosses processes (PostgreSQL `LISTEN`/`NOTIFY`), not only tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_waiting_on_one_replica_hears_of_an_office_edit_made_through_another(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let replica = server.replica().await?;
    let dir = tempfile::tempdir()?;
    let (mut company, mut rng) = (Company::default(), fastrand::Rng::with_seed(fleet::seed()));
    let mut crew = fleet::crew(
        server.data.path(),
        &server.url(""),
        dir.path(),
        &mut company,
        &mut rng,
        1,
        PASSWORD,
    )
    .await?;
    let mut tech = crew.techs.remove(0);
    tech.reach(&replica.url(""))?;
    let cursor = sync_client::cursor(&tech.store)?;
    let waiting = tokio::spawn(async move {
        let changed = tech.sync.wait(cursor, None, 60).await;
        (tech, changed)
    });

    // The office writes through the first replica only.
    let id = crew.orders[0].clone();
    let comment = fleet::filler_op(&mut rng, crew.office.actor);
    let edit = crew.office.edit(&mut company, &id, &comment)?;
    anyhow::ensure!(
        matches!(edit, Edit::Committed(_)),
        "the office's edit: {edit:?}"
    );
    crew.office.sync.sync(&mut crew.office.store).await?;

    let (mut tech, changed) = waiting.await?;
    anyhow::ensure!(
        changed?,
        "the wait on the second replica ended without hearing of the change (timed out)"
    );
    let report = tech.sync.sync(&mut tech.store).await?;
    anyhow::ensure!(
        report.pulled >= 1,
        "the technician pulls the edit: {report:?}"
    );
    replica.stop().await?;
    server.stop().await
}

/// Technicians and the office edit offline and sync through two replicas, each sync
/// reaching one of them at random, sometimes several at once: everyone converges on the
/// server's copy and every committed edit is in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_alternating_between_two_replicas_at_random_converge() -> anyhow::Result<()> {
    let seed = fleet::seed();
    eprintln!("replicas seed {seed} (replay with ONSITE_SEED={seed})");
    alternating(seed)
        .await
        .with_context(|| format!("replay with ONSITE_SEED={seed}"))
}

async fn alternating(seed: u64) -> anyhow::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut company = Company::default();
    let server = TestServer::start().await?;
    let replica = server.replica().await?;
    let bases = [server.url(""), replica.url("")];
    let dir = tempfile::tempdir()?;
    let technicians = fleet::env_or("ONSITE_REPLICA_DEVICES", 8) as usize;
    let crew = fleet::crew(
        server.data.path(),
        &bases[0],
        dir.path(),
        &mut company,
        &mut rng,
        technicians,
        PASSWORD,
    )
    .await?;
    let mut devices: Vec<Device> = crew.techs;
    devices.push(crew.office);

    let mut committed = fleet::Committed::new();
    for round in 0..6 {
        for device in devices.iter_mut() {
            for id in device.orders()? {
                if rng.bool() {
                    continue;
                }
                let order = device.store.order(OrderId(id.parse()?))?;
                let next = fleet::next_ops(&mut rng, &order, device.actor);
                let op: OrderOp = if next.is_empty() || rng.u8(0..3) > 0 {
                    fleet::filler_op(&mut rng, device.actor)
                } else {
                    next[rng.usize(..next.len())].clone()
                };
                if let Edit::Committed(change) = device.edit(&mut company, &id, &op)? {
                    committed
                        .entry(id)
                        .or_default()
                        .push((device.label.clone(), change));
                }
            }
        }
        sync_at_random(&mut rng, &mut devices, &bases)
            .await
            .with_context(|| format!("round {round}"))?;
    }
    let made: usize = committed.values().map(Vec::len).sum();
    anyhow::ensure!(
        made > 20,
        "only {made} edits: the scenario exercised too little"
    );

    let mut quiet = false;
    for _ in 0..5 {
        if sync_at_random(&mut rng, &mut devices, &bases).await? == 0 {
            quiet = true;
            break;
        }
    }
    anyhow::ensure!(quiet, "syncing never settled across the replicas");
    fleet::assert_converged(server.data.path(), &mut devices)?;
    fleet::assert_all_reached(server.data.path(), &committed)?;
    eprintln!("{made} edits through two replicas, converged");
    replica.stop().await?;
    server.stop().await
}

/// Syncs every device once, each through a replica picked at random, in random groups
/// that run at once. How many documents moved either way.
async fn sync_at_random(
    rng: &mut fastrand::Rng,
    devices: &mut Vec<Device>,
    bases: &[String],
) -> anyhow::Result<usize> {
    let mut order: Vec<Device> = std::mem::take(devices);
    rng.shuffle(&mut order);
    let mut moved = 0;
    while !order.is_empty() {
        let group: Vec<Device> = order.drain(..rng.usize(1..=4).min(order.len())).collect();
        let mut tasks = tokio::task::JoinSet::new();
        for mut device in group {
            device.reach(&bases[rng.usize(..bases.len())])?;
            tasks.spawn(async move {
                let report = device.sync.sync(&mut device.store).await;
                (device, report)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (device, report) = joined?;
            let report = report.with_context(|| format!("{} failed to sync", device.label))?;
            moved += report.pushed + report.pulled;
            devices.push(device);
        }
    }
    Ok(moved)
}
