//! The sync wire format (`POST /v1/sync`): JSON, gzip on the wire, with Automerge data
//! as base64 of the standard binary format, so any Automerge implementation can join in.
//! Shared by the server and the device's sync client; `docs/sync-protocol.md` is the
//! specification, keep the two in step. Data only: no I/O.

use serde::{Deserialize, Serialize};

pub use crate::doc::DocKind;

/// One sync round trip from a device.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    /// The cursor from the last response the device applied and stored, or null on a
    /// first sync. Sending it also acknowledges everything that response carried.
    pub cursor: Option<u64>,
    /// Local changes the server may not have yet.
    #[serde(default)]
    pub push: Vec<PushDoc>,
    /// The device clock when it sent the request (RFC 3339), to measure its offset.
    pub client_time: Option<String>,
}

/// A device's changes to one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushDoc {
    /// The document id (a UUID).
    pub doc_id: String,
    /// `order`, `complaint` or `requisition`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "order"))]
    pub kind: DocKind,
    /// Base64 of Automerge changes (or a whole saved document), as `save_after` or
    /// `save` produce them.
    pub data: String,
    /// The device's heads for this document after these changes (hex change hashes).
    pub heads: Vec<String>,
}

/// The server's answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// Store this after applying `docs`, and send it as `cursor` next time.
    pub cursor: u64,
    /// True when more changes are waiting: sync again straight away.
    pub more: bool,
    /// Changes the device lacks, one entry per document.
    pub docs: Vec<PullDoc>,
    /// What happened to each pushed document.
    pub push_results: Vec<PushResult>,
    /// Documents the device must drop once nothing of its own is pending on them.
    pub removed: Vec<Removed>,
    /// The server clock (RFC 3339) when it answered.
    pub server_time: String,
    /// Server clock minus the device's `client_time`, in milliseconds, if it was sent.
    pub clock_offset_ms: Option<i64>,
    /// This device's pushes still held in quarantine, waiting for a supervisor. The list
    /// is complete on every response, so a notice disappears once its change is decided.
    #[serde(default)]
    pub held: Vec<HeldNotice>,
    /// The server's epoch, new after every restore from a backup. A device that sees it
    /// change treats nothing as known to the server any more (`docs/sync-protocol.md`,
    /// "After a restore"). Empty from a server too old to send one.
    #[serde(default)]
    pub epoch: String,
}

/// A push of this device held in quarantine (`SyncResponse::held`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldNotice {
    /// The quarantine entry.
    pub id: String,
    /// The document.
    pub doc_id: String,
    /// Why, as a stable code (`technician_may_not_change`, `forged_author` …).
    pub code: String,
    /// Why, in words.
    pub reason: String,
    /// When the server received it (RFC 3339).
    pub received_at: String,
}

/// A held change as a supervisor reviews it (`GET /v1/quarantine`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldChange {
    /// The quarantine entry.
    pub id: String,
    /// The document.
    pub doc_id: String,
    /// Its kind.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "order"))]
    pub kind: DocKind,
    /// Who pushed it (the device's enrolled user).
    pub user_id: String,
    /// Their name.
    pub user_name: String,
    /// The enrolled device.
    pub device_id: String,
    /// Its name, as given at enrollment.
    pub device_name: String,
    /// When the server received it (RFC 3339).
    pub received_at: String,
    /// Why, as a stable code.
    pub code: String,
    /// Why, in words.
    pub reason: String,
    /// Each rule the push broke.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub findings: Vec<crate::review::Finding>,
    /// What the change would have done, field by field.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub changes: Vec<crate::review::diff::FieldChange>,
    /// True when the change was merged and put back; false when it was held unmerged.
    pub neutralised: bool,
    /// `open`, `released` or `discarded`.
    pub status: String,
    /// Who decided it, and when (RFC 3339).
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<String>,
}

/// A supervisor's decision on a held change (`POST /v1/quarantine/{id}/release` or
/// `/discard`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    /// Why, in words; kept with the decision.
    #[serde(default)]
    pub note: String,
}

/// Who an Automerge actor is (`GET /v1/actors`): the enrolled device it is bound to
/// and the user the server attests, for audit views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorEntry {
    /// The actor id, hex.
    pub actor: String,
    /// The device.
    pub device_id: String,
    /// The device's name.
    pub device_name: String,
    /// The user.
    pub user_id: String,
    /// Their name.
    pub user_name: String,
    /// Their role.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "technician"))]
    pub role: crate::role::Role,
}

/// Changes for one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullDoc {
    pub doc_id: String,
    /// `order`, `complaint` or `requisition`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "order"))]
    pub kind: DocKind,
    /// Base64 of Automerge data to pass to `load_incremental`.
    pub data: String,
    /// The server's heads for the document after these changes.
    pub heads: Vec<String>,
}

/// The outcome of one pushed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PushResult {
    /// Merged into the office copy.
    Accepted { doc_id: String },
    /// Not merged: kept in quarantine for review. The device's copy is brought back in
    /// line by the changes in `docs`.
    Quarantined {
        doc_id: String,
        code: String,
        reason: String,
    },
    /// The data could not be read, or depends on changes the server never received; the
    /// device should resend the whole document.
    Rejected {
        doc_id: String,
        code: String,
        reason: String,
    },
}

/// A document leaving the device, and why, so the device can tell its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removed {
    pub doc_id: String,
    /// A stable reason code such as `reassigned`.
    pub reason: String,
}

/// Reference data (`GET /v1/reference`): what every device needs to work but never
/// edits, so it travels as plain JSON with an ETag rather than as Automerge documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reference {
    /// The parts catalog.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub parts: Vec<crate::records::catalog::Part>,
    /// Warehouses and vans.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub locations: Vec<crate::records::catalog::Location>,
    /// Staff names and roles, so records can show who did what.
    pub staff: Vec<StaffEntry>,
    /// The company's settings (every version: an order keeps the one it was created
    /// under) and working calendar. A copy from before they were served reads as the
    /// regulation's figures.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub company: crate::company::CompanyRules,
}

/// One member of staff as devices see them: no login, no contact details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffEntry {
    /// User id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: crate::ids::UserId,
    /// Display name.
    pub name: String,
    /// Role.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "technician"))]
    pub role: crate::role::Role,
}
