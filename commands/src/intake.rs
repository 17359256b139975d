//! Office intake: `create_order` (a repair order, or a consultation answered and closed
//! on the spot) and `check_warranty` (the live preview on the form). Both judge the
//! warranty on the company calendar's date, and the order looks up the product's earlier
//! repairs so the repeat-repair warranty applies.

use chrono::{DateTime, NaiveDate, Utc};
use onsite_core::doc::order::OrderOp;
use onsite_core::ids::OrderId;
use onsite_core::intake::{self, Intake};
use onsite_core::records::order::PriorRepair;
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

/// Office intake: a new repair order, or with `answer` a consultation answered and
/// closed on the spot.
#[tracing::instrument(skip_all, fields(channel = ?request.channel))]
pub fn create_order(
    app: &App,
    request: Intake,
    answer: Option<String>,
) -> Result<OrderDetail, CommandError> {
    request.validate()?;
    let answer = answer
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    let now = app.now();
    let out = app.with_store(|store| {
        let actor = app.actor(store)?;
        let prior = prior_repairs(store, &request, now)?;
        let mut new = request.into_new_order(now, answer.is_some(), prior)?;
        let id = new.id;
        // A new order runs under the current settings, and keeps that version for good.
        let rules = crate::rules_of(store);
        new.settings_version = Some(rules.current().version);
        let ctx = app.ctx(actor, rules.settings(), &rules.calendar);
        store.create_order(new, &ctx)?;
        if let Some(answer) = answer {
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
