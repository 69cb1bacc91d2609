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
//! * **the reason** a file could not be read ([`ExtractError`]), worded for a human operator.
//!
//! It does no cleaning: plain `.txt`/`.md` text is returned exactly as decoded (only a BOM is removed);
//! OCR repair, simplification and segmentation belong to later stages. Extracted structured text has
//! paragraphs separated by blank lines and headings as markdown `#`/`##`/`###` lines.
//!
//! Nothing here panics on any input: [`extract`] is meant to be fuzzed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use encoding_rs::Encoding;

/// Largest file the ingester reads; larger files are skipped with a reason.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Largest uncompressed XML part read from a DOCX (guards against zip bombs).
const MAX_DOCX_PART_BYTES: u64 = 256 * 1024 * 1024;

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
    #[error("unsupported format: {0}")]
    Unsupported(String),
}

// ---------------------------------------------------------------------------------------------------
// Entry point and format detection
// ---------------------------------------------------------------------------------------------------

/// Extract the text of one file. `path` is used only for its extension (a hint); the format is chosen by
/// content first (magic bytes: `%PDF-`, `PK\x03\x04` with word/document.xml, `<html` / `<!doctype html`,
/// known image/archive magics → Binary) and by extension second.
pub fn extract(path: &Path, bytes: &[u8]) -> Result<Extracted, ExtractError> {
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
        Sniff::Pdf => return extract_pdf(bytes),
        Sniff::Zip => return extract_zip(bytes, &ext),
        Sniff::Binary(kind) => return Err(ExtractError::Binary(kind.to_string())),
        Sniff::Unsupported(kind) => return Err(ExtractError::Unsupported(kind.to_string())),
        Sniff::Unknown => {}
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
        "pdf" => {
            return Err(ExtractError::CorruptPdf(
                "no %PDF- header (the file holds plain text)".into(),
            ))
        }
        "docx" => {
            return Err(ExtractError::CorruptDocx(
                "not a zip archive (the file holds plain text)".into(),
            ))
        }
        "zip" | "rar" | "7z" | "gz" | "tgz" | "tar" | "bz2" | "xz" | "xlsx" | "pptx" | "odt"
        | "doc" | "xls" | "ppt" | "png" | "jpg" | "jpeg" | "gif" | "bmp" | "tif" | "tiff"
        | "webp" | "exe" | "dll" | "bin" | "mp3" | "mp4" => {
            return Err(ExtractError::Binary(format!(
                "named .{ext} but holds plain text, not a .{ext} file"
            )));
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
    })
}

/// Lower-cased extension of `path`, or "".
fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
enum Sniff {
    Pdf,
    Zip,
    Binary(&'static str),
    Unsupported(&'static str),
    Unknown,
}

fn sniff(b: &[u8], ext: &str) -> Sniff {
    // PDF readers accept the header anywhere in the first KiB (some generators prepend junk); a text
    // that merely mentions "%PDF-" near its start is not a PDF, so away from the start it takes a .pdf
    // name or binary bytes before it.
    if let Some(at) = find_bytes(&b[..b.len().min(1024)], b"%PDF-") {
        let before = &b[..at];
        if before.iter().all(u8::is_ascii_whitespace)
            || ext == "pdf"
            || before
                .iter()
                .any(|c| c.is_ascii_control() && !c.is_ascii_whitespace())
        {
            return Sniff::Pdf;
        }
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") || b.starts_with(b"PK\x07\x08")
    {
        return Sniff::Zip;
    }
    const BINARY: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "png image"),
        (b"\xff\xd8\xff", "jpeg image"),
        (b"GIF87a", "gif image"),
        (b"GIF89a", "gif image"),
        (b"II*\x00", "tiff image"),
        (b"MM\x00*", "tiff image"),
        (b"\x00\x00\x01\x00", "ico image"),
        (b"\x1f\x8b", "gzip archive"),
        (b"7z\xbc\xaf\x27\x1c", "7z archive"),
        (b"Rar!\x1a\x07", "rar archive"),
        (b"\xfd7zXZ\x00", "xz archive"),
        (b"\x28\xb5\x2f\xfd", "zstd archive"),
        (b"BZh", "bzip2 archive"),
        (b"\x7fELF", "elf executable"),
        (b"\xca\xfe\xba\xbe", "java class or mach-o executable"),
        (b"\xcf\xfa\xed\xfe", "mach-o executable"),
        (b"\x00asm", "webassembly module"),
        (b"SQLite format 3\x00", "sqlite database"),
        (b"ID3", "mp3 audio"),
        (b"OggS", "ogg media"),
        (b"fLaC", "flac audio"),
        (b"\x1aE\xdf\xa3", "matroska/webm video"),
        (b"wOFF", "woff font"),
        (b"wOF2", "woff2 font"),
    ];
    for (magic, kind) in BINARY {
        if b.starts_with(magic) {
            // "BZh" and "ID3" are plausible text openings; demand a binary-looking next byte.
            if magic.len() == 3 && magic[0].is_ascii_alphabetic() {
                match b.get(3) {
                    Some(c) if !c.is_ascii_graphic() && !c.is_ascii_whitespace() => {}
                    Some(c)
                        if magic == b"BZh"
                            && (b'1'..=b'9').contains(c)
                            && b.get(4) == Some(&b'1') => {}
                    _ => continue,
                }
            }
            return Sniff::Binary(kind);
        }
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" {
        return Sniff::Binary(match &b[8..12] {
            b"WEBP" => "webp image",
            b"WAVE" => "wav audio",
            b"AVI " => "avi video",
            _ => "riff media",
        });
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return Sniff::Binary(match &b[8..12] {
            b"heic" | b"heix" | b"mif1" | b"msf1" => "heic image",
            b"avif" => "avif image",
            _ => "mp4/quicktime video",
        });
    }
    // BMP: "BM", then the file size, then four reserved zero bytes — text never has those zeros.
    if b.len() >= 26 && b.starts_with(b"BM") && b[6..10] == [0, 0, 0, 0] {
        return Sniff::Binary("bmp image");
    }
    // DOS/Windows executable: "MZ" with a PE header where e_lfanew points, or a binary DOS header.
    if b.len() >= 64 && b.starts_with(b"MZ") {
        let lfanew = u32::from_le_bytes([b[60], b[61], b[62], b[63]]) as usize;
        if b.get(lfanew..lfanew.saturating_add(4)) == Some(b"PE\x00\x00") || b[..64].contains(&0) {
            return Sniff::Binary("windows executable");
        }
    }
    if b.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Sniff::Unsupported(
            "legacy office file (.doc/.xls/.ppt or encrypted office document)",
        );
    }
    if b.starts_with(b"{\\rtf") {
        return Sniff::Unsupported("rtf document");
    }
    if b.starts_with(b"%!PS") {
        return Sniff::Unsupported("postscript document");
    }
    if b.starts_with(b"AT&TFORM") {
        return Sniff::Unsupported("djvu document");
    }
    Sniff::Unknown
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether the (ASCII-compatible) start of `b` is an HTML document: after an optional UTF-8 BOM,
/// whitespace, comments, an XML declaration, comes `<!doctype html` or `<html` (or `<head`).
fn looks_like_html(b: &[u8]) -> bool {
    let mut b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    b = &b[..b.len().min(4096)];
    loop {
        while let Some((c, rest)) = b.split_first() {
            if c.is_ascii_whitespace() {
                b = rest;
            } else {
                break;
            }
        }
        if b.starts_with(b"<!--") {
            match find_bytes(b, b"-->") {
                Some(p) => b = &b[p + 3..],
                None => return false,
            }
        } else if b.starts_with(b"<?") {
            match b.iter().position(|&c| c == b'>') {
                Some(p) => b = &b[p + 1..],
                None => return false,
            }
        } else {
            break;
        }
    }
    let head: Vec<u8> = b.iter().take(64).map(|c| c.to_ascii_lowercase()).collect();
    let tag_at = |prefix: &[u8]| {
        head.starts_with(prefix)
            && head
                .get(prefix.len())
                .is_none_or(|c| c.is_ascii_whitespace() || *c == b'>')
    };
    let doctype_html = || {
        let rest = &head[b"<!doctype".len()..];
        let name = rest
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .map(|p| &rest[p..]);
        name.is_some_and(|n| n.starts_with(b"html"))
    };
    tag_at(b"<!doctype") && doctype_html() || tag_at(b"<html") || tag_at(b"<head")
}

// ---------------------------------------------------------------------------------------------------
// Character decoding
// ---------------------------------------------------------------------------------------------------

/// Decode text bytes: UTF-8 with or without BOM, UTF-16 LE/BE with BOM, otherwise GB18030/GBK and others by chardetng.
/// Returns the text and the encoding name. Text with NUL bytes or a high share of replacement/control chars is Binary/Undecodable.
///
/// UTF-32 with BOM is decoded too. Input that is almost entirely valid UTF-8 with a few damaged bytes
/// is decoded as UTF-8 (damaged bytes become U+FFFD) rather than guessed as a legacy encoding.
/// Empty input decodes to an empty string.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), ExtractError> {
    if let Some((text, name)) = decode_with_bom(bytes) {
        check_decoded(&text)?;
        return Ok((text, name));
    }
    if bytes.contains(&0) {
        return Err(ExtractError::Binary("binary data".into()));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        check_decoded(s)?;
        return Ok((s.to_owned(), "UTF-8"));
    }
    if mostly_utf8(bytes) {
        let text = String::from_utf8_lossy(bytes).into_owned();
        check_decoded(&text)?;
        return Ok((text, "UTF-8"));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(detection_sample(bytes), true);
    // The corpus is Chinese: the ".cn" hint tips close calls towards GBK rather than Big5/EUC-KR/Shift_JIS.
    // A wrong GBK guess shows as private-use characters (GBK's user-defined areas) or U+FFFD; then the
    // guesses for Taiwan/Hong Kong and without a hint get a chance, and the cleanest decoding wins.
    let mut best: Option<(usize, String, &'static Encoding)> = None;
    for tld in [Some(&b"cn"[..]), Some(&b"tw"[..]), None] {
        let encoding = detector.guess(tld, chardetng::Utf8Detection::Allow);
        if best.as_ref().is_some_and(|(_, _, e)| *e == encoding) {
            continue;
        }
        let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
        let bad = suspicious_chars(&text);
        if best.as_ref().is_none_or(|(b, _, _)| bad < *b) {
            best = Some((bad, text.into_owned(), encoding));
        }
        if bad == 0 {
            break;
        }
    }
    let Some((_, text, encoding)) = best else {
        return Err(ExtractError::Undecodable);
    };
    check_decoded(&text)?;
    Ok((text, encoding.name()))
}

/// Characters that betray a wrong legacy-encoding guess: U+FFFD and private-use code points.
fn suspicious_chars(text: &str) -> usize {
    text.chars()
        .filter(|c| *c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(c))
        .count()
}

/// The part of `bytes` the encoding detector needs: about 1 MiB from just before the first non-ASCII
/// byte (detection is slow, and the rest of a file is in the same encoding). The sample starts in ASCII
/// and ends before a byte below 0x40, which is never the second byte of a GBK, Big5, Shift_JIS or
/// EUC character nor a UTF-8 continuation byte, so no character is cut.
fn detection_sample(bytes: &[u8]) -> &[u8] {
    const SAMPLE_BYTES: usize = 1 << 20;
    let first = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
    let start = first.saturating_sub(1024);
    let mut end = start.saturating_add(SAMPLE_BYTES);
    if end >= bytes.len() {
        return &bytes[start..];
    }
    // (Text without any such byte in 64 KiB is cut anyway: at worst one character is misjudged.)
    let window = &bytes[end..bytes.len().min(end + 64 * 1024)];
    if let Some(offset) = window.iter().position(|b| *b < 0x40) {
        end += offset;
    }
    &bytes[start..end]
}

/// Decode by byte-order mark, if there is one.
fn decode_with_bom(bytes: &[u8]) -> Option<(String, &'static str)> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return Some((String::from_utf8_lossy(rest).into_owned(), "UTF-8"));
    }
    // UTF-32 first: its LE BOM starts with the UTF-16LE one.
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe\x00\x00") {
        return Some((decode_utf32(rest, u32::from_le_bytes), "UTF-32LE"));
    }
    if let Some(rest) = bytes.strip_prefix(b"\x00\x00\xfe\xff") {
        return Some((decode_utf32(rest, u32::from_be_bytes), "UTF-32BE"));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        return Some((text.into_owned(), "UTF-16LE"));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        let (text, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        return Some((text.into_owned(), "UTF-16BE"));
    }
    None
}

fn decode_utf32(bytes: &[u8], read: fn([u8; 4]) -> u32) -> String {
    let mut chunks = bytes.chunks_exact(4);
    let mut s: String = chunks
        .by_ref()
        .map(|c| char::from_u32(read([c[0], c[1], c[2], c[3]])).unwrap_or('\u{fffd}'))
        .collect();
    if !chunks.remainder().is_empty() {
        s.push('\u{fffd}');
    }
    s
}

/// Valid UTF-8 except for a few damaged bytes (a truncated last character, a stray byte): at most one
/// byte in twenty of the non-ASCII bytes is invalid, and at least one multi-byte character is valid.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut invalid = 0usize;
    let mut valid_multibyte = 0usize;
    for chunk in bytes.utf8_chunks() {
        invalid += chunk.invalid().len();
        valid_multibyte += chunk.valid().bytes().filter(|b| *b >= 0x80).count();
    }
    valid_multibyte > 0 && invalid * 20 <= valid_multibyte + invalid
}

/// Reject decoded text that is really binary (control characters) or the wrong encoding (U+FFFD).
fn check_decoded(text: &str) -> Result<(), ExtractError> {
    let mut total = 0usize;
    let mut control = 0usize;
    let mut replacement = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\u{fffd}' {
            replacement += 1;
        } else if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\u{85}') {
            control += 1;
        }
    }
    if text.contains('\0') || control * 50 > total {
        return Err(ExtractError::Binary("binary data".into()));
    }
    if replacement * 20 > total {
        return Err(ExtractError::Undecodable);
    }
    Ok(())
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

// ---------------------------------------------------------------------------------------------------
// Whitespace normalisation shared by HTML and DOCX
// ---------------------------------------------------------------------------------------------------

/// CJK characters and full-width punctuation: between two of them a source line break means nothing.
fn is_cjk(c: char) -> bool {
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
            let prev_cjk = out.chars().next_back().is_some_and(is_cjk);
            let wrapped_cjk = had_break && prev_cjk && is_cjk(c);
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

// ---------------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------------

fn extract_html(bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let (text, encoding) = decode_html(bytes)?;
    html_document(&text, encoding)
}

fn html_document(text: &str, encoding: &'static str) -> Result<Extracted, ExtractError> {
    let (body, title) = html_to_text(text);
    if body.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(Extracted {
        text: body,
        title,
        format: Format::Html,
        encoding,
    })
}

/// A BOM wins; then the `<meta charset>` (or XML declaration) of the first 4 KiB; then detection.
/// A declared charset the bytes do not fit (a GBK page labelled UTF-8 is common) falls back to detection.
fn decode_html(bytes: &[u8]) -> Result<(String, &'static str), ExtractError> {
    const BOMS: [&[u8]; 3] = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"];
    if BOMS.iter().any(|bom| bytes.starts_with(bom)) || bytes.starts_with(b"\0\0\xfe\xff") {
        return decode_text(bytes);
    }
    let Some(declared) = declared_charset(&bytes[..bytes.len().min(4096)]) else {
        return decode_text(bytes);
    };
    // Valid UTF-8 with real multi-byte text is UTF-8 whatever the page claims (a UTF-8 page labelled
    // gb2312 is common, and the GBK decoder would turn it into mojibake without reporting an error).
    if declared != encoding_rs::UTF_8 {
        if let Ok(s) = std::str::from_utf8(bytes) {
            if s.chars().filter(|c| !c.is_ascii()).take(4).count() == 4 {
                check_decoded(s)?;
                return Ok((s.to_owned(), "UTF-8"));
            }
        }
    }
    let (text, had_errors) = declared.decode_without_bom_handling(bytes);
    if had_errors {
        if let Ok(detected) = decode_text(bytes) {
            return Ok(detected);
        }
    }
    let text = text.into_owned();
    check_decoded(&text)?;
    Ok((text, declared.name()))
}

/// Charset named by `<meta charset=…>`, `<meta http-equiv content="…; charset=…">` or `<?xml encoding=…?>`.
fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(|c| c.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(p) =
        find_bytes(&lower[from..], b"<meta").or_else(|| find_bytes(&lower[from..], b"<?xml"))
    {
        let start = from + p;
        let end = lower[start..]
            .iter()
            .position(|&c| c == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        let key: &[u8] = if tag.starts_with(b"<?xml") {
            b"encoding"
        } else {
            b"charset"
        };
        let mut search = 0;
        while let Some(k) = find_bytes(&tag[search..], key) {
            let mut i = search + k + key.len();
            search = i;
            while tag.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            if tag.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while tag
                .get(i)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'"' || *c == b'\'')
            {
                i += 1;
            }
            let label_end = tag[i..]
                .iter()
                .position(|c| c.is_ascii_whitespace() || b"\"';/>".contains(c))
                .map_or(tag.len(), |e| i + e);
            if let Some(enc) = Encoding::for_label(&tag[i..label_end]) {
                // A byte stream cannot really be UTF-16 without a BOM; the HTML standard reads it as UTF-8.
                return Some(enc.output_encoding());
            }
        }
        from = end.max(start + 1);
    }
    None
}

/// Elements whose content is never text.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas",
    "select",
];

/// Elements that start or end a paragraph.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "figcaption",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "figure",
    "pre",
    "hr",
    "form",
    "fieldset",
    "legend",
    "address",
    "center",
    "body",
    "html",
    "head",
    "details",
    "summary",
];

/// Convert an HTML document to paragraphs; returns (text, title).
fn html_to_text(s: &str) -> (String, Option<String>) {
    let b = s.as_bytes();
    let mut paragraphs = Paragraphs::default();
    let mut current = String::new();
    let mut in_heading: Option<u8> = None;
    let mut title: Option<String> = None;
    let mut i = 0;

    let flush = |current: &mut String, paragraphs: &mut Paragraphs, heading: Option<u8>| {
        let p = collapse_whitespace(current);
        paragraphs.push(&p, heading);
        current.clear();
    };

    while i < b.len() {
        if b[i] != b'<' {
            let next = memchr(b'<', b, i).unwrap_or(b.len());
            current.push_str(&decode_entities(&s[i..next]));
            i = next;
            continue;
        }
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i = find_bytes(&rest[4..], b"-->").map_or(b.len(), |p| i + 4 + p + 3);
            continue;
        }
        if matches!(rest.get(1), Some(b'!' | b'?')) {
            i = memchr(b'>', b, i).map_or(b.len(), |p| p + 1);
            continue;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = i + 1 + usize::from(closing);
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            if closing {
                // "</ …>" is a bogus comment.
                i = memchr(b'>', b, i).map_or(b.len(), |p| p + 1);
            } else {
                current.push('<');
                i += 1;
            }
            continue;
        }
        let mut name_end = name_start;
        while b
            .get(name_end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b':' | b'_'))
        {
            name_end += 1;
        }
        let name = s[name_start..name_end].to_ascii_lowercase();
        let tag_end = tag_end(b, name_end);
        let self_closing = tag_end >= 2 && b[tag_end - 1] == b'>' && b[tag_end - 2] == b'/';
        i = tag_end;

        if !closing {
            if name == "title" && !self_closing {
                let (content_end, after) = raw_text_end(s, i, "title");
                if title.is_none() {
                    let t = collapse_whitespace(&decode_entities(&s[i..content_end]));
                    if !t.is_empty() {
                        title = Some(t);
                    }
                }
                i = after;
                continue;
            }
            if SKIPPED_ELEMENTS.contains(&name.as_str()) {
                if !self_closing {
                    i = raw_text_end(s, i, &name).1;
                }
                continue;
            }
        }

        let heading_level = match name.as_str() {
            "h1" => Some(1),
            "h2" => Some(2),
            "h3" => Some(3),
            _ => None,
        };
        if heading_level.is_some() || matches!(name.as_str(), "h4" | "h5" | "h6") {
            // Any heading tag, open or close, ends an open heading (as browsers do).
            flush(&mut current, &mut paragraphs, in_heading);
            in_heading = if closing { None } else { heading_level };
        } else if BLOCK_ELEMENTS.contains(&name.as_str()) {
            if in_heading.is_some() {
                current.push(' ');
            } else {
                flush(&mut current, &mut paragraphs, None);
            }
        } else if matches!(name.as_str(), "td" | "th") {
            current.push(' ');
        }
    }
    flush(&mut current, &mut paragraphs, in_heading);
    (paragraphs.out, title)
}

fn memchr(needle: u8, hay: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .iter()
        .position(|&c| c == needle)
        .map(|p| from + p)
}

/// Index just past the `>` closing a tag whose attributes start at `from`; quoted values may hold `>`.
fn tag_end(b: &[u8], from: usize) -> usize {
    // Real tags are short; bounding the quote-aware scan keeps broken markup from going quadratic.
    const MAX_TAG_BYTES: usize = 64 * 1024;
    let mut quote: Option<u8> = None;
    let mut i = from;
    let limit = b.len().min(from.saturating_add(MAX_TAG_BYTES));
    while i < limit {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'>' => return i + 1,
            // A quote only opens a value right after `=` (possibly with spaces).
            None if (c == b'"' || c == b'\'') && prev_non_space(b, from, i) == Some(b'=') => {
                quote = Some(c)
            }
            None => {}
        }
        i += 1;
    }
    // An unterminated quote: fall back to the first `>` after the name.
    memchr(b'>', b, from).map_or(b.len(), |p| p + 1)
}

fn prev_non_space(b: &[u8], from: usize, i: usize) -> Option<u8> {
    b[from..i]
        .iter()
        .rev()
        .find(|c| !c.is_ascii_whitespace())
        .copied()
}

/// For raw-text content starting at `from`, find `</name`; returns (content end, index after its `>`).
/// Without a closing tag the content runs to the end of the document.
fn raw_text_end(s: &str, from: usize, name: &str) -> (usize, usize) {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(p) = memchr(b'<', b, i) {
        let after = p + 2 + name.len();
        if b.get(p + 1) == Some(&b'/')
            && b.get(p + 2..after)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && !b.get(after).is_some_and(|c| c.is_ascii_alphanumeric())
        {
            let end = memchr(b'>', b, after).map_or(b.len(), |e| e + 1);
            return (p, end);
        }
        i = p + 1;
    }
    (b.len(), b.len())
}

/// Named character references common in Chinese web pages.
fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "nbsp" => "\u{a0}",
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "ldquo" => "\u{201c}",
        "rdquo" => "\u{201d}",
        "lsquo" => "\u{2018}",
        "rsquo" => "\u{2019}",
        "sbquo" => "\u{201a}",
        "bdquo" => "\u{201e}",
        "mdash" => "\u{2014}",
        "ndash" => "\u{2013}",
        "hellip" => "\u{2026}",
        "middot" => "\u{b7}",
        "bull" => "\u{2022}",
        "laquo" => "\u{ab}",
        "raquo" => "\u{bb}",
        "lsaquo" => "\u{2039}",
        "rsaquo" => "\u{203a}",
        "emsp" => "\u{2003}",
        "ensp" => "\u{2002}",
        "thinsp" => "\u{2009}",
        "zwsp" => "\u{200b}",
        "zwnj" => "\u{200c}",
        "zwj" => "\u{200d}",
        "shy" => "",
        "copy" => "\u{a9}",
        "reg" => "\u{ae}",
        "trade" => "\u{2122}",
        "times" => "\u{d7}",
        "divide" => "\u{f7}",
        "plusmn" => "\u{b1}",
        "minus" => "\u{2212}",
        "le" => "\u{2264}",
        "ge" => "\u{2265}",
        "ne" => "\u{2260}",
        "asymp" => "\u{2248}",
        "infin" => "\u{221e}",
        "deg" => "\u{b0}",
        "permil" => "\u{2030}",
        "micro" => "\u{b5}",
        "sup1" => "\u{b9}",
        "sup2" => "\u{b2}",
        "sup3" => "\u{b3}",
        "frac12" => "\u{bd}",
        "frac14" => "\u{bc}",
        "frac34" => "\u{be}",
        "yen" => "\u{a5}",
        "cent" => "\u{a2}",
        "pound" => "\u{a3}",
        "euro" => "\u{20ac}",
        "sect" => "\u{a7}",
        "para" => "\u{b6}",
        "dagger" => "\u{2020}",
        "Dagger" => "\u{2021}",
        "prime" => "\u{2032}",
        "Prime" => "\u{2033}",
        "larr" => "\u{2190}",
        "uarr" => "\u{2191}",
        "rarr" => "\u{2192}",
        "darr" => "\u{2193}",
        "harr" => "\u{2194}",
        "rArr" => "\u{21d2}",
        "hArr" => "\u{21d4}",
        "radic" => "\u{221a}",
        "sum" => "\u{2211}",
        "prod" => "\u{220f}",
        "alpha" => "\u{3b1}",
        "beta" => "\u{3b2}",
        "gamma" => "\u{3b3}",
        "delta" => "\u{3b4}",
        "mu" => "\u{3bc}",
        "pi" => "\u{3c0}",
        "sigma" => "\u{3c3}",
        "Omega" => "\u{3a9}",
        "iexcl" => "\u{a1}",
        "iquest" => "\u{bf}",
        "ordf" => "\u{aa}",
        "ordm" => "\u{ba}",
        "not" => "\u{ac}",
        "macr" => "\u{af}",
        "acute" => "\u{b4}",
        "uml" => "\u{a8}",
        "cedil" => "\u{b8}",
        "loz" => "\u{25ca}",
        "star" => "\u{2606}",
        "starf" => "\u{2605}",
        "check" => "\u{2713}",
        _ => return None,
    })
}

/// Entities a browser also recognises without the trailing `;`.
const LEGACY_ENTITIES: &[&str] = &["nbsp", "amp", "lt", "gt", "quot", "copy", "reg"];

/// Windows-1252 meanings browsers give to numeric references 128–159.
const WINDOWS_1252_C1: [u32; 32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
];

/// Decode character references; unknown or malformed ones are kept literally.
fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match parse_reference(after) {
            Some((decoded, consumed)) => {
                out.push_str(&decoded);
                rest = &after[consumed..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Parse the reference after an `&`; returns its text and how many bytes it used.
fn parse_reference(after: &str) -> Option<(Cow<'static, str>, usize)> {
    let b = after.as_bytes();
    if b.first() == Some(&b'#') {
        let hex = matches!(b.get(1), Some(b'x' | b'X'));
        let start = if hex { 2 } else { 1 };
        let digits = b[start..]
            .iter()
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let end = start + digits;
        let value =
            u32::from_str_radix(&after[start..end.min(start + 8)], if hex { 16 } else { 10 })
                .unwrap_or(u32::MAX);
        let value = if digits > 8 { u32::MAX } else { value };
        let c = match value {
            0x80..=0x9F => char::from_u32(WINDOWS_1252_C1[(value - 0x80) as usize]),
            0 => None,
            v => char::from_u32(v),
        }
        .unwrap_or('\u{fffd}');
        let consumed = end + usize::from(b.get(end) == Some(&b';'));
        return Some((Cow::Owned(c.to_string()), consumed));
    }
    let len = b
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let name = &after[..len];
    if b.get(len) == Some(&b';') {
        return named_entity(name).map(|v| (Cow::Borrowed(v), len + 1));
    }
    if LEGACY_ENTITIES.contains(&name) {
        return named_entity(name).map(|v| (Cow::Borrowed(v), len));
    }
    None
}

// ---------------------------------------------------------------------------------------------------
// Zip containers and DOCX
// ---------------------------------------------------------------------------------------------------

const W_NS: &[&[u8]] = &[
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MC_NS: &[u8] = b"http://schemas.openxmlformats.org/markup-compatibility/2006";

fn extract_zip(bytes: &[u8], ext: &str) -> Result<Extracted, ExtractError> {
    // The zip reader is not known to panic, but this is the untrusted-input boundary: be sure.
    match catch_unwind(AssertUnwindSafe(|| extract_zip_inner(bytes, ext))) {
        Ok(result) => result,
        Err(payload) => Err(ExtractError::CorruptDocx(panic_reason(&*payload))),
    }
}

fn extract_zip_inner(bytes: &[u8], ext: &str) -> Result<Extracted, ExtractError> {
    let corrupt = |why: String| {
        if ext == "docx" {
            ExtractError::CorruptDocx(why)
        } else {
            ExtractError::Binary(format!("corrupt zip archive: {why}"))
        }
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| corrupt(reason(format!("not a valid zip archive ({e})"))))?;

    let document = main_document_part(&mut zip);
    let Some(document) = document else {
        let names: Vec<&str> = zip.file_names().collect();
        let kind = if names.iter().any(|n| n.starts_with("xl/")) {
            "xlsx spreadsheet"
        } else if names.iter().any(|n| n.starts_with("ppt/")) {
            "pptx presentation"
        } else if names.contains(&"mimetype") && names.contains(&"content.xml") {
            "opendocument file (.odt/.ods/.odp)"
        } else if names
            .iter()
            .any(|n| n.starts_with("META-INF/container.xml"))
        {
            "epub book"
        } else {
            if ext == "docx" {
                return Err(ExtractError::CorruptDocx(
                    "no word/document.xml inside".into(),
                ));
            }
            return Err(ExtractError::Binary(
                "zip archive without a document".into(),
            ));
        };
        return Err(ExtractError::Unsupported(kind.into()));
    };

    let xml = read_part(&mut zip, &document)
        .map_err(|why| ExtractError::CorruptDocx(format!("{document}: {why}")))?;
    // Styles and metadata are optional: a damaged one loses headings or the title, not the text.
    let heading_styles = read_part(&mut zip, "word/styles.xml")
        .ok()
        .map(|s| heading_styles(&s))
        .unwrap_or_default();
    let title = read_part(&mut zip, "docProps/core.xml")
        .ok()
        .and_then(|s| core_title(&s));

    let text = docx_text(&xml, &heading_styles).map_err(ExtractError::CorruptDocx)?;
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(Extracted {
        text,
        title,
        format: Format::Docx,
        encoding: "binary",
    })
}

/// The main document part: normally word/document.xml; otherwise whatever `_rels/.rels` names.
fn main_document_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    if zip.index_for_name("word/document.xml").is_some() {
        return Some("word/document.xml".into());
    }
    let rels = read_part(zip, "_rels/.rels").ok()?;
    let mut reader = quick_xml::Reader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e))
                if e.local_name().as_ref() == b"Relationship" =>
            {
                let attr = |key: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                if attr(b"Type").is_some_and(|t| t.ends_with("/officeDocument")) {
                    let target = attr(b"Target")?;
                    let target = target.trim_start_matches('/').to_string();
                    return zip.index_for_name(&target).map(|_| target);
                }
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// Read one zip entry as text (UTF-8, or UTF-16 with BOM), at most MAX_DOCX_PART_BYTES.
fn read_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<String, String> {
    let file = zip.by_name(name).map_err(reason)?;
    let mut raw = Vec::new();
    file.take(MAX_DOCX_PART_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(|e| reason(format!("cannot decompress ({e})")))?;
    if raw.len() as u64 > MAX_DOCX_PART_BYTES {
        return Err(format!(
            "part larger than {} MiB uncompressed",
            MAX_DOCX_PART_BYTES >> 20
        ));
    }
    Ok(match decode_with_bom(&raw) {
        Some((text, _)) => text,
        None => match String::from_utf8(raw) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
    })
}

fn is_w(ns: &quick_xml::name::ResolveResult) -> bool {
    matches!(ns, quick_xml::name::ResolveResult::Bound(n) if W_NS.contains(&n.0))
}

/// Value of the `w:val` attribute.
fn w_val(reader: &quick_xml::NsReader<&[u8]>, e: &quick_xml::events::BytesStart) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let (ns, local) = reader.resolve_attribute(a.key);
        (local.as_ref() == b"val"
            && (is_w(&ns) || matches!(ns, quick_xml::name::ResolveResult::Unbound)))
        .then(|| String::from_utf8_lossy(&a.value).into_owned())
    })
}

/// Heading level a built-in style name or id stands for: Title and Heading 1–3 (`Some`), Heading 4–9
/// (explicitly not a heading here), or nothing known (`None`). Word stores built-in names in English
/// ("heading 1") even when it shows "标题 1" and the style id is "1"; WPS may store the Chinese name.
fn style_name_level(name: &str) -> Option<Option<u8>> {
    let n = name.trim().to_lowercase().replace(' ', "");
    let n = n
        .strip_prefix("heading")
        .or_else(|| n.strip_prefix("标题"))
        .map(str::to_string)
        .or((n == "title").then(String::new))?;
    match n.as_str() {
        "" => Some(Some(1)),
        "1" | "2" | "3" => Some(n.parse().ok()),
        "4" | "5" | "6" | "7" | "8" | "9" => Some(None),
        _ => None,
    }
}

/// Heading level of a `w:outlineLvl` value (0-based; 9 means body text).
fn outline_level(val: &str) -> Option<u8> {
    match val.trim().parse::<u8>() {
        Ok(v @ 0..=2) => Some(v + 1),
        _ => None,
    }
}

/// A paragraph style of word/styles.xml, as far as headings are concerned.
#[derive(Default)]
struct DocxStyle {
    /// From the style's name or id.
    named: Option<Option<u8>>,
    /// From the style's own `w:outlineLvl`.
    outline: Option<Option<u8>>,
    based_on: Option<String>,
}

/// Heading level (1–3) of every paragraph style id that is a heading: by built-in name or id, else by
/// its outline level, else by the style it is based on.
fn heading_styles(styles: &str) -> HashMap<String, u8> {
    let mut reader = quick_xml::NsReader::from_str(styles);
    let mut all: HashMap<String, DocxStyle> = HashMap::new();
    let mut current: Option<(String, DocxStyle)> = None;
    while let Ok((ns, event)) = reader.read_resolved_event() {
        match event {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if is_w(&ns) =>
            {
                let local = e.local_name();
                if local.as_ref() == b"style" {
                    let id = e.attributes().flatten().find_map(|a| {
                        (reader.resolve_attribute(a.key).1.as_ref() == b"styleId")
                            .then(|| String::from_utf8_lossy(&a.value).into_owned())
                    });
                    current = id.map(|id| {
                        let style = DocxStyle {
                            named: style_name_level(&id),
                            ..DocxStyle::default()
                        };
                        (id, style)
                    });
                    continue;
                }
                let (Some((_, style)), Some(v)) = (current.as_mut(), w_val(&reader, &e)) else {
                    continue;
                };
                match local.as_ref() {
                    b"name" => style.named = style_name_level(&v).or(style.named),
                    b"outlineLvl" => style.outline = Some(outline_level(&v)),
                    b"basedOn" => style.based_on = Some(v),
                    _ => {}
                }
            }
            quick_xml::events::Event::End(e)
                if is_w(&ns) && e.local_name().as_ref() == b"style" =>
            {
                if let Some((id, style)) = current.take() {
                    all.insert(id, style);
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let mut levels = HashMap::new();
    for id in all.keys() {
        let mut style = &all[id];
        // Follow basedOn a bounded number of steps (style sheets can be cyclic).
        for _ in 0..16 {
            if let Some(level) = style.named.or(style.outline) {
                if let Some(level) = level {
                    levels.insert(id.clone(), level);
                }
                break;
            }
            match style.based_on.as_ref().and_then(|b| all.get(b)) {
                Some(parent) => style = parent,
                None => break,
            }
        }
    }
    levels
}

/// `<dc:title>` of docProps/core.xml.
fn core_title(core: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(core);
    let mut in_title = false;
    let mut title = String::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if e.local_name().as_ref() == b"title" => {
                in_title = true
            }
            Ok(quick_xml::events::Event::End(e)) if e.local_name().as_ref() == b"title" => break,
            Ok(quick_xml::events::Event::Text(t)) if in_title => match t.unescape() {
                Ok(s) => title.push_str(&s),
                Err(_) => title.push_str(&String::from_utf8_lossy(&t)),
            },
            Ok(quick_xml::events::Event::CData(t)) if in_title => {
                title.push_str(&String::from_utf8_lossy(&t))
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let title = collapse_whitespace(&title);
    (!title.is_empty()).then_some(title)
}

/// One `<w:p>` being read (paragraphs nest through text boxes).
#[derive(Default)]
struct DocxParagraph {
    text: String,
    /// Heading level from the paragraph style.
    style_level: Option<u8>,
    /// Heading level from a direct `w:outlineLvl` (which overrides the style's).
    outline: Option<Option<u8>>,
}

impl DocxParagraph {
    fn heading(&self) -> Option<u8> {
        self.outline.unwrap_or(self.style_level)
    }
}

/// Text of word/document.xml: one paragraph per `<w:p>`, headings as `# ` lines.
fn docx_text(xml: &str, heading_styles: &HashMap<String, u8>) -> Result<String, String> {
    let mut reader = quick_xml::NsReader::from_str(xml);
    {
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
    }
    let mut out = Paragraphs::default();
    let mut stack: Vec<DocxParagraph> = Vec::new();
    let mut in_text = 0usize; // depth of <w:t>
    let mut skip = 0usize; // depth inside <mc:Fallback> (a duplicate of the <mc:Choice> content)
    let mut in_ppr = 0usize; // depth inside <w:pPr>
    let mut seen_body = false;

    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                let pos = reader.buffer_position();
                return Err(reason(format!(
                    "malformed word/document.xml at byte {pos} ({e})"
                )));
            }
        };
        let w = is_w(&ns);
        let mc = matches!(&ns, quick_xml::name::ResolveResult::Bound(n) if n.0 == MC_NS);
        match event {
            quick_xml::events::Event::Start(e) => {
                let local = e.local_name();
                let local = local.as_ref();
                if mc && local == b"Fallback" {
                    skip += 1;
                }
                if skip > 0 || !w {
                    continue;
                }
                match local {
                    b"body" => seen_body = true,
                    b"p" => stack.push(DocxParagraph::default()),
                    b"pPr" => in_ppr += 1,
                    b"t" => in_text += 1,
                    _ => docx_empty_element(local, &e, &reader, &mut stack, in_ppr, heading_styles),
                }
            }
            quick_xml::events::Event::Empty(e) => {
                if skip > 0 || !w {
                    continue;
                }
                let local = e.local_name();
                docx_empty_element(
                    local.as_ref(),
                    &e,
                    &reader,
                    &mut stack,
                    in_ppr,
                    heading_styles,
                );
            }
            quick_xml::events::Event::End(e) => {
                let local = e.local_name();
                let local = local.as_ref();
                if mc && local == b"Fallback" {
                    skip = skip.saturating_sub(1);
                    continue;
                }
                if skip > 0 || !w {
                    continue;
                }
                match local {
                    b"t" => in_text = in_text.saturating_sub(1),
                    b"pPr" => in_ppr = in_ppr.saturating_sub(1),
                    b"p" => {
                        if let Some(p) = stack.pop() {
                            emit_docx_paragraph(&mut out, p);
                        }
                    }
                    _ => {}
                }
            }
            quick_xml::events::Event::Text(t) if in_text > 0 && skip == 0 => {
                if let Some(p) = stack.last_mut() {
                    match t.unescape() {
                        Ok(s) => p.text.push_str(&s),
                        Err(_) => p.text.push_str(&String::from_utf8_lossy(&t)),
                    }
                }
            }
            quick_xml::events::Event::CData(t) if in_text > 0 && skip == 0 => {
                if let Some(p) = stack.last_mut() {
                    p.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    // A truncated document: keep the paragraphs that were still open.
    while let Some(p) = stack.pop() {
        emit_docx_paragraph(&mut out, p);
    }
    if !seen_body {
        return Err("word/document.xml has no <w:body>".into());
    }
    Ok(out.out)
}

/// Elements that matter whether written as `<x/>` or `<x>…</x>`: breaks, tabs and paragraph styles.
fn docx_empty_element(
    local: &[u8],
    e: &quick_xml::events::BytesStart,
    reader: &quick_xml::NsReader<&[u8]>,
    stack: &mut [DocxParagraph],
    in_ppr: usize,
    heading_styles: &HashMap<String, u8>,
) {
    let Some(p) = stack.last_mut() else { return };
    match local {
        b"tab" if in_ppr == 0 => p.text.push('\t'),
        b"br" | b"cr" if in_ppr == 0 => p.text.push('\n'),
        b"noBreakHyphen" => p.text.push('-'),
        b"pStyle" if in_ppr > 0 => {
            if let Some(v) = w_val(reader, e) {
                p.style_level = heading_styles
                    .get(&v)
                    .copied()
                    .or_else(|| style_name_level(&v).flatten());
            }
        }
        b"outlineLvl" if in_ppr > 0 => {
            if let Some(v) = w_val(reader, e) {
                p.outline = Some(outline_level(&v));
            }
        }
        _ => {}
    }
}

fn emit_docx_paragraph(out: &mut Paragraphs, p: DocxParagraph) {
    if let Some(level) = p.heading() {
        out.push(&collapse_whitespace(&p.text), Some(level));
    } else {
        // Keep the document's own line breaks and tabs inside a paragraph; trim trailing spaces per line.
        let lines: Vec<&str> = p.text.split('\n').map(str::trim_end).collect();
        let text = lines.join("\n");
        let text = text.trim_matches(|c: char| c == '\n' || c.is_whitespace());
        out.push(text, None);
    }
}

// ---------------------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------------------

fn extract_pdf(bytes: &[u8]) -> Result<Extracted, ExtractError> {
    // pdf-extract and lopdf panic (unwrap, index out of bounds, explicit panic!) on malformed files.
    let (text, title) = match catch_unwind(AssertUnwindSafe(|| pdf_text(bytes))) {
        Ok(result) => result?,
        Err(payload) => return Err(ExtractError::CorruptPdf(panic_reason(&*payload))),
    };
    if meaningful_chars(&text) < MIN_PDF_TEXT_CHARS {
        return Err(ExtractError::NoTextLayer);
    }
    Ok(Extracted {
        text,
        title,
        format: Format::Pdf,
        encoding: "binary",
    })
}

/// Characters that carry text: not whitespace, not U+FFFD, not private-use code points (what fonts
/// without a Unicode mapping produce).
fn meaningful_chars(text: &str) -> usize {
    text.chars()
        .filter(|c| {
            !c.is_whitespace() && *c != '\u{fffd}' && !('\u{e000}'..='\u{f8ff}').contains(c)
        })
        .count()
}

/// Text of every page (pages that fail are skipped as long as some page succeeds) and the Info title.
fn pdf_text(bytes: &[u8]) -> Result<(String, Option<String>), ExtractError> {
    let mut doc =
        pdf_extract::Document::load_mem(bytes).map_err(|e| ExtractError::CorruptPdf(reason(e)))?;
    if doc.is_encrypted() {
        // Many PDFs are "encrypted" with an empty user password (permissions only); those open fine.
        doc.decrypt("")
            .map_err(|_| ExtractError::Unsupported("password-protected pdf".into()))?;
    }
    let title = pdf_title(&doc);
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(ExtractError::CorruptPdf("no pages".into()));
    }
    let mut out = Paragraphs::default();
    let mut first_error: Option<String> = None;
    let mut failed = 0usize;
    for page in pages.keys() {
        let mut collector = PdfPage::default();
        let result = catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::output_doc_page(&doc, &mut collector, *page)
        }));
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(reason(e)),
            Err(payload) => Some(panic_reason(&*payload)),
        };
        if let Some(e) = error {
            failed += 1;
            first_error.get_or_insert(format!("page {page}: {e}"));
            continue;
        }
        for paragraph in collector.paragraphs() {
            out.push(&paragraph, None);
        }
    }
    if failed > 0 && meaningful_chars(&out.out) < MIN_PDF_TEXT_CHARS {
        return Err(ExtractError::CorruptPdf(first_error.unwrap_or_default()));
    }
    Ok((out.out, title))
}

/// One line of glyphs on a PDF page, in top-down page coordinates.
#[derive(Debug, Clone)]
struct PdfLine {
    text: String,
    x0: f64,
    x1: f64,
    y: f64,
    size: f64,
}

/// An `OutputDev` for pdf-extract that keeps glyph positions, so that lines can be told from
/// paragraphs afterwards (pdf-extract's own plain-text output separates wrapped lines and paragraphs
/// alike by blank lines, and puts spaces between CJK characters and adjacent digits).
#[derive(Default)]
struct PdfPage {
    page_height: f64,
    lines: Vec<PdfLine>,
    current: Option<PdfLine>,
}

impl PdfPage {
    fn finish_line(&mut self) {
        if let Some(mut line) = self.current.take() {
            let trimmed = line.text.trim();
            if !trimmed.is_empty() {
                line.text = trimmed.to_string();
                self.lines.push(line);
            }
        }
    }

    /// Group the page's lines into paragraphs. A line starts a new paragraph when it is further below the
    /// previous one than the usual line pitch, moves up (a new column or text box), changes font size,
    /// is indented (Chinese first-line indent), or follows a line that ended well short of the right edge.
    fn paragraphs(mut self) -> Vec<String> {
        self.finish_line();
        let lines = self.lines;
        if lines.is_empty() {
            return Vec::new();
        }
        let left = lines.iter().map(|l| l.x0).fold(f64::INFINITY, f64::min);
        let right = lines.iter().map(|l| l.x1).fold(f64::NEG_INFINITY, f64::max);
        let mut pitches: Vec<f64> = lines
            .windows(2)
            .map(|w| w[1].y - w[0].y)
            .filter(|d| *d > 0.0 && d.is_finite())
            .collect();
        pitches.sort_by(f64::total_cmp);
        let pitch = pitches.get(pitches.len() / 2).copied();

        let mut paragraphs = Vec::new();
        let mut current = lines[0].text.clone();
        for w in lines.windows(2) {
            let (prev, line) = (&w[0], &w[1]);
            let size = prev.size.max(line.size);
            let dy = line.y - prev.y;
            let gap_break = match pitch {
                Some(p) => dy > p * 1.25 && dy > p + size * 0.25,
                None => false,
            } || dy > size * 2.5;
            let moved_up = dy < -size * 0.5;
            let size_change = (line.size - prev.size).abs() > size * 0.15;
            let indented = line.x0 > left + size * 1.5 && prev.x0 <= left + size * 0.5;
            let short_prev = prev.x1 < right - size * 2.0;
            if gap_break || moved_up || size_change || indented || short_prev {
                paragraphs.push(std::mem::take(&mut current));
                current.push_str(&line.text);
                continue;
            }
            // A wrapped line: CJK text continues directly, other scripts after a space.
            let joins_cjk = current.chars().next_back().is_some_and(is_cjk)
                || line.text.chars().next().is_some_and(is_cjk);
            if !joins_cjk {
                current.push(' ');
            }
            current.push_str(&line.text);
        }
        paragraphs.push(current);
        paragraphs
    }
}

impl pdf_extract::OutputDev for PdfPage {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &pdf_extract::MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        self.page_height = media_box.ury - media_box.lly;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.finish_line();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        let x = trm.m31;
        let y = self.page_height - trm.m32;
        // Size of the glyph on the page: the side of the square with the area of the transformed em box.
        let vx = font_size * trm.m11 + font_size * trm.m21;
        let vy = font_size * trm.m12 + font_size * trm.m22;
        let mut size = (vx * vy).abs().sqrt();
        if !size.is_finite() || size <= 0.0 {
            size = 1.0;
        }
        if !x.is_finite() || !y.is_finite() {
            return Ok(());
        }
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        if text.is_empty() {
            return Ok(());
        }
        let end = x + (width * size).max(0.0);
        if let Some(line) = self.current.as_mut() {
            if (y - line.y).abs() <= size.max(line.size) * 0.5 {
                let gap = x - line.x1;
                let cjk_edge = line.text.chars().next_back().is_some_and(is_cjk)
                    || text.chars().next().is_some_and(is_cjk);
                let threshold = if cjk_edge { 0.5 } else { 0.1 } * size;
                let backwards = x < line.x1 - size * 2.0;
                if (gap > threshold || backwards)
                    && !line.text.ends_with(' ')
                    && !text.starts_with(' ')
                {
                    line.text.push(' ');
                }
                line.text.push_str(&text);
                line.x1 = line.x1.max(end);
                line.size = line.size.max(size);
                return Ok(());
            }
        }
        self.finish_line();
        self.current = Some(PdfLine {
            text,
            x0: x,
            x1: end,
            y,
            size,
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }
}

/// `/Title` of the document information dictionary.
fn pdf_title(doc: &pdf_extract::Document) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let title = info.as_dict().ok()?.get(b"Title").ok()?;
    let (_, title) = doc.dereference(title).ok()?;
    let raw = title.as_str().ok()?;
    let text = collapse_whitespace(&pdf_string(raw));
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    (!text.is_empty()).then_some(text)
}

/// Decode a PDF text string: UTF-16BE or UTF-8 by BOM, otherwise UTF-8 if valid, GBK if that decodes
/// cleanly to Chinese (a frequent non-conformance), else PDFDocEncoding (approximated by Latin-1).
fn pdf_string(raw: &[u8]) -> String {
    if let Some(rest) = raw.strip_prefix(b"\xfe\xff") {
        return encoding_rs::UTF_16BE
            .decode_without_bom_handling(rest)
            .0
            .into_owned();
    }
    if let Some(rest) = raw.strip_prefix(b"\xff\xfe") {
        return encoding_rs::UTF_16LE
            .decode_without_bom_handling(rest)
            .0
            .into_owned();
    }
    if let Some(rest) = raw.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_owned();
    }
    let (gbk, had_errors) = encoding_rs::GBK.decode_without_bom_handling(raw);
    if !had_errors && gbk.chars().any(is_cjk) {
        return gbk.into_owned();
    }
    raw.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const REPORT_DOCX: &[u8] = include_bytes!("../../tests/fixtures/formats/report.docx");
    const REPORT_PDF: &[u8] = include_bytes!("../../tests/fixtures/formats/report.pdf");
    const SCAN_PDF: &[u8] = include_bytes!("../../tests/fixtures/formats/scan.pdf");

    const TITLE: &str = "拉萨市饮用水检测援藏项目报告";
    const SENTENCE_1: &str =
        "2023年，北京市援藏工作队在拉萨市城关区开展农村饮用水水质检测工作，共检测水样三百二十份，覆盖十二个乡镇。";
    const SENTENCE_2: &str =
        "检测结果显示，绝大多数水样符合国家生活饮用水卫生标准，个别水源存在微生物指标超标问题，已会同当地水利部门完成整改。";
    const SENTENCE_3: &str =
        "援藏工作队将继续培训当地检测人员，推动建立常态化水质监测机制，保障群众饮水安全。";

    /// Chinese text with the kind of line damage the downstream cleaner repairs; it must survive untouched.
    const RAW_TEXT: &str = "援藏工作简报\r\n\r\n2023年拉萨市饮用水检测工作\n取得阶段性成效。  \n\n\n共检测水样 320 份，合格率 98.4%。\t\n";

    fn ok(name: &str, bytes: &[u8]) -> Extracted {
        match extract(Path::new(name), bytes) {
            Ok(e) => e,
            Err(e) => panic!("{name}: unexpected error {e:?}"),
        }
    }

    fn err(name: &str, bytes: &[u8]) -> ExtractError {
        match extract(Path::new(name), bytes) {
            Ok(e) => panic!("{name}: expected an error, got {:?} {:?}", e.format, e.text),
            Err(e) => e,
        }
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    fn gbk(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable, "test text must be representable in GBK");
        bytes.into_owned()
    }

    /// Deterministic pseudo-random bytes (xorshift64*).
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.max(1);
        (0..len)
            .map(|_| {
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
            })
            .collect()
    }

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in files {
            w.start_file(*name, options).unwrap();
            w.write_all(content.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    // --- plain text and encodings -------------------------------------------------------------------

    #[test]
    fn utf8_text_is_returned_untouched() {
        let e = ok("a.txt", RAW_TEXT.as_bytes());
        assert_eq!(e.text, RAW_TEXT);
        assert_eq!(e.format, Format::Text);
        assert_eq!(e.encoding, "UTF-8");
        assert_eq!(e.title, None);
    }

    #[test]
    fn utf8_bom_is_removed_and_nothing_else() {
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        bytes.extend_from_slice(RAW_TEXT.as_bytes());
        let e = ok("a.txt", &bytes);
        assert_eq!(e.text, RAW_TEXT);
        assert_eq!(e.encoding, "UTF-8");
    }

    #[test]
    fn utf16_le_and_be_with_bom() {
        let e = ok("a.txt", &utf16(RAW_TEXT, false));
        assert_eq!((e.text.as_str(), e.encoding), (RAW_TEXT, "UTF-16LE"));
        let e = ok("a.txt", &utf16(RAW_TEXT, true));
        assert_eq!((e.text.as_str(), e.encoding), (RAW_TEXT, "UTF-16BE"));
        assert_eq!(
            decode_text(&utf16("援藏", false)).unwrap(),
            ("援藏".to_string(), "UTF-16LE")
        );
    }

    #[test]
    fn utf32_with_bom() {
        let mut bytes = vec![0xFF, 0xFE, 0, 0];
        for c in "援藏 aid".chars() {
            bytes.extend((c as u32).to_le_bytes());
        }
        assert_eq!(
            decode_text(&bytes).unwrap(),
            ("援藏 aid".to_string(), "UTF-32LE")
        );
    }

    #[test]
    fn gbk_text_is_detected() {
        let text = format!("{TITLE}\r\n\r\n{SENTENCE_1}\r\n{SENTENCE_2}\r\n");
        let (decoded, encoding) = decode_text(&gbk(&text)).unwrap();
        assert_eq!(encoding, "GBK");
        assert_eq!(decoded, text);
        let e = ok("报告.txt", &gbk(&text));
        assert_eq!(
            (e.text.as_str(), e.encoding, e.format),
            (text.as_str(), "GBK", Format::Text)
        );
    }

    #[test]
    fn short_gbk_text_is_detected() {
        for text in [
            "援藏干部",
            "饮用水检测报告",
            "对口支援西藏工作总结（2023年）",
        ] {
            assert_eq!(
                decode_text(&gbk(text)).unwrap(),
                (text.to_string(), "GBK"),
                "{text}"
            );
        }
    }

    #[test]
    fn gb18030_four_byte_characters_and_big5() {
        // GB18030 extends GBK with four-byte sequences (rare ideographs, Tibetan, …): still "GBK".
        let text = "拉萨市㐀饮用水检测，藏文ཀ，援藏项目报告。拉萨市饮用水检测援藏项目报告。";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        assert_eq!(decode_text(&bytes).unwrap(), (text.to_string(), "GBK"));
        // Traditional Chinese in Big5 is still recognised despite the .cn bias.
        let traditional =
            "香港特別行政區政府對口支援西藏飲用水檢測項目，共檢測水樣三百二十份，覆蓋十二個鄉鎮。";
        let (bytes, _, unmappable) = encoding_rs::BIG5.encode(traditional);
        assert!(!unmappable);
        assert_eq!(
            decode_text(&bytes).unwrap(),
            (traditional.to_string(), "Big5")
        );
    }

    #[test]
    fn damaged_utf8_stays_utf8() {
        let mut bytes = RAW_TEXT.repeat(5).into_bytes();
        bytes[20] = 0xFF; // one corrupted byte
        bytes.truncate(bytes.len() - 2); // and a cut-off character at the end
        bytes.extend_from_slice(&"藏".as_bytes()[..2]);
        let (text, encoding) = decode_text(&bytes).unwrap();
        assert_eq!(encoding, "UTF-8");
        assert!(text.contains("饮用水检测"));
        assert_eq!(text.matches('\u{fffd}').count(), 2);
    }

    #[test]
    fn legacy_single_byte_text_is_decoded() {
        let (text, encoding) =
            decode_text(b"Caf\xe9 au lait, na\xefve r\xe9sum\xe9 of aid projects.").unwrap();
        assert_eq!(encoding, "windows-1252");
        assert!(text.starts_with("Café"));
    }

    #[test]
    fn binary_looking_text_is_rejected() {
        assert_eq!(
            decode_text(b"abc\0def"),
            Err(ExtractError::Binary("binary data".into()))
        );
        let controls: Vec<u8> = (0..200u8)
            .map(|i| if i % 3 == 0 { 1 } else { b'a' })
            .collect();
        assert_eq!(
            decode_text(&controls),
            Err(ExtractError::Binary("binary data".into()))
        );
        // UTF-16 that is mostly unpaired surrogates is not text.
        let mut bad = vec![0xFF, 0xFE];
        for _ in 0..50 {
            bad.extend([0x00, 0xD8]);
        }
        assert_eq!(decode_text(&bad), Err(ExtractError::Undecodable));
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

    // --- binary formats ----------------------------------------------------------------------------

    #[test]
    fn images_archives_and_executables_are_binary() {
        let cases: &[(&[u8], &str)] = &[
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "png image"),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", "jpeg image"),
            (b"GIF89a\x01\0\x01\0", "gif image"),
            (
                b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0",
                "bmp image",
            ),
            (b"II*\0\x08\0\0\0", "tiff image"),
            (b"RIFF\x24\0\0\0WEBPVP8 ", "webp image"),
            (b"\x1f\x8b\x08\0\0\0\0\0", "gzip archive"),
            (b"7z\xbc\xaf\x27\x1c\0\x04", "7z archive"),
            (b"Rar!\x1a\x07\x01\0", "rar archive"),
            (b"\x7fELF\x02\x01\x01\0", "elf executable"),
        ];
        for (bytes, kind) in cases {
            // The extension does not matter: content wins.
            assert_eq!(
                err("x.txt", bytes),
                ExtractError::Binary(kind.to_string()),
                "{kind}"
            );
        }
        let mut exe = b"MZ\x90\0".to_vec();
        exe.resize(64, 0);
        exe[60] = 64;
        exe.extend_from_slice(b"PE\0\0");
        assert_eq!(
            err("setup.exe", &exe),
            ExtractError::Binary("windows executable".into())
        );
        assert_eq!(
            err("x.png", b"\x89PNG\r\n\x1a\n").to_string(),
            "not a text document (png image)"
        );
    }

    #[test]
    fn text_that_merely_starts_like_a_magic_is_text() {
        for text in [
            "BMW 援藏车辆捐赠清单",
            "MZ-3 型水质检测仪",
            "BZh 不是压缩包",
            "ID3 标签说明",
        ] {
            assert_eq!(ok("a.txt", text.as_bytes()).text, text);
        }
    }

    #[test]
    fn legacy_office_and_rtf_are_unsupported() {
        let ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0";
        assert!(matches!(err("old.doc", ole), ExtractError::Unsupported(_)));
        assert_eq!(
            err("a.rtf", b"{\\rtf1\\ansi hello}"),
            ExtractError::Unsupported("rtf document".into())
        );
    }

    #[test]
    fn random_bytes_named_zip_are_an_error() {
        let e = err("archive.zip", &noise(7, 4096));
        assert_eq!(e, ExtractError::Binary("binary data".into()));
        let e = err("report.docx", &noise(8, 4096));
        assert_eq!(e, ExtractError::CorruptDocx("not a zip archive".into()));
        // A zip signature followed by garbage.
        let mut fake = b"PK\x03\x04".to_vec();
        fake.extend(noise(9, 4096));
        assert!(
            matches!(err("archive.zip", &fake), ExtractError::Binary(r) if r.starts_with("corrupt zip archive"))
        );
        assert!(
            matches!(err("report.docx", &fake), ExtractError::CorruptDocx(r) if r.starts_with("not a valid zip"))
        );
    }

    #[test]
    fn zip_without_document() {
        let zip = zip_of(&[("photos/a.txt", "not a document")]);
        assert_eq!(
            err("a.zip", &zip),
            ExtractError::Binary("zip archive without a document".into())
        );
        assert_eq!(
            err("a.docx", &zip),
            ExtractError::CorruptDocx("no word/document.xml inside".into())
        );
        let xlsx = zip_of(&[("xl/workbook.xml", "<workbook/>")]);
        assert_eq!(
            err("a.xlsx", &xlsx),
            ExtractError::Unsupported("xlsx spreadsheet".into())
        );
    }

    // --- HTML --------------------------------------------------------------------------------------

    #[test]
    fn html_scripts_styles_entities_title_headings() {
        let html = r#"<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>援藏&middot;饮用水  检测</title>
<style>p { color: red } </style>
<script>var s = "<p>不要这个</p>"; if (a < b) {}</script>
</head>
<body>
<!-- 注释 <p>也不要</p> -->
<noscript>请启用脚本</noscript>
<template><p>模板内容</p></template>
<h1 class="t">拉萨市<span>饮用水</span>检测</h1>
<p>第一段&nbsp;&nbsp;内容&ldquo;援藏&rdquo;&mdash;&mdash;成效显著&hellip;
   续行</p>
<div>水样&#20013;&#x6587;&lt;320&gt; 份 &amp; 合格 a < b</div>
<h2>二、工作<br>措施</h2>
<h4>小标题</h4>
<ul><li>培训人员</li><li>建设站点</li></ul>
<table><tr><td>乡镇</td><td>水样</td></tr><tr><td>城关区</td><td>120</td></tr></table>
<p title="a>b">属性里有大于号</p>
AT&T &unknown; &#0; &#150;
</body></html>"#;
        let e = ok("page.html", html.as_bytes());
        assert_eq!(e.format, Format::Html);
        assert_eq!(e.encoding, "UTF-8");
        assert_eq!(e.title.as_deref(), Some("援藏·饮用水 检测"));
        let paragraphs: Vec<&str> = e.text.split("\n\n").collect();
        assert_eq!(
            paragraphs,
            vec![
                "# 拉萨市饮用水检测",
                "第一段 内容“援藏”——成效显著… 续行",
                "水样中文<320> 份 & 合格 a < b",
                "## 二、工作 措施",
                "小标题",
                "培训人员",
                "建设站点",
                "乡镇 水样",
                "城关区 120",
                "属性里有大于号",
                "AT&T &unknown; \u{fffd} \u{2013}",
            ]
        );
        for unwanted in ["不要这个", "也不要", "请启用脚本", "模板内容", "color"] {
            assert!(
                !e.text.contains(unwanted),
                "{unwanted} leaked into {:?}",
                e.text
            );
        }
    }

    #[test]
    fn html_line_breaks_between_chinese_characters_vanish() {
        let e = ok("a.htm", "<p>拉萨市饮用\n   水检测 and\nmore</p>".as_bytes());
        assert_eq!(e.text, "拉萨市饮用水检测 and more");
    }

    #[test]
    fn html_gbk_meta_charset() {
        let html = format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
             <title>{TITLE}</title></head><body><h1>{TITLE}</h1><p>{SENTENCE_1}</p><p>{SENTENCE_2}</p></body></html>"
        );
        let e = ok("page.html", &gbk(&html));
        assert_eq!(e.encoding, "GBK");
        assert_eq!(e.title.as_deref(), Some(TITLE));
        assert_eq!(e.text, format!("# {TITLE}\n\n{SENTENCE_1}\n\n{SENTENCE_2}"));

        let html5 = format!("<!doctype html><meta charset='GBK'><p>{SENTENCE_3}</p>");
        let e = ok("page.htm", &gbk(&html5));
        assert_eq!((e.text.as_str(), e.encoding), (SENTENCE_3, "GBK"));
    }

    #[test]
    fn html_mislabelled_charset_falls_back_to_detection() {
        let html = format!(
            "<html><head><meta charset=\"utf-8\"></head><body><p>{SENTENCE_1}</p></body></html>"
        );
        let e = ok("page.html", &gbk(&html));
        assert_eq!((e.text.as_str(), e.encoding), (SENTENCE_1, "GBK"));
    }

    #[test]
    fn html_utf8_page_labelled_gb2312_is_utf8() {
        let html = format!("<html><head><meta charset=\"gb2312\"><title>{TITLE}</title></head><p>{SENTENCE_3}</p></html>");
        let e = ok("page.html", html.as_bytes());
        assert_eq!((e.text.as_str(), e.encoding), (SENTENCE_3, "UTF-8"));
        assert_eq!(e.title.as_deref(), Some(TITLE));
    }

    #[test]
    fn html_without_meta_and_utf16_html() {
        let html = format!("<html><body><p>{SENTENCE_2}</p></body></html>");
        let e = ok("page.html", &gbk(&html));
        assert_eq!((e.text.as_str(), e.encoding), (SENTENCE_2, "GBK"));
        let e = ok("page.html", &utf16(&html, false));
        assert_eq!(
            (e.text.as_str(), e.encoding, e.format),
            (SENTENCE_2, "UTF-16LE", Format::Html)
        );
    }

    #[test]
    fn html_content_wins_over_txt_extension_but_plain_angle_text_stays_text() {
        let e = ok(
            "saved.txt",
            b"\n  <!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><html><p>x &amp; y</p>",
        );
        assert_eq!((e.text.as_str(), e.format), ("x & y", Format::Html));
        let text = "<援藏> 项目 a<b>c";
        assert_eq!(ok("notes.txt", text.as_bytes()).text, text);
    }

    #[test]
    fn html_unterminated_constructs_do_not_panic() {
        for html in [
            "<html><p>可见<script>var x = 1;",
            "<html><p>可见<!-- 未结束",
            "<html><p>可见<a href=\"x>y",
            "<html><p>可见<",
            "<html><p>可见</",
            "<html><title>标题",
            "<html><p>可见&#x110000;&#99999999999;&#xD800;&",
        ] {
            let e = extract(Path::new("a.html"), html.as_bytes());
            assert!(
                matches!(&e, Ok(x) if x.text.contains("可见")) || e == Err(ExtractError::Empty),
                "{html}: {e:?}"
            );
        }
    }

    #[test]
    fn declared_charset_variants() {
        assert_eq!(
            declared_charset(b"<meta charset=gbk>"),
            Some(encoding_rs::GBK)
        );
        assert_eq!(
            declared_charset(b"<META CHARSET=\"GB2312\" />"),
            Some(encoding_rs::GBK)
        );
        assert_eq!(
            declared_charset(b"<?xml version=\"1.0\" encoding=\"big5\"?>"),
            Some(encoding_rs::BIG5)
        );
        assert_eq!(
            declared_charset(b"<meta charset=\"utf-16\">"),
            Some(encoding_rs::UTF_8)
        );
        assert_eq!(
            declared_charset(b"<meta name=x content=y><meta charset=gb18030>"),
            Some(encoding_rs::GB18030)
        );
        assert_eq!(declared_charset(b"<meta charset=nonsense>"), None);
        assert_eq!(declared_charset(b"<p>no meta</p>"), None);
    }

    // --- DOCX --------------------------------------------------------------------------------------

    #[test]
    fn docx_fixture() {
        let e = ok("report.docx", REPORT_DOCX);
        assert_eq!(e.format, Format::Docx);
        assert_eq!(e.encoding, "binary");
        assert_eq!(e.title.as_deref(), Some(TITLE));
        assert_eq!(
            e.text,
            format!("# {TITLE}\n\n{SENTENCE_1}\n\n{SENTENCE_2}\n\n## 下一步工作\n\n{SENTENCE_3}")
        );
    }

    #[test]
    fn docx_localized_heading_styles_tabs_breaks_tables_and_fallbacks() {
        let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>
<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>一、基本情况</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="a3"/><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr>
  <w:r><w:t xml:space="preserve">援藏 </w:t></w:r><w:r><w:t>项目</w:t><w:tab/><w:t>A&amp;B</w:t><w:br/><w:t>第二行</w:t></w:r>
  <w:r><w:delText>删除的文字</w:delText></w:r><w:r><w:instrText> PAGE </w:instrText></w:r></w:p>
<w:p/>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></mc:Choice>
  <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>乡镇</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>水样</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>大纲二级</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>标题样式</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="myh"/></w:pPr><w:r><w:t>自定义三级</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading2"/><w:outlineLvl w:val="9"/></w:pPr><w:r><w:t>不是标题</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="4"/></w:pPr><w:r><w:t>正文</w:t></w:r></w:p>
</w:body></w:document>"#
        );
        let styles = format!(
            r#"<w:styles {w}><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Normal Indent"/></w:style>
<w:style w:type="paragraph" w:styleId="3"><w:name w:val="heading 3"/></w:style>
<w:style w:type="paragraph" w:styleId="myh"><w:name w:val="我的标题"/><w:basedOn w:val="3"/></w:style>
<w:style w:type="paragraph" w:styleId="4"><w:name w:val="heading 4"/><w:basedOn w:val="3"/></w:style></w:styles>"#
        );
        let core = r#"<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title> 援藏 &amp; 饮水 </dc:title></cp:coreProperties>"#;
        let docx = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &document),
            ("word/styles.xml", &styles),
            ("docProps/core.xml", core),
        ]);
        // Content wins: the extension is misleading on purpose.
        let e = ok("upload.bin", &docx);
        assert_eq!(e.format, Format::Docx);
        assert_eq!(e.title.as_deref(), Some("援藏 & 饮水"));
        assert_eq!(
            e.text,
            "# 一、基本情况\n\n援藏 项目\tA&B\n第二行\n\n文本框\n\n乡镇\n\n水样\n\n## 大纲二级\n\n# 标题样式\n\n### 自定义三级\n\n不是标题\n\n正文"
        );
    }

    #[test]
    fn docx_main_part_found_through_relationships() {
        let document = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>援藏</w:t></w:r></w:p></w:body></w:document>"#;
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let docx = zip_of(&[("_rels/.rels", rels), ("word/document2.xml", document)]);
        assert_eq!(ok("a.docx", &docx).text, "援藏");
    }

    #[test]
    fn docx_damage() {
        // Truncated zip.
        let cut = &REPORT_DOCX[..REPORT_DOCX.len() / 2];
        assert!(matches!(
            err("report.docx", cut),
            ExtractError::CorruptDocx(_)
        ));
        // Malformed XML.
        let docx = zip_of(&[(
            "word/document.xml",
            "<w:document xmlns:w=\"x\"><w:body><w:p a=\"1></w:body>",
        )]);
        assert!(matches!(
            err("bad.docx", &docx),
            ExtractError::CorruptDocx(_)
        ));
        // Well-formed but empty.
        let docx = zip_of(&[(
            "word/document.xml",
            r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>"#,
        )]);
        assert_eq!(err("empty.docx", &docx), ExtractError::Empty);
    }

    // --- PDF ---------------------------------------------------------------------------------------

    #[test]
    fn pdf_fixture() {
        let e = ok("report.pdf", REPORT_PDF);
        assert_eq!(e.format, Format::Pdf);
        assert_eq!(e.encoding, "binary");
        assert_eq!(e.title.as_deref(), Some(TITLE));
        // Wrapped lines are joined; paragraphs are separated by blank lines.
        assert_eq!(
            e.text,
            format!("{TITLE}\n\n{SENTENCE_1}\n\n{SENTENCE_2}\n\n下一步工作\n\n{SENTENCE_3}")
        );
    }

    #[test]
    fn scanned_pdf_has_no_text_layer() {
        assert_eq!(err("scan.pdf", SCAN_PDF), ExtractError::NoTextLayer);
        assert_eq!(
            err("scan.pdf", SCAN_PDF).to_string(),
            "pdf has no text layer (scanned image?)"
        );
    }

    #[test]
    fn truncated_pdf_is_an_error_not_a_panic() {
        let e = err("report.pdf", &REPORT_PDF[..REPORT_PDF.len() * 2 / 5]);
        assert!(
            matches!(e, ExtractError::CorruptPdf(_) | ExtractError::NoTextLayer),
            "{e:?}"
        );
        for len in [
            5,
            9,
            100,
            1000,
            10_000,
            REPORT_PDF.len() - 100,
            REPORT_PDF.len() - 1,
        ] {
            let _ = extract(Path::new("report.pdf"), &REPORT_PDF[..len]);
        }
        assert!(matches!(
            err("x.pdf", b"%PDF-1.4\n garbage"),
            ExtractError::CorruptPdf(_)
        ));
    }

    #[test]
    fn pdf_header_away_from_the_start() {
        let mut junk = b"\x00\x01junk\r\n".to_vec();
        junk.extend_from_slice(REPORT_PDF);
        assert!(ok("download.bin", &junk).text.contains(SENTENCE_3));
        let note = "说明：PDF 文件以 %PDF-1.4 开头。";
        assert_eq!(ok("note.txt", note.as_bytes()).text, note);
        assert!(matches!(
            err("note.pdf", note.as_bytes()),
            ExtractError::CorruptPdf(_)
        ));
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
    fn content_wins_over_extension() {
        let e = ok("report.txt", REPORT_PDF);
        assert_eq!(e.format, Format::Pdf);
        assert!(e.text.contains(SENTENCE_1));
        assert_eq!(ok("report.pdf", REPORT_DOCX).format, Format::Docx);
        assert_eq!(ok("report", REPORT_DOCX).format, Format::Docx);
    }

    #[test]
    fn pdf_title_strings() {
        assert_eq!(pdf_string(b"\xfe\xff\x63\xf4\x85\xcf"), "援藏");
        assert_eq!(pdf_string("援藏".as_bytes()), "援藏");
        assert_eq!(pdf_string(&gbk("援藏报告")), "援藏报告");
        assert_eq!(pdf_string(b"Caf\xe9"), "Café");
    }

    // --- robustness --------------------------------------------------------------------------------

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

    #[test]
    fn text_named_as_an_archive_or_container_is_refused() {
        let text = "这是一个名为压缩包的文本文件。".as_bytes();
        assert!(matches!(
            extract(Path::new("batch.zip"), text),
            Err(ExtractError::Binary(_))
        ));
        assert!(matches!(
            extract(Path::new("a.docx"), text),
            Err(ExtractError::CorruptDocx(_))
        ));
        assert!(matches!(
            extract(Path::new("a.pdf"), text),
            Err(ExtractError::CorruptPdf(_))
        ));
        assert!(extract(Path::new("a.txt"), text).is_ok());
    }
}
