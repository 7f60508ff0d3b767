//! `ctx pack ...`: create, inspect and change packs. Every change is one
//! event appended in one write transaction.

use std::path::Path;

use serde_json::json;

use ctx_model::{
    AddOptions, Artifact, ArtifactId, BlobHash, Captured, CapturedBlob, CapturedFile, Event,
    FoldError, NewArtifact, PackName, PrefixMatch, SourceSpec, match_prefix, sort_for_render,
};
use ctx_store::{Read, StoreError};

use super::nothing_changed;
use crate::app::App;
use crate::cli::{AddArgs, CreateArgs, DeleteArgs, RemoveArgs, RenameArgs, SetArgs, ShowArgs};
use crate::error::{CliError, Kind, Result};
use crate::output::{self, Output, count, table};
use crate::source::{self, Capture};
use crate::{json, parallel, tokenize};

pub fn create(app: &App, args: CreateArgs, out: &mut Output) -> Result<()> {
    let name = PackName::new(&args.name)?;
    let root = match &args.root {
        Some(root) => app.cwd.join(root),
        None => app.cwd.clone(),
    };
    let root = std::fs::canonicalize(&root)
        .ok()
        .filter(|r| r.is_dir())
        .ok_or_else(|| {
            CliError::new(
                Kind::NotFound,
                format!("`{}` is not a folder", root.display()),
            )
        })?;
    let root = root.to_str().map(str::to_owned).ok_or_else(|| {
        CliError::new(
            Kind::Error,
            format!("the root `{}` is not valid UTF-8", root.display()),
        )
    })?;
    let store = app.store()?;
    let mut w = store.write()?;
    if w.pack_by_name(&name)?.is_some() {
        return Err(name_taken(&name));
    }
    let record = w.append(app.event(Event::PackCreated {
        name: name.clone(),
        root,
        budget: args.tokens,
        tokenizer: args.tokenizer,
    }))?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({
            "changed": true,
            "seq": record.seq.0,
            "pack": {"id": record.seq.0, "name": name.as_str(), "budget": args.tokens, "tokenizer": args.tokenizer.as_str()},
        }));
    }
    output::status(format!(
        "Created pack `{name}` with a budget of {} tokens ({}).",
        args.tokens, args.tokenizer
    ));
    Ok(())
}

fn name_taken(name: &PackName) -> CliError {
    CliError::new(
        Kind::Conflict,
        format!("a pack named `{name}` already exists"),
    )
    .hint("choose another name, or rename or delete the existing pack")
}

pub fn list(app: &App, out: &mut Output) -> Result<()> {
    let packs = app.store_read()?.read()?.packs()?;
    if app.json {
        return out.json(&json!({"packs": packs.iter().map(json::pack).collect::<Vec<_>>()}));
    }
    if packs.is_empty() {
        output::status("No packs yet. Create one with `ctx pack create NAME`.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = packs
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                p.artifacts.to_string(),
                p.tokens.to_string(),
                p.budget.to_string(),
            ]
        })
        .collect();
    out.line(table(
        &["NAME", "ARTIFACTS", "TOKENS", "BUDGET"],
        &rows,
        &[false, true, true, true],
    ))
}

pub fn show(app: &App, args: ShowArgs, out: &mut Output) -> Result<()> {
    let (pack, mut artifacts) = {
        let store = app.store_read()?;
        let r = store.read()?;
        let mut found = crate::app::packs_at(app, &r, std::slice::from_ref(&args.pack), args.at)?;
        found.remove(0)
    };
    sort_for_render(&mut artifacts);
    if args.tokens {
        return show_tokens(app, &artifacts, out);
    }
    if app.json {
        let mut value = json::pack(&pack);
        value["items"] = artifacts.iter().map(json::artifact).collect();
        return out.json(&value);
    }
    let share = if pack.budget == 0 {
        0.0
    } else {
        pack.tokens as f64 * 100.0 / pack.budget as f64
    };
    out.line(format!(
        "pack {}: {} of {} tokens ({share:.1}%), {} artifacts, {}, root {}",
        pack.name, pack.tokens, pack.budget, pack.artifacts, pack.tokenizer, pack.root
    ))?;
    if artifacts.is_empty() {
        output::status(format!(
            "The pack is empty. Add sources with `ctx pack add {} SOURCE`.",
            pack.name
        ));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = artifacts
        .iter()
        .map(|a| {
            vec![
                a.id.short(),
                a.priority.to_string(),
                a.content.tokens().to_string(),
                a.content.bytes().to_string(),
                describe(a),
            ]
        })
        .collect();
    out.line(table(
        &["ID", "PRIORITY", "TOKENS", "BYTES", "SOURCE"],
        &rows,
        &[false, true, true, true, false],
    ))
}

/// How many of the largest items `show --tokens` ranks.
const TOP: usize = 10;

/// Every item in render order with its captured token count, then the
/// largest: what to drop first when a pack outgrows its budget.
fn show_tokens(app: &App, artifacts: &[Artifact], out: &mut Output) -> Result<()> {
    let mut items: Vec<(ArtifactId, String, u32)> = Vec::new();
    for a in artifacts {
        match &a.content {
            Captured::Blob(b) => items.push((a.id, a.spec.to_string(), b.tokens)),
            Captured::Files { files, .. } => {
                items.extend(files.iter().map(|f| (a.id, f.path.clone(), f.blob.tokens)));
            }
        }
    }
    let mut top: Vec<&(ArtifactId, String, u32)> = items.iter().collect();
    // Stable: equal counts keep render order.
    top.sort_by_key(|(_, _, tokens)| std::cmp::Reverse(*tokens));
    top.truncate(TOP);
    if app.json {
        let item = |(id, item, tokens): &(ArtifactId, String, u32)| json!({"artifact": id.to_string(), "item": item, "tokens": tokens});
        return out.json(&json!({
            "items": items.iter().map(item).collect::<Vec<_>>(),
            "top": top.iter().map(|i| item(i)).collect::<Vec<_>>(),
        }));
    }
    let row = |(id, item, tokens): &(ArtifactId, String, u32)| {
        vec![id.short(), tokens.to_string(), item.clone()]
    };
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    out.line(table(
        &["ID", "TOKENS", "ITEM"],
        &rows,
        &[false, true, false],
    ))?;
    out.line("")?;
    out.line(format!("Largest {}:", count(top.len() as u64, "item")))?;
    let rows: Vec<Vec<String>> = top.iter().map(|i| row(i)).collect();
    out.line(table(
        &["ID", "TOKENS", "ITEM"],
        &rows,
        &[false, true, false],
    ))
}

/// The spec, with a collection's file and skip counts.
fn describe(a: &Artifact) -> String {
    match &a.content {
        Captured::Files { files, skipped } if skipped.is_empty() => {
            format!("{} ({})", a.spec, count(files.len() as u64, "file"))
        }
        Captured::Files { files, skipped } => {
            format!(
                "{} ({}, {} skipped)",
                a.spec,
                count(files.len() as u64, "file"),
                skipped.len()
            )
        }
        Captured::Blob(_) => a.spec.to_string(),
    }
}

pub fn add(app: &App, args: AddArgs, out: &mut Output) -> Result<()> {
    let parsed = SourceSpec::parse(&args.source)?;
    let options = AddOptions {
        recursive: args.recursive,
        max_files: args.max_files,
        exclude: args.exclude,
        no_ignore: args.no_ignore,
        allow_outside_root: args.allow_outside_root,
        allow_sensitive: args.allow_sensitive,
        max_file_bytes: args.max_file_bytes,
    };
    if let SourceSpec::Glob { pattern } = &parsed {
        source::check_glob(pattern)?;
    }
    // Resolve against the pack and check for a no-op before reading anything.
    let (pack, spec) = {
        let store = app.store_read()?;
        let r = store.read()?;
        let pack = app.find_pack(&r, &args.pack)?;
        let spec = source::resolve(&parsed, Path::new(&pack.root), &app.cwd, &options)?;
        if r.artifact_by_spec(pack.id, &spec)?.is_some() {
            return nothing_changed(app, out);
        }
        (pack, spec)
    };
    let kind = pack.tokenizer;
    tokenize::warm(kind);

    // Read, hash and count without holding the store, so other ctx
    // processes are not kept waiting on this one's I/O and tokenizing.
    let captured = source::capture(&spec, Path::new(&pack.root), &options)?;
    let (texts, skipped) = match captured {
        Capture::One(text) => (vec![text], None),
        Capture::Many { files, skipped } => (files, Some(skipped)),
    };
    for text in texts.iter().filter(|t| t.lossy) {
        let what = text.path.as_deref().unwrap_or("the content");
        output::warn(format!(
            "`{what}` is not valid UTF-8; invalid bytes were replaced with U+FFFD"
        ));
    }
    let hashes = parallel::map(&texts, |t| BlobHash::of(t.text.as_bytes()));
    let cached: Vec<Option<u32>> = {
        let store = app.store_read()?;
        let r = store.read()?;
        hashes
            .iter()
            .map(|h| r.token_count(h, kind))
            .collect::<Result<_, StoreError>>()?
    };
    let indexed: Vec<usize> = (0..texts.len()).collect();
    let tokens = parallel::map(&indexed, |&i| {
        cached[i].unwrap_or_else(|| tokenize::count(kind, &texts[i].text))
    });
    let blobs: Vec<CapturedBlob> = texts
        .iter()
        .zip(&hashes)
        .zip(&tokens)
        .map(|((t, hash), tokens)| CapturedBlob {
            hash: *hash,
            bytes: t.text.len() as u64,
            tokens: *tokens,
        })
        .collect();
    let content = match skipped {
        None => Captured::Blob(blobs[0]),
        Some(skipped) => Captured::Files {
            files: texts
                .iter()
                .zip(&blobs)
                .map(|(t, blob)| CapturedFile {
                    path: t.path.clone().unwrap_or_default(),
                    blob: *blob,
                })
                .collect(),
            skipped,
        },
    };

    let store = app.store()?;
    let mut w = store.write()?;
    for ((text, blob), cached) in texts.iter().zip(&blobs).zip(&cached) {
        w.put_blob(text.text.as_bytes())?;
        if cached.is_none() {
            w.put_token_count(&blob.hash, kind, blob.tokens)?;
        }
    }
    let event = Event::ArtifactAdded {
        pack: pack.id,
        artifact: NewArtifact {
            spec: spec.clone(),
            priority: args.priority,
            options,
            content: content.clone(),
        },
    };
    let record = match w.append(app.event(event)) {
        Ok(record) => record,
        // Another process added the same spec since the check above.
        Err(StoreError::Fold(FoldError::DuplicateSpec { .. })) => return nothing_changed(app, out),
        Err(StoreError::Fold(FoldError::UnknownPack { .. })) => {
            return Err(crate::app::unknown_pack(&args.pack));
        }
        Err(e) => return Err(e.into()),
    };
    w.commit()?;
    drop(store);

    let id = ArtifactId(record.seq.0);
    if app.json {
        let mut value = json!({
            "changed": true,
            "seq": record.seq.0,
            "pack": pack.name.as_str(),
            "id": id.to_string(),
            "spec": spec.to_string(),
            "priority": args.priority,
        });
        if let (serde_json::Value::Object(v), serde_json::Value::Object(c)) =
            (&mut value, json::content(&content))
        {
            v.extend(c);
        }
        return out.json(&value);
    }
    let size = match &content {
        Captured::Blob(b) => format!("{} tokens, {} bytes", b.tokens, b.bytes),
        Captured::Files { files, .. } => format!(
            "{}, {} tokens, {} bytes",
            count(files.len() as u64, "file"),
            content.tokens(),
            content.bytes()
        ),
    };
    output::status(format!(
        "Added `{spec}` to `{}`: {size} (id {}).",
        pack.name,
        id.short()
    ));
    if let Captured::Files { skipped, .. } = &content
        && !skipped.is_empty()
    {
        output::status(format!("Skipped {}:", count(skipped.len() as u64, "file")));
        for s in skipped {
            output::status(format!("  {} ({})", s.path, s.reason.as_str()));
        }
    }
    Ok(())
}

pub fn remove(app: &App, args: RemoveArgs, out: &mut Output) -> Result<()> {
    let store = app.store()?;
    let mut w = store.write()?;
    let pack = app.find_pack(&w, &args.pack)?;
    let artifacts = w.artifacts(pack.id)?;
    let artifact = find_artifact(&artifacts, &args.artifact).map_err(|e| match e {
        Some(candidates) => CliError::new(
            Kind::NotFound,
            format!(
                "`{}` is ambiguous in pack `{}`: it starts {}",
                args.artifact,
                pack.name,
                candidates.join(", ")
            ),
        )
        .hint("type more of the id"),
        None => CliError::new(
            Kind::NotFound,
            format!("pack `{}` has no artifact `{}`", pack.name, args.artifact),
        )
        .hint(format!("`ctx pack show {}` lists its artifacts", pack.name)),
    })?;
    let record = w.append(app.event(Event::ArtifactRemoved {
        pack: pack.id,
        artifact: artifact.id,
        spec: artifact.spec.clone(),
    }))?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({
            "changed": true,
            "seq": record.seq.0,
            "pack": pack.name.as_str(),
            "id": artifact.id.to_string(),
            "spec": artifact.spec.to_string(),
        }));
    }
    output::status(format!(
        "Removed `{}` (id {}) from `{}`.",
        artifact.spec,
        artifact.id.short(),
        pack.name
    ));
    Ok(())
}

/// The artifact named by an exact spec or a unique id prefix; on failure,
/// the ambiguous candidates if there were several.
fn find_artifact<'a>(
    artifacts: &'a [Artifact],
    wanted: &str,
) -> Result<&'a Artifact, Option<Vec<String>>> {
    let canonical = SourceSpec::parse(wanted).ok().map(|s| s.to_string());
    if let Some(a) = artifacts.iter().find(|a| {
        let shown = a.spec.to_string();
        shown == wanted || Some(&shown) == canonical.as_ref()
    }) {
        return Ok(a);
    }
    match match_prefix(wanted, artifacts.iter().map(|a| (a.id.to_string(), a))) {
        PrefixMatch::One(a) => Ok(a),
        PrefixMatch::None => Err(None),
        PrefixMatch::Ambiguous(ids) => Err(Some(ids)),
    }
}

pub fn delete(app: &App, args: DeleteArgs, out: &mut Output) -> Result<()> {
    let store = app.store()?;
    let mut w = store.write()?;
    let pack = app.find_pack(&w, &args.pack)?;
    let record = w.append(app.event(Event::PackDeleted {
        pack: pack.id,
        name: pack.name.clone(),
    }))?;
    w.commit()?;
    drop(store);
    if app.json {
        return out
            .json(&json!({"changed": true, "seq": record.seq.0, "pack": pack.name.as_str()}));
    }
    output::status(format!(
        "Deleted pack `{}` and its {}; `ctx log` keeps its history.",
        pack.name,
        count(pack.artifacts, "artifact")
    ));
    Ok(())
}

pub fn rename(app: &App, args: RenameArgs, out: &mut Output) -> Result<()> {
    let to = PackName::new(&args.new)?;
    let store = app.store()?;
    let mut w = store.write()?;
    let pack = app.find_pack(&w, &args.old)?;
    if pack.name == to {
        return nothing_changed(app, out);
    }
    if w.pack_by_name(&to)?.is_some() {
        return Err(name_taken(&to));
    }
    let record = w.append(app.event(Event::PackRenamed {
        pack: pack.id,
        from: pack.name.clone(),
        to: to.clone(),
    }))?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({"changed": true, "seq": record.seq.0, "from": pack.name.as_str(), "to": to.as_str()}));
    }
    output::status(format!("Renamed pack `{}` to `{to}`.", pack.name));
    Ok(())
}

pub fn set(app: &App, args: SetArgs, out: &mut Output) -> Result<()> {
    let Some(tokens) = args.tokens else {
        return Err(CliError::new(Kind::Usage, "nothing to set").hint("pass `--tokens N`"));
    };
    let store = app.store()?;
    let mut w = store.write()?;
    let pack = app.find_pack(&w, &args.pack)?;
    if pack.budget == tokens {
        return nothing_changed(app, out);
    }
    let record = w.append(app.event(Event::BudgetChanged {
        pack: pack.id,
        from: pack.budget,
        to: tokens,
    }))?;
    w.commit()?;
    drop(store);
    if app.json {
        return out.json(&json!({"changed": true, "seq": record.seq.0, "pack": pack.name.as_str(), "budget": tokens}));
    }
    output::status(format!(
        "Set the budget of `{}` to {tokens} tokens (was {}).",
        pack.name, pack.budget
    ));
    Ok(())
}
