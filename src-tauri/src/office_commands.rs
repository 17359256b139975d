//! The Tauri doors into the office's set-up commands (catalog, stock, people), each a
//! thin wrapper over `onsite_commands::office`, kept apart from `commands.rs` because
//! they all need the office server and serve only the desk.

use onsite_commands::office::{self, PeopleAction, StockAction};
use onsite_commands::{App, CommandError};
use onsite_core::office::{ImportReport, OfficeArea, PeopleOverview, StockOverview};
use onsite_core::records::catalog::Part;
use tauri::State;

#[tauri::command]
pub fn office_areas(app: State<'_, App>) -> Result<Vec<OfficeArea>, CommandError> {
    office::office_areas(&app)
}

#[tauri::command]
pub async fn office_catalog(app: State<'_, App>) -> Result<Vec<Part>, CommandError> {
    office::catalog(&app).await
}

#[tauri::command]
pub async fn office_save_part(app: State<'_, App>, part: Part) -> Result<Part, CommandError> {
    office::save_part(&app, part).await
}

#[tauri::command]
pub async fn office_import_catalog(
    app: State<'_, App>,
    file: String,
) -> Result<ImportReport, CommandError> {
    office::import_catalog_file(&app, &file).await
}

#[tauri::command]
pub async fn office_stock(app: State<'_, App>) -> Result<StockOverview, CommandError> {
    office::stock(&app).await
}

#[tauri::command]
pub async fn office_stock_action(
    app: State<'_, App>,
    action: StockAction,
) -> Result<StockOverview, CommandError> {
    office::stock_action(&app, action).await
}

#[tauri::command]
pub async fn office_people(app: State<'_, App>) -> Result<PeopleOverview, CommandError> {
    office::people(&app).await
}

#[tauri::command]
pub async fn office_people_action(
    app: State<'_, App>,
    action: PeopleAction,
) -> Result<PeopleOverview, CommandError> {
    office::people_action(&app, action).await
}
