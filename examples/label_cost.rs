//! CPU cost of labelling alone over the scale corpus: the documents read as
//! `cargo bench --bench scale` reads them, cleaned and split by
//! `corpus::build_reports` (timed apart), then `labels::label_report` over
//! every report on one thread, timed in CPU seconds of that thread.
//!
//! ```text
//! cargo run --release --example label_cost                    # whole corpus, 3 rounds
//! cargo run --release --example label_cost -- --every 50      # the bench's 2% slice
//! cargo run --release --example label_cost -- --rounds 5
//! ```
//!
//! The corpus is read from `$AIDSEARCH_SCALE_CORPUS`, else
//! `../shared/scale-corpus`. For instruction counts, which do not move with
//! the machine's load, run it under callgrind on a slice with one round and
//! read the inclusive cost of `aidsearch::labels::label_report`:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/examples/label_cost --every 10 --rounds 1
//! callgrind_annotate --inclusive=yes cg.out | grep labels::label_report
//! ```
//!
//! The last line of output is `RESULT` and the figures as JSON.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use aidsearch::corpus::Report;
use aidsearch::labels;

fn main() {
    let mut every = 1usize;
    let mut rounds = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or_else(|| {
                    eprintln!("{name} needs a positive number");
                    std::process::exit(2)
                })
        };
        match arg.as_str() {
            "--every" => every = number("--every"),
            "--rounds" => rounds = number("--rounds"),
            other => {
                eprintln!("unknown option {other:?} (--every N, --rounds N)");
                std::process::exit(2);
            }
        }
    }
    let docs = match common::load_corpus(&common::corpus_dir(), every) {
        Ok(docs) => docs,
        Err(e) => {
            eprintln!("label_cost: {e}");
            std::process::exit(1);
        }
    };
    // Dictionaries, gazetteer and lexicons, loaded once as the bench does.
    let warm_up = common::warm_up_product();

    let cpu = common::thread_cpu_seconds();
    let started = Instant::now();
    let reports: Vec<Report> = docs.iter().flat_map(common::doc_cleaned).collect();
    let clean_cpu = common::thread_cpu_seconds() - cpu;
    let clean_wall = started.elapsed().as_secs_f64();
    let paragraphs: usize = reports.iter().map(|r| r.paragraphs.len()).sum();

    let mut label_cpu = Vec::new();
    let mut label_wall = Vec::new();
    let mut tally = [0usize; 4];
    for _ in 0..rounds {
        let cpu = common::thread_cpu_seconds();
        let started = Instant::now();
        let labelled: Vec<Vec<labels::Labels>> = reports.iter().map(labels::label_report).collect();
        label_cpu.push(common::thread_cpu_seconds() - cpu);
        label_wall.push(started.elapsed().as_secs_f64());
        tally = [0; 4];
        for l in labelled.iter().flatten() {
            tally[0] += l.region.len();
            tally[1] += l.donor.len();
            tally[2] += l.sector.len();
            tally[3] += l.year.len();
        }
    }
    let mut sorted = label_cpu.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    eprintln!(
        "{} documents, {} reports, {paragraphs} paragraphs (every {every}); warm-up {warm_up:.2} s",
        docs.len(),
        reports.len()
    );
    eprintln!("cleaning (build_reports): {clean_cpu:.2} CPU s, {clean_wall:.2} s wall");
    eprintln!(
        "labelling (label_report), one thread: CPU s per round {:?}, median {median:.2}; wall {:?}",
        label_cpu
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>(),
        label_wall
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "labels: {} region, {} donor, {} sector, {} year values",
        tally[0], tally[1], tally[2], tally[3]
    );
    println!(
        "RESULT {}",
        serde_json::json!({
            "every": every,
            "documents": docs.len(),
            "reports": reports.len(),
            "paragraphs": paragraphs,
            "clean_cpu_seconds": clean_cpu,
            "label_cpu_seconds": label_cpu,
            "label_wall_seconds": label_wall,
            "label_cpu_median": median,
            "region_values": tally[0],
            "donor_values": tally[1],
            "sector_values": tally[2],
            "year_values": tally[3],
        })
    );
}
