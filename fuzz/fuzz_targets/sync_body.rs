//! Fuzz target: `onsite_tests::fuzz::sync_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onsite_tests::fuzz::sync_body(data));
