//! The one search core: `SearchRequest → SearchResponse`. The JSON API, the
//! HTML pages and the CLI all call [`search`]; nothing else builds queries.
//!
//! A query is parsed forgivingly (`query`), segmented with the index's own
//! analyzer, expanded with synonyms (`synonyms`), and compiled to a tantivy
//! query in which every word is required; a quoted phrase or words typed
//! together also match as their exact characters. When that finds nothing,
//! words are matched as characters too (a word jieba cut otherwise in the
//! text), and then the search is relaxed to "most words" and says so; a
//! long query with only a few exact hits is filled with most-words hits
//! ranked after them. The best matches are then ordered by a fitted model
//! (`rank`). Facet counts are disjunctive: each facet is counted with the
//! other facets' filters but not its own, from the generation's facet table
//! (`tables`) in the pass that ranks. The server's memory of responses is
//! `cache`; when a search must stop (a request's [`Deadline`]) is
//! `deadline`.

mod any_of;
mod by_report;
pub mod cache;
mod compile;
pub mod complete;
mod deadline;
mod did_you_mean;
mod engine;
pub mod expansion;
mod facet_counts;
mod facet_trees;
mod filters;
mod matching;
pub mod query;
pub mod rank;
mod report;
mod request;
mod run;
mod scope;
mod sentence;
pub mod snippet;
pub mod suggest_synonyms;
pub mod synonyms;
pub(crate) mod tables;

pub use deadline::Deadline;
pub use engine::{stats, Engine, IndexStats, LiveEngine};
pub use facet_trees::{facet_trees, FacetNode, FacetTrees};
pub use filters::typed_values;
pub(crate) use filters::FACET_FIELDS;
pub(crate) use matching::Ranked;
pub use report::{report, ReportView};
pub use request::*;
pub use run::{candidates, search, search_all, Candidate};
pub use scope::Scope;
