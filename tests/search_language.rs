//! Chinese search behaviour over the seed index: sub-word recall, phrases,
//! folding, mixed Latin tokens, the forgiving query language, synonyms,
//! relaxation, snippets — and harder queries of our own than the dev set.

mod common;

use aidsearch::search::{search, SearchRequest, SearchResponse};

fn run(q: &str) -> SearchResponse {
    search(
        &common::engine(),
        &SearchRequest {
            per_page: 50,
            ..SearchRequest::query(q)
        },
    )
    .unwrap()
}

fn texts(r: &SearchResponse) -> Vec<&str> {
    r.hits.iter().map(|h| h.text.as_str()).collect()
}

fn any_contains(r: &SearchResponse, needle: &str) -> bool {
    r.hits.iter().any(|h| h.text.contains(needle))
}

#[test]
fn subword_recall_finds_the_city_by_its_short_name() {
    let r = run("日喀则");
    assert!(r.total > 0);
    assert!(
        any_contains(&r, "日喀则市"),
        "日喀则 should find 日喀则市: {:?}",
        texts(&r)
    );
}

#[test]
fn query_word_split_differently_from_the_index_still_matches() {
    // 对口支援西藏 is one dictionary word in the text; the query asks for 对口支援.
    let r = run("对口支援");
    assert!(any_contains(&r, "对口支援西藏"), "{:?}", texts(&r));
    // 援藏干部 in a query, 援藏干部人才 in the text.
    assert!(any_contains(&run("援藏干部"), "援藏干部人才"));
}

#[test]
fn quoted_phrases_need_adjacent_words_in_order() {
    let phrase = run("\"饮用水检测\"");
    assert!(phrase.total > 0);
    for h in &phrase.hits {
        let folded = h.text.replace(' ', "");
        assert!(
            folded.contains("饮用水检测")
                || h.section.as_deref().unwrap_or("").contains("饮用水检测"),
            "{}",
            h.text
        );
    }
    let loose = run("饮用水 检测");
    assert!(loose.total >= phrase.total);
    // A phrase whose words exist but never side by side finds nothing.
    assert_eq!(run("\"检测 昂仁县\"").total, 0);
}

#[test]
fn phrase_matches_across_the_index_mode_sub_words() {
    // 日喀则 is a sub-word of the indexed token 日喀则市; the phrase must still match.
    let r = run("\"日喀则市昂仁县\"");
    assert!(r.total > 0, "phrase over sub-words found nothing");
}

#[test]
fn traditional_characters_find_simplified_text() {
    let traditional = run("醫療援藏");
    let simplified = run("医疗援藏");
    assert!(traditional.total > 0);
    assert_eq!(traditional.total, simplified.total);
    assert!(traditional.hits[0].snippet.contains("<mark>"));
}

#[test]
fn fullwidth_queries_are_folded() {
    let r = run("Ｏ２Ｏ");
    assert!(any_contains(&r, "O2O"), "{:?}", texts(&r));
    assert_eq!(r.total, run("o2o").total);
}

#[test]
fn latin_and_mixed_tokens() {
    assert!(any_contains(&run("O2O"), "O2O"));
    assert!(any_contains(&run("app"), "APP"));
    let r = run("4A级景区");
    assert!(any_contains(&r, "4A级景区"), "{:?}", texts(&r));
}

#[test]
fn malformed_query_strings_never_fail() {
    for q in [
        "\"援藏",
        "援藏\"",
        "OR",
        "- -",
        "OR 援藏 OR",
        "\"\"",
        "((援藏",
        "援藏 -",
        "region:",
        ":",
        "援藏 AND",
        "“援藏",
        "-援藏",
    ] {
        let r = search(&common::engine(), &SearchRequest::query(q));
        assert!(r.is_ok(), "{q:?} failed: {r:?}");
    }
    assert!(run("\"援藏").total > 0);
}

#[test]
fn exclusion_and_or() {
    let with = run("援藏");
    let without = run("援藏 -医疗");
    assert!(without.total < with.total);
    assert!(without.hits.iter().all(|h| !h.text.contains("医疗")));
    let either = run("先心病 OR 胆囊");
    assert!(either.total >= run("先心病").total.max(run("胆囊").total));
}

#[test]
fn field_filters_in_the_query() {
    let typed = run("援藏 region:日喀则");
    let param = search(
        &common::engine(),
        &SearchRequest {
            region: vec!["西藏自治区/日喀则市".into()],
            per_page: 50,
            ..SearchRequest::query("援藏")
        },
    )
    .unwrap();
    assert!(typed.total > 0);
    assert_eq!(typed.total, param.total);
}

#[test]
fn synonyms_find_what_the_text_calls_otherwise() {
    // The text says 先天性心脏病 or 先心病; either query finds both forms.
    assert!(run("先天性心脏病").total > 0);
    // 网购 is not in the text; 电子商务 is.
    assert!(any_contains(&run("网购"), "电子商务"));
}

#[test]
fn relaxes_when_no_paragraph_has_every_word_and_says_so() {
    let r = run("农牧民在家门口就业");
    assert!(r.total > 0);
    assert!(
        r.relaxed || r.exact_total < r.total,
        "not marked as relaxed"
    );
    let none = run("大骨节病");
    assert_eq!(none.total, 0);
    assert!(!none.relaxed);
}

#[test]
fn zero_results_suggest_a_spelling() {
    let r = run("电子商物");
    assert_eq!(r.total, 0);
    assert!(
        r.suggestions.iter().any(|s| s.contains("电子商务")),
        "{:?}",
        r.suggestions
    );
}

#[test]
fn snippets_are_whole_characters_marked_and_escaped() {
    for q in ["援藏", "饮用水", "O2O", "日喀则", "山东"] {
        for h in run(q).hits {
            let plain = h.snippet.replace("<mark>", "").replace("</mark>", "");
            assert!(
                !plain.contains('<') && !plain.contains('>'),
                "unescaped: {}",
                h.snippet
            );
            assert!(
                h.snippet.contains("<mark>"),
                "{q}: no mark in {}",
                h.snippet
            );
            let unescaped = plain
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            let body = unescaped.trim_start_matches('…').trim_end_matches('…');
            assert!(
                h.text.contains(body),
                "snippet is not a slice of the text: {}",
                h.snippet
            );
            assert!(
                body.chars().count() <= 130,
                "snippet too long: {}",
                body.chars().count()
            );
        }
    }
}

// Harder queries of our own: natural phrasing, mixed intents, places at
// several levels, and the half-remembered phrase of user story 5.

#[test]
fn hard_half_remembered_phrase_finds_jobs_near_home() {
    let r = run("农牧民在家门口就业");
    let top: Vec<&str> = texts(&r).into_iter().take(5).collect();
    assert!(top.iter().any(|t| t.contains("就业")), "{top:?}");
}

#[test]
fn hard_county_query_finds_short_form_mentions() {
    // The text says 白朗、措勤、聂荣三县; a query for 白朗县 must find it.
    assert!(any_contains(&run("白朗县"), "白朗、措勤"));
}

#[test]
fn hard_question_about_first_operations() {
    let r = run("援藏医生做了哪些首例手术");
    let top: Vec<&str> = texts(&r).into_iter().take(5).collect();
    assert!(
        top.iter()
            .filter(|t| t.contains("首例") || t.contains("第一例"))
            .count()
            >= 2,
        "{top:?}"
    );
}

#[test]
fn hard_medical_aid_in_shigatse_in_2023() {
    let r = search(
        &common::engine(),
        &SearchRequest {
            region: vec!["西藏自治区/日喀则市".into()],
            year: vec!["2023".into()],
            ..SearchRequest::query("医疗援藏")
        },
    )
    .unwrap();
    assert!(r.total > 0);
    assert!(r.hits.iter().all(|h| h
        .region
        .iter()
        .any(|p| p.starts_with("西藏自治区/日喀则市"))));
    assert!(r.hits.iter().all(|h| h.year.contains(&"2023".to_string())));
}

#[test]
fn hard_traditional_phrase_with_stray_quote() {
    let r = run("\"醫療援藏");
    assert!(r.total > 0);
}

#[test]
fn ocr_spaced_ecommerce_paragraphs_of_the_changdu_page_are_found() {
    // The raw text reads `力 推 进 电 子 商 务`; the cleaned index must not care.
    let r = run("电子商务");
    let changdu: Vec<&str> = r
        .hits
        .iter()
        .filter(|h| {
            h.report
                .id
                .starts_with("2020-tibet-daily-ecommerce-and-science")
        })
        .map(|h| h.text.as_str())
        .collect();
    assert!(
        changdu
            .iter()
            .any(|t| t.contains("为全力推进电子商务助推扶贫工作")),
        "{changdu:?}"
    );
    assert!(changdu.len() >= 3, "{changdu:?}");
}

#[test]
fn unknown_words_match_as_the_phrase_of_their_pieces() {
    // 牦牛肉 is not in the dictionary: 牦牛 + 肉 must stand together.
    let r = run("牦牛肉");
    assert!(any_contains(&r, "牦牛肉"), "{:?}", texts(&r));
    assert!(
        r.hits.iter().all(|h| h.text.contains("牦牛肉")),
        "{:?}",
        texts(&r)
    );
    // Pieces of an unknown disease name scattered over a paragraph are no match.
    assert_eq!(run("高原肺水肿病").total, 0);
}

#[test]
fn paging_neither_repeats_nor_skips_hits() {
    for q in ["援藏", "医疗", ""] {
        let total = run(q).total as usize;
        let mut seen = std::collections::HashSet::new();
        let mut page = 1;
        while (page - 1) * 7 < total.min(140) {
            let r = search(
                &common::engine(),
                &SearchRequest {
                    page,
                    per_page: 7,
                    ..SearchRequest::query(q)
                },
            )
            .unwrap();
            for h in r.hits {
                assert!(
                    seen.insert(h.id.clone()),
                    "{q:?}: {} repeated on page {page}",
                    h.id
                );
            }
            page += 1;
        }
        assert_eq!(seen.len(), total.min((page - 1) * 7), "{q:?}: hits skipped");
    }
}

#[test]
fn first_page_caps_paragraphs_per_report() {
    // Three reports mention 援藏 often enough to fill six places three each.
    let r = search(
        &common::engine(),
        &SearchRequest {
            per_page: 6,
            ..SearchRequest::query("援藏")
        },
    )
    .unwrap();
    let mut per_report = std::collections::HashMap::new();
    for h in &r.hits {
        *per_report.entry(h.report.id.clone()).or_insert(0) += 1;
    }
    assert!(per_report.len() > 1);
    assert!(
        per_report
            .values()
            .all(|&n| n <= aidsearch::search::DEFAULT_PER_REPORT),
        "{per_report:?}"
    );
}

#[test]
fn a_query_of_punctuation_only_finds_nothing() {
    let r = run(")(*&^%");
    assert_eq!(r.total, 0);
    assert_eq!(run("").total, common::engine().num_docs());
}

/// The server's memory of responses answers a repeat exactly as a fresh
/// search would, and keeps requests that differ in any field apart.
#[test]
fn remembered_responses_equal_fresh_searches() {
    use aidsearch::search::cache::search_remembered;
    let engine = common::engine();
    let mut page_two = SearchRequest::query("援藏");
    page_two.page = 2;
    let mut in_lhasa = SearchRequest::query("援藏");
    in_lhasa.region = vec!["拉萨市".to_string()];
    for request in [
        SearchRequest::query("援藏"),
        page_two,
        in_lhasa,
        SearchRequest::query(""),
    ] {
        let fresh = search(&engine, &request).unwrap();
        for _ in 0..2 {
            let mut remembered = search_remembered(&engine, &request).unwrap();
            remembered.took_ms = fresh.took_ms;
            assert_eq!(remembered, fresh, "{request:?}");
        }
    }
}

/// Browsing everything newest first pages through one kept order: pages
/// neither repeat nor skip, and agree with the total.
#[test]
fn browsing_everything_pages_through_the_kept_order() {
    let engine = common::engine();
    let mut request = SearchRequest::query("");
    request.per_page = 7;
    let first = search(&engine, &request).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut dates = Vec::new();
    loop {
        let page = search(&engine, &request).unwrap();
        assert_eq!(page.total, first.total);
        if page.hits.is_empty() {
            break;
        }
        for hit in page.hits {
            assert!(seen.insert(hit.id.clone()), "{} twice", hit.id);
            dates.push(hit.report.date.unwrap_or_default());
        }
        request.page += 1;
    }
    assert_eq!(seen.len() as u64, first.total);
    let mut newest_first = dates.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, newest_first);
}
