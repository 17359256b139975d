//! The server's embedded SQLite database: where it lives, how it is opened and migrated.
//! Queries live beside the aggregate they serve (`accounts.rs`, `devices.rs`).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use crate::error::ApiError;

/// The database file inside the data folder.
pub const DB_FILE: &str = "server.db";

/// The server's database connection, shared by request handlers. Writes are short and
/// SQLite serialises them anyway, so one connection behind a mutex is enough for now.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    /// Locks the connection. A poisoned lock means a handler panicked mid-query; SQLite
    /// rolled that transaction back, so the connection itself is still sound.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` inside one transaction, committing only if it succeeds.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up("CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"),
        M::up(
            "CREATE TABLE users (
                id            TEXT PRIMARY KEY,
                login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
                name          TEXT NOT NULL,
                role          TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at    TEXT NOT NULL,
                disabled_at   TEXT
            ) STRICT;
            CREATE TABLE devices (
                id           TEXT PRIMARY KEY,
                user_id      TEXT NOT NULL REFERENCES users(id),
                name         TEXT NOT NULL,
                token_hash   TEXT NOT NULL UNIQUE,
                enrolled_at  TEXT NOT NULL,
                last_seen_at TEXT,
                revoked_at   TEXT
            ) STRICT;
            CREATE INDEX devices_by_user ON devices(user_id);",
        ),
        M::up(
            "ALTER TABLE devices ADD COLUMN clock_offset_ms INTEGER;
            -- The office copy of every document; seq orders the change feed.
            CREATE TABLE documents (
                id         TEXT PRIMARY KEY,
                kind       TEXT NOT NULL,
                data       BLOB NOT NULL,
                heads      TEXT NOT NULL,
                owner      TEXT,
                seq        INTEGER NOT NULL UNIQUE,
                updated_at TEXT NOT NULL
            ) STRICT;
            CREATE INDEX documents_by_owner ON documents(owner, seq);
            -- Heads each device is known to hold, per document.
            CREATE TABLE device_docs (
                device_id TEXT NOT NULL,
                doc_id    TEXT NOT NULL,
                have      TEXT NOT NULL,
                PRIMARY KEY (device_id, doc_id)
            ) STRICT, WITHOUT ROWID;
            -- What the last response carried, applied when the device acknowledges it.
            -- heads NULL is a removal notice.
            CREATE TABLE sync_sent (
                device_id TEXT NOT NULL,
                cursor    INTEGER NOT NULL,
                doc_id    TEXT NOT NULL,
                heads     TEXT
            ) STRICT;
            CREATE INDEX sync_sent_by_device ON sync_sent(device_id, cursor);
            -- Changes a role may not make, kept for review with who sent them.
            CREATE TABLE quarantine (
                id          TEXT PRIMARY KEY,
                doc_id      TEXT NOT NULL,
                kind        TEXT NOT NULL,
                user_id     TEXT NOT NULL,
                device_id   TEXT NOT NULL,
                code        TEXT NOT NULL,
                reason      TEXT NOT NULL,
                data        BLOB NOT NULL,
                neutralised INTEGER NOT NULL,
                received_at TEXT NOT NULL,
                resolved_at TEXT,
                resolution  TEXT
            ) STRICT;
            CREATE INDEX quarantine_open ON quarantine(resolved_at, received_at);",
        ),
    ])
}

/// Opens `data_dir/server.db`, creating the folder and migrating as needed.
#[tracing::instrument(skip_all, fields(data = %data_dir.display()))]
pub fn open(data_dir: &Path) -> anyhow::Result<Db> {
    std::fs::create_dir_all(data_dir)?;
    let mut conn = Connection::open(data_dir.join(DB_FILE))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations().to_latest(&mut conn)?;
    Ok(Db(Arc::new(Mutex::new(conn))))
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
