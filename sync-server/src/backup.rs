//! Online backup of the server database, safe while the server is serving: SQLite's
//! backup API copies a consistent snapshot page by page without blocking writers for long.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use crate::db::DB_FILE;

/// Copies `data_dir/server.db` to `out`, which must not exist yet, and checks the copy.
pub fn run(data_dir: &Path, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!(
            "{} already exists; choose a new file for the backup",
            out.display()
        );
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
    let check: String = dest.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        anyhow::bail!(
            "the backup at {} failed its integrity check: {check}",
            out.display()
        );
    }
    Ok(())
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
        let logins: i64 = copy.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        assert_eq!(logins, 1, "the account is in the backup");
        assert!(
            super::run(dir.path(), &out).is_err(),
            "an existing backup is never overwritten"
        );
        Ok(())
    }
}
