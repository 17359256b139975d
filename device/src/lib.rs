//! onsite-device: what lives on a technician's phone or an office desktop. The SQLite
//! document store (documents, projections, blobs) and, later, the sync client. The app
//! shell, the tests and the benchmarks all use it.

pub mod actors;
pub mod blob_sync;
pub mod company;
pub mod counts;
mod error;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod media;
pub mod office;
pub mod projection;
pub mod quarantine;
pub mod store;
pub mod sync_client;
pub mod token;

pub use error::StoreError;
pub use store::documents::DocKind;
pub use store::orders::{OrderFilter, OrderRow, SlaFilter, SlaRow};
pub use store::{Options, PendingDoc, PhotoRef, SignatureRef, Store};
