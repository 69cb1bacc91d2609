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

mod line;

use crate::normalize::is_cjk;
pub use line::clean_line;
use line::*;

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

/// Width of a line as printed: a CJK character is one em, Latin letters and
/// digits half of one.
fn visual_width(text: &str) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
        .sum()
}

/// Lines either side of a line whose widths give its local column width.
const COLUMN_WINDOW: usize = 12;

/// The column width around each line, or None for each line when the text is
/// not set in narrow newspaper columns (median line under 30 characters, every
/// line hard-wrapped).
fn column_widths(lines: &[Line]) -> Vec<Option<f32>> {
    // Most texts have too few lines to tell: no widths measured then.
    if lines.iter().filter(|l| l.heading.is_none()).count() < 20 {
        return vec![None; lines.len()];
    }
    let widths: Vec<Option<f32>> = lines
        .iter()
        .map(|l| l.heading.is_none().then(|| visual_width(&l.text)))
        .collect();
    let mut all: Vec<f32> = widths.iter().flatten().copied().collect();
    all.sort_by(f32::total_cmp);
    if all[all.len() / 2] > 30.0 {
        return vec![None; lines.len()];
    }
    (0..lines.len())
        .map(|i| {
            let from = i.saturating_sub(COLUMN_WINDOW);
            let to = (i + COLUMN_WINDOW + 1).min(lines.len());
            let mut near: Vec<f32> = widths[from..to].iter().flatten().copied().collect();
            near.sort_by(f32::total_cmp);
            near.get(near.len() / 2).copied()
        })
        .collect()
}

/// Whether a standalone line reads as a headline rather than text. In a
/// narrow column only a clearly short line qualifies: a full-width line
/// without a full stop is just wrapped text.
fn looks_like_heading(text: &str, column: Option<f32>) -> bool {
    let n = text.chars().count();
    if n == 0
        || n > 36
        || ends_sentence(text)
        || has_clause_punct(text)
        || is_caption(text)
        || is_article_opening(text)
    {
        return false;
    }
    if text.starts_with('—') || text.ends_with("——") {
        return true;
    }
    match column {
        Some(width) => {
            visual_width(text) < width * 0.8
                || has_phrase_space(text)
                || outside_column(text, column)
        }
        None => true,
    }
}

/// A kicker line above a headline: `在…中获评综合优秀，山东援藏——`.
fn is_kicker(text: &str) -> bool {
    text.ends_with("——") && text.chars().count() <= 60
}

/// A photo credit: `本报记者 李梅英 摄`.
fn is_photo_credit(text: &str) -> bool {
    text.ends_with('摄') && text.chars().count() <= 20 && !has_clause_punct(text)
}

/// Clean a whole decoded report into articles.
pub fn clean(raw: &str) -> Vec<Article> {
    let raw: std::borrow::Cow<str> = if raw.contains('\r') {
        raw.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        raw.into()
    };
    let lines: Vec<Line> = raw.lines().filter_map(parse_line).collect();
    let columns = column_widths(&lines);
    let blocks = join_lines(&lines, &columns);
    let articles = split_articles(blocks);
    assign_page_tail(articles)
}

/// Whether a line, in a narrow column, stands outside the column flow
/// (a caption or headline set wider than the text).
fn outside_column(text: &str, column: Option<f32>) -> bool {
    column.is_some_and(|w| visual_width(text) > w * 1.4)
}

fn join_lines(lines: &[Line], columns: &[Option<f32>]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // Whether the last block may still be continued by the next line.
    let mut open = false;
    // Whether the last block is a wide line outside the column, which may
    // wrap once onto a short closing line (a caption set across columns).
    let mut wide_open = false;
    for (line, &column) in lines.iter().zip(columns) {
        let text = &line.text;
        let starts_new = line.heading.is_some()
            || line.list_item
            || is_article_opening(text)
            || is_byline(text)
            || text.starts_with("——")
            || outside_column(text, column);
        let closes_wide =
            wide_open && ends_sentence(text) && visual_width(text) < column.unwrap_or(0.0);
        if (open && !starts_new) || closes_wide {
            if let Some(last) = blocks.last_mut() {
                join_text(&mut last.text, text);
                open = !ends_sentence(&last.text) && !outside_column(text, column) && !closes_wide;
                wide_open = false;
                continue;
            }
        }
        if is_photo_credit(text) {
            // The credit closes the caption above it.
            if let Some(last) = blocks
                .last_mut()
                .filter(|b| b.kind != BlockKind::Byline && b.text.chars().count() <= 160)
            {
                last.kind = BlockKind::Caption;
                last.text.push(' ');
                last.text.push_str(text);
                open = false;
                wide_open = false;
                continue;
            }
        }
        let kind = if let Some(level) = line.heading {
            BlockKind::Heading { level }
        } else if is_kicker(text) {
            BlockKind::Heading { level: 2 }
        } else if is_byline(text) || is_author_line(text, blocks.last()) {
            BlockKind::Byline
        } else if is_caption(text) || line.list_item {
            BlockKind::Caption
        } else {
            BlockKind::Paragraph
        };
        open = kind == BlockKind::Paragraph
            && !ends_sentence(text)
            && !looks_like_heading(text, column)
            && !outside_column(text, column);
        wide_open =
            kind == BlockKind::Paragraph && outside_column(text, column) && !ends_sentence(text);
        blocks.push(Block {
            kind,
            text: text.clone(),
        });
    }
    for block in &mut blocks {
        // Phrase spaces told headlines apart; the text itself does not keep them.
        if block.text.contains(' ') {
            block.text = remove_phrase_spaces(&block.text);
        }
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

/// An author's bare name (2–4 characters) right under a headline: `高飞`.
fn is_author_line(text: &str, previous: Option<&Block>) -> bool {
    let n = text.chars().count();
    (2..=4).contains(&n)
        && text.chars().all(is_cjk)
        && previous.is_some_and(|b| matches!(b.kind, BlockKind::Heading { level } if level <= 2))
}

/// Character bigrams of a text, for matching headlines to articles.
fn bigrams(text: &str) -> std::collections::HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| is_cjk(*c)).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// On a newspaper page the headlines and captions of several articles often
/// come last, after all the body text. Give each trailing headline group (and
/// the caption that follows it) to the article whose text it matches best,
/// as that article's title when it has none. Unmatched blocks stay put.
fn assign_page_tail(mut articles: Vec<Article>) -> Vec<Article> {
    if articles.len() < 2 {
        return articles;
    }
    let last = articles.len() - 1;
    // The tail starts after the last paragraph that ends a sentence and is
    // longer than a caption.
    let blocks = &articles[last].blocks;
    let Some(tail_start) = blocks
        .iter()
        .rposition(|b| {
            b.kind == BlockKind::Paragraph && ends_sentence(&b.text) && b.text.chars().count() > 60
        })
        .map(|i| i + 1)
    else {
        return articles;
    };
    let tail: Vec<Block> = articles[last].blocks.split_off(tail_start);
    let texts: Vec<std::collections::HashSet<(char, char)>> = articles
        .iter()
        .map(|a| bigrams(&a.blocks.iter().map(|b| b.text.as_str()).collect::<String>()))
        .collect();
    let mut groups: Vec<Vec<Block>> = Vec::new();
    for block in tail {
        let starts_group = matches!(block.kind, BlockKind::Heading { .. })
            && groups.last().is_none_or(|g| {
                !g.iter()
                    .all(|b| matches!(b.kind, BlockKind::Heading { .. }))
            });
        if starts_group || groups.is_empty() {
            groups.push(vec![block]);
        } else if let Some(g) = groups.last_mut() {
            g.push(block);
        }
    }
    for group in groups {
        // Match on the headline only; a caption in the group is often about another topic.
        let headline_text: String = group
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Heading { .. }))
            .map(|b| b.text.as_str())
            .collect();
        let grams = bigrams(if headline_text.is_empty() {
            &group[0].text
        } else {
            &headline_text
        });
        let best = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    i,
                    grams.iter().filter(|g| t.contains(g)).count() as f32
                        / grams.len().max(1) as f32,
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, score)) if score >= 0.5 => {
                let article = &mut articles[i];
                let headline: Vec<String> = group
                    .iter()
                    .filter(|b| matches!(b.kind, BlockKind::Heading { .. }))
                    .map(|b| b.text.clone())
                    .collect();
                if article.title.is_none() && !headline.is_empty() {
                    article.title = Some(headline.join(" "));
                }
                let position = article
                    .blocks
                    .iter()
                    .position(|b| b.kind != BlockKind::Heading { level: 3 })
                    .unwrap_or(0);
                let (headings, rest): (Vec<Block>, Vec<Block>) = group
                    .into_iter()
                    .partition(|b| matches!(b.kind, BlockKind::Heading { .. }));
                for (k, h) in headings.into_iter().enumerate() {
                    article.blocks.insert(position + k, h);
                }
                article.blocks.extend(rest);
            }
            _ => articles[last].blocks.extend(group),
        }
    }
    articles
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
            // A kicker (`…山东援藏——`) leads into the headline; it is not the title.
            let title = blocks.iter().find_map(|b| match b.kind {
                BlockKind::Heading { level } if level <= 2 && !is_kicker(&b.text) => {
                    Some(b.text.clone())
                }
                _ => None,
            });
            let title = title.or_else(|| {
                blocks
                    .iter()
                    .find(|b| matches!(b.kind, BlockKind::Heading { .. }) && !is_kicker(&b.text))
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
    fn clean_lines_are_left_as_they_are() {
        // The shortcut of `clean_line` must agree with a full pass, for every
        // character of the BMP among CJK text and next to Latin.
        for c in ('\0'..='\u{FFFF}').filter(|c| !c.is_control() || *c == '\t') {
            for line in [format!("甲{c}乙"), format!("a{c}"), c.to_string()] {
                if is_clean(&line) {
                    assert_eq!(clean_line_once(&line), line, "{c:?}");
                }
            }
        }
        assert!(is_clean("拉萨经开区，2020年：完成？"));
        for line in ["a b", "Ｏ２Ｏ", "甲\u{3000}乙", "**甲**", "甲\u{A0}"] {
            assert!(!is_clean(line), "{line}");
        }
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
