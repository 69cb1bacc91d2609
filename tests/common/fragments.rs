//! Copied fragments: random runs of 4–10 CJK characters drawn from the
//! paragraphs of an index with a fixed seed, each with the paragraph it was
//! copied from. `tests/substring.rs` checks that every one finds its
//! paragraph; the fitting harness (`common::eval`) scores a draw of its
//! own under every set of weights (it fits on none), so that a model fitted
//! on topic queries still serves staff who paste a fragment.
#![allow(dead_code)]

use aidsearch::normalize::{fold, is_cjk};

use super::paragraphs::StoredParagraph;

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

/// One drawn fragment and the index (in the paragraphs drawn from) of its
/// paragraph.
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
pub fn draw(sources: &[StoredParagraph], count: usize, seed: u64) -> (Vec<Fragment>, usize) {
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
