//! Quarantine: pushes the review did not let through, kept with who sent them, from
//! which device, what they would have done and why, until a supervisor releases one
//! (merged as the supervisor's decision) or discards it. Deciding resolves the order's
//! `quarantined` flag, so the decision is in the order's own audit trail, and removes
//! the notice the pushing device receives on every sync.

use crate::db::{Connection, OptionalExtension};
use automerge::AutoCommit;
use chrono::{DateTime, Utc};

use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::doc::requisition::RequisitionDoc;
use onsite_core::doc::Document as _;
use onsite_core::protocol::{HeldChange, HeldNotice};
use onsite_core::records::order::FlagKind;
use onsite_core::review::diff::FieldChange;
use onsite_core::role::{Actor, Role};

use super::docs::{self, StoredDoc};
use super::policy::{self, server_actor, Review};
use super::protocol::{DocKind, PushDoc};
use crate::devices::Principal;
use crate::error::ApiError;

/// What is kept of a held push.
pub struct Held<'a> {
    /// Its review: findings and what it did.
    pub review: &'a Review,
    /// The pushed Automerge bytes.
    pub bytes: &'a [u8],
    /// Merged and put back (true), or not merged (false).
    pub neutralised: bool,
}

/// Keeps a held push.
pub fn hold(
    tx: &Connection,
    who: &Principal,
    push: &PushDoc,
    code: &str,
    reason: &str,
    held: Held<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    tracing::warn!(doc = %push.doc_id, user = %who.account.id, device = %who.device_id, code, reason, "change quarantined");
    metrics::counter!("onsite_quarantined_total", "code" => code.to_string()).increment(1);
    let json = |v: &dyn erased::Json| v.to_json();
    tx.execute(
        "INSERT INTO quarantine (id, doc_id, kind, user_id, device_id, code, reason, data,
             neutralised, received_at, findings, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        (
            uuid::Uuid::now_v7().to_string(),
            &push.doc_id,
            push.kind.as_str(),
            &who.account.id,
            &who.device_id,
            code,
            reason,
            held.bytes,
            held.neutralised,
            now.to_rfc3339(),
            json(&held.review.findings),
            json(&held.review.changes),
        ),
    )?;
    Ok(())
}

mod erased {
    /// JSON of a value, for a TEXT column; these are plain data that always serialise.
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "[]".into())
        }
    }
}

/// This device's held pushes still waiting for a decision.
pub fn notices(tx: &Connection, device: &str) -> Result<Vec<HeldNotice>, ApiError> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, doc_id, code, reason, received_at FROM quarantine
         WHERE device_id = ?1 AND resolved_at IS NULL ORDER BY received_at, id",
    )?;
    let rows = stmt.query_map([device], |r| {
        Ok(HeldNotice {
            id: r.get(0)?,
            doc_id: r.get(1)?,
            code: r.get(2)?,
            reason: r.get(3)?,
            received_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const SELECT: &str = "SELECT q.id, q.doc_id, q.kind, q.user_id, coalesce(u.name, ''),
        q.device_id, coalesce(d.name, ''), q.received_at, q.code, q.reason, q.findings,
        q.changes, q.neutralised, q.resolution, q.resolved_by, q.resolved_at
    FROM quarantine q LEFT JOIN users u ON u.id = q.user_id
    LEFT JOIN devices d ON d.id = q.device_id";

fn row(r: &crate::db::Row<'_>) -> Result<(HeldChange, String, String), crate::db::StoreError> {
    let kind: String = r.get(2)?;
    let findings: String = r.get(10)?;
    let changes: String = r.get(11)?;
    let resolution: Option<String> = r.get(13)?;
    Ok((
        HeldChange {
            id: r.get(0)?,
            doc_id: r.get(1)?,
            kind: DocKind::parse(&kind).unwrap_or(DocKind::Order),
            user_id: r.get(3)?,
            user_name: r.get(4)?,
            device_id: r.get(5)?,
            device_name: r.get(6)?,
            received_at: r.get(7)?,
            code: r.get(8)?,
            reason: r.get(9)?,
            findings: vec![],
            changes: vec![],
            neutralised: r.get(12)?,
            status: match resolution.as_deref() {
                None => "open".into(),
                Some(s) => s.split(':').next().unwrap_or(s).to_string(),
            },
            decided_by: r.get(14)?,
            decided_at: r.get(15)?,
        },
        findings,
        changes,
    ))
}

fn parsed((mut held, findings, changes): (HeldChange, String, String)) -> HeldChange {
    // Stored by this server from the same types; an entry that does not parse still
    // lists, with its reason, rather than hiding the whole queue.
    held.findings = serde_json::from_str(&findings).unwrap_or_default();
    held.changes = serde_json::from_str::<Vec<FieldChange>>(&changes).unwrap_or_default();
    held
}

/// Held changes, oldest first: only the open ones unless `all`.
pub fn list(conn: &Connection, all: bool) -> Result<Vec<HeldChange>, ApiError> {
    let sql = format!(
        "{SELECT} WHERE ?1 OR q.resolved_at IS NULL ORDER BY q.received_at, q.id LIMIT 500"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([all], row)?;
    Ok(rows
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(parsed)
        .collect())
}

fn get(tx: &Connection, id: &str) -> Result<(HeldChange, Vec<u8>), ApiError> {
    let sql = format!("{SELECT} WHERE q.id = ?1");
    let found = tx.query_row(&sql, [id], row).optional()?;
    let Some(found) = found else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "errors.quarantine.not_found",
            format!("no held change {id}"),
        ));
    };
    let data: Vec<u8> = tx.query_row("SELECT data FROM quarantine WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    Ok((parsed(found), data))
}

/// A supervisor's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decide {
    /// Merge the held change as the supervisor's decision.
    Release,
    /// Keep the office copy as it is.
    Discard,
}

/// Decides held change `id` as supervisor `who`, writing the decision into the
/// document (the quarantined flag resolved, and for a release the change merged) and
/// into the quarantine entry.
#[tracing::instrument(skip_all, fields(held = %id, by = %who.account.id))]
pub fn decide(
    tx: &Connection,
    who: &Principal,
    id: &str,
    decision: Decide,
    note: &str,
    now: DateTime<Utc>,
) -> Result<HeldChange, ApiError> {
    if !who.account.role.reviews_held_changes() {
        return Err(ApiError::forbidden(
            "only a supervisor decides held changes",
        ));
    }
    let (held, data) = get(tx, id)?;
    if held.status != "open" {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "errors.quarantine.decided",
            format!("held change {id} was already {}", held.status),
        ));
    }
    let supervisor = Actor {
        user: who
            .account
            .id
            .parse()
            .map(onsite_core::UserId)
            .map_err(|e| ApiError::internal(format!("account id: {e}")))?,
        role: Role::Supervisor,
    };
    let word = match decision {
        Decide::Release => "released",
        Decide::Discard => "discarded",
    };
    let note = if note.trim().is_empty() {
        format!("held change {word} by a supervisor")
    } else {
        note.trim().to_string()
    };
    if let Some(mut stored) = docs::load(tx, &held.doc_id)? {
        if decision == Decide::Release {
            release_into(
                &mut stored,
                &held,
                &data,
                &supervisor,
                &server_actor(tx)?,
                now,
            )?;
        }
        if stored.kind == DocKind::Order {
            resolve_flag(tx, &mut stored, &held, &supervisor, &note, now)?;
        }
        stored.owner = policy::owner_of(stored.kind, &stored.doc).map_err(ApiError::internal)?;
        docs::save(tx, &mut stored)?;
    } else if decision == Decide::Release {
        // A held new document: released, it is created as pushed.
        let mut doc = AutoCommit::load(&data)
            .map_err(|e| ApiError::internal(format!("held change {id}: {e}")))?;
        let owner = policy::owner_of(held.kind, &doc).map_err(ApiError::internal)?;
        let _ = doc.get_heads();
        docs::save(
            tx,
            &mut StoredDoc {
                id: held.doc_id.clone(),
                kind: held.kind,
                doc,
                owner,
            },
        )?;
    }
    tx.execute(
        "UPDATE quarantine SET resolved_at = ?2, resolved_by = ?3, resolution = ?4 WHERE id = ?1",
        (
            id,
            now.to_rfc3339(),
            &who.account.id,
            format!("{word}: {note}"),
        ),
    )?;
    tracing::info!(held = %id, decision = word, "held change decided");
    let (held, _) = get(tx, id)?;
    Ok(held)
}

/// Merges a held change into the office copy. An unmerged one is merged as it was
/// pushed; one that was merged and put back has its values written again, as the
/// supervisor's change.
fn release_into(
    stored: &mut StoredDoc,
    held: &HeldChange,
    data: &[u8],
    supervisor: &Actor,
    server: &automerge::ActorId,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let failed = |e: String| ApiError::internal(format!("releasing held change {}: {e}", held.id));
    if !held.neutralised {
        stored
            .doc
            .load_incremental(data)
            .map_err(|e| failed(e.to_string()))?;
        if !stored.doc.get_missing_deps(&[]).is_empty() {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "errors.quarantine.missing_dependencies",
                "the held change depends on changes the office never received",
            ));
        }
        return Ok(());
    }
    stored.doc.set_actor(server.clone());
    let message = format!(
        "{}.release {} {}",
        stored.kind.as_str(),
        supervisor.role.as_str(),
        supervisor.user
    );
    match stored.kind {
        DocKind::Order => {
            let current: OrderDoc =
                onsite_core::ops::hydrate(&stored.doc).map_err(|e| failed(e.to_string()))?;
            let again: OrderDoc = reapplied(&current, &held.changes).map_err(failed)?;
            OrderDoc::reconcile_changes(&mut stored.doc, &current, &again)
                .map_err(|e| failed(e.to_string()))?;
        }
        DocKind::Requisition => {
            let current: RequisitionDoc =
                onsite_core::ops::hydrate(&stored.doc).map_err(|e| failed(e.to_string()))?;
            let again: RequisitionDoc = reapplied(&current, &held.changes).map_err(failed)?;
            autosurgeon::reconcile(&mut stored.doc, &again).map_err(|e| failed(e.to_string()))?;
        }
        DocKind::Complaint => {}
    }
    stored.doc.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message(message)
            .with_time(now.timestamp()),
    );
    Ok(())
}

fn reapplied<D: serde::Serialize + serde::de::DeserializeOwned>(
    current: &D,
    changes: &[FieldChange],
) -> Result<D, String> {
    let value = serde_json::to_value(current).map_err(|e| e.to_string())?;
    let value = onsite_core::review::diff::apply_changes(value, changes);
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Resolves the order's open `quarantined` flag for this held change, once no other
/// held change with the same code on the order is still open.
fn resolve_flag(
    tx: &Connection,
    stored: &mut StoredDoc,
    held: &HeldChange,
    supervisor: &Actor,
    note: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let others: i64 = tx.query_row(
        "SELECT count(*) FROM quarantine WHERE doc_id = ?1 AND code = ?2 AND id <> ?3
         AND resolved_at IS NULL",
        (&held.doc_id, &held.code, &held.id),
        |r| r.get(0),
    )?;
    if others > 0 {
        return Ok(());
    }
    let Ok(order) = onsite_core::ops::hydrate::<OrderDoc>(&stored.doc) else {
        return Ok(());
    };
    let Some(flag) = order
        .open_flags()
        .find(|f| f.kind == FlagKind::Quarantined && f.subject == held.code)
    else {
        return Ok(());
    };
    let rules = crate::company::rules(tx)?;
    let ctx = onsite_core::Ctx {
        actor: *supervisor,
        now,
        settings: &rules.for_order_doc(&order).settings,
        calendar: &rules.calendar,
    };
    stored.doc.set_actor(server_actor(tx)?);
    onsite_core::ops::apply(
        &mut stored.doc,
        &OrderOp::ResolveFlag {
            id: flag.id,
            note: note.to_string(),
            choice: None,
        },
        &ctx,
    )
    .map_err(|e| ApiError::internal(format!("resolving the quarantined flag: {e}")))?;
    Ok(())
}
