//! The aid programme a paragraph is about (援藏, 援疆, 东西部协作, 驻村帮扶 …),
//! from the reviewed list in `data/programmes.toml`: the programme's own
//! words in the paragraph, else a donor aiding a place that only one
//! programme aids, else its article's programme, else 其他 when the
//! paragraph or its article is about poverty relief at all.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Programme {
    name: String,
    words: Vec<String>,
    recipients: Vec<String>,
    #[serde(default)]
    names_recipient: Vec<String>,
    /// Words for all of the recipient, beside the generic ones (全省, 全区).
    #[serde(default)]
    whole_recipient: Vec<String>,
    /// The pairs' short names (闽宁), for programmes of named pairs.
    #[serde(default)]
    pairs: Vec<Pair>,
}

/// A pair of a paired programme and its short name (闽宁: 福建 gives to 宁夏).
#[derive(Debug, Deserialize)]
struct Pair {
    name: String,
    donor: String,
    recipient: String,
}

/// What follows a pair's short name when it names the pair at work, not a
/// school or a company that took the name (闽宁中学): its programme words
/// (闽宁协作, 闽宁对口, 闽宁扶贫产业园, 闽宁劳务协作) and 镇, the town the pair
/// built and named.
const PAIR_FOLLOWERS: [&str; 6] = ["协作", "合作", "对口", "扶贫", "劳务", "镇"];

/// A pair named in a text: its programme, donor and recipient, and the words.
#[derive(Debug, Clone, PartialEq)]
pub struct PairNamed {
    pub programme: &'static str,
    pub donor: &'static str,
    pub recipient: &'static str,
    pub words: String,
}

/// The pairs whose short names `text` uses at work (see [`PAIR_FOLLOWERS`]),
/// each once, in the data file's order.
pub fn pairs_named(text: &str) -> Vec<PairNamed> {
    let l = lexicon();
    let mut found: Vec<((usize, usize), &str)> = Vec::new();
    for m in l.pair_words.find_iter(text) {
        let pair = l.pairs[m.pattern().as_usize()];
        if !found.iter().any(|f| f.0 == pair) {
            found.push((pair, &text[m.range()]));
        }
    }
    found.sort_by_key(|f| f.0);
    found
        .into_iter()
        .map(|((k, j), words)| {
            let (p, pair) = (&l.data.programme[k], &l.data.programme[k].pairs[j]);
            PairNamed {
                programme: p.name.as_str(),
                donor: pair.donor.as_str(),
                recipient: pair.recipient.as_str(),
                words: words.to_string(),
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct Other {
    name: String,
    words: Vec<String>,
    besides: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    programme: Vec<Programme>,
    other: Other,
}

/// The programmes and one matcher over all their words.
struct Lexicon {
    data: Data,
    /// Pattern `k` is a word of programme `owner[k]`.
    matcher: AhoCorasick,
    owner: Vec<usize>,
    /// Words of poverty relief that name no programme.
    other: AhoCorasick,
    /// The programmes' words and the words of general poverty work
    /// (`besides`), which come after them: pattern `k >= programme_words`
    /// is general work.
    with_besides: AhoCorasick,
    programme_words: usize,
    /// Each pair's short name with each of [`PAIR_FOLLOWERS`]; pattern `k`
    /// is pair `pairs[k]` (programme index, pair index).
    pair_words: AhoCorasick,
    pairs: Vec<(usize, usize)>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let data: Data = toml::from_str(include_str!("../../data/programmes.toml"))
            .expect("data/programmes.toml is valid");
        let mut words = Vec::new();
        let mut owner = Vec::new();
        for (k, p) in data.programme.iter().enumerate() {
            for w in &p.words {
                words.push(w.clone());
                owner.push(k);
            }
        }
        let build = |patterns: &[String]| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::DFA))
                .build(patterns)
                .expect("programme words build a matcher")
        };
        let programme_words = words.len();
        let mut pair_words = Vec::new();
        let mut pairs = Vec::new();
        for (k, p) in data.programme.iter().enumerate() {
            for (j, pair) in p.pairs.iter().enumerate() {
                for follower in PAIR_FOLLOWERS {
                    pair_words.push(format!("{}{follower}", pair.name));
                    pairs.push((k, j));
                }
            }
        }
        let both: Vec<String> = words.iter().chain(&data.other.besides).cloned().collect();
        Lexicon {
            matcher: build(&words),
            other: build(&data.other.words),
            with_besides: build(&both),
            programme_words,
            pair_words: build(&pair_words),
            pairs,
            owner,
            data,
        }
    })
}

/// Every programme value, in the data file's order, then the catch-all.
pub fn names() -> Vec<&'static str> {
    let l = lexicon();
    l.data
        .programme
        .iter()
        .map(|p| p.name.as_str())
        .chain([l.data.other.name.as_str()])
        .collect()
}

/// The programmes whose own words `text` uses, with the words.
pub fn named(text: &str) -> (Vec<String>, Vec<String>) {
    let l = lexicon();
    let mut found: Vec<String> = Vec::new();
    let mut evidence = Vec::new();
    for m in l.matcher.find_iter(text) {
        let name = &l.data.programme[l.owner[m.pattern().as_usize()]].name;
        if !found.contains(name) {
            found.push(name.clone());
        }
        evidence.push(format!("programme {name} ← {}", &text[m.range()]));
    }
    (found, evidence)
}

/// Words of general poverty work a paragraph must use, outside the
/// programmes' own words, to report work besides its programme: one 贫困村
/// in a village team's story is that team's work.
const BESIDES_NEEDED: usize = 2;

/// The words of general poverty work that `text` uses outside the
/// programmes' own words (`产业扶贫` beside `东西部扶贫协作`), when there are
/// enough of them to report work besides the programme.
pub fn general_work_besides(text: &str) -> Option<Vec<&str>> {
    let l = lexicon();
    // Leftmost-longest over both lists: a programme word swallows the
    // general word inside it (易地扶贫搬迁).
    let words: Vec<&str> = l
        .with_besides
        .find_iter(text)
        .filter(|m| m.pattern().as_usize() >= l.programme_words)
        .map(|m| &text[m.range()])
        .collect();
    (words.len() >= BESIDES_NEEDED).then_some(words)
}

/// The recipients that `text` names through a programme's word (援疆 →
/// 新疆维吾尔自治区), with the word, in the data file's order.
pub fn recipients_named(text: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for p in &lexicon().data.programme {
        if let Some(word) = p.names_recipient.iter().find(|w| text.contains(w.as_str())) {
            for r in &p.recipients {
                out.push((r.as_str(), word.as_str()));
            }
        }
    }
    out
}

/// The programme that aids a place when a donor is named beside it: the one
/// whose recipients hold every region given (`西藏自治区/日喀则市` → 援藏).
pub fn by_recipient(regions: &[String]) -> Option<&'static str> {
    let l = lexicon();
    let inside = |path: &str, root: &str| {
        path == root || (path.starts_with(root) && path[root.len()..].starts_with('/'))
    };
    let mut programmes = regions.iter().map(|region| {
        l.data
            .programme
            .iter()
            .find(|p| p.recipients.iter().any(|r| inside(region, r)))
            .map(|p| p.name.as_str())
    });
    let first = programmes.next()??;
    programmes.all(|p| p == Some(first)).then_some(first)
}

/// The areas paired aid goes to (西藏, 新疆, 青海 in the data file): in an
/// article about one of them, places elsewhere are donors, venues or
/// origins, not where the aid goes.
pub fn paired_recipients() -> impl Iterator<Item = &'static str> {
    lexicon()
        .data
        .programme
        .iter()
        .flat_map(|p| p.recipients.iter().map(String::as_str))
}

/// Words that speak of all of a recipient area, from the data file.
pub fn whole_recipient_words() -> impl Iterator<Item = &'static str> {
    lexicon()
        .data
        .programme
        .iter()
        .flat_map(|p| p.whole_recipient.iter().map(String::as_str))
}

/// Whether `path` is one of the areas paired aid goes to itself.
pub fn is_paired_recipient(path: &str) -> bool {
    paired_recipients().any(|root| root == path)
}

/// Whether `text` is about poverty relief or rural revitalisation at all.
pub fn is_aid_text(text: &str) -> bool {
    lexicon().other.is_match(text)
}

/// The catch-all value (其他).
pub fn other() -> &'static str {
    &lexicon().data.other.name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programme_is_named_by_its_own_words() {
        assert_eq!(named("山东援藏干部深入基层").0, vec!["援藏"]);
        assert_eq!(named("闽宁协作二十五年").0, vec!["东西部协作"]);
        assert_eq!(named("第一书记带领村民种植").0, vec!["驻村帮扶"]);
        assert_eq!(named("易地扶贫搬迁安置点").0, vec!["易地搬迁"]);
        assert!(named("全县脱贫攻坚取得决定性成就").0.is_empty());
    }

    #[test]
    fn a_pair_short_name_at_work_names_its_donor_and_recipient() {
        let found = pairs_named("这个扶贫车间是依托闽宁协作项目开办起来的");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].programme, found[0].donor, found[0].recipient),
            ("东西部协作", "福建省", "宁夏回族自治区")
        );
        assert_eq!(found[0].words, "闽宁协作");
        assert_eq!(pairs_named("贺兰山下的闽宁镇是个移民镇")[0].words, "闽宁镇");
        assert_eq!(pairs_named("属于苏陕扶贫协作项目")[0].donor, "江苏省");
        // A school that took the name is no pair at work, and 京津冀 holds
        // no pair's name.
        assert!(pairs_named("李克强来到永宁县闽宁中学").is_empty());
        assert!(pairs_named("京津冀协同发展").is_empty());
    }

    #[test]
    fn general_work_is_found_outside_programme_words() {
        assert_eq!(
            general_work_besides("推进东西部扶贫协作，扩大产业扶贫覆盖面，做好教育扶贫"),
            Some(vec!["扶贫", "扶贫"])
        );
        assert_eq!(general_work_besides("推进东西部扶贫协作，帮助贫困村"), None);
        assert_eq!(general_work_besides("完成易地扶贫搬迁188万人"), None);
        assert_eq!(general_work_besides("东西部扶贫协作和定点扶贫"), None);
    }

    #[test]
    fn a_recipient_only_one_programme_aids_names_it() {
        let r = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            by_recipient(&r(&["新疆维吾尔自治区/喀什地区"])),
            Some("援疆")
        );
        assert_eq!(by_recipient(&r(&["西藏自治区"])), Some("援藏"));
        assert_eq!(by_recipient(&r(&["西藏自治区", "青海省"])), None);
        assert_eq!(by_recipient(&r(&["贵州省"])), None);
        assert_eq!(by_recipient(&[]), None);
    }

    #[test]
    fn every_value_is_listed() {
        let names = names();
        assert_eq!(names.last(), Some(&"其他"));
        assert!(names.contains(&"东西部协作"));
    }
}
