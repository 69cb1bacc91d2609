//! Reindex progress on stderr: an indicatif bar on a terminal, plain lines
//! otherwise (logs, CI, cron mail).

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use aidsearch::corpus::LoadProgress;
use aidsearch::index::build::{
    reindex_incremental_with_options, reindex_with_options, BuildSummary, IncrementalSummary,
    Progress, ReindexOptions,
};

/// Run a reindex, drawing a progress bar on a terminal and writing plain
/// lines to stderr otherwise (logs, CI, cron mail).
pub fn reindex_with_display(
    corpus: &Path,
    root: &Path,
    options: ReindexOptions,
) -> Result<BuildSummary> {
    with_display(corpus, root, "", |p| {
        reindex_with_options(corpus, root, options, p)
    })
}

/// [`reindex_with_display`] for `reindex --incremental`.
pub fn reindex_incremental_with_display(
    corpus: &Path,
    root: &Path,
    options: ReindexOptions,
) -> Result<IncrementalSummary> {
    with_display(corpus, root, " incrementally", |p| {
        reindex_incremental_with_options(corpus, root, options, p)
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
        let display = BarDisplay::to(ProgressDrawTarget::stderr());
        display.bar.enable_steady_tick(Duration::from_millis(120));
        display
    }

    /// A display drawing to `target`. Until the files are counted there is
    /// no length, so the first frames are a spinner: the default bar style
    /// drew a full "0/0".
    fn to(target: ProgressDrawTarget) -> BarDisplay {
        let bar = ProgressBar::with_draw_target(None, target)
            .with_style(Self::style("{spinner:.cyan} looking for files · {elapsed}"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.write_str("\n")
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn no_empty_bar_is_drawn_before_the_files_are_counted() {
        let screen = Screen::default();
        let display = BarDisplay::to(ProgressDrawTarget::term_like(Box::new(screen.clone())));
        display.bar.tick();
        let before = screen.0.lock().unwrap().clone();
        assert!(before.contains("looking for files"), "{before:?}");
        assert!(!before.contains("0/0"), "{before:?}");
        display.update(Progress::Corpus(LoadProgress::Found(12)));
        display.bar.tick();
        let after = screen.0.lock().unwrap().clone();
        assert!(after.contains("0/12 files"), "{after:?}");
    }
}
