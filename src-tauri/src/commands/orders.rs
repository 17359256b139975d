//! Order commands: the list, the order page, every edit of an order (ops, parts, photos,
//! the sign-off) and office intake. Each edit is one committed local transaction and
//! nudges the background sync.

use std::collections::{BTreeSet, HashMap};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use onsite_core::doc::conflicts;
use onsite_core::doc::order::{NewOrder, OrderDoc, OrderOp};
use onsite_core::ids::{CustomerId, OrderId, PartId, RecordId, RequestId};
use onsite_core::lifecycle::{self, OrderState, Transition};
use onsite_core::records::request::{
    Channel, Classification, Customer, CustomerTier, Priority, Product, ServiceMode, ServiceRequest,
};
use onsite_core::role::Role;
use onsite_core::signoff::{self, SignOffStatus};
use onsite_core::{ops, sla, warranty};
use onsite_device::{DocKind, OrderFilter, SlaFilter, Store};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::reference::{my_van, people};
use crate::error::CommandError;
use crate::AppState;

/// What the UI asks of the order list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderQuery {
    states: Vec<OrderState>,
    assignee: Option<String>,
    unassigned: bool,
    sla: Option<SlaFilter>,
    text: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: Option<usize>,
}

/// An agreed visit window.
#[derive(Debug, Serialize)]
pub struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// One row of an order list.
#[derive(Debug, Serialize)]
pub struct OrderListItem {
    id: String,
    number: String,
    state: String,
    assignee: Option<String>,
    assignee_name: Option<String>,
    customer_name: String,
    phone: String,
    address: String,
    product_model: String,
    serial: String,
    window: Option<Window>,
    due_at: Option<DateTime<Utc>>,
    sla: Option<SlaFilter>,
    sign_off: String,
    open_flags: i64,
    unsent: bool,
    updated_at: DateTime<Utc>,
}

fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The order list, newest first within the store's own ordering (due time).
#[tauri::command]
pub fn list_orders(
    state: State<'_, AppState>,
    query: OrderQuery,
) -> Result<Vec<OrderListItem>, CommandError> {
    let now = Utc::now();
    state.with_store(|store| {
        let names = people(store)?;
        let unsent: BTreeSet<String> = store.pending()?.into_iter().map(|p| p.doc_id).collect();
        let filter = OrderFilter {
            states: query
                .states
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            assignee: query.assignee.clone(),
            due_before: None,
            sla: query.sla,
            text: query.text.clone().filter(|t| !t.trim().is_empty()),
            now: now.timestamp_millis(),
            limit: query.limit.unwrap_or(500),
        };
        let rows = store.order_list(&filter)?;
        Ok(rows
            .into_iter()
            .filter(|r| !query.unassigned || r.assignee.is_none())
            .filter(|r| {
                // The day's range applies to the visit window, or to intake time if none.
                let at = r.window.map(|w| w.0).unwrap_or(r.created_at);
                query.from.is_none_or(|f| at >= f.timestamp_millis())
                    && query.to.is_none_or(|t| at < t.timestamp_millis())
            })
            .map(|r| OrderListItem {
                unsent: unsent.contains(&r.order_id),
                sla: r.sla_status(now.timestamp_millis()),
                assignee_name: r.assignee.as_ref().and_then(|a| names.get(a).cloned()),
                id: r.order_id,
                number: r.number,
                state: r.state,
                assignee: r.assignee,
                customer_name: r.customer_name,
                phone: r.phone,
                address: r.address,
                product_model: r.product_model,
                serial: r.serial,
                window: r.window.map(|(s, e)| Window {
                    start: instant(s),
                    end: instant(e),
                }),
                due_at: r.due_at.map(instant),
                sign_off: r.sign_off,
                open_flags: r.open_flags,
                updated_at: instant(r.updated_at),
            })
            .collect())
    })
}

/// One SLA clock as the order page shows it.
#[derive(Debug, Serialize)]
pub struct ClockView {
    clock: serde_json::Value,
    status: SlaFilter,
    deadline: DateTime<Utc>,
    running: bool,
}

/// A field with concurrent values a person must decide between.
#[derive(Debug, Serialize)]
pub struct ConflictView {
    field: String,
    values: Vec<String>,
}

/// One change in the order's history: who, in which role, what, when, on which device.
#[derive(Debug, Serialize)]
pub struct ChangeView {
    at: DateTime<Utc>,
    by: String,
    role: Option<Role>,
    op: String,
    device: String,
}

/// A change of this device the server held back, and why.
#[derive(Debug, Serialize)]
pub struct QuarantineView {
    code: String,
    reason: String,
}

/// Everything the order page shows.
#[derive(Debug, Serialize)]
pub struct OrderDetail {
    order: OrderDoc,
    clocks: Vec<ClockView>,
    sign_off: &'static str,
    conflicts: Vec<ConflictView>,
    warranty: warranty::WarrantyStatus,
    chargeable: bool,
    allowed: Vec<&'static str>,
    people: HashMap<String, String>,
    changes: Vec<ChangeView>,
    unsent: bool,
    quarantined: Option<QuarantineView>,
}

fn parse_id<T: std::str::FromStr>(what: &str, id: &str) -> Result<T, CommandError> {
    id.parse().map_err(|_| {
        CommandError::new(
            "errors.input.bad_id",
            format!("{what} id {id:?} is not a UUID"),
        )
    })
}

/// The ops the visit and office screens offer, in the visit's order, with the lifecycle
/// transition each is checked as.
fn candidates() -> Vec<(&'static str, Transition)> {
    vec![
        ("dispatch", Transition::Dispatch),
        ("assign", Transition::Assign),
        ("schedule", Transition::Schedule),
        ("log_contact", Transition::LogContact { reached: true }),
        ("check_in", Transition::CheckIn),
        ("show_work_id", Transition::ShowWorkId),
        ("confirm_fault", Transition::ConfirmFault),
        ("record_diagnosis", Transition::RecordDiagnosis),
        ("approve_plan", Transition::ApprovePlan),
        ("add_repair_step", Transition::AddRepairStep),
        ("use_part", Transition::UsePart),
        ("remove_part", Transition::RemovePart),
        ("add_photo", Transition::AddPhoto),
        ("record_test", Transition::RecordTest { passed: true }),
        ("sign_off", Transition::SignOff),
        ("object", Transition::Object),
        ("check_out", Transition::CheckOut),
        ("close", Transition::Close),
        ("hold", Transition::Hold { reason: "-".into() }),
        ("resume", Transition::Resume),
        ("cancel", Transition::Cancel { reason: "-".into() }),
        ("reopen", Transition::Reopen { reason: "-".into() }),
        ("comment", Transition::Comment),
        ("resolve_flag", Transition::ResolveFlag),
    ]
}

fn detail(state: &AppState, store: &mut Store, id: OrderId) -> Result<OrderDetail, CommandError> {
    let actor = state.actor(store)?;
    let order = store.order(id)?;
    let now = Utc::now();
    let key = id.to_string();
    let (conflicts, changes) = store.read(DocKind::Order, &key, |doc| {
        let conflicts = conflicts::conflicts(doc)
            .into_iter()
            .filter(|c| c.field.needs_decision())
            .map(|c| ConflictView {
                field: serde_json::to_value(&c.field)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| c.path.clone()),
                values: c.values,
            })
            .collect::<Vec<_>>();
        let changes = doc
            .get_changes(&[])
            .into_iter()
            .map(|c| {
                let message = c.message().unwrap_or_default().to_string();
                let (op, role, by) = match ops::parse_message(&message) {
                    Some((op, role, user)) => (op, Some(role), user.to_string()),
                    None => (
                        message.split(' ').next().unwrap_or_default().to_string(),
                        None,
                        ops::SERVER_ATTRIBUTION.to_string(),
                    ),
                };
                ChangeView {
                    at: Utc
                        .timestamp_opt(c.timestamp(), 0)
                        .single()
                        .unwrap_or_default(),
                    by,
                    role,
                    op,
                    device: c.actor_id().to_hex_string().chars().take(8).collect(),
                }
            })
            .collect::<Vec<_>>();
        (conflicts, changes)
    })?;
    let mut allowed: Vec<&'static str> = candidates()
        .into_iter()
        .filter(|(_, t)| lifecycle::check(&order, t, &actor, &state.settings).is_ok())
        .map(|(name, _)| name)
        .collect();
    // Consent is checked on the order as it would be with the consent recorded, so try
    // it on a copy rather than asking the lifecycle about the order as it is.
    let consent = OrderOp::RecordConsent {
        customer_name: "-".into(),
        fee_agreed: order
            .diagnosis
            .as_ref()
            .map(|d| d.estimated_fee.clone())
            .filter(|_| order.is_chargeable()),
    };
    if order.clone().apply(&consent, &state.ctx(actor)).is_ok() {
        let at = allowed
            .iter()
            .position(|a| *a == "add_repair_step")
            .unwrap_or(allowed.len());
        allowed.insert(at, "record_consent");
    }
    let unsent = store.pending()?.iter().any(|p| p.doc_id == key);
    let quarantined = crate::sync_loop::quarantine_notices(store)?
        .remove(&key)
        .map(|reason| QuarantineView {
            code: "errors.sync.quarantined".into(),
            reason,
        });
    let clocks = sla::evaluate_order(&order, &state.settings, &state.calendar, now)
        .into_iter()
        .map(|c| ClockView {
            clock: serde_json::to_value(c.kind).unwrap_or_default(),
            // The UI speaks of lists' "on track"; a clock that is met is on track.
            status: match c.status {
                sla::SlaStatus::Met => SlaFilter::OnTrack,
                sla::SlaStatus::AtRisk => SlaFilter::AtRisk,
                sla::SlaStatus::Breached => SlaFilter::Breached,
                sla::SlaStatus::Paused => SlaFilter::Paused,
            },
            deadline: c.deadline,
            running: c.running,
        })
        .collect();
    Ok(OrderDetail {
        clocks,
        sign_off: match signoff::status(&order) {
            SignOffStatus::Unsigned => "none",
            SignOffStatus::Valid => "valid",
            SignOffStatus::Void => "void",
        },
        conflicts,
        warranty: warranty::status(
            order.product.purchase_date,
            now.date_naive(),
            state.settings.warranty_years,
        ),
        chargeable: order.is_chargeable(),
        allowed,
        people: people(store)?,
        changes,
        unsent,
        quarantined,
        order,
    })
}

#[tauri::command]
pub fn get_order(state: State<'_, AppState>, id: String) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", &id)?;
    state.with_store(|store| detail(&state, store, id))
}

/// Applies one edit and answers with the order after it.
fn edit(
    state: &AppState,
    id: OrderId,
    make: impl FnOnce(&mut Store) -> Result<OrderOp, CommandError>,
) -> Result<OrderDetail, CommandError> {
    let out = state.with_store(|store| {
        let op = make(store)?;
        let actor = state.actor(store)?;
        let ctx = state.ctx(actor);
        store.apply_order(id, &op, &ctx)?;
        detail(state, store, id)
    })?;
    state.sync.nudge();
    Ok(out)
}

#[tauri::command]
pub fn order_op(
    state: State<'_, AppState>,
    id: String,
    op: OrderOp,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", &id)?;
    if matches!(
        op,
        OrderOp::UsePart { .. } | OrderOp::SignOff { .. } | OrderOp::AddPhoto { .. }
    ) {
        // These need the catalog, the van or a stored blob: their own commands fill them in.
        return Err(CommandError::new(
            "errors.input.use_dedicated_command",
            "parts, photos and sign-offs have their own commands",
        ));
    }
    edit(&state, id, |_| Ok(op))
}

/// Records a part taken from this technician's van.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub fn use_part(
    state: State<'_, AppState>,
    id: String,
    record_id: String,
    part_id: String,
    quantity: u32,
    serials_new: Vec<String>,
    serials_old: Vec<String>,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", &id)?;
    let record: RecordId = parse_id("record", &record_id)?;
    let part_id: PartId = parse_id("part", &part_id)?;
    edit(&state, id, |store| {
        let reference = super::reference::reference(store)?;
        let part = reference
            .parts
            .iter()
            .find(|p| p.id == part_id)
            .ok_or_else(|| {
                CommandError::new(
                    "errors.parts.unknown",
                    format!("part {part_id} is not in the catalog"),
                )
            })?;
        let actor = state.actor(store)?;
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
            quantity,
            serials_new: clean(serials_new),
            serials_old: clean(serials_old),
            location: van,
        })
    })
}

/// Adds a photo: re-encoded without EXIF and thumbnailed on the device, then referenced.
#[tauri::command]
pub fn add_photo(
    state: State<'_, AppState>,
    id: String,
    bytes: Vec<u8>,
    caption: String,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", &id)?;
    edit(&state, id, |store| {
        let photo = store.add_photo(&bytes)?;
        Ok(OrderOp::AddPhoto {
            hash: photo.hash,
            caption: caption.trim().to_string(),
        })
    })
}

/// Stores the customer's signature strokes (and their rendering) and signs off.
#[tauri::command]
pub fn sign_off(
    state: State<'_, AppState>,
    id: String,
    signature: serde_json::Value,
    signer: String,
    rating: Option<u8>,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", &id)?;
    let empty = signature["strokes"].as_array().is_none_or(|s| s.is_empty());
    if empty {
        return Err(CommandError::new(
            "errors.signoff.no_signature",
            "the customer has not signed",
        ));
    }
    if signer.trim().is_empty() {
        return Err(CommandError::new(
            "errors.signoff.no_signer",
            "the signer's name is missing",
        ));
    }
    edit(&state, id, |store| {
        let strokes = serde_json::to_vec(&signature)
            .map_err(|e| CommandError::new("errors.input.bad_signature", e.to_string()))?;
        let signature = store.add_signature(&strokes)?;
        Ok(OrderOp::SignOff {
            signer: signer.trim().to_string(),
            rating,
            signature_blob: signature.strokes,
        })
    })
}

/// A photo, thumbnail or signature as a `data:` URL; None if this device lacks it.
#[tauri::command]
pub fn blob_url(
    state: State<'_, AppState>,
    hash: String,
    thumbnail: bool,
) -> Result<Option<String>, CommandError> {
    state.with_store(|store| {
        let Some(meta) = store.blob_meta(&hash)? else {
            return Ok(None);
        };
        let shown = match meta.kind.as_str() {
            // The order references the strokes; the screen shows their rendering,
            // made here if this device only received the strokes.
            "signature_strokes" => match store.derived_blob(&hash, "signature_png")? {
                Some(png) => png,
                None => store.add_signature(&store.read_blob(&hash)?)?.png,
            },
            "photo" if thumbnail => store.derived_blob(&hash, "thumbnail")?.unwrap_or(hash),
            _ => hash,
        };
        let Some(shown_meta) = store.blob_meta(&shown)? else {
            return Ok(None);
        };
        let bytes = store.read_blob(&shown)?;
        Ok(Some(format!(
            "data:{};base64,{}",
            shown_meta.media_type,
            B64.encode(bytes)
        )))
    })
}

/// A request as the office takes it in.
#[derive(Debug, Deserialize)]
pub struct Intake {
    channel: Channel,
    customer: IntakeCustomer,
    product: IntakeProduct,
    fault_code: String,
    description: String,
    mode: ServiceMode,
    priority: Priority,
}

#[derive(Debug, Deserialize)]
pub struct IntakeCustomer {
    name: String,
    phone: String,
    address: String,
    #[serde(default)]
    key_account: bool,
}

#[derive(Debug, Deserialize)]
pub struct IntakeProduct {
    model: String,
    serial: String,
    purchase_date: Option<NaiveDate>,
}

/// Office intake: a new repair order, or with `answer` a consultation answered and
/// closed on the spot.
#[tauri::command]
pub fn create_order(
    state: State<'_, AppState>,
    intake: Intake,
    answer: Option<String>,
) -> Result<OrderDetail, CommandError> {
    let missing = |field: &str| {
        CommandError::new(
            "errors.intake.missing_field",
            format!("{field} is required"),
        )
        .with("field", field)
    };
    if intake.customer.name.trim().is_empty() {
        return Err(missing("customer_name"));
    }
    if intake.customer.phone.trim().is_empty() {
        return Err(missing("customer_phone"));
    }
    if intake.description.trim().is_empty() {
        return Err(missing("description"));
    }
    let answer = answer
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    let now = Utc::now();
    let id = OrderId::new_at(now);
    let new = NewOrder {
        id,
        number: format!(
            "WO-{}-{}",
            now.format("%Y%m%d"),
            &id.to_string().replace('-', "")[20..26].to_uppercase()
        ),
        request: ServiceRequest {
            id: RequestId::new_at(now),
            channel: intake.channel,
            classification: if answer.is_some() {
                Classification::Consultation
            } else {
                Classification::Repair
            },
            received_at: now,
            description: intake.description.trim().to_string(),
            fault_since: None,
            external_damage: String::new(),
        },
        customer: Customer {
            id: CustomerId::new_at(now),
            name: intake.customer.name.trim().to_string(),
            phone: intake.customer.phone.trim().to_string(),
            address: intake.customer.address.trim().to_string(),
            tier: if intake.customer.key_account {
                CustomerTier::KeyAccount
            } else {
                CustomerTier::Regular
            },
        },
        product: Product {
            model: intake.product.model.trim().to_string(),
            serial: intake.product.serial.trim().to_string(),
            purchase_date: intake.product.purchase_date,
            delivered_on: None,
        },
        mode: intake.mode,
        priority: intake.priority,
        fault_code: intake.fault_code.trim().to_string(),
        customer_damage: false,
        prior_repairs: vec![],
    };
    let out = state.with_store(|store| {
        let actor = state.actor(store)?;
        let ctx = state.ctx(actor);
        store.create_order(new, &ctx)?;
        if let Some(answer) = answer {
            store.apply_order(id, &OrderOp::AnswerConsultation { answer }, &ctx)?;
        }
        detail(&state, store, id)
    })?;
    state.sync.nudge();
    Ok(out)
}

/// Warranty and chargeability for a purchase date, shown live on the intake form.
#[derive(Debug, Serialize)]
pub struct WarrantyCheck {
    warranty: warranty::WarrantyStatus,
    chargeable: bool,
}

#[tauri::command]
pub fn check_warranty(
    state: State<'_, AppState>,
    purchase_date: Option<NaiveDate>,
) -> WarrantyCheck {
    let status = warranty::status(
        purchase_date,
        Utc::now().date_naive(),
        state.settings.warranty_years,
    );
    WarrantyCheck {
        chargeable: !matches!(status, warranty::WarrantyStatus::InWarranty { .. }),
        warranty: status,
    }
}
