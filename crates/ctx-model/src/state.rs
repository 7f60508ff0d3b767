//! Pack state in memory: what replaying the log produces, and what the
//! store's materialized tables must equal.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use serde::{Deserialize, Deserializer, Serialize};

use crate::fold::{self, Change, FoldError, PlanError, StateView};
use crate::{
    Artifact, ArtifactId, BlobHash, EventRecord, EventSeq, Fit, PackId, PackName, SourceSpec,
    TokenizerKind,
};

/// A pack row: settings and totals, without its artifacts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pack {
    pub id: PackId,
    pub name: PackName,
    /// Absolute path of the pack root.
    pub root: String,
    /// Token budget.
    pub budget: u64,
    pub tokenizer: TokenizerKind,
    /// Number of artifacts.
    pub artifacts: u64,
    /// Captured bytes over all artifacts.
    pub bytes: u64,
    /// Captured tokens over all artifacts.
    pub tokens: u64,
    /// What a render does when the pack is over its budget.
    pub fit: Fit,
}

/// The fields of [`Pack`] before `fit`, in order.
#[derive(Deserialize)]
struct PackV1 {
    id: PackId,
    name: PackName,
    root: String,
    budget: u64,
    tokenizer: TokenizerKind,
    artifacts: u64,
    bytes: u64,
    tokens: u64,
}

/// Decodes either shape: see [`crate::wire`]. postcard only.
impl<'de> Deserialize<'de> for Pack {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (v1, fit) = if crate::wire::v1() {
            (PackV1::deserialize(d)?, Fit::Drop)
        } else {
            <(PackV1, Fit)>::deserialize(d)?
        };
        Ok(Self {
            id: v1.id,
            name: v1.name,
            root: v1.root,
            budget: v1.budget,
            tokenizer: v1.tokenizer,
            artifacts: v1.artifacts,
            bytes: v1.bytes,
            tokens: v1.tokens,
            fit,
        })
    }
}

/// Every live pack with its artifacts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub packs: BTreeMap<PackId, Pack>,
    pub names: BTreeMap<PackName, PackId>,
    /// Artifacts by pack, keyed by id, so in the order they were added.
    /// Add to it with [`State::insert_artifact`], which keeps the spec
    /// index in step.
    pub artifacts: BTreeMap<PackId, BTreeMap<ArtifactId, Artifact>>,
    /// Blobs purged for good, with the event that purged each.
    pub purged: BTreeMap<BlobHash, EventSeq>,
    /// The seq of the last event applied (0 before any).
    pub last: EventSeq,
    /// Each pack's artifacts by spec: "is this spec already in the pack?"
    /// is asked on every add, and a scan made replaying a pack of n
    /// artifacts cost n squared.
    specs: BTreeMap<PackId, HashMap<SourceSpec, ArtifactId>>,
}

impl State {
    /// Applies one event; events must come in seq order without gaps.
    pub fn apply(&mut self, record: &EventRecord) -> Result<(), FoldError> {
        if record.seq.0 != self.last.0 + 1 {
            return Err(FoldError::OutOfOrder {
                seq: record.seq,
                last: self.last,
            });
        }
        let planned = match fold::plan(self, record.seq, &record.event) {
            Ok(planned) => planned,
            Err(PlanError::Refused(e)) => return Err(e),
            Err(PlanError::View(never)) => match never {},
        };
        for change in planned.changes {
            self.commit(change);
        }
        self.last = record.seq;
        Ok(())
    }

    /// Replays `records` from an empty state.
    pub fn replay<'a>(
        records: impl IntoIterator<Item = &'a EventRecord>,
    ) -> Result<Self, FoldError> {
        let mut state = Self::default();
        for record in records {
            state.apply(record)?;
        }
        Ok(state)
    }

    /// Adds (or replaces) an artifact of a pack.
    pub fn insert_artifact(&mut self, pack: PackId, artifact: Artifact) {
        let (id, spec) = (artifact.id, artifact.spec.clone());
        let old = self.artifacts.entry(pack).or_default().insert(id, artifact);
        let specs = self.specs.entry(pack).or_default();
        if let Some(old) = old
            && old.spec != spec
            && specs.get(&old.spec) == Some(&id)
        {
            specs.remove(&old.spec);
        }
        specs.insert(spec, id);
    }

    fn commit(&mut self, change: Change) {
        match change {
            Change::PutPack(pack) => {
                self.packs.insert(pack.id, pack);
            }
            Change::PutName(name, id) => {
                self.names.insert(name, id);
            }
            Change::DeleteName(name) => {
                self.names.remove(&name);
            }
            Change::PutArtifact(pack, artifact) => self.insert_artifact(pack, artifact),
            Change::DeleteArtifact(pack, id, _) => {
                if let Some(artifacts) = self.artifacts.get_mut(&pack) {
                    if let Some(gone) = artifacts.remove(&id)
                        && let Some(specs) = self.specs.get_mut(&pack)
                        && specs.get(&gone.spec) == Some(&id)
                    {
                        specs.remove(&gone.spec);
                    }
                    // An empty map and no map are the same state; keep one form.
                    if artifacts.is_empty() {
                        self.artifacts.remove(&pack);
                        self.specs.remove(&pack);
                    }
                }
            }
            Change::DeletePack(pack) => {
                self.packs.remove(&pack);
                self.artifacts.remove(&pack);
                self.specs.remove(&pack);
            }
            Change::PutSnapshot(_)
            | Change::DeleteSnapshot(_)
            | Change::RestoreSnapshot(..)
            | Change::LabelSnapshot(..) => {}
            Change::PurgeBlob(hash, seq) => {
                self.purged.insert(hash, seq);
            }
        }
    }
}

impl StateView for State {
    type Error = Infallible;

    fn pack(&self, id: PackId) -> Result<Option<Pack>, Infallible> {
        Ok(self.packs.get(&id).cloned())
    }

    fn pack_by_name(&self, name: &PackName) -> Result<Option<PackId>, Infallible> {
        Ok(self.names.get(name).copied())
    }

    fn artifact(&self, pack: PackId, id: ArtifactId) -> Result<Option<Artifact>, Infallible> {
        Ok(self.artifacts.get(&pack).and_then(|a| a.get(&id)).cloned())
    }

    fn artifact_by_spec(
        &self,
        pack: PackId,
        spec: &SourceSpec,
    ) -> Result<Option<ArtifactId>, Infallible> {
        Ok(self.specs.get(&pack).and_then(|s| s.get(spec)).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Event;
    use crate::testing::{name, pack_created, record, text_added};

    fn created(n: &str) -> Event {
        pack_created(n)
    }

    fn added(pack: u64, text: &str, tokens: u32) -> Event {
        text_added(pack, text, tokens)
    }

    fn state_after(events: Vec<Event>) -> Result<State, FoldError> {
        let records: Vec<_> = events
            .into_iter()
            .enumerate()
            .map(|(i, e)| record(i as u64 + 1, e))
            .collect();
        State::replay(&records)
    }

    #[test]
    fn pack_created_registers_name_and_row() {
        let state = state_after(vec![created("a")]).expect("applies");
        assert_eq!(state.names.get(&name("a")), Some(&PackId(1)));
        let pack = &state.packs[&PackId(1)];
        assert_eq!((pack.budget, pack.artifacts), (100, 0));
        assert_eq!(
            state_after(vec![created("a"), created("a")]),
            Err(FoldError::NameTaken {
                seq: EventSeq(2),
                name: name("a")
            })
        );
    }

    #[test]
    fn the_spec_index_follows_adds_removes_and_deletes() {
        let by_spec = |state: &State, pack: u64, text: &str| {
            let spec = SourceSpec::Text { text: text.into() };
            state
                .artifact_by_spec(PackId(pack), &spec)
                .expect("infallible")
        };
        let removed = |artifact: u64, text: &str| Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(artifact),
            spec: SourceSpec::Text { text: text.into() },
        };
        let mut events = vec![
            created("a"),
            created("b"),
            added(1, "x", 1),
            added(2, "x", 1),
        ];
        let state = state_after(events.clone()).expect("applies");
        assert_eq!(by_spec(&state, 1, "x"), Some(ArtifactId(3)));
        assert_eq!(by_spec(&state, 2, "x"), Some(ArtifactId(4)));
        assert_eq!(by_spec(&state, 1, "y"), None);
        // Removed, the spec is free again; added again, it has the new id.
        events.push(removed(3, "x"));
        let state = state_after(events.clone()).expect("applies");
        assert_eq!(by_spec(&state, 1, "x"), None);
        assert_eq!(by_spec(&state, 2, "x"), Some(ArtifactId(4)));
        events.push(added(1, "x", 1));
        events.push(added(1, "x", 1));
        assert_eq!(
            state_after(events.clone()).map(|_| ()),
            Err(FoldError::DuplicateSpec {
                seq: EventSeq(7),
                pack: name("a"),
                spec: "text:x".into(),
            }),
            "the index refuses a spec that is in the pack"
        );
        events.pop();
        events.push(Event::PackDeleted {
            pack: PackId(1),
            name: name("a"),
        });
        let state = state_after(events).expect("applies");
        assert_eq!(by_spec(&state, 1, "x"), None);
        assert_eq!(by_spec(&state, 2, "x"), Some(ArtifactId(4)));
    }

    #[test]
    fn artifact_added_and_removed_keep_totals() {
        let state =
            state_after(vec![created("a"), added(1, "x", 3), added(1, "yy", 4)]).expect("applies");
        let pack = &state.packs[&PackId(1)];
        assert_eq!((pack.artifacts, pack.bytes, pack.tokens), (2, 3, 7));
        let ids: Vec<_> = state.artifacts[&PackId(1)].keys().copied().collect();
        assert_eq!(ids, vec![ArtifactId(2), ArtifactId(3)]);

        let removed = Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec: SourceSpec::Text { text: "x".into() },
        };
        let state = state_after(vec![
            created("a"),
            added(1, "x", 3),
            added(1, "yy", 4),
            removed,
        ])
        .expect("applies");
        let pack = &state.packs[&PackId(1)];
        assert_eq!((pack.artifacts, pack.bytes, pack.tokens), (1, 2, 4));
    }

    #[test]
    fn artifact_errors() {
        assert!(matches!(
            state_after(vec![created("a"), added(1, "x", 1), added(1, "x", 1)]),
            Err(FoldError::DuplicateSpec { .. })
        ));
        assert!(matches!(
            state_after(vec![added(9, "x", 1)]),
            Err(FoldError::UnknownPack { .. })
        ));
        let removed = Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(7),
            spec: SourceSpec::Text { text: "x".into() },
        };
        assert!(matches!(
            state_after(vec![created("a"), removed]),
            Err(FoldError::UnknownArtifact { .. })
        ));
    }

    #[test]
    fn pack_renamed_moves_the_name() {
        let renamed = |from: &str, to: &str| Event::PackRenamed {
            pack: PackId(1),
            from: name(from),
            to: name(to),
        };
        let state = state_after(vec![created("a"), renamed("a", "b")]).expect("applies");
        assert_eq!(state.names.keys().collect::<Vec<_>>(), vec![&name("b")]);
        assert_eq!(state.packs[&PackId(1)].name, name("b"));
        assert!(matches!(
            state_after(vec![created("a"), created("b"), renamed("a", "b")]),
            Err(FoldError::NameTaken { .. })
        ));
        assert!(matches!(
            state_after(vec![created("a"), renamed("z", "b")]),
            Err(FoldError::Stale { .. })
        ));
    }

    #[test]
    fn budget_changed_sets_budget() {
        let changed = |from, to| Event::BudgetChanged {
            pack: PackId(1),
            from,
            to,
        };
        let state = state_after(vec![created("a"), changed(100, 5)]).expect("applies");
        assert_eq!(state.packs[&PackId(1)].budget, 5);
        assert!(matches!(
            state_after(vec![created("a"), changed(7, 5)]),
            Err(FoldError::Stale { .. })
        ));
    }

    #[test]
    fn pack_deleted_removes_everything_and_frees_the_name() {
        let deleted = Event::PackDeleted {
            pack: PackId(1),
            name: name("a"),
        };
        let state = state_after(vec![created("a"), added(1, "x", 1), deleted, created("a")])
            .expect("applies");
        assert_eq!(state.packs.keys().collect::<Vec<_>>(), vec![&PackId(4)]);
        assert!(!state.artifacts.contains_key(&PackId(1)));
        assert_eq!(state.names[&name("a")], PackId(4));
    }

    #[test]
    fn totals_out_of_step_are_an_error_not_a_wrap() {
        let mut state = state_after(vec![created("a"), added(1, "x", 3)]).expect("applies");
        if let Some(pack) = state.packs.get_mut(&PackId(1)) {
            pack.artifacts = 0;
        }
        let removed = Event::ArtifactRemoved {
            pack: PackId(1),
            artifact: ArtifactId(2),
            spec: SourceSpec::Text { text: "x".into() },
        };
        assert_eq!(
            state.apply(&record(3, removed)),
            Err(FoldError::Inconsistent {
                seq: EventSeq(3),
                pack: PackId(1)
            })
        );
    }

    #[test]
    fn replay_requires_gapless_order() {
        let records = vec![record(1, created("a")), record(3, created("b"))];
        assert_eq!(
            State::replay(&records),
            Err(FoldError::OutOfOrder {
                seq: EventSeq(3),
                last: EventSeq(1)
            })
        );
    }
}
