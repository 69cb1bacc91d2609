//! Facet extraction: region (where the aid goes), donor (who gives it), sector,
//! year and funding for each paragraph, with the words that produced each
//! label so a reviewer can check them (`aidsearch facets --explain`).
//!
//! Places come from the gazetteer; a place is a donor only when the text says
//! so (`淄博市第九批援藏工作组`, `山东援藏`, `重庆市委…部署`). A paragraph without a
//! place or year of its own inherits its article's, when the article has one
//! clear one.

pub mod funding;
pub mod gazetteer;
pub mod sector;
pub mod year;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::corpus::meta::ReportMeta;
use crate::corpus::Report;
use gazetteer::{Gazetteer, Level};

/// Root of the Tibet region tree.
pub const TIBET: &str = "西藏自治区";

/// The labels of one paragraph.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Labels {
    /// Gazetteer paths of the places that receive aid, deepest only.
    pub region: Vec<String>,
    /// Gazetteer paths of the places that give it.
    pub donor: Vec<String>,
    pub sector: Vec<String>,
    pub year: Vec<i32>,
    /// Amounts of money, in yuan.
    pub funding: Vec<f64>,
    /// Why each label was given: `kind value ← words`.
    #[serde(skip)]
    pub evidence: Vec<String>,
}

/// Words after a place that make it the giver of aid, within the same clause.
const DONOR_AFTER: [&str; 13] = [
    "援藏",
    "援建",
    "援助",
    "对口支援",
    "对口帮扶",
    "帮扶",
    "援派",
    "市委",
    "省委",
    "援疆",
    "支援",
    "援青",
    "派出",
];
/// Words right before a place that make it the giver of aid.
const DONOR_BEFORE: [&str; 3] = ["来自", "从", "由"];
/// Characters that end a clause.
const CLAUSE_END: [char; 7] = ['，', '。', '；', '：', '！', '？', '、'];

/// Whether the place mentioned at `start..end` of `text` is named as a donor.
fn is_donor_context(text: &str, start: usize, end: usize) -> bool {
    let after: String = text[end..]
        .chars()
        .take_while(|c| !CLAUSE_END.contains(c))
        .take(16)
        .collect();
    let ordinal_batch = after.starts_with('第') && after.contains('批');
    // `重庆市委、市政府`: the place's own party committee or government sends the aid.
    let own_government = after.starts_with('委') || after.starts_with("政府");
    if ordinal_batch || own_government || DONOR_AFTER.iter().any(|w| after.contains(w)) {
        return true;
    }
    let before: String = text[..start]
        .chars()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    DONOR_BEFORE.iter().any(|w| before.ends_with(w)) && after.contains("干部")
}

/// Keep only the deepest paths: `西藏自治区` goes when `西藏自治区/日喀则市` is there.
fn deepest(mut paths: Vec<String>) -> Vec<String> {
    paths.sort();
    paths.dedup();
    let all = paths.clone();
    paths.retain(|p| {
        !all.iter().any(|q| {
            q.len() > p.len() && q.starts_with(p.as_str()) && q[p.len()..].starts_with('/')
        })
    });
    paths
}

/// Regions and donors named in `text`, with evidence.
pub fn places(text: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let gazetteer = Gazetteer::global();
    let mut tibet = Vec::new();
    let mut elsewhere = Vec::new();
    let mut donors = Vec::new();
    let mut evidence = Vec::new();
    for mention in gazetteer.mentions(text) {
        let path = mention.place.path.clone();
        let in_tibet = path == TIBET || path.starts_with("西藏自治区/");
        if !in_tibet && is_donor_context(text, mention.start, mention.end) {
            evidence.push(format!("donor {path} ← {}", mention.surface));
            donors.push(path);
        } else if in_tibet {
            evidence.push(format!("region {path} ← {}", mention.surface));
            tibet.push(path);
        } else {
            elsewhere.push((path, mention.surface));
        }
    }
    // Places outside Tibet count as aid regions only in text that is not about Tibet.
    if tibet.is_empty() {
        for (path, surface) in elsewhere {
            if !donors.contains(&path) {
                evidence.push(format!("region {path} ← {surface}"));
                tibet.push(path);
            }
        }
    }
    (deepest(tibet), deepest(donors), evidence)
}

/// The one clear place of an article: the title's, or the place that at least
/// 60% of the labelled paragraphs share.
fn dominant(title_places: &[String], per_paragraph: &[&Vec<String>]) -> Vec<String> {
    if !title_places.is_empty() {
        return title_places.to_vec();
    }
    let labelled: Vec<&&Vec<String>> = per_paragraph.iter().filter(|p| !p.is_empty()).collect();
    if labelled.is_empty() {
        return Vec::new();
    }
    // Count each ancestor path once per paragraph, then take the deepest path
    // that 60% of labelled paragraphs fall under.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for paths in &labelled {
        let mut ancestors: Vec<String> = Vec::new();
        for path in paths.iter() {
            let mut prefix = String::new();
            for part in path.split('/') {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(part);
                ancestors.push(prefix.clone());
            }
        }
        ancestors.sort();
        ancestors.dedup();
        for a in ancestors {
            *counts.entry(a).or_default() += 1;
        }
    }
    let needed = (labelled.len() * 3).div_ceil(5);
    counts
        .into_iter()
        .filter(|(_, n)| *n >= needed)
        .max_by_key(|(path, n)| (path.matches('/').count(), *n))
        .map(|(path, _)| vec![path])
        .unwrap_or_default()
}

/// Resolve sidecar place names (names, aliases or paths) to gazetteer paths.
fn resolve_all(names: &[String]) -> Vec<String> {
    let gazetteer = Gazetteer::global();
    names
        .iter()
        .filter_map(|n| gazetteer.resolve(n).map(|p| p.path.clone()))
        .collect()
}

/// Label every paragraph of a report in place.
pub fn label_report(report: &mut Report, meta: &ReportMeta) {
    let report_year = report
        .date
        .as_deref()
        .and_then(crate::corpus::meta::parse_year);
    let mut found: Vec<(Vec<String>, Vec<String>)> = Vec::with_capacity(report.paragraphs.len());
    for paragraph in &mut report.paragraphs {
        let labels = &mut paragraph.labels;
        let (region, donor, evidence) = places(&paragraph.text);
        labels.evidence.extend(evidence);
        let (sectors, evidence) = sector::classify(&paragraph.text);
        labels.sector = sectors;
        labels
            .evidence
            .extend(evidence.into_iter().map(|e| format!("sector {e}")));
        let (years, evidence) = year::years(&paragraph.text, report_year);
        if !years.is_empty() {
            labels
                .evidence
                .push(format!("year {years:?} ← {}", evidence.join(" ")));
        }
        labels.year = years;
        labels.funding = funding::amounts(&paragraph.text)
            .into_iter()
            .map(|a| a.yuan)
            .collect();
        found.push((region, donor));
    }
    let (title_region, title_donor, _) = places(&report.title);
    let sidecar_region = resolve_all(&meta.region);
    let sidecar_donor = resolve_all(&meta.donor);
    let article_region = if sidecar_region.is_empty() {
        dominant(
            &title_region,
            &found.iter().map(|f| &f.0).collect::<Vec<_>>(),
        )
    } else {
        sidecar_region
    };
    let article_donor = if sidecar_donor.is_empty() {
        dominant(
            &title_donor,
            &found.iter().map(|f| &f.1).collect::<Vec<_>>(),
        )
    } else {
        sidecar_donor
    };
    for (paragraph, (region, donor)) in report.paragraphs.iter_mut().zip(found) {
        let labels = &mut paragraph.labels;
        labels.region = if region.is_empty() {
            if !article_region.is_empty() {
                labels
                    .evidence
                    .push(format!("region {article_region:?} ← article"));
            }
            article_region.clone()
        } else {
            region
        };
        labels.donor = if donor.is_empty() {
            if !article_donor.is_empty() {
                labels
                    .evidence
                    .push(format!("donor {article_donor:?} ← article"));
            }
            article_donor.clone()
        } else {
            donor
        };
        if labels.year.is_empty() {
            if let Some(y) = report_year {
                labels.year.push(y);
                labels.evidence.push(format!("year {y} ← report date"));
            }
        }
        for s in &meta.sector {
            if !labels.sector.contains(s) {
                labels.sector.push(s.clone());
            }
        }
    }
}

/// Level of a region path: 1 for a province, 2 for a prefecture, 3 for a county.
pub fn path_level(path: &str) -> Level {
    match path.matches('/').count() {
        0 => Level::Province,
        1 => Level::Prefecture,
        _ => Level::County,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn donor_needs_the_text_to_say_so() {
        let (region, donor, _) = places("淄博市第九批援藏干部人才抵达西藏自治区日喀则市昂仁县");
        assert_eq!(donor, vec!["山东省/淄博市"]);
        assert_eq!(region, vec!["西藏自治区/日喀则市/昂仁县"]);
        let (_, donor, _) = places("与成都科技企业孵化器联合举办培训，拉萨的企业参加");
        assert!(donor.is_empty(), "{donor:?}");
    }

    #[test]
    fn short_forms_donors() {
        let (_, donor, _) = places("山东援藏干部人才坚持以铸牢中华民族共同体意识为主线");
        assert_eq!(donor, vec!["山东省"]);
        let (_, donor, _) = places("按照重庆市委、市政府统一部署");
        assert_eq!(donor, vec!["重庆市"]);
    }

    #[test]
    fn deepest_paths_only() {
        assert_eq!(
            deepest(vec![
                "西藏自治区".into(),
                "西藏自治区/日喀则市".into(),
                "西藏自治区/拉萨市".into()
            ]),
            vec!["西藏自治区/拉萨市", "西藏自治区/日喀则市"]
        );
    }

    #[test]
    fn dominant_place_needs_a_clear_majority() {
        let a = vec!["西藏自治区/昌都市/芒康县".to_string()];
        let b = vec!["西藏自治区/昌都市/八宿县".to_string()];
        let c = vec!["西藏自治区/拉萨市".to_string()];
        let d = vec!["西藏自治区/昌都市/边坝县".to_string()];
        assert_eq!(dominant(&[], &[&a, &b, &d]), vec!["西藏自治区/昌都市"]);
        assert_eq!(
            dominant(&[], &[&a, &b, &a]),
            vec!["西藏自治区/昌都市/芒康县"]
        );
        assert_eq!(dominant(&[], &[&a, &c]), vec![TIBET]);
        assert_eq!(dominant(&[], &[&a, &c, &vec![]]), vec![TIBET]);
    }
}
