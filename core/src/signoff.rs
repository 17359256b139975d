//! Sign-off integrity (rule 10): the canonical SHA-256 digest of what a customer's
//! signature covers (the work recorded, the parts used, the fee) and the test for a
//! sign-off voided by a later change.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::doc::order::OrderDoc;
use crate::ids::RecordId;
use crate::records::order::SignOff;
use crate::records::signature::{Signature, SignatureKind};

/// Bumped if the canonical form ever changes, so old digests stay verifiable by version.
const CANONICAL_VERSION: &str = "onsite.signoff.v1";

#[derive(Serialize)]
struct CanonicalStep<'a> {
    id: String,
    description: &'a str,
    minutes: u32,
}

#[derive(Serialize)]
struct CanonicalPart<'a> {
    id: String,
    part: String,
    part_number: &'a str,
    quantity: u32,
    serials_new: Vec<&'a str>,
    serials_old: Vec<&'a str>,
    location: String,
}

#[derive(Serialize)]
struct Canonical<'a> {
    version: &'static str,
    order: String,
    steps: Vec<CanonicalStep<'a>>,
    parts: Vec<CanonicalPart<'a>>,
    fee_minor: i64,
    fee_currency: &'a str,
}

/// The canonical bytes the digest is taken over: JSON with a fixed field order, lists
/// sorted by stable id and serials sorted, so the digest does not depend on list order
/// after a merge, nor on map order, nor on who recorded what when.
pub fn canonical_bytes(order: &OrderDoc) -> Vec<u8> {
    let mut steps: Vec<CanonicalStep<'_>> = order
        .steps
        .iter()
        .map(|s| CanonicalStep {
            id: s.id.to_string(),
            description: &s.description,
            minutes: s.minutes,
        })
        .collect();
    steps.sort_by(|a, b| a.id.cmp(&b.id));
    let mut parts: Vec<CanonicalPart<'_>> = order
        .parts
        .iter()
        .map(|p| {
            let mut serials_new: Vec<&str> = p.serials_new.iter().map(String::as_str).collect();
            serials_new.sort_unstable();
            let mut serials_old: Vec<&str> = p.serials_old.iter().map(String::as_str).collect();
            serials_old.sort_unstable();
            CanonicalPart {
                id: p.id.to_string(),
                part: p.part.to_string(),
                part_number: &p.part_number,
                quantity: p.quantity,
                serials_new,
                serials_old,
                location: p.location.to_string(),
            }
        })
        .collect();
    parts.sort_by(|a, b| a.id.cmp(&b.id));
    let canonical = Canonical {
        version: CANONICAL_VERSION,
        order: order.id.to_string(),
        steps,
        parts,
        fee_minor: order.fee.minor,
        fee_currency: &order.fee.currency,
    };
    // Serialising plain strings and integers cannot fail.
    serde_json::to_vec(&canonical).unwrap_or_default()
}

/// SHA-256 (lower-case hex) of [`canonical_bytes`].
pub fn digest(order: &OrderDoc) -> String {
    hex::encode(Sha256::digest(canonical_bytes(order)))
}

/// Where the order's sign-off stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffStatus {
    /// Not signed.
    Unsigned,
    /// Signed, and nothing it covers has changed.
    Valid,
    /// Signed, but work, parts or fee changed since: the signature no longer holds.
    Void,
}

/// The sign-off status of `order` now.
pub fn status(order: &OrderDoc) -> SignOffStatus {
    match &order.sign_off {
        None => SignOffStatus::Unsigned,
        Some(s) if s.digest == digest(order) => SignOffStatus::Valid,
        Some(_) => SignOffStatus::Void,
    }
}

/// True when the order was signed and something the signature covers changed since.
pub fn is_void(order: &OrderDoc) -> bool {
    status(order) == SignOffStatus::Void
}

/// Every signature on `order`, oldest first: the `signatures` list, plus what an order
/// written before the list existed holds only elsewhere (migrated on read, never
/// written): its current `sign_off` and its `objections`. A legacy sign-off gets an id
/// derived from its blob and time, so it reads the same on every replica.
pub fn record(order: &OrderDoc) -> Vec<Signature> {
    let mut out = order.signatures.clone();
    for o in &order.objections {
        if !out.iter().any(|s| s.id == o.id) {
            out.push(Signature {
                id: o.id,
                kind: SignatureKind::Objection,
                signer: o.signer.clone(),
                at: o.at,
                // Objections were recorded without a capturer: whoever moved the order
                // back to rework at that instant captured it (the nil id if none did).
                captured_by: order
                    .history
                    .iter()
                    .find(|h| h.at == o.at)
                    .map(|h| h.by)
                    .or(order.assignee)
                    .unwrap_or(crate::ids::UserId(uuid::Uuid::nil())),
                rating: None,
                signature_blob: String::new(),
                digest: String::new(),
                text: o.text.clone(),
            });
        }
    }
    if let Some(s) = &order.sign_off {
        if !out.iter().any(|r| is_current(r, s)) {
            let seed = Sha256::digest(format!("legacy-sign-off:{}:{}", s.signature_blob, s.at));
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&seed[..16]);
            out.push(Signature {
                id: RecordId(uuid::Uuid::from_bytes(bytes)),
                kind: SignatureKind::SignOff,
                signer: s.signer.clone(),
                at: s.at,
                captured_by: s.captured_by,
                rating: s.rating,
                signature_blob: s.signature_blob.clone(),
                digest: s.digest.clone(),
                text: String::new(),
            });
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.0.cmp(&b.id.0)));
    out
}

fn is_current(r: &Signature, s: &SignOff) -> bool {
    matches!(r.kind, SignatureKind::SignOff | SignatureKind::PickUp)
        && r.at == s.at
        && r.signature_blob == s.signature_blob
}

/// The id (in [`record`]) of the current sign-off, the one the order's `sign_off`
/// holds; `None` when unsigned. Whether it still holds is [`status`].
pub fn current(order: &OrderDoc) -> Option<RecordId> {
    let s = order.sign_off.as_ref()?;
    record(order)
        .into_iter()
        .rev()
        .find(|r| is_current(r, s))
        .map(|r| r.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::order::OrderOp;
    use crate::fixtures::Scenario;
    use crate::lifecycle::{OrderState, TransitionError};
    use crate::records::request::ServiceMode;
    use crate::records::signature::SignatureKind;

    #[test]
    fn digest_is_sha256_hex_and_independent_of_list_order() -> Result<(), TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, true);
        s.drive_to(OrderState::InRepair)?;
        let id = s.id();
        s.run(
            s.cast.technician,
            OrderOp::AddRepairStep {
                id,
                description: "second".into(),
                minutes: 4,
            },
        )?;
        let d = digest(&s.order);
        assert_eq!(d.len(), 64);
        let mut shuffled = s.order.clone();
        shuffled.steps.reverse();
        shuffled.history.clear();
        assert_eq!(
            digest(&shuffled),
            d,
            "order after a merge and unrelated fields do not matter"
        );
        Ok(())
    }

    #[test]
    fn sign_off_is_void_when_work_parts_or_fee_change_after_signing() -> Result<(), TransitionError>
    {
        let mut s = Scenario::new(ServiceMode::OnSite, true);
        s.drive_to(OrderState::SignedOff)?;
        assert_eq!(status(&s.order), SignOffStatus::Valid);
        let mut work = s.order.clone();
        work.steps[0].minutes += 1;
        assert!(is_void(&work), "changed work voids the signature");
        let mut parts = s.order.clone();
        parts.parts.push(crate::records::order::PartUse {
            id: crate::fixtures::rid(1),
            at: s.now,
            by: s.cast.technician.user,
            part: crate::ids::PartId(crate::fixtures::uuid(1)),
            part_number: "X".into(),
            quantity: 1,
            serials_new: vec![],
            serials_old: vec![],
            location: s.cast.van,
        });
        assert!(is_void(&parts), "an added part voids the signature");
        let mut fee = s.order.clone();
        fee.fee.minor += 1;
        assert!(is_void(&fee), "a changed fee voids the signature");
        let mut unrelated = s.order.clone();
        unrelated.customer.phone = "139".into();
        assert!(!is_void(&unrelated), "other fields are not covered");
        Ok(())
    }

    /// Rule 10 with rule 11's reopening: before every signature was kept, signing again
    /// after a supervisor reopened the order replaced the first signature in the record.
    #[test]
    fn a_reopened_and_re_signed_order_keeps_both_signatures() -> Result<(), TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, true);
        s.drive_to(OrderState::Closed)?;
        let first = s
            .order
            .sign_off
            .clone()
            .ok_or(TransitionError::SignOffMissing)?;
        s.run(
            s.cast.supervisor,
            OrderOp::Reopen {
                reason: "customer called: still leaks".into(),
            },
        )?;
        let (step, test, sign) = (s.id(), s.id(), s.id());
        let tech = s.cast.technician;
        s.run(
            tech,
            OrderOp::AddRepairStep {
                id: step,
                description: "resealed the door".into(),
                minutes: 15,
            },
        )?;
        s.run(
            tech,
            OrderOp::RecordTest {
                id: test,
                passed: true,
                notes: "no leak".into(),
                care_advice_given: true,
            },
        )?;
        assert_eq!(
            status(&s.order),
            SignOffStatus::Void,
            "new work voids the first"
        );
        s.run(
            tech,
            OrderOp::SignOff {
                id: sign,
                signer: "王芳".into(),
                rating: Some(4),
                signature_blob: "cd".repeat(32),
            },
        )?;
        let kept = record(&s.order);
        let sign_offs: Vec<_> = kept
            .iter()
            .filter(|r| r.kind == SignatureKind::SignOff)
            .collect();
        assert_eq!(sign_offs.len(), 2, "both sign-offs are on record: {kept:?}");
        assert_eq!(sign_offs[0].signature_blob, first.signature_blob);
        assert_eq!(
            sign_offs[0].digest, first.digest,
            "with what it covered then"
        );
        assert_ne!(sign_offs[0].digest, sign_offs[1].digest);
        assert_eq!(current(&s.order), Some(sign), "the second one is current");
        assert_eq!(status(&s.order), SignOffStatus::Valid);
        Ok(())
    }

    #[test]
    fn an_objection_keeps_its_signature_signer_and_digest() -> Result<(), TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Tested)?;
        let id = s.id();
        let digest_then = digest(&s.order);
        s.run(
            s.cast.technician,
            OrderOp::Object {
                id,
                signer: "王芳".into(),
                text: "still noisy".into(),
                signature_blob: Some("ef".repeat(32)),
            },
        )?;
        let kept = record(&s.order);
        let objection = kept
            .iter()
            .find(|r| r.id == id)
            .ok_or(TransitionError::UnknownRecord { id: id.to_string() })?;
        assert_eq!(objection.kind, SignatureKind::Objection);
        assert_eq!(objection.signature_blob, "ef".repeat(32));
        assert_eq!(objection.digest, digest_then);
        assert_eq!(objection.captured_by, s.cast.technician.user);
        assert_eq!(
            current(&s.order),
            None,
            "an objection is never the current sign-off"
        );
        Ok(())
    }

    /// A document written before the list existed (a single `sign_off`, objections
    /// without signatures, no `signatures` key) reads with both on record.
    #[test]
    fn an_old_document_reads_its_sign_off_and_objection_into_the_record(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Tested)?;
        let id = s.id();
        s.run(
            s.cast.technician,
            OrderOp::Object {
                id,
                signer: "王芳".into(),
                text: "still noisy".into(),
                signature_blob: None,
            },
        )?;
        s.drive_to(OrderState::SignedOff)?;
        let mut doc = automerge::AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &s.order)?;
        automerge::transaction::Transactable::delete(&mut doc, automerge::ROOT, "signatures")?;
        let old: OrderDoc = crate::ops::hydrate(&doc)?;
        assert!(old.signatures.is_empty(), "the old shape has no list");
        let kept = record(&old);
        assert_eq!(
            kept.iter().map(|r| r.kind).collect::<Vec<_>>(),
            vec![SignatureKind::Objection, SignatureKind::SignOff],
            "oldest first"
        );
        assert_eq!(kept[0].captured_by, s.cast.technician.user);
        let signed = old.sign_off.clone().ok_or("signed")?;
        assert_eq!(kept[1].signature_blob, signed.signature_blob);
        assert_eq!(current(&old), Some(kept[1].id));
        assert_eq!(record(&old), kept, "the derived id is stable");
        Ok(())
    }

    #[test]
    fn a_sign_off_voided_by_a_fee_override_is_signed_again_and_both_kept(
    ) -> Result<(), TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, true);
        s.drive_to(OrderState::SignedOff)?;
        let again = OrderOp::SignOff {
            id: s.id(),
            signer: "王芳".into(),
            rating: Some(4),
            signature_blob: "ee".repeat(32),
        };
        assert!(
            matches!(
                s.run(s.cast.technician, again.clone()),
                Err(TransitionError::NotAllowedInState { .. })
            ),
            "a valid signature is not signed twice"
        );
        let id = s.id();
        s.run(
            s.cast.supervisor,
            OrderOp::OverrideFee {
                id,
                fee: crate::money::Money::new(15_000, "CNY"),
                reason: "discount".into(),
            },
        )?;
        assert_eq!(
            status(&s.order),
            SignOffStatus::Void,
            "the fee changed after signing"
        );
        assert_eq!(
            s.run(s.cast.technician, OrderOp::Close),
            Err(TransitionError::SignOffVoid)
        );
        s.run(s.cast.technician, again)?;
        assert_eq!(status(&s.order), SignOffStatus::Valid);
        assert_eq!(record(&s.order).len(), 2, "both signatures on record");
        s.run(s.cast.technician, OrderOp::Close)?;
        Ok(())
    }
}
