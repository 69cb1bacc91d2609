//! Building an index generation from reports, and the `reindex` workflow
//! around it: lock, build beside the live generation, verify, switch, prune.
//! The incremental variant re-reads only the corpus files that changed.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
use crate::corpus::{self, Corpus, Paragraph, ParagraphKind, Report, Skipped};
use crate::error::{Error, Result};
use crate::facet::FacetKind;
use crate::labels::{LabelledReport, Labels};
use crate::vocabulary::Vocabulary;

mod incremental;
mod pread;
mod stream;
pub use incremental::{
    builder_stamp, reindex_incremental, reindex_incremental_with_options,
    reindex_incremental_with_progress, stored_reports, IncrementalSummary, BUILDER_FILE,
};
use incremental::{write_builder_stamp, OnTop};
pub use stream::BATCH_FILES;

/// Memory budget of the index writer, shared by its threads. With the
/// streamed reindex the writer's arena is most of what a reindex holds:
/// 256 MiB peaked at 373 MB on the scale corpus, 64 MiB at 276 MB for the
/// same CPU time (BENCHMARKS.md).
const WRITER_BUDGET: usize = 64 * 1024 * 1024;

/// Segments merge four at a time, and a segment of this many paragraphs
/// merges no further: merging eight segments into one while new ones are
/// written peaked 70 MB higher on the scale corpus, and the handful of
/// segments left (five at 400,000 paragraphs) search as fast as one.
const MERGE_SEGMENTS: usize = 4;
const MERGE_MAX_DOCS: usize = 100_000;

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
    /// Files read, by kind: `text`, `html`, `docx`, `odt`, `pdf`, `ocr`,
    /// `doc`, `spreadsheet`
    /// (an incremental reindex counts the files it read again, not those
    /// it reused).
    pub files_by_kind: std::collections::BTreeMap<&'static str, usize>,
    /// Scans whose text came from the OCR cache ([`OCR_CACHE_DIR`]), not
    /// from OCR again.
    pub ocr_cache_hits: usize,
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
    /// Where the dictionary and synonyms came from: the data folder, or
    /// "built-in" (the copies compiled into the program).
    pub data: String,
    /// Data files the data folder lacked, taken from the built-in copies.
    pub data_missing: Vec<String>,
    /// The vocabulary mined from the corpus after the switch, when it ran.
    pub mining: Option<crate::mining::MiningSummary>,
}

/// Folder of the index root that keeps OCR results by file content
/// (`corpus::formats::OcrCache`): beside the generations, so a full
/// reindex finds the scans it read before.
pub const OCR_CACHE_DIR: &str = "ocr-cache";

/// How the reindex of `root` reads corpus files: with its OCR cache.
pub fn read_options(root: &Path) -> crate::corpus::formats::ReadOptions {
    crate::corpus::formats::ReadOptions::with_ocr(Some(crate::corpus::formats::OcrCache {
        dir: root.join(OCR_CACHE_DIR),
    }))
}

/// Turn a `/`-joined gazetteer path into a facet.
pub fn facet(path: &str) -> Facet {
    Facet::from_path(path.split('/').filter(|p| !p.is_empty()))
}

/// The tantivy documents of one report.
pub fn report_documents(fields: &Fields, report: &LabelledReport) -> Vec<TantivyDocument> {
    let date_key = date_key(report.date.as_deref());
    let contexts = paragraph_contexts(report);
    report
        .paragraphs()
        .zip(&contexts)
        .map(|((p, labels), context)| {
            let mut doc = TantivyDocument::new();
            doc.add_text(fields.id, format!("{}#{}", report.id, p.number));
            doc.add_text(fields.report_id, &report.id);
            doc.add_text(fields.title, &report.title);
            if let Some(section) = &p.section {
                doc.add_text(fields.section, section);
            }
            doc.add_text(fields.text, &p.text);
            doc.add_text(fields.text_chars, &p.text);
            doc.add_text(fields.context, context);
            doc.add_u64(fields.chars, p.text.chars().count() as u64);
            doc.add_u64(fields.paragraph, u64::from(p.number));
            doc.add_text(fields.kind, p.kind.as_str());
            if let (crate::corpus::Extraction::Ocr, Some(field)) = (p.extraction, fields.extraction)
            {
                doc.add_text(field, p.extraction.as_str());
            }
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
            if report.access.is_empty() {
                doc.add_text(fields.access, crate::corpus::meta::OPEN_ACCESS);
            }
            for group in &report.access {
                doc.add_text(fields.access, group);
            }
            doc
        })
        .collect()
}

/// What each paragraph's article is about: its title and lead (first body
/// paragraph), so a paragraph deep in an article about 电商扶贫 is still
/// found by `电商 扶贫` when it only says 电商. In a compilation, the article
/// is the paragraph's story, under its headline.
fn paragraph_contexts(report: &Report) -> Vec<String> {
    let Some(starts) = crate::labels::stories::starts(report) else {
        let context = article_context(&report.title, &report.paragraphs);
        return vec![context; report.paragraphs.len()];
    };
    crate::labels::stories::stories(report, &starts)
        .into_iter()
        .flat_map(|(title, paragraphs)| {
            let context = article_context(title, &paragraphs[usize::from(title != report.title)..]);
            std::iter::repeat_n(context, paragraphs.len())
        })
        .collect()
}

/// The context of an article titled `title` with `paragraphs`.
fn article_context(title: &str, paragraphs: &[Paragraph]) -> String {
    /// Characters of the lead that count as context.
    const LEAD_CHARS: usize = 200;
    let mut context = title.to_string();
    if let Some(lead) = paragraphs
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
    write_index_with_progress(dir, reports, &Vocabulary::built_in(), &|_| {})
}

/// [`write_index`] with a vocabulary (snapshotted into `dir`), calling
/// `indexed` with the running count of paragraphs handed to the writer (each time it passes a multiple of [`PROGRESS_STEP`],
/// from worker threads, and the total at the end). The commit that follows
/// the last call takes the rest of the time.
pub fn write_index_with_progress(
    dir: &Path,
    reports: &[LabelledReport],
    vocabulary: &Arc<Vocabulary>,
    indexed: &(dyn Fn(usize) + Sync),
) -> Result<Index> {
    fs::create_dir_all(dir)?;
    vocabulary.write_snapshot(dir)?;
    let index = create_for_build(dir)?;
    crate::tokenizer::register(&index, vocabulary);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer = bulk_writer(&index)?;
    add_reports(&writer, &fields, reports.iter(), indexed)?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    write_titles(dir, titles_of(reports))?;
    Ok(index)
}

/// A new index in the empty folder `dir`, read back through
/// [`pread::PreadDirectory`] so that merges do not map whole segments.
fn create_for_build(dir: &Path) -> Result<Index> {
    let directory = pread::PreadDirectory::open(dir)?;
    Ok(Index::create(
        directory,
        build_schema(),
        tantivy::IndexSettings::default(),
    )?)
}

/// A writer on all cores (up to 8) with the bulk-build memory budget.
fn bulk_writer(index: &Index) -> Result<IndexWriter> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let writer = index.writer_with_num_threads(threads, WRITER_BUDGET)?;
    let mut policy = tantivy::indexer::LogMergePolicy::default();
    policy.set_min_num_segments(MERGE_SEGMENTS);
    policy.set_max_docs_before_merge(MERGE_MAX_DOCS);
    writer.set_merge_policy(Box::new(policy));
    Ok(writer)
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
/// The (groups, title) of each report, for [`write_titles`].
fn titles_of(reports: &[LabelledReport]) -> Vec<(Vec<String>, String)> {
    reports
        .iter()
        .map(|r| (r.access.clone(), r.title.clone()))
        .collect()
}

/// The generation's title lists from (groups, title) pairs: open reports'
/// titles in one, restricted reports' in another, each after its groups,
/// so completion offers them only to those groups.
pub(super) fn write_titles(dir: &Path, titles: Vec<(Vec<String>, String)>) -> Result<()> {
    let (restricted, open): (Vec<_>, Vec<_>) = titles.into_iter().partition(|t| !t.0.is_empty());
    let mut open: Vec<String> = open.into_iter().map(|t| t.1).collect();
    open.sort_unstable();
    open.dedup();
    write_title_list(dir, &open)?;
    let mut lines: Vec<String> = restricted
        .iter()
        .map(|(groups, title)| {
            format!("{}\t{}", groups.join(","), title.replace(['\n', '\r'], " "))
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    let mut listing = lines.join("\n");
    listing.push('\n');
    fs::write(dir.join(super::RESTRICTED_TITLES_FILE), listing)?;
    Ok(())
}

/// Write sorted, distinct `titles` as the generation's title list.
fn write_title_list(dir: &Path, titles: &[String]) -> Result<()> {
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
    vocabulary: &Arc<Vocabulary>,
    indexed: &(dyn Fn(usize) + Sync),
) -> Result<()> {
    fs::create_dir_all(dir)?;
    // Only called when `vocabulary` segments like the live generation's
    // (`incremental::on_top_of_live`); its synonyms may still differ.
    vocabulary.write_snapshot(dir)?;
    for entry in fs::read_dir(previous)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        // Locks are the writer's own; titles and the builder stamp are
        // written again below.
        if name_str.ends_with(".lock")
            || name_str == super::TITLES_FILE
            || name_str == super::RESTRICTED_TITLES_FILE
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
    let index = Index::open(pread::PreadDirectory::open(dir)?)?;
    crate::tokenizer::register(&index, vocabulary);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer = bulk_writer(&index)?;
    for id in stale {
        writer.delete_term(Term::from_field_text(fields.report_id, id));
    }
    add_reports(&writer, &fields, fresh.iter().copied(), indexed)?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    write_titles(dir, titles_of(all))
}

/// Check a freshly built generation before it goes live: it opens, holds the
/// expected number of paragraphs, and a probe query finds the first one.
pub fn verify(
    dir: &Path,
    generation: u64,
    reports: &[LabelledReport],
    expected: usize,
) -> Result<()> {
    let probe = reports
        .iter()
        .find(|r| !r.paragraphs.is_empty())
        .map(|r| (r.id.clone(), r.paragraphs.len()));
    verify_counts(dir, generation, probe.as_ref(), expected)
}

/// [`verify`] given the probe report (its id and paragraph count) rather
/// than every report.
fn verify_counts(
    dir: &Path,
    generation: u64,
    probe: Option<&(String, usize)>,
    expected: usize,
) -> Result<()> {
    let engine = Generation::open_dir(dir, generation)?;
    let count = engine.num_docs() as usize;
    if count != expected {
        return Err(Error::Internal(format!(
            "verification failed: index holds {count} paragraphs, expected {expected}"
        )));
    }
    if let Some((id, paragraphs)) = probe {
        let term = Term::from_field_text(engine.fields.report_id, id);
        let hits = engine
            .searcher()
            .search(&TermQuery::new(term, IndexRecordOption::Basic), &Count)?;
        if hits != *paragraphs {
            return Err(Error::Internal(format!(
                "verification failed: probe for report {id} found {hits} paragraphs, expected {paragraphs}"
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
    prune_keeping(root, false)
}

/// [`prune`] as a replica does it after switching to a shipped generation:
/// generations newer than the live one are kept, since they may be copies
/// that `aidsearch ship` is still writing (it writes the pointer last).
pub fn prune_replica(root: &Path) -> Result<Vec<PathBuf>> {
    prune_keeping(root, true)
}

/// Either way, a generation that vanishes meanwhile (the server that
/// follows this root prunes too) is no error.
fn prune_keeping(root: &Path, keep_newer: bool) -> Result<Vec<PathBuf>> {
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
        let newer = current.is_some_and(|c| g > c);
        if keep_newer && (newer || current.is_none()) {
            continue;
        }
        if Some(g) != current && Some(g) != previous && Some(g) != last_with_documents {
            let dir = generation_dir(root, g);
            match fs::remove_dir_all(&dir) {
                Ok(()) => removed.push(dir),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    if !keep_newer {
        let _ = fs::remove_file(root.join(format!("{}.tmp", super::CURRENT)));
    }
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

/// How a reindex treats a corpus that gives much less than the live index,
/// and where it reads its data files.
#[derive(Debug, Clone)]
pub struct ReindexOptions {
    /// Switch even when the new generation would be empty or hold less than
    /// `1 - MAX_SHRINK_SHARE` of the live generation's paragraphs. Without
    /// it such a reindex fails with [`Error::Shrink`] and nothing changes:
    /// an emptied or half-copied corpus folder must not empty the index.
    pub allow_shrink: bool,
    /// The data folder holding `dict.txt` and `synonyms.txt`, read now and
    /// snapshotted into the new generation; `None` uses the copies built
    /// into the program.
    pub data: Option<PathBuf>,
    /// Mine the corpus's vocabulary (`crate::mining`) after the switch.
    pub mine: bool,
}

impl Default for ReindexOptions {
    fn default() -> ReindexOptions {
        ReindexOptions {
            allow_shrink: false,
            data: None,
            mine: true,
        }
    }
}

impl ReindexOptions {
    /// The vocabulary this reindex builds with.
    pub fn vocabulary(&self) -> Result<Arc<Vocabulary>> {
        match &self.data {
            Some(dir) => Ok(Arc::new(Vocabulary::read_dir(dir)?)),
            None => Ok(Vocabulary::built_in()),
        }
    }
}

/// Refuse a new generation of `paragraphs` that would leave the index empty
/// or shrink the live generation by more than [`MAX_SHRINK_SHARE`].
fn check_shrink<R>(
    root: &Path,
    corpus: &Corpus<R>,
    paragraphs: usize,
    options: &ReindexOptions,
) -> Result<()> {
    check_shrink_counts(
        root,
        corpus.files_read,
        corpus.skipped.len(),
        paragraphs,
        options,
    )
}

/// [`check_shrink`] given the counts rather than the corpus.
fn check_shrink_counts(
    root: &Path,
    files_read: usize,
    skipped: usize,
    paragraphs: usize,
    options: &ReindexOptions,
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
            files_read,
            skipped,
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
    let vocabulary = options.vocabulary()?;
    stream::stream_generation(corpus_dir, root, &options, vocabulary, started, progress)
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

/// The number the next generation of `root` gets.
fn next_generation(root: &Path) -> Result<u64> {
    let last = generations_on_disk(root)
        .into_iter()
        .chain(current_generation(root)?)
        .max();
    match last {
        None => Ok(1),
        Some(last) => last.checked_add(1).ok_or_else(|| {
            Error::Internal(format!(
                "generation {last} in {} is the last number there is; \
                 reindex into a new index folder",
                root.display()
            ))
        }),
    }
}

/// Write a loaded corpus into the next generation of `root`, verify it, make
/// it live and prune. The caller holds the reindex lock; on any failure the
/// half-built generation is removed and the live one is untouched.
fn install_generation(
    root: &Path,
    corpus: Corpus<LabelledReport>,
    on_top: Option<OnTop>,
    options: &ReindexOptions,
    vocabulary: &Arc<Vocabulary>,
    started: Instant,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary> {
    let paragraphs: usize = corpus.reports.iter().map(|r| r.paragraphs.len()).sum();
    check_shrink(root, &corpus, paragraphs, options)?;
    let next = next_generation(root)?;
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
            vocabulary,
            &indexed,
        ),
        None => write_index_with_progress(&dir, &corpus.reports, vocabulary, &indexed).map(|_| ()),
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
    // Timed apart: the generation serves before its mined vocabulary exists.
    let seconds = started.elapsed().as_secs_f64();
    let mining = if options.mine {
        Some(mine_into(
            &dir,
            &corpus.reports,
            vocabulary,
            on_top.as_ref(),
        )?)
    } else {
        None
    };
    let text_bytes: usize = corpus
        .reports
        .iter()
        .flat_map(|r| r.paragraphs.iter())
        .map(|p| p.text.len())
        .sum();
    Ok(BuildSummary {
        generation: next,
        files_read: corpus.files_read,
        files_by_kind: corpus.files_by_kind,
        ocr_cache_hits: corpus.ocr_cache_hits,
        reports: corpus.reports.len(),
        paragraphs,
        skipped: corpus.skipped,
        warnings: corpus.warnings,
        coverage: coverage(&corpus.reports),
        index_bytes: super::dir_size(&dir),
        seconds,
        mb_per_second: text_bytes as f64 / 1e6 / seconds.max(1e-9),
        data: match vocabulary.source() {
            crate::vocabulary::Source::BuiltIn => "built-in".to_string(),
            crate::vocabulary::Source::Folder(dir) => dir.display().to_string(),
        },
        data_missing: vocabulary.missing().iter().map(|m| m.to_string()).collect(),
        mining,
    })
}

/// Largest share of paragraphs an incremental build may change and still
/// keep the previous generation's mined vocabulary.
pub const MINING_REUSE_SHARE: f64 = 0.05;

/// Mine the corpus into the live generation `dir`, or keep the previous
/// generation's model when this generation was written on top of it (so
/// with the same dictionary) and few paragraphs were added or reports
/// removed.
fn mine_into(
    dir: &Path,
    reports: &[LabelledReport],
    vocabulary: &Vocabulary,
    on_top: Option<&OnTop>,
) -> Result<crate::mining::MiningSummary> {
    let target = super::mined_model_path(dir);
    if let Some(changes) = on_top {
        let previous = super::mined_model_path(&changes.previous);
        let total: usize = reports.iter().map(|r| r.paragraphs.len()).sum();
        let changed: usize = reports
            .iter()
            .filter(|r| changes.fresh.contains(&r.id))
            .map(|r| r.paragraphs.len())
            .sum::<usize>()
            + changes.stale.difference(&changes.fresh).count();
        if previous.is_file() && (changed as f64) <= MINING_REUSE_SHARE * total.max(1) as f64 {
            let started = Instant::now();
            if fs::hard_link(&previous, &target).is_err() {
                fs::copy(&previous, &target)?;
            }
            return Ok(crate::mining::MiningSummary {
                seconds: started.elapsed().as_secs_f64(),
                reused: true,
                ..Default::default()
            });
        }
    }
    let paragraphs: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.paragraphs.iter().map(|p| p.text.as_str()))
        .collect();
    let (model, summary) = crate::mining::Model::mine(&paragraphs, vocabulary);
    model.save(&target)?;
    Ok(summary)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compilations_paragraphs_have_their_storys_context() {
        let texts = [
            "山东援疆干部助力喀什发展",
            "山东省第十批援疆干部人才近日抵达喀什。",
            "首艘国产大型邮轮完成试航",
            "昨晚，首艘国产大型邮轮完成了首次试航任务。",
            "全国夏粮收购进展顺利",
            "目前各地夏粮收购总体平稳。",
        ];
        let contexts = paragraph_contexts(&Report::of_texts("国内联播快讯", "2023-07-25", &texts));
        assert_eq!(contexts[2], contexts[3]);
        assert_eq!(
            contexts[3],
            "首艘国产大型邮轮完成试航\n昨晚，首艘国产大型邮轮完成了首次试航任务。"
        );
        assert!(!contexts[5].contains("援疆"));
        // One article: its title and lead for every paragraph.
        let contexts = paragraph_contexts(&Report::of_texts("援疆", "2023-07-25", &texts[1..2]));
        assert_eq!(
            contexts,
            vec!["援疆\n山东省第十批援疆干部人才近日抵达喀什。"]
        );
    }
}
