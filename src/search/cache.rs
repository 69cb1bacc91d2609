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
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use super::{search, Ranked, SearchRequest, SearchResponse, Sort};
use crate::error::Result;
use crate::index::Engine;

/// Responses kept per generation unless [`set_capacity`] says otherwise.
pub const DEFAULT_CAPACITY: usize = 1024;

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
    responses: Mutex<Responses>,
}

#[derive(Default)]
struct Responses {
    /// Request key → (response, last use).
    entries: HashMap<String, (SearchResponse, u64)>,
    clock: u64,
}

impl Memo {
    /// All paragraphs in `sort` order (date or amount), the first
    /// `window` of them, computed once per generation by `rank`.
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
}

/// [`search`], answered from this generation's recent responses when the
/// same request was answered before. What the server calls.
pub fn search_remembered(engine: &Engine, request: &SearchRequest) -> Result<SearchResponse> {
    let capacity = CAPACITY.load(Ordering::Relaxed);
    if capacity == 0 {
        return search(engine, request);
    }
    let started = Instant::now();
    let key = serde_json::to_string(request).unwrap_or_default();
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
    if let Ok(mut responses) = engine.memo.responses.lock() {
        if responses.entries.len() >= capacity {
            // Forget the least recently used; a linear scan over at most a
            // thousand entries costs microseconds, against a search's
            // hundreds.
            if let Some(oldest) = responses
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            {
                responses.entries.remove(&oldest);
            }
        }
        let now = responses.clock;
        responses.entries.insert(key, (response.clone(), now));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
