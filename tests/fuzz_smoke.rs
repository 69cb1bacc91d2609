//! The fuzz targets, run for a bounded time inside `cargo test` (issue 8).
//!
//! The real fuzzing is coverage-guided, with cargo-fuzz and libFuzzer
//! (`fuzz/`, runs recorded in `fuzz/README.md`). Building those targets
//! takes longer than CI can spare (see the README), so CI runs the same
//! target bodies here instead: every seed input, every saved crash input
//! (`fuzz/regressions/<target>/`), then random mutations of the seeds for a
//! few seconds per target. A panic fails the test and saves its input under
//! `target/fuzz-smoke/`, ready for `fuzz/run.sh` or a regression test.
//!
//! `FUZZ_SMOKE_SECONDS` (default 4) sets the time per target and
//! `FUZZ_SMOKE_SEED` the random seed (printed, so a failure can be replayed).

// Some items serve only the libFuzzer binaries (their panic hook).
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A small deterministic generator (xorshift64*): no dependency, and the
/// same seed replays the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte strings the targets care about, for insertion.
const TOKENS: [&str; 28] = [
    "元",
    "万",
    "亿",
    "万亿",
    "余",
    "至",
    "—",
    "～",
    "．",
    "０",
    "９",
    "，",
    "。",
    "\n",
    "\n\n",
    " ",
    "\u{3000}",
    "**",
    "# ",
    "“",
    "\"",
    "OR",
    "-",
    ":",
    "region:",
    "\u{1}",
    "%PDF-",
    "PK\u{3}\u{4}",
];

/// One random variation of `input`, spliced now and then with `other`.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8], max_len: usize) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next() as u8;
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            3 if !data.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at.min(end)..end);
            }
            4 if !data.is_empty() => {
                let start = rng.below(data.len());
                let end = (start + 1 + rng.below(32)).min(data.len());
                let copy = data[start..end].to_vec();
                data.splice(at..at, copy);
            }
            5 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(256)).min(other.len());
                data.splice(at..at, other[start..end].iter().copied());
            }
            _ => data.truncate(at),
        }
    }
    data.truncate(max_len);
    data
}

/// Longest one input may take (debug build) before it counts as a hang.
const SLOW_INPUT: Duration = Duration::from_secs(20);

/// Run `target` on every seed and saved input, then on mutations of the
/// seeds until the time is up. Returns the number of inputs run.
fn smoke(name: &str, seeds: Vec<Vec<u8>>, max_len: usize, target: fn(&[u8])) -> usize {
    let seconds: u64 = std::env::var("FUZZ_SMOKE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let seed: u64 = std::env::var("FUZZ_SMOKE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_f022);
    let mut saved: Vec<Vec<u8>> = Vec::new();
    let regressions = root().join("fuzz/regressions").join(name);
    if let Ok(entries) = std::fs::read_dir(&regressions) {
        for entry in entries.flatten() {
            saved.push(std::fs::read(entry.path()).unwrap());
        }
    }
    // Inputs run on a worker thread, so one that hangs is caught too.
    let (to_worker, inputs) = std::sync::mpsc::channel::<Vec<u8>>();
    let (to_harness, outcomes) = std::sync::mpsc::channel::<bool>();
    std::thread::spawn(move || {
        for input in inputs {
            let ok = catch_unwind(AssertUnwindSafe(|| target(&input))).is_ok();
            if to_harness.send(ok).is_err() {
                break;
            }
        }
    });
    let run = |input: &[u8]| {
        to_worker.send(input.to_vec()).unwrap();
        let outcome = match outcomes.recv_timeout(SLOW_INPUT) {
            Ok(true) => return,
            Ok(false) => "panicked",
            Err(_) => "took longer than 20 s",
        };
        let dir = root().join("target/fuzz-smoke");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{name}-crash"));
        std::fs::write(&file, input).unwrap();
        panic!(
            "fuzz target {name} {outcome} (seed {seed}); input saved to {}: {:?}",
            file.display(),
            String::from_utf8_lossy(&input[..input.len().min(200)])
        );
    };
    let mut count = 0;
    for input in seeds.iter().chain(&saved) {
        run(input);
        count += 1;
    }
    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let input = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())];
        run(&mutate(&mut rng, input, other, max_len));
        count += 1;
    }
    println!(
        "{name}: {count} inputs ({} seeds, {} saved) in {seconds} s, seed {seed}",
        seeds.len(),
        saved.len()
    );
    count
}

/// The seed reports' text files.
fn seed_reports() -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn with_first_byte(first: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    out.extend_from_slice(bytes);
    out
}

#[test]
fn fuzz_smoke_clean() {
    let mut seeds = seed_reports();
    // Lines of every kind the cleaner knows, one input each.
    for text in seed_reports() {
        let text = String::from_utf8(text).unwrap();
        seeds.extend(text.lines().take(40).map(|l| l.as_bytes().to_vec()));
    }
    assert!(smoke("clean", seeds, 20_000, targets::clean_text) > 100);
}

#[test]
fn fuzz_smoke_amounts() {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for text in seed_reports() {
        let text = String::from_utf8(text).unwrap();
        seeds.extend(
            text.lines()
                .filter(|l| l.contains('元'))
                .map(|l| l.as_bytes().to_vec()),
        );
    }
    for s in [
        "3.8亿元",
        "4725万元",
        "60 余万元",
        "300万至500万元",
        "１２．５万元",
        "1,200万元",
    ] {
        seeds.push(s.as_bytes().to_vec());
    }
    assert!(smoke("amounts", seeds, 4096, targets::money) > 100);
}

#[test]
fn fuzz_smoke_query() {
    targets::warm_up();
    let seeds: Vec<Vec<u8>> = [
        "\u{0}援藏 医疗",
        "\u{1}\"组团式医疗\" -教育 OR 卫生",
        "\u{82}region:日喀则 year:2020 饮用水检测\u{1}西藏自治区/日喀则市\u{1}山东省",
        "\u{5}援藏资金3.8亿元\u{1}\u{1}\u{1}医疗卫生\u{1}2020",
        "\u{80}“电商扶贫” 「科技」 (a) * ~ ^ +x -",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    assert!(smoke("query", seeds, 1024, targets::query) > 20);
    println!(
        "query: known panics met (counted, not failed): {}",
        targets::KNOWN_PANICS_MET.load(std::sync::atomic::Ordering::Relaxed)
    );
}

#[test]
fn fuzz_smoke_extract() {
    let mut seeds: Vec<Vec<u8>> = seed_reports()
        .iter()
        .map(|text| with_first_byte(0, text))
        .collect();
    seeds.push(with_first_byte(1, "# 标题\n\n正文段落。\n".as_bytes()));
    seeds.push(with_first_byte(
        2,
        "<html><head><title>标题</title></head><body><h1>援藏</h1><p>段落&amp;<br>文字</p></body></html>"
            .as_bytes(),
    ));
    let fixtures = root().join("tests/fixtures/formats");
    for (first, name) in [(3, "report.docx"), (4, "report.pdf"), (4, "scan.pdf")] {
        let bytes = std::fs::read(fixtures.join(name)).unwrap();
        seeds.push(with_first_byte(first, &bytes));
    }
    assert!(Path::new(&fixtures).is_dir());
    assert!(smoke("extract", seeds, 65_536, targets::formats) > 20);
}

#[test]
fn fuzz_smoke_pdf_nesting() {
    let seeds = vec![
        b"\x00\x02\x04\x03\x03".to_vec(),
        vec![0; 2_000],
        vec![2; 2_000],
        vec![0x07, 0xff, 0xff, 0xff, 0xff, 0x01],
        b"\x05\x06\x00\x05\x03\x02\x06\x03".to_vec(),
    ];
    assert!(smoke("pdf_nesting", seeds, 65_536, targets::pdf_nesting) > 5);
}

#[test]
fn fuzz_smoke_pdf_inflation() {
    let seeds = vec![
        vec![0],
        vec![2],
        vec![3, 200, 4],
        vec![1, 1, 5, 2],
        b"\x05\x04\x00".to_vec(),
        // A page of text, and one past the page's content limit beside it.
        vec![6, 0, 6],
        vec![7, 6],
    ];
    assert!(smoke("pdf_inflation", seeds, 16, targets::pdf_inflation) > 5);
}
