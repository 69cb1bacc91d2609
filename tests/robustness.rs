//! Robustness: the server keeps answering while the index changes under it,
//! and no crash of a reindex loses the index that works (issue 8).
//!
//! - the per-request time budget cuts a search off with `query_timeout`;
//! - an incremental reindex gives the same documents as a full one;
//! - a reindex killed at any moment leaves the live generation serving, and
//!   the next reindex cleans up; a second reindex at once is refused;
//! - a request finishes on the generation it started on, even once pruned;
//! - the load and fault test: the real server on loopback under concurrent
//!   searches, through a good reindex and a reindex killed with SIGKILL.
//!
//! The binary is the one cargo builds for these tests
//! (`CARGO_BIN_EXE_aidsearch`); every child process is killed on drop.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use aidsearch::index::build::{
    reindex, reindex_incremental, stored_reports, ReindexLock, BUILDER_FILE,
};
use aidsearch::index::{current_generation, generation_dir, generations_on_disk};
use aidsearch::search::Engine;
use aidsearch::search::{self, SearchRequest};
use aidsearch::web::{app, AppState};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tantivy::schema::Document as _;
use tantivy::TantivyDocument;

const BIN: &str = env!("CARGO_BIN_EXE_aidsearch");

/// A word no seed report contains; the analyzer keeps ASCII words whole.
const MARKER: &str = "zqxmarker";

/// Copy the seed corpus into `dir` (as writable files: the originals may be
/// read-only).
fn copy_seed_corpus(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(common::corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(dir.join(path.file_name().unwrap()), bytes).unwrap();
        }
    }
}

// # The time budget

#[test]
fn a_search_past_its_time_budget_is_cut_off_with_query_timeout() {
    // One blocking thread, kept busy for a second: searches queue behind it
    // and overrun a 100 ms budget, deterministically (the budget counts the
    // wait for a thread too, as it does when the pool is saturated).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let state = AppState::with_budget(
            common::live(),
            4,
            Duration::from_secs(10),
            Duration::from_millis(100),
        );
        let busy = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(1)));
        let request = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
        let started = Instant::now();
        let (status, _, body) =
            common::send(app(state.clone()), request("/api/search?q=援藏")).await;
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
        assert_eq!(json["error"]["code"], "query_timeout", "{json}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains("took longer than 100 ms"), "{message}");

        // The page says so too, as a page.
        let (status, headers, body) = common::send(app(state.clone()), request("/?q=援藏")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(!String::from_utf8_lossy(&body).is_empty());
        // Both answered at their budget, not when the work could run.
        assert!(
            started.elapsed() < Duration::from_millis(800),
            "{:?}",
            started.elapsed()
        );

        // The cut-off searches keep their slots until they get a thread;
        // then they find their deadline passed, end at once and free them.
        assert!(state.search_slots.available_permits() < 4);
        busy.await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while state.search_slots.available_permits() < 4 {
            assert!(Instant::now() < deadline, "search slots never came back");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // With a free thread, the same search is answered.
        let (status, _, _) = common::send(app(state.clone()), request("/api/search?q=援藏")).await;
        assert_eq!(status, StatusCode::OK);
    });
}

#[tokio::test]
async fn the_budget_holds_the_slot_of_work_that_overruns_it() {
    let state = AppState::with_budget(
        common::live(),
        1,
        Duration::from_secs(10),
        Duration::from_millis(50),
    );
    let started = Instant::now();
    let slow = state
        .blocking(|_, _| {
            std::thread::sleep(Duration::from_millis(400));
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(
        (slow.status().as_u16(), slow.code.name()),
        (422, "query_timeout")
    );
    assert!(
        started.elapsed() < Duration::from_millis(350),
        "the answer waited for the work"
    );
    // The overrunning call still holds the only slot: a second call is refused.
    let refused = state.blocking(|_, _| Ok(())).await.unwrap_err();
    assert_eq!(
        (refused.status().as_u16(), refused.code.name()),
        (503, "overloaded")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(state.blocking(|_, _| Ok(())).await.is_ok());
}

// # Incremental reindex

/// Every stored document of the live generation, as JSON, by id.
fn documents(root: &Path) -> BTreeMap<String, serde_json::Value> {
    documents_in(&Engine::open(root).unwrap())
}

/// [`documents`] of one open generation.
fn documents_in(engine: &Engine) -> BTreeMap<String, serde_json::Value> {
    let schema = engine.index.schema();
    let searcher = engine.searcher();
    let mut docs = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let store = segment.get_store_reader(4).unwrap();
        for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
            let json: serde_json::Value =
                serde_json::from_str(&doc.unwrap().to_json(&schema)).unwrap();
            let id = json["id"][0].as_str().unwrap().to_string();
            assert!(docs.insert(id.clone(), json).is_none(), "duplicate {id}");
        }
    }
    docs
}

/// A temporary folder holding a copy of the seed corpus, and the path of an
/// index root named `index` inside it (not created).
fn seeded(index: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    copy_seed_corpus(&corpus);
    let root = tmp.path().join(index);
    (tmp, corpus, root)
}

/// `aidsearch reindex` of `corpus` into `root`, uncoloured.
fn reindex_command(corpus: &Path, root: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--color", "never", "reindex", "--corpus"])
        .arg(corpus)
        .arg("--index")
        .arg(root);
    command
}

/// Start `aidsearch reindex` of `corpus` into `root` as a child process.
fn spawn_reindex(corpus: &Path, root: &Path, stderr: Stdio) -> Child {
    reindex_command(corpus, root)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// A report added to the seed corpus by the incremental tests.
const NEW_REPORT: &str = "# 新的援藏报告\n\n2023年，山东省援建日喀则市桑珠孜区人民医院，投入资金1200万元。\n\n医疗人才组团式帮扶继续推进。\n";

/// The live generation's list of report titles.
fn live_titles(root: &Path) -> String {
    let g = current_generation(root).unwrap().unwrap();
    std::fs::read_to_string(generation_dir(root, g).join("titles.txt")).unwrap()
}

/// What a few searches answer: totals, facet counts, and the hits' ids.
fn answers(root: &Path) -> Vec<String> {
    let engine = Engine::open(root).unwrap();
    [
        "饮用水 检测",
        "医疗 人才",
        "\"饮用水\"",
        "电商",
        MARKER,
        "援藏",
        "",
    ]
    .iter()
    .map(|q| {
        let mut request = SearchRequest::query(q);
        request.per_page = 100;
        request.per_report = Some(0);
        let r = search::search(&engine, &request).unwrap();
        // Which of many equally ranked hits fill a page depends on the
        // order documents were written in: compare the hits when all fit.
        let mut ids: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
        ids.sort_unstable();
        if r.total > r.hits.len() as u64 {
            ids.clear();
        }
        format!(
            "{q}: total {} exact {} facets {:?} hits {ids:?}",
            r.total, r.exact_total, r.facets
        )
    })
    .collect()
}

#[test]
fn incremental_reindex_equals_a_full_reindex() {
    let (tmp, corpus, incremental) = seeded("incremental");
    reindex(&corpus, &incremental).unwrap();
    let before = documents(&incremental);

    // Nothing changed: every file is reused, the documents are the same.
    let same = reindex_incremental(&corpus, &incremental).unwrap();
    assert_eq!(same.full_because, None);
    assert_eq!(
        (same.files_reused, same.files_reingested, same.files_removed),
        (5, 0, 0)
    );
    assert_eq!(documents(&incremental), before);

    // One file edited, one sidecar edited, one file deleted, one file added.
    let edited = corpus.join("2020-lhasa-customs-poverty-alleviation.txt");
    let mut text = std::fs::read_to_string(&edited).unwrap();
    text.push_str(&format!("\n\n拉萨海关新增饮用水检测项目，标记{MARKER}。\n"));
    std::fs::write(&edited, text).unwrap();
    let sidecar = corpus.join("2022-chongqing-aid-cadres-chamdo.toml");
    let meta = std::fs::read_to_string(&sidecar).unwrap();
    std::fs::write(
        &sidecar,
        format!("{meta}\nsector = [\"教育\"]\n").replace("\n\n", "\n"),
    )
    .unwrap();
    std::fs::remove_file(corpus.join("2020-zibo-aid-team-ngamring.txt")).unwrap();
    std::fs::remove_file(corpus.join("2020-zibo-aid-team-ngamring.toml")).unwrap();
    std::fs::write(corpus.join("2023-new-report.md"), NEW_REPORT).unwrap();

    let summary = reindex_incremental(&corpus, &incremental).unwrap();
    assert_eq!(summary.full_because, None);
    assert_eq!(
        (
            summary.files_reused,
            summary.files_reingested,
            summary.files_removed
        ),
        (2, 3, 1),
        "{summary:?}"
    );
    assert_eq!(summary.build.files_read, 5);

    let full = tmp.path().join("full");
    let full_summary = reindex(&corpus, &full).unwrap();
    assert_eq!(summary.build.paragraphs, full_summary.paragraphs);
    assert_eq!(summary.build.reports, full_summary.reports);

    let (a, b) = (documents(&incremental), documents(&full));
    assert_eq!(a.len(), b.len());
    for (id, doc) in &b {
        assert_eq!(a.get(id), Some(doc), "document {id} differs");
    }
    assert!(a
        .keys()
        .all(|id| !id.starts_with("2020-zibo-aid-team-ngamring")));
    assert!(a.contains_key("2023-new-report#1"));
    assert!(a
        .values()
        .any(|d| d["text"][0].as_str().unwrap().contains(MARKER)));
    // The sidecar's new sector reached every paragraph of its report.
    assert!(a
        .iter()
        .filter(|(id, _)| id.starts_with("2022-chongqing-aid-cadres-chamdo#"))
        .all(|(_, d)| d["sector"].as_array().unwrap().iter().any(|s| s == "/教育")));

    // Indexed-only fields (context, lengths, sort keys) are rebuilt too: the
    // same searches give the same answers.
    assert_eq!(answers(&incremental), answers(&full));
    assert_eq!(live_titles(&incremental), live_titles(&full));

    // Reports read back from either index are the same.
    let reports = |root: &Path| {
        serde_json::to_value(stored_reports(&Engine::open(root).unwrap()).unwrap()).unwrap()
    };
    assert_eq!(reports(&incremental), reports(&full));
}

/// A small change is written on top of the live generation's segments: the
/// result equals a full reindex, and the generation it was built on stays
/// as it was (rollback still finds it whole).
#[test]
fn a_small_incremental_change_is_written_on_top_and_leaves_the_old_generation_whole() {
    let (tmp, corpus, root) = seeded("incremental");
    reindex(&corpus, &root).unwrap();
    let first = documents(&root);

    let added = corpus.join("2023-new-report.md");
    std::fs::write(&added, NEW_REPORT).unwrap();
    let summary = reindex_incremental(&corpus, &root).unwrap();
    assert!(summary.segments_reused, "{summary:?}");
    assert_eq!((summary.files_reused, summary.files_reingested), (5, 1));
    let with_added = documents(&root);
    assert!(with_added.len() > first.len());

    // The new report changes: its old paragraphs are deleted, the new added.
    std::fs::write(
        &added,
        format!("# 新的援藏报告\n\n2023年，医疗人才组团式帮扶继续推进，标记{MARKER}。\n"),
    )
    .unwrap();
    let summary = reindex_incremental(&corpus, &root).unwrap();
    assert!(summary.segments_reused, "{summary:?}");

    let full = tmp.path().join("full");
    reindex(&corpus, &full).unwrap();
    assert_eq!(documents(&root), documents(&full));
    assert_eq!(answers(&root), answers(&full));
    assert_eq!(live_titles(&root), live_titles(&full));
    assert!(documents(&root)
        .values()
        .any(|d| d["text"][0].as_str().unwrap().contains(MARKER)));

    // The generation it was built on is whole: the first reindex plus the
    // first version of the new report, none of the second.
    let live = current_generation(&root).unwrap().unwrap();
    let before = generation_dir(&root, live - 1);
    assert_eq!(
        documents_in(&Engine::open_dir(&before, live - 1).unwrap()),
        with_added
    );

    // Many changes at once go back to writing everything.
    for name in [
        "2020-lhasa-customs-poverty-alleviation.txt",
        "2020-tibet-daily-ecommerce-and-science.txt",
        "2022-chongqing-aid-cadres-chamdo.txt",
    ] {
        let path = corpus.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n\n补记。\n")).unwrap();
    }
    let summary = reindex_incremental(&corpus, &root).unwrap();
    assert!(!summary.segments_reused, "{summary:?}");
    reindex(&corpus, &full).unwrap();
    assert_eq!(documents(&root), documents(&full));
}

#[test]
fn incremental_reindex_reads_everything_when_another_build_made_the_index() {
    let (_tmp, corpus, root) = seeded("index");
    // No index yet: everything is read.
    let first = reindex_incremental(&corpus, &root).unwrap();
    assert!(first.full_because.unwrap().contains("no live generation"));
    assert_eq!(first.files_reingested, 5);
    // A generation stamped by another build of the program is not reused,
    // since its cleaning and labelling rules may differ.
    let live = generation_dir(&root, current_generation(&root).unwrap().unwrap());
    std::fs::write(live.join(BUILDER_FILE), "aidsearch 0.0.1 exe 1 1\n").unwrap();
    let second = reindex_incremental(&corpus, &root).unwrap();
    assert!(
        second
            .full_because
            .as_deref()
            .unwrap()
            .contains("another build"),
        "{second:?}"
    );
    assert_eq!((second.files_reused, second.files_reingested), (0, 5));
    // The new generation carries this build's stamp: the next one reuses it.
    let third = reindex_incremental(&corpus, &root).unwrap();
    assert_eq!((third.files_reused, third.full_because), (5, None));
}

#[test]
fn incremental_reindex_from_the_command_line() {
    let (_tmp, corpus, root) = seeded("index");
    let run = |extra: &[&str]| {
        let out = Command::new(BIN)
            .args(["--color", "never", "reindex", "--json", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(&root)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    run(&[]);
    std::fs::remove_file(corpus.join("2020-zibo-aid-team-ngamring.txt")).unwrap();
    let summary = run(&["--incremental"]);
    assert_eq!(summary["files_reused"], 4, "{summary}");
    assert_eq!(summary["files_removed"], 1, "{summary}");
    assert_eq!(summary["generation"], 2, "{summary}");
    assert!(summary["full_because"].is_null(), "{summary}");
}

// # Crashes and concurrent reindexes

/// Checks that the live generation opens, holds `paragraphs[generation]`
/// paragraphs when that is known, and answers a search.
fn assert_index_sound(root: &Path, paragraphs: &BTreeMap<u64, u64>) -> u64 {
    let engine = Engine::open(root).expect("the live generation opens");
    if let Some(expected) = paragraphs.get(&engine.generation) {
        assert_eq!(
            engine.num_docs(),
            *expected,
            "generation {}",
            engine.generation
        );
    }
    let r = search::search(&engine, &SearchRequest::query("援藏")).expect("search answers");
    assert!(r.total > 0);
    engine.generation
}

#[test]
fn a_reindex_killed_at_any_moment_leaves_the_live_generation_serving() {
    let (_tmp, corpus, root) = seeded("index");
    let first = reindex(&corpus, &root).unwrap();
    let mut paragraphs = BTreeMap::from([(first.generation, first.paragraphs as u64)]);
    // From here on, every generation has the extra paragraph.
    std::fs::write(
        corpus.join("extra.txt"),
        format!("新增报告，标记{MARKER}。\n"),
    )
    .unwrap();
    let spawn = || spawn_reindex(&corpus, &root, Stdio::null());
    // How long a whole reindex takes here, so the kills spread over all of
    // it: start-up, reading, writing, committing, verifying, switching, pruning.
    let started = Instant::now();
    assert!(spawn().wait().unwrap().success());
    let whole = started.elapsed();
    let generation = current_generation(&root).unwrap().unwrap();
    paragraphs.insert(generation, Engine::open(&root).unwrap().num_docs());
    let expected = paragraphs[&generation];

    let mut killed = 0;
    for step in 0..12u32 {
        let delay = whole * step / 10;
        let mut child = spawn();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.signal() == Some(9) {
            killed += 1;
        }
        let live = assert_index_sound(&root, &paragraphs);
        // Whatever generation is live now holds the whole corpus.
        if let std::collections::btree_map::Entry::Vacant(slot) = paragraphs.entry(live) {
            assert_eq!(Engine::open(&root).unwrap().num_docs(), expected);
            slot.insert(expected);
        }
        assert!(!root.join("CURRENT").exists() || current_generation(&root).is_ok());
    }
    assert!(
        killed >= 5,
        "only {killed} of 12 reindexes were killed before they ended"
    );

    // The next reindex cleans up whatever the killed ones left.
    let last = reindex(&corpus, &root).unwrap();
    assert_eq!(last.paragraphs as u64, expected);
    let on_disk = generations_on_disk(&root);
    assert_eq!(on_disk.len(), 2, "{on_disk:?}");
    assert_eq!(on_disk[1], last.generation);
    assert!(!root.join("CURRENT.tmp").exists());
    for g in on_disk {
        assert!(generation_dir(&root, g).join("meta.json").is_file());
    }
    println!("{killed} of 12 reindexes killed mid-way; the index stayed sound");
}

#[test]
fn a_second_reindex_at_once_is_refused_with_a_clear_message() {
    let (_tmp, corpus, root) = seeded("index");
    reindex(&corpus, &root).unwrap();
    let live = current_generation(&root).unwrap();
    {
        let _held = ReindexLock::acquire(&root).unwrap();
        let err = reindex(&corpus, &root).unwrap_err().to_string();
        assert!(err.contains("another reindex is running"), "{err}");
        let err = reindex_incremental(&corpus, &root).unwrap_err().to_string();
        assert!(err.contains("another reindex is running"), "{err}");
        let out = reindex_command(&corpus, &root).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("another reindex is running"), "{stderr}");
        assert!(stderr.contains("the live index is unchanged"), "{stderr}");
        assert_eq!(current_generation(&root).unwrap(), live);
    }
    // Two processes at once: each succeeds or is refused, never both refused,
    // and the index is sound after.
    let spawn = || spawn_reindex(&corpus, &root, Stdio::piped());
    let (a, b) = (spawn(), spawn());
    let outcomes: Vec<(bool, String)> = [a, b]
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        })
        .collect();
    assert!(outcomes.iter().any(|(ok, _)| *ok), "{outcomes:?}");
    for (ok, stderr) in &outcomes {
        assert!(
            *ok || stderr.contains("another reindex is running"),
            "{stderr}"
        );
    }
    assert_index_sound(&root, &BTreeMap::new());
    assert!(generations_on_disk(&root).len() <= 2);
}

#[test]
fn in_flight_requests_finish_on_their_generation_even_once_it_is_pruned() {
    let (_tmp, corpus, root) = seeded("index");
    reindex(&corpus, &root).unwrap();
    let live = aidsearch::search::LiveEngine::open(&root).unwrap();
    // A request takes its engine at its start...
    let in_flight = live.get();
    let before = search::search(&in_flight, &SearchRequest::query("援藏")).unwrap();
    // ...then two reindexes go live, and the second prunes its generation.
    std::fs::write(
        corpus.join("extra.txt"),
        format!("新增报告，标记{MARKER}。\n"),
    )
    .unwrap();
    let second = reindex(&corpus, &root).unwrap();
    assert_eq!(live.refresh().unwrap(), Some(second.generation));
    let third = reindex(&corpus, &root).unwrap();
    assert!(
        !generation_dir(&root, in_flight.generation).exists(),
        "pruned"
    );
    assert_eq!(live.refresh().unwrap(), Some(third.generation));
    // The request still finishes on the generation it started on: its files
    // are open, so removing the directory does not take them away.
    let after = search::search(&in_flight, &SearchRequest::query("援藏")).unwrap();
    assert_eq!(after.generation, in_flight.generation);
    assert_eq!((after.total, &after.hits), (before.total, &before.hits));
    let marker = search::search(&in_flight, &SearchRequest::query(MARKER)).unwrap();
    assert_eq!(marker.total, 0);
    // New requests see the new generation.
    let now = search::search(&live.get(), &SearchRequest::query(MARKER)).unwrap();
    assert_eq!((now.generation, now.total), (third.generation, 1));
}

// # Load and faults

/// A child process killed (SIGKILL) when dropped, passing or failing.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `aidsearch serve` on a free loopback port; returns the process and
/// its address once it listens. Its log lines about generations are kept.
fn start_server(index: &Path, corpus: &Path, log: Arc<Mutex<Vec<String>>>) -> (Killed, SocketAddr) {
    let mut child = Command::new(BIN)
        .args([
            "--color",
            "never",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--index",
        ])
        .arg(index)
        .arg("--corpus")
        .arg(corpus)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end so the server never blocks on a full pipe.
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving on http://").nth(1) {
                let addr: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
                let _ = tx.send(addr);
            }
            if line.contains("generation") || line.contains("WARN") || line.contains("ERROR") {
                log.lock().unwrap().push(line);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server starts within a minute");
    (child, addr.parse().unwrap())
}

/// One HTTP/1.1 GET over a fresh connection: status and body.
async fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The readiness API: the crate's tokio has no `io-util` feature.
    let mut sent = 0;
    while sent < request.len() {
        stream.writable().await?;
        match stream.try_write(&request.as_bytes()[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body).ok_or_else(|| bad("bad chunked body"))?;
    }
    Ok((status, String::from_utf8_lossy(&body).to_string()))
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

/// What one request gave.
struct Sample {
    at: Duration,
    latency: Duration,
    path: String,
    outcome: Result<u16, String>,
    /// `generation` and `total` of a JSON search answer.
    search: Option<(u64, u64)>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_holds_under_load_through_a_reindex_and_a_killed_one() {
    let (tmp, corpus, root) = seeded("index");
    let first = reindex(&corpus, &root).unwrap();
    // A corpus big enough that its reindex is still running when killed: the
    // seed reports 24 times over, under other names.
    let big = tmp.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for copy in 0..24 {
            std::fs::copy(&path, big.join(format!("copy{copy:02}-{name}"))).unwrap();
        }
    }

    let log = Arc::new(Mutex::new(Vec::new()));
    let (_server, addr) = start_server(&root, &corpus, log.clone());
    let started = Instant::now();

    // # The load: 8 clients, each over a mix of searches, pages and lookups.
    let marker_path = format!("/api/search?q={MARKER}");
    let paths: Vec<String> = [
        "/api/search?q=援藏".to_string(),
        format!(
            "/api/search?q={}&region={}",
            common::enc("医疗 人才"),
            common::enc("西藏自治区")
        ),
        format!("/api/search?q={}", common::enc("\"饮用水\" 检测")),
        "/api/search?q=&year=2020&page=2".to_string(),
        format!("/api/search?q={}&sort=date", common::enc("电商 OR 科技")),
        format!("/?q={}", common::enc("对口支援")),
        "/api/reports/2020-zibo-aid-team-ngamring".to_string(),
        "/api/facets".to_string(),
        format!("/api/suggest?q={}", common::enc("援")),
        marker_path.clone(),
    ]
    .into_iter()
    .map(|p| p.replace(' ', "%20"))
    .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..8 {
        let (paths, stop) = (paths.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = client;
            while !stop.load(Ordering::Relaxed) {
                let path = &paths[i % paths.len()];
                i += 1;
                let sent = Instant::now();
                let outcome = http_get(addr, path).await;
                let latency = sent.elapsed();
                let search = match &outcome {
                    Ok((200, body)) if path.starts_with("/api/search") => {
                        serde_json::from_str::<serde_json::Value>(body)
                            .ok()
                            .and_then(|v| Some((v["generation"].as_u64()?, v["total"].as_u64()?)))
                    }
                    _ => None,
                };
                samples.push(Sample {
                    at: sent.duration_since(started),
                    latency,
                    path: path.clone(),
                    outcome: outcome.map(|(s, _)| s).map_err(|e| e.to_string()),
                    search,
                });
            }
            samples
        }));
    }

    // # The faults, meanwhile.
    let faults = {
        let (corpus, root, big) = (corpus.clone(), root.clone(), big.clone());
        tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let marker_total = || {
                rt.block_on(http_get(addr, &format!("/api/search?q={MARKER}")))
                    .ok()
                    .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
                    .map(|v| {
                        (
                            v["generation"].as_u64().unwrap_or(0),
                            v["total"].as_u64().unwrap_or(0),
                        )
                    })
            };
            std::thread::sleep(Duration::from_secs(3));
            assert_eq!(marker_total().map(|(_, t)| t), Some(0), "the marker is new");

            // A good reindex, after a new report with the marker word arrives.
            std::fs::write(
                corpus.join("2025-new-marker-report.txt"),
                format!("负载测试期间新增的报告：{MARKER} 援藏项目验收。\n"),
            )
            .unwrap();
            let good_started = started.elapsed();
            let out = reindex_command(&corpus, &root).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The new generation goes live when the summary's time has
            // passed, before the command ends (the mined vocabulary is built
            // after the switch): no later than this, requests answer from
            // the old one.
            let to_switch: f64 = String::from_utf8_lossy(&out.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("reindex finished: generation "))
                .and_then(|l| l.split(" in ").nth(1)?.strip_suffix(" s")?.parse().ok())
                .expect("the summary says when the generation went live");
            let good_done = good_started + Duration::from_secs_f64(to_switch);
            let good_generation = current_generation(&root).unwrap().unwrap();
            let waited = Instant::now();
            let seen = loop {
                match marker_total() {
                    Some((g, t)) if t > 0 => break (g, waited.elapsed()),
                    _ if waited.elapsed() > Duration::from_secs(10) => {
                        panic!("the new generation was not served within 10 s")
                    }
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            };
            assert_eq!(seen.0, good_generation);

            // A reindex of a bigger corpus, killed with SIGKILL while it writes.
            let mut child = Command::new(BIN)
                .args(["--color", "never", "reindex", "--corpus"])
                .arg(&big)
                .arg("--index")
                .arg(&root)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stderr = child.stderr.take().unwrap();
            let mut child = Killed(child);
            let mut lines = BufReader::new(stderr).lines();
            let indexing = lines
                .by_ref()
                .map_while(Result::ok)
                .any(|l| l.contains("indexing"));
            assert!(indexing, "the big reindex never started writing");
            // Let it write segments of the new generation, then kill it.
            let partial = generation_dir(&root, good_generation + 1);
            let wait = Instant::now();
            while !partial.exists() && wait.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(150));
            child.0.kill().unwrap();
            let status = child.0.wait().unwrap();
            let killed_at = started.elapsed();
            assert_eq!(
                status.signal(),
                Some(9),
                "the big reindex ended before the kill"
            );
            let left_over = partial.exists();
            assert_eq!(current_generation(&root).unwrap(), Some(good_generation));
            // The old generation keeps serving, a while after the kill too.
            std::thread::sleep(Duration::from_secs(2));
            assert_eq!(marker_total(), Some((good_generation, 1)));
            (good_done, seen.1, good_generation, killed_at, left_over)
        })
    };
    let (good_done, seen_after, good_generation, killed_at, left_over) = faults.await.unwrap();

    // Keep the load on for at least 15 s in all.
    let rest = Duration::from_secs(15).saturating_sub(started.elapsed());
    tokio::time::sleep(rest).await;
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    let mut by_client = Vec::new();
    for client in clients {
        let s = client.await.unwrap();
        by_client.push(s.len());
        samples.extend(s);
    }
    let wall = started.elapsed();

    // # Figures.
    let failures: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.outcome.as_ref().map_or(true, |status| *status != 200))
        .collect();
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    latencies.sort();
    println!(
        "load: {} requests in {:.1} s from 8 clients ({:?} each), {:.0} req/s; \
         latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; errors {}",
        samples.len(),
        wall.as_secs_f64(),
        by_client,
        samples.len() as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        failures.len()
    );
    println!(
        "faults: good reindex (generation {} → {good_generation}) done at {:.1} s, marker served \
         {:.0} ms later; big reindex killed at {:.1} s (partial generation on disk: {left_over})",
        first.generation,
        good_done.as_secs_f64(),
        seen_after.as_secs_f64() * 1e3,
        killed_at.as_secs_f64()
    );
    for line in log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("switched"))
    {
        println!("server: {line}");
    }

    // # Assertions.
    for s in failures.iter().take(10) {
        eprintln!(
            "failed at {:.2} s: {} → {:?}",
            s.at.as_secs_f64(),
            s.path,
            s.outcome
        );
    }
    assert!(
        failures.is_empty(),
        "{} failed or non-200 requests",
        failures.len()
    );
    assert!(samples.len() > 100, "too little load: {}", samples.len());
    assert!(
        seen_after <= Duration::from_secs(2),
        "new generation after {seen_after:?}"
    );
    // Generations only move forward, and the marker once found stays found.
    let marker: Vec<&Sample> = samples.iter().filter(|s| s.path == marker_path).collect();
    // (A request sent after an answer from the new generation came back.)
    let first_found = marker
        .iter()
        .filter(|s| s.search.is_some_and(|(_, t)| t > 0))
        .map(|s| s.at + s.latency)
        .min()
        .expect("the marker was found under load");
    for s in &marker {
        let (generation, total) = s.search.unwrap();
        if s.at > first_found {
            assert_eq!((generation, total), (good_generation, 1), "at {:?}", s.at);
        }
        if s.at + s.latency < good_done {
            assert_eq!((generation, total), (first.generation, 0), "at {:?}", s.at);
        }
    }
    // After the kill, every search came from the good generation.
    let after_kill: Vec<u64> = samples
        .iter()
        .filter(|s| s.at > killed_at)
        .filter_map(|s| s.search.map(|(g, _)| g))
        .collect();
    assert!(!after_kill.is_empty());
    assert!(
        after_kill.iter().all(|g| *g == good_generation),
        "{after_kill:?}"
    );
    let warnings: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("ERROR") || l.contains("did not open"))
        .cloned()
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");

    // The next reindex cleans up the killed one's leftovers.
    let next = reindex(&corpus, &root).unwrap();
    let on_disk = generations_on_disk(&root);
    assert_eq!(on_disk, vec![good_generation, next.generation]);
    assert!(!root.join("CURRENT.tmp").exists());
}
