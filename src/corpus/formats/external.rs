//! External programs a format is read with (catdoc for `.doc`, pdftoppm and
//! tesseract for scans): called as processes, never linked, so the default
//! build needs no C library.
//!
//! Every call is bounded: arguments are passed as a list (never a shell
//! string), input files are our own temporary files with absolute paths (a
//! path never starts with `-`, so no tool takes it for an option), the
//! child is killed when its time is up, and at most a fixed number of bytes
//! of its output is kept. A missing program names the Debian package that
//! installs it. Each program's path may be set by an environment variable
//! (`AIDSEARCH_CATDOC`, `AIDSEARCH_PDFTOPPM`, `AIDSEARCH_TESSERACT`).

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One external program and what installs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tool {
    /// The program's name on `PATH`.
    pub program: &'static str,
    /// The environment variable that gives its path instead.
    pub env: &'static str,
    /// The Debian package that installs it.
    pub package: &'static str,
}

/// Word 97–2003 (and Word-compatible WPS) documents to text.
pub const CATDOC: Tool = Tool {
    program: "catdoc",
    env: "AIDSEARCH_CATDOC",
    package: "catdoc",
};

/// PDF pages to images, for OCR.
pub const PDFTOPPM: Tool = Tool {
    program: "pdftoppm",
    env: "AIDSEARCH_PDFTOPPM",
    package: "poppler-utils",
};

/// Images to text.
pub const TESSERACT: Tool = Tool {
    program: "tesseract",
    env: "AIDSEARCH_TESSERACT",
    package: "tesseract-ocr",
};

impl Tool {
    /// The program to run: the environment variable's path, else the name.
    pub fn path(self) -> OsString {
        std::env::var_os(self.env)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| self.program.into())
    }
}

/// Why a program gave no output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("{program} is not installed (install the Debian package {package})")]
    Missing {
        program: &'static str,
        package: &'static str,
    },
    #[error("{0} took longer than its {1} s budget")]
    TimedOut(&'static str, u64),
    #[error("{0} failed: {1}")]
    Failed(&'static str, String),
    #[error("{0} wrote more than {1} MiB")]
    TooMuchOutput(&'static str, usize),
}

/// Run `tool` with `args` for at most `budget`, keeping at most `max_output`
/// bytes of what it writes to stdout. The child is killed when the budget
/// is spent or its output passes the bound.
pub fn run(
    tool: Tool,
    args: &[OsString],
    budget: Duration,
    max_output: usize,
) -> Result<Vec<u8>, RunError> {
    let started = Instant::now();
    let mut child = Command::new(tool.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // tesseract's OpenMP threads would compete with the reindex's own.
        .env("OMP_THREAD_LIMIT", "1")
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                RunError::Missing {
                    program: tool.program,
                    package: tool.package,
                }
            }
            _ => RunError::Failed(tool.program, e.to_string()),
        })?;
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.take(max_output as u64 + 1).read_to_end(&mut out);
        out
    });
    let errors = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stderr.take(4096).read_to_end(&mut out);
        out
    });
    let deadline = started + budget;
    let mut reader = Some(reader);
    let mut output = None;
    let status = loop {
        // Output past the bound ends the run at once: the child would
        // otherwise block on a full pipe until its time is up.
        if let Some(done) = reader.take_if(|r| r.is_finished()) {
            let out = done.join().unwrap_or_default();
            if out.len() > max_output {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::TooMuchOutput(tool.program, max_output >> 20));
            }
            output = Some(out);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::TimedOut(tool.program, budget.as_secs()));
            }
        }
    };
    let out = match (output, reader) {
        (Some(out), _) => out,
        (None, Some(reader)) => reader.join().unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    if out.len() > max_output {
        return Err(RunError::TooMuchOutput(tool.program, max_output >> 20));
    }
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        let message = String::from_utf8_lossy(&errors);
        let first = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(RunError::Failed(
            tool.program,
            format!("{status}: {}", super::reason(first)),
        ));
    }
    Ok(out)
}

/// A temporary folder for one file's reading, holding `bytes` as `name`;
/// removed when dropped. The returned path is absolute.
pub fn scratch(name: &str, bytes: &[u8]) -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix("aidsearch-read-")
        .tempdir()?;
    let path = std::path::absolute(dir.path().join(name))?;
    std::fs::write(&path, bytes)?;
    Ok((dir, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: Tool = Tool {
        program: "sh",
        env: "AIDSEARCH_TEST_SH",
        package: "dash",
    };

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_missing_program_names_its_package() {
        let missing = Tool {
            program: "aidsearch-no-such-program",
            env: "AIDSEARCH_TEST_MISSING",
            package: "no-such-package",
        };
        let e = run(missing, &[], Duration::from_secs(5), 1024).unwrap_err();
        assert_eq!(
            e.to_string(),
            "aidsearch-no-such-program is not installed (install the Debian package no-such-package)"
        );
    }

    #[test]
    fn a_slow_program_is_killed_and_output_is_bounded() {
        let started = Instant::now();
        let e = run(
            SH,
            &args(&["-c", "sleep 30"]),
            Duration::from_millis(300),
            1024,
        )
        .unwrap_err();
        assert!(matches!(e, RunError::TimedOut("sh", 0)), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let e = run(SH, &args(&["-c", "yes"]), Duration::from_secs(10), 1 << 20).unwrap_err();
        assert!(matches!(e, RunError::TooMuchOutput("sh", 1)), "{e}");
        let out = run(
            SH,
            &args(&["-c", "echo 拉萨"]),
            Duration::from_secs(10),
            1024,
        )
        .unwrap();
        assert_eq!(out, "拉萨\n".as_bytes());
        let e = run(
            SH,
            &args(&["-c", "echo bad >&2; exit 3"]),
            Duration::from_secs(10),
            1024,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "sh failed: exit status: 3: bad");
    }
}
