//! Delta renders (`--since SNAPSHOT`): what an agent that was given the
//! snapshot needs now. An item the snapshot holds byte for byte is left
//! out as `unchanged`; the payload ends with the list of those and of the
//! snapshot's items that are gone, so the agent knows what it still has.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use ctx_model::{BlobHash, ExclusionReason, Manifest, SnapshotId};

use super::Excluded;
use super::format::Label;
use super::forms::Candidate;
use crate::view::display;

/// What a `--since` render left to the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Since {
    #[serde(serialize_with = "display")]
    pub snapshot: SnapshotId,
    /// Items the snapshot holds as they are now, in render order.
    #[serde(serialize_with = "shown")]
    pub unchanged: Vec<Label>,
    /// Items of the snapshot this render no longer has, in its order.
    #[serde(serialize_with = "shown")]
    pub removed: Vec<Label>,
}

fn shown<S: serde::Serializer>(labels: &[Label], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(labels.iter().map(Label::shown))
}

/// What a `--since` render starts from: the snapshot, what it holds that
/// this render leaves to it, and everything it listed.
pub(super) struct Base {
    snapshot: SnapshotId,
    unchanged: Vec<Label>,
    /// The snapshot's items and the items it left to its own base, in
    /// its order.
    listed: Vec<Label>,
}

impl Base {
    /// The account of a payload that sends `sent`: what the snapshot
    /// still holds as it is, and what it listed that is neither that nor
    /// sent now (gone, or changed and left out), so the agent knows its
    /// copy of those is stale.
    pub(super) fn since<'a>(&self, sent: impl IntoIterator<Item = &'a Label>) -> Since {
        let sent: BTreeSet<&Label> = sent.into_iter().collect();
        let unchanged: BTreeSet<&Label> = self.unchanged.iter().collect();
        let removed = self
            .listed
            .iter()
            .filter(|l| !unchanged.contains(l) && !sent.contains(l))
            .cloned()
            .collect();
        Since {
            snapshot: self.snapshot,
            unchanged: self.unchanged.clone(),
            removed,
        }
    }
}

/// Moves the candidates `snapshot` holds byte for byte (same origin, same
/// framed body, in any form the candidate may take) out of `candidates`
/// into `excluded`, as `unchanged`.
pub(super) fn split(
    id: SnapshotId,
    snapshot: &Manifest,
    candidates: &mut Vec<Candidate>,
    excluded: &mut Vec<Excluded>,
) -> Base {
    let held: BTreeMap<Label, BlobHash> = snapshot
        .items
        .iter()
        .map(|i| ((&i.origin).into(), i.body))
        .collect();
    let mut unchanged = Vec::new();
    let mut kept = Vec::with_capacity(candidates.len());
    for c in candidates.drain(..) {
        let f = &c.fullest().framed;
        let held = held.get(&f.label);
        if c.forms.iter().any(|s| Some(&s.framed.hash) == held) {
            unchanged.push(f.label.clone());
            excluded.push(Excluded {
                order: f.order,
                artifact: f.artifact,
                label: f.label.clone(),
                reason: ExclusionReason::Unchanged,
                tokens: Some(c.fullest().tokens),
            });
        } else {
            kept.push(c);
        }
    }
    *candidates = kept;
    excluded.sort_by_key(|e| e.order);
    // A delta snapshot left some items to its own base: the agent has
    // them too, so they are listed, though their bytes are not known.
    let listed = snapshot
        .items
        .iter()
        .map(|i| Label::from(&i.origin))
        .chain(
            snapshot
                .excluded
                .iter()
                .filter(|e| e.reason == ExclusionReason::Unchanged)
                .map(|e| Label::from(&e.origin)),
        )
        .collect();
    Base {
        snapshot: id,
        unchanged,
        listed,
    }
}
