//! The staff pages: the search page, the report page, friendly error pages
//! and the stylesheet. The handlers only parse, call the library and render
//! the views of [`super::views`]; the exports are in [`super::export`].
//!
//! The pages need no JavaScript: every state (query, filters, page, sort) is
//! in the URL, so plain links and GET forms give bookmarks, back and forward.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::auth::Viewer;
use super::error::WebError;
use super::links::siblings_request;
use super::params::{decode_pairs, request_from_query};
use super::views::{render, report_view, search_view, Siblings, STYLESHEET};
use super::AppState;
use crate::facet::FacetKind;

/// `GET /`: the search page.
pub async fn search_page(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Response {
    let request = match request_from_query(raw.as_deref(), false) {
        Ok(r) => crate::search::SearchRequest {
            scope: viewer.scope(),
            ..r
        },
        Err(e) => return WebError::from(e).into_page(),
    };
    let response = match state.search(request.clone()).await {
        Ok(response) => response,
        Err(e) => return e.into_page(),
    };
    // With one region (or donor) chosen, list its level too, so the tree
    // shows where the choice sits and siblings can be added.
    let mut siblings = Siblings::default();
    for kind in FacetKind::ALL {
        let Some(r) = siblings_request(&request, kind) else {
            continue;
        };
        match state.search(r).await {
            Ok(mut s) => siblings[kind] = Some(std::mem::take(s.facets.values_mut(kind))),
            Err(e) => return e.into_page(),
        }
    }
    render(&search_view(&request, response, &siblings))
}

/// `GET /report/{id}?p=N&q=…&back=…`: the whole report, the target paragraph
/// marked, the query's words highlighted, and a way back to the search.
pub async fn report_page(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    // `/report/%ff`: answered as a page like every other bad request, not
    // with axum's plain-text rejection.
    let id = match id {
        Ok(Path(id)) => id,
        Err(e) => {
            return WebError::bad_parameter(
                "id",
                format!("the report id is malformed: {}", e.body_text()),
            )
            .into_page()
        }
    };
    let pairs = match decode_pairs(raw.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return WebError::from(e).into_page(),
    };
    let mut q = String::new();
    let mut target = 0;
    let mut back = None;
    for (name, value) in pairs {
        match name.as_str() {
            "q" => q = value,
            "p" => target = value.trim().parse().unwrap_or(0),
            // Only same-site search URLs are accepted as the way back, so the
            // link can never lead off the site or run a script.
            "back"
                if value == "/"
                    || (value.starts_with("/?") && !value.contains(['\\', '\n', '\r'])) =>
            {
                back = Some(value)
            }
            _ => {}
        }
    }
    if q.chars().count() > crate::search::MAX_QUERY_CHARS {
        q.clear();
    }
    let highlight = q.clone();
    let scope = viewer.scope();
    match state
        .blocking(move |engine, deadline| {
            crate::search::report(engine, &id, &highlight, deadline, &scope)
        })
        .await
    {
        Ok(report) => render(&report_view(report, q, target, back)),
        Err(e) => e.into_page(),
    }
}

/// `GET /static/style.css`, cacheable for a day.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `GET /static/page.js`: the search page's enhancements, search-as-you-type
/// over `/api/suggest` and a filter box in long facet lists; the page works
/// without them.
pub async fn page_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../templates/page.js"),
    )
        .into_response()
}

/// Unknown page.
pub async fn not_found() -> Response {
    WebError::not_found("page")
        .with_page("没有这个页面。")
        .into_page()
}
