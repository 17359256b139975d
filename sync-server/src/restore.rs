//! Restoring the server from a backup (`onsite-server restore --from BACKUP`), with the
//! server stopped. The database in the data folder is set aside, never deleted; the
//! backup is checked, copied in, migrated, and given a new epoch. Devices that synced
//! after the backup see the new epoch on their next sync and send again what the
//! restored server lacks (`docs/sync-protocol.md`, "After a restore").

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::db::{self, DB_FILE};

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The folder the replaced database files were moved to, if there were any.
    pub set_aside: Option<PathBuf>,
    /// The restored server's new epoch.
    pub epoch: String,
    /// Blobs copied in from the blob backup (those the data folder lacked).
    pub blobs_copied: usize,
}

/// Restores `data_dir` from the database backup `from`, and, if given, the blob folder
/// `blobs` (a copy of `DATA/blobs/`). Blobs already in the data folder stay: a blob is
/// named by its hash, so one uploaded after the backup is still good.
pub fn run(data_dir: &Path, from: &Path, blobs: Option<&Path>) -> anyhow::Result<Restored> {
    check(from)?;
    std::fs::create_dir_all(data_dir)?;
    let set_aside = set_aside(data_dir)?;
    std::fs::copy(from, data_dir.join(DB_FILE))
        .map_err(|e| anyhow::anyhow!("copying {} in: {e}", from.display()))?;
    let restored = db::open(data_dir)?;
    let epoch = db::new_epoch(&restored.conn())?;
    let blobs_copied = match blobs {
        Some(dir) => crate::blobs::copy_whole(dir, &data_dir.join(crate::blobs::BLOB_DIR))?,
        None => 0,
    };
    Ok(Restored {
        set_aside,
        epoch,
        blobs_copied,
    })
}

/// The backup opens as an SQLite database and passes its integrity check.
fn check(from: &Path) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| anyhow::anyhow!("opening the backup {}: {e}", from.display()))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", (), |r| r.get(0))
        .map_err(|e| anyhow::anyhow!("{} is not a server backup: {e}", from.display()))?;
    if check != "ok" {
        anyhow::bail!(
            "the backup {} failed its integrity check: {check}",
            from.display()
        );
    }
    Ok(())
}

/// Moves the current database files (and WAL) to `DATA/replaced-<time>/`.
fn set_aside(data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let names = [
        DB_FILE.to_string(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
    ];
    let present: Vec<&String> = names
        .iter()
        .filter(|n| data_dir.join(n.as_str()).exists())
        .collect();
    if present.is_empty() {
        return Ok(None);
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let aside = data_dir.join(format!("replaced-{stamp}"));
    std::fs::create_dir(&aside)?;
    for name in present {
        std::fs::rename(data_dir.join(name), aside.join(name))?;
    }
    Ok(Some(aside))
}

#[cfg(test)]
mod tests {
    use onsite_core::role::Role;

    #[test]
    fn a_restore_sets_the_old_database_aside_and_gives_a_new_epoch() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        let before = {
            let db = crate::db::open(&data)?;
            crate::accounts::add(&db.conn(), "li.wei", "李伟", Role::Technician, "password1")?;
            let epoch = crate::db::epoch(&db.conn())?;
            epoch
        };
        let backup = dir.path().join("backup.db");
        crate::backup::run(&data, &backup)?;
        {
            let db = crate::db::open(&data)?;
            crate::accounts::add(
                &db.conn(),
                "chen.jie",
                "陈杰",
                Role::Technician,
                "password2",
            )?;
        }

        let restored = super::run(&data, &backup, None)?;
        assert_ne!(restored.epoch, before, "a restored server has a new epoch");
        let db = crate::db::open(&data)?;
        assert_eq!(crate::db::epoch(&db.conn())?, restored.epoch);
        let users: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM users", (), |r| r.get(0))?;
        assert_eq!(users, 1, "the database is the backup's");
        let aside = restored
            .set_aside
            .ok_or_else(|| anyhow::anyhow!("nothing set aside"))?;
        let old = rusqlite::Connection::open(aside.join(crate::db::DB_FILE))?;
        let users: i64 = old.query_row("SELECT count(*) FROM users", (), |r| r.get(0))?;
        assert_eq!(users, 2, "the replaced database is kept, not deleted");

        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all")?;
        assert!(
            super::run(&data, &junk, None).is_err(),
            "a bad backup is refused"
        );
        let db = crate::db::open(&data)?;
        let epoch = crate::db::epoch(&db.conn())?;
        assert_eq!(
            epoch, restored.epoch,
            "and the data folder is left as it was"
        );
        Ok(())
    }
}
