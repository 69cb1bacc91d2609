//! Word 97–2003 documents (`.doc`) and the WPS files that are kept in the
//! same container (`.wps` written by WPS Office 2005 and later), through
//! Debian's `catdoc`.
//!
//! catdoc was chosen over antiword by reading the same Chinese documents
//! with both (LibreOffice's Word 97 export): catdoc `-d utf-8 -w` gave every
//! character and one paragraph per line; antiword refused a short document
//! ("the text stream of this file is too small") and hard-wrapped long
//! paragraphs at 80 columns, which splits Chinese words apart.

use std::ffi::OsString;
use std::time::Duration;

use super::external::{run, scratch, CATDOC};
use super::{collapse_whitespace, ExtractError, Extracted, Format, Paragraphs};

/// Wall time catdoc may take for one document.
pub const DOC_TIME_BUDGET: Duration = Duration::from_secs(20);

/// Most text kept from one document; past it the file is skipped.
pub const MAX_DOC_TEXT_BYTES: usize = 32 * 1024 * 1024;

/// The text of a Word 97–2003 document; `kind` (`doc`, `wps`) names it in
/// reasons.
pub(super) fn extract_doc(bytes: &[u8], kind: &'static str) -> Result<Extracted, ExtractError> {
    let (_dir, path) = scratch(&format!("document.{kind}"), bytes)
        .map_err(|e| ExtractError::External(kind, format!("cannot write a temporary copy: {e}")))?;
    let args: Vec<OsString> = vec!["-w".into(), "-d".into(), "utf-8".into(), path.into()];
    let out = run(CATDOC, &args, DOC_TIME_BUDGET, MAX_DOC_TEXT_BYTES)
        .map_err(|e| ExtractError::External(kind, e.to_string()))?;
    let text = String::from_utf8_lossy(&out);
    let mut paragraphs = Paragraphs::default();
    // catdoc writes a paragraph per line (`-w`: no wrapping) and a form feed
    // between pages.
    for line in text.split(['\n', '\u{c}']) {
        paragraphs.push(&collapse_whitespace(line), None);
    }
    if paragraphs.out.is_empty() {
        return Err(ExtractError::NoText(kind));
    }
    Ok(Extracted {
        text: paragraphs.out,
        title: None,
        format: Format::Doc,
        encoding: "binary",
        warnings: Vec::new(),
        rows: Vec::new(),
    })
}
