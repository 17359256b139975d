//! How a local edit of an order is written into its Automerge document: only the fields
//! that changed, a flag's resolution on its own, and a settled conflict afresh.

use crate::doc::Document;
use crate::records::order::{Flag, FlagKind};

use super::schema::{OrderDoc, ORDER_SCHEMA_VERSION};

impl Document for OrderDoc {
    const KIND: &'static str = "order";
    const SCHEMA_VERSION: u64 = ORDER_SCHEMA_VERSION;
    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn reconcile_changes(
        doc: &mut automerge::AutoCommit,
        before: &Self,
        after: &Self,
    ) -> Result<(), autosurgeon::ReconcileError> {
        use crate::doc::{reconcile_field, reconcile_list};
        macro_rules! fields {
            ($($f:ident),*) => { $( reconcile_field(doc, stringify!($f), &before.$f, &after.$f)?; )* };
        }
        macro_rules! lists {
            ($($f:ident),*) => { $( reconcile_list(doc, stringify!($f), &before.$f, &after.$f)?; )* };
        }
        // Every field must be listed here; the test `reconcile_changes_covers_every_field`
        // catches one that is not.
        fields!(
            schema_version,
            id,
            number,
            request,
            customer,
            product,
            mode,
            priority,
            fault_code,
            customer_damage,
            charge,
            repeat_of,
            state,
            assignee,
            schedule,
            receipt,
            fault_confirmed,
            diagnosis,
            plan_approval,
            consent,
            fee,
            sign_off,
            shipment,
            hold,
            cancellation
        );
        use crate::doc::am::OptTimeRef;
        reconcile_field(
            doc,
            "dispatched_at",
            &OptTimeRef(&before.dispatched_at),
            &OptTimeRef(&after.dispatched_at),
        )?;
        reconcile_field(
            doc,
            "closed_at",
            &OptTimeRef(&before.closed_at),
            &OptTimeRef(&after.closed_at),
        )?;
        lists!(
            contacts,
            visits,
            fee_overrides,
            steps,
            parts,
            tests,
            objections,
            follow_ups,
            photos,
            comments,
            data_authorisations,
            history
        );
        reconcile_flags(doc, &before.flags, &after.flags)?;
        // A conflict settled by a supervisor is written afresh, even when the value kept
        // is the one Automerge already shows: the new write supersedes every concurrent
        // value, so the register holds one value again on every replica.
        for flag in &after.flags {
            let newly_resolved = flag.kind == FlagKind::Conflict
                && flag.resolution.is_some()
                && before
                    .flags
                    .iter()
                    .any(|b| b.id == flag.id && b.resolution.is_none());
            if newly_resolved {
                reconcile_afresh(doc, &flag.subject, after)?;
            }
        }
        Ok(())
    }
}

/// Writes the flags. Resolving a flag writes only that flag's `resolution`, so two
/// people resolving two different flags at once never write over each other's flags;
/// anything else (the server adding flags) goes through [`reconcile_list`].
fn reconcile_flags(
    doc: &mut automerge::AutoCommit,
    before: &[Flag],
    after: &[Flag],
) -> Result<(), autosurgeon::ReconcileError> {
    use automerge::{ObjType, ReadDoc as _, Value};
    let only_resolutions = before.len() == after.len()
        && before.iter().zip(after).all(|(b, a)| {
            b.id == a.id
                && b.kind == a.kind
                && b.subject == a.subject
                && b.detail == a.detail
                && b.for_role == a.for_role
                && b.raised_at == a.raised_at
        });
    if only_resolutions && before != after {
        if let Ok(Some((Value::Object(ObjType::List), list))) = doc.get(automerge::ROOT, "flags") {
            if doc.length(&list) == before.len() {
                for (i, (b, a)) in before.iter().zip(after).enumerate() {
                    if b.resolution == a.resolution {
                        continue;
                    }
                    let Ok(Some((Value::Object(ObjType::Map), item))) = doc.get(&list, i) else {
                        return crate::doc::reconcile_list(doc, "flags", before, after);
                    };
                    autosurgeon::reconcile_prop(doc, &item, "resolution", &a.resolution)?;
                }
                return Ok(());
            }
        }
    }
    crate::doc::reconcile_list(doc, "flags", before, after)
}

/// The top-level registers a conflict can be decided on ([`OrderOp::ResolveFlag`] with a
/// `choice`): every field but the identity, the schema version and the keyed lists.
pub const DECIDABLE_FIELDS: [&str; 25] = [
    "number",
    "request",
    "customer",
    "product",
    "mode",
    "priority",
    "fault_code",
    "customer_damage",
    "charge",
    "repeat_of",
    "state",
    "assignee",
    "schedule",
    "dispatched_at",
    "receipt",
    "fault_confirmed",
    "diagnosis",
    "plan_approval",
    "consent",
    "fee",
    "sign_off",
    "shipment",
    "closed_at",
    "hold",
    "cancellation",
];

/// Deletes the register `key` and writes `after`'s value into it again. Deleting first
/// matters for object values (a window, a sign-off): reconciling into the existing
/// object would keep the concurrent losing object beside it.
fn reconcile_afresh(
    doc: &mut automerge::AutoCommit,
    key: &str,
    after: &OrderDoc,
) -> Result<(), autosurgeon::ReconcileError> {
    use automerge::transaction::Transactable as _;
    use autosurgeon::reconcile_prop;
    if !DECIDABLE_FIELDS.contains(&key) {
        return Ok(());
    }
    doc.delete(automerge::ROOT, key)?;
    macro_rules! afresh {
        ($($f:ident),*) => {
            match key {
                $( stringify!($f) => reconcile_prop(doc, automerge::ROOT, key, &after.$f), )*
                "dispatched_at" => reconcile_prop(
                    doc,
                    automerge::ROOT,
                    key,
                    &crate::doc::am::OptTimeRef(&after.dispatched_at),
                ),
                "closed_at" => reconcile_prop(
                    doc,
                    automerge::ROOT,
                    key,
                    &crate::doc::am::OptTimeRef(&after.closed_at),
                ),
                _ => Ok(()),
            }
        };
    }
    afresh!(
        number,
        request,
        customer,
        product,
        mode,
        priority,
        fault_code,
        customer_damage,
        charge,
        repeat_of,
        state,
        assignee,
        schedule,
        receipt,
        fault_confirmed,
        diagnosis,
        plan_approval,
        consent,
        fee,
        sign_off,
        shipment,
        hold,
        cancellation
    )
}
