//! Scores facet extraction against paragraphs labelled by reading
//! (`tests/fixtures/facets-labelled.toml`): micro precision and recall per
//! facet (region, donor, sector, year), printed as a table, with a ratchet
//! that fails when a figure drops below the best reached so far.
//!
//! See the table with `cargo test --test facets_eval -- --nocapture`; add
//! `--ignored dump_paragraphs` to print every seed paragraph with its labels
//! (for writing new fixture entries, read the text, not the labels).
//!
//! `--ignored seed_heldout_scores` prints the same table for the held-out
//! labels (`tests/fixtures/facets-heldout.toml`, other paragraphs of the same
//! seed reports, labelled the same way and never tuned against), plus the
//! programme facet.
//!
//! Also checks user story 2 (the analyst's "how much money went where")
//! through the one search function.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;

use aidsearch::corpus::{Corpus, Paragraph, ParagraphKind, Report};
use aidsearch::gazetteer::Gazetteer;
use aidsearch::labels::sector::SECTORS;
use aidsearch::labels::{LabelledReport, Labels};
use aidsearch::search::{search, SearchRequest, Sort};
use serde::Deserialize;

/// The best figures reached so far, as (precision, recall), cut (not rounded)
/// to three decimals. Raise them when extraction improves; a change that
/// lowers a figure below them fails. The year entry was reset for issue
/// #14's convention (effective years; the fixture relabelled to it).
/// Session 16 lowered sector recall by one label (0.857 -> 0.851): the
/// reviewed 产业发展 words (茶叶) lift a Tibetan farming paragraph's lead
/// sector past 2.5x its 科技创新, the secondary-share rule's bound; the
/// same words gain 10 产业发展 labels on the aid sets, and the seed held-out
/// figures do not move (RELEVANCE.md, session 16).
const RATCHET: [(&str, f64, f64); 4] = [
    ("region", 0.987, 0.987),
    ("donor", 1.0, 1.0),
    ("sector", 0.903, 0.851),
    ("year", 1.0, 1.0),
];

/// The figures issue 4 asks for, as (precision, recall).
const TARGET: [(&str, f64, f64); 4] = [
    ("region", 0.9, 0.8),
    ("donor", 0.8, 0.7),
    ("sector", 0.8, 0.7),
    ("year", 0.9, 0.8),
];

/// Fewest labelled paragraphs the fixture must hold.
const MIN_ENTRIES: usize = 40;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    paragraph: Vec<Entry>,
}

/// One labelled paragraph.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// Corpus file stem.
    file: String,
    /// Distinctive substring of the paragraph's text.
    key: String,
    region: Vec<String>,
    donor: Vec<String>,
    sector: Vec<String>,
    year: Vec<i32>,
    /// Aid programmes (援藏, 其他 …); given in the held-out file only, and
    /// scored only where given.
    #[serde(default)]
    programme: Option<Vec<String>>,
    #[serde(default)]
    why: Option<String>,
}

/// The development fixture: the labels the labeller has been tuned against.
const DEV_FIXTURE: &str = "tests/fixtures/facets-labelled.toml";
/// The held-out fixture: other seed paragraphs, for an honest estimate.
const HELDOUT_FIXTURE: &str = "tests/fixtures/facets-heldout.toml";

/// The facets scored, in the order of [`RATCHET`], then programme (which has
/// no ratchet: the dev fixture does not label it).
const FACETS: [&str; 5] = ["region", "donor", "sector", "year", "programme"];

fn corpus() -> &'static Corpus<LabelledReport> {
    static CORPUS: OnceLock<Corpus<LabelledReport>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let loaded = aidsearch::corpus::load_dir(&common::corpus_dir()).expect("seed corpus loads");
        Corpus {
            reports: loaded
                .reports
                .into_iter()
                .map(aidsearch::labels::label)
                .collect(),
            skipped: loaded.skipped,
            files_read: loaded.files_read,
            warnings: loaded.warnings,
            files_by_kind: loaded.files_by_kind,
            ocr_cache_hits: loaded.ocr_cache_hits,
        }
    })
}

fn fixture(file: &str) -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_stem(report: &Report) -> &str {
    let name = report.file.rsplit('/').next().unwrap_or(&report.file);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Text without whitespace, so keys survive changes in how lines are joined.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The one paragraph of `entry.file` containing `entry.key` (ignoring whitespace).
type Found<'c> = (&'c Report, &'c Paragraph, &'c Labels);

fn find<'c>(corpus: &'c Corpus<LabelledReport>, entry: &Entry) -> Result<Found<'c>, String> {
    let key = squeeze(&entry.key);
    let found: Vec<Found> = corpus
        .reports
        .iter()
        .filter(|r| file_stem(r) == entry.file)
        .flat_map(|r| r.paragraphs().map(move |(p, l)| (&r.report, p, l)))
        .filter(|(_, p, _)| squeeze(&p.text).contains(&key))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "key {:?} is in no paragraph of {}",
            entry.key, entry.file
        )),
        many => Err(format!(
            "key {:?} is in {} paragraphs of {}",
            entry.key,
            many.len(),
            entry.file
        )),
    }
}

/// Micro-averaged counts of one facet.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
}

impl Score {
    fn add<T: Ord>(&mut self, expected: &BTreeSet<T>, got: &BTreeSet<T>) {
        self.true_pos += expected.intersection(got).count();
        self.false_pos += got.difference(expected).count();
        self.false_neg += expected.difference(got).count();
    }

    fn precision(&self) -> f64 {
        let predicted = self.true_pos + self.false_pos;
        if predicted == 0 {
            1.0
        } else {
            self.true_pos as f64 / predicted as f64
        }
    }

    fn recall(&self) -> f64 {
        let expected = self.true_pos + self.false_neg;
        if expected == 0 {
            1.0
        } else {
            self.true_pos as f64 / expected as f64
        }
    }
}

/// Scores per facet, in the order of [`FACETS`], and a listing of the misses.
fn evaluate(file: &str) -> (Vec<(&'static str, Score)>, String, usize) {
    let corpus = corpus();
    let fixture = fixture(file);
    let gazetteer = Gazetteer::global();
    let programmes = aidsearch::labels::programme::names();
    let mut errors = Vec::new();
    let mut scores = [Score::default(); 5];
    let mut misses = String::new();
    for entry in &fixture.paragraph {
        for path in entry.region.iter().chain(&entry.donor) {
            if gazetteer.by_path(path).is_none() {
                errors.push(format!("{:?}: {path:?} is not a gazetteer path", entry.key));
            }
        }
        for s in &entry.sector {
            if !SECTORS.contains(&s.as_str()) {
                errors.push(format!("{:?}: {s:?} is not a sector", entry.key));
            }
        }
        for p in entry.programme.iter().flatten() {
            if !programmes.contains(&p.as_str()) {
                errors.push(format!("{:?}: {p:?} is not a programme", entry.key));
            }
        }
        let (report, paragraph, labels) = match find(corpus, entry) {
            Ok(found) => found,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let strings = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
        let mut facets: Vec<(BTreeSet<String>, BTreeSet<String>)> = vec![
            (strings(&entry.region), strings(&labels.region)),
            (strings(&entry.donor), strings(&labels.donor)),
            (strings(&entry.sector), strings(&labels.sector)),
            (
                entry.year.iter().map(i32::to_string).collect(),
                labels.year.iter().map(i32::to_string).collect(),
            ),
        ];
        if let Some(programme) = &entry.programme {
            facets.push((strings(programme), strings(&labels.programme)));
        }
        let mut lines = String::new();
        for (i, (expected, got)) in facets.iter().enumerate() {
            scores[i].add(expected, got);
            if expected != got {
                let name = FACETS[i];
                let _ = writeln!(
                    lines,
                    "    {name:<6} expected {expected:?}\n           got      {got:?}"
                );
                for e in labels.evidence.iter().filter(|e| e.starts_with(name)) {
                    let _ = writeln!(lines, "             · {e}");
                }
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(
                misses,
                "  {}#{} {:?}{}\n{lines}",
                report.id,
                paragraph.number,
                entry.key,
                entry
                    .why
                    .as_deref()
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            );
        }
    }
    assert!(
        errors.is_empty(),
        "the fixture does not fit the corpus:\n{}",
        errors.join("\n")
    );
    let named = FACETS.iter().copied().zip(scores).collect();
    (named, misses, fixture.paragraph.len())
}

/// Prints one facet's row of the table: figures and counts.
fn print_row(name: &str, score: &Score, tail: &str) {
    println!(
        "  {name:<9} {:>9.3}  {:>6.3}  {:>3} {:>3} {:>3}{tail}",
        score.precision(),
        score.recall(),
        score.true_pos,
        score.false_pos,
        score.false_neg,
    );
}

#[test]
fn facet_precision_and_recall_do_not_regress() {
    let (scores, misses, entries) = evaluate(DEV_FIXTURE);
    assert!(
        entries >= MIN_ENTRIES,
        "the fixture has {entries} paragraphs, fewer than {MIN_ENTRIES}"
    );
    println!("facet extraction on {entries} labelled seed paragraphs (run with --nocapture to see this):");
    println!("  facet     precision  recall   tp  fp  fn   ratchet P/R   target P/R");
    for ((name, score), ((_, min_p, min_r), (_, want_p, want_r))) in
        scores.iter().zip(RATCHET.iter().zip(TARGET.iter()))
    {
        print_row(
            name,
            score,
            &format!("   {min_p:.3}/{min_r:.3}   {want_p:.2}/{want_r:.2}"),
        );
    }
    if !misses.is_empty() {
        println!("\nparagraphs whose labels differ from the fixture:\n{misses}");
    }
    for ((name, score), (_, min_p, min_r)) in scores.iter().zip(RATCHET) {
        if score.precision() > min_p + 0.005 || score.recall() > min_r + 0.005 {
            println!("{name} improved: raise its RATCHET entry in tests/facets_eval.rs");
        }
    }
    for ((name, min_p, min_r), (_, want_p, want_r)) in RATCHET.iter().zip(TARGET) {
        assert!(
            *min_p >= want_p && *min_r >= want_r,
            "the {name} ratchet is below the issue's target"
        );
    }
    let mut regressions = Vec::new();
    for ((name, score), (_, min_p, min_r)) in scores.iter().zip(RATCHET) {
        // A little slack for rounding; a real regression is a whole label.
        if score.precision() + 1e-9 < min_p {
            regressions.push(format!(
                "{name} precision {:.3} < {min_p}",
                score.precision()
            ));
        }
        if score.recall() + 1e-9 < min_r {
            regressions.push(format!("{name} recall {:.3} < {min_r}", score.recall()));
        }
    }
    assert!(
        regressions.is_empty(),
        "facet extraction got worse: {}",
        regressions.join(", ")
    );
}

/// The same table for the held-out labels, plus programme: an estimate of
/// how the labeller does on paragraphs it was not tuned against. Prints, and
/// fails only when the file does not fit the corpus (never on low scores).
/// Run with `--ignored --nocapture seed_heldout_scores`.
#[test]
#[ignore]
fn seed_heldout_scores() {
    let (scores, misses, entries) = evaluate(HELDOUT_FIXTURE);
    println!("facet extraction on {entries} held-out seed paragraphs:");
    println!("  facet     precision  recall   tp  fp  fn   target P/R");
    for (name, score) in &scores {
        let target = TARGET
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, p, r)| format!("   {p:.2}/{r:.2}"))
            .unwrap_or_default();
        print_row(name, score, &target);
    }
    if !misses.is_empty() {
        println!("\nparagraphs whose labels differ from the held-out file:\n{misses}");
    }
}

/// User story 2: donor 山东省, funding above 1亿元, largest amount first, gives
/// the paragraph of the Shandong report that reads `3.8亿元` first, as 380,000,000.
#[test]
fn story_2_shandong_funding_above_100m_sorted_by_amount() {
    let request = SearchRequest {
        donor: vec!["山东省".to_string()],
        min_funding: Some(100_000_000.0),
        sort: Sort::Funding,
        ..SearchRequest::default()
    };
    let response = search(&common::engine(), &request).expect("search runs");
    assert!(response.total >= 1, "{response:?}");
    let first = &response.hits[0];
    assert!(
        first.report.id.contains("shandong"),
        "first hit is from {}",
        first.report.id
    );
    assert!(first.text.contains("3.8亿元"), "{}", first.text);
    assert!(
        first.funding.contains(&380_000_000.0),
        "{:?}",
        first.funding
    );
    let max = |f: &[f64]| f.iter().copied().fold(0.0, f64::max);
    for pair in response.hits.windows(2) {
        assert!(
            max(&pair[0].funding) >= max(&pair[1].funding),
            "not sorted by amount"
        );
    }
    for hit in &response.hits {
        assert!(max(&hit.funding) >= 100_000_000.0, "{hit:?}");
        assert!(
            hit.donor
                .iter()
                .any(|d| d == "山东省" || d.starts_with("山东省/")),
            "{:?}",
            hit.donor
        );
    }
    // 4725万元 reads as 47,250,000 and is below the minimum.
    assert!(response.hits.iter().all(|h| !h.text.contains("4725万元")));
}

/// The same request through `/api/search` gives the same numbers.
#[tokio::test]
async fn story_2_json_gives_the_same_numbers() {
    let uri = format!(
        "/api/search?donor={}&min_funding=100000000&sort=funding",
        common::enc("山东省")
    );
    let (status, body) = common::get_json(&uri).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    let funding: Vec<f64> = body["hits"][0]["funding"]
        .as_array()
        .expect("funding is a list")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect();
    assert!(funding.contains(&380_000_000.0), "{body}");
    // 4725万元 in the Zibo report is 47,250,000 and gets through a lower minimum.
    let uri = format!(
        "/api/search?donor={}&min_funding=40000000&max_funding=50000000",
        common::enc("山东省/淄博市")
    );
    let (status, body) = common::get_json(&uri).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    let hits = body["hits"].as_array().expect("hits");
    assert!(
        hits.iter().any(|h| h["funding"]
            .as_array()
            .is_some_and(|f| f.iter().any(|v| v.as_f64() == Some(47_250_000.0)))),
        "{body}"
    );
}

/// Time labelling on one year of the scale corpus (`../shared/scale-corpus`)
/// and print how often each value comes up, to spot a rule gone wild on
/// national news. Run with `--ignored --nocapture label_scale_news`.
#[test]
#[ignore]
fn label_scale_news() {
    use std::collections::BTreeMap;
    use std::io::BufRead;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/scale-corpus")
        .join(std::env::var("SCALE_FILE").unwrap_or_else(|_| "xwlb-2020.jsonl.gz".into()));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut reports: Vec<Report> = Vec::new();
    for line in reader.lines() {
        let doc: serde_json::Value = serde_json::from_str(&line.expect("line")).expect("json");
        let text = doc["text"].as_str().unwrap_or_default();
        let paragraphs = text
            .split('\n')
            .filter(|t| !t.trim().is_empty())
            .enumerate()
            .map(|(i, t)| Paragraph {
                number: i as u32 + 1,
                text: t.to_string(),
                section: None,
                kind: ParagraphKind::Paragraph,
                cells: None,
                extraction: Default::default(),
            })
            .collect();
        reports.push(Report {
            id: doc["id"].as_str().unwrap_or_default().to_string(),
            file: String::new(),
            title: doc["title"].as_str().unwrap_or_default().to_string(),
            source: None,
            date: doc["date"].as_str().map(str::to_string),
            date_note: None,
            byline: Vec::new(),
            paragraphs,
            content_hash: 0,
            hints: Default::default(),
            access: Vec::new(),
        });
    }
    let count: usize = reports.iter().map(|r| r.paragraphs.len()).sum();
    let started = std::time::Instant::now();
    let reports: Vec<LabelledReport> = reports.into_iter().map(aidsearch::labels::label).collect();
    let took = started.elapsed();
    println!(
        "{} reports, {count} paragraphs labelled in {took:.2?} ({:.1} µs a paragraph)",
        reports.len(),
        took.as_secs_f64() * 1e6 / count as f64
    );
    let mut tally: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for l in reports.iter().flat_map(|r| &r.labels) {
        for v in &l.region {
            *tally.entry(("region", v.clone())).or_default() += 1;
        }
        for v in &l.donor {
            *tally.entry(("donor", v.clone())).or_default() += 1;
        }
        for v in &l.sector {
            *tally.entry(("sector", v.clone())).or_default() += 1;
        }
        *tally
            .entry(("funded", (!l.funding.is_empty()).to_string()))
            .or_default() += 1;
    }
    if let Ok(probe) = std::env::var("SCALE_PROBE") {
        // SCALE_PROBE=donor:湖北省 prints paragraphs with that label and their evidence.
        let (facet, value) = probe.split_once(':').unwrap_or(("donor", probe.as_str()));
        let hits = reports
            .iter()
            .flat_map(|r| r.paragraphs())
            .filter(|(_, l)| {
                let values = if facet == "region" {
                    &l.region
                } else if facet == "sector" {
                    &l.sector
                } else {
                    &l.donor
                };
                values.iter().any(|v| v == value)
            });
        for (p, l) in hits.take(12) {
            let text: String = p.text.chars().take(160).collect();
            println!(
                "· {text}\n    {:?}",
                l.evidence
                    .iter()
                    .filter(|e| e.starts_with(facet))
                    .collect::<Vec<_>>()
            );
        }
    }
    for facet in ["region", "donor", "sector", "funded"] {
        let mut values: Vec<_> = tally.iter().filter(|((f, _), _)| *f == facet).collect();
        values.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
        let top: Vec<String> = values
            .iter()
            .take(15)
            .map(|((_, v), n)| format!("{v} {n}"))
            .collect();
        println!("{facet}: {}", top.join(", "));
    }
}

/// Print every seed paragraph with its labels, for writing fixture entries
/// (label by reading the text first, then compare).
#[test]
#[ignore]
fn dump_paragraphs() {
    for r in &corpus().reports {
        println!("=== {} | {} | {:?}", r.id, r.title, r.date);
        for (p, l) in r.paragraphs() {
            println!("¶{} [{}] {}", p.number, p.kind.as_str(), p.text);
            println!(
                "    region {:?} donor {:?} sector {:?} year {:?} funding {:?}",
                l.region, l.donor, l.sector, l.year, l.funding
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Issue 14: facets beyond Tibet, on paragraphs of the aid subcorpus of the
// scale corpus (`scripts/draw_aid_sample.py` drew them, stratified by
// programme; `tests/fixtures/aid-labelled.toml` labels them by reading).

#[path = "../benches/common/mod.rs"]
#[allow(unused_imports)]
mod bench;

/// The programmes an aid entry may name.
const PROGRAMMES: [&str; 8] = [
    "援藏",
    "援疆",
    "援青",
    "东西部协作",
    "定点帮扶",
    "驻村帮扶",
    "易地搬迁",
    "其他",
];

/// Donor paths that are not divisions hang under this root.
const CENTRAL_ROOT: &str = "中央与兵团";
const CENTRAL: [&str; 3] = [
    "中央与兵团/中央国家机关",
    "中央与兵团/中央企业",
    "中央与兵团/新疆生产建设兵团",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AidFixture {
    paragraph: Vec<AidEntry>,
}

/// One labelled paragraph of the aid subcorpus.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AidEntry {
    /// Document id in the scale corpus.
    doc: String,
    /// Exact 10–20 character substring of the paragraph, once in the document.
    key: String,
    programme: Vec<String>,
    region: Vec<String>,
    donor: Vec<String>,
    /// Sectors (of [`SECTORS`]); empty when the paragraph reports no work.
    sector: Vec<String>,
    year: Vec<i32>,
    #[serde(default)]
    why: Option<String>,
}

fn aid_fixture(name: &str) -> AidFixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The documents of the scale corpus with these ids; `None` (after a skip
/// message) when the corpus is not there, a failure under `CI=true`.
fn scale_docs(ids: &BTreeSet<&str>) -> Option<Vec<bench::RawDoc>> {
    use std::io::BufRead;
    let dir = bench::corpus_dir();
    let files = bench::corpus_files(&dir);
    if files.is_empty() {
        let msg = format!(
            "no scale corpus at {} (set {} or check out ../shared)",
            dir.display(),
            bench::CORPUS_ENV
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        println!("skipped: {msg}");
        return None;
    }
    let mut docs = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        for line in reader.lines() {
            let line = line.unwrap_or_else(|e| panic!("{name}: {e}"));
            // Cheap pre-filter: the id is near the start of the line.
            let head: String = line.chars().take(80).collect();
            if !ids.iter().any(|id| head.contains(id)) {
                continue;
            }
            let mut doc: bench::RawDoc =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{name}: {e}"));
            if ids.contains(doc.id.as_str()) {
                doc.file = name.clone();
                docs.push(doc);
            }
        }
    }
    Some(docs)
}

/// Micro counts where a prediction and a label may match loosely, so the
/// matched predictions (precision) and matched labels (recall) are counted
/// apart.
#[derive(Debug, Default, Clone, Copy)]
struct Micro {
    predicted: usize,
    predicted_ok: usize,
    expected: usize,
    expected_ok: usize,
}

impl Micro {
    fn add(
        &mut self,
        expected: &BTreeSet<String>,
        got: &BTreeSet<String>,
        same: fn(&str, &str) -> bool,
    ) {
        self.predicted += got.len();
        self.predicted_ok += got
            .iter()
            .filter(|g| expected.iter().any(|e| same(e, g)))
            .count();
        self.expected += expected.len();
        self.expected_ok += expected
            .iter()
            .filter(|e| got.iter().any(|g| same(e, g)))
            .count();
    }

    fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.predicted_ok as f64 / self.predicted as f64
        }
    }

    fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.expected_ok as f64 / self.expected as f64
        }
    }

    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    fn cell(&self) -> String {
        format!(
            "{:.3} {:.3} {:.3}",
            self.precision(),
            self.recall(),
            self.f1()
        )
    }
}

fn equal(a: &str, b: &str) -> bool {
    a == b
}

/// Equal, or one path is an ancestor of the other.
fn related(a: &str, b: &str) -> bool {
    a == b
        || b.strip_prefix(a).is_some_and(|rest| rest.starts_with('/'))
        || a.strip_prefix(b).is_some_and(|rest| rest.starts_with('/'))
}

/// The facets scored, in table order.
const AID_FACETS: [&str; 6] = ["region", "region~", "donor", "programme", "year", "sector"];

/// Labelled values, predicted values, and how a value is matched.
type Compared = (BTreeSet<String>, BTreeSet<String>, fn(&str, &str) -> bool);

/// Score fixture files together; returns (entries scored, entries, the
/// printed report).
fn evaluate_aid(names: &[&str]) -> Option<(usize, usize, String)> {
    let name = names.join(" + ");
    let fixture = AidFixture {
        paragraph: names
            .iter()
            .flat_map(|n| aid_fixture(n).paragraph)
            .collect(),
    };
    let ids: BTreeSet<&str> = fixture.paragraph.iter().map(|e| e.doc.as_str()).collect();
    let docs = scale_docs(&ids)?;
    let gazetteer = Gazetteer::global();
    let mut errors = Vec::new();
    let mut not_in_gazetteer = BTreeSet::new();
    let mut reports: std::collections::BTreeMap<&str, (Vec<LabelledReport>, String)> =
        Default::default();
    for doc in &docs {
        reports.insert(
            doc.id.as_str(),
            (bench::doc_reports(doc), squeeze(&doc.text)),
        );
    }
    // [facet][programme + overall]
    let groups: Vec<&str> = PROGRAMMES
        .iter()
        .copied()
        .chain(["(none)", "all"])
        .collect();
    let mut scores = vec![vec![Micro::default(); groups.len()]; AID_FACETS.len()];
    let mut counts = vec![0usize; groups.len()];
    let mut misses = String::new();
    let mut scored = 0;
    for entry in &fixture.paragraph {
        let key = squeeze(&entry.key);
        let chars = key.chars().count();
        if !(10..=20).contains(&chars) {
            errors.push(format!(
                "{}: key {:?} has {chars} characters",
                entry.doc, entry.key
            ));
        }
        for p in &entry.programme {
            if !PROGRAMMES.contains(&p.as_str()) {
                errors.push(format!("{:?}: {p:?} is not a programme", entry.key));
            }
        }
        for s in &entry.sector {
            if !SECTORS.contains(&s.as_str()) {
                errors.push(format!("{:?}: {s:?} is not a sector", entry.key));
            }
        }
        for path in entry.region.iter().chain(&entry.donor) {
            let province = path.split('/').next().unwrap_or_default();
            let central = path == CENTRAL_ROOT || CENTRAL.contains(&path.as_str());
            if !central && gazetteer.by_path(province).is_none() {
                errors.push(format!("{:?}: {path:?} is not under a province", entry.key));
            } else if !central && gazetteer.by_path(path).is_none() {
                not_in_gazetteer.insert(path.clone());
            }
        }
        for path in &entry.region {
            if path.starts_with(CENTRAL_ROOT) {
                errors.push(format!("{:?}: region {path:?} is not a place", entry.key));
            }
        }
        let Some((labelled, whole)) = reports.get(entry.doc.as_str()) else {
            errors.push(format!("document {} is not in the scale corpus", entry.doc));
            continue;
        };
        if whole.matches(&key).count() != 1 {
            errors.push(format!("key {:?} is not once in {}", entry.key, entry.doc));
        }
        let found: Vec<(&Report, &Paragraph, &Labels)> = labelled
            .iter()
            .flat_map(|r| r.paragraphs().map(move |(p, l)| (&r.report, p, l)))
            .filter(|(_, p, _)| squeeze(&p.text).contains(&key))
            .collect();
        let (report, paragraph, labels) = match found.as_slice() {
            [one] => *one,
            [] => {
                errors.push(format!(
                    "key {:?} is in no paragraph of {}",
                    entry.key, entry.doc
                ));
                continue;
            }
            many => {
                errors.push(format!(
                    "key {:?} is in {} paragraphs of {}",
                    entry.key,
                    many.len(),
                    entry.doc
                ));
                continue;
            }
        };
        scored += 1;
        let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
        let years = |v: &[i32]| v.iter().map(i32::to_string).collect::<BTreeSet<String>>();
        let pairs: [Compared; 6] = [
            (set(&entry.region), set(&labels.region), equal),
            (set(&entry.region), set(&labels.region), related),
            (set(&entry.donor), set(&labels.donor), equal),
            (set(&entry.programme), set(&labels.programme), equal),
            (years(&entry.year), years(&labels.year), equal),
            (set(&entry.sector), set(&labels.sector), equal),
        ];
        let mut in_groups: Vec<usize> = entry
            .programme
            .iter()
            .filter_map(|p| groups.iter().position(|g| g == p))
            .collect();
        if in_groups.is_empty() {
            in_groups.push(groups.len() - 2);
        }
        in_groups.push(groups.len() - 1);
        for g in &in_groups {
            counts[*g] += 1;
        }
        let mut lines = String::new();
        for (f, (expected, got, same)) in pairs.iter().enumerate() {
            for g in &in_groups {
                scores[f][*g].add(expected, got, *same);
            }
            if expected != got && AID_FACETS[f] != "region~" {
                let facet = AID_FACETS[f];
                let _ = writeln!(
                    lines,
                    "    {facet:<9} expected {expected:?}\n              got      {got:?}"
                );
                for e in labels.evidence.iter().filter(|e| e.starts_with(facet)) {
                    let _ = writeln!(lines, "                · {e}");
                }
            }
        }
        if !lines.is_empty() {
            let text: String = paragraph.text.chars().take(70).collect();
            let _ = writeln!(
                misses,
                "  {} ¶{} {} {:?} {text}…{}\n{lines}",
                report.id,
                paragraph.number,
                report.date.as_deref().unwrap_or("-"),
                entry.key,
                entry
                    .why
                    .as_deref()
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            );
        }
    }
    assert!(
        errors.is_empty(),
        "{name} does not fit the scale corpus:\n{}",
        errors.join("\n")
    );
    let mut out = String::new();
    let all = groups.len() - 1;
    let _ = writeln!(
        out,
        "{name}: facets of {scored} labelled aid-subcorpus paragraphs (micro P R F1)"
    );
    let _ = writeln!(
        out,
        "  facet        P     R     F1    ok/predicted  ok/labelled"
    );
    for (f, facet) in AID_FACETS.iter().enumerate() {
        let s = scores[f][all];
        let _ = writeln!(
            out,
            "  {facet:<10} {}   {}/{}  {}/{}",
            s.cell(),
            s.predicted_ok,
            s.predicted,
            s.expected_ok,
            s.expected
        );
    }
    let _ = writeln!(
        out,
        "  (region~ counts an ancestor or descendant of a labelled path as a match)\n\n  per programme (entries labelled with it; P R F1):"
    );
    let _ = writeln!(
        out,
        "  {:<10} {:>3}  {:<17} {:<17} {:<17} {:<17} {:<17} {:<17}",
        "programme", "n", "region", "region~", "donor", "programme", "year", "sector"
    );
    for (g, group) in groups.iter().enumerate() {
        if counts[g] == 0 {
            continue;
        }
        let cells: Vec<String> = (0..AID_FACETS.len()).map(|f| scores[f][g].cell()).collect();
        // Chinese names are two columns wide.
        let pad = 10usize.saturating_sub(
            group
                .chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum(),
        );
        let _ = writeln!(
            out,
            "  {group}{:pad$} {:>3}  {}",
            "",
            counts[g],
            cells
                .iter()
                .map(|c| format!("{c:<17}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    if !not_in_gazetteer.is_empty() {
        let _ = writeln!(
            out,
            "\n  labelled paths not (yet) in data/regions.tsv ({}): {}",
            not_in_gazetteer.len(),
            not_in_gazetteer.into_iter().collect::<Vec<_>>().join(" ")
        );
    }
    if !misses.is_empty() && std::env::var_os("AID_MISSES").is_some() {
        let _ = writeln!(out, "\n  paragraphs whose labels differ:\n{misses}");
    }
    Some((scored, fixture.paragraph.len(), out))
}

/// Issue 14: region, donor, programme, year and sector on the dev paragraphs
/// of the aid subcorpus, overall and per programme. It checks that every entry
/// was scored and that no F1 falls below [`AID_RATCHET`], and prints the table
/// (`-- --nocapture`; set `AID_MISSES=1` to list every paragraph whose labels
/// differ).
#[test]
fn aid_subcorpus_facets_per_programme() {
    check_aid_dev_set("aid-labelled.toml", 100, &AID_RATCHET);
}

/// The second development set (`aid-labelled-2.toml`: 112 more paragraphs,
/// other documents, drawn with another seed), scored and ratcheted the
/// same way, so that rules are judged on more than one small sample.
#[test]
fn aid_subcorpus_second_dev_set_per_programme() {
    check_aid_dev_set("aid-labelled-2.toml", 100, &AID2_RATCHET);
}

/// The third development set (`aid-labelled-3.toml`: 98 paragraphs of
/// other documents again, labelled in session 11), scored and ratcheted the
/// same way.
#[test]
fn aid_subcorpus_third_dev_set_per_programme() {
    check_aid_dev_set("aid-labelled-3.toml", 95, &AID3_RATCHET);
}

/// The fourth development set (`aid-labelled-4.toml`: 99 paragraphs of
/// other documents, labelled in session 14 by three readers apart, before
/// the labeller was run on it), scored and ratcheted the same way.
#[test]
fn aid_subcorpus_fourth_dev_set_per_programme() {
    check_aid_dev_set("aid-labelled-4.toml", 95, &AID4_RATCHET);
}

/// The development sets together: issue #14 asks for a labelled set that
/// covers each programme with at least 10 paragraphs, scored per programme.
/// No one file does for 援青 (few reports say so, and the draws share no
/// document), so the union is the set, and its table is the one to read.
#[test]
fn aid_dev_sets_together_cover_every_programme() {
    let Some((scored, entries, table)) = evaluate_aid(&AID_DEV_SETS) else {
        return;
    };
    println!("{table}");
    assert_eq!(scored, entries, "not every entry was scored");
    for programme in PROGRAMMES {
        let row = table
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{programme} ")))
            .unwrap_or_else(|| panic!("no row for {programme}"));
        let n: usize = row
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .expect("a count");
        assert!(n >= 10, "{programme}: only {n} labelled paragraphs");
    }
}

/// Every development fixture of the aid subcorpus.
const AID_DEV_SETS: [&str; 4] = [
    "aid-labelled.toml",
    "aid-labelled-2.toml",
    "aid-labelled-3.toml",
    "aid-labelled-4.toml",
];

/// Score a development fixture, print its table, and hold its F1 figures
/// (the table's `all` row) at their floors.
fn check_aid_dev_set(name: &str, min_entries: usize, ratchet: &[(&str, usize, f64)]) {
    let Some((scored, entries, table)) = evaluate_aid(&[name]) else {
        return;
    };
    println!("{table}");
    assert!(entries >= min_entries, "{name} has only {entries} entries");
    assert_eq!(scored, entries, "not every entry was scored");
    // F1 over all paragraphs, from the table's `all` row: (region, region~,
    // donor, programme, year, sector), each a (P, R, F1) triple after the count.
    let all: Vec<f64> = table
        .lines()
        .find(|l| l.trim_start().starts_with("all "))
        .expect("an `all` row")
        .split_whitespace()
        .skip(2)
        .map(|v| v.parse().expect("a number"))
        .collect();
    let f1 = |facet: usize| all[facet * 3 + 2];
    for (facet_name, facet, floor) in ratchet {
        assert!(
            f1(*facet) >= *floor,
            "{name}: {facet_name} F1 {:.3} fell below its ratchet {floor} (raise the ratchet when it improves)",
            f1(*facet)
        );
    }
}

/// Floors of the aid dev set's F1 (cut to two decimals), in the order of
/// the table's columns: region, region~ (lenient), donor, programme, year,
/// sector.
/// Measured at the end of issue #14's second round (2024 gazetteer, article
/// rules, central givers, 其他 beside a programme, sector rules): region
/// 0.744, region~ 0.824, donor 0.679, programme 0.947, year 0.953, sector
/// 0.683 (first round: 0.660, 0.773, 0.542, 0.898, 0.953, 0.433). Issue #14's
/// third round (programmes named count as kinds of aid): sector 0.696, and
/// 0.706 with lexicon words as short enumeration items, 0.716 with the
/// whole programme's totals at the threshold; a
/// central giver as the subject of a sentence that gives: donor 0.803; no
/// giver in a list of programme names by any rule: 0.810. Session 10:
/// disaster relief's 安置 masked, sector 0.719; a place spoken of as a whole
/// (全省, 全区 …) keeps its level, region 0.790; a route's stops, 0.802.
/// Session 11: 成为 is no location word, donor 0.828. Session 15: a village
/// scene goes on in the one county its story has named, region 0.802 →
/// 0.792: one paragraph, a city bureau's work in its own village, which this
/// set files under the city and the third set (the same bureau's village,
/// another article) under the county; the floor follows it down. Session
/// 16: the overview model (a list of tasks, broad and shallow, is 综合),
/// sector 0.740; the reviewed sector words and the model refitted on them,
/// 0.735; nine governance words from a stricter second review, 0.745.
/// Session 18: a pairing's donor only beside its recipient, and no word of
/// aid across a conjunction, donor 0.839; a named province stands for none
/// of its pairings' recipients, 0.855.
const AID_RATCHET: [(&str, usize, f64); 6] = [
    ("region", 0, 0.79),
    ("region~", 1, 0.82),
    ("donor", 2, 0.85),
    ("programme", 3, 0.94),
    ("year", 4, 0.96),
    ("sector", 5, 0.74),
];

/// Floors of the second dev set's F1, in the same order. When it was added
/// (labelled by reading, before any rule was tuned on it) it gave region
/// 0.760, region~ 0.912, donor 0.545, programme 0.906, year 0.926, sector
/// 0.642: the labeller's figures on unseen paragraphs at that point. Issue
/// #14's third round (programmes named count as kinds of aid): sector 0.683;
/// a central giver as the subject of a sentence that gives: donor 0.737
/// (0.723 before it). Session 10: 国家/中央 as a giving subject, donor
/// 0.750; a count before the subject, 0.763; a place spoken of as a whole
/// keeps its level, region 0.813; a route's ends are no givers, donor 0.771.
/// Session 16: the reviewed sector words and the overview model, sector 0.702.
/// Session 11: central enterprises and banks as givers, donor 0.784.
/// Session 12: a budget's funds are given, donor 0.796. Session 14: a
/// pair's short name (闽宁协作, 闽宁镇) gives its donor, donor 0.820.
/// Session 18: a pairing's donor only beside its recipient, donor 0.845.
const AID2_RATCHET: [(&str, usize, f64); 6] = [
    ("region", 0, 0.81),
    ("region~", 1, 0.91),
    ("donor", 2, 0.84),
    ("programme", 3, 0.90),
    ("year", 4, 0.92),
    ("sector", 5, 0.70),
];

/// Floors of the third dev set's F1, in the same order. When it was added
/// (labelled by reading before the labeller was run on it, session 11) it
/// gave region 0.792, region~ 0.906, donor 0.560, programme 0.890, year
/// 0.966, sector 0.560: a fresh reading of how the rules tuned on the first
/// two sets generalise (the held-out set reads donor 0.600, sector 0.677).
/// Session 12: a budget's funds are given, donor 0.650; a compilation's
/// stories labelled each on its own, no donor without a programme, 0.675.
/// Session 15: a village scene goes on in the one county its story has
/// named, region 0.827. Session 16: the overview model, sector 0.598; the
/// reviewed sector words, 0.625.
/// Session 14: a pair's short name gives its donor, 0.692; a story under a
/// province's title is about the county its lead names, region 0.802; a
/// military region (南京军区) is no place, region 0.806, donor 0.701.
/// Session 17: two-character counties on their own and villages before 村,
/// region 0.842. Session 18: a named province stands for none of its
/// pairings' recipients, donor 0.730.
const AID3_RATCHET: [(&str, usize, f64); 6] = [
    ("region", 0, 0.84),
    ("region~", 1, 0.90),
    ("donor", 2, 0.72),
    ("programme", 3, 0.89),
    ("year", 4, 0.96),
    ("sector", 5, 0.62),
];

/// Floors of the fourth dev set's F1, in the same order. Its first reading
/// (session 14, labelled by three readers apart before the labeller was run
/// on it): region 0.711, region~ 0.908, donor 0.536, programme 0.893, year
/// 0.970, sector 0.558. Then a pair's short name gives its donor (a rule
/// these misses suggested, checked on all four sets): donor 0.656,
/// programme 0.901; a story under a province's title is about the county
/// its lead names, region 0.722. Session 15: a village scene goes on in the
/// one county its story has named, region 0.742. Session 16: the overview
/// model, sector 0.579; the reviewed sector words, 0.607. Session 17: a
/// tour's stops stand for the place they share, region 0.771. Session 18: a
/// pairing makes a donor only of a recipient named in its own paragraph or
/// the title, donor 0.690; region 0.767, lowered on purpose: a list of four
/// villages now names all four provinces (two were taken as donors before),
/// while the four sets together rose 0.807 -> 0.810. A word of aid after a
/// conjunction opens the next item, donor 0.727; a named province stands for
/// none of its pairings' recipients, 0.741.
const AID4_RATCHET: [(&str, usize, f64); 6] = [
    ("region", 0, 0.76),
    ("region~", 1, 0.90),
    ("donor", 2, 0.74),
    ("programme", 3, 0.90),
    ("year", 4, 0.97),
    ("sector", 5, 0.60),
];

/// The same table on the held-out paragraphs; run on purpose
/// (`-- --ignored --nocapture aid_subcorpus_heldout`), not in CI.
#[test]
#[ignore]
fn aid_subcorpus_heldout_facets_per_programme() {
    let Some((scored, entries, table)) = evaluate_aid(&["aid-labelled-heldout.toml"]) else {
        return;
    };
    println!("{table}");
    assert_eq!(scored, entries, "not every entry was scored");
}

/// The one paragraph of `docs`' document `doc` that holds `key` (compared
/// without whitespace), with its labels as the index writes them.
fn keyed_paragraph(docs: &[bench::RawDoc], doc: &str, key: &str) -> (String, Labels) {
    let doc = docs
        .iter()
        .find(|d| d.id == doc)
        .unwrap_or_else(|| panic!("document {doc} is not in the scale corpus"));
    let key = squeeze(key);
    let labelled = bench::doc_reports(doc);
    let found: Vec<(String, Labels)> = labelled
        .iter()
        .flat_map(|r| r.paragraphs())
        .filter(|(p, _)| squeeze(&p.text).contains(&key))
        .map(|(p, l)| (p.text.clone(), l.clone()))
        .collect();
    match <[(String, Labels); 1]>::try_from(found) {
        Ok([one]) => one,
        Err(found) => panic!("key {key:?} is in {} paragraphs of {}", found.len(), doc.id),
    }
}

/// The sector labels and texts of the aid development sets, with the set each
/// paragraph comes from (its index in `names`).
fn sector_examples(names: &[&str]) -> Option<Vec<(usize, BTreeSet<String>, String)>> {
    let mut out = Vec::new();
    for (set, name) in names.iter().enumerate() {
        let fixture = aid_fixture(name);
        let ids: BTreeSet<&str> = fixture.paragraph.iter().map(|e| e.doc.as_str()).collect();
        let docs = scale_docs(&ids)?;
        for entry in &fixture.paragraph {
            let (text, _) = keyed_paragraph(&docs, &entry.doc, &entry.key);
            out.push((set, entry.sector.iter().cloned().collect(), text));
        }
    }
    Some(out)
}

/// The sectors of `text` with each sector's evidence scaled by `scales`.
fn sectors_scaled(text: &str, scales: &[f32; 12]) -> BTreeSet<String> {
    aidsearch::labels::sector::classify_scaled(text, scales)
        .0
        .into_iter()
        .collect()
}

/// Micro F1 of the sectors given `scales` over `examples`.
fn sector_f1(examples: &[&(usize, BTreeSet<String>, String)], scales: &[f32; 12]) -> f64 {
    let mut m = Micro::default();
    for (_, expected, text) in examples {
        m.add(expected, &sectors_scaled(text, scales), equal);
    }
    m.f1()
}

/// The values a sector's scale may take.
const SCALE_STEPS: [f32; 7] = [0.6, 0.7, 0.8, 0.9, 1.1, 1.25, 1.5];

/// Per-sector scales by coordinate ascent on micro F1.
fn fit_scales(examples: &[&(usize, BTreeSet<String>, String)]) -> [f32; 12] {
    let mut scales = [1.0f32; 12];
    let mut best = sector_f1(examples, &scales);
    for _ in 0..4 {
        let mut moved = false;
        for s in 0..12 {
            for step in SCALE_STEPS {
                let mut tried = scales;
                tried[s] = step;
                let f = sector_f1(examples, &tried);
                if f > best + 1e-9 {
                    best = f;
                    scales = tried;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    scales
}

/// Per-sector scales fitted on three aid dev sets and read on the fourth
/// (`-- --ignored --nocapture sector_scales`).
#[test]
#[ignore]
fn sector_scales_leave_one_set_out() {
    let Some(examples) = sector_examples(&AID_DEV_SETS) else {
        return;
    };
    for (held, name) in AID_DEV_SETS.iter().enumerate() {
        let train: Vec<_> = examples.iter().filter(|e| e.0 != held).collect();
        let test: Vec<_> = examples.iter().filter(|e| e.0 == held).collect();
        let scales = fit_scales(&train);
        println!(
            "{name}: sector F1 {:.3} -> {:.3} out of fold (train {:.3} -> {:.3}); scales {scales:?}",
            sector_f1(&test, &[1.0; 12]),
            sector_f1(&test, &scales),
            sector_f1(&train, &[1.0; 12]),
            sector_f1(&train, &scales),
        );
    }
    // Pooled out-of-fold: every paragraph labelled with the scales fitted
    // without its set.
    let mut pooled = Micro::default();
    let mut pooled_base = Micro::default();
    for held in 0..AID_DEV_SETS.len() {
        let train: Vec<_> = examples.iter().filter(|e| e.0 != held).collect();
        let scales = fit_scales(&train);
        for (_, expected, text) in examples.iter().filter(|e| e.0 == held) {
            pooled.add(expected, &sectors_scaled(text, &scales), equal);
            pooled_base.add(expected, &sectors_scaled(text, &[1.0; 12]), equal);
        }
    }
    println!(
        "pooled out of fold: {:.3} -> {:.3}",
        pooled_base.f1(),
        pooled.f1()
    );
    let all: Vec<_> = examples.iter().collect();
    let scales = fit_scales(&all);
    println!(
        "all four: {:.3} -> {:.3} in sample; scales {scales:?}",
        sector_f1(&all, &[1.0; 12]),
        sector_f1(&all, &scales)
    );
}

/// One paragraph of a sector-only fixture.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectorEntry {
    doc: String,
    key: String,
    sector: Vec<String>,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectorFixture {
    paragraph: Vec<SectorEntry>,
}

/// The fifth aid set (`aid-sector-5.toml`: 289 paragraphs labelled for
/// sector only, in session 14), scored through the labeller as the index
/// writes its labels, and held at its first reading.
#[test]
fn aid_subcorpus_sector_only_set() {
    let fixture = sector_only_fixture();
    assert!(fixture.paragraph.len() >= 280, "the set has 289 entries");
    let ids: BTreeSet<&str> = fixture.paragraph.iter().map(|e| e.doc.as_str()).collect();
    let Some(docs) = scale_docs(&ids) else {
        return;
    };
    let mut micro = Micro::default();
    for entry in &fixture.paragraph {
        assert!(
            entry.sector.iter().all(|s| SECTORS.contains(&s.as_str())),
            "{:?}: {:?} ({:?})",
            entry.key,
            entry.sector,
            entry.why
        );
        let (_, labels) = keyed_paragraph(&docs, &entry.doc, &entry.key);
        let expected: BTreeSet<String> = entry.sector.iter().cloned().collect();
        let got: BTreeSet<String> = labels.sector.iter().cloned().collect();
        micro.add(&expected, &got, equal);
    }
    println!(
        "aid-sector-5.toml: sector of {} paragraphs (P R F1) {}",
        fixture.paragraph.len(),
        micro.cell()
    );
    // First reading (session 14): P 0.629, R 0.526, F1 0.573. Session 15,
    // the poverty work's results as a whole are 综合: 0.581. Session 16, the
    // overview model (fitted on this set among others): 0.584; the reviewed
    // sector words and the model refitted on them: 0.611.
    assert!(
        micro.f1() >= 0.61,
        "sector F1 {:.3} fell below 0.61",
        micro.f1()
    );
}

/// The sector examples of the four aid dev sets, of the sector-only set
/// (`aid-sector-5.toml`, set 4) and of the seed dev fixture (set 5).
fn all_sector_examples() -> Option<Vec<(usize, BTreeSet<String>, String)>> {
    let mut examples = sector_examples(&AID_DEV_SETS)?;
    let sector_only = sector_only_fixture();
    let ids: BTreeSet<&str> = sector_only
        .paragraph
        .iter()
        .map(|e| e.doc.as_str())
        .collect();
    let docs = scale_docs(&ids)?;
    for entry in &sector_only.paragraph {
        let (text, _) = keyed_paragraph(&docs, &entry.doc, &entry.key);
        examples.push((
            AID_DEV_SETS.len(),
            entry.sector.iter().cloned().collect(),
            text,
        ));
    }
    for entry in &fixture(DEV_FIXTURE).paragraph {
        let (_, paragraph, _) = find(corpus(), entry).expect("seed key found");
        examples.push((
            AID_DEV_SETS.len() + 1,
            entry.sector.iter().cloned().collect(),
            paragraph.text.clone(),
        ));
    }
    Some(examples)
}

/// The sector-only set, `aid-sector-5.toml`.
fn sector_only_fixture() -> SectorFixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aid-sector-5.toml");
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The overview model's number of features.
const NF: usize = aidsearch::labels::sector::OVERVIEW_FEATURES.len();

/// One labelled paragraph as the overview model sees it.
struct OverviewExample {
    set: usize,
    expected: BTreeSet<String>,
    /// The labels of the rules alone.
    rules: BTreeSet<String>,
    features: [f64; NF],
}

impl OverviewExample {
    fn is_overview(&self) -> bool {
        self.expected.contains("综合")
    }

    /// The labels with the model at `p` and `threshold`.
    fn labels(&self, p: f64, threshold: f64) -> BTreeSet<String> {
        if p >= threshold && !self.rules.contains("综合") {
            BTreeSet::from(["综合".to_string()])
        } else {
            self.rules.clone()
        }
    }
}

/// Logistic regression by gradient descent on standardized features, with
/// L2 shrinkage: its weights and bias in the features' own units.
fn fit_logistic(examples: &[&OverviewExample]) -> ([f64; NF], f64) {
    let n = examples.len() as f64;
    let mut mean = [0.0; NF];
    let mut sd = [0.0; NF];
    for j in 0..NF {
        mean[j] = examples.iter().map(|e| e.features[j]).sum::<f64>() / n;
        let var = examples
            .iter()
            .map(|e| (e.features[j] - mean[j]).powi(2))
            .sum::<f64>()
            / n;
        sd[j] = var.sqrt().max(1e-6);
    }
    let z = |e: &OverviewExample, j: usize| (e.features[j] - mean[j]) / sd[j];
    let (mut w, mut b) = ([0.0f64; NF], 0.0f64);
    for _ in 0..1500 {
        let (mut gw, mut gb) = ([0.0f64; NF], 0.0f64);
        for e in examples {
            let logit: f64 = (0..NF).map(|j| w[j] * z(e, j)).sum::<f64>() + b;
            let err = 1.0 / (1.0 + (-logit).exp()) - f64::from(u8::from(e.is_overview()));
            for (j, g) in gw.iter_mut().enumerate() {
                *g += err * z(e, j);
            }
            gb += err;
        }
        for j in 0..NF {
            w[j] -= 0.1 * (gw[j] / n + 0.1 * w[j]);
        }
        b -= 0.1 * gb / n;
    }
    let raw: [f64; NF] = std::array::from_fn(|j| w[j] / sd[j]);
    let bias = b - (0..NF).map(|j| w[j] * mean[j] / sd[j]).sum::<f64>();
    (raw, bias)
}

fn probability(weights: &[f64; NF], bias: f64, e: &OverviewExample) -> f64 {
    let logit: f64 = weights
        .iter()
        .zip(&e.features)
        .map(|(w, x)| w * x)
        .sum::<f64>()
        + bias;
    1.0 / (1.0 + (-logit).exp())
}

/// Micro F1 of the sectors over `examples` with the model at `threshold`
/// (`None`: the rules alone).
fn overview_f1(examples: &[&OverviewExample], model: Option<(&[f64; NF], f64, f64)>) -> f64 {
    let mut m = Micro::default();
    for e in examples {
        let got = match model {
            Some((w, b, t)) => e.labels(probability(w, b, e), t),
            None => e.rules.clone(),
        };
        m.add(&e.expected, &got, equal);
    }
    m.f1()
}

const OVERVIEW_THRESHOLDS: [f64; 8] = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];

/// Fit the model and choose its threshold on `train`.
fn fit_overview(train: &[&OverviewExample]) -> ([f64; NF], f64, f64) {
    let (w, b) = fit_logistic(train);
    let t = OVERVIEW_THRESHOLDS
        .into_iter()
        .max_by(|x, y| {
            overview_f1(train, Some((&w, b, *x))).total_cmp(&overview_f1(train, Some((&w, b, *y))))
        })
        .expect("thresholds");
    (w, b, t)
}

/// The overview model of `sector.rs` (`OVERVIEW_MODEL`), fitted on four of
/// the six labelled sets (five aid, one seed) and read on the sixth, then
/// fitted on all six
/// (`-- --ignored --nocapture overview_model`). The model must earn its
/// place out of fold.
#[test]
#[ignore]
fn overview_model_leave_one_set_out() {
    let Some(examples) = all_sector_examples() else {
        return;
    };
    let examples: Vec<OverviewExample> = examples
        .into_iter()
        .map(|(set, expected, text)| OverviewExample {
            set,
            expected,
            rules: aidsearch::labels::sector::classify_with(&text, None)
                .0
                .into_iter()
                .collect(),
            features: aidsearch::labels::sector::overview_features(&text).map(f64::from),
        })
        .collect();
    // The aid sets (0-4) fit the model; the seed dev set (5) only checks it:
    // its long official reports label a list of tasks by its sectors where
    // the aid news sets say 综合.
    let seed = AID_DEV_SETS.len() + 1;
    let aid: Vec<_> = examples.iter().filter(|e| e.set != seed).collect();
    let seed_dev: Vec<_> = examples.iter().filter(|e| e.set == seed).collect();
    let mut out_of_fold = Micro::default();
    let mut rules_only = Micro::default();
    for held in 0..seed {
        let train: Vec<_> = aid.iter().copied().filter(|e| e.set != held).collect();
        let test: Vec<_> = aid.iter().copied().filter(|e| e.set == held).collect();
        let (w, b, t) = fit_overview(&train);
        for e in &test {
            out_of_fold.add(&e.expected, &e.labels(probability(&w, b, e), t), equal);
            rules_only.add(&e.expected, &e.rules, equal);
        }
        println!(
            "set {held}: sector F1 rules {:.3}, with the model {:.3} out of fold (threshold {t}, weights {:?})",
            overview_f1(&test, None),
            overview_f1(&test, Some((&w, b, t))),
            w.map(|x| (x * 100.0).round() / 100.0)
        );
    }
    println!(
        "aid sets pooled out of fold: rules {:.3}, with the model {:.3}",
        rules_only.f1(),
        out_of_fold.f1()
    );
    let (w, b, t) = fit_overview(&aid);
    println!(
        "fitted on the {} aid paragraphs ({:?}): weights {:?}, bias {b:.4}, threshold {t}",
        aid.len(),
        aidsearch::labels::sector::OVERVIEW_FEATURES,
        w.map(|x| (x * 10000.0).round() / 10000.0)
    );
    println!("threshold  aid F1  seed dev P / R (rules {})", {
        let mut m = Micro::default();
        for e in &seed_dev {
            m.add(&e.expected, &e.rules, equal);
        }
        m.cell()
    });
    for t in OVERVIEW_THRESHOLDS {
        let mut m = Micro::default();
        for e in &seed_dev {
            m.add(&e.expected, &e.labels(probability(&w, b, e), t), equal);
        }
        println!(
            "{t:>9}  {:.3}  {}",
            overview_f1(&aid, Some((&w, b, t))),
            m.cell()
        );
    }
    assert!(
        out_of_fold.f1() > rules_only.f1(),
        "the overview model does not earn its place out of fold"
    );
}
