//! OpenDocument text (`.odt`): the headings (`text:h`, at their outline
//! level) and paragraphs (`text:p`) of content.xml in document order, and
//! the title from meta.xml.

use std::io::Cursor;

use quick_xml::events::Event;

use super::zipped::{dc_title, read_part};
use super::{collapse_whitespace, reason, ExtractError, Extracted, Format, Paragraphs};

/// The text of an OpenDocument text whose parts `zip` holds.
pub(super) fn extract_odt(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
) -> Result<Extracted, ExtractError> {
    let corrupt = |why: String| ExtractError::Corrupt("odt", reason(why));
    let content =
        read_part(zip, "content.xml").map_err(|why| corrupt(format!("content.xml: {why}")))?;
    let title = read_part(zip, "meta.xml").ok().and_then(|m| dc_title(&m));
    let mut reader = quick_xml::Reader::from_str(&content);
    let mut paragraphs = Paragraphs::default();
    // The paragraph being read, its heading level, and how deep inside
    // paragraphs the reader is (a note or a frame nests one in another:
    // its text joins the outer paragraph).
    let (mut text, mut heading, mut depth) = (String::new(), None, 0usize);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if matches!(e.local_name().as_ref(), b"p" | b"h") => {
                if depth == 0 {
                    heading = (e.local_name().as_ref() == b"h").then(|| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"outline-level")
                            .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse::<u8>().ok())
                            .unwrap_or(1)
                            .clamp(1, 3)
                    });
                }
                depth += 1;
            }
            Ok(Event::End(e)) if matches!(e.local_name().as_ref(), b"p" | b"h") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    paragraphs.push(&collapse_whitespace(&text), heading);
                    text.clear();
                }
            }
            // `text:s` (spaces), `text:tab`, `text:line-break`.
            Ok(Event::Empty(e))
                if depth > 0
                    && matches!(e.local_name().as_ref(), b"s" | b"tab" | b"line-break") =>
            {
                text.push(' ')
            }
            Ok(Event::Text(t)) if depth > 0 => match t.unescape() {
                Ok(s) => text.push_str(&s),
                Err(_) => text.push_str(&String::from_utf8_lossy(&t)),
            },
            Ok(Event::Eof) => break,
            Err(e) => return Err(corrupt(format!("content.xml: {e}"))),
            _ => {}
        }
    }
    if paragraphs.out.trim().is_empty() {
        return Err(ExtractError::NoText("odt"));
    }
    Ok(Extracted {
        text: paragraphs.out,
        title,
        format: Format::Odt,
        encoding: "binary",
        warnings: Vec::new(),
        rows: Vec::new(),
    })
}
