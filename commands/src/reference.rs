//! Reference data commands: the technician's van stock, the parts catalog search, and
//! staff with their load for the dispatch board. All read from the copy the last sync
//! stored, so they work offline.

use std::collections::HashMap;

use chrono::NaiveDate;
use onsite_core::ids::{LocationId, UserId};
use onsite_core::protocol::Reference;
use onsite_core::records::catalog::{LocationKind, Part};
use onsite_core::role::Role;
use onsite_device::sync_client;
use onsite_device::{OrderFilter, Store};
use serde::Serialize;

use crate::error::CommandError;
use crate::App;

/// The reference data from the last sync; empty before the first one.
pub fn reference(store: &Store) -> Result<Reference, CommandError> {
    Ok(sync_client::reference(store)?.unwrap_or_default())
}

/// User id → display name.
pub fn people(store: &Store) -> Result<HashMap<String, String>, CommandError> {
    Ok(reference(store)?
        .staff
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect())
}

/// The van `user` holds, if the office gave them one.
pub fn my_van(reference: &Reference, user: UserId) -> Option<LocationId> {
    reference
        .locations
        .iter()
        .find(|l| l.kind == LocationKind::Van && l.holder == Some(user))
        .map(|l| l.id)
}

/// A part and how many are in the van.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct VanStockItem {
    /// The catalog part.
    pub part: Part,
    /// Units in the technician's van as this device knows; below zero means over-used.
    pub quantity: i32,
}

/// This technician's van stock as the device's ledger sums it, catalog order.
pub fn van_stock(app: &App) -> Result<Vec<VanStockItem>, CommandError> {
    app.with_store(|store| {
        let me = app.actor(store)?;
        let reference = reference(store)?;
        let Some(van) = my_van(&reference, me.user) else {
            return Ok(vec![]);
        };
        let balances: HashMap<String, i64> = store
            .stock_balances(&van.to_string())?
            .into_iter()
            .map(|b| (b.part_id, b.quantity))
            .collect();
        Ok(reference
            .parts
            .into_iter()
            .filter_map(|part| {
                let quantity = *balances.get(&part.id.to_string())?;
                Some(VanStockItem {
                    part,
                    quantity: i32::try_from(quantity).unwrap_or(i32::MAX),
                })
            })
            .collect())
    })
}

/// Catalog parts whose number, name or barcode contains `text` (any case).
pub fn find_parts(app: &App, text: &str) -> Result<Vec<Part>, CommandError> {
    let needle = text.trim().to_lowercase();
    app.with_store(|store| {
        Ok(reference(store)?
            .parts
            .into_iter()
            .filter(|p| {
                needle.is_empty()
                    || p.barcode == needle
                    || p.number.to_lowercase().contains(&needle)
                    || p.name.to_lowercase().contains(&needle)
            })
            .collect())
    })
}

/// A member of staff for the dispatch board.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct StaffMember {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Orders assigned to them with a visit window starting on the day asked about.
    pub load: u32,
}

/// Staff, technicians first, with their load on `day`: the company calendar's local
/// day, the same day the dispatch board and the SLA clocks speak of.
pub fn staff(app: &App, day: NaiveDate) -> Result<Vec<StaffMember>, CommandError> {
    let (start, end) = app.rules().calendar.day_span(day);
    app.with_store(|store| {
        let people = reference(store)?.staff;
        let mut staff = Vec::with_capacity(people.len());
        for s in people {
            let id = s.id.to_string();
            // Counted in SQL: a van of orders on an office device is thousands of rows.
            let rows = store.order_list(&OrderFilter {
                assignee: Some(id.clone()),
                from: Some(start.timestamp_millis()),
                to: Some(end.timestamp_millis()),
                limit: usize::MAX >> 1,
                ..OrderFilter::default()
            })?;
            let load = rows.iter().filter(|r| r.window.is_some()).count();
            staff.push(StaffMember {
                id,
                name: s.name,
                role: s.role,
                load: u32::try_from(load).unwrap_or(u32::MAX),
            });
        }
        staff.sort_by_key(|s| s.role != Role::Technician);
        Ok(staff)
    })
}
