//! Search-as-you-type completion over dictionary words, place names and
//! report titles. Word lists are built once; titles once per generation.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::facets::gazetteer::Gazetteer;
use crate::index::Engine;
use crate::normalize::fold;

/// One completion.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    /// `word`, `place` or `title`.
    pub kind: String,
}

/// (folded, original, kind), sorted by folded text for prefix search.
fn words() -> &'static Vec<(String, String, &'static str)> {
    static WORDS: OnceLock<Vec<(String, String, &'static str)>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<(String, String, &'static str)> = Vec::new();
        for (w, _) in crate::tokenizer::domain_words() {
            words.push((fold(w), w.to_string(), "word"));
        }
        for w in super::synonyms::known_words() {
            words.push((w.clone(), w.clone(), "word"));
        }
        for name in Gazetteer::global().all_names() {
            words.push((fold(name), name.to_string(), "place"));
        }
        words.sort();
        words.dedup_by(|a, b| a.0 == b.0);
        words
    })
}

/// Up to `limit` completions of `prefix`: dictionary words and places that
/// start with it, then titles that start with or contain it.
pub fn complete(engine: &Engine, prefix: &str, limit: usize) -> Vec<Suggestion> {
    let prefix = fold(prefix.trim());
    if prefix.is_empty() {
        return Vec::new();
    }
    let words = words();
    let start = words.partition_point(|w| w.0.as_str() < prefix.as_str());
    let mut out: Vec<Suggestion> = words[start..]
        .iter()
        .take_while(|w| w.0.starts_with(&prefix))
        .filter(|w| w.0 != prefix)
        .take(limit)
        .map(|w| Suggestion {
            text: w.1.clone(),
            kind: w.2.to_string(),
        })
        .collect();
    if out.len() < limit {
        let titles = engine.titles();
        let starts = titles.iter().filter(|t| t.0.starts_with(&prefix));
        let contains = titles
            .iter()
            .filter(|t| !t.0.starts_with(&prefix) && t.0.contains(&prefix));
        for t in starts.chain(contains).take(limit - out.len()) {
            out.push(Suggestion {
                text: t.1.clone(),
                kind: "title".to_string(),
            });
        }
    }
    out
}
