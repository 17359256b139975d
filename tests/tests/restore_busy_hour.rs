//! Restore after a busy hour (issue 18): technicians' devices sync, a backup is taken,
//! and then every device works a busy hour: many changes and several photos, synced as
//! it goes to the server that will be lost. The server is restored from the backup into
//! a new data folder at the same address. After one more sync each, with no sign-out,
//! the server holds every change any device committed and every photo, whole. Pushes the
//! restored server can't tell from forgeries (the lost server's own flags) are held for
//! a supervisor, as `docs/operations.md` says; released, they are merged too.
//!
//! `ONSITE_RESTORE_DEVICES` (default 4), `ONSITE_RESTORE_EDITS` per device (default 20)
//! and `ONSITE_RESTORE_PHOTOS` per device (default 2) set the size; `./scripts/faults.sh`
//! runs 20 devices with 200 edits and 5 photos each. `ONSITE_SEED` replays the edits.

use std::collections::BTreeMap;

use anyhow::Context as _;
use automerge::{ChangeHash, ReadDoc as _};
use onsite_core::doc::order::OrderOp;
use onsite_core::role::Role;
use onsite_tests::fleet::{self, Company, Edit};
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

#[tokio::test]
async fn a_restore_gets_back_a_busy_hour_of_changes_and_photos() -> anyhow::Result<()> {
    let seed = fleet::seed();
    eprintln!("restore_busy_hour seed {seed} (replay with ONSITE_SEED={seed})");
    scenario(
        seed,
        fleet::env_or("ONSITE_RESTORE_DEVICES", 4) as usize,
        fleet::env_or("ONSITE_RESTORE_EDITS", 20) as usize,
        fleet::env_or("ONSITE_RESTORE_PHOTOS", 2) as usize,
    )
    .await
    .with_context(|| format!("replay with ONSITE_SEED={seed}"))
}

async fn scenario(
    seed: u64,
    technicians: usize,
    edits: usize,
    photos: usize,
) -> anyhow::Result<()> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut company = Company::default();
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let fleet::Crew {
        mut office,
        mut techs,
        ..
    } = fleet::crew(
        server.data.path(),
        &server.url(""),
        dir.path(),
        &mut company,
        &mut rng,
        technicians,
        PASSWORD,
    )
    .await?;

    let backup = dir.path().join("backup.db");
    let backed_up = onsite_server::backup::run(server.data.path(), &backup)?;

    // The busy hour: each device's changes and photos, synced every few edits.
    let mut committed: BTreeMap<String, Vec<ChangeHash>> = BTreeMap::new();
    let mut photo_hashes = Vec::new();
    for (i, device) in techs.iter_mut().enumerate() {
        let id = device
            .orders()?
            .into_iter()
            .next()
            .context("the device's order")?;
        // Photos spread over the hour: one every `every` edits until `photos` are taken.
        let every = (edits / photos.max(1)).max(1);
        let mut taken_here = 0;
        for e in 0..edits {
            let op = if e % every == 0 && taken_here < photos {
                taken_here += 1;
                let taken = device
                    .store
                    .add_photo(&fleet::photo((i * edits + e) as u32)?)?;
                photo_hashes.push((i, taken.hash.clone()));
                OrderOp::AddPhoto {
                    hash: taken.hash,
                    caption: format!("photo {e}"),
                }
            } else {
                fleet::filler_op(&mut rng, device.actor)
            };
            let Edit::Committed(change) = device.edit(&mut company, &id, &op)? else {
                anyhow::bail!("{} could not {op:?}", device.label);
            };
            committed.entry(id.clone()).or_default().push(change);
            if rng.u8(0..5) == 0 {
                device.sync.sync(&mut device.store).await?;
            }
        }
        device.sync.sync(&mut device.store).await?;
    }
    anyhow::ensure!(
        photo_hashes.len() == technicians * photos,
        "{} photos taken, {} meant",
        photo_hashes.len(),
        technicians * photos
    );

    // The disk is lost; the server is restored into a new folder at the same address.
    let (lost, addr) = server.stop_keeping_data().await?;
    drop(lost);
    let data = tempfile::tempdir()?;
    onsite_server::restore::run(data.path(), &backup, Some(&backed_up.blobs))?;
    let server = TestServer::start_on(data, addr).await?;

    // One sync each, no sign-out.
    let mut held = 0;
    for device in techs.iter_mut().chain(std::iter::once(&mut office)) {
        let report = device.sync.sync(&mut device.store).await?;
        anyhow::ensure!(report.server_restored, "{} saw the new epoch", device.label);
        anyhow::ensure!(
            report.rejected.is_empty(),
            "{}: {:?}",
            device.label,
            report.rejected
        );
        held += report.quarantined.len();
    }
    // A supervisor releases what was held, and the devices' next sync is quiet.
    let released = release_all(&server).await?;
    anyhow::ensure!(released == held, "{held} pushes held, {released} released");

    let docs = fleet::server_docs(server.data.path())?;
    let mut changes = 0;
    for (id, hashes) in &committed {
        let doc = &docs
            .get(id)
            .with_context(|| format!("order {id} on the server"))?
            .doc;
        for change in hashes {
            anyhow::ensure!(
                doc.get_change_by_hash(change).is_some(),
                "the restored server lacks change {change} of order {id}"
            );
            changes += 1;
        }
    }
    let blobs = onsite_server::blobs::BlobStore::new(server.data.path().join("blobs"));
    for (i, hash) in &photo_hashes {
        let on_device = techs[*i].store.read_blob(hash)?;
        let size = blobs
            .size(hash)?
            .with_context(|| format!("photo {hash} on the server"))?;
        anyhow::ensure!(
            size == on_device.len() as u64,
            "photo {hash} is {size} bytes on the server, {} on the device",
            on_device.len()
        );
    }
    eprintln!(
        "restore after a busy hour: {technicians} devices, {changes} changes and {} photos \
         made after the backup, all on the restored server after one sync each; {held} \
         pushes held and released",
        photo_hashes.len()
    );
    server.stop().await
}

/// Signs a supervisor in and releases every held push; how many there were.
async fn release_all(server: &TestServer) -> anyhow::Result<usize> {
    server.add_user("liu.yang", "刘洋", Role::Supervisor, PASSWORD)?;
    let supervisor =
        onsite_tests::protocol_client::Client::sign_in(&server.url(""), "liu.yang", PASSWORD)
            .await?;
    let http = reqwest::Client::new();
    let queue: Vec<serde_json::Value> = http
        .get(server.url("/v1/quarantine"))
        .bearer_auth(&supervisor.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    for held in &queue {
        let id = held["id"].as_str().context("a held push without an id")?;
        http.post(server.url(&format!("/v1/quarantine/{id}/release")))
            .bearer_auth(&supervisor.token)
            .json(&serde_json::json!({"note": "restored from backup"}))
            .send()
            .await?
            .error_for_status()?;
    }
    Ok(queue.len())
}
