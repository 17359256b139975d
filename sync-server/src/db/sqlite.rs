//! The SQLite engine: the embedded default (the demo, a small company, the tests).
//! Statements go through rusqlite's prepared-statement cache; values cross without a copy.

use rusqlite::types::{ToSqlOutput, ValueRef as SqliteValue};

use super::error::StoreError;
use super::sql::{Engine, EngineKind, Kind, Row, RowValues, ToValue, ValueRef};

/// How many prepared statements each connection keeps: the server has about 200
/// distinct queries, and a round trip uses a few dozen of them.
const STATEMENT_CACHE: usize = 256;

pub struct Sqlite(rusqlite::Connection);

impl Sqlite {
    pub fn new(conn: rusqlite::Connection) -> Self {
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Self(conn)
    }
}

/// A parameter as rusqlite takes it.
struct Param<'a>(&'a dyn ToValue);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0.to_value() {
            ValueRef::Null(_) => SqliteValue::Null,
            ValueRef::Integer(i) => SqliteValue::Integer(i),
            ValueRef::Real(f) => SqliteValue::Real(f),
            ValueRef::Text(s) => SqliteValue::Text(s.as_bytes()),
            ValueRef::Blob(b) => SqliteValue::Blob(b),
        }))
    }
}

fn params<'a>(params: &'a [&'a dyn ToValue]) -> impl rusqlite::Params + 'a {
    rusqlite::params_from_iter(params.iter().map(|p| Param(*p)))
}

impl RowValues for rusqlite::Row<'_> {
    fn value(&self, column: usize) -> Result<ValueRef<'_>, StoreError> {
        Ok(match self.get_ref(column)? {
            // The column's declared type is not known here; a null reads as any type.
            SqliteValue::Null => ValueRef::Null(Kind::Text),
            SqliteValue::Integer(i) => ValueRef::Integer(i),
            SqliteValue::Real(f) => ValueRef::Real(f),
            SqliteValue::Text(t) => {
                ValueRef::Text(std::str::from_utf8(t).map_err(|e| StoreError::Conversion {
                    column,
                    message: e.to_string(),
                })?)
            }
            SqliteValue::Blob(b) => ValueRef::Blob(b),
        })
    }
}

impl Engine for Sqlite {
    fn kind(&self) -> EngineKind {
        EngineKind::Sqlite
    }

    fn execute(&self, sql: &str, values: &[&dyn ToValue]) -> Result<usize, StoreError> {
        Ok(self.0.prepare_cached(sql)?.execute(params(values))?)
    }

    fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn query(
        &self,
        sql: &str,
        values: &[&dyn ToValue],
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query(params(values))?;
        while let Some(row) = rows.next()? {
            if !each(&Row(row))? {
                break;
            }
        }
        Ok(())
    }

    fn is_autocommit(&self) -> bool {
        self.0.is_autocommit()
    }

    fn begin_write(&self) -> Result<(), StoreError> {
        // IMMEDIATE takes the write lock now, so a transaction never fails halfway for
        // want of it.
        Ok(self.0.execute_batch("BEGIN IMMEDIATE")?)
    }
}
