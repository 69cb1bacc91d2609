//! When a search must stop. The server gives each library call a time
//! budget; the [`Deadline`] it sets on the request is checked between the
//! steps of a search and, through [`search_until`], inside tantivy's walk
//! over the matches, so work past its budget ends and frees its slot
//! instead of running on after the client was answered.

use std::time::{Duration, Instant};

use tantivy::collector::Collector;
use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use crate::error::{Error, Result};

/// When a search must stop: at an instant, or never (the CLI, tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline {
    at: Option<Instant>,
    /// The budget it was set from, for the error.
    budget_ms: u64,
}

impl Deadline {
    /// No deadline.
    pub const NEVER: Deadline = Deadline {
        at: None,
        budget_ms: 0,
    };

    /// `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            at: Instant::now().checked_add(budget),
            budget_ms: budget.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }

    /// Whether it has passed.
    pub fn passed(&self) -> bool {
        self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// [`Error::Timeout`] once it has passed.
    pub fn check(&self) -> Result<()> {
        if self.passed() {
            Err(Error::Timeout(self.budget_ms))
        } else {
            Ok(())
        }
    }
}

/// `searcher.search(query, collector)`, stopped at `deadline`: the matches
/// are walked by scorers that end early once it passes, and the cut-short
/// collection is then answered with [`Error::Timeout`], never returned.
pub(super) fn search_until<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
    deadline: Deadline,
) -> Result<C::Fruit> {
    deadline.check()?;
    let fruit = if deadline.at.is_none() {
        searcher.search(query, collector)?
    } else {
        searcher.search(&Until::new(query, deadline), collector)?
    };
    deadline.check()?;
    Ok(fruit)
}

/// Scorers look at the clock once per this many documents they step
/// through (a clock read costs about what stepping through one does).
const CHECK_EVERY: u32 = 1024;

/// A query whose scorers stop at a deadline (see [`search_until`]). Only the
/// outermost query is wrapped: its scorer drives every inner one.
#[derive(Debug)]
pub(super) struct Until {
    query: Box<dyn Query>,
    deadline: Deadline,
}

impl Until {
    pub(super) fn new(query: &dyn Query, deadline: Deadline) -> Until {
        Until {
            query: query.box_clone(),
            deadline,
        }
    }
}

impl Clone for Until {
    fn clone(&self) -> Self {
        Until::new(self.query.as_ref(), self.deadline)
    }
}

impl Query for Until {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(UntilWeight {
            inner: self.query.weight(enable_scoring)?,
            deadline: self.deadline,
        }))
    }
}

struct UntilWeight {
    inner: Box<dyn Weight>,
    deadline: Deadline,
}

impl Weight for UntilWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        // A segment reached past the deadline is not opened at all.
        if self.deadline.passed() {
            return Ok(Box::new(EmptyScorer));
        }
        Ok(Box::new(UntilScorer {
            inner: self.inner.scorer(reader, boost)?,
            deadline: self.deadline,
            countdown: CHECK_EVERY,
            stopped: false,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

/// A scorer that ends, as if out of matches, once its deadline passes.
struct UntilScorer {
    inner: Box<dyn Scorer>,
    deadline: Deadline,
    /// Steps left before the next look at the clock.
    countdown: u32,
    stopped: bool,
}

impl UntilScorer {
    /// Count one step; true when the deadline has passed (now or before).
    fn out_of_time(&mut self) -> bool {
        if self.stopped {
            return true;
        }
        self.countdown -= 1;
        if self.countdown == 0 {
            self.countdown = CHECK_EVERY;
            self.stopped = self.deadline.passed();
        }
        self.stopped
    }
}

impl DocSet for UntilScorer {
    fn advance(&mut self) -> DocId {
        if self.out_of_time() {
            return TERMINATED;
        }
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.out_of_time() {
            return TERMINATED;
        }
        self.inner.seek(target)
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; tantivy::COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        // A block at a time (collections that do not score): one look at
        // the clock per block, then the inner scorer's own fast fill.
        if self.stopped || self.deadline.passed() {
            self.stopped = true;
            return 0;
        }
        self.inner.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        if self.stopped {
            TERMINATED
        } else {
            self.inner.doc()
        }
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for UntilScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::AllQuery;
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index};

    /// An index of `n` documents in one segment.
    fn index_of(n: usize) -> Index {
        let mut schema = Schema::builder();
        let field = schema.add_text_field("f", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for _ in 0..n {
            writer.add_document(doc!(field => "x")).unwrap();
        }
        writer.commit().unwrap();
        index
    }

    #[test]
    fn a_passed_deadline_stops_the_walk_over_matches() {
        let index = index_of(20_000);
        let searcher = index.reader().unwrap().searcher();
        let passed = Deadline::after(Duration::ZERO);
        // Scored, block-filled and counted walks alike stop within one
        // stretch between looks at the clock.
        let weight = Until::new(&AllQuery, passed)
            .weight(EnableScoring::disabled_from_searcher(&searcher))
            .unwrap();
        let segment = &searcher.segment_readers()[0];
        // Past the deadline no segment is even opened.
        assert_eq!(weight.count(segment).unwrap(), 0);
        // A scorer whose deadline passes while it walks ends early.
        let mut scorer = UntilScorer {
            inner: AllQuery
                .weight(EnableScoring::disabled_from_searcher(&searcher))
                .unwrap()
                .scorer(segment, 1.0)
                .unwrap(),
            deadline: passed,
            countdown: CHECK_EVERY,
            stopped: false,
        };
        let mut walked = 0;
        while scorer.doc() != TERMINATED {
            walked += 1;
            scorer.advance();
        }
        assert_eq!(walked, CHECK_EVERY as usize);
        let mut buffer = [0; tantivy::COLLECT_BLOCK_BUFFER_LEN];
        assert_eq!(scorer.fill_buffer(&mut buffer), 0);
        // Through a searcher: the search is an error, not a short answer.
        let error = search_until(&searcher, &AllQuery, &Count, passed).unwrap_err();
        assert!(matches!(error, Error::Timeout(0)), "{error:?}");
        let error = search_until(
            &searcher,
            &AllQuery,
            &TopDocs::with_limit(5).order_by_score(),
            passed,
        )
        .unwrap_err();
        assert!(matches!(error, Error::Timeout(0)), "{error:?}");
    }

    #[test]
    fn without_a_deadline_or_before_it_every_match_is_walked() {
        let index = index_of(5_000);
        let searcher = index.reader().unwrap().searcher();
        for deadline in [Deadline::NEVER, Deadline::after(Duration::from_secs(3600))] {
            assert_eq!(
                search_until(&searcher, &AllQuery, &Count, deadline).unwrap(),
                5_000
            );
            let top = TopDocs::with_limit(3).order_by_score();
            let top = search_until(&searcher, &AllQuery, &top, deadline);
            assert_eq!(top.unwrap().len(), 3);
        }
        assert!(!Deadline::NEVER.passed());
        assert!(Deadline::NEVER.check().is_ok());
    }
}
