//! Amounts of money in running text, in yuan: `3.8亿元`, `4725万元`, `60 余万元`,
//! `300万至500万元`, full-width digits too ([`amounts`]); and which of them are
//! funding, money put into the work (`投入援藏资金3.8亿元`, `总投资160万元`,
//! `捐款1万元`), rather than sales, output, income, prices, targets or
//! investment attracted from companies ([`funding`]).

/// One amount found in text.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub yuan: f64,
    /// The text that produced it.
    pub surface: String,
}

fn digit_value(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - 0xFEE0),
        '.' | '．' => Some('.'),
        _ => None,
    }
}

/// Multiplier of a unit word at the start of `chars`, and its length.
fn unit(chars: &[char]) -> (f64, usize) {
    let s: String = chars.iter().take(2).collect();
    if s.starts_with("万亿") {
        (1e12, 2)
    } else if s.starts_with("千万") {
        (1e7, 2)
    } else if s.starts_with("百万") {
        (1e6, 2)
    } else if s.starts_with("十万") {
        (1e5, 2)
    } else if s.starts_with('亿') {
        (1e8, 1)
    } else if s.starts_with('万') {
        (1e4, 1)
    } else if s.starts_with('千') {
        (1e3, 1)
    } else {
        (1.0, 0)
    }
}

/// Read a number at `i` (digits, `.`, thousands commas); returns value and end.
fn number(chars: &[char], mut i: usize) -> Option<(f64, usize)> {
    let start = i;
    let mut s = String::new();
    while i < chars.len() {
        if let Some(d) = digit_value(chars[i]) {
            s.push(d);
            i += 1;
        } else if chars[i] == ','
            && i + 3 < chars.len() + 1
            && s.chars().last().is_some_and(|c| c.is_ascii_digit())
            && chars[i + 1..].iter().take(3).all(|c| c.is_ascii_digit())
        {
            i += 1;
        } else {
            break;
        }
    }
    if i == start || s.starts_with('.') {
        return None;
    }
    s.trim_end_matches('.').parse().ok().map(|v| (v, i))
}

fn skip(chars: &[char], mut i: usize, what: &[char]) -> usize {
    while i < chars.len() && what.contains(&chars[i]) {
        i += 1;
    }
    i
}

const APPROX: [char; 4] = ['余', '多', ' ', '\u{3000}'];
const RANGE: [char; 6] = ['-', '—', '~', '～', '至', '到'];

/// An amount as staff type it into a filter: `1亿`, `500万`, `3.8亿元`,
/// `100,000`, `２００万元`, or plain yuan. The whole text must be one amount
/// (surrounding spaces aside); `None` otherwise.
///
/// ```
/// use aidsearch::labels::funding::parse_amount;
/// assert_eq!(parse_amount("1亿"), Some(100_000_000.0));
/// assert_eq!(parse_amount(" 500万元 "), Some(5_000_000.0));
/// assert_eq!(parse_amount("250000"), Some(250_000.0));
/// assert_eq!(parse_amount("很多"), None);
/// ```
pub fn parse_amount(text: &str) -> Option<f64> {
    let chars: Vec<char> = text.trim().chars().collect();
    let (value, end) = number(&chars, 0)?;
    let (multiplier, length) = unit(&chars[end..]);
    let mut rest = &chars[end + length..];
    if rest.first() == Some(&'元') {
        rest = &rest[1..];
    }
    let yuan = value * multiplier;
    (rest.is_empty() && yuan.is_finite()).then_some(yuan)
}

/// The amount in a cell of a table column headed `heading`, in yuan: the
/// heading names the unit (`资金（万元）`, `总投资(亿元)`, `金额/元`) of a cell
/// that holds a bare number (`1200`, `1,200.5`); a cell that writes its own
/// unit (`1200万元`) keeps it. `None` for a blank cell or one that is no
/// amount (`待定`).
///
/// ```
/// use aidsearch::labels::funding::column_amount;
/// assert_eq!(column_amount("资金（万元）", "1200"), Some(12_000_000.0));
/// assert_eq!(column_amount("资金（万元）", "3亿元"), Some(300_000_000.0));
/// assert_eq!(column_amount("金额", "250000"), Some(250_000.0));
/// assert_eq!(column_amount("资金（万元）", "待定"), None);
/// ```
pub fn column_amount(heading: &str, cell: &str) -> Option<f64> {
    let cell = cell.trim();
    if cell.contains(['万', '亿', '千', '元']) {
        return parse_amount(cell);
    }
    let unit: String = match heading.rfind('元') {
        Some(at) => {
            let before: Vec<char> = heading[..at].chars().rev().take(2).collect();
            let prefix: String = before
                .into_iter()
                .take_while(|c| "十百千万亿".contains(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{prefix}元")
        }
        None => String::new(),
    };
    parse_amount(&format!("{cell}{unit}"))
}

/// `380000000` → `3.8亿元`, `47250000` → `4725万元`: how every page, link,
/// export and the CLI write an amount.
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

/// Every amount of yuan in `text`.
///
/// ```
/// use aidsearch::labels::funding::amounts;
/// let yuan: Vec<f64> = amounts("投入援藏资金3.8亿元，其中4725万元用于教育").iter().map(|a| a.yuan).collect();
/// assert_eq!(yuan, vec![380_000_000.0, 47_250_000.0]);
/// ```
pub fn amounts(text: &str) -> Vec<Amount> {
    let chars: Vec<char> = text.chars().collect();
    parse(&chars).into_iter().map(|(a, _, _)| a).collect()
}

/// Words before an amount, in its clause, that make it no funding: sales,
/// output, income, deals, prices, and investment attracted from companies.
const NOT_FUNDING_BEFORE: [&str; 19] = [
    "销售",
    "产值",
    "收入",
    "成交",
    "营业额",
    "交易额",
    "营收",
    "利润",
    "税收",
    "生产总值",
    "售价",
    "价格",
    "单价",
    "每千克",
    "每公斤",
    "每斤",
    "工资",
    "到位资金",
    "引资",
];
/// Words right after an amount that make it no funding (`400亿元的发展目标`).
const NOT_FUNDING_AFTER: [&str; 2] = ["目标", "规模"];

/// The amounts of `text` that are funding: money put into the work, not sales,
/// output value, income, prices, targets or investment attracted from companies.
///
/// ```
/// use aidsearch::labels::funding::funding;
/// let text = "投入援藏资金3.8亿元，销售额达1000余万元，到位资金4.53亿元";
/// let yuan: Vec<f64> = funding(text).iter().map(|a| a.yuan).collect();
/// assert_eq!(yuan, vec![380_000_000.0]);
/// ```
pub fn funding(text: &str) -> Vec<Amount> {
    if !text.contains('元') {
        return Vec::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let is_clause_end = |c: &char| "，。；！？,;!?\n".contains(*c);
    parse(&chars)
        .into_iter()
        .filter(|(_, start, end)| {
            let clause_start = chars[..*start]
                .iter()
                .rposition(is_clause_end)
                .map_or(0, |i| i + 1);
            let before: String = chars[clause_start..*start].iter().collect();
            let after: String = chars[*end..]
                .iter()
                .take_while(|c| !is_clause_end(c))
                .take(6)
                .collect();
            !NOT_FUNDING_BEFORE.iter().any(|w| before.contains(w))
                && !NOT_FUNDING_AFTER.iter().any(|w| after.contains(w))
        })
        .map(|(a, _, _)| a)
        .collect()
}

/// Every amount of yuan in `chars`, with the char range of its text.
fn parse(chars: &[char]) -> Vec<(Amount, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let preceded_by_digit = i > 0 && digit_value(chars[i - 1]).is_some();
        let Some((first, after_first)) = (!preceded_by_digit).then(|| number(chars, i)).flatten()
        else {
            i += 1;
            continue;
        };
        let mut values = vec![(first, after_first)];
        let mut j = skip(chars, after_first, &APPROX);
        let (unit1, len1) = unit(&chars[j..]);
        j += len1;
        let mut units = vec![unit1];
        j = skip(chars, j, &APPROX);
        // A range: `300万至500万元` or `3000-5000万元`.
        if j < chars.len() && RANGE.contains(&chars[j]) {
            let k = skip(chars, j + 1, &[' ']);
            if let Some((second, after_second)) = number(chars, k) {
                let mut m = skip(chars, after_second, &APPROX);
                let (unit2, len2) = unit(&chars[m..]);
                m += len2;
                m = skip(chars, m, &APPROX);
                values.push((second, after_second));
                units.push(unit2);
                j = m;
            }
        }
        let is_yuan = j < chars.len() && chars[j] == '元' && !(j > 0 && chars[j - 1] == '美');
        if is_yuan {
            // A range's first number takes the second's unit when it has none: 3000-5000万元.
            let last_unit = *units.last().unwrap_or(&1.0);
            for (n, (value, _)) in values.iter().enumerate() {
                let u = if units[n] == 1.0 { last_unit } else { units[n] };
                let yuan = (value * u).round();
                // A run of hundreds of digits overflows to infinity: no amount.
                if yuan > 0.0 && yuan.is_finite() {
                    let amount = Amount {
                        yuan,
                        surface: chars[i..=j].iter().collect(),
                    };
                    out.push((amount, i, j + 1));
                }
            }
            i = j + 1;
        } else {
            i = after_first.max(i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(text: &str) -> Vec<f64> {
        amounts(text).into_iter().map(|a| a.yuan).collect()
    }

    #[test]
    fn units() {
        assert_eq!(yuan("投入援藏资金3.8亿元"), vec![380_000_000.0]);
        assert_eq!(yuan("经费总额4725万元"), vec![47_250_000.0]);
        assert_eq!(yuan("资助1200元"), vec![1200.0]);
        assert_eq!(
            yuan("一点七八万亿元与1.78万亿元"),
            vec![1_780_000_000_000.0]
        );
    }

    #[test]
    fn approximate_amounts() {
        assert_eq!(
            yuan("累计帮助群众代购代缴相关资金 60 余万元"),
            vec![600_000.0]
        );
        assert_eq!(yuan("投入资金3000余万元"), vec![30_000_000.0]);
        assert_eq!(yuan("共计 136 万余元"), vec![1_360_000.0]);
    }

    #[test]
    fn ranges() {
        assert_eq!(yuan("每人300万至500万元"), vec![3_000_000.0, 5_000_000.0]);
        assert_eq!(yuan("3000-5000万元"), vec![30_000_000.0, 50_000_000.0]);
    }

    #[test]
    fn fullwidth_digits_and_commas() {
        assert_eq!(yuan("投资３．８亿元"), vec![380_000_000.0]);
        assert_eq!(yuan("拨付1,200,000元"), vec![1_200_000.0]);
    }

    fn funded(text: &str) -> Vec<f64> {
        funding(text).into_iter().map(|a| a.yuan).collect()
    }

    #[test]
    fn funding_is_money_put_into_the_work() {
        assert_eq!(
            funded("投入援藏资金3.8亿元，实施项目122个"),
            vec![380_000_000.0]
        );
        assert_eq!(funded("项目总投资160万元"), vec![1_600_000.0]);
        assert_eq!(
            funded("工作组8名同志为疫情防控共计捐款1万元"),
            vec![10_000.0]
        );
        assert_eq!(
            funded("带回了援助昂仁价值10余万元的防疫物资"),
            vec![100_000.0]
        );
        assert_eq!(
            funded("累计帮助群众代购代缴相关资金 60 余万元"),
            vec![600_000.0]
        );
        // Not funding: sales, output value, income, prices, targets, attracted investment.
        for text in [
            "销售额达1000余万元",
            "南木林县扩大种植面积4.8万亩、实现产值1.9亿元",
            "增加收入1546.16万元",
            "月收入达4000多元",
            "拥有地理标志后市场销售价提高到了300元",
            "一块普通雪花牛肉每千克80元",
            "今年，西藏水产业有望实现500万吨、400亿元的发展目标",
            "落地项目10个、到位资金4.53亿元",
            "2019年合同成交金额首次突破1亿元",
        ] {
            assert!(funded(text).is_empty(), "{text}");
        }
        // The clause decides: funding in the next clause still counts.
        assert_eq!(
            funded("销售额达1000万元，投入资金500万元"),
            vec![5_000_000.0]
        );
        assert!(funded("").is_empty());
    }

    #[test]
    fn not_money() {
        assert!(yuan("2019年7月2日，33名干部，覆盖率41%").is_empty());
        assert!(yuan("100万美元").is_empty());
        assert!(yuan("").is_empty());
    }
}
