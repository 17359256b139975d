//! The server's embedded SQLite database: where it lives, how it is opened and migrated.
//! Queries live beside the aggregate they serve (`accounts.rs`, `devices.rs`).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite_migration::{Migrations, M};

use crate::error::ApiError;

mod error;
mod group;
mod postgres;
mod sql;
mod sqlite;

pub use error::StoreError;
pub use postgres::WRITER_LOCK;
pub use sql::{
    Connection, EngineKind, FromValue, OptionalExtension, Params, Row, Statement, ToValue,
    Transaction, Value,
};

/// The database file inside the data folder.
pub const DB_FILE: &str = "server.db";

/// The server's database connection, shared by request handlers. Writes are short and
/// SQLite serialises them anyway, so one connection behind a mutex is enough for now;
/// sync round trips arriving together share one commit (`group.rs`).
///
/// A second, read-only connection answers `/health`: in WAL mode it reads while the
/// writer holds a long transaction, so the health check never waits on a heavy push.
/// Sync round trips prepare their pushes (decode and merge) on read connections of
/// their own ([`Db::with_reader`]) before taking the write connection.
#[derive(Clone)]
pub struct Db(
    Arc<Mutex<Connection>>,
    Arc<group::Groups>,
    Arc<Mutex<Connection>>,
    Arc<Extra>,
);

/// A probe called with a document id once a push to it has been prepared, before its
/// round trip queues for the write connection (see [`Db::set_prepared_probe`]).
pub type PreparedProbe = Arc<dyn Fn(&str) + Send + Sync>;

/// What the connections do not carry: where the database is, the data folder, and the
/// prepared-push probe.
struct Extra {
    source: Source,
    readers: Readers,
    data_dir: std::path::PathBuf,
    probe: std::sync::RwLock<Option<PreparedProbe>>,
}

/// Where the database lives, which is where new read connections come from.
enum Source {
    /// `server.db` in the data folder.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL server.
    Postgres(String),
}

/// The read connections of a process, on either engine: at most [`READERS`] in use at
/// once (the rest wait for one), and as many kept open for the next round trip.
/// Opening one costs more than most reads: SQLite parses the whole schema and every
/// statement again, PostgreSQL starts a backend.
#[derive(Default)]
struct Readers {
    idle: Mutex<Vec<Connection>>,
    busy: Mutex<usize>,
    freed: std::sync::Condvar,
}

/// One of the [`READERS`] read connections in use, given back when dropped (also when
/// the work panics).
struct ReaderSlot<'a>(&'a Readers);

impl<'a> ReaderSlot<'a> {
    fn take(readers: &'a Readers) -> Self {
        let mut n = readers.busy.lock().unwrap_or_else(|p| p.into_inner());
        while *n >= READERS {
            n = readers.freed.wait(n).unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        Self(readers)
    }
}

impl Drop for ReaderSlot<'_> {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

/// How many read connections a process uses at once: 500 devices syncing together
/// must not open 500 connections (PostgreSQL's default limit is 100 for all replicas
/// together, and each SQLite one holds its own page cache), and two cores gain nothing
/// from more than a few.
const READERS: usize = 16;

impl Db {
    /// Locks the connection. A poisoned lock means a handler panicked mid-query; SQLite
    /// rolled that transaction back, so the connection itself is still sound.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The read-only connection, for checks that must not queue behind writers.
    pub fn read_conn(&self) -> MutexGuard<'_, Connection> {
        self.2
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The data folder, where blobs live (and the database, on SQLite).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.3.data_dir.clone()
    }

    /// Calls `changed` whenever another process on the same database (a replica) may
    /// have committed a change, until `wanted` answers false. Only PostgreSQL has
    /// replicas; on SQLite this does nothing.
    pub fn listen_for_changes(
        &self,
        changed: impl Fn() + Send + 'static,
        wanted: impl Fn() -> bool + Send + 'static,
    ) -> std::io::Result<()> {
        match &self.3.source {
            Source::Sqlite(_) => Ok(()),
            Source::Postgres(url) => postgres::listen(url.clone(), changed, wanted),
        }
    }

    /// The engine the database runs on.
    pub fn engine(&self) -> EngineKind {
        match self.3.source {
            Source::Sqlite(_) => EngineKind::Sqlite,
            Source::Postgres(_) => EngineKind::Postgres,
        }
    }

    /// Runs `work` on a read-only connection, for work that must not hold the write
    /// connection: it sees the last committed state, whatever a writer is doing
    /// meanwhile (WAL on SQLite; on PostgreSQL, a kept connection of the process's).
    #[tracing::instrument(skip_all)]
    pub fn with_reader<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let readers = &self.3.readers;
        let _slot = ReaderSlot::take(readers);
        let pooled = readers.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => match &self.3.source {
                Source::Sqlite(file) => {
                    open_sqlite_reader(file, std::time::Duration::from_secs(5))?
                }
                Source::Postgres(url) => open_postgres_reader(url)?,
            },
        };
        let out = work(&conn);
        // Kept for the next round trip, unless left inside a transaction or after an
        // error (which may have been the connection's own: a new one costs little).
        if out.is_ok() && conn.is_autocommit() {
            readers
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
        }
        out
    }

    /// Installs a probe that each prepared push calls with its document id, on the
    /// blocking thread that prepared it, before the round trip queues for the write
    /// connection. Scenario tests use it to order events ("while this push is being
    /// prepared"); a server runs without one.
    pub fn set_prepared_probe(&self, probe: Option<PreparedProbe>) {
        *self.3.probe.write().unwrap_or_else(|p| p.into_inner()) = probe;
    }

    /// Calls the prepared-push probe, if one is installed.
    pub(crate) fn prepared(&self, doc_id: &str) {
        let probe = self
            .3
            .probe
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(probe) = probe {
            probe(doc_id);
        }
    }

    /// Runs `f` inside one transaction, committing only if it succeeds.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, ApiError>,
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
        // Reference data every device reads but never edits (`GET /v1/reference`).
        M::up(
            "CREATE TABLE parts (
                id          TEXT PRIMARY KEY,
                number      TEXT NOT NULL UNIQUE,
                name        TEXT NOT NULL,
                unit        TEXT NOT NULL,
                price_minor INTEGER NOT NULL,
                currency    TEXT NOT NULL,
                serialized  INTEGER NOT NULL,
                valuable    INTEGER NOT NULL,
                certified   INTEGER NOT NULL,
                barcode     TEXT NOT NULL
            ) STRICT;
            CREATE TABLE locations (
                id      TEXT PRIMARY KEY,
                name    TEXT NOT NULL,
                kind    TEXT NOT NULL CHECK (kind IN ('warehouse', 'van')),
                holder  TEXT REFERENCES users(id)
            ) STRICT;",
        ),
        // Blobs (`blobs.rs`): uploads in progress, and which blobs each order references.
        M::up(
            "-- An upload in progress: `received` bytes of blobs/partial/<hash> are fsynced
            -- and acknowledged; anything after them in the file is cut off on resume.
            CREATE TABLE blob_uploads (
                hash       TEXT PRIMARY KEY,
                media_type TEXT NOT NULL,
                length     INTEGER NOT NULL,
                received   INTEGER NOT NULL,
                user_id    TEXT NOT NULL,
                device_id  TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX blob_uploads_by_age ON blob_uploads(updated_at);
            -- Blob hashes each order references (photos, signature), read lazily from the
            -- office copy; blob_ref_scans.seq is the documents.seq they were read at.
            CREATE TABLE blob_refs (
                hash   TEXT NOT NULL,
                doc_id TEXT NOT NULL,
                PRIMARY KEY (hash, doc_id)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX blob_refs_by_doc ON blob_refs(doc_id);
            CREATE TABLE blob_ref_scans (
                doc_id TEXT PRIMARY KEY,
                seq    INTEGER NOT NULL
            ) STRICT;",
        ),
        // Reconciliation (`sync/reconcile/`): the stock movements of every order and
        // requisition, so over-use is checked against the server-wide ledger without
        // reading every document, and the flags already raised. Both are derived from
        // the documents and never edited by hand.
        M::up(
            "CREATE TABLE ledger_movements (
                doc_id      TEXT NOT NULL,
                movement_id TEXT NOT NULL,
                -- the order or requisition number, for flag details
                doc_label   TEXT NOT NULL,
                part        TEXT NOT NULL,
                part_number TEXT NOT NULL,
                from_loc    TEXT,
                to_loc      TEXT,
                kind        TEXT NOT NULL,
                -- positive, except count adjustments, which carry their sign
                quantity    INTEGER NOT NULL,
                -- the movement as onsite-core's stock::Movement JSON
                data        TEXT NOT NULL,
                PRIMARY KEY (doc_id, movement_id)
            ) STRICT;
            CREATE INDEX ledger_movements_from ON ledger_movements(part, from_loc);
            CREATE INDEX ledger_movements_to ON ledger_movements(part, to_loc);
            -- Serials fitted by `use` movements, to find one fitted twice.
            CREATE TABLE ledger_serials (
                part        TEXT NOT NULL,
                serial      TEXT NOT NULL,
                doc_id      TEXT NOT NULL,
                movement_id TEXT NOT NULL,
                PRIMARY KEY (part, serial, doc_id, movement_id)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX ledger_serials_by_doc ON ledger_serials(doc_id);
            -- Every flag on every order and how it stands (open, resolved, withdrawn), so
            -- a finding already flagged is recognised without loading the order.
            CREATE TABLE flag_index (
                doc_id       TEXT NOT NULL,
                flag_id      TEXT NOT NULL,
                kind         TEXT NOT NULL,
                subject      TEXT NOT NULL,
                raised_at_ms INTEGER NOT NULL,
                standing     TEXT NOT NULL,
                PRIMARY KEY (doc_id, flag_id)
            ) STRICT;
            CREATE INDEX flag_index_by_subject ON flag_index(doc_id, kind, subject);",
        ),
        // Review of pushes (`sync/policy.rs`, `sync/attest.rs`, `sync/quarantine.rs`) and the
        // quarantine quota (`quarantine_by_device` counts each device's open held pushes):
        // the Automerge actors each enrolled device writes with, what a held change would
        // have done and why, who decided it, and which devices were told that a
        // document left their user's scope.
        M::up(
            "CREATE TABLE device_actors (
                actor     TEXT PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices(id),
                user_id   TEXT NOT NULL REFERENCES users(id),
                bound_at  TEXT NOT NULL
            ) STRICT;
            CREATE INDEX device_actors_by_device ON device_actors(device_id);
            ALTER TABLE quarantine ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE quarantine ADD COLUMN changes TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE quarantine ADD COLUMN resolved_by TEXT;
            CREATE INDEX quarantine_by_device ON quarantine(device_id, resolved_at);
            ALTER TABLE device_docs ADD COLUMN told_removed INTEGER NOT NULL DEFAULT 0;",
        ),
        // Set-up at the office (`office/`): goods received into a warehouse, the ledger's
        // `receive` movements that belong to no document, and the record of who did
        // which set-up action when.
        M::up(
            "CREATE TABLE stock_receipts (
                id       TEXT PRIMARY KEY,
                part     TEXT NOT NULL REFERENCES parts(id),
                location TEXT NOT NULL REFERENCES locations(id),
                quantity INTEGER NOT NULL CHECK (quantity > 0),
                at       TEXT NOT NULL,
                by_user  TEXT NOT NULL,
                -- the movement as onsite-core's stock::Movement JSON
                data     TEXT NOT NULL
            ) STRICT;
            CREATE INDEX stock_receipts_by_pair ON stock_receipts(part, location);
            CREATE TABLE office_audit (
                id      INTEGER PRIMARY KEY,
                at      TEXT NOT NULL,
                -- NULL: the server's command line
                by_user TEXT,
                by_name TEXT NOT NULL,
                action  TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail  TEXT NOT NULL
            ) STRICT;",
        ),
        // The company's settings versions and working calendar (`company.rs`).
        M::up(
            "CREATE TABLE settings_versions (
                version  INTEGER PRIMARY KEY,
                since    TEXT NOT NULL,
                by_user  TEXT NOT NULL,
                by_name  TEXT NOT NULL,
                settings TEXT NOT NULL
            ) STRICT;
            CREATE TABLE company_calendar (
                id       INTEGER PRIMARY KEY CHECK (id = 1),
                calendar TEXT NOT NULL
            ) STRICT;
            CREATE TABLE calendar_changes (
                id      INTEGER PRIMARY KEY,
                at      TEXT NOT NULL,
                by_user TEXT NOT NULL,
                by_name TEXT NOT NULL,
                year    INTEGER NOT NULL,
                how     TEXT NOT NULL,
                days    INTEGER NOT NULL
            ) STRICT;
            -- When each order's SLA clocks next change by time alone (`sla_timer.rs`);
            -- NULL: only an event can change them. An order missing here is due.
            CREATE TABLE sla_due (
                doc_id  TEXT PRIMARY KEY,
                next_ms INTEGER
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX sla_due_by_time ON sla_due(next_ms);",
        ),
        // Stock counts and views (`office/counts.rs`, `office/over_use.rs`,
        // `office/stock_views.rs`): each count sheet as onsite-core's CountSheet JSON (at
        // most one open per location), the entries received from devices (idempotent by
        // id), the office's own ledger movements that belong to no document (a count's
        // adjustments, an over-use fixed by adjustment), and the catalog's minimum per
        // part and location.
        M::up(
            "CREATE TABLE stock_counts (
                id        TEXT PRIMARY KEY,
                number    TEXT NOT NULL UNIQUE,
                location  TEXT NOT NULL REFERENCES locations(id),
                state     TEXT NOT NULL CHECK (state IN ('open', 'posted')),
                opened_at TEXT NOT NULL,
                data      TEXT NOT NULL
            ) STRICT;
            CREATE UNIQUE INDEX stock_counts_one_open ON stock_counts(location)
                WHERE state = 'open';
            CREATE TABLE stock_count_entries (
                id          TEXT PRIMARY KEY,
                count_id    TEXT NOT NULL REFERENCES stock_counts(id),
                by_user     TEXT NOT NULL,
                received_at TEXT NOT NULL
            ) STRICT;
            CREATE TABLE stock_adjustments (
                id          TEXT PRIMARY KEY,
                part        TEXT NOT NULL,
                part_number TEXT NOT NULL,
                location    TEXT NOT NULL,
                -- signed: a surplus above zero, a shortage below
                quantity    INTEGER NOT NULL CHECK (quantity <> 0),
                at          TEXT NOT NULL,
                by_user     TEXT NOT NULL,
                -- the count's or the order's number
                label       TEXT NOT NULL,
                -- the movement as onsite-core's stock::Movement JSON
                data        TEXT NOT NULL
            ) STRICT;
            CREATE INDEX stock_adjustments_by_pair ON stock_adjustments(part, location);
            CREATE TABLE stock_minimums (
                part     TEXT NOT NULL REFERENCES parts(id),
                location TEXT NOT NULL REFERENCES locations(id),
                minimum  INTEGER NOT NULL CHECK (minimum > 0),
                PRIMARY KEY (part, location)
            ) STRICT;",
        ),
        // The server's epoch (`restore.rs`): made once, and anew by every restore, so a
        // device can tell that the server forgot what it had acknowledged.
        M::up(
            "CREATE TABLE server_identity (
                id    INTEGER PRIMARY KEY CHECK (id = 1),
                epoch TEXT NOT NULL
            ) STRICT;
            INSERT INTO server_identity (id, epoch) VALUES (1, lower(hex(randomblob(16))));",
        ),
        // The KPI rows (`office/kpi.rs`): one per order and complaint, the onsite-core
        // kpi row as JSON, derived from the documents and brought up to date from the
        // change sequence on each KPI query; never edited by hand.
        M::up(
            "CREATE TABLE kpi_rows (
                doc_id TEXT PRIMARY KEY,
                kind   TEXT NOT NULL,
                seq    INTEGER NOT NULL,
                row    TEXT NOT NULL
            ) STRICT;",
        ),
        // The KPI rows in postcard with instants as milliseconds: reading 50,000 JSON rows
        // back was most of a query's time. The rows are derived, so they are dropped and
        // rebuilt from the documents on the next query.
        M::up(
            "DROP TABLE kpi_rows;
            CREATE TABLE kpi_rows (
                doc_id TEXT PRIMARY KEY,
                kind   TEXT NOT NULL,
                seq    INTEGER NOT NULL,
                row    BLOB NOT NULL
            ) STRICT;
            DELETE FROM server_meta WHERE key = 'kpi_indexed_seq';",
        ),
    ])
}

/// This server's epoch: changes on every restore (`docs/sync-protocol.md`, "Restore").
pub fn epoch(conn: &Connection) -> Result<String, StoreError> {
    conn.query_row("SELECT epoch FROM server_identity WHERE id = 1", (), |r| {
        r.get(0)
    })
}

/// Gives the server a new epoch, as a restore does, and returns it.
pub fn new_epoch(conn: &Connection) -> Result<String, StoreError> {
    let epoch = hex::encode(rand::random::<[u8; 16]>());
    conn.execute(
        "UPDATE server_identity SET epoch = ?1 WHERE id = 1",
        [&epoch],
    )?;
    Ok(epoch)
}

/// A read-only connection to an SQLite file: in WAL mode it reads the last committed
/// state whatever a writer is doing meanwhile.
fn open_sqlite_reader(file: &Path, wait: std::time::Duration) -> Result<Connection, StoreError> {
    let reader = rusqlite::Connection::open_with_flags(
        file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    reader.busy_timeout(wait)?;
    Ok(Connection::new(Box::new(sqlite::Sqlite::new(reader))))
}

/// A PostgreSQL connection that refuses to write.
fn open_postgres_reader(url: &str) -> Result<Connection, StoreError> {
    let reader = postgres::Postgres::connect(url)?;
    let conn = Connection::new(Box::new(reader));
    conn.execute_batch("SET default_transaction_read_only = on")?;
    Ok(conn)
}

/// Whether a database URL names PostgreSQL rather than the embedded SQLite.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens the database `url` names: `sqlite` (or none) for `server.db` in the data
/// folder, `postgres://…` for a PostgreSQL server, migrating either as needed. Blobs
/// stay in the data folder either way.
pub fn open_url(data_dir: &Path, url: Option<&str>) -> anyhow::Result<Db> {
    let url = match url.map(str::trim) {
        None | Some("") | Some("sqlite") => return open(data_dir),
        Some(url) if is_postgres(url) => url,
        Some(other) => {
            anyhow::bail!("the database URL {other:?} is neither `sqlite` nor `postgres://…`")
        }
    };
    std::fs::create_dir_all(data_dir)?;
    let writer = postgres::Postgres::connect(url)
        .map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e}"))?;
    writer.migrate()?;
    let health = open_postgres_reader(url)?;
    Ok(Db(
        Arc::new(Mutex::new(Connection::new(Box::new(writer)))),
        Arc::default(),
        Arc::new(Mutex::new(health)),
        Arc::new(Extra {
            source: Source::Postgres(url.to_string()),
            readers: Readers::default(),
            data_dir: data_dir.to_path_buf(),
            probe: std::sync::RwLock::new(None),
        }),
    ))
}

/// Opens `data_dir/server.db`, creating the folder and migrating as needed.
#[tracing::instrument(skip_all, fields(data = %data_dir.display()))]
pub fn open(data_dir: &Path) -> anyhow::Result<Db> {
    std::fs::create_dir_all(data_dir)?;
    let mut conn = rusqlite::Connection::open(data_dir.join(DB_FILE))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations().to_latest(&mut conn)?;
    let reader = open_sqlite_reader(&data_dir.join(DB_FILE), std::time::Duration::from_secs(1))?;
    Ok(Db(
        Arc::new(Mutex::new(Connection::new(Box::new(sqlite::Sqlite::new(
            conn,
        ))))),
        Arc::default(),
        Arc::new(Mutex::new(reader)),
        Arc::new(Extra {
            source: Source::Sqlite(data_dir.join(DB_FILE)),
            readers: Readers::default(),
            data_dir: data_dir.to_path_buf(),
            probe: std::sync::RwLock::new(None),
        }),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
