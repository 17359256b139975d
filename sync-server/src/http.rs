//! The HTTP surface: routes and their handlers.

use axum::{extract::State, routing::get, Json, Router};
use serde::Serialize;
use tower_http::trace::TraceLayer;

use crate::db::Db;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    db: Db,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The answer to `GET /health`.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// Builds the router with every route the server offers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Healthy means the database answers, not merely that the process is up.
async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, Json<Health>) {
    let db_ok = state
        .db
        .lock()
        .map(|conn| {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .is_ok()
        })
        .unwrap_or(false);
    let (code, status) = if db_ok {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        )
    };
    (
        code,
        Json(Health {
            status: status.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }),
    )
}
