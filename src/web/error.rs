//! Web errors: one JSON shape for the API (`{"error": {"code", "message",
//! "param"?}}` with stable snake_case codes, listed in [`Code::ALL`]) and a
//! friendly Chinese page for browsers, both from one [`WebError`]. The JSON
//! `message` is English, for client developers; the page says the same in
//! Chinese ([`WebError::page_text`]), chosen from the code, the parameter
//! and its [`Reason`], never translated from the English.
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
use crate::facet::{FacetKind, Shape};
use crate::search::{MAX_FILTER_VALUES, MAX_OFFSET, MAX_PER_PAGE, MAX_QUERY_CHARS};

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
    /// No API key or session, or one that is unknown, expired or revoked.
    Unauthorized,
    /// The key may not do this (its actions do not include it).
    Forbidden,
}

impl Code {
    /// Every code, in the order the OpenAPI description lists them.
    pub const ALL: [Code; 14] = [
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
        Code::Unauthorized,
        Code::Forbidden,
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
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
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
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
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
            Code::Unauthorized => {
                "no API key (`Authorization: Bearer KEY`) or session, or one that is unknown, expired or revoked"
            }
            Code::Forbidden => "the API key may not do this: its actions do not include it",
        }
    }
}

/// An error on its way to a client: as JSON from the API
/// ([`IntoResponse`]), as a page from the pages ([`WebError::into_page`]).
#[derive(Debug)]
pub struct WebError {
    pub code: Code,
    /// Lowercase English, for people; clients should branch on `code`.
    pub message: String,
    /// The query parameter or body field at fault, when there is one.
    pub param: Option<String>,
    /// What the page says, in Chinese, when there is more to say than the
    /// code's own sentence ([`WebError::page_text`]).
    pub page: Option<String>,
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
            page: None,
        }
    }

    /// The same error, its page saying `text` (Chinese).
    pub fn with_page(self, text: impl Into<String>) -> WebError {
        WebError {
            page: Some(text.into()),
            ..self
        }
    }

    /// What the page says, in Chinese: the error's own sentence, or the
    /// code's.
    pub fn page_text(&self) -> String {
        if let Some(text) = &self.page {
            return text.clone();
        }
        match self.code {
            Code::BadParameter => "请求中的参数有误。",
            Code::QueryTooLong => "检索词太长，请缩短后再试。",
            Code::BadJson | Code::BadBody => "请求的内容无法读取。",
            Code::NotFound => "没有找到要访问的内容。",
            Code::MethodNotAllowed => "这个地址不接受这种请求方式。",
            Code::RequestTimeout => "请求用时过长，已经停止。",
            Code::PayloadTooLarge => "请求的内容太大。",
            Code::UriTooLong => "地址中的检索条件太长。",
            Code::QueryTimeout => "检索用时过长，已经停止。",
            Code::Internal => "服务器内部出错，详情已记入服务器日志。",
            Code::Overloaded => "同时进行的检索太多，请稍候再试。",
            Code::Unauthorized => "请先登录。",
            Code::Forbidden => "没有权限进行这项操作。",
        }
        .to_string()
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// 400 `bad_parameter`, naming the parameter.
    pub fn bad_parameter(param: &str, message: impl Into<String>) -> WebError {
        WebError {
            param: Some(param.to_string()),
            page: Some(bad_parameter_page(param, Reason::Invalid, &[])),
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
        let ms = limit.as_millis().try_into().unwrap_or(u64::MAX);
        WebError::new(
            Code::RequestTimeout,
            format!("the request took longer than {ms} ms and was stopped"),
        )
        .with_page(format!(
            "请求用时超过 {} 秒，已经停止。请稍后再试。",
            seconds(ms)
        ))
    }

    /// 413 for a body over `limit` bytes.
    pub fn payload_too_large(limit: usize) -> WebError {
        WebError::new(
            Code::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        )
        .with_page(format!("请求的内容超过 {} KiB 的上限。", limit / 1024))
    }

    /// 414 for a query string over `limit` bytes.
    pub fn uri_too_long(limit: usize) -> WebError {
        WebError::new(
            Code::UriTooLong,
            format!("the query string is longer than {limit} bytes"),
        )
        .with_page(format!(
            "地址中的检索条件超过 {} KiB 的上限，请减少筛选条件。",
            limit / 1024
        ))
    }

    /// 503 when the search slots are all taken.
    pub fn overloaded() -> WebError {
        WebError::new(
            Code::Overloaded,
            "too many searches at once; retry in a second",
        )
        .with_page("同时进行的检索太多，请过一秒再试。")
    }

    /// 503 for an export that waited too long for an export slot.
    pub fn exports_busy() -> WebError {
        WebError::new(
            Code::Overloaded,
            "too many exports at once; retry in a few seconds",
        )
        .with_page("同时进行的导出太多，请过几秒再试。")
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
        let page = crate::web::views::error_page(status, &self.page_text());
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

/// `ms` in seconds, as a page says it: `10`, `0.1`.
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{:.1}", ms as f64 / 1000.0)
    }
}

/// What a search parameter is called on the pages (its name in the URL
/// after it), and what its value must be.
fn param_in_chinese(param: &str) -> (String, String) {
    let named = |zh: &str| format!("{zh}（{param}）");
    if let Some(kind) = FacetKind::from_param(param) {
        let rule = match kind.shape() {
            Shape::Number => format!("应为四位数字的年份，如 2020，至多 {MAX_FILTER_VALUES} 项"),
            _ => {
                format!("每项不能为空、不超过 100 个字、不含控制字符，至多 {MAX_FILTER_VALUES} 项")
            }
        };
        return (named(kind.label()), rule);
    }
    let (zh, rule) = match param {
        "q" => ("检索词", "请重新输入".to_string()),
        "page" => (
            "页码",
            format!("应为从 1 开始的整数，且翻到的结果不超过第 {MAX_OFFSET} 条"),
        ),
        "per_page" => ("每页条数", format!("应为 1 到 {MAX_PER_PAGE} 之间的整数")),
        "per_report" => ("每篇报告条数", "应为不小于 0 的整数".to_string()),
        "sort" => (
            "排序方式",
            "应为 relevance（相关度）、date（日期）或 funding（金额）".to_string(),
        ),
        "min_funding" => ("金额下限", "应为不小于 0 的数字，单位为元".to_string()),
        "max_funding" => ("金额上限", "应为不小于 0 的数字，单位为元".to_string()),
        "year_from" => ("起始年份", "应为四位数字的年份，如 2015".to_string()),
        "year_to" => ("截止年份", "应为四位数字的年份，如 2020".to_string()),
        "report" | "id" => ("报告编号", "不是有效的报告编号".to_string()),
        _ => {
            return (
                format!("参数“{}”", clip(param, 40)),
                "值无法识别".to_string(),
            )
        }
    };
    (named(zh), rule)
}

/// The page's sentence for a bad parameter.
fn bad_parameter_page(param: &str, reason: Reason, choices: &[String]) -> String {
    let (name, rule) = param_in_chinese(param);
    match reason {
        Reason::QueryTooLong => {
            format!("检索词超过 {MAX_QUERY_CHARS} 个字的上限，请缩短后再试。")
        }
        Reason::Encoding => {
            format!("地址中{name}的编码有误：不是有效的百分号编码或 UTF-8 文字。")
        }
        Reason::Unknown => format!("地址中有不认识的{name}。"),
        Reason::Ambiguous => {
            let listed: Vec<String> = choices.iter().take(10).map(|c| clip(c, 100)).collect();
            format!(
                "{name}的值是 {} 个地方共有的名称，请选用其中之一：{}。",
                choices.len(),
                listed.join("、")
            )
        }
        Reason::Invalid => format!("{name}有误：{rule}。"),
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
                choices,
            } => WebError {
                code: match reason {
                    Reason::QueryTooLong => Code::QueryTooLong,
                    _ => Code::BadParameter,
                },
                message,
                page: Some(bad_parameter_page(&param, reason, &choices)),
                param: Some(param),
            },
            Error::NotFound(id) => WebError::new(
                Code::NotFound,
                format!("no report with id {:?}", clip(&id, 100)),
            )
            .with_page(format!("没有编号为“{}”的报告。", clip(&id, 100))),
            Error::Timeout(ms) => {
                WebError::new(Code::QueryTimeout, error.to_string()).with_page(format!(
                    "检索用时超过 {} 秒，已经停止。请减少检索词或加上筛选条件后再试。",
                    seconds(ms)
                ))
            }
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
                ("unauthorized", 401),
                ("forbidden", 403),
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
    fn pages_say_it_in_chinese_and_the_api_in_english() {
        let han = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let errors = [
            WebError::from(Error::bad("page", "page starts at 1")),
            WebError::from(Error::bad("year", "year must be a four-digit year")),
            WebError::from(Error::bad_as("q", Reason::Encoding, "not valid UTF-8")),
            WebError::from(Error::bad_as("x", Reason::Unknown, "unknown parameter")),
            WebError::from(Error::ambiguous(
                "region",
                "names 2 places",
                vec!["福建省/福州市/鼓楼区".into(), "江苏省/南京市/鼓楼区".into()],
            )),
            WebError::from(Error::query_too_long(256)),
            WebError::from(Error::NotFound("r".into())),
            WebError::from(Error::Timeout(5000)),
            WebError::from(Error::Internal("secret".into())),
            WebError::bad_parameter("id", "the report id is malformed"),
            WebError::not_found("page"),
            WebError::method_not_allowed(),
            WebError::request_timeout(std::time::Duration::from_millis(100)),
            WebError::payload_too_large(64 * 1024),
            WebError::uri_too_long(8 * 1024),
            WebError::overloaded(),
            WebError::exports_busy(),
        ];
        for e in errors {
            let page = e.page_text();
            assert!(han(&page), "{:?}: {page}", e.code);
            assert!(!han(&e.message), "{:?}: {}", e.code, e.message);
        }
        let e = WebError::from(Error::Timeout(5000));
        assert!(e.page_text().contains("5 秒"), "{}", e.page_text());
        let e = WebError::request_timeout(std::time::Duration::from_millis(100));
        assert!(e.page_text().contains("0.1 秒"), "{}", e.page_text());
        let e = WebError::from(Error::ambiguous(
            "region",
            "",
            vec!["甲/乙".into(), "丙/乙".into()],
        ));
        assert!(e.page_text().contains("甲/乙、丙/乙"), "{}", e.page_text());
        assert_eq!(e.code, Code::BadParameter);
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
