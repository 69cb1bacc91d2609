//! `aidsearch serve`: logging, the first index when there is none, the
//! listener, the reload watcher and a graceful shutdown.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use aidsearch::corpus::LoadProgress;
use aidsearch::index::build::{reindex_with_progress, Progress};
use aidsearch::search::LiveEngine;

use super::cli::ColorChoice;

/// The target of the lines logged here: the binary's, as when this was in
/// main.rs, so log lines and filters (`RUST_LOG=aidsearch=…`) stay the same.
const LOG: &str = "aidsearch";

/// Serve the search page and API on `addr` until Ctrl-C or SIGTERM,
/// building the index from `corpus` first if `index_root` has none.
pub fn serve(
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
        tracing::info!(target: LOG, corpus = %corpus.display(), index = %index_root.display(), "no index yet: building it");
        let summary = reindex_with_progress(corpus, index_root, &|p| match p {
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
        .context("building the first index")?;
        tracing::info!(
            target: LOG,
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
            target: LOG,
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
        tracing::info!(target: LOG, "shut down cleanly");
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
        target: LOG,
        signal,
        "shutting down: no new connections; finishing in-flight requests"
    );
}
