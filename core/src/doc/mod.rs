//! The Automerge documents: one per repair order, complaint and parts requisition,
//! mapped with autosurgeon. Top-level fields are last-writer-wins registers whose
//! concurrent values [`conflicts`] reports; lists are keyed by stable ids.

pub mod am;
pub mod complaint;
pub mod complaint_flags;
pub mod conflicts;
pub mod kind;
pub mod order;
pub mod requisition;

pub use kind::DocKind;

use autosurgeon::{Hydrate, Reconcile};

use crate::error::DomainError;
use crate::ops::Ctx;

/// A document type: what [`crate::ops::create`], [`crate::ops::apply`] and
/// [`crate::ops::hydrate`] work on.
pub trait Document: Reconcile + Hydrate + Clone {
    /// Short name used in commit messages and errors: `order`, `complaint`, `requisition`.
    const KIND: &'static str;
    /// The schema version this build writes; documents with a newer one are refused.
    const SCHEMA_VERSION: u64;
    /// The schema version stored in this document.
    fn schema_version(&self) -> u64;

    /// Writes into `doc` what changed from `before` (the document as hydrated from
    /// `doc`) to `after`. The default reconciles the whole document; document types
    /// override it to touch only the changed fields, which keeps a local edit cheap.
    fn reconcile_changes(
        doc: &mut automerge::AutoCommit,
        before: &Self,
        after: &Self,
    ) -> Result<(), autosurgeon::ReconcileError> {
        let _ = before;
        autosurgeon::reconcile(doc, after)
    }
}

/// Reconciles one top-level register field if it changed.
pub(crate) fn reconcile_field<T: Reconcile + PartialEq>(
    doc: &mut automerge::AutoCommit,
    key: &str,
    before: &T,
    after: &T,
) -> Result<(), autosurgeon::ReconcileError> {
    if before == after {
        return Ok(());
    }
    autosurgeon::reconcile_prop(doc, automerge::ROOT, key, after)
}

/// Reconciles one top-level keyed list. Appending (the common case: a new step, a new
/// part line) inserts just the new items; anything else falls back to autosurgeon's
/// keyed diff of the whole list.
pub(crate) fn reconcile_list<T: Reconcile + PartialEq>(
    doc: &mut automerge::AutoCommit,
    key: &str,
    before: &[T],
    after: &[T],
) -> Result<(), autosurgeon::ReconcileError> {
    use automerge::ReadDoc as _;
    if before == after {
        return Ok(());
    }
    if after.len() > before.len() && after[..before.len()] == *before {
        if let Ok(Some((automerge::Value::Object(automerge::ObjType::List), list))) =
            doc.get(automerge::ROOT, key)
        {
            if doc.length(&list) == before.len() {
                for (i, item) in after[before.len()..].iter().enumerate() {
                    autosurgeon::reconcile_insert(doc, list.clone(), before.len() + i, item)?;
                }
                return Ok(());
            }
        }
    }
    autosurgeon::reconcile_prop(doc, automerge::ROOT, key, after)
}

/// A domain operation on one document type.
pub trait Operation {
    /// The document it edits.
    type Doc: Document;
    /// Stable snake_case name, recorded in the commit message.
    fn name(&self) -> &'static str;
    /// Validates the operation against the rules and applies it to the in-memory document.
    /// On error the document is unchanged.
    fn apply_to(&self, doc: &mut Self::Doc, ctx: &Ctx<'_>) -> Result<(), DomainError>;
}

/// A window agreed with the customer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimeWindow {
    /// From.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub start: chrono::DateTime<chrono::Utc>,
    /// To.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub end: chrono::DateTime<chrono::Utc>,
}
