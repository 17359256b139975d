//! Attested authorship. Each enrolled device is bound to the Automerge actor ids it
//! writes with (bound on the first push that carries one) and to its user. A pushed
//! change whose actor is bound to another device, is the server's own, or whose commit
//! message (`kind.op role user`, see `onsite_core::ops::parse_message`) names another
//! user or role is reported here; the review then holds the push.

use crate::db::{Connection, OptionalExtension};
use automerge::{AutoCommit, ChangeHash};

use onsite_core::review::Finding;

use crate::devices::Principal;
use crate::error::ApiError;

/// Checks who the changes in `merged` beyond `before` claim to be from, binding new
/// actors to the pushing device. Returns a finding per change that lies.
#[tracing::instrument(skip_all, fields(device = %who.device_id))]
pub fn check(
    tx: &Connection,
    who: &Principal,
    before: &[ChangeHash],
    merged: &mut AutoCommit,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Finding>, ApiError> {
    let mut findings = Vec::new();
    let mut seen: Vec<automerge::ActorId> = Vec::new();
    let changes: Vec<(automerge::ActorId, Option<String>, ChangeHash)> = merged
        .get_changes_meta(before)
        .into_iter()
        .map(|c| {
            (
                c.actor.into_owned(),
                c.message.map(|m| m.into_owned()),
                c.hash,
            )
        })
        .collect();
    for (actor, message, hash) in changes {
        let record = Some(hash.to_string());
        if onsite_core::ops::is_server_actor(&actor) {
            findings.push(Finding::new(
                "server_actor",
                "change",
                record.clone(),
                "a device may not write as the server's actor",
            ));
        } else if !seen.contains(&actor) {
            seen.push(actor.clone());
            let hex = actor.to_hex_string();
            let bound: Option<String> = tx
                .query_row(
                    "SELECT device_id FROM device_actors WHERE actor = ?1",
                    [&hex],
                    |r| r.get(0),
                )
                .optional()?;
            match bound {
                Some(device) if device == who.device_id => {}
                Some(_) => findings.push(Finding::new(
                    "actor_not_yours",
                    "change",
                    record.clone(),
                    format!("actor {hex} belongs to another enrolled device"),
                )),
                None => {
                    tx.execute(
                        "INSERT INTO device_actors (actor, device_id, user_id, bound_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        (&hex, &who.device_id, &who.account.id, now.to_rfc3339()),
                    )?;
                }
            }
        }
        let Some(message) = message.filter(|m| !m.is_empty()) else {
            continue;
        };
        let attested = onsite_core::ops::parse_message(&message).is_some_and(|(_, role, user)| {
            role == who.account.role && user.to_string() == who.account.id
        });
        if !attested {
            findings.push(Finding::new(
                "forged_author",
                "change",
                record,
                format!(
                    "the change says {message:?}, but it came from {} {}",
                    who.account.role, who.account.id
                ),
            ));
        }
    }
    Ok(findings)
}
