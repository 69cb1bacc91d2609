//! libFuzzer target: a generated PDF of nested arrays and dictionaries is
//! refused or read, never overflows the stack (`aidsearch_fuzz::pdf_nesting`).
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // As for `extract`: pdf-extract's panics are caught on purpose.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| aidsearch_fuzz::pdf_nesting(data)
);
