//! Query-string parsing for the search endpoints: repeated facet parameters,
//! strict percent-decoding (invalid UTF-8 is a 400, not a replacement char),
//! and the reverse, building URLs that hold the whole search state.

use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::{Error, Reason, Result};
use crate::facet::FacetKind;
use crate::search::{SearchRequest, Sort, View};

/// Search parameters after the facets.
const SEARCH_TAIL: [&str; 10] = [
    "page",
    "per_page",
    "sort",
    "min_funding",
    "max_funding",
    "per_report",
    "report",
    "year_from",
    "year_to",
    "view",
];

/// Parameters the search endpoints know: `q`, every facet's parameter in
/// [`FacetKind::ALL`] order, then paging, order, funding and report.
pub const SEARCH_PARAMS: [&str; 1 + FacetKind::ALL.len() + SEARCH_TAIL.len()] =
    around_facets(&["q"], &SEARCH_TAIL);

/// Parameters of `/api/facets` after the facets.
const FACET_TAIL: [&str; 5] = [
    "min_funding",
    "max_funding",
    "report",
    "year_from",
    "year_to",
];

/// Parameters of `/api/facets`: the search parameters that change which
/// paragraphs count (paging and order do not).
pub const FACET_PARAMS: [&str; 1 + FacetKind::ALL.len() + FACET_TAIL.len()] =
    around_facets(&["q"], &FACET_TAIL);

/// Parameters of the exports after the facets: what changes the rows and
/// their order (paging parameters are checked and ignored).
const EXPORT_TAIL: [&str; 6] = [
    "report",
    "sort",
    "min_funding",
    "max_funding",
    "year_from",
    "year_to",
];

/// Parameters the exports (`/export.csv`, `/export.json`) document.
pub const EXPORT_PARAMS: [&str; 1 + FacetKind::ALL.len() + EXPORT_TAIL.len()] =
    around_facets(&["q"], &EXPORT_TAIL);

/// `head`, every facet's parameter in [`FacetKind::ALL`] order, then `tail`.
const fn around_facets<const N: usize>(
    head: &[&'static str],
    tail: &[&'static str],
) -> [&'static str; N] {
    assert!(N == head.len() + FacetKind::ALL.len() + tail.len());
    let mut out = [""; N];
    let mut i = 0;
    while i < head.len() {
        out[i] = head[i];
        i += 1;
    }
    let mut k = 0;
    while k < FacetKind::ALL.len() {
        out[head.len() + k] = FacetKind::ALL[k].param();
        k += 1;
    }
    let mut t = 0;
    while t < tail.len() {
        out[head.len() + FacetKind::ALL.len() + t] = tail[t];
        t += 1;
    }
    out
}

/// Decode a raw query string into (name, value) pairs.
pub fn decode_pairs(raw: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((
            decode_component(name, name)?,
            decode_component(name, value)?,
        ));
    }
    Ok(pairs)
}

fn decode_component(param: &str, raw: &str) -> Result<String> {
    let spaced = raw.replace('+', " ");
    if has_bad_escape(&spaced) {
        return Err(Error::bad_as(
            param,
            Reason::Encoding,
            format!("parameter {param:?} has a malformed percent-encoding"),
        ));
    }
    percent_decode(spaced.as_bytes())
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            Error::bad_as(
                param,
                Reason::Encoding,
                format!("parameter {param:?} is not valid UTF-8"),
            )
        })
}

/// A `%` not followed by two hex digits.
fn has_bad_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

fn parse_number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::bad(name, format!("{name} must be a number, not {value:?}")))
}

/// An amount parameter: yuan, or staff's own `500万`, `1亿`, `3.8亿元`.
fn parse_yuan(name: &str, value: &str) -> Result<f64> {
    crate::labels::funding::parse_amount(value).ok_or_else(|| {
        Error::bad(
            name,
            format!("{name} must be an amount such as 500000, 500万 or 1亿, not {value:?}"),
        )
    })
}

/// The view the search page shows when the URL names none: browsing
/// without words lists reports (a report's paragraphs one by one would be
/// its headings first), a search lists paragraphs. The API's default is
/// always paragraphs.
pub fn page_default_view(q: &str) -> View {
    if q.trim().is_empty() {
        View::Reports
    } else {
        View::Paragraphs
    }
}

/// Build a search request from decoded pairs. With `strict`, an unknown
/// parameter is an error naming it (the API); without, it is ignored (pages),
/// and the view defaults as [`page_default_view`] says.
pub fn search_request(pairs: &[(String, String)], strict: bool) -> Result<SearchRequest> {
    let mut request = SearchRequest::default();
    let mut view = None;
    for (name, value) in pairs {
        if let Some(kind) = FacetKind::from_param(name) {
            request.values_mut(kind).push(value.clone());
            continue;
        }
        match name.as_str() {
            "q" => request.q = value.clone(),
            "page" => request.page = parse_number(name, value)?,
            "per_page" => request.per_page = parse_number(name, value)?,
            "per_report" => request.per_report = Some(parse_number(name, value)?),
            "sort" => request.sort = Sort::parse(value)?,
            "min_funding" if !value.is_empty() => {
                request.min_funding = Some(parse_yuan(name, value)?)
            }
            "max_funding" if !value.is_empty() => {
                request.max_funding = Some(parse_yuan(name, value)?)
            }
            "min_funding" | "max_funding" => {}
            // An empty box of the page's year range is no bound.
            "year_from" | "year_to" if value.trim().is_empty() => {}
            "year_from" => request.year_from = Some(parse_number(name, value)?),
            "year_to" => request.year_to = Some(parse_number(name, value)?),
            "report" if !value.is_empty() => request.report = Some(value.clone()),
            "report" => {}
            "view" => view = Some(View::parse(value)?),
            other if strict => {
                return Err(Error::bad_as(
                    other,
                    Reason::Unknown,
                    format!(
                        "unknown parameter {other:?}; known: {}",
                        SEARCH_PARAMS.join(", ")
                    ),
                ));
            }
            _ => {}
        }
    }
    request.view = match (view, strict) {
        (Some(view), _) => view,
        (None, true) => View::Paragraphs,
        (None, false) => page_default_view(&request.q),
    };
    request.validate()?;
    Ok(request)
}

/// The request a raw query string describes. With `strict`, unknown
/// parameters are errors naming them.
pub fn request_from_query(raw: Option<&str>, strict: bool) -> Result<SearchRequest> {
    search_request(&decode_pairs(raw.unwrap_or(""))?, strict)
}

/// Characters escaped in URL components: everything but unreserved ASCII.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode one URL component.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// The query string that reproduces a request (defaults left out).
pub fn to_query_string(r: &SearchRequest) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !r.q.is_empty() {
        parts.push(format!("q={}", encode(&r.q)));
    }
    for kind in FacetKind::ALL {
        for v in r.values(kind) {
            parts.push(format!("{}={}", kind.param(), encode(v)));
        }
    }
    if let Some(v) = r.min_funding {
        parts.push(format!("min_funding={v}"));
    }
    if let Some(v) = r.max_funding {
        parts.push(format!("max_funding={v}"));
    }
    if let Some(y) = r.year_from {
        parts.push(format!("year_from={y}"));
    }
    if let Some(y) = r.year_to {
        parts.push(format!("year_to={y}"));
    }
    if let Some(report) = &r.report {
        parts.push(format!("report={}", encode(report)));
    }
    if r.sort != Sort::Relevance {
        parts.push(format!("sort={}", r.sort.as_str()));
    }
    if r.per_page != crate::search::DEFAULT_PER_PAGE {
        parts.push(format!("per_page={}", r.per_page));
    }
    if let Some(n) = r.per_report {
        parts.push(format!("per_report={n}"));
    }
    // URLs are the page's: the view is written when it is not the page's
    // default for these words.
    if r.view != page_default_view(&r.q) {
        parts.push(format!("view={}", r.view.as_str()));
    }
    if r.page != 1 {
        parts.push(format!("page={}", r.page));
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_and_round_trip() {
        let pairs = decode_pairs(
            "q=%E6%8F%B4%E8%97%8F+%E5%8C%BB%E7%96%97&region=a&region=b&year=2020&page=2",
        )
        .unwrap();
        let r = search_request(&pairs, true).unwrap();
        assert_eq!(r.q, "援藏 医疗");
        assert_eq!(r.region, vec!["a", "b"]);
        let again = search_request(&decode_pairs(&to_query_string(&r)).unwrap(), true).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn bad_input_names_the_parameter() {
        let err = |qs: &str| match decode_pairs(qs).and_then(|p| search_request(&p, true)) {
            Err(Error::BadParameter { param, .. }) => param,
            other => panic!("{qs}: {other:?}"),
        };
        assert_eq!(err("page=abc"), "page");
        assert_eq!(err("page=0"), "page");
        assert_eq!(err("per_page=1000"), "per_page");
        assert_eq!(err("q=%FF%FE"), "q");
        assert_eq!(err("q=%E6%8F"), "q");
        assert_eq!(err("q=%zz"), "q");
        assert_eq!(err("colour=red"), "colour");
    }

    #[test]
    fn parameter_lists_hold_every_facet_in_order() {
        assert_eq!(
            SEARCH_PARAMS,
            [
                "q",
                "region",
                "donor",
                "sector",
                "year",
                "programme",
                "report_year",
                "page",
                "per_page",
                "sort",
                "min_funding",
                "max_funding",
                "per_report",
                "report",
                "year_from",
                "year_to",
                "view",
            ]
        );
        assert_eq!(
            FACET_PARAMS,
            [
                "q",
                "region",
                "donor",
                "sector",
                "year",
                "programme",
                "report_year",
                "min_funding",
                "max_funding",
                "report",
                "year_from",
                "year_to",
            ]
        );
        for kind in FacetKind::ALL {
            assert!(SEARCH_PARAMS.contains(&kind.param()), "{kind:?}");
            assert!(FACET_PARAMS.contains(&kind.param()), "{kind:?}");
            let pairs = vec![(kind.param().to_string(), "2020".to_string())];
            let request = search_request(&pairs, true).unwrap();
            assert_eq!(request.values(kind), &["2020"], "{kind:?}");
            let on_page = search_request(&pairs, false).unwrap();
            assert_eq!(to_query_string(&on_page), format!("{}=2020", kind.param()));
        }
    }

    #[test]
    fn browsing_pages_list_reports_unless_the_url_says_otherwise() {
        let page = |qs: &str| search_request(&decode_pairs(qs).unwrap(), false).unwrap();
        let api = |qs: &str| search_request(&decode_pairs(qs).unwrap(), true).unwrap();
        assert_eq!(page("").view, View::Reports);
        assert_eq!(page("region=a").view, View::Reports);
        assert_eq!(page("q=援藏").view, View::Paragraphs);
        assert_eq!(page("view=paragraphs").view, View::Paragraphs);
        assert_eq!(page("q=援藏&view=reports").view, View::Reports);
        assert_eq!(api("").view, View::Paragraphs);
        // Every view survives the page's own URL, which names it only when
        // it is not the default.
        for (qs, url) in [
            ("", ""),
            ("view=paragraphs", "view=paragraphs"),
            ("q=a", "q=a"),
            ("q=a&view=reports", "q=a&view=reports"),
        ] {
            let r = page(qs);
            assert_eq!(to_query_string(&r), url, "{qs}");
            assert_eq!(page(&to_query_string(&r)).view, r.view, "{qs}");
        }
        assert!(search_request(&decode_pairs("view=x").unwrap(), false).is_err());
    }

    #[test]
    fn pages_ignore_unknown_parameters() {
        assert!(search_request(&decode_pairs("utm_source=x&q=a").unwrap(), false).is_ok());
    }
}
