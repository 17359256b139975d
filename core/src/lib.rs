//! onsite-core: the after-sales domain. Types and rules only: no I/O, no clock reads
//! (every "now" is passed in), no storage.

pub mod role;
