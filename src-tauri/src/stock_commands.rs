//! The Tauri doors into the desk's stock counts, over-use resolution and stock views,
//! each a thin wrapper over `onsite_commands::stock`.

use onsite_commands::stock::{self, CountCommand, CountList};
use onsite_commands::{App, CommandError};
use onsite_core::over_use_fix::OverUseResolution;
use onsite_core::stock_count::CountView;
use onsite_core::stock_views::{HistoryEntry, MovementFilter, StockMinimum, StockRow};
use tauri::State;

#[tauri::command]
pub async fn stock_counts(app: State<'_, App>) -> Result<CountList, CommandError> {
    stock::stock_counts(&app).await
}

#[tauri::command]
pub async fn stock_count(app: State<'_, App>, id: String) -> Result<CountView, CommandError> {
    stock::stock_count(&app, &id).await
}

#[tauri::command]
pub async fn stock_count_action(
    app: State<'_, App>,
    command: CountCommand,
) -> Result<CountView, CommandError> {
    stock::stock_count_action(&app, command).await
}

#[tauri::command]
pub async fn resolve_over_use(
    app: State<'_, App>,
    resolution: OverUseResolution,
) -> Result<(), CommandError> {
    stock::resolve_over_use(&app, resolution).await
}

#[tauri::command]
pub async fn stock_levels(app: State<'_, App>) -> Result<Vec<StockRow>, CommandError> {
    stock::stock_levels(&app).await
}

#[tauri::command]
pub async fn stock_set_minimum(
    app: State<'_, App>,
    minimum: StockMinimum,
) -> Result<Vec<StockRow>, CommandError> {
    stock::stock_set_minimum(&app, minimum).await
}

#[tauri::command]
pub async fn stock_history(
    app: State<'_, App>,
    filter: MovementFilter,
) -> Result<Vec<HistoryEntry>, CommandError> {
    stock::stock_history(&app, filter).await
}

#[tauri::command]
pub async fn stock_history_csv(
    app: State<'_, App>,
    filter: MovementFilter,
) -> Result<String, CommandError> {
    stock::stock_history_csv(&app, filter).await
}
