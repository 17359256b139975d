//! Judging a push to a complaint, from the stored complaint (before the merge) and the
//! merged one, with the roles the complaint rules name ([`crate::doc::complaint`]): only
//! a dispatcher or supervisor records and handles complaints; on a major complaint the
//! handling (owner, measures, resolving, the customer's verdict, closing) is the
//! supervisor's, and only a supervisor makes a major complaint general again; a complaint
//! closes only on a satisfied verdict; notes, measures, follow-ups and the status history
//! are append-only and name their author.

use std::collections::BTreeSet;

use crate::doc::complaint::{handles_complaints, ComplaintDoc, ComplaintStatus, Severity};
use crate::ids::RecordId;
use crate::records::order::{Flag, FlagKind};
use crate::review::diff::{self, FieldChange};
use crate::review::{forged_authors, Finding, Pusher};
use crate::role::Role;

/// What the push changed, for the supervisor reviewing it. `old` is `None` for a new
/// complaint.
pub fn describe(old: Option<&ComplaintDoc>, new: &ComplaintDoc) -> Vec<FieldChange> {
    let Some(old) = old else {
        let json = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        return diff::value_change("complaint", &serde_json::Value::Null, &json)
            .into_iter()
            .collect();
    };
    let mut out = Vec::new();
    macro_rules! fields {
        ($($f:ident),*) => { $( out.extend(diff::value_change(stringify!($f), &old.$f, &new.$f)); )* };
    }
    fields!(
        complainant,
        phone,
        contact,
        content,
        demand,
        order,
        severity,
        status,
        owner,
        first_contact_at,
        cause,
        closed_at
    );
    out.extend(diff::records_change(
        "measures",
        &old.measures,
        &new.measures,
    ));
    out.extend(diff::records_change("updates", &old.updates, &new.updates));
    out.extend(diff::records_change(
        "follow_ups",
        &old.follow_ups,
        &new.follow_ups,
    ));
    out.extend(diff::records_change("history", &old.history, &new.history));
    out.extend(diff::records_change("flags", &old.flags, &new.flags));
    out
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> RecordId) -> BTreeSet<RecordId> {
    items.iter().map(id).collect()
}

/// What `pusher` may not have done between `before` and `after` (empty: accept).
pub fn judge(pusher: &Pusher, before: Option<&ComplaintDoc>, after: &ComplaintDoc) -> Vec<Finding> {
    let role = pusher.actor.role;
    let mut out = Vec::new();
    if !handles_complaints(role) {
        out.push(Finding::new(
            "role_not_permitted",
            "complaint",
            None,
            format!("a {role} may not record or handle a complaint"),
        ));
        return out;
    }
    let empty = ComplaintDoc {
        measures: vec![],
        updates: vec![],
        follow_ups: vec![],
        history: vec![],
        flags: vec![],
        owner: None,
        status: ComplaintStatus::Open,
        ..after.clone()
    };
    let old = before.unwrap_or(&empty);
    let decided = judge_flags(pusher, &old.flags, &after.flags, &mut out);
    // Append-only records: one that was there must still be there.
    let kept = [
        (
            "measures",
            ids(&old.measures, |m| m.id).is_subset(&ids(&after.measures, |m| m.id)),
        ),
        (
            "updates",
            ids(&old.updates, |n| n.id).is_subset(&ids(&after.updates, |n| n.id)),
        ),
        (
            "follow_ups",
            ids(&old.follow_ups, |f| f.id).is_subset(&ids(&after.follow_ups, |f| f.id)),
        ),
        (
            "history",
            ids(&old.history, |h| h.id).is_subset(&ids(&after.history, |h| h.id)),
        ),
    ];
    for (field, ok) in kept {
        if !ok {
            out.push(Finding::new(
                "append_only",
                field,
                None,
                "records are never removed from a complaint",
            ));
        }
    }
    // New records name their author: the pusher.
    let new_updates = after
        .updates
        .iter()
        .filter(|n| !old.updates.iter().any(|o| o.id == n.id));
    for n in new_updates.clone() {
        let value = serde_json::to_value(n).unwrap_or_default();
        forged_authors(
            &pusher.actor,
            "updates",
            Some(n.id.to_string()),
            &value,
            &mut out,
        );
    }
    for h in after
        .history
        .iter()
        .filter(|h| !old.history.iter().any(|o| o.id == h.id))
    {
        let value = serde_json::to_value(h).unwrap_or_default();
        forged_authors(
            &pusher.actor,
            "history",
            Some(h.id.to_string()),
            &value,
            &mut out,
        );
    }
    let was_major = before.is_some_and(|b| b.severity == Severity::Major);
    let major = was_major || after.severity == Severity::Major;
    let handled = old.owner != after.owner
        || !ids(&after.measures, |m| m.id).is_subset(&ids(&old.measures, |m| m.id))
        || (old.status != after.status
            && matches!(
                after.status,
                ComplaintStatus::MeasuresAgreed
                    | ComplaintStatus::Resolved
                    | ComplaintStatus::Closed
            ))
        || (old.status == ComplaintStatus::Resolved && after.status != old.status);
    if major && role != Role::Supervisor && (handled || after.severity != old.severity && was_major)
    {
        out.push(Finding::new(
            "major_needs_supervisor",
            if handled { "status" } else { "severity" },
            None,
            "a major complaint is handled by a supervisor",
        ));
    }
    if after.status == ComplaintStatus::Closed && old.status != ComplaintStatus::Closed {
        // Or a supervisor settling two verdicts given at once keeps the satisfied one.
        let satisfied = new_updates.clone().any(|n| n.satisfied == Some(true))
            || (decided.contains("status")
                && after.updates.iter().any(|n| n.satisfied == Some(true)));
        if !satisfied {
            out.push(Finding::new(
                "closed_unsatisfied",
                "status",
                None,
                "a complaint closes only when the customer says they are satisfied",
            ));
        }
    }
    out
}

/// A cause the push recorded whose class the company does not classify complaints by:
/// neither in the current list nor in the one in force when the cause was recorded (a
/// desk offline across a change of the list still recorded a class it offered).
pub fn cause_findings(
    before: Option<&ComplaintDoc>,
    after: &ComplaintDoc,
    rules: &crate::company::CompanyRules,
) -> Vec<Finding> {
    let Some(cause) = &after.cause else {
        return Vec::new();
    };
    if before.is_some_and(|b| b.cause.as_ref() == Some(cause)) {
        return Vec::new();
    }
    let known = |s: &crate::settings::Settings| s.cause_class(&cause.category).is_some();
    if known(rules.settings()) || known(&rules.in_force_at(cause.at).settings) {
        return Vec::new();
    }
    vec![Finding::new(
        "unknown_cause",
        "cause",
        None,
        format!(
            "{} is not one of the company's complaint causes",
            cause.category
        ),
    )]
}

/// Flags are the server's: a device writes only a resolution, by a role the flag's kind
/// names, signed by the pusher. Answers the fields whose conflict this push decided.
fn judge_flags(
    pusher: &Pusher,
    old: &[Flag],
    new: &[Flag],
    out: &mut Vec<Finding>,
) -> BTreeSet<String> {
    let role = pusher.actor.role;
    let mut decided = BTreeSet::new();
    let flags = diff::keyed(old, new, |f| f.id);
    for (was, now) in &flags.changed {
        let key = Some(now.id.to_string());
        let only_resolution = was.kind == now.kind
            && was.subject == now.subject
            && was.params == now.params
            && was.for_role == now.for_role
            && was.raised_at == now.raised_at
            && was.resolution.is_none()
            && now.resolution.is_some();
        if !only_resolution {
            out.push(Finding::new(
                "append_only",
                "flags",
                key,
                "a flag is raised by the server; only its resolution may be written",
            ));
            continue;
        }
        if !now.kind.resolvers().contains(&role) {
            out.push(Finding::new(
                "role_not_permitted",
                "flags",
                key.clone(),
                format!("a {role} may not resolve a {} flag", now.kind.as_str()),
            ));
        } else if now.kind == FlagKind::Conflict {
            decided.insert(now.subject.clone());
        }
        if now
            .resolution
            .as_ref()
            .is_some_and(|r| r.by != pusher.actor.user)
        {
            out.push(Finding::new(
                "forged_author",
                "flags",
                key,
                "a flag's resolution names its author: the pusher",
            ));
        }
    }
    for f in flags.added.iter().chain(&flags.removed) {
        out.push(Finding::new(
            "append_only",
            "flags",
            Some(f.id.to_string()),
            "flags are raised by the server and never removed",
        ));
    }
    decided
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::doc::complaint::{CauseCategory, ComplaintOp, NewComplaint};
    use crate::fixtures::{rid, t0, uuid, Cast};
    use crate::ids::ComplaintId;
    use crate::ops::Ctx;
    use crate::role::Actor;
    use crate::settings::Settings;

    fn pusher(actor: Actor) -> Pusher {
        Pusher {
            actor,
            foreign_locations: vec![],
        }
    }

    fn resolved(
        severity: Severity,
        by: Actor,
    ) -> Result<ComplaintDoc, crate::doc::complaint::ComplaintError> {
        let (s, cal) = (Settings::default(), Calendar::default());
        let ctx = |actor| Ctx {
            actor,
            now: t0(),
            settings: &s,
            calendar: &cal,
        };
        let mut c = ComplaintDoc::new(
            NewComplaint {
                id: ComplaintId(uuid(71)),
                number: "TS-2".into(),
                complainant: "王芳".into(),
                phone: "13800138000".into(),
                contact: String::new(),
                content: "the repair failed again".into(),
                demand: "a new unit".into(),
                order: None,
                severity,
            },
            &ctx(by),
        )?;
        let steps = [
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "called".into(),
            },
            ComplaintOp::RecordCause {
                category: CauseCategory::RepairQuality.into(),
                text: "x".into(),
            },
            ComplaintOp::AgreeMeasure {
                id: rid(2),
                description: "y".into(),
                owner: by.user,
                deadline: t0(),
            },
            ComplaintOp::CompleteMeasure { id: rid(2) },
            ComplaintOp::Resolve,
        ];
        for op in &steps {
            c.apply(op, &ctx(by))?;
        }
        Ok(c)
    }

    /// What a device that skipped its own rules could push: the verdict and the close
    /// written straight into the document.
    fn closed_by(c: &ComplaintDoc, by: Actor, satisfied: bool) -> ComplaintDoc {
        let mut after = c.clone();
        after.updates.push(crate::doc::complaint::Note {
            id: rid(9),
            at: t0(),
            by: by.user,
            text: String::new(),
            satisfied: Some(satisfied),
        });
        after
            .history
            .push(crate::doc::complaint::ComplaintStatusChange {
                id: rid(10),
                at: t0(),
                by,
                from: ComplaintStatus::Resolved,
                to: ComplaintStatus::Closed,
            });
        after.status = ComplaintStatus::Closed;
        after.closed_at = Some(t0());
        after
    }

    #[test]
    fn a_dispatcher_closing_a_major_complaint_is_held(
    ) -> Result<(), crate::doc::complaint::ComplaintError> {
        let cast = Cast::default();
        let c = resolved(Severity::Major, cast.supervisor)?;
        let after = closed_by(&c, cast.dispatcher, true);
        let codes: Vec<_> = judge(&pusher(cast.dispatcher), Some(&c), &after)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, vec!["major_needs_supervisor"]);
        let after = closed_by(&c, cast.supervisor, true);
        assert!(
            judge(&pusher(cast.supervisor), Some(&c), &after).is_empty(),
            "the supervisor closes it"
        );
        Ok(())
    }

    #[test]
    fn closing_without_a_satisfied_verdict_is_held(
    ) -> Result<(), crate::doc::complaint::ComplaintError> {
        let cast = Cast::default();
        let c = resolved(Severity::General, cast.dispatcher)?;
        let after = closed_by(&c, cast.dispatcher, false);
        let codes: Vec<_> = judge(&pusher(cast.dispatcher), Some(&c), &after)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, vec!["closed_unsatisfied"]);
        Ok(())
    }

    #[test]
    fn a_technician_may_not_touch_a_complaint() -> Result<(), crate::doc::complaint::ComplaintError>
    {
        let cast = Cast::default();
        let c = resolved(Severity::General, cast.dispatcher)?;
        let after = closed_by(&c, cast.technician, true);
        let codes: Vec<_> = judge(&pusher(cast.technician), Some(&c), &after)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, vec!["role_not_permitted"]);
        Ok(())
    }

    #[test]
    fn the_rules_own_steps_pass() -> Result<(), crate::doc::complaint::ComplaintError> {
        let cast = Cast::default();
        let c = resolved(Severity::General, cast.dispatcher)?;
        assert!(judge(&pusher(cast.dispatcher), None, &c).is_empty());
        Ok(())
    }

    fn conflict(subject: &str) -> Flag {
        Flag {
            id: rid(40),
            kind: FlagKind::Conflict,
            subject: subject.into(),
            detail: String::new(),
            params: vec![],
            for_role: Role::Supervisor,
            raised_at: t0(),
            resolution: None,
        }
    }

    fn decided(c: &ComplaintDoc, by: Actor) -> ComplaintDoc {
        let mut after = c.clone();
        after.flags[0].resolution = Some(crate::records::order::FlagResolution {
            by: by.user,
            at: t0(),
            note: "kept".into(),
            choice: Some("\"general\"".into()),
        });
        after
    }

    #[test]
    fn flags_are_the_servers_and_a_conflict_is_the_supervisors_to_decide(
    ) -> Result<(), crate::doc::complaint::ComplaintError> {
        let cast = Cast::default();
        let plain = resolved(Severity::General, cast.dispatcher)?;
        let mut added = plain.clone();
        added.flags.push(conflict("owner"));
        let codes = |pusher_actor, before: &ComplaintDoc, after: &ComplaintDoc| -> Vec<String> {
            judge(&pusher(pusher_actor), Some(before), after)
                .into_iter()
                .map(|f| f.code)
                .collect()
        };
        assert_eq!(
            codes(cast.dispatcher, &plain, &added),
            vec!["append_only"],
            "a device may not raise a flag"
        );
        let flagged = added;
        assert_eq!(
            codes(
                cast.dispatcher,
                &flagged,
                &decided(&flagged, cast.dispatcher)
            ),
            vec!["role_not_permitted"],
            "a dispatcher does not decide a conflict"
        );
        assert_eq!(
            codes(
                cast.supervisor,
                &flagged,
                &decided(&flagged, cast.dispatcher)
            ),
            vec!["forged_author"],
            "the decision names its author"
        );
        assert!(codes(
            cast.supervisor,
            &flagged,
            &decided(&flagged, cast.supervisor)
        )
        .is_empty());
        let mut removed = flagged.clone();
        removed.flags.clear();
        assert_eq!(
            codes(cast.supervisor, &flagged, &removed),
            vec!["append_only"]
        );
        Ok(())
    }

    #[test]
    fn a_cause_outside_the_companys_list_is_held() -> Result<(), Box<dyn std::error::Error>> {
        use crate::company::{CompanyRules, SettingsVersion};
        let cast = Cast::default();
        let c = resolved(Severity::General, cast.dispatcher)?;
        let mut after = c.clone();
        if let Some(cause) = after.cause.as_mut() {
            cause.category = "weather".into();
        }
        let regulation = CompanyRules::regulation();
        let codes: Vec<_> = cause_findings(Some(&c), &after, &regulation)
            .into_iter()
            .map(|f| f.code)
            .collect();
        assert_eq!(codes, ["unknown_cause"]);
        // Unchanged, the cause is not judged again; a class of the list passes.
        assert!(cause_findings(Some(&c), &c, &regulation).is_empty());
        let mut settings = Settings::default();
        settings.complaint_causes.push(crate::settings::CauseClass {
            key: "weather".into(),
            en: "Weather".into(),
            zh: "天气".into(),
        });
        let mut versions = vec![CompanyRules::first_version()];
        versions.push(SettingsVersion {
            version: 2,
            since: t0() - chrono::Duration::days(1),
            by: String::new(),
            by_name: String::new(),
            settings,
        });
        let edited = CompanyRules::new(versions, Calendar::default());
        assert!(cause_findings(Some(&c), &after, &edited).is_empty());
        Ok(())
    }
}
