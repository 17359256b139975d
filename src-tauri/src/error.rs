//! The error every command returns to the UI: a stable code the UI translates, and an
//! English message for logs. The UI never shows a raw Rust error.

use serde::Serialize;

/// An error as the UI receives it.
#[derive(Debug, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// A stable i18n key, such as `errors.storage`.
    pub code: &'static str,
    /// What went wrong, for logs and support.
    pub message: String,
}

impl From<onsite_device::StoreError> for CommandError {
    fn from(err: onsite_device::StoreError) -> Self {
        tracing::error!(%err, "device store error");
        Self {
            code: "errors.storage",
            message: err.to_string(),
        }
    }
}
