//! Follow-ups 回访 on the office device: the queue (`follow_up_queue`) of closed orders
//! still owed their satisfaction call, with the customer's phone, and of the long-term
//! and key customers whose periodic call is due, oldest first; recording one
//! (`record_follow_up`), which stops the order's follow-up clock; and the complaint an
//! unsatisfied score starts in one step (`complaint_from_follow_up`). The rules are
//! `onsite_core::follow_ups` and the `follow_up` SLA clock; the server judges the pushed
//! follow-up and complaint against the signed-in user's role.

use chrono::{DateTime, NaiveDate, Utc};
use onsite_core::doc::order::OrderOp;
use onsite_core::follow_ups::{self, FollowUpComplaint, FollowUpError};
use onsite_core::ids::{OrderId, RecordId};
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::CustomerTier;
use onsite_core::sla::ClockKind;
use onsite_device::store::clocks::ClockFilter;
use serde::{Deserialize, Serialize};

use crate::complaints::ComplaintDetail;
use crate::error::CommandError;
use crate::list::SlaStatus;
use crate::{parse_id, App};

/// Why an order is in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// The satisfaction call after closing (3 working days by default).
    AfterClose,
    /// The periodic call of a long-term (yearly) or key (half-yearly) customer.
    Periodic,
}

/// One follow-up owed.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct FollowUpItem {
    /// After closing, or periodic.
    pub kind: FollowUpKind,
    /// The order it is recorded on.
    pub order: String,
    /// Its number.
    pub number: String,
    /// The customer.
    pub customer: String,
    /// The number to call.
    pub phone: String,
    /// The customer's tier.
    pub tier: CustomerTier,
    /// Since when it is owed: the closing, or the start of the day the periodic call
    /// fell due. The queue is sorted by it, oldest first.
    pub since: DateTime<Utc>,
    /// The follow-up clock after closing: on track, at risk or breached.
    pub status: Option<SlaStatus>,
    /// Its deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// A periodic call: the last follow-up (or closing) it counts from.
    pub last: Option<NaiveDate>,
    /// A periodic call: the day it fell due.
    pub due: Option<NaiveDate>,
}

/// The queue.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct FollowUpQueue {
    /// When it was evaluated.
    pub at: DateTime<Utc>,
    /// Every follow-up owed, oldest first.
    pub items: Vec<FollowUpItem>,
    /// The highest score that counts as unsatisfied (and can start a complaint).
    pub unsatisfied_at_most: u8,
}

/// A recorded follow-up.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct FollowUpRecorded {
    /// The order.
    pub order: String,
    /// The follow-up's record id (to start a complaint from it).
    pub follow_up: RecordId,
    /// The score says the customer is unsatisfied: the desk offers a complaint.
    pub unsatisfied: bool,
}

/// What the desk sends to record a follow-up.
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct FollowUpInput {
    /// How the customer was reached.
    pub channel: ContactChannel,
    /// Score 1–5, if given.
    pub score: Option<u8>,
    /// Comments.
    pub comment: String,
}

impl From<FollowUpError> for CommandError {
    fn from(err: FollowUpError) -> Self {
        let out = CommandError::new(err.code(), err.to_string());
        match err {
            FollowUpError::NotUnsatisfied { score } => out.with("score", score),
            FollowUpError::UnknownFollowUp { .. } => out,
        }
    }
}

/// The follow-ups owed now, oldest first.
#[tracing::instrument(skip_all)]
pub fn follow_up_queue(app: &App) -> Result<FollowUpQueue, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let rules = crate::rules_of(store);
        let mut items = Vec::new();
        let filter = ClockFilter {
            assignee: None,
            clock: Some(ClockKind::FollowUp.name()),
        };
        for row in store.running_clocks(&filter)? {
            let state = crate::sla_board::clock_of(&row)?.evaluate(now);
            let id: OrderId = parse_id("order", &row.doc_id)?;
            let order = store.order(id)?;
            items.push(FollowUpItem {
                kind: FollowUpKind::AfterClose,
                order: row.doc_id,
                number: row.number,
                customer: row.customer,
                phone: order.customer.phone.clone(),
                tier: order.customer.tier,
                since: crate::instant(row.started_at, "a follow-up clock")?,
                status: Some(state.status.into()),
                deadline: Some(state.deadline),
                last: None,
                due: None,
            });
        }
        let today = rules.calendar.local_date(now);
        let customers = store.customer_orders(None)?;
        for due in follow_ups::periodic_due(&customers, rules.settings(), &rules.calendar, today) {
            items.push(FollowUpItem {
                kind: FollowUpKind::Periodic,
                order: due.order.to_string(),
                number: due.number,
                customer: due.name,
                phone: due.phone,
                tier: due.tier,
                since: rules.calendar.day_span(due.due).0,
                status: None,
                deadline: None,
                last: Some(due.last),
                due: Some(due.due),
            });
        }
        items.sort_by(|a, b| (a.since, &a.number).cmp(&(b.since, &b.number)));
        Ok(FollowUpQueue {
            at: now,
            items,
            unsatisfied_at_most: follow_ups::UNSATISFIED_AT_MOST,
        })
    })
}

/// Records a follow-up on `order` as the signed-in user: the channel, the score and the
/// comments. It stops the order's follow-up clock and restarts the customer's period.
#[tracing::instrument(skip_all, fields(order = %order))]
pub fn record_follow_up(
    app: &App,
    order: &str,
    input: FollowUpInput,
) -> Result<FollowUpRecorded, CommandError> {
    let id: OrderId = parse_id("order", order)?;
    let follow_up = RecordId::new_at(app.now());
    let op = OrderOp::FollowUp {
        id: follow_up,
        channel: input.channel,
        score: input.score,
        comment: input.comment.trim().to_string(),
    };
    crate::order::edit(app, id, |_| Ok(op))?;
    Ok(FollowUpRecorded {
        order: id.to_string(),
        follow_up,
        unsatisfied: follow_ups::is_unsatisfied(input.score),
    })
}

/// Starts a complaint from an unsatisfied follow-up on `order`, in one step: the
/// customer, the order and the follow-up's comments are filled in.
#[tracing::instrument(skip_all, fields(order = %order))]
pub fn complaint_from_follow_up(
    app: &App,
    order: &str,
    start: FollowUpComplaint,
) -> Result<ComplaintDetail, CommandError> {
    let id: OrderId = parse_id("order", order)?;
    let now = app.now();
    let out = app.with_store(|store| {
        let actor = app.actor(store)?;
        let rules = crate::rules_of(store);
        let doc = store.order(id)?;
        let new = follow_ups::complaint_from(&doc, &start, now)?;
        let complaint = new.id;
        let ctx = app.ctx(actor, rules.settings(), &rules.calendar);
        store.create_complaint(new, &ctx)?;
        crate::complaints::detail_in(app, store, &rules, actor, complaint)
    })?;
    app.sync.nudge();
    Ok(out)
}
