//! What the scale benchmark (`benches/scale.rs`) and its CI quick mode
//! (`tests/bench_quick.rs`) share: reading the scale corpus, indexing it the
//! product's way and the straightforward tantivy + tantivy-jieba way, the
//! committed query set, a small HTTP/1.1 client for the load generator, and
//! process memory readings.
//!
//! It is included with `#[path]` by both targets, so it stays out of the
//! library; not every target uses every item.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aidsearch::corpus::meta::ReportMeta;
use aidsearch::corpus::{build_reports, content_hash, Report};
use aidsearch::labels::{self, LabelledReport};
use aidsearch::search::SearchRequest;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use rayon::prelude::*;
use serde::Deserialize;
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{doc, Index, IndexWriter};

/// Environment variable that overrides where the scale corpus is read from.
pub const CORPUS_ENV: &str = "AIDSEARCH_SCALE_CORPUS";

/// Writer budget of the straightforward indexer, as the issue describes it.
pub const BASELINE_BUDGET: usize = 200_000_000;

/// The scale corpus folder: `$AIDSEARCH_SCALE_CORPUS`, else `../shared/scale-corpus`
/// beside the repository.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os(CORPUS_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/scale-corpus"),
    }
}

/// The committed query set.
pub fn queries_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/queries.txt")
}

/// The `*.jsonl.gz` files of the corpus, in name order; empty when the
/// folder is missing.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    files
}

/// One line of the corpus: a news item or a report.
#[derive(Debug, Clone, Deserialize)]
pub struct RawDoc {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub source: Option<String>,
    pub text: String,
    /// The file the line came from (not in the JSON).
    #[serde(skip)]
    pub file: String,
}

/// Read the corpus, keeping every `every`-th line of each file (1: all of
/// it, 10: a 10% slice, 50: a 2% slice). The slice is the same on every run
/// and spans every year.
pub fn load_corpus(dir: &Path, every: usize) -> io::Result<Vec<RawDoc>> {
    let files = corpus_files(dir);
    if files.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no *.jsonl.gz files in {}", dir.display()),
        ));
    }
    let every = every.max(1);
    let per_file: Vec<io::Result<Vec<RawDoc>>> = files
        .par_iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let reader = BufReader::with_capacity(
                1 << 20,
                flate2::read::GzDecoder::new(std::fs::File::open(path)?),
            );
            let mut docs = Vec::new();
            for (n, line) in reader.lines().enumerate() {
                let line = line?;
                if n % every != 0 || line.trim().is_empty() {
                    continue;
                }
                let mut doc: RawDoc = serde_json::from_str(&line).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{name} line {}: {e}", n + 1),
                    )
                })?;
                doc.file = name.clone();
                docs.push(doc);
            }
            Ok(docs)
        })
        .collect();
    let mut all = Vec::new();
    for docs in per_file {
        all.extend(docs?);
    }
    Ok(all)
}

/// Bytes of text in the documents: the numerator of every MB/s figure.
pub fn text_bytes(docs: &[RawDoc]) -> usize {
    docs.iter().map(|d| d.text.len()).sum()
}

/// The non-empty `\n` paragraphs of the documents, as the straightforward
/// indexer sees them.
pub fn raw_paragraphs(docs: &[RawDoc]) -> usize {
    docs.iter()
        .map(|d| d.text.split('\n').filter(|p| !p.trim().is_empty()).count())
        .sum()
}

/// A report id the product accepts, from a corpus id.
pub fn report_id(id: &str) -> String {
    aidsearch::corpus::id_from_stem(id)
}

/// The product's cleaning of one document: what `load_file` does after
/// extraction, with the JSON's title as the format's title and its date and
/// source as metadata.
pub fn doc_cleaned(doc: &RawDoc) -> Vec<Report> {
    let meta = ReportMeta {
        source: doc.source.clone(),
        date: doc.date.clone(),
        ..ReportMeta::default()
    };
    let hash = content_hash(doc.text.as_bytes(), doc.id.as_bytes());
    build_reports(
        &report_id(&doc.id),
        &doc.file,
        &doc.text,
        Some(doc.title.clone()),
        &meta,
        hash,
    )
}

/// The product's ingest of one document: [`doc_cleaned`], then labelling
/// (the year facet included), so every field runs as for any corpus file.
pub fn doc_reports(doc: &RawDoc) -> Vec<LabelledReport> {
    doc_cleaned(doc).into_iter().map(labels::label).collect()
}

/// Every document through [`doc_reports`], on all cores.
pub fn to_reports(docs: &[RawDoc]) -> Vec<LabelledReport> {
    docs.par_iter().flat_map_iter(doc_reports).collect()
}

/// Paragraphs (index documents) of the reports.
pub fn paragraphs(reports: &[LabelledReport]) -> usize {
    reports.iter().map(|r| r.paragraphs.len()).sum()
}

/// Load what both indexers load lazily (the product's segmenter, gazetteer
/// and lexicons; tantivy-jieba's dictionary), so that timings measure
/// indexing and not one-off start-up. Returns seconds spent.
pub fn warm_up_product() -> f64 {
    let started = Instant::now();
    aidsearch::tokenizer::warm_up();
    let warm = RawDoc {
        id: "warm-up".to_string(),
        title: "拉萨市2020年脱贫攻坚".to_string(),
        date: Some("2020-01-01".to_string()),
        source: None,
        text: "山东省援藏干部在日喀则市投入资金1200万元建设学校。".to_string(),
        file: String::new(),
    };
    let _ = doc_reports(&warm);
    started.elapsed().as_secs_f64()
}

/// See [`warm_up_product`].
pub fn warm_up_baseline() -> f64 {
    use tantivy::tokenizer::{TokenStream, Tokenizer};
    let started = Instant::now();
    let mut tokenizer = tantivy_jieba::JiebaTokenizer::new();
    let mut stream = tokenizer.token_stream("预热分词词典");
    while stream.advance() {}
    started.elapsed().as_secs_f64()
}

/// The straightforward indexer the issue compares against: tantivy with
/// tantivy-jieba's default tokenizer (search mode, HMM on), one stored text
/// field, one `add_document` per `\n` paragraph from a single thread, a
/// 200 MB writer budget and tantivy's default number of threads. Returns
/// the number of documents added.
pub fn baseline_index(dir: &Path, docs: &[RawDoc]) -> tantivy::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut builder = Schema::builder();
    let text = builder.add_text_field(
        "text",
        TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("jieba")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let index = Index::create_in_dir(dir, builder.build())?;
    index
        .tokenizers()
        .register("jieba", tantivy_jieba::JiebaTokenizer::new());
    let mut writer: IndexWriter = index.writer(BASELINE_BUDGET)?;
    let mut added = 0;
    for d in docs {
        for paragraph in d.text.split('\n') {
            if paragraph.trim().is_empty() {
                continue;
            }
            writer.add_document(doc!(text => paragraph))?;
            added += 1;
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(added)
}

/// Make `dir` an index root whose live generation is the index built at
/// `dir/gen-1`, as `aidsearch serve --index dir` expects.
pub fn make_root(root: &Path) -> aidsearch::Result<PathBuf> {
    let generation = aidsearch::index::generation_dir(root, 1);
    std::fs::create_dir_all(&generation)?;
    Ok(generation)
}

/// Point the root's `CURRENT` at `gen-1`.
pub fn publish_root(root: &Path) -> aidsearch::Result<()> {
    aidsearch::index::switch_current(root, 1)
}

// ---------------------------------------------------------------------------
// The query set

/// One query of the committed set: its kind, its text, and facet filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySpec {
    /// `one-word`, `multi-word`, `phrase`, `filtered`, `browse` or `zero-hit`.
    pub kind: String,
    pub q: String,
    /// `(name, value)` with name one of region, donor, sector, year.
    pub filters: Vec<(String, String)>,
}

/// The kinds of query in the set, in the order the report lists them.
pub const KINDS: [&str; 6] = [
    "one-word",
    "multi-word",
    "phrase",
    "filtered",
    "browse",
    "zero-hit",
];

impl QuerySpec {
    /// The library request for this query.
    pub fn request(&self) -> SearchRequest {
        let mut request = SearchRequest::query(&self.q);
        for (name, value) in &self.filters {
            match name.as_str() {
                "region" => request.region.push(value.clone()),
                "donor" => request.donor.push(value.clone()),
                "sector" => request.sector.push(value.clone()),
                "year" => request.year.push(value.clone()),
                _ => {}
            }
        }
        request
    }

    /// The `/api/search` path and query string for this query.
    pub fn path(&self) -> String {
        let mut path = format!(
            "/api/search?q={}",
            utf8_percent_encode(&self.q, NON_ALPHANUMERIC)
        );
        for (name, value) in &self.filters {
            path.push_str(&format!(
                "&{name}={}",
                utf8_percent_encode(value, NON_ALPHANUMERIC)
            ));
        }
        path
    }

    /// The line of the query file: `kind<TAB>q<TAB>name=value&name=value`.
    pub fn line(&self) -> String {
        let filters: Vec<String> = self
            .filters
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        format!("{}\t{}\t{}", self.kind, self.q, filters.join("&"))
    }

    /// Parse a line of the query file.
    pub fn parse(line: &str) -> Result<QuerySpec, String> {
        let mut parts = line.split('\t');
        let kind = parts.next().unwrap_or_default().to_string();
        if !KINDS.contains(&kind.as_str()) {
            return Err(format!("unknown query kind {kind:?}"));
        }
        let q = parts.next().ok_or("missing query column")?.to_string();
        let mut filters = Vec::new();
        for pair in parts.next().unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("filter {pair:?} is not name=value"))?;
            if !["region", "donor", "sector", "year"].contains(&name) {
                return Err(format!("unknown filter {name:?}"));
            }
            filters.push((name.to_string(), value.to_string()));
        }
        Ok(QuerySpec { kind, q, filters })
    }
}

/// Read the query file; `#` lines are comments.
pub fn load_queries(path: &Path) -> Result<Vec<QuerySpec>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| QuerySpec::parse(l).map_err(|e| format!("queries.txt line {}: {e}", n + 1)))
        .collect()
}

// ---------------------------------------------------------------------------
// Measuring

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Percentiles {
    pub n: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// Percentiles of durations in seconds (nearest rank).
pub fn percentiles(seconds: &[f64]) -> Percentiles {
    if seconds.is_empty() {
        return Percentiles::default();
    }
    let mut ms: Vec<f64> = seconds.iter().map(|s| s * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Percentiles {
        n: ms.len(),
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: ms[ms.len() - 1],
        mean: ms.iter().sum::<f64>() / ms.len() as f64,
    }
}

/// A field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in kB.
pub fn proc_status_kb(pid: Option<u32>, key: &str) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user + system, all threads) this process has used, in seconds.
pub fn cpu_seconds() -> f64 {
    process_cpu_seconds(None)
}

/// User + system CPU seconds of process `pid` (this one if `None`), all
/// threads.
pub fn process_cpu_seconds(pid: Option<u32>) -> f64 {
    let path = pid.map_or("/proc/self/stat".to_string(), |p| format!("/proc/{p}/stat"));
    stat_cpu_seconds(&path)
}

/// User + system CPU seconds of the calling thread.
#[allow(dead_code)] // the label_cost example's; the bench reads processes
pub fn thread_cpu_seconds() -> f64 {
    stat_cpu_seconds("/proc/thread-self/stat")
}

/// User + system CPU seconds in a `/proc/…/stat` file (clock ticks of 10 ms).
fn stat_cpu_seconds(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Reset this process's peak resident set (`VmHWM`) to its current size, so
/// a later reading is the peak of what came after. False where the kernel
/// does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Total size of the files under `dir`, in bytes.
pub fn dir_bytes(dir: &Path) -> u64 {
    aidsearch::index::dir_size(dir)
}

// ---------------------------------------------------------------------------
// HTTP

/// One keep-alive HTTP/1.1 connection, enough for `GET` against our server:
/// no pipelining, `Content-Length` or chunked bodies.
pub struct HttpConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl HttpConn {
    /// Connect to `addr` with Nagle off and a read timeout.
    pub fn connect(addr: SocketAddr) -> io::Result<HttpConn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(15)))?;
        Ok(HttpConn {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// Send `GET path` and read the whole response: (status, body).
    pub fn get(&mut self, path: &str) -> io::Result<(u16, Vec<u8>)> {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
        self.stream.write_all(request.as_bytes())?;
        self.buf.clear();
        let header_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..header_end]).to_string();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad_response("no status line"))?;
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
        };
        let body = if let Some(len) = header("content-length") {
            let len: usize = len.parse().map_err(|_| bad_response("content-length"))?;
            while self.buf.len() < header_end + len {
                self.fill()?;
            }
            self.buf[header_end..header_end + len].to_vec()
        } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            self.read_chunked(header_end)?
        } else {
            return Err(bad_response("no content-length and not chunked"));
        };
        Ok((status, body))
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn read_chunked(&mut self, mut at: usize) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf[at..], b"\r\n") {
                    break at + i;
                }
                self.fill()?;
            };
            let size_text = String::from_utf8_lossy(&self.buf[at..line_end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad_response("chunk size"))?;
            at = line_end + 2;
            while self.buf.len() < at + size + 2 {
                self.fill()?;
            }
            if size == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&self.buf[at..at + size]);
            at += size + 2;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn bad_response(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("bad http response: {what}"),
    )
}

/// A free loopback port (bound, then released).
pub fn free_addr() -> io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr()
}

/// A running `aidsearch serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// Seconds from spawning the process to its first answered search.
    pub cold_start: f64,
}

impl Server {
    /// Start `binary serve --index root` on a free loopback port and wait
    /// (up to `timeout`) until `probe` answers 200. The server's log goes to
    /// `log`.
    pub fn start(
        binary: &Path,
        root: &Path,
        log: &Path,
        probe: &str,
        timeout: Duration,
    ) -> io::Result<Server> {
        Server::start_with(binary, root, log, probe, timeout, &[])
    }

    /// [`Server::start`] with more `serve` arguments.
    pub fn start_with(
        binary: &Path,
        root: &Path,
        log: &Path,
        probe: &str,
        timeout: Duration,
        args: &[&str],
    ) -> io::Result<Server> {
        let addr = free_addr()?;
        let log_file = std::fs::File::create(log)?;
        let started = Instant::now();
        let child = Command::new(binary)
            .arg("serve")
            .arg("--index")
            .arg(root)
            // Never build from a corpus: the root already has an index.
            .arg("--corpus")
            .arg(root.join("no-corpus"))
            .arg("--addr")
            .arg(addr.to_string())
            .args(args)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()?;
        let mut server = Server {
            child,
            addr,
            cold_start: 0.0,
        };
        loop {
            if let Some(status) = server.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "server exited with {status} before answering; see {}",
                    log.display()
                )));
            }
            if started.elapsed() > timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("server did not answer within {timeout:?}"),
                ));
            }
            if let Ok(mut conn) = HttpConn::connect(addr) {
                if let Ok((200, _)) = conn.get(probe) {
                    server.cold_start = started.elapsed().as_secs_f64();
                    return Ok(server);
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        process_cpu_seconds(Some(self.child.id()))
    }

    /// The server's resident memory, in MB.
    pub fn rss_mb(&self) -> Option<f64> {
        proc_status_kb(Some(self.child.id()), "VmRSS").map(|kb| kb as f64 / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a bounded load run measured.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LoadResult {
    pub connections: usize,
    pub seconds: f64,
    pub requests: usize,
    pub errors: usize,
    pub requests_per_second: f64,
    pub latency: Percentiles,
}

/// Send the paths round-robin over `connections` keep-alive connections,
/// each waiting for its answer before the next request (a closed loop), for
/// `duration` or until `max_requests` in total. Non-200 answers and I/O
/// errors count as errors.
pub fn load(
    addr: SocketAddr,
    paths: &[String],
    connections: usize,
    duration: Duration,
    max_requests: usize,
) -> LoadResult {
    let started = Instant::now();
    let per_connection = max_requests.div_ceil(connections.max(1));
    let results: Vec<(Vec<f64>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..connections)
            .map(|c| {
                scope.spawn(move || {
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    let Ok(mut conn) = HttpConn::connect(addr) else {
                        return (latencies, 1);
                    };
                    let mut i = c * paths.len() / connections.max(1);
                    while started.elapsed() < duration && latencies.len() + errors < per_connection
                    {
                        let path = &paths[i % paths.len()];
                        i += 1;
                        let t = Instant::now();
                        match conn.get(path) {
                            Ok((200, _)) => latencies.push(t.elapsed().as_secs_f64()),
                            Ok(_) => errors += 1,
                            Err(_) => {
                                errors += 1;
                                match HttpConn::connect(addr) {
                                    Ok(c) => conn = c,
                                    Err(_) => break,
                                }
                            }
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let errors = results.iter().map(|r| r.1).sum();
    let latencies: Vec<f64> = results.into_iter().flat_map(|r| r.0).collect();
    LoadResult {
        connections,
        seconds,
        requests: latencies.len(),
        errors,
        requests_per_second: latencies.len() as f64 / seconds.max(1e-9),
        latency: percentiles(&latencies),
    }
}

/// Distinct report ids among the reports that have paragraphs.
pub fn report_ids(reports: &[LabelledReport]) -> HashSet<&str> {
    reports
        .iter()
        .filter(|r| !r.paragraphs.is_empty())
        .map(|r| r.id.as_str())
        .collect()
}
