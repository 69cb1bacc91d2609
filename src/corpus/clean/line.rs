//! Cleaning one line: full-width letters and digits to half-width, OCR
//! spaces between CJK characters removed, markdown emphasis stripped, and
//! the tests that tell a line's role (page furniture, page marker, byline,
//! caption, article opening, sentence end).

use crate::normalize::{halfwidth_alnum, is_cjk, is_cjk_punct};

/// Clean one line: half-width letters and digits, no OCR spaces, no markdown
/// emphasis. Idempotent.
///
/// ```
/// use aidsearch::corpus::clean::clean_line;
/// assert_eq!(clean_line("力 推 进 电 子 商 务 助 推 扶 贫"), "力推进电子商务助推扶贫");
/// assert_eq!(clean_line("开发 O2O 展销中心 5 个"), "开发 O2O 展销中心5个");
/// ```
pub fn clean_line(line: &str) -> String {
    if is_clean(line) {
        return line.to_string();
    }
    // One pass can join segments and so change how OCR-spaced the line looks
    // to the next pass; repeat until nothing changes (spaces only ever go, so
    // this ends), which makes the function idempotent.
    let mut cleaned = clean_line_once(line);
    for _ in 0..4 {
        if !cleaned.contains(' ') {
            break;
        }
        let again = clean_line_once(&cleaned);
        if again == cleaned {
            break;
        }
        cleaned = again;
    }
    cleaned
}

/// Whether [`clean_line`] leaves `line` as it is: without spaces, tabs,
/// emphasis markers or the characters a pass replaces, a pass is the identity
/// (one segment, nothing mapped). Most lines of running Chinese text are like
/// that, and this byte scan is far cheaper than a pass.
pub(super) fn is_clean(line: &str) -> bool {
    // The bytes that may start something a pass changes; every other byte
    // (CJK text, most ASCII) is passed over with one table lookup.
    const SUSPECT: [bool; 256] = {
        let mut table = [false; 256];
        let mut k = 0;
        while k < 8 {
            table[[b' ', b'\t', b'*', b'_', 0xC2, 0xE2, 0xE3, 0xEF][k] as usize] = true;
            k += 1;
        }
        table
    };
    let bytes = line.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        !SUSPECT[b as usize]
            || match b {
                b' ' | b'\t' | b'*' | b'_' => false,
                // U+00A0
                0xC2 => bytes.get(i + 1) != Some(&0xA0),
                // U+200B
                0xE2 => bytes.get(i + 1..i + 3) != Some(&[0x80, 0x8B][..]),
                // U+3000
                0xE3 => bytes.get(i + 1..i + 3) != Some(&[0x80, 0x80][..]),
                // U+FEFF, and full-width digits and letters
                0xEF => !matches!(
                    bytes.get(i + 1..i + 3),
                    Some([0xBB, 0xBF] | [0xBC, 0x90..=0x99 | 0xA1..=0xBA] | [0xBD, 0x81..=0x9A])
                ),
                _ => true,
            }
    })
}

/// One pass of [`clean_line`].
pub(super) fn clean_line_once(line: &str) -> String {
    let line = line.replace(['\u{FEFF}', '\u{200B}', '\u{00A0}'], " ");
    let line = strip_emphasis(&line);
    let line: String = line
        .chars()
        .map(|c| {
            if c == '\u{3000}' || c == '\t' {
                ' '
            } else {
                halfwidth_alnum(c)
            }
        })
        .collect();
    let segments: Vec<&str> = line.split(' ').filter(|s| !s.is_empty()).collect();
    let cjk_len = |s: &str| s.chars().filter(|c| is_cjk(*c)).count();
    // OCR spacing puts a space after almost every character; a headline puts
    // one between phrases (`突出重点 多措并举`), and that one is kept.
    let with_cjk = segments.iter().filter(|s| cjk_len(s) > 0).count();
    let single = segments.iter().filter(|s| cjk_len(s) == 1).count();
    let ocr_spaced = with_cjk >= 4 && single * 2 >= with_cjk;
    let mut out = String::with_capacity(line.len());
    for (k, segment) in segments.iter().enumerate() {
        if k > 0 {
            let before = out.chars().last().unwrap_or(' ');
            let after = segment.chars().next().unwrap_or(' ');
            let phrase_space = !ocr_spaced
                && is_cjk(before)
                && is_cjk(after)
                && cjk_len(segments[k - 1]) >= 2
                && cjk_len(segment) >= 2;
            if phrase_space || !space_is_noise(before, after) {
                out.push(' ');
            }
        }
        out.push_str(segment);
    }
    out
}

/// Drop the spaces between CJK characters that [`clean_line`] kept as
/// phrase separators.
pub(super) fn remove_phrase_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_cjk = c == ' '
            && i > 0
            && chars
                .get(i + 1)
                .is_some_and(|n| is_cjk(*n) || is_cjk_punct(*n))
            && (is_cjk(chars[i - 1]) || is_cjk_punct(chars[i - 1]));
        if !between_cjk {
            out.push(c);
        }
    }
    out
}

/// A space between CJK phrases, as headlines set them (`突出重点 多措并举`).
pub(super) fn has_phrase_space(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(3)
        .any(|w| is_cjk(w[0]) && w[1] == ' ' && is_cjk(w[2]))
}

/// A space between these two characters is OCR or typesetting noise.
pub(super) fn space_is_noise(before: char, after: char) -> bool {
    let wide = |c: char| is_cjk(c) || is_cjk_punct(c);
    (wide(before) && (wide(after) || after.is_ascii_digit() || after == '%'))
        || (wide(after) && (before.is_ascii_digit() || before == '%'))
}

/// Remove markdown emphasis markers (`**x**`, `__x__`) and empty emphasis.
pub(super) fn strip_emphasis(line: &str) -> String {
    line.replace("**", "").replace("__", "")
}

/// Lines that belong to the page, not the report: app adverts, QR codes,
/// page markers.
pub(super) fn is_furniture(line: &str) -> bool {
    let n = line.chars().count();
    if n == 0 {
        return true;
    }
    if !line.chars().any(|c| is_cjk(c) || c.is_ascii_alphanumeric()) {
        return true;
    }
    let short = n <= 24;
    (short
        && (line.contains("客户端")
            || line.contains("二维码")
            || line.contains("微信")
            || line.starts_with("扫描")))
        || (short
            && (line == "更多内容" || line.starts_with("更多内容") || line.contains("查看更多")))
        || is_page_marker(line)
}

/// `第3版`, `A2`, `- 3 -`, `03` and the like.
pub(super) fn is_page_marker(line: &str) -> bool {
    let kept = line.chars().filter(|c| !c.is_whitespace() && *c != '-');
    // A marker has at most six characters besides spaces and dashes; most
    // lines are text, told apart without copying them.
    if kept.clone().nth(6).is_some() {
        return false;
    }
    let t: String = kept.collect();
    if t.is_empty() {
        return true;
    }
    let n = t.chars().count();
    (t.starts_with('第') && t.ends_with('版') && n <= 6)
        || (n <= 3 && t.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Sentence-final punctuation, possibly followed by closing quotes or brackets.
pub(super) fn ends_sentence(text: &str) -> bool {
    for c in text.chars().rev() {
        match c {
            '”' | '’' | '」' | '』' | '）' | ')' | '"' | '》' => continue,
            '。' | '！' | '？' | '!' | '?' | '；' | '…' | '.' => return true,
            _ => return false,
        }
    }
    false
}

/// Internal punctuation that a title rarely has.
pub(super) fn has_clause_punct(text: &str) -> bool {
    text.contains(['，', '。', '；', ',', '：'])
}

/// `本报拉萨讯（记者 …）`: the opening of a newspaper article.
pub(super) fn is_article_opening(line: &str) -> bool {
    if !line.starts_with("本报") {
        return false;
    }
    let head: String = line.chars().take(12).collect();
    head.contains('讯') || head.contains('电')
}

/// A reporter or author line: `本报记者 王菲`, `记者 王晓明 王兵`, `通讯员 陈少勇`.
pub(super) fn is_byline(line: &str) -> bool {
    let n = line.chars().count();
    if n > 30 || has_clause_punct(line) || ends_sentence(line) || line.ends_with('摄') {
        return false;
    }
    [
        "本报记者",
        "记者",
        "通讯员",
        "特约记者",
        "文/",
        "文／",
        "作者",
    ]
    .iter()
    .any(|p| line.starts_with(p))
}

/// A photo caption or photo credit.
pub(super) fn is_caption(line: &str) -> bool {
    let trimmed = line.trim_end_matches(['。', ' ']);
    trimmed.ends_with('摄')
        || trimmed.ends_with("资料照片")
        || trimmed.ends_with("资料图片")
        || trimmed.ends_with("（资料图片）")
        || trimmed.ends_with("合影")
        || trimmed.ends_with("留影")
        // One search for 图 rules out the three phrases for most lines.
        || (line.contains('图')
            && (line.starts_with("图为") || line.contains("。图为") || line.contains("图片由")))
        || line.starts_with(['①', '②', '③', '④', '⑤', '⑥', '⑦', '⑧', '⑨', '⑩'])
}
