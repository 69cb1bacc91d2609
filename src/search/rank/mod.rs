//! Reranking: the best [`DEPTH`] candidates of the BM25 pass are scored
//! again by a linear model over a few features of each paragraph: how much
//! of the query it holds in its own text and where (title, section, side by
//! side), its length as a smooth prior and its kind. The weights in
//! [`WEIGHTS`] are fitted, not chosen: `examples/fit_ranking.rs` runs
//! coordinate ascent on nDCG@10 over both judged dev sets with k-fold
//! cross-validation ([`fit`]), and `tests/relevance.rs` checks the
//! out-of-fold score.

pub mod fit;
pub mod judged;

use std::collections::BTreeMap;

use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use super::compile::{phrase, should, term_query, Compiled};
use crate::error::Result;
use crate::index::schema::names;
use crate::index::Fields;

/// How many of the BM25 pass's best matches the model orders.
pub const DEPTH: usize = 200;

/// The features of one paragraph for one query, in [`Feature::ALL`] order.
pub type Vector = [f32; Feature::COUNT];

/// What the model knows of a candidate paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// The BM25 pass's own score (every field and boost), over the best one.
    Base,
    /// BM25 of the query's own words in the paragraph text alone, over the best.
    TextBm25,
    /// IDF-weighted share of the query's words found in the paragraph text.
    Coverage,
    /// The query's words side by side in the text.
    Phrase,
    /// The query's words within a few characters of each other.
    Near,
    /// IDF-weighted share of the words found in the report title.
    Title,
    /// IDF-weighted share of the words found in the section heading.
    Section,
    /// ln(1 + characters) / ln(1000): a smooth length prior…
    LogLength,
    /// …and its square, so the prior may peak.
    LogLength2,
    /// The paragraph is a heading (a report title or a section heading).
    Heading,
    /// The paragraph is a picture caption.
    Caption,
    /// 1 / (1 + the paragraph's place in its report): leads come first.
    Lead,
    /// IDF-weighted share of the words found in the article's title and lead.
    Context,
    /// How many other candidates share the paragraph's report, as
    /// ln(1 + n) / ln(1 + DEPTH): a report about the query holds many.
    ReportHits,
}

impl Feature {
    pub const COUNT: usize = 14;
    pub const ALL: [Feature; Feature::COUNT] = [
        Feature::Base,
        Feature::TextBm25,
        Feature::Coverage,
        Feature::Phrase,
        Feature::Near,
        Feature::Title,
        Feature::Section,
        Feature::LogLength,
        Feature::LogLength2,
        Feature::Heading,
        Feature::Caption,
        Feature::Lead,
        Feature::Context,
        Feature::ReportHits,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Feature::Base => "base",
            Feature::TextBm25 => "text_bm25",
            Feature::Coverage => "coverage",
            Feature::Phrase => "phrase",
            Feature::Near => "near",
            Feature::Title => "title",
            Feature::Section => "section",
            Feature::LogLength => "log_length",
            Feature::LogLength2 => "log_length2",
            Feature::Heading => "heading",
            Feature::Caption => "caption",
            Feature::Lead => "lead",
            Feature::Context => "context",
            Feature::ReportHits => "report_hits",
        }
    }
}

/// The fitted weights, in [`Feature::ALL`] order (printed by
/// `cargo run --release --example fit_ranking`; see RELEVANCE.md).
pub const WEIGHTS: Vector = [
    1.0, 0.05, 0.25, 0.0, 0.0, 0.25, 0.25, 0.0, 0.0, -2.0, -2.0, 0.0, 0.1, 0.5,
];

/// The model's score of one feature vector.
pub fn score(weights: &Vector, features: &Vector) -> f32 {
    weights.iter().zip(features).map(|(w, x)| w * x).sum()
}

/// One of the query's own words, as the features look for it.
struct WordSignals {
    idf: f32,
    text: Box<dyn Weight>,
    title: Box<dyn Weight>,
    section: Box<dyn Weight>,
    context: Box<dyn Weight>,
}

/// The tantivy weights that measure the features of one query.
struct Signals {
    words: Vec<WordSignals>,
    text_bm25: Option<Box<dyn Weight>>,
    phrase: Option<Box<dyn Weight>>,
    near: Option<Box<dyn Weight>>,
    heading: Box<dyn Weight>,
    caption: Box<dyn Weight>,
}

/// Character distance within which the words count as near each other.
const NEAR_SLOP: u32 = 12;

impl Signals {
    fn new(searcher: &Searcher, fields: &Fields, compiled: &Compiled) -> Result<Signals> {
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let weigh = |q: Box<dyn Query>| q.weight(scoring);
        let docs = searcher.num_docs().max(1) as f32;
        let mut words = Vec::new();
        let mut in_text = Vec::new();
        for word in &compiled.words {
            let df = searcher.doc_freq(&Term::from_field_text(fields.text, word))? as f32;
            let idf = (1.0 + (docs - df + 0.5) / (df + 0.5)).ln();
            let text = match super::compile::cover(word) {
                Some(parts) => should(vec![
                    term_query(fields.text, word),
                    phrase(fields.text, &parts, 0),
                ]),
                None => term_query(fields.text, word),
            };
            in_text.push(text.box_clone());
            words.push(WordSignals {
                idf,
                text: weigh(text)?,
                title: weigh(term_query(fields.title, word))?,
                section: weigh(term_query(fields.section, word))?,
                context: weigh(term_query(fields.context, word))?,
            });
        }
        let ordered = &compiled.ordered;
        let (phrase_q, near_q) = if ordered.len() > 1 {
            (
                Some(weigh(phrase(fields.text, ordered, 0))?),
                Some(weigh(phrase(fields.text, ordered, NEAR_SLOP))?),
            )
        } else {
            (None, None)
        };
        let kind = |name: &str| {
            weigh(Box::new(tantivy::query::TermQuery::new(
                Term::from_field_text(fields.kind, name),
                IndexRecordOption::Basic,
            )))
        };
        Ok(Signals {
            words,
            text_bm25: if in_text.is_empty() {
                None
            } else {
                Some(weigh(should(in_text))?)
            },
            phrase: phrase_q,
            near: near_q,
            heading: kind("heading")?,
            caption: kind("caption")?,
        })
    }
}

/// Call `found` with the position and score of each of `docs` (sorted by
/// doc id, with their positions in the candidate list) that `weight` matches.
fn probe(
    weight: &dyn Weight,
    reader: &SegmentReader,
    docs: &[(DocId, usize)],
    mut found: impl FnMut(usize, Score),
) -> Result<()> {
    let mut scorer = weight.scorer(reader, 1.0)?;
    for &(doc, at) in docs {
        let mut current = scorer.doc();
        if current == TERMINATED {
            break;
        }
        if current < doc {
            current = scorer.seek(doc);
        }
        if current == doc {
            found(at, scorer.score());
        }
    }
    Ok(())
}

/// The feature vectors of `candidates` (in their order).
pub(super) fn features(
    searcher: &Searcher,
    fields: &Fields,
    compiled: &Compiled,
    candidates: &[(f32, DocAddress)],
    report_of: impl Fn(DocAddress) -> u32,
) -> Result<Vec<Vector>> {
    let mut out = vec![[0.0f32; Feature::COUNT]; candidates.len()];
    if candidates.is_empty() {
        return Ok(out);
    }
    let signals = Signals::new(searcher, fields, compiled)?;
    let best = candidates.iter().map(|c| c.0).fold(f32::MIN, f32::max);
    let mut bm25 = vec![0.0f32; candidates.len()];
    let mut by_segment: BTreeMap<u32, Vec<(DocId, usize)>> = BTreeMap::new();
    for (at, (score, address)) in candidates.iter().enumerate() {
        out[at][Feature::Base as usize] = if best > 0.0 { score / best } else { 0.0 };
        by_segment
            .entry(address.segment_ord)
            .or_default()
            .push((address.doc_id, at));
    }
    let total_idf: f32 = signals
        .words
        .iter()
        .map(|w| w.idf)
        .sum::<f32>()
        .max(f32::EPSILON);
    for (segment, mut docs) in by_segment {
        docs.sort_unstable();
        let reader = searcher.segment_reader(segment);
        for word in &signals.words {
            let share = word.idf / total_idf;
            let parts = [
                (&word.text, Feature::Coverage),
                (&word.title, Feature::Title),
                (&word.section, Feature::Section),
                (&word.context, Feature::Context),
            ];
            for (weight, feature) in parts {
                probe(weight.as_ref(), reader, &docs, |at, _| {
                    out[at][feature as usize] += share;
                })?;
            }
        }
        if let Some(weight) = &signals.text_bm25 {
            probe(weight.as_ref(), reader, &docs, |at, s| bm25[at] = s)?;
        }
        let flags = [
            (signals.phrase.as_ref(), Feature::Phrase),
            (signals.near.as_ref(), Feature::Near),
            (Some(&signals.heading), Feature::Heading),
            (Some(&signals.caption), Feature::Caption),
        ];
        for (weight, feature) in flags {
            if let Some(weight) = weight {
                probe(weight.as_ref(), reader, &docs, |at, _| {
                    out[at][feature as usize] = 1.0;
                })?;
            }
        }
        let fast = reader.fast_fields();
        let chars = fast.u64(names::CHARS)?.first_or_default_col(0);
        let place = fast.u64(names::PARAGRAPH)?.first_or_default_col(0);
        for &(doc, at) in &docs {
            let length = ((1.0 + chars.get_val(doc) as f32).ln() / 1000f32.ln()).min(2.0);
            out[at][Feature::LogLength as usize] = length;
            out[at][Feature::LogLength2 as usize] = length * length;
            out[at][Feature::Lead as usize] = 1.0 / (1.0 + place.get_val(doc) as f32);
        }
    }
    let mut per_report: std::collections::HashMap<u32, usize> = Default::default();
    for (_, address) in candidates {
        *per_report.entry(report_of(*address)).or_default() += 1;
    }
    let scale = (1.0 + DEPTH as f32).ln();
    for (vector, (_, address)) in out.iter_mut().zip(candidates) {
        let others = per_report[&report_of(*address)] - 1;
        vector[Feature::ReportHits as usize] = (1.0 + others as f32).ln() / scale;
    }
    let best_bm25 = bm25.iter().copied().fold(0.0f32, f32::max);
    if best_bm25 > 0.0 {
        for (vector, s) in out.iter_mut().zip(bm25) {
            vector[Feature::TextBm25 as usize] = s / best_bm25;
        }
    }
    Ok(out)
}

/// Order the first [`DEPTH`] of `ranked` by the model; the rest keep their
/// order after them. Ties keep the BM25 order.
pub(super) fn rerank(
    searcher: &Searcher,
    fields: &Fields,
    compiled: &Compiled,
    ranked: &mut [(f32, DocAddress)],
    weights: &Vector,
    report_of: impl Fn(DocAddress) -> u32,
) -> Result<()> {
    let depth = ranked.len().min(DEPTH);
    let head = &mut ranked[..depth];
    let vectors = features(searcher, fields, compiled, head, report_of)?;
    let mut scored: Vec<(f32, usize)> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| (score(weights, v), i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let original: Vec<(f32, DocAddress)> = head.to_vec();
    for (slot, (model, i)) in head.iter_mut().zip(scored) {
        *slot = (model, original[i].1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_a_dot_product_in_feature_order() {
        let mut weights = [0.0; Feature::COUNT];
        weights[Feature::Base as usize] = 1.0;
        weights[Feature::Coverage as usize] = 2.0;
        let mut x = [0.0; Feature::COUNT];
        x[Feature::Base as usize] = 0.5;
        x[Feature::Coverage as usize] = 0.25;
        x[Feature::Lead as usize] = 9.0;
        assert!((score(&weights, &x) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn every_feature_has_its_own_slot_and_name() {
        for (i, f) in Feature::ALL.into_iter().enumerate() {
            assert_eq!(f as usize, i);
        }
        let names: std::collections::BTreeSet<_> = Feature::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), Feature::COUNT);
    }
}
