//! Query-time synonyms from the reviewed list (`synonyms.txt` of the searched
//! generation's vocabulary, see `crate::vocabulary`), plus place aliases from
//! the gazetteer (日喀则 ↔ 日喀则市).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::gazetteer::Gazetteer;
use crate::normalize::fold;
use crate::vocabulary;

/// The sets and one-way lines of a synonym list (its `~` lines apart).
pub fn parse(text: &str) -> HashMap<String, Vec<String>> {
    vocabulary::Synonyms::parse(text).synonyms
}

/// The related terms (`a ~ b` lines) of a word, for a word that finds
/// (almost) nothing.
pub fn related(word: &str) -> Vec<String> {
    let word = fold(word);
    vocabulary::current()
        .synonyms()
        .related
        .get(&word)
        .cloned()
        .unwrap_or_default()
}

/// Other words that a query word should also find, best first.
pub fn expand(word: &str) -> Vec<String> {
    let word = fold(word);
    let mut out: Vec<String> = vocabulary::current()
        .synonyms()
        .synonyms
        .get(&word)
        .cloned()
        .unwrap_or_default();
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
        // The aid vocabulary: a 2021 renaming, and an everyday word.
        assert!(expand("产业帮扶").contains(&"产业扶贫".to_string()));
        assert!(expand("残障").contains(&"残疾".to_string()));
        assert!(!expand("贫困县").contains(&"脱贫县".to_string()));
        // A word people type that the reports never use, one way.
        assert!(expand("村诊所").contains(&"卫生室".to_string()));
        assert!(!expand("卫生室").contains(&"村诊所".to_string()));
    }
}
