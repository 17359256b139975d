//! The error every document operation returns, wrapping the rule errors of each
//! document type; each has a stable i18n code.

use crate::doc::complaint::ComplaintError;
use crate::doc::requisition::RequisitionError;
use crate::lifecycle::TransitionError;

/// A refused or failed domain operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An order rule refused it.
    #[error(transparent)]
    Order(#[from] TransitionError),
    /// A complaint rule refused it.
    #[error(transparent)]
    Complaint(#[from] ComplaintError),
    /// A requisition rule refused it.
    #[error(transparent)]
    Requisition(#[from] RequisitionError),
    /// The Automerge document does not hold a readable document of this kind.
    #[error("reading {kind} document: {message}")]
    Unreadable {
        /// Document kind.
        kind: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Writing into the Automerge document failed.
    #[error("writing {kind} document: {message}")]
    WriteFailed {
        /// Document kind.
        kind: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The document was written by a newer Onsite.
    #[error("{kind} document has schema version {found}; this build reads up to {supported}")]
    SchemaTooNew {
        /// Document kind.
        kind: &'static str,
        /// Version found.
        found: u64,
        /// Version supported.
        supported: u64,
    },
    /// `create` was given a document that already has content.
    #[error("{kind} document already has content")]
    NotEmpty {
        /// Document kind.
        kind: &'static str,
    },
}

impl DomainError {
    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Order(e) => e.code(),
            DomainError::Complaint(e) => e.code(),
            DomainError::Requisition(e) => e.code(),
            DomainError::Unreadable { .. } => "errors.document.unreadable",
            DomainError::WriteFailed { .. } => "errors.document.write_failed",
            DomainError::SchemaTooNew { .. } => "errors.document.schema_too_new",
            DomainError::NotEmpty { .. } => "errors.document.not_empty",
        }
    }
}
