//! Content sniffing: what the first bytes of a file say it is (magic bytes, an HTML prologue).

use super::find_bytes;

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Sniff {
    Pdf,
    Zip,
    /// An OLE compound file (Office 97–2003, or an encrypted Office 2007+ document): [`ole_kind`].
    Ole,
    Binary(&'static str),
    Unsupported(&'static str),
    Unknown,
}

pub(super) fn sniff(b: &[u8], ext: &str) -> Sniff {
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
        return Sniff::Ole;
    }
    if b.starts_with(b"{\\rtf") {
        // Not read: catdoc, the one tool at hand, takes Word's Chinese RTF
        // (`\uc2\u25588\'d4\'ae`) apart wrongly and no GBK escapes at all.
        return Sniff::Unsupported("rtf document (save it as .docx)");
    }
    if b.starts_with(b"%!PS") {
        return Sniff::Unsupported("postscript document");
    }
    if b.starts_with(b"AT&TFORM") {
        return Sniff::Unsupported("djvu document");
    }
    Sniff::Unknown
}

/// What an OLE compound file holds, by the names of its streams.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ole {
    /// An encrypted Office 2007+ document (`EncryptedPackage`).
    Encrypted,
    /// An Excel 97–2003 workbook (`Workbook`, or `Book` for Excel 5).
    Workbook,
    /// A Word 97–2003 document, or a WPS file in Word's container (`WordDocument`).
    WordDocument,
    Other,
}

/// What an OLE file holds. Stream names are UTF-16LE in the directory
/// sectors; looking for them in the whole file is cheap next to reading it.
/// A document with an embedded workbook (or the reverse) has both streams:
/// its extension tells which it is.
pub(super) fn ole_kind(b: &[u8], ext: &str) -> Ole {
    let has = |name: &str| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        // A directory entry's name ends with a NUL character.
        let entry = [utf16.as_slice(), &[0, 0]].concat();
        find_bytes(b, &entry).is_some()
    };
    if has("EncryptedPackage") {
        Ole::Encrypted
    } else {
        let book = has("Workbook") || has("Book");
        let word = has("WordDocument");
        match (word, book) {
            (true, true) if ext == "xls" => Ole::Workbook,
            (true, _) => Ole::WordDocument,
            (false, true) => Ole::Workbook,
            (false, false) => Ole::Other,
        }
    }
}

/// Whether the (ASCII-compatible) start of `b` is an HTML document: after an optional UTF-8 BOM,
/// whitespace, comments, an XML declaration, comes `<!doctype html` or `<html` (or `<head`).
pub(super) fn looks_like_html(b: &[u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use crate::corpus::formats::test_support::*;
    use crate::corpus::formats::{ExtractError, Format};

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
            ExtractError::Unsupported("rtf document (save it as .docx)".into())
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
    fn html_content_wins_over_txt_extension_but_plain_angle_text_stays_text() {
        let e = ok(
            "saved.txt",
            b"\n  <!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><html><p>x &amp; y</p>",
        );
        assert_eq!((e.text.as_str(), e.format), ("x & y", Format::Html));
        let text = "<援藏> 项目 a<b>c";
        assert_eq!(ok("notes.txt", text.as_bytes()).text, text);
    }
}
