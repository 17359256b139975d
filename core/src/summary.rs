//! Projections of documents for lists and full-text search: what the device store keeps
//! in its plain tables beside each document.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::doc::order::OrderDoc;
use crate::ids::{OrderId, UserId};
use crate::lifecycle::OrderState;
use crate::records::request::{Priority, ServiceMode};
use crate::settings::Settings;
use crate::signoff::{self, SignOffStatus};
use crate::sla::{self, SlaStatus};

/// One row of the order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// Order id.
    pub id: OrderId,
    /// Order number.
    pub number: String,
    /// Customer name (searchable).
    pub customer_name: String,
    /// Customer phone (searchable).
    pub customer_phone: String,
    /// Customer address (searchable).
    pub customer_address: String,
    /// Product model (searchable).
    pub product_model: String,
    /// Product serial (searchable).
    pub product_serial: String,
    /// State.
    pub state: OrderState,
    /// Mode.
    pub mode: ServiceMode,
    /// Priority.
    pub priority: Priority,
    /// Assigned technician.
    pub assignee: Option<UserId>,
    /// Agreed window start, for "today's orders".
    pub scheduled_start: Option<DateTime<Utc>>,
    /// The earliest deadline among running clocks.
    pub due: Option<DateTime<Utc>>,
    /// The worst verdict among all clocks at `now`.
    pub sla: Option<SlaStatus>,
    /// Sign-off status.
    pub sign_off: SignOffStatus,
    /// When the order last changed state (or was created).
    pub updated_at: DateTime<Utc>,
}

impl OrderSummary {
    /// The summary of `order` with its SLA clocks evaluated at `now`.
    pub fn from_doc(
        order: &OrderDoc,
        settings: &Settings,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Self {
        let clocks = sla::evaluate_order(order, settings, calendar, now);
        let due = clocks
            .iter()
            .filter(|c| c.running)
            .map(|c| c.deadline)
            .min();
        OrderSummary {
            id: order.id,
            number: order.number.clone(),
            customer_name: order.customer.name.clone(),
            customer_phone: order.customer.phone.clone(),
            customer_address: order.customer.address.clone(),
            product_model: order.product.model.clone(),
            product_serial: order.product.serial.clone(),
            state: order.state,
            mode: order.mode,
            priority: order.priority,
            assignee: order.assignee,
            scheduled_start: order.schedule.as_ref().map(|w| w.start),
            due,
            sla: sla::worst(&clocks),
            sign_off: signoff::status(order),
            updated_at: order
                .history
                .iter()
                .map(|h| h.at)
                .max()
                .unwrap_or(order.request.received_at),
        }
    }

    /// The text the full-text index holds for this order.
    pub fn search_text(&self) -> String {
        [
            self.number.as_str(),
            &self.customer_name,
            &self.customer_phone,
            &self.customer_address,
            &self.product_model,
            &self.product_serial,
        ]
        .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Scenario;
    use crate::records::request::ServiceMode;

    #[test]
    fn summary_carries_search_fields_state_and_sla() -> Result<(), crate::lifecycle::TransitionError>
    {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Dispatched)?;
        let dispatched = s.order.dispatched_at.unwrap_or(s.now);
        let sum = OrderSummary::from_doc(
            &s.order,
            &s.settings,
            &s.calendar,
            dispatched + chrono::Duration::hours(20),
        );
        assert_eq!(sum.state, OrderState::Dispatched);
        assert_eq!(sum.assignee, Some(s.cast.technician.user));
        assert_eq!(
            sum.sla,
            Some(SlaStatus::AtRisk),
            "contact clock has 4 of 24 h left"
        );
        assert_eq!(
            sum.due,
            Some(s.order.request.received_at + chrono::Duration::hours(24)),
            "the earliest running deadline: first response, 24 h after the request"
        );
        assert!(sum.search_text().contains("13800138000") && sum.search_text().contains("WM-8000"));
        Ok(())
    }
}
