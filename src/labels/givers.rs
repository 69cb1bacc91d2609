//! Givers of aid that are not places (central enterprises, central state
//! organs, the 兵团), from `data/givers.toml`, as donor values under a root
//! of their own.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Giver {
    path: String,
    words: Vec<String>,
    /// Names that make the unit a giver without any words of giving.
    #[serde(default)]
    givers: Vec<String>,
    /// Names too common to give anywhere else, which give only as the
    /// subject of a sentence that gives (`国家累计投入…`).
    #[serde(default)]
    subjects: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    giver: Vec<Giver>,
}

struct Lexicon {
    givers: Vec<Giver>,
    /// Pattern `k` is a word of `givers[owner[k]]`.
    owner: Vec<usize>,
    /// How pattern `k` gives.
    kind: Vec<Kind>,
    matcher: AhoCorasick,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let data: Data = toml::from_str(include_str!("../../data/givers.toml"))
            .expect("data/givers.toml is valid");
        let mut words = Vec::new();
        let mut owner = Vec::new();
        let mut kind = Vec::new();
        for (k, g) in data.giver.iter().enumerate() {
            for (w, how) in g
                .words
                .iter()
                .map(|w| (w, Kind::InContext))
                .chain(g.givers.iter().map(|w| (w, Kind::Evident)))
                .chain(g.subjects.iter().map(|w| (w, Kind::Subject)))
            {
                words.push(w.clone());
                owner.push(k);
                kind.push(how);
            }
        }
        Lexicon {
            // A DFA, as for the sector lexicon and the gazetteer: the same
            // matches in fewer instructions per byte, for every paragraph.
            matcher: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&words)
                .expect("giver words build a matcher"),
            givers: data.giver,
            owner,
            kind,
        }
    })
}

/// How a giver's name makes the unit give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Where the text around it says it gives (`教育部…投入`).
    InContext,
    /// The name alone says it (`中央定点帮扶单位`).
    Evident,
    /// Only as the subject of a sentence that gives (`国家累计投入`).
    Subject,
}

/// One mention of a giver in a text.
pub struct Mention {
    /// The donor path.
    pub path: &'static str,
    /// Where it stands.
    pub range: std::ops::Range<usize>,
    pub kind: Kind,
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
                kind: l.kind[k],
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
    fn subject_words_yield_to_longer_names() {
        let found = mentions("国家医保局介绍，国家累计投入");
        let kinds: Vec<Kind> = found.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [Kind::InContext, Kind::Subject]);
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
