//! Incremental reindex: a new generation written from the files that
//! changed and the live generation's stored paragraphs of those that did not.
//!
//! A new generation is still written whole and switched in atomically, like a
//! full reindex; what is saved is the reading, cleaning and labelling of the
//! files that did not change. Their reports are rebuilt from the live
//! generation's stored fields and go through the same `report_documents` as
//! freshly read ones, so the result holds the same documents as a full
//! reindex (`tests/robustness.rs` compares the two).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, UNIX_EPOCH};

use rayon::prelude::*;
use serde::Serialize;
use tantivy::schema::Value as _;
use tantivy::{Index, TantivyDocument};

use super::*;
use crate::corpus::{self, Corpus, LoadProgress, ParagraphKind, Report, Skipped};
use crate::error::{Error, Result};
use crate::facet::FacetKind;
use crate::index::schema::{stored_facet_paths, stored_text};
use crate::index::{current_generation, generation_dir, Fields, Generation};
use crate::labels::{self, LabelledReport, Labels};
use crate::vocabulary::Vocabulary;

/// File of a generation naming the program that built it ([`builder_stamp`]).
pub const BUILDER_FILE: &str = "builder.txt";

/// Who builds generations: the crate version and the identity (size and
/// modification time) of the running executable, or "" when that cannot be
/// told. Cleaning and labelling rules are compiled in, so another build of
/// the program may label the same file differently; an incremental reindex
/// reuses only what the same build wrote.
pub fn builder_stamp() -> String {
    let exe = std::env::current_exe()
        .and_then(fs::metadata)
        .ok()
        .and_then(|m| {
            let modified = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
            Some((m.len(), modified.as_nanos()))
        });
    match exe {
        Some((len, nanos)) => format!("aidsearch {} exe {len} {nanos}", env!("CARGO_PKG_VERSION")),
        None => String::new(),
    }
}

pub(super) fn write_builder_stamp(dir: &Path) -> Result<()> {
    fs::write(dir.join(BUILDER_FILE), format!("{}\n", builder_stamp()))?;
    Ok(())
}

/// What an incremental reindex did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncrementalSummary {
    /// The new generation, as a full reindex reports it.
    #[serde(flatten)]
    pub build: BuildSummary,
    /// Files whose content hash matched the live generation: their
    /// paragraphs were taken from it, not read again.
    pub files_reused: usize,
    /// Files read and ingested: new, changed, or skipped last time.
    pub files_reingested: usize,
    /// Files of the live generation that are gone from the corpus folder,
    /// and so from the index.
    pub files_removed: usize,
    /// Why every file was read again, when nothing could be reused.
    pub full_because: Option<String>,
    /// The new generation was written on top of the live one's segments
    /// (only the changed reports' paragraphs written), not from scratch.
    pub segments_reused: bool,
}

/// Like [`reindex`], but re-ingest only the files whose content hash (file
/// and sidecar) differs from the live generation; deleted files disappear.
/// Falls back to reading every file when the live generation is missing,
/// unreadable, or was built by another build of the program.
pub fn reindex_incremental(corpus_dir: &Path, root: &Path) -> Result<IncrementalSummary> {
    reindex_incremental_with_progress(corpus_dir, root, &|_| {})
}

/// [`reindex_incremental`], calling `progress` as it goes. Reused files are
/// reported like read ones.
pub fn reindex_incremental_with_progress(
    corpus_dir: &Path,
    root: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<IncrementalSummary> {
    reindex_incremental_with_options(corpus_dir, root, ReindexOptions::default(), progress)
}

/// [`reindex_incremental_with_progress`] with explicit [`ReindexOptions`].
pub fn reindex_incremental_with_options(
    corpus_dir: &Path,
    root: &Path,
    options: ReindexOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<IncrementalSummary> {
    let started = Instant::now();
    check_apart(corpus_dir, root)?;
    let vocabulary = options.vocabulary()?;
    let _lock = ReindexLock::acquire(root)?;
    prune(root)?;
    let (mut previous, full_because) = match reusable_files(root) {
        Ok(files) => (files, None),
        Err(reason) => (HashMap::new(), Some(reason)),
    };
    let (files, special) =
        corpus::corpus_walk(corpus_dir).map_err(|e| unreadable_folder(corpus_dir, e))?;
    progress(Progress::Corpus(LoadProgress::Found(files.len())));
    for skipped in &special {
        progress(Progress::Corpus(LoadProgress::File {
            file: skipped.file.clone(),
            paragraphs: Err(skipped.reason.clone()),
        }));
    }
    let present: HashSet<String> = files
        .iter()
        .map(|path| corpus::relative(corpus_dir, path))
        .collect();
    let files_removed = previous.keys().filter(|f| !present.contains(*f)).count();
    let ids = corpus::file_ids(corpus_dir, &files);
    type Loaded = (
        String,
        FileSource,
        Vec<Skipped>,
        Option<(&'static str, bool)>,
    );
    let read_options = read_options(root);
    let loaded: Vec<Loaded> = files
        .par_iter()
        .zip(&ids)
        .map(|(path, id)| {
            let file = corpus::relative(corpus_dir, path);
            // Reused only when the content and the id are what they were
            // (a new file beside it can change its id: `corpus::file_ids`).
            let unchanged = previous.get(&file).is_some_and(|stored| {
                file_hash(corpus_dir, path) == Some(stored.hash) && stored.has_ids_of(id)
            });
            let mut warnings = Vec::new();
            let mut kind = None;
            let source = if unchanged {
                FileSource::Live
            } else {
                FileSource::Read(
                    corpus::load_file_with(corpus_dir, path, id, &read_options).map(|loaded| {
                        warnings = loaded.warnings;
                        kind = Some((loaded.kind, loaded.ocr_cache_hit));
                        loaded.reports.into_iter().map(labels::label).collect()
                    }),
                )
            };
            let paragraphs = match &source {
                FileSource::Live => Ok(previous[&file].paragraphs()),
                FileSource::Read(Ok(reports)) => {
                    Ok(reports.iter().map(|r| r.paragraphs.len()).sum())
                }
                FileSource::Read(Err(skipped)) => Err(skipped.reason.clone()),
            };
            progress(Progress::Corpus(LoadProgress::File {
                file: file.clone(),
                paragraphs,
            }));
            (file, source, warnings, kind)
        })
        .collect();
    let mut corpus = Corpus {
        skipped: special,
        ..Corpus::default()
    };
    let (mut files_reused, mut files_reingested) = (0, 0);
    let (mut kept, mut fresh) = (HashSet::new(), HashSet::new());
    for (file, source, warnings, kind) in loaded {
        corpus.warnings.extend(warnings);
        if let Some((kind, ocr_cache_hit)) = kind {
            *corpus.files_by_kind.entry(kind).or_default() += 1;
            corpus.ocr_cache_hits += usize::from(ocr_cache_hit);
        }
        let reports = match source {
            FileSource::Live => {
                files_reused += 1;
                let reports = previous.remove(&file).map(|stored| stored.reports);
                kept.extend(reports.iter().flatten().map(|r| r.id.clone()));
                reports
            }
            FileSource::Read(Ok(reports)) => {
                files_reingested += 1;
                fresh.extend(reports.iter().map(|r| r.id.clone()));
                Some(reports)
            }
            FileSource::Read(Err(skipped)) => {
                files_reingested += 1;
                corpus.skipped.push(skipped);
                None
            }
        };
        if let Some(reports) = reports {
            corpus.files_read += 1;
            corpus.reports.extend(reports);
        }
    }
    check_some_file_read(corpus_dir, &corpus)?;
    // What is left of the live generation's files was changed or removed.
    let on_top = if full_because.is_none() {
        let stale: HashSet<String> = previous
            .values()
            .flat_map(|stored| stored.reports.iter().map(|r| r.id.clone()))
            .collect();
        let stale_paragraphs: usize = previous.values().map(StoredFile::paragraphs).sum();
        on_top_of_live(root, stale, stale_paragraphs, fresh, &kept, &vocabulary)
    } else {
        None
    };
    let segments_reused = on_top.is_some();
    let build = install_generation(
        root,
        corpus,
        on_top,
        &options,
        &vocabulary,
        started,
        progress,
    )?;
    Ok(IncrementalSummary {
        build,
        files_reused,
        files_reingested,
        files_removed,
        full_because,
        segments_reused,
    })
}

/// What an incremental build changes in the live generation, when it is
/// written on top of it rather than from scratch.
pub(super) struct OnTop {
    /// The live generation's directory.
    pub(super) previous: PathBuf,
    /// Reports whose paragraphs leave the index: those of changed and
    /// removed files.
    pub(super) stale: HashSet<String>,
    /// Reports to add: those of new and changed files.
    pub(super) fresh: HashSet<String>,
}

/// Most deleted paragraphs a generation written on top of another may
/// carry, as a share of all its paragraphs; past it the incremental build
/// writes everything again, which also drops them.
pub(super) const MAX_DELETED_SHARE: f64 = 0.2;

/// Where an incremental reindex takes one corpus file's reports from.
pub(super) enum FileSource {
    /// Unchanged since the live generation: its stored paragraphs.
    Live,
    /// New, changed or skipped last time: the file, read again.
    Read(std::result::Result<Vec<LabelledReport>, Skipped>),
}

/// The reports of one corpus file in the live generation.
pub(super) struct StoredFile {
    hash: u64,
    reports: Vec<LabelledReport>,
}

impl StoredFile {
    fn paragraphs(&self) -> usize {
        self.reports.iter().map(|r| r.paragraphs.len()).sum()
    }

    /// Whether its reports carry the ids a file of id `base` gives them.
    fn has_ids_of(&self, base: &str) -> bool {
        let stored: HashSet<&str> = self.reports.iter().map(|r| r.id.as_str()).collect();
        let expected = corpus::report_ids(base, self.reports.len());
        stored.len() == expected.len() && expected.iter().all(|id| stored.contains(id.as_str()))
    }
}

/// Whether the incremental build can be written on top of the live
/// generation: its segments are readable, no report to delete shares its
/// id with a report that stays (deleting by id would take that one too),
/// the deleted paragraphs stay under [`MAX_DELETED_SHARE`], and its
/// dictionary is `vocabulary`'s (another one segments the new paragraphs
/// otherwise than the old ones).
pub(super) fn on_top_of_live(
    root: &Path,
    stale: HashSet<String>,
    stale_paragraphs: usize,
    fresh: HashSet<String>,
    kept: &HashSet<String>,
    vocabulary: &Vocabulary,
) -> Option<OnTop> {
    if stale.iter().any(|id| kept.contains(id)) {
        return None;
    }
    let previous = generation_dir(root, current_generation(root).ok()??);
    if !vocabulary.segments_like_generation(&previous) {
        return None;
    }
    let metas = Index::open_in_dir(&previous)
        .ok()?
        .searchable_segment_metas()
        .ok()?;
    let max_doc: usize = metas.iter().map(|m| m.max_doc() as usize).sum();
    let deleted: usize = metas.iter().map(|m| m.num_deleted_docs() as usize).sum();
    ((deleted + stale_paragraphs) as f64 <= MAX_DELETED_SHARE * max_doc.max(1) as f64).then_some(
        OnTop {
            previous,
            stale,
            fresh,
        },
    )
}

/// The live generation's reports by corpus file, or why none can be reused.
pub(super) fn reusable_files(
    root: &Path,
) -> std::result::Result<HashMap<String, StoredFile>, String> {
    let generation = current_generation(root)
        .map_err(|e| e.to_string())?
        .ok_or("there is no live generation")?;
    let dir = generation_dir(root, generation);
    let stamp = builder_stamp();
    let built_by = fs::read_to_string(dir.join(BUILDER_FILE)).unwrap_or_default();
    if stamp.is_empty() || built_by.trim() != stamp {
        return Err(format!(
            "generation {generation} was built by another build of aidsearch"
        ));
    }
    let engine = Generation::open_dir(&dir, generation)
        .map_err(|e| format!("generation {generation} does not open: {e}"))?;
    let reports = stored_reports(&engine)
        .map_err(|e| format!("generation {generation} cannot be read back: {e}"))?;
    // A report without paragraphs has no document, only a line in the titles
    // file; its file cannot be told, so reusing would lose the line.
    let known: HashSet<&str> = reports
        .iter()
        .flat_map(|r| r.title.split('\n'))
        .map(|t| t.trim_end_matches('\r'))
        .collect();
    let listed = fs::read_to_string(dir.join(crate::index::TITLES_FILE)).unwrap_or_default();
    if listed
        .lines()
        .any(|t| !t.is_empty() && !known.contains(t.replace('\r', "").as_str()))
    {
        return Err(format!(
            "generation {generation} lists reports without paragraphs"
        ));
    }
    let mut files: HashMap<String, StoredFile> = HashMap::new();
    let mut mixed = HashSet::new();
    for report in reports {
        let stored = files.entry(report.file.clone()).or_insert(StoredFile {
            hash: report.content_hash,
            reports: Vec::new(),
        });
        if stored.hash != report.content_hash {
            mixed.insert(report.file.clone());
        }
        stored.reports.push(report);
    }
    // Paragraphs of one file with different hashes cannot be trusted: read it.
    files.retain(|file, _| !mixed.contains(file));
    Ok(files)
}

/// Every report of a generation, rebuilt from its stored fields: what
/// [`report_documents`] needs to write the same documents again. Reports come
/// sorted by file and id, paragraphs by number; the labels' evidence, which
/// is not indexed, is empty.
pub fn stored_reports(engine: &Generation) -> Result<Vec<LabelledReport>> {
    let f = &engine.fields;
    let searcher = engine.searcher();
    let mut reports: BTreeMap<(String, String), LabelledReport> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let store = segment.get_store_reader(16)?;
        for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
            let doc = doc?;
            let (paragraph, paragraph_labels) = stored_paragraph(f, &doc)?;
            let text = |field| stored_text(&doc, field);
            let report_id = text(f.report_id).ok_or_else(|| missing("report_id"))?;
            let file = text(f.file).ok_or_else(|| missing("file"))?;
            let hash = doc
                .get_first(f.content_hash)
                .and_then(|v| v.as_u64())
                .ok_or_else(|| missing("content_hash"))?;
            let report = reports
                .entry((file.clone(), report_id.clone()))
                .or_insert_with(|| LabelledReport {
                    report: Report {
                        id: report_id,
                        file,
                        title: text(f.title).unwrap_or_default(),
                        source: text(f.source),
                        date: text(f.date),
                        date_note: text(f.date_note),
                        byline: doc
                            .get_all(f.byline)
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        paragraphs: Vec::new(),
                        content_hash: hash,
                        hints: Default::default(),
                        access: doc
                            .get_all(f.access)
                            .filter_map(|v| v.as_str())
                            .filter(|g| *g != corpus::meta::OPEN_ACCESS)
                            .map(str::to_string)
                            .collect(),
                    },
                    labels: Vec::new(),
                });
            if report.content_hash != hash {
                return Err(Error::Internal(format!(
                    "paragraphs of report {} have different content hashes",
                    report.id
                )));
            }
            report.report.paragraphs.push(paragraph);
            report.labels.push(paragraph_labels);
        }
    }
    let mut reports: Vec<LabelledReport> = reports.into_values().collect();
    for report in &mut reports {
        let mut paired: Vec<(corpus::Paragraph, Labels)> =
            std::mem::take(&mut report.report.paragraphs)
                .into_iter()
                .zip(std::mem::take(&mut report.labels))
                .collect();
        paired.sort_by_key(|(p, _)| p.number);
        (report.report.paragraphs, report.labels) = paired.into_iter().unzip();
    }
    Ok(reports)
}

pub(super) fn missing(name: &str) -> Error {
    Error::Internal(format!("a stored paragraph has no {name}"))
}

/// One paragraph from its stored document.
pub(super) fn stored_paragraph(
    f: &Fields,
    doc: &TantivyDocument,
) -> Result<(corpus::Paragraph, Labels)> {
    let facets = |field| stored_facet_paths(doc, field);
    let number = doc
        .get_first(f.paragraph)
        .and_then(|v| v.as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| missing("paragraph number"))?;
    let stored_kind = stored_text(doc, f.kind);
    let kind = stored_kind
        .as_deref()
        .and_then(ParagraphKind::parse)
        .ok_or_else(|| {
            Error::Internal(format!(
                "a stored paragraph has the unknown kind {:?}",
                stored_kind.as_deref()
            ))
        })?;
    let paragraph = corpus::Paragraph {
        number,
        text: stored_text(doc, f.text).ok_or_else(|| missing("text"))?,
        section: stored_text(doc, f.section),
        kind,
        cells: None,
        extraction: match f
            .extraction
            .and_then(|field| stored_text(doc, field))
            .as_deref()
        {
            Some("ocr") => corpus::Extraction::Ocr,
            _ => corpus::Extraction::Text,
        },
    };
    let mut labels = Labels {
        funding: doc.get_all(f.funding).filter_map(|v| v.as_f64()).collect(),
        ..Default::default()
    };
    for facet_kind in FacetKind::ALL {
        labels
            .set_values(facet_kind, facets(f.facets[facet_kind]))
            .ok_or_else(|| {
                Error::Internal(format!(
                    "a stored paragraph has a malformed {}",
                    facet_kind.param()
                ))
            })?;
    }
    Ok((paragraph, labels))
}

/// [`corpus::content_hash`] of a file and its sidecar as they are now, or
/// `None` when they cannot be read or the file is past the size limit (then
/// reading it again gives the proper skip reason).
pub(super) fn file_hash(corpus_dir: &Path, path: &Path) -> Option<u64> {
    let size = fs::metadata(path).ok()?.len();
    if size > corpus::formats::MAX_FILE_BYTES as u64 {
        return None;
    }
    let bytes = fs::read(path).ok()?;
    let sidecar_path = path.with_extension("toml");
    let sidecar = if sidecar_path.is_file() {
        fs::read(&sidecar_path).ok()?
    } else {
        Vec::new()
    };
    let (_, sidecar) = corpus::with_folder_access(corpus_dir, path, sidecar).ok()?;
    Some(corpus::content_hash(&bytes, &sidecar))
}
