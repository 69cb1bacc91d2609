//! Running a search: hits from the matches, diversity across reports,
//! snippets, did-you-mean on zero hits, and paging through every hit for
//! exports.

use std::collections::HashMap;
use std::time::Instant;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::{DocAddress, TantivyDocument, Term};

use super::deadline::search_until;
use super::{by_report, rank, snippet, Engine};
use super::{did_you_mean::*, facet_counts::*, matching::*, request::*};
use crate::error::Result;
use crate::facet::FacetKind;
use crate::index::schema::{stored_facet_paths, stored_text};
use crate::index::Fields;

/// A hit from a stored document (snippet filled by the caller).
pub(crate) fn hit_from_doc(fields: &Fields, doc: &TantivyDocument, score: f32) -> Hit {
    Hit {
        id: stored_text(doc, fields.id).unwrap_or_default(),
        report: HitReport {
            id: stored_text(doc, fields.report_id).unwrap_or_default(),
            title: stored_text(doc, fields.title).unwrap_or_default(),
            date: stored_text(doc, fields.date),
            source: stored_text(doc, fields.source),
        },
        paragraph: doc
            .get_first(fields.paragraph)
            .and_then(|v| v.as_u64())
            .unwrap_or(0) as u32,
        kind: stored_text(doc, fields.kind).unwrap_or_default(),
        extraction: fields
            .extraction
            .and_then(|field| stored_text(doc, field))
            .unwrap_or_else(|| crate::corpus::Extraction::Text.as_str().to_string()),
        section: stored_text(doc, fields.section),
        text: stored_text(doc, fields.text).unwrap_or_default(),
        snippet: String::new(),
        score,
        exact: true,
        region: stored_facet_paths(doc, fields.facets[FacetKind::Region]),
        donor: stored_facet_paths(doc, fields.facets[FacetKind::Donor]),
        sector: stored_facet_paths(doc, fields.facets[FacetKind::Sector]),
        year: stored_facet_paths(doc, fields.facets[FacetKind::Year]),
        programme: stored_facet_paths(doc, fields.facets[FacetKind::Programme]),
        report_year: stored_facet_paths(doc, fields.facets[FacetKind::ReportYear]),
        funding: doc
            .get_all(fields.funding)
            .filter_map(|v| v.as_f64())
            .collect(),
    }
}

/// Put at most `cap` paragraphs of one report first, the rest after, each
/// part in rank order, so one long report does not bury the others.
pub(super) fn diversify<K: std::hash::Hash + Eq>(
    ranked: Vec<(f32, DocAddress)>,
    report_of: impl Fn(DocAddress) -> K,
    cap: usize,
) -> Vec<(f32, DocAddress)> {
    if cap == 0 {
        return ranked;
    }
    let mut seen: HashMap<K, usize> = HashMap::new();
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for hit in ranked {
        let n = seen.entry(report_of(hit.1)).or_default();
        *n += 1;
        if *n <= cap {
            first.push(hit);
        } else {
            rest.push(hit);
        }
    }
    first.extend(rest);
    first
}

/// The hits with every word first, then those with most words (when the
/// search was filled), each part in BM25 order, and how many come first.
fn exact_then_rest(found: &mut Matches<'_>) -> (Ranked, usize) {
    let ranked = std::mem::take(&mut found.ranked);
    match found.exact_first.take() {
        Some(mut first) => {
            let exact = first.len();
            let seen: std::collections::HashSet<DocAddress> = first.iter().map(|h| h.1).collect();
            first.extend(ranked.into_iter().filter(|h| !seen.contains(&h.1)));
            (first, exact)
        }
        None => (ranked, 0),
    }
}

/// Whether the paragraph at `addr` matches `weight`.
fn holds(
    weight: &dyn tantivy::query::Weight,
    searcher: &tantivy::Searcher,
    addr: DocAddress,
) -> Result<bool> {
    let mut found = false;
    let reader = searcher.segment_reader(addr.segment_ord);
    rank::probe(weight, reader, &[(addr.doc_id, 0)], |_, _| found = true)?;
    Ok(found)
}

/// A candidate of the reranker, for fitting its weights: the paragraph text
/// and its features.
pub struct Candidate {
    pub text: String,
    pub features: rank::Vector,
}

/// The best [`rank::DEPTH`] matches of a search in BM25 order, with their
/// features: what [`search`] hands the model, for the fitting harness.
pub fn candidates(engine: &Engine, request: &SearchRequest) -> Result<Vec<Candidate>> {
    let _entered = engine.enter(&request.scope);
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let (compiled, filters) = prepare(fields, &searcher, request)?;
    if compiled.match_all {
        return Ok(Vec::new());
    }
    let mut found = matches(&compiled, Sort::Relevance, |core| {
        let query = assemble(core, &compiled, fields, &filters, request, None, true);
        gather(
            &searcher,
            query.as_ref(),
            Sort::Relevance,
            rank::DEPTH,
            engine.facets.counter(),
            request.deadline,
        )
    })?;
    let (mut top, _) = exact_then_rest(&mut found);
    top.truncate(rank::DEPTH);
    let vectors = rank::features(&searcher, fields, &compiled, &top, |a| engine.reports.of(a))?;
    top.iter()
        .zip(vectors)
        .map(|((_, address), features)| {
            let doc: TantivyDocument = searcher.doc(*address)?;
            Ok(Candidate {
                text: stored_text(&doc, fields.text).unwrap_or_default(),
                features,
            })
        })
        .collect()
}

/// Run a search.
pub fn search(engine: &Engine, request: &SearchRequest) -> Result<SearchResponse> {
    let started = Instant::now();
    let deadline = request.deadline;
    deadline.check()?;
    let entered = engine.enter(&request.scope);
    let fields = &engine.fields;
    let searcher = engine.searcher();
    let (compiled, filters) = prepare(fields, &searcher, request)?;
    // Browsing without words reads best newest first.
    let sort = if compiled.match_all && request.sort == Sort::Relevance {
        Sort::Date
    } else {
        request.sort
    };

    let offset = (request.page - 1) * request.per_page;
    let cap = request.per_report.unwrap_or(DEFAULT_PER_REPORT);
    // The first page holds at most `cap` paragraphs of one report, chosen from
    // the best few pages; later pages are the rest in rank order. Every page
    // is cut from that one order, so paging neither repeats nor skips a hit.
    let diversified = sort == Sort::Relevance && cap > 0;
    let candidates = request.per_page * 5;
    let window = if diversified {
        (offset + request.per_page * 2)
            .max(candidates)
            .min(MAX_OFFSET + request.per_page)
    } else {
        offset + request.per_page
    };
    // The model orders the best DEPTH matches, whichever page is asked for.
    let window = if sort == Sort::Relevance {
        window.max(rank::DEPTH)
    } else {
        window
    };

    let table = &engine.facets;
    let browse_all = matches_everything(&compiled, &filters, request, None);
    let mut found = matches(&compiled, sort, |core| {
        let query = assemble(core, &compiled, fields, &filters, request, None, true);
        if browse_all && sort != Sort::Relevance {
            // Browsing everything: the counts and the order are the
            // generation's own, kept from the first time.
            let order = engine.memo.browse_order(sort, || {
                let deepest = MAX_OFFSET + MAX_PER_PAGE;
                Ok(gather(&searcher, query.as_ref(), sort, deepest, Count, deadline)?.1)
            })?;
            let ranked = order.iter().take(window).copied().collect();
            return Ok((table.everything().clone(), ranked));
        }
        gather(
            &searcher,
            query.as_ref(),
            sort,
            window,
            table.counter(),
            deadline,
        )
    })?;
    let (total, exact_total, relaxed) = (found.total, found.exact_total, found.relaxed);
    let (mut top, exact) = exact_then_rest(&mut found);
    // A fill came after the hits with every word (fewer than FILL_BELOW):
    // each hit shown is asked whether it holds them, in any sort order.
    let every_word = if total > exact_total && exact_total > 0 {
        let scoring = tantivy::query::EnableScoring::disabled_from_searcher(&searcher);
        Some(compiled.strict.weight(scoring)?)
    } else {
        None
    };
    if sort == Sort::Relevance && !compiled.match_all {
        let report_of = |addr: DocAddress| engine.reports.of(addr);
        // A fill follows the hits with every word: each part is ordered on
        // its own, so a paragraph found only through most words or through
        // neighbours never outranks one with every word.
        let (with_every_word, fill) = top.split_at_mut(exact);
        for part in [with_every_word, fill] {
            rank::rerank(
                &searcher,
                fields,
                &compiled,
                part,
                &rank::WEIGHTS,
                report_of,
            )?;
        }
    }
    if diversified {
        let report_of = |addr: DocAddress| engine.reports.of(addr);
        let head: Vec<(f32, DocAddress)> = top.iter().take(candidates).copied().collect();
        // The cap spreads the exact hits over their reports, and the fill's
        // over theirs: it never lifts a fill hit above an exact one.
        let (with_every_word, fill) = head.split_at(exact.min(head.len()));
        let mut ordered = diversify(with_every_word.to_vec(), report_of, cap);
        ordered.extend(diversify(fill.to_vec(), report_of, cap));
        let first_page: Vec<(f32, DocAddress)> =
            ordered.into_iter().take(request.per_page).collect();
        let on_first: std::collections::HashSet<DocAddress> =
            first_page.iter().map(|h| h.1).collect();
        top.retain(|h| !on_first.contains(&h.1));
        top.splice(0..0, first_page);
    }
    // What was also searched is marked too: a sentence's neighbours are
    // chosen after the query compiled, when nothing else matched.
    let also: Vec<String> = entered
        .expanded()
        .into_iter()
        .flat_map(|e| e.also)
        .collect();
    let highlight = if also.is_empty() {
        std::borrow::Cow::Borrowed(&compiled.highlight)
    } else {
        let mut words = compiled.highlight.clone();
        words.extend(also);
        std::borrow::Cow::Owned(super::compile::marks(words))
    };
    let hit_at = |score: f32, addr: DocAddress| -> Result<Hit> {
        // A snippet walks its paragraph, up to megabytes of it.
        deadline.check()?;
        let doc: TantivyDocument = searcher.doc(addr)?;
        let mut hit = hit_from_doc(fields, &doc, score);
        hit.snippet = snippet::snippet(&hit.text, &highlight);
        hit.exact = !relaxed
            && match &every_word {
                Some(weight) => holds(weight.as_ref(), &searcher, addr)?,
                None => true,
            };
        Ok(hit)
    };
    let (mut hits, mut reports, mut report_total) = (Vec::new(), Vec::new(), None);
    if request.view == View::Reports {
        // One more pass over the matches: every report's count and best
        // paragraph, wherever it ranks.
        let group_reports = || -> Result<Vec<by_report::Group>> {
            let mut query = assemble(found.core, &compiled, fields, &filters, request, None, true);
            if compiled.match_all {
                // Every match scores the same when browsing: a plain
                // paragraph (not a caption or heading) stands for its
                // report before others.
                let plain = TermQuery::new(
                    Term::from_field_text(
                        fields.kind,
                        crate::corpus::ParagraphKind::Paragraph.as_str(),
                    ),
                    IndexRecordOption::Basic,
                );
                query = Box::new(BooleanQuery::new(vec![
                    (Occur::Must, query),
                    (
                        Occur::Should,
                        Box::new(ConstScoreQuery::new(Box::new(plain), 1.0)),
                    ),
                ]));
            }
            let groups = search_until(
                &searcher,
                query.as_ref(),
                &by_report::ByReport {
                    reports: &engine.reports,
                },
                deadline,
            )?;
            let report_of = |addr: DocAddress| engine.reports.of(addr);
            Ok(by_report::order(groups, &top, report_of, sort))
        };
        // Browsing everything lists the generation's own grouping, kept from
        // the first time (a pass over every paragraph: 130 ms on 75,000
        // reports).
        let grouped;
        let ordered: &[by_report::Group] = if browse_all && sort != Sort::Relevance {
            engine.memo.report_groups(sort, group_reports)?
        } else {
            grouped = group_reports()?;
            &grouped
        };
        report_total = Some(ordered.len() as u64);
        for group in ordered.iter().skip(offset).take(request.per_page) {
            let best = hit_at(group.score, group.best)?;
            reports.push(ReportHit {
                report: best.report.clone(),
                matching: group.matching,
                best,
            });
        }
    } else {
        for (score, addr) in top.into_iter().skip(offset).take(request.per_page) {
            hits.push(hit_at(score, addr)?);
        }
    }

    // Each facet with a filter of its own is counted without that filter,
    // so its other values stay visible (disjunctive facets).
    let mut facets = Facets::default();
    for kind in FacetKind::ALL {
        let counts = facet_counts(
            engine, &searcher, &compiled, &filters, request, &found, kind,
        )?;
        *facets.values_mut(kind) = facet_values(table, &counts, kind, &filters);
    }

    let (suggestions, related) = if total == 0 && !compiled.words.is_empty() {
        let found = suggest(
            engine,
            &searcher,
            &request.q,
            &compiled.words,
            deadline,
            &request.scope,
        );
        // `suggest` stops early at the deadline; its short list is not an answer.
        deadline.check()?;
        found
    } else {
        (Vec::new(), related_terms(&compiled.words))
    };

    Ok(SearchResponse {
        query: request.q.clone(),
        total,
        exact_total: if relaxed { 0 } else { exact_total.min(total) },
        page: request.page,
        per_page: request.per_page,
        took_ms: (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        relaxed,
        sort,
        view: request.view,
        hits,
        report_total,
        reports,
        facets,
        suggestions,
        related,
        region_parent: facet_parents(FacetKind::Region, &filters[FacetKind::Region])
            .pop()
            .filter(|_| !filters[FacetKind::Region].is_empty())
            .unwrap_or_default(),
        donor_parent: facet_parents(FacetKind::Donor, &filters[FacetKind::Donor])
            .pop()
            .unwrap_or_default(),
        generation: engine.generation,
        notice: (!compiled.dropped.is_empty())
            .then(|| Notice::words_dropped(compiled.dropped.clone())),
        warnings: super::filters::warnings(
            table,
            &engine
                .memo
                .known_values(engine, &searcher, &request.scope)?,
            request,
            &super::query::parse(&request.q).filters,
            &filters,
        ),
        expanded: entered.expanded(),
    })
}

/// Every hit of a search (up to `limit`), for exports. Pages through the same
/// ranking the page shows; the request's deadline holds for all the pages.
pub fn search_all(engine: &Engine, request: &SearchRequest, limit: usize) -> Result<Vec<Hit>> {
    let mut hits = Vec::new();
    let mut page_request = request.clone();
    page_request.per_page = MAX_PER_PAGE;
    page_request.page = 1;
    // Every hit is every paragraph, whichever view the request came from.
    page_request.view = View::Paragraphs;
    loop {
        // Each page checks the deadline at its start and while it runs.
        let response = search(engine, &page_request)?;
        let done = response.hits.len() < MAX_PER_PAGE;
        hits.extend(response.hits);
        if done || hits.len() >= limit || page_request.page * MAX_PER_PAGE >= MAX_OFFSET {
            break;
        }
        page_request.page += 1;
    }
    hits.truncate(limit);
    Ok(hits)
}
