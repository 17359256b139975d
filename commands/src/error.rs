//! The error every command returns, to the Tauri shell and the bridge alike: a stable
//! code the UI translates, an English message for logs, and the domain values the
//! translated message names (the state, the role, the missing field). The UI never
//! shows a raw Rust error.

use serde::Serialize;
use serde_json::{Map, Value};

/// An error as the UI receives it.
#[derive(Debug, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// A stable i18n key, such as `errors.order.consent_missing`.
    pub code: String,
    /// What went wrong, for logs and support.
    pub message: String,
    /// Values for the translated message, e.g. `{"unsent": 3}` or
    /// `{"action": "reopen", "role": "dispatcher"}`.
    #[ts(type = "Record<string, string | number | boolean | null>")]
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

    /// Arguments the command could not read.
    pub fn bad_args(command: &str, err: impl std::fmt::Display) -> Self {
        Self::new(
            "errors.input.bad_arguments",
            format!("arguments of {command}: {err}"),
        )
        .with("command", command)
    }
}

impl From<onsite_core::TransitionError> for CommandError {
    fn from(err: onsite_core::TransitionError) -> Self {
        Self {
            code: err.code().to_string(),
            message: err.to_string(),
            details: err.details(),
        }
    }
}

impl From<onsite_core::DomainError> for CommandError {
    fn from(err: onsite_core::DomainError) -> Self {
        match err {
            onsite_core::DomainError::Order(e) => e.into(),
            onsite_core::DomainError::Complaint(e) => Self {
                code: e.code().to_string(),
                message: e.to_string(),
                details: crate::complaints::details(&e),
            },
            onsite_core::DomainError::Requisition(e) => Self {
                code: e.code().to_string(),
                message: e.to_string(),
                details: e.details(),
            },
            other => Self::new(other.code(), other.to_string()),
        }
    }
}

impl From<onsite_core::intake::IntakeError> for CommandError {
    fn from(err: onsite_core::intake::IntakeError) -> Self {
        let out = Self::new(err.code(), err.to_string()).with("field", err.field());
        match err {
            onsite_core::intake::IntakeError::DateInFuture { date, today, .. } => out
                .with("date", date.to_string())
                .with("today", today.to_string()),
            onsite_core::intake::IntakeError::DeliveryBeforePurchase {
                delivered,
                purchased,
            } => out
                .with("delivered", delivered.to_string())
                .with("purchased", purchased.to_string()),
            _ => out,
        }
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
        let message = err.to_string();
        let details = match &err {
            onsite_device::StoreError::Domain { source, .. } => match source.as_ref() {
                onsite_core::DomainError::Order(e) => e.details(),
                onsite_core::DomainError::Requisition(e) => e.details(),
                onsite_core::DomainError::Complaint(e) => crate::complaints::details(e),
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        Self {
            code: code.to_string(),
            message,
            details,
        }
    }
}

impl From<onsite_device::sync_client::SyncError> for CommandError {
    fn from(err: onsite_device::sync_client::SyncError) -> Self {
        tracing::warn!(%err, "sync error");
        match err {
            // One code for "sign in first", whichever layer noticed.
            onsite_device::sync_client::SyncError::NotSignedIn => Self::not_signed_in(),
            onsite_device::sync_client::SyncError::UnsentChanges { count } => {
                Self::new(err.code(), err.to_string()).with("unsent", count)
            }
            other => Self::new(other.code(), other.to_string()),
        }
    }
}
