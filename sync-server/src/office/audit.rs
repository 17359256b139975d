//! The record of set-up actions (`office_audit`): who added, disabled or changed an
//! account, revoked a device, imported the catalog or moved stock, and when. Written in
//! the same transaction as the action, so an action is never stored unrecorded.

use crate::db::Connection;
use chrono::{DateTime, Utc};
use onsite_core::office::AuditEntry;

use crate::devices::Principal;
use crate::error::ApiError;

/// Who an action is recorded against.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    /// The user; `None` for the server's command line, run by whoever administers the
    /// machine.
    pub id: Option<&'a str>,
    /// Their name at the time.
    pub name: &'a str,
}

/// Actions taken with `onsite-server user …` or `device …` on the server itself.
pub const COMMAND_LINE: By<'static> = By {
    id: None,
    name: "command line",
};

impl<'a> By<'a> {
    /// The signed-in user behind a request.
    pub fn principal(who: &'a Principal) -> Self {
        Self {
            id: Some(who.account.id.as_str()),
            name: who.account.name.as_str(),
        }
    }
}

/// Records one action.
pub fn record(
    conn: &Connection,
    by: By<'_>,
    action: &str,
    subject: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO office_audit (at, by_user, by_name, action, subject, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((now.to_rfc3339(), by.id, by.name, action, subject, detail))?;
    Ok(())
}

/// The latest `limit` actions, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, by_user, by_name, action, subject, detail FROM office_audit
         ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(AuditEntry {
            at: r.get(0)?,
            by: r.get(1)?,
            by_name: r.get(2)?,
            action: r.get(3)?,
            subject: r.get(4)?,
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
