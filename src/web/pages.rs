//! The staff pages: the search page, the report page, friendly error pages,
//! the stylesheet, and the CSV/JSON exports of a result set.
//!
//! Views are page-shaped structs built from the library's responses
//! ([`crate::search::search`], [`crate::search::report`],
//! [`crate::search::search_all`]); the handlers only parse, call the library
//! and render askama templates from `templates/`. Every piece of corpus or
//! user text is escaped by the templates, except snippets, which the library
//! has already escaped and marked with `<mark>`.
//!
//! The pages need no JavaScript: every state (query, filters, page, sort) is
//! in the URL, so plain links and GET forms give bookmarks, back and forward.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::api::request_from_query;
use super::error::ApiError;
use super::params::{decode_pairs, encode, to_query_string};
use super::AppState;
use crate::corpus::{self, ParagraphKind};
use crate::labels::TIBET;
use crate::search::{FacetValue, Hit, ReportView, SearchRequest, SearchResponse, Sort};

/// The stylesheet, served by the binary itself.
const STYLESHEET: &str = include_str!("../../templates/style.css");

/// The stylesheet's URL, versioned by a hash of its content, so browsers may
/// cache it for a day yet see a new release's stylesheet at once.
pub fn stylesheet_url() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let hash = corpus::fnv1a(&[STYLESHEET.as_bytes()]);
        format!("/static/style.css?v={:08x}", hash >> 32)
    })
}

/// Most rows an export returns.
pub const EXPORT_LIMIT: usize = 5_000;

/// A link with a label, as facets, chips, tags and pages use it.
#[derive(Debug, Clone, Default)]
pub struct Link {
    pub label: String,
    pub url: String,
    pub count: u64,
    pub selected: bool,
    /// Longer text for a tooltip (a whole region path, say).
    pub title: String,
}

/// One value of a facet, with the level below it when it is the one
/// selected value of a tree facet (region, donor).
#[derive(Debug, Clone)]
pub struct FacetItem {
    pub link: Link,
    pub children: Vec<Link>,
}

/// One facet block of the sidebar.
#[derive(Debug, Clone)]
pub struct FacetGroup {
    /// The URL parameter (`region`, `donor`, `sector`).
    pub name: &'static str,
    pub title: &'static str,
    pub items: Vec<FacetItem>,
    /// The path to the current level of a tree facet, from "all" down; empty
    /// for flat facets and at the top.
    pub crumbs: Vec<Link>,
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

/// The search page.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub q: String,
    pub response: SearchResponse,
    /// Position of the first and last hit shown (1-based).
    pub first: u64,
    pub last: u64,
    /// True when the hits go past what pagination can reach.
    pub capped: bool,
    pub hits: Vec<HitView>,
    pub groups: Vec<FacetGroup>,
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
    pub max_funding: String,
    /// State the search form carries when the words change (all but `q`).
    pub form_hidden: Vec<(String, String)>,
    /// State the funding form carries (all but the amounts).
    pub funding_hidden: Vec<(String, String)>,
}

/// One paragraph of the report page.
#[derive(Debug, Clone)]
pub struct ParagraphView {
    pub number: u32,
    /// `paragraph`, `caption` or `heading`.
    pub kind: String,
    pub snippet: String,
    pub tags: Vec<Link>,
    pub funding: Vec<String>,
    pub target: bool,
}

/// The report page: the whole cleaned report.
#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage {
    pub title: String,
    pub date: String,
    pub date_note: String,
    pub source: String,
    pub byline: String,
    pub file: String,
    pub paragraphs: Vec<ParagraphView>,
    pub q: String,
    pub target: u32,
    pub back_url: String,
    /// True when the page was reached from a search (the way back keeps it).
    pub from_search: bool,
    /// Search inside this report.
    pub within_url: String,
}

/// A friendly error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub explanation: String,
    pub detail: String,
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

/// The search page URL that reproduces `request`.
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

/// The state of `request` as (name, value) pairs, without the names in `skip`.
fn state_pairs(request: &SearchRequest, skip: &[&str]) -> Vec<(String, String)> {
    decode_pairs(&to_query_string(request))
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .collect()
}

fn parent_of(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(p, _)| p)
}

fn last_part(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The facets a page filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Region,
    Donor,
    Sector,
    Year,
}

impl Kind {
    fn list(self, r: &mut SearchRequest) -> &mut Vec<String> {
        match self {
            Kind::Region => &mut r.region,
            Kind::Donor => &mut r.donor,
            Kind::Sector => &mut r.sector,
            Kind::Year => &mut r.year,
        }
    }

    fn selected(self, r: &SearchRequest) -> &[String] {
        match self {
            Kind::Region => &r.region,
            Kind::Donor => &r.donor,
            Kind::Sector => &r.sector,
            Kind::Year => &r.year,
        }
    }

    /// The level a tree facet lists its siblings from: the parent path, or
    /// empty for the top. The region tree's top level already shows Tibet's
    /// prefectures beside the provinces, so Tibet's children count as top.
    fn sibling_level(self, path: &str) -> Option<String> {
        match parent_of(path) {
            None => None,
            Some(TIBET) if self == Kind::Region => None,
            Some(p) => Some(p.to_string()),
        }
    }
}

/// The request that lists the siblings of the one selected value of a tree
/// facet, so the sidebar can show that level with the value checked. Its
/// counts equal the sibling counts under the current filters, because a
/// facet is counted without its own filter.
fn siblings_request(request: &SearchRequest, kind: Kind) -> Option<SearchRequest> {
    let selected = kind.selected(request);
    // Tibet itself is not listed at the top (its prefectures are), so with
    // Tibet chosen its own listing is the level to show.
    if selected.len() != 1 || (kind == Kind::Region && selected[0] == TIBET) {
        return None;
    }
    let mut r = request.clone();
    *kind.list(&mut r) = kind.sibling_level(&selected[0]).into_iter().collect();
    r.page = 1;
    r.per_page = 1;
    Some(r)
}

/// The link of a tree-facet value listed at `selected`'s level or below it.
fn tree_link(request: &SearchRequest, kind: Kind, value: &str, selected: bool) -> String {
    let current = kind.selected(request).to_vec();
    changed(request, |r| {
        let list = kind.list(r);
        if selected {
            // Unchecking climbs to the parent rather than to nothing, so a
            // county unchecked leaves its prefecture selected.
            list.retain(|x| x != value);
            if list.is_empty() {
                if let Some(level) = kind.sibling_level(value) {
                    list.push(level);
                }
            }
        } else if current.iter().any(|c| value.starts_with(&format!("{c}/"))) {
            // A value below the selection: drill down to it.
            list.clear();
            list.push(value.to_string());
        } else if current
            .iter()
            .all(|c| kind.sibling_level(c) == kind.sibling_level(value))
        {
            // Nothing chosen yet, or a sibling of what is: add it (OR).
            list.push(value.to_string());
        } else {
            list.clear();
            list.push(value.to_string());
        }
    })
}

fn tree_value_link(request: &SearchRequest, kind: Kind, v: &FacetValue, selected: bool) -> Link {
    Link {
        label: v.label.clone(),
        url: tree_link(request, kind, &v.value, selected),
        count: v.count,
        selected,
        title: v.value.clone(),
    }
}

/// A tree facet (region, donor): the current level with the selected value
/// expanded to its children, and the breadcrumb to climb back.
fn tree_group(
    request: &SearchRequest,
    kind: Kind,
    values: &[FacetValue],
    parent: &str,
    siblings: Option<&[FacetValue]>,
    total: u64,
) -> FacetGroup {
    let (name, title) = match kind {
        Kind::Region => ("region", "地区"),
        _ => ("donor", "援助方"),
    };
    let selected = kind.selected(request);
    let items = match siblings {
        Some(siblings) => {
            let chosen = &selected[0];
            let children: Vec<Link> = values
                .iter()
                .map(|v| tree_value_link(request, kind, v, v.selected))
                .collect();
            let mut items: Vec<FacetItem> = siblings
                .iter()
                .map(|s| {
                    let is_chosen = s.value == *chosen;
                    FacetItem {
                        link: tree_value_link(request, kind, s, is_chosen),
                        children: if is_chosen {
                            children.clone()
                        } else {
                            Vec::new()
                        },
                    }
                })
                .collect();
            if !siblings.iter().any(|s| s.value == *chosen) {
                // A value the listing left out still shows, so it can be
                // unchecked; as the only value chosen, its count is the total.
                let missing = FacetValue {
                    value: chosen.clone(),
                    count: total,
                    label: last_part(chosen).to_string(),
                    selected: true,
                };
                items.insert(
                    0,
                    FacetItem {
                        link: tree_value_link(request, kind, &missing, true),
                        children,
                    },
                );
            }
            items
        }
        None => values
            .iter()
            .map(|v| FacetItem {
                link: tree_value_link(request, kind, v, v.selected),
                children: Vec::new(),
            })
            .collect(),
    };

    let mut crumbs = Vec::new();
    if !selected.is_empty() {
        crumbs.push(Link {
            label: if kind == Kind::Region {
                "全部地区"
            } else {
                "全部援助方"
            }
            .to_string(),
            url: changed(request, |r| kind.list(r).clear()),
            ..Link::default()
        });
        let mut path = String::new();
        for part in parent.split('/').filter(|p| !p.is_empty()) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            let p = path.clone();
            crumbs.push(Link {
                label: part.to_string(),
                url: changed(request, |r| *kind.list(r) = vec![p]),
                selected: selected == [path.clone()],
                title: path.clone(),
                ..Link::default()
            });
        }
    }
    FacetGroup {
        name,
        title,
        items,
        crumbs,
    }
}

/// Link that adds or removes one value of a flat facet (OR within it).
fn toggle_link(request: &SearchRequest, kind: Kind, value: &str, selected: bool) -> String {
    changed(request, |r| {
        let list = kind.list(r);
        if selected {
            list.retain(|x| x != value);
        } else {
            list.push(value.to_string());
        }
    })
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

/// A yuan amount as the funding form shows it back (no exponent, no `.0`).
fn plain_amount(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The report page at `paragraph`, carrying the query (for highlighting)
/// and the search page to come back to.
fn report_url(id: &str, paragraph: u32, q: &str, back: &str) -> String {
    let mut s = format!("/report/{}?p={paragraph}", encode(id));
    if !q.is_empty() {
        s.push_str(&format!("&q={}", encode(q)));
    }
    s.push_str(&format!("&back={}", encode(back)));
    s.push_str(&format!("#p-{paragraph}"));
    s
}

/// The facet tags of a paragraph, each a link to the search filtered by it.
fn tags(
    request: &SearchRequest,
    region: &[String],
    donor: &[String],
    sector: &[String],
    year: &[String],
) -> Vec<Link> {
    let mut out = Vec::new();
    for (kind, values, prefix, suffix) in [
        (Kind::Region, region, "", ""),
        (Kind::Donor, donor, "援助方：", ""),
        (Kind::Sector, sector, "", ""),
        (Kind::Year, year, "", "年"),
    ] {
        for v in values {
            out.push(Link {
                label: format!("{prefix}{}{suffix}", last_part(v)),
                url: changed(request, |r| *kind.list(r) = vec![v.clone()]),
                selected: kind.selected(request).contains(v),
                title: v.clone(),
                ..Link::default()
            });
        }
    }
    out
}

fn hit_view(request: &SearchRequest, here: &str, hit: &Hit) -> HitView {
    HitView {
        title: hit.report.title.clone(),
        url: report_url(&hit.report.id, hit.paragraph, &request.q, here),
        date: hit.report.date.clone().unwrap_or_default(),
        source: hit.report.source.clone().unwrap_or_default(),
        section: hit.section.clone().unwrap_or_default(),
        snippet: hit.snippet.clone(),
        kind: kind_label(&hit.kind).to_string(),
        tags: tags(request, &hit.region, &hit.donor, &hit.sector, &hit.year),
        funding: hit.funding.iter().map(|y| format_yuan(*y)).collect(),
        more_url: changed(request, |r| {
            r.report = Some(hit.report.id.clone());
            r.per_report = Some(0);
        }),
    }
}

fn kind_label(kind: &str) -> &'static str {
    match ParagraphKind::parse(kind) {
        Some(ParagraphKind::Caption) => "图片说明",
        Some(ParagraphKind::Heading) => "小标题",
        Some(ParagraphKind::Paragraph) | None => "",
    }
}

/// Sibling listings of the tree facets, fetched when one value is selected.
#[derive(Debug, Default)]
pub struct Siblings {
    pub region: Option<Vec<FacetValue>>,
    pub donor: Option<Vec<FacetValue>>,
}

fn build_page(request: &SearchRequest, response: SearchResponse, siblings: Siblings) -> SearchPage {
    let here = url(request);
    let groups = vec![
        tree_group(
            request,
            Kind::Region,
            &response.facets.region,
            &response.region_parent,
            siblings.region.as_deref(),
            response.total,
        ),
        tree_group(
            request,
            Kind::Donor,
            &response.facets.donor,
            &response.donor_parent,
            siblings.donor.as_deref(),
            response.total,
        ),
        FacetGroup {
            name: "sector",
            title: "领域",
            items: response
                .facets
                .sector
                .iter()
                .map(|v| FacetItem {
                    link: Link {
                        label: v.label.clone(),
                        url: toggle_link(request, Kind::Sector, &v.value, v.selected),
                        count: v.count,
                        selected: v.selected,
                        title: v.value.clone(),
                    },
                    children: Vec::new(),
                })
                .collect(),
            crumbs: Vec::new(),
        },
    ];

    // Active filters as removable chips.
    let mut chips = Vec::new();
    for (kind, name) in [
        (Kind::Region, "地区"),
        (Kind::Donor, "援助方"),
        (Kind::Sector, "领域"),
        (Kind::Year, "年份"),
    ] {
        for v in kind.selected(request) {
            chips.push(Link {
                label: format!("{name}：{}", last_part(v)),
                url: changed(request, |r| kind.list(r).retain(|x| x != v)),
                selected: true,
                title: v.clone(),
                ..Link::default()
            });
        }
    }
    if let Some(min) = request.min_funding {
        chips.push(Link {
            label: format!("金额 ≥ {}", format_yuan(min)),
            url: changed(request, |r| r.min_funding = None),
            selected: true,
            ..Link::default()
        });
    }
    if let Some(max) = request.max_funding {
        chips.push(Link {
            label: format!("金额 ≤ {}", format_yuan(max)),
            url: changed(request, |r| r.max_funding = None),
            selected: true,
            ..Link::default()
        });
    }
    if let Some(report) = &request.report {
        let title = response
            .hits
            .first()
            .map(|h| h.report.title.clone())
            .unwrap_or_else(|| report.clone());
        chips.push(Link {
            label: format!("报告：{title}"),
            url: changed(request, |r| {
                r.report = None;
                r.per_report = None;
            }),
            selected: true,
            title: report.clone(),
            ..Link::default()
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

    // Year chart: one bar per year, height by count, each bar a link.
    let max = response
        .facets
        .year
        .iter()
        .map(|v| v.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let slot = 30u32;
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
                    url: toggle_link(request, Kind::Year, &v.value, v.selected),
                    count: v.count,
                    selected: v.selected,
                    title: format!("{}年：{} 条", v.label, v.count),
                },
                x: i as u32 * slot + 2,
                y: 76 - height,
                height,
            }
        })
        .collect();
    // At least eight slots wide, so a chart of two years keeps small text
    // when the SVG scales to the sidebar.
    let chart_width = years.len().max(8) as u32 * slot;

    let reachable = crate::search::MAX_OFFSET / request.per_page;
    let last_page = (response.total as usize)
        .div_ceil(request.per_page)
        .clamp(1, reachable);
    let page_url = |p: usize| {
        let mut r = request.clone();
        r.page = p;
        url(&r)
    };
    let pages: Vec<Link> = (1..=last_page)
        .filter(|p| *p == 1 || *p == last_page || p.abs_diff(request.page) <= 2)
        .map(|p| Link {
            label: p.to_string(),
            url: page_url(p),
            selected: p == request.page,
            ..Link::default()
        })
        .collect();
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
        selected: response.sort == s,
        ..Link::default()
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
    let query_link = |s: &String| Link {
        label: s.clone(),
        url: changed(request, |r| r.q = s.clone()),
        ..Link::default()
    };
    let offset = (request.page as u64 - 1) * request.per_page as u64;
    SearchPage {
        q: request.q.clone(),
        first: (offset + 1).min(response.total),
        last: (offset + response.hits.len() as u64).min(response.total),
        capped: response.total > crate::search::MAX_OFFSET as u64,
        hits: response
            .hits
            .iter()
            .map(|h| hit_view(request, &here, h))
            .collect(),
        groups,
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
        suggestions: response.suggestions.iter().map(query_link).collect(),
        related: response.related.iter().map(query_link).collect(),
        min_funding: request.min_funding.map(plain_amount).unwrap_or_default(),
        max_funding: request.max_funding.map(plain_amount).unwrap_or_default(),
        form_hidden: state_pairs(request, &["q", "page"]),
        funding_hidden: state_pairs(request, &["min_funding", "max_funding", "page"]),
        response,
    }
}

/// `GET /`: the search page.
pub async fn search_page(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let request = match request_from_query(raw.as_deref(), false) {
        Ok(r) => r,
        Err(e) => return e.into_page(),
    };
    let response = match state.search(request.clone()).await {
        Ok(response) => response,
        Err(e) => return e.into_page(),
    };
    // With one region (or donor) chosen, list its level too, so the tree
    // shows where the choice sits and siblings can be added.
    let mut siblings = Siblings::default();
    for kind in [Kind::Region, Kind::Donor] {
        let Some(r) = siblings_request(&request, kind) else {
            continue;
        };
        let values = match state.search(r).await {
            Ok(s) if kind == Kind::Region => s.facets.region,
            Ok(s) => s.facets.donor,
            Err(e) => return e.into_page(),
        };
        match kind {
            Kind::Region => siblings.region = Some(values),
            _ => siblings.donor = Some(values),
        }
    }
    render(&build_page(&request, response, siblings))
}

fn report_view(report: ReportView, q: String, target: u32, back: Option<String>) -> ReportPage {
    let search = SearchRequest::query(&q);
    let paragraphs = report
        .paragraphs
        .iter()
        .map(|p| ParagraphView {
            number: p.paragraph,
            kind: p.kind.clone(),
            snippet: p.snippet.clone(),
            tags: tags(&search, &p.region, &p.donor, &p.sector, &[]),
            funding: p.funding.iter().map(|y| format_yuan(*y)).collect(),
            target: p.paragraph == target,
        })
        .collect();
    let within_url = changed(&search, |r| {
        r.report = Some(report.id.clone());
        r.per_report = Some(0);
    });
    ReportPage {
        title: report.title,
        date: report.date.unwrap_or_default(),
        date_note: report.date_note.unwrap_or_default(),
        source: report.source.unwrap_or_default(),
        byline: report.byline.join("；"),
        file: report.file,
        paragraphs,
        q,
        target,
        from_search: back.is_some(),
        back_url: back.unwrap_or_else(|| "/".to_string()),
        within_url,
    }
}

/// `GET /report/{id}?p=N&q=…&back=…`: the whole report, the target paragraph
/// marked, the query's words highlighted, and a way back to the search.
pub async fn report_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = match decode_pairs(raw.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_page(),
    };
    let mut q = String::new();
    let mut target = 0;
    let mut back = None;
    for (name, value) in pairs {
        match name.as_str() {
            "q" => q = value,
            "p" => target = value.trim().parse().unwrap_or(0),
            // Only same-site search URLs are accepted as the way back, so the
            // link can never lead off the site or run a script.
            "back"
                if value == "/"
                    || (value.starts_with("/?") && !value.contains(['\\', '\n', '\r'])) =>
            {
                back = Some(value)
            }
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
        Ok(report) => render(&report_view(report, q, target, back)),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有找到这篇报告。").into_page()
        }
        Err(e) => e.into_page(),
    }
}

async fn export_hits(state: &AppState, raw: Option<&str>) -> Result<Vec<Hit>, ApiError> {
    let mut request = request_from_query(raw, false)?;
    // Plain rank order, without the per-report cap that spreads the first
    // page over reports: `search_all` pages through the ranking, and the
    // capped order shifts with the window each page ranks, which repeated
    // and skipped rows past 500 (脱贫 on a 6,000-report corpus: 1,402 rows,
    // 981 distinct) and made a 5,000-row export overrun the time budget.
    request.per_report = Some(0);
    state
        .blocking(move |engine| crate::search::search_all(engine, &request, EXPORT_LIMIT))
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

/// The header row of the CSV export.
pub const CSV_HEADER: &str =
    "id,report_id,title,date,source,paragraph,section,region,donor,sector,year,funding_yuan,text";

/// The CSV text of hits, UTF-8 with a BOM so Excel reads it, CRLF line ends.
pub fn hits_csv(hits: &[Hit]) -> String {
    let mut out = format!("\u{FEFF}{CSV_HEADER}\r\n");
    for h in hits {
        let funding: Vec<String> = h.funding.iter().map(|f| plain_amount(*f)).collect();
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
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有这个页面。").into_page()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_formatting() {
        assert_eq!(format_yuan(380_000_000.0), "3.8亿元");
        assert_eq!(format_yuan(47_250_000.0), "4725万元");
        assert_eq!(format_yuan(600.0), "600元");
        assert_eq!(plain_amount(100_000_000.0), "100000000");
        assert_eq!(plain_amount(1.5), "1.5");
    }

    #[test]
    fn csv_escapes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    fn request(region: &[&str]) -> SearchRequest {
        SearchRequest {
            region: region.iter().map(|s| s.to_string()).collect(),
            ..SearchRequest::query("援藏")
        }
    }

    fn regions_of(url: &str) -> Vec<String> {
        let pairs = decode_pairs(url.trim_start_matches("/?")).unwrap();
        pairs
            .into_iter()
            .filter(|(n, _)| n == "region")
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn tree_links_drill_down_add_siblings_and_climb() {
        let chamdo = "西藏自治区/昌都市";
        let markam = "西藏自治区/昌都市/芒康县";
        let zogang = "西藏自治区/昌都市/左贡县";
        // From the top, a prefecture is chosen.
        let top = request(&[]);
        assert_eq!(
            regions_of(&tree_link(&top, Kind::Region, chamdo, false)),
            [chamdo]
        );
        // Below a chosen prefecture, a county replaces it (drill down).
        let at_chamdo = request(&[chamdo]);
        assert_eq!(
            regions_of(&tree_link(&at_chamdo, Kind::Region, markam, false)),
            [markam]
        );
        // Another prefecture beside it is added (OR).
        let shigatse = "西藏自治区/日喀则市";
        assert_eq!(
            regions_of(&tree_link(&at_chamdo, Kind::Region, shigatse, false)),
            [chamdo, shigatse]
        );
        // Beside a chosen county, a sibling county is added.
        let at_markam = request(&[markam]);
        assert_eq!(
            regions_of(&tree_link(&at_markam, Kind::Region, zogang, false)),
            [markam, zogang]
        );
        // Unchecking the county climbs to its prefecture; unchecking the
        // prefecture climbs to the top (Tibet's level is the top).
        assert_eq!(
            regions_of(&tree_link(&at_markam, Kind::Region, markam, true)),
            [chamdo]
        );
        assert!(regions_of(&tree_link(&at_chamdo, Kind::Region, chamdo, true)).is_empty());
        // Below Tibet itself (reached by the breadcrumb), a prefecture drills down.
        let at_tibet = request(&[TIBET]);
        assert_eq!(
            regions_of(&tree_link(&at_tibet, Kind::Region, chamdo, false)),
            [chamdo]
        );
        assert!(siblings_request(&at_tibet, Kind::Region).is_none());
        // Every filter change goes back to page 1 and keeps the words.
        let mut deep = request(&[chamdo]);
        deep.page = 3;
        let link = tree_link(&deep, Kind::Region, markam, false);
        assert!(!link.contains("page="), "{link}");
        assert!(link.contains("q=%E6%8F%B4%E8%97%8F"), "{link}");
    }

    #[test]
    fn siblings_are_listed_from_the_parent_level() {
        let r = siblings_request(&request(&["西藏自治区/昌都市/芒康县"]), Kind::Region).unwrap();
        assert_eq!(r.region, ["西藏自治区/昌都市"]);
        let r = siblings_request(&request(&["西藏自治区/昌都市"]), Kind::Region).unwrap();
        assert!(r.region.is_empty());
        let r = siblings_request(&request(&["四川省"]), Kind::Region).unwrap();
        assert!(r.region.is_empty());
        assert!(siblings_request(&request(&[]), Kind::Region).is_none());
        assert!(siblings_request(&request(&["a/b", "a/c"]), Kind::Region).is_none());
    }

    #[test]
    fn form_state_keeps_everything_but_the_words() {
        let mut r = request(&["西藏自治区/昌都市"]);
        r.min_funding = Some(1e8);
        r.sort = Sort::Funding;
        r.page = 4;
        let hidden = state_pairs(&r, &["q", "page"]);
        let names: Vec<&str> = hidden.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["region", "min_funding", "sort"]);
        assert_eq!(hidden[1].1, "100000000");
    }
}
