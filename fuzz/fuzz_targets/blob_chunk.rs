//! Fuzz target: `onsite_tests::fuzz::blob_chunk`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onsite_tests::fuzz::blob_chunk(data));
