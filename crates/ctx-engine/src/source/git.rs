//! `git:diff`: the real git CLI, run in the pack root, such that the
//! repository can make it run no other program, and the same repository
//! gives the same bytes on every machine.
//!
//! A repository's configuration and attributes can name programs git would
//! run for a diff: `core.fsmonitor` on every index refresh, a filter
//! driver's `clean` (or `process`) on every worktree file compared, a diff
//! driver's `command` or `textconv`, `diff.external`, a pager. So ctx reads
//! the repository's configuration first (`git config --list`, which runs
//! nothing) and overrides every key that names a program on the command
//! line, which git reads last; it also ignores the system and global
//! configuration (a user's `diff.noprefix` or `diff.context` would change
//! the bytes) and pins prefixes, context and locale. The repository's own
//! settings that run nothing (`diff.renames`, `core.quotePath`, ...) still
//! apply, so the diff stays the repository's.

use std::path::Path;
use std::process::Command;

use super::{SourceError, Text};

/// Environment variables that point git elsewhere or add configuration.
/// Set by the user, not the repository, but they would make the same
/// repository diff differently, so none reaches git.
const CLEARED: [&str; 24] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_SYSTEM",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "PAGER",
    "GIT_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_EXEC_PATH",
    "GIT_ATTR_SOURCE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_QUARANTINE_PATH",
];

/// Endings of configuration variables (the last part of a key) that name
/// a program to run, in any section: `filter.<driver>.clean`,
/// `diff.<driver>.command`, `gpg.program`, `credential.helper`,
/// `difftool.<tool>.cmd`, `core.alternateRefsCommand`,
/// `uploadpack.packObjectsHook`, ... Disarming a look-alike that names no
/// program (`http.proxy`) costs nothing: a diff uses none of them.
const PROGRAM_ENDINGS: [&str; 17] = [
    "askpass",
    "clean",
    "cmd",
    "command",
    "driver",
    "editor",
    "external",
    "fsmonitor",
    "helper",
    "hook",
    "hookspath",
    "pager",
    "process",
    "program",
    "proxy",
    "smudge",
    "textconv",
];

/// Runs `git diff [base [head]]` in `root` and returns its output.
pub(super) fn diff(
    root: &Path,
    base: Option<&str>,
    head: Option<&str>,
) -> Result<Text, SourceError> {
    let keys = run(
        git(root).args(["config", "--list", "--name-only", "-z"]),
        root,
    )
    // A folder that is no repository has no configuration either; the
    // diff below says what is wrong.
    .unwrap_or_default();
    let mut diff = git(root);
    // Overrides travel as GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n, which git
    // reads like `-c` but never splits: a subsection may hold a `=`.
    let mut count = 0;
    for key in keys
        .split(|b| *b == 0)
        .filter_map(|k| std::str::from_utf8(k).ok())
    {
        if let Some(value) = neutral(key) {
            diff.env(format!("GIT_CONFIG_KEY_{count}"), key)
                .env(format!("GIT_CONFIG_VALUE_{count}"), value);
            count += 1;
        }
    }
    diff.env("GIT_CONFIG_COUNT", count.to_string());
    diff.args([
        "--no-pager",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--unified=3",
        "--inter-hunk-context=0",
        "--no-relative",
    ])
    .args(base)
    .args(head)
    .arg("--");
    let (text, lossy) = super::file::decode(run(&mut diff, root)?);
    Ok(Text {
        path: None,
        text,
        lossy,
        stamp: None,
    })
}

/// The value that disarms `key`, when it names a program (`None` when it
/// does not). An empty command runs nothing; `core.fsmonitor` takes a
/// boolean.
fn neutral(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    let variable = lower.rsplit('.').next().unwrap_or_default();
    if lower == "core.fsmonitor" {
        return Some("false");
    }
    if lower.starts_with("filter.") && variable == "required" {
        return Some("false");
    }
    // `pager.<command>` takes a program or a boolean.
    if lower.starts_with("pager.") {
        return Some("false");
    }
    PROGRAM_ENDINGS
        .iter()
        .any(|ending| variable.ends_with(ending))
        .then_some("")
}

/// `git -C root` with a neutral environment: no system or global
/// configuration, no system attributes, no prompts, no optional locks,
/// messages and markers in plain English.
fn git(root: &Path) -> Command {
    let mut git = Command::new("git");
    for var in CLEARED {
        git.env_remove(var);
    }
    git.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_COUNT", "0")
        .env("GIT_ATTR_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .arg("-C")
        .arg(root);
    git
}

/// Runs a git command to its end and returns its stdout; a failure is the
/// first line git wrote to stderr.
fn run(command: &mut Command, root: &Path) -> Result<Vec<u8>, SourceError> {
    let failed = |message: String| SourceError::Git {
        root: root.to_owned(),
        message,
    };
    let output = command.output().map_err(|e| match e.kind() {
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
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::neutral;

    #[test]
    fn keys_that_name_a_program_are_disarmed() {
        for key in [
            "filter.lfs.clean",
            "filter.Evil.smudge",
            "filter.x.process",
            "diff.x.textconv",
            "diff.x.command",
            "diff.external",
            "core.pager",
            "core.hooksPath",
            "gpg.program",
            "gpg.ssh.program",
            "credential.helper",
            "core.sshCommand",
            "merge.x.driver",
            "difftool.x.cmd",
            "core.alternateRefsCommand",
            "uploadpack.packObjectsHook",
            "core.gitProxy",
        ] {
            assert_eq!(neutral(key), Some(""), "{key}");
        }
        assert_eq!(neutral("core.fsmonitor"), Some("false"));
        assert_eq!(neutral("pager.diff"), Some("false"));
        assert_eq!(neutral("filter.lfs.required"), Some("false"));
        for key in [
            "diff.renames",
            "core.quotepath",
            "user.name",
            "diff.context",
        ] {
            assert_eq!(neutral(key), None, "{key}");
        }
    }
}
