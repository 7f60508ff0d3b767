//! Sources: resolving a spec against the pack root and reading what it
//! names, with the checks that keep secrets, binaries, huge files and files
//! outside the root out of a pack. The outside-root check holds at every
//! read, at `pack add` and at each live render alike (`confine.rs`).

mod collection;
mod confine;
mod file;
mod git;
mod path;
mod sensitive;

use std::path::{Path, PathBuf};

use ctx_model::{AddOptions, SkippedFile, SourceSpec};

pub(crate) use confine::{open as open_nonblocking, root_moved};
pub use path::{repository_top, resolve};
pub use sensitive::{Sensitive, check_patterns};

/// Default largest file read, in bytes.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Default most files one collection may expand to.
pub const DEFAULT_MAX_FILES: u32 = 50_000;

/// The options of an artifact added with no flags.
pub fn default_options() -> ctx_model::AddOptions {
    ctx_model::AddOptions {
        max_files: DEFAULT_MAX_FILES,
        max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        ..ctx_model::AddOptions::default()
    }
}

/// Text read from one source.
#[derive(Debug)]
pub struct Text {
    /// Root-relative path for files; `None` for notes and diffs.
    pub path: Option<String>,
    pub text: String,
    /// Invalid UTF-8 was replaced with U+FFFD.
    pub lossy: bool,
    /// What identifies the version of the file `text` is all of.
    pub stamp: Option<Stamp>,
}

/// What identifies one version of a file, as git's index does: unchanged,
/// it lets a cache stand in for scanning and hashing its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
    /// Status-change time, nanoseconds since the Unix epoch (0 where the
    /// platform has none).
    pub ctime_ns: i128,
}

/// What a spec captured.
#[derive(Debug)]
pub enum Capture {
    One(Text),
    Many {
        files: Vec<Text>,
        skipped: Vec<SkippedFile>,
    },
}

/// Why a source cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("`{shown}` does not exist")]
    Missing { shown: String },
    /// A path typed for `pack add` that is not there: where it was looked
    /// for, and the pack's root, since a relative path is taken from the
    /// current folder and stored relative to the root.
    #[error("`{shown}` does not exist: looked for `{}` (the pack's root is `{}`)", tried.display(), root.display())]
    MissingAt {
        shown: String,
        tried: PathBuf,
        root: PathBuf,
    },
    #[error("`{shown}` is a directory, not a file")]
    IsDirectory { shown: String },
    #[error("`{shown}` is not a directory")]
    NotADirectory { shown: String },
    #[error("`{shown}` is not a regular file")]
    NotAFile { shown: String },
    #[error("`{shown}` has {lines} lines; the range {start}-{end} runs past its end")]
    RangePastEnd {
        shown: String,
        start: u32,
        end: u32,
        lines: usize,
    },
    #[error("`{pattern}` matches no file")]
    NoMatch {
        pattern: String,
        /// Files that matched but were skipped (ignored, sensitive, ...).
        skipped: usize,
        /// The walk kept to the top folder (`md_dir:` without
        /// `--recursive`), which has subfolders it did not read.
        subfolders: bool,
    },
    #[error("`{shown}` looks sensitive: {reason}")]
    Sensitive { shown: String, reason: String },
    #[error("`{shown}` is a binary file")]
    Binary { shown: String },
    #[error("`{shown}` is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        shown: String,
        size: u64,
        limit: u64,
    },
    #[error("`{shown}` is outside the pack root `{}`", root.display())]
    OutsideRoot { shown: String, root: PathBuf },
    #[error(
        "the pack root `{}` now resolves to `{}`, outside itself",
        root.display(),
        now.display()
    )]
    RootMoved { root: PathBuf, now: PathBuf },
    #[error("`{spec}` matches {found} files, over the limit of {limit}")]
    TooManyFiles {
        spec: String,
        found: usize,
        limit: u32,
    },
    #[error("`{pattern}` is not a valid glob: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error("`git diff` failed in `{}`: {message}", root.display())]
    Git { root: PathBuf, message: String },
    #[error("`{shown}` is not valid UTF-8; ctx stores paths as UTF-8")]
    NonUtf8Path { shown: String },
    #[error("cannot read `{shown}`")]
    Read {
        shown: String,
        #[source]
        source: std::io::Error,
    },
}

/// Checks a glob's syntax, and that it stays under the root, before
/// anything is read.
pub fn check_glob(pattern: &str) -> Result<(), SourceError> {
    collection::compile_inside(pattern).map(drop)
}

/// Reads what a resolved spec names, relative to `root`.
pub fn capture(
    spec: &SourceSpec,
    root: &Path,
    options: &AddOptions,
    rules: &Sensitive,
) -> Result<Capture, SourceError> {
    if spec.is_collection() {
        return collection::capture(spec, root, options, rules);
    }
    capture_one(spec, root, options, rules).map(Capture::One)
}

/// Reads what a resolved spec names, as [`capture`] does, turning each
/// text by `per_file` (on the core that read it, in parallel) and handing
/// the results to `each` a batch at a time in path order (a single source
/// is one batch of one), so a caller done with each batch holds no more
/// than one batch at a time. Returns what a collection skipped (`None` for
/// a single source).
pub fn capture_each<T: Send, E: From<SourceError>>(
    spec: &SourceSpec,
    root: &Path,
    options: &AddOptions,
    rules: &Sensitive,
    per_file: &(impl Fn(Text) -> T + Sync),
    mut each: impl FnMut(Vec<T>) -> Result<(), E>,
) -> Result<Option<Vec<SkippedFile>>, E> {
    if spec.is_collection() {
        return collection::capture_each(spec, root, options, rules, per_file, each).map(Some);
    }
    each(vec![per_file(capture_one(spec, root, options, rules)?)])?;
    Ok(None)
}

/// Reads a source that is one text: a file, a range, a note, a diff.
fn capture_one(
    spec: &SourceSpec,
    root: &Path,
    options: &AddOptions,
    rules: &Sensitive,
) -> Result<Text, SourceError> {
    match spec {
        SourceSpec::File { path } => file::read_named(root, path, options, rules),
        SourceSpec::Range { path, start, end } => {
            let mut text = file::read_named(root, path, options, rules)?;
            // The stamp describes the whole file, not the slice.
            text.stamp = None;
            text.text = file::slice_lines(&text.text, *start, *end).map_err(|lines| {
                SourceError::RangePastEnd {
                    shown: path.clone(),
                    start: *start,
                    end: *end,
                    lines,
                }
            })?;
            Ok(text)
        }
        SourceSpec::Text { text } => Ok(Text {
            path: None,
            text: text.clone(),
            lossy: false,
            stamp: None,
        }),
        SourceSpec::GitDiff { base, head } => {
            // git runs in the root by its path: a root that became a link
            // would diff another repository.
            if !options.allow_outside_root
                && let Some(now) = root_moved(root)
            {
                return Err(SourceError::RootMoved {
                    root: root.to_owned(),
                    now,
                });
            }
            git::diff(root, base.as_deref(), head.as_deref())
        }
        SourceSpec::Glob { .. } | SourceSpec::MdDir { .. } | SourceSpec::Dir { .. } => {
            unreachable!("BUG: a collection is not one text: {spec}")
        }
    }
}
