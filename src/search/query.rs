//! The query language, parsed forgivingly: plain words (all required), quoted
//! phrases, `-excluded` words, `OR` between words, and field filters such as
//! `region:日喀则`. Nothing a user types is an error: unbalanced quotes and
//! stray operators are read as plain words.

/// One searchable unit of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A word or unspaced run of words, segmented later.
    Words(String),
    /// A quoted phrase: its words must stand together, in order.
    Phrase(String),
}

impl Unit {
    /// The unit's text.
    pub fn text(&self) -> &str {
        match self {
            Unit::Words(t) | Unit::Phrase(t) => t,
        }
    }
}

/// A clause: one unit, or several joined by `OR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub alternatives: Vec<Unit>,
    pub excluded: bool,
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
    /// `(field, value)` pairs from `field:value` words, the field in lower
    /// case; the value is empty for a bare `region:` (a filter begun and
    /// not finished, which searches nothing and is warned about).
    pub filters: Vec<(String, String)>,
}

/// The one `field:value` filter that is not a facet: a report id.
pub const REPORT_FILTER: &str = "report";

/// Whether `field:value` may be written in a query for this field: every
/// facet, and `report`.
pub fn is_filter_field(field: &str) -> bool {
    field == REPORT_FILTER || crate::facet::FacetKind::from_param(field).is_some()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Phrase(String),
    Or,
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '＂' | '「')
}

fn closing_quote(open: char) -> &'static [char] {
    match open {
        '“' => &['”', '"'],
        '「' => &['」'],
        _ => &['"', '＂', '”'],
    }
}

/// Split the raw query into words, phrases and `OR`.
fn tokenize(input: &str) -> Vec<Token> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            if word == "OR" || word == "|" {
                tokens.push(Token::Or);
            } else {
                tokens.push(Token::Word(std::mem::take(word)));
            }
            word.clear();
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            flush(&mut word, &mut tokens);
        } else if is_open_quote(c) && word.is_empty() {
            let close = closing_quote(c);
            if let Some(end) = (i + 1..chars.len()).find(|&j| close.contains(&chars[j])) {
                let phrase: String = chars[i + 1..end].iter().collect();
                if !phrase.trim().is_empty() {
                    tokens.push(Token::Phrase(phrase.trim().to_string()));
                }
                i = end + 1;
                continue;
            }
            // An unbalanced quote is not an operator: skip it, keep the words.
        } else if is_open_quote(c) || matches!(c, '”' | '」') {
            // A quote inside a word: drop it.
        } else {
            word.push(c);
        }
        i += 1;
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// Parse a query. Never fails.
///
/// ```
/// use aidsearch::search::query::{parse, Unit};
/// let q = parse("援藏 -教育 \"饮用水 检测\" region:日喀则");
/// assert_eq!(q.clauses.len(), 3);
/// assert!(q.clauses[1].excluded);
/// assert_eq!(q.clauses[2].alternatives[0], Unit::Phrase("饮用水 检测".into()));
/// assert_eq!(q.filters, vec![("region".to_string(), "日喀则".to_string())]);
/// ```
pub fn parse(input: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut pending_or = false;
    for token in tokenize(input) {
        let (unit, excluded) = match token {
            Token::Or => {
                pending_or = true;
                continue;
            }
            Token::Phrase(p) => (Unit::Phrase(p), false),
            Token::Word(w) => {
                if let Some((field, value)) = w.split_once([':', '：']) {
                    // Full-width letters too (ＲＥＧＩＯＮ:), as values are folded.
                    let field: String = field.chars().map(crate::normalize::fold_char).collect();
                    if is_filter_field(&field) {
                        parsed.filters.push((field, value.to_string()));
                        pending_or = false;
                        continue;
                    }
                }
                let stripped = w.trim_start_matches(['-', '－']);
                let excluded = stripped.len() < w.len() && !stripped.is_empty();
                let text = if stripped.is_empty() {
                    continue;
                } else {
                    stripped
                };
                // Operators alone (`+`, `AND`, `NOT`) carry no words.
                if matches!(text, "AND" | "NOT" | "+" | "&&" | "||") {
                    continue;
                }
                (
                    Unit::Words(text.trim_start_matches('+').to_string()),
                    excluded,
                )
            }
        };
        if unit.text().is_empty() {
            continue;
        }
        let joins = pending_or && !excluded && parsed.clauses.last().is_some_and(|c| !c.excluded);
        pending_or = false;
        if joins {
            if let Some(last) = parsed.clauses.last_mut() {
                last.alternatives.push(unit);
                continue;
            }
        }
        parsed.clauses.push(Clause {
            alternatives: vec![unit],
            excluded,
        });
    }
    parsed
}

/// The query without the typed filter `field:value` (a chip that removes
/// it): the first word outside quotes that is that filter is dropped, the
/// other words kept as typed.
pub fn without_filter(q: &str, field: &str, value: &str) -> String {
    let mut dropped = false;
    let mut quoted = false;
    let mut kept = Vec::new();
    for word in q.split_whitespace() {
        let starts_quote = word.starts_with(is_open_quote);
        let is_it = !quoted
            && !starts_quote
            && !dropped
            && word.split_once([':', '：']).is_some_and(|(f, v)| {
                f.chars().map(crate::normalize::fold_char).eq(field.chars()) && v == value
            });
        // Words inside a quoted phrase are text, never filters.
        let quotes = word
            .chars()
            .filter(|c| is_open_quote(*c) || matches!(c, '”' | '」'))
            .count();
        if quotes % 2 == 1 {
            quoted = !quoted;
        }
        if is_it {
            dropped = true;
        } else {
            kept.push(word);
        }
    }
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_filter_is_removed_and_the_rest_kept() {
        assert_eq!(
            without_filter("援藏 region:日喀则 year：2023", "region", "日喀则"),
            "援藏 year：2023"
        );
        assert_eq!(without_filter("Region:拉萨 医疗", "region", "拉萨"), "医疗");
        assert_eq!(
            without_filter("\"援藏 region:拉萨\" region:拉萨", "region", "拉萨"),
            "\"援藏 region:拉萨\""
        );
        assert_eq!(without_filter("援藏 region:", "region", ""), "援藏");
    }

    #[test]
    fn a_bare_field_is_an_empty_filter() {
        let q = parse("援藏 region:");
        assert_eq!(q.filters, vec![("region".to_string(), String::new())]);
        assert_eq!(q.clauses.len(), 1);
    }

    fn words(q: &ParsedQuery) -> Vec<Vec<&str>> {
        q.clauses
            .iter()
            .map(|c| c.alternatives.iter().map(Unit::text).collect())
            .collect()
    }

    #[test]
    fn plain_words_and_or() {
        let q = parse("电商 扶贫 OR 脱贫");
        assert_eq!(words(&q), vec![vec!["电商"], vec!["扶贫", "脱贫"]]);
    }

    #[test]
    fn malformed_queries_are_plain_words() {
        assert_eq!(words(&parse("\"援藏")), vec![vec!["援藏"]]);
        assert_eq!(words(&parse("援藏\"")), vec![vec!["援藏"]]);
        assert_eq!(words(&parse("OR 援藏 OR")), vec![vec!["援藏"]]);
        assert_eq!(words(&parse("- -- AND 援藏")), vec![vec!["援藏"]]);
        assert!(parse("\"\"").clauses.is_empty());
        assert!(parse("   ").clauses.is_empty());
        assert_eq!(words(&parse("foo:bar")), vec![vec!["foo:bar"]]);
    }

    #[test]
    fn chinese_quotes_make_phrases() {
        let q = parse("“组团式”医疗");
        assert_eq!(q.clauses[0].alternatives[0], Unit::Phrase("组团式".into()));
    }

    #[test]
    fn exclusion_and_filters() {
        let q = parse("援藏 -教育 year:2023 sector:医疗卫生");
        assert!(q.clauses[1].excluded);
        assert_eq!(q.filters.len(), 2);
    }
}
