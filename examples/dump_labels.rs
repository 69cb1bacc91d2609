//! Every paragraph's labels in a corpus folder, one line each, sorted: how a
//! labelling change is read across a whole corpus before it is kept. Dump
//! before and after the change and `diff` the two files (or count the lines
//! that differ per facet).
//!
//! `cargo run --release --example dump_labels -- target/tmp/aid-subcorpus/corpus > before.tsv`
//!
//! Each line: report id, paragraph number, then region, donor, programme,
//! sector and year (values joined by `|`), tab-separated, then the first
//! 60 characters of the paragraph.

use std::path::Path;

use aidsearch::{corpus, labels};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: dump_labels CORPUS_DIR");
        std::process::exit(2);
    };
    let loaded = corpus::load_dir(Path::new(&dir)).unwrap_or_else(|e| {
        eprintln!("dump_labels: {dir}: {e}");
        std::process::exit(1);
    });
    let mut lines = Vec::new();
    for report in &loaded.reports {
        for (n, (labels, paragraph)) in labels::label_report(report)
            .iter()
            .zip(&report.paragraphs)
            .enumerate()
        {
            let years: Vec<String> = labels.year.iter().map(i32::to_string).collect();
            let head: String = paragraph
                .text
                .chars()
                .take(60)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{head}",
                report.id,
                n + 1,
                labels.region.join("|"),
                labels.donor.join("|"),
                labels.programme.join("|"),
                labels.sector.join("|"),
                years.join("|"),
            ));
        }
    }
    lines.sort();
    for line in lines {
        println!("{line}");
    }
}
