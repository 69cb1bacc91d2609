//! Gazetteer of Chinese administrative divisions: owns the place data shipped in
//! `data/regions.tsv` (all province-level and prefecture-level divisions, and every
//! county-level division of 西藏自治区), resolving names, aliases and paths to
//! places, and finding place mentions in running text.
//!
//! Matching is leftmost-longest over official names, aliases and *stop phrases*
//! (text that is never a place, such as 隆重庆祝 or 天山南北, which swallows any
//! name it overlaps). "Strict" aliases from the data file (比如, 尼玛, 定日 …) are
//! ordinary words or personal names: [`Gazetteer::resolve`] accepts them, but in
//! running text only the full official name (比如县) counts. Two context rules
//! apply to aliases (never to official names): an alias directly followed by a
//! street suffix (北京中路, 江苏路, 浙江西路) is a street, not a place; a
//! county-level alias directly followed by 乡/镇/村 is a township or village,
//! which may lie elsewhere, unless the next characters form an ordinary word
//! (乡村, 乡镇, 村民 …); a county-level alias directly after 县/乡/镇/村 names
//! something inside that place (白朗县贡嘎实业 is a company of 白朗县, not
//! 贡嘎县). One context rule applies to strict county aliases: named as an item
//! of a list of counties (白朗、措勤、聂荣三县), they are counties.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// The shipped data file.
const DATA: &str = include_str!("../../data/regions.tsv");

static GLOBAL: OnceLock<Gazetteer> = OnceLock::new();

/// Administrative level of a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Province-level division (省, 自治区, 直辖市, 特别行政区).
    Province = 1,
    /// Prefecture-level division (地级市, 地区, 自治州, 盟).
    Prefecture = 2,
    /// County-level division (县, 区, 县级市).
    County = 3,
}

impl Level {
    /// The level for its number in the data file (1, 2 or 3).
    pub fn from_number(n: u8) -> Option<Level> {
        match n {
            1 => Some(Level::Province),
            2 => Some(Level::Prefecture),
            3 => Some(Level::County),
            _ => None,
        }
    }

    /// The level's number in the data file (1, 2 or 3).
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// One administrative division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// GB/T 2260 six-digit code.
    pub code: u32,
    /// Official names from the province down, joined by `/`.
    pub path: String,
    /// Official name (the last segment of `path`).
    pub name: String,
    /// Administrative level.
    pub level: Level,
}

impl Place {
    /// Path of the enclosing division, or `None` for a province.
    pub fn parent_path(&self) -> Option<&str> {
        self.path.rfind('/').map(|i| &self.path[..i])
    }

    /// Whether this place is `ancestor_path` itself or lies inside it.
    pub fn is_within(&self, ancestor_path: &str) -> bool {
        self.path == ancestor_path
            || (self.path.starts_with(ancestor_path)
                && self.path[ancestor_path.len()..].starts_with('/'))
    }
}

/// One occurrence of a place in running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceMention<'g> {
    /// The place mentioned.
    pub place: &'g Place,
    /// Byte offset of the first byte of the match.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
    /// The text matched (`&text[start..end]`).
    pub surface: String,
}

/// What a matcher entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The official name of place `.0`.
    Official(usize),
    /// A (non-strict) alias of place `.0`.
    Alias(usize),
    /// A stop phrase: never a place.
    Stop,
}

#[derive(Debug)]
struct Candidate {
    text: Box<str>,
    target: Target,
}

/// Administrative-division gazetteer: places, their names and aliases, and a
/// matcher for place mentions in text.
#[derive(Debug)]
pub struct Gazetteer {
    places: Vec<Place>,
    by_path: HashMap<String, usize>,
    /// Official names, aliases and strict aliases → place index.
    by_name: HashMap<String, usize>,
    /// Official names and non-strict aliases, in data order.
    names: Vec<String>,
    /// Strict (suffix-required) aliases, in data order.
    strict: Vec<String>,
    /// Official names, non-strict aliases and stop phrases.
    candidates: Vec<Candidate>,
    /// Leftmost-longest matcher over `candidates` (pattern `k` is
    /// `candidates[k]`): at each position the longest candidate starting
    /// there, and the search goes on after it.
    matcher: AhoCorasick,
}

/// Street suffixes: an alias followed by one of these is a street name.
const STREET_SUFFIXES: &[&str] = &[
    "东路", "西路", "南路", "北路", "中路", "东街", "西街", "南街", "北街", "中街", "大道", "大街",
    "路",
];
/// Words starting with 路 that do not make the preceding name a street.
const ROAD_WORDS: &[char] = &['上', '途', '线', '况', '程', '径', '网', '段', '面', '桥'];
/// Words starting with 乡/镇/村 that do not make a county alias a township.
const TOWNSHIP_WORDS: &[&str] = &[
    "乡村", "乡镇", "乡亲", "乡土", "乡贤", "乡风", "镇村", "村级", "村民", "村委", "村庄", "村干",
    "村党", "村集", "村居", "村医", "村两",
];

impl Gazetteer {
    /// The gazetteer built from the shipped data file (parsed once).
    pub fn global() -> &'static Gazetteer {
        GLOBAL.get_or_init(|| {
            Gazetteer::parse(DATA).unwrap_or_else(|e| panic!("data/regions.tsv: {e}"))
        })
    }

    /// Parse from TSV text (used by [`Self::global`], and by tests).
    ///
    /// Place lines are `code<TAB>path<TAB>level<TAB>aliases<TAB>strict`, with the
    /// last two `|`-separated and optional; `stop<TAB>a|b|…` lines list stop
    /// phrases; `#` lines and blank lines are ignored. A place's parent must come
    /// first, and every name and alias must be unique.
    pub fn parse(tsv: &str) -> Result<Gazetteer, String> {
        let mut places: Vec<Place> = Vec::new();
        let mut aliases: Vec<(String, usize, bool)> = Vec::new();
        let mut stops: Vec<String> = Vec::new();
        let mut by_path = HashMap::new();
        for (lineno, line) in tsv.lines().enumerate() {
            let lineno = lineno + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols[0] == "stop" {
                if cols.len() != 2 {
                    return Err(format!("line {lineno}: a stop line has 2 columns"));
                }
                stops.extend(split_list(cols[1]).map(str::to_owned));
                continue;
            }
            if !(3..=5).contains(&cols.len()) {
                return Err(format!(
                    "line {lineno}: expected 3 to 5 columns, got {}",
                    cols.len()
                ));
            }
            let code: u32 = cols[0]
                .parse()
                .map_err(|_| format!("line {lineno}: bad code {:?}", cols[0]))?;
            let path = cols[1].trim();
            let level = cols[2]
                .trim()
                .parse::<u8>()
                .ok()
                .and_then(Level::from_number)
                .ok_or_else(|| format!("line {lineno}: bad level {:?}", cols[2]))?;
            let segments: Vec<&str> = path.split('/').collect();
            if segments.len() != level.number() as usize || segments.iter().any(|s| s.is_empty()) {
                return Err(format!(
                    "line {lineno}: path {path:?} does not fit level {}",
                    level.number()
                ));
            }
            if let Some(i) = path.rfind('/') {
                if !by_path.contains_key(&path[..i]) {
                    return Err(format!(
                        "line {lineno}: parent of {path:?} not listed before it"
                    ));
                }
            }
            let idx = places.len();
            if by_path.insert(path.to_owned(), idx).is_some() {
                return Err(format!("line {lineno}: duplicate path {path:?}"));
            }
            places.push(Place {
                code,
                path: path.to_owned(),
                name: segments[segments.len() - 1].to_owned(),
                level,
            });
            for (col, strict) in [(3, false), (4, true)] {
                if let Some(list) = cols.get(col) {
                    aliases.extend(split_list(list).map(|a| (a.to_owned(), idx, strict)));
                }
            }
        }

        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut names = Vec::new();
        let mut strict_names = Vec::new();
        let mut candidates: Vec<Candidate> = Vec::new();
        let official = places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i, None));
        let alias = aliases.into_iter().map(|(a, i, s)| (a, i, Some(s)));
        for (name, idx, strict) in official.chain(alias) {
            if let Some(&other) = by_name.get(&name) {
                return Err(format!(
                    "name {name:?} used by both {} and {}",
                    places[other].path, places[idx].path
                ));
            }
            by_name.insert(name.clone(), idx);
            match strict {
                Some(true) => strict_names.push(name),
                Some(false) => {
                    candidates.push(Candidate {
                        text: name.as_str().into(),
                        target: Target::Alias(idx),
                    });
                    names.push(name);
                }
                None => {
                    candidates.push(Candidate {
                        text: name.as_str().into(),
                        target: Target::Official(idx),
                    });
                    names.push(name);
                }
            }
        }
        for stop in stops {
            if by_name.contains_key(&stop) {
                return Err(format!("stop phrase {stop:?} is also a place name"));
            }
            candidates.push(Candidate {
                text: stop.into(),
                target: Target::Stop,
            });
        }

        // A DFA: fewer instructions per byte than the default NFA, and the
        // patterns are few enough (about 1,000 names) for its table.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(candidates.iter().map(|c| c.text.as_bytes()))
            .map_err(|e| format!("place name matcher: {e}"))?;
        Ok(Gazetteer {
            places,
            by_path,
            by_name,
            names,
            strict: strict_names,
            candidates,
            matcher,
        })
    }

    /// All mentions of places in `text`, left to right, leftmost-longest, non-overlapping.
    /// A mention must not sit inside a longer place name (e.g. 拉萨 inside 拉萨市 yields one mention of 拉萨市;
    /// 城关 inside 城关镇 yields none, since 城关 is suffix-required).
    pub fn mentions<'g>(&'g self, text: &str) -> Vec<PlaceMention<'g>> {
        let mut out = Vec::new();
        for m in self.matcher.find_iter(text) {
            let (i, end) = (m.start(), m.end());
            let cand = &self.candidates[m.pattern().as_usize()];
            let place = match cand.target {
                Target::Stop => None,
                Target::Official(p) => Some(p),
                Target::Alias(p) => {
                    let rest = &text[end..];
                    let county = self.places[p].level == Level::County;
                    let inside = county && text[..i].ends_with(['县', '乡', '镇', '村']);
                    (!(is_street(rest) || county && (is_township(rest) || inside))).then_some(p)
                }
            };
            if let Some(p) = place {
                out.push(PlaceMention {
                    place: &self.places[p],
                    start: i,
                    end,
                    surface: text[i..end].to_owned(),
                });
            }
        }
        if text.contains('、') && !self.strict.is_empty() {
            self.listed_strict_counties(text, &mut out);
        }
        out
    }

    /// Add strict county aliases named as items of a list of counties: next to a
    /// county mention across `、`, or right before a count of counties (三县).
    fn listed_strict_counties<'g>(&'g self, text: &str, out: &mut Vec<PlaceMention<'g>>) {
        let mut added = true;
        while added {
            added = false;
            let mut found: Vec<PlaceMention<'g>> = Vec::new();
            for m in out.iter().filter(|m| m.place.level == Level::County) {
                // Forward: `措勤、聂荣` after a county.
                if let Some(rest) = text[m.end..].strip_prefix('、') {
                    let start = m.end + '、'.len_utf8();
                    if let Some((alias, p)) = self.strict_county_at(rest) {
                        if ends_list_item(&rest[alias.len()..]) {
                            found.push(self.mention(p, text, start, start + alias.len()));
                        }
                    }
                }
                // Backward: `聂荣、白朗` before a county.
                if let Some(before) = text[..m.start].strip_suffix('、') {
                    if let Some((alias, p)) = self.strict_county_ending(before) {
                        let start = before.len() - alias.len();
                        if starts_list_item(&text[..start]) {
                            found.push(self.mention(p, text, start, before.len()));
                        }
                    }
                }
            }
            for f in found {
                if !out.iter().any(|m| m.start < f.end && f.start < m.end) {
                    out.push(f);
                    added = true;
                }
            }
            out.sort_by_key(|m| m.start);
        }
    }

    /// The strict county alias at the start of `rest`, if any.
    fn strict_county_at(&self, rest: &str) -> Option<(&str, usize)> {
        self.strict.iter().find_map(|a| {
            let p = self.by_name[a];
            (self.places[p].level == Level::County && rest.starts_with(a.as_str()))
                .then_some((a.as_str(), p))
        })
    }

    /// The strict county alias at the end of `before`, if any.
    fn strict_county_ending(&self, before: &str) -> Option<(&str, usize)> {
        self.strict.iter().find_map(|a| {
            let p = self.by_name[a];
            (self.places[p].level == Level::County && before.ends_with(a.as_str()))
                .then_some((a.as_str(), p))
        })
    }

    fn mention<'g>(&'g self, p: usize, text: &str, start: usize, end: usize) -> PlaceMention<'g> {
        PlaceMention {
            place: &self.places[p],
            start,
            end,
            surface: text[start..end].to_owned(),
        }
    }

    /// Resolve a name, an alias or a full path (e.g. "日喀则", "日喀则市", "西藏自治区/日喀则市") to a place.
    ///
    /// Strict aliases (比如 → 比如县) resolve too. A path may also be written with
    /// names or aliases and may start below the province ("日喀则/昂仁").
    pub fn resolve(&self, name: &str) -> Option<&Place> {
        let name = name.trim();
        if let Some(p) = self.by_path(name) {
            return Some(p);
        }
        if !name.contains('/') {
            return self.by_name.get(name).map(|&i| &self.places[i]);
        }
        let mut segments = name
            .split('/')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .rev();
        let leaf = self.resolve(segments.next()?)?;
        let mut below = leaf;
        for seg in segments {
            let anc = self.resolve(seg)?;
            if anc.path == below.path || !below.is_within(&anc.path) {
                return None;
            }
            below = anc;
        }
        Some(leaf)
    }

    /// Place by exact path.
    pub fn by_path(&self, path: &str) -> Option<&Place> {
        self.by_path.get(path).map(|&i| &self.places[i])
    }

    /// Direct children of a path (e.g. the prefectures of 西藏自治区), in code order.
    pub fn children(&self, path: &str) -> Vec<&Place> {
        let mut out: Vec<&Place> = self
            .places
            .iter()
            .filter(|p| p.parent_path() == Some(path))
            .collect();
        out.sort_by_key(|p| p.code);
        out
    }

    /// The enclosing place of `place`, or `None` for a province.
    pub fn parent(&self, place: &Place) -> Option<&Place> {
        self.by_path(place.parent_path()?)
    }

    /// Every official name and every alias (for adding to the jieba dictionary).
    ///
    /// Strict aliases are left out on purpose: they are ordinary words (比如, 定日
    /// in 确定日期) that must not be glued into one token; see [`Self::strict_aliases`].
    pub fn all_names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The strict ("suffix-required") aliases: accepted by [`Self::resolve`], never
    /// matched in running text.
    pub fn strict_aliases(&self) -> Vec<&str> {
        self.strict.iter().map(String::as_str).collect()
    }

    /// All places.
    pub fn places(&self) -> &[Place] {
        &self.places
    }
}

/// The non-empty items of a `|`-separated list.
fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split('|').map(str::trim).filter(|s| !s.is_empty())
}

/// Whether `rest` (the text after a name) starts with a street suffix.
fn is_street(rest: &str) -> bool {
    STREET_SUFFIXES.iter().any(|suffix| {
        rest.starts_with(suffix)
            && (*suffix != "路"
                || !rest["路".len()..].starts_with(|c: char| ROAD_WORDS.contains(&c)))
    })
}

/// Whether `rest` (the text after a strict alias) closes an item of a list of
/// counties: another separator, the end of the clause, or a count of counties
/// (`三县`, `等3个县`, `等县`).
fn ends_list_item(rest: &str) -> bool {
    if rest.is_empty() || rest.starts_with(['、', '和', '与', '及', '，', '。', '；']) {
        return true;
    }
    let rest = rest.strip_prefix('等').unwrap_or(rest);
    if rest.starts_with('县') {
        return true;
    }
    let count = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || "一二两三四五六七八九十".contains(*c))
        .count();
    count > 0 && {
        let after: String = rest.chars().skip(count).take(2).collect();
        after.starts_with('县') || after == "个县"
    }
}

/// Whether the text before a strict alias lets it start a list item: the start
/// of a clause, a preposition, or a separator.
fn starts_list_item(before: &str) -> bool {
    before
        .chars()
        .next_back()
        .is_none_or(|c| !('\u{4e00}'..='\u{9fff}').contains(&c) || "在于从对向和与及、".contains(c))
}

/// Whether `rest` (the text after a county alias) makes it a township or village name.
fn is_township(rest: &str) -> bool {
    rest.starts_with(['乡', '镇', '村']) && !TOWNSHIP_WORDS.iter().any(|w| rest.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> &'static Gazetteer {
        Gazetteer::global()
    }

    /// Paths of the mentions in `text`.
    fn paths(text: &str) -> Vec<&'static str> {
        g().mentions(text)
            .into_iter()
            .map(|m| m.place.path.as_str())
            .collect()
    }

    /// Official names of the mentions in `text`.
    fn found(text: &str) -> Vec<&'static str> {
        g().mentions(text)
            .into_iter()
            .map(|m| m.place.name.as_str())
            .collect()
    }

    fn resolved(name: &str) -> Option<&'static str> {
        g().resolve(name).map(|p| p.path.as_str())
    }

    /// The matches `mentions` starts from, found the plain way: at each
    /// character the longest candidate starting there, then on after it.
    fn longest_matches(text: &str) -> Vec<(usize, usize, &'static str)> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(c) = text[i..].chars().next() {
            let best = g()
                .candidates
                .iter()
                .filter(|cand| text[i..].starts_with(&*cand.text))
                .max_by_key(|cand| cand.text.len());
            match best {
                Some(cand) => {
                    out.push((i, i + cand.text.len(), &*cand.text));
                    i += cand.text.len();
                }
                None => i += c.len_utf8(),
            }
        }
        out
    }

    #[test]
    fn matcher_finds_the_longest_candidate_at_each_position() {
        let mut texts: Vec<String> = vec![
            "拉萨市城关区和日喀则市桑珠孜区，隆重庆祝，天山南北".into(),
            "北京中路江苏路，白朗县贡嘎实业，林芝市巴宜区".into(),
        ];
        // Every candidate inside text, next to others.
        let all: Vec<&str> = g().candidates.iter().map(|c| &*c.text).collect();
        for chunk in all.chunks(7) {
            texts.push(chunk.join("在"));
            texts.push(chunk.concat());
        }
        for text in &texts {
            let found: Vec<(usize, usize, &str)> = g()
                .matcher
                .find_iter(text.as_str())
                .map(|m| {
                    let cand = &g().candidates[m.pattern().as_usize()];
                    (m.start(), m.end(), &*cand.text)
                })
                .collect();
            assert_eq!(found, longest_matches(text), "{text}");
        }
    }

    #[test]
    fn shipped_data_parses_with_expected_counts() {
        let count = |l| g().places().iter().filter(|p| p.level == l).count();
        assert_eq!(count(Level::Province), 34);
        assert_eq!(count(Level::Prefecture), 333);
        // Level 3 covers Tibet only.
        assert_eq!(count(Level::County), 74);
        assert!(g()
            .places()
            .iter()
            .filter(|p| p.level == Level::County)
            .all(|p| p.is_within("西藏自治区")));
        assert!(std::ptr::eq(g(), Gazetteer::global()));
    }

    #[test]
    fn tibet_has_seven_prefectures_and_74_county_level_divisions() {
        let prefs: Vec<&str> = g()
            .children("西藏自治区")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            prefs,
            [
                "拉萨市",
                "日喀则市",
                "昌都市",
                "林芝市",
                "山南市",
                "那曲市",
                "阿里地区"
            ]
        );
        // Official count as of 2023/2024: 8 districts, 2 county-level cities, 64 counties.
        let expected = [
            ("拉萨市", 8),
            ("日喀则市", 18),
            ("昌都市", 11),
            ("林芝市", 7),
            ("山南市", 12),
            ("那曲市", 11),
            ("阿里地区", 7),
        ];
        let mut total = 0;
        for (pref, n) in expected {
            let kids = g().children(&format!("西藏自治区/{pref}"));
            assert_eq!(kids.len(), n, "{pref}");
            assert!(kids.iter().all(|k| k.level == Level::County));
            total += kids.len();
        }
        assert_eq!(total, 74);
        let counties = g()
            .places()
            .iter()
            .filter(|p| p.is_within("西藏自治区") && p.level == Level::County);
        let (mut districts, mut cities, mut others) = (0, 0, 0);
        for p in counties {
            match p.name.chars().last() {
                Some('区') => districts += 1,
                Some('市') => cities += 1,
                _ => others += 1,
            }
        }
        assert_eq!((districts, cities, others), (8, 2, 64));
    }

    #[test]
    fn children_are_in_code_order() {
        let kids = g().children("西藏自治区/拉萨市");
        assert_eq!(kids[0].name, "城关区");
        assert!(kids.windows(2).all(|w| w[0].code < w[1].code));
        assert!(g().children("西藏自治区/拉萨市/城关区").is_empty());
        assert!(g().children("不存在").is_empty());
        let provinces: Vec<_> = g()
            .places()
            .iter()
            .filter(|p| p.level == Level::Province)
            .collect();
        assert_eq!(provinces.len(), 34);
    }

    #[test]
    fn recent_tibet_changes_use_new_names() {
        assert_eq!(resolved("达孜县"), Some("西藏自治区/拉萨市/达孜区"));
        assert_eq!(resolved("堆龙德庆县"), Some("西藏自治区/拉萨市/堆龙德庆区"));
        assert_eq!(resolved("乃东县"), Some("西藏自治区/山南市/乃东区"));
        assert_eq!(resolved("那曲县"), Some("西藏自治区/那曲市/色尼区"));
        assert_eq!(resolved("米林县"), Some("西藏自治区/林芝市/米林市"));
        assert_eq!(resolved("错那县"), Some("西藏自治区/山南市/错那市"));
        assert_eq!(resolved("林芝县"), Some("西藏自治区/林芝市/巴宜区"));
        assert_eq!(resolved("昌都县"), Some("西藏自治区/昌都市/卡若区"));
        assert_eq!(
            g().by_path("西藏自治区/那曲市").map(|p| p.code),
            Some(540600)
        );
        assert_eq!(
            g().by_path("西藏自治区/阿里地区").map(|p| p.level),
            Some(Level::Prefecture)
        );
        assert!(g().by_path("西藏自治区/那曲地区").is_none());
        assert!(g().by_path("山东省/莱芜市").is_none());
        assert_eq!(resolved("莱芜"), Some("山东省/济南市"));
    }

    #[test]
    fn aliases_resolve_to_official_places() {
        let cases = [
            ("日喀则", "西藏自治区/日喀则市"),
            ("日喀则市", "西藏自治区/日喀则市"),
            ("日喀则地区", "西藏自治区/日喀则市"),
            ("昌都地区", "西藏自治区/昌都市"),
            ("山南地区", "西藏自治区/山南市"),
            ("林芝地区", "西藏自治区/林芝市"),
            ("那曲地区", "西藏自治区/那曲市"),
            ("阿里", "西藏自治区/阿里地区"),
            ("西藏", "西藏自治区"),
            ("拉萨经开区", "西藏自治区/拉萨市"),
            ("拉萨经济技术开发区", "西藏自治区/拉萨市"),
            ("柳梧新区", "西藏自治区/拉萨市"),
            ("昂仁", "西藏自治区/日喀则市/昂仁县"),
            ("芒康", "西藏自治区/昌都市/芒康县"),
            ("白朗", "西藏自治区/日喀则市/白朗县"),
            ("扎达", "西藏自治区/阿里地区/札达县"),
            ("山东", "山东省"),
            ("重庆", "重庆市"),
            ("北京", "北京市"),
            ("新疆", "新疆维吾尔自治区"),
            ("香港", "香港特别行政区"),
            ("内蒙", "内蒙古自治区"),
            ("淄博", "山东省/淄博市"),
            ("甘孜州", "四川省/甘孜藏族自治州"),
            ("海南州", "青海省/海南藏族自治州"),
            ("海南", "海南省"),
        ];
        for (name, path) in cases {
            assert_eq!(resolved(name), Some(path), "{name}");
        }
        assert_eq!(resolved("  昂仁县 "), Some("西藏自治区/日喀则市/昂仁县"));
        assert_eq!(resolved("鲁"), None);
        assert_eq!(resolved("渝"), None);
        assert_eq!(resolved("火星"), None);
        assert_eq!(resolved(""), None);
    }

    #[test]
    fn strict_aliases_resolve_but_are_not_names_for_text() {
        assert_eq!(resolved("比如"), Some("西藏自治区/那曲市/比如县"));
        assert_eq!(resolved("尼玛"), Some("西藏自治区/那曲市/尼玛县"));
        assert_eq!(resolved("城关"), Some("西藏自治区/拉萨市/城关区"));
        assert_eq!(resolved("吉林"), Some("吉林省"));
        assert_eq!(resolved("吉林市"), Some("吉林省/吉林市"));
        let strict = g().strict_aliases();
        for a in [
            "比如", "尼玛", "安多", "定日", "城关", "普兰", "改则", "吉林", "白山", "黄山",
        ] {
            assert!(strict.contains(&a), "{a}");
        }
        let names = g().all_names();
        assert!(names.contains(&"日喀则"));
        assert!(names.contains(&"比如县"));
        assert!(names.contains(&"西藏自治区"));
        assert!(!names.contains(&"比如"));
        assert!(!names.contains(&"天山南"), "stop phrases are not names");
        assert!(names.iter().all(|n| n.chars().count() >= 2));
    }

    #[test]
    fn hierarchy() {
        let p = g().resolve("昂仁县").unwrap();
        assert!(p.path.starts_with("西藏自治区/日喀则市/"));
        assert_eq!(p.level, Level::County);
        assert_eq!(p.code, 540226);
        assert_eq!(p.parent_path(), Some("西藏自治区/日喀则市"));
        let parent = g().parent(p).unwrap();
        assert_eq!(parent.name, "日喀则市");
        assert_eq!(g().parent(parent).unwrap().name, "西藏自治区");
        assert!(g().parent(g().resolve("西藏").unwrap()).is_none());
        assert!(p.is_within("西藏自治区"));
        assert!(!p.is_within("西藏自治区/日喀"));
        assert!(Level::Province < Level::County);
    }

    #[test]
    fn resolve_paths() {
        assert_eq!(resolved("西藏自治区/日喀则市"), Some("西藏自治区/日喀则市"));
        assert_eq!(
            resolved("西藏自治区/日喀则市/昂仁县"),
            Some("西藏自治区/日喀则市/昂仁县")
        );
        assert_eq!(resolved("日喀则/昂仁"), Some("西藏自治区/日喀则市/昂仁县"));
        assert_eq!(
            resolved("西藏/那曲地区/比如"),
            Some("西藏自治区/那曲市/比如县")
        );
        assert_eq!(resolved("拉萨/昂仁"), None, "昂仁 is not in 拉萨");
        assert_eq!(resolved("昂仁/昂仁"), None);
        assert_eq!(resolved("西藏自治区/不存在"), None);
    }

    #[test]
    fn county_in_running_text() {
        let text = "淄博市第九批援藏干部人才抵达西藏自治区日喀则市昂仁县";
        assert_eq!(found(text), ["淄博市", "西藏自治区", "日喀则市", "昂仁县"]);
        for m in g().mentions(text) {
            assert_eq!(&text[m.start..m.end], m.surface);
        }
        let ms = g().mentions(text);
        assert_eq!(ms[0].start, 0);
        assert_eq!(ms[3].end, text.len());
        assert_eq!(ms[3].place.path, "西藏自治区/日喀则市/昂仁县");
    }

    #[test]
    fn short_forms_in_running_text() {
        assert_eq!(
            paths("山东援藏干部在日喀则昂仁开展工作"),
            [
                "山东省",
                "西藏自治区/日喀则市",
                "西藏自治区/日喀则市/昂仁县"
            ]
        );
        assert_eq!(found("重庆对口支援昌都地区"), ["重庆市", "昌都市"]);
        assert_eq!(found("拉萨经开区招商"), ["拉萨市"]);
        assert_eq!(found("芒康、白朗两县"), ["芒康县", "白朗县"]);
        assert_eq!(found("从那曲地区到阿里"), ["那曲市", "阿里地区"]);
        assert_eq!(found("达孜县和堆龙德庆县"), ["达孜区", "堆龙德庆区"]);
        assert_eq!(
            found("北京、上海、天津、广东"),
            ["北京市", "上海市", "天津市", "广东省"]
        );
    }

    #[test]
    fn longest_match_wins() {
        let ms = g().mentions("拉萨市城关区");
        assert_eq!(ms.len(), 2);
        assert_eq!(
            (ms[0].surface.as_str(), ms[0].place.name.as_str()),
            ("拉萨市", "拉萨市")
        );
        assert_eq!(ms[1].surface, "城关区");
        assert_eq!(found("西藏自治区"), ["西藏自治区"]);
        assert_eq!(found("拉萨经济技术开发区"), ["拉萨市"]);
        assert_eq!(found("马鞍山"), ["马鞍山市"]);
        assert_eq!(found("工布江达县"), ["工布江达县"]);
        assert_eq!(found("白朗县"), ["白朗县"]);
    }

    #[test]
    fn no_false_match_inside_longer_words() {
        for text in [
            "比如说，我们要确定日期。",
            "城关镇的群众",
            "隆重庆祝建党百年",
            "天山南北",
            "吉隆坡",
            "阿里巴巴",
            "探索县域经济",
            "二十八宿",
            "准噶尔盆地",
            "出海口",
            "五大连池",
            "挪威海",
            "施用复合肥",
            "峨眉山",
            "相当雄厚",
            "四季长春",
            "万古长春",
            "黄山",
            "中山大学",
            "长治久安",
            "幸福安康",
            "日照充足",
            "世界大同",
            "白山黑水",
            "一朝阳光",
            "确定西部",
            "六十周年大庆",
            "尼玛次仁",
            "安多藏区",
            "定结果",
            "普兰店",
        ] {
            assert_eq!(found(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn stop_phrases_do_not_hide_neighbours() {
        assert_eq!(found("比如说昂仁县"), ["昂仁县"]);
        assert_eq!(found("隆重庆祝山南市成立"), ["山南市"]);
        assert_eq!(found("确定日喀则"), ["日喀则市"]);
        assert_eq!(found("来自贡嘎县"), ["贡嘎县"]);
    }

    #[test]
    fn full_names_match_where_short_forms_do_not() {
        assert_eq!(found("比如县"), ["比如县"]);
        assert_eq!(found("尼玛县"), ["尼玛县"]);
        assert_eq!(found("定日县"), ["定日县"]);
        assert_eq!(found("安多县"), ["安多县"]);
        assert_eq!(found("城关区"), ["城关区"]);
        assert_eq!(found("吉林省和吉林市"), ["吉林省", "吉林市"]);
        assert_eq!(found("黄山市"), ["黄山市"]);
        assert_eq!(found("朗县和索县"), ["朗县", "索县"]);
        assert_eq!(found("比如县级财政"), Vec::<&str>::new());
    }

    #[test]
    fn streets_are_not_places() {
        assert_eq!(found("拉萨市北京中路"), ["拉萨市"]);
        assert_eq!(found("上海南京路"), ["上海市"]);
        assert_eq!(found("色尼区浙江西路3号"), ["色尼区"]);
        assert_eq!(found("日喀则上海路"), ["日喀则市"]);
        assert_eq!(found("江苏大道"), Vec::<&str>::new());
        assert_eq!(found("中山南路"), Vec::<&str>::new());
        // Not a street: 路上, 路线 …
        assert_eq!(found("去西藏路上"), ["西藏自治区"]);
        assert_eq!(found("北京路线"), ["北京市"]);
        // Official names are never taken for streets.
        assert_eq!(found("北京市路政局"), ["北京市"]);
    }

    #[test]
    fn townships_of_county_aliases() {
        // A county short form followed by 乡/镇/村 names a township or village.
        assert_eq!(found("昂仁乡"), Vec::<&str>::new());
        assert_eq!(found("白朗镇"), Vec::<&str>::new());
        // … unless that is an ordinary word.
        assert_eq!(found("昂仁乡村振兴"), ["昂仁县"]);
        assert_eq!(found("芒康村民"), ["芒康县"]);
        assert_eq!(found("昂仁县乡镇"), ["昂仁县"]);
        // Known towns are listed as aliases of their county.
        assert_eq!(paths("江孜镇"), ["西藏自治区/日喀则市/江孜县"]);
        assert_eq!(found("吉隆镇口岸"), ["吉隆县"]);
        assert_eq!(found("八一镇"), ["巴宜区"]);
        // Prefecture and province short forms are not affected.
        assert_eq!(found("西藏乡村振兴"), ["西藏自治区"]);
        assert_eq!(found("日喀则乡镇干部"), ["日喀则市"]);
    }

    #[test]
    fn county_aliases_inside_other_places_are_not_counties() {
        // 贡嘎 is 山南's county, but after 白朗县 or a village it names a company or product.
        assert_eq!(
            found("日喀则市白朗县贡嘎实业发展有限公司"),
            ["日喀则市", "白朗县"]
        );
        assert_eq!(found("巴扎村贡嘎藏毯传统产业厂房"), Vec::<&str>::new());
        assert_eq!(found("来自贡嘎的学生"), ["贡嘎县"]);
        // Official names are not affected.
        assert_eq!(found("日喀则市白朗县"), ["日喀则市", "白朗县"]);
    }

    #[test]
    fn strict_aliases_in_lists_of_counties() {
        assert_eq!(
            found("在白朗、措勤、聂荣三县试点"),
            ["白朗县", "措勤县", "聂荣县"]
        );
        assert_eq!(found("在聂荣、白朗两县"), ["聂荣县", "白朗县"]);
        assert_eq!(
            found("白朗、定日、定结等3个县"),
            ["白朗县", "定日县", "定结县"]
        );
        // Chains: two strict aliases in a row after a county.
        assert_eq!(found("措勤、比如、安多"), ["措勤县", "比如县", "安多县"]);
        // Not a list of counties: a person's name, or no county next to it.
        assert_eq!(found("白朗、尼玛次仁"), ["白朗县"]);
        assert_eq!(found("扎西尼玛、白朗县"), ["白朗县"]);
        assert_eq!(found("比如、定日"), Vec::<&str>::new());
    }

    #[test]
    fn mentions_handle_mixed_text() {
        assert!(g().mentions("").is_empty());
        assert!(g().mentions("plain ASCII text 123").is_empty());
        let text = "2024年，🙂 西藏 Lhasa 拉萨";
        let ms = g().mentions(text);
        assert_eq!(ms.len(), 2);
        for m in &ms {
            assert_eq!(&text[m.start..m.end], m.surface);
        }
    }

    #[test]
    fn parse_small_files() {
        let tsv = "# comment\n\
                   1\tA省\t1\tAA\n\
                   2\tA省/B市\t2\tBB\tBx\n\
                   3\tA省/B市/C县\t3\n\
                   stop\tXA省Y\n";
        let g = Gazetteer::parse(tsv).unwrap();
        assert_eq!(g.places().len(), 3);
        assert_eq!(g.resolve("BB").unwrap().name, "B市");
        assert_eq!(g.resolve("Bx").unwrap().name, "B市");
        assert_eq!(g.children("A省/B市")[0].name, "C县");
        let m: Vec<_> = g
            .mentions("A省B市BBXA省Y")
            .iter()
            .map(|m| m.surface.clone())
            .collect();
        assert_eq!(m, ["A省", "B市", "BB"]);
        assert_eq!(g.all_names(), ["A省", "B市", "C县", "AA", "BB"]);
    }

    #[test]
    fn parse_rejects_bad_data() {
        let bad = [
            "x\tA省\t1\n",
            "1\tA省\t4\n",
            "1\tA省/B市\t1\n",
            "1\tA省/B市\t2\n",
            "1\tA省\t1\n1\tA省\t1\n",
            "1\tA省\t1\tA\n2\tB省\t1\tA\n",
            "1\tA省\t1\tB省\n2\tB省\t1\n",
            "1\tA省\n",
            "1\tA省\t1\nstop\tA省\n",
            "stop\ta\tb\n",
        ];
        for tsv in bad {
            assert!(Gazetteer::parse(tsv).is_err(), "{tsv:?}");
        }
        assert!(Gazetteer::parse("").unwrap().places().is_empty());
    }
}
