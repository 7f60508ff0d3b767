//! Undo planning: which event `ctx undo` reverses, and the reversal that
//! does it. The log only grows: undoing appends an `Undone` event, and
//! undoing again reverses the change before, never the undo itself (as
//! `jj undo` does). Snapshots are removed with `snapshot delete`, not undone.
//!
//! The rules are pure; the log is read through a [`History`].

use std::collections::HashSet;

use crate::{
    Artifact, ArtifactId, Event, EventKind, EventRecord, EventSeq, PackId, Reversal, State,
    StateView as _,
};

/// Events read per call while looking back for the change to undo.
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
    /// The log holds no such event.
    #[error("there is no event {event}")]
    NoEvent { event: EventSeq },
    /// Snapshots are deleted, and undos undone by undoing the change before.
    #[error("event {event} ({kind}) cannot be undone")]
    NotUndoable { event: EventSeq, kind: EventKind },
    #[error("event {event} was undone already, by event {by}")]
    AlreadyUndone { event: EventSeq, by: EventSeq },
}

impl UndoError {
    /// Whether the error means the log is damaged, rather than refused.
    pub fn is_damage(&self) -> bool {
        matches!(self, Self::NoAddition { .. } | Self::NoPack { .. })
    }
}

/// Which change to undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UndoTarget {
    /// The most recent change not undone yet (of this pack, when given).
    Latest(Option<PackId>),
    /// This event, if it is a change not undone yet.
    Event(EventSeq),
}

/// What undoing does: the event reversed, and the event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    pub target: EventRecord,
    pub event: Event,
}

/// Plans undoing `target`, or `None` when nothing is left to undo.
pub fn plan_undo<H: History>(history: &H, target: UndoTarget) -> Result<Option<Undo>, H::Error> {
    let target = match target {
        UndoTarget::Latest(only) => match latest_undoable(history, only)? {
            Some(target) => target,
            None => return Ok(None),
        },
        UndoTarget::Event(seq) => undoable(history, seq)?,
    };
    let reversal = reversal(history, &target)?;
    let pack = target.event.pack_ids(target.seq)[0];
    let event = Event::Undone {
        event: target.seq,
        pack,
        reversal,
    };
    Ok(Some(Undo { target, event }))
}

/// The newest event that changed pack state and is not undone yet.
fn latest_undoable<H: History>(
    history: &H,
    only: Option<PackId>,
) -> Result<Option<EventRecord>, H::Error> {
    let mut undone: HashSet<EventSeq> = HashSet::new();
    let mut before = None;
    loop {
        let page = history.events_rev(before, PAGE)?;
        for record in &page {
            if let Event::Undone { event, .. } = &record.event {
                undone.insert(*event);
                continue;
            }
            if !record.event.kind().is_undoable() || undone.contains(&record.seq) {
                continue;
            }
            if only.is_some_and(|p| !record.event.pack_ids(record.seq).contains(&p)) {
                continue;
            }
            return Ok(Some(record.clone()));
        }
        match page.last() {
            Some(last) if page.len() == PAGE => before = Some(last.seq),
            _ => return Ok(None),
        }
    }
}

/// Event `seq`, when it is a change that may be undone and is not undone.
fn undoable<H: History>(history: &H, seq: EventSeq) -> Result<EventRecord, H::Error> {
    let record = history
        .event(seq)?
        .ok_or(UndoError::NoEvent { event: seq })?;
    let kind = record.event.kind();
    if !kind.is_undoable() {
        return Err(UndoError::NotUndoable { event: seq, kind }.into());
    }
    let mut before = None;
    loop {
        let page = history.events_rev(before, PAGE)?;
        for later in page.iter().take_while(|r| r.seq > seq) {
            if matches!(later.event, Event::Undone { event, .. } if event == seq) {
                return Err(UndoError::AlreadyUndone {
                    event: seq,
                    by: later.seq,
                }
                .into());
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE && last.seq > seq => before = Some(last.seq),
            _ => return Ok(record),
        }
    }
}

/// The change that reverses `target`, from the log and the state before it.
fn reversal<H: History>(history: &H, target: &EventRecord) -> Result<Reversal, H::Error> {
    Ok(match &target.event {
        Event::PackCreated { name, .. } => Reversal::DeletePack { name: name.clone() },
        Event::ArtifactAdded { artifact, .. } => Reversal::RemoveArtifact {
            artifact: ArtifactId(target.seq.0),
            spec: artifact.spec.clone(),
        },
        Event::ArtifactRemoved { artifact, .. } => {
            // An artifact's id is the seq of the event that added it.
            let added = history.event(EventSeq(artifact.0))?;
            let Some(Event::ArtifactAdded { artifact: new, .. }) = added.map(|r| r.event) else {
                return Err(UndoError::NoAddition {
                    event: target.seq,
                    artifact: *artifact,
                }
                .into());
            };
            Reversal::RestoreArtifact {
                artifact: Artifact {
                    id: *artifact,
                    spec: new.spec,
                    priority: new.priority,
                    options: new.options,
                    content: new.content,
                },
            }
        }
        Event::PackRenamed { from, to, .. } => Reversal::Rename {
            from: to.clone(),
            to: from.clone(),
        },
        Event::BudgetChanged { from, to, .. } => Reversal::SetBudget {
            from: *to,
            to: *from,
        },
        Event::PackDeleted { pack, .. } => {
            let before = history.state_at(EventSeq(target.seq.0.saturating_sub(1)))?;
            let no_pack = || UndoError::NoPack {
                event: target.seq,
                pack: *pack,
            };
            let row = match before.pack(*pack) {
                Ok(row) => row.ok_or_else(no_pack)?,
                Err(never) => match never {},
            };
            let artifacts = before
                .artifacts
                .get(pack)
                .map(|a| a.values().cloned().collect())
                .unwrap_or_default();
            Reversal::RestorePack {
                pack: row,
                artifacts,
            }
        }
        Event::SnapshotCreated { .. }
        | Event::SnapshotDeleted { .. }
        | Event::SnapshotImported { .. }
        | Event::ContentPurged { .. }
        | Event::AgentServed { .. }
        | Event::SnapshotTaken { .. }
        | Event::SnapshotReceived { .. }
        | Event::SnapshotLabelled { .. }
        | Event::Undone { .. } => {
            unreachable!("BUG: only undoable events are planned")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceSpec;
    use crate::testing::{BUDGET, name, pack_created, record, text_added};

    /// A log in memory.
    struct Log(Vec<EventRecord>);

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
    }

    fn created(n: &str) -> Event {
        pack_created(n)
    }

    fn added(pack: u64, text: &str) -> Event {
        text_added(pack, text, 1)
    }

    #[test]
    fn undoing_walks_back_through_changes_and_skips_undos_and_snapshots() {
        let mut log = Log(Vec::new());
        log.push(created("a"));
        let empty = log.state();
        log.push(added(1, "x"));
        let with_x = log.state();
        log.push(Event::SnapshotCreated {
            packs: vec![PackId(1)],
            label: None,
            payload: crate::BlobHash([0; 32]),
            tokens: 1,
        });
        log.push(Event::BudgetChanged {
            pack: PackId(1),
            from: BUDGET,
            to: 20,
        });
        assert!(log.undo(None));
        assert_eq!(log.state().packs, with_x.packs);
        assert!(log.undo(None));
        assert_eq!(log.state().packs, empty.packs);
        assert!(log.undo(None));
        assert!(log.state().packs.is_empty());
        assert!(!log.undo(None), "nothing is left to undo");
    }

    #[test]
    fn a_deleted_pack_comes_back_whole_and_a_removed_artifact_with_its_id() {
        let mut log = Log(Vec::new());
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
        let mut log = Log(Vec::new());
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
    fn a_chosen_event_is_undone_once_and_only_if_it_is_a_change() {
        let mut log = Log(Vec::new());
        log.push(created("a"));
        log.push(added(1, "x"));
        log.push(Event::SnapshotCreated {
            packs: vec![PackId(1)],
            label: None,
            payload: crate::BlobHash([0; 32]),
            tokens: 1,
        });
        let at = |seq| plan_undo(&log, UndoTarget::Event(EventSeq(seq)));
        assert_eq!(
            at(3),
            Err(Error::Undo(UndoError::NotUndoable {
                event: EventSeq(3),
                kind: EventKind::SnapshotCreated,
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
    fn a_removal_of_an_artifact_never_added_is_damage() {
        let mut log = Log(Vec::new());
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
