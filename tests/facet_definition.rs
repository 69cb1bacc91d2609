//! The facets are defined once, in `facet::FacetKind`; everything a client
//! sees of them must follow that table. For every kind in
//! `FacetKind::ALL`: the OpenAPI description declares its parameter and
//! its keys, a serialized request has its key, and a real `/api/search`
//! answer (through the router, no socket) carries its counts and its values
//! on every hit.

mod common;

use aidsearch::facet::FacetKind;
use aidsearch::search::SearchRequest;
use serde_json::Value;

use common::{enc, get_json};

/// The served OpenAPI document.
async fn spec() -> Value {
    let (status, spec) = get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    spec
}

/// Follow a local `$ref` (`#/components/...`) to what it names.
fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {pointer}")),
        None => node,
    }
}

/// The property names of a component schema.
fn properties<'a>(spec: &'a Value, schema: &str) -> Vec<&'a str> {
    spec["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema} has no properties"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn the_openapi_spec_declares_every_facet() {
    let spec = spec().await;
    let parameters: Vec<&str> = spec["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .expect("/api/search lists its parameters")
        .iter()
        .map(|p| resolve(&spec, p))
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str())
        .collect();
    let hit = properties(&spec, "Hit");
    let counts = properties(&spec, "Facets");
    for kind in FacetKind::ALL {
        let param = kind.param();
        assert!(
            parameters.contains(&param),
            "/api/search does not declare the query parameter {param}: {parameters:?}"
        );
        assert!(hit.contains(&param), "Hit has no {param}: {hit:?}");
        assert!(counts.contains(&param), "Facets has no {param}: {counts:?}");
    }
}

#[test]
fn a_serialized_request_has_every_facet() {
    let value = serde_json::to_value(SearchRequest::default()).unwrap();
    let object = value
        .as_object()
        .expect("a request serializes as an object");
    for kind in FacetKind::ALL {
        assert!(
            object.contains_key(kind.param()),
            "{kind:?}: no key {} in {value}",
            kind.param()
        );
    }
}

#[tokio::test]
async fn search_answers_carry_every_facet() {
    let (status, body) = get_json(&format!("/api/search?q={}&per_page=20", enc("援藏"))).await;
    assert_eq!(status, 200, "{body}");
    let facets = body["facets"].as_object().expect("facets is an object");
    let hits = body["hits"].as_array().expect("hits is an array");
    assert!(!hits.is_empty(), "援藏 finds nothing in the seed corpus");
    for kind in FacetKind::ALL {
        let param = kind.param();
        assert!(
            facets.get(param).is_some_and(Value::is_array),
            "facets has no list {param}: {:?}",
            facets.keys().collect::<Vec<_>>()
        );
        for hit in hits {
            assert!(
                hit.get(param).is_some_and(Value::is_array),
                "hit {} has no list {param}",
                hit["id"]
            );
        }
    }
}

/// The reindex summary's coverage and `aidsearch stats` name every facet:
/// they are the remaining places that spell facet names out, so a facet
/// added to `FacetKind` fails here until they follow.
#[test]
fn coverage_and_stats_name_every_facet() {
    let coverage = serde_json::to_value(aidsearch::index::build::coverage(&[])).expect("json");
    let stats = serde_json::to_value(
        aidsearch::search::stats(&common::engine()).expect("stats of the seed index"),
    )
    .expect("json");
    for kind in FacetKind::ALL {
        assert!(
            coverage.get(kind.param()).is_some(),
            "reindex coverage lacks {}: {coverage}",
            kind.param()
        );
        let top = format!("top_{}", kind.param());
        assert!(stats.get(&top).is_some(), "stats lack {top}: {stats}");
    }
}
