//! Zip containers and DOCX: the main document part (through `_rels/.rels` if need be), heading
//! styles from word/styles.xml, the title from docProps/core.xml, and the paragraphs of the body.

use std::collections::HashMap;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::odt::extract_odt;
use super::sheet::{extract_workbook, Workbook};
use super::zipped::{dc_title, read_part};
use super::{
    collapse_whitespace, panic_reason, reason, ExtractError, Extracted, Format, Paragraphs,
    MAX_ZIP_ENTRIES,
};

const W_NS: &[&[u8]] = &[
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MC_NS: &[u8] = b"http://schemas.openxmlformats.org/markup-compatibility/2006";

pub(super) fn extract_zip(bytes: &[u8], ext: &str) -> Result<Extracted, ExtractError> {
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
    // The zip reader reserves room for, and reads, as many entries as the
    // archive says it has: 600,000 empty entries in a 51 MB file took 406
    // MB, and a count of millions in a small file asks for gigabytes at
    // once (an allocation failure aborts the process).
    let entries = declared_entries(bytes);
    if entries > MAX_ZIP_ENTRIES {
        return Err(corrupt(format!(
            "zip archive declares {entries} entries (limit {MAX_ZIP_ENTRIES})"
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| corrupt(reason(format!("not a valid zip archive ({e})"))))?;

    // A workbook's `_rels/.rels` names its main part too (xl/workbook.xml).
    if zip.index_for_name("word/document.xml").is_none() {
        if zip.index_for_name("xl/workbook.xml").is_some() {
            return extract_workbook(bytes, Workbook::Xlsx);
        }
        match read_part(&mut zip, "mimetype").as_deref().map(str::trim) {
            Ok("application/vnd.oasis.opendocument.spreadsheet") => {
                return extract_workbook(bytes, Workbook::Ods)
            }
            Ok("application/vnd.oasis.opendocument.text") => return extract_odt(&mut zip),
            _ => {}
        }
    }
    let document = main_document_part(&mut zip);
    let Some(document) = document else {
        let names: Vec<&str> = zip.file_names().collect();
        let kind = if names.iter().any(|n| n.starts_with("xl/")) {
            "xlsx spreadsheet without a workbook part"
        } else if names.iter().any(|n| n.starts_with("ppt/")) {
            "pptx presentation"
        } else if names.contains(&"mimetype") && names.contains(&"content.xml") {
            "opendocument presentation or drawing (.odp/.odg)"
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
        .and_then(|s| dc_title(&s));

    let text = docx_text(&xml, &heading_styles).map_err(ExtractError::CorruptDocx)?;
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(Extracted {
        text,
        title,
        format: Format::Docx,
        encoding: "binary",
        warnings: Vec::new(),
        rows: Vec::new(),
    })
}

/// The most entries any end-of-central-directory record in `bytes` declares
/// (zip's and zip64's, wherever they are: the zip reader looks for them
/// through the whole file).
fn declared_entries(bytes: &[u8]) -> u64 {
    let field = |at: usize, width: usize| -> u64 {
        bytes.get(at..at + width).map_or(0, |b| {
            b.iter()
                .rev()
                .fold(0u64, |n, byte| (n << 8) | u64::from(*byte))
        })
    };
    let mut most = 0;
    let mut from = 0;
    while let Some(found) = super::find_bytes(&bytes[from..], b"PK") {
        let at = from + found;
        match bytes.get(at + 2..at + 4) {
            // Entries on this disk, and in all.
            Some([5, 6]) => most = most.max(field(at + 8, 2)).max(field(at + 10, 2)),
            Some([6, 6]) => most = most.max(field(at + 24, 8)).max(field(at + 32, 8)),
            _ => {}
        }
        from = at + 2;
    }
    most
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
    // The table rows being read (tables nest in cells): a row is one
    // paragraph, its cells' paragraphs joined by spaces, as HTML rows are,
    // so "医院改造 | 500万元" keeps the amount beside its project.
    let mut rows: Vec<String> = Vec::new();
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
                    b"tr" => rows.push(String::new()),
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
                            match rows.last_mut() {
                                Some(row) => join_cell(row, &p.text),
                                None => emit_docx_paragraph(&mut out, p),
                            }
                        }
                    }
                    b"tr" => {
                        if let Some(row) = rows.pop() {
                            emit_row(&mut out, &mut rows, row);
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
    // A truncated document: keep the paragraphs and rows that were still open.
    while let Some(p) = stack.pop() {
        match rows.last_mut() {
            Some(row) => join_cell(row, &p.text),
            None => emit_docx_paragraph(&mut out, p),
        }
    }
    while let Some(row) = rows.pop() {
        emit_row(&mut out, &mut rows, row);
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

/// Add a paragraph of a table cell to its row, after a space.
fn join_cell(row: &mut String, text: &str) {
    let text = collapse_whitespace(text);
    if text.is_empty() {
        return;
    }
    if !row.is_empty() {
        row.push(' ');
    }
    row.push_str(&text);
}

/// A finished row: a paragraph, or part of the row of the cell that holds
/// its table.
fn emit_row(out: &mut Paragraphs, rows: &mut [String], row: String) {
    match rows.last_mut() {
        Some(outer) => join_cell(outer, &row),
        None => out.push(&row, None),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::formats::test_support::*;
    use crate::corpus::formats::{ExtractError, Format};
    use std::io::Write;

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
    fn a_zip_of_too_many_entries_is_refused_before_it_is_read() {
        let many: Vec<(String, &str)> =
            (0..=MAX_ZIP_ENTRIES).map(|k| (k.to_string(), "")).collect();
        let mut files: Vec<(&str, &str)> = many.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        files.push(("word/document.xml", "<w:document/>"));
        let e = err("many.docx", &zip_of(&files));
        assert_eq!(
            e,
            ExtractError::CorruptDocx("zip archive declares 10002 entries (limit 10000)".into())
        );
        // A small archive that says it holds 40,000 million entries (zip64).
        let mut lying = zip_of(&[("word/document.xml", "<w:document/>")]);
        lying.extend_from_slice(b"PK\x06\x06");
        lying.extend_from_slice(&[0; 20]);
        lying.extend_from_slice(&40_000_000_000u64.to_le_bytes());
        lying.extend_from_slice(&40_000_000_000u64.to_le_bytes());
        let e = err("lying.docx", &lying);
        assert!(
            matches!(&e, ExtractError::CorruptDocx(r) if r.contains("40000000000 entries")),
            "{e:?}"
        );
        let fixture = declared_entries(REPORT_DOCX);
        assert!(fixture > 0 && fixture < 100, "{fixture}");
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
        // A workbook is handed to the spreadsheet reader, which names what is wrong.
        let xlsx = zip_of(&[("xl/workbook.xml", "<workbook/>")]);
        let e = err("a.xlsx", &xlsx);
        assert!(matches!(e, ExtractError::Corrupt("xlsx", _)), "{e:?}");
    }

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
            "# 一、基本情况\n\n援藏 项目\tA&B\n第二行\n\n文本框\n\n乡镇 水样\n\n## 大纲二级\n\n# 标题样式\n\n### 自定义三级\n\n不是标题\n\n正文"
        );
    }

    #[test]
    fn a_table_row_is_one_paragraph_of_its_cells() {
        let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
        let cell = |text: &str| format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>");
        let nested = format!(
            "<w:tc><w:p><w:r><w:t>分项</w:t></w:r></w:p><w:tbl><w:tr>{}{}</w:tr></w:tbl></w:tc>",
            cell("水渠"),
            cell("80万元")
        );
        let document = format!(
            "<w:document {w}><w:body><w:p><w:r><w:t>项目表</w:t></w:r></w:p><w:tbl>\
             <w:tr>{}{}</w:tr><w:tr>{}<w:tc><w:p><w:r><w:t>500</w:t></w:r></w:p><w:p><w:r><w:t>万元</w:t></w:r></w:p></w:tc></w:tr>\
             <w:tr>{}{nested}</w:tr></w:tbl><w:p><w:r><w:t>表后</w:t></w:r></w:p></w:body></w:document>",
            cell("项目"),
            cell("金额"),
            cell("医院改造"),
            cell("灌溉"),
        );
        let docx = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &document),
        ]);
        let e = ok("table.docx", &docx);
        assert_eq!(
            e.text,
            "项目表\n\n项目 金额\n\n医院改造 500 万元\n\n灌溉 分项 水渠 80万元\n\n表后"
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
}
