//! The `aidsearch` command line: wiring, output and exit codes only.
//! Exit codes: 0 ok, 1 error, 2 usage.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use aidsearch::index::build::{reindex, BuildSummary};
use aidsearch::index::{Engine, LiveEngine};
use aidsearch::search::{self, SearchRequest, Sort};

/// Full-text search for Chinese aid-program reports (援藏, 对口支援, 脱贫攻坚).
///
/// Exit codes: 0 success, 1 error, 2 usage error.
#[derive(Parser)]
#[command(name = "aidsearch", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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

#[derive(Subcommand)]
enum Command {
    /// Rebuild the index from the corpus folder; a running server switches to it.
    ///
    /// Example: aidsearch reindex --corpus corpus --index index
    Reindex {
        #[command(flatten)]
        corpus: CorpusArg,
        #[command(flatten)]
        index: IndexArg,
        /// Print the summary as JSON (example: aidsearch reindex --json).
        #[arg(long)]
        json: bool,
    },
    /// Serve the search page and JSON API; builds the index first if there is none.
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
    },
    /// Search from the terminal.
    ///
    /// Example: aidsearch search 医疗援藏 --region 日喀则 --year 2023
    Search {
        /// The query, in the query language of the search page (example: "援藏 -教育").
        query: String,
        #[command(flatten)]
        index: IndexArg,
        /// Region filter, repeatable (example: --region 西藏自治区/日喀则市).
        #[arg(long)]
        region: Vec<String>,
        /// Donor filter, repeatable (example: --donor 山东省).
        #[arg(long)]
        donor: Vec<String>,
        /// Sector filter, repeatable (example: --sector 医疗卫生).
        #[arg(long)]
        sector: Vec<String>,
        /// Year filter, repeatable (example: --year 2023).
        #[arg(long)]
        year: Vec<String>,
        /// Only paragraphs with at least this many yuan (example: --min-funding 100000000).
        #[arg(long)]
        min_funding: Option<f64>,
        /// Order: relevance, date or funding (example: --sort funding).
        #[arg(long, default_value = "relevance")]
        sort: String,
        /// Results per page, 1–100 (example: --per-page 20).
        #[arg(long, default_value_t = 10)]
        per_page: usize,
        /// Page number, from 1 (example: --page 2).
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Print the exact JSON the API returns.
        #[arg(long)]
        json: bool,
    },
    /// Show the index: generation, size, document counts and top facet values.
    ///
    /// Example: aidsearch stats --json
    Stats {
        #[command(flatten)]
        index: IndexArg,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Switch back to the previous index generation.
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
        /// Report id to explain (the file name's stem, plus -N for multi-article pages).
        #[arg(long)]
        explain: String,
        #[command(flatten)]
        corpus: CorpusArg,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Reindex {
            corpus,
            index,
            json,
        } => {
            let summary = reindex(&corpus.corpus, &index.index)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print_summary(&summary);
            }
            for skipped in &summary.skipped {
                eprintln!("warning: skipped {}: {}", skipped.file, skipped.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            index,
            corpus,
            addr,
        } => serve(&index.index, &corpus.corpus, addr),
        Command::Search {
            query,
            index,
            region,
            donor,
            sector,
            year,
            min_funding,
            sort,
            per_page,
            page,
            json,
        } => {
            let engine = Engine::open(&index.index)?;
            let request = SearchRequest {
                q: query,
                region,
                donor,
                sector,
                year,
                min_funding,
                sort: Sort::parse(&sort)?,
                per_page,
                page,
                ..SearchRequest::default()
            };
            let response = search::search(&engine, &request)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&response)?);
            } else {
                print_results(&response, std::io::stdout().is_terminal());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { index, json } => {
            let engine = Engine::open(&index.index)?;
            let stats = aidsearch::index::stats(&engine)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print_stats(&stats);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollback { index } => {
            let (from, to) = aidsearch::index::rollback(&index.index)?;
            println!("rolled back from generation {from} to generation {to}");
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
            println!("{} — {}", report.id, report.title);
            for p in &report.paragraphs {
                let preview: String = p.text.chars().take(40).collect();
                println!("\n¶{} [{}] {preview}…", p.number, p.kind);
                println!("  region  {:?}", p.labels.region);
                println!("  donor   {:?}", p.labels.donor);
                println!("  sector  {:?}", p.labels.sector);
                println!("  year    {:?}", p.labels.year);
                println!("  funding {:?}", p.labels.funding);
                for e in &p.labels.evidence {
                    println!("    · {e}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_summary(s: &BuildSummary) {
    println!("reindex finished: generation {}", s.generation);
    println!("  files read      {}", s.files_read);
    println!("  reports         {}", s.reports);
    println!("  paragraphs      {}", s.paragraphs);
    println!("  files skipped   {}", s.skipped.len());
    for skipped in &s.skipped {
        println!("    - {}: {}", skipped.file, skipped.reason);
    }
    println!(
        "  facet coverage  region {:.0}%  donor {:.0}%  sector {:.0}%  year {:.0}%  funding {:.0}%",
        s.coverage.region * 100.0,
        s.coverage.donor * 100.0,
        s.coverage.sector * 100.0,
        s.coverage.year * 100.0,
        s.coverage.funding * 100.0
    );
    println!("  index size      {:.1} MB", s.index_bytes as f64 / 1e6);
    println!(
        "  time            {:.2} s ({:.1} MB/s of text)",
        s.seconds, s.mb_per_second
    );
}

/// `<mark>` to terminal emphasis, and HTML entities back to text.
fn terminal_snippet(snippet: &str, colour: bool) -> String {
    let (on, off) = if colour {
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
        .replace("&amp;", "&")
}

fn print_results(r: &search::SearchResponse, colour: bool) {
    let bold = |s: &str| {
        if colour {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let dim = |s: &str| {
        if colour {
            format!("\x1b[2m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    println!(
        "{} results for {:?} ({} ms){}",
        r.total,
        r.query,
        r.took_ms,
        if r.relaxed {
            " — relaxed: not every word matched"
        } else {
            ""
        }
    );
    if !r.suggestions.is_empty() {
        println!("did you mean: {}", r.suggestions.join(", "));
    }
    for (i, hit) in r.hits.iter().enumerate() {
        let n = (r.page - 1) * r.per_page + i + 1;
        println!(
            "\n{n}. {}  {}",
            bold(&hit.report.title),
            dim(&format!("{}¶{}", hit.report.id, hit.paragraph))
        );
        println!("   {}", terminal_snippet(&hit.snippet, colour));
        let mut tags: Vec<String> = hit.region.clone();
        tags.extend(hit.donor.iter().map(|d| format!("援助方:{d}")));
        tags.extend(hit.sector.iter().cloned());
        tags.extend(hit.year.iter().cloned());
        if !tags.is_empty() {
            println!("   {}", dim(&tags.join(" · ")));
        }
    }
}

fn print_stats(s: &aidsearch::index::IndexStats) {
    println!("generation   {}", s.generation);
    println!("paragraphs   {}", s.paragraphs);
    println!("reports      {}", s.reports);
    println!("segments     {}", s.segments);
    println!("size         {:.1} MB", s.bytes as f64 / 1e6);
    for (name, values) in [
        ("region", &s.top_region),
        ("donor", &s.top_donor),
        ("sector", &s.top_sector),
        ("year", &s.top_year),
    ] {
        let shown: Vec<String> = values
            .iter()
            .map(|v| format!("{} {}", v.value, v.count))
            .collect();
        println!("top {name:<8} {}", shown.join(" · "));
    }
}

fn serve(index_root: &Path, corpus: &Path, addr: SocketAddr) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if aidsearch::index::current_generation(index_root)?.is_none() {
        tracing::info!(corpus = %corpus.display(), index = %index_root.display(), "no index yet: building it");
        let summary = reindex(corpus, index_root).context("building the first index")?;
        for skipped in &summary.skipped {
            tracing::warn!(file = %skipped.file, reason = %skipped.reason, "skipped corpus file");
        }
        tracing::info!(
            reports = summary.reports,
            paragraphs = summary.paragraphs,
            seconds = summary.seconds,
            "index built"
        );
    }
    aidsearch::tokenizer::warm_up();
    let live = Arc::new(LiveEngine::open(index_root)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let generation = live.get().generation;
        tracing::info!(address = %listener.local_addr()?, generation, "serving on http://{}", listener.local_addr()?);
        let watcher = live.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                let live = watcher.clone();
                match tokio::task::spawn_blocking(move || live.refresh()).await {
                    Ok(Ok(Some(generation))) => tracing::info!(generation, "switched to new index generation"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "new index generation did not open; still serving the old one"),
                    _ => {}
                }
            }
        });
        let app = aidsearch::web::app(aidsearch::web::AppState::new(live));
        axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
        tracing::info!("shut down");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

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
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
