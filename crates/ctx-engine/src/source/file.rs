//! Reading one file: refuse what lies outside the pack root, is not a
//! regular file, too large, binary or sensitive, and decode the rest as
//! UTF-8 (lossily, with a flag).

use std::io::Read as _;
use std::path::Path;

use ctx_model::AddOptions;

use super::confine::Confine;
use super::path::to_slash;
use super::{SourceError, Text};

/// Spare capacity read buffers get for the frame a render puts around them.
const FRAME_SLACK: usize = 256;

/// The largest buffer reserved up front from a file's reported size.
const CAPACITY_HINT_CAP: u64 = 64 * 1024 * 1024;

/// How far into a file a NUL byte marks it as binary.
const BINARY_PROBE: usize = 8 * 1024;

/// Reads a file the user named directly, refusing sensitive names.
pub(super) fn read_named(
    root: &Path,
    rel: &str,
    options: &AddOptions,
    rules: &super::Sensitive,
) -> Result<Text, SourceError> {
    let abs = root.join(rel);
    if !options.allow_sensitive
        && let Some(reason) = sensitive(root, rel, &abs, rules)
    {
        return Err(SourceError::Sensitive {
            shown: rel.to_owned(),
            reason,
        });
    }
    read(
        &abs,
        rel,
        options.max_file_bytes,
        Confine::new(root, options),
    )
}

/// Why the file at `abs` (`rel` under `root`) is sensitive: by its own
/// name, or by the name of what it links to, so `notes.txt -> .env` is
/// refused like `.env`.
pub(super) fn sensitive(
    root: &Path,
    rel: &str,
    abs: &Path,
    rules: &super::Sensitive,
) -> Option<String> {
    rules.reason(rel).or_else(|| {
        let target = std::fs::canonicalize(abs).ok()?;
        let shown = to_slash(target.strip_prefix(root).unwrap_or(&target))?;
        rules.reason(&shown)
    })
}

/// Reads `abs` (shown to users as `shown`), refusing files `confine` keeps
/// out, non-files, files over `max_bytes` and binary files.
pub(super) fn read(
    abs: &Path,
    shown: &str,
    max_bytes: u64,
    confine: Confine<'_>,
) -> Result<Text, SourceError> {
    let shown_owned = || shown.to_owned();
    let io_error = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => SourceError::Missing {
            shown: shown_owned(),
        },
        _ => SourceError::Read {
            shown: shown_owned(),
            source,
        },
    };
    // Non-blocking, so opening a FIFO returns at once instead of waiting for
    // a writer; the type check below then refuses it. Where the file lies,
    // and its type, are checked on the open file (not the path, then
    // opening): a swap between the check and the read cannot change which
    // file either is about.
    let Some((file, meta)) = confine.open(abs).map_err(io_error)? else {
        let Confine::Beneath(root) = confine else {
            unreachable!("BUG: nothing lies outside `Anywhere`")
        };
        return Err(super::confine::outside(shown_owned(), root));
    };
    if meta.is_dir() {
        return Err(SourceError::IsDirectory {
            shown: shown_owned(),
        });
    }
    if !meta.is_file() {
        return Err(SourceError::NotAFile {
            shown: shown_owned(),
        });
    }
    let too_large = |size| SourceError::TooLarge {
        shown: shown_owned(),
        size,
        limit: max_bytes,
    };
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    // Room for a frame around the content, so a render can add one in place.
    // The size is only a hint (a sparse or special file may claim any), so
    // it is capped; reading grows the buffer as needed.
    let hint = meta.len().min(CAPACITY_HINT_CAP) as usize;
    let mut bytes = Vec::with_capacity(hint + FRAME_SLACK);
    // A file that grows while being read is cut at the limit plus one byte,
    // so it is refused instead of read without end. The limit is the
    // user's (`--max-file-bytes`), so it may be `u64::MAX`.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    let len = bytes.len() as u64;
    if bytes[..bytes.len().min(BINARY_PROBE)].contains(&0) {
        return Err(SourceError::Binary {
            shown: shown_owned(),
        });
    }
    let (text, lossy) = decode(bytes);
    Ok(Text {
        path: Some(shown.to_owned()),
        text,
        lossy,
        // Only a file read whole, unchanged while it was read, has a stamp.
        stamp: stamp(&meta).filter(|s| s.size == len),
    })
}

/// The stamp of an open file, from the same `fstat` its checks used.
fn stamp(meta: &std::fs::Metadata) -> Option<super::Stamp> {
    let mtime_ns = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as i128;
    let (dev, ino, ctime_ns) = identity(meta);
    Some(super::Stamp {
        dev,
        ino,
        size: meta.len(),
        mtime_ns,
        ctime_ns,
    })
}

/// Device, inode and status-change time in nanoseconds. The change time is
/// set by the kernel on every write and cannot be set back (`touch -d`,
/// `cp -p`, `rsync -t` and `tar x` set only the modification time), and a
/// file replaced by another has another inode.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64, i128) {
    use std::os::unix::fs::MetadataExt as _;
    let ctime_ns = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
    (meta.dev(), meta.ino(), ctime_ns)
}

/// Elsewhere only size and modification time are known.
#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> (u64, u64, i128) {
    (0, 0, 0)
}

/// Decodes UTF-8, replacing invalid sequences; the flag says whether any were.
pub(super) fn decode(bytes: Vec<u8>) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
    }
}

/// Lines `start..=end` (1-based) of `text` with their line endings, or the
/// file's line count when the range runs past it.
pub(super) fn slice_lines(text: &str, start: u32, end: u32) -> Result<String, usize> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (start, end) = (start as usize, end as usize);
    if end > lines.len() {
        return Err(lines.len());
    }
    Ok(lines[start - 1..end].concat())
}

#[cfg(test)]
mod tests {
    use super::slice_lines;

    #[test]
    fn slices_inclusive_ranges() {
        let text = "a\nb\nc";
        assert_eq!(slice_lines(text, 1, 1).as_deref(), Ok("a\n"));
        assert_eq!(slice_lines(text, 2, 3).as_deref(), Ok("b\nc"));
        assert_eq!(slice_lines(text, 3, 4), Err(3));
        assert_eq!(slice_lines("", 1, 1), Err(0));
        assert_eq!(slice_lines("x\n", 1, 1).as_deref(), Ok("x\n"));
    }
}
