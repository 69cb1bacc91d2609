//! Sector labels from a reviewed, weighted lexicon (`data/sectors.toml`).
//!
//! A paragraph gets every sector whose words add up to the threshold, so
//! labels are multi-label and never hang on one stray keyword.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

/// The sector values, in display order. Reports from any source use exactly these.
pub const SECTORS: [&str; 12] = [
    "产业发展",
    "商贸流通",
    "教育",
    "医疗卫生",
    "基础设施",
    "科技创新",
    "人才培训",
    "文化旅游",
    "生态环保",
    "就业与搬迁",
    "党建与管理",
    "综合",
];

/// Score at which a sector is assigned.
const THRESHOLD: f32 = 2.0;
/// Score at which the best sector is assigned when none reaches the threshold.
const FALLBACK: f32 = 1.0;
/// This many sectors at once make a paragraph an overview (综合).
const OVERVIEW: usize = 4;

struct Lexicon {
    matcher: AhoCorasick,
    /// For each pattern: (sector index, weight, word).
    entries: Vec<(usize, f32, String)>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let table: BTreeMap<String, BTreeMap<String, f32>> =
            toml::from_str(include_str!("../../data/sectors.toml"))
                .expect("data/sectors.toml is valid");
        let mut patterns = Vec::new();
        let mut entries = Vec::new();
        for (sector, words) in &table {
            let index = SECTORS
                .iter()
                .position(|s| s == sector)
                .unwrap_or_else(|| panic!("unknown sector {sector} in data/sectors.toml"));
            for (word, weight) in words {
                patterns.push(word.clone());
                entries.push((index, *weight, word.clone()));
            }
        }
        // Overlapping search: one word may count for several sectors (厂房).
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("sector lexicon builds");
        Lexicon { matcher, entries }
    })
}

/// Sector scores of a text, with the words behind each.
pub fn scores(text: &str) -> Vec<(usize, f32, Vec<String>)> {
    let lexicon = lexicon();
    let mut counts: BTreeMap<usize, u32> = BTreeMap::new();
    for m in lexicon.matcher.find_overlapping_iter(text) {
        *counts.entry(m.pattern().as_usize()).or_default() += 1;
    }
    let mut by_sector: BTreeMap<usize, (f32, Vec<String>)> = BTreeMap::new();
    for (pattern, count) in counts {
        let (sector, weight, word) = &lexicon.entries[pattern];
        let score = weight * if count > 1 { 1.5 } else { 1.0 };
        let entry = by_sector.entry(*sector).or_default();
        entry.0 += score;
        entry.1.push(format!("{word}×{count}"));
    }
    by_sector
        .into_iter()
        .map(|(s, (score, words))| (s, score, words))
        .collect()
}

/// The sectors of a text and the evidence for each.
pub fn classify(text: &str) -> (Vec<String>, Vec<String>) {
    let mut scored = scores(text);
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut labels: Vec<usize> = scored
        .iter()
        .filter(|s| s.1 >= THRESHOLD)
        .map(|s| s.0)
        .collect();
    if labels.is_empty() {
        if let Some(best) = scored.first().filter(|s| s.1 >= FALLBACK) {
            labels.push(best.0);
        }
    }
    let evidence = scored
        .iter()
        .filter(|s| labels.contains(&s.0))
        .map(|s| format!("{} {:.1} ← {}", SECTORS[s.0], s.1, s.2.join(" ")))
        .collect();
    let mut names: Vec<String> = labels.iter().map(|&i| SECTORS[i].to_string()).collect();
    if labels.len() >= OVERVIEW {
        names.push("综合".to_string());
    }
    (names, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stray_word_is_not_enough() {
        assert!(classify("企业代表参加了会议。").0.is_empty());
    }

    #[test]
    fn strong_words_decide() {
        let (labels, _) = classify("芒康县电子商务公共服务中心收录并展销农产品");
        assert!(labels.contains(&"商贸流通".to_string()), "{labels:?}");
        let (labels, _) = classify("援藏医生为患者实施首例腹腔镜手术");
        assert_eq!(labels, vec!["医疗卫生"]);
    }

    #[test]
    fn multi_label_and_overview() {
        let (labels, _) = classify(
            "深度谋划推进民生、产业、教育、医疗、就业、生态环境保护和旅游文化交往交流交融",
        );
        assert!(labels.contains(&"综合".to_string()), "{labels:?}");
    }

    #[test]
    fn every_lexicon_sector_is_known() {
        let _ = lexicon();
    }
}
