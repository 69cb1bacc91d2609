//! Character decoding of text formats: BOMs (UTF-8, UTF-16, UTF-32), strict UTF-8, nearly-UTF-8, and
//! otherwise GB18030/GBK, Big5 and the other legacy encodings guessed by `chardetng`.

use encoding_rs::Encoding;

use super::ExtractError;

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
    if let Some(text) = utf8_with_gbk_lines(bytes) {
        check_decoded(&text)?;
        return Ok((text, MIXED_UTF8_GBK));
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
pub(super) fn decode_with_bom(bytes: &[u8]) -> Option<(String, &'static str)> {
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

/// The encoding name of text that is UTF-8 with some lines in GB18030/GBK.
pub const MIXED_UTF8_GBK: &str = "UTF-8 with GB18030 lines";

/// Text that is mostly UTF-8 with some lines in GB18030/GBK (a file pasted
/// together from two sources), decoded line by line: valid UTF-8 lines as
/// they are, the others as GB18030 when that decodes them without error,
/// else with U+FFFD for the bad bytes. `None` unless at least as many
/// non-ASCII bytes sit in valid UTF-8 lines as in the others, and most of
/// the others decode as GB18030.
fn utf8_with_gbk_lines(bytes: &[u8]) -> Option<String> {
    // A line is GBK when it is not UTF-8, GB18030 decodes it without error,
    // and most of its non-ASCII bytes do not form UTF-8 characters (a UTF-8
    // line with one damaged byte stays UTF-8).
    let is_gbk = |line: &[u8]| {
        let mut utf8_high = 0;
        let mut high = 0;
        for chunk in line.utf8_chunks() {
            utf8_high += chunk.valid().bytes().filter(|b| !b.is_ascii()).count();
            high += chunk.valid().bytes().filter(|b| !b.is_ascii()).count();
            high += chunk.invalid().len();
        }
        utf8_high * 2 < high
            && encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(line)
                .is_some()
    };
    let (mut utf8_bytes, mut gbk_bytes) = (0, 0);
    for line in bytes.split(|b| *b == b'\n') {
        let high = line.iter().filter(|b| !b.is_ascii()).count();
        if std::str::from_utf8(line).is_ok() {
            utf8_bytes += high;
        } else if is_gbk(line) {
            gbk_bytes += high;
        }
    }
    if gbk_bytes == 0 || utf8_bytes < gbk_bytes {
        return None;
    }
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(s) => out.push_str(s),
            Err(_) if is_gbk(line) => {
                let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(line);
                out.push_str(&text);
            }
            Err(_) => out.push_str(&String::from_utf8_lossy(line)),
        }
    }
    Some(out)
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
pub(super) fn check_decoded(text: &str) -> Result<(), ExtractError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::formats::test_support::*;
    use crate::corpus::formats::Format;

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
    fn utf8_with_some_gbk_lines_is_decoded_line_by_line() {
        let utf8 = format!("{TITLE}\n{SENTENCE_1}\n");
        let mut bytes = utf8.repeat(3).into_bytes();
        bytes.extend(gbk(&format!("{SENTENCE_2}\n")));
        bytes.extend(utf8.as_bytes());
        let (text, encoding) = decode_text(&bytes).unwrap();
        assert_eq!(encoding, MIXED_UTF8_GBK);
        assert_eq!(text, format!("{}{SENTENCE_2}\n{utf8}", utf8.repeat(3)));
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
}
