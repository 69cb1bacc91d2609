//! The one search core: `SearchRequest → SearchResponse`. The JSON API, the
//! HTML pages and the CLI all call [`search`]; nothing else builds queries.
//!
//! A query is parsed forgivingly (`query`), segmented with the index's own
//! analyzer, expanded with synonyms (`synonyms`), and compiled to a tantivy
//! query in which every word is required. When that finds nothing, the search
//! is relaxed to "most words" and says so; a long query with only a few
//! exact hits is filled with most-words hits ranked after them. Facet counts
//! are disjunctive: each facet is counted with the other facets' filters but
//! not its own, from the generation's facet table (`tables`) in the pass
//! that ranks. The server's memory of responses is `cache`.

pub mod cache;
pub mod complete;
mod engine;
pub mod query;
pub mod snippet;
pub mod synonyms;
pub(crate) mod tables;

use std::collections::HashMap;
use std::ops::Bound;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::facet::{FacetKind, PerFacet, Shape};
use crate::gazetteer::Gazetteer;
use crate::index::build::facet;
use crate::index::schema::names;
use crate::index::Fields;
use crate::labels::TIBET;
use crate::normalize::fold;
use crate::tokenizer::{analyze, jieba};
pub use engine::{stats, Engine, IndexStats, LiveEngine};
use query::{ParsedQuery, Unit};
use tables::{FacetCounts, FacetTable};

/// Largest page size.
pub const MAX_PER_PAGE: usize = 100;
/// Default page size.
pub const DEFAULT_PER_PAGE: usize = 10;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most values accepted for one facet filter.
pub const MAX_FILTER_VALUES: usize = 32;
/// Most words (after segmentation) in one query.
pub const MAX_TERMS: usize = 32;
/// Deepest page reachable (page × per_page).
pub const MAX_OFFSET: usize = 10_000;
/// A long query with fewer exact hits than this is filled up with hits that
/// have most of its words.
pub const FILL_BELOW: u64 = 10;
/// Default cap of paragraphs from one report on the first page.
pub const DEFAULT_PER_REPORT: usize = 3;

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest report first.
    Date,
    /// Largest amount of money first.
    Funding,
}

impl Sort {
    /// Parse a `sort` parameter.
    pub fn parse(value: &str) -> Result<Sort> {
        match value {
            "" | "relevance" => Ok(Sort::Relevance),
            "date" => Ok(Sort::Date),
            "funding" => Ok(Sort::Funding),
            other => Err(Error::bad(
                "sort",
                format!("sort must be relevance, date or funding, not {other:?}"),
            )),
        }
    }

    /// The parameter value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Date => "date",
            Sort::Funding => "funding",
        }
    }
}

/// A search, as the API, the pages and the CLI send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchRequest {
    /// The query text; empty lists everything (browsing by facets).
    pub q: String,
    pub region: Vec<String>,
    pub donor: Vec<String>,
    pub sector: Vec<String>,
    pub year: Vec<String>,
    /// Only paragraphs of this report.
    pub report: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    pub sort: Sort,
    pub min_funding: Option<f64>,
    pub max_funding: Option<f64>,
    /// At most this many paragraphs of one report on the first page (0: no cap).
    pub per_report: Option<usize>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            region: Vec::new(),
            donor: Vec::new(),
            sector: Vec::new(),
            year: Vec::new(),
            report: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            sort: Sort::Relevance,
            min_funding: None,
            max_funding: None,
            per_report: None,
        }
    }
}

impl SearchRequest {
    /// The values asked for one facet.
    pub fn values(&self, kind: FacetKind) -> &Vec<String> {
        match kind {
            FacetKind::Region => &self.region,
            FacetKind::Donor => &self.donor,
            FacetKind::Sector => &self.sector,
            FacetKind::Year => &self.year,
        }
    }

    /// The values asked for one facet, to change.
    pub fn values_mut(&mut self, kind: FacetKind) -> &mut Vec<String> {
        match kind {
            FacetKind::Region => &mut self.region,
            FacetKind::Donor => &mut self.donor,
            FacetKind::Sector => &mut self.sector,
            FacetKind::Year => &mut self.year,
        }
    }

    /// A request for `q` with defaults.
    pub fn query(q: &str) -> SearchRequest {
        SearchRequest {
            q: q.to_string(),
            ..SearchRequest::default()
        }
    }

    /// Check every parameter; the error names the parameter at fault.
    pub fn validate(&self) -> Result<()> {
        if self.q.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::query_too_long(MAX_QUERY_CHARS));
        }
        if self.page == 0 {
            return Err(Error::bad("page", "page starts at 1"));
        }
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return Err(Error::bad(
                "per_page",
                format!("per_page must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if self.page.saturating_mul(self.per_page) > MAX_OFFSET {
            return Err(Error::bad(
                "page",
                format!("page × per_page must not exceed {MAX_OFFSET}"),
            ));
        }
        for (name, values) in [
            ("region", &self.region),
            ("donor", &self.donor),
            ("sector", &self.sector),
            ("year", &self.year),
        ] {
            if values.len() > MAX_FILTER_VALUES {
                return Err(Error::bad(
                    name,
                    format!("at most {MAX_FILTER_VALUES} {name} values"),
                ));
            }
            for v in values {
                if v.trim().is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control)
                {
                    return Err(Error::bad(
                        name,
                        format!("{name} value {v:?} is empty, too long or has control characters"),
                    ));
                }
            }
        }
        for y in &self.year {
            if !(y.len() == 4 && y.chars().all(|c| c.is_ascii_digit())) {
                return Err(Error::bad(
                    "year",
                    format!("year must be a four-digit year, not {y:?}"),
                ));
            }
        }
        for (name, v) in [
            ("min_funding", self.min_funding),
            ("max_funding", self.max_funding),
        ] {
            if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return Err(Error::bad(
                    name,
                    format!("{name} must be a non-negative number of yuan"),
                ));
            }
        }
        if let Some(report) = &self.report {
            if !crate::corpus::is_valid_id(report) {
                return Err(Error::bad("report", "report is not a valid report id"));
            }
        }
        Ok(())
    }
}

/// The report a hit belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HitReport {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub source: Option<String>,
}

/// One matching paragraph.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    /// `report-id#paragraph`.
    pub id: String,
    pub report: HitReport,
    pub paragraph: u32,
    /// `paragraph`, `caption` or `heading`.
    pub kind: String,
    pub section: Option<String>,
    /// The plain paragraph.
    pub text: String,
    /// HTML-escaped text with `<mark>` around the matches.
    pub snippet: String,
    pub score: f32,
    pub region: Vec<String>,
    pub donor: Vec<String>,
    pub sector: Vec<String>,
    pub year: Vec<String>,
    /// Amounts of money in the paragraph, in yuan.
    pub funding: Vec<f64>,
}

impl Hit {
    /// The paragraph's values of one facet.
    pub fn values(&self, kind: FacetKind) -> &Vec<String> {
        match kind {
            FacetKind::Region => &self.region,
            FacetKind::Donor => &self.donor,
            FacetKind::Sector => &self.sector,
            FacetKind::Year => &self.year,
        }
    }
}

/// One facet value and how many hits have it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FacetValue {
    /// The value to pass back as a filter (a `/`-joined path for region and donor).
    pub value: String,
    pub count: u64,
    /// The last part of the path, for display.
    pub label: String,
    /// Whether this value is among the current filters.
    pub selected: bool,
}

/// Facet counts of a search.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Facets {
    pub region: Vec<FacetValue>,
    pub donor: Vec<FacetValue>,
    pub sector: Vec<FacetValue>,
    pub year: Vec<FacetValue>,
}

impl Facets {
    /// The counted values of one facet.
    pub fn values(&self, kind: FacetKind) -> &Vec<FacetValue> {
        match kind {
            FacetKind::Region => &self.region,
            FacetKind::Donor => &self.donor,
            FacetKind::Sector => &self.sector,
            FacetKind::Year => &self.year,
        }
    }

    /// The counted values of one facet, to change or take.
    pub fn values_mut(&mut self, kind: FacetKind) -> &mut Vec<FacetValue> {
        match kind {
            FacetKind::Region => &mut self.region,
            FacetKind::Donor => &mut self.donor,
            FacetKind::Sector => &mut self.sector,
            FacetKind::Year => &mut self.year,
        }
    }
}

/// What a search returns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchResponse {
    pub query: String,
    pub total: u64,
    /// Hits that have every word of the query (the rest, when `total` is
    /// larger, have most of them and are ranked after).
    pub exact_total: u64,
    pub page: usize,
    pub per_page: usize,
    pub took_ms: f64,
    /// True when no paragraph had every word, so the search was relaxed to most words.
    pub relaxed: bool,
    pub sort: Sort,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Queries that may have been meant, when this one found nothing.
    pub suggestions: Vec<String>,
    /// Related dictionary terms for the query's words.
    pub related: Vec<String>,
    /// The path whose children the region facet lists (empty: the top level).
    pub region_parent: String,
    /// The path whose children the donor facet lists (empty: the top level).
    pub donor_parent: String,
    /// Index generation that answered.
    pub generation: u64,
}

impl SearchResponse {
    /// The path whose children a tree facet lists (empty: the top level, and
    /// always for facets that are not trees).
    pub fn parent(&self, kind: FacetKind) -> &str {
        match kind {
            FacetKind::Region => &self.region_parent,
            FacetKind::Donor => &self.donor_parent,
            FacetKind::Sector | FacetKind::Year => "",
        }
    }
}

/// Words that carry no meaning on their own in a query.
const STOPWORDS: [&str; 40] = [
    "的", "了", "在", "和", "与", "及", "是", "有", "对", "为", "把", "被", "让", "给", "从", "向",
    "等", "也", "都", "就", "而", "或", "并", "做", "哪些", "什么", "怎么", "如何", "哪里", "哪个",
    "吗", "呢", "吧", "啊", "这", "那", "这些", "那些", "关于", "之",
];

/// Boosts of the fields and of the extra evidence.
const SECTION_BOOST: f32 = 0.5;
const TITLE_BOOST: f32 = 0.3;
const SYNONYM_BOOST: f32 = 0.8;
/// Weight of a match in the article's title and lead rather than the paragraph.
const CONTEXT_BOOST: f32 = 0.3;
/// Weight of a long word matched by its parts spread over paragraph and context.
const SPREAD_BOOST: f32 = 0.5;
const ADJACENT_BOOST: f32 = 1.5;
const PROXIMITY_BOOST: f32 = 1.0;
/// Character distance within which query words count as close.
const PROXIMITY_SLOP: u32 = 12;

/// A query compiled against one index.
struct Compiled {
    /// Required part (strict) and its relaxed form.
    strict: Box<dyn Query>,
    relaxed: Option<Box<dyn Query>>,
    /// Ranking-only clauses (title, proximity).
    boosts: Vec<Box<dyn Query>>,
    excluded: Vec<Box<dyn Query>>,
    /// Folded words to mark in snippets.
    highlight: Vec<String>,
    /// Content words, for suggestions.
    words: Vec<String>,
    match_all: bool,
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqsAndPositions,
    ))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// Any of `queries`, scored by the sum of those that match. A member that
/// is itself a plain union is spliced in: the sum is the same, and each
/// union costs tantivy a 16 KiB score buffer per segment per search.
fn should(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    let mut flat: Vec<Box<dyn Query>> = Vec::with_capacity(queries.len());
    for query in queries {
        match query.downcast_ref::<BooleanQuery>() {
            Some(union)
                if union.get_minimum_number_should_match() <= 1
                    && union.clauses().iter().all(|(o, _)| *o == Occur::Should) =>
            {
                flat.extend(union.clauses().iter().map(|(_, q)| q.box_clone()));
            }
            _ => flat.push(query),
        }
    }
    if flat.len() == 1 {
        return flat.pop().unwrap_or_else(|| Box::new(AllQuery));
    }
    Box::new(BooleanQuery::new(
        flat.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn must(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if queries.len() == 1 {
        return queries
            .into_iter()
            .next()
            .unwrap_or_else(|| Box::new(AllQuery));
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

/// The finest cover of a long word by the dictionary words inside it
/// (`援藏医生` → `援藏`+`医生`), with char offsets; None when there is none.
fn cover(word: &str) -> Option<Vec<(usize, String)>> {
    let n = word.chars().count();
    if n < 3 {
        return None;
    }
    let subs: Vec<(usize, usize, String)> = jieba()
        .cut_for_search(word, false)
        .into_iter()
        .filter(|t| t.end - t.start >= 2 && t.end - t.start < n)
        .map(|t| (t.start, t.end, t.word.to_string()))
        .collect();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < n {
        let next = subs.iter().filter(|s| s.0 == pos).max_by_key(|s| s.1)?;
        out.push((next.0, next.2.clone()));
        pos = next.1;
    }
    (out.len() > 1).then_some(out)
}

fn phrase(field: Field, terms: &[(usize, String)], slop: u32) -> Box<dyn Query> {
    if terms.len() == 1 {
        return term_query(field, &terms[0].1);
    }
    let base = terms[0].0;
    let terms = terms
        .iter()
        .map(|(offset, text)| (offset - base, Term::from_field_text(field, text)))
        .collect();
    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
}

/// Query for one word in the paragraph text or its section heading: the word
/// itself, or its dictionary parts side by side.
fn word_query(fields: &Fields, word: &str) -> Box<dyn Query> {
    let mut alternatives = vec![
        term_query(fields.text, word),
        boosted(term_query(fields.section, word), SECTION_BOOST),
    ];
    if let Some(parts) = cover(word) {
        alternatives.push(phrase(fields.text, &parts, 0));
    }
    should(alternatives)
}

/// A required concept of a query: `full` matches the word (or a synonym) in
/// the paragraph, its section, or its article's context; `anchor` matches the
/// word or one of its parts in the paragraph itself. A search requires every
/// concept's `full` and at least one concept's `anchor`, so a paragraph about
/// 医疗 in an article about 援藏 is found by 医疗援藏, but a paragraph is never
/// found by its article alone.
struct Concept {
    full: Box<dyn Query>,
    anchor: Box<dyn Query>,
    /// For a word without dictionary parts, `full` is `anchor` or the
    /// context: this is the context clause alone.
    context_only: Option<Box<dyn Query>>,
}

/// Content tokens of a text, in order, with char offsets.
fn content_tokens(text: &str, keep_stopwords: bool) -> Vec<(usize, String)> {
    let all: Vec<(usize, String)> = analyze(text, false)
        .into_iter()
        .map(|t| (t.char_start, t.text))
        .collect();
    if keep_stopwords {
        return all;
    }
    let content: Vec<(usize, String)> = all
        .iter()
        .filter(|(_, t)| !STOPWORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    if content.is_empty() {
        all
    } else {
        content
    }
}

/// Query for a phrase: its words side by side, in the text or the section.
fn phrase_query(fields: &Fields, text: &str) -> (Box<dyn Query>, Vec<String>) {
    let tokens = content_tokens(text, true);
    let words = tokens.iter().map(|t| t.1.clone()).collect();
    if tokens.is_empty() {
        return (Box::new(AllQuery), words);
    }
    // The finest parts make the phrase independent of how the index split it.
    let mut fine = Vec::new();
    for (offset, word) in &tokens {
        match cover(word) {
            Some(parts) => fine.extend(parts.into_iter().map(|(o, w)| (offset + o, w))),
            None => fine.push((*offset, word.clone())),
        }
    }
    let q = should(vec![
        phrase(fields.text, &tokens, 0),
        phrase(fields.text, &fine, 0),
        boosted(phrase(fields.section, &tokens, 0), SECTION_BOOST),
    ]);
    (q, words)
}

/// One required concept: a word with its synonyms and its article context.
fn concept(fields: &Fields, word: &str, highlight: &mut Vec<String>) -> Concept {
    let in_text = word_query(fields, word);
    let in_context = boosted(term_query(fields.context, word), CONTEXT_BOOST);
    let mut full = vec![in_text.box_clone(), in_context.box_clone()];
    let mut anchor = vec![in_text];
    highlight.push(word.to_string());
    let parts = cover(word);
    let context_only = parts.is_none().then_some(in_context);
    if let Some(parts) = parts {
        // Each part may also be met by its own synonyms (医疗 by 医院).
        let spread: Vec<Box<dyn Query>> = parts
            .iter()
            .map(|(_, p)| {
                let mut alternatives = vec![
                    term_query(fields.text, p),
                    boosted(term_query(fields.context, p), CONTEXT_BOOST),
                ];
                for synonym in synonyms::expand(p) {
                    if let [(_, single)] = content_tokens(&synonym, true).as_slice() {
                        highlight.push(single.clone());
                        alternatives.push(boosted(term_query(fields.text, single), SYNONYM_BOOST));
                    }
                }
                should(alternatives)
            })
            .collect();
        full.push(boosted(must(spread), SPREAD_BOOST));
        for (_, p) in &parts {
            anchor.push(boosted(term_query(fields.text, p), SPREAD_BOOST));
        }
        highlight.extend(parts.into_iter().map(|p| p.1));
    }
    for synonym in synonyms::expand(word) {
        let tokens = content_tokens(&synonym, true);
        highlight.push(fold(&synonym));
        let q = if tokens.len() == 1 {
            word_query(fields, &tokens[0].1)
        } else {
            phrase_query(fields, &synonym).0
        };
        let q = boosted(q, SYNONYM_BOOST);
        full.push(q.box_clone());
        anchor.push(q);
    }
    Concept {
        full: should(full),
        anchor: should(anchor),
        context_only,
    }
}

fn compile(fields: &Fields, parsed: &ParsedQuery) -> Result<Compiled> {
    let mut concepts: Vec<Box<dyn Query>> = Vec::new();
    let mut anchors: Vec<Box<dyn Query>> = Vec::new();
    let mut boosts: Vec<Box<dyn Query>> = Vec::new();
    let mut excluded = Vec::new();
    let mut highlight = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut ordered: Vec<(usize, String)> = Vec::new();
    let mut offset = 0;
    // The anchor and context of a query's only word, when it has no parts.
    let mut lone_word: Option<(Box<dyn Query>, Box<dyn Query>)> = None;
    for clause in &parsed.clauses {
        if clause.excluded {
            for unit in &clause.alternatives {
                let (q, _) = phrase_query(fields, unit.text());
                excluded.push(Box::new(PlainSeek(q)) as Box<dyn Query>);
            }
            continue;
        }
        // A unit of plain words adds one concept per word; an OR group or a
        // phrase is one concept.
        // A word jieba does not know falls apart into pieces, some of them
        // single characters (高原病 → 高原 病); such a word is matched as the
        // phrase of its pieces, never as loose pieces anywhere in a paragraph.
        let unknown_word = match clause.alternatives.as_slice() {
            [Unit::Words(text)] => {
                let tokens = content_tokens(text, false);
                tokens.len() > 1
                    && tokens.iter().any(|(_, t)| {
                        t.chars().count() == 1 && t.chars().all(crate::normalize::is_cjk)
                    })
            }
            _ => false,
        };
        let phrased;
        let clause = if unknown_word {
            phrased = query::Clause {
                alternatives: vec![Unit::Phrase(clause.alternatives[0].text().to_string())],
                excluded: false,
            };
            &phrased
        } else {
            clause
        };
        let single_words =
            clause.alternatives.len() == 1 && matches!(clause.alternatives[0], Unit::Words(_));
        if single_words {
            let text = clause.alternatives[0].text();
            let tokens = content_tokens(text, false);
            // A whole-unit synonym (医疗援藏 → 组团式医疗) when the unit splits.
            let unit_synonyms = if tokens.len() > 1 {
                synonyms::expand(text)
            } else {
                Vec::new()
            };
            let mut unit_concepts = Vec::new();
            for (o, token) in &tokens {
                let c = concept(fields, token, &mut highlight);
                if tokens.len() == 1 {
                    lone_word = c
                        .context_only
                        .map(|context| (c.anchor.box_clone(), context));
                }
                anchors.push(c.anchor);
                unit_concepts.push(c.full);
                words.push(token.clone());
                ordered.push((offset + o, token.clone()));
                boosts.push(boosted(term_query(fields.title, token), TITLE_BOOST));
            }
            if tokens.len() > 1 {
                boosts.push(boosted(phrase(fields.text, &tokens, 0), ADJACENT_BOOST));
            }
            if unit_synonyms.is_empty() {
                concepts.extend(unit_concepts);
            } else {
                let mut alternatives = vec![must(unit_concepts)];
                for synonym in unit_synonyms {
                    highlight.push(fold(&synonym));
                    let q = boosted(phrase_query(fields, &synonym).0, SYNONYM_BOOST);
                    anchors.push(q.box_clone());
                    alternatives.push(q);
                }
                concepts.push(should(alternatives));
            }
            offset += text.chars().count() + 1;
        } else {
            let mut alternatives = Vec::new();
            for unit in &clause.alternatives {
                match unit {
                    Unit::Phrase(p) => {
                        let (q, w) = phrase_query(fields, p);
                        anchors.push(q.box_clone());
                        highlight.push(fold(p).replace(' ', ""));
                        highlight.extend(w.iter().cloned());
                        words.extend(w);
                        alternatives.push(q);
                    }
                    Unit::Words(text) => {
                        let tokens = content_tokens(text, false);
                        let parts = tokens
                            .iter()
                            .map(|(_, t)| {
                                let c = concept(fields, t, &mut highlight);
                                anchors.push(c.anchor);
                                c.full
                            })
                            .collect();
                        words.extend(tokens.into_iter().map(|t| t.1));
                        alternatives.push(must(parts));
                    }
                }
            }
            concepts.push(should(alternatives));
        }
    }
    if words.len() > MAX_TERMS {
        return Err(Error::bad(
            "q",
            format!("the query has more than {MAX_TERMS} words"),
        ));
    }
    if ordered.len() > 1 {
        boosts.push(boosted(
            phrase(fields.text, &ordered, PROXIMITY_SLOP),
            PROXIMITY_BOOST,
        ));
    }
    // Words were typed but none is searchable (`)(*&^%`): nothing matches,
    // rather than everything.
    let unsearchable = concepts.is_empty() && parsed.clauses.iter().any(|c| !c.excluded);
    let match_all = concepts.is_empty() && !unsearchable;
    let anchors_count = anchors.len();
    let anchor = should(anchors);
    // Relaxing a two-word query would drop half of it: only longer queries relax.
    let relaxed = (concepts.len() > 2).then(|| {
        let needed = (concepts.len() * 2).div_ceil(3).max(1);
        let clauses: Vec<Box<dyn Query>> = concepts.iter().map(|q| q.box_clone()).collect();
        must(vec![
            Box::new(BooleanQuery::union_with_minimum_required_clauses(
                clauses, needed,
            )) as Box<dyn Query>,
            anchor.box_clone(),
        ])
    });
    let strict = if unsearchable {
        Box::new(tantivy::query::EmptyQuery) as Box<dyn Query>
    } else if match_all {
        Box::new(AllQuery) as Box<dyn Query>
    } else if let (1, 1, Some((anchor, context))) = (concepts.len(), anchors_count, lone_word) {
        // One word without parts: its concept is its anchor or its context,
        // so `concept AND anchor` matches the anchor and scores twice the
        // anchor plus the context. Said that way, the paragraph's postings
        // are read once instead of twice (same hits, same scores).
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, boosted(anchor, 2.0)),
            (Occur::Should, context),
        ]))
    } else {
        concepts.push(anchor);
        must(concepts)
    };
    highlight.retain(|h| !h.is_empty());
    highlight.sort_by_key(|h| std::cmp::Reverse(h.chars().count()));
    highlight.dedup();
    Ok(Compiled {
        strict,
        relaxed,
        boosts,
        excluded,
        highlight,
        words,
        match_all,
    })
}

/// Wraps an excluded query so tantivy's exclusion seeks it with plain
/// `seek`, never `seek_danger`: the phrase scorer's `seek_danger` trips a
/// debug assertion when it excludes (quickwit-oss/tantivy#2811), which made
/// debug builds answer `-"电商扶贫"` with a 500.
#[derive(Debug)]
struct PlainSeek(Box<dyn Query>);

impl Clone for PlainSeek {
    fn clone(&self) -> Self {
        PlainSeek(self.0.box_clone())
    }
}

impl Query for PlainSeek {
    fn weight(
        &self,
        enable_scoring: tantivy::query::EnableScoring<'_>,
    ) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        Ok(Box::new(PlainSeekWeight(self.0.weight(enable_scoring)?)))
    }
}

struct PlainSeekWeight(Box<dyn tantivy::query::Weight>);

impl tantivy::query::Weight for PlainSeekWeight {
    fn scorer(
        &self,
        reader: &tantivy::SegmentReader,
        boost: tantivy::Score,
    ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        Ok(Box::new(PlainSeekScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(
        &self,
        reader: &tantivy::SegmentReader,
        doc: tantivy::DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        self.0.explain(reader, doc)
    }
}

/// A scorer that keeps tantivy's default, safe `seek_danger` (built on `seek`).
struct PlainSeekScorer(Box<dyn tantivy::query::Scorer>);

impl tantivy::DocSet for PlainSeekScorer {
    fn advance(&mut self) -> tantivy::DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: tantivy::DocId) -> tantivy::DocId {
        self.0.seek(target)
    }

    fn doc(&self) -> tantivy::DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl tantivy::query::Scorer for PlainSeekScorer {
    fn score(&mut self) -> tantivy::Score {
        self.0.score()
    }
}

/// Filters resolved to facet paths, one list per facet.
type Filters = PerFacet<Vec<String>>;

/// The facet fields, in the order of [`FacetKind::ALL`].
pub(crate) const FACET_FIELDS: [&str; 4] = [
    FacetKind::ALL[0].field(),
    FacetKind::ALL[1].field(),
    FacetKind::ALL[2].field(),
    FacetKind::ALL[3].field(),
];

/// A place filter given as a name, an alias or a path becomes a gazetteer path;
/// an unknown one is kept as given (and matches nothing).
fn resolve_place(value: &str) -> String {
    let value = value.trim().trim_matches('/');
    Gazetteer::global()
        .resolve(value)
        .map(|p| p.path.clone())
        .unwrap_or_else(|| value.to_string())
}

fn resolve_filters(request: &SearchRequest, parsed: &ParsedQuery) -> Filters {
    let resolve = |kind: FacetKind, value: &str| match kind.shape() {
        Shape::Tree => resolve_place(value),
        Shape::Flat => value.trim().to_string(),
        Shape::Number => value.to_string(),
    };
    let mut filters = Filters::default();
    for kind in FacetKind::ALL {
        filters[kind] = request
            .values(kind)
            .iter()
            .map(|v| resolve(kind, v))
            .collect();
    }
    for (name, value) in &parsed.filters {
        if let Some(kind) = FacetKind::from_param(name) {
            filters[kind].push(resolve(kind, value));
        }
    }
    for list in &mut filters.0 {
        list.sort();
        list.dedup();
    }
    filters
}

fn facet_filter(fields: &Fields, kind: FacetKind, values: &[String]) -> Option<Box<dyn Query>> {
    if values.is_empty() {
        return None;
    }
    let field = fields.facets[kind];
    Some(should(
        values
            .iter()
            .map(|v| {
                Box::new(TermQuery::new(
                    Term::from_facet(field, &facet(v)),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>
            })
            .collect(),
    ))
}

/// The final query: the core, the ranking boosts, the exclusions and the
/// filters of every facet except `skip`.
fn assemble(
    core: &dyn Query,
    compiled: &Compiled,
    fields: &Fields,
    filters: &Filters,
    request: &SearchRequest,
    skip: Option<FacetKind>,
    with_boosts: bool,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, core.box_clone())];
    if with_boosts {
        clauses.extend(
            compiled
                .boosts
                .iter()
                .map(|q| (Occur::Should, q.box_clone())),
        );
    }
    clauses.extend(
        compiled
            .excluded
            .iter()
            .map(|q| (Occur::MustNot, q.box_clone())),
    );
    for kind in FacetKind::ALL {
        if Some(kind) != skip {
            if let Some(q) = facet_filter(fields, kind, &filters[kind]) {
                clauses.push((Occur::Must, q));
            }
        }
    }
    if let Some(report) = &request.report {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.report_id, report),
                IndexRecordOption::Basic,
            )),
        ));
    }
    if request.min_funding.is_some() || request.max_funding.is_some() {
        let lower = request.min_funding.map_or(
            Bound::Excluded(Term::from_field_f64(fields.funding_max, 0.0)),
            |v| Bound::Included(Term::from_field_f64(fields.funding_max, v)),
        );
        let upper = request.max_funding.map_or(Bound::Unbounded, |v| {
            Bound::Included(Term::from_field_f64(fields.funding_max, v))
        });
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
    }
    if clauses.len() == 1 {
        return clauses
            .pop()
            .map(|c| c.1)
            .unwrap_or_else(|| Box::new(AllQuery));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Whether the request, without the filters of facet `skip`, matches every
/// paragraph: then its facet counts are the generation's own.
fn matches_everything(
    compiled: &Compiled,
    filters: &Filters,
    request: &SearchRequest,
    skip: Option<FacetKind>,
) -> bool {
    compiled.match_all
        && compiled.excluded.is_empty()
        && FacetKind::ALL
            .into_iter()
            .all(|k| Some(k) == skip || filters[k].is_empty())
        && request.report.is_none()
        && request.min_funding.is_none()
        && request.max_funding.is_none()
}

/// The parent facets whose children a facet lists, given its filters.
fn facet_parents(kind: FacetKind, values: &[String]) -> Vec<String> {
    match kind {
        FacetKind::Region | FacetKind::Donor => {
            if values.is_empty() {
                // At the top: provinces, and for the region tree Tibet's prefectures.
                if kind == FacetKind::Region {
                    vec![String::new(), TIBET.to_string()]
                } else {
                    vec![String::new()]
                }
            } else {
                vec![common_ancestor(values)]
            }
        }
        FacetKind::Sector | FacetKind::Year => vec![String::new()],
    }
}

/// The deepest path that all of `paths` are under (or one of them is).
fn common_ancestor(paths: &[String]) -> String {
    if paths.len() == 1 {
        return paths[0].clone();
    }
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('/').collect()).collect();
    let mut common = Vec::new();
    for (i, part) in split[0].iter().enumerate() {
        if split.iter().all(|s| s.get(i) == Some(part)) {
            common.push(*part);
        } else {
            break;
        }
    }
    // Siblings are listed with their parent's other children.
    if common.len() == split[0].len() {
        common.pop();
    }
    common.join("/")
}

fn path_of(facet: &Facet) -> String {
    facet.to_path().join("/")
}

/// The values a facet lists for a request, from counts of its matches.
fn facet_values(
    table: &FacetTable,
    counts: &FacetCounts,
    kind: FacetKind,
    filters: &Filters,
) -> Vec<FacetValue> {
    let selected = &filters[kind];
    let mut values = Vec::new();
    for parent in facet_parents(kind, selected) {
        for (path, count) in table.children(kind.index(), &parent, counts) {
            // Tibet itself is replaced by its prefectures at the top level.
            if parent.is_empty() && kind == FacetKind::Region && path == TIBET {
                continue;
            }
            values.push(facet_value(path.to_string(), count, selected));
        }
    }
    order_facet_values(kind, &mut values);
    values
}

fn facet_value(value: String, count: u64, selected: &[String]) -> FacetValue {
    FacetValue {
        label: value.rsplit('/').next().unwrap_or(&value).to_string(),
        selected: selected.contains(&value),
        value,
        count,
    }
}

fn order_facet_values(kind: FacetKind, values: &mut Vec<FacetValue>) {
    match kind {
        FacetKind::Year => values.sort_by(|a, b| a.value.cmp(&b.value)),
        _ => values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value))),
    }
    values.truncate(60);
}

fn stored_str(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn stored_facets(doc: &TantivyDocument, field: Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_facet().map(str::to_string))
        .filter_map(|encoded| Facet::from_encoded(encoded.into_bytes()).ok())
        .map(|f| path_of(&f))
        .collect()
}

/// A hit from a stored document (snippet filled by the caller).
pub(crate) fn hit_from_doc(fields: &Fields, doc: &TantivyDocument, score: f32) -> Hit {
    Hit {
        id: stored_str(doc, fields.id).unwrap_or_default(),
        report: HitReport {
            id: stored_str(doc, fields.report_id).unwrap_or_default(),
            title: stored_str(doc, fields.title).unwrap_or_default(),
            date: stored_str(doc, fields.date),
            source: stored_str(doc, fields.source),
        },
        paragraph: doc
            .get_first(fields.paragraph)
            .and_then(|v| v.as_u64())
            .unwrap_or(0) as u32,
        kind: stored_str(doc, fields.kind).unwrap_or_default(),
        section: stored_str(doc, fields.section),
        text: stored_str(doc, fields.text).unwrap_or_default(),
        snippet: String::new(),
        score,
        region: stored_facets(doc, fields.facets[FacetKind::Region]),
        donor: stored_facets(doc, fields.facets[FacetKind::Donor]),
        sector: stored_facets(doc, fields.facets[FacetKind::Sector]),
        year: stored_facets(doc, fields.facets[FacetKind::Year]),
        funding: doc
            .get_all(fields.funding)
            .filter_map(|v| v.as_f64())
            .collect(),
    }
}

/// Ranked hits: score (0 unless by relevance) and address.
pub(crate) type Ranked = Vec<(f32, DocAddress)>;

/// One pass over a query's matches: the best `window` of them in `sort`
/// order, and what `also` collects from all of them (facet counts).
fn gather<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    window: usize,
    also: C,
) -> Result<(C::Fruit, Ranked)> {
    fn unscored<T>(top: Vec<(T, DocAddress)>) -> Ranked {
        top.into_iter().map(|(_, a)| (0.0, a)).collect()
    }
    let window = window.max(1);
    Ok(match sort {
        Sort::Relevance => {
            let (top, fruit) = searcher.search(query, &(by_relevance(window), also))?;
            (fruit, top)
        }
        Sort::Date => {
            let newest = TopDocs::with_limit(window)
                .order_by_fast_field::<u64>(names::DATE_KEY, Order::Desc);
            let (top, fruit) = searcher.search(query, &(newest, also))?;
            (fruit, unscored(top))
        }
        Sort::Funding => {
            let largest = TopDocs::with_limit(window)
                .order_by_fast_field::<f64>(names::FUNDING_MAX, Order::Desc);
            let (top, fruit) = searcher.search(query, &(largest, also))?;
            (fruit, unscored(top))
        }
    })
}

/// Top documents by BM25, very short paragraphs damped.
fn by_relevance(limit: usize) -> impl Collector<Fruit = Ranked> {
    TopDocs::with_limit(limit).tweak_score(|segment: &tantivy::SegmentReader| {
        let chars = segment
            .fast_fields()
            .u64(names::CHARS)
            .map(|c| c.first_or_default_col(SHORT_PARAGRAPH))
            .ok();
        move |doc: tantivy::DocId, score: tantivy::Score| match &chars {
            Some(chars) => score * length_damping(chars.get_val(doc)),
            None => score,
        }
    })
}

/// What a query matches. Paragraphs with every word come first; when there
/// are none, or fewer than [`FILL_BELOW`] of them, paragraphs with most
/// words (the relaxed core, for queries that have one) follow. Search and
/// the facet trees decide this in one place, so their totals agree.
struct Matches<'c> {
    /// The core query the totals and facet counts are of.
    core: &'c dyn Query,
    total: u64,
    /// Matches with every word.
    exact_total: u64,
    /// Nothing had every word.
    relaxed: bool,
    counts: FacetCounts,
    /// Ranked hits with every word, when hits with most words follow them.
    exact_first: Option<Ranked>,
    ranked: Ranked,
}

/// The counts facet `kind` is listed from. Facets are disjunctive: one
/// with a filter of its own is counted over the matches without that
/// filter (one more pass, or the generation's totals when that is every
/// paragraph); the others over the matches themselves.
fn facet_counts<'a>(
    engine: &'a Engine,
    searcher: &Searcher,
    compiled: &Compiled,
    filters: &Filters,
    request: &SearchRequest,
    found: &'a Matches,
    kind: FacetKind,
) -> Result<std::borrow::Cow<'a, FacetCounts>> {
    use std::borrow::Cow;
    if filters[kind].is_empty() {
        return Ok(Cow::Borrowed(&found.counts));
    }
    if matches_everything(compiled, filters, request, Some(kind)) {
        return Ok(Cow::Borrowed(engine.facets.everything()));
    }
    let q = assemble(
        found.core,
        compiled,
        &engine.fields,
        filters,
        request,
        Some(kind),
        false,
    );
    Ok(Cow::Owned(
        searcher.search(q.as_ref(), &engine.facets.counter())?,
    ))
}

/// Decide [`Matches`]: `pass` runs one core query (with the request's
/// filters) and returns its counts and ranked hits.
fn matches<'c>(
    compiled: &'c Compiled,
    sort: Sort,
    pass: impl Fn(&dyn Query) -> Result<(FacetCounts, Ranked)>,
) -> Result<Matches<'c>> {
    let strict: &dyn Query = compiled.strict.as_ref();
    let (counts, ranked) = pass(strict)?;
    let exact_total = counts.total;
    if exact_total < FILL_BELOW {
        if let Some(relaxed) = &compiled.relaxed {
            let (loose_counts, loose_ranked) = pass(relaxed.as_ref())?;
            if loose_counts.total > exact_total {
                return Ok(Matches {
                    core: relaxed.as_ref(),
                    total: loose_counts.total,
                    exact_total,
                    relaxed: exact_total == 0,
                    counts: loose_counts,
                    exact_first: (exact_total > 0 && sort == Sort::Relevance).then_some(ranked),
                    ranked: loose_ranked,
                });
            }
        }
    }
    Ok(Matches {
        core: strict,
        total: exact_total,
        exact_total,
        relaxed: false,
        counts,
        exact_first: None,
        ranked,
    })
}

/// Paragraphs shorter than this many characters score less: BM25's length
/// normalisation otherwise ranks a bare caption (`⑤白朗县阿亚村`) above the
/// paragraph that is about the query.
const SHORT_PARAGRAPH: u64 = 24;

/// Score multiplier for a paragraph of `chars` characters.
fn length_damping(chars: u64) -> f32 {
    if chars >= SHORT_PARAGRAPH {
        1.0
    } else {
        0.6 + 0.4 * chars as f32 / SHORT_PARAGRAPH as f32
    }
}

/// Put at most `cap` paragraphs of one report first, the rest after, each
/// part in rank order, so one long report does not bury the others.
fn diversify<K: std::hash::Hash + Eq>(
    ranked: Vec<(f32, DocAddress)>,
    report_of: impl Fn(DocAddress) -> K,
    cap: usize,
) -> Vec<(f32, DocAddress)> {
    if cap == 0 {
        return ranked;
    }
    let mut seen: HashMap<K, usize> = HashMap::new();
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for hit in ranked {
        let n = seen.entry(report_of(hit.1)).or_default();
        *n += 1;
        if *n <= cap {
            first.push(hit);
        } else {
            rest.push(hit);
        }
    }
    first.extend(rest);
    first
}

/// Run a search.
pub fn search(engine: &Engine, request: &SearchRequest) -> Result<SearchResponse> {
    let started = Instant::now();
    request.validate()?;
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let parsed = query::parse(&request.q);
    let compiled = compile(fields, &parsed)?;
    let filters = resolve_filters(request, &parsed);
    // Browsing without words reads best newest first.
    let sort = if compiled.match_all && request.sort == Sort::Relevance {
        Sort::Date
    } else {
        request.sort
    };

    let offset = (request.page - 1) * request.per_page;
    let cap = request.per_report.unwrap_or(DEFAULT_PER_REPORT);
    // The first page holds at most `cap` paragraphs of one report, chosen from
    // the best few pages; later pages are the rest in rank order. Every page
    // is cut from that one order, so paging neither repeats nor skips a hit.
    let diversified = sort == Sort::Relevance && cap > 0;
    let candidates = request.per_page * 5;
    let window = if diversified {
        (offset + request.per_page * 2)
            .max(candidates)
            .min(MAX_OFFSET + request.per_page)
    } else {
        offset + request.per_page
    };

    let table = &engine.facets;
    let browse_all = matches_everything(&compiled, &filters, request, None);
    let mut found = matches(&compiled, sort, |core| {
        let query = assemble(core, &compiled, fields, &filters, request, None, true);
        if browse_all && sort != Sort::Relevance {
            // Browsing everything: the counts and the order are the
            // generation's own, kept from the first time.
            let order = engine.memo.browse_order(sort, || {
                let deepest = MAX_OFFSET + MAX_PER_PAGE;
                Ok(gather(&searcher, query.as_ref(), sort, deepest, Count)?.1)
            })?;
            let ranked = order.iter().take(window).copied().collect();
            return Ok((table.everything().clone(), ranked));
        }
        gather(&searcher, query.as_ref(), sort, window, table.counter())
    })?;
    let (total, exact_total, relaxed) = (found.total, found.exact_total, found.relaxed);
    let ranked = std::mem::take(&mut found.ranked);
    let mut top = match found.exact_first.take() {
        Some(mut first) => {
            let seen: std::collections::HashSet<DocAddress> = first.iter().map(|h| h.1).collect();
            first.extend(ranked.into_iter().filter(|h| !seen.contains(&h.1)));
            first
        }
        None => ranked,
    };
    if diversified {
        let report_of = |addr: DocAddress| engine.reports.of(addr);
        let head: Vec<(f32, DocAddress)> = top.iter().take(candidates).copied().collect();
        let first_page: Vec<(f32, DocAddress)> = diversify(head, report_of, cap)
            .into_iter()
            .take(request.per_page)
            .collect();
        let on_first: std::collections::HashSet<DocAddress> =
            first_page.iter().map(|h| h.1).collect();
        top.retain(|h| !on_first.contains(&h.1));
        top.splice(0..0, first_page);
    }
    let mut hits = Vec::new();
    for (score, addr) in top.into_iter().skip(offset).take(request.per_page) {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let mut hit = hit_from_doc(fields, &doc, score);
        hit.snippet = snippet::snippet(&hit.text, &compiled.highlight);
        hits.push(hit);
    }

    // Each facet with a filter of its own is counted without that filter,
    // so its other values stay visible (disjunctive facets).
    let mut facets = Facets::default();
    for kind in FacetKind::ALL {
        let counts = facet_counts(
            engine, &searcher, &compiled, &filters, request, &found, kind,
        )?;
        *facets.values_mut(kind) = facet_values(table, &counts, kind, &filters);
    }

    let (suggestions, related) = if total == 0 && !compiled.words.is_empty() {
        suggest(engine, &searcher, &request.q, &compiled.words)
    } else {
        (Vec::new(), related_terms(&compiled.words))
    };

    Ok(SearchResponse {
        query: request.q.clone(),
        total,
        exact_total: if relaxed { 0 } else { exact_total.min(total) },
        page: request.page,
        per_page: request.per_page,
        took_ms: (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        relaxed,
        sort,
        hits,
        facets,
        suggestions,
        related,
        region_parent: facet_parents(FacetKind::Region, &filters[FacetKind::Region])
            .pop()
            .filter(|_| !filters[FacetKind::Region].is_empty())
            .unwrap_or_default(),
        donor_parent: facet_parents(FacetKind::Donor, &filters[FacetKind::Donor])
            .pop()
            .unwrap_or_default(),
        generation: engine.generation,
    })
}

/// Synonyms of the query's words, for "related terms".
fn related_terms(words: &[String]) -> Vec<String> {
    let mut related: Vec<String> = words.iter().flat_map(|w| synonyms::expand(w)).collect();
    related.sort();
    related.dedup();
    related.retain(|r| !words.contains(r));
    related.truncate(10);
    related
}

/// Character edit distance, bounded: true when `a` and `b` differ by one edit.
fn one_edit_apart(a: &[char], b: &[char]) -> bool {
    match a.len().abs_diff(b.len()) {
        0 => a.iter().zip(b).filter(|(x, y)| x != y).count() == 1,
        1 => {
            let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
            let i = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// For a query that found nothing: dictionary words one edit away from a
/// query word that occur in the index ("did you mean"), and related terms.
fn suggest(
    engine: &Engine,
    searcher: &Searcher,
    q: &str,
    words: &[String],
) -> (Vec<String>, Vec<String>) {
    let doc_freq = |w: &str| {
        searcher
            .doc_freq(&Term::from_field_text(engine.fields.text, w))
            .unwrap_or(0)
    };
    let in_index = |w: &str| doc_freq(w) > 0;
    let mut dictionary: Vec<String> = crate::tokenizer::domain_words()
        .map(|(w, _)| fold(w))
        .collect();
    dictionary.extend(Gazetteer::global().all_names().into_iter().map(fold));
    dictionary.extend(synonyms::known_words().cloned());
    dictionary.sort();
    dictionary.dedup();
    let folded_q = fold(q);
    // Candidates: each whitespace-separated unit of the query, and each
    // segmented word of three or more characters. Two-character words are
    // one edit away from too many others to guess from.
    let mut targets: Vec<String> = folded_q.split_whitespace().map(str::to_string).collect();
    targets.extend(words.iter().filter(|w| w.chars().count() >= 3).cloned());
    targets.sort();
    targets.dedup();
    let mut scored: Vec<(u64, String)> = Vec::new();
    for target in &targets {
        let w: Vec<char> = target.chars().collect();
        if w.len() < 3 {
            continue;
        }
        for candidate in &dictionary {
            let c: Vec<char> = candidate.chars().collect();
            if one_edit_apart(&w, &c) {
                let freq = doc_freq(candidate);
                if freq > 0 {
                    scored.push((freq, folded_q.replace(target.as_str(), candidate)));
                }
            }
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut suggestions: Vec<String> = scored.into_iter().map(|s| s.1).collect();
    let mut seen = std::collections::HashSet::new();
    suggestions.retain(|s| seen.insert(s.clone()));
    suggestions.truncate(5);
    let related = related_terms(words)
        .into_iter()
        .filter(|r| in_index(r))
        .collect();
    (suggestions, related)
}

/// A whole report with its paragraphs, for the report page and API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportView {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub date_note: Option<String>,
    pub source: Option<String>,
    pub file: String,
    pub byline: Vec<String>,
    pub paragraphs: Vec<Hit>,
}

/// Load one report by id, its paragraphs in order, with `terms` highlighted.
pub fn report(engine: &Engine, id: &str, highlight_query: &str) -> Result<ReportView> {
    if !crate::corpus::is_valid_id(id) {
        return Err(Error::NotFound(id.to_string()));
    }
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let query = TermQuery::new(
        Term::from_field_text(fields.report_id, id),
        IndexRecordOption::Basic,
    );
    let addrs = searcher.search(
        &query,
        &TopDocs::with_limit(100_000).order_by_u64_field("paragraph", Order::Asc),
    )?;
    if addrs.is_empty() {
        return Err(Error::NotFound(id.to_string()));
    }
    let terms = if highlight_query.trim().is_empty() {
        Vec::new()
    } else {
        compile(fields, &query::parse(highlight_query))
            .map(|c| c.highlight)
            .unwrap_or_default()
    };
    let mut paragraphs = Vec::new();
    let mut first: Option<TantivyDocument> = None;
    for (_, addr) in addrs {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let mut hit = hit_from_doc(fields, &doc, 0.0);
        hit.snippet = snippet::highlight(&hit.text, &terms);
        paragraphs.push(hit);
        first.get_or_insert(doc);
    }
    let first = first.ok_or_else(|| Error::NotFound(id.to_string()))?;
    Ok(ReportView {
        id: id.to_string(),
        title: stored_str(&first, fields.title).unwrap_or_default(),
        date: stored_str(&first, fields.date),
        date_note: stored_str(&first, fields.date_note),
        source: stored_str(&first, fields.source),
        file: stored_str(&first, fields.file).unwrap_or_default(),
        byline: first
            .get_all(fields.byline)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        paragraphs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_splits_long_words_into_dictionary_parts() {
        let parts = cover("援藏医生").expect("援藏医生 has parts");
        let words: Vec<&str> = parts.iter().map(|p| p.1.as_str()).collect();
        assert_eq!(words, vec!["援藏", "医生"]);
        assert!(cover("援藏").is_none());
    }

    #[test]
    fn edit_distance_one() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(one_edit_apart(&c("电子商物"), &c("电子商务")));
        assert!(one_edit_apart(&c("电商务"), &c("电子商务")));
        assert!(!one_edit_apart(&c("电商"), &c("电子商务")));
    }

    #[test]
    fn common_ancestor_of_siblings_is_their_parent() {
        let a = "西藏自治区/日喀则市/昂仁县".to_string();
        let b = "西藏自治区/日喀则市/白朗县".to_string();
        assert_eq!(common_ancestor(&[a.clone(), b]), "西藏自治区/日喀则市");
        assert_eq!(common_ancestor(std::slice::from_ref(&a)), a);
    }

    #[test]
    fn validation_names_the_parameter() {
        let bad = |r: SearchRequest, param: &str| match r.validate() {
            Err(Error::BadParameter { param: p, .. }) => assert_eq!(p, param),
            other => panic!("expected bad {param}, got {other:?}"),
        };
        bad(
            SearchRequest {
                page: 0,
                ..SearchRequest::default()
            },
            "page",
        );
        bad(
            SearchRequest {
                per_page: 101,
                ..SearchRequest::default()
            },
            "per_page",
        );
        bad(SearchRequest::query(&"援".repeat(MAX_QUERY_CHARS + 1)), "q");
        bad(
            SearchRequest {
                year: vec!["20x0".into()],
                ..SearchRequest::default()
            },
            "year",
        );
        assert!(SearchRequest::query("援藏").validate().is_ok());
    }
}

/// Every hit of a search (up to `limit`), for exports. Pages through the same
/// ranking the page shows.
pub fn search_all(engine: &Engine, request: &SearchRequest, limit: usize) -> Result<Vec<Hit>> {
    let mut hits = Vec::new();
    let mut page_request = request.clone();
    page_request.per_page = MAX_PER_PAGE;
    page_request.page = 1;
    loop {
        let response = search(engine, &page_request)?;
        let done = response.hits.len() < MAX_PER_PAGE;
        hits.extend(response.hits);
        if done || hits.len() >= limit || page_request.page * MAX_PER_PAGE >= MAX_OFFSET {
            break;
        }
        page_request.page += 1;
    }
    hits.truncate(limit);
    Ok(hits)
}

/// A node of a facet tree.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FacetNode {
    pub value: String,
    pub label: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<FacetNode>,
}

/// Full facet trees of a query: region and donor nested, sector and year flat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FacetTrees {
    pub query: String,
    pub total: u64,
    pub relaxed: bool,
    pub region: Vec<FacetNode>,
    pub donor: Vec<FacetNode>,
    pub sector: Vec<FacetNode>,
    pub year: Vec<FacetNode>,
}

/// The facet tree below `parent` in field `kind`, `depth` levels deep,
/// from counts of a query's matches.
fn facet_tree(
    table: &FacetTable,
    counts: &FacetCounts,
    kind: FacetKind,
    parent: &str,
    depth: usize,
) -> Vec<FacetNode> {
    if depth == 0 {
        return Vec::new();
    }
    let mut nodes: Vec<FacetNode> = table
        .children(kind.index(), parent, counts)
        .map(|(path, count)| FacetNode {
            value: path.to_string(),
            label: path.rsplit('/').next().unwrap_or(path).to_string(),
            count,
            children: facet_tree(table, counts, kind, path, depth - 1),
        })
        .collect();
    nodes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    nodes
}

/// The full facet trees for a request: the same matches and totals as
/// [`search`], each facet counted without its own filter.
pub fn facet_trees(engine: &Engine, request: &SearchRequest) -> Result<FacetTrees> {
    request.validate()?;
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let parsed = query::parse(&request.q);
    let compiled = compile(fields, &parsed)?;
    let filters = resolve_filters(request, &parsed);
    let table = &engine.facets;
    let found = matches(&compiled, request.sort, |core| {
        let q = assemble(core, &compiled, fields, &filters, request, None, false);
        Ok((searcher.search(q.as_ref(), &table.counter())?, Vec::new()))
    })?;
    let tree = |kind: FacetKind, depth: usize| -> Result<Vec<FacetNode>> {
        let counts = facet_counts(
            engine, &searcher, &compiled, &filters, request, &found, kind,
        )?;
        Ok(facet_tree(table, &counts, kind, "", depth))
    };
    let mut year = tree(FacetKind::Year, 1)?;
    year.sort_by(|a, b| a.value.cmp(&b.value));
    Ok(FacetTrees {
        query: request.q.clone(),
        total: found.total,
        relaxed: found.relaxed,
        region: tree(FacetKind::Region, 3)?,
        donor: tree(FacetKind::Donor, 3)?,
        sector: tree(FacetKind::Sector, 1)?,
        year,
    })
}
