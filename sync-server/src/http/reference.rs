//! `GET /v1/reference`: the parts catalog, stock locations and staff directory, with an
//! ETag so a device that already has the current version gets a bodiless 304.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use onsite_core::protocol::Reference;

use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ErrorBody};
use crate::reference;

/// Reference data for any signed-in device. Send the last `ETag` as `If-None-Match`.
#[utoipa::path(get, path = "/v1/reference", tag = "sync", security(("device_token" = [])),
    responses(
        (status = 200, body = Reference, headers(("ETag" = String))),
        (status = 304, description = "the device's copy is current"),
        (status = 401, body = ErrorBody)))]
pub async fn get_reference(
    State(state): State<AppState>,
    _who: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (json, etag) = reference::current(&state.db.conn())?;
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
