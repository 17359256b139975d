//! What can go wrong in the server's storage, said without HTTP: the handlers decide
//! which status each kind becomes (`ApiError::database`).

/// A storage failure, the same kinds whichever engine (SQLite or PostgreSQL) gave it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A query that must return a row returned none (`OptionalExtension::optional`
    /// turns this into `None`).
    #[error("the query returned no rows")]
    NoRows,
    /// The disk, or the database's size limit, is full. The write was rolled back; the
    /// client may try again once there is space.
    #[error("storage full: {0}")]
    Full(String),
    /// Another writer held the database longer than the wait allows.
    #[error("storage busy: {0}")]
    Busy(String),
    /// A uniqueness, foreign-key or check constraint refused the write.
    #[error("constraint: {0}")]
    Constraint(String),
    /// The stored bytes are not a database any more.
    #[error("storage corrupt: {0}")]
    Corrupt(String),
    /// A column's value is not of the type the code reads it as.
    #[error("column {column}: {message}")]
    Conversion { column: usize, message: String },
    /// Anything else the engine reported (a syntax error, a lost connection).
    #[error("{0}")]
    Engine(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &err {
            rusqlite::Error::QueryReturnedNoRows => Self::NoRows,
            rusqlite::Error::SqliteFailure(e, _) => match e.code {
                ErrorCode::DiskFull => Self::Full(err.to_string()),
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Self::Busy(err.to_string()),
                ErrorCode::ConstraintViolation => Self::Constraint(err.to_string()),
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                    Self::Corrupt(err.to_string())
                }
                _ => Self::Engine(err.to_string()),
            },
            rusqlite::Error::FromSqlConversionFailure(column, _, _)
            | rusqlite::Error::InvalidColumnType(column, _, _)
            | rusqlite::Error::IntegralValueOutOfRange(column, _) => Self::Conversion {
                column: *column,
                message: err.to_string(),
            },
            _ => Self::Engine(err.to_string()),
        }
    }
}
