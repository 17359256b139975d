// The one list of the commands the UI may call. Included (not imported) by
// `commands/src/invoke.rs` and by `src-tauri/build.rs`, which generates one permission per
// command before any crate is built, so the two can never list different commands.

/// Every command the UI may call, as the shell registers them.
pub const COMMANDS: &[&str] = &[
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
    "list_held_changes",
    "release_held_change",
    "discard_held_change",
];
