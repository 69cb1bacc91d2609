//! Web errors: one JSON shape for the API (`{"error": {"code", "message",
//! "param"?}}` with stable snake_case codes, listed in [`CODES`]) and a
//! friendly Chinese page for browsers.
//!
//! Codes are part of the API contract: clients branch on them, so a code is
//! never renamed or reused for another meaning. `src/web/openapi.json`
//! enumerates the same list, and `tests/api.rs` checks that they agree.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;

/// Every error code the API can answer with: (code, HTTP status, meaning).
pub const CODES: [(&str, u16, &str); 12] = [
    (
        "bad_parameter",
        400,
        "a query parameter or body field is malformed, out of range or unknown; `param` names it",
    ),
    (
        "query_too_long",
        400,
        "`q` is longer than the query limit (256 characters)",
    ),
    ("bad_json", 400, "the request body is not a JSON object"),
    ("bad_body", 400, "the request body could not be read"),
    ("not_found", 404, "no such report, or no such API endpoint"),
    (
        "method_not_allowed",
        405,
        "the path exists but not with this method; `Allow` lists the methods",
    ),
    (
        "request_timeout",
        408,
        "the request took longer than the server's time limit",
    ),
    (
        "payload_too_large",
        413,
        "the request body is larger than 64 KiB",
    ),
    ("uri_too_long", 414, "the query string is longer than 8 KiB"),
    (
        "query_timeout",
        422,
        "the search exceeded its time budget and was stopped",
    ),
    (
        "internal",
        500,
        "a fault in the server; details are in its log, not in the response",
    ),
    (
        "overloaded",
        503,
        "too many searches at once; retry after `Retry-After` seconds",
    ),
];

/// An error on its way to a client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// One of [`CODES`].
    pub code: &'static str,
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

impl ApiError {
    /// An error with a status, a code from [`CODES`] and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        debug_assert!(
            CODES
                .iter()
                .any(|(c, s, _)| *c == code && *s == status.as_u16()),
            "undocumented error code {code} ({status})"
        );
        ApiError {
            status,
            code,
            message: message.into(),
            param: None,
        }
    }

    /// 400 `bad_parameter`, naming the parameter.
    pub fn bad_parameter(param: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            param: Some(param.to_string()),
            ..ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
        }
    }

    /// 404 for something other than a report (an endpoint, a page).
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 405; the router adds the `Allow` header.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this path does not accept that method; see the allow header",
        )
    }

    /// 408, after `limit` elapsed.
    pub fn request_timeout(limit: std::time::Duration) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request took longer than {} ms and was stopped",
                limit.as_millis()
            ),
        )
    }

    /// 413 for a body over `limit` bytes.
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 414 for a query string over `limit` bytes.
    pub fn uri_too_long(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the query string is longer than {limit} bytes"),
        )
    }

    /// 503 when the search slots are all taken.
    pub fn overloaded() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "too many searches at once; retry in a second",
        )
    }

    /// The JSON body.
    pub fn json_body(&self) -> String {
        serde_json::to_string(&Body {
            error: Inner {
                code: self.code,
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
        let page = crate::web::views::error_page(self.status, &self.message);
        let mut response = (self.status, Html(page)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
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

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        match error {
            Error::BadParameter { param, message } => ApiError {
                status: StatusCode::BAD_REQUEST,
                code: if param == "q" && message.contains("longer") {
                    "query_too_long"
                } else {
                    "bad_parameter"
                },
                message,
                param: Some(param),
            },
            Error::NotFound(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no report with id {:?}", clip(&id, 100)),
            ),
            Error::Timeout(ms) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "query_timeout",
                format!("the search took longer than {ms} ms and was stopped; narrow the query"),
            ),
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.json_body(),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
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
        for (code, status, meaning) in CODES {
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code} is not snake_case"
            );
            assert!((400..600).contains(&status), "{code}: {status}");
            assert!(!meaning.is_empty());
        }
    }

    #[test]
    fn library_errors_map_to_codes_and_echo_little() {
        let e = ApiError::from(Error::bad("page", "page starts at 1"));
        assert_eq!((e.status.as_u16(), e.code), (400, "bad_parameter"));
        assert_eq!(e.param.as_deref(), Some("page"));
        let e = ApiError::from(Error::NotFound("a".repeat(500)));
        assert_eq!((e.status.as_u16(), e.code), (404, "not_found"));
        assert!(e.message.chars().count() < 150, "{}", e.message);
        let e = ApiError::from(Error::Internal("secret path /etc".into()));
        assert_eq!((e.status.as_u16(), e.code), (500, "internal"));
        assert!(!e.json_body().contains("secret"));
    }
}
