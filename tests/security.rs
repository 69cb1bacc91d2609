//! Hostile input through the JSON API and the HTML pages (issue 8): script
//! payloads come back escaped wherever they appear (query box, snippets,
//! facet values, titles, report highlights, error pages), and report ids
//! that try path traversal are answered 404 without reading anything;
//! pathological queries are answered or refused within the time budget.
//!
//! The payloads live in a report of its own (text, title, source and a
//! sector facet value from its sidecar), indexed beside the seed corpus, so
//! they reach every place corpus text is shown, not only the query echo.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aidsearch::index::build::reindex;
use aidsearch::index::{current_generation, generation_dir};
use aidsearch::search::LiveEngine;
use aidsearch::web::{app, AppState};
use axum::body::Body;
use axum::http::{Request, StatusCode};

const XSS: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "</mark><script>alert(1)</script>",
    "'><svg onload=alert(1)>",
];

/// Text that must never reach a page outside the index: a file beside it.
const CANARY: &str = "CANARY-5e1b9c-never-served";

struct Hostile {
    dir: tempfile::TempDir,
    live: Arc<LiveEngine>,
}

/// The seed corpus plus a report made of payloads, indexed once.
fn hostile() -> &'static Hostile {
    static HOSTILE: OnceLock<Hostile> = OnceLock::new();
    HOSTILE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        for entry in std::fs::read_dir(common::corpus_dir()).unwrap() {
            let path = entry.unwrap().path();
            std::fs::write(
                corpus.join(path.file_name().unwrap()),
                std::fs::read(&path).unwrap(),
            )
            .unwrap();
        }
        let mut text = String::from("援藏工作纪实\n\n");
        for payload in XSS {
            text.push_str(&format!(
                "援藏资金支持学校建设，{payload} 援藏医疗队进驻。\n\n"
            ));
        }
        std::fs::write(corpus.join("hostile.txt"), text).unwrap();
        std::fs::write(
            corpus.join("hostile.toml"),
            r#"title = "援藏<script>alert(1)</script>标题\"><img src=x onerror=alert(1)>"
source = "</mark><script>alert(1)</script>"
date = "2021"
sector = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]
"#,
        )
        .unwrap();
        let root = dir.path().join("index");
        reindex(&corpus, &root).unwrap();
        // Canaries where a careless lookup by id might read: beside the
        // corpus, in the index root and inside the live generation.
        let generation = generation_dir(&root, current_generation(&root).unwrap().unwrap());
        for place in [dir.path(), root.as_path(), generation.as_path()] {
            for name in ["canary", "canary.txt", "canary.json"] {
                std::fs::write(place.join(name), CANARY).unwrap();
            }
        }
        let live = Arc::new(LiveEngine::open(&root).unwrap());
        Hostile { dir, live }
    })
}

fn tmp_dir() -> PathBuf {
    hostile().dir.path().to_path_buf()
}

/// GET through the router over the hostile index; status, content type, body.
async fn get(uri: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let (status, headers, body) =
        common::send(app(AppState::new(hostile().live.clone())), request).await;
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).to_string(),
    )
}

/// The tags of an HTML page: name and attributes (name, value), read the way
/// a browser tokenizes them (quoted values may hold anything but their quote).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with("!--") {
            rest = rest.find("-->").map_or("", |end| &rest[end + 3..]);
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
            .collect();
        let mut chars = rest[name.len()..].char_indices().peekable();
        let mut attributes = Vec::new();
        let mut end = rest.len();
        loop {
            while chars
                .next_if(|(_, c)| c.is_whitespace() || *c == '/')
                .is_some()
            {}
            let Some(&(at, c)) = chars.peek() else { break };
            if c == '>' {
                end = name.len() + at + 1;
                break;
            }
            let mut attr = String::new();
            while let Some((_, c)) =
                chars.next_if(|(_, c)| !c.is_whitespace() && !"=>/".contains(*c))
            {
                attr.push(c);
            }
            let mut value = String::new();
            if chars.next_if(|(_, c)| *c == '=').is_some() {
                match chars.peek().map(|(_, c)| *c) {
                    Some(q @ ('"' | '\'')) => {
                        chars.next();
                        for (_, c) in chars.by_ref() {
                            if c == q {
                                break;
                            }
                            value.push(c);
                        }
                    }
                    _ => {
                        while let Some((_, c)) =
                            chars.next_if(|(_, c)| !c.is_whitespace() && *c != '>')
                        {
                            value.push(c);
                        }
                    }
                }
            }
            if attr.is_empty() && value.is_empty() {
                chars.next();
            } else {
                attributes.push((attr.to_lowercase(), value));
            }
        }
        out.push((name.to_lowercase(), attributes));
        rest = &rest[end.min(rest.len())..];
    }
    out
}

/// The one script element of the pages' own: search-as-you-type on the
/// search page, from the site, with no inline code.
const OWN_SCRIPT: [(&str, &str); 2] = [("src", "/static/page.js"), ("defer", "")];

/// Fails when an HTML body holds markup that a payload could have made: a
/// script, image, frame or object element, an event-handler attribute, or a
/// `javascript:` URL. The pages have none of their own but [`OWN_SCRIPT`].
fn assert_inert_html(uri: &str, body: &str) {
    let mut own_scripts = 0;
    for (name, attributes) in tags(body) {
        let own = name == "script"
            && attributes
                .iter()
                .map(|(a, v)| (a.as_str(), v.as_str()))
                .eq(OWN_SCRIPT);
        own_scripts += usize::from(own);
        assert!(own_scripts <= 1, "{uri}: the page's own script twice");
        assert!(
            own || !["script", "img", "iframe", "object", "embed", "base",]
                .contains(&name.as_str()),
            "{uri}: a <{name}> element in the page"
        );
        for (attr, value) in attributes {
            assert!(
                !attr.starts_with("on"),
                "{uri}: <{name} {attr}=…> in the page"
            );
            let url = value.trim().to_lowercase();
            let is_url = ["href", "src", "action", "formaction", "xlink:href", "data"]
                .contains(&attr.as_str());
            assert!(
                !is_url || (!url.starts_with("javascript:") && !url.starts_with("data:")),
                "{uri}: <{name} {attr}={value:?}> in the page"
            );
        }
    }
    // Only the page's own marks: every `<mark>` is closed by a `</mark>`.
    let lower = body.to_lowercase();
    assert_eq!(
        lower.matches("<mark>").count(),
        lower.matches("</mark>").count(),
        "{uri}: unbalanced marks"
    );
}

#[test]
fn the_tag_reader_sees_what_a_browser_would() {
    let found = tags(
        r#"<p title="&#34;&#62;onerror=x">a</p><img src=x onerror=alert(1)><a href='javascript:1'>"#,
    );
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["p", "/p", "img", "a"]);
    assert_eq!(
        found[0].1,
        [("title".to_string(), "&#34;&#62;onerror=x".to_string())]
    );
    assert_eq!(
        found[2].1[1],
        ("onerror".to_string(), "alert(1)".to_string())
    );
    assert_eq!(found[3].1[0].1, "javascript:1");
}

/// Snippets hold escaped text and `<mark>` tags only.
fn assert_escaped_snippet(snippet: &str) {
    let bare = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !bare.contains('<') && !bare.contains('>'),
        "unescaped markup in snippet {snippet:?}"
    );
}

#[tokio::test]
async fn script_payloads_in_corpus_text_come_back_escaped_in_json_snippets() {
    for q in [
        "援藏资金",
        "alert",
        "script",
        "onerror",
        "javascript",
        "援藏",
    ] {
        let uri = format!(
            "/api/search?q={}&report=hostile&per_page=50",
            common::enc(q)
        );
        let (status, content_type, body) = get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert!(content_type.starts_with("application/json"), "{uri}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let hits = json["hits"].as_array().unwrap();
        if q == "援藏资金" {
            assert!(hits.len() >= XSS.len(), "{uri}: {json}");
        }
        for hit in hits {
            assert_escaped_snippet(hit["snippet"].as_str().unwrap());
        }
        if q == "alert" {
            // The payloads survived cleaning and reach the snippets, escaped.
            let escaped = hits
                .iter()
                .filter_map(|h| h["snippet"].as_str())
                .filter(|s| s.contains("&lt;") || s.contains("&#60;") || s.contains("&#x3c;"))
                .count();
            assert!(escaped >= 3, "{uri}: {json}");
        }
    }
    // The report endpoint's highlighted paragraphs too, with a hostile `q`.
    for payload in XSS {
        let uri = format!("/api/reports/hostile?q={}", common::enc(payload));
        let (status, content_type, body) = get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert!(content_type.starts_with("application/json"));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let paragraphs = json["paragraphs"].as_array().unwrap();
        assert!(!paragraphs.is_empty());
        for paragraph in paragraphs {
            if let Some(snippet) = paragraph.get("snippet").and_then(|s| s.as_str()) {
                assert_escaped_snippet(snippet);
            }
        }
    }
}

#[tokio::test]
async fn script_payloads_are_escaped_on_every_page() {
    let mut uris = Vec::new();
    for payload in XSS {
        let p = common::enc(payload);
        // The query box, the result list (hostile title, source, snippets,
        // facet values), a selected hostile facet value, the report page's
        // highlight, and error pages that echo the input.
        uris.push(format!("/?q={p}"));
        uris.push(format!("/?q={}&report=hostile", common::enc("援藏")));
        uris.push(format!("/?q={p}&sector={p}"));
        uris.push(format!("/?sector={p}"));
        uris.push(format!("/?q={p}&region={p}&donor={p}&year={p}"));
        uris.push(format!("/report/hostile?q={p}"));
        uris.push(format!(
            "/report/hostile?q={}&back={p}",
            common::enc("援藏")
        ));
        uris.push(format!("/report/2020-zibo-aid-team-ngamring?q={p}"));
        uris.push(format!("/?q=x&page={p}"));
        uris.push(format!("/?q=x&sort={p}"));
        uris.push(format!("/report/{p}"));
        uris.push(format!("/nowhere/{p}"));
    }
    // Same-site `back` links only: no scheme, no protocol-relative URL.
    for back in [
        "javascript:alert(1)",
        "//evil.example/",
        "/\\evil.example",
        "JaVaScRiPt:alert(1)",
    ] {
        uris.push(format!("/report/hostile?back={}", common::enc(back)));
    }
    let mut sector_shown = false;
    for uri in &uris {
        let (status, content_type, body) = get(uri).await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{uri}: {status}"
        );
        assert!(
            content_type.starts_with("text/html"),
            "{uri}: {content_type}"
        );
        assert_inert_html(uri, &body);
        assert!(!body.contains("evil.example"), "{uri}: off-site link");
        sector_shown |= body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || body.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || body.contains("&#60;script&#62;");
    }
    // The payloads did reach the pages, escaped (not silently dropped).
    assert!(sector_shown, "no escaped payload seen on any page");
}

#[tokio::test]
async fn traversal_ids_are_not_found_and_nothing_is_read() {
    let tmp = tmp_dir();
    let absolute = |path: &Path| aidsearch::web::params::encode(&path.display().to_string());
    let mut ids: Vec<String> = [
        "..",
        "../",
        "..%2f",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%2E%2E%2F%2E%2E%2Fcanary.txt",
        "..%5c..%5cetc%5cpasswd",
        "..%2fcanary",
        "..%2f..%2fcanary.txt",
        "%2fetc%2fpasswd",
        "%2Fetc%2Fpasswd",
        "%252e%252e%252fetc%252fpasswd",
        "....%2f%2fetc%2fpasswd",
        "..;%2fetc%2fpasswd",
        "%00",
        "canary%00",
        "hostile%00.txt",
        "..%00%2fetc%2fpasswd",
        "canary",
        "canary.txt",
        "canary.json",
        ".canary",
        "meta.json",
        "titles.txt",
        "CURRENT",
        "%2e",
        "~root",
        "hostile%2f..%2f..%2fcanary",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    ids.push(absolute(&tmp.join("canary.txt")));
    ids.push(absolute(&tmp.join("index").join("canary")));
    ids.push(absolute(Path::new("/etc/passwd")));
    let passwd = std::fs::read_to_string("/etc/passwd").ok();
    let mut checked = 0;
    for id in &ids {
        for prefix in ["/report/", "/api/reports/"] {
            let uri = format!("{prefix}{id}");
            let (status, content_type, body) = get(&uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
            assert!(!body.contains(CANARY), "{uri} served the canary");
            assert!(!body.contains("root:x:0:0"), "{uri} served /etc/passwd");
            if let Some(passwd) = &passwd {
                let first = passwd.lines().next().unwrap_or_default();
                assert!(first.is_empty() || !body.contains(first), "{uri}");
            }
            if prefix.starts_with("/api") {
                assert!(content_type.starts_with("application/json"), "{uri}");
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(json["error"]["code"], "not_found", "{uri}: {json}");
            } else {
                assert!(content_type.starts_with("text/html"), "{uri}");
                assert_inert_html(&uri, &body);
            }
            checked += 1;
        }
    }
    // Paths that leave the route (more segments) are not found either.
    for uri in [
        "/report/../../etc/passwd",
        "/report/..%2f../canary.txt",
        "/api/reports/../../etc/passwd",
        "/api/reports/hostile/../../canary",
        "/report//etc/passwd",
        "/api/reports//etc/passwd",
        "/static/../canary.txt",
        "/static/..%2fcanary.txt",
        "/static/style.css/../../canary",
    ] {
        let (status, _, body) = get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert!(!body.contains(CANARY), "{uri} served the canary");
        checked += 1;
    }
    // Bytes that are not UTF-8 are refused before any lookup.
    for id in ["%c0%ae%c0%ae%2fetc%2fpasswd", "%ff%fe", "%e0%80%ae"] {
        for prefix in ["/report/", "/api/reports/"] {
            let uri = format!("{prefix}{id}");
            let (status, _, body) = get(&uri).await;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{uri}: {status}"
            );
            assert!(!body.contains(CANARY), "{uri} served the canary");
            checked += 1;
        }
    }
    // A real id still works, so the refusals above are not a broken route.
    let (status, _, _) = get("/api/reports/hostile").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = get("/report/hostile").await;
    assert_eq!(status, StatusCode::OK);
    println!("{checked} traversal requests refused");
}

#[tokio::test]
async fn pathological_queries_are_answered_or_refused_never_failed() {
    // Queries built to be expensive or confusing: every limit at its edge
    // and just past it, operators without operands, long phrases of the
    // commonest words, deep facet paths.
    let common_words = "援藏 资金 医疗 教育 干部 项目 建设 工作 推进 发展 ".repeat(4);
    let queries: Vec<String> = vec![
        "的".repeat(256),
        "的".repeat(257),
        format!("\"{}\"", "援藏资金".repeat(60)),
        common_words
            .trim()
            .split(' ')
            .take(32)
            .collect::<Vec<_>>()
            .join(" "),
        common_words
            .trim()
            .split(' ')
            .take(33)
            .collect::<Vec<_>>()
            .join(" "),
        common_words
            .trim()
            .split(' ')
            .take(32)
            .collect::<Vec<_>>()
            .join(" OR "),
        "OR ".repeat(80),
        "- ".repeat(100),
        "\" ".repeat(120),
        "region:".repeat(30),
        "-援藏 ".repeat(32),
        "援".to_string() + &"\u{301}".repeat(200),
        "\u{202e}援藏\u{200b}\u{feff}".repeat(20),
    ];
    // The fixture's index is built by the first request that needs it:
    // build it first, so the budget below times requests, not that build.
    let _ = hostile();
    let mut slowest = std::time::Duration::ZERO;
    for q in &queries {
        for uri in [
            format!("/api/search?q={}", common::enc(q)),
            format!("/?q={}", common::enc(q)),
            format!("/api/search?q={}&sort=funding&per_page=100", common::enc(q)),
            format!("/api/reports/hostile?q={}", common::enc(q)),
        ] {
            let started = std::time::Instant::now();
            let (status, _, body) = get(&uri).await;
            slowest = slowest.max(started.elapsed());
            assert!(
                status == StatusCode::OK
                    || status == StatusCode::BAD_REQUEST
                    || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{uri}: {status} {body}"
            );
        }
    }
    // 33 region filters, each a deep path: refused, not slow.
    let many = (0..33)
        .map(|i| {
            format!(
                "region={}",
                common::enc(&format!("西藏自治区/日喀则市/{i}"))
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let (status, _, _) = get(&format!("/api/search?q=援藏&{many}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    println!("slowest pathological request: {slowest:?}");
    assert!(slowest < aidsearch::web::SEARCH_BUDGET);
}

/// Found by the `query` fuzz target, both by libFuzzer and by the smoke run
/// (inputs in `fuzz/regressions/query/`): a query whose only clause is an
/// excluded phrase, such as `-"电商扶贫"` or ` -"组团式医疗" -`, trips a debug
/// assertion in tantivy 0.27's `PhraseScorer::seek_danger`
/// (quickwit-oss/tantivy#2811) when the phrase has no match in a segment.
/// Builds with debug assertions (`cargo test`, `cargo run`) answered 500; a
/// release build answered correctly, since the assertion was the only fault.
/// `src/search` now hands tantivy excluded queries behind a plain-seek
/// wrapper (`PlainSeek`), which never calls the asserting `seek_danger`.
#[tokio::test]
async fn an_excluded_phrase_alone_is_answered_not_a_500() {
    for q in ["-\"电商扶贫\"", " -\"组团式医疗\" -", "-“援藏资金”"] {
        for uri in [
            format!("/api/search?q={}", common::enc(q)),
            format!("/?q={}", common::enc(q)),
        ] {
            let (status, _, body) = get(&uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        }
    }
}
