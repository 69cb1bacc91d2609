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
//! access = ["扶贫办", "领导"]  # only these groups may read it
//! ```
//!
//! A folder may hold [`FOLDER_ACCESS_FILE`] (`access = [...]`), the groups
//! of every report below it that has no `access` of its own (the nearest
//! such file wins).

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
    /// The groups that may read the report; `None`: the folder's default
    /// (or open), `Some([])`: open to every signed-in user.
    #[serde(default)]
    pub access: Option<Vec<String>>,
}

/// The file of a corpus folder naming the groups that may read the reports
/// below it (a sidecar's own `access` wins). A `.toml` file, so never read
/// as a report.
pub const FOLDER_ACCESS_FILE: &str = "_access.toml";

/// The term of the index's access field that marks an open report; no
/// group may be named so.
pub const OPEN_ACCESS: &str = "*";

/// Longest group name, in characters.
pub const MAX_GROUP_CHARS: usize = 64;

/// Why `name` cannot be a group (empty, the open marker, too long, or with
/// control characters, commas or surrounding spaces), or `None` when it can.
pub fn group_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a group name is empty".to_string())
    } else if name == OPEN_ACCESS {
        Some(format!("{OPEN_ACCESS:?} cannot name a group"))
    } else if name.chars().count() > MAX_GROUP_CHARS {
        Some(format!(
            "group name {name:?} is over {MAX_GROUP_CHARS} characters"
        ))
    } else if name.trim() != name || name.chars().any(|c| c.is_control() || c == ',') {
        Some(format!(
            "group name {:?} has spaces at an end, a comma or a control character",
            name.escape_debug().to_string()
        ))
    } else {
        None
    }
}

/// The groups of a folder access file's text.
pub fn parse_folder_access(toml_text: &str) -> Result<Vec<String>, String> {
    let table: toml::Table = toml::from_str(toml_text).map_err(|e| e.message().to_string())?;
    let mut groups = None;
    for (key, value) in table {
        if key != "access" {
            return Err(format!("unknown field `{key}`, expected `access`"));
        }
        groups = Some(checked_groups(value)?);
    }
    groups.ok_or_else(|| "no `access` field".to_string())
}

/// A list of group names, each checked, sorted, without repeats.
fn checked_groups(value: toml::Value) -> Result<Vec<String>, String> {
    let mut groups = strings(value).ok_or("access must be a list of strings")?;
    if let Some(problem) = groups.iter().find_map(|g| group_name_problem(g)) {
        return Err(format!("access: {problem}"));
    }
    groups.sort();
    groups.dedup();
    Ok(groups)
}

/// The sidecar's places and sectors, kept with a report for the labeller:
/// gazetteer names or paths, and sector names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelHints {
    pub region: Vec<String>,
    pub donor: Vec<String>,
    pub sector: Vec<String>,
}

/// What the cells of one table row (a spreadsheet's data row) say of the
/// facets, by the role of their column: the cell text as written, with its
/// column's heading (which holds the unit of an amount: `资金（万元）`).
/// `crate::labels` resolves them, through the same gazetteer and parsers as
/// text, ahead of what it would guess from the row's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellHints {
    pub place: Vec<Cell>,
    pub donor: Vec<Cell>,
    pub year: Vec<Cell>,
    /// Every amount column's cell, blank ones too: a sheet with an amount
    /// column says what the row's funding is, and a blank cell says none.
    pub amount: Vec<Cell>,
    /// A total row (合计, 小计): indexed, but its amount is the sum of
    /// others' and is not counted again.
    pub total: bool,
}

/// One cell of a table row and the heading of its column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub heading: String,
    pub value: String,
}

impl ReportMeta {
    /// Parse sidecar TOML; the error names everything that is wrong, so
    /// that one edit fixes the file (serde stops at the first problem).
    /// Only a TOML syntax error stops the reading.
    pub fn parse(toml_text: &str) -> Result<ReportMeta, String> {
        let table: toml::Table = toml::from_str(toml_text).map_err(|e| e.message().to_string())?;
        let mut meta = ReportMeta::default();
        let mut errors = Vec::new();
        for (key, value) in table {
            let text = match key.as_str() {
                "title" => &mut meta.title,
                "source" => &mut meta.source,
                "date" => &mut meta.date,
                "date_note" => &mut meta.date_note,
                "access" => {
                    match checked_groups(value) {
                        Ok(groups) => meta.access = Some(groups),
                        Err(e) => errors.push(e),
                    }
                    continue;
                }
                "region" | "sector" | "donor" => {
                    let list = match key.as_str() {
                        "region" => &mut meta.region,
                        "sector" => &mut meta.sector,
                        _ => &mut meta.donor,
                    };
                    match strings(value) {
                        Some(values) => *list = values,
                        None => errors.push(format!("{key} must be a list of strings")),
                    }
                    continue;
                }
                other => {
                    errors.push(format!(
                        "unknown field `{other}`, expected one of {}",
                        FIELDS.map(|f| format!("`{f}`")).join(", ")
                    ));
                    continue;
                }
            };
            match value {
                toml::Value::String(s) => *text = Some(s),
                // An unquoted TOML date (date = 2020-10-01) is the date.
                toml::Value::Datetime(d) if key == "date" && d.time.is_none() => {
                    *text = Some(d.to_string())
                }
                other => errors.push(format!("{key} must be a string, not {}", other.type_str())),
            }
        }
        if let Some(date) = &meta.date {
            if parse_year(date).is_none() {
                errors.push(format!("date {date:?} is not YYYY, YYYY-MM or YYYY-MM-DD"));
            }
        }
        if errors.is_empty() {
            Ok(meta)
        } else {
            Err(errors.join("; "))
        }
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

/// The fields a sidecar may have.
const FIELDS: [&str; 8] = [
    "title",
    "source",
    "date",
    "date_note",
    "region",
    "sector",
    "donor",
    "access",
];

/// A list of strings (a single string is a list of one, as staff write it).
fn strings(value: toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(vec![s]),
        toml::Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                toml::Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
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
        assert!(ReportMeta::parse("region = [1]").is_err());
        assert!(ReportMeta::parse("title = 3").is_err());
    }

    #[test]
    fn every_error_of_a_sidecar_is_reported() {
        let error = ReportMeta::parse(
            "titel = \"x\"\ndate = \"2020-13\"\nsector = 5\nsource = \"西藏日报\"",
        )
        .unwrap_err();
        for part in [
            "unknown field `titel`",
            "date \"2020-13\"",
            "sector must be",
        ] {
            assert!(error.contains(part), "{part} in {error}");
        }
        // A syntax error is the one thing that stops the reading.
        assert!(ReportMeta::parse("title = ").is_err());
    }

    #[test]
    fn access_groups_are_checked() {
        let meta = ReportMeta::parse("access = [\"领导\", \"扶贫办\", \"领导\"]").unwrap();
        assert_eq!(
            meta.access,
            Some(vec!["扶贫办".to_string(), "领导".to_string()])
        );
        assert_eq!(
            ReportMeta::parse("access = []").unwrap().access,
            Some(vec![])
        );
        assert_eq!(ReportMeta::parse("").unwrap().access, None);
        for bad in [
            "access = [\"*\"]",
            "access = [\"\"]",
            "access = [\" a\"]",
            "access = 3",
        ] {
            assert!(ReportMeta::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_folder_access("access = \"领导\"").unwrap(),
            vec!["领导"]
        );
        assert!(parse_folder_access("acces = []").is_err());
    }

    #[test]
    fn staff_shorthands_are_read() {
        let meta = ReportMeta::parse("date = 2020-10-01\nregion = \"日喀则\"").unwrap();
        assert_eq!(meta.date.as_deref(), Some("2020-10-01"));
        assert_eq!(meta.region, vec!["日喀则"]);
    }
}
