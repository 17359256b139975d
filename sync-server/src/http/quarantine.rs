//! Quarantine review for supervisors (`/v1/quarantine`): the held changes with who sent
//! them from which device, what they would have done and why; releasing or discarding
//! one. And `/v1/actors`: who each Automerge actor is, for audit views that show the
//! enrolled device and the attested user rather than a hex actor id.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use onsite_core::protocol::{ActorEntry, Decision, HeldChange};

use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::sync::quarantine::{self, Decide};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Include the decided ones too (default: open only).
    #[serde(default)]
    pub all: bool,
}

/// Held changes, oldest first. Supervisors only.
#[utoipa::path(get, path = "/v1/quarantine", tag = "quarantine", security(("device_token" = [])),
    params(ListQuery),
    responses((status = 200, body = [HeldChange]), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<HeldChange>>, ApiError> {
    if !who.account.role.reviews_held_changes() {
        return Err(ApiError::forbidden(
            "only a supervisor reviews held changes",
        ));
    }
    Ok(Json(quarantine::list(&state.db.conn(), query.all)?))
}

async fn decide(
    state: AppState,
    who: Principal,
    id: String,
    decision: Decide,
    note: String,
) -> Result<Json<HeldChange>, ApiError> {
    let clock = state.clock.clone();
    let db = state.db.clone();
    let (held, latest) = db
        .group_transaction(move |tx| {
            let held = quarantine::decide(tx, &who, &id, decision, &note, clock.now())?;
            Ok((held, crate::sync::docs::latest_seq(tx)?))
        })
        .await?;
    // The decision changed the document: devices waiting on the change feed sync now.
    state.announce(latest);
    Ok(Json(held))
}

/// Releases a held change: merged into the office copy as the supervisor's decision,
/// recorded on the order (its quarantined flag resolved) and in the entry.
#[utoipa::path(post, path = "/v1/quarantine/{id}/release", tag = "quarantine",
    security(("device_token" = [])),
    params(("id" = String, Path, description = "the held change")),
    request_body = Decision,
    responses((status = 200, body = HeldChange), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "already decided", body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(decision): ApiJson<Decision>,
) -> Result<Json<HeldChange>, ApiError> {
    decide(state, who, id, Decide::Release, decision.note).await
}

/// Discards a held change: the office copy stays as it is; the decision is recorded.
#[utoipa::path(post, path = "/v1/quarantine/{id}/discard", tag = "quarantine",
    security(("device_token" = [])),
    params(("id" = String, Path, description = "the held change")),
    request_body = Decision,
    responses((status = 200, body = HeldChange), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "already decided", body = ErrorBody)))]
pub async fn discard(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(decision): ApiJson<Decision>,
) -> Result<Json<HeldChange>, ApiError> {
    decide(state, who, id, Decide::Discard, decision.note).await
}

/// Every bound Automerge actor with its device and attested user, so an audit trail
/// shows "李伟 on Li's phone" instead of an actor prefix. With an `ETag`, as reference
/// data has: a device whose copy is current (`If-None-Match`) gets a bodiless 304.
#[utoipa::path(get, path = "/v1/actors", tag = "accounts", security(("device_token" = [])),
    responses((status = 200, body = [ActorEntry], headers(("ETag" = String))),
        (status = 304, description = "the device's copy is current"),
        (status = 401, body = ErrorBody)))]
pub async fn actors(
    State(state): State<AppState>,
    _who: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let out = actor_list(&state.db.conn())?;
    let json = serde_json::to_vec(&out).map_err(|e| ApiError::internal(e.to_string()))?;
    let etag = crate::reference::etag(&json);
    let current = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if current {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/json".to_string()),
        ],
        json,
    )
        .into_response())
}

fn actor_list(conn: &crate::db::Connection) -> Result<Vec<ActorEntry>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.actor, a.device_id, d.name, a.user_id, u.name, u.role
         FROM device_actors a JOIN devices d ON d.id = a.device_id
         JOIN users u ON u.id = a.user_id ORDER BY a.bound_at, a.actor",
    )?;
    let rows = stmt.query_map((), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (actor, device_id, device_name, user_id, user_name, role) = row?;
        let role = crate::accounts::parse_role(&role)?;
        out.push(ActorEntry {
            actor,
            device_id,
            device_name,
            user_id,
            user_name,
            role,
        });
    }
    Ok(out)
}
