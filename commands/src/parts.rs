//! `use_part`: a part taken from this technician's van, checked against the catalog the
//! last sync stored.

use onsite_core::doc::order::OrderOp;
use onsite_core::ids::{OrderId, PartId, RecordId};

use crate::error::CommandError;
use crate::order::{edit, OrderDetail};
use crate::reference::{my_van, reference};
use crate::{parse_id, App};

/// What the UI sends for a part used.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UsePart {
    /// The order.
    pub id: String,
    /// A fresh record id, made by the UI so a retry is recognised.
    pub record_id: String,
    /// The catalog part.
    pub part_id: String,
    /// Units.
    pub quantity: u32,
    /// Serials of the new units (serialized parts).
    #[serde(default)]
    pub serials_new: Vec<String>,
    /// Serials of the units taken out.
    #[serde(default)]
    pub serials_old: Vec<String>,
}

/// Records a part taken from this technician's van.
#[tracing::instrument(skip_all, fields(order = %args.id, part = %args.part_id))]
pub fn use_part(app: &App, args: UsePart) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", &args.id)?;
    let record: RecordId = parse_id("record", &args.record_id)?;
    let part_id: PartId = parse_id("part", &args.part_id)?;
    edit(app, id, |store| {
        let reference = reference(store)?;
        let part = reference
            .parts
            .iter()
            .find(|p| p.id == part_id)
            .ok_or_else(|| {
                CommandError::new(
                    "errors.parts.unknown",
                    format!("part {part_id} is not in the catalog"),
                )
                .with("part", part_id.to_string())
            })?;
        let actor = app.actor(store)?;
        let van = my_van(&reference, actor.user).ok_or_else(|| {
            CommandError::new(
                "errors.parts.no_van",
                "this technician has no van in the office's list",
            )
        })?;
        let clean = |v: Vec<String>| {
            v.into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        Ok(OrderOp::UsePart {
            id: record,
            part: part.id,
            part_number: part.number.clone(),
            certified: part.certified,
            serialized: part.serialized,
            quantity: args.quantity,
            serials_new: clean(args.serials_new),
            serials_old: clean(args.serials_old),
            location: van,
        })
    })
}
