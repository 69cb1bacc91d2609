//! What the pages show: askama templates and the page-shaped views they
//! render.

use askama::Template;
use axum::http::StatusCode;

/// A friendly error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub explanation: String,
    pub detail: String,
}

/// A friendly error page in Chinese; `detail` (often the library's English
/// message naming the parameter) is shown below the explanation.
pub fn error_page(status: StatusCode, detail: &str) -> String {
    let (title, explanation) = match status.as_u16() {
        404 => (
            "页面不存在",
            "您要找的页面或报告不存在，可能是链接有误，或报告已从语料中移除。",
        ),
        400 | 422 => (
            "请求有误",
            "检索条件中有无法识别的内容。请检查地址中的参数，或回到首页重新检索。",
        ),
        413 | 414 => ("请求过长", "检索条件太长了，请缩短检索词或减少筛选条件。"),
        408 => ("请求超时", "这次检索用时过长，请缩小检索范围后再试。"),
        503 => ("系统繁忙", "同时进行的检索太多，请稍候片刻再试。"),
        _ => ("出错了", "服务器处理请求时出错，请稍后再试。"),
    };
    ErrorPage {
        status: status.as_u16(),
        title: title.to_string(),
        explanation: explanation.to_string(),
        detail: detail.to_string(),
    }
    .render()
    .unwrap_or_else(|_| "<!doctype html><title>错误</title><p>出错了</p>".to_string())
}
