//! `/v1/office/requisitions…`: the desk's requisition queues (approval, issue, take-back)
//! and its actions on one requisition. Every action is judged by the requisition's rules
//! as the signed-in user (a technician never issues, a dispatcher never approves, a
//! valuable part needs a supervisor) and against the warehouse's book balance; the work
//! is in `crate::office::requisitions`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use onsite_core::ids::{RequisitionId, UserId};
use onsite_core::office::OfficeArea;
use onsite_core::parts_flow::{RequisitionAction, RequisitionQueue};
use onsite_core::role::Actor;

use super::AppState;
use crate::devices::Principal;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::office::audit::By;
use crate::office::requisitions;

fn actor(who: &Principal) -> Result<Actor, ApiError> {
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

fn may_see(who: &Principal) -> Result<(), ApiError> {
    let role = who.account.role;
    if OfficeArea::Approvals.managed_by(role) || OfficeArea::Issuing.managed_by(role) {
        Ok(())
    } else {
        Ok(OfficeArea::Approvals.check(role)?)
    }
}

/// The queues: requisitions to approve, to issue, and with parts to take back, with
/// what the signed-in user may do on each. Storekeepers and supervisors.
#[utoipa::path(get, path = "/v1/office/requisitions", tag = "office", security(("device_token" = [])),
    responses((status = 200, body = RequisitionQueue), (status = 403, body = ErrorBody)))]
pub async fn get_queue(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<RequisitionQueue>, ApiError> {
    let clock = state.clock.clone();
    may_see(&who)?;
    let actor = actor(&who)?;
    Ok(Json(requisitions::queue(
        &state.db.conn(),
        actor,
        clock.now(),
    )?))
}

/// One action on a requisition: approve, reject, issue or take back. Refused with the
/// rule's code (`errors.requisition.*`) and nothing written when the signed-in user's
/// role may not, the requisition's status does not allow it, or the warehouse does not
/// hold the parts. Idempotent by the action's id.
#[utoipa::path(post, path = "/v1/office/requisitions/{id}", tag = "office", security(("device_token" = [])),
    params(("id" = String, Path, description = "the requisition id")),
    request_body = RequisitionAction,
    responses((status = 204), (status = 400, body = ErrorBody),
        (status = 403, description = "`errors.requisition.role_not_permitted`, `errors.requisition.valuable_needs_supervisor`", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`errors.requisition.not_enough_stock`, `errors.requisition.not_allowed_in_status`", body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(action): ApiJson<RequisitionAction>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    let id: RequisitionId = id.parse().map_err(|_| {
        ApiError::bad_request(
            "errors.requisition.unknown",
            format!("{id:?} is not a requisition id"),
        )
    })?;
    let actor = actor(&who)?;
    let latest = state
        .db
        .group_transaction(move |tx| {
            requisitions::act(tx, actor, By::principal(&who), id, &action, clock.now())?;
            crate::sync::docs::latest_seq(tx)
        })
        .await?;
    // The requester's phone hears of it at once, through its long poll.
    state.announce(latest);
    Ok(StatusCode::NO_CONTENT)
}

/// The requisition routes.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_queue))
        .routes(routes!(act))
}
