//! Garbage collection: remove the blobs nothing needs any more, then compact
//! the file so the space goes back to the disk.
//!
//! A blob is needed while any event of the log refers to it (so every past
//! state of a pack can still be rendered frozen) or a live snapshot does.
//! Deleting a snapshot therefore frees the framed bodies only it held.

use std::collections::HashSet;

use redb::ReadableTable;

use ctx_model::{BlobHash, Event};

use crate::error::{Result, StoreError};
use crate::read::Read;
use crate::schema::BLOBS;
use crate::store::Store;

/// What a collection removed, or would remove.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GcReport {
    pub blobs_removed: u64,
    pub bytes_removed: u64,
    /// The database file's size before and after (equal on a dry run).
    pub file_before: u64,
    pub file_after: u64,
}

impl Store {
    /// Removes unreferenced blobs (unless `dry_run`) and compacts the file.
    pub fn gc(&mut self, dry_run: bool) -> Result<GcReport> {
        let file_size = |path: &std::path::Path| {
            std::fs::metadata(path)
                .map(|m| m.len())
                .map_err(|source| StoreError::Open {
                    path: path.to_owned(),
                    source,
                })
        };
        let mut report = GcReport {
            file_before: file_size(self.path())?,
            ..GcReport::default()
        };
        let w = self.write()?;
        let mut needed: HashSet<BlobHash> = HashSet::new();
        w.for_each_event(|record| {
            if let Event::ArtifactAdded { artifact, .. } = &record.event {
                needed.extend(artifact.content.blobs().map(|b| b.hash));
            }
            Ok(())
        })?;
        for id in w.snapshot_ids()? {
            if let Some(manifest) = w.snapshot(id)? {
                needed.extend(manifest.items.iter().map(|i| i.body));
            }
        }
        let mut doomed = Vec::new();
        {
            let blobs = w.table(BLOBS)?;
            let mut last = None;
            for entry in blobs.iter()? {
                let (key, value) = entry?;
                let (hash, index) = key.value();
                if needed.contains(&BlobHash(hash)) {
                    continue;
                }
                if last != Some(hash) {
                    report.blobs_removed += 1;
                    last = Some(hash);
                }
                report.bytes_removed += value.value().len() as u64;
                doomed.push((hash, index));
            }
        }
        if dry_run {
            report.file_after = report.file_before;
            return Ok(report);
        }
        {
            let mut blobs = w.txn.open_table(BLOBS)?;
            for key in doomed {
                blobs.remove(key)?;
            }
        }
        w.commit()?;
        self.compact()?;
        report.file_after = file_size(self.path())?;
        Ok(report)
    }
}
