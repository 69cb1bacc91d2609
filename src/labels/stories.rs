//! Compilations: a report that strings unrelated news items together, each
//! under its own headline (a broadcast's 快讯, a year's top ten). Its
//! stories are labelled as articles of their own, so a place or donor of one
//! item is not inherited by the others.
//!
//! A compilation is told by its shape, not its title: at least
//! [`MIN_HEADLINES`] headlines (short paragraphs with no comma and no end of
//! sentence), making up [`MIN_HEADLINE_SHARE`] or more of its paragraphs. In
//! a news item with sub-headings they are one paragraph in four or fewer; in
//! a compilation, every other one. On the aid subcorpus (its files'
//! blank-line paragraphs, read with a script) 480 of its 492 快讯 reports
//! qualify, and 4 of its other 4,054 reports, all strings of items too
//! (a year's top ten news, two State Council meetings' decisions, four
//! leaders each at another delegation).

use crate::corpus::{Paragraph, Report};

/// Fewest headlines in a compilation.
const MIN_HEADLINES: usize = 3;
/// Least share of a compilation's paragraphs that are headlines.
const MIN_HEADLINE_SHARE: f32 = 0.4;
/// Longest headline, in characters.
const HEADLINE_CHARS: usize = 32;

/// Whether a paragraph reads as a headline: short, with no comma and no
/// end of sentence.
fn is_headline(paragraph: &Paragraph) -> bool {
    let text = paragraph.text.trim();
    !text.is_empty()
        && text.chars().nth(HEADLINE_CHARS).is_none()
        && !text.contains(['，', ','])
        && !text.ends_with(['。', '！', '？', '；', '!', '?', ';'])
}

/// Where the stories of a compilation start (paragraph indexes, the first
/// 0); `None` when the report is no compilation. Table rows are never one.
pub fn starts(report: &Report) -> Option<Vec<usize>> {
    let paragraphs = &report.paragraphs;
    if paragraphs.iter().any(|p| p.cells.is_some()) {
        return None;
    }
    let headlines: Vec<usize> = (0..paragraphs.len())
        .filter(|&i| is_headline(&paragraphs[i]))
        .collect();
    let share = headlines.len() as f32 / paragraphs.len().max(1) as f32;
    if headlines.len() < MIN_HEADLINES || share < MIN_HEADLINE_SHARE {
        return None;
    }
    // A headline right after another is its subtitle: one story.
    let mut starts: Vec<usize> = headlines
        .iter()
        .copied()
        .filter(|&i| i == 0 || !is_headline(&paragraphs[i - 1]))
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    Some(starts)
}

/// Each story of a compilation: its title (its headline; the report's for
/// paragraphs before the first headline) and its paragraphs.
pub fn stories<'r>(report: &'r Report, starts: &[usize]) -> Vec<(&'r str, &'r [Paragraph])> {
    let paragraphs = &report.paragraphs;
    let ends = starts.iter().skip(1).copied().chain([paragraphs.len()]);
    starts
        .iter()
        .zip(ends)
        .map(|(&start, end)| {
            let title = if is_headline(&paragraphs[start]) {
                paragraphs[start].text.trim()
            } else {
                report.title.as_str()
            };
            (title, &paragraphs[start..end])
        })
        .collect()
}

/// The stories of a compilation, each as a report of its own titled by its
/// headline; `None` when the report is no compilation.
pub(super) fn split(report: &Report) -> Option<Vec<Report>> {
    let starts = starts(report)?;
    let stories = stories(report, &starts)
        .into_iter()
        .map(|(title, paragraphs)| Report {
            id: report.id.clone(),
            file: report.file.clone(),
            title: title.to_string(),
            source: report.source.clone(),
            date: report.date.clone(),
            date_note: report.date_note.clone(),
            byline: report.byline.clone(),
            paragraphs: paragraphs.to_vec(),
            content_hash: report.content_hash,
            hints: report.hints.clone(),
            access: report.access.clone(),
        })
        .collect();
    Some(stories)
}
