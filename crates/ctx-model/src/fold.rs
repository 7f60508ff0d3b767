//! The fold: the only code that interprets events.
//!
//! [`plan`] reads what an event needs through a [`StateView`] and returns the
//! [`Change`]s it makes. The store applies those changes to its materialized
//! tables inside the transaction that appends the event; [`State::apply`]
//! applies them to an in-memory state when replaying the log. Both therefore
//! agree by construction, and `fsck` can compare them.
//!
//! [`State::apply`]: crate::State::apply

use crate::{Artifact, ArtifactId, Event, EventSeq, Pack, PackId, PackName, PackRef, SourceSpec};

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

/// Why an event cannot apply to the state it meets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    #[error("event {seq}: no pack with id {pack}")]
    UnknownPack { seq: EventSeq, pack: PackId },
    #[error("event {seq}: a pack named `{name}` already exists")]
    NameTaken { seq: EventSeq, name: PackName },
    #[error("event {seq}: pack `{pack}` already has `{spec}`")]
    DuplicateSpec {
        seq: EventSeq,
        pack: PackName,
        spec: String,
    },
    #[error("event {seq}: pack `{pack}` has no artifact {artifact}")]
    UnknownArtifact {
        seq: EventSeq,
        pack: PackName,
        artifact: ArtifactId,
    },
    #[error("event {seq}: expected {expected}, found {found}")]
    Stale {
        seq: EventSeq,
        expected: String,
        found: String,
    },
    #[error("event {seq} follows event {last}; the log must be gapless")]
    OutOfOrder { seq: EventSeq, last: EventSeq },
}

/// Plans the changes `event`, written at `seq`, makes to the state `view` shows.
pub fn plan<V: StateView>(
    view: &V,
    seq: EventSeq,
    event: &Event,
) -> Result<Planned, PlanError<V::Error>> {
    let packs = event.pack_ids(seq);
    let pack_id = packs.first().copied().unwrap_or(PackId(0));
    let existing = |id: PackId| -> Result<Pack, PlanError<V::Error>> {
        view.pack(id)
            .map_err(PlanError::View)?
            .ok_or(PlanError::Refused(FoldError::UnknownPack { seq, pack: id }))
    };
    let name_free = |name: &PackName| -> Result<(), PlanError<V::Error>> {
        match view.pack_by_name(name).map_err(PlanError::View)? {
            Some(_) => Err(FoldError::NameTaken {
                seq,
                name: name.clone(),
            }
            .into()),
            None => Ok(()),
        }
    };
    let stale = |expected: String, found: String| FoldError::Stale {
        seq,
        expected,
        found,
    };

    let (pack, changes) = match event {
        Event::PackCreated {
            name,
            root,
            budget,
            tokenizer,
        } => {
            name_free(name)?;
            if view.pack(pack_id).map_err(PlanError::View)?.is_some() {
                return Err(stale(format!("no pack with id {pack_id}"), "one".into()).into());
            }
            let pack = Pack {
                id: pack_id,
                name: name.clone(),
                root: root.clone(),
                budget: *budget,
                tokenizer: *tokenizer,
                artifacts: 0,
                bytes: 0,
                tokens: 0,
            };
            let changes = vec![
                Change::PutName(name.clone(), pack_id),
                Change::PutPack(pack.clone()),
            ];
            (pack, changes)
        }
        Event::ArtifactAdded { artifact, .. } => {
            let mut pack = existing(pack_id)?;
            if view
                .artifact_by_spec(pack_id, &artifact.spec)
                .map_err(PlanError::View)?
                .is_some()
            {
                return Err(FoldError::DuplicateSpec {
                    seq,
                    pack: pack.name,
                    spec: artifact.spec.to_string(),
                }
                .into());
            }
            let artifact = Artifact {
                id: ArtifactId(seq.0),
                spec: artifact.spec.clone(),
                priority: artifact.priority,
                options: artifact.options.clone(),
                content: artifact.content.clone(),
            };
            pack.artifacts += 1;
            pack.bytes += artifact.content.bytes();
            pack.tokens += artifact.content.tokens();
            let changes = vec![
                Change::PutArtifact(pack_id, artifact),
                Change::PutPack(pack.clone()),
            ];
            (pack, changes)
        }
        Event::ArtifactRemoved { artifact, spec, .. } => {
            let mut pack = existing(pack_id)?;
            let Some(found) = view.artifact(pack_id, *artifact).map_err(PlanError::View)? else {
                return Err(FoldError::UnknownArtifact {
                    seq,
                    pack: pack.name,
                    artifact: *artifact,
                }
                .into());
            };
            if found.spec != *spec {
                return Err(stale(found.spec.to_string(), spec.to_string()).into());
            }
            pack.artifacts -= 1;
            pack.bytes -= found.content.bytes();
            pack.tokens -= found.content.tokens();
            let changes = vec![
                Change::DeleteArtifact(pack_id, *artifact, found.spec),
                Change::PutPack(pack.clone()),
            ];
            (pack, changes)
        }
        Event::PackRenamed { from, to, .. } => {
            let mut pack = existing(pack_id)?;
            if pack.name != *from {
                return Err(stale(format!("name `{from}`"), format!("`{}`", pack.name)).into());
            }
            name_free(to)?;
            pack.name = to.clone();
            let changes = vec![
                Change::DeleteName(from.clone()),
                Change::PutName(to.clone(), pack_id),
                Change::PutPack(pack.clone()),
            ];
            (pack, changes)
        }
        Event::BudgetChanged { from, to, .. } => {
            let mut pack = existing(pack_id)?;
            if pack.budget != *from {
                return Err(stale(format!("budget {from}"), pack.budget.to_string()).into());
            }
            pack.budget = *to;
            (pack.clone(), vec![Change::PutPack(pack)])
        }
        Event::PackDeleted { name, .. } => {
            let pack = existing(pack_id)?;
            if pack.name != *name {
                return Err(stale(format!("name `{name}`"), format!("`{}`", pack.name)).into());
            }
            let changes = vec![
                Change::DeleteName(name.clone()),
                Change::DeletePack(pack_id),
            ];
            (pack, changes)
        }
        // Snapshots change no pack: their manifests are kept beside the log.
        // A new one must name live packs; a deletion may outlive them.
        Event::SnapshotCreated { .. } => {
            let mut first = None;
            for id in &packs {
                let pack = existing(*id)?;
                first.get_or_insert(pack);
            }
            let Some(pack) = first else {
                return Err(stale("at least one pack".into(), "none".into()).into());
            };
            (pack, Vec::new())
        }
        Event::SnapshotDeleted { .. } => {
            let pack = view.pack(pack_id).map_err(PlanError::View)?;
            return Ok(Planned {
                pack: pack.map(|p| PackRef {
                    id: p.id,
                    name: p.name,
                }),
                changes: Vec::new(),
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
