//! Who is asking, for every request: an integrator's `Authorization:
//! Bearer KEY`, a staff member's signed session cookie, or (on a server
//! without an access file) nobody. The principal goes into the request for
//! the handlers ([`Viewer`]), which pass its scope to the search core.
//!
//! Without credentials the JSON API and `export.json` answer 401, pages
//! redirect to the Chinese login page, which returns to the same URL (the
//! search state) after sign-in. A key whose actions lack the path's gets
//! 403. `/healthz`, `/readyz`, `/api/openapi.json`, the stylesheet and
//! script, and the login and sign-out paths stay open; CORS preflights are
//! answered by the CORS layer outside this one.
//!
//! Failed sign-ins are slowed per name and per client address; the client
//! address is the peer's, or the last `X-Forwarded-For` hop added by a
//! trusted proxy (the access file's `trusted_proxies`), never what a
//! client claims itself.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;

use super::audit::Event;
use super::error::{Code, WebError};
use super::AppState;
use crate::access::throttle::IpRange;
use crate::access::{AccessConfig, Action, KeyRefusal, Principal};
use crate::search::Scope;

/// The session cookie's name.
pub const COOKIE: &str = "aidsearch_session";

/// The reports the request's principal may read: what handlers pass to
/// the search core. A request the middleware did not mark (it always
/// does) reads open reports only.
pub struct Viewer(pub Principal);

impl Viewer {
    pub fn scope(&self) -> Scope {
        self.0.scope()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Viewer(
            parts
                .extensions
                .get::<Principal>()
                .cloned()
                .unwrap_or(Principal::Anonymous),
        ))
    }
}

/// The action a path asks for, or `None` for paths any principal may use.
fn action_of(path: &str) -> Option<Action> {
    match path {
        "/" | "/api/search" | "/api/suggest" => Some(Action::Search),
        "/api/facets" => Some(Action::Facets),
        "/export.csv" | "/export.json" => Some(Action::Export),
        _ if path.starts_with("/report/") || path.starts_with("/api/reports/") => {
            Some(Action::Report)
        }
        _ => None,
    }
}

/// Paths open without credentials.
fn is_open(path: &str) -> bool {
    matches!(
        path,
        "/healthz" | "/readyz" | "/api/openapi.json" | "/login" | "/logout"
    ) || path.starts_with("/static/")
}

/// Whether a path answers in JSON (401 there, a redirect elsewhere).
fn wants_json(path: &str) -> bool {
    path.starts_with("/api") || path == "/export.json"
}

/// The peer's address, or the address a trusted proxy says the client has.
pub fn client_address(headers: &HeaderMap, peer: Option<IpAddr>, config: &AccessConfig) -> String {
    let Some(peer) = peer else {
        return "-".to_string();
    };
    if !is_trusted(peer, config) {
        return peer.to_string();
    }
    // The last hop is the one the trusted proxy added.
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
        .to_string()
}

fn is_trusted(peer: IpAddr, config: &AccessConfig) -> bool {
    config
        .trusted_proxies
        .iter()
        .filter_map(|r| IpRange::parse(r))
        .any(|r| r.contains(peer))
}

/// Whether the session cookie must be `Secure`: always when the file says
/// so, or when a trusted proxy says the client came over TLS.
fn over_tls(headers: &HeaderMap, peer: Option<IpAddr>, config: &AccessConfig) -> bool {
    config.secure_cookies
        || peer.is_some_and(|p| is_trusted(p, config))
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn peer_of(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The session cookie's value in a request.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// The middleware: find the principal, check the path's action, record
/// key use, or refuse.
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_string();
    let Some(access) = &state.access else {
        request.extensions_mut().insert(Principal::Anonymous);
        return next.run(request).await;
    };
    // A preflight carries no credentials and reads nothing (without CORS
    // configured it is answered 405 as before).
    if is_open(&path) || request.method() == axum::http::Method::OPTIONS {
        return next.run(request).await;
    }
    let config = access.current();
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").trim().to_string());
    let principal = match bearer {
        Some(value) => {
            let key = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .unwrap_or("")
                .trim();
            let address = client_address(headers, peer_of(&request), &config);
            match config.key_principal(key) {
                Ok(principal) => {
                    state.audit(Event {
                        event: "key_use",
                        who: principal.who(),
                        address,
                        path: path.clone(),
                        query: request.uri().query().unwrap_or("").to_string(),
                        ..Default::default()
                    });
                    principal
                }
                Err(refusal) => {
                    let why = match refusal {
                        KeyRefusal::Unknown => "the API key is not known",
                        KeyRefusal::Expired => "the API key has expired",
                        KeyRefusal::Revoked => "the API key was revoked",
                    };
                    state.audit(Event {
                        event: "key_refused",
                        who: why.to_string(),
                        address,
                        path: path.clone(),
                        ..Default::default()
                    });
                    return unauthorized(why);
                }
            }
        }
        None => match session_cookie(headers).and_then(|c| config.session_principal(c)) {
            Some(principal) => principal,
            None if wants_json(&path) => {
                return unauthorized("send an API key as `Authorization: Bearer KEY`")
            }
            None => return to_login(&request),
        },
    };
    if let Some(action) = action_of(&path) {
        if !principal.may(action) {
            let error = WebError::new(
                Code::Forbidden,
                format!("this API key may not {}", action.name()),
            );
            return if wants_json(&path) {
                error.into_response()
            } else {
                error.into_page()
            };
        }
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// 401 in the API's error shape, naming the scheme.
fn unauthorized(message: &str) -> Response {
    let mut response = WebError::new(Code::Unauthorized, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"aidsearch\""),
    );
    response
}

/// A redirect to the login page that comes back to this URL.
fn to_login(request: &Request) -> Response {
    let back = request
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |pq| pq.as_str().to_string());
    let encoded = percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC);
    Redirect::to(&format!("/login?next={encoded}")).into_response()
}

/// Where to go after sign-in: a local path only (no `//host`, no scheme),
/// so the login page cannot be made to send anyone elsewhere.
fn local_target(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if local {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    next: &'a str,
    username: &'a str,
    message: &'a str,
}

fn login_page(status: StatusCode, next: &str, username: &str, message: &str) -> Response {
    let page = LoginPage {
        next,
        username,
        message,
    }
    .render()
    .unwrap_or_else(|_| "<!doctype html><title>登录</title><p>登录页出错</p>".to_string());
    let mut response = (status, Html(page)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /login?next=`: the login page.
pub async fn login_form(axum::extract::RawQuery(raw): axum::extract::RawQuery) -> Response {
    let next = super::params::decode_pairs(raw.as_deref().unwrap_or(""))
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "next").map(|(_, v)| v))
        .unwrap_or_default();
    login_page(StatusCode::OK, &local_target(&next), "", "")
}

/// The login form's fields.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: check the password (slowed after failures), set the
/// session cookie and go back to where the user was.
pub async fn login(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let Some(access) = state.access.clone() else {
        return Redirect::to("/").into_response();
    };
    let config = access.current();
    let peer = peer_of(&request);
    let headers = request.headers().clone();
    let address = client_address(&headers, peer, &config);
    let secure = over_tls(&headers, peer, &config);
    let form = match Form::<LoginForm>::from_request(request, &()).await {
        Ok(Form(form)) => form,
        Err(_) => {
            return login_page(
                StatusCode::BAD_REQUEST,
                "/",
                "",
                "登录信息无法读取，请重试。",
            )
        }
    };
    let next = local_target(&form.next);
    let username: String = form.username.trim().chars().take(64).collect();
    let wait = state.throttle.wait(&username, &address);
    if !wait.is_zero() {
        state.audit(Event {
            event: "sign_in_throttled",
            who: username.clone(),
            address,
            ..Default::default()
        });
        let mut response = login_page(
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &username,
            &format!("登录失败次数过多，请 {} 秒后再试。", wait.as_secs().max(1)),
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return response;
    }
    // Argon2id takes tens of milliseconds of one core: off the async threads.
    let (checked, name, password) = (config.clone(), username.clone(), form.password);
    let user = tokio::task::spawn_blocking(move || checked.sign_in(&name, &password).cloned())
        .await
        .ok()
        .flatten();
    let Some(user) = user else {
        state.throttle.failed(&username, &address);
        state.audit(Event {
            event: "sign_in_failed",
            who: username.clone(),
            address,
            ..Default::default()
        });
        return login_page(
            StatusCode::UNAUTHORIZED,
            &next,
            &username,
            "用户名或密码不正确。",
        );
    };
    state.throttle.succeeded(&username, &address);
    state.audit(Event {
        event: "sign_in",
        who: format!("user:{}", user.name),
        address,
        ..Default::default()
    });
    let hours = config
        .session_hours
        .unwrap_or(crate::access::DEFAULT_SESSION_HOURS);
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        config.session_for(&user),
        hours * 3600,
        if secure { "; Secure" } else { "" }
    );
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /logout`: forget the session cookie, back to the login page.
pub async fn logout(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let Some(access) = &state.access {
        let config = access.current();
        if let Some(principal) =
            session_cookie(request.headers()).and_then(|c| config.session_principal(c))
        {
            state.audit(Event {
                event: "sign_out",
                who: principal.who(),
                address: client_address(request.headers(), peer_of(&request), &config),
                ..Default::default()
            });
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "aidsearch_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    response
}

use axum::extract::FromRequest as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_targets() {
        assert_eq!(local_target("/?q=援藏&page=2"), "/?q=援藏&page=2");
        assert_eq!(local_target("//evil.example"), "/");
        assert_eq!(local_target("https://evil.example"), "/");
        assert_eq!(local_target("/\\evil"), "/");
        assert_eq!(local_target(""), "/");
    }

    #[test]
    fn forwarded_addresses_only_from_trusted_proxies() {
        let config = AccessConfig {
            trusted_proxies: vec!["10.0.0.0/8".into()],
            ..AccessConfig::default()
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 5.6.7.8"),
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let proxy = Some("10.0.0.2".parse().unwrap());
        let stranger = Some("8.8.8.8".parse().unwrap());
        assert_eq!(client_address(&headers, proxy, &config), "5.6.7.8");
        assert_eq!(client_address(&headers, stranger, &config), "8.8.8.8");
        assert!(over_tls(&headers, proxy, &config));
        assert!(!over_tls(&headers, stranger, &config));
    }
}
