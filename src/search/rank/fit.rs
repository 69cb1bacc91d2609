//! Fitting the reranker's weights: coordinate ascent on mean nDCG@10
//! (Metzler and Croft's line search, one weight at a time), and k-fold
//! cross-validation that reports the out-of-fold score: each query is scored
//! by weights fitted without it; and the choice of features by backward
//! elimination, which the harness scores by nested cross-validation. Pure
//! functions over feature vectors, so the fitting harness and the test that
//! checks it run the same code.

use super::judged::{JudgedQuery, Scores};
use super::{score, Feature, Vector};

/// One judged query's candidates, as the fitter sees them.
pub struct Example {
    pub query: JudgedQuery,
    /// Feature vectors of the candidates, in the BM25 pass's order.
    pub vectors: Vec<Vector>,
    /// The judged paragraphs each candidate matches.
    pub matched: Vec<Vec<usize>>,
    /// The candidates' texts, to read when a ranking surprises.
    pub texts: Vec<String>,
}

impl Example {
    /// The scores of the candidates ordered by `weights` (ties keep the
    /// BM25 order, as the search does).
    pub fn scores(&self, weights: &Vector) -> Scores {
        let mut order: Vec<(f32, usize)> = self
            .vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (score(weights, v), i))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let ranking: Vec<&[usize]> = order
            .iter()
            .take(super::judged::SCORED_HITS)
            .map(|&(_, i)| self.matched[i].as_slice())
            .collect();
        self.query.score(&ranking)
    }
}

/// Mean nDCG@10 of `weights` over `examples`.
pub fn mean_ndcg(examples: &[&Example], weights: &Vector) -> f64 {
    if examples.is_empty() {
        return 0.0;
    }
    examples
        .iter()
        .map(|e| e.scores(weights).ndcg10)
        .sum::<f64>()
        / examples.len() as f64
}

/// The weights the search had before any fitting: the BM25 pass alone.
pub fn baseline() -> Vector {
    let mut weights = [0.0; Feature::COUNT];
    weights[Feature::Base as usize] = 1.0;
    weights
}

/// Steps tried for each weight, relative to the scale of the base feature.
const STEPS: [f32; 12] = [
    -2.0, -1.0, -0.5, -0.25, -0.1, -0.05, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0,
];

/// A change must gain at least this much mean nDCG to be kept: smaller
/// gains on a few dozen queries are noise, and noise does not generalise.
const MIN_GAIN: f64 = 0.002;

/// Coordinate ascent from `start`: each pass tries every step on every
/// weight but the base (whose weight fixes the scale) and keeps the best
/// change of each weight; it stops when a pass changes nothing.
pub fn ascend(examples: &[&Example], start: Vector, passes: usize) -> Vector {
    ascend_within(examples, start, passes, &ALL_FEATURES)
}

/// Which features a fit may weigh (`true`), in [`Feature::ALL`] order.
pub type Mask = [bool; Feature::COUNT];

/// Every feature.
pub const ALL_FEATURES: Mask = [true; Feature::COUNT];

/// [`ascend`] over the features `mask` allows only (the others keep their
/// weight in `start`).
pub fn ascend_within(examples: &[&Example], start: Vector, passes: usize, mask: &Mask) -> Vector {
    let mut weights = start;
    let mut best = mean_ndcg(examples, &weights);
    for _ in 0..passes {
        let mut changed = false;
        for feature in Feature::ALL {
            if feature == Feature::Base || !mask[feature as usize] {
                continue;
            }
            let i = feature as usize;
            let mut chosen = None;
            for step in STEPS {
                let mut trial = weights;
                trial[i] += step;
                let value = mean_ndcg(examples, &trial);
                if value > best + MIN_GAIN && chosen.is_none_or(|(v, _)| value > v) {
                    chosen = Some((value, trial));
                }
            }
            if let Some((value, trial)) = chosen {
                best = value;
                weights = trial;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    weights
}

/// What cross-validation found.
pub struct CrossValidation {
    /// Each example's nDCG@10 under the weights fitted without its fold.
    pub out_of_fold: Vec<f64>,
    /// The weights fitted on each fold's complement.
    pub fold_weights: Vec<Vector>,
}

impl CrossValidation {
    pub fn mean(&self) -> f64 {
        self.out_of_fold.iter().sum::<f64>() / self.out_of_fold.len().max(1) as f64
    }
}

/// Passes of coordinate ascent per fit.
pub const PASSES: usize = 4;

/// `folds`-fold cross-validation: example `i` falls in fold `i % folds`
/// (the caller interleaves the sets, so each fold holds some of each).
pub fn cross_validate(examples: &[Example], folds: usize) -> CrossValidation {
    let refs: Vec<&Example> = examples.iter().collect();
    cross_validate_with(&refs, folds, |train| ascend(train, baseline(), PASSES))
}

/// `folds`-fold cross-validation of any way to fit (`fit` gets a fold's
/// complement and returns weights).
pub fn cross_validate_with(
    examples: &[&Example],
    folds: usize,
    mut fit: impl FnMut(&[&Example]) -> Vector,
) -> CrossValidation {
    let folds = folds.max(2);
    let mut out_of_fold = vec![0.0; examples.len()];
    let mut fold_weights = Vec::new();
    for fold in 0..folds {
        let train: Vec<&Example> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, e)| *e)
            .collect();
        let weights = fit(&train);
        for (i, example) in examples.iter().enumerate() {
            if i % folds == fold {
                out_of_fold[i] = example.scores(&weights).ndcg10;
            }
        }
        fold_weights.push(weights);
    }
    CrossValidation {
        out_of_fold,
        fold_weights,
    }
}

/// Backward elimination of features: from `start`, drop the feature whose
/// absence reads best by `inner_folds`-fold cross-validation on `examples`,
/// as long as that reads no worse than keeping it (fewer features win
/// ties). The base feature is never dropped.
pub fn select_features(examples: &[&Example], inner_folds: usize, start: &Mask) -> Mask {
    let score = |mask: &Mask| {
        cross_validate_with(examples, inner_folds, |train| {
            ascend_within(train, baseline(), PASSES, mask)
        })
        .mean()
    };
    let mut mask = *start;
    let mut current = score(&mask);
    loop {
        let mut best: Option<(f64, usize)> = None;
        for feature in Feature::ALL {
            let i = feature as usize;
            if feature == Feature::Base || !mask[i] {
                continue;
            }
            let mut trial = mask;
            trial[i] = false;
            let value = score(&trial);
            if value >= current && best.is_none_or(|(v, _)| value > v) {
                best = Some((value, i));
            }
        }
        match best {
            Some((value, i)) => {
                mask[i] = false;
                current = value;
            }
            None => return mask,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::judged::Judgement;
    use super::*;

    /// A query whose relevant paragraph is second by BM25 but first by
    /// coverage.
    fn example(id: usize) -> Example {
        let mut weak = baseline();
        weak[Feature::Coverage as usize] = 0.3;
        let mut strong = [0.0; Feature::COUNT];
        strong[Feature::Base as usize] = 0.9;
        strong[Feature::Coverage as usize] = 1.0;
        Example {
            query: JudgedQuery {
                id: format!("q{id}"),
                query: "q".into(),
                filters: Default::default(),
                kind: "keyword".into(),
                relevant: vec![Judgement {
                    key: "k".into(),
                    grade: 2,
                    alt_keys: vec![],
                }],
            },
            vectors: vec![weak, strong],
            matched: vec![vec![], vec![0]],
            texts: vec![String::new(); 2],
        }
    }

    #[test]
    fn ascent_finds_the_feature_that_orders_the_relevant_paragraph_first() {
        let examples: Vec<Example> = (0..6).map(example).collect();
        let refs: Vec<&Example> = examples.iter().collect();
        assert!(mean_ndcg(&refs, &baseline()) < 0.7);
        let fitted = ascend(&refs, baseline(), PASSES);
        assert!(fitted[Feature::Coverage as usize] > 0.0);
        assert!((mean_ndcg(&refs, &fitted) - 1.0).abs() < 1e-9);
        let cv = cross_validate(&examples, 3);
        assert_eq!(cv.fold_weights.len(), 3);
        assert!((cv.mean() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn selection_keeps_the_feature_that_orders_and_drops_the_idle_ones() {
        let mut examples: Vec<Example> = (0..6).map(example).collect();
        // A feature that says the same of every candidate cannot order them.
        for e in &mut examples {
            for v in &mut e.vectors {
                v[Feature::Lead as usize] = 0.5;
            }
        }
        let refs: Vec<&Example> = examples.iter().collect();
        let mask = select_features(&refs, 3, &ALL_FEATURES);
        assert!(mask[Feature::Base as usize]);
        assert!(mask[Feature::Coverage as usize]);
        assert!(!mask[Feature::Lead as usize]);
        let fitted = ascend_within(&refs, baseline(), PASSES, &mask);
        assert!((mean_ndcg(&refs, &fitted) - 1.0).abs() < 1e-9);
        // A fit confined to the base feature keeps the BM25 order.
        let mut only_base = [false; Feature::COUNT];
        only_base[Feature::Base as usize] = true;
        let bm25 = ascend_within(&refs, baseline(), PASSES, &only_base);
        assert_eq!(bm25, baseline());
    }
}
