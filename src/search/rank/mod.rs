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
use tantivy::{
    DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TantivyDocument, Term, TERMINATED,
};

use super::compile::{phrase, should, term_query, Compiled};
use crate::error::Result;
use crate::index::schema::{names, stored_text};
use crate::index::Fields;
use crate::normalize::fold;

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
    /// The paragraph is a heading (a report title or a section heading),
    /// fading to 0 as it becomes the only candidate holding the typed text.
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
    /// Share of the typed words found verbatim in the text that stand there
    /// only as items of an enumeration (乌蒙山区、秦巴山区、…): a passing
    /// mention, not the paragraph about them.
    /// Faded like [`Feature::Heading`] where the paragraph is the source
    /// of a copied fragment (see [`source_shares`]).
    Listed,
}

impl Feature {
    pub const COUNT: usize = 15;
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
        Feature::Listed,
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
            Feature::Listed => "listed",
        }
    }
}

/// The fitted weights, in [`Feature::ALL`] order (printed by
/// `cargo run --release --example fit_ranking`; see RELEVANCE.md).
pub const WEIGHTS: Vector = [
    1.0, 0.5, 0.1, 0.0, 0.0, 0.25, 0.25, 0.0, 0.0, -2.0, -2.0, 0.0, 0.0, 1.0, -1.0,
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
pub(super) fn probe(
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
    let mut lengths = vec![0u64; candidates.len()];
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
            lengths[at] = chars.get_val(doc);
            let length = ((1.0 + lengths[at] as f32).ln() / 1000f32.ln()).min(2.0);
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
    if !compiled.typed.is_empty() {
        let units: Vec<&str> = compiled.typed.iter().map(String::as_str).collect();
        let mut holds = vec![Vec::new(); candidates.len()];
        for (at, (_, address)) in candidates.iter().enumerate().take(TEXT_READ_DEPTH) {
            // A paragraph of megabytes is no one's topic and no one's
            // copied source: its text is not read.
            if lengths[at] > TEXT_READ_CHARS {
                continue;
            }
            let doc: TantivyDocument = searcher.doc(*address)?;
            let text = fold(&stored_text(&doc, fields.text).unwrap_or_default());
            out[at][Feature::Listed as usize] = listed_share(&text, &units);
            holds[at] = units.iter().map(|unit| text.contains(unit)).collect();
        }
        // A heading or a list is thin for a topic, but it is what a user
        // who pasted its text wants.
        for (vector, source) in out.iter_mut().zip(source_shares(&holds, units.len())) {
            vector[Feature::Heading as usize] *= 1.0 - source;
            vector[Feature::Listed as usize] *= 1.0 - source;
        }
    }
    let best_bm25 = bm25.iter().copied().fold(0.0f32, f32::max);
    if best_bm25 > 0.0 {
        for (vector, s) in out.iter_mut().zip(bm25) {
            vector[Feature::TextBm25 as usize] = s / best_bm25;
        }
    }
    Ok(out)
}

/// How many of the candidates, in BM25 order, have their text read: each
/// read costs about 10 µs, and the judged paragraphs that the features
/// move stand in the first few dozen (60 and 200 fit the same weights;
/// RELEVANCE.md).
const TEXT_READ_DEPTH: usize = 60;

/// The longest paragraph whose text the features read.
const TEXT_READ_CHARS: u64 = 4000;

/// How much each candidate is the source of the typed text, from which
/// typed units each holds verbatim (`holds[candidate][unit]`; empty when
/// its text was not read): the mean over units of 1 / (candidates holding
/// the unit) where it holds it. A copied fragment stands in its source and
/// hardly anywhere else (near 1); a topic word stands in many (near 0).
pub fn source_shares(holds: &[Vec<bool>], units: usize) -> Vec<f32> {
    let mut shares = vec![0.0; holds.len()];
    if holds.len() < 2 || units == 0 {
        return shares;
    }
    let holding: Vec<usize> = (0..units)
        .map(|u| holds.iter().filter(|h| h.get(u) == Some(&true)).count())
        .collect();
    for (share, held) in shares.iter_mut().zip(holds) {
        let sum: f32 = held
            .iter()
            .zip(&holding)
            .filter(|(h, _)| **h)
            .map(|(_, n)| 1.0 / *n as f32)
            .sum();
        *share = sum / units as f32;
    }
    shares
}

/// The enumeration comma: `甲、乙、丙`.
const ENUMERATION: char = '、';

/// A digit or a Chinese numeral, as in the section numbers 四、 and 3、.
fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十".contains(c)
}

/// Of `words` found in `text`, the share that stand only as items of an
/// enumeration: right after an enumeration comma, or right before one (one
/// character may come between, the 区 of 乌蒙山区、). 0 when none is found.
pub fn listed_share(text: &str, words: &[&str]) -> f32 {
    let chars: Vec<char> = text.chars().collect();
    let listed_only = |word: &str| -> Option<bool> {
        let word: Vec<char> = word.chars().collect();
        if word.is_empty() || word.len() > chars.len() {
            return None;
        }
        let mut found = false;
        let mut every_listed = true;
        let mut at = 0;
        while at + word.len() <= chars.len() {
            if chars[at..at + word.len()] != word[..] {
                at += 1;
                continue;
            }
            found = true;
            let end = at + word.len();
            every_listed &= is_list_item(&chars, at, end);
            at = end;
        }
        found.then_some(every_listed)
    };
    let seen: Vec<bool> = words.iter().filter_map(|w| listed_only(w)).collect();
    if seen.is_empty() {
        return 0.0;
    }
    seen.iter().filter(|listed| **listed).count() as f32 / seen.len() as f32
}

/// Whether `chars[at..end]` stands as an item of an enumeration:
/// - right after an enumeration comma (`甲、乙`), or right before one or
///   before the 等 that closes a list (one character may come between, the
///   区 of `乌蒙山区、` and `乌蒙山区等`);
/// - the last item, after 和, 及 or 与, of a list whose comma stands earlier
///   in the same clause (`甲、乙和丙`);
/// - either end of a span `从甲到乙`.
fn is_list_item(chars: &[char], at: usize, end: usize) -> bool {
    const CLAUSE_ENDS: &str = "，。；！？：,;!?:\n";
    let clause_before = |reach: usize| {
        chars[at.saturating_sub(reach)..at]
            .iter()
            .rev()
            .take_while(|c| !CLAUSE_ENDS.contains(**c))
            .copied()
            .collect::<Vec<char>>()
    };
    let after = &chars[end..(end + 2).min(chars.len())];
    // 四、 numbers a section; it does not list peers.
    let prev = at.checked_sub(1).map(|i| chars[i]);
    if prev == Some(ENUMERATION) && !(at > 1 && is_numeral(chars[at - 2])) {
        return true;
    }
    if after.contains(&ENUMERATION) || after.contains(&'等') {
        return true;
    }
    if matches!(prev, Some('和' | '及' | '与')) && clause_before(16).contains(&ENUMERATION) {
        return true;
    }
    // 从甲到乙: 从 just before and 到 just after, or 到 just before with 从
    // a few characters earlier (not 来到, 走到: a visit, not a span).
    let span_start = prev == Some('从') && after.contains(&'到');
    let span_end = prev == Some('到')
        && !(at > 1 && "来走回去送达遍".contains(chars[at - 2]))
        && clause_before(10).contains(&'从');
    span_start || span_end
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
    fn a_word_is_listed_only_when_every_mention_is_an_enumeration_item() {
        let words = ["乌蒙山", "扶贫"];
        let list = "四川将乌蒙山区、秦巴山区、大小凉山彝区作为扶贫主战场";
        assert_eq!(listed_share(list, &words), 0.5);
        let story = "地处乌蒙山区的赫章县，曾是深度贫困县，扶贫干部";
        assert_eq!(listed_share(story, &words), 0.0);
        let both = "秦巴山区、乌蒙山。乌蒙山深处的村庄";
        assert_eq!(listed_share(both, &words[..1]), 0.0);
        assert_eq!(listed_share("武陵山区、乌蒙山", &words[..1]), 1.0);
        assert_eq!(listed_share("没有这个词", &words), 0.0);
        // The other shapes of a list: its closing 等, its last item after
        // 和, and either end of a span 从甲到乙.
        assert_eq!(listed_share("秦巴山和乌蒙山等地", &words[..1]), 1.0);
        assert_eq!(listed_share("大小凉山、秦巴山和乌蒙山", &words[..1]), 1.0);
        assert_eq!(listed_share("他和乌蒙山的乡亲", &words[..1]), 0.0);
        assert_eq!(listed_share("从乌蒙山区到茫茫草原", &words[..1]), 1.0);
        assert_eq!(listed_share("从大别山区到乌蒙山", &words[..1]), 1.0);
        assert_eq!(listed_share("从昆明来到乌蒙山", &words[..1]), 0.0);
        // A section number is not a list of peers.
        assert_eq!(listed_share("四、乌蒙山片区", &words[..1]), 0.0);
    }

    #[test]
    fn the_only_holder_of_a_fragment_is_its_source_and_a_common_word_is_no_ones() {
        // Two units: the first held by candidate 0 alone, the second by all.
        let holds = vec![
            vec![true, true],
            vec![false, true],
            vec![false, true],
            vec![],
        ];
        let shares = source_shares(&holds, 2);
        assert!((shares[0] - (1.0 + 1.0 / 3.0) / 2.0).abs() < 1e-6);
        assert!((shares[1] - 1.0 / 6.0).abs() < 1e-6);
        assert_eq!(shares[3], 0.0);
        // One candidate alone is not singled out.
        assert_eq!(source_shares(&[vec![true]], 1), vec![0.0]);
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
