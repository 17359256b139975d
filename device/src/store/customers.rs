//! The customer of every order this device holds, one row per order (`customer_orders`):
//! phone, name, tier, when it was closed and last followed up, and whether its follow-up
//! after closing is still owed. The office's follow-up queue reads these rows to find the
//! long-term and key customers whose periodic follow-up is due
//! (`onsite_core::follow_ups::periodic_due`) without opening every order; the customer
//! search (`onsite_core::customers::search`) reads the rows of the customers it may find.

use chrono::{DateTime, Utc};
use onsite_core::follow_ups::CustomerOrder;
use onsite_core::records::request::CustomerTier;
use rusqlite::{params, Connection};

use crate::error::{Doing, StoreError};

fn tier_name(tier: CustomerTier) -> &'static str {
    match tier {
        CustomerTier::Regular => "regular",
        CustomerTier::LongTerm => "long_term",
        CustomerTier::KeyAccount => "key_account",
    }
}

fn tier_of(name: &str) -> Option<CustomerTier> {
    [
        CustomerTier::Regular,
        CustomerTier::LongTerm,
        CustomerTier::KeyAccount,
    ]
    .into_iter()
    .find(|t| tier_name(*t) == name)
}

/// Writes an order's row (inside the caller's transaction).
pub fn upsert(conn: &Connection, doc_no: i64, row: &CustomerOrder) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO customer_orders (doc_no, order_id, number, name, phone, tier, received_at,
            closed_at, last_follow_up, follow_up_owed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (doc_no) DO UPDATE SET order_id = excluded.order_id,
            number = excluded.number, name = excluded.name, phone = excluded.phone,
            tier = excluded.tier, received_at = excluded.received_at,
            closed_at = excluded.closed_at, last_follow_up = excluded.last_follow_up,
            follow_up_owed = excluded.follow_up_owed",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            doc_no,
            row.order.to_string(),
            row.number,
            row.name,
            row.phone,
            tier_name(row.tier),
            row.received_at.timestamp_millis(),
            row.closed_at.map(|t| t.timestamp_millis()),
            row.last_follow_up.map(|t| t.timestamp_millis()),
            row.follow_up_owed,
        ])
    })
    .doing(|| format!("updating the customer row of document #{doc_no}"))?;
    Ok(())
}

/// The rows of every order whose customer is long-term or key, or of the customers
/// with `phone` when one is given.
pub fn followed(conn: &Connection, phone: Option<&str>) -> Result<Vec<CustomerOrder>, StoreError> {
    read(
        conn,
        "SELECT order_id, number, name, phone, tier, received_at, closed_at, last_follow_up,
            follow_up_owed
         FROM customer_orders
         WHERE (?1 IS NULL AND phone IN
                (SELECT phone FROM customer_orders WHERE tier != 'regular'))
            OR phone = ?1
         ORDER BY phone, received_at",
        params![phone],
    )
}

/// The rows of every customer with an order whose phone contains `digits` (when not
/// empty) or whose name contains `name`: what a customer search may find. The search
/// itself, and its rule, is `onsite_core::customers::search`; this only narrows the rows.
pub fn candidates(
    conn: &Connection,
    digits: &str,
    name: &str,
) -> Result<Vec<CustomerOrder>, StoreError> {
    read(
        conn,
        "SELECT order_id, number, name, phone, tier, received_at, closed_at, last_follow_up,
            follow_up_owed
         FROM customer_orders
         WHERE phone IN (SELECT phone FROM customer_orders
                         WHERE (?1 != '' AND instr(phone, ?1) > 0)
                            OR (?2 != '' AND instr(lower(name), lower(?2)) > 0))
         ORDER BY phone, received_at",
        params![digits, name],
    )
}

fn read(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<CustomerOrder>, StoreError> {
    let doing = || "reading the customers of the orders".to_string();
    let mut stmt = conn.prepare_cached(sql).doing(doing)?;
    let raw = stmt
        .query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<i64>>(7)?,
                r.get::<_, bool>(8)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(doing)?;
    raw.into_iter()
        .map(
            |(order, number, name, phone, tier, received, closed, followed, owed)| {
                let corrupt = |what: &str| StoreError::Projection {
                    kind: "order",
                    id: order.clone(),
                    detail: format!("unreadable {what} in its customer row"),
                };
                let at = |ms: i64| {
                    DateTime::<Utc>::from_timestamp_millis(ms).ok_or_else(|| corrupt("a time"))
                };
                Ok(CustomerOrder {
                    order: order.parse().map_err(|_| corrupt("the id"))?,
                    number,
                    name,
                    phone,
                    tier: tier_of(&tier).ok_or_else(|| corrupt("the tier"))?,
                    received_at: at(received)?,
                    closed_at: closed.map(at).transpose()?,
                    last_follow_up: followed.map(at).transpose()?,
                    follow_up_owed: owed,
                })
            },
        )
        .collect()
}
