//! Enrolled devices and their tokens. A token is shown to its device once and stored
//! only as a SHA-256 hash; revoking a device makes its token useless at once.

use crate::db::{Connection, OptionalExtension};
use base64::Engine as _;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::{self, Account};
use crate::error::ApiError;

/// Who is calling: the device and the user it was enrolled for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub device_id: String,
    pub account: Account,
}

/// A device as the office sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DeviceInfo {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub enrolled_at: String,
    pub last_seen_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "ost_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Enrolls a device for `account` and returns its token. Enrolling the same device id
/// again (the user signs in again) replaces its token, so the old one stops working.
pub fn enroll(
    conn: &Connection,
    account: &Account,
    device_id: &str,
    name: &str,
) -> Result<String, ApiError> {
    if uuid::Uuid::parse_str(device_id).is_err() {
        return Err(ApiError::bad_request(
            "errors.device.bad_id",
            format!("device id {device_id:?} is not a UUID"),
        ));
    }
    let (owner, revoked): (Option<String>, bool) = conn
        .query_row(
            "SELECT user_id, revoked_at IS NOT NULL FROM devices WHERE id = ?1",
            [device_id],
            |r| Ok((Some(r.get(0)?), r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, false));
    if owner.as_deref().is_some_and(|owner| owner != account.id) {
        // One install belongs to one user: a colleague signing in on the same phone must
        // not inherit the previous user's device record or its data.
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "errors.device.other_user",
            format!("device {device_id} is enrolled for another user; sign out there first"),
        ));
    }
    if revoked {
        // A revoked device (a lost phone) stays revoked: whoever holds it and knows the
        // password must not get it back by signing in. A supervisor reinstates it.
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "errors.device.revoked",
            format!("device {device_id} was revoked; a supervisor must reinstate it"),
        ));
    }
    let token = new_token();
    let now = chrono::Utc::now().to_rfc3339();
    conn.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, enrolled_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash,
             enrolled_at = excluded.enrolled_at",
        (device_id, &account.id, name.trim(), token_hash(&token), now),
    )?;
    Ok(token)
}

/// How stale `devices.last_seen_at` may get, in seconds.
pub const LAST_SEEN_RESOLUTION_S: i64 = 60;

/// Finds who a bearer token belongs to, refusing revoked devices and disabled users,
/// and notes when the device was last seen (to the minute).
pub fn authenticate(conn: &Connection, token: &str) -> Result<Principal, ApiError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT id, user_id FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL",
            [token_hash(token)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((device_id, user_id)) = row else {
        return Err(ApiError::unauthorized(
            "the device token is unknown or was revoked; sign in again",
        ));
    };
    let Some(account) = accounts::get(conn, &user_id)? else {
        return Err(ApiError::unauthorized("the account is disabled"));
    };
    // At most one write a minute per device: every write outside a transaction is a
    // commit and an fsync, which a fleet syncing every few seconds would pay per request.
    let now = chrono::Utc::now();
    conn.execute(
        "UPDATE devices SET last_seen_at = ?2
         WHERE id = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?3)",
        (
            &device_id,
            now.to_rfc3339(),
            (now - chrono::Duration::seconds(LAST_SEEN_RESOLUTION_S)).to_rfc3339(),
        ),
    )?;
    Ok(Principal { device_id, account })
}

/// Revokes a device. Returns false if there was no such device.
pub fn revoke(conn: &Connection, device_id: &str) -> Result<bool, ApiError> {
    let changed = conn.execute(
        "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
        (device_id, chrono::Utc::now().to_rfc3339()),
    )?;
    Ok(changed > 0)
}

/// Lifts a revocation so the device may sign in again (its old token stays dead: signing
/// in issues a new one). Returns false if there was no such device.
pub fn reinstate(conn: &Connection, device_id: &str) -> Result<bool, ApiError> {
    let changed = conn.execute(
        "UPDATE devices SET revoked_at = NULL, token_hash = ?2 WHERE id = ?1",
        // A fresh unknown hash: nothing authenticates until the device signs in again.
        (device_id, token_hash(&new_token())),
    )?;
    Ok(changed > 0)
}

/// Every device, newest enrollment first; or only `user_id`'s.
pub fn list(conn: &Connection, user_id: Option<&str>) -> Result<Vec<DeviceInfo>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id, name, enrolled_at, last_seen_at, revoked_at FROM devices
         WHERE CAST(?1 AS TEXT) IS NULL OR user_id = ?1 ORDER BY enrolled_at DESC",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(DeviceInfo {
            id: r.get(0)?,
            user_id: r.get(1)?,
            name: r.get(2)?,
            enrolled_at: r.get(3)?,
            last_seen_at: r.get(4)?,
            revoked_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `text` for a terminal: control characters (escape sequences, newlines) are shown as
/// `\u{1b}`-style escapes, so a device name chosen by a client cannot rewrite the screen
/// or fake lines in `device list`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use onsite_core::role::Role;

    #[test]
    fn a_token_works_until_its_device_is_revoked() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let account = accounts::add(&conn, "li.wei", "李伟", Role::Technician, "password1")?;
        let device = uuid::Uuid::now_v7().to_string();
        let token = enroll(&conn, &account, &device, "Li's phone")?;

        let stored: String = conn.query_row("SELECT token_hash FROM devices", (), |r| r.get(0))?;
        assert_ne!(stored, token, "only the hash of a token is kept");

        let who = authenticate(&conn, &token)?;
        assert_eq!(
            (who.device_id.as_str(), who.account.id.as_str()),
            (device.as_str(), account.id.as_str())
        );

        assert!(revoke(&conn, &device)?);
        let err = authenticate(&conn, &token).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::UNAUTHORIZED);
        Ok(())
    }

    #[test]
    fn signing_in_again_replaces_the_old_token() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let account = accounts::add(&conn, "li.wei", "李伟", Role::Technician, "password1")?;
        let device = uuid::Uuid::now_v7().to_string();
        let old = enroll(&conn, &account, &device, "phone")?;
        let new = enroll(&conn, &account, &device, "phone")?;
        assert!(
            authenticate(&conn, &old).is_err(),
            "the old token stops working"
        );
        assert!(authenticate(&conn, &new).is_ok());
        assert_eq!(list(&conn, Some(&account.id))?.len(), 1, "still one device");
        Ok(())
    }

    #[test]
    fn another_user_cannot_take_over_an_enrolled_device() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let conn = db.conn();
        let li = accounts::add(&conn, "li.wei", "李伟", Role::Technician, "password1")?;
        let wang = accounts::add(&conn, "wang", "王芳", Role::Technician, "password2")?;
        let device = uuid::Uuid::now_v7().to_string();
        enroll(&conn, &li, &device, "phone")?;
        let err = enroll(&conn, &wang, &device, "phone").unwrap_err();
        assert_eq!(err.code, "errors.device.other_user");
        Ok(())
    }
}
