//! Amounts of money in running text, in yuan: `3.8亿元`, `4725万元`, `60 余万元`,
//! `300万至500万元`, full-width digits too.

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

/// Every amount of yuan in `text`.
///
/// ```
/// use aidsearch::facets::funding::amounts;
/// let yuan: Vec<f64> = amounts("投入援藏资金3.8亿元，其中4725万元用于教育").iter().map(|a| a.yuan).collect();
/// assert_eq!(yuan, vec![380_000_000.0, 47_250_000.0]);
/// ```
pub fn amounts(text: &str) -> Vec<Amount> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let preceded_by_digit = i > 0 && digit_value(chars[i - 1]).is_some();
        let Some((first, after_first)) = (!preceded_by_digit).then(|| number(&chars, i)).flatten()
        else {
            i += 1;
            continue;
        };
        let mut values = vec![(first, after_first)];
        let mut j = skip(&chars, after_first, &APPROX);
        let (unit1, len1) = unit(&chars[j..]);
        j += len1;
        let mut units = vec![unit1];
        j = skip(&chars, j, &APPROX);
        // A range: `300万至500万元` or `3000-5000万元`.
        if j < chars.len() && RANGE.contains(&chars[j]) {
            let k = skip(&chars, j + 1, &[' ']);
            if let Some((second, after_second)) = number(&chars, k) {
                let mut m = skip(&chars, after_second, &APPROX);
                let (unit2, len2) = unit(&chars[m..]);
                m += len2;
                m = skip(&chars, m, &APPROX);
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
                if yuan > 0.0 {
                    out.push(Amount {
                        yuan,
                        surface: chars[i..=j].iter().collect(),
                    });
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

    #[test]
    fn not_money() {
        assert!(yuan("2019年7月2日，33名干部，覆盖率41%").is_empty());
        assert!(yuan("100万美元").is_empty());
        assert!(yuan("").is_empty());
    }
}
