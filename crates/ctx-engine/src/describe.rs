//! Events and counts in words, as people read them: `ctx log` lines, the
//! `what` of JSON log entries and of `undo`.

use ctx_model::{Captured, Event, Reversal};

/// What an event changed, in a few words.
pub fn describe(event: &Event) -> String {
    match event {
        Event::PackCreated {
            budget, tokenizer, ..
        } => format!("created the pack (budget {budget}, {tokenizer})"),
        Event::ArtifactAdded { artifact, .. } => match &artifact.content {
            Captured::Blob(b) => format!("added {} ({})", artifact.spec, count(b.tokens, "token")),
            Captured::Files { files, .. } => format!(
                "added {} ({}, {})",
                artifact.spec,
                count(files.len() as u64, "file"),
                count(artifact.content.tokens(), "token")
            ),
        },
        Event::ArtifactRemoved { spec, artifact, .. } => {
            format!("removed {spec} (id {})", artifact.short())
        }
        Event::PackRenamed { from, to, .. } => format!("renamed {from} -> {to}"),
        Event::BudgetChanged { from, to, .. } => format!("set the budget {from} -> {to}"),
        Event::PackDeleted { .. } => "deleted the pack".into(),
        Event::SnapshotCreated { label, tokens, .. }
        | Event::SnapshotTaken { label, tokens, .. } => {
            format!(
                "created snapshot{} ({})",
                quoted(label),
                count(*tokens, "token")
            )
        }
        Event::SnapshotLabelled {
            snapshot, label, ..
        } => match label {
            Some(label) => format!("labelled snapshot {} `{label}`", snapshot.short()),
            None => format!("unlabelled snapshot {}", snapshot.short()),
        },
        Event::SnapshotDeleted { snapshot, .. } => {
            format!("deleted snapshot {}", snapshot.short())
        }
        Event::SnapshotImported { label, tokens, .. }
        | Event::SnapshotReceived { label, tokens, .. } => {
            format!(
                "imported snapshot{} ({})",
                quoted(label),
                count(*tokens, "token")
            )
        }
        Event::ContentPurged { blobs, .. } => {
            format!("purged {}", count(blobs.len() as u64, "blob"))
        }
        Event::AgentServed {
            snapshot, request, ..
        } => format!(
            "served snapshot {} to {} {} via {}",
            snapshot.short(),
            request.client,
            request.client_version,
            request.via
        ),
        Event::Undone {
            event, reversal, ..
        } => {
            let what = match reversal {
                Reversal::RemoveArtifact { spec, .. } => format!("removed {spec}"),
                Reversal::RestoreArtifact { artifact } => format!("restored {}", artifact.spec),
                Reversal::Rename { from, to } => format!("renamed {from} -> {to}"),
                Reversal::SetBudget { from, to } => format!("set the budget {from} -> {to}"),
                Reversal::RestorePack { pack, artifacts } => format!(
                    "restored pack {} with {}",
                    pack.name,
                    count(artifacts.len() as u64, "artifact")
                ),
                Reversal::DeletePack { name } => format!("deleted pack {name}"),
            };
            format!("undid event {event}: {what}")
        }
    }
}

/// ` `label`` for a snapshot's label, or nothing.
fn quoted(label: &Option<String>) -> String {
    label
        .as_deref()
        .map(|l| format!(" `{l}`"))
        .unwrap_or_default()
}

/// `1 file`, `2 files`: a count with its noun.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
