//! The record of queries that found nothing, which `aidsearch synonyms
//! suggest` reads to propose words staff may add. One line per query: the
//! UTC time and the query text, nothing else about the request or the
//! person. The file is rotated at [`MAX_BYTES`] (the full one becomes
//! `<name>.1`, replacing the older one), so it stays small.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Default file name, in the index folder.
pub const FILE: &str = "zero-hits.log";
/// Size at which the log is rotated.
pub const MAX_BYTES: u64 = 256 * 1024;
/// Longest query text recorded (characters).
const MAX_QUERY_CHARS: usize = 200;

/// An append-only, rotating log of zero-hit queries.
pub struct ZeroHitLog {
    path: PathBuf,
    lock: Mutex<()>,
}

impl ZeroHitLog {
    pub fn new(path: PathBuf) -> ZeroHitLog {
        ZeroHitLog {
            path,
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record one query. A failure to write is logged, never an error for
    /// the search that found nothing.
    pub fn record(&self, query: &str) {
        let query: String = query
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_QUERY_CHARS)
            .collect();
        let query = query.trim();
        if query.is_empty() {
            return;
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let line = format!("{}\t{query}", crate::utc::iso(crate::utc::now_seconds()));
        if let Err(e) = append_rotating(&self.path, &line) {
            tracing::warn!(target: "aidsearch", error = %e, path = %self.path.display(), "zero-hit log not written");
        }
    }
}

/// Append one line to a log, first rotating it (to `<name>.1`, replacing
/// the older one) when it has reached [`MAX_BYTES`]. The caller holds the
/// log's lock.
pub(crate) fn append_rotating(path: &Path, line: &str) -> std::io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.len() >= MAX_BYTES) {
        fs::rename(path, rotated(path))?;
    }
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{line}")
}

/// The rotated file of a log.
fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// The queries of a log and its rotated file, oldest first.
pub fn read_queries(path: &Path) -> Vec<String> {
    [rotated(path), path.to_path_buf()]
        .iter()
        .filter_map(|p| fs::read_to_string(p).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.split_once('\t').map(|(_, q)| q.trim().to_string()))
                .filter(|q| !q.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_recorded_rotated_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = ZeroHitLog::new(dir.path().join(FILE));
        log.record("援青\n干部");
        log.record("   ");
        let queries = read_queries(log.path());
        assert_eq!(queries, vec!["援青 干部"]);
        let line = fs::read_to_string(log.path()).unwrap();
        assert!(line.starts_with("20") && line.contains('T'), "{line}");
        // Past the size limit the file rotates and stays bounded.
        let long = "字".repeat(MAX_QUERY_CHARS);
        for _ in 0..(MAX_BYTES as usize / 600 + 2) {
            log.record(&long);
        }
        assert!(rotated(log.path()).is_file());
        assert!(fs::metadata(log.path()).unwrap().len() < MAX_BYTES);
        assert!(read_queries(log.path()).len() > 2);
    }
}
