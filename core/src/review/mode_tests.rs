//! The push review for the issue-15 operations: a charge reassessed after consent and
//! the consent given again, as one technician's pushes.

use automerge::AutoCommit;

use crate::doc::order::{OrderDoc, OrderOp};
use crate::fixtures::Scenario;
use crate::lifecycle::OrderState;
use crate::money::Money;
use crate::records::request::ServiceMode;
use crate::review::Pusher;
use crate::{ops, Ctx};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Applies `op` as `s`'s technician to `doc`, keeping `s.order` in step.
fn push(s: &mut Scenario, doc: &mut AutoCommit, op: OrderOp) -> TestResult {
    s.now += chrono::Duration::minutes(1);
    let ctx = Ctx {
        actor: s.cast.technician,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    ops::apply(doc, &op, &ctx)?;
    s.order = ops::hydrate(doc)?;
    Ok(())
}

/// The order `s` holds, written as a new document.
fn document(s: &Scenario) -> Result<AutoCommit, Box<dyn std::error::Error>> {
    let ctx = Ctx {
        actor: s.cast.dispatcher,
        now: s.now,
        settings: &s.settings,
        calendar: &s.calendar,
    };
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &s.order, &ctx)?;
    Ok(doc)
}

/// What the server's review finds in the technician's push of everything after `before`.
fn review(
    s: &Scenario,
    doc: &mut AutoCommit,
    old: &OrderDoc,
    before: &[automerge::ChangeHash],
) -> Result<Vec<crate::review::Finding>, Box<dyn std::error::Error>> {
    let pusher = Pusher {
        actor: s.cast.technician,
        foreign_locations: vec![],
    };
    let heads = doc.get_heads();
    let patches = doc.diff(before, &heads);
    let (new, touched) = super::order::merged_view(old, doc, &patches)?;
    Ok(super::order::judge(
        &pusher,
        old,
        &new,
        &touched,
        false,
        &s.settings,
    ))
}

fn damage(id: crate::ids::RecordId) -> OrderOp {
    OrderOp::ReassessCharge {
        id,
        customer_damage: true,
        evidence: Some("bb".repeat(32)),
        note: "liquid damage".into(),
    }
}

fn photo() -> OrderOp {
    OrderOp::AddPhoto {
        hash: "bb".repeat(32),
        caption: "liquid".into(),
    }
}

/// Consent given, then withdrawn by a reassessment, in one offline push: the move to
/// plan agreed is judged with the consent it was made under.
#[test]
fn a_consent_and_its_withdrawal_in_one_push_pass_the_review() -> TestResult {
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(OrderState::OnSite)?;
    let mut doc = document(&s)?;
    let (old, before) = (s.order.clone(), doc.get_heads());
    let fee = s.estimate();
    for op in [
        OrderOp::ShowWorkId,
        OrderOp::ConfirmFault { note: "E21".into() },
        OrderOp::RecordDiagnosis {
            cause: "belt".into(),
            plan: "replace the belt".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 30,
            estimated_fee: fee.clone(),
            risks: String::new(),
            touches_data: false,
        },
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(fee),
            by_phone: false,
        },
        photo(),
    ] {
        push(&mut s, &mut doc, op)?;
    }
    let id = s.id();
    push(&mut s, &mut doc, damage(id))?;
    assert_eq!(s.order.state, OrderState::OnSite);
    assert_eq!(review(&s, &mut doc, &old, &before)?, vec![]);
    Ok(())
}

#[test]
fn a_reassessment_and_the_consent_given_again_pass_the_review() -> TestResult {
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(OrderState::InRepair)?;
    let mut doc = document(&s)?;
    push(&mut s, &mut doc, photo())?;
    let (old, before) = (s.order.clone(), doc.get_heads());
    let id = s.id();
    push(&mut s, &mut doc, damage(id))?;
    assert_eq!(
        review(&s, &mut doc, &old, &before)?,
        vec![],
        "the reassessment"
    );
    let (old, before) = (s.order.clone(), doc.get_heads());
    let fee = Money::new(52_000, "CNY");
    push(
        &mut s,
        &mut doc,
        OrderOp::RecordDiagnosis {
            cause: "liquid".into(),
            plan: "board".into(),
            parts: vec![],
            tools: String::new(),
            estimated_minutes: 60,
            estimated_fee: fee.clone(),
            risks: String::new(),
            touches_data: false,
        },
    )?;
    push(
        &mut s,
        &mut doc,
        OrderOp::RecordConsent {
            customer_name: "王芳".into(),
            fee_agreed: Some(fee),
            by_phone: false,
        },
    )?;
    assert_eq!(
        review(&s, &mut doc, &old, &before)?,
        vec![],
        "the consent again"
    );
    Ok(())
}
