//! The HTTP layer: a thin axum router over the search core. Handlers parse,
//! call the library, and render; they never build queries themselves.
//! Nothing reachable over HTTP changes the index.
//!
//! Around every handler, from the outside in: a request id (`x-request-id`,
//! the client's when it is 1 to 128 printable ASCII characters, else a
//! generated one; echoed back), one tracing line per request with its id, status and
//! latency, a panic catcher (a handler that panics answers 500 `internal`
//! and logs the panic, and the connection stays up), a request timeout
//! (408), compression when the client accepts it, and the query-string
//! limit (414). The JSON API answers every error in the shape of
//! [`error::WebError`]; the pages answer with an HTML page.

pub mod api;
pub mod audit;
pub mod auth;
pub mod error;
pub mod export;
pub mod format;
pub mod links;
pub mod openapi;
pub mod pages;
pub mod params;
pub mod reload;
pub mod server;
pub mod views;
pub mod zero_hits;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::search::{Deadline, LiveEngine};
use crate::search::{SearchRequest, SearchResponse};
use error::WebError;

/// Most searches run at once; past it, requests get 503 with `Retry-After`.
pub const DEFAULT_MAX_CONCURRENT_SEARCHES: usize = 64;
/// Most exports run at once: an export ranks and serializes up to 5,000
/// rows, so a few of them would hold every run slot and make searches wait.
pub const DEFAULT_MAX_CONCURRENT_EXPORTS: usize = 2;
/// Longest an export waits for an export slot before it is answered 503:
/// long enough for eight exports of 5,000 rows queued behind two slots.
pub const EXPORT_WAIT: Duration = Duration::from_secs(45);
/// An export's own time limit, in place of the request timeout: it waits
/// for a slot and then ranks and writes thousands of rows.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest query string accepted (bytes).
pub const MAX_QUERY_STRING: usize = 8 * 1024;
/// Largest JSON body accepted (bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// Time after which a request is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest one library call (a search, a report, an export) may take before
/// the request is answered 422 `query_timeout` and the call stops. Shorter
/// than [`REQUEST_TIMEOUT`], so a pathological query gets the specific error.
pub const SEARCH_BUDGET: Duration = Duration::from_secs(5);

/// What every handler shares.
pub struct AppState {
    pub engine: Arc<LiveEngine>,
    /// Library calls admitted at once (in flight or queued); beyond, 503.
    pub search_slots: Arc<Semaphore>,
    /// Library calls running at once: two per core, the rest wait their
    /// turn in order. Time-slicing eight searches over two cores stretched
    /// the slow ones most (p99 18 ms under 8 connections, 13.5 ms with two
    /// per core, 11 ms with one per core but a quarter fewer requests/s,
    /// the cores idling between handoffs).
    pub run_slots: Arc<Semaphore>,
    /// Time after which a request is answered 408.
    pub request_timeout: Duration,
    /// Time budget of one library call; past it, 422 `query_timeout`.
    pub search_budget: Duration,
    /// Exports running at once ([`DEFAULT_MAX_CONCURRENT_EXPORTS`]); more
    /// wait their turn for up to [`AppState::export_wait`], then get 503.
    pub export_slots: Arc<Semaphore>,
    /// Longest an export waits for its slot.
    pub export_wait: Duration,
    /// Set when the server was asked to stop: `/readyz` answers 503 so a
    /// load balancer sends no new requests, while requests still arriving
    /// are served (and told to close their connection).
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Origins whose pages may call the API from a browser (CORS), such as
    /// a dashboard served elsewhere; empty (the default) sends no CORS
    /// headers at all. `*` allows any origin.
    pub cors_origins: Vec<String>,
    /// Where queries that found nothing are recorded, when set.
    pub zero_hits: std::sync::OnceLock<zero_hits::ZeroHitLog>,
    /// The access file: with one, every request but the open paths needs
    /// a key or a session ([`auth`]); without, nobody signs in and open
    /// reports only are served.
    pub access: Option<Arc<crate::access::AccessFile>>,
    /// Failed sign-ins per user and address.
    pub throttle: crate::access::throttle::Throttle,
    /// Where sign-ins, key use and exports are recorded, when set.
    pub audit_log: std::sync::OnceLock<audit::AuditLog>,
}

impl AppState {
    /// State over a live engine with the default limits.
    pub fn new(engine: Arc<LiveEngine>) -> Arc<AppState> {
        AppState::with_limits(engine, DEFAULT_MAX_CONCURRENT_SEARCHES, REQUEST_TIMEOUT)
    }

    /// State with explicit limits: at most `max_searches` library calls at
    /// once (0 refuses every search with 503) and a request timeout.
    pub fn with_limits(
        engine: Arc<LiveEngine>,
        max_searches: usize,
        request_timeout: Duration,
    ) -> Arc<AppState> {
        AppState::with_budget(engine, max_searches, request_timeout, SEARCH_BUDGET)
    }

    /// [`AppState::with_limits`] with an explicit time budget per library call.
    pub fn with_budget(
        engine: Arc<LiveEngine>,
        max_searches: usize,
        request_timeout: Duration,
        search_budget: Duration,
    ) -> Arc<AppState> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(AppState {
            engine,
            search_slots: Arc::new(Semaphore::new(max_searches)),
            run_slots: Arc::new(Semaphore::new(cores * 2)),
            request_timeout,
            search_budget,
            export_slots: Arc::new(Semaphore::new(DEFAULT_MAX_CONCURRENT_EXPORTS)),
            export_wait: EXPORT_WAIT,
            draining: Arc::default(),
            cors_origins: Vec::new(),
            zero_hits: std::sync::OnceLock::new(),
            access: None,
            throttle: Default::default(),
            audit_log: std::sync::OnceLock::new(),
        })
    }

    /// State over a live engine that checks every request against the
    /// access file (and records to `audit`, when given).
    pub fn with_access(
        engine: Arc<LiveEngine>,
        access: Arc<crate::access::AccessFile>,
        audit: Option<audit::AuditLog>,
    ) -> Arc<AppState> {
        let mut state = AppState::new(engine);
        if let Some(fresh) = Arc::get_mut(&mut state) {
            fresh.access = Some(access);
        }
        if let Some(log) = audit {
            let _ = state.audit_log.set(log);
        }
        views::SIGN_OUT_SHOWN.store(true, Ordering::Relaxed);
        state
    }

    /// Record an audit event, when there is an audit log.
    pub fn audit(&self, event: audit::Event<'_>) {
        if let Some(log) = self.audit_log.get() {
            log.record(event);
        }
    }

    /// [`AppState::blocking`] for an export: first wait (in order, up to
    /// [`AppState::export_wait`]) for one of the few export slots, held until
    /// the work ends, so exports never take more run slots than those and
    /// searches keep theirs. Past the wait, 503 `overloaded`.
    pub async fn exporting<T, F>(&self, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&crate::search::Engine, Deadline) -> crate::error::Result<T> + Send + 'static,
    {
        let slot =
            tokio::time::timeout(self.export_wait, self.export_slots.clone().acquire_owned())
                .await
                .ok()
                .and_then(Result::ok)
                .ok_or_else(WebError::exports_busy)?;
        self.blocking(move |engine, deadline| {
            let _slot = slot;
            work(engine, deadline)
        })
        .await
    }

    /// Run a library call on the blocking pool, within the concurrency cap
    /// and the time budget, on the generation that is live when the request
    /// starts. The call is given the budget's [`Deadline`], counted from
    /// now (a wait for a blocking thread counts too).
    ///
    /// Past the budget the client gets 422 `query_timeout` at once. A call
    /// that passes the deadline on to the library (every search, report and
    /// export does) stops at its next check, within a few milliseconds, and
    /// frees its search slot; one that ignores it runs to its end in the
    /// background and keeps its slot until then, so runaway work stays under
    /// the cap.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&crate::search::Engine, Deadline) -> crate::error::Result<T> + Send + 'static,
    {
        let permit = self
            .search_slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| WebError::overloaded())?;
        let running = self
            .run_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| WebError::overloaded())?;
        let engine = self.engine.get();
        let budget = self.search_budget;
        let deadline = Deadline::after(budget);
        let task = tokio::task::spawn_blocking(move || {
            let _permits = (permit, running);
            work(&engine, deadline)
        });
        tokio::time::timeout(budget, task)
            .await
            .map_err(|_| {
                WebError::from(crate::error::Error::Timeout(
                    budget.as_millis().try_into().unwrap_or(u64::MAX),
                ))
            })?
            .map_err(|e| WebError::from(crate::error::Error::Internal(e.to_string())))?
            .map_err(WebError::from)
    }

    /// Run a search for `request.scope`; a query that found nothing goes to
    /// the zero-hit log.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResponse, WebError> {
        let response = self
            .blocking(move |engine, deadline| {
                let request = SearchRequest {
                    deadline,
                    ..request
                };
                crate::search::cache::search_remembered(engine, &request)
            })
            .await?;
        if response.total == 0 && !response.query.trim().is_empty() {
            if let Some(log) = self.zero_hits.get() {
                log.record(&response.query);
            }
        }
        Ok(response)
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
    with_middleware(routes(), state)
}

/// Every route of the application, without the middleware.
pub fn routes() -> Router<Arc<AppState>> {
    let api = Router::new()
        .route("/search", get(api::search_get).post(api::search_post))
        .route("/reports/{id}", get(api::report))
        .route("/facets", get(api::facets))
        .route("/suggest", get(api::suggest))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY));
    Router::new()
        .route("/", get(pages::search_page))
        .route("/report/{id}", get(pages::report_page))
        .route("/export.csv", get(export::export_csv))
        .route("/export.json", get(export::export_json))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/static/page.js", get(pages::page_script))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", axum::routing::post(auth::logout))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .nest("/api", api)
        .fallback(not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
}

/// `routes` inside the middleware every request passes through (see the
/// module documentation). Public so that tests can run routes of their own
/// (one that panics, say) through the same stack.
pub fn with_middleware(routes: Router<Arc<AppState>>, state: Arc<AppState>) -> Router {
    let cors = cors_layer(&state.cors_origins);
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn(limit_uri))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .with_state(state.clone())
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state,
            stamp_generation,
        ))
        .layer(tower::util::option_layer(cors))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(
                    |response: &Response, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            latency_ms = (latency.as_secs_f64() * 1e3 * 100.0).round() / 100.0,
                            "response"
                        )
                    },
                )
                // A 5xx is already one line above; its cause is logged where it happens.
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::x_request_id(CountingRequestId::default()))
        .layer(axum::middleware::map_request(drop_unfit_request_id))
}

/// CORS for the configured origins, or none. Read-only methods only: the
/// API changes nothing, and credentials are never allowed.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{header, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::HEAD])
            .allow_headers([
                header::CONTENT_TYPE,
                // API keys (`web::auth`); the preflight itself needs none.
                header::AUTHORIZATION,
                "x-request-id".parse().expect("header name"),
            ])
            .expose_headers([
                "x-request-id".parse().expect("header name"),
                GENERATION_HEADER.parse().expect("header name"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// Header naming the index generation that answered.
pub const GENERATION_HEADER: &str = "x-aidsearch-generation";

/// Name the generation on every response, so a balancer's logs and an
/// operator's `curl -I` see which one answered (the one live when the
/// request arrived: the engine a handler takes at its start). While the
/// server drains, ask the client to close the connection, so its next
/// request goes through the balancer to another replica.
async fn stamp_generation(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let generation = state.engine.get().generation;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(GENERATION_HEADER, generation.into());
    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
        headers.insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Longest client request id kept (`x-request-id`); a longer one, or one
/// with anything but printable ASCII, is replaced by a generated one.
pub const MAX_REQUEST_ID: usize = 128;

/// Whether a client's request id is kept as it is: 1 to
/// [`MAX_REQUEST_ID`] printable ASCII characters (no spaces or controls),
/// so it can be echoed and logged without escaping or flooding the log.
pub fn is_fit_request_id(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.iter().all(|b| b.is_ascii_graphic())
}

/// Remove a client's request id that [`is_fit_request_id`] refuses, so the
/// next layer generates one (and only one id header is looked at).
async fn drop_unfit_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let fit = {
        let mut ids = headers.get_all("x-request-id").iter();
        match (ids.next(), ids.next()) {
            (Some(id), None) => is_fit_request_id(id.as_bytes()),
            (None, _) => true,
            (Some(_), Some(_)) => false,
        }
    };
    if !fit {
        headers.remove("x-request-id");
    }
    request
}

/// Whether a path belongs to the JSON API (whose errors are JSON). The
/// JSON export is read by programs too, so its errors are JSON like its
/// handler's, not a page (the OpenAPI document says so).
fn is_api_path(path: &str) -> bool {
    path == "/api"
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/export.json"
}

/// The span of one request: its id, method and (clipped) URI, which the
/// response line inherits.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    /// Longest URI logged; the 414 limit is 8 KiB, too much for one log line.
    const MAX_LOGGED_URI: usize = 200;
    // `drop_unfit_request_id` kept only short printable ids; escape anyway.
    let id = request
        .headers()
        .get("x-request-id")
        .map_or("-".to_string(), |v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(MAX_REQUEST_ID)
                .flat_map(char::escape_debug)
                .collect()
        });
    let uri = request.uri().to_string();
    let uri = match uri.char_indices().nth(MAX_LOGGED_URI) {
        Some((cut, _)) => format!("{}…", &uri[..cut]),
        None => uri,
    };
    tracing::info_span!("request", id = %id, method = %request.method(), uri = %uri)
}

/// Unknown path: JSON under `/api`, a page elsewhere.
async fn not_found(request: Request) -> Response {
    if is_api_path(request.uri().path()) {
        api::not_found().await.into_response()
    } else {
        pages::not_found().await
    }
}

/// Answer 408 when a request outlives the state's timeout. The library call
/// it was waiting on finishes in the background and frees its search slot.
async fn request_timeout(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let api = is_api_path(request.uri().path());
    let limit = if request.uri().path().starts_with("/export.") {
        EXPORT_TIMEOUT.max(state.request_timeout)
    } else {
        state.request_timeout
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let error = WebError::request_timeout(limit);
            if api {
                error.into_response()
            } else {
                error.into_page()
            }
        }
    }
}

/// Refuse oversized query strings with 414 before any handler runs.
async fn limit_uri(request: Request, next: axum::middleware::Next) -> Response {
    if request
        .uri()
        .query()
        .is_some_and(|q| q.len() > MAX_QUERY_STRING)
    {
        let error = WebError::uri_too_long(MAX_QUERY_STRING);
        return if is_api_path(request.uri().path()) {
            error.into_response()
        } else {
            error.into_page()
        };
    }
    next.run(request).await
}
