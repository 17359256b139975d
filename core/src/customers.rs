//! The customer across documents: intake gives every order a new customer id, so orders
//! and complaints are the same customer's when they carry the same phone number (what
//! the office searches by). Which of a customer's complaints are still open, for the
//! warning at intake; the customers a search finds; the products a customer owns; and
//! the customer's tier, which is the one on their latest order. No storage.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::doc::complaint::{ComplaintDoc, ComplaintStatus};
use crate::doc::order::OrderDoc;
use crate::follow_ups::CustomerOrder;
use crate::records::request::CustomerTier;

/// The phone as compared: spaces and dashes dropped, so `138-0013 8000` is `13800138000`.
pub fn phone_key(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Whether two phones are the same customer's (an empty phone is nobody's).
pub fn same_customer(a: &str, b: &str) -> bool {
    let a = phone_key(a);
    !a.is_empty() && a == phone_key(b)
}

/// The complaints of the customer with `phone` that are not closed, oldest first: intake
/// warns about them before a new request is taken.
pub fn open_complaints<'a>(phone: &str, complaints: &'a [ComplaintDoc]) -> Vec<&'a ComplaintDoc> {
    let mut out: Vec<&ComplaintDoc> = complaints
        .iter()
        .filter(|c| c.status != ComplaintStatus::Closed && same_customer(phone, &c.phone))
        .collect();
    out.sort_by_key(|c| c.received_at);
    out
}

/// The customer's latest order, whose name and tier are the customer's now: the tier the
/// office sets is written on every order of the customer, and a new order starts with
/// the tier of the one before it.
pub fn latest<'a>(rows: impl IntoIterator<Item = &'a CustomerOrder>) -> Option<&'a CustomerOrder> {
    rows.into_iter().max_by_key(|o| (o.received_at, o.order))
}

/// One customer a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerSummary {
    /// The phone as compared ([`phone_key`]): the customer's key and page address.
    pub key: String,
    /// The name on the latest order.
    pub name: String,
    /// Regular, long-term or key account.
    pub tier: CustomerTier,
    /// How many orders this device holds of them.
    pub orders: usize,
    /// When the latest came in.
    pub last_order_at: DateTime<Utc>,
}

/// Whether `row` is found by `query`: the digits typed are part of the phone (spaces and
/// dashes ignored), or the text is part of the name, in any case.
pub fn found_by(row: &CustomerOrder, query: &str) -> bool {
    let query = query.trim();
    if query.is_empty() {
        return false;
    }
    let digits = phone_key(query);
    (!digits.is_empty() && row.phone.contains(&digits))
        || row.name.to_lowercase().contains(&query.to_lowercase())
}

/// The customers `query` finds among the rows of their orders, one per phone, the one
/// who called last first. A customer is found when any of their orders is (an old name
/// finds them too).
pub fn search(rows: &[CustomerOrder], query: &str) -> Vec<CustomerSummary> {
    let mut by_phone: std::collections::BTreeMap<&str, Vec<&CustomerOrder>> = Default::default();
    for o in rows.iter().filter(|o| !o.phone.is_empty()) {
        by_phone.entry(o.phone.as_str()).or_default().push(o);
    }
    let mut out: Vec<CustomerSummary> = by_phone
        .into_iter()
        .filter(|(_, orders)| orders.iter().any(|o| found_by(o, query)))
        .filter_map(|(key, orders)| {
            let last = latest(orders.iter().copied())?;
            Some(CustomerSummary {
                key: key.to_string(),
                name: last.name.clone(),
                tier: last.tier,
                orders: orders.len(),
                last_order_at: last.received_at,
            })
        })
        .collect();
    out.sort_by(|a, b| (b.last_order_at, &a.key).cmp(&(a.last_order_at, &b.key)));
    out
}

/// A product the customer owns, as their orders record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OwnedProduct {
    /// Model.
    pub model: String,
    /// Serial number (序列号); empty when none was recorded.
    pub serial: String,
    /// Purchase date, from the latest order that recorded one.
    pub purchase_date: Option<NaiveDate>,
    /// Delivery date, likewise.
    pub delivered_on: Option<NaiveDate>,
    /// How many of the customer's orders were about it.
    pub orders: usize,
}

/// The products on the customer's `orders`, one per serial (or per model where no serial
/// was recorded), in the order they first came in. Orders with neither (a consultation
/// about nothing in particular) name no product.
pub fn products(orders: &[OrderDoc]) -> Vec<OwnedProduct> {
    let mut sorted: Vec<&OrderDoc> = orders.iter().collect();
    sorted.sort_by_key(|o| (o.request.received_at, o.id));
    let mut out: Vec<(String, OwnedProduct)> = Vec::new();
    for o in sorted {
        let (model, serial) = (o.product.model.trim(), o.product.serial.trim());
        let key = if serial.is_empty() {
            format!("model:{}", model.to_lowercase())
        } else {
            format!("serial:{}", serial.to_uppercase())
        };
        if model.is_empty() && serial.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, p)) => {
                p.orders += 1;
                // The later order's dates win: a corrected proof of purchase.
                p.purchase_date = o.product.purchase_date.or(p.purchase_date);
                p.delivered_on = o.product.delivered_on.or(p.delivered_on);
                if p.model.is_empty() {
                    p.model = model.to_string();
                }
            }
            None => out.push((
                key,
                OwnedProduct {
                    model: model.to_string(),
                    serial: serial.to_string(),
                    purchase_date: o.product.purchase_date,
                    delivered_on: o.product.delivered_on,
                    orders: 1,
                },
            )),
        }
    }
    out.into_iter().map(|(_, p)| p).collect()
}

/// The tier a new order of a returning customer starts with: the customer's tier now
/// (their latest order's), raised to key account when the agent ticks it at intake.
pub fn tier_for_new_order(key_account_ticked: bool, history: &[CustomerOrder]) -> CustomerTier {
    match (key_account_ticked, latest(history)) {
        (true, _) => CustomerTier::KeyAccount,
        (false, Some(last)) => last.tier,
        (false, None) => CustomerTier::Regular,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::complaint::{NewComplaint, Severity};
    use crate::fixtures::{t0, Scenario};
    use crate::ids::ComplaintId;
    use crate::records::request::ServiceMode;
    use crate::Ctx;

    fn complaint(phone: &str, seed: u128) -> ComplaintDoc {
        let s = Scenario::new(ServiceMode::OnSite, false);
        let ctx = Ctx {
            actor: s.cast.dispatcher,
            now: t0() + chrono::Duration::minutes(seed as i64),
            settings: &s.settings,
            calendar: &s.calendar,
        };
        ComplaintDoc::new(
            NewComplaint {
                id: ComplaintId(crate::fixtures::uuid(seed)),
                number: format!("TS-{seed}"),
                complainant: "王芳".into(),
                phone: phone.into(),
                contact: String::new(),
                content: "late".into(),
                demand: String::new(),
                order: None,
                severity: Severity::General,
            },
            &ctx,
        )
        .expect("a dispatcher records a complaint")
    }

    fn row(phone: &str, name: &str, tier: CustomerTier, day: i64) -> CustomerOrder {
        let at = t0() + chrono::Duration::days(day);
        CustomerOrder {
            order: crate::ids::OrderId::new_at(at),
            number: format!("WO-{day}"),
            name: name.into(),
            phone: phone_key(phone),
            tier,
            received_at: at,
            closed_at: None,
            last_follow_up: None,
            follow_up_owed: false,
        }
    }

    #[test]
    fn a_search_finds_one_customer_per_phone_by_digits_or_name_with_the_latest_name_and_tier() {
        let rows = [
            row("13800138000", "Wang Fang", CustomerTier::Regular, 0),
            row("138-0013-8000", "王芳", CustomerTier::KeyAccount, 5),
            row("13900000000", "Li Wei", CustomerTier::Regular, 3),
        ];
        let by_digits = search(&rows, "0013 8000");
        assert_eq!(by_digits.len(), 1, "{by_digits:?}");
        assert_eq!(by_digits[0].key, "13800138000");
        assert_eq!(by_digits[0].orders, 2);
        assert_eq!(by_digits[0].name, "王芳", "the name on the latest order");
        assert_eq!(by_digits[0].tier, CustomerTier::KeyAccount);
        assert_eq!(
            search(&rows, "wang").len(),
            1,
            "an earlier name finds them too, in any case"
        );
        let every_138_or_139 = search(&rows, "13");
        assert_eq!(
            every_138_or_139
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>(),
            ["13800138000", "13900000000"],
            "the one who called last first"
        );
        assert!(search(&rows, "  ").is_empty(), "nothing typed finds no one");
        assert!(search(&rows, "Zhao").is_empty());
    }

    #[test]
    fn a_returning_customer_keeps_their_tier_unless_intake_ticks_key_account() {
        let history = [
            row("138", "A", CustomerTier::Regular, 0),
            row("138", "A", CustomerTier::LongTerm, 4),
        ];
        assert_eq!(tier_for_new_order(false, &history), CustomerTier::LongTerm);
        assert_eq!(tier_for_new_order(true, &history), CustomerTier::KeyAccount);
        assert_eq!(tier_for_new_order(false, &[]), CustomerTier::Regular);
    }

    #[test]
    fn products_are_one_per_serial_with_the_latest_purchase_date() {
        let s = Scenario::new(ServiceMode::OnSite, false);
        let mut first = s.order.clone();
        first.product.serial = "sn-1".into();
        first.product.purchase_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 2);
        let mut again = first.clone();
        again.id = crate::ids::OrderId(crate::fixtures::uuid(77));
        again.request.received_at = first.request.received_at + chrono::Duration::days(30);
        again.product.serial = "SN-1".into();
        again.product.purchase_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 3);
        let mut other = first.clone();
        other.id = crate::ids::OrderId(crate::fixtures::uuid(78));
        other.request.received_at = again.request.received_at;
        other.product.serial = String::new();
        other.product.model = "WM-2".into();
        let mut nothing = other.clone();
        nothing.product.model = String::new();
        let owned = products(&[again, first, other, nothing]);
        assert_eq!(owned.len(), 2, "{owned:?}");
        assert_eq!(owned[0].serial, "sn-1", "as first recorded");
        assert_eq!(owned[0].orders, 2, "the serial is compared in any case");
        assert_eq!(
            owned[0].purchase_date,
            chrono::NaiveDate::from_ymd_opt(2024, 1, 3),
            "the later order's date"
        );
        assert_eq!((owned[1].model.as_str(), owned[1].orders), ("WM-2", 1));
    }

    #[test]
    fn the_same_phone_written_with_spaces_or_dashes_is_the_same_customer() {
        assert!(same_customer("138 0013 8000", "138-0013-8000"));
        assert!(!same_customer("13800138000", "13800138001"));
        assert!(!same_customer("", ""), "an empty phone is nobody's");
    }

    #[test]
    fn only_the_customers_complaints_not_yet_closed_are_open_oldest_first() {
        let mut closed = complaint("13800138000", 1);
        closed.status = ComplaintStatus::Closed;
        let all = [
            complaint("13800138000", 3),
            closed,
            complaint("13900000000", 2),
            complaint("138 0013 8000", 2),
        ];
        let open: Vec<&str> = open_complaints("13800138000", &all)
            .iter()
            .map(|c| c.number.as_str())
            .collect();
        assert_eq!(open, ["TS-2", "TS-3"]);
    }
}
