//! JSON views of model types. The model's own serde form is its storage
//! encoding (ids as numbers, specs as variants); these views give what
//! output shows (ids and hashes in hex, specs as written). `--json` output
//! is a contract: fields are added, never renamed or removed.

use std::fmt::Display;

use serde::{Serialize, Serializer};

use ctx_model::{
    AddOptions, Artifact, ArtifactId, BlobHash, Captured, Configured, Event, EventKind,
    EventRecord, Pack, PackName, Reversal, SkippedFile, SnapshotId, SourceSpec, TokenizerKind,
};

/// Serializes a value by its `Display` form (ids, hashes, specs, times).
pub(crate) fn display<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// An artifact with its captured content.
#[derive(Clone, Copy, Debug)]
pub struct ArtifactView<'a>(pub &'a Artifact);

impl Serialize for ArtifactView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(serialize_with = "display")]
            id: ArtifactId,
            #[serde(serialize_with = "display")]
            spec: &'a SourceSpec,
            priority: i32,
            added: u64,
            options: &'a AddOptions,
            #[serde(flatten)]
            content: ContentView<'a>,
        }
        View {
            id: a.id,
            spec: &a.spec,
            priority: a.priority,
            added: a.added().0,
            options: &a.options,
            content: ContentView(&a.content),
        }
        .serialize(s)
    }
}

/// Captured content: size, tokens and the blob, or a collection's files
/// and what it skipped.
#[derive(Clone, Copy, Debug)]
pub struct ContentView<'a>(pub &'a Captured);

impl Serialize for ContentView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Blob {
            bytes: u64,
            tokens: u32,
            #[serde(serialize_with = "display")]
            blob: BlobHash,
        }
        #[derive(Serialize)]
        struct File<'a> {
            path: &'a str,
            bytes: u64,
            tokens: u32,
            #[serde(serialize_with = "display")]
            blob: BlobHash,
        }
        #[derive(Serialize)]
        struct Files<'a> {
            bytes: u64,
            tokens: u64,
            files: Vec<File<'a>>,
            skipped: &'a [SkippedFile],
        }
        match self.0 {
            Captured::Blob(b) => Blob {
                bytes: b.bytes,
                tokens: b.tokens,
                blob: b.hash,
            }
            .serialize(s),
            Captured::Files { files, skipped } => Files {
                bytes: self.0.bytes(),
                tokens: self.0.tokens(),
                files: files
                    .iter()
                    .map(|f| File {
                        path: &f.path,
                        bytes: f.blob.bytes,
                        tokens: f.blob.tokens,
                        blob: f.blob.hash,
                    })
                    .collect(),
                skipped,
            }
            .serialize(s),
        }
    }
}

/// Serializes a list of artifacts as [`ArtifactView`]s.
pub(crate) fn artifacts<S: Serializer>(list: &[Artifact], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(ArtifactView))
}

/// An event record with everything it holds, and `what`: the change in a
/// few words, as `ctx log` shows it.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a>(pub &'a EventRecord);

#[derive(Serialize)]
struct PackRefView<'a> {
    id: u64,
    name: &'a PackName,
}

#[derive(Serialize)]
struct Header<'a> {
    seq: u64,
    #[serde(serialize_with = "display")]
    time: ctx_model::Timestamp,
    time_ms: i64,
    user: &'a str,
    version: &'a str,
    command: &'a [String],
    pack: Option<PackRefView<'a>>,
    kind: EventKind,
    what: String,
}

/// The fields each kind of event adds to its header.
#[derive(Serialize)]
#[serde(untagged)]
enum Details<'a> {
    PackCreated {
        name: &'a PackName,
        root: &'a str,
        budget: u64,
        tokenizer: TokenizerKind,
    },
    ArtifactAdded {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        priority: i32,
        options: &'a AddOptions,
        #[serde(flatten)]
        content: ContentView<'a>,
    },
    ArtifactRemoved {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
    },
    Renamed {
        from: &'a PackName,
        to: &'a PackName,
    },
    Budget {
        from: u64,
        to: u64,
    },
    Fit {
        from: ctx_model::Fit,
        to: ctx_model::Fit,
    },
    PackDeleted {
        name: &'a PackName,
    },
    SnapshotCreated {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
        packs: Vec<u64>,
        label: &'a Option<String>,
        #[serde(serialize_with = "display")]
        payload_hash: BlobHash,
        tokens: u64,
    },
    SnapshotImported {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
        label: &'a Option<String>,
        #[serde(serialize_with = "display")]
        payload_hash: BlobHash,
        tokens: u64,
    },
    SnapshotDeleted {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
        packs: Vec<u64>,
    },
    SnapshotLabelled {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
        packs: Vec<u64>,
        label: &'a Option<String>,
    },
    Undone {
        undone: u64,
        reversal: ReversalView<'a>,
    },
    ContentPurged {
        #[serde(serialize_with = "hashes")]
        blobs: &'a [BlobHash],
        packs: Vec<u64>,
    },
    AgentServed {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
        packs: Vec<u64>,
        client: &'a str,
        client_version: &'a str,
        protocol: &'a str,
        method: &'a str,
        via: &'a str,
        #[serde(serialize_with = "display")]
        response_hash: BlobHash,
    },
    PriorityChanged {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        from: i32,
        to: i32,
    },
    ArtifactRefreshed {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        from: ContentView<'a>,
        to: ContentView<'a>,
    },
    Root {
        from: &'a str,
        to: &'a str,
    },
    OptionsChanged {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        from: ConfiguredView<'a>,
        to: ConfiguredView<'a>,
    },
}

/// An artifact's options and the content captured under them.
#[derive(Serialize)]
struct ConfiguredView<'a> {
    options: &'a AddOptions,
    #[serde(flatten)]
    content: ContentView<'a>,
}

impl<'a> ConfiguredView<'a> {
    fn of(configured: &'a Configured) -> Self {
        Self {
            options: &configured.options,
            content: ContentView(&configured.content),
        }
    }
}

fn hashes<S: Serializer>(list: &[BlobHash], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(ToString::to_string))
}

/// What an `undone` event reverses, tagged by `kind`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ReversalView<'a> {
    RemoveArtifact {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
    },
    RestoreArtifact {
        #[serde(flatten)]
        artifact: ArtifactView<'a>,
    },
    Rename {
        from: &'a PackName,
        to: &'a PackName,
    },
    SetBudget {
        from: u64,
        to: u64,
    },
    SetFit {
        from: ctx_model::Fit,
        to: ctx_model::Fit,
    },
    RestorePack {
        pack: &'a Pack,
        #[serde(serialize_with = "crate::view::artifacts")]
        artifacts: &'a [Artifact],
    },
    DeletePack {
        name: &'a PackName,
    },
    RestoreSnapshot {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
        stored: u64,
    },
    DeleteSnapshot {
        #[serde(serialize_with = "display")]
        snapshot: SnapshotId,
    },
    SetPriority {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        from: i32,
        to: i32,
    },
    Recapture {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        from: ContentView<'a>,
        to: ContentView<'a>,
    },
    SetRoot {
        from: &'a str,
        to: &'a str,
    },
    Reconfigure {
        #[serde(serialize_with = "display")]
        artifact: ArtifactId,
        #[serde(serialize_with = "display")]
        spec: &'a SourceSpec,
        from: ConfiguredView<'a>,
        to: ConfiguredView<'a>,
    },
}

impl<'a> ReversalView<'a> {
    fn of(reversal: &'a Reversal) -> Self {
        match reversal {
            Reversal::RemoveArtifact { artifact, spec } => Self::RemoveArtifact {
                artifact: *artifact,
                spec,
            },
            Reversal::RestoreArtifact { artifact } => Self::RestoreArtifact {
                artifact: ArtifactView(artifact),
            },
            Reversal::Rename { from, to } => Self::Rename { from, to },
            Reversal::SetBudget { from, to } => Self::SetBudget {
                from: *from,
                to: *to,
            },
            Reversal::SetFit { from, to } => Self::SetFit {
                from: *from,
                to: *to,
            },
            Reversal::RestorePack { pack, artifacts } => Self::RestorePack { pack, artifacts },
            Reversal::DeletePack { name } => Self::DeletePack { name },
            Reversal::RestoreSnapshot { snapshot, stored } => Self::RestoreSnapshot {
                snapshot: *snapshot,
                stored: stored.0,
            },
            Reversal::DeleteSnapshot { snapshot } => Self::DeleteSnapshot {
                snapshot: *snapshot,
            },
            Reversal::SetPriority {
                artifact,
                spec,
                from,
                to,
            } => Self::SetPriority {
                artifact: *artifact,
                spec,
                from: *from,
                to: *to,
            },
            Reversal::Recapture {
                artifact,
                spec,
                from,
                to,
            } => Self::Recapture {
                artifact: *artifact,
                spec,
                from: ContentView(from),
                to: ContentView(to),
            },
            Reversal::SetRoot { from, to } => Self::SetRoot { from, to },
            Reversal::Reconfigure {
                artifact,
                spec,
                from,
                to,
            } => Self::Reconfigure {
                artifact: *artifact,
                spec,
                from: ConfiguredView::of(from),
                to: ConfiguredView::of(to),
            },
        }
    }
}

impl<'a> Details<'a> {
    fn of(record: &'a EventRecord) -> Self {
        let snapshot = SnapshotId(record.seq.0);
        match &record.event {
            Event::PackCreated {
                name,
                root,
                budget,
                tokenizer,
            } => Self::PackCreated {
                name,
                root,
                budget: *budget,
                tokenizer: *tokenizer,
            },
            Event::ArtifactAdded { artifact, .. } => Self::ArtifactAdded {
                artifact: ArtifactId(record.seq.0),
                spec: &artifact.spec,
                priority: artifact.priority,
                options: &artifact.options,
                content: ContentView(&artifact.content),
            },
            Event::ArtifactRemoved { artifact, spec, .. } => Self::ArtifactRemoved {
                artifact: *artifact,
                spec,
            },
            Event::PackRenamed { from, to, .. } => Self::Renamed { from, to },
            Event::BudgetChanged { from, to, .. } => Self::Budget {
                from: *from,
                to: *to,
            },
            Event::FitChanged { from, to, .. } => Self::Fit {
                from: *from,
                to: *to,
            },
            Event::PackDeleted { name, .. } => Self::PackDeleted { name },
            Event::SnapshotCreated {
                packs,
                label,
                payload,
                tokens,
            } => Self::SnapshotCreated {
                snapshot,
                packs: packs.iter().map(|p| p.0).collect(),
                label,
                payload_hash: *payload,
                tokens: *tokens,
            },
            Event::SnapshotImported {
                label,
                payload,
                tokens,
            } => Self::SnapshotImported {
                snapshot,
                label,
                payload_hash: *payload,
                tokens: *tokens,
            },
            Event::SnapshotTaken {
                id,
                packs,
                label,
                payload,
                tokens,
            } => Self::SnapshotCreated {
                snapshot: *id,
                packs: packs.iter().map(|p| p.0).collect(),
                label,
                payload_hash: *payload,
                tokens: *tokens,
            },
            Event::SnapshotReceived {
                id,
                label,
                payload,
                tokens,
            } => Self::SnapshotImported {
                snapshot: *id,
                label,
                payload_hash: *payload,
                tokens: *tokens,
            },
            Event::SnapshotLabelled {
                snapshot,
                packs,
                label,
            } => Self::SnapshotLabelled {
                snapshot: *snapshot,
                packs: packs.iter().map(|p| p.0).collect(),
                label,
            },
            Event::SnapshotDeleted { snapshot, packs } => Self::SnapshotDeleted {
                snapshot: *snapshot,
                packs: packs.iter().map(|p| p.0).collect(),
            },
            Event::Undone {
                event, reversal, ..
            } => Self::Undone {
                undone: event.0,
                reversal: ReversalView::of(reversal),
            },
            Event::ContentPurged { blobs, packs } => Self::ContentPurged {
                blobs,
                packs: packs.iter().map(|p| p.0).collect(),
            },
            Event::AgentServed {
                packs,
                snapshot,
                request,
                response,
            } => Self::AgentServed {
                snapshot: *snapshot,
                packs: packs.iter().map(|p| p.0).collect(),
                client: &request.client,
                client_version: &request.client_version,
                protocol: &request.protocol,
                method: &request.method,
                via: &request.via,
                response_hash: *response,
            },
            Event::PriorityChanged {
                artifact,
                spec,
                from,
                to,
                ..
            } => Self::PriorityChanged {
                artifact: *artifact,
                spec,
                from: *from,
                to: *to,
            },
            Event::ArtifactRefreshed {
                artifact,
                spec,
                from,
                to,
                ..
            } => Self::ArtifactRefreshed {
                artifact: *artifact,
                spec,
                from: ContentView(from),
                to: ContentView(to),
            },
            Event::PackRootChanged { from, to, .. } => Self::Root { from, to },
            Event::OptionsChanged {
                artifact,
                spec,
                from,
                to,
                ..
            } => Self::OptionsChanged {
                artifact: *artifact,
                spec,
                from: ConfiguredView::of(from),
                to: ConfiguredView::of(to),
            },
        }
    }
}

impl Serialize for EventView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        #[derive(Serialize)]
        struct Whole<'a> {
            #[serde(flatten)]
            header: Header<'a>,
            #[serde(flatten)]
            details: Details<'a>,
        }
        Whole {
            header: Header {
                seq: r.seq.0,
                time: r.time,
                time_ms: r.time.0,
                user: &r.user,
                version: &r.version,
                command: &r.command,
                pack: r.pack.as_ref().map(|p| PackRefView {
                    id: p.id.0,
                    name: &p.name,
                }),
                kind: r.event.kind(),
                what: crate::describe::describe(&r.event),
            },
            details: Details::of(r),
        }
        .serialize(s)
    }
}
