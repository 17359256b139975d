//! Generates the Tauri context and one permission per app command (`allow-<command>`),
//! which `capabilities/default.json` grants one by one.

const COMMANDS: &[&str] = &[
    "app_status",
    "sign_in",
    "sign_out",
    "sync_status",
    "sync_now",
    "list_orders",
    "get_order",
    "order_op",
    "use_part",
    "add_photo",
    "sign_off",
    "blob_url",
    "create_order",
    "check_warranty",
    "van_stock",
    "find_parts",
    "staff",
];

// A build script reports failure by panicking: there is no caller to hand an error to.
#[allow(clippy::expect_used)]
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
