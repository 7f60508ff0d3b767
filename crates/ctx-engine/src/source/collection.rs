//! Collections (`glob:`, `md_dir:` and folders): walk the pack root the way git sees
//! it, keep the matching files sorted by path, read them in parallel, and
//! report every file left out with its reason. The walk starts and enters
//! only folders beneath the root, and every file is read through
//! [`Confine`], so a folder or file swapped for a link out of the root is
//! left out whenever it was swapped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use ctx_model::{AddOptions, ExclusionReason, SkippedFile, SourceSpec};

use super::confine::{self, Confine};
use super::path::to_slash;
use super::{Capture, SourceError, Text, file};
use crate::parallel;

/// Which files of the walk a collection takes.
enum Matcher {
    Glob(GlobMatcher),
    Markdown,
    /// Every file the walk finds: a folder's walk starts at the folder.
    All,
}

impl Matcher {
    fn matches(&self, rel: &str) -> bool {
        match self {
            Self::Glob(glob) => glob.is_match(rel),
            Self::All => true,
            Self::Markdown => Path::new(rel)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| {
                    e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown")
                }),
        }
    }
}

/// Leaves out files by `--exclude`: a pattern with a `/` matches the
/// root-relative path, one without matches the file name at any depth (as in
/// `.gitignore`).
struct Exclude {
    paths: GlobSet,
    names: GlobSet,
}

impl Exclude {
    fn new(patterns: &[String]) -> Result<Self, SourceError> {
        let (mut paths, mut names) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        for pattern in patterns {
            let glob = compile(pattern)?;
            if pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| SourceError::BadGlob {
                pattern: patterns.join(" "),
                reason: e.to_string(),
            })
        };
        Ok(Self {
            paths: build(paths)?,
            names: build(names)?,
        })
    }

    fn excludes(&self, rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        self.paths.is_match(rel) || self.names.is_match(name)
    }
}

/// Compiles a root-relative glob where `*` stays within one folder and `**`
/// crosses folders.
pub(super) fn compile(pattern: &str) -> Result<Glob, SourceError> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| SourceError::BadGlob {
            pattern: pattern.to_owned(),
            reason: e.kind().to_string(),
        })
}

/// Compiles a collection's glob, refusing one that leaves the root: a
/// collection holds files under the pack root, and a walk started at `/` or
/// above the root could read the whole disk.
pub(super) fn compile_inside(pattern: &str) -> Result<Glob, SourceError> {
    if pattern.starts_with('/') || pattern.split('/').any(|c| c == "..") {
        return Err(SourceError::BadGlob {
            pattern: pattern.to_owned(),
            reason: "it leaves the pack root (it starts with `/` or holds `..`)".into(),
        });
    }
    compile(pattern)
}

/// The leading folders of `pattern` that hold no glob syntax: the walk can
/// start there instead of at the root.
fn literal_prefix(pattern: &str) -> &str {
    let mut end = 0;
    let mut offset = 0;
    let parts: Vec<&str> = pattern.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if part.contains(['*', '?', '[', '{', '\\']) {
            break;
        }
        offset += part.len() + 1;
        end = offset - 1;
    }
    &pattern[..end]
}

/// How many files of a collection are read before they are handed on.
const BATCH_FILES: usize = 256;

/// Expands and reads a collection under `root`.
pub(super) fn capture(
    spec: &SourceSpec,
    root: &Path,
    options: &AddOptions,
    rules: &super::Sensitive,
) -> Result<Capture, SourceError> {
    let mut files = Vec::new();
    let skipped = capture_each(spec, root, options, rules, &|text| text, |mut batch| {
        files.append(&mut batch);
        Ok::<(), SourceError>(())
    })?;
    Ok(Capture::Many { files, skipped })
}

/// Expands a collection under `root` and reads it in batches of files in
/// path order, handing each to `each`; returns the files it left out.
pub(super) fn capture_each<T: Send, E: From<SourceError>>(
    spec: &SourceSpec,
    root: &Path,
    options: &AddOptions,
    rules: &super::Sensitive,
    per_file: &(impl Fn(Text) -> T + Sync),
    mut each: impl FnMut(Vec<T>) -> Result<(), E>,
) -> Result<Vec<SkippedFile>, E> {
    let confine = Confine::new(root, options);
    let (start, matcher, depth) = start_of(spec, root, options, confine)?;
    let exclude = Exclude::new(&options.exclude)?;
    let wanted = |rel: &str| matcher.matches(rel) && !exclude.excludes(rel);
    let beneath = match confine {
        Confine::Beneath(root) => Some(Arc::new(root.to_owned())),
        Confine::Anywhere => None,
    };
    let mut walked = walk(
        root,
        &start,
        depth,
        options,
        rules,
        beneath.clone(),
        &wanted,
    );
    if !options.no_ignore {
        ignored(root, &start, depth, beneath, &wanted, &mut walked);
    }
    let Walked {
        mut candidates,
        mut skipped,
        ..
    } = walked;
    if candidates.len() > options.max_files as usize {
        return Err(SourceError::TooManyFiles {
            spec: spec.to_string(),
            found: candidates.len(),
            limit: options.max_files,
        }
        .into());
    }
    candidates.sort_unstable();
    let mut read_any = false;
    for batch in candidates.chunks(BATCH_FILES) {
        let files = read_all(
            root,
            batch,
            options.max_file_bytes,
            confine,
            per_file,
            &mut skipped,
        );
        if !files.is_empty() {
            read_any = true;
            each(files)?;
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    if !read_any {
        return Err(SourceError::NoMatch {
            pattern: spec.to_string(),
            skipped: skipped.len(),
            subfolders: depth.is_some() && has_subfolder(&start),
        }
        .into());
    }
    Ok(skipped)
}

/// Whether `dir` holds a folder: a walk kept to `dir` itself (`md_dir:`
/// without `--recursive`) that found nothing may have left files there.
fn has_subfolder(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_type().is_ok_and(|t| t.is_dir()))
    })
}

/// Where a collection's walk starts (a folder beneath the root, through
/// any links, unless `confine` allows anywhere), which files it takes, and
/// how deep it goes.
fn start_of(
    spec: &SourceSpec,
    root: &Path,
    options: &AddOptions,
    confine: Confine<'_>,
) -> Result<(PathBuf, Matcher, Option<usize>), SourceError> {
    let (prefix, matcher, depth) = match spec {
        SourceSpec::Glob { pattern } => (
            literal_prefix(pattern),
            Matcher::Glob(compile_inside(pattern)?.compile_matcher()),
            None,
        ),
        SourceSpec::MdDir { dir } => (
            dir.as_str(),
            Matcher::Markdown,
            (!options.recursive).then_some(1),
        ),
        // `.` is the root itself; the walk from it is the whole tree.
        SourceSpec::Dir { dir } => (
            if dir == "." { "" } else { dir.as_str() },
            Matcher::All,
            None,
        ),
        _ => unreachable!("BUG: not a collection: {spec}"),
    };
    let start = root.join(prefix);
    let shown = || if prefix.is_empty() { "." } else { prefix }.to_owned();
    match confine.holds_dir(&start) {
        Ok(true) => {}
        Ok(false) => return Err(confine::outside(shown(), root)),
        // Gone, like a file that is gone: a render falls back to what was
        // captured, with a warning, for a glob and a markdown folder alike.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(match spec {
                SourceSpec::Glob { .. } => SourceError::NoMatch {
                    pattern: spec.to_string(),
                    skipped: 0,
                    subfolders: false,
                },
                _ => SourceError::Missing { shown: shown() },
            });
        }
        Err(source) => {
            return Err(SourceError::Read {
                shown: shown(),
                source,
            });
        }
    }
    if matches!(spec, SourceSpec::MdDir { .. } | SourceSpec::Dir { .. }) && !start.is_dir() {
        return Err(SourceError::NotADirectory { shown: shown() });
    }
    Ok((start, matcher, depth))
}

/// What a walk found: the files to read, the files left out, and what it
/// saw (for telling ignored files from the rest).
struct Walked {
    candidates: Vec<String>,
    skipped: Vec<SkippedFile>,
    seen_dirs: HashSet<PathBuf>,
    seen_files: HashSet<String>,
}

impl Walked {
    fn skip(&mut self, path: String, reason: ExclusionReason) {
        self.skipped.push(SkippedFile { path, reason });
    }
}

/// Walks from `start` under the ignore rules (unless `no_ignore`), keeping
/// the files `wanted` takes and leaving out links out of the root and
/// sensitive files; with `beneath`, folders that lie outside it are not
/// entered.
fn walk(
    root: &Path,
    start: &Path,
    depth: Option<usize>,
    options: &AddOptions,
    rules: &super::Sensitive,
    beneath: Option<Arc<PathBuf>>,
    wanted: &impl Fn(&str) -> bool,
) -> Walked {
    let mut walked = Walked {
        candidates: Vec::new(),
        skipped: Vec::new(),
        seen_dirs: HashSet::new(),
        seen_files: HashSet::new(),
    };
    let fence = beneath.map(Fence::new);
    let refused = fence.as_ref().map(|f| Arc::clone(&f.refused));
    for entry in walker(start, depth, !options.no_ignore, fence, None).build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                walked.skip(error_path(&err, root), ExclusionReason::Unreadable);
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            walked.seen_dirs.insert(path.to_owned());
            continue;
        }
        let Some(rel) = relative(path, root) else {
            walked.skip(
                path.to_string_lossy().into_owned(),
                ExclusionReason::Unreadable,
            );
            continue;
        };
        walked.seen_files.insert(rel.clone());
        if !wanted(&rel) {
            continue;
        }
        let is_link = entry.path_is_symlink();
        if is_link {
            // Links to folders are not walked: one inside the root is walked
            // under its own path, one outside never, and is listed as left
            // out like a link to a file outside.
            match std::fs::canonicalize(path) {
                Ok(target) if target.starts_with(root) && target.is_dir() => continue,
                Ok(target)
                    if !target.starts_with(root)
                        && (target.is_dir() || !options.allow_outside_root) =>
                {
                    walked.skip(rel, ExclusionReason::OutsideRoot);
                    continue;
                }
                Ok(_) => {}
                Err(_) => {
                    walked.skip(rel, ExclusionReason::Unreadable);
                    continue;
                }
            }
        }
        // A link is judged by what it points to as well as by its name.
        let sensitive = if is_link {
            file::sensitive(root, &rel, path, rules).is_some()
        } else {
            rules.reason(&rel).is_some()
        };
        if !options.allow_sensitive && sensitive {
            walked.skip(rel, ExclusionReason::Sensitive);
            continue;
        }
        walked.candidates.push(rel);
    }
    let refused = refused.map_or_else(Vec::new, |r| {
        std::mem::take(&mut *r.lock().unwrap_or_else(|p| p.into_inner()))
    });
    for dir in refused {
        if let Some(rel) = relative(&dir, root) {
            walked.skip(format!("{rel}/"), ExclusionReason::OutsideRoot);
        }
    }
    walked
}

/// Walks again without ignore rules, pruning every folder the first walk
/// entered: what remains is exactly what the rules hid, listed as ignored.
fn ignored(
    root: &Path,
    start: &Path,
    depth: Option<usize>,
    beneath: Option<Arc<PathBuf>>,
    wanted: &impl Fn(&str) -> bool,
    walked: &mut Walked,
) {
    let pruned = Arc::new(Mutex::new(Vec::new()));
    let filter = IgnoredDirs {
        seen: Arc::new(std::mem::take(&mut walked.seen_dirs)),
        pruned: Arc::clone(&pruned),
    };
    let fence = beneath.map(Fence::new);
    for entry in walker(start, depth, false, fence, Some(filter))
        .build()
        .flatten()
    {
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        if let Some(rel) = relative(entry.path(), root)
            && !walked.seen_files.contains(&rel)
            && wanted(&rel)
        {
            walked.skip(rel, ExclusionReason::Ignored);
        }
    }
    let pruned = std::mem::take(&mut *pruned.lock().unwrap_or_else(|p| p.into_inner()));
    for dir in pruned {
        if let Some(rel) = relative(&dir, root) {
            walked.skip(format!("{rel}/"), ExclusionReason::Ignored);
        }
    }
}

/// Reads the candidates on all cores, in order, and hands each text to
/// `per_file` on the core that read it, while it is fresh in that core's
/// cache; a file that turns out binary, too large or unreadable is noted
/// in `skipped` instead.
fn read_all<T: Send>(
    root: &Path,
    candidates: &[String],
    max_file_bytes: u64,
    confine: Confine<'_>,
    per_file: &(impl Fn(Text) -> T + Sync),
    skipped: &mut Vec<SkippedFile>,
) -> Vec<T> {
    let read = parallel::map(candidates, |rel| {
        file::read(&root.join(rel), rel, max_file_bytes, confine).map(per_file)
    });
    let mut files = Vec::with_capacity(read.len());
    for (path, result) in candidates.iter().cloned().zip(read) {
        let reason = match result {
            Ok(text) => {
                files.push(text);
                continue;
            }
            Err(SourceError::Binary { .. }) => ExclusionReason::Binary,
            Err(SourceError::TooLarge { .. }) => ExclusionReason::TooLarge,
            Err(SourceError::OutsideRoot { .. } | SourceError::RootMoved { .. }) => {
                ExclusionReason::OutsideRoot
            }
            Err(_) => ExclusionReason::Unreadable,
        };
        skipped.push(SkippedFile { path, reason });
    }
    files
}

/// Prunes folders the ignore-respecting walk never entered, noting each.
#[derive(Clone)]
struct IgnoredDirs {
    seen: Arc<HashSet<PathBuf>>,
    pruned: Arc<Mutex<Vec<PathBuf>>>,
}

/// Keeps a walk out of folders that lie outside a root, noting each.
struct Fence {
    beneath: Arc<PathBuf>,
    refused: Arc<Mutex<Vec<PathBuf>>>,
}

impl Fence {
    fn new(beneath: Arc<PathBuf>) -> Self {
        Self {
            beneath,
            refused: Arc::default(),
        }
    }

    /// Whether the walk may enter `dir`. The walk follows no link, so a
    /// folder outside is met only when one was swapped in during the walk;
    /// one that vanished is left to the walk to report.
    fn admits(&self, dir: &Path) -> bool {
        match std::fs::canonicalize(dir) {
            Ok(real) if !real.starts_with(&*self.beneath) => {
                self.refused
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(dir.to_owned());
                false
            }
            _ => true,
        }
    }
}

fn walker(
    start: &Path,
    depth: Option<usize>,
    respect_ignores: bool,
    fence: Option<Fence>,
    prune: Option<IgnoredDirs>,
) -> WalkBuilder {
    let mut builder = WalkBuilder::new(start);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .max_depth(depth)
        // The machine's global gitignore would make the same pack expand
        // differently on another machine: only the project's rules count.
        .git_global(false)
        .git_ignore(respect_ignores)
        .git_exclude(respect_ignores)
        .ignore(respect_ignores)
        .parents(respect_ignores)
        .require_git(false);
    builder.filter_entry(move |entry| {
        if entry.file_name() == ".git" {
            return false;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        // The start was checked before the walk began.
        if is_dir
            && entry.depth() > 0
            && let Some(fence) = &fence
            && !fence.admits(entry.path())
        {
            return false;
        }
        let Some(prune) = &prune else { return true };
        if is_dir && !prune.seen.contains(entry.path()) {
            prune
                .pruned
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(entry.path().to_owned());
            return false;
        }
        true
    });
    builder
}

/// `path` relative to `root`, `/`-separated, if it is under root and UTF-8.
fn relative(path: &Path, root: &Path) -> Option<String> {
    to_slash(path.strip_prefix(root).ok()?)
}

/// The path an ignore error is about, for the skipped list.
fn error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => {
            relative(path, root).unwrap_or_else(|| path.to_string_lossy().into_owned())
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root)
        }
        ignore::Error::Loop { child, .. } => {
            relative(child, root).unwrap_or_else(|| child.to_string_lossy().into_owned())
        }
        _ => "?".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{compile_inside, literal_prefix};

    #[test]
    fn a_glob_may_not_leave_the_root() {
        for pattern in ["/**/*", "/etc/*", "../*", "src/../../x", "a/.."] {
            assert!(compile_inside(pattern).is_err(), "{pattern}");
        }
        for pattern in ["**/*", "src/*.rs", "..x/*", "a/..b", "*.."] {
            assert!(compile_inside(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn literal_prefix_stops_at_glob_syntax() {
        assert_eq!(literal_prefix("src/**/*.rs"), "src");
        assert_eq!(literal_prefix("a/b/*.md"), "a/b");
        assert_eq!(literal_prefix("*.md"), "");
        assert_eq!(literal_prefix("docs/readme.md"), "docs");
        assert_eq!(literal_prefix("a/{b,c}/x"), "a");
    }
}
