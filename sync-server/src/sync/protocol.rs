//! The sync wire types live in onsite-core, shared with the device's sync client.

pub use onsite_core::protocol::*;
