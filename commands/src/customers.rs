//! The customer on the office device: the complaints still open of the customer with the
//! phone typed at intake (`customer_open_complaints`), so the agent is warned before
//! taking a new request; the customer search by phone or name (`customer_search`); one
//! customer's history (`customer_history`: their products, orders, complaints,
//! follow-ups and return or exchange cases); and the tier the office sets
//! (`set_customer_tier`), written on every order of the customer. The customer is found
//! by phone (`onsite_core::customers`); an office device holds every order and
//! complaint, a technician's only those of their own orders.

use chrono::{DateTime, NaiveDate, Utc};
use onsite_core::customers::{self, CustomerSummary, OwnedProduct};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::follow_ups::{self, PeriodicDue};
use onsite_core::ids::OrderId;
use onsite_core::lifecycle::OrderState;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::{Classification, CustomerTier};
use serde::Serialize;

use crate::complaints::ComplaintListItem;
use crate::error::CommandError;
use crate::App;

/// At most this many customers answer a search: the agent types more to narrow it.
const SEARCH_LIMIT: usize = 50;

/// One of the customer's orders.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CustomerOrderLine {
    /// The order.
    pub id: String,
    /// Its number.
    pub number: String,
    /// Repair, installation, return/exchange …
    pub classification: Classification,
    /// Where it stands.
    pub state: OrderState,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// When it was closed, if it is.
    pub closed_at: Option<DateTime<Utc>>,
    /// The product's model.
    pub model: String,
    /// The product's serial.
    pub serial: String,
    /// What the customer asked or reported.
    pub description: String,
}

/// A follow-up recorded on one of the customer's orders.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CustomerFollowUpLine {
    /// The order it is recorded on.
    pub order: String,
    /// Its number.
    pub number: String,
    /// When.
    pub at: DateTime<Utc>,
    /// How the customer was reached.
    pub channel: ContactChannel,
    /// Score 1–5, if given.
    pub score: Option<u8>,
    /// Comments.
    pub comment: String,
}

/// One customer's page.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CustomerHistory {
    /// The phone as compared: the page's address.
    pub key: String,
    /// The name on the latest order.
    pub name: String,
    /// The phone as written on the latest order.
    pub phone: String,
    /// The address on the latest order.
    pub address: String,
    /// Regular, long-term or key account (the latest order's).
    pub tier: CustomerTier,
    /// The next periodic follow-up of a long-term or key customer, due or not.
    pub next_periodic: Option<NaiveDate>,
    /// The products on their orders.
    pub products: Vec<OwnedProduct>,
    /// Every order, the latest first.
    pub orders: Vec<CustomerOrderLine>,
    /// Every complaint, the latest first, with its clocks.
    pub complaints: Vec<ComplaintListItem>,
    /// Every follow-up recorded, the latest first.
    pub follow_ups: Vec<CustomerFollowUpLine>,
    /// The return and exchange cases (orders classified so), the latest first.
    pub returns: Vec<CustomerOrderLine>,
    /// The signed-in role may set the tier.
    pub may_set_tier: bool,
}

/// The open complaints of the customer with `phone`, oldest first, with their clocks.
#[tracing::instrument(skip_all)]
pub fn customer_open_complaints(
    app: &App,
    phone: &str,
) -> Result<Vec<ComplaintListItem>, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let rules = crate::rules_of(store);
        let all = crate::complaints::every(store)?;
        customers::open_complaints(phone, &all)
            .into_iter()
            .map(|c| crate::complaints::item(store, &rules, c, now))
            .collect()
    })
}

/// The customers `query` finds by phone or name, the one who called last first.
#[tracing::instrument(skip_all)]
pub fn customer_search(app: &App, query: &str) -> Result<Vec<CustomerSummary>, CommandError> {
    app.with_store(|store| {
        let rows = store.customer_candidates(&customers::phone_key(query), query.trim())?;
        let mut found = customers::search(&rows, query);
        found.truncate(SEARCH_LIMIT);
        Ok(found)
    })
}

/// The history of the customer whose phone (as compared) is `key`.
#[tracing::instrument(skip_all)]
pub fn customer_history(app: &App, key: &str) -> Result<CustomerHistory, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        let rows = store.customer_orders(Some(key))?;
        if key.is_empty() || rows.is_empty() {
            return Err(CommandError::new(
                "errors.customer.unknown",
                format!("no customer with the phone {key:?} on this device"),
            )
            .with("key", key));
        }
        let mut orders: Vec<OrderDoc> = Vec::with_capacity(rows.len());
        for row in &rows {
            orders.push(store.order(row.order)?);
        }
        orders.sort_by_key(|o| std::cmp::Reverse((o.request.received_at, o.id)));
        let latest = customers::latest(&rows).map(|r| r.order);
        let last = orders
            .iter()
            .find(|o| Some(o.id) == latest)
            .or(orders.first());
        let refs: Vec<_> = rows.iter().collect();
        let next: Option<PeriodicDue> =
            follow_ups::next_periodic(&refs, rules.settings(), &rules.calendar);
        let mut complaints = Vec::new();
        for c in crate::complaints::every(store)? {
            if customers::same_customer(key, &c.phone) {
                complaints.push(crate::complaints::item(store, &rules, &c, now)?);
            }
        }
        complaints.sort_by_key(|c| std::cmp::Reverse(c.received_at));
        let mut follow_ups: Vec<CustomerFollowUpLine> = orders
            .iter()
            .flat_map(|o| {
                o.follow_ups.iter().map(|f| CustomerFollowUpLine {
                    order: o.id.to_string(),
                    number: o.number.clone(),
                    at: f.at,
                    channel: f.channel,
                    score: f.score,
                    comment: f.comment.clone(),
                })
            })
            .collect();
        follow_ups.sort_by_key(|f| std::cmp::Reverse(f.at));
        let lines: Vec<CustomerOrderLine> = orders.iter().map(line).collect();
        Ok(CustomerHistory {
            key: key.to_string(),
            name: last.map(|o| o.customer.name.clone()).unwrap_or_default(),
            phone: last.map(|o| o.customer.phone.clone()).unwrap_or_default(),
            address: last.map(|o| o.customer.address.clone()).unwrap_or_default(),
            tier: last.map_or(CustomerTier::Regular, |o| o.customer.tier),
            next_periodic: next.map(|d| d.due),
            products: customers::products(&orders),
            returns: orders
                .iter()
                .filter(|o| o.request.classification == Classification::ReturnExchange)
                .map(line)
                .collect(),
            orders: lines,
            complaints,
            follow_ups,
            may_set_tier: onsite_core::Transition::SetCustomerTier
                .roles()
                .contains(&actor.role),
        })
    })
}

fn line(o: &OrderDoc) -> CustomerOrderLine {
    CustomerOrderLine {
        id: o.id.to_string(),
        number: o.number.clone(),
        classification: o.request.classification,
        state: o.state,
        received_at: o.request.received_at,
        closed_at: o.closed_at,
        model: o.product.model.clone(),
        serial: o.product.serial.clone(),
        description: o.request.description.chars().take(120).collect(),
    }
}

/// Sets the tier of the customer `key` as the signed-in user, on every order of theirs
/// this device holds that has another, so the customer's orders agree whichever is
/// latest; the server checks each push against the pusher's role. Answers the page.
#[tracing::instrument(skip_all)]
pub fn set_customer_tier(
    app: &App,
    key: &str,
    tier: CustomerTier,
) -> Result<CustomerHistory, CommandError> {
    app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        let op = OrderOp::SetCustomerTier { tier };
        for row in store.customer_orders(Some(key))? {
            if row.tier == tier {
                continue;
            }
            let id: OrderId = row.order;
            let order = store.order(id)?;
            let ctx = app.ctx(
                actor,
                &rules.for_order_doc(&order).settings,
                &rules.calendar,
            );
            store.apply_order(id, &op, &ctx)?;
        }
        Ok(())
    })?;
    app.sync.nudge();
    customer_history(app, key)
}
