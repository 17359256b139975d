//! Reference data commands: the technician's van stock, the parts catalog search, and
//! staff with their load for the dispatch board. All read from the copy the last sync
//! stored, so they work offline.

use std::collections::HashMap;

use chrono::{Local, NaiveDate, TimeZone};
use onsite_core::ids::{LocationId, UserId};
use onsite_core::protocol::Reference;
use onsite_core::records::catalog::{LocationKind, Part};
use onsite_core::role::Role;
use onsite_device::sync_client;
use onsite_device::{OrderFilter, Store};
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::AppState;

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
#[derive(Debug, Serialize)]
pub struct VanStockItem {
    part: Part,
    quantity: i64,
}

/// This technician's van stock as the device's ledger sums it, catalog order.
#[tauri::command]
pub fn van_stock(state: State<'_, AppState>) -> Result<Vec<VanStockItem>, CommandError> {
    state.with_store(|store| {
        let me = state.actor(store)?;
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
                Some(VanStockItem { part, quantity })
            })
            .collect())
    })
}

/// Catalog parts whose number, name or barcode contains `text` (any case).
#[tauri::command]
pub fn find_parts(state: State<'_, AppState>, text: String) -> Result<Vec<Part>, CommandError> {
    let needle = text.trim().to_lowercase();
    state.with_store(|store| {
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
#[derive(Debug, Serialize)]
pub struct StaffMember {
    id: String,
    name: String,
    role: Role,
    /// Orders assigned to them with a visit window on the day asked about.
    load: usize,
}

/// Staff, technicians first, with their load on `day` (local date).
#[tauri::command]
pub fn staff(state: State<'_, AppState>, day: NaiveDate) -> Result<Vec<StaffMember>, CommandError> {
    let start = Local
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default();
    let end = start + 24 * 3600 * 1000;
    state.with_store(|store| {
        let rows = store.order_list(&OrderFilter {
            limit: 10_000,
            ..OrderFilter::default()
        })?;
        let mut staff: Vec<StaffMember> = reference(store)?
            .staff
            .into_iter()
            .map(|s| {
                let id = s.id.to_string();
                let load = rows
                    .iter()
                    .filter(|r| r.assignee.as_deref() == Some(id.as_str()))
                    .filter(|r| r.window.is_some_and(|w| w.0 >= start && w.0 < end))
                    .count();
                StaffMember {
                    id,
                    name: s.name,
                    role: s.role,
                    load,
                }
            })
            .collect();
        staff.sort_by_key(|s| s.role != Role::Technician);
        Ok(staff)
    })
}
