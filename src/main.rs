//! The `aidsearch` command line: wiring and exit codes only; every piece of
//! work is a library call. The flags are in `cmd::cli`, the reindex progress
//! display in `cmd::progress`, what the commands print in `cmd::print`, and
//! the server's start-up in `cmd::serve`.
//!
//! Exit codes: 0 ok, 1 error (missing index, unreadable corpus, I/O), 2 usage
//! (unknown flag, bad value, a search parameter out of range).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use aidsearch::index::build::ReindexOptions;
use aidsearch::search::{self, Engine, SearchRequest};

/// `println!` that returns an error instead of panicking when stdout is
/// closed (`aidsearch search x | head`); `main` treats a broken pipe as done.
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

mod cmd;

use cmd::cli::{Cli, Command, SynonymsAction};
use cmd::print::{
    print_explanation, print_incremental_summary, print_results, print_stats, print_summary, Style,
};
use cmd::progress::{reindex_incremental_with_display, reindex_with_display};
use cmd::serve::serve;

/// Exit code of a usage error (clap uses the same).
const USAGE: u8 = 2;

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
            incremental,
            allow_shrink,
            data,
            no_mining,
        } => {
            let options = ReindexOptions {
                allow_shrink,
                data: data.folder(),
                mine: !no_mining,
            };
            let style = Style::new(color, std::io::stdout().is_terminal());
            if incremental {
                let summary =
                    reindex_incremental_with_display(&corpus.corpus, &index.index, options)?;
                if json.json {
                    outln!("{}", serde_json::to_string_pretty(&summary)?);
                } else {
                    print_incremental_summary(&summary, style)?;
                }
            } else {
                let summary = reindex_with_display(&corpus.corpus, &index.index, options)?;
                if json.json {
                    outln!("{}", serde_json::to_string_pretty(&summary)?);
                } else {
                    print_summary(&summary, style)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            index,
            corpus,
            addr,
            cache_entries,
            limits,
            cors_origins,
            data,
            zero_hit_log,
            auth,
            no_auth,
        } => {
            // Before anything is built or bound: a refusal is immediate.
            let access = cmd::serve::access_for(
                &auth.file(&index.index),
                auth.auth.is_some(),
                addr,
                no_auth,
            )?;
            search::cache::set_capacity(cache_entries);
            let zero_hit_log =
                zero_hit_log.unwrap_or_else(|| index.index.join(aidsearch::web::zero_hits::FILE));
            serve(
                &index.index,
                &corpus.corpus,
                cmd::serve::ServeOptions {
                    addr,
                    limits: limits.limits(),
                    cors_origins,
                    data: data.folder(),
                    zero_hit_log,
                    access,
                },
                color,
            )
        }
        Command::Synonyms {
            action:
                SynonymsAction::Suggest {
                    index,
                    data,
                    zero_hit_log,
                    limit,
                },
        } => {
            let engine = open(&index.index)?;
            let rejected = data
                .folder()
                .map(|d| d.join(aidsearch::vocabulary::REJECTED_FILE))
                .and_then(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_default();
            let log =
                zero_hit_log.unwrap_or_else(|| index.index.join(aidsearch::web::zero_hits::FILE));
            let queries = aidsearch::web::zero_hits::read_queries(&log);
            if engine.mined().is_none() {
                eprintln!(
                    "warning: generation {} has no mined vocabulary (reindex without --no-mining); \
                     only the zero-hit log is used",
                    engine.generation
                );
            }
            let suggestions =
                aidsearch::search::suggest_synonyms::suggest(&engine, &rejected, &queries, limit);
            outln!("# Candidates for synonyms.txt (a, b = synonyms; a ~ b = related).");
            outln!(
                "# Paste the good ones into synonyms.txt, the bad ones into synonyms-rejected.txt."
            );
            for s in suggestions {
                outln!("{}  # {}", s.line, s.why);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            index,
            region,
            donor,
            sector,
            year,
            programme,
            report_year,
            report,
            min_funding,
            max_funding,
            year_from,
            year_to,
            sort,
            per_page,
            page,
            per_report,
            reports,
            json,
            user,
            key,
            auth,
        } => {
            let scope = cmd::access::scope_of(&auth.file(&index.index), user, key)?;
            let request = SearchRequest {
                q: query,
                region,
                donor,
                sector,
                year,
                programme,
                report_year,
                report,
                min_funding,
                max_funding,
                year_from,
                year_to,
                sort: sort.into(),
                view: if reports {
                    search::View::Reports
                } else {
                    search::View::Paragraphs
                },
                per_page: per_page.into(),
                page: page as usize,
                per_report,
                // A search typed at a terminal runs to its end (Ctrl-C stops it).
                deadline: search::Deadline::NEVER,
                scope,
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
        Command::Generations {
            index,
            use_generation,
            json,
        } => {
            if let Some(n) = use_generation {
                match aidsearch::index::use_generation(&index.index, n)? {
                    Some(from) if from != n => {
                        outln!("switched from generation {from} to generation {n}")
                    }
                    _ => outln!("generation {n} is live"),
                }
                return Ok(ExitCode::SUCCESS);
            }
            let kept = aidsearch::index::list_generations(&index.index)?;
            if json.json {
                outln!("{}", serde_json::to_string_pretty(&kept)?);
            } else if kept.is_empty() {
                outln!("no generations in {}", index.index.display());
            } else {
                outln!(
                    "{:>10}  {:>10}  {:>9}  {:>16}",
                    "generation",
                    "paragraphs",
                    "size",
                    "built (UTC)"
                );
                for g in kept {
                    outln!(
                        "{:>10}  {:>10}  {:>7.1}MB  {:>16}{}",
                        g.generation,
                        g.paragraphs.map_or("?".to_string(), |n| n.to_string()),
                        g.bytes as f64 / 1e6,
                        g.built.map_or("?".to_string(), aidsearch::utc::minute),
                        if g.live { "  ← live" } else { "" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { action } => cmd::access::user(action),
        Command::Key { action } => cmd::access::key(action),
        Command::Ship { index, to } => {
            let shipped = cmd::ship::ship(&index.index, &to)?;
            outln!(
                "shipped generation {} to {} (verified)",
                shipped.generation,
                shipped.destination
            );
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
            print_explanation(report, &aidsearch::labels::label_report(report))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Open the live generation, saying which root was looked at.
fn open(root: &Path) -> Result<Engine> {
    Engine::open(root).with_context(|| format!("opening the index at {}", root.display()))
}
