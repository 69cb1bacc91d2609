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
}

#[derive(Debug, Deserialize)]
struct Data {
    giver: Vec<Giver>,
}

struct Lexicon {
    givers: Vec<Giver>,
    /// Pattern `k` is a word of `givers[owner[k]]`.
    owner: Vec<usize>,
    matcher: AhoCorasick,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let data: Data = toml::from_str(include_str!("../../data/givers.toml"))
            .expect("data/givers.toml is valid");
        let mut words = Vec::new();
        let mut owner = Vec::new();
        for (k, g) in data.giver.iter().enumerate() {
            for w in &g.words {
                words.push(w.clone());
                owner.push(k);
            }
        }
        Lexicon {
            matcher: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&words)
                .expect("giver words build a matcher"),
            givers: data.giver,
            owner,
        }
    })
}

/// Each mention of a giver in `text`: (donor path, byte range, word).
pub fn mentions(text: &str) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let l = lexicon();
    l.matcher
        .find_iter(text)
        .map(|m| {
            (
                l.givers[l.owner[m.pattern().as_usize()]].path.as_str(),
                m.range(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn givers_are_found_by_their_words() {
        let found = mentions("中央企业定点帮扶，兵团援疆");
        let paths: Vec<&str> = found.iter().map(|f| f.0).collect();
        assert_eq!(
            paths,
            ["中央与兵团/中央企业", "中央与兵团/新疆生产建设兵团"]
        );
    }
}
