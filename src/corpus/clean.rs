//! Text cleaning: from a decoded report (OCR'd newspaper page, markdown, plain
//! text) to titled articles made of true paragraphs.
//!
//! Everything here is pure: no I/O, no index. The steps, in order:
//! 1. per line: full-width letters and digits to half-width, OCR spaces between
//!    CJK characters removed, markdown emphasis and list markers stripped;
//! 2. page furniture dropped (app and QR-code adverts, page markers);
//! 3. hard-wrapped lines joined back into paragraphs, using sentence-final
//!    punctuation and, for narrow newspaper columns, the column width;
//! 4. each block classified as heading, caption, byline or paragraph;
//! 5. a page split into articles where the text marks a new one.

use crate::normalize::{halfwidth_alnum, is_cjk, is_cjk_punct};

/// What a cleaned block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// A title or section heading; `level` 1 is the largest.
    Heading { level: u8 },
    /// Body text.
    Paragraph,
    /// A photo caption.
    Caption,
    /// Author or reporter line (kept as metadata, not indexed as a paragraph).
    Byline,
}

/// One cleaned block of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
}

/// One article: a title and the blocks under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The article's headline, when the text shows one.
    pub title: Option<String>,
    pub blocks: Vec<Block>,
}

/// A paragraph ready for indexing, with the heading it sits under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanParagraph {
    pub text: String,
    pub section: Option<String>,
    pub is_caption: bool,
    pub is_heading: bool,
}

impl Article {
    /// The indexable paragraphs: body text, captions and headings (staff search
    /// headlines too), each under its nearest heading. Bylines are left out.
    pub fn paragraphs(&self) -> Vec<CleanParagraph> {
        let mut section: Option<String> = None;
        let mut out = Vec::new();
        for block in &self.blocks {
            match block.kind {
                BlockKind::Heading { .. } => {
                    section = Some(block.text.clone());
                    out.push(CleanParagraph {
                        text: block.text.clone(),
                        section: None,
                        is_caption: false,
                        is_heading: true,
                    });
                }
                BlockKind::Paragraph | BlockKind::Caption => out.push(CleanParagraph {
                    text: block.text.clone(),
                    section: section.clone(),
                    is_caption: block.kind == BlockKind::Caption,
                    is_heading: false,
                }),
                BlockKind::Byline => {}
            }
        }
        out
    }

    /// Reporter and author lines.
    pub fn bylines(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Byline)
            .map(|b| b.text.as_str())
            .collect()
    }
}

/// Clean one line: half-width letters and digits, no OCR spaces, no markdown
/// emphasis. Idempotent.
///
/// ```
/// use aidsearch::corpus::clean::clean_line;
/// assert_eq!(clean_line("力 推 进 电 子 商 务 助 推 扶 贫"), "力推进电子商务助推扶贫");
/// assert_eq!(clean_line("开发 O2O 展销中心 5 个"), "开发 O2O 展销中心5个");
/// ```
pub fn clean_line(line: &str) -> String {
    let line = line.replace(['\u{FEFF}', '\u{200B}', '\u{00A0}'], " ");
    let line = strip_emphasis(&line);
    let chars: Vec<char> = line
        .chars()
        .map(|c| {
            if c == '\u{3000}' || c == '\t' {
                ' '
            } else {
                halfwidth_alnum(c)
            }
        })
        .collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            let run_end = (i..chars.len())
                .find(|&j| chars[j] != ' ')
                .unwrap_or(chars.len());
            let before = out.chars().last();
            let after = chars.get(run_end).copied();
            if let (Some(b), Some(a)) = (before, after) {
                if !space_is_noise(b, a) {
                    out.push(' ');
                }
            }
            i = run_end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out.trim().to_string()
}

/// A space between these two characters is OCR or typesetting noise.
fn space_is_noise(before: char, after: char) -> bool {
    let wide = |c: char| is_cjk(c) || is_cjk_punct(c);
    (wide(before) && (wide(after) || after.is_ascii_digit() || after == '%'))
        || (wide(after) && (before.is_ascii_digit() || before == '%'))
}

/// Remove markdown emphasis markers (`**x**`, `__x__`) and empty emphasis.
fn strip_emphasis(line: &str) -> String {
    line.replace("**", "").replace("__", "")
}

/// Lines that belong to the page, not the report: app adverts, QR codes,
/// page markers.
fn is_furniture(line: &str) -> bool {
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
fn is_page_marker(line: &str) -> bool {
    let t: String = line
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if t.is_empty() {
        return true;
    }
    let n = t.chars().count();
    (t.starts_with('第') && t.ends_with('版') && n <= 6)
        || (n <= 3 && t.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Sentence-final punctuation, possibly followed by closing quotes or brackets.
fn ends_sentence(text: &str) -> bool {
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
fn has_clause_punct(text: &str) -> bool {
    text.contains(['，', '。', '；', ',', '：'])
}

/// `本报拉萨讯（记者 …）`: the opening of a newspaper article.
fn is_article_opening(line: &str) -> bool {
    if !line.starts_with("本报") {
        return false;
    }
    let head: String = line.chars().take(12).collect();
    head.contains('讯') || head.contains('电')
}

/// A reporter or author line: `本报记者 王菲`, `记者 王晓明 王兵`, `通讯员 陈少勇`.
fn is_byline(line: &str) -> bool {
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
fn is_caption(line: &str) -> bool {
    let trimmed = line.trim_end_matches(['。', ' ']);
    trimmed.ends_with('摄')
        || trimmed.ends_with("资料照片")
        || trimmed.ends_with("资料图片")
        || trimmed.ends_with("（资料图片）")
        || line.starts_with("图为")
        || line.contains("。图为")
        || line.contains("图片由")
        || line.starts_with(['①', '②', '③', '④', '⑤', '⑥', '⑦', '⑧', '⑨', '⑩'])
}

/// A raw line after per-line cleaning, with what the markup said about it.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    heading: Option<u8>,
    list_item: bool,
}

fn parse_line(raw: &str) -> Option<Line> {
    let trimmed = raw.trim();
    let (heading, body) = match trimmed.find(|c| c != '#') {
        Some(n) if n > 0 && n <= 6 && trimmed[n..].starts_with(' ') => {
            (Some(n as u8), &trimmed[n..])
        }
        _ => (None, trimmed),
    };
    let (list_item, body) = match body.strip_prefix("- ").or_else(|| body.strip_prefix("* ")) {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let mut text = clean_line(body);
    if heading.is_some() {
        text = text.trim_start_matches('◆').trim().to_string();
    }
    if is_furniture(&text) {
        return None;
    }
    Some(Line {
        text,
        heading,
        list_item,
    })
}

/// Median character length of the lines, used to tell a narrow newspaper
/// column (every line ~15 characters, hard-wrapped) from real short lines.
fn column_width(lines: &[Line]) -> Option<usize> {
    let mut lengths: Vec<usize> = lines
        .iter()
        .filter(|l| l.heading.is_none())
        .map(|l| l.text.chars().count())
        .collect();
    if lengths.len() < 20 {
        return None;
    }
    lengths.sort_unstable();
    let median = lengths[lengths.len() / 2];
    (median <= 30).then_some(median)
}

/// Whether a standalone line reads as a headline rather than text.
fn looks_like_heading(text: &str, column: Option<usize>) -> bool {
    let n = text.chars().count();
    if n == 0 || n > 36 || ends_sentence(text) || has_clause_punct(text) || is_caption(text) {
        return false;
    }
    if text.starts_with("——") || text.starts_with('—') {
        return true;
    }
    match column {
        // In a narrow column a full-width line without a full stop is just wrapped text.
        Some(width) => n * 4 < width * 3 || n * 4 > width * 5,
        None => true,
    }
}

/// Clean a whole decoded report into articles.
pub fn clean(raw: &str) -> Vec<Article> {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<Line> = raw.lines().filter_map(parse_line).collect();
    let column = column_width(&lines);
    let blocks = join_lines(&lines, column);
    split_articles(blocks)
}

/// Whether a line, in a narrow column, stands outside the column flow
/// (a caption or headline set wider than the text).
fn outside_column(text: &str, column: Option<usize>) -> bool {
    column.is_some_and(|w| text.chars().count() * 4 > w * 5)
}

fn join_lines(lines: &[Line], column: Option<usize>) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // Whether the last block may still be continued by the next line.
    let mut open = false;
    for line in lines {
        let text = &line.text;
        let starts_new = line.heading.is_some()
            || line.list_item
            || is_article_opening(text)
            || is_byline(text)
            || text.starts_with("——")
            || outside_column(text, column);
        if open && !starts_new {
            if let Some(last) = blocks.last_mut() {
                join_text(&mut last.text, text);
                open = !ends_sentence(&last.text) && !outside_column(text, column);
                continue;
            }
        }
        let kind = if let Some(level) = line.heading {
            BlockKind::Heading { level }
        } else if is_byline(text) {
            BlockKind::Byline
        } else if is_caption(text) || line.list_item {
            BlockKind::Caption
        } else {
            BlockKind::Paragraph
        };
        open = kind == BlockKind::Paragraph
            && !ends_sentence(text)
            && (!looks_like_heading(text, column) || column.is_some())
            && !outside_column(text, column);
        blocks.push(Block {
            kind,
            text: text.clone(),
        });
    }
    for block in &mut blocks {
        if block.kind == BlockKind::Paragraph {
            if is_caption(&block.text) {
                block.kind = BlockKind::Caption;
            } else if looks_like_heading(&block.text, None) {
                block.kind = BlockKind::Heading { level: 3 };
            }
        }
    }
    blocks
}

/// Append a wrapped line, with a space only where Latin or digits meet.
fn join_text(paragraph: &mut String, next: &str) {
    let before = paragraph.chars().last();
    let after = next.chars().next();
    if let (Some(b), Some(a)) = (before, after) {
        if b.is_ascii_alphanumeric() && a.is_ascii_alphanumeric() {
            paragraph.push(' ');
        }
    }
    paragraph.push_str(next);
    let cleaned = clean_line(paragraph);
    *paragraph = cleaned;
}

/// Split a page's blocks into articles. A new article starts at a
/// `本报…讯/电` opening (taking a headline right above it as its title) and at
/// a level-1 or level-2 heading that comes with its own byline. When no such
/// mark exists the page stays one article.
fn split_articles(blocks: Vec<Block>) -> Vec<Article> {
    let mut starts: Vec<usize> = vec![0];
    for (i, block) in blocks.iter().enumerate() {
        if i == 0 {
            continue;
        }
        let start = if is_article_opening(&block.text) {
            // Pull a headline (and its subtitle) that directly precedes the opening.
            let mut s = i;
            while s > 0
                && matches!(
                    blocks[s - 1].kind,
                    BlockKind::Heading { .. } | BlockKind::Byline
                )
                && s > *starts.last().unwrap_or(&0)
                && i - s < 3
            {
                s -= 1;
            }
            Some(s)
        } else if matches!(block.kind, BlockKind::Heading { level } if level <= 2)
            && has_own_byline(&blocks, i)
        {
            let mut s = i;
            while s > 0
                && matches!(
                    blocks[s - 1].kind,
                    BlockKind::Byline | BlockKind::Heading { level: 3.. }
                )
                && s > *starts.last().unwrap_or(&0) + 1
                && i - s < 3
            {
                s -= 1;
            }
            Some(s)
        } else {
            None
        };
        if let Some(s) = start {
            if s > *starts.last().unwrap_or(&0)
                && has_body(&blocks[*starts.last().unwrap_or(&0)..s])
            {
                starts.push(s);
            }
        }
    }
    starts.push(blocks.len());
    starts
        .windows(2)
        .map(|w| {
            let blocks = blocks[w[0]..w[1]].to_vec();
            let title = blocks.iter().find_map(|b| match b.kind {
                BlockKind::Heading { level } if level <= 2 => Some(b.text.clone()),
                _ => None,
            });
            let title = title.or_else(|| {
                blocks
                    .iter()
                    .find(|b| matches!(b.kind, BlockKind::Heading { .. }))
                    .map(|b| b.text.clone())
            });
            Article { title, blocks }
        })
        .collect()
}

/// A heading at `i` has its own byline within the next two blocks or right before it.
fn has_own_byline(blocks: &[Block], i: usize) -> bool {
    let after = blocks[i + 1..]
        .iter()
        .take(2)
        .any(|b| b.kind == BlockKind::Byline);
    let before = i > 0 && blocks[i - 1].kind == BlockKind::Byline;
    after || before
}

fn has_body(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| b.kind == BlockKind::Paragraph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_ocr_spaces_between_cjk() {
        assert_eq!(
            clean_line("力 推 进 电 子 商 务 助 推 扶 贫 工 作 ，近 年"),
            "力推进电子商务助推扶贫工作，近年"
        );
        assert_eq!(
            clean_line("覆盖县域内全部 15个乡镇"),
            "覆盖县域内全部15个乡镇"
        );
    }

    #[test]
    fn keeps_spaces_between_latin_words_and_numbers() {
        assert_eq!(
            clean_line("Lhasa Customs 2020 report"),
            "Lhasa Customs 2020 report"
        );
        assert_eq!(clean_line("N·次元 APP 3.8 亿元"), "N·次元 APP 3.8亿元");
    }

    #[test]
    fn fullwidth_letters_digits_to_halfwidth_keeping_punctuation() {
        assert_eq!(clean_line("Ｏ２Ｏ展销中心，５个。"), "O2O展销中心，5个。");
    }

    #[test]
    fn clean_line_is_idempotent() {
        for s in [
            "力 推 进 电 子",
            "**记者:**进藏之初",
            "拉 萨 经 开 区 在 A B",
            "  ",
        ] {
            let once = clean_line(s);
            assert_eq!(clean_line(&once), once);
        }
    }

    #[test]
    fn drops_furniture() {
        for line in [
            "大众新闻客户端",
            "扫描“鲁中晨报”APP",
            "二维码查看",
            "更多内容",
            "第3版",
            "****",
        ] {
            assert!(parse_line(line).is_none(), "{line}");
        }
        assert!(parse_line("大众日报 微信").is_none());
        assert!(parse_line("电商服务站覆盖率达到41%").is_some());
    }

    #[test]
    fn joins_hard_wrapped_lines_but_not_paragraphs() {
        let raw = "特色产品有了地理标志后，实现了产品\n\n附加值的最大化。比如当雄牦牛肉。\n\n第二段从这里开始。";
        let articles = clean(raw);
        let paras: Vec<String> = articles[0]
            .paragraphs()
            .into_iter()
            .map(|p| p.text)
            .collect();
        assert_eq!(
            paras,
            vec![
                "特色产品有了地理标志后，实现了产品附加值的最大化。比如当雄牦牛肉。",
                "第二段从这里开始。"
            ]
        );
    }

    #[test]
    fn headings_become_sections() {
        let raw = "# 大标题\n\n## ——副标题\n\n### 小节一\n\n正文一句话。\n\n### 小节二\n\n正文二。";
        let articles = clean(raw);
        assert_eq!(articles.len(), 1);
        assert_eq!(articles[0].title.as_deref(), Some("大标题"));
        let paras = articles[0].paragraphs();
        let body: Vec<_> = paras.iter().filter(|p| !p.is_heading).collect();
        assert_eq!(body[0].section.as_deref(), Some("小节一"));
        assert_eq!(body[1].section.as_deref(), Some("小节二"));
    }

    #[test]
    fn captions_are_marked() {
        let raw = "正文在这里结束。\n\n图为该馆科普活动现场（资料图片）。\n\n本报记者 李梅英 摄";
        let paras = clean(raw)[0].paragraphs();
        assert!(paras
            .iter()
            .any(|p| p.is_caption && p.text.starts_with("图为")));
    }

    #[test]
    fn newspaper_openings_split_articles() {
        let raw = "第一篇标题\n\n本报拉萨讯（记者 甲）第一篇正文。\n\n第二篇标题\n\n本报昌都电（记者 乙）第二篇正文。";
        let articles = clean(raw);
        assert_eq!(articles.len(), 2, "{articles:#?}");
        assert_eq!(articles[1].title.as_deref(), Some("第二篇标题"));
    }
}
