//! Turning one corpus file's bytes into text.
//!
//! This module owns everything between "here are the bytes of one file" and "here is its text":
//!
//! * **format detection** — by content first (magic bytes, the inside of a zip, an HTML prologue) and by
//!   the file extension second;
//! * **character decoding** of text formats — BOMs (UTF-8, UTF-16, UTF-32), strict UTF-8, and otherwise
//!   GB18030/GBK, Big5 and the other legacy encodings guessed by `chardetng` (biased towards Chinese);
//! * **text extraction** from HTML (own small tolerant scanner), DOCX (zip + `quick-xml`) and PDF
//!   (`pdf-extract`, isolated behind `catch_unwind` because it panics on malformed input);
//! * **table rows** from workbooks (`.xlsx`, `.xls`, `.ods` through calamine), one paragraph per row
//!   with what its cells say of the labels ([`TableRow`]);
//! * **external programs** for what no crate reads well: Word 97–2003 and WPS files (catdoc), and
//!   scans, PDFs without a text layer and images (pdftoppm, tesseract), when [`ReadOptions`] ask;
//! * **the reason** a file could not be read ([`ExtractError`]), worded for a human operator.
//!
//! It does no cleaning: plain `.txt`/`.md` text is returned exactly as decoded (only a BOM is removed);
//! OCR repair, simplification and segmentation belong to later stages. Extracted structured text has
//! paragraphs separated by blank lines and headings as markdown `#`/`##`/`###` lines.
//!
//! Nothing here panics on any input: [`extract`] is meant to be fuzzed.
//!
//! Layout: this file holds the entry point [`extract`], the limits, the result and error types and the
//! helpers the readers share (error reasons, whitespace, paragraphs); `sniff` detects the format by
//! content, `encoding` decodes text, and `html`, `docx` and `pdf` read those formats (`pdf_bounds` holds
//! what a PDF may cost its parsers, checked before and while they read it); `zipped` reads a zip
//! container's parts within bounds, `sheet` reads workbooks, `external` runs a program within bounds,
//! `doc` and `ocr` read legacy Word files and scans with one.

use std::path::Path;

mod doc;
mod docx;
mod encoding;
pub mod external;
mod html;
mod ocr;
mod odt;
mod pdf;
mod pdf_bounds;
mod sheet;
mod sniff;
#[cfg(test)]
mod test_support;
mod zipped;

pub use encoding::decode_text;

use doc::extract_doc;
use docx::extract_zip;
use html::{extract_html, html_document};
use pdf::extract_pdf;
use sheet::{extract_workbook, Workbook};
use sniff::{looks_like_html, ole_kind, sniff, Ole, Sniff};

pub use ocr::{OcrCache, MAX_OCR_PAGES, OCR_TIME_BUDGET};
pub use sheet::{MAX_ROW_CELLS, MAX_SHEETS, MAX_SHEET_ROWS};

use ocr::{extract_scan, Scan};

use super::meta::CellHints;

/// Largest file the ingester reads; larger files are skipped with a reason.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Largest uncompressed XML part read from a DOCX (guards against zip bombs): checked against the
/// size the zip entry declares before inflating, and while inflating.
pub const MAX_DOCX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// Most entries a zip archive (DOCX) may declare; a DOCX has tens to hundreds. The zip reader holds
/// every entry's record, and reserves room for as many as the archive declares.
pub const MAX_ZIP_ENTRIES: u64 = 10_000;

/// Largest ratio of inflated to compressed size of a DOCX part larger than [`DOCX_RATIO_FROM_BYTES`]
/// (real document.xml compresses 5–30 times; a zip bomb thousands of times).
pub const MAX_DOCX_RATIO: u64 = 200;

/// Parts smaller than this are not held to [`MAX_DOCX_RATIO`].
pub const DOCX_RATIO_FROM_BYTES: u64 = 4 * 1024 * 1024;

/// Deepest nesting of PDF arrays and dictionaries parsed (the parser recurses without a limit).
pub const MAX_PDF_NESTING: usize = 64;

/// Most bytes a PDF's streams may decode to, in all; past it the file is skipped. Each stream is
/// decoded whole in memory, pages' streams are joined in one more copy, and pdf-extract turns
/// content into operations at many times its size (see `pdf_bounds`): 256 MiB let one file take
/// gigabytes.
pub const MAX_PDF_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// Most bytes one PDF stream may decode to (the largest embedded fonts are about 15 MB); past it the
/// file is skipped.
pub const MAX_PDF_STREAM_BYTES: u64 = 16 * 1024 * 1024;

/// Most bytes of PDF object syntax (outside stream data, and what object streams inflate to): lopdf
/// holds every object, at up to 60 times the size of its syntax. Past it the file is skipped.
pub const MAX_PDF_SYNTAX_BYTES: u64 = 4 * 1024 * 1024;

/// Most content one PDF page may make pdf-extract read (its content streams and the forms it draws,
/// decoded): it becomes operations at up to 95 times that size. A page past it is skipped, with a
/// warning; a file with no other text is skipped.
pub const MAX_PDF_PAGE_CONTENT_BYTES: u64 = 2 * 1024 * 1024;

/// Widest field of a PDF cross-reference stream (`/W`), in bytes; real ones are 1 to 4 wide, and
/// lopdf allocates a buffer of each width before it reads any.
pub const MAX_PDF_XREF_FIELD_BYTES: u64 = 8;

/// Most pages read from a PDF; longer ones are skipped.
pub const MAX_PDF_PAGES: usize = 2_000;

/// Most text extracted from a PDF; past it the file is skipped.
pub const MAX_PDF_TEXT_BYTES: usize = 32 * 1024 * 1024;

/// A PDF whose extracted text has fewer non-whitespace characters than this has no usable text layer.
const MIN_PDF_TEXT_CHARS: usize = 10;

/// Longest reason string carried inside an error.
const MAX_REASON_CHARS: usize = 120;

/// Format a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Docx,
    Pdf,
    /// A workbook (`.xlsx`, `.xls`, `.ods`), read row by row into [`Extracted::rows`].
    Spreadsheet,
    /// A Word 97–2003 document or a Word-compatible WPS file, read by catdoc.
    Doc,
    /// An OpenDocument text (`.odt`).
    Odt,
    /// A scan (an image, or a PDF without a text layer) read by OCR; its text is less certain.
    Ocr {
        /// Taken from the OCR cache, not read again.
        from_cache: bool,
    },
}

impl Format {
    /// The kind of file the reindex summary counts it as: `text` (plain
    /// text and markdown), `html`, `docx`, `odt`, `pdf`, `ocr`, `doc` or `spreadsheet`.
    pub const fn kind(self) -> &'static str {
        match self {
            Format::Text | Format::Markdown => "text",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Spreadsheet => "spreadsheet",
            Format::Doc => "doc",
            Format::Odt => "odt",
            Format::Ocr { .. } => "ocr",
        }
    }
}

/// One row of a table read cell by cell (a spreadsheet's), to become one paragraph as it is:
/// the cleaner's joining of lines and guessing of headings is for running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The sheet it is on: the paragraph's section.
    pub sheet: String,
    /// `表头：值` pairs joined by `；`, or the text of a heading.
    pub text: String,
    /// The sheet's name, or a title row above its table.
    pub heading: bool,
    /// What its cells say of its labels; `None` for a heading.
    pub cells: Option<Box<CellHints>>,
}

/// Text extracted from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Text with paragraphs separated by blank lines. Headings are emitted as markdown `# ` lines
    /// (HTML h1–h3, DOCX Heading/Title styles), so the downstream cleaner sees them as headings;
    /// the level is kept: h1/Title/Heading 1 → `# `, h2/Heading 2 → `## `, h3/Heading 3 → `### `.
    /// Plain .txt/.md text is returned as decoded, untouched (line breaks kept exactly — the downstream
    /// cleaner repairs OCR damage, so do not alter the text of txt/md beyond decoding and removing a BOM).
    pub text: String,
    /// Title found in the file's own metadata (HTML `<title>`, DOCX core.xml dc:title, PDF Info Title,
    /// markdown front matter `title:`), if any.
    pub title: Option<String>,
    pub format: Format,
    /// Name of the detected encoding for text formats ("UTF-8", "GBK", "UTF-16LE", …); "binary" for docx/pdf.
    pub encoding: &'static str,
    /// What was not read, for the operator: PDF pages past a bound.
    pub warnings: Vec<String>,
    /// A table's rows, each one paragraph (a spreadsheet); `text` is then empty.
    pub rows: Vec<TableRow>,
}

/// Why a file could not be read. Messages are lowercase, short, and say what a human operator should know.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ExtractError {
    #[error("empty file")]
    Empty,
    #[error("file too large ({size} bytes, limit {limit})")]
    TooLarge { size: usize, limit: usize },
    /// e.g. "png image", "zip archive without a document", "binary data"
    #[error("not a text document ({0})")]
    Binary(String),
    #[error("undecodable text")]
    Undecodable,
    #[error("corrupt pdf: {0}")]
    CorruptPdf(String),
    #[error("pdf has no text layer (scanned image?)")]
    NoTextLayer,
    #[error("corrupt docx: {0}")]
    CorruptDocx(String),
    /// A workbook or OpenDocument text that cannot be read: its format (`xlsx`, `xls`, `ods`,
    /// `odt`) and why.
    #[error("corrupt {0}: {1}")]
    Corrupt(&'static str, String),
    /// A password-protected document: its format (`xlsx`, `docx`, `xls`, …).
    #[error("encrypted {0} (password protected): cannot be read")]
    Encrypted(&'static str),
    /// A format read by an external program that could not read it: the
    /// format and why (the program missing names its Debian package).
    #[error("{0}: {1}")]
    External(&'static str, String),
    /// A scan that OCR could not read because a program or its model is
    /// missing: what it lacks and what to install.
    #[error("{0}")]
    NeedsOcr(String),
    /// A document that holds no text: its format.
    #[error("{0} with no text")]
    NoText(&'static str),
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// Plain text in a file whose name promises another format (`batch.zip`):
    /// one wording for every such extension.
    #[error("named .{0} but holds plain text")]
    Misnamed(String),
}

/// What reading a file may use besides its bytes. The default reads no
/// scan: [`extract`] runs no OCR program (it is fuzzed, and OCR takes
/// seconds a page); a Word 97–2003 document is still read by catdoc.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Read scans (images, PDFs without a text layer) by OCR.
    pub ocr: bool,
    /// Where OCR results are kept; without one every scan is read again.
    pub ocr_cache: Option<OcrCache>,
}

impl ReadOptions {
    /// Scans read by OCR, kept in `cache` if there is one.
    pub fn with_ocr(cache: Option<OcrCache>) -> Self {
        ReadOptions {
            ocr: true,
            ocr_cache: cache,
        }
    }
}

/// Extract the text of one file. `path` is used only for its extension (a hint); the format is chosen by
/// content first (magic bytes: `%PDF-`, `PK\x03\x04` with word/document.xml, `<html` / `<!doctype html`,
/// known image/archive magics → Binary) and by extension second.
pub fn extract(path: &Path, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    extract_with(path, bytes, &ReadOptions::default())
}

/// [`extract`] with [`ReadOptions`]: scans (images, PDFs without a text
/// layer) are read by OCR when the options say so, through the cache if
/// there is one.
pub fn extract_with(
    path: &Path,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Extracted, ExtractError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let ext = extension(path);

    match sniff(bytes, &ext) {
        Sniff::Pdf => {
            return match extract_pdf(bytes) {
                Err(ExtractError::NoTextLayer) if options.ocr => {
                    extract_scan(bytes, Scan::Pdf, options.ocr_cache.as_ref())
                }
                read => read,
            }
        }
        Sniff::Binary(kind) if options.ocr && scanned_image(kind).is_some() => {
            let ext = scanned_image(kind).unwrap_or("png");
            return extract_scan(bytes, Scan::Image(ext), options.ocr_cache.as_ref());
        }
        Sniff::Zip => return extract_zip(bytes, &ext),
        Sniff::Ole => {
            return match ole_kind(bytes, &ext) {
                Ole::Encrypted => Err(ExtractError::Encrypted(encrypted_kind(&ext))),
                Ole::Workbook => extract_workbook(bytes, Workbook::Xls),
                Ole::WordDocument => extract_doc(bytes, if ext == "wps" { "wps" } else { "doc" }),
                Ole::Other => Err(ExtractError::Unsupported(
                    "legacy office file that is no word document or workbook (.ppt?)".into(),
                )),
            }
        }
        Sniff::Binary(kind) => return Err(ExtractError::Binary(kind.to_string())),
        Sniff::Unsupported(kind) => return Err(ExtractError::Unsupported(kind.to_string())),
        Sniff::Unknown => {}
    }

    if ext == "wps" {
        // WPS Office 2005 and later keep .wps in Word's container (read
        // above); earlier versions wrote a format of their own.
        return Err(ExtractError::Unsupported(
            "wps file of an early wps version (not word-compatible): save it as .doc or .docx"
                .into(),
        ));
    }
    let html_ext = matches!(ext.as_str(), "html" | "htm" | "xhtml" | "shtml" | "xht");
    if html_ext || looks_like_html(bytes) {
        return extract_html(bytes);
    }

    let (text, encoding) = match decode_text(bytes) {
        Ok(decoded) => decoded,
        // The extension promised a binary document but the content is neither that nor text.
        Err(ExtractError::Binary(_) | ExtractError::Undecodable) if ext == "pdf" => {
            return Err(ExtractError::CorruptPdf("no %PDF- header".into()))
        }
        Err(ExtractError::Binary(_) | ExtractError::Undecodable) if ext == "docx" => {
            return Err(ExtractError::CorruptDocx("not a zip archive".into()))
        }
        Err(e) => return Err(e),
    };
    // Text in a file whose name promises an archive, a document container or
    // an image is not what the sender meant to send (story 3: "a .zip that is
    // not one"): skip it with a reason instead of indexing it as a report.
    match ext.as_str() {
        "pdf" | "docx" | "zip" | "rar" | "7z" | "gz" | "tgz" | "tar" | "bz2" | "xz" | "xlsx"
        | "pptx" | "odt" | "ods" | "doc" | "xls" | "ppt" | "png" | "jpg" | "jpeg" | "gif"
        | "bmp" | "tif" | "tiff" | "webp" | "exe" | "dll" | "bin" | "mp3" | "mp4" => {
            return Err(ExtractError::Misnamed(ext));
        }
        _ => {}
    }
    // A BOM-marked UTF-16/32 HTML file is only recognisable after decoding.
    if looks_like_html(text.as_bytes()) {
        return html_document(&text, encoding);
    }
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let markdown = matches!(ext.as_str(), "md" | "markdown" | "mdown" | "mkd" | "mkdn");
    let title = if markdown {
        front_matter_title(&text)
    } else {
        None
    };
    Ok(Extracted {
        text,
        title,
        format: if markdown {
            Format::Markdown
        } else {
            Format::Text
        },
        encoding,
        warnings: Vec::new(),
        rows: Vec::new(),
    })
}

/// The extension tesseract reads an image of this kind by, for the image
/// kinds a scan is saved as.
fn scanned_image(kind: &str) -> Option<&'static str> {
    match kind {
        "png image" => Some("png"),
        "jpeg image" => Some("jpg"),
        "tiff image" => Some("tif"),
        _ => None,
    }
}

/// The format an encrypted office container claims by its name: Office
/// keeps an encrypted .xlsx, .docx or .pptx in an OLE container of its own.
fn encrypted_kind(ext: &str) -> &'static str {
    match ext {
        "xlsx" | "xlsm" | "xls" => "xlsx",
        "docx" | "doc" => "docx",
        "pptx" | "ppt" => "pptx",
        _ => "office document",
    }
}

/// Lower-cased extension of `path`, or "".
fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// `title:` from a YAML front matter block at the very start of a markdown file.
fn front_matter_title(text: &str) -> Option<String> {
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    for line in lines.take(200) {
        let line = line.trim_end();
        if line == "---" || line == "..." {
            return None;
        }
        if let Some(value) = line.strip_prefix("title:") {
            let v = value.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v)
                .trim();
            return (!v.is_empty()).then(|| v.to_string());
        }
    }
    None
}

/// Short single-line reason for an error, lowercase as the messages are.
fn reason(msg: impl std::fmt::Display) -> String {
    let msg = msg.to_string();
    msg.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .take(MAX_REASON_CHARS)
        .collect()
}

/// Text of a panic payload, for error reasons.
fn panic_reason(payload: &(dyn std::any::Any + Send)) -> String {
    match crate::error::panic_message(payload) {
        Some(s) => reason(format!("reader crashed: {s}")),
        None => "reader crashed".into(),
    }
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------------
// Whitespace normalisation shared by HTML, DOCX and PDF
// ---------------------------------------------------------------------------------------------------

/// Wide (East Asian) characters: ideographs, kana, radicals, CJK and
/// full-width punctuation. Between two of them a source line break means
/// nothing. Wider than `normalize::is_cjk`, which is ideographs only.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3001..=0x303F    // CJK symbols and punctuation (not U+3000 ideographic space)
        | 0x3040..=0x31FF    // kana, bopomofo, …
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF01..=0xFF60    // full-width forms
        | 0x20000..=0x3FFFF) // extensions B–H
}

/// Collapse each run of whitespace into one space, dropping it altogether when it holds a line break
/// between two CJK characters (a wrapped source line), and trim the ends.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Option<bool> = None; // Some(had_line_break) while inside a whitespace run
    for c in s.chars() {
        if c.is_whitespace() {
            let brk = matches!(c, '\n' | '\r');
            pending = Some(pending.unwrap_or(false) || brk);
            continue;
        }
        if let Some(had_break) = pending.take() {
            let prev_wide = out.chars().next_back().is_some_and(is_wide);
            let wrapped_cjk = had_break && prev_wide && is_wide(c);
            if !out.is_empty() && !wrapped_cjk {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

/// Appends paragraphs and markdown headings (`# `, `## `, `### ` by level) to a text, separated by
/// blank lines.
#[derive(Default)]
struct Paragraphs {
    out: String,
}

impl Paragraphs {
    fn push(&mut self, text: &str, heading: Option<u8>) {
        if text.is_empty() {
            return;
        }
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
        if let Some(level) = heading {
            for _ in 0..level.clamp(1, 6) {
                self.out.push('#');
            }
            self.out.push(' ');
        }
        self.out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::formats::test_support::*;

    #[test]
    fn utf8_text_is_returned_untouched() {
        let e = ok("a.txt", RAW_TEXT.as_bytes());
        assert_eq!(e.text, RAW_TEXT);
        assert_eq!(e.format, Format::Text);
        assert_eq!(e.encoding, "UTF-8");
        assert_eq!(e.title, None);
    }

    #[test]
    fn markdown_is_untouched_and_front_matter_gives_title() {
        let md = "---\ntitle: \"援藏饮用水项目\"\ndate: 2023-05-01\n---\n\n# 概况\n\n拉萨市  饮用水\n检测。\n";
        let e = ok("notes.md", md.as_bytes());
        assert_eq!(e.format, Format::Markdown);
        assert_eq!(e.text, md);
        assert_eq!(e.title.as_deref(), Some("援藏饮用水项目"));
        assert_eq!(ok("plain.md", "# 标题\n正文".as_bytes()).title, None);
    }

    #[test]
    fn empty_and_whitespace_only_files() {
        assert_eq!(err("a.txt", b""), ExtractError::Empty);
        assert_eq!(err("a.txt", b" \r\n\t\n"), ExtractError::Empty);
        assert_eq!(
            err("a.txt", "\u{3000}\u{3000}\n".as_bytes()),
            ExtractError::Empty
        );
        assert_eq!(err("a.txt", &utf16("  \n", false)), ExtractError::Empty);
        assert_eq!(err("a.txt", b"\xef\xbb\xbf"), ExtractError::Empty);
        assert_eq!(
            err("a.html", b"<html><body><script>x()</script></body></html>"),
            ExtractError::Empty
        );
        assert_eq!(err("a.pdf", b""), ExtractError::Empty);
    }

    #[test]
    fn too_large_is_checked_first() {
        let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(
            err("big.txt", &bytes),
            ExtractError::TooLarge {
                size: MAX_FILE_BYTES + 1,
                limit: MAX_FILE_BYTES
            }
        );
        assert_eq!(
            err("big.txt", &bytes).to_string(),
            format!(
                "file too large ({} bytes, limit {})",
                MAX_FILE_BYTES + 1,
                MAX_FILE_BYTES
            )
        );
    }

    #[test]
    fn pdf_extension_without_pdf_content() {
        assert_eq!(
            err("x.pdf", &noise(3, 2048)),
            ExtractError::CorruptPdf("no %PDF- header".into())
        );
        // An HTML error page saved as .pdf is read as what it is.
        assert_eq!(
            ok("x.pdf", b"<html><p>404 not found</p></html>").format,
            Format::Html
        );
    }

    #[test]
    fn text_named_as_an_archive_or_container_is_refused() {
        let text = "这是一个名为压缩包的文本文件。".as_bytes();
        // One wording for each: a .zip was "not a text document (named .zip
        // but holds plain text…)", a .pdf "corrupt pdf: …".
        for (name, ext) in [("batch.zip", "zip"), ("a.docx", "docx"), ("a.pdf", "pdf")] {
            let e = extract(Path::new(name), text).unwrap_err();
            assert_eq!(e.to_string(), format!("named .{ext} but holds plain text"));
        }
        assert!(extract(Path::new("a.txt"), text).is_ok());
    }

    #[test]
    fn encrypted_office_files_say_so() {
        // Office keeps an encrypted .xlsx or .docx in an OLE container with
        // an `EncryptedPackage` stream.
        let mut ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
        ole.resize(512, 0);
        ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        ole.extend([0, 0]);
        assert_eq!(
            err("budget.xlsx", &ole).to_string(),
            "encrypted xlsx (password protected): cannot be read"
        );
        assert_eq!(
            err("memo.docx", &ole).to_string(),
            "encrypted docx (password protected): cannot be read"
        );
    }

    #[test]
    fn error_reasons_are_short_and_lowercase() {
        let cut = &REPORT_DOCX[..REPORT_DOCX.len() / 2];
        for e in [
            err("a.docx", cut),
            err("a.pdf", &REPORT_PDF[..REPORT_PDF.len() / 3]),
        ] {
            let msg = e.to_string();
            assert_eq!(msg, msg.to_lowercase(), "{msg}");
            assert!(msg.chars().count() < 160 && !msg.contains('\n'), "{msg}");
        }
    }

    #[test]
    fn never_panics_on_noise_or_mutated_fixtures() {
        let html = format!("<html><head><title>t</title></head><body><h1>{TITLE}</h1><p>{SENTENCE_1}</p></body></html>");
        let seeds: [(&str, &[u8]); 4] = [
            ("report.pdf", REPORT_PDF),
            ("report.docx", REPORT_DOCX),
            ("page.html", html.as_bytes()),
            ("a.txt", RAW_TEXT.as_bytes()),
        ];
        for round in 0..60u64 {
            for (name, seed) in seeds {
                let mut bytes = seed.to_vec();
                let r = noise(round * 31 + bytes.len() as u64, 64);
                // Flip a few bytes, then sometimes cut.
                for k in 0..8 {
                    let at = (usize::from(r[k]) << 8 | usize::from(r[k + 8])) * bytes.len() / 65536;
                    bytes[at] ^= r[k + 16] | 1;
                }
                if r[40].is_multiple_of(3) {
                    let cut = usize::from(r[41]) * bytes.len() / 256;
                    bytes.truncate(cut.max(1));
                }
                let _ = extract(Path::new(name), &bytes);
            }
            let _ = extract(
                Path::new("noise.bin"),
                &noise(round + 1000, 1 + round as usize * 37),
            );
        }
    }
}
