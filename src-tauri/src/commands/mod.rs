//! Tauri commands: the only doors from the UI into the device. One file per area; the
//! shapes they return are mirrored in `ui/src/lib/api.ts`.

pub mod orders;
pub mod reference;
pub mod session;
