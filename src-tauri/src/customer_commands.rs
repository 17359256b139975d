//! The Tauri doors into the customer page: the search by phone or name, one customer's
//! history, and the tier the office sets, each a thin wrapper over
//! `onsite_commands::customers`.

use onsite_commands::customers::{self, CustomerHistory};
use onsite_commands::{App, CommandError};
use onsite_core::customers::CustomerSummary;
use onsite_core::records::request::CustomerTier;
use tauri::State;

#[tauri::command]
pub fn customer_search(
    app: State<'_, App>,
    query: String,
) -> Result<Vec<CustomerSummary>, CommandError> {
    customers::customer_search(&app, &query)
}

#[tauri::command]
pub fn customer_history(app: State<'_, App>, key: String) -> Result<CustomerHistory, CommandError> {
    customers::customer_history(&app, &key)
}

#[tauri::command]
pub fn set_customer_tier(
    app: State<'_, App>,
    key: String,
    tier: CustomerTier,
) -> Result<CustomerHistory, CommandError> {
    customers::set_customer_tier(&app, &key, tier)
}
