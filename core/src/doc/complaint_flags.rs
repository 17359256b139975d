//! A complaint's flags, as an order's: the server raises them (its SLA clocks, and
//! concurrent values on a decision field) and people resolve them. The decision fields
//! are the ones the complaint rules hang something on: `severity` (the deadline and
//! whether the supervisor handles it), `owner` (who answers for it), `status` (closed
//! or handled again: two verdicts given at once), and `cause` (the class the trend
//! reports count). Everything else is either free text a later edit simply corrects
//! (complainant, content, demand, contact) or a keyed list where both edits are kept
//! (measures, notes, follow-ups, history).

use automerge::{AutoCommit, ObjType, Value};
use autosurgeon::Hydrate;
use chrono::{DateTime, Utc};

use crate::doc::complaint::{Cause, ComplaintDoc, ComplaintError, ComplaintStatus};
use crate::doc::conflicts::{as_choice, conflicts};
use crate::doc::Document;
use crate::ids::RecordId;
use crate::ops::Ctx;
use crate::records::order::{Flag, FlagKind, FlagResolution};

/// The complaint's fields whose concurrent values a supervisor decides.
pub const DECISION_FIELDS: [&str; 4] = ["severity", "owner", "status", "cause"];

/// One decision field holding concurrent values, with each value as the choice that
/// keeps it ([`crate::doc::complaint::ComplaintOp::ResolveFlag`]): JSON in the API's
/// spelling (`"major"`, a user id, a cause `{category, text, at, by}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DecisionConflict {
    /// `severity`, `owner`, `status` or `cause`.
    pub field: String,
    /// The values, the one Automerge shows first; each is a valid choice.
    pub choices: Vec<String>,
}

/// The decision fields of the complaint in `doc` holding concurrent values.
pub fn decision_conflicts<D>(doc: &D) -> Vec<DecisionConflict>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    let mut out: Vec<DecisionConflict> = Vec::new();
    for c in conflicts(doc) {
        let field = c
            .path
            .split(['.', '['])
            .next()
            .unwrap_or(&c.path)
            .to_string();
        if !DECISION_FIELDS.contains(&field.as_str()) || out.iter().any(|d| d.field == field) {
            continue;
        }
        let choices = if field == "cause" {
            cause_choices(doc)
        } else {
            c.values
                .iter()
                .map(|v| {
                    let v = as_choice(v);
                    // A string (an enum's name, a user id) as JSON; `null` stays null.
                    if v == "null" {
                        v
                    } else {
                        serde_json::Value::String(v).to_string()
                    }
                })
                .collect()
        };
        out.push(DecisionConflict { field, choices });
    }
    out
}

/// Each concurrent cause, whole. Recording a cause writes a new object (see
/// [`Document::reconcile_changes`] below), so two causes recorded at once are two
/// objects under `cause`; an older document edited in place shows its current cause.
fn cause_choices<D>(doc: &D) -> Vec<String>
where
    D: automerge::ReadDoc + autosurgeon::ReadDoc,
{
    let Ok(values) = automerge::ReadDoc::get_all(doc, automerge::ROOT, "cause") else {
        return vec![];
    };
    values
        .into_iter()
        .filter_map(|(value, id)| match value {
            Value::Object(ObjType::Map) => Cause::hydrate_map(doc, &id)
                .ok()
                .and_then(|c| serde_json::to_string(&c).ok()),
            _ => Some("null".to_string()),
        })
        .collect()
}

impl Document for ComplaintDoc {
    const KIND: &'static str = "complaint";
    const SCHEMA_VERSION: u64 = crate::doc::complaint::COMPLAINT_SCHEMA_VERSION;
    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn reconcile_changes(
        doc: &mut AutoCommit,
        before: &Self,
        after: &Self,
    ) -> Result<(), autosurgeon::ReconcileError> {
        use automerge::transaction::Transactable as _;
        // Written afresh (deleted, then written by the reconcile below): a new cause, so
        // that two causes recorded at once stay two whole causes rather than a mix of
        // both; and a field a supervisor decided, so the write supersedes every
        // concurrent value even when the value kept is the one Automerge shows.
        let mut afresh: Vec<&str> = Vec::new();
        if before.cause != after.cause {
            afresh.push("cause");
        }
        for flag in &after.flags {
            let newly_decided = flag.kind == FlagKind::Conflict
                && flag.resolution.as_ref().is_some_and(|r| r.choice.is_some())
                && before
                    .flags
                    .iter()
                    .any(|b| b.id == flag.id && b.resolution.is_none());
            if newly_decided && DECISION_FIELDS.contains(&flag.subject.as_str()) {
                afresh.push(flag.subject.as_str());
            }
        }
        for key in &afresh {
            if automerge::ReadDoc::get(doc, automerge::ROOT, *key)?.is_some() {
                doc.delete(automerge::ROOT, *key)?;
            }
        }
        // Only the fields that changed: rewriting a field with the value it shows would
        // silently settle a conflict on it (the server's flag write must leave the
        // concurrent values for the supervisor to see).
        use crate::doc::am::OptTimeRef;
        use crate::doc::{reconcile_field, reconcile_list};
        use autosurgeon::reconcile_prop;
        let (b, a) = (before, after);
        reconcile_field(doc, "number", &b.number, &a.number)?;
        reconcile_field(doc, "complainant", &b.complainant, &a.complainant)?;
        reconcile_field(doc, "phone", &b.phone, &a.phone)?;
        reconcile_field(doc, "contact", &b.contact, &a.contact)?;
        reconcile_field(doc, "content", &b.content, &a.content)?;
        reconcile_field(doc, "demand", &b.demand, &a.demand)?;
        reconcile_field(doc, "order", &b.order, &a.order)?;
        reconcile_field(
            doc,
            "first_contact_at",
            &OptTimeRef(&b.first_contact_at),
            &OptTimeRef(&a.first_contact_at),
        )?;
        reconcile_field(
            doc,
            "closed_at",
            &OptTimeRef(&b.closed_at),
            &OptTimeRef(&a.closed_at),
        )?;
        reconcile_list(doc, "measures", &b.measures, &a.measures)?;
        reconcile_list(doc, "updates", &b.updates, &a.updates)?;
        reconcile_list(doc, "follow_ups", &b.follow_ups, &a.follow_ups)?;
        reconcile_list(doc, "history", &b.history, &a.history)?;
        reconcile_list(doc, "flags", &b.flags, &a.flags)?;
        // The decision fields: when changed, or written afresh after the delete above.
        for key in DECISION_FIELDS {
            let fresh = afresh.contains(&key);
            match key {
                "severity" if fresh => reconcile_prop(doc, automerge::ROOT, key, a.severity)?,
                "severity" => reconcile_field(doc, key, &b.severity, &a.severity)?,
                "owner" if fresh => reconcile_prop(doc, automerge::ROOT, key, a.owner)?,
                "owner" => reconcile_field(doc, key, &b.owner, &a.owner)?,
                "status" if fresh => reconcile_prop(doc, automerge::ROOT, key, a.status)?,
                "status" => reconcile_field(doc, key, &b.status, &a.status)?,
                _ if fresh => reconcile_prop(doc, automerge::ROOT, key, &a.cause)?,
                _ => reconcile_field(doc, key, &b.cause, &a.cause)?,
            }
        }
        Ok(())
    }
}

/// Never called: names every field, so adding one to [`ComplaintDoc`] fails to compile
/// here until `reconcile_changes` above writes it (the identity and `received_at` never
/// change after creation).
#[allow(dead_code)]
fn every_field_is_written(c: &ComplaintDoc) {
    let ComplaintDoc {
        schema_version: _,
        id: _,
        received_at: _,
        number: _,
        complainant: _,
        phone: _,
        contact: _,
        content: _,
        demand: _,
        order: _,
        severity: _,
        status: _,
        owner: _,
        first_contact_at: _,
        cause: _,
        measures: _,
        updates: _,
        closed_at: _,
        follow_ups: _,
        history: _,
        flags: _,
    } = c;
}

impl ComplaintDoc {
    /// Flags still waiting for someone.
    pub fn open_flags(&self) -> impl Iterator<Item = &Flag> {
        self.flags.iter().filter(|f| f.is_open())
    }

    fn open_flag(&self, id: RecordId) -> Result<&Flag, ComplaintError> {
        let flag = self
            .flags
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| ComplaintError::UnknownFlag { id: id.to_string() })?;
        if !flag.is_open() {
            return Err(ComplaintError::FlagAlreadyResolved { id: id.to_string() });
        }
        Ok(flag)
    }

    fn settle(&mut self, id: RecordId, resolution: FlagResolution) -> Result<(), ComplaintError> {
        let flag = self
            .flags
            .iter_mut()
            .find(|f| f.id == id)
            .ok_or_else(|| ComplaintError::UnknownFlag { id: id.to_string() })?;
        flag.resolution = Some(resolution);
        Ok(())
    }

    /// A person resolves flag `id` ([`crate::doc::complaint::ComplaintOp::ResolveFlag`]):
    /// the roles its kind names (a conflict: the supervisor alone), with a note; a
    /// conflict's `choice` is written into its field.
    pub(crate) fn resolve_flag_as(
        &mut self,
        ctx: &Ctx<'_>,
        id: RecordId,
        note: &str,
        choice: Option<&str>,
    ) -> Result<(), ComplaintError> {
        let flag = self.open_flag(id)?;
        let role = ctx.actor.role;
        if !flag.kind.resolvers().contains(&role) {
            return Err(ComplaintError::FlagNotAllowed {
                role,
                kind: flag.kind.as_str(),
            });
        }
        if note.trim().is_empty() {
            return Err(ComplaintError::EmptyField { field: "note" });
        }
        let mut next = match (flag.kind, choice) {
            (FlagKind::Conflict, Some(choice)) => {
                self.with_field(&flag.subject.clone(), choice, ctx.now)?
            }
            _ => self.clone(),
        };
        next.settle(
            id,
            FlagResolution {
                by: ctx.actor.user,
                at: ctx.now,
                note: note.to_string(),
                choice: choice.map(str::to_string),
            },
        )?;
        *self = next;
        Ok(())
    }

    /// This complaint with the decision field `field` set to `choice` (its JSON, or a
    /// bare string). A status decided away from closed takes the closing back; one
    /// decided closed keeps (or, if only the other writer closed, records) when.
    fn with_field(
        &self,
        field: &str,
        choice: &str,
        now: DateTime<Utc>,
    ) -> Result<ComplaintDoc, ComplaintError> {
        let invalid = || ComplaintError::InvalidChoice {
            field: field.to_string(),
            choice: choice.to_string(),
        };
        if !DECISION_FIELDS.contains(&field) {
            return Err(invalid());
        }
        let current = serde_json::to_value(self).map_err(|_| invalid())?;
        let with = |choice: &str| -> Option<ComplaintDoc> {
            let chosen = serde_json::from_str::<serde_json::Value>(choice)
                .unwrap_or_else(|_| serde_json::Value::String(choice.to_string()));
            let mut value = current.clone();
            value.as_object_mut()?.insert(field.to_string(), chosen);
            serde_json::from_value(value).ok()
        };
        let mut next = with(choice)
            .or_else(|| with(&as_choice(choice)))
            .ok_or_else(invalid)?;
        if next.status == ComplaintStatus::Closed {
            next.closed_at = next.closed_at.or(Some(now));
        } else {
            next.closed_at = None;
        }
        Ok(next)
    }

    /// Applies an operation the sync server makes as itself: raising a flag, or
    /// withdrawing its own at-risk flag once the clock is no longer at risk.
    pub fn apply_server(
        &mut self,
        op: &crate::doc::complaint::ComplaintOp,
        now: DateTime<Utc>,
    ) -> Result<(), ComplaintError> {
        use crate::doc::complaint::ComplaintOp;
        match op {
            ComplaintOp::RaiseFlag { flag } => {
                if self.flags.iter().any(|f| f.id == flag.id) {
                    return Err(ComplaintError::DuplicateRecord {
                        id: flag.id.to_string(),
                    });
                }
                if flag.subject.trim().is_empty() {
                    return Err(ComplaintError::EmptyField { field: "subject" });
                }
                self.flags.push(flag.clone());
                Ok(())
            }
            ComplaintOp::ResolveFlag { id, note, choice } => {
                if self.open_flag(*id)?.kind != FlagKind::SlaAtRisk {
                    return Err(ComplaintError::NotAServerAction {
                        action: "resolve_flag",
                    });
                }
                self.settle(
                    *id,
                    FlagResolution {
                        by: crate::ops::SERVER_USER,
                        at: now,
                        note: note.clone(),
                        choice: choice.clone(),
                    },
                )
            }
            _ => Err(ComplaintError::NotAServerAction {
                action: "edit a complaint",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::doc::complaint::{CauseCategory, ComplaintOp, NewComplaint, Severity};
    use crate::fixtures::{rid, t0, uuid, Cast};
    use crate::ids::ComplaintId;
    use crate::ops;
    use crate::records::order::FlagParams;
    use crate::role::Actor;
    use crate::settings::Settings;
    use automerge::ActorId;

    type R = Result<(), Box<dyn std::error::Error>>;

    struct Two {
        a: AutoCommit,
        b: AutoCommit,
        s: Settings,
        cal: Calendar,
        cast: Cast,
    }

    impl Two {
        fn new() -> Result<Self, Box<dyn std::error::Error>> {
            let (s, cal, cast) = (Settings::default(), Calendar::default(), Cast::default());
            let ctx = Ctx {
                actor: cast.dispatcher,
                now: t0(),
                settings: &s,
                calendar: &cal,
            };
            let doc = ComplaintDoc::new(
                NewComplaint {
                    id: ComplaintId(uuid(71)),
                    number: "TS-9".into(),
                    complainant: "王芳".into(),
                    phone: "13800138000".into(),
                    contact: String::new(),
                    content: "late".into(),
                    demand: "apology".into(),
                    order: None,
                    severity: Severity::General,
                },
                &ctx,
            )?;
            let mut a = AutoCommit::new().with_actor(ActorId::from(b"desk-a".as_slice()));
            ops::create(&mut a, &doc, &ctx)?;
            let b = a.fork().with_actor(ActorId::from(b"desk-b".as_slice()));
            let mut two = Two { a, b, s, cal, cast };
            let d = two.cast.dispatcher;
            two.run(
                false,
                d,
                ComplaintOp::FirstContact {
                    id: rid(1),
                    note: "called".into(),
                },
            )?;
            two.b.merge(&mut two.a)?;
            Ok(two)
        }
        fn ctx(&self, actor: Actor) -> Ctx<'_> {
            Ctx {
                actor,
                now: t0(),
                settings: &self.s,
                calendar: &self.cal,
            }
        }
        /// Applies `op` on replica b when `on_b`, else on a.
        fn run(
            &mut self,
            on_b: bool,
            actor: Actor,
            op: ComplaintOp,
        ) -> Result<ComplaintDoc, Box<dyn std::error::Error>> {
            let ctx = Ctx {
                actor,
                now: t0(),
                settings: &self.s,
                calendar: &self.cal,
            };
            let doc = if on_b { &mut self.b } else { &mut self.a };
            Ok(ops::apply(doc, &op, &ctx)?.doc)
        }
    }

    fn conflict_flag(field: &str) -> Flag {
        Flag {
            id: rid(90),
            kind: FlagKind::Conflict,
            subject: field.into(),
            detail: String::new(),
            params: vec![FlagParams::Conflict { values: vec![] }],
            for_role: FlagKind::Conflict.raised_for(),
            raised_at: t0(),
            resolution: None,
        }
    }

    #[test]
    fn two_causes_recorded_at_once_are_two_whole_choices_and_the_decision_leaves_one() -> R {
        let mut two = Two::new()?;
        let d = two.cast.dispatcher;
        two.run(
            false,
            d,
            ComplaintOp::RecordCause {
                category: CauseCategory::Timeliness.into(),
                text: "booked on a full day".into(),
            },
        )?;
        two.run(
            true,
            d,
            ComplaintOp::RecordCause {
                category: CauseCategory::StaffAttitude.into(),
                text: "rude on the phone".into(),
            },
        )?;
        two.a.merge(&mut two.b)?;
        let found = decision_conflicts(&two.a);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "cause");
        let causes: Vec<Cause> = found[0]
            .choices
            .iter()
            .map(|c| serde_json::from_str(c))
            .collect::<Result<_, _>>()?;
        let mut classes: Vec<&str> = causes.iter().map(|c| c.category.as_str()).collect();
        classes.sort();
        assert_eq!(
            classes,
            vec!["staff_attitude", "timeliness"],
            "each cause whole, not a mix"
        );
        // The server's flag, then the supervisor keeps the losing one.
        let mut doc: ComplaintDoc = ops::hydrate(&two.a)?;
        let shown = serde_json::to_string(&doc.cause)?;
        let keep = found[0]
            .choices
            .iter()
            .find(|c| **c != shown)
            .cloned()
            .ok_or("a cause Automerge does not show")?;
        let before = doc.clone();
        doc.apply_server(
            &ComplaintOp::RaiseFlag {
                flag: conflict_flag("cause"),
            },
            t0(),
        )?;
        ComplaintDoc::reconcile_changes(&mut two.a, &before, &doc)?;
        two.a.commit();
        let sup = two.cast.supervisor;
        let decided = two.run(
            false,
            sup,
            ComplaintOp::ResolveFlag {
                id: rid(90),
                note: "the recording says rude".into(),
                choice: Some(keep.clone()),
            },
        )?;
        assert_eq!(serde_json::to_string(&decided.cause)?, keep);
        assert!(decision_conflicts(&two.a).is_empty(), "one cause again");
        two.b.merge(&mut two.a)?;
        assert!(
            decision_conflicts(&two.b).is_empty(),
            "on the other replica too"
        );
        let b: ComplaintDoc = ops::hydrate(&two.b)?;
        assert_eq!(b.cause, decided.cause);
        Ok(())
    }

    #[test]
    fn a_conflict_is_decided_by_a_supervisor_only_and_a_status_kept_open_takes_the_close_back() -> R
    {
        let two = Two::new()?;
        let mut doc: ComplaintDoc = ops::hydrate(&two.a)?;
        doc.status = ComplaintStatus::Closed;
        doc.closed_at = Some(t0());
        doc.flags.push(conflict_flag("status"));
        let d = two.cast.dispatcher;
        let ctx = two.ctx(d);
        let refused = doc.clone().apply(
            &ComplaintOp::ResolveFlag {
                id: rid(90),
                note: "x".into(),
                choice: Some("contacted".into()),
            },
            &ctx,
        );
        assert!(
            matches!(refused, Err(ComplaintError::FlagNotAllowed { .. })),
            "{refused:?}"
        );
        let ctx = two.ctx(two.cast.supervisor);
        doc.apply(
            &ComplaintOp::ResolveFlag {
                id: rid(90),
                note: "the customer was not satisfied".into(),
                choice: Some("\"contacted\"".into()),
            },
            &ctx,
        )?;
        assert_eq!(doc.status, ComplaintStatus::Contacted);
        assert_eq!(doc.closed_at, None, "no longer closed");
        assert!(doc.flags.iter().all(|f| !f.is_open()));
        let invalid = {
            let mut d2 = doc.clone();
            d2.flags.push(Flag {
                id: rid(91),
                ..conflict_flag("severity")
            });
            d2.apply(
                &ComplaintOp::ResolveFlag {
                    id: rid(91),
                    note: "x".into(),
                    choice: Some("enormous".into()),
                },
                &ctx,
            )
        };
        assert!(matches!(invalid, Err(ComplaintError::InvalidChoice { .. })));
        let mut open = doc.clone();
        let raised = open.apply(
            &ComplaintOp::RaiseFlag {
                flag: conflict_flag("owner"),
            },
            &ctx,
        );
        assert!(
            matches!(raised, Err(ComplaintError::NotAServerAction { .. })),
            "only the server raises flags"
        );
        Ok(())
    }

    #[test]
    fn owners_set_at_once_are_a_conflict_with_each_owner_a_choice() -> R {
        let mut two = Two::new()?;
        let d = two.cast.dispatcher;
        let s = two.cast.supervisor;
        two.run(false, d, ComplaintOp::Assign { owner: d.user })?;
        two.run(true, d, ComplaintOp::Assign { owner: s.user })?;
        two.a.merge(&mut two.b)?;
        let found = decision_conflicts(&two.a);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "owner");
        let mut choices = found[0].choices.clone();
        choices.sort();
        let mut want = vec![
            serde_json::to_string(&d.user)?,
            serde_json::to_string(&s.user)?,
        ];
        want.sort();
        assert_eq!(choices, want);
        Ok(())
    }
}
