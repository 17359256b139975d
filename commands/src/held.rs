//! The supervisor's review of held changes on the desk: `list_held_changes`,
//! `release_held_change`, `discard_held_change`. The office device asks the server with
//! its signed-in session (the server answers 403 to anyone but a supervisor); nothing is
//! cached, so offline is the sync layer's `errors.sync.offline`. The view models turn the
//! server's review into codes and structured values the UI words in both languages: the
//! reason a change was held, each rule it broke, and what it would have done, field by
//! field. No rule is judged here; the server's review did that.

use onsite_core::protocol::HeldChange;
use onsite_core::review::diff::{Change, FieldChange};
use onsite_core::role::Role;
use onsite_device::sync_client::{StoreAccess, SyncClient};
use serde::Serialize;
use serde_json::Value;

use crate::error::CommandError;
use crate::App;

/// A change the server holds for review, as the desk shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HeldChangeView {
    /// The quarantine entry.
    pub id: String,
    /// The document it was pushed for.
    pub doc_id: String,
    /// `order`, `requisition` or `complaint`.
    pub kind: String,
    /// The order's number, when it is an order this device holds.
    pub order_number: Option<String>,
    /// The user the server attests pushed it (the device's enrolled user).
    pub user_id: String,
    /// Their name.
    pub user_name: String,
    /// The enrolled device it came from.
    pub device_id: String,
    /// The device's name, as given at enrollment.
    pub device_name: String,
    /// When the server received it (RFC 3339).
    pub received_at: String,
    /// Why it is held.
    pub reason: HeldReasonView,
    /// Each rule the push broke.
    pub findings: Vec<FindingView>,
    /// What the change would have done, field by field.
    pub changes: Vec<FieldChangeView>,
    /// Merged and put back (true), or held unmerged (false).
    pub neutralised: bool,
    /// Open, or how a supervisor decided it.
    pub status: HeldStatus,
    /// The supervisor who decided it.
    pub decided_by: Option<String>,
    /// Their name, when this device knows it.
    pub decided_by_name: Option<String>,
    /// When it was decided (RFC 3339).
    pub decided_at: Option<String>,
}

/// Why a change is held: an i18n key and the role it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct HeldReasonView {
    /// i18n key, e.g. `held.reason.role_may_not_change`; `held.reason.other` for a code
    /// this app does not know yet (shown with `raw`).
    pub code: String,
    /// The pusher's role, for `role_may_not_change`.
    pub role: Option<Role>,
    /// The server's code as it sent it.
    pub raw: String,
}

/// One rule the push broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FindingView {
    /// i18n key, e.g. `held.finding.role_not_permitted`; `held.finding.other` for a code
    /// this app does not know yet.
    pub code: String,
    /// The server's code as it sent it.
    pub raw: String,
    /// The document field, e.g. `state`, `comments`.
    pub field: String,
    /// The record in a keyed list, when the rule is about one record.
    pub record: Option<String>,
}

/// A value shown as its leaves: `path` (empty for a plain value, `by.user` inside a
/// record) and the value as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Leaf {
    /// Where in the value, dot-separated; empty for the value itself.
    pub path: String,
    /// The value as text; `null` is the empty value.
    pub value: Option<String>,
}

/// A record of a keyed list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RecordView {
    /// Its key (`id`, or `hash` for photos).
    pub key: String,
    /// Its values.
    pub leaves: Vec<Leaf>,
}

/// A record whose content changed: only the leaves that differ, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RecordChangeView {
    /// Its key.
    pub key: String,
    /// The differing leaves as they were.
    pub before: Vec<Leaf>,
    /// The differing leaves as the change would make them.
    pub after: Vec<Leaf>,
}

/// What a change would have done to one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldChangeView {
    /// A value: old → new (only the leaves that differ).
    Value {
        /// The document field.
        field: String,
        /// As it was.
        before: Vec<Leaf>,
        /// As the change would make it.
        after: Vec<Leaf>,
    },
    /// A keyed list: the records added, changed and removed.
    Records {
        /// The document field.
        field: String,
        /// New records.
        added: Vec<RecordView>,
        /// Changed records.
        changed: Vec<RecordChangeView>,
        /// Records taken out.
        removed: Vec<RecordView>,
    },
}

impl FieldChangeView {
    /// Every leaf it shows, to reword in place.
    fn leaves_mut(&mut self) -> impl Iterator<Item = &mut Leaf> {
        let lists: Vec<&mut Vec<Leaf>> = match self {
            FieldChangeView::Value { before, after, .. } => vec![before, after],
            FieldChangeView::Records {
                added,
                changed,
                removed,
                ..
            } => added
                .iter_mut()
                .chain(removed.iter_mut())
                .map(|r| &mut r.leaves)
                .chain(
                    changed
                        .iter_mut()
                        .flat_map(|r| [&mut r.before, &mut r.after]),
                )
                .collect(),
        };
        lists.into_iter().flat_map(|l| l.iter_mut())
    }
}

/// Where a held change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HeldStatus {
    /// Waiting for a supervisor.
    Open,
    /// Merged as a supervisor's decision.
    Released,
    /// The office copy was kept as it is.
    Discarded,
}

/// The reasons the server gives (`docs/sync-protocol.md`, "Verdicts and codes") that
/// have their own words; `<role>_may_not_change` is worded with the role.
const REASONS: &[&str] = &[
    "not_assigned",
    "reassigned",
    "actor_not_yours",
    "server_actor",
    "forged_author",
    "unreadable",
];

/// The finding codes of the review (`onsite_core::review`, the server's attestation)
/// that have their own words.
const FINDINGS: &[&str] = &[
    "role_not_permitted",
    "transition_not_allowed",
    "append_only",
    "forged_author",
    "unknown_field",
    "not_requester",
    "immutable",
    "not_own_van",
    "not_allowed_in_status",
    "server_actor",
    "actor_not_yours",
];

/// The reason code as the UI words it.
pub fn reason(code: &str) -> HeldReasonView {
    let role = code
        .strip_suffix("_may_not_change")
        .and_then(|r| Role::ALL.into_iter().find(|role| role.as_str() == r));
    let key = if role.is_some() {
        "held.reason.role_may_not_change".to_string()
    } else if REASONS.contains(&code) {
        format!("held.reason.{code}")
    } else {
        "held.reason.other".to_string()
    };
    HeldReasonView {
        code: key,
        role,
        raw: code.to_string(),
    }
}

fn finding(f: &onsite_core::review::Finding) -> FindingView {
    let code = if FINDINGS.contains(&f.code.as_str()) {
        format!("held.finding.{}", f.code)
    } else {
        "held.finding.other".to_string()
    };
    FindingView {
        code,
        raw: f.code.clone(),
        field: f.field.clone(),
        record: f.record.clone(),
    }
}

/// The leaves of a JSON value, depth first, with dotted paths (list items by index).
fn leaves(value: &Value) -> Vec<Leaf> {
    fn walk(value: &Value, path: &str, out: &mut Vec<Leaf>) {
        let join = |k: &str| {
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            }
        };
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    walk(v, &join(k), out);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &join(&i.to_string()), out);
                }
            }
            Value::Null => out.push(Leaf {
                path: path.to_string(),
                value: None,
            }),
            Value::String(s) => out.push(Leaf {
                path: path.to_string(),
                value: Some(s.clone()),
            }),
            other => out.push(Leaf {
                path: path.to_string(),
                value: Some(other.to_string()),
            }),
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

/// The leaves of `before` and `after` that differ (a leaf missing on one side is empty
/// there), so a changed record shows what changed, not all of it again.
fn differing(before: &Value, after: &Value) -> (Vec<Leaf>, Vec<Leaf>) {
    let (old, new) = (leaves(before), leaves(after));
    let find = |list: &[Leaf], path: &str| list.iter().find(|l| l.path == path).cloned();
    let mut paths: Vec<String> = old.iter().map(|l| l.path.clone()).collect();
    for l in &new {
        if !paths.contains(&l.path) {
            paths.push(l.path.clone());
        }
    }
    let mut out = (Vec::new(), Vec::new());
    for path in paths {
        let empty = || Leaf {
            path: path.clone(),
            value: None,
        };
        let (b, a) = (
            find(&old, &path).unwrap_or_else(empty),
            find(&new, &path).unwrap_or_else(empty),
        );
        if b != a {
            out.0.push(b);
            out.1.push(a);
        }
    }
    out
}

fn record(value: &Value) -> RecordView {
    RecordView {
        key: onsite_core::review::diff::record_key(value),
        leaves: leaves(value),
    }
}

/// One field's change in the desk's structured form.
pub fn field_change(c: &FieldChange) -> FieldChangeView {
    match &c.change {
        Change::Value { before, after } => {
            let (before, after) = differing(before, after);
            FieldChangeView::Value {
                field: c.field.clone(),
                before,
                after,
            }
        }
        Change::Records {
            added,
            changed,
            removed,
        } => FieldChangeView::Records {
            field: c.field.clone(),
            added: added.iter().map(record).collect(),
            changed: changed
                .iter()
                .map(|rc| {
                    let (before, after) = differing(&rc.before, &rc.after);
                    RecordChangeView {
                        key: rc.key.clone(),
                        before,
                        after,
                    }
                })
                .collect(),
            removed: removed.iter().map(record).collect(),
        },
    }
}

/// The desk's view of a held change; the order number and names come from this
/// device's copy of the order and the staff list, when it has them.
fn view(app: &App, held: HeldChange) -> Result<HeldChangeView, CommandError> {
    let (order_number, decided_by_name, people) = app.with_store(|store| {
        let number = match held.kind {
            onsite_core::doc::DocKind::Order => held
                .doc_id
                .parse::<onsite_core::ids::OrderId>()
                .ok()
                .and_then(|id| store.order(id).ok())
                .map(|o| o.number),
            _ => None,
        };
        let people = crate::reference::people(store)?;
        let name = held
            .decided_by
            .as_ref()
            .and_then(|u| people.get(u).cloned());
        Ok((number, name, people))
    })?;
    let mut changes: Vec<FieldChangeView> = held.changes.iter().map(field_change).collect();
    // A user id (an author, an assignee) reads as the person's name.
    for change in &mut changes {
        for leaf in change.leaves_mut() {
            if let Some(name) = leaf.value.as_ref().and_then(|v| people.get(v)) {
                leaf.value = Some(name.clone());
            }
        }
    }
    let status = match held.status.as_str() {
        "released" => HeldStatus::Released,
        "discarded" => HeldStatus::Discarded,
        _ => HeldStatus::Open,
    };
    Ok(HeldChangeView {
        reason: reason(&held.code),
        findings: held.findings.iter().map(finding).collect(),
        changes,
        kind: held.kind.as_str().to_string(),
        order_number,
        id: held.id,
        doc_id: held.doc_id,
        user_id: held.user_id,
        user_name: held.user_name,
        device_id: held.device_id,
        device_name: held.device_name,
        received_at: held.received_at,
        neutralised: held.neutralised,
        status,
        decided_by: held.decided_by,
        decided_by_name,
        decided_at: held.decided_at,
    })
}

fn client(app: &App) -> Result<SyncClient, CommandError> {
    (&*app.store)
        .with(|s| SyncClient::from_store(s))?
        .ok_or_else(CommandError::not_signed_in)
}

/// The held changes, oldest first: the open ones, or every one with `all`.
#[tracing::instrument(skip_all, fields(all))]
pub async fn list_held_changes(app: &App, all: bool) -> Result<Vec<HeldChangeView>, CommandError> {
    let held = client(app)?.held_changes(all).await?;
    held.into_iter().map(|h| view(app, h)).collect()
}

/// Releases held change `id`: the server merges it as this supervisor's decision and
/// records it on the order. The desk then syncs, so the order shows the outcome.
#[tracing::instrument(skip_all, fields(held = %id))]
pub async fn release_held_change(
    app: &App,
    id: &str,
    note: &str,
) -> Result<HeldChangeView, CommandError> {
    let held = client(app)?.release_held(id, note).await?;
    after_decision(app).await;
    view(app, held)
}

/// Discards held change `id`: the office copy stays as it is; the decision is recorded.
#[tracing::instrument(skip_all, fields(held = %id))]
pub async fn discard_held_change(
    app: &App,
    id: &str,
    note: &str,
) -> Result<HeldChangeView, CommandError> {
    let held = client(app)?.discard_held(id, note).await?;
    after_decision(app).await;
    view(app, held)
}

/// The decision changed the order at the office: fetch it now. A failed round is not a
/// failed decision (the server has it); the loop retries.
async fn after_decision(app: &App) {
    if let Err(err) = crate::sync::round(&app.store, &app.sync).await {
        tracing::warn!(%err, "sync after a held-change decision failed; the loop retries");
    }
    app.sync.nudge();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_role_reason_names_the_role_and_an_unknown_one_keeps_its_code() {
        let r = reason("dispatcher_may_not_change");
        assert_eq!(r.code, "held.reason.role_may_not_change");
        assert_eq!(r.role, Some(Role::Dispatcher));
        assert_eq!(reason("not_assigned").code, "held.reason.not_assigned");
        let unknown = reason("a_code_from_a_newer_server");
        assert_eq!(unknown.code, "held.reason.other");
        assert_eq!(unknown.raw, "a_code_from_a_newer_server");
        assert_eq!(reason("pilot_may_not_change").code, "held.reason.other");
    }

    #[test]
    fn a_changed_value_shows_only_the_leaves_that_differ() {
        let c = FieldChange {
            field: "cancellation".into(),
            change: Change::Value {
                before: Value::Null,
                after: json!({"reason": "no longer needed", "by": {"user": "u1", "role": "technician"}}),
            },
        };
        let FieldChangeView::Value { before, after, .. } = field_change(&c) else {
            panic!("a register change stays a value change");
        };
        let paths: Vec<_> = after.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, ["by.role", "by.user", "reason"]);
        assert!(before.iter().all(|l| l.value.is_none()), "nothing before");
        let state = FieldChange {
            field: "state".into(),
            change: Change::Value {
                before: json!("dispatched"),
                after: json!("cancelled"),
            },
        };
        let FieldChangeView::Value { before, after, .. } = field_change(&state) else {
            panic!("value");
        };
        assert_eq!(
            before,
            [Leaf {
                path: "".into(),
                value: Some("dispatched".into())
            }]
        );
        assert_eq!(after[0].value.as_deref(), Some("cancelled"));
    }

    #[test]
    fn a_changed_record_shows_what_changed_in_it() {
        let c = FieldChange {
            field: "comments".into(),
            change: Change::Records {
                added: vec![json!({"id": "c2", "text": "new"})],
                changed: vec![onsite_core::review::diff::RecordChange {
                    key: "c1".into(),
                    before: json!({"id": "c1", "text": "old", "at": 1}),
                    after: json!({"id": "c1", "text": "edited", "at": 1}),
                }],
                removed: vec![],
            },
        };
        let FieldChangeView::Records { added, changed, .. } = field_change(&c) else {
            panic!("records");
        };
        assert_eq!(added[0].key, "c2");
        assert_eq!(
            changed[0].before,
            [Leaf {
                path: "text".into(),
                value: Some("old".into())
            }]
        );
        assert_eq!(changed[0].after[0].value.as_deref(), Some("edited"));
    }
}
