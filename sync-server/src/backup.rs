//! Online backup of the server, safe while the server is serving: SQLite's backup API
//! copies a consistent snapshot of the database page by page without blocking writers
//! for long, then the blobs go to a folder beside it (`OUT.blobs/`). Blobs are named by
//! their hash and never change, so copying them after the snapshot gives every blob the
//! snapshot knows of (and perhaps a few newer ones, which are harmless). The copy is then
//! checked against the snapshot: every photo and signature its orders reference that the
//! server held is in the copy, whole.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use crate::blobs::{BlobStore, BLOB_DIR};
use crate::db::DB_FILE;

/// What a backup wrote.
#[derive(Debug)]
pub struct BackedUp {
    /// The blob folder beside the database copy.
    pub blobs: PathBuf,
    /// Blobs copied into it.
    pub blobs_copied: usize,
    /// Blobs the snapshot's orders reference.
    pub referenced: usize,
    /// Of those, the ones no device had uploaded yet: they are on the devices, which
    /// send them again after a restore.
    pub not_uploaded: usize,
}

/// The blob folder that goes with the database backup `out`.
pub fn blob_folder(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".blobs");
    PathBuf::from(name)
}

/// Copies `data_dir/server.db` to `out` and the blobs to [`blob_folder`]`(out)`, neither
/// of which may exist yet, and checks both.
pub fn run(data_dir: &Path, out: &Path) -> anyhow::Result<BackedUp> {
    let blobs = blob_folder(out);
    for target in [out, blobs.as_path()] {
        if target.exists() {
            anyhow::bail!(
                "{} already exists; choose a new file for the backup",
                target.display()
            );
        }
    }
    let source_path = data_dir.join(DB_FILE);
    let source = Connection::open_with_flags(&source_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| anyhow::anyhow!("opening {}: {e}", source_path.display()))?;
    let mut dest = Connection::open(out)?;
    {
        let backup = Backup::new(&source, &mut dest)?;
        // Small steps with short pauses let a busy server keep writing during the copy.
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    let check: String = dest.query_row("PRAGMA integrity_check", (), |r| r.get(0))?;
    if check != "ok" {
        anyhow::bail!(
            "the backup at {} failed its integrity check: {check}",
            out.display()
        );
    }
    let live = data_dir.join(BLOB_DIR);
    std::fs::create_dir_all(&blobs)?;
    let blobs_copied = if live.exists() {
        crate::blobs::copy_whole(&live, &blobs)?
    } else {
        0
    };
    let (referenced, not_uploaded) =
        check_blobs(&dest, &BlobStore::new(live), &BlobStore::new(blobs.clone()))?;
    Ok(BackedUp {
        blobs,
        blobs_copied,
        referenced,
        not_uploaded,
    })
}

/// Every blob the snapshot's orders reference that the server holds is in the copy,
/// whole; the number referenced, and of those the number the server never had.
fn check_blobs(
    snapshot: &Connection,
    live: &BlobStore,
    copy: &BlobStore,
) -> anyhow::Result<(usize, usize)> {
    let mut refs = std::collections::BTreeSet::new();
    let mut stmt = snapshot.prepare("SELECT id, data FROM documents WHERE kind = 'order'")?;
    let rows = stmt.query_map((), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for row in rows {
        let (id, data) = row?;
        let order = automerge::AutoCommit::load(&data)
            .map_err(|e| e.to_string())
            .and_then(|doc| {
                onsite_core::ops::hydrate::<onsite_core::OrderDoc>(&doc).map_err(|e| e.to_string())
            })
            .map_err(|e| anyhow::anyhow!("order {id} in the backup is unreadable: {e}"))?;
        refs.extend(crate::blobs::order_refs(&order));
    }
    let mut not_uploaded = 0;
    for hash in &refs {
        let held = live.size(hash).map_err(|e| anyhow::anyhow!("{e}"))?;
        let copied = copy.size(hash).map_err(|e| anyhow::anyhow!("{e}"))?;
        match (held, copied) {
            (None, None) => not_uploaded += 1,
            (Some(_), None) => anyhow::bail!("blob {hash} is on the server but not in the backup"),
            (_, Some(_)) => {}
        }
    }
    Ok((refs.len(), not_uploaded))
}

#[cfg(test)]
mod tests {
    use onsite_core::role::Role;

    #[test]
    fn a_backup_holds_the_accounts_and_refuses_to_overwrite() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        crate::accounts::add(&db.conn(), "li.wei", "李伟", Role::Technician, "password1")?;
        let out = dir.path().join("backup.db");
        super::run(dir.path(), &out)?;

        let copy = rusqlite::Connection::open(&out)?;
        let logins: i64 = copy.query_row("SELECT count(*) FROM users", (), |r| r.get(0))?;
        assert_eq!(logins, 1, "the account is in the backup");
        assert!(
            super::run(dir.path(), &out).is_err(),
            "an existing backup is never overwritten"
        );
        Ok(())
    }

    /// A photo stored at `blobs/ab/<hash>` in `data`.
    fn store(data: &std::path::Path, bytes: &[u8], named: &str) -> anyhow::Result<()> {
        let shard = data.join(crate::blobs::BLOB_DIR).join(&named[..2]);
        std::fs::create_dir_all(&shard)?;
        std::fs::write(shard.join(named), bytes)?;
        Ok(())
    }

    #[test]
    fn the_blobs_go_beside_the_backup_and_a_damaged_one_is_refused() -> anyhow::Result<()> {
        use sha2::Digest;
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        crate::db::open(&data)?;
        let photo = b"\xff\xd8 a photo's bytes";
        let hash = hex::encode(sha2::Sha256::digest(photo));
        store(&data, photo, &hash)?;
        let out = dir.path().join("monday.db");
        let done = super::run(&data, &out)?;
        assert_eq!(done.blobs, dir.path().join("monday.db.blobs"));
        assert_eq!(done.blobs_copied, 1);
        let copy = std::fs::read(done.blobs.join(&hash[..2]).join(&hash))?;
        assert_eq!(copy, photo, "the photo is in the backup, byte for byte");

        // A blob whose bytes no longer hash to its name (a bad disk sector, a hand edit).
        let other = hex::encode(sha2::Sha256::digest(b"another photo"));
        store(&data, b"another photo, damaged", &other)?;
        let err = super::run(&data, &dir.path().join("tuesday.db"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("damaged on disk"), "{err}");
        Ok(())
    }
}
