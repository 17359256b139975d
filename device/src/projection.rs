//! From a document to its projection rows: the adapter between onsite-core's document
//! schema (hydrated with [`onsite_core::ops::hydrate`]) and the device's plain tables.
//! Pure: no SQL here. Every value written is a function of the document (and the
//! company settings and calendar) alone, never of the clock, so a rebuild at any later
//! time gives the same rows; SLA status is evaluated at query time from stored instants.

use automerge::Automerge;
use onsite_core::doc::complaint::ComplaintDoc;
use onsite_core::doc::requisition::RequisitionDoc;
use onsite_core::follow_ups::CustomerOrder;
use onsite_core::signoff::SignOffStatus;
use onsite_core::sla::{self, SlaStatus};
use onsite_core::stock::{Movement, MovementKind};
use onsite_core::summary::OrderSummary;
use onsite_core::{Calendar, CompanyRules, DomainError, OrderDoc, Settings};

use crate::store::clocks::ClockRow;
use crate::store::documents::DocKind;
use crate::store::orders::{OrderRow, SlaRow};
use crate::store::stock::MovementRow;

/// What projections need besides the document: the company settings (every version, as
/// each order keeps the one it was created under) and calendar the SLA clocks are
/// computed with (reference data from the server).
#[derive(Debug, Clone)]
pub struct Projector {
    /// The company's settings versions and calendar.
    pub rules: CompanyRules,
    /// Unit tests of the storage layer use raw Automerge documents: no projections.
    #[cfg(test)]
    pub(crate) raw: bool,
}

impl Projector {
    /// Projections computed with `rules`.
    pub fn new(rules: CompanyRules) -> Self {
        Self {
            rules,
            #[cfg(test)]
            raw: false,
        }
    }
}

impl Default for Projector {
    /// The regulation's figures, until the device's first reference data arrives.
    fn default() -> Self {
        Self::new(CompanyRules::regulation())
    }
}

/// The rows one document contributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    /// The order list row (order documents only).
    pub order: Option<OrderRow>,
    /// Stock movement legs recorded in the document.
    pub movements: Vec<MovementRow>,
    /// Its running SLA clocks (orders and complaints), for the SLA board.
    pub clocks: Vec<ClockRow>,
    /// Its customer, for the follow-up queue (order documents only).
    pub customer: Option<CustomerOrder>,
}

/// Why a document could not be projected.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Written by a newer Onsite: store it, but it cannot be listed until an update.
    #[error("{0}")]
    TooNew(DomainError),
    /// Not a readable document of its kind.
    #[error("{0}")]
    Unreadable(DomainError),
}

fn hydrate<D: onsite_core::doc::Document>(doc: &Automerge) -> Result<D, ProjectError> {
    onsite_core::ops::hydrate::<D>(doc).map_err(|e| match e {
        DomainError::SchemaTooNew { .. } => ProjectError::TooNew(e),
        e => ProjectError::Unreadable(e),
    })
}

/// A typed document that knows its projection rows.
pub trait Projectable {
    /// The rows this document contributes.
    fn projection(&self, projector: &Projector) -> Projection;
}

impl Projectable for OrderDoc {
    fn projection(&self, projector: &Projector) -> Projection {
        let settings = &projector.rules.for_order_doc(self).settings;
        let clocks = sla::order_clocks(self, settings, &projector.rules.calendar);
        Projection {
            customer: Some(CustomerOrder::of(self, settings, &projector.rules.calendar)),
            order: Some(order_row(projector, self)),
            movements: legs(self.stock_movements()),
            clocks: clock_rows(
                &clocks,
                &Labels {
                    doc_kind: "order",
                    doc_id: self.id.to_string(),
                    number: self.number.clone(),
                    customer: self.customer.name.clone(),
                    assignee: self.assignee.map(|u| u.to_string()),
                },
            ),
        }
    }
}

impl Projectable for RequisitionDoc {
    fn projection(&self, _: &Projector) -> Projection {
        Projection {
            movements: legs(self.stock_movements()),
            ..Projection::default()
        }
    }
}

impl Projectable for ComplaintDoc {
    fn projection(&self, projector: &Projector) -> Projection {
        // A complaint runs under the settings in force when it was received.
        let settings = &projector.rules.in_force_at(self.received_at).settings;
        let clocks = sla::complaint_clocks(self, settings, &projector.rules.calendar);
        Projection {
            clocks: clock_rows(
                &clocks,
                &Labels {
                    doc_kind: "complaint",
                    doc_id: self.id.to_string(),
                    number: self.number.clone(),
                    customer: self.complainant.clone(),
                    assignee: self.owner.map(|u| u.to_string()),
                },
            ),
            ..Projection::default()
        }
    }
}

/// What the SLA board shows beside each clock of one document.
struct Labels {
    doc_kind: &'static str,
    doc_id: String,
    number: String,
    customer: String,
    assignee: Option<String>,
}

/// The board's rows: the clocks still running (a stopped clock is history, not work).
fn clock_rows(clocks: &[sla::Clock], labels: &Labels) -> Vec<ClockRow> {
    clocks
        .iter()
        .filter(|c| c.stopped_at.is_none())
        .map(|c| ClockRow {
            doc_kind: labels.doc_kind.to_string(),
            doc_id: labels.doc_id.clone(),
            number: labels.number.clone(),
            customer: labels.customer.clone(),
            assignee: labels.assignee.clone(),
            clock: c.kind.name(),
            started_at: c.start.timestamp_millis(),
            deadline: c.deadline.timestamp_millis(),
            at_risk_from: c.at_risk_from.timestamp_millis(),
            pauses: pauses_json(&c.pauses),
        })
        .collect()
}

/// Pause intervals as `[[from, to|null], …]` in Unix milliseconds.
fn pauses_json(
    pauses: &[(
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    )],
) -> String {
    let pairs: Vec<(i64, Option<i64>)> = pauses
        .iter()
        .map(|(from, to)| (from.timestamp_millis(), to.map(|t| t.timestamp_millis())))
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())
}

/// Projects one document.
pub fn project(
    projector: &Projector,
    kind: DocKind,
    doc: &Automerge,
) -> Result<Projection, ProjectError> {
    #[cfg(test)]
    if projector.raw {
        return Ok(Projection::default());
    }
    match kind {
        DocKind::Order => Ok(hydrate::<OrderDoc>(doc)?.projection(projector)),
        DocKind::Requisition => Ok(hydrate::<RequisitionDoc>(doc)?.projection(projector)),
        // Validated, but complaints have no device-side list yet.
        DocKind::Complaint => Ok(hydrate::<ComplaintDoc>(doc)?.projection(projector)),
    }
}

/// The list row of an order.
pub fn order_row(projector: &Projector, order: &OrderDoc) -> OrderRow {
    let settings = &projector.rules.for_order_doc(order).settings;
    let calendar = &projector.rules.calendar;
    // The summary's SLA verdict depends on "now"; only its clock-free fields are used.
    let summary = OrderSummary::from_doc(order, settings, calendar, order.request.received_at);
    let sla = sla_row(order, settings, calendar);
    OrderRow {
        order_id: order.id.to_string(),
        number: summary.number,
        state: order.state.as_str().to_string(),
        assignee: summary.assignee.map(|u| u.to_string()),
        customer_name: summary.customer_name,
        phone: summary.customer_phone,
        address: summary.customer_address,
        product_model: summary.product_model,
        serial: summary.product_serial,
        due_at: summary
            .scheduled_start
            .map(|t| t.timestamp_millis())
            .or(sla.as_ref().and_then(|s| s.due_at)),
        sla,
        created_at: order.request.received_at.timestamp_millis(),
        updated_at: summary.updated_at.timestamp_millis(),
        window: order
            .schedule
            .as_ref()
            .map(|w| (w.start.timestamp_millis(), w.end.timestamp_millis())),
        sign_off: match summary.sign_off {
            SignOffStatus::Unsigned => "none",
            SignOffStatus::Valid => "valid",
            SignOffStatus::Void => "void",
        }
        .to_string(),
        open_flags: order.open_flags().count() as i64,
    }
}

/// The most urgent running clock as instants, plus whether a stopped clock was missed.
/// Mirrors `onsite_core::sla::Clock::evaluate`: a clock is at risk from its
/// `at_risk_from` (moved by closed pauses), breached after its deadline
/// (extended by closed pauses), and paused while a pause is open.
fn sla_row(order: &OrderDoc, settings: &Settings, calendar: &Calendar) -> Option<SlaRow> {
    let clocks = sla::order_clocks(order, settings, calendar);
    let late = clocks.iter().any(|c| {
        c.stopped_at.is_some()
            && c.evaluate(c.stopped_at.unwrap_or(c.start)).status == SlaStatus::Breached
    });
    let mut best: Option<SlaRow> = None;
    for c in clocks.iter().filter(|c| c.stopped_at.is_none()) {
        let mut paused_ms = 0i64;
        let mut open_pause = false;
        for (from, to) in &c.pauses {
            match to {
                Some(to) => {
                    let from = (*from).max(c.start);
                    if *to > from {
                        paused_ms += (*to - from).num_milliseconds();
                    }
                }
                None => open_pause = true,
            }
        }
        let due = c.deadline.timestamp_millis() + paused_ms;
        let row = SlaRow {
            clock: c.kind.name(),
            due_at: Some(due),
            // In working time for a working-day clock (see `Clock::at_risk_from`).
            at_risk_at: Some(c.at_risk_from.timestamp_millis() + paused_ms),
            paused: open_pause,
            late,
        };
        // Running and unpaused before paused; then the earliest deadline.
        let better = match &best {
            None => true,
            Some(b) => (row.paused, row.due_at) < (b.paused, b.due_at),
        };
        if better {
            best = Some(row);
        }
    }
    match best {
        Some(row) => Some(row),
        None if late => Some(SlaRow {
            clock: clocks
                .iter()
                .find(|c| c.stopped_at.is_some())
                .map(|c| c.kind.name())
                .unwrap_or_default(),
            due_at: None,
            at_risk_at: None,
            paused: false,
            late: true,
        }),
        None => None,
    }
}

/// A serde enum's snake_case name.
fn snake<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Ledger movements as signed legs per location, as `onsite_core::stock::Ledger` sums them.
fn legs(movements: Vec<Movement>) -> Vec<MovementRow> {
    let mut out = Vec::new();
    for m in movements.into_iter().filter(|m| m.kind.moves_stock()) {
        let leg = |location: onsite_core::LocationId, quantity: i64| MovementRow {
            movement_id: m.id.to_string(),
            location: location.to_string(),
            part_id: m.part.to_string(),
            quantity,
            kind: snake(&m.kind),
        };
        if m.kind == MovementKind::CountAdjustment {
            if let Some(loc) = m.to.or(m.from) {
                out.push(leg(loc, m.quantity));
            }
            continue;
        }
        if let Some(from) = m.from {
            out.push(leg(from, -m.quantity));
        }
        if let Some(to) = m.to {
            out.push(leg(to, m.quantity));
        }
    }
    out
}
