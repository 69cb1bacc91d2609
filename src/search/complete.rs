//! Search-as-you-type completion over dictionary words, place names and
//! report titles, each list built once per generation (its vocabulary's
//! words, its titles).

use serde::{Deserialize, Serialize};

use super::{Engine, Scope};
use crate::gazetteer::Gazetteer;
use crate::normalize::fold;
use crate::vocabulary::Vocabulary;

/// One completion.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    /// `word`, `place` or `title`.
    pub kind: String,
    /// For a place that names one gazetteer place, its path: choosing it
    /// can filter by region instead of searching the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Report titles of one generation, indexed for completion: sorted by their
/// folded form for prefix search, and by character for a "contains" search
/// that looks only at titles holding the prefix's rarest character.
#[derive(Debug, Default)]
pub struct TitleIndex {
    /// (folded, original, groups: empty when open), sorted by folded.
    sorted: Vec<(String, String, Vec<String>)>,
    /// For each character, the positions in `sorted` of the titles holding it.
    by_char: std::collections::HashMap<char, Vec<u32>>,
}

impl TitleIndex {
    /// Index a list of titles of open reports.
    pub fn new(titles: impl IntoIterator<Item = String>) -> TitleIndex {
        TitleIndex::with_restricted(titles, Vec::new())
    }

    /// Index titles of open reports and of restricted ones with their groups.
    pub fn with_restricted(
        titles: impl IntoIterator<Item = String>,
        restricted: Vec<(Vec<String>, String)>,
    ) -> TitleIndex {
        let mut sorted: Vec<(String, String, Vec<String>)> = titles
            .into_iter()
            .map(|t| (fold(&t), t, Vec::new()))
            .chain(restricted.into_iter().map(|(g, t)| (fold(&t), t, g)))
            .collect();
        sorted.sort();
        sorted.dedup();
        let mut by_char: std::collections::HashMap<char, Vec<u32>> =
            std::collections::HashMap::new();
        for (i, (folded, _, _)) in sorted.iter().enumerate() {
            let mut seen: Vec<char> = folded.chars().collect();
            seen.sort_unstable();
            seen.dedup();
            for c in seen {
                by_char.entry(c).or_default().push(i as u32);
            }
        }
        TitleIndex { sorted, by_char }
    }

    /// Number of titles.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are no titles.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Up to `limit` titles `scope` may see that start with the folded
    /// `prefix`, then such titles that contain it.
    pub fn matching(&self, prefix: &str, limit: usize, scope: &Scope) -> Vec<&str> {
        let start = self.sorted.partition_point(|t| t.0.as_str() < prefix);
        let mut out: Vec<&str> = self.sorted[start..]
            .iter()
            .take_while(|t| t.0.starts_with(prefix))
            .filter(|t| scope.sees(&t.2))
            .take(limit)
            .map(|t| t.1.as_str())
            .collect();
        if out.len() < limit {
            let rarest = prefix
                .chars()
                .map(|c| self.by_char.get(&c).map_or(&[][..], |v| v.as_slice()))
                .min_by_key(|v| v.len())
                .unwrap_or(&[]);
            for &i in rarest {
                let (folded, original, groups) = &self.sorted[i as usize];
                if !folded.starts_with(prefix) && folded.contains(prefix) && scope.sees(groups) {
                    out.push(original);
                    if out.len() == limit {
                        break;
                    }
                }
            }
        }
        out
    }
}

/// The words completion offers and "did you mean" looks for near misses
/// in: the generation's dictionary and synonym words and the place names,
/// (folded, original, kind) sorted by folded text for prefix search, without
/// repeats.
#[derive(Debug, Default)]
pub struct WordList(Vec<(String, String, &'static str)>);

impl WordList {
    /// The list for a generation's vocabulary.
    pub fn new(vocabulary: &Vocabulary) -> WordList {
        let mut words: Vec<(String, String, &'static str)> = Vec::new();
        for (w, _) in vocabulary.domain_words() {
            words.push((fold(w), w.to_string(), "word"));
        }
        let synonyms = vocabulary.synonyms();
        for w in synonyms.synonyms.keys().chain(synonyms.related.keys()) {
            words.push((w.clone(), w.clone(), "word"));
        }
        for name in Gazetteer::global().all_names() {
            words.push((fold(name), name.to_string(), "place"));
        }
        words.sort();
        words.dedup_by(|a, b| a.0 == b.0);
        WordList(words)
    }

    /// Every word, folded, in order.
    pub(super) fn folded(&self) -> impl Iterator<Item = &str> + Clone {
        self.0.iter().map(|w| w.0.as_str())
    }
}

/// Up to `limit` completions of `prefix`: dictionary words and places that
/// start with it, then titles that start with or contain it.
/// Titles of restricted reports are offered only to a `scope` that sees them.
pub fn complete(engine: &Engine, prefix: &str, limit: usize, scope: &Scope) -> Vec<Suggestion> {
    let prefix = fold(prefix.trim());
    if prefix.is_empty() {
        return Vec::new();
    }
    let words = &engine.words().0;
    let start = words.partition_point(|w| w.0.as_str() < prefix.as_str());
    let mut out: Vec<Suggestion> = words[start..]
        .iter()
        .take_while(|w| w.0.starts_with(&prefix))
        .filter(|w| w.0 != prefix)
        .take(limit)
        .map(|w| Suggestion {
            text: w.1.clone(),
            kind: w.2.to_string(),
            path: (w.2 == "place")
                .then(|| match Gazetteer::global().resolve_all(&w.1).as_slice() {
                    [one] => Some(one.path.clone()),
                    _ => None,
                })
                .flatten(),
        })
        .collect();
    if out.len() < limit {
        for title in engine.titles().matching(&prefix, limit - out.len(), scope) {
            out.push(Suggestion {
                text: title.to_string(),
                kind: "title".to_string(),
                path: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_by_prefix_then_by_contents() {
        let index = TitleIndex::new([
            "援藏医疗队".to_string(),
            "山东援藏30年".to_string(),
            "醫療援藏".to_string(),
            "教育".to_string(),
        ]);
        assert_eq!(
            index.matching("援藏", 10, &Scope::Everything),
            vec!["援藏医疗队", "醫療援藏", "山东援藏30年"]
        );
        assert_eq!(
            index.matching("医疗", 10, &Scope::Everything),
            vec!["醫療援藏", "援藏医疗队"]
        );
        assert!(index.matching("火星", 10, &Scope::Everything).is_empty());
        assert_eq!(index.matching("援藏", 1, &Scope::Everything).len(), 1);
    }

    #[test]
    fn restricted_titles_only_for_their_groups() {
        let index = TitleIndex::with_restricted(
            ["援藏医疗队".to_string()],
            vec![(vec!["领导".to_string()], "援藏内部总结".to_string())],
        );
        let leaders = Scope::groups(["领导"]);
        assert_eq!(index.matching("援藏", 10, &leaders).len(), 2);
        assert_eq!(
            index.matching("援藏", 10, &Scope::open_only()),
            vec!["援藏医疗队"]
        );
        assert!(index
            .matching("内部", 10, &Scope::groups(["财务"]))
            .is_empty());
        assert_eq!(index.matching("内部", 10, &leaders), vec!["援藏内部总结"]);
    }
}
