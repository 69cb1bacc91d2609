//! The staff pages through the router (no socket): the search page's parts
//! and links, the region drill-down, the report page's anchors and target
//! marking, the exports, the stylesheet, escaping, and the error pages.
//! Counts on the pages are checked against the JSON API for the same URL.

mod common;

use aidsearch::web::export::{csv_header, EXPORT_LIMIT};
use aidsearch::web::params::{decode_pairs, search_request};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;

use common::{enc, get, get_json, send};

const XSS: [&str; 3] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
];

/// Undo the HTML escaping askama applies.
/// The search page's own script element (search-as-you-type).
const OWN_SCRIPT: &str = "<script src=\"/static/page.js\" defer></script>";

fn unescape(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// Every value of attribute `name` in `html`, unescaped.
fn attrs(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            unescape(&rest[..rest.find('"').expect("closing quote")])
        })
        .collect()
}

/// The HTML of the element that starts at `start` up to the first `end` after it.
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in page"));
    let rest = &html[i..];
    &rest[..rest.find(end).map(|j| j + end.len()).unwrap_or(rest.len())]
}

/// `(label, count, href)` of each value link in a chunk of facet HTML.
fn facet_links(html: &str) -> Vec<(String, u64, String)> {
    // Past the breadcrumb, if any.
    let html = html
        .find("<ul class=\"values")
        .map(|i| &html[i..])
        .unwrap_or(html);
    html.split("<li><a href=\"")
        .skip(1)
        .map(|part| {
            let href = unescape(&part[..part.find('"').unwrap()]);
            let label = between(part, "<span class=\"label\">", "</span>");
            let count = between(part, "<span class=\"count\">", "</span>")
                .parse()
                .expect("count is a number");
            (unescape(&label), count, href)
        })
        .collect()
}

fn between(s: &str, start: &str, end: &str) -> String {
    let i = s
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {s}"))
        + start.len();
    s[i..i + s[i..].find(end).expect("end marker")].to_string()
}

/// `(label, count)` of one facet of an API response.
fn api_facet(response: &Value, name: &str) -> Vec<(String, u64)> {
    response["facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["label"].as_str().unwrap().to_string(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The API response for the search a page URL (`/?…`) shows.
async fn api_for(page_url: &str) -> Value {
    let qs = page_url.trim_start_matches('/').trim_start_matches('?');
    let (status, body) = get_json(&format!("/api/search?{qs}")).await;
    assert_eq!(status, StatusCode::OK, "{page_url}: {body}");
    body
}

/// The total a search page shows.
fn shown_total(html: &str) -> u64 {
    between(html, "id=\"total\"", "</")
        .trim_start_matches(|c| c != '>')
        .trim_start_matches('>')
        .parse()
        .expect("total is a number")
}

/// A page request, with its headers.
async fn fetch(uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    send(common::app(), request).await
}

fn region_query(region: &str) -> String {
    format!("/?q={}&region={}", enc("医疗"), enc(region))
}

#[tokio::test]
async fn search_page_shows_query_counts_facets_and_results() {
    let url = format!("/?q={}", enc("医疗"));
    let (status, html) = get(&url).await;
    assert_eq!(status, StatusCode::OK);
    let api = api_for(&url).await;
    // The box keeps the query; the count and the time are shown.
    assert!(html.contains("value=\"医疗\""), "query kept in the box");
    assert!(html.contains("<label for=\"q\""), "the box has a label");
    assert_eq!(shown_total(&html), api["total"].as_u64().unwrap());
    assert!(html.contains("毫秒"), "time shown");
    // Landmarks for keyboard and screen-reader users.
    for landmark in [
        "<main",
        "<aside",
        "role=\"search\"",
        "aria-label=\"分页\"",
        "class=\"skip\"",
    ] {
        assert!(html.contains(landmark), "no {landmark}");
    }
    // Every facet with the API's counts, in the API's order.
    for name in ["region", "donor", "sector"] {
        let block = section(&html, &format!("id=\"facet-{name}\""), "</section>");
        let shown: Vec<(String, u64)> = facet_links(block)
            .into_iter()
            .map(|(l, c, _)| (l, c))
            .collect();
        assert_eq!(shown, api_facet(&api, name), "{name} facet");
    }
    // The year facet is an inline SVG bar chart whose bars are links.
    let chart = section(&html, "<svg class=\"year-chart\"", "</svg>");
    let years = api_facet(&api, "year");
    assert_eq!(chart.matches("<a href=").count(), years.len());
    for (year, count) in &years {
        assert!(
            chart.contains(&format!("year={year}")),
            "bar for {year} links to its filter"
        );
        assert!(
            chart.contains(&format!("{year}年：{count} 条")),
            "bar for {year}"
        );
    }
    // Results: title, date, source, highlighted snippet, tags, report link.
    let hits = api["hits"].as_array().unwrap();
    let results = section(&html, "<ol class=\"hits\"", "</ol>");
    assert_eq!(results.matches("<li class=\"hit\">").count(), hits.len());
    let first = &hits[0];
    assert!(results.contains(
        &first["report"]["title"]
            .as_str()
            .unwrap()
            .replace('"', "&#34;")
    ));
    for key in ["date", "source"] {
        if let Some(v) = first["report"][key].as_str() {
            assert!(results.contains(v), "hit {key} shown");
        }
    }
    assert!(results.contains("<mark>"), "snippets highlighted");
    let report_link = format!(
        "/report/{}?p={}&q={}&back=",
        first["report"]["id"].as_str().unwrap(),
        first["paragraph"],
        enc("医疗")
    );
    let hrefs = attrs(results, "href");
    let link = hrefs
        .iter()
        .find(|h| h.starts_with(&report_link))
        .unwrap_or_else(|| panic!("no link {report_link}… in {hrefs:?}"));
    assert!(
        link.ends_with(&format!("#p-{}", first["paragraph"])),
        "{link}"
    );
    assert!(
        hrefs.iter().any(|h| h.contains("sector=")),
        "facet tags are links"
    );
    // Sorting and export.
    for s in ["sort=date", "sort=funding"] {
        assert!(hrefs_of(&html).iter().any(|h| h.contains(s)), "no {s} link");
    }
    assert!(html.contains(&format!("href=\"/export.csv?q={}\"", enc("医疗"))));
    assert!(html.contains(&format!("href=\"/export.json?q={}\"", enc("医疗"))));
}

fn hrefs_of(html: &str) -> Vec<String> {
    attrs(html, "href")
}

#[tokio::test]
async fn funding_amounts_are_shown_in_yuan_units() {
    let url = "/?q=&sort=funding&view=paragraphs";
    let (_, html) = get(url).await;
    let api = api_for(url).await;
    let first = &api["hits"][0];
    let amount = first["funding"][0]
        .as_f64()
        .expect("funding sort puts money first");
    let shown = aidsearch::web::format::format_yuan(amount);
    assert!(
        html.contains(&format!("<span>{shown}</span>")),
        "{amount} shown as {shown}"
    );
    assert!(
        html.contains("<strong aria-current=\"true\">金额</strong>"),
        "sort shown"
    );
}

#[tokio::test]
async fn region_tree_drills_down_to_a_county_and_climbs_back() {
    // The top level lists the provinces, the areas paired aid goes to
    // first, so every paragraph with a region is under one of them.
    let (_, top) = get(&format!("/?q={}", enc("医疗"))).await;
    let top_links = facet_links(section(&top, "id=\"facet-region\"", "</section>"));
    assert_eq!(top_links[0].0, "西藏自治区", "{top_links:?}");
    assert!(top_links.iter().all(|(_, _, href)| !href.contains("%2F")));
    assert!(
        !top.contains("aria-label=\"地区层级\""),
        "no breadcrumb at the top"
    );
    // Every hit's region is under a listed province (142 of 221 seed
    // paragraphs could be reached when Tibet's prefectures were the top).
    let (_, hits) = get_json(&format!("/api/search?q={}&per_page=100", enc("医疗"))).await;
    for hit in hits["hits"].as_array().unwrap() {
        for path in hit["region"].as_array().unwrap() {
            let province = path.as_str().unwrap().split('/').next().unwrap();
            assert!(
                top_links.iter().any(|(l, ..)| l == province),
                "{path} is under no listed province: {top_links:?}"
            );
        }
    }
    // 西藏自治区: checked among the provinces, its prefectures nested.
    let (_, tibet) = get(&top_links[0].2).await;
    let tibet_block = section(&tibet, "id=\"facet-region\"", "</section>");
    let prefectures = facet_links(section(
        tibet_block,
        "<ul class=\"values children\">",
        "</ul>",
    ));
    let (_, chamdo_count, chamdo_href) = prefectures
        .iter()
        .find(|(l, ..)| l == "昌都市")
        .cloned()
        .expect("昌都市 under 西藏自治区");
    assert_eq!(chamdo_href, region_query("西藏自治区/昌都市"));

    // 昌都市: checked, its counties nested with the API's counts, breadcrumb.
    let (_, html) = get(&chamdo_href).await;
    assert_eq!(
        shown_total(&html),
        chamdo_count,
        "a facet count is the total it filters to"
    );
    let api = api_for(&chamdo_href).await;
    let block = section(&html, "id=\"facet-region\"", "</section>");
    let crumbs = section(block, "<nav class=\"breadcrumb\"", "</nav>");
    assert!(crumbs.contains(">全部地区</a>"), "{crumbs}");
    assert!(crumbs.contains(">西藏自治区</a>"), "{crumbs}");
    assert!(
        crumbs.contains("aria-current=\"location\" title=\"西藏自治区/昌都市\">昌都市</span>"),
        "{crumbs}"
    );
    let children = section(block, "<ul class=\"values children\">", "</ul>");
    let counties = facet_links(children);
    assert_eq!(
        counties
            .iter()
            .map(|(l, c, _)| (l.clone(), *c))
            .collect::<Vec<_>>(),
        api_facet(&api, "region"),
        "counties of 昌都市"
    );
    assert!(
        block.contains("class=\"selected\" title=\"西藏自治区/昌都市\""),
        "昌都市 checked"
    );
    // Siblings keep their top-level counts and are added, not swapped in.
    let shigatse = facet_links(block)
        .into_iter()
        .find(|(l, ..)| l == "日喀则市");
    if let Some((_, count, href)) = shigatse {
        let tibet_count = prefectures
            .iter()
            .find(|(l, ..)| l == "日喀则市")
            .unwrap()
            .1;
        assert_eq!(count, tibet_count);
        let pairs = decode_pairs(href.trim_start_matches("/?")).unwrap();
        let regions: Vec<&str> = pairs
            .iter()
            .filter(|(n, _)| n == "region")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(regions, ["西藏自治区/昌都市", "西藏自治区/日喀则市"]);
    }

    // A county: filtered to exactly its count, breadcrumb one deeper.
    let (county, county_count, county_href) = counties[0].clone();
    let (_, html) = get(&county_href).await;
    assert_eq!(shown_total(&html), county_count, "{county}");
    assert_eq!(
        api_for(&county_href).await["total"].as_u64().unwrap(),
        county_count
    );
    let block = section(&html, "id=\"facet-region\"", "</section>");
    let crumbs = section(block, "<nav class=\"breadcrumb\"", "</nav>");
    assert!(crumbs.contains(&format!(">{county}</span>")), "{crumbs}");
    // The breadcrumb climbs back to 昌都市, and so does unchecking the county.
    let up: Vec<String> = attrs(crumbs, "href");
    assert!(up.contains(&region_query("西藏自治区/昌都市")), "{up:?}");
    let checked = facet_links(block)
        .into_iter()
        .find(|(l, ..)| *l == county)
        .expect("the county is listed among its siblings");
    assert_eq!(checked.2, region_query("西藏自治区/昌都市"));
    // The chip removes the filter; "clear all" removes every filter.
    let chips = section(&html, "id=\"chips\"", "</div>");
    assert!(chips.contains(&format!("地区：{county}")));
    assert!(attrs(chips, "href").contains(&format!("/?q={}", enc("医疗"))));
}

#[tokio::test]
async fn flat_facets_select_several_values_and_chips_remove_each() {
    let (_, all) = get_json("/api/search?q=").await;
    let sectors = api_facet(&all, "sector");
    let (a, b) = (&sectors[0].0, &sectors[1].0);
    let url = format!("/?sector={}", enc(a));
    let (_, html) = get(&url).await;
    let block = section(&html, "id=\"facet-sector\"", "</section>");
    let links = facet_links(block);
    // The unchosen value adds to the chosen one (OR within a facet).
    let add = &links.iter().find(|(l, ..)| l == b).unwrap().2;
    assert_eq!(*add, format!("/?sector={}&sector={}", enc(a), enc(b)));
    let (_, both) = get(add).await;
    let either = api_for(add).await["total"].as_u64().unwrap();
    assert_eq!(shown_total(&both), either);
    assert!(either >= sectors[0].1.max(sectors[1].1));
    // Each chip removes its own value only; "clear all" removes both.
    let chips = section(&both, "id=\"chips\"", "</div>");
    let hrefs = attrs(chips, "href");
    assert!(hrefs.contains(&format!("/?sector={}", enc(b))), "{hrefs:?}");
    assert!(hrefs.contains(&format!("/?sector={}", enc(a))), "{hrefs:?}");
    assert!(hrefs.contains(&"/".to_string()), "clear all: {hrefs:?}");
}

#[tokio::test]
async fn every_link_keeps_a_valid_whole_state() {
    // A search with every kind of state, on page 2.
    let url = format!(
        "/?q={}&region={}&min_funding=10000&sort=date&page=2&per_page=3",
        enc("援藏"),
        enc("西藏自治区/日喀则市"),
    );
    let (status, html) = get(&url).await;
    assert_eq!(status, StatusCode::OK);
    let links: Vec<String> = hrefs_of(&html)
        .into_iter()
        .filter(|h| h.starts_with("/?"))
        .collect();
    assert!(links.len() > 10);
    for link in &links {
        // Every search link is a URL the strict JSON API accepts as well.
        let pairs = decode_pairs(&link[2..]).unwrap_or_else(|e| panic!("{link}: {e}"));
        search_request(&pairs, true).unwrap_or_else(|e| panic!("{link}: {e}"));
    }
    // Links that change a filter go back to page 1; page links keep the rest.
    let pages = section(&html, "aria-label=\"分页\"", "</nav>");
    for link in attrs(pages, "href") {
        assert!(
            link.contains("sort=date") && link.contains("min_funding=10000"),
            "{link}"
        );
        assert!(link.contains("per_page=3"), "{link}");
    }
    let facet_links_all = facet_links(section(&html, "id=\"facet-sector\"", "</section>"));
    for (_, _, link) in facet_links_all {
        assert!(!link.contains("page=2"), "{link}");
        assert!(
            link.contains("sort=date") && link.contains("min_funding=10000"),
            "{link}"
        );
    }
    // The forms carry the state that is not in their own inputs.
    let form = section(&html, "<form class=\"searchbox\"", "</form>");
    let hidden = attrs(form, "value");
    for v in ["西藏自治区/日喀则市", "10000", "date", "3"] {
        assert!(
            hidden.iter().any(|h| h == v),
            "search form keeps {v}: {hidden:?}"
        );
    }
    assert!(!form.contains("name=\"page\""), "new words start at page 1");
    let funding = section(&html, "id=\"facet-funding\"", "</form>");
    assert!(funding.contains("name=\"q\" value=\"援藏\""));
    // Amounts are typed as staff write them (500万, 1亿), not as a number box.
    assert!(funding.contains("id=\"min_funding\" name=\"min_funding\" type=\"text\""));
    assert!(funding.contains("value=\"1万元\""));
    // The page says which hits it shows.
    let api = api_for(&url).await;
    let total = api["total"].as_u64().unwrap();
    assert!(total > 6, "the state test needs a third page; {total} hits");
    assert!(html.contains("第 4–6 条"), "range shown");
}

#[tokio::test]
async fn pagination_walks_the_results() {
    let (_, api) = get_json("/api/search?q=").await;
    let total = api["total"].as_u64().unwrap();
    assert!(total > 30, "the seed corpus has {total} paragraphs");
    // Browsing lists reports unless asked for paragraphs.
    let (_, html) = get("/?view=paragraphs&page=2").await;
    let pages = section(&html, "aria-label=\"分页\"", "</nav>");
    let hrefs = attrs(pages, "href");
    assert!(
        hrefs.contains(&"/?view=paragraphs".to_string()),
        "page 1 is the URL without a page: {hrefs:?}"
    );
    assert!(
        hrefs.contains(&"/?view=paragraphs&page=3".to_string()),
        "{hrefs:?}"
    );
    let last = total.div_ceil(10);
    assert!(
        hrefs.contains(&format!("/?view=paragraphs&page={last}")),
        "last page linked: {hrefs:?}"
    );
    assert!(pages.contains("rel=\"prev\"") && pages.contains("rel=\"next\""));
    assert!(pages.contains("<span aria-current=\"page\">2</span>"));
    assert!(html.contains("第 11–20 条"));
    // Pages left out between the near ones and the last are marked.
    let numbers: Vec<String> = between(pages, "rel=\"prev\"", "rel=\"next\"")
        .split(['<', '>'])
        .filter(|t| t.chars().all(|c| c.is_ascii_digit() || c == '…') && !t.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(
        numbers,
        ["1", "2", "3", "4", "…", &last.to_string()],
        "{pages}"
    );
}

#[tokio::test]
async fn notices_for_relaxed_search_and_did_you_mean() {
    let url = format!("/?q={}", enc("农牧民在家门口就业"));
    let (status, html) = get(&url).await;
    assert_eq!(status, StatusCode::OK);
    let api = api_for(&url).await;
    assert_eq!(
        html.contains("id=\"relaxed-notice\""),
        api["relaxed"] == true,
        "the page says it relaxed the search exactly when the API does"
    );
    // Did-you-mean: the page lists exactly the API's suggestions, as links.
    for q in ["电子商物", "医疗援藏", "大骨节病"] {
        let url = format!("/?q={}", enc(q));
        let (_, html) = get(&url).await;
        let api = api_for(&url).await;
        let suggestions = api["suggestions"].as_array().unwrap();
        assert_eq!(
            html.contains("id=\"did-you-mean\""),
            !suggestions.is_empty(),
            "{q}"
        );
        for s in suggestions {
            let s = s.as_str().unwrap();
            assert!(
                html.contains(&format!("href=\"/?q={}\"", enc(s))),
                "{q}: {s}"
            );
        }
        if api["total"] == 0 {
            assert!(
                html.contains("id=\"no-results\""),
                "{q}: a kind word for no hits"
            );
        }
    }
}

/// The hits that fill a search with few exact ones are marked 部分匹配 on
/// the page, exactly those the API says lack a word, and none of a search
/// whose hits all hold every word.
#[tokio::test]
async fn hits_that_fill_a_search_are_marked_partial() {
    let badge = "<span class=\"partial\"";
    for (q, filled) in [("农村电子商务", true), ("援藏", false)] {
        let url = format!("/?q={}&per_page=20", enc(q));
        let (status, html) = get(&url).await;
        assert_eq!(status, StatusCode::OK);
        let api = api_for(&url).await;
        let partial = api["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["exact"] == false)
            .count();
        assert_eq!(partial > 0, filled, "{q}: {partial} partial hits");
        assert_eq!(html.matches(badge).count(), partial, "{q}");
    }
}

#[tokio::test]
async fn report_page_has_anchors_target_highlights_and_a_way_back() {
    let (_, api) = get_json(&format!("/api/search?q={}", enc("医疗"))).await;
    let hit = &api["hits"][0];
    let id = hit["report"]["id"].as_str().unwrap();
    let p = hit["paragraph"].as_u64().unwrap();
    let back = format!("/?q={}&region={}", enc("医疗"), enc("西藏自治区/昌都市"));
    let url = format!("/report/{id}?p={p}&q={}&back={}", enc("医疗"), enc(&back));
    let (status, html) = get(&url).await;
    assert_eq!(status, StatusCode::OK);
    let (_, report) = get_json(&format!("/api/reports/{id}")).await;
    let paragraphs = report["paragraphs"].as_array().unwrap();
    // The whole report, each paragraph anchored.
    for para in paragraphs {
        let n = para["paragraph"].as_u64().unwrap();
        assert!(html.contains(&format!("id=\"p-{n}\"")), "no anchor p-{n}");
        assert!(
            html.contains(&format!("href=\"#p-{n}\"")),
            "no link to p-{n}"
        );
    }
    assert!(html.contains(&format!(
        "<h1>{}</h1>",
        report["title"].as_str().unwrap().replace('"', "&#34;")
    )));
    for key in ["date", "source"] {
        if let Some(v) = report[key].as_str() {
            assert!(html.contains(v), "metadata {key}");
        }
    }
    // Exactly the target paragraph is marked, in a way that needs no script.
    assert_eq!(html.matches(" target\"").count(), 1);
    let target = format!("id=\"p-{p}\" class=\"para ");
    let tag = between(&html, &target, ">");
    assert!(tag.contains(" target\""), "target marked: {tag}");
    assert!(!html.contains("<script"), "no script needed");
    // Query words highlighted, and the way back keeps the filters.
    assert!(html.contains("<mark>医疗</mark>"));
    assert!(html.contains("id=\"back-link\">← 返回检索结果"));
    assert!(attrs(&html, "href").contains(&back));
    // The CSS marks the target also when only the fragment is given.
    let (_, css) = get("/static/style.css").await;
    assert!(css.contains(".para:target"));
}

#[tokio::test]
async fn report_page_back_link_never_leaves_the_site() {
    let (_, api) = get_json("/api/search?q=").await;
    let id = api["hits"][0]["report"]["id"].as_str().unwrap().to_string();
    for back in [
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "/report/x",
    ] {
        let (status, html) = get(&format!("/report/{id}?back={}", enc(back))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("<a href=\"/\" id=\"back-link\">← 返回检索首页</a>"),
            "{back}"
        );
        assert!(
            !html.contains("evil.example") && !html.contains("javascript:"),
            "{back}"
        );
    }
}

#[tokio::test]
async fn csv_export_has_bom_header_and_every_row() {
    for q in ["", "援藏", "医疗", "大骨节病"] {
        let (status, headers, body) = fetch(&format!("/export.csv?q={}", enc(q))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        let records = csv_records(&text);
        assert_eq!(records[0].join(","), csv_header());
        // Each row links to its paragraph in its report.
        for r in &records[1..] {
            let link = r.last().unwrap();
            assert!(
                link.contains("/report/") && link.ends_with(&format!("#p-{}", r[5])),
                "{link}"
            );
        }
        let columns = records[0].len();
        assert!(
            records.iter().all(|r| r.len() == columns),
            "ragged CSV for {q:?}"
        );
        let (_, api) = get_json(&format!("/api/search?q={}", enc(q))).await;
        let total = api["total"].as_u64().unwrap() as usize;
        assert_eq!(records.len() - 1, total.min(EXPORT_LIMIT), "rows for {q:?}");
        // Each paragraph once.
        let mut ids: Vec<&String> = records[1..].iter().map(|r| &r[0]).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), records.len() - 1, "duplicate rows for {q:?}");
    }
}

#[tokio::test]
async fn exports_follow_the_filters_of_the_page() {
    let filters = format!("q={}&region={}", enc("医疗"), enc("西藏自治区/昌都市"));
    let (_, page) = get(&format!("/?{filters}&page=2&sort=date")).await;
    assert!(page.contains(&format!(
        "href=\"/export.csv?{}&#38;sort=date\"",
        filters.replace('&', "&#38;")
    )));
    let (_, api) = get_json(&format!("/api/search?{filters}")).await;
    let (status, json) = get_json(&format!("/export.json?{filters}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["total"], api["total"]);
    assert_eq!(json["exported"], api["total"]);
    assert_eq!(json["truncated"], false);
    assert!(page.contains("导出全部结果"));
    let hits = json["hits"].as_array().unwrap();
    assert_eq!(hits.len() as u64, api["total"].as_u64().unwrap());
    for hit in hits {
        let regions = hit["region"].as_array().unwrap();
        assert!(
            regions
                .iter()
                .any(|r| r.as_str().unwrap().starts_with("西藏自治区/昌都市")),
            "{hit}"
        );
    }
    let (_, headers, csv) = fetch(&format!("/export.csv?{filters}")).await;
    assert_eq!(
        headers["x-aidsearch-total"],
        api["total"].to_string().as_str()
    );
    // The file is named after the search (percent-encoded UTF-8 beside an
    // ASCII fallback).
    let disposition = headers[axum::http::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(
        disposition.contains("filename=\"aidsearch-results.csv\""),
        "{disposition}"
    );
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{}", enc("检索-医疗"))),
        "{disposition}"
    );
    let records = csv_records(std::str::from_utf8(&csv[3..]).unwrap());
    assert_eq!(records.len() - 1, hits.len());
    // Bad input to an export is a 400, as on the page.
    let (status, _) = get("/export.csv?page=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Split CSV text into records, honouring quotes.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "CSV ends without CRLF"
    );
    records
}

#[tokio::test]
async fn stylesheet_is_served_cached_and_nothing_comes_from_elsewhere() {
    let (status, headers, body) = fetch("/static/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap();
    assert!(cache.contains("max-age="), "{cache}");
    assert!(String::from_utf8(body).unwrap().contains(":focus-visible"));
    let (_, html) = get(&format!("/?q={}", enc("医疗"))).await;
    let css = attrs(&html, "href")
        .into_iter()
        .find(|h| h.starts_with("/static/style.css?v="))
        .expect("a versioned stylesheet link");
    let (status, _, _) = fetch(&css).await;
    assert_eq!(status, StatusCode::OK);
    for attr in ["href", "src", "action"] {
        for value in attrs(&html, attr) {
            assert!(
                value.starts_with('/') && !value.starts_with("//") || value.starts_with('#'),
                "{attr}={value} points off the site"
            );
        }
    }
}

#[tokio::test]
async fn hostile_text_is_escaped_everywhere() {
    let (_, api) = get_json("/api/search?q=").await;
    let id = api["hits"][0]["report"]["id"].as_str().unwrap().to_string();
    for payload in XSS {
        for url in [
            format!("/?q={}", enc(payload)),
            format!("/?region={}", enc(payload)),
            format!("/?q=x&donor={}&sector={}", enc(payload), enc(payload)),
            format!("/report/{id}?p=1&q={}", enc(payload)),
            format!("/report/{}", enc(payload)),
        ] {
            let (status, html) = get(&url).await;
            assert!(
                status == StatusCode::OK || status == StatusCode::NOT_FOUND,
                "{url}: {status}"
            );
            assert!(!html.contains(payload), "raw payload on {url}");
            // The search page's one script is its own (search-as-you-type).
            let own = html.matches(OWN_SCRIPT).count();
            assert!(own <= 1, "{url}");
            assert!(
                html.matches("<script").count() == own && !html.contains("<img"),
                "element injected on {url}"
            );
            assert!(
                !html.contains("' onmouseover"),
                "attribute injected on {url}"
            );
        }
    }
    // The query shows as the user typed it, escaped once.
    let (_, html) = get(&format!("/?q={}", enc(XSS[1]))).await;
    assert!(html.contains("value=\"&#34;&#62;&#60;img src=x onerror=alert(1)&#62;\""));
}

#[tokio::test]
async fn error_pages_are_friendly_and_in_chinese() {
    for (uri, status, title) in [
        ("/no/such/page", StatusCode::NOT_FOUND, "页面不存在"),
        (
            "/report/no-such-report",
            StatusCode::NOT_FOUND,
            "页面不存在",
        ),
        ("/?q=x&page=abc", StatusCode::BAD_REQUEST, "请求有误"),
        ("/?q=x&page=0", StatusCode::BAD_REQUEST, "请求有误"),
        ("/?q=%FF", StatusCode::BAD_REQUEST, "请求有误"),
        ("/?year=twenty", StatusCode::BAD_REQUEST, "请求有误"),
        ("/?q=x&sort=best", StatusCode::BAD_REQUEST, "请求有误"),
    ] {
        let (got, headers, body) = fetch(uri).await;
        let html = String::from_utf8(body).unwrap();
        assert_eq!(got, status, "{uri}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{uri}"
        );
        assert!(html.contains("lang=\"zh-CN\""), "{uri}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{uri}");
        assert!(html.contains("<a href=\"/\">返回检索首页</a>"), "{uri}");
        assert!(
            html.contains("role=\"search\""),
            "{uri}: a box to search again"
        );
        assert!(
            html.contains(&format!("错误代码 {}", status.as_u16())),
            "{uri}"
        );
    }
    // The detail names the parameter at fault.
    let (_, html) = get("/?q=x&page=abc").await;
    let detail = between(&html, "详细信息：<span>", "</span>");
    assert!(detail.contains("page"), "{detail}");
    // A query longer than the limit.
    let (status, html) = get(&format!("/?q={}", enc(&"援".repeat(300)))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("请求有误"));
}

/// The visible text of an error page's message: the `<main>` element, tags
/// dropped and the few entities askama writes undone.
fn visible_main(html: &str) -> String {
    let main = section(html, "<main", "</main>");
    let mut text = String::new();
    let mut in_tag = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text)
}

/// Three words in a row of ASCII letters, with nothing but spaces and ASCII
/// punctuation between them: an English sentence (a parameter name, like
/// `page` or `date`, may stand alone in Chinese text).
fn english_sentence(text: &str) -> Option<String> {
    let is_word = |w: &&str| {
        let w = w.trim_end_matches([',', '.', ';', ':']);
        !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic())
    };
    text.split(|c: char| !c.is_ascii()).find_map(|ascii| {
        let words: Vec<&str> = ascii.split_whitespace().collect();
        words
            .windows(3)
            .find(|run| run.iter().all(is_word))
            .map(|run| run.join(" "))
    })
}

/// Every error a page can show says so in Chinese: the 400s for each bad
/// parameter (the JSON API keeps its English `message`), the 404s, 414, the
/// 422 of a search past its budget, the 408 of a request past its time
/// limit, and the 503s of too many searches or exports. Before, the page
/// showed the API's English message as its detail.
#[tokio::test]
async fn every_error_page_speaks_chinese() {
    use aidsearch::web::{app, AppState};
    use std::sync::Arc;
    use std::time::Duration;
    // What the check finds (the old detail of `page=abc`), and what it lets be.
    assert!(english_sentence("详细信息： page must be a number, not \"abc\"").is_some());
    assert!(english_sentence("应为 relevance（相关度）、date（日期）").is_none());
    let long_q = enc(&"援".repeat(300));
    let long_uri = format!("/?q={}", "a".repeat(9_000));
    let default = AppState::new(common::live());
    let past_budget =
        AppState::with_budget(common::live(), 4, Duration::from_secs(10), Duration::ZERO);
    let mut past_time_limit =
        AppState::with_budget(common::live(), 4, Duration::ZERO, Duration::from_secs(5));
    // No run slot: the search waits, so the zero time limit always passes
    // first (a search finished before its first poll answered 200 once).
    Arc::get_mut(&mut past_time_limit)
        .expect("not shared yet")
        .run_slots = Arc::new(tokio::sync::Semaphore::new(0));
    let no_slots = AppState::with_limits(common::live(), 0, Duration::from_secs(10));
    let mut no_export_slots = AppState::new(common::live());
    {
        let state = Arc::get_mut(&mut no_export_slots).expect("not shared yet");
        state.export_slots = Arc::new(tokio::sync::Semaphore::new(0));
        state.export_wait = Duration::from_millis(10);
    }
    let cases: Vec<(&Arc<AppState>, String, u16, &str)> = vec![
        (&default, "/no/such/page".into(), 404, "没有这个页面"),
        (&default, "/report/no-such-report".into(), 404, "没有编号为"),
        (&default, "/report/%ff".into(), 400, "报告编号"),
        (&default, "/?q=x&page=abc".into(), 400, "页码（page）"),
        (&default, "/?q=x&page=0".into(), 400, "页码（page）"),
        (&default, "/?q=x&page=200&per_page=100".into(), 400, "页码"),
        (&default, "/?q=x&per_page=500".into(), 400, "每页条数"),
        (
            &default,
            "/?q=x&per_report=some".into(),
            400,
            "每篇报告条数",
        ),
        (&default, "/?q=%FF".into(), 400, "编码有误"),
        (&default, "/?q=%G1".into(), 400, "编码有误"),
        (&default, "/?year=twenty".into(), 400, "年份（year）"),
        (&default, "/?q=x&sort=best".into(), 400, "排序方式"),
        (&default, "/?min_funding=-1".into(), 400, "金额下限"),
        (&default, "/?max_funding=lots".into(), 400, "金额上限"),
        (
            &default,
            format!("/?region={}", enc("鼓楼区")),
            400,
            "个地方共有的名称",
        ),
        (&default, "/?region=%2F".into(), 400, "地区（region）"),
        (&default, "/?report=..%2Fx".into(), 400, "报告编号"),
        (
            &default,
            format!("/?q={long_q}"),
            400,
            "检索词超过 256 个字",
        ),
        (&default, long_uri, 414, "KiB"),
        (&default, "/export.csv?q=x&page=0".into(), 400, "页码"),
        (
            &past_budget,
            format!("/?q={}", enc("超时的检索")),
            422,
            "检索用时超过",
        ),
        (
            &past_time_limit,
            format!("/?q={}", enc("超时的请求")),
            408,
            "请求用时超过",
        ),
        (&no_slots, "/?q=x".into(), 503, "同时进行的检索太多"),
        (
            &no_export_slots,
            format!("/export.csv?q={}", enc("援藏")),
            503,
            "同时进行的导出太多",
        ),
    ];
    for (state, uri, status, chinese) in cases {
        let request = Request::get(&uri).body(Body::empty()).unwrap();
        let (got, headers, body) = send(app(state.clone()), request).await;
        let html = String::from_utf8(body).unwrap();
        assert_eq!(got.as_u16(), status, "{uri}: {html}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{uri}"
        );
        let detail = unescape(&between(&html, "详细信息：<span>", "</span>"));
        assert!(detail.contains(chinese), "{uri}: {detail}");
        let text = visible_main(&html);
        if let Some(english) = english_sentence(&text) {
            panic!("{uri}: English on the page ({english:?}): {text}");
        }
    }
}

/// Filters typed in the query behave like clicked ones (issue #17): chips
/// that remove them from the query, the region's breadcrumb, values folded
/// (traditional, full-width), and a bad value said in Chinese.
#[tokio::test]
async fn typed_filters_are_chips_with_a_breadcrumb() {
    let typed = "援藏 region:日喀則 year:２０２３";
    let (status, html) = get(&format!("/?q={}", enc(typed))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, clicked) = get_json(&format!(
        "/api/search?q={}&region={}&year=2023",
        enc("援藏"),
        enc("西藏自治区/日喀则市")
    ))
    .await;
    assert!(clicked["total"].as_u64().unwrap() > 0);
    assert_eq!(shown_total(&html), clicked["total"].as_u64().unwrap());

    let chips = section(&html, "id=\"chips\"", "</div>");
    assert!(chips.contains("地区：日喀则市"), "{chips}");
    assert!(chips.contains("年份：2023"), "{chips}");
    let hrefs: Vec<String> = attrs(chips, "href").iter().map(|h| unescape(h)).collect();
    // Each chip's link is the query without that filter.
    assert!(
        hrefs.contains(&format!("/?q={}", enc("援藏 year:２０２３"))),
        "{hrefs:?}"
    );
    assert!(
        hrefs.contains(&format!("/?q={}", enc("援藏 region:日喀則"))),
        "{hrefs:?}"
    );
    let crumbs = section(&html, "class=\"breadcrumb\"", "</nav>");
    assert!(
        crumbs.contains("全部地区") && crumbs.contains("西藏自治区"),
        "{crumbs}"
    );
    assert!(crumbs.contains("aria-current=\"location\""), "{crumbs}");

    let (_, html) = get(&format!("/?q={}", enc("援藏 year:abc region:"))).await;
    assert!(
        html.contains("「abc」不是年份"),
        "a bad year is said in Chinese"
    );
    assert!(
        html.contains("「region:」后面没有写值"),
        "an empty field too"
    );
}

/// The report page speaks Chinese about its date (issue #17): a sidecar's
/// English date note ("inferred: …") stays in the API, and the page says
/// the date is inferred.
#[tokio::test]
async fn an_inferred_date_is_said_in_chinese() {
    let id = "2020-zibo-aid-team-ngamring";
    let (_, report) = get_json(&format!("/api/reports/{id}")).await;
    let note = report["date_note"].as_str().unwrap();
    assert!(note.starts_with("inferred"), "the fixture's note: {note}");
    let (status, html) = get(&format!("/report/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let meta = section(&html, "class=\"report-meta\"", "</dl>");
    assert!(meta.contains("日期为推断"), "{meta}");
    assert!(!meta.contains("inferred"), "{meta}");
}

/// Printing (issue #17): a printed result list says what was searched (the
/// search box is hidden in print), and the report's back links are hidden
/// in print although `.report nav.back` sets their display on screen.
#[tokio::test]
async fn printing_shows_the_query_and_hides_navigation() {
    let (_, html) = get(&format!("/?q={}&sector={}", enc("援藏"), enc("医疗卫生"))).await;
    let printed = section(&html, "id=\"print-query\"", "</p>");
    assert!(
        printed.contains("援藏") && printed.contains("领域：医疗卫生"),
        "{printed}"
    );
    let (_, _, css) = fetch("/static/style.css").await;
    let css = String::from_utf8(css).unwrap();
    let print = &css[css.find("@media print").expect("print styles")..];
    let hidden = &print[..print.find("display: none").unwrap()];
    for selector in [".report nav.back", ".searchbox", ".facets", ".pagination"] {
        assert!(hidden.contains(selector), "{selector} printed: {hidden}");
    }
    assert!(print.contains(".print-only { display: block; }"));
}

/// Long facet lists show their top values and the rest behind "更多…"
/// (issue #17), as library catalogues do; a checked value stays in view.
#[tokio::test]
async fn long_facet_lists_put_the_rest_behind_more() {
    use aidsearch::web::views::TOP_VALUES;
    let (_, api) = get_json("/api/search?q=").await;
    let sectors = api_facet(&api, "sector");
    assert!(
        sectors.len() > TOP_VALUES + 1,
        "the seed corpus has {} sectors",
        sectors.len()
    );
    let (_, html) = get("/").await;
    let block = section(&html, "id=\"facet-sector\"", "</section>");
    let (top, more) = block.split_once("<details class=\"more\">").expect("更多…");
    assert_eq!(top.matches("<li>").count(), TOP_VALUES, "{top}");
    assert!(more.contains(&format!("更多…（{}）", sectors.len() - TOP_VALUES)));
    assert_eq!(more.matches("<li>").count(), sectors.len() - TOP_VALUES);
    // Checking the last value keeps it above "更多…".
    let (last, _) = sectors.last().unwrap();
    let (_, html) = get(&format!("/?sector={}", enc(last))).await;
    let block = section(&html, "id=\"facet-sector\"", "</section>");
    let top = block.split("<details").next().unwrap();
    assert!(top.contains("class=\"selected\""), "{top}");
    assert!(top.contains(last.as_str()), "{top}");
}

/// The year chart keeps its size and scrolls (issue #17): it was scaled to
/// the sidebar, so 57 years drew bars 4 px wide; its bars are in pixels.
#[tokio::test]
async fn the_year_chart_scrolls_instead_of_shrinking() {
    let (_, html) = get("/").await;
    let chart = section(&html, "<div class=\"year-scroll\">", "</svg>");
    let years = chart.matches("<a href=").count();
    assert!(years > 1);
    let width = format!("width=\"{}\"", years.max(8) * 30);
    assert!(chart.contains(&width), "{width}: {chart}");
    assert!(!chart.contains("width=\"100%\""));
    assert!(chart.contains("对数"), "the scale is said");
}

/// Search-as-you-type (issue #17) is a script of the site's own over
/// `/api/suggest`, loaded deferred by the search page only, which works
/// without it (a plain GET form); a place suggestion carries its region
/// path so that choosing it filters by region.
#[tokio::test]
async fn search_as_you_type_is_an_enhancement_over_suggest() {
    let (status, headers, body) = fetch("/static/page.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let script = String::from_utf8(body).unwrap();
    assert!(script.contains("/api/suggest"));
    assert!(script.contains("details.more"), "the facet filter box");
    assert!(script.contains("textContent") && !script.contains("innerHTML"));
    let (_, html) = get("/").await;
    assert_eq!(html.matches(OWN_SCRIPT).count(), 1);
    assert!(html.contains("<form class=\"searchbox\" role=\"search\" method=\"get\" action=\"/\">"));
    let (_, report) = get("/report/2020-zibo-aid-team-ngamring").await;
    assert!(!report.contains("<script"), "the report page needs none");

    let (_, suggest) = get_json(&format!("/api/suggest?q={}", enc("日喀"))).await;
    let shigatse = suggest["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["text"] == "日喀则市")
        .unwrap_or_else(|| panic!("{suggest}"));
    assert_eq!(shigatse["kind"], "place");
    assert_eq!(shigatse["path"], "西藏自治区/日喀则市");
    let (_, words) = get_json(&format!("/api/suggest?q={}", enc("援藏"))).await;
    assert!(words["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s.get("path").is_none()));
}

/// The year facet has from–to boxes (issue #17): the range is a removable
/// chip, shown back in the boxes, and a start after the end is said in
/// Chinese.
#[tokio::test]
async fn a_year_range_from_the_boxes_is_a_chip() {
    let url = "/?q=&year_from=2020&year_to=2022";
    let (status, html) = get(url).await;
    assert_eq!(status, StatusCode::OK);
    let api = api_for(url).await;
    assert_eq!(shown_total(&html), api["total"].as_u64().unwrap());
    let block = section(&html, "id=\"facet-year\"", "</section>");
    assert!(
        block.contains("name=\"year_from\" type=\"number\""),
        "{block}"
    );
    assert!(block.contains("value=\"2020\"") && block.contains("value=\"2022\""));
    let chips = section(&html, "id=\"chips\"", "</div>");
    assert!(chips.contains("年份：2020–2022"), "{chips}");
    assert!(attrs(chips, "href").contains(&"/".to_string()), "{chips}");
    // An empty box is no bound (the form sends both).
    let (status, _) = get("/?q=&year_from=&year_to=2022").await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = get("/?q=&year_from=2023&year_to=2020").await;
    assert!(html.contains("起始年份晚于截止年份"));
    // The report's year is listed right under the year chart.
    let after_year = html.split("id=\"facet-year\"").nth(1).unwrap();
    let next = after_year.split("</section>").nth(1).unwrap();
    assert!(
        next.trim_start()
            .starts_with("<section class=\"facet\" id=\"facet-report_year\""),
        "{}",
        &next[..200.min(next.len())]
    );
}

#[tokio::test]
async fn the_report_view_lists_each_report_once_with_its_matching_paragraphs() {
    for q in ["援藏", "医疗", ""] {
        let qs = format!("q={}&view=reports&per_page=100", enc(q));
        let (status, api) = get_json(&format!("/api/search?{qs}")).await;
        assert_eq!(status, StatusCode::OK, "{api}");
        assert!(api["hits"].as_array().unwrap().is_empty(), "{q}");
        let reports = api["reports"].as_array().unwrap();
        assert_eq!(
            reports.len() as u64,
            api["report_total"].as_u64().unwrap(),
            "{q}"
        );
        let mut ids: Vec<&str> = reports
            .iter()
            .map(|r| r["report"]["id"].as_str().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), reports.len(), "{q}: a report listed twice");
        // The counts partition the paragraphs, and each is the report's own.
        let sum: u64 = reports
            .iter()
            .map(|r| r["matching"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, api["total"].as_u64().unwrap(), "{q}");
        for r in reports {
            let id = r["report"]["id"].as_str().unwrap();
            assert_eq!(r["best"]["report"]["id"], r["report"]["id"]);
            let (_, within) =
                get_json(&format!("/api/search?q={}&report={}", enc(q), enc(id))).await;
            assert_eq!(within["total"], r["matching"], "{q} in {id}");
        }
        // The page lists the same reports, in the same order, with links to
        // their paragraphs.
        let (_, html) = get(&format!("/?{qs}")).await;
        assert_eq!(
            html.matches("class=\"hit report-hit\"").count(),
            reports.len()
        );
        let titles: Vec<String> = html
            .split("class=\"hit report-hit\"")
            .skip(1)
            .map(|part| {
                let heading = between(part, "<h3>", "</h3>");
                unescape(&between(&heading, "\">", "</a>"))
            })
            .collect();
        let api_titles: Vec<String> = reports
            .iter()
            .map(|r| r["report"]["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(titles, api_titles, "{q}");
        for r in reports {
            assert!(
                html.contains(&format!("本报告 {} 段相关", r["matching"])),
                "{q}: {}",
                r["report"]["id"]
            );
        }
        assert!(html.contains(&format!(
            "共 <strong id=\"report-total\">{}</strong> 篇报告",
            reports.len()
        )));
    }
}

#[tokio::test]
async fn browsing_without_words_groups_reports_and_shows_their_leads() {
    let (_, html) = get("/").await;
    let (_, api) = get_json("/api/search?view=reports&sort=date").await;
    let reports = api["reports"].as_array().unwrap();
    assert!(reports.len() >= 5, "the seed corpus has five reports");
    assert_eq!(
        html.matches("class=\"hit report-hit\"").count(),
        reports.len().min(10)
    );
    // A report stands for itself by its lead, not its title line or a
    // section heading.
    for r in reports {
        let best = &r["best"];
        assert_eq!(best["kind"], "paragraph", "{}", r["report"]["id"]);
        assert!(
            best["text"].as_str().unwrap().chars().count() >= 40,
            "{}",
            best["text"]
        );
    }
    // The toggle switches to paragraphs, and the URL says so.
    let view = section(&html, "id=\"view\"", "</nav>");
    assert!(
        view.contains("<strong aria-current=\"true\">报告</strong>"),
        "{view}"
    );
    assert_eq!(attrs(view, "href"), ["/?view=paragraphs"]);
    let (_, paragraphs) = get("/?view=paragraphs").await;
    assert!(!paragraphs.contains("report-hit"));
    assert_eq!(paragraphs.matches("class=\"hit\"").count(), 10);
}
