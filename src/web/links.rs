//! The URLs the pages link to. Every state of a search is in its URL, so
//! each link here is the current request changed one way (a facet value
//! checked or unchecked, a chip removed, another page or order) and written
//! back as a query string.

use super::format::format_yuan;
use super::params::{decode_pairs, encode, to_query_string};
use crate::facet::{FacetKind, Shape};
use crate::search::query::{self, without_filter};
use crate::search::{typed_values, FacetValue, Hit, SearchRequest, Sort};

/// Most rows an export returns; `total` (JSON) and `x-aidsearch-total`
/// (CSV) still say how many hits there were, and the file name and the page
/// say when the rows stop short of them.
/// (Here, below both the pages and the export handler, because the page's
/// export link says when it stops short.)
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

/// The search page URL that reproduces `request`.
pub fn url(request: &SearchRequest) -> String {
    let qs = to_query_string(request);
    if qs.is_empty() {
        "/".to_string()
    } else {
        format!("/?{qs}")
    }
}

/// The same search on page 1 after `change` (any filter change resets the page).
pub fn changed(request: &SearchRequest, change: impl FnOnce(&mut SearchRequest)) -> String {
    let mut r = request.clone();
    r.page = 1;
    change(&mut r);
    url(&r)
}

/// The state of `request` as (name, value) pairs, without the names in `skip`.
pub fn state_pairs(request: &SearchRequest, skip: &[&str]) -> Vec<(String, String)> {
    decode_pairs(&to_query_string(request))
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, _)| !skip.contains(&name.as_str()))
        .collect()
}

fn parent_of(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(p, _)| p)
}

/// The last part of a `/`-joined path, for display.
pub fn last_part(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The level a tree facet lists its siblings from: the parent path, or
/// none for the top.
fn sibling_level(path: &str) -> Option<String> {
    parent_of(path).map(str::to_string)
}

/// The request that lists the siblings of the one selected value of a tree
/// facet, so the sidebar can show that level with the value checked. Its
/// counts equal the sibling counts under the current filters, because a
/// facet is counted without its own filter. `None` for facets not trees.
pub fn siblings_request(request: &SearchRequest, kind: FacetKind) -> Option<SearchRequest> {
    let selected = request.values(kind);
    if kind.shape() != Shape::Tree || selected.len() != 1 {
        return None;
    }
    let mut r = request.clone();
    *r.values_mut(kind) = sibling_level(&selected[0]).into_iter().collect();
    r.page = 1;
    r.per_page = 1;
    // Only its facet counts are read: no grouping by report.
    r.view = crate::search::View::Paragraphs;
    Some(r)
}

/// The link of a tree-facet value listed at `selected`'s level or below it.
fn tree_link(request: &SearchRequest, kind: FacetKind, value: &str, selected: bool) -> String {
    let current = request.values(kind).to_vec();
    changed(request, |r| {
        let list = r.values_mut(kind);
        if selected {
            // Unchecking climbs to the parent rather than to nothing, so a
            // county unchecked leaves its prefecture selected.
            list.retain(|x| x != value);
            if list.is_empty() {
                if let Some(level) = sibling_level(value) {
                    list.push(level);
                }
            }
        } else if current.iter().any(|c| value.starts_with(&format!("{c}/"))) {
            // A value below the selection: drill down to it.
            list.clear();
            list.push(value.to_string());
        } else if current
            .iter()
            .all(|c| sibling_level(c) == sibling_level(value))
        {
            // Nothing chosen yet, or a sibling of what is: add it (OR).
            list.push(value.to_string());
        } else {
            list.clear();
            list.push(value.to_string());
        }
    })
}

/// A tree-facet value (region, donor) as a link that checks or unchecks it.
pub fn tree_value_link(
    request: &SearchRequest,
    kind: FacetKind,
    v: &FacetValue,
    selected: bool,
) -> Link {
    Link {
        label: v.label.clone(),
        url: tree_link(request, kind, &v.value, selected),
        count: v.count,
        selected,
        title: v.value.clone(),
    }
}

/// The `field:value` filters typed in the query (not a bare `region:`),
/// field in lower case, value as typed.
pub fn typed_filters(request: &SearchRequest) -> Vec<(String, String)> {
    query::parse(&request.q)
        .filters
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// `q` without the typed filters `typed`.
fn without_typed(q: &str, typed: &[(String, String)]) -> String {
    typed
        .iter()
        .fold(q.to_string(), |q, (f, v)| without_filter(&q, f, v))
}

/// The breadcrumb of a tree facet, from "all" down to `parent`, the level
/// listed; empty when nothing of the facet is chosen, by parameter or typed
/// in the query. A crumb replaces the facet's typed filters by a parameter
/// (the query keeps its words), so climbing works the same for both.
pub fn crumbs(request: &SearchRequest, kind: FacetKind, parent: &str) -> Vec<Link> {
    let typed: Vec<(String, String)> = typed_filters(request)
        .into_iter()
        .filter(|(f, _)| f == kind.param())
        .collect();
    let mut selected = request.values(kind).to_vec();
    for (_, v) in &typed {
        selected.extend(typed_values(kind, v));
    }
    let mut crumbs = Vec::new();
    if selected.is_empty() {
        return crumbs;
    }
    let climb = |r: &mut SearchRequest, to: Vec<String>| {
        r.q = without_typed(&r.q, &typed);
        *r.values_mut(kind) = to;
    };
    crumbs.push(Link {
        label: format!("全部{}", kind.label()),
        url: changed(request, |r| climb(r, Vec::new())),
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
            url: changed(request, |r| climb(r, vec![p])),
            selected: selected == [path.clone()],
            title: path.clone(),
            ..Link::default()
        });
    }
    crumbs
}

/// Link that adds or removes one value of a flat facet (OR within it).
pub fn toggle_link(
    request: &SearchRequest,
    kind: FacetKind,
    value: &str,
    selected: bool,
) -> String {
    changed(request, |r| {
        let list = r.values_mut(kind);
        if selected {
            list.retain(|x| x != value);
        } else {
            list.push(value.to_string());
        }
    })
}

/// A facet value as a link that checks or unchecks it.
pub fn toggle_value_link(request: &SearchRequest, kind: FacetKind, v: &FacetValue) -> Link {
    Link {
        label: v.label.clone(),
        url: toggle_link(request, kind, &v.value, v.selected),
        count: v.count,
        selected: v.selected,
        title: v.value.clone(),
    }
}

/// The active filters as removable chips. `report_title` names the report
/// the search is limited to, when it is known.
pub fn chips(request: &SearchRequest, report_title: Option<&str>) -> Vec<Link> {
    let mut chips = Vec::new();
    for kind in FacetKind::ALL {
        for v in request.values(kind) {
            chips.push(Link {
                label: format!("{}：{}", kind.label(), last_part(v)),
                url: changed(request, |r| r.values_mut(kind).retain(|x| x != v)),
                selected: true,
                title: v.clone(),
                ..Link::default()
            });
        }
    }
    // Filters typed in the query are chips too; removing one edits the
    // query. The label shows the value as it is searched (a place's name,
    // folded), the tooltip what was typed.
    for (field, value) in typed_filters(request) {
        let label = match FacetKind::from_param(&field) {
            Some(kind) => {
                let shown = match typed_values(kind, &value).as_slice() {
                    [one] => last_part(one).to_string(),
                    _ => value.clone(),
                };
                format!("{}：{shown}", kind.label())
            }
            None => format!("报告：{value}"),
        };
        chips.push(Link {
            label,
            url: changed(request, |r| r.q = without_filter(&r.q, &field, &value)),
            selected: true,
            title: format!("{field}:{value}"),
            ..Link::default()
        });
    }
    if request.year_from.is_some() || request.year_to.is_some() {
        let range = match (request.year_from, request.year_to) {
            (Some(from), Some(to)) => format!("{from}–{to}"),
            (Some(from), None) => format!("{from} 年起"),
            (None, Some(to)) => format!("至 {to} 年"),
            (None, None) => String::new(),
        };
        chips.push(Link {
            label: format!("{}：{range}", FacetKind::Year.label()),
            url: changed(request, |r| {
                r.year_from = None;
                r.year_to = None;
            }),
            selected: true,
            ..Link::default()
        });
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
        let title = report_title.unwrap_or(report);
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
    chips
}

/// The same words without any filter.
pub fn clear_url(request: &SearchRequest) -> String {
    let typed = typed_filters(request);
    changed(request, |r| {
        r.q = without_typed(&r.q, &typed);
        for kind in FacetKind::ALL {
            r.values_mut(kind).clear();
        }
        r.min_funding = None;
        r.max_funding = None;
        r.year_from = None;
        r.year_to = None;
        r.report = None;
        r.per_report = None;
    })
}

/// Every paragraph of one report that matches the search.
pub fn within_report(request: &SearchRequest, report: &str) -> String {
    changed(request, |r| {
        r.report = Some(report.to_string());
        r.per_report = Some(0);
        r.view = crate::search::View::Paragraphs;
    })
}

/// The pager: the first, the last and the pages near the current one, a
/// gap (a link with no URL, shown as …) where pages are left out, and the
/// previous and next page (empty at either end).
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub pages: Vec<Link>,
    pub prev_url: String,
    pub next_url: String,
    /// The last page with hits, and its URL.
    pub last_page: usize,
    pub last_url: String,
}

/// The pager of a search with `total` hits; pages past what a search may
/// reach ([`crate::search::MAX_OFFSET`]) are not linked. A page past the
/// end gets a pager of the pages that exist, its "previous" the last one.
pub fn pager(request: &SearchRequest, total: u64) -> Pager {
    let reachable = crate::search::MAX_OFFSET / request.per_page;
    let last_page = (total as usize)
        .div_ceil(request.per_page)
        .clamp(1, reachable);
    let page_url = |p: usize| {
        let mut r = request.clone();
        r.page = p;
        url(&r)
    };
    let near = |p: usize| p == 1 || p == last_page || p.abs_diff(request.page) <= 2;
    let mut pages: Vec<Link> = Vec::new();
    let mut shown = 0;
    for p in 1..=last_page {
        // A gap of one page shows that page instead of "…".
        if !(near(p) || (near(p - 1) && p < last_page && near(p + 1))) {
            continue;
        }
        if p > shown + 1 {
            pages.push(Link {
                label: "…".to_string(),
                ..Link::default()
            });
        }
        pages.push(Link {
            label: p.to_string(),
            url: page_url(p),
            selected: p == request.page,
            ..Link::default()
        });
        shown = p;
    }
    let prev_url = if request.page > 1 {
        page_url((request.page - 1).min(last_page))
    } else {
        String::new()
    };
    let next_url = if request.page < last_page {
        page_url(request.page + 1)
    } else {
        String::new()
    };
    Pager {
        pages,
        prev_url,
        next_url,
        last_page,
        last_url: page_url(last_page),
    }
}

/// The orders a search can take, `current` marked.
pub fn sort_links(request: &SearchRequest, current: Sort) -> Vec<Link> {
    [
        (Sort::Relevance, "相关度"),
        (Sort::Date, "日期"),
        (Sort::Funding, "金额"),
    ]
    .into_iter()
    .map(|(s, label)| Link {
        label: label.to_string(),
        url: changed(request, |r| r.sort = s),
        selected: current == s,
        ..Link::default()
    })
    .collect()
}

/// The two views of the results, paragraphs and reports, `current` marked.
pub fn view_links(request: &SearchRequest, current: crate::search::View) -> Vec<Link> {
    use crate::search::View;
    [(View::Paragraphs, "段落"), (View::Reports, "报告")]
        .into_iter()
        .map(|(v, label)| Link {
            label: label.to_string(),
            url: changed(request, |r| r.view = v),
            selected: current == v,
            ..Link::default()
        })
        .collect()
}

/// The export at `path` (`/export.csv`, `/export.json`) of the whole result set.
pub fn export_url(request: &SearchRequest, path: &str) -> String {
    let mut r = request.clone();
    r.page = 1;
    let qs = to_query_string(&r);
    if qs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{qs}")
    }
}

/// Another query (a suggestion, a related term) with the same filters.
pub fn query_link(request: &SearchRequest, q: &str) -> Link {
    Link {
        label: q.to_string(),
        url: changed(request, |r| r.q = q.to_string()),
        ..Link::default()
    }
}

/// The report page at `paragraph`, with nothing else (an export's link).
pub fn paragraph_url(id: &str, paragraph: u32) -> String {
    format!("/report/{}?p={paragraph}#p-{paragraph}", encode(id))
}

/// The report page at `paragraph`, carrying the query (for highlighting)
/// and the search page to come back to.
pub fn report_url(id: &str, paragraph: u32, q: &str, back: &str) -> String {
    let mut s = format!("/report/{}?p={paragraph}", encode(id));
    if !q.is_empty() {
        s.push_str(&format!("&q={}", encode(q)));
    }
    s.push_str(&format!("&back={}", encode(back)));
    s.push_str(&format!("#p-{paragraph}"));
    s
}

/// How a paragraph's tag names a facet value: donors say they are donors,
/// years are read as years.
fn tag_label(kind: FacetKind, value: &str) -> String {
    let name = last_part(value);
    match kind {
        FacetKind::Donor => format!("援助方：{name}"),
        FacetKind::Year => format!("{name}年"),
        FacetKind::ReportYear => format!("{name}年发布"),
        FacetKind::Region | FacetKind::Sector | FacetKind::Programme => name.to_string(),
    }
}

/// The tags of a paragraph for the facets `kinds`, each a link to the search
/// filtered by it.
pub fn tags(request: &SearchRequest, hit: &Hit, kinds: &[FacetKind]) -> Vec<Link> {
    let mut out = Vec::new();
    for &kind in kinds {
        for v in hit.values(kind) {
            out.push(Link {
                label: tag_label(kind, v),
                url: changed(request, |r| *r.values_mut(kind) = vec![v.clone()]),
                selected: request.values(kind).contains(v),
                title: v.clone(),
                ..Link::default()
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // From the top, a province is chosen.
        let top = request(&[]);
        assert_eq!(
            regions_of(&tree_link(&top, FacetKind::Region, "西藏自治区", false)),
            ["西藏自治区"]
        );
        // Below a chosen prefecture, a county replaces it (drill down).
        let at_chamdo = request(&[chamdo]);
        assert_eq!(
            regions_of(&tree_link(&at_chamdo, FacetKind::Region, markam, false)),
            [markam]
        );
        // Another prefecture beside it is added (OR).
        let shigatse = "西藏自治区/日喀则市";
        assert_eq!(
            regions_of(&tree_link(&at_chamdo, FacetKind::Region, shigatse, false)),
            [chamdo, shigatse]
        );
        // Beside a chosen county, a sibling county is added.
        let at_markam = request(&[markam]);
        assert_eq!(
            regions_of(&tree_link(&at_markam, FacetKind::Region, zogang, false)),
            [markam, zogang]
        );
        // Unchecking the county climbs to its prefecture, the prefecture to
        // its province, the province to the top.
        assert_eq!(
            regions_of(&tree_link(&at_markam, FacetKind::Region, markam, true)),
            [chamdo]
        );
        assert_eq!(
            regions_of(&tree_link(&at_chamdo, FacetKind::Region, chamdo, true)),
            ["西藏自治区"]
        );
        // Below Tibet, a province of the top level, a prefecture drills down.
        let at_tibet = request(&["西藏自治区"]);
        assert_eq!(
            regions_of(&tree_link(&at_tibet, FacetKind::Region, chamdo, false)),
            [chamdo]
        );
        assert!(
            regions_of(&tree_link(&at_tibet, FacetKind::Region, "西藏自治区", true)).is_empty()
        );
        assert!(siblings_request(&at_tibet, FacetKind::Region)
            .unwrap()
            .region
            .is_empty());
        // Every filter change goes back to page 1 and keeps the words.
        let mut deep = request(&[chamdo]);
        deep.page = 3;
        let link = tree_link(&deep, FacetKind::Region, markam, false);
        assert!(!link.contains("page="), "{link}");
        assert!(link.contains("q=%E6%8F%B4%E8%97%8F"), "{link}");
    }

    #[test]
    fn siblings_are_listed_from_the_parent_level() {
        let r =
            siblings_request(&request(&["西藏自治区/昌都市/芒康县"]), FacetKind::Region).unwrap();
        assert_eq!(r.region, ["西藏自治区/昌都市"]);
        let r = siblings_request(&request(&["西藏自治区/昌都市"]), FacetKind::Region).unwrap();
        assert_eq!(r.region, ["西藏自治区"]);
        let r = siblings_request(&request(&["四川省"]), FacetKind::Region).unwrap();
        assert!(r.region.is_empty());
        assert!(siblings_request(&request(&[]), FacetKind::Region).is_none());
        assert!(siblings_request(&request(&["a/b", "a/c"]), FacetKind::Region).is_none());
        let mut sector = request(&[]);
        sector.sector = vec!["医疗卫生".into()];
        assert!(siblings_request(&sector, FacetKind::Sector).is_none());
    }

    #[test]
    fn the_pager_links_both_ends_and_the_pages_near_this_one() {
        let mut r = request(&[]);
        r.per_page = 10;
        r.page = 5;
        let middle = pager(&r, 95);
        let labels: Vec<&str> = middle.pages.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["1", "2", "3", "4", "5", "6", "7", "…", "10"]);
        assert!(middle.pages[4].selected);
        assert!(middle.pages[7].url.is_empty(), "a gap is no link");
        r.page = 50;
        let far = pager(&r, 1000);
        let labels: Vec<&str> = far.pages.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["1", "…", "48", "49", "50", "51", "52", "…", "100"]);
        r.page = 5;
        assert!(middle.prev_url.contains("page=4"), "{}", middle.prev_url);
        assert!(middle.next_url.contains("page=6"), "{}", middle.next_url);
        r.page = 1;
        let first = pager(&r, 5);
        assert_eq!(first.pages.len(), 1);
        assert!(
            !first.pages[0].url.contains("page="),
            "{}",
            first.pages[0].url
        );
        assert_eq!((first.prev_url.as_str(), first.next_url.as_str()), ("", ""));
        // Past the end: the pages that exist, "previous" the last of them.
        r.page = 30;
        let past = pager(&r, 95);
        assert_eq!(past.last_page, 10);
        assert!(past.prev_url.contains("page=10"), "{}", past.prev_url);
        assert_eq!(past.next_url, "");
        assert!(past.pages.iter().all(|p| !p.selected));
        assert_eq!(past.pages.last().unwrap().label, "10");
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
