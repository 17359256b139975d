//! Generates the Tauri context and one permission per app command (`allow-<command>`),
//! which `capabilities/default.json` grants one by one.

include!("../commands/src/command_names.rs");

// A build script reports failure by panicking: there is no caller to hand an error to.
#[allow(clippy::expect_used)]
fn main() {
    println!("cargo:rerun-if-changed=../commands/src/command_names.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
