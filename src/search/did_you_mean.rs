//! For a query that found nothing: dictionary words one edit away ("did
//! you mean") and related terms from the synonym list.

use tantivy::{Searcher, Term};

use super::{synonyms, Engine};
use crate::normalize::fold;

/// Synonyms of the query's words, for "related terms".
pub(super) fn related_terms(words: &[String]) -> Vec<String> {
    let mut related: Vec<String> = words.iter().flat_map(|w| synonyms::expand(w)).collect();
    related.sort();
    related.dedup();
    related.retain(|r| !words.contains(r));
    related.truncate(10);
    related
}

/// Character edit distance, bounded: true when `a` and `b` differ by one edit.
pub(super) fn one_edit_apart(a: &[char], b: &[char]) -> bool {
    match a.len().abs_diff(b.len()) {
        0 => a.iter().zip(b).filter(|(x, y)| x != y).count() == 1,
        1 => {
            let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
            let i = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// For a query that found nothing: dictionary words one edit away from a
/// query word that occur in the index ("did you mean"), and related terms.
/// Each query word scans the dictionary; past `deadline` the scan stops,
/// and the caller is to check it.
pub(super) fn suggest(
    engine: &Engine,
    searcher: &Searcher,
    q: &str,
    words: &[String],
    deadline: super::Deadline,
    scope: &super::Scope,
) -> (Vec<String>, Vec<String>) {
    // Counted over what the viewer may read: a word only a restricted
    // report has is no suggestion for anyone else.
    let viewer = scope.filter(engine.fields.access);
    let doc_freq = |w: &str| {
        super::scope::doc_freq(
            searcher,
            viewer.as_deref(),
            Term::from_field_text(engine.fields.text, w),
        )
    };
    let in_index = |w: &str| doc_freq(w) > 0;
    // The completion list holds the same words, folded, sorted and deduplicated.
    let dictionary = engine.words().folded();
    let folded_q = fold(q);
    // Candidates: each whitespace-separated unit of the query, and each
    // segmented word of three or more characters. Two-character words are
    // one edit away from too many others to guess from.
    let mut targets: Vec<String> = folded_q.split_whitespace().map(str::to_string).collect();
    targets.extend(words.iter().filter(|w| w.chars().count() >= 3).cloned());
    targets.sort();
    targets.dedup();
    let mut scored: Vec<(u64, String)> = Vec::new();
    for target in &targets {
        if deadline.passed() {
            break;
        }
        let w: Vec<char> = target.chars().collect();
        if w.len() < 3 {
            continue;
        }
        for candidate in dictionary.clone() {
            let c: Vec<char> = candidate.chars().collect();
            if one_edit_apart(&w, &c) {
                let freq = doc_freq(candidate);
                if freq > 0 {
                    scored.push((freq, folded_q.replace(target.as_str(), candidate)));
                }
            }
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut suggestions: Vec<String> = scored.into_iter().map(|s| s.1).collect();
    let mut seen = std::collections::HashSet::new();
    suggestions.retain(|s| seen.insert(s.clone()));
    suggestions.truncate(5);
    let related = related_terms(words)
        .into_iter()
        .filter(|r| in_index(r))
        .collect();
    (suggestions, related)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_one() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(one_edit_apart(&c("电子商物"), &c("电子商务")));
        assert!(one_edit_apart(&c("电商务"), &c("电子商务")));
        assert!(!one_edit_apart(&c("电商"), &c("电子商务")));
    }
}
