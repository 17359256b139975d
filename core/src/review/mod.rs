//! Reviewing a push: what a set of pushed changes did to a document ([`diff`]), and
//! whether the pusher's role may have done it ([`order`], [`requisition`], [`complaint`]), judged with
//! the same rules the devices apply ([`crate::lifecycle::check`], the requisition and flag
//! rules). Pure: the caller (the sync server) supplies the documents, the patches and
//! who pushed; nothing here reads storage or the clock.

pub mod complaint;
pub mod diff;
pub mod order;
pub mod requisition;

#[cfg(test)]
mod mode_tests;

use serde::{Deserialize, Serialize};

use crate::ids::LocationId;
use crate::role::Actor;

/// Who pushed, as the server attests it (the enrolled device's user and role), and the
/// stock locations the server knows.
#[derive(Debug, Clone)]
pub struct Pusher {
    /// The attested user and their role.
    pub actor: Actor,
    /// Stock locations registered to someone other than the pusher (other technicians'
    /// vans and the warehouses): part use may not draw on them.
    pub foreign_locations: Vec<LocationId>,
}

/// One thing a push did that the pusher may not do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code, e.g. `role_not_permitted`, `append_only`, `forged_author`.
    pub code: String,
    /// The top-level field of the document.
    pub field: String,
    /// The record in a keyed list, when the finding is about one record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// In words, for the supervisor reviewing it.
    pub reason: String,
}

impl Finding {
    /// A finding with its code, field, record key and reason.
    pub fn new(
        code: &'static str,
        field: &str,
        record: Option<String>,
        reason: impl Into<String>,
    ) -> Self {
        Finding {
            code: code.to_string(),
            field: field.to_string(),
            record,
            reason: reason.into(),
        }
    }
}

/// Findings about who a value claims wrote it: every `by`, `recorded_by` and
/// `captured_by` in `value` (a record as JSON) must name the pusher; where it names an
/// actor (user and role), both must match.
pub(crate) fn forged_authors(
    pusher: &Actor,
    field: &str,
    record: Option<String>,
    value: &serde_json::Value,
    out: &mut Vec<Finding>,
) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    for key in ["by", "recorded_by", "captured_by"] {
        let Some(author) = map.get(key) else {
            continue;
        };
        let (user, role) = match author {
            serde_json::Value::String(user) => (Some(user.as_str()), None),
            serde_json::Value::Object(actor) => (
                actor.get("user").and_then(|u| u.as_str()),
                actor.get("role").and_then(|r| r.as_str()),
            ),
            _ => (None, None),
        };
        let user_ok = user == Some(pusher.user.to_string().as_str());
        let role_ok = role.is_none_or(|r| r == pusher.role.as_str());
        if !(user_ok && role_ok) {
            out.push(Finding::new(
                "forged_author",
                field,
                record.clone(),
                format!(
                    "{field} names {} as its author, but the change came from {} {}",
                    author, pusher.role, pusher.user
                ),
            ));
        }
    }
}

/// How a field is named to a person reading a held change.
pub fn label(field: &str) -> &str {
    match field {
        "assignee" => "the assignment",
        "plan_approval" => "the plan approval",
        "fee_overrides" => "a fee override",
        "fee" => "the fee",
        "flags" => "the flags",
        "clock_offsets" => "the clock offsets",
        "settings_version" => "the settings version",
        "history" => "the state history",
        "state" => "the state",
        "follow_ups" => "a follow-up",
        "comments" => "a comment",
        "parts" => "the parts used",
        "cancellation" => "the cancellation",
        "requester" => "the requester",
        "approval" => "the approval",
        "status" => "the status",
        "events" => "the stock movements",
        "lines" => "the lines",
        "handbacks" => "the parts handed back",
        "measures" => "the measures",
        "updates" => "the notes to the customer",
        "severity" => "the severity",
        "return_decisions" => "the return or exchange decision",
        "cause" => "the cause",
        other => other,
    }
}

/// The findings in words, one clause per field: what the device is told and what the
/// supervisor reads first.
pub fn summary(findings: &[Finding]) -> String {
    let mut clauses: Vec<String> = Vec::new();
    for f in findings {
        let clause = format!("{}: {}", label(&f.field), f.reason);
        if !clauses.contains(&clause) {
            clauses.push(clause);
        }
    }
    clauses.join("; ")
}
