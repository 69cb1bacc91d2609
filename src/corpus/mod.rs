//! The corpus: reading a folder of report files into cleaned, unlabelled
//! reports (`crate::labels` labels them downstream).
//!
//! `formats` turns bytes into text, `clean` turns text into articles and
//! paragraphs, `meta` reads sidecars.
//! This module owns the walk over the folder, report ids and paragraph numbers,
//! and the list of files it had to skip.

pub mod clean;
pub mod formats;
pub mod meta;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use meta::{LabelHints, ReportMeta};

/// One report (an article of a corpus file), cleaned; `crate::labels` labels it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Stable id: the file name's stem (with its folders, and its extension
    /// or a hash when that alone would collide: [`file_ids`]), plus `-N`
    /// when the file holds several articles.
    pub id: String,
    /// Path of the source file, relative to the corpus folder.
    pub file: String,
    pub title: String,
    pub source: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: Option<String>,
    pub date_note: Option<String>,
    pub byline: Vec<String>,
    pub paragraphs: Vec<Paragraph>,
    /// Hash of the source file's bytes and sidecar, for incremental reindexing.
    pub content_hash: u64,
    /// What the sidecar says of places and sectors, for the labeller.
    #[serde(skip)]
    pub hints: LabelHints,
}

/// One paragraph of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    /// 1-based, dependent only on the file's content.
    pub number: u32,
    pub text: String,
    /// The heading the paragraph sits under.
    pub section: Option<String>,
    pub kind: ParagraphKind,
}

/// What a paragraph is. Serialized, and stored in the index, as its lowercase
/// name: `paragraph`, `caption` or `heading`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParagraphKind {
    /// Body text.
    Paragraph,
    /// The caption of a picture.
    Caption,
    /// A heading inside the article.
    Heading,
}

impl ParagraphKind {
    /// Every kind, in declaration order.
    pub const ALL: [ParagraphKind; 3] = [
        ParagraphKind::Paragraph,
        ParagraphKind::Caption,
        ParagraphKind::Heading,
    ];

    /// The lowercase name, as serialized and stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            ParagraphKind::Paragraph => "paragraph",
            ParagraphKind::Caption => "caption",
            ParagraphKind::Heading => "heading",
        }
    }

    /// The kind named by [`ParagraphKind::as_str`], or `None`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// A corpus file that could not be indexed, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// What reading a corpus folder produced: its reports (plain, or labelled by
/// a later stage), the files skipped and the count of files read.
#[derive(Debug)]
pub struct Corpus<R = Report> {
    pub reports: Vec<R>,
    pub skipped: Vec<Skipped>,
    /// Files read successfully.
    pub files_read: usize,
}

impl<R> Default for Corpus<R> {
    fn default() -> Self {
        Corpus {
            reports: Vec::new(),
            skipped: Vec::new(),
            files_read: 0,
        }
    }
}

/// Turn a file stem into an id usable in a URL path segment: characters
/// other than letters, digits, `-`, `_` and `.` become `-`, a run of dots
/// one `-` (an id with `..` would not be reachable), and `-` and `.` are
/// trimmed from the ends.
pub fn id_from_stem(stem: &str) -> String {
    let mut id = String::with_capacity(stem.len());
    let mut chars = stem.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '.' && chars.peek() == Some(&'.') {
            while chars.peek() == Some(&'.') {
                chars.next();
            }
            id.push('-');
        } else if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
            id.push(c);
        } else {
            id.push('-');
        }
    }
    id.trim_matches(['-', '.']).to_string()
}

/// Longest report id, in bytes ([`is_valid_id`] refuses longer ones).
pub const MAX_ID_BYTES: usize = 200;
/// Longest id a file gives its reports, leaving room for an article number.
const MAX_BASE_BYTES: usize = MAX_ID_BYTES - 12;

/// Whether a report id is well formed (what [`id_from_stem`] can produce, plus
/// an article number). Used to refuse path-like ids before any lookup.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_BYTES
        && !id.contains("..")
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// The raw bytes of a path (its OS form), for hashing names that are not
/// UTF-8.
fn raw_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// Eight hex digits of FNV-1a over `bytes`.
fn short_hash(bytes: &[u8]) -> String {
    let h = fnv1a(&[bytes]);
    format!("{:08x}", (h >> 32) ^ (h & 0xffff_ffff))
}

/// `base` with `suffix` appended after a `-` (or `suffix` alone).
fn suffixed(base: &str, suffix: &str) -> String {
    if base.is_empty() {
        suffix.to_string()
    } else {
        format!("{base}-{suffix}")
    }
}

/// The id a corpus file gives its reports, alone: the folders and the stem
/// of its path relative to the corpus folder, joined by `-` (a file at the
/// top keeps its stem: `2020-zibo-aid-team-ngamring`, `2021/report.txt`
/// gives `2021-report`); a name that is not UTF-8, or gives nothing, gets a
/// hash of its raw bytes, so two such names differ; an id too long for a
/// URL is cut and gets a hash of the whole.
fn file_base_id(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let raw = raw_bytes(rel);
    let stem = rel.with_extension("");
    let text = stem.to_str().map(|s| s.replace('\\', "/"));
    let mut id = id_from_stem(text.as_deref().unwrap_or(&stem.to_string_lossy()));
    if text.is_none() || id.is_empty() {
        id = suffixed(&id, &short_hash(&raw));
    }
    if id.len() > MAX_BASE_BYTES {
        let mut cut = MAX_BASE_BYTES - 9;
        while !id.is_char_boundary(cut) {
            cut -= 1;
        }
        id = suffixed(id[..cut].trim_end_matches(['-', '.']), &short_hash(&raw));
    }
    id
}

/// The id each of a corpus folder's `files` gives its reports (which are it,
/// or it and `-N` for a file of several articles), unique and stable: it
/// depends on the file's path and on no content. Ids come from the folders
/// and stem (`file_base_id`); files whose ids collide (`a.txt` and `a.md`,
/// or `a.txt` and `a-2.txt`, whose ids a second article of `a.txt` would
/// share) get their extension appended (`a-txt`, `a-md`), and any still
/// colliding a hash of their path.
pub fn file_ids(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    let mut ids: Vec<String> = files.iter().map(|f| file_base_id(dir, f)).collect();
    for round in 0..3 {
        let clashing = clashes(&ids);
        if !clashing.contains(&true) {
            break;
        }
        for (i, clash) in clashing.into_iter().enumerate() {
            if !clash {
                continue;
            }
            let rel = files[i].strip_prefix(dir).unwrap_or(&files[i]);
            let extension = rel
                .extension()
                .map(|e| id_from_stem(&e.to_string_lossy()))
                .filter(|e| !e.is_empty());
            let suffix = match (round, extension) {
                (0, Some(extension)) => extension,
                _ => short_hash(&[raw_bytes(rel), vec![round]].concat()),
            };
            ids[i] = suffixed(&ids[i], &suffix);
        }
    }
    ids
}

/// Which ids clash with another: equal to it, or equal to it plus an
/// article number (`-N`).
fn clashes(ids: &[String]) -> Vec<bool> {
    let mut by_id: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, id) in ids.iter().enumerate() {
        by_id.entry(id.as_str()).or_default().push(i);
    }
    let mut clash = vec![false; ids.len()];
    for (i, id) in ids.iter().enumerate() {
        if by_id[id.as_str()].len() > 1 {
            clash[i] = true;
        }
        let numbered = id
            .rsplit_once('-')
            .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if let Some(others) = numbered.and_then(|(prefix, _)| by_id.get(prefix)) {
            clash[i] = true;
            for &j in others {
                clash[j] = true;
            }
        }
    }
    clash
}

/// The ids of the reports of a file whose id is `base` and which holds
/// `articles` articles.
pub fn report_ids(base: &str, articles: usize) -> Vec<String> {
    if articles > 1 {
        (1..=articles).map(|i| format!("{base}-{i}")).collect()
    } else {
        vec![base.to_string()]
    }
}

/// Files of a corpus folder in a stable order: hidden files, sidecars and
/// READMEs are not reports.
pub fn corpus_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file()
                && !name.ends_with(".toml")
                && !name.eq_ignore_ascii_case("README.md")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Read and label every report of a corpus folder. Bad files are skipped with
/// a reason; they never stop the others.
pub fn load_dir(dir: &Path) -> std::io::Result<Corpus> {
    load_dir_with_progress(dir, &|_| {})
}

/// How far a corpus walk has got, for progress displays.
#[derive(Debug, Clone)]
pub enum LoadProgress {
    /// The walk found this many report files; reading starts.
    Found(usize),
    /// One file is done (called from worker threads, in no particular order):
    /// its path relative to the corpus folder, and its paragraph count or the
    /// reason it was skipped.
    File {
        file: String,
        paragraphs: Result<usize, String>,
    },
}

/// [`load_dir`], calling `progress` once with the number of files and then
/// once per file as it finishes.
pub fn load_dir_with_progress(
    dir: &Path,
    progress: &(dyn Fn(LoadProgress) + Sync),
) -> std::io::Result<Corpus> {
    let files = corpus_files(dir)?;
    let ids = file_ids(dir, &files);
    progress(LoadProgress::Found(files.len()));
    let results: Vec<Result<Vec<Report>, Skipped>> = files
        .par_iter()
        .zip(&ids)
        .map(|(path, id)| {
            let result = load_file_as(dir, path, id);
            progress(LoadProgress::File {
                file: relative(dir, path),
                paragraphs: match &result {
                    Ok(reports) => Ok(reports.iter().map(|r| r.paragraphs.len()).sum()),
                    Err(skipped) => Err(skipped.reason.clone()),
                },
            });
            result
        })
        .collect();
    let mut corpus = Corpus::default();
    for result in results {
        match result {
            Ok(reports) => {
                corpus.files_read += 1;
                corpus.reports.extend(reports);
            }
            Err(skipped) => corpus.skipped.push(skipped),
        }
    }
    Ok(corpus)
}

/// Characters that reorder the text around them (bidirectional overrides
/// and isolates, zero-width marks): a name holding them can show as another.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A corpus file's path relative to the folder, as [`Report::file`] holds it
/// and logs and summaries show it: `/`-separated, with bytes that are not
/// UTF-8 written `\x{ff}`, and control characters (newline, ESC …) and
/// bidirectional controls written `\u{1b}`, so two names stay apart and no
/// name can forge a log line, move a terminal's cursor or show as another.
pub fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let mut out = String::new();
    for chunk in raw_bytes(rel).utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' if cfg!(windows) => out.push('/'),
                c if c.is_control() || is_bidi_control(c) => {
                    out.push_str(&c.escape_unicode().to_string())
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{{{b:02x}}}"));
        }
    }
    out
}

/// Read one corpus file (and its sidecar) into its reports, as if it were
/// the only file of the folder (its id is then not checked against others';
/// [`load_dir`] does that).
pub fn load_file(dir: &Path, path: &Path) -> Result<Vec<Report>, Skipped> {
    load_file_as(dir, path, &file_base_id(dir, path))
}

/// Read one corpus file (and its sidecar) into its reports, whose ids are
/// `id` ([`file_ids`] gives it), or `id-N` when it holds several articles.
pub fn load_file_as(dir: &Path, path: &Path, id: &str) -> Result<Vec<Report>, Skipped> {
    let file = relative(dir, path);
    let skip = |reason: String| Skipped {
        file: file.clone(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| skip(format!("unreadable: {e}")))?
        .len();
    if size as usize > formats::MAX_FILE_BYTES {
        return Err(skip(format!(
            "file too large ({size} bytes, limit {})",
            formats::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| skip(format!("unreadable: {e}")))?;
    let sidecar_path = path.with_extension("toml");
    let (meta, sidecar_bytes) = if sidecar_path.is_file() {
        let text = std::fs::read_to_string(&sidecar_path)
            .map_err(|e| skip(format!("unreadable sidecar: {e}")))?;
        let meta = ReportMeta::parse(&text).map_err(|e| skip(format!("bad sidecar: {e}")))?;
        (meta, text.into_bytes())
    } else {
        (ReportMeta::default(), Vec::new())
    };
    let extracted = formats::extract(path, &bytes).map_err(|e| skip(e.to_string()))?;
    let hash = content_hash(&bytes, &sidecar_bytes);
    let reports = build_reports(id, &file, &extracted.text, extracted.title, &meta, hash);
    if reports.iter().all(|r| r.paragraphs.is_empty()) {
        return Err(skip("no text left after cleaning".to_string()));
    }
    Ok(reports)
}

/// FNV-1a over the file, a 0xff separator and its sidecar.
pub fn content_hash(bytes: &[u8], sidecar: &[u8]) -> u64 {
    fnv1a(&[bytes, &[0xff], sidecar])
}

/// 64-bit FNV-1a over the concatenation of `parts`: stable across runs,
/// builds and platforms, unlike std's hasher.
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    // A plain loop per part rather than a chained iterator, which compiled to
    // a branchy loop (a third of the instructions).
    for part in parts {
        for &b in *part {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
    }
    hash
}

/// Clean and split the text of one file into its reports.
pub fn build_reports(
    id: &str,
    file: &str,
    text: &str,
    format_title: Option<String>,
    meta: &ReportMeta,
    content_hash: u64,
) -> Vec<Report> {
    let articles = clean::clean(text);
    let many = articles.len() > 1;
    articles
        .into_iter()
        .enumerate()
        .map(|(i, article)| {
            let title = if many {
                article.title.clone()
            } else {
                meta.title
                    .clone()
                    .or(format_title.clone())
                    .or(article.title.clone())
            }
            .unwrap_or_else(|| id.to_string());
            let paragraphs: Vec<Paragraph> = article
                .paragraphs()
                .into_iter()
                .enumerate()
                .map(|(n, p)| Paragraph {
                    number: n as u32 + 1,
                    kind: if p.is_heading {
                        ParagraphKind::Heading
                    } else if p.is_caption {
                        ParagraphKind::Caption
                    } else {
                        ParagraphKind::Paragraph
                    },
                    text: p.text,
                    section: p.section,
                })
                .collect();
            Report {
                id: if many {
                    format!("{id}-{}", i + 1)
                } else {
                    id.to_string()
                },
                file: file.to_string(),
                title,
                source: meta.source.clone(),
                date: meta.date.clone(),
                date_note: meta.date_note.clone(),
                byline: article.bylines().into_iter().map(str::to_string).collect(),
                paragraphs,
                content_hash,
                hints: meta.hints(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_and_validated() {
        assert_eq!(
            id_from_stem("2020-lhasa customs/水"),
            "2020-lhasa-customs-水"
        );
        assert!(is_valid_id("2020-lhasa-customs-water-testing-2"));
        for bad in ["../etc/passwd", "..", "/abs", "a/b", "%2e%2e", ""] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn relative_names_escape_what_could_forge_or_hide() {
        let dir = Path::new("/c");
        assert_eq!(relative(dir, Path::new("/c/a/援藏.txt")), "a/援藏.txt");
        assert_eq!(
            relative(dir, Path::new("/c/x\n\u{1b}[2J\u{202e}txt.exe")),
            "x\\u{a}\\u{1b}[2J\\u{202e}txt.exe"
        );
    }

    #[test]
    fn paragraph_kinds_serialize_as_their_names() {
        for kind in ParagraphKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
            assert_eq!(ParagraphKind::parse(kind.as_str()), Some(kind));
        }
        let names = ParagraphKind::ALL.map(ParagraphKind::as_str);
        assert_eq!(names, ["paragraph", "caption", "heading"]);
        assert_eq!(ParagraphKind::parse("Heading"), None);
        assert_eq!(ParagraphKind::parse(""), None);
    }

    #[test]
    fn content_hash_is_fnv1a_over_file_separator_and_sidecar() {
        let mut expected: u64 = 0xcbf29ce484222325;
        for &b in "拉萨".as_bytes().iter().chain(&[0xff]).chain(b"t = 1") {
            expected = (expected ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
        assert_eq!(content_hash("拉萨".as_bytes(), b"t = 1"), expected);
        assert_eq!(content_hash(b"", b""), 0xaf64724c8602eb6e);
    }

    #[test]
    fn fnv1a_hashes_the_concatenated_parts() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(&[]), 0xcbf29ce484222325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a(&[b"foobar"]), 0x85944171f73967e8);
        assert_eq!(fnv1a(&[b"foo", b"", b"bar"]), fnv1a(&[b"foobar"]));
    }

    #[test]
    fn bad_files_are_skipped_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.txt"), "拉萨海关开展饮用水检测。").unwrap();
        std::fs::write(dir.path().join("empty.txt"), "").unwrap();
        let corpus = load_dir(dir.path()).unwrap();
        assert_eq!(corpus.reports.len(), 1);
        assert_eq!(corpus.skipped.len(), 1);
        assert_eq!(corpus.skipped[0].file, "empty.txt");
        assert!(corpus.skipped[0].reason.contains("empty"));
    }
}
