//! Office intake as a rule: what a request must carry, how it becomes a [`NewOrder`],
//! the order number, and which earlier orders count as prior repairs of the same product
//! (for the repeat-repair warranty). No storage and no clock: the caller passes `now`
//! and the earlier orders it found.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::order::{NewOrder, OrderDoc};
use crate::ids::{CustomerId, OrderId, RequestId};
use crate::records::order::PriorRepair;
use crate::records::request::{
    Channel, Classification, Customer, CustomerTier, Priority, Product, ServiceMode, ServiceRequest,
};

/// A request as the office takes it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Intake {
    /// Where the request came from.
    pub channel: Channel,
    /// Who asks.
    pub customer: IntakeCustomer,
    /// What for.
    pub product: IntakeProduct,
    /// The fault code, as classified at intake (may be empty).
    pub fault_code: String,
    /// The customer's words.
    pub description: String,
    /// On site, mail-in or carry-in.
    pub mode: ServiceMode,
    /// Normal or emergency.
    pub priority: Priority,
}

/// The customer on the intake form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeCustomer {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Service address.
    pub address: String,
    /// A key account (大客户) has the shorter SLA.
    #[serde(default)]
    pub key_account: bool,
}

/// The product on the intake form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeProduct {
    /// Model.
    pub model: String,
    /// Serial number (may be empty when the customer cannot read it).
    pub serial: String,
    /// Purchase date from the invoice, if there is one.
    pub purchase_date: Option<NaiveDate>,
}

/// Why intake refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// A field intake cannot do without.
    #[error("{field} is required")]
    MissingField {
        /// `customer_name`, `customer_phone` or `description`.
        field: &'static str,
    },
}

impl IntakeError {
    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            IntakeError::MissingField { .. } => "errors.intake.missing_field",
        }
    }

    /// The field that is missing, for the translated message.
    pub fn field(&self) -> &'static str {
        match self {
            IntakeError::MissingField { field } => field,
        }
    }
}

impl Intake {
    /// Checks what intake cannot do without: who to call, and what is wrong.
    pub fn validate(&self) -> Result<(), IntakeError> {
        let required = [
            ("customer_name", &self.customer.name),
            ("customer_phone", &self.customer.phone),
            ("description", &self.description),
        ];
        match required.iter().find(|(_, v)| v.trim().is_empty()) {
            Some((field, _)) => Err(IntakeError::MissingField { field }),
            None => Ok(()),
        }
    }

    /// The repair order (or, with `consultation`, the consultation) this request becomes,
    /// with ids made at `now` and the product's earlier repairs for the warranty check.
    pub fn into_new_order(
        self,
        now: DateTime<Utc>,
        consultation: bool,
        prior_repairs: Vec<PriorRepair>,
    ) -> Result<NewOrder, IntakeError> {
        self.validate()?;
        let id = OrderId::new_at(now);
        Ok(NewOrder {
            id,
            number: order_number(id, now),
            request: ServiceRequest {
                id: RequestId::new_at(now),
                channel: self.channel,
                classification: if consultation {
                    Classification::Consultation
                } else {
                    Classification::Repair
                },
                received_at: now,
                description: self.description.trim().to_string(),
                fault_since: None,
                external_damage: String::new(),
            },
            customer: Customer {
                id: CustomerId::new_at(now),
                name: self.customer.name.trim().to_string(),
                phone: self.customer.phone.trim().to_string(),
                address: self.customer.address.trim().to_string(),
                tier: if self.customer.key_account {
                    CustomerTier::KeyAccount
                } else {
                    CustomerTier::Regular
                },
            },
            product: Product {
                model: self.product.model.trim().to_string(),
                serial: self.product.serial.trim().to_string(),
                purchase_date: self.product.purchase_date,
                delivered_on: None,
            },
            mode: self.mode,
            priority: self.priority,
            fault_code: self.fault_code.trim().to_string(),
            customer_damage: false,
            prior_repairs,
            // Set by whoever creates the order, from the rules it holds.
            settings_version: None,
        })
    }
}

/// The human order number: `WO-<UTC date>-<six hex digits of the id's random part>`.
/// Offline devices number orders without asking anyone, so the number carries part of
/// the id rather than a counter.
pub fn order_number(id: OrderId, now: DateTime<Utc>) -> String {
    let hex = id.to_string().replace('-', "");
    format!(
        "WO-{}-{}",
        now.format("%Y%m%d"),
        hex.get(20..26).unwrap_or_default().to_uppercase()
    )
}

/// `earlier` as a prior repair of the same product, if it was a repair that was
/// completed (signed off by the customer, or closed) before `now`. The repair warranty
/// runs from the customer's sign-off; an order closed without one counts from closing.
pub fn prior_repair(earlier: &OrderDoc, now: DateTime<Utc>) -> Option<PriorRepair> {
    if earlier.request.classification != Classification::Repair {
        return None;
    }
    let completed_at = earlier
        .sign_off
        .as_ref()
        .map(|s| s.at)
        .or(earlier.closed_at)?;
    (completed_at <= now).then(|| PriorRepair {
        order: earlier.id,
        fault: earlier.fault_code.clone(),
        completed_at,
    })
}

/// Whether `earlier` is about the same product as this intake: the same serial number,
/// or, when no serial was given, the same customer phone and model.
pub fn same_product(intake: &Intake, earlier: &OrderDoc) -> bool {
    let serial = intake.product.serial.trim();
    if !serial.is_empty() {
        return earlier.product.serial.trim().eq_ignore_ascii_case(serial);
    }
    let phone = intake.customer.phone.trim();
    let model = intake.product.model.trim();
    !phone.is_empty()
        && earlier.customer.phone.trim() == phone
        && earlier.product.model.trim().eq_ignore_ascii_case(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn intake() -> Intake {
        Intake {
            channel: Channel::Phone,
            customer: IntakeCustomer {
                name: "张伟".into(),
                phone: "13800138001".into(),
                address: "北京市朝阳区建国路88号".into(),
                key_account: false,
            },
            product: IntakeProduct {
                model: "WM-8000".into(),
                serial: "SN-1".into(),
                purchase_date: None,
            },
            fault_code: "E21".into(),
            description: "不排水".into(),
            mode: ServiceMode::OnSite,
            priority: Priority::Normal,
        }
    }

    #[test]
    fn intake_names_the_missing_field() {
        let mut blank = intake();
        blank.customer.phone = "  ".into();
        let err = blank.validate().err();
        assert_eq!(
            err.map(|e| e.field()),
            Some("customer_phone"),
            "a blank phone is refused by name"
        );
        assert!(intake().validate().is_ok());
    }

    #[test]
    fn the_order_number_carries_the_date_and_part_of_the_id() -> Result<(), IntakeError> {
        let now = fixtures::t0();
        let new = intake().into_new_order(now, false, vec![])?;
        let hex = new.id.to_string().replace('-', "").to_uppercase();
        assert_eq!(
            new.number,
            format!("WO-{}-{}", now.format("%Y%m%d"), &hex[20..26])
        );
        Ok(())
    }

    #[test]
    fn an_open_order_is_no_prior_repair() {
        let cast = fixtures::Cast::default();
        let settings = crate::Settings::default();
        let calendar = crate::Calendar::default();
        let ctx = crate::Ctx {
            actor: cast.dispatcher,
            now: fixtures::t0(),
            settings: &settings,
            calendar: &calendar,
        };
        let order = OrderDoc::new(fixtures::new_order(1, ServiceMode::OnSite, None), &ctx);
        let order = order.ok();
        assert!(order.is_some_and(|o| prior_repair(&o, fixtures::t0()).is_none()));
    }
}
