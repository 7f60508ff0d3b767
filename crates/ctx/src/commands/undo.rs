//! `ctx undo`: append the event that reverses the most recent change (of
//! one pack with `--pack`). The log only grows; undoing again undoes the
//! change before, never the undo itself, as `jj undo` does.

use std::collections::HashSet;

use serde_json::json;

use ctx_model::{Artifact, ArtifactId, Event, EventRecord, EventSeq, Reversal};
use ctx_store::Read;

use super::nothing_changed;
use crate::app::App;
use crate::cli::UndoArgs;
use crate::error::{CliError, Kind, Result};
use crate::output::{self, Output};

/// Events read per page while looking for the change to undo.
const PAGE: usize = 256;

pub fn undo(app: &App, args: UndoArgs, out: &mut Output) -> Result<()> {
    let store = app.store()?;
    let mut w = store.write()?;
    let only = args
        .pack
        .as_deref()
        .map(|name| app.find_pack(&w, name))
        .transpose()?;
    let Some(target) = latest_undoable(&w, only.as_ref().map(|p| p.id))? else {
        return nothing_changed(app, out);
    };
    let reversal = reversal(&w, &target)?;
    let pack = target.event.pack_ids(target.seq)[0];
    let record = w.append(app.event(Event::Undone {
        event: target.seq,
        pack,
        reversal,
    }))?;
    w.commit()?;
    drop(store);
    let what = super::log::describe(&target.event);
    if app.json {
        return out.json(&json!({
            "changed": true,
            "seq": record.seq.0,
            "undone": target.seq.0,
            "what": what,
        }));
    }
    output::status(format!("Undid event {} ({what}).", target.seq));
    Ok(())
}

/// The newest event that changed pack state and is not undone yet.
fn latest_undoable(r: &impl Read, only: Option<ctx_model::PackId>) -> Result<Option<EventRecord>> {
    let mut undone: HashSet<EventSeq> = HashSet::new();
    let mut before = None;
    loop {
        let page = r.events_rev(before, PAGE)?;
        for record in &page {
            match &record.event {
                Event::Undone { event, .. } => {
                    undone.insert(*event);
                    continue;
                }
                // Snapshots are removed with `ctx snapshot delete`.
                Event::SnapshotCreated { .. }
                | Event::SnapshotDeleted { .. }
                | Event::SnapshotImported { .. } => continue,
                _ => {}
            }
            if undone.contains(&record.seq) {
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

/// The change that reverses `target`, from the log and the state before it.
fn reversal(r: &impl Read, target: &EventRecord) -> Result<Reversal> {
    Ok(match &target.event {
        Event::PackCreated { name, .. } => Reversal::DeletePack { name: name.clone() },
        Event::ArtifactAdded { artifact, .. } => Reversal::RemoveArtifact {
            artifact: ArtifactId(target.seq.0),
            spec: artifact.spec.clone(),
        },
        Event::ArtifactRemoved { artifact, .. } => {
            // An artifact's id is the seq of the event that added it.
            let added = r.event(EventSeq(artifact.0))?;
            let Some(Event::ArtifactAdded { artifact: new, .. }) = added.map(|r| r.event) else {
                return Err(CliError::new(
                    Kind::Integrity,
                    format!(
                        "event {} names artifact {artifact}, which no event added",
                        target.seq
                    ),
                ));
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
            let before = r.state_at(EventSeq(target.seq.0.saturating_sub(1)))?;
            let row = before.packs.get(pack).cloned().ok_or_else(|| {
                CliError::new(
                    Kind::Integrity,
                    format!(
                        "the log does not hold pack {pack} before event {}",
                        target.seq
                    ),
                )
            })?;
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
        | Event::Undone { .. } => {
            unreachable!("BUG: latest_undoable never picks these")
        }
    })
}
