//! The storage boundary: one connection type the whole server queries through, over an
//! engine (SQLite or PostgreSQL) behind the [`Engine`] trait. Queries are written once,
//! in the SQL both engines speak, with `?1` placeholders; the engine translates what it
//! must. The surface mirrors rusqlite's (`query_row`, `prepare_cached`, `optional`) so
//! the queries read as they did when they called SQLite directly.

use super::error::StoreError;

/// Which engine a connection runs on, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Sqlite,
    Postgres,
}

/// The type of a value, which a null must carry: PostgreSQL types its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Real,
    Text,
    Blob,
}

/// A value going into or coming out of a statement, borrowed where it can be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null(Kind),
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A value of any type, owned: for copying rows whose columns are not known in advance.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl FromValue for Value {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        Ok(match value {
            ValueRef::Null(_) => Self::Null,
            ValueRef::Integer(i) => Self::Integer(i),
            ValueRef::Real(f) => Self::Real(f),
            ValueRef::Text(s) => Self::Text(s.to_string()),
            ValueRef::Blob(b) => Self::Blob(b.to_vec()),
        })
    }
}

impl ToValue for Value {
    fn to_value(&self) -> ValueRef<'_> {
        match self {
            // Typed by the column it goes into: the engines take an untyped null there.
            Self::Null => ValueRef::Null(Kind::Text),
            Self::Integer(i) => ValueRef::Integer(*i),
            Self::Real(f) => ValueRef::Real(*f),
            Self::Text(s) => ValueRef::Text(s),
            Self::Blob(b) => ValueRef::Blob(b),
        }
    }
    fn null_kind() -> Kind {
        Kind::Text
    }
}

/// A value a statement can be given as a parameter.
pub trait ToValue {
    fn to_value(&self) -> ValueRef<'_>;
    /// The type of this parameter's null, when it is an `Option`'s `None`.
    fn null_kind() -> Kind
    where
        Self: Sized;
}

/// A value a column can be read as.
pub trait FromValue: Sized {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String>;
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> ValueRef<'_> {
                ValueRef::Integer(i64::from(*self))
            }
            fn null_kind() -> Kind {
                Kind::Integer
            }
        }
        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
                match value {
                    ValueRef::Integer(i) => <$t>::try_from(i).map_err(|_| format!("{i} is out of range")),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
integer!(i64, i32, u32, u16, u8);

impl ToValue for bool {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Integer(i64::from(*self))
    }
    fn null_kind() -> Kind {
        Kind::Integer
    }
}

impl FromValue for bool {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        i64::from_value(value).map(|i| i != 0)
    }
}

impl FromValue for u64 {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        i64::from_value(value).and_then(|i| u64::try_from(i).map_err(|_| format!("{i} < 0")))
    }
}

impl FromValue for usize {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        i64::from_value(value).and_then(|i| usize::try_from(i).map_err(|_| format!("{i} < 0")))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Real(*self)
    }
    fn null_kind() -> Kind {
        Kind::Real
    }
}

impl FromValue for f64 {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        match value {
            ValueRef::Real(f) => Ok(f),
            // SQLite hands back a whole REAL as an integer after arithmetic.
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
    fn null_kind() -> Kind {
        Kind::Text
    }
}

impl FromValue for String {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        match value {
            ValueRef::Text(s) => Ok(s.to_string()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
    fn null_kind() -> Kind {
        Kind::Blob
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.to_value(),
            None => ValueRef::Null(T::null_kind()),
        }
    }
    fn null_kind() -> Kind {
        T::null_kind()
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
        match value {
            ValueRef::Null(_) => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<T: ToValue> ToValue for &T {
    fn to_value(&self) -> ValueRef<'_> {
        (**self).to_value()
    }
    fn null_kind() -> Kind {
        T::null_kind()
    }
}

impl ToValue for &str {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
    fn null_kind() -> Kind {
        Kind::Text
    }
}

impl ToValue for &[u8] {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
    fn null_kind() -> Kind {
        Kind::Blob
    }
}

/// A statement's parameters: `()`, an array, a tuple, or [`params!`](crate::params).
pub trait Params {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R;
}

impl Params for () {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(&[])
    }
}

impl Params for &[&dyn ToValue] {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(self)
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        let refs: Vec<&dyn ToValue> = self.iter().map(|v| v as &dyn ToValue).collect();
        f(&refs)
    }
}

macro_rules! tuple_params {
    ($($name:ident)+) => {
        impl<$($name: ToValue),+> Params for ($($name,)+) {
            #[allow(non_snake_case)]
            fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
                let ($($name,)+) = self;
                f(&[$($name as &dyn ToValue),+])
            }
        }
    };
}
tuple_params!(A);
tuple_params!(A B);
tuple_params!(A B C);
tuple_params!(A B C D);
tuple_params!(A B C D E);
tuple_params!(A B C D E F);
tuple_params!(A B C D E F G);
tuple_params!(A B C D E F G H);
tuple_params!(A B C D E F G H I);
tuple_params!(A B C D E F G H I J);
tuple_params!(A B C D E F G H I J K);
tuple_params!(A B C D E F G H I J K L);
tuple_params!(A B C D E F G H I J K L M);
tuple_params!(A B C D E F G H I J K L M N);

/// Parameters of mixed types, as a slice: `params![id, seq, bytes]`.
#[macro_export]
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        &[$(&$p as &dyn $crate::db::ToValue),*] as &[&dyn $crate::db::ToValue]
    };
}

/// One result row as an engine hands it over.
pub trait RowValues {
    fn value(&self, column: usize) -> Result<ValueRef<'_>, StoreError>;
}

/// A column index: a number from 0, as in rusqlite.
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One result row.
pub struct Row<'a>(pub(crate) &'a dyn RowValues);

impl Row<'_> {
    /// Column `index` (from 0) read as `T`. The first type parameter is the index's, as
    /// in rusqlite, so `r.get::<_, String>(0)` reads the same.
    pub fn get<I: RowIndex, T: FromValue>(&self, index: I) -> Result<T, StoreError> {
        let column = index.index();
        T::from_value(self.0.value(column)?)
            .map_err(|message| StoreError::Conversion { column, message })
    }
}

/// What each engine does: run statements and hand over rows. Everything else (the
/// typed helpers, transactions) is built on these, once, in [`Connection`].
pub trait Engine: Send {
    fn kind(&self) -> EngineKind;
    /// Runs one statement; the number of rows it changed.
    fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> Result<usize, StoreError>;
    /// Runs several statements separated by `;`, without parameters.
    fn execute_batch(&self, sql: &str) -> Result<(), StoreError>;
    /// Runs one query, calling `each` with every row until it answers false.
    fn query(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        each: &mut dyn FnMut(&Row<'_>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;
    /// True outside a transaction.
    fn is_autocommit(&self) -> bool;
    /// The statement that opens a write transaction: one writer at a time, across every
    /// process that shares the database.
    fn begin_write(&self) -> Result<(), StoreError>;
}

/// A connection to the server's database, on whichever engine.
pub struct Connection(Box<dyn Engine>);

impl Connection {
    pub fn new(engine: Box<dyn Engine>) -> Self {
        Self(engine)
    }

    pub fn engine(&self) -> EngineKind {
        self.0.kind()
    }

    /// SQL for the text at `key` of the JSON object in `column`: the one expression the
    /// two engines spell differently.
    pub fn json_text(&self, column: &str, key: &str) -> String {
        match self.engine() {
            EngineKind::Sqlite => format!("json_extract({column}, '$.{key}')"),
            EngineKind::Postgres => format!("(CAST({column} AS jsonb) ->> '{key}')"),
        }
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize, StoreError> {
        params.with(|p| self.0.execute(sql, p))
    }

    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        self.0.execute_batch(sql)
    }

    /// The first row of a query, or [`StoreError::NoRows`].
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut f = Some(f);
        let mut out = None;
        params.with(|p| {
            self.0.query(sql, p, &mut |row| {
                if let Some(f) = f.take() {
                    out = Some(f(row)?);
                }
                Ok(false)
            })
        })?;
        out.ok_or(StoreError::NoRows)
    }

    /// Every row of a query, each mapped by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        params.with(|p| {
            self.0.query(sql, p, &mut |row| {
                out.push(f(row)?);
                Ok(true)
            })
        })?;
        Ok(out)
    }

    /// Calls `each` with every row of a query, in order, until it answers false; for
    /// reading rows one at a time rather than all at once. `each` may fail with any error
    /// a storage error converts into.
    pub fn for_each<E: From<StoreError>>(
        &self,
        sql: &str,
        params: impl Params,
        mut each: impl FnMut(&Row<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        let mut failed = None;
        params.with(|p| {
            self.0.query(sql, p, &mut |row| match each(row) {
                Ok(go_on) => Ok(go_on),
                Err(e) => {
                    failed = Some(e);
                    Ok(false)
                }
            })
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// A statement to run once or many times. The engine keeps its prepared form.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>, StoreError> {
        Ok(Statement {
            conn: self,
            sql: sql.to_string(),
        })
    }

    /// The same as [`Connection::prepare_cached`].
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>, StoreError> {
        self.prepare_cached(sql)
    }

    pub fn is_autocommit(&self) -> bool {
        self.0.is_autocommit()
    }

    /// Opens a write transaction, rolled back unless [`Transaction::commit`]ted.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.0.begin_write()?;
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    /// Opens a write transaction on a shared connection, for the group commit, which
    /// ends it itself with `COMMIT` or `ROLLBACK`.
    pub fn begin_write(&self) -> Result<(), StoreError> {
        self.0.begin_write()
    }
}

/// An open transaction; it reads and writes like its connection.
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.done = true;
        self.conn.execute_batch("COMMIT")
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A query's mapped rows, each a `Result` as rusqlite's are (they were all read already).
pub type MappedRows<T> = std::iter::Map<std::vec::IntoIter<T>, fn(T) -> Result<T, StoreError>>;

/// A statement bound to its connection, as rusqlite's `prepare_cached` gives.
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    pub fn execute(&mut self, params: impl Params) -> Result<usize, StoreError> {
        self.conn.execute(&self.sql, params)
    }

    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.query_row(&self.sql, params, f)
    }

    /// Every row, mapped; iterate it (or collect it) as rusqlite's mapped rows.
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<MappedRows<T>, StoreError> {
        Ok(self
            .conn
            .query_map(&self.sql, params, f)?
            .into_iter()
            .map(Ok as fn(T) -> Result<T, StoreError>))
    }

    /// Whether the query returns any row.
    pub fn exists(&mut self, params: impl Params) -> Result<bool, StoreError> {
        let mut any = false;
        params.with(|p| {
            self.conn.0.query(&self.sql, p, &mut |_| {
                any = true;
                Ok(false)
            })
        })?;
        Ok(any)
    }
}

/// `query_row(..).optional()`: no row is `None`, as in rusqlite.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>, StoreError>;
}

impl<T> OptionalExtension<T> for Result<T, StoreError> {
    fn optional(self) -> Result<Option<T>, StoreError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
