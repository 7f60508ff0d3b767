//! Keeping a store healthy: `gc` removes content nothing needs and gives
//! the space back; `fsck` checks every blob, the log and the derived
//! tables, and with `repair` rebuilds the derived tables from the log (the
//! log itself is never changed).

use serde::Serialize;

use ctx_store::fsck::{self, Problem};

use crate::view::display;
use crate::{Engine, Result};

/// What `gc` removed, or would remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Collected {
    pub dry_run: bool,
    pub blobs_removed: u64,
    /// Bytes of blob content removed.
    pub bytes_removed: u64,
    /// The database file's size before and after.
    pub file_before: u64,
    pub file_after: u64,
    /// What went back to the disk.
    pub bytes_returned: u64,
}

/// What `fsck` looked at, and what it found.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    pub events: u64,
    /// Bytes of the encoded events, as stored.
    pub event_bytes: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Blobs purged on purpose, which are gone and not missing.
    pub purged: u64,
    /// Every problem, each shown as one line.
    #[serde(serialize_with = "problems")]
    pub problems: Vec<Problem>,
    /// Whether the derived tables were rebuilt first.
    pub repaired: bool,
}

fn problems<S: serde::Serializer>(list: &[Problem], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Line<'a>(#[serde(serialize_with = "display")] &'a Problem);
    s.collect_seq(list.iter().map(Line))
}

impl Checked {
    /// Whether every problem is a derived table out of step with the log,
    /// which `repair` fixes.
    pub fn repairable(&self) -> bool {
        self.problems
            .iter()
            .all(|p| matches!(p, Problem::IndexMismatch { .. }))
    }
}

impl Engine {
    /// Removes blobs no event and no snapshot needs (unless `dry_run`), and
    /// compacts the database file.
    pub fn gc(&self, dry_run: bool) -> Result<Collected> {
        // A dry run only reads: it works on a store this user may not write.
        let mut store = if dry_run {
            self.store_read()?
        } else {
            self.store()?
        };
        let report = store.gc(dry_run)?;
        Ok(Collected {
            dry_run,
            blobs_removed: report.blobs_removed,
            bytes_removed: report.bytes_removed,
            file_before: report.file_before,
            file_after: report.file_after,
            bytes_returned: report.file_before.saturating_sub(report.file_after),
        })
    }

    /// Checks the store; with `repair`, rebuilds the derived tables from the
    /// log first. Problems are part of the outcome, not an error.
    pub fn fsck(&self, repair: bool) -> Result<Checked> {
        if repair {
            self.write(|w| Ok(w.rebuild_derived()?))?;
        }
        let report = self.read(|r| Ok(fsck::check(r)?))?;
        Ok(Checked {
            events: report.events,
            event_bytes: report.event_bytes,
            blobs: report.blobs,
            blob_bytes: report.blob_bytes,
            purged: report.purged,
            problems: report.problems,
            repaired: repair,
        })
    }
}
