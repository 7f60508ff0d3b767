//! `git:diff`: the real git CLI, run in the pack root.

use std::path::Path;
use std::process::Command;

use super::{SourceError, Text};

/// Runs `git diff [base [head]]` in `root` and returns its output.
pub(super) fn diff(
    root: &Path,
    base: Option<&str>,
    head: Option<&str>,
) -> Result<Text, SourceError> {
    let failed = |message: String| SourceError::Git {
        root: root.to_owned(),
        message,
    };
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        // No pager, colour, external diff tools or text conversion: the
        // output must depend on the repository alone.
        .args([
            "--no-pager",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
        ])
        .args(base)
        .args(head)
        .arg("--")
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => failed("`git` is not installed or not on PATH".into()),
            _ => failed(e.to_string()),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr
            .lines()
            .next()
            .unwrap_or("git exited with an error")
            .trim();
        return Err(failed(first.to_owned()));
    }
    let (text, lossy) = super::file::decode(output.stdout);
    Ok(Text {
        path: None,
        text,
        lossy,
        stamp: None,
    })
}
