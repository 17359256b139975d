//! The Tauri doors into the workshop commands (the received-products list, a product's
//! arrival), each a thin wrapper over `onsite_commands::workshop`.

use onsite_commands::order::OrderDetail;
use onsite_commands::signoff::SignatureInput;
use onsite_commands::workshop::{self, WorkshopItem};
use onsite_commands::{App, CommandError};
use tauri::State;

#[tauri::command]
pub fn workshop(app: State<'_, App>) -> Result<Vec<WorkshopItem>, CommandError> {
    workshop::workshop(&app)
}

#[tauri::command]
pub fn receive_product(
    app: State<'_, App>,
    id: String,
    condition: String,
    photo: Option<String>,
    signer: Option<String>,
    signature: Option<SignatureInput>,
) -> Result<OrderDetail, CommandError> {
    workshop::receive_product(
        &app,
        &id,
        &condition,
        photo,
        signer.as_deref(),
        signature.as_ref(),
    )
}
