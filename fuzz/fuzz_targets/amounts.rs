//! libFuzzer target: amount parsing never panics (`aidsearch_fuzz::money`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aidsearch_fuzz::money(data));
