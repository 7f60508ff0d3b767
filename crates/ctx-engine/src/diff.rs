//! `snapshot diff A B`: what changed between two renders, each a snapshot
//! or a pack's live render.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use ctx_model::{BlobHash, ExclusionReason, Format, Manifest, PackName, SnapshotId, SnapshotItem};

use crate::render::Label;
use crate::snapshot::find_snapshot;
use crate::{Engine, NotFound, Quiet, RenderOptions, Result};

/// An item added or removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffEntry {
    #[serde(flatten)]
    pub item: Label,
    pub tokens: u64,
}

/// An item whose content changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Changed {
    #[serde(flatten)]
    pub item: Label,
    pub tokens_before: u64,
    pub tokens_after: u64,
    pub tokens_delta: i64,
    /// A unified diff of the item's framed content, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// An item B leaves out that A did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewlyExcluded {
    #[serde(flatten)]
    pub item: Label,
    pub reason: ExclusionReason,
}

/// The differences between two renders.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotDiff {
    /// A's name: a short snapshot id, or `PACK (live)`.
    pub a: String,
    pub b: String,
    pub tokens_delta: i64,
    pub added: Vec<DiffEntry>,
    pub removed: Vec<DiffEntry>,
    pub changed: Vec<Changed>,
    pub newly_excluded: Vec<NewlyExcluded>,
    /// A's format and B's, when they differ: every item frames into other
    /// bytes in each, so none is compared and `changed` is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formats: Option<[Format; 2]>,
}

impl SnapshotDiff {
    /// Whether the two renders hold the same items alike.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.newly_excluded.is_empty()
    }
}

/// One side of a diff.
struct Side {
    name: String,
    format: Format,
    tokens: u64,
    items: BTreeMap<Label, (BlobHash, u64)>,
    excluded: BTreeMap<Label, ExclusionReason>,
    /// A live render's bodies, by hash.
    bodies: HashMap<BlobHash, String>,
    /// A snapshot's items by body hash, to make their bodies from the
    /// store.
    stored: HashMap<BlobHash, SnapshotItem>,
}

impl Side {
    fn of_manifest(name: String, m: &Manifest) -> Self {
        Self {
            name,
            format: m.format,
            tokens: m.tokens,
            items: m
                .items
                .iter()
                .map(|i| ((&i.origin).into(), (i.body, i.tokens)))
                .collect(),
            excluded: m
                .excluded
                .iter()
                .map(|e| ((&e.origin).into(), e.reason))
                .collect(),
            bodies: HashMap::new(),
            stored: m.items.iter().map(|i| (i.body, i.clone())).collect(),
        }
    }
}

/// What a name given to `diff` stands for.
enum Target {
    Snapshot(SnapshotId, Box<Manifest>),
    Pack(String),
}

impl Engine {
    /// Compares two renders, each a snapshot id (or unique prefix) or a
    /// pack's name for its live render.
    ///
    /// With `content`, each changed item carries a unified diff of its
    /// framed content (after redaction, as the payloads hold it).
    pub fn diff(&self, a: &str, b: &str, content: bool) -> Result<SnapshotDiff> {
        let (a, b) = self.read(|r| Ok((target(r, a)?, target(r, b)?)))?;
        // A live side renders like the snapshot it is compared with, so the
        // same content frames into the same bytes.
        let like = [&a, &b].into_iter().find_map(|t| match t {
            Target::Snapshot(_, m) => Some(RenderOptions {
                format: m.format,
                budget: Some(m.budget),
                tokenizer: Some(m.tokenizer),
                redact: true,
                ..RenderOptions::default()
            }),
            Target::Pack(_) => None,
        });
        let like = like.unwrap_or(RenderOptions {
            redact: true,
            ..RenderOptions::default()
        });
        let a = self.side(a, &like)?;
        let b = self.side(b, &like)?;
        let mut diff = compare(&a, &b);
        if content {
            self.read(|r| {
                for changed in &mut diff.changed {
                    let before = body(r, &a, &changed.item)?;
                    let after = body(r, &b, &changed.item)?;
                    changed.diff = Some(unified(&before, &after, &a.name, &b.name));
                }
                Ok(())
            })?;
        }
        Ok(diff)
    }

    fn side(&self, target: Target, like: &RenderOptions) -> Result<Side> {
        match target {
            Target::Snapshot(id, m) => Ok(Side::of_manifest(id.short(), &m)),
            Target::Pack(name) => {
                let r = self.render(std::slice::from_ref(&name), like, &Quiet)?;
                Ok(Side {
                    name: format!("{name} (live)"),
                    format: r.format,
                    tokens: r.tokens,
                    items: r
                        .items
                        .iter()
                        .map(|i| (i.label.clone(), (i.hash, i.tokens)))
                        .collect(),
                    excluded: r
                        .excluded
                        .iter()
                        .map(|e| (e.label.clone(), e.reason))
                        .collect(),
                    bodies: r.items.into_iter().map(|i| (i.hash, i.body)).collect(),
                    stored: HashMap::new(),
                })
            }
        }
    }
}

/// A snapshot id (or unique prefix) first; otherwise a live pack's name.
fn target(r: &impl ctx_store::Query, wanted: &str) -> Result<Target> {
    if let Some(key) = find_snapshot(r, wanted)? {
        let m = r
            .snapshot(key)?
            .ok_or_else(|| NotFound::Snapshot(key.to_string()))?;
        let id = crate::snapshot::shown(r, key, &m)?;
        return Ok(Target::Snapshot(id, Box::new(m)));
    }
    match PackName::new(wanted).ok().map(|n| r.pack_by_name(&n)) {
        Some(Ok(Some(_))) => Ok(Target::Pack(wanted.to_owned())),
        Some(Err(e)) => Err(e.into()),
        _ => {
            let packs = r.packs()?;
            Err(NotFound::SnapshotOrPack {
                wanted: wanted.to_owned(),
                similar: crate::engine::nearest(wanted, packs.iter().map(|p| &p.name)),
            }
            .into())
        }
    }
}

fn compare(a: &Side, b: &Side) -> SnapshotDiff {
    let formats = (a.format != b.format).then_some([a.format, b.format]);
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (k, (hash, tokens)) in &b.items {
        match a.items.get(k) {
            None => added.push(DiffEntry {
                item: k.clone(),
                tokens: *tokens,
            }),
            Some((old, before)) if old != hash && formats.is_none() => changed.push(Changed {
                item: k.clone(),
                tokens_before: *before,
                tokens_after: *tokens,
                tokens_delta: token_delta(*before, *tokens),
                diff: None,
            }),
            Some(_) => {}
        }
    }
    for (k, (_, tokens)) in &a.items {
        if !b.items.contains_key(k) {
            removed.push(DiffEntry {
                item: k.clone(),
                tokens: *tokens,
            });
        }
    }
    let newly_excluded = b
        .excluded
        .iter()
        .filter(|(k, _)| !a.excluded.contains_key(*k))
        .map(|(k, reason)| NewlyExcluded {
            item: k.clone(),
            reason: *reason,
        })
        .collect();
    SnapshotDiff {
        a: a.name.clone(),
        b: b.name.clone(),
        tokens_delta: token_delta(a.tokens, b.tokens),
        added,
        removed,
        changed,
        newly_excluded,
        formats,
    }
}

/// The framed content of `item` on `side`: from a live render, or made
/// from the blob a snapshot keeps (a purged or missing one is empty).
fn body(r: &impl ctx_store::Query, side: &Side, item: &Label) -> Result<String> {
    let Some((hash, _)) = side.items.get(item) else {
        return Ok(String::new());
    };
    if let Some(text) = side.bodies.get(hash) {
        return Ok(text.clone());
    }
    let Some(stored) = side.stored.get(hash) else {
        return Ok(String::new());
    };
    let Some(blob) = r.blob(&stored.blob())? else {
        return Ok(String::new());
    };
    Ok(stored
        .body_from(&blob)
        .map(|body| String::from_utf8_lossy(&body).into_owned())
        .unwrap_or_default())
}

/// A unified diff, three lines of context, headed by the two sides' names.
fn unified(before: &str, after: &str, a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string()
}

/// `after - before`, saturating: counts come from manifests, and an
/// imported one may hold any number.
fn token_delta(before: u64, after: u64) -> i64 {
    let delta = i128::from(after) - i128::from(before);
    i64::try_from(delta).unwrap_or(if delta < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::token_delta;

    #[test]
    fn token_deltas_saturate() {
        assert_eq!(token_delta(5, 3), -2);
        assert_eq!(token_delta(1, 1 << 63), i64::MAX);
        assert_eq!(token_delta(u64::MAX, 0), i64::MIN);
        assert_eq!(token_delta(u64::MAX, u64::MAX), 0);
    }
}
