//! Building an index generation from reports, and the `reindex` workflow
//! around it: lock, build beside the live generation, verify, switch, prune.
//! The incremental variant re-reads only the corpus files that changed.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::collector::Count;
use tantivy::indexer::UserOperation;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use super::schema::{build_schema, date_key, Fields};
use super::{current_generation, generation_dir, generations_on_disk, switch_current, Generation};
use crate::corpus::{self, Corpus, ParagraphKind, Report, Skipped};
use crate::error::{Error, Result};
use crate::facet::FacetKind;
use crate::labels::{self, LabelledReport, Labels};

mod incremental;
pub use incremental::{
    builder_stamp, reindex_incremental, reindex_incremental_with_options,
    reindex_incremental_with_progress, stored_reports, IncrementalSummary, BUILDER_FILE,
};
use incremental::{write_builder_stamp, OnTop};

/// Memory budget of the index writer, shared by its threads.
const WRITER_BUDGET: usize = 256 * 1024 * 1024;

/// An exclusive lock on an index root, held for a whole reindex or rollback.
pub struct ReindexLock {
    file: fs::File,
}

impl ReindexLock {
    /// Take the lock, or fail at once with a clear message when another
    /// reindex holds it.
    pub fn acquire(root: &Path) -> Result<ReindexLock> {
        super::check_root(root)?;
        fs::create_dir_all(root)?;
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(super::LOCK))?;
        match file.try_lock() {
            Ok(()) => Ok(ReindexLock { file }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Busy(format!(
                "another reindex is running on {} (lock {})",
                root.display(),
                super::LOCK
            ))),
            Err(fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }
}

impl Drop for ReindexLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Share of paragraphs with at least one value of a facet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    pub region: f64,
    pub donor: f64,
    pub sector: f64,
    pub year: f64,
    pub programme: f64,
    pub report_year: f64,
    pub funding: f64,
}

/// What a reindex did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildSummary {
    pub generation: u64,
    pub files_read: usize,
    pub reports: usize,
    pub paragraphs: usize,
    pub skipped: Vec<Skipped>,
    /// Files read, but not whole or not as written (a paragraph or title
    /// cut, lines in another encoding), with what happened.
    pub warnings: Vec<Skipped>,
    pub coverage: Coverage,
    pub index_bytes: u64,
    pub seconds: f64,
    /// Megabytes of paragraph text indexed per second.
    pub mb_per_second: f64,
}

/// Turn a `/`-joined gazetteer path into a facet.
pub fn facet(path: &str) -> Facet {
    Facet::from_path(path.split('/').filter(|p| !p.is_empty()))
}

/// The tantivy documents of one report.
pub fn report_documents(fields: &Fields, report: &LabelledReport) -> Vec<TantivyDocument> {
    let date_key = date_key(report.date.as_deref());
    let context = article_context(report);
    report
        .paragraphs()
        .map(|(p, labels)| {
            let mut doc = TantivyDocument::new();
            doc.add_text(fields.id, format!("{}#{}", report.id, p.number));
            doc.add_text(fields.report_id, &report.id);
            doc.add_text(fields.title, &report.title);
            if let Some(section) = &p.section {
                doc.add_text(fields.section, section);
            }
            doc.add_text(fields.text, &p.text);
            doc.add_text(fields.text_chars, &p.text);
            doc.add_text(fields.context, &context);
            doc.add_u64(fields.chars, p.text.chars().count() as u64);
            doc.add_u64(fields.paragraph, u64::from(p.number));
            doc.add_text(fields.kind, p.kind.as_str());
            for kind in FacetKind::ALL {
                for value in labels.values(kind) {
                    doc.add_facet(fields.facets[kind], facet(&value));
                }
            }
            for amount in &labels.funding {
                doc.add_f64(fields.funding, *amount);
            }
            let max = labels.funding.iter().copied().fold(0.0, f64::max);
            doc.add_f64(fields.funding_max, max);
            if let Some(date) = &report.date {
                doc.add_text(fields.date, date);
            }
            doc.add_u64(fields.date_key, date_key);
            if let Some(source) = &report.source {
                doc.add_text(fields.source, source);
            }
            doc.add_text(fields.file, &report.file);
            if let Some(note) = &report.date_note {
                doc.add_text(fields.date_note, note);
            }
            for line in &report.byline {
                doc.add_text(fields.byline, line);
            }
            doc.add_u64(fields.content_hash, report.content_hash);
            doc
        })
        .collect()
}

/// What a report is about, for every paragraph of it: the title and the lead
/// (first body paragraph), so a paragraph deep in an article about 电商扶贫 is
/// still found by `电商 扶贫` when it only says 电商.
fn article_context(report: &Report) -> String {
    /// Characters of the lead that count as context.
    const LEAD_CHARS: usize = 200;
    let mut context = report.title.clone();
    if let Some(lead) = report
        .paragraphs
        .iter()
        .find(|p| p.kind == ParagraphKind::Paragraph)
    {
        context.push('\n');
        context.extend(lead.text.chars().take(LEAD_CHARS));
    }
    context
}

/// Write reports into a new index at `dir` (which must not hold one).
/// Reports are turned into documents on all cores while tantivy's own threads
/// segment and index them.
pub fn write_index(dir: &Path, reports: &[LabelledReport]) -> Result<Index> {
    write_index_with_progress(dir, reports, &|_| {})
}

/// [`write_index`], calling `indexed` with the running count of paragraphs
/// handed to the writer (each time it passes a multiple of [`PROGRESS_STEP`],
/// from worker threads, and the total at the end). The commit that follows
/// the last call takes the rest of the time.
pub fn write_index_with_progress(
    dir: &Path,
    reports: &[LabelledReport],
    indexed: &(dyn Fn(usize) + Sync),
) -> Result<Index> {
    fs::create_dir_all(dir)?;
    let index = Index::create_in_dir(dir, build_schema())?;
    crate::tokenizer::register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer = bulk_writer(&index)?;
    add_reports(&writer, &fields, reports.iter(), indexed)?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    write_titles(dir, reports)?;
    Ok(index)
}

/// A writer on all cores (up to 8) with the bulk-build memory budget.
fn bulk_writer(index: &Index) -> Result<IndexWriter> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    Ok(index.writer_with_num_threads(threads, WRITER_BUDGET)?)
}

/// Hand `reports` to the writer, calling `indexed` with the running count
/// of paragraphs as in [`write_index_with_progress`].
fn add_reports<'a>(
    writer: &IndexWriter,
    fields: &Fields,
    reports: impl Iterator<Item = &'a LabelledReport>,
    indexed: &(dyn Fn(usize) + Sync),
) -> Result<()> {
    let reports: Vec<&LabelledReport> = reports.filter(|r| !r.paragraphs.is_empty()).collect();
    let total: usize = reports.iter().map(|r| r.paragraphs.len()).sum();
    let added = std::sync::atomic::AtomicUsize::new(0);
    // One batch per report: a batch goes to one indexing thread in order, so
    // that thread's tokenizers see the report's title and context repeat and
    // segment them once (see `tokenizer::ChineseTokenizer`).
    let failed: Option<tantivy::TantivyError> = reports
        .par_iter()
        .map(|report| {
            let docs = report_documents(fields, report);
            let count = docs.len();
            let result = writer.run(docs.into_iter().map(UserOperation::Add)).err();
            let n = added.fetch_add(count, std::sync::atomic::Ordering::Relaxed) + count;
            if n / PROGRESS_STEP != (n - count) / PROGRESS_STEP && n < total {
                indexed(n);
            }
            result
        })
        .flatten()
        .reduce_with(|a, _| a);
    if let Some(e) = failed {
        return Err(e.into());
    }
    if total > 0 {
        indexed(total);
    }
    Ok(())
}

/// The generation's list of report titles, for completion.
fn write_titles(dir: &Path, reports: &[LabelledReport]) -> Result<()> {
    let mut titles: Vec<&str> = reports.iter().map(|r| r.title.as_str()).collect();
    titles.sort_unstable();
    titles.dedup();
    let mut listing = titles.join("\n").replace('\r', "");
    listing.push('\n');
    fs::write(dir.join(super::TITLES_FILE), listing)?;
    Ok(())
}

/// Write generation `dir` on top of the live generation `previous`: its
/// segment files are linked (or copied where links fail), the paragraphs
/// of `stale` reports deleted, `fresh` reports added. tantivy never changes
/// a segment file once written and replaces its metadata files by rename,
/// so the live generation's files are never touched.
fn write_on_top(
    previous: &Path,
    dir: &Path,
    stale: &HashSet<String>,
    fresh: &[&LabelledReport],
    all: &[LabelledReport],
    indexed: &(dyn Fn(usize) + Sync),
) -> Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(previous)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        // Locks are the writer's own; titles and the builder stamp are
        // written again below.
        if name_str.ends_with(".lock")
            || name_str == super::TITLES_FILE
            || name_str == BUILDER_FILE
            || !entry.file_type()?.is_file()
        {
            continue;
        }
        let target = dir.join(&name);
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target)?;
        }
    }
    let index = Index::open_in_dir(dir)?;
    crate::tokenizer::register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer = bulk_writer(&index)?;
    for id in stale {
        writer.delete_term(Term::from_field_text(fields.report_id, id));
    }
    add_reports(&writer, &fields, fresh.iter().copied(), indexed)?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    write_titles(dir, all)
}

/// Check a freshly built generation before it goes live: it opens, holds the
/// expected number of paragraphs, and a probe query finds the first one.
pub fn verify(
    dir: &Path,
    generation: u64,
    reports: &[LabelledReport],
    expected: usize,
) -> Result<()> {
    let engine = Generation::open_dir(dir, generation)?;
    let count = engine.num_docs() as usize;
    if count != expected {
        return Err(Error::Internal(format!(
            "verification failed: index holds {count} paragraphs, expected {expected}"
        )));
    }
    if let Some(report) = reports.iter().find(|r| !r.paragraphs.is_empty()) {
        let term = Term::from_field_text(engine.fields.report_id, &report.id);
        let hits = engine
            .searcher()
            .search(&TermQuery::new(term, IndexRecordOption::Basic), &Count)?;
        if hits != report.paragraphs.len() {
            return Err(Error::Internal(format!(
                "verification failed: probe for report {} found {hits} paragraphs, expected {}",
                report.id,
                report.paragraphs.len()
            )));
        }
    }
    Ok(())
}

/// Remove generations other than the live one and the one before it, and
/// leftovers of builds that never went live. The newest generation before
/// the live one that holds paragraphs is kept too, so an empty generation
/// switched in with `--allow-shrink` can always be rolled back from.
pub fn prune(root: &Path) -> Result<Vec<PathBuf>> {
    let current = current_generation(root)?;
    let gens = generations_on_disk(root);
    let previous = gens.iter().copied().filter(|g| Some(*g) < current).max();
    let last_with_documents = gens
        .iter()
        .copied()
        .filter(|g| Some(*g) < current)
        .rev()
        .find(|g| paragraphs_in(&generation_dir(root, *g)).is_some_and(|n| n > 0));
    let mut removed = Vec::new();
    for g in gens {
        if Some(g) != current && Some(g) != previous && Some(g) != last_with_documents {
            let dir = generation_dir(root, g);
            fs::remove_dir_all(&dir)?;
            removed.push(dir);
        }
    }
    let _ = fs::remove_file(root.join(format!("{}.tmp", super::CURRENT)));
    Ok(removed)
}

/// Paragraphs (live documents) of the generation in `dir`, read from its
/// segment metadata; `None` when it does not open.
pub fn paragraphs_in(dir: &Path) -> Option<u64> {
    let metas = Index::open_in_dir(dir)
        .ok()?
        .searchable_segment_metas()
        .ok()?;
    Some(metas.iter().map(|m| u64::from(m.num_docs())).sum())
}

/// Largest share of the live generation's paragraphs a reindex may drop
/// before it refuses to switch (unless [`ReindexOptions::allow_shrink`]).
pub const MAX_SHRINK_SHARE: f64 = 0.5;

/// How a reindex treats a corpus that gives much less than the live index.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReindexOptions {
    /// Switch even when the new generation would be empty or hold less than
    /// `1 - MAX_SHRINK_SHARE` of the live generation's paragraphs. Without
    /// it such a reindex fails with [`Error::Shrink`] and nothing changes:
    /// an emptied or half-copied corpus folder must not empty the index.
    pub allow_shrink: bool,
}

/// Refuse a new generation of `paragraphs` that would leave the index empty
/// or shrink the live generation by more than [`MAX_SHRINK_SHARE`].
fn check_shrink<R>(
    root: &Path,
    corpus: &Corpus<R>,
    paragraphs: usize,
    options: ReindexOptions,
) -> Result<()> {
    if options.allow_shrink {
        return Ok(());
    }
    let live = current_generation(root)?.map(|g| {
        let before = paragraphs_in(&generation_dir(root, g)).unwrap_or(0);
        (g, before)
    });
    let before = live.map_or(0, |(_, n)| n);
    let shrinks = (paragraphs as f64) < (1.0 - MAX_SHRINK_SHARE) * before as f64;
    if paragraphs == 0 || shrinks {
        return Err(Error::Shrink {
            files_read: corpus.files_read,
            skipped: corpus.skipped.len(),
            live,
            after: paragraphs,
        });
    }
    Ok(())
}

/// Build a new generation of `root` from the corpus folder and make it live.
///
/// Bad corpus files are skipped and listed. Fails, leaving the live
/// generation untouched, when another reindex holds the lock, when no file at
/// all could be read, when the new generation would be empty or less than
/// half the live one ([`ReindexOptions`]), or when it does not verify.
pub fn reindex(corpus_dir: &Path, root: &Path) -> Result<BuildSummary> {
    reindex_with_progress(corpus_dir, root, &|_| {})
}

/// How often [`write_index_with_progress`] reports, in paragraphs.
pub const PROGRESS_STEP: usize = 1000;

/// How far a reindex has got, for progress bars and log lines.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Reading the corpus: the file count, then one event per file.
    Corpus(corpus::LoadProgress),
    /// Writing starts: this many paragraphs go into generation `generation`.
    Indexing { generation: u64, paragraphs: usize },
    /// This many paragraphs have been handed to the writer so far.
    Indexed(usize),
    /// All paragraphs are in; committing and merging segments.
    Committing,
    /// Checking the new generation before it goes live.
    Verifying,
}

/// [`reindex`], calling `progress` as it goes (from several threads while
/// files are read and paragraphs written).
pub fn reindex_with_progress(
    corpus_dir: &Path,
    root: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary> {
    reindex_with_options(corpus_dir, root, ReindexOptions::default(), progress)
}

/// [`reindex_with_progress`] with explicit [`ReindexOptions`].
pub fn reindex_with_options(
    corpus_dir: &Path,
    root: &Path,
    options: ReindexOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary> {
    let started = Instant::now();
    check_apart(corpus_dir, root)?;
    let _lock = ReindexLock::acquire(root)?;
    prune(root)?;
    let corpus = corpus::load_dir_with_progress(corpus_dir, &|p| progress(Progress::Corpus(p)))
        .map_err(|e| unreadable_folder(corpus_dir, e))?;
    check_some_file_read(corpus_dir, &corpus)?;
    install_generation(root, label_all(corpus), None, options, started, progress)
}

/// `path` made absolute with its links resolved, as far as it exists.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => resolved(parent).join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Refuse an index root that is the corpus folder or inside it: the walk
/// would read the index's own files as reports.
pub(super) fn check_apart(corpus_dir: &Path, root: &Path) -> Result<()> {
    let (corpus, index) = (resolved(corpus_dir), resolved(root));
    if index.starts_with(&corpus) {
        return Err(Error::Corpus(format!(
            "the index folder {} is {} the corpus folder {}; keep the index outside the corpus",
            root.display(),
            if index == corpus {
                "the same as"
            } else {
                "inside"
            },
            corpus_dir.display()
        )));
    }
    Ok(())
}

/// The error when the corpus folder itself cannot be listed.
fn unreadable_folder(corpus_dir: &Path, e: std::io::Error) -> Error {
    Error::Corpus(format!(
        "cannot read corpus folder {}: {e}",
        corpus_dir.display()
    ))
}

/// The error when the corpus had files but every one was skipped (a reindex
/// then leaves the live generation alone); an empty folder is refused later,
/// as a new generation without paragraphs ([`Error::Shrink`]).
fn check_some_file_read<R>(corpus_dir: &Path, corpus: &Corpus<R>) -> Result<()> {
    if corpus.files_read == 0 && !corpus.skipped.is_empty() {
        return Err(Error::Corpus(format!(
            "no file in {} could be read ({} skipped)",
            corpus_dir.display(),
            corpus.skipped.len()
        )));
    }
    Ok(())
}

/// Label every report of a loaded corpus, on all cores.
fn label_all(corpus: Corpus) -> Corpus<LabelledReport> {
    Corpus {
        reports: corpus.reports.into_par_iter().map(labels::label).collect(),
        skipped: corpus.skipped,
        files_read: corpus.files_read,
        warnings: corpus.warnings,
    }
}

/// Write a loaded corpus into the next generation of `root`, verify it, make
/// it live and prune. The caller holds the reindex lock; on any failure the
/// half-built generation is removed and the live one is untouched.
fn install_generation(
    root: &Path,
    corpus: Corpus<LabelledReport>,
    on_top: Option<OnTop>,
    options: ReindexOptions,
    started: Instant,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary> {
    let paragraphs: usize = corpus.reports.iter().map(|r| r.paragraphs.len()).sum();
    check_shrink(root, &corpus, paragraphs, options)?;
    let last = generations_on_disk(root)
        .into_iter()
        .chain(current_generation(root)?)
        .max();
    let next = match last {
        None => 1,
        Some(last) => last.checked_add(1).ok_or_else(|| {
            Error::Internal(format!(
                "generation {last} in {} is the last number there is; \
                 reindex into a new index folder",
                root.display()
            ))
        })?,
    };
    let dir = generation_dir(root, next);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let fresh: Vec<&LabelledReport> = match &on_top {
        Some(changes) => corpus
            .reports
            .iter()
            .filter(|r| changes.fresh.contains(&r.id))
            .collect(),
        None => corpus.reports.iter().collect(),
    };
    let to_write: usize = fresh.iter().map(|r| r.paragraphs.len()).sum();
    progress(Progress::Indexing {
        generation: next,
        paragraphs: to_write,
    });
    let indexed = |n: usize| {
        progress(Progress::Indexed(n));
        if n == to_write {
            progress(Progress::Committing);
        }
    };
    let written = match &on_top {
        Some(changes) => write_on_top(
            &changes.previous,
            &dir,
            &changes.stale,
            &fresh,
            &corpus.reports,
            &indexed,
        ),
        None => write_index_with_progress(&dir, &corpus.reports, &indexed).map(|_| ()),
    };
    let built = written
        .and_then(|_| write_builder_stamp(&dir))
        .and_then(|_| {
            progress(Progress::Verifying);
            verify(&dir, next, &corpus.reports, paragraphs)
        });
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&dir);
        return Err(e);
    }
    switch_current(root, next)?;
    prune(root)?;
    let seconds = started.elapsed().as_secs_f64();
    let text_bytes: usize = corpus
        .reports
        .iter()
        .flat_map(|r| r.paragraphs.iter())
        .map(|p| p.text.len())
        .sum();
    Ok(BuildSummary {
        generation: next,
        files_read: corpus.files_read,
        reports: corpus.reports.len(),
        paragraphs,
        skipped: corpus.skipped,
        warnings: corpus.warnings,
        coverage: coverage(&corpus.reports),
        index_bytes: super::dir_size(&dir),
        seconds,
        mb_per_second: text_bytes as f64 / 1e6 / seconds.max(1e-9),
    })
}

/// Facet coverage over all paragraphs.
pub fn coverage(reports: &[LabelledReport]) -> Coverage {
    let paragraphs: Vec<&Labels> = reports.iter().flat_map(|r| r.labels.iter()).collect();
    let n = paragraphs.len().max(1) as f64;
    let share = |f: &dyn Fn(&Labels) -> bool| paragraphs.iter().filter(|p| f(p)).count() as f64 / n;
    Coverage {
        region: share(&|p| !p.region.is_empty()),
        donor: share(&|p| !p.donor.is_empty()),
        sector: share(&|p| !p.sector.is_empty()),
        year: share(&|p| !p.year.is_empty()),
        programme: share(&|p| !p.programme.is_empty()),
        report_year: share(&|p| !p.report_year.is_empty()),
        funding: share(&|p| !p.funding.is_empty()),
    }
}
