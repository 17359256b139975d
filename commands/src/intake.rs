//! Office intake: `create_order` (an order of the request's classification: a
//! consultation answered and closed on the spot, tech support, repair, installation or
//! return/exchange; a complaint is `complaints::create_complaint`), `check_warranty` (the
//! live preview on the form) and `check_return` (a return or exchange's eligibility, shown
//! before anyone decides). All judge dates on the company calendar's date, and the order
//! looks up the product's earlier repairs so the repeat-repair warranty applies, and the
//! customer's tier so a returning customer keeps the one the office set.

use chrono::{DateTime, NaiveDate, Utc};
use onsite_core::doc::order::OrderOp;
use onsite_core::ids::OrderId;
use onsite_core::intake::{self, Intake};
use onsite_core::records::order::PriorRepair;
use onsite_core::records::request::Classification;
use onsite_core::returns::{self, Claim, Refusal};
use onsite_core::warranty;
use onsite_device::Store;
use serde::Serialize;

use crate::error::CommandError;
use crate::order::{detail, OrderDetail};
use crate::App;

/// The product's earlier completed repairs this device holds (an office device holds
/// every order), for the repeat-repair warranty.
fn prior_repairs(
    store: &mut Store,
    request: &Intake,
    now: DateTime<Utc>,
) -> Result<Vec<PriorRepair>, CommandError> {
    let ids = store.orders_about_product(&request.product.serial, &request.customer.phone)?;
    let mut prior = Vec::new();
    for id in ids {
        let id: OrderId = crate::parse_id("order", &id)?;
        let earlier = store.order(id)?;
        if !intake::same_product(request, &earlier) {
            continue;
        }
        prior.extend(intake::prior_repair(&earlier, now));
    }
    Ok(prior)
}

/// Office intake: a new order of the request's classification; a consultation carries
/// its `answer` and is closed on the spot.
#[tracing::instrument(skip_all, fields(channel = ?request.channel))]
pub fn create_order(
    app: &App,
    request: Intake,
    answer: Option<String>,
) -> Result<OrderDetail, CommandError> {
    let answer = answer
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    let consultation = request.classification == Classification::Consultation;
    if consultation && answer.is_none() {
        return Err(intake::IntakeError::MissingField { field: "answer" }.into());
    }
    let now = app.now();
    let out = app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        let prior = prior_repairs(store, &request, now)?;
        let today = rules.calendar.local_date(now);
        // A known customer's new order starts with the tier the office set for them.
        let key = onsite_core::customers::phone_key(&request.customer.phone);
        let history = if key.is_empty() {
            Vec::new()
        } else {
            store.customer_orders(Some(&key))?
        };
        let tier =
            onsite_core::customers::tier_for_new_order(request.customer.key_account, &history);
        let mut new = request.into_new_order(now, today, prior)?;
        new.customer.tier = tier;
        let id = new.id;
        // A new order runs under the current settings, and keeps that version for good.
        new.settings_version = Some(rules.current().version);
        let ctx = app.ctx(actor, rules.settings(), &rules.calendar);
        store.create_order(new, &ctx)?;
        if let Some(answer) = answer.filter(|_| consultation) {
            store.apply_order(id, &OrderOp::AnswerConsultation { answer }, &ctx)?;
        }
        detail(app, store, id)
    })?;
    app.sync.nudge();
    Ok(out)
}

/// Warranty and chargeability for a purchase date, shown live on the intake form.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct WarrantyCheck {
    /// The product warranty today.
    pub warranty: warranty::WarrantyStatus,
    /// The repair would be charged (before any repeat-repair warranty).
    pub chargeable: bool,
}

/// The preview, on the company calendar's date: the same "today" the order is judged on.
pub fn check_warranty(app: &App, purchase_date: Option<NaiveDate>) -> WarrantyCheck {
    let rules = app.rules();
    let status = warranty::status(
        purchase_date,
        rules.calendar.local_date(app.now()),
        rules.settings().warranty_years,
    );
    WarrantyCheck {
        chargeable: !matches!(status, warranty::WarrantyStatus::InWarranty { .. }),
        warranty: status,
    }
}

/// The customer's earlier order of the same unit on which an exchange was granted.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct EarlierExchange {
    /// The order's id.
    pub order: String,
    /// Its number.
    pub number: String,
}

/// A return or exchange claim judged as asked today.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ReturnCheck {
    /// The grounds the claim was judged on: the ones given, and "fault after exchange"
    /// when `earlier_exchange` found one.
    pub grounds: Vec<onsite_core::returns::Ground>,
    /// The earlier order of the same unit with a granted exchange, when there is one.
    pub earlier_exchange: Option<EarlierExchange>,
    /// The company's date today, the day the claim is asked.
    pub today: NaiveDate,
    /// The last day a claim of this kind is accepted.
    pub last_day: NaiveDate,
    /// Eligible: no refusal.
    pub eligible: bool,
    /// Every reason it is refused, in the rules' order (i18n `errors.return.<reason>`).
    pub refusals: Vec<Refusal>,
}

/// Which unit a claim is about, to look up its earlier exchanges: the serial and the
/// customer's phone, and the order the claim is on once there is one.
#[derive(Debug, Default, serde::Deserialize, ts_rs::TS)]
pub struct ClaimUnit {
    /// Serial number.
    #[serde(default)]
    pub serial: String,
    /// The customer's phone.
    #[serde(default)]
    pub phone: String,
    /// The order the claim is on (it does not count as an earlier one).
    #[serde(default)]
    pub order: Option<String>,
}

/// The customer's earlier order of the same unit with a granted exchange, among the
/// orders this device holds (an office device holds every order).
fn earlier_exchange(
    store: &mut Store,
    unit: &ClaimUnit,
) -> Result<Option<EarlierExchange>, CommandError> {
    if unit.serial.trim().is_empty() {
        return Ok(None);
    }
    let except: Option<OrderId> = match &unit.order {
        Some(id) => Some(crate::parse_id("order", id)?),
        None => None,
    };
    let mut orders = Vec::new();
    for id in store.orders_about_product(&unit.serial, &unit.phone)? {
        let id: OrderId = crate::parse_id("order", &id)?;
        orders.push(store.order(id)?);
    }
    Ok(
        returns::earlier_exchange(&unit.serial, &unit.phone, &orders, except).map(|o| {
            EarlierExchange {
                order: o.id.to_string(),
                number: o.number.clone(),
            }
        }),
    )
}

/// Whether a return (7 days) or exchange (15 days) claim can be granted, with every
/// refusal reason, shown on the intake form before the agent decides. The claim is
/// judged as asked today on the company calendar: its `requested_on` is replaced. When
/// the same unit was exchanged once already (`unit`), that ground is added.
pub fn check_return(
    app: &App,
    claim: Claim,
    unit: &ClaimUnit,
) -> Result<ReturnCheck, CommandError> {
    let rules = app.rules();
    let today = rules.calendar.local_date(app.now());
    let earlier = app.with_store(|store| earlier_exchange(store, unit))?;
    let claim = returns::with_earlier_exchange(
        Claim {
            requested_on: today,
            ..claim
        },
        earlier.is_some(),
    );
    let settings = rules.settings();
    let refusals = returns::check(&claim, settings).err().unwrap_or_default();
    Ok(ReturnCheck {
        grounds: claim.grounds.clone(),
        earlier_exchange: earlier,
        today,
        last_day: returns::last_day(claim.kind, claim.delivered_on, settings),
        eligible: refusals.is_empty(),
        refusals,
    })
}
