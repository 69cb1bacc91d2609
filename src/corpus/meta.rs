//! Sidecar metadata: an optional `NAME.toml` beside a corpus file `NAME.ext`
//! that adds to or overrides what the text tells.
//!
//! ```toml
//! title = "发扬“工匠精神” 打开“技术之窗”"
//! source = "西藏日报"
//! date = "2020-10"            # YYYY, YYYY-MM or YYYY-MM-DD
//! date_note = "inferred: ..."  # where the date is not printed in the text
//! region = ["西藏自治区/拉萨市"] # gazetteer names or paths
//! sector = ["科技创新"]
//! donor = ["山东省"]
//! ```

use serde::{Deserialize, Serialize};

/// Metadata from a sidecar file. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMeta {
    pub title: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    pub date_note: Option<String>,
    #[serde(default)]
    pub region: Vec<String>,
    #[serde(default)]
    pub sector: Vec<String>,
    #[serde(default)]
    pub donor: Vec<String>,
}

/// The sidecar's places and sectors, kept with a report for the labeller:
/// gazetteer names or paths, and sector names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelHints {
    pub region: Vec<String>,
    pub donor: Vec<String>,
    pub sector: Vec<String>,
}

impl ReportMeta {
    /// Parse sidecar TOML; the error names what is wrong.
    pub fn parse(toml_text: &str) -> Result<ReportMeta, String> {
        let meta: ReportMeta = toml::from_str(toml_text).map_err(|e| e.message().to_string())?;
        if let Some(date) = &meta.date {
            if parse_year(date).is_none() {
                return Err(format!("date {date:?} is not YYYY, YYYY-MM or YYYY-MM-DD"));
            }
        }
        Ok(meta)
    }

    /// What the sidecar tells the labeller.
    pub fn hints(&self) -> LabelHints {
        LabelHints {
            region: self.region.clone(),
            donor: self.donor.clone(),
            sector: self.sector.clone(),
        }
    }

    /// The year of the report's date, if it has one.
    pub fn year(&self) -> Option<i32> {
        self.date.as_deref().and_then(parse_year)
    }
}

/// The year of a `YYYY[-MM[-DD]]` date.
pub fn parse_year(date: &str) -> Option<i32> {
    let mut parts = date.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month_ok = parts
        .next()
        .is_none_or(|m| m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m)));
    let day_ok = parts
        .next()
        .is_none_or(|d| d.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d)));
    ((1800..=2100).contains(&year) && month_ok && day_ok && parts.next().is_none()).then_some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_sidecar() {
        let meta = ReportMeta::parse(
            "title = \"标题\"\nsource = \"西藏日报\"\ndate = \"2020-07\"\nregion = [\"日喀则\"]\n",
        )
        .unwrap();
        assert_eq!(meta.year(), Some(2020));
        assert_eq!(meta.region, vec!["日喀则"]);
    }

    #[test]
    fn rejects_unknown_fields_and_bad_dates() {
        assert!(ReportMeta::parse("titel = \"x\"").is_err());
        assert!(ReportMeta::parse("date = \"2020-13\"").is_err());
        assert!(ReportMeta::parse("date = \"soon\"").is_err());
    }
}
