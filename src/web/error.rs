//! Web errors: one JSON shape for the API (`{"error": {"code", "message"}}`
//! with stable snake_case codes) and a friendly Chinese page for browsers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;

/// An error on its way to a client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
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
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            param: None,
        }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

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
        let page = crate::web::pages::error_page(self.status, &self.message);
        let mut response = (self.status, Html(page)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
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
                format!("no report with id {id:?}"),
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
