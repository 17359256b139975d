//! The error every command returns to the UI: a stable code the UI translates, an
//! English message for logs, and values the translated message may need. The UI never
//! shows a raw Rust error.

use serde::Serialize;
use serde_json::{Map, Value};

/// An error as the UI receives it.
#[derive(Debug, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// A stable i18n key, such as `errors.order.consent_missing`.
    pub code: String,
    /// What went wrong, for logs and support.
    pub message: String,
    /// Values for the translated message, e.g. `{"unsent": 3}`.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
}

impl CommandError {
    /// An error with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Adds a value the translated message can show.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// Nobody is signed in on this device.
    pub fn not_signed_in() -> Self {
        Self::new("errors.session.not_signed_in", "sign in first")
    }
}

impl From<onsite_device::StoreError> for CommandError {
    fn from(err: onsite_device::StoreError) -> Self {
        let code = err.code();
        // Refused by a business rule is the user's everyday; anything else is a fault.
        if code.starts_with("errors.storage") {
            tracing::error!(%err, "device store error");
        } else {
            tracing::info!(%err, "refused");
        }
        Self::new(code, err.to_string())
    }
}

impl From<onsite_device::sync_client::SyncError> for CommandError {
    fn from(err: onsite_device::sync_client::SyncError) -> Self {
        tracing::warn!(%err, "sync error");
        Self::new(err.code(), err.to_string())
    }
}

impl From<onsite_core::TransitionError> for CommandError {
    fn from(err: onsite_core::TransitionError) -> Self {
        Self::new(err.code(), err.to_string())
    }
}
