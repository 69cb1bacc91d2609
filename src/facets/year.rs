//! Which years a paragraph is about: explicit years (`2019年`, `2020年初`,
//! `2019—2020年`), relative years resolved from the report's date (今年, 去年,
//! 明年, 前年), and five-year plans (`十四五` as 2021–2025) when no explicit
//! year is given.

/// Years from the first to the last plausible one for these reports.
const EARLIEST: i32 = 1949;
const LATEST: i32 = 2100;

/// Years named in `text`, with the words that produced them.
pub fn years(text: &str, report_year: Option<i32>) -> (Vec<i32>, Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<i32> = Vec::new();
    let mut evidence = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((year, end)) = four_digit_year(&chars, i) {
            let mut j = skip_spaces(&chars, end);
            // `2019—2020年`: a range whose first year has no 年 of its own.
            if j < chars.len() && ['—', '-', '至', '~', '～'].contains(&chars[j]) {
                if let Some((to, end2)) = four_digit_year(&chars, skip_spaces(&chars, j + 1)) {
                    let k = skip_spaces(&chars, end2);
                    if k < chars.len() && chars[k] == '年' && to >= year && to - year <= 10 {
                        found.extend(year..=to);
                        evidence.push(chars[i..=k].iter().collect());
                        i = k + 1;
                        continue;
                    }
                }
            }
            if j < chars.len() && chars[j] == '年' {
                found.push(year);
                evidence.push(chars[i..=j].iter().collect());
                j += 1;
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    if let Some(base) = report_year {
        for (word, delta) in [("今年", 0), ("去年", -1), ("明年", 1), ("前年", -2)] {
            if text.contains(word) {
                found.push(base + delta);
                evidence.push(format!("{word}→{}", base + delta));
            }
        }
    }
    if found.is_empty() {
        for (word, from, to) in [
            ("十四五", 2021, 2025),
            ("十三五", 2016, 2020),
            ("十五五", 2026, 2030),
        ] {
            if text.contains(word) {
                found.extend(from..=to);
                evidence.push(format!("{word}→{from}–{to}"));
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    (found, evidence)
}

fn skip_spaces(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    i
}

fn ascii_digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// A standalone four-digit year starting at `i`.
fn four_digit_year(chars: &[char], i: usize) -> Option<(i32, usize)> {
    if i > 0 && (ascii_digit(chars[i - 1]).is_some() || chars[i - 1] == '.') {
        return None;
    }
    let digits: Vec<u32> = chars
        .get(i..i + 4)?
        .iter()
        .map(|&c| ascii_digit(c))
        .collect::<Option<_>>()?;
    if chars.get(i + 4).is_some_and(|&c| ascii_digit(c).is_some()) {
        return None;
    }
    let year = digits.iter().fold(0, |acc, d| acc * 10 + *d as i32);
    (EARLIEST..=LATEST).contains(&year).then_some((year, i + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_years() {
        assert_eq!(
            years("2019年7月2日抵达，2020年初完成", None).0,
            vec![2019, 2020]
        );
        assert_eq!(years("2019 年，科技对农牧业贡献率", None).0, vec![2019]);
        assert_eq!(years("２０２３年", None).0, vec![2023]);
    }

    #[test]
    fn not_years() {
        assert!(years("累计培训1682人次，30年来，“科技助力经济2020”", None)
            .0
            .is_empty());
        assert!(years("经费12019年", None).0.is_empty());
    }

    #[test]
    fn relative_years_use_report_date() {
        assert_eq!(years("今年5月19日至24日", Some(2020)).0, vec![2020]);
        assert_eq!(years("去年启动轮换", Some(2022)).0, vec![2021]);
        assert!(years("今年", None).0.is_empty());
    }

    #[test]
    fn plans_and_ranges() {
        assert_eq!(
            years("“十四五”规划中期考核", None).0,
            vec![2021, 2022, 2023, 2024, 2025]
        );
        assert_eq!(
            years("2023年是落实“十四五”规划的关键之年", None).0,
            vec![2023]
        );
        assert_eq!(years("2019—2020年", None).0, vec![2019, 2020]);
    }
}
