//! JSON endpoints. Each parses its input, calls the library, and serializes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::error::ApiError;
use super::params::{decode_pairs, search_request};
use super::AppState;
use crate::error::Error;
use crate::search::SearchRequest;

/// The request a query string describes (strict: unknown parameters are errors).
pub fn request_from_query(raw: Option<&str>, strict: bool) -> Result<SearchRequest, ApiError> {
    let pairs = decode_pairs(raw.unwrap_or("")).map_err(ApiError::from)?;
    search_request(&pairs, strict).map_err(ApiError::from)
}

/// `GET /api/search`.
pub async fn search_get(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = request_from_query(raw.as_deref(), true)?;
    Ok(Json(state.search(request).await?).into_response())
}

/// `POST /api/search`: the same request as a JSON body.
pub async fn search_post(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {} bytes", super::MAX_BODY),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_body", e.body_text())
        }
    })?;
    if body.len() > super::MAX_BODY {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {} bytes", super::MAX_BODY),
        ));
    }
    let request: SearchRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("the body is not a valid search request: {e}"),
        )
    })?;
    request.validate().map_err(ApiError::from)?;
    Ok(Json(state.search(request).await?).into_response())
}

/// `GET /api/reports/{id}`.
pub async fn report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = state
        .blocking(move |engine| crate::search::report(engine, &id, ""))
        .await?;
    Ok(Json(view).into_response())
}

/// `GET /api/facets`: the facet trees of a query, region and donor nested.
pub async fn facets(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = request_from_query(raw.as_deref(), true)?;
    let trees = state
        .blocking(move |engine| crate::search::facet_trees(engine, &request))
        .await?;
    Ok(Json(trees).into_response())
}

/// `GET /api/suggest?q=`: completions for a search-as-you-type box.
pub async fn suggest(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = decode_pairs(raw.as_deref().unwrap_or("")).map_err(ApiError::from)?;
    let mut prefix = String::new();
    let mut limit = 10usize;
    for (name, value) in pairs {
        match name.as_str() {
            "q" => prefix = value,
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=50).contains(n))
                    .ok_or_else(|| {
                        ApiError::from(Error::bad("limit", "limit must be between 1 and 50"))
                    })?
            }
            other => {
                return Err(ApiError::from(Error::bad(
                    other,
                    format!("unknown parameter {other:?}; known: q, limit"),
                )))
            }
        }
    }
    if prefix.chars().count() > crate::search::MAX_QUERY_CHARS {
        return Err(ApiError::from(Error::bad(
            "q",
            "q is longer than the query limit",
        )));
    }
    let engine = state.engine.get();
    let suggestions = crate::search::suggest::complete(&engine, &prefix, limit);
    Ok(Json(json!({ "query": prefix, "suggestions": suggestions })).into_response())
}

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: the index is open, with its generation and size.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let engine = state.engine.get();
    Json(json!({
        "status": "ready",
        "generation": engine.generation,
        "documents": engine.num_docs(),
    }))
    .into_response()
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
pub async fn not_found() -> ApiError {
    ApiError::not_found("endpoint")
}

/// A known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not accept that method",
    )
}
