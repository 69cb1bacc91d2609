//! Shared helpers for integration tests: an index of the seed corpus built
//! once per test binary in a temp dir, the aid subcorpus of `../shared`
//! (`aid`), in-process requests through the router (no socket), and
//! generated PDFs.
#![allow(dead_code)]

pub mod aid;
pub mod eval;
pub mod fragments;
pub mod paragraphs;
#[allow(unused_imports)] // not every test binary scans paragraphs
pub use paragraphs::{stored_paragraphs, StoredParagraph};
pub mod restricted;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aidsearch::index::build::reindex;
use aidsearch::search::{Engine, LiveEngine};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The project's seed corpus.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

struct Seed {
    _dir: tempfile::TempDir,
    root: PathBuf,
    live: Arc<LiveEngine>,
}

fn seed() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("index");
        reindex(&corpus_dir(), &root).expect("seed corpus indexes");
        let live = Arc::new(LiveEngine::open(&root).expect("index opens"));
        Seed {
            _dir: dir,
            root,
            live,
        }
    })
}

/// The seed index's live engine.
pub fn live() -> Arc<LiveEngine> {
    seed().live.clone()
}

/// The current engine of the seed index.
pub fn engine() -> Arc<Engine> {
    seed().live.get()
}

/// The index root of the seed index.
pub fn index_root() -> PathBuf {
    seed().root.clone()
}

/// The application over the seed index.
pub fn app() -> Router {
    aidsearch::web::app(aidsearch::web::AppState::new(live()))
}

/// Send one request through the router.
pub async fn send(
    app: Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app.oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

/// GET a path; returns status and body text.
pub async fn get(uri: &str) -> (StatusCode, String) {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let (status, _, body) = send(app(), request).await;
    (status, String::from_utf8(body).expect("utf-8 body"))
}

/// GET a path and parse JSON.
pub async fn get_json(uri: &str) -> (StatusCode, serde_json::Value) {
    let (status, body) = get(uri).await;
    let value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri} gave non-JSON ({e}): {body}"));
    (status, value)
}

/// Percent-encode a query value.
pub fn enc(value: &str) -> String {
    aidsearch::web::params::encode(value)
}

/// Paragraphs of the live generation of an index root.
pub fn live_paragraphs(root: &Path) -> u64 {
    aidsearch::index::Generation::open(root)
        .expect("index opens")
        .num_docs()
}

/// A PDF of one page per content in `pages` (each deflated into one
/// stream, drawn with Helvetica), with its cross-reference table; `extra`
/// is written into the catalog.
pub fn pdf_of_pages(extra: &[u8], pages: &[Vec<u8>]) -> Vec<u8> {
    use std::io::Write;
    let n = pages.len();
    let mut catalog = b"<< /Type /Catalog /Pages 2 0 R ".to_vec();
    catalog.extend_from_slice(extra);
    catalog.extend_from_slice(b" >>");
    let mut objects = vec![
        catalog,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n} >>",
            (0..n)
                .map(|k| format!("{} 0 R", k + 4))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for k in 0..n {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                n + k + 4
            )
            .into_bytes(),
        );
    }
    for content in pages {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(content).unwrap();
        let data = encoder.finish().unwrap();
        let mut stream = format!(
            "<< /Filter /FlateDecode /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        stream.extend_from_slice(&data);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    pdf_of_objects(&objects)
}

/// A PDF of `objects` (numbered from 1; the first is the catalog), with its
/// cross-reference table.
pub fn pdf_of_objects(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (k, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", k + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
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
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
