//! Signing in and device enrollment: `POST /v1/auth/login` trades a login and password
//! for a device token; every other endpoint takes that token as `Authorization: Bearer`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use onsite_core::role::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::accounts::{self, Account};
use crate::devices::{self, DeviceInfo, Principal};
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody};

/// The largest sign-in body accepted. Every field is short; a bigger body is an attack.
pub const MAX_LOGIN_BODY: usize = 4 * 1024;
/// Longest login, device name and password accepted, in bytes.
pub const MAX_LOGIN_LEN: usize = 128;
pub const MAX_DEVICE_NAME_LEN: usize = 200;
pub const MAX_PASSWORD_LEN: usize = 1024;
/// Keys the limiter may hold before it forgets idle ones at once rather than waiting
/// for its timer.
const MAX_LIMITER_KEYS: usize = 100_000;

/// Sign-in attempts allowed per client address (a burst of 20, then 5 a minute), and per
/// (address, login) pair (a burst of 5, then one every 12 seconds). The address is checked
/// first, so a flood from one address never reaches the pair map. The lockout is per pair,
/// not per login: someone guessing from elsewhere cannot lock a user out, and behind a
/// reverse proxy the address is the client's own (`TrustedProxy`), so one client's bad
/// attempts do not block another's. Idle keys are forgotten (`forget_idle`).
pub struct LoginLimiter {
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    by_pair: DefaultKeyedRateLimiter<(IpAddr, String)>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN));
        Self {
            by_pair: RateLimiter::keyed(quota),
            by_addr: RateLimiter::keyed(
                quota.allow_burst(NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN)),
            ),
        }
    }
}

impl LoginLimiter {
    fn check(&self, login: &str, addr: IpAddr) -> Result<(), ApiError> {
        let limited = || {
            metrics::counter!("onsite_login_rate_limited_total").increment(1);
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "errors.auth.rate_limited",
                "too many sign-in attempts; wait a minute and try again",
            )
        };
        if self.by_addr.check_key(&addr).is_err() {
            return Err(limited());
        }
        if self.by_pair.len() >= MAX_LIMITER_KEYS {
            self.forget_idle();
        }
        if self
            .by_pair
            .check_key(&(addr, login.trim().to_lowercase()))
            .is_err()
        {
            return Err(limited());
        }
        Ok(())
    }

    /// Drops the keys whose quota has fully recovered: they would allow a full burst
    /// anyway, so forgetting them changes no answer. Run on a timer by the server.
    pub fn forget_idle(&self) {
        self.by_addr.retain_recent();
        self.by_pair.retain_recent();
        self.by_addr.shrink_to_fit();
        self.by_pair.shrink_to_fit();
    }

    /// Keys held now (addresses, pairs), for tests and metrics.
    pub fn keys(&self) -> (usize, usize) {
        (self.by_addr.len(), self.by_pair.len())
    }
}

/// Where sign-in attempts come from when the server sits behind a reverse proxy: only a
/// request whose peer is `proxy` has its client address read from `header` (the last
/// address in it, the one that proxy appended). Anyone else's header is ignored, so a
/// client cannot pick its own address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxy {
    pub proxy: IpAddr,
    /// Lower-case header name, such as `x-forwarded-for`.
    pub header: String,
}

impl TrustedProxy {
    /// The client's address for a request from `peer` carrying `headers`.
    pub fn client(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if peer != self.proxy {
            return peer;
        }
        headers
            .get_all(self.header.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(peer)
    }
}

/// Refuses fields no person types, before anything is stored or hashed.
fn check_sizes(request: &LoginRequest) -> Result<(), ApiError> {
    let too_long = |field: &str, max: usize| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "errors.auth.field_too_long",
            format!("{field} may be at most {max} bytes"),
        )
    };
    if request.login.len() > MAX_LOGIN_LEN {
        return Err(too_long("login", MAX_LOGIN_LEN));
    }
    if request.device_name.len() > MAX_DEVICE_NAME_LEN {
        return Err(too_long("device_name", MAX_DEVICE_NAME_LEN));
    }
    if request.password.len() > MAX_PASSWORD_LEN {
        return Err(too_long("password", MAX_PASSWORD_LEN));
    }
    // `device_id` must be a UUID, which `devices::enroll` checks.
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    /// The device's own UUID, created once per install.
    pub device_id: String,
    /// A name the office recognises, such as "Li Wei's phone".
    pub device_name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// The device token: send it as `Authorization: Bearer <token>`. Shown only once.
    pub token: String,
    pub account: Account,
}

/// Signs in and enrolls this device.
#[utoipa::path(post, path = "/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong login or password", body = ErrorBody),
        (status = 409, description = "the device is enrolled for another user", body = ErrorBody),
        (status = 413, description = "the body or a field is too long", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(login = %request.login, device = %request.device_id))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    check_sizes(&request)?;
    let client = match &state.trusted_proxy {
        Some(proxy) => proxy.client(peer.ip(), &headers),
        None => peer.ip(),
    };
    state.login_limiter.check(&request.login, client)?;
    let db = state.db.clone();
    // argon2 is deliberately slow; keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        let account = accounts::verify(&db.conn(), &request.login, &request.password)
            .inspect_err(|_| metrics::counter!("onsite_login_failures_total").increment(1))?;
        let token = db.transaction(|tx| {
            devices::enroll(tx, &account, &request.device_id, &request.device_name)
        })?;
        tracing::info!(user = %account.id, "device enrolled");
        Ok(Json(LoginResponse { token, account }))
    })
    .await
    .map_err(|err| ApiError::internal(format!("sign-in task: {err}")))?
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized("sign in first: no device token was sent"))?;
        // The lock can be held by a group of sync round trips for tens of milliseconds:
        // waiting for it on an async worker would stall every connection on that worker.
        let (db, token) = (state.db.clone(), token.trim().to_string());
        tokio::task::spawn_blocking(move || devices::authenticate(&db.conn(), &token))
            .await
            .map_err(|e| ApiError::internal(format!("authentication task: {e}")))?
    }
}

/// Who this device is signed in as.
#[utoipa::path(get, path = "/v1/me", tag = "accounts", security(("device_token" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
pub async fn me(who: Principal) -> Json<Account> {
    Json(who.account)
}

/// Enrolled devices: all of them for a supervisor, otherwise the caller's own.
#[utoipa::path(get, path = "/v1/devices", tag = "accounts", security(("device_token" = [])),
    responses((status = 200, body = [DeviceInfo]), (status = 401, body = ErrorBody)))]
pub async fn list_devices(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    let only = (who.account.role != Role::Supervisor).then_some(who.account.id.as_str());
    Ok(Json(devices::list(&state.db.conn(), only)?))
}

/// Revokes a device, for a lost phone or a signed-out install. A supervisor may revoke
/// any device; anyone else only their own.
#[utoipa::path(post, path = "/v1/devices/{id}/revoke", tag = "accounts", security(("device_token" = [])),
    params(("id" = String, Path, description = "the device id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let clock = state.clock.clone();
    let owned = devices::list(&state.db.conn(), Some(&who.account.id))?
        .iter()
        .any(|d| d.id == id);
    if who.account.role != Role::Supervisor && !owned {
        return Err(ApiError::forbidden(
            "only a supervisor may revoke another user's device",
        ));
    }
    let by = who.account.id.clone();
    let device = id.clone();
    // The same action as the desk's revoke, so it is on the office's record too.
    state
        .db
        .group_transaction(move |tx| {
            crate::office::people::revoke_device(
                tx,
                crate::office::audit::By::principal(&who),
                &device,
                clock.now(),
            )
        })
        .await?;
    tracing::info!(device = %id, by = %by, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Reinstates a revoked device so it may sign in again. Supervisors only: signing in
/// alone never brings a revoked device back.
#[utoipa::path(post, path = "/v1/devices/{id}/reinstate", tag = "accounts", security(("device_token" = [])),
    params(("id" = String, Path, description = "the device id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reinstate_device(
    State(state): State<AppState>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    if who.account.role != Role::Supervisor {
        return Err(ApiError::forbidden(
            "only a supervisor may reinstate a device",
        ));
    }
    if !devices::reinstate(&state.db.conn(), &id)? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "errors.device.not_found",
            format!("no device {id}"),
        ));
    }
    tracing::info!(device = %id, by = %who.account.id, "device reinstated");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_trusted_proxy_names_the_client_and_its_last_hop_counts() {
        let proxy = TrustedProxy {
            proxy: IpAddr::from([10, 0, 0, 1]),
            header: "x-forwarded-for".into(),
        };
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            axum::http::HeaderValue::from_static("6.6.6.6, 198.51.100.7"),
        );
        assert_eq!(
            proxy.client(IpAddr::from([10, 0, 0, 1]), &headers),
            IpAddr::from([198, 51, 100, 7]),
            "the address the proxy appended, not the one the client wrote"
        );
        assert_eq!(
            proxy.client(IpAddr::from([203, 0, 113, 9]), &headers),
            IpAddr::from([203, 0, 113, 9]),
            "anyone else's header is ignored"
        );
        assert_eq!(
            proxy.client(IpAddr::from([10, 0, 0, 1]), &axum::http::HeaderMap::new()),
            IpAddr::from([10, 0, 0, 1]),
            "no header: the peer"
        );
    }

    #[test]
    fn forgetting_idle_keys_keeps_the_ones_still_counting() {
        let limiter = LoginLimiter::default();
        let addr = IpAddr::from([198, 51, 100, 7]);
        for n in 0..10 {
            let _ = limiter.check(&format!("user{n}"), addr);
        }
        assert_eq!(limiter.keys(), (1, 10), "one address, ten pairs");
        // Nothing has recovered yet: a pair used seconds ago is still remembered.
        limiter.forget_idle();
        assert_eq!(limiter.keys().1, 10);
    }
}
