//! Desktop entry point; mobile builds enter through `onsite_app_lib::run` instead.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    onsite_app_lib::run()
}
