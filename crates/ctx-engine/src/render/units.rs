//! The first phase of a render: what to render. Each artifact expands into
//! units (a file, a range, a note, a diff, each file of a collection), read
//! from its source now or, frozen, from the content captured when it was
//! added. A unit that cannot be rendered carries the reason it is left out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ctx_model::{
    Artifact, ArtifactId, BlobHash, Captured, Coverage, ExclusionReason, Mode, Pack, SourceSpec,
};
use ctx_store::{Query as _, StoreError};

use super::format::Label;
use crate::source::{self, Capture, SourceError, Stamp, Text};
use crate::{Engine, EngineError, Progress, Result, Warning, parallel};

/// One renderable piece of an artifact, before framing.
pub(super) struct Unit {
    pub artifact: ArtifactId,
    pub label: Label,
    /// The fullest form its artifact may render in.
    pub mode: Mode,
    pub content: Content,
}

/// What a unit holds.
pub(super) enum Content {
    /// Text to frame; for a whole file, its absolute path and stamp.
    Text(String, Option<(String, Stamp)>),
    /// Captured content still to read from the store.
    Blob(BlobHash),
    /// Left out, with its size where known.
    Excluded(ExclusionReason, Option<u64>),
}

/// Expands every artifact of `packs` into units, in render order: live
/// artifacts read their sources on all cores, frozen ones name blobs.
pub(super) fn expand(
    packs: &[(Pack, Vec<Artifact>)],
    frozen: bool,
    strict: bool,
    rules: &crate::source::Sensitive,
    progress: &dyn Progress,
) -> (Vec<Unit>, Vec<Warning>) {
    let mut units = Vec::new();
    let mut warnings = Vec::new();
    for (pack, artifacts) in packs {
        // A root that is gone would fail every source once: it is said
        // once, and the captured content stands in (unless strict).
        let gone = !frozen && !Path::new(&pack.root).is_dir();
        if gone {
            warnings.push(Warning::RootGone {
                pack: pack.name.to_string(),
                root: pack.root.clone(),
                left_out: strict,
            });
        }
        let expanded = if gone && strict {
            artifacts
                .iter()
                .map(|a| {
                    let tokens = Some(a.content.tokens());
                    let missing = Content::Excluded(ExclusionReason::Missing, tokens);
                    (vec![single(pack, a, missing)], Vec::new())
                })
                .collect()
        } else if frozen || gone {
            artifacts
                .iter()
                .map(|a| (frozen_units(pack, a), Vec::new()))
                .collect()
        } else {
            if let Some(now) = source::root_moved(Path::new(&pack.root)) {
                warnings.push(Warning::RootMoved {
                    pack: pack.name.to_string(),
                    root: pack.root.clone(),
                    now: now.to_string_lossy().into_owned(),
                });
            }
            parallel::map(artifacts, |a| {
                let units = live_units(pack, a, strict, rules);
                progress.tick(0);
                units
            })
        };
        for (mut found, mut warned) in expanded {
            units.append(&mut found);
            warnings.append(&mut warned);
        }
    }
    (units, warnings)
}

/// The label of an item of `pack` from an artifact with `spec`, of the
/// file at `path`.
pub(super) fn label(pack: &Pack, spec: &SourceSpec, path: Option<String>) -> Label {
    let lines = match spec {
        SourceSpec::Range { start, end, .. } => Some((*start, *end)),
        _ => None,
    };
    Label {
        pack: pack.name.to_string(),
        source: spec.to_string(),
        path,
        lines,
    }
}

/// The unit of an artifact that renders as one item, with `content`.
fn single(pack: &Pack, a: &Artifact, content: Content) -> Unit {
    Unit {
        artifact: a.id,
        label: label(pack, &a.spec, a.spec.path().map(str::to_owned)),
        mode: a.options.mode,
        content,
    }
}

/// Leaves out each unit whose lines a unit earlier in render order (of a
/// higher priority, or added first) renders already: a file added directly
/// and again through a glob renders once, and so does a range inside a
/// file or a range rendered whole. The later one is listed as `duplicate`
/// and costs no budget. Ranges that only overlap both render.
pub(super) fn drop_duplicates(packs: &[(Pack, Vec<Artifact>)], units: &mut [Unit]) {
    let roots: HashMap<&str, &Path> = packs
        .iter()
        .map(|(p, _)| (p.name.as_str(), Path::new(&p.root)))
        .collect();
    let mut rendered = Coverage::default();
    for unit in units {
        let Some(path) = &unit.label.path else {
            continue;
        };
        if matches!(unit.content, Content::Excluded(..)) {
            continue;
        }
        let root = roots.get(unit.label.pack.as_str()).copied();
        let file = root.map_or_else(|| PathBuf::from(path), |r| r.join(path));
        if !rendered.take(file, unit.label.lines) {
            unit.content = Content::Excluded(ExclusionReason::Duplicate, None);
        }
    }
}

/// The units of an artifact from what was captured when it was added.
fn frozen_units(pack: &Pack, a: &Artifact) -> Vec<Unit> {
    match &a.content {
        Captured::Blob(blob) => vec![single(pack, a, Content::Blob(blob.hash))],
        Captured::Files { files, skipped } => collection_units(
            pack,
            a,
            files
                .iter()
                .map(|f| (f.path.clone(), Content::Blob(f.blob.hash))),
            skipped,
        ),
    }
}

/// A collection's units, files and skipped ones together, sorted by path.
fn collection_units(
    pack: &Pack,
    a: &Artifact,
    files: impl Iterator<Item = (String, Content)>,
    skipped: &[ctx_model::SkippedFile],
) -> Vec<Unit> {
    let mut units: Vec<Unit> = files
        .map(|(path, content)| Unit {
            artifact: a.id,
            label: label(pack, &a.spec, Some(path)),
            mode: a.options.mode,
            content,
        })
        .chain(skipped.iter().map(|s| Unit {
            artifact: a.id,
            label: label(pack, &a.spec, Some(s.path.clone())),
            mode: a.options.mode,
            content: Content::Excluded(s.reason, None),
        }))
        .collect();
    units.sort_by(|x, y| x.label.path.cmp(&y.label.path));
    units
}

/// The units of an artifact read from its sources now.
fn live_units(
    pack: &Pack,
    a: &Artifact,
    strict: bool,
    rules: &crate::source::Sensitive,
) -> (Vec<Unit>, Vec<Warning>) {
    let root = Path::new(&pack.root);
    let mut warnings = Vec::new();
    let units = match source::capture(&a.spec, root, &a.options, rules) {
        Ok(Capture::One(text)) => {
            warnings.extend(lossy_warning(&text, &a.spec));
            let file = crate::file_cache::file_of(root, text.path.as_deref(), text.stamp);
            vec![single(pack, a, Content::Text(text.text, file))]
        }
        Ok(Capture::Many { files, skipped }) => {
            warnings.extend(files.iter().filter_map(|t| lossy_warning(t, &a.spec)));
            collection_units(
                pack,
                a,
                files.into_iter().map(|t| {
                    let file = crate::file_cache::file_of(root, t.path.as_deref(), t.stamp);
                    (t.path.unwrap_or_default(), Content::Text(t.text, file))
                }),
                &skipped,
            )
        }
        Err(err) => match unusable(&err) {
            Some(reason) => vec![single(
                pack,
                a,
                Content::Excluded(reason, Some(a.content.tokens())),
            )],
            None => {
                warnings.push(Warning::SourceGone {
                    error: err.to_string(),
                    left_out: strict,
                });
                if strict {
                    let tokens = Some(a.content.tokens());
                    vec![single(
                        pack,
                        a,
                        Content::Excluded(ExclusionReason::Missing, tokens),
                    )]
                } else {
                    frozen_units(pack, a)
                }
            }
        },
    };
    (units, warnings)
}

/// Why a source that reads as `err` now is left out; `None` when it is gone
/// or changed past use, and its captured content stands in.
fn unusable(err: &SourceError) -> Option<ExclusionReason> {
    match err {
        SourceError::Binary { .. } => Some(ExclusionReason::Binary),
        SourceError::Sensitive { .. } => Some(ExclusionReason::Sensitive),
        SourceError::TooLarge { .. } => Some(ExclusionReason::TooLarge),
        SourceError::OutsideRoot { .. } | SourceError::RootMoved { .. } => {
            Some(ExclusionReason::OutsideRoot)
        }
        SourceError::IsDirectory { .. }
        | SourceError::NotADirectory { .. }
        | SourceError::NotAFile { .. }
        | SourceError::NonUtf8Path { .. } => Some(ExclusionReason::Unreadable),
        _ => None,
    }
}

/// The warning for a text whose invalid UTF-8 was replaced.
pub(crate) fn lossy_warning(text: &Text, spec: &SourceSpec) -> Option<Warning> {
    text.lossy.then(|| Warning::Lossy {
        shown: text.path.clone().unwrap_or_else(|| spec.to_string()),
    })
}

/// Replaces blob references with their verified bytes, in one read. A
/// purged blob leaves its unit out, with a warning.
pub(super) fn resolve_blobs(
    engine: &Engine,
    units: &mut [Unit],
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    if !units.iter().any(|u| matches!(u.content, Content::Blob(_))) {
        return Ok(());
    }
    engine.read(|r| {
        for unit in units.iter_mut() {
            let Content::Blob(hash) = unit.content else {
                continue;
            };
            if let Some(by) = r.purged(&hash)? {
                warnings.push(Warning::Purged {
                    item: unit.label.title(),
                    by,
                });
                unit.content = Content::Excluded(ExclusionReason::Purged, None);
                continue;
            }
            let bytes = r
                .blob(&hash)
                .and_then(|b| b.ok_or(StoreError::MissingBlob { hash }))
                .map_err(|error| EngineError::Captured {
                    title: unit.label.title(),
                    artifact: unit.artifact,
                    error: Box::new(error),
                })?;
            unit.content = Content::Text(String::from_utf8_lossy(&bytes).into_owned(), None);
        }
        Ok(())
    })
}
