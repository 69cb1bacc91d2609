//! The fill and last resort of a request typed as a sentence (搬出大山后靠
//! 什么挣钱, 贫困家庭孩子上不起学): when neither every word nor most words
//! find enough paragraphs, because the reports say it in other words (搬迁,
//! 就业, 辍学), each content word also finds its nearest terms in the
//! generation's mined vocabulary, and a paragraph needs two thirds of the
//! content words (or their neighbours). The response lists what was also
//! searched, and says it relaxed when nothing had every word.
//!
//! Only a request typed as one run of two or more content words gets
//! this, when it finds nothing else or fewer than
//! [`super::request::FILL_BELOW`] paragraphs with every word (after which
//! these follow: 农村吃水难 stands as typed in one paragraph, and the
//! reports say 饮水). Words typed apart are separate asks, and a two-word
//! ask whose distinctive word is nowhere (数字人民币 扶贫) still finds nothing: the
//! relaxation floor of [`super::compile::relax`] decides those. Single
//! characters (后, 靠, 到) are the everyday glue of a sentence, not what it
//! is about, and are left out.

use tantivy::query::{BooleanQuery, Query};

use super::compile::{
    boosted, content_tokens, exact_chars, must, phrase, phrase_query, should, word_query, Deferred,
    Fill, SYNONYM_BOOST,
};
use super::expansion::{self, RELATED_BOOST};
use super::query::{ParsedQuery, Unit};
use super::synonyms;
use crate::index::Fields;

/// Content words a sentence needs before it gets this fallback.
const MIN_CONTENT_WORDS: usize = 2;

/// A query typed as a sentence, kept to be searched with its words'
/// neighbours if nothing else finds enough paragraphs.
pub(super) struct Sentence {
    fields: Fields,
    /// Its content words, in order.
    words: Vec<String>,
}

/// The last resort of `parsed`, when it is typed as a sentence: built the
/// first time it is needed, as most searches never need it and the
/// neighbours cost a pass over the mined vectors per word. Read word by word
/// even where the run was searched as an unknown word's pieces side by side
/// (贫困家庭孩子上不起学 splits into 上不起 学).
pub(super) fn of(fields: &Fields, parsed: &ParsedQuery) -> Option<Fill> {
    let mut wanted = parsed.clauses.iter().filter(|c| !c.excluded);
    let (Some(clause), None) = (wanted.next(), wanted.next()) else {
        return None;
    };
    let [Unit::Words(text)] = clause.alternatives.as_slice() else {
        return None;
    };
    let words: Vec<String> = content_tokens(text, false)
        .into_iter()
        .map(|(_, word)| word)
        .collect();
    let sentence = Sentence::of(fields, &words)?;
    Some(Fill {
        verbatim: exact_chars(text).map(|chars| phrase(fields.text_chars, &chars, 0)),
        core: Deferred::new(move || sentence.core()),
    })
}

impl Sentence {
    /// The sentence of a run of plain words, when it is one.
    fn of(fields: &Fields, words: &[String]) -> Option<Sentence> {
        let words: Vec<String> = words
            .iter()
            .filter(|word| word.chars().count() >= 2)
            .cloned()
            .collect();
        (words.len() >= MIN_CONTENT_WORDS).then_some(Sentence {
            fields: *fields,
            words,
        })
    }

    /// A word met in a paragraph's own text or heading, by itself or a
    /// synonym. Not by its parts (人民 for 人民币), nor in the article's
    /// title and lead: a sentence's words met anywhere in an article, or as
    /// pieces, are no answer.
    fn own(&self, word: &str) -> Box<dyn Query> {
        let mut alternatives = vec![word_query(&self.fields, word)];
        for synonym in synonyms::expand(word) {
            let q = phrase_query(&self.fields, &synonym).0;
            alternatives.push(boosted(q, SYNONYM_BOOST));
        }
        should(alternatives)
    }

    /// The query: two thirds of the sentence's ideas (a content word, or
    /// neighbouring words that are each other's neighbours), each met by its
    /// words or their neighbours in the paragraph's own text or heading.
    /// Asks the searching thread's generation for the neighbours (see
    /// [`expansion::enter`]), which records them for the response.
    fn core(&self) -> Box<dyn Query> {
        let near: Vec<Vec<String>> = self
            .words
            .iter()
            .map(|word| expansion::neighbours_in_sentence(word))
            .collect();
        // Neighbouring words each other's nearest terms say one thing
        // (搬出 大山): one idea of the sentence, not two.
        let mut ideas: Vec<Vec<usize>> = Vec::new();
        for i in 0..self.words.len() {
            let joins = i > 0
                && near[i - 1].contains(&self.words[i])
                && near[i].contains(&self.words[i - 1]);
            match ideas.last_mut() {
                Some(idea) if joins => idea.push(i),
                _ => ideas.push(vec![i]),
            }
        }
        let mut in_text = Vec::new();
        let concepts: Vec<Box<dyn Query>> = ideas
            .iter()
            .map(|idea| {
                let mut alternatives = Vec::new();
                for &i in idea {
                    let own = self.own(&self.words[i]);
                    in_text.push(own.box_clone());
                    alternatives.push(own);
                    for term in &near[i] {
                        let q = boosted(phrase_query(&self.fields, term).0, RELATED_BOOST);
                        in_text.push(q.box_clone());
                        alternatives.push(q);
                    }
                }
                should(alternatives)
            })
            .collect();
        let needed = (concepts.len() * 2).div_ceil(3).max(concepts.len().min(2));
        must(vec![
            Box::new(BooleanQuery::union_with_minimum_required_clauses(
                concepts, needed,
            )),
            should(in_text),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::schema::build_schema;

    fn fields() -> Fields {
        Fields::from_schema(&build_schema()).expect("the schema's own fields")
    }

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn two_content_words_make_a_sentence_and_single_characters_do_not_count() {
        let sentence = Sentence::of(&fields(), &words(&["搬出", "大山", "后", "靠", "挣钱"]))
            .expect("three content words");
        assert_eq!(sentence.words, ["搬出", "大山", "挣钱"]);
        let sentence = Sentence::of(&fields(), &words(&["农村", "吃水", "难"])).expect("two");
        assert_eq!(sentence.words, ["农村", "吃水"]);
        assert!(Sentence::of(&fields(), &words(&["吃水", "难"])).is_none());
    }

    #[test]
    fn outside_a_search_a_sentence_needs_two_thirds_of_its_own_words() {
        // No generation is entered, so no word has neighbours: the core is
        // the words themselves, two of three required, one in the text.
        let sentence =
            Sentence::of(&fields(), &words(&["搬出", "大山", "挣钱"])).expect("a sentence");
        let core = format!("{:?}", sentence.core());
        assert!(core.contains("minimum_number_should_match: 2"), "{core}");
    }
}
