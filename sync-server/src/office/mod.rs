//! The company's set-up, administered at the office: the parts catalog and its CSV import
//! (`catalog.rs`), warehouses, goods received and transfers to vans as ledger movements
//! (`stock.rs`), stock counts (`counts.rs`), over-use settled by a movement
//! (`over_use.rs`), the stock views (`stock_views.rs`), accounts and devices (`people.rs`), and the record of who did each and
//! when (`audit.rs`). The rules (who administers what, a valid part, enough stock, the
//! last supervisor) are `onsite_core::office`; the HTTP handlers are `http/office.rs`.

pub mod audit;
pub mod catalog;
pub mod counts;
pub mod kpi;
pub mod over_use;
pub mod people;
pub mod requisitions;
pub mod stock;
pub mod stock_views;

use axum::http::StatusCode;
use onsite_core::office::OfficeError;

use crate::error::ApiError;

impl From<OfficeError> for ApiError {
    fn from(err: OfficeError) -> Self {
        let status = match &err {
            OfficeError::NotPermitted { .. } => StatusCode::FORBIDDEN,
            OfficeError::LastSupervisor | OfficeError::NotEnoughStock { .. } => {
                StatusCode::CONFLICT
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, err.code(), err.to_string()).with_details(err.details())
    }
}

/// A 404 naming what was not found.
pub(crate) fn not_found(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, message)
}
