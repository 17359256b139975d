//! The server's disk fills up: pushes get a clear `507` with `errors.server.storage_full`,
//! nothing of them is half-stored, the device keeps its changes, and once there is room
//! again the next sync sends them. In the first scenario the "disk" is SQLite's
//! `max_page_count` on the server's writer connection (the database can't grow past the
//! pages it has); in the second it is a real filesystem, a small tmpfs, filled up under a
//! fleet of devices sending changes and photos.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use automerge::{ChangeHash, ReadDoc as _};
use onsite_core::doc::order::OrderOp;
use onsite_core::role::Role;
use onsite_core::RecordId;
use onsite_device::sync_client::SyncError;
use onsite_tests::devices::new_order;
use onsite_tests::fleet::{self, Company, Device, Edit};
use onsite_tests::TestServer;

/// How many documents the server holds with this id (0 or 1).
fn on_server(server: &TestServer, id: &str) -> anyhow::Result<i64> {
    Ok(server
        .db
        .conn()
        .query_row("SELECT count(*) FROM documents WHERE id = ?1", [id], |r| {
            r.get(0)
        })?)
}

#[tokio::test]
async fn a_full_server_says_507_keeps_nothing_half_stored_and_takes_the_changes_once_freed(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office =
        onsite_tests::devices::Device::sign_in(&server, dir.path(), "office", Role::Dispatcher)
            .await?;
    office.sync().await?;

    // The disk is full: the database may not grow by a single page.
    let pages: i64 = server
        .db
        .conn()
        .query_row("PRAGMA page_count", (), |r| r.get(0))?;
    let limit: i64 =
        server
            .db
            .conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), (), |r| {
                r.get(0)
            })?;
    assert_eq!(limit, pages);
    let seq_before: i64 =
        server
            .db
            .conn()
            .query_row("SELECT coalesce(max(seq), 0) FROM documents", (), |r| {
                r.get(0)
            })?;

    // An order with a long history: more than the free pages inside the file can hold.
    let new = new_order(7);
    let id = new.id;
    office.create_order(new)?;
    for n in 0..200 {
        office.apply(
            id,
            OrderOp::Comment {
                id: RecordId::new_at(chrono::Utc::now()),
                text: format!("第 {n} 次致电客户，无人接听。{}", "记录".repeat(200)),
            },
        )?;
    }
    let err = office
        .sync()
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("a push to a full server succeeded"))?;
    match err.downcast_ref::<SyncError>() {
        Some(SyncError::Refused { status, code, .. }) => {
            assert_eq!(
                (*status, code.as_str()),
                (507, "errors.server.storage_full")
            );
        }
        other => anyhow::bail!("expected a 507 refusal, got {other:?} ({err})"),
    }
    assert_eq!(
        on_server(&server, &id.to_string())?,
        0,
        "nothing half-stored"
    );
    let seq_after: i64 =
        server
            .db
            .conn()
            .query_row("SELECT coalesce(max(seq), 0) FROM documents", (), |r| {
                r.get(0)
            })?;
    assert_eq!(seq_after, seq_before, "the change feed did not move");
    assert!(
        office
            .store
            .pending()?
            .iter()
            .any(|p| p.doc_id == id.to_string()),
        "the device keeps the order to send"
    );
    let health = reqwest::get(server.url("/health")).await?;
    assert!(health.status().is_success(), "the server still answers");

    // Space is freed: the next sync sends the order whole.
    server
        .db
        .conn()
        .query_row("PRAGMA max_page_count = 1073741823", (), |r| {
            r.get::<_, i64>(0)
        })?;
    office.sync().await?;
    assert_eq!(on_server(&server, &id.to_string())?, 1);
    assert!(
        office.store.pending()?.is_empty(),
        "everything acknowledged"
    );
    server.stop().await
}

/// The same on a real disk that fills up: the server's data folder is a small tmpfs,
/// filled to the brim by a ballast file while technicians' devices push long histories
/// and photos. Every refusal is a `507 errors.server.storage_full`, the database stays
/// whole, a photo on the server is whole or absent, the devices keep their work, and
/// once the ballast goes every committed change and every photo reaches the server and
/// all converge. Then again, `ONSITE_DISK_FULL_ROUNDS` times (default 2) with
/// `ONSITE_DISK_FULL_DEVICES` technicians (default 3); `./scripts/faults.sh` runs it long.
///
/// A tmpfs needs a mount namespace of its own: the test runs itself again inside
/// `unshare --user --map-root-user --mount`, so it needs no privilege and leaves no mount
/// behind whatever becomes of it.
#[test]
fn a_fleet_filling_a_real_disk_loses_nothing_and_syncs_once_space_is_back() -> anyhow::Result<()> {
    const INSIDE: &str = "ONSITE_DISK_FULL_NAMESPACE";
    if std::env::var_os(INSIDE).is_some() {
        // The server's warnings and errors, to show why if a refusal is not a clear one.
        tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .init();
        return tokio::runtime::Runtime::new()?.block_on(fleet_on_a_full_disk());
    }
    let status = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--"])
        .arg(std::env::current_exe()?)
        .args([
            "--exact",
            "a_fleet_filling_a_real_disk_loses_nothing_and_syncs_once_space_is_back",
            "--nocapture",
        ])
        .env(INSIDE, "1")
        .status()
        .context("running unshare (util-linux)")?;
    anyhow::ensure!(
        status.success(),
        "the scenario failed in its namespace: {status}"
    );
    Ok(())
}

/// Fills the filesystem of `dir` with ballast files until a write fails for want of
/// space, then frees `headroom` bytes: what the server writes next runs out soon after.
fn fill(dir: &Path, headroom: usize) -> anyhow::Result<Vec<PathBuf>> {
    const PIECE: usize = 64 * 1024;
    let mut pieces = Vec::new();
    loop {
        let path = dir.join(format!("ballast-{}", pieces.len()));
        let result = std::fs::write(&path, vec![0x5a; PIECE]);
        pieces.push(path);
        match result {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => return Err(e.into()),
        }
    }
    for path in pieces.drain(pieces.len().saturating_sub(headroom / PIECE + 1)..) {
        std::fs::remove_file(path)?;
    }
    Ok(pieces)
}

const PASSWORD: &str = "correct horse";

/// A refusal for want of space, in any of the three places a sync reports one.
fn is_storage_full(code: &str) -> bool {
    code == "errors.server.storage_full"
}

async fn fleet_on_a_full_disk() -> anyhow::Result<()> {
    let rounds = fleet::env_or("ONSITE_DISK_FULL_ROUNDS", 2);
    let technicians = fleet::env_or("ONSITE_DISK_FULL_DEVICES", 3) as usize;
    let seed = fleet::seed();
    eprintln!("server_disk_full seed {seed} (replay with ONSITE_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);

    let disk = tempfile::tempdir()?;
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=24m", "onsite-small-disk"])
        .arg(disk.path())
        .status()?;
    anyhow::ensure!(mounted.success(), "mounting a tmpfs: {mounted}");
    let server =
        TestServer::start_on(tempfile::tempdir_in(disk.path())?, "127.0.0.1:0".parse()?).await?;
    let phones = tempfile::tempdir()?;
    let mut company = Company::default();
    let fleet::Crew {
        office,
        mut techs,
        orders,
    } = fleet::crew(
        server.data.path(),
        &server.url(""),
        phones.path(),
        &mut company,
        &mut rng,
        technicians,
        PASSWORD,
    )
    .await?;
    // The office is last: the technicians are `devices[..technicians]`.
    techs.push(office);
    let mut devices = techs;

    let mut committed: Vec<(String, ChangeHash)> = Vec::new();
    let mut photos: Vec<(usize, String)> = Vec::new();
    let (mut refused, mut blobs_refused) = (0, 0);
    for round in 0..rounds {
        let ballast = fill(disk.path(), 128 * 1024)?;
        let (refused_before, blobs_before) = (refused, blobs_refused);
        // Each technician records a long visit with photos, syncing as it goes, until
        // the disk has refused something in this round.
        for step in 0..40 {
            for (i, device) in devices[..technicians].iter_mut().enumerate() {
                let id = &orders[i];
                for e in 0..10 {
                    let op = if e == 0 {
                        let taken = device.store.add_photo(&fleet::photo(rng.u32(..))?)?;
                        photos.push((i, taken.hash.clone()));
                        OrderOp::AddPhoto {
                            hash: taken.hash,
                            caption: format!("round {round} step {step}"),
                        }
                    } else {
                        OrderOp::Comment {
                            id: fleet::record_id(&mut rng),
                            text: format!(
                                "第 {round}.{step}.{e} 次记录：{}",
                                "压缩机噪音".repeat(60)
                            ),
                        }
                    };
                    let Edit::Committed(change) = device.edit(&mut company, id, &op)? else {
                        anyhow::bail!("{} could not {op:?}", device.label);
                    };
                    committed.push((id.clone(), change));
                }
                match device.sync.sync(&mut device.store).await {
                    Ok(report) => {
                        for (doc, code, reason) in &report.rejected {
                            anyhow::ensure!(
                                is_storage_full(code),
                                "{}: {doc} refused: {code} {reason}",
                                device.label
                            );
                            refused += 1;
                        }
                        for (hash, code) in &report.blobs.failed {
                            anyhow::ensure!(
                                is_storage_full(code),
                                "{}: photo {hash} failed: {code}",
                                device.label
                            );
                            blobs_refused += 1;
                        }
                    }
                    Err(err) => match &err {
                        SyncError::Refused {
                            status: 507, code, ..
                        } if is_storage_full(code) => refused += 1,
                        _ => anyhow::bail!(
                            "{}: a sync to a full disk failed otherwise: {err:#}",
                            device.label
                        ),
                    },
                }
                anyhow::ensure!(
                    device.store.pending()?.is_empty() || refused > refused_before,
                    "{}: edits left unsent with no refusal",
                    device.label
                );
            }
            if refused + blobs_refused > refused_before + blobs_before {
                break;
            }
        }
        anyhow::ensure!(
            refused + blobs_refused > refused_before + blobs_before,
            "round {round}: the disk never filled up"
        );

        // Full: the database is whole, a photo on the server is whole or absent, the
        // server still answers.
        let check: String = server
            .db
            .conn()
            .query_row("PRAGMA integrity_check", (), |r| r.get(0))?;
        anyhow::ensure!(check == "ok", "integrity_check on a full disk: {check}");
        check_photos(&server, &devices, &photos, false)?;
        let health = reqwest::get(server.url("/health")).await?;
        anyhow::ensure!(health.status().is_success(), "the server stopped answering");

        // Space is back: one sync each sends everything.
        for path in ballast {
            std::fs::remove_file(path)?;
        }
        for device in &mut devices {
            let report = device.sync.sync(&mut device.store).await?;
            anyhow::ensure!(
                report.rejected.is_empty() && report.blobs.failed.is_empty(),
                "{}: refused with room on the disk: {:?} {:?}",
                device.label,
                report.rejected,
                report.blobs.failed
            );
        }
        // Once more for the technicians: what the office's sync brought the server.
        for device in &mut devices[..technicians] {
            device.sync.sync(&mut device.store).await?;
        }
        let docs = fleet::server_docs(server.data.path())?;
        for (id, change) in &committed {
            anyhow::ensure!(
                docs.get(id)
                    .is_some_and(|d| d.doc.get_change_by_hash(change).is_some()),
                "the server lacks change {change} of order {id}"
            );
        }
        check_photos(&server, &devices, &photos, true)?;
        fleet::assert_converged(server.data.path(), &mut devices)?;
    }
    let check: String = server
        .db
        .conn()
        .query_row("PRAGMA integrity_check", (), |r| r.get(0))?;
    anyhow::ensure!(check == "ok", "integrity_check at the end: {check}");
    eprintln!(
        "server disk full: {rounds} rounds, {technicians} devices, {} changes and {} photos \
         committed, {refused} syncs and {blobs_refused} photo uploads refused with 507, \
         all on the server once space was back, converged",
        committed.len(),
        photos.len()
    );
    server.stop().await?;
    // Lazily: the server's last blocking tasks may still hold the database for a moment;
    // the tmpfs goes with the namespace anyway, this only frees its mount point.
    let unmounted = std::process::Command::new("umount")
        .arg("--lazy")
        .arg(disk.path())
        .status()?;
    anyhow::ensure!(unmounted.success(), "unmounting the tmpfs: {unmounted}");
    Ok(())
}

/// Every photo the server holds is whole (its size is the device's); with `all`, every
/// photo taken is there.
fn check_photos(
    server: &TestServer,
    devices: &[Device],
    photos: &[(usize, String)],
    all: bool,
) -> anyhow::Result<()> {
    let blobs = onsite_server::blobs::BlobStore::new(server.data.path().join("blobs"));
    for (i, hash) in photos {
        let on_device = devices[*i].store.read_blob(hash)?.len() as u64;
        match blobs.size(hash)? {
            Some(size) => anyhow::ensure!(
                size == on_device,
                "photo {hash} is {size} bytes on the server, {on_device} on the device"
            ),
            None => anyhow::ensure!(!all, "photo {hash} is not on the server"),
        }
    }
    Ok(())
}
