//! Golden tests: each seed report's cleaned output (articles, titles,
//! headings, paragraphs, captions, bylines) against a reviewed expected file
//! in `tests/golden/`. A failure prints a readable line diff.
//!
//! The expected files were read and corrected by hand. To propose a new
//! version after changing the cleaner, run with `AIDSEARCH_BLESS=1`, then read
//! `git diff tests/golden` line by line before committing it.

use std::path::{Path, PathBuf};

use aidsearch::corpus::clean::{clean, BlockKind};
use aidsearch::corpus::formats::extract;

fn render(text: &str) -> String {
    let mut out = String::new();
    for (i, article) in clean(text).iter().enumerate() {
        out.push_str(&format!(
            "=== article {} · title: {}\n",
            i + 1,
            article.title.as_deref().unwrap_or("-")
        ));
        for block in &article.blocks {
            let tag = match block.kind {
                BlockKind::Heading { level } => format!("h{level}"),
                BlockKind::Paragraph => "p".to_string(),
                BlockKind::Caption => "caption".to_string(),
                BlockKind::Byline => "byline".to_string(),
            };
            out.push_str(&format!("[{tag}] {}\n", block.text));
        }
    }
    out
}

/// A minimal line diff: lines only in expected (-) and only in actual (+), in order.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, fine for a few hundred lines.
    let mut lcs = vec![vec![0u32; a.len() + 1]; e.len() + 1];
    for i in (0..e.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < e.len() || j < a.len() {
        if i < e.len() && j < a.len() && e[i] == a[j] {
            i += 1;
            j += 1;
        } else if j < a.len() && (i == e.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", a[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", e[i]));
            i += 1;
        }
    }
    out
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check(corpus_file: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("corpus").join(corpus_file);
    let bytes = std::fs::read(&path).unwrap();
    let text = extract(&path, &bytes).unwrap().text;
    let actual = render(&text);
    let expected_path = golden_dir().join(corpus_file.replace(".txt", ".golden"));
    if std::env::var_os("AIDSEARCH_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&expected_path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        expected == actual,
        "cleaned output of {corpus_file} differs from {}:\n{}",
        expected_path.display(),
        diff(&expected, &actual)
    );
}

#[test]
fn lhasa_customs_page() {
    check("2020-lhasa-customs-poverty-alleviation.txt");
}

#[test]
fn tibet_daily_ocr_page() {
    check("2020-tibet-daily-ecommerce-and-science.txt");
}

#[test]
fn zibo_interview() {
    check("2020-zibo-aid-team-ngamring.txt");
}

#[test]
fn chongqing_cadres() {
    check("2022-chongqing-aid-cadres-chamdo.txt");
}

#[test]
fn shandong_thirty_years() {
    check("2024-shandong-aid-to-tibet-30-years.txt");
}

#[test]
fn no_cleaned_paragraph_keeps_ocr_spaces_or_broken_sentences() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let bytes = std::fs::read(&path).unwrap();
            for article in clean(&extract(&path, &bytes).unwrap().text) {
                for p in article.paragraphs() {
                    let chars: Vec<char> = p.text.chars().collect();
                    for w in chars.windows(3) {
                        let cjk = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
                        assert!(
                            !(cjk(w[0]) && w[1] == ' ' && cjk(w[2])),
                            "OCR space left in {}: {}",
                            path.display(),
                            p.text
                        );
                    }
                    assert!(
                        !p.text.contains('\n'),
                        "line break inside a paragraph: {}",
                        p.text
                    );
                }
            }
        }
    }
}

#[test]
fn the_ocr_damaged_ecommerce_paragraph_is_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/2020-tibet-daily-ecommerce-and-science.txt");
    let text = std::fs::read_to_string(root).unwrap();
    let paragraphs: Vec<String> = clean(&text)
        .iter()
        .flat_map(|a| a.paragraphs())
        .map(|p| p.text)
        .collect();
    assert!(
        paragraphs.iter().any(|p| p
            .contains("为全力推进电子商务助推扶贫工作，近年来，昌都市商务局")
            && p.ends_with("取得了良好成效。")),
        "{paragraphs:#?}"
    );
}
