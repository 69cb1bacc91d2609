//! Facet counts: the values each facet lists for a request (disjunctive:
//! a facet is counted without its own filter), and the full facet trees
//! of `/api/facets`.

use tantivy::Searcher;

use super::deadline::search_until;
use super::tables::{FacetCounts, FacetTable};
use super::Engine;
use super::{compile::*, filters::*, matching::*, request::*};
use crate::error::Result;
use crate::facet::{FacetKind, Shape};
use crate::labels::programme;

/// The parent facets whose children a facet lists, given its filters.
pub(super) fn facet_parents(kind: FacetKind, values: &[String]) -> Vec<String> {
    match kind {
        FacetKind::Region | FacetKind::Donor => {
            if values.is_empty() {
                // At the top: the provinces, one level, so every paragraph
                // is under one of them (listing a recipient area's
                // prefectures in its place left its own paragraphs out).
                vec![String::new()]
            } else {
                vec![common_ancestor(values)]
            }
        }
        _ => vec![String::new()],
    }
}

/// The deepest path that all of `paths` are under (or one of them is).
pub(super) fn common_ancestor(paths: &[String]) -> String {
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

/// The values a facet lists for a request, from counts of its matches.
pub(super) fn facet_values(
    table: &FacetTable,
    counts: &FacetCounts,
    kind: FacetKind,
    filters: &Filters,
) -> Vec<FacetValue> {
    let selected = &filters[kind];
    let mut values = Vec::new();
    for parent in facet_parents(kind, selected) {
        for (path, count) in table.children(kind.index(), &parent, counts) {
            values.push(facet_value(path.to_string(), count, selected));
        }
    }
    order_facet_values(kind, &mut values);
    if kind == FacetKind::Region {
        // The areas paired aid goes to (data/programmes.toml) lead the
        // provinces, whatever their counts: staff look for them first.
        values.sort_by_key(|v| !programme::is_paired_recipient(&v.value));
    }
    values
}

pub(super) fn facet_value(value: String, count: u64, selected: &[String]) -> FacetValue {
    FacetValue {
        label: value.rsplit('/').next().unwrap_or(&value).to_string(),
        selected: selected.contains(&value),
        value,
        count,
    }
}

/// Most values a list facet returns, the largest counts first.
const MAX_LISTED: usize = 60;

pub(super) fn order_facet_values(kind: FacetKind, values: &mut Vec<FacetValue>) {
    match kind.shape() {
        // Every year, in order: they are bounded (`YEARS`), and cutting the
        // sorted list at 60 dropped the latest years, the busiest, on a
        // corpus that mentions years since 1949.
        Shape::Number => values.sort_by(|a, b| a.value.cmp(&b.value)),
        _ => {
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values.truncate(MAX_LISTED);
        }
    }
}

/// The counts facet `kind` is listed from. Facets are disjunctive: one
/// with a filter of its own is counted over the matches without that
/// filter (one more pass, or the generation's totals when that is every
/// paragraph); the others over the matches themselves.
pub(super) fn facet_counts<'a>(
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
    Ok(Cow::Owned(search_until(
        searcher,
        q.as_ref(),
        &engine.facets.counter(),
        request.deadline,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ancestor_of_siblings_is_their_parent() {
        let a = "西藏自治区/日喀则市/昂仁县".to_string();
        let b = "西藏自治区/日喀则市/白朗县".to_string();
        assert_eq!(common_ancestor(&[a.clone(), b]), "西藏自治区/日喀则市");
        assert_eq!(common_ancestor(std::slice::from_ref(&a)), a);
    }
}
