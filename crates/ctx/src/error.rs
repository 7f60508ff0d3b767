//! The one place where errors become a message, a hint and an exit code.
//!
//! Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 already exists or
//! conflict, 5 database busy, 6 integrity failure.
//!
//! With `--json` an error is also one document on stdout
//! ([`CliError::document`]), so a script reads a failure as it reads a
//! success; the block on stderr stays for the person watching.

use std::fmt::Write as _;

use serde::Serialize;

use ctx_engine::{EngineError, NotFound};
use ctx_model::{FoldError, SpecError, UndoError};
use ctx_store::StoreError;
use ctx_store::bundle::BundleError;

use ctx_engine::source::SourceError;

use crate::escape::escape_controls;

/// How a command failed, which fixes the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Stdout was closed by its reader: not a failure.
    BrokenPipe,
    Error,
    Usage,
    NotFound,
    Conflict,
    Busy,
    Integrity,
}

impl Kind {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::BrokenPipe => 0,
            Self::Error => 1,
            Self::Usage => 2,
            Self::NotFound => 3,
            Self::Conflict => 4,
            Self::Busy => 5,
            Self::Integrity => 6,
        }
    }

    /// The kind's name in the `--json` error document: stable, like the
    /// exit code, so a script may match on either.
    pub fn word(self) -> &'static str {
        match self {
            Self::BrokenPipe => "broken_pipe",
            Self::Error => "error",
            Self::Usage => "usage",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Busy => "busy",
            Self::Integrity => "integrity",
        }
    }
}

/// The `--json` form of an error: `{"error": {...}}`, a key no outcome
/// has at its top level, so a script tells a failure from a success by it.
#[derive(Serialize)]
pub struct ErrorDocument<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    kind: &'static str,
    message: &'a str,
    causes: &'a [String],
    hint: Option<&'a str>,
    exit_code: u8,
}

/// A failed command, ready to report.
#[derive(Debug)]
pub struct CliError {
    pub kind: Kind,
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl CliError {
    /// An error of `kind` with a one-line message.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// Adds a hint: what the user can do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn maybe_hint(self, hint: Option<impl Into<String>>) -> Self {
        match hint {
            Some(hint) => self.hint(hint),
            None => self,
        }
    }

    /// Adds the error's causes, after itself.
    fn with_causes(mut self, err: &dyn std::error::Error) -> Self {
        let mut source = err.source();
        while let Some(cause) = source {
            self.causes.push(cause.to_string());
            source = cause.source();
        }
        self
    }

    /// The error block for stderr: `error:`, `caused by:` lines, `hint:`.
    ///
    /// Each part is one line: control characters a user or a file name
    /// brought in (a newline in a typed path, a terminal escape) are shown
    /// escaped.
    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", escape_controls(&self.message));
        for cause in &self.causes {
            let _ = writeln!(out, "  caused by: {}", escape_controls(cause));
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "hint: {}", escape_controls(hint));
        }
        out
    }

    /// The error as the `--json` document. Its text is as the error holds
    /// it: JSON escapes what [`CliError::render`] must show escaped.
    pub fn document(&self) -> ErrorDocument<'_> {
        ErrorDocument {
            error: ErrorBody {
                kind: self.kind.word(),
                message: &self.message,
                causes: &self.causes,
                hint: self.hint.as_deref(),
                exit_code: self.kind.code(),
            },
        }
    }

    /// An error writing to stdout; a closed pipe is a quiet success.
    pub fn output(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            return Self::new(Kind::BrokenPipe, "");
        }
        Self::new(Kind::Error, format!("cannot write the output: {err}"))
    }
}

fn is_disk_full(err: &std::io::Error) -> bool {
    err.raw_os_error() == Some(28) || err.kind() == std::io::ErrorKind::StorageFull
}

/// The report of a store error; `message` replaces its own where a store
/// error stands inside another.
fn store(err: &StoreError, message: String) -> CliError {
    if let StoreError::NeedsRecovery { path, .. } = err {
        let path = path.display();
        return CliError::new(Kind::Error, message).with_causes(err).hint(format!(
            "commands that only read it still work, from its last committed state; to recover it, run ctx as a user who may write it and its folder, or recover a copy: `mkdir -p DIR && cp {path} DIR/ && chmod 600 DIR/ctx.redb`, then `ctx --home DIR fsck`"
        ));
    }
    if let Some(io) = err.io_error() {
        if is_disk_full(io) {
            return CliError::new(
                Kind::Error,
                "cannot write the ctx database: no space left on device",
            )
            .hint("free some space on its disk (or move it with `--home DIR`) and run the command again; nothing was written");
        }
        if io.kind() == std::io::ErrorKind::ReadOnlyFilesystem {
            return CliError::new(Kind::Error, message)
                .with_causes(err)
                .hint("the database is on a read-only file system: commands that only read it still work; to change it, copy it to a writable folder and point `--home` or `CTX_HOME` there");
        }
        if io.kind() == std::io::ErrorKind::PermissionDenied {
            return CliError::new(Kind::Error, message)
                .with_causes(err)
                .hint("check that you may read and write the database file and its folder, or choose another with `--home`");
        }
    }
    let (kind, hint) = match err {
        StoreError::Busy { .. } => (Kind::Busy, Some(BUSY)),
        StoreError::NewerSchema { .. } => (
            Kind::Error,
            Some("install a newer ctx to use this database"),
        ),
        StoreError::NotAStore { .. } => (
            Kind::Error,
            Some("point `--home` or `CTX_HOME` at a folder for ctx's own database"),
        ),
        StoreError::NotAFile { .. } => (
            Kind::Error,
            Some(
                "ctx keeps its database in a regular file: move this one away, or point `--home` or `CTX_HOME` at another folder",
            ),
        ),
        _ if err.is_integrity() => (Kind::Integrity, None),
        StoreError::Undo(UndoError::NoEvent { .. }) => {
            (Kind::NotFound, Some("`ctx log` lists the events"))
        }
        StoreError::Undo(UndoError::NotUndoable { .. }) => (
            Kind::Usage,
            Some("`ctx undo SEQ` undoes an earlier change on its own (`ctx log` lists them)"),
        ),
        StoreError::Undo(UndoError::SnapshotGone { .. }) => (
            Kind::NotFound,
            Some("`ctx undo SEQ` undoes an earlier change on its own (`ctx log` lists them)"),
        ),
        StoreError::Undo(UndoError::Depended { .. }) => (
            Kind::Conflict,
            Some("undo those first, newest first, or leave this change as it is"),
        ),
        StoreError::Undo(UndoError::AlreadyUndone { .. }) => (
            Kind::Conflict,
            Some("`ctx redo` (or `ctx undo` of that undo's SEQ) brings it back"),
        ),
        StoreError::Fold(FoldError::NameTaken { .. } | FoldError::DuplicateSpec { .. }) => {
            (Kind::Conflict, None)
        }
        StoreError::Fold(FoldError::Stale { .. }) => (
            Kind::Conflict,
            Some("the pack changed while this command ran; run it again"),
        ),
        StoreError::Fold(FoldError::UnknownPack { .. } | FoldError::UnknownArtifact { .. }) => {
            (Kind::NotFound, None)
        }
        _ => (Kind::Error, None),
    };
    CliError::new(kind, message)
        .with_causes(err)
        .maybe_hint(hint)
}

const BUSY: &str =
    "another ctx command is using the database; run this again, or wait longer with `--wait SECS`";

fn source(err: &SourceError) -> CliError {
    let kind = match err {
        SourceError::Missing { .. }
        | SourceError::MissingAt { .. }
        | SourceError::NoMatch { .. } => Kind::NotFound,
        SourceError::BadGlob { .. } => Kind::Usage,
        _ => Kind::Error,
    };
    let hint = match err {
        SourceError::Missing { shown } | SourceError::MissingAt { shown, .. } => {
            missing_hint(shown)
        }
        SourceError::NoMatch {
            subfolders: true, ..
        } => Some(
            "`md_dir:` reads only the folder itself; pass `--recursive` to include its subfolders"
                .into(),
        ),
        SourceError::NoMatch { skipped, .. } if *skipped > 0 => Some(format!(
            "{skipped} matching files were skipped (ignored, sensitive, binary or too large); see `--no-ignore`, `--allow-sensitive` and `--max-file-bytes`"
        )),
        SourceError::IsDirectory { shown } => Some(format!(
            "add the folder's text files with `{}/` (or `dir:{shown}`), or its markdown with `md_dir:{shown}`",
            shown.trim_end_matches('/')
        )),
        SourceError::Sensitive { .. } => {
            Some("pass `--allow-sensitive` if it really belongs in the pack".into())
        }
        SourceError::TooLarge { .. } => {
            Some("raise the limit with `--max-file-bytes BYTES` or the `max_file_bytes` config key, or add a line range".into())
        }
        SourceError::OutsideRoot { .. } => {
            Some("pass `--allow-outside-root`, or create the pack with a wider `--root`".into())
        }
        SourceError::TooManyFiles { .. } => {
            Some("narrow the pattern, add `--exclude GLOB`, or raise `--max-files N` or the `max_files` config key".into())
        }
        _ => None,
    };
    CliError::new(kind, err.to_string())
        .with_causes(err)
        .maybe_hint(hint)
}

/// What a user who typed `shown` for a file that does not exist most
/// likely meant: a line range in another notation, or a pattern.
fn missing_hint(shown: &str) -> Option<String> {
    if let Some(range) = range_typo(shown) {
        return Some(format!("line ranges are written `{range}`"));
    }
    shown.contains(['*', '?', '[']).then(|| {
        format!(
            "a path is taken as written; to add the files a pattern matches, write `glob:{shown}`"
        )
    })
}

/// `PATH#L10-L20` for `PATH#10-20`, `PATH:10-20`, `PATH:10` and the like,
/// the range notations of other tools.
fn range_typo(typed: &str) -> Option<String> {
    let at = typed.rfind(['#', ':'])?;
    let (path, tail) = (&typed[..at], &typed[at + 1..]);
    let line = |s: &'_ str| {
        let digits = s.strip_prefix('L').unwrap_or(s);
        let valid = (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| digits.to_owned())
    };
    if path.is_empty() {
        return None;
    }
    let range = match tail.split_once('-') {
        Some((a, b)) => format!("#L{}-L{}", line(a)?, line(b)?),
        None => format!("#L{}", line(tail)?),
    };
    Some(format!("{path}{range}"))
}

fn not_found(err: &NotFound) -> CliError {
    let hint = match err {
        NotFound::Pack {
            similar: Some(near),
            ..
        } => Some(format!(
            "did you mean `{near}`? `ctx pack list` shows the packs"
        )),
        NotFound::Pack { similar: None, .. } => Some("`ctx pack list` shows the packs".to_owned()),
        NotFound::Event { .. } | NotFound::EventAt { .. } => {
            Some("`ctx log` lists the events".into())
        }
        NotFound::PackAt {
            similar: Some(near),
            ..
        } => Some(format!(
            "did you mean `{near}`? `ctx log` shows when each pack existed"
        )),
        NotFound::PackAt { similar: None, .. } => {
            Some("`ctx log` shows when each pack existed".into())
        }
        NotFound::Artifact { pack, .. } => {
            Some(format!("`ctx pack show {pack}` lists its artifacts"))
        }
        NotFound::Snapshot(_) => Some("`ctx snapshot list` shows the snapshots".into()),
        NotFound::SnapshotOrPack {
            similar: Some(near),
            ..
        } => Some(format!(
            "did you mean pack `{near}`? `ctx snapshot list` and `ctx pack list` show what exists"
        )),
        NotFound::SnapshotOrPack { similar: None, .. } => {
            Some("`ctx snapshot list` and `ctx pack list` show what exists".into())
        }
        NotFound::Folder(_) => None,
        NotFound::Capture(_) => Some(
            "give the path as `ctx pack show --tokens` lists it, relative to the pack root".into(),
        ),
        NotFound::Blob(_) => Some("`ctx pack show --json` lists each capture's blob".into()),
    };
    CliError::new(Kind::NotFound, err.to_string()).maybe_hint(hint)
}

impl From<EngineError> for CliError {
    fn from(err: EngineError) -> Self {
        let message = err.to_string();
        match &err {
            EngineError::Busy { .. } => Self::new(Kind::Busy, message).hint(BUSY),
            EngineError::Store(e) => store(e, message),
            EngineError::Source(e) => source(e),
            // `Makefile:10-20` reads as a scheme: say how ranges are written.
            EngineError::Spec(SpecError::UnknownScheme { scheme, rest }) => {
                Self::new(Kind::Usage, message).maybe_hint(
                    range_typo(&format!("{scheme}:{rest}"))
                        .map(|range| format!("line ranges are written `{range}`")),
                )
            }
            EngineError::Spec(_) | EngineError::Name(_) => Self::new(Kind::Usage, message),
            EngineError::NotFound(e) => not_found(e),
            EngineError::Ambiguous { .. } => {
                Self::new(Kind::NotFound, message).hint("type more of the id")
            }
            EngineError::ShortPrefix { .. } => Self::new(Kind::Usage, message)
                .hint("`ctx pack show PACK` and `ctx snapshot list` show the ids"),
            EngineError::NameTaken { .. } => Self::new(Kind::Conflict, message)
                .hint("choose another name, or rename or delete the existing pack"),
            EngineError::Home { .. } => Self::new(Kind::Error, message)
                .hint("choose a writable folder with `--home DIR` or `CTX_HOME`"),
            EngineError::Captured { error, .. } => {
                store(error, message).hint("`ctx fsck` checks the whole store")
            }
            EngineError::SnapshotBody { error, .. } => store(error, message),
            EngineError::Purged { .. } => Self::new(Kind::NotFound, message)
                .hint("`ctx log --kind content_purged` shows what was purged, and when"),
            EngineError::NotReproducible { .. } => Self::new(Kind::Integrity, message)
                .hint("`ctx fsck` checks the whole store; nothing was written"),
            EngineError::NotUtf8 { .. } => Self::new(Kind::Integrity, message),
            EngineError::ReadFile { error, .. } => {
                let kind = if error.kind() == std::io::ErrorKind::NotFound {
                    Kind::NotFound
                } else {
                    Kind::Error
                };
                Self::new(kind, message)
            }
            // Damage is an integrity failure like a flipped byte in the
            // store; a file that is no bundle at all, or a newer one, is not.
            EngineError::Bundle {
                error: BundleError::Checksum | BundleError::Damaged(_),
                ..
            } => Self::new(Kind::Integrity, message).hint("nothing was written"),
            EngineError::Bundle { .. } => {
                Self::new(Kind::Error, message).hint("nothing was written")
            }
            EngineError::WriteBundle { .. } => Self::new(Kind::Error, message),
            EngineError::Unredacted { .. } => Self::new(Kind::Error, message)
                .hint("take the snapshot again without --no-redact, and give the agent that one"),
            EngineError::RootNotUtf8 { .. } | EngineError::NotAFile { .. } => {
                Self::new(Kind::Error, message)
            }
            EngineError::Limit { .. } => Self::new(Kind::Error, message),
            EngineError::TokenizerDiffers { pack, wanted, .. } => Self::new(Kind::Conflict, message)
                .hint(format!("a pack's tokenizer cannot change: set `tokenizer` in the file back, or delete `{pack}` (`ctx pack delete {pack}`) and sync again to recreate it with {wanted}; nothing was written")),
            EngineError::UndoConflict { conflict, .. } => {
                let first = match conflict {
                    FoldError::NameTaken { name, .. } => {
                        format!("rename or delete the pack named `{name}` first, or ")
                    }
                    FoldError::DuplicateSpec { pack, spec, .. } => {
                        format!("remove `{spec}` from `{pack}` first, or ")
                    }
                    _ => String::new(),
                };
                Self::new(Kind::Conflict, message).hint(format!(
                    "{first}undo an earlier change with `ctx undo SEQ` (`ctx log` lists them)"
                ))
            }
            EngineError::FrameOverBudget { frame, .. } => Self::new(Kind::Usage, message).hint(
                format!("give a budget of at least {frame} tokens with `--tokens N`; nothing was written")
            ),
            EngineError::SplitTooSmall { .. } => Self::new(Kind::Usage, message)
                .hint("give `--split` a larger size; nothing was written"),
            EngineError::PackChanged { .. } | EngineError::CaptureCollected { .. } => {
                Self::new(Kind::Conflict, message).hint("run the command again")
            }
            EngineError::AddedDifferently {
                pack,
                artifact,
                priority,
                ..
            } => {
                let id = artifact.short();
                Self::new(Kind::Conflict, message).hint(match priority {
                    Some(n) => format!("to change its priority, `ctx pack set {pack} {id} --priority {n}`"),
                    None => format!(
                        "to capture it with other options, `ctx pack set {pack} {id}` with them (`ctx pack set --help` lists them)"
                    ),
                })
            }
            EngineError::NotACollection { .. } => Self::new(Kind::Usage, message).hint(
                "`--exclude`, `--max-files`, `--no-ignore` and `--recursive` shape what a collection expands to; `--max-file-bytes` applies to any file",
            ),
        }
    }
}

/// Result with a [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl From<ctx_engine::project::ProjectError> for CliError {
    fn from(err: ctx_engine::project::ProjectError) -> Self {
        Self::new(Kind::Usage, err.to_string())
            .hint("fix the file and run the command again; nothing was written")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_typos_are_rewritten_as_ranges() {
        assert_eq!(range_typo("a.rs#10-20").as_deref(), Some("a.rs#L10-L20"));
        assert_eq!(
            range_typo("src/a.rs:10-20").as_deref(),
            Some("src/a.rs#L10-L20")
        );
        assert_eq!(range_typo("a.rs:7").as_deref(), Some("a.rs#L7"));
        assert_eq!(range_typo("a.rs#L3-9").as_deref(), Some("a.rs#L3-L9"));
        for not_a_range in ["a.rs", "a:b", "#10", "a.rs#1-x", "a.rs:-3", "a#1234567890"] {
            assert_eq!(range_typo(not_a_range), None, "{not_a_range}");
        }
    }

    #[test]
    fn an_error_block_keeps_one_line_per_part() {
        let err = CliError::new(Kind::NotFound, "`x\ny` does not exist").hint("see `\u{1b}[31m`");
        assert_eq!(
            err.render(),
            "error: `x\\ny` does not exist\nhint: see `\\u{1b}[31m`\n"
        );
    }
}
