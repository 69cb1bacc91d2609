//! libFuzzer target: query parsing and searching never panic
//! (`aidsearch_fuzz::query`, over an index of the seed corpus).
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        // Known, reported panics (`KNOWN_PANICS`) unwind to the target, which
        // counts them; any other panic aborts, so libFuzzer saves the input.
        aidsearch_fuzz::abort_on_unknown_panics();
        aidsearch_fuzz::warm_up();
    },
    |data: &[u8]| aidsearch_fuzz::query(data)
);
