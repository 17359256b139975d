//! SLA clocks (时效): every clock of the rules' table, evaluated at a given instant to
//! met, at risk, breached or paused, with its deadline. Working-day clocks run on the
//! company [`Calendar`]. No clock reads: `now` is a parameter.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::doc::complaint::{ComplaintDoc, Severity};
use crate::doc::order::OrderDoc;
use crate::lifecycle::OrderState;
use crate::records::request::{Classification, CustomerTier, Priority, ServiceMode};
use crate::settings::{Settings, SlaSpan};

/// Which clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Phone call answered (10 s; telephony, informational).
    PhoneAnswer,
    /// Online message first reply (30 min).
    OnlineFirstReply,
    /// First response to a request (24 h).
    FirstResponse,
    /// First handling (48 h).
    FirstHandling,
    /// Resolution (72 h).
    Resolution,
    /// Contact after dispatch (24 h).
    ContactAfterDispatch,
    /// Mail-in inspection after receipt (24 h).
    MailInInspection,
    /// Repair record entered after completion (2 working days).
    RecordEntry,
    /// Emergency response.
    EmergencyResponse,
    /// Emergency on site.
    EmergencyOnSite,
    /// Complaint first contact (1 h).
    ComplaintFirstContact,
    /// Complaint resolved (3 or 7 working days).
    ComplaintResolved,
    /// Satisfaction follow-up after closing (3 working days).
    FollowUp,
    /// Periodic follow-up of long-term (12 months) and key (6 months) customers.
    PeriodicFollowUp,
    /// Return window after delivery (7 days).
    ReturnWindow,
    /// Exchange window after delivery (15 days).
    ExchangeWindow,
}

impl ClockKind {
    /// Its snake_case name, as stored in projections and sent to the UI.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => String::new(),
        }
    }

    /// The clock named `name` (snake_case), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::from(name)).ok()
    }
}

/// A clock's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// Stopped in time, or running with more than the at-risk share left.
    Met,
    /// Paused while waiting for the customer.
    Paused,
    /// Running with less than the at-risk share (default 25 %) left.
    AtRisk,
    /// Past the deadline.
    Breached,
}

/// A clock's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// Which clock.
    pub kind: ClockKind,
    /// When it started.
    pub start: DateTime<Utc>,
    /// The deadline before pauses.
    pub deadline: DateTime<Utc>,
    /// From when (before pauses) less than the at-risk share of its time is left. For a
    /// working-day clock the share is of working time, so a weekend inside the clock
    /// does not make it read at risk early.
    pub at_risk_from: DateTime<Utc>,
    /// When the awaited event happened, if it has.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Intervals in which the clock is paused (waiting for the customer); an open
    /// interval has no end.
    pub pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

/// A clock evaluated at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClockState {
    /// Which clock.
    pub kind: ClockKind,
    /// Verdict.
    pub status: SlaStatus,
    /// Deadline, extended by the time spent paused.
    pub deadline: DateTime<Utc>,
    /// When it stopped, if it has.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Whether it is still running.
    pub running: bool,
}

impl Clock {
    /// Evaluates the clock at `now` (its at-risk share was fixed when it was built).
    pub fn evaluate(&self, now: DateTime<Utc>) -> ClockState {
        let end = self.stopped_at.unwrap_or(now);
        let mut paused = Duration::zero();
        let mut paused_now = false;
        for (from, to) in &self.pauses {
            let clipped_from = (*from).max(self.start);
            let clipped_to = to.unwrap_or(end).min(end);
            if clipped_to > clipped_from {
                paused += clipped_to - clipped_from;
            }
            if self.stopped_at.is_none() && *from <= now && to.is_none_or(|t| t > now) {
                paused_now = true;
            }
        }
        let deadline = self.deadline + paused;
        let (status, running) = match self.stopped_at {
            Some(stop) => (
                if stop <= deadline {
                    SlaStatus::Met
                } else {
                    SlaStatus::Breached
                },
                false,
            ),
            None if now > deadline => (SlaStatus::Breached, true),
            None if paused_now => (SlaStatus::Paused, true),
            None if now > self.at_risk_from + paused => (SlaStatus::AtRisk, true),
            None => (SlaStatus::Met, true),
        };
        ClockState {
            kind: self.kind,
            status,
            deadline,
            stopped_at: self.stopped_at,
            running,
        }
    }
}

impl Clock {
    /// The time spent paused up to `now`, and whether a pause is open then.
    fn paused_until(&self, now: DateTime<Utc>) -> (Duration, bool) {
        let mut paused = Duration::zero();
        let mut open = false;
        for (from, to) in &self.pauses {
            let clipped_from = (*from).max(self.start);
            let clipped_to = to.unwrap_or(now).min(now);
            if clipped_to > clipped_from {
                paused += clipped_to - clipped_from;
            }
            if *from <= now && to.is_none_or(|t| t > now) {
                open = true;
            }
        }
        (paused, open)
    }

    /// The next instant after `now` at which this clock's verdict changes by time alone
    /// (it becomes at risk, or breached); `None` if only an event can change it (it
    /// stopped, is breached already, or is paused).
    pub fn next_change(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.stopped_at.is_some() {
            return None;
        }
        let (paused, open) = self.paused_until(now);
        if open {
            return None;
        }
        [self.at_risk_from + paused, self.deadline + paused]
            .into_iter()
            .find(|t| *t >= now)
    }
}

/// The next instant after `now` at which any of `clocks` changes its verdict by time
/// alone: when a server must look at the order again even if nobody touches it.
pub fn next_change(clocks: &[Clock], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    clocks.iter().filter_map(|c| c.next_change(now)).min()
}

/// The worst verdict of several clocks: breached, then at risk, then paused, then met.
pub fn worst(states: &[ClockState]) -> Option<SlaStatus> {
    states.iter().map(|s| s.status).max()
}

/// When a clock of `span` from `start` to `deadline` has less than `percent` of its time
/// left: wall-clock time for a clock in hours, working time for one in working days.
fn at_risk_from(
    start: DateTime<Utc>,
    deadline: DateTime<Utc>,
    span: SlaSpan,
    percent: u8,
    calendar: &Calendar,
) -> DateTime<Utc> {
    let share = |total: Duration| total * i32::from(percent) / 100;
    match span {
        SlaSpan::Seconds(_) => deadline - share(deadline - start),
        SlaSpan::WorkingDays(_) => {
            let total = calendar.working_time_between(start, deadline);
            calendar.working_time_before(deadline, share(total))
        }
    }
}

fn clock(
    kind: ClockKind,
    start: DateTime<Utc>,
    span: SlaSpan,
    stopped_at: Option<DateTime<Utc>>,
    pauses: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
    settings: &Settings,
    calendar: &Calendar,
) -> Clock {
    let deadline = calendar.deadline(start, span);
    Clock {
        kind,
        start,
        deadline,
        at_risk_from: at_risk_from(start, deadline, span, settings.at_risk_percent, calendar),
        stopped_at,
        pauses: pauses.to_vec(),
    }
}

/// Intervals the order spent on hold waiting for the customer.
pub fn order_pauses(order: &OrderDoc) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let mut history: Vec<_> = order.history.iter().collect();
    history.sort_by_key(|h| (h.at, h.id));
    let mut out = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for h in history {
        if let Some(start) = open.take() {
            out.push((start, Some(h.at)));
        }
        if h.to == OrderState::OnHold && h.pauses_clocks {
            open = Some(h.at);
        }
    }
    if let Some(start) = open {
        out.push((start, None));
    }
    out
}

/// Intervals a complaint spent waiting for the customer's verdict (resolved, not yet
/// answered): its resolution clock does not run while the customer has the last word.
pub fn complaint_pauses(c: &ComplaintDoc) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    use crate::doc::complaint::ComplaintStatus;
    // Several steps often share an instant: the stable sort keeps their recorded order.
    let mut history: Vec<_> = c.history.iter().collect();
    history.sort_by_key(|h| h.at);
    let mut out = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    for h in history {
        if let Some(start) = open.take() {
            out.push((start, Some(h.at)));
        }
        if h.to == ComplaintStatus::Resolved {
            open = Some(h.at);
        }
    }
    if let Some(start) = open {
        out.push((start, None));
    }
    out
}

/// Every instant of `order` a clock reads, by a stable key (`visit/<id>`, `closed` …):
/// what a device records, and what a measured clock offset may correct.
pub fn recorded_times(order: &OrderDoc) -> BTreeMap<String, DateTime<Utc>> {
    let mut out = BTreeMap::new();
    for c in &order.contacts {
        out.insert(format!("contact/{}", c.id), c.at);
    }
    for v in &order.visits {
        out.insert(format!("visit/{}", v.id), v.checked_in_at);
    }
    for t in &order.tests {
        out.insert(format!("test/{}", t.id), t.at);
    }
    for f in &order.follow_ups {
        out.insert(format!("follow_up/{}", f.id), f.at);
    }
    for h in &order.history {
        out.insert(format!("history/{}", h.id), h.at);
    }
    let singles = [
        ("receipt", order.receipt.as_ref().map(|r| r.at)),
        ("diagnosis", order.diagnosis.as_ref().map(|d| d.at)),
        ("sign_off", order.sign_off.as_ref().map(|s| s.at)),
        ("shipment", order.shipment.as_ref().map(|s| s.at)),
        ("dispatched", order.dispatched_at),
        ("closed", order.closed_at),
    ];
    for (key, at) in singles {
        if let Some(at) = at {
            out.insert(key.to_string(), at);
        }
    }
    out
}

/// The recorded instants `new` has that `old` did not (or had at another time): what
/// one push recorded.
pub fn newly_recorded(old: Option<&OrderDoc>, new: &OrderDoc) -> Vec<String> {
    let before = old.map(recorded_times).unwrap_or_default();
    recorded_times(new)
        .into_iter()
        .filter(|(key, at)| before.get(key) != Some(at))
        .map(|(key, _)| key)
        .collect()
}

/// The instants a clock reads, each corrected by the clock offset measured for the
/// device that recorded it (milliseconds to add, by [`recorded_times`] key).
fn corrected_order(order: &OrderDoc, offsets: &BTreeMap<String, i64>) -> OrderDoc {
    if offsets.is_empty() {
        return order.clone();
    }
    let fix = |key: String, at: &mut DateTime<Utc>| {
        if let Some(ms) = offsets.get(&key) {
            *at += Duration::milliseconds(*ms);
        }
    };
    let mut o = order.clone();
    for c in &mut o.contacts {
        fix(format!("contact/{}", c.id), &mut c.at);
    }
    for v in &mut o.visits {
        fix(format!("visit/{}", v.id), &mut v.checked_in_at);
    }
    for t in &mut o.tests {
        fix(format!("test/{}", t.id), &mut t.at);
    }
    for f in &mut o.follow_ups {
        fix(format!("follow_up/{}", f.id), &mut f.at);
    }
    for h in &mut o.history {
        fix(format!("history/{}", h.id), &mut h.at);
    }
    if let Some(r) = &mut o.receipt {
        fix("receipt".into(), &mut r.at);
    }
    if let Some(d) = &mut o.diagnosis {
        fix("diagnosis".into(), &mut d.at);
    }
    if let Some(s) = &mut o.sign_off {
        fix("sign_off".into(), &mut s.at);
    }
    if let Some(s) = &mut o.shipment {
        fix("shipment".into(), &mut s.at);
    }
    if let Some(at) = &mut o.dispatched_at {
        fix("dispatched".into(), at);
    }
    if let Some(at) = &mut o.closed_at {
        fix("closed".into(), at);
    }
    o
}

/// The clocks that apply to `order`, unevaluated, on the instants corrected by the
/// clock offsets the server measured for the devices that recorded them.
pub fn order_clocks(order: &OrderDoc, settings: &Settings, calendar: &Calendar) -> Vec<Clock> {
    let offsets = crate::sla::clock_offsets(order);
    let corrected = corrected_order(order, &offsets);
    clocks_of(&corrected, settings, calendar)
}

fn clocks_of(order: &OrderDoc, settings: &Settings, calendar: &Calendar) -> Vec<Clock> {
    let sla = &settings.sla;
    let pauses = order_pauses(order);
    let received = order.request.received_at;
    // A consultation is answered at intake: the answer (which closes it) is its response.
    let consultation = order.request.classification == Classification::Consultation;
    let answered = order.closed_at.filter(|_| consultation);
    let first_contact = order.contacts.iter().map(|c| c.at).chain(answered).min();
    let first_arrival = order
        .visits
        .iter()
        .map(|v| v.checked_in_at)
        .chain(order.receipt.as_ref().map(|r| r.at))
        .min();
    let mut out = Vec::new();
    let mk = |kind, start, span, stop| clock(kind, start, span, stop, &pauses, settings, calendar);

    out.push(mk(
        ClockKind::FirstResponse,
        received,
        sla.first_response,
        first_contact,
    ));
    if order.request.channel.is_online_message() {
        out.push(mk(
            ClockKind::OnlineFirstReply,
            received,
            sla.online_first_reply,
            first_contact,
        ));
    }
    if let Some(span) = sla.first_handling {
        out.push(mk(ClockKind::FirstHandling, received, span, first_arrival));
    }
    if let Some(span) = sla.resolution {
        let resolved = order.tests.iter().filter(|t| t.passed).map(|t| t.at).min();
        out.push(mk(ClockKind::Resolution, received, span, resolved));
    }
    if order.priority == Priority::Emergency {
        out.push(mk(
            ClockKind::EmergencyResponse,
            received,
            sla.emergency_response,
            first_contact,
        ));
        out.push(mk(
            ClockKind::EmergencyOnSite,
            received,
            sla.emergency_on_site,
            first_arrival,
        ));
    }
    if let Some(dispatched) = order.dispatched_at {
        let reached = order
            .contacts
            .iter()
            .filter(|c| c.reached && c.at >= dispatched)
            .map(|c| c.at)
            .min();
        out.push(mk(
            ClockKind::ContactAfterDispatch,
            dispatched,
            sla.contact_after_dispatch,
            reached,
        ));
    }
    if order.mode == ServiceMode::MailIn {
        if let Some(receipt) = &order.receipt {
            let inspected = order.diagnosis.as_ref().map(|d| d.at);
            out.push(mk(
                ClockKind::MailInInspection,
                receipt.at,
                sla.mail_in_inspection,
                inspected,
            ));
        }
    }
    let finished = order
        .sign_off
        .as_ref()
        .map(|s| s.at)
        .or_else(|| order.shipment.as_ref().map(|s| s.at));
    if let Some(finished) = finished {
        out.push(mk(
            ClockKind::RecordEntry,
            finished,
            sla.record_entry,
            order.closed_at,
        ));
    }
    if let Some(closed) = order.closed_at {
        let followed = order
            .follow_ups
            .iter()
            .filter(|f| f.at >= closed)
            .map(|f| f.at)
            .min();
        out.push(mk(ClockKind::FollowUp, closed, sla.follow_up, followed));
    }
    if order.state == OrderState::Cancelled {
        // A cancelled order owes nothing more; only clocks that already stopped count.
        out.retain(|c| c.stopped_at.is_some());
    }
    if consultation {
        // Nothing is handled, repaired or followed up: only the response clocks apply.
        out.retain(|c| {
            matches!(
                c.kind,
                ClockKind::FirstResponse
                    | ClockKind::OnlineFirstReply
                    | ClockKind::EmergencyResponse
            )
        });
    }
    out
}

/// The clock offsets recorded on `order` (milliseconds to add, by [`recorded_times`]
/// key).
pub fn clock_offsets(order: &OrderDoc) -> BTreeMap<String, i64> {
    order
        .clock_offsets
        .iter()
        .map(|o| (o.record.clone(), o.offset_ms))
        .collect()
}

/// Every clock of `order` evaluated at `now`.
pub fn evaluate_order(
    order: &OrderDoc,
    settings: &Settings,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Vec<ClockState> {
    order_clocks(order, settings, calendar)
        .iter()
        .map(|c| c.evaluate(now))
        .collect()
}

/// The complaint clocks: first contact (1 h) and resolution (3 working days general,
/// 7 major), which stops when the customer is satisfied and the complaint closes, and
/// is paused while the complaint waits for the customer's verdict.
pub fn complaint_clocks(c: &ComplaintDoc, settings: &Settings, calendar: &Calendar) -> Vec<Clock> {
    let sla = &settings.sla;
    let resolve = match c.severity {
        Severity::General => sla.general_complaint_resolved,
        Severity::Major => sla.major_complaint_resolved,
    };
    vec![
        clock(
            ClockKind::ComplaintFirstContact,
            c.received_at,
            sla.complaint_first_contact,
            c.first_contact_at,
            &[],
            settings,
            calendar,
        ),
        clock(
            ClockKind::ComplaintResolved,
            c.received_at,
            resolve,
            c.closed_at,
            &complaint_pauses(c),
            settings,
            calendar,
        ),
    ]
}

/// Every clock of a complaint evaluated at `now`.
pub fn evaluate_complaint(
    c: &ComplaintDoc,
    settings: &Settings,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Vec<ClockState> {
    complaint_clocks(c, settings, calendar)
        .iter()
        .map(|k| k.evaluate(now))
        .collect()
}

/// The phone-answer clock for one call (telephony data, informational).
pub fn phone_answer(
    rang_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    settings: &Settings,
    calendar: &Calendar,
) -> Clock {
    clock(
        ClockKind::PhoneAnswer,
        rang_at,
        settings.sla.phone_answer,
        answered_at,
        &[],
        settings,
        calendar,
    )
}

/// When a customer's next periodic follow-up is due: a year after the last one for
/// long-term customers, half a year for key customers; `None` for regular customers.
pub fn periodic_follow_up_due(
    tier: CustomerTier,
    last: NaiveDate,
    settings: &Settings,
) -> Option<NaiveDate> {
    let months = match tier {
        CustomerTier::Regular => return None,
        CustomerTier::LongTerm => settings.long_term_follow_up_months,
        CustomerTier::KeyAccount => settings.key_customer_follow_up_months,
    };
    last.checked_add_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::order::OrderOp;
    use crate::fixtures::{t0, Scenario};
    use crate::records::order::{ContactChannel, HoldKind};
    use crate::records::request::ServiceMode;

    fn state(states: &[ClockState], kind: ClockKind) -> Option<ClockState> {
        states.iter().find(|s| s.kind == kind).cloned()
    }

    fn h(n: i64) -> Duration {
        Duration::hours(n)
    }

    #[test]
    fn a_clock_is_found_again_by_its_stored_name() {
        assert_eq!(
            ClockKind::ContactAfterDispatch.name(),
            "contact_after_dispatch"
        );
        assert_eq!(
            ClockKind::from_name("complaint_resolved"),
            Some(ClockKind::ComplaintResolved)
        );
        assert_eq!(ClockKind::from_name("coffee_break"), None);
    }

    #[test]
    fn contact_deadline_is_24h_after_dispatch() -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Dispatched)?;
        let dispatched = s
            .order
            .dispatched_at
            .ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        let at = |now| {
            state(
                &evaluate_order(&s.order, &s.settings, &s.calendar, now),
                ClockKind::ContactAfterDispatch,
            )
        };
        let c = at(dispatched + h(1)).ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        assert_eq!(c.deadline, dispatched + h(24), "24 h after dispatch");
        assert_eq!(c.status, SlaStatus::Met);
        assert_eq!(
            at(dispatched + h(19)).map(|c| c.status),
            Some(SlaStatus::AtRisk),
            "under 25 % (6 h) left"
        );
        assert_eq!(
            at(dispatched + h(17)).map(|c| c.status),
            Some(SlaStatus::Met),
            "7 h left is not yet at risk"
        );
        assert_eq!(
            at(dispatched + h(25)).map(|c| c.status),
            Some(SlaStatus::Breached)
        );
        Ok(())
    }

    #[test]
    fn contact_within_24h_is_met_for_good() -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Contacted)?;
        let later = s.now + Duration::days(30);
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, later),
            ClockKind::ContactAfterDispatch,
        );
        assert_eq!(
            c.map(|c| (c.status, c.running)),
            Some((SlaStatus::Met, false))
        );
        Ok(())
    }

    #[test]
    fn first_response_is_24h_after_the_request() {
        let s = Scenario::new(ServiceMode::OnSite, false);
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, t0()),
            ClockKind::FirstResponse,
        );
        assert_eq!(c.map(|c| c.deadline), Some(t0() + h(24)));
    }

    #[test]
    fn first_handling_48h_and_resolution_72h() {
        let s = Scenario::new(ServiceMode::OnSite, false);
        let states = evaluate_order(&s.order, &s.settings, &s.calendar, t0());
        assert_eq!(
            state(&states, ClockKind::FirstHandling).map(|c| c.deadline),
            Some(t0() + h(48))
        );
        assert_eq!(
            state(&states, ClockKind::Resolution).map(|c| c.deadline),
            Some(t0() + h(72))
        );
        assert_eq!(
            state(
                &evaluate_order(&s.order, &s.settings, &s.calendar, t0() + h(73)),
                ClockKind::Resolution
            )
            .map(|c| c.status),
            Some(SlaStatus::Breached)
        );
    }

    #[test]
    fn online_message_first_reply_is_30_min() {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.order.request.channel = crate::records::request::Channel::WeChat;
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, t0()),
            ClockKind::OnlineFirstReply,
        );
        assert_eq!(c.map(|c| c.deadline), Some(t0() + Duration::minutes(30)));
        let phone = Scenario::new(ServiceMode::OnSite, false);
        assert!(
            state(
                &evaluate_order(&phone.order, &phone.settings, &phone.calendar, t0()),
                ClockKind::OnlineFirstReply
            )
            .is_none(),
            "phone requests have no online clock"
        );
    }

    #[test]
    fn mail_in_inspection_is_24h_after_receipt() -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::MailIn, false);
        s.drive_to(OrderState::Received)?;
        let received = s
            .order
            .receipt
            .as_ref()
            .map(|r| r.at)
            .ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, received),
            ClockKind::MailInInspection,
        );
        assert_eq!(c.map(|c| c.deadline), Some(received + h(24)));
        Ok(())
    }

    #[test]
    fn repair_record_due_2_working_days_after_sign_off(
    ) -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::SignedOff)?;
        // Signed on Monday 09:xx Beijing: due Wednesday same time.
        let signed = s
            .order
            .sign_off
            .as_ref()
            .map(|x| x.at)
            .ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, signed),
            ClockKind::RecordEntry,
        );
        assert_eq!(c.map(|c| c.deadline), Some(signed + Duration::days(2)));
        Ok(())
    }

    #[test]
    fn repair_record_due_skips_the_weekend() {
        let cal = Calendar::default();
        // Friday 2026-11-27 15:00 Beijing.
        let fri = Utc.with_ymd_and_hms(2026, 11, 27, 7, 0, 0).unwrap();
        let c = clock(
            ClockKind::RecordEntry,
            fri,
            SlaSpan::WorkingDays(2),
            None,
            &[],
            &Settings::default(),
            &cal,
        );
        assert_eq!(
            c.deadline,
            Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
            "Friday + 2 working days = Tuesday"
        );
    }

    #[test]
    fn follow_up_due_3_working_days_after_close() -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Closed)?;
        let closed = s
            .order
            .closed_at
            .ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, closed),
            ClockKind::FollowUp,
        );
        // Closed Monday: Tue, Wed, Thu.
        assert_eq!(c.map(|c| c.deadline), Some(closed + Duration::days(3)));
        Ok(())
    }

    #[test]
    fn emergency_clocks_respond_2h_on_site_4h() {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.order.priority = crate::records::request::Priority::Emergency;
        let states = evaluate_order(&s.order, &s.settings, &s.calendar, t0());
        assert_eq!(
            state(&states, ClockKind::EmergencyResponse).map(|c| c.deadline),
            Some(t0() + h(2))
        );
        assert_eq!(
            state(&states, ClockKind::EmergencyOnSite).map(|c| c.deadline),
            Some(t0() + h(4))
        );
    }

    #[test]
    fn waiting_for_customer_pauses_the_clock_and_extends_the_deadline(
    ) -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Dispatched)?;
        let dispatched = s
            .order
            .dispatched_at
            .ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        s.now = dispatched + h(2);
        s.run(
            s.cast.technician,
            OrderOp::Hold {
                kind: HoldKind::WaitingForCustomer,
                reason: "customer abroad".into(),
            },
        )?;
        let held_at = s.now;
        let during = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, held_at + h(30)),
            ClockKind::ContactAfterDispatch,
        );
        assert_eq!(
            during.map(|c| c.status),
            Some(SlaStatus::Paused),
            "paused while waiting for the customer"
        );
        s.now = held_at + h(30);
        s.run(s.cast.technician, OrderOp::Resume)?;
        let resumed = s.now;
        let after = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, resumed + h(1)),
            ClockKind::ContactAfterDispatch,
        )
        .ok_or(crate::lifecycle::TransitionError::InvalidQuantity)?;
        assert_eq!(
            after.deadline,
            dispatched + h(24) + (resumed - held_at),
            "deadline moves by the paused time"
        );
        assert_eq!(after.status, SlaStatus::Met);
        let id = s.id();
        s.run(
            s.cast.technician,
            OrderOp::LogContact {
                id,
                channel: ContactChannel::Phone,
                reached: true,
                note: String::new(),
            },
        )?;
        Ok(())
    }

    #[test]
    fn waiting_for_parts_does_not_pause() -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.drive_to(OrderState::Dispatched)?;
        s.run(
            s.cast.technician,
            OrderOp::Hold {
                kind: HoldKind::WaitingForParts,
                reason: "belt".into(),
            },
        )?;
        let c = state(
            &evaluate_order(&s.order, &s.settings, &s.calendar, s.now + h(30)),
            ClockKind::ContactAfterDispatch,
        );
        assert_eq!(c.map(|c| c.status), Some(SlaStatus::Breached));
        Ok(())
    }

    #[test]
    fn cancelled_order_drops_running_clocks() -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.run(
            s.cast.dispatcher,
            OrderOp::Cancel {
                reason: "duplicate".into(),
            },
        )?;
        assert!(
            evaluate_order(&s.order, &s.settings, &s.calendar, t0() + Duration::days(9)).is_empty()
        );
        Ok(())
    }

    #[test]
    fn an_answered_consultation_met_its_response_clock_and_owes_nothing_else(
    ) -> Result<(), crate::lifecycle::TransitionError> {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.order.request.classification = crate::records::request::Classification::Consultation;
        s.run(
            s.cast.dispatcher,
            OrderOp::AnswerConsultation {
                answer: "E21 clears after a power cycle".into(),
            },
        )?;
        let clocks = evaluate_order(
            &s.order,
            &s.settings,
            &s.calendar,
            t0() + Duration::days(30),
        );
        assert_eq!(
            clocks
                .iter()
                .map(|c| (c.kind, c.status, c.running))
                .collect::<Vec<_>>(),
            vec![(ClockKind::FirstResponse, SlaStatus::Met, false)],
            "the answer is the first response; no handling, repair or follow-up clock runs"
        );
        Ok(())
    }

    #[test]
    fn complaint_first_contact_1h_general_3_working_days_major_7(
    ) -> Result<(), crate::doc::complaint::ComplaintError> {
        use crate::doc::complaint::{ComplaintDoc, NewComplaint};
        let s = Scenario::new(ServiceMode::OnSite, false);
        let ctx = crate::ops::Ctx {
            actor: s.cast.dispatcher,
            now: t0(),
            settings: &s.settings,
            calendar: &s.calendar,
        };
        let mut c = ComplaintDoc::new(
            NewComplaint {
                id: crate::ids::ComplaintId(crate::fixtures::uuid(77)),
                number: "C-1".into(),
                complainant: "王芳".into(),
                phone: "1".into(),
                contact: String::new(),
                content: "late".into(),
                demand: "apology".into(),
                order: None,
                severity: Severity::General,
            },
            &ctx,
        )?;
        let states = evaluate_complaint(&c, &s.settings, &s.calendar, t0());
        assert_eq!(
            state(&states, ClockKind::ComplaintFirstContact).map(|c| c.deadline),
            Some(t0() + h(1))
        );
        // Monday + 3 working days = Thursday.
        assert_eq!(
            state(&states, ClockKind::ComplaintResolved).map(|c| c.deadline),
            Some(t0() + Duration::days(3))
        );
        c.severity = Severity::Major;
        let states = evaluate_complaint(&c, &s.settings, &s.calendar, t0());
        // Monday + 7 working days = Wednesday next week.
        assert_eq!(
            state(&states, ClockKind::ComplaintResolved).map(|c| c.deadline),
            Some(t0() + Duration::days(9))
        );
        Ok(())
    }

    #[test]
    fn a_complaint_waiting_for_the_customers_verdict_pauses_its_resolution_clock(
    ) -> Result<(), crate::doc::complaint::ComplaintError> {
        use crate::doc::complaint::{CauseCategory, ComplaintDoc, ComplaintOp, NewComplaint};
        use crate::fixtures::rid;
        let s = Scenario::new(ServiceMode::OnSite, false);
        let at = |now| crate::ops::Ctx {
            actor: s.cast.dispatcher,
            now,
            settings: &s.settings,
            calendar: &s.calendar,
        };
        let mut c = ComplaintDoc::new(
            NewComplaint {
                id: crate::ids::ComplaintId(crate::fixtures::uuid(78)),
                number: "C-2".into(),
                complainant: "王芳".into(),
                phone: "1".into(),
                contact: String::new(),
                content: "late".into(),
                demand: "apology".into(),
                order: None,
                severity: Severity::General,
            },
            &at(t0()),
        )?;
        let steps = [
            ComplaintOp::FirstContact {
                id: rid(1),
                note: "called".into(),
            },
            ComplaintOp::RecordCause {
                category: CauseCategory::Timeliness.into(),
                text: "late".into(),
            },
            ComplaintOp::AgreeMeasure {
                id: rid(2),
                description: "apologise".into(),
                owner: s.cast.dispatcher.user,
                deadline: t0() + h(4),
            },
            ComplaintOp::CompleteMeasure { id: rid(2) },
            ComplaintOp::Resolve,
        ];
        for op in &steps {
            c.apply(op, &at(t0() + h(2)))?;
        }
        let waiting = evaluate_complaint(&c, &s.settings, &s.calendar, t0() + Duration::days(5));
        assert_eq!(
            state(&waiting, ClockKind::ComplaintResolved).map(|c| c.status),
            Some(SlaStatus::Paused),
            "five days on, the customer has not answered: the clock waits, it is not breached"
        );
        c.apply(
            &ComplaintOp::CustomerVerdict {
                id: rid(3),
                satisfied: false,
                comment: "no".into(),
            },
            &at(t0() + Duration::days(7)),
        )?;
        let again = evaluate_complaint(&c, &s.settings, &s.calendar, t0() + Duration::days(7));
        let deadline = state(&again, ClockKind::ComplaintResolved).map(|c| c.deadline);
        assert!(
            deadline.is_some_and(|d| d > t0() + Duration::days(3)),
            "the days waiting for the customer are added to the 3 working days: {deadline:?}"
        );
        Ok(())
    }

    #[test]
    fn phone_answered_within_10s() {
        let s = crate::settings::Settings::default();
        let c = phone_answer(
            t0(),
            Some(t0() + Duration::seconds(12)),
            &s,
            &Calendar::default(),
        );
        assert_eq!(c.deadline, t0() + Duration::seconds(10));
        assert_eq!(
            c.evaluate(t0() + h(1)).status,
            SlaStatus::Breached,
            "answered after 12 s"
        );
    }

    #[test]
    fn key_customers_every_6_months_long_term_every_12() {
        let s = crate::settings::Settings::default();
        let last = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(
            periodic_follow_up_due(CustomerTier::KeyAccount, last, &s),
            NaiveDate::from_ymd_opt(2026, 7, 31)
        );
        assert_eq!(
            periodic_follow_up_due(CustomerTier::LongTerm, last, &s),
            NaiveDate::from_ymd_opt(2027, 1, 31)
        );
        assert_eq!(
            periodic_follow_up_due(CustomerTier::Regular, last, &s),
            None
        );
    }

    #[test]
    fn a_working_day_clock_is_at_risk_in_working_time_not_over_the_weekend() {
        let cal = Calendar::default();
        // Friday 2026-11-20 10:00 Beijing; 3 working days: due Wednesday 10:00.
        let fri = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let c = clock(
            ClockKind::ComplaintResolved,
            fri,
            SlaSpan::WorkingDays(3),
            None,
            &[],
            &Settings::default(),
            &cal,
        );
        assert_eq!(
            c.deadline,
            Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap()
        );
        // Tuesday 09:00: 25 h of 72 working hours left (35 %).
        let tue_9 = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap();
        assert_eq!(
            c.evaluate(tue_9).status,
            SlaStatus::Met,
            "35 % of the working time is left"
        );
        // At risk once 18 h (25 % of 72) are left: Tuesday 16:00.
        assert_eq!(
            c.at_risk_from,
            Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
        );
        let tue_17 = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        assert_eq!(c.evaluate(tue_17).status, SlaStatus::AtRisk);
    }

    #[test]
    fn the_next_change_is_at_risk_then_breach_then_none() {
        let cal = Calendar::default();
        let c = clock(
            ClockKind::ContactAfterDispatch,
            t0(),
            SlaSpan::hours(24),
            None,
            &[],
            &Settings::default(),
            &cal,
        );
        assert_eq!(
            c.next_change(t0()),
            Some(t0() + h(18)),
            "at risk with 6 h left"
        );
        assert_eq!(
            c.next_change(t0() + h(19)),
            Some(t0() + h(24)),
            "then breached"
        );
        assert_eq!(c.next_change(t0() + h(25)), None, "a breach is final");
        let paused = Clock {
            pauses: vec![(t0() + h(1), None)],
            ..c.clone()
        };
        assert_eq!(
            paused.next_change(t0() + h(2)),
            None,
            "waits for the resume"
        );
        let resumed = Clock {
            pauses: vec![(t0() + h(1), Some(t0() + h(3)))],
            ..c
        };
        assert_eq!(resumed.next_change(t0() + h(4)), Some(t0() + h(20)));
    }

    #[test]
    fn worst_status_orders_breached_over_at_risk_over_paused_over_met() {
        let mk = |status| ClockState {
            kind: ClockKind::FirstResponse,
            status,
            deadline: t0(),
            stopped_at: None,
            running: true,
        };
        assert_eq!(
            worst(&[
                mk(SlaStatus::Met),
                mk(SlaStatus::AtRisk),
                mk(SlaStatus::Paused)
            ]),
            Some(SlaStatus::AtRisk)
        );
        assert_eq!(
            worst(&[mk(SlaStatus::Breached), mk(SlaStatus::AtRisk)]),
            Some(SlaStatus::Breached)
        );
        assert_eq!(worst(&[]), None);
    }

    use chrono::TimeZone;
}
