//! The vocabulary a generation is built and searched with: the domain
//! dictionary (`dict.txt`, which changes how jieba segments) and the reviewed
//! synonym list (`synonyms.txt`), read from a data folder at reindex time and
//! snapshotted into the generation, so an edit needs no rebuild of the
//! program and a generation is always searched with the words it was indexed
//! with. The program carries a copy of both files for a generation without a
//! snapshot (built before snapshots) and for a reindex without a data folder.
//!
//! Query-time code asks for [`current`], the vocabulary of the generation a
//! search runs on, which [`Vocabulary::enter`] sets for the searching thread;
//! index-time code is handed its vocabulary explicitly.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use jieba_rs::Jieba;

use crate::error::Result;
use crate::normalize::fold;

/// The dictionary file of a data folder and of a snapshot.
pub const DICT_FILE: &str = "dict.txt";
/// The reviewed synonym list of a data folder and of a snapshot.
pub const SYNONYMS_FILE: &str = "synonyms.txt";
/// Pairs staff rejected, never proposed again (read by `synonyms suggest`).
pub const REJECTED_FILE: &str = "synonyms-rejected.txt";
/// Folder of a generation holding its snapshot of the data files.
pub const SNAPSHOT_DIR: &str = "data";

/// The copies carried by the program.
const BUILT_IN_DICT: &str = include_str!("../data/dict.txt");
const BUILT_IN_SYNONYMS: &str = include_str!("../data/synonyms.txt");

/// Frequency given to gazetteer names and domain words without one: high
/// enough that jieba keeps `日喀则市` or `对口支援` whole.
pub const DEFAULT_FREQ: usize = 20_000;

/// Where a vocabulary's files came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The copies compiled into the program.
    BuiltIn,
    /// A data folder or a generation's snapshot.
    Folder(PathBuf),
}

/// How a synonym line relates its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `a b c` sets and `a => b` lines: always searched, weighted below the
    /// query's own words.
    Synonym,
    /// `a ~ b` lines: searched only for a word that finds (almost) nothing,
    /// weighted below synonyms.
    Related,
}

/// The parsed synonym list: for each folded word, the words it also finds.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    pub synonyms: HashMap<String, Vec<String>>,
    pub related: HashMap<String, Vec<String>>,
}

impl Synonyms {
    /// Parse the synonym list format (see the header of `data/synonyms.txt`):
    /// `a b c` (or `a, b, c`) sets, `a => b c` one way, `a ~ b c` related.
    pub fn parse(text: &str) -> Synonyms {
        let mut out = Synonyms::default();
        for line in text.lines() {
            // A `#` starts a comment, also after a line's words (as
            // `synonyms suggest` prints them).
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            if let Some((left, right)) = line.split_once("=>") {
                for from in words(left) {
                    for to in words(right) {
                        out.add(Relation::Synonym, &from, &to);
                    }
                }
            } else {
                let relation = if line.contains('~') {
                    Relation::Related
                } else {
                    Relation::Synonym
                };
                let all: Vec<String> = words(&line.replace('~', " "));
                for a in &all {
                    for b in &all {
                        out.add(relation, a, b);
                    }
                }
            }
        }
        out
    }

    fn add(&mut self, relation: Relation, from: &str, to: &str) {
        if from == to {
            return;
        }
        let map = match relation {
            Relation::Synonym => &mut self.synonyms,
            Relation::Related => &mut self.related,
        };
        let entry = map.entry(from.to_string()).or_default();
        if !entry.iter().any(|t| t == to) {
            entry.push(to.to_string());
        }
    }

    /// Whether a line already pairs `a` and `b`, either way and of any kind.
    pub fn pairs(&self, a: &str, b: &str) -> bool {
        let (a, b) = (fold(a), fold(b));
        let has = |map: &HashMap<String, Vec<String>>, x: &str, y: &str| {
            map.get(x).is_some_and(|v| v.iter().any(|w| w == y))
        };
        has(&self.synonyms, &a, &b)
            || has(&self.synonyms, &b, &a)
            || has(&self.related, &a, &b)
            || has(&self.related, &b, &a)
    }
}

/// The words of one side of a synonym line, folded: separated by spaces or
/// commas, so a line pasted as `a, b` reads like `a b`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、'))
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

/// A dictionary's entries, comments and blank lines skipped.
pub fn dictionary_entries(text: &str) -> impl Iterator<Item = (&str, usize)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next()?;
        let freq = parts
            .next()
            .and_then(|f| f.parse().ok())
            .unwrap_or(DEFAULT_FREQ);
        Some((word, freq))
    })
}

/// The data files a generation is built and searched with, parsed, and the
/// segmenter built from them.
pub struct Vocabulary {
    dict: String,
    synonyms_text: String,
    source: Source,
    jieba: Arc<Jieba>,
    synonyms: Synonyms,
    /// Files the folder lacked, filled in from the built-in copies.
    missing: Vec<&'static str>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Vocabulary {
    /// A vocabulary from the texts of the two files.
    pub fn from_texts(dict: &str, synonyms: &str, source: Source) -> Vocabulary {
        Vocabulary {
            jieba: segmenter(dict),
            synonyms: Synonyms::parse(synonyms),
            dict: dict.to_string(),
            synonyms_text: synonyms.to_string(),
            source,
            missing: Vec::new(),
        }
    }

    /// The copies compiled into the program, shared.
    pub fn built_in() -> Arc<Vocabulary> {
        static BUILT_IN: OnceLock<Arc<Vocabulary>> = OnceLock::new();
        BUILT_IN
            .get_or_init(|| {
                Arc::new(Vocabulary::from_texts(
                    BUILT_IN_DICT,
                    BUILT_IN_SYNONYMS,
                    Source::BuiltIn,
                ))
            })
            .clone()
    }

    /// Read a data folder (or a snapshot). A file the folder lacks is taken
    /// from the built-in copy and listed in [`Vocabulary::missing`]; a
    /// folder that does not exist is an error.
    pub fn read_dir(dir: &Path) -> Result<Vocabulary> {
        if !dir.is_dir() {
            return Err(crate::error::Error::Internal(format!(
                "data folder {} does not exist",
                dir.display()
            )));
        }
        let mut missing = Vec::new();
        let mut read = |name: &'static str, built_in: &str| -> Result<String> {
            match fs::read_to_string(dir.join(name)) {
                Ok(text) => Ok(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    missing.push(name);
                    Ok(built_in.to_string())
                }
                Err(e) => Err(e.into()),
            }
        };
        let dict = read(DICT_FILE, BUILT_IN_DICT)?;
        let synonyms = read(SYNONYMS_FILE, BUILT_IN_SYNONYMS)?;
        let mut vocabulary = Vocabulary::from_texts(&dict, &synonyms, Source::Folder(dir.into()));
        vocabulary.missing = missing;
        Ok(vocabulary)
    }

    /// The vocabulary of the generation in `gen_dir`: its snapshot, or the
    /// built-in copies for a generation built before snapshots.
    pub fn of_generation(gen_dir: &Path) -> Result<Arc<Vocabulary>> {
        let dir = gen_dir.join(SNAPSHOT_DIR);
        if dir.is_dir() {
            Ok(Arc::new(Vocabulary::read_dir(&dir)?))
        } else {
            Ok(Vocabulary::built_in())
        }
    }

    /// Write the snapshot into a generation being built.
    pub fn write_snapshot(&self, gen_dir: &Path) -> Result<()> {
        let dir = gen_dir.join(SNAPSHOT_DIR);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join(DICT_FILE), &self.dict)?;
        fs::write(dir.join(SYNONYMS_FILE), &self.synonyms_text)?;
        Ok(())
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Files the data folder lacked (taken from the built-in copies).
    pub fn missing(&self) -> &[&'static str] {
        &self.missing
    }

    /// The segmenter: jieba's dictionary, the gazetteer's place names and
    /// this vocabulary's domain words.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }

    /// [`Vocabulary::jieba`], shared.
    pub fn jieba_arc(&self) -> Arc<Jieba> {
        self.jieba.clone()
    }

    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// The domain dictionary's entries.
    pub fn domain_words(&self) -> impl Iterator<Item = (&str, usize)> {
        dictionary_entries(&self.dict)
    }

    /// Whether two vocabularies segment text alike (same dictionary), so an
    /// index written with one can be extended with the other.
    pub fn segments_like(&self, other: &Vocabulary) -> bool {
        Arc::ptr_eq(&self.jieba, &other.jieba) || self.dict == other.dict
    }

    /// Whether the generation in `gen_dir` was cut with this dictionary,
    /// read without building its segmenter.
    pub fn segments_like_generation(&self, gen_dir: &Path) -> bool {
        match fs::read_to_string(gen_dir.join(SNAPSHOT_DIR).join(DICT_FILE)) {
            Ok(dict) => dict == self.dict,
            Err(_) if !gen_dir.join(SNAPSHOT_DIR).is_dir() => self.dict == BUILT_IN_DICT,
            Err(_) => false,
        }
    }

    /// Make this the vocabulary [`current`] returns on this thread until the
    /// guard drops (searches of one generation; the previous one returns).
    pub fn enter(self: &Arc<Self>) -> Entered {
        let previous = CURRENT.with(|c| c.replace(Some(self.clone())));
        Entered { previous }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Vocabulary>>> = const { RefCell::new(None) };
}

/// Restores the thread's previous vocabulary when dropped.
pub struct Entered {
    previous: Option<Arc<Vocabulary>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The vocabulary entered on this thread, or the built-in one.
pub fn current() -> Arc<Vocabulary> {
    CURRENT
        .with(|c| c.borrow().clone())
        .unwrap_or_else(Vocabulary::built_in)
}

/// The segmenter for a dictionary text. Building one costs a few hundred
/// ms, so segmenters are shared by dictionary text while any is alive: the
/// generations of a server, and the many indexes of a test run, mostly
/// carry the same dictionary.
fn segmenter(dict: &str) -> Arc<Jieba> {
    static BUILT: Mutex<Vec<(String, Weak<Jieba>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    built.retain(|(_, weak)| weak.strong_count() > 0);
    if let Some(jieba) = built
        .iter()
        .find(|(text, _)| text == dict)
        .and_then(|(_, weak)| weak.upgrade())
    {
        return jieba;
    }
    let mut jieba = Jieba::new();
    for name in crate::gazetteer::Gazetteer::global().all_names() {
        if name.chars().count() >= 2 {
            jieba.add_word(&fold(name), Some(DEFAULT_FREQ), Some("ns"));
        }
    }
    // The segmenter sees folded text, so dictionary words are folded too.
    for (word, freq) in dictionary_entries(dict) {
        jieba.add_word(&fold(word), Some(freq), None);
    }
    let jieba = Arc::new(jieba);
    built.push((dict.to_string(), Arc::downgrade(&jieba)));
    jieba
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_symmetric_one_way_is_not_and_related_is_apart() {
        let s = Synonyms::parse(
            "电商 电子商务\n网购 => 电商\n援青 ~ 对口支援青海\n先心病, 先天性心脏病\n",
        );
        assert_eq!(s.synonyms["电商"], vec!["电子商务"]);
        assert_eq!(s.synonyms["电子商务"], vec!["电商"]);
        assert_eq!(s.synonyms["网购"], vec!["电商"]);
        assert!(!s.synonyms["电商"].contains(&"网购".to_string()));
        assert_eq!(s.related["援青"], vec!["对口支援青海"]);
        assert_eq!(s.related["对口支援青海"], vec!["援青"]);
        assert!(!s.synonyms.contains_key("援青"));
        assert_eq!(s.synonyms["先心病"], vec!["先天性心脏病"]);
        assert!(s.pairs("对口支援青海", "援青"));
        assert!(!s.pairs("援青", "电商"));
    }

    #[test]
    fn a_snapshot_reads_back_and_a_generation_without_one_is_built_in() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Vocabulary::of_generation(dir.path()).unwrap().source(),
            &Source::BuiltIn
        );
        let v = Vocabulary::from_texts("喀什援疆\n", "援疆 ~ 对口援疆\n", Source::BuiltIn);
        v.write_snapshot(dir.path()).unwrap();
        let back = Vocabulary::of_generation(dir.path()).unwrap();
        assert!(back.segments_like(&v));
        assert!(!back.segments_like(&Vocabulary::built_in()));
        assert_eq!(back.synonyms().related["援疆"], vec!["对口援疆"]);
    }

    #[test]
    fn the_entered_vocabulary_is_current_until_the_guard_drops() {
        let v = Arc::new(Vocabulary::from_texts("", "", Source::BuiltIn));
        {
            let _entered = v.enter();
            assert!(Arc::ptr_eq(&current(), &v));
        }
        assert!(Arc::ptr_eq(&current(), &Vocabulary::built_in()));
    }
}
