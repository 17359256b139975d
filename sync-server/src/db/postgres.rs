//! The PostgreSQL engine, for a company that outgrows one SQLite file and runs several
//! server processes on one database. Queries arrive in the SQL both engines speak with
//! SQLite's `?1` placeholders, which become PostgreSQL's `$1` once per statement; every
//! statement is prepared once per connection.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::mpsc;

use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, NoTls};

use super::error::StoreError;
use super::sql::{Engine, EngineKind, Kind, Row, RowValues, ToValue, ValueRef};

/// The advisory lock every write transaction takes first: one writer at a time across
/// all the replicas, as SQLite's file lock gives one process ("onsite" in ASCII).
pub const WRITER_LOCK: i64 = 0x6f6e_7369_7465;

/// The schema's migrations, in order; each runs once, in a transaction of its own.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_schema.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_notify_changes.sql"),
    ),
];

/// The channel every committed change to documents or reference data is announced on
/// (migration 2's triggers).
const CHANGES_CHANNEL: &str = "onsite_changes";

/// A connection, driven on a thread of its own: the `postgres` client runs its own
/// small runtime, which may not be entered from a thread of the server's, and the
/// server queries from both its blocking threads and its async handlers.
pub struct Postgres {
    jobs: mpsc::Sender<Job>,
    in_transaction: Cell<bool>,
}

/// One call for the connection's thread, with where to send its answer.
type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// What the connection's thread owns: the client and its prepared statements.
struct Session {
    client: Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Session {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, StoreError> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(&placeholders(sql))?;
        self.statements.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    fn params(values: &[Owned]) -> Vec<&(dyn ToSql + Sync)> {
        values.iter().map(|p| p as _).collect()
    }
}

impl Postgres {
    /// Connects to `url` (`postgres://user:password@host:port/database`).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, connected) = mpsc::channel();
        let url = url.to_string();
        std::thread::Builder::new()
            .name("postgres".into())
            .spawn(move || {
                let client = match Client::connect(&url, NoTls) {
                    Ok(client) => {
                        let _ = ready.send(Ok(()));
                        client
                    }
                    Err(e) => {
                        let _ = ready.send(Err(StoreError::from(e)));
                        return;
                    }
                };
                let mut session = Session {
                    client,
                    statements: HashMap::new(),
                };
                // Ends when the connection is dropped (its sender with it).
                for job in queue {
                    job(&mut session);
                }
            })
            .map_err(|e| StoreError::Engine(format!("starting a PostgreSQL thread: {e}")))?;
        connected
            .recv()
            .map_err(|_| StoreError::Engine("the PostgreSQL thread ended".into()))??;
        Ok(Self {
            jobs,
            in_transaction: Cell::new(false),
        })
    }

    /// Runs `f` on the connection's thread and waits for its answer.
    fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (reply, answer) = mpsc::channel();
        self.jobs
            .send(Box::new(move |session| {
                let _ = reply.send(f(session));
            }))
            .map_err(|_| StoreError::Engine("the PostgreSQL connection is closed".into()))?;
        answer
            .recv()
            .map_err(|_| StoreError::Engine("the PostgreSQL connection ended mid-call".into()))?
    }

    /// Brings the schema up to date. Replicas starting together queue on the writer
    /// lock, so each migration runs once.
    pub fn migrate(&self) -> Result<(), StoreError> {
        self.call(|session| {
            let mut tx = session.client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    BIGINT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )",
            )?;
            let done: i64 = tx
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations",
                    &[],
                )?
                .get(0);
            for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > done) {
                tx.batch_execute(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &[version],
                )?;
                tracing::info!(version, "PostgreSQL schema migrated");
            }
            tx.commit()?;
            Ok(())
        })
    }
}

/// Listens for changes committed by any process on the database at `url`, calling
/// `changed` for each, on a thread of its own, until `wanted` answers false. A lost
/// connection is made again, with `changed` called once since notifications sent
/// meanwhile are gone. The waits it wakes look at the database themselves, so a wake
/// too many costs one query.
pub fn listen(
    url: String,
    changed: impl Fn() + Send + 'static,
    wanted: impl Fn() -> bool + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("postgres-listen".into())
        .spawn(move || {
            let mut backoff = std::time::Duration::from_millis(100);
            while wanted() {
                let lost = match listen_once(&url, &changed, &wanted) {
                    Ok(()) => return,
                    Err(e) => e,
                };
                tracing::warn!(error = %lost, "listening for changes on PostgreSQL");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(std::time::Duration::from_secs(5));
                changed();
            }
        })
        .map(|_| ())
}

/// One connection's worth of listening; an error when the connection is lost.
fn listen_once(
    url: &str,
    changed: &impl Fn(),
    wanted: &impl Fn() -> bool,
) -> Result<(), StoreError> {
    let mut client = Client::connect(url, NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))?;
    // Woken by each notification, and every few seconds to see whether the server is
    // still there to be told.
    let quiet = std::time::Duration::from_secs(2);
    while wanted() {
        {
            let mut notifications = client.notifications();
            let mut waiting = notifications.timeout_iter(quiet);
            while let Some(note) =
                postgres::fallible_iterator::FallibleIterator::next(&mut waiting)?
            {
                if note.channel() == CHANGES_CHANNEL {
                    changed();
                }
            }
        }
        if client.is_closed() {
            return Err(StoreError::Engine("the listening connection closed".into()));
        }
    }
    Ok(())
}

/// SQLite's `?1` and `?` placeholders as PostgreSQL's `$1`, outside quoted text.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut next = 0u32;
    while let Some(c) = chars.next() {
        if c == '-' && !quoted && chars.peek() == Some(&'-') {
            // A comment, to the end of its line: its apostrophes quote nothing.
            out.push(c);
            for c in chars.by_ref() {
                out.push(c);
                if c == '\n' {
                    break;
                }
            }
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        let n = digits.parse().unwrap_or(next + 1);
        next = next.max(n);
        out.push('$');
        out.push_str(&n.to_string());
    }
    out
}

/// A parameter as PostgreSQL takes it: converted to the type the server inferred for
/// its place, so a number bound where PostgreSQL expects an `int4` or `float8` fits.
#[derive(Debug)]
enum Owned {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Owned {
    fn all(params: &[&dyn ToValue]) -> Vec<Self> {
        params
            .iter()
            .map(|p| match p.to_value() {
                ValueRef::Null(_) => Self::Null,
                ValueRef::Integer(i) => Self::Integer(i),
                ValueRef::Real(f) => Self::Real(f),
                ValueRef::Text(s) => Self::Text(s.to_string()),
                ValueRef::Blob(b) => Self::Blob(b.to_vec()),
            })
            .collect()
    }
}

impl ToSql for Owned {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Self::Null, _) => Ok(IsNull::Yes),
            (Self::Integer(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Self::Integer(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Self::Integer(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Self::Integer(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Self::Integer(i), _) => i.to_sql(ty, out),
            (Self::Real(f), _) => f.to_sql(ty, out),
            (Self::Text(s), _) => s.to_sql(ty, out),
            (Self::Blob(b), _) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl RowValues for postgres::Row {
    fn value(&self, column: usize) -> Result<ValueRef<'_>, StoreError> {
        let ty = self
            .columns()
            .get(column)
            .ok_or_else(|| StoreError::Conversion {
                column,
                message: "no such column".into(),
            })?
            .type_()
            .clone();
        let conversion = |e: postgres::Error| StoreError::Conversion {
            column,
            message: e.to_string(),
        };
        let value = match ty {
            Type::INT8 => self
                .try_get::<_, Option<i64>>(column)
                .map_err(conversion)?
                .map(ValueRef::Integer),
            Type::INT4 => self
                .try_get::<_, Option<i32>>(column)
                .map_err(conversion)?
                .map(|i| ValueRef::Integer(i64::from(i))),
            Type::INT2 => self
                .try_get::<_, Option<i16>>(column)
                .map_err(conversion)?
                .map(|i| ValueRef::Integer(i64::from(i))),
            Type::BOOL => self
                .try_get::<_, Option<bool>>(column)
                .map_err(conversion)?
                .map(|b| ValueRef::Integer(i64::from(b))),
            Type::FLOAT8 => self
                .try_get::<_, Option<f64>>(column)
                .map_err(conversion)?
                .map(ValueRef::Real),
            Type::FLOAT4 => self
                .try_get::<_, Option<f32>>(column)
                .map_err(conversion)?
                .map(|f| ValueRef::Real(f64::from(f))),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => self
                .try_get::<_, Option<&str>>(column)
                .map_err(conversion)?
                .map(ValueRef::Text),
            Type::BYTEA => self
                .try_get::<_, Option<&[u8]>>(column)
                .map_err(conversion)?
                .map(ValueRef::Blob),
            other => {
                return Err(StoreError::Conversion {
                    column,
                    message: format!("PostgreSQL type {other} is not read (cast it in the query)"),
                })
            }
        };
        Ok(value.unwrap_or(ValueRef::Null(Kind::Text)))
    }
}

impl Engine for Postgres {
    fn kind(&self) -> EngineKind {
        EngineKind::Postgres
    }

    fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> Result<usize, StoreError> {
        let (sql, values) = (sql.to_string(), Owned::all(params));
        let changed = self.call(move |session| {
            let stmt = session.statement(&sql)?;
            Ok(session.client.execute(&stmt, &Session::params(&values))?)
        })?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        let batch = sql.to_string();
        self.call(move |session| Ok(session.client.batch_execute(&batch)?))?;
        // The group commit and `Transaction` end transactions with these two words.
        match sql.trim().to_ascii_uppercase().as_str() {
            "COMMIT" | "ROLLBACK" => self.in_transaction.set(false),
            _ => {}
        }
        Ok(())
    }

    fn query(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let (sql, values) = (sql.to_string(), Owned::all(params));
        // All rows first, so `each` may run other statements on this connection.
        let rows = self.call(move |session| {
            let stmt = session.statement(&sql)?;
            Ok(session.client.query(&stmt, &Session::params(&values))?)
        })?;
        for row in &rows {
            if !each(&Row(row))? {
                break;
            }
        }
        Ok(())
    }

    fn is_autocommit(&self) -> bool {
        !self.in_transaction.get()
    }

    fn begin_write(&self) -> Result<(), StoreError> {
        self.call(|session| {
            Ok(session.client.batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})"
            ))?)
        })?;
        self.in_transaction.set(true);
        Ok(())
    }
}

impl From<postgres::Error> for StoreError {
    fn from(err: postgres::Error) -> Self {
        let message = match err.as_db_error() {
            Some(db) => format!("{}: {}", db.severity(), db.message()),
            None => err.to_string(),
        };
        match err.code() {
            Some(code) if *code == SqlState::DISK_FULL => Self::Full(message),
            Some(code)
                if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
                    || *code == SqlState::LOCK_NOT_AVAILABLE =>
            {
                Self::Busy(message)
            }
            Some(code) if code.code().starts_with("23") => Self::Constraint(message),
            Some(code) if *code == SqlState::DATA_CORRUPTED => Self::Corrupt(message),
            _ => Self::Engine(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(placeholders("VALUES (?, ?, ?)"), "VALUES ($1, $2, $3)");
        assert_eq!(
            placeholders("SELECT '?1 is text' WHERE x = ?1"),
            "SELECT '?1 is text' WHERE x = $1"
        );
        assert_eq!(
            placeholders("SELECT a -- the office's\n WHERE b = ?2"),
            "SELECT a -- the office's\n WHERE b = $2"
        );
    }
}
