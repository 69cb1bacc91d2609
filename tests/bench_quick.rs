//! Quick mode of the scale benchmark (`benches/scale.rs`), run by `cargo test`
//! so the harness cannot rot: a 2% slice of `../shared/scale-corpus` goes
//! through the harness's own indexing, query and HTTP paths, and the results
//! are checked for correctness (counts, facets, a known phrase), not speed.
//! Skips, saying why, when the scale corpus is not there.

#[path = "../benches/common/mod.rs"]
mod bench;

use std::path::{Path, PathBuf};
use std::time::Duration;

use aidsearch::search::Engine;
use aidsearch::search::{search, SearchRequest};

/// Every 50th document: the 2% slice.
const EVERY: usize = 50;

fn corpus_or_skip() -> Option<PathBuf> {
    let dir = bench::corpus_dir();
    if bench::corpus_files(&dir).is_empty() {
        let msg = format!(
            "no *.jsonl.gz in {} (set {} to the scale corpus)",
            dir.display(),
            bench::CORPUS_ENV
        );
        // Under CI the scale corpus must be there: a missing one fails.
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return None;
    }
    Some(dir)
}

/// Three whole words in a row (at least six ideographs) from the first news
/// report that has them, and that report's id. Whole words, as staff quote
/// a phrase (a fragment that ends inside a word, `胡锦` of `胡锦涛`, is found
/// too: `tests/substring.rs`).
fn known_phrase(reports: &[aidsearch::labels::LabelledReport]) -> (String, String) {
    let cjk = |t: &aidsearch::tokenizer::Term| t.text.chars().all(aidsearch::normalize::is_cjk);
    for report in reports.iter().filter(|r| r.id.starts_with("xwlb-")) {
        for p in &report.paragraphs {
            let terms = aidsearch::tokenizer::analyze(&p.text, false);
            for w in terms.windows(3) {
                let adjacent = w[0].char_end == w[1].char_start && w[1].char_end == w[2].char_start;
                if adjacent && w.iter().all(cjk) && w[2].char_end - w[0].char_start >= 6 {
                    let phrase = p.text[w[0].byte_start..w[2].byte_end].to_string();
                    return (phrase, report.id.clone());
                }
            }
        }
    }
    panic!("no news report with three words in a row");
}

fn count(engine: &Engine, request: SearchRequest) -> u64 {
    search(engine, &request).expect("search answers").total
}

#[test]
fn two_percent_slice_indexes_searches_and_serves() {
    let Some(dir) = corpus_or_skip() else { return };
    let docs = bench::load_corpus(&dir, EVERY).expect("the scale corpus reads");
    let files = bench::corpus_files(&dir).len();
    // Every file gives its lines 0, 50, 100, …: about 2% of 74,569.
    assert!(
        (1400..1600).contains(&docs.len()),
        "{} documents from {files} files",
        docs.len()
    );
    assert!(bench::raw_paragraphs(&docs) > docs.len());

    let reports = bench::to_reports(&docs);
    let paragraphs = bench::paragraphs(&reports);
    let ids = bench::report_ids(&reports);
    // Cleaning keeps every document and most of its lines as paragraphs.
    assert!(ids.len() >= docs.len(), "{} reports", ids.len());
    let raw = bench::raw_paragraphs(&docs);
    assert!(
        paragraphs * 10 >= raw * 8 && paragraphs <= raw * 2,
        "{paragraphs} paragraphs from {raw} lines"
    );

    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("root");
    let generation = bench::make_root(&root).expect("index root");
    aidsearch::index::build::write_index(&generation, &reports).expect("the slice indexes");
    bench::publish_root(&root).expect("CURRENT written");

    let engine = Engine::open(&root).expect("the index opens");
    assert_eq!(engine.num_docs() as usize, paragraphs);
    let stats = aidsearch::search::stats(&engine).expect("stats");
    assert_eq!(stats.reports, ids.len());

    // Facet counts agree with the labels the reports were given.
    let labelled_2019 = reports
        .iter()
        .flat_map(|r| &r.labels)
        .filter(|l| l.year.contains(&2019))
        .count() as u64;
    assert!(labelled_2019 > 100, "{labelled_2019} paragraphs about 2019");
    let browse_2019 = SearchRequest {
        year: vec!["2019".to_string()],
        ..SearchRequest::default()
    };
    assert_eq!(count(&engine, browse_2019), labelled_2019);
    let in_tibet = reports
        .iter()
        .flat_map(|r| &r.labels)
        .filter(|l| l.region.iter().any(|r| r.starts_with("西藏自治区")))
        .count() as u64;
    let browse_tibet = SearchRequest {
        region: vec!["西藏自治区".to_string()],
        ..SearchRequest::default()
    };
    assert_eq!(count(&engine, browse_tibet), in_tibet);

    // A phrase from a known report finds that report.
    let (phrase, report_id) = known_phrase(&reports);
    let found = search(&engine, &SearchRequest::query(&format!("\"{phrase}\"")))
        .expect("phrase search answers");
    assert!(found.total >= 1, "{phrase}");
    assert!(
        found.hits.iter().any(|h| h.report.id == report_id),
        "{phrase} should find {report_id}: {:?}",
        found.hits.iter().map(|h| &h.report.id).collect::<Vec<_>>()
    );
    assert!(found.hits[0].snippet.contains("<mark>"));

    // The committed query set parses and every query answers; the zero-hit
    // ones find nothing and the topic words find something.
    let queries = bench::load_queries(&bench::queries_file()).expect("queries.txt parses");
    assert!(queries.len() >= 200);
    for kind in bench::KINDS {
        assert!(queries.iter().any(|q| q.kind == kind), "no {kind} query");
    }
    for q in &queries {
        let response =
            search(&engine, &q.request()).unwrap_or_else(|e| panic!("{}: {e}", q.line()));
        if q.kind == "zero-hit" {
            assert_eq!(response.total, 0, "{}", q.line());
        }
    }
    assert!(count(&engine, SearchRequest::query("扶贫")) > 0);

    // The straightforward indexer takes one document per line.
    let baseline = tmp.path().join("baseline");
    let added = bench::baseline_index(&baseline, &docs).expect("baseline indexes");
    assert_eq!(added, raw);

    http_checks(&root, &engine, &queries);
}

/// Serve the slice, check that HTTP answers as the library does, and run
/// the load generator briefly.
fn http_checks(root: &Path, engine: &Engine, queries: &[bench::QuerySpec]) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_aidsearch"));
    let log = root.join("serve.log");
    let probe = bench::QuerySpec::parse("one-word\t扶贫\t")
        .expect("probe")
        .path();
    let server = bench::Server::start(&binary, root, &log, &probe, Duration::from_secs(60))
        .unwrap_or_else(|e| {
            panic!(
                "serve starts: {e}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
    assert!(server.cold_start > 0.0);
    assert!(server.rss_mb().is_some_and(|mb| mb > 1.0));

    let mut conn = bench::HttpConn::connect(server.addr).expect("connects");
    for kind in bench::KINDS {
        let q = queries.iter().find(|q| q.kind == kind).expect("a query");
        let (status, body) = conn.get(&q.path()).expect("answers");
        assert_eq!(status, 200, "{}", q.line());
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json body");
        let expected = search(engine, &q.request()).expect("library answers").total;
        assert_eq!(json["total"].as_u64(), Some(expected), "{}", q.line());
    }
    let (status, _) = conn.get("/api/search?per_page=0").expect("answers");
    assert_eq!(status, 400);

    let paths: Vec<String> = queries.iter().take(40).map(|q| q.path()).collect();
    // Bounded by the request count; the duration is only a backstop.
    let load = bench::load(server.addr, &paths, 4, Duration::from_secs(300), 80);
    assert_eq!(load.errors, 0);
    assert_eq!(load.requests, 80);
    assert!(load.latency.p50 > 0.0 && load.latency.p99 >= load.latency.p50);
}

#[test]
fn percentiles_use_nearest_rank() {
    let seconds: Vec<f64> = (1..=100).map(|i| i as f64 / 1000.0).collect();
    let p = bench::percentiles(&seconds);
    assert_eq!(
        (p.n, p.p50, p.p95, p.p99, p.max),
        (100, 50.0, 95.0, 99.0, 100.0)
    );
    assert_eq!(bench::percentiles(&[]).n, 0);
}

#[test]
fn query_lines_round_trip() {
    let line = "filtered\t援藏 医疗\tregion=西藏自治区/日喀则市&year=2020";
    let q = bench::QuerySpec::parse(line).expect("parses");
    assert_eq!(q.line(), line);
    assert_eq!(q.request().region, vec!["西藏自治区/日喀则市"]);
    assert_eq!(q.request().year, vec!["2020"]);
    assert!(q.path().starts_with("/api/search?q=%E6%8F%B4"));
    assert!(bench::QuerySpec::parse("nonsense\tq\t").is_err());
    assert!(bench::QuerySpec::parse("browse\t\tcolour=red").is_err());
}
