//! Reads shared by read and write transactions: one implementation serves
//! both, so a command sees the same state whichever transaction it holds.

use redb::{Key, ReadableTable, TableDefinition, Value};

use ctx_model::Format;
use ctx_model::undo::Undo;
use ctx_model::{
    Artifact, ArtifactId, BlobHash, EventRecord, EventSeq, History, Manifest, Pack, PackId,
    PackName, SnapshotId, SourceSpec, State, StateView, TokenizerKind, UndoTarget,
};

use crate::codec::{decode, decode_event, decode_manifest};
use crate::error::{Result, StoreError};
use crate::schema::{
    ARTIFACT_SPECS, ARTIFACTS, BLOBS, DELETED_SNAPSHOTS, EVENTS, EVENTS_BY_PACK, FILE_CACHE,
    OUTLINES, PACK_NAMES, PACKS, PURGED, SNAPSHOT_ALIASES, SNAPSHOT_SEQS, SNAPSHOTS, TOKEN_COUNTS,
};

/// What ctx learned about one version of a file, named as git's index
/// names it: device, inode, size, and modification and status-change times.
/// The change time is set by the kernel on every write and cannot be set
/// back, so a file rewritten with its size and modification time kept
/// (`cp -p`, `rsync -t`, `tar x`, `touch -d`) is another version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
    /// Status-change time, nanoseconds since the Unix epoch.
    pub ctime_ns: i128,
    /// The version of the redaction rules that found no secret in it; 0
    /// when none has looked.
    pub clean_under: u32,
    /// The body the last render framed from the file, when it was clean.
    pub body: Option<BodyStamp>,
}

/// Which body a clean file was framed into, and that body's hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BodyStamp {
    pub format: Format,
    pub title: String,
    /// The framing version that produced it.
    pub framing: u32,
    pub hash: BlobHash,
}

/// A cached token count: the content's hash, the tokenizer that counted
/// it, and what it counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedCount {
    pub hash: BlobHash,
    pub tokenizer: TokenizerKind,
    pub tokens: u32,
}

/// Read access to the store through an open transaction, named apart from
/// `std::io::Read`.
pub trait Query {
    /// Opens one table in the transaction.
    #[doc(hidden)]
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<impl ReadableTable<K, V> + '_>;

    /// The seq of the newest event, 0 on an empty log.
    fn last_seq(&self) -> Result<EventSeq> {
        let events = self.table(EVENTS)?;
        Ok(EventSeq(events.last()?.map_or(0, |(k, _)| k.value())))
    }

    /// One event.
    fn event(&self, seq: EventSeq) -> Result<Option<EventRecord>> {
        let events = self.table(EVENTS)?;
        let value = events.get(seq.0)?;
        value.map(|v| decode_event(v.value(), seq.0)).transpose()
    }

    /// Up to `limit` events older than `before` (all when `None`), newest first.
    fn events_rev(&self, before: Option<EventSeq>, limit: usize) -> Result<Vec<EventRecord>> {
        let events = self.table(EVENTS)?;
        let end = before.map_or(u64::MAX, |s| s.0);
        let mut out = Vec::with_capacity(limit.min(1024));
        for entry in events.range(..end)?.rev().take(limit) {
            let (k, v) = entry?;
            out.push(decode_event(v.value(), k.value())?);
        }
        Ok(out)
    }

    /// Up to `limit` events of one pack older than `before`, newest first;
    /// reads only that pack's index range.
    fn pack_events_rev(
        &self,
        pack: PackId,
        before: Option<EventSeq>,
        limit: usize,
    ) -> Result<Vec<EventRecord>> {
        let index = self.table(EVENTS_BY_PACK)?;
        let events = self.table(EVENTS)?;
        let end = before.map_or(u64::MAX, |s| s.0);
        let mut out = Vec::with_capacity(limit.min(1024));
        for entry in index.range((pack.0, 0)..(pack.0, end))?.rev().take(limit) {
            let (_, seq) = entry?.0.value();
            let value = events.get(seq)?.ok_or_else(|| StoreError::Corrupt {
                table: "events_by_pack",
                key: format!("({}, {seq})", pack.0),
                reason: "indexes an event that does not exist".into(),
            })?;
            out.push(decode_event(value.value(), seq)?);
        }
        Ok(out)
    }

    /// Calls `f` on every event in seq order.
    fn for_each_event(&self, mut f: impl FnMut(EventRecord) -> Result<()>) -> Result<()> {
        let events = self.table(EVENTS)?;
        for entry in events.iter()? {
            let (k, v) = entry?;
            f(decode_event(v.value(), k.value())?)?;
        }
        Ok(())
    }

    /// A pack row.
    fn pack(&self, id: PackId) -> Result<Option<Pack>> {
        let packs = self.table(PACKS)?;
        let value = packs.get(id.0)?;
        value
            .map(|v| decode(v.value(), "packs", || id.to_string()))
            .transpose()
    }

    /// The live pack with this name.
    fn pack_by_name(&self, name: &PackName) -> Result<Option<Pack>> {
        let names = self.table(PACK_NAMES)?;
        let id = names.get(name.as_str())?.map(|v| PackId(v.value()));
        match id {
            Some(id) => self.pack(id),
            None => Ok(None),
        }
    }

    /// Every live pack, sorted by name.
    fn packs(&self) -> Result<Vec<Pack>> {
        let names = self.table(PACK_NAMES)?;
        let packs = self.table(PACKS)?;
        let mut out = Vec::new();
        for entry in names.iter()? {
            let (name, id) = entry?;
            let id = id.value();
            let value = packs.get(id)?.ok_or_else(|| StoreError::Corrupt {
                table: "pack_names",
                key: name.value().to_owned(),
                reason: format!("names pack {id}, which has no row"),
            })?;
            out.push(decode(value.value(), "packs", || id.to_string())?);
        }
        Ok(out)
    }

    /// One artifact.
    fn artifact(&self, pack: PackId, id: ArtifactId) -> Result<Option<Artifact>> {
        let artifacts = self.table(ARTIFACTS)?;
        let value = artifacts.get((pack.0, id.0))?;
        value
            .map(|v| decode(v.value(), "artifacts", || format!("({pack}, {id})")))
            .transpose()
    }

    /// The artifact of `pack` declared by exactly `spec`.
    fn artifact_by_spec(&self, pack: PackId, spec: &SourceSpec) -> Result<Option<ArtifactId>> {
        let specs = self.table(ARTIFACT_SPECS)?;
        let key = spec.to_string();
        Ok(specs
            .get((pack.0, key.as_str()))?
            .map(|v| ArtifactId(v.value())))
    }

    /// A pack's artifacts in the order they were added.
    fn artifacts(&self, pack: PackId) -> Result<Vec<Artifact>> {
        let artifacts = self.table(ARTIFACTS)?;
        let mut out = Vec::new();
        for entry in artifacts.range((pack.0, 0)..=(pack.0, u64::MAX))? {
            let (k, v) = entry?;
            out.push(decode(v.value(), "artifacts", || {
                format!("{:?}", k.value())
            })?);
        }
        Ok(out)
    }

    /// Whether the blob `hash` is stored (its first chunk is).
    fn has_blob(&self, hash: &BlobHash) -> Result<bool> {
        Ok(self.table(BLOBS)?.get((hash.0, 0))?.is_some())
    }

    /// A blob's bytes, verified against its hash.
    fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>> {
        let blobs = self.table(BLOBS)?;
        let mut bytes = Vec::new();
        let mut chunks = 0u32;
        for entry in blobs.range((hash.0, 0)..=(hash.0, u32::MAX))? {
            let (k, v) = entry?;
            if k.value().1 != chunks {
                return Err(StoreError::MissingBlob { hash: *hash });
            }
            bytes.extend_from_slice(v.value());
            chunks += 1;
        }
        if chunks == 0 {
            return Ok(None);
        }
        if BlobHash::of(&bytes) != *hash {
            return Err(StoreError::HashMismatch { hash: *hash });
        }
        Ok(Some(bytes))
    }

    /// The stored size of a blob (its chunks' lengths, unverified), if it
    /// is stored.
    fn blob_size(&self, hash: &BlobHash) -> Result<Option<u64>> {
        let blobs = self.table(BLOBS)?;
        let mut size = None;
        for entry in blobs.range((hash.0, 0)..=(hash.0, u32::MAX))? {
            *size.get_or_insert(0) += entry?.1.value().len() as u64;
        }
        Ok(size)
    }

    /// The event that purged a blob, if one did.
    fn purged(&self, hash: &BlobHash) -> Result<Option<EventSeq>> {
        Ok(self
            .table(PURGED)?
            .get(hash.0)?
            .map(|v| EventSeq(v.value())))
    }

    /// A cached token count.
    fn token_count(&self, hash: &BlobHash, tokenizer: TokenizerKind) -> Result<Option<u32>> {
        let counts = self.table(TOKEN_COUNTS)?;
        Ok(counts.get((hash.0, tokenizer.code()))?.map(|v| v.value()))
    }

    /// A cached outline's encoding under `key` (language and outline
    /// version): empty when the text has no outline, `None` when unknown.
    fn outline(&self, hash: &BlobHash, key: &str) -> Result<Option<Vec<u8>>> {
        let outlines = self.table(OUTLINES)?;
        Ok(outlines.get((hash.0, key))?.map(|v| v.value().to_vec()))
    }

    /// Every cached token count, in key order (by hash, then tokenizer).
    /// A row of a tokenizer this ctx does not know is left out: nothing
    /// here reads it.
    fn token_counts(&self) -> Result<Vec<CachedCount>> {
        let counts = self.table(TOKEN_COUNTS)?;
        let mut out = Vec::new();
        for entry in counts.iter()? {
            let (key, tokens) = entry?;
            let (hash, code) = key.value();
            if let Some(tokenizer) = TokenizerKind::from_code(code) {
                out.push(CachedCount {
                    hash: BlobHash(hash),
                    tokenizer,
                    tokens: tokens.value(),
                });
            }
        }
        Ok(out)
    }

    /// The cached record of a file, by absolute path. The table is a cache:
    /// a record that does not decode (written by another ctx) is a miss,
    /// and the next render replaces it.
    fn file_stamp(&self, path: &str) -> Result<Option<FileStamp>> {
        let cache = self.table(FILE_CACHE)?;
        let value = cache.get(path)?;
        Ok(value.and_then(|v| decode(v.value(), "file_cache", || path.to_owned()).ok()))
    }

    /// A snapshot's manifest.
    fn snapshot(&self, id: SnapshotId) -> Result<Option<Manifest>> {
        let snapshots = self.table(SNAPSHOTS)?;
        let value = snapshots.get(id.0)?;
        value.map(|v| decode_manifest(v.value(), id.0)).transpose()
    }

    /// The snapshot `id` names: itself, or for a snapshot written before
    /// ids named content, the one whose content id it is.
    fn resolve_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>> {
        if self.table(SNAPSHOTS)?.get(id.0)?.is_some() {
            return Ok(Some(id));
        }
        Ok(self
            .table(SNAPSHOT_ALIASES)?
            .get(id.0)?
            .map(|v| SnapshotId(v.value())))
    }

    /// The key the manifest of deleted snapshot `id` is kept under until
    /// gc: `id` itself, or for one of schema 4 and older (kept under its
    /// seq), the one whose content id `id` is.
    fn deleted_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>> {
        let deleted = self.table(DELETED_SNAPSHOTS)?;
        if deleted.get(id.0)?.is_some() {
            return Ok(Some(id));
        }
        for entry in deleted.iter()? {
            let (k, v) = entry?;
            let key = SnapshotId(k.value());
            if !key.is_content() && decode_manifest(v.value(), key.0)?.content_id() == id {
                return Ok(Some(key));
            }
        }
        Ok(None)
    }

    /// The seq of the event that stored snapshot `id`.
    fn snapshot_seq(&self, id: SnapshotId) -> Result<Option<EventSeq>> {
        if !id.is_content() {
            return Ok(Some(EventSeq(id.0)));
        }
        Ok(self
            .table(SNAPSHOT_SEQS)?
            .get(id.0)?
            .map(|v| EventSeq(v.value())))
    }

    /// The content ids of the snapshots written before ids named content,
    /// with the snapshot each names.
    fn snapshot_aliases(&self) -> Result<Vec<(SnapshotId, SnapshotId)>> {
        let aliases = self.table(SNAPSHOT_ALIASES)?;
        let mut out = Vec::new();
        for entry in aliases.iter()? {
            let (k, v) = entry?;
            out.push((SnapshotId(k.value()), SnapshotId(v.value())));
        }
        Ok(out)
    }

    /// Every snapshot id, oldest first.
    fn snapshot_ids(&self) -> Result<Vec<SnapshotId>> {
        let snapshots = self.table(SNAPSHOTS)?;
        let mut out = Vec::new();
        for entry in snapshots.iter()? {
            out.push(SnapshotId(entry?.0.value()));
        }
        Ok(out)
    }

    /// The state the materialized tables hold.
    fn materialized(&self) -> Result<State> {
        let mut state = State::default();
        state.last = self.last_seq()?;
        for entry in self.table(PACKS)?.iter()? {
            let (k, v) = entry?;
            let pack: Pack = decode(v.value(), "packs", || k.value().to_string())?;
            state.packs.insert(pack.id, pack);
        }
        for entry in self.table(PACK_NAMES)?.iter()? {
            let (k, v) = entry?;
            let name = PackName::new(k.value()).map_err(|e| StoreError::Corrupt {
                table: "pack_names",
                key: k.value().to_owned(),
                reason: e.to_string(),
            })?;
            state.names.insert(name, PackId(v.value()));
        }
        for entry in self.table(ARTIFACTS)?.iter()? {
            let (k, v) = entry?;
            let (pack, _) = k.value();
            let artifact: Artifact = decode(v.value(), "artifacts", || format!("{:?}", k.value()))?;
            state.insert_artifact(PackId(pack), artifact);
        }
        for entry in self.table(PURGED)?.iter()? {
            let (k, v) = entry?;
            state
                .purged
                .insert(BlobHash(k.value()), EventSeq(v.value()));
        }
        Ok(state)
    }

    /// The state right after event `seq`, by replaying the log up to it.
    fn state_at(&self, seq: EventSeq) -> Result<State> {
        let events = self.table(EVENTS)?;
        let mut state = State::default();
        for entry in events.range(..=seq.0)? {
            let (k, v) = entry?;
            state
                .apply(&decode_event(v.value(), k.value())?)
                .map_err(|e| replay_error(k.value(), e))?;
        }
        Ok(state)
    }

    /// The live packs named `names`, each with its artifacts in the order
    /// they were added: as they are now, or (with `at`) as they were right
    /// after event `at`, replayed from the log once for all of them. A name
    /// that names no pack then is `None`.
    fn packs_at(&self, names: &[PackName], at: Option<EventSeq>) -> Result<Vec<Option<PackState>>> {
        let Some(at) = at else {
            return names
                .iter()
                .map(|name| {
                    let Some(pack) = self.pack_by_name(name)? else {
                        return Ok(None);
                    };
                    let artifacts = self.artifacts(pack.id)?;
                    Ok(Some((pack, artifacts)))
                })
                .collect();
        };
        let state = self.state_at(at)?;
        Ok(names
            .iter()
            .map(|name| {
                let id = *state.names.get(name)?;
                let pack = state.packs.get(&id)?.clone();
                // The same pack may be named twice.
                let artifacts = state
                    .artifacts
                    .get(&id)
                    .map(|a| a.values().cloned().collect())
                    .unwrap_or_default();
                Some((pack, artifacts))
            })
            .collect())
    }

    /// Plans undoing `target`, or `None` when nothing is left to undo;
    /// see [`ctx_model::undo`].
    fn plan_undo(&self, target: UndoTarget) -> Result<Option<Undo>>
    where
        Self: Sized,
    {
        ctx_model::plan_undo(&LogView(self), target)
    }

    /// The state replaying the whole log produces.
    fn replay(&self) -> Result<State> {
        let mut state = State::default();
        self.for_each_event(|record| {
            let seq = record.seq.0;
            state.apply(&record).map_err(|e| replay_error(seq, e))
        })?;
        Ok(state)
    }
}

/// A log that does not replay is damaged, whatever the fold objected to.
pub(crate) fn replay_error(seq: u64, err: ctx_model::FoldError) -> StoreError {
    StoreError::Corrupt {
        table: "events",
        key: seq.to_string(),
        reason: format!("the log does not replay: {err}"),
    }
}

/// A pack with its artifacts in the order they were added.
pub type PackState = (Pack, Vec<Artifact>);

/// Adapts any [`Query`] to undo planning's view of the log.
struct LogView<'a, R>(&'a R);

impl<R: Query> History for LogView<'_, R> {
    type Error = StoreError;

    fn events_rev(&self, before: Option<EventSeq>, limit: usize) -> Result<Vec<EventRecord>> {
        self.0.events_rev(before, limit)
    }

    fn event(&self, seq: EventSeq) -> Result<Option<EventRecord>> {
        self.0.event(seq)
    }

    fn state_at(&self, seq: EventSeq) -> Result<State> {
        self.0.state_at(seq)
    }

    fn live_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>> {
        self.0.resolve_snapshot(id)
    }

    fn deleted_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>> {
        self.0.deleted_snapshot(id)
    }
}

/// Adapts any [`Query`] to the fold's view of state.
pub(crate) struct View<'a, R>(pub &'a R);

impl<R: Query> StateView for View<'_, R> {
    type Error = StoreError;

    fn pack(&self, id: PackId) -> Result<Option<Pack>> {
        self.0.pack(id)
    }

    fn pack_by_name(&self, name: &PackName) -> Result<Option<PackId>> {
        Ok(self.0.pack_by_name(name)?.map(|p| p.id))
    }

    fn artifact(&self, pack: PackId, id: ArtifactId) -> Result<Option<Artifact>> {
        self.0.artifact(pack, id)
    }

    fn artifact_by_spec(&self, pack: PackId, spec: &SourceSpec) -> Result<Option<ArtifactId>> {
        self.0.artifact_by_spec(pack, spec)
    }
}
