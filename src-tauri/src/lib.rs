//! The Onsite app shell: opens the device store in the app's private data folder and
//! exposes it to the web UI as Tauri commands. Shared by desktop and mobile builds.

mod commands;
mod error;

use std::sync::Mutex;

use onsite_device::Store;
use tauri::Manager;

/// The state every command can reach.
pub struct AppState {
    store: Mutex<Store>,
}

/// Starts the app. Desktop `main` calls this; on mobile it is the entry point itself.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();

    let result = tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app.handle())?;
            std::fs::create_dir_all(&dir)?;
            let store = Store::open(&dir.join("onsite.db"))?;
            tracing::info!(data = %dir.display(), "device store open");
            app.manage(AppState {
                store: Mutex::new(store),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::app_status])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        tracing::error!(%err, "Onsite stopped with an error");
        std::process::exit(1);
    }
}

/// The app's private data folder. `ONSITE_DATA_DIR` overrides it so the demo and the
/// end-to-end tests can run several devices side by side on one machine.
fn data_dir(app: &tauri::AppHandle) -> tauri::Result<std::path::PathBuf> {
    match std::env::var_os("ONSITE_DATA_DIR") {
        Some(dir) => Ok(dir.into()),
        None => app.path().app_data_dir(),
    }
}
