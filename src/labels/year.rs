//! Which years a paragraph is about: its *effective* years. Explicit years
//! (`2019年`, `2020年初`, `2019—2020年`, an event named after its year such as
//! `“2023西藏文化青岛行”`) and relative years resolved from the report's date
//! (今年, 去年, 明年, 前年, and `两年前`, which also means the report's year
//! when the paragraph contrasts it with now: 如今, 目前). What is not an event year gives none: a five-year plan
//! (`十三五`) and its span (`“十四五”时期（2021—2025年）`), a horizon
//! (`2035年远景目标`, `到2035年` after the report's year), any other year
//! after the report's (`计划于2021年` in 2020, `明年`: a plan, not what the
//! paragraph reports on), the start of a
//! period (`2012年以来`), and the baseline of a comparison (`比2022年增长`).
//! A paragraph left without a year takes its report's (`labels`).

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
        // A year starts with a digit; most characters are not one.
        if ascii_digit(chars[i]).is_none() {
            i += 1;
            continue;
        }
        if let Some((year, end)) = four_digit_year(&chars, i) {
            let mut j = skip_spaces(&chars, end);
            // `2019—2020年`: a range whose first year has no 年 of its own.
            if j < chars.len() && ['—', '-', '至', '~', '～'].contains(&chars[j]) {
                if let Some((to, end2)) = four_digit_year(&chars, skip_spaces(&chars, j + 1)) {
                    let k = skip_spaces(&chars, end2);
                    if k < chars.len() && chars[k] == '年' && to >= year && to - year <= 10 {
                        let span: String = chars[i..=k].iter().collect();
                        if is_plan_span(&chars, i) {
                            evidence.push(format!("{span}(plan period)"));
                        } else {
                            found.extend(year..=to);
                            evidence.push(span);
                        }
                        i = k + 1;
                        continue;
                    }
                }
            }
            if j < chars.len() && chars[j] == '年' {
                let not_event = if is_baseline(&chars, i, j) {
                    Some("baseline")
                } else if is_period_start(&chars, j) || is_change_start(&chars, i) {
                    Some("start of a period")
                } else if is_horizon(&chars, i, j, year, report_year) {
                    Some("horizon")
                } else if report_year.is_some_and(|r| year > r) {
                    Some("after the report: a plan")
                } else {
                    None
                };
                if let Some(why) = not_event {
                    evidence.push(format!(
                        "{}({why})",
                        chars[i..=j].iter().collect::<String>()
                    ));
                } else {
                    found.push(year);
                    evidence.push(chars[i..=j].iter().collect());
                }
                j += 1;
            } else if is_named_event(&chars, i, end) {
                found.push(year);
                evidence.push(chars[i..end + 1].iter().collect());
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    // Every relative word and `N年前` has a 年 in it.
    if let Some(base) = report_year.filter(|_| text.contains('年')) {
        let used = relative_words(text);
        for (k, (word, delta)) in RELATIVE.into_iter().enumerate() {
            if used[k] && delta > 0 {
                evidence.push(format!("{word}→{}(after the report: a plan)", base + delta));
            } else if used[k] {
                found.push(base + delta);
                evidence.push(format!("{word}→{}", base + delta));
            }
        }
        let contrasts_with_now = NOW.iter().any(|w| text.contains(w));
        for (n, at) in years_ago(&chars) {
            // `两年前…如今` contrasts then with now: both years are the
            // paragraph's; `两年前他来到阿里` reports only then.
            found.push(base - n);
            let word: String = chars[at..]
                .iter()
                .take_while(|&&c| c != '前')
                .chain(['前'].iter())
                .collect();
            if contrasts_with_now {
                found.push(base);
                evidence.push(format!("{word}→{}, {base} (now)", base - n));
            } else {
                evidence.push(format!("{word}→{}", base - n));
            }
        }
    }
    // A five-year plan names a period, not the year the paragraph is about.
    if text.contains('五') {
        for word in PLANS.iter().filter(|w| text.contains(**w)) {
            evidence.push(format!("{word}(plan period)"));
        }
    }
    found.sort_unstable();
    found.dedup();
    (found, evidence)
}

/// Words of the present that a paragraph contrasts `N年前` with: then it is
/// about the report's year too.
const NOW: [&str; 6] = ["目前", "如今", "现在", "而今", "今天", "眼下"];

/// Names of five-year plans: periods, never a paragraph's year.
const PLANS: [&str; 5] = ["十一五", "十二五", "十三五", "十四五", "十五五"];

/// Whether the year range starting at `i` is a plan's span: right after a
/// plan's name or a 规划/时期/期间, in brackets (`“十四五”时期（2021—2025年）`).
fn is_plan_span(chars: &[char], i: usize) -> bool {
    let before: String = chars[i.saturating_sub(12)..i].iter().collect();
    let before = before.trim_end_matches([' ', '（', '(', '：', ':', '，']);
    before.ends_with("时期")
        || before.ends_with("期间")
        || before.ends_with("规划")
        || PLANS.iter().any(|p| before.contains(p))
}

/// Whether the year ending in 年 at `nian` starts a period that runs to
/// the report (`2012年以来`, `2016年至今`): the paragraph reports on the
/// period, whose year is the report's.
fn is_period_start(chars: &[char], nian: usize) -> bool {
    let after: String = chars[nian + 1..].iter().take(2).collect();
    after.starts_with("以来")
        || after.starts_with("至今")
        || after.starts_with("来")
        || after.starts_with("起")
}

/// Whether the year at `i` is where a change or a period starts:
/// `从2012年底的10.2%下降到0.6%`, `贫困人口从2012年的9899万人减到551万人`,
/// `自2016年起`. The paragraph reports where things got to, not the start.
fn is_change_start(chars: &[char], i: usize) -> bool {
    i > 0 && matches!(chars[i - 1], '从' | '自')
}

/// Whether the year at `i..=nian` is a horizon rather than an event: a
/// vision (`2035年远景目标`), or a target year after the report's own
/// (`到2035年`, `2025年前`).
fn is_horizon(chars: &[char], i: usize, nian: usize, year: i32, report_year: Option<i32>) -> bool {
    let after: String = chars[nian + 1..].iter().take(2).collect();
    if after.starts_with("远景") {
        return true;
    }
    let future = report_year.is_some_and(|r| year > r);
    let by = i > 0 && matches!(chars[i - 1], '到' | '至');
    future && (by || after.starts_with('前'))
}

/// Relative-year words and their offset from the report's year.
const RELATIVE: [(&str, i32); 4] = [("今年", 0), ("去年", -1), ("明年", 1), ("前年", -2)];

/// Which of [`RELATIVE`] `text` uses as relative years, in one pass over the
/// 年 of the text instead of one search per word (the same answers as
/// `relative_word` for each, which the tests keep as the reference).
fn relative_words(text: &str) -> [bool; 4] {
    let mut used = [false; 4];
    for (i, _) in text.match_indices('年') {
        let Some(first) = text[..i].chars().next_back() else {
            continue;
        };
        let Some(k) = RELATIVE.iter().position(|(w, _)| w.starts_with(first)) else {
            continue;
        };
        let start = i - first.len_utf8();
        let before = text[..start].chars().next_back();
        let after = text[i + '年'.len_utf8()..].chars().next();
        used[k] |= !before.is_some_and(|c| NOT_RELATIVE_BEFORE.contains(c))
            && !after.is_some_and(|c| NOT_RELATIVE_AFTER.contains(c));
    }
    used
}

/// Characters before a relative-year word that make it part of other words:
/// 如今年收入 is 如今 + 年收入, 以前年度 is 以前 + 年度, 过去年份 is 过去 + 年份.
const NOT_RELATIVE_BEFORE: &str = "如以之提过失";
/// Characters after one: 今年轻人 is 今 + 年轻人.
const NOT_RELATIVE_AFTER: &str = "轻纪龄";

/// Whether `text` uses `word` (今年, 去年 …) as a relative year.
#[cfg(test)]
fn relative_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| NOT_RELATIVE_BEFORE.contains(c))
            && !after.is_some_and(|c| NOT_RELATIVE_AFTER.contains(c))
    })
}

/// Whether the year at `i..=nian` (ending in 年) is the baseline of a
/// comparison: `比2022年增长`, `较2019年`, `与2019年相比`, `同比2019年`.
fn is_baseline(chars: &[char], i: usize, nian: usize) -> bool {
    let before = if i > 0 { Some(chars[i - 1]) } else { None };
    let after: String = chars[nian + 1..].iter().take(4).collect();
    matches!(before, Some('比' | '较'))
        || after.starts_with("相比")
        || after.starts_with("同期相比")
        || after.starts_with("比较")
}

/// Measure words and units: a number followed by one is a count, not a year.
const UNITS: &str =
    "余多万亿千百元人名个次家项所批台株头亩吨米户座条场件册本期届号份只辆位栋间套倍";

/// Whether the year at `i..end` without 年 names an event after its year
/// (`“2023西藏文化青岛行”`, `《2020中国西藏发展报告》`): right after an opening
/// quote and followed by a word, not a unit.
fn is_named_event(chars: &[char], i: usize, end: usize) -> bool {
    let quoted = i > 0 && matches!(chars[i - 1], '“' | '《' | '「' | '"' | '‘');
    let next = chars.get(end).copied();
    quoted && next.is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !UNITS.contains(c))
}

/// `N年前` with a small N (`两年前`, `3年前`, `十年前`), not as an attribute
/// (`一年前的承诺`): (N, position of N).
fn years_ago(chars: &[char]) -> Vec<(i32, usize)> {
    let mut out = Vec::new();
    for k in 1..chars.len().saturating_sub(1) {
        if chars[k] != '年' || chars[k + 1] != '前' {
            continue;
        }
        // `一年前的承诺` names a thing of then; the paragraph reports now.
        if chars.get(k + 2) == Some(&'的') {
            continue;
        }
        // `前` followed by 年 is 前年 (two years ago), counted above, not here.
        let mut start = k;
        while start > 0 && number_char(chars[start - 1]).is_some() {
            start -= 1;
        }
        if start == k || k - start > 3 {
            continue;
        }
        if let Some(n) = small_number(&chars[start..k]) {
            if (1..=30).contains(&n) {
                out.push((n, start));
            }
        }
    }
    out
}

fn number_char(c: char) -> Option<()> {
    (ascii_digit(c).is_some() || "一二两三四五六七八九十".contains(c)).then_some(())
}

/// The value of a small number in digits or Chinese numerals (`两`, `十`, `十二`, `3`).
fn small_number(chars: &[char]) -> Option<i32> {
    if chars.iter().all(|&c| ascii_digit(c).is_some()) {
        return chars
            .iter()
            .try_fold(0i32, |acc, &c| Some(acc * 10 + ascii_digit(c)? as i32));
    }
    let digit = |c: char| {
        "零一二三四五六七八九"
            .find(c)
            .map(|b| (b / '一'.len_utf8()) as i32)
    };
    match chars {
        ['两'] => Some(2),
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', d] => Some(10 + digit(*d)?),
        [d, '十'] => Some(digit(*d)? * 10),
        [d, '十', e] => Some(digit(*d)? * 10 + digit(*e)?),
        _ => None,
    }
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
    let mut year = 0;
    for &c in chars.get(i..i + 4)? {
        year = year * 10 + ascii_digit(c)? as i32;
    }
    if chars.get(i + 4).is_some_and(|&c| ascii_digit(c).is_some()) {
        return None;
    }
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
    fn plan_periods_give_no_year() {
        // The convention of issue #14: a plan is a period, not an event year.
        assert!(years("“十四五”规划中期考核", None).0.is_empty());
        assert!(
            years("“十三五”以来，全县脱贫攻坚取得决定性成就", Some(2019))
                .0
                .is_empty()
        );
        assert_eq!(
            years("2023年是落实“十四五”规划的关键之年", None).0,
            vec![2023]
        );
        assert!(years("“十四五”时期（2021—2025年）是关键时期", Some(2021))
            .0
            .is_empty());
        assert!(years("十四五规划（2021-2025年）", None).0.is_empty());
        assert_eq!(years("2019—2020年", None).0, vec![2019, 2020]);
        assert_eq!(
            years("计划2020年和“十四五”期间将资金用于产业", None).0,
            vec![2020]
        );
    }

    #[test]
    fn horizons_give_no_year() {
        assert!(years("展望2035年远景目标", Some(2020)).0.is_empty());
        assert!(years("到2035年基本实现社会主义现代化", Some(2021))
            .0
            .is_empty());
        assert_eq!(
            years(
                "2020年脱贫攻坚目标任务如期完成，到2035年基本实现现代化",
                Some(2020)
            )
            .0,
            vec![2020]
        );
        assert!(years("确保2020年前贫困人口全部脱贫", Some(2017))
            .0
            .is_empty());
        // By the report's own year, a target reached is an event.
        assert_eq!(
            years("到2020年底，全县贫困人口全部脱贫", Some(2021)).0,
            vec![2020]
        );
    }

    #[test]
    fn years_after_the_report_are_plans() {
        assert!(years("新医院计划于2021年建成投用", Some(2020)).0.is_empty());
        assert!(years("明年将新建两所学校", Some(2020)).0.is_empty());
        assert_eq!(years("新医院于2020年建成投用", Some(2020)).0, vec![2020]);
        // Without a report date nothing is after it.
        assert_eq!(years("新医院计划于2021年建成投用", None).0, vec![2021]);
        assert_eq!(
            years("去年建成一所学校，明年再建一所", Some(2020)).0,
            vec![2019]
        );
    }

    #[test]
    fn the_start_of_a_period_gives_no_year() {
        assert!(years("2012年以来，累计减贫9899万人", Some(2021))
            .0
            .is_empty());
        assert!(years("2016年至今，共选派干部300名", Some(2020))
            .0
            .is_empty());
        assert_eq!(
            years("2012年以来累计减贫，2020年全部脱贫", Some(2021)).0,
            vec![2020]
        );
    }

    #[test]
    fn the_start_of_a_change_gives_no_year() {
        assert_eq!(
            years(
                "贫困人口从2012年年底的9899万人减到2019年年底的551万人",
                Some(2020)
            )
            .0,
            vec![2019]
        );
        assert!(years("全国贫困发生率从2012年底的10.2%下降到", Some(2017))
            .0
            .is_empty());
        assert!(years("自2016年起实施", Some(2020)).0.is_empty());
        assert_eq!(
            years("2012年，老唐的生活迎来了转机", Some(2020)).0,
            vec![2012]
        );
    }

    #[test]
    fn this_year_in_a_dated_report() {
        assert_eq!(years("今年完成投资3亿元", Some(2023)).0, vec![2023]);
        assert_eq!(years("今年完成投资3亿元", None).0, Vec::<i32>::new());
    }

    #[test]
    fn relative_words_inside_other_words_are_not_years() {
        for text in [
            "如今年收入超过10万元",
            "如今年轻人都回来了",
            "弥补以前年度亏损",
            "过去年份的数据",
        ] {
            assert!(years(text, Some(2020)).0.is_empty(), "{text}");
        }
        assert_eq!(years("至今年底完成", Some(2020)).0, vec![2020]);
        assert_eq!(years("如今，今年的任务", Some(2020)).0, vec![2020]);
    }

    #[test]
    fn relative_words_in_one_pass() {
        for text in [
            "如今年收入超过10万元",
            "至今年底完成，去年和前年，明年",
            "今今年",
            "前年年轻",
            "以去年纪",
            "年",
            "今年",
            "去年轻",
            "",
        ] {
            let expected = RELATIVE.map(|(w, _)| relative_word(text, w));
            assert_eq!(relative_words(text), expected, "{text}");
        }
    }

    #[test]
    fn comparison_baselines_do_not_count() {
        assert_eq!(
            years("2023年，实施项目33个，比2022年分别增长15%", None).0,
            vec![2023]
        );
        // Nothing left: the paragraph then takes its report's year (see label_report).
        assert!(years("较2019年增长，与2018年相比翻番", Some(2020))
            .0
            .is_empty());
        assert!(years("产值比2019年增长20%", None).0.is_empty());
    }

    #[test]
    fn years_ago_resolve_from_report_date() {
        assert_eq!(
            years(
                "两年前，一家从林周县搬到了城关区，目前在超市工作",
                Some(2020)
            )
            .0,
            vec![2018, 2020]
        );
        assert_eq!(
            years("两年前他随河北省第七批援藏队来到了阿里", Some(2015)).0,
            vec![2013]
        );
        assert_eq!(
            years("10年前这里还没有路，如今通了柏油路", Some(2024)).0,
            vec![2014, 2024]
        );
        assert_eq!(years("三十年前", Some(2024)).0, vec![1994]);
        // Of then, said of now: no year of its own.
        assert!(years("用实实在在的成果兑现着一年前的承诺", Some(2022))
            .0
            .is_empty());
        assert!(years("两年前", None).0.is_empty());
        // 2019年前 is an explicit year, not 2019 years ago.
        assert_eq!(years("2019年前完成", Some(2020)).0, vec![2019]);
    }

    #[test]
    fn events_named_after_their_year() {
        assert_eq!(years("开展“2023西藏文化青岛行”等活动", None).0, vec![2023]);
        // Not events: a count in quotes, or a year at the end of a name.
        assert!(years("“2000余人”参加", None).0.is_empty());
        assert!(years("“科技助力经济2020”", None).0.is_empty());
    }
}
