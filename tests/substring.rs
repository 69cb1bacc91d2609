//! Exact substring recall (issue #15): a run of two or more CJK characters
//! copied from a paragraph finds that paragraph through the index, quoted or
//! not, wherever jieba's words start and end in it.

mod common;

use aidsearch::normalize::{fold, is_cjk};
use aidsearch::search::{search, Engine, SearchRequest, SearchResponse};
use common::{fragments, StoredParagraph};

fn run(engine: &Engine, q: &str, per_page: usize) -> SearchResponse {
    let request = SearchRequest {
        q: q.to_string(),
        per_page,
        ..SearchRequest::default()
    };
    search(engine, &request).unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// The ids of the paragraphs whose text holds `fragment` (both folded), by
/// a scan of the stored text: what the index must find, not how.
fn holding(paragraphs: &[StoredParagraph], fragment: &str) -> Vec<String> {
    let fragment = fold(fragment);
    paragraphs
        .iter()
        .filter(|p| fold(&p.text).contains(&fragment))
        .map(|p| p.id.clone())
        .collect()
}

/// `query` finds every paragraph whose text holds `fragment`, and only
/// paragraphs whose text or section heading holds it.
fn finds_exactly(engine: &Engine, paragraphs: &[StoredParagraph], query: &str, fragment: &str) {
    let expected = holding(paragraphs, fragment);
    assert!(!expected.is_empty(), "{fragment} is in no seed paragraph");
    let response = run(engine, query, 100);
    let folded = fold(fragment);
    for hit in &response.hits {
        let section = hit.section.as_deref().unwrap_or("");
        assert!(
            fold(&hit.text).contains(&folded) || fold(section).contains(&folded),
            "{query} found a paragraph without {fragment}: {}",
            hit.text
        );
    }
    let found: Vec<&str> = response.hits.iter().map(|h| h.id.as_str()).collect();
    for id in &expected {
        assert!(found.contains(&id.as_str()), "{query} missed {id}");
    }
    assert!(!response.relaxed, "{query}");
}

#[test]
fn fragments_cut_inside_words_find_their_paragraphs() {
    let engine = common::engine();
    let paragraphs = common::stored_paragraphs(&engine);
    // 子商务公共 starts inside 电子商务; 拉萨海关技术中 ends inside 中心.
    finds_exactly(&engine, &paragraphs, "子商务公共", "子商务公共");
    finds_exactly(&engine, &paragraphs, "拉萨海关技术中", "拉萨海关技术中");
}

#[test]
fn a_quoted_phrase_across_a_word_boundary_matches_the_text_exactly() {
    let engine = common::engine();
    let paragraphs = common::stored_paragraphs(&engine);
    // 萨海关技 starts inside 拉萨 and ends inside 技术; 关技 is two halves.
    finds_exactly(&engine, &paragraphs, "\"萨海关技\"", "萨海关技");
    finds_exactly(&engine, &paragraphs, "“关技”", "关技");
    // Traditional characters are folded as in the index.
    finds_exactly(&engine, &paragraphs, "\"薩海關技\"", "萨海关技");
}

#[test]
fn a_two_character_word_found_only_inside_other_words_falls_back_to_its_characters() {
    let engine = common::engine();
    let paragraphs = common::stored_paragraphs(&engine);
    // jieba cuts 昂仁县委 as 昂仁县 委: no paragraph has the word 县委, but
    // its characters stand in several, which is better than nothing.
    finds_exactly(&engine, &paragraphs, "县委", "县委");
    // A word that is found as a word is not also matched as characters.
    let words = run(&engine, "援藏", 100);
    let characters = holding(&paragraphs, "援藏");
    assert!(words.total > 0);
    assert!((words.total as usize) < characters.len() + 10);
}

const PROBES: usize = 200;
const SEED: u64 = 20_261_215;

#[test]
fn random_runs_of_the_aid_subcorpus_find_their_paragraph_in_the_top_10() {
    let Some(aid) = common::aid::index() else {
        return;
    };
    let engine = Engine::open(&aid.root).expect("aid index opens");
    let paragraphs = common::stored_paragraphs(&engine);
    let (drawn, redrawn) = fragments::draw(&paragraphs, PROBES, SEED);
    let mut failures = Vec::new();
    for fragment in &drawn {
        let probe = &fragment.text;
        let source = &paragraphs[fragment.source];
        for query in [probe.clone(), format!("\"{probe}\"")] {
            let response = run(&engine, &query, 10);
            if !response.hits.iter().any(|h| h.id == source.id) {
                failures.push(format!(
                    "{query} (of {}, {} hits)",
                    source.id, response.total
                ));
            }
        }
    }
    println!(
        "{PROBES} probes, {redrawn} redrawn, {} missed",
        failures.len()
    );
    // Issue #15 asks for every probe. The reranker's penalties for
    // headings and enumerations once moved a few out of the top 10; they
    // now fade where the fragment stands verbatim in few candidates.
    assert!(
        failures.is_empty(),
        "{} of {PROBES} probes (each unquoted and quoted) missed their paragraph:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs of the seed paragraphs with a comma inside (three CJK characters,
/// `，`, three more), as users copy them.
fn comma_runs(paragraphs: &[StoredParagraph], wanted: usize) -> Vec<(String, String)> {
    let mut runs = Vec::new();
    for p in paragraphs {
        let chars: Vec<char> = p.text.chars().collect();
        for w in chars.windows(7) {
            if w[3] == '，' && w.iter().enumerate().all(|(i, c)| i == 3 || is_cjk(*c)) {
                runs.push((p.id.clone(), w.iter().collect()));
                break;
            }
        }
        if runs.len() == wanted {
            break;
        }
    }
    runs
}

#[test]
fn a_quoted_phrase_matches_across_other_punctuation_or_none() {
    let engine = common::engine();
    let paragraphs = common::stored_paragraphs(&engine);
    let runs = comma_runs(&paragraphs, 20);
    assert_eq!(runs.len(), 20, "the seed corpus has commas between words");
    for (id, copied) in runs {
        for typed in [
            copied.replace('，', "、"),
            copied.replace('，', ""),
            copied.replace('，', " "),
        ] {
            let query = format!("\"{typed}\"");
            let response = run(&engine, &query, 100);
            assert!(
                response.hits.iter().any(|h| h.id == id),
                "{query} did not find {id} ({copied})"
            );
        }
    }
}
