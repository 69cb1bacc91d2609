//! Expanding only the query words that fail: a word that finds nothing (or
//! almost nothing) in the searched generation also finds its related terms
//! (`a ~ b` lines of the synonym list) and the variants mined from the
//! corpus (`crate::mining`), weighted below the synonyms. Expanding every
//! word with mined neighbours floods the results (nDCG@10 0.77 → 0.67 in an
//! experiment on the aid subcorpus); expanding the failing ones only finds
//! what official wording hides from everyday words.
//!
//! A search enters its generation with [`enter`]: the generation's
//! vocabulary becomes the thread's, and the words expanded while the query
//! compiles are recorded for the response ("also searched").

use std::cell::RefCell;

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::request::Expansion;
use super::Engine;
use crate::normalize::fold;
use crate::vocabulary;

/// Weight of a related or mined term, below a synonym's (`SYNONYM_BOOST`).
pub(super) const RELATED_BOOST: f32 = 0.5;
/// A word in at most this many paragraphs finds "almost nothing".
pub const FAILING_DOC_FREQ: u64 = 2;
/// Most expansions of one word.
const MAX_ALSO: usize = 4;

struct Scope {
    searcher: Searcher,
    text: Field,
    /// Read only when a word fails: most searches never need it.
    mined: std::sync::Arc<crate::mining::ModelSlot>,
    expanded: Vec<Expansion>,
    /// The viewer's filter ([`super::Scope::filter`]): words are counted
    /// only in the paragraphs it may read, so a term mined from a
    /// restricted report is never offered to a viewer who may not see one.
    viewer: Option<Box<dyn Query>>,
}

thread_local! {
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// A search's hold on its generation, released when dropped.
pub struct Entered {
    _vocabulary: vocabulary::Entered,
    previous: Option<Scope>,
}

impl Entered {
    /// The words expanded so far in this search.
    pub fn expanded(&self) -> Vec<Expansion> {
        SCOPE.with(|s| {
            s.borrow()
                .as_ref()
                .map(|s| s.expanded.clone())
                .unwrap_or_default()
        })
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SCOPE.with(|s| *s.borrow_mut() = previous);
    }
}

/// Search `engine`'s generation on this thread until the guard drops, for
/// a viewer of `viewer`.
pub fn enter(engine: &Engine, viewer: &super::Scope) -> Entered {
    let scope = Scope {
        searcher: engine.searcher(),
        text: engine.fields.text,
        mined: engine.mined.clone(),
        expanded: Vec::new(),
        viewer: viewer.filter(engine.fields.access),
    };
    Entered {
        _vocabulary: engine.vocabulary.enter(),
        previous: SCOPE.with(|s| s.borrow_mut().replace(scope)),
    }
}

/// Paragraphs of the entered generation whose text has `word`.
fn doc_freq(scope: &Scope, word: &str) -> u64 {
    super::scope::doc_freq(
        &scope.searcher,
        scope.viewer.as_deref(),
        Term::from_field_text(scope.text, word),
    )
}

/// Paragraphs whose text has `text`: its term's, or for a text the
/// segmenter splits (a word it does not know), its pieces side by side.
fn text_freq(scope: &Scope, text: &str) -> u64 {
    let tokens: Vec<(usize, String)> = crate::tokenizer::analyze(text, false)
        .into_iter()
        .map(|t| (t.position, t.text))
        .collect();
    match tokens.as_slice() {
        [] => 0,
        [(_, one)] => doc_freq(scope, one),
        _ => {
            let base = tokens[0].0;
            let terms = tokens
                .iter()
                .map(|(offset, t)| (offset - base, Term::from_field_text(scope.text, t)))
                .collect();
            let phrase = tantivy::query::PhraseQuery::new_with_offset(terms);
            super::scope::count(&scope.searcher, scope.viewer.as_deref(), Box::new(phrase))
        }
    }
}

/// What a query word also finds when it fails: its related terms, then the
/// mined variants, those that occur; nothing for a word that finds enough,
/// or outside a search.
pub(super) fn for_failing_word(word: &str) -> Vec<String> {
    in_scope(|scope| {
        let word = fold(word);
        if text_freq(scope, &word) > FAILING_DOC_FREQ {
            return Vec::new();
        }
        let mut also: Vec<String> = super::synonyms::related(&word);
        if let Some(model) = scope.mined.get() {
            also.extend(model.variants(&word, &|w| doc_freq(scope, w)));
        }
        let mut seen = std::collections::HashSet::new();
        also.retain(|a| *a != word && seen.insert(a.clone()));
        // Searching a term that is not there either would only cost time.
        // For a viewer of some groups the whole term must stand in a
        // paragraph it may read: its words apart could each be elsewhere.
        also.retain(|a| match scope.viewer {
            None => crate::tokenizer::analyze(a, false)
                .iter()
                .all(|t| doc_freq(scope, &t.text) > 0),
            Some(_) => text_freq(scope, a) > 0,
        });
        also.truncate(MAX_ALSO);
        recorded(scope, word, also)
    })
}

/// `expand` run in the entered search's scope; nothing outside a search.
fn in_scope(expand: impl FnOnce(&mut Scope) -> Vec<String>) -> Vec<String> {
    SCOPE.with(|s| s.borrow_mut().as_mut().map(expand).unwrap_or_default())
}

/// `also`, recorded as what `word` also searched (once per word).
fn recorded(scope: &mut Scope, word: String, also: Vec<String>) -> Vec<String> {
    if !also.is_empty() && !scope.expanded.iter().any(|e| e.word == word) {
        scope.expanded.push(Expansion {
            word,
            also: also.clone(),
        });
    }
    also
}

/// Neighbours of a word of a sentence, at least this similar.
const SENTENCE_COSINE: f32 = 0.5;
/// Most neighbours of one word of a sentence.
const SENTENCE_NEIGHBOURS: usize = 6;

/// Terms near `word` in the generation's mined vectors (and its related
/// terms), for a sentence that found nothing in its own words
/// ([`super::sentence`]): words of two or more characters that occur in
/// what the viewer may read. Recorded as "also searched".
pub(super) fn neighbours_in_sentence(word: &str) -> Vec<String> {
    in_scope(|scope| {
        let word = fold(word);
        let mut also: Vec<String> = super::synonyms::related(&word);
        if let Some(model) = scope.mined.get() {
            also.extend(
                model
                    .neighbours(&word, SENTENCE_NEIGHBOURS * 2)
                    .into_iter()
                    .filter(|(near, c)| *c >= SENTENCE_COSINE && near.chars().count() >= 2)
                    .map(|(near, _)| near),
            );
        }
        let mut seen = std::collections::HashSet::new();
        also.retain(|a| *a != word && seen.insert(a.clone()));
        also.retain(|a| text_freq(scope, a) > 0);
        also.truncate(SENTENCE_NEIGHBOURS);
        recorded(scope, word, also)
    })
}
