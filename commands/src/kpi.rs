//! The office's KPIs, asked of the server (`GET /v1/office/kpi`, online like the other
//! office screens: the figures are the office copy's, never one desktop's partial
//! view), and their CSV for the desk's export.

use onsite_core::kpi::{self, KpiQuery, KpiReport};
use onsite_device::sync_client::SyncClient;
use serde::Deserialize;

use crate::error::CommandError;
use crate::{reference, App};

/// Which table of the KPIs a CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum KpiTable {
    /// Per period: the trend.
    Period,
    /// Per technician.
    Technician,
    /// Per product model.
    Model,
}

fn client(app: &App) -> Result<SyncClient, CommandError> {
    app.with_store(|store| SyncClient::from_store(store)?.ok_or_else(CommandError::not_signed_in))
}

fn params(query: &KpiQuery) -> Vec<(&'static str, String)> {
    let granularity = match query.granularity {
        kpi::Granularity::Week => "week",
        kpi::Granularity::Month => "month",
        kpi::Granularity::Quarter => "quarter",
    };
    let mut q = vec![("granularity", granularity.to_string())];
    if let Some(d) = query.from {
        q.push(("from", d.to_string()));
    }
    if let Some(d) = query.to {
        q.push(("to", d.to_string()));
    }
    q
}

/// The KPIs for `query`, as the office computes them now.
pub async fn kpi(app: &App, query: KpiQuery) -> Result<KpiReport, CommandError> {
    Ok(client(app)?
        .office_get_query("/v1/office/kpi", &params(&query))
        .await?)
}

/// One table of the KPIs for `query` as CSV, technicians by name.
pub async fn kpi_csv(app: &App, query: KpiQuery, table: KpiTable) -> Result<String, CommandError> {
    let report = kpi(app, query).await?;
    let people = app.with_store(|store| reference::people(store))?;
    let groups = match table {
        KpiTable::Period => &report.by_period,
        KpiTable::Technician => &report.by_technician,
        KpiTable::Model => &report.by_model,
    };
    let name = |key: &str| match table {
        KpiTable::Technician => people.get(key).cloned().unwrap_or_else(|| key.to_string()),
        KpiTable::Period | KpiTable::Model => key.to_string(),
    };
    Ok(kpi::csv(groups, &report.overall, name))
}
