//! Office intake as a rule: what a request must carry, the dates that cannot be (a
//! purchase in the future, a delivery before the purchase), how it becomes a
//! [`NewOrder`] or, for a complaint, a [`NewComplaint`], the order and complaint
//! numbers, and which earlier orders count as prior repairs of the same product (for the
//! repeat-repair warranty). No storage and no clock: the caller passes `now`, the
//! company's local date, and the earlier orders it found.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::complaint::{NewComplaint, Severity};
use crate::doc::order::{NewOrder, OrderDoc};
use crate::ids::{ComplaintId, CustomerId, OrderId, RequestId};
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
    /// What the request is: consultation, tech support, repair, installation, complaint
    /// or return/exchange.
    #[serde(default = "repair")]
    pub classification: Classification,
    /// Who asks.
    pub customer: IntakeCustomer,
    /// What for.
    pub product: IntakeProduct,
    /// The fault code, as classified at intake (may be empty).
    pub fault_code: String,
    /// The customer's words.
    pub description: String,
    /// When the fault appeared, as the customer says.
    #[serde(default)]
    pub fault_since: Option<NaiveDate>,
    /// External damage (外力损坏) seen or reported; empty when none.
    #[serde(default)]
    pub external_damage: String,
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
    /// Delivery date, from which the return and exchange windows count.
    #[serde(default)]
    pub delivered_on: Option<NaiveDate>,
}

fn repair() -> Classification {
    Classification::Repair
}

/// What a complaint request adds to the intake form: the customer's demand (诉求), other
/// contact details, the severity and the order it is about, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeComplaint {
    /// What the complainant asks for.
    pub demand: String,
    /// Other contact details (WeChat, email…); may be empty.
    pub contact: String,
    /// General or major.
    pub severity: Severity,
    /// The order complained about.
    pub order: Option<OrderId>,
}

/// Why intake refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// A field intake cannot do without.
    #[error("{field} is required")]
    MissingField {
        /// `customer_name`, `customer_phone`, `description` or `answer`.
        field: &'static str,
    },
    /// A date after today (the company's local date): a purchase, a delivery or the
    /// fault's start in the future cannot be, and a future purchase would count as in
    /// warranty.
    #[error("the {field} {date} is after today ({today})")]
    DateInFuture {
        /// `purchase_date`, `delivered_on` or `fault_since`.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
        /// The company's date today.
        today: NaiveDate,
    },
    /// Delivered before it was bought.
    #[error("the delivery date {delivered} is before the purchase date {purchased}")]
    DeliveryBeforePurchase {
        /// Delivery date.
        delivered: NaiveDate,
        /// Purchase date.
        purchased: NaiveDate,
    },
    /// This classification is not an order (a complaint is its own document).
    #[error("a {classification:?} request does not make an order")]
    NotAnOrder {
        /// The classification.
        classification: Classification,
    },
}

impl IntakeError {
    /// Stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            IntakeError::MissingField { .. } => "errors.intake.missing_field",
            IntakeError::DateInFuture { .. } => "errors.intake.date_in_future",
            IntakeError::DeliveryBeforePurchase { .. } => "errors.intake.delivery_before_purchase",
            IntakeError::NotAnOrder { .. } => "errors.intake.not_an_order",
        }
    }

    /// The field the error is about, for the translated message.
    pub fn field(&self) -> &'static str {
        match self {
            IntakeError::MissingField { field } | IntakeError::DateInFuture { field, .. } => field,
            IntakeError::DeliveryBeforePurchase { .. } => "delivered_on",
            IntakeError::NotAnOrder { .. } => "classification",
        }
    }
}

impl Intake {
    /// Checks what intake cannot do without (who to call, and what is wrong) and the
    /// dates that cannot be, against `today`, the company's local date.
    pub fn validate(&self, today: NaiveDate) -> Result<(), IntakeError> {
        let required = [
            ("customer_name", &self.customer.name),
            ("customer_phone", &self.customer.phone),
            ("description", &self.description),
        ];
        if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
            return Err(IntakeError::MissingField { field });
        }
        let dates = [
            ("purchase_date", self.product.purchase_date),
            ("delivered_on", self.product.delivered_on),
            ("fault_since", self.fault_since),
        ];
        for (field, date) in dates {
            if let Some(date) = date.filter(|d| *d > today) {
                return Err(IntakeError::DateInFuture { field, date, today });
            }
        }
        if let (Some(delivered), Some(purchased)) =
            (self.product.delivered_on, self.product.purchase_date)
        {
            if delivered < purchased {
                return Err(IntakeError::DeliveryBeforePurchase {
                    delivered,
                    purchased,
                });
            }
        }
        Ok(())
    }

    /// The order this request becomes (a consultation, tech support, repair,
    /// installation or return/exchange order), with ids made at `now` and the product's
    /// earlier repairs for the warranty check. A complaint is not an order: see
    /// [`Intake::into_new_complaint`].
    pub fn into_new_order(
        self,
        now: DateTime<Utc>,
        today: NaiveDate,
        prior_repairs: Vec<PriorRepair>,
    ) -> Result<NewOrder, IntakeError> {
        self.validate(today)?;
        if self.classification == Classification::Complaint {
            return Err(IntakeError::NotAnOrder {
                classification: self.classification,
            });
        }
        let id = OrderId::new_at(now);
        Ok(NewOrder {
            id,
            number: order_number(id, now),
            request: ServiceRequest {
                id: RequestId::new_at(now),
                channel: self.channel,
                classification: self.classification,
                received_at: now,
                description: self.description.trim().to_string(),
                fault_since: self.fault_since,
                external_damage: self.external_damage.trim().to_string(),
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
                delivered_on: self.product.delivered_on,
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

    /// The complaint this request becomes: the customer is the complainant, the
    /// description the content, received at `now`.
    pub fn into_new_complaint(
        self,
        now: DateTime<Utc>,
        today: NaiveDate,
        complaint: IntakeComplaint,
    ) -> Result<NewComplaint, IntakeError> {
        self.validate(today)?;
        let id = ComplaintId::new_at(now);
        Ok(NewComplaint {
            id,
            number: complaint_number(id, now),
            complainant: self.customer.name.trim().to_string(),
            phone: self.customer.phone.trim().to_string(),
            contact: complaint.contact.trim().to_string(),
            content: self.description.trim().to_string(),
            demand: complaint.demand.trim().to_string(),
            order: complaint.order,
            severity: complaint.severity,
        })
    }
}

/// The human order number: `WO-<UTC date>-<six hex digits of the id's random part>`.
/// Offline devices number orders without asking anyone, so the number carries part of
/// the id rather than a counter.
pub fn order_number(id: OrderId, now: DateTime<Utc>) -> String {
    numbered("WO", &id.to_string(), now)
}

/// The human complaint number, `TS-<UTC date>-<six hex digits>` (投诉).
pub fn complaint_number(id: ComplaintId, now: DateTime<Utc>) -> String {
    numbered("TS", &id.to_string(), now)
}

/// `<prefix>-<UTC date>-<six hex digits of the id's random part>`; complaints are `TS-…`
/// (投诉).
fn numbered(prefix: &str, id: &str, now: DateTime<Utc>) -> String {
    let hex = id.replace('-', "");
    format!(
        "{prefix}-{}-{}",
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
            classification: Classification::Repair,
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
                delivered_on: None,
            },
            fault_code: "E21".into(),
            description: "不排水".into(),
            fault_since: None,
            external_damage: String::new(),
            mode: ServiceMode::OnSite,
            priority: Priority::Normal,
        }
    }

    #[test]
    fn intake_names_the_missing_field() {
        let mut blank = intake();
        blank.customer.phone = "  ".into();
        let err = blank.validate(today()).err();
        assert_eq!(
            err.map(|e| e.field()),
            Some("customer_phone"),
            "a blank phone is refused by name"
        );
        assert!(intake().validate(today()).is_ok());
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    #[test]
    fn a_purchase_date_in_the_future_is_refused() {
        let mut req = intake();
        let tomorrow = today().succ_opt();
        req.product.purchase_date = tomorrow;
        assert_eq!(
            req.validate(today()).err().map(|e| e.code()),
            Some("errors.intake.date_in_future"),
            "a product bought tomorrow cannot be in warranty today"
        );
        req.product.purchase_date = Some(today());
        assert!(req.validate(today()).is_ok(), "bought today is fine");
    }

    #[test]
    fn a_delivery_before_the_purchase_is_refused() {
        let mut req = intake();
        req.product.purchase_date = Some(today());
        req.product.delivered_on = today().pred_opt();
        assert_eq!(
            req.validate(today()).err().map(|e| e.field()),
            Some("delivered_on"),
            "delivered the day before it was bought"
        );
        req.product.delivered_on = Some(today());
        assert!(req.validate(today()).is_ok());
    }

    #[test]
    fn every_classification_but_a_complaint_is_an_order() -> Result<(), IntakeError> {
        for c in [
            Classification::Consultation,
            Classification::TechSupport,
            Classification::Repair,
            Classification::Installation,
            Classification::ReturnExchange,
        ] {
            let mut req = intake();
            req.classification = c;
            req.fault_since = today().pred_opt();
            req.external_damage = " dent on the lid ".into();
            let new = req.into_new_order(fixtures::t0(), today(), vec![])?;
            assert_eq!(new.request.classification, c);
            assert_eq!(new.request.fault_since, today().pred_opt());
            assert_eq!(new.request.external_damage, "dent on the lid");
        }
        let mut req = intake();
        req.classification = Classification::Complaint;
        assert_eq!(
            req.into_new_order(fixtures::t0(), today(), vec![])
                .err()
                .map(|e| e.code()),
            Some("errors.intake.not_an_order")
        );
        Ok(())
    }

    #[test]
    fn a_complaint_request_names_its_order() -> Result<(), IntakeError> {
        let order = OrderId::new_at(fixtures::t0());
        let new = intake().into_new_complaint(
            fixtures::t0(),
            today(),
            IntakeComplaint {
                demand: " refund the call-out fee ".into(),
                contact: String::new(),
                severity: Severity::Major,
                order: Some(order),
            },
        )?;
        assert_eq!(
            new.order,
            Some(order),
            "linked to the order complained about"
        );
        assert_eq!(new.complainant, "张伟");
        assert_eq!(new.demand, "refund the call-out fee");
        assert!(new.number.starts_with("TS-"));
        Ok(())
    }

    #[test]
    fn the_order_number_carries_the_date_and_part_of_the_id() -> Result<(), IntakeError> {
        let now = fixtures::t0();
        let new = intake().into_new_order(now, today(), vec![])?;
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
