//! Thin Tauri wrappers over the service report and the KPI commands (issue 16).

use onsite_commands::kpi::KpiTable;
use onsite_commands::report::ServiceReport;
use onsite_commands::{App, CommandError};
use onsite_core::kpi::{KpiQuery, KpiReport};
use tauri::State;

#[tauri::command]
pub fn service_report(
    app: State<'_, App>,
    id: String,
    lang: String,
) -> Result<ServiceReport, CommandError> {
    onsite_commands::report::service_report(&app, &id, &lang)
}

#[tauri::command]
pub async fn kpi(app: State<'_, App>, query: KpiQuery) -> Result<KpiReport, CommandError> {
    onsite_commands::kpi::kpi(&app, query).await
}

#[tauri::command]
pub async fn kpi_csv(
    app: State<'_, App>,
    query: KpiQuery,
    table: KpiTable,
) -> Result<String, CommandError> {
    onsite_commands::kpi::kpi_csv(&app, query, table).await
}
