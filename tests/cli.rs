//! The `aidsearch` binary, run as an operator would: on a temp corpus (two
//! seed reports and a scanned PDF it must skip) and a temp index.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const REPORTS: [&str; 2] = [
    "2020-zibo-aid-team-ngamring",
    "2022-chongqing-aid-cadres-chamdo",
];

/// A corpus of two seed reports (with sidecars) and a PDF with no text layer.
fn temp_corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for stem in REPORTS {
        for ext in ["txt", "toml"] {
            let name = format!("{stem}.{ext}");
            std::fs::copy(common::corpus_dir().join(&name), corpus.join(&name)).unwrap();
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats");
    std::fs::copy(fixtures.join("scan.pdf"), corpus.join("scan.pdf")).unwrap();
    corpus
}

/// The binary with no `AIDSEARCH_*` or colour settings inherited, and no
/// OCR: its tesseract is missing, so `scan.pdf` stays the skipped file
/// whatever the machine has installed (`tests/archive.rs` reads scans).
fn aidsearch() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aidsearch"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AIDSEARCH_") {
            command.env_remove(&key);
        }
    }
    command.env_remove("NO_COLOR").env("RUST_LOG", "info").env(
        "AIDSEARCH_TESSERACT",
        "/nonexistent/aidsearch-tests/tesseract",
    );
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&output.stdout)))
}

#[tokio::test]
async fn reindex_then_search_then_stats() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");

    // # Reindex, summary as JSON; stderr is not a terminal, so plain lines.
    let output = run(aidsearch()
        .args(["reindex", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index));
    let summary = json_of(&output);
    assert_eq!(summary["generation"], 1);
    assert_eq!(summary["files_read"], 2);
    assert_eq!(summary["reports"], 2);
    let paragraphs = summary["paragraphs"].as_u64().unwrap();
    assert!(paragraphs > 20, "{summary}");
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{summary}");
    assert_eq!(skipped[0]["file"], "scan.pdf");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("no text layer"),
        "{summary}"
    );
    for share in ["region", "sector", "year"] {
        let v = summary["coverage"][share].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v) && v > 0.5, "{share} coverage {v}");
    }
    assert!(summary["index_bytes"].as_u64().unwrap() > 10_000);
    assert!(summary["seconds"].as_f64().unwrap() > 0.0);
    let log = text(&output.stderr);
    assert!(log.contains("reindex: reading 3 files"), "{log}");
    assert!(log.contains("reindex: skipped scan.pdf"), "{log}");
    assert!(
        log.contains(&format!(
            "reindex: indexing {paragraphs} paragraphs into generation 1"
        )),
        "{log}"
    );
    assert!(
        !log.contains('\x1b'),
        "no escape codes off a terminal: {log}"
    );

    // # Search, as JSON: the same JSON the API answers.
    let output = run(aidsearch()
        .args(["search", "昂仁", "--json", "--per-page", "5", "--index"])
        .arg(&index));
    let mut cli = json_of(&output);
    let total = cli["total"].as_u64().unwrap();
    assert!(total > 0, "{cli}");
    let hits = cli["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    assert!(hits
        .iter()
        .all(|h| REPORTS.contains(&h["report"]["id"].as_str().unwrap())));
    assert!(hits[0]["snippet"].as_str().unwrap().contains("<mark>"));
    let live = std::sync::Arc::new(aidsearch::search::LiveEngine::open(&index).unwrap());
    let app = aidsearch::web::app(aidsearch::web::AppState::new(live));
    let request =
        axum::http::Request::get(format!("/api/search?q={}&per_page=5", common::enc("昂仁")))
            .body(axum::body::Body::empty())
            .unwrap();
    let (_, _, body) = common::send(app, request).await;
    let mut api: Value = serde_json::from_slice(&body).unwrap();
    cli["took_ms"] = Value::Null;
    api["took_ms"] = Value::Null;
    assert_eq!(cli, api, "CLI and API JSON differ");

    // # Search, as text: title, snippet with the match marked, facets.
    let output = run(aidsearch()
        .args(["search", "昂仁", "--per-page", "3", "--index"])
        .arg(&index));
    assert!(output.status.success());
    let out = text(&output.stdout);
    assert!(
        out.starts_with(&format!("{total} results for \"昂仁\"")),
        "{out}"
    );
    assert!(
        out.contains("[昂仁"),
        "matches marked without colour: {out}"
    );
    assert!(out.contains("地区 西藏自治区"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
    let output = run(aidsearch()
        .args(["search", "昂仁", "--color", "always", "--index"])
        .arg(&index));
    assert!(text(&output.stdout).contains("\x1b[1;33m昂仁"));

    // # Stats, with the index from the environment.
    let output = run(aidsearch().args(["stats"]).env("AIDSEARCH_INDEX", &index));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("generation") && l.ends_with(" 1")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("paragraphs") && l.ends_with(&format!(" {paragraphs}"))),
        "{out}"
    );
    assert!(
        out.contains("top region") && out.contains("西藏自治区"),
        "{out}"
    );
    let stats = json_of(&run(aidsearch()
        .args(["stats", "--json", "--index"])
        .arg(&index)));
    assert_eq!(stats["paragraphs"], paragraphs);
    assert_eq!(stats["reports"], 2);
    assert_eq!(stats["generation"], 1);

    // # A second reindex makes generation 2; rollback returns to 1.
    let summary = json_of(&run(aidsearch()
        .args(["reindex", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index)));
    assert_eq!(summary["generation"], 2);
    let output = run(aidsearch().args(["rollback", "--index"]).arg(&index));
    assert!(output.status.success());
    assert_eq!(
        text(&output.stdout).trim(),
        "rolled back from generation 2 to generation 1"
    );
}

/// `aidsearch reindex` of `corpus` into `index`.
fn reindex(corpus: &std::path::Path, index: &std::path::Path) -> std::process::Output {
    run(aidsearch()
        .args(["reindex", "--corpus"])
        .arg(corpus)
        .arg("--index")
        .arg(index))
}

/// `aidsearch search ""` (everything) on `index`, uncoloured, with `args`.
fn search_all(index: &std::path::Path, args: &[&str]) -> std::process::Output {
    run(aidsearch()
        .args(["--color", "never", "search", "", "--index"])
        .arg(index)
        .args(args))
}

#[test]
fn the_text_summary_is_a_table_with_skipped_files() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let output = reindex(&corpus, &dir.path().join("index"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(
        out.starts_with("reindex finished: generation 1 in "),
        "{out}"
    );
    for row in [
        "files read",
        "files skipped",
        "reports",
        "paragraphs",
        "index size",
        "time",
        "facet coverage",
        "region",
        "sector",
        "year",
        "skipped files",
    ] {
        assert!(out.contains(row), "no {row} in {out}");
    }
    assert!(out.contains("scan.pdf  pdf has no text layer"), "{out}");
}

/// Amounts as staff write them: `--min-funding 500万` is 5,000,000 yuan,
/// the text output writes amounts in 万元/亿元 as the page does (it printed
/// 38000万元 where the page showed 3.8亿元), and a word is a usage error.
#[test]
fn amounts_in_wan_and_yi_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");
    let output = reindex(&corpus, &index);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let search = |args: &[&str]| search_all(&index, args);
    let wan = json_of(&search(&["--min-funding", "500万", "--json"]));
    let plain = json_of(&search(&["--min-funding", "5000000", "--json"]));
    assert_eq!(wan["total"], plain["total"]);
    assert!(wan["total"].as_u64().unwrap() > 0, "{wan}");
    for hit in wan["hits"].as_array().unwrap() {
        let amounts = hit["funding"].as_array().unwrap();
        assert!(
            amounts.iter().all(|a| a.is_u64()),
            "whole yuan: {amounts:?}"
        );
        assert!(amounts.iter().any(|a| a.as_u64().unwrap() >= 5_000_000));
    }

    let output = search(&["--min-funding", "0.05亿"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    assert!(out.contains("min_funding=500万元"), "{out}");
    assert!(out.contains("万元"), "{out}");
    let long_wan = out.split("万元").any(|before| {
        before
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .count()
            >= 5
    });
    assert!(!long_wan, "10,000万元 or more is written in 亿元: {out}");

    let output = search(&["--min-funding", "很多"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("500万"),
        "{}",
        text(&output.stderr)
    );
}

/// A year range on the command line finds what the API finds for it, and
/// the header names it; a year that is no number is a usage error.
#[tokio::test]
async fn a_year_range_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");
    let output = reindex(&corpus, &index);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let search = |args: &[&str]| search_all(&index, args);
    let cli = json_of(&search(&[
        "--year-from",
        "2020",
        "--year-to",
        "2021",
        "--json",
    ]));
    let live = std::sync::Arc::new(aidsearch::search::LiveEngine::open(&index).unwrap());
    let app = aidsearch::web::app(aidsearch::web::AppState::new(live));
    let request = axum::http::Request::get("/api/search?q=&year=2020&year=2021")
        .body(axum::body::Body::empty())
        .unwrap();
    let (_, _, body) = common::send(app, request).await;
    let api: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(cli["total"], api["total"]);
    assert!(cli["total"].as_u64().unwrap() > 0, "{cli}");
    let out = text(&search(&["--year-from", "2020"]).stdout);
    assert!(out.contains("year_from=2020"), "{out}");
    assert_eq!(search(&["--year-to", "soon"]).status.code(), Some(2));
}

#[test]
fn the_report_view_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");
    let output = reindex(&corpus, &index);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let search = |args: &[&str]| search_all(&index, args);
    let reports = json_of(&search(&["--reports", "--json"]));
    let listed = reports["reports"].as_array().unwrap();
    assert_eq!(
        Some(listed.len() as u64),
        reports["report_total"].as_u64(),
        "{reports}"
    );
    let sum: u64 = listed.iter().map(|r| r["matching"].as_u64().unwrap()).sum();
    assert_eq!(sum, reports["total"].as_u64().unwrap());
    let out = text(&search(&["--reports"]).stdout);
    assert!(
        out.starts_with(&format!(
            "{} reports ({} paragraphs) for \"\"",
            listed.len(),
            reports["total"]
        )),
        "{out}"
    );
    let first = &listed[0];
    assert!(
        out.contains(&format!("{} matching paragraph", first["matching"])),
        "{out}"
    );
    assert!(
        out.contains(first["report"]["title"].as_str().unwrap()),
        "{out}"
    );
}

/// A sidecar with several mistakes names all of them in the skip reason,
/// so one edit fixes it (it named only the first).
#[test]
fn every_error_of_a_sidecar_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    std::fs::write(
        corpus.join(format!("{}.toml", REPORTS[0])),
        "titel = \"x\"\ndate = \"2020-13\"\n",
    )
    .unwrap();
    let output = reindex(&corpus, &dir.path().join("index"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    let line = out
        .lines()
        .find(|l| l.contains(&format!("{}.txt", REPORTS[0])))
        .unwrap_or_else(|| panic!("no skipped line for the report: {out}"));
    assert!(line.contains("bad sidecar"), "{line}");
    assert!(line.contains("unknown field `titel`"), "{line}");
    assert!(line.contains("date \"2020-13\""), "{line}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["search"],
        vec!["search", "x", "--per-page", "0"],
        vec!["search", "x", "--sort", "best"],
        vec!["search", "x", "--page", "abc"],
        vec!["serve", "--addr", "not-an-address"],
        vec!["reindx"],
        vec!["stats", "--colour"],
    ] {
        let output = run(aidsearch().args(&args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stderr).contains("Usage") || text(&output.stderr).contains("--help"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    // A search parameter the library refuses is a usage error too, named.
    let dir = tempfile::tempdir().unwrap();
    let output = run(aidsearch()
        .args(["search", "x", "--year", "20x0", "--index"])
        .arg(dir.path()));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("year"));
}

#[test]
fn a_missing_index_exits_1_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-index-here");
    for command in [vec!["search", "援藏"], vec!["stats"]] {
        let output = run(aidsearch().args(&command).arg("--index").arg(&missing));
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        let err = text(&output.stderr);
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains("no-index-here"), "{err}");
        assert!(err.contains("run `aidsearch reindex` first"), "{err}");
    }
    // An unreadable corpus is an error, and leaves no index behind.
    let output = run(aidsearch()
        .args(["reindex", "--corpus"])
        .arg(dir.path().join("no-corpus"))
        .arg("--index")
        .arg(&missing));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot read corpus folder"));
    assert!(!missing.join("CURRENT").exists());
}

#[test]
fn help_explains_flags_env_vars_and_exit_codes() {
    let output = run(aidsearch().arg("--help"));
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    assert!(help.contains("Exit codes: 0 ok, 1 error"), "{help}");
    for command in ["reindex", "serve", "search", "stats", "rollback", "facets"] {
        assert!(help.contains(command), "{command} in {help}");
    }
    let output = run(aidsearch().args(["search", "--help"]));
    let help = text(&output.stdout);
    for flag in [
        "--index",
        "--region",
        "--donor",
        "--sector",
        "--year",
        "--sort",
        "--per-page",
        "--json",
    ] {
        let line = help
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(flag))
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(line.contains("example"), "{flag} has an example: {line}");
        assert!(
            line.contains("env: AIDSEARCH_"),
            "{flag} has an env var: {line}"
        );
    }
}

/// Read the server's log lines on a thread, so the test can wait for one.
fn log_reader(stderr: std::process::ChildStderr) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_for(
    rx: &std::sync::mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    needle: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        seen.push(line.clone());
        if line.contains(needle) {
            return line;
        }
    }
    panic!("no log line with {needle:?}; saw:\n{}", seen.join("\n"));
}

#[cfg(unix)]
#[test]
fn serve_logs_each_request_and_finishes_in_flight_ones_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");
    // No index yet: serve builds it first.
    let mut child = aidsearch()
        .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = log_reader(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, "skipped corpus file");
    let serving = wait_for(&rx, &mut seen, "serving on http://");
    assert!(serving.contains("generation=1"), "{serving}");
    let addr = serving
        .split("serving on http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // One request, one log line with its id, status and latency.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let line = wait_for(&rx, &mut seen, "response");
    for part in [
        "id=req-1",
        "method=GET",
        "uri=/readyz",
        "status=200",
        "latency_ms=",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }

    // A request in flight when SIGTERM arrives still gets its answer.
    let body = r#"{"q": "昂仁"}"#.as_bytes();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(
            format!(
                "POST /api/search HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    stream.write_all(&body[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -TERM {}", child.id()))
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for(&rx, &mut seen, "shutting down");
    stream.write_all(&body[5..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"total\":"), "{response}");
    wait_for(&rx, &mut seen, "shut down cleanly");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// An emptied corpus folder used to blank the index. `reindex` refuses,
/// exits 1 and says what it found; `--allow-shrink` switches anyway.
#[test]
fn reindex_of_an_emptied_corpus_exits_1_unless_allowed_to_shrink() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");
    let summary = json_of(&run(aidsearch()
        .args(["reindex", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index)));
    let before = summary["paragraphs"].as_u64().unwrap();
    // Only the sidecars are left.
    for stem in REPORTS {
        std::fs::remove_file(corpus.join(format!("{stem}.txt"))).unwrap();
    }
    std::fs::remove_file(corpus.join("scan.pdf")).unwrap();
    for incremental in [false, true] {
        let mut command = aidsearch();
        command
            .args(["reindex", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(&index);
        if incremental {
            command.arg("--incremental");
        }
        let output = run(&mut command);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        let err = text(&output.stderr);
        for part in [
            "the live index is unchanged",
            "0 paragraphs from 0 files read (0 skipped)",
            &format!("live generation 1 holds {before}"),
            "--allow-shrink",
        ] {
            assert!(err.contains(part), "{part:?} in {err}");
        }
    }
    let stats = json_of(&run(aidsearch()
        .args(["stats", "--json", "--index"])
        .arg(&index)));
    assert_eq!(stats["paragraphs"], before);
    // `serve` does not build an empty first index either; it says how to.
    let output = run(aidsearch()
        .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("fresh")));
    assert_eq!(output.status.code(), Some(1));
    let err = text(&output.stderr);
    assert!(err.contains("aidsearch reindex --allow-shrink"), "{err}");
    let output = run(aidsearch()
        .args(["reindex", "--allow-shrink", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index));
    let summary = json_of(&output);
    assert_eq!(
        (
            summary["generation"].as_u64(),
            summary["paragraphs"].as_u64()
        ),
        (Some(2), Some(0))
    );
}

/// Rollback from the only generation says there is nothing to roll back to
/// (it said "internal error"); after a rollback the newer generation can be
/// listed and switched to again (issue #17).
#[test]
fn generations_are_listed_and_switched_and_rollback_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = temp_corpus(dir.path());
    let index = dir.path().join("index");
    let reindex = || {
        let out = run(aidsearch()
            .arg("reindex")
            .arg("--corpus")
            .arg(&corpus)
            .arg("--index")
            .arg(&index));
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    reindex();
    let out = run(aidsearch().args(["rollback", "--index"]).arg(&index));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("nothing to roll back to") && !err.contains("internal"),
        "{err}"
    );

    reindex();
    let out = run(aidsearch().args(["rollback", "--index"]).arg(&index));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = json_of(&run(aidsearch()
        .args(["generations", "--json", "--index"])
        .arg(&index)));
    let live: Vec<(u64, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["generation"].as_u64().unwrap(),
                g["live"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(live, vec![(1, true), (2, false)]);
    let table = text(&run(aidsearch().args(["generations", "--index"]).arg(&index)).stdout);
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with('1') && l.ends_with("← live")),
        "{table}"
    );

    let out = run(aidsearch()
        .args(["generations", "--use", "2", "--index"])
        .arg(&index));
    assert!(text(&out.stdout).contains("switched from generation 1 to generation 2"));
    assert_eq!(
        std::fs::read_to_string(index.join("CURRENT"))
            .unwrap()
            .trim(),
        "gen-2"
    );
    let out = run(aidsearch()
        .args(["generations", "--use", "9", "--index"])
        .arg(&index));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no generation 9"));
}
