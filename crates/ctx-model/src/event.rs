//! Events: the append-only log that is the source of truth for every pack.
//!
//! Names are past tense, one event per command. Variants are only ever added
//! at the end: the store encodes the variant index, so reordering or editing
//! a variant would misread every event already written. A changed shape is a
//! new variant.

use serde::{Deserialize, Serialize};

use crate::{
    AddOptions, Artifact, ArtifactId, BlobHash, Captured, EventSeq, Fit, Pack, PackId, PackName,
    SnapshotId, SourceSpec, Timestamp, TokenizerKind,
};

/// One event with who, when and how it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub seq: EventSeq,
    pub time: Timestamp,
    pub user: String,
    /// The ctx version that wrote the event.
    pub version: String,
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The pack the event concerns, with its name at that moment.
    pub pack: Option<PackRef>,
    pub event: Event,
}

/// A pack id with the name it had when an event was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    pub id: PackId,
    pub name: PackName,
}

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A pack was created; its id is this event's seq.
    PackCreated {
        name: PackName,
        /// Absolute path of the pack root.
        root: String,
        budget: u64,
        tokenizer: TokenizerKind,
    },
    /// An artifact was added; its id is this event's seq.
    ArtifactAdded { pack: PackId, artifact: NewArtifact },
    /// An artifact was removed.
    ArtifactRemoved {
        pack: PackId,
        artifact: ArtifactId,
        spec: SourceSpec,
    },
    /// A pack was renamed.
    PackRenamed {
        pack: PackId,
        from: PackName,
        to: PackName,
    },
    /// A pack's token budget changed.
    BudgetChanged { pack: PackId, from: u64, to: u64 },
    /// A pack was deleted with all its artifacts.
    PackDeleted { pack: PackId, name: PackName },
    /// A render of `packs` was frozen; its id is this event's seq and its
    /// manifest is in the store's snapshot table.
    SnapshotCreated {
        packs: Vec<PackId>,
        label: Option<String>,
        payload: BlobHash,
        tokens: u64,
    },
    /// A snapshot was deleted; its blobs are left to gc.
    SnapshotDeleted {
        snapshot: SnapshotId,
        packs: Vec<PackId>,
    },
    /// Event `event` was undone by applying `reversal` to `pack`. The log
    /// only grows: the undone event stays, and this one reverses it.
    Undone {
        event: EventSeq,
        pack: PackId,
        reversal: Reversal,
    },
    /// A snapshot was imported from a bundle; its id is this event's seq. Its
    /// packs belong to the store it came from, so it names none here.
    SnapshotImported {
        label: Option<String>,
        payload: BlobHash,
        tokens: u64,
    },
    /// Captured content was removed from the store for good (`ctx purge`):
    /// events that captured it stay, and say it is gone. `packs` are the
    /// packs that held it then.
    ContentPurged {
        blobs: Vec<BlobHash>,
        packs: Vec<PackId>,
    },
    /// A payload was sent to an agent (`ctx mcp`): `snapshot` reproduces
    /// it, `response` is the BLAKE3 of the exact response bytes, and
    /// `request` says who asked, as they named themselves, and how.
    AgentServed {
        packs: Vec<PackId>,
        snapshot: SnapshotId,
        request: AgentRequest,
        response: BlobHash,
    },
    /// A render of `packs` was frozen as snapshot `id`, named by its
    /// content; its manifest is in the store's snapshot table.
    SnapshotTaken {
        id: SnapshotId,
        packs: Vec<PackId>,
        label: Option<String>,
        payload: BlobHash,
        tokens: u64,
    },
    /// Snapshot `id` was imported from a bundle; its packs belong to the
    /// store it came from, so it names none here.
    SnapshotReceived {
        id: SnapshotId,
        label: Option<String>,
        payload: BlobHash,
        tokens: u64,
    },
    /// A snapshot's label was set (taken again under a new label).
    SnapshotLabelled {
        snapshot: SnapshotId,
        packs: Vec<PackId>,
        label: Option<String>,
    },
    /// An artifact's priority changed.
    PriorityChanged {
        pack: PackId,
        artifact: ArtifactId,
        spec: SourceSpec,
        from: i32,
        to: i32,
    },
    /// An artifact's source was read again and its captured content
    /// replaced: `from` is what it held, `to` what it holds now.
    ArtifactRefreshed {
        pack: PackId,
        artifact: ArtifactId,
        spec: SourceSpec,
        from: Captured,
        to: Captured,
    },
    /// A pack's root moved (absolute paths).
    PackRootChanged {
        pack: PackId,
        from: String,
        to: String,
    },
    /// An artifact's options changed, and its source was captured again
    /// under the new ones.
    OptionsChanged {
        pack: PackId,
        artifact: ArtifactId,
        spec: SourceSpec,
        from: Configured,
        to: Configured,
    },
    /// What a render does when a pack is over its budget changed.
    FitChanged { pack: PackId, from: Fit, to: Fit },
}

/// An artifact's options with the content captured under them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configured {
    pub options: AddOptions,
    pub content: Captured,
}

/// Who an agent's client said it was, and what it asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRequest {
    /// The client's name and version as it claims them (`clientInfo`).
    pub client: String,
    pub client_version: String,
    /// The protocol revision the request was served in.
    pub protocol: String,
    /// The protocol method: `tools/call`, `resources/read`, `prompts/get`.
    pub method: String,
    /// The tool, resource or prompt: `render`, `ctx://pack/app`.
    pub via: String,
}

/// The change that reverses an event, with everything needed to apply it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reversal {
    /// Reverses `ArtifactAdded`.
    RemoveArtifact {
        artifact: ArtifactId,
        spec: SourceSpec,
    },
    /// Reverses `ArtifactRemoved`: the artifact comes back with its id,
    /// priority and captured content.
    RestoreArtifact { artifact: Artifact },
    /// Reverses `PackRenamed`.
    Rename { from: PackName, to: PackName },
    /// Reverses `BudgetChanged`.
    SetBudget { from: u64, to: u64 },
    /// Reverses `PackDeleted`: the pack comes back whole.
    RestorePack {
        pack: Pack,
        artifacts: Vec<Artifact>,
    },
    /// Reverses `PackCreated` (of a pack that is empty again).
    DeletePack { name: PackName },
    /// Reverses `SnapshotDeleted` while the store still keeps the
    /// manifest (until gc): the snapshot comes back under `snapshot`, the
    /// key it was stored under, as stored by event `stored`.
    RestoreSnapshot {
        snapshot: SnapshotId,
        stored: EventSeq,
    },
    /// Reverses the creation or import of a snapshot: it is deleted, and
    /// its manifest kept until gc so that a redo can restore it.
    DeleteSnapshot { snapshot: SnapshotId },
    /// Reverses `PriorityChanged`.
    SetPriority {
        artifact: ArtifactId,
        spec: SourceSpec,
        from: i32,
        to: i32,
    },
    /// Reverses `ArtifactRefreshed`: the content goes back from `from` to `to`.
    Recapture {
        artifact: ArtifactId,
        spec: SourceSpec,
        from: Captured,
        to: Captured,
    },
    /// Reverses `PackRootChanged`.
    SetRoot { from: String, to: String },
    /// Reverses `OptionsChanged`: options and content go back together.
    Reconfigure {
        artifact: ArtifactId,
        spec: SourceSpec,
        from: Configured,
        to: Configured,
    },
    /// Reverses `FitChanged`.
    SetFit { from: Fit, to: Fit },
}

/// An artifact as an `ArtifactAdded` event carries it, before it has an id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewArtifact {
    pub spec: SourceSpec,
    pub priority: i32,
    pub options: AddOptions,
    pub content: Captured,
}

impl Event {
    /// The packs the event concerns, given the seq it is written at; the
    /// first is the one its record names.
    pub fn pack_ids(&self, seq: EventSeq) -> Vec<PackId> {
        match self {
            Self::PackCreated { .. } => vec![PackId(seq.0)],
            Self::ArtifactAdded { pack, .. }
            | Self::ArtifactRemoved { pack, .. }
            | Self::PackRenamed { pack, .. }
            | Self::BudgetChanged { pack, .. }
            | Self::PackDeleted { pack, .. }
            | Self::PriorityChanged { pack, .. }
            | Self::ArtifactRefreshed { pack, .. }
            | Self::PackRootChanged { pack, .. }
            | Self::OptionsChanged { pack, .. }
            | Self::FitChanged { pack, .. } => vec![*pack],
            Self::SnapshotCreated { packs, .. }
            | Self::SnapshotDeleted { packs, .. }
            | Self::SnapshotTaken { packs, .. }
            | Self::SnapshotLabelled { packs, .. } => packs.clone(),
            // An undo of a snapshot that names no local pack names pack 0,
            // which no pack is.
            Self::Undone { pack, .. } if pack.0 == 0 => Vec::new(),
            Self::Undone { pack, .. } => vec![*pack],
            Self::SnapshotImported { .. } | Self::SnapshotReceived { .. } => Vec::new(),
            Self::ContentPurged { packs, .. } | Self::AgentServed { packs, .. } => packs.clone(),
        }
    }

    /// The snapshot the event creates, deletes or labels, given the seq it
    /// is written at (a snapshot of schema 4 and older is named by it).
    pub fn snapshot_id(&self, seq: EventSeq) -> Option<SnapshotId> {
        match self {
            Self::SnapshotCreated { .. } | Self::SnapshotImported { .. } => Some(SnapshotId(seq.0)),
            Self::SnapshotTaken { id, .. } | Self::SnapshotReceived { id, .. } => Some(*id),
            Self::SnapshotDeleted { snapshot, .. }
            | Self::SnapshotLabelled { snapshot, .. }
            | Self::AgentServed { snapshot, .. } => Some(*snapshot),
            _ => None,
        }
    }

    /// The content the event read from a source, with the pack and the
    /// spec it was read for: an addition's, or a refresh's new content.
    pub fn captured(&self) -> Option<(PackId, &SourceSpec, &Captured)> {
        match self {
            Self::ArtifactAdded { pack, artifact } => {
                Some((*pack, &artifact.spec, &artifact.content))
            }
            Self::ArtifactRefreshed { pack, spec, to, .. } => Some((*pack, spec, to)),
            Self::OptionsChanged { pack, spec, to, .. } => Some((*pack, spec, &to.content)),
            _ => None,
        }
    }

    /// An artifact's content before and after an event that captured its
    /// source again: a refresh, or a change of its options.
    pub fn recaptured(&self) -> Option<(PackId, ArtifactId, &Captured, &Captured)> {
        match self {
            Self::ArtifactRefreshed {
                pack,
                artifact,
                from,
                to,
                ..
            } => Some((*pack, *artifact, from, to)),
            Self::OptionsChanged {
                pack,
                artifact,
                from,
                to,
                ..
            } => Some((*pack, *artifact, &from.content, &to.content)),
            _ => None,
        }
    }

    /// What kind of event this is.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::PackCreated { .. } => EventKind::PackCreated,
            Self::ArtifactAdded { .. } => EventKind::ArtifactAdded,
            Self::ArtifactRemoved { .. } => EventKind::ArtifactRemoved,
            Self::PackRenamed { .. } => EventKind::PackRenamed,
            Self::BudgetChanged { .. } => EventKind::BudgetChanged,
            Self::FitChanged { .. } => EventKind::FitChanged,
            Self::PackDeleted { .. } => EventKind::PackDeleted,
            Self::SnapshotCreated { .. } | Self::SnapshotTaken { .. } => EventKind::SnapshotCreated,
            Self::SnapshotDeleted { .. } => EventKind::SnapshotDeleted,
            Self::Undone { .. } => EventKind::Undone,
            Self::SnapshotImported { .. } | Self::SnapshotReceived { .. } => {
                EventKind::SnapshotImported
            }
            Self::SnapshotLabelled { .. } => EventKind::SnapshotLabelled,
            Self::ContentPurged { .. } => EventKind::ContentPurged,
            Self::AgentServed { .. } => EventKind::AgentServed,
            Self::PriorityChanged { .. } => EventKind::PriorityChanged,
            Self::ArtifactRefreshed { .. } => EventKind::ArtifactRefreshed,
            Self::PackRootChanged { .. } => EventKind::PackRootChanged,
            Self::OptionsChanged { .. } => EventKind::OptionsChanged,
        }
    }
}

/// The kind of an event, named in snake_case in output and filters
/// (`ctx log --kind artifact_added`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[cfg_attr(feature = "clap", value(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    PackCreated,
    ArtifactAdded,
    ArtifactRemoved,
    PackRenamed,
    BudgetChanged,
    PackDeleted,
    SnapshotCreated,
    SnapshotDeleted,
    Undone,
    SnapshotImported,
    ContentPurged,
    AgentServed,
    SnapshotLabelled,
    PriorityChanged,
    ArtifactRefreshed,
    PackRootChanged,
    OptionsChanged,
    FitChanged,
}

impl EventKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PackCreated => "pack_created",
            Self::ArtifactAdded => "artifact_added",
            Self::ArtifactRemoved => "artifact_removed",
            Self::PackRenamed => "pack_renamed",
            Self::BudgetChanged => "budget_changed",
            Self::PackDeleted => "pack_deleted",
            Self::SnapshotCreated => "snapshot_created",
            Self::SnapshotDeleted => "snapshot_deleted",
            Self::Undone => "undone",
            Self::SnapshotImported => "snapshot_imported",
            Self::ContentPurged => "content_purged",
            Self::AgentServed => "agent_served",
            Self::SnapshotLabelled => "snapshot_labelled",
            Self::PriorityChanged => "priority_changed",
            Self::ArtifactRefreshed => "artifact_refreshed",
            Self::PackRootChanged => "pack_root_changed",
            Self::OptionsChanged => "options_changed",
            Self::FitChanged => "fit_changed",
        }
    }

    /// Whether events of this kind create, change or delete a snapshot
    /// rather than a pack.
    pub fn is_snapshot(self) -> bool {
        matches!(
            self,
            Self::SnapshotCreated
                | Self::SnapshotDeleted
                | Self::SnapshotImported
                | Self::SnapshotLabelled
        )
    }

    /// Why `undo` cannot reverse events of this kind, or `None` when it
    /// can (a deleted snapshot only while gc has not removed it; an undo
    /// is reversed by `redo`).
    pub fn why_not_undoable(self) -> Option<&'static str> {
        match self {
            Self::ContentPurged => Some("what a purge removed is gone for good"),
            Self::AgentServed => Some("what an agent was sent stays sent"),
            Self::SnapshotLabelled => {
                Some("a label is set by taking the snapshot again with the label it should have")
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
