//! Relevance on both judged dev sets of `../shared/eval`, scored the way
//! `eval/README.md` describes (nDCG@10, P@5, Recall@20, MRR, and how many
//! no-result queries got zero hits), through the library's one search
//! function:
//! - the 15 seed queries on `corpus/`;
//! - the 40 aid queries on the aid subcorpus that
//!   `../shared/eval/make_aid_subcorpus.py` cuts from the scale corpus.
//!
//! Each set has a ratchet: the test fails when its nDCG@10 drops below the
//! best reached so far (raise the constant when it improves). A third test
//! checks the reranker's fitting: its cross-validated (out-of-fold) score.
//! Without `../shared` the tests say so and pass; under `CI=true` they fail.
//!
//! `cargo test --test relevance -- --nocapture` prints the tables;
//! `AIDSEARCH_EVAL_DEBUG=a05` prints one query's ranking.

mod common;

use std::collections::BTreeMap;

use aidsearch::search::rank::fit;
use aidsearch::search::rank::judged::{JudgedQuery, Scores};
use aidsearch::search::{search, Engine};
use common::eval;

/// Best nDCG@10 reached on the seed dev queries.
const SEED_RATCHET: f64 = 0.91;
/// Best nDCG@10 reached on the aid dev queries, less the spread of ties:
/// 0.830 over HTTP and 0.829 in a fresh CI build (equal scores fall in the
/// order of the segments the index was written in).
const AID_RATCHET: f64 = 0.82;
/// nDCG@10 on the project's own harder queries (never fitted on).
const OWN_RATCHET: f64 = 0.62;
/// nDCG@10 on the second own set (`own-queries-2.json`, judged in session 11
/// before any ranking change was measured on it: 0.691 then).
const OWN2_RATCHET: f64 = 0.71;
/// nDCG@10 on the third own set (`own-queries-3.json`: everyday words,
/// judged in session 15 before the vocabulary change measured on it: 0.310
/// then, 0.372 with the aid vocabulary of `data/synonyms.txt`).
const OWN3_RATCHET: f64 = 0.37;
/// Out-of-fold nDCG@10 of the fitted reranker over both sets (5 folds).
const CROSS_VALIDATED_RATCHET: f64 = 0.82;

fn add(sum: &mut Scores, s: &Scores) {
    sum.ndcg10 += s.ndcg10;
    sum.p5 += s.p5;
    sum.recall20 += s.recall20;
    sum.mrr += s.mrr;
}

fn mean(sum: &Scores, n: usize) -> Scores {
    let n = n.max(1) as f64;
    Scores {
        ndcg10: sum.ndcg10 / n,
        p5: sum.p5 / n,
        recall20: sum.recall20 / n,
        mrr: sum.mrr / n,
    }
}

/// Print one query's ranking: which judged paragraphs were found where.
fn debug(q: &JudgedQuery, texts: &[String]) {
    for (rank, text) in texts.iter().enumerate() {
        let grade = q.matched(text).iter().map(|&j| q.relevant[j].grade).max();
        let mark = grade.map_or("  ".to_string(), |g| format!("g{g}"));
        println!(
            "  {:>2} {mark} {}",
            rank + 1,
            text.chars().take(70).collect::<String>()
        );
    }
    for (j, judged) in q.relevant.iter().enumerate() {
        if !texts.iter().any(|t| q.matched(t).contains(&j)) {
            println!("  MISSED g{} {}", judged.grade, judged.key);
        }
    }
}

/// What one set scored.
struct SetScores {
    mean: Scores,
    empty_ok: usize,
    empty_total: usize,
}

/// Run every query of a set, print the per-query and per-type tables.
fn run_set(name: &str, engine: &Engine, queries: &[JudgedQuery]) -> SetScores {
    println!(
        "== {name}\n{:<5} {:<10} {:<28} {:>7} {:>5} {:>6} {:>5}",
        "id", "type", "query", "nDCG10", "P@5", "R@20", "MRR"
    );
    let mut sum = Scores::default();
    let mut judged = 0;
    let mut by_type: BTreeMap<&str, (Scores, usize)> = BTreeMap::new();
    let (mut empty_total, mut empty_ok) = (0, 0);
    for q in queries {
        let response = search(engine, &q.request()).expect("a judged query searches");
        let texts: Vec<String> = response.hits.iter().map(|h| h.text.clone()).collect();
        if q.relevant.is_empty() {
            empty_total += 1;
            empty_ok += usize::from(response.total == 0);
            println!(
                "{:<5} {:<10} {:<28} hits={}",
                q.id, q.kind, q.query, response.total
            );
            continue;
        }
        let matched: Vec<Vec<usize>> = texts.iter().map(|t| q.matched(t)).collect();
        let ranking: Vec<&[usize]> = matched.iter().map(Vec::as_slice).collect();
        let s = q.score(&ranking);
        if std::env::var("AIDSEARCH_EVAL_DEBUG").is_ok_and(|d| d == q.id) {
            debug(q, &texts);
        }
        judged += 1;
        add(&mut sum, &s);
        let entry = by_type.entry(q.kind.as_str()).or_default();
        add(&mut entry.0, &s);
        entry.1 += 1;
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
    let mean = mean(&sum, judged);
    for (kind, (sum, n)) in &by_type {
        println!(
            "  {kind:<10} n={n:<3} nDCG@10 {:.3}",
            sum.ndcg10 / *n as f64
        );
    }
    println!(
        "{name}: mean over {judged} judged queries: nDCG@10 {:.3}  P@5 {:.3}  Recall@20 {:.3}  MRR {:.3}",
        mean.ndcg10, mean.p5, mean.recall20, mean.mrr
    );
    println!("{name}: no-result queries answered with zero hits: {empty_ok}/{empty_total}");
    SetScores {
        mean,
        empty_ok,
        empty_total,
    }
}

#[test]
fn seed_dev_queries_score_at_least_the_ratchet() {
    let Some(queries) = eval::queries("dev-queries.json") else {
        return;
    };
    let scores = run_set("seed", &common::engine(), &queries);
    assert_ratchet("seed", &scores, SEED_RATCHET);
    assert_empty_queries_found_nothing(&scores);
}

#[test]
fn aid_dev_queries_score_at_least_the_ratchet() {
    let Some(queries) = eval::queries("aid-dev-queries.json") else {
        return;
    };
    let Some(engine) = eval::aid_engine() else {
        return;
    };
    let scores = run_set("aid", &engine, &queries);
    assert_ratchet("aid", &scores, AID_RATCHET);
}

#[test]
fn own_harder_queries_score_at_least_the_ratchet() {
    own_set_holds("own", eval::own_queries, OWN_RATCHET);
}

#[test]
fn second_own_query_set_scores_at_least_the_ratchet() {
    own_set_holds("own 2", eval::own_queries_2, OWN2_RATCHET);
}

#[test]
fn third_own_query_set_scores_at_least_the_ratchet() {
    own_set_holds("own 3", eval::own_queries_3, OWN3_RATCHET);
}

/// One of the project's own sets on the aid subcorpus: its ratchet, and
/// zero hits for its no-result queries (a set without them passes that).
fn own_set_holds(set: &str, queries: fn() -> Vec<JudgedQuery>, ratchet: f64) {
    let Some(engine) = eval::aid_engine() else {
        return;
    };
    let scores = run_set(set, &engine, &queries());
    assert_ratchet(set, &scores, ratchet);
    assert_empty_queries_found_nothing(&scores);
}

fn assert_ratchet(set: &str, scores: &SetScores, ratchet: f64) {
    assert!(
        scores.mean.ndcg10 >= ratchet,
        "{set} nDCG@10 {:.3} fell below the ratchet {ratchet}",
        scores.mean.ndcg10
    );
}

fn assert_empty_queries_found_nothing(scores: &SetScores) {
    assert_eq!(
        scores.empty_ok, scores.empty_total,
        "a no-result query got hits"
    );
}

/// The weights the search uses are fitted by `examples/fit_ranking.rs`;
/// this runs the same fitting under 5-fold cross-validation and checks the
/// score of each query under weights fitted without it: what the fitting
/// is worth on queries it has not seen. It must also beat the unfitted
/// BM25 order on the same candidates.
#[test]
fn fitted_ranking_generalises_across_folds() {
    let Some(examples) = eval::dev_examples() else {
        return;
    };
    let all: Vec<&fit::Example> = examples.iter().collect();
    let baseline = fit::mean_ndcg(&all, &fit::baseline());
    let cv = fit::cross_validate(&examples, 5);
    println!(
        "{} queries: BM25 order nDCG@10 {baseline:.3}, 5-fold out-of-fold {:.3}",
        examples.len(),
        cv.mean()
    );
    assert!(
        cv.mean() >= CROSS_VALIDATED_RATCHET,
        "out-of-fold nDCG@10 {:.3} below {CROSS_VALIDATED_RATCHET}",
        cv.mean()
    );
    assert!(
        cv.mean() > baseline,
        "fitting does not beat the BM25 order out of fold"
    );
}

/// A run of two words that stands in few paragraphs (农村吃水难: one) is
/// filled after them with paragraphs holding its words' mined neighbours;
/// the paragraphs with every word stay first, and it is not "relaxed".
#[test]
fn a_short_run_with_few_exact_hits_is_filled_after_them() {
    let Some(engine) = eval::aid_engine() else {
        return;
    };
    let found = aidsearch::search::search(
        &engine,
        &aidsearch::search::SearchRequest::query("农村吃水难"),
    )
    .expect("search");
    let exact = found.exact_total as usize;
    assert!(
        exact >= 1 && found.total > found.exact_total,
        "{} hits, {exact} exact",
        found.total
    );
    assert!(!found.relaxed);
    assert!(!found.expanded.is_empty(), "the neighbours are not listed");
    let has_every_word = |text: &str| text.contains("农村") && text.contains("吃水难");
    assert!(found.hits[..exact].iter().all(|h| has_every_word(&h.text)));
    assert!(found.hits[exact..].iter().any(|h| !has_every_word(&h.text)));
}

/// A request typed as a sentence in everyday words finds the paragraphs
/// that say it in official ones, through its words' mined neighbours, and
/// says it relaxed; the same words typed apart are separate asks, and the
/// relaxation floor still refuses them (上不起 is nowhere).
#[test]
fn a_sentence_in_everyday_words_finds_paragraphs_worded_officially() {
    let Some(engine) = eval::aid_engine() else {
        return;
    };
    let found = aidsearch::search::search(
        &engine,
        &aidsearch::search::SearchRequest::query("贫困家庭孩子上不起学"),
    )
    .expect("search");
    assert!(found.total > 0 && found.relaxed, "{} hits", found.total);
    assert!(!found.expanded.is_empty(), "the neighbours are not listed");
    let about_school = found
        .hits
        .iter()
        .filter(|h| {
            ["学", "教育", "辍学", "资助"]
                .iter()
                .any(|w| h.text.contains(w))
        })
        .count();
    assert!(
        about_school >= 8,
        "{about_school} of the first page are about school"
    );
    let marked = |h: &&aidsearch::search::Hit| {
        found
            .expanded
            .iter()
            .flat_map(|e| &e.also)
            .any(|a| h.snippet.contains(&format!("<mark>{a}</mark>")))
    };
    assert!(
        found.hits.iter().any(|h| marked(&h)),
        "no neighbour is marked"
    );
    let apart = aidsearch::search::search(
        &engine,
        &aidsearch::search::SearchRequest::query("贫困家庭 孩子 上不起 学"),
    )
    .expect("search");
    assert_eq!(apart.total, 0);
}
