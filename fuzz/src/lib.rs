//! The bodies of aidsearch's fuzz targets, shared by the cargo-fuzz binaries
//! (`fuzz_targets/*.rs`, coverage-guided by libFuzzer) and by the bounded
//! smoke run in `cargo test` (`tests/fuzz_smoke.rs` in the root crate, which
//! includes this file by path). Each function must not panic, whatever the
//! bytes; a panic is a bug.
//!
//! Two targets also assert documented contracts: `clean_line` is idempotent,
//! and every amount of money is a finite, non-negative number of yuan.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aidsearch::corpus::clean::{clean, clean_line};
use aidsearch::corpus::formats::extract;
use aidsearch::index::build::reindex;
use aidsearch::labels::funding::{amounts, funding};
use aidsearch::search::Engine;
use aidsearch::search::{self, query::parse, SearchRequest, Sort};

/// Panics already found, reported and recorded as ignored regression tests,
/// but not fixed yet: (a fragment of the panic message, what it is). A
/// target that meets one counts it in [`KNOWN_PANICS_MET`] and goes on, so
/// fuzzing can look for new bugs past it; any other panic is a crash.
///
/// Empty since 92c6159 fixed the one found (a query whose only clause is an
/// excluded phrase tripped tantivy#2811's debug assertion); its inputs are in
/// `fuzz/regressions/query/`.
pub const KNOWN_PANICS: [(&str, &str); 0] = [];

/// How many times a target met one of the [`KNOWN_PANICS`].
pub static KNOWN_PANICS_MET: AtomicUsize = AtomicUsize::new(0);

/// The known panic a message belongs to, if any.
pub fn known_panic(message: &str) -> Option<&'static str> {
    KNOWN_PANICS
        .iter()
        .find(|(fragment, _)| message.contains(fragment))
        .map(|(_, what)| *what)
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("")
}

/// Run `f`, letting only a known panic pass (counted).
fn tolerating_known_panics<T>(f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(payload) if known_panic(panic_message(&*payload)).is_some() => {
            KNOWN_PANICS_MET.fetch_add(1, Ordering::Relaxed);
            None
        }
        Err(payload) => resume_unwind(payload),
    }
}

/// A panic hook for libFuzzer targets that lets known panics unwind to
/// [`tolerating_known_panics`] and aborts on any other, as libfuzzer-sys's own
/// hook does, after printing it.
pub fn abort_on_unknown_panics() {
    std::panic::set_hook(Box::new(|info| {
        if known_panic(panic_message(info.payload())).is_some() {
            return;
        }
        eprintln!("{info}");
        eprintln!("{}", std::backtrace::Backtrace::force_capture());
        std::process::abort();
    }));
}

/// Text cleaning: every line through `clean_line` (twice, as the cleaner
/// re-cleans joined lines), the whole text through `clean`, and each
/// article's paragraphs and bylines; `clean_line` must be idempotent.
pub fn clean_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let once = clean_line(line);
        let twice = clean_line(&once);
        assert_eq!(once, twice, "clean_line is not idempotent on {line:?}");
    }
    for article in clean(&text) {
        let _ = article.paragraphs();
        let _ = article.bylines();
    }
}

/// Amount parsing: `amounts` (every sum of yuan) and `funding` (the sums
/// that are money put into the work); every amount must be a finite,
/// non-negative number of yuan.
pub fn money(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let all = amounts(text);
    let put_in = funding(text);
    for amount in all.iter().chain(&put_in) {
        assert!(
            amount.yuan.is_finite() && amount.yuan >= 0.0,
            "amount {} from {:?}",
            amount.yuan,
            amount.surface
        );
    }
}

/// Extensions the corpus walk meets, and some it should refuse.
pub const EXTENSIONS: [&str; 10] = [
    "txt", "md", "html", "docx", "pdf", "htm", "zip", "doc", "png", "",
];

/// Format extraction: the first byte picks the file extension (an index
/// into [`EXTENSIONS`]), which steers format detection; the rest is the
/// file. Extracted text then goes through the cleaner, as ingestion does.
///
/// `extract` catches pdf-extract's panics itself; callers under libFuzzer
/// must install a silent panic hook, or libFuzzer's own hook aborts on
/// those caught panics too.
pub fn formats(data: &[u8]) {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let ext = EXTENSIONS[usize::from(first) % EXTENSIONS.len()];
    let path = PathBuf::from(format!("fuzz.{ext}"));
    if let Ok(extracted) = extract(&path, bytes) {
        for article in clean(&extracted.text) {
            let _ = article.paragraphs();
        }
    }
}

struct Seed {
    _dir: tempfile::TempDir,
    engine: Engine,
}

/// The project's seed corpus: `corpus/` of the root crate, seen from this
/// crate (`fuzz/`) or from the root crate's tests, which include this file.
fn seed_corpus() -> PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    ["corpus", "../corpus"]
        .iter()
        .map(|p| here.join(p))
        .find(|p| p.join("2020-zibo-aid-team-ngamring.txt").is_file())
        .expect("the seed corpus is beside the fuzz crate")
}

/// An index of the seed corpus, built once per process.
fn seed() -> &'static Engine {
    static SEED: OnceLock<Seed> = OnceLock::new();
    &SEED
        .get_or_init(|| {
            let corpus = seed_corpus();
            let dir = tempfile::tempdir().expect("temp dir");
            let root = dir.path().join("index");
            reindex(&corpus, &root).expect("the seed corpus indexes");
            let engine = Engine::open(&root).expect("the seed index opens");
            Seed { _dir: dir, engine }
        })
        .engine
}

/// Build the seed index now rather than inside the first input.
pub fn warm_up() {
    seed();
}

/// Query parsing and searching. The first byte picks sort and page (and,
/// with its high bit, a report-page highlight); the rest, split on U+0001,
/// is the query `q` and then facet filters in turn (region, donor, sector,
/// year). `parse` sees the raw text; `search` runs the whole request on the
/// seed index, and `report` highlights `q` in a seed report. A known panic
/// ([`KNOWN_PANICS`]) is counted, not raised.
pub fn query(data: &[u8]) {
    let Some((&options, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = parse(text);
    let mut parts = text.split('\u{1}');
    let q = parts.next().unwrap_or_default().to_string();
    let mut request = SearchRequest {
        q: q.clone(),
        sort: [Sort::Relevance, Sort::Date, Sort::Funding][usize::from(options % 3)],
        page: usize::from(options / 3 % 3) + 1,
        per_page: 10,
        ..Default::default()
    };
    for (i, value) in parts.enumerate() {
        let facet = match i % 4 {
            0 => &mut request.region,
            1 => &mut request.donor,
            2 => &mut request.sector,
            _ => &mut request.year,
        };
        facet.push(value.to_string());
    }
    let engine = seed();
    tolerating_known_panics(|| search::search(engine, &request));
    if options & 0x80 != 0 {
        tolerating_known_panics(|| {
            search::report(
                engine,
                "2020-zibo-aid-team-ngamring",
                &q,
                search::Deadline::NEVER,
                &search::Scope::Everything,
            )
        });
    }
}

/// PDF structure: the bytes drive a generator of a small, well-formed PDF
/// (catalog, page tree, xref table) whose catalog holds a `/Nest` value
/// built from them: each byte opens an array or a dictionary, closes one,
/// or adds a number, a literal string with brackets in it, a comment full of
/// brackets, or a run of up to 255 `[`; what is open at the end stays open
/// when the last byte is odd. The PDF goes through `extract`, which must
/// refuse nesting deeper than its parser can take rather than overflow the
/// stack (an abort no `catch_unwind` stops).
pub fn pdf_nesting(data: &[u8]) {
    let mut nest = Vec::new();
    let mut open: Vec<&[u8]> = Vec::new();
    for &b in data {
        match b % 8 {
            0 | 1 => {
                nest.extend_from_slice(b"[");
                open.push(b"]");
            }
            2 => {
                nest.extend_from_slice(b"<< /K ");
                open.push(b">>");
            }
            3 => {
                if let Some(close) = open.pop() {
                    nest.extend_from_slice(close);
                    nest.push(b' ');
                }
            }
            4 => nest.extend_from_slice(format!(" {b} ").as_bytes()),
            5 => nest.extend_from_slice(b" (a[b<<c\\) (d) ) "),
            6 => nest.extend_from_slice(b" % [[[ <<\n"),
            _ => {
                for _ in 0..b {
                    nest.push(b'[');
                    open.push(b"]");
                }
            }
        }
    }
    if data.last().is_none_or(|b| b % 2 == 0) {
        while let Some(close) = open.pop() {
            nest.extend_from_slice(close);
        }
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let first = pdf.len();
    pdf.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Nest [");
    pdf.extend_from_slice(&nest);
    pdf.extend_from_slice(b" 0] >>\nendobj\n");
    let second = pdf.len();
    pdf.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n0 3\n0000000000 65535 f \n{first:010} 00000 n \n{second:010} 00000 n \n\
             trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    let _ = extract(&PathBuf::from("fuzz.pdf"), &pdf);
}

/// A zlib stream of `megabytes` MB of zeros, built once per size: a few
/// hundred KB that inflate far past `MAX_PDF_INFLATED_BYTES`.
fn zeros_stream(megabytes: usize) -> &'static [u8] {
    use std::io::Write;
    static STREAMS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let streams = STREAMS.get_or_init(|| {
        [1, 64, 300]
            .iter()
            .map(|&mb| {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                let zeros = vec![0u8; 1 << 20];
                for _ in 0..mb {
                    encoder.write_all(&zeros).unwrap();
                }
                encoder.finish().unwrap()
            })
            .collect()
    });
    &streams[[1, 64, 300]
        .iter()
        .position(|&m| m == megabytes)
        .unwrap_or(0)]
}

/// A zlib stream of about `kib` KiB of text-showing operators (`BT … Tj
/// ET`), built once per size: page content that pdf-extract turns into
/// operations at many times its size.
fn text_stream(kib: usize) -> &'static [u8] {
    use std::io::Write;
    static STREAMS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let streams = STREAMS.get_or_init(|| {
        [16, 3 * 1024]
            .iter()
            .map(|&kib| {
                let line = b"BT /F1 12 Tf 10 10 Td (aid) Tj ET\n";
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                encoder
                    .write_all(&line.repeat(kib * 1024 / line.len()))
                    .unwrap();
                encoder.finish().unwrap()
            })
            .collect()
    });
    &streams[usize::from(kib != 16)]
}

/// PDF streams that inflate, cut and mixed by the input: each byte adds a
/// stream of 1, 64 or 300 MB of zeros (whole, or cut short by the next
/// bytes), a stream of the input's own bytes, 16 KiB or 3 MiB of text
/// operators, or noise between objects; one page draws them all, so that
/// lopdf loads the file and pdf-extract reads the page. `extract` must
/// refuse what inflates past its limits, skip a page past its content
/// limit, and read or refuse the rest, in bounded memory, never panicking
/// past its own guard.
pub fn pdf_inflation(data: &[u8]) {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let mut bytes = data.iter().copied();
    while let Some(b) = bytes.next() {
        let body: Vec<u8> = match b % 8 {
            0 => zeros_stream(1).to_vec(),
            1 => zeros_stream(64).to_vec(),
            2 => zeros_stream(300).to_vec(),
            3 => {
                let cut = usize::from(bytes.next().unwrap_or(0)) * 1024;
                let whole = zeros_stream(300);
                whole[..cut.min(whole.len())].to_vec()
            }
            4 => data.to_vec(),
            6 => text_stream(16).to_vec(),
            7 => text_stream(3 * 1024).to_vec(),
            _ => {
                pdf.extend_from_slice(b"% noise ( << [ \n");
                continue;
            }
        };
        offsets.push(pdf.len());
        pdf.extend_from_slice(
            format!(
                "{} 0 obj\n<< /Filter /FlateDecode /Length {} >>\nstream\n",
                offsets.len(),
                body.len()
            )
            .as_bytes(),
        );
        pdf.extend_from_slice(&body);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
    }
    // A catalog, a page tree of one page drawing every stream, its font.
    let streams = offsets.len();
    let contents: Vec<String> = (1..=streams).map(|k| format!("{k} 0 R")).collect();
    for object in [
        format!("<< /Type /Catalog /Pages {} 0 R >>", streams + 2),
        format!("<< /Type /Pages /Kids [{} 0 R] /Count 1 >>", streams + 3),
        format!(
            "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 600 800] /Contents [{}] \
             /Resources << /Font << /F1 {} 0 R >> >> >>",
            streams + 2,
            contents.join(" "),
            streams + 4
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ] {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", offsets.len()).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for offset in &offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1,
            streams + 1
        )
        .as_bytes(),
    );
    let _ = extract(&PathBuf::from("fuzz.pdf"), &pdf);
}
