//! Photo and signature processing with `image`: pure functions from bytes to bytes.
//! No storage here; `store::blobs` keeps the results.

pub mod photo;
pub mod signature;
pub mod whole;
