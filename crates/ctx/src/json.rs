//! JSON views of model types. `--json` output is a contract: fields are
//! added, never renamed or removed.

use serde_json::{Value, json};

use ctx_model::{AddOptions, Artifact, Captured, Event, EventRecord, Pack, SkippedFile};

/// A pack row.
pub fn pack(pack: &Pack) -> Value {
    json!({
        "id": pack.id.0,
        "name": pack.name.as_str(),
        "root": pack.root,
        "budget": pack.budget,
        "tokenizer": pack.tokenizer.as_str(),
        "artifacts": pack.artifacts,
        "bytes": pack.bytes,
        "tokens": pack.tokens,
    })
}

/// An artifact with its captured content.
pub fn artifact(a: &Artifact) -> Value {
    let mut value = json!({
        "id": a.id.to_string(),
        "spec": a.spec.to_string(),
        "priority": a.priority,
        "added": a.added().0,
    });
    merge(&mut value, content(&a.content));
    value
}

/// Captured content: size, tokens and the blob, or a collection's files.
pub fn content(content: &Captured) -> Value {
    match content {
        Captured::Blob(blob) => json!({
            "bytes": blob.bytes,
            "tokens": blob.tokens,
            "blob": blob.hash.to_string(),
        }),
        Captured::Files { files, skipped } => json!({
            "bytes": content.bytes(),
            "tokens": content.tokens(),
            "files": files.iter().map(|f| json!({
                "path": f.path,
                "bytes": f.blob.bytes,
                "tokens": f.blob.tokens,
                "blob": f.blob.hash.to_string(),
            })).collect::<Vec<_>>(),
            "skipped": skipped_files(skipped),
        }),
    }
}

/// Files a collection left out, with reasons.
pub fn skipped_files(skipped: &[SkippedFile]) -> Value {
    skipped
        .iter()
        .map(|s| json!({"path": s.path, "reason": s.reason.as_str()}))
        .collect()
}

fn options(o: &AddOptions) -> Value {
    json!({
        "recursive": o.recursive,
        "max_files": o.max_files,
        "exclude": o.exclude,
        "no_ignore": o.no_ignore,
        "allow_outside_root": o.allow_outside_root,
        "allow_sensitive": o.allow_sensitive,
        "max_file_bytes": o.max_file_bytes,
    })
}

/// An event record with everything it holds.
pub fn event(record: &EventRecord) -> Value {
    let mut value = json!({
        "seq": record.seq.0,
        "time": record.time.to_string(),
        "time_ms": record.time.0,
        "user": record.user,
        "version": record.version,
        "command": record.command,
        "pack": record.pack.as_ref().map(|p| json!({"id": p.id.0, "name": p.name.as_str()})),
        "kind": record.event.kind(),
    });
    let details = match &record.event {
        Event::PackCreated {
            name,
            root,
            budget,
            tokenizer,
        } => json!({
            "name": name.as_str(),
            "root": root,
            "budget": budget,
            "tokenizer": tokenizer.as_str(),
        }),
        Event::ArtifactAdded { artifact, .. } => {
            let mut v = json!({
                "artifact": ctx_model::ArtifactId(record.seq.0).to_string(),
                "spec": artifact.spec.to_string(),
                "priority": artifact.priority,
                "options": options(&artifact.options),
            });
            merge(&mut v, content(&artifact.content));
            v
        }
        Event::ArtifactRemoved { artifact, spec, .. } => json!({
            "artifact": artifact.to_string(),
            "spec": spec.to_string(),
        }),
        Event::PackRenamed { from, to, .. } => json!({"from": from.as_str(), "to": to.as_str()}),
        Event::BudgetChanged { from, to, .. } => json!({"from": from, "to": to}),
        Event::PackDeleted { name, .. } => json!({"name": name.as_str()}),
        Event::SnapshotCreated {
            packs,
            label,
            payload,
            tokens,
        } => json!({
            "snapshot": ctx_model::SnapshotId(record.seq.0).to_string(),
            "packs": packs.iter().map(|p| p.0).collect::<Vec<_>>(),
            "label": label,
            "payload_hash": payload.to_string(),
            "tokens": tokens,
        }),
        Event::Undone {
            event, reversal, ..
        } => json!({
            "undone": event.0,
            "reversal": match reversal {
                ctx_model::Reversal::RemoveArtifact { artifact, spec } => json!({
                    "kind": "remove_artifact", "artifact": artifact.to_string(), "spec": spec.to_string(),
                }),
                ctx_model::Reversal::RestoreArtifact { artifact: a } => {
                    let mut v = artifact(a);
                    v["kind"] = json!("restore_artifact");
                    v
                }
                ctx_model::Reversal::Rename { from, to } => json!({
                    "kind": "rename", "from": from.as_str(), "to": to.as_str(),
                }),
                ctx_model::Reversal::SetBudget { from, to } => json!({
                    "kind": "set_budget", "from": from, "to": to,
                }),
                ctx_model::Reversal::RestorePack { pack: p, artifacts } => json!({
                    "kind": "restore_pack",
                    "pack": pack(p),
                    "artifacts": artifacts.iter().map(artifact).collect::<Vec<_>>(),
                }),
                ctx_model::Reversal::DeletePack { name } => json!({
                    "kind": "delete_pack", "name": name.as_str(),
                }),
            },
        }),
        Event::SnapshotImported {
            label,
            payload,
            tokens,
        } => json!({
            "snapshot": ctx_model::SnapshotId(record.seq.0).to_string(),
            "label": label,
            "payload_hash": payload.to_string(),
            "tokens": tokens,
        }),
        Event::SnapshotDeleted { snapshot, packs } => json!({
            "snapshot": snapshot.to_string(),
            "packs": packs.iter().map(|p| p.0).collect::<Vec<_>>(),
        }),
    };
    merge(&mut value, details);
    value
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(into), Value::Object(from)) = (into, from) {
        into.extend(from);
    }
}
