//! HTML pages (askama templates in `templates/`), the stylesheet, and the
//! CSV/JSON exports. Views are page-shaped structs built from the library's
//! responses; every piece of corpus or user text is escaped by the templates,
//! except snippets, which the library has already escaped and marked.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::api::request_from_query;
use super::error::ApiError;
use super::params::{encode, to_query_string};
use super::AppState;
use crate::search::{FacetValue, Hit, SearchRequest, SearchResponse, Sort};

/// The stylesheet, served by the binary itself.
const STYLESHEET: &str = include_str!("../../templates/style.css");

/// A link with a label.
#[derive(Debug, Clone)]
pub struct Link {
    pub label: String,
    pub url: String,
    pub count: u64,
    pub selected: bool,
}

/// One facet block of the sidebar.
#[derive(Debug, Clone)]
pub struct FacetGroup {
    pub name: &'static str,
    pub title: &'static str,
    pub values: Vec<Link>,
}

/// One bar of the year chart.
#[derive(Debug, Clone)]
pub struct YearBar {
    pub link: Link,
    pub x: u32,
    pub y: u32,
    pub height: u32,
}

/// One result as the page shows it.
#[derive(Debug, Clone)]
pub struct HitView {
    pub title: String,
    pub url: String,
    pub date: String,
    pub source: String,
    pub section: String,
    pub snippet: String,
    pub kind: String,
    pub tags: Vec<Link>,
    pub funding: Vec<String>,
    pub more_url: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub q: String,
    pub response: Option<SearchResponse>,
    pub hits: Vec<HitView>,
    pub groups: Vec<FacetGroup>,
    pub breadcrumb: Vec<Link>,
    pub chips: Vec<Link>,
    pub clear_url: String,
    pub years: Vec<YearBar>,
    pub chart_width: u32,
    pub pages: Vec<Link>,
    pub prev_url: String,
    pub next_url: String,
    pub sorts: Vec<Link>,
    pub csv_url: String,
    pub json_url: String,
    pub suggestions: Vec<Link>,
    pub related: Vec<Link>,
    pub min_funding: String,
    pub hidden: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage {
    pub report: crate::search::ReportView,
    pub q: String,
    pub target: u32,
    pub back_url: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
}

fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "页面渲染失败",
                )),
            )
                .into_response()
        }
    }
}

/// A friendly error page in Chinese.
pub fn error_page(status: StatusCode, message: &str) -> String {
    let title = match status.as_u16() {
        404 => "页面不存在",
        400 | 414 | 413 => "请求有误",
        503 => "系统繁忙",
        _ => "出错了",
    };
    ErrorPage {
        status: status.as_u16(),
        title: title.to_string(),
        message: message.to_string(),
    }
    .render()
    .unwrap_or_else(|_| "<!doctype html><title>错误</title><p>出错了</p>".to_string())
}

fn url(request: &SearchRequest) -> String {
    let qs = to_query_string(request);
    if qs.is_empty() {
        "/".to_string()
    } else {
        format!("/?{qs}")
    }
}

/// The same search on page 1 after `change` (any filter change resets the page).
fn changed(request: &SearchRequest, change: impl FnOnce(&mut SearchRequest)) -> String {
    let mut r = request.clone();
    r.page = 1;
    change(&mut r);
    url(&r)
}

fn parent_of(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(p, _)| p)
}

/// Link for a region or donor value: drill down from its parent, add a
/// sibling, or remove a selected value (climbing back to its parent).
fn place_link(
    request: &SearchRequest,
    current: &[String],
    value: &FacetValue,
    set: fn(&mut SearchRequest) -> &mut Vec<String>,
) -> String {
    let v = value.value.clone();
    changed(request, |r| {
        let list = set(r);
        if value.selected {
            list.retain(|x| *x != v);
            if list.is_empty() {
                if let Some(parent) = parent_of(&v) {
                    list.push(parent.to_string());
                }
            }
        } else if current
            .iter()
            .all(|c| parent_of(&v) == parent_of(c) && !current.is_empty())
        {
            list.push(v);
        } else {
            list.clear();
            list.push(v);
        }
    })
}

fn toggle_link(
    request: &SearchRequest,
    value: &str,
    selected: bool,
    set: fn(&mut SearchRequest) -> &mut Vec<String>,
) -> String {
    changed(request, |r| {
        let list = set(r);
        if selected {
            list.retain(|x| x != value);
        } else {
            list.push(value.to_string());
        }
    })
}

fn regions(r: &mut SearchRequest) -> &mut Vec<String> {
    &mut r.region
}
fn donors(r: &mut SearchRequest) -> &mut Vec<String> {
    &mut r.donor
}
fn sectors(r: &mut SearchRequest) -> &mut Vec<String> {
    &mut r.sector
}
fn years(r: &mut SearchRequest) -> &mut Vec<String> {
    &mut r.year
}

/// `380000000` → `3.8亿元`, `47250000` → `4725万元`.
pub fn format_yuan(yuan: f64) -> String {
    let trim = |v: f64| {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if yuan >= 1e8 {
        format!("{}亿元", trim(yuan / 1e8))
    } else if yuan >= 1e4 {
        format!("{}万元", trim(yuan / 1e4))
    } else {
        format!("{}元", trim(yuan))
    }
}

fn report_url(id: &str, paragraph: u32, q: &str, back: &str) -> String {
    let mut s = format!("/report/{}?p={paragraph}", encode(id));
    if !q.is_empty() {
        s.push_str(&format!("&q={}", encode(q)));
    }
    s.push_str(&format!("&back={}", encode(back)));
    s.push_str(&format!("#p-{paragraph}"));
    s
}

fn hit_view(request: &SearchRequest, hit: &Hit) -> HitView {
    let mut tags = Vec::new();
    let here = url(request);
    for region in &hit.region {
        tags.push(Link {
            label: region.rsplit('/').next().unwrap_or(region).to_string(),
            url: changed(request, |r| r.region = vec![region.clone()]),
            count: 0,
            selected: request.region.contains(region),
        });
    }
    for donor in &hit.donor {
        tags.push(Link {
            label: format!("援助方：{}", donor.rsplit('/').next().unwrap_or(donor)),
            url: changed(request, |r| r.donor = vec![donor.clone()]),
            count: 0,
            selected: request.donor.contains(donor),
        });
    }
    for sector in &hit.sector {
        tags.push(Link {
            label: sector.clone(),
            url: changed(request, |r| r.sector = vec![sector.clone()]),
            count: 0,
            selected: request.sector.contains(sector),
        });
    }
    for year in &hit.year {
        tags.push(Link {
            label: format!("{year}年"),
            url: changed(request, |r| r.year = vec![year.clone()]),
            count: 0,
            selected: request.year.contains(year),
        });
    }
    HitView {
        title: hit.report.title.clone(),
        url: report_url(&hit.report.id, hit.paragraph, &request.q, &here),
        date: hit.report.date.clone().unwrap_or_default(),
        source: hit.report.source.clone().unwrap_or_default(),
        section: hit.section.clone().unwrap_or_default(),
        snippet: hit.snippet.clone(),
        kind: match hit.kind.as_str() {
            "caption" => "图片说明".to_string(),
            "heading" => "标题".to_string(),
            _ => String::new(),
        },
        tags,
        funding: hit.funding.iter().map(|y| format_yuan(*y)).collect(),
        more_url: changed(request, |r| {
            r.report = Some(hit.report.id.clone());
            r.per_report = Some(0);
        }),
    }
}

fn build_page(request: &SearchRequest, response: SearchResponse) -> SearchPage {
    let mut groups = Vec::new();
    let place_group =
        |name: &'static str,
         title: &'static str,
         values: &[FacetValue],
         current: &[String],
         set: fn(&mut SearchRequest) -> &mut Vec<String>| FacetGroup {
            name,
            title,
            values: values
                .iter()
                .map(|v| Link {
                    label: v.label.clone(),
                    url: place_link(request, current, v, set),
                    count: v.count,
                    selected: v.selected,
                })
                .collect(),
        };
    groups.push(place_group(
        "region",
        "地区",
        &response.facets.region,
        &request.region,
        regions,
    ));
    groups.push(place_group(
        "donor",
        "援助方",
        &response.facets.donor,
        &request.donor,
        donors,
    ));
    groups.push(FacetGroup {
        name: "sector",
        title: "领域",
        values: response
            .facets
            .sector
            .iter()
            .map(|v| Link {
                label: v.label.clone(),
                url: toggle_link(request, &v.value, v.selected, sectors),
                count: v.count,
                selected: v.selected,
            })
            .collect(),
    });

    // Breadcrumb of the region tree.
    let mut breadcrumb = vec![Link {
        label: "全部地区".to_string(),
        url: changed(request, |r| r.region.clear()),
        count: 0,
        selected: request.region.is_empty(),
    }];
    if !response.region_parent.is_empty() {
        let mut path = String::new();
        for part in response.region_parent.split('/') {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            let p = path.clone();
            breadcrumb.push(Link {
                label: part.to_string(),
                url: changed(request, |r| r.region = vec![p]),
                count: 0,
                selected: request.region == [path.clone()],
            });
        }
    }

    let mut chips = Vec::new();
    for (name, list) in [
        ("地区", &request.region),
        ("援助方", &request.donor),
        ("领域", &request.sector),
        ("年份", &request.year),
    ] {
        for v in list {
            let v2 = v.clone();
            chips.push(Link {
                label: format!("{name}：{}", v.rsplit('/').next().unwrap_or(v)),
                url: changed(request, |r| {
                    for l in [&mut r.region, &mut r.donor, &mut r.sector, &mut r.year] {
                        l.retain(|x| *x != v2);
                    }
                }),
                count: 0,
                selected: true,
            });
        }
    }
    if let Some(min) = request.min_funding {
        chips.push(Link {
            label: format!("金额 ≥ {}", format_yuan(min)),
            url: changed(request, |r| r.min_funding = None),
            count: 0,
            selected: true,
        });
    }
    if let Some(report) = &request.report {
        chips.push(Link {
            label: format!("报告：{report}"),
            url: changed(request, |r| {
                r.report = None;
                r.per_report = None;
            }),
            count: 0,
            selected: true,
        });
    }
    let clear_url = changed(request, |r| {
        r.region.clear();
        r.donor.clear();
        r.sector.clear();
        r.year.clear();
        r.min_funding = None;
        r.max_funding = None;
        r.report = None;
        r.per_report = None;
    });

    // Year chart: one bar per year, height by count.
    let max = response
        .facets
        .year
        .iter()
        .map(|v| v.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let bar = 22u32;
    let years: Vec<YearBar> = response
        .facets
        .year
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let height = ((v.count as f64 / max as f64) * 60.0).ceil().max(2.0) as u32;
            YearBar {
                link: Link {
                    label: v.label.clone(),
                    url: toggle_link(request, &v.value, v.selected, years),
                    count: v.count,
                    selected: v.selected,
                },
                x: i as u32 * (bar + 4),
                y: 64 - height,
                height,
            }
        })
        .collect();
    let chart_width = (years.len() as u32 * (bar + 4)).max(bar);

    let last_page = (response.total as usize)
        .div_ceil(request.per_page)
        .clamp(1, crate::search::MAX_OFFSET / request.per_page);
    let pages: Vec<Link> = (1..=last_page)
        .filter(|p| *p == 1 || *p == last_page || p.abs_diff(request.page) <= 3)
        .map(|p| Link {
            label: p.to_string(),
            url: {
                let mut r = request.clone();
                r.page = p;
                url(&r)
            },
            count: 0,
            selected: p == request.page,
        })
        .collect();
    let page_url = |p: usize| {
        let mut r = request.clone();
        r.page = p;
        url(&r)
    };
    let prev_url = if request.page > 1 {
        page_url(request.page - 1)
    } else {
        String::new()
    };
    let next_url = if request.page < last_page {
        page_url(request.page + 1)
    } else {
        String::new()
    };
    let sorts = [
        (Sort::Relevance, "相关度"),
        (Sort::Date, "日期"),
        (Sort::Funding, "金额"),
    ]
    .into_iter()
    .map(|(s, label)| Link {
        label: label.to_string(),
        url: changed(request, |r| r.sort = s),
        count: 0,
        selected: response.sort == s,
    })
    .collect();
    let export = |path: &str| {
        let mut r = request.clone();
        r.page = 1;
        let qs = to_query_string(&r);
        if qs.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{qs}")
        }
    };
    let suggestions = response
        .suggestions
        .iter()
        .map(|s| Link {
            label: s.clone(),
            url: changed(request, |r| r.q = s.clone()),
            count: 0,
            selected: false,
        })
        .collect();
    let related = response
        .related
        .iter()
        .map(|s| Link {
            label: s.clone(),
            url: changed(request, |r| r.q = s.clone()),
            count: 0,
            selected: false,
        })
        .collect();
    // Filters the search form keeps when the words change.
    let mut hidden = Vec::new();
    for (name, list) in [
        ("region", &request.region),
        ("donor", &request.donor),
        ("sector", &request.sector),
        ("year", &request.year),
    ] {
        for v in list {
            hidden.push((name.to_string(), v.clone()));
        }
    }
    if request.sort != Sort::Relevance {
        hidden.push(("sort".to_string(), request.sort.as_str().to_string()));
    }
    if let Some(report) = &request.report {
        hidden.push(("report".to_string(), report.clone()));
    }
    SearchPage {
        q: request.q.clone(),
        hits: response.hits.iter().map(|h| hit_view(request, h)).collect(),
        groups,
        breadcrumb,
        chips,
        clear_url,
        years,
        chart_width,
        pages,
        prev_url,
        next_url,
        sorts,
        csv_url: export("/export.csv"),
        json_url: export("/export.json"),
        suggestions,
        related,
        min_funding: request
            .min_funding
            .map(|v| v.to_string())
            .unwrap_or_default(),
        hidden,
        response: Some(response),
    }
}

/// `GET /`: the search page.
pub async fn search_page(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let request = match request_from_query(raw.as_deref(), false) {
        Ok(r) => r,
        Err(e) => return e.into_page(),
    };
    match state.search(request.clone()).await {
        Ok(response) => render(&build_page(&request, response)),
        Err(e) => e.into_page(),
    }
}

/// `GET /report/{id}?p=N&q=…`: the whole report, the target paragraph marked.
pub async fn report_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = match super::params::decode_pairs(raw.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_page(),
    };
    let mut q = String::new();
    let mut target = 0;
    let mut back_url = "/".to_string();
    for (name, value) in pairs {
        match name.as_str() {
            "q" => q = value,
            "p" => target = value.parse().unwrap_or(0),
            // Only same-site search URLs are accepted as the way back.
            "back" if value.starts_with("/?") || value == "/" => back_url = value,
            _ => {}
        }
    }
    if q.chars().count() > crate::search::MAX_QUERY_CHARS {
        q.clear();
    }
    let highlight = q.clone();
    match state
        .blocking(move |engine| crate::search::report(engine, &id, &highlight))
        .await
    {
        Ok(report) => render(&ReportPage {
            report,
            q,
            target,
            back_url,
        }),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有找到这篇报告。").into_page()
        }
        Err(e) => e.into_page(),
    }
}

/// Most rows an export returns.
pub const EXPORT_LIMIT: usize = 5_000;

async fn export_hits(state: &AppState, raw: Option<&str>) -> Result<Vec<Hit>, ApiError> {
    let request = request_from_query(raw, false)?;
    state
        .blocking(move |engine| crate::search::search_all(engine, &request, EXPORT_LIMIT))
        .await
}

/// Quote a CSV field; cells that a spreadsheet would run as a formula get a
/// leading apostrophe.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
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

/// The CSV text of hits, UTF-8 with a BOM so Excel reads it.
pub fn hits_csv(hits: &[Hit]) -> String {
    let mut out = String::from("\u{FEFF}id,report_id,title,date,source,paragraph,section,region,donor,sector,year,funding_yuan,text\r\n");
    for h in hits {
        let funding: Vec<String> = h.funding.iter().map(|f| format!("{f}")).collect();
        let row = [
            h.id.clone(),
            h.report.id.clone(),
            h.report.title.clone(),
            h.report.date.clone().unwrap_or_default(),
            h.report.source.clone().unwrap_or_default(),
            h.paragraph.to_string(),
            h.section.clone().unwrap_or_default(),
            h.region.join("; "),
            h.donor.join("; "),
            h.sector.join("; "),
            h.year.join("; "),
            funding.join("; "),
            h.text.clone(),
        ];
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
    match export_hits(&state, raw.as_deref()).await {
        Ok(hits) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"aidsearch-results.csv\"",
                ),
            ],
            hits_csv(&hits),
        )
            .into_response(),
        Err(e) => e.into_page(),
    }
}

/// `GET /export.json`: the current result set as JSON.
pub async fn export_json(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    match export_hits(&state, raw.as_deref()).await {
        Ok(hits) => (
            [(
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"aidsearch-results.json\"",
            )],
            axum::Json(serde_json::json!({ "total": hits.len(), "hits": hits })),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /static/style.css`, cacheable for a day.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Unknown page.
pub async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "您要找的页面不存在。").into_page()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_yuan(380_000_000.0), "3.8亿元");
        assert_eq!(format_yuan(47_250_000.0), "4725万元");
        assert_eq!(format_yuan(600.0), "600元");
    }

    #[test]
    fn csv_escapes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
