//! Facet and report filters: values from parameters and from `field:value`
//! words resolved to facet paths, and the tantivy filters they become.

use tantivy::query::{Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::query::{self, ParsedQuery};
use super::{compile::*, request::*};
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
/// an unknown one is kept as given (and matches nothing).
pub(super) fn resolve_place(value: &str) -> String {
    let value = value.trim().trim_matches('/');
    Gazetteer::global()
        .resolve(value)
        .map(|p| p.path.clone())
        .unwrap_or_else(|| value.to_string())
}

pub(super) fn resolve_filters(request: &SearchRequest, parsed: &ParsedQuery) -> Filters {
    let resolve = |kind: FacetKind, value: &str| match kind.shape() {
        Shape::Tree => resolve_place(value),
        Shape::Flat => value.trim().to_string(),
        Shape::Number => value.to_string(),
    };
    let mut filters = Filters::default();
    for kind in FacetKind::ALL {
        filters.facets[kind] = request
            .values(kind)
            .iter()
            .map(|v| resolve(kind, v))
            .collect();
    }
    filters.reports.extend(request.report.iter().cloned());
    for (name, value) in &parsed.filters {
        if let Some(kind) = FacetKind::from_param(name) {
            filters.facets[kind].push(resolve(kind, value));
        } else if name == query::REPORT_FILTER {
            filters.reports.push(value.clone());
        }
    }
    for list in filters.facets.0.iter_mut().chain([&mut filters.reports]) {
        list.sort();
        list.dedup();
    }
    filters
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
