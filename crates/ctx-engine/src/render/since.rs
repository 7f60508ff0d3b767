//! Delta renders (`--since SNAPSHOT`): what an agent that was given the
//! snapshot needs now. An item the snapshot holds byte for byte is left
//! out as `unchanged`; the payload ends with the list of those and of the
//! snapshot's items that are gone, so the agent knows what it still has.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use ctx_model::{BlobHash, ExclusionReason, Manifest, SnapshotId};

use super::Excluded;
use super::format::Label;
use super::frame::Framed;
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

/// Moves the candidates `snapshot` holds byte for byte (same origin, same
/// framed body) out of `framed` and `body_tokens` into `excluded`, and
/// says what stayed with the snapshot.
pub(super) fn split(
    id: SnapshotId,
    snapshot: &Manifest,
    framed: &mut Vec<Framed>,
    body_tokens: &mut Vec<u64>,
    excluded: &mut Vec<Excluded>,
) -> Since {
    let held: BTreeMap<Label, BlobHash> = snapshot
        .items
        .iter()
        .map(|i| ((&i.origin).into(), i.body))
        .collect();
    let present: BTreeSet<Label> = framed
        .iter()
        .map(|f| f.label.clone())
        .chain(excluded.iter().map(|e| e.label.clone()))
        .collect();
    let mut unchanged = Vec::new();
    let mut kept = Vec::with_capacity(framed.len());
    let mut kept_tokens = Vec::with_capacity(framed.len());
    for (f, tokens) in framed.drain(..).zip(body_tokens.drain(..)) {
        if held.get(&f.label) == Some(&f.hash) {
            unchanged.push(f.label.clone());
            excluded.push(Excluded {
                order: f.order,
                artifact: f.artifact,
                label: f.label,
                reason: ExclusionReason::Unchanged,
                tokens: Some(tokens),
            });
        } else {
            kept.push(f);
            kept_tokens.push(tokens);
        }
    }
    *framed = kept;
    *body_tokens = kept_tokens;
    excluded.sort_by_key(|e| e.order);
    let removed = snapshot
        .items
        .iter()
        .map(|i| Label::from(&i.origin))
        .filter(|l| !present.contains(l))
        .collect();
    Since {
        snapshot: id,
        unchanged,
        removed,
    }
}
