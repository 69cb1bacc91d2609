//! The report view of a search: its matching paragraphs grouped by report,
//! each report with how many of its paragraphs match and the one that
//! stands for it, in one pass over the matches beside the ranked pass.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::request::Sort;
use super::tables::ReportNumbers;
use crate::index::schema::names;

/// Paragraphs shorter than this are headings, captions and datelines: when
/// every match scores the same (browsing), a report stands for itself by
/// its first longer paragraph, its lead, rather than by its title line.
const LEAD_CHARS: u64 = 40;

/// What the matches of one report add up to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
    /// Matching paragraphs.
    pub matching: u64,
    /// The paragraph that stands for the report: the best score, then a
    /// lead over a heading, then the earlier paragraph.
    pub best: DocAddress,
    best_key: (Score, bool, std::cmp::Reverse<u64>),
    /// The score of `best`: the model's when it ranked it, else BM25.
    pub score: Score,
    /// The report's date key (`names::DATE_KEY`), for the newest-first order.
    pub date_key: u64,
    /// The largest amount in any matching paragraph.
    pub funding: f64,
}

/// Collects a [`Group`] per report number over every match.
pub(super) struct ByReport<'a> {
    pub reports: &'a ReportNumbers,
}

pub(super) struct SegmentByReport {
    segment: SegmentOrdinal,
    reports: Arc<[u32]>,
    date_key: Option<Column<u64>>,
    funding: Option<Column<f64>>,
    paragraph: Option<Column<u64>>,
    chars: Option<Column<u64>>,
    groups: HashMap<u32, Group>,
}

impl Collector for ByReport<'_> {
    type Fruit = HashMap<u32, Group>;
    type Child = SegmentByReport;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentByReport> {
        let fast = reader.fast_fields();
        Ok(SegmentByReport {
            segment,
            reports: self.reports.of_segment(segment),
            date_key: fast.u64(names::DATE_KEY).ok(),
            funding: fast.f64(names::FUNDING_MAX).ok(),
            paragraph: fast.u64(names::PARAGRAPH).ok(),
            chars: fast.u64(names::CHARS).ok(),
            groups: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<u32, Group>>) -> tantivy::Result<Self::Fruit> {
        let mut merged: HashMap<u32, Group> = HashMap::new();
        for fruit in fruits {
            for (report, group) in fruit {
                merged
                    .entry(report)
                    .and_modify(|g| g.absorb(&group))
                    .or_insert(group);
            }
        }
        Ok(merged)
    }
}

impl Group {
    fn absorb(&mut self, other: &Group) {
        self.matching += other.matching;
        if other.best_key > self.best_key {
            self.best = other.best;
            self.best_key = other.best_key;
            self.score = other.score;
        }
        self.date_key = self.date_key.max(other.date_key);
        self.funding = self.funding.max(other.funding);
    }
}

impl SegmentCollector for SegmentByReport {
    type Fruit = HashMap<u32, Group>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(&report) = self.reports.get(doc as usize) else {
            return;
        };
        let paragraph = self
            .paragraph
            .as_ref()
            .and_then(|c| c.first(doc))
            .unwrap_or(u64::MAX);
        let lead = self
            .chars
            .as_ref()
            .and_then(|c| c.first(doc))
            .is_some_and(|n| n >= LEAD_CHARS);
        let group = Group {
            matching: 1,
            best: DocAddress::new(self.segment, doc),
            best_key: (score, lead, std::cmp::Reverse(paragraph)),
            score,
            date_key: self
                .date_key
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(0),
            funding: self
                .funding
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(0.0),
        };
        self.groups
            .entry(report)
            .and_modify(|g| g.absorb(&group))
            .or_insert(group);
    }

    fn harvest(self) -> HashMap<u32, Group> {
        self.groups
    }
}

/// The reports in the order the view lists them, each with the paragraph
/// that stands for it. By relevance, a report ranks where its best
/// paragraph ranks in `ranked` (the model's order); reports with no
/// paragraph there follow by their best score. By date, newest first; by
/// funding, largest amount first; ties by best score.
pub(super) fn order(
    groups: HashMap<u32, Group>,
    ranked: &[(f32, DocAddress)],
    report_of: impl Fn(DocAddress) -> u32,
    sort: Sort,
) -> Vec<Group> {
    let mut position: HashMap<u32, (usize, f32, DocAddress)> = HashMap::new();
    if sort == Sort::Relevance {
        for (i, (score, address)) in ranked.iter().enumerate() {
            position
                .entry(report_of(*address))
                .or_insert((i, *score, *address));
        }
    }
    let mut listed: Vec<(u32, Group, Option<usize>)> = groups
        .into_iter()
        .map(|(report, mut group)| {
            let at = position.get(&report).map(|&(i, score, address)| {
                group.best = address;
                group.score = score;
                i
            });
            (report, group, at)
        })
        .collect();
    let by_score = |a: &Group, b: &Group| b.best_key.0.total_cmp(&a.best_key.0);
    listed.sort_by(|(ra, a, pa), (rb, b, pb)| {
        let primary = match sort {
            Sort::Relevance => match (pa, pb) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
            Sort::Date => b.date_key.cmp(&a.date_key),
            Sort::Funding => b.funding.total_cmp(&a.funding),
        };
        primary.then_with(|| by_score(a, b)).then(ra.cmp(rb))
    });
    listed.into_iter().map(|(_, g, _)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(score: f32, doc: u32, date_key: u64, funding: f64) -> Group {
        Group {
            matching: 1,
            best: DocAddress::new(0, doc),
            best_key: (score, true, std::cmp::Reverse(0)),
            score,
            date_key,
            funding,
        }
    }

    #[test]
    fn reports_rank_where_their_best_paragraph_ranks_then_by_score() {
        // Reports 1, 2, 3 with best BM25 scores 5, 9, 7; the model's order
        // puts report 1's paragraph first and report 3's second; report 2
        // has no paragraph in the model's window.
        let groups = HashMap::from([
            (1, group(5.0, 10, 3, 0.0)),
            (2, group(9.0, 20, 1, 5.0)),
            (3, group(7.0, 30, 2, 9.0)),
        ]);
        let ranked = [
            (1.0, DocAddress::new(0, 11)),
            (0.9, DocAddress::new(0, 31)),
            (0.8, DocAddress::new(0, 12)),
        ];
        let report_of = |a: DocAddress| a.doc_id / 10;
        let order_of = |sort| {
            order(groups.clone(), &ranked, report_of, sort)
                .iter()
                .map(|g| g.best.doc_id)
                .collect::<Vec<_>>()
        };
        // The model's best paragraph stands for its report.
        assert_eq!(order_of(Sort::Relevance), [11, 31, 20]);
        assert_eq!(order_of(Sort::Date), [10, 30, 20]);
        assert_eq!(order_of(Sort::Funding), [30, 20, 10]);
    }

    #[test]
    fn a_lead_stands_for_its_report_when_scores_tie() {
        let mut a = group(1.0, 1, 0, 0.0);
        a.best_key = (1.0, false, std::cmp::Reverse(1));
        let mut b = group(1.0, 2, 0, 0.0);
        b.best_key = (1.0, true, std::cmp::Reverse(3));
        let mut c = group(1.0, 3, 0, 0.0);
        c.best_key = (1.0, true, std::cmp::Reverse(2));
        for other in [b, c] {
            a.absorb(&other);
        }
        assert_eq!(a.best.doc_id, 3, "the earlier of the two leads");
        assert_eq!(a.matching, 3);
    }
}
