//! Vocabulary mined from the corpus a generation indexes, kept with the
//! generation (`data/mined.bin`):
//! - **co-occurrence vectors**: PPMI over a window of [`WINDOW`] words of the
//!   segmented paragraphs, reduced by a randomized truncated SVD to at most
//!   [`DIMS`] dimensions, for the [`VOCAB_CAP`] most frequent words;
//! - **word sequences**: runs of two or three adjacent frequent words
//!   (农村 电子商务), the long forms an abbreviation stands for;
//! - **variants** of a word, asked at query time ([`Model::variants`]): corpus
//!   words or sequences that hold its characters in order, starting with its
//!   first character and ending with its last or one character after it
//!   (先心病 → 先天性心脏病; 农村电商 → 农村电子商务, where 商 ends 商务), without a
//!   negation or function word inserted, gated by vector similarity;
//! - **neighbours** ([`Model::neighbours`]): the closest words by cosine, which
//!   staff review through `aidsearch synonyms suggest`.
//!
//! No thesaurus or embedding set on the reachable registries is both usable
//! and licence-compatible, so the corpus itself is the source.

use std::collections::HashMap;
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::normalize::is_cjk;
use crate::tokenizer::analyze_with;
use crate::vocabulary::Vocabulary;

/// The model's file, in a generation's snapshot folder.
pub const MODEL_FILE: &str = "mined.bin";
/// The first bytes of a model file, with the format's version.
const MAGIC: &[u8; 8] = b"AIDMINE2";
/// Words kept, the most frequent first; bounds memory and time.
pub const VOCAB_CAP: usize = 30_000;
/// Fewest occurrences of a kept word or sequence.
pub const MIN_FREQ: u32 = 3;
/// Words on each side counted as co-occurring.
pub const WINDOW: usize = 5;
/// Dimensions of the vectors (fewer for a small vocabulary).
pub const DIMS: usize = 160;
/// Most word sequences kept, the most frequent first.
const SEQUENCE_CAP: usize = 100_000;
/// Most paragraphs mined: a larger corpus is sampled evenly (every k-th
/// paragraph), so mining's memory and time stop growing with the corpus.
/// The co-occurrence counts grew to 730 MB at 400,000 paragraphs; 100,000
/// still gives each of the 30,000 kept words dozens of contexts.
pub const MINED_PARAGRAPHS_CAP: usize = 100_000;
/// Paragraphs segmented at once in the counting pass: their token ids are
/// held only until they are counted.
const SEGMENT_CHUNK: usize = 4096;
/// Least cosine between a word and a variant that is kept.
const VARIANT_COSINE: f32 = 0.4;
/// Shortest word whose long forms are looked for.
const MIN_ABBREVIATION_CHARS: usize = 3;
/// Characters whose insertion changes what a word means (不, 没) or makes it
/// a phrase rather than a longer form of it (的, 和): a variant inserting one
/// is dropped.
const INSERTED_REFUSED: &str =
    "不没无非未否别莫勿的了和与及或之而是在被把从对向也都就又并且着过吗呢吧";

/// The mined vocabulary of one corpus.
#[derive(Debug, Default)]
pub struct Model {
    /// Kept words (`n_words`, most frequent first), then sequences.
    entries: Vec<String>,
    freq: Vec<u32>,
    n_words: usize,
    dims: usize,
    /// `n_words × dims`, rows of unit length (empty when too few words).
    vectors: Vec<f32>,
    /// The words of each sequence (indexes below `n_words`).
    parts: Vec<Vec<u32>>,
    index: HashMap<String, u32>,
    /// Entries by their first character.
    by_first: HashMap<char, Vec<u32>>,
}

/// Where a generation's model is, and the model once read: mining may
/// finish after the generation went live, so a missing file is looked for
/// again on the next call.
#[derive(Debug)]
pub struct ModelSlot {
    path: std::path::PathBuf,
    model: std::sync::Mutex<Option<std::sync::Arc<Model>>>,
}

impl ModelSlot {
    pub fn new(path: std::path::PathBuf) -> ModelSlot {
        ModelSlot {
            path,
            model: Default::default(),
        }
    }

    /// The model, read on the first call that finds its file.
    pub fn get(&self) -> Option<std::sync::Arc<Model>> {
        let mut model = self.model.lock().unwrap_or_else(|e| e.into_inner());
        if model.is_none() && self.path.is_file() {
            *model = Model::load(&self.path).ok().map(std::sync::Arc::new);
        }
        model.clone()
    }
}

/// What mining took, for the reindex summary and BENCHMARKS.md.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MiningSummary {
    /// Paragraphs mined, and the number they were sampled from.
    pub paragraphs: usize,
    pub of_paragraphs: usize,
    pub words: usize,
    pub sequences: usize,
    pub dims: usize,
    pub nonzero: usize,
    pub seconds: f64,
    /// Whether the previous generation's model was kept instead.
    pub reused: bool,
}

/// A cheap hasher for packed integer keys (the default SipHash doubles the
/// counting time).
#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        self.0 ^= self.0 >> 32;
    }
}

type Counts<K> = HashMap<K, u32, BuildHasherDefault<Mix>>;

/// Count one segmented paragraph's co-occurring kept words (within
/// [`WINDOW`]) and its runs of two or three adjacent kept words.
fn count_paragraph(
    tokens: &[(Option<u32>, bool)],
    pairs: &mut Counts<u64>,
    sequences: &mut Counts<u64>,
) {
    let kept: Vec<u32> = tokens.iter().filter_map(|t| t.0).collect();
    for (i, a) in kept.iter().enumerate() {
        for b in kept.iter().skip(i + 1).take(WINDOW) {
            if a != b {
                let (x, y) = if a < b { (*a, *b) } else { (*b, *a) };
                *pairs.entry(u64::from(x) << 32 | u64::from(y)).or_default() += 1;
            }
        }
    }
    for i in 0..tokens.len() {
        let mut key = 0u64;
        for len in 1..=3 {
            let Some((Some(w), adjacent)) = tokens.get(i + len - 1) else {
                break;
            };
            if len > 1 && !adjacent {
                break;
            }
            key = key << 21 | u64::from(*w + 1);
            if len > 1 {
                *sequences.entry(key).or_default() += 1;
            }
        }
    }
}

/// Take every k-th of `total` items, k chosen so that at most
/// [`MINED_PARAGRAPHS_CAP`] are taken: whether item `i` is taken.
pub fn sampled(i: usize, total: usize) -> bool {
    i.is_multiple_of(total.div_ceil(MINED_PARAGRAPHS_CAP).max(1))
}

/// Whether a token can be a kept word: two or more characters with a CJK
/// one (single characters and numbers carry little on their own).
fn keepable(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().any(is_cjk)
}

impl Model {
    /// Mine the paragraphs, segmented with `vocabulary`.
    pub fn mine(all: &[&str], vocabulary: &Vocabulary) -> (Model, MiningSummary) {
        let started = std::time::Instant::now();
        let paragraphs: Vec<&str> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| sampled(*i, all.len()))
            .map(|(_, p)| *p)
            .collect();
        // Two passes over the segmenter rather than keeping every token as a
        // string: the first counts words, the second counts kept words'
        // co-occurrences, a chunk of paragraphs at a time.
        let freq: HashMap<String, u32> = paragraphs
            .par_iter()
            .fold(HashMap::new, |mut freq: HashMap<String, u32>, text| {
                for t in analyze_with(vocabulary, text, false) {
                    if keepable(&t.text) {
                        *freq.entry(t.text).or_default() += 1;
                    }
                }
                freq
            })
            .reduce(HashMap::new, |mut a, b| {
                for (w, f) in b {
                    *a.entry(w).or_default() += f;
                }
                a
            });
        let mut words: Vec<(String, u32)> = freq.into_iter().filter(|e| e.1 >= MIN_FREQ).collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        words.truncate(VOCAB_CAP);
        let id: HashMap<&str, u32> = words
            .iter()
            .enumerate()
            .map(|(i, (w, _))| (w.as_str(), i as u32))
            .collect();
        let n = words.len();

        // Co-occurrence (i < j) within the window, and adjacent sequences.
        let mut pairs: Counts<u64> = Counts::default();
        let mut sequences: Counts<u64> = Counts::default();
        for chunk in paragraphs.chunks(SEGMENT_CHUNK) {
            // Each paragraph as (kept word's id, adjacent to the previous token).
            let segmented: Vec<Vec<(Option<u32>, bool)>> = chunk
                .par_iter()
                .map(|text| {
                    let mut end = usize::MAX;
                    analyze_with(vocabulary, text, false)
                        .into_iter()
                        .map(|t| {
                            let adjacent = t.char_start == end;
                            end = t.char_end;
                            (id.get(t.text.as_str()).copied(), adjacent)
                        })
                        .collect()
                })
                .collect();
            for p in &segmented {
                count_paragraph(p, &mut pairs, &mut sequences);
            }
        }

        let mut model = Model {
            n_words: n,
            ..Model::default()
        };
        for (w, f) in &words {
            model.entries.push(w.clone());
            model.freq.push(*f);
            model.parts.push(Vec::new());
        }
        let mut seqs: Vec<(u64, u32)> = sequences.into_iter().filter(|s| s.1 >= MIN_FREQ).collect();
        seqs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        seqs.truncate(SEQUENCE_CAP);
        for (mut key, f) in seqs {
            let mut parts = Vec::new();
            while key > 0 {
                parts.push((key & 0x1f_ffff) as u32 - 1);
                key >>= 21;
            }
            parts.reverse();
            let text: String = parts
                .iter()
                .map(|&p| words[p as usize].0.as_str())
                .collect();
            if text.chars().count() <= 12 && !id.contains_key(text.as_str()) {
                model.entries.push(text);
                model.freq.push(f);
                model.parts.push(parts);
            }
        }
        let nonzero = pairs.len();
        let (dims, vectors) = embed(n, pairs);
        model.dims = dims;
        model.vectors = vectors;
        model.build_lookups();
        let summary = MiningSummary {
            paragraphs: paragraphs.len(),
            of_paragraphs: all.len(),
            words: n,
            sequences: model.entries.len() - n,
            dims,
            nonzero,
            seconds: started.elapsed().as_secs_f64(),
            reused: false,
        };
        (model, summary)
    }

    fn build_lookups(&mut self) {
        self.index = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.clone(), i as u32))
            .collect();
        self.by_first.clear();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(first) = e.chars().next() {
                self.by_first.entry(first).or_default().push(i as u32);
            }
        }
    }

    /// Words kept (with vectors when `dims() > 0`).
    pub fn words(&self) -> impl Iterator<Item = (&str, u32)> {
        self.entries[..self.n_words]
            .iter()
            .map(String::as_str)
            .zip(self.freq.iter().copied())
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The unit vector of a kept word.
    fn row(&self, i: usize) -> Option<&[f32]> {
        (self.dims > 0 && i < self.n_words)
            .then(|| &self.vectors[i * self.dims..(i + 1) * self.dims])
    }

    /// The vector of an entry, a sequence's the sum of its words', or of any
    /// text: the sum of its kept sub-words (cut for search).
    fn vector_of(&self, text: &str, vocabulary: &Vocabulary) -> Option<Vec<f32>> {
        if self.dims == 0 {
            return None;
        }
        let ids: Vec<usize> = match self.index.get(text) {
            Some(&i) if (i as usize) < self.n_words => vec![i as usize],
            Some(&i) => self.parts[i as usize].iter().map(|&p| p as usize).collect(),
            None => vocabulary
                .jieba()
                .cut_for_search(text, false)
                .iter()
                .filter_map(|w| self.index.get(w.word).copied())
                .filter(|&i| (i as usize) < self.n_words)
                .map(|i| i as usize)
                .collect(),
        };
        let mut sum = vec![0f32; self.dims];
        for i in &ids {
            for (s, v) in sum.iter_mut().zip(self.row(*i)?) {
                *s += v;
            }
        }
        let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
        (norm > 0.0).then(|| sum.iter().map(|v| v / norm).collect())
    }

    /// Longer forms of `word` in the corpus, best first: entries holding its
    /// characters in order from its first to its last (or one after),
    /// inserting no refused character, as similar to it as [`VARIANT_COSINE`] when both
    /// have vectors; at most three. `doc_freq` tells whether a kept word is
    /// in the searched index at all.
    pub fn variants(&self, word: &str, doc_freq: &dyn Fn(&str) -> u64) -> Vec<String> {
        self.variants_with(word, &crate::vocabulary::current(), doc_freq)
    }

    fn variants_with(
        &self,
        word: &str,
        vocabulary: &Vocabulary,
        doc_freq: &dyn Fn(&str) -> u64,
    ) -> Vec<String> {
        let chars: Vec<char> = word.chars().collect();
        let Some(&first) = chars.first() else {
            return Vec::new();
        };
        // A two-character word's "long forms" are mostly derivations
        // (企业 → 企业家) or chance spellings across words (我国 → 我们国家).
        if chars.len() < MIN_ABBREVIATION_CHARS || !chars.iter().all(|c| is_cjk(*c)) {
            return Vec::new();
        }
        let Some(candidates) = self.by_first.get(&first) else {
            return Vec::new();
        };
        let own = self.vector_of(word, vocabulary);
        let mut found: Vec<(f32, u32, &str)> = Vec::new();
        for &i in candidates {
            let entry = self.entries[i as usize].as_str();
            let len = entry.chars().count();
            // Holding the word itself, it is found by the word already.
            if len <= chars.len() || len > chars.len() * 3 + 2 || entry.contains(word) {
                continue;
            }
            let Some(matched) = matched_positions(&chars, entry) else {
                continue;
            };
            // Each word of a sequence gives the abbreviation a character
            // (农村 电子商务 → 农村电商); one that gives none is a phrase around
            // it (全力 推进 全面 is not a long form of 全面).
            let mut start = 0;
            let mut every_part_gives = true;
            for &p in &self.parts[i as usize] {
                let end = start + self.entries[p as usize].chars().count();
                every_part_gives &= matched.iter().any(|m| (start..end).contains(m));
                start = end;
            }
            if !every_part_gives {
                continue;
            }
            if (i as usize) < self.n_words && doc_freq(entry) == 0 {
                continue;
            }
            let cosine = match (&own, self.vector_of(entry, vocabulary)) {
                (Some(a), Some(b)) => a.iter().zip(&b).map(|(x, y)| x * y).sum(),
                _ => 1.0,
            };
            if cosine >= VARIANT_COSINE {
                found.push((cosine, self.freq[i as usize], entry));
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        found.into_iter().take(3).map(|f| f.2.to_string()).collect()
    }

    /// The `k` kept words closest to `word` by cosine, with the cosine.
    pub fn neighbours(&self, word: &str, k: usize) -> Vec<(String, f32)> {
        let Some(&i) = self.index.get(word) else {
            return Vec::new();
        };
        let Some(own) = self.row(i as usize) else {
            return Vec::new();
        };
        let mut scored: Vec<(f32, usize)> = (0..self.n_words)
            .filter(|&j| j != i as usize)
            .filter_map(|j| Some((own.iter().zip(self.row(j)?).map(|(a, b)| a * b).sum(), j)))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored
            .into_iter()
            .take(k)
            .map(|(c, j)| (self.entries[j].clone(), c))
            .collect()
    }

    /// Write the model to `path` (via a temporary file and a rename, so a
    /// reader sees the old file or the whole new one).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut out: Vec<u8> = Vec::new();
        out.extend_from_slice(MAGIC);
        for n in [self.entries.len(), self.n_words, self.dims] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        for (i, e) in self.entries.iter().enumerate() {
            out.extend_from_slice(&(e.len() as u32).to_le_bytes());
            out.extend_from_slice(e.as_bytes());
            out.extend_from_slice(&self.freq[i].to_le_bytes());
            out.extend_from_slice(&(self.parts[i].len() as u32).to_le_bytes());
            for p in &self.parts[i] {
                out.extend_from_slice(&p.to_le_bytes());
            }
        }
        // Unit vectors stored as bytes (component × 127): a quarter of the
        // size, and cosines move by about 0.01.
        out.extend(
            self.vectors
                .iter()
                .map(|v| (v * 127.0).round().clamp(-127.0, 127.0) as i8 as u8),
        );
        let tmp = path.with_extension("tmp");
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&out)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Read a model written by [`Model::save`].
    pub fn load(path: &Path) -> Result<Model> {
        let mut bytes = Vec::new();
        fs::File::open(path)?.read_to_end(&mut bytes)?;
        let bad = || Error::Internal(format!("{} is not a mined model", path.display()));
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8]> {
            let s = bytes.get(at..at + n).ok_or_else(bad)?;
            at += n;
            Ok(s)
        };
        if take(8)? != MAGIC {
            return Err(bad());
        }
        let mut u64s = [0usize; 3];
        for v in &mut u64s {
            *v = u64::from_le_bytes(take(8)?.try_into().map_err(|_| bad())?) as usize;
        }
        let [entries, n_words, dims] = u64s;
        let u32_of = |s: &[u8]| u32::from_le_bytes(s.try_into().unwrap_or([0; 4]));
        let mut model = Model {
            n_words,
            dims,
            ..Model::default()
        };
        for _ in 0..entries {
            let len = u32_of(take(4)?) as usize;
            let text = String::from_utf8(take(len)?.to_vec()).map_err(|_| bad())?;
            model.entries.push(text);
            model.freq.push(u32_of(take(4)?));
            let parts = u32_of(take(4)?) as usize;
            let mut p = Vec::with_capacity(parts);
            for _ in 0..parts {
                p.push(u32_of(take(4)?));
            }
            model.parts.push(p);
        }
        let raw = take(n_words * dims)?;
        model.vectors = raw.iter().map(|&b| f32::from(b as i8) / 127.0).collect();
        if dims > 0 {
            for row in model.vectors.chunks_mut(dims) {
                let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
                if norm > 0.0 {
                    row.iter_mut().for_each(|v| *v /= norm);
                }
            }
        }
        if n_words > model.entries.len() {
            return Err(bad());
        }
        model.build_lookups();
        Ok(model)
    }
}

/// Where `long` holds `short`'s characters in order (char positions),
/// starting with its first, with at most one character after its last, when
/// what it inserts has no refused character. The earliest match of each
/// character is taken.
fn matched_positions(short: &[char], long: &str) -> Option<Vec<usize>> {
    let long: Vec<char> = long.chars().collect();
    if long.first() != short.first() {
        return None;
    }
    let mut matched = Vec::with_capacity(short.len());
    let mut tail = 0;
    for (i, c) in long.iter().enumerate() {
        if matched.len() < short.len() && *c == short[matched.len()] {
            matched.push(i);
        } else if INSERTED_REFUSED.contains(*c) {
            return None;
        } else if matched.len() == short.len() {
            tail += 1;
        }
    }
    (matched.len() == short.len() && tail <= 1).then_some(matched)
}

#[cfg(test)]
fn inserts_only_content(short: &[char], long: &str) -> bool {
    matched_positions(short, long).is_some()
}

/// Unit word vectors from the co-occurrence counts: PPMI with the context
/// distribution smoothed (counts to the power 0.75), then a randomized
/// truncated eigendecomposition of that symmetric matrix, U·√|λ|.
/// Returns (dims, row-major vectors); no vectors for fewer than 200 words.
// Index loops read as the matrix formulas.
#[allow(clippy::needless_range_loop)]
fn embed(n: usize, pairs: Counts<u64>) -> (usize, Vec<f32>) {
    if n < 200 {
        return (0, Vec::new());
    }
    // Symmetric sparse rows of co-occurrence counts.
    let mut rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
    for (key, c) in pairs {
        let (a, b) = ((key >> 32) as u32, key as u32);
        rows[a as usize].push((b, c as f32));
        rows[b as usize].push((a, c as f32));
    }
    let row_sum: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().map(|e| f64::from(e.1)).sum())
        .collect();
    let total: f64 = row_sum.iter().sum::<f64>().max(1.0);
    let context: Vec<f64> = row_sum.iter().map(|s| s.powf(0.75)).collect();
    let context_total: f64 = context.iter().sum::<f64>().max(1.0);
    rows.par_iter_mut().enumerate().for_each(|(i, row)| {
        for e in row.iter_mut() {
            let pij = f64::from(e.1) / total;
            let pi = row_sum[i] / total;
            let pj = context[e.0 as usize] / context_total;
            e.1 = (pij / (pi * pj)).ln().max(0.0) as f32;
        }
        row.retain(|e| e.1 > 0.0);
    });
    // A small corpus gets fewer dimensions: it has little to tell them, and
    // the eigendecomposition's cost grows with their cube.
    let dims = DIMS.min(n / 8);
    let l = dims + 10;
    // Deterministic random start (xorshift), then two power iterations.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut y: Vec<Vec<f32>> = (0..l)
        .map(|_| {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect()
        })
        .collect();
    // M·X for X given by columns: X is laid out by rows first, so each
    // nonzero of M adds one contiguous row of X (vectorised), rows in parallel.
    let multiply = |x: &[Vec<f32>]| -> Vec<Vec<f32>> {
        let by_rows = transpose(x, n);
        let width = x.len();
        let mut product = vec![0f32; n * width];
        product
            .par_chunks_mut(width)
            .zip(rows.par_iter())
            .for_each(|(out, row)| {
                for (j, v) in row {
                    let from = &by_rows[*j as usize * width..(*j as usize + 1) * width];
                    out.iter_mut().zip(from).for_each(|(o, f)| *o += v * f);
                }
            });
        (0..width)
            .map(|c| (0..n).map(|r| product[r * width + c]).collect())
            .collect()
    };
    y = multiply(&y);
    for _ in 0..2 {
        orthonormalize(&mut y);
        y = multiply(&y);
    }
    orthonormalize(&mut y);
    let q = y;
    let mq = multiply(&q);
    // B = Qᵀ M Q, small and symmetric.
    let mut b = vec![vec![0f64; l]; l];
    for i in 0..l {
        for j in 0..l {
            b[i][j] = q[i].iter().zip(&mq[j]).map(|(a, c)| f64::from(a * c)).sum();
        }
    }
    for i in 0..l {
        for j in 0..i {
            let m = (b[i][j] + b[j][i]) / 2.0;
            b[i][j] = m;
            b[j][i] = m;
        }
    }
    let (values, vectors) = jacobi(b);
    let mut order: Vec<usize> = (0..l).collect();
    order.sort_by(|&a, &c| values[c].abs().total_cmp(&values[a].abs()));
    order.truncate(dims);
    // Row r of the vectors is row r of Q times W, W[c][d] the eigenvector
    // component scaled by √|λ|.
    let mut w = vec![0f32; l * dims];
    for c in 0..l {
        for (d, &k) in order.iter().enumerate() {
            w[c * dims + d] = (vectors[c][k] * values[k].abs().sqrt()) as f32;
        }
    }
    let q_rows = transpose(&q, n);
    let mut out = vec![0f32; n * dims];
    out.par_chunks_mut(dims).enumerate().for_each(|(r, row)| {
        for c in 0..l {
            let qrc = q_rows[r * l + c];
            row.iter_mut()
                .zip(&w[c * dims..(c + 1) * dims])
                .for_each(|(o, wv)| *o += qrc * wv);
        }
    });
    for r in out.chunks_mut(dims) {
        let norm = r.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            r.iter_mut().for_each(|v| *v /= norm);
        }
    }
    (dims, out)
}

/// Columns (each of `n`) laid out by rows: element (r, c) at `r * width + c`.
fn transpose(cols: &[Vec<f32>], n: usize) -> Vec<f32> {
    let width = cols.len();
    let mut out = vec![0f32; n * width];
    for (c, col) in cols.iter().enumerate() {
        for (r, v) in col.iter().enumerate() {
            out[r * width + c] = *v;
        }
    }
    out
}

/// Modified Gram–Schmidt over the columns.
fn orthonormalize(cols: &mut [Vec<f32>]) {
    for i in 0..cols.len() {
        let (done, rest) = cols.split_at_mut(i);
        let col = &mut rest[0];
        for prev in done.iter() {
            let dot: f32 = prev.iter().zip(col.iter()).map(|(a, b)| a * b).sum();
            col.iter_mut().zip(prev).for_each(|(c, p)| *c -= dot * p);
        }
        let norm = col.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 1e-12 {
            col.iter_mut().for_each(|v| *v /= norm);
        }
    }
}

/// Eigenvalues and eigenvectors (columns) of a small symmetric matrix, by
/// cyclic Jacobi rotations.
// Index loops read as the textbook's matrix formulas.
#[allow(clippy::needless_range_loop)]
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let total: f64 = a.iter().flatten().map(|v| v * v).sum();
    for _ in 0..30 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        // Converged to f32 precision, which is what the vectors keep.
        if off <= 1e-14 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-30 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_keeps_the_ends_and_inserts_no_negation() {
        let short: Vec<char> = "农村电商".chars().collect();
        assert!(inserts_only_content(&short, "农村电子商务"));
        assert!(!inserts_only_content(&short, "农村不电子商务"));
        assert!(!inserts_only_content(&short, "农村电子商务网站"));
        assert!(!inserts_only_content(&short, "发展农村电子商务"));
        let short: Vec<char> = "先心病".chars().collect();
        assert!(inserts_only_content(&short, "先天性心脏病"));
        assert!(!inserts_only_content(&short, "先天的心脏病"));
    }

    #[test]
    fn stored_vectors_keep_their_cosines() {
        let dims = 8;
        let mut model = Model {
            n_words: 3,
            dims,
            entries: vec!["援藏干部".into(), "援疆干部".into(), "饮用水".into()],
            freq: vec![5, 4, 3],
            parts: vec![Vec::new(); 3],
            ..Model::default()
        };
        for seed in 1..=3u32 {
            let row: Vec<f32> = (0..dims as u32)
                .map(|d| ((seed * 7 + d * 3) % 11) as f32 - 5.0)
                .collect();
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            model.vectors.extend(row.iter().map(|v| v / norm));
        }
        model.build_lookups();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MODEL_FILE);
        model.save(&path).unwrap();
        let back = Model::load(&path).unwrap();
        for (a, b) in model
            .neighbours("援藏干部", 2)
            .iter()
            .zip(back.neighbours("援藏干部", 2))
        {
            assert_eq!(a.0, b.0);
            assert!((a.1 - b.1).abs() < 0.02, "{a:?} {b:?}");
        }
    }

    #[test]
    fn a_corpus_past_the_cap_is_sampled_evenly_and_a_smaller_one_whole() {
        let total = MINED_PARAGRAPHS_CAP * 3 + 7;
        let taken: Vec<usize> = (0..total).filter(|&i| sampled(i, total)).collect();
        assert!(taken.len() <= MINED_PARAGRAPHS_CAP, "{}", taken.len());
        assert!(
            taken.len() > MINED_PARAGRAPHS_CAP * 7 / 10,
            "{}",
            taken.len()
        );
        assert!(taken.windows(2).all(|w| w[1] - w[0] == 4));
        assert!((0..MINED_PARAGRAPHS_CAP).all(|i| sampled(i, MINED_PARAGRAPHS_CAP)));
    }

    #[test]
    fn jacobi_diagonalises() {
        let (values, vectors) = jacobi(vec![vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-9 && (sorted[1] - 3.0).abs() < 1e-9);
        let k = if values[0] > values[1] { 0 } else { 1 };
        assert!((vectors[0][k].abs() - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9);
    }

    #[test]
    fn mining_finds_long_forms_and_a_model_round_trips() {
        let vocabulary = Vocabulary::built_in();
        let mut texts = Vec::new();
        for i in 0..40 {
            texts.push(format!("发展农村电子商务，带动农民增收第{i}次。"));
            texts.push(format!("先天性心脏病患儿接受免费手术，筛查第{i}批。"));
        }
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (model, summary) = Model::mine(&texts, &vocabulary);
        assert!(summary.words > 5, "{summary:?}");
        let any = |_: &str| 1u64;
        let variants = model.variants_with("农村电商", &vocabulary, &any);
        assert!(
            variants.contains(&"农村电子商务".to_string()),
            "{variants:?}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MODEL_FILE);
        model.save(&path).unwrap();
        let back = Model::load(&path).unwrap();
        assert_eq!(back.entries, model.entries);
        assert_eq!(back.variants_with("农村电商", &vocabulary, &any), variants);
    }
}
