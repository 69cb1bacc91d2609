//! Sector labels from a reviewed, weighted lexicon (`data/sectors.toml`).
//!
//! A paragraph gets every sector whose words add up to the threshold, so
//! labels are multi-label and never hang on one weak keyword. These rules keep
//! them precise:
//! - words are matched leftmost-longest, so a word inside a longer lexicon
//!   word does not count again (`干部人才` is not also `人才`, `主题教育` not `教育`),
//!   and the masked phrases of the lexicon's `不计` table count for nothing
//!   (`发展道路` is not `道路`);
//! - words named as items of an enumeration (`教育、医疗、科研等领域`) count half:
//!   the text names the sectors rather than reports work in them;
//! - a secondary sector must reach a share of the leading one, so one stray
//!   word in a long paragraph about something else does not label it;
//! - cadre-story words (the `党建与管理·事迹` table: `扎根`, `先进事迹`) count for
//!   `党建与管理` only in a paragraph where no sector reaches the threshold
//!   without them: a story about a cadre's dedication, not about work in a sector.
//!
//! `综合` (an overview) stands alone: a paragraph is about the aid as a whole
//! or it has sectors of its own. It is assigned, in this order, when
//! - an enumeration names three or more sectors and no sector is carried by
//!   the rest of the paragraph (with four or more listed, carried means
//!   reported in depth: [`SHALLOW`]);
//! - the paragraph names three kinds of aid (`产业扶贫`, `易地扶贫搬迁`,
//!   `教育援藏`: words ending in 扶贫/援藏/援疆/援青/帮扶; and the programmes of
//!   `data/programmes.toml` named outside those words: `东西部扶贫协作`,
//!   `定点扶贫`, `驻村帮扶`) and reports no sector in depth, the names of kinds
//!   not counting as depth;
//! - three sectors reach the threshold, or five are named outside
//!   enumerations, and none is reported in depth (a speech's or a government
//!   report's list of tasks);
//! - no sector reaches the threshold and the lexicon's `综合` words (the whole
//!   programme's funds, projects and results: `援藏资金`, `脱贫摘帽`) outscore
//!   the best sector, or those words reach the threshold themselves and no
//!   sector is reported in depth;
//! - five or more sectors would be assigned at once;
//! - failing all of these, a fitted logistic model ([`OVERVIEW_MODEL`]) over
//!   how broad and shallow the evidence is (sectors named, the leader's
//!   share, depth, the 综合 words, list separators) says so: a speech's or a
//!   government report's list of tasks that the rules weigh as one or two
//!   sectors. It is fitted on the aid sets; its threshold is the best one
//!   that leaves the seed dev labels as the rules give them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

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

/// Index of `综合` in [`SECTORS`].
const OVERVIEW_SECTOR: usize = 11;
/// Score at which a sector is assigned.
const THRESHOLD: f32 = 2.0;
/// Score at which the best sector is assigned when none reaches the threshold.
const FALLBACK: f32 = 1.0;
/// A sector besides the leading one needs at least this share of its score.
const SECONDARY_SHARE: f32 = 0.4;
/// Weight factor of a word named as an item of an enumeration.
const LISTED: f32 = 0.5;
/// Factor of a word found more than once.
const REPEATED: f32 = 1.5;
/// An enumeration naming this many sectors makes an overview.
const OVERVIEW_LISTED: usize = 3;
/// This many sectors assigned at once also make an overview.
const OVERVIEW_ASSIGNED: usize = 5;
/// This many sectors with at least [`BROAD_MIN`] each make an overview ...
const OVERVIEW_BROAD: usize = 3;
/// ... when none of them scores [`SHALLOW`] or more (reported in depth).
const SHALLOW: f32 = 4.0;
/// Score at which a sector counts as named for [`OVERVIEW_BROAD`].
const BROAD_MIN: f32 = 2.0;
/// This many sectors with at least [`FALLBACK`] each, none in depth, also
/// make an overview.
const OVERVIEW_NAMED: usize = 5;
/// Longest mean length (in characters) of the inner items of an enumeration
/// (an item that is one lexicon word counts at most this long).
const SHORT_ITEM: usize = 4;

/// The table of `data/sectors.toml` whose words count for no sector: matched
/// leftmost-longest like the others, they hide the lexicon words inside them
/// (发展道路 is no road, 改革创新 no research).
const MASKS: &str = "不计";

/// The table of `data/sectors.toml` whose words (cadre stories: 扎根, 无私奉献,
/// 时代楷模) count for `党建与管理` only in a paragraph with no sector of its own.
const STORIES: &str = "党建与管理·事迹";

/// Index of `党建与管理` in [`SECTORS`].
const GOVERNANCE_SECTOR: usize = 10;

/// What one lexicon word counts for.
struct Entry {
    word: String,
    /// (sector index, weight) pairs.
    sectors: Vec<(usize, f32)>,
    /// Whether it counts only for a paragraph with no sector of its own.
    fallback_only: bool,
}

struct Lexicon {
    matcher: AhoCorasick,
    /// One entry per pattern.
    entries: Vec<Entry>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let table: BTreeMap<String, BTreeMap<String, f32>> =
            toml::from_str(include_str!("../../data/sectors.toml"))
                .expect("data/sectors.toml is valid");
        // One pattern per word; a word may count for several sectors (厂房).
        let mut words: BTreeMap<String, Entry> = BTreeMap::new();
        for (sector, list) in &table {
            let index = match sector.as_str() {
                MASKS => None,
                STORIES => Some(GOVERNANCE_SECTOR),
                _ => Some(
                    SECTORS
                        .iter()
                        .position(|s| s == sector)
                        .unwrap_or_else(|| panic!("unknown sector {sector} in data/sectors.toml")),
                ),
            };
            for (word, weight) in list {
                let entry = words.entry(word.clone()).or_insert_with(|| Entry {
                    word: word.clone(),
                    sectors: Vec::new(),
                    fallback_only: false,
                });
                entry.sectors.extend(index.map(|i| (i, *weight)));
                entry.fallback_only |= sector == STORIES;
            }
        }
        let entries: Vec<Entry> = words.into_values().collect();
        // A DFA: the same matches as the default NFA, in fewer instructions
        // per byte (the lexicon is small, so its table is too).
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(entries.iter().map(|e| &e.word))
            .expect("sector lexicon builds");
        Lexicon { matcher, entries }
    })
}

/// Characters that end a clause (an enumeration never runs across them).
fn is_clause_end(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '；' | '：' | '！' | '？' | ',' | ';' | ':' | '!' | '?' | '\n'
    )
}

/// Quote and bracket characters, ignored when measuring enumeration items.
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '“' | '”'
            | '‘'
            | '’'
            | '"'
            | '\''
            | '《'
            | '》'
            | '「'
            | '」'
            | '（'
            | '）'
            | '('
            | ')'
    )
}

/// Byte ranges of `text` that are items of a short-item enumeration
/// (`民生、产业、智力、经贸、生态`): from the last item of the lead-in to the end
/// of the clause. Empty for most paragraphs, and allocation-free then.
fn enumerations(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if !text.contains('、') {
        return spans;
    }
    let mut clause_start = 0;
    // Reused for every clause.
    let mut separators: Vec<usize> = Vec::new();
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), '。')))
    {
        if !is_clause_end(c) {
            continue;
        }
        let clause = &text[clause_start..i];
        separators.clear();
        separators.extend(clause.match_indices('、').map(|(j, _)| j));
        if separators.len() >= 2 {
            let inner: usize = separators
                .windows(2)
                .map(|w| {
                    let item = &clause[w[0] + '、'.len_utf8()..w[1]];
                    let n = item.chars().filter(|&c| !is_quote(c)).count();
                    // A lexicon word is a name however long (易地扶贫搬迁).
                    if is_lexicon_word(item) {
                        n.min(SHORT_ITEM)
                    } else {
                        n
                    }
                })
                .sum();
            if inner <= SHORT_ITEM * (separators.len() - 1) {
                // The first item is glued to its verb (开展教育、…): start at the
                // first separator, and let a word ending right there count as listed.
                spans.push((clause_start + separators[0], i));
            }
        }
        clause_start = i + c.len_utf8().min(text.len() - i);
    }
    spans
}

/// Whether `item` is exactly one lexicon word.
fn is_lexicon_word(item: &str) -> bool {
    lexicon()
        .matcher
        .find(item)
        .is_some_and(|m| m.start() == 0 && m.end() == item.len())
}

/// Whether the match at `start..end` is an item of one of the enumerations.
fn is_listed(text: &str, spans: &[(usize, usize)], start: usize, end: usize) -> bool {
    spans.iter().any(|&(from, to)| {
        (start >= from && start < to)
            || (end <= from && text[end..from].chars().all(is_quote) && end + 12 >= from)
    })
}

/// Whether a lexicon word names a kind of aid (产业扶贫, 教育援藏, 消费帮扶,
/// 易地扶贫搬迁): a paragraph naming three kinds is about the aid as a whole.
fn is_kind_of_aid(word: &str) -> bool {
    ["扶贫", "援藏", "援疆", "援青", "帮扶", "扶贫搬迁"]
        .iter()
        .any(|suffix| word.len() > suffix.len() && word.ends_with(suffix))
}

/// The programmes (of the `programme` facet) that `text` names outside the
/// kind-of-aid words `kinds`: 援藏 inside 产业援藏 is that kind, not a second one.
fn programmes_outside(text: &str, kinds: &[&str]) -> Vec<String> {
    if kinds.is_empty() {
        return super::programme::named(text).0;
    }
    let mut rest = text.to_string();
    for kind in kinds {
        rest = rest.replace(kind, "，");
    }
    super::programme::named(&rest).0
}

/// The score of one sector in a text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectorScore {
    /// Index into [`SECTORS`].
    pub sector: usize,
    /// All evidence, enumeration items at a reduced weight.
    pub score: f32,
    /// Evidence outside enumerations only.
    pub outside_lists: f32,
    /// Whether an enumeration names this sector.
    pub listed: bool,
    /// The words found, with their counts (`医疗`, 2); formatted only for
    /// the evidence of the sectors a paragraph gets.
    pub words: Vec<(&'static str, u32)>,
    /// Evidence from words that name a kind of aid ([`is_kind_of_aid`]).
    pub kind_score: f32,
    /// Evidence that counts only when no sector has [`THRESHOLD`] without it
    /// (the words of cadre stories).
    pub fallback_only: f32,
}

/// Sector scores of a text, with the words behind each, for sectors with any evidence.
pub fn scores(text: &str) -> Vec<SectorScore> {
    let lexicon = lexicon();
    let spans = enumerations(text);
    // Per pattern: occurrences, and whether any occurrence is outside a list.
    let mut found: Vec<(usize, u32, bool)> = Vec::new();
    for m in lexicon.matcher.find_iter(text) {
        let pattern = m.pattern().as_usize();
        let outside = !is_listed(text, &spans, m.start(), m.end());
        match found.iter_mut().find(|f| f.0 == pattern) {
            Some(f) => {
                f.1 += 1;
                f.2 |= outside;
            }
            None => found.push((pattern, 1, outside)),
        }
    }
    let mut by_sector: Vec<SectorScore> = Vec::new();
    for (pattern, count, outside) in found {
        let Entry {
            word,
            sectors,
            fallback_only,
        } = &lexicon.entries[pattern];
        let repeat = if count > 1 { REPEATED } else { 1.0 };
        for &(sector, weight) in sectors {
            let entry = match by_sector.iter().position(|s| s.sector == sector) {
                Some(i) => &mut by_sector[i],
                None => {
                    by_sector.push(SectorScore {
                        sector,
                        ..SectorScore::default()
                    });
                    by_sector.last_mut().expect("just pushed")
                }
            };
            if outside {
                entry.score += weight * repeat;
                entry.outside_lists += weight * repeat;
            } else {
                entry.score += weight * repeat * LISTED;
                entry.listed = true;
            }
            if is_kind_of_aid(word) {
                entry.kind_score += weight * repeat;
            }
            if *fallback_only {
                entry.fallback_only += if outside {
                    weight * repeat
                } else {
                    weight * repeat * LISTED
                };
            }
            entry.words.push((word.as_str(), count));
        }
    }
    by_sector.sort_by_key(|s| s.sector);
    by_sector
}

/// The sectors of a text and the evidence for each.
pub fn classify(text: &str) -> (Vec<String>, Vec<String>) {
    classify_with(text, Some(&OVERVIEW_MODEL))
}

/// [`classify`] with the given overview model, or by the rules alone
/// (`None`): how the fitting harness sees what the model adds.
pub fn classify_with(text: &str, model: Option<&OverviewModel>) -> (Vec<String>, Vec<String>) {
    decide(text, scores(text), model)
}

/// Names of the overview model's features, in [`overview_features`] order.
pub const OVERVIEW_FEATURES: [&str; 6] = [
    "sectors_named",
    "sectors_at_threshold",
    "top_share",
    "ln_depth",
    "whole",
    "ln_separators",
];

/// A logistic model of "this paragraph is an overview" over
/// [`overview_features`]: it catches the speeches and government-report
/// paragraphs that list tasks across sectors in words the rules weigh as
/// one or two sectors (`巩固拓展脱贫攻坚成果…稳定就业…技能培训`).
pub struct OverviewModel {
    pub weights: [f32; OVERVIEW_FEATURES.len()],
    pub bias: f32,
    /// The probability at which a paragraph the rules gave sectors (or
    /// none) becomes 综合.
    pub threshold: f32,
}

impl OverviewModel {
    /// The model's probability that a paragraph with `features` is an overview.
    pub fn probability(&self, features: &[f32; OVERVIEW_FEATURES.len()]) -> f32 {
        let z: f32 = self
            .weights
            .iter()
            .zip(features)
            .map(|(w, x)| w * x)
            .sum::<f32>()
            + self.bias;
        1.0 / (1.0 + (-z).exp())
    }

    /// Whether evidence of this `breadth` could reach the threshold with at
    /// most `separators` list separators (a positive weight).
    fn may_reach(&self, breadth: [f32; OVERVIEW_FEATURES.len() - 1], separators: usize) -> bool {
        self.probability(&with_separators(breadth, separators)) >= self.threshold
    }
}

/// Fitted by `cargo test --release --test facets_eval -- --ignored
/// --nocapture overview_model` (logistic regression over the five labelled
/// aid sets, its threshold chosen on micro F1; leave-one-set-out figures in
/// RELEVANCE.md).
pub const OVERVIEW_MODEL: OverviewModel = OverviewModel {
    weights: [0.2157, 0.2129, -0.7153, -0.4503, 0.7293, 0.3649],
    bias: -1.9353,
    threshold: 0.5,
};

/// The overview model's features of `text`.
pub fn overview_features(text: &str) -> [f32; OVERVIEW_FEATURES.len()] {
    features_of(text, &scores(text))
}

/// How broad and how shallow a paragraph's sector evidence is: the sectors
/// named (score 1) and at the threshold, the leader's share of all sector
/// evidence, ln(1 + the deepest sector's evidence beyond kinds of aid), the
/// 综合 table's words, and ln(1 + the list separators 、 and ；).
fn features_of(text: &str, scored: &[SectorScore]) -> [f32; OVERVIEW_FEATURES.len()] {
    with_separators(breadth(scored), separators(text))
}

/// The features read from the scores alone (all but the separators).
fn breadth(scored: &[SectorScore]) -> [f32; OVERVIEW_FEATURES.len() - 1] {
    let sectors = || scored.iter().filter(|s| s.sector != OVERVIEW_SECTOR);
    let total: f32 = sectors().map(|s| s.score).sum();
    let top = sectors().map(|s| s.score).fold(0.0, f32::max);
    let depth = sectors()
        .map(|s| s.score - s.kind_score)
        .fold(0.0, f32::max);
    let whole: f32 = scored
        .iter()
        .filter(|s| s.sector == OVERVIEW_SECTOR)
        .map(|s| s.score)
        .sum();
    [
        sectors().filter(|s| s.score >= FALLBACK).count() as f32,
        sectors().filter(|s| s.score >= THRESHOLD).count() as f32,
        if total > 0.0 { top / total } else { 0.0 },
        depth.ln_1p(),
        whole,
    ]
}

fn with_separators(
    breadth: [f32; OVERVIEW_FEATURES.len() - 1],
    separators: usize,
) -> [f32; OVERVIEW_FEATURES.len()] {
    let mut features = [0.0; OVERVIEW_FEATURES.len()];
    features[..breadth.len()].copy_from_slice(&breadth);
    features[breadth.len()] = (separators as f32).ln_1p();
    features
}

/// The list separators (、 and ；) of `text`.
fn separators(text: &str) -> usize {
    // One char pattern at a time: a byte search, not a decode of every char.
    text.matches('、').count() + text.matches('；').count()
}

/// [`classify`] with each sector's evidence multiplied by its scale (in
/// [`SECTORS`] order): how a fit weighs the sectors against each other.
/// Only the fitting harness scales; labelling does not pay for it.
pub fn classify_scaled(text: &str, scales: &[f32; SECTORS.len()]) -> (Vec<String>, Vec<String>) {
    let mut scored = scores(text);
    for s in &mut scored {
        let k = scales[s.sector];
        s.score *= k;
        s.outside_lists *= k;
        s.kind_score *= k;
        s.fallback_only *= k;
    }
    decide(text, scored, Some(&OVERVIEW_MODEL))
}

/// The sectors and evidence of a text from its sectors' scores: the rules,
/// then the overview model on what they did not call an overview.
fn decide(
    text: &str,
    scored: Vec<SectorScore>,
    model: Option<&OverviewModel>,
) -> (Vec<String>, Vec<String>) {
    let breadth = model.map(|_| breadth(&scored));
    let (names, evidence) = decide_by_rules(text, scored);
    let overview = SECTORS[OVERVIEW_SECTOR];
    if let (Some(model), Some(breadth)) = (model, breadth) {
        if names.iter().any(|n| n == overview) {
            return (names, evidence);
        }
        // Most paragraphs cannot reach the threshold with every byte a
        // separator: they skip the count.
        if !model.may_reach(breadth, text.len() / 3) {
            return (names, evidence);
        }
        let p = model.probability(&with_separators(breadth, separators(text)));
        if p >= model.threshold {
            let was = if names.is_empty() {
                "no sector".to_string()
            } else {
                names.join("、")
            };
            return (
                vec![overview.to_string()],
                vec![format!(
                    "综合 ← broad and shallow (overview model {p:.2}; the rules gave {was})"
                )],
            );
        }
    }
    (names, evidence)
}

/// [`decide`] by the rules alone.
fn decide_by_rules(text: &str, mut scored: Vec<SectorScore>) -> (Vec<String>, Vec<String>) {
    // A paragraph with a sector of its own drops the fallback-only evidence.
    if scored
        .iter()
        .any(|s| s.score - s.fallback_only >= THRESHOLD)
    {
        for s in &mut scored {
            s.score -= s.fallback_only;
            s.outside_lists = s.outside_lists.min(s.score);
        }
        scored.retain(|s| s.score > 0.0);
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    // The lexicon's 综合 words are weighed apart from the sectors.
    let whole = scored
        .iter()
        .position(|s| s.sector == OVERVIEW_SECTOR)
        .map(|i| scored.remove(i));
    let overview = |evidence: String| (vec![SECTORS[OVERVIEW_SECTOR].to_string()], vec![evidence]);
    let evidence_of = |s: &SectorScore| {
        format!(
            "{} {:.1} ← {}",
            SECTORS[s.sector],
            s.score,
            s.words
                .iter()
                .map(|(word, count)| format!("{word}×{count}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let listed = scored.iter().filter(|s| s.listed).count();
    // Three sectors listed give way to one carried by the rest of the
    // paragraph; four or more only to one the rest reports in depth.
    let carried_at = if listed > OVERVIEW_LISTED {
        SHALLOW
    } else {
        THRESHOLD
    };
    let carried = scored.iter().any(|s| s.outside_lists >= carried_at);
    if listed >= OVERVIEW_LISTED && !carried {
        let named: Vec<&str> = scored
            .iter()
            .filter(|s| s.listed)
            .map(|s| SECTORS[s.sector])
            .collect();
        return overview(format!("综合 ← an enumeration names {}", named.join("、")));
    }
    let top = scored.first().map_or(0.0, |s| s.score);
    // Kinds of aid are counted as words: 易地扶贫搬迁 and 就业扶贫 are two kinds
    // of one sector. Their names are no depth.
    let mut kinds: Vec<&str> = scored
        .iter()
        .flat_map(|s| s.words.iter().map(|w| w.0))
        .filter(|w| is_kind_of_aid(w))
        .collect();
    let in_depth = scored.iter().any(|s| s.score - s.kind_score >= SHALLOW);
    // The programmes named outside those words are kinds of aid too
    // (东西部扶贫协作、定点扶贫、驻村帮扶): a government report's or a speech's
    // list of them is about the aid as a whole. 易地扶贫搬迁 is both: it counts once.
    let programmes = if in_depth {
        Vec::new()
    } else {
        programmes_outside(text, &kinds)
    };
    kinds.extend(programmes.iter().map(String::as_str));
    if kinds.len() >= OVERVIEW_LISTED && !in_depth {
        return overview(format!("综合 ← names the aid kinds {}", kinds.join("、")));
    }
    let broad: Vec<&str> = scored
        .iter()
        .filter(|s| s.score >= BROAD_MIN)
        .map(|s| SECTORS[s.sector])
        .collect();
    // Enumerations have their own rule above: this counts the rest.
    let named = scored
        .iter()
        .filter(|s| s.outside_lists >= FALLBACK)
        .count();
    if (broad.len() >= OVERVIEW_BROAD || named >= OVERVIEW_NAMED) && !in_depth {
        return overview(format!("综合 ← names {}, none in depth", broad.join("、")));
    }
    // The whole programme's totals win over a weak sector, and at the
    // threshold (two of its words) over any sector not reported in depth.
    if let Some(whole) = whole.filter(|w| {
        (w.score >= FALLBACK && top < THRESHOLD && w.score > top)
            || (w.score >= THRESHOLD && !in_depth)
    }) {
        return overview(evidence_of(&whole));
    }
    let mut labels: Vec<&SectorScore> = scored
        .iter()
        .filter(|s| s.score >= THRESHOLD && s.score >= SECONDARY_SHARE * top)
        .collect();
    if labels.is_empty() {
        labels.extend(scored.first().filter(|s| s.score >= FALLBACK));
    }
    if labels.len() >= OVERVIEW_ASSIGNED {
        let named: Vec<&str> = labels.iter().map(|s| SECTORS[s.sector]).collect();
        return overview(format!(
            "综合 ← {} sectors assigned: {}",
            named.len(),
            named.join("、")
        ));
    }
    let evidence = labels.iter().map(|s| evidence_of(s)).collect();
    let names: Vec<String> = labels
        .iter()
        .map(|s| SECTORS[s.sector].to_string())
        .collect();
    (names, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        classify(text).0
    }

    #[test]
    fn one_stray_word_is_not_enough() {
        assert!(labels("企业代表参加了会议。").is_empty());
    }

    #[test]
    fn strong_words_decide() {
        let l = labels("芒康县电子商务公共服务中心收录并展销农产品");
        assert!(l.contains(&"商贸流通".to_string()), "{l:?}");
        assert_eq!(labels("援藏医生为患者实施首例腹腔镜手术"), vec!["医疗卫生"]);
    }

    #[test]
    fn weights_add_up() {
        // 种植 (1.0) alone only reaches the fallback; with 养殖 (1.0) it is assigned.
        let one = scores("推广种植");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].score, 1.0);
        let two = scores("推广种植和养殖");
        assert_eq!(two[0].score, 2.0);
        // A word found again adds half its weight once.
        let again = scores("种植青稞，种植油菜");
        let industry = again
            .iter()
            .find(|s| SECTORS[s.sector] == "产业发展")
            .unwrap();
        assert_eq!(industry.score, 1.5 + 1.0);
    }

    #[test]
    fn longer_words_hide_the_words_inside_them() {
        // 干部人才 (1.0) is the aid cadres, not 人才 (1.5) again.
        let s = scores("援藏干部人才");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].score, 1.0);
        // 主题教育 is a party campaign, not education.
        assert_eq!(
            labels("全面抓好主题教育，建立集中学习制度"),
            vec!["党建与管理"]
        );
    }

    #[test]
    fn secondary_sectors_need_a_share_of_the_leader() {
        let text = "援藏医疗队开展手术86台次，抢救危重病人，医院通过二甲评审，\
                    医生主刀完成首例手术，组织现场培训";
        assert_eq!(labels(text), vec!["医疗卫生"]);
        // Two sectors of comparable weight are both kept.
        let both = labels("援藏医生在医院开展手术，援藏教师在学校讲授课堂");
        assert!(both.contains(&"医疗卫生".to_string()), "{both:?}");
        assert!(both.contains(&"教育".to_string()), "{both:?}");
    }

    #[test]
    fn enumeration_items_count_half() {
        // 医生 as one of a list of trainees is not medical work.
        let l = labels("组织党政干部、农村干部、教师、医生、农牧民人才等到山东挂职");
        assert!(!l.contains(&"医疗卫生".to_string()), "{l:?}");
        assert_eq!(
            enumerations("开展教育、医疗、科研等交流，效果好"),
            vec![("开展教育".len(), "开展教育、医疗、科研等交流".len())]
        );
        // Long items are not an enumeration of names: each item reports work.
        assert!(enumerations("维护农牧区饮用水安全、扩大高原特色产品出口、开展检测").is_empty());
        assert!(enumerations("教育、医疗").is_empty());
        // An item that is a lexicon word is a name, short however long.
        assert!(!enumerations("产业扶贫、易地扶贫搬迁、光伏扶贫等多管齐下").is_empty());
        assert_eq!(
            labels("青海省精准施策，产业扶贫、易地扶贫搬迁、光伏扶贫等多管齐下"),
            vec!["综合"]
        );
    }

    #[test]
    fn multi_label_and_overview() {
        let (l, evidence) = classify(
            "深度谋划推进民生、产业、教育、医疗、就业、生态环境保护和旅游文化交往交流交融",
        );
        assert_eq!(l, vec!["综合"], "{evidence:?}");
        // A sector carried outside the list wins over the overview.
        let l = labels(
            "持续打造“三交”援藏品牌，促进交往交流交融；线上线下开展教育、医疗、科研等领域双向交流",
        );
        assert_eq!(l, vec!["文化旅游"]);
    }

    #[test]
    fn overviews_beyond_enumerations() {
        // Three kinds of aid named: the aid as a whole.
        let (l, evidence) = classify("扩大产业扶贫覆盖面，做好教育扶贫、健康扶贫");
        assert_eq!(l, vec!["综合"], "{evidence:?}");
        // The whole programme's totals, with no sector of its own.
        assert_eq!(
            labels("累计投入援藏资金296亿元，实施援藏项目8310个"),
            vec!["综合"]
        );
        // A sector of its own beats the 综合 words.
        assert_eq!(
            labels("投入援藏资金，建设医院，援藏医生开展手术"),
            vec!["医疗卫生"]
        );
        // Totals at the threshold beat a sector not reported in depth ...
        assert_eq!(
            labels(
                "国家专项扶贫资金增长，各种扶贫项目资金累计2043.8亿元，12万个贫困村整村移民搬迁"
            ),
            vec!["综合"]
        );
        // ... but not one reported in depth.
        assert_eq!(
            labels("投入援藏资金，实施援藏项目，建设医院，援藏医生开展手术，诊疗患者"),
            vec!["医疗卫生"]
        );
        // Three sectors named but one reported in depth: no overview.
        let l = labels("援藏医生在医院开展手术，诊疗患者，培训当地医生；学校和道路也有投入");
        assert!(!l.contains(&"综合".to_string()), "{l:?}");
    }

    #[test]
    fn programmes_named_are_kinds_of_aid() {
        // Two programmes and one sector kind, none in depth: the aid as a whole.
        let (l, evidence) =
            classify("东西部扶贫协作和中央单位定点扶贫深入开展，消费扶贫行动开局良好");
        assert_eq!(l, vec!["综合"], "{evidence:?}");
        assert!(evidence[0].contains("定点帮扶"), "{evidence:?}");
        // 援藏 inside 产业援藏 and 教育援藏 is those kinds, not a third one.
        let l = labels("推进产业援藏，做好教育援藏");
        assert!(!l.contains(&"综合".to_string()), "{l:?}");
        // 易地扶贫搬迁 is a sector's kind and a programme: it counts once.
        let l = labels("做好易地扶贫搬迁，推进产业扶贫");
        assert!(!l.contains(&"综合".to_string()), "{l:?}");
    }

    #[test]
    fn cadre_stories_count_only_without_a_sector() {
        assert_eq!(labels("他扎根雪域高原，无私奉献"), vec!["党建与管理"]);
        // A paragraph about sending cadres keeps its sector alone.
        assert_eq!(
            labels("按需选派专技干部援藏，培训优秀干部，无私奉献"),
            vec!["人才培训"]
        );
    }

    #[test]
    fn masked_phrases_count_for_nothing() {
        assert!(labels("坚持走中国特色社会主义道路").is_empty());
        assert_eq!(labels("修建道路和桥梁"), vec!["基础设施"]);
        assert!(labels("习近平同普京通电话").is_empty());
        // Disaster relief houses people for a while; relocation moves them.
        assert!(labels("紧急转移安置900多万人次").is_empty());
        assert_eq!(labels("建设集中安置点，群众搬迁入住"), vec!["就业与搬迁"]);
        // A giver's name is no field of work.
        assert!(labels("住房城乡建设部定点扶贫县推进会召开").is_empty());
        assert_eq!(labels("改造农村危房，保障住房安全"), vec!["基础设施"]);
    }

    #[test]
    fn every_lexicon_sector_is_known() {
        let lexicon = lexicon();
        assert!(lexicon
            .entries
            .iter()
            .all(|e| e.sectors.iter().all(|&(s, w)| s < SECTORS.len() && w > 0.0)));
        assert_eq!(SECTORS[GOVERNANCE_SECTOR], "党建与管理");
    }

    #[test]
    fn a_broad_shallow_list_of_tasks_is_an_overview() {
        // A government report's list of consolidation tasks: the rules
        // weigh it as jobs and training; the overview model reads breadth.
        let list = "全面巩固拓展脱贫攻坚成果。完善落实防止返贫监测帮扶机制，确保不发生规模性返贫。\
                    支持脱贫地区发展特色产业，加强劳务协作、职业技能培训，促进脱贫人口持续增收。\
                    强化国家乡村振兴重点帮扶县帮扶措施，做好易地搬迁后续扶持，深化东西部协作、\
                    定点帮扶和社会力量帮扶，大力实施“万企兴万村”行动，增强脱贫地区自我发展能力。";
        assert_ne!(classify_with(list, None).0, vec!["综合"]);
        let (labels, evidence) = classify(list);
        assert_eq!(labels, vec!["综合"], "{evidence:?}");
        assert!(evidence[0].contains("overview model"), "{evidence:?}");
        // `may_reach` bounds the separators' part from above: a fit that
        // made them count against an overview must change it.
        assert!(OVERVIEW_MODEL.weights[OVERVIEW_FEATURES.len() - 1] >= 0.0);
        // One sector reported in depth stays that sector.
        let depth = "援疆医生在县人民医院开展手术，带教本地医生，新建儿科病房，义诊群众三千人次。";
        assert_eq!(classify(depth).0, vec!["医疗卫生"]);
    }

    #[test]
    fn the_reports_words_of_a_sector_count() {
        // Words from session 16's review of the aid subcorpus.
        assert_eq!(labels("村里新修了水泥路，家家通了自来水"), vec!["基础设施"]);
        assert_eq!(labels("合作社带着村民种香菇、养肉牛"), vec!["产业发展"]);
        // A mask: a cadre's post is no job created.
        assert!(labels("他在领导岗位上兢兢业业").is_empty());
    }

    #[test]
    fn empty_and_plain_text() {
        assert!(labels("").is_empty());
        assert!(labels("plain ASCII text, 123").is_empty());
        assert!(scores("").is_empty());
    }
}
