//! What a query matches: the final query with its filters and boosts, one
//! pass over the matches that ranks and collects facet counts, and the
//! decision between exact hits and the relaxed "most words" fill.

use std::ops::Bound;

use tantivy::collector::{Collector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Order, Searcher, Term};

use super::deadline::{search_until, Deadline};
use super::query;
use super::tables::FacetCounts;
use super::{compile::*, filters::*, request::*};
use crate::error::Result;
use crate::facet::FacetKind;
use crate::index::schema::names;
use crate::index::Fields;

/// The final query: the core, the ranking boosts, the exclusions and the
/// filters of every facet except `skip`.
pub(super) fn assemble(
    core: &dyn Query,
    compiled: &Compiled,
    fields: &Fields,
    filters: &Filters,
    request: &SearchRequest,
    skip: Option<FacetKind>,
    with_boosts: bool,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, core.box_clone())];
    if with_boosts && !compiled.boosts.is_empty() {
        // One optional clause: the boosts are only asked about the core's
        // matches, which [`should`] answers without walking their own.
        let boosts = compiled.boosts.iter().map(|q| q.box_clone()).collect();
        clauses.push((Occur::Should, should(boosts)));
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
    if let Some(q) = facet_filter(fields, FacetKind::Year, &filters.year_range) {
        clauses.push((Occur::Must, q));
    }
    if let Some(q) = request.scope.filter(fields.access) {
        clauses.push((Occur::Must, q));
    }
    if !filters.reports.is_empty() {
        clauses.push((
            Occur::Must,
            should(
                filters
                    .reports
                    .iter()
                    .map(|report| {
                        Box::new(TermQuery::new(
                            Term::from_field_text(fields.report_id, report),
                            IndexRecordOption::Basic,
                        )) as Box<dyn Query>
                    })
                    .collect(),
            ),
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
pub(super) fn matches_everything(
    compiled: &Compiled,
    filters: &Filters,
    request: &SearchRequest,
    skip: Option<FacetKind>,
) -> bool {
    compiled.match_all
        && request.scope == super::Scope::Everything
        && compiled.excluded.is_empty()
        && FacetKind::ALL
            .into_iter()
            .all(|k| Some(k) == skip || filters[k].is_empty())
        && filters.reports.is_empty()
        && filters.year_range.is_empty()
        && request.min_funding.is_none()
        && request.max_funding.is_none()
}

/// Ranked hits: score (0 unless by relevance) and address.
pub(crate) type Ranked = Vec<(f32, DocAddress)>;

/// One pass over a query's matches: the best `window` of them in `sort`
/// order, and what `also` collects from all of them (facet counts); an
/// error once `deadline` passes.
pub(super) fn gather<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    window: usize,
    also: C,
    deadline: Deadline,
) -> Result<(C::Fruit, Ranked)> {
    fn unscored<T>(top: Vec<(T, DocAddress)>) -> Ranked {
        top.into_iter().map(|(_, a)| (0.0, a)).collect()
    }
    let window = window.max(1);
    Ok(match sort {
        Sort::Relevance => {
            let (top, fruit) =
                search_until(searcher, query, &(by_relevance(window), also), deadline)?;
            (fruit, top)
        }
        Sort::Date => {
            let newest = TopDocs::with_limit(window)
                .order_by_fast_field::<u64>(names::DATE_KEY, Order::Desc);
            let (top, fruit) = search_until(searcher, query, &(newest, also), deadline)?;
            (fruit, unscored(top))
        }
        Sort::Funding => {
            let largest = TopDocs::with_limit(window)
                .order_by_fast_field::<f64>(names::FUNDING_MAX, Order::Desc);
            let (top, fruit) = search_until(searcher, query, &(largest, also), deadline)?;
            (fruit, unscored(top))
        }
    })
}

/// Top documents by BM25 (the reranker adds the length prior).
pub(super) fn by_relevance(limit: usize) -> impl Collector<Fruit = Ranked> {
    TopDocs::with_limit(limit).order_by_score()
}

/// What a query matches. Paragraphs with every word come first. When there
/// are none, the paragraphs where the words stand as characters that jieba
/// cut otherwise (`Compiled::substrings`: 县委 in 昂仁县委) are the hits.
/// When there are none of those either, or fewer than [`FILL_BELOW`]
/// paragraphs with every word, paragraphs with most words (the relaxed
/// core, for queries that have one) follow. Search and the facet trees
/// decide this in one place, so their totals agree.
pub(super) struct Matches<'c> {
    /// The core query the totals and facet counts are of.
    pub(super) core: &'c dyn Query,
    pub(super) total: u64,
    /// Matches with every word.
    pub(super) exact_total: u64,
    /// Nothing had every word.
    pub(super) relaxed: bool,
    pub(super) counts: FacetCounts,
    /// Ranked hits with every word, when hits with most words follow them.
    pub(super) exact_first: Option<Ranked>,
    pub(super) ranked: Ranked,
}

/// Decide [`Matches`]: `pass` runs one core query (with the request's
/// filters) and returns its counts and ranked hits.
pub(super) fn matches<'c>(
    compiled: &'c Compiled,
    sort: Sort,
    pass: impl Fn(&dyn Query) -> Result<(FacetCounts, Ranked)>,
) -> Result<Matches<'c>> {
    let strict: &dyn Query = compiled.strict.as_ref();
    let (counts, ranked) = pass(strict)?;
    let exact_total = counts.total;
    // Nothing has the words: their exact characters may still stand in a
    // paragraph across jieba's word boundaries, which beats most words.
    if let (0, Some(substrings)) = (exact_total, &compiled.substrings) {
        let (counts, ranked) = pass(substrings.as_ref())?;
        if counts.total > 0 {
            return Ok(Matches {
                core: substrings.as_ref(),
                total: counts.total,
                exact_total: counts.total,
                relaxed: false,
                counts,
                exact_first: None,
                ranked,
            });
        }
    }
    if exact_total < FILL_BELOW {
        // Fills, after the paragraphs with every word or in their place:
        // paragraphs with most of the words typed apart (the relaxed core),
        // or, for a run of words that hardly stands anywhere as typed
        // (农村吃水难), paragraphs with its words' neighbours (搬出 → 搬迁,
        // 吃水 → 饮水). Not for a pasted fragment: when every paragraph with
        // its words holds it verbatim, those are what the user wants (see
        // `compile::Fill`). A query has one kind of fill at most.
        let mut fill: Option<&dyn Query> = compiled.relaxed.as_deref();
        if let Some(sentence) = &compiled.sentence {
            let pasted = match &sentence.verbatim {
                Some(verbatim) if exact_total > 0 => {
                    pass(verbatim.as_ref())?.0.total >= exact_total
                }
                _ => false,
            };
            if !pasted {
                fill = fill.or_else(|| Some(sentence.core.get()));
            }
        }
        if let Some(core) = fill {
            let (loose_counts, loose_ranked) = pass(core)?;
            if loose_counts.total > exact_total {
                return Ok(Matches {
                    core,
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

/// A request made ready for one generation: validated, its query parsed and
/// compiled, its filters resolved. Search and the facet trees start here.
pub(super) fn prepare(
    fields: &Fields,
    searcher: &Searcher,
    request: &SearchRequest,
) -> Result<(Compiled, Filters)> {
    request.validate()?;
    let parsed = query::parse(&request.q);
    let mut compiled = compile(fields, &parsed)?;
    compiled.sentence = super::sentence::of(fields, &parsed);
    let viewer = request.scope.filter(fields.access);
    relax(&mut compiled, searcher, fields, viewer.as_deref());
    let filters = resolve_filters(request, &parsed)?;
    Ok((compiled, filters))
}
