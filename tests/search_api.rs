//! The JSON search contract of README.md, through the router.

mod common;

use axum::http::StatusCode;
use common::{enc, get, get_json};

#[tokio::test]
async fn a_query_with_hits_marks_them() {
    let (status, body) = get_json(&format!("/api/search?q={}", enc("饮用水检测"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["total"].as_u64().unwrap() >= 1, "{body}");
    let hits = body["hits"].as_array().unwrap();
    let first = &hits[0];
    for key in [
        "id",
        "report",
        "paragraph",
        "text",
        "snippet",
        "score",
        "region",
        "sector",
        "year",
    ] {
        assert!(first.get(key).is_some(), "hit lacks {key}: {first}");
    }
    assert!(first["report"]["id"].is_string() && first["report"]["title"].is_string());
    assert!(
        hits.iter()
            .any(|h| h["text"].as_str().unwrap().contains("饮用水")),
        "{body}"
    );
    assert!(
        first["snippet"].as_str().unwrap().contains("<mark>"),
        "{first}"
    );
    assert!(body["took_ms"].is_number());
    assert_eq!(body["page"], 1);
    assert_eq!(body["per_page"], 10);
}

#[tokio::test]
async fn a_query_with_no_hits_is_empty_not_an_error() {
    let (status, body) = get_json(&format!("/api/search?q={}", enc("大骨节病"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 0, "{body}");
    assert_eq!(body["hits"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_empty_query_lists_everything() {
    let engine = common::engine();
    let (status, body) = get_json("/api/search?q=&per_page=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"].as_u64().unwrap(), engine.num_docs());
    assert_eq!(body["hits"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn every_facet_value_narrows_to_its_count() {
    let (_, all) = get_json("/api/search?q=").await;
    for facet in ["region", "sector", "year", "donor"] {
        let values = all["facets"][facet].as_array().unwrap();
        assert!(!values.is_empty(), "no {facet} values");
        for v in values.iter().take(6) {
            let value = v["value"].as_str().unwrap();
            let (status, narrowed) =
                get_json(&format!("/api/search?q=&{facet}={}", enc(value))).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(narrowed["total"], v["count"], "{facet}={value}");
        }
    }
}

#[tokio::test]
async fn filters_or_within_and_across_facets() {
    let (_, all) = get_json("/api/search?q=").await;
    let years = all["facets"]["year"].as_array().unwrap();
    let (a, b) = (&years[0], &years[1]);
    let (_, either) = get_json(&format!(
        "/api/search?q=&year={}&year={}",
        a["value"].as_str().unwrap(),
        b["value"].as_str().unwrap()
    ))
    .await;
    assert!(
        either["total"].as_u64().unwrap()
            >= a["count"]
                .as_u64()
                .unwrap()
                .max(b["count"].as_u64().unwrap())
    );
    let (_, both) = get_json(&format!(
        "/api/search?q=&year={}&sector={}",
        a["value"].as_str().unwrap(),
        enc("医疗卫生")
    ))
    .await;
    assert!(both["total"].as_u64().unwrap() <= a["count"].as_u64().unwrap());
}

#[tokio::test]
async fn unknown_facet_value_gives_zero_hits() {
    let (status, body) = get_json(&format!("/api/search?q=&region={}", enc("火星"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 0);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter() {
    for (query, param) in [
        ("q=x&page=0", "page"),
        ("q=x&page=abc", "page"),
        ("q=x&per_page=101", "per_page"),
        ("q=x&per_page=-1", "per_page"),
        ("q=x&year=twenty", "year"),
        ("q=x&sort=best", "sort"),
        ("q=%FF", "q"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = get_json(&format!("/api/search?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"]["code"].is_string(), "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(param),
            "{query}: {body}"
        );
    }
    let long = "援".repeat(300);
    let (status, body) = get_json(&format!("/api/search?q={}", enc(&long))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "query_too_long");
}

#[tokio::test]
async fn html_page_renders_hits_and_facets() {
    let (status, html) = get(&format!("/?q={}", enc("电子商务"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<mark>"), "no highlight");
    assert!(
        html.contains("id=\"facet-region\"")
            && html.contains("id=\"facet-sector\"")
            && html.contains("id=\"facet-year\"")
    );
    assert!(html.contains("昌都市"), "region facet value missing");
    assert!(html.contains("共 <strong id=\"total\">"));
    assert!(html.contains("lang=\"zh-CN\""));
}

#[tokio::test]
async fn html_page_escapes_user_text() {
    for payload in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
    ] {
        let (status, html) = get(&format!("/?q={}", enc(payload))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(payload), "unescaped payload in page");
        assert!(!html.contains("<img src=x"), "unescaped payload in page");
    }
}
