//! Snapshots: freeze a render, list and show snapshots, reproduce a payload
//! byte for byte from stored blobs, delete, and carry one to another store
//! in a bundle. Creating, deleting and importing a snapshot each append
//! their event and write the snapshot's row in one store call.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{Read as _, Write};
use std::path::Path;

use serde::Serialize;

use ctx_model::{
    BlobHash, BodyForm, Escape, Event, EventRecord, ExclusionReason, Format, Frame, Manifest,
    PackId, PackName, PackRef, SnapshotExclusion, SnapshotId, SnapshotItem, Timestamp,
    TokenizerKind, VerifyError, match_prefix,
};
use ctx_store::{Query, StoreError, Writer};

use crate::engine::{by_prefix, find_pack};
use crate::render::Label;
use crate::render::{Included, Split, SplitSummary, summary_of};
use crate::view::display;
use crate::{Done, Engine, EngineError, NotFound, Progress, Rendered, Result, Stored, Warning};

/// The pack id an imported snapshot's packs get: no local pack has it
/// (ids start at 1).
const FOREIGN: PackId = PackId(0);

/// A snapshot `snapshot create` stored.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotCreated {
    #[serde(serialize_with = "display")]
    pub id: SnapshotId,
    pub packs: Vec<PackName>,
    pub tokens: u64,
    /// How many items the payload holds.
    pub items: usize,
    /// How many were left out.
    pub excluded: usize,
    #[serde(serialize_with = "display")]
    pub payload_hash: BlobHash,
    #[serde(serialize_with = "display")]
    pub render_hash: BlobHash,
    /// The label the snapshot has now.
    pub label: Option<String>,
    /// The parts it was split into, with `--split`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// Snapshots, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotList {
    pub snapshots: Vec<SnapshotSummary>,
}

/// One line of a [`SnapshotList`].
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotSummary {
    #[serde(serialize_with = "display")]
    pub id: SnapshotId,
    /// When its event was written.
    #[serde(serialize_with = "time")]
    pub time: Option<Timestamp>,
    pub packs: Vec<PackName>,
    pub label: Option<String>,
    pub format: Format,
    pub tokens: u64,
    /// How many items the payload holds.
    pub items: usize,
}

fn time<S: serde::Serializer>(time: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

/// A snapshot's manifest, as `snapshot show` gives it.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotShown {
    #[serde(serialize_with = "display")]
    pub id: SnapshotId,
    pub packs: Vec<PackName>,
    pub label: Option<String>,
    pub format: Format,
    pub tokenizer: TokenizerKind,
    pub budget: u64,
    pub tokens: u64,
    #[serde(serialize_with = "display")]
    pub render_hash: BlobHash,
    #[serde(serialize_with = "display")]
    pub payload_hash: BlobHash,
    pub payload_bytes: u64,
    pub items: Vec<ShownItem>,
    pub excluded: Vec<ShownExclusion>,
    /// The parts it was split into, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitSummary>,
}

/// An item of a shown snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct ShownItem {
    #[serde(serialize_with = "display")]
    pub artifact: ctx_model::ArtifactId,
    #[serde(flatten)]
    pub label: Label,
    pub tokens: u64,
    /// The blob the store keeps for it: its content, or for a snapshot
    /// taken before frames were recorded, its framed body.
    #[serde(serialize_with = "display")]
    pub blob: BlobHash,
    /// BLAKE3 of its framed body.
    #[serde(serialize_with = "display")]
    pub body: BlobHash,
}

/// An item a shown snapshot left out.
#[derive(Clone, Debug, Serialize)]
pub struct ShownExclusion {
    #[serde(serialize_with = "display")]
    pub artifact: ctx_model::ArtifactId,
    #[serde(flatten)]
    pub label: Label,
    pub reason: ExclusionReason,
    pub tokens: Option<u64>,
}

/// A snapshot's payload, reassembled and checked against its hash.
#[derive(Clone, Debug)]
pub struct Reproduced {
    pub id: SnapshotId,
    pub tokens: u64,
    pub payload_hash: BlobHash,
    pub(crate) manifest: Manifest,
    /// Each distinct body once, however many items name it.
    bodies: HashMap<BlobHash, String>,
    /// Whether the split's pieces were read and its parts checked.
    parts: bool,
}

/// Its JSON states the facts of the render as `render --json` names
/// them (packs, tokens, budget, tokenizer, format, render and payload
/// hashes), so a script reads a snapshot and a fresh render alike.
impl Serialize for Reproduced {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let m = &self.manifest;
        ReproducedJson {
            id: &self.id,
            packs: m.packs.iter().map(|p| &p.name).collect(),
            tokens: self.tokens,
            budget: m.budget,
            tokenizer: m.tokenizer,
            format: m.format,
            render_hash: &m.render_hash,
            payload_hash: &self.payload_hash,
        }
        .serialize(s)
    }
}

/// The JSON of a [`Reproduced`].
#[derive(Serialize)]
struct ReproducedJson<'a> {
    #[serde(serialize_with = "display")]
    id: &'a SnapshotId,
    packs: Vec<&'a PackName>,
    tokens: u64,
    budget: u64,
    tokenizer: TokenizerKind,
    format: Format,
    #[serde(serialize_with = "display")]
    render_hash: &'a BlobHash,
    #[serde(serialize_with = "display")]
    payload_hash: &'a BlobHash,
}

impl Reproduced {
    /// The payload's pieces, in order; items sharing a body share it.
    pub fn pieces(&self) -> Vec<&[u8]> {
        self.manifest
            .pieces(&self.bodies)
            .expect("BUG: every body was read and verified")
    }

    /// The text of the body `hash` (empty for one the snapshot lacks).
    pub(crate) fn body(&self, hash: &BlobHash) -> &str {
        self.bodies.get(hash).map_or("", String::as_str)
    }

    /// The payload's format.
    pub fn format(&self) -> Format {
        self.manifest.format
    }

    /// The tokenizer that counted the payload.
    pub fn tokenizer(&self) -> TokenizerKind {
        self.manifest.tokenizer
    }

    /// The parts the snapshot was split into, if it was and they were
    /// reproduced ([`Engine::reproduce_parts`]).
    pub fn split(&self) -> Option<Split<'_>> {
        let record = self.manifest.split.clone().filter(|_| self.parts)?;
        let items = (self.manifest.items.iter())
            .map(|i| self.body(&i.body))
            .collect();
        let pieces = (record.pieces.iter())
            .map(|p| Cow::Borrowed(self.body(&p.kept.body)))
            .collect();
        Some(Split::new(record, items, pieces, |i| {
            title(&self.manifest, i)
        }))
    }

    /// The payload in one string.
    pub fn payload(&self) -> String {
        let bytes: Vec<u8> = self.pieces().concat();
        // Every piece is a `String`, so this never replaces anything.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// A snapshot `snapshot delete` removed.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotDeleted {
    #[serde(serialize_with = "display")]
    pub id: SnapshotId,
}

/// A bundle `snapshot export` wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Exported {
    #[serde(serialize_with = "display")]
    pub id: SnapshotId,
    /// The bundle's size.
    pub bytes: usize,
}

/// A snapshot `snapshot import` stored.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotImported {
    #[serde(serialize_with = "display")]
    pub id: SnapshotId,
    pub packs: Vec<PackName>,
    pub tokens: u64,
    pub items: usize,
}

/// The title of `manifest`'s item `i`.
fn title(manifest: &Manifest, i: usize) -> String {
    (manifest.items.get(i))
        .map(|item| Label::from(&item.origin).title())
        .unwrap_or_default()
}

/// What `manifest`'s parts hold, if it was split.
fn split_summary(manifest: &Manifest) -> Option<SplitSummary> {
    let split = manifest.split.as_ref()?;
    Some(summary_of(split, |i| title(manifest, i)))
}

/// The packs of a manifest, by name.
fn names(packs: &[PackRef]) -> Vec<PackName> {
    packs.iter().map(|p| p.name.clone()).collect()
}

impl Engine {
    /// Renders packs and stores the payload's exact bytes as a snapshot,
    /// named by its content: a render stored already is found, and takes
    /// a new label as its own event. With `split`, it also stores the
    /// render split into parts of at most that many tokens.
    pub fn create_snapshot(
        &self,
        packs: &[String],
        label: Option<String>,
        options: &crate::RenderOptions,
        split: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<Stored<SnapshotCreated>> {
        let rendered = self.render(packs, options, progress)?;
        let split = split.map(|max| rendered.split(max)).transpose()?;
        let frozen = freeze(&rendered, label, split.as_ref());
        let manifest = &frozen.manifest;
        let id = manifest.content_id();
        let created = SnapshotCreated {
            id,
            packs: names(&manifest.packs),
            tokens: manifest.tokens,
            items: manifest.items.len(),
            excluded: manifest.excluded.len(),
            payload_hash: manifest.payload_hash,
            render_hash: manifest.render_hash,
            label: manifest.label.clone(),
            split: split.as_ref().map(|s| s.summary.clone()),
            warnings: rendered.warnings.clone(),
        };
        self.write(|w| {
            let Some(key) = w.resolve_snapshot(id)? else {
                let (record, _) = self.store_snapshot(w, &frozen)?;
                return Ok(Stored::New(Done {
                    seq: record.seq,
                    what: created,
                }));
            };
            let stored = w
                .snapshot(key)?
                .ok_or_else(|| NotFound::Snapshot(id.to_string()))?;
            if manifest.label.is_none() || stored.label == manifest.label {
                return Ok(Stored::Exists(SnapshotCreated {
                    label: stored.label,
                    ..created
                }));
            }
            let record = w.append(self.event(Event::SnapshotLabelled {
                snapshot: id,
                packs: local_packs(manifest),
                label: manifest.label.clone(),
            }))?;
            Ok(Stored::Labelled(Done {
                seq: record.seq,
                what: created,
            }))
        })
    }

    /// Stores a frozen render's blobs and its manifest as a new snapshot.
    pub(crate) fn store_snapshot(
        &self,
        w: &mut Writer,
        frozen: &Frozen<'_>,
    ) -> Result<(EventRecord, SnapshotId)> {
        for (hash, bytes) in &frozen.blobs {
            w.put_hashed_blob(*hash, bytes.as_bytes())?;
        }
        let manifest = &frozen.manifest;
        Ok(w.append_snapshot(
            self.event(Event::SnapshotTaken {
                id: manifest.content_id(),
                packs: manifest.packs.iter().map(|p| p.id).collect(),
                label: manifest.label.clone(),
                payload: manifest.payload_hash,
                tokens: manifest.tokens,
            }),
            manifest,
        )?)
    }

    /// Snapshots, newest first; only those of `pack` when given.
    pub fn list_snapshots(&self, pack: Option<&str>) -> Result<SnapshotList> {
        self.read(|r| {
            let pack = pack.map(|name| find_pack(r, name)).transpose()?;
            let mut found = Vec::new();
            for id in r.snapshot_ids()? {
                let Some(m) = r.snapshot(id)? else {
                    continue;
                };
                // An imported snapshot's packs are another store's: it is
                // theirs by name.
                if pack.as_ref().is_some_and(|p| {
                    !m.packs
                        .iter()
                        .any(|m| m.id == p.id || (m.id == FOREIGN && m.name == p.name))
                }) {
                    continue;
                }
                let seq = r.snapshot_seq(id)?;
                let time = match seq {
                    Some(seq) => r.event(seq)?.map(|e| e.time),
                    None => None,
                };
                let summary = SnapshotSummary {
                    id: shown(r, id, &m)?,
                    time,
                    packs: names(&m.packs),
                    label: m.label,
                    format: m.format,
                    tokens: m.tokens,
                    items: m.items.len(),
                };
                found.push((seq, summary));
            }
            // Newest first: content ids sort by hash, the events by time.
            found.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
            Ok(SnapshotList {
                snapshots: found.into_iter().map(|(_, s)| s).collect(),
            })
        })
    }

    /// A snapshot's manifest, named by its id or a unique prefix of it.
    pub fn show_snapshot(&self, wanted: &str) -> Result<SnapshotShown> {
        let (id, m) = self.read(|r| {
            let (key, m) = snapshot(r, wanted)?;
            Ok((shown(r, key, &m)?, m))
        })?;
        Ok(SnapshotShown {
            split: split_summary(&m),
            id,
            packs: names(&m.packs),
            label: m.label,
            format: m.format,
            tokenizer: m.tokenizer,
            budget: m.budget,
            tokens: m.tokens,
            render_hash: m.render_hash,
            payload_hash: m.payload_hash,
            payload_bytes: m.payload_bytes,
            items: m
                .items
                .iter()
                .map(|i| ShownItem {
                    artifact: i.origin.artifact,
                    label: (&i.origin).into(),
                    tokens: i.tokens,
                    blob: i.blob(),
                    body: i.body,
                })
                .collect(),
            excluded: m
                .excluded
                .iter()
                .map(|e| ShownExclusion {
                    artifact: e.origin.artifact,
                    label: (&e.origin).into(),
                    reason: e.reason,
                    tokens: e.tokens,
                })
                .collect(),
        })
    }

    /// Reassembles a snapshot's payload from its manifest and blobs, and
    /// checks it against the payload hash before any byte is handed out.
    pub fn reproduce(&self, wanted: &str) -> Result<Reproduced> {
        self.reproduce_with(wanted, false)
    }

    /// [`Engine::reproduce`], with the parts the snapshot was split into
    /// reassembled and checked too, for [`Reproduced::split`].
    pub fn reproduce_parts(&self, wanted: &str) -> Result<Reproduced> {
        self.reproduce_with(wanted, true)
    }

    fn reproduce_with(&self, wanted: &str, parts: bool) -> Result<Reproduced> {
        let (id, manifest, bodies) = self.read(|r| {
            let (key, manifest) = snapshot(r, wanted)?;
            let id = shown(r, key, &manifest)?;
            let mut bodies = HashMap::new();
            let kept: Box<dyn Iterator<Item = &SnapshotItem>> = if parts {
                Box::new(manifest.kept())
            } else {
                Box::new(manifest.items.iter())
            };
            for item in kept {
                if let std::collections::hash_map::Entry::Vacant(slot) = bodies.entry(item.body) {
                    slot.insert(body(r, id, item)?);
                }
            }
            Ok((id, manifest, bodies))
        })?;
        if let Some(split) = manifest.split.as_ref().filter(|_| parts)
            && split.verify(&manifest, &bodies, u64::MAX).is_err()
        {
            return Err(EngineError::NotReproducible { id });
        }
        // This store wrote the snapshot: its size is what it is.
        let verified = manifest.verify_with(
            |item| bodies.get(&item.body).map(|b| b.len() as u64),
            u64::MAX,
            |item| {
                bodies
                    .get(&item.body)
                    .map(Vec::as_slice)
                    .ok_or(VerifyError::MissingBody { hash: item.body })
            },
        );
        if verified.is_err() {
            return Err(EngineError::NotReproducible { id });
        }
        let bodies = bodies
            .into_iter()
            .map(|(hash, bytes)| String::from_utf8(bytes).map(|text| (hash, text)))
            .collect::<Result<HashMap<_, _>, _>>()
            .map_err(|_| EngineError::NotUtf8 { id })?;
        Ok(Reproduced {
            id,
            tokens: manifest.tokens,
            payload_hash: manifest.payload_hash,
            manifest,
            bodies,
            parts,
        })
    }

    /// Deletes a snapshot; its content stays in the store until gc.
    pub fn delete_snapshot(&self, wanted: &str) -> Result<Done<SnapshotDeleted>> {
        self.write(|w| {
            let (key, manifest) = snapshot(w, wanted)?;
            // The event names the snapshot as it is shown; the store finds
            // a seq-named one through its alias.
            let id = shown(w, key, &manifest)?;
            let record = w.append(self.event(Event::SnapshotDeleted {
                snapshot: id,
                packs: local_packs(&manifest),
            }))?;
            Ok(Done {
                seq: record.seq,
                what: SnapshotDeleted { id },
            })
        })
    }

    /// Streams a snapshot and every blob it needs, as one portable bundle,
    /// into `out`, holding one blob at a time.
    pub fn export_to(&self, wanted: &str, out: &mut dyn Write) -> Result<Exported> {
        let write = |error| EngineError::WriteBundle { error };
        self.read_streaming(|r| {
            let (key, manifest) = snapshot(r, wanted)?;
            let id = shown(r, key, &manifest)?;
            let mut seen = HashSet::new();
            let distinct: Vec<&SnapshotItem> =
                manifest.kept().filter(|i| seen.insert(i.blob())).collect();
            let mut counted = Counted { out, bytes: 0 };
            let mut bundle =
                ctx_store::bundle::Encoder::start(&mut counted, &manifest, distinct.len())
                    .map_err(write)?;
            for item in distinct {
                bundle
                    .blob(&item.blob(), &blob(r, id, item)?)
                    .map_err(write)?;
            }
            bundle.finish().map_err(write)?;
            Ok(Exported {
                id,
                bytes: counted.bytes as usize,
            })
        })
    }

    /// Imports the bundle at `path` (a relative path is taken from the
    /// process's current folder), verifying every hash before anything is
    /// written; a snapshot that is here already changes nothing.
    pub fn import(&self, path: &Path) -> Result<Stored<SnapshotImported>> {
        let limit = self.payload_limit();
        let file = open_bundle(path, limit)?;
        let damaged = |error| EngineError::Bundle {
            path: path.to_owned(),
            error,
        };
        let io = |error| EngineError::ReadFile {
            path: path.to_owned(),
            error,
        };
        let db = self.prepared_db_path()?;
        let mut spool =
            crate::spool::Spool::new(db.parent().unwrap_or(Path::new("."))).map_err(|error| {
                EngineError::Home {
                    path: self.home().to_owned(),
                    error,
                }
            })?;
        // A file that grows while read is cut one byte past the limit.
        let input = std::io::BufReader::new(file.take(max_bundle(limit).saturating_add(1)));
        let mut manifest =
            ctx_store::bundle::read(input, limit, |hash, blob| spool.put(hash, &blob)).map_err(
                |e| match e {
                    ctx_store::bundle::ReadError::Bundle(e) => damaged(e),
                    ctx_store::bundle::ReadError::Io(e) => io(e),
                },
            )?;
        let checked = |e| match e {
            Checked::Damaged(e) => damaged(ctx_store::bundle::BundleError::Damaged(e.to_string())),
            Checked::Io(e) => io(e),
        };
        // Verified whole before anything is written: the payload from the
        // kept blobs, one at a time.
        manifest
            .verify_with(
                |item| spool.len(&item.blob()).map(|n| item.body_len(n)),
                limit,
                |item| -> std::result::Result<Vec<u8>, Checked> {
                    let blob = spool.get(&item.blob()).map_err(Checked::Io)?;
                    let blob = blob.ok_or(VerifyError::MissingBody { hash: item.blob() })?;
                    let framed = match item.body_from(&blob)? {
                        Cow::Owned(body) => Some(body),
                        Cow::Borrowed(_) => None,
                    };
                    Ok(framed.unwrap_or(blob))
                },
            )
            .map_err(checked)?;
        if let Some(split) = &manifest.split {
            verify_split(&manifest, split, &spool, limit).map_err(checked)?;
        }
        // The bundle's pack ids belong to the store it came from; here they
        // name no pack, only the names are kept.
        for pack in &mut manifest.packs {
            pack.id = FOREIGN;
        }
        let id = manifest.content_id();
        let imported = SnapshotImported {
            id,
            packs: names(&manifest.packs),
            tokens: manifest.tokens,
            items: manifest.items.len(),
        };
        self.write_streaming(|w| {
            if w.resolve_snapshot(id)?.is_some() {
                return Ok(Stored::Exists(imported));
            }
            for hash in spool.hashes() {
                if let Some(blob) = spool.get(&hash).map_err(io)? {
                    w.put_blob(&blob)?;
                }
            }
            let (record, _) = w.append_snapshot(
                self.event(Event::SnapshotReceived {
                    id,
                    label: manifest.label.clone(),
                    payload: manifest.payload_hash,
                    tokens: manifest.tokens,
                }),
                &manifest,
            )?;
            Ok(Stored::New(Done {
                seq: record.seq,
                what: imported,
            }))
        })
    }
}

/// A sink that counts what goes through it.
struct Counted<'a> {
    out: &'a mut dyn Write,
    bytes: u64,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A render frozen: its manifest, and the blobs the store must hold for it.
pub(crate) struct Frozen<'r> {
    pub manifest: Manifest,
    /// Each item's blob, with its hash, in order.
    blobs: Vec<(BlobHash, Cow<'r, str>)>,
}

/// Freezes `rendered`: each item is kept as the blob of its content (the
/// one its artifact captured, where the content is the same) inside the
/// frame the render put around it.
pub(crate) fn freeze<'r>(
    rendered: &'r Rendered,
    label: Option<String>,
    split: Option<&'r Split<'r>>,
) -> Frozen<'r> {
    // By reference, so the blobs borrow from the render's bodies.
    let items: Vec<&Included> = rendered.items.iter().collect();
    let kept = crate::parallel::map(&items, |item| keep(rendered.format, item));
    let mut blobs = Vec::with_capacity(kept.len());
    let items = rendered
        .items
        .iter()
        .zip(kept)
        .map(|(item, (form, hash, blob))| {
            blobs.push((hash, blob));
            SnapshotItem {
                origin: item.label.origin(item.artifact),
                head: item.head.clone(),
                body: item.hash,
                tokens: item.tokens,
                form,
            }
        })
        .collect();
    let excluded = rendered
        .excluded
        .iter()
        .map(|e| SnapshotExclusion {
            origin: e.label.origin(e.artifact),
            reason: e.reason,
            tokens: e.tokens,
        })
        .collect();
    let manifest = Manifest {
        // The packs as rendered: with `at`, as they were then.
        packs: rendered.pack_refs.clone(),
        label,
        format: rendered.format,
        tokenizer: rendered.tokenizer,
        budget: rendered.budget,
        tokens: rendered.tokens,
        render_hash: rendered.render_hash,
        payload_hash: rendered.payload_hash(),
        payload_bytes: rendered.payload_bytes(),
        preamble: rendered.preamble.clone(),
        trailer: rendered.trailer.clone(),
        items,
        excluded,
        split: split.map(|s| s.record.clone()),
    };
    if let Some(split) = split {
        blobs.extend(
            split
                .piece_blobs()
                .map(|(hash, body)| (hash, Cow::Borrowed(body))),
        );
    }
    Frozen { manifest, blobs }
}

/// How a snapshot keeps `item`: its form, and the hash and bytes of the
/// blob that form names. The content is unescaped from the body and must
/// escape back to the same bytes; where it would not, the body is kept
/// whole.
fn keep(format: Format, item: &Included) -> (BodyForm, BlobHash, Cow<'_, str>) {
    let whole = || {
        (
            BodyForm::Whole,
            item.hash,
            Cow::Borrowed(item.body.as_str()),
        )
    };
    let escape = crate::render::escape(format);
    let span = item.content.clone();
    let Some(content) = item.body.get(span.clone()).and_then(|mid| {
        let content = escape.unescape(mid)?;
        if escape != Escape::None {
            let mut again = String::with_capacity(mid.len());
            escape.push(&mut again, &content);
            if again != mid {
                return None;
            }
        }
        Some(content)
    }) else {
        return whole();
    };
    let hash = BlobHash::of(content.as_bytes());
    let frame = Frame {
        open: item.body[..span.start].to_owned(),
        content: hash,
        escape,
        close: item.body[span.end..].to_owned(),
        bytes: item.body.len() as u64,
    };
    (BodyForm::Framed(frame), hash, content)
}

/// The snapshot named by a full id or a unique prefix of one, with its
/// manifest.
pub(crate) fn snapshot(r: &impl Query, wanted: &str) -> Result<(SnapshotId, Manifest)> {
    if wanted.len() < crate::error::MIN_PREFIX {
        return Err(EngineError::ShortPrefix {
            wanted: wanted.to_owned(),
        });
    }
    let id = find_snapshot(r, wanted)?.ok_or_else(|| NotFound::Snapshot(wanted.to_owned()))?;
    let manifest = r
        .snapshot(id)?
        .ok_or_else(|| NotFound::Snapshot(id.to_string()))?;
    Ok((id, manifest))
}

/// The id a snapshot is shown by: its content id, also for one stored
/// under a local seq before ids named content, unless an older copy of the
/// same render holds that id (ctx used to store one per `create`); such a
/// copy keeps its seq id.
pub(crate) fn shown(r: &impl Query, key: SnapshotId, manifest: &Manifest) -> Result<SnapshotId> {
    if key.is_content() {
        return Ok(key);
    }
    let content = manifest.content_id();
    Ok(if r.resolve_snapshot(content)? == Some(key) {
        content
    } else {
        key
    })
}

/// The local packs a manifest names (an imported one's are another
/// store's).
pub(crate) fn local_packs(manifest: &Manifest) -> Vec<PackId> {
    manifest
        .packs
        .iter()
        .map(|p| p.id)
        .filter(|id| *id != FOREIGN)
        .collect()
}

/// The snapshot a full id or unique prefix names, or `None`. A snapshot
/// stored before ids named content answers to both its ids.
pub(crate) fn find_snapshot(r: &impl Query, wanted: &str) -> Result<Option<SnapshotId>> {
    // Too short to be an id (it may be a pack's name).
    if wanted.len() < crate::error::MIN_PREFIX {
        return Ok(None);
    }
    let ids = r.snapshot_ids()?.into_iter().map(|id| (id.to_string(), id));
    let aliases = r
        .snapshot_aliases()?
        .into_iter()
        .map(|(content, key)| (content.to_string(), key));
    let prefix = wanted.to_ascii_lowercase();
    // Both names of one snapshot are one candidate.
    let mut candidates: Vec<(String, SnapshotId)> = ids
        .chain(aliases)
        .filter(|(name, _)| name.starts_with(&prefix))
        .collect();
    candidates.sort_by_key(|c| c.1);
    candidates.dedup_by_key(|c| c.1);
    by_prefix(match_prefix(wanted, candidates), wanted, None)
}

/// What a bundle may hold beyond its payload's bodies: the manifest and
/// the framing of its encoding.
const BUNDLE_OVERHEAD: u64 = 64 << 20;

/// The largest bundle of a payload within `limit`.
fn max_bundle(limit: u64) -> u64 {
    // A split snapshot also carries the pieces of its cut items: at most
    // the payload again.
    limit.saturating_mul(2).saturating_add(BUNDLE_OVERHEAD)
}

/// The bundle file at `path`, open: a regular file (checked on the open
/// file, which is opened without blocking, so a FIFO is refused and never
/// waited on) no larger than a bundle of a payload within `limit` can be
/// (so `/dev/zero` or a huge file is refused before it is read).
fn open_bundle(path: &Path, limit: u64) -> Result<std::fs::File> {
    let io = |error| EngineError::ReadFile {
        path: path.to_owned(),
        error,
    };
    let file = crate::source::open_nonblocking(path, false).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(EngineError::NotAFile {
            path: path.to_owned(),
        });
    }
    let max = max_bundle(limit);
    if meta.len() > max {
        return Err(EngineError::Bundle {
            path: path.to_owned(),
            error: ctx_store::bundle::BundleError::TooLarge {
                size: meta.len(),
                limit: max,
            },
        });
    }
    Ok(file)
}

/// Why a streamed bundle's payload did not verify.
enum Checked {
    Damaged(ctx_model::VerifyError),
    Io(std::io::Error),
}

impl From<ctx_model::VerifyError> for Checked {
    fn from(e: ctx_model::VerifyError) -> Self {
        Self::Damaged(e)
    }
}

/// Checks that a bundle's split is a split of its items, then that it
/// reassembles from the spooled blobs, one part's bodies at a time.
fn verify_split(
    manifest: &Manifest,
    split: &ctx_model::SnapshotSplit,
    spool: &crate::spool::Spool,
    limit: u64,
) -> std::result::Result<(), Checked> {
    split.check_shape(manifest, limit)?;
    for part in &split.parts {
        let mut bodies = HashMap::new();
        for entry in &part.entries {
            let kept = split
                .kept(manifest, entry.body)
                .ok_or_else(|| VerifyError::Split {
                    claim: "an entry names no item".into(),
                })?;
            let blob = spool.get(&kept.blob()).map_err(Checked::Io)?;
            let blob = blob.ok_or(VerifyError::MissingBody { hash: kept.blob() })?;
            let body = kept.body_from(&blob)?.into_owned();
            bodies.insert(kept.body, body);
        }
        split.verify_part(manifest, part, &bodies)?;
    }
    Ok(())
}

/// The verified bytes of the blob the store keeps for a snapshot item.
fn blob(r: &impl Query, id: SnapshotId, item: &SnapshotItem) -> Result<Vec<u8>> {
    let shown = || {
        (item.origin.path.as_ref())
            .unwrap_or(&item.origin.source)
            .clone()
    };
    let hash = item.blob();
    if let Some(by) = r.purged(&hash)? {
        return Err(EngineError::Purged {
            id,
            item: shown(),
            by,
        });
    }
    r.blob(&hash)
        .and_then(|b| b.ok_or(StoreError::MissingBlob { hash }))
        .map_err(|error| EngineError::SnapshotBody {
            id,
            item: shown(),
            artifact: item.origin.artifact,
            error: Box::new(error),
        })
}

/// The bytes of a snapshot item's body, made from its blob and checked.
fn body(r: &impl Query, id: SnapshotId, item: &SnapshotItem) -> Result<Vec<u8>> {
    let blob = blob(r, id, item)?;
    let framed = match item
        .body_from(&blob)
        .map_err(|_| EngineError::NotReproducible { id })?
    {
        Cow::Owned(body) => Some(body),
        Cow::Borrowed(_) => None,
    };
    Ok(framed.unwrap_or(blob))
}
