//! Creating an order at intake and applying an operation to it: the lifecycle check,
//! what each operation records, and the state history.

use crate::ids::RecordId;
use crate::lifecycle::{self, OrderState, TransitionError};
use crate::money::Money;
use crate::ops::Ctx;
use crate::records::charge::{ChargeReassessment, Payment};
use crate::records::order::*;
use crate::records::request::ServiceMode;
use crate::records::signature::{Signature, SignatureKind};
use crate::role::Role;
use crate::signoff;
use crate::warranty;

use super::ops::OrderOp;
use super::schema::{NewOrder, OrderDoc, ORDER_SCHEMA_VERSION};

fn rating_ok(r: Option<u8>) -> Result<(), TransitionError> {
    match r {
        Some(rating) if !(1..=5).contains(&rating) => {
            Err(TransitionError::InvalidRating { rating })
        }
        _ => Ok(()),
    }
}

pub(super) fn non_empty(s: &str, field: &'static str) -> Result<(), TransitionError> {
    if s.trim().is_empty() {
        Err(TransitionError::EmptyField { field })
    } else {
        Ok(())
    }
}

pub(super) fn fresh<T>(
    list: &[T],
    id: RecordId,
    key: impl Fn(&T) -> RecordId,
) -> Result<(), TransitionError> {
    if list.iter().any(|x| key(x) == id) {
        Err(TransitionError::DuplicateRecord { id: id.to_string() })
    } else {
        Ok(())
    }
}

impl OrderDoc {
    /// A new order from intake, with its warranty check done (rule 2). Only dispatchers
    /// and supervisors create orders.
    pub fn new(new: NewOrder, ctx: &Ctx<'_>) -> Result<OrderDoc, TransitionError> {
        if !matches!(ctx.actor.role, Role::Dispatcher | Role::Supervisor) {
            return Err(TransitionError::RoleNotPermitted {
                role: ctx.actor.role,
                action: "create",
            });
        }
        let assessment = warranty::assess(
            new.product.purchase_date,
            new.customer_damage,
            &new.fault_code,
            &new.prior_repairs,
            ctx.now,
            ctx.calendar,
            ctx.settings,
        );
        Ok(OrderDoc {
            schema_version: ORDER_SCHEMA_VERSION,
            id: new.id,
            number: new.number,
            request: new.request,
            customer: new.customer,
            product: new.product,
            mode: new.mode,
            priority: new.priority,
            fault_code: new.fault_code,
            customer_damage: new.customer_damage,
            charge: assessment.basis,
            repeat_of: assessment.repeat_of,
            state: OrderState::New,
            assignee: None,
            schedule: None,
            dispatched_at: None,
            contacts: vec![],
            visits: vec![],
            receipt: None,
            fault_confirmed: None,
            diagnosis: None,
            plan_approval: None,
            consent: None,
            fee: Money::zero(&ctx.settings.currency),
            fee_overrides: vec![],
            steps: vec![],
            parts: vec![],
            tests: vec![],
            objections: vec![],
            sign_off: None,
            shipment: None,
            closed_at: None,
            hold: None,
            cancellation: None,
            follow_ups: vec![],
            photos: vec![],
            comments: vec![],
            data_authorisations: vec![],
            history: vec![],
            flags: vec![],
            settings_version: new.settings_version,
            clock_offsets: vec![],
            signatures: vec![],
            charge_reassessments: vec![],
            payment: None,
            return_decisions: vec![],
        })
    }

    /// Validates `op` by `ctx.actor` against the rules and applies it. On error the
    /// order is unchanged.
    pub fn apply(&mut self, op: &OrderOp, ctx: &Ctx<'_>) -> Result<(), TransitionError> {
        let transition = op.transition();
        let mut next = self.clone();
        let recorded = next.record(op, ctx);
        // The check sees the order as it was, except for consent: agreeing to the plan
        // is checked with the consent being recorded. A lifecycle refusal outranks a
        // complaint about the payload.
        let subject = if matches!(op, OrderOp::RecordConsent { .. }) {
            &next
        } else {
            &*self
        };
        let checked = lifecycle::check(subject, &transition, &ctx.actor, ctx.settings)?;
        recorded?;
        let from = self.state;
        // Settling a state conflict moves the order to the state kept, if it was not the
        // one shown; the history records the decision like any other move.
        let to = match op {
            OrderOp::ResolveFlag { .. } => next.state,
            _ => checked,
        };
        match op {
            OrderOp::Resume => next.hold = None,
            OrderOp::Hold { kind, reason } => {
                next.hold = Some(Hold {
                    kind: *kind,
                    reason: reason.clone(),
                    from,
                    at: ctx.now,
                    by: ctx.actor.user,
                })
            }
            OrderOp::Reopen { .. } => next.closed_at = None,
            OrderOp::Close
            | OrderOp::AnswerConsultation { .. }
            | OrderOp::ResolveRemotely { .. } => next.closed_at = Some(ctx.now),
            _ => {}
        }
        if to != from {
            let (reason, pauses) = match op {
                OrderOp::Cancel { reason } | OrderOp::Reopen { reason } => (reason.clone(), false),
                OrderOp::Hold { kind, reason } => {
                    (reason.clone(), *kind == HoldKind::WaitingForCustomer)
                }
                OrderOp::Object { text, .. } => (text.clone(), false),
                OrderOp::ResolveFlag { note, .. } => (note.clone(), false),
                OrderOp::AnswerConsultation { answer } => (answer.clone(), false),
                OrderOp::ResolveRemotely { resolution } => (resolution.clone(), false),
                _ => (String::new(), false),
            };
            next.history.push(StateChange {
                id: RecordId::new_at(ctx.now),
                at: ctx.now,
                by: ctx.actor.user,
                role: ctx.actor.role,
                from,
                to,
                reason,
                pauses_clocks: pauses,
            });
            next.state = to;
        }
        *self = next;
        Ok(())
    }

    /// Writes what `op` records, without touching the state.
    fn record(&mut self, op: &OrderOp, ctx: &Ctx<'_>) -> Result<(), TransitionError> {
        let now = ctx.now;
        let by = ctx.actor.user;
        match op {
            OrderOp::Dispatch { assignee, window } => {
                self.assignee = Some(*assignee);
                self.dispatched_at = Some(now);
                if window.is_some() {
                    self.schedule = window.clone();
                }
            }
            OrderOp::Assign { assignee } => self.assignee = Some(*assignee),
            OrderOp::Schedule { window } => {
                if window.end < window.start {
                    return Err(TransitionError::EmptyField { field: "window" });
                }
                self.schedule = Some(window.clone());
            }
            OrderOp::LogContact {
                id,
                channel,
                reached,
                note,
            } => {
                fresh(&self.contacts, *id, |c| c.id)?;
                self.contacts.push(ContactAttempt {
                    id: *id,
                    at: now,
                    by,
                    channel: *channel,
                    reached: *reached,
                    note: note.clone(),
                });
            }
            OrderOp::CheckIn { visit } => {
                fresh(&self.visits, *visit, |v| v.id)?;
                // A new check-in closes a visit left open (a forgotten check-out).
                if let Some(open) = self.visits.last_mut() {
                    if open.checked_out_at.is_none() {
                        open.checked_out_at = Some(now);
                    }
                }
                self.visits.push(Visit {
                    id: *visit,
                    by,
                    checked_in_at: now,
                    id_shown_at: None,
                    checked_out_at: None,
                });
            }
            OrderOp::ShowWorkId => {
                if let Some(v) = self.visits.last_mut() {
                    if v.checked_out_at.is_none() && v.id_shown_at.is_none() {
                        v.id_shown_at = Some(now);
                    }
                }
            }
            OrderOp::CheckOut => {
                if let Some(v) = self.visits.last_mut() {
                    if v.checked_out_at.is_none() {
                        v.checked_out_at = Some(now);
                    }
                }
            }
            OrderOp::Receive {
                condition,
                photo,
                signature,
            } => {
                non_empty(condition, "condition")?;
                // Mail-in: the condition on arrival is photographed (the courier's
                // damage is told apart from the fault). Carry-in: the customer signs the
                // receipt at the counter.
                if self.mode == ServiceMode::MailIn
                    && !photo
                        .as_ref()
                        .is_some_and(|h| self.photos.iter().any(|p| &p.hash == h))
                {
                    return Err(TransitionError::ArrivalPhotoMissing);
                }
                if self.mode == ServiceMode::CarryIn {
                    let Some(s) = signature else {
                        return Err(TransitionError::EmptyField { field: "signature" });
                    };
                    fresh(&self.signatures, s.id, |r| r.id)?;
                    non_empty(&s.signer, "signer")?;
                    non_empty(&s.signature_blob, "signature")?;
                    let digest = signoff::digest(self);
                    self.signatures.push(Signature {
                        id: s.id,
                        kind: SignatureKind::Receipt,
                        signer: s.signer.clone(),
                        at: now,
                        captured_by: by,
                        rating: None,
                        signature_blob: s.signature_blob.clone(),
                        digest,
                        text: condition.clone(),
                    });
                }
                self.receipt = Some(Receipt {
                    at: now,
                    by,
                    condition: condition.clone(),
                    photo: photo.clone(),
                })
            }
            OrderOp::ConfirmFault { note } => {
                non_empty(note, "fault")?;
                self.fault_confirmed = Some(FaultConfirmation {
                    at: now,
                    by,
                    note: note.clone(),
                });
            }
            OrderOp::RecordDiagnosis {
                cause,
                plan,
                parts,
                tools,
                estimated_minutes,
                estimated_fee,
                risks,
                touches_data,
            } => {
                non_empty(cause, "cause")?;
                non_empty(plan, "plan")?;
                self.same_currency(estimated_fee, ctx)?;
                self.diagnosis = Some(Diagnosis {
                    at: now,
                    by,
                    cause: cause.clone(),
                    plan: plan.clone(),
                    parts: parts.clone(),
                    tools: tools.clone(),
                    estimated_minutes: *estimated_minutes,
                    estimated_fee: estimated_fee.clone(),
                    risks: risks.clone(),
                    touches_data: *touches_data,
                });
                // A new plan needs a new approval.
                self.plan_approval = None;
            }
            OrderOp::ApprovePlan { note } => {
                self.plan_approval = Some(Approval {
                    by: ctx.actor,
                    at: now,
                    note: note.clone(),
                })
            }
            OrderOp::RecordConsent {
                customer_name,
                fee_agreed,
                by_phone,
            } => {
                non_empty(customer_name, "customer_name")?;
                self.consent = Some(Consent {
                    customer_name: customer_name.clone(),
                    at: now,
                    recorded_by: by,
                    fee_agreed: fee_agreed.clone(),
                    by_phone: *by_phone,
                });
                self.fee = if self.is_chargeable() {
                    fee_agreed
                        .clone()
                        .unwrap_or_else(|| Money::zero(&ctx.settings.currency))
                } else {
                    Money::zero(&ctx.settings.currency)
                };
            }
            OrderOp::ReassessCharge {
                id,
                customer_damage,
                evidence,
                note,
            } => {
                fresh(&self.charge_reassessments, *id, |r| r.id)?;
                let evidence = evidence.clone().unwrap_or_default();
                // Customer damage makes the customer pay: it is shown, not asserted.
                if *customer_damage && !self.photos.iter().any(|p| p.hash == evidence) {
                    return Err(TransitionError::EvidenceMissing);
                }
                let from = self.charge;
                self.customer_damage = *customer_damage;
                let prior = self
                    .repeat_of
                    .map(|order| PriorRepair {
                        order,
                        fault: self.fault_code.clone(),
                        completed_at: now,
                    })
                    .into_iter()
                    .collect::<Vec<_>>();
                let a = warranty::assess(
                    self.product.purchase_date,
                    *customer_damage,
                    &self.fault_code,
                    &prior,
                    now,
                    ctx.calendar,
                    ctx.settings,
                );
                self.charge = a.basis;
                // After consent the fee agreed no longer holds: the customer agrees
                // again before any more repair (the lifecycle moves the order back).
                let voided_consent = !self.state.is_before_consent() && self.consent.is_some();
                let withdrawn = if voided_consent {
                    self.consent.take()
                } else {
                    None
                };
                self.charge_reassessments.push(ChargeReassessment {
                    id: *id,
                    at: now,
                    by,
                    customer_damage: *customer_damage,
                    from,
                    to: a.basis,
                    evidence,
                    note: note.clone(),
                    voided_consent,
                    withdrawn,
                });
            }
            OrderOp::AddRepairStep {
                id,
                description,
                minutes,
            } => {
                fresh(&self.steps, *id, |s| s.id)?;
                non_empty(description, "description")?;
                self.steps.push(RepairStep {
                    id: *id,
                    at: now,
                    by,
                    description: description.clone(),
                    minutes: *minutes,
                });
            }
            OrderOp::UsePart {
                id,
                part,
                part_number,
                certified,
                serialized,
                quantity,
                serials_new,
                serials_old,
                location,
            } => {
                fresh(&self.parts, *id, |p| p.id)?;
                if !certified {
                    return Err(TransitionError::PartNotCertified {
                        part_number: part_number.clone(),
                    });
                }
                if *quantity == 0 {
                    return Err(TransitionError::InvalidQuantity);
                }
                if *serialized && serials_new.len() != *quantity as usize {
                    return Err(TransitionError::SerialMissing {
                        part_number: part_number.clone(),
                    });
                }
                self.parts.push(PartUse {
                    id: *id,
                    at: now,
                    by,
                    part: *part,
                    part_number: part_number.clone(),
                    quantity: *quantity,
                    serials_new: serials_new.clone(),
                    serials_old: serials_old.clone(),
                    location: *location,
                });
            }
            OrderOp::RemovePart { id } => {
                let before = self.parts.len();
                self.parts.retain(|p| p.id != *id);
                if self.parts.len() == before {
                    return Err(TransitionError::UnknownRecord { id: id.to_string() });
                }
            }
            OrderOp::RecordTest {
                id,
                passed,
                notes,
                care_advice_given,
            } => {
                fresh(&self.tests, *id, |t| t.id)?;
                self.tests.push(TestResult {
                    id: *id,
                    at: now,
                    by,
                    passed: *passed,
                    notes: notes.clone(),
                    care_advice_given: *care_advice_given,
                });
            }
            OrderOp::SignOff {
                id,
                signer,
                rating,
                signature_blob,
            } => {
                fresh(&self.signatures, *id, |s| s.id)?;
                non_empty(signer, "signer")?;
                non_empty(signature_blob, "signature")?;
                rating_ok(*rating)?;
                let digest = signoff::digest(self);
                self.sign_off = Some(SignOff {
                    signer: signer.clone(),
                    at: now,
                    captured_by: by,
                    rating: *rating,
                    signature_blob: signature_blob.clone(),
                    digest: digest.clone(),
                });
                // The register holds the current sign-off; the list keeps every one, so
                // signing again after a reopening does not lose the first (rule 10).
                // A carry-in customer signs when picking the product up.
                self.signatures.push(Signature {
                    id: *id,
                    kind: if self.mode == ServiceMode::CarryIn {
                        SignatureKind::PickUp
                    } else {
                        SignatureKind::SignOff
                    },
                    signer: signer.clone(),
                    at: now,
                    captured_by: by,
                    rating: *rating,
                    signature_blob: signature_blob.clone(),
                    digest,
                    text: String::new(),
                });
            }
            OrderOp::Object {
                id,
                signer,
                text,
                signature_blob,
            } => {
                fresh(&self.objections, *id, |o| o.id)?;
                fresh(&self.signatures, *id, |s| s.id)?;
                non_empty(text, "objection")?;
                self.objections.push(Objection {
                    id: *id,
                    at: now,
                    signer: signer.clone(),
                    text: text.clone(),
                });
                self.signatures.push(Signature {
                    id: *id,
                    kind: SignatureKind::Objection,
                    signer: signer.clone(),
                    at: now,
                    captured_by: by,
                    rating: None,
                    signature_blob: signature_blob.clone().unwrap_or_default(),
                    digest: signoff::digest(self),
                    text: text.clone(),
                });
            }
            OrderOp::RecordPayment {
                amount,
                method,
                reference,
            } => {
                self.same_currency(amount, ctx)?;
                non_empty(method, "method")?;
                self.payment = Some(Payment {
                    at: now,
                    by,
                    amount: amount.clone(),
                    method: method.clone(),
                    reference: reference.clone(),
                });
            }
            OrderOp::ShipBack { carrier, tracking } => {
                non_empty(carrier, "carrier")?;
                non_empty(tracking, "tracking")?;
                self.shipment = Some(Shipment {
                    at: now,
                    by,
                    carrier: carrier.clone(),
                    tracking: tracking.clone(),
                });
            }
            OrderOp::Close | OrderOp::Resume | OrderOp::Hold { .. } | OrderOp::Reopen { .. } => {}
            OrderOp::Cancel { reason } => {
                self.cancellation = Some(Cancellation {
                    reason: reason.clone(),
                    at: now,
                    by,
                })
            }
            OrderOp::OverrideFee { id, fee, reason } => {
                fresh(&self.fee_overrides, *id, |f| f.id)?;
                non_empty(reason, "reason")?;
                self.same_currency(fee, ctx)?;
                self.fee_overrides.push(FeeOverride {
                    id: *id,
                    at: now,
                    by,
                    from: self.fee.clone(),
                    to: fee.clone(),
                    reason: reason.clone(),
                });
                self.fee = fee.clone();
            }
            OrderOp::FollowUp {
                id,
                channel,
                score,
                comment,
            } => {
                fresh(&self.follow_ups, *id, |f| f.id)?;
                rating_ok(*score)?;
                self.follow_ups.push(FollowUp {
                    id: *id,
                    at: now,
                    by,
                    channel: *channel,
                    score: *score,
                    comment: comment.clone(),
                });
            }
            OrderOp::Comment { id, text } => {
                fresh(&self.comments, *id, |c| c.id)?;
                non_empty(text, "text")?;
                self.comments.push(Comment {
                    id: *id,
                    at: now,
                    by: ctx.actor,
                    text: text.clone(),
                });
            }
            OrderOp::AddPhoto { hash, caption } => {
                non_empty(hash, "hash")?;
                if self.photos.iter().any(|p| &p.hash == hash) {
                    return Err(TransitionError::DuplicateRecord { id: hash.clone() });
                }
                self.photos.push(PhotoRef {
                    hash: hash.clone(),
                    at: now,
                    by,
                    caption: caption.clone(),
                });
            }
            OrderOp::AuthoriseDataAccess { id, signer, scope } => {
                fresh(&self.data_authorisations, *id, |a| a.id)?;
                non_empty(signer, "signer")?;
                non_empty(scope, "scope")?;
                self.data_authorisations.push(DataAuthorisation {
                    id: *id,
                    at: now,
                    signer: signer.clone(),
                    scope: scope.clone(),
                    recorded_by: by,
                });
            }
            OrderOp::DecideReturn {
                id,
                claim,
                granted,
                reason,
            } => {
                fresh(&self.return_decisions, *id, |d| d.id)?;
                non_empty(reason, "reason")?;
                let claim = self.return_claim(claim, ctx.calendar);
                let refusals = crate::returns::check(&claim, ctx.settings)
                    .err()
                    .unwrap_or_default();
                let reasons: Vec<String> =
                    refusals.iter().map(|r| r.reason().to_string()).collect();
                // The rules refuse the claim: no one grants it. A claim they allow may
                // still be refused, for the reason given.
                if *granted && !reasons.is_empty() {
                    return Err(TransitionError::ReturnNotEligible { reasons });
                }
                self.return_decisions.push(ReturnDecision {
                    id: *id,
                    at: now,
                    by,
                    role: ctx.actor.role,
                    kind: claim.kind,
                    granted: *granted,
                    grounds: claim.grounds.clone(),
                    refusals: reasons,
                    last_day: Some(crate::returns::last_day(
                        claim.kind,
                        claim.delivered_on,
                        ctx.settings,
                    )),
                    reason: reason.trim().to_string(),
                });
            }
            OrderOp::RaiseFlag { flag } => {
                fresh(&self.flags, flag.id, |f| f.id)?;
                non_empty(&flag.subject, "subject")?;
                self.flags.push(flag.clone());
            }
            OrderOp::NoteClockOffsets { .. } => {
                // No role may (`lifecycle::check` refused it already); the server writes
                // it through `apply_server`.
                return Err(TransitionError::NotAServerAction {
                    action: "note_clock_offsets",
                });
            }
            OrderOp::ResolveFlag { id, note, choice } => {
                let flag = self.open_flag(*id)?;
                if !flag.kind.resolvers().contains(&ctx.actor.role) {
                    return Err(TransitionError::FlagNotAllowed {
                        role: ctx.actor.role,
                        action: "resolve_flag",
                    });
                }
                if flag.kind == FlagKind::Conflict {
                    if let Some(choice) = choice {
                        let subject = flag.subject.clone();
                        *self = self.with_field(&subject, choice)?;
                    }
                }
                self.resolve_flag(*id, by, now, note, choice.clone())?;
            }
            OrderOp::ResolveRemotely { resolution } => {
                non_empty(resolution, "resolution")?;
                // What the customer was told, where the office and the report read it.
                self.comments.push(Comment {
                    id: RecordId::new_at(now),
                    at: now,
                    by: ctx.actor,
                    text: resolution.clone(),
                });
            }
            OrderOp::SetCustomerTier { tier } => self.customer.tier = *tier,
            OrderOp::AnswerConsultation { answer } => {
                non_empty(answer, "answer")?;
                // The answer is what the customer was told: kept as a comment on the
                // order, where the office reads it, and as the reason of the closing.
                self.comments.push(Comment {
                    id: RecordId::new_at(now),
                    at: now,
                    by: ctx.actor,
                    text: answer.clone(),
                });
            }
        }
        Ok(())
    }

    fn same_currency(&self, m: &Money, ctx: &Ctx<'_>) -> Result<(), TransitionError> {
        if m.currency != ctx.settings.currency {
            return Err(TransitionError::CurrencyMismatch {
                expected: ctx.settings.currency.clone(),
            });
        }
        Ok(())
    }
}
