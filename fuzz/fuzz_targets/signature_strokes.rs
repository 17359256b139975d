//! Fuzz target: `onsite_tests::fuzz::signature_strokes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| onsite_tests::fuzz::signature_strokes(data));
