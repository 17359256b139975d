//! onsite-device: what lives on a technician's phone or an office desktop. The SQLite
//! store and, later, the sync client. The app shell and the tests both use it.

pub mod store;

pub use store::{Store, StoreError};
