//! Query-time synonyms from the reviewed list `data/synonyms.txt`, plus place
//! aliases from the gazetteer (日喀则 ↔ 日喀则市).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::gazetteer::Gazetteer;
use crate::normalize::fold;

const SYNONYMS: &str = include_str!("../../data/synonyms.txt");

fn table() -> &'static HashMap<String, Vec<String>> {
    static TABLE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| parse(SYNONYMS))
}

/// Parse the synonym list format (see the file's header).
pub fn parse(text: &str) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut add = |from: &str, to: &str| {
        if from != to {
            let entry = map.entry(from.to_string()).or_default();
            if !entry.iter().any(|t| t == to) {
                entry.push(to.to_string());
            }
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((left, right)) = line.split_once("=>") {
            for from in left.split_whitespace() {
                for to in right.split_whitespace() {
                    add(&fold(from), &fold(to));
                }
            }
        } else {
            let words: Vec<String> = line.split_whitespace().map(fold).collect();
            for a in &words {
                for b in &words {
                    add(a, b);
                }
            }
        }
    }
    map
}

/// Other words that a query word should also find, best first.
pub fn expand(word: &str) -> Vec<String> {
    let word = fold(word);
    let mut out: Vec<String> = table().get(&word).cloned().unwrap_or_default();
    if let Some(place) = Gazetteer::global().resolve(&word) {
        out.push(place.name.clone());
        if let Some(aliases) = place_aliases().get(&place.path) {
            out.extend(aliases.iter().cloned());
        }
    }
    out.retain(|w| *w != word);
    let mut seen = std::collections::HashSet::new();
    out.retain(|w| seen.insert(w.clone()));
    out
}

/// Every name a place is known by, keyed by its path (日喀则市 → 日喀则).
fn place_aliases() -> &'static HashMap<String, Vec<String>> {
    static ALIASES: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    ALIASES.get_or_init(|| {
        let gazetteer = Gazetteer::global();
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for name in gazetteer.all_names() {
            if let Some(place) = gazetteer.resolve(name) {
                map.entry(place.path.clone()).or_default().push(fold(name));
            }
        }
        map
    })
}

/// Every word the synonym list knows (for suggestions).
pub fn known_words() -> impl Iterator<Item = &'static String> {
    table().keys()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_symmetric_and_one_way_is_not() {
        let map = parse("电商 电子商务\n网购 => 电商\n");
        assert_eq!(map["电商"], vec!["电子商务"]);
        assert_eq!(map["电子商务"], vec!["电商"]);
        assert_eq!(map["网购"], vec!["电商"]);
        assert!(!map["电商"].contains(&"网购".to_string()));
    }

    #[test]
    fn shipped_list_has_the_required_pairs() {
        assert!(expand("先心病").contains(&"先天性心脏病".to_string()));
        assert!(expand("电商").contains(&"电子商务".to_string()));
        assert!(expand("援藏").contains(&"对口支援西藏".to_string()));
        assert!(expand("医疗援藏").contains(&"组团式医疗".to_string()));
        assert!(expand("日喀则").contains(&"日喀则市".to_string()));
        assert!(expand("白朗县").contains(&"白朗".to_string()));
        assert!(expand("日喀则市").contains(&"日喀则".to_string()));
        assert!(expand("醫療援藏").contains(&"组团式医疗".to_string()));
    }
}
