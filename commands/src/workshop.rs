//! The workshop (维修车间) for mail-in 寄修 and carry-in 送修 products: the desk's list of
//! products received and not yet returned, each with its clock (the mail-in inspection
//! within 24 h), and `receive_product`, which records a product's arrival with the photo
//! of its condition (mail-in) or the customer's signature at the counter (carry-in).

use chrono::{DateTime, Utc};
use onsite_core::doc::order::OrderOp;
use onsite_core::ids::{OrderId, RecordId};
use onsite_core::lifecycle::OrderState;
use onsite_core::records::request::ServiceMode;
use onsite_core::records::signature::SignatureCapture;
use onsite_core::sla;
use onsite_device::OrderFilter;
use serde::Serialize;

use crate::error::CommandError;
use crate::list::SlaStatus;
use crate::order::{edit, OrderDetail};
use crate::signoff::SignatureInput;
use crate::{parse_id, App};

/// One product in the workshop.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct WorkshopItem {
    /// Order id.
    pub id: String,
    /// Order number.
    pub number: String,
    /// Mail-in or carry-in.
    pub mode: ServiceMode,
    /// Where the order stands.
    pub state: OrderState,
    /// Customer.
    pub customer_name: String,
    /// Product model and serial.
    pub product: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The assigned technician's name, if any.
    pub assignee_name: Option<String>,
    /// The mail-in inspection clock (24 h from receipt), while it matters.
    pub clock: Option<WorkshopClock>,
}

/// A workshop product's clock.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct WorkshopClock {
    /// The clock (`mail_in_inspection`): i18n key `sla.clock.<name>`.
    pub kind: sla::ClockKind,
    /// Its status now.
    pub status: SlaStatus,
    /// Its deadline.
    pub deadline: DateTime<Utc>,
    /// Still running (not inspected yet).
    pub running: bool,
}

/// The states a received product is in until it leaves the workshop.
const IN_WORKSHOP: [OrderState; 7] = [
    OrderState::Received,
    OrderState::PlanAgreed,
    OrderState::InRepair,
    OrderState::Tested,
    OrderState::SignedOff,
    OrderState::ShippedBack,
    OrderState::OnHold,
];

/// Every mail-in and carry-in product received and not yet closed, oldest first.
#[tracing::instrument(skip_all)]
pub fn workshop(app: &App) -> Result<Vec<WorkshopItem>, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let names = crate::reference::people(store)?;
        let rules = crate::rules_of(store);
        let rows = store.order_list(&OrderFilter {
            states: IN_WORKSHOP.iter().map(|s| s.as_str().to_string()).collect(),
            assignee: None,
            unassigned: false,
            from: None,
            to: None,
            due_before: None,
            sla: None,
            text: None,
            now: now.timestamp_millis(),
            limit: 2_000,
        })?;
        let mut out = Vec::new();
        for row in rows {
            let id: OrderId = parse_id("order", &row.order_id)?;
            let order = store.order(id)?;
            let Some(receipt) = order
                .receipt
                .as_ref()
                .filter(|_| order.mode != ServiceMode::OnSite)
            else {
                continue;
            };
            let settings = &rules.for_order_doc(&order).settings;
            let clock = sla::evaluate_order(&order, settings, &rules.calendar, now)
                .into_iter()
                .find(|c| c.kind == sla::ClockKind::MailInInspection)
                .map(|c| WorkshopClock {
                    kind: c.kind,
                    status: SlaStatus::from(c.status),
                    deadline: c.deadline,
                    running: c.running,
                });
            out.push(WorkshopItem {
                id: row.order_id,
                number: order.number.clone(),
                mode: order.mode,
                state: order.state,
                customer_name: order.customer.name.clone(),
                product: format!("{} {}", order.product.model, order.product.serial)
                    .trim()
                    .to_string(),
                received_at: receipt.at,
                assignee_name: order
                    .assignee
                    .and_then(|a| names.get(&a.to_string()).cloned()),
                clock,
            });
        }
        out.sort_by_key(|i| i.received_at);
        Ok(out)
    })
}

/// Records the product's arrival: its condition, the photo of it (a hash from
/// `add_photo`) and, at a carry-in counter, the customer's signature strokes.
#[tracing::instrument(skip_all, fields(order = %id))]
pub fn receive_product(
    app: &App,
    id: &str,
    condition: &str,
    photo: Option<String>,
    signer: Option<&str>,
    signature: Option<&SignatureInput>,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", id)?;
    edit(app, id, |store| {
        let signature = match signature.filter(|s| !s.strokes.is_empty()) {
            Some(s) => {
                let strokes = serde_json::to_vec(s)
                    .map_err(|e| CommandError::new("errors.input.bad_signature", e.to_string()))?;
                let stored = store.add_signature(&strokes)?;
                Some(SignatureCapture {
                    id: RecordId::new_at(app.now()),
                    signer: signer.unwrap_or_default().trim().to_string(),
                    signature_blob: stored.strokes,
                })
            }
            None => None,
        };
        Ok(OrderOp::Receive {
            condition: condition.trim().to_string(),
            photo,
            signature,
        })
    })
}
