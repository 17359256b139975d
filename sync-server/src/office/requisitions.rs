//! Requisitions at the office: the approval, issue and take-back queues, and the desk's
//! actions on a requisition (approve 审批, reject, issue 发放, take back 归还 with its
//! outcome: back to stock, to the supplier, or scrapped 报废). Each action is the
//! requisition operation of `onsite-core`, applied here as the signed-in user under the
//! same rules the devices apply, and checked against the warehouse's book balance
//! first; the server writes it into the document with its own actor, recording the user
//! in the event, as transfers do. Every movement is one ledger entry.

use std::collections::BTreeMap;

use crate::db::Connection;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use onsite_core::doc::order::OrderDoc;
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionError, RequisitionStatus};
use onsite_core::ids::{LocationId, OrderId, PartId, RequisitionId};
use onsite_core::parts_flow::{
    self, QueueEntry, QueueHandBack, QueueLine, RequisitionAction, RequisitionQueue, TakenBackView,
};
use onsite_core::protocol::Reference;
use onsite_core::role::Actor;
use onsite_core::stock::Ledger;
use onsite_core::{ops, Ctx, DomainError};

use super::audit::{self, By};
use super::not_found;
use crate::error::ApiError;
use crate::reference;
use crate::sync::docs::{self, StoredDoc};
use crate::sync::protocol::DocKind;

/// The server-wide ledger with the locations' names: what approvals and issues are
/// checked against, on the desk and in pushes.
#[derive(Debug, Clone)]
pub struct StockBook {
    ledger: Ledger,
    names: BTreeMap<LocationId, String>,
}

impl StockBook {
    /// The ledger as it stands (receipts and the movements of every document).
    pub fn read(conn: &Connection) -> Result<Self, ApiError> {
        let ledger =
            Ledger::from_movements(super::stock::ledger(conn)?.into_iter().map(|(m, _)| m));
        let names = reference::load(conn)?
            .locations
            .into_iter()
            .map(|l| (l.id, l.name))
            .collect();
        Ok(Self { ledger, names })
    }

    /// The book balance of `part` at `location`.
    pub fn available(&self, part: PartId, location: LocationId) -> i64 {
        self.ledger.balance(part, location)
    }

    /// The location's name, or its id when it has none.
    pub fn name(&self, location: LocationId) -> String {
        self.names
            .get(&location)
            .cloned()
            .unwrap_or_else(|| location.to_string())
    }
}

fn refused(err: RequisitionError) -> ApiError {
    let status = match err {
        RequisitionError::RoleNotPermitted { .. }
        | RequisitionError::NotRequester { .. }
        | RequisitionError::ValuableNeedsSupervisor => StatusCode::FORBIDDEN,
        RequisitionError::NotEnoughStock { .. }
        | RequisitionError::NotAllowedInStatus { .. }
        | RequisitionError::AlreadyTakenBack { .. } => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, err.code(), err.to_string()).with_details(err.details())
}

fn domain(err: DomainError) -> ApiError {
    match err {
        DomainError::Requisition(e) => refused(e),
        other => ApiError::internal(format!("requisition: {other}")),
    }
}

fn load(conn: &Connection, id: RequisitionId) -> Result<(StoredDoc, RequisitionDoc), ApiError> {
    let missing = || not_found("errors.requisition.unknown", format!("no requisition {id}"));
    let stored = docs::load(conn, &id.to_string())?.ok_or_else(missing)?;
    if stored.kind != DocKind::Requisition {
        return Err(missing());
    }
    let doc = ops::hydrate::<RequisitionDoc>(&stored.doc).map_err(domain)?;
    Ok((stored, doc))
}

/// Applies a desk action to requisition `id` as `actor`. Refused, with the rule's code
/// and nothing written, when the role may not, the status does not allow it, or the
/// warehouse does not hold what is approved or issued. An action whose record id the
/// requisition already holds was done and changes nothing. Returns whether a document
/// was written (for waking long polls).
pub fn act(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    id: RequisitionId,
    action: &RequisitionAction,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let (mut stored, req) = load(conn, id)?;
    if let Some(record) = action.record() {
        let done = req.events.iter().any(|e| e.id == record)
            || req
                .handbacks
                .iter()
                .any(|h| h.taken_back.as_ref().is_some_and(|t| t.id == record));
        if done {
            return Ok(false);
        }
    }
    let op = action.op();
    let book = StockBook::read(conn)?;
    req.check_stock(&op, &book.name(req.warehouse), |part| {
        book.available(part, req.warehouse)
    })
    .map_err(refused)?;
    let rules = crate::company::rules(conn)?;
    let ctx = Ctx {
        actor,
        now,
        settings: rules.settings(),
        calendar: &rules.calendar,
    };
    stored
        .doc
        .set_actor(crate::sync::policy::server_actor(conn)?);
    let applied = ops::apply(&mut stored.doc, &op, &ctx).map_err(domain)?;
    docs::save(conn, &mut stored)?;
    let detail = serde_json::json!({ "action": op.name_str(), "status": applied.doc.status });
    audit::record(
        conn,
        by,
        &format!("requisition_{}", op.name_str()),
        &req.number,
        &detail.to_string(),
        now,
    )?;
    Ok(true)
}

/// The office's queues, with what `actor` may do on each entry.
pub fn queue(
    conn: &Connection,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<RequisitionQueue, ApiError> {
    let ids = conn
        .prepare_cached("SELECT id FROM documents WHERE kind = 'requisition' ORDER BY seq")?
        .query_map((), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let reference = reference::load(conn)?;
    let book = StockBook::read(conn)?;
    let rules = crate::company::rules(conn)?;
    let mut orders: BTreeMap<OrderId, Option<String>> = BTreeMap::new();
    let mut out = RequisitionQueue::default();
    let mut docs_ = Vec::new();
    for id in ids {
        let Some(stored) = docs::load(conn, &id)? else {
            continue;
        };
        match ops::hydrate::<RequisitionDoc>(&stored.doc) {
            Ok(r) => docs_.push(r),
            Err(e) => {
                tracing::warn!(doc = %id, error = %e, "queue skipped an unreadable requisition")
            }
        }
    }
    docs_.sort_by_key(|r| (r.requested_at, r.id));
    for r in docs_ {
        let pending_back = r.handbacks.iter().any(|h| h.taken_back.is_none());
        let to_issue = matches!(
            r.status,
            RequisitionStatus::Approved | RequisitionStatus::Issued
        ) && r.lines.iter().any(|l| l.approved > l.issued);
        let to_approve = r.status == RequisitionStatus::Requested && !r.lines.is_empty();
        if !(pending_back || to_issue || to_approve) {
            continue;
        }
        let entry = entry(conn, &reference, &book, &mut orders, &r, actor, now, &rules)?;
        if to_approve {
            out.to_approve.push(entry.clone());
        }
        if to_issue {
            out.to_issue.push(entry.clone());
        }
        if pending_back {
            out.to_take_back.push(entry);
        }
    }
    Ok(out)
}

fn order_number(
    conn: &Connection,
    cache: &mut BTreeMap<OrderId, Option<String>>,
    id: OrderId,
) -> Result<Option<String>, ApiError> {
    if let Some(n) = cache.get(&id) {
        return Ok(n.clone());
    }
    let number = match docs::load(conn, &id.to_string())? {
        Some(stored) => ops::hydrate::<OrderDoc>(&stored.doc).ok().map(|o| o.number),
        None => None,
    };
    cache.insert(id, number.clone());
    Ok(number)
}

// The entry needs each of these; bundling them would only be for this call.
#[allow(clippy::too_many_arguments)]
fn entry(
    conn: &Connection,
    reference: &Reference,
    book: &StockBook,
    orders: &mut BTreeMap<OrderId, Option<String>>,
    r: &RequisitionDoc,
    actor: Actor,
    now: DateTime<Utc>,
    rules: &onsite_core::CompanyRules,
) -> Result<QueueEntry, ApiError> {
    let person = |user: onsite_core::ids::UserId| {
        reference
            .staff
            .iter()
            .find(|s| s.id == user)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| user.to_string())
    };
    let part_name = |part: PartId| {
        reference
            .parts
            .iter()
            .find(|p| p.id == part)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let mut handbacks = Vec::new();
    for h in &r.handbacks {
        let order_number = match h.order {
            Some(o) => order_number(conn, orders, o)?,
            None => None,
        };
        handbacks.push(QueueHandBack {
            id: h.id.to_string(),
            what: h.what,
            part_number: h.part_number.clone(),
            part_name: part_name(h.part),
            quantity: h.quantity,
            serials: h.serials.clone(),
            order_number,
            note: h.note.clone(),
            by_name: person(h.by.user),
            at: h.at.to_rfc3339(),
            taken_back: h.taken_back.as_ref().map(|t| TakenBackView {
                outcome: t.outcome,
                reason: t.reason.clone(),
                by_name: person(t.by.user),
                at: t.at.to_rfc3339(),
            }),
        });
    }
    let order_number = match r.order {
        Some(o) => order_number(conn, orders, o)?,
        None => None,
    };
    Ok(QueueEntry {
        id: r.id.to_string(),
        number: r.number.clone(),
        status: r.status,
        requester_name: person(r.requester),
        van_name: book.name(r.van),
        warehouse_name: book.name(r.warehouse),
        order_number,
        requested_at: r.requested_at.to_rfc3339(),
        approved_by: r.approval.as_ref().map(|a| person(a.by.user)),
        reason: r.reason.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| QueueLine {
                id: l.id.to_string(),
                part: l.part.to_string(),
                part_number: l.part_number.clone(),
                part_name: part_name(l.part),
                valuable: l.valuable,
                serialized: l.serialized,
                requested: l.requested,
                approved: l.approved,
                issued: l.issued,
                returned: l.returned,
                in_warehouse: book.available(l.part, r.warehouse),
            })
            .collect(),
        handbacks,
        checks: parts_flow::checks(r, actor, now, rules.settings(), &rules.calendar),
    })
}
