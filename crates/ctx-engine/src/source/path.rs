//! Turning the path a user typed into the root-relative, `/`-separated path
//! a spec stores, and refusing paths that leave the root.

use std::path::{Component, Path, PathBuf};

use ctx_model::{AddOptions, SourceSpec};

use super::SourceError;

/// Resolves the path in `spec` (typed relative to `cwd`) against the pack
/// `root`; specs without a path come back unchanged. `root` and `cwd` must
/// be canonical.
///
/// The stored path is lexical, so a symlink keeps its own name; the escape
/// check follows links, so a link pointing out of the root is refused unless
/// `allow_outside_root`.
pub fn resolve(
    spec: &SourceSpec,
    root: &Path,
    cwd: &Path,
    options: &AddOptions,
) -> Result<SourceSpec, SourceError> {
    let Some(given) = spec.path() else {
        return Ok(spec.clone());
    };
    let lexical = normalize(&cwd.join(given));
    let canonical = std::fs::canonicalize(&lexical).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => SourceError::MissingAt {
            shown: given.to_owned(),
            tried: lexical.clone(),
            root: root.to_owned(),
        },
        _ => SourceError::Read {
            shown: given.to_owned(),
            source,
        },
    })?;
    let inside = canonical.starts_with(root);
    if !inside && !options.allow_outside_root {
        return Err(SourceError::OutsideRoot {
            shown: given.to_owned(),
            root: root.to_owned(),
        });
    }
    let rel = match (lexical.strip_prefix(root), canonical.strip_prefix(root)) {
        (Ok(rel), _) | (Err(_), Ok(rel)) => rel.to_owned(),
        (Err(_), Err(_)) => relative(&lexical, root),
    };
    let rel = to_slash(&rel).ok_or_else(|| SourceError::NonUtf8Path {
        shown: given.to_owned(),
    })?;
    Ok(spec.with_path(if rel.is_empty() { ".".into() } else { rel }))
}

/// The top level of the git working tree `dir` is in: the nearest folder
/// at or above it holding a `.git` folder or file (a worktree or a
/// submodule has a file). Looked up on disk only: no git command runs.
pub fn repository_top(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base` (both absolute and normalized), with `..` steps.
fn relative(path: &Path, base: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &path[common..] {
        out.push(c);
    }
    out
}

/// The path with `/` between components, or `None` if it is not UTF-8.
pub(super) fn to_slash(path: &Path) -> Option<String> {
    let mut out = String::new();
    for component in path.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(component.as_os_str().to_str()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(
            relative(Path::new("/a/x/y"), Path::new("/a/b")),
            PathBuf::from("../x/y")
        );
        assert_eq!(to_slash(Path::new("a/b/c")).as_deref(), Some("a/b/c"));
    }
}
