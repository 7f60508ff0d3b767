//! The fold: the only code that interprets events.
//!
//! [`plan`] reads what an event needs through a [`StateView`] and returns the
//! [`Change`]s it makes. The store applies those changes to its materialized
//! tables inside the transaction that appends the event; [`State::apply`]
//! applies them to an in-memory state when replaying the log. Both therefore
//! agree by construction, and `fsck` can compare them.
//!
//! [`State::apply`]: crate::State::apply

use crate::event::Reversal;
use crate::{
    Artifact, ArtifactId, BlobHash, Captured, Configured, Event, EventSeq, Fit, Pack, PackId,
    PackName, PackRef, SnapshotId, SourceSpec,
};

/// Read access to pack state, as of just before the event being planned.
pub trait StateView {
    /// What reading can fail with (the store's I/O and decode errors).
    type Error;
    /// The pack row with this id.
    fn pack(&self, id: PackId) -> Result<Option<Pack>, Self::Error>;
    /// The id of the live pack with this name.
    fn pack_by_name(&self, name: &PackName) -> Result<Option<PackId>, Self::Error>;
    /// One artifact of a pack.
    fn artifact(&self, pack: PackId, id: ArtifactId) -> Result<Option<Artifact>, Self::Error>;
    /// The artifact of a pack declared by exactly this spec.
    fn artifact_by_spec(
        &self,
        pack: PackId,
        spec: &SourceSpec,
    ) -> Result<Option<ArtifactId>, Self::Error>;
}

/// One edit to materialized state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Insert or replace a pack row.
    PutPack(Pack),
    /// Point a name at a pack.
    PutName(PackName, PackId),
    /// Free a name.
    DeleteName(PackName),
    /// Insert an artifact (and its spec index entry).
    PutArtifact(PackId, Artifact),
    /// Remove an artifact (and its spec index entry).
    DeleteArtifact(PackId, ArtifactId, SourceSpec),
    /// Remove a pack row and every artifact of the pack.
    DeletePack(PackId),
    /// Store the manifest the event comes with as this snapshot. Pack state
    /// has no snapshots; only the store's snapshot table does.
    PutSnapshot(SnapshotId),
    /// Remove a snapshot, keeping its manifest until gc so that an undo
    /// can restore it (its blobs stay until gc too).
    DeleteSnapshot(SnapshotId),
    /// Bring back the deleted snapshot kept under this key, as stored by
    /// the event at this seq.
    RestoreSnapshot(SnapshotId, EventSeq),
    /// Set the label a snapshot's manifest records.
    LabelSnapshot(SnapshotId, Option<String>),
    /// Remove a blob's bytes for good, and remember which event did.
    PurgeBlob(BlobHash, EventSeq),
}

/// An event's effect: the pack it concerns and the edits it makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// The pack the record names (the first of a snapshot's packs); `None`
    /// when it no longer exists, as for a snapshot of deleted packs.
    pub pack: Option<PackRef>,
    pub changes: Vec<Change>,
}

/// Why planning an event failed: the view could not be read, or the event
/// does not fit the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError<E> {
    View(E),
    Refused(FoldError),
}

impl<E> From<FoldError> for PlanError<E> {
    fn from(e: FoldError) -> Self {
        Self::Refused(e)
    }
}

/// Why an event cannot apply to the state it meets. Shown as
/// `event N: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoldError {
    UnknownPack {
        seq: EventSeq,
        pack: PackId,
    },
    NameTaken {
        seq: EventSeq,
        name: PackName,
    },
    DuplicateSpec {
        seq: EventSeq,
        pack: PackName,
        spec: String,
    },
    UnknownArtifact {
        seq: EventSeq,
        pack: PackName,
        artifact: ArtifactId,
    },
    Stale {
        seq: EventSeq,
        expected: String,
        found: String,
    },
    OutOfOrder {
        seq: EventSeq,
        last: EventSeq,
    },
    Inconsistent {
        seq: EventSeq,
        pack: PackId,
    },
}

impl FoldError {
    /// The event that did not apply.
    pub fn seq(&self) -> EventSeq {
        match self {
            Self::UnknownPack { seq, .. }
            | Self::NameTaken { seq, .. }
            | Self::DuplicateSpec { seq, .. }
            | Self::UnknownArtifact { seq, .. }
            | Self::Stale { seq, .. }
            | Self::OutOfOrder { seq, .. }
            | Self::Inconsistent { seq, .. } => *seq,
        }
    }

    /// Why it did not, without naming the event: for an event that was
    /// only planned, whose seq names nothing yet.
    pub fn reason(&self) -> String {
        match self {
            Self::UnknownPack { pack, .. } => format!("no pack with id {pack}"),
            Self::NameTaken { name, .. } => format!("a pack named `{name}` already exists"),
            Self::DuplicateSpec { pack, spec, .. } => format!("pack `{pack}` already has `{spec}`"),
            Self::UnknownArtifact { pack, artifact, .. } => {
                format!("pack `{pack}` has no artifact {artifact}")
            }
            Self::Stale {
                expected, found, ..
            } => format!("expected {expected}, found {found}"),
            Self::OutOfOrder { last, .. } => {
                format!("it follows event {last}; the log must be gapless")
            }
            Self::Inconsistent { pack, .. } => {
                format!("pack {pack}'s totals are out of step with its artifacts")
            }
        }
    }
}

impl std::fmt::Display for FoldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Kept as it always read.
            Self::OutOfOrder { seq, last } => {
                write!(
                    f,
                    "event {seq} follows event {last}; the log must be gapless"
                )
            }
            _ => write!(f, "event {}: {}", self.seq(), self.reason()),
        }
    }
}

impl std::error::Error for FoldError {}

/// What an event does to pack state, whichever event it is: forward
/// events and the reversals `Undone` carries share one implementation.
enum Effect<'a> {
    /// A pack appears, with artifacts when a deletion is undone.
    CreatePack(Pack, Vec<Artifact>),
    AddArtifact(PackId, Artifact),
    RemoveArtifact(PackId, ArtifactId, &'a SourceSpec),
    Rename(PackId, &'a PackName, &'a PackName),
    SetBudget(PackId, u64, u64),
    SetFit(PackId, Fit, Fit),
    DeletePack(PackId, &'a PackName),
    SetPriority(PackId, ArtifactId, i32, i32),
    /// An artifact's content goes from the first to the second.
    Recapture(PackId, ArtifactId, &'a Captured, &'a Captured),
    Reconfigure(PackId, ArtifactId, &'a Configured, &'a Configured),
    SetRoot(PackId, &'a str, &'a str),
    /// No pack state changes: a snapshot appears or goes, content is
    /// purged.
    Store(Vec<Change>),
}

/// Plans the changes `event`, written at `seq`, makes to the state `view` shows.
pub fn plan<V: StateView>(
    view: &V,
    seq: EventSeq,
    event: &Event,
) -> Result<Planned, PlanError<V::Error>> {
    let packs = event.pack_ids(seq);
    let pack_id = packs.first().copied().unwrap_or(PackId(0));
    let effect = match event {
        Event::PackCreated {
            name,
            root,
            budget,
            tokenizer,
        } => Effect::CreatePack(
            Pack {
                id: pack_id,
                name: name.clone(),
                root: root.clone(),
                budget: *budget,
                tokenizer: *tokenizer,
                artifacts: 0,
                bytes: 0,
                tokens: 0,
                fit: Fit::Drop,
            },
            Vec::new(),
        ),
        Event::ArtifactAdded { artifact, .. } => Effect::AddArtifact(
            pack_id,
            Artifact {
                id: ArtifactId(seq.0),
                spec: artifact.spec.clone(),
                priority: artifact.priority,
                options: artifact.options.clone(),
                content: artifact.content.clone(),
            },
        ),
        Event::ArtifactRemoved { artifact, spec, .. } => {
            Effect::RemoveArtifact(pack_id, *artifact, spec)
        }
        Event::PackRenamed { from, to, .. } => Effect::Rename(pack_id, from, to),
        Event::BudgetChanged { from, to, .. } => Effect::SetBudget(pack_id, *from, *to),
        Event::FitChanged { from, to, .. } => Effect::SetFit(pack_id, *from, *to),
        Event::PackDeleted { name, .. } => Effect::DeletePack(pack_id, name),
        // A snapshot may be of packs as they were (`--at`), even deleted
        // since: it records, it changes no pack.
        Event::SnapshotCreated { .. } | Event::SnapshotImported { .. } => {
            Effect::Store(vec![Change::PutSnapshot(SnapshotId(seq.0))])
        }
        Event::SnapshotTaken { id, .. } | Event::SnapshotReceived { id, .. } => {
            Effect::Store(vec![Change::PutSnapshot(*id)])
        }
        Event::SnapshotDeleted { snapshot, .. } => {
            Effect::Store(vec![Change::DeleteSnapshot(*snapshot)])
        }
        Event::SnapshotLabelled {
            snapshot, label, ..
        } => Effect::Store(vec![Change::LabelSnapshot(*snapshot, label.clone())]),
        Event::ContentPurged { blobs, .. } => Effect::Store(
            blobs
                .iter()
                .map(|hash| Change::PurgeBlob(*hash, seq))
                .collect(),
        ),
        // A record of what was sent; the snapshot it names holds the bytes.
        Event::AgentServed { .. } => Effect::Store(Vec::new()),
        Event::PriorityChanged {
            artifact, from, to, ..
        } => Effect::SetPriority(pack_id, *artifact, *from, *to),
        Event::ArtifactRefreshed {
            artifact, from, to, ..
        } => Effect::Recapture(pack_id, *artifact, from, to),
        Event::PackRootChanged { from, to, .. } => Effect::SetRoot(pack_id, from, to),
        Event::OptionsChanged {
            artifact, from, to, ..
        } => Effect::Reconfigure(pack_id, *artifact, from, to),
        Event::Undone { reversal, .. } => match reversal {
            Reversal::RemoveArtifact { artifact, spec } => {
                Effect::RemoveArtifact(pack_id, *artifact, spec)
            }
            Reversal::RestoreArtifact { artifact } => {
                Effect::AddArtifact(pack_id, artifact.clone())
            }
            Reversal::Rename { from, to } => Effect::Rename(pack_id, from, to),
            Reversal::SetBudget { from, to } => Effect::SetBudget(pack_id, *from, *to),
            Reversal::SetFit { from, to } => Effect::SetFit(pack_id, *from, *to),
            Reversal::RestorePack { pack, artifacts } => {
                Effect::CreatePack(pack.clone(), artifacts.clone())
            }
            Reversal::DeletePack { name } => Effect::DeletePack(pack_id, name),
            Reversal::RestoreSnapshot { snapshot, stored } => {
                Effect::Store(vec![Change::RestoreSnapshot(*snapshot, *stored)])
            }
            Reversal::DeleteSnapshot { snapshot } => {
                Effect::Store(vec![Change::DeleteSnapshot(*snapshot)])
            }
            Reversal::SetPriority {
                artifact, from, to, ..
            } => Effect::SetPriority(pack_id, *artifact, *from, *to),
            Reversal::Recapture {
                artifact, from, to, ..
            } => Effect::Recapture(pack_id, *artifact, from, to),
            Reversal::SetRoot { from, to } => Effect::SetRoot(pack_id, from, to),
            Reversal::Reconfigure {
                artifact, from, to, ..
            } => Effect::Reconfigure(pack_id, *artifact, from, to),
        },
    };
    apply_effect(view, seq, pack_id, effect)
}

fn existing<V: StateView>(
    view: &V,
    seq: EventSeq,
    id: PackId,
) -> Result<Pack, PlanError<V::Error>> {
    view.pack(id)
        .map_err(PlanError::View)?
        .ok_or(PlanError::Refused(FoldError::UnknownPack { seq, pack: id }))
}

fn name_free<V: StateView>(
    view: &V,
    seq: EventSeq,
    name: &PackName,
) -> Result<(), PlanError<V::Error>> {
    match view.pack_by_name(name).map_err(PlanError::View)? {
        Some(_) => Err(FoldError::NameTaken {
            seq,
            name: name.clone(),
        }
        .into()),
        None => Ok(()),
    }
}

fn stale<E>(seq: EventSeq, expected: String, found: String) -> PlanError<E> {
    FoldError::Stale {
        seq,
        expected,
        found,
    }
    .into()
}

/// A pack row and the edits an effect makes.
type Effected<E> = Result<(Pack, Vec<Change>), PlanError<E>>;

fn apply_effect<V: StateView>(
    view: &V,
    seq: EventSeq,
    pack_id: PackId,
    effect: Effect<'_>,
) -> Result<Planned, PlanError<V::Error>> {
    let (pack, changes) = match effect {
        Effect::CreatePack(pack, artifacts) => create_pack(view, seq, pack, artifacts)?,
        Effect::AddArtifact(id, artifact) => add_artifact(view, seq, id, artifact)?,
        Effect::RemoveArtifact(id, artifact, spec) => {
            remove_artifact(view, seq, id, artifact, spec)?
        }
        Effect::Rename(id, from, to) => rename(view, seq, id, from, to)?,
        Effect::SetBudget(id, from, to) => {
            let mut pack = existing(view, seq, id)?;
            if pack.budget != from {
                return Err(stale(
                    seq,
                    format!("budget {from}"),
                    pack.budget.to_string(),
                ));
            }
            pack.budget = to;
            (pack.clone(), vec![Change::PutPack(pack)])
        }
        Effect::SetFit(id, from, to) => {
            let mut pack = existing(view, seq, id)?;
            if pack.fit != from {
                return Err(stale(seq, format!("fit {from}"), pack.fit.to_string()));
            }
            pack.fit = to;
            (pack.clone(), vec![Change::PutPack(pack)])
        }
        Effect::DeletePack(id, name) => {
            let pack = existing(view, seq, id)?;
            if pack.name != *name {
                return Err(stale(
                    seq,
                    format!("name `{name}`"),
                    format!("`{}`", pack.name),
                ));
            }
            let changes = vec![Change::DeleteName(name.clone()), Change::DeletePack(id)];
            (pack, changes)
        }
        Effect::SetPriority(id, artifact, from, to) => {
            let (pack, mut found) = artifact_of(view, seq, id, artifact)?;
            if found.priority != from {
                return Err(stale(
                    seq,
                    format!("priority {from}"),
                    found.priority.to_string(),
                ));
            }
            found.priority = to;
            (pack, vec![Change::PutArtifact(id, found)])
        }
        Effect::Recapture(id, artifact, from, to) => {
            let (mut pack, mut found) = artifact_of(view, seq, id, artifact)?;
            if found.content != *from {
                return Err(stale(
                    seq,
                    format!("the content of artifact {artifact} as captured before"),
                    "other content".into(),
                ));
            }
            // The artifact stays: only its content's share of the totals moves.
            tally(&mut pack, from, seq, u64::checked_sub)?;
            tally(&mut pack, to, seq, u64::checked_add)?;
            found.content = to.clone();
            let changes = vec![
                Change::PutArtifact(id, found),
                Change::PutPack(pack.clone()),
            ];
            (pack, changes)
        }
        Effect::Reconfigure(id, artifact, from, to) => {
            let (mut pack, mut found) = artifact_of(view, seq, id, artifact)?;
            if found.options != from.options || found.content != from.content {
                return Err(stale(
                    seq,
                    format!("the options and content of artifact {artifact} as set before"),
                    "other options or content".into(),
                ));
            }
            tally(&mut pack, &from.content, seq, u64::checked_sub)?;
            tally(&mut pack, &to.content, seq, u64::checked_add)?;
            found.options = to.options.clone();
            found.content = to.content.clone();
            let changes = vec![
                Change::PutArtifact(id, found),
                Change::PutPack(pack.clone()),
            ];
            (pack, changes)
        }
        Effect::SetRoot(id, from, to) => {
            let mut pack = existing(view, seq, id)?;
            if pack.root != from {
                return Err(stale(seq, format!("root {from}"), pack.root));
            }
            pack.root = to.to_owned();
            (pack.clone(), vec![Change::PutPack(pack)])
        }
        Effect::Store(changes) => {
            // The record names the first pack if it still exists.
            let pack = view.pack(pack_id).map_err(PlanError::View)?;
            return Ok(Planned {
                pack: pack.map(|p| PackRef {
                    id: p.id,
                    name: p.name,
                }),
                changes,
            });
        }
    };
    Ok(Planned {
        pack: Some(PackRef {
            id: pack.id,
            name: pack.name,
        }),
        changes,
    })
}

fn create_pack<V: StateView>(
    view: &V,
    seq: EventSeq,
    mut pack: Pack,
    artifacts: Vec<Artifact>,
) -> Effected<V::Error> {
    name_free(view, seq, &pack.name)?;
    if view.pack(pack.id).map_err(PlanError::View)?.is_some() {
        return Err(stale(
            seq,
            format!("no pack with id {}", pack.id),
            "one".into(),
        ));
    }
    pack.artifacts = artifacts.len() as u64;
    pack.bytes = artifacts.iter().map(|a| a.content.bytes()).sum();
    pack.tokens = artifacts.iter().map(|a| a.content.tokens()).sum();
    let mut changes = vec![
        Change::PutName(pack.name.clone(), pack.id),
        Change::PutPack(pack.clone()),
    ];
    changes.extend(
        artifacts
            .into_iter()
            .map(|a| Change::PutArtifact(pack.id, a)),
    );
    Ok((pack, changes))
}

fn add_artifact<V: StateView>(
    view: &V,
    seq: EventSeq,
    id: PackId,
    artifact: Artifact,
) -> Effected<V::Error> {
    let mut pack = existing(view, seq, id)?;
    if view
        .artifact_by_spec(pack.id, &artifact.spec)
        .map_err(PlanError::View)?
        .is_some()
    {
        return Err(FoldError::DuplicateSpec {
            seq,
            pack: pack.name.clone(),
            spec: artifact.spec.to_string(),
        }
        .into());
    }
    if view
        .artifact(id, artifact.id)
        .map_err(PlanError::View)?
        .is_some()
    {
        return Err(stale(
            seq,
            format!("no artifact {}", artifact.id),
            "one".into(),
        ));
    }
    tally(&mut pack, &artifact.content, seq, u64::checked_add)?;
    let changes = vec![
        Change::PutArtifact(id, artifact),
        Change::PutPack(pack.clone()),
    ];
    Ok((pack, changes))
}

/// The pack row and one of its artifacts, which must exist.
fn artifact_of<V: StateView>(
    view: &V,
    seq: EventSeq,
    id: PackId,
    artifact: ArtifactId,
) -> Result<(Pack, Artifact), PlanError<V::Error>> {
    let pack = existing(view, seq, id)?;
    match view.artifact(id, artifact).map_err(PlanError::View)? {
        Some(found) => Ok((pack, found)),
        None => Err(FoldError::UnknownArtifact {
            seq,
            pack: pack.name,
            artifact,
        }
        .into()),
    }
}

fn remove_artifact<V: StateView>(
    view: &V,
    seq: EventSeq,
    id: PackId,
    artifact: ArtifactId,
    spec: &SourceSpec,
) -> Effected<V::Error> {
    let mut pack = existing(view, seq, id)?;
    let Some(found) = view.artifact(id, artifact).map_err(PlanError::View)? else {
        return Err(FoldError::UnknownArtifact {
            seq,
            pack: pack.name,
            artifact,
        }
        .into());
    };
    if found.spec != *spec {
        return Err(stale(seq, found.spec.to_string(), spec.to_string()));
    }
    tally(&mut pack, &found.content, seq, u64::checked_sub)?;
    let changes = vec![
        Change::DeleteArtifact(id, artifact, found.spec),
        Change::PutPack(pack.clone()),
    ];
    Ok((pack, changes))
}

/// Adds an artifact's content to its pack's totals, or takes it away, with
/// `op`. A pack row out of step with its artifacts is damage, never
/// something to wrap around.
fn tally(
    pack: &mut Pack,
    content: &Captured,
    seq: EventSeq,
    op: fn(u64, u64) -> Option<u64>,
) -> Result<(), FoldError> {
    let inconsistent = || FoldError::Inconsistent { seq, pack: pack.id };
    let artifacts = op(pack.artifacts, 1).ok_or_else(inconsistent)?;
    let bytes = op(pack.bytes, content.bytes()).ok_or_else(inconsistent)?;
    let tokens = op(pack.tokens, content.tokens()).ok_or_else(inconsistent)?;
    pack.artifacts = artifacts;
    pack.bytes = bytes;
    pack.tokens = tokens;
    Ok(())
}

fn rename<V: StateView>(
    view: &V,
    seq: EventSeq,
    id: PackId,
    from: &PackName,
    to: &PackName,
) -> Effected<V::Error> {
    let mut pack = existing(view, seq, id)?;
    if pack.name != *from {
        return Err(stale(
            seq,
            format!("name `{from}`"),
            format!("`{}`", pack.name),
        ));
    }
    name_free(view, seq, to)?;
    pack.name = to.clone();
    let changes = vec![
        Change::DeleteName(from.clone()),
        Change::PutName(to.clone(), id),
        Change::PutPack(pack.clone()),
    ];
    Ok((pack, changes))
}
