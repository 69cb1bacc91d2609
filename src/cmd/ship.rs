//! `aidsearch ship`: copy the live generation to a replica's index folder
//! with rsync (a local folder or `host:folder`), verify the copy, and only
//! then point the replica's `CURRENT` at it. The replica's server picks the
//! new pointer up within a second and prunes its old generations itself.
//!
//! rsync is called, not linked: it already copies over ssh, resumes, and
//! replaces each file by renaming a finished temp file, which is what makes
//! the pointer switch atomic on the replica.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use aidsearch::index::{current_generation, generation_dir, CURRENT};

/// What was shipped.
pub struct Shipped {
    pub generation: u64,
    pub destination: String,
}

/// Whether rsync reads `dest` as a remote `host:path` (a colon before any
/// slash), as its own manual defines it.
fn is_remote(dest: &str) -> bool {
    match (dest.find(':'), dest.find('/')) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    }
}

/// `dest` joined with `name`, in rsync's syntax.
fn join(dest: &str, name: &str) -> String {
    format!("{}/{name}", dest.trim_end_matches('/'))
}

fn rsync(args: &[&str]) -> Result<String> {
    let output = Command::new("rsync")
        .args(args)
        .output()
        .context("running rsync (is it installed? `apt install rsync`)")?;
    if !output.status.success() {
        bail!(
            "rsync {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Ship the live generation of `root` to the index folder `dest`.
pub fn ship(root: &Path, dest: &str) -> Result<Shipped> {
    let generation = current_generation(root)?
        .with_context(|| format!("no live generation in {} to ship", root.display()))?;
    let source = generation_dir(root, generation);
    let name = format!("gen-{generation}");
    if !is_remote(dest) {
        std::fs::create_dir_all(dest).with_context(|| format!("creating {dest}"))?;
    }
    let from = format!("{}/", source.display());
    let to = format!("{}/", join(dest, &name));
    // The generation first. A copy cut short leaves a generation the
    // pointer does not name; shipping again completes it.
    rsync(&["-a", "--delete", "--mkpath", &from, &to])?;
    // Then compare every byte: nothing may differ before the pointer moves.
    let differences = rsync(&[
        "-a",
        "--delete",
        "--checksum",
        "--dry-run",
        "--itemize-changes",
        &from,
        &to,
    ])?;
    if !differences.trim().is_empty() {
        bail!(
            "the copy of {name} at {dest} does not match the original; the pointer was not moved:\n{}",
            differences.trim()
        );
    }
    // The access file with the generation, so that a replica signs in the
    // same users and keys and verifies the same session cookies (rsync
    // writes a temp file and renames it: the replica reads old or new).
    let access = root.join(aidsearch::access::FILE);
    if access.is_file() {
        rsync(&[
            "--checksum",
            "--chmod=F600",
            &access.display().to_string(),
            &join(dest, aidsearch::access::FILE),
        ])?;
    }
    // The pointer last, written by rsync to a temp file and renamed.
    let pointer_dir = tempfile::tempdir().context("a temp folder for the pointer")?;
    let pointer: PathBuf = pointer_dir.path().join(CURRENT);
    std::fs::write(&pointer, format!("{name}\n"))?;
    rsync(&[
        "--ignore-times",
        "--chmod=F644",
        &pointer.display().to_string(),
        &join(dest, CURRENT),
    ])?;
    Ok(Shipped {
        generation,
        destination: dest.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_destinations_are_told_apart_as_rsync_does() {
        assert!(is_remote("replica1:/srv/aidsearch/index"));
        assert!(is_remote("user@host:index"));
        assert!(!is_remote("/srv/aidsearch/index"));
        assert!(!is_remote("./a:b"));
        assert!(!is_remote("index"));
        assert_eq!(
            join("host:/srv/index/", "CURRENT"),
            "host:/srv/index/CURRENT"
        );
    }
}
