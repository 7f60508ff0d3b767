//! Garbage collection: remove the blobs nothing needs any more, then compact
//! the file so the space goes back to the disk.
//!
//! A blob is needed while any event of the log refers to it (so every past
//! state of a pack can still be rendered frozen) or a live snapshot does.
//! Deleting a snapshot therefore frees the framed bodies only it held, and
//! gc removes the manifests of deleted snapshots with them: until then an
//! undo restores a deleted snapshot, after it nothing can.

use std::collections::HashSet;

use redb::ReadableTable;

use ctx_model::{BlobHash, SnapshotItem};

use crate::error::{Result, StoreError};
use crate::read::Query;
use crate::schema::{BLOBS, DELETED_SNAPSHOTS};
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
    /// A dry run only reads, so it works on a store opened read-only.
    pub fn gc(&mut self, dry_run: bool) -> Result<GcReport> {
        let file_size = |path: &std::path::Path| {
            std::fs::metadata(path)
                .map(|m| m.len())
                .map_err(|source| StoreError::Open {
                    path: path.to_owned(),
                    source,
                })
        };
        let file_before = file_size(self.path())?;
        if dry_run {
            let (_, mut report) = unreferenced(&self.read()?)?;
            report.file_before = file_before;
            report.file_after = file_before;
            return Ok(report);
        }
        let w = self.write()?;
        let (doomed, mut report) = unreferenced(&w)?;
        {
            w.txn.open_table(DELETED_SNAPSHOTS)?.retain(|_, _| false)?;
            let mut blobs = w.txn.open_table(BLOBS)?;
            for key in doomed {
                blobs.remove(key)?;
            }
        }
        w.commit()?;
        self.compact()?;
        report.file_before = file_before;
        report.file_after = file_size(self.path())?;
        Ok(report)
    }
}

/// A key of the blobs table: a blob's hash and a chunk's index.
type ChunkKey = ([u8; 32], u32);

/// The chunks of every blob no event and no live snapshot needs, and how
/// many blobs and bytes they are.
fn unreferenced(r: &impl Query) -> Result<(Vec<ChunkKey>, GcReport)> {
    let mut needed: HashSet<BlobHash> = HashSet::new();
    r.for_each_event(|record| {
        if let Some((_, _, content)) = record.event.captured() {
            needed.extend(content.blobs().map(|b| b.hash));
        }
        Ok(())
    })?;
    for id in r.snapshot_ids()? {
        if let Some(manifest) = r.snapshot(id)? {
            needed.extend(manifest.kept().map(SnapshotItem::blob));
        }
    }
    let mut report = GcReport::default();
    let mut doomed = Vec::new();
    let blobs = r.table(BLOBS)?;
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
    Ok((doomed, report))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use ctx_model::{
        AddOptions, ArtifactId, BodyForm, Captured, CapturedBlob, Escape, Event, Format, Frame,
        ItemOrigin, Manifest, NewArtifact, PackId, PackName, PackRef, SnapshotId, SnapshotItem,
        SourceSpec, Timestamp, TokenizerKind,
    };

    use crate::{NewEvent, Query, Store};

    #[derive(Clone, Debug)]
    enum Op {
        Add(u8),
        Remove,
        Snapshot(Vec<u8>),
        DeleteSnapshot,
        Gc,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => any::<u8>().prop_map(Op::Add),
            1 => Just(Op::Remove),
            2 => proptest::collection::vec(any::<u8>(), 1..4).prop_map(Op::Snapshot),
            1 => Just(Op::DeleteSnapshot),
            1 => Just(Op::Gc),
        ]
    }

    fn new_event(event: Event) -> NewEvent {
        NewEvent {
            time: Timestamp(0),
            user: "t".into(),
            version: "0".into(),
            command: vec![],
            event,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the history, gc keeps every blob an event or a live
        /// snapshot refers to.
        #[test]
        fn gc_never_deletes_a_needed_blob(ops in proptest::collection::vec(op(), 1..40)) {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut store = Store::open(&dir.path().join("ctx.redb"), Duration::ZERO).expect("opens");
            let pack = PackId(1);
            {
                let mut w = store.write().expect("write");
                w.append(new_event(Event::PackCreated {
                    name: PackName::new("p").expect("name"),
                    root: "/".into(),
                    budget: 1,
                    tokenizer: TokenizerKind::O200k,
                }))
                .expect("create");
                w.commit().expect("commit");
            }
            let mut live: Vec<(ArtifactId, SourceSpec)> = Vec::new();
            let mut snapshots: Vec<SnapshotId> = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                if let Op::Gc = op {
                    store.gc(false).expect("gc");
                    continue;
                }
                let mut w = store.write().expect("write");
                match op {
                    Op::Add(b) => {
                        let text = format!("note {n} {b}");
                        let hash = w.put_blob(text.as_bytes()).expect("blob");
                        let spec = SourceSpec::Text { text: text.clone() };
                        let record = w.append(new_event(Event::ArtifactAdded {
                            pack,
                            artifact: NewArtifact {
                                spec: spec.clone(),
                                priority: 0,
                                options: AddOptions::default(),
                                content: Captured::Blob(CapturedBlob { hash, bytes: text.len() as u64, tokens: 1 }),
                            },
                        })).expect("add");
                        live.push((ArtifactId(record.seq.0), spec));
                    }
                    Op::Remove => {
                        if let Some((artifact, spec)) = live.pop() {
                            w.append(new_event(Event::ArtifactRemoved { pack, artifact, spec })).expect("remove");
                        }
                    }
                    Op::Snapshot(bodies) => {
                        let items: Vec<SnapshotItem> = bodies.iter().enumerate().map(|(i, b)| {
                            let body = format!("body {n} {i} {b}");
                            let content = w.put_blob(body.as_bytes()).expect("blob");
                            // Every other item refers to its content in a frame.
                            let form = if i % 2 == 0 {
                                BodyForm::Whole
                            } else {
                                BodyForm::Framed(Frame {
                                    open: "> ".into(),
                                    content,
                                    escape: Escape::None,
                                    close: String::new(),
                                    bytes: body.len() as u64 + 2,
                                })
                            };
                            SnapshotItem {
                                origin: ItemOrigin {
                                    pack: "p".into(),
                                    artifact: ArtifactId(0),
                                    source: "text:x".into(),
                                    path: None,
                                    lines: None,
                                },
                                head: String::new(),
                                body: match &form {
                                    BodyForm::Whole => content,
                                    BodyForm::Framed(_) => ctx_model::BlobHash::of(format!("> {body}").as_bytes()),
                                },
                                tokens: 1,
                                form,
                            }
                        }).collect();
                        let manifest = Manifest {
                            packs: vec![PackRef { id: pack, name: PackName::new("p").expect("name") }],
                            label: None,
                            format: Format::Markdown,
                            tokenizer: TokenizerKind::O200k,
                            budget: 1,
                            tokens: 0,
                            render_hash: ctx_model::BlobHash::of(b""),
                            payload_hash: ctx_model::BlobHash::of(b""),
                            payload_bytes: 0,
                            preamble: String::new(),
                            trailer: String::new(),
                            items,
                            excluded: Vec::new(),
                            split: None,
                        };
                        let (_, id) = w.append_snapshot(new_event(Event::SnapshotCreated {
                            packs: vec![pack],
                            label: None,
                            payload: ctx_model::BlobHash::of(b""),
                            tokens: 0,
                        }), &manifest).expect("snapshot");
                        snapshots.push(id);
                    }
                    Op::DeleteSnapshot => {
                        if let Some(id) = snapshots.pop() {
                            w.append(new_event(Event::SnapshotDeleted { snapshot: id, packs: vec![pack] })).expect("delete");
                        }
                    }
                    Op::Gc => unreachable!(),
                }
                w.commit().expect("commit");
            }
            store.gc(false).expect("gc");
            let r = store.read().expect("read");
            for id in &snapshots {
                let manifest = r.snapshot(*id).expect("read").expect("live snapshot");
                for item in &manifest.items {
                    prop_assert!(r.blob(&item.blob()).expect("read").is_some(), "snapshot {} lost a blob", id);
                }
            }
            r.for_each_event(|record| {
                if let Event::ArtifactAdded { artifact, .. } = &record.event {
                    for blob in artifact.content.blobs() {
                        assert!(r.blob(&blob.hash)?.is_some(), "event {} lost its blob", record.seq);
                    }
                }
                Ok(())
            }).expect("events");
            let report = crate::fsck::check(&r).expect("fsck");
            prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
        }
    }
}
