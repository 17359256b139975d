//! SIGKILL of the server (issue 18): three technicians' devices and the office sync at
//! once, round after round, while the server, a process of its own, is killed at a
//! random moment of each round and started again on the same data folder. Between
//! rounds the technicians keep working offline, using parts and logging contacts. After
//! every restart the database passes `PRAGMA integrity_check` and, once each device has
//! synced again, holds every change any device committed. At the end every device and
//! the server hold identical documents, and each part use and contact attempt is there
//! once, with stock counting each part once.
//!
//! Seeded: `ONSITE_SEED=<n>` replays the edits and kill moments (the moments are times,
//! so a replay kills at nearly the same places); `ONSITE_SERVER_KILLS=<n>` sets the
//! number of kills (`./scripts/faults.sh` runs 200).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use automerge::{ChangeHash, ReadDoc as _};
use onsite_core::doc::order::OrderOp;
use onsite_core::role::{Actor, Role};
use onsite_server::accounts::Account;
use onsite_tests::fleet::{self, Company, Device, Edit};
use onsite_tests::process::ServerProcess;

const PASSWORD: &str = "correct horse";

/// The server binary, killed and started again.
const SERVER: &str = env!("CARGO_BIN_EXE_server_process");

/// Every device syncs at the same time; the outcomes in device order.
async fn sync_all(devices: &mut [Device]) -> anyhow::Result<Vec<bool>> {
    let [a, b, c, d] = devices else {
        anyhow::bail!("the scenario has four devices");
    };
    let outcomes = tokio::join!(
        a.sync.sync(&mut a.store),
        b.sync.sync(&mut b.store),
        c.sync.sync(&mut c.store),
        d.sync.sync(&mut d.store),
    );
    Ok(vec![
        outcomes.0.is_ok(),
        outcomes.1.is_ok(),
        outcomes.2.is_ok(),
        outcomes.3.is_ok(),
    ])
}

/// SQLite's own check of its file, or on PostgreSQL (whose files a killed client
/// cannot damage) that every stored document is still read back whole.
fn integrity(data: &Path) -> anyhow::Result<String> {
    let db = onsite_tests::pg::open(data)?;
    let conn = db.conn();
    let verdict = match db.engine() {
        onsite_server::db::EngineKind::Sqlite => {
            conn.query_row("PRAGMA integrity_check", (), |r| r.get(0))?
        }
        onsite_server::db::EngineKind::Postgres => {
            conn.for_each("SELECT id, data FROM documents", (), |r| {
                let id: String = r.get(0)?;
                automerge::AutoCommit::load(&r.get::<_, Vec<u8>>(1)?)
                    .map_err(|e| anyhow::anyhow!("document {id}: {e}"))?;
                Ok::<_, anyhow::Error>(true)
            })?;
            "ok".to_string()
        }
    };
    Ok(verdict)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_sync_loses_and_duplicates_nothing() -> anyhow::Result<()> {
    let seed = fleet::seed();
    eprintln!("server_kill seed {seed} (replay with ONSITE_SEED={seed})");
    // Kills in the test command's bounded run.
    scenario(seed, fleet::env_or("ONSITE_SERVER_KILLS", 30) as usize)
        .await
        .with_context(|| format!("replay with ONSITE_SEED={seed}"))
}

async fn scenario(seed: u64, kills: usize) -> anyhow::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut company = Company::default();
    let data = tempfile::tempdir()?;
    let dir = tempfile::tempdir()?;
    let (sup_account, supervisor) =
        fleet::add_user(data.path(), "zhou.min", Role::Supervisor, PASSWORD)?;
    let (li_account, li) = fleet::add_user(data.path(), "li.wei", Role::Technician, PASSWORD)?;
    let (chen_account, chen) =
        fleet::add_user(data.path(), "chen.jie", Role::Technician, PASSWORD)?;
    let log = dir.path().join("server.log");
    let mut server = ServerProcess::start(SERVER, data.path(), "127.0.0.1:0".parse()?, &log)?;
    let addr = server.addr;
    let base = format!("http://{addr}");
    let enroll = |label: &str, account: &Account, actor: Actor| {
        Device::enroll(data.path(), &base, dir.path(), label, account, actor)
    };
    // The office is the last device; the technicians' are the first three.
    let mut devices = vec![
        enroll("li.wei/phone", &li_account, li)?,
        enroll("li.wei/tablet", &li_account, li)?,
        enroll("chen.jie/phone", &chen_account, chen)?,
        enroll("office", &sup_account, supervisor)?,
    ];
    let office = 3;

    // Two orders each, brought to the repair stage by the supervisor, so parts can be used.
    let mut orders = Vec::new();
    for (n, tech) in [(1, li), (2, li), (3, chen), (4, chen)] {
        let office_device = &mut devices[office];
        let id = fleet::order_at_repair(office_device, &mut company, &mut rng, n, tech)?;
        orders.push(id);
    }
    let mut device_order: Vec<usize> = vec![office, 0, 1, 2];
    for &i in &device_order {
        let device = &mut devices[i];
        device.sync.sync(&mut device.store).await?;
    }

    let mut committed: BTreeMap<String, Vec<ChangeHash>> = BTreeMap::new();
    let mut records = fleet::Recorded::default();
    // How long the last clean round of four concurrent syncs took: where a kill can land.
    let mut round_time = Duration::from_millis(50);
    let (mut landed, mut failed_syncs) = (0usize, 0usize);
    for round in 0..kills {
        // Offline work: the technicians use parts and log contacts; the office comments.
        for (i, device) in devices.iter_mut().enumerate() {
            for _ in 0..rng.usize(1..=3) {
                let mine = device.orders()?;
                let id = &mine[rng.usize(..mine.len())];
                let op = if i == office {
                    OrderOp::Comment {
                        id: fleet::record_id(&mut rng),
                        text: format!("office note {round}"),
                    }
                } else {
                    fleet::filler_op(&mut rng, device.actor)
                };
                let Edit::Committed(change) = device.edit(&mut company, id, &op)? else {
                    anyhow::bail!("round {round}: {} could not {op:?}", device.label);
                };
                committed.entry(id.clone()).or_default().push(change);
                records.note(&op);
            }
        }

        // Everyone syncs at once; the server dies somewhere in the middle.
        let kill_at = Duration::from_micros(rng.u64(0..=round_time.as_micros() as u64));
        let killer = async move {
            tokio::time::sleep(kill_at).await;
            server.kill()
        };
        let (outcomes, killed) = tokio::join!(sync_all(&mut devices), killer);
        killed?;
        let failures = outcomes?.iter().filter(|ok| !**ok).count();
        failed_syncs += failures;
        landed += usize::from(failures > 0);

        let verdict = integrity(data.path())?;
        anyhow::ensure!(
            verdict == "ok",
            "round {round}: the database after the kill: {verdict}"
        );
        server = ServerProcess::start(SERVER, data.path(), addr, &log)?;

        // Signal is back: each device syncs cleanly, in a new order each round.
        rng.shuffle(&mut device_order);
        for &i in &device_order {
            let device = &mut devices[i];
            device.sync.sync(&mut device.store).await.with_context(|| {
                format!("round {round}: {}'s sync after the restart", device.label)
            })?;
            anyhow::ensure!(
                device.store.pending()?.is_empty(),
                "round {round}: {} still has unsent edits after a clean sync",
                device.label
            );
        }
        // Nothing acknowledged is lost: the server holds every committed change so far.
        let docs = fleet::server_docs(data.path())?;
        for (id, changes) in &committed {
            let doc = &docs
                .get(id)
                .with_context(|| format!("order {id} on the server"))?
                .doc;
            for change in changes {
                anyhow::ensure!(
                    doc.get_change_by_hash(change).is_some(),
                    "round {round}: the server lost change {change} of order {id}"
                );
            }
        }
        let started = Instant::now();
        let clean = sync_all(&mut devices).await?;
        anyhow::ensure!(
            clean.iter().all(|ok| *ok),
            "round {round}: a sync failed with the server up"
        );
        round_time = started.elapsed();
    }

    // A last pass brings everyone the others' last pushes.
    for device in &mut devices {
        device.sync.sync(&mut device.store).await?;
    }
    fleet::assert_converged(data.path(), &mut devices)?;
    records.assert_counted_once(data.path(), &orders, &devices, &[li, chen])?;
    eprintln!(
        "server kills: {kills}, {landed} mid-sync, {failed_syncs} syncs cut, {} changes, \
         {} part uses, {} contacts, 0 lost, 0 duplicated",
        committed.values().map(Vec::len).sum::<usize>(),
        records.part_uses(),
        records.contacts(),
    );
    let errors = server.logged_errors()?;
    anyhow::ensure!(errors.is_empty(), "the server logged errors: {errors:#?}");
    // Kills that all land after the syncs finished would prove nothing.
    anyhow::ensure!(
        landed * 3 >= kills,
        "only {landed} of {kills} kills cut a sync short"
    );
    server.kill()
}
