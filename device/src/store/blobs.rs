//! Blobs (photos, thumbnails, signatures): files under `blobs/` beside the database,
//! named by their SHA-256 (`blobs/ab/abcdef…`), written by temp file + fsync + rename,
//! with their metadata in the `blobs` table. A file whose bytes no longer match its
//! name is moved to `blobs/quarantine/` and recorded in `quarantined_blobs`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Doing, StoreError};

/// What a blob is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobKind {
    /// A downscaled photo (JPEG).
    Photo,
    /// A photo's thumbnail (JPEG).
    Thumbnail,
    /// A signature's strokes (JSON).
    SignatureStrokes,
    /// A signature rendered from its strokes (PNG).
    SignaturePng,
}

impl BlobKind {
    fn as_str(self) -> &'static str {
        match self {
            BlobKind::Photo => "photo",
            BlobKind::Thumbnail => "thumbnail",
            BlobKind::SignatureStrokes => "signature_strokes",
            BlobKind::SignaturePng => "signature_png",
        }
    }
}

/// A blob's metadata row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobMeta {
    /// SHA-256 of the bytes, lower-case hex.
    pub hash: String,
    /// What it is.
    pub kind: String,
    /// MIME type.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Pixel width, for images.
    pub width: Option<i64>,
    /// Pixel height, for images.
    pub height: Option<i64>,
    /// The blob this one was made from (a thumbnail's photo, a PNG's strokes).
    pub derived_from: Option<String>,
    /// Whether the server has it.
    pub uploaded: bool,
}

/// What to record about a new blob.
#[derive(Debug, Clone, Copy)]
pub struct NewBlob<'a> {
    /// What it is.
    pub kind: BlobKind,
    /// MIME type.
    pub media_type: &'a str,
    /// Pixel size, for images.
    pub size: Option<(u32, u32)>,
    /// The blob it was made from.
    pub derived_from: Option<&'a str>,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where a blob's file lives.
pub fn path(dir: &Path, hash: &str) -> PathBuf {
    dir.join(hash.get(..2).unwrap_or("__")).join(hash)
}

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Writes a blob's file durably (unless an intact copy is already there) and records its
/// metadata. Idempotent: the same bytes give the same hash and one row.
pub fn put(
    conn: &Connection,
    dir: &Path,
    bytes: &[u8],
    new: NewBlob<'_>,
    now_ms: i64,
) -> Result<String, StoreError> {
    let hash = hash(bytes);
    write_file(dir, &hash, bytes)?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO blobs (hash, kind, media_type, size, width, height, derived_from, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            hash,
            new.kind.as_str(),
            new.media_type,
            bytes.len() as i64,
            new.size.map(|s| s.0),
            new.size.map(|s| s.1),
            new.derived_from,
            now_ms
        ])
    })
    .doing(|| format!("recording blob {hash}"))?;
    Ok(hash)
}

/// Temp file in the same folder, fsync, rename over the final name, fsync the folder:
/// after a crash the final name holds either nothing or the whole file.
fn write_file(dir: &Path, hash: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let final_path = path(dir, hash);
    let io = |doing: &'static str, path: &Path| {
        let path = path.to_path_buf();
        let hash = hash.to_owned();
        move |source| StoreError::BlobIo {
            doing,
            hash,
            path,
            source,
        }
    };
    if let Ok(existing) = fs::read(&final_path) {
        if self::hash(&existing) == hash {
            return Ok(());
        }
    }
    let folder = final_path.parent().unwrap_or(dir);
    fs::create_dir_all(folder).map_err(io("creating the folder for", folder))?;
    let tmp = folder.join(format!(".{hash}.{}.tmp", fastrand::u64(..)));
    let result = (|| {
        let mut file = fs::File::create(&tmp).map_err(io("creating a temp file for", &tmp))?;
        file.write_all(bytes).map_err(io("writing", &tmp))?;
        file.sync_all().map_err(io("flushing", &tmp))?;
        drop(file);
        fs::rename(&tmp, &final_path).map_err(io("moving into place", &final_path))?;
        sync_dir(folder).map_err(io("flushing the folder of", folder))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Reads a blob and checks its bytes against its hash. A mismatch moves the file to
/// `blobs/quarantine/`, records it, and returns [`StoreError::CorruptBlob`].
pub fn read(conn: &Connection, dir: &Path, hash: &str, now_ms: i64) -> Result<Vec<u8>, StoreError> {
    if !is_hash(hash) {
        return Err(StoreError::BlobNotFound { hash: hash.into() });
    }
    let file = path(dir, hash);
    let bytes = match fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::BlobNotFound { hash: hash.into() })
        }
        Err(source) => {
            return Err(StoreError::BlobIo {
                doing: "reading",
                hash: hash.into(),
                path: file,
                source,
            })
        }
    };
    let actual = self::hash(&bytes);
    if actual == hash {
        return Ok(bytes);
    }
    let detail = format!(
        "its {} bytes hash to {actual}; the file is damaged or truncated",
        bytes.len()
    );
    let kept_at = quarantine(conn, dir, hash, &detail, now_ms)?;
    Err(StoreError::CorruptBlob {
        hash: hash.into(),
        detail,
        kept_at,
    })
}

/// Moves a damaged blob file aside and records where.
fn quarantine(
    conn: &Connection,
    dir: &Path,
    hash: &str,
    error: &str,
    now_ms: i64,
) -> Result<PathBuf, StoreError> {
    let from = path(dir, hash);
    let folder = dir.join("quarantine");
    let to = folder.join(format!("{hash}.{now_ms}"));
    fs::create_dir_all(&folder)
        .and_then(|_| fs::rename(&from, &to))
        .and_then(|_| sync_dir(&folder))
        .map_err(|source| StoreError::BlobIo {
            doing: "moving aside damaged",
            hash: hash.into(),
            path: to.clone(),
            source,
        })?;
    conn.execute(
        "INSERT INTO quarantined_blobs (hash, kept_at, error, quarantined_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash, to.display().to_string(), error, now_ms],
    )
    .doing(|| format!("recording damaged blob {hash}"))?;
    Ok(to)
}

/// A blob's metadata.
pub fn meta(conn: &Connection, hash: &str) -> Result<Option<BlobMeta>, StoreError> {
    conn.prepare_cached(
        "SELECT hash, kind, media_type, size, width, height, derived_from, uploaded
         FROM blobs WHERE hash = ?1",
    )
    .and_then(|mut stmt| stmt.query_row([hash], read_meta).optional())
    .doing(|| format!("reading metadata of blob {hash}"))
}

fn read_meta(r: &rusqlite::Row<'_>) -> rusqlite::Result<BlobMeta> {
    Ok(BlobMeta {
        hash: r.get(0)?,
        kind: r.get(1)?,
        media_type: r.get(2)?,
        size: r.get(3)?,
        width: r.get(4)?,
        height: r.get(5)?,
        derived_from: r.get(6)?,
        uploaded: r.get::<_, i64>(7)? != 0,
    })
}

/// Blobs the server does not have yet, oldest first.
pub fn not_uploaded(conn: &Connection) -> Result<Vec<BlobMeta>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT hash, kind, media_type, size, width, height, derived_from, uploaded
             FROM blobs WHERE uploaded = 0 ORDER BY created_at, hash",
        )
        .doing(|| "listing blobs to upload".into())?;
    let rows = stmt
        .query_map([], read_meta)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "listing blobs to upload".into())?;
    Ok(rows)
}

/// Records that the server has a blob.
pub fn mark_uploaded(conn: &Connection, hash: &str) -> Result<(), StoreError> {
    conn.execute("UPDATE blobs SET uploaded = 1 WHERE hash = ?1", [hash])
        .doing(|| format!("marking blob {hash} uploaded"))?;
    Ok(())
}
