//! Writing a payload or a bundle to the file a user named (`-o FILE`,
//! `snapshot export ID FILE`).
//!
//! No output may reach the store: a path that names the database by any
//! name (a symlink, a hard link), or would put a file inside the home
//! folder, is refused before anything is written. Otherwise the output
//! lands where a shell redirection would put it, and the file stays the
//! file it was:
//!
//! - `-`, and any path that is this process's stdout (`/dev/stdout`,
//!   `/dev/fd/1`, the file stdout is redirected to), is written to stdout;
//! - a device, FIFO or terminal is written in place, never replaced;
//! - a symlink is followed and its target written (a dangling one creates
//!   its target); the link stays;
//! - a regular file is replaced atomically, through a temporary file in its
//!   own folder and a rename, keeping its mode and (as far as this process
//!   may) its owner. One this process may not write is refused, not
//!   replaced. One with several hard links, or in a folder this process
//!   may not write, is written in place instead, so every name still shows
//!   the same file: such a write is not atomic.
//!
//! Files are told apart by device and inode, which ties this module to
//! Unix, as ctx is.

use std::io::Write;
use std::os::fd::AsFd as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _, fchown};
use std::path::{Path, PathBuf};

use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::Output;

/// How many links a path may pass through, as Linux allows.
const MAX_LINKS: usize = 40;

/// Content that writes `pieces`, in order, for [`to_path`].
pub fn pieces<'a>(
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> impl FnOnce(&mut dyn Write) -> std::io::Result<()> {
    move |out| pieces.into_iter().try_for_each(|p| out.write_all(p))
}

/// The file an output option names, or `None` for stdout (`-`).
pub fn named(path: Option<&Path>) -> Option<&Path> {
    path.filter(|p| *p != Path::new("-"))
}

/// What `content` writes, written to `path` (relative to the current
/// folder): see the module documentation for where it lands. `content`
/// streams into the file, so what it writes need not be held whole.
pub fn to_path(
    inv: &Invocation,
    path: &Path,
    content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    out: &mut Output,
) -> Result<()> {
    let path = &inv.cwd.join(path);
    refuse_the_store(path, inv.engine.home(), &inv.engine.db_path())?;
    let fail = |e: std::io::Error| {
        CliError::new(
            Kind::Error,
            format!("cannot write `{}`: {e}", path.display()),
        )
    };
    match std::fs::metadata(path) {
        Ok(meta) if is_stdout(&meta) => return out.stream(content),
        // Renaming over a device, a FIFO or a terminal would replace it.
        Ok(meta) if !meta.is_file() => return in_place(path, content, false).map_err(fail),
        _ => {}
    }
    let target = resolve_links(path).map_err(fail)?;
    match std::fs::metadata(&target) {
        Ok(meta) if meta.nlink() > 1 => in_place(&target, content, true).map_err(fail),
        Ok(meta) => replace(&target, Some(&meta), content).map_err(fail),
        Err(e) if is_missing(&e) => {
            let dir = folder(&target);
            if !dir.is_dir() {
                return Err(CliError::new(
                    Kind::Error,
                    format!(
                        "cannot write `{}`: the folder `{}` does not exist",
                        path.display(),
                        dir.display()
                    ),
                ));
            }
            replace(&target, None, content).map_err(fail)
        }
        Err(e) => Err(fail(e)),
    }
}

/// Refuses a `path` that is the database, by any name, or that would write
/// into the home folder. Files are told apart by device and inode, so links
/// and bind mounts are seen through.
fn refuse_the_store(path: &Path, home: &Path, db: &Path) -> Result<()> {
    let db_id = std::fs::metadata(db).ok().map(|m| id(&m));
    let home_id = std::fs::metadata(home).ok().map(|m| id(&m));
    let hint = || {
        format!(
            "choose an output path outside the ctx home folder `{}`",
            home.display()
        )
    };
    if let Ok(meta) = std::fs::metadata(path)
        && db_id.is_some_and(|db| db == id(&meta))
    {
        return Err(CliError::new(
            Kind::Usage,
            format!(
                "refusing to write `{}`: it is ctx's database `{}`",
                path.display(),
                db.display()
            ),
        )
        .hint(hint()));
    }
    let Some(home_id) = home_id else {
        return Ok(());
    };
    // Where the write would land: the folder holding the link's target,
    // or the path itself when it is a folder.
    let target = resolve_links(path).unwrap_or_else(|_| path.to_owned());
    let start = if target.is_dir() {
        target
    } else {
        folder(&target).to_owned()
    };
    // A folder that does not exist holds nothing: the write fails anyway.
    let Ok(start) = std::fs::canonicalize(start) else {
        return Ok(());
    };
    let inside = start
        .ancestors()
        .any(|dir| std::fs::metadata(dir).is_ok_and(|m| id(&m) == home_id));
    if inside {
        return Err(CliError::new(
            Kind::Usage,
            format!(
                "refusing to write `{}`: it is in the ctx home folder `{}`, beside the database",
                path.display(),
                home.display()
            ),
        )
        .hint(hint()));
    }
    Ok(())
}

/// The path a chain of symlinks ends at: the first that is not a link, or
/// does not exist. Each link's target is taken relative to the folder
/// holding the link, as the kernel takes it.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut at = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&at)?;
                at = match at.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            Err(e) if !is_missing(&e) => return Err(e),
            _ => return Ok(at),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Whether an error says there is no file at a path (one of its folders
/// may be missing, or be a file).
fn is_missing(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// The folder `path` is in; `.` for a bare name.
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Writes into the file at `path` as it is, without replacing it; with
/// `truncate`, cuts it to what was written (a regular file).
fn in_place(
    path: &Path,
    content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    truncate: bool,
) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    let mut out = std::io::BufWriter::new(file);
    content(&mut out)?;
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    if truncate {
        use std::io::Seek as _;
        let written = file.stream_position()?;
        file.set_len(written)?;
        file.sync_all()?;
    }
    Ok(())
}

/// Replaces the regular file at `path` (or creates it) through a temporary
/// file in the same folder and a rename, so `path` holds the old content or
/// the new, never half. An existing file keeps its mode and owner.
fn replace(
    path: &Path,
    existing: Option<&std::fs::Metadata>,
    content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if existing.is_some() {
        // A rename needs only the folder: check the file itself may be
        // written, as a shell redirection would.
        drop(std::fs::OpenOptions::new().write(true).open(path)?);
    }
    let (tmp, file) = match temp_file(folder(path), existing.is_some()) {
        Ok(made) => made,
        // A file that may be written in a folder that may not: written in
        // place, as a shell redirection would.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && existing.is_some() => {
            return in_place(path, content, true);
        }
        Err(e) => return Err(e),
    };
    let written = (|| {
        let mut out = std::io::BufWriter::new(file);
        content(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        if let Some(meta) = existing {
            keep_owner_and_mode(&file, meta)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A new temporary file in `dir`. Its name is short (`.ctx-PID-N.tmp`), so
/// any name valid for the target is valid beside it. In place of a file
/// that exists, it starts private, until it takes that file's mode.
fn temp_file(dir: &Path, private: bool) -> std::io::Result<(PathBuf, std::fs::File)> {
    let pid = std::process::id();
    for n in 0u32.. {
        let tmp = dir.join(format!(".ctx-{pid}-{n}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        options.mode(if private { 0o600 } else { 0o666 });
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// Gives `file` the owner and mode of `meta`. The owner only as far as
/// this process may (root any, others their own groups); the mode after
/// it, since a change of owner clears set-id bits.
fn keep_owner_and_mode(file: &std::fs::File, meta: &std::fs::Metadata) -> std::io::Result<()> {
    if fchown(file, Some(meta.uid()), Some(meta.gid())).is_err() {
        let _ = fchown(file, None, Some(meta.gid()));
    }
    file.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))
}

/// Device and inode: what makes two paths one file.
fn id(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

/// Whether `meta` is the file this process's stdout is.
fn is_stdout(meta: &std::fs::Metadata) -> bool {
    std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata())
        .is_ok_and(|stdout| id(&stdout) == id(meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_is_stdout() {
        assert_eq!(named(Some(Path::new("-"))), None);
        assert_eq!(named(None), None);
        assert_eq!(named(Some(Path::new("./-"))), Some(Path::new("./-")));
    }

    #[test]
    fn links_resolve_relative_to_their_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).expect("mkdir");
        std::os::unix::fs::symlink("sub/b", d.join("a")).expect("symlink");
        std::os::unix::fs::symlink("../c", d.join("sub/b")).expect("symlink");
        assert_eq!(
            resolve_links(&d.join("a")).expect("resolve"),
            d.join("sub/../c")
        );
        std::os::unix::fs::symlink("loop", d.join("loop")).expect("symlink");
        assert!(resolve_links(&d.join("loop")).is_err());
    }

    #[test]
    fn a_temp_name_is_short_and_never_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, _fa) = temp_file(dir.path(), true).expect("first");
        let (b, _fb) = temp_file(dir.path(), true).expect("second");
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert!(name.file_name().expect("name").len() <= ".ctx-4294967295-999.tmp".len());
        }
    }
}
