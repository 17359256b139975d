//! Over-use resolved for real: the storekeeper's (or a supervisor's) movement that puts
//! the ledger right, and the `stock_over_use` flag resolved with the movement it used
//! (`choice` = `late_issue`, `transfer` or `count_adjustment`), in one transaction. A late
//! issue or a transfer is a requisition raised, approved and issued at once (as every
//! transfer to a van, `stock.rs`); a count adjustment is one of the office's own
//! movements (`stock_adjustments`). The orders' usage records are never touched. Once
//! the balance is back at zero or above, the same shortage's flags on the other orders
//! involved are resolved with the same fix.

use crate::db::Connection;
use chrono::{DateTime, Utc};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::ids::{MovementId, RequisitionId};
use onsite_core::office::StockTransfer;
use onsite_core::over_use_fix::{OverUseError, OverUseFix, OverUseResolution};
use onsite_core::records::catalog::{Location, LocationKind};
use onsite_core::records::order::{FlagKind, FlagParams};
use onsite_core::role::Actor;
use onsite_core::stock::{Ledger, Movement, MovementKind};
use onsite_core::{ops, Ctx};

use super::audit::{self, By};
use super::not_found;
use crate::error::ApiError;
use crate::reference;
use crate::sync::docs;
use crate::sync::policy::server_actor;

impl From<OverUseError> for ApiError {
    fn from(err: OverUseError) -> Self {
        let status = match &err {
            OverUseError::NotPermitted { .. } => axum::http::StatusCode::FORBIDDEN,
            OverUseError::NotAShortage => axum::http::StatusCode::CONFLICT,
            _ => axum::http::StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, err.code(), err.to_string()).with_details(err.details())
    }
}

fn order(conn: &Connection, id: &str) -> Result<(docs::StoredDoc, OrderDoc), ApiError> {
    let stored = docs::load(conn, id)?
        .filter(|s| s.kind == crate::sync::protocol::DocKind::Order)
        .ok_or_else(|| not_found("errors.order.unknown_record", format!("no order {id}")))?;
    let doc = ops::hydrate::<OrderDoc>(&stored.doc)
        .map_err(|e| ApiError::internal(format!("order {id}: {e}")))?;
    Ok((stored, doc))
}

/// Resolves the open over-use flags of one order for the shortage of `part_number` at
/// `location`, as `actor`, recording `choice`. Returns how many it resolved.
// The shortage (part, place) and the resolution (who, note, choice, when) as they are.
#[allow(clippy::too_many_arguments)]
fn resolve_flags(
    conn: &Connection,
    doc_id: &str,
    only: Option<onsite_core::ids::RecordId>,
    part_number: &str,
    location: onsite_core::ids::LocationId,
    actor: Actor,
    note: &str,
    choice: &str,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let (mut stored, order) = order(conn, doc_id)?;
    let flags: Vec<_> = order
        .flags
        .iter()
        .filter(|f| f.is_open() && f.kind == FlagKind::StockOverUse && f.subject == part_number)
        .filter(|f| only.is_none_or(|id| id == f.id))
        .filter(|f| {
            f.params.iter().any(
                |p| matches!(p, FlagParams::StockBelowZero { location: l, .. } if *l == location),
            )
        })
        .map(|f| f.id)
        .collect();
    if flags.is_empty() {
        return Ok(0);
    }
    let rules = crate::company::rules(conn)?;
    let ctx = Ctx {
        actor,
        now,
        settings: rules.settings(),
        calendar: &rules.calendar,
    };
    // The office's edit is the server's change, recording the person who made it (as
    // the transfers' requisitions do).
    stored.doc.set_actor(server_actor(conn)?);
    for id in &flags {
        let op = OrderOp::ResolveFlag {
            id: *id,
            note: note.to_string(),
            choice: Some(choice.to_string()),
        };
        ops::apply(&mut stored.doc, &op, &ctx).map_err(|e| {
            ApiError::new(axum::http::StatusCode::FORBIDDEN, e.code(), e.to_string())
        })?;
    }
    docs::save(conn, &mut stored)?;
    Ok(flags.len())
}

/// Records the fix and resolves the flag (and, once the balance is whole again, the same
/// shortage's flags on the other orders). A fix whose id was already recorded answers
/// without recording it again.
pub fn resolve(
    conn: &Connection,
    actor: Actor,
    by: By<'_>,
    r: &OverUseResolution,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let doc_id = r.order.to_string();
    let (_, order) = order(conn, &doc_id)?;
    let flag =
        order.flags.iter().find(|f| f.id == r.flag).ok_or_else(|| {
            not_found("errors.order.unknown_record", format!("no flag {}", r.flag))
        })?;
    if !flag.is_open() {
        // Already settled: by this same request sent again, or by someone else.
        let same = flag
            .resolution
            .as_ref()
            .is_some_and(|res| res.choice.as_deref() == Some(r.fix.as_str()));
        return if same {
            Ok(())
        } else {
            Err(OverUseError::NotAShortage.into())
        };
    }
    let Some((part_number, location, location_name)) = (flag.kind == FlagKind::StockOverUse)
        .then(|| {
            flag.params.iter().find_map(|p| match p {
                FlagParams::StockBelowZero {
                    part_number,
                    location,
                    location_name,
                    ..
                } => Some((part_number.clone(), *location, location_name.clone())),
                _ => None,
            })
        })
        .flatten()
    else {
        return Err(OverUseError::NotAShortage.into());
    };
    let reference = reference::load(conn)?;
    let part = reference
        .parts
        .iter()
        .find(|p| p.number == part_number)
        .ok_or_else(|| {
            not_found(
                "errors.catalog.unknown_part",
                format!("{part_number} is not in the catalog"),
            )
        })?;
    // Usage comes out of a van: one no one registered is a team van of an older set-up
    // (decisions.md), named as the flag names it.
    let at = reference
        .locations
        .iter()
        .find(|l| l.id == location)
        .cloned()
        .unwrap_or_else(|| Location {
            id: location,
            name: location_name
                .clone()
                .unwrap_or_else(|| location.to_string()),
            kind: LocationKind::Van,
            holder: None,
        });
    let at = &at;
    let from = match &r.fix {
        OverUseFix::LateIssue { from, .. } | OverUseFix::Transfer { from, .. } => Some(
            reference
                .locations
                .iter()
                .find(|l| l.id == *from)
                .ok_or_else(|| {
                    not_found(
                        "errors.stock.unknown_location",
                        format!("no stock location {from}"),
                    )
                })?,
        ),
        OverUseFix::CountAdjustment { .. } => None,
    };
    r.fix.check(actor.role, at, from, &r.note)?;
    let note = r.note.trim();
    match &r.fix {
        OverUseFix::LateIssue {
            from,
            quantity,
            serials,
        }
        | OverUseFix::Transfer {
            from,
            quantity,
            serials,
        } => {
            let t = StockTransfer {
                id: RequisitionId(r.id),
                from: *from,
                to: at.id,
                part: part.id,
                quantity: *quantity,
                serials: serials.clone(),
                note: format!("{} · {note}", order.number),
            };
            super::stock::transfer_from_any(conn, actor, by, &t, order.assignee, now)?;
        }
        OverUseFix::CountAdjustment { quantity } => {
            let m = Movement {
                id: MovementId(r.id),
                at: now,
                by: actor.user,
                kind: MovementKind::CountAdjustment,
                part: part.id,
                quantity: *quantity,
                from: None,
                to: Some(at.id),
                serials: vec![],
                reason: note.to_string(),
                reference: Some(r.order.0),
            };
            super::counts::record_adjustment(conn, &m, &part.number, &order.number)?;
        }
    }
    let choice = r.fix.as_str();
    resolve_flags(
        conn,
        &doc_id,
        Some(r.flag),
        &part_number,
        location,
        actor,
        note,
        choice,
        now,
    )?;
    let balance = Ledger::from_movements(super::stock::ledger(conn)?.into_iter().map(|(m, _)| m))
        .balance(part.id, location);
    if balance >= 0 {
        // The shortage is settled for every order that shared it.
        let others = conn
            .prepare_cached(
                "SELECT DISTINCT doc_id FROM flag_index WHERE kind = ?1 AND subject = ?2 AND doc_id <> ?3",
            )?
            .query_map(
                (FlagKind::StockOverUse.as_str(), &part_number, &doc_id),
                |row| row.get::<_, String>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for other in others {
            resolve_flags(
                conn,
                &other,
                None,
                &part_number,
                location,
                actor,
                note,
                choice,
                now,
            )?;
        }
    }
    audit::record(
        conn,
        by,
        "stock_over_use_resolved",
        &part_number,
        &serde_json::json!({
            "order": order.number, "fix": choice, "location": at.name, "balance": balance,
        })
        .to_string(),
        now,
    )?;
    Ok(())
}
