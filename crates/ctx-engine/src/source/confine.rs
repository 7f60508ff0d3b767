//! Keeping every read beneath the pack root, at every read and not only at
//! `pack add`: stored paths are lexical, so a file or folder swapped for a
//! link after it was added would otherwise be followed.
//!
//! A file is opened first and judged by the open descriptor: on Linux the
//! kernel names the file a descriptor refers to at `/proc/self/fd/N`, so
//! the check is about the very file whose bytes are then read from that
//! descriptor, and no swap of any path component after the open can change
//! either. (`openat2` with `RESOLVE_BENEATH` would refuse the escape in the
//! open itself, but it takes `unsafe`, which the workspace forbids.) Where
//! `/proc` is missing, the open file's device and inode must match what the
//! canonical path names, which narrows the race without closing it.
//!
//! A link inside the root that points inside the root resolves beneath it
//! and keeps working. Folders a walk starts from or enters are checked by
//! their canonical path before they are listed; a folder swapped during the
//! walk may still be listed, but no byte of a file under it is read unless
//! the file itself lies beneath the root.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use ctx_model::AddOptions;

use super::SourceError;

/// Where reads may go.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Confine<'a> {
    /// Beneath this canonical root.
    Beneath(&'a Path),
    /// Anywhere: the artifact allows outside the root.
    Anywhere,
}

impl<'a> Confine<'a> {
    /// The confinement an artifact's options ask for under `root`.
    pub(crate) fn new(root: &'a Path, options: &AddOptions) -> Self {
        if options.allow_outside_root {
            Self::Anywhere
        } else {
            Self::Beneath(root)
        }
    }

    /// Opens `abs` for reading without blocking (a FIFO opens at once, so
    /// the caller's type check can refuse it), refusing a file that does
    /// not lie beneath the root. `Ok(None)` means it lies outside.
    pub(crate) fn open(&self, abs: &Path) -> io::Result<Option<(File, Metadata)>> {
        let Self::Beneath(root) = *self else {
            let file = open(abs, false)?;
            let meta = file.metadata()?;
            return Ok(Some((file, meta)));
        };
        // A path whose last component is not a link (the common case) is
        // opened as it is; a link is resolved first, so a link out of the
        // root is never opened at all (opening some devices has effects).
        let file = match open(abs, true) {
            Err(e) if is_link_error(&e) => {
                let target = std::fs::canonicalize(abs)?;
                if !target.starts_with(root) {
                    return Ok(None);
                }
                open(&target, true)?
            }
            other => other?,
        };
        let meta = file.metadata()?;
        Ok(lies_beneath(&file, &meta, abs, root)?.then_some((file, meta)))
    }

    /// Whether the folder `dir` lies beneath the root, through any links.
    pub(crate) fn holds_dir(&self, dir: &Path) -> io::Result<bool> {
        match *self {
            Self::Anywhere => Ok(true),
            Self::Beneath(root) => Ok(std::fs::canonicalize(dir)?.starts_with(root)),
        }
    }
}

/// The error for `shown`, found outside `root`; when the root itself now
/// resolves elsewhere (it became a link, or a folder above it did), that
/// is the error.
pub(crate) fn outside(shown: String, root: &Path) -> SourceError {
    match root_moved(root) {
        Some(now) => SourceError::RootMoved {
            root: root.to_owned(),
            now,
        },
        None => SourceError::OutsideRoot {
            shown,
            root: root.to_owned(),
        },
    }
}

/// Where `root` (canonical when the pack was created) resolves now, when
/// that is somewhere else.
pub(crate) fn root_moved(root: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(root).ok().filter(|now| now != root)
}

/// Whether the open `file` (opened from `abs`) lies beneath `root`.
fn lies_beneath(file: &File, meta: &Metadata, abs: &Path, root: &Path) -> io::Result<bool> {
    if let Some(opened) = opened_path(file) {
        // A file unlinked since it was opened is named `PATH (deleted)`:
        // still the path it had, and judged by it.
        return Ok(opened.starts_with(root));
    }
    let canonical = std::fs::canonicalize(abs)?;
    if !canonical.starts_with(root) {
        return Ok(false);
    }
    // Not `metadata`: a link swapped in at the last component since the
    // canonical path was taken must not vouch for what it points to.
    let named = std::fs::symlink_metadata(&canonical)?;
    Ok(same_file(meta, &named))
}

/// The path the kernel gives for an open file: on Linux, the target of its
/// `/proc/self/fd` entry; `None` where there is no such entry.
#[cfg(target_os = "linux")]
fn opened_path(file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd as _;
    let path = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
    // Anything not absolute (`pipe:[N]`, `anon_inode:...`) is no file path.
    path.is_absolute().then_some(path)
}

#[cfg(not(target_os = "linux"))]
fn opened_path(_file: &File) -> Option<PathBuf> {
    None
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Without inode numbers, the best left is that both are files of a size.
#[cfg(not(unix))]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    a.is_file() == b.is_file() && a.len() == b.len()
}

/// Opens for reading without blocking (a FIFO opens at once, so a type
/// check on the open file can refuse it); with `no_follow`, a link at the
/// last component fails to open (see [`is_link_error`]).
#[cfg(unix)]
pub(crate) fn open(path: &Path, no_follow: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let flags = libc::O_NONBLOCK | if no_follow { libc::O_NOFOLLOW } else { 0 };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

/// Elsewhere there are no FIFOs to block on, nor `O_NOFOLLOW`.
#[cfg(not(unix))]
pub(crate) fn open(path: &Path, _no_follow: bool) -> io::Result<File> {
    File::open(path)
}

/// Whether an `O_NOFOLLOW` open failed because the last component is a
/// link: `ELOOP` on Linux and macOS, `EMLINK` on FreeBSD.
#[cfg(unix)]
fn is_link_error(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(code) if code == libc::ELOOP || code == libc::EMLINK)
}

#[cfg(not(unix))]
fn is_link_error(_e: &io::Error) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        (dir, root)
    }

    #[cfg(unix)]
    #[test]
    fn links_are_judged_by_where_they_lead() {
        use std::os::unix::fs::symlink;
        let (_dir, root) = root();
        let (_out, outside) = self::root();
        std::fs::write(root.join("a.txt"), "a").expect("write");
        std::fs::write(outside.join("o.txt"), "o").expect("write");
        std::fs::create_dir(root.join("sub")).expect("mkdir");
        symlink(root.join("a.txt"), root.join("in.txt")).expect("link");
        symlink("a.txt", root.join("rel.txt")).expect("link");
        symlink(outside.join("o.txt"), root.join("out.txt")).expect("link");
        symlink(&outside, root.join("sub/far")).expect("link");
        symlink(root.join("sub"), root.join("near")).expect("link");
        let confine = Confine::Beneath(&root);
        let inside = |rel: &str| confine.open(&root.join(rel)).expect("open").is_some();
        assert!(inside("a.txt"));
        assert!(inside("in.txt"));
        assert!(inside("rel.txt"));
        assert!(!inside("out.txt"));
        assert!(!inside("sub/far/o.txt"));
        assert!(confine.holds_dir(&root.join("near")).expect("dir"));
        assert!(!confine.holds_dir(&root.join("sub/far")).expect("dir"));
        let anywhere = Confine::Anywhere;
        assert!(
            anywhere
                .open(&root.join("out.txt"))
                .expect("open")
                .is_some()
        );
        assert!(anywhere.holds_dir(&root.join("sub/far")).expect("dir"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_open_file_is_named_by_the_kernel() {
        let (_dir, root) = root();
        std::fs::write(root.join("a.txt"), "a").expect("write");
        let file = File::open(root.join("a.txt")).expect("open");
        std::fs::rename(root.join("a.txt"), root.join("b.txt")).expect("rename");
        assert_eq!(opened_path(&file), Some(root.join("b.txt")));
    }
}
