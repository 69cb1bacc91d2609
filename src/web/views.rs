//! What the staff pages show: the askama templates (`templates/`) and the
//! page-shaped views they render, built from the library's responses
//! ([`crate::search::search`], [`crate::search::report`]). Every piece of
//! corpus or user text is escaped by the templates, except snippets, which
//! the library has already escaped and marked with `<mark>`.
//!
//! The search page is assembled in named steps: the facet blocks, the year
//! chart and the hits here, the chips, pager and other links in
//! [`super::links`].

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::format::format_yuan;
use super::links::{self, last_part, Link};
use crate::facet::{FacetKind, PerFacet, Shape};
use crate::search::{FacetValue, Hit, ReportView, SearchRequest, SearchResponse};

/// The stylesheet, served by the binary itself.
pub const STYLESHEET: &str = include_str!("../../templates/style.css");

/// The stylesheet's URL, versioned by a hash of its content, so browsers may
/// cache it for a day yet see a new release's stylesheet at once.
pub fn stylesheet_url() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let hash = crate::corpus::fnv1a(&[STYLESHEET.as_bytes()]);
        format!("/static/style.css?v={:08x}", hash >> 32)
    })
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
    /// The values after the first [`TOP_VALUES`], behind "更多…" (checked
    /// ones stay in `items`).
    pub more: Vec<FacetItem>,
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
    /// Read by OCR from a scan: its text is less certain.
    pub ocr: bool,
    /// Found by the fill: it lacks some of the words (or holds only their
    /// neighbours), and is shown after every hit with all of them.
    pub partial: bool,
    pub tags: Vec<Link>,
    pub funding: Vec<String>,
    pub more_url: String,
    /// In the report view, how many of the report's paragraphs match (0 in
    /// the paragraph view).
    pub matching: u64,
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
    /// The other year facets (the report's year), listed beside the chart.
    pub year_groups: Vec<FacetGroup>,
    pub chips: Vec<Link>,
    pub clear_url: String,
    pub years: Vec<YearBar>,
    pub chart_width: u32,
    pub pages: Vec<Link>,
    pub prev_url: String,
    pub next_url: String,
    /// A page past the last one with hits (a stale bookmark, an edited
    /// URL): the page says so and links the last page instead of showing a
    /// range of hits it does not hold.
    pub past_end: bool,
    pub page: usize,
    pub last_page: usize,
    pub last_url: String,
    pub sorts: Vec<Link>,
    /// Paragraphs or reports, the current one marked.
    pub views: Vec<Link>,
    /// The report view: `hits` are reports, one each, and `listed` counts them.
    pub by_report: bool,
    /// How many results the list and its pager count: paragraphs, or in the
    /// report view reports.
    pub listed: u64,
    /// What the export links hold: every hit, or the first of many.
    pub export_label: String,
    pub csv_url: String,
    pub json_url: String,
    pub suggestions: Vec<Link>,
    /// Filters that cannot match as given, said in Chinese.
    pub warnings: Vec<String>,
    pub related: Vec<Link>,
    pub min_funding: String,
    pub max_funding: String,
    /// State the search form carries when the words change (all but `q`).
    pub form_hidden: Vec<(String, String)>,
    /// State the funding form carries (all but the amounts).
    pub funding_hidden: Vec<(String, String)>,
    /// The year range boxes, and the state their form keeps.
    pub year_from: String,
    pub year_to: String,
    pub years_hidden: Vec<(String, String)>,
}

/// One paragraph of the report page.
#[derive(Debug, Clone)]
pub struct ParagraphView {
    pub number: u32,
    /// `paragraph`, `caption` or `heading`.
    pub kind: String,
    /// Read by OCR from a scan.
    pub ocr: bool,
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

/// Whether pages show the sign-out button: set when a server starts with
/// an access file (the templates read it through [`sign_out_shown`]).
pub static SIGN_OUT_SHOWN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// See [`SIGN_OUT_SHOWN`].
pub fn sign_out_shown() -> bool {
    SIGN_OUT_SHOWN.load(std::sync::atomic::Ordering::Relaxed)
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

/// A friendly error page in Chinese; `detail` (the error's own Chinese
/// sentence, naming the parameter at fault) is shown below the explanation.
pub fn error_page(status: StatusCode, detail: &str) -> String {
    let (title, explanation) = match status.as_u16() {
        404 => (
            "页面不存在",
            "您要找的页面或报告不存在，可能是链接有误，或报告已从语料中移除。",
        ),
        400 => (
            "请求有误",
            "检索条件中有无法识别的内容。请检查地址中的参数，或回到首页重新检索。",
        ),
        422 => (
            "检索超时",
            "这次检索用时过长，已经停止。请缩小检索范围后再试。",
        ),
        413 | 414 => ("请求过长", "检索条件太长了，请缩短检索词或减少筛选条件。"),
        408 => ("请求超时", "这次检索用时过长，请缩小检索范围后再试。"),
        503 => ("系统繁忙", "同时进行的检索太多，请稍候片刻再试。"),
        401 => ("需要登录", "请先登录后再访问。"),
        403 => ("没有权限", "您的账号或密钥没有进行这项操作的权限。"),
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

/// Render a template, or the error page when it fails.
pub fn render<T: Template>(template: &T) -> Response {
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

/// Sibling listings of the tree facets, fetched when one value is selected.
pub type Siblings = PerFacet<Option<Vec<FacetValue>>>;

/// The search page of `request`, from the library's response and the
/// sibling listings of its tree facets.
pub fn search_view(
    request: &SearchRequest,
    response: SearchResponse,
    siblings: &Siblings,
) -> SearchPage {
    let here = links::url(request);
    let (years, chart_width) = year_chart(request, response.facets.values(FacetKind::Year));
    let by_report = response.view == crate::search::View::Reports;
    let listed = response.report_total.unwrap_or(response.total);
    let pager = links::pager(request, listed);
    let report_title = response
        .hits
        .first()
        .or(response.reports.first().map(|r| &r.best))
        .map(|h| h.report.title.as_str());
    let hits: Vec<HitView> = if by_report {
        response
            .reports
            .iter()
            .map(|r| HitView {
                matching: r.matching,
                ..hit_view(request, &here, &r.best)
            })
            .collect()
    } else {
        response
            .hits
            .iter()
            .map(|h| hit_view(request, &here, h))
            .collect()
    };
    // Number facets other than the paragraph's year (the report's year) sit
    // under the year chart, so both years are filtered in one place.
    let (year_groups, groups): (Vec<FacetGroup>, Vec<FacetGroup>) =
        facet_groups(request, &response, siblings)
            .into_iter()
            .partition(|g| {
                FacetKind::from_param(g.name).is_some_and(|k| k.shape() == Shape::Number)
            });
    let offset = (request.page as u64 - 1) * request.per_page as u64;
    SearchPage {
        q: request.q.clone(),
        first: (offset + 1).min(listed),
        last: (offset + hits.len() as u64).min(listed),
        capped: listed > crate::search::MAX_OFFSET as u64,
        past_end: listed > 0 && hits.is_empty(),
        hits,
        views: links::view_links(request, response.view),
        by_report,
        listed,
        groups,
        year_groups,
        chips: links::chips(request, report_title),
        clear_url: links::clear_url(request),
        years,
        chart_width,
        page: request.page,
        last_page: pager.last_page,
        last_url: pager.last_url,
        pages: pager.pages,
        prev_url: pager.prev_url,
        next_url: pager.next_url,
        sorts: links::sort_links(request, response.sort),
        export_label: if response.total > links::EXPORT_LIMIT as u64 {
            format!(
                "导出前 {} 条（共 {} 条）",
                links::EXPORT_LIMIT,
                response.total
            )
        } else {
            "导出全部结果".to_string()
        },
        csv_url: links::export_url(request, "/export.csv"),
        json_url: links::export_url(request, "/export.json"),
        suggestions: query_links(request, &response.suggestions),
        warnings: response.warnings.iter().map(warning_text).collect(),
        related: query_links(request, &response.related),
        min_funding: request.min_funding.map(format_yuan).unwrap_or_default(),
        max_funding: request.max_funding.map(format_yuan).unwrap_or_default(),
        form_hidden: links::state_pairs(request, &["q", "page"]),
        funding_hidden: links::state_pairs(request, &["min_funding", "max_funding", "page"]),
        year_from: request.year_from.map(|y| y.to_string()).unwrap_or_default(),
        year_to: request.year_to.map(|y| y.to_string()).unwrap_or_default(),
        years_hidden: links::state_pairs(request, &["year_from", "year_to", "page"]),
        response,
    }
}

/// The sidebar's facet blocks, in [`FacetKind::ALL`] order: trees with
/// their breadcrumbs, flat lists; the paragraph's year is the chart instead.
fn facet_groups(
    request: &SearchRequest,
    response: &SearchResponse,
    siblings: &Siblings,
) -> Vec<FacetGroup> {
    FacetKind::ALL
        .into_iter()
        .filter_map(|kind| match kind.shape() {
            Shape::Tree => Some(tree_group(
                request,
                kind,
                response,
                siblings[kind].as_deref(),
            )),
            Shape::Flat => Some(flat_group(request, kind, response.facets.values(kind))),
            // The paragraph's year is the chart; other numbers are listed.
            Shape::Number if kind == FacetKind::Year => None,
            Shape::Number => Some(flat_group(request, kind, response.facets.values(kind))),
        })
        .map(with_more)
        .collect()
}

/// Values a facet list shows before "更多…", as library catalogues do: a
/// large corpus lists dozens of regions and donors.
pub const TOP_VALUES: usize = 8;

/// Move the values after the first [`TOP_VALUES`] behind "更多…", except
/// checked ones (they must stay visible to be unchecked). Hiding a single
/// value saves nothing, so a list of one more than the top stays whole.
fn with_more(mut group: FacetGroup) -> FacetGroup {
    if group.items.len() <= TOP_VALUES + 1 {
        return group;
    }
    let rest = group.items.split_off(TOP_VALUES);
    let (checked, more): (Vec<FacetItem>, Vec<FacetItem>) =
        rest.into_iter().partition(|i| i.link.selected);
    group.items.extend(checked);
    group.more = more;
    group
}

/// A tree facet (region, donor): the current level with the selected value
/// expanded to its children, and the breadcrumb to climb back.
fn tree_group(
    request: &SearchRequest,
    kind: FacetKind,
    response: &SearchResponse,
    siblings: Option<&[FacetValue]>,
) -> FacetGroup {
    let values = response.facets.values(kind);
    let items = match siblings {
        Some(siblings) => tree_level(request, kind, values, siblings, response.total),
        None => values
            .iter()
            .map(|v| FacetItem {
                link: links::tree_value_link(request, kind, v, v.selected),
                children: Vec::new(),
            })
            .collect(),
    };
    FacetGroup {
        name: kind.param(),
        title: kind.label(),
        items,
        more: Vec::new(),
        crumbs: links::crumbs(request, kind, response.parent(kind)),
    }
}

/// The level of the one selected value of a tree facet: its siblings, the
/// selected one checked and expanded to `children`.
fn tree_level(
    request: &SearchRequest,
    kind: FacetKind,
    children: &[FacetValue],
    siblings: &[FacetValue],
    total: u64,
) -> Vec<FacetItem> {
    let chosen = &request.values(kind)[0];
    let children: Vec<Link> = children
        .iter()
        .map(|v| links::tree_value_link(request, kind, v, v.selected))
        .collect();
    let mut items: Vec<FacetItem> = siblings
        .iter()
        .map(|s| {
            let is_chosen = s.value == *chosen;
            FacetItem {
                link: links::tree_value_link(request, kind, s, is_chosen),
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
                link: links::tree_value_link(request, kind, &missing, true),
                children,
            },
        );
    }
    items
}

/// A flat facet: its values, each checked or not.
fn flat_group(request: &SearchRequest, kind: FacetKind, values: &[FacetValue]) -> FacetGroup {
    FacetGroup {
        name: kind.param(),
        title: kind.label(),
        items: values
            .iter()
            .map(|v| FacetItem {
                link: links::toggle_value_link(request, kind, v),
                children: Vec::new(),
            })
            .collect(),
        more: Vec::new(),
        crumbs: Vec::new(),
    }
}

/// The year chart: one bar per year, each bar a link; and the chart's
/// width in pixels. Heights are logarithmic in the count, so a year of one
/// paragraph stays visible beside one of 18,929 (linear heights let 2020
/// hide every other year). The chart keeps its size and scrolls when there
/// are many years (it was scaled down to fit: bars 4 px wide at 57 years).
fn year_chart(request: &SearchRequest, values: &[FacetValue]) -> (Vec<YearBar>, u32) {
    let max = values.iter().map(|v| v.count).max().unwrap_or(1).max(1);
    let slot = 30u32;
    let years: Vec<YearBar> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let height = bar_height(v.count, max);
            YearBar {
                link: Link {
                    title: format!("{}年：{} 条", v.label, v.count),
                    ..links::toggle_value_link(request, FacetKind::Year, v)
                },
                x: i as u32 * slot + 2,
                y: 76 - height,
                height,
            }
        })
        .collect();
    // At least eight slots wide: the sidebar's width, so a chart of a few
    // years sits in the same box as one that scrolls.
    let chart_width = years.len().max(8) as u32 * slot;
    (years, chart_width)
}

/// The height of a bar of `count` in a chart whose tallest is `max`: 4 px
/// for a count of one up to 60 px, by the logarithm of the count.
fn bar_height(count: u64, max: u64) -> u32 {
    if count == 0 {
        return 2;
    }
    let share = (count as f64).ln_1p() / (max.max(count) as f64).ln_1p();
    (4.0 + 56.0 * share).round() as u32
}

/// A filter warning as the page says it.
fn warning_text(w: &crate::search::Warning) -> String {
    if w.code == "empty_range" && w.param == "year_from" {
        return "起始年份晚于截止年份，没有段落能同时满足这两个条件。".to_string();
    }
    if w.code == "empty_range" {
        return "最低金额高于最高金额，没有段落能同时满足这两个条件。".to_string();
    }
    let other = if w.param == "report" {
        "报告"
    } else {
        "筛选"
    };
    let label = crate::facet::FacetKind::from_param(&w.param).map_or(other, |k| k.label());
    if w.code == "bad_value" {
        return format!(
            "「{}」不是{label}，{label}请写四位数字，如 {}:2023。",
            w.value, w.param
        );
    }
    if w.code == "empty_value" {
        return format!(
            "检索词中的「{}:」后面没有写值，这一条件没有使用；请在冒号后写上要筛选的{label}。",
            w.param
        );
    }
    let mut text = format!("没有段落的{label}是「{}」，这一条件匹配不到结果", w.value);
    if !w.did_you_mean.is_empty() {
        text.push_str(&format!("；相近的有：{}", w.did_you_mean.join("、")));
    }
    text.push('。');
    text
}

/// Other queries (suggestions, related terms) as links.
fn query_links(request: &SearchRequest, queries: &[String]) -> Vec<Link> {
    queries
        .iter()
        .map(|q| links::query_link(request, q))
        .collect()
}

/// One hit as the search page lists it; `here` is the page to come back to.
fn hit_view(request: &SearchRequest, here: &str, hit: &Hit) -> HitView {
    HitView {
        title: hit.report.title.clone(),
        url: links::report_url(&hit.report.id, hit.paragraph, &request.q, here),
        date: hit.report.date.clone().unwrap_or_default(),
        source: hit.report.source.clone().unwrap_or_default(),
        section: hit.section.clone().unwrap_or_default(),
        snippet: hit.snippet.clone(),
        kind: kind_label(&hit.kind).to_string(),
        ocr: is_ocr(hit),
        partial: !hit.exact,
        tags: links::tags(request, hit, &FacetKind::ALL),
        funding: hit.funding.iter().map(|y| format_yuan(*y)).collect(),
        more_url: links::within_report(request, &hit.report.id),
        matching: 0,
    }
}

/// Whether a hit's text was read by OCR.
fn is_ocr(hit: &Hit) -> bool {
    hit.extraction == crate::corpus::Extraction::Ocr.as_str()
}

/// The paragraph kinds a hit names (plain paragraphs go unnamed).
fn kind_label(kind: &str) -> &'static str {
    match crate::corpus::ParagraphKind::parse(kind) {
        Some(crate::corpus::ParagraphKind::Caption) => "图片说明",
        Some(crate::corpus::ParagraphKind::Heading) => "小标题",
        Some(crate::corpus::ParagraphKind::Paragraph) | None => "",
    }
}

/// A sidecar's date note as the Chinese page says it. Notes are written
/// for the archive in English ("inferred: …"), and the page speaks Chinese:
/// a note in Chinese is shown as it is, an inferred date is said to be
/// inferred, and the rest of an English note stays in the API.
fn date_note_text(note: Option<&str>) -> String {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return String::new();
    };
    if !note.chars().any(|c| c.is_ascii_alphabetic()) {
        note.to_string()
    } else if note.to_ascii_lowercase().starts_with("inferred") {
        "日期为推断，原文未注明".to_string()
    } else {
        String::new()
    }
}

/// The report page: the whole report, `target` marked, `q` highlighted, and
/// `back` the search page to return to (when it came from one).
pub fn report_view(report: ReportView, q: String, target: u32, back: Option<String>) -> ReportPage {
    let search = SearchRequest::query(&q);
    let paragraphs = report
        .paragraphs
        .iter()
        .map(|p| ParagraphView {
            number: p.paragraph,
            kind: p.kind.clone(),
            ocr: is_ocr(p),
            snippet: p.snippet.clone(),
            tags: links::tags(
                &search,
                p,
                &[FacetKind::Region, FacetKind::Donor, FacetKind::Sector],
            ),
            funding: p.funding.iter().map(|y| format_yuan(*y)).collect(),
            target: p.paragraph == target,
        })
        .collect();
    let within_url = links::within_report(&search, &report.id);
    ReportPage {
        title: report.title,
        date: report.date.unwrap_or_default(),
        date_note: date_note_text(report.date_note.as_deref()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_chart_stays_readable_at_one_and_eighty_years() {
        let values: Vec<FacetValue> = (1946..2026)
            .map(|y| FacetValue {
                value: y.to_string(),
                label: y.to_string(),
                count: if y == 2020 {
                    18_929
                } else {
                    1 + (y as u64 % 7)
                },
                selected: false,
            })
            .collect();
        let request = SearchRequest::default();
        let (bars, width) = year_chart(&request, &values);
        assert_eq!(bars.len(), 80);
        assert_eq!(width, 80 * 30, "a slot of 30 px per year, scrolled");
        let tallest = bars.iter().map(|b| b.height).max().unwrap();
        let lowest = bars.iter().map(|b| b.height).min().unwrap();
        assert_eq!(tallest, 60);
        assert!(
            lowest >= 8,
            "a year of one or two paragraphs shows: {lowest}"
        );
        assert!(bars.iter().all(|b| b.y + b.height == 76));
        let (one, width) = year_chart(&request, &values[74..75]);
        assert_eq!((one[0].height, width), (60, 8 * 30));
    }
}
