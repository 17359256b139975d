//! Sync: one round trip takes a device's changes, reviews and merges them into the office
//! copy, and returns what the device lacks since its cursor. The whole round trip is one
//! database transaction, so a cut connection leaves either all of it or none; the
//! decoding, merging and judging of its pushes are done before it ([`prepare`]) and only
//! checked there.

pub mod attest;
pub mod budget;
pub mod docs;
pub mod fresh;
pub mod inspect;
pub mod offsets;
pub mod phases;
pub mod policy;
pub mod protocol;
pub mod quarantine;
pub mod reconcile;

use std::collections::BTreeSet;

use crate::db::{Connection, OptionalExtension};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

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

/// A request's pushes prepared outside the write transaction ([`prepare`]): each push's
/// bytes decoded and inspected, merged onto the stored document as it was then, and
/// judged on what the server held then ([`Grounds`]).
#[derive(Default)]
pub struct Prepared {
    pushes: Vec<Prep>,
    /// What the judgements were made on; None if nothing was judged.
    grounds: Option<Grounds>,
}

/// One push prepared, or the answer if it was refused before decoding.
enum Prep {
    Refused {
        code: &'static str,
        reason: String,
    },
    Ready {
        bytes: Vec<u8>,
        device_heads: Vec<automerge::ChangeHash>,
        base: Box<Base>,
    },
}

/// The stored document a push was merged onto, the merge, and its judgement if made.
struct Base {
    existing: Option<StoredDoc>,
    merged: Result<automerge::AutoCommit, (&'static str, String)>,
    judged: Option<Judged>,
}

/// A push judged before the write lock, and the device's standing it was judged on.
struct Judged {
    standing: policy::Standing,
    review: policy::Review,
}

/// What a judgement depends on beyond the document and the device's standing with it,
/// read once for a request's pushes: the round trip reads them again under the write
/// lock and judges again only if they changed in between (an office edit of the stock
/// locations or the company's settings, a restore's new epoch).
#[derive(PartialEq)]
struct Grounds {
    foreign_locations: Vec<onsite_core::ids::LocationId>,
    rules: onsite_core::CompanyRules,
    server_actor: automerge::ActorId,
}

/// The expensive part of a round trip's pushes, run on a read connection so that no
/// other round trip waits for it: decoding, inspection (drawing on `budget`, which is
/// left with what remains), loading the stored document, merging the pushed changes
/// onto a copy and judging the merge. Nothing is written here; [`round_trip`] does that
/// in the write transaction, after checking that the authorship holds, and merges and
/// judges again there if the document or the grounds changed in between.
#[tracing::instrument(skip_all, fields(push = request.push.len()))]
pub fn prepare(
    reader: &Connection,
    who: &Principal,
    request: &SyncRequest,
    budget: &mut inspect::Budget,
) -> Result<Prepared, ApiError> {
    if request.push.len() > MAX_PUSH_DOCS {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "errors.sync.too_many_docs",
            format!("push at most {MAX_PUSH_DOCS} documents per request"),
        ));
    }
    let pusher = pusher(reader, who)?;
    let grounds = Grounds {
        foreign_locations: pusher.foreign_locations.clone(),
        rules: crate::company::rules(reader)?,
        server_actor: policy::actor_in(&crate::db::epoch(reader)?),
    };
    // Every document of the request draws on the same budget.
    let mut pushes = Vec::with_capacity(request.push.len());
    for push in &request.push {
        let mut prep = prepare_one(reader, push, budget)?;
        if let Prep::Ready { base, .. } = &mut prep {
            base.judged = prejudge(reader, who, request.cursor, push, base, &pusher, &grounds)?;
        }
        pushes.push(prep);
    }
    Ok(Prepared {
        pushes,
        grounds: Some(grounds),
    })
}

/// Judges a prepared merge on the reader, unless there is nothing to judge or the
/// judgement needs what only the write transaction may read (a requisition's stock
/// book), or the push is refused before any judgement anyway.
fn prejudge(
    reader: &Connection,
    who: &Principal,
    cursor: Option<u64>,
    push: &PushDoc,
    base: &mut Base,
    pusher: &onsite_core::review::Pusher,
    grounds: &Grounds,
) -> Result<Option<Judged>, ApiError> {
    let Ok(merged) = &mut base.merged else {
        return Ok(None);
    };
    if push.kind == DocKind::Requisition {
        return Ok(None);
    }
    if let Some(existing) = &mut base.existing {
        if existing.kind != push.kind || merged.get_heads() == existing.doc.get_heads() {
            return Ok(None);
        }
    }
    // The standing the round trip will see once it has applied the acknowledgement this
    // request carries (see `acknowledge`): a first sync holds nothing, and a document
    // sent in a response the device now confirms is held. Otherwise a device's first
    // push after a pull would always be judged twice.
    let device = who.device_id.as_str();
    let holds = match cursor {
        None => false,
        Some(cursor) => {
            device_have(reader, device, &push.doc_id)?.is_some()
                || reader
                    .prepare_cached(
                        "SELECT 1 FROM sync_sent WHERE device_id = ?1 AND doc_id = ?2
                         AND cursor <= ?3 AND heads IS NOT NULL",
                    )?
                    .exists((device, push.doc_id.as_str(), cursor as i64))?
        }
    };
    let standing = standing(reader, device, &push.doc_id, holds)?;
    let review = policy::judge(
        pusher,
        &push.doc_id,
        push.kind,
        base.existing.as_mut().map(|e| &mut e.doc),
        merged,
        standing,
        &grounds.rules,
        None,
        &grounds.server_actor,
    );
    Ok(Some(Judged { standing, review }))
}

/// How the device stands with a document (see [`policy::Standing`]), `holds` saying
/// whether the server has it down as holding the document.
fn standing(
    conn: &Connection,
    device: &str,
    doc_id: &str,
    holds: bool,
) -> Result<policy::Standing, ApiError> {
    Ok(if !holds {
        policy::Standing::Stranger
    } else if told_removed(conn, device, doc_id)? {
        policy::Standing::Told
    } else {
        policy::Standing::Holder
    })
}

fn prepare_one(
    reader: &Connection,
    push: &PushDoc,
    budget: &mut inspect::Budget,
) -> Result<Prep, ApiError> {
    if uuid::Uuid::parse_str(&push.doc_id).is_err() {
        return Ok(Prep::Refused {
            code: "bad_doc_id",
            reason: format!("{:?} is not a UUID", push.doc_id),
        });
    }
    let Ok(bytes) = B64.decode(&push.data) else {
        return Ok(Prep::Refused {
            code: "bad_base64",
            reason: "data is not base64".into(),
        });
    };
    // Before Automerge sees the bytes: it would inflate and expand them without limit.
    if let Err(refused) = inspect::inspect(&bytes, budget) {
        metrics::counter!("onsite_push_refused_total", "code" => refused.code).increment(1);
        return Ok(Prep::Refused {
            code: refused.code,
            reason: refused.reason,
        });
    }
    let device_heads = parse_heads(&push.heads)?;
    let base = Box::new(merge_onto(reader, &push.doc_id, &bytes, &device_heads)?);
    Ok(Prep::Ready {
        bytes,
        device_heads,
        base,
    })
}

/// Loads the stored document through `conn` and merges `bytes` onto a copy of it.
fn merge_onto(
    conn: &Connection,
    doc_id: &str,
    bytes: &[u8],
    device_heads: &[automerge::ChangeHash],
) -> Result<Base, ApiError> {
    let existing = docs::load(conn, doc_id)?;
    let mut merged = existing.as_ref().map(|e| e.doc.clone()).unwrap_or_default();
    let merged = match merged.load_incremental(bytes) {
        Err(e) => Err((
            "unreadable_changes",
            format!("the changes could not be read: {e}"),
        )),
        Ok(_) if !merged.get_missing_deps(&[]).is_empty() => Err((
            "missing_dependencies",
            "the changes depend on changes the server never received; send the whole document"
                .to_string(),
        )),
        Ok(_) => {
            // `load_incremental` skips chunks it cannot read without an error: a push is
            // merged only if every head the device claims is now in the office copy.
            match device_heads
                .iter()
                .find(|h| merged.get_change_by_hash(h).is_none())
            {
                Some(head) => Err((
                    "unreadable_changes",
                    format!(
                        "change {head} could not be read from the pushed data; nothing was merged"
                    ),
                )),
                None => Ok(merged),
            }
        }
    };
    Ok(Base {
        existing,
        merged,
        judged: None,
    })
}

/// Whether the document is stored in `tx` exactly as `base` found it: the same heads
/// (so the same changes), kind and owner, or absent in both. Any save changes the heads.
fn still_current(tx: &Connection, doc_id: &str, base: &mut Base) -> Result<bool, ApiError> {
    let row: Option<(String, String, Option<String>)> = tx
        .prepare_cached("SELECT kind, heads, owner FROM documents WHERE id = ?1")?
        .query_row([doc_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(match (row, &mut base.existing) {
        (None, None) => true,
        (Some((kind, heads, owner)), Some(existing)) => {
            let heads: Vec<String> = serde_json::from_str(&heads)
                .map_err(|e| ApiError::internal(format!("document {doc_id}: heads: {e}")))?;
            let mut stored = heads;
            stored.sort();
            let mut prepared = heads_to_strings(&existing.doc.get_heads());
            prepared.sort();
            kind == existing.kind.as_str() && owner == existing.owner && stored == prepared
        }
        _ => false,
    })
}

/// Runs one sync round trip for `who` inside `tx`, with the pushes [`prepare`]d from
/// `request` (one per pushed document, in order).
#[tracing::instrument(skip_all, fields(device = %who.device_id, cursor = ?request.cursor, push = request.push.len()))]
pub fn round_trip(
    tx: &Connection,
    who: &Principal,
    request: &SyncRequest,
    prepared: Prepared,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SyncResponse, ApiError> {
    if prepared.pushes.len() != request.push.len() {
        return Err(ApiError::internal(format!(
            "{} pushes prepared for {} pushed",
            prepared.pushes.len(),
            request.push.len()
        )));
    }
    let device = who.device_id.as_str();
    let pushed: BTreeSet<&str> = request.push.iter().map(|p| p.doc_id.as_str()).collect();
    acknowledge(tx, device, request.cursor, &pushed)?;

    let mut response = SyncResponse {
        server_time: now.to_rfc3339(),
        epoch: crate::db::epoch(tx)?,
        ..Default::default()
    };
    // The server's changes in this round trip, made once from the epoch just read.
    let server_actor = policy::actor_in(&response.epoch);
    // Measured first, so the pushes of this round trip are corrected with it.
    let offset = clock_offset(request.client_time.as_deref(), now);
    let mut fresh = fresh::FreshDocs::new();
    if !request.push.is_empty() {
        // Who pushed and the company's rules, read once for every push of the round
        // trip; the judgements made before the lock stand if they were made on the same.
        let pusher = pusher(tx, who)?;
        let rules = crate::company::rules(tx)?;
        let prejudged = prepared.grounds.as_ref().is_some_and(|then| {
            then.foreign_locations == pusher.foreign_locations
                && then.rules == rules
                && then.server_actor == server_actor
        });
        if !prejudged && prepared.grounds.is_some() {
            metrics::counter!("onsite_push_grounds_changed_total").increment(1);
        }
        for (push, prepared) in request.push.iter().zip(prepared.pushes) {
            let ctx = PushCtx {
                offset_ms: offset,
                now,
                pusher: &pusher,
                rules: &rules,
                prejudged,
                server_actor: &server_actor,
            };
            response
                .push_results
                .push(push_one(tx, who, push, prepared, ctx, &mut fresh)?);
        }
    }
    phases::time(phases::RECONCILE, || {
        reconcile::after_push(tx, who, &response.push_results, fresh, now)
    })?;

    let pulled = std::time::Instant::now();
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
    response.held = quarantine::notices(tx, device)?;
    phases::record(phases::PULL, pulled);

    if let Some(offset) = offset {
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
            // The device was told and still pushes to it: its pending work is taken
            // this once; anything it writes after is held (`policy::Standing::Told`).
            None => {
                tx.execute(
                    "UPDATE device_docs SET told_removed = 1 WHERE device_id = ?1 AND doc_id = ?2",
                    (device, &doc_id),
                )?;
            }
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

/// What every push of one round trip shares.
#[derive(Clone, Copy)]
struct PushCtx<'a> {
    /// The device's clock offset measured in this round trip.
    offset_ms: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
    /// Who pushed, read once per round trip.
    pusher: &'a onsite_core::review::Pusher,
    /// The company's rules, read once per round trip.
    rules: &'a onsite_core::CompanyRules,
    /// Whether judgements made before the lock were made on these same grounds.
    prejudged: bool,
    /// The actor the server writes as in its current epoch.
    server_actor: &'a automerge::ActorId,
}

fn push_one(
    tx: &Connection,
    who: &Principal,
    push: &PushDoc,
    prepared: Prep,
    ctx: PushCtx<'_>,
    fresh: &mut fresh::FreshDocs,
) -> Result<PushResult, ApiError> {
    let PushCtx { offset_ms, now, .. } = ctx;
    let reviewing = std::time::Instant::now();
    let doc_id = push.doc_id.clone();
    let reject = |code: &str, reason: String| {
        tracing::info!(doc = %doc_id, code, %reason, "push rejected");
        Ok(PushResult::Rejected {
            doc_id: doc_id.clone(),
            code: code.to_string(),
            reason,
        })
    };
    let (bytes, device_heads, mut base) = match prepared {
        Prep::Refused { code, reason } => return reject(code, reason),
        Prep::Ready {
            bytes,
            device_heads,
            base,
        } => (bytes, device_heads, base),
    };
    // The document may have changed since the push was prepared (another round trip
    // committed, or an earlier push of this request): then merge again, here. Rare, and
    // correct either way.
    let Base {
        mut existing,
        merged,
        judged,
    } = if still_current(tx, &push.doc_id, &mut base)? {
        *base
    } else {
        metrics::counter!("onsite_push_prepared_stale_total").increment(1);
        merge_onto(tx, &push.doc_id, &bytes, &device_heads)?
    };
    if let Some(existing) = &existing {
        if !visible(tx, who, existing)? {
            // The same answer whatever the document is, so a push never tells a
            // technician that a document they may not see exists, or what kind it is.
            if let Some(reason) = quarantine_full(tx, &who.device_id, bytes.len())? {
                return reject("quarantine_full", reason);
            }
            return hold_unseen(tx, who, push, &bytes, now);
        }
        if existing.kind != push.kind {
            return reject(
                "kind_mismatch",
                format!("document is a {}", existing.kind.as_str()),
            );
        }
    }
    let mut merged = match merged {
        Ok(merged) => merged,
        Err((code, reason)) => {
            if code == "unreadable_changes" {
                metrics::counter!("onsite_push_refused_total", "code" => code).increment(1);
            }
            return reject(code, reason);
        }
    };
    let had = device_have(tx, &who.device_id, &push.doc_id)?;
    let before_heads = match existing.as_mut() {
        Some(e) => e.doc.get_heads(),
        None => vec![],
    };
    let nothing_new = existing.is_some() && merged.get_heads() == before_heads;
    let review = if nothing_new {
        // Changes the office already holds (a retry): nothing to judge.
        policy::Review {
            verdict: Verdict::Accept,
            changes: vec![],
            findings: vec![],
            owner: existing.as_ref().map(|e| e.owner.clone()),
            reviewed: None,
        }
    } else {
        let authorship = attest::check(tx, who, &before_heads, &mut merged, now)?;
        let standing = standing(tx, &who.device_id, &push.doc_id, had.is_some())?;
        let judged = match judged {
            // Judged before the lock on the same document, grounds and standing.
            Some(judged) if ctx.prejudged && judged.standing == standing => judged.review,
            _ => {
                let book = match push.kind {
                    DocKind::Requisition => Some(crate::office::requisitions::StockBook::read(tx)?),
                    _ => None,
                };
                policy::judge(
                    ctx.pusher,
                    &push.doc_id,
                    push.kind,
                    existing.as_mut().map(|e| &mut e.doc),
                    &mut merged,
                    standing,
                    ctx.rules,
                    book.as_ref(),
                    ctx.server_actor,
                )
            }
        };
        policy::attest(judged, authorship, who.account.role)
    };
    phases::record(phases::REVIEW, reviewing);
    let storing = std::time::Instant::now();
    let held = |neutralised: bool| quarantine::Held {
        review: &review,
        bytes: &bytes,
        neutralised,
    };
    if !matches!(review.verdict, Verdict::Accept) {
        if let Some(reason) = quarantine_full(tx, &who.device_id, bytes.len())? {
            return reject("quarantine_full", reason);
        }
    }
    let (merged, result) = match &review.verdict {
        Verdict::Accept => (
            merged,
            PushResult::Accepted {
                doc_id: doc_id.clone(),
            },
        ),
        Verdict::Hold { code, reason } => {
            quarantine::hold(tx, who, push, code, reason, held(false), now)?;
            return Ok(PushResult::Quarantined {
                doc_id,
                code: code.clone(),
                reason: reason.clone(),
            });
        }
        Verdict::Restore {
            code,
            reason,
            restored,
        } => {
            quarantine::hold(tx, who, push, code, reason, held(true), now)?;
            let result = PushResult::Quarantined {
                doc_id: doc_id.clone(),
                code: code.clone(),
                reason: reason.clone(),
            };
            ((**restored).clone(), result)
        }
    };
    let mut merged = merged;
    if let (PushResult::Accepted { .. }, DocKind::Order, Some(offset)) =
        (&result, push.kind, offset_ms)
    {
        // The device's clock is off: its newly recorded instants keep their time, and
        // the offset measured in this round trip goes beside them.
        offsets::note(
            existing.as_ref().map(|e| &e.doc),
            &mut merged,
            &who.device_id,
            offset,
            ctx.server_actor.clone(),
            now,
        );
    }
    let owner = match review.owner.clone() {
        Some(owner) => owner,
        None => match policy::owner_of(push.kind, &merged) {
            Ok(owner) => owner,
            Err(e) => return reject("unreadable_document", e),
        },
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
    // Reconciliation reads the order next: it takes it from here, not from the bytes.
    fresh::keep(fresh, stored, review.reviewed);
    phases::record(phases::STORE, storing);
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

/// Whether `who` may see `doc`: office roles see everything, a technician their own
/// documents and those their device still holds (work pending from before a
/// reassignment).
fn visible(tx: &Connection, who: &Principal, doc: &StoredDoc) -> Result<bool, ApiError> {
    if who.account.role != Role::Technician || doc.owner.as_deref() == Some(&who.account.id) {
        return Ok(true);
    }
    Ok(device_have(tx, &who.device_id, &doc.id)?.is_some())
}

/// Holds a push to a document its author may not see, with the answer a push to any
/// such document gets.
fn hold_unseen(
    tx: &Connection,
    who: &Principal,
    push: &PushDoc,
    bytes: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PushResult, ApiError> {
    let (code, reason) = policy::NOT_ASSIGNED;
    let review = policy::Review {
        verdict: Verdict::Hold {
            code: code.into(),
            reason: reason.into(),
        },
        changes: vec![],
        findings: vec![],
        owner: None,
        reviewed: None,
    };
    let held = quarantine::Held {
        review: &review,
        bytes,
        neutralised: false,
    };
    quarantine::hold(tx, who, push, code, reason, held, now)?;
    Ok(PushResult::Quarantined {
        doc_id: push.doc_id.clone(),
        code: code.into(),
        reason: reason.into(),
    })
}

/// Who pushed, for the review: the attested user, and the stock locations that are not
/// theirs (other technicians' vans, warehouses).
fn pusher(tx: &Connection, who: &Principal) -> Result<onsite_core::review::Pusher, ApiError> {
    let user: onsite_core::UserId = who
        .account
        .id
        .parse()
        .map(onsite_core::UserId)
        .map_err(|e| ApiError::internal(format!("account id {}: {e}", who.account.id)))?;
    let mut stmt =
        tx.prepare_cached("SELECT id FROM locations WHERE holder IS NULL OR holder <> ?1")?;
    let foreign = stmt
        .query_map([&who.account.id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|id| id.parse().ok().map(onsite_core::ids::LocationId))
        .collect();
    Ok(onsite_core::review::Pusher {
        actor: onsite_core::Actor {
            user,
            role: who.account.role,
        },
        foreign_locations: foreign,
    })
}

fn told_removed(tx: &Connection, device: &str, doc_id: &str) -> Result<bool, ApiError> {
    let told: Option<bool> = tx
        .query_row(
            "SELECT told_removed FROM device_docs WHERE device_id = ?1 AND doc_id = ?2",
            (device, doc_id),
            |r| r.get(0),
        )
        .optional()?;
    Ok(told.unwrap_or(false))
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
        conn.execute("UPDATE quarantine SET resolved_at = 'now'", ())?;
        assert_eq!(
            quarantine_full(&conn, "a", 2 * MIB)?,
            None,
            "decided pushes no longer count"
        );
        Ok(())
    }
}
