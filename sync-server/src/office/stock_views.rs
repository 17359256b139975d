//! The desk's stock views: stock per location and part against the catalog's minimums
//! (`stock_minimums`), and the movement history filtered in SQL over every movement the
//! server holds: receipts (`stock_receipts`), the office's adjustments
//! (`stock_adjustments`) and the indexed movements of orders and requisitions
//! (`ledger_movements`, brought up to date first, see [`crate::sync::reconcile::catch_up`]).

use std::collections::BTreeMap;

use crate::db::Connection;
use chrono::{DateTime, NaiveDate, Utc};
use onsite_core::ids::{LocationId, PartId};
use onsite_core::stock::{Ledger, Movement};
use onsite_core::stock_views::{is_low, HistoryEntry, MovementFilter, StockMinimum, StockRow};

use super::audit::{self, By};
use crate::error::ApiError;
use crate::reference;

/// The most movements one history answer lists.
pub const HISTORY_LIMIT: i64 = 1000;

fn bad_date(value: &str) -> ApiError {
    let mut details = serde_json::Map::new();
    details.insert("date".into(), value.into());
    ApiError::bad_request(
        "errors.stock_views.bad_date",
        format!("{value:?} is not a YYYY-MM-DD date"),
    )
    .with_details(details)
}

fn day(value: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad_date(v)),
    }
}

/// Names for ids: locations, part numbers, people.
pub(crate) struct Names {
    locations: BTreeMap<LocationId, String>,
    parts: BTreeMap<PartId, String>,
    people: BTreeMap<String, String>,
}

impl Names {
    pub(crate) fn load(conn: &Connection) -> Result<Self, ApiError> {
        let r = reference::load(conn)?;
        Ok(Self {
            locations: r.locations.into_iter().map(|l| (l.id, l.name)).collect(),
            parts: r.parts.into_iter().map(|p| (p.id, p.number)).collect(),
            people: r
                .staff
                .into_iter()
                .map(|s| (s.id.to_string(), s.name))
                .collect(),
        })
    }

    fn place(&self, l: Option<LocationId>) -> Option<String> {
        l.map(|l| {
            self.locations
                .get(&l)
                .cloned()
                .unwrap_or_else(|| l.to_string())
        })
    }

    /// One movement as the history lists it.
    pub(crate) fn entry(&self, m: &Movement, label: &str) -> HistoryEntry {
        HistoryEntry {
            id: m.id.to_string(),
            at: m.at.to_rfc3339(),
            by: self
                .people
                .get(&m.by.to_string())
                .cloned()
                .unwrap_or_default(),
            kind: serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            part_number: self
                .parts
                .get(&m.part)
                .cloned()
                .unwrap_or_else(|| m.part.to_string()),
            quantity: m.quantity,
            from: self.place(m.from),
            to: self.place(m.to),
            reference: label.to_string(),
            reason: m.reason.clone(),
        }
    }
}

/// The movements matching `filter`, newest first, at most [`HISTORY_LIMIT`]. Every
/// condition is in the SQL; the ledger index must be up to date (the caller catches it
/// up in the same transaction).
pub fn history(conn: &Connection, filter: &MovementFilter) -> Result<Vec<HistoryEntry>, ApiError> {
    let from = day(&filter.from)?.map(|d| d.format("%Y-%m-%d").to_string());
    // `at` is RFC 3339 in UTC in every source, so a day's bounds compare as text.
    let to = day(&filter.to)?
        .and_then(|d| d.succ_opt())
        .map(|d| d.format("%Y-%m-%d").to_string());
    let order = filter
        .order
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    // One row per movement id (a movement may be indexed from more than one document).
    let sql = format!(
        "SELECT data, label FROM (
            SELECT data, label, at, id,
                   row_number() OVER (PARTITION BY id ORDER BY at) AS nth
              FROM (
                SELECT id, data, {reason} AS label, part,
                       NULL AS from_loc, location AS to_loc, at
                  FROM stock_receipts
                UNION ALL
                SELECT id, data, label, part, NULL, location, at FROM stock_adjustments
                UNION ALL
                SELECT movement_id, data, doc_label, part, from_loc, to_loc, {at}
                  FROM ledger_movements WHERE kind NOT IN ('requisition', 'approve')
              ) AS moved
             WHERE (CAST(?1 AS TEXT) IS NULL OR part = ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR from_loc = ?2 OR to_loc = ?2)
               AND (CAST(?3 AS TEXT) IS NULL OR label = ?3)
               AND (CAST(?4 AS TEXT) IS NULL OR at >= ?4)
               AND (CAST(?5 AS TEXT) IS NULL OR at < ?5)
         ) AS once
         WHERE nth = 1
         ORDER BY at DESC, id DESC
         LIMIT ?6",
        reason = conn.json_text("data", "reason"),
        at = conn.json_text("data", "at"),
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            (
                filter.part.map(|p| p.to_string()),
                filter.location.map(|l| l.to_string()),
                order,
                from,
                to,
                HISTORY_LIMIT,
            ),
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let names = Names::load(conn)?;
    rows.into_iter()
        .map(|(data, label)| {
            let m: Movement = serde_json::from_str(&data)
                .map_err(|e| ApiError::internal(format!("stored movement: {e}")))?;
            Ok(names.entry(&m, label.as_deref().unwrap_or_default()))
        })
        .collect()
}

/// The catalog's minimums.
pub fn minimums(conn: &Connection) -> Result<BTreeMap<(PartId, LocationId), u32>, ApiError> {
    let rows = conn
        .prepare_cached("SELECT part, location, minimum FROM stock_minimums")?
        .query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = BTreeMap::new();
    for (p, l, m) in rows {
        let (Ok(p), Ok(l)) = (p.parse(), l.parse()) else {
            return Err(ApiError::internal(format!("stored minimum {p} {l}")));
        };
        out.insert((PartId(p), LocationId(l)), m);
    }
    Ok(out)
}

/// Sets (or, with 0, removes) the minimum of a part at a location.
pub fn set_minimum(
    conn: &Connection,
    by: By<'_>,
    min: &StockMinimum,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let reference = reference::load(conn)?;
    let part = reference
        .parts
        .iter()
        .find(|p| p.id == min.part)
        .ok_or_else(|| {
            super::not_found(
                "errors.catalog.unknown_part",
                format!("part {} is not in the catalog", min.part),
            )
        })?;
    let location = reference
        .locations
        .iter()
        .find(|l| l.id == min.location)
        .ok_or_else(|| {
            super::not_found(
                "errors.stock.unknown_location",
                format!("no stock location {}", min.location),
            )
        })?;
    if min.minimum == 0 {
        conn.execute(
            "DELETE FROM stock_minimums WHERE part = ?1 AND location = ?2",
            (min.part.to_string(), min.location.to_string()),
        )?;
    } else {
        conn.execute(
            "INSERT INTO stock_minimums (part, location, minimum) VALUES (?1, ?2, ?3)
             ON CONFLICT (part, location) DO UPDATE SET minimum = excluded.minimum",
            (min.part.to_string(), min.location.to_string(), min.minimum),
        )?;
    }
    audit::record(
        conn,
        by,
        "stock_minimum_set",
        &part.number,
        &serde_json::json!({ "location": location.name, "minimum": min.minimum }).to_string(),
        now,
    )?;
    Ok(())
}

/// Stock per location and part: every pair with a balance or a minimum, with its
/// minimum and whether it is low; by location, then part number.
pub fn levels(conn: &Connection) -> Result<Vec<StockRow>, ApiError> {
    let reference = reference::load(conn)?;
    let ledger = Ledger::from_movements(super::stock::ledger(conn)?.into_iter().map(|(m, _)| m));
    let mut pairs: BTreeMap<(PartId, LocationId), (i64, Option<u32>)> = ledger
        .balances()
        .into_iter()
        .filter(|(_, q)| *q != 0)
        .map(|(k, q)| (k, (q, None)))
        .collect();
    for (k, m) in minimums(conn)? {
        pairs.entry(k).or_insert((0, None)).1 = Some(m);
    }
    let mut rows: Vec<StockRow> = pairs
        .into_iter()
        .filter_map(|((part, location), (quantity, minimum))| {
            let p = reference.parts.iter().find(|p| p.id == part)?;
            let l = reference.locations.iter().find(|l| l.id == location)?;
            Some(StockRow {
                location,
                location_name: l.name.clone(),
                part,
                part_number: p.number.clone(),
                part_name: p.name.clone(),
                quantity,
                minimum,
                low: is_low(quantity, minimum),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.location_name, &a.part_number).cmp(&(&b.location_name, &b.part_number))
    });
    Ok(rows)
}
