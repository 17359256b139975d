//! How a local edit of an order is written into its Automerge document: only the fields
//! that changed, a flag's resolution on its own, and a settled conflict afresh.

use crate::doc::Document;
use crate::records::order::{Flag, FlagKind};

use super::schema::{order_fields, OrderDoc, DECIDABLE_FIELDS, ORDER_SCHEMA_VERSION};

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
        reconcile_fields(doc, before, after)?;
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
                && b.params == a.params
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

/// Deletes the register `key` and writes `after`'s value into it again. Deleting first
/// matters for object values (a window, a sign-off): reconciling into the existing
/// object would keep the concurrent losing object beside it.
pub(super) fn reconcile_afresh(
    doc: &mut automerge::AutoCommit,
    key: &str,
    after: &OrderDoc,
) -> Result<(), autosurgeon::ReconcileError> {
    use automerge::transaction::Transactable as _;
    if !DECIDABLE_FIELDS.contains(&key) {
        return Ok(());
    }
    doc.delete(automerge::ROOT, key)?;
    reconcile_field_afresh(doc, key, after)
}

macro_rules! field_writers {
    (
        identity: [$($i:ident),*],
        registers: [$($r:ident),*],
        times: [$($t:ident),*],
        lists: [$($l:ident),*],
        flags: [$($f:ident),*],
    ) => {
        /// Writes every field that changed from `before` to `after`.
        fn reconcile_fields(
            doc: &mut automerge::AutoCommit,
            before: &OrderDoc,
            after: &OrderDoc,
        ) -> Result<(), autosurgeon::ReconcileError> {
            use crate::doc::am::OptTimeRef;
            use crate::doc::{reconcile_field, reconcile_list};
            $( reconcile_field(doc, stringify!($i), &before.$i, &after.$i)?; )*
            $( reconcile_field(doc, stringify!($r), &before.$r, &after.$r)?; )*
            $( reconcile_field(doc, stringify!($t), &OptTimeRef(&before.$t), &OptTimeRef(&after.$t))?; )*
            $( reconcile_list(doc, stringify!($l), &before.$l, &after.$l)?; )*
            $( reconcile_flags(doc, &before.$f, &after.$f)?; )*
            Ok(())
        }

        /// Writes `after`'s value of the decidable register `key` (just deleted).
        fn reconcile_field_afresh(
            doc: &mut automerge::AutoCommit,
            key: &str,
            after: &OrderDoc,
        ) -> Result<(), autosurgeon::ReconcileError> {
            use crate::doc::am::OptTimeRef;
            use autosurgeon::reconcile_prop;
            match key {
                $( stringify!($r) => reconcile_prop(doc, automerge::ROOT, key, &after.$r), )*
                $( stringify!($t) => reconcile_prop(doc, automerge::ROOT, key, &OptTimeRef(&after.$t)), )*
                _ => Ok(()),
            }
        }
    };
}
order_fields!(field_writers);
