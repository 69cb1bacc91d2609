//! The request and response shapes of a search, with the limits a
//! request is validated against.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::facet::{FacetKind, Shape};

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

/// What a search lists: paragraphs, or the reports they belong to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Each matching paragraph (the default).
    #[default]
    Paragraphs,
    /// Each report with matching paragraphs, once, with how many match and
    /// the paragraph that stands for it; paging counts reports.
    Reports,
}

impl View {
    /// Parse a `view` parameter.
    pub fn parse(value: &str) -> Result<View> {
        match value {
            "" | "paragraphs" => Ok(View::Paragraphs),
            "reports" => Ok(View::Reports),
            other => Err(Error::bad(
                "view",
                format!("view must be paragraphs or reports, not {other:?}"),
            )),
        }
    }

    /// The parameter value.
    pub fn as_str(&self) -> &'static str {
        match self {
            View::Paragraphs => "paragraphs",
            View::Reports => "reports",
        }
    }
}

/// The years a year range may name (the labeller's years lie within).
pub const YEARS: std::ops::RangeInclusive<i32> = 1800..=2100;

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
    pub programme: Vec<String>,
    /// Years the paragraph's report was published.
    pub report_year: Vec<String>,
    /// Only paragraphs of this report.
    pub report: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    pub sort: Sort,
    /// Paragraphs, or reports with matching paragraphs.
    pub view: View,
    pub min_funding: Option<f64>,
    pub max_funding: Option<f64>,
    /// Paragraphs about a year from `year_from` to `year_to` (both
    /// included, either open), besides any `year` values chosen.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// At most this many paragraphs of one report on the first page (0: no cap).
    pub per_report: Option<usize>,
    /// When the search must stop (the server's time budget); past it the
    /// search answers [`Error::Timeout`]. Not part of what is asked: never
    /// read from or written to JSON, so remembered answers ignore it.
    #[serde(skip)]
    pub deadline: super::Deadline,
    /// Who asks: the reports the answer may draw on. Set by the server from
    /// the signed-in user or key, never read from a request's JSON; the
    /// response memory keys on it ([`super::Scope::key`]).
    #[serde(skip)]
    pub scope: super::Scope,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            region: Vec::new(),
            donor: Vec::new(),
            sector: Vec::new(),
            year: Vec::new(),
            programme: Vec::new(),
            report_year: Vec::new(),
            report: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            sort: Sort::Relevance,
            view: View::Paragraphs,
            min_funding: None,
            max_funding: None,
            year_from: None,
            year_to: None,
            per_report: None,
            deadline: super::Deadline::NEVER,
            scope: super::Scope::Everything,
        }
    }
}

/// `values(kind)` and `values_mut(kind)` for a struct that keeps one list
/// per facet in fields named as the facets' parameters, so each shape that
/// crosses the API keeps its named JSON fields and one mapping to
/// [`FacetKind`].
macro_rules! per_facet_fields {
    ($type:ty, $item:ty) => {
        impl $type {
            /// The values of one facet.
            pub fn values(&self, kind: FacetKind) -> &Vec<$item> {
                match kind {
                    FacetKind::Region => &self.region,
                    FacetKind::Donor => &self.donor,
                    FacetKind::Sector => &self.sector,
                    FacetKind::Year => &self.year,
                    FacetKind::Programme => &self.programme,
                    FacetKind::ReportYear => &self.report_year,
                }
            }

            /// The values of one facet, to change or take.
            pub fn values_mut(&mut self, kind: FacetKind) -> &mut Vec<$item> {
                match kind {
                    FacetKind::Region => &mut self.region,
                    FacetKind::Donor => &mut self.donor,
                    FacetKind::Sector => &mut self.sector,
                    FacetKind::Year => &mut self.year,
                    FacetKind::Programme => &mut self.programme,
                    FacetKind::ReportYear => &mut self.report_year,
                }
            }
        }
    };
}

per_facet_fields!(SearchRequest, String);

impl SearchRequest {
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
        for kind in FacetKind::ALL {
            let (name, values) = (kind.param(), self.values(kind));
            if values.len() > MAX_FILTER_VALUES {
                return Err(Error::bad(
                    name,
                    format!("at most {MAX_FILTER_VALUES} {name} values"),
                ));
            }
            // A tree value is a path: `/` alone (or `//`) names no place.
            let tree =
                FacetKind::from_param(name).is_some_and(|k| k.shape() == crate::facet::Shape::Tree);
            for v in values {
                let named = if tree {
                    v.trim().trim_matches('/')
                } else {
                    v.trim()
                };
                if named.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
                    return Err(Error::bad(
                        name,
                        format!("{name} value {v:?} is empty, too long or has control characters"),
                    ));
                }
                if kind.shape() == Shape::Number
                    && !(v.len() == 4 && v.chars().all(|c| c.is_ascii_digit()))
                {
                    return Err(Error::bad(
                        name,
                        format!("{name} must be a four-digit year, not {v:?}"),
                    ));
                }
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
        for (name, v) in [("year_from", self.year_from), ("year_to", self.year_to)] {
            if v.is_some_and(|y| !YEARS.contains(&y)) {
                return Err(Error::bad(
                    name,
                    format!(
                        "{name} must be a year from {} to {}",
                        YEARS.start(),
                        YEARS.end()
                    ),
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
    /// How the text was read: `text`, or `ocr` for a scan (less certain).
    #[serde(default = "text_extraction")]
    pub extraction: String,
    pub section: Option<String>,
    /// The plain paragraph.
    pub text: String,
    /// HTML-escaped text with `<mark>` around the matches.
    pub snippet: String,
    pub score: f32,
    /// It holds every word of the query. False for the hits that fill a
    /// search with few exact ones (most words, or the words' neighbours),
    /// which come after every exact one.
    #[serde(default = "every_word")]
    pub exact: bool,
    pub region: Vec<String>,
    pub donor: Vec<String>,
    pub sector: Vec<String>,
    pub year: Vec<String>,
    #[serde(default)]
    pub programme: Vec<String>,
    #[serde(default)]
    pub report_year: Vec<String>,
    /// Amounts of money in the paragraph, in yuan; they travel as whole
    /// yuan (`380000000`, never `380000000.0`).
    #[serde(serialize_with = "whole_yuan")]
    pub funding: Vec<f64>,
}

fn every_word() -> bool {
    true
}

fn text_extraction() -> String {
    crate::corpus::Extraction::Text.as_str().to_string()
}

/// Amounts as whole yuan in JSON: an amount read from text (`3.8亿元`) is a
/// whole number of yuan, and a client should not see float artefacts.
fn whole_yuan<S: serde::Serializer>(amounts: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(amounts.iter().map(|y| y.round().max(0.0) as u64))
}

per_facet_fields!(Hit, String);

/// One report of the report view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportHit {
    pub report: HitReport,
    /// How many of its paragraphs match.
    pub matching: u64,
    /// The paragraph that stands for the report: its best match, or, when
    /// browsing without words, its lead.
    pub best: Hit,
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
    #[serde(default)]
    pub programme: Vec<FacetValue>,
    #[serde(default)]
    pub report_year: Vec<FacetValue>,
}

per_facet_fields!(Facets, FacetValue);

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
    /// True when no paragraph had every word, so the search was relaxed to
    /// most words (or, for a sentence, to its words' neighbours).
    pub relaxed: bool,
    pub sort: Sort,
    #[serde(default)]
    pub view: View,
    /// The matching paragraphs of this page (empty in the report view).
    pub hits: Vec<Hit>,
    /// In the report view: how many reports have a matching paragraph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_total: Option<u64>,
    /// In the report view: this page's reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<ReportHit>,
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
    /// Something the client should know about how the query was read, when
    /// there is: words past the word limit left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    /// Filters that cannot match as given: a value no paragraph of this
    /// generation has (`sector=医疗`, `region=Shigatse`), or a contradictory
    /// range. The search still runs; these say why it may find nothing.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Query words that found (almost) nothing, and the related or mined
    /// terms searched besides them ("also searched"); for a request typed
    /// as a sentence that found nothing in its own words, its words' nearest
    /// mined terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expanded: Vec<Expansion>,
}

/// A filter that cannot match as given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Warning {
    /// The parameter.
    pub param: String,
    /// The value as given.
    pub value: String,
    /// `unknown_value`, `bad_value` (a year that is no year), `empty_value`
    /// (`region:` typed with nothing after it) or `empty_range`.
    pub code: String,
    /// For people, in English.
    pub message: String,
    /// Known values close to the one given (containing it, or contained in
    /// it), at most five.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub did_you_mean: Vec<String>,
}

/// A query word that found (almost) nothing, and what was searched besides
/// it (`search::expansion`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Expansion {
    pub word: String,
    pub also: Vec<String>,
}

/// How a query was read other than as typed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Notice {
    /// What happened: `words_dropped`.
    pub code: String,
    /// For people, in English.
    pub message: String,
    /// The words left out, in order.
    pub dropped: Vec<String>,
}

impl Notice {
    /// The notice for a query whose words past [`MAX_TERMS`] were left out.
    pub fn words_dropped(dropped: Vec<String>) -> Notice {
        Notice {
            code: "words_dropped".to_string(),
            message: format!(
                "the query has more than {MAX_TERMS} words; only the first {MAX_TERMS} were searched"
            ),
            dropped,
        }
    }
}

impl SearchResponse {
    /// The path whose children a tree facet lists (empty: the top level, and
    /// always for facets that are not trees).
    pub fn parent(&self, kind: FacetKind) -> &str {
        match kind {
            FacetKind::Region => &self.region_parent,
            FacetKind::Donor => &self.donor_parent,
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
