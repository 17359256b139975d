//! The Onsite app shell: opens the device store in the app's private data folder,
//! spawns the background sync, and registers the command layer (`onsite-commands`) as
//! Tauri commands, with the window, capabilities and CSP. Shared by desktop and mobile
//! builds. No command body lives here.

mod commands;
mod complaint_commands;
mod customer_commands;
mod follow_up_commands;
mod office_commands;
mod parts_commands;
mod report_commands;
mod stock_commands;
mod workshop_commands;

use onsite_commands::App;
use tauri::Manager;

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
            let state = App::open(&dir)?;
            tracing::info!(data = %dir.display(), "device store open");
            if let Some((w, h)) = window_size() {
                if let Some(window) = app.get_webview_window("main") {
                    window.set_size(tauri::LogicalSize::new(w, h))?;
                }
            }
            tauri::async_runtime::spawn(onsite_commands::sync::run(
                state.store.clone(),
                state.sync.clone(),
            ));
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::sign_in,
            commands::sign_out,
            commands::sync_status,
            commands::sync_now,
            commands::list_orders,
            commands::sla_board,
            commands::get_order,
            commands::order_op,
            commands::use_part,
            commands::add_photo,
            commands::sign_off,
            commands::blob_url,
            commands::create_order,
            commands::check_warranty,
            commands::van_stock,
            commands::find_parts,
            commands::staff,
            office_commands::office_areas,
            office_commands::office_catalog,
            office_commands::office_save_part,
            office_commands::office_import_catalog,
            office_commands::office_stock,
            office_commands::office_stock_action,
            office_commands::office_people,
            office_commands::office_people_action,
            stock_commands::stock_counts,
            stock_commands::stock_count,
            stock_commands::stock_count_action,
            stock_commands::resolve_over_use,
            stock_commands::stock_levels,
            stock_commands::stock_set_minimum,
            stock_commands::stock_history,
            stock_commands::stock_history_csv,
            commands::company_settings,
            commands::save_settings,
            commands::company_calendar,
            commands::save_calendar_year,
            commands::save_working_week,
            commands::import_calendar,
            commands::list_held_changes,
            commands::release_held_change,
            commands::discard_held_change,
            parts_commands::ask_parts,
            parts_commands::hand_back,
            parts_commands::my_requests,
            parts_commands::van_detail,
            parts_commands::office_requisitions,
            parts_commands::office_requisition_action,
            workshop_commands::workshop,
            workshop_commands::receive_product,
            report_commands::service_report,
            report_commands::kpi,
            report_commands::kpi_csv,
            complaint_commands::create_complaint,
            complaint_commands::list_complaints,
            complaint_commands::order_complaints,
            complaint_commands::complaint_conflicts,
            complaint_commands::get_complaint,
            complaint_commands::complaint_op,
            complaint_commands::check_return,
            follow_up_commands::follow_up_queue,
            follow_up_commands::record_follow_up,
            follow_up_commands::complaint_from_follow_up,
            follow_up_commands::customer_open_complaints,
            customer_commands::customer_search,
            customer_commands::customer_history,
            customer_commands::set_customer_tier,
        ])
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

/// `ONSITE_WINDOW_SIZE=420x860` opens the window at that size, so the demo can show the
/// technician's phone face beside the office desk on one screen.
fn window_size() -> Option<(f64, f64)> {
    let size = std::env::var("ONSITE_WINDOW_SIZE").ok()?;
    let (w, h) = size.split_once('x')?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}
