//! The audit log: one JSON line per sign-in, failed sign-in, use of an API
//! key and export (when, what, who, from where, the query, how many rows),
//! in its own file (`audit.log` in the index folder unless the access file
//! names another), apart from the request log, and rotated as the zero-hit
//! log is.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Default file name, in the index folder.
pub const FILE: &str = "audit.log";
/// Longest query text recorded (characters).
const MAX_TEXT_CHARS: usize = 300;

/// An append-only, rotating audit log.
pub struct AuditLog {
    path: PathBuf,
    lock: Mutex<()>,
}

/// One event.
#[derive(Debug, Default, serde::Serialize)]
pub struct Event<'a> {
    /// `sign_in`, `sign_in_failed`, `sign_in_throttled`, `sign_out`,
    /// `key_use`, `key_refused`, `export`.
    pub event: &'a str,
    /// `user:NAME`, `key:NAME`, or the name tried.
    pub who: String,
    pub address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> AuditLog {
        AuditLog {
            path,
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record an event. Texts are cut and serialized as JSON, so no
    /// client text can forge a line; a failure to write is logged.
    pub fn record(&self, event: Event<'_>) {
        let clip = |text: String| -> String { text.chars().take(MAX_TEXT_CHARS).collect() };
        let event = Event {
            who: clip(event.who),
            path: clip(event.path),
            query: clip(event.query),
            ..event
        };
        let mut line = serde_json::json!({ "time": crate::utc::iso(crate::utc::now_seconds()) });
        if let (Some(object), Ok(serde_json::Value::Object(fields))) =
            (line.as_object_mut(), serde_json::to_value(&event))
        {
            object.extend(fields);
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = super::zero_hits::append_rotating(&self.path, &line.to_string()) {
            tracing::warn!(target: "aidsearch", error = %e, path = %self.path.display(), "audit log not written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_json_line_per_event() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join(FILE));
        log.record(Event {
            event: "export",
            who: "user:张三".into(),
            address: "10.0.0.1".into(),
            query: "援藏\n{\"forged\":1}".into(),
            rows: Some(12),
            ..Default::default()
        });
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 1);
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["who"], "user:张三");
        assert_eq!(line["rows"], 12);
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }
}
