//! What a push changed, field by field: the top-level properties Automerge's patches
//! between the old and new heads touch ([`touched`]), and for each of them the old and new
//! value of a register or the records added, changed and removed in a keyed list, in a
//! structured form a supervisor can read ([`FieldChange`]).

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Patch, PatchAction, Prop};
use serde::{Deserialize, Serialize};

/// The top-level properties of the document that `patches` touch. Only these need to be
/// read again after a merge; everything else is as it was.
pub fn touched(patches: &[Patch]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for patch in patches {
        if let Some((_, Prop::Map(key))) = patch.path.first() {
            out.insert(key.clone());
            continue;
        }
        if patch.obj != automerge::ROOT {
            continue;
        }
        match &patch.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                out.insert(key.clone());
            }
            PatchAction::Increment {
                prop: Prop::Map(key),
                ..
            }
            | PatchAction::Conflict {
                prop: Prop::Map(key),
            } => {
                out.insert(key.clone());
            }
            _ => {}
        }
    }
    out
}

/// The top-level list `key` after the patches: `old` (the list before them) with only
/// the records the patches insert or write into read from `after`, so a push that adds
/// one repair step to an order with a hundred reads one step. `None` when the patches
/// replace the list itself or do something this does not follow; the caller then reads
/// the whole list.
pub fn patched_list<T: autosurgeon::Hydrate + Clone>(
    old: &[T],
    after: &automerge::AutoCommit,
    key: &str,
    patches: &[Patch],
) -> Option<Result<Vec<T>, autosurgeon::HydrateError>> {
    use automerge::ReadDoc as _;
    let Ok(Some((automerge::Value::Object(automerge::ObjType::List), list))) =
        after.get(automerge::ROOT, key)
    else {
        return None;
    };
    // Each slot: the record as it was, or None to read again.
    let mut items: Vec<Option<T>> = old.iter().cloned().map(Some).collect();
    for patch in patches {
        match patch.path.first() {
            Some((_, Prop::Map(k))) if k == key => {}
            None if patch.obj == automerge::ROOT => match &patch.action {
                PatchAction::PutMap { key: k, .. } | PatchAction::DeleteMap { key: k }
                    if k == key =>
                {
                    return None
                }
                _ => continue,
            },
            _ => continue,
        }
        if patch.path.len() == 1 {
            // A patch of the list itself.
            if patch.obj != list {
                return None;
            }
            match &patch.action {
                PatchAction::Insert { index, values } => {
                    if *index > items.len() {
                        return None;
                    }
                    for j in 0..values.len() {
                        items.insert(index + j, None);
                    }
                }
                PatchAction::DeleteSeq { index, length } => {
                    if index + length > items.len() {
                        return None;
                    }
                    items.drain(*index..index + length);
                }
                PatchAction::PutSeq { index, .. }
                | PatchAction::Conflict {
                    prop: Prop::Seq(index),
                } => {
                    *items.get_mut(*index)? = None;
                }
                _ => return None,
            }
        } else {
            // A patch inside one record: read that record again.
            match patch.path.get(1) {
                Some((obj, Prop::Seq(index))) if *obj == list => {
                    *items.get_mut(*index)? = None;
                }
                _ => return None,
            }
        }
    }
    if items.len() != after.length(&list) {
        return None;
    }
    Some(
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Some(item) => Ok(item),
                None => autosurgeon::hydrate_prop(after, &list, i),
            })
            .collect(),
    )
}

/// What changed in one top-level field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field, e.g. `state`, `comments`.
    pub field: String,
    /// How it changed.
    pub change: Change,
}

/// The change of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    /// A register: its value before and after, as JSON (`null` for none).
    Value {
        /// Before the push.
        before: serde_json::Value,
        /// After the push.
        after: serde_json::Value,
    },
    /// A keyed list: the records added, changed and removed.
    Records {
        /// New records.
        added: Vec<serde_json::Value>,
        /// Records whose content changed.
        changed: Vec<RecordChange>,
        /// Records no longer there.
        removed: Vec<serde_json::Value>,
    },
}

/// A record of a keyed list that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordChange {
    /// Its key (the record's `id`, or `hash` for photos).
    pub key: String,
    /// Before.
    pub before: serde_json::Value,
    /// After.
    pub after: serde_json::Value,
}

/// The change of a register, or `None` when it holds the same value.
pub fn value_change<T: Serialize + PartialEq>(
    field: &str,
    before: &T,
    after: &T,
) -> Option<FieldChange> {
    if before == after {
        return None;
    }
    Some(FieldChange {
        field: field.to_string(),
        change: Change::Value {
            before: json(before),
            after: json(after),
        },
    })
}

/// The change of a keyed list, or `None` when it holds the same records.
pub fn records_change<T: Serialize + PartialEq>(
    field: &str,
    before: &[T],
    after: &[T],
) -> Option<FieldChange> {
    if before == after {
        return None;
    }
    let keyed = |list: &[T]| -> BTreeMap<String, serde_json::Value> {
        list.iter()
            .map(|item| {
                let value = json(item);
                (record_key(&value), value)
            })
            .collect()
    };
    let (old, new) = (keyed(before), keyed(after));
    let added = new
        .iter()
        .filter(|(k, _)| !old.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    let removed = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    let changed = new
        .iter()
        .filter_map(|(k, v)| {
            let was = old.get(k)?;
            (was != v).then(|| RecordChange {
                key: k.clone(),
                before: was.clone(),
                after: v.clone(),
            })
        })
        .collect();
    Some(FieldChange {
        field: field.to_string(),
        change: Change::Records {
            added,
            changed,
            removed,
        },
    })
}

/// The key of a record as JSON: its `id`, or `hash` for a photo; the whole record when it
/// has neither.
pub fn record_key(value: &serde_json::Value) -> String {
    for key in ["id", "hash"] {
        if let Some(serde_json::Value::String(k)) = value.get(key) {
            return k.clone();
        }
    }
    value.to_string()
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    // Every document type serialises (it is plain data); a failure would be a bug in a
    // Serialize impl, shown rather than hidden.
    serde_json::to_value(value)
        .unwrap_or_else(|e| serde_json::Value::String(format!("unserialisable: {e}")))
}

/// The records of a keyed list that were added, changed (before, after) and removed,
/// with `key` naming each record.
pub struct Keyed<'a, T> {
    /// New records.
    pub added: Vec<&'a T>,
    /// Changed records: (before, after).
    pub changed: Vec<(&'a T, &'a T)>,
    /// Records no longer there.
    pub removed: Vec<&'a T>,
}

/// Compares two keyed lists by `key`.
pub fn keyed<'a, T: PartialEq, K: PartialEq>(
    before: &'a [T],
    after: &'a [T],
    key: impl Fn(&T) -> K,
) -> Keyed<'a, T> {
    let find = |list: &'a [T], k: &K| list.iter().find(|x| key(x) == *k);
    let mut out = Keyed {
        added: vec![],
        changed: vec![],
        removed: vec![],
    };
    for item in after {
        match find(before, &key(item)) {
            None => out.added.push(item),
            Some(was) if was != item => out.changed.push((was, item)),
            Some(_) => {}
        }
    }
    for item in before {
        if find(after, &key(item)).is_none() {
            out.removed.push(item);
        }
    }
    out
}

/// `value` (a document as JSON) with `changes` made again: each register set to its
/// `after` value, and in each list the added records added, the changed ones replaced and
/// the removed ones taken out, by key. How a supervisor's release of a change that was
/// put back writes it again.
pub fn apply_changes(mut value: serde_json::Value, changes: &[FieldChange]) -> serde_json::Value {
    let Some(doc) = value.as_object_mut() else {
        return value;
    };
    for c in changes {
        match &c.change {
            Change::Value { after, .. } => {
                doc.insert(c.field.clone(), after.clone());
            }
            Change::Records {
                added,
                changed,
                removed,
            } => {
                let list = doc
                    .entry(c.field.clone())
                    .or_insert_with(|| serde_json::Value::Array(vec![]));
                let Some(items) = list.as_array_mut() else {
                    continue;
                };
                let gone: Vec<String> = removed.iter().map(record_key).collect();
                items.retain(|item| !gone.contains(&record_key(item)));
                for rc in changed {
                    if let Some(item) = items.iter_mut().find(|i| record_key(i) == rc.key) {
                        *item = rc.after.clone();
                    }
                }
                for a in added {
                    let key = record_key(a);
                    if !items.iter().any(|i| record_key(i) == key) {
                        items.push(a.clone());
                    }
                }
            }
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable as _;
    use automerge::AutoCommit;

    #[test]
    fn touched_names_only_the_top_level_fields_a_change_wrote(
    ) -> Result<(), automerge::AutomergeError> {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "state", "New")?;
        let list = doc.put_object(automerge::ROOT, "comments", automerge::ObjType::List)?;
        doc.put(automerge::ROOT, "fee", 1)?;
        doc.commit();
        let before = doc.get_heads();
        let item = doc.insert_object(&list, 0, automerge::ObjType::Map)?;
        doc.put(&item, "text", "hello")?;
        doc.put(automerge::ROOT, "state", "Dispatched")?;
        doc.commit();
        let after = doc.get_heads();
        let patches = doc.diff(&before, &after);
        let fields: Vec<_> = touched(&patches).into_iter().collect();
        assert_eq!(fields, ["comments", "state"], "fee was not written");
        Ok(())
    }

    #[test]
    fn records_change_tells_added_changed_and_removed_apart() {
        #[derive(Serialize, PartialEq)]
        struct R {
            id: &'static str,
            text: &'static str,
        }
        let before = [R { id: "a", text: "1" }, R { id: "b", text: "2" }];
        let after = [R { id: "b", text: "3" }, R { id: "c", text: "4" }];
        let Some(FieldChange {
            change:
                Change::Records {
                    added,
                    changed,
                    removed,
                },
            ..
        }) = records_change("comments", &before, &after)
        else {
            panic!("the lists differ");
        };
        assert_eq!(added.len(), 1);
        assert_eq!(added[0]["id"], "c");
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].key, "b");
        assert_eq!(removed[0]["id"], "a");
    }
}
