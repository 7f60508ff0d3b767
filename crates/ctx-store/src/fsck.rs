//! Integrity checks: every blob re-hashed, the log gapless and decodable,
//! and the derived tables equal to a fresh replay of the log. Cached token
//! counts are re-counted by the engine, which owns the tokenizers; a wrong
//! one is a [`Problem::CountMismatch`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use redb::ReadableTable;

use ctx_model::{BlobHash, Captured, EventSeq, SnapshotItem, State, TokenizerKind};

use crate::error::Result;
use crate::read::Query;
use crate::schema::{ARTIFACT_SPECS, BLOBS, EVENTS, EVENTS_BY_PACK};

/// One thing wrong with a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A blob's bytes do not hash to its key.
    HashMismatch { hash: BlobHash },
    /// A blob's chunks are not numbered 0, 1, 2, ...
    ChunkGap { hash: BlobHash },
    /// Something refers to a blob that is not stored.
    MissingBlob { hash: BlobHash, by: String },
    /// The log skips from one seq to a later one.
    SeqGap { expected: EventSeq, found: EventSeq },
    /// An event does not decode, or the log does not replay.
    CorruptEvent { seq: EventSeq, reason: String },
    /// A derived table differs from what replaying the log gives.
    IndexMismatch { what: String },
    /// A cached token count differs from a count of its content.
    CountMismatch {
        hash: BlobHash,
        tokenizer: TokenizerKind,
        cached: u32,
        counted: u32,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HashMismatch { hash } => write!(f, "hash mismatch: blob {hash}"),
            Self::ChunkGap { hash } => {
                write!(f, "missing blob: chunks of {hash} are not contiguous")
            }
            Self::MissingBlob { hash, by } => write!(f, "missing blob: {hash}, needed by {by}"),
            Self::SeqGap { expected, found } => {
                write!(f, "seq gap: expected event {expected}, found {found}")
            }
            Self::CorruptEvent { seq, reason } => write!(f, "corrupt event {seq}: {reason}"),
            Self::IndexMismatch { what } => write!(f, "index mismatch: {what}"),
            Self::CountMismatch {
                hash,
                tokenizer,
                cached,
                counted,
            } => write!(
                f,
                "count mismatch: blob {hash} has {counted} {tokenizer} tokens, the cache says {cached}"
            ),
        }
    }
}

/// What a check looked at, and what it found.
#[derive(Debug, Default)]
pub struct Report {
    pub events: u64,
    /// Bytes of the encoded events, as stored.
    pub event_bytes: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Blobs purged on purpose (`ctx purge`): gone, and not missing.
    pub purged: u64,
    pub problems: Vec<Problem>,
}

/// Checks everything the store can check about itself. Blobs are re-hashed
/// on one thread while the log replays on another: the two are independent
/// and each is a long scan.
pub fn check(r: &(impl Query + Sync)) -> Result<Report> {
    let (blobs, replayed) = std::thread::scope(|s| {
        let blobs = s.spawn(|| check_blobs(r));
        let mut report = Report::default();
        let replayed = check_log(r, &mut report).map(|state| (state, report));
        let blobs = blobs
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (blobs, replayed)
    });
    let (stored, blob_report) = blobs?;
    let (replayed, log_report) = replayed?;
    let mut report = Report {
        events: log_report.events,
        event_bytes: log_report.event_bytes,
        blobs: blob_report.blobs,
        blob_bytes: blob_report.blob_bytes,
        purged: 0,
        problems: blob_report.problems,
    };
    report.problems.extend(log_report.problems);
    if let Some(state) = replayed {
        report.purged = state.purged.len() as u64;
        compare(&state, &r.materialized()?, &mut report);
        check_spec_index(r, &state, &mut report)?;
        check_snapshot_index(r, &mut report)?;
        check_references(r, &state, &stored, &mut report)?;
    }
    Ok(report)
}

/// Re-hashes every blob; returns the hashes stored.
///
/// Reading blobs out of redb and hashing them each take about half the
/// time, so this thread reads and another hashes, with whole blobs passed
/// in batches between them. Each blob is hashed whole, not chunk by chunk:
/// BLAKE3 hashes many 1 KiB pieces of one input at once with SIMD.
fn check_blobs(r: &impl Query) -> Result<(BTreeSet<BlobHash>, Report)> {
    /// Bytes of blobs handed to the hashing thread at a time.
    const BATCH_BYTES: usize = 4 << 20;
    // A blob read whole: its hash, its bytes, and whether a chunk was missing.
    type Batch = Vec<(BlobHash, Vec<u8>, bool)>;
    let mut report = Report::default();
    let mut stored = BTreeSet::new();
    let (send, receive) = std::sync::mpsc::sync_channel::<Batch>(2);
    let problems = std::thread::scope(|s| -> Result<Vec<Problem>> {
        let hasher = s.spawn(move || {
            let mut problems = Vec::new();
            for batch in receive {
                for (hash, bytes, gap) in batch {
                    if gap {
                        problems.push(Problem::ChunkGap { hash });
                    } else if BlobHash::of(&bytes) != hash {
                        problems.push(Problem::HashMismatch { hash });
                    }
                }
            }
            problems
        });
        let blobs = r.table(BLOBS)?;
        let mut batch: Batch = Vec::new();
        let mut batch_bytes = 0;
        // The blob being read: its hash, bytes so far, next chunk index and
        // whether a chunk was missing.
        let mut current: Option<(BlobHash, Vec<u8>, u32, bool)> = None;
        for entry in blobs.iter()? {
            let (key, value) = entry?;
            let (hash, index) = key.value();
            let hash = BlobHash(hash);
            let chunk = value.value();
            report.blob_bytes += chunk.len() as u64;
            match &mut current {
                Some((h, bytes, next, gap)) if *h == hash => {
                    *gap |= index != *next;
                    *next = index + 1;
                    bytes.extend_from_slice(chunk);
                }
                _ => {
                    if let Some((h, bytes, _, gap)) = current.take() {
                        batch_bytes += bytes.len();
                        batch.push((h, bytes, gap));
                        if batch_bytes >= BATCH_BYTES {
                            batch_bytes = 0;
                            // The hasher only stops early by panicking,
                            // which the join below reports.
                            let _ = send.send(std::mem::take(&mut batch));
                        }
                    }
                    report.blobs += 1;
                    stored.insert(hash);
                    current = Some((hash, chunk.to_vec(), index + 1, index != 0));
                }
            }
        }
        if let Some((h, bytes, _, gap)) = current.take() {
            batch.push((h, bytes, gap));
        }
        let _ = send.send(batch);
        drop(send);
        Ok(hasher
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })?;
    report.problems = problems;
    Ok((stored, report))
}

/// Checks that seqs are gapless and the log replays; returns the replayed
/// state if it does.
fn check_log(r: &impl Query, report: &mut Report) -> Result<Option<State>> {
    let events = r.table(EVENTS)?;
    let mut state = State::default();
    let mut replayable = true;
    let mut expected = 1u64;
    // (pack, seq) pairs the log gives, sorted once at the end: a million
    // inserts into a set cost more than the replay itself.
    let mut index = Vec::new();
    for entry in events.iter()? {
        let (key, value) = entry?;
        let seq = key.value();
        report.events += 1;
        report.event_bytes += value.value().len() as u64;
        if seq != expected {
            report.problems.push(Problem::SeqGap {
                expected: EventSeq(expected),
                found: EventSeq(seq),
            });
            replayable = false;
        }
        expected = seq + 1;
        match crate::codec::decode_event(value.value(), seq) {
            Ok(record) => {
                for pack in record.event.pack_ids(record.seq) {
                    index.push((pack.0, seq));
                }
                if replayable && let Err(e) = state.apply(&record) {
                    report.problems.push(Problem::CorruptEvent {
                        seq: EventSeq(seq),
                        reason: e.to_string(),
                    });
                    replayable = false;
                }
            }
            Err(e) => {
                report.problems.push(Problem::CorruptEvent {
                    seq: EventSeq(seq),
                    reason: e.to_string(),
                });
                replayable = false;
            }
        }
    }
    let by_pack = r.table(EVENTS_BY_PACK)?;
    index.sort_unstable();
    index.dedup();
    let mut found = Vec::new();
    for entry in by_pack.iter()? {
        found.push(entry?.0.value());
    }
    if found != index {
        let (index, found): (BTreeSet<_>, BTreeSet<_>) =
            (index.into_iter().collect(), found.into_iter().collect());
        let missing = index.difference(&found).count();
        let extra = found.difference(&index).count();
        report.problems.push(Problem::IndexMismatch {
            what: format!(
                "events_by_pack lacks {missing} and has {extra} rows that the log does not give"
            ),
        });
    }
    Ok(replayable.then_some(state))
}

/// Reports every difference between the replayed and materialized state.
fn compare(replayed: &State, materialized: &State, report: &mut Report) {
    let mut mismatch = |what: String| report.problems.push(Problem::IndexMismatch { what });
    let ids: BTreeSet<_> = replayed
        .packs
        .keys()
        .chain(materialized.packs.keys())
        .collect();
    for id in ids {
        if replayed.packs.get(id) != materialized.packs.get(id) {
            mismatch(format!("pack {id} differs from the log"));
        }
        let empty = BTreeMap::new();
        let want = replayed.artifacts.get(id).unwrap_or(&empty);
        let have = materialized.artifacts.get(id).unwrap_or(&empty);
        let artifact_ids: BTreeSet<_> = want.keys().chain(have.keys()).collect();
        for artifact in artifact_ids {
            if want.get(artifact) != have.get(artifact) {
                mismatch(format!(
                    "artifact {artifact} of pack {id} differs from the log"
                ));
            }
        }
    }
    if replayed.names != materialized.names {
        mismatch("pack names differ from the log".into());
    }
    if replayed.purged != materialized.purged {
        mismatch("the purged blobs differ from the log".into());
    }
}

/// Checks the spec index (which makes "already in the pack" one lookup)
/// against the artifacts the log gives.
fn check_spec_index(r: &impl Query, state: &State, report: &mut Report) -> Result<()> {
    let want: BTreeSet<(u64, String, u64)> = state
        .artifacts
        .iter()
        .flat_map(|(pack, artifacts)| {
            artifacts
                .values()
                .map(|a| (pack.0, a.spec.to_string(), a.id.0))
        })
        .collect();
    let mut have = BTreeSet::new();
    for entry in r.table(ARTIFACT_SPECS)?.iter()? {
        let (key, id) = entry?;
        let (pack, spec) = key.value();
        have.insert((pack, spec.to_owned(), id.value()));
    }
    if want != have {
        report.problems.push(Problem::IndexMismatch {
            what: format!(
                "artifact_specs lacks {} and has {} rows that the log does not give",
                want.difference(&have).count(),
                have.difference(&want).count()
            ),
        });
    }
    Ok(())
}

/// Checks the tables derived from the snapshot table and the log: each
/// content-named snapshot's seq names the event that stored it, and each
/// seq-named one answers to its content id (the oldest copy, where a render
/// was stored twice before ids named content).
fn check_snapshot_index(r: &impl Query, report: &mut Report) -> Result<()> {
    let mut want_aliases = std::collections::BTreeMap::new();
    let mut content_keys = BTreeSet::new();
    for id in r.snapshot_ids()? {
        if id.is_content() {
            content_keys.insert(id.0);
            let stored_by = match r.snapshot_seq(id)? {
                Some(seq) => r.event(seq)?.and_then(|e| e.event.snapshot_id(e.seq)),
                None => None,
            };
            if stored_by != Some(id) {
                report.problems.push(Problem::IndexMismatch {
                    what: format!(
                        "snapshot_seqs does not name the event that stored snapshot {id}"
                    ),
                });
            }
        } else if let Some(m) = r.snapshot(id)? {
            want_aliases.entry(m.content_id().0).or_insert(id.0);
        }
    }
    let have_aliases: std::collections::BTreeMap<u64, u64> = r
        .snapshot_aliases()?
        .into_iter()
        .map(|(content, key)| (content.0, key.0))
        .collect();
    if have_aliases != want_aliases {
        report.problems.push(Problem::IndexMismatch {
            what: "snapshot_aliases does not match the snapshot table".into(),
        });
    }
    let mut extra = 0;
    for entry in r.table(crate::schema::SNAPSHOT_SEQS)?.iter()? {
        if !content_keys.contains(&entry?.0.value()) {
            extra += 1;
        }
    }
    if extra > 0 {
        report.problems.push(Problem::IndexMismatch {
            what: format!("snapshot_seqs has {extra} rows for snapshots that are gone"),
        });
    }
    Ok(())
}

/// Checks that every blob a live artifact or a snapshot needs is stored.
fn check_references(
    r: &impl Query,
    state: &State,
    stored: &BTreeSet<BlobHash>,
    report: &mut Report,
) -> Result<()> {
    for (pack, artifacts) in &state.artifacts {
        for artifact in artifacts.values() {
            let blobs: Vec<BlobHash> = match &artifact.content {
                Captured::Blob(b) => vec![b.hash],
                Captured::Files { files, .. } => files.iter().map(|f| f.blob.hash).collect(),
            };
            // A purged blob is gone on purpose, not missing.
            for hash in blobs
                .into_iter()
                .filter(|h| !stored.contains(h) && !state.purged.contains_key(h))
            {
                report.problems.push(Problem::MissingBlob {
                    hash,
                    by: format!("artifact {} of pack {pack}", artifact.id),
                });
            }
        }
    }
    for id in r.snapshot_ids()? {
        let Some(manifest) = r.snapshot(id)? else {
            continue;
        };
        for hash in manifest
            .kept()
            .map(SnapshotItem::blob)
            .filter(|h| !stored.contains(h) && !state.purged.contains_key(h))
        {
            report.problems.push(Problem::MissingBlob {
                hash,
                by: format!("snapshot {id}"),
            });
        }
    }
    Ok(())
}
