//! Soak (issue 18): technicians' devices work and sync for a while, each dropping offline
//! and coming back at random, while the office writes too; halfway through, the server
//! (a process of its own) is killed and started again. Afterwards every device and the
//! server hold identical documents, each part use and contact attempt is on the server
//! once, and the server logged no error. Its memory is sampled every second and printed
//! before and after the restart: a leak shows as a climb within either half.
//!
//! `ONSITE_SOAK_DEVICES` (default 10) and `ONSITE_SOAK_SECONDS` (default 20) set the size;
//! `./scripts/faults.sh` runs 50 devices for 10 minutes. `ONSITE_SEED` replays the edits
//! and the offline periods (their timing follows the machine's speed).

use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::future::join_all;
use onsite_core::doc::order::OrderOp;
use onsite_core::role::Actor;
use onsite_tests::fleet::{self, Company, Edit};
use onsite_tests::process::ServerProcess;

const PASSWORD: &str = "correct horse";
const SERVER: &str = env!("CARGO_BIN_EXE_server_process");

/// RSS samples in KiB: how many, and the value at each tenth of the run (the first
/// sample, then every tenth after it, the last), so a reader sees whether memory levels
/// off or keeps climbing.
fn summary(samples: &[u64]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    let tenths: Vec<String> = (0..=10)
        .map(|t| (samples[(samples.len() - 1) * t / 10] / 1024).to_string())
        .collect();
    format!(
        "{} samples, MiB by tenths {}",
        samples.len(),
        tenths.join(" ")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_syncing_on_and_off_through_a_restart_converge() -> anyhow::Result<()> {
    let seed = fleet::seed();
    eprintln!("soak seed {seed} (replay with ONSITE_SEED={seed})");
    let devices = fleet::env_or("ONSITE_SOAK_DEVICES", 10) as usize;
    let seconds = fleet::env_or("ONSITE_SOAK_SECONDS", 20);
    soak(seed, devices, Duration::from_secs(seconds))
        .await
        .with_context(|| format!("replay with ONSITE_SEED={seed}"))
}

async fn soak(seed: u64, technicians: usize, duration: Duration) -> anyhow::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut company = Company::default();
    let data = tempfile::tempdir()?;
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("server.log");
    let mut server = ServerProcess::start(SERVER, data.path(), "127.0.0.1:0".parse()?, &log)?;
    let addr = server.addr;
    let base = format!("http://{addr}");

    let fleet::Crew {
        mut office,
        mut techs,
        orders,
    } = fleet::crew(
        data.path(),
        &base,
        dir.path(),
        &mut company,
        &mut rng,
        technicians,
        PASSWORD,
    )
    .await?;
    let actors: Vec<Actor> = techs.iter().map(|d| d.actor).collect();

    let mut records = fleet::Recorded::default();
    let mut online = vec![true; techs.len()];
    let (mut rounds, mut syncs, mut edits, mut offline_periods) = (0u64, 0u64, 0u64, 0u64);
    let mut rss: [Vec<u64>; 2] = [vec![], vec![]];
    let started = Instant::now();
    let mut next_sample = started;
    let mut restarted = false;
    while started.elapsed() < duration {
        rounds += 1;
        for (i, device) in techs.iter_mut().enumerate() {
            // About one round in eight a device loses or regains its signal.
            if rng.u8(0..8) == 0 {
                online[i] = !online[i];
                offline_periods += u64::from(!online[i]);
            }
            if rng.bool() {
                let id = device
                    .orders()?
                    .into_iter()
                    .next()
                    .context("the device's order")?;
                let op = fleet::filler_op(&mut rng, device.actor);
                let Edit::Committed(_) = device.edit(&mut company, &id, &op)? else {
                    anyhow::bail!("round {rounds}: {} could not {op:?}", device.label);
                };
                records.note(&op);
                edits += 1;
            }
        }
        if rng.u8(0..4) == 0 {
            let id = &orders[rng.usize(..orders.len())];
            let note = OrderOp::Comment {
                id: fleet::record_id(&mut rng),
                text: format!("office note {rounds}"),
            };
            office.edit(&mut company, id, &note)?;
            office.sync.sync(&mut office.store).await?;
            syncs += 1;
        }
        // The devices with signal sync at once; with the server up, none may fail.
        let results = join_all(
            techs
                .iter_mut()
                .zip(&online)
                .filter(|(_, on)| **on)
                .map(|(device, _)| device.sync.sync(&mut device.store)),
        )
        .await;
        syncs += results.len() as u64;
        if let Some(e) = results.into_iter().find_map(Result::err) {
            anyhow::bail!("round {rounds}: a sync failed with the server up: {e}");
        }

        if Instant::now() >= next_sample {
            rss[usize::from(restarted)].push(server.rss_kib()?);
            next_sample += Duration::from_secs(1);
        }
        if !restarted && started.elapsed() >= duration / 2 {
            server.kill()?;
            server = ServerProcess::start(SERVER, data.path(), addr, &log)?;
            restarted = true;
        }
    }

    // Everyone gets signal back and syncs twice (the second pass brings the last pushes
    // to all).
    let mut everyone = techs;
    everyone.push(office);
    for _ in 0..2 {
        for device in &mut everyone {
            device.sync.sync(&mut device.store).await?;
        }
    }
    fleet::assert_converged(data.path(), &mut everyone)?;
    records.assert_counted_once(data.path(), &orders, &everyone, &actors)?;
    let errors = server.logged_errors()?;
    anyhow::ensure!(errors.is_empty(), "the server logged errors: {errors:#?}");
    eprintln!(
        "soak: {technicians} devices, {} s, {rounds} rounds, {syncs} syncs, {edits} edits \
         ({} part uses, {} contacts), {offline_periods} offline periods, 1 restart; \
         server RSS before the restart: {}; after: {}; converged, 0 lost, 0 duplicated, \
         0 errors logged",
        started.elapsed().as_secs(),
        records.part_uses(),
        records.contacts(),
        summary(&rss[0]),
        summary(&rss[1]),
    );
    server.kill()
}
