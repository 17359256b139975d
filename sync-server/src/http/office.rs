//! `/v1/office/…`: the company's set-up from the desk. The parts catalog and its CSV
//! import, warehouses, receipts and transfers (storekeepers and supervisors); people and
//! devices with the audit (supervisors). Every handler checks the signed-in user's role
//! against `onsite_core::office::OfficeArea` before anything else; the work is in
//! `crate::office`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use onsite_core::ids::{PartId, UserId};
use onsite_core::office::{
    CatalogImport, ImportReport, NewUser, NewWarehouse, OfficeArea, PasswordReset, PeopleOverview,
    RoleChange, StockOverview, StockReceipt, StockTransfer, UserEntry,
};
use onsite_core::records::catalog::{Location, Part};
use onsite_core::role::Actor;

use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::office::audit::By;
use crate::office::{catalog, people, stock};

fn may(who: &Principal, area: OfficeArea) -> Result<(), ApiError> {
    Ok(area.check(who.account.role)?)
}

pub(super) fn actor(who: &Principal) -> Result<Actor, ApiError> {
    let user = who
        .account
        .id
        .parse()
        .map(UserId)
        .map_err(|e| ApiError::internal(format!("account id {}: {e}", who.account.id)))?;
    Ok(Actor {
        user,
        role: who.account.role,
    })
}

/// Runs an office write in one transaction, as `who`.
pub(super) async fn write<T: Send + 'static>(
    state: &AppState,
    who: Principal,
    work: impl FnOnce(&crate::db::Connection, &Principal) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    state.db.group_transaction(move |tx| work(tx, &who)).await
}

/// The parts catalog. Storekeepers and supervisors.
#[utoipa::path(get, path = "/v1/office/catalog", tag = "office", security(("device_token" = [])),
    responses((status = 200, body = [Object]), (status = 401, body = ErrorBody),
        (status = 403, description = "`errors.office.catalog_not_permitted`", body = ErrorBody)))]
pub async fn get_catalog(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<Part>>, ApiError> {
    may(&who, OfficeArea::Catalog)?;
    Ok(Json(catalog::list(&state.db.conn())?))
}

/// Adds or edits one part; `id` in the path and the body must agree.
#[utoipa::path(put, path = "/v1/office/catalog/{id}", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the part id")),
    request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "`errors.catalog.number_taken`", body = ErrorBody)))]
pub async fn put_part(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(part): ApiJson<Part>,
) -> Result<Json<Part>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::Catalog)?;
    if id.parse::<PartId>().ok() != Some(part.id) {
        return Err(ApiError::bad_request(
            "errors.catalog.id_mismatch",
            format!("the path names part {id}, the body {}", part.id),
        ));
    }
    let saved = write(&state, who, move |tx, who| {
        catalog::save(tx, By::principal(who), &part, clock.now())
    })
    .await?;
    Ok(Json(saved))
}

/// Imports a CSV catalog (English or Chinese headers) in one transaction: parts whose
/// number is known are updated, the rest added; a bad row refuses the whole file with
/// its row and column in `details`.
#[utoipa::path(post, path = "/v1/office/catalog/import", tag = "office", security(("device_token" = [])),
    request_body = CatalogImport,
    responses((status = 200, body = ImportReport),
        (status = 400, description = "`errors.catalog.import_*`, with `details.row` and `details.column`", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn import_catalog(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<CatalogImport>,
) -> Result<Json<ImportReport>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::Catalog)?;
    let report = write(&state, who, move |tx, who| {
        catalog::import(tx, By::principal(who), &body.csv, clock.now())
    })
    .await?;
    Ok(Json(report))
}

/// Locations, the catalog, balances per location and the latest movements.
#[utoipa::path(get, path = "/v1/office/stock", tag = "office", security(("device_token" = [])),
    responses((status = 200, body = StockOverview), (status = 403, body = ErrorBody)))]
pub async fn get_stock(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<StockOverview>, ApiError> {
    may(&who, OfficeArea::Stock)?;
    Ok(Json(stock::overview(&state.db.conn())?))
}

/// Adds a warehouse.
#[utoipa::path(post, path = "/v1/office/warehouses", tag = "office", security(("device_token" = [])),
    request_body = NewWarehouse,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn add_warehouse(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewWarehouse>,
) -> Result<Json<Location>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::Stock)?;
    let added = write(&state, who, move |tx, who| {
        stock::add_warehouse(tx, By::principal(who), &body, clock.now())
    })
    .await?;
    Ok(Json(added))
}

/// Records goods received into a warehouse (a `receive` movement). Idempotent by id.
#[utoipa::path(post, path = "/v1/office/stock/receipts", tag = "office", security(("device_token" = [])),
    request_body = StockReceipt,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<StockReceipt>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::Stock)?;
    write(&state, who, move |tx, who| {
        stock::receive(tx, actor(who)?, By::principal(who), &body, clock.now())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Transfers stock from a warehouse to a van (a requisition raised, approved and issued
/// at once, which the van's technician receives on their next sync). Idempotent by id.
#[utoipa::path(post, path = "/v1/office/stock/transfers", tag = "office", security(("device_token" = [])),
    request_body = StockTransfer,
    responses((status = 204), (status = 400, body = ErrorBody),
        (status = 403, description = "not a storekeeper or supervisor, or a valuable part without a supervisor", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.stock.not_enough`", body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<StockTransfer>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::Stock)?;
    let latest = write(&state, who, move |tx, who| {
        stock::transfer(tx, actor(who)?, By::principal(who), &body, clock.now())?;
        crate::sync::docs::latest_seq(tx)
    })
    .await?;
    // The van's technician is told at once, through their long poll.
    state.announce(latest);
    Ok(StatusCode::NO_CONTENT)
}

/// Every account and device, and the latest recorded set-up actions. Supervisors only.
#[utoipa::path(get, path = "/v1/office/people", tag = "office", security(("device_token" = [])),
    responses((status = 200, body = PeopleOverview),
        (status = 403, description = "`errors.office.people_not_permitted`", body = ErrorBody)))]
pub async fn get_people(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<PeopleOverview>, ApiError> {
    may(&who, OfficeArea::People)?;
    Ok(Json(people::overview(&state.db.conn())?))
}

/// Adds an account (a technician gets a van).
#[utoipa::path(post, path = "/v1/office/users", tag = "office", security(("device_token" = [])),
    request_body = NewUser,
    responses((status = 200, body = UserEntry), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_user(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<Json<UserEntry>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::People)?;
    let user = write(&state, who, move |tx, who| {
        people::add_user(tx, By::principal(who), &body, clock.now())
    })
    .await?;
    Ok(Json(user))
}

/// Changes an account's role; its devices are revoked, so it signs in again.
#[utoipa::path(post, path = "/v1/office/users/{id}/role", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the user id")),
    request_body = RoleChange,
    responses((status = 200, body = UserEntry), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.people.last_supervisor`", body = ErrorBody)))]
pub async fn set_role(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<Json<UserEntry>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::People)?;
    let user = write(&state, who, move |tx, who| {
        people::set_role(tx, By::principal(who), &id, body.role, clock.now())
    })
    .await?;
    Ok(Json(user))
}

/// Disables an account and revokes all its devices at once.
#[utoipa::path(post, path = "/v1/office/users/{id}/disable", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the user id")),
    responses((status = 200, body = UserEntry), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.people.last_supervisor`", body = ErrorBody)))]
pub async fn disable_user(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserEntry>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::People)?;
    let user = write(&state, who, move |tx, who| {
        people::disable(tx, By::principal(who), &id, clock.now())
    })
    .await?;
    Ok(Json(user))
}

/// Enables a disabled account (its old devices stay revoked).
#[utoipa::path(post, path = "/v1/office/users/{id}/enable", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the user id")),
    responses((status = 200, body = UserEntry), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn enable_user(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserEntry>, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::People)?;
    let user = write(&state, who, move |tx, who| {
        people::enable(tx, By::principal(who), &id, clock.now())
    })
    .await?;
    Ok(Json(user))
}

/// Sets a new password.
#[utoipa::path(post, path = "/v1/office/users/{id}/password", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the user id")),
    request_body = PasswordReset,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::People)?;
    write(&state, who, move |tx, who| {
        people::reset_password(tx, By::principal(who), &id, &body.password, clock.now())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a device, recorded in the audit.
#[utoipa::path(post, path = "/v1/office/devices/{id}/revoke", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the device id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    may(&who, OfficeArea::People)?;
    write(&state, who, move |tx, who| {
        people::revoke_device(tx, By::principal(who), &id, clock.now())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The office routes. The catalog import carries a whole file, so its body may be as
/// large as the import takes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_catalog))
        .routes(routes!(put_part))
        .routes(routes!(import_catalog))
        .routes(routes!(get_stock))
        .routes(routes!(add_warehouse))
        .routes(routes!(receive))
        .routes(routes!(transfer))
        .routes(routes!(get_people))
        .routes(routes!(add_user))
        .routes(routes!(set_role))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(reset_password))
        .routes(routes!(revoke_device))
}
