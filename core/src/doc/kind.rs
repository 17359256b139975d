//! The kinds of Automerge document Onsite keeps, and their stored names. Shared by the
//! device store, the sync protocol and the server so the names cannot drift apart.

/// What kind of document this is. Each is its own Automerge document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A repair order.
    Order,
    /// A complaint.
    Complaint,
    /// A parts requisition.
    Requisition,
}

impl DocKind {
    /// The name stored in the `kind` column and used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Order => "order",
            DocKind::Complaint => "complaint",
            DocKind::Requisition => "requisition",
        }
    }

    /// Parses a stored `kind` column.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "order" => Some(DocKind::Order),
            "complaint" => Some(DocKind::Complaint),
            "requisition" => Some(DocKind::Requisition),
            _ => None,
        }
    }
}

impl std::fmt::Display for DocKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
