//! Building an index generation from reports, and the `reindex` workflow
//! around it: lock, build beside the live generation, verify, switch, prune.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::collector::Count;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use super::schema::{build_schema, date_key, Fields};
use super::{current_generation, generation_dir, generations_on_disk, switch_current, Engine};
use crate::corpus::{self, Report, Skipped};
use crate::error::{Error, Result};

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
pub fn report_documents(fields: &Fields, report: &Report) -> Vec<TantivyDocument> {
    let date_key = date_key(report.date.as_deref());
    let context = article_context(report);
    report
        .paragraphs
        .iter()
        .map(|p| {
            let mut doc = TantivyDocument::new();
            doc.add_text(fields.id, format!("{}#{}", report.id, p.number));
            doc.add_text(fields.report_id, &report.id);
            doc.add_text(fields.title, &report.title);
            if let Some(section) = &p.section {
                doc.add_text(fields.section, section);
            }
            doc.add_text(fields.text, &p.text);
            doc.add_text(fields.context, &context);
            doc.add_u64(fields.chars, p.text.chars().count() as u64);
            doc.add_u64(fields.paragraph, u64::from(p.number));
            doc.add_text(fields.kind, p.kind);
            for region in &p.labels.region {
                doc.add_facet(fields.region, facet(region));
            }
            for donor in &p.labels.donor {
                doc.add_facet(fields.donor, facet(donor));
            }
            for sector in &p.labels.sector {
                doc.add_facet(fields.sector, facet(sector));
            }
            for year in &p.labels.year {
                doc.add_facet(fields.year, facet(&year.to_string()));
            }
            for amount in &p.labels.funding {
                doc.add_f64(fields.funding, *amount);
            }
            let max = p.labels.funding.iter().copied().fold(0.0, f64::max);
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
    if let Some(lead) = report.paragraphs.iter().find(|p| p.kind == "paragraph") {
        context.push('\n');
        context.extend(lead.text.chars().take(LEAD_CHARS));
    }
    context
}

/// Write reports into a new index at `dir` (which must not hold one).
/// Reports are turned into documents on all cores while tantivy's own threads
/// segment and index them.
pub fn write_index(dir: &Path, reports: &[Report]) -> Result<Index> {
    write_index_with_progress(dir, reports, &|_| {})
}

/// [`write_index`], calling `indexed` with the running count of paragraphs
/// handed to the writer (every [`PROGRESS_STEP`] paragraphs, from worker
/// threads). The commit that follows the last call takes the rest of the time.
pub fn write_index_with_progress(
    dir: &Path,
    reports: &[Report],
    indexed: &(dyn Fn(usize) + Sync),
) -> Result<Index> {
    let added = std::sync::atomic::AtomicUsize::new(0);
    fs::create_dir_all(dir)?;
    let index = Index::create_in_dir(dir, build_schema())?;
    crate::tokenizer::register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let mut writer: IndexWriter = index.writer_with_num_threads(threads, WRITER_BUDGET)?;
    let failed: Option<tantivy::TantivyError> = reports
        .par_iter()
        .flat_map_iter(|report| report_documents(&fields, report))
        .map(|doc| {
            let n = added.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n.is_multiple_of(PROGRESS_STEP) {
                indexed(n);
            }
            writer.add_document(doc).err()
        })
        .flatten()
        .reduce_with(|a, _| a);
    if let Some(e) = failed {
        return Err(e.into());
    }
    let total = added.into_inner();
    if !total.is_multiple_of(PROGRESS_STEP) {
        indexed(total);
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let mut titles: Vec<&str> = reports.iter().map(|r| r.title.as_str()).collect();
    titles.sort_unstable();
    titles.dedup();
    let mut listing = titles.join("\n").replace('\r', "");
    listing.push('\n');
    fs::write(dir.join(super::TITLES_FILE), listing)?;
    Ok(index)
}

/// Check a freshly built generation before it goes live: it opens, holds the
/// expected number of paragraphs, and a probe query finds the first one.
pub fn verify(dir: &Path, generation: u64, reports: &[Report], expected: usize) -> Result<()> {
    let engine = Engine::open_dir(dir, generation)?;
    let count = engine.num_docs() as usize;
    if count != expected {
        return Err(Error::Internal(format!(
            "verification failed: index holds {count} paragraphs, expected {expected}"
        )));
    }
    if let Some(report) = reports.iter().find(|r| !r.paragraphs.is_empty()) {
        let term = Term::from_field_text(engine.fields.id, &format!("{}#1", report.id));
        let hits = engine
            .searcher()
            .search(&TermQuery::new(term, IndexRecordOption::Basic), &Count)?;
        if hits != 1 {
            return Err(Error::Internal(format!(
                "verification failed: probe for {}#1 found {hits} documents",
                report.id
            )));
        }
    }
    Ok(())
}

/// Remove generations other than the live one and the one before it, and
/// leftovers of builds that never went live.
pub fn prune(root: &Path) -> Result<Vec<PathBuf>> {
    let current = current_generation(root)?;
    let gens = generations_on_disk(root);
    let previous = gens.iter().copied().filter(|g| Some(*g) < current).max();
    let mut removed = Vec::new();
    for g in gens {
        if Some(g) != current && Some(g) != previous {
            let dir = generation_dir(root, g);
            fs::remove_dir_all(&dir)?;
            removed.push(dir);
        }
    }
    let _ = fs::remove_file(root.join(format!("{}.tmp", super::CURRENT)));
    Ok(removed)
}

/// Build a new generation of `root` from the corpus folder and make it live.
///
/// Bad corpus files are skipped and listed. Fails, leaving the live
/// generation untouched, when another reindex holds the lock, when no file at
/// all could be read, or when the new generation does not verify.
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
    let started = Instant::now();
    let _lock = ReindexLock::acquire(root)?;
    prune(root)?;
    let corpus = corpus::load_dir_with_progress(corpus_dir, &|p| progress(Progress::Corpus(p)))
        .map_err(|e| {
            Error::Corpus(format!(
                "cannot read corpus folder {}: {e}",
                corpus_dir.display()
            ))
        })?;
    if corpus.files_read == 0 && !corpus.skipped.is_empty() {
        return Err(Error::Corpus(format!(
            "no file in {} could be read ({} skipped)",
            corpus_dir.display(),
            corpus.skipped.len()
        )));
    }
    let next = generations_on_disk(root)
        .into_iter()
        .chain(current_generation(root)?)
        .max()
        .map_or(1, |g| g + 1);
    let dir = generation_dir(root, next);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let paragraphs: usize = corpus.reports.iter().map(|r| r.paragraphs.len()).sum();
    progress(Progress::Indexing {
        generation: next,
        paragraphs,
    });
    let built = write_index_with_progress(&dir, &corpus.reports, &|n| {
        progress(Progress::Indexed(n));
        if n == paragraphs {
            progress(Progress::Committing);
        }
    })
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
        coverage: coverage(&corpus.reports),
        index_bytes: super::dir_size(&dir),
        seconds,
        mb_per_second: text_bytes as f64 / 1e6 / seconds.max(1e-9),
    })
}

/// Facet coverage over all paragraphs.
pub fn coverage(reports: &[Report]) -> Coverage {
    let paragraphs: Vec<_> = reports.iter().flat_map(|r| r.paragraphs.iter()).collect();
    let n = paragraphs.len().max(1) as f64;
    let share = |f: &dyn Fn(&crate::corpus::Paragraph) -> bool| {
        paragraphs.iter().filter(|p| f(p)).count() as f64 / n
    };
    Coverage {
        region: share(&|p| !p.labels.region.is_empty()),
        donor: share(&|p| !p.labels.donor.is_empty()),
        sector: share(&|p| !p.labels.sector.is_empty()),
        year: share(&|p| !p.labels.year.is_empty()),
        funding: share(&|p| !p.labels.funding.is_empty()),
    }
}
