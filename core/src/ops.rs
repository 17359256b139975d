//! Domain operations applied to Automerge documents. [`apply`] hydrates the document,
//! validates the operation against the rules, reconciles the result and commits it as
//! exactly one Automerge change, stamped with the actor and time. This is the API the
//! device store, the sync server and the tests use; it does no I/O.

use automerge::transaction::CommitOptions;
use automerge::{AutoCommit, ChangeHash, ReadDoc as _};
use chrono::{DateTime, Utc};

use crate::calendar::Calendar;
use crate::doc::order::{OrderDoc, OrderOp};
use crate::doc::{Document, Operation};
use crate::error::DomainError;
use crate::ids::UserId;
use crate::role::{Actor, Role};
use crate::settings::Settings;

/// Everything an operation needs besides the document: who acts, when (the crate never
/// reads the clock), and the company's reference data.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Who makes the change.
    pub actor: Actor,
    /// When (device time as recorded; the sync server keeps the clock offset).
    pub now: DateTime<Utc>,
    /// Company settings.
    pub settings: &'a Settings,
    /// Company working-day calendar.
    pub calendar: &'a Calendar,
}

/// What one applied operation produced.
#[derive(Debug, Clone)]
pub struct Applied<D> {
    /// The document after the operation.
    pub doc: D,
    /// The Automerge change it was committed as; `None` when the operation changed
    /// nothing in the document (so no change was made).
    pub change: Option<ChangeHash>,
}

/// Reads a typed document, refusing schema versions newer than this build knows.
pub fn hydrate<D: Document>(doc: &impl autosurgeon::ReadDoc) -> Result<D, DomainError> {
    let version: Option<u64> = autosurgeon::hydrate_prop(doc, &automerge::ROOT, "schema_version")
        .map_err(|e| DomainError::Unreadable {
        kind: D::KIND,
        message: e.to_string(),
    })?;
    match version {
        Some(v) if v > D::SCHEMA_VERSION => {
            return Err(DomainError::SchemaTooNew {
                kind: D::KIND,
                found: v,
                supported: D::SCHEMA_VERSION,
            })
        }
        Some(_) => {}
        None => {
            return Err(DomainError::Unreadable {
                kind: D::KIND,
                message: "no schema_version: not a document of this kind".into(),
            })
        }
    }
    autosurgeon::hydrate(doc).map_err(|e| DomainError::Unreadable {
        kind: D::KIND,
        message: e.to_string(),
    })
}

/// How the sync server signs its own changes in commit messages (`order.raise_flag
/// server`, `order.restore server`); together with its Automerge actor
/// (`onsite-server`) this tells the server's changes apart from every person's.
pub const SERVER_ATTRIBUTION: &str = "server";

/// The sync server's Automerge actor id, as bytes: no device may use it, and an audit
/// trail names its changes as the office server's.
pub const SERVER_ACTOR: &[u8] = b"onsite-server";

/// The user id the server records where a record needs one for the server itself (the
/// nil UUID): the resolver of an SLA at-risk flag it withdrew when the clock recovered.
pub const SERVER_USER: UserId = UserId(uuid::Uuid::nil());

fn message(kind: &str, op: &str, actor: &Actor) -> String {
    format!("{kind}.{op} {} {}", actor.role.as_str(), actor.user)
}

/// Parses a commit message written by [`create`] or [`apply`] into
/// (`kind.op`, role, user), for audit views and the server's permission check.
pub fn parse_message(message: &str) -> Option<(String, Role, UserId)> {
    let mut parts = message.split(' ');
    let op = parts.next()?.to_string();
    let role = match parts.next()? {
        "technician" => Role::Technician,
        "dispatcher" => Role::Dispatcher,
        "support" => Role::Support,
        "supervisor" => Role::Supervisor,
        "storekeeper" => Role::Storekeeper,
        _ => return None,
    };
    let user = parts.next()?.parse().ok()?;
    Some((op, role, user))
}

fn commit(doc: &mut AutoCommit, kind: &str, op: &str, ctx: &Ctx<'_>) -> Option<ChangeHash> {
    doc.commit_with(
        CommitOptions::default()
            .with_message(message(kind, op, &ctx.actor))
            .with_time(ctx.now.timestamp()),
    )
}

/// Writes a new document into an empty `doc` (whose actor id the caller has set) as one
/// change.
pub fn create<D: Document>(
    doc: &mut AutoCommit,
    value: &D,
    ctx: &Ctx<'_>,
) -> Result<Option<ChangeHash>, DomainError> {
    if doc.length(automerge::ROOT) > 0 {
        return Err(DomainError::NotEmpty { kind: D::KIND });
    }
    if let Err(e) = autosurgeon::reconcile(doc, value) {
        doc.rollback();
        return Err(DomainError::WriteFailed {
            kind: D::KIND,
            message: e.to_string(),
        });
    }
    Ok(commit(doc, D::KIND, "create", ctx))
}

/// Like [`apply`], for a caller that already holds `current`, the document as hydrated
/// from `doc` at its current heads (typically [`Applied::doc`] of the previous apply on
/// the same `doc`, with no merge since). Skips the hydration, which dominates the cost of
/// a local edit on a large order. Debug builds check that `current` matches `doc`.
pub fn apply_to_current<O: Operation>(
    doc: &mut AutoCommit,
    current: &O::Doc,
    op: &O,
    ctx: &Ctx<'_>,
) -> Result<Applied<O::Doc>, DomainError>
where
    O::Doc: PartialEq + std::fmt::Debug,
{
    debug_assert_eq!(
        hydrate::<O::Doc>(doc).ok().as_ref(),
        Some(current),
        "apply_to_current was given a stale document"
    );
    write(doc, current, op, ctx)
}

/// Applies `op` to `doc`: hydrate, validate by the rules, reconcile, and commit as one
/// change whose message names the operation and the actor and whose time is `ctx.now`.
/// On any error `doc` is left as it was.
pub fn apply<O: Operation>(
    doc: &mut AutoCommit,
    op: &O,
    ctx: &Ctx<'_>,
) -> Result<Applied<O::Doc>, DomainError> {
    let before: O::Doc = hydrate(doc)?;
    write(doc, &before, op, ctx)
}

/// An operation the sync server may make as itself (raising a flag, withdrawing its own
/// at-risk flag): [`OrderDoc::apply_server`], `ComplaintDoc::apply_server`.
pub trait ServerOperation: Operation {
    /// Applies it with no person's role to check; anything else is refused.
    fn apply_server_to(&self, doc: &mut Self::Doc, now: DateTime<Utc>) -> Result<(), DomainError>;
}

impl ServerOperation for OrderOp {
    fn apply_server_to(&self, doc: &mut OrderDoc, now: DateTime<Utc>) -> Result<(), DomainError> {
        Ok(doc.apply_server(self, now)?)
    }
}

impl ServerOperation for crate::doc::complaint::ComplaintOp {
    fn apply_server_to(
        &self,
        doc: &mut crate::doc::complaint::ComplaintDoc,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        Ok(doc.apply_server(self, now)?)
    }
}

/// Applies `op` as the sync server (see [`ServerOperation`]): one change, whose message
/// is `<kind>.<op> server` and whose time is `now`, made with whatever actor `doc` has
/// (the server sets its own). On any error `doc` is left as it was.
pub fn apply_as_server<O: ServerOperation>(
    doc: &mut AutoCommit,
    op: &O,
    now: DateTime<Utc>,
) -> Result<Applied<O::Doc>, DomainError> {
    let before: O::Doc = hydrate(doc)?;
    let mut value = before.clone();
    op.apply_server_to(&mut value, now)?;
    if let Err(e) = <O::Doc as Document>::reconcile_changes(doc, &before, &value) {
        doc.rollback();
        return Err(DomainError::WriteFailed {
            kind: <O::Doc as Document>::KIND,
            message: e.to_string(),
        });
    }
    let change = doc.commit_with(
        CommitOptions::default()
            .with_message(format!(
                "{}.{} {SERVER_ATTRIBUTION}",
                <O::Doc as Document>::KIND,
                op.name()
            ))
            .with_time(now.timestamp()),
    );
    Ok(Applied { doc: value, change })
}

fn write<O: Operation>(
    doc: &mut AutoCommit,
    before: &O::Doc,
    op: &O,
    ctx: &Ctx<'_>,
) -> Result<Applied<O::Doc>, DomainError> {
    let mut value = before.clone();
    op.apply_to(&mut value, ctx)?;
    if let Err(e) = <O::Doc as Document>::reconcile_changes(doc, before, &value) {
        doc.rollback();
        return Err(DomainError::WriteFailed {
            kind: <O::Doc as Document>::KIND,
            message: e.to_string(),
        });
    }
    let change = commit(doc, <O::Doc as Document>::KIND, op.name(), ctx);
    Ok(Applied { doc: value, change })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::order::{OrderDoc, OrderOp};
    use crate::doc::Document;
    use crate::fixtures::{self, Cast};
    use crate::lifecycle::{OrderState, TransitionError};
    use crate::records::request::ServiceMode;
    use chrono::{Duration, NaiveDate};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn ctx<'a>(actor: Actor, minutes: i64, s: &'a Settings, c: &'a Calendar) -> Ctx<'a> {
        Ctx {
            actor,
            now: fixtures::t0() + Duration::minutes(minutes),
            settings: s,
            calendar: c,
        }
    }

    #[test]
    fn full_lifecycle_through_automerge_ends_closed_with_one_change_per_op() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let order = OrderDoc::new(
            fixtures::new_order(1, ServiceMode::OnSite, NaiveDate::from_ymd_opt(2020, 1, 1)),
            &ctx(cast.dispatcher, 0, &s, &c),
        )?;
        let mut doc = AutoCommit::new();
        create(&mut doc, &order, &ctx(cast.dispatcher, 0, &s, &c))?;
        let steps = fixtures::on_site_lifecycle(&cast, 28_000, 10);
        for (actor, op, minute) in &steps {
            let before = doc.get_heads();
            let applied = apply(&mut doc, op, &ctx(*actor, *minute, &s, &c))?;
            assert!(
                applied.change.is_some(),
                "{} made a change",
                op.transition().name()
            );
            assert_ne!(doc.get_heads(), before);
            let stored: OrderDoc = hydrate(&doc)?;
            assert_eq!(
                stored,
                applied.doc,
                "{} wrote exactly what it applied",
                op.transition().name()
            );
        }
        let back: OrderDoc = hydrate(&doc)?;
        assert_eq!(
            back.state,
            OrderState::Closed,
            "the scripted lifecycle closes the order"
        );
        assert_eq!(
            doc.get_changes(&[]).len(),
            steps.len() + 1,
            "one change per operation"
        );
        let last = doc.get_last_local_change().ok_or("no change")?;
        let (op, role, user) =
            parse_message(last.message().ok_or("no message")?).ok_or("bad message")?;
        assert_eq!(op, "order.follow_up");
        assert_eq!((role, user), (cast.dispatcher.role, cast.dispatcher.user));
        Ok(())
    }

    #[test]
    fn reconcile_changes_covers_every_field() -> TestResult {
        let mut s = fixtures::Scenario::new(ServiceMode::MailIn, true);
        let start = s.order.clone();
        s.drive_to(OrderState::Closed)?;
        let id = s.id();
        s.run(s.cast.supervisor, OrderOp::Reopen { reason: "r".into() })?;
        s.run(
            s.cast.supervisor,
            OrderOp::OverrideFee {
                id,
                fee: crate::money::Money::new(1, "CNY"),
                reason: "r".into(),
            },
        )?;
        s.run(
            s.cast.supervisor,
            OrderOp::Hold {
                kind: crate::records::order::HoldKind::Other,
                reason: "r".into(),
            },
        )?;
        s.run(s.cast.supervisor, OrderOp::Cancel { reason: "r".into() })?;
        let mut end = s.order.clone();
        end.number.push('X');
        end.schedule = Some(crate::doc::TimeWindow {
            start: s.now,
            end: s.now,
        });
        end.repeat_of = Some(end.id);
        end.flags.push(crate::records::order::Flag {
            id: fixtures::rid(77),
            kind: crate::records::order::FlagKind::Conflict,
            subject: "state".into(),
            detail: "cancelled / signed_off".into(),
            params: vec![],
            for_role: crate::role::Role::Supervisor,
            raised_at: s.now,
            resolution: None,
        });
        let mut doc = AutoCommit::new();
        create(
            &mut doc,
            &start,
            &ctx(s.cast.dispatcher, 0, &s.settings, &s.calendar),
        )?;
        OrderDoc::reconcile_changes(&mut doc, &start, &end)?;
        let back: OrderDoc = hydrate(&doc)?;
        assert_eq!(back, end, "every changed field reaches the document");
        Ok(())
    }

    #[test]
    fn apply_to_current_writes_the_same_as_apply() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let order = OrderDoc::new(
            fixtures::new_order(5, ServiceMode::OnSite, None),
            &ctx(cast.dispatcher, 0, &s, &c),
        )?;
        let mut fast = AutoCommit::new();
        create(&mut fast, &order, &ctx(cast.dispatcher, 0, &s, &c))?;
        let mut slow = fast.fork();
        let mut current = order;
        for (actor, op, minute) in fixtures::on_site_lifecycle(&cast, 28_000, 4) {
            current = apply_to_current(&mut fast, &current, &op, &ctx(actor, minute, &s, &c))?.doc;
            apply(&mut slow, &op, &ctx(actor, minute, &s, &c))?;
        }
        // History entry ids are fresh v7 ids on each write; everything else is equal.
        let strip = |mut o: OrderDoc| {
            o.history.iter_mut().for_each(|h| h.id = fixtures::rid(0));
            o
        };
        assert_eq!(
            strip(hydrate::<OrderDoc>(&fast)?),
            strip(hydrate::<OrderDoc>(&slow)?),
            "same document either way"
        );
        Ok(())
    }

    #[test]
    fn refused_op_leaves_the_document_untouched() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let order = OrderDoc::new(
            fixtures::new_order(2, ServiceMode::OnSite, None),
            &ctx(cast.dispatcher, 0, &s, &c),
        )?;
        let mut doc = AutoCommit::new();
        create(&mut doc, &order, &ctx(cast.dispatcher, 0, &s, &c))?;
        let heads = doc.get_heads();
        let err = apply(
            &mut doc,
            &OrderOp::Dispatch {
                assignee: cast.technician.user,
                window: None,
            },
            &ctx(cast.technician, 1, &s, &c),
        )
        .err()
        .ok_or("a technician dispatching must be refused")?;
        assert_eq!(err.code(), "errors.order.role_not_permitted");
        assert!(matches!(
            err,
            DomainError::Order(TransitionError::RoleNotPermitted { .. })
        ));
        assert_eq!(doc.get_heads(), heads, "nothing was written");
        Ok(())
    }

    #[test]
    fn create_refuses_a_document_with_content() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let order = OrderDoc::new(
            fixtures::new_order(3, ServiceMode::OnSite, None),
            &ctx(cast.dispatcher, 0, &s, &c),
        )?;
        let mut doc = AutoCommit::new();
        create(&mut doc, &order, &ctx(cast.dispatcher, 0, &s, &c))?;
        let again = create(&mut doc, &order, &ctx(cast.dispatcher, 0, &s, &c));
        assert_eq!(
            again.err().map(|e| e.code()),
            Some("errors.document.not_empty")
        );
        Ok(())
    }

    #[test]
    fn newer_schema_is_refused() -> TestResult {
        let (s, c, cast) = (Settings::default(), Calendar::default(), Cast::default());
        let mut order = OrderDoc::new(
            fixtures::new_order(4, ServiceMode::OnSite, None),
            &ctx(cast.dispatcher, 0, &s, &c),
        )?;
        order.schema_version = 99;
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &order)?;
        let err = hydrate::<OrderDoc>(&doc).err().ok_or("must refuse")?;
        assert_eq!(err.code(), "errors.document.schema_too_new");
        let empty = AutoCommit::new();
        assert_eq!(
            hydrate::<OrderDoc>(&empty).err().map(|e| e.code()),
            Some("errors.document.unreadable")
        );
        Ok(())
    }
}
