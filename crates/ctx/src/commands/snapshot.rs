//! `ctx snapshot ...`: freeze a render, list and show snapshots, reproduce a
//! payload byte for byte from stored blobs, delete.

use std::collections::HashSet;

use serde_json::{Value, json};

use ctx_model::{
    BlobHash, Event, Manifest, PackId, PackRef, PrefixMatch, SnapshotExclusion, SnapshotId,
    SnapshotItem, match_prefix,
};
use ctx_store::{Read, StoreError};

use crate::app::App;
use crate::cli::{
    SnapshotCommand, SnapshotCreateArgs, SnapshotExportArgs, SnapshotIdArgs, SnapshotImportArgs,
    SnapshotListArgs, SnapshotRenderArgs,
};
use crate::error::{CliError, Kind, Result};
use crate::output::{self, Output, count, table};
use crate::render;

/// The pack id an imported snapshot's packs get: no local pack has it.
const FOREIGN: PackId = PackId(0);

pub fn run(app: &App, cmd: SnapshotCommand, out: &mut Output) -> Result<()> {
    match cmd {
        SnapshotCommand::Create(args) => create(app, args, out),
        SnapshotCommand::List(args) => list(app, args, out),
        SnapshotCommand::Show(args) => show(app, args, out),
        SnapshotCommand::Render(args) => render_snapshot(app, args, out),
        SnapshotCommand::Delete(args) => delete(app, args, out),
        SnapshotCommand::Diff(args) => super::diff::diff(app, args, out),
        SnapshotCommand::Export(args) => export(app, args, out),
        SnapshotCommand::Import(args) => import(app, args, out),
    }
}

fn create(app: &App, args: SnapshotCreateArgs, out: &mut Output) -> Result<()> {
    let options = super::render::options(&args.render, !app.json);
    let rendered = render::render(app, &args.packs, &options)?;
    let mut hasher = blake3::Hasher::new();
    let mut payload_bytes = 0u64;
    for piece in rendered.pieces() {
        hasher.update(piece.as_bytes());
        payload_bytes += piece.len() as u64;
    }
    let payload_hash = BlobHash(*hasher.finalize().as_bytes());

    // The packs as rendered: with --at, as they were then.
    let packs = rendered.pack_refs.clone();
    let store = app.store()?;
    let mut w = store.write()?;
    let mut items = Vec::with_capacity(rendered.items.len());
    for item in &rendered.items {
        let body = w.put_blob(item.body.as_bytes())?;
        debug_assert_eq!(
            body, item.hash,
            "BUG: the body hash was computed from these bytes"
        );
        items.push(SnapshotItem {
            pack: item.label.pack.clone(),
            artifact: item.artifact,
            source: item.label.source.clone(),
            path: item.label.path.clone(),
            lines: item.label.lines,
            head: item.head.clone(),
            body,
            tokens: item.tokens,
        });
    }
    let excluded = rendered
        .excluded
        .iter()
        .map(|e| SnapshotExclusion {
            pack: e.label.pack.clone(),
            artifact: e.artifact,
            source: e.label.source.clone(),
            path: e.label.path.clone(),
            lines: e.label.lines,
            reason: e.reason.as_str().into(),
            tokens: e.tokens,
        })
        .collect();
    let manifest = Manifest {
        packs: packs.clone(),
        label: args.label.clone(),
        format: rendered.format.as_str().into(),
        tokenizer: rendered.tokenizer,
        budget: rendered.budget,
        tokens: rendered.tokens,
        render_hash: rendered.render_hash,
        payload_hash,
        payload_bytes,
        preamble: rendered.preamble.clone(),
        trailer: rendered.trailer.clone(),
        items,
        excluded,
    };
    let record = w.append(app.event(Event::SnapshotCreated {
        packs: packs.iter().map(|p| p.id).collect(),
        label: args.label,
        payload: payload_hash,
        tokens: rendered.tokens,
    }))?;
    let id = SnapshotId(record.seq.0);
    w.put_snapshot(id, &manifest)?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({
            "changed": true,
            "seq": record.seq.0,
            "id": id.to_string(),
            "tokens": manifest.tokens,
            "items": manifest.items.len(),
            "excluded": manifest.excluded.len(),
            "payload_hash": payload_hash.to_string(),
            "render_hash": manifest.render_hash.to_string(),
        }));
    }
    render::print_warnings(&rendered);
    output::status(stored("Created", id, &manifest));
    Ok(())
}

/// `Created snapshot 1a2b3c4d of `app`: 3 items, 120 tokens.`
fn stored(verb: &str, id: SnapshotId, manifest: &Manifest) -> String {
    format!(
        "{verb} snapshot {} of {}: {}, {} tokens.",
        id.short(),
        names(&manifest.packs),
        count(manifest.items.len() as u64, "item"),
        manifest.tokens
    )
}

fn names(packs: &[PackRef]) -> String {
    packs
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The snapshot named by a full id or a unique prefix of one.
fn resolve(reader: &impl Read, wanted: &str) -> Result<SnapshotId> {
    let ids = reader.snapshot_ids()?;
    match match_prefix(wanted, ids.into_iter().map(|id| (id.to_string(), id))) {
        PrefixMatch::One(id) => Ok(id),
        PrefixMatch::None => Err(
            CliError::new(Kind::NotFound, format!("no snapshot `{wanted}`"))
                .hint("`ctx snapshot list` shows the snapshots"),
        ),
        PrefixMatch::Ambiguous(candidates) => Err(CliError::new(
            Kind::NotFound,
            format!(
                "`{wanted}` is ambiguous: it starts {}",
                candidates.join(", ")
            ),
        )
        .hint("type more of the id")),
    }
}

fn list(app: &App, args: SnapshotListArgs, out: &mut Output) -> Result<()> {
    let rows = {
        let store = app.store_read()?;
        let r = store.read()?;
        let pack = args
            .pack
            .as_deref()
            .map(|name| app.find_pack(&r, name))
            .transpose()?;
        let mut rows = Vec::new();
        for id in r.snapshot_ids()?.into_iter().rev() {
            let Some(manifest) = r.snapshot(id)? else {
                continue;
            };
            if pack
                .as_ref()
                .is_some_and(|p| !manifest.packs.iter().any(|m| m.id == p.id))
            {
                continue;
            }
            let time = r.event(ctx_model::EventSeq(id.0))?.map(|e| e.time);
            rows.push((id, time, manifest));
        }
        rows
    };
    if app.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(id, time, m)| {
                json!({
                    "id": id.to_string(),
                    "time": time.map(|t| t.to_string()),
                    "packs": m.packs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
                    "label": m.label,
                    "format": m.format,
                    "tokens": m.tokens,
                    "items": m.items.len(),
                })
            })
            .collect();
        return out.json(&json!({"snapshots": list}));
    }
    if rows.is_empty() {
        output::status("No snapshots yet. Create one with `ctx snapshot create PACK`.");
        return Ok(());
    }
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(id, time, m)| {
            vec![
                id.short(),
                time.map(|t| t.to_string()).unwrap_or_default(),
                m.packs
                    .iter()
                    .map(|p| p.name.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                m.tokens.to_string(),
                m.items.len().to_string(),
                m.label.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.line(table(
        &["ID", "TIME", "PACKS", "TOKENS", "ITEMS", "LABEL"],
        &table_rows,
        &[false, false, false, true, true, false],
    ))
}

fn show(app: &App, args: SnapshotIdArgs, out: &mut Output) -> Result<()> {
    let (id, manifest) = {
        let store = app.store_read()?;
        let r = store.read()?;
        let id = resolve(&r, &args.id)?;
        let manifest = r.snapshot(id)?.ok_or_else(|| missing(id))?;
        (id, manifest)
    };
    let lines = |l: Option<(u32, u32)>| l.map(|(a, b)| [a, b]);
    if app.json {
        return out.json(&json!({
            "id": id.to_string(),
            "packs": manifest.packs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            "label": manifest.label,
            "format": manifest.format,
            "tokenizer": manifest.tokenizer.as_str(),
            "budget": manifest.budget,
            "tokens": manifest.tokens,
            "render_hash": manifest.render_hash.to_string(),
            "payload_hash": manifest.payload_hash.to_string(),
            "payload_bytes": manifest.payload_bytes,
            "items": manifest.items.iter().map(|i| json!({
                "pack": i.pack, "artifact": i.artifact.to_string(), "source": i.source,
                "path": i.path, "lines": lines(i.lines), "tokens": i.tokens,
                "blob": i.body.to_string(),
            })).collect::<Vec<_>>(),
            "excluded": manifest.excluded.iter().map(|e| json!({
                "pack": e.pack, "artifact": e.artifact.to_string(), "source": e.source,
                "path": e.path, "lines": lines(e.lines), "reason": e.reason, "tokens": e.tokens,
            })).collect::<Vec<_>>(),
        }));
    }
    // An imported manifest may hold any character: keep each line one line.
    out.line(output::escape_controls(&format!(
        "snapshot {id}: {}, {} of {} tokens, {}, {}",
        names(&manifest.packs),
        manifest.tokens,
        manifest.budget,
        manifest.format,
        manifest.tokenizer
    )))?;
    if let Some(label) = &manifest.label {
        out.line(format!("label: {}", output::escape_controls(label)))?;
    }
    out.line(format!(
        "payload: {} bytes, BLAKE3 {}",
        manifest.payload_bytes, manifest.payload_hash
    ))?;
    let rows: Vec<Vec<String>> = manifest
        .items
        .iter()
        .map(|i| {
            let item = i.path.clone().unwrap_or_else(|| i.source.clone());
            vec![i.tokens.to_string(), item, i.source.clone()]
        })
        .collect();
    if !rows.is_empty() {
        out.line(table(
            &["TOKENS", "ITEM", "SOURCE"],
            &rows,
            &[true, false, false],
        ))?;
    }
    if !manifest.excluded.is_empty() {
        out.line(format!(
            "left out {}:",
            count(manifest.excluded.len() as u64, "item")
        ))?;
        for e in &manifest.excluded {
            let item = e.path.clone().unwrap_or_else(|| e.source.clone());
            out.line(output::escape_controls(&format!("  {item} ({})", e.reason)))?;
        }
    }
    Ok(())
}

fn missing(id: SnapshotId) -> CliError {
    CliError::new(Kind::NotFound, format!("no snapshot `{id}`"))
}

/// Reassembles the payload from the manifest and the blobs, and checks it
/// against the payload hash before any byte is written.
fn render_snapshot(app: &App, args: SnapshotRenderArgs, out: &mut Output) -> Result<()> {
    let (id, manifest, bodies) = {
        let store = app.store_read()?;
        let r = store.read()?;
        let id = resolve(&r, &args.id)?;
        let manifest = r.snapshot(id)?.ok_or_else(|| missing(id))?;
        let mut bodies = Vec::with_capacity(manifest.items.len());
        for item in &manifest.items {
            let bytes = r.blob(&item.body).map_err(|e| blob_error(id, item, e))?;
            let bytes = bytes
                .ok_or_else(|| blob_error(id, item, StoreError::MissingBlob { hash: item.body }))?;
            bodies.push(bytes);
        }
        (id, manifest, bodies)
    };
    let mut pieces: Vec<&[u8]> = vec![manifest.preamble.as_bytes()];
    for (item, body) in manifest.items.iter().zip(&bodies) {
        pieces.push(item.head.as_bytes());
        pieces.push(body);
    }
    pieces.push(manifest.trailer.as_bytes());
    let mut hasher = blake3::Hasher::new();
    for piece in &pieces {
        hasher.update(piece);
    }
    if BlobHash(*hasher.finalize().as_bytes()) != manifest.payload_hash {
        return Err(CliError::new(
            Kind::Integrity,
            format!("snapshot {id} does not reproduce: its payload hash does not match"),
        )
        .hint("`ctx fsck` checks the whole store; nothing was written"));
    }
    let text: Vec<&str> = pieces
        .iter()
        .map(|p| std::str::from_utf8(p))
        .collect::<Result<_, _>>()
        .map_err(|_| {
            CliError::new(
                Kind::Integrity,
                format!("snapshot {id} holds bytes that are not UTF-8"),
            )
        })?;
    match &args.output {
        Some(path) => {
            output::write_atomically(&app.cwd.join(path), text.iter().map(|t| t.as_bytes()))?;
        }
        // With --json the payload travels inside the document.
        None if app.json => {}
        None => {
            for piece in &text {
                out.raw(piece)?;
            }
        }
    }
    if app.json {
        let mut doc = json!({
            "id": id.to_string(),
            "tokens": manifest.tokens,
            "payload_hash": manifest.payload_hash.to_string(),
        });
        if args.output.is_none() {
            doc["payload"] = json!(text.concat());
        }
        return out.json(&doc);
    }
    Ok(())
}

fn blob_error(id: SnapshotId, item: &SnapshotItem, err: StoreError) -> CliError {
    let what = item.path.as_deref().unwrap_or(&item.source);
    let mut e = CliError::from(err);
    e.message = format!(
        "snapshot {id}: the content of `{what}` (artifact {}) cannot be read: {}",
        item.artifact.short(),
        e.message
    );
    e
}

fn delete(app: &App, args: SnapshotIdArgs, out: &mut Output) -> Result<()> {
    let store = app.store()?;
    let mut w = store.write()?;
    let id = resolve(&w, &args.id)?;
    let manifest = w.snapshot(id)?.ok_or_else(|| missing(id))?;
    let record = w.append(
        app.event(Event::SnapshotDeleted {
            snapshot: id,
            packs: manifest
                .packs
                .iter()
                .map(|p| p.id)
                .filter(|id| *id != FOREIGN)
                .collect(),
        }),
    )?;
    w.delete_snapshot(id)?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({"changed": true, "seq": record.seq.0, "id": id.to_string()}));
    }
    output::status(format!(
        "Deleted snapshot {}; its content stays in the store until garbage collection.",
        id.short()
    ));
    Ok(())
}

fn export(app: &App, args: SnapshotExportArgs, out: &mut Output) -> Result<()> {
    let (id, bundle) = {
        let store = app.store_read()?;
        let r = store.read()?;
        let id = resolve(&r, &args.id)?;
        let manifest = r.snapshot(id)?.ok_or_else(|| missing(id))?;
        let mut blobs: Vec<(BlobHash, Vec<u8>)> = Vec::new();
        let mut seen = HashSet::new();
        for item in &manifest.items {
            if !seen.insert(item.body) {
                continue;
            }
            let bytes = r.blob(&item.body).map_err(|e| blob_error(id, item, e))?;
            let bytes = bytes
                .ok_or_else(|| blob_error(id, item, StoreError::MissingBlob { hash: item.body }))?;
            blobs.push((item.body, bytes));
        }
        (id, ctx_store::bundle::encode(&manifest, &blobs))
    };
    output::write_atomically(&app.cwd.join(&args.file), [bundle.as_slice()])?;
    if app.json {
        return out.json(&json!({"id": id.to_string(), "bytes": bundle.len()}));
    }
    output::status(format!(
        "Exported snapshot {} to `{}` ({} bytes).",
        id.short(),
        args.file.display(),
        bundle.len()
    ));
    Ok(())
}

fn import(app: &App, args: SnapshotImportArgs, out: &mut Output) -> Result<()> {
    let path = app.cwd.join(&args.file);
    let bytes = std::fs::read(&path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            Kind::NotFound
        } else {
            Kind::Error
        };
        CliError::new(kind, format!("cannot read `{}`: {e}", args.file.display()))
    })?;
    let (mut manifest, blobs) = ctx_store::bundle::decode(&bytes).map_err(|e| {
        CliError::new(
            Kind::Error,
            format!("cannot import `{}`: {e}", args.file.display()),
        )
        .hint("nothing was written")
    })?;
    // The bundle's pack ids belong to the store it came from; here they
    // name no pack (ids start at 1), only the names are kept.
    for pack in &mut manifest.packs {
        pack.id = FOREIGN;
    }
    let store = app.store()?;
    let mut w = store.write()?;
    for id in w.snapshot_ids()? {
        if w.snapshot(id)?.is_some_and(|m| m == manifest) {
            drop(w);
            return super::nothing_changed(app, out);
        }
    }
    for (_, blob) in &blobs {
        w.put_blob(blob)?;
    }
    let record = w.append(app.event(Event::SnapshotImported {
        label: manifest.label.clone(),
        payload: manifest.payload_hash,
        tokens: manifest.tokens,
    }))?;
    let id = SnapshotId(record.seq.0);
    w.put_snapshot(id, &manifest)?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({"changed": true, "seq": record.seq.0, "id": id.to_string()}));
    }
    output::status(stored("Imported", id, &manifest));
    Ok(())
}
