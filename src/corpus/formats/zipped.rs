//! Reading the parts of a zip container (DOCX, XLSX, ODS) within bounds:
//! a part is inflated only as far as [`MAX_DOCX_PART_BYTES`], and one past
//! [`DOCX_RATIO_FROM_BYTES`] only if it inflates at most [`MAX_DOCX_RATIO`]
//! times (a zip bomb is refused from the sizes it declares, and a lie is
//! caught while inflating).

use std::io::{Cursor, Read};

use super::encoding::decode_with_bom;
use super::{
    collapse_whitespace, reason, DOCX_RATIO_FROM_BYTES, MAX_DOCX_PART_BYTES, MAX_DOCX_RATIO,
};

/// Read one zip entry as text (UTF-8, or UTF-16 with BOM), at most MAX_DOCX_PART_BYTES.
pub(super) fn read_part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<String, String> {
    let mut raw = Vec::new();
    inflate_part(zip.by_name(name).map_err(reason)?, &mut raw)?;
    Ok(match decode_with_bom(&raw) {
        Some((text, _)) => text,
        None => match String::from_utf8(raw) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
    })
}

/// The text of one part of a zip archive, with [`read_part`]'s bounds.
pub(super) fn zip_part(bytes: &[u8], name: &str) -> Result<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| reason(format!("not a valid zip archive ({e})")))?;
    read_part(&mut zip, name)
}

/// Inflate every part of a zip archive whose name `wanted` takes into
/// nothing, counting, with [`read_part`]'s bounds: a reader that inflates
/// parts itself without bounds (calamine) may then read them.
pub(super) fn check_zip_parts(bytes: &[u8], wanted: impl Fn(&str) -> bool) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| reason(format!("not a valid zip archive ({e})")))?;
    for i in 0..zip.len() {
        let file = zip.by_index(i).map_err(reason)?;
        if wanted(file.name()) {
            let name = file.name().to_string();
            inflate_part(file, &mut std::io::sink()).map_err(|why| format!("{name}: {why}"))?;
        }
    }
    Ok(())
}

/// Inflate one zip part into `sink`, refusing one larger than
/// [`MAX_DOCX_PART_BYTES`] or, past [`DOCX_RATIO_FROM_BYTES`], inflating
/// more than [`MAX_DOCX_RATIO`] times.
fn inflate_part(
    file: zip::read::ZipFile<'_, Cursor<&[u8]>>,
    sink: &mut impl std::io::Write,
) -> Result<(), String> {
    // The sizes the entry declares, before inflating anything (a lie is
    // caught by the cap while reading).
    let (declared, compressed) = (file.size(), file.compressed_size());
    if declared > MAX_DOCX_PART_BYTES {
        return Err(format!(
            "part declares {} MiB uncompressed (limit {} MiB)",
            declared >> 20,
            MAX_DOCX_PART_BYTES >> 20
        ));
    }
    if declared > DOCX_RATIO_FROM_BYTES && declared / compressed.max(1) > MAX_DOCX_RATIO {
        return Err(format!(
            "part inflates {} times (limit {MAX_DOCX_RATIO}): a zip bomb?",
            declared / compressed.max(1)
        ));
    }
    let inflated = std::io::copy(&mut file.take(MAX_DOCX_PART_BYTES + 1), sink)
        .map_err(|e| reason(format!("cannot decompress ({e})")))?;
    if inflated > MAX_DOCX_PART_BYTES {
        return Err(format!(
            "part larger than {} MiB uncompressed",
            MAX_DOCX_PART_BYTES >> 20
        ));
    }
    Ok(())
}

/// `<dc:title>` of a metadata part: DOCX docProps/core.xml, OpenDocument meta.xml.
pub(super) fn dc_title(core: &str) -> Option<String> {
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
