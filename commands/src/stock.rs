//! The desk's stock counts (盘点), over-use resolution and stock views. Opening and
//! approving a count, settling an over-use and the views ask the office (online); the
//! physical quantities of a count are entered on the device and queued
//! (`onsite_device::counts`), shown at once on the device's copy of the sheet, and sent
//! when the office is reachable: on the next count command, and after each sync round.
//! Every rule (who may enter or approve, what a difference is, what is low, the CSV) is
//! onsite-core's; the server checks each step again.

use std::sync::Mutex;

use onsite_core::ids::{LocationId, PartId};
use onsite_core::over_use_fix::OverUseResolution;
use onsite_core::stock_count::{CountEntry, CountSummary, CountView, NewCount};
use onsite_core::stock_views::{self, HistoryEntry, MovementFilter, StockMinimum, StockRow};
use onsite_device::counts;
use onsite_device::office::OfficeError;
use onsite_device::sync_client::{StoreAccess, SyncClient, SyncError};
use onsite_device::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::CommandError;
use crate::App;

fn client(app: &App) -> Result<SyncClient, CommandError> {
    app.with_store(|store| SyncClient::from_store(store)?.ok_or_else(CommandError::not_signed_in))
}

/// Whether the error means the office was not reached (the device's copy is shown).
fn unreachable(err: &OfficeError) -> bool {
    matches!(err, OfficeError::Sync(SyncError::Offline(_)))
}

/// Sends the entries this device queued (of one count, or all), oldest first. Stops at
/// the first the office could not be reached for; one the office refuses for good is
/// kept with its code and not sent again. Never holds the store across the network.
async fn send_queued(
    mut store: impl StoreAccess,
    client: &SyncClient,
    count: Option<Uuid>,
) -> Result<(), OfficeError> {
    let entries = store
        .with(|s| counts::unsent(s, count))
        .map_err(SyncError::from)?;
    for e in entries {
        let path = format!("/v1/office/counts/{}/entries", e.count);
        match client.office_post::<_, CountView>(&path, &e).await {
            Ok(view) => {
                let now = chrono::Utc::now();
                store
                    .with(|s| {
                        counts::sent(s, e.id, now)?;
                        counts::keep(s, &view, now)
                    })
                    .map_err(SyncError::from)?;
            }
            Err(OfficeError::Refused { status, code, .. })
                if (400..500).contains(&status) && status != 401 =>
            {
                tracing::info!(%code, entry = %e.id, "the office refused a count entry");
                store
                    .with(|s| counts::refused(s, e.id, &code))
                    .map_err(SyncError::from)?;
            }
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// After a sync round: sends any count entries still queued (a tablet back in range).
/// Failures are left for the next round; they are logged, not raised.
pub async fn after_round(mut store: &Mutex<Store>) {
    let client = store.with(|s| SyncClient::from_store(s)).ok().flatten();
    let Some(client) = client else {
        return;
    };
    let queued = store.with(|s| counts::unsent(s, None).map(|e| e.len()).unwrap_or(0));
    if queued == 0 {
        return;
    }
    if let Err(err) = send_queued(store, &client, None).await {
        tracing::info!(%err, "count entries stay queued");
    }
}

/// The device's copy of a count, with its queued entries applied.
fn kept_view(app: &App, id: Uuid) -> Result<CountView, CommandError> {
    app.with_store(|store| {
        let actor = app.actor(store)?;
        let view = counts::kept(store, id)?.ok_or_else(|| {
            CommandError::new(
                "errors.stock_count.not_on_device",
                format!("count {id} has not been opened on this device"),
            )
        })?;
        let queued = counts::unsent(store, Some(id))?;
        let mut view = view.with_queued(&queued, actor);
        view.refused = counts::refusals(store, id)?;
        Ok(view)
    })
}

/// The counts, as the office lists them; offline, the ones this device holds.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CountList {
    /// Newest first.
    pub counts: Vec<CountSummary>,
    /// The office was not reached: these are this device's copies.
    pub offline: bool,
}

/// Every count.
pub async fn stock_counts(app: &App) -> Result<CountList, CommandError> {
    let client = client(app)?;
    let sent = send_queued(&*app.store, &client, None).await;
    let listed = match sent {
        Ok(()) => client.office_get("/v1/office/counts").await,
        Err(e) => Err(e),
    };
    match listed {
        Ok(counts) => Ok(CountList {
            counts,
            offline: false,
        }),
        Err(e) if unreachable(&e) => Ok(CountList {
            counts: app.with_store(|s| Ok(counts::kept_list(s)?))?,
            offline: true,
        }),
        Err(e) => Err(e.into()),
    }
}

/// One count: the office's answer after sending this device's entries, kept on the
/// device; offline, the device's copy with its queued entries.
pub async fn stock_count(app: &App, id: &str) -> Result<CountView, CommandError> {
    let id: Uuid = crate::parse_id("count", id)?;
    let client = client(app)?;
    let fetched = match send_queued(&*app.store, &client, Some(id)).await {
        Ok(()) => {
            client
                .office_get::<CountView>(&format!("/v1/office/counts/{id}"))
                .await
        }
        Err(e) => Err(e),
    };
    match fetched {
        Ok(view) => {
            let now = app.now();
            app.with_store(|s| Ok(counts::keep(s, &view, now)?))?;
            kept_view(app, id)
        }
        Err(e) if unreachable(&e) => {
            let mut view = kept_view(app, id)?;
            view.offline = true;
            Ok(view)
        }
        Err(e) => Err(e.into()),
    }
}

/// A step on a count.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CountCommand {
    /// Open a count of a warehouse or van (online).
    Open {
        /// The location.
        #[ts(type = "string")]
        location: LocationId,
    },
    /// Enter a physical quantity (works offline).
    Enter {
        /// The count.
        count: String,
        /// The part.
        #[ts(type = "string")]
        part: PartId,
        /// Physical quantity found.
        counted: i64,
        /// Why it differs.
        reason: String,
    },
    /// Approve the count, which posts it (online; supervisors).
    Approve {
        /// The count.
        count: String,
    },
}

/// Runs a count step and answers the count as it stands after it.
pub async fn stock_count_action(
    app: &App,
    command: CountCommand,
) -> Result<CountView, CommandError> {
    match command {
        CountCommand::Open { location } => {
            let client = client(app)?;
            let body = NewCount {
                id: Uuid::now_v7(),
                location,
            };
            let view: CountView = client.office_post("/v1/office/counts", &body).await?;
            let now = app.now();
            app.with_store(|s| Ok(counts::keep(s, &view, now)?))?;
            Ok(view)
        }
        CountCommand::Enter {
            count,
            part,
            counted,
            reason,
        } => {
            let id: Uuid = crate::parse_id("count", &count)?;
            let entry = CountEntry {
                id: Uuid::now_v7(),
                count: id,
                part,
                counted,
                reason,
                entered_at: app.now(),
            };
            // The rules are checked here too, so a figure the office would refuse is
            // refused at once, offline as well, instead of waiting in the queue.
            app.with_store(|store| {
                let actor = app.actor(store)?;
                if let Some(view) = counts::kept(store, id)? {
                    let mut sheet = view.sheet;
                    for queued in counts::unsent(store, Some(id))? {
                        let _ = sheet.enter(&queued, actor);
                    }
                    sheet.enter(&entry, actor).map_err(|e| {
                        let mut err = CommandError::new(e.code(), e.to_string());
                        err.details = e.details();
                        err
                    })?;
                }
                Ok(counts::queue(store, &entry)?)
            })?;
            stock_count(app, &count).await
        }
        CountCommand::Approve { count } => {
            let id: Uuid = crate::parse_id("count", &count)?;
            let client = client(app)?;
            send_queued(&*app.store, &client, Some(id)).await?;
            let view: CountView = client
                .office_post(&format!("/v1/office/counts/{id}/approve"), &Value::Null)
                .await?;
            let now = app.now();
            app.with_store(|s| Ok(counts::keep(s, &view, now)?))?;
            // The adjustments may settle flags on orders; they come down with the sync.
            app.sync.nudge();
            Ok(view)
        }
    }
}

/// Settles a `stock_over_use` flag with a movement, and resolves it (online).
pub async fn resolve_over_use(
    app: &App,
    resolution: OverUseResolution,
) -> Result<(), CommandError> {
    let _: Value = client(app)?
        .office_post("/v1/office/stock/over-use", &resolution)
        .await?;
    // The resolved flags are in the orders: this device receives them on its next sync.
    app.sync.nudge();
    Ok(())
}

/// Stock per location and part, with the minimums and what is low.
pub async fn stock_levels(app: &App) -> Result<Vec<StockRow>, CommandError> {
    Ok(client(app)?.office_get("/v1/office/stock/levels").await?)
}

/// Sets a minimum and answers the levels after it.
pub async fn stock_set_minimum(
    app: &App,
    minimum: StockMinimum,
) -> Result<Vec<StockRow>, CommandError> {
    let client = client(app)?;
    let _: Value = client
        .office_put("/v1/office/stock/minimums", &minimum)
        .await?;
    Ok(client.office_get("/v1/office/stock/levels").await?)
}

fn query(filter: &MovementFilter) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(p) = filter.part {
        q.push(("part", p.to_string()));
    }
    if let Some(l) = filter.location {
        q.push(("location", l.to_string()));
    }
    for (k, v) in [
        ("order", &filter.order),
        ("from", &filter.from),
        ("to", &filter.to),
    ] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            q.push((k, v.to_string()));
        }
    }
    q
}

/// The movement history, filtered at the office.
pub async fn stock_history(
    app: &App,
    filter: MovementFilter,
) -> Result<Vec<HistoryEntry>, CommandError> {
    Ok(client(app)?
        .office_get_query("/v1/office/stock/movements", &query(&filter))
        .await?)
}

/// The filtered history as CSV (stable English headers; see decisions.md).
pub async fn stock_history_csv(app: &App, filter: MovementFilter) -> Result<String, CommandError> {
    let rows = stock_history(app, filter).await?;
    Ok(stock_views::history_csv(&rows))
}
