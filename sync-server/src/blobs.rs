//! Blobs on the server: photos and signatures, addressed by the SHA-256 of their bytes
//! and uploaded in resumable chunks (see "Blobs" in `docs/sync-protocol.md`).
//!
//! Layout under the data folder:
//! - `blobs/ab/abcdef…`: complete blobs, named by their hash. A file only ever gets there
//!   by an atomic rename after its bytes hashed to its name, so a name is a promise.
//! - `blobs/partial/abcdef…`: an upload in progress. The `blob_uploads` row says how
//!   many of its bytes were fsynced and acknowledged; anything after that (a chunk cut
//!   mid-write, a crash before the row was updated) is cut off before the next append.
//!
//! Which blobs a technician may read is decided by the orders they may see: the hashes in
//! each order's `photos[].hash` and `sign_off.signature_blob`, indexed lazily in
//! `blob_refs` from the office copy whenever the document's change sequence moved on.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::db::{Connection, OptionalExtension};
use axum::http::StatusCode;
use onsite_core::doc::order::OrderDoc;
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::devices::Principal;
use crate::error::ApiError;

/// The folder inside the data folder that holds blobs.
pub const BLOB_DIR: &str = "blobs";
/// The largest blob accepted: a downscaled photo is a few hundred KiB, so 16 MiB leaves
/// room for another client's larger photos while bounding what one upload can cost.
pub const MAX_BLOB_BYTES: u64 = 16 * 1024 * 1024;
/// The largest chunk one `PATCH` may carry. Small enough that a chunk lost to a cut
/// connection costs little to resend, large enough that a photo is one or two requests.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// The first chunk must hold at least this many bytes (or the whole blob), so that its
/// type can be checked against its magic bytes before anything is stored.
pub const SNIFF_BYTES: usize = 16;
/// An upload untouched for this long is abandoned; its partial file is deleted when the
/// next upload starts.
pub const ABANDONED_AFTER_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// The media types a blob may have. Photos are images; a signature is referenced by its
/// stroke data (`application/json`, `{"width", "height", "strokes"}`), which every
/// device renders to the same PNG.
pub const MEDIA_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "application/json"];

/// Why a blob operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{0:?} is not a blob hash: expected the SHA-256 as 64 lower-case hex digits")]
    BadHash(String),
    #[error("blob type {0:?} is not accepted; send image/jpeg, image/png, image/webp or application/json (signature strokes)")]
    UnsupportedType(String),
    #[error("a blob of {length} bytes is over the limit of {MAX_BLOB_BYTES} bytes")]
    TooLarge { length: u64 },
    #[error("a blob cannot be empty")]
    Empty,
    #[error(
        "a chunk of {len} bytes goes past the blob's length: offset {offset}, length {length}"
    )]
    BeyondLength {
        offset: u64,
        len: usize,
        length: u64,
    },
    #[error(
        "the server holds {current} bytes of this upload, not {sent}: resume from byte {current}"
    )]
    OffsetMismatch { current: u64, sent: u64 },
    #[error("an upload of this blob is under way with length {length} and type {media_type}; send the same")]
    UploadConflict {
        current: u64,
        length: u64,
        media_type: String,
    },
    #[error("the first chunk must carry at least the first {SNIFF_BYTES} bytes of the blob")]
    FirstChunkTooShort,
    #[error("the bytes are not {declared}: their magic bytes say otherwise")]
    WrongContent { declared: String },
    #[error("signature strokes must be a JSON object with width, height and strokes: {0}")]
    BadStrokes(String),
    #[error("the uploaded bytes hash to {actual}, not {expected}; the upload was discarded")]
    HashMismatch { expected: String, actual: String },
    #[error("blob {0} is not on the server")]
    NotFound(String),
    #[error("{doing} {path}: {source}")]
    Io {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("blob database: {0}")]
    Db(#[from] crate::db::StoreError),
}

impl BlobError {
    /// How many bytes the server holds, for errors that tell the client where to resume.
    pub fn current_offset(&self) -> Option<u64> {
        match self {
            BlobError::OffsetMismatch { current, .. }
            | BlobError::UploadConflict { current, .. } => Some(*current),
            _ => None,
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(err: BlobError) -> Self {
        let (status, code) = match &err {
            BlobError::BadHash(_) => (StatusCode::BAD_REQUEST, "errors.blob.bad_hash"),
            BlobError::UnsupportedType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "errors.blob.unsupported_type",
            ),
            BlobError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "errors.blob.too_large"),
            BlobError::Empty => (StatusCode::BAD_REQUEST, "errors.blob.empty"),
            BlobError::BeyondLength { .. } => {
                (StatusCode::BAD_REQUEST, "errors.blob.beyond_length")
            }
            BlobError::OffsetMismatch { .. } => {
                (StatusCode::CONFLICT, "errors.blob.offset_mismatch")
            }
            BlobError::UploadConflict { .. } => {
                (StatusCode::CONFLICT, "errors.blob.upload_conflict")
            }
            BlobError::FirstChunkTooShort => {
                (StatusCode::BAD_REQUEST, "errors.blob.first_chunk_too_short")
            }
            BlobError::WrongContent { .. } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "errors.blob.wrong_content",
            ),
            BlobError::BadStrokes(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "errors.blob.bad_strokes")
            }
            BlobError::HashMismatch { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "errors.blob.hash_mismatch",
            ),
            BlobError::NotFound(_) => (StatusCode::NOT_FOUND, "errors.blob.not_found"),
            BlobError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => {
                return ApiError::storage_full(err.to_string());
            }
            BlobError::Db(crate::db::StoreError::Full(_)) => {
                return ApiError::storage_full(err.to_string());
            }
            BlobError::Io { .. } | BlobError::Db(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "errors.internal")
            }
        };
        ApiError::new(status, code, err.to_string())
    }
}

/// Checks that `hash` is a SHA-256 in lower-case hex, which also makes it safe as a file
/// name (no separators, no dots).
pub fn check_hash(hash: &str) -> Result<(), BlobError> {
    let ok = hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BlobError::BadHash(hash.chars().take(80).collect()))
    }
}

/// The accepted media type `declared` names (parameters such as `; charset` ignored).
pub fn media_type(declared: &str) -> Result<&'static str, BlobError> {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    MEDIA_TYPES
        .iter()
        .find(|t| **t == essence)
        .copied()
        .ok_or_else(|| BlobError::UnsupportedType(declared.chars().take(80).collect()))
}

/// The media type the first bytes of a blob show, if it is one of [`MEDIA_TYPES`].
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        [b'{', ..] => Some("application/json"),
        _ => None,
    }
}

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The blob is stored whole.
    Complete { size: u64, media_type: &'static str },
    /// Part of it has been received.
    Partial {
        offset: u64,
        length: u64,
        media_type: String,
    },
    /// Nothing of it is here.
    Absent,
}

/// One `PATCH`: `bytes` to go at `offset` of a blob of `length` bytes and type
/// `media_type`.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub offset: u64,
    pub length: u64,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
}

/// The blob folder, with a lock per blob so that two requests for the same upload (a
/// retry overtaking a slow original) take turns instead of interleaving writes.
pub struct BlobStore {
    dir: PathBuf,
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

fn io(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BlobError {
    let path = path.to_path_buf();
    move |source| BlobError::Io {
        doing,
        path,
        source,
    }
}

/// Flushes a folder so a file created or renamed in it survives a power cut.
fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io("flushing the folder", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl BlobStore {
    /// A store rooted at `dir` (normally `<data>/blobs`). Folders are made on first write.
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// Where a complete blob lives.
    pub fn path(&self, hash: &str) -> PathBuf {
        self.dir.join(hash.get(..2).unwrap_or("__")).join(hash)
    }

    fn partial_dir(&self) -> PathBuf {
        self.dir.join("partial")
    }

    fn partial_path(&self, hash: &str) -> PathBuf {
        self.partial_dir().join(hash)
    }

    fn lock(&self, hash: &str) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        // Drop locks nobody holds any more, so the map stays as small as the set of
        // uploads in flight.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(hash.to_string()).or_default().clone()
    }

    /// The size of a complete blob, or None if it is not stored whole.
    pub fn size(&self, hash: &str) -> Result<Option<u64>, BlobError> {
        check_hash(hash)?;
        let path = self.path(hash);
        match fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("reading the size of", &path)(e)),
        }
    }

    /// Where the upload of `hash` stands.
    #[tracing::instrument(skip_all, fields(blob = %hash))]
    pub fn status(&self, db: &Db, hash: &str) -> Result<Status, BlobError> {
        if let Some(size) = self.size(hash)? {
            let head = self.read(hash, 0, SNIFF_BYTES as u64)?;
            // Every stored blob passed the same check on upload.
            let media_type = sniff(&head).unwrap_or("application/octet-stream");
            return Ok(Status::Complete { size, media_type });
        }
        Ok(match upload_row(&db.conn(), hash)? {
            Some(row) => Status::Partial {
                offset: row.received,
                length: row.length,
                media_type: row.media_type,
            },
            None => Status::Absent,
        })
    }

    /// Reads up to `len` bytes of a complete blob from `start`.
    #[tracing::instrument(skip(self))]
    pub fn read(&self, hash: &str, start: u64, len: u64) -> Result<Vec<u8>, BlobError> {
        check_hash(hash)?;
        let path = self.path(hash);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(hash.to_string()))
            }
            Err(e) => return Err(io("opening", &path)(e)),
        };
        file.seek(SeekFrom::Start(start))
            .map_err(io("seeking in", &path))?;
        let mut out = Vec::new();
        file.take(len)
            .read_to_end(&mut out)
            .map_err(io("reading", &path))?;
        Ok(out)
    }

    /// Appends one chunk to the upload of `hash` and returns the new offset. The chunk is
    /// on disk (fsynced) and recorded before this returns; when it is the last one, the
    /// blob is checked against its hash and type and moved into place. Sending a chunk
    /// of a blob that is already complete is a no-op that reports the whole length, so a
    /// client whose last response was lost can simply repeat its request.
    #[tracing::instrument(skip_all, fields(blob = %hash, offset = chunk.offset, len = chunk.bytes.len()))]
    pub fn append(
        &self,
        db: &Db,
        who: &Principal,
        hash: &str,
        chunk: Chunk<'_>,
        now_ms: i64,
    ) -> Result<u64, BlobError> {
        check_hash(hash)?;
        let media_type = media_type(chunk.media_type)?;
        if chunk.length == 0 {
            return Err(BlobError::Empty);
        }
        if chunk.length > MAX_BLOB_BYTES {
            return Err(BlobError::TooLarge {
                length: chunk.length,
            });
        }
        let end = chunk.offset.saturating_add(chunk.bytes.len() as u64);
        if end > chunk.length {
            return Err(BlobError::BeyondLength {
                offset: chunk.offset,
                len: chunk.bytes.len(),
                length: chunk.length,
            });
        }
        let lock = self.lock(hash);
        let _turn = lock.lock().unwrap_or_else(PoisonError::into_inner);

        if let Some(size) = self.size(hash)? {
            // Done already (by this device before its response was lost, or by another
            // device with the same bytes). A leftover row from a crash right after the
            // rename goes now.
            db.conn()
                .execute("DELETE FROM blob_uploads WHERE hash = ?1", [hash])?;
            return Ok(size);
        }
        let row = upload_row(&db.conn(), hash)?;
        let received = match &row {
            Some(row) if row.length != chunk.length || row.media_type != media_type => {
                return Err(BlobError::UploadConflict {
                    current: row.received,
                    length: row.length,
                    media_type: row.media_type.clone(),
                })
            }
            Some(row) => row.received,
            None => 0,
        };
        if chunk.offset != received {
            return Err(BlobError::OffsetMismatch {
                current: received,
                sent: chunk.offset,
            });
        }
        if received == 0 {
            let needed = SNIFF_BYTES.min(chunk.length as usize);
            if chunk.bytes.len() < needed {
                return Err(BlobError::FirstChunkTooShort);
            }
            if sniff(chunk.bytes) != Some(media_type) {
                return Err(BlobError::WrongContent {
                    declared: media_type.into(),
                });
            }
            self.forget_abandoned(db, now_ms)?;
        }

        let partial = self.partial_path(hash);
        self.write_at(&partial, received, chunk.bytes)?;
        if end < chunk.length {
            db.conn().execute(
                "INSERT INTO blob_uploads
                     (hash, media_type, length, received, user_id, device_id, started_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT(hash) DO UPDATE SET received = excluded.received,
                     updated_at = excluded.updated_at",
                (
                    hash,
                    media_type,
                    chunk.length as i64,
                    end as i64,
                    &who.account.id,
                    &who.device_id,
                    now_ms,
                ),
            )?;
            return Ok(end);
        }
        self.complete(db, who, hash, media_type, &partial)?;
        Ok(end)
    }

    /// Writes `bytes` at `offset` of the partial file, first cutting off anything past
    /// `offset` that was never acknowledged, and fsyncs it.
    fn write_at(&self, partial: &Path, offset: u64, bytes: &[u8]) -> Result<(), BlobError> {
        let folder = self.partial_dir();
        fs::create_dir_all(&folder).map_err(io("creating", &folder))?;
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(partial)
            .map_err(io("opening", partial))?;
        file.set_len(offset).map_err(io("truncating", partial))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(io("seeking in", partial))?;
        file.write_all(bytes).map_err(io("writing", partial))?;
        file.sync_all().map_err(io("flushing", partial))?;
        if offset == 0 {
            // A new file: make its name durable too.
            sync_dir(&folder)?;
        }
        Ok(())
    }

    /// Checks a fully received upload and moves it into place.
    fn complete(
        &self,
        db: &Db,
        who: &Principal,
        hash: &str,
        media_type: &str,
        partial: &Path,
    ) -> Result<(), BlobError> {
        let bytes = fs::read(partial).map_err(io("reading", partial))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        let checked = if actual != hash {
            Err(BlobError::HashMismatch {
                expected: hash.into(),
                actual,
            })
        } else {
            check_content(media_type, &bytes)
        };
        if let Err(err) = checked {
            // Bytes that can never become this blob are useless: start over.
            let _ = fs::remove_file(partial);
            db.conn()
                .execute("DELETE FROM blob_uploads WHERE hash = ?1", [hash])?;
            return Err(err);
        }
        let target = self.path(hash);
        let folder = target.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&folder).map_err(io("creating", &folder))?;
        fs::rename(partial, &target).map_err(io("moving into place", &target))?;
        sync_dir(&folder)?;
        sync_dir(&self.partial_dir())?;
        db.conn()
            .execute("DELETE FROM blob_uploads WHERE hash = ?1", [hash])?;
        metrics::counter!("onsite_blobs_stored_total").increment(1);
        tracing::info!(user = %who.account.id, device = %who.device_id, size = bytes.len(), media_type, "blob stored");
        Ok(())
    }

    /// Deletes uploads nobody has touched for [`ABANDONED_AFTER_MS`].
    fn forget_abandoned(&self, db: &Db, now_ms: i64) -> Result<(), BlobError> {
        let conn = db.conn();
        let mut stmt =
            conn.prepare_cached("DELETE FROM blob_uploads WHERE updated_at < ?1 RETURNING hash")?;
        let gone = stmt
            .query_map([now_ms - ABANDONED_AFTER_MS], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for hash in gone {
            // Only hashes that passed check_hash ever get a row, so this stays inside
            // the partial folder.
            let _ = fs::remove_file(self.partial_path(&hash));
            tracing::info!(blob = %hash, "abandoned upload deleted");
        }
        Ok(())
    }
}

/// Checks a whole blob against its declared type.
fn check_content(media_type: &str, bytes: &[u8]) -> Result<(), BlobError> {
    if sniff(bytes) != Some(media_type) {
        return Err(BlobError::WrongContent {
            declared: media_type.into(),
        });
    }
    if media_type == "application/json" {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| BlobError::BadStrokes(e.to_string()))?;
        let shaped =
            value["width"].is_u64() && value["height"].is_u64() && value["strokes"].is_array();
        if !shaped {
            return Err(BlobError::BadStrokes(
                "missing width, height or strokes".into(),
            ));
        }
    }
    Ok(())
}

struct UploadRow {
    received: u64,
    length: u64,
    media_type: String,
}

fn upload_row(conn: &Connection, hash: &str) -> Result<Option<UploadRow>, BlobError> {
    Ok(conn
        .query_row(
            "SELECT received, length, media_type FROM blob_uploads WHERE hash = ?1",
            [hash],
            |r| {
                Ok(UploadRow {
                    received: r.get::<_, i64>(0)? as u64,
                    length: r.get::<_, i64>(1)? as u64,
                    media_type: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Copies every complete blob (`ab/abcdef…`) of the blob folder `from` that `to` lacks,
/// checking on the way that each one's bytes still hash to its name (a blob damaged on
/// disk is refused, not copied). For backups and restores; returns how many it copied.
pub fn copy_whole(from: &Path, to: &Path) -> anyhow::Result<usize> {
    let mut copied = 0;
    for shard in fs::read_dir(from)? {
        let shard = shard?;
        let name = shard.file_name();
        // `partial/` holds uploads in progress: their state is in the database.
        if !shard.file_type()?.is_dir() || name == "partial" {
            continue;
        }
        for blob in fs::read_dir(shard.path())? {
            let blob = blob?;
            let target = to.join(&name).join(blob.file_name());
            if target.exists() {
                continue;
            }
            let bytes = fs::read(blob.path())?;
            let hash = hex::encode(Sha256::digest(&bytes));
            if blob.file_name().to_str() != Some(hash.as_str()) {
                anyhow::bail!(
                    "{} does not hash to its name (it hashes to {hash}): damaged on disk",
                    blob.path().display()
                );
            }
            fs::create_dir_all(to.join(&name))?;
            // Written under a temporary name and renamed, so a name is always whole.
            let partial = target.with_extension("copying");
            fs::write(&partial, &bytes)?;
            fs::rename(&partial, &target)?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// The blob hashes an order references: its photos and its signature.
pub fn order_refs(order: &OrderDoc) -> Vec<String> {
    let mut refs: Vec<String> = order.photos.iter().map(|p| p.hash.clone()).collect();
    if let Some(sign_off) = &order.sign_off {
        refs.push(sign_off.signature_blob.clone());
    }
    refs.extend(order.signatures.iter().map(|s| s.signature_blob.clone()));
    refs.retain(|h| check_hash(h).is_ok());
    refs.sort();
    refs.dedup();
    refs
}

/// Whether `who` may download `hash`: office roles may read every blob; a technician
/// only those referenced by an order assigned to them.
#[tracing::instrument(skip_all, fields(user = %who.account.id, blob = %hash))]
pub fn may_read(conn: &Connection, who: &Principal, hash: &str) -> Result<bool, ApiError> {
    if who.account.role != onsite_core::role::Role::Technician {
        return Ok(true);
    }
    refresh_refs(conn, &who.account.id)?;
    let found = conn
        .prepare_cached(
            "SELECT 1 FROM blob_refs r JOIN documents d ON d.id = r.doc_id
             WHERE r.hash = ?1 AND d.owner = ?2 AND d.kind = 'order' LIMIT 1",
        )?
        .query_row((hash, &who.account.id), |_| Ok(()))
        .optional()?
        .is_some();
    Ok(found)
}

/// Re-reads the blob references of `owner`'s orders whose office copy changed since they
/// were last read. Usually nothing has, and this is one indexed query.
fn refresh_refs(conn: &Connection, owner: &str) -> Result<(), ApiError> {
    let stale: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT d.id, d.seq FROM documents d LEFT JOIN blob_ref_scans s ON s.doc_id = d.id
             WHERE d.kind = 'order' AND d.owner = ?1 AND (s.seq IS NULL OR s.seq <> d.seq)",
        )?
        .query_map([owner], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, seq) in stale {
        let data: Vec<u8> =
            conn.query_row("SELECT data FROM documents WHERE id = ?1", [&id], |r| {
                r.get(0)
            })?;
        let refs = match automerge::AutoCommit::load(&data)
            .map_err(|e| e.to_string())
            .and_then(|doc| onsite_core::ops::hydrate::<OrderDoc>(&doc).map_err(|e| e.to_string()))
        {
            Ok(order) => order_refs(&order),
            Err(err) => {
                // An unreadable office copy references nothing anyone may download.
                tracing::warn!(doc = %id, %err, "cannot read blob references");
                Vec::new()
            }
        };
        conn.execute("DELETE FROM blob_refs WHERE doc_id = ?1", [&id])?;
        for hash in &refs {
            conn.execute(
                "INSERT INTO blob_refs (hash, doc_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                (hash, &id),
            )?;
        }
        conn.execute(
            "INSERT INTO blob_ref_scans (doc_id, seq) VALUES (?1, ?2)
             ON CONFLICT(doc_id) DO UPDATE SET seq = excluded.seq",
            (&id, seq),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
