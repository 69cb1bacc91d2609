//! The search engine over one open generation: the generation itself plus
//! what search keeps beside it (facet and report tables read when it opens,
//! the completion index, the response memory), the live engine a server swaps
//! when `CURRENT` moves, and the statistics `aidsearch stats` prints.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::SystemTime;

use super::{FacetValue, SearchRequest};
use crate::error::{Error, Result};
use crate::index::{current_generation, dir_size, generation_dir, pointer_mtime, Generation};

/// An open generation of the index, ready to search.
pub struct Engine {
    /// The generation: tantivy index, reader, fields, number and folder.
    pub base: Generation,
    titles: OnceLock<super::complete::TitleIndex>,
    words: OnceLock<super::complete::WordList>,
    /// Facet values of every paragraph, read when the generation opens.
    pub(crate) facets: Arc<super::tables::FacetTable>,
    /// The report of every paragraph, as a number.
    pub(crate) reports: super::tables::ReportNumbers,
    /// Answers this generation remembers.
    pub(crate) memo: super::cache::Memo,
    /// [`crate::index::content_hash`] of the generation, read when it opened.
    pub content_hash: String,
    /// The generation's mined vocabulary, read when first needed (mining
    /// may finish after the generation went live).
    pub(crate) mined: Arc<crate::mining::ModelSlot>,
}

impl Deref for Engine {
    type Target = Generation;

    fn deref(&self) -> &Generation {
        &self.base
    }
}

impl Engine {
    /// Open one generation directory.
    pub fn open_dir(dir: &Path, generation: u64) -> Result<Engine> {
        Engine::new(Generation::open_dir(dir, generation)?)
    }

    /// Open the live generation of an index root.
    pub fn open(root: &Path) -> Result<Engine> {
        Engine::new(Generation::open(root)?)
    }

    /// Read the tables search keeps for a generation.
    pub fn new(base: Generation) -> Result<Engine> {
        // The reader never reloads (a new generation is a new engine), so
        // tables read from its segments now stay true. Reading them touches
        // every column dictionary: an index written with a compression this
        // build lacks (tantivy's zstd, before commit 9057d3d) makes tantivy
        // panic there, and is refused here with a clear message instead of
        // failing every search later.
        let searcher = base.searcher();
        let tables = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let facets = super::tables::FacetTable::build(&searcher, &super::FACET_FIELDS)?;
            let reports = super::tables::ReportNumbers::build(
                &searcher,
                crate::index::schema::names::REPORT_ID,
            )?;
            Ok::<_, Error>((facets, reports))
        }))
        .map_err(|panic| Error::Incompatible {
            dir: base.dir.display().to_string(),
            reason: crate::error::panic_message(panic.as_ref())
                .unwrap_or("its columns could not be read")
                .to_string(),
        })?;
        let (facets, reports) = tables?;
        let content_hash = crate::index::content_hash(&base.dir)?;
        let mined_path = crate::index::mined_model_path(&base.dir);
        Ok(Engine {
            content_hash,
            base,
            facets: Arc::new(facets),
            reports,
            memo: Default::default(),
            titles: OnceLock::new(),
            words: OnceLock::new(),
            mined: Arc::new(crate::mining::ModelSlot::new(mined_path)),
        })
    }

    /// The words of this generation's vocabulary and the place names, for
    /// completion and "did you mean", built once.
    pub fn words(&self) -> &super::complete::WordList {
        self.words
            .get_or_init(|| super::complete::WordList::new(&self.base.vocabulary))
    }

    /// The generation's mined vocabulary, once its file is there.
    pub fn mined(&self) -> Option<Arc<crate::mining::Model>> {
        self.mined.get()
    }

    /// Search this generation on this thread (its vocabulary, its
    /// expansions) for a viewer of `scope` until the guard drops.
    pub fn enter(&self, scope: &super::Scope) -> super::expansion::Entered {
        super::expansion::enter(self, scope)
    }

    /// How many paragraphs `scope` may read: the generation's own count
    /// for everything, else counted once per scope (`Memo`). What a count
    /// shown to a viewer may say, so that it never reveals how much is
    /// restricted.
    pub fn visible_paragraphs(&self, scope: &super::Scope) -> Result<u64> {
        let searcher = self.searcher();
        Ok(match self.memo.known_values(self, &searcher, scope)? {
            super::tables::KnownValues::All => self.num_docs(),
            super::tables::KnownValues::Counted(counts) => counts.total,
        })
    }

    /// Report titles of this generation, indexed for completion, read once.
    pub fn titles(&self) -> &super::complete::TitleIndex {
        self.titles.get_or_init(|| {
            super::complete::TitleIndex::with_restricted(
                self.base.titles(),
                self.base.restricted_titles(),
            )
        })
    }
}

/// The engine a server searches with, swapped when `CURRENT` changes.
///
/// Each request takes an `Arc<Engine>` at its start and finishes on that
/// generation even if a newer one is switched in meanwhile.
pub struct LiveEngine {
    root: PathBuf,
    engine: RwLock<Arc<Engine>>,
    pointer_seen: RwLock<Option<SystemTime>>,
}

impl LiveEngine {
    /// Open the live generation of `root`.
    pub fn open(root: &Path) -> Result<LiveEngine> {
        let engine = Engine::open(root)?;
        Ok(LiveEngine {
            root: root.to_path_buf(),
            engine: RwLock::new(Arc::new(engine)),
            pointer_seen: RwLock::new(pointer_mtime(root)),
        })
    }

    /// The index root this engine follows.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The engine to use for one request.
    pub fn get(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Re-read `CURRENT`; open and switch to a new generation when it moved.
    /// Returns the new generation when a switch happened. A generation that
    /// fails to open is not switched to: the old one keeps serving.
    pub fn refresh(&self) -> Result<Option<u64>> {
        let mtime = pointer_mtime(&self.root);
        if *self.pointer_seen.read().unwrap_or_else(|e| e.into_inner()) == mtime {
            return Ok(None);
        }
        let Some(generation) = current_generation(&self.root)? else {
            return Ok(None);
        };
        if generation == self.get().generation {
            *self.pointer_seen.write().unwrap_or_else(|e| e.into_inner()) = mtime;
            return Ok(None);
        }
        let engine = Engine::open_dir(&generation_dir(&self.root, generation), generation)?;
        *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
        *self.pointer_seen.write().unwrap_or_else(|e| e.into_inner()) = mtime;
        Ok(Some(generation))
    }
}

/// What `aidsearch stats` shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndexStats {
    pub generation: u64,
    pub paragraphs: u64,
    pub reports: usize,
    pub segments: usize,
    pub bytes: u64,
    pub top_region: Vec<FacetValue>,
    pub top_donor: Vec<FacetValue>,
    pub top_sector: Vec<FacetValue>,
    pub top_year: Vec<FacetValue>,
    pub top_programme: Vec<FacetValue>,
    pub top_report_year: Vec<FacetValue>,
}

/// Generation, size, counts and the most frequent facet values of an index.
pub fn stats(engine: &Engine) -> Result<IndexStats> {
    let searcher = engine.searcher();
    let mut reports = std::collections::HashSet::new();
    for segment in searcher.segment_readers() {
        if let Some(column) = segment
            .fast_fields()
            .str(crate::index::schema::names::REPORT_ID)?
        {
            let mut stream = column.dictionary().stream()?;
            while stream.advance() {
                reports.insert(String::from_utf8_lossy(stream.key()).to_string());
            }
        }
    }
    let browse = super::search(
        engine,
        &SearchRequest {
            per_page: 1,
            ..Default::default()
        },
    )?;
    let top = |mut v: Vec<FacetValue>| {
        v.sort_by_key(|f| std::cmp::Reverse(f.count));
        v.truncate(8);
        v
    };
    Ok(IndexStats {
        generation: engine.generation,
        paragraphs: searcher.num_docs(),
        reports: reports.len(),
        segments: searcher.segment_readers().len(),
        bytes: dir_size(&engine.dir),
        top_region: top(browse.facets.region),
        top_donor: top(browse.facets.donor),
        top_sector: top(browse.facets.sector),
        top_year: top(browse.facets.year),
        top_programme: top(browse.facets.programme),
        top_report_year: top(browse.facets.report_year),
    })
}
