//! The HTTP layer: a thin axum router over the search core. Handlers parse,
//! call the library, and render; they never build queries themselves.
//! Nothing reachable over HTTP changes the index.

pub mod api;
pub mod error;
pub mod openapi;
pub mod pages;
pub mod params;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::index::LiveEngine;
use crate::search::{SearchRequest, SearchResponse};
use error::ApiError;

/// Most searches run at once; past it, requests get 503 with `Retry-After`.
pub const DEFAULT_MAX_CONCURRENT_SEARCHES: usize = 64;
/// Longest query string accepted (bytes).
pub const MAX_QUERY_STRING: usize = 8 * 1024;
/// Largest JSON body accepted (bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// Time after which a request is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler shares.
pub struct AppState {
    pub engine: Arc<LiveEngine>,
    pub search_slots: Arc<Semaphore>,
}

impl AppState {
    /// State over a live engine with the default limits.
    pub fn new(engine: Arc<LiveEngine>) -> Arc<AppState> {
        Arc::new(AppState {
            engine,
            search_slots: Arc::new(Semaphore::new(DEFAULT_MAX_CONCURRENT_SEARCHES)),
        })
    }

    /// Run a library call on the blocking pool, within the concurrency cap,
    /// on the generation that is live when the request starts.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&crate::index::Engine) -> crate::error::Result<T> + Send + 'static,
    {
        let permit = self
            .search_slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::overloaded())?;
        let engine = self.engine.get();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&engine)
        })
        .await
        .map_err(|e| ApiError::from(crate::error::Error::Internal(e.to_string())))?
        .map_err(ApiError::from)
    }

    /// Run a search.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResponse, ApiError> {
        self.blocking(move |engine| crate::search::search(engine, &request))
            .await
    }
}

/// Request ids: a process-wide counter, cheap and unique per run.
#[derive(Clone, Default)]
struct CountingRequestId(Arc<AtomicU64>);

impl MakeRequestId for CountingRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        HeaderValue::from_str(&format!("req-{n}"))
            .ok()
            .map(RequestId::new)
    }
}

/// The whole application.
pub fn app(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/search", get(api::search_get).post(api::search_post))
        .route("/reports/{id}", get(api::report))
        .route("/facets", get(api::facets))
        .route("/suggest", get(api::suggest))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed);
    Router::new()
        .route("/", get(pages::search_page))
        .route("/report/{id}", get(pages::report_page))
        .route("/export.csv", get(pages::export_csv))
        .route("/export.json", get(pages::export_json))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .nest("/api", api)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state)
        .layer(axum::middleware::from_fn(limit_uri))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-")
                        .to_string();
                    tracing::info_span!("request", id = %id, method = %request.method(), uri = %request.uri())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::x_request_id(CountingRequestId::default()))
}

/// Refuse oversized query strings with 414 before any handler runs.
async fn limit_uri(request: Request, next: axum::middleware::Next) -> Response {
    if request
        .uri()
        .query()
        .is_some_and(|q| q.len() > MAX_QUERY_STRING)
    {
        let error = ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the query string is longer than {MAX_QUERY_STRING} bytes"),
        );
        return if request.uri().path().starts_with("/api") {
            error.into_response()
        } else {
            error.into_page()
        };
    }
    next.run(request).await
}
