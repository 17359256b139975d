//! The `documents` and `document_chunks` tables: each Automerge document as a compacted
//! save plus the changes appended since, its sync bookkeeping (server heads, pending
//! mark), and `quarantined_documents` for documents that no longer decode. No
//! projections here: see `orders`, `search` and `stock`.

use automerge::{AutoCommit, Change, ChangeHash, LoadOptions, OnPartialLoad, VerificationMode};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Doing, StoreError};

pub use onsite_core::doc::DocKind;

/// One `documents` row without its save bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    /// Integer key, shared by the projection rows (and the FTS rowid).
    pub doc_no: i64,
    /// The document's UUID.
    pub doc_id: String,
    /// Stored kind, as text (validated by the table's CHECK).
    pub kind: String,
    /// Changes appended since the last compaction.
    pub chunk_count: i64,
    /// Sequence number the next appended change gets; never goes back, so it doubles as
    /// the row's version for optimistic checks.
    pub next_chunk: i64,
    /// Count of local edits ever committed.
    pub local_seq: i64,
    /// The `local_seq` the server has acknowledged.
    pub acked_seq: i64,
    /// Whether local edits wait to be synced.
    pub pending: bool,
}

const ROW_COLUMNS: &str =
    "doc_no, doc_id, kind, chunk_count, next_chunk, local_seq, acked_seq, pending";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRow> {
    Ok(DocRow {
        doc_no: r.get(0)?,
        doc_id: r.get(1)?,
        kind: r.get(2)?,
        chunk_count: r.get(3)?,
        next_chunk: r.get(4)?,
        local_seq: r.get(5)?,
        acked_seq: r.get(6)?,
        pending: r.get::<_, i64>(7)? != 0,
    })
}

/// Finds a document's row by id.
pub fn find(conn: &Connection, doc_id: &str) -> Result<Option<DocRow>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM documents WHERE doc_id = ?1"
    ))
    .and_then(|mut stmt| stmt.query_row([doc_id], row).optional())
    .doing(|| format!("looking up document {doc_id}"))
}

/// Every document row of one kind (or all kinds), in insertion order.
pub fn list(conn: &Connection, kind: Option<DocKind>) -> Result<Vec<DocRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM documents
             WHERE ?1 IS NULL OR kind = ?1 ORDER BY doc_no"
        ))
        .doing(|| "listing documents".into())?;
    let rows = stmt
        .query_map([kind.map(DocKind::as_str)], row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "listing documents".into())?;
    Ok(rows)
}

/// Documents with local edits the server has not acknowledged.
pub fn pending(conn: &Connection) -> Result<Vec<DocRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM documents WHERE pending = 1 ORDER BY doc_no"
        ))
        .doing(|| "listing documents waiting to sync".into())?;
    let rows = stmt
        .query_map([], row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "listing documents waiting to sync".into())?;
    Ok(rows)
}

/// Inserts a new document with its first save. `local` marks it pending sync.
pub fn insert(
    conn: &Connection,
    doc_id: &str,
    kind: DocKind,
    save: &[u8],
    local: bool,
    now_ms: i64,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO documents (doc_id, kind, save, local_seq, pending, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
    )
    .and_then(|mut stmt| stmt.execute(params![doc_id, kind.as_str(), save, local as i64, now_ms]))
    .doing(|| format!("storing new {kind} {doc_id}"))?;
    Ok(conn.last_insert_rowid())
}

/// Appends changes to a document, checking that the row is still at `expected_next`
/// (the version the caller loaded). Returns the new chunk count, or `None` if another
/// writer got there first.
pub fn append_changes(
    conn: &Connection,
    doc: &DocRow,
    expected_next: i64,
    changes: &[Vec<u8>],
    local: bool,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let n = changes.len() as i64;
    let updated = conn
        .prepare_cached(
            "UPDATE documents SET
                chunk_count = chunk_count + ?2,
                next_chunk = next_chunk + ?2,
                local_seq = local_seq + ?3,
                pending = CASE WHEN ?3 = 1 THEN 1 ELSE pending END,
                updated_at = ?4
             WHERE doc_no = ?1 AND next_chunk = ?5",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![doc.doc_no, n, local as i64, now_ms, expected_next])
        })
        .doing(|| format!("recording edit of {} {}", doc.kind, doc.doc_id))?;
    if updated == 0 {
        return Ok(None);
    }
    let mut stmt = conn
        .prepare_cached("INSERT INTO document_chunks (doc_no, seq, bytes) VALUES (?1, ?2, ?3)")
        .doing(|| format!("appending to {} {}", doc.kind, doc.doc_id))?;
    for (i, bytes) in changes.iter().enumerate() {
        stmt.execute(params![doc.doc_no, expected_next + i as i64, bytes])
            .doing(|| format!("appending change to {} {}", doc.kind, doc.doc_id))?;
    }
    Ok(Some(doc.chunk_count + n))
}

/// Replaces a document's save with a fresh compacted one and drops its chunks, in the
/// caller's transaction.
pub fn compact(conn: &Connection, doc: &DocRow, save: &[u8]) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE documents SET save = ?2, chunk_count = 0 WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.execute(params![doc.doc_no, save]))
        .and_then(|_| {
            conn.prepare_cached("DELETE FROM document_chunks WHERE doc_no = ?1")?
                .execute([doc.doc_no])
        })
        .doing(|| format!("compacting {} {}", doc.kind, doc.doc_id))?;
    Ok(())
}

/// A document's stored chunks: `(seq, bytes)` in order.
pub type Chunks = Vec<(i64, Vec<u8>)>;

/// The raw stored bytes of a document: its save and its chunks with their sequence.
pub fn raw(conn: &Connection, doc: &DocRow) -> Result<(Vec<u8>, Chunks), StoreError> {
    let doing = || format!("reading {} {}", doc.kind, doc.doc_id);
    let save: Vec<u8> = conn
        .prepare_cached("SELECT save FROM documents WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.query_row([doc.doc_no], |r| r.get(0)))
        .doing(doing)?;
    let mut stmt = conn
        .prepare_cached("SELECT seq, bytes FROM document_chunks WHERE doc_no = ?1 ORDER BY seq")
        .doing(doing)?;
    let chunks = stmt
        .query_map([doc.doc_no], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(doing)?;
    Ok((save, chunks))
}

/// Decodes a save and its chunks strictly: a truncated or altered save, a chunk that is
/// not exactly one valid change, or a change whose dependencies are missing is an error
/// naming the part at fault. Never returns a partial document.
pub fn decode(save: &[u8], chunks: &[(i64, Vec<u8>)]) -> Result<AutoCommit, String> {
    let mut doc = AutoCommit::load_with_options(
        save,
        LoadOptions::new()
            .on_partial_load(OnPartialLoad::Error)
            .verification_mode(VerificationMode::Check),
    )
    .map_err(|err| format!("compacted save ({} bytes): {err}", save.len()))?;
    let mut changes = Vec::with_capacity(chunks.len());
    for (seq, bytes) in chunks {
        let change = Change::from_bytes(bytes.clone())
            .map_err(|err| format!("change #{seq} ({} bytes): {err}", bytes.len()))?;
        check_checksum(&change, bytes).map_err(|detail| format!("change #{seq}: {detail}"))?;
        changes.push(change);
    }
    doc.apply_changes(changes)
        .map_err(|err| format!("applying stored changes: {err}"))?;
    let missing = doc.get_missing_deps(&[]);
    if !missing.is_empty() {
        return Err(format!(
            "{} stored change(s) depend on changes that are not stored, first {}",
            missing.len(),
            missing[0]
        ));
    }
    Ok(doc)
}

/// A change chunk's header carries the first four bytes of its hash; Automerge's parser
/// does not compare them, so a flipped bit in the body would otherwise go unnoticed.
fn check_checksum(change: &Change, bytes: &[u8]) -> Result<(), String> {
    let stored = bytes.get(4..8).ok_or("shorter than a chunk header")?;
    let hash = change.hash();
    if stored != &hash.0[..4] {
        return Err(format!(
            "checksum {} does not match contents {}",
            hex::encode(stored),
            hex::encode(&hash.0[..4])
        ));
    }
    Ok(())
}

/// The heads the server last acknowledged for a document.
pub fn server_heads(conn: &Connection, doc: &DocRow) -> Result<Vec<ChangeHash>, StoreError> {
    let bytes: Vec<u8> = conn
        .prepare_cached("SELECT server_heads FROM documents WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.query_row([doc.doc_no], |r| r.get(0)))
        .doing(|| format!("reading server heads of {} {}", doc.kind, doc.doc_id))?;
    decode_heads(&bytes).map_err(|detail| StoreError::BadHeads {
        kind: doc.kind.clone(),
        id: doc.doc_id.clone(),
        detail,
    })
}

/// Records that the server holds `heads` and every local edit up to `acked_seq`.
/// The pending mark stays if edits were made after that.
pub fn acknowledge(
    conn: &Connection,
    doc: &DocRow,
    heads: &[ChangeHash],
    acked_seq: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE documents SET
            server_heads = ?2,
            acked_seq = max(acked_seq, ?3),
            pending = CASE WHEN local_seq > max(acked_seq, ?3) THEN 1 ELSE 0 END
         WHERE doc_no = ?1",
    )
    .and_then(|mut stmt| stmt.execute(params![doc.doc_no, encode_heads(heads), acked_seq]))
    .doing(|| format!("recording sync of {} {}", doc.kind, doc.doc_id))?;
    Ok(())
}

/// Documents still marked for the check after a server restore (`store::restore`).
pub fn marked_for_restore(conn: &Connection) -> Result<Vec<DocRow>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM documents WHERE restore_check = 1"
        ))
        .doing(|| "listing documents marked after a restore".into())?;
    let rows = stmt
        .query_map([], row)
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "listing documents marked after a restore".into())?;
    Ok(rows)
}

/// Forgets which heads the server holds, so the next push sends every change of the
/// document rather than the part after those heads. The pending mark is untouched.
pub fn forget_server_heads(conn: &Connection, doc: &DocRow) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE documents SET server_heads = x'' WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.execute([doc.doc_no]))
        .doing(|| format!("forgetting server heads of {} {}", doc.kind, doc.doc_id))?;
    Ok(())
}

/// Moves a document that failed to decode into `quarantined_documents` (with all its
/// chunks) and removes it and its projection rows from the live tables. Returns the
/// quarantine row id.
pub fn quarantine(
    conn: &Connection,
    doc: &DocRow,
    error: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let doing = || format!("moving damaged {} {} aside", doc.kind, doc.doc_id);
    conn.execute(
        "INSERT INTO quarantined_documents (doc_id, kind, save, server_heads, error, quarantined_at)
         SELECT doc_id, kind, save, server_heads, ?2, ?3 FROM documents WHERE doc_no = ?1",
        params![doc.doc_no, error, now_ms],
    )
    .doing(doing)?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO quarantined_chunks (quarantine_id, seq, bytes)
         SELECT ?2, seq, bytes FROM document_chunks WHERE doc_no = ?1",
        params![doc.doc_no, id],
    )
    .doing(doing)?;
    // The FTS table has no foreign key: delete its row by hand. The rest cascades.
    conn.execute("DELETE FROM order_search WHERE rowid = ?1", [doc.doc_no])
        .doing(doing)?;
    conn.execute("DELETE FROM documents WHERE doc_no = ?1", [doc.doc_no])
        .doing(doing)?;
    Ok(id)
}

/// A document kept aside because it failed to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// Row id in `quarantined_documents`.
    pub id: i64,
    /// The document's id.
    pub doc_id: String,
    /// Its kind, as stored.
    pub kind: String,
    /// Why it was set aside.
    pub error: String,
    /// The bytes of its compacted save, unchanged.
    pub save: Vec<u8>,
    /// Its chunks, unchanged.
    pub chunks: Vec<(i64, Vec<u8>)>,
}

/// Every quarantined document, oldest first, with its bytes.
/// Removes a document that left this user's scope, with its chunks and projection rows,
/// and keeps a note of it (`label` is what the user knew it by, e.g. the order number).
pub fn remove(
    conn: &Connection,
    doc: &DocRow,
    label: &str,
    reason: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let doing = || format!("removing {} {}", doc.kind, doc.doc_id);
    conn.execute(
        "INSERT INTO removed_documents (doc_id, kind, label, reason, removed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(doc_id) DO UPDATE SET label = excluded.label, reason = excluded.reason,
             removed_at = excluded.removed_at",
        params![doc.doc_id, doc.kind, label, reason, now_ms],
    )
    .doing(doing)?;
    conn.execute("DELETE FROM order_search WHERE rowid = ?1", [doc.doc_no])
        .doing(doing)?;
    conn.execute("DELETE FROM documents WHERE doc_no = ?1", [doc.doc_no])
        .doing(doing)?;
    Ok(())
}

/// A document that left this device, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub doc_id: String,
    pub kind: String,
    pub label: String,
    pub reason: String,
    pub removed_at: i64,
}

/// The note kept for a removed document, if any.
pub fn removed(conn: &Connection, doc_id: &str) -> Result<Option<Removed>, StoreError> {
    conn.query_row(
        "SELECT doc_id, kind, label, reason, removed_at FROM removed_documents WHERE doc_id = ?1",
        [doc_id],
        |r| {
            Ok(Removed {
                doc_id: r.get(0)?,
                kind: r.get(1)?,
                label: r.get(2)?,
                reason: r.get(3)?,
                removed_at: r.get(4)?,
            })
        },
    )
    .optional()
    .doing(|| format!("reading the removal note of {doc_id}"))
}

pub fn quarantined(conn: &Connection) -> Result<Vec<Quarantined>, StoreError> {
    let doing = || "listing quarantined documents".to_string();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, doc_id, kind, error, save FROM quarantined_documents ORDER BY id",
        )
        .doing(doing)?;
    let mut docs = stmt
        .query_map([], |r| {
            Ok(Quarantined {
                id: r.get(0)?,
                doc_id: r.get(1)?,
                kind: r.get(2)?,
                error: r.get(3)?,
                save: r.get(4)?,
                chunks: Vec::new(),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(doing)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, bytes FROM quarantined_chunks WHERE quarantine_id = ?1 ORDER BY seq",
        )
        .doing(doing)?;
    for doc in &mut docs {
        doc.chunks = stmt
            .query_map([doc.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .doing(doing)?;
    }
    Ok(docs)
}

/// Heads as stored: 32-byte hashes back to back.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// The inverse of [`encode_heads`].
pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, String> {
    if !bytes.chunks_exact(32).remainder().is_empty() {
        return Err(format!(
            "{} bytes is not a whole number of hashes",
            bytes.len()
        ));
    }
    bytes
        .chunks_exact(32)
        .map(|c| ChangeHash::try_from(c).map_err(|err| err.to_string()))
        .collect()
}
