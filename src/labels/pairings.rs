//! Who aids whom: the paired-aid relations of `data/pairings.tsv` (对口支援
//! 西藏/新疆/青海, the Tibetan areas, 东西部协作), as the labeller uses them: a
//! place is a donor where its paragraph or title names one of its
//! recipients, and a donor beside a region it is paired with names the
//! programme.

use std::sync::OnceLock;

use super::is_ancestor_or_self;

/// One pairing: `donor` aids `recipient` under `programme`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub donor: String,
    pub recipient: String,
    pub programme: String,
    pub period: String,
}

impl std::fmt::Display for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} → {} ({}, {})",
            self.donor, self.recipient, self.programme, self.period
        )
    }
}

/// Every pairing of the data file, in its order.
pub fn all() -> &'static [Pairing] {
    static ROWS: OnceLock<Vec<Pairing>> = OnceLock::new();
    ROWS.get_or_init(|| parse(include_str!("../../data/pairings.tsv")))
}

fn parse(text: &str) -> Vec<Pairing> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("donor\t"))
        .map(|line| {
            let mut cols = line.split('\t');
            let mut next = || cols.next().unwrap_or_default().to_string();
            Pairing {
                donor: next(),
                recipient: next(),
                programme: next(),
                period: next(),
            }
        })
        .collect()
}

/// Whether one path is the other or lies inside it.
fn related(a: &str, b: &str) -> bool {
    is_ancestor_or_self(a, b) || is_ancestor_or_self(b, a)
}

/// The pairing under which `donor` (a province or a city of it) aids
/// `recipient` (an area or a place in it), if one does.
pub fn pairing(donor: &str, recipient: &str) -> Option<&'static Pairing> {
    find_row(donor, recipient, |row_recipient| {
        related(recipient, row_recipient)
    })
}

/// The pairing under which `donor` aids `place` itself or the area around
/// it: `place` lies at the row's recipient or inside it (北京 aids 拉萨 and
/// its counties, not all of 西藏, which sixteen others aid too).
pub fn pairing_within(donor: &str, place: &str) -> Option<&'static Pairing> {
    find_row(donor, place, |row_recipient| {
        is_ancestor_or_self(row_recipient, place)
    })
}

/// The first row, in the table's order, whose donor is related to `donor`
/// and whose recipient `fits`; none when `donor` and `recipient` are one
/// place or one holds the other.
fn find_row(donor: &str, recipient: &str, fits: impl Fn(&str) -> bool) -> Option<&'static Pairing> {
    if related(donor, recipient) {
        return None;
    }
    // Related paths share their first level, so only the rows whose donor
    // lies in the donor's province can pair.
    by_province()
        .get(first_level(donor))?
        .iter()
        .find(|p| related(donor, &p.donor) && fits(&p.recipient))
        .copied()
}

fn first_level(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

/// The rows by the first level of their donor, each list in table order.
fn by_province() -> &'static std::collections::HashMap<&'static str, Vec<&'static Pairing>> {
    static INDEX: OnceLock<std::collections::HashMap<&'static str, Vec<&'static Pairing>>> =
        OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: std::collections::HashMap<&str, Vec<&Pairing>> = Default::default();
        for p in all() {
            index.entry(first_level(&p.donor)).or_default().push(p);
        }
        index
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_pairs_at_any_level() {
        assert!(all().len() > 50);
        let p = pairing("福建省", "宁夏回族自治区").expect("闽宁");
        assert_eq!(p.programme, "东西部协作");
        // A city of the donor, a county of the recipient.
        assert!(pairing("广东省/佛山市", "四川省/凉山彝族自治州/昭觉县").is_some());
        assert_eq!(
            pairing("山东省", "西藏自治区/日喀则市/昂仁县").map(|p| p.programme.as_str()),
            Some("援藏")
        );
        assert_eq!(
            pairing("浙江省", "新疆维吾尔自治区/阿克苏地区").map(|p| p.programme.as_str()),
            Some("援疆")
        );
        // The recipient is not its own donor; unpaired places are not pairs.
        assert!(pairing("宁夏回族自治区", "福建省").is_none());
        assert!(pairing("宁夏回族自治区", "宁夏回族自治区/银川市").is_none());
        assert!(pairing("湖北省", "宁夏回族自治区").is_none());
    }

    #[test]
    fn a_place_within_the_recipient_pairs_and_its_province_does_not() {
        // 天津 aids 昌都 (援藏): 昌都 and its districts, not all of 西藏.
        assert!(pairing_within("天津市", "西藏自治区/昌都市").is_some());
        assert!(pairing_within("天津市", "西藏自治区/昌都市/卡若区").is_some());
        assert!(pairing_within("天津市", "西藏自治区").is_none());
        assert!(pairing("天津市", "西藏自治区").is_some());
        // A row that names a province as its recipient pairs with it.
        assert!(pairing_within("天津市", "甘肃省").is_some());
    }
}
