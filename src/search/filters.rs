//! Facet and report filters: values from parameters and from `field:value`
//! words resolved to facet paths, and the tantivy filters they become.

use tantivy::query::{Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::query::{self, ParsedQuery};
use super::{compile::*, request::*};
use crate::error::{Error, Result};
use crate::facet::{FacetKind, PerFacet, Shape};
use crate::gazetteer::Gazetteer;
use crate::index::build::facet;
use crate::index::Fields;

/// Filters resolved to facet paths, one list per facet, and the reports
/// asked for (by parameter or `report:` in the query); values of one list
/// match any of them.
#[derive(Debug, Default, Clone)]
pub(super) struct Filters {
    pub(super) facets: PerFacet<Vec<String>>,
    pub(super) reports: Vec<String>,
    /// The years of `year_from`..`year_to`, a filter of its own (ANDed
    /// with chosen years); empty without a range.
    pub(super) year_range: Vec<String>,
}

impl std::ops::Index<FacetKind> for Filters {
    type Output = Vec<String>;

    fn index(&self, kind: FacetKind) -> &Vec<String> {
        &self.facets[kind]
    }
}

/// The facet fields, in the order of [`FacetKind::ALL`].
pub(crate) const FACET_FIELDS: [&str; FacetKind::ALL.len()] = {
    let mut fields = [""; FacetKind::ALL.len()];
    let mut i = 0;
    while i < fields.len() {
        fields[i] = FacetKind::ALL[i].field();
        i += 1;
    }
    fields
};

/// A place filter given as a name, an alias or a path becomes a gazetteer path;
/// an unknown one is kept as given (and matches nothing). A name that several
/// places share (鼓楼区) is an error of parameter `param` that lists their
/// paths, so that the client can send one of them.
pub(super) fn resolve_place(param: &str, value: &str) -> Result<String> {
    let value = value.trim().trim_matches('/');
    match place_candidates(value).as_slice() {
        [one] => Ok(one.clone()),
        several => Err(Error::ambiguous(
            param,
            format!(
                "{param} {value:?} names {} places: {}; give one of these paths",
                several.len(),
                several.join(", ")
            ),
            several.to_vec(),
        )),
    }
}

/// The gazetteer paths a place filter may mean: one for a path or an
/// unambiguous name, several for a name that places share, and the value
/// itself for an unknown one.
fn place_candidates(value: &str) -> Vec<String> {
    let value = value.trim().trim_matches('/');
    let candidates = Gazetteer::global().resolve_all(value);
    if candidates.is_empty() {
        return vec![value.to_string()];
    }
    candidates.into_iter().map(|p| p.path.clone()).collect()
}

/// The facet paths a `field:value` typed in a query stands for. A place is
/// a name, alias or path (every place of a shared name, as nothing typed
/// is an error), folded as the query's words are (traditional to
/// simplified, full-width to half-width) when it names nothing as typed;
/// an unknown place is kept as typed, so a warning can quote it. Other
/// facets' values are folded.
pub fn typed_values(kind: FacetKind, value: &str) -> Vec<String> {
    let value = value.trim();
    match kind.shape() {
        Shape::Tree => [value.to_string(), crate::normalize::fold(value)]
            .iter()
            .map(|v| Gazetteer::global().resolve_all(v.trim_matches('/')))
            .find(|known| !known.is_empty())
            .map(|known| known.into_iter().map(|p| p.path.clone()).collect())
            .unwrap_or_else(|| vec![value.to_string()]),
        Shape::Flat | Shape::Number => vec![crate::normalize::fold(value)],
    }
}

/// The request's filters, from its parameters and its query's `field:value`
/// words. A place parameter that several places share is an error; a
/// `region:鼓楼区` typed in the query (where nothing is an error) matches any
/// of them.
pub(super) fn resolve_filters(request: &SearchRequest, parsed: &ParsedQuery) -> Result<Filters> {
    let resolve = |kind: FacetKind, value: &str| match kind.shape() {
        Shape::Tree => resolve_place(kind.param(), value),
        Shape::Flat => Ok(value.trim().to_string()),
        Shape::Number => Ok(value.to_string()),
    };
    let mut filters = Filters::default();
    for kind in FacetKind::ALL {
        filters.facets[kind] = request
            .values(kind)
            .iter()
            .map(|v| resolve(kind, v))
            .collect::<Result<_>>()?;
    }
    filters.reports.extend(request.report.iter().cloned());
    for (name, value) in &parsed.filters {
        if value.trim().is_empty() {
            // A bare `region:` filters nothing; `warnings` says so.
            continue;
        }
        if let Some(kind) = FacetKind::from_param(name) {
            filters.facets[kind].extend(typed_values(kind, value));
        } else if name == query::REPORT_FILTER {
            filters.reports.push(value.clone());
        }
    }
    if request.year_from.is_some() || request.year_to.is_some() {
        let from = request.year_from.unwrap_or(*YEARS.start());
        let to = request.year_to.unwrap_or(*YEARS.end());
        filters.year_range = (from..=to).map(|y| y.to_string()).collect();
        if filters.year_range.is_empty() {
            // A range from after its end matches nothing (and is warned
            // about), rather than no range at all.
            filters.year_range.push(format!("{from}-{to}"));
        }
    }
    for list in filters.facets.0.iter_mut().chain([&mut filters.reports]) {
        list.sort();
        list.dedup();
    }
    Ok(filters)
}

/// Most close values a warning lists.
const CLOSE_VALUES: usize = 5;

/// Warnings for the filters of a request that cannot match as given: a facet
/// value that no paragraph of the generation has, a year that is no year,
/// a `field:` typed without a value (`typed`: the query's filters), and an
/// amount range whose lower end is above its upper end.
pub(super) fn warnings(
    table: &super::tables::FacetTable,
    known: &super::tables::KnownValues,
    request: &SearchRequest,
    typed: &[(String, String)],
    filters: &Filters,
) -> Vec<Warning> {
    let mut out = Vec::new();
    for (field, value) in typed {
        if value.trim().is_empty() {
            out.push(Warning {
                param: field.clone(),
                value: String::new(),
                code: "empty_value".to_string(),
                message: format!("{field}: in the query has no value, so it filters nothing"),
                did_you_mean: Vec::new(),
            });
        }
    }
    for (i, kind) in FacetKind::ALL.into_iter().enumerate() {
        for value in &filters.facets[kind] {
            let path = value.trim_matches('/');
            if path.is_empty() || known.has(table, i, path) {
                continue;
            }
            // Years are numbers: `year:abc` (typed; a parameter is checked
            // before) is no year at all, not a year no paragraph has.
            if kind.shape() == Shape::Number && !path.chars().all(|c| c.is_ascii_digit()) {
                out.push(Warning {
                    param: kind.param().to_string(),
                    value: value.clone(),
                    code: "bad_value".to_string(),
                    message: format!(
                        "{} must be a year such as 2023, not {value:?}",
                        kind.param()
                    ),
                    did_you_mean: Vec::new(),
                });
                continue;
            }
            let leaf = path.rsplit('/').next().unwrap_or(path);
            let mut close: Vec<&str> = table
                .paths(i)
                .filter(|path| known.has(table, i, path))
                .filter(|known| {
                    let known_leaf = known.rsplit('/').next().unwrap_or(known);
                    known_leaf.contains(leaf) || leaf.contains(known_leaf)
                })
                .collect();
            close.sort_by_key(|k| (k.chars().count(), *k));
            close.truncate(CLOSE_VALUES);
            out.push(Warning {
                param: kind.param().to_string(),
                value: value.clone(),
                code: "unknown_value".to_string(),
                message: format!(
                    "no paragraph of this index has {} {value:?}, so this filter matches nothing",
                    kind.param()
                ),
                did_you_mean: close.into_iter().map(str::to_string).collect(),
            });
        }
    }
    // A range whose start is past its end matches nothing.
    let empty_range = |param: &str, value: String, message: String| Warning {
        param: param.to_string(),
        value,
        code: "empty_range".to_string(),
        message,
        did_you_mean: Vec::new(),
    };
    if let (Some(from), Some(to)) = (request.year_from, request.year_to) {
        if from > to {
            out.push(empty_range(
                "year_from",
                from.to_string(),
                format!("year_from {from} is after year_to {to}, so nothing can match"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (request.min_funding, request.max_funding) {
        if min > max {
            out.push(empty_range(
                "min_funding",
                min.to_string(),
                format!("min_funding {min} is above max_funding {max}, so nothing can match"),
            ));
        }
    }
    out
}

pub(super) fn facet_filter(
    fields: &Fields,
    kind: FacetKind,
    values: &[String],
) -> Option<Box<dyn Query>> {
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
