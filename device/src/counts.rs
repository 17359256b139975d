//! Stock counts on the device (a tablet in the warehouse, often offline): the last copy
//! of each count sheet the office sent, and the physical quantities entered here, queued
//! until the office has received them. Entries are idempotent by id at the office and
//! the latest per part stands, so sending one twice, or after a later figure from
//! another device, never counts wrong. These tables are the device's own record, not
//! projections of documents (decisions.md: a count's entries are a queued office action).

use chrono::{DateTime, Utc};
use onsite_core::stock_count::{CountEntry, CountSummary, CountView};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::error::{Doing, StoreError};
use crate::Store;

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Meta {
        key: "count".into(),
        detail: format!("encoding: {e}"),
    })
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Meta {
        key: "count".into(),
        detail: format!("stored: {e}"),
    })
}

/// Keeps the office's copy of a count, replacing the one held.
pub fn keep(store: &Store, view: &CountView, now: DateTime<Utc>) -> Result<(), StoreError> {
    store
        .connection()
        .execute(
            "INSERT INTO count_sheets (id, view, received_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET view = excluded.view, received_at = excluded.received_at",
            (
                view.sheet.id.to_string(),
                encode(view)?,
                now.timestamp_millis(),
            ),
        )
        .doing(|| "keeping a count sheet".into())?;
    Ok(())
}

/// The office's last copy of a count, if this device has one.
pub fn kept(store: &Store, id: Uuid) -> Result<Option<CountView>, StoreError> {
    let text: Option<String> = store
        .connection()
        .query_row(
            "SELECT view FROM count_sheets WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()
        .doing(|| "reading a count sheet".into())?;
    text.as_deref().map(decode).transpose()
}

/// The counts this device holds a copy of, newest first.
pub fn kept_list(store: &Store) -> Result<Vec<CountSummary>, StoreError> {
    let rows = store
        .connection()
        .prepare("SELECT view FROM count_sheets")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .doing(|| "listing count sheets".into())?;
    let mut out = rows
        .iter()
        .map(|t| decode::<CountView>(t).map(|v| v.sheet.summary()))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|c| std::cmp::Reverse(c.opened_at));
    Ok(out)
}

/// Queues an entry made on this device.
pub fn queue(store: &Store, entry: &CountEntry) -> Result<(), StoreError> {
    store
        .connection()
        .execute(
            "INSERT OR IGNORE INTO count_entries (id, count_id, entry, entered_at)
             VALUES (?1, ?2, ?3, ?4)",
            (
                entry.id.to_string(),
                entry.count.to_string(),
                encode(entry)?,
                entry.entered_at.timestamp_millis(),
            ),
        )
        .doing(|| "queueing a count entry".into())?;
    Ok(())
}

/// Entries not yet received by the office (of one count, or of all), oldest first.
pub fn unsent(store: &Store, count: Option<Uuid>) -> Result<Vec<CountEntry>, StoreError> {
    let rows = store
        .connection()
        .prepare(
            "SELECT entry FROM count_entries
             WHERE sent_at IS NULL AND refused IS NULL AND (?1 IS NULL OR count_id = ?1)
             ORDER BY entered_at, id",
        )
        .and_then(|mut s| {
            s.query_map([count.map(|c| c.to_string())], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .doing(|| "reading queued count entries".into())?;
    rows.iter().map(|t| decode(t)).collect()
}

/// The office has the entry.
pub fn sent(store: &Store, entry: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    store
        .connection()
        .execute(
            "UPDATE count_entries SET sent_at = ?2 WHERE id = ?1",
            (entry.to_string(), now.timestamp_millis()),
        )
        .doing(|| "marking a count entry sent".into())?;
    Ok(())
}

/// The office refused the entry for good (the count was posted meanwhile, the role may
/// not count): it is kept with the refusal's code, and not sent again.
pub fn refused(store: &Store, entry: Uuid, code: &str) -> Result<(), StoreError> {
    store
        .connection()
        .execute(
            "UPDATE count_entries SET refused = ?2 WHERE id = ?1",
            (entry.to_string(), code),
        )
        .doing(|| "marking a count entry refused".into())?;
    Ok(())
}

/// The refusal codes of one count's entries.
pub fn refusals(store: &Store, count: Uuid) -> Result<Vec<String>, StoreError> {
    store
        .connection()
        .prepare("SELECT refused FROM count_entries WHERE count_id = ?1 AND refused IS NOT NULL ORDER BY entered_at")
        .and_then(|mut s| {
            s.query_map([count.to_string()], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .doing(|| "reading refused count entries".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onsite_core::fixtures::{t0, uuid};
    use onsite_core::ids::PartId;

    fn entry(seed: u128, minute: i64) -> CountEntry {
        CountEntry {
            id: uuid(seed),
            count: uuid(900),
            part: PartId(uuid(500)),
            counted: 3,
            reason: String::new(),
            entered_at: t0() + chrono::Duration::minutes(minute),
        }
    }

    #[test]
    fn entries_wait_until_sent_and_a_refused_one_is_not_sent_again() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("d.db"))?;
        queue(&store, &entry(2, 2))?;
        queue(&store, &entry(1, 1))?;
        queue(&store, &entry(1, 1))?;
        let waiting = unsent(&store, Some(uuid(900)))?;
        assert_eq!(
            waiting.iter().map(|e| e.id).collect::<Vec<_>>(),
            [uuid(1), uuid(2)],
            "once each, in the order entered"
        );
        sent(&store, uuid(1), t0())?;
        refused(&store, uuid(2), "errors.stock_count.not_open")?;
        assert!(unsent(&store, None)?.is_empty());
        assert_eq!(
            refusals(&store, uuid(900))?,
            ["errors.stock_count.not_open"]
        );
        // Survives a restart: the queue is on disk.
        drop(store);
        let store = Store::open(&dir.path().join("d.db"))?;
        assert_eq!(refusals(&store, uuid(900))?.len(), 1);
        Ok(())
    }
}
