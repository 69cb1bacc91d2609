//! The corpus: reading a folder of report files into cleaned, unlabelled
//! reports (`crate::labels` labels them downstream).
//!
//! `formats` turns bytes into text, `clean` turns text into articles and
//! paragraphs, `meta` reads sidecars.
//! This module owns the walk over the folder, report ids and paragraph numbers,
//! and the list of files it had to skip.

pub mod clean;
pub mod formats;
mod isolate;
pub mod meta;

pub use isolate::isolated;

use std::collections::BTreeMap;
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
    /// The groups that may read the report (its sidecar's `access`, else
    /// its folder's [`meta::FOLDER_ACCESS_FILE`]); empty: open.
    pub access: Vec<String>,
}

impl Report {
    /// A report of plain paragraphs (tests, and labelling a text by hand).
    pub fn of_texts(title: &str, date: &str, texts: &[&str]) -> Report {
        Report {
            id: "test".into(),
            file: "test.txt".into(),
            title: title.into(),
            source: None,
            date: Some(date.into()),
            date_note: None,
            byline: Vec::new(),
            paragraphs: texts
                .iter()
                .enumerate()
                .map(|(i, t)| Paragraph {
                    number: i as u32 + 1,
                    text: (*t).into(),
                    section: None,
                    kind: ParagraphKind::Paragraph,
                    cells: None,
                    extraction: Default::default(),
                })
                .collect(),
            content_hash: 0,
            hints: Default::default(),
            access: Vec::new(),
        }
    }
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
    /// What a table row's cells say of its labels (a spreadsheet's data
    /// row); `None` for text. Boxed: most paragraphs have none.
    #[serde(skip)]
    pub cells: Option<Box<meta::CellHints>>,
    /// How its text was read: from the file's text, or by OCR of a scan
    /// (less certain).
    pub extraction: Extraction,
}

/// How a paragraph's text was read. Serialized, and stored in the index,
/// as its lowercase name: `text` or `ocr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Extraction {
    /// From the text the file holds.
    #[default]
    Text,
    /// By OCR of a scanned page or image.
    Ocr,
}

impl Extraction {
    /// The lowercase name, as serialized and stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Extraction::Text => "text",
            Extraction::Ocr => "ocr",
        }
    }
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
    /// Files read, but not whole or not as written: a paragraph cut, a title
    /// cut, lines in another encoding (`reason` says what).
    pub warnings: Vec<Skipped>,
    /// Files read, by kind ([`Loaded::kind`]).
    pub files_by_kind: BTreeMap<&'static str, usize>,
    /// Scans whose text came from the OCR cache.
    pub ocr_cache_hits: usize,
}

impl<R> Default for Corpus<R> {
    fn default() -> Self {
        Corpus {
            reports: Vec::new(),
            skipped: Vec::new(),
            files_read: 0,
            warnings: Vec::new(),
            files_by_kind: BTreeMap::new(),
            ocr_cache_hits: 0,
        }
    }
}

/// Stack of the thread each file is read on: deeply nested input (a PDF
/// catalog of nested arrays, an HTML or DOCX tree) recurses in the readers,
/// and a stack overflow aborts the whole process — no `catch_unwind` stops
/// it. The stack is reserved, not committed: only what is used costs memory.
pub const READER_STACK_BYTES: usize = 64 << 20;

/// Wall time one file may take to be read and cleaned; past it the file is
/// skipped.
pub const FILE_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(30);

/// Longest sidecar read; a larger one skips its file.
pub const MAX_SIDECAR_BYTES: u64 = 64 * 1024;

/// Longest title kept, in characters; longer ones are cut (with a warning).
pub const MAX_TITLE_CHARS: usize = 200;

/// Longest block of text (paragraph) handed to the cleaner, in characters:
/// longer ones are split at sentence ends (。！？), and cut hard where no
/// sentence ends (with a warning).
pub const MAX_PARAGRAPH_CHARS: usize = 20_000;

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
/// READMEs are not reports; symbolic links and special files are left out
/// ([`corpus_walk`] lists them).
pub fn corpus_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    corpus_walk(dir).map(|(files, _)| files)
}

/// [`corpus_files`], and the entries that are not read with the reason:
/// symbolic links (not followed: one could point out of the folder or loop)
/// and whatever is not a regular file or folder (a FIFO would block the
/// reader for ever, a device could be endless).
pub fn corpus_walk(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<Skipped>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
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
            } else if file_type.is_symlink() {
                skipped.push(Skipped {
                    file: relative(dir, &path),
                    reason: "symbolic link: not followed".into(),
                });
            } else if !file_type.is_file() && !file_type.is_dir() {
                skipped.push(Skipped {
                    file: relative(dir, &path),
                    reason: "not a regular file".into(),
                });
            }
        }
    }
    files.sort();
    skipped.sort_by(|a, b| a.file.cmp(&b.file));
    Ok((files, skipped))
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
    let (files, special) = corpus_walk(dir)?;
    let ids = file_ids(dir, &files);
    progress(LoadProgress::Found(files.len()));
    for skipped in &special {
        progress(LoadProgress::File {
            file: skipped.file.clone(),
            paragraphs: Err(skipped.reason.clone()),
        });
    }
    let results: Vec<Result<Loaded, Skipped>> = files
        .par_iter()
        .zip(&ids)
        .map(|(path, id)| {
            let result = load_file_checked(dir, path, id);
            progress(LoadProgress::File {
                file: relative(dir, path),
                paragraphs: match &result {
                    Ok(loaded) => Ok(loaded.reports.iter().map(|r| r.paragraphs.len()).sum()),
                    Err(skipped) => Err(skipped.reason.clone()),
                },
            });
            result
        })
        .collect();
    let mut corpus = Corpus {
        skipped: special,
        ..Corpus::default()
    };
    for result in results {
        match result {
            Ok(loaded) => {
                corpus.files_read += 1;
                *corpus.files_by_kind.entry(loaded.kind).or_default() += 1;
                corpus.ocr_cache_hits += usize::from(loaded.ocr_cache_hit);
                corpus.reports.extend(loaded.reports);
                corpus.warnings.extend(loaded.warnings);
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
    load_file_checked(dir, path, id).map(|loaded| loaded.reports)
}

/// A file's reports and what was not read as written ([`Corpus::warnings`]).
#[derive(Debug)]
pub struct Loaded {
    pub reports: Vec<Report>,
    pub warnings: Vec<Skipped>,
    /// What kind of file it was, as the reindex summary counts it:
    /// [`formats::Format::kind`].
    pub kind: &'static str,
    /// Its text was read by OCR before and taken from the cache.
    pub ocr_cache_hit: bool,
}

/// [`load_file_as`] with the file's warnings. The file is read and cleaned on
/// a thread of its own, with a [`READER_STACK_BYTES`] stack, behind
/// `catch_unwind`, for at most [`FILE_TIME_BUDGET`]: a reader that panics,
/// recurses deep or never ends skips its file and no other.
/// Scans are read by OCR, without a cache.
pub fn load_file_checked(dir: &Path, path: &Path, id: &str) -> Result<Loaded, Skipped> {
    load_file_with(dir, path, id, &formats::ReadOptions::with_ocr(None))
}

/// [`load_file_checked`] with [`formats::ReadOptions`] (the OCR cache).
pub fn load_file_with(
    dir: &Path,
    path: &Path,
    id: &str,
    options: &formats::ReadOptions,
) -> Result<Loaded, Skipped> {
    let file = relative(dir, path);
    let (dir, path, id) = (dir.to_path_buf(), path.to_path_buf(), id.to_string());
    let options = options.clone();
    isolated(&file, FILE_TIME_BUDGET, move || {
        read_file(&dir, &path, &id, &options)
    })
}

/// Split blocks (paragraphs: text between blank lines) longer than
/// [`MAX_PARAGRAPH_CHARS`] at sentence ends (。！？), and cut hard where no
/// sentence ends early enough; returns the text and how many hard cuts were
/// made. Text without such blocks is returned as it is.
pub fn split_long_blocks(text: &str) -> (std::borrow::Cow<'_, str>, usize) {
    let long = |block: &str| {
        block.len() > MAX_PARAGRAPH_CHARS && block.chars().count() > MAX_PARAGRAPH_CHARS
    };
    if !text.split("\n\n").any(long) {
        return (std::borrow::Cow::Borrowed(text), 0);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut hard_cuts = 0;
    for (i, block) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        if !long(block) {
            out.push_str(block);
            continue;
        }
        let mut piece = String::new();
        let mut chars = 0usize;
        let mut last_end: Option<(usize, usize)> = None; // byte and char count after a sentence end
        for c in block.chars() {
            piece.push(c);
            chars += 1;
            if matches!(c, '。' | '！' | '？') {
                last_end = Some((piece.len(), chars));
            }
            if chars >= MAX_PARAGRAPH_CHARS {
                let (at, at_chars) = match last_end {
                    Some(end) => end,
                    None => {
                        hard_cuts += 1;
                        (piece.len(), chars)
                    }
                };
                let rest = piece.split_off(at);
                out.push_str(&piece);
                out.push_str("\n\n");
                piece = rest;
                chars -= at_chars;
                last_end = None;
            }
        }
        out.push_str(&piece);
    }
    (std::borrow::Cow::Owned(out), hard_cuts)
}

/// `title` cut to [`MAX_TITLE_CHARS`] characters; whether it was cut.
fn cut_title(title: String) -> (String, bool) {
    match title.char_indices().nth(MAX_TITLE_CHARS) {
        Some((at, _)) => (title[..at].trim_end().to_string(), true),
        None => (title, false),
    }
}

/// Read one file and its sidecar (on the calling thread: [`isolated`] is
/// the guard).
fn read_file(
    dir: &Path,
    path: &Path,
    id: &str,
    options: &formats::ReadOptions,
) -> Result<Loaded, Skipped> {
    let file = relative(dir, path);
    let skip = |reason: String| Skipped {
        file: file.clone(),
        reason,
    };
    let mut warnings = Vec::new();
    let mut warn = |reason: String| {
        warnings.push(Skipped {
            file: file.clone(),
            reason,
        })
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
        let sidecar_size = std::fs::metadata(&sidecar_path)
            .map_err(|e| skip(format!("unreadable sidecar: {e}")))?
            .len();
        if sidecar_size > MAX_SIDECAR_BYTES {
            return Err(skip(format!(
                "sidecar too large ({sidecar_size} bytes, limit {MAX_SIDECAR_BYTES})"
            )));
        }
        let text = std::fs::read_to_string(&sidecar_path)
            .map_err(|e| skip(format!("unreadable sidecar: {e}")))?;
        let meta = ReportMeta::parse(&text).map_err(|e| skip(format!("bad sidecar: {e}")))?;
        (meta, text.into_bytes())
    } else {
        (ReportMeta::default(), Vec::new())
    };
    let (folder_groups, sidecar_bytes) = with_folder_access(dir, path, sidecar_bytes)
        .map_err(|e| skip(format!("bad folder access file: {e}")))?;
    let meta = ReportMeta {
        access: meta.access.or(folder_groups),
        ..meta
    };
    let extracted =
        formats::extract_with(path, &bytes, options).map_err(|e| skip(e.to_string()))?;
    if extracted.encoding.contains("lines") {
        warn(format!("mixed encodings: {}", extracted.encoding));
    }
    for warning in &extracted.warnings {
        warn(warning.clone());
    }
    let hash = content_hash(&bytes, &sidecar_bytes);
    let extracted_format = extracted.format;
    let extracted_kind = extracted.format.kind();
    let ocr_cache_hit = matches!(extracted.format, formats::Format::Ocr { from_cache: true });
    let mut reports = if extracted.rows.is_empty() {
        let (text, hard_cuts) = split_long_blocks(&extracted.text);
        if hard_cuts > 0 {
            warn(format!(
                "{hard_cuts} paragraph(s) without a sentence end cut at {MAX_PARAGRAPH_CHARS} characters"
            ));
        }
        build_reports(id, &file, &text, extracted.title, &meta, hash)
    } else {
        vec![table_report(
            id,
            &file,
            extracted.rows,
            extracted.title,
            &meta,
            hash,
        )]
    };
    if reports.iter().all(|r| r.paragraphs.is_empty()) {
        return Err(skip("no text left after cleaning".to_string()));
    }
    for report in &mut reports {
        if matches!(extracted_format, formats::Format::Ocr { .. }) {
            for paragraph in &mut report.paragraphs {
                paragraph.extraction = Extraction::Ocr;
            }
        }
        let (title, cut) = cut_title(std::mem::take(&mut report.title));
        report.title = title;
        if cut {
            warn(format!("title cut at {MAX_TITLE_CHARS} characters"));
        }
    }
    Ok(Loaded {
        reports,
        warnings,
        kind: extracted_kind,
        ocr_cache_hit,
    })
}

/// The nearest [`meta::FOLDER_ACCESS_FILE`] from `path`'s folder up to the
/// corpus folder `dir`: its groups, and `sidecar` with its bytes appended
/// (so that [`content_hash`] changes with it and an incremental reindex
/// reads the file again). An unreadable or malformed one is an error: a
/// report whose restriction cannot be read is not indexed as open.
pub fn with_folder_access(
    dir: &Path,
    path: &Path,
    mut sidecar: Vec<u8>,
) -> Result<(Option<Vec<String>>, Vec<u8>), String> {
    let mut folder = path.parent();
    while let Some(d) = folder {
        let candidate = d.join(meta::FOLDER_ACCESS_FILE);
        if candidate.is_file() {
            let name = relative(dir, &candidate);
            let size = std::fs::metadata(&candidate)
                .map_err(|e| format!("{name}: {e}"))?
                .len();
            if size > MAX_SIDECAR_BYTES {
                return Err(format!("{name} is over {MAX_SIDECAR_BYTES} bytes"));
            }
            let text = std::fs::read_to_string(&candidate).map_err(|e| format!("{name}: {e}"))?;
            let groups = meta::parse_folder_access(&text).map_err(|e| format!("{name}: {e}"))?;
            sidecar.push(0xfe);
            sidecar.extend_from_slice(text.as_bytes());
            return Ok((Some(groups), sidecar));
        }
        if d == dir || !d.starts_with(dir) {
            break;
        }
        folder = d.parent();
    }
    Ok((None, sidecar))
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
                    cells: None,
                    extraction: Extraction::Text,
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
                access: meta.access.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// The one report of a file read as table rows (a workbook): a paragraph
/// per row, as the format made it (only [`clean::clean_line`] applied: the
/// cleaner's joining of lines would merge rows), under its sheet's name.
pub fn table_report(
    id: &str,
    file: &str,
    rows: Vec<formats::TableRow>,
    format_title: Option<String>,
    meta: &ReportMeta,
    content_hash: u64,
) -> Report {
    let paragraphs = rows
        .into_iter()
        .enumerate()
        .map(|(n, row)| Paragraph {
            number: n as u32 + 1,
            text: clean::clean_line(&row.text),
            section: (!row.heading).then_some(row.sheet),
            kind: if row.heading {
                ParagraphKind::Heading
            } else {
                ParagraphKind::Paragraph
            },
            cells: row.cells,
            extraction: Extraction::Text,
        })
        .collect();
    Report {
        id: id.to_string(),
        file: file.to_string(),
        title: meta
            .title
            .clone()
            .or(format_title)
            .unwrap_or_else(|| id.to_string()),
        source: meta.source.clone(),
        date: meta.date.clone(),
        date_note: meta.date_note.clone(),
        byline: Vec::new(),
        paragraphs,
        content_hash,
        hints: meta.hints(),
        // A workbook is restricted like any report of its folder.
        access: meta.access.clone().unwrap_or_default(),
    }
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

    /// A small PDF whose catalog holds `open` nested `depth` times (`[` or
    /// `<<`, closed by `close`), with a valid xref table.
    fn nested_pdf(open: &str, close: &str, depth: usize) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let first = out.len();
        out.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Nest ");
        for _ in 0..depth {
            out.extend_from_slice(open.as_bytes());
            if open == "<<" {
                out.extend_from_slice(b" /K ");
            }
        }
        out.extend_from_slice(b"1");
        for _ in 0..depth {
            out.extend_from_slice(close.as_bytes());
        }
        out.extend_from_slice(b" >>\nendobj\n");
        let second = out.len();
        out.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
        let xref = out.len();
        out.extend_from_slice(
            format!(
                "xref\n0 3\n0000000000 65535 f \n{first:010} 00000 n \n{second:010} 00000 n \n\
                 trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn deeply_nested_pdfs_are_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.txt"), "拉萨海关开展饮用水检测。").unwrap();
        for (name, open, close, depth) in [
            ("arrays.pdf", "[", "]", 1_000),
            ("dicts.pdf", "<<", ">>", 1_000),
            ("deep-arrays.pdf", "[", "]", 100_000),
        ] {
            let bytes = nested_pdf(open, close, depth);
            assert!(depth > 1_000 || bytes.len() < 16 * 1024);
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let corpus = load_dir(dir.path()).unwrap();
        assert_eq!(corpus.reports.len(), 1);
        let mut skipped: Vec<_> = corpus.skipped.iter().map(|s| s.file.as_str()).collect();
        skipped.sort();
        assert_eq!(skipped, ["arrays.pdf", "deep-arrays.pdf", "dicts.pdf"]);
        for s in &corpus.skipped {
            assert!(
                s.reason.contains("nested") && s.reason.contains("limit"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_reader_that_panics_or_hangs_skips_only_its_file() {
        let budget = std::time::Duration::from_millis(200);
        // A panic is answered as soon as it is caught, but printing its
        // backtrace (RUST_BACKTRACE=1) took longer than 0.2 s on a loaded
        // machine: the budget that times out is the hang's, below.
        let generous = std::time::Duration::from_secs(60);
        let panicked = isolated::<()>("a.pdf", generous, || panic!("boom"));
        let e = panicked.unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.reason.as_str()),
            ("a.pdf", "reader crashed: boom")
        );
        let started = std::time::Instant::now();
        let hung = isolated::<()>("b.pdf", budget, || {
            std::thread::sleep(std::time::Duration::from_secs(5));
            Ok(())
        });
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let e = hung.unwrap_err();
        assert_eq!(e.file, "b.pdf");
        assert!(e.reason.contains("0.2 s budget"), "{}", e.reason);
        // Deep recursion fits the reader's stack.
        fn depth(n: u64) -> u64 {
            let pad = std::hint::black_box([n; 64]);
            if n == 0 {
                0
            } else {
                depth(n - 1) + pad[3] % 2
            }
        }
        assert!(isolated("c.txt", budget * 50, || Ok(depth(50_000))).is_ok());
    }

    #[test]
    fn isolation_costs_little_per_file() {
        let started = std::time::Instant::now();
        for _ in 0..200 {
            isolated("a.txt", FILE_TIME_BUDGET, || Ok(())).unwrap();
        }
        let per_file = started.elapsed() / 200;
        eprintln!("isolation overhead per file: {per_file:?}");
        assert!(
            per_file < std::time::Duration::from_millis(20),
            "{per_file:?}"
        );
    }

    #[test]
    fn long_blocks_are_split_at_sentence_ends_or_cut() {
        let sentence = "拉萨海关开展饮用水检测。"; // 12 characters
        let text = format!("标题\n\n{}", sentence.repeat(5_000));
        let (split, cuts) = split_long_blocks(&text);
        assert_eq!(cuts, 0);
        let blocks: Vec<&str> = split.split("\n\n").collect();
        assert_eq!(blocks[0], "标题");
        assert!(blocks.len() >= 4, "{}", blocks.len());
        for block in &blocks[1..] {
            assert!(block.chars().count() <= MAX_PARAGRAPH_CHARS);
            assert!(block.ends_with('。'));
        }
        assert_eq!(split.replace("\n\n", ""), text.replace("\n\n", ""));
        let unbroken = "援".repeat(45_000);
        let (cut, cuts) = split_long_blocks(&unbroken);
        assert_eq!(cuts, 2);
        assert_eq!(cut.split("\n\n").count(), 3);
        let short = "a\n\nb";
        assert!(matches!(
            split_long_blocks(short).0,
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn long_titles_are_cut_and_big_sidecars_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "拉萨海关开展饮用水检测。").unwrap();
        let title = "援".repeat(1_000);
        std::fs::write(dir.path().join("a.toml"), format!("title = \"{title}\"\n")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "拉萨海关开展饮用水检测。").unwrap();
        let big = format!("title = \"{}\"\n", "x".repeat(MAX_SIDECAR_BYTES as usize));
        std::fs::write(dir.path().join("b.toml"), big).unwrap();
        let corpus = load_dir(dir.path()).unwrap();
        assert_eq!(corpus.reports.len(), 1);
        assert_eq!(corpus.reports[0].title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(corpus.warnings.len(), 1);
        assert!(corpus.warnings[0].reason.contains("title cut"));
        assert_eq!(corpus.skipped.len(), 1);
        assert_eq!(corpus.skipped[0].file, "b.txt");
        assert!(corpus.skipped[0].reason.starts_with("sidecar too large"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_fifos_are_listed_as_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.txt"), "拉萨海关开展饮用水检测。").unwrap();
        std::os::unix::fs::symlink("good.txt", dir.path().join("link.txt")).unwrap();
        std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).unwrap();
        let fifo = std::ffi::CString::new(
            dir.path()
                .join("pipe.txt")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let corpus = load_dir(dir.path()).unwrap();
        assert_eq!(corpus.reports.len(), 1);
        let skipped: Vec<(&str, &str)> = corpus
            .skipped
            .iter()
            .map(|s| (s.file.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("link.txt", "symbolic link: not followed"),
                ("loop-a", "symbolic link: not followed"),
                ("loop-b", "symbolic link: not followed"),
                ("pipe.txt", "not a regular file"),
            ]
        );
    }
}
