//! The repair order document (维修工单), by concern: its [`schema`] (the fields, written
//! once), how a local edit is written into Automerge ([`merge`]), the operations on it
//! ([`ops`]), how they are validated and applied ([`apply`]), and its [`flags`].
//! Validation goes through [`crate::lifecycle::check`].

mod apply;
mod flags;
mod merge;
mod ops;
mod schema;

pub use ops::OrderOp;
pub use schema::{NewOrder, OrderDoc, ALL_FIELDS, DECIDABLE_FIELDS, ORDER_SCHEMA_VERSION};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod return_tests;
