//! Generates the Tauri context and one permission per app command (`allow-<command>`),
//! which `capabilities/default.json` grants one by one.

const COMMANDS: &[&str] = &["app_status"];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
