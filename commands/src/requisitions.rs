//! Parts requisitions (领用申请) end to end. On the technician's phone, all offline: ask
//! for parts for an order, follow each request's status as it syncs, hand back unused
//! and old parts (归还), and the van: stock per part from the device's ledger with the
//! movements behind each figure. On the desk, online like the other office screens: the
//! approval and parts-counter queues and their actions (`/v1/office/requisitions…`),
//! judged on the server by the requisition's rules as the signed-in user.

use std::collections::{BTreeMap, HashMap, HashSet};

use onsite_core::doc::requisition::{
    HandBackKind, RequisitionDoc, RequisitionOp, RequisitionStatus,
};
use onsite_core::ids::{LocationId, OrderId, PartId, RecordId, RequisitionId};
use onsite_core::parts_flow::{RequisitionAction, RequisitionQueue};
use onsite_core::records::catalog::{LocationKind, Part};
use onsite_core::stock::{Ledger, Movement, MovementKind};
use onsite_core::OrderDoc;
use onsite_device::sync_client::SyncClient;
use onsite_device::DocKind;
use onsite_device::Store;
use serde::{Deserialize, Serialize};

use crate::error::CommandError;
use crate::reference::{my_van, reference};
use crate::{parse_id, App};

/// What the phone sends to ask for parts.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AskParts {
    /// A fresh requisition id, made by the UI so a retry asks once.
    pub requisition_id: String,
    /// A fresh line id.
    pub line_id: String,
    /// The catalog part.
    pub part_id: String,
    /// Units.
    pub quantity: u32,
    /// The order the parts are for.
    #[serde(default)]
    pub order_id: Option<String>,
}

/// What the phone sends to hand parts back.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct HandBackArgs {
    /// The requisition.
    pub requisition_id: String,
    /// A fresh record id.
    pub record_id: String,
    /// Unused units of a line, or an old part.
    pub what: HandBackKind,
    /// The line (unused units).
    #[serde(default)]
    pub line_id: Option<String>,
    /// The part (old parts).
    #[serde(default)]
    pub part_id: Option<String>,
    /// Units.
    pub quantity: u32,
    /// Serials (the old serials, for old parts).
    #[serde(default)]
    pub serials: Vec<String>,
    /// The order the parts come back from (defaults to the requisition's).
    #[serde(default)]
    pub order_id: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// One line of a request as the phone shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RequestLineView {
    /// Line id.
    pub id: String,
    /// Part id.
    pub part_id: String,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Serialized.
    pub serialized: bool,
    /// Asked for.
    pub requested: u32,
    /// Approved.
    pub approved: u32,
    /// Issued.
    pub issued: u32,
    /// Taken back.
    pub returned: u32,
    /// Units that may still be handed back as unused.
    pub open_to_hand_back: u32,
}

/// A hand-back as the phone shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HandBackView {
    /// Id.
    pub id: String,
    /// Unused or old part.
    pub what: HandBackKind,
    /// Part number.
    pub part_number: String,
    /// Units.
    pub quantity: u32,
    /// Serials.
    pub serials: Vec<String>,
    /// The order, by number.
    pub order_number: Option<String>,
    /// Where it went, once taken back: `to_stock`, `to_supplier` or `scrapped`.
    pub outcome: Option<onsite_core::doc::requisition::ReturnOutcome>,
    /// The storekeeper's reason.
    pub reason: String,
}

/// One of the technician's requests and where it stands.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RequestView {
    /// Requisition id.
    pub id: String,
    /// Number.
    pub number: String,
    /// Asked, approved, rejected, issued, …
    pub status: RequisitionStatus,
    /// Why rejected.
    pub reason: String,
    /// The order it is for.
    pub order_id: Option<String>,
    /// The order, by number, when it is on this device.
    pub order_number: Option<String>,
    /// When asked (RFC 3339).
    pub requested_at: String,
    /// Whether this device has changes to it the office has not acknowledged yet.
    pub unsent: bool,
    /// Lines.
    pub lines: Vec<RequestLineView>,
    /// Parts handed back.
    pub handbacks: Vec<HandBackView>,
}

/// One movement behind a van figure.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VanMovement {
    /// Movement id.
    pub id: String,
    /// Issued, used, returned, …
    pub kind: MovementKind,
    /// Units into (+) or out of (−) the van.
    pub quantity: i64,
    /// The order or requisition, by number.
    pub label: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Why a van figure is below zero: more used than reached the van.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Shortfall {
    /// Units that reached the van (issued, less taken back).
    pub received: i64,
    /// Units used on orders.
    pub used: i64,
    /// The orders the parts were used on.
    pub orders: Vec<String>,
}

/// One part in the van with the movements behind its figure.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VanPart {
    /// The catalog part (number and name only when the catalog lacks it).
    pub part_id: String,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Units in the van by the device's ledger.
    pub quantity: i64,
    /// The movements, oldest first.
    pub movements: Vec<VanMovement>,
    /// Set when the figure is below zero.
    pub shortfall: Option<Shortfall>,
}

fn store_err(e: impl Into<CommandError>) -> CommandError {
    e.into()
}

fn part_of(store: &Store, id: PartId) -> Result<Part, CommandError> {
    reference(store)?
        .parts
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| {
            CommandError::new(
                "errors.parts.unknown",
                format!("part {id} is not in the catalog"),
            )
            .with("part", id.to_string())
        })
}

/// Asks for parts (领用申请) for the signed-in technician's van, offline: a new
/// requisition with one line, from the company's first warehouse. A retry with the
/// same requisition id answers the request as it stands.
#[tracing::instrument(skip_all, fields(requisition = %args.requisition_id))]
pub fn ask_parts(app: &App, args: AskParts) -> Result<RequestView, CommandError> {
    let id: RequisitionId = parse_id("requisition", &args.requisition_id)?;
    let line: RecordId = parse_id("line", &args.line_id)?;
    let part_id: PartId = parse_id("part", &args.part_id)?;
    let order = args
        .order_id
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|o| parse_id::<OrderId>("order", o))
        .transpose()?;
    let out = app.with_store(|store| {
        if store.contains(&id.to_string())? {
            return view(store, id);
        }
        let me = app.actor(store)?;
        let reference = reference(store)?;
        let part = part_of(store, part_id)?;
        let van = my_van(&reference, me.user).ok_or_else(|| {
            CommandError::new(
                "errors.parts.no_van",
                "this technician has no van in the office's list",
            )
        })?;
        let warehouse = first_warehouse(&reference.locations).ok_or_else(|| {
            CommandError::new(
                "errors.parts_flow.no_warehouse",
                "the office has no warehouse to ask from",
            )
        })?;
        let rules = crate::rules_of(store);
        let ctx = app.ctx(me, rules.settings(), &rules.calendar);
        let hex = id.0.simple().to_string();
        let number = format!(
            "RQ-{}-{}",
            ctx.now.format("%Y%m%d"),
            &hex[hex.len().saturating_sub(6)..]
        );
        let doc = RequisitionDoc::new(id, number, me.user, van, warehouse, order, &ctx)
            .map_err(|e| CommandError::from(onsite_core::DomainError::from(e)))?;
        let op = RequisitionOp::AddLine {
            id: line,
            part: part.id,
            part_number: part.number.clone(),
            valuable: part.valuable,
            serialized: part.serialized,
            quantity: args.quantity,
        };
        // Checked before anything is stored, so a bad quantity stores no empty request.
        doc.clone()
            .apply(&op, &ctx)
            .map_err(|e| CommandError::from(onsite_core::DomainError::from(e)))?;
        store.batch(|store| {
            store.create_requisition(doc, &ctx)?;
            store.apply_requisition(id, &op, &ctx)?;
            Ok(())
        })?;
        view(store, id)
    })?;
    app.sync.nudge();
    Ok(out)
}

fn first_warehouse(locations: &[onsite_core::records::catalog::Location]) -> Option<LocationId> {
    locations
        .iter()
        .find(|l| l.kind == LocationKind::Warehouse)
        .map(|l| l.id)
}

/// Hands parts back (归还), offline: unused units of an issued line, or defective old
/// parts taken out on a repair with their serials. The storekeeper takes them back.
#[tracing::instrument(skip_all, fields(requisition = %args.requisition_id))]
pub fn hand_back(app: &App, args: HandBackArgs) -> Result<RequestView, CommandError> {
    let id: RequisitionId = parse_id("requisition", &args.requisition_id)?;
    let record: RecordId = parse_id("record", &args.record_id)?;
    let line = args
        .line_id
        .as_deref()
        .map(|l| parse_id::<RecordId>("line", l))
        .transpose()?;
    let order = args
        .order_id
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|o| parse_id::<OrderId>("order", o))
        .transpose()?;
    let out = app.with_store(|store| {
        let req = store.requisition(id)?;
        if req.handbacks.iter().any(|h| h.id == record) {
            return view(store, id);
        }
        let (part, part_number, serialized) = match (args.what, args.part_id.as_deref()) {
            (HandBackKind::OldPart, Some(p)) => {
                let part = part_of(store, parse_id("part", p)?)?;
                (part.id, part.number, part.serialized)
            }
            // Unused units are the line's part; the rules fill it in from the line.
            _ => (PartId(uuid::Uuid::nil()), String::new(), false),
        };
        let op = RequisitionOp::HandBack {
            id: record,
            what: args.what,
            line,
            part,
            part_number,
            serialized,
            quantity: args.quantity,
            serials: args
                .serials
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            order,
            note: args.note.clone(),
        };
        let me = app.actor(store)?;
        let rules = crate::rules_of(store);
        let ctx = app.ctx(me, rules.settings(), &rules.calendar);
        store.apply_requisition(id, &op, &ctx)?;
        view(store, id)
    })?;
    app.sync.nudge();
    Ok(out)
}

/// The signed-in technician's requests on this device, newest first.
pub fn my_requests(app: &App) -> Result<Vec<RequestView>, CommandError> {
    app.with_store(|store| {
        let me = app.actor(store)?;
        let mut out = Vec::new();
        for id in store.document_ids(DocKind::Requisition)? {
            let id: RequisitionId = parse_id("requisition", &id)?;
            let req = store.requisition(id)?;
            if req.requester != me.user {
                continue;
            }
            out.push(view_of(store, &req)?);
        }
        out.sort_by(|a, b| b.requested_at.cmp(&a.requested_at));
        Ok(out)
    })
}

fn view(store: &mut Store, id: RequisitionId) -> Result<RequestView, CommandError> {
    let req = store.requisition(id)?;
    view_of(store, &req)
}

fn order_number(store: &mut Store, id: Option<OrderId>) -> Result<Option<String>, CommandError> {
    let Some(id) = id else { return Ok(None) };
    if !store.contains(&id.to_string())? {
        return Ok(None);
    }
    Ok(Some(store.order(id)?.number))
}

fn view_of(store: &mut Store, req: &RequisitionDoc) -> Result<RequestView, CommandError> {
    let parts: HashMap<PartId, Part> = reference(store)?
        .parts
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let unsent = store
        .pending()?
        .iter()
        .any(|p| p.doc_id == req.id.to_string());
    let mut handbacks = Vec::new();
    for h in &req.handbacks {
        handbacks.push(HandBackView {
            id: h.id.to_string(),
            what: h.what,
            part_number: h.part_number.clone(),
            quantity: h.quantity,
            serials: h.serials.clone(),
            order_number: order_number(store, h.order)?,
            outcome: h.taken_back.as_ref().map(|t| t.outcome),
            reason: h
                .taken_back
                .as_ref()
                .map(|t| t.reason.clone())
                .unwrap_or_default(),
        });
    }
    Ok(RequestView {
        id: req.id.to_string(),
        number: req.number.clone(),
        status: req.status,
        reason: req.reason.clone(),
        order_id: req.order.map(|o| o.to_string()),
        order_number: order_number(store, req.order)?,
        requested_at: req.requested_at.to_rfc3339(),
        unsent,
        lines: req
            .lines
            .iter()
            .map(|l| RequestLineView {
                id: l.id.to_string(),
                part_id: l.part.to_string(),
                part_number: l.part_number.clone(),
                part_name: parts
                    .get(&l.part)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                serialized: l.serialized,
                requested: l.requested,
                approved: l.approved,
                issued: l.issued,
                returned: l.returned,
                open_to_hand_back: req.open_to_hand_back(l.id),
            })
            .collect(),
        handbacks,
    })
}

/// The van (随车库存): per part, the device's ledger figure and the movements behind
/// it (issued, used on which order, taken back), with a shortfall when it is below
/// zero. Offline, from the orders and requisitions on this device.
pub fn van(app: &App) -> Result<Vec<VanPart>, CommandError> {
    app.with_store(|store| {
        let me = app.actor(store)?;
        let reference = reference(store)?;
        let Some(van) = my_van(&reference, me.user) else {
            return Ok(vec![]);
        };
        let mut labelled: Vec<(Movement, String)> = Vec::new();
        for id in store.document_ids(DocKind::Order)? {
            let order: OrderDoc = store.order(parse_id("order", &id)?)?;
            labelled.extend(
                order
                    .stock_movements()
                    .into_iter()
                    .map(|m| (m, order.number.clone())),
            );
        }
        for id in store.document_ids(DocKind::Requisition)? {
            let req = store.requisition(parse_id("requisition", &id)?)?;
            labelled.extend(
                req.stock_movements()
                    .into_iter()
                    .map(|m| (m, req.number.clone())),
            );
        }
        Ok(van_parts(labelled, van, &reference.parts))
    })
}

/// The van's figures from labelled movements (each with its order's or requisition's
/// number): the ones touching `van`, counted once each, per part, with the shortfall of
/// a figure below zero. Pure, so the words' numbers are tested apart from storage.
fn van_parts(
    mut labelled: Vec<(Movement, String)>,
    van: LocationId,
    parts: &[Part],
) -> Vec<VanPart> {
    let mut seen = HashSet::new();
    labelled.retain(|(m, _)| {
        m.kind.moves_stock() && (m.from == Some(van) || m.to == Some(van)) && seen.insert(m.id)
    });
    labelled.sort_by_key(|(m, _)| (m.at, m.id));
    let ledger = Ledger::from_movements(labelled.iter().map(|(m, _)| m.clone()));
    let mut by_part: BTreeMap<PartId, Vec<&(Movement, String)>> = BTreeMap::new();
    for entry in &labelled {
        by_part.entry(entry.0.part).or_default().push(entry);
    }
    let mut out = Vec::new();
    for (part, movements) in by_part {
        let quantity = ledger.balance(part, van);
        let catalog = parts.iter().find(|p| p.id == part);
        // Into the van (or a count's signed adjustment there) adds; out of it takes away.
        let signed = |m: &Movement| {
            if m.kind == MovementKind::CountAdjustment || m.to == Some(van) {
                m.quantity
            } else {
                -m.quantity
            }
        };
        let shortfall = (quantity < 0).then(|| {
            let used: i64 = movements
                .iter()
                .filter(|(m, _)| m.kind == MovementKind::Use)
                .map(|(m, _)| m.quantity)
                .sum();
            let mut orders: Vec<String> = Vec::new();
            for (m, label) in &movements {
                if m.kind == MovementKind::Use && !orders.contains(label) {
                    orders.push(label.clone());
                }
            }
            Shortfall {
                received: quantity + used,
                used,
                orders,
            }
        });
        out.push(VanPart {
            part_id: part.to_string(),
            // A part the catalog no longer lists is named by its id.
            part_number: catalog.map_or_else(|| part.to_string(), |p| p.number.clone()),
            part_name: catalog.map(|p| p.name.clone()).unwrap_or_default(),
            quantity,
            movements: movements
                .iter()
                .map(|(m, label)| VanMovement {
                    id: m.id.to_string(),
                    kind: m.kind,
                    quantity: signed(m),
                    label: label.clone(),
                    at: m.at.to_rfc3339(),
                })
                .collect(),
            shortfall,
        });
    }
    out
}

fn client(app: &App) -> Result<SyncClient, CommandError> {
    app.with_store(|store| {
        SyncClient::from_store(store)
            .map_err(store_err)?
            .ok_or_else(CommandError::not_signed_in)
    })
}

/// The office's requisition queues, with what the signed-in user may do on each.
pub async fn office_requisitions(app: &App) -> Result<RequisitionQueue, CommandError> {
    Ok(client(app)?.office_get("/v1/office/requisitions").await?)
}

/// One desk action on a requisition, judged on the server; answers the queues after it.
pub async fn office_requisition_action(
    app: &App,
    id: &str,
    action: RequisitionAction,
) -> Result<RequisitionQueue, CommandError> {
    let id: RequisitionId = parse_id("requisition", id)?;
    let client = client(app)?;
    let _: serde_json::Value = client
        .office_post(&format!("/v1/office/requisitions/{id}"), &action)
        .await?;
    // The document's new state reaches this device (and the requester's) by sync.
    app.sync.nudge();
    Ok(client.office_get("/v1/office/requisitions").await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use onsite_core::ids::{MovementId, UserId};

    const VAN: LocationId = LocationId(uuid::Uuid::from_u128(10));
    const WAREHOUSE: LocationId = LocationId(uuid::Uuid::from_u128(11));
    const PART: PartId = PartId(uuid::Uuid::from_u128(500));

    fn mv(
        seed: u128,
        kind: MovementKind,
        quantity: i64,
        from: Option<LocationId>,
        to: Option<LocationId>,
        label: &str,
    ) -> (Movement, String) {
        let m = Movement {
            id: MovementId(uuid::Uuid::from_u128(seed)),
            at: chrono::Utc
                .timestamp_opt(1_700_000_000 + seed as i64, 0)
                .single()
                .unwrap_or_default(),
            by: UserId(uuid::Uuid::from_u128(1)),
            kind,
            part: PART,
            quantity,
            from,
            to,
            serials: vec![],
            reason: String::new(),
            reference: None,
        };
        (m, label.to_string())
    }

    #[test]
    fn a_van_below_zero_says_what_was_used_on_which_orders_and_what_arrived() {
        let movements = vec![
            mv(
                1,
                MovementKind::Issue,
                2,
                Some(WAREHOUSE),
                Some(VAN),
                "RQ-1",
            ),
            mv(2, MovementKind::Use, 2, Some(VAN), None, "WO-7"),
            mv(3, MovementKind::Use, 1, Some(VAN), None, "WO-8"),
            // The same use seen through a second copy of the order counts once.
            mv(3, MovementKind::Use, 1, Some(VAN), None, "WO-8"),
            mv(4, MovementKind::Receive, 9, None, Some(WAREHOUSE), "DN-1"),
        ];
        let parts = van_parts(movements, VAN, &[]);
        assert_eq!(parts.len(), 1, "one part in the van");
        let p = &parts[0];
        assert_eq!(p.quantity, -1, "2 issued, 3 used");
        assert_eq!(
            p.movements.iter().map(|m| (m.quantity, m.label.as_str())).collect::<Vec<_>>(),
            vec![(2, "RQ-1"), (-2, "WO-7"), (-1, "WO-8")],
            "the movements behind the figure, oldest first; the warehouse's receipt is not the van's"
        );
        let s = p
            .shortfall
            .as_ref()
            .map(|s| (s.received, s.used, s.orders.clone()));
        assert_eq!(
            s,
            Some((2, 3, vec!["WO-7".to_string(), "WO-8".to_string()]))
        );
    }

    #[test]
    fn a_van_at_or_above_zero_has_no_shortfall() {
        let movements = vec![
            mv(
                1,
                MovementKind::Issue,
                2,
                Some(WAREHOUSE),
                Some(VAN),
                "RQ-1",
            ),
            mv(
                2,
                MovementKind::Return,
                1,
                Some(VAN),
                Some(WAREHOUSE),
                "RQ-1",
            ),
        ];
        let parts = van_parts(movements, VAN, &[]);
        assert_eq!(parts[0].quantity, 1);
        assert!(parts[0].shortfall.is_none());
    }
}
