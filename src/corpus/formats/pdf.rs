//! PDF through `pdf-extract` (isolated behind `catch_unwind`: it panics on malformed files), with
//! glyph positions kept so that wrapped lines can be told from paragraphs, and the Info title. What
//! a file may cost the parsers is bounded first, in `pdf_bounds`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use std::collections::HashMap;

use super::pdf_bounds::{decoded_len, drop_unread_streams, page_content_len, scan};
use super::{
    collapse_whitespace, is_wide, panic_reason, reason, ExtractError, Extracted, Format,
    Paragraphs, MAX_PDF_INFLATED_BYTES, MAX_PDF_NESTING, MAX_PDF_PAGES, MAX_PDF_PAGE_CONTENT_BYTES,
    MAX_PDF_STREAM_BYTES, MAX_PDF_SYNTAX_BYTES, MAX_PDF_TEXT_BYTES, MAX_PDF_XREF_FIELD_BYTES,
    MIN_PDF_TEXT_CHARS,
};

pub(super) fn extract_pdf(bytes: &[u8]) -> Result<Extracted, ExtractError> {
    // lopdf parses (and drops) arrays and dictionaries recursively, with no
    // depth limit: a few KB of `[[[[…` overflow any stack, which aborts the
    // process. And both parsers hold all they read, at many times its size
    // (see `pdf_bounds`). Refuse such files before parsing.
    let found = scan(bytes, MAX_PDF_SYNTAX_BYTES, MAX_PDF_INFLATED_BYTES);
    if found.depth > MAX_PDF_NESTING {
        return Err(ExtractError::CorruptPdf(format!(
            "arrays or dictionaries nested {} deep (limit {MAX_PDF_NESTING})",
            found.depth
        )));
    }
    // lopdf allocates a buffer of each width a cross-reference stream
    // declares: `/W [1 100000000000000 1]` in a 150-byte file aborted the
    // process on the failed allocation.
    if found.widest_field > MAX_PDF_XREF_FIELD_BYTES {
        return Err(ExtractError::CorruptPdf(format!(
            "a cross-reference field {} bytes wide (limit {MAX_PDF_XREF_FIELD_BYTES})",
            found.widest_field
        )));
    }
    refuse_inflation(found.largest, found.inflated)?;
    if found.syntax > MAX_PDF_SYNTAX_BYTES {
        return Err(ExtractError::Unsupported(format!(
            "pdf object syntax past {} MiB",
            MAX_PDF_SYNTAX_BYTES >> 20
        )));
    }
    // pdf-extract and lopdf panic (unwrap, index out of bounds, explicit panic!) on malformed files.
    let (text, title, warnings) = match catch_unwind(AssertUnwindSafe(|| pdf_text(bytes))) {
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
        warnings,
        rows: Vec::new(),
    })
}

/// Refuse a PDF with a stream that decodes past [`MAX_PDF_STREAM_BYTES`]
/// (`largest`) or streams past [`MAX_PDF_INFLATED_BYTES`] in all (`total`).
fn refuse_inflation(largest: u64, total: u64) -> Result<(), ExtractError> {
    if largest > MAX_PDF_STREAM_BYTES {
        return Err(ExtractError::Unsupported(format!(
            "a pdf stream would inflate past {} MiB",
            MAX_PDF_STREAM_BYTES >> 20
        )));
    }
    if total > MAX_PDF_INFLATED_BYTES {
        return Err(ExtractError::Unsupported(format!(
            "pdf streams would inflate past {} MiB in all",
            MAX_PDF_INFLATED_BYTES >> 20
        )));
    }
    Ok(())
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

/// Text of every page (pages that fail are skipped as long as some page succeeds), the Info title,
/// and what was not read (pages drawing more content than [`MAX_PDF_PAGE_CONTENT_BYTES`]).
fn pdf_text(bytes: &[u8]) -> Result<(String, Option<String>, Vec<String>), ExtractError> {
    let mut doc =
        pdf_extract::Document::load_mem(bytes).map_err(|e| ExtractError::CorruptPdf(reason(e)))?;
    if doc.is_encrypted() {
        // Many PDFs are "encrypted" with an empty user password (permissions only); those open fine.
        doc.decrypt("")
            .map_err(|_| ExtractError::Unsupported("password-protected pdf".into()))?;
    }
    drop_unread_streams(&mut doc);
    // What each stream decodes to, as pdf-extract will decode it: the scan
    // of the bytes could not see filters chained or named with escapes.
    let mut sizes = HashMap::new();
    let (mut largest, mut total) = (0u64, 0u64);
    for (id, object) in &doc.objects {
        if let pdf_extract::Object::Stream(stream) = object {
            let room = (MAX_PDF_INFLATED_BYTES + 1).saturating_sub(total);
            let size = decoded_len(stream, room.min(MAX_PDF_STREAM_BYTES + 1));
            (largest, total) = (largest.max(size), total + size);
            refuse_inflation(largest, total)?;
            sizes.insert(*id, size);
        }
    }
    let title = pdf_title(&doc);
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(ExtractError::CorruptPdf("no pages".into()));
    }
    if pages.len() > MAX_PDF_PAGES {
        return Err(ExtractError::Unsupported(format!(
            "pdf of {} pages (limit {MAX_PDF_PAGES})",
            pages.len()
        )));
    }
    let mut out = Paragraphs::default();
    let mut first_error: Option<String> = None;
    let mut failed = 0usize;
    let mut too_full = Vec::new();
    for (page, id) in &pages {
        // pdf-extract turns content into operations at up to 95 times its size.
        if page_content_len(&doc, *id, &sizes, MAX_PDF_PAGE_CONTENT_BYTES)
            > MAX_PDF_PAGE_CONTENT_BYTES
        {
            too_full.push(*page);
            continue;
        }
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
        if out.out.len() > MAX_PDF_TEXT_BYTES {
            return Err(ExtractError::Unsupported(format!(
                "pdf text larger than {} MiB",
                MAX_PDF_TEXT_BYTES >> 20
            )));
        }
    }
    let mut warnings = Vec::new();
    if !too_full.is_empty() {
        let listed: Vec<String> = too_full.iter().take(10).map(u32::to_string).collect();
        let problem = format!(
            "{} of {} pages draw more than {} MiB of content (pages {}{})",
            too_full.len(),
            pages.len(),
            MAX_PDF_PAGE_CONTENT_BYTES >> 20,
            listed.join(", "),
            if too_full.len() > listed.len() {
                ", …"
            } else {
                ""
            }
        );
        if meaningful_chars(&out.out) < MIN_PDF_TEXT_CHARS {
            return Err(ExtractError::Unsupported(problem));
        }
        warnings.push(format!("{problem}: skipped"));
    }
    if failed > 0 && meaningful_chars(&out.out) < MIN_PDF_TEXT_CHARS {
        return Err(ExtractError::CorruptPdf(first_error.unwrap_or_default()));
    }
    Ok((out.out, title, warnings))
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
            let joins_cjk = current.chars().next_back().is_some_and(is_wide)
                || line.text.chars().next().is_some_and(is_wide);
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
                let cjk_edge = line.text.chars().next_back().is_some_and(is_wide)
                    || text.chars().next().is_some_and(is_wide);
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
    if !had_errors && gbk.chars().any(is_wide) {
        return gbk.into_owned();
    }
    raw.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::formats::test_support::*;
    use crate::corpus::formats::{extract, ExtractError, Format};
    use std::path::Path;

    const SCAN_PDF: &[u8] = include_bytes!("../../../tests/fixtures/formats/scan.pdf");

    #[test]
    fn the_fixture_is_well_within_the_bounds() {
        let found = scan(REPORT_PDF, u64::MAX, u64::MAX);
        assert!(found.depth <= MAX_PDF_NESTING, "{found:?}");
        assert!(found.inflated < 1 << 20, "{found:?}");
        assert!(found.syntax < 1 << 20, "{found:?}");
    }

    #[test]
    fn a_stream_inflating_past_the_limit_is_refused() {
        use std::io::Write;
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(MAX_PDF_STREAM_BYTES >> 20) + 8 {
            encoder.write_all(&zeros).unwrap();
        }
        let data = encoder.finish().unwrap();
        assert!(data.len() < 1 << 20, "{}", data.len());
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        let e = extract(Path::new("bomb.pdf"), &pdf).unwrap_err();
        assert!(
            e.to_string()
                .contains("a pdf stream would inflate past 16 MiB"),
            "{e}"
        );
        // Five streams of 15 MiB each: under the bound per stream, past it in all.
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..15 {
            encoder.write_all(&zeros).unwrap();
        }
        let data = encoder.finish().unwrap();
        let mut pdf = b"%PDF-1.4\n".to_vec();
        for k in 1..=5 {
            pdf.extend_from_slice(
                format!("{k} 0 obj\n<< /Filter /FlateDecode >>\nstream\n").as_bytes(),
            );
            pdf.extend_from_slice(&data);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
        }
        let e = extract(Path::new("bombs.pdf"), &pdf).unwrap_err();
        assert!(
            e.to_string()
                .contains("pdf streams would inflate past 64 MiB in all"),
            "{e}"
        );
    }

    #[test]
    fn object_syntax_past_the_limit_is_refused() {
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Big [".to_vec();
        while pdf.len() as u64 <= MAX_PDF_SYNTAX_BYTES {
            pdf.extend_from_slice(b"[1 2 3 4] ");
        }
        pdf.extend_from_slice(b"] >>\nendobj\n%%EOF\n");
        let e = extract(Path::new("syntax.pdf"), &pdf).unwrap_err();
        assert!(e.to_string().contains("object syntax past 4 MiB"), "{e}");
    }

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
    fn pdf_title_strings() {
        assert_eq!(pdf_string(b"\xfe\xff\x63\xf4\x85\xcf"), "援藏");
        assert_eq!(pdf_string("援藏".as_bytes()), "援藏");
        assert_eq!(pdf_string(&gbk("援藏报告")), "援藏报告");
        assert_eq!(pdf_string(b"Caf\xe9"), "Café");
    }
}
