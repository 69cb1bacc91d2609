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
const DATA: &str = include_str!("../data/regions.tsv");

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
mod tests;
