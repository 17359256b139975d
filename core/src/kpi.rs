//! What the office measures (考核指标): the KPI formulas, once, over plain rows. An
//! [`OrderRow`] or [`ComplaintRow`] is read off a document ([`order_row`],
//! [`complaint_row`]) and kept by the server beside its office copy; [`compute`] turns
//! rows into figures, overall and per technician, per product model and per period
//! (week, month, quarter) as a trend. No storage, no clock: "now" is a parameter.
//!
//! The definitions (also in `docs/kpi.md`):
//! - **Completion rate**: orders completed (signed off, shipped back or closed) over
//!   orders received, cancelled orders left out of both.
//! - **First-time fix rate**: completed orders with no rework (no objection, never
//!   reopened) and no revisit (no later order for the same product serial and fault
//!   code, or naming it as `repeat_of`, received within the repair warranty of its
//!   completion), over completed orders.
//! - **Mean time to contact / arrive / repair / close**, in working hours on the company
//!   calendar (between `work_start` and `work_end` on working days): dispatch → first
//!   contact that reached the customer; dispatch → first check-in (on-site orders);
//!   arrival (check-in, or receipt for mail-in and carry-in) → the last passed test;
//!   request received → closed.
//! - **SLA compliance per clock**: clocks that stopped in time over clocks with a
//!   verdict (stopped, or running past their deadline); clocks still running in time or
//!   paused have none yet.
//! - **Satisfaction**: the mean sign-off rating and the mean follow-up score (1–5).
//! - **Complaints**: their count and count per cause category, attributed to the
//!   technician and model of the order they are about.
//! - **Parts consumption**: units used per part number.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::doc::complaint::ComplaintDoc;
use crate::doc::order::OrderDoc;
use crate::lifecycle::OrderState;
use crate::records::request::ServiceMode;
use crate::role::Role;
use crate::settings::Settings;
use crate::sla::{self, ClockKind, ClockState, SlaStatus};

/// Who may see the KPIs: the dispatcher (客服专员), who runs the queue they measure, and
/// the supervisor (售后主管), who answers for them. The server checks it on every query;
/// the desk asks it to show the page.
pub fn may_view(role: Role) -> bool {
    matches!(role, Role::Dispatcher | Role::Supervisor)
}

/// One order as the KPIs read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    /// Order id.
    pub id: String,
    /// Assigned technician (user id), if any.
    pub technician: Option<String>,
    /// Product model.
    pub model: String,
    /// Product serial, for revisits.
    pub serial: String,
    /// Fault code, for revisits.
    pub fault_code: String,
    /// The earlier order this one re-repairs under its warranty.
    pub repeat_of: Option<String>,
    /// On-site, mail-in or carry-in.
    pub mode: ServiceMode,
    /// Where it stands.
    pub state: OrderState,
    /// Request received.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub received_at: DateTime<Utc>,
    /// Dispatched.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub dispatched_at: Option<DateTime<Utc>>,
    /// First contact that reached the customer.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub contacted_at: Option<DateTime<Utc>>,
    /// First check-in, or the receipt of a mail-in or carry-in product.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub arrived_at: Option<DateTime<Utc>>,
    /// The last passed functional test.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub repaired_at: Option<DateTime<Utc>>,
    /// Completed: signed off (or shipped back, or closed, whichever came first).
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Closed.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub closed_at: Option<DateTime<Utc>>,
    /// An objection sent it to rework, or it was reopened.
    pub rework: bool,
    /// The repair warranty in days, from the order's settings.
    pub repair_warranty_days: u32,
    /// The sign-off rating.
    pub rating: Option<u8>,
    /// Follow-up scores.
    pub follow_up_scores: Vec<u8>,
    /// Units used per part number.
    pub parts: Vec<(String, u32)>,
    /// Its SLA clocks as evaluated when the row was read.
    #[serde(with = "stored_clocks")]
    pub clocks: Vec<ClockState>,
}

/// One complaint as the KPIs read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintRow {
    /// Complaint id.
    pub id: String,
    /// The order it is about.
    pub order: Option<String>,
    /// Received.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub received_at: DateTime<Utc>,
    /// The investigated cause's category (`snake_case`), once known.
    pub cause: Option<String>,
    /// Follow-up scores.
    pub follow_up_scores: Vec<u8>,
    /// Its SLA clocks as evaluated when the row was read.
    #[serde(with = "stored_clocks")]
    pub clocks: Vec<ClockState>,
}

/// Clocks as a row stores them: instants as milliseconds. A KPI query reads every row
/// back, and parsing RFC 3339 text for each clock's instants was most of its time.
mod stored_clocks {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::sla::{ClockKind, ClockState, SlaStatus};

    type Stored = (ClockKind, SlaStatus, i64, Option<i64>, bool);

    pub fn serialize<S: Serializer>(clocks: &[ClockState], s: S) -> Result<S::Ok, S::Error> {
        let stored: Vec<Stored> = clocks
            .iter()
            .map(|c| {
                let at = |t: DateTime<Utc>| t.timestamp_millis();
                (
                    c.kind,
                    c.status,
                    at(c.deadline),
                    c.stopped_at.map(at),
                    c.running,
                )
            })
            .collect();
        stored.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ClockState>, D::Error> {
        let at = |ms: i64| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .ok_or_else(|| serde::de::Error::custom(format!("instant out of range: {ms} ms")))
        };
        Vec::<Stored>::deserialize(d)?
            .into_iter()
            .map(|(kind, status, deadline, stopped_at, running)| {
                Ok(ClockState {
                    kind,
                    status,
                    deadline: at(deadline)?,
                    stopped_at: stopped_at.map(at).transpose()?,
                    running,
                })
            })
            .collect()
    }
}

fn first<T: Ord + Copy>(it: impl Iterator<Item = T>) -> Option<T> {
    it.min()
}

/// The row of `order`, its clocks evaluated at `now` under `settings` (the order's own
/// version) and the company calendar.
pub fn order_row(
    order: &OrderDoc,
    settings: &Settings,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> OrderRow {
    let to = |s: &[OrderState]| {
        first(
            order
                .history
                .iter()
                .filter(|h| s.contains(&h.to))
                .map(|h| h.at),
        )
    };
    let completed_at = to(&[
        OrderState::SignedOff,
        OrderState::ShippedBack,
        OrderState::Closed,
    ]);
    let arrived_at = match order.mode {
        ServiceMode::OnSite => first(order.visits.iter().map(|v| v.checked_in_at)),
        ServiceMode::MailIn | ServiceMode::CarryIn => order.receipt.as_ref().map(|r| r.at),
    };
    let mut parts: BTreeMap<String, u32> = BTreeMap::new();
    for p in &order.parts {
        *parts.entry(p.part_number.clone()).or_default() += p.quantity;
    }
    OrderRow {
        id: order.id.to_string(),
        technician: order.assignee.map(|u| u.to_string()),
        model: order.product.model.clone(),
        serial: order.product.serial.clone(),
        fault_code: order.fault_code.clone(),
        repeat_of: order.repeat_of.map(|o| o.to_string()),
        mode: order.mode,
        state: order.state,
        received_at: order.request.received_at,
        dispatched_at: to(&[OrderState::Dispatched]).or(order.dispatched_at),
        contacted_at: first(order.contacts.iter().filter(|c| c.reached).map(|c| c.at)),
        arrived_at,
        repaired_at: order.tests.iter().filter(|t| t.passed).map(|t| t.at).max(),
        completed_at,
        closed_at: order.closed_at,
        rework: !order.objections.is_empty()
            || order
                .history
                .iter()
                .any(|h| h.to == OrderState::InRepair && h.from.is_terminal()),
        repair_warranty_days: settings.repair_warranty_days,
        rating: order.sign_off.as_ref().and_then(|s| s.rating),
        follow_up_scores: order.follow_ups.iter().filter_map(|f| f.score).collect(),
        parts: parts.into_iter().collect(),
        clocks: sla::evaluate_order(order, settings, calendar, now),
    }
}

/// The row of `complaint`, its clocks evaluated at `now`.
pub fn complaint_row(
    complaint: &ComplaintDoc,
    settings: &Settings,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> ComplaintRow {
    let cause = complaint.cause.as_ref().map(|c| c.category.clone());
    ComplaintRow {
        id: complaint.id.to_string(),
        order: complaint.order.map(|o| o.to_string()),
        received_at: complaint.received_at,
        cause,
        follow_up_scores: complaint
            .follow_ups
            .iter()
            .filter_map(|f| f.score)
            .collect(),
        clocks: sla::evaluate_complaint(complaint, settings, calendar, now),
    }
}

/// Working hours between two instants on `calendar`: the part of the interval between
/// `work_start` and `work_end` on working days (zero if `to` is earlier). A calendar
/// with no working hours set (end not after start) counts whole working days.
pub fn working_hours_between(
    calendar: &Calendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Duration {
    if to <= from {
        return Duration::zero();
    }
    if calendar.work_end <= calendar.work_start {
        return calendar.working_time_between(from, to);
    }
    let start_of = calendar.work_start - NaiveTime::MIN;
    let end_of = calendar.work_end - NaiveTime::MIN;
    let mut total = Duration::zero();
    let mut date = calendar.local_date(from);
    let last = calendar.local_date(to);
    // Bounded like the calendar's own scans: a KPI interval of more than ten years is
    // bad data, and its working hours are not worth a long loop.
    for _ in 0..3660 {
        if calendar.is_working_day(date) {
            let (midnight, _) = calendar.day_span(date);
            let (a, b) = ((midnight + start_of).max(from), (midnight + end_of).min(to));
            if b > a {
                total += b - a;
            }
        }
        if date >= last {
            break;
        }
        match date.succ_opt() {
            Some(d) => date = d,
            None => break,
        }
    }
    total
}

/// How periods are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// ISO weeks (Monday first), e.g. `2026-W48`.
    Week,
    /// Calendar months, e.g. `2026-11`.
    #[default]
    Month,
    /// Quarters, e.g. `2026-Q4`.
    Quarter,
}

/// The period `date` falls in, as a sortable key.
pub fn period_of(date: NaiveDate, granularity: Granularity) -> String {
    match granularity {
        Granularity::Week => {
            let w = date.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        Granularity::Month => format!("{}-{:02}", date.year(), date.month()),
        Granularity::Quarter => format!("{}-Q{}", date.year(), (date.month() - 1) / 3 + 1),
    }
}

/// What the KPIs are asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KpiQuery {
    /// How the trend is cut.
    #[serde(default)]
    pub granularity: Granularity,
    /// First day (company date) of requests counted, inclusive.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day (company date) of requests counted, inclusive.
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// A share: how many of how many.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rate {
    /// Counted.
    pub count: u32,
    /// Out of.
    pub of: u32,
    /// `count / of`, or `None` when `of` is zero.
    pub rate: Option<f64>,
}

impl Rate {
    fn new(count: u32, of: u32) -> Self {
        Self {
            count,
            of,
            rate: (of > 0).then(|| f64::from(count) / f64::from(of)),
        }
    }
}

/// A mean over some samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Mean {
    /// The mean, or `None` without samples.
    pub mean: Option<f64>,
    /// How many samples.
    pub n: u32,
}

/// SLA compliance of one clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClockCompliance {
    /// The clock.
    pub clock: ClockKind,
    /// Met over met and breached.
    pub compliance: Rate,
}

/// A count under a name (a cause category, a part number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Count {
    /// The name.
    pub key: String,
    /// How many.
    pub count: u32,
}

/// Every figure, for one group of orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Figures {
    /// Orders counted (received, not cancelled).
    pub orders: u32,
    /// Completed over orders.
    pub completion: Rate,
    /// First-time fixes over completed orders.
    pub first_time_fix: Rate,
    /// Dispatch → first contact, working hours.
    pub hours_to_contact: Mean,
    /// Dispatch → first check-in, working hours (on-site orders).
    pub hours_to_arrive: Mean,
    /// Arrival → the last passed test, working hours.
    pub hours_to_repair: Mean,
    /// Received → closed, working hours.
    pub hours_to_close: Mean,
    /// Per clock, in clock order.
    pub sla: Vec<ClockCompliance>,
    /// All clocks together.
    pub sla_overall: Rate,
    /// Mean sign-off rating, 1–5.
    pub sign_off_rating: Mean,
    /// Mean follow-up score, 1–5 (orders' and complaints' follow-ups).
    pub follow_up_score: Mean,
    /// Complaints received.
    pub complaints: u32,
    /// Complaints per cause category (`unknown` until investigated), most first.
    pub complaint_causes: Vec<Count>,
    /// Units of parts used.
    pub parts_used: u32,
    /// Units per part number, most first.
    pub parts: Vec<Count>,
}

/// The figures of one technician, model or period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Group {
    /// The technician's user id, the model, or the period key.
    pub key: String,
    /// Its figures.
    pub figures: Figures,
}

/// The KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KpiReport {
    /// What was asked.
    pub query: KpiQuery,
    /// Every order and complaint counted.
    pub overall: Figures,
    /// Per technician (orders never assigned under `""`), by user id.
    pub by_technician: Vec<Group>,
    /// Per product model, by name.
    pub by_model: Vec<Group>,
    /// Per period, oldest first: the trend.
    pub by_period: Vec<Group>,
}

#[derive(Default)]
struct Acc<'a> {
    orders: u32,
    completed: u32,
    first_time: u32,
    contact: (f64, u32),
    arrive: (f64, u32),
    repair: (f64, u32),
    close: (f64, u32),
    sla: BTreeMap<ClockKind, (u32, u32)>,
    rating: (f64, u32),
    follow_up: (f64, u32),
    complaints: u32,
    causes: BTreeMap<&'a str, u32>,
    parts: BTreeMap<&'a str, u32>,
}

/// What one order adds to each of the four groups it counts in (overall, its
/// technician, model and period), worked out once rather than once a group: the
/// working-hour spans are most of the cost of a query.
struct OrderShare<'a> {
    row: &'a OrderRow,
    first_time: bool,
    contact: Option<f64>,
    arrive: Option<f64>,
    repair: Option<f64>,
    close: Option<f64>,
    verdicts: Vec<(ClockKind, bool)>,
}

/// What one complaint adds to each group it counts in.
struct ComplaintShare<'a> {
    row: &'a ComplaintRow,
    cause: &'a str,
    verdicts: Vec<(ClockKind, bool)>,
}

/// Working hours from `a` to `b`, when both happened in that order.
fn hours(calendar: &Calendar, a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<f64> {
    let (a, b) = a.zip(b)?;
    (b >= a).then(|| working_hours_between(calendar, a, b).num_seconds() as f64 / 3600.0)
}

fn add_mean(m: &mut (f64, u32), sample: Option<f64>) {
    if let Some(x) = sample {
        m.0 += x;
        m.1 += 1;
    }
}

/// The clocks that have a verdict at `now`, and whether each was met.
fn verdicts(clocks: &[ClockState], now: DateTime<Utc>) -> Vec<(ClockKind, bool)> {
    clocks
        .iter()
        .filter_map(|c| {
            // A verdict is final once the clock stopped; a running clock has one only
            // once past its deadline (a paused clock's deadline moves, so it has none).
            let met = if !c.running {
                Some(c.status != SlaStatus::Breached)
            } else if c.status != SlaStatus::Paused && now > c.deadline {
                Some(false)
            } else {
                None
            };
            met.map(|met| (c.kind, met))
        })
        .collect()
}

fn mean(m: (f64, u32)) -> Mean {
    Mean {
        mean: (m.1 > 0).then(|| m.0 / f64::from(m.1)),
        n: m.1,
    }
}

fn counts(map: BTreeMap<&str, u32>) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(key, count)| Count {
            key: key.to_string(),
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

impl<'a> Acc<'a> {
    fn add_verdicts(&mut self, verdicts: &[(ClockKind, bool)]) {
        for (kind, met) in verdicts {
            let e = self.sla.entry(*kind).or_default();
            e.1 += 1;
            if *met {
                e.0 += 1;
            }
        }
    }

    fn add_scores(&mut self, scores: &[u8]) {
        for s in scores {
            add_mean(&mut self.follow_up, Some(f64::from(*s)));
        }
    }

    fn add_order(&mut self, share: &OrderShare<'a>) {
        let o = share.row;
        self.orders += 1;
        if o.completed_at.is_some() {
            self.completed += 1;
        }
        if share.first_time {
            self.first_time += 1;
        }
        add_mean(&mut self.contact, share.contact);
        add_mean(&mut self.arrive, share.arrive);
        add_mean(&mut self.repair, share.repair);
        add_mean(&mut self.close, share.close);
        self.add_verdicts(&share.verdicts);
        add_mean(&mut self.rating, o.rating.map(f64::from));
        self.add_scores(&o.follow_up_scores);
        for (part, n) in &o.parts {
            *self.parts.entry(part.as_str()).or_default() += n;
        }
    }

    fn add_complaint(&mut self, share: &ComplaintShare<'a>) {
        self.complaints += 1;
        *self.causes.entry(share.cause).or_default() += 1;
        self.add_verdicts(&share.verdicts);
        self.add_scores(&share.row.follow_up_scores);
    }

    fn finish(self) -> Figures {
        let mut met_all = 0;
        let mut of_all = 0;
        let sla = self
            .sla
            .into_iter()
            .map(|(clock, (met, of))| {
                met_all += met;
                of_all += of;
                ClockCompliance {
                    clock,
                    compliance: Rate::new(met, of),
                }
            })
            .collect();
        Figures {
            orders: self.orders,
            completion: Rate::new(self.completed, self.orders),
            first_time_fix: Rate::new(self.first_time, self.completed),
            hours_to_contact: mean(self.contact),
            hours_to_arrive: mean(self.arrive),
            hours_to_repair: mean(self.repair),
            hours_to_close: mean(self.close),
            sla,
            sla_overall: Rate::new(met_all, of_all),
            sign_off_rating: mean(self.rating),
            follow_up_score: mean(self.follow_up),
            complaints: self.complaints,
            complaint_causes: counts(self.causes),
            parts_used: self.parts.values().sum(),
            parts: counts(self.parts),
        }
    }
}

/// When a later order for a product and fault came in, and which order it was.
type Arrival<'a> = (DateTime<Utc>, &'a str);

/// The KPIs over `orders` and `complaints` for `query`, at `now`.
pub fn compute(
    orders: &[OrderRow],
    complaints: &[ComplaintRow],
    calendar: &Calendar,
    query: &KpiQuery,
    now: DateTime<Utc>,
) -> KpiReport {
    let in_range = |at: DateTime<Utc>| {
        let d = calendar.local_date(at);
        query.from.is_none_or(|f| d >= f) && query.to.is_none_or(|t| d <= t)
    };
    // Revisits: for each product serial and fault code, when later orders came in; and
    // which orders a later one names as re-repaired. Every order counts here, whatever
    // the range, since a revisit after the range still undoes a fix inside it.
    let mut later: HashMap<(&str, &str), Vec<Arrival<'_>>> = HashMap::new();
    let mut repeated: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for o in orders {
        if o.state == OrderState::Cancelled {
            continue;
        }
        if !o.serial.is_empty() {
            later
                .entry((o.serial.as_str(), o.fault_code.as_str()))
                .or_default()
                .push((o.received_at, o.id.as_str()));
        }
        if let Some(r) = &o.repeat_of {
            repeated.insert(r.as_str());
        }
    }
    let revisited = |o: &OrderRow, done: DateTime<Utc>| {
        if repeated.contains(o.id.as_str()) {
            return true;
        }
        let until = done + Duration::days(i64::from(o.repair_warranty_days));
        later
            .get(&(o.serial.as_str(), o.fault_code.as_str()))
            .is_some_and(|v| {
                v.iter()
                    .any(|(at, id)| *id != o.id && *at > done && *at <= until)
            })
    };

    let mut overall = Acc::default();
    let mut by_tech: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut by_model: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut by_period: BTreeMap<String, Acc> = BTreeMap::new();
    let mut order_group: HashMap<&str, (&str, &str)> = HashMap::new();

    for o in orders {
        let tech = o.technician.as_deref().unwrap_or_default();
        order_group.insert(o.id.as_str(), (tech, o.model.as_str()));
        if o.state == OrderState::Cancelled || !in_range(o.received_at) {
            continue;
        }
        let share = OrderShare {
            row: o,
            first_time: o
                .completed_at
                .is_some_and(|done| !o.rework && !revisited(o, done)),
            contact: hours(calendar, o.dispatched_at, o.contacted_at),
            arrive: (o.mode == ServiceMode::OnSite)
                .then(|| hours(calendar, o.dispatched_at, o.arrived_at))
                .flatten(),
            repair: hours(calendar, o.arrived_at, o.repaired_at),
            close: hours(calendar, Some(o.received_at), o.closed_at),
            verdicts: verdicts(&o.clocks, now),
        };
        let period = period_of(calendar.local_date(o.received_at), query.granularity);
        overall.add_order(&share);
        by_tech.entry(tech).or_default().add_order(&share);
        by_model.entry(&o.model).or_default().add_order(&share);
        by_period.entry(period).or_default().add_order(&share);
    }
    for c in complaints {
        if !in_range(c.received_at) {
            continue;
        }
        let (tech, model) = c
            .order
            .as_deref()
            .and_then(|o| order_group.get(o))
            .copied()
            .unwrap_or_default();
        let share = ComplaintShare {
            row: c,
            cause: c.cause.as_deref().unwrap_or("unknown"),
            verdicts: verdicts(&c.clocks, now),
        };
        let period = period_of(calendar.local_date(c.received_at), query.granularity);
        overall.add_complaint(&share);
        by_tech.entry(tech).or_default().add_complaint(&share);
        by_model.entry(model).or_default().add_complaint(&share);
        by_period.entry(period).or_default().add_complaint(&share);
    }
    KpiReport {
        query: query.clone(),
        overall: overall.finish(),
        by_technician: groups(by_tech),
        by_model: groups(by_model),
        by_period: groups(by_period),
    }
}

fn groups<K: ToString>(m: BTreeMap<K, Acc>) -> Vec<Group> {
    m.into_iter()
        .map(|(key, acc)| Group {
            key: key.to_string(),
            figures: acc.finish(),
        })
        .collect()
}

/// The CSV's header row: stable English column names whatever the reader's language, as
/// the movement history's (`docs/decisions.md`), so a spreadsheet built on it keeps
/// working. Rates are fractions (0.75), hours decimal, empty where there is no figure.
pub const CSV_HEADER: [&str; 17] = [
    "group",
    "orders",
    "completed",
    "completion_rate",
    "first_time_fixes",
    "first_time_fix_rate",
    "hours_to_contact",
    "hours_to_arrive",
    "hours_to_repair",
    "hours_to_close",
    "sla_met",
    "sla_with_verdict",
    "sla_compliance",
    "sign_off_rating",
    "follow_up_score",
    "complaints",
    "parts_used",
];

/// `groups` and then the overall figures (group `total`) as CSV, each group named by
/// `name` (a technician's display name for their id). UTF-8 with a byte-order mark and
/// CRLF line ends, as spreadsheets in Chinese offices read best.
pub fn csv(groups: &[Group], overall: &Figures, name: impl Fn(&str) -> String) -> String {
    let num = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_HEADER.join(","));
    out.push_str("\r\n");
    let rows = groups
        .iter()
        .map(|g| (name(&g.key), &g.figures))
        .chain(std::iter::once(("total".to_string(), overall)));
    for (group, f) in rows {
        let cells = [
            group,
            f.orders.to_string(),
            f.completion.count.to_string(),
            num(f.completion.rate),
            f.first_time_fix.count.to_string(),
            num(f.first_time_fix.rate),
            num(f.hours_to_contact.mean),
            num(f.hours_to_arrive.mean),
            num(f.hours_to_repair.mean),
            num(f.hours_to_close.mean),
            f.sla_overall.count.to_string(),
            f.sla_overall.of.to_string(),
            num(f.sla_overall.rate),
            num(f.sign_off_rating.mean),
            num(f.follow_up_score.mean),
            f.complaints.to_string(),
            f.parts_used.to_string(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| crate::stock_views::cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
#[path = "kpi_tests.rs"]
mod tests;
