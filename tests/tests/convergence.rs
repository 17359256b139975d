//! Convergence (design brief, "Reliability bars"): fifty devices, technicians' phones
//! and tablets and office desktops, each a real device store, make random offline edits
//! (contacts, comments, repair steps, parts, lifecycle steps where the rules allow, and
//! from the office holds and reassignments) and sync in random orders and random
//! concurrent groups over several rounds. At the end every device holds exactly the
//! orders its user may see, each identical to the server's copy, and every edit a device
//! committed is in it.
//!
//! Seeded: the seed is printed and every failure names it; `ONSITE_SEED=<n>` replays the
//! edits and the sync order (the server's interleaving of concurrent groups may differ).

use anyhow::Context as _;
use onsite_core::doc::order::OrderOp;
use onsite_core::role::{Actor, Role};
use onsite_core::OrderId;
use onsite_tests::fleet::{self, Company, Device, Edit};
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";
const TECHNICIANS: usize = 10;
const DEVICES_PER_TECHNICIAN: usize = 4;
/// Office users (a dispatcher and a supervisor) with five desktops each.
const OFFICE_DEVICES: usize = 5;
const ORDERS: u128 = 20;
const ROUNDS: usize = 4;

fn seed() -> u64 {
    std::env::var("ONSITE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_devices_editing_offline_converge() -> anyhow::Result<()> {
    let seed = seed();
    eprintln!("convergence seed {seed} (replay with ONSITE_SEED={seed})");
    scenario(seed)
        .await
        .with_context(|| format!("replay with ONSITE_SEED={seed}"))
}

/// Syncs `devices` in random groups: the groups one after another, the devices of a
/// group at the same time. Returns how many documents moved either way.
async fn sync_in_groups(
    rng: &mut fastrand::Rng,
    devices: &mut Vec<Device>,
    which: &[usize],
) -> anyhow::Result<usize> {
    let mut order = which.to_vec();
    rng.shuffle(&mut order);
    let mut slots: Vec<Option<Device>> = std::mem::take(devices).into_iter().map(Some).collect();
    let mut moved = 0;
    for group in order.chunks(rng.usize(1..=8)) {
        let mut tasks = tokio::task::JoinSet::new();
        for &i in group {
            let mut device = slots[i]
                .take()
                .context("device synced twice in one group")?;
            tasks.spawn(async move {
                let report = device.sync.sync(&mut device.store).await;
                (i, device, report)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (i, device, report) = joined?;
            let report = report.with_context(|| format!("{} failed to sync", device.label))?;
            moved += report.pushed + report.pulled;
            slots[i] = Some(device);
        }
    }
    *devices = slots
        .into_iter()
        .map(|d| d.context("a device went missing"))
        .collect::<anyhow::Result<_>>()?;
    Ok(moved)
}

async fn scenario(seed: u64) -> anyhow::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut company = Company::default();
    let server = TestServer::start().await?;
    let base = server.url("");
    let dir = tempfile::tempdir()?;

    let mut devices = Vec::new();
    let mut technicians: Vec<Actor> = Vec::new();
    for t in 0..TECHNICIANS {
        let login = format!("tech{t:02}");
        let (account, actor) =
            fleet::add_user(server.data.path(), &login, Role::Technician, PASSWORD)?;
        technicians.push(actor);
        for d in 0..DEVICES_PER_TECHNICIAN {
            let label = format!("{login}/{d}");
            devices.push(Device::enroll(
                server.data.path(),
                &base,
                dir.path(),
                &label,
                &account,
                actor,
            )?);
        }
    }
    for (login, role) in [
        ("dispatcher", Role::Dispatcher),
        ("supervisor", Role::Supervisor),
    ] {
        let (account, actor) = fleet::add_user(server.data.path(), login, role, PASSWORD)?;
        for d in 0..OFFICE_DEVICES {
            let label = format!("{login}/{d}");
            devices.push(Device::enroll(
                server.data.path(),
                &base,
                dir.path(),
                &label,
                &account,
                actor,
            )?);
        }
    }
    anyhow::ensure!(devices.len() == 50, "fifty devices, not {}", devices.len());

    // The first dispatcher desk takes in the orders and dispatches them round-robin.
    let desk = devices.len() - 2 * OFFICE_DEVICES;
    for n in 0..ORDERS {
        let new = fleet::new_order(n + 1);
        let id = new.id.to_string();
        let dispatcher = devices[desk].actor;
        devices[desk]
            .store
            .create_order(new, &company.ctx(dispatcher))?;
        let dispatch = OrderOp::Dispatch {
            assignee: technicians[n as usize % TECHNICIANS].user,
            window: None,
        };
        let edit = devices[desk].edit(&mut company, &id, &dispatch)?;
        anyhow::ensure!(
            matches!(edit, Edit::Committed(_)),
            "dispatching {id}: {edit:?}"
        );
    }
    let all: Vec<usize> = (0..devices.len()).collect();
    let desk_only = [desk];
    sync_in_groups(&mut rng, &mut devices, &desk_only).await?;
    sync_in_groups(&mut rng, &mut devices, &all).await?;

    // Every committed local edit, by order: the server must end up with each of them.
    let mut committed = fleet::Committed::new();
    let (mut made, mut refused) = (0usize, 0usize);
    for round in 0..ROUNDS {
        for device in devices.iter_mut() {
            if rng.u8(0..10) < 3 {
                continue; // this one stays in a drawer this round
            }
            let held = device.orders()?;
            if held.is_empty() {
                continue;
            }
            for _ in 0..rng.usize(1..=3) {
                let id = held[rng.usize(..held.len())].clone();
                if !device.store.contains(&id)? {
                    continue;
                }
                let order = device.store.order(OrderId(id.parse()?))?;
                let office = device.actor.role != Role::Technician;
                let op = match rng.u8(0..10) {
                    // Holds and reassignments: orders leave and reach technicians' devices.
                    0 | 1 if office => fleet::office_op(&mut rng, &technicians),
                    0..=5 => {
                        let next = fleet::next_ops(&mut rng, &order, device.actor);
                        if next.is_empty() {
                            fleet::filler_op(&mut rng, device.actor)
                        } else {
                            next[rng.usize(..next.len())].clone()
                        }
                    }
                    _ => fleet::filler_op(&mut rng, device.actor),
                };
                match device.edit(&mut company, &id, &op)? {
                    Edit::Committed(change) => {
                        made += 1;
                        committed
                            .entry(id)
                            .or_default()
                            .push((device.label.clone(), change));
                    }
                    Edit::Refused(_) | Edit::Unchanged => refused += 1,
                }
            }
        }
        // A random subset syncs this round, in random groups.
        let online: Vec<usize> = (0..devices.len()).filter(|_| rng.u8(0..10) < 7).collect();
        sync_in_groups(&mut rng, &mut devices, &online)
            .await
            .with_context(|| format!("round {round}"))?;
    }
    eprintln!("{made} edits committed, {refused} refused by the rules or without effect");
    anyhow::ensure!(
        made > 100,
        "only {made} edits were made: the scenario exercised too little"
    );

    // Everyone comes online until nothing moves any more.
    let mut quiet = false;
    for _ in 0..5 {
        if sync_in_groups(&mut rng, &mut devices, &all).await? == 0 {
            quiet = true;
            break;
        }
    }
    anyhow::ensure!(
        quiet,
        "syncing never settled: documents still moved after five passes"
    );
    fleet::assert_converged(server.data.path(), &mut devices)?;

    fleet::assert_all_reached(server.data.path(), &committed)?;
    server.stop().await
}
