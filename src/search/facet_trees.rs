//! The full facet trees of `/api/facets`: every facet counted over the same
//! matches as the search, each without its own filter.

use serde::{Deserialize, Serialize};

use super::deadline::search_until;
use super::tables::{FacetCounts, FacetTable};
use super::Engine;
use super::{facet_counts::*, matching::*, request::*};
use crate::error::Result;
use crate::facet::{FacetKind, Shape};

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
    pub programme: Vec<FacetNode>,
    pub report_year: Vec<FacetNode>,
}

/// The facet tree below `parent` in field `kind`, `depth` levels deep,
/// from counts of a query's matches.
pub(super) fn facet_tree(
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
/// [`search`], each facet counted without its own filter; stopped at the
/// request's deadline.
pub fn facet_trees(engine: &Engine, request: &SearchRequest) -> Result<FacetTrees> {
    request.deadline.check()?;
    let _entered = engine.enter(&request.scope);
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let (compiled, filters) = prepare(fields, &searcher, request)?;
    let table = &engine.facets;
    let found = matches(&compiled, request.sort, |core| {
        let q = assemble(core, &compiled, fields, &filters, request, None, false);
        let counts = search_until(&searcher, q.as_ref(), &table.counter(), request.deadline)?;
        Ok((counts, Vec::new()))
    })?;
    let tree = |kind: FacetKind, depth: usize| -> Result<Vec<FacetNode>> {
        let counts = facet_counts(
            engine, &searcher, &compiled, &filters, request, &found, kind,
        )?;
        Ok(facet_tree(table, &counts, kind, "", depth))
    };
    // Trees go three levels deep; numbers are listed in order.
    let listed = |kind: FacetKind| -> Result<Vec<FacetNode>> {
        let mut nodes = tree(kind, if kind.shape() == Shape::Tree { 3 } else { 1 })?;
        if kind.shape() == Shape::Number {
            nodes.sort_by(|a, b| a.value.cmp(&b.value));
        }
        Ok(nodes)
    };
    Ok(FacetTrees {
        query: request.q.clone(),
        total: found.total,
        relaxed: found.relaxed,
        region: listed(FacetKind::Region)?,
        donor: listed(FacetKind::Donor)?,
        sector: listed(FacetKind::Sector)?,
        year: listed(FacetKind::Year)?,
        programme: listed(FacetKind::Programme)?,
        report_year: listed(FacetKind::ReportYear)?,
    })
}
