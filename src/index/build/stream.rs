//! The full reindex, streamed: corpus files are read, cleaned, labelled and
//! handed to the index writer a batch at a time, so the memory a reindex
//! needs does not grow with the number of reports (the whole corpus used to
//! be held as reports, then as labelled reports). What later steps need of
//! the reports is kept as a [`Tally`]: counts, titles, facet coverage and
//! one report to probe.

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::incremental::write_builder_stamp;
use super::{
    add_reports, bulk_writer, check_shrink_counts, create_for_build, next_generation, prune,
    unreadable_folder, verify_counts, BuildSummary, Coverage, Progress, ReindexOptions,
};
use crate::corpus::{self, LoadProgress, Skipped};
use crate::error::{Error, Result};
use crate::index::schema::Fields;
use crate::index::{generation_dir, switch_current};
use crate::labels::{self, LabelledReport};
use crate::vocabulary::Vocabulary;

/// Files read, labelled and indexed together. Large enough to keep both
/// cores busy, small enough that a batch of long reports stays a few MB.
pub const BATCH_FILES: usize = 256;

/// What the streamed build keeps of the reports it has written.
#[derive(Default)]
pub(super) struct Tally {
    pub files_read: usize,
    pub files_by_kind: std::collections::BTreeMap<&'static str, usize>,
    pub ocr_cache_hits: usize,
    pub reports: usize,
    pub paragraphs: usize,
    pub text_bytes: usize,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Skipped>,
    /// (groups, title) of every report.
    pub titles: Vec<(Vec<String>, String)>,
    /// Paragraphs with a value of each facet, and with an amount.
    covered: [usize; 7],
    /// A report with paragraphs and its paragraph count, for verification.
    pub probe: Option<(String, usize)>,
}

impl Tally {
    fn add(&mut self, report: &LabelledReport) {
        self.reports += 1;
        self.paragraphs += report.paragraphs.len();
        self.titles
            .push((report.access.clone(), report.title.clone()));
        for (p, l) in report.paragraphs.iter().zip(&report.labels) {
            self.text_bytes += p.text.len();
            let has = [
                !l.region.is_empty(),
                !l.donor.is_empty(),
                !l.sector.is_empty(),
                !l.year.is_empty(),
                !l.programme.is_empty(),
                !l.report_year.is_empty(),
                !l.funding.is_empty(),
            ];
            for (count, has) in self.covered.iter_mut().zip(has) {
                *count += usize::from(has);
            }
        }
        if self.probe.is_none() && !report.paragraphs.is_empty() {
            self.probe = Some((report.id.clone(), report.paragraphs.len()));
        }
    }

    fn coverage(&self) -> Coverage {
        let n = self.paragraphs.max(1) as f64;
        let share = |i: usize| self.covered[i] as f64 / n;
        Coverage {
            region: share(0),
            donor: share(1),
            sector: share(2),
            year: share(3),
            programme: share(4),
            report_year: share(5),
            funding: share(6),
        }
    }
}

/// Build the next generation of `root` from `corpus_dir` in batches, check
/// it, make it live and prune. The caller holds the reindex lock. On any
/// failure, or when the result would shrink the index too far, the new
/// generation is removed and the live one is untouched.
pub(super) fn stream_generation(
    corpus_dir: &Path,
    root: &Path,
    options: &ReindexOptions,
    vocabulary: Arc<Vocabulary>,
    started: Instant,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildSummary> {
    let (files, special) =
        corpus::corpus_walk(corpus_dir).map_err(|e| unreadable_folder(corpus_dir, e))?;
    let ids = corpus::file_ids(corpus_dir, &files);
    progress(Progress::Corpus(LoadProgress::Found(files.len())));
    for skipped in &special {
        progress(Progress::Corpus(LoadProgress::File {
            file: skipped.file.clone(),
            paragraphs: Err(skipped.reason.clone()),
        }));
    }
    let next = next_generation(root)?;
    let dir = generation_dir(root, next);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let mut tally = Tally {
        skipped: special,
        ..Tally::default()
    };
    let data = match vocabulary.source() {
        crate::vocabulary::Source::BuiltIn => "built-in".to_string(),
        crate::vocabulary::Source::Folder(dir) => dir.display().to_string(),
    };
    let data_missing = vocabulary.missing().iter().map(|m| m.to_string()).collect();
    let built = write_batches(
        corpus_dir,
        &dir,
        next,
        &files,
        &ids,
        &vocabulary,
        &mut tally,
        progress,
    );
    // Verifying and mining load the generation's own snapshot of it: two
    // copies would add about 20 MB to the peak.
    drop(vocabulary);
    let built = built
        .and_then(|()| {
            if tally.files_read == 0 && !tally.skipped.is_empty() {
                return Err(Error::Corpus(format!(
                    "no file in {} could be read ({} skipped)",
                    corpus_dir.display(),
                    tally.skipped.len()
                )));
            }
            check_shrink_counts(
                root,
                tally.files_read,
                tally.skipped.len(),
                tally.paragraphs,
                options,
            )
        })
        .and_then(|()| write_builder_stamp(&dir))
        .and_then(|()| {
            progress(Progress::Verifying);
            verify_counts(&dir, next, tally.probe.as_ref(), tally.paragraphs)
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
        Some(mine_stored(&dir)?)
    } else {
        None
    };
    Ok(BuildSummary {
        generation: next,
        files_read: tally.files_read,
        reports: tally.reports,
        paragraphs: tally.paragraphs,
        coverage: tally.coverage(),
        files_by_kind: tally.files_by_kind,
        ocr_cache_hits: tally.ocr_cache_hits,
        skipped: tally.skipped,
        warnings: tally.warnings,
        index_bytes: crate::index::dir_size(&dir),
        seconds,
        mb_per_second: tally.text_bytes as f64 / 1e6 / seconds.max(1e-9),
        data,
        data_missing,
        mining,
    })
}

/// Mine the vocabulary of the generation in `dir` from its own stored
/// paragraphs: the streamed build kept none of them, and reading them back
/// costs less than holding them through the build. The store is read with
/// positioned reads, like the build's merges (see `pread`).
fn mine_stored(dir: &Path) -> Result<crate::mining::MiningSummary> {
    let index = tantivy::Index::open(super::pread::PreadDirectory::open(dir)?)?;
    let text = Fields::from_schema(&index.schema())?.text;
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    // Only the paragraphs mining samples are held (see `mining::sampled`).
    let total = searcher.num_docs() as usize;
    let mut texts = Vec::new();
    let mut i = 0;
    for segment in searcher.segment_readers() {
        let store = segment.get_store_reader(1)?;
        for doc in store.iter::<tantivy::TantivyDocument>(segment.alive_bitset()) {
            let doc = doc?;
            if crate::mining::sampled(i, total) {
                texts.extend(crate::index::schema::stored_text(&doc, text));
            }
            i += 1;
        }
    }
    drop((searcher, reader, index));
    let vocabulary = Vocabulary::of_generation(dir)?;
    let paragraphs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (model, mut summary) = crate::mining::Model::mine(&paragraphs, &vocabulary);
    summary.of_paragraphs = total;
    model.save(&crate::index::mined_model_path(dir))?;
    Ok(summary)
}

/// Read, label and index `files` batch by batch into a new index at `dir`,
/// then commit it and write its titles.
#[allow(clippy::too_many_arguments)]
fn write_batches(
    corpus_dir: &Path,
    dir: &Path,
    generation: u64,
    files: &[std::path::PathBuf],
    ids: &[String],
    vocabulary: &Arc<Vocabulary>,
    tally: &mut Tally,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<()> {
    fs::create_dir_all(dir)?;
    vocabulary.write_snapshot(dir)?;
    let index = create_for_build(dir)?;
    crate::tokenizer::register(&index, vocabulary);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer = bulk_writer(&index)?;
    // `dir` is a generation of the index root (`generation_dir`): the OCR
    // cache is beside it.
    let read_options = super::read_options(dir.parent().unwrap_or(dir));
    for (paths, ids) in files.chunks(BATCH_FILES).zip(ids.chunks(BATCH_FILES)) {
        type Read =
            std::result::Result<(Vec<LabelledReport>, Vec<Skipped>, (&'static str, bool)), Skipped>;
        let results: Vec<Read> = paths
            .par_iter()
            .zip(ids)
            .map(|(path, id)| {
                let result = corpus::load_file_with(corpus_dir, path, id, &read_options);
                progress(Progress::Corpus(LoadProgress::File {
                    file: corpus::relative(corpus_dir, path),
                    paragraphs: match &result {
                        Ok(loaded) => Ok(loaded.reports.iter().map(|r| r.paragraphs.len()).sum()),
                        Err(skipped) => Err(skipped.reason.clone()),
                    },
                }));
                result.map(|loaded| {
                    let labelled = loaded.reports.into_iter().map(labels::label).collect();
                    (
                        labelled,
                        loaded.warnings,
                        (loaded.kind, loaded.ocr_cache_hit),
                    )
                })
            })
            .collect();
        let mut batch = Vec::new();
        for result in results {
            match result {
                Ok((reports, warnings, (kind, ocr_cache_hit))) => {
                    tally.files_read += 1;
                    *tally.files_by_kind.entry(kind).or_default() += 1;
                    tally.ocr_cache_hits += usize::from(ocr_cache_hit);
                    tally.warnings.extend(warnings);
                    batch.extend(reports);
                }
                Err(skipped) => tally.skipped.push(skipped),
            }
        }
        for report in &batch {
            tally.add(report);
        }
        add_reports(&writer, &fields, batch.iter(), &|_| {})?;
    }
    progress(Progress::Indexing {
        generation,
        paragraphs: tally.paragraphs,
    });
    progress(Progress::Indexed(tally.paragraphs));
    progress(Progress::Committing);
    writer.commit()?;
    writer.wait_merging_threads()?;
    super::write_titles(dir, std::mem::take(&mut tally.titles))
}
