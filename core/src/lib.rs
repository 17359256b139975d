//! onsite-core: the after-sales domain. Records, the order lifecycle, SLA clocks on a
//! working-day calendar, warranty/return/stock/sign-off rules and the Automerge document
//! schema. Pure: no I/O, no clock reads (every "now" is passed in), no storage.
//!
//! Entry points other crates use:
//! - [`ops::create`] and [`ops::apply`]: a domain operation applied to an Automerge
//!   document as one change, validated by [`lifecycle::check`] first;
//! - [`doc::order::OrderDoc`], [`doc::complaint::ComplaintDoc`],
//!   [`doc::requisition::RequisitionDoc`] and [`ops::hydrate`];
//! - [`summary::OrderSummary`] for list/search projections;
//! - [`doc::conflicts::conflicts`] for concurrent values the office must decide.

pub mod calendar;
pub mod calendar_file;
pub mod company;
pub mod customers;
pub mod doc;
pub mod error;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod follow_ups;
pub mod ids;
pub mod intake;
pub mod kpi;
pub mod lifecycle;
pub mod money;
pub mod office;
pub mod ops;
pub mod over_use_fix;
pub mod parts_flow;
pub mod protocol;
pub mod records;
pub mod returns;
pub mod review;
pub mod role;
pub mod settings;
pub mod signoff;
pub mod sla;
pub mod stock;
pub mod stock_count;
pub mod stock_views;
pub mod summary;
pub mod warranty;

pub use calendar::Calendar;
pub use company::{CompanyRules, SettingsVersion};
pub use doc::complaint::{ComplaintDoc, ComplaintOp};
pub use doc::order::{OrderDoc, OrderOp};
pub use doc::requisition::{RequisitionDoc, RequisitionOp};
pub use error::DomainError;
pub use ids::*;
pub use lifecycle::{OrderState, Transition, TransitionError};
pub use money::Money;
pub use ops::Ctx;
pub use role::{Actor, Role};
pub use settings::Settings;
pub use summary::OrderSummary;
