//! The aid subcorpus of `../shared` (`eval/README.md`): its corpus folder,
//! made by `make_aid_subcorpus.py`, and an index of it built with the
//! library's `reindex`. Both live under cargo's `target/tmp` and are reused
//! from one run to the next while they are still right: the corpus while its
//! manifest names the expected JSON Lines, the index while the library's
//! source, lock file and `data/` are the ones it was built from.
//!
//! Without `../shared` a test that needs it is skipped with a message, and
//! fails under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use aidsearch::index::build::{reindex_with_options, ReindexOptions};

/// SHA-256 of the subcorpus's JSON Lines, from `eval/README.md`.
pub const JSONL_SHA256: &str = "7ef665c12742a966bf239a3527ae9540f6e80bce596e9f35d0dc0f1eef8e3477";

/// The shared folder: `$AIDSEARCH_SHARED`, else `../shared`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("AIDSEARCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// Data a test needs is missing: skip it with `message`, or fail under
/// `CI=true`, where the data must be there.
pub fn missing<T>(message: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    println!("skipped: {message}");
    None
}

/// The aid subcorpus: its corpus folder and an index root whose live
/// generation holds it.
#[derive(Debug, Clone)]
pub struct AidIndex {
    pub corpus: PathBuf,
    pub root: PathBuf,
}

/// The aid subcorpus index, built on first use (a few seconds) or reused;
/// `None` after a skip message when `../shared` lacks the scale corpus or
/// the script.
pub fn index() -> Option<AidIndex> {
    static INDEX: OnceLock<Option<AidIndex>> = OnceLock::new();
    INDEX.get_or_init(build).clone()
}

fn build() -> Option<AidIndex> {
    let shared = shared_dir();
    let script = shared.join("eval/make_aid_subcorpus.py");
    let has_corpus = std::fs::read_dir(shared.join("scale-corpus"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".jsonl.gz"));
    if !script.is_file() || !has_corpus {
        return missing(&format!(
            "no aid subcorpus source: {} and {}/scale-corpus/*.jsonl.gz are needed \
             (set AIDSEARCH_SHARED or check out ../shared)",
            script.display(),
            shared.display()
        ));
    }
    // Examples (the ranking fitter) get no CARGO_TARGET_TMPDIR: the same folder.
    let tmp = &option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp"));
    std::fs::create_dir_all(tmp).expect("target/tmp");
    // Test binaries run one after another, but two `cargo test` runs may
    // not: one builds, the other waits and then reuses.
    let lock = std::fs::File::create(tmp.join("aid-subcorpus.lock")).expect("lock file");
    lock.lock().expect("lock");
    let dir = tmp.join("aid-subcorpus");
    let corpus = dir.join("corpus");
    if manifest_sha(&dir).as_deref() != Some(JSONL_SHA256) {
        let status = match Command::new("python3").arg(&script).arg(&dir).status() {
            Ok(status) => status,
            Err(e) => return missing(&format!("python3 does not run ({e})")),
        };
        assert!(status.success(), "{} failed: {status}", script.display());
        assert_eq!(
            manifest_sha(&dir).as_deref(),
            Some(JSONL_SHA256),
            "the aid subcorpus in {} is not the expected one",
            dir.display()
        );
    }
    // One index for every test binary and the fitting example: they link the
    // same library, so the index depends only on the library's source, the
    // lock file and `data/`. (An index per binary, keyed by the binary's own
    // stamp, was built four times in a cold CI run, two minutes each.)
    let root = tmp.join("aid-index");
    // "mined": indexes built before the tests mined are rebuilt.
    let key = format!("{}\n{JSONL_SHA256}\nmined", library_fingerprint());
    let key_file = root.join("KEY");
    let reusable = std::fs::read_to_string(&key_file).is_ok_and(|k| k == key)
        && aidsearch::index::Generation::open(&root).is_ok();
    if !reusable {
        let _ = std::fs::remove_dir_all(&root);
        // With mining, as `serve` and `reindex` do: a sentence that finds
        // nothing in its own words is searched with its words' mined
        // neighbours (own queries o01-o03). It costs a debug build about two
        // minutes on this corpus, once per key.
        reindex_with_options(&corpus, &root, ReindexOptions::default(), &|_| {})
            .expect("the aid subcorpus indexes");
        std::fs::write(&key_file, &key).expect("key file");
    }
    Some(AidIndex { corpus, root })
}

/// The JSON Lines SHA-256 the manifest in `dir` names, if any.
fn manifest_sha(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest["jsonl_sha256"].as_str().map(str::to_string)
}

/// SHA-256 over the files an index of the subcorpus depends on: the
/// library's source, the manifest, the lock file and `data/` (read at
/// reindex time). Editing the source between building a test binary and
/// running it would mislabel the index; `cargo test` builds first.
fn library_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for top in ["src", "data"] {
        collect_files(&project.join(top), &mut files);
    }
    files.push(project.join("Cargo.toml"));
    files.push(project.join("Cargo.lock"));
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(project).unwrap_or(&file);
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        let bytes = std::fs::read(&file).unwrap_or_default();
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}
