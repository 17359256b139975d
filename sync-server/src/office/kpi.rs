//! The KPIs from the office copy: one row per order and complaint (`kpi_rows`, the
//! `onsite-core::kpi` row in postcard, read back by the ten thousand on every query) kept beside the documents and brought up to date on
//! each query from the change sequence, then handed to `onsite_core::kpi::compute`. The
//! formulas live in core; this only loads rows. A dispatcher or supervisor may ask
//! ([`may_view`]).

use crate::db::{Connection, OptionalExtension};
use crate::params;
use chrono::{DateTime, Utc};
use onsite_core::doc::complaint::ComplaintDoc;
use onsite_core::doc::order::OrderDoc;
use onsite_core::kpi::{self, ComplaintRow, KpiQuery, KpiReport, OrderRow};
use onsite_core::ops;
use onsite_core::role::Role;

use crate::company;
use crate::error::ApiError;

/// The `server_meta` key holding the change sequence the rows are up to date with.
const INDEXED_SEQ: &str = "kpi_indexed_seq";

/// Refuses a role [`kpi::may_view`] leaves out.
pub fn may_view(role: Role) -> Result<(), ApiError> {
    if kpi::may_view(role) {
        Ok(())
    } else {
        let mut details = serde_json::Map::new();
        details.insert("role".into(), role.to_string().into());
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "errors.kpi.not_permitted",
            format!("a {role} may not see the KPIs"),
        )
        .with_details(details))
    }
}

/// Brings `kpi_rows` up to date with every order and complaint saved since the last
/// call; returns how many documents were read. A document that cannot be read is left
/// out (its row, if any, is dropped) and logged, not allowed to stop the office's figures.
pub fn catch_up(conn: &Connection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let since: i64 = conn
        .query_row(
            "SELECT value FROM server_meta WHERE key = ?1",
            [INDEXED_SEQ],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rules = company::rules(conn)?;
    let mut changed = conn.prepare_cached(
        "SELECT id, kind, data, seq FROM documents
         WHERE seq > ?1 AND kind IN ('order', 'complaint') ORDER BY seq",
    )?;
    let docs = changed.query_map([since], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO kpi_rows (doc_id, kind, seq, row) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (doc_id) DO UPDATE SET kind = excluded.kind, seq = excluded.seq, row = excluded.row",
    )?;
    let mut drop_row = conn.prepare_cached("DELETE FROM kpi_rows WHERE doc_id = ?1")?;
    let mut read = 0;
    let mut last = since;
    for doc in docs {
        let (id, kind, data, seq) = doc?;
        last = last.max(seq);
        read += 1;
        let row = automerge::AutoCommit::load(&data)
            .map_err(|e| e.to_string())
            .and_then(|doc| match kind.as_str() {
                "order" => ops::hydrate::<OrderDoc>(&doc)
                    .map_err(|e| e.to_string())
                    .and_then(|o| {
                        let settings = &rules.for_order_doc(&o).settings;
                        postcard::to_stdvec(&kpi::order_row(&o, settings, &rules.calendar, now))
                            .map_err(|e| e.to_string())
                    }),
                _ => ops::hydrate::<ComplaintDoc>(&doc)
                    .map_err(|e| e.to_string())
                    .and_then(|c| {
                        let settings = &rules.for_order(None, c.received_at).settings;
                        postcard::to_stdvec(&kpi::complaint_row(&c, settings, &rules.calendar, now))
                            .map_err(|e| e.to_string())
                    }),
            });
        match row {
            Ok(bytes) => {
                upsert.execute(params![id, kind, seq, bytes])?;
            }
            Err(e) => {
                tracing::warn!(doc = %id, error = %e, "KPI row: document unreadable, left out");
                drop_row.execute([&id])?;
            }
        }
    }
    conn.execute(
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![INDEXED_SEQ, last.to_string()],
    )?;
    Ok(read)
}

/// Every stored row.
pub fn rows(conn: &Connection) -> Result<(Vec<OrderRow>, Vec<ComplaintRow>), ApiError> {
    let mut orders = Vec::new();
    let mut complaints = Vec::new();
    conn.for_each("SELECT doc_id, kind, row FROM kpi_rows", (), |r| {
        let id: String = r.get(0)?;
        let kind: String = r.get(1)?;
        let bytes: Vec<u8> = r.get(2)?;
        let bad = |e: postcard::Error| ApiError::internal(format!("KPI row of {id}: {e}"));
        if kind == "order" {
            orders.push(postcard::from_bytes(&bytes).map_err(bad)?);
        } else {
            complaints.push(postcard::from_bytes(&bytes).map_err(bad)?);
        }
        Ok::<_, ApiError>(true)
    })?;
    Ok((orders, complaints))
}

/// The KPIs for `query` at `now`, with the rows brought up to date first.
pub fn report(
    conn: &Connection,
    query: &KpiQuery,
    now: DateTime<Utc>,
) -> Result<KpiReport, ApiError> {
    catch_up(conn, now)?;
    let (orders, complaints) = rows(conn)?;
    let calendar = company::calendar(conn)?;
    Ok(kpi::compute(&orders, &complaints, &calendar, query, now))
}
