//! JSON endpoints. Each parses its input, calls the library, and serializes
//! the library's own types, so the JSON is exactly what `aidsearch search
//! --json` prints. `src/web/openapi.json` describes every one of them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use super::auth::Viewer;
use super::error::{Code, WebError};
use super::params::{
    decode_pairs, request_from_query, search_request, FACET_PARAMS, SEARCH_PARAMS,
};
use super::AppState;
use crate::search::complete::Suggestion;
use crate::search::SearchRequest;

/// Most completions `/api/suggest` returns.
pub const MAX_SUGGEST_LIMIT: usize = 50;

/// `GET /api/search`.
pub async fn search_get(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let mut request = request_from_query(raw.as_deref(), true)?;
    request.scope = viewer.scope();
    Ok(Json(state.search(request).await?).into_response())
}

/// `POST /api/search`: the same request as a JSON body.
pub async fn search_post(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::payload_too_large(super::MAX_BODY)
        } else {
            WebError::new(
                Code::BadBody,
                format!("the body could not be read: {}", e.body_text()),
            )
        }
    })?;
    if body.len() > super::MAX_BODY {
        return Err(WebError::payload_too_large(super::MAX_BODY));
    }
    let mut request = request_from_json(&body)?;
    request.scope = viewer.scope();
    Ok(Json(state.search(request).await?).into_response())
}

/// Parse a POST body into a request. Syntax errors are `bad_json`; a field
/// that is unknown or of the wrong type is `bad_parameter` naming it, just as
/// the same mistake in a query string would be.
pub fn request_from_json(body: &[u8]) -> Result<SearchRequest, WebError> {
    let bad_json = |message: String| WebError::new(Code::BadJson, message);
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_json(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(bad_json(
            "the body must be a JSON object of search parameters".to_string(),
        ));
    };
    let fields = loosened(fields)?;
    for (name, field) in &fields {
        if !SEARCH_PARAMS.contains(&name.as_str()) {
            return Err(WebError::bad_parameter(
                name,
                format!(
                    "unknown field {name:?}; known: {}",
                    SEARCH_PARAMS.join(", ")
                ),
            ));
        }
        // Deserializing the field alone tells which one is of the wrong type.
        let single = Value::Object([(name.clone(), field.clone())].into_iter().collect());
        if let Err(e) = serde_json::from_value::<SearchRequest>(single) {
            return Err(WebError::bad_parameter(
                name,
                format!("{name}: {}", plain_types(&e.to_string())),
            ));
        }
    }
    let request: SearchRequest = serde_json::from_value(Value::Object(fields))
        .map_err(|e| bad_json(format!("the body is not a valid search request: {e}")))?;
    request.validate().map_err(WebError::from)?;
    Ok(request)
}

/// A client's natural shapes made the request's own: a single value where
/// a list is expected (`"donor": "山东省"`), numbers for list values
/// (`"year": [2023]`), and amounts as staff write them (`"min_funding": "1亿"`).
fn loosened(
    mut fields: serde_json::Map<String, Value>,
) -> Result<serde_json::Map<String, Value>, WebError> {
    let scalar = |v: &Value| match v {
        Value::Number(n) => Some(Value::String(n.to_string())),
        other => Some(other.clone()),
    };
    for kind in crate::facet::FacetKind::ALL {
        if let Some(value) = fields.get_mut(kind.param()) {
            let loose = match &*value {
                Value::Array(items) => Value::Array(items.iter().filter_map(scalar).collect()),
                Value::String(_) | Value::Number(_) => {
                    Value::Array(scalar(value).into_iter().collect())
                }
                other => other.clone(),
            };
            *value = loose;
        }
    }
    for name in ["year_from", "year_to"] {
        if let Some(Value::String(text)) = fields.get(name) {
            let year: i64 = text.trim().parse().map_err(|_| {
                WebError::bad_parameter(
                    name,
                    format!("{name} must be a year such as 2015, not {text:?}"),
                )
            })?;
            fields.insert(name.to_string(), Value::from(year));
        }
    }
    for name in ["min_funding", "max_funding"] {
        if let Some(Value::String(text)) = fields.get(name) {
            let yuan = crate::labels::funding::parse_amount(text).ok_or_else(|| {
                WebError::bad_parameter(
                    name,
                    format!("{name} must be an amount such as 500000, \"500万\" or \"1亿\", not {text:?}"),
                )
            })?;
            let number = serde_json::Number::from_f64(yuan).map_or(Value::Null, Value::Number);
            fields.insert(name.to_string(), number);
        }
    }
    Ok(fields)
}

/// Serde's Rust type names in words a client developer reads.
fn plain_types(message: &str) -> String {
    message
        .replace("expected usize", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected an array")
}

/// `GET /api/reports/{id}?q=`: the report's metadata and every paragraph
/// with its facets; `q` marks its matches in the paragraphs' snippets.
pub async fn report(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let Path(id) = id.map_err(|e| {
        WebError::bad_parameter(
            "id",
            format!("the report id is malformed: {}", e.body_text()),
        )
    })?;
    let mut highlight = String::new();
    for (name, value) in decode_pairs(raw.as_deref().unwrap_or("")).map_err(WebError::from)? {
        match name.as_str() {
            "q" => highlight = value,
            other => {
                return Err(WebError::bad_parameter(
                    other,
                    format!("unknown parameter {other:?}; known: q"),
                ))
            }
        }
    }
    SearchRequest::query(&highlight)
        .validate()
        .map_err(WebError::from)?;
    let scope = viewer.scope();
    let view = state
        .blocking(move |engine, deadline| {
            crate::search::report(engine, &id, &highlight, deadline, &scope)
        })
        .await?;
    Ok(Json(view).into_response())
}

/// `GET /api/facets`: the full facet trees of a query, region and donor
/// nested, for building pickers and dashboards.
pub async fn facets(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let pairs = decode_pairs(raw.as_deref().unwrap_or("")).map_err(WebError::from)?;
    if let Some((name, _)) = pairs
        .iter()
        .find(|(name, _)| !FACET_PARAMS.contains(&name.as_str()))
    {
        return Err(WebError::bad_parameter(
            name,
            format!(
                "unknown parameter {name:?} for facets; known: {}",
                FACET_PARAMS.join(", ")
            ),
        ));
    }
    let mut request = search_request(&pairs, true).map_err(WebError::from)?;
    request.scope = viewer.scope();
    let trees = state
        .blocking(move |engine, deadline| {
            let request = SearchRequest {
                deadline,
                ..request
            };
            crate::search::facet_trees(engine, &request)
        })
        .await?;
    Ok(Json(trees).into_response())
}

/// What `/api/suggest` answers.
#[derive(Debug, Serialize)]
pub struct SuggestResponse {
    /// The prefix, as sent.
    pub query: String,
    pub suggestions: Vec<Suggestion>,
}

/// `GET /api/suggest?q=&limit=`: completions for a search-as-you-type box.
/// Runs inline (no blocking pool): it is a binary search over a sorted word
/// list plus a scan of the titles, well under a millisecond.
pub async fn suggest(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let pairs = decode_pairs(raw.as_deref().unwrap_or("")).map_err(WebError::from)?;
    let mut prefix = String::new();
    let mut limit = 10usize;
    for (name, value) in pairs {
        match name.as_str() {
            "q" => prefix = value,
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_SUGGEST_LIMIT).contains(n))
                    .ok_or_else(|| {
                        WebError::bad_parameter(
                            "limit",
                            format!("limit must be between 1 and {MAX_SUGGEST_LIMIT}"),
                        )
                    })?
            }
            other => {
                return Err(WebError::bad_parameter(
                    other,
                    format!("unknown parameter {other:?}; known: q, limit"),
                ))
            }
        }
    }
    SearchRequest::query(&prefix)
        .validate()
        .map_err(WebError::from)?;
    let engine = state.engine.get();
    let suggestions = crate::search::complete::complete(&engine, &prefix, limit, &viewer.scope());
    Ok(Json(SuggestResponse {
        query: prefix,
        suggestions,
    })
    .into_response())
}

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: the index is open, with its generation, size and content
/// hash (the same on every replica that holds the same generation). The
/// server only listens once an index is open; it answers 503 `draining`
/// from the moment it is asked to stop, so a balancer takes it out before
/// it closes.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let engine = state.engine.get();
    let draining = state.draining.load(std::sync::atomic::Ordering::Relaxed);
    let body = Json(json!({
        "status": if draining { "draining" } else { "ready" },
        "generation": engine.generation,
        // Paragraphs anyone may read: the probe is open, and a total with
        // restricted reports in it would say they exist.
        "documents": engine
            .visible_paragraphs(&crate::search::Scope::open_only())
            .unwrap_or(0),
        "content_hash": engine.content_hash,
    }));
    if draining {
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    } else {
        body.into_response()
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::web::openapi::SPEC,
    )
        .into_response()
}

/// Unknown `/api` path.
pub async fn not_found() -> WebError {
    WebError::not_found("endpoint")
}

/// A known path with the wrong method.
pub async fn method_not_allowed() -> WebError {
    WebError::method_not_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param_of(body: &str) -> (u16, &'static str, Option<String>) {
        match request_from_json(body.as_bytes()) {
            Ok(_) => (200, "ok", None),
            Err(e) => (e.status().as_u16(), e.code.name(), e.param),
        }
    }

    #[test]
    fn json_bodies_name_the_field_at_fault() {
        assert_eq!(param_of(r#"{"q":"援藏","year":["2020"]}"#).0, 200);
        assert_eq!(param_of("{}").0, 200);
        assert_eq!(param_of("{bad").1, "bad_json");
        assert_eq!(param_of("[1]").1, "bad_json");
        assert_eq!(
            param_of(r#"{"q":"x","colour":1}"#),
            (400, "bad_parameter", Some("colour".into()))
        );
        assert_eq!(
            param_of(r#"{"page":"two"}"#),
            (400, "bad_parameter", Some("page".into()))
        );
        assert_eq!(
            param_of(r#"{"sort":"best"}"#),
            (400, "bad_parameter", Some("sort".into()))
        );
        assert_eq!(
            param_of(r#"{"per_page":0}"#),
            (400, "bad_parameter", Some("per_page".into()))
        );
        assert_eq!(
            param_of(&format!(r#"{{"q":"{}"}}"#, "援".repeat(300))).1,
            "query_too_long"
        );
    }
}
