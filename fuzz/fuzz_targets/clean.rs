//! libFuzzer target: text cleaning never panics (`aidsearch_fuzz::clean_text`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aidsearch_fuzz::clean_text(data));
