//! The order list (`list_orders`): every filter is applied in SQL, before the limit, so
//! an office device holding thousands of orders never loses the ones asked for.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use onsite_core::lifecycle::OrderState;
use onsite_device::{OrderFilter, SlaFilter};
use serde::{Deserialize, Serialize};

use crate::error::CommandError;
use crate::reference::people;
use crate::{instant, App};

/// What the UI asks of the order list. Empty filters match everything.
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(optional_fields)]
pub struct OrderQuery {
    /// Order states to include; empty means all.
    pub states: Vec<OrderState>,
    /// A technician's user id.
    pub assignee: Option<String>,
    /// Only unassigned orders (dispatch board).
    pub unassigned: bool,
    /// Only orders with this SLA status now.
    #[ts(as = "Option<SlaStatus>")]
    pub sla: Option<SlaFilter>,
    /// Customer name, phone, address, serial, model or order number.
    pub text: Option<String>,
    /// Scheduled (or, unscheduled, created) on or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// …and before this instant.
    pub to: Option<DateTime<Utc>>,
    /// At most this many rows (500 when absent).
    pub limit: Option<u32>,
}

/// SLA status as lists and the order page show it (mirrors the device's `SlaFilter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// Running, neither at risk nor breached (or met).
    OnTrack,
    /// Under the at-risk threshold.
    AtRisk,
    /// Past its deadline.
    Breached,
    /// Paused.
    Paused,
}

impl From<SlaFilter> for SlaStatus {
    fn from(f: SlaFilter) -> Self {
        match f {
            SlaFilter::OnTrack => SlaStatus::OnTrack,
            SlaFilter::AtRisk => SlaStatus::AtRisk,
            SlaFilter::Breached => SlaStatus::Breached,
            SlaFilter::Paused => SlaStatus::Paused,
        }
    }
}

impl From<onsite_core::sla::SlaStatus> for SlaStatus {
    /// The UI speaks of lists' "on track"; a clock that is met is on track.
    fn from(s: onsite_core::sla::SlaStatus) -> Self {
        use onsite_core::sla::SlaStatus as S;
        match s {
            S::Met => SlaStatus::OnTrack,
            S::AtRisk => SlaStatus::AtRisk,
            S::Breached => SlaStatus::Breached,
            S::Paused => SlaStatus::Paused,
        }
    }
}

/// An agreed visit window.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Window {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// Sign-off status of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SignOffState {
    /// Not signed.
    None,
    /// Signed, and the signature covers the order as it is.
    Valid,
    /// Signed, but work, parts or fee changed since.
    Void,
}

/// One row of an order list.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct OrderListItem {
    /// Order id.
    pub id: String,
    /// Human number.
    pub number: String,
    /// Lifecycle state.
    pub state: OrderState,
    /// Assigned technician's user id.
    pub assignee: Option<String>,
    /// Their name, from the staff list.
    pub assignee_name: Option<String>,
    /// Customer.
    pub customer_name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Product model.
    pub product_model: String,
    /// Serial.
    pub serial: String,
    /// The agreed visit window.
    pub window: Option<Window>,
    /// The earliest running SLA deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// SLA status now.
    pub sla: Option<SlaStatus>,
    /// Sign-off status.
    pub sign_off: SignOffState,
    /// Open (unresolved) flags.
    pub open_flags: u32,
    /// This device has changes to the order the server has not acknowledged yet.
    pub unsent: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn sign_off_state(stored: &str) -> SignOffState {
    match stored {
        "valid" => SignOffState::Valid,
        "void" => SignOffState::Void,
        _ => SignOffState::None,
    }
}

fn state_of(stored: &str, order: &str) -> Result<OrderState, CommandError> {
    serde_json::from_value(serde_json::Value::from(stored)).map_err(|_| {
        CommandError::new(
            "errors.storage.corrupt",
            format!("order {order}: unknown state {stored:?} in the list"),
        )
    })
}

/// The order list, soonest due first.
#[tracing::instrument(skip_all)]
pub fn list_orders(app: &App, query: &OrderQuery) -> Result<Vec<OrderListItem>, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let names = people(store)?;
        let unsent: BTreeSet<String> = store.pending()?.into_iter().map(|p| p.doc_id).collect();
        let filter = OrderFilter {
            states: query
                .states
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            assignee: query.assignee.clone(),
            unassigned: query.unassigned,
            from: query.from.map(|f| f.timestamp_millis()),
            to: query.to.map(|t| t.timestamp_millis()),
            due_before: None,
            sla: query.sla,
            text: query.text.clone().filter(|t| !t.trim().is_empty()),
            now: now.timestamp_millis(),
            limit: query.limit.map_or(500, |l| l as usize),
        };
        let rows = store.order_list(&filter)?;
        rows.into_iter()
            .map(|r| {
                let id = r.order_id.clone();
                Ok(OrderListItem {
                    unsent: unsent.contains(&r.order_id),
                    sla: r.sla_status(now.timestamp_millis()).map(SlaStatus::from),
                    assignee_name: r.assignee.as_ref().and_then(|a| names.get(a).cloned()),
                    state: state_of(&r.state, &id)?,
                    window: match r.window {
                        Some((s, e)) => Some(Window {
                            start: instant(s, &format!("order {id} window"))?,
                            end: instant(e, &format!("order {id} window"))?,
                        }),
                        None => None,
                    },
                    due_at: r
                        .due_at
                        .map(|d| instant(d, &format!("order {id} due time")))
                        .transpose()?,
                    sign_off: sign_off_state(&r.sign_off),
                    open_flags: u32::try_from(r.open_flags).unwrap_or(0),
                    updated_at: instant(r.updated_at, &format!("order {id} update time"))?,
                    id: r.order_id,
                    number: r.number,
                    assignee: r.assignee,
                    customer_name: r.customer_name,
                    phone: r.phone,
                    address: r.address,
                    product_model: r.product_model,
                    serial: r.serial,
                })
            })
            .collect()
    })
}
