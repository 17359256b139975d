//! `GET /v1/office/kpi`: the office's KPIs (考核指标) from the office copy, for a
//! dispatcher or supervisor, checked here against the signed-in account. The figures
//! are `onsite_core::kpi`'s; `crate::office::kpi` keeps the rows they are read from.

use axum::extract::{Query, State};
use axum::Json;
use onsite_core::kpi::{KpiQuery, KpiReport};

use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ErrorBody};
use crate::office::kpi;

/// The KPIs over every order and complaint received in the range, overall and per
/// technician, product model and period (`granularity` week, month or quarter).
#[utoipa::path(get, path = "/v1/office/kpi", tag = "office", security(("device_token" = [])),
    params(
        ("granularity" = Option<String>, Query, description = "week, month (default) or quarter"),
        ("from" = Option<String>, Query, description = "first company date counted, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "last company date counted, YYYY-MM-DD")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn get_kpi(
    State(state): State<AppState>,
    who: Principal,
    Query(query): Query<KpiQuery>,
) -> Result<Json<KpiReport>, ApiError> {
    let clock = state.clock.clone();
    kpi::may_view(who.account.role)?;
    // Reading tens of thousands of rows is too long to hold an async worker for.
    let db = state.db.clone();
    let report = tokio::task::spawn_blocking(move || kpi::report(&db.conn(), &query, clock.now()))
        .await
        .map_err(|e| ApiError::internal(format!("the KPI query stopped: {e}")))??;
    Ok(Json(report))
}

pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(get_kpi))
}
