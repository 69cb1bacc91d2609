//! Judged queries in the format of `../shared/eval` (`eval/README.md`), and
//! the scores `eval/score.py` gives a ranking: nDCG@10, P@5, Recall@20 and
//! reciprocal rank. The relevance test, the fitting harness and the fitter
//! share them, so all three score exactly as the scorer does.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::search::SearchRequest;

/// One judged paragraph: keys that identify it, and how relevant it is.
#[derive(Debug, Clone, Deserialize)]
pub struct Judgement {
    pub key: String,
    pub grade: u32,
    #[serde(default)]
    pub alt_keys: Vec<String>,
}

/// One judged query.
#[derive(Debug, Clone, Deserialize)]
pub struct JudgedQuery {
    pub id: String,
    pub query: String,
    #[serde(default)]
    pub filters: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "type")]
    pub kind: String,
    pub relevant: Vec<Judgement>,
}

/// Read a file of judged queries.
pub fn load(path: &Path) -> std::result::Result<Vec<JudgedQuery>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// What the scorer compares: whitespace removed, full-width folded to
/// half-width, lower case. (The scorer applies NFKC; the keys are CJK, where
/// the difference does not arise.)
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Hits the scorer reads: the top 20.
pub const SCORED_HITS: usize = 20;

impl JudgedQuery {
    /// The request the scorer sends: the query, its filters, 20 hits.
    pub fn request(&self) -> SearchRequest {
        let mut request = SearchRequest {
            q: self.query.clone(),
            per_page: SCORED_HITS,
            ..SearchRequest::default()
        };
        for (name, value) in &self.filters {
            let values: Vec<String> = match value {
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                serde_json::Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            };
            match name.as_str() {
                "region" => request.region = values,
                "donor" => request.donor = values,
                "sector" => request.sector = values,
                "year" => request.year = values,
                "programme" => request.programme = values,
                _ => {}
            }
        }
        request
    }

    /// The judged paragraphs a hit's text matches (their indices).
    pub fn matched(&self, text: &str) -> Vec<usize> {
        let text = normalise(text);
        self.relevant
            .iter()
            .enumerate()
            .filter(|(_, j)| {
                std::iter::once(&j.key)
                    .chain(&j.alt_keys)
                    .any(|k| text.contains(&normalise(k)))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Scores of a ranking, given what each hit matched (in rank order).
    pub fn score(&self, ranking: &[&[usize]]) -> Scores {
        let mut credited = vec![false; self.relevant.len()];
        let mut gains = Vec::new();
        for matched in ranking.iter().take(SCORED_HITS) {
            let mut gain = 0;
            for &j in matched.iter() {
                if !credited[j] {
                    credited[j] = true;
                    gain = gain.max(self.relevant[j].grade);
                }
            }
            gains.push(gain);
        }
        let dcg = |g: &[u32]| -> f64 {
            g.iter()
                .take(10)
                .enumerate()
                .map(|(i, &g)| g as f64 / ((i + 2) as f64).log2())
                .sum()
        };
        let mut ideal: Vec<u32> = self.relevant.iter().map(|j| j.grade).collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let idcg = dcg(&ideal);
        Scores {
            ndcg10: if idcg > 0.0 { dcg(&gains) / idcg } else { 0.0 },
            p5: gains.iter().take(5).filter(|&&g| g > 0).count() as f64 / 5.0,
            recall20: credited.iter().filter(|&&c| c).count() as f64
                / self.relevant.len().max(1) as f64,
            mrr: gains
                .iter()
                .position(|&g| g > 0)
                .map_or(0.0, |r| 1.0 / (r + 1) as f64),
        }
    }
}

/// Scores of one ranking (or their means).
#[derive(Debug, Default, Clone, Copy)]
pub struct Scores {
    pub ndcg10: f64,
    pub p5: f64,
    pub recall20: f64,
    pub mrr: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(grades: &[u32]) -> JudgedQuery {
        JudgedQuery {
            id: "t".into(),
            query: "q".into(),
            filters: BTreeMap::new(),
            kind: "keyword".into(),
            relevant: grades
                .iter()
                .enumerate()
                .map(|(i, &grade)| Judgement {
                    key: format!("键{i}"),
                    grade,
                    alt_keys: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn a_judged_paragraph_is_credited_once_at_its_first_hit() {
        let q = query(&[2, 1]);
        let perfect = q.score(&[&[0], &[1]]);
        assert!((perfect.ndcg10 - 1.0).abs() < 1e-9);
        // The same paragraph twice earns nothing the second time.
        let twice = q.score(&[&[0], &[0], &[1]]);
        assert!(twice.ndcg10 < perfect.ndcg10);
        assert_eq!(twice.recall20, 1.0);
        let none = q.score(&[&[], &[]]);
        assert_eq!(none.ndcg10, 0.0);
        assert_eq!(none.mrr, 0.0);
    }

    #[test]
    fn keys_match_whatever_the_spacing_and_width() {
        let q = query(&[2]);
        assert_eq!(q.matched("前文 键 0 后文"), vec![0]);
        assert!(q.matched("键1").is_empty());
    }
}
