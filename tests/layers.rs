//! The layers of `src/` and the one direction data flows through them:
//! corpus → labels → index → search → web and the binary, over shared
//! helpers at the bottom. No module may name a module above it, and the
//! submodules of one module form no cycle. Every `crate::…` and `super::…`
//! path outside comments, strings and test modules is checked, not only
//! `use` lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom up. A module may name only itself and
/// those before it. `bin` is `main.rs` and the binary's own modules.
const LAYERS: &[&str] = &[
    "error",
    "utc",
    "normalize",
    "facet",
    "gazetteer",
    "vocabulary",
    "tokenizer",
    "corpus",
    "labels",
    "mining",
    "index",
    "search",
    "access",
    "web",
    "bin",
];

/// Folders and files of `src/` that belong to the binary, not the library.
const BINARY: &[&str] = &["main", "cmd"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/search/run.rs` → `[search, run]`,
/// `src/search/mod.rs` → `[search]`; the binary's files start with `bin`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src/");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts.first().is_some_and(|p| BINARY.contains(&p.as_str())) {
        parts.insert(0, "bin".to_string());
    }
    parts
}

/// Source without comments, string and char literals, so that only code
/// is searched for paths.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // Raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime.
            let close = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    out.push_str("' '");
                    i = k + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Code with every `#[cfg(test)]` item (test modules, test helpers) removed.
fn without_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item ends at `;` (a `mod tests;` line) or at the brace that
        // closes its first `{`.
        let semicolon = after.find(';');
        let brace = after.find('{');
        let end = match (semicolon, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (_, Some(b)) => {
                let mut depth = 0;
                let mut end = after.len();
                for (k, ch) in after[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The paths that follow a `crate::` or `super::` at `at`, as segments:
/// one for `name::inner::item`, several for `{a, b::c}` groups.
fn paths_at(code: &str, at: usize) -> Vec<Vec<String>> {
    let rest = &code[at..];
    if let Some(group) = rest.strip_prefix('{') {
        return group_items(group)
            .into_iter()
            .flat_map(|item| paths_at(item.trim(), 0))
            .filter(|p| !p.is_empty())
            .collect();
    }
    let mut segments = Vec::new();
    let mut rest = rest;
    loop {
        let name = ident(rest);
        if name.is_empty() {
            if let Some(group) = rest.strip_prefix('{') {
                // `a::{b, c}`: each item continues the path so far.
                return group_items(group)
                    .into_iter()
                    .flat_map(|item| paths_at(item.trim(), 0))
                    .map(|tail| segments.iter().cloned().chain(tail).collect())
                    .collect();
            }
            break;
        }
        rest = &rest[name.len()..];
        segments.push(name);
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => break,
        }
    }
    vec![segments]
}

/// The top-level items of a `{…}` group whose opening brace is already
/// consumed.
fn group_items(group: &str) -> Vec<&str> {
    let mut depth = 1;
    let mut end = group.len();
    for (k, ch) in group.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = k;
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = &group[..end];
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
}

fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// What a file's paths name, as absolute paths from the crate root, for
/// every `crate::` and `super::` path.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && code[i..].starts_with("crate::") {
            let at = i + "crate::".len();
            out.extend(paths_at(code, at));
            i = at;
        } else if boundary && code[i..].starts_with("super::") {
            // `super` of a `mod.rs` file is the folder's parent; of any
            // other file, the folder's module.
            let mut base = module.to_vec();
            let mut at = i;
            while code[at..].starts_with("super::") {
                base.pop();
                at += "super::".len();
            }
            for path in paths_at(code, at) {
                out.push(base.iter().cloned().chain(path).collect());
            }
            i = at;
        } else {
            i += code[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

#[test]
fn no_module_names_a_layer_above_it_and_submodules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    // Names re-exported at the crate root (`crate::Error`) belong to their module.
    let mut root_names: BTreeMap<String, String> = BTreeMap::new();
    for line in lib.lines().filter(|l| l.starts_with("pub use ")) {
        let path = line.trim_start_matches("pub use ").trim_end_matches(';');
        let (module, names) = path.split_once("::").expect("pub use module::…");
        for name in names.trim_matches(['{', '}']).split(',') {
            root_names.insert(name.trim().to_string(), module.to_string());
        }
    }
    let layer = |name: &str| LAYERS.iter().position(|l| *l == name);
    let mut violations = Vec::new();
    // Per top-level module: submodule → submodules it names.
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut checked = 0;
    for file in &files {
        let module = module_path(&src, file);
        if module == ["lib"] || module.last().is_some_and(|m| m == "tests") {
            continue; // the crate root, and test modules kept in files of their own
        }
        let top = module[0].clone();
        let Some(own_layer) = layer(&top) else {
            violations.push(format!(
                "{}: module {top} is in no layer of tests/layers.rs",
                file.display()
            ));
            continue;
        };
        let source = std::fs::read_to_string(file).expect("readable");
        let code = without_tests(&code_only(&source));
        for target in references(&module, &code) {
            checked += 1;
            let Some(first) = target.first() else {
                continue;
            };
            if first == "self" {
                continue;
            }
            let target_top = root_names.get(first).cloned().unwrap_or(first.clone());
            if top == "bin" {
                continue; // the binary names the library as `aidsearch::`, and may name anything
            }
            match layer(&target_top) {
                Some(l) if l > own_layer => violations.push(format!(
                    "{}: {top} (layer {own_layer}) names {} (layer {l}, above it)",
                    file.display(),
                    target.join("::")
                )),
                _ => {}
            }
            // A path to a sibling submodule of the same top-level module.
            if target_top == top && module.len() > 1 && target.len() >= 2 {
                let (from, to) = (module[1].clone(), target[1].clone());
                let is_submodule = files.iter().any(|f| {
                    module_path(&src, f).get(1) == Some(&to) && module_path(&src, f)[0] == top
                });
                if from != to && is_submodule {
                    graphs
                        .entry(top.clone())
                        .or_default()
                        .entry(from)
                        .or_default()
                        .insert(to);
                }
            }
        }
    }
    for (top, graph) in &graphs {
        for start in graph.keys() {
            // Depth-first search for a path back to `start`.
            let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
            let mut seen = BTreeSet::new();
            while let Some((node, path)) = stack.pop() {
                for next in graph.get(&node).into_iter().flatten() {
                    if next == start {
                        violations.push(format!("cycle in {top}: {} → {start}", path.join(" → ")));
                    } else if seen.insert(next.clone()) {
                        let mut longer = path.clone();
                        longer.push(next.clone());
                        stack.push((next.clone(), longer));
                    }
                }
            }
        }
    }
    violations.sort();
    violations.dedup();
    assert!(
        checked > 100,
        "only {checked} paths found: is the scanner broken?"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scanner_sees_paths_in_code_and_not_in_comments_strings_or_tests() {
    let source = r#"
        // crate::web::ignored in a comment
        /* crate::web::block */
        let s = "crate::web::string";
        use crate::search::{self, Engine};
        use super::{run::*, filters::Filters};
        fn f() { crate::index::build::facet("x"); }
        #[cfg(test)]
        mod tests { use crate::web::app; }
    "#;
    let code = without_tests(&code_only(source));
    let module = vec!["search".to_string(), "compile".to_string()];
    let found: Vec<String> = references(&module, &code)
        .into_iter()
        .map(|path| path.join("::"))
        .collect();
    assert_eq!(
        found,
        [
            "search::self",
            "search::Engine",
            "search::run",
            "search::filters::Filters",
            "index::build::facet"
        ]
    );
}
