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
        if let Some(kind) = FacetKind::from_param(name) {
            match kind.shape() {
                Shape::Tree => filters.facets[kind].extend(place_candidates(value)),
                _ => filters.facets[kind].push(resolve(kind, value)?),
            }
        } else if name == query::REPORT_FILTER {
            filters.reports.push(value.clone());
        }
    }
    for list in filters.facets.0.iter_mut().chain([&mut filters.reports]) {
        list.sort();
        list.dedup();
    }
    Ok(filters)
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
