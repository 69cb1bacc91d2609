//! Fit the reranker's weights on both judged dev sets, and say how well
//! they generalise: 5-fold cross-validation (each query scored by weights
//! fitted without it), then one fit on every query, printed as the
//! `WEIGHTS` constant of `src/search/rank/mod.rs`. For each set of weights
//! it also says how many of 200 copied fragments (`common::eval`, not the
//! draw of `tests/substring.rs`) miss their paragraph in the top 10: the
//! dev sets hold no such query, and the fit must not lose them. It also
//! scores the project's own harder queries (`tests/fixtures/own-queries.json`),
//! which nothing is fitted on.
//!
//! `cargo run --release --example fit_ranking` (needs ../shared).
//!
//! - `FIT_FOLDS=N`: N folds instead of 5 (52 is leave-one-query-out, the
//!   steadiest reading; 5 folds read about 0.01 higher).
//! - `FIT_SELECT=1` (with `FIT_INNER=N`, default 10): also choose the
//!   features, by backward elimination under an inner N-fold
//!   cross-validation, and score that procedure by nested cross-validation
//!   over the outer folds.
//! - `FIT_WITHOUT=name,…`, `FIT_WITH_OWN=1`, `FIT_VERBOSE=1`, `FIT_SHOW=id`:
//!   see below.

#[path = "../tests/common/aid.rs"]
#[allow(dead_code)]
mod aid;
#[path = "../tests/common/eval.rs"]
mod eval;
#[path = "../tests/common/fragments.rs"]
mod fragments;
#[path = "../tests/common/paragraphs.rs"]
#[allow(dead_code)]
mod paragraphs;

use aidsearch::search::rank::fit::{self, Example};
use aidsearch::search::rank::{Feature, Vector, WEIGHTS};

/// A count from the environment variable `name`, or `default`.
fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Folds of the cross-validation (`FIT_FOLDS`, default 5).
fn folds() -> usize {
    env_count("FIT_FOLDS", 5)
}

/// Mean of `scores` over the examples of one set (`eval::set_of`); 0 for none.
fn mean_of(examples: &[Example], scores: impl Fn(usize, &Example) -> f64, set: &str) -> f64 {
    let picked: Vec<f64> = examples
        .iter()
        .enumerate()
        .filter(|(_, e)| eval::set_of(&e.query.id) == set)
        .map(|(i, e)| scores(i, e))
        .collect();
    picked.iter().sum::<f64>() / picked.len().max(1) as f64
}

/// `out-of-fold nDCG@10 0.829  (seed 0.888, aid 0.808)` of a cross-validation.
fn out_of_fold(examples: &[Example], cv: &fit::CrossValidation) -> String {
    format!(
        "out-of-fold nDCG@10 {:.3}  (seed {:.3}, aid {:.3})",
        cv.mean(),
        mean_of(examples, |i, _| cv.out_of_fold[i], "seed"),
        mean_of(examples, |i, _| cv.out_of_fold[i], "aid"),
    )
}

fn show(weights: &Vector) -> String {
    Feature::ALL
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w != 0.0)
        .map(|(f, w)| format!("{}={w}", f.name()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many fragments miss their paragraph in the top 10 under `weights`.
fn fragments_missed(fragments: &[Example], weights: &Vector) -> usize {
    fragments
        .iter()
        .filter(|e| e.scores(weights).ndcg10 == 0.0)
        .count()
}

fn main() {
    let (Some(examples), Some(fragments), Some(own)) = (
        eval::dev_examples(),
        eval::fragment_examples(),
        eval::own_examples(),
    ) else {
        std::process::exit(2);
    };
    let (mut examples, mut fragments, mut own) = (examples, fragments, own);
    // `FIT_WITHOUT=name,…` leaves features out (their column is zeroed), to
    // compare a feature's worth on the same index: ties, and so the folds'
    // fits, follow the index's segment layout.
    if let Ok(without) = std::env::var("FIT_WITHOUT") {
        let dropped: Vec<usize> = Feature::ALL
            .iter()
            .filter(|f| without.split(',').any(|n| n.trim() == f.name()))
            .map(|f| *f as usize)
            .collect();
        println!("without: {without} ({} features zeroed)", dropped.len());
        for e in examples.iter_mut().chain(&mut fragments).chain(&mut own) {
            for v in &mut e.vectors {
                for &i in &dropped {
                    v[i] = 0.0;
                }
            }
        }
    }
    // `FIT_WITH_OWN=1` fits on the project's own judged queries too (both
    // own sets join the folds), to see whether more judged queries make
    // weights that generalise better; the own sets are then no longer unseen.
    let with_own = std::env::var_os("FIT_WITH_OWN").is_some();
    if with_own {
        println!("fitting on the dev sets and both own sets");
        examples.append(&mut own);
        // Interleave by set (each example's place within its set first), so
        // that each fold (`i % folds`) holds some of each.
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        let place: std::collections::HashMap<String, usize> = examples
            .iter()
            .map(|e| {
                let n = seen.entry(eval::set_of(&e.query.id)).or_default();
                *n += 1;
                (e.query.id.clone(), *n)
            })
            .collect();
        examples.sort_by_key(|e| (place[&e.query.id], eval::set_of(&e.query.id)));
    }
    let own: Vec<&Example> = if with_own {
        examples
            .iter()
            .filter(|e| matches!(eval::set_of(&e.query.id), "own" | "own 2"))
            .collect()
    } else {
        own.iter().collect()
    };
    let all: Vec<&Example> = examples.iter().collect();
    for (name, weights) in [("baseline", fit::baseline()), ("current", WEIGHTS)] {
        println!(
            "{name:<9} in-sample nDCG@10 {:.3}  (seed {:.3}, aid {:.3}; own {:.3}; fragments missed {}/{})   {}",
            fit::mean_ndcg(&all, &weights),
            mean_of(&examples, |_, e| e.scores(&weights).ndcg10, "seed"),
            mean_of(&examples, |_, e| e.scores(&weights).ndcg10, "aid"),
            fit::mean_ndcg(&own, &weights),
            fragments_missed(&fragments, &weights),
            fragments.len(),
            show(&weights)
        );
    }
    // The best any order of these candidates could do: what recall allows.
    let oracle: Vec<f64> = examples
        .iter()
        .map(|e| {
            let mut order: Vec<usize> = (0..e.vectors.len()).collect();
            let gain = |i: usize| {
                e.matched[i]
                    .iter()
                    .map(|&j| e.query.relevant[j].grade)
                    .max()
                    .unwrap_or(0)
            };
            order.sort_by_key(|&i| std::cmp::Reverse(gain(i)));
            let ranking: Vec<&[usize]> = order.iter().map(|&i| e.matched[i].as_slice()).collect();
            e.query.score(&ranking).ndcg10
        })
        .collect();
    println!(
        "oracle order of the candidates: nDCG@10 {:.3}  (seed {:.3}, aid {:.3})",
        oracle.iter().sum::<f64>() / oracle.len() as f64,
        mean_of(&examples, |i, _| oracle[i], "seed"),
        mean_of(&examples, |i, _| oracle[i], "aid"),
    );
    let cv = fit::cross_validate(&examples, folds());
    let mut types: std::collections::BTreeMap<&str, Vec<(f64, f64)>> = Default::default();
    for (i, e) in examples.iter().enumerate() {
        types
            .entry(e.query.kind.as_str())
            .or_default()
            .push((e.scores(&fit::baseline()).ndcg10, cv.out_of_fold[i]));
    }
    for (kind, pairs) in &types {
        let n = pairs.len() as f64;
        println!(
            "  {kind:<10} n={:<3} baseline {:.3}  out-of-fold {:.3}",
            pairs.len(),
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n
        );
    }
    if std::env::var_os("FIT_VERBOSE").is_some() {
        for (i, e) in examples.iter().enumerate() {
            println!(
                "  {} {:<9} {:<24} base {:.3} oof {:.3} oracle {:.3}",
                e.query.id,
                e.query.kind,
                e.query.query,
                e.scores(&fit::baseline()).ndcg10,
                cv.out_of_fold[i],
                oracle[i]
            );
        }
    }
    for (fold, weights) in cv.fold_weights.iter().enumerate() {
        println!("fold {fold}: {}", show(weights));
    }
    println!("{}-fold {}", folds(), out_of_fold(&examples, &cv));
    for set in ["seed", "aid", "own", "own 2"] {
        let n = examples
            .iter()
            .filter(|e| eval::set_of(&e.query.id) == set)
            .count();
        if n > 0 {
            let mean = mean_of(&examples, |i, _| cv.out_of_fold[i], set);
            println!("  out-of-fold {set:<6} n={n:<3} {mean:.3}");
        }
    }
    // `FIT_SELECT=1`: choose the features too, by backward elimination
    // under an inner cross-validation, and score that whole procedure by
    // nested cross-validation (the outer folds as above).
    if std::env::var_os("FIT_SELECT").is_some() {
        let inner = env_count("FIT_INNER", 10);
        let kept = |mask: &fit::Mask| {
            Feature::ALL
                .iter()
                .filter(|f| mask[**f as usize])
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut masks = Vec::new();
        let nested = fit::cross_validate_with(&all, folds(), |train| {
            let mask = fit::select_features(train, inner, &fit::ALL_FEATURES);
            masks.push(kept(&mask));
            fit::ascend_within(train, fit::baseline(), fit::PASSES, &mask)
        });
        for (fold, m) in masks.iter().enumerate() {
            println!("nested fold {fold} keeps: {m}");
        }
        println!(
            "nested {}-fold (inner {inner}) {}",
            folds(),
            out_of_fold(&examples, &nested)
        );
        let mask = fit::select_features(&all, inner, &fit::ALL_FEATURES);
        let weights = fit::ascend_within(&all, fit::baseline(), fit::PASSES, &mask);
        println!(
            "selected on all: {}\n  fitted: in-sample {:.3}; own {:.3}   {}",
            kept(&mask),
            fit::mean_ndcg(&all, &weights),
            fit::mean_ndcg(&own, &weights),
            show(&weights)
        );
        println!("pub const WEIGHTS: Vector = {weights:?};");
    }
    let fitted = fit::ascend(&all, fit::baseline(), fit::PASSES);
    if let Ok(id) = std::env::var("FIT_SHOW") {
        for e in examples.iter().filter(|e| e.query.id == id) {
            show_ranking(e, &fitted);
        }
    }
    println!(
        "fitted on all: in-sample nDCG@10 {:.3}; own {:.3}; fragments missed {}/{}   {}",
        fit::mean_ndcg(&all, &fitted),
        fit::mean_ndcg(&own, &fitted),
        fragments_missed(&fragments, &fitted),
        fragments.len(),
        show(&fitted)
    );
    println!(
        "pub const WEIGHTS: Vector = {:?};",
        fitted.iter().map(|w| *w as f64).collect::<Vec<_>>()
    );
}

/// The top of one query's candidates under `weights`, with grades and
/// features, and where its judged paragraphs are.
fn show_ranking(e: &Example, weights: &Vector) {
    let mut order: Vec<(f32, usize)> = e
        .vectors
        .iter()
        .enumerate()
        .map(|(i, v)| (aidsearch::search::rank::score(weights, v), i))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    println!("{} {}", e.query.id, e.query.query);
    for (rank, (s, i)) in order.iter().enumerate() {
        let grade = e.matched[*i]
            .iter()
            .map(|&j| e.query.relevant[j].grade)
            .max();
        if rank < 12 || grade.is_some() {
            let v: Vec<String> = e.vectors[*i].iter().map(|x| format!("{x:.2}")).collect();
            println!(
                "  {rank:>3} bm25#{i:<3} g{} {s:.2} [{}] {}",
                grade.unwrap_or(0),
                v.join(" "),
                e.texts[*i].chars().take(50).collect::<String>()
            );
        }
    }
}
