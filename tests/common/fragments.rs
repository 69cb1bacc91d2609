//! Copied fragments: random runs of 4–10 CJK characters drawn from the
//! paragraphs of an index with a fixed seed, each with the paragraph it was
//! copied from. `tests/substring.rs` checks that every one finds its
//! paragraph; the fitting harness (`common::eval`) also fits the reranker
//! on a draw of its own, so that the model serves staff who paste a
//! fragment to find its source as well as those who type a topic.
#![allow(dead_code)]

use aidsearch::index::schema::stored_text;
use aidsearch::normalize::{fold, is_cjk};
use aidsearch::search::Engine;

/// SplitMix64: a fixed sequence from a fixed seed, with no dependency.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The runs of CJK characters of `text` that have at least `min` of them.
pub fn cjk_runs(text: &str, min: usize) -> Vec<Vec<char>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if is_cjk(c) {
            current.push(c);
        } else if current.len() >= min {
            runs.push(std::mem::take(&mut current));
        } else {
            current.clear();
        }
    }
    runs
}

/// A paragraph's id and text.
pub struct Source {
    pub id: String,
    pub text: String,
}

/// Every paragraph of an engine's generation, in id order (documents are in
/// no fixed order across builds).
pub fn sources(engine: &Engine) -> Vec<Source> {
    let searcher = engine.searcher();
    let mut out = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        for doc in segment.doc_ids_alive() {
            let address = tantivy::DocAddress::new(ord as u32, doc);
            let doc: tantivy::TantivyDocument = searcher.doc(address).expect("stored document");
            out.push(Source {
                id: stored_text(&doc, engine.fields.id).unwrap_or_default(),
                text: stored_text(&doc, engine.fields.text).unwrap_or_default(),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// One drawn fragment and the index (in `sources`) of its paragraph.
pub struct Fragment {
    pub text: String,
    pub source: usize,
}

/// `count` fragments of `sources`, drawn with `seed`, and how many draws
/// were put back.
///
/// Text repeated word for word (the same news in several reports) puts a
/// run in many paragraphs, and only ten fit in the top 10: such a run is
/// drawn again. Counted by a scan, which decides only this.
pub fn draw(sources: &[Source], count: usize, seed: u64) -> (Vec<Fragment>, usize) {
    let folded: Vec<String> = sources.iter().map(|p| fold(&p.text)).collect();
    let mut rng = SplitMix(seed);
    let (mut out, mut redrawn) = (Vec::new(), 0);
    while out.len() < count {
        let i = rng.below(sources.len());
        let runs = cjk_runs(&sources[i].text, 4);
        if runs.is_empty() {
            continue;
        }
        let chars = &runs[rng.below(runs.len())];
        let len = 4 + rng.below(chars.len().min(10) - 3);
        let start = rng.below(chars.len() - len + 1);
        let text: String = chars[start..start + len].iter().collect();
        let needle = fold(&text);
        if folded.iter().filter(|t| t.contains(&needle)).count() > 10 {
            redrawn += 1;
            continue;
        }
        out.push(Fragment { text, source: i });
    }
    (out, redrawn)
}
