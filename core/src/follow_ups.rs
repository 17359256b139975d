//! Follow-ups 回访 as a rule: which periodic follow-ups of long-term and key customers
//! are due (one per customer, from the customer's tier and the last time anyone followed
//! them up, with [`sla::periodic_follow_up_due`]), which scores count as unsatisfied, and
//! the complaint an unsatisfied follow-up starts. The per-order call after closing is the
//! `sla::ClockKind::FollowUp` clock. No storage and no clock: callers pass `today`/`now`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::doc::complaint::{NewComplaint, Severity};
use crate::doc::order::OrderDoc;
use crate::ids::{ComplaintId, OrderId, RecordId};
use crate::lifecycle::OrderState;
use crate::records::request::CustomerTier;
use crate::settings::Settings;
use crate::sla::{self, ClockKind};

/// The highest follow-up score (of 1–5) that counts as unsatisfied: 1 非常不满意 and
/// 2 不满意. 3 (一般) is neither, and does not start a complaint. The rules leave the
/// figure unsaid; see docs/follow-ups.md.
pub const UNSATISFIED_AT_MOST: u8 = 2;

/// Whether a follow-up's score says the customer is unsatisfied.
pub fn is_unsatisfied(score: Option<u8>) -> bool {
    matches!(score, Some(s) if (1..=UNSATISFIED_AT_MOST).contains(&s))
}

/// One order as the customer's follow-ups see it (a projection row on the device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOrder {
    /// The order.
    pub order: OrderId,
    /// Its number.
    pub number: String,
    /// The customer's name on it.
    pub name: String,
    /// The customer's phone on it as compared (`customers::phone_key`): the key that
    /// finds the same customer again.
    pub phone: String,
    /// The customer's tier on it.
    pub tier: CustomerTier,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// When it was closed, if it is closed now (a reopened order is not).
    pub closed_at: Option<DateTime<Utc>>,
    /// The latest follow-up recorded on it.
    pub last_follow_up: Option<DateTime<Utc>>,
    /// Its follow-up after closing is still owed (the `follow_up` clock runs).
    pub follow_up_owed: bool,
}

impl CustomerOrder {
    /// The row of `order`, its follow-up clock judged with `settings` and `calendar`.
    pub fn of(order: &OrderDoc, settings: &Settings, calendar: &Calendar) -> Self {
        let owed = sla::order_clocks(order, settings, calendar)
            .iter()
            .any(|c| c.kind == ClockKind::FollowUp && c.stopped_at.is_none());
        Self {
            order: order.id,
            number: order.number.clone(),
            name: order.customer.name.clone(),
            phone: crate::customers::phone_key(&order.customer.phone),
            tier: order.customer.tier,
            received_at: order.request.received_at,
            closed_at: order
                .closed_at
                .filter(|_| order.state == OrderState::Closed),
            last_follow_up: order.follow_ups.iter().map(|f| f.at).max(),
            follow_up_owed: owed,
        }
    }
}

/// A periodic follow-up that is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeriodicDue {
    /// The customer's phone.
    pub phone: String,
    /// The customer's name (on their latest order).
    pub name: String,
    /// Long-term or key customer.
    pub tier: CustomerTier,
    /// The order the follow-up is recorded on: the customer's latest closed order.
    pub order: OrderId,
    /// Its number.
    pub number: String,
    /// The company's date the period counts from: the last follow-up, or the latest
    /// closing when the customer was never followed up.
    pub last: NaiveDate,
    /// The day it is due.
    pub due: NaiveDate,
}

/// The periodic follow-ups due on `today` (the company's date), earliest due first: one
/// per long-term or key customer (orders with the same phone) whose period since the last
/// follow-up has run out ([`next_periodic`]).
pub fn periodic_due(
    orders: &[CustomerOrder],
    settings: &Settings,
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<PeriodicDue> {
    let mut by_phone: std::collections::BTreeMap<&str, Vec<&CustomerOrder>> = Default::default();
    for o in orders.iter().filter(|o| !o.phone.is_empty()) {
        by_phone.entry(o.phone.as_str()).or_default().push(o);
    }
    let mut out: Vec<PeriodicDue> = by_phone
        .into_values()
        .filter_map(|rows| next_periodic(&rows, settings, calendar))
        .filter(|due| due.due <= today)
        .collect();
    out.sort_by(|a, b| (a.due, &a.phone).cmp(&(b.due, &b.phone)));
    out
}

/// The next periodic follow-up of one customer (`rows` are their orders), due or not:
/// none for a regular customer. The tier is the one on the customer's latest order. A
/// customer still owed the call after closing an order is left to that call, which
/// restarts the period; a customer with no closed order has nothing to record it on.
pub fn next_periodic(
    rows: &[&CustomerOrder],
    settings: &Settings,
    calendar: &Calendar,
) -> Option<PeriodicDue> {
    if rows.iter().any(|o| o.follow_up_owed) {
        return None;
    }
    let latest = crate::customers::latest(rows.iter().copied())?;
    let record_on = rows
        .iter()
        .filter_map(|o| o.closed_at.map(|at| (at, *o)))
        .max_by_key(|(at, o)| (*at, o.order))?;
    let last_at = rows
        .iter()
        .filter_map(|o| o.last_follow_up)
        .max()
        .unwrap_or(record_on.0);
    let last = calendar.local_date(last_at);
    let due = sla::periodic_follow_up_due(latest.tier, last, settings)?;
    Some(PeriodicDue {
        phone: latest.phone.clone(),
        name: latest.name.clone(),
        tier: latest.tier,
        order: record_on.1.order,
        number: record_on.1.number.clone(),
        last,
        due,
    })
}

/// What the agent adds when an unsatisfied follow-up starts a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUpComplaint {
    /// The follow-up on the order that was unsatisfied.
    pub follow_up: RecordId,
    /// General or major.
    pub severity: Severity,
    /// What the customer asks for (诉求); may be empty.
    pub demand: String,
    /// What happened; empty takes the follow-up's comments.
    pub content: String,
}

/// Why a follow-up cannot start a complaint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    /// No follow-up with that id on the order.
    #[error("order {order} has no follow-up {follow_up}")]
    UnknownFollowUp {
        /// The order.
        order: String,
        /// The follow-up asked for.
        follow_up: String,
    },
    /// The score was not unsatisfied (or none was given).
    #[error("a follow-up scored {score:?} is not unsatisfied")]
    NotUnsatisfied {
        /// The score given.
        score: Option<u8>,
    },
}

impl FollowUpError {
    /// The stable i18n code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownFollowUp { .. } => "errors.follow_up.unknown_follow_up",
            Self::NotUnsatisfied { .. } => "errors.follow_up.not_unsatisfied",
        }
    }
}

/// The complaint an unsatisfied follow-up on `order` starts, received at `now`: the
/// customer of the order complains, about the order, in the follow-up's words unless the
/// agent wrote others. Refused unless that follow-up's score is unsatisfied.
pub fn complaint_from(
    order: &OrderDoc,
    start: &FollowUpComplaint,
    now: DateTime<Utc>,
) -> Result<NewComplaint, FollowUpError> {
    let follow_up = order
        .follow_ups
        .iter()
        .find(|f| f.id == start.follow_up)
        .ok_or_else(|| FollowUpError::UnknownFollowUp {
            order: order.id.to_string(),
            follow_up: start.follow_up.to_string(),
        })?;
    if !is_unsatisfied(follow_up.score) {
        return Err(FollowUpError::NotUnsatisfied {
            score: follow_up.score,
        });
    }
    let content = match start.content.trim() {
        "" => follow_up.comment.trim(),
        written => written,
    };
    let id = ComplaintId::new_at(now);
    Ok(NewComplaint {
        id,
        number: crate::intake::complaint_number(id, now),
        complainant: order.customer.name.clone(),
        phone: order.customer.phone.clone(),
        contact: String::new(),
        content: content.to_string(),
        demand: start.demand.trim().to_string(),
        order: Some(order.id),
        severity: start.severity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::t0;
    use chrono::Duration;

    fn row(
        phone: &str,
        tier: CustomerTier,
        closed: Option<i64>,
        followed: Option<i64>,
    ) -> CustomerOrder {
        let at = |days: i64| t0() + Duration::days(days);
        CustomerOrder {
            order: OrderId::new_at(at(closed.unwrap_or(0))),
            number: format!("WO-{phone}"),
            name: "Wang".into(),
            phone: phone.into(),
            tier,
            received_at: at(closed.unwrap_or(0) - 1),
            closed_at: closed.map(at),
            last_follow_up: followed.map(at),
            follow_up_owed: false,
        }
    }

    fn today(days: i64) -> NaiveDate {
        Calendar::default().local_date(t0() + Duration::days(days))
    }

    #[test]
    fn scores_1_and_2_are_unsatisfied_and_3_is_not() {
        assert!(is_unsatisfied(Some(1)));
        assert!(is_unsatisfied(Some(2)));
        assert!(!is_unsatisfied(Some(3)));
        assert!(!is_unsatisfied(Some(5)));
        assert!(!is_unsatisfied(None), "no score says nothing");
        assert!(!is_unsatisfied(Some(0)), "0 is no score of 1–5");
    }

    #[test]
    fn a_key_customer_is_due_six_months_after_the_last_follow_up_and_not_before() {
        let s = Settings::default();
        let cal = Calendar::default();
        let rows = [row("138", CustomerTier::KeyAccount, Some(0), Some(2))];
        let last = today(2);
        let due = last.checked_add_months(chrono::Months::new(6)).unwrap();
        let day_before = (due - Duration::days(1) - today(0)).num_days();
        assert!(periodic_due(&rows, &s, &cal, today(day_before)).is_empty());
        let on_the_day = periodic_due(&rows, &s, &cal, due);
        assert_eq!(on_the_day.len(), 1, "due on the day half a year on");
        assert_eq!(on_the_day[0].due, due);
        assert_eq!(on_the_day[0].last, last);
        assert_eq!(on_the_day[0].order, rows[0].order);
    }

    #[test]
    fn a_long_term_customer_waits_a_year_and_a_regular_one_is_never_due() {
        let s = Settings::default();
        let cal = Calendar::default();
        let long = [row("139", CustomerTier::LongTerm, Some(0), None)];
        assert!(periodic_due(&long, &s, &cal, today(200)).is_empty());
        assert_eq!(periodic_due(&long, &s, &cal, today(366)).len(), 1);
        let regular = [row("137", CustomerTier::Regular, Some(0), None)];
        assert!(periodic_due(&regular, &s, &cal, today(1000)).is_empty());
    }

    #[test]
    fn one_entry_per_customer_on_the_latest_closed_order_counting_from_the_latest_follow_up() {
        let s = Settings::default();
        let cal = Calendar::default();
        let rows = [
            row("138", CustomerTier::KeyAccount, Some(0), Some(1)),
            row("138", CustomerTier::KeyAccount, Some(100), None),
            row("138", CustomerTier::KeyAccount, None, Some(120)),
        ];
        let due = periodic_due(&rows, &s, &cal, today(400));
        assert_eq!(due.len(), 1, "one call per customer: {due:?}");
        assert_eq!(
            due[0].order, rows[1].order,
            "recorded on the latest closed order"
        );
        assert_eq!(due[0].last, today(120), "counted from the latest follow-up");
        assert!(
            periodic_due(&rows, &s, &cal, today(250)).is_empty(),
            "120 days + 6 months is not reached on day 250"
        );
    }

    #[test]
    fn a_customer_owed_the_call_after_closing_gets_that_call_instead() {
        let s = Settings::default();
        let cal = Calendar::default();
        let mut owed = row("138", CustomerTier::KeyAccount, Some(300), None);
        owed.follow_up_owed = true;
        let rows = [row("138", CustomerTier::KeyAccount, Some(0), None), owed];
        assert!(periodic_due(&rows, &s, &cal, today(400)).is_empty());
        let never_closed = [row("140", CustomerTier::KeyAccount, None, None)];
        assert!(periodic_due(&never_closed, &s, &cal, today(400)).is_empty());
    }

    #[test]
    fn an_unsatisfied_follow_up_starts_a_complaint_about_the_order_in_its_words(
    ) -> Result<(), crate::lifecycle::TransitionError> {
        use crate::doc::order::OrderOp;
        use crate::fixtures::Scenario;
        use crate::records::order::ContactChannel;
        use crate::records::request::ServiceMode;
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Closed)?;
        let (low, fine) = (s.id(), s.id());
        for (id, score, comment) in [(low, 2, "the noise is back"), (fine, 4, "ok")] {
            s.run(
                s.cast.dispatcher,
                OrderOp::FollowUp {
                    id,
                    channel: ContactChannel::Phone,
                    score: Some(score),
                    comment: comment.into(),
                },
            )?;
        }
        let start = |follow_up, content: &str| FollowUpComplaint {
            follow_up,
            severity: Severity::General,
            demand: " a free re-repair ".into(),
            content: content.into(),
        };
        let new = complaint_from(&s.order, &start(low, ""), t0())
            .expect("an unsatisfied score starts a complaint");
        assert_eq!(new.order, Some(s.order.id), "linked to the order");
        assert_eq!(new.content, "the noise is back", "in the follow-up's words");
        assert_eq!(new.demand, "a free re-repair");
        assert_eq!(new.phone, s.order.customer.phone);
        assert!(new.number.starts_with("TS-"));
        let written = complaint_from(&s.order, &start(low, "rattles"), t0());
        assert_eq!(written.map(|n| n.content).ok().as_deref(), Some("rattles"));
        assert_eq!(
            complaint_from(&s.order, &start(fine, ""), t0()).map(|_| ()),
            Err(FollowUpError::NotUnsatisfied { score: Some(4) })
        );
        assert!(matches!(
            complaint_from(&s.order, &start(crate::fixtures::rid(999), ""), t0()),
            Err(FollowUpError::UnknownFollowUp { .. })
        ));
        Ok(())
    }
}
