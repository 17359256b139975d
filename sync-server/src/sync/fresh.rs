//! The documents a round trip has just stored, kept loaded for its reconciliation: the
//! pass after the pushes would otherwise load each one again from its saved bytes and
//! hydrate it again, though the push had both in hand a moment before. Used only while
//! the stored heads are still the ones kept, so a later save in the same transaction (an
//! earlier push's flags, say) is never hidden by an older copy.

use std::collections::BTreeMap;

use crate::db::Connection;

use onsite_core::doc::order::OrderDoc;

use super::docs::{self, heads_to_strings, StoredDoc};
use crate::error::ApiError;

/// One document as just stored, and the order it hydrates to when the review read it
/// at exactly these heads.
pub struct Fresh {
    pub stored: StoredDoc,
    pub order: Option<OrderDoc>,
}

/// By document id.
pub type FreshDocs = BTreeMap<String, Fresh>;

/// Keeps `stored` (just saved) with `reviewed`, the review's order and its heads, when
/// those are the heads stored.
pub fn keep(
    fresh: &mut FreshDocs,
    mut stored: StoredDoc,
    reviewed: Option<(Vec<automerge::ChangeHash>, OrderDoc)>,
) {
    let heads = stored.doc.get_heads();
    let order = reviewed.and_then(|(h, order)| (h == heads).then_some(order));
    fresh.insert(stored.id.clone(), Fresh { stored, order });
}

/// Takes document `id` out of `fresh` if it is still stored exactly as kept.
pub fn take(fresh: &mut FreshDocs, tx: &Connection, id: &str) -> Result<Option<Fresh>, ApiError> {
    let Some(mut kept) = fresh.remove(id) else {
        return Ok(None);
    };
    let Some(mut stored) = docs::heads(tx, id)? else {
        return Ok(None);
    };
    let mut ours = heads_to_strings(&kept.stored.doc.get_heads());
    stored.sort();
    ours.sort();
    Ok((stored == ours).then_some(kept))
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable as _;
    use automerge::{AutoCommit, ROOT};

    use super::*;
    use crate::sync::protocol::DocKind;

    fn stored(doc: AutoCommit) -> StoredDoc {
        StoredDoc {
            id: "d1".into(),
            kind: DocKind::Order,
            doc,
            owner: None,
        }
    }

    #[test]
    fn a_kept_document_is_taken_only_while_it_is_stored_as_kept() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "note", "first")?;
        let mut first = stored(doc.clone());
        docs::save(&conn, &mut first)?;

        let mut fresh = FreshDocs::new();
        keep(&mut fresh, first, None);
        let taken = take(&mut fresh, &conn, "d1")?;
        assert!(taken.is_some(), "stored as kept: taken");
        assert!(take(&mut fresh, &conn, "d1")?.is_none(), "taken once");

        // Kept, then saved again with another change (say, flags): the kept copy is old.
        keep(&mut fresh, stored(doc.clone()), None);
        doc.put(ROOT, "note", "second")?;
        docs::save(&conn, &mut stored(doc))?;
        assert!(
            take(&mut fresh, &conn, "d1")?.is_none(),
            "an older copy than the stored one is never used"
        );
        assert!(take(&mut fresh, &conn, "d2")?.is_none(), "never kept");
        Ok(())
    }
}
