//! The facets, defined once: each kind's request parameter, index field,
//! Chinese label and shape. Requests, hits, counts, parameter parsing, URLs,
//! CLI flags, CSV columns and the OpenAPI description derive from this table
//! or are checked against it by a test (`tests/facet_definition.rs`), so
//! adding a facet means the labeller, this table and a template.

use serde::{Deserialize, Serialize};

/// How a facet's values are shaped, which decides how it filters and lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `/`-joined paths (a place under its province): filtering by a value
    /// matches everything below it, and the list drills down level by level.
    Tree,
    /// Plain values.
    Flat,
    /// Whole numbers (years): values sort by number and a from–to range
    /// can select them.
    Number,
}

/// A facet: a label every paragraph may carry, counted and filterable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetKind {
    /// Where the aid goes.
    Region,
    /// Who gives it.
    Donor,
    /// What it is for.
    Sector,
    /// The year the paragraph is about.
    Year,
    /// The aid programme: 援藏, 援疆, 东西部协作, 驻村帮扶 …
    Programme,
    /// The year the paragraph's report was published.
    ReportYear,
}

impl FacetKind {
    /// Every facet, in the order pages, CSV columns and counts list them.
    pub const ALL: [FacetKind; 6] = [
        FacetKind::Region,
        FacetKind::Donor,
        FacetKind::Sector,
        FacetKind::Year,
        FacetKind::Programme,
        FacetKind::ReportYear,
    ];

    /// Position in [`FacetKind::ALL`], for per-facet arrays.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The request parameter, JSON key and query-language prefix (`region:`).
    pub const fn param(self) -> &'static str {
        match self {
            FacetKind::Region => "region",
            FacetKind::Donor => "donor",
            FacetKind::Sector => "sector",
            FacetKind::Year => "year",
            FacetKind::Programme => "programme",
            FacetKind::ReportYear => "report_year",
        }
    }

    /// The index field that holds its values.
    pub const fn field(self) -> &'static str {
        self.param()
    }

    /// The Chinese name staff read on the page and in CSV headings.
    pub fn label(self) -> &'static str {
        match self {
            FacetKind::Region => "地区",
            FacetKind::Donor => "援助方",
            FacetKind::Sector => "领域",
            FacetKind::Year => "年份",
            FacetKind::Programme => "援助类别",
            FacetKind::ReportYear => "发布年份",
        }
    }

    /// How its values are shaped.
    pub fn shape(self) -> Shape {
        match self {
            FacetKind::Region | FacetKind::Donor => Shape::Tree,
            FacetKind::Sector | FacetKind::Programme => Shape::Flat,
            FacetKind::Year | FacetKind::ReportYear => Shape::Number,
        }
    }

    /// Whether values are gazetteer paths, resolved from names and aliases.
    pub fn is_place(self) -> bool {
        self.shape() == Shape::Tree
    }

    /// The facet a parameter or query prefix names.
    pub fn from_param(name: &str) -> Option<FacetKind> {
        FacetKind::ALL.into_iter().find(|k| k.param() == name)
    }
}

/// One list per facet, indexed by [`FacetKind`]: the shape shared by
/// filters, labels and counts inside the library.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PerFacet<T>(pub [T; FacetKind::ALL.len()]);

impl<T> std::ops::Index<FacetKind> for PerFacet<T> {
    type Output = T;

    fn index(&self, kind: FacetKind) -> &T {
        &self.0[kind.index()]
    }
}

impl<T> std::ops::IndexMut<FacetKind> for PerFacet<T> {
    fn index_mut(&mut self, kind: FacetKind) -> &mut T {
        &mut self.0[kind.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_unique_and_round_trip() {
        for kind in FacetKind::ALL {
            assert_eq!(FacetKind::from_param(kind.param()), Some(kind));
            assert_eq!(FacetKind::ALL[kind.index()], kind);
        }
        assert_eq!(FacetKind::from_param("report"), None);
    }
}
