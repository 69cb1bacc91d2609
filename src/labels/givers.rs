//! Givers of aid that are not places (central enterprises, central state
//! organs, the 兵团), from `data/givers.toml`, as donor values under a root
//! of their own.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Giver {
    path: String,
    words: Vec<String>,
    /// Names that make the unit a giver without any words of giving.
    #[serde(default)]
    givers: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    giver: Vec<Giver>,
}

struct Lexicon {
    givers: Vec<Giver>,
    /// Pattern `k` is a word of `givers[owner[k]]`.
    owner: Vec<usize>,
    /// Whether pattern `k` gives without any words of giving.
    evident: Vec<bool>,
    matcher: AhoCorasick,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let data: Data = toml::from_str(include_str!("../../data/givers.toml"))
            .expect("data/givers.toml is valid");
        let mut words = Vec::new();
        let mut owner = Vec::new();
        let mut evident = Vec::new();
        for (k, g) in data.giver.iter().enumerate() {
            for (w, gives) in g
                .words
                .iter()
                .map(|w| (w, false))
                .chain(g.givers.iter().map(|w| (w, true)))
            {
                words.push(w.clone());
                owner.push(k);
                evident.push(gives);
            }
        }
        Lexicon {
            matcher: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&words)
                .expect("giver words build a matcher"),
            givers: data.giver,
            owner,
            evident,
        }
    })
}

/// One mention of a giver in a text.
pub struct Mention {
    /// The donor path.
    pub path: &'static str,
    /// Where it stands.
    pub range: std::ops::Range<usize>,
    /// Whether the name alone says the unit gives (`中央定点帮扶单位`).
    pub gives: bool,
}

/// Each mention of a giver in `text`.
pub fn mentions(text: &str) -> Vec<Mention> {
    let l = lexicon();
    l.matcher
        .find_iter(text)
        // `教育部门`, `财政部门`: departments at any level, not the ministry.
        .filter(|m| !text[m.end()..].starts_with('门'))
        .map(|m| {
            let k = m.pattern().as_usize();
            Mention {
                path: l.givers[l.owner[k]].path.as_str(),
                range: m.range(),
                gives: l.evident[k],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments_are_not_ministries() {
        assert!(mentions("县教育部门和财政部门帮扶").is_empty());
        assert_eq!(mentions("教育部投入资金").len(), 1);
    }

    #[test]
    fn givers_are_found_by_their_words() {
        let found = mentions("中央企业定点帮扶，兵团援疆");
        let paths: Vec<&str> = found.iter().map(|f| f.path).collect();
        assert_eq!(
            paths,
            ["中央与兵团/中央企业", "中央与兵团/新疆生产建设兵团"]
        );
    }
}
