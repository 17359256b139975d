//! `POST /v1/sync`: one round trip of the sync protocol (see `docs/sync-protocol.md`).

use axum::extract::State;
use axum::Json;

use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::sync::{self, protocol::SyncRequest, protocol::SyncResponse};

/// Pushes the device's changes and pulls what it lacks since its cursor.
#[utoipa::path(post, path = "/v1/sync", tag = "sync", security(("device_token" = [])),
    request_body = SyncRequest,
    responses(
        (status = 200, body = SyncResponse),
        (status = 400, description = "malformed request", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 413, description = "request too large", body = ErrorBody),
        (status = 415, description = "not JSON", body = ErrorBody),
        (status = 422, description = "JSON of the wrong shape", body = ErrorBody),
        (status = 429, description = "the device used up its push budget (`errors.sync.device_budget`)", body = ErrorBody)))]
pub async fn sync(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Json<SyncResponse>, ApiError> {
    let clock = state.clock.clone();
    let db = state.db.clone();
    let pushed = !request.push.is_empty();
    let started = std::time::Instant::now();
    // The device's own allowance first, by the bytes it sends, before anything is decoded.
    let bytes: u64 = request.push.iter().map(|p| p.data.len() as u64).sum();
    let device = who.device_id.clone();
    let given = state.budgets.take(&device, bytes, started)?;
    // Decoding and merging a push is CPU work (a second for a 4 MB order): it runs on a
    // blocking thread with a read connection of its own, so other devices' round trips
    // do not wait for it. Only judging and storing the merge takes the write connection.
    let (request, prepared, left) = tokio::task::spawn_blocking({
        let (db, mut left, who) = (db.clone(), given.clone(), who.clone());
        move || -> Result<_, ApiError> {
            let prepared = if request.push.is_empty() {
                sync::Prepared::default()
            } else {
                sync::phases::time(sync::phases::PREPARE, || {
                    db.with_reader(|conn| sync::prepare(conn, &who, &request, &mut left))
                })?
            };
            for push in &request.push {
                db.prepared(&push.doc_id);
            }
            Ok((request, prepared, left))
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("preparing a push: {e}")))??;
    // Judging and storing run in one commit with the round trips of other devices
    // syncing at the same moment.
    let queued = std::time::Instant::now();
    let (response, latest) = db
        .group_transaction(move |tx| {
            sync::phases::record(sync::phases::WAIT, queued);
            let response = sync::phases::time(sync::phases::ROUND_TRIP, || {
                sync::round_trip(tx, &who, &request, prepared, clock.now())
            })?;
            Ok((response, sync::docs::latest_seq(tx)?))
        })
        .await?;
    state.budgets.spend(&device, &given, &left);
    metrics::histogram!("onsite_sync_seconds").record(started.elapsed().as_secs_f64());
    if pushed {
        // Wake the devices waiting in `wait` so that they sync now.
        state.announce(latest);
    }
    Ok(Json(response))
}

/// How long a device may wait for changes in one request.
const MAX_WAIT_SECONDS: u64 = 60;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct WaitQuery {
    /// The device's stored cursor.
    pub cursor: u64,
    /// Seconds to wait before answering `changed: false` (at most 60; default 25).
    pub timeout_s: Option<u64>,
    /// The ETag of the reference data the device holds: the poll also answers
    /// `changed: true` once the reference data differs (new settings, calendar …).
    pub reference: Option<String>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WaitResponse {
    /// True when something this device may see changed after `cursor`: sync now.
    pub changed: bool,
}

/// A long poll: answers as soon as a document this device may see changes after
/// `cursor`, or with `changed: false` when the timeout passes. A device online keeps one
/// of these open, so new dispatches reach it within a second without polling.
#[utoipa::path(get, path = "/v1/sync/wait", tag = "sync", security(("device_token" = [])),
    params(WaitQuery),
    responses((status = 200, body = WaitResponse), (status = 401, body = ErrorBody)))]
pub async fn wait(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(query): ApiQuery<WaitQuery>,
) -> Result<Json<WaitResponse>, ApiError> {
    let timeout =
        std::time::Duration::from_secs(query.timeout_s.unwrap_or(25).min(MAX_WAIT_SECONDS));
    let deadline = tokio::time::Instant::now() + timeout;
    let owner =
        (who.account.role == onsite_core::role::Role::Technician).then(|| who.account.id.clone());
    let mut changes = state.changes.subscribe();
    loop {
        // Subscribe before checking, so a change between the check and the wait is seen.
        changes.mark_unchanged();
        // Off the async workers: the connection may be busy with a group of round trips.
        let (db, owner_now, held) = (state.db.clone(), owner.clone(), query.reference.clone());
        let changed = tokio::task::spawn_blocking(move || -> Result<bool, ApiError> {
            let conn = db.conn();
            let docs = sync::docs::changed_since(&conn, query.cursor, owner_now.as_deref(), 1)?;
            if !docs.is_empty() {
                return Ok(true);
            }
            Ok(match held {
                Some(held) => crate::reference::current(&conn)?.1 != held,
                None => false,
            })
        })
        .await
        .map_err(|e| ApiError::internal(format!("wait task: {e}")))??;
        if changed {
            return Ok(Json(WaitResponse { changed: true }));
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            Ok(Err(_)) | Err(_) => return Ok(Json(WaitResponse { changed: false })),
        }
    }
}
