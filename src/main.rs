//! The `aidsearch` command line: flags, wiring, terminal output and exit
//! codes only; every piece of work is a library call.
//!
//! Exit codes: 0 ok, 1 error (missing index, unreadable corpus, I/O), 2 usage
//! (unknown flag, bad value, a search parameter out of range).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use aidsearch::corpus::LoadProgress;
use aidsearch::index::build::{
    reindex_incremental_with_progress, reindex_with_progress, BuildSummary, IncrementalSummary,
    Progress,
};
use aidsearch::search::{self, SearchRequest, Sort};
use aidsearch::search::{Engine, LiveEngine};

/// Exit code of a usage error (clap uses the same).
const USAGE: u8 = 2;

/// `println!` that returns an error instead of panicking when stdout is
/// closed (`aidsearch search x | head`); `main` treats a broken pipe as done.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// Full-text search for Chinese aid-program reports (援藏, 对口支援, 脱贫攻坚).
///
/// Reads a folder of reports, labels every paragraph with region, donor,
/// sector, year and funding, and serves a search page and a JSON API.
#[derive(Parser)]
#[command(
    name = "aidsearch",
    version,
    about,
    long_about,
    after_help = "Every flag can also be set by the environment variable named in its help \
(AIDSEARCH_INDEX, AIDSEARCH_CORPUS, AIDSEARCH_ADDR, …); a flag on the command line wins.\n\n\
Exit codes: 0 ok, 1 error (no index, unreadable corpus, I/O), 2 usage (bad flag or value).\n\n\
Examples:\n  aidsearch reindex\n  aidsearch serve --addr 127.0.0.1:3000\n  \
aidsearch search 医疗援藏 --region 西藏自治区/日喀则市 --year 2023\n  aidsearch stats"
)]
struct Cli {
    /// When to colour output: auto (a terminal, unless NO_COLOR is set), always or never
    /// (example: --color never).
    #[arg(long, global = true, env = "AIDSEARCH_COLOR", value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

#[derive(Args, Clone)]
struct IndexArg {
    /// Index root holding the generations (example: --index /srv/aidsearch/index).
    #[arg(long, env = "AIDSEARCH_INDEX", default_value = "index")]
    index: PathBuf,
}

#[derive(Args, Clone)]
struct CorpusArg {
    /// Folder of report files: .txt .md .html .docx .pdf, any encoding (example: --corpus corpus).
    #[arg(long, env = "AIDSEARCH_CORPUS", default_value = "corpus")]
    corpus: PathBuf,
}

#[derive(Args, Clone)]
struct JsonArg {
    /// Print JSON instead of text, for scripts (example: --json, or AIDSEARCH_JSON=true).
    #[arg(long, env = "AIDSEARCH_JSON", value_parser = clap::builder::BoolishValueParser::new())]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Relevance,
    Date,
    Funding,
}

impl From<SortArg> for Sort {
    fn from(s: SortArg) -> Sort {
        match s {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
            SortArg::Funding => Sort::Funding,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Rebuild the index from the corpus folder; a running server switches to it.
    ///
    /// Builds a new generation beside the live one, verifies it and switches
    /// to it atomically; a failed build leaves the live index serving. Shows a
    /// progress bar on a terminal, plain log lines otherwise, and a summary.
    ///
    /// Example: aidsearch reindex --corpus corpus --index index
    Reindex {
        #[command(flatten)]
        corpus: CorpusArg,
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        json: JsonArg,
        /// Re-read only files whose content (or sidecar) changed since the live
        /// generation; deleted files disappear. Same result as a full reindex
        /// (example: --incremental).
        #[arg(long)]
        incremental: bool,
    },
    /// Serve the search page and JSON API; builds the index first if there is none.
    ///
    /// Picks up a new index generation within a second of a reindex. Ctrl-C or
    /// SIGTERM stop it after in-flight requests finish.
    ///
    /// Example: aidsearch serve --addr 127.0.0.1:3000
    Serve {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        corpus: CorpusArg,
        /// Address to listen on; loopback unless you say otherwise (example: --addr 0.0.0.0:8080).
        #[arg(long, env = "AIDSEARCH_ADDR", default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Search responses each index generation remembers, so a repeated
        /// search (paging back, the page re-asking for a facet level) is not
        /// run again; 0 turns this off. A reindex starts with none.
        #[arg(long, env = "AIDSEARCH_CACHE_ENTRIES", default_value_t = search::cache::DEFAULT_CAPACITY)]
        cache_entries: usize,
    },
    /// Search from the terminal: coloured results, or the API's JSON with --json.
    ///
    /// Example: aidsearch search 医疗援藏 --region 西藏自治区/日喀则市 --year 2023
    Search {
        /// The query, in the query language of the search page; "" lists everything
        /// (example: "援藏 -教育", "\"组团式医疗\"").
        query: String,
        #[command(flatten)]
        index: IndexArg,
        /// Region filter, repeatable; a parent matches its descendants
        /// (example: --region 西藏自治区/日喀则市).
        #[arg(long, env = "AIDSEARCH_REGION", value_delimiter = ',')]
        region: Vec<String>,
        /// Donor filter, repeatable (example: --donor 山东省).
        #[arg(long, env = "AIDSEARCH_DONOR", value_delimiter = ',')]
        donor: Vec<String>,
        /// Sector filter, repeatable (example: --sector 医疗卫生).
        #[arg(long, env = "AIDSEARCH_SECTOR", value_delimiter = ',')]
        sector: Vec<String>,
        /// Year filter, repeatable (example: --year 2023).
        #[arg(long, env = "AIDSEARCH_YEAR", value_delimiter = ',')]
        year: Vec<String>,
        /// Only paragraphs of this report (example: --report 2020-zibo-aid-team-ngamring).
        #[arg(long, env = "AIDSEARCH_REPORT")]
        report: Option<String>,
        /// Only paragraphs naming at least this many yuan (example: --min-funding 100000000).
        #[arg(long, env = "AIDSEARCH_MIN_FUNDING")]
        min_funding: Option<f64>,
        /// Only paragraphs naming at most this many yuan (example: --max-funding 5000000).
        #[arg(long, env = "AIDSEARCH_MAX_FUNDING")]
        max_funding: Option<f64>,
        /// Order of results (example: --sort funding).
        #[arg(long, env = "AIDSEARCH_SORT", value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Results per page, 1–100 (example: --per-page 20).
        #[arg(long, env = "AIDSEARCH_PER_PAGE", default_value_t = 10,
              value_parser = clap::value_parser!(u16).range(1..=100))]
        per_page: u16,
        /// Page number, from 1 (example: --page 2).
        #[arg(long, env = "AIDSEARCH_PAGE", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..))]
        page: u32,
        /// Most paragraphs of one report on the first page; 0 for no cap (example: --per-report 0).
        #[arg(long, env = "AIDSEARCH_PER_REPORT")]
        per_report: Option<usize>,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Show the index: generation, size, document counts and top facet values.
    ///
    /// Example: aidsearch stats --json
    Stats {
        #[command(flatten)]
        index: IndexArg,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Switch back to the previous index generation (undo a bad reindex).
    ///
    /// Example: aidsearch rollback --index index
    Rollback {
        #[command(flatten)]
        index: IndexArg,
    },
    /// Show each paragraph's facet labels and the words behind them.
    ///
    /// Example: aidsearch facets --explain 2024-shandong-aid-to-tibet-30-years
    Facets {
        /// Report id to explain: the file name's stem, plus -N for multi-article pages
        /// (example: --explain 2020-zibo-aid-team-ngamring).
        #[arg(long, env = "AIDSEARCH_EXPLAIN")]
        explain: String,
        #[command(flatten)]
        corpus: CorpusArg,
    },
}

fn main() -> ExitCode {
    // clap prints help and version with exit 0, and usage errors with exit 2.
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if is_usage_error(&e) {
                ExitCode::from(USAGE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The reader of our output went away (`| head`): not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A search parameter the library refused is the caller's mistake: exit 2.
fn is_usage_error(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<aidsearch::Error>(),
            Some(aidsearch::Error::BadParameter { .. })
        )
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let color = cli.color;
    match cli.command {
        Command::Reindex {
            corpus,
            index,
            json,
            incremental: true,
        } => {
            let summary = reindex_incremental_with_display(&corpus.corpus, &index.index)?;
            if json.json {
                outln!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                let style = Style::new(color, std::io::stdout().is_terminal());
                print_summary(&summary.build, style)?;
                for (name, value) in [
                    ("files reused", summary.files_reused),
                    ("files re-read", summary.files_reingested),
                    ("files removed", summary.files_removed),
                ] {
                    outln!("  {name:<15} {value:>10}");
                }
                if summary.segments_reused {
                    outln!("  only the changed reports were written; the rest was kept");
                }
                if let Some(reason) = &summary.full_because {
                    outln!(
                        "  {}",
                        style.yellow(&format!("every file was read again: {reason}"))
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex {
            corpus,
            index,
            json,
            incremental: false,
        } => {
            let summary = reindex_with_display(&corpus.corpus, &index.index)?;
            if json.json {
                outln!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print_summary(&summary, Style::new(color, std::io::stdout().is_terminal()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            index,
            corpus,
            addr,
            cache_entries,
        } => {
            search::cache::set_capacity(cache_entries);
            serve(&index.index, &corpus.corpus, addr, color)
        }
        Command::Search {
            query,
            index,
            region,
            donor,
            sector,
            year,
            report,
            min_funding,
            max_funding,
            sort,
            per_page,
            page,
            per_report,
            json,
        } => {
            let request = SearchRequest {
                q: query,
                region,
                donor,
                sector,
                year,
                report,
                min_funding,
                max_funding,
                sort: sort.into(),
                per_page: per_page.into(),
                page: page as usize,
                per_report,
            };
            request.validate()?;
            let engine = open(&index.index)?;
            let response = search::search(&engine, &request)?;
            if json.json {
                outln!("{}", serde_json::to_string_pretty(&response)?);
            } else {
                print_results(
                    &request,
                    &response,
                    Style::new(color, std::io::stdout().is_terminal()),
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { index, json } => {
            let engine = open(&index.index)?;
            let stats = aidsearch::search::stats(&engine)?;
            if json.json {
                outln!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print_stats(&stats, Style::new(color, std::io::stdout().is_terminal()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollback { index } => {
            let (from, to) = aidsearch::index::rollback(&index.index)?;
            outln!("rolled back from generation {from} to generation {to}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Facets { explain, corpus } => {
            let loaded = aidsearch::corpus::load_dir(&corpus.corpus)
                .with_context(|| format!("reading corpus {}", corpus.corpus.display()))?;
            let report = loaded
                .reports
                .iter()
                .find(|r| r.id == explain)
                .with_context(|| format!("no report {explain:?} in {}", corpus.corpus.display()))?;
            outln!("{} — {}", report.id, report.title);
            let labels = aidsearch::labels::label_report(report);
            for (p, l) in report.paragraphs.iter().zip(&labels) {
                let preview: String = p.text.chars().take(40).collect();
                outln!("\n¶{} [{}] {preview}…", p.number, p.kind.as_str());
                outln!("  region  {:?}", l.region);
                outln!("  donor   {:?}", l.donor);
                outln!("  sector  {:?}", l.sector);
                outln!("  year    {:?}", l.year);
                outln!("  funding {:?}", l.funding);
                for e in &l.evidence {
                    outln!("    · {e}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Open the live generation, saying which root was looked at.
fn open(root: &Path) -> Result<Engine> {
    Engine::open(root).with_context(|| format!("opening the index at {}", root.display()))
}

// # Reindex with progress

/// Run a reindex, drawing a progress bar on a terminal and writing plain
/// lines to stderr otherwise (logs, CI, cron mail).
fn reindex_with_display(corpus: &Path, root: &Path) -> Result<BuildSummary> {
    with_display(corpus, root, "", |p| reindex_with_progress(corpus, root, p))
}

/// [`reindex_with_display`] for `reindex --incremental`.
fn reindex_incremental_with_display(corpus: &Path, root: &Path) -> Result<IncrementalSummary> {
    with_display(corpus, root, " incrementally", |p| {
        reindex_incremental_with_progress(corpus, root, p)
    })
}

/// Run `build` with progress shown on stderr; an error says the live index
/// is unchanged.
fn with_display<T>(
    corpus: &Path,
    root: &Path,
    how: &str,
    build: impl FnOnce(&(dyn Fn(Progress) + Sync)) -> aidsearch::Result<T>,
) -> Result<T> {
    let display: Box<dyn ProgressDisplay> = if std::io::stderr().is_terminal() {
        Box::new(BarDisplay::new())
    } else {
        Box::new(LineDisplay::default())
    };
    let result = build(&|p| display.update(p));
    display.finish();
    result.with_context(|| {
        format!(
            "reindexing {} into {}{how}; the live index is unchanged",
            corpus.display(),
            root.display()
        )
    })
}

/// Where reindex progress goes. Called from several threads.
trait ProgressDisplay: Sync {
    fn update(&self, progress: Progress);
    fn finish(&self);
}

/// An indicatif bar over files, then over paragraphs.
struct BarDisplay {
    bar: ProgressBar,
    paragraphs: AtomicUsize,
}

impl BarDisplay {
    fn new() -> BarDisplay {
        let bar = ProgressBar::new(0);
        bar.enable_steady_tick(Duration::from_millis(120));
        BarDisplay {
            bar,
            paragraphs: AtomicUsize::new(0),
        }
    }

    fn style(template: &str) -> ProgressStyle {
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("█▉▊▋▌▍▎▏ ")
    }
}

impl ProgressDisplay for BarDisplay {
    fn update(&self, progress: Progress) {
        match progress {
            Progress::Corpus(LoadProgress::Found(files)) => {
                self.bar.set_style(Self::style(
                    "{spinner:.cyan} reading  [{bar:32.cyan/blue}] {pos}/{len} files · {msg} · {elapsed}",
                ));
                self.bar.set_length(files as u64);
                self.bar.set_message("0 paragraphs");
            }
            Progress::Corpus(LoadProgress::File { file, paragraphs }) => {
                match paragraphs {
                    Ok(n) => {
                        let total = self.paragraphs.fetch_add(n, Ordering::Relaxed) + n;
                        self.bar.set_message(format!("{total} paragraphs"));
                    }
                    Err(reason) => self.bar.println(format!("  skipped {file}: {reason}")),
                }
                self.bar.inc(1);
            }
            Progress::Indexing {
                generation,
                paragraphs,
            } => {
                self.bar.set_position(0);
                self.bar.set_length(paragraphs as u64);
                self.bar.set_style(Self::style(&format!(
                    "{{spinner:.cyan}} indexing [{{bar:32.green/blue}}] {{pos}}/{{len}} paragraphs → generation {generation} · {{elapsed}}"
                )));
            }
            Progress::Indexed(n) => self.bar.set_position(n as u64),
            Progress::Committing => {
                self.bar.set_style(Self::style(
                    "{spinner:.cyan} committing segments · {elapsed}",
                ));
            }
            Progress::Verifying => {
                self.bar.set_style(Self::style(
                    "{spinner:.cyan} verifying the new generation · {elapsed}",
                ));
            }
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Plain lines on stderr: one per phase, one per skipped file, and one per
/// tenth of the files on big corpora.
#[derive(Default)]
struct LineDisplay {
    files: AtomicUsize,
    done: AtomicUsize,
    paragraphs: AtomicUsize,
    /// Serializes lines written from reader threads.
    out: Mutex<()>,
}

impl LineDisplay {
    fn line(&self, text: &str) {
        let _guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        eprintln!("reindex: {text}");
    }
}

impl ProgressDisplay for LineDisplay {
    fn update(&self, progress: Progress) {
        match progress {
            Progress::Corpus(LoadProgress::Found(files)) => {
                self.files.store(files, Ordering::Relaxed);
                self.line(&format!("reading {files} files"));
            }
            Progress::Corpus(LoadProgress::File { file, paragraphs }) => {
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                match paragraphs {
                    Ok(n) => {
                        self.paragraphs.fetch_add(n, Ordering::Relaxed);
                    }
                    Err(reason) => self.line(&format!("skipped {file}: {reason}")),
                }
                let files = self.files.load(Ordering::Relaxed);
                let step = (files / 10).max(1);
                if files >= 50 && done.is_multiple_of(step) && done < files {
                    self.line(&format!(
                        "read {done}/{files} files, {} paragraphs",
                        self.paragraphs.load(Ordering::Relaxed)
                    ));
                }
            }
            Progress::Indexing {
                generation,
                paragraphs,
            } => self.line(&format!(
                "indexing {paragraphs} paragraphs into generation {generation}"
            )),
            Progress::Indexed(_) => {}
            Progress::Committing => self.line("committing segments"),
            Progress::Verifying => self.line("verifying the new generation"),
        }
    }

    fn finish(&self) {}
}

// # Terminal output

/// ANSI styles, or none.
#[derive(Clone, Copy)]
struct Style {
    on: bool,
}

impl Style {
    fn new(choice: ColorChoice, terminal: bool) -> Style {
        Style {
            on: choice.enabled(terminal),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }

    fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn print_summary(s: &BuildSummary, style: Style) -> std::io::Result<()> {
    outln!(
        "{} generation {} in {:.2} s",
        style.green("reindex finished:"),
        s.generation,
        s.seconds
    );
    let rows = [
        ("files read", s.files_read.to_string()),
        ("files skipped", s.skipped.len().to_string()),
        ("reports", s.reports.to_string()),
        ("paragraphs", s.paragraphs.to_string()),
        ("index size", megabytes(s.index_bytes)),
        ("time", format!("{:.2} s", s.seconds)),
        ("text rate", format!("{:.1} MB/s", s.mb_per_second)),
    ];
    for (name, value) in rows {
        outln!("  {name:<15} {value:>10}");
    }
    outln!("  {}", style.bold("facet coverage (share of paragraphs)"));
    for (name, share) in [
        ("region", s.coverage.region),
        ("sector", s.coverage.sector),
        ("year", s.coverage.year),
        ("donor", s.coverage.donor),
        ("funding", s.coverage.funding),
    ] {
        outln!("    {name:<13} {:>10}", percent(share));
    }
    if !s.skipped.is_empty() {
        outln!("  {}", style.yellow("skipped files"));
        let width = s
            .skipped
            .iter()
            .map(|k| k.file.chars().count())
            .max()
            .unwrap_or(0);
        for skipped in &s.skipped {
            let pad = width - skipped.file.chars().count();
            outln!(
                "    {}{}  {}",
                skipped.file,
                " ".repeat(pad),
                style.dim(&skipped.reason)
            );
        }
    }
    Ok(())
}

/// `<mark>` to terminal emphasis (or `[…]` without colour), and HTML
/// entities back to text.
fn terminal_snippet(snippet: &str, style: Style) -> String {
    let (on, off) = if style.on {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    snippet
        .replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The filters of a request, so a stray environment variable shows.
fn describe_filters(r: &SearchRequest) -> Vec<String> {
    let mut out = Vec::new();
    for (name, values) in [
        ("region", &r.region),
        ("donor", &r.donor),
        ("sector", &r.sector),
        ("year", &r.year),
    ] {
        if !values.is_empty() {
            out.push(format!("{name}={}", values.join("|")));
        }
    }
    if let Some(report) = &r.report {
        out.push(format!("report={report}"));
    }
    if let Some(v) = r.min_funding {
        out.push(format!("min_funding={v}"));
    }
    if let Some(v) = r.max_funding {
        out.push(format!("max_funding={v}"));
    }
    out
}

fn print_results(
    request: &SearchRequest,
    r: &search::SearchResponse,
    style: Style,
) -> std::io::Result<()> {
    let filters = describe_filters(request);
    outln!(
        "{} results for {:?}{} ({:.1} ms, generation {}){}",
        style.bold(&r.total.to_string()),
        r.query,
        if filters.is_empty() {
            String::new()
        } else {
            format!(" where {}", filters.join(", "))
        },
        r.took_ms,
        r.generation,
        if r.relaxed {
            style.yellow(" — relaxed: not every word matched")
        } else {
            String::new()
        }
    );
    if !r.suggestions.is_empty() {
        outln!("did you mean: {}", r.suggestions.join(", "));
    }
    for (i, hit) in r.hits.iter().enumerate() {
        let n = (r.page - 1) * r.per_page + i + 1;
        let mut about = vec![format!("{} ¶{}", hit.report.id, hit.paragraph)];
        about.extend(hit.report.date.clone());
        about.extend(hit.report.source.clone());
        outln!(
            "\n{}. {}  {}",
            n,
            style.bold(&hit.report.title),
            style.dim(&about.join(" · "))
        );
        outln!("   {}", terminal_snippet(&hit.snippet, style));
        let funding: Vec<String> = hit
            .funding
            .iter()
            .map(|f| format!("{}万元", f / 10_000.0))
            .collect();
        let tags: Vec<String> = [
            ("地区", &hit.region),
            ("援助方", &hit.donor),
            ("领域", &hit.sector),
            ("年份", &hit.year),
            ("资金", &funding),
        ]
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| format!("{name} {}", values.join("、")))
        .collect();
        if !tags.is_empty() {
            outln!("   {}", style.dim(&tags.join(" · ")));
        }
    }
    let shown = (r.page - 1) * r.per_page + r.hits.len();
    if (shown as u64) < r.total {
        outln!(
            "\n{}",
            style.dim(&format!(
                "showing {shown} of {}; next page: --page {}",
                r.total,
                r.page + 1
            ))
        );
    }
    Ok(())
}

fn print_stats(s: &aidsearch::search::IndexStats, style: Style) -> std::io::Result<()> {
    let rows = [
        ("generation", s.generation.to_string()),
        ("reports", s.reports.to_string()),
        ("paragraphs", s.paragraphs.to_string()),
        ("segments", s.segments.to_string()),
        ("size", megabytes(s.bytes)),
    ];
    for (name, value) in rows {
        outln!("{name:<12} {value:>10}");
    }
    for (name, values) in [
        ("region", &s.top_region),
        ("donor", &s.top_donor),
        ("sector", &s.top_sector),
        ("year", &s.top_year),
    ] {
        outln!("\n{}", style.bold(&format!("top {name}")));
        if values.is_empty() {
            outln!("  {}", style.dim("(none)"));
        }
        for v in values {
            outln!("  {:>6}  {}", v.count, v.value);
        }
    }
    Ok(())
}

// # Serve

fn serve(
    index_root: &Path,
    corpus: &Path,
    addr: SocketAddr,
    color: ColorChoice,
) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(color.enabled(std::io::stderr().is_terminal()))
        .init();
    if aidsearch::index::current_generation(index_root)?.is_none() {
        tracing::info!(corpus = %corpus.display(), index = %index_root.display(), "no index yet: building it");
        let summary = reindex_with_progress(corpus, index_root, &|p| match p {
            Progress::Corpus(LoadProgress::File {
                file,
                paragraphs: Err(reason),
            }) => tracing::warn!(%file, %reason, "skipped corpus file"),
            Progress::Indexing {
                generation,
                paragraphs,
            } => tracing::info!(generation, paragraphs, "indexing"),
            _ => {}
        })
        .context("building the first index")?;
        tracing::info!(
            generation = summary.generation,
            reports = summary.reports,
            paragraphs = summary.paragraphs,
            skipped = summary.skipped.len(),
            seconds = summary.seconds,
            "index built"
        );
    }
    aidsearch::tokenizer::warm_up();
    let live = Arc::new(open_live(index_root)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr()?;
        let engine = live.get();
        tracing::info!(
            address = %local,
            generation = engine.generation,
            paragraphs = engine.num_docs(),
            index = %index_root.display(),
            "serving on http://{local}"
        );
        drop(engine);
        tokio::spawn(aidsearch::web::reload::watch(
            live.clone(),
            aidsearch::web::reload::INTERVAL,
        ));
        let app = aidsearch::web::app(aidsearch::web::AppState::new(live));
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        tracing::info!("shut down cleanly");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn open_live(root: &Path) -> Result<LiveEngine> {
    LiveEngine::open(root).with_context(|| format!("opening the index at {}", root.display()))
}

/// Resolves on Ctrl-C or SIGTERM; axum then stops accepting connections and
/// waits for in-flight requests (each bounded by the request timeout).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let signal = tokio::select! {
        _ = ctrl_c => "SIGINT",
        _ = terminate => "SIGTERM",
    };
    tracing::info!(
        signal,
        "shutting down: no new connections; finishing in-flight requests"
    );
}
