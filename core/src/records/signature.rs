//! Every signature the customer gave on an order, kept in order: each sign-off, each
//! objection, and the receipt and pick-up signatures of a carry-in order. The order's
//! `sign_off` register keeps only the current sign-off (what the lifecycle and the void
//! check read); this list is the record, so a reopened and re-signed order keeps its
//! first signature and an objection keeps the signature given with it.
//!
//! The shape is deliberately flat, for the service report and the KPIs to read: one
//! entry per signature with its kind, signer, time, who captured it, the stroke blob,
//! and the digest of what it covered (see [`crate::signoff`]).

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{RecordId, UserId};

/// What a signature was given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// The customer signed off the work (客户签字确认).
    SignOff,
    /// The customer objected (异议) and signed the objection.
    Objection,
    /// A carry-in product handed over at the counter (送修收件).
    Receipt,
    /// A carry-in product picked up by the customer (取件).
    PickUp,
}

/// One signature on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signature {
    /// Stable id. For an objection it is the objection's own id.
    #[key]
    pub id: RecordId,
    /// What it was given for.
    pub kind: SignatureKind,
    /// The signer's name.
    pub signer: String,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who captured it on their screen.
    pub captured_by: UserId,
    /// Satisfaction 1–5, for a sign-off that gave one.
    pub rating: Option<u8>,
    /// Content hash of the stroke blob; empty for an objection recorded without one
    /// (before objections were signed).
    pub signature_blob: String,
    /// SHA-256 (hex) of what the order covered when signed ([`crate::signoff::digest`]).
    pub digest: String,
    /// The objection's text, or a note (the condition on receipt); empty otherwise.
    pub text: String,
}

/// A signature captured with another operation (the carry-in receipt): the record id it
/// is kept under, the signer and the stroke blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureCapture {
    /// Record id in `signatures`.
    pub id: RecordId,
    /// The signer's name.
    pub signer: String,
    /// Content hash of the stroke blob.
    pub signature_blob: String,
}
