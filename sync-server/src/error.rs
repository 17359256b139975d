//! The error every endpoint returns: an HTTP status, a stable code clients translate,
//! and a message for people. Server faults are logged in full and shown in brief.

use crate::db::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The JSON body of every error response.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ErrorBody {
    /// A stable key such as `errors.auth.bad_credentials`.
    pub code: String,
    /// What went wrong, in English, for logs and support.
    pub message: String,
    /// The values the translated message names (a row and column, a role), when the
    /// code has any.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// An error on its way to becoming a response.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Values for the translated message; empty for most errors.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    /// The same error naming `details` for its translated message.
    pub fn with_details(mut self, details: serde_json::Map<String, serde_json::Value>) -> Self {
        self.details = details;
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "errors.auth.unauthorized",
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "errors.auth.forbidden", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "errors.internal",
            message,
        )
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        // Keep the framework's status (400 unreadable, 413 too large, 415 wrong type,
        // 422 wrong shape) and its explanation, in the same JSON body as every other error.
        let code = match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "errors.request.too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "errors.request.unsupported_media_type",
            _ => "errors.request.bad_json",
        };
        Self::new(rejection.status(), code, rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::new(
            rejection.status(),
            "errors.request.bad_query",
            rejection.body_text(),
        )
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        Self::new(
            rejection.status(),
            "errors.request.bad_path",
            rejection.body_text(),
        )
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s, so a malformed body gets the same
/// `{code, message}` answer as every other error.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query` with [`ApiError`] rejections.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` with [`ApiError`] rejections: a malformed id or year in the URL
/// gets `{code, message}` rather than the framework's plain text.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        Self::database("database", &err)
    }
}

/// The backup and restore commands still open SQLite files themselves.
impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        Self::from(StoreError::from(err))
    }
}

impl ApiError {
    /// A database failure while `doing` something: `507` when the disk is full, which
    /// the client can wait out, otherwise an internal error.
    pub fn database(doing: &str, err: &StoreError) -> Self {
        match err {
            StoreError::Full(_) => Self::storage_full(format!("{doing}: {err}")),
            _ => Self::internal(format!("{doing}: {err}")),
        }
    }

    /// The server's disk (or its database's size limit) is full: `507`. The write was
    /// rolled back whole, so the client keeps its data and tries again later.
    pub fn storage_full(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "errors.server.storage_full",
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        } else {
            tracing::info!(status = %self.status, code = self.code, message = %self.message, "request refused");
        }
        // Internal detail stays in the log; the client gets the code and a plain summary.
        let message = if self.status.is_server_error() {
            "the server could not complete the request".to_string()
        } else {
            self.message
        };
        let body = ErrorBody {
            code: self.code.to_string(),
            message,
            details: self.details,
        };
        (self.status, Json(body)).into_response()
    }
}
