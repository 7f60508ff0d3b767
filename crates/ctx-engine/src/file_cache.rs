//! The file cache's rules: which record describes which version of a file,
//! when a version may still change under an unchanged stamp, and the record
//! of a file found clean. `pack add` notes what it scanned; a render skips
//! scanning and hashing what the cache vouches for.

use std::path::Path;

use ctx_redact::RULES_VERSION;
use ctx_store::FileStamp;

use crate::source::Stamp;

/// A modification or change time this close to now may be followed by
/// another write within the same clock tick (two seconds on FAT), which
/// would leave the stamp as it is: such a file is not cached (git's "racily
/// clean" problem).
const RACY_NS: i128 = 2_000_000_000;

/// Now, in nanoseconds since the Unix epoch (0 on a clock before it).
pub(crate) fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Whether a file may still change without its stamp changing.
pub(crate) fn racy(stamp: &Stamp, now_ns: i128) -> bool {
    now_ns - stamp.mtime_ns <= RACY_NS || now_ns - stamp.ctime_ns <= RACY_NS
}

/// Whether a cached record describes the version of the file `stamp` was
/// taken from.
pub(crate) fn same_version(record: &FileStamp, stamp: &Stamp) -> bool {
    record.dev == stamp.dev
        && record.ino == stamp.ino
        && record.size == stamp.size
        && record.mtime_ns == stamp.mtime_ns
        && record.ctime_ns == stamp.ctime_ns
}

/// The record of a version of a file the current rules found no secret in.
pub(crate) fn clean(stamp: &Stamp) -> FileStamp {
    FileStamp {
        dev: stamp.dev,
        ino: stamp.ino,
        size: stamp.size,
        mtime_ns: stamp.mtime_ns,
        ctime_ns: stamp.ctime_ns,
        clean_under: RULES_VERSION,
        body: None,
    }
}

/// The key of a text read from the file at `path` (its absolute path) and
/// its stamp; `None` for a note, a diff, a slice, or a path that is not
/// UTF-8.
pub(crate) fn file_of(
    root: &Path,
    path: Option<&str>,
    stamp: Option<Stamp>,
) -> Option<(String, Stamp)> {
    let path = root.join(path?);
    Some((path.to_str()?.to_owned(), stamp?))
}
