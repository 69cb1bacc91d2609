//! The data files (dictionary, synonyms) are read at reindex time and
//! snapshotted into each generation, which is searched with its own copy.

use std::fs;
use std::path::Path;

use aidsearch::index::build::{
    reindex_incremental_with_options, reindex_with_options, ReindexOptions,
};
use aidsearch::index::generation_dir;
use aidsearch::search::{search, Engine, SearchRequest};
use tantivy::Term;

fn corpus(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("a.txt"),
        "对口支援工作组抵达青海玉树，开展藏青援助点建设。\n\n拉萨海关开展饮用水检测。\n",
    )
    .unwrap();
}

fn options(data: &Path) -> ReindexOptions {
    ReindexOptions {
        data: Some(data.to_path_buf()),
        ..ReindexOptions::default()
    }
}

fn hits(engine: &Engine, q: &str) -> u64 {
    search(engine, &SearchRequest::query(q)).unwrap().total
}

#[test]
fn an_edited_data_folder_changes_results_and_old_generations_keep_their_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus_dir, root, data) = (
        dir.path().join("corpus"),
        dir.path().join("index"),
        dir.path().join("data"),
    );
    corpus(&corpus_dir);
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("dict.txt"), "# none\n").unwrap();
    fs::write(data.join("synonyms.txt"), "# none yet\n").unwrap();
    let first = reindex_with_options(&corpus_dir, &root, options(&data), &|_| {}).unwrap();
    assert_eq!(first.data, data.display().to_string());
    let gen1 = Engine::open_dir(&generation_dir(&root, 1), 1).unwrap();
    assert_eq!(hits(&gen1, "援青"), 0, "nothing says 援青");

    // Staff add a related line and a dictionary word; a reindex, no rebuild.
    fs::write(data.join("synonyms.txt"), "援青 ~ 对口支援\n").unwrap();
    fs::write(data.join("dict.txt"), "藏青援助点\n").unwrap();
    reindex_with_options(&corpus_dir, &root, options(&data), &|_| {}).unwrap();
    let gen2 = Engine::open(&root).unwrap();
    assert_eq!(gen2.generation, 2);
    let response = search(&gen2, &SearchRequest::query("援青")).unwrap();
    assert_eq!(response.total, 1, "{response:?}");
    assert_eq!(response.expanded.len(), 1);
    assert_eq!(response.expanded[0].word, "援青");
    assert_eq!(response.expanded[0].also, vec!["对口支援"]);
    let json = serde_json::to_value(&response).unwrap();
    assert_eq!(json["expanded"][0]["also"][0], "对口支援");

    // The snapshot's dictionary segmented the index and segments queries.
    let df = |engine: &Engine, word: &str| {
        engine
            .searcher()
            .doc_freq(&Term::from_field_text(engine.fields.text, word))
            .unwrap()
    };
    assert_eq!(df(&gen2, "藏青援助点"), 1);
    assert_eq!(df(&gen1, "藏青援助点"), 0);
    assert_eq!(hits(&gen2, "藏青援助点"), 1);
    // Completion offers the generation's own dictionary words.
    let offered = |engine: &Engine| {
        aidsearch::search::complete::complete(engine, "藏青", 5, &Default::default())
            .into_iter()
            .any(|s| s.text == "藏青援助点")
    };
    assert!(offered(&gen2));
    assert!(!offered(&gen1));
    let snapshot = generation_dir(&root, 2).join("data");
    assert!(fs::read_to_string(snapshot.join("synonyms.txt"))
        .unwrap()
        .contains("援青"));

    // The old generation still searches with its own snapshot.
    let gen1 = Engine::open_dir(&generation_dir(&root, 1), 1).unwrap();
    assert_eq!(hits(&gen1, "援青"), 0);
    assert!(search(&gen1, &SearchRequest::query("援青"))
        .unwrap()
        .expanded
        .is_empty());

    // A changed dictionary is never written on top of segments cut with the old one.
    fs::write(data.join("dict.txt"), "藏青援助\n").unwrap();
    let incremental =
        reindex_incremental_with_options(&corpus_dir, &root, options(&data), &|_| {}).unwrap();
    assert!(!incremental.segments_reused);
    // The same dictionary again: only changed files are written.
    fs::write(corpus_dir.join("b.txt"), "日喀则市教育援藏项目顺利完工。\n").unwrap();
    let incremental =
        reindex_incremental_with_options(&corpus_dir, &root, options(&data), &|_| {}).unwrap();
    assert!(incremental.segments_reused);
}

#[test]
fn a_generation_without_a_snapshot_searches_with_the_built_in_data() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus_dir, root) = (dir.path().join("corpus"), dir.path().join("index"));
    corpus(&corpus_dir);
    let built =
        reindex_with_options(&corpus_dir, &root, ReindexOptions::default(), &|_| {}).unwrap();
    assert_eq!(built.data, "built-in");
    // An older build wrote no snapshot.
    fs::remove_dir_all(generation_dir(&root, 1).join("data")).unwrap();
    let engine = Engine::open(&root).unwrap();
    assert_eq!(
        engine.vocabulary.source(),
        &aidsearch::vocabulary::Source::BuiltIn
    );
    assert_eq!(hits(&engine, "饮用水检测"), 1);
}

#[test]
fn a_missing_data_folder_is_an_error_not_a_silent_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus_dir, root) = (dir.path().join("corpus"), dir.path().join("index"));
    corpus(&corpus_dir);
    let error = reindex_with_options(
        &corpus_dir,
        &root,
        options(&dir.path().join("no-such-data")),
        &|_| {},
    )
    .unwrap_err();
    assert!(error.to_string().contains("no-such-data"), "{error}");
}

/// A corpus that says 先天性心脏病 but never 先心病, and a data folder that
/// knows both words but pairs neither.
fn heart_index(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (corpus_dir, root, data) = (dir.join("corpus"), dir.join("index"), dir.join("data"));
    fs::create_dir_all(&corpus_dir).unwrap();
    let text: Vec<String> = (1..=6)
        .map(|i| format!("第{i}批先天性心脏病患儿在医院接受免费手术。"))
        .collect();
    fs::write(corpus_dir.join("a.txt"), text.join("\n\n")).unwrap();
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("dict.txt"), "先心病\n先天性心脏病\n").unwrap();
    fs::write(data.join("synonyms.txt"), "").unwrap();
    reindex_with_options(&corpus_dir, &root, options(&data), &|_| {}).unwrap();
    (root, data)
}

#[tokio::test]
async fn a_word_that_finds_nothing_finds_its_mined_long_form_and_says_so() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = heart_index(dir.path());
    let live = std::sync::Arc::new(aidsearch::search::LiveEngine::open(&root).unwrap());
    let response = search(&live.get(), &SearchRequest::query("先心病")).unwrap();
    assert_eq!(response.total, 6, "{response:?}");
    assert_eq!(response.expanded[0].also, vec!["先天性心脏病"]);
    // The page says so, from the same response; a zero-hit query is logged.
    let state = aidsearch::web::AppState::new(live);
    let log = dir.path().join("zero.log");
    let _ = state
        .zero_hits
        .set(aidsearch::web::zero_hits::ZeroHitLog::new(log.clone()));
    let app = aidsearch::web::app(state);
    let get = |uri: String| {
        let app = app.clone();
        async move {
            let response = app
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            String::from_utf8(body.to_vec()).unwrap()
        }
    };
    let page = get(format!("/?q={}", aidsearch::web::params::encode("先心病"))).await;
    assert!(page.contains("也搜索了：先心病 → 先天性心脏病"), "{page}");
    assert!(!log.exists(), "a query with hits is not logged");
    let api = get(format!(
        "/api/search?q={}",
        aidsearch::web::params::encode("元宇宙")
    ))
    .await;
    assert!(api.contains("\"total\":0"), "{api}");
    assert_eq!(
        aidsearch::web::zero_hits::read_queries(&log),
        vec!["元宇宙"]
    );
}

#[test]
fn synonyms_suggest_proposes_mined_pairs_and_never_a_rejected_one() {
    let dir = tempfile::tempdir().unwrap();
    let (root, data) = heart_index(dir.path());
    let log = dir.path().join("zero.log");
    aidsearch::web::zero_hits::ZeroHitLog::new(log.clone()).record("先心病 手术");
    let suggest = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_aidsearch"))
            .args(["synonyms", "suggest", "--index"])
            .arg(&root)
            .arg("--data")
            .arg(&data)
            .arg("--zero-hit-log")
            .arg(&log)
            .env_remove("AIDSEARCH_ZERO_HIT_LOG")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let printed = suggest();
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("先心病, 先天性心脏病  # 先心病 found nothing 1×")),
        "{printed}"
    );
    // Every line parses as a synonym line (the reason is a comment).
    let parsed = aidsearch::vocabulary::Synonyms::parse(&printed);
    assert!(parsed.pairs("先心病", "先天性心脏病"));
    fs::write(data.join("synonyms-rejected.txt"), "先心病, 先天性心脏病\n").unwrap();
    assert!(!suggest().contains("先心病, 先天性心脏病"));
}

#[test]
fn a_small_incremental_change_keeps_the_mined_vocabulary_a_large_one_mines_again() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus_dir, root) = (dir.path().join("corpus"), dir.path().join("index"));
    fs::create_dir_all(&corpus_dir).unwrap();
    for i in 0..30 {
        fs::write(
            corpus_dir.join(format!("r{i}.txt")),
            format!("第{i}批援藏干部在日喀则开展医疗帮扶。"),
        )
        .unwrap();
    }
    let first =
        reindex_with_options(&corpus_dir, &root, ReindexOptions::default(), &|_| {}).unwrap();
    assert!(!first.mining.unwrap().reused);
    fs::write(corpus_dir.join("r0.txt"), "拉萨海关开展饮用水检测。").unwrap();
    let small =
        reindex_incremental_with_options(&corpus_dir, &root, ReindexOptions::default(), &|_| {})
            .unwrap();
    assert!(small.segments_reused);
    assert!(small.build.mining.unwrap().reused);
    assert!(aidsearch::index::mined_model_path(&generation_dir(&root, 2)).is_file());
    for i in 0..10 {
        fs::write(
            corpus_dir.join(format!("r{i}.txt")),
            "日喀则市教育援藏项目顺利完工。",
        )
        .unwrap();
    }
    let large =
        reindex_incremental_with_options(&corpus_dir, &root, ReindexOptions::default(), &|_| {})
            .unwrap();
    assert!(!large.build.mining.unwrap().reused);
}
