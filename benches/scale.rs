//! The scale benchmark: indexing, search latency, HTTP throughput, server
//! memory and cold start over the 75,000-document scale corpus, with the
//! straightforward tantivy + tantivy-jieba indexer measured in the same run.
//!
//! ```text
//! cargo bench --bench scale                  # the whole run (a few minutes)
//! cargo bench --bench scale -- --quick       # a 2% slice, seconds
//! cargo bench --bench scale -- --gen-queries # rewrite benches/queries.txt
//! ```
//!
//! Options: `--rounds N` (indexing runs per indexer and slice, default 3),
//! `--passes N` (timed passes over the query set, default 5),
//! `--connections N` and `--http-secs S` (HTTP load, default 8 and 10),
//! `--only slice|full` (one corpus size). The corpus is read from
//! `$AIDSEARCH_SCALE_CORPUS`, else `../shared/scale-corpus`; without it the
//! bench says so and exits 0. Results are printed and written as JSON to
//! `target/tmp/scale-bench.json`.
//!
//! Every indexing run is a child process (this binary with `--child`), so
//! its peak memory (`VmHWM`) is its own and runs cannot warm each other.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aidsearch::search::Engine;
use serde::{Deserialize, Serialize};

use common::{Percentiles, QuerySpec};

/// Where the built indexes and the JSON results go.
fn work_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    gen_queries: bool,
    child: Option<String>,
    every: usize,
    out: Option<PathBuf>,
    rounds: usize,
    passes: usize,
    connections: usize,
    http_secs: f64,
    only: Option<String>,
    /// Queries and HTTP only, on our full-corpus index kept at this root
    /// (built there once if absent): for iterating on search.
    reuse: Option<PathBuf>,
}

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        gen_queries: false,
        child: None,
        every: 1,
        out: None,
        rounds: 3,
        passes: 5,
        connections: 8,
        http_secs: 10.0,
        only: None,
        reuse: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            // cargo bench passes `--bench` to harness-less targets.
            "--bench" => {}
            "--quick" => o.quick = true,
            "--gen-queries" => o.gen_queries = true,
            "--child" => o.child = Some(value("--child")?),
            "--every" => o.every = parse_num(&value("--every")?)?,
            "--out" => o.out = Some(PathBuf::from(value("--out")?)),
            "--rounds" => o.rounds = parse_num(&value("--rounds")?)?,
            "--passes" => o.passes = parse_num(&value("--passes")?)?,
            "--connections" => o.connections = parse_num(&value("--connections")?)?,
            "--http-secs" => {
                o.http_secs = value("--http-secs")?
                    .parse()
                    .map_err(|_| "--http-secs needs a number".to_string())?
            }
            "--only" => o.only = Some(value("--only")?),
            "--reuse" => o.reuse = Some(PathBuf::from(value("--reuse")?)),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if o.quick {
        o.rounds = 1;
        o.passes = 1;
        o.http_secs = o.http_secs.min(1.0);
    }
    Ok(o)
}

fn parse_num(text: &str) -> Result<usize, String> {
    text.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{text:?} is not a positive number"))
}

fn main() {
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let result = if let Some(which) = &options.child {
        child(which, &options)
    } else if options.gen_queries {
        generate_queries()
    } else {
        run(&options)
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

// ---------------------------------------------------------------------------
// Indexing, in a child process

/// One indexing run, as a child reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexRun {
    indexer: String,
    every: usize,
    docs: usize,
    text_bytes: usize,
    /// Index documents: cleaned paragraphs (ours) or `\n` lines (baseline).
    paragraphs: usize,
    /// Reading and parsing the gzipped JSON (not in `seconds`).
    load_seconds: f64,
    /// Loading dictionaries (not in `seconds`).
    warm_up_seconds: f64,
    /// Cleaning, splitting and labelling (ours only; in `seconds`).
    prepare_seconds: f64,
    /// Writing the index up to the last merge (in `seconds`).
    write_seconds: f64,
    seconds: f64,
    /// CPU time of all threads while indexing: steadier than wall time
    /// when other work shares the cores.
    cpu_seconds: f64,
    mb_per_s: f64,
    paragraphs_per_s: f64,
    /// Resident memory with the corpus loaded, before indexing.
    loaded_rss_mb: f64,
    /// Peak resident memory while indexing (corpus in memory included).
    peak_rss_mb: f64,
    index_mb: f64,
}

fn child(which: &str, o: &Options) -> Res<()> {
    let out = o.out.clone().ok_or("--child needs --out")?;
    let started = Instant::now();
    let docs = common::load_corpus(&common::corpus_dir(), o.every)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let warm_up_seconds = match which {
        "ours" => common::warm_up_product(),
        "baseline" => common::warm_up_baseline(),
        other => return Err(format!("unknown indexer {other:?}").into()),
    };
    let loaded_rss_mb = common::proc_status_kb(None, "VmRSS").unwrap_or(0) as f64 / 1024.0;
    common::reset_peak_rss();
    let cpu_started = common::cpu_seconds();
    let started = Instant::now();
    let (paragraphs, prepare_seconds) = if which == "ours" {
        let reports = common::to_reports(&docs);
        let prepare = started.elapsed().as_secs_f64();
        aidsearch::index::build::write_index(&out, &reports)?;
        (common::paragraphs(&reports), prepare)
    } else {
        (common::baseline_index(&out, &docs)?, 0.0)
    };
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = common::cpu_seconds() - cpu_started;
    let peak_rss_mb = common::proc_status_kb(None, "VmHWM").unwrap_or(0) as f64 / 1024.0;
    let text_bytes = common::text_bytes(&docs);
    let run = IndexRun {
        indexer: which.to_string(),
        every: o.every,
        docs: docs.len(),
        text_bytes,
        paragraphs,
        load_seconds,
        warm_up_seconds,
        prepare_seconds,
        write_seconds: seconds - prepare_seconds,
        seconds,
        cpu_seconds,
        mb_per_s: text_bytes as f64 / 1e6 / seconds,
        paragraphs_per_s: paragraphs as f64 / seconds,
        loaded_rss_mb,
        peak_rss_mb,
        index_mb: common::dir_bytes(&out) as f64 / 1e6,
    };
    println!("RESULT {}", serde_json::to_string(&run)?);
    Ok(())
}

/// Run one indexer in a child process, building into `out`.
fn index_in_child(which: &str, every: usize, out: &Path) -> Res<IndexRun> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    let output = Command::new(std::env::current_exe()?)
        .args(["--child", which, "--every", &every.to_string(), "--out"])
        .arg(out)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{which} indexing failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or("the child printed no result")?;
    Ok(serde_json::from_str(line)?)
}

/// Both indexers on one slice, `rounds` times, alternating which goes
/// first. Keeps the last index of ours at `keep`.
fn index_pair(
    every: usize,
    rounds: usize,
    work: &Path,
    keep: &Path,
) -> Res<Vec<(IndexRun, IndexRun)>> {
    let mut pairs = Vec::new();
    for round in 0..rounds {
        let ours_dir = work.join(format!("ours-{every}"));
        let base_dir = work.join(format!("baseline-{every}"));
        let (ours, base) = if round % 2 == 0 {
            let ours = index_in_child("ours", every, &ours_dir)?;
            (ours, index_in_child("baseline", every, &base_dir)?)
        } else {
            let base = index_in_child("baseline", every, &base_dir)?;
            (index_in_child("ours", every, &ours_dir)?, base)
        };
        eprintln!(
            "  round {}: ours {:.2} s ({:.1} MB/s, {:.2} CPU s), baseline {:.2} s ({:.1} MB/s, {:.2} CPU s), ratio {:.2}",
            round + 1,
            ours.seconds,
            ours.mb_per_s,
            ours.cpu_seconds,
            base.seconds,
            base.mb_per_s,
            base.cpu_seconds,
            base.seconds / ours.seconds
        );
        std::fs::remove_dir_all(&base_dir)?;
        if round + 1 == rounds {
            if keep.exists() {
                std::fs::remove_dir_all(keep)?;
            }
            std::fs::rename(&ours_dir, keep)?;
        } else {
            std::fs::remove_dir_all(&ours_dir)?;
        }
        pairs.push((ours, base));
    }
    Ok(pairs)
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Medians over rounds of one slice.
#[derive(Debug, Clone, Serialize)]
struct IndexSummary {
    slice: String,
    docs: usize,
    text_mb: f64,
    ours_paragraphs: usize,
    baseline_paragraphs: usize,
    ours_seconds: f64,
    ours_prepare_seconds: f64,
    ours_write_seconds: f64,
    baseline_seconds: f64,
    ours_mb_per_s: f64,
    baseline_mb_per_s: f64,
    ours_paragraphs_per_s: f64,
    baseline_paragraphs_per_s: f64,
    /// Median of the per-round ratios baseline time / our time (> 1: we are faster).
    speed_ratio: f64,
    ratios: Vec<f64>,
    ours_cpu_seconds: f64,
    baseline_cpu_seconds: f64,
    /// Median of the per-round ratios of CPU time.
    cpu_ratio: f64,
    ours_peak_rss_mb: f64,
    baseline_peak_rss_mb: f64,
    loaded_rss_mb: f64,
    ours_index_mb: f64,
    baseline_index_mb: f64,
    warm_up_seconds: f64,
    runs: Vec<(IndexRun, IndexRun)>,
}

fn summarize(slice: &str, runs: Vec<(IndexRun, IndexRun)>) -> IndexSummary {
    let m = |f: &dyn Fn(&(IndexRun, IndexRun)) -> f64| median(runs.iter().map(f).collect());
    let first = &runs[0];
    IndexSummary {
        slice: slice.to_string(),
        docs: first.0.docs,
        text_mb: first.0.text_bytes as f64 / 1e6,
        ours_paragraphs: first.0.paragraphs,
        baseline_paragraphs: first.1.paragraphs,
        ours_seconds: m(&|r| r.0.seconds),
        ours_prepare_seconds: m(&|r| r.0.prepare_seconds),
        ours_write_seconds: m(&|r| r.0.write_seconds),
        baseline_seconds: m(&|r| r.1.seconds),
        ours_mb_per_s: m(&|r| r.0.mb_per_s),
        baseline_mb_per_s: m(&|r| r.1.mb_per_s),
        ours_paragraphs_per_s: m(&|r| r.0.paragraphs_per_s),
        baseline_paragraphs_per_s: m(&|r| r.1.paragraphs_per_s),
        speed_ratio: m(&|r| r.1.seconds / r.0.seconds),
        ratios: runs.iter().map(|r| r.1.seconds / r.0.seconds).collect(),
        ours_cpu_seconds: m(&|r| r.0.cpu_seconds),
        baseline_cpu_seconds: m(&|r| r.1.cpu_seconds),
        cpu_ratio: m(&|r| r.1.cpu_seconds / r.0.cpu_seconds),
        ours_peak_rss_mb: m(&|r| r.0.peak_rss_mb),
        baseline_peak_rss_mb: m(&|r| r.1.peak_rss_mb),
        loaded_rss_mb: m(&|r| r.0.loaded_rss_mb),
        ours_index_mb: m(&|r| r.0.index_mb),
        baseline_index_mb: m(&|r| r.1.index_mb),
        warm_up_seconds: m(&|r| r.0.warm_up_seconds),
        runs,
    }
}

// ---------------------------------------------------------------------------
// Queries

#[derive(Debug, Clone, Serialize)]
struct QuerySummary {
    queries: usize,
    passes: usize,
    all: Percentiles,
    by_kind: Vec<(String, Percentiles)>,
    /// Queries of each kind that found nothing.
    empty_by_kind: Vec<(String, usize)>,
    /// The slowest queries: median ms over the passes, kind, query line.
    slowest: Vec<(f64, String, String)>,
    errors: Vec<String>,
}

/// Time every query of the set with the library's search function: one
/// warm-up pass, then `passes` timed passes.
fn bench_queries(engine: &Engine, queries: &[QuerySpec], passes: usize) -> QuerySummary {
    let mut errors = Vec::new();
    let mut empty: HashMap<&str, usize> = HashMap::new();
    for q in queries {
        match aidsearch::search::search(engine, &q.request()) {
            Ok(r) if r.total == 0 => *empty.entry(q.kind.as_str()).or_default() += 1,
            Ok(_) => {}
            Err(e) => errors.push(format!("{}: {e}", q.line())),
        }
    }
    let mut times: HashMap<&str, Vec<f64>> = HashMap::new();
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for _ in 0..passes {
        for (i, q) in queries.iter().enumerate() {
            let request = q.request();
            let t = Instant::now();
            let _ = aidsearch::search::search(engine, &request);
            let seconds = t.elapsed().as_secs_f64();
            times.entry(q.kind.as_str()).or_default().push(seconds);
            per_query[i].push(seconds);
        }
    }
    let mut slowest: Vec<(f64, String, String)> = queries
        .iter()
        .zip(per_query)
        .map(|(q, t)| (median(t) * 1000.0, q.kind.clone(), q.line()))
        .collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    slowest.truncate(12);
    let all: Vec<f64> = times.values().flatten().copied().collect();
    QuerySummary {
        queries: queries.len(),
        passes,
        all: common::percentiles(&all),
        by_kind: common::KINDS
            .iter()
            .map(|k| {
                (
                    k.to_string(),
                    common::percentiles(times.get(k).map_or(&[][..], |v| v)),
                )
            })
            .collect(),
        empty_by_kind: common::KINDS
            .iter()
            .map(|k| (k.to_string(), empty.get(k).copied().unwrap_or(0)))
            .collect(),
        slowest,
        errors,
    }
}

// ---------------------------------------------------------------------------
// HTTP

#[derive(Debug, Clone, Serialize)]
struct HttpSummary {
    /// Seconds from spawning `serve` to its first answered search, per start.
    cold_starts: Vec<f64>,
    cold_start: f64,
    /// One connection, one pass over the query set (after the first start),
    /// every request searched (`--cache-entries 0`).
    sequential: common::LoadResult,
    rss_after_warm_up_mb: f64,
    rss_after_load_mb: f64,
    /// The closed-loop load, every request searched.
    load: common::LoadResult,
    /// Server CPU milliseconds per request during that load (all threads).
    load_cpu_ms_per_request: f64,
    /// The same load on a server with its default response memory, after
    /// one pass over the set: every request is a repeat.
    load_remembered: common::LoadResult,
    rss_after_remembered_load_mb: f64,
}

fn bench_http(root: &Path, queries: &[QuerySpec], o: &Options) -> Res<HttpSummary> {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_aidsearch"));
    let log = work_root().join("scale-bench-serve.log");
    let probe = QuerySpec::parse("one-word\t扶贫\t")?.path();
    let starts = if o.quick { 1 } else { 3 };
    let start = |args: &[&str]| {
        common::Server::start_with(&binary, root, &log, &probe, Duration::from_secs(120), args)
    };
    let mut cold_starts = Vec::new();
    let mut server = None;
    for _ in 0..starts {
        drop(server.take());
        let s = start(&["--cache-entries", "0"])?;
        cold_starts.push(s.cold_start);
        server = Some(s);
    }
    let server = server.ok_or("no server")?;
    let paths: Vec<String> = queries.iter().map(QuerySpec::path).collect();
    let one_pass = |addr| common::load(addr, &paths, 1, Duration::from_secs(600), paths.len());
    let sequential = one_pass(server.addr);
    let rss_after_warm_up_mb = server.rss_mb().unwrap_or(0.0);
    let duration = Duration::from_secs_f64(o.http_secs);
    let cpu_before = server.cpu_seconds();
    let load = common::load(server.addr, &paths, o.connections, duration, usize::MAX);
    let load_cpu_ms_per_request =
        (server.cpu_seconds() - cpu_before) * 1000.0 / load.requests.max(1) as f64;
    let rss_after_load_mb = server.rss_mb().unwrap_or(0.0);
    drop(server);

    let server = start(&[])?;
    let _ = one_pass(server.addr);
    let load_remembered = common::load(server.addr, &paths, o.connections, duration, usize::MAX);
    let rss_after_remembered_load_mb = server.rss_mb().unwrap_or(0.0);
    Ok(HttpSummary {
        cold_start: median(cold_starts.clone()),
        cold_starts,
        sequential,
        rss_after_warm_up_mb,
        rss_after_load_mb,
        load,
        load_cpu_ms_per_request,
        load_remembered,
        rss_after_remembered_load_mb,
    })
}

// ---------------------------------------------------------------------------
// The whole run

#[derive(Debug, Clone, Serialize)]
struct Machine {
    cpus: usize,
    cpu_model: String,
    memory_gb: f64,
    kernel: String,
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model: cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default(),
        memory_gb: meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0 / 1024.0),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[derive(Debug, Clone, Serialize)]
struct Results {
    machine: Machine,
    indexing: Vec<IndexSummary>,
    queries: QuerySummary,
    http: HttpSummary,
}

fn run(o: &Options) -> Res<()> {
    let corpus = common::corpus_dir();
    if common::corpus_files(&corpus).is_empty() {
        println!(
            "scale bench skipped: no *.jsonl.gz in {} (set {} to the scale corpus)",
            corpus.display(),
            common::CORPUS_ENV
        );
        return Ok(());
    }
    let queries = common::load_queries(&common::queries_file())?;
    let work = tempfile::Builder::new()
        .prefix("scale-bench-")
        .tempdir_in(work_root())?;
    if let Some(root) = &o.reuse {
        let live = aidsearch::index::generation_dir(root, 1);
        if !live.join("meta.json").exists() {
            eprintln!("building the full-corpus index at {} once…", live.display());
            common::make_root(root)?;
            let every = if o.quick { 50 } else { 1 };
            let built = work.path().join("built");
            index_in_child("ours", every, &built)?;
            std::fs::remove_dir_all(&live)?;
            std::fs::rename(&built, &live)?;
            common::publish_root(root)?;
        }
        return queries_and_http(o, &queries, root, &live, Vec::new());
    }
    let root = work.path().join("root");
    let live = common::make_root(&root)?;
    let mut slices: Vec<(&str, usize)> = if o.quick {
        vec![("2% slice", 50)]
    } else {
        vec![("10% slice", 10), ("full corpus", 1)]
    };
    match o.only.as_deref() {
        Some("slice") => slices.retain(|s| s.1 != 1),
        Some("full") if !o.quick => slices.retain(|s| s.1 == 1),
        _ => {}
    }
    let mut indexing = Vec::new();
    for (name, every) in slices {
        eprintln!("indexing the {name} ({} rounds)…", o.rounds);
        let runs = index_pair(every, o.rounds, work.path(), &live)?;
        indexing.push(summarize(name, runs));
    }
    common::publish_root(&root)?;
    queries_and_http(o, &queries, &root, &live, indexing)
}

/// The query and HTTP parts of a run, on the index at `root`, then the report.
fn queries_and_http(
    o: &Options,
    queries: &[QuerySpec],
    root: &Path,
    live: &Path,
    indexing: Vec<IndexSummary>,
) -> Res<()> {
    eprintln!("queries: {} × {} passes…", queries.len(), o.passes);
    let engine = Engine::open_dir(live, 1)?;
    let query_summary = bench_queries(&engine, queries, o.passes);
    drop(engine);

    eprintln!("http: {} connections for {} s…", o.connections, o.http_secs);
    let http = bench_http(root, queries, o)?;

    let results = Results {
        machine: machine(),
        indexing,
        queries: query_summary,
        http,
    };
    print_results(&results);
    let json = work_root().join("scale-bench.json");
    std::fs::write(&json, serde_json::to_string_pretty(&results)?)?;
    println!("\nfull results: {}", json.display());
    if !results.queries.errors.is_empty() {
        return Err(format!("{} queries failed", results.queries.errors.len()).into());
    }
    let http = &results.http;
    if http.load.errors + http.sequential.errors + http.load_remembered.errors > 0 {
        return Err("some http requests failed".into());
    }
    Ok(())
}

fn print_results(r: &Results) {
    let m = &r.machine;
    println!(
        "\nmachine: {} cpus, {}, {:.1} GiB, linux {}",
        m.cpus, m.cpu_model, m.memory_gb, m.kernel
    );
    println!("\n## indexing (median of rounds; time excludes reading the gzipped JSON and loading dictionaries)\n");
    println!("| slice | docs | text MB | indexer | index docs | seconds | CPU s | MB/s | paragraphs/s | peak RSS MB | index MB |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for s in &r.indexing {
        println!(
            "| {} | {} | {:.1} | aidsearch | {} | {:.2} (prepare {:.2} + write {:.2}) | {:.2} | {:.1} | {:.0} | {:.0} | {:.0} |",
            s.slice, s.docs, s.text_mb, s.ours_paragraphs, s.ours_seconds, s.ours_prepare_seconds,
            s.ours_write_seconds, s.ours_cpu_seconds, s.ours_mb_per_s, s.ours_paragraphs_per_s, s.ours_peak_rss_mb, s.ours_index_mb
        );
        println!(
            "| {} | {} | {:.1} | straightforward | {} | {:.2} | {:.2} | {:.1} | {:.0} | {:.0} | {:.0} |",
            s.slice, s.docs, s.text_mb, s.baseline_paragraphs, s.baseline_seconds, s.baseline_cpu_seconds, s.baseline_mb_per_s,
            s.baseline_paragraphs_per_s, s.baseline_peak_rss_mb, s.baseline_index_mb
        );
    }
    println!();
    for s in &r.indexing {
        let ratios: Vec<String> = s.ratios.iter().map(|x| format!("{x:.2}")).collect();
        println!(
            "speed ratio, {}: {:.2}× the straightforward indexer (rounds: {}; in CPU time {:.2}×; corpus in memory before indexing: {:.0} MB)",
            s.slice,
            s.speed_ratio,
            ratios.join(", "),
            s.cpu_ratio,
            s.loaded_rss_mb
        );
    }
    let q = &r.queries;
    println!(
        "\n## library search ({} queries × {} passes, facets and snippets)\n",
        q.queries, q.passes
    );
    println!("| kind | n | p50 ms | p95 ms | p99 ms | max ms | no hits |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let empty: HashMap<&str, usize> = q
        .empty_by_kind
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    for (kind, p) in &q.by_kind {
        println!(
            "| {kind} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            p.n,
            p.p50,
            p.p95,
            p.p99,
            p.max,
            empty.get(kind.as_str()).unwrap_or(&0)
        );
    }
    println!(
        "| **all** | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
        q.all.n,
        q.all.p50,
        q.all.p95,
        q.all.p99,
        q.all.max,
        empty.values().sum::<usize>()
    );
    println!("\nmean {:.2} ms; slowest queries (median ms):", q.all.mean);
    for (ms, kind, line) in &q.slowest {
        println!("  {ms:6.2}  {kind:10}  {line}");
    }
    for e in &q.errors {
        println!("error: {e}");
    }
    let h = &r.http;
    println!("\n## server\n");
    let starts: Vec<String> = h.cold_starts.iter().map(|s| format!("{s:.2}")).collect();
    println!(
        "cold start (spawn → first answered search): {:.2} s (starts: {})",
        h.cold_start,
        starts.join(", ")
    );
    println!(
        "one connection, one pass: {} requests, p50 {:.2} ms, p99 {:.2} ms",
        h.sequential.requests, h.sequential.latency.p50, h.sequential.latency.p99
    );
    for (what, load) in [
        ("every request searched", &h.load),
        ("repeats answered from memory", &h.load_remembered),
    ] {
        println!(
            "load, {} connections for {:.1} s, {what}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            load.connections,
            load.seconds,
            load.requests_per_second,
            load.latency.p50,
            load.latency.p99,
            load.errors
        );
    }
    println!(
        "server CPU per searched request under that load: {:.2} ms",
        h.load_cpu_ms_per_request
    );
    println!(
        "server RSS: {:.0} MB after warm-up, {:.0} MB after load, {:.0} MB after the load with memory",
        h.rss_after_warm_up_mb, h.rss_after_load_mb, h.rss_after_remembered_load_mb
    );
    let _ = std::io::stdout().flush();
}

// ---------------------------------------------------------------------------
// Generating the query set (run once; the file is committed)

/// A small deterministic generator (splitmix64), so the set is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn is_cjk_word(word: &str) -> bool {
    let n = word.chars().count();
    (2..=4).contains(&n) && word.chars().all(aidsearch::normalize::is_cjk)
}

/// Write `benches/queries.txt` from the corpus's own vocabulary and labels.
fn generate_queries() -> Res<()> {
    let dir = common::corpus_dir();
    let docs = common::load_corpus(&dir, 1)?;
    let sample: Vec<common::RawDoc> = docs.iter().step_by(20).cloned().collect();
    let reports = common::to_reports(&sample);
    let labelled: Vec<(&aidsearch::corpus::Paragraph, &aidsearch::labels::Labels)> = reports
        .iter()
        .flat_map(|r| r.paragraphs())
        .filter(|(p, _)| {
            p.kind == aidsearch::corpus::ParagraphKind::Paragraph && p.text.chars().count() >= 20
        })
        .collect();
    let paragraphs: Vec<&aidsearch::corpus::Paragraph> = labelled.iter().map(|(p, _)| *p).collect();
    // Document frequency of the words of the default cut.
    let mut df: HashMap<String, usize> = HashMap::new();
    let mut cuts = Vec::with_capacity(paragraphs.len());
    for p in &paragraphs {
        let terms = aidsearch::tokenizer::analyze(&p.text, false);
        let mut seen: Vec<&str> = terms
            .iter()
            .map(|t| t.text.as_str())
            .filter(|w| is_cjk_word(w))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w.to_string()).or_default() += 1;
        }
        cuts.push(terms);
    }
    let mut vocab: Vec<(String, usize)> = df.into_iter().collect();
    vocab.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rank: HashMap<&str, usize> = vocab
        .iter()
        .enumerate()
        .map(|(i, (w, _))| (w.as_str(), i))
        .collect();
    let mut rng = Rng(0x5EED_2024);
    let mut out: Vec<QuerySpec> = Vec::new();
    let mut seen_lines = std::collections::HashSet::new();
    let mut push = |out: &mut Vec<QuerySpec>, spec: QuerySpec| {
        if seen_lines.insert(spec.line()) {
            out.push(spec);
        }
    };
    let spec = |kind: &str, q: String, filters: Vec<(String, String)>| QuerySpec {
        kind: kind.to_string(),
        q,
        filters,
    };
    let count = |out: &Vec<QuerySpec>, kind: &str| out.iter().filter(|s| s.kind == kind).count();

    // One word: frequent, middling and rare words.
    for (from, to, n) in [(0, 300, 20), (300, 3000, 25), (3000, 15000, 15)] {
        let to = to.min(vocab.len());
        let target = count(&out, "one-word") + n;
        while count(&out, "one-word") < target {
            let w = vocab[from + rng.below(to - from)].0.clone();
            push(&mut out, spec("one-word", w, vec![]));
        }
    }
    // The topics the product is for, as the corpus README counts them.
    for topic in [
        "扶贫",
        "脱贫攻坚",
        "精准扶贫",
        "乡村振兴",
        "对口支援",
        "援藏",
        "援疆",
        "政府工作报告",
    ] {
        push(&mut out, spec("one-word", topic.to_string(), vec![]));
    }
    // Content words of a random paragraph, not too rare to be typed.
    let words_of = |i: usize| -> Vec<String> {
        let mut words: Vec<String> = cuts[i]
            .iter()
            .map(|t| t.text.clone())
            .filter(|w| {
                is_cjk_word(w)
                    && rank
                        .get(w.as_str())
                        .is_some_and(|r| (20..20000).contains(r))
            })
            .collect();
        words.dedup();
        words
    };
    while count(&out, "multi-word") < 40 {
        let words = words_of(rng.below(paragraphs.len()));
        if words.len() < 4 {
            continue;
        }
        let k = 2 + rng.below(2);
        let mut picked: Vec<String> = Vec::new();
        while picked.len() < k {
            let w = words[rng.below(words.len())].clone();
            if !picked.contains(&w) {
                picked.push(w);
            }
        }
        push(&mut out, spec("multi-word", picked.join(" "), vec![]));
    }
    // Phrases: two or three adjacent words, quoted.
    while count(&out, "phrase") < 30 {
        let i = rng.below(paragraphs.len());
        let terms = &cuts[i];
        if terms.len() < 4 {
            continue;
        }
        let k = 2 + rng.below(2);
        let start = rng.below(terms.len() - k);
        let span = &terms[start..start + k];
        let adjacent = span.windows(2).all(|w| w[0].char_end == w[1].char_start);
        if !adjacent || !span.iter().all(|t| is_cjk_word(&t.text)) {
            continue;
        }
        let text = &paragraphs[i].text[span[0].byte_start..span[k - 1].byte_end];
        push(&mut out, spec("phrase", format!("\"{text}\""), vec![]));
    }
    // Facet filters taken from a paragraph's own labels.
    let filters_of = |rng: &mut Rng, labels: &aidsearch::labels::Labels| -> Vec<(String, String)> {
        let mut options: Vec<(String, String)> = Vec::new();
        options.extend(
            labels
                .region
                .iter()
                .map(|v| ("region".to_string(), v.clone())),
        );
        options.extend(
            labels
                .sector
                .iter()
                .map(|v| ("sector".to_string(), v.clone())),
        );
        options.extend(
            labels
                .year
                .iter()
                .map(|v| ("year".to_string(), v.to_string())),
        );
        let mut picked = Vec::new();
        if options.is_empty() {
            return picked;
        }
        let n = 1 + rng.below(2).min(options.len() - 1);
        while picked.len() < n {
            let o = options[rng.below(options.len())].clone();
            if !picked.iter().any(|p: &(String, String)| p.0 == o.0) {
                picked.push(o);
            } else if picked.len() == options.len() {
                break;
            } else {
                // Another value of a facet already picked: keep one per facet.
                let distinct: std::collections::HashSet<&str> =
                    options.iter().map(|o| o.0.as_str()).collect();
                if distinct.len() <= picked.len() {
                    break;
                }
            }
        }
        picked
    };
    while count(&out, "filtered") < 40 {
        let i = rng.below(paragraphs.len());
        let words = words_of(i);
        let filters = filters_of(&mut rng, labelled[i].1);
        if words.is_empty() || filters.is_empty() {
            continue;
        }
        let q = if words.len() > 3 && rng.below(3) == 0 {
            format!("{} {}", words[0], words[words.len() - 1])
        } else {
            words[rng.below(words.len())].clone()
        };
        push(&mut out, spec("filtered", q, filters));
    }
    // Browsing: no words, everything or a facet's slice.
    push(&mut out, spec("browse", String::new(), vec![]));
    while count(&out, "browse") < 20 {
        let i = rng.below(paragraphs.len());
        let filters = filters_of(&mut rng, labelled[i].1);
        if filters.is_empty() {
            continue;
        }
        push(&mut out, spec("browse", String::new(), filters));
    }
    // Zero hits: letters and rare ideographs found nowhere in the corpus.
    let haystack: String = docs
        .iter()
        .flat_map(|d| [d.title.as_str(), d.text.as_str()])
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    let used: std::collections::HashSet<char> = haystack.chars().collect();
    let consonants: Vec<char> = "bcdfghjklmnpqrstvwxz".chars().collect();
    while count(&out, "zero-hit") < 12 {
        let word: String = (0..7)
            .map(|_| consonants[rng.below(consonants.len())])
            .collect();
        if !haystack.contains(&word) {
            push(&mut out, spec("zero-hit", word, vec![]));
        }
    }
    let rare: Vec<char> = (0x3400u32..0x4DB5)
        .filter_map(char::from_u32)
        .filter(|c| {
            !used.contains(c)
                && !used.contains(
                    &aidsearch::normalize::fold(&c.to_string())
                        .chars()
                        .next()
                        .unwrap_or(*c),
                )
        })
        .collect();
    while count(&out, "zero-hit") < 20 && rare.len() > 3 {
        let word: String = (0..3).map(|_| rare[rng.below(rare.len())]).collect();
        push(&mut out, spec("zero-hit", word, vec![]));
    }

    let mut text = String::from(
        "# The scale benchmark's query set, generated once from the scale corpus's own\n\
         # vocabulary and facet labels by `cargo bench --bench scale -- --gen-queries`.\n\
         # kind<TAB>query<TAB>filters (name=value&name=value)\n",
    );
    for kind in common::KINDS {
        for s in out.iter().filter(|s| s.kind == kind) {
            text.push_str(&s.line());
            text.push('\n');
        }
    }
    std::fs::write(common::queries_file(), text)?;
    println!(
        "wrote {} queries to {}",
        out.len(),
        common::queries_file().display()
    );
    Ok(())
}
