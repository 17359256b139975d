//! Device settings and identity in `device_meta`: the device id, the Automerge actor id
//! and whatever the app shell keeps (server address, …). Accessors take a `Connection`,
//! so they work the same inside and outside a transaction.

use automerge::ActorId;
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Doing, StoreError};

/// Key of the device's stable id (UUID v7).
pub const DEVICE_ID: &str = "device_id";
/// Key of the device's Automerge actor id (hex).
pub const ACTOR_ID: &str = "automerge_actor_id";

/// Reads one setting.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT value FROM device_meta WHERE key = ?1")
        .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
        .doing(|| format!("reading device setting {key}"))
}

/// Writes one setting.
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO device_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .and_then(|mut stmt| stmt.execute([key, value]))
    .doing(|| format!("writing device setting {key}"))?;
    Ok(())
}

/// Removes one setting.
pub fn delete(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM device_meta WHERE key = ?1")
        .and_then(|mut stmt| stmt.execute([key]))
        .doing(|| format!("removing device setting {key}"))?;
    Ok(())
}

/// Reads a setting, creating it with `make` if absent. The read and the insert run in
/// one statement each; `INSERT OR IGNORE` makes a race between two openers harmless.
fn get_or_create(
    conn: &Connection,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, StoreError> {
    if let Some(value) = get(conn, key)? {
        return Ok(value);
    }
    conn.execute(
        "INSERT OR IGNORE INTO device_meta (key, value) VALUES (?1, ?2)",
        [key, &make()],
    )
    .doing(|| format!("creating device setting {key}"))?;
    get(conn, key)?.ok_or_else(|| StoreError::Meta {
        key: key.to_owned(),
        detail: "missing right after it was created".into(),
    })
}

/// The device's stable id, created on first use and kept for the life of the install.
pub fn device_id(conn: &Connection) -> Result<String, StoreError> {
    get_or_create(conn, DEVICE_ID, || uuid::Uuid::now_v7().to_string())
}

/// The device's own Automerge actor id, created once (from a fresh UUID v7) and kept.
/// Every change this device makes carries it.
pub fn actor_id(conn: &Connection) -> Result<ActorId, StoreError> {
    let hex_id = get_or_create(conn, ACTOR_ID, || {
        hex::encode(uuid::Uuid::now_v7().as_bytes())
    })?;
    let bytes = hex::decode(&hex_id).map_err(|err| StoreError::Meta {
        key: ACTOR_ID.into(),
        detail: format!("not hex: {err}"),
    })?;
    if bytes.is_empty() {
        return Err(StoreError::Meta {
            key: ACTOR_ID.into(),
            detail: "empty".into(),
        });
    }
    Ok(ActorId::from(bytes))
}
