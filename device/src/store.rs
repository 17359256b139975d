//! The device's SQLite database: opening it safely and migrating it. Tables for
//! documents, projections and blobs arrive with the device store issue.

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

/// Errors from opening or migrating the device database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening the device database at {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("migrating the device database: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("device database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
        "CREATE TABLE device_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;",
    )])
}

/// The device's local database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, in WAL mode with
    /// `synchronous=FULL` so an acknowledged write survives a power cut, and migrates it.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut conn)?;
        Ok(Self { conn })
    }

    /// Reads a device setting, such as the server address the user signed in to.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM device_meta WHERE key = ?1")?;
        let mut rows = stmt.query([key])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get(0)?),
            None => None,
        })
    }

    /// Writes a device setting in its own transaction.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO device_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The device's stable id, created on first use and kept for the life of the install.
    pub fn device_id(&self) -> Result<String, StoreError> {
        if let Some(id) = self.meta("device_id")? {
            return Ok(id);
        }
        let id = uuid::Uuid::now_v7().to_string();
        self.set_meta("device_id", &id)?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    #[test]
    fn device_id_is_created_once_and_survives_reopening() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("device.db");
        let first = Store::open(&path)?.device_id()?;
        let again = Store::open(&path)?.device_id()?;
        assert_eq!(first, again, "a device keeps its id across restarts");
        assert_eq!(uuid::Uuid::parse_str(&first)?.get_version_num(), 7);
        Ok(())
    }

    #[test]
    fn database_runs_in_wal_with_full_sync() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("device.db"))?;
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        let sync: i64 = store
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))?;
        assert_eq!(mode, "wal");
        assert_eq!(
            sync, 2,
            "synchronous=FULL so acknowledged edits survive a power cut"
        );
        Ok(())
    }
}
