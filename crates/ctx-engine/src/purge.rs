//! Purging captured content: a token captured by mistake sits in the store
//! as it was read, and every event that captured it keeps it alive, so gc
//! never frees it. `purge` removes the bytes of the content an artifact, a
//! path or a hash names (and of the snapshot bodies framed from it) for
//! good: one `ContentPurged` event records what went, the blobs' chunks
//! are deleted in the same transaction, and the file is compacted so the
//! bytes leave the disk. The events stay, and say the content is gone.

use std::collections::BTreeSet;

use serde::Serialize;

use ctx_model::{BlobHash, Captured, Event, PackId, PackName, SourceSpec};
use ctx_store::{Query, Writer};

use crate::engine::find_pack;
use crate::pack::find_artifact;
use crate::{Done, Engine, EngineError, NotFound, Outcome, Result};

/// What to purge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurgeTarget<'a> {
    /// The content an artifact captured (by id, id prefix or spec), and the
    /// snapshot bodies framed from it.
    Artifact { pack: &'a str, artifact: &'a str },
    /// Every capture of the file at this root-relative path, in any pack,
    /// and the snapshot bodies framed from it.
    Path(&'a str),
    /// One blob, by its 64-digit BLAKE3 hash.
    Blob(&'a str),
}

/// What a purge removed.
#[derive(Clone, Debug, Serialize)]
pub struct Purged {
    /// How many blobs' bytes are gone.
    pub blobs: usize,
    pub bytes: u64,
    /// The packs that held the content.
    pub packs: Vec<PackName>,
    /// The database file's size before and after.
    pub file_before: u64,
    pub file_after: u64,
}

impl Engine {
    /// Removes the content `target` names from the store for good.
    pub fn purge(&self, target: PurgeTarget<'_>) -> Result<Outcome<Purged>> {
        let file_before = self.file_size()?;
        let outcome = self.write(|w| {
            let (blobs, packs) = purgeable(w, target)?;
            let mut bytes = 0;
            let mut live = Vec::new();
            for hash in blobs {
                if w.purged(&hash)?.is_some() {
                    continue;
                }
                bytes += w.blob_size(&hash)?.unwrap_or(0);
                live.push(hash);
            }
            if live.is_empty() {
                return Ok(Outcome::Unchanged);
            }
            let names = packs
                .iter()
                .map(|id| w.pack(*id).map(|p| p.map(|p| p.name)))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            let record = w.append(self.event(Event::ContentPurged {
                blobs: live.clone(),
                packs: packs.into_iter().collect(),
            }))?;
            Ok(Outcome::Changed(Done {
                seq: record.seq,
                what: Purged {
                    blobs: live.len(),
                    bytes,
                    packs: names,
                    file_before,
                    file_after: file_before,
                },
            }))
        })?;
        let Outcome::Changed(mut done) = outcome else {
            return Ok(Outcome::Unchanged);
        };
        // Deleted pages still hold the bytes until the file is compacted.
        self.store()?.compact()?;
        done.what.file_after = self.file_size()?;
        Ok(Outcome::Changed(done))
    }

    /// The database file's size on disk.
    pub(crate) fn file_size(&self) -> Result<u64> {
        let path = self.db_path();
        std::fs::metadata(&path)
            .map(|m| m.len())
            .map_err(|error| EngineError::ReadFile { path, error })
    }
}

/// The blobs `target` names, and the live packs holding them.
fn purgeable(
    w: &Writer,
    target: PurgeTarget<'_>,
) -> Result<(BTreeSet<BlobHash>, BTreeSet<PackId>)> {
    let mut blobs = BTreeSet::new();
    let mut packs = BTreeSet::new();
    match target {
        PurgeTarget::Artifact { pack, artifact } => {
            let pack = find_pack(w, pack)?;
            let artifacts = w.artifacts(pack.id)?;
            let found = find_artifact(&artifacts, &pack.name, artifact)?;
            blobs.extend(found.content.blobs().map(|b| b.hash));
            packs.insert(pack.id);
            // What it held before each refresh or change of options is its
            // content too.
            w.for_each_event(|record| {
                if let Some((of, artifact, from, to)) = record.event.recaptured()
                    && of == pack.id
                    && artifact == found.id
                {
                    blobs.extend(from.blobs().chain(to.blobs()).map(|b| b.hash));
                }
                Ok(())
            })?;
            for_each_body(
                w,
                |item| (item.origin.artifact == found.id).then(|| item.blob()),
                &mut blobs,
            )?;
        }
        PurgeTarget::Path(path) => {
            w.for_each_event(|record| {
                if let Some((pack, spec, content)) = record.event.captured() {
                    let before = blobs.len();
                    captures_of(spec, content, path, &mut blobs);
                    if blobs.len() > before {
                        packs.insert(pack);
                    }
                }
                Ok(())
            })?;
            for_each_body(
                w,
                |item| (item.origin.path.as_deref() == Some(path)).then(|| item.blob()),
                &mut blobs,
            )?;
            if blobs.is_empty() {
                return Err(NotFound::Capture(path.to_owned()).into());
            }
        }
        PurgeTarget::Blob(hex) => {
            let hash: BlobHash = hex.parse().map_err(|_| NotFound::Blob(hex.to_owned()))?;
            if w.blob_size(&hash)?.is_none() && w.purged(&hash)?.is_none() {
                return Err(NotFound::Blob(hex.to_owned()).into());
            }
            blobs.insert(hash);
            // The pieces a split cut from an item of this blob hold its lines.
            for_each_body(w, |item| (item.blob() == hash).then_some(hash), &mut blobs)?;
        }
    }
    // A pack that no longer exists holds nothing.
    let mut live = BTreeSet::new();
    for id in packs {
        if w.pack(id)?.is_some() {
            live.insert(id);
        }
    }
    Ok((blobs, live))
}

/// Adds the blobs of `content` (captured for `spec`) that hold the file
/// at `path`.
fn captures_of(spec: &SourceSpec, content: &Captured, path: &str, blobs: &mut BTreeSet<BlobHash>) {
    match content {
        Captured::Blob(b) if spec.path() == Some(path) => {
            blobs.insert(b.hash);
        }
        Captured::Blob(_) => {}
        Captured::Files { files, .. } => {
            blobs.extend(files.iter().filter(|f| f.path == path).map(|f| f.blob.hash));
        }
    }
}

/// Adds the blob of every snapshot item `pick` chooses, and of every
/// piece a split cut from such an item (its lines are the item's).
fn for_each_body(
    r: &impl Query,
    pick: impl Fn(&ctx_model::SnapshotItem) -> Option<BlobHash>,
    blobs: &mut BTreeSet<BlobHash>,
) -> Result<()> {
    for id in r.snapshot_ids()? {
        if let Some(manifest) = r.snapshot(id)? {
            blobs.extend(manifest.kept().filter_map(&pick));
            let pieces = manifest.split.iter().flat_map(|s| &s.pieces);
            for piece in pieces {
                let item = manifest.items.get(piece.item as usize);
                if item.and_then(&pick).is_some() {
                    blobs.insert(piece.kept.blob());
                }
            }
        }
    }
    Ok(())
}
