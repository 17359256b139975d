//! Sync: one round trip takes a device's changes, reviews and merges them into the office
//! copy, and returns what the device lacks since its cursor. The whole round trip is one
//! SQLite transaction, so a cut connection leaves either all of it or none.

pub mod budget;
pub mod docs;
pub mod inspect;
pub mod policy;
pub mod protocol;
pub mod reconcile;

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rusqlite::{Connection, OptionalExtension};

use crate::devices::Principal;
use crate::error::ApiError;
use docs::{heads_to_strings, parse_heads, StoredDoc};
use onsite_core::role::Role;
use policy::Verdict;
use protocol::*;

/// Most documents in one response; the device asks again while `more` is true.
pub const MAX_DOCS_PER_RESPONSE: usize = 200;
/// Roughly the most Automerge bytes in one response, before base64 and gzip.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Most documents one request may push.
pub const MAX_PUSH_DOCS: usize = 500;

/// Runs one sync round trip for `who` inside `tx`. Its pushes draw on `budget` (changes,
/// operations and inflated bytes for the whole request), which is left with what remains.
#[tracing::instrument(skip_all, fields(device = %who.device_id, cursor = ?request.cursor, push = request.push.len()))]
pub fn round_trip(
    tx: &Connection,
    who: &Principal,
    request: &SyncRequest,
    now: chrono::DateTime<chrono::Utc>,
    budget: &mut inspect::Budget,
) -> Result<SyncResponse, ApiError> {
    if request.push.len() > MAX_PUSH_DOCS {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "errors.sync.too_many_docs",
            format!("push at most {MAX_PUSH_DOCS} documents per request"),
        ));
    }
    let device = who.device_id.as_str();
    let pushed: BTreeSet<&str> = request.push.iter().map(|p| p.doc_id.as_str()).collect();
    acknowledge(tx, device, request.cursor, &pushed)?;

    let mut response = SyncResponse {
        server_time: now.to_rfc3339(),
        ..Default::default()
    };
    // Every document of the request draws on the same budget.
    for push in &request.push {
        response
            .push_results
            .push(push_one(tx, who, push, now, budget)?);
    }
    reconcile::after_push(tx, who, &response.push_results, now)?;

    let owner = (who.account.role == Role::Technician).then_some(who.account.id.as_str());
    let cursor = request.cursor.unwrap_or(0);
    response.removed = removals(tx, device, owner)?;
    let (docs, last_seq, more) = pull(tx, device, cursor, owner)?;
    response.docs = docs;
    response.more = more;
    response.cursor = if more {
        last_seq
    } else {
        docs::latest_seq(tx)?
    };
    record_sent(tx, device, response.cursor, &response)?;

    if let Some(offset) = clock_offset(request.client_time.as_deref(), now) {
        response.clock_offset_ms = Some(offset);
        tx.execute(
            "UPDATE devices SET clock_offset_ms = ?2 WHERE id = ?1",
            (device, offset),
        )?;
    }
    metrics::counter!("onsite_sync_requests_total").increment(1);
    metrics::counter!("onsite_sync_docs_sent_total").increment(response.docs.len() as u64);
    Ok(response)
}

/// Applies what the device confirms it stored: everything sent with a cursor up to the
/// one it sends back. Anything sent later never arrived and is simply sent again.
fn acknowledge(
    tx: &Connection,
    device: &str,
    cursor: Option<u64>,
    pushed: &BTreeSet<&str>,
) -> Result<(), ApiError> {
    let Some(cursor) = cursor else {
        // A first sync: the device holds nothing, whatever it held before.
        tx.execute("DELETE FROM device_docs WHERE device_id = ?1", [device])?;
        tx.execute("DELETE FROM sync_sent WHERE device_id = ?1", [device])?;
        return Ok(());
    };
    let mut stmt = tx.prepare_cached(
        "SELECT doc_id, heads FROM sync_sent WHERE device_id = ?1 AND cursor <= ?2 ORDER BY cursor",
    )?;
    let acked: Vec<(String, Option<String>)> = stmt
        .query_map((device, cursor as i64), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (doc_id, heads) in acked {
        match heads {
            Some(heads) => {
                tx.execute(
                    "INSERT INTO device_docs (device_id, doc_id, have) VALUES (?1, ?2, ?3)
                     ON CONFLICT(device_id, doc_id) DO UPDATE SET have = excluded.have",
                    (device, &doc_id, heads),
                )?;
            }
            // A removal notice: once acknowledged with nothing more pushed, the device
            // has dropped the document.
            None if !pushed.contains(doc_id.as_str()) => {
                tx.execute(
                    "DELETE FROM device_docs WHERE device_id = ?1 AND doc_id = ?2",
                    (device, &doc_id),
                )?;
            }
            None => {}
        }
    }
    tx.execute("DELETE FROM sync_sent WHERE device_id = ?1", [device])?;
    Ok(())
}

fn device_have(
    tx: &Connection,
    device: &str,
    doc_id: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let have: Option<String> = tx
        .query_row(
            "SELECT have FROM device_docs WHERE device_id = ?1 AND doc_id = ?2",
            (device, doc_id),
            |r| r.get(0),
        )
        .optional()?;
    have.map(|h| {
        serde_json::from_str(&h)
            .map_err(|e| ApiError::internal(format!("device_docs.have for {doc_id}: {e}")))
    })
    .transpose()
}

fn set_have(tx: &Connection, device: &str, doc_id: &str, have: &[String]) -> Result<(), ApiError> {
    let json = serde_json::to_string(have).map_err(|e| ApiError::internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO device_docs (device_id, doc_id, have) VALUES (?1, ?2, ?3)
         ON CONFLICT(device_id, doc_id) DO UPDATE SET have = excluded.have",
        (device, doc_id, json),
    )?;
    Ok(())
}

fn push_one(
    tx: &Connection,
    who: &Principal,
    push: &PushDoc,
    now: chrono::DateTime<chrono::Utc>,
    budget: &mut inspect::Budget,
) -> Result<PushResult, ApiError> {
    let doc_id = push.doc_id.clone();
    let reject = |code: &str, reason: String| {
        tracing::info!(doc = %doc_id, code, %reason, "push rejected");
        Ok(PushResult::Rejected {
            doc_id: doc_id.clone(),
            code: code.to_string(),
            reason,
        })
    };
    if uuid::Uuid::parse_str(&push.doc_id).is_err() {
        return reject("bad_doc_id", format!("{:?} is not a UUID", push.doc_id));
    }
    let Ok(bytes) = B64.decode(&push.data) else {
        return reject("bad_base64", "data is not base64".into());
    };
    // Before Automerge sees the bytes: it would inflate and expand them without limit.
    if let Err(refused) = inspect::inspect(&bytes, budget) {
        metrics::counter!("onsite_push_refused_total", "code" => refused.code).increment(1);
        return reject(refused.code, refused.reason);
    }
    let device_heads = parse_heads(&push.heads)?;
    let existing = docs::load(tx, &push.doc_id)?;
    if let Some(existing) = &existing {
        if existing.kind != push.kind {
            return reject(
                "kind_mismatch",
                format!("document is a {}", existing.kind.as_str()),
            );
        }
    }
    let mut merged = existing.as_ref().map(|e| e.doc.clone()).unwrap_or_default();
    if let Err(e) = merged.load_incremental(&bytes) {
        return reject(
            "unreadable_changes",
            format!("the changes could not be read: {e}"),
        );
    }
    if !merged.get_missing_deps(&[]).is_empty() {
        return reject(
            "missing_dependencies",
            "the changes depend on changes the server never received; send the whole document"
                .into(),
        );
    }
    // `load_incremental` skips chunks it cannot read without an error: a push is merged
    // only if every head the device claims is now in the office copy.
    if let Some(head) = device_heads
        .iter()
        .find(|h| merged.get_change_by_hash(h).is_none())
    {
        metrics::counter!("onsite_push_refused_total", "code" => "unreadable_changes").increment(1);
        return reject(
            "unreadable_changes",
            format!("change {head} could not be read from the pushed data; nothing was merged"),
        );
    }
    let had = device_have(tx, &who.device_id, &push.doc_id)?;
    let device_had = had.is_some();
    let verdict = policy::review(
        who.account.role,
        &who.account.id,
        push.kind,
        existing.as_ref().map(|e| &e.doc),
        &merged,
        device_had,
    );
    if !matches!(verdict, Verdict::Accept) {
        if let Some(reason) = quarantine_full(tx, &who.device_id, bytes.len())? {
            return reject("quarantine_full", reason);
        }
    }
    let (merged, result) = match verdict {
        Verdict::Accept => (
            merged,
            PushResult::Accepted {
                doc_id: doc_id.clone(),
            },
        ),
        Verdict::Hold { code, reason } => {
            quarantine(tx, who, push, &bytes, code, &reason, false, now)?;
            return Ok(PushResult::Quarantined {
                doc_id,
                code: code.to_string(),
                reason,
            });
        }
        Verdict::Restore {
            code,
            reason,
            restored,
        } => {
            quarantine(tx, who, push, &bytes, code, &reason, true, now)?;
            let result = PushResult::Quarantined {
                doc_id: doc_id.clone(),
                code: code.to_string(),
                reason,
            };
            (*restored, result)
        }
    };
    let owner = match policy::owner_of(push.kind, &merged) {
        Ok(owner) => owner,
        Err(e) => return reject("unreadable_document", e),
    };
    let mut stored = StoredDoc {
        id: push.doc_id.clone(),
        kind: push.kind,
        doc: merged,
        owner,
    };
    docs::save(tx, &mut stored)?;
    // The device has what it pushed; anything else the server holds is sent back below.
    let mut have = had.unwrap_or_default();
    have.extend(heads_to_strings(&device_heads));
    have.sort();
    have.dedup();
    set_have(tx, &who.device_id, &push.doc_id, &have)?;
    Ok(result)
}

/// Most held pushes one device may have waiting for review, and their bytes.
pub const MAX_QUARANTINE_PER_DEVICE: i64 = 100;
pub const MAX_QUARANTINE_BYTES_PER_DEVICE: i64 = 8 * 1024 * 1024;

/// Why this device may not have another push held, if it may not: its open quarantine
/// is at its quota. Such a push is rejected instead (nothing merged, the work stays
/// pending on the device) until a supervisor decides the held ones.
fn quarantine_full(tx: &Connection, device: &str, len: usize) -> Result<Option<String>, ApiError> {
    let (count, bytes): (i64, i64) = tx.query_row(
        "SELECT count(*), coalesce(sum(length(data)), 0) FROM quarantine
         WHERE device_id = ?1 AND resolved_at IS NULL",
        [device],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    if count >= MAX_QUARANTINE_PER_DEVICE
        || bytes.saturating_add(len) > MAX_QUARANTINE_BYTES_PER_DEVICE
    {
        metrics::counter!("onsite_quarantine_full_total").increment(1);
        return Ok(Some(format!(
            "this device already has {count} held pushes ({bytes} bytes) waiting for review; \
             at most {MAX_QUARANTINE_PER_DEVICE} and {MAX_QUARANTINE_BYTES_PER_DEVICE} bytes"
        )));
    }
    Ok(None)
}

#[allow(clippy::too_many_arguments)]
fn quarantine(
    tx: &Connection,
    who: &Principal,
    push: &PushDoc,
    bytes: &[u8],
    code: &str,
    reason: &str,
    neutralised: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    tracing::warn!(doc = %push.doc_id, user = %who.account.id, device = %who.device_id, code, reason, "change quarantined");
    metrics::counter!("onsite_quarantined_total", "code" => code.to_string()).increment(1);
    tx.execute(
        "INSERT INTO quarantine (id, doc_id, kind, user_id, device_id, code, reason, data, neutralised, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        (
            uuid::Uuid::now_v7().to_string(),
            &push.doc_id,
            push.kind.as_str(),
            &who.account.id,
            &who.device_id,
            code,
            reason,
            bytes,
            neutralised,
            now.to_rfc3339(),
        ),
    )?;
    Ok(())
}

/// Documents this device holds but its user may no longer see (an order reassigned to
/// someone else). Office roles see everything, so nothing leaves their devices.
fn removals(tx: &Connection, device: &str, owner: Option<&str>) -> Result<Vec<Removed>, ApiError> {
    let Some(owner) = owner else {
        return Ok(vec![]);
    };
    let mut stmt = tx.prepare_cached(
        "SELECT dd.doc_id FROM device_docs dd JOIN documents d ON d.id = dd.doc_id
         WHERE dd.device_id = ?1 AND (d.owner IS NULL OR d.owner <> ?2)",
    )?;
    let ids: Vec<String> = stmt
        .query_map((device, owner), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids
        .into_iter()
        .map(|doc_id| Removed {
            doc_id,
            reason: "reassigned".into(),
        })
        .collect())
}

fn pull(
    tx: &Connection,
    device: &str,
    cursor: u64,
    owner: Option<&str>,
) -> Result<(Vec<PullDoc>, u64, bool), ApiError> {
    let changed = docs::changed_since(tx, cursor, owner, MAX_DOCS_PER_RESPONSE + 1)?;
    let mut out = Vec::new();
    let mut bytes = 0usize;
    let mut last_seq = cursor;
    let mut more = changed.len() > MAX_DOCS_PER_RESPONSE;
    for (doc_id, seq) in changed.into_iter().take(MAX_DOCS_PER_RESPONSE) {
        if bytes >= MAX_RESPONSE_BYTES {
            more = true;
            break;
        }
        let have = device_have(tx, device, &doc_id)?.unwrap_or_default();
        let (kind, data, heads) = if have.is_empty() {
            // The device has never had it: the stored save is exactly what it needs.
            let Some(saved) = docs::saved(tx, &doc_id)? else {
                continue;
            };
            (saved.kind, saved.data, saved.heads)
        } else {
            // The device already holds every change the server has (typically a document
            // it has just pushed): nothing to send, and no need to load the document.
            let Some(stored_heads) = docs::heads(tx, &doc_id)? else {
                continue;
            };
            if stored_heads.iter().all(|h| have.contains(h)) {
                last_seq = seq;
                continue;
            }
            let Some(mut stored) = docs::load(tx, &doc_id)? else {
                continue;
            };
            // Heads the server has never seen (the device's unpushed work) are skipped:
            // save_after only needs the ones it knows.
            let known: Vec<_> = parse_heads(&have)?
                .into_iter()
                .filter(|h| stored.doc.get_change_by_hash(h).is_some())
                .collect();
            let data = stored.doc.save_after(&known);
            (stored.kind, data, heads_to_strings(&stored.doc.get_heads()))
        };
        last_seq = seq;
        if data.is_empty() {
            continue;
        }
        bytes += data.len();
        out.push(PullDoc {
            doc_id,
            kind,
            data: B64.encode(&data),
            heads,
        });
    }
    Ok((out, last_seq, more))
}

/// Remembers what this response carried, to be applied when the device acknowledges it.
fn record_sent(
    tx: &Connection,
    device: &str,
    cursor: u64,
    response: &SyncResponse,
) -> Result<(), ApiError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO sync_sent (device_id, cursor, doc_id, heads) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for doc in &response.docs {
        let heads =
            serde_json::to_string(&doc.heads).map_err(|e| ApiError::internal(e.to_string()))?;
        stmt.execute((device, cursor as i64, &doc.doc_id, heads))?;
    }
    for removed in &response.removed {
        stmt.execute((device, cursor as i64, &removed.doc_id, None::<String>))?;
    }
    Ok(())
}

fn clock_offset(client_time: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let client = chrono::DateTime::parse_from_rfc3339(client_time?).ok()?;
    Some((now - client.with_timezone(&chrono::Utc)).num_milliseconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quarantine_quota_counts_each_devices_open_pushes_and_their_bytes() -> anyhow::Result<()>
    {
        const MIB: usize = 1024 * 1024;
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        conn.execute(
            "INSERT INTO quarantine (id, doc_id, kind, user_id, device_id, code, reason, data, neutralised, received_at)
             VALUES ('q1', 'd', 'order', 'u', 'a', 'c', 'r', ?1, 0, 'then')",
            [vec![0u8; 7 * MIB]],
        )?;
        assert_eq!(
            quarantine_full(&conn, "a", MIB / 2)?,
            None,
            "room for half a MiB"
        );
        assert!(
            quarantine_full(&conn, "a", 2 * MIB)?.is_some(),
            "not for 2 MiB more"
        );
        assert_eq!(
            quarantine_full(&conn, "b", 2 * MIB)?,
            None,
            "the quota is per device"
        );
        conn.execute("UPDATE quarantine SET resolved_at = 'now'", [])?;
        assert_eq!(
            quarantine_full(&conn, "a", 2 * MIB)?,
            None,
            "decided pushes no longer count"
        );
        Ok(())
    }
}
