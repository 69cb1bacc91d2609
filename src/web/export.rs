//! The exports of a result set: every hit of the current search (up to
//! [`EXPORT_LIMIT`]) as CSV for spreadsheets or as JSON, each hit as the
//! API serializes it.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::auth::Viewer;
use super::error::WebError;
use super::format::plain_amount;
pub use super::links::EXPORT_LIMIT;
use super::params::request_from_query;
use super::AppState;
use crate::facet::FacetKind;
use crate::search::Hit;

/// Header of a CSV export: the search's hits, and the rows in the file.
pub const TOTAL_HEADER: &str = "x-aidsearch-total";
pub const ROWS_HEADER: &str = "x-aidsearch-rows";

/// Run `render` over every hit of the search a query string describes, in
/// plain rank order, as an export: in an export slot, on the blocking pool
/// (rendering 5,000 rows is work too).
async fn export_hits<T: Send + 'static>(
    state: &AppState,
    viewer: Viewer,
    raw: Option<&str>,
    render: impl FnOnce(Exported) -> T + Send + 'static,
) -> Result<T, WebError> {
    let mut request = request_from_query(raw, false)?;
    request.scope = viewer.scope();
    let who = viewer.0.who();
    let query = raw.unwrap_or("").to_string();
    // Plain rank order, without the per-report cap that spreads the first
    // page over reports: `search_all` pages through the ranking, and the
    // capped order shifts with the window each page ranks, which repeated
    // and skipped rows past 500 (脱贫 on a 6,000-report corpus: 1,402 rows,
    // 981 distinct) and made a 5,000-row export overrun the time budget.
    request.per_report = Some(0);
    state
        .exporting(move |engine, deadline| {
            let request = crate::search::SearchRequest {
                deadline,
                ..request
            };
            // The true total, which the rows may fall short of (the cap).
            let counted = crate::search::search(
                engine,
                &crate::search::SearchRequest {
                    per_page: 1,
                    ..request.clone()
                },
            )?;
            let hits = crate::search::search_all(engine, &request, EXPORT_LIMIT)?;
            Ok((
                hits.len(),
                render(Exported {
                    query: request.q.clone(),
                    total: counted.total,
                    hits,
                }),
            ))
        })
        .await
        .map(|(rows, rendered)| {
            state.audit(super::audit::Event {
                event: "export",
                who,
                address: String::new(),
                query,
                rows: Some(rows),
                ..Default::default()
            });
            rendered
        })
}

/// Bytes a `filename*` value percent-encodes: all but RFC 5987's attr-chars
/// that a file name needs.
const FILE_NAME_CHARS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// What an export holds: the rows, and how many hits the search had.
pub struct Exported {
    pub query: String,
    pub total: u64,
    pub hits: Vec<Hit>,
}

impl Exported {
    /// Whether the rows are fewer than the hits (the [`EXPORT_LIMIT`] cap).
    pub fn truncated(&self) -> bool {
        (self.hits.len() as u64) < self.total
    }

    /// `attachment` with a file name that says what was searched and, when
    /// the cap cut it, how much of it the file holds (`检索-援藏-前5000条-共20065条.csv`);
    /// a plain ASCII name for clients that read no other.
    pub fn disposition(&self, extension: &str) -> String {
        let what: String = self
            .query
            .chars()
            .filter(|c| !c.is_control() && !"\\/:*?\"<>|".contains(*c))
            .take(40)
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("_");
        let mut name = if what.is_empty() {
            "检索-全部".to_string()
        } else {
            format!("检索-{what}")
        };
        if self.truncated() {
            name.push_str(&format!("-前{}条-共{}条", self.hits.len(), self.total));
        }
        name.push('.');
        name.push_str(extension);
        let encoded = percent_encoding::utf8_percent_encode(&name, FILE_NAME_CHARS);
        format!(
            "attachment; filename=\"aidsearch-results.{extension}\"; filename*=UTF-8''{encoded}"
        )
    }
}

/// Quote a CSV field; cells that a spreadsheet would run as a formula get a
/// leading apostrophe.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The CSV export's Chinese headings before the facets' (which are their
/// page labels, `FacetKind::label`).
const CSV_LEAD: [&str; 7] = [
    "段落ID",
    "报告ID",
    "标题",
    "日期",
    "来源",
    "段落序号",
    "章节",
];
/// The headings after the facets': the largest amount as a number a
/// spreadsheet sums and sorts, every amount, the text, a link to the
/// paragraph in its report.
const CSV_TAIL: [&str; 4] = ["最大金额（元）", "全部金额（元）", "原文", "链接"];

/// The header row of the CSV export: the columns before the facets, one
/// column per facet named by its Chinese label, then the amounts, the text
/// and the link.
pub fn csv_header() -> String {
    CSV_LEAD
        .iter()
        .copied()
        .chain(FacetKind::ALL.map(FacetKind::label))
        .chain(CSV_TAIL)
        .collect::<Vec<_>>()
        .join(",")
}

/// The CSV text of hits, UTF-8 with a BOM so Excel reads it, CRLF line ends.
/// `site` (`http://host:port`) makes the links absolute, so a spreadsheet
/// opens them; without it they are paths.
pub fn hits_csv(hits: &[Hit], site: Option<&str>) -> String {
    let mut out = format!("\u{FEFF}{}\r\n", csv_header());
    for h in hits {
        let funding: Vec<String> = h.funding.iter().map(|f| plain_amount(*f)).collect();
        let largest = h
            .funding
            .iter()
            .copied()
            .fold(None, |m: Option<f64>, f| Some(m.map_or(f, |m| m.max(f))))
            .map(plain_amount)
            .unwrap_or_default();
        let link = format!(
            "{}{}",
            site.unwrap_or_default(),
            super::links::paragraph_url(&h.report.id, h.paragraph)
        );
        let mut row = vec![
            h.id.clone(),
            h.report.id.clone(),
            h.report.title.clone(),
            h.report.date.clone().unwrap_or_default(),
            h.report.source.clone().unwrap_or_default(),
            h.paragraph.to_string(),
            h.section.clone().unwrap_or_default(),
        ];
        row.extend(FacetKind::ALL.map(|kind| h.values(kind).join("; ")));
        row.extend([largest, funding.join("; "), h.text.clone(), link]);
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// `http://` and the request's Host, when it is a plain host name or address
/// with a port (nothing else goes into a link).
fn site(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    plain.then(|| format!("http://{host}"))
}

/// `GET /export.csv`: the current result set as CSV.
pub async fn export_csv(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let site = site(&headers);
    let render = move |e: Exported| {
        let counts = (e.total, e.hits.len(), e.disposition("csv"));
        (counts, hits_csv(&e.hits, site.as_deref()))
    };
    match export_hits(&state, viewer, raw.as_deref(), render).await {
        Ok(((total, rows, disposition), csv)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
                (
                    header::HeaderName::from_static(TOTAL_HEADER),
                    total.to_string(),
                ),
                (
                    header::HeaderName::from_static(ROWS_HEADER),
                    rows.to_string(),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => e.into_page(),
    }
}

/// `GET /export.json`: the current result set as JSON.
pub async fn export_json(
    State(state): State<Arc<AppState>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Response {
    let render = |e: Exported| {
        let disposition = e.disposition("json");
        let body = serde_json::to_vec(&serde_json::json!({
            "total": e.total,
            "exported": e.hits.len(),
            "limit": EXPORT_LIMIT,
            "truncated": e.truncated(),
            "hits": e.hits,
        }));
        body.map(|b| (disposition, b))
    };
    match export_hits(&state, viewer, raw.as_deref(), render).await {
        Ok(Ok((disposition, json))) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            json,
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "serializing an export");
            WebError::internal().into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_export_says_so_in_its_file_name() {
        let capped = Exported {
            query: "援藏 医疗/".into(),
            total: 20_065,
            hits: Vec::new(),
        };
        assert!(capped.truncated());
        let name = capped.disposition("csv");
        let encoded = percent_encoding::utf8_percent_encode(
            "检索-援藏_医疗-前0条-共20065条.csv",
            FILE_NAME_CHARS,
        )
        .to_string();
        assert!(name.ends_with(&encoded), "{name}");
        assert!(name.starts_with("attachment; filename=\"aidsearch-results.csv\""));
    }

    #[test]
    fn csv_escapes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_has_a_chinese_column_per_facet() {
        let facets: Vec<&str> = FacetKind::ALL.iter().map(|k| k.label()).collect();
        let header = format!(
            "段落ID,报告ID,标题,日期,来源,段落序号,章节,{},最大金额（元）,全部金额（元）,原文,链接",
            facets.join(",")
        );
        assert_eq!(csv_header(), header);
    }

    #[test]
    fn links_are_absolute_only_for_a_plain_host() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:3011".parse().unwrap());
        assert_eq!(site(&headers).as_deref(), Some("http://127.0.0.1:3011"));
        headers.insert(header::HOST, "evil.example/\"@x".parse().unwrap());
        assert_eq!(site(&headers), None);
        assert_eq!(site(&axum::http::HeaderMap::new()), None);
    }
}
