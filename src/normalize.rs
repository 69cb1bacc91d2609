//! Character-level text normalisation shared by cleaning, tokenizing and querying.
//!
//! Every folding here maps one `char` to one `char`, so a folded string has the
//! same character count as its original. The tokenizer relies on that to keep
//! positions and offsets pointing into the original text, which is what the
//! stored paragraphs and snippets show.

/// True for the CJK ideographs that Chinese text is made of (including extension A
/// and the compatibility block).
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}')
}

/// True for Chinese (full-width) punctuation and brackets.
pub fn is_cjk_punct(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}'
        | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}'
        | '\u{2010}'..='\u{2027}'
        | '\u{2030}'..='\u{205E}'
        | '\u{00B7}')
}

/// Full-width ASCII letters and digits to half-width; everything else unchanged.
///
/// Chinese punctuation such as `，` `：` `（` stays full-width, because it is part
/// of how the text reads.
pub fn halfwidth_alnum(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// The full folding used for matching: every full-width ASCII form (punctuation
/// included) and the ideographic space to half-width, then ASCII lower-case.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Fold text for matching: traditional to simplified Chinese, full-width to
/// half-width and lower-case, one char for one char.
///
/// ```
/// assert_eq!(aidsearch::normalize::fold("醫療援藏 Ｏ２Ｏ APP"), "医疗援藏 o2o app");
/// ```
pub fn fold(text: &str) -> String {
    let folded: String = text.chars().map(fold_char).collect();
    if folded.chars().any(is_cjk) {
        fast2s::convert(&folded)
    } else {
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keeps_char_count() {
        for s in [
            "醫療援藏",
            "Ｏ２Ｏ展銷中心 5 個",
            "中华人民共和国",
            "４Ａ級景區",
            "臺灣 與 台湾",
        ] {
            assert_eq!(fold(s).chars().count(), s.chars().count(), "{s}");
        }
    }

    #[test]
    fn traditional_to_simplified() {
        assert_eq!(fold("醫療"), "医疗");
        assert_eq!(fold("對口支援西藏"), "对口支援西藏");
        assert_eq!(fold("電子商務"), "电子商务");
    }

    #[test]
    fn fullwidth_and_case() {
        assert_eq!(fold("Ｏ２Ｏ"), "o2o");
        assert_eq!(fold("４Ａ级"), "4a级");
        assert_eq!(halfwidth_alnum('，'), '，');
        assert_eq!(halfwidth_alnum('５'), '5');
    }
}
