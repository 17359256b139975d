//! `/v1/office/counts…` and `/v1/office/stock/{levels,movements,minimums,over-use}`:
//! stock counts (盘点), over-use settled by a movement, and the stock views. Viewing and
//! the storekeeper's steps need the stock area (storekeepers and supervisors); each step
//! is then checked again by its own rule (only a supervisor approves a count), in
//! `crate::office::{counts, over_use, stock_views}`. Writes that change the ledger catch
//! the ledger index up in the same transaction and wake the long polls.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use onsite_core::ids::{LocationId, PartId};
use onsite_core::office::OfficeArea;
use onsite_core::over_use_fix::OverUseResolution;
use onsite_core::stock_count::{CountEntry, CountSummary, CountView, NewCount};
use onsite_core::stock_views::{HistoryEntry, MovementFilter, StockMinimum, StockRow};
use uuid::Uuid;

use super::office::{actor, write};
use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::office::audit::By;
use crate::office::{counts, over_use, stock_views};
use crate::sync::reconcile;

fn may(who: &Principal) -> Result<(), ApiError> {
    Ok(OfficeArea::Stock.check(who.account.role)?)
}

fn count_id(id: &str) -> Result<Uuid, ApiError> {
    id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "errors.stock_count.unknown",
            format!("no stock count {id}"),
        )
    })
}

/// Every stock count, newest first.
#[utoipa::path(get, path = "/v1/office/counts", tag = "office", security(("device_token" = [])),
    responses((status = 200, body = [Object]), (status = 403, body = ErrorBody)))]
pub async fn list_counts(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<CountSummary>>, ApiError> {
    may(&who)?;
    Ok(Json(counts::list(&state.db.conn())?))
}

/// Opens a count of a warehouse or van: the book figures are fixed now. Idempotent by id.
#[utoipa::path(post, path = "/v1/office/counts", tag = "office", security(("device_token" = [])),
    request_body = NewCount,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.stock_count.already_open`", body = ErrorBody)))]
pub async fn open_count(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewCount>,
) -> Result<Json<CountView>, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    let view = write(&state, who, move |tx, who| {
        counts::open(
            tx,
            actor(who)?,
            By::principal(who),
            body.id,
            body.location,
            clock.now(),
        )
    })
    .await?;
    Ok(Json(view))
}

/// One count, with what moved at its location since it opened.
#[utoipa::path(get, path = "/v1/office/counts/{id}", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_count(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<CountView>, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    let id = count_id(&id)?;
    // In a write transaction: the ledger index is caught up before the movements since
    // the count opened are read from it.
    let (view, latest) = write(&state, who, move |tx, who| {
        reconcile::catch_up(tx, &[], clock.now())?;
        Ok((
            counts::get(tx, id, actor(who)?)?,
            crate::sync::docs::latest_seq(tx)?,
        ))
    })
    .await?;
    // Catching up may have flagged an over-use: devices hear of it at once.
    state.announce(latest);
    Ok(Json(view))
}

/// A physical quantity entered on a device (sent from its queue). Idempotent by the
/// entry's id; the latest entry per part stands.
#[utoipa::path(post, path = "/v1/office/counts/{id}/entries", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path)), request_body = CountEntry,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.stock_count.not_open`", body = ErrorBody)))]
pub async fn enter(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CountEntry>,
) -> Result<Json<CountView>, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    let id = count_id(&id)?;
    if body.count != id {
        return Err(ApiError::bad_request(
            "errors.stock_count.unknown",
            "the entry names another count",
        ));
    }
    let view = write(&state, who, move |tx, who| {
        counts::enter(tx, actor(who)?, &body, clock.now())
    })
    .await?;
    Ok(Json(view))
}

/// The supervisor approves a count, which posts its surplus and shortage.
#[utoipa::path(post, path = "/v1/office/counts/{id}/approve", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 403, description = "`errors.stock_count.not_permitted`: not a supervisor", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.stock_count.not_open`", body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<CountView>, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    let id = count_id(&id)?;
    let (view, latest) = write(&state, who, move |tx, who| {
        let now = clock.now();
        let view = counts::approve(tx, actor(who)?, By::principal(who), id, now)?;
        let pairs: Vec<(PartId, LocationId)> = view
            .sheet
            .lines
            .iter()
            .filter(|l| l.difference().is_some_and(|d| d != 0))
            .map(|l| (l.part, view.sheet.location))
            .collect();
        reconcile::catch_up(tx, &pairs, now)?;
        Ok((view, crate::sync::docs::latest_seq(tx)?))
    })
    .await?;
    state.announce(latest);
    Ok(Json(view))
}

/// Settles a `stock_over_use` flag with a late issue, a transfer or a count adjustment,
/// and resolves it recording which. Idempotent by the resolution's id.
#[utoipa::path(post, path = "/v1/office/stock/over-use", tag = "office", security(("device_token" = [])),
    request_body = OverUseResolution,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.over_use.not_a_shortage`, `errors.stock.not_enough`", body = ErrorBody)))]
pub async fn resolve_over_use(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<OverUseResolution>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    let latest = write(&state, who, move |tx, who| {
        let now = clock.now();
        over_use::resolve(tx, actor(who)?, By::principal(who), &body, now)?;
        reconcile::catch_up(tx, &[], now)?;
        crate::sync::docs::latest_seq(tx)
    })
    .await?;
    state.announce(latest);
    Ok(StatusCode::NO_CONTENT)
}

/// Stock per location and part, with the catalog's minimums and what is low.
#[utoipa::path(get, path = "/v1/office/stock/levels", tag = "office", security(("device_token" = [])),
    responses((status = 200, body = [StockRow]), (status = 403, body = ErrorBody)))]
pub async fn levels(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<StockRow>>, ApiError> {
    may(&who)?;
    Ok(Json(stock_views::levels(&state.db.conn())?))
}

/// Sets the minimum of a part at a location (0 removes it).
#[utoipa::path(put, path = "/v1/office/stock/minimums", tag = "office", security(("device_token" = [])),
    request_body = StockMinimum,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_minimum(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<StockMinimum>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    write(&state, who, move |tx, who| {
        stock_views::set_minimum(tx, By::principal(who), &body, clock.now())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The movement history, filtered by part, location, order number and days (UTC,
/// inclusive), newest first.
#[utoipa::path(get, path = "/v1/office/stock/movements", tag = "office", security(("device_token" = [])),
    params(("part" = Option<String>, Query), ("location" = Option<String>, Query),
        ("order" = Option<String>, Query, description = "order, requisition or count number"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD, inclusive")),
    responses((status = 200, body = [HistoryEntry]), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn movements(
    State(state): State<AppState>,
    who: Principal,
    Query(filter): Query<MovementFilter>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let clock = state.clock.clone();
    may(&who)?;
    let (rows, latest) = write(&state, who, move |tx, _| {
        reconcile::catch_up(tx, &[], clock.now())?;
        Ok((
            stock_views::history(tx, &filter)?,
            crate::sync::docs::latest_seq(tx)?,
        ))
    })
    .await?;
    state.announce(latest);
    Ok(Json(rows))
}

/// The routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_counts, open_count))
        .routes(routes!(get_count))
        .routes(routes!(enter))
        .routes(routes!(approve))
        .routes(routes!(resolve_over_use))
        .routes(routes!(levels))
        .routes(routes!(set_minimum))
        .routes(routes!(movements))
}
