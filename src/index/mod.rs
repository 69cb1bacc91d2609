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
use std::sync::Arc;
use std::time::SystemTime;

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use crate::error::{Error, Result};
use crate::vocabulary::Vocabulary;
pub use schema::Fields;

/// Name of the pointer file inside the index root.
pub const CURRENT: &str = "CURRENT";
/// Name of the lock file that keeps two reindexes apart.
pub const LOCK: &str = ".reindex.lock";

/// An open generation of the index: its tantivy index, a reader that never
/// reloads (a new generation is opened anew), its fields and the vocabulary
/// it was built with (its snapshot of the data files, which segments its
/// queries too). What search keeps beside it lives in `crate::search::Engine`.
pub struct Generation {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub generation: u64,
    pub dir: PathBuf,
    pub vocabulary: Arc<Vocabulary>,
}

/// File of a generation listing its report titles, one a line.
pub const TITLES_FILE: &str = "titles.txt";
/// Titles of the restricted reports of a generation, each line the report's
/// groups (comma-separated), a tab and the title.
pub const RESTRICTED_TITLES_FILE: &str = "titles-restricted.txt";

impl Generation {
    /// Open one generation directory.
    pub fn open_dir(dir: &Path, generation: u64) -> Result<Generation> {
        let index = Index::open_in_dir(dir).map_err(|e| incompatible(dir, e))?;
        let vocabulary = Vocabulary::of_generation(dir)?;
        crate::tokenizer::register(&index, &vocabulary);
        let fields = Fields::from_schema(&index.schema()).map_err(|e| Error::Incompatible {
            dir: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| incompatible(dir, e))?;
        Ok(Generation {
            index,
            reader,
            fields,
            generation,
            dir: dir.to_path_buf(),
            vocabulary,
        })
    }

    /// Open the live generation of an index root.
    pub fn open(root: &Path) -> Result<Generation> {
        let generation =
            current_generation(root)?.ok_or_else(|| Error::NoIndex(root.display().to_string()))?;
        Generation::open_dir(&generation_dir(root, generation), generation)
    }

    /// The report titles listed in this generation, one a line.
    pub fn titles(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join(TITLES_FILE))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The titles of restricted reports with their groups.
    pub fn restricted_titles(&self) -> Vec<(Vec<String>, String)> {
        fs::read_to_string(self.dir.join(RESTRICTED_TITLES_FILE))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(groups, title)| {
                (
                    groups.split(',').map(str::to_string).collect(),
                    title.to_string(),
                )
            })
            .collect()
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

/// A hash of what a generation holds: its tantivy metadata (segment ids,
/// document counts) and the name and size of every file. A generation is
/// immutable and its segment ids are random per build, so two replicas that
/// report the same hash serve the same copy; it is cheap (no file is read
/// whole but the metadata), so a server computes it when it opens one.
pub fn content_hash(dir: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut files: Vec<(String, u64)> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file()
                .then(|| (e.file_name().to_string_lossy().into_owned(), meta.len()))
        })
        // tantivy's lock files come and go with readers.
        .filter(|(name, _)| !name.ends_with(".lock"))
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(fs::read(dir.join("meta.json"))?);
    for (name, size) in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(size.to_le_bytes());
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The mined vocabulary's file in a generation directory.
pub fn mined_model_path(gen_dir: &Path) -> PathBuf {
    gen_dir
        .join(crate::vocabulary::SNAPSHOT_DIR)
        .join(crate::mining::MODEL_FILE)
}

/// A tantivy error opening the generation in `dir`, as [`Error::Incompatible`]
/// when it says the files are of an index format this build cannot read.
/// tantivy's own message repeats itself through its error chain (three
/// times) and advises changing tantivy's version, which is not the
/// operator's remedy: reindexing is.
fn incompatible(dir: &Path, error: tantivy::TantivyError) -> Error {
    use tantivy::directory::error::{Incompatibility, OpenReadError};
    let incompatibility = match &error {
        tantivy::TantivyError::IncompatibleIndex(i)
        | tantivy::TantivyError::OpenReadError(OpenReadError::IncompatibleIndex(i)) => i,
        _ => return error.into(),
    };
    let reason = match incompatibility {
        Incompatibility::IndexMismatch {
            library_version,
            index_version,
        } => format!("it was written by {index_version}; this build is {library_version}"),
        Incompatibility::CompressionMismatch {
            index_compression_format,
            ..
        } => format!("its files are compressed with {index_compression_format}"),
    };
    Error::Incompatible {
        dir: dir.display().to_string(),
        reason,
    }
}

/// Directory of generation `n`.
pub fn generation_dir(root: &Path, n: u64) -> PathBuf {
    root.join(format!("gen-{n}"))
}

/// Refuse an index root that exists but is not a folder, naming it (rather
/// than an unexplained "Not a directory" from the first file read in it).
pub fn check_root(root: &Path) -> Result<()> {
    match fs::metadata(root) {
        Ok(m) if !m.is_dir() => Err(Error::IndexNotAFolder(root.display().to_string())),
        _ => Ok(()),
    }
}

/// The live generation, if an index has been built.
pub fn current_generation(root: &Path) -> Result<Option<u64>> {
    check_root(root)?;
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
    let previous = previous_generation(root)?.ok_or_else(|| {
        Error::NoSuchGeneration(format!(
            "nothing to roll back to: generation {current} is the oldest kept in {} \
             (`aidsearch generations` lists them)",
            root.display()
        ))
    })?;
    Generation::open_dir(&generation_dir(root, previous), previous)?;
    switch_current(root, previous)?;
    Ok((current, previous))
}

/// One generation on disk, as `aidsearch generations` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GenerationInfo {
    pub generation: u64,
    pub live: bool,
    /// Paragraphs, when the generation opens.
    pub paragraphs: Option<u64>,
    /// When it was built (its metadata written), seconds since 1970.
    pub built: Option<u64>,
    pub bytes: u64,
}

/// Every generation kept in `root`, oldest first.
pub fn list_generations(root: &Path) -> Result<Vec<GenerationInfo>> {
    let current = current_generation(root)?;
    Ok(generations_on_disk(root)
        .into_iter()
        .map(|generation| {
            let dir = generation_dir(root, generation);
            GenerationInfo {
                generation,
                live: Some(generation) == current,
                paragraphs: build::paragraphs_in(&dir),
                built: fs::metadata(dir.join("meta.json"))
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_secs()),
                bytes: dir_size(&dir),
            }
        })
        .collect())
}

/// Make generation `n`, which must be kept in `root` and open, the live one
/// (forward after a rollback, or back further). Returns the one it replaced.
pub fn use_generation(root: &Path, n: u64) -> Result<Option<u64>> {
    let _lock = build::ReindexLock::acquire(root)?;
    let current = current_generation(root)?;
    if !generations_on_disk(root).contains(&n) {
        return Err(Error::NoSuchGeneration(format!(
            "no generation {n} in {} (`aidsearch generations` lists those kept)",
            root.display()
        )));
    }
    Generation::open_dir(&generation_dir(root, n), n)?;
    switch_current(root, n)?;
    Ok(current)
}

/// When `CURRENT` last changed, if it exists.
pub fn pointer_mtime(root: &Path) -> Option<SystemTime> {
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
        let error = Generation::open_dir(dir.path(), 1).err().expect("refused");
        assert!(matches!(error, Error::Incompatible { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("aidsearch reindex"), "{message}");
        assert!(message.contains("does not exist"), "{message}");
    }

    /// Why an index is refused whose schema is today's without the
    /// character field, plus what `edit` adds.
    fn refused_reason(edit: impl Fn(&mut tantivy::schema::SchemaBuilder)) -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut builder = tantivy::schema::Schema::builder();
        for (_, entry) in schema::build_schema().fields() {
            if entry.name() != schema::names::TEXT_CHARS {
                builder.add_field(entry.clone());
            }
        }
        edit(&mut builder);
        Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let error = Generation::open_dir(dir.path(), 1).err().expect("refused");
        assert!(matches!(error, Error::Incompatible { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("aidsearch reindex"), "{message}");
        message
    }

    /// An index built before the character field (or with one cut by
    /// another analyzer) is refused, naming the field.
    #[test]
    fn an_index_without_this_character_field_is_refused() {
        let missing = refused_reason(|_| {});
        assert!(missing.contains(schema::names::TEXT_CHARS), "{missing}");
        let other = refused_reason(|builder| {
            builder.add_text_field(
                schema::names::TEXT_CHARS,
                tantivy::schema::TextOptions::default().set_indexing_options(
                    tantivy::schema::TextFieldIndexing::default()
                        .set_tokenizer("zh_bigram_v1")
                        .set_index_option(
                            tantivy::schema::IndexRecordOption::WithFreqsAndPositions,
                        ),
                ),
            );
        });
        assert!(
            other.contains(crate::tokenizer::CHARS_TOKENIZER_NAME),
            "{other}"
        );
    }
}
