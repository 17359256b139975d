//! Whether an earlier flag covers a finding, so that it is not raised again, and the
//! `flag_index` rows that answer it without loading the order.

use crate::db::Connection;
use chrono::{DateTime, Utc};

use onsite_core::doc::order::OrderDoc;
use onsite_core::ops::SERVER_USER;
use onsite_core::records::order::Flag;

use super::{Cover, Finding};
use crate::error::ApiError;

/// How an earlier flag stands, as far as covering a finding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    Open,
    /// Resolved by a person.
    Resolved,
    /// Withdrawn by the server (an at-risk clock that recovered).
    Withdrawn,
}

impl Standing {
    fn of(flag: &Flag) -> Self {
        match &flag.resolution {
            None => Standing::Open,
            Some(r) if r.by == SERVER_USER => Standing::Withdrawn,
            Some(_) => Standing::Resolved,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Standing::Open => "open",
            Standing::Resolved => "resolved",
            Standing::Withdrawn => "withdrawn",
        }
    }

    /// True when a flag standing so, raised at `raised_at`, covers a finding.
    fn covers(self, raised_at: DateTime<Utc>, cover: Cover) -> bool {
        match (self, cover) {
            (Standing::Open, _) => true,
            // The server's own withdrawal of an at-risk flag covers nothing: the clock
            // may be at risk again.
            (Standing::Withdrawn, _) | (Standing::Resolved, Cover::OpenOnly) => false,
            (Standing::Resolved, Cover::Since(since)) => raised_at >= since,
        }
    }
}

/// True when an earlier flag among `flags` (an order's, a complaint's) covers `finding`
/// (see [`Cover`]).
pub(super) fn covered(flags: &[Flag], finding: &Finding) -> bool {
    flags
        .iter()
        .filter(|f| f.kind == finding.kind && f.subject == finding.subject)
        .any(|f| Standing::of(f).covers(f.raised_at, finding.cover))
}

/// [`covered`], answered from `flag_index` without loading the order.
pub(super) fn indexed_cover(
    tx: &Connection,
    doc_id: &str,
    finding: &Finding,
) -> Result<bool, ApiError> {
    let mut stmt = tx.prepare_cached(
        "SELECT raised_at_ms, standing FROM flag_index WHERE doc_id = ?1 AND kind = ?2 AND subject = ?3",
    )?;
    let rows = stmt
        .query_map((doc_id, finding.kind.as_str(), &finding.subject), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().any(|(ms, standing)| {
        let standing = match standing.as_str() {
            "open" => Standing::Open,
            "resolved" => Standing::Resolved,
            _ => Standing::Withdrawn,
        };
        DateTime::from_timestamp_millis(ms).is_some_and(|at| standing.covers(at, finding.cover))
    }))
}

/// Replaces the order's rows in `flag_index`.
pub(super) fn index_flags(tx: &Connection, doc_id: &str, order: &OrderDoc) -> Result<(), ApiError> {
    tx.prepare_cached("DELETE FROM flag_index WHERE doc_id = ?1")?
        .execute([doc_id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO flag_index (doc_id, flag_id, kind, subject, raised_at_ms, standing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (doc_id, flag_id) DO UPDATE SET kind = excluded.kind,
             subject = excluded.subject, raised_at_ms = excluded.raised_at_ms,
             standing = excluded.standing",
    )?;
    for f in &order.flags {
        insert.execute((
            doc_id,
            f.id.to_string(),
            f.kind.as_str(),
            &f.subject,
            f.raised_at.timestamp_millis(),
            Standing::of(f).as_str(),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onsite_core::fixtures::t0;

    #[test]
    fn an_open_flag_always_covers_a_resolved_one_only_its_own_occurrence() {
        let raised = t0();
        let later = t0() + chrono::Duration::hours(1);
        assert!(Standing::Open.covers(raised, Cover::OpenOnly));
        assert!(Standing::Open.covers(raised, Cover::Since(later)));
        assert!(
            !Standing::Resolved.covers(raised, Cover::OpenOnly),
            "a conflict after its resolution is a new one"
        );
        assert!(
            Standing::Resolved.covers(later, Cover::Since(raised)),
            "a lasting condition stays settled"
        );
        assert!(
            !Standing::Resolved.covers(raised, Cover::Since(later)),
            "a condition that began after the flag is new"
        );
        assert!(
            !Standing::Withdrawn.covers(later, Cover::Since(raised)),
            "the server's withdrawal settles nothing"
        );
    }
}
