//! The exports of a result set: every hit of the current search (up to
//! [`EXPORT_LIMIT`]) as CSV for spreadsheets or as JSON, each hit as the
//! API serializes it.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use super::format::plain_amount;
use super::params::request_from_query;
use super::AppState;
use crate::facet::FacetKind;
use crate::search::Hit;

/// Most rows an export returns.
pub const EXPORT_LIMIT: usize = 5_000;

/// Run `render` over every hit of the search a query string describes, in
/// plain rank order, as an export: in an export slot, on the blocking pool
/// (rendering 5,000 rows is work too).
async fn export_hits<T: Send + 'static>(
    state: &AppState,
    raw: Option<&str>,
    render: fn(Vec<Hit>) -> T,
) -> Result<T, WebError> {
    let mut request = request_from_query(raw, false)?;
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
            crate::search::search_all(engine, &request, EXPORT_LIMIT).map(render)
        })
        .await
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

/// The header row of the CSV export: the columns before the facets, one
/// column per facet named by its parameter, then funding and text (a unit
/// test checks it against [`FacetKind::ALL`]).
pub const CSV_HEADER: &str =
    "id,report_id,title,date,source,paragraph,section,region,donor,sector,year,programme,report_year,funding_yuan,text";

/// The CSV text of hits, UTF-8 with a BOM so Excel reads it, CRLF line ends.
pub fn hits_csv(hits: &[Hit]) -> String {
    let mut out = format!("\u{FEFF}{CSV_HEADER}\r\n");
    for h in hits {
        let funding: Vec<String> = h.funding.iter().map(|f| plain_amount(*f)).collect();
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
        row.extend([funding.join("; "), h.text.clone()]);
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

/// `GET /export.csv`: the current result set as CSV.
pub async fn export_csv(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    match export_hits(&state, raw.as_deref(), |hits| hits_csv(&hits)).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"aidsearch-results.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => e.into_page(),
    }
}

/// `GET /export.json`: the current result set as JSON.
pub async fn export_json(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let render = |hits: Vec<Hit>| {
        serde_json::to_vec(&serde_json::json!({ "total": hits.len(), "hits": hits }))
    };
    match export_hits(&state, raw.as_deref(), render).await {
        Ok(Ok(json)) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"aidsearch-results.json\"",
                ),
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
    fn csv_escapes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_has_a_column_per_facet() {
        let facets: Vec<&str> = FacetKind::ALL.iter().map(|k| k.param()).collect();
        let header = format!(
            "id,report_id,title,date,source,paragraph,section,{},funding_yuan,text",
            facets.join(",")
        );
        assert_eq!(CSV_HEADER, header);
    }
}
