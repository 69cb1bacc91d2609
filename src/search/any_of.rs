//! A union of a few queries that steps its members only as far as asked.
//!
//! tantivy's union buffers its members 4,096 documents at a time and scores
//! every document in that window. Inside an intersection it is mostly
//! *sought*: a word's alternatives (its text, its context, its parts, its
//! exact characters) are asked about the few documents the rarest word
//! leads to. Buffering then walks and scores every document that holds a
//! common part (工作, 人员) to answer those few questions. [`AnyOf`] keeps
//! each member where it stands and moves it only to the document asked
//! about, so a seek costs a skip per member. It matches and scores exactly
//! as the union does: the sum of its matching members' scores, added in
//! member order.
//!
//! A [`MatchOnly`] member (the exact characters of a run of words, which
//! decide a match but add nothing) is not even moved while a scoring member
//! already stands on the document asked about: a phrase of six common
//! characters is costly to place, and its answer would change nothing.

use tantivy::query::{ConstScoreQuery, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Any of `members`, scored by the sum of those that match.
#[derive(Debug)]
pub(super) struct AnyOf {
    pub(super) members: Vec<Box<dyn Query>>,
}

impl Clone for AnyOf {
    fn clone(&self) -> Self {
        AnyOf {
            members: self.members.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

/// `query` as a condition that adds nothing to the score (a score of 0).
#[derive(Debug)]
pub(super) struct MatchOnly(pub(super) Box<dyn Query>);

impl Clone for MatchOnly {
    fn clone(&self) -> Self {
        MatchOnly(self.0.box_clone())
    }
}

impl Query for MatchOnly {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        ConstScoreQuery::new(self.0.box_clone(), 0.0).weight(enable_scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

impl Query for AnyOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let members = self
            .members
            .iter()
            .map(|q| Ok((q.weight(enable_scoring)?, q.is::<MatchOnly>())))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(AnyOfWeight { members }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for member in &self.members {
            member.query_terms(visitor);
        }
    }
}

/// Each member's weight, and whether it only decides a match.
struct AnyOfWeight {
    members: Vec<(Box<dyn Weight>, bool)>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut members = Vec::with_capacity(self.members.len());
        for (weight, match_only) in &self.members {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                members.push(Member {
                    scorer,
                    match_only: *match_only,
                });
            }
        }
        let doc = first(&members);
        Ok(Box::new(AnyOfScorer {
            match_only: members.iter().any(|m| m.match_only),
            members,
            doc,
            max_doc: reader.max_doc(),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut details = Vec::new();
        for (member, _) in &self.members {
            let mut scorer = member.scorer(reader, 1.0)?;
            if scorer.doc() <= doc && scorer.seek(doc) == doc {
                details.push(member.explain(reader, doc)?);
            }
        }
        if details.is_empty() {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let sum = details.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("AnyOf: sum of the matching members", sum);
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// The lowest document any member stands on.
fn first(members: &[Member]) -> DocId {
    members
        .iter()
        .map(|m| m.scorer.doc())
        .min()
        .unwrap_or(TERMINATED)
}

struct Member {
    scorer: Box<dyn Scorer>,
    /// A [`MatchOnly`] member: it may stand behind the union's document
    /// while a scoring member stands on it.
    match_only: bool,
}

struct AnyOfScorer {
    members: Vec<Member>,
    /// Some member is match-only.
    match_only: bool,
    doc: DocId,
    max_doc: u32,
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for member in &mut self.members {
            let doc = member.scorer.doc();
            if doc == current {
                member.scorer.advance();
            } else if doc < current {
                // A match-only member left behind.
                member.scorer.seek(current + 1);
            }
        }
        self.doc = first(&self.members);
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        // Most unions have no match-only member: one plain pass. (Folding
        // this into the two passes below cost 4.5% more instructions on
        // `工作人员`, measured with callgrind.)
        if !self.match_only {
            for member in &mut self.members {
                if member.scorer.doc() < target {
                    member.scorer.seek(target);
                }
            }
            self.doc = first(&self.members);
            return self.doc;
        }
        let mut found = false;
        for member in self.members.iter_mut().filter(|m| !m.match_only) {
            if member.scorer.doc() < target {
                member.scorer.seek(target);
            }
            found |= member.scorer.doc() == target;
        }
        if found {
            self.doc = target;
            return target;
        }
        for member in self.members.iter_mut().filter(|m| m.match_only) {
            if member.scorer.doc() < target {
                member.scorer.seek(target);
            }
        }
        self.doc = first(&self.members);
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        let sum: u64 = self
            .members
            .iter()
            .map(|m| u64::from(m.scorer.size_hint()))
            .sum();
        sum.min(u64::from(self.max_doc)) as u32
    }

    fn cost(&self) -> u64 {
        self.members.iter().map(|m| m.scorer.cost()).sum()
    }
}

impl Scorer for AnyOfScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut sum: Score = 0.0;
        for member in &mut self.members {
            if !member.match_only && member.scorer.doc() == doc {
                sum += member.scorer.score();
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index};

    /// An intersection that seeks the union gives the same hits and scores
    /// through [`AnyOf`] as through tantivy's own union.
    #[test]
    fn matches_and_scores_as_the_union_does() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        for i in 0..3000u32 {
            let mut text = String::from("common");
            if i % 3 == 0 {
                text.push_str(" alpha");
            }
            if i % 5 == 0 {
                text.push_str(" beta beta");
            }
            if i % 97 == 0 {
                text.push_str(" rare");
            }
            writer.add_document(doc!(body => text)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |w: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                tantivy::Term::from_field_text(body, w),
                IndexRecordOption::WithFreqs,
            ))
        };
        let members = || vec![term("alpha"), term("beta"), term("common")];
        let with = |union: Box<dyn Query>| {
            let query = BooleanQuery::new(vec![(Occur::Must, term("rare")), (Occur::Must, union)]);
            searcher
                .search(&query, &TopDocs::with_limit(100).order_by_score())
                .unwrap()
        };
        let theirs = with(Box::new(BooleanQuery::new(
            members().into_iter().map(|q| (Occur::Should, q)).collect(),
        )));
        let ours = with(Box::new(AnyOf { members: members() }));
        assert_eq!(theirs.len(), 31);
        assert_eq!(ours, theirs);
        // A member that only decides a match: it admits the paragraphs no
        // scoring member holds, and adds nothing to those they do.
        let deciding =
            || -> Vec<Box<dyn Query>> { vec![term("alpha"), Box::new(MatchOnly(term("beta")))] };
        let theirs = with(Box::new(BooleanQuery::new(
            deciding()
                .into_iter()
                .map(|q| match q.downcast_ref::<MatchOnly>() {
                    Some(m) => (
                        Occur::Should,
                        Box::new(tantivy::query::ConstScoreQuery::new(m.0.box_clone(), 0.0))
                            as Box<dyn Query>,
                    ),
                    None => (Occur::Should, q),
                })
                .collect(),
        )));
        let ours = with(Box::new(AnyOf {
            members: deciding(),
        }));
        let expected = (0..3000u32)
            .filter(|i| i % 97 == 0 && (i % 3 == 0 || i % 5 == 0))
            .count();
        assert_eq!(theirs.len(), expected);
        assert_eq!(ours, theirs);
        assert!(ours.iter().any(|(score, _)| *score > 0.0));
        // Alone, it walks every document any member holds.
        let all = searcher
            .search(
                &AnyOf {
                    members: vec![term("alpha"), term("beta")],
                },
                &tantivy::collector::Count,
            )
            .unwrap();
        assert_eq!(all, 1000 + 600 - 200);
    }
}
