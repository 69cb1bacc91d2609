//! Who is searching, as search sees it: the groups whose restricted reports
//! a viewer may read. Every read path of the core applies it inside the
//! core: the final query of every search, facet count and export carries
//! its filter on the index's access field, and whatever counts words
//! (expansion, "did you mean", the relaxed core's weights) counts only the
//! paragraphs the viewer may read, so no answer depends on a report the
//! viewer may not see.

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::corpus::meta::OPEN_ACCESS;

/// The reports a viewer may read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every report: the CLI run by whoever holds the index.
    #[default]
    Everything,
    /// Open reports and those restricted to one of these groups (none: open
    /// reports only, a viewer nobody signed in as).
    Groups(Vec<String>),
}

impl Scope {
    /// The scope of a viewer in `groups` (sorted, so equal scopes share
    /// their remembered answers).
    pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(groups: I) -> Scope {
        let mut groups: Vec<String> = groups.into_iter().map(Into::into).collect();
        groups.sort();
        groups.dedup();
        Scope::Groups(groups)
    }

    /// Open reports only.
    pub fn open_only() -> Scope {
        Scope::Groups(Vec::new())
    }

    /// Whether a report readable by `access` (empty: open) is in scope.
    pub fn sees(&self, access: &[String]) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Groups(groups) => access.is_empty() || access.iter().any(|a| groups.contains(a)),
        }
    }

    /// A key telling scopes apart, for the response memory.
    pub fn key(&self) -> String {
        match self {
            Scope::Everything => "*".to_string(),
            // Group names hold no comma (`corpus::meta::group_name_problem`).
            Scope::Groups(groups) => format!("groups:{}", groups.join(",")),
        }
    }

    /// The filter on the index's access field, or `None` for everything.
    pub(super) fn filter(&self, access: Field) -> Option<Box<dyn Query>> {
        let Scope::Groups(groups) = self else {
            return None;
        };
        let term = |value: &str| {
            Box::new(TermQuery::new(
                Term::from_field_text(access, value),
                IndexRecordOption::Basic,
            )) as Box<dyn Query>
        };
        let any_of: Vec<(Occur, Box<dyn Query>)> = std::iter::once(OPEN_ACCESS)
            .chain(groups.iter().map(String::as_str))
            .map(|value| (Occur::Should, term(value)))
            .collect();
        // Scored zero: a filter must not move a hit's score, so the same
        // search ranks alike for every viewer that sees the same paragraphs.
        Some(Box::new(ConstScoreQuery::new(
            Box::new(BooleanQuery::new(any_of)),
            0.0,
        )))
    }
}

/// Paragraphs with `term` that the filter lets through (all of them
/// without one: the index's own document frequency).
pub(super) fn doc_freq(searcher: &Searcher, filter: Option<&dyn Query>, term: Term) -> u64 {
    match filter {
        None => searcher.doc_freq(&term).unwrap_or(0),
        Some(filter) => {
            let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            count(searcher, Some(filter), query)
        }
    }
}

/// Matches of `query` that the filter lets through.
pub(super) fn count(searcher: &Searcher, filter: Option<&dyn Query>, query: Box<dyn Query>) -> u64 {
    let query = match filter {
        None => query,
        Some(filter) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, filter.box_clone()),
        ])),
    };
    searcher
        .search(query.as_ref(), &Count)
        .map_or(0, |n| n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_sees_open_reports_and_those_of_its_groups() {
        let own = Scope::groups(["领导", "扶贫办"]);
        assert!(own.sees(&[]));
        assert!(own.sees(&["扶贫办".to_string()]));
        assert!(!own.sees(&["财务".to_string()]));
        assert!(!Scope::open_only().sees(&["扶贫办".to_string()]));
        assert!(Scope::Everything.sees(&["财务".to_string()]));
        assert_eq!(own, Scope::groups(["扶贫办", "领导", "领导"]));
        assert_ne!(own.key(), Scope::open_only().key());
        assert_ne!(Scope::Everything.key(), Scope::open_only().key());
    }
}
