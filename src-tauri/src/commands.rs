//! Tauri commands: the only doors from the UI into the device.

use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::AppState;

/// What the status line and the start screen need to know about this device.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    pub version: &'static str,
    pub device_id: String,
    /// The server this device is enrolled with, if the user has signed in.
    pub server: Option<String>,
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<AppStatus, CommandError> {
    let store = state.store.lock().map_err(|_| CommandError {
        code: "errors.internal",
        message: "device store lock poisoned".into(),
    })?;
    Ok(AppStatus {
        version: env!("CARGO_PKG_VERSION"),
        device_id: store.device_id()?,
        server: store.meta("server_url")?,
    })
}
