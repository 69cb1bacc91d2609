//! The on-disk index: generations, opening, and building.
//!
//! An index root (`index/` by default) holds complete, immutable generations
//! `gen-<n>/` and a pointer file `CURRENT` naming the live one. `reindex`
//! builds a new generation beside the live one, verifies it, and only then
//! switches the pointer (write temp, fsync, rename), so a crash at any moment
//! leaves the live generation serving. The previous generation is kept for
//! `rollback`; older ones and leftovers of crashed builds are removed.

pub mod build;
pub mod schema;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::SystemTime;

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use crate::error::{Error, Result};
pub use schema::Fields;

/// Name of the pointer file inside the index root.
pub const CURRENT: &str = "CURRENT";
/// Name of the lock file that keeps two reindexes apart.
pub const LOCK: &str = ".reindex.lock";

/// An open generation of the index, ready to search.
pub struct Engine {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub generation: u64,
    pub dir: PathBuf,
    titles: OnceLock<crate::search::suggest::TitleIndex>,
    /// Facet values of every paragraph, read when the generation opens.
    pub(crate) facets: std::sync::Arc<crate::search::tables::FacetTable>,
    /// The report of every paragraph, as a number.
    pub(crate) reports: crate::search::tables::ReportNumbers,
    /// Answers this generation remembers.
    pub(crate) memo: crate::search::cache::Memo,
}

/// File of a generation listing its report titles, one a line.
pub const TITLES_FILE: &str = "titles.txt";

impl Engine {
    /// Open one generation directory.
    pub fn open_dir(dir: &Path, generation: u64) -> Result<Engine> {
        let index = Index::open_in_dir(dir)?;
        crate::tokenizer::register(&index);
        let incompatible = |reason: String| Error::Incompatible {
            dir: dir.display().to_string(),
            reason,
        };
        let fields =
            Fields::from_schema(&index.schema()).map_err(|e| incompatible(e.to_string()))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        // The reader never reloads (a new generation is a new engine), so
        // tables read from its segments now stay true. Reading them touches
        // every column dictionary: an index written with a compression this
        // build lacks (tantivy's zstd, before commit 9057d3d) makes tantivy
        // panic there, and is refused here with a clear message instead of
        // failing every search later.
        let searcher = reader.searcher();
        let tables = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let facets =
                crate::search::tables::FacetTable::build(&searcher, &crate::search::FACET_FIELDS)?;
            let reports =
                crate::search::tables::ReportNumbers::build(&searcher, schema::names::REPORT_ID)?;
            Ok::<_, Error>((facets, reports))
        }))
        .map_err(|panic| {
            let reason = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("its columns could not be read");
            incompatible(reason.to_string())
        })?;
        let (facets, reports) = tables?;
        Ok(Engine {
            index,
            reader,
            fields,
            facets: std::sync::Arc::new(facets),
            reports,
            memo: Default::default(),
            generation,
            dir: dir.to_path_buf(),
            titles: OnceLock::new(),
        })
    }

    /// Report titles of this generation, indexed for completion, read once.
    pub fn titles(&self) -> &crate::search::suggest::TitleIndex {
        self.titles.get_or_init(|| {
            crate::search::suggest::TitleIndex::new(
                fs::read_to_string(self.dir.join(TITLES_FILE))
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string),
            )
        })
    }

    /// Open the live generation of an index root.
    pub fn open(root: &Path) -> Result<Engine> {
        let generation =
            current_generation(root)?.ok_or_else(|| Error::NoIndex(root.display().to_string()))?;
        Engine::open_dir(&generation_dir(root, generation), generation)
    }

    /// A searcher over this generation.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Number of paragraphs indexed.
    pub fn num_docs(&self) -> u64 {
        self.searcher().num_docs()
    }
}

/// Directory of generation `n`.
pub fn generation_dir(root: &Path, n: u64) -> PathBuf {
    root.join(format!("gen-{n}"))
}

/// The live generation, if an index has been built.
pub fn current_generation(root: &Path) -> Result<Option<u64>> {
    match fs::read_to_string(root.join(CURRENT)) {
        Ok(text) => {
            let n = text
                .trim()
                .strip_prefix("gen-")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    Error::Internal(format!("{}/{CURRENT} is malformed", root.display()))
                })?;
            Ok(Some(n))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Generation numbers present on disk, ascending.
pub fn generations_on_disk(root: &Path) -> Vec<u64> {
    let mut gens: Vec<u64> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("gen-")?.parse().ok())
        .collect();
    gens.sort_unstable();
    gens
}

/// Point `CURRENT` at generation `n`: write a temp file, fsync it, rename it
/// over the pointer, fsync the directory. Readers see the old or the new
/// pointer, never a torn one.
pub fn switch_current(root: &Path, n: u64) -> Result<()> {
    let tmp = root.join(format!("{CURRENT}.tmp"));
    {
        let mut file = fs::File::create(&tmp)?;
        writeln!(file, "gen-{n}")?;
        file.sync_all()?;
    }
    fs::rename(&tmp, root.join(CURRENT))?;
    if let Ok(dir) = fs::File::open(root) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The generation before the live one, for rollback.
pub fn previous_generation(root: &Path) -> Result<Option<u64>> {
    let current = current_generation(root)?;
    Ok(generations_on_disk(root)
        .into_iter()
        .filter(|g| Some(*g) < current)
        .filter(|g| generation_dir(root, *g).join("meta.json").is_file())
        .max())
}

/// Switch back to the previous generation. Returns (from, to).
pub fn rollback(root: &Path) -> Result<(u64, u64)> {
    let _lock = build::ReindexLock::acquire(root)?;
    let current =
        current_generation(root)?.ok_or_else(|| Error::NoIndex(root.display().to_string()))?;
    let previous = previous_generation(root)?
        .ok_or_else(|| Error::Internal("no previous generation to roll back to".to_string()))?;
    Engine::open_dir(&generation_dir(root, previous), previous)?;
    switch_current(root, previous)?;
    Ok((current, previous))
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

    /// Wrap an already open engine (tests, in-memory use).
    pub fn from_engine(root: &Path, engine: Engine) -> LiveEngine {
        LiveEngine {
            root: root.to_path_buf(),
            engine: RwLock::new(Arc::new(engine)),
            pointer_seen: RwLock::new(pointer_mtime(root)),
        }
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

fn pointer_mtime(root: &Path) -> Option<SystemTime> {
    fs::metadata(root.join(CURRENT))
        .and_then(|m| m.modified())
        .ok()
}

/// Total size in bytes of the files under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

/// What `aidsearch stats` shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndexStats {
    pub generation: u64,
    pub paragraphs: u64,
    pub reports: usize,
    pub segments: usize,
    pub bytes: u64,
    pub top_region: Vec<crate::search::FacetValue>,
    pub top_donor: Vec<crate::search::FacetValue>,
    pub top_sector: Vec<crate::search::FacetValue>,
    pub top_year: Vec<crate::search::FacetValue>,
}

/// Generation, size, counts and the most frequent facet values of an index.
pub fn stats(engine: &Engine) -> Result<IndexStats> {
    let searcher = engine.searcher();
    let mut reports = std::collections::HashSet::new();
    for segment in searcher.segment_readers() {
        if let Some(column) = segment.fast_fields().str(schema::names::REPORT_ID)? {
            let mut stream = column.dictionary().stream()?;
            while stream.advance() {
                reports.insert(String::from_utf8_lossy(stream.key()).to_string());
            }
        }
    }
    let browse = crate::search::search(
        engine,
        &crate::search::SearchRequest {
            per_page: 1,
            ..Default::default()
        },
    )?;
    let top = |mut v: Vec<crate::search::FacetValue>| {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of another layout (an older build's) is refused at open with
    /// a message that says what to do, rather than failing searches later.
    #[test]
    fn an_index_of_another_layout_is_refused_with_the_remedy() {
        let dir = tempfile::tempdir().unwrap();
        let mut schema = tantivy::schema::Schema::builder();
        schema.add_text_field("text", tantivy::schema::TEXT);
        Index::create_in_dir(dir.path(), schema.build()).unwrap();
        let error = Engine::open_dir(dir.path(), 1).err().expect("refused");
        assert!(matches!(error, Error::Incompatible { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("aidsearch reindex"), "{message}");
        assert!(message.contains("does not exist"), "{message}");
    }
}
