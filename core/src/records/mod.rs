//! The records the domain rules name, as plain data. Records embedded in a document
//! derive `Reconcile`/`Hydrate`; list entries carry a stable `#[key]` id.

pub mod catalog;
pub mod charge;
pub mod flag_params;
pub mod order;
pub mod request;
pub mod signature;
