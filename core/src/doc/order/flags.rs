//! The order's flags: resolving one (and, for a conflict, the value kept), and the
//! operations the sync server makes as itself.

use chrono::{DateTime, Utc};

use crate::ids::{RecordId, UserId};
use crate::lifecycle::TransitionError;
use crate::records::order::*;

use super::apply::{fresh, non_empty};
use super::ops::OrderOp;
use super::schema::OrderDoc;
use super::schema::DECIDABLE_FIELDS;

impl OrderDoc {
    /// The open flag `id`, or why it cannot be resolved.
    pub(super) fn open_flag(&self, id: RecordId) -> Result<&Flag, TransitionError> {
        let flag = self
            .flags
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| TransitionError::UnknownFlag { id: id.to_string() })?;
        if !flag.is_open() {
            return Err(TransitionError::FlagAlreadyResolved { id: id.to_string() });
        }
        Ok(flag)
    }

    pub(super) fn resolve_flag(
        &mut self,
        id: RecordId,
        by: UserId,
        at: DateTime<Utc>,
        note: &str,
        choice: Option<String>,
    ) -> Result<(), TransitionError> {
        let flag = self
            .flags
            .iter_mut()
            .find(|f| f.id == id)
            .ok_or_else(|| TransitionError::UnknownFlag { id: id.to_string() })?;
        flag.resolution = Some(FlagResolution {
            by,
            at,
            note: note.to_string(),
            choice,
        });
        Ok(())
    }

    /// This order with the register `field` set to `choice`, read as the field's JSON
    /// (`{"minor": 20000, "currency": "CNY"}`) or, when it is not JSON, as a string
    /// (`cancelled`, a user id). Going through serde keeps one spelling for every field:
    /// the one the UI and the API already use.
    pub(super) fn with_field(
        &self,
        field: &str,
        choice: &str,
    ) -> Result<OrderDoc, TransitionError> {
        let invalid = || TransitionError::InvalidChoice {
            field: field.to_string(),
            choice: choice.to_string(),
        };
        if !DECIDABLE_FIELDS.contains(&field) {
            return Err(invalid());
        }
        let current = serde_json::to_value(self).map_err(|_| invalid())?;
        let with = |choice: &str| -> Option<OrderDoc> {
            let chosen = serde_json::from_str::<serde_json::Value>(choice)
                .unwrap_or_else(|_| serde_json::Value::String(choice.to_string()));
            let mut value = current.clone();
            value.as_object_mut()?.insert(field.to_string(), chosen);
            serde_json::from_value(value).ok()
        };
        // A value copied from the conflict as Automerge shows it (`"SignedOff"`) is
        // accepted too.
        let next = with(choice)
            .or_else(|| with(&crate::doc::conflicts::as_choice(choice)))
            .ok_or_else(invalid)?;
        if !next.state.fits_mode(next.mode) {
            return Err(invalid());
        }
        Ok(next)
    }

    /// Flags still waiting for someone.
    pub fn open_flags(&self) -> impl Iterator<Item = &Flag> {
        self.flags.iter().filter(|f| f.is_open())
    }

    /// Applies an operation the sync server makes as itself, after a merge: raising a
    /// flag, or withdrawing one of its own SLA at-risk flags once the clock is no longer
    /// at risk. No role check applies (there is no person); anything else is refused.
    /// People's operations go through [`OrderDoc::apply`].
    pub fn apply_server(
        &mut self,
        op: &OrderOp,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        match op {
            OrderOp::RaiseFlag { flag } => {
                fresh(&self.flags, flag.id, |f| f.id)?;
                non_empty(&flag.subject, "subject")?;
                self.flags.push(flag.clone());
                Ok(())
            }
            OrderOp::ResolveFlag { id, note, choice } => {
                if self.open_flag(*id)?.kind != FlagKind::SlaAtRisk {
                    return Err(TransitionError::NotAServerAction {
                        action: "resolve_flag",
                    });
                }
                self.resolve_flag(*id, crate::ops::SERVER_USER, now, note, choice.clone())
            }
            OrderOp::NoteClockOffsets { offsets } => {
                for offset in offsets {
                    // The first measurement stands: the instant was recorded once.
                    if !self.clock_offsets.iter().any(|o| o.record == offset.record) {
                        self.clock_offsets.push(offset.clone());
                    }
                }
                Ok(())
            }
            other => Err(TransitionError::NotAServerAction {
                action: other.transition().name(),
            }),
        }
    }
}
