//! Van stock as this device's documents record it: `stock_movements` (one row per
//! movement and location it touches, signed) and `stock_balances` (their sums per
//! location and part), both kept in step in the edit's transaction. Stock is a ledger:
//! balances are never written directly, only summed again.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::{Doing, StoreError};

/// One leg of a stock movement at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovementRow {
    /// The movement's id (UUID) within its document.
    pub movement_id: String,
    /// The stock location, e.g. `van:<technician id>` or `warehouse:<id>`.
    pub location: String,
    /// The part.
    pub part_id: String,
    /// Signed quantity: positive into the location, negative out of it.
    pub quantity: i64,
    /// What kind of movement (`issue`, `use`, `return`, …).
    pub kind: String,
}

/// A balance: the sum of all movements of one part at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    /// The stock location.
    pub location: String,
    /// The part.
    pub part_id: String,
    /// Units on hand as far as this device knows; below zero means over-use to flag.
    pub quantity: i64,
}

/// Replaces a document's movements and re-sums the balances they touch (before and after).
pub fn replace(
    conn: &Connection,
    doc_no: i64,
    movements: &[MovementRow],
) -> Result<(), StoreError> {
    let doing = || format!("updating stock movements of document #{doc_no}");
    let current: Vec<MovementRow> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT movement_id, location, part_id, quantity, kind FROM stock_movements
                 WHERE doc_no = ?1 ORDER BY movement_id, location",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map([doc_no], |r| {
                Ok(MovementRow {
                    movement_id: r.get(0)?,
                    location: r.get(1)?,
                    part_id: r.get(2)?,
                    quantity: r.get(3)?,
                    kind: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .doing(doing)?;
        rows
    };
    let mut wanted = movements.to_vec();
    wanted.sort_by(|a, b| (&a.movement_id, &a.location).cmp(&(&b.movement_id, &b.location)));
    if current == wanted {
        return Ok(()); // most edits touch no stock
    }
    let mut touched: Vec<(String, String)> = current
        .into_iter()
        .map(|m| (m.location, m.part_id))
        .collect();
    conn.prepare_cached("DELETE FROM stock_movements WHERE doc_no = ?1")
        .and_then(|mut stmt| stmt.execute([doc_no]))
        .doing(doing)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO stock_movements (doc_no, movement_id, location, part_id, quantity, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (doc_no, movement_id, location)
             DO UPDATE SET quantity = quantity + excluded.quantity",
        )
        .doing(doing)?;
    for m in movements {
        insert
            .execute(params![
                doc_no,
                m.movement_id,
                m.location,
                m.part_id,
                m.quantity,
                m.kind
            ])
            .doing(doing)?;
        touched.push((m.location.clone(), m.part_id.clone()));
    }
    touched.sort();
    touched.dedup();
    resum(conn, &touched)
}

/// Recomputes the balances of the given (location, part) pairs from the movements.
fn resum(conn: &Connection, keys: &[(String, String)]) -> Result<(), StoreError> {
    // A pair with no movements left has no balance row, exactly as after a rebuild.
    let mut clear = conn
        .prepare_cached("DELETE FROM stock_balances WHERE location = ?1 AND part_id = ?2")
        .doing(|| "summing stock balances".into())?;
    let mut sum = conn
        .prepare_cached(
            "INSERT INTO stock_balances (location, part_id, quantity)
             SELECT ?1, ?2, sum(quantity) FROM stock_movements
             WHERE location = ?1 AND part_id = ?2 HAVING count(*) > 0",
        )
        .doing(|| "summing stock balances".into())?;
    for (location, part) in keys {
        clear
            .execute(params![location, part])
            .and_then(|_| sum.execute(params![location, part]))
            .doing(|| format!("summing the balance of part {part} at {location}"))?;
    }
    Ok(())
}

/// Balances at one location (e.g. a technician's van), by part.
pub fn balances(conn: &Connection, location: &str) -> Result<Vec<Balance>, StoreError> {
    query(
        conn,
        "SELECT location, part_id, quantity FROM stock_balances WHERE location = ?1 ORDER BY part_id",
        Some(location),
    )
}

/// Every balance, for comparing a rebuild.
pub fn all_balances(conn: &Connection) -> Result<Vec<Balance>, StoreError> {
    query(
        conn,
        "SELECT location, part_id, quantity FROM stock_balances
         WHERE ?1 IS NULL ORDER BY location, part_id",
        None,
    )
}

fn query(conn: &Connection, sql: &str, location: Option<&str>) -> Result<Vec<Balance>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql)
        .doing(|| "reading stock balances".into())?;
    let rows = stmt
        .query_map([location], |r| {
            Ok(Balance {
                location: r.get(0)?,
                part_id: r.get(1)?,
                quantity: r.get(2)?,
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "reading stock balances".into())?;
    Ok(rows)
}

/// Every movement row, ordered, for comparing a rebuild.
pub fn all_movements(conn: &Connection) -> Result<Vec<(i64, MovementRow)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT doc_no, movement_id, location, part_id, quantity, kind FROM stock_movements
             ORDER BY doc_no, movement_id, location",
        )
        .doing(|| "reading stock movements".into())?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                MovementRow {
                    movement_id: r.get(1)?,
                    location: r.get(2)?,
                    part_id: r.get(3)?,
                    quantity: r.get(4)?,
                    kind: r.get(5)?,
                },
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(|| "reading stock movements".into())?;
    Ok(rows)
}
