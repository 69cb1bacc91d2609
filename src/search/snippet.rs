//! Snippets measured in characters: the best window of a paragraph, whole
//! characters only, HTML-escaped, with `<mark>` around every matched term.

use crate::normalize::fold;

/// Target window length in characters.
pub const WINDOW: usize = 110;

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Character ranges of `text` where any of `terms` (folded) occurs, merged.
pub fn match_ranges(text: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let folded: Vec<char> = fold(text).chars().collect();
    let mut ranges = Vec::new();
    for term in terms {
        let needle: Vec<char> = term.chars().collect();
        if needle.is_empty() || needle.len() > folded.len() {
            continue;
        }
        let mut i = 0;
        while i + needle.len() <= folded.len() {
            if folded[i..i + needle.len()] == needle[..] {
                ranges.push((i, i + needle.len()));
                i += needle.len();
            } else {
                i += 1;
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Mark every range in the whole text.
pub fn highlight(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    render(&chars, 0, chars.len(), &match_ranges(text, terms))
}

fn render(chars: &[char], start: usize, end: usize, ranges: &[(usize, usize)]) -> String {
    let mut out = String::new();
    let mut pos = start;
    for &(s, e) in ranges {
        let (s, e) = (s.max(start), e.min(end));
        if s >= e {
            continue;
        }
        out.push_str(&escape_html(&chars[pos..s].iter().collect::<String>()));
        out.push_str("<mark>");
        out.push_str(&escape_html(&chars[s..e].iter().collect::<String>()));
        out.push_str("</mark>");
        pos = e;
    }
    if pos < end {
        out.push_str(&escape_html(&chars[pos..end].iter().collect::<String>()));
    }
    out
}

/// The snippet of a paragraph: the whole paragraph when short, otherwise the
/// window of about [`WINDOW`] characters holding the most distinct matches,
/// with `…` where text is cut.
pub fn snippet(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let ranges = match_ranges(text, terms);
    if chars.len() <= WINDOW + 10 {
        return render(&chars, 0, chars.len(), &ranges);
    }
    let folded: Vec<char> = fold(text).chars().collect();
    // Score each candidate start (each match start, nudged back for context)
    // by distinct terms in the window, then by match count.
    let mut best = (0usize, 0usize, 0usize);
    for &(s, _) in &ranges {
        let start = s.saturating_sub(WINDOW / 5).min(chars.len() - WINDOW);
        let end = start + WINDOW;
        let inside: Vec<&(usize, usize)> = ranges
            .iter()
            .filter(|r| r.0 >= start && r.1 <= end)
            .collect();
        let mut distinct: Vec<String> = inside
            .iter()
            .map(|r| folded[r.0..r.1].iter().collect())
            .collect();
        distinct.sort();
        distinct.dedup();
        let score = (distinct.len(), inside.len());
        if (score.0, score.1) > (best.1, best.2) {
            best = (start, score.0, score.1);
        }
    }
    let end = (best.0 + WINDOW).min(chars.len());
    let mut start = best.0;
    // Prefer to start at a clause boundary a little before the window; the
    // end stays put, so the window only grows.
    if start > 0 {
        if let Some(b) = (start.saturating_sub(15)..start)
            .rev()
            .find(|&i| matches!(chars[i], '。' | '，' | '；' | '！' | '？'))
        {
            start = b + 1;
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&render(&chars, start, end, &ranges));
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_paragraph_is_whole_and_marked() {
        assert_eq!(
            snippet("开展饮用水检测。", &terms(&["饮用水", "检测"])),
            "开展<mark>饮用水检测</mark>。"
        );
    }

    #[test]
    fn long_paragraph_window_whole_chars_with_ellipses() {
        let text = format!(
            "{}拉萨海关免费检测饮用水{}",
            "前".repeat(300),
            "后".repeat(300)
        );
        let s = snippet(&text, &terms(&["检测"]));
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<mark>检测</mark>"));
        let plain = s.replace("<mark>", "").replace("</mark>", "");
        assert!(plain.chars().count() <= WINDOW + 17);
    }

    #[test]
    fn escapes_and_matches_traditional_and_fullwidth() {
        assert_eq!(
            snippet("<b>醫療</b>", &terms(&["医疗"])),
            "&lt;b&gt;<mark>醫療</mark>&lt;/b&gt;"
        );
        assert_eq!(
            snippet("建成Ｏ２Ｏ中心", &terms(&["o2o"])),
            "建成<mark>Ｏ２Ｏ</mark>中心"
        );
    }

    #[test]
    fn multibyte_boundaries_never_split() {
        let text = "𠀀".repeat(500) + "援藏";
        let s = snippet(&text, &terms(&["援藏"]));
        assert!(s.contains("<mark>援藏</mark>"));
    }
}
