//! libFuzzer target: format extraction never panics outside its own
//! `catch_unwind` (`aidsearch_fuzz::formats`).
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // libfuzzer-sys turns every panic into an abort through the panic
        // hook, even one `extract` catches on purpose (pdf-extract panics on
        // malformed files). A silent hook restores `catch_unwind`; a panic
        // that escapes `extract` still aborts, since libfuzzer-sys checks
        // the result of its own `catch_unwind` around this body.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| aidsearch_fuzz::formats(data)
);
