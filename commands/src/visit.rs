//! The technician's visit as steps in the rules' order (contact, check in, arrive,
//! diagnosis, consent, repair, parts, photos, test, sign-off, close), each done, next,
//! open or locked, with the lifecycle's refusal as the reason a step is locked. Worked
//! out here so the UI only draws it.

use onsite_core::doc::order::OrderDoc;
use onsite_core::lifecycle::OrderState;
use onsite_core::records::request::{Classification, ServiceMode};
use serde::Serialize;

use crate::list::SignOffState;
use crate::order::{OpCheck, Refusal};

/// A step of the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    /// Call the customer and record the outcome.
    Contact,
    /// Check in on site (on-site orders only).
    CheckIn,
    /// Show the work ID and confirm the fault.
    Arrive,
    /// Diagnosis and plan, with a fee estimate when chargeable.
    Diagnosis,
    /// The customer's consent to plan and fee.
    Consent,
    /// Repair steps.
    Repair,
    /// Parts from the van (optional).
    Parts,
    /// Photos (optional).
    Photos,
    /// The functional test.
    Test,
    /// The customer's sign-off (or objection).
    SignOff,
    /// Complete and close.
    Close,
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Recorded.
    Done,
    /// The one thing to do now (its action sits at the bottom of the screen).
    Next,
    /// Possible now but not required (more parts, photos, another repair step).
    Open,
    /// Not possible yet; `reason` says why.
    Locked,
}

/// One step as the visit screen draws it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VisitStep {
    /// Which step.
    pub id: StepId,
    /// Where it stands.
    pub status: StepStatus,
    /// Optional steps never become "next" and never hold the visit up.
    pub optional: bool,
    /// The op tags that work this step.
    pub ops: Vec<String>,
    /// Why the step is locked: the lifecycle's refusal of its op.
    pub reason: Option<Refusal>,
}

/// How far an order has come along the visit; an order on hold counts from the state it
/// was held in. Cancelled orders have not come anywhere.
fn stage(o: &OrderDoc) -> i8 {
    let state = match (&o.state, &o.hold) {
        (OrderState::OnHold, Some(hold)) => hold.from,
        (state, _) => *state,
    };
    match state {
        OrderState::New => 0,
        OrderState::Dispatched => 1,
        OrderState::Contacted => 2,
        OrderState::OnSite | OrderState::Received => 3,
        OrderState::PlanAgreed => 4,
        OrderState::InRepair => 5,
        OrderState::Tested => 6,
        OrderState::SignedOff => 7,
        OrderState::ShippedBack => 8,
        OrderState::Closed => 9,
        OrderState::Cancelled | OrderState::OnHold => -1,
    }
}

fn latest_test_passed(o: &OrderDoc) -> bool {
    o.tests
        .iter()
        .max_by_key(|t| t.at)
        .is_some_and(|t| t.passed)
}

/// The steps of `order`'s visit, from the op checks of the signed-in user.
pub fn steps(o: &OrderDoc, sign_off: SignOffState, checks: &[OpCheck]) -> Vec<VisitStep> {
    let on_site = o.mode == ServiceMode::OnSite;
    let id_shown = o.visits.iter().any(|v| v.id_shown_at.is_some());
    let rules: Vec<(StepId, &[&str], bool, bool)> = vec![
        (
            StepId::Contact,
            &["log_contact"],
            false,
            o.contacts.iter().any(|c| c.reached) || stage(o) >= 2,
        ),
        (
            StepId::CheckIn,
            &["check_in"],
            false,
            !o.visits.is_empty() && stage(o) >= 3,
        ),
        (
            StepId::Arrive,
            &["show_work_id", "confirm_fault"],
            false,
            o.fault_confirmed.is_some() && (!on_site || id_shown),
        ),
        (
            StepId::Diagnosis,
            &["record_diagnosis"],
            false,
            o.diagnosis.is_some(),
        ),
        (
            StepId::Consent,
            &["record_consent"],
            false,
            o.consent.is_some() && stage(o) >= 4,
        ),
        (
            StepId::Repair,
            &["add_repair_step"],
            false,
            !o.steps.is_empty(),
        ),
        (StepId::Parts, &["use_part"], true, !o.parts.is_empty()),
        (StepId::Photos, &["add_photo"], true, !o.photos.is_empty()),
        (
            StepId::Test,
            &["record_test"],
            false,
            latest_test_passed(o) && stage(o) >= 6,
        ),
        (
            StepId::SignOff,
            &["sign_off", "object"],
            false,
            o.sign_off.is_some() && sign_off == SignOffState::Valid && stage(o) >= 7,
        ),
        (
            StepId::Close,
            &["close"],
            false,
            o.state == OrderState::Closed,
        ),
    ];
    let mut next_found = false;
    rules
        .into_iter()
        .filter(|(id, ..)| on_site || *id != StepId::CheckIn)
        // A mail-in customer is not there to sign: the product is shipped back (from the
        // desk's workshop) and the order closes on the tracking number.
        .filter(|(id, ..)| o.mode != ServiceMode::MailIn || *id != StepId::SignOff)
        // An installation has no diagnosis (安装): the consent is to the installation.
        .filter(|(id, ..)| {
            o.request.classification != Classification::Installation || *id != StepId::Diagnosis
        })
        .map(|(id, ops, optional, done)| {
            let checks: Vec<&OpCheck> = checks
                .iter()
                .filter(|c| ops.contains(&c.op.as_str()))
                .collect();
            let can = checks.iter().any(|c| c.allowed);
            let (status, reason) = if done {
                (StepStatus::Done, None)
            } else if can && !optional && !next_found {
                next_found = true;
                (StepStatus::Next, None)
            } else if can {
                (StepStatus::Open, None)
            } else {
                (
                    StepStatus::Locked,
                    checks.iter().find_map(|c| c.refusal.clone()),
                )
            };
            VisitStep {
                id,
                status,
                optional,
                ops: ops.iter().map(|o| o.to_string()).collect(),
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use onsite_core::doc::order::OrderDoc;
    use onsite_core::records::request::ServiceMode;
    use onsite_core::{fixtures, Calendar, Ctx, Settings};

    use super::*;

    fn check(op: &str, allowed: bool) -> OpCheck {
        OpCheck {
            op: op.into(),
            allowed,
            refusal: (!allowed).then(|| Refusal {
                code: "errors.order.contact_missing".into(),
                details: Default::default(),
            }),
        }
    }

    fn order(mode: ServiceMode) -> Option<OrderDoc> {
        let cast = fixtures::Cast::default();
        let (settings, calendar) = (Settings::default(), Calendar::default());
        let ctx = Ctx {
            actor: cast.dispatcher,
            now: fixtures::t0(),
            settings: &settings,
            calendar: &calendar,
        };
        OrderDoc::new(fixtures::new_order(1, mode, None), &ctx).ok()
    }

    #[test]
    fn the_first_allowed_step_is_next_and_a_locked_one_says_the_lifecycles_reason() {
        let Some(o) = order(ServiceMode::OnSite) else {
            panic!("the fixture order is valid");
        };
        let steps = steps(
            &o,
            SignOffState::None,
            &[check("log_contact", true), check("check_in", false)],
        );
        assert_eq!(steps[0].id, StepId::Contact);
        assert_eq!(steps[0].status, StepStatus::Next);
        assert_eq!(steps[1].id, StepId::CheckIn);
        assert_eq!(steps[1].status, StepStatus::Locked);
        assert_eq!(
            steps[1].reason.as_ref().map(|r| r.code.as_str()),
            Some("errors.order.contact_missing"),
            "the reason is the refusal Rust gave for check_in"
        );
    }

    #[test]
    fn a_mail_in_visit_has_no_check_in() {
        let Some(o) = order(ServiceMode::MailIn) else {
            panic!("the fixture order is valid");
        };
        let ids: Vec<StepId> = steps(&o, SignOffState::None, &[])
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert!(!ids.contains(&StepId::CheckIn));
        assert!(
            !ids.contains(&StepId::SignOff),
            "a mail-in customer is not there to sign: the product ships back"
        );
        assert_eq!(ids.len(), 9);
    }
}
