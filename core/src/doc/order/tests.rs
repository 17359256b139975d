//! Tests of flags (raised by the server, resolved by the role their kind names, a
//! conflict settled by writing the kept value afresh) and of answering a consultation.

use super::*;
use crate::doc::conflicts::{conflicts, ConflictField};
use crate::fixtures::{rid, Scenario};
use crate::ids::RecordId;
use crate::lifecycle::{OrderState, TransitionError};
use crate::ops::Ctx;
use crate::ops::{self, SERVER_USER};
use crate::records::order::*;
use crate::records::request::Classification;
use crate::records::request::ServiceMode;
use crate::role::Actor;
use crate::role::Role;
use automerge::{ActorId, AutoCommit};

type R = Result<(), Box<dyn std::error::Error>>;

fn flag(seed: u128, kind: FlagKind, subject: &str, s: &Scenario) -> Flag {
    Flag {
        id: rid(seed),
        kind,
        subject: subject.into(),
        detail: format!("{kind} on {subject}"),
        params: vec![],
        for_role: kind.raised_for(),
        raised_at: s.now,
        resolution: None,
    }
}

fn resolve(id: RecordId, choice: Option<&str>) -> OrderOp {
    OrderOp::ResolveFlag {
        id,
        note: "decided".into(),
        choice: choice.map(str::to_string),
    }
}

fn code<T>(r: Result<T, TransitionError>) -> Option<&'static str> {
    r.err().map(|e| e.code())
}

#[test]
fn a_flag_is_resolved_only_by_the_roles_its_kind_names() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::InRepair)?;
    let stock = flag(1, FlagKind::StockOverUse, "BR-21", &s);
    s.order.apply_server(
        &OrderOp::RaiseFlag {
            flag: stock.clone(),
        },
        s.now,
    )?;
    assert_eq!(s.order.open_flags().count(), 1, "the flag is open");
    let (tech, dispatcher, keeper) = (s.cast.technician, s.cast.dispatcher, s.cast.storekeeper);
    assert_eq!(
        code(s.run(tech, resolve(stock.id, None))),
        Some("errors.flag.not_allowed"),
        "a technician never settles a finding"
    );
    assert_eq!(
        code(s.run(dispatcher, resolve(stock.id, None))),
        Some("errors.flag.not_allowed"),
        "stock over-use is the storekeeper's or the supervisor's"
    );
    assert_eq!(
        code(s.run(keeper, resolve(rid(99), None))),
        Some("errors.flag.unknown")
    );
    s.run(
        keeper,
        resolve(stock.id, Some("counted: one unit from the workshop")),
    )?;
    let done = s.order.flags[0]
        .resolution
        .as_ref()
        .ok_or("the flag is resolved")?;
    assert_eq!(done.by, keeper.user, "the resolution names the storekeeper");
    assert_eq!(s.order.open_flags().count(), 0);
    assert_eq!(
        code(s.run(s.cast.supervisor, resolve(stock.id, None))),
        Some("errors.flag.already_resolved")
    );
    assert_eq!(
        s.order.state,
        OrderState::InRepair,
        "the state is untouched"
    );
    Ok(())
}

#[test]
fn resolvers_per_kind_follow_the_rules() {
    use Role::*;
    let may = |kind: FlagKind| kind.resolvers().to_vec();
    assert_eq!(may(FlagKind::StockOverUse), vec![Storekeeper, Supervisor]);
    assert_eq!(may(FlagKind::Conflict), vec![Supervisor]);
    assert_eq!(may(FlagKind::Quarantined), vec![Supervisor]);
    for kind in [
        FlagKind::SignOffVoid,
        FlagKind::SlaAtRisk,
        FlagKind::SlaBreached,
    ] {
        assert_eq!(may(kind), vec![Supervisor, Dispatcher], "{kind}");
    }
    for kind in FlagKind::ALL {
        assert!(
            kind.resolvers().contains(&kind.raised_for()),
            "{kind} is shown to a role that may resolve it"
        );
        assert!(!kind.resolvers().contains(&Technician));
    }
}

#[test]
fn no_person_may_raise_a_flag() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    let f = flag(1, FlagKind::Conflict, "state", &s);
    for actor in [s.cast.supervisor, s.cast.dispatcher, s.cast.technician] {
        assert_eq!(
            code(s.run(actor, OrderOp::RaiseFlag { flag: f.clone() })),
            Some("errors.flag.not_allowed"),
            "{} may not raise a flag",
            actor.role
        );
    }
    assert!(s.order.flags.is_empty());
    Ok(())
}

#[test]
fn the_server_raises_flags_and_withdraws_only_its_at_risk_ones() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    let at_risk = flag(1, FlagKind::SlaAtRisk, "first_response", &s);
    let breached = flag(2, FlagKind::SlaBreached, "first_response", &s);
    for f in [&at_risk, &breached] {
        s.order
            .apply_server(&OrderOp::RaiseFlag { flag: f.clone() }, s.now)?;
    }
    assert_eq!(
        code(s.order.apply_server(
            &OrderOp::RaiseFlag {
                flag: at_risk.clone()
            },
            s.now
        )),
        Some("errors.order.duplicate_record"),
        "the same flag raised twice is recognised"
    );
    assert_eq!(
        code(s.order.apply_server(&resolve(breached.id, None), s.now)),
        Some("errors.order.not_a_server_action"),
        "a breach waits for a person"
    );
    assert_eq!(
        code(s.order.apply_server(&OrderOp::Close, s.now)),
        Some("errors.order.not_a_server_action")
    );
    s.order
        .apply_server(&resolve(at_risk.id, Some("met")), s.now)?;
    assert_eq!(
        s.order.flags[0].resolution.as_ref().map(|r| r.by),
        Some(SERVER_USER)
    );
    Ok(())
}

#[test]
fn flags_are_settled_on_cancelled_and_closed_orders() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Closed)?;
    let f = flag(1, FlagKind::SignOffVoid, "sign_off", &s);
    s.order
        .apply_server(&OrderOp::RaiseFlag { flag: f.clone() }, s.now)?;
    s.run(s.cast.dispatcher, resolve(f.id, None))?;
    assert_eq!(
        s.order.open_flags().count(),
        0,
        "resolved on a closed order"
    );
    assert_eq!(s.order.state, OrderState::Closed);
    Ok(())
}

#[test]
fn a_state_choice_must_be_a_state_of_this_mode() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Tested)?;
    let f = flag(1, FlagKind::Conflict, "state", &s);
    s.order
        .apply_server(&OrderOp::RaiseFlag { flag: f.clone() }, s.now)?;
    let sup = s.cast.supervisor;
    for bad in ["exploded", "shipped_back"] {
        assert_eq!(
            code(s.run(sup, resolve(f.id, Some(bad)))),
            Some("errors.flag.invalid_choice"),
            "{bad} is refused"
        );
    }
    let other = flag(2, FlagKind::Conflict, "history", &s);
    s.order.apply_server(
        &OrderOp::RaiseFlag {
            flag: other.clone(),
        },
        s.now,
    )?;
    assert_eq!(
        code(s.run(sup, resolve(other.id, Some("[]")))),
        Some("errors.flag.invalid_choice"),
        "only registers are decided by a choice"
    );
    s.run(sup, resolve(f.id, Some("\"Cancelled\"")))?;
    assert_eq!(
        s.order.state,
        OrderState::Cancelled,
        "a value copied as Automerge shows it is understood"
    );
    let last = s.order.history.last().ok_or("a history entry")?;
    assert_eq!(
        (last.from, last.to, last.role),
        (OrderState::Tested, OrderState::Cancelled, Role::Supervisor),
        "the decision is in the state history"
    );
    Ok(())
}

/// The office cancels on one replica while the technician signs off on another; the
/// server flags the merged conflict; a supervisor settles it on a third replica.
fn cancel_against_sign_off() -> Result<(Scenario, AutoCommit, Flag), Box<dyn std::error::Error>> {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Tested)?;
    fn ctx(actor: Actor, s: &Scenario) -> Ctx<'_> {
        Ctx {
            actor,
            now: s.now,
            settings: &s.settings,
            calendar: &s.calendar,
        }
    }
    let mut office = AutoCommit::new().with_actor(ActorId::from(b"office".as_slice()));
    ops::create(&mut office, &s.order, &ctx(s.cast.dispatcher, &s))?;
    let mut phone = office.fork().with_actor(ActorId::from(b"phone".as_slice()));
    ops::apply(
        &mut office,
        &OrderOp::Cancel {
            reason: "customer withdrew".into(),
        },
        &ctx(s.cast.dispatcher, &s),
    )?;
    ops::apply(
        &mut phone,
        &OrderOp::SignOff {
            id: crate::fixtures::rid(900),
            signer: "王芳".into(),
            rating: Some(5),
            signature_blob: "ab".repeat(32),
        },
        &ctx(s.cast.technician, &s),
    )?;
    let mut server = office
        .fork()
        .with_actor(ActorId::from(b"onsite-server".as_slice()));
    server.merge(&mut phone)?;
    let found = conflicts(&server);
    let state = found
        .iter()
        .find(|c| c.field == ConflictField::State)
        .ok_or("the state conflict is listed")?;
    let f = Flag {
        detail: state.values.join(" / "),
        params: vec![],
        ..flag(7, FlagKind::Conflict, "state", &s)
    };
    ops::apply_as_server(&mut server, &OrderOp::RaiseFlag { flag: f.clone() }, s.now)?;
    let last = server
        .get_last_local_change()
        .and_then(|c| c.message().map(str::to_string))
        .ok_or("a server change")?;
    assert_eq!(last, "order.raise_flag server", "signed as the server");
    Ok((s, server, f))
}

#[test]
fn settling_a_state_conflict_writes_the_choice_afresh_and_ends_the_conflict() -> R {
    let (s, mut server, f) = cancel_against_sign_off()?;
    let mut desk = server.fork().with_actor(ActorId::from(b"desk".as_slice()));
    let ctx = Ctx {
        actor: s.cast.supervisor,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    ops::apply(&mut desk, &resolve(f.id, Some("cancelled")), &ctx)?;
    server.merge(&mut desk)?;
    assert!(
        conflicts(&server).is_empty(),
        "one value again: {:?}",
        conflicts(&server)
    );
    let merged: OrderDoc = ops::hydrate(&server)?;
    assert_eq!(
        merged.state,
        OrderState::Cancelled,
        "the supervisor's choice"
    );
    assert!(
        merged.cancellation.is_some() && merged.sign_off.is_some(),
        "neither side's record is lost"
    );
    assert_eq!(merged.open_flags().count(), 0);
    Ok(())
}

#[test]
fn keeping_the_value_shown_also_ends_the_conflict() -> R {
    let (s, mut server, f) = cancel_against_sign_off()?;
    let shown: OrderDoc = ops::hydrate(&server)?;
    let mut desk = server.fork().with_actor(ActorId::from(b"desk".as_slice()));
    let ctx = Ctx {
        actor: s.cast.supervisor,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    ops::apply(&mut desk, &resolve(f.id, None), &ctx)?;
    server.merge(&mut desk)?;
    assert!(conflicts(&server).is_empty(), "{:?}", conflicts(&server));
    let merged: OrderDoc = ops::hydrate(&server)?;
    assert_eq!(merged.state, shown.state, "the value shown is kept");
    Ok(())
}

#[test]
fn two_flags_resolved_at_once_on_two_desks_both_stay_resolved() -> R {
    let (s, mut server, conflict) = cancel_against_sign_off()?;
    let void = flag(8, FlagKind::SignOffVoid, "sign_off", &s);
    ops::apply_as_server(
        &mut server,
        &OrderOp::RaiseFlag { flag: void.clone() },
        s.now,
    )?;
    let mut a = server
        .fork()
        .with_actor(ActorId::from(b"desk-a".as_slice()));
    let mut b = server
        .fork()
        .with_actor(ActorId::from(b"desk-b".as_slice()));
    let ctx = |actor| Ctx {
        actor,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    ops::apply(
        &mut a,
        &resolve(conflict.id, Some("signed_off")),
        &ctx(s.cast.supervisor),
    )?;
    ops::apply(&mut b, &resolve(void.id, None), &ctx(s.cast.dispatcher))?;
    a.merge(&mut b)?;
    let merged: OrderDoc = ops::hydrate(&a)?;
    assert_eq!(merged.open_flags().count(), 0, "both resolutions survive");
    assert!(conflicts(&a).is_empty(), "{:?}", conflicts(&a));
    assert_eq!(merged.state, OrderState::SignedOff);
    Ok(())
}

#[test]
fn an_order_saved_before_flags_existed_reads_with_none() -> R {
    use automerge::transaction::Transactable as _;
    let s = Scenario::new(ServiceMode::OnSite, false);
    let mut doc = AutoCommit::new();
    let ctx = Ctx {
        actor: s.cast.dispatcher,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    ops::create(&mut doc, &s.order, &ctx)?;
    doc.delete(automerge::ROOT, "flags")?;
    let old: OrderDoc = ops::hydrate(&doc)?;
    assert!(old.flags.is_empty());
    let mut json = serde_json::to_value(&s.order)?;
    json.as_object_mut().ok_or("an object")?.remove("flags");
    let parsed: OrderDoc = serde_json::from_value(json)?;
    assert!(parsed.flags.is_empty(), "serde defaults the key too");
    Ok(())
}

#[test]
fn a_flag_serialises_as_the_ui_reads_it() -> R {
    let s = Scenario::new(ServiceMode::OnSite, false);
    let mut f = flag(1, FlagKind::StockOverUse, "BR-21", &s);
    let open = serde_json::to_value(&f)?;
    assert_eq!(open["kind"], "stock_over_use");
    assert_eq!(open["for_role"], "storekeeper");
    assert_eq!(open["subject"], "BR-21");
    assert!(open["raised_at"].is_string() && open["resolution"].is_null());
    f.resolution = Some(FlagResolution {
        by: s.cast.storekeeper.user,
        at: s.now,
        note: "counted".into(),
        choice: None,
    });
    let done = serde_json::to_value(&f)?;
    let keys: Vec<&str> = done["resolution"]
        .as_object()
        .ok_or("an object")?
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["at", "by", "choice", "note"]);
    let op: OrderOp = serde_json::from_value(serde_json::json!({
        "op": "resolve_flag", "id": f.id, "note": "ok", "choice": null
    }))?;
    assert_eq!(
        op,
        OrderOp::ResolveFlag {
            id: f.id,
            note: "ok".into(),
            choice: None
        },
        "the UI's resolve_flag op deserialises"
    );
    Ok(())
}

#[test]
fn the_office_answers_a_consultation_and_closes_it() -> R {
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    let answer = || OrderOp::AnswerConsultation {
        answer: "Hold the power button 10 s to clear E21".into(),
    };
    assert_eq!(
        code(s.run(s.cast.dispatcher, answer())),
        Some("errors.order.not_a_consultation"),
        "a repair is not answered at intake"
    );
    s.order.request.classification = Classification::Consultation;
    assert_eq!(
        code(s.run(s.cast.technician, answer())),
        Some("errors.order.role_not_permitted")
    );
    assert_eq!(
        code(s.run(
            s.cast.support,
            OrderOp::AnswerConsultation { answer: " ".into() }
        )),
        Some("errors.order.empty_field")
    );
    s.run(s.cast.support, answer())?;
    assert_eq!(s.order.state, OrderState::Closed, "new → closed");
    assert_eq!(s.order.closed_at, Some(s.now));
    assert_eq!(
        s.order.comments.last().map(|c| (c.text.as_str(), c.by)),
        Some(("Hold the power button 10 s to clear E21", s.cast.support)),
        "the answer is on the order"
    );
    assert_eq!(
        s.order.history.last().map(|h| (h.from, h.to)),
        Some((OrderState::New, OrderState::Closed))
    );
    assert_eq!(
        code(s.run(s.cast.supervisor, answer())),
        Some("errors.order.not_allowed_in_state"),
        "answered once"
    );
    Ok(())
}

/// The field list is written once (`order_fields!`); this checks its grouping against
/// the schema as serialised: a list filed among the registers would let a conflict be
/// "decided" on a keyed list, and a register filed among the lists would never be
/// decidable.
#[test]
fn the_field_list_groups_every_field_as_the_schema_stores_it() -> R {
    let s = Scenario::new(ServiceMode::OnSite, false);
    let json = serde_json::to_value(&s.order)?;
    let map = json.as_object().ok_or("an order serialises as an object")?;
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut all = ALL_FIELDS.to_vec();
    all.sort_unstable();
    assert_eq!(all, keys, "ALL_FIELDS names every key once");

    let mut scalar: Vec<&str> = map
        .iter()
        .filter(|(k, v)| !v.is_array() && !["schema_version", "id"].contains(&k.as_str()))
        .map(|(k, _)| k.as_str())
        .collect();
    scalar.sort_unstable();
    let mut decidable = DECIDABLE_FIELDS.to_vec();
    decidable.sort_unstable();
    assert_eq!(
        decidable, scalar,
        "the decidable fields are the registers: not the identity, not a list"
    );
    Ok(())
}

/// Every decidable field is written afresh when its conflict is settled: the generated
/// writer has an arm for each (one that fell through to `_` would delete the register
/// and write nothing back).
#[test]
fn every_decidable_field_is_written_back_afresh() -> R {
    let s = Scenario::new(ServiceMode::OnSite, false);
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, &s.order)?;
    for field in DECIDABLE_FIELDS {
        merge::reconcile_afresh(&mut doc, field, &s.order)?;
        assert!(
            automerge::ReadDoc::get(&doc, automerge::ROOT, *field)?.is_some(),
            "{field} is written back"
        );
    }
    let back: OrderDoc = autosurgeon::hydrate(&doc)?;
    assert_eq!(back, s.order);
    Ok(())
}

#[test]
fn the_office_sets_the_customers_tier_in_any_state_and_a_technician_may_not() -> R {
    use crate::records::request::CustomerTier;
    let mut s = Scenario::new(ServiceMode::OnSite, false);
    s.drive_to(OrderState::Closed)?;
    let key = OrderOp::SetCustomerTier {
        tier: CustomerTier::KeyAccount,
    };
    assert!(matches!(
        s.run(s.cast.technician, key.clone()),
        Err(TransitionError::RoleNotPermitted { .. })
    ));
    assert_eq!(s.order.customer.tier, CustomerTier::Regular);
    s.run(s.cast.dispatcher, key)?;
    assert_eq!(s.order.customer.tier, CustomerTier::KeyAccount);
    assert_eq!(s.order.state, OrderState::Closed, "the order stays closed");
    s.run(
        s.cast.supervisor,
        OrderOp::SetCustomerTier {
            tier: CustomerTier::LongTerm,
        },
    )?;
    assert_eq!(s.order.customer.tier, CustomerTier::LongTerm);
    Ok(())
}
