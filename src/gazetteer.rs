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
//! of a list of counties (白朗、措勤、聂荣三县), they are counties. An official
//! name marked strict (新县, 城区: short, and parts of ordinary text) counts
//! right after its prefecture or province (信阳市新县) and in such lists.
//!
//! Names repeat across China (鼓楼区, 城关区, 朝阳区 …). A mention of a name
//! that several places share is resolved by the province or prefecture named
//! right before it (福州市鼓楼区), else by the other places of the text and
//! the context the caller gives ([`Gazetteer::mentions_with_context`]): the
//! candidate that shares the deepest enclosing division with one of them, when
//! only one does; else it is dropped, not guessed. [`Gazetteer::resolve`]
//! gives a place only for an unambiguous name or path;
//! [`Gazetteer::resolve_all`] lists the candidates.

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
    /// County-level division (县, 区, 县级市, 旗).
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
    /// Official names from the province down, joined by `/`. A district of a
    /// municipality or a county governed by its province sits right under the
    /// province (北京市/朝阳区, 湖北省/仙桃市).
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

    /// Whether this place lies inside `ancestor_path` (and is not it).
    fn is_below(&self, ancestor_path: &str) -> bool {
        self.path.len() > ancestor_path.len() && self.is_within(ancestor_path)
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

/// The place mentions of a text, and how many mentions of names that several
/// places share could not be resolved (and were dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions<'g> {
    /// Mentions, left to right.
    pub found: Vec<PlaceMention<'g>>,
    /// Mentions of shared names left out for want of context.
    pub unresolved: usize,
}

/// One place a matcher entry may stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    /// Index into `places`.
    place: u32,
    /// Whether the entry is the place's official name (else an alias).
    official: bool,
}

#[derive(Debug)]
struct Candidate {
    text: Box<str>,
    /// `targets[range]`: the places this text names; empty for a stop phrase.
    targets: std::ops::Range<u32>,
}

/// A match that may stand for several places, before they are told apart.
struct Raw {
    start: usize,
    end: usize,
    /// Candidate places; one when resolved.
    places: Vec<usize>,
}

/// Administrative-division gazetteer: places, their names and aliases, and a
/// matcher for place mentions in text.
#[derive(Debug)]
pub struct Gazetteer {
    places: Vec<Place>,
    by_path: HashMap<String, usize>,
    /// Official names, aliases and strict aliases → place indexes, in data order.
    by_name: HashMap<String, Vec<usize>>,
    /// Official names and non-strict aliases matched in text, in data order, each once.
    names: Vec<String>,
    /// Strict (suffix-required) aliases and strict official names, in data order, each once.
    strict: Vec<String>,
    /// Strict names of county-level places → those places (lists of counties).
    strict_counties: HashMap<String, Vec<usize>>,
    /// Strict official names → places (matched after an enclosing place).
    strict_official: HashMap<String, Vec<usize>>,
    /// Longest strict name, in bytes.
    strict_max: usize,
    /// Official names, non-strict aliases and stop phrases, each text once.
    candidates: Vec<Candidate>,
    /// The places of `candidates` (see [`Candidate::targets`]).
    targets: Vec<Target>,
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
    /// first; paths are unique, names and aliases may be shared by several
    /// places. A strict list that holds the place's own name makes the official
    /// name strict.
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
            let parent = path.rfind('/').map(|i| &path[..i]);
            let parent_level = parent
                .and_then(|p| by_path.get(p))
                .map(|&i: &usize| places[i].level);
            if parent.is_some() && parent_level.is_none() {
                return Err(format!(
                    "line {lineno}: parent of {path:?} not listed before it"
                ));
            }
            // A county-level division may sit right under its province.
            let fits = segments.len() == level.number() as usize
                || (level == Level::County && parent_level == Some(Level::Province));
            if !fits || segments.iter().any(|s| s.is_empty()) {
                return Err(format!(
                    "line {lineno}: path {path:?} does not fit level {}",
                    level.number()
                ));
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

        // Every (name, place) once; an official name listed as strict is strict.
        let strict_official: std::collections::HashSet<(String, usize)> = aliases
            .iter()
            .filter(|(a, i, strict)| *strict && *a == places[*i].name)
            .map(|(a, i, _)| (a.clone(), *i))
            .collect();
        // (name, place, kind): kind None = official, Some(strict).
        let official = places.iter().enumerate().map(|(i, p)| {
            let strict = strict_official.contains(&(p.name.clone(), i));
            (p.name.clone(), i, strict.then_some(true))
        });
        let alias = aliases
            .into_iter()
            .filter(|(a, i, _)| *a != places[*i].name)
            .map(|(a, i, s)| (a, i, Some(s)));
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut text_names: Vec<(String, Vec<Target>)> = Vec::new();
        let mut text_index: HashMap<String, usize> = HashMap::new();
        let mut strict_names: Vec<String> = Vec::new();
        let mut strict_counties: HashMap<String, Vec<usize>> = HashMap::new();
        let mut strict_official_map: HashMap<String, Vec<usize>> = HashMap::new();
        for (name, idx, kind) in official.chain(alias) {
            let owners = by_name.entry(name.clone()).or_default();
            if owners.contains(&idx) {
                return Err(format!(
                    "name {name:?} listed twice for {}",
                    places[idx].path
                ));
            }
            owners.push(idx);
            if kind == Some(true) {
                strict_names.push(name.clone());
                if places[idx].level == Level::County {
                    strict_counties.entry(name.clone()).or_default().push(idx);
                }
                if name == places[idx].name {
                    strict_official_map.entry(name).or_default().push(idx);
                }
                continue;
            }
            let target = Target {
                place: idx as u32,
                official: kind.is_none(),
            };
            match text_index.get(&name) {
                Some(&k) => text_names[k].1.push(target),
                None => {
                    text_index.insert(name.clone(), text_names.len());
                    text_names.push((name, vec![target]));
                }
            }
        }
        let mut names = Vec::with_capacity(text_names.len());
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut targets: Vec<Target> = Vec::new();
        for (name, ts) in text_names {
            let from = targets.len() as u32;
            targets.extend(ts);
            candidates.push(Candidate {
                text: name.as_str().into(),
                targets: from..targets.len() as u32,
            });
            names.push(name);
        }
        let mut seen_stops = std::collections::HashSet::new();
        for stop in stops {
            if by_name.contains_key(&stop) {
                return Err(format!("stop phrase {stop:?} is also a place name"));
            }
            if seen_stops.insert(stop.clone()) {
                candidates.push(Candidate {
                    text: stop.into(),
                    targets: 0..0,
                });
            }
        }
        let strict_max = strict_names.iter().map(String::len).max().unwrap_or(0);
        // A strict name that several places share: once.
        let mut seen = std::collections::HashSet::new();
        strict_names.retain(|n| seen.insert(n.clone()));

        // A DFA: fewer instructions per byte than the NFAs. For the ~4,300
        // names and stop phrases its table takes about 11 MiB and 25 ms to
        // build; the contiguous NFA would take 0.4 MiB and 8 ms but search
        // the news 1.7 times slower.
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
            strict_counties,
            strict_official: strict_official_map,
            strict_max,
            candidates,
            targets,
            matcher,
        })
    }

    /// All mentions of places in `text`, left to right, leftmost-longest, non-overlapping.
    /// A mention must not sit inside a longer place name (e.g. 拉萨 inside 拉萨市 yields one mention of 拉萨市;
    /// 城关 inside 城关镇 yields none, since 城关 is suffix-required). A name
    /// that several places share is resolved by the text alone (see
    /// [`Self::mentions_with_context`]).
    pub fn mentions<'g>(&'g self, text: &str) -> Vec<PlaceMention<'g>> {
        self.scan(text, &[]).found
    }

    /// As [`Self::mentions`], with `context`: paths of places the text is known
    /// to be about (the article's other places), which settle names that several
    /// places share when the text itself does not.
    pub fn mentions_with_context<'g>(
        &'g self,
        text: &str,
        context: &[&str],
    ) -> Vec<PlaceMention<'g>> {
        self.scan(text, context).found
    }

    /// The mentions of `text` given `context` (as for
    /// [`Self::mentions_with_context`]), and how many mentions of shared names
    /// were left out.
    pub fn scan<'g>(&'g self, text: &str, context: &[&str]) -> Mentions<'g> {
        let mut raw: Vec<Raw> = Vec::new();
        for m in self.matcher.find_iter(text) {
            let (i, end) = (m.start(), m.end());
            let cand = &self.candidates[m.pattern().as_usize()];
            let targets = &self.targets[cand.targets.start as usize..cand.targets.end as usize];
            if targets.is_empty() {
                continue; // a stop phrase
            }
            let rest = &text[end..];
            let places: Vec<usize> = targets
                .iter()
                .filter(|t| {
                    if t.official {
                        return true;
                    }
                    let county = self.places[t.place as usize].level == Level::County;
                    let inside = county && text[..i].ends_with(['县', '乡', '镇', '村']);
                    !(is_street(rest) || county && (is_township(rest) || inside))
                })
                .map(|t| t.place as usize)
                .collect();
            if !places.is_empty() {
                raw.push(Raw {
                    start: i,
                    end,
                    places,
                });
            }
        }
        let mut unresolved = 0;
        if raw.iter().any(|r| r.places.len() > 1) {
            unresolved = self.tell_apart(&mut raw, context);
        }
        let mut out: Vec<PlaceMention<'g>> = raw
            .iter()
            .filter(|r| r.places.len() == 1)
            .map(|r| self.mention(r.places[0], text, r.start, r.end))
            .collect();
        if !self.strict_official.is_empty() {
            self.strict_after_enclosing(text, &mut out);
        }
        if text.contains('、') && !self.strict_counties.is_empty() {
            self.listed_strict_counties(text, context, &mut out);
        }
        Mentions {
            found: out,
            unresolved,
        }
    }

    /// Settle the matches that stand for several places, left to right: by the
    /// place named right before (福州市鼓楼区), else by the places of the text
    /// and of `context`. Returns how many stay unsettled (they keep several
    /// places and are left out).
    fn tell_apart(&self, raw: &mut [Raw], context: &[&str]) -> usize {
        let mut known: Vec<usize> = context
            .iter()
            .filter_map(|p| self.by_path.get(*p).copied())
            .collect();
        known.extend(
            raw.iter()
                .filter(|r| r.places.len() == 1)
                .map(|r| r.places[0]),
        );
        let mut unresolved = 0;
        for k in 0..raw.len() {
            if raw[k].places.len() == 1 {
                continue;
            }
            let before = k
                .checked_sub(1)
                .map(|j| &raw[j])
                .filter(|r| r.end == raw[k].start && r.places.len() == 1)
                .map(|r| &self.places[r.places[0]]);
            let inside: Vec<usize> = before
                .map(|b| {
                    raw[k]
                        .places
                        .iter()
                        .copied()
                        .filter(|&c| self.places[c].is_below(&b.path))
                        .collect()
                })
                .unwrap_or_default();
            let chosen = match inside.as_slice() {
                [one] => Some(*one),
                _ => self.nearest(&raw[k].places, &known),
            };
            match chosen {
                Some(c) => {
                    raw[k].places = vec![c];
                    known.push(c);
                }
                None => unresolved += 1,
            }
        }
        unresolved
    }

    /// The one candidate that shares the deepest enclosing division with a
    /// known place (itself, its prefecture or its province), if only one does.
    fn nearest(&self, candidates: &[usize], known: &[usize]) -> Option<usize> {
        let shared = |c: usize| {
            known
                .iter()
                .map(|&q| common_depth(&self.places[c].path, &self.places[q].path))
                .max()
                .unwrap_or(0)
        };
        let scores: Vec<(usize, usize)> = candidates.iter().map(|&c| (shared(c), c)).collect();
        let best = scores.iter().map(|s| s.0).max().unwrap_or(0);
        let mut top = scores.iter().filter(|s| s.0 == best);
        match (best, top.next(), top.next()) {
            (1.., Some(&(_, c)), None) => Some(c),
            _ => None,
        }
    }

    /// Add strict official names (新县, 城区) named right after an enclosing
    /// place (信阳市新县, 阳泉市城区).
    fn strict_after_enclosing<'g>(&'g self, text: &str, out: &mut Vec<PlaceMention<'g>>) {
        let mut found = Vec::new();
        for m in out.iter().filter(|m| m.place.level != Level::County) {
            let rest = &text[m.end..];
            let inside = prefix_ends(rest, self.strict_max).find_map(|len| {
                let owners = self.strict_official.get(&rest[..len])?;
                let mut inside = owners
                    .iter()
                    .filter(|&&p| self.places[p].is_below(&m.place.path));
                match (inside.next(), inside.next()) {
                    (Some(&p), None) => Some((len, p)),
                    _ => None,
                }
            });
            if let Some((len, p)) = inside {
                found.push((m.place, self.mention(p, text, m.end, m.end + len)));
            }
        }
        // The same name matched for a place elsewhere gives way (C省X区, where
        // one X区 is C省's strict one and another one is matched in text).
        for (enclosing, f) in &found {
            if let Some(same) = out
                .iter_mut()
                .find(|o| o.start == f.start && o.end == f.end)
            {
                if !same.place.is_below(&enclosing.path) {
                    *same = f.clone();
                }
            }
        }
        add_new(out, found.into_iter().map(|(_, f)| f).collect());
    }

    /// Add strict county names named as items of a list of counties: next to a
    /// county mention across `、`, or right before a count of counties (三县).
    fn listed_strict_counties<'g>(
        &'g self,
        text: &str,
        context: &[&str],
        out: &mut Vec<PlaceMention<'g>>,
    ) {
        let mut added = true;
        while added {
            let mut found: Vec<PlaceMention<'g>> = Vec::new();
            for m in out.iter().filter(|m| m.place.level == Level::County) {
                // Forward: `措勤、聂荣` after a county.
                if let Some(rest) = text[m.end..].strip_prefix('、') {
                    let start = m.end + '、'.len_utf8();
                    if let Some((len, p)) = self.strict_county_at(rest, m, out, context) {
                        if ends_list_item(&rest[len..]) {
                            found.push(self.mention(p, text, start, start + len));
                        }
                    }
                }
                // Backward: `聂荣、白朗` before a county.
                if let Some(before) = text[..m.start].strip_suffix('、') {
                    if let Some((len, p)) = self.strict_county_ending(before, m, out, context) {
                        let start = before.len() - len;
                        if starts_list_item(&text[..start]) {
                            found.push(self.mention(p, text, start, before.len()));
                        }
                    }
                }
            }
            added = add_new(out, found);
        }
    }

    /// The county a strict name stands for next to county `next_to` in a list:
    /// its only place, or the one nearest to the other places named.
    fn strict_county(
        &self,
        name: &str,
        next_to: &PlaceMention<'_>,
        out: &[PlaceMention<'_>],
        context: &[&str],
    ) -> Option<usize> {
        let owners = self.strict_counties.get(name)?;
        if let [p] = owners[..] {
            return Some(p);
        }
        let mut known: Vec<usize> = context
            .iter()
            .filter_map(|p| self.by_path.get(*p).copied())
            .collect();
        known.extend(
            out.iter()
                .filter_map(|m| self.by_path.get(&m.place.path).copied()),
        );
        let index = self.by_path.get(&next_to.place.path).copied();
        known.extend(index);
        self.nearest(owners, &known)
    }

    /// The strict county name at the start of `rest`, if any: (byte length, place).
    fn strict_county_at(
        &self,
        rest: &str,
        next_to: &PlaceMention<'_>,
        out: &[PlaceMention<'_>],
        context: &[&str],
    ) -> Option<(usize, usize)> {
        prefix_ends(rest, self.strict_max)
            .filter(|&len| self.strict_counties.contains_key(&rest[..len]))
            .find_map(|len| {
                Some((
                    len,
                    self.strict_county(&rest[..len], next_to, out, context)?,
                ))
            })
    }

    /// The strict county name at the end of `before`, if any: (byte length, place).
    fn strict_county_ending(
        &self,
        before: &str,
        next_to: &PlaceMention<'_>,
        out: &[PlaceMention<'_>],
        context: &[&str],
    ) -> Option<(usize, usize)> {
        let starts = before.char_indices().rev().map(|(i, _)| i);
        starts
            .take_while(|&i| before.len() - i <= self.strict_max)
            .filter(|&i| self.strict_counties.contains_key(&before[i..]))
            .find_map(|i| {
                let p = self.strict_county(&before[i..], next_to, out, context)?;
                Some((before.len() - i, p))
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
    /// names or aliases and may start below the province ("日喀则/昂仁",
    /// "福州/鼓楼区"). A name that several places share (鼓楼区) resolves to
    /// none: see [`Self::resolve_all`].
    pub fn resolve(&self, name: &str) -> Option<&Place> {
        match self.resolve_all(name).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Every place a name, an alias or a path may stand for, in data order:
    /// one for an unambiguous one, several for a name that places share
    /// (鼓楼区 → the four 鼓楼区), none for an unknown one.
    pub fn resolve_all(&self, name: &str) -> Vec<&Place> {
        let name = name.trim();
        if let Some(p) = self.by_path(name) {
            return vec![p];
        }
        if !name.contains('/') {
            return self
                .by_name
                .get(name)
                .map(|v| v.iter().map(|&i| &self.places[i]).collect())
                .unwrap_or_default();
        }
        let segments: Vec<&str> = name
            .split('/')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let Some((leaf, above)) = segments.split_last() else {
            return Vec::new();
        };
        if above.is_empty() {
            return self.resolve_all(leaf);
        }
        self.resolve_all(leaf)
            .into_iter()
            .filter(|p| self.fits_above(p, above))
            .collect()
    }

    /// Whether `segments` (names from the top down) name enclosing divisions
    /// of `place`, each below the one before.
    fn fits_above(&self, place: &Place, segments: &[&str]) -> bool {
        let mut below = place;
        for seg in segments.iter().rev() {
            let enclosing = self
                .resolve_all(seg)
                .into_iter()
                .filter(|a| below.is_below(&a.path))
                .max_by_key(|a| a.path.len());
            match enclosing {
                Some(a) => below = a,
                None => return false,
            }
        }
        true
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

    /// Every official name and every alias matched in text, each once (for
    /// adding to the jieba dictionary).
    ///
    /// Strict aliases are left out on purpose: they are ordinary words (比如, 定日
    /// in 确定日期) that must not be glued into one token; see [`Self::strict_aliases`].
    pub fn all_names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The strict ("suffix-required") aliases and strict official names, each
    /// once: accepted by [`Self::resolve`], never matched in running text on
    /// their own.
    pub fn strict_aliases(&self) -> Vec<&str> {
        self.strict.iter().map(String::as_str).collect()
    }

    /// All places.
    pub fn places(&self) -> &[Place] {
        &self.places
    }
}

/// The byte lengths of the prefixes of `text` of at least one character and
/// at most `max` bytes, shortest first.
fn prefix_ends(text: &str, max: usize) -> impl Iterator<Item = usize> + '_ {
    let ends = text.char_indices().skip(1).map(|(i, _)| i);
    ends.chain((!text.is_empty()).then_some(text.len()))
        .take_while(move |&len| len <= max)
}

/// How many leading path segments two paths share.
fn common_depth(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// Add the mentions of `found` that overlap none of `out` (nor each other),
/// keeping `out` sorted; whether any was added.
fn add_new<'g>(out: &mut Vec<PlaceMention<'g>>, found: Vec<PlaceMention<'g>>) -> bool {
    let mut added = false;
    for f in found {
        if !out.iter().any(|m| m.start < f.end && f.start < m.end) {
            out.push(f);
            added = true;
        }
    }
    if added {
        out.sort_by_key(|m| m.start);
    }
    added
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
