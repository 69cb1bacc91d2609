//! Compiling a parsed query into tantivy queries: required concepts (a word,
//! its dictionary parts, its synonyms, its article context), phrases,
//! exclusions, the relaxed "most words" core and the ranking boosts.
//!
//! Exact substrings go through the character field (`Fields::text_chars`):
//! a quoted phrase (or an excluded one) also matches as the phrase of its CJK
//! characters, and an unquoted run of several words also matches where its
//! exact text stands, however jieba cut the paragraph. A single word matches
//! as characters only in the substring pass, when nothing has the words:
//! always, 援藏 would also match 支援藏区, and a phrase of common characters
//! costs milliseconds on every query.

use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::any_of::{AnyOf, MatchOnly};
use super::query::{self, ParsedQuery, Unit};
use super::request::*;
use super::synonyms;
use crate::error::Result;
use crate::index::Fields;
use crate::normalize::{fold, is_cjk};
use crate::tokenizer::{analyze, cjk_chars, jieba};

/// Words that carry no meaning on their own in a query.
pub(super) const STOPWORDS: [&str; 40] = [
    "的", "了", "在", "和", "与", "及", "是", "有", "对", "为", "把", "被", "让", "给", "从", "向",
    "等", "也", "都", "就", "而", "或", "并", "做", "哪些", "什么", "怎么", "如何", "哪里", "哪个",
    "吗", "呢", "吧", "啊", "这", "那", "这些", "那些", "关于", "之",
];

/// Boosts of the fields and of the extra evidence.
pub(super) const SECTION_BOOST: f32 = 0.5;
pub(super) const TITLE_BOOST: f32 = 0.3;
pub(super) const SYNONYM_BOOST: f32 = 0.8;
/// Weight of a match in the article's title and lead rather than the paragraph.
pub(super) const CONTEXT_BOOST: f32 = 0.3;
/// Weight of a long word matched by its parts spread over paragraph and context.
pub(super) const SPREAD_BOOST: f32 = 0.5;
pub(super) const ADJACENT_BOOST: f32 = 1.5;
pub(super) const PROXIMITY_BOOST: f32 = 1.0;
/// Character distance within which query words count as close.
pub(super) const PROXIMITY_SLOP: u32 = 12;
/// Weight of a query word found as its exact characters, and of a run of
/// several words found as typed (measured in RELEVANCE.md).
pub(super) const EXACT_WORD_BOOST: f32 = 1.0;
pub(super) const EXACT_RUN_BOOST: f32 = 4.0;

/// A query compiled against one index.
pub(super) struct Compiled {
    /// Required part (strict) and its relaxed form.
    pub(super) strict: Box<dyn Query>,
    pub(super) relaxed: Option<Box<dyn Query>>,
    /// Ranking-only clauses (title, proximity).
    pub(super) boosts: Vec<Box<dyn Query>>,
    pub(super) excluded: Vec<Box<dyn Query>>,
    /// Folded words to mark in snippets.
    pub(super) highlight: Vec<String>,
    /// Content words, for suggestions.
    pub(super) words: Vec<String>,
    pub(super) match_all: bool,
    /// Words past [`MAX_TERMS`] that were left out of the query, in order.
    pub(super) dropped: Vec<String>,
    /// Plain words with their char offsets in the query, for proximity.
    pub(super) ordered: Vec<(usize, String)>,
    /// The query's wanted units as typed (folded, split at spaces), to find
    /// verbatim in a paragraph's text.
    pub(super) typed: Vec<String>,
    /// What the relaxed core is built from, once the words' weights are
    /// known ([`relax`]): queries of more than two concepts only.
    pub(super) relaxable: Option<Relaxable>,
    /// The strict query with every word also found as its characters:
    /// searched when `strict` finds nothing (`None` when it would be the same).
    pub(super) substrings: Option<Box<dyn Query>>,
    /// The query typed as a sentence, searched with its words' neighbours
    /// when nothing else finds enough paragraphs (set by `super::sentence`).
    pub(super) sentence: Option<Fill>,
}

/// A sentence's fill (built by `super::sentence`): its core, and the run
/// exactly as typed (its characters side by side), which tells a copied
/// fragment from a request: when every paragraph with its words holds the
/// run verbatim, the user pasted text that stands there, and wants those
/// paragraphs, not more.
pub(super) struct Fill {
    pub(super) core: Deferred,
    pub(super) verbatim: Option<Box<dyn Query>>,
}

/// A query built the first time it is needed, if ever.
pub(super) struct Deferred {
    build: Box<dyn Fn() -> Box<dyn Query> + Send + Sync>,
    query: std::sync::OnceLock<Box<dyn Query>>,
}

impl Deferred {
    pub(super) fn new(build: impl Fn() -> Box<dyn Query> + Send + Sync + 'static) -> Deferred {
        Deferred {
            build: Box::new(build),
            query: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn get(&self) -> &dyn Query {
        self.query.get_or_init(|| (self.build)()).as_ref()
    }
}

/// The required concepts of a query, each with its words, and the anchor.
pub(super) struct Relaxable {
    concepts: Vec<Box<dyn Query>>,
    words: Vec<Vec<String>>,
    /// The typed clause of each concept.
    clauses: Vec<usize>,
    anchor: Box<dyn Query>,
}

pub(super) fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqsAndPositions,
    ))
}

pub(super) fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// Any of `queries`, scored by the sum of those that match. A member that
/// is itself a plain union is spliced in: the sum is the same, and each
/// union costs tantivy a 16 KiB score buffer per segment per search. A
/// union of a few members is an [`AnyOf`], which answers a seek without
/// walking its members' other documents.
pub(super) fn should(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    let mut flat: Vec<Box<dyn Query>> = Vec::with_capacity(queries.len());
    for query in queries {
        if let Some(union) = query.downcast_ref::<AnyOf>() {
            flat.extend(union.members.iter().map(|q| q.box_clone()));
            continue;
        }
        match query.downcast_ref::<BooleanQuery>() {
            Some(union)
                if union.get_minimum_number_should_match() <= 1
                    && union.clauses().iter().all(|(o, _)| *o == Occur::Should) =>
            {
                flat.extend(union.clauses().iter().map(|(_, q)| q.box_clone()));
            }
            _ => flat.push(query),
        }
    }
    if flat.len() == 1 {
        return flat.pop().unwrap_or_else(|| Box::new(AllQuery));
    }
    if flat.len() <= ANY_OF_MEMBERS {
        return Box::new(AnyOf { members: flat });
    }
    Box::new(BooleanQuery::new(
        flat.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

/// Most members of an [`AnyOf`]: it looks at every member on each step,
/// where tantivy's union pays per document, so long unions stay tantivy's.
const ANY_OF_MEMBERS: usize = 12;

pub(super) fn must(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if queries.len() == 1 {
        return queries
            .into_iter()
            .next()
            .unwrap_or_else(|| Box::new(AllQuery));
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

/// The finest cover of a long word by the dictionary words inside it
/// (`援藏医生` → `援藏`+`医生`), with char offsets; None when there is none.
pub(super) fn cover(word: &str) -> Option<Vec<(usize, String)>> {
    let n = word.chars().count();
    if n < 3 {
        return None;
    }
    let subs: Vec<(usize, usize, String)> = jieba()
        .cut_for_search(word, false)
        .into_iter()
        .filter(|t| t.end - t.start >= 2 && t.end - t.start < n)
        .map(|t| (t.start, t.end, t.word.to_string()))
        .collect();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < n {
        let next = subs.iter().filter(|s| s.0 == pos).max_by_key(|s| s.1)?;
        out.push((next.0, next.2.clone()));
        pos = next.1;
    }
    (out.len() > 1).then_some(out)
}

pub(super) fn phrase(field: Field, terms: &[(usize, String)], slop: u32) -> Box<dyn Query> {
    if terms.len() == 1 {
        return term_query(field, &terms[0].1);
    }
    let base = terms[0].0;
    let terms = terms
        .iter()
        .map(|(offset, text)| (offset - base, Term::from_field_text(field, text)))
        .collect();
    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
}

/// The characters an exact-substring query of `text` looks up, at their
/// offsets; `None` when `text` has none, or has Latin letters or digits,
/// which the phrase of characters could not require.
pub(super) fn exact_chars(text: &str) -> Option<Vec<(usize, String)>> {
    let chars = cjk_chars(text);
    let only_cjk = fold(text)
        .chars()
        .all(|c| is_cjk(c) || !c.is_alphanumeric());
    (only_cjk && !chars.is_empty()).then_some(chars)
}

/// `query` as a condition that adds nothing to the score.
pub(super) fn member(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(MatchOnly(query))
}

/// The exact text of `text` in the paragraph: the phrase of its characters.
pub(super) fn char_phrase(fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
    exact_chars(text).map(|chars| phrase(fields.text_chars, &chars, 0))
}

/// Query for one word in the paragraph text or its section heading: the word
/// itself, or its dictionary parts side by side.
pub(super) fn word_query(fields: &Fields, word: &str) -> Box<dyn Query> {
    let mut alternatives = vec![
        term_query(fields.text, word),
        boosted(term_query(fields.section, word), SECTION_BOOST),
    ];
    if let Some(parts) = cover(word) {
        alternatives.push(phrase(fields.text, &parts, 0));
    }
    should(alternatives)
}

/// A required concept of a query: `full` matches the word (or a synonym) in
/// the paragraph, its section, or its article's context; `anchor` matches the
/// word or one of its parts in the paragraph itself. A search requires every
/// concept's `full` and at least one concept's `anchor`, so a paragraph about
/// 医疗 in an article about 援藏 is found by 医疗援藏, but a paragraph is never
/// found by its article alone.
pub(super) struct Concept {
    full: Box<dyn Query>,
    anchor: Box<dyn Query>,
    /// For a word without dictionary parts, `full` is `anchor` or the
    /// context: this is the context clause alone.
    context_only: Option<Box<dyn Query>>,
}

/// Content tokens of a text, in order, with char offsets.
pub(super) fn content_tokens(text: &str, keep_stopwords: bool) -> Vec<(usize, String)> {
    let all: Vec<(usize, String)> = analyze(text, false)
        .into_iter()
        .map(|t| (t.position, t.text))
        .collect();
    if keep_stopwords {
        return all;
    }
    let content: Vec<(usize, String)> = all
        .iter()
        .filter(|(_, t)| !STOPWORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    if content.is_empty() {
        all
    } else {
        content
    }
}

/// Query for a phrase: its words side by side, in the text or the section.
pub(super) fn phrase_query(fields: &Fields, text: &str) -> (Box<dyn Query>, Vec<String>) {
    let tokens = content_tokens(text, true);
    let words = tokens.iter().map(|t| t.1.clone()).collect();
    if tokens.is_empty() {
        return (Box::new(AllQuery), words);
    }
    // The finest parts make the phrase independent of how the index split it.
    let mut fine = Vec::new();
    for (offset, word) in &tokens {
        match cover(word) {
            Some(parts) => fine.extend(parts.into_iter().map(|(o, w)| (offset + o, w))),
            None => fine.push((*offset, word.clone())),
        }
    }
    // Words without parts are their own finest parts: one phrase then
    // scores twice, as the two did, and is walked once.
    let in_text = if fine == tokens {
        boosted(phrase(fields.text, &tokens, 0), 2.0)
    } else {
        should(vec![
            phrase(fields.text, &tokens, 0),
            phrase(fields.text, &fine, 0),
        ])
    };
    let q = should(vec![
        in_text,
        boosted(phrase(fields.section, &tokens, 0), SECTION_BOOST),
    ]);
    (q, words)
}

/// The wanted units of `parsed` as typed: folded, split at spaces.
fn typed_units(parsed: &ParsedQuery) -> Vec<String> {
    let mut units: Vec<String> = parsed
        .clauses
        .iter()
        .filter(|c| !c.excluded)
        .flat_map(|c| &c.alternatives)
        .flat_map(|unit| unit.text().split_whitespace())
        .map(fold)
        .collect();
    units.sort();
    units.dedup();
    units
}

/// Query for a phrase the user typed (quoted, or excluded): its words side by
/// side, or its exact characters wherever jieba's words start and end in the
/// paragraph (`"子商务公共"` inside 电子商务公共服务). The characters only
/// decide what matches; [`Gathered::exact_boost`] scores them.
pub(super) fn typed_phrase_query(fields: &Fields, text: &str) -> (Box<dyn Query>, Vec<String>) {
    let (q, words) = phrase_query(fields, text);
    match char_phrase(fields, text) {
        Some(exact) => (should(vec![q, member(exact)]), words),
        None => (q, words),
    }
}

/// One required concept: a word with its synonyms and its article context.
/// `exact`, the exact text of the run the word was typed in, also meets it.
pub(super) fn concept(
    fields: &Fields,
    word: &str,
    highlight: &mut Vec<String>,
    exact: Option<&dyn Query>,
) -> Concept {
    let in_text = word_query(fields, word);
    let in_context = boosted(term_query(fields.context, word), CONTEXT_BOOST);
    let mut full = vec![in_text.box_clone(), in_context.box_clone()];
    full.extend(exact.map(|q| q.box_clone()));
    let mut anchor = vec![in_text];
    highlight.push(word.to_string());
    let parts = cover(word);
    let context_only = parts.is_none().then_some(in_context);
    if let Some(parts) = parts {
        // Each part may also be met by its own synonyms (医疗 by 医院).
        let spread: Vec<Box<dyn Query>> = parts
            .iter()
            .map(|(_, p)| {
                let mut alternatives = vec![
                    term_query(fields.text, p),
                    boosted(term_query(fields.context, p), CONTEXT_BOOST),
                ];
                for synonym in synonyms::expand(p) {
                    if let [(_, single)] = content_tokens(&synonym, true).as_slice() {
                        highlight.push(single.clone());
                        alternatives.push(boosted(term_query(fields.text, single), SYNONYM_BOOST));
                    }
                }
                should(alternatives)
            })
            .collect();
        full.push(boosted(must(spread), SPREAD_BOOST));
        for (_, p) in &parts {
            anchor.push(boosted(term_query(fields.text, p), SPREAD_BOOST));
        }
        highlight.extend(parts.into_iter().map(|p| p.1));
    }
    for synonym in synonyms::expand(word) {
        let tokens = content_tokens(&synonym, true);
        highlight.push(fold(&synonym));
        let q = if tokens.len() == 1 {
            word_query(fields, &tokens[0].1)
        } else {
            phrase_query(fields, &synonym).0
        };
        let q = boosted(q, SYNONYM_BOOST);
        full.push(q.box_clone());
        anchor.push(q);
    }
    // A word that finds (almost) nothing also finds its related and mined
    // terms, weighted below synonyms.
    for also in super::expansion::for_failing_word(word) {
        highlight.push(also.clone());
        let q = boosted(
            phrase_query(fields, &also).0,
            super::expansion::RELATED_BOOST,
        );
        full.push(q.box_clone());
        anchor.push(q);
    }
    Concept {
        full: should(full),
        anchor: should(anchor),
        context_only,
    }
}

/// Most words of a run looked up in the synonym list (its longest words
/// are four: 农村 义务教育 学生 营养改善计划).
const LONGEST_SYNONYM_RUN: usize = 6;

/// The words of a unit of plain words in concept groups, in order: a run
/// of two or more words side by side that is a word of the synonym list
/// (the whole unit, 医疗援藏 → 组团式医疗, or part of it: 易地搬迁 in
/// 易地搬迁群众就业) is one group with its synonyms; every other word is a
/// group of its own, whose synonyms `concept` adds. Longest runs first.
fn synonym_runs(
    text: &str,
    tokens: &[(usize, String)],
) -> Vec<(std::ops::Range<usize>, Vec<String>)> {
    if tokens.len() > 1 {
        let whole = synonyms::expand(text);
        if !whole.is_empty() {
            return vec![(0..tokens.len(), whole)];
        }
    }
    let side_by_side = |a: &(usize, String), b: &(usize, String)| a.0 + a.1.chars().count() == b.0;
    let mut groups = Vec::new();
    let mut start = 0;
    while start < tokens.len() {
        // The words side by side from `start`, as many as a list word has
        // at most: a pasted passage is one long run.
        let limit = tokens.len().min(start + LONGEST_SYNONYM_RUN);
        let mut end = start + 1;
        while end < limit && side_by_side(&tokens[end - 1], &tokens[end]) {
            end += 1;
        }
        let found = (start + 2..=end).rev().find_map(|stop| {
            let run: String = tokens[start..stop].iter().map(|t| t.1.as_str()).collect();
            let found = synonyms::expand(&run);
            (!found.is_empty()).then_some((start..stop, found))
        });
        match found {
            Some((run, found)) => {
                start = run.end;
                groups.push((run, found));
            }
            None => {
                groups.push((start..start + 1, Vec::new()));
                start += 1;
            }
        }
    }
    groups
}

/// What [`compile`] gathers clause by clause before it assembles the query.
#[derive(Default)]
struct Gathered {
    concepts: Vec<Box<dyn Query>>,
    /// The words of each concept, in step with `concepts`.
    concept_words: Vec<Vec<String>>,
    /// The typed clause each concept came from, in step with `concepts`.
    concept_clauses: Vec<usize>,
    /// Clauses gathered so far.
    clauses: usize,
    anchors: Vec<Box<dyn Query>>,
    boosts: Vec<Box<dyn Query>>,
    excluded: Vec<Box<dyn Query>>,
    highlight: Vec<String>,
    words: Vec<String>,
    /// Plain words with their char offsets in the query, for proximity.
    ordered: Vec<(usize, String)>,
    offset: usize,
    /// The anchor and context of a query's only word, when it has no parts.
    lone_word: Option<(Box<dyn Query>, Box<dyn Query>)>,
    /// Concepts made of phrases only, whose alternatives are also their
    /// anchors: one of them alone is its own anchor.
    phrase_concepts: usize,
    /// The substring pass: a single word also matches as its characters.
    every_substring: bool,
    /// A single word was not matched as its characters (it will be in the
    /// substring pass).
    withheld: bool,
}

/// A word jieba does not know falls apart into pieces, some of them single
/// characters (高原病 → 高原 病); such a word is matched as the phrase of its
/// pieces, never as loose pieces anywhere in a paragraph.
fn is_unknown_word(clause: &query::Clause) -> bool {
    match clause.alternatives.as_slice() {
        [Unit::Words(text)] => {
            let tokens = content_tokens(text, false);
            tokens.len() > 1
                && tokens
                    .iter()
                    .any(|(_, t)| t.chars().count() == 1 && t.chars().all(crate::normalize::is_cjk))
        }
        _ => false,
    }
}

impl Gathered {
    /// Gather one clause of a query.
    fn clause(&mut self, fields: &Fields, clause: &query::Clause) {
        let before = self.concepts.len();
        self.one_clause(fields, clause);
        let added = self.concepts.len() - before;
        self.concept_clauses
            .extend(std::iter::repeat_n(self.clauses, added));
        self.clauses += usize::from(added > 0);
    }

    fn one_clause(&mut self, fields: &Fields, clause: &query::Clause) {
        if clause.excluded {
            for unit in &clause.alternatives {
                let (q, _) = typed_phrase_query(fields, unit.text());
                self.excluded.push(Box::new(PlainSeek(q)) as Box<dyn Query>);
            }
            return;
        }
        let phrased;
        let is_unknown_word_phrased = is_unknown_word(clause);
        let clause = if is_unknown_word_phrased {
            phrased = query::Clause {
                alternatives: vec![Unit::Phrase(clause.alternatives[0].text().to_string())],
                excluded: false,
            };
            &phrased
        } else {
            clause
        };
        match clause.alternatives.as_slice() {
            [Unit::Words(text)] => self.plain_words(fields, text),
            _ => self.alternatives(fields, clause),
        }
        // A word jieba splits into pieces (以购代捐, 驻村) is still a word of
        // the synonym list: it finds its synonyms, as a word jieba keeps
        // whole does; and when it finds (almost) nothing as its pieces side
        // by side, its related and mined terms too, as `concept` does.
        if let (true, [Unit::Phrase(text)]) =
            (is_unknown_word_phrased, clause.alternatives.as_slice())
        {
            let also = synonyms::expand(text)
                .into_iter()
                .map(|s| (s, SYNONYM_BOOST))
                .chain(
                    super::expansion::for_failing_word(text)
                        .into_iter()
                        .map(|a| (a, super::expansion::RELATED_BOOST)),
                )
                .collect::<Vec<_>>();
            if !also.is_empty() {
                let mut alternatives = self.concepts.pop().into_iter().collect::<Vec<_>>();
                for (a, boost) in also {
                    self.highlight.push(fold(&a));
                    let q = boosted(phrase_query(fields, &a).0, boost);
                    self.anchors.push(q.box_clone());
                    alternatives.push(q);
                }
                self.concepts.push(should(alternatives));
            }
        }
    }

    /// A unit of plain words: one concept per word (or one for the unit and
    /// its whole-unit synonyms), with title, adjacency boosts.
    fn plain_words(&mut self, fields: &Fields, text: &str) {
        let tokens = content_tokens(text, false);
        let groups = synonym_runs(text, &tokens);
        let exact = self.exact_run(fields, text);
        let mut unit_concepts = Vec::new();
        for (i, (o, token)) in tokens.iter().enumerate() {
            let c = concept(fields, token, &mut self.highlight, exact.as_deref());
            // The exact run anchors the unit once, beside its first word.
            let anchor = match (&exact, i) {
                (Some(exact), 0) => should(vec![c.anchor, exact.box_clone()]),
                _ => c.anchor,
            };
            if tokens.len() == 1 {
                self.lone_word = c.context_only.map(|context| (anchor.box_clone(), context));
            }
            self.anchors.push(anchor);
            unit_concepts.push(Some(c.full));
            self.words.push(token.clone());
            self.ordered.push((self.offset + o, token.clone()));
            self.boosts
                .push(boosted(term_query(fields.title, token), TITLE_BOOST));
        }
        if tokens.len() > 1 {
            self.boosts
                .push(boosted(phrase(fields.text, &tokens, 0), ADJACENT_BOOST));
        }
        for (run, run_synonyms) in groups {
            let words: Vec<String> = tokens[run.clone()].iter().map(|t| t.1.clone()).collect();
            let whole = run.len() == tokens.len();
            let mut parts: Vec<Box<dyn Query>> = unit_concepts[run.clone()]
                .iter_mut()
                .flat_map(Option::take)
                .collect();
            let mut also = Vec::new();
            for synonym in run_synonyms {
                self.highlight.push(fold(&synonym));
                let q = boosted(phrase_query(fields, &synonym).0, SYNONYM_BOOST);
                self.anchors.push(q.box_clone());
                also.push(q);
            }
            if whole && !also.is_empty() {
                // The whole unit is a word of the list: one concept.
                self.concept_words.push(words);
                also.insert(0, must(parts));
                self.concepts.push(should(also));
                continue;
            }
            // Part of the unit: each of its words is also met by the run's
            // synonyms, and stays a concept of its own, so the unit relaxes
            // as before (农牧民在家门口就业 keeps three concepts).
            for (part, word) in parts.iter_mut().zip(words) {
                let mut alternatives = vec![part.box_clone()];
                alternatives.extend(also.iter().map(|q| q.box_clone()));
                *part = should(alternatives);
                self.concept_words.push(vec![word]);
            }
            self.concepts.extend(parts);
        }
        self.offset += text.chars().count() + 1;
    }

    /// The exact text of a unit of plain words as an alternative of each of
    /// its words. For a run of several words (a copied fragment: 创造活力和,
    /// 的发展) it scores nothing there, and once as a boost. A single word
    /// matches as characters only in the substring pass, where it scores in
    /// place (that pass has no boosts of its own).
    fn exact_run(&mut self, fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
        let chars = exact_chars(text)?;
        let exact = phrase(fields.text_chars, &chars, 0);
        if content_tokens(text, true).len() <= 1 {
            if !self.every_substring {
                self.withheld = true;
                return None;
            }
            return Some(boosted(exact, EXACT_WORD_BOOST));
        }
        self.exact_boost(text, exact.as_ref());
        self.highlight.push(fold(text));
        Some(member(exact))
    }

    /// Score the exact text the user typed, once: more for several words
    /// in a row (a copied fragment) than for one word, which its own BM25
    /// already scores. A phrase of characters scores low (common characters
    /// have a low idf), hence the weight of a run.
    fn exact_boost(&mut self, text: &str, exact: &dyn Query) {
        let boost = if content_tokens(text, true).len() > 1 {
            EXACT_RUN_BOOST
        } else {
            EXACT_WORD_BOOST
        };
        self.boosts.push(boosted(exact.box_clone(), boost));
    }

    /// An OR group or a phrase: one concept, any of its alternatives.
    fn alternatives(&mut self, fields: &Fields, clause: &query::Clause) {
        if clause
            .alternatives
            .iter()
            .all(|unit| matches!(unit, Unit::Phrase(_)))
        {
            self.phrase_concepts += 1;
        }
        let mut alternatives = Vec::new();
        let words_before = self.words.len();
        for unit in &clause.alternatives {
            match unit {
                Unit::Phrase(p) => {
                    let (q, w) = typed_phrase_query(fields, p);
                    if let Some(exact) = char_phrase(fields, p) {
                        self.exact_boost(p, exact.as_ref());
                    }
                    self.anchors.push(q.box_clone());
                    self.highlight.push(fold(p).replace(' ', ""));
                    self.highlight.extend(w.iter().cloned());
                    self.words.extend(w);
                    alternatives.push(q);
                }
                Unit::Words(text) => {
                    let tokens = content_tokens(text, false);
                    let exact = self.exact_run(fields, text);
                    let parts = tokens
                        .iter()
                        .map(|(_, t)| {
                            let c = concept(fields, t, &mut self.highlight, exact.as_deref());
                            self.anchors.push(c.anchor);
                            c.full
                        })
                        .collect();
                    self.anchors.extend(exact);
                    self.words.extend(tokens.into_iter().map(|t| t.1));
                    alternatives.push(must(parts));
                }
            }
        }
        self.concepts.push(should(alternatives));
        self.concept_words.push(self.words[words_before..].to_vec());
    }

    /// The compiled query: strict core, relaxed core, boosts and exclusions.
    fn finish(mut self, fields: &Fields, parsed: &ParsedQuery) -> Compiled {
        if self.ordered.len() > 1 {
            self.boosts.push(boosted(
                phrase(fields.text, &self.ordered, PROXIMITY_SLOP),
                PROXIMITY_BOOST,
            ));
        }
        let mut concepts = self.concepts;
        // Words were typed but none is searchable (`)(*&^%`): nothing matches,
        // rather than everything.
        let unsearchable = concepts.is_empty() && parsed.clauses.iter().any(|c| !c.excluded);
        let match_all = concepts.is_empty() && !unsearchable;
        let anchors_count = self.anchors.len();
        let anchor = should(self.anchors);
        // Relaxing a two-word query would drop half of it: only longer queries relax.
        let relaxable = (concepts.len() > 2).then(|| Relaxable {
            concepts: concepts.iter().map(|q| q.box_clone()).collect(),
            words: self.concept_words,
            clauses: self.concept_clauses,
            anchor: anchor.box_clone(),
        });
        let strict = if unsearchable {
            Box::new(tantivy::query::EmptyQuery) as Box<dyn Query>
        } else if match_all {
            Box::new(AllQuery) as Box<dyn Query>
        } else if let (1, 1, Some((anchor, context))) =
            (concepts.len(), anchors_count, self.lone_word)
        {
            // One word without parts: its concept is its anchor or its context,
            // so `concept AND anchor` matches the anchor and scores twice the
            // anchor plus the context. Said that way, the paragraph's postings
            // are read once instead of twice (same hits, same scores).
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, boosted(anchor, 2.0)),
                (Occur::Should, context),
            ]))
        } else if concepts.len() == 1 && self.phrase_concepts == 1 {
            // A phrase alone is its own anchor (its alternatives are the
            // anchors): `concept AND anchor` is the one query scored twice,
            // walked once.
            boosted(anchor, 2.0)
        } else {
            concepts.push(anchor);
            must(concepts)
        };
        let highlight = marks(self.highlight);
        Compiled {
            strict,
            relaxed: None,
            boosts: self.boosts,
            excluded: self.excluded,
            highlight,
            words: self.words,
            match_all,
            dropped: Vec::new(),
            ordered: self.ordered,
            typed: typed_units(parsed),
            relaxable,
            substrings: None,
            sentence: None,
        }
    }
}

/// Words to mark in snippets, longest first (a longer mark wins where two
/// overlap), without empty or repeated ones.
pub(super) fn marks(mut words: Vec<String>) -> Vec<String> {
    words.retain(|h| !h.is_empty());
    words.sort_by_key(|h| std::cmp::Reverse(h.chars().count()));
    words.dedup();
    words
}

/// Share of the query's weight (the IDF of its words in the paragraph
/// text) a relaxed match must hold: a query whose distinctive word matches
/// nothing finds nothing, rather than a page of its common words.
pub(super) const RELAXED_FLOOR: f32 = 0.65;

/// Concepts up to which every qualifying set is spelled out; a longer query
/// (a pasted sentence) requires its most distinctive concept and most words.
const FLOOR_EXACT_UP_TO: usize = 6;

/// Build the relaxed "most words" core of a query from the weights of its
/// words in `searcher`: at least two thirds of the concepts, holding at
/// least [`RELAXED_FLOOR`] of the query's weight, and an anchor.
pub(super) fn relax(
    compiled: &mut Compiled,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    viewer: Option<&dyn Query>,
) {
    let Some(relaxable) = compiled.relaxable.take() else {
        return;
    };
    // The weights of what the viewer may read: whether a query relaxes must
    // not depend on a report it may not see.
    let docs = match viewer {
        None => searcher.num_docs(),
        Some(_) => super::scope::count(searcher, viewer, Box::new(tantivy::query::AllQuery)),
    }
    .max(1) as f32;
    let idf = |word: &String| {
        let term = Term::from_field_text(fields.text, word);
        let df = super::scope::doc_freq(searcher, viewer, term) as f32;
        (1.0 + (docs - df + 0.5) / (df + 0.5)).ln()
    };
    let weights: Vec<f32> = relaxable
        .words
        .iter()
        .map(|words| words.iter().map(idf).sum::<f32>().max(f32::EPSILON))
        .collect();
    let total: f32 = weights.iter().sum();
    let n = relaxable.concepts.len();
    let needed = (n * 2).div_ceil(3).max(1);
    // What the user typed apart are separate asks: a relaxed match keeps
    // two thirds of them too, so `A B` never relaxes to `A` alone.
    let typed = relaxable.clauses.iter().max().map_or(0, |m| m + 1);
    let typed_needed = (typed * 2).div_ceil(3);
    let core = if n <= FLOOR_EXACT_UP_TO {
        let qualifies = |mask: u32| {
            let kept: std::collections::BTreeSet<usize> = (0..n)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| relaxable.clauses[i])
                .collect();
            mask.count_ones() as usize >= needed
                && kept.len() >= typed_needed
                && (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| weights[i])
                    .sum::<f32>()
                    >= RELAXED_FLOOR * total
        };
        let full = (1u32 << n) - 1;
        let minimal: Vec<u32> = (1..full)
            .filter(|&m| {
                qualifies(m) && (0..n).all(|i| m & (1 << i) == 0 || !qualifies(m & !(1 << i)))
            })
            .collect();
        if minimal.is_empty() {
            return;
        }
        should(
            minimal
                .into_iter()
                .map(|mask| {
                    must(
                        (0..n)
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| relaxable.concepts[i].box_clone())
                            .collect(),
                    )
                })
                .collect(),
        )
    } else {
        let distinctive = (0..n)
            .max_by(|&a, &b| weights[a].total_cmp(&weights[b]))
            .unwrap_or(0);
        must(vec![
            relaxable.concepts[distinctive].box_clone(),
            Box::new(BooleanQuery::union_with_minimum_required_clauses(
                relaxable.concepts.iter().map(|q| q.box_clone()).collect(),
                needed,
            )),
        ])
    };
    compiled.relaxed = Some(must(vec![core, relaxable.anchor]));
}

/// Compile a parsed query against the index's fields. A query of more than
/// [`MAX_TERMS`] words (a pasted sentence) is searched for its first
/// [`MAX_TERMS`] words; the others are listed in [`Compiled::dropped`].
pub(super) fn compile(fields: &Fields, parsed: &ParsedQuery) -> Result<Compiled> {
    let (mut compiled, withheld) = compile_pass(fields, parsed, false);
    if withheld {
        compiled.substrings = Some(compile_pass(fields, parsed, true).0.strict);
    }
    Ok(compiled)
}

/// [`compile`] without the substring pass, which `every_substring` makes
/// this; also says whether a single word was withheld from its characters.
fn compile_pass(fields: &Fields, parsed: &ParsedQuery, every_substring: bool) -> (Compiled, bool) {
    let gathered = gather(fields, parsed, every_substring);
    if gathered.words.len() <= MAX_TERMS {
        let withheld = gathered.withheld;
        return (gathered.finish(fields, parsed), withheld);
    }
    let mut cap = MAX_TERMS;
    loop {
        let (kept, dropped) = within_words(fields, parsed, cap);
        let gathered = gather(fields, &kept, every_substring);
        // Segmenting a cut clause again may split it otherwise: cut more.
        if gathered.words.len() <= MAX_TERMS || cap == 0 {
            let withheld = gathered.withheld;
            let mut compiled = gathered.finish(fields, &kept);
            compiled.dropped = dropped;
            return (compiled, withheld);
        }
        cap -= 1;
    }
}

/// Gather every clause of a parsed query.
fn gather(fields: &Fields, parsed: &ParsedQuery, every_substring: bool) -> Gathered {
    let mut gathered = Gathered {
        every_substring,
        ..Gathered::default()
    };
    for clause in &parsed.clauses {
        gathered.clause(fields, clause);
    }
    gathered
}

/// The query cut to its first `cap` words, and the words cut off: clauses
/// are kept in order while their words fit; a run of plain words that
/// straddles the cap is cut between two words, any other clause left out.
/// Exclusions are all kept (they add no words).
fn within_words(fields: &Fields, parsed: &ParsedQuery, cap: usize) -> (ParsedQuery, Vec<String>) {
    let mut kept = ParsedQuery {
        clauses: Vec::new(),
        filters: parsed.filters.clone(),
    };
    let mut dropped = Vec::new();
    let mut count = 0;
    for clause in &parsed.clauses {
        if clause.excluded {
            kept.clauses.push(clause.clone());
            continue;
        }
        let mut alone = Gathered::default();
        alone.clause(fields, clause);
        let words = alone.words;
        if count + words.len() <= cap {
            count += words.len();
            kept.clauses.push(clause.clone());
            continue;
        }
        let room = cap - count;
        match clause.alternatives.as_slice() {
            [Unit::Words(text)] if room > 0 && !is_unknown_word(clause) => {
                let tokens = content_tokens(text, false);
                let cut = tokens.get(room).map_or(text.len(), |(offset, _)| {
                    text.char_indices()
                        .nth(*offset)
                        .map_or(text.len(), |(i, _)| i)
                });
                kept.clauses.push(query::Clause {
                    alternatives: vec![Unit::Words(text[..cut].to_string())],
                    excluded: false,
                });
                dropped.extend(tokens.into_iter().skip(room).map(|(_, t)| t));
                count = cap;
            }
            _ => {
                dropped.extend(words);
                count = cap;
            }
        }
    }
    (kept, dropped)
}

/// Wraps an excluded query so tantivy's exclusion seeks it with plain
/// `seek`, never `seek_danger`: the phrase scorer's `seek_danger` trips a
/// debug assertion when it excludes (quickwit-oss/tantivy#2811), which made
/// debug builds answer `-"电商扶贫"` with a 500.
#[derive(Debug)]
pub(super) struct PlainSeek(Box<dyn Query>);

impl Clone for PlainSeek {
    fn clone(&self) -> Self {
        PlainSeek(self.0.box_clone())
    }
}

impl Query for PlainSeek {
    fn weight(
        &self,
        enable_scoring: tantivy::query::EnableScoring<'_>,
    ) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        Ok(Box::new(PlainSeekWeight(self.0.weight(enable_scoring)?)))
    }
}

pub(super) struct PlainSeekWeight(Box<dyn tantivy::query::Weight>);

impl tantivy::query::Weight for PlainSeekWeight {
    fn scorer(
        &self,
        reader: &tantivy::SegmentReader,
        boost: tantivy::Score,
    ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        Ok(Box::new(PlainSeekScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(
        &self,
        reader: &tantivy::SegmentReader,
        doc: tantivy::DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        self.0.explain(reader, doc)
    }
}

/// A scorer that keeps tantivy's default, safe `seek_danger` (built on `seek`).
pub(super) struct PlainSeekScorer(Box<dyn tantivy::query::Scorer>);

impl tantivy::DocSet for PlainSeekScorer {
    fn advance(&mut self) -> tantivy::DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: tantivy::DocId) -> tantivy::DocId {
        self.0.seek(target)
    }

    fn doc(&self) -> tantivy::DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl tantivy::query::Scorer for PlainSeekScorer {
    fn score(&mut self) -> tantivy::Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_synonym_list_word_inside_a_longer_run_keeps_its_synonyms() {
        let text = "易地搬迁群众就业";
        let tokens = content_tokens(text, false);
        let words: Vec<&str> = tokens.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(words, ["易地", "搬迁", "群众", "就业"]);
        let groups = synonym_runs(text, &tokens);
        let ranges: Vec<std::ops::Range<usize>> = groups.iter().map(|g| g.0.clone()).collect();
        assert_eq!(ranges, [0..2, 2..3, 3..4]);
        assert!(groups[0].1.contains(&"易地扶贫搬迁".to_string()));
        // Words apart in the text are no run, whatever they spell together.
        let apart = content_tokens("易地 搬迁", false);
        assert!(synonym_runs("易地", &apart[..1])
            .iter()
            .all(|g| g.1.is_empty()));
        let spaced: Vec<(usize, String)> = vec![(0, "易地".into()), (3, "搬迁".into())];
        assert_eq!(synonym_runs("易地 搬迁x", &spaced).len(), 2);
    }

    #[test]
    fn cover_splits_long_words_into_dictionary_parts() {
        let parts = cover("援藏医生").expect("援藏医生 has parts");
        let words: Vec<&str> = parts.iter().map(|p| p.1.as_str()).collect();
        assert_eq!(words, vec!["援藏", "医生"]);
        assert!(cover("援藏").is_none());
    }

    #[test]
    fn exact_chars_are_every_cjk_character_unless_letters_or_digits() {
        let chars = exact_chars("子商务公共").expect("all CJK");
        assert_eq!(chars.len(), 5);
        assert_eq!(chars[0], (0, "子".to_string()));
        // Punctuation and spaces take no position: the phrase matches the
        // text with other punctuation there, or none.
        let chars = exact_chars("扶上马、送一程").expect("CJK and punctuation");
        let positions: Vec<usize> = chars.iter().map(|c| c.0).collect();
        assert_eq!(positions, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(exact_chars("扶上马 送一程"), exact_chars("扶上马送一程"));
        assert!(exact_chars("援").is_some());
        // Letters or digits cannot be required, nor can nothing.
        for text in ["第5批", "5G基站", "app", "，", ""] {
            assert!(exact_chars(text).is_none(), "{text}");
        }
    }
}
