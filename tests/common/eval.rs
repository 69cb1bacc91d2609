//! The judged dev sets of `../shared/eval` and the indexes they are judged
//! on: the seed corpus, indexed into a temp dir once per process, and the
//! aid subcorpus of `common::aid`. Shared by `tests/relevance.rs` and
//! `examples/fit_ranking.rs` (which includes this file and `aid.rs` by
//! path).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aidsearch::index::build::{reindex_with_options, ReindexOptions};
use aidsearch::search::rank::fit::Example;
use aidsearch::search::rank::judged::{self, JudgedQuery, Judgement};
use aidsearch::search::{candidates, Engine, LiveEngine};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/eval`.
pub fn eval_dir() -> PathBuf {
    project().join("../shared/eval")
}

/// Say why a set is missing: a skip message, or a failure under `CI=true`.
pub fn missing(what: &str) {
    let msg = format!("{what} (check out ../shared beside the project)");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    println!("skipped: {msg}");
}

/// A judged query file of `../shared/eval`, or None after [`missing`].
pub fn queries(name: &str) -> Option<Vec<JudgedQuery>> {
    let path = eval_dir().join(name);
    if !path.is_file() {
        missing(&format!("no judged queries at {}", path.display()));
        return None;
    }
    Some(judged::load(&path).unwrap_or_else(|e| panic!("{e}")))
}

struct Built {
    _dir: tempfile::TempDir,
    live: Arc<LiveEngine>,
}

/// Index `corpus` without mining its vocabulary: the mined model only
/// expands words that find (almost) nothing, which no dev query has
/// (RELEVANCE.md), and mining the aid subcorpus takes a debug build two
/// minutes.
fn build(corpus: &Path) -> Built {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("index");
    let options = ReindexOptions {
        mine: false,
        ..ReindexOptions::default()
    };
    reindex_with_options(corpus, &root, options, &|_| {}).expect("corpus indexes");
    let live = Arc::new(LiveEngine::open(&root).expect("index opens"));
    Built { _dir: dir, live }
}

/// The engine over the aid subcorpus (`common::aid`), opened once per process.
pub fn aid_engine() -> Option<Arc<Engine>> {
    static AID: OnceLock<Option<Arc<LiveEngine>>> = OnceLock::new();
    AID.get_or_init(|| {
        super::aid::index()
            .map(|aid| Arc::new(LiveEngine::open(&aid.root).expect("aid index opens")))
    })
    .as_ref()
    .map(|live| live.get())
}

/// The engine over the seed corpus (`corpus/`), built once per process.
pub fn seed_engine() -> Arc<Engine> {
    static SEED: OnceLock<Built> = OnceLock::new();
    SEED.get_or_init(|| build(&project().join("corpus")))
        .live
        .get()
}

/// The fitter's view of judged queries: each query's candidates with their
/// features and the judged paragraphs they match. Queries judged to have no
/// relevant paragraph are left out (nDCG says nothing of them).
pub fn examples(engine: &Engine, queries: &[JudgedQuery]) -> Vec<Example> {
    queries
        .iter()
        .filter(|q| !q.relevant.is_empty())
        .map(|q| {
            let found = candidates(engine, &q.request()).expect("candidates");
            Example {
                query: q.clone(),
                matched: found.iter().map(|c| q.matched(&c.text)).collect(),
                vectors: found.iter().map(|c| c.features).collect(),
                texts: found.into_iter().map(|c| c.text).collect(),
            }
        })
        .collect()
}

/// How many copied fragments the fitting harness checks its weights on,
/// and their seed: not the seed of `tests/substring.rs`.
pub const FIT_FRAGMENTS: usize = 200;
pub const FIT_FRAGMENT_SEED: u64 = 20_261_203;

/// Fragments of the aid subcorpus as judged queries (ids `f01`…, type
/// `fragment`): the paragraph holding the copied text is the one relevant.
pub fn fragment_queries(engine: &Engine) -> Vec<JudgedQuery> {
    let sources = super::paragraphs::stored_paragraphs(engine);
    let (drawn, _) = super::fragments::draw(&sources, FIT_FRAGMENTS, FIT_FRAGMENT_SEED);
    drawn
        .into_iter()
        .enumerate()
        .map(|(i, fragment)| JudgedQuery {
            id: format!("f{:02}", i + 1),
            query: fragment.text.clone(),
            filters: Default::default(),
            kind: "fragment".into(),
            relevant: vec![Judgement {
                key: fragment.text,
                grade: 2,
                alt_keys: Vec::new(),
            }],
        })
        .collect()
}

/// Both dev sets' examples, interleaved so that every fold of a
/// cross-validation holds queries of each.
pub fn dev_examples() -> Option<Vec<Example>> {
    let seed = examples(&seed_engine(), &queries("dev-queries.json")?);
    let aid_engine = aid_engine()?;
    let aid = examples(&aid_engine, &queries("aid-dev-queries.json")?);
    let mut out = Vec::new();
    let (mut a, mut b) = (seed.into_iter(), aid.into_iter());
    loop {
        match (a.next(), b.next(), b.next()) {
            (None, None, None) => break,
            (x, y, z) => out.extend([x, y, z].into_iter().flatten()),
        }
    }
    Some(out)
}

/// The copied fragments' examples, on the aid subcorpus.
pub fn fragment_examples() -> Option<Vec<Example>> {
    let engine = aid_engine()?;
    Some(examples(&engine, &fragment_queries(&engine)))
}

/// The project's own harder queries on the aid subcorpus, judged by reading
/// (`tests/fixtures/own-queries.json`, conventions beside it): never fitted
/// on, scored for every ranking change.
pub fn own_queries() -> Vec<JudgedQuery> {
    let path = project().join("tests/fixtures/own-queries.json");
    judged::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The second set of the project's own queries (`own-queries-2.json`, 20
/// queries of the dev set's kinds, judged by reading in session 11 before
/// any ranking was tuned with it).
pub fn own_queries_2() -> Vec<JudgedQuery> {
    let path = project().join("tests/fixtures/own-queries-2.json");
    judged::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The third set of the project's own queries (`own-queries-3.json`, 12
/// queries in everyday words where the reports say it officially, judged by
/// reading in session 15 before the vocabulary change measured on it).
pub fn own_queries_3() -> Vec<JudgedQuery> {
    let path = project().join("tests/fixtures/own-queries-3.json");
    judged::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The own queries' examples (both sets), on the aid subcorpus.
pub fn own_examples() -> Option<Vec<Example>> {
    let engine = aid_engine()?;
    let mut queries = own_queries();
    queries.extend(own_queries_2());
    Some(examples(&engine, &queries))
}

/// Which set a fitting example comes from, by its id: `seed`, `aid`,
/// `fragment`, `own`, `own 2` or `own 3`.
pub fn set_of(id: &str) -> &'static str {
    match id.chars().next() {
        Some('d') => "seed",
        Some('f') => "fragment",
        Some('o') => "own",
        Some('p') => "own 2",
        Some('s') => "own 3",
        _ => "aid",
    }
}
