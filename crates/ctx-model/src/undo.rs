//! Undo planning: which event `ctx undo` and `ctx redo` reverse, and the
//! reversal that does it. The log only grows: undoing appends an `Undone`
//! event. A change and the undo that reversed it cancel out, so undoing
//! again reverses the change before (as `jj undo` does), and `redo`
//! reverses the last undo. An event is undone on its own only when no
//! later change depends on it, that is touches what it changed; anything
//! else would silently rewrite what came after.
//!
//! The rules are pure; the log is read through a [`History`].

use std::collections::{HashMap, VecDeque};

use crate::{
    ArtifactId, Event, EventKind, EventRecord, EventSeq, PackId, PackName, Reversal, SnapshotId,
    State, StateView as _,
};

/// Events read per call while looking back through the log.
const PAGE: usize = 256;

/// Read access to the log, for planning an undo.
pub trait History {
    /// What reading can fail with; it must be able to carry an [`UndoError`].
    type Error: From<UndoError>;
    /// Up to `limit` events older than `before` (all when `None`), newest first.
    fn events_rev(
        &self,
        before: Option<EventSeq>,
        limit: usize,
    ) -> Result<Vec<EventRecord>, Self::Error>;
    /// One event.
    fn event(&self, seq: EventSeq) -> Result<Option<EventRecord>, Self::Error>;
    /// The state right after event `seq`.
    fn state_at(&self, seq: EventSeq) -> Result<State, Self::Error>;
    /// The key live snapshot `id` is stored under, or `None` when it is not live.
    fn live_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>, Self::Error>;
    /// The key the manifest of deleted snapshot `id` is kept under until gc
    /// removes it, or `None` when it is not kept.
    fn deleted_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>, Self::Error>;
}

/// Why an event cannot be undone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UndoError {
    /// The log contradicts itself (damage).
    #[error("event {event} names artifact {artifact}, which no event added")]
    NoAddition {
        event: EventSeq,
        artifact: ArtifactId,
    },
    /// The log contradicts itself (damage).
    #[error("the log does not hold pack {pack} before event {event}")]
    NoPack { event: EventSeq, pack: PackId },
    /// The log contradicts itself (damage).
    #[error("event {event} deletes snapshot {snapshot}, which no event stored")]
    NoSnapshotEvent {
        event: EventSeq,
        snapshot: SnapshotId,
    },
    /// The log holds no such event.
    #[error("there is no event {event}")]
    NoEvent { event: EventSeq },
    /// Events of this kind are never undone.
    #[error("event {event} ({kind}) cannot be undone: {why}")]
    NotUndoable {
        event: EventSeq,
        kind: EventKind,
        why: &'static str,
    },
    #[error("event {event} was undone already, by event {by}")]
    AlreadyUndone { event: EventSeq, by: EventSeq },
    /// Later changes touch what the event changed.
    #[error("event {event} ({kind}) cannot be undone: {} on it", depend(later))]
    Depended {
        event: EventSeq,
        kind: EventKind,
        /// The changes that depend on it, oldest first.
        later: Vec<EventSeq>,
    },
    /// The snapshot to restore or delete is not there any more.
    #[error(
        "event {event} ({kind}) cannot be undone: snapshot {snapshot} is gone (`ctx gc` removes a deleted snapshot for good)"
    )]
    SnapshotGone {
        event: EventSeq,
        kind: EventKind,
        snapshot: SnapshotId,
    },
}

/// `event 7 depends`, `events 7 and 9 depend`, `events 7, 8 and 9 depend`.
fn depend(later: &[EventSeq]) -> String {
    let seqs: Vec<String> = later.iter().map(ToString::to_string).collect();
    match seqs.as_slice() {
        [one] => format!("event {one} depends"),
        [init @ .., last] => format!("events {} and {last} depend", init.join(", ")),
        [] => "later events depend".into(),
    }
}

impl UndoError {
    /// Whether the error means the log is damaged, rather than refused.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            Self::NoAddition { .. } | Self::NoPack { .. } | Self::NoSnapshotEvent { .. }
        )
    }
}

/// Which change to undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UndoTarget {
    /// The most recent change that is not cancelled by an undo (of this
    /// pack, when given).
    Latest(Option<PackId>),
    /// This event, if it is not undone yet.
    Event(EventSeq),
    /// The most recent undo that is not redone yet (`ctx redo`).
    LastUndo,
}

/// What undoing does: the event reversed, and the event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    pub target: EventRecord,
    pub event: Event,
}

/// Plans undoing `target`, or `None` when nothing is left to undo (or
/// redo).
pub fn plan_undo<H: History>(history: &H, target: UndoTarget) -> Result<Option<Undo>, H::Error> {
    let mut walk = Walk::new(history);
    // Every later event that still has an effect, newest first.
    let mut later: Vec<Later> = Vec::new();
    let (found, standing) = loop {
        let Some((record, standing)) = walk.next()? else {
            return match target {
                UndoTarget::Event(event) => Err(UndoError::NoEvent { event }.into()),
                _ => Ok(None),
            };
        };
        let hit = match (target, standing) {
            (UndoTarget::Event(seq), _) if record.seq < seq => {
                return Err(UndoError::NoEvent { event: seq }.into());
            }
            (UndoTarget::Event(seq), _) => record.seq == seq,
            (UndoTarget::Latest(only), Standing::Change) => {
                only.is_none_or(|p| record.event.pack_ids(record.seq).contains(&p))
            }
            // An undo of an undo is a redo, which `redo` passes by.
            (UndoTarget::LastUndo, Standing::Undo { of }) => history
                .event(of)?
                .is_some_and(|r| !matches!(r.event, Event::Undone { .. })),
            _ => false,
        };
        if hit {
            break (record, standing);
        }
        match standing {
            Standing::Cancelled { .. } => {}
            Standing::Undo { of } => later.push(Later::of(&record, Some(of))),
            Standing::Change => later.push(Later::of(&record, None)),
        }
    };
    if let Standing::Cancelled { by } = standing {
        return Err(UndoError::AlreadyUndone {
            event: found.seq,
            by,
        }
        .into());
    }
    let kind = found.event.kind();
    if let Some(why) = kind.why_not_undoable() {
        return Err(UndoError::NotUndoable {
            event: found.seq,
            kind,
            why,
        }
        .into());
    }
    // A later undo of an event older than this one is a change made after
    // it; one of an event between them cancels out with it.
    let changed = touches(&found).writes;
    let mut depending: Vec<EventSeq> = later
        .iter()
        .filter(|l| l.of.is_none_or(|of| of < found.seq))
        .filter(|l| l.keys.iter().any(|k| changed.iter().any(|c| c.overlaps(k))))
        .map(|l| l.seq)
        .collect();
    if !depending.is_empty() {
        depending.reverse();
        return Err(UndoError::Depended {
            event: found.seq,
            kind,
            later: depending,
        }
        .into());
    }
    let reversal = reversal(history, &found)?;
    // Pack 0 is no pack: an imported snapshot names none.
    let pack = found
        .event
        .pack_ids(found.seq)
        .first()
        .copied()
        .unwrap_or(PackId(0));
    let event = Event::Undone {
        event: found.seq,
        pack,
        reversal,
    };
    Ok(Some(Undo {
        target: found,
        event,
    }))
}

/// What an event amounts to, seen from the end of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// An undo that still stands reversed it: the two cancel out.
    Cancelled { by: EventSeq },
    /// An undo (or a redo) of event `of` that still stands.
    Undo { of: EventSeq },
    /// A change that still stands.
    Change,
}

/// Reads the log newest first, a page at a time, telling each event's
/// standing.
struct Walk<'h, H> {
    history: &'h H,
    page: VecDeque<EventRecord>,
    before: Option<EventSeq>,
    more: bool,
    /// Event -> the standing undo that reversed it.
    cancelled: HashMap<EventSeq, EventSeq>,
}

impl<'h, H: History> Walk<'h, H> {
    fn new(history: &'h H) -> Self {
        Self {
            history,
            page: VecDeque::new(),
            before: None,
            more: true,
            cancelled: HashMap::new(),
        }
    }

    fn next(&mut self) -> Result<Option<(EventRecord, Standing)>, H::Error> {
        if self.page.is_empty() && self.more {
            let page = self.history.events_rev(self.before, PAGE)?;
            self.more = page.len() == PAGE;
            self.before = page.last().map(|r| r.seq);
            self.page = page.into();
        }
        let Some(record) = self.page.pop_front() else {
            return Ok(None);
        };
        let standing = if let Some(by) = self.cancelled.get(&record.seq) {
            // A cancelled undo no longer cancels what it undid.
            Standing::Cancelled { by: *by }
        } else if let Event::Undone { event, .. } = &record.event {
            self.cancelled.insert(*event, record.seq);
            Standing::Undo { of: *event }
        } else {
            Standing::Change
        };
        Ok(Some((record, standing)))
    }
}

/// A later event that still has an effect, and what it touches.
struct Later {
    seq: EventSeq,
    /// The event it undoes, for an undo.
    of: Option<EventSeq>,
    keys: Vec<Key>,
}

impl Later {
    fn of(record: &EventRecord, of: Option<EventSeq>) -> Self {
        let Touch { mut reads, writes } = touches(record);
        reads.extend(writes);
        Self {
            seq: record.seq,
            of,
            keys: reads,
        }
    }
}

/// One thing an event may read or change.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    /// That the pack exists.
    Exists(PackId),
    /// Which pack a name names.
    Name(PackName),
    /// A pack's own name.
    Label(PackId),
    Budget(PackId),
    /// What a render of the pack does over its budget.
    Fit(PackId),
    /// The folder a pack's paths are relative to.
    Root(PackId),
    Artifact(PackId, ArtifactId),
    /// Which artifact of the pack a spec declares.
    Spec(PackId, String),
    /// Every artifact of the pack, as a deletion takes them.
    Artifacts(PackId),
    Snapshot(SnapshotId),
}

impl Key {
    fn overlaps(&self, other: &Key) -> bool {
        match (self, other) {
            (Self::Artifacts(p), Self::Artifact(q, _) | Self::Spec(q, _) | Self::Artifacts(q))
            | (Self::Artifact(q, _) | Self::Spec(q, _), Self::Artifacts(p)) => p == q,
            _ => self == other,
        }
    }
}

/// What an event reads, and what it changes.
struct Touch {
    reads: Vec<Key>,
    writes: Vec<Key>,
}

fn touches(record: &EventRecord) -> Touch {
    use Key::*;
    let seq = record.seq;
    let (reads, writes) = match &record.event {
        Event::PackCreated { name, .. } => whole_pack(PackId(seq.0), name),
        // What was captured was read under the pack's root.
        Event::ArtifactAdded { pack, artifact } => (
            vec![Exists(*pack), Root(*pack)],
            vec![
                Artifact(*pack, ArtifactId(seq.0)),
                Spec(*pack, artifact.spec.to_string()),
            ],
        ),
        Event::ArtifactRemoved {
            pack,
            artifact,
            spec,
        } => (
            vec![Exists(*pack)],
            vec![Artifact(*pack, *artifact), Spec(*pack, spec.to_string())],
        ),
        Event::PackRenamed { pack, from, to } => renamed(*pack, from, to),
        Event::BudgetChanged { pack, .. } => (vec![Exists(*pack)], vec![Budget(*pack)]),
        Event::FitChanged { pack, .. } => (vec![Exists(*pack)], vec![Fit(*pack)]),
        Event::PackDeleted { pack, name } => whole_pack(*pack, name),
        Event::SnapshotCreated { .. }
        | Event::SnapshotImported { .. }
        | Event::SnapshotTaken { .. }
        | Event::SnapshotReceived { .. }
        | Event::SnapshotDeleted { .. }
        | Event::SnapshotLabelled { .. } => (
            Vec::new(),
            record
                .event
                .snapshot_id(seq)
                .map(Snapshot)
                .into_iter()
                .collect(),
        ),
        // What was sent came from the snapshot; it changed nothing.
        Event::AgentServed { snapshot, .. } => (vec![Snapshot(*snapshot)], Vec::new()),
        // A purge leaves every artifact and snapshot in place, its content
        // marked gone.
        Event::ContentPurged { .. } => (Vec::new(), Vec::new()),
        Event::PriorityChanged { pack, artifact, .. } => {
            (vec![Exists(*pack)], vec![Artifact(*pack, *artifact)])
        }
        Event::ArtifactRefreshed { pack, artifact, .. } => refreshed(*pack, *artifact),
        Event::PackRootChanged { pack, .. } => (vec![Exists(*pack)], vec![Root(*pack)]),
        Event::OptionsChanged { pack, artifact, .. } => refreshed(*pack, *artifact),
        Event::Undone { pack, reversal, .. } => match reversal {
            Reversal::RemoveArtifact { artifact, spec } => (
                vec![Exists(*pack)],
                vec![Artifact(*pack, *artifact), Spec(*pack, spec.to_string())],
            ),
            Reversal::RestoreArtifact { artifact } => (
                vec![Exists(*pack)],
                vec![
                    Artifact(*pack, artifact.id),
                    Spec(*pack, artifact.spec.to_string()),
                ],
            ),
            Reversal::Rename { from, to } => renamed(*pack, from, to),
            Reversal::SetBudget { .. } => (vec![Exists(*pack)], vec![Budget(*pack)]),
            Reversal::SetFit { .. } => (vec![Exists(*pack)], vec![Fit(*pack)]),
            Reversal::RestorePack { pack: row, .. } => whole_pack(row.id, &row.name),
            Reversal::DeletePack { name } => whole_pack(*pack, name),
            Reversal::RestoreSnapshot { snapshot, .. } | Reversal::DeleteSnapshot { snapshot } => {
                (Vec::new(), vec![Snapshot(*snapshot)])
            }
            Reversal::SetPriority { artifact, .. } => {
                (vec![Exists(*pack)], vec![Artifact(*pack, *artifact)])
            }
            Reversal::Recapture { artifact, .. } => refreshed(*pack, *artifact),
            Reversal::SetRoot { .. } => (vec![Exists(*pack)], vec![Root(*pack)]),
            Reversal::Reconfigure { artifact, .. } => refreshed(*pack, *artifact),
        },
    };
    Touch { reads, writes }
}

/// What capturing an artifact again touches: it read the source under
/// the pack's root, and replaced the artifact's content.
fn refreshed(pack: PackId, artifact: ArtifactId) -> (Vec<Key>, Vec<Key>) {
    use Key::*;
    (
        vec![Exists(pack), Root(pack)],
        vec![Artifact(pack, artifact)],
    )
}

/// What creating or deleting a pack touches: all of it.
fn whole_pack(pack: PackId, name: &PackName) -> (Vec<Key>, Vec<Key>) {
    use Key::*;
    (
        Vec::new(),
        vec![
            Exists(pack),
            Name(name.clone()),
            Label(pack),
            Budget(pack),
            Root(pack),
            Artifacts(pack),
        ],
    )
}

fn renamed(pack: PackId, from: &PackName, to: &PackName) -> (Vec<Key>, Vec<Key>) {
    use Key::*;
    (
        vec![Exists(pack)],
        vec![Label(pack), Name(from.clone()), Name(to.clone())],
    )
}

/// The change that reverses `target`, from the log and the state before it.
fn reversal<H: History>(history: &H, target: &EventRecord) -> Result<Reversal, H::Error> {
    let seq = target.seq;
    Ok(match &target.event {
        Event::PackCreated { name, .. } => Reversal::DeletePack { name: name.clone() },
        Event::ArtifactAdded { artifact, .. } => Reversal::RemoveArtifact {
            artifact: ArtifactId(seq.0),
            spec: artifact.spec.clone(),
        },
        Event::ArtifactRemoved { pack, artifact, .. } => {
            restore_artifact(history, seq, *pack, *artifact)?
        }
        Event::PackRenamed { from, to, .. } => Reversal::Rename {
            from: to.clone(),
            to: from.clone(),
        },
        Event::BudgetChanged { from, to, .. } => Reversal::SetBudget {
            from: *to,
            to: *from,
        },
        Event::FitChanged { from, to, .. } => Reversal::SetFit {
            from: *to,
            to: *from,
        },
        Event::PackDeleted { pack, .. } => restore_pack(history, seq, *pack)?,
        Event::SnapshotCreated { .. }
        | Event::SnapshotImported { .. }
        | Event::SnapshotTaken { .. }
        | Event::SnapshotReceived { .. } => {
            let id = target
                .event
                .snapshot_id(seq)
                .expect("BUG: an event that stores a snapshot names it");
            delete_snapshot(history, target, id)?
        }
        Event::SnapshotDeleted { snapshot, .. } => restore_snapshot(history, target, *snapshot)?,
        // A redo: the reversal of the reversal.
        Event::Undone { pack, reversal, .. } => match reversal {
            Reversal::RemoveArtifact { artifact, .. } => {
                restore_artifact(history, seq, *pack, *artifact)?
            }
            Reversal::RestoreArtifact { artifact } => Reversal::RemoveArtifact {
                artifact: artifact.id,
                spec: artifact.spec.clone(),
            },
            Reversal::Rename { from, to } => Reversal::Rename {
                from: to.clone(),
                to: from.clone(),
            },
            Reversal::SetBudget { from, to } => Reversal::SetBudget {
                from: *to,
                to: *from,
            },
            Reversal::SetFit { from, to } => Reversal::SetFit {
                from: *to,
                to: *from,
            },
            Reversal::RestorePack { pack, .. } => Reversal::DeletePack {
                name: pack.name.clone(),
            },
            Reversal::DeletePack { .. } => restore_pack(history, seq, *pack)?,
            Reversal::RestoreSnapshot { snapshot, .. } => {
                delete_snapshot(history, target, *snapshot)?
            }
            Reversal::DeleteSnapshot { snapshot } => restore_snapshot(history, target, *snapshot)?,
            Reversal::SetPriority {
                artifact,
                spec,
                from,
                to,
            } => Reversal::SetPriority {
                artifact: *artifact,
                spec: spec.clone(),
                from: *to,
                to: *from,
            },
            Reversal::Recapture {
                artifact,
                spec,
                from,
                to,
            } => Reversal::Recapture {
                artifact: *artifact,
                spec: spec.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            Reversal::SetRoot { from, to } => Reversal::SetRoot {
                from: to.clone(),
                to: from.clone(),
            },
            Reversal::Reconfigure {
                artifact,
                spec,
                from,
                to,
            } => Reversal::Reconfigure {
                artifact: *artifact,
                spec: spec.clone(),
                from: to.clone(),
                to: from.clone(),
            },
        },
        Event::PriorityChanged {
            artifact,
            spec,
            from,
            to,
            ..
        } => Reversal::SetPriority {
            artifact: *artifact,
            spec: spec.clone(),
            from: *to,
            to: *from,
        },
        Event::ArtifactRefreshed {
            artifact,
            spec,
            from,
            to,
            ..
        } => Reversal::Recapture {
            artifact: *artifact,
            spec: spec.clone(),
            from: to.clone(),
            to: from.clone(),
        },
        Event::PackRootChanged { from, to, .. } => Reversal::SetRoot {
            from: to.clone(),
            to: from.clone(),
        },
        Event::OptionsChanged {
            artifact,
            spec,
            from,
            to,
            ..
        } => Reversal::Reconfigure {
            artifact: *artifact,
            spec: spec.clone(),
            from: to.clone(),
            to: from.clone(),
        },
        Event::ContentPurged { .. }
        | Event::AgentServed { .. }
        | Event::SnapshotLabelled { .. } => {
            let kind = target.event.kind();
            return Err(UndoError::NotUndoable {
                event: seq,
                kind,
                why: kind
                    .why_not_undoable()
                    .unwrap_or("it changed nothing to reverse"),
            }
            .into());
        }
    })
}

/// Brings back artifact `artifact` of `pack`, removed by event `at`, as
/// it was just before: its priority and content may have changed since
/// its addition.
fn restore_artifact<H: History>(
    history: &H,
    at: EventSeq,
    pack: PackId,
    artifact: ArtifactId,
) -> Result<Reversal, H::Error> {
    let before = history.state_at(EventSeq(at.0.saturating_sub(1)))?;
    let found = before
        .artifacts
        .get(&pack)
        .and_then(|a| a.get(&artifact))
        .cloned();
    match found {
        Some(artifact) => Ok(Reversal::RestoreArtifact { artifact }),
        None => Err(UndoError::NoAddition {
            event: at,
            artifact,
        }
        .into()),
    }
}

/// Brings back pack `pack`, deleted by event `at`, as it was just before.
fn restore_pack<H: History>(history: &H, at: EventSeq, pack: PackId) -> Result<Reversal, H::Error> {
    let before = history.state_at(EventSeq(at.0.saturating_sub(1)))?;
    let no_pack = || UndoError::NoPack { event: at, pack };
    let row = match before.pack(pack) {
        Ok(row) => row.ok_or_else(no_pack)?,
        Err(never) => match never {},
    };
    let artifacts = before
        .artifacts
        .get(&pack)
        .map(|a| a.values().cloned().collect())
        .unwrap_or_default();
    Ok(Reversal::RestorePack {
        pack: row,
        artifacts,
    })
}

/// Deletes snapshot `id`, which `target` stored, if it is still live.
fn delete_snapshot<H: History>(
    history: &H,
    target: &EventRecord,
    id: SnapshotId,
) -> Result<Reversal, H::Error> {
    match history.live_snapshot(id)? {
        Some(_) => Ok(Reversal::DeleteSnapshot { snapshot: id }),
        None => Err(UndoError::SnapshotGone {
            event: target.seq,
            kind: target.event.kind(),
            snapshot: id,
        }
        .into()),
    }
}

/// Brings back snapshot `id`, which `target` deleted, if gc has not
/// removed its manifest, under the key and the event that stored it.
fn restore_snapshot<H: History>(
    history: &H,
    target: &EventRecord,
    id: SnapshotId,
) -> Result<Reversal, H::Error> {
    let Some(key) = history.deleted_snapshot(id)? else {
        return Err(UndoError::SnapshotGone {
            event: target.seq,
            kind: target.event.kind(),
            snapshot: id,
        }
        .into());
    };
    // A snapshot of schema 4 and older is named by the seq that stored it.
    if !key.is_content() {
        return Ok(Reversal::RestoreSnapshot {
            snapshot: key,
            stored: EventSeq(key.0),
        });
    }
    let mut before = Some(target.seq);
    loop {
        let page = history.events_rev(before, PAGE)?;
        if let Some(stored) = page.iter().find(|r| {
            matches!(
                r.event,
                Event::SnapshotTaken { .. } | Event::SnapshotReceived { .. }
            ) && r.event.snapshot_id(r.seq) == Some(key)
        }) {
            return Ok(Reversal::RestoreSnapshot {
                snapshot: key,
                stored: stored.seq,
            });
        }
        match page.last() {
            Some(last) if page.len() == PAGE => before = Some(last.seq),
            _ => {
                return Err(UndoError::NoSnapshotEvent {
                    event: target.seq,
                    snapshot: id,
                }
                .into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceSpec;
    use crate::testing::{BUDGET, name, pack_created, record, text_added};

    /// A log in memory; `collected` are the deleted snapshots gc removed.
    struct Log(Vec<EventRecord>, Vec<SnapshotId>);

    #[derive(Debug, PartialEq)]
    enum Error {
        Undo(UndoError),
    }

    impl From<UndoError> for Error {
        fn from(e: UndoError) -> Self {
            Self::Undo(e)
        }
    }

    impl History for Log {
        type Error = Error;
        fn events_rev(
            &self,
            before: Option<EventSeq>,
            limit: usize,
        ) -> Result<Vec<EventRecord>, Error> {
            let end = before.map_or(u64::MAX, |s| s.0);
            Ok(self
                .0
                .iter()
                .rev()
                .filter(|r| r.seq.0 < end)
                .take(limit)
                .cloned()
                .collect())
        }
        fn event(&self, seq: EventSeq) -> Result<Option<EventRecord>, Error> {
            Ok(self.0.iter().find(|r| r.seq == seq).cloned())
        }
        fn state_at(&self, seq: EventSeq) -> Result<State, Error> {
            Ok(State::replay(self.0.iter().filter(|r| r.seq <= seq)).expect("replays"))
        }
        fn live_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>, Error> {
            Ok(self.snapshots().contains(&id).then_some(id))
        }
        fn deleted_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotId>, Error> {
            let stored = self
                .0
                .iter()
                .any(|r| r.event.snapshot_id(r.seq) == Some(id));
            let kept = stored && !self.snapshots().contains(&id) && !self.1.contains(&id);
            Ok(kept.then_some(id))
        }
    }

    impl Log {
        /// Appends `event`, as the store would after planning it.
        fn push(&mut self, event: Event) {
            self.0.push(record(self.0.len() as u64 + 1, event));
        }

        /// Plans and appends an undo; false when nothing was left to undo.
        fn undo(&mut self, only: Option<PackId>) -> bool {
            match plan_undo(self, UndoTarget::Latest(only)).expect("plans") {
                Some(undo) => {
                    self.push(undo.event);
                    true
                }
                None => false,
            }
        }

        fn state(&self) -> State {
            State::replay(&self.0).expect("replays")
        }

        /// The live snapshots, as the store's table would hold them.
        fn snapshots(&self) -> Vec<SnapshotId> {
            let mut live = Vec::new();
            for r in &self.0 {
                match &r.event {
                    Event::SnapshotDeleted { snapshot, .. }
                    | Event::Undone {
                        reversal: Reversal::DeleteSnapshot { snapshot },
                        ..
                    } => live.retain(|l| l != snapshot),
                    Event::Undone {
                        reversal: Reversal::RestoreSnapshot { snapshot, .. },
                        ..
                    } => live.push(*snapshot),
                    Event::Undone { .. }
                    | Event::SnapshotLabelled { .. }
                    | Event::AgentServed { .. } => {}
                    event => live.extend(event.snapshot_id(r.seq)),
                }
            }
            live
        }

        /// Plans `target` and appends the undo.
        fn undo_at(&mut self, target: UndoTarget) -> Result<(), Error> {
            let undo = plan_undo(self, target)?.expect("an undo");
            self.push(undo.event);
            Ok(())
        }
    }

    fn created(n: &str) -> Event {
        pack_created(n)
    }

    fn added(pack: u64, text: &str) -> Event {
        text_added(pack, text, 1)
    }

    /// A snapshot named by its content.
    const SNAP: SnapshotId = SnapshotId(1 << 63 | 7);

    fn taken() -> Event {
        Event::SnapshotTaken {
            id: SNAP,
            packs: vec![PackId(1)],
            label: None,
            payload: crate::BlobHash([0; 32]),
            tokens: 1,
        }
    }

    fn budget(from: u64, to: u64) -> Event {
        Event::BudgetChanged {
            pack: PackId(1),
            from,
            to,
        }
    }

    /// How many artifacts pack 1 holds.
    fn artifacts(log: &Log) -> usize {
        log.state().artifacts.get(&PackId(1)).map_or(0, |a| a.len())
    }

    fn refused(log: &Log, target: UndoTarget) -> UndoError {
        match plan_undo(log, target) {
            Err(Error::Undo(e)) => e,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn undoing_walks_back_through_changes_past_undos() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        let empty = log.state();
        log.push(added(1, "x"));
        let with_x = log.state();
        log.push(taken());
        log.push(budget(BUDGET, 20));
        assert!(log.undo(None));
        assert_eq!(log.state().packs, with_x.packs);
        assert!(log.undo(None), "the snapshot");
        assert!(log.snapshots().is_empty());
        assert!(log.undo(None));
        assert_eq!(log.state().packs, empty.packs);
        assert!(log.undo(None));
        assert!(log.state().packs.is_empty());
        assert!(!log.undo(None), "nothing is left to undo");
    }

    #[test]
    fn the_last_change_is_undone_or_named_never_passed_by() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        log.push(taken());
        log.push(Event::AgentServed {
            packs: vec![PackId(1)],
            snapshot: SNAP,
            request: crate::AgentRequest {
                client: "c".into(),
                client_version: "1".into(),
                protocol: "p".into(),
                method: "tools/call".into(),
                via: "render".into(),
            },
            response: crate::BlobHash([0; 32]),
        });
        assert_eq!(
            refused(&log, UndoTarget::Latest(None)),
            UndoError::NotUndoable {
                event: EventSeq(4),
                kind: EventKind::AgentServed,
                why: "what an agent was sent stays sent",
            }
        );
        // The snapshot the agent was sent stays while the record names it.
        assert_eq!(
            refused(&log, UndoTarget::Event(EventSeq(3))),
            UndoError::Depended {
                event: EventSeq(3),
                kind: EventKind::SnapshotCreated,
                later: vec![EventSeq(4)],
            }
        );
        log.undo_at(UndoTarget::Event(EventSeq(2)))
            .expect("independent");
        assert_eq!(artifacts(&log), 0);
    }

    #[test]
    fn a_deleted_snapshot_comes_back_until_gc_removes_it() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(taken());
        log.push(Event::SnapshotDeleted {
            snapshot: SNAP,
            packs: vec![PackId(1)],
        });
        let undo = plan_undo(&log, UndoTarget::Latest(None))
            .expect("plans")
            .expect("an undo");
        assert_eq!(
            undo.event,
            Event::Undone {
                event: EventSeq(3),
                pack: PackId(1),
                reversal: Reversal::RestoreSnapshot {
                    snapshot: SNAP,
                    stored: EventSeq(2),
                },
            }
        );
        log.push(undo.event);
        assert_eq!(log.snapshots(), [SNAP]);
        log.undo_at(UndoTarget::LastUndo).expect("redo");
        assert!(log.snapshots().is_empty(), "redone: deleted again");
        assert!(
            plan_undo(&log, UndoTarget::LastUndo)
                .expect("plans")
                .is_none()
        );
        log.1.push(SNAP);
        assert_eq!(
            refused(&log, UndoTarget::Latest(None)),
            UndoError::SnapshotGone {
                event: EventSeq(3),
                kind: EventKind::SnapshotDeleted,
                snapshot: SNAP,
            }
        );
    }

    #[test]
    fn an_event_is_undone_alone_only_when_no_later_change_depends_on_it() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        log.push(budget(BUDGET, 20));
        log.push(added(1, "y"));
        assert_eq!(
            refused(&log, UndoTarget::Event(EventSeq(1))),
            UndoError::Depended {
                event: EventSeq(1),
                kind: EventKind::PackCreated,
                later: vec![EventSeq(2), EventSeq(3), EventSeq(4)],
            }
        );
        assert_eq!(
            refused(&log, UndoTarget::Event(EventSeq(1))).to_string(),
            "event 1 (pack_created) cannot be undone: events 2, 3 and 4 depend on it"
        );
        log.undo_at(UndoTarget::Event(EventSeq(2)))
            .expect("independent");
        assert_eq!(artifacts(&log), 1);
        assert_eq!(log.state().packs[&PackId(1)].budget, 20);
    }

    #[test]
    fn redo_undoes_the_last_undo_unless_a_later_change_depends_on_it() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(budget(BUDGET, 20));
        log.push(added(1, "x"));
        assert!(log.undo(None));
        assert!(log.undo(None));
        assert_eq!(log.state().packs[&PackId(1)].budget, BUDGET);
        // Redo brings back the last undone change first, then the one before.
        log.undo_at(UndoTarget::LastUndo).expect("redo");
        assert_eq!(log.state().packs[&PackId(1)].budget, 20);
        log.undo_at(UndoTarget::LastUndo).expect("redo");
        assert_eq!(artifacts(&log), 1);
        assert!(
            plan_undo(&log, UndoTarget::LastUndo)
                .expect("plans")
                .is_none()
        );
        // Undo after a redo undoes the change again.
        assert!(log.undo(None));
        assert_eq!(artifacts(&log), 0);
        // A change made since an undo that touches the same thing stops it.
        assert!(log.undo(None));
        log.push(budget(BUDGET, 50));
        assert_eq!(
            refused(&log, UndoTarget::LastUndo),
            UndoError::Depended {
                event: EventSeq(9),
                kind: EventKind::Undone,
                later: vec![EventSeq(10)],
            }
        );
        // Without the last one, the redo of an independent undo goes ahead.
        log.push(added(1, "y"));
        log.undo_at(UndoTarget::Event(EventSeq(8)))
            .expect("redo of the add");
        assert_eq!(artifacts(&log), 2);
    }

    #[test]
    fn a_deleted_pack_comes_back_whole_and_a_removed_artifact_with_its_id() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        log.push(added(1, "y"));
        let full = log.state();
        log.push(Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec: SourceSpec::Text { text: "x".into() },
        });
        assert!(log.undo(None));
        assert_eq!(log.state().artifacts, full.artifacts);
        log.push(Event::PackDeleted {
            pack: PackId(1),
            name: name("a"),
        });
        assert!(log.undo(None));
        let state = log.state();
        assert_eq!(state.packs, full.packs);
        assert_eq!(state.artifacts, full.artifacts);
    }

    #[test]
    fn undo_of_one_pack_leaves_the_others() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(created("b"));
        log.push(added(1, "x"));
        log.push(added(2, "y"));
        assert!(log.undo(Some(PackId(1))));
        let state = log.state();
        assert!(!state.artifacts.contains_key(&PackId(1)));
        assert_eq!(state.artifacts[&PackId(2)].len(), 1);
    }

    #[test]
    fn a_chosen_event_is_undone_once_and_only_if_it_can_be() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        log.push(Event::ContentPurged {
            blobs: Vec::new(),
            packs: vec![PackId(1)],
        });
        let at = |seq| plan_undo(&log, UndoTarget::Event(EventSeq(seq)));
        assert_eq!(
            at(3),
            Err(Error::Undo(UndoError::NotUndoable {
                event: EventSeq(3),
                kind: EventKind::ContentPurged,
                why: "what a purge removed is gone for good",
            }))
        );
        assert_eq!(
            at(9),
            Err(Error::Undo(UndoError::NoEvent { event: EventSeq(9) }))
        );
        let undo = at(2).expect("plans").expect("an undo");
        log.push(undo.event);
        assert_eq!(
            plan_undo(&log, UndoTarget::Event(EventSeq(2))),
            Err(Error::Undo(UndoError::AlreadyUndone {
                event: EventSeq(2),
                by: EventSeq(4),
            }))
        );
    }

    #[test]
    fn a_change_of_priority_content_or_root_is_undone_and_a_removal_restores_it() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        let spec = SourceSpec::Text { text: "x".into() };
        let before = log.state().artifacts[&PackId(1)][&ArtifactId(2)].clone();
        let mut content = before.content.clone();
        if let crate::Captured::Blob(b) = &mut content {
            b.tokens = 9;
        }
        log.push(Event::PriorityChanged {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec: spec.clone(),
            from: 0,
            to: 5,
        });
        log.push(Event::ArtifactRefreshed {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec: spec.clone(),
            from: before.content.clone(),
            to: content.clone(),
        });
        assert_eq!(log.state().packs[&PackId(1)].tokens, 9);
        // The refresh changed the artifact: its priority change waits.
        assert_eq!(
            refused(&log, UndoTarget::Event(EventSeq(3))),
            UndoError::Depended {
                event: EventSeq(3),
                kind: EventKind::PriorityChanged,
                later: vec![EventSeq(4)],
            }
        );
        log.push(Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec,
        });
        assert!(log.undo(None));
        let restored = &log.state().artifacts[&PackId(1)][&ArtifactId(2)];
        assert_eq!((restored.priority, &restored.content), (5, &content));
        assert!(log.undo(None), "the refresh");
        assert!(log.undo(None), "the priority");
        assert_eq!(log.state().artifacts[&PackId(1)][&ArtifactId(2)], before);
        assert_eq!(log.state().packs[&PackId(1)].tokens, 1);
        log.push(Event::PackRootChanged {
            pack: PackId(1),
            from: "/p".into(),
            to: "/q".into(),
        });
        log.push(added(1, "y"));
        // What was captured under the new root depends on it.
        assert!(matches!(
            refused(&log, UndoTarget::Event(EventSeq(9))),
            UndoError::Depended { .. }
        ));
        assert!(log.undo(None));
        assert!(log.undo(None), "the root");
        assert_eq!(log.state().packs[&PackId(1)].root, "/p");
    }

    #[test]
    fn a_change_of_options_is_undone_and_redone_with_its_content() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        let before = log.state().artifacts[&PackId(1)][&ArtifactId(2)].clone();
        let mut after = crate::Configured {
            options: before.options.clone(),
            content: before.content.clone(),
        };
        after.options.exclude = vec!["*.md".into()];
        if let crate::Captured::Blob(b) = &mut after.content {
            b.tokens = 7;
        }
        log.push(Event::OptionsChanged {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec: before.spec.clone(),
            from: crate::Configured {
                options: before.options.clone(),
                content: before.content.clone(),
            },
            to: after.clone(),
        });
        let changed = log.state().artifacts[&PackId(1)][&ArtifactId(2)].clone();
        assert_eq!(
            (&changed.options, &changed.content),
            (&after.options, &after.content)
        );
        assert_eq!(log.state().packs[&PackId(1)].tokens, 7);
        assert!(log.undo(None));
        assert_eq!(log.state().artifacts[&PackId(1)][&ArtifactId(2)], before);
        assert_eq!(log.state().packs[&PackId(1)].tokens, 1);
        log.undo_at(UndoTarget::LastUndo).expect("redoes");
        assert_eq!(log.state().artifacts[&PackId(1)][&ArtifactId(2)], changed);
    }

    #[test]
    fn a_removal_of_an_artifact_never_added_is_damage() {
        let mut log = Log(Vec::new(), Vec::new());
        log.push(created("a"));
        log.push(Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(1),
            spec: SourceSpec::Text { text: "x".into() },
        });
        assert_eq!(
            plan_undo(&log, UndoTarget::Latest(None)),
            Err(Error::Undo(UndoError::NoAddition {
                event: EventSeq(2),
                artifact: ArtifactId(1),
            }))
        );
    }
}
