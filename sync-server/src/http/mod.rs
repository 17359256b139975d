//! The HTTP surface: the router, shared state, request metrics and the OpenAPI document.
//! Handlers live in one file per area (`health.rs`, `auth.rs`).

mod auth;
mod blobs;
mod health;
mod quarantine;
mod reference;
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

pub use auth::{LoginLimiter, LoginRequest, LoginResponse};
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
    /// The latest document change sequence, for long polls to wait on.
    pub(crate) changes: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    /// Photos and signatures, in `blobs/` beside the database.
    pub(crate) blobs: std::sync::Arc<crate::blobs::BlobStore>,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        let blob_dir = db.data_dir().join(crate::blobs::BLOB_DIR);
        Self {
            db,
            login_limiter: std::sync::Arc::new(LoginLimiter::default()),
            changes: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            blobs: std::sync::Arc::new(crate::blobs::BlobStore::new(blob_dir)),
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

/// Builds the router with every route the server offers, and its OpenAPI document.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(auth::login))
        .routes(routes!(auth::me))
        .routes(routes!(auth::list_devices))
        .routes(routes!(auth::revoke_device))
        .routes(routes!(auth::reinstate_device))
        .routes(routes!(sync::sync))
        .routes(routes!(sync::wait))
        .routes(routes!(reference::get_reference))
        .routes(routes!(quarantine::list))
        .routes(routes!(quarantine::release))
        .routes(routes!(quarantine::discard))
        .routes(routes!(quarantine::actors))
        .merge(blobs::router())
        .split_for_parts();
    let openapi = Json(openapi);
    api.route("/openapi.json", get(move || async move { openapi.clone() }))
        .route("/metrics", get(health::metrics))
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

/// Counts every request by route and status, and times it, for `/metrics`.
async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("onsite_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("onsite_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
