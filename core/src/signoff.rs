//! Sign-off integrity (rule 10): the canonical SHA-256 digest of what a customer's
//! signature covers (the work recorded, the parts used, the fee) and the test for a
//! sign-off voided by a later change.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::doc::order::OrderDoc;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::order::OrderOp;
    use crate::fixtures::Scenario;
    use crate::lifecycle::{OrderState, TransitionError};
    use crate::records::request::ServiceMode;

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
}
