//! The device store's error type: every variant says what was being done and with
//! which id, so a log line or a support ticket is enough to find the record. No I/O here.

use std::path::PathBuf;

/// Errors from the device store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened.
    #[error("opening the device database at {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    /// A schema migration failed; the database is left at its previous version.
    #[error("migrating the device database: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    /// An SQLite error without more context (kept for callers that match on it).
    #[error("device database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// An SQLite error while doing something named.
    #[error("{doing}: {source}")]
    Db {
        doing: String,
        source: rusqlite::Error,
    },
    /// The device's storage is full. The transaction was rolled back, so the
    /// database still holds everything acknowledged before.
    #[error("{doing}: the device storage is full; nothing was changed")]
    DiskFull {
        doing: String,
        source: rusqlite::Error,
    },
    /// No document with this id is stored.
    #[error("{kind} {id} is not on this device")]
    DocumentNotFound { kind: &'static str, id: String },
    /// A document cannot be removed while it has edits the server has not acknowledged.
    #[error("{id} still has changes waiting to be sent; it stays until they are synced")]
    PendingChanges { id: String },
    /// A document with this id already exists.
    #[error("{kind} {id} already exists on this device")]
    DocumentExists { kind: &'static str, id: String },
    /// The stored document changed after it was loaded (another writer); retry.
    #[error("editing {kind} {id}: the stored document changed since it was loaded; retry")]
    Stale { kind: &'static str, id: String },
    /// The document exists but is of another kind.
    #[error("document {id} is a {found}, not a {expected}")]
    WrongKind {
        id: String,
        expected: &'static str,
        found: String,
    },
    /// A stored document could not be decoded. It has been moved to
    /// `quarantined_documents` (row `quarantine_id`) and is kept there for recovery.
    #[error(
        "loading {kind} {id}: {detail} (kept aside for recovery as quarantine #{quarantine_id})"
    )]
    CorruptDocument {
        kind: String,
        id: String,
        detail: String,
        quarantine_id: i64,
    },
    /// The stored server heads of a document are malformed (the document itself is fine).
    #[error("reading the server heads of {kind} {id}: {detail}")]
    BadHeads {
        kind: String,
        id: String,
        detail: String,
    },
    /// Automerge refused an operation on a document.
    #[error("{doing} {id}: {source}")]
    Automerge {
        doing: &'static str,
        id: String,
        source: Box<automerge::AutomergeError>,
    },
    /// onsite-core refused the operation (a rule it broke, or an unreadable document);
    /// nothing was stored. `source.code()` is the UI's i18n key.
    #[error("{doing} {kind} {id}: {source}")]
    Domain {
        doing: &'static str,
        kind: &'static str,
        id: String,
        source: Box<onsite_core::DomainError>,
    },
    /// A domain operation from onsite-core refused the edit; nothing was stored.
    #[error("editing {kind} {id}: {source}")]
    Operation {
        kind: &'static str,
        id: String,
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A document's contents could not be read into its projection rows.
    #[error("projecting {kind} {id}: {detail}")]
    Projection {
        kind: &'static str,
        id: String,
        detail: String,
    },
    /// A file operation on a blob failed.
    #[error("{doing} blob {hash} at {path}: {source}")]
    BlobIo {
        doing: &'static str,
        hash: String,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A blob file is missing.
    #[error("blob {hash} is not on this device")]
    BlobNotFound { hash: String },
    /// A blob's bytes no longer match its hash. The file was moved to `kept_at`.
    #[error("reading blob {hash}: {detail} (kept aside for recovery at {kept_at})")]
    CorruptBlob {
        hash: String,
        detail: String,
        kept_at: PathBuf,
    },
    /// A blob downloaded from the server is not what the document referenced: its bytes
    /// hash to something else, or its type does not fit its use. Nothing was stored.
    #[error("blob {hash} from the server: {detail}; not stored")]
    BadDownload { hash: String, detail: String },
    /// A photo or signature could not be decoded or encoded.
    #[error("{doing}: {source}")]
    Image {
        doing: String,
        source: Box<image::ImageError>,
    },
    /// A photo file that stops before its end: nothing was stored.
    #[error("the photo file is incomplete (cut off before its end)")]
    PhotoIncomplete,
    /// A photo in a format this app can't read: HEIC/HEIF (`heif`) or something else.
    #[error("the photo is in a format this app can't read (HEIF: {heif})")]
    PhotoFormat { heif: bool },
    /// Signature stroke data is not usable.
    #[error("signature strokes: {0}")]
    Strokes(String),
    /// A stored setting or identity value is malformed.
    #[error("device setting {key}: {detail}")]
    Meta { key: String, detail: String },
}

impl StoreError {
    /// A stable code for the UI's i18n lookup.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::DiskFull { .. } => "errors.storage.full",
            StoreError::DocumentNotFound { .. } => "errors.storage.not_found",
            StoreError::PendingChanges { .. } => "errors.storage.pending_changes",
            StoreError::CorruptDocument { .. } | StoreError::CorruptBlob { .. } => {
                "errors.storage.corrupt"
            }
            StoreError::Operation { .. } => "errors.storage.refused",
            StoreError::Domain { source, .. } => source.code(),
            StoreError::Image { .. } | StoreError::Strokes(_) => "errors.storage.media",
            StoreError::PhotoIncomplete => "errors.photo.incomplete",
            StoreError::PhotoFormat { heif: true } => "errors.photo.heif",
            StoreError::PhotoFormat { heif: false } => "errors.photo.unknown_format",
            StoreError::BadDownload { .. } => "errors.sync.bad_blob",
            _ => "errors.storage",
        }
    }
}

/// Adds "what was being done" to an SQLite error, and recognises a full disk.
pub(crate) trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Doing<T> for Result<T, rusqlite::Error> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| db_error(what(), source))
    }
}

/// Wraps an SQLite error with context; `SQLITE_FULL` becomes [`StoreError::DiskFull`].
pub(crate) fn db_error(doing: String, source: rusqlite::Error) -> StoreError {
    if source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
        StoreError::DiskFull { doing, source }
    } else {
        StoreError::Db { doing, source }
    }
}
