//! The office copy of every document: stored as a compacted Automerge save, with the
//! change sequence number that drives the change feed and the owner that scopes it.

use crate::db::{Connection, OptionalExtension};
use automerge::{AutoCommit, ChangeHash};

use super::protocol::DocKind;
use crate::error::ApiError;

/// One document as the server keeps it.
pub struct StoredDoc {
    pub id: String,
    pub kind: DocKind,
    pub doc: AutoCommit,
    /// The technician it is visible to, if any (an order's assignee, a requisition's
    /// requester). Office roles see everything.
    pub owner: Option<String>,
}

pub fn heads_to_strings(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(ToString::to_string).collect()
}

/// Parses hex change hashes, refusing the whole list if any is malformed.
pub fn parse_heads(heads: &[String]) -> Result<Vec<ChangeHash>, ApiError> {
    heads
        .iter()
        .map(|h| {
            h.parse().map_err(|_| {
                ApiError::bad_request(
                    "errors.sync.bad_heads",
                    format!("{h:?} is not a change hash"),
                )
            })
        })
        .collect()
}

/// Loads a document, reporting which one if its bytes are unreadable.
pub fn load(conn: &Connection, id: &str) -> Result<Option<StoredDoc>, ApiError> {
    let row: Option<(String, Vec<u8>, Option<String>)> = conn
        .query_row(
            "SELECT kind, data, owner FROM documents WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((kind, data, owner)) = row else {
        return Ok(None);
    };
    let kind = DocKind::parse(&kind)
        .ok_or_else(|| ApiError::internal(format!("document {id}: unknown kind {kind:?}")))?;
    let doc = AutoCommit::load(&data)
        .map_err(|e| ApiError::internal(format!("loading document {id}: {e}")))?;
    Ok(Some(StoredDoc {
        id: id.to_string(),
        kind,
        doc,
        owner,
    }))
}

/// Saves a document and gives it the next change sequence number, so every device
/// that may see it finds it in the change feed.
pub fn save(conn: &Connection, stored: &mut StoredDoc) -> Result<u64, ApiError> {
    let seq = latest_seq(conn)? + 1;
    let heads = serde_json::to_string(&heads_to_strings(&stored.doc.get_heads()))
        .map_err(|e| ApiError::internal(format!("encoding heads: {e}")))?;
    conn.execute(
        "INSERT INTO documents (id, kind, data, heads, owner, seq, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET data = excluded.data, heads = excluded.heads,
             owner = excluded.owner, seq = excluded.seq, updated_at = excluded.updated_at",
        (
            &stored.id,
            stored.kind.as_str(),
            stored.doc.save(),
            heads,
            &stored.owner,
            seq as i64,
            chrono::Utc::now().to_rfc3339(),
        ),
    )?;
    Ok(seq)
}

/// A document's save and heads exactly as stored.
pub struct Saved {
    pub kind: DocKind,
    pub data: Vec<u8>,
    pub heads: Vec<String>,
}

/// A document's saved bytes and heads exactly as stored, without loading it: what a
/// device that has never seen the document needs.
pub fn saved(conn: &Connection, id: &str) -> Result<Option<Saved>, ApiError> {
    let row: Option<(String, Vec<u8>, String)> = conn
        .query_row(
            "SELECT kind, data, heads FROM documents WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(kind, data, heads)| {
        let kind = DocKind::parse(&kind)
            .ok_or_else(|| ApiError::internal(format!("document {id}: unknown kind {kind:?}")))?;
        let heads = serde_json::from_str(&heads)
            .map_err(|e| ApiError::internal(format!("document {id}: heads: {e}")))?;
        Ok(Saved { kind, data, heads })
    })
    .transpose()
}

/// A document's heads as stored, without reading or loading its data.
pub fn heads(conn: &Connection, id: &str) -> Result<Option<Vec<String>>, ApiError> {
    let heads: Option<String> = conn
        .prepare_cached("SELECT heads FROM documents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    heads
        .map(|h| {
            serde_json::from_str(&h)
                .map_err(|e| ApiError::internal(format!("document {id}: heads: {e}")))
        })
        .transpose()
}

/// The newest change sequence number, which is where a device's cursor ends up.
pub fn latest_seq(conn: &Connection) -> Result<u64, ApiError> {
    let seq: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM documents", (), |r| {
        r.get(0)
    })?;
    Ok(seq as u64)
}

/// Documents changed after `cursor` that `owner` may see (all of them when `owner` is
/// None), oldest change first, at most `limit`.
pub fn changed_since(
    conn: &Connection,
    cursor: u64,
    owner: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, u64)>, ApiError> {
    // Two statements, not one with `?2 IS NULL OR owner = ?2`: SQLite plans a statement
    // once, and that plan walks the whole feed after the cursor filtering by owner. A
    // technician's feed must come straight from `documents_by_owner (owner, seq)`, or
    // every sync of every technician scans every document changed since its cursor.
    let row = |r: &crate::db::Row<'_>| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64));
    let rows = match owner {
        Some(owner) => conn
            .prepare_cached(
                "SELECT id, seq FROM documents WHERE owner = ?1 AND seq > ?2
                 ORDER BY seq LIMIT ?3",
            )?
            .query_map((owner, cursor as i64, limit as i64), row)?
            .collect::<Result<_, _>>()?,
        None => conn
            .prepare_cached("SELECT id, seq FROM documents WHERE seq > ?1 ORDER BY seq LIMIT ?2")?
            .query_map((cursor as i64, limit as i64), row)?
            .collect::<Result<_, _>>()?,
    };
    Ok(rows)
}
