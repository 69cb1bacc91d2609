//! The JSON API through the router (no socket, except where the timeout
//! needs a slow client): every endpoint, every error code, and the OpenAPI
//! description checked against real responses.
//!
//! The OpenAPI check sends each request of [`cases`] through the router,
//! finds the operation and response the spec documents for its path, method
//! and status, and validates the body against that response's schema. The
//! published schemas leave objects open for forward compatibility; here
//! every object is closed (`additionalProperties: false`), so a field the
//! server sends but the spec does not list fails the test, and `required`
//! makes a documented field that disappears fail it too.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::time::Duration;

use aidsearch::web::error::Code;
use aidsearch::web::{AppState, MAX_BODY, MAX_QUERY_STRING};
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};

use common::{enc, get_json, send};

/// One request and what came back.
struct Exchange {
    method: Method,
    uri: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Exchange {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {} gave non-JSON ({e}): {}",
                self.method,
                self.uri,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} {} → {} {}",
            self.method,
            clip(&self.uri),
            self.status,
            clip(&String::from_utf8_lossy(&self.body))
        )
    }
}

fn clip(s: &str) -> String {
    s.chars().take(300).collect()
}

async fn exchange(app: Router, method: Method, uri: &str, body: Option<&[u8]>) -> Exchange {
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let request = builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_vec())))
        .expect("request");
    let (status, headers, body) = send(app, request).await;
    Exchange {
        method,
        uri: uri.to_string(),
        status,
        headers,
        body,
    }
}

async fn get(uri: &str) -> Exchange {
    exchange(common::app(), Method::GET, uri, None).await
}

async fn post(body: &str) -> Exchange {
    exchange(
        common::app(),
        Method::POST,
        "/api/search",
        Some(body.as_bytes()),
    )
    .await
}

/// Assert an error response: status, code, the parameter named, JSON type.
fn assert_error(x: &Exchange, status: StatusCode, code: &str, param: Option<&str>) {
    assert_eq!(x.status, status, "{}", x.describe());
    assert_eq!(
        x.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{}",
        x.describe()
    );
    let body = x.json();
    assert_eq!(body["error"]["code"], code, "{}", x.describe());
    let message = body["error"]["message"].as_str().expect("message");
    assert!(!message.is_empty());
    assert_eq!(
        message.chars().next().map(char::is_uppercase),
        Some(false),
        "messages are lowercase: {message}"
    );
    if let Some(param) = param {
        assert_eq!(body["error"]["param"], param, "{}", x.describe());
        assert!(
            message.contains(param),
            "the message names {param}: {message}"
        );
    }
}

// # Endpoints

#[tokio::test]
async fn post_search_answers_what_get_answers() {
    let get_form = get(&format!(
        "/api/search?q={}&year=2020&year=2022&per_page=5&sort=date",
        enc("援藏")
    ))
    .await;
    let post_form =
        post(r#"{"q": "援藏", "year": ["2020", "2022"], "per_page": 5, "sort": "date"}"#).await;
    assert_eq!(get_form.status, StatusCode::OK, "{}", get_form.describe());
    assert_eq!(post_form.status, StatusCode::OK, "{}", post_form.describe());
    let (mut a, mut b) = (get_form.json(), post_form.json());
    a["took_ms"] = json!(0);
    b["took_ms"] = json!(0);
    assert_eq!(a, b);
    assert!(a["total"].as_u64().unwrap() > 0);
    assert_eq!(a["hits"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_report_has_its_metadata_and_every_paragraph_with_facets() {
    let id = "2020-zibo-aid-team-ngamring";
    let x = get(&format!("/api/reports/{id}?q={}", enc("昂仁"))).await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.describe());
    let report = x.json();
    assert_eq!(report["id"], id);
    assert!(!report["title"].as_str().unwrap().is_empty());
    assert_eq!(report["date"], "2020-07");
    let paragraphs = report["paragraphs"].as_array().unwrap();
    assert!(paragraphs.len() > 5);
    for (i, p) in paragraphs.iter().enumerate() {
        assert_eq!(p["paragraph"], i + 1, "paragraphs in order");
        assert_eq!(p["report"]["id"], id);
        for facet in ["region", "donor", "sector", "year", "funding"] {
            assert!(p[facet].is_array(), "{facet} in {p}");
        }
    }
    assert!(
        paragraphs.iter().any(|p| p["region"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().ends_with("昂仁县"))),
        "a paragraph is about 昂仁县"
    );
    assert!(
        paragraphs
            .iter()
            .any(|p| p["snippet"].as_str().unwrap().contains("<mark>昂仁")),
        "q marks matches"
    );
}

#[tokio::test]
async fn facet_trees_nest_regions_and_agree_with_search_counts() {
    let (status, trees) = get_json(&format!("/api/facets?sector={}", enc("医疗卫生"))).await;
    assert_eq!(status, StatusCode::OK, "{trees}");
    let (_, search) = get_json(&format!("/api/search?q=&sector={}", enc("医疗卫生"))).await;
    assert_eq!(trees["total"], search["total"]);
    let regions = trees["region"].as_array().unwrap();
    let tibet = regions
        .iter()
        .find(|n| n["value"] == "西藏自治区")
        .expect("西藏自治区 at the top");
    let prefectures = tibet["children"].as_array().expect("prefectures");
    assert!(!prefectures.is_empty());
    fn check(node: &Value) {
        let count = node["count"].as_u64().unwrap();
        let value = node["value"].as_str().unwrap();
        assert!(value.ends_with(node["label"].as_str().unwrap()));
        for child in node["children"].as_array().into_iter().flatten() {
            assert!(
                child["count"].as_u64().unwrap() <= count,
                "{child} under {value}"
            );
            assert!(
                child["value"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{value}/")),
                "{child} under {value}"
            );
            check(child);
        }
    }
    for node in regions.iter().chain(trees["donor"].as_array().unwrap()) {
        check(node);
    }
    // A prefecture picked from the tree narrows the search to its count.
    let shigatse = &prefectures[0];
    let (_, narrowed) = get_json(&format!(
        "/api/search?q=&sector={}&region={}",
        enc("医疗卫生"),
        enc(shigatse["value"].as_str().unwrap())
    ))
    .await;
    assert_eq!(narrowed["total"], shigatse["count"]);
    // Years are flat and in order.
    let years: Vec<&str> = trees["year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["value"].as_str().unwrap())
        .collect();
    let mut sorted = years.clone();
    sorted.sort();
    assert_eq!(years, sorted);
}

/// `/api/facets` and `/api/search` decide what a query matches in one place:
/// a long query with few paragraphs holding every word is filled with
/// most-words paragraphs in both, so totals and counts agree.
#[tokio::test]
async fn facet_trees_count_what_a_filled_search_finds() {
    for q in ["农牧民在家门口就业", "援藏干部 医疗 学校 资金"] {
        let (_, search) = get_json(&format!("/api/search?q={}", enc(q))).await;
        let (status, trees) = get_json(&format!("/api/facets?q={}", enc(q))).await;
        assert_eq!(status, StatusCode::OK, "{trees}");
        assert!(
            search["exact_total"].as_u64() < search["total"].as_u64(),
            "{q} should be filled: {search}"
        );
        assert_eq!(trees["total"], search["total"], "{q}");
        let counts = |list: &Value| -> Vec<(String, u64)> {
            let mut v: Vec<(String, u64)> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    (
                        n["value"].as_str().unwrap().to_string(),
                        n["count"].as_u64().unwrap(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            counts(&trees["year"]),
            counts(&search["facets"]["year"]),
            "{q}"
        );
        assert_eq!(
            counts(&trees["sector"]),
            counts(&search["facets"]["sector"]),
            "{q}"
        );
    }
}

#[tokio::test]
async fn suggest_completes_words_places_and_titles() {
    let (status, body) = get_json(&format!("/api/suggest?q={}", enc("援藏"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["query"], "援藏");
    let suggestions = body["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty(), "{body}");
    for s in suggestions {
        let text = s["text"].as_str().unwrap();
        assert!(text.contains("援藏"), "{s}");
        assert!(["word", "place", "title"].contains(&s["kind"].as_str().unwrap()));
    }
    let (_, places) = get_json(&format!("/api/suggest?q={}", enc("日喀"))).await;
    assert!(
        places["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["text"] == "日喀则市" && s["kind"] == "place"),
        "{places}"
    );
    let (_, limited) = get_json(&format!("/api/suggest?q={}&limit=2", enc("援"))).await;
    assert_eq!(limited["suggestions"].as_array().unwrap().len(), 2);
    let (_, empty) = get_json("/api/suggest?q=").await;
    assert_eq!(empty["suggestions"], json!([]));
}

#[tokio::test]
async fn health_and_readiness() {
    let (status, body) = get_json("/healthz").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let engine = common::engine();
    let (status, body) = get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["generation"], engine.generation);
    assert_eq!(body["documents"], engine.num_docs());
    let hash = body["content_hash"].as_str().expect("a content hash");
    assert_eq!(hash.len(), 64);
    assert_eq!(
        hash,
        aidsearch::index::content_hash(&engine.dir).unwrap(),
        "the hash is the generation's, recomputed the same"
    );
}

/// A replica asked to stop says so to the balancer at once (503 on
/// `/readyz`), still answers searches, and asks clients to reconnect;
/// every answer, error or not, names the generation that gave it.
#[tokio::test]
async fn a_draining_server_is_not_ready_but_still_answers() {
    let state = aidsearch::web::AppState::new(common::live());
    let app = aidsearch::web::app(state.clone());
    let generation = common::engine().generation.to_string();
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    for uri in ["/readyz", "/api/search?q=援藏", "/api/nowhere", "/"] {
        let uri = uri.replace("援藏", &common::enc("援藏"));
        let (_, headers, _) = common::send(app.clone(), get(&uri)).await;
        assert_eq!(
            headers["x-aidsearch-generation"],
            generation.as_str(),
            "{uri}"
        );
        assert!(headers.get(header::CONNECTION).is_none());
    }
    state
        .draining
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let (status, headers, body) = common::send(app.clone(), get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "draining");
    assert_eq!(headers[header::CONNECTION], "close");
    let search = format!("/api/search?q={}", common::enc("援藏"));
    let (status, headers, _) = common::send(app, get(&search)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONNECTION], "close");
    assert_eq!(headers["x-aidsearch-generation"], generation.as_str());
}

#[tokio::test]
async fn responses_are_gzipped_when_the_client_accepts_it() {
    let request = Request::get("/api/search?q=")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(common::app(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut text)
        .expect("valid gzip");
    let value: Value = serde_json::from_str(&text).expect("JSON inside");
    assert!(value["total"].as_u64().unwrap() > 0);
    // Without Accept-Encoding, plain JSON.
    let x = get("/api/search?q=").await;
    assert!(x.headers.get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_clients() {
    let x = get("/healthz").await;
    assert!(x.headers["x-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req-"));
    let request = Request::get("/api/nope")
        .header("x-request-id", "dashboard-42")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(common::app(), request).await;
    assert_eq!(headers["x-request-id"], "dashboard-42");
}

// # Errors

#[tokio::test]
async fn unknown_report_is_404() {
    let x = get("/api/reports/no-such-report").await;
    assert_error(&x, StatusCode::NOT_FOUND, "not_found", None);
    let x = get("/api/reports/..%2F..%2Fetc").await;
    assert_error(&x, StatusCode::NOT_FOUND, "not_found", None);
    let long = "a".repeat(500);
    let x = get(&format!("/api/reports/{long}")).await;
    assert_error(&x, StatusCode::NOT_FOUND, "not_found", None);
    assert!(x.body.len() < 400, "the id is not echoed in full");
}

#[tokio::test]
async fn unknown_api_paths_are_json_404() {
    for path in [
        "/api",
        "/api/",
        "/api/nope",
        "/api/search/extra",
        "/api/reports",
    ] {
        let x = get(path).await;
        assert_error(&x, StatusCode::NOT_FOUND, "not_found", None);
    }
}

#[tokio::test]
async fn wrong_method_is_json_405_with_allow() {
    for (method, path, allow) in [
        (Method::DELETE, "/api/search", "GET,HEAD,POST"),
        (Method::POST, "/api/facets", "GET,HEAD"),
        (Method::PUT, "/api/reports/x", "GET,HEAD"),
        (Method::POST, "/readyz", "GET,HEAD"),
    ] {
        let x = exchange(common::app(), method, path, None).await;
        assert_error(
            &x,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        );
        assert_eq!(x.headers[header::ALLOW], allow, "{}", x.describe());
    }
}

#[tokio::test]
async fn bad_parameters_are_400_naming_them() {
    for (uri, param) in [
        ("/api/search?q=x&page=0", "page"),
        ("/api/search?q=x&per_page=abc", "per_page"),
        ("/api/search?q=x&sort=best", "sort"),
        ("/api/search?year=20x0", "year"),
        ("/api/search?colour=red", "colour"),
        ("/api/search?min_funding=-5", "min_funding"),
        ("/api/search?report=..%2Fx", "report"),
        ("/api/facets?page=2", "page"),
        ("/api/facets?year=1", "year"),
        ("/api/suggest?limit=0", "limit"),
        ("/api/suggest?limit=many", "limit"),
        ("/api/suggest?prefix=x", "prefix"),
        ("/api/reports/x?highlight=y", "highlight"),
    ] {
        assert_error(
            &get(uri).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            Some(param),
        );
    }
    let long = enc(&"援".repeat(257));
    for uri in [
        format!("/api/search?q={long}"),
        format!("/api/facets?q={long}"),
        format!("/api/suggest?q={long}"),
    ] {
        assert_error(
            &get(&uri).await,
            StatusCode::BAD_REQUEST,
            "query_too_long",
            Some("q"),
        );
    }
}

#[tokio::test]
async fn place_names_that_several_places_share_are_400_listing_them() {
    for (uri, param, path) in [
        (
            "/api/search?region=鼓楼区",
            "region",
            "福建省/福州市/鼓楼区",
        ),
        ("/api/search?q=援藏&donor=朝阳区", "donor", "北京市/朝阳区"),
        (
            "/api/facets?region=城关区",
            "region",
            "西藏自治区/拉萨市/城关区",
        ),
    ] {
        let (path_part, query) = uri.split_once('?').unwrap();
        let query: Vec<String> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                format!("{k}={}", enc(v))
            })
            .collect();
        let x = get(&format!("{path_part}?{}", query.join("&"))).await;
        assert_error(&x, StatusCode::BAD_REQUEST, "bad_parameter", Some(param));
        let message = x.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains(path), "{message}");
        assert!(message.contains("paths"), "{message}");
    }
    // A path, a path of names, or a name only one place has is fine.
    for value in [
        "福建省/福州市/鼓楼区",
        "福州/鼓楼区",
        "拉萨/城关区",
        "日喀则",
    ] {
        let x = get(&format!("/api/search?q=x&region={}", enc(value))).await;
        assert_eq!(x.status, StatusCode::OK, "{value}: {}", x.describe());
    }
    // Typed in the query, where nothing is an error, it means any of them.
    let x = get(&format!("/api/search?q={}", enc("援藏 region:城关区"))).await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.describe());
}

#[tokio::test]
async fn bad_percent_encoding_and_invalid_utf8_are_400() {
    for (uri, param) in [
        ("/api/search?q=%FF%FE", "q"),
        ("/api/search?q=%E6%8F", "q"),
        ("/api/search?q=%zz", "q"),
        ("/api/search?q=abc%", "q"),
        ("/api/search?region=%C0%AF", "region"),
        ("/api/facets?q=%FF", "q"),
        ("/api/suggest?q=%E6", "q"),
        ("/api/reports/x?q=%FF", "q"),
    ] {
        assert_error(
            &get(uri).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            Some(param),
        );
    }
    // In the path, too.
    assert_error(
        &get("/api/reports/%FF%FE").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        Some("id"),
    );
}

#[tokio::test]
async fn bad_post_bodies_are_400() {
    for body in ["{bad", "", "[\"q\"]", "\"援藏\"", "{\"q\": \"x\"} trailing"] {
        assert_error(&post(body).await, StatusCode::BAD_REQUEST, "bad_json", None);
    }
    for (body, param) in [
        (r#"{"q": "x", "colour": "red"}"#, "colour"),
        (r#"{"page": "two"}"#, "page"),
        (r#"{"region": {"name": "西藏自治区"}}"#, "region"),
        (r#"{"min_funding": "很多"}"#, "min_funding"),
        (r#"{"per_page": 0}"#, "per_page"),
        (r#"{"sort": "best"}"#, "sort"),
        (r#"{"max_funding": -1}"#, "max_funding"),
        (r#"{"q": null}"#, "q"),
    ] {
        assert_error(
            &post(body).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            Some(param),
        );
    }
    let long = format!(r#"{{"q": "{}"}}"#, "援".repeat(300));
    assert_error(
        &post(&long).await,
        StatusCode::BAD_REQUEST,
        "query_too_long",
        Some("q"),
    );
}

#[tokio::test]
async fn oversized_input_is_413_or_414() {
    let body = format!(r#"{{"q": "{}"}}"#, "a".repeat(MAX_BODY));
    assert_error(
        &post(&body).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        None,
    );
    let long = "a".repeat(MAX_QUERY_STRING + 1);
    for path in ["/api/search", "/api/facets", "/api/suggest"] {
        let x = get(&format!("{path}?q={long}")).await;
        assert_error(&x, StatusCode::URI_TOO_LONG, "uri_too_long", None);
    }
}

#[tokio::test]
async fn a_full_house_is_503_with_retry_after() {
    let full = aidsearch::web::app(AppState::with_limits(
        common::live(),
        0,
        Duration::from_secs(10),
    ));
    for (method, uri, body) in [
        (Method::GET, "/api/search?q=x".to_string(), None),
        (Method::POST, "/api/search".to_string(), Some(&b"{}"[..])),
        (Method::GET, "/api/facets".to_string(), None),
        (
            Method::GET,
            "/api/reports/2020-zibo-aid-team-ngamring".to_string(),
            None,
        ),
    ] {
        let x = exchange(full.clone(), method, &uri, body).await;
        assert_error(&x, StatusCode::SERVICE_UNAVAILABLE, "overloaded", None);
        assert_eq!(x.headers[header::RETRY_AFTER], "1");
    }
}

/// A handler that panics answers 500 `internal` in the error shape, with
/// its request id, and the next request is served as usual: the panic is
/// caught around the handlers, not left to drop the connection.
#[tokio::test]
async fn a_panicking_handler_is_a_json_500() {
    async fn panics() -> &'static str {
        panic!("a handler fault with secret detail")
    }
    let routes = Router::new().route("/api/panic", axum::routing::get(panics));
    let app = aidsearch::web::with_middleware(routes, AppState::new(common::live()));
    let x = exchange(app.clone(), Method::GET, "/api/panic", None).await;
    assert_error(&x, StatusCode::INTERNAL_SERVER_ERROR, "internal", None);
    assert_eq!(x.json()["error"]["message"], "internal error");
    assert!(
        !String::from_utf8_lossy(&x.body).contains("secret"),
        "{}",
        x.describe()
    );
    assert!(x.headers.contains_key("x-request-id"), "{}", x.describe());
    let again = exchange(app, Method::GET, "/api/panic", None).await;
    assert_eq!(again.status, StatusCode::INTERNAL_SERVER_ERROR);
    // The real application is built with the same stack.
    let healthy = get("/healthz").await;
    assert_eq!(healthy.status, StatusCode::OK, "{}", healthy.describe());
}

/// A client that sends half its body and stalls gets 408 after the timeout.
/// Needs a socket: the router answers in-process requests too fast to time out.
async fn stalled_post(timeout: Duration) -> Exchange {
    let app = aidsearch::web::app(AppState::with_limits(common::live(), 4, timeout));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let raw = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(
                b"POST /api/search HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                  content-length: 100\r\nconnection: close\r\n\r\n{\"q\": ",
            )
            .unwrap();
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .expect("the server answers before the client gives up");
        raw
    })
    .await
    .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response");
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(": ").unwrap();
        headers.insert(
            header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    Exchange {
        method: Method::POST,
        uri: "/api/search".into(),
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test]
async fn a_stalled_request_times_out_with_408() {
    let started = std::time::Instant::now();
    let x = stalled_post(Duration::from_millis(200)).await;
    assert_error(&x, StatusCode::REQUEST_TIMEOUT, "request_timeout", None);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

// # OpenAPI

/// The spec as the server serves it.
async fn spec() -> Value {
    let x = get("/api/openapi.json").await;
    assert_eq!(x.status, StatusCode::OK);
    x.json()
}

/// Close every object schema that lists properties, so undocumented fields fail.
fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for v in map.values_mut() {
                close_objects(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// Follow a local `$ref` (`#/components/...`) once.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {pointer}")),
        None => value,
    }
}

/// Validate `instance` against `schema` (a schema object of the spec, which
/// may refer to `#/components/schemas/...`). Returns the errors.
fn schema_errors(closed_spec: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut root = schema.as_object().cloned().unwrap_or_default();
    root.insert("components".into(), closed_spec["components"].clone());
    let validator = jsonschema::draft202012::new(&Value::Object(root))
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// The spec's path template that matches a concrete path (`/api/reports/{id}`).
fn path_template<'a>(spec: &'a Value, path: &str) -> Option<&'a str> {
    spec["paths"].as_object()?.keys().find_map(|template| {
        let a: Vec<&str> = template.split('/').collect();
        let b: Vec<&str> = path.split('/').collect();
        (a.len() == b.len()
            && a.iter()
                .zip(&b)
                .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p))
        .then_some(template.as_str())
    })
}

/// Check one exchange against the spec; returns the name of the response
/// object it exercised (for coverage).
fn check_against_spec(spec: &Value, closed: &Value, x: &Exchange) -> String {
    let path = x.uri.split('?').next().unwrap();
    let operation = path_template(spec, path).and_then(|t| {
        spec["paths"][t]
            .get(x.method.as_str().to_lowercase())
            .map(|op| (t, op))
    });
    let (name, response) = match operation {
        Some((template, op)) => {
            let code = x.status.as_str();
            let (key, response) = match op["responses"].get(code) {
                Some(r) => (code, r),
                None => ("default", &op["responses"]["default"]),
            };
            assert!(
                !response.is_null(),
                "{template} {} documents no {code} response: {}",
                x.method,
                x.describe()
            );
            let name = match response.get("$ref").and_then(Value::as_str) {
                Some(r) => r.rsplit('/').next().unwrap().to_string(),
                None => format!("{} {template} {key}", x.method),
            };
            (name, resolve(spec, response))
        }
        // Not an operation: only the documented 404 and 405 may answer.
        None => {
            let name = match x.status {
                StatusCode::NOT_FOUND => "NotFound",
                StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
                other => panic!("undocumented operation answered {other}: {}", x.describe()),
            };
            (name.to_string(), &spec["components"]["responses"][name])
        }
    };
    for header_name in response["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        assert!(
            x.headers.contains_key(header_name.as_str()),
            "{name} documents header {header_name}: {}",
            x.describe()
        );
    }
    let content_type = x
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap();
    let media = response["content"]
        .get(media_type)
        .unwrap_or_else(|| panic!("{name} documents no {content_type}: {}", x.describe()));
    // JSON is checked against its schema; a CSV export and an error page
    // are strings, and the CSV's first line is the export's header row.
    let instance = match media_type {
        "application/json" => x.json(),
        _ => {
            let text = String::from_utf8(x.body.clone())
                .unwrap_or_else(|e| panic!("{name}: not UTF-8 ({e}): {}", x.describe()));
            if media_type == "text/csv" {
                let head = format!("\u{FEFF}{}\r\n", aidsearch::web::export::csv_header());
                assert!(text.starts_with(&head), "{name}: {}", x.describe());
            }
            Value::String(text)
        }
    };
    let errors = schema_errors(closed, &media["schema"], &instance);
    assert!(
        errors.is_empty(),
        "{name}: the response does not match the spec:\n  {}\n{}\n\
         (update src/web/openapi.json when the JSON changes)",
        errors.join("\n  "),
        x.describe()
    );
    name
}

/// Requests that between them reach every documented response.
fn cases() -> Vec<(Method, String, Option<String>)> {
    let g = |uri: String| (Method::GET, uri, None);
    let p = |body: &str| {
        (
            Method::POST,
            "/api/search".to_string(),
            Some(body.to_string()),
        )
    };
    let long = "a".repeat(MAX_QUERY_STRING + 1);
    vec![
        g(format!("/api/search?q={}", enc("饮用水检测"))),
        g(format!("/api/search?q={}&per_page=3", enc("医疗援藏"))),
        g(format!("/api/search?q={}", enc("农牧民在家门口就业"))),
        g(format!("/api/search?q={}", enc("大骨节病"))),
        g(format!(
            "/api/search?sector={}&min_funding=9&max_funding=1",
            enc("医疗")
        )),
        g("/api/search?q=&sort=funding&min_funding=1000000".into()),
        g(format!(
            "/api/search?q=&donor={}&sort=date&page=2&per_page=5",
            enc("山东省")
        )),
        g(format!(
            "/api/search?q={}&region={}&year=2020",
            enc("援藏"),
            enc("西藏自治区/日喀则市")
        )),
        g(format!("/api/search?q={}", enc("\"援藏"))),
        g(format!("/api/search?q={}", enc("援藏 year:abc region:"))),
        g("/api/search?q=&year_from=2023&year_to=2020".into()),
        g(format!("/api/search?q={}", enc(&"援藏 拉萨 ".repeat(20)))),
        g("/api/search?q=%FF".into()),
        g("/api/search?per_page=500".into()),
        g(format!("/api/search?q={long}")),
        p(r#"{"q": "援藏", "sector": ["医疗卫生"], "per_report": 0}"#),
        p("{}"),
        p("{bad"),
        p(r#"{"colour": 1}"#),
        p(&format!(r#"{{"q": "{}"}}"#, "a".repeat(MAX_BODY))),
        g("/api/reports/2020-zibo-aid-team-ngamring".into()),
        g(format!(
            "/api/reports/2022-chongqing-aid-cadres-chamdo?q={}",
            enc("昌都")
        )),
        g("/api/reports/no-such-report".into()),
        g("/api/reports/%FF".into()),
        g("/api/facets".into()),
        g(format!(
            "/api/facets?q={}&sector={}",
            enc("援藏"),
            enc("医疗卫生")
        )),
        g(format!("/api/facets?region={}", enc("西藏自治区/昌都市"))),
        g("/api/facets?per_page=1".into()),
        g(format!("/api/facets?q={long}")),
        g(format!("/api/suggest?q={}", enc("援藏"))),
        g(format!("/api/suggest?q={}&limit=3", enc("日喀"))),
        g("/api/suggest?q=".into()),
        g("/api/suggest?limit=0".into()),
        g(format!("/api/suggest?q={long}")),
        g(format!("/export.csv?q={}&per_page=3", enc("援藏"))),
        g(format!("/export.csv?min_funding={}", enc("很多"))),
        g(format!(
            "/export.json?q={}&region={}",
            enc("援藏"),
            enc("日喀则")
        )),
        g("/export.json?page=0".into()),
        g(format!("/export.json?q={long}")),
        g("/healthz".into()),
        g("/readyz".into()),
        g("/api/openapi.json".into()),
        g("/api/no-such-endpoint".into()),
        (Method::DELETE, "/api/search".into(), None),
        (Method::POST, "/api/reports/x".into(), None),
    ]
}

#[tokio::test]
async fn real_responses_match_the_openapi_description() {
    let spec = spec().await;
    let mut closed = spec.clone();
    close_objects(&mut closed);
    let mut covered = BTreeSet::new();
    for (method, uri, body) in cases() {
        let x = exchange(
            common::app(),
            method,
            &uri,
            body.as_deref().map(str::as_bytes),
        )
        .await;
        covered.insert(check_against_spec(&spec, &closed, &x));
    }
    // The responses only a loaded or slow server gives.
    let full = aidsearch::web::app(AppState::with_limits(
        common::live(),
        0,
        Duration::from_secs(10),
    ));
    for uri in ["/api/search?q=x", "/export.json?q=x", "/export.csv?q=x"] {
        let x = exchange(full.clone(), Method::GET, uri, None).await;
        assert_eq!(
            x.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            x.describe()
        );
        covered.insert(check_against_spec(&spec, &closed, &x));
    }
    let x = stalled_post(Duration::from_millis(100)).await;
    covered.insert(check_against_spec(&spec, &closed, &x));
    let stopping = AppState::new(common::live());
    stopping
        .draining
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let x = exchange(aidsearch::web::app(stopping), Method::GET, "/readyz", None).await;
    covered.insert(check_against_spec(&spec, &closed, &x));
    // A server with an access file: no key (401), and a key that may
    // search but not count facets (403).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(aidsearch::access::FILE);
    let mut config = aidsearch::access::AccessConfig::new().unwrap();
    let key = config
        .create_key("api", &[], &[aidsearch::access::Action::Search], 3600)
        .unwrap();
    aidsearch::access::write(&file, &config).unwrap();
    let guarded = || {
        let access = aidsearch::access::AccessFile::open(&file).unwrap();
        aidsearch::web::app(AppState::with_access(
            common::live(),
            std::sync::Arc::new(access),
            None,
        ))
    };
    let x = exchange(guarded(), Method::GET, "/api/search?q=x", None).await;
    assert_eq!(x.status, StatusCode::UNAUTHORIZED, "{}", x.describe());
    covered.insert(check_against_spec(&spec, &closed, &x));
    let bearer: header::HeaderValue = format!("Bearer {key}").parse().unwrap();
    let keyed = guarded().layer(axum::middleware::map_request(
        move |mut request: Request<Body>| {
            let bearer = bearer.clone();
            async move {
                request.headers_mut().insert(header::AUTHORIZATION, bearer);
                request
            }
        },
    ));
    let x = exchange(keyed, Method::GET, "/api/facets", None).await;
    assert_eq!(x.status, StatusCode::FORBIDDEN, "{}", x.describe());
    covered.insert(check_against_spec(&spec, &closed, &x));

    // Every documented response was exercised, except the generic one (500).
    let mut documented = BTreeSet::new();
    for (template, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, response) in op["responses"].as_object().unwrap() {
                match response.get("$ref").and_then(Value::as_str) {
                    Some(r) => documented.insert(r.rsplit('/').next().unwrap().to_string()),
                    None => {
                        documented.insert(format!("{} {template} {code}", method.to_uppercase()))
                    }
                };
            }
        }
    }
    documented.extend(
        spec["components"]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned(),
    );
    documented.remove("Error");
    let missed: Vec<_> = documented.difference(&covered).collect();
    assert!(missed.is_empty(), "no case exercises {missed:?}");
}

#[tokio::test]
async fn the_description_lists_exactly_the_parameters_and_codes_the_server_knows() {
    let spec = spec().await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["info"]["version"], env!("CARGO_PKG_VERSION"));
    let names = |path: &str| -> Vec<String> {
        let mut names: Vec<String> = spec["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| resolve(&spec, p)["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let sorted = |list: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(
        names("/api/search"),
        sorted(&aidsearch::web::params::SEARCH_PARAMS)
    );
    assert_eq!(
        names("/api/facets"),
        sorted(&aidsearch::web::params::FACET_PARAMS)
    );
    let body_fields: Vec<String> = {
        let mut v: Vec<String> = spec["components"]["schemas"]["SearchRequest"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    };
    assert_eq!(body_fields, sorted(&aidsearch::web::params::SEARCH_PARAMS));
    for export in ["/export.csv", "/export.json"] {
        assert_eq!(
            names(export),
            sorted(&aidsearch::web::params::EXPORT_PARAMS),
            "{export}"
        );
    }
    let codes: Vec<&str> = spec["components"]["schemas"]["Error"]["properties"]["error"]
        ["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        Code::ALL.iter().map(|c| c.name()).collect::<Vec<_>>()
    );
}

/// Paths of the router that are pages for people, which the OpenAPI
/// document leaves out.
const PAGE_ROUTES: [&str; 6] = [
    "/",
    "/report/{id}",
    "/static/style.css",
    "/static/page.js",
    "/login",
    "/logout",
];

/// The routes `aidsearch::web::routes` registers, as (path, method), read
/// from its source: axum cannot list a router's routes, and a test that
/// probes a fixed list would miss the route added next. Routes of the
/// router nested under `/api` get that prefix.
fn registered_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/web/mod.rs");
    let body = source
        .split_once("pub fn routes()")
        .expect("routes() in src/web/mod.rs")
        .1;
    let body = &body[..body.find("\n}\n").expect("end of routes()")];
    // `let api = …;` first, then the top-level router that nests it.
    let (api, rest) = body
        .split_once("let api = ")
        .and_then(|(_, after)| after.split_once(';'))
        .expect("routes() builds the API router first");
    assert!(rest.contains(".nest(\"/api\", api)"), "{rest}");
    let mut routes = BTreeSet::new();
    for (prefix, part) in [("/api", api), ("", rest)] {
        for call in part.split(".route(\"").skip(1) {
            let (path, handlers) = call.split_once('"').unwrap();
            let handlers = handlers.split(")\n").next().unwrap();
            for method in ["get", "post", "put", "delete", "patch"] {
                if handlers.contains(&format!("{method}(")) {
                    routes.insert((format!("{prefix}{path}"), method.to_string()));
                }
            }
        }
    }
    assert!(
        routes.len() > 10,
        "routes() read from its source: {routes:?}"
    );
    routes
}

/// Every route but the pages is in the OpenAPI document with its methods,
/// and the document describes no route the server lacks.
#[tokio::test]
async fn every_route_is_in_the_openapi_description() {
    let spec = spec().await;
    let routes: BTreeSet<(String, String)> = registered_routes()
        .into_iter()
        .filter(|(path, _)| !PAGE_ROUTES.contains(&path.as_str()))
        .collect();
    let documented: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "not in openapi.json: {undocumented:?}"
    );
    let stale: Vec<_> = documented.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "openapi.json describes no route: {stale:?}"
    );
    for page in PAGE_ROUTES {
        assert!(
            registered_routes().iter().any(|(p, _)| p == page),
            "{page} is no longer a route"
        );
    }
}

/// The request schema and the server agree on which bodies are valid.
#[tokio::test]
async fn the_request_schema_accepts_what_the_server_accepts() {
    let spec = spec().await;
    let schema = json!({"$ref": "#/components/schemas/SearchRequest"});
    for (body, ok) in [
        (json!({}), true),
        (json!({"q": "援藏"}), true),
        (
            json!({"q": "援藏", "region": ["西藏自治区"], "year": ["2020"], "page": 2, "per_page": 100}),
            true,
        ),
        (
            json!({"sort": "funding", "min_funding": 1e8, "max_funding": null, "report": null, "per_report": 0}),
            true,
        ),
        (json!({"report": "2020-zibo-aid-team-ngamring"}), true),
        (json!({"colour": "red"}), false),
        (json!({"q": 1}), false),
        (json!({"q": null}), false),
        // One value where a list is expected, and numbers for years, are
        // taken as staff and scripts write them.
        (json!({"region": "西藏自治区"}), true),
        (json!({"year": [2023], "min_funding": "1亿"}), true),
        (json!({"year_from": 2015, "year_to": "2020"}), true),
        (json!({"year_from": 3000}), false),
        (json!({"year_to": "abc"}), false),
        (json!({"region": {"name": "西藏自治区"}}), false),
        (json!({"year": ["20"]}), false),
        (json!({"page": 0}), false),
        (json!({"per_page": 101}), false),
        (json!({"sort": "best"}), false),
        (json!({"min_funding": -1}), false),
        (json!({"q": "援".repeat(257)}), false),
        (json!({"region": [""]}), false),
        (json!({"region": vec!["x"; 33]}), false),
    ] {
        let schema_ok = schema_errors(&spec, &schema, &body).is_empty();
        assert_eq!(schema_ok, ok, "schema on {body}");
        let x = post(&body.to_string()).await;
        assert_eq!(
            x.status == StatusCode::OK,
            ok,
            "server on {body}: {}",
            x.describe()
        );
    }
}

#[tokio::test]
async fn the_spec_is_served_as_json_and_every_ref_resolves() {
    let spec = spec().await;
    fn walk(spec: &Value, v: &Value) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    assert!(r.starts_with("#/"), "external ref {r}");
                    assert!(spec.pointer(&r[1..]).is_some(), "dangling ref {r}");
                }
                map.values().for_each(|v| walk(spec, v));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(spec, v)),
            _ => {}
        }
    }
    walk(&spec, &spec);
    // Every schema compiles as JSON Schema 2020-12 (schema_errors panics if not).
    for schema in spec["components"]["schemas"].as_object().unwrap().values() {
        schema_errors(&spec, schema, &json!(null));
    }
}

/// Search-as-you-type latency. Run with
/// `cargo test --release --test api -- --ignored --nocapture suggest_latency`.
#[tokio::test]
#[ignore = "a measurement, meaningful only in a release build"]
async fn suggest_latency() {
    // SUGGEST_INDEX=path measures another index (say, one whose titles.txt
    // holds the 75k titles of the scale corpus).
    let engine = match std::env::var_os("SUGGEST_INDEX") {
        Some(root) => std::sync::Arc::new(aidsearch::search::Engine::open(root.as_ref()).unwrap()),
        None => common::engine(),
    };
    println!("{} titles", engine.titles().len());
    for prefix in [
        "援",
        "援藏",
        "日喀",
        "医疗",
        "x",
        "乡村振兴战略",
        "无此前缀qqq",
    ] {
        let rounds = 2000;
        let started = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..rounds {
            n += aidsearch::search::complete::complete(&engine, prefix, 10, &Default::default())
                .len();
        }
        let per_call = started.elapsed() / rounds;
        println!(
            "complete({prefix:?}): {per_call:?} per call, {} suggestions",
            n / rounds as usize
        );
    }
    let app = common::app();
    let rounds = 2000;
    let uri = format!("/api/suggest?q={}", enc("援藏"));
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        let request = Request::get(uri.as_str()).body(Body::empty()).unwrap();
        let (status, _, _) = send(app.clone(), request).await;
        assert_eq!(status, StatusCode::OK);
    }
    println!(
        "GET /api/suggest through the router: {:?} per request",
        started.elapsed() / rounds
    );
}

/// Staff write amounts with 万 and 亿 (issue #17): the API takes them in the
/// query string and in a POST body, and the answer gives amounts in whole
/// yuan. A POST may give one value where a list is expected, and years as
/// numbers.
#[tokio::test]
async fn amounts_in_wan_and_yi_and_loose_post_shapes() {
    let (status, yi) = get_json(&format!("/api/search?q=&min_funding={}", enc("1亿"))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, plain) = get_json("/api/search?q=&min_funding=100000000").await;
    assert_eq!(yi["total"], plain["total"]);
    assert!(yi["total"].as_u64().unwrap() > 0);
    for hit in yi["hits"].as_array().unwrap() {
        let amounts = hit["funding"].as_array().unwrap();
        assert!(amounts.iter().all(|a| a.is_u64()), "{amounts:?}");
        assert!(amounts.iter().any(|a| a.as_u64().unwrap() >= 100_000_000));
    }
    let (status, bad) = get_json(&format!("/api/search?min_funding={}", enc("很多"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["param"], "min_funding", "{bad}");

    let post = |body: &str| {
        Request::post("/api/search")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, _, body) = common::send(
        common::app(),
        post(r#"{"q": "援藏", "donor": "山东省", "year": [2023], "min_funding": "500万"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let loose: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let (_, strict) = get_json(&format!(
        "/api/search?q={}&donor={}&year=2023&min_funding=5000000",
        enc("援藏"),
        enc("山东省")
    ))
    .await;
    assert_eq!(loose["total"], strict["total"]);
    assert!(loose["total"].as_u64().unwrap() > 0);
}

/// The dashboard of user story 4, served from another origin, may call the
/// API when the operator allows its origin (`--cors-origin`): a preflight
/// is answered and answers carry the CORS headers. By default there are
/// none, and a preflight is the 405 of any unknown method.
#[tokio::test]
async fn cors_only_for_the_configured_origins() {
    let dashboard = "https://dashboard.example.org";
    let preflight = || {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/search")
            .header(header::ORIGIN, dashboard)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .body(Body::empty())
            .unwrap()
    };
    let search = |origin: &str| {
        Request::get(format!("/api/search?q={}", enc("援藏")))
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };

    let (status, headers, _) = common::send(common::app(), preflight()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let (status, headers, _) = common::send(common::app(), search(dashboard)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

    let mut state = AppState::new(common::live());
    std::sync::Arc::get_mut(&mut state).unwrap().cors_origins = vec![dashboard.to_string()];
    let app = aidsearch::web::app(state);
    let (status, headers, _) = common::send(app.clone(), preflight()).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], dashboard);
    assert!(headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap()
        .contains("GET"));
    let (status, headers, _) = common::send(app.clone(), search(dashboard)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], dashboard);
    assert!(headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .contains("x-aidsearch-generation"));
    // Another origin gets no permission.
    let (_, headers, _) = common::send(app, search("https://elsewhere.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

/// Filter values that match nothing answer 200 with zero hits and say why
/// (issue #17), naming close known values; a contradictory amount range
/// too. Valid filters give no warning.
#[tokio::test]
async fn filters_that_cannot_match_are_warned_about() {
    let (status, r) = get_json(&format!(
        "/api/search?q={}&sector={}&region=Shigatse",
        enc("援藏"),
        enc("医疗")
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["total"], 0);
    let warnings = r["warnings"].as_array().unwrap();
    let by_param = |p: &str| {
        warnings
            .iter()
            .find(|w| w["param"] == p)
            .unwrap_or_else(|| panic!("{p}: {warnings:?}"))
    };
    assert_eq!(by_param("sector")["code"], "unknown_value");
    assert!(by_param("sector")["did_you_mean"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "医疗卫生"));
    assert_eq!(by_param("region")["value"], "Shigatse");

    let (_, r) = get_json("/api/search?min_funding=5000000&max_funding=100").await;
    assert_eq!(r["warnings"][0]["code"], "empty_range");

    // Typed in the query: a year that is no year, a field with no value.
    let (status, r) = get_json(&format!("/api/search?q={}", enc("援藏 year:abc region:"))).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<(&str, &str)> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["param"].as_str().unwrap(), w["code"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("year", "bad_value")), "{codes:?}");
    assert!(codes.contains(&("region", "empty_value")), "{codes:?}");

    let (_, r) = get_json(&format!(
        "/api/search?q={}&sector={}&region={}",
        enc("援藏"),
        enc("医疗卫生"),
        enc("日喀则")
    ))
    .await;
    assert_eq!(r["warnings"], json!([]));
    assert!(r["total"].as_u64().unwrap() > 0);

    let (_, page) = common::get(&format!("/?q={}&sector={}", enc("援藏"), enc("医疗"))).await;
    assert!(
        page.contains("没有段落的领域是「医疗」"),
        "the page says it in Chinese"
    );
    assert!(page.contains("医疗卫生"));
}

/// A year range (issue #17): `year_from`..`year_to` finds what the years
/// in it find, ANDed with chosen years; open at either end; a start after
/// its end is warned about; bad years are 400s naming the parameter; POST
/// takes numbers or strings.
#[tokio::test]
async fn a_year_range_filters_like_its_years() {
    let total = |uri: String| async move {
        let (status, r) = get_json(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {r}");
        (r["total"].as_u64().unwrap(), r)
    };
    let (range, _) = total("/api/search?q=&year_from=2020&year_to=2022".into()).await;
    let (years, _) = total("/api/search?q=&year=2020&year=2021&year=2022".into()).await;
    assert_eq!(range, years);
    assert!(range > 0);
    let (from, _) = total("/api/search?q=&year_from=2023".into()).await;
    let (after, _) = total("/api/search?q=&year=2023&year=2024".into()).await;
    assert_eq!(
        from, after,
        "open at the end (the seed's years stop at 2024)"
    );
    // A chosen year and the range both hold: a paragraph about 2019 and a
    // later year.
    let (both, r) = total("/api/search?q=&year=2019&year_from=2020&per_page=100".into()).await;
    let (y2019, _) = total("/api/search?q=&year=2019".into()).await;
    assert!(both < y2019, "{both} of {y2019}");
    for hit in r["hits"].as_array().unwrap() {
        let years: Vec<&str> = hit["year"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y.as_str().unwrap())
            .collect();
        assert!(
            years.contains(&"2019") && years.iter().any(|y| *y >= "2020"),
            "{years:?}"
        );
    }
    let (none, r) = total("/api/search?q=&year_from=2023&year_to=2020".into()).await;
    assert_eq!(none, 0);
    assert_eq!(r["warnings"][0]["code"], "empty_range");
    assert_eq!(r["warnings"][0]["param"], "year_from");
    for bad in ["year_from=abc", "year_to=3000"] {
        let x = get(&format!("/api/search?{bad}")).await;
        let param = bad.split('=').next().unwrap();
        assert_error(&x, StatusCode::BAD_REQUEST, "bad_parameter", Some(param));
    }
    let posted = post(r#"{"year_from": "2020", "year_to": 2022}"#).await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.describe());
    assert_eq!(posted.json()["total"].as_u64().unwrap(), range);
}
