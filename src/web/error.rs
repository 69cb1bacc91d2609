//! Web errors: one JSON shape for the API (`{"error": {"code", "message",
//! "param"?}}` with stable snake_case codes, listed in [`Code::ALL`]) and a
//! friendly Chinese page for browsers, both from one [`WebError`].
//!
//! Codes are part of the API contract: clients branch on them, so a code is
//! never renamed or reused for another meaning. `src/web/openapi.json`
//! enumerates the same list, and `tests/api.rs` checks that they agree.
//! A library error's code follows from its type ([`Error::is_user_error`],
//! the variant, a bad parameter's [`Reason`]), never from its message.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::error::{Error, Reason};

/// Every error code the API can answer with, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A query parameter or body field is malformed, out of range or unknown.
    BadParameter,
    /// `q` is longer than the query limit.
    QueryTooLong,
    /// The request body is not a JSON object.
    BadJson,
    /// The request body could not be read.
    BadBody,
    /// No such report, or no such API endpoint.
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// The request took longer than the server's time limit.
    RequestTimeout,
    /// The request body is too large.
    PayloadTooLarge,
    /// The query string is too long.
    UriTooLong,
    /// The search exceeded its time budget.
    QueryTimeout,
    /// A fault in the server.
    Internal,
    /// Too many searches at once.
    Overloaded,
}

impl Code {
    /// Every code, in the order the OpenAPI description lists them.
    pub const ALL: [Code; 12] = [
        Code::BadParameter,
        Code::QueryTooLong,
        Code::BadJson,
        Code::BadBody,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::RequestTimeout,
        Code::PayloadTooLarge,
        Code::UriTooLong,
        Code::QueryTimeout,
        Code::Internal,
        Code::Overloaded,
    ];

    /// The stable snake_case name clients see in `error.code`.
    pub const fn name(self) -> &'static str {
        match self {
            Code::BadParameter => "bad_parameter",
            Code::QueryTooLong => "query_too_long",
            Code::BadJson => "bad_json",
            Code::BadBody => "bad_body",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::RequestTimeout => "request_timeout",
            Code::PayloadTooLarge => "payload_too_large",
            Code::UriTooLong => "uri_too_long",
            Code::QueryTimeout => "query_timeout",
            Code::Internal => "internal",
            Code::Overloaded => "overloaded",
        }
    }

    /// The HTTP status answered with it.
    pub const fn status(self) -> StatusCode {
        match self {
            Code::BadParameter | Code::QueryTooLong | Code::BadJson | Code::BadBody => {
                StatusCode::BAD_REQUEST
            }
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UriTooLong => StatusCode::URI_TOO_LONG,
            Code::QueryTimeout => StatusCode::UNPROCESSABLE_ENTITY,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Code::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// What it means, for people reading the code list.
    pub const fn meaning(self) -> &'static str {
        match self {
            Code::BadParameter => {
                "a query parameter or body field is malformed, out of range or unknown; `param` names it"
            }
            Code::QueryTooLong => "`q` is longer than the query limit (256 characters)",
            Code::BadJson => "the request body is not a JSON object",
            Code::BadBody => "the request body could not be read",
            Code::NotFound => "no such report, or no such API endpoint",
            Code::MethodNotAllowed => {
                "the path exists but not with this method; `Allow` lists the methods"
            }
            Code::RequestTimeout => "the request took longer than the server's time limit",
            Code::PayloadTooLarge => "the request body is larger than 64 KiB",
            Code::UriTooLong => "the query string is longer than 8 KiB",
            Code::QueryTimeout => "the search exceeded its time budget and was stopped",
            Code::Internal => "a fault in the server; details are in its log, not in the response",
            Code::Overloaded => "too many searches at once; retry after `Retry-After` seconds",
        }
    }
}

/// An error on its way to a client: as JSON from the API
/// ([`IntoResponse`]), as a page from the pages ([`WebError::into_page`]).
#[derive(Debug)]
pub struct WebError {
    pub code: Code,
    /// Lowercase, for people; clients should branch on `code`.
    pub message: String,
    /// The query parameter or body field at fault, when there is one.
    pub param: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<&'a str>,
}

impl WebError {
    /// An error with a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> WebError {
        WebError {
            code,
            message: message.into(),
            param: None,
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// 400 `bad_parameter`, naming the parameter.
    pub fn bad_parameter(param: &str, message: impl Into<String>) -> WebError {
        WebError {
            param: Some(param.to_string()),
            ..WebError::new(Code::BadParameter, message)
        }
    }

    /// 404 for something other than a report (an endpoint, a page).
    pub fn not_found(what: &str) -> WebError {
        WebError::new(Code::NotFound, format!("{what} not found"))
    }

    /// 405; the router adds the `Allow` header.
    pub fn method_not_allowed() -> WebError {
        WebError::new(
            Code::MethodNotAllowed,
            "this path does not accept that method; see the allow header",
        )
    }

    /// 408, after `limit` elapsed.
    pub fn request_timeout(limit: std::time::Duration) -> WebError {
        WebError::new(
            Code::RequestTimeout,
            format!(
                "the request took longer than {} ms and was stopped",
                limit.as_millis()
            ),
        )
    }

    /// 413 for a body over `limit` bytes.
    pub fn payload_too_large(limit: usize) -> WebError {
        WebError::new(
            Code::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 414 for a query string over `limit` bytes.
    pub fn uri_too_long(limit: usize) -> WebError {
        WebError::new(
            Code::UriTooLong,
            format!("the query string is longer than {limit} bytes"),
        )
    }

    /// 503 when the search slots are all taken.
    pub fn overloaded() -> WebError {
        WebError::new(
            Code::Overloaded,
            "too many searches at once; retry in a second",
        )
    }

    /// 503 for an export that waited too long for an export slot.
    pub fn exports_busy() -> WebError {
        WebError::new(
            Code::Overloaded,
            "too many exports at once; retry in a few seconds",
        )
    }

    /// 500: the client learns nothing but that it was not its fault; the
    /// caller logs the details.
    pub fn internal() -> WebError {
        WebError::new(Code::Internal, "internal error")
    }

    /// The JSON body.
    pub fn json_body(&self) -> String {
        serde_json::to_string(&Body {
            error: Inner {
                code: self.code.name(),
                message: &self.message,
                param: self.param.as_deref(),
            },
        })
        .unwrap_or_else(|_| {
            r#"{"error":{"code":"internal","message":"internal error"}}"#.to_string()
        })
    }

    /// Render as a browser page instead of JSON.
    pub fn into_page(self) -> Response {
        let status = self.status();
        let page = crate::web::views::error_page(status, &self.message);
        let mut response = (status, Html(page)).into_response();
        if self.code == Code::Overloaded {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The answer to a request whose handler panicked (for tower-http's
/// `CatchPanicLayer`): 500 `internal` in the usual JSON shape, the panic's
/// message in the log and never in the response.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = crate::error::panic_message(&*panic).unwrap_or("(no message)");
    tracing::error!(panic = message, "handler panicked");
    WebError::internal().into_response()
}

/// At most `max` characters of client-supplied text, for echoing in messages.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut clipped: String = text.chars().take(max).collect();
        clipped.push('…');
        clipped
    }
}

impl From<Error> for WebError {
    fn from(error: Error) -> WebError {
        if !error.is_user_error() {
            tracing::error!(error = %error, "internal error");
            return WebError::internal();
        }
        match error {
            Error::BadParameter {
                param,
                message,
                reason,
            } => WebError {
                code: match reason {
                    Reason::Invalid => Code::BadParameter,
                    Reason::QueryTooLong => Code::QueryTooLong,
                },
                message,
                param: Some(param),
            },
            Error::NotFound(id) => WebError::new(
                Code::NotFound,
                format!("no report with id {:?}", clip(&id, 100)),
            ),
            Error::Timeout(_) => WebError::new(Code::QueryTimeout, error.to_string()),
            // Any other mistake of the caller's is a bad request.
            other => WebError::new(Code::BadParameter, other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            self.json_body(),
        )
            .into_response();
        if self.code == Code::Overloaded {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_statuses_are_errors() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.name();
            assert!(seen.insert(name), "duplicate code {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
            let status = code.status().as_u16();
            assert!((400..600).contains(&status), "{name}: {status}");
            assert!(!code.meaning().is_empty());
        }
    }

    #[test]
    fn codes_keep_their_names_and_statuses() {
        let table: Vec<(&str, u16)> = Code::ALL
            .iter()
            .map(|c| (c.name(), c.status().as_u16()))
            .collect();
        assert_eq!(
            table,
            [
                ("bad_parameter", 400),
                ("query_too_long", 400),
                ("bad_json", 400),
                ("bad_body", 400),
                ("not_found", 404),
                ("method_not_allowed", 405),
                ("request_timeout", 408),
                ("payload_too_large", 413),
                ("uri_too_long", 414),
                ("query_timeout", 422),
                ("internal", 500),
                ("overloaded", 503),
            ]
        );
    }

    #[test]
    fn library_errors_map_to_codes_and_echo_little() {
        let e = WebError::from(Error::bad("page", "page starts at 1"));
        assert_eq!((e.status().as_u16(), e.code.name()), (400, "bad_parameter"));
        assert_eq!(e.param.as_deref(), Some("page"));
        let e = WebError::from(Error::NotFound("a".repeat(500)));
        assert_eq!((e.status().as_u16(), e.code.name()), (404, "not_found"));
        assert!(e.message.chars().count() < 150, "{}", e.message);
        let e = WebError::from(Error::Internal("secret path /etc".into()));
        assert_eq!((e.status().as_u16(), e.code.name()), (500, "internal"));
        assert!(!e.json_body().contains("secret"));
    }

    #[test]
    fn a_panic_answers_500_internal_in_the_json_shape() {
        let response = panic_response(Box::new(String::from("secret detail")));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
        assert_eq!(
            WebError::internal().json_body(),
            r#"{"error":{"code":"internal","message":"internal error"}}"#
        );
        let response = panic_response(Box::new(42));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn codes_follow_the_error_type_not_its_text() {
        let e = WebError::from(Error::query_too_long(256));
        assert_eq!(
            (e.code, e.param.as_deref()),
            (Code::QueryTooLong, Some("q"))
        );
        assert_eq!(e.message, "q is longer than 256 characters");
        // A message that reads like the query limit is still a plain bad parameter.
        let e = WebError::from(Error::bad("q", "q is longer than you think"));
        assert_eq!(e.code, Code::BadParameter);
        let e = WebError::from(Error::Timeout(5000));
        assert_eq!((e.code, e.status().as_u16()), (Code::QueryTimeout, 422));
        for internal in [
            Error::Busy("another reindex holds the lock".into()),
            Error::NoIndex("/srv/index".into()),
            Error::Corpus("unreadable".into()),
        ] {
            assert!(!internal.is_user_error());
            let e = WebError::from(internal);
            assert_eq!(
                (e.code, e.message.as_str()),
                (Code::Internal, "internal error")
            );
        }
    }
}
