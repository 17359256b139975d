//! Liveness and metrics: `GET /health` and `GET /metrics` (Prometheus text).

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;

/// The answer to `GET /health`.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Health {
    /// `ok`, or what is wrong.
    pub status: String,
    pub version: String,
}

/// Healthy means the database file can be read, not merely that the process is up.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    // On the read-only connection, off the async workers: a push holding the write
    // connection for seconds must not make the server look down.
    let db = state.db.clone();
    let db_ok = tokio::task::spawn_blocking(move || {
        db.read_conn()
            .query_row("SELECT count(*) FROM server_meta", (), |r| {
                r.get::<_, i64>(0)
            })
            .is_ok()
    })
    .await
    .unwrap_or(false);
    let (code, status) = if db_ok {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    };
    (
        code,
        Json(Health {
            status: status.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }),
    )
}

/// The process-wide Prometheus recorder. Installed once, so several servers in one test
/// process share it rather than fighting over the global slot.
pub(crate) fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first; metrics then go there.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Prometheus text exposition of the server's counters and timings.
pub async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        prometheus().render(),
    )
}
