//! Concurrent values in a merged document. Automerge keeps every value written
//! concurrently to the same field and picks a deterministic winner; the office must see
//! these instead of a silent last-writer-wins, so this lists them with their path.

use automerge::{ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

/// Which field of the rules a conflict is on (the top-level document field).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictField {
    /// Order state or complaint / requisition status.
    State,
    /// Assigned technician or complaint owner.
    Assignee,
    /// The fee charged.
    Fee,
    /// The agreed time window.
    Schedule,
    /// The customer's sign-off.
    SignOff,
    /// Consent to plan and fee.
    Consent,
    /// Diagnosis and plan.
    Plan,
    /// Free or chargeable.
    Charge,
    /// Hold.
    Hold,
    /// Cancellation.
    Cancellation,
    /// Shipping back.
    Shipment,
    /// Severity of a complaint.
    Severity,
    /// Any other field, by name.
    Other(String),
}

impl ConflictField {
    fn from_key(key: &str) -> Self {
        match key {
            "state" | "status" => ConflictField::State,
            "assignee" | "owner" => ConflictField::Assignee,
            "fee" => ConflictField::Fee,
            "schedule" => ConflictField::Schedule,
            "sign_off" => ConflictField::SignOff,
            "consent" => ConflictField::Consent,
            "diagnosis" | "plan_approval" => ConflictField::Plan,
            "charge" | "customer_damage" | "repeat_of" => ConflictField::Charge,
            "hold" => ConflictField::Hold,
            "cancellation" => ConflictField::Cancellation,
            "shipment" => ConflictField::Shipment,
            "severity" => ConflictField::Severity,
            other => ConflictField::Other(other.to_string()),
        }
    }

    /// True for the fields a supervisor must decide on (everything but free text).
    pub fn needs_decision(&self) -> bool {
        !matches!(self, ConflictField::Other(_))
    }
}

/// One field with concurrent different values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The top-level field it belongs to.
    pub field: ConflictField,
    /// Path inside the document, e.g. `fee.minor` or `parts[2].quantity`.
    pub path: String,
    /// The concurrent values, rendered as text; the first is the one Automerge shows.
    pub values: Vec<String>,
}

/// Every field of `doc` holding concurrent different values, in document order.
pub fn conflicts<R: ReadDoc>(doc: &R) -> Vec<Conflict> {
    let mut out = Vec::new();
    walk(doc, &automerge::ROOT, "", None, false, &mut out);
    out
}

/// The conflicts a supervisor must decide ([`ConflictField::needs_decision`]), the same
/// as filtering [`conflicts`] but without walking the other fields: on a long order the
/// lists (history, steps, parts, photos) are most of the document, and the sync server
/// asks this after every merge.
pub fn decision_conflicts<R: ReadDoc>(doc: &R) -> Vec<Conflict> {
    let mut out = Vec::new();
    walk(doc, &automerge::ROOT, "", None, true, &mut out);
    out
}

fn walk<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    path: &str,
    top: Option<&str>,
    decisions_only: bool,
    out: &mut Vec<Conflict>,
) {
    let props: Vec<Prop> = match doc.object_type(obj) {
        Ok(ObjType::Map) | Ok(ObjType::Table) => doc.keys(obj).map(Prop::Map).collect(),
        Ok(ObjType::List) => (0..doc.length(obj)).map(Prop::Seq).collect(),
        _ => return,
    };
    for prop in props {
        let (child_path, top_key) = match &prop {
            Prop::Map(k) if path.is_empty() => (k.clone(), k.clone()),
            Prop::Map(k) => (format!("{path}.{k}"), top.unwrap_or(k).to_string()),
            Prop::Seq(i) => (format!("{path}[{i}]"), top.unwrap_or("").to_string()),
        };
        if decisions_only && path.is_empty() && !ConflictField::from_key(&top_key).needs_decision()
        {
            continue;
        }
        let Ok(values) = doc.get_all(obj, prop.clone()) else {
            continue;
        };
        if values.len() > 1 {
            let mut rendered: Vec<String> = Vec::new();
            for (v, id) in &values {
                let r = render(doc, v, id);
                if !rendered.contains(&r) {
                    rendered.push(r);
                }
            }
            if rendered.len() > 1 {
                // Show the value Automerge picked first.
                if let Ok(Some((v, id))) = doc.get(obj, prop.clone()) {
                    let winner = render(doc, &v, &id);
                    if let Some(pos) = rendered.iter().position(|r| *r == winner) {
                        let w = rendered.remove(pos);
                        rendered.insert(0, w);
                    }
                }
                out.push(Conflict {
                    field: ConflictField::from_key(&top_key),
                    path: child_path.clone(),
                    values: rendered,
                });
                // The losing object's insides are not worth listing field by field.
                continue;
            }
        }
        if let Ok(Some((Value::Object(_), id))) = doc.get(obj, prop) {
            walk(doc, &id, &child_path, Some(&top_key), decisions_only, out);
        }
    }
}

fn render_scalar(s: &ScalarValue) -> String {
    match s {
        ScalarValue::Bytes(b) if b.len() == 16 => uuid::Uuid::from_slice(b)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| hex::encode(b)),
        ScalarValue::Bytes(b) => hex::encode(b),
        ScalarValue::Str(s) => format!("{:?}", s.as_str()),
        ScalarValue::Timestamp(t) => chrono::DateTime::from_timestamp_millis(*t)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| t.to_string()),
        other => other.to_string(),
    }
}

/// A value as compact text; objects are rendered from their current (winning) values.
fn render<R: ReadDoc>(doc: &R, value: &Value<'_>, id: &ObjId) -> String {
    match value {
        Value::Scalar(s) => render_scalar(s),
        Value::Object(ObjType::Map) | Value::Object(ObjType::Table) => {
            let fields: Vec<String> = doc
                .keys(id)
                .filter_map(|k| {
                    let (v, child) = doc.get(id, k.as_str()).ok()??;
                    Some(format!("{k}: {}", render(doc, &v, &child)))
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Object(ObjType::List) => {
            let items: Vec<String> = (0..doc.length(id))
                .filter_map(|i| {
                    let (v, child) = doc.get(id, i).ok()??;
                    Some(render(doc, &v, &child))
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(ObjType::Text) => doc.text(id).unwrap_or_default(),
    }
}

/// A value as [`conflicts`] renders it, in the spelling a choice for
/// [`crate::doc::order::OrderOp::ResolveFlag`] takes: an enum variant as Automerge stores
/// it (`"SignedOff"`) becomes its snake_case name (`signed_off`), other strings lose
/// their quotes, and anything else (ids, numbers, objects) is left as it is.
pub fn as_choice(rendered: &str) -> String {
    let inner = rendered
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(rendered);
    let is_variant = inner.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && inner.chars().all(|c| c.is_ascii_alphabetic());
    if !is_variant {
        return inner.to_string();
    }
    let mut out = String::with_capacity(inner.len() + 4);
    for (i, c) in inner.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::order::{OrderDoc, OrderOp};
    use crate::fixtures::{uuid, Scenario};
    use crate::lifecycle::OrderState;
    use crate::money::Money;
    use crate::ops::{self, Ctx};
    use crate::records::request::ServiceMode;
    use crate::role::Actor;
    use automerge::{ActorId, AutoCommit};

    type R = Result<(), Box<dyn std::error::Error>>;

    fn replicas(
        state: OrderState,
        chargeable: bool,
    ) -> Result<(Scenario, AutoCommit, AutoCommit), Box<dyn std::error::Error>> {
        let mut s = Scenario::new(ServiceMode::OnSite, chargeable);
        s.drive_to(state)?;
        let mut a = AutoCommit::new().with_actor(ActorId::from(b"replica-a".as_slice()));
        let ctx = Ctx {
            actor: s.cast.dispatcher,
            now: s.now,
            settings: &s.settings,
            calendar: &s.calendar,
        };
        ops::create(&mut a, &s.order, &ctx)?;
        let b = a.fork().with_actor(ActorId::from(b"replica-b".as_slice()));
        Ok((s, a, b))
    }

    fn run(
        doc: &mut AutoCommit,
        s: &Scenario,
        actor: Actor,
        op: OrderOp,
    ) -> Result<(), crate::error::DomainError> {
        let ctx = Ctx {
            actor,
            now: s.now + chrono::Duration::minutes(5),
            settings: &s.settings,
            calendar: &s.calendar,
        };
        ops::apply(doc, &op, &ctx).map(|_| ())
    }

    #[test]
    fn office_cancel_against_technician_sign_off_is_surfaced() -> R {
        let (s, mut a, mut b) = replicas(OrderState::Tested, false)?;
        run(
            &mut a,
            &s,
            s.cast.dispatcher,
            OrderOp::Cancel {
                reason: "customer withdrew".into(),
            },
        )?;
        run(
            &mut b,
            &s,
            s.cast.technician,
            OrderOp::SignOff {
                id: crate::fixtures::rid(900),
                signer: "王芳".into(),
                rating: Some(5),
                signature_blob: "ab".repeat(32),
            },
        )?;
        a.merge(&mut b)?;
        let found = conflicts(&a);
        let state = found
            .iter()
            .find(|c| c.field == ConflictField::State)
            .ok_or("state conflict must be listed")?;
        assert_eq!(state.path, "state");
        assert_eq!(state.values.len(), 2);
        assert!(
            state.values.iter().any(|v| v.contains("Cancelled"))
                && state.values.iter().any(|v| v.contains("SignedOff"))
        );
        assert!(ConflictField::State.needs_decision());
        let decisions: Vec<Conflict> = found
            .iter()
            .filter(|c| c.field.needs_decision())
            .cloned()
            .collect();
        assert_eq!(
            decision_conflicts(&a),
            decisions,
            "the same as filtering the full walk"
        );
        let merged: OrderDoc = ops::hydrate(&a)?;
        assert_eq!(
            merged.history.len(),
            s.order.history.len() + 2,
            "both state changes stay in the history"
        );
        Ok(())
    }

    #[test]
    fn rendered_values_become_the_spelling_a_choice_takes() {
        assert_eq!(as_choice("\"Cancelled\""), "cancelled");
        assert_eq!(as_choice("\"SignedOff\""), "signed_off");
        assert_eq!(as_choice("\"E21\""), "E21", "text that is no variant stays");
        let id = "0193a3c4-0000-7000-8000-000000000001";
        assert_eq!(as_choice(id), id);
        assert_eq!(as_choice("20000"), "20000");
    }

    #[test]
    fn concurrent_reassignment_is_surfaced() -> R {
        let (s, mut a, mut b) = replicas(OrderState::Dispatched, false)?;
        run(
            &mut a,
            &s,
            s.cast.dispatcher,
            OrderOp::Assign {
                assignee: crate::ids::UserId(uuid(3)),
            },
        )?;
        run(
            &mut b,
            &s,
            s.cast.supervisor,
            OrderOp::Assign {
                assignee: crate::ids::UserId(uuid(9)),
            },
        )?;
        a.merge(&mut b)?;
        let found = conflicts(&a);
        assert!(
            found
                .iter()
                .any(|c| c.field == ConflictField::Assignee && c.path == "assignee"),
            "{found:?}"
        );
        Ok(())
    }

    #[test]
    fn concurrent_fee_overrides_conflict_on_the_fee_and_keep_both_records() -> R {
        let (s, mut a, mut b) = replicas(OrderState::InRepair, true)?;
        let sup = s.cast.supervisor;
        run(
            &mut a,
            &s,
            sup,
            OrderOp::OverrideFee {
                id: crate::fixtures::rid(1),
                fee: Money::new(20_000, "CNY"),
                reason: "goodwill".into(),
            },
        )?;
        run(
            &mut b,
            &s,
            sup,
            OrderOp::OverrideFee {
                id: crate::fixtures::rid(2),
                fee: Money::new(25_000, "CNY"),
                reason: "parts cheaper".into(),
            },
        )?;
        a.merge(&mut b)?;
        let found = conflicts(&a);
        let fee = found
            .iter()
            .find(|c| c.field == ConflictField::Fee)
            .ok_or("fee conflict must be listed")?;
        assert_eq!(fee.path, "fee.minor");
        let merged: OrderDoc = ops::hydrate(&a)?;
        assert_eq!(merged.fee_overrides.len(), 2, "both overrides are kept");
        Ok(())
    }

    #[test]
    fn concurrent_part_lines_merge_without_conflict() -> R {
        let (s, mut a, mut b) = replicas(OrderState::InRepair, false)?;
        let part = |seed: u128| OrderOp::UsePart {
            id: crate::fixtures::rid(seed),
            part: crate::ids::PartId(uuid(500 + seed)),
            part_number: format!("P-{seed}"),
            certified: true,
            serialized: false,
            quantity: 1,
            serials_new: vec![],
            serials_old: vec![],
            location: s.cast.van,
        };
        run(&mut a, &s, s.cast.technician, part(1))?;
        run(&mut b, &s, s.cast.technician, part(2))?;
        a.merge(&mut b)?;
        assert!(
            conflicts(&a).is_empty(),
            "keyed list inserts do not conflict"
        );
        let merged: OrderDoc = ops::hydrate(&a)?;
        assert_eq!(merged.parts.len(), 2, "both part lines survive");
        Ok(())
    }
}
