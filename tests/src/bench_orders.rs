//! The benchmarks' orders, built at the fixtures' fixed instant (`fixtures::t0()`, in
//! November 2026) and put straight into the server database, and the server clock they
//! are measured at. The server judges SLA clocks by its own clock: pinned to
//! [`instant`], a benchmark order is as young on any day as on the day it was written,
//! so no breach flag lands in it and the figures do not move with the calendar.

use automerge::AutoCommit;
use chrono::{DateTime, Duration, Utc};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures::{self, Cast};
use onsite_core::records::request::ServiceMode;
use onsite_core::role::Actor;
use onsite_core::{ops, Calendar, Ctx, Settings};
use onsite_server::error::ApiError;
use onsite_server::sync::docs::{self, StoredDoc};
use onsite_server::sync::protocol::DocKind;

use crate::TestServer;

/// The server's "now" while a benchmark runs: an hour after the orders are created,
/// when every clock of a new or dispatched order still runs within its target.
pub fn instant() -> DateTime<Utc> {
    fixtures::t0() + Duration::hours(1)
}

/// A server whose clock stands at [`instant`].
pub async fn server() -> anyhow::Result<TestServer> {
    TestServer::start_with_clock(
        onsite_server::clock::Clock::at(instant()),
        onsite_server::sla_timer::DEFAULT_PERIOD,
    )
    .await
}

/// Adds the fixtures' technician (`Cast::default().technician`, whom the lifecycle
/// orders are dispatched to) straight into the server database, as login `tech`.
pub fn add_technician(server: &TestServer, password: &str) -> anyhow::Result<()> {
    let cast = Cast::default();
    let db = crate::pg::open(server.data.path())?;
    onsite_server::accounts::add_with_id(
        &db.conn(),
        &cast.technician.user.to_string(),
        "tech",
        "李伟",
        cast.technician.role,
        password,
    )?;
    Ok(())
}

/// An order created by the dispatcher at t0 with the first `steps` operations of the
/// on-site lifecycle (`usize::MAX`: all of it, about 150 changes, as the design's
/// first-sync target names).
pub fn lifecycle_order(seed: u128, steps: usize) -> anyhow::Result<(String, AutoCommit)> {
    let cast = Cast::default();
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = |actor, minutes| Ctx {
        actor,
        now: fixtures::t0() + Duration::minutes(minutes),
        settings: &settings,
        calendar: &calendar,
    };
    let new = fixtures::new_order(seed, ServiceMode::OnSite, None);
    let id = new.id.to_string();
    let mut doc = AutoCommit::new();
    ops::create(
        &mut doc,
        &OrderDoc::new(new, &ctx(cast.dispatcher, 0))?,
        &ctx(cast.dispatcher, 0),
    )?;
    // 100 repair steps make the ~150 changes of a full lifecycle.
    for (actor, op, minutes) in fixtures::on_site_lifecycle(&cast, 28_000, 100)
        .into_iter()
        .take(steps)
    {
        ops::apply(&mut doc, &op, &ctx(actor, minutes))?;
    }
    Ok((id, doc))
}

/// An order created by the dispatcher at t0 and dispatched to `tech` at once.
pub fn dispatched_order(seed: u128, tech: Actor) -> anyhow::Result<(String, AutoCommit)> {
    let cast = Cast::default();
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let ctx = Ctx {
        actor: cast.dispatcher,
        now: fixtures::t0(),
        settings: &settings,
        calendar: &calendar,
    };
    let new = fixtures::new_order(seed, ServiceMode::OnSite, None);
    let id = new.id.to_string();
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &OrderDoc::new(new, &ctx)?, &ctx)?;
    let dispatch = OrderOp::Dispatch {
        assignee: tech.user,
        window: None,
    };
    ops::apply(&mut doc, &dispatch, &ctx)?;
    Ok((id, doc))
}

/// Stores `orders` in the server database in one transaction, each owned as the sync
/// policy reads it from the document. Returns the change count of the last one.
pub fn store(
    server: &TestServer,
    orders: impl IntoIterator<Item = anyhow::Result<(String, AutoCommit)>>,
) -> anyhow::Result<usize> {
    let db = crate::pg::open(server.data.path())?;
    let mut changes = 0;
    db.transaction(|tx| {
        for order in orders {
            let (id, mut doc) = order.map_err(|e| ApiError::internal(e.to_string()))?;
            changes = doc.get_changes(&[]).len();
            let owner = onsite_server::sync::policy::owner_of(DocKind::Order, &doc)
                .ok()
                .flatten();
            docs::save(
                tx,
                &mut StoredDoc {
                    id,
                    kind: DocKind::Order,
                    doc,
                    owner,
                },
            )?;
        }
        Ok(())
    })?;
    Ok(changes)
}

/// Seconds the server spent so far in each phase of its sync round trips, summed over
/// every round trip, by phase (`onsite_sync_phase_seconds` on `/metrics`, see
/// `onsite_server::sync::phases`), and how many samples each has.
pub async fn phase_seconds(
    server: &TestServer,
) -> anyhow::Result<std::collections::BTreeMap<String, (f64, u64)>> {
    let text = reqwest::get(server.url("/metrics")).await?.text().await?;
    let mut out = std::collections::BTreeMap::<String, (f64, u64)>::new();
    for line in text.lines() {
        let (sum, rest) = if let Some(rest) = line.strip_prefix("onsite_sync_phase_seconds_sum{") {
            (true, rest)
        } else if let Some(rest) = line.strip_prefix("onsite_sync_phase_seconds_count{") {
            (false, rest)
        } else {
            continue;
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        let Some(phase) = labels
            .strip_prefix("phase=\"")
            .and_then(|l| l.split('"').next())
        else {
            continue;
        };
        let entry = out.entry(phase.to_string()).or_default();
        if sum {
            entry.0 = value.trim().parse()?;
        } else {
            entry.1 = value.trim().parse()?;
        }
    }
    Ok(out)
}

/// What each phase took between two readings of [`phase_seconds`]: total milliseconds
/// and samples.
pub fn phase_delta(
    before: &std::collections::BTreeMap<String, (f64, u64)>,
    after: &std::collections::BTreeMap<String, (f64, u64)>,
) -> Vec<(String, f64, u64)> {
    after
        .iter()
        .map(|(phase, (s, n))| {
            let (s0, n0) = before.get(phase).copied().unwrap_or_default();
            (phase.clone(), (s - s0) * 1000.0, n - n0)
        })
        .collect()
}
