//! A seed corpus with restricted reports, and indexes of what each viewer
//! may read, for the access tests (`tests/access.rs`) and the property
//! that every count a restricted viewer sees is the count over the reports
//! it may read (`tests/properties.rs`):
//! - `2020-zibo-aid-team-ngamring` is restricted by its sidecar to 扶贫办;
//! - `internal/2022-chongqing-aid-cadres-chamdo` by its folder's
//!   `_access.toml` to 领导;
//! - the other three reports are open.
//!
//! Mining is off in all of them: a mined vocabulary is of one corpus, and
//! the oracles' corpora differ by design. They share a data folder: the
//! project's dictionary and synonyms, plus `毕宝峰 ~ 毕宝锋` (a misspelling
//! whose related term only the restricted report holds), so widening a
//! failing word and "did you mean" have something to leak.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aidsearch::index::build::{reindex_with_options, ReindexOptions};
use aidsearch::search::LiveEngine;

/// The report only 扶贫办 may read.
pub const FUPIN_REPORT: &str = "2020-zibo-aid-team-ngamring";
/// The report only 领导 may read.
pub const LEADERS_REPORT: &str = "internal-2022-chongqing-aid-cadres-chamdo";

pub struct Restricted {
    _dir: tempfile::TempDir,
    /// The whole corpus, restrictions and all.
    pub root: PathBuf,
    pub live: Arc<LiveEngine>,
    /// Only the open reports.
    pub open_only: Arc<LiveEngine>,
    /// The open reports and 扶贫办's.
    pub fupin_only: Arc<LiveEngine>,
}

fn copy_seed(to: &Path, with_fupin: bool, with_leaders: bool, restricted: bool) {
    let seed = super::corpus_dir();
    std::fs::create_dir_all(to.join("internal")).unwrap();
    for entry in std::fs::read_dir(&seed).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let stem = name.split('.').next().unwrap().to_string();
        let (folder, keep) = match stem.as_str() {
            "2020-zibo-aid-team-ngamring" => (to.to_path_buf(), with_fupin),
            "2022-chongqing-aid-cadres-chamdo" => (to.join("internal"), with_leaders),
            _ => (to.to_path_buf(), true),
        };
        if !keep {
            continue;
        }
        let mut bytes = std::fs::read(&path).unwrap();
        if restricted && name == "2020-zibo-aid-team-ngamring.toml" {
            bytes.extend_from_slice("\naccess = [\"扶贫办\"]\n".as_bytes());
        }
        std::fs::write(folder.join(&name), bytes).unwrap();
    }
    if restricted {
        std::fs::write(to.join("internal/_access.toml"), "access = [\"领导\"]\n").unwrap();
    }
}

/// The project's dictionary and synonyms, with the misspelling.
fn data_folder(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut dict = std::fs::read_to_string(project.join("dict.txt")).unwrap();
    dict.push_str("\n毕宝峰\n毕宝锋\n");
    std::fs::write(data.join("dict.txt"), dict).unwrap();
    let mut synonyms = std::fs::read_to_string(project.join("synonyms.txt")).unwrap();
    synonyms.push_str("\n毕宝峰 ~ 毕宝锋\n");
    std::fs::write(data.join("synonyms.txt"), synonyms).unwrap();
    data
}

fn build(
    dir: &Path,
    name: &str,
    with_fupin: bool,
    with_leaders: bool,
    restricted: bool,
) -> PathBuf {
    let corpus = dir.join(format!("{name}-corpus"));
    let root = dir.join(format!("{name}-index"));
    copy_seed(&corpus, with_fupin, with_leaders, restricted);
    let options = ReindexOptions {
        mine: false,
        data: Some(dir.join("data")),
        ..ReindexOptions::default()
    };
    reindex_with_options(&corpus, &root, options, &|_| {}).expect("restricted corpus indexes");
    root
}

/// The indexes, built once per test binary.
pub fn restricted() -> &'static Restricted {
    static INDEXES: OnceLock<Restricted> = OnceLock::new();
    INDEXES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        data_folder(dir.path());
        let root = build(dir.path(), "all", true, true, true);
        let open = build(dir.path(), "open", false, false, false);
        let fupin = build(dir.path(), "fupin", true, false, false);
        let open_live = |root: &Path| Arc::new(LiveEngine::open(root).unwrap());
        Restricted {
            live: open_live(&root),
            open_only: open_live(&open),
            fupin_only: open_live(&fupin),
            root,
            _dir: dir,
        }
    })
}
