//! Fuzz target: `onsite_tests::fuzz::pushed_document`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onsite_tests::fuzz::pushed_document(data));
