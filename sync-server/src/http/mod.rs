//! The HTTP surface: the router, shared state, request metrics and the OpenAPI document.
//! Handlers live in one file per area (`health.rs`, `auth.rs`).

mod auth;
mod blobs;
mod company;
mod health;
mod kpi;
mod office;
mod quarantine;
mod reference;
mod requisitions;
mod stock;
mod sync;

use std::time::Instant;

use axum::extract::DefaultBodyLimit;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use auth::{LoginLimiter, LoginRequest, LoginResponse, TrustedProxy, MAX_LOGIN_BODY};
pub use health::Health;

/// Installs the Prometheus recorder before the first request is counted.
pub fn install_metrics() {
    health::prometheus();
}

use crate::db::Db;

/// The largest request body accepted, after decompression.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub(crate) db: Db,
    pub(crate) login_limiter: std::sync::Arc<LoginLimiter>,
    /// What each device may still push (bytes, operations).
    pub(crate) budgets: std::sync::Arc<crate::sync::budget::DeviceBudgets>,
    /// The reverse proxy whose client-address header sign-in believes, if any.
    pub(crate) trusted_proxy: Option<TrustedProxy>,
    /// The latest document change sequence, for long polls to wait on.
    pub(crate) changes: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    /// Photos and signatures, in `blobs/` beside the database.
    pub(crate) blobs: std::sync::Arc<crate::blobs::BlobStore>,
    /// What the handlers take as "now" (`crate::clock`).
    pub(crate) clock: crate::clock::Clock,
}

/// Tells the long polls waiting in `wait` that the change feed has reached `latest`.
/// A value they already saw wakes nobody, so callers need not check first.
pub(crate) fn announce(changes: &tokio::sync::watch::Sender<u64>, latest: u64) {
    changes.send_if_modified(|seq| std::mem::replace(seq, latest) != latest);
}

impl AppState {
    /// [`announce`] on this server's change feed.
    pub(crate) fn announce(&self, latest: u64) {
        announce(&self.changes, latest);
    }

    pub fn new(db: Db) -> Self {
        let blob_dir = db.data_dir().join(crate::blobs::BLOB_DIR);
        Self {
            db,
            login_limiter: std::sync::Arc::new(LoginLimiter::default()),
            budgets: std::sync::Arc::default(),
            trusted_proxy: None,
            changes: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            blobs: std::sync::Arc::new(crate::blobs::BlobStore::new(blob_dir)),
            clock: crate::clock::Clock::System,
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Onsite sync server", description = "The central office API for Onsite devices. See docs/sync-protocol.md."),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "device_token",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

/// What every route shares but its own annotation would repeat: the blob hash's pattern,
/// the long poll's required cursor, and the 400, 413, 415 and 422 answers every JSON
/// body can get from the framework (`error.rs`). Applied once the routes are merged.
struct Declared;

/// A blob hash: SHA-256 as 64 lower-case hex digits.
pub const HASH_PATTERN: &str = "^[0-9a-f]{64}$";

impl utoipa::Modify for Declared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::schema::{Ref, Schema};
        use utoipa::openapi::{Content, RefOr, Required, ResponseBuilder};
        let answer = |why: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(why)
                    .content(
                        "application/json",
                        Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.head,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for param in op.parameters.iter_mut().flatten() {
                    if param.name == "hash" && param.parameter_in == ParameterIn::Path {
                        if let Some(RefOr::T(Schema::Object(schema))) = &mut param.schema {
                            schema.pattern = Some(HASH_PATTERN.into());
                        }
                    }
                    if param.name == "cursor" && param.parameter_in == ParameterIn::Query {
                        param.required = Required::True;
                    }
                }
                let json_body = op
                    .request_body
                    .as_ref()
                    .is_some_and(|b| b.content.contains_key("application/json"));
                if json_body {
                    for (code, why) in [
                        ("400", "the body is not valid JSON (`errors.request.bad_json`)"),
                        ("413", "the body is too large (`errors.request.too_large`)"),
                        ("415", "the body is not `application/json` (`errors.request.unsupported_media_type`)"),
                        ("422", "the JSON does not have the expected shape (`errors.request.bad_json`)"),
                    ] {
                        op.responses
                            .responses
                            .entry(code.into())
                            .or_insert_with(|| answer(why));
                    }
                }
            }
        }
    }
}

/// Builds the router with every route the server offers, and its OpenAPI document.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .merge(
            // Sign-in needs no token, so its body is capped far below the sync limit.
            OpenApiRouter::new()
                .routes(routes!(auth::login))
                .layer(DefaultBodyLimit::max(MAX_LOGIN_BODY)),
        )
        .routes(routes!(auth::me))
        .routes(routes!(auth::list_devices))
        .routes(routes!(auth::revoke_device))
        .routes(routes!(auth::reinstate_device))
        .routes(routes!(sync::sync))
        .routes(routes!(sync::wait))
        .routes(routes!(reference::get_reference))
        .routes(routes!(company::get_settings, company::put_settings))
        .routes(routes!(company::get_calendar))
        .routes(routes!(company::put_year))
        .routes(routes!(company::put_week))
        .routes(routes!(company::import_calendar))
        .routes(routes!(quarantine::list))
        .routes(routes!(quarantine::release))
        .routes(routes!(quarantine::discard))
        .routes(routes!(quarantine::actors))
        .merge(office::router())
        .merge(requisitions::router())
        .merge(stock::router())
        .merge(blobs::router())
        .merge(kpi::router())
        .split_for_parts();
    let mut openapi = openapi;
    utoipa::Modify::modify(&Declared, &mut openapi);
    let openapi = Json(openapi);
    api.route("/openapi.json", get(move || async move { openapi.clone() }))
        .route("/metrics", get(health::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(record_request))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(RequestDecompressionLayer::new())
        // The fastest gzip level: sync bodies are base64 of Automerge data that is already
        // compact, so higher levels gain a few per cent of bytes for much more CPU on
        // the big first-sync pages.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// No route has this path.
async fn not_found(uri: axum::http::Uri) -> crate::error::ApiError {
    crate::error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "errors.request.not_found",
        format!("no such endpoint: {}", uri.path()),
    )
}

/// The path exists but not with this method.
async fn method_not_allowed(method: axum::http::Method) -> crate::error::ApiError {
    crate::error::ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "errors.request.method_not_allowed",
        format!("{method} is not allowed here"),
    )
}

/// The method as a metric label: the standard ones by name, anything else as `other`, so
/// made-up methods cannot grow `/metrics` without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts every request by route and status, and times it, for `/metrics`. Every label
/// comes from a fixed set: the route templates, `unmatched`, the standard methods.
async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("onsite_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("onsite_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
