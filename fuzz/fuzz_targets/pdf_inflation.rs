//! libFuzzer target: PDF streams that inflate past the limit, cut or mixed
//! by the input, are refused or read in bounded memory
//! (`aidsearch_fuzz::pdf_inflation`).
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // As for `extract`: pdf-extract's panics are caught on purpose.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| aidsearch_fuzz::pdf_inflation(data)
);
