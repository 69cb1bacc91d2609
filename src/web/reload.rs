//! Following reindexes: a task that looks at the index root's `CURRENT`
//! pointer on a timer and switches the live engine to a new generation.

use std::sync::Arc;
use std::time::Duration;

use crate::index::build::prune_replica;
use crate::search::LiveEngine;

/// How often `aidsearch serve` looks for a new generation, so a reindex is
/// served within a second.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// Call [`LiveEngine::refresh`] every `interval`, forever (abort the task to
/// stop it), logging each switch and each new generation that did not open.
/// The refresh opens the generation and reads its tables, so it runs on the
/// blocking pool.
pub async fn watch(live: Arc<LiveEngine>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let switching = live.clone();
        // Logged under the binary's target, where these lines were written
        // before this loop moved into the library: log lines and filters
        // (`RUST_LOG=aidsearch=…`) stay as they were.
        match tokio::task::spawn_blocking(move || switching.refresh()).await {
            Ok(Ok(Some(generation))) => {
                tracing::info!(target: "aidsearch", generation, "switched to new index generation");
                // A replica fed by `aidsearch ship` has no reindex to prune
                // for it: keep the same generations the builder keeps.
                let root = live.root().to_path_buf();
                match tokio::task::spawn_blocking(move || prune_replica(&root)).await {
                    Ok(Ok(removed)) if !removed.is_empty() => tracing::info!(
                        target: "aidsearch",
                        removed = removed.len(),
                        "pruned old generations"
                    ),
                    Ok(Err(e)) => {
                        tracing::warn!(target: "aidsearch", error = %e, "pruning old generations failed")
                    }
                    _ => {}
                }
            }
            Ok(Err(e)) => tracing::warn!(
                target: "aidsearch",
                error = %e,
                "new index generation did not open; still serving the old one"
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::build::reindex;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reindex_is_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        let (corpus, root) = (dir.path().join("corpus"), dir.path().join("index"));
        std::fs::create_dir(&corpus).unwrap();
        std::fs::write(corpus.join("a.txt"), "拉萨海关开展饮用水检测。").unwrap();
        assert_eq!(reindex(&corpus, &root).unwrap().generation, 1);
        let live = Arc::new(LiveEngine::open(&root).unwrap());
        let paragraphs = live.get().num_docs();
        let watcher = tokio::spawn(watch(live.clone(), Duration::from_millis(20)));

        std::fs::write(corpus.join("b.txt"), "日喀则市教育援藏项目顺利完工。").unwrap();
        let (c, r) = (corpus.clone(), root.clone());
        let built = tokio::task::spawn_blocking(move || reindex(&c, &r))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(built.generation, 2);
        let switched = tokio::time::timeout(Duration::from_secs(20), async {
            while live.get().generation != 2 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        watcher.abort();
        assert!(switched.is_ok(), "generation 2 was not picked up in 20 s");
        assert!(live.get().num_docs() > paragraphs);
    }
}
