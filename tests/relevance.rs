//! Relevance on the judged development queries (`../shared/eval`), scored the
//! way `eval/README.md` describes: nDCG@10, P@5, Recall@20, MRR, plus how many
//! no-result queries got zero hits. The test fails when nDCG@10 drops below
//! the best reached so far (a ratchet: raise `NDCG_RATCHET` when it improves).
//!
//! Run `cargo test --test relevance -- --nocapture` to see the table.

mod common;

use std::path::PathBuf;

use aidsearch::search::{search, SearchRequest};
use serde::Deserialize;

/// Best nDCG@10 reached on the dev queries; the test fails below it.
const NDCG_RATCHET: f64 = 0.89;

#[derive(Deserialize)]
struct Judged {
    key: String,
    grade: u32,
    #[serde(default)]
    alt_keys: Vec<String>,
}

#[derive(Deserialize)]
struct EvalQuery {
    id: String,
    query: String,
    #[serde(default)]
    filters: std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(rename = "type")]
    kind: String,
    relevant: Vec<Judged>,
}

fn eval_file() -> Option<PathBuf> {
    let path = std::env::var_os("AIDSEARCH_EVAL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev-queries.json")
        });
    path.is_file().then_some(path)
}

/// NFKC is approximated by the engine's own folding (full-width to half-width,
/// lower case); the keys are CJK, so the difference does not matter here.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Scores of one query.
#[derive(Debug, Default, Clone, Copy)]
struct Scores {
    ndcg10: f64,
    p5: f64,
    recall20: f64,
    mrr: f64,
}

fn score(texts: &[String], relevant: &[Judged]) -> Scores {
    let keys: Vec<Vec<String>> = relevant
        .iter()
        .map(|j| {
            std::iter::once(&j.key)
                .chain(&j.alt_keys)
                .map(|k| normalise(k))
                .collect()
        })
        .collect();
    let mut credited = vec![false; relevant.len()];
    let mut gains = Vec::new();
    for text in texts.iter().take(20) {
        let text = normalise(text);
        let mut gain = 0;
        for (i, k) in keys.iter().enumerate() {
            if !credited[i] && k.iter().any(|key| text.contains(key.as_str())) {
                credited[i] = true;
                gain = gain.max(relevant[i].grade);
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
    let mut ideal: Vec<u32> = relevant.iter().map(|j| j.grade).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg = dcg(&ideal);
    Scores {
        ndcg10: if idcg > 0.0 { dcg(&gains) / idcg } else { 0.0 },
        p5: gains.iter().take(5).filter(|&&g| g > 0).count() as f64 / 5.0,
        recall20: credited.iter().filter(|&&c| c).count() as f64 / relevant.len().max(1) as f64,
        mrr: gains
            .iter()
            .position(|&g| g > 0)
            .map_or(0.0, |r| 1.0 / (r + 1) as f64),
    }
}

fn request(q: &EvalQuery) -> SearchRequest {
    let mut r = SearchRequest {
        q: q.query.clone(),
        per_page: 20,
        ..SearchRequest::default()
    };
    for (name, value) in &q.filters {
        let values: Vec<String> = match value {
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            serde_json::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        };
        match name.as_str() {
            "region" => r.region = values,
            "donor" => r.donor = values,
            "sector" => r.sector = values,
            "year" => r.year = values,
            _ => {}
        }
    }
    r
}

/// Print which judged paragraphs were found where, and what outranked them.
fn debug(q: &EvalQuery, texts: &[String]) {
    for (rank, text) in texts.iter().enumerate() {
        let t = normalise(text);
        let hit = q.relevant.iter().find(|j| {
            std::iter::once(&j.key)
                .chain(&j.alt_keys)
                .any(|k| t.contains(&normalise(k)))
        });
        let mark = hit.map_or("  ".to_string(), |j| format!("g{}", j.grade));
        println!(
            "  {:>2} {mark} {}",
            rank + 1,
            text.chars().take(70).collect::<String>()
        );
    }
    for j in &q.relevant {
        let found = texts.iter().any(|t| {
            std::iter::once(&j.key)
                .chain(&j.alt_keys)
                .any(|k| normalise(t).contains(&normalise(k)))
        });
        if !found {
            println!("  MISSED g{} {}", j.grade, j.key);
        }
    }
}

#[test]
fn dev_queries_score_at_least_the_ratchet() {
    let Some(path) = eval_file() else {
        println!(
            "skipped: no judged queries at ../shared/eval/dev-queries.json (set AIDSEARCH_EVAL)"
        );
        return;
    };
    let queries: Vec<EvalQuery> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let engine = common::engine();
    let mut sums = Scores::default();
    let mut judged = 0;
    let (mut empty_total, mut empty_ok) = (0, 0);
    println!(
        "{:<5} {:<10} {:<28} {:>7} {:>5} {:>6} {:>5}",
        "id", "type", "query", "nDCG10", "P@5", "R@20", "MRR"
    );
    for q in &queries {
        let response = search(&engine, &request(q)).unwrap();
        let texts: Vec<String> = response.hits.iter().map(|h| h.text.clone()).collect();
        if q.relevant.is_empty() {
            empty_total += 1;
            if response.total == 0 {
                empty_ok += 1;
            }
            println!(
                "{:<5} {:<10} {:<28} hits={}",
                q.id, q.kind, q.query, response.total
            );
            continue;
        }
        let s = score(&texts, &q.relevant);
        if std::env::var("AIDSEARCH_EVAL_DEBUG").is_ok_and(|d| d == q.id) {
            debug(q, &texts);
        }
        judged += 1;
        sums.ndcg10 += s.ndcg10;
        sums.p5 += s.p5;
        sums.recall20 += s.recall20;
        sums.mrr += s.mrr;
        println!(
            "{:<5} {:<10} {:<28} {:>7.3} {:>5.2} {:>6.2} {:>5.2}{}",
            q.id,
            q.kind,
            q.query,
            s.ndcg10,
            s.p5,
            s.recall20,
            s.mrr,
            if response.relaxed { "  (relaxed)" } else { "" }
        );
    }
    let n = judged.max(1) as f64;
    let mean = Scores {
        ndcg10: sums.ndcg10 / n,
        p5: sums.p5 / n,
        recall20: sums.recall20 / n,
        mrr: sums.mrr / n,
    };
    println!(
        "mean over {judged} judged queries: nDCG@10 {:.3}  P@5 {:.3}  Recall@20 {:.3}  MRR {:.3}",
        mean.ndcg10, mean.p5, mean.recall20, mean.mrr
    );
    println!("no-result queries answered with zero hits: {empty_ok}/{empty_total}");
    assert!(
        mean.ndcg10 >= NDCG_RATCHET,
        "nDCG@10 {:.3} fell below the ratchet {NDCG_RATCHET}",
        mean.ndcg10
    );
    assert_eq!(empty_ok, empty_total, "a no-result query got hits");
}
