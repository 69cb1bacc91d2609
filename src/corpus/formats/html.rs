//! HTML: the declared or detected charset, a small tolerant tag scanner (scripts and styles skipped,
//! block elements as paragraph breaks, h1–h3 as headings) and character references.

use std::borrow::Cow;

use encoding_rs::Encoding;

use super::encoding::{check_decoded, decode_text};
use super::{collapse_whitespace, find_bytes, ExtractError, Extracted, Format, Paragraphs};

pub(super) fn extract_html(bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let (text, encoding) = decode_html(bytes)?;
    html_document(&text, encoding)
}

pub(super) fn html_document(text: &str, encoding: &'static str) -> Result<Extracted, ExtractError> {
    let (body, title) = html_to_text(text);
    if body.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(Extracted {
        text: body,
        title,
        format: Format::Html,
        encoding,
        warnings: Vec::new(),
        rows: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::formats::test_support::*;
    use crate::corpus::formats::{extract, ExtractError, Format};
    use std::path::Path;

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
}
