//! What one generation remembers of its answers: the newest-first and
//! largest-amount-first orders of all paragraphs (browsing without words
//! or filters), and recent responses by request.
//!
//! A generation never changes, so nothing here is ever stale: a reindex
//! brings a new engine with an empty memory. Responses are kept for the
//! server (the pages re-ask the same searches while staff page and click
//! facets); [`super::search`] itself never reads them, so the CLI and the
//! benchmark of the library measure real searches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::by_report::Group;
use super::tables::{FacetCounts, KnownValues};
use super::{search, Ranked, SearchRequest, SearchResponse, Sort};
use super::{Engine, Scope};
use crate::error::Result;
use crate::facet::FacetKind;

/// Responses kept per generation unless [`set_capacity`] says otherwise.
pub const DEFAULT_CAPACITY: usize = 1024;
/// Most bytes of text the kept responses of a generation may hold, so that
/// a thousand pages of a hundred hits cannot double the server's memory.
pub const MAX_BYTES: usize = 32 << 20;

static CAPACITY: AtomicUsize = AtomicUsize::new(DEFAULT_CAPACITY);

/// How many responses each generation keeps (0: none). Process-wide, so
/// that generations opened by a later reindex keep the same setting.
pub fn set_capacity(entries: usize) {
    CAPACITY.store(entries, Ordering::Relaxed);
}

/// Per-generation memory; see the module documentation.
#[derive(Default)]
pub(crate) struct Memo {
    newest: OnceLock<Ranked>,
    largest: OnceLock<Ranked>,
    /// The report view of everything, newest first and by amount.
    reports_newest: OnceLock<Vec<Group>>,
    reports_largest: OnceLock<Vec<Group>>,
    responses: Mutex<Responses>,
    /// Facet counts of every paragraph a scope may read, per scope key.
    scoped: Mutex<HashMap<String, Arc<FacetCounts>>>,
}

/// Most scopes whose facet counts a generation keeps; past it they are
/// forgotten and counted again (a count over every paragraph).
const MAX_SCOPES: usize = 64;

#[derive(Default)]
struct Responses {
    /// Request key → (response, last use).
    entries: HashMap<String, (SearchResponse, u64)>,
    clock: u64,
    /// Sum of [`weight`] over the entries.
    bytes: usize,
}

/// Roughly the heap bytes a response holds: its texts, and a little per
/// facet value.
fn weight(key: &str, response: &SearchResponse) -> usize {
    let hits: usize = response
        .hits
        .iter()
        .map(|h| {
            h.text.len()
                + h.snippet.len()
                + h.report.title.len()
                + h.id.len()
                + h.report.id.len()
                + 256
        })
        .sum();
    let f = &response.facets;
    let facets: usize = FacetKind::ALL
        .iter()
        .map(|&k| f.values(k).len())
        .sum::<usize>()
        * 96;
    key.len() + hits + facets + 512
}

impl Memo {
    /// The facet values `scope` may be told exist ([`KnownValues`]),
    /// counted once per scope and generation.
    pub fn known_values(
        &self,
        engine: &Engine,
        searcher: &tantivy::Searcher,
        scope: &Scope,
    ) -> Result<KnownValues> {
        let Some(filter) = scope.filter(engine.fields.access) else {
            return Ok(KnownValues::All);
        };
        let key = scope.key();
        if let Some(counts) = self.scoped.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(KnownValues::Counted(counts));
        }
        let counts = Arc::new(searcher.search(filter.as_ref(), &engine.facets.counter())?);
        if let Ok(mut scoped) = self.scoped.lock() {
            if scoped.len() >= MAX_SCOPES {
                scoped.clear();
            }
            scoped.insert(key, counts.clone());
        }
        Ok(KnownValues::Counted(counts))
    }

    /// The paragraphs in `sort` order (date or amount) as deep as paging
    /// reaches, computed once per generation by `rank`.
    pub fn browse_order(
        &self,
        sort: Sort,
        rank: impl FnOnce() -> Result<Ranked>,
    ) -> Result<&Ranked> {
        let cell = match sort {
            Sort::Funding => &self.largest,
            _ => &self.newest,
        };
        if let Some(order) = cell.get() {
            return Ok(order);
        }
        let order = rank()?;
        Ok(cell.get_or_init(|| order))
    }

    /// Every report in `sort` order (date or amount) with its paragraph
    /// count and lead, computed once per generation by `group`.
    pub(super) fn report_groups(
        &self,
        sort: Sort,
        group: impl FnOnce() -> Result<Vec<Group>>,
    ) -> Result<&[Group]> {
        let cell = match sort {
            Sort::Funding => &self.reports_largest,
            _ => &self.reports_newest,
        };
        if let Some(groups) = cell.get() {
            return Ok(groups);
        }
        let groups = group()?;
        Ok(cell.get_or_init(|| groups))
    }
}

/// [`search`], answered from this generation's recent responses when the
/// same request was answered before. What the server calls.
pub fn search_remembered(engine: &Engine, request: &SearchRequest) -> Result<SearchResponse> {
    let capacity = CAPACITY.load(Ordering::Relaxed);
    if capacity == 0 {
        return search(engine, request);
    }
    let started = Instant::now();
    // The scope is not part of the request's JSON: an answer is remembered
    // for the viewers of one scope only, never served to another.
    let key = format!(
        "{}\n{}",
        request.scope.key(),
        serde_json::to_string(request).unwrap_or_default()
    );
    if let Ok(mut responses) = engine.memo.responses.lock() {
        responses.clock += 1;
        let now = responses.clock;
        if let Some((response, used)) = responses.entries.get_mut(&key) {
            *used = now;
            let mut response = response.clone();
            response.took_ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
            return Ok(response);
        }
    }
    let response = search(engine, request)?;
    let size = weight(&key, &response);
    if size > MAX_BYTES / 4 {
        return Ok(response);
    }
    if let Ok(mut responses) = engine.memo.responses.lock() {
        // Forget the least recently used until this one fits; a linear scan
        // over at most a thousand entries costs microseconds, against a
        // search's hundreds.
        while responses.entries.len() >= capacity || responses.bytes + size > MAX_BYTES {
            let Some(oldest) = responses
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((gone, _)) = responses.entries.remove(&oldest) {
                responses.bytes -= weight(&oldest, &gone);
            }
        }
        let now = responses.clock;
        if let Some((old, _)) = responses
            .entries
            .insert(key.clone(), (response.clone(), now))
        {
            // Another thread answered the same request meanwhile.
            responses.bytes -= weight(&key, &old);
        }
        responses.bytes += size;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_counts_the_hits_text() {
        let hit = |chars: usize| -> super::super::Hit {
            serde_json::from_value(serde_json::json!({
                "id": "r#1", "report": {"id": "r", "title": "t", "date": null, "source": null},
                "paragraph": 1, "kind": "paragraph", "section": null,
                "text": "援".repeat(chars), "snippet": "", "score": 1.0,
                "region": [], "donor": [], "sector": [], "year": [], "funding": []
            }))
            .unwrap()
        };
        let mut response: SearchResponse = serde_json::from_value(serde_json::json!({
            "query": "", "total": 0, "exact_total": 0, "page": 1, "per_page": 10,
            "took_ms": 0.0, "relaxed": false, "sort": "relevance", "hits": [],
            "facets": {"region": [], "donor": [], "sector": [], "year": []},
            "suggestions": [], "related": [], "region_parent": "", "donor_parent": "",
            "generation": 1
        }))
        .unwrap();
        let empty = weight("k", &response);
        response.hits = vec![hit(10_000), hit(10)];
        assert!(weight("k", &response) >= empty + 30_030);
    }

    #[test]
    fn browse_order_is_computed_once_per_sort() {
        let memo = Memo::default();
        let calls = std::cell::Cell::new(0);
        let rank = || {
            calls.set(calls.get() + 1);
            Ok(vec![(0.0, tantivy::DocAddress::new(0, 1))])
        };
        assert_eq!(memo.browse_order(Sort::Date, rank).unwrap().len(), 1);
        assert_eq!(memo.browse_order(Sort::Date, rank).unwrap().len(), 1);
        assert_eq!(calls.get(), 1);
        memo.browse_order(Sort::Funding, rank).unwrap();
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn the_report_view_of_everything_is_grouped_once_per_sort() {
        let memo = Memo::default();
        let calls = std::cell::Cell::new(0);
        let group = || {
            calls.set(calls.get() + 1);
            Ok(Vec::new())
        };
        memo.report_groups(Sort::Date, group).unwrap();
        memo.report_groups(Sort::Date, group).unwrap();
        assert_eq!(calls.get(), 1);
        memo.report_groups(Sort::Funding, group).unwrap();
        assert_eq!(calls.get(), 2);
    }
}
