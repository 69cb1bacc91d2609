//! The county-level places the gazetteer finds in a corpus of news, most
//! frequent first, each with a few matches in context: how the short forms
//! and stop phrases of `data/regions-overlay.tsv` were checked.
//!
//! `cargo run --release --example place_matches -- ../shared/scale-corpus/*.jsonl.gz`
//! (gzipped JSON lines with a `text` field; one paragraph a line of text).

use std::collections::HashMap;
use std::io::BufRead;

use aidsearch::gazetteer::{Gazetteer, Level};

/// How many places to print.
const TOP: usize = 600;
/// Characters of context on each side of a match.
const CONTEXT: usize = 8;

fn main() {
    let g = Gazetteer::global();
    let mut tally: HashMap<(String, String), (usize, Vec<String>)> = HashMap::new();
    let mut unresolved = 0;
    for path in std::env::args().skip(1) {
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        for line in reader.lines() {
            let line = line.unwrap_or_else(|e| panic!("{path}: {e}"));
            let doc: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
            for para in doc["text"].as_str().unwrap_or_default().split('\n') {
                let scan = g.scan(para, &[]);
                unresolved += scan.unresolved;
                for m in scan.found.iter().filter(|m| m.place.level == Level::County) {
                    let key = (m.surface.clone(), m.place.path.clone());
                    let (n, samples) = tally.entry(key).or_default();
                    *n += 1;
                    if samples.len() < 3 {
                        let before: Vec<char> =
                            para[..m.start].chars().rev().take(CONTEXT).collect();
                        let before: String = before.into_iter().rev().collect();
                        let after: String = para[m.end..].chars().take(CONTEXT).collect();
                        samples.push(format!("{before}【{}】{after}", m.surface));
                    }
                }
            }
        }
    }
    let mut rows: Vec<_> = tally.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
    println!("shared names left out for want of context: {unresolved}");
    for ((surface, path), (n, samples)) in rows.iter().take(TOP) {
        println!("{n}\t{surface}\t{path}\t{}", samples.join(" | "));
    }
}
