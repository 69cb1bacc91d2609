//! Candidate lines for the synonym list, for staff to review
//! (`aidsearch synonyms suggest`): variants and neighbours of the words of
//! queries that found nothing, then of the words the list already holds and
//! of the corpus's frequent words, from the generation's mined vocabulary.
//! Pairs the list already has, or that staff rejected, are never proposed.

use std::collections::HashMap;

use tantivy::Term;

use super::expansion::FAILING_DOC_FREQ;
use super::Engine;
use crate::vocabulary::Synonyms;

/// Least cosine of a neighbour proposed as a related term.
const NEIGHBOUR_COSINE: f32 = 0.55;
/// Frequent words whose variants are looked for.
const FREQUENT_WORDS: usize = 3000;

/// One proposed line and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    /// A line to paste: `a ~ b` (related) or `a, b` (a synonym set).
    pub line: String,
    pub why: String,
}

/// Suggestions for `engine`'s generation, at most `limit`, from the
/// zero-hit queries first. `rejected` is the text of
/// `synonyms-rejected.txt` (same format as the list).
pub fn suggest(
    engine: &Engine,
    rejected: &str,
    zero_hit_queries: &[String],
    limit: usize,
) -> Vec<Suggestion> {
    let _entered = engine.enter(&super::Scope::Everything);
    let vocabulary = engine.vocabulary.clone();
    let known = vocabulary.synonyms();
    let rejected = Synonyms::parse(rejected);
    let searcher = engine.searcher();
    let doc_freq = |w: &str| {
        searcher
            .doc_freq(&Term::from_field_text(engine.fields.text, w))
            .unwrap_or(0)
    };
    let mut out: Vec<Suggestion> = Vec::new();
    let mut push = |a: &str, b: &str, related: bool, why: String| {
        // One word inside the other is found by it already (乡村振兴, 乡村).
        if a.contains(b) || b.contains(a) || known.pairs(a, b) || rejected.pairs(a, b) {
            return;
        }
        let line = if related {
            format!("{a} ~ {b}")
        } else {
            format!("{a}, {b}")
        };
        if !out.iter().any(|s| s.line == line) {
            out.push(Suggestion { line, why });
        }
    };
    let model = engine.mined();

    // Words of the queries that found nothing, the most frequent first.
    let mut failing: HashMap<String, usize> = HashMap::new();
    for q in zero_hit_queries {
        for t in crate::tokenizer::analyze(q, false) {
            if t.text.chars().count() >= 2 && doc_freq(&t.text) <= FAILING_DOC_FREQ {
                *failing.entry(t.text).or_default() += 1;
            }
        }
    }
    let mut failing: Vec<(String, usize)> = failing.into_iter().collect();
    failing.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if let Some(model) = &model {
        for (word, times) in &failing {
            for v in model.variants(word, &doc_freq) {
                push(
                    word,
                    &v,
                    false,
                    format!("{word} found nothing {times}×; {v} holds its characters in order"),
                );
            }
        }
        // Long forms of frequent corpus words (abbreviations).
        let frequent: Vec<String> = model
            .words()
            .take(FREQUENT_WORDS)
            .map(|(w, _)| w.to_string())
            .collect();
        for word in frequent {
            for v in model.variants(&word, &doc_freq) {
                push(
                    &word,
                    &v,
                    false,
                    format!("{v} holds the characters of {word} in order"),
                );
            }
        }
        // Neighbours of the words the list already relates, to grow families.
        let mut listed: Vec<&String> = known.synonyms.keys().chain(known.related.keys()).collect();
        listed.sort();
        listed.dedup();
        for word in listed {
            for (n, cosine) in model.neighbours(word, 5) {
                if cosine >= NEIGHBOUR_COSINE {
                    push(word, &n, true, format!("co-occurrence cosine {cosine:.2}"));
                }
            }
        }
    }
    let mut result = Vec::new();
    for (word, times) in &failing {
        if !out.iter().any(|s| {
            s.line.starts_with(&format!("{word} ")) || s.line.starts_with(&format!("{word},"))
        }) {
            result.push(Suggestion {
                line: format!("# {word}"),
                why: format!("found nothing {times}×; no candidate in the corpus"),
            });
        }
    }
    result.extend(out);
    result.truncate(limit);
    result
}
