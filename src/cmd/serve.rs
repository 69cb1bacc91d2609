//! `aidsearch serve`: logging, the first index when there is none, the
//! listener, the reload watcher and a graceful shutdown.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use aidsearch::corpus::LoadProgress;
use aidsearch::index::build::{reindex_with_options, Progress, ReindexOptions};
use aidsearch::search::LiveEngine;
use aidsearch::web::server::{fd_soft_limit, ServerLimits};

use super::cli::ColorChoice;

/// The target of the lines logged here: the binary's, as when this was in
/// main.rs, so log lines and filters (`RUST_LOG=aidsearch=…`) stay the same.
const LOG: &str = "aidsearch";

/// How `serve` listens and what it records, beside the index and corpus.
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub limits: ServerLimits,
    /// Origins allowed to call the API from a browser (CORS).
    pub cors_origins: Vec<String>,
    /// The data folder for the first index, when one is built.
    pub data: Option<std::path::PathBuf>,
    pub zero_hit_log: std::path::PathBuf,
    /// The access file, when there is one (checked by [`access_for`]).
    pub access: Option<aidsearch::access::AccessFile>,
}

/// The access file `serve` runs with: the one at `path` when it exists;
/// none on loopback, or anywhere with `--no-auth`; otherwise an error,
/// so a server reachable from the network never starts open by accident.
pub fn access_for(
    path: &Path,
    named: bool,
    addr: SocketAddr,
    no_auth: bool,
) -> Result<Option<aidsearch::access::AccessFile>> {
    if path.exists() {
        if no_auth {
            anyhow::bail!(
                "--no-auth was given but the access file {} exists; remove one of them",
                path.display()
            );
        }
        return Ok(Some(aidsearch::access::AccessFile::open(path)?));
    }
    if named {
        anyhow::bail!(
            "the access file {} does not exist; create it with `aidsearch user add NAME --group G --auth {}`",
            path.display(),
            path.display()
        );
    }
    if addr.ip().is_loopback() || no_auth {
        return Ok(None);
    }
    anyhow::bail!(
        "refusing to serve on {addr} without an access file: anyone who can reach the port \
         could read every report. Create one with `aidsearch user add NAME --group G` (it is \
         written to {}), or pass --no-auth if the network itself controls who connects",
        path.display()
    )
}

/// Serve the search page and API on `options.addr` until Ctrl-C or SIGTERM,
/// building the index from `corpus` first if `index_root` has none.
pub fn serve(
    index_root: &Path,
    corpus: &Path,
    options: ServeOptions,
    color: ColorChoice,
) -> Result<ExitCode> {
    let ServeOptions {
        addr,
        limits,
        cors_origins,
        data,
        zero_hit_log,
        access,
    } = options;
    let audit_log = access.as_ref().map(|file| {
        file.current()
            .audit_log
            .clone()
            .unwrap_or_else(|| index_root.join(aidsearch::web::audit::FILE))
    });
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(color.enabled(std::io::stderr().is_terminal()))
        .init();
    if aidsearch::index::current_generation(index_root)?.is_none() {
        tracing::info!(target: LOG, corpus = %corpus.display(), index = %index_root.display(), "no index yet: building it");
        let options = ReindexOptions {
            data,
            ..ReindexOptions::default()
        };
        let summary = reindex_with_options(corpus, index_root, options, &|p| match p {
            Progress::Corpus(LoadProgress::File {
                file,
                paragraphs: Err(reason),
            }) => tracing::warn!(target: LOG, %file, %reason, "skipped corpus file"),
            Progress::Indexing {
                generation,
                paragraphs,
            } => tracing::info!(target: LOG, generation, paragraphs, "indexing"),
            _ => {}
        })
        .with_context(|| {
            format!(
                "building the first index from {} (to serve an empty index, build it with \
                 `aidsearch reindex --allow-shrink`)",
                corpus.display()
            )
        })?;
        tracing::info!(
            target: LOG,
            generation = summary.generation,
            reports = summary.reports,
            paragraphs = summary.paragraphs,
            skipped = summary.skipped.len(),
            seconds = summary.seconds,
            "index built"
        );
        if summary.data == "built-in" {
            tracing::warn!(
                target: LOG,
                "no data folder: the dictionary and synonyms built into this program were used (give one with --data)"
            );
        }
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
            target: LOG,
            address = %local,
            generation = engine.generation,
            paragraphs = engine.num_docs(),
            index = %index_root.display(),
            "serving on http://{local}"
        );
        drop(engine);
        match &access {
            Some(file) => tracing::info!(
                target: LOG,
                access = %file.path().display(),
                audit = %audit_log.as_deref().unwrap_or(Path::new("-")).display(),
                "sign-in required: API keys and staff accounts of the access file"
            ),
            None => {
                if let Some(warning) = exposure_warning(local) {
                    tracing::warn!(target: LOG, address = %local, "{warning}");
                }
            }
        }
        tracing::info!(
            target: LOG,
            fd_soft_limit = fd_soft_limit().map_or("unknown".to_string(), |n| n.to_string()),
            max_connections = limits.max_connections,
            header_timeout_s = limits.header_timeout.as_secs_f64(),
            idle_timeout_s = limits.idle_timeout.as_secs_f64(),
            shutdown_timeout_s = limits.shutdown_timeout.as_secs_f64(),
            drain_grace_s = limits.drain_grace.as_secs_f64(),
            "connection limits"
        );
        tokio::spawn(aidsearch::web::reload::watch(
            live.clone(),
            aidsearch::web::reload::INTERVAL,
        ));
        let mut state = match access {
            Some(file) => aidsearch::web::AppState::with_access(
                live,
                Arc::new(file),
                audit_log.map(aidsearch::web::audit::AuditLog::new),
            ),
            None => aidsearch::web::AppState::new(live),
        };
        if let Some(fresh) = std::sync::Arc::get_mut(&mut state) {
            fresh.cors_origins = cors_origins;
        }
        let _ = state
            .zero_hits
            .set(aidsearch::web::zero_hits::ZeroHitLog::new(zero_hit_log));
        let draining = state.draining.clone();
        let app = aidsearch::web::app(state);
        let drain = async move {
            shutdown_signal().await;
            draining.store(true, std::sync::atomic::Ordering::Relaxed);
            if !limits.drain_grace.is_zero() {
                tracing::info!(
                    target: LOG,
                    seconds = limits.drain_grace.as_secs_f64(),
                    "draining: /readyz answers 503; still serving until the grace period ends"
                );
                tokio::time::sleep(limits.drain_grace).await;
            }
            tracing::info!(
                target: LOG,
                "shutting down: no new connections; finishing in-flight requests"
            );
        };
        aidsearch::web::server::serve(listener, app, limits, drain).await?;
        tracing::info!(target: LOG, "shut down cleanly");
        Ok::<_, anyhow::Error>(())
    })?;
    // Connections still open past the shutdown deadline, and library calls
    // still running, are not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    Ok(ExitCode::SUCCESS)
}

/// The warning to log when the server listens beyond this machine
/// (`--addr 0.0.0.0:3000`, a public address): it has no authentication.
fn exposure_warning(addr: SocketAddr) -> Option<&'static str> {
    (!addr.ip().is_loopback()).then_some(
        "--no-auth: listening beyond this machine without sign-in; anyone who reaches \
         the port reads every open report. Put it behind a proxy that controls access, \
         create an access file (`aidsearch user add`), or bind 127.0.0.1",
    )
}

fn open_live(root: &Path) -> Result<LiveEngine> {
    LiveEngine::open(root).with_context(|| format!("opening the index at {}", root.display()))
}

/// Resolves on Ctrl-C or SIGTERM; the server then drains (see `serve`).
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
    tracing::info!(target: LOG, signal, "stop requested");
}

#[cfg(test)]
mod tests {
    use super::exposure_warning;

    /// `--addr 0.0.0.0` used to be taken without a word although it opens
    /// the unauthenticated server to the network.
    #[test]
    fn listening_beyond_loopback_is_warned_about() {
        for addr in ["0.0.0.0:3000", "[::]:3000", "192.168.1.5:80"] {
            let warning = exposure_warning(addr.parse().unwrap()).expect(addr);
            assert!(warning.contains("without sign-in"), "{warning}");
        }
        for addr in ["127.0.0.1:3000", "[::1]:3000", "127.0.0.2:0"] {
            assert_eq!(exposure_warning(addr.parse().unwrap()), None, "{addr}");
        }
    }
}
