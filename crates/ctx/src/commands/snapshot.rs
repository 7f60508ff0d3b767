//! `ctx snapshot ...`: freeze a render, list and show snapshots, reproduce a
//! payload byte for byte, delete, export and import.

use ctx_engine::render::SplitSummary;
use ctx_engine::{
    Exported, Reproduced, SnapshotCreated, SnapshotDeleted, SnapshotImported, SnapshotList,
    SnapshotShown, Stored, brief, count,
};
use ctx_model::PackName;

use crate::cli::{
    SnapshotCommand, SnapshotCreateArgs, SnapshotExportArgs, SnapshotImportArgs, SnapshotListArgs,
    SnapshotRenderArgs,
};
use crate::error::{CliError, Kind, Result};
use crate::escape::escape_controls;
use crate::invocation::Invocation;
use crate::output::{self, Human, Output, status};
use crate::progress::Bar;
use crate::write;

pub fn run(inv: &Invocation, cmd: SnapshotCommand, out: &mut Output) -> Result<()> {
    match cmd {
        SnapshotCommand::Create(args) => create(inv, args, out),
        SnapshotCommand::List(args) => list(inv, args, out),
        SnapshotCommand::Show(args) => out.emit(&inv.engine.show_snapshot(&args.id)?),
        SnapshotCommand::Render(args) => render(inv, args, out),
        SnapshotCommand::Delete(args) => out.emit(&inv.engine.delete_snapshot(&args.id)?),
        SnapshotCommand::Diff(args) => {
            out.emit(&inv.engine.diff(&args.a, &args.b, args.content)?)
        }
        SnapshotCommand::Export(args) => export(inv, args, out),
        SnapshotCommand::Import(args) => import(inv, args, out),
    }
}

fn create(inv: &Invocation, args: SnapshotCreateArgs, out: &mut Output) -> Result<()> {
    let options = super::render::options(inv, &args.render)?;
    let created = {
        let bar = Bar::start(!out.is_json());
        inv.engine
            .create_snapshot(&args.packs, args.label, &options, args.split, &bar)?
    };
    out.emit(&created)?;
    super::render::strict(
        &args.render,
        &created.what().warnings,
        "the snapshot was stored",
    )
}

impl Human for Stored<SnapshotCreated> {
    fn print(&self, _: &mut Output) -> Result<()> {
        let created = self.what();
        for warning in &created.warnings {
            output::warn(warning);
        }
        match self {
            Stored::New(_) => status(format!(
                "{}{}",
                stored(
                    "Created",
                    &created.id.short(),
                    &created.packs,
                    created.items,
                    created.tokens,
                ),
                created.split.as_ref().map(in_parts).unwrap_or_default()
            )),
            Stored::Labelled(_) => status(format!(
                "Labelled snapshot {} `{}`: it holds this render already.",
                created.id.short(),
                created.label.as_deref().unwrap_or_default()
            )),
            Stored::Exists(_) => status(format!(
                "Nothing changed. Snapshot {} holds this render already.",
                created.id.short()
            )),
        }
        Ok(())
    }
}

/// `Created snapshot 1a2b3c4d of `app`: 3 items, 120 tokens.`
fn stored(verb: &str, id: &str, packs: &[PackName], items: usize, tokens: u64) -> String {
    format!(
        "{verb} snapshot {id} of {}: {}, {}.",
        names(packs),
        count(items as u64, "item"),
        count(tokens, "token"),
    )
}

/// ` It is split into 3 parts of at most 8,000 tokens.`
fn in_parts(split: &SplitSummary) -> String {
    format!(
        " It is split into {} of at most {}.",
        count(split.parts.len() as u64, "part"),
        count(split.max_tokens, "token")
    )
}

fn names(packs: &[PackName]) -> String {
    packs
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(inv: &Invocation, args: SnapshotListArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.list_snapshots(args.pack.as_deref())?)
}

impl Human for SnapshotList {
    fn print(&self, out: &mut Output) -> Result<()> {
        if self.snapshots.is_empty() {
            status("No snapshots yet. Create one with `ctx snapshot create PACK`.");
            return Ok(());
        }
        out.table(
            &[
                ("ID", false),
                ("TIME", false),
                ("PACKS", false),
                ("TOKENS", true),
                ("ITEMS", true),
                ("LABEL", false),
            ],
            &self.snapshots,
            |s| {
                vec![
                    s.id.short(),
                    s.time.map(|t| t.to_string()).unwrap_or_default(),
                    s.packs
                        .iter()
                        .map(PackName::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    s.tokens.to_string(),
                    s.items.to_string(),
                    s.label.clone().unwrap_or_default(),
                ]
            },
        )
    }
}

impl Human for SnapshotShown {
    fn print(&self, out: &mut Output) -> Result<()> {
        // An imported manifest may hold any character: keep each line one line.
        out.line(escape_controls(&format!(
            "snapshot {}: {}, {} of {}, {}, {}",
            self.id,
            names(&self.packs),
            self.tokens,
            count(self.budget, "token"),
            self.format,
            self.tokenizer
        )))?;
        if let Some(label) = &self.label {
            out.line(format!("label: {}", escape_controls(label)))?;
        }
        out.line(format!(
            "payload: {}, BLAKE3 {}",
            count(self.payload_bytes, "byte"),
            self.payload_hash
        ))?;
        // The render hash is what `ctx render` prints: it lets a live render
        // be matched to this snapshot without storing it.
        out.line(format!("render hash: {}", self.render_hash))?;
        if let Some(split) = &self.split {
            out.line(format!(
                "split: {} of at most {} ({}), for `snapshot render --parts`",
                count(split.parts.len() as u64, "part"),
                count(split.max_tokens, "token"),
                split
                    .parts
                    .iter()
                    .map(|p| p.tokens.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?;
        }
        if !self.items.is_empty() {
            out.table(
                &[("TOKENS", true), ("ITEM", false), ("SOURCE", false)],
                &self.items,
                |i| {
                    let item = i.label.path.as_ref().unwrap_or(&i.label.source);
                    vec![
                        i.tokens.to_string(),
                        brief(item).into_owned(),
                        brief(&i.label.source).into_owned(),
                    ]
                },
            )?;
        }
        if !self.excluded.is_empty() {
            out.line(format!(
                "left out {}:",
                count(self.excluded.len() as u64, "item")
            ))?;
            for e in &self.excluded {
                let item = e.label.path.as_ref().unwrap_or(&e.label.source);
                out.line(escape_controls(&format!(
                    "  {} ({})",
                    brief(item),
                    e.reason
                )))?;
            }
        }
        Ok(())
    }
}

/// Writes a snapshot's payload, byte-identical to when it was created, to
/// stdout or `-o FILE`; with `--json`, inside the document.
fn render(inv: &Invocation, args: SnapshotRenderArgs, out: &mut Output) -> Result<()> {
    let reproduced = if args.parts {
        inv.engine.reproduce_parts(&args.id)?
    } else {
        inv.engine.reproduce(&args.id)?
    };
    if args.parts {
        return render_parts(inv, &args, &reproduced, out);
    }
    let file = write::named(args.output.as_deref());
    match file {
        Some(path) => write::to_path(inv, path, write::pieces(reproduced.pieces()), out)?,
        None if out.is_json() => {}
        None => {
            for piece in reproduced.pieces() {
                out.raw(piece)?;
            }
        }
    }
    if out.is_json() {
        return out.json(&Payload {
            reproduced: &reproduced,
            payload: file.is_none().then(|| reproduced.payload()),
        });
    }
    Ok(())
}

/// Writes the parts a snapshot was split into, as `render --split` wrote
/// them, into the folder `-o` names.
fn render_parts(
    inv: &Invocation,
    args: &SnapshotRenderArgs,
    reproduced: &Reproduced,
    out: &mut Output,
) -> Result<()> {
    let Some(split) = reproduced.split() else {
        return Err(CliError::new(
            Kind::Usage,
            format!(
                "snapshot {} was not split into parts",
                reproduced.id.short()
            ),
        )
        .hint(
            "create one that is with `ctx snapshot create PACK --split N`, or leave out `--parts`",
        ));
    };
    let Some(dir) = write::named(args.output.as_deref()) else {
        return Err(
            CliError::new(Kind::Usage, "`--parts` writes files, not stdout")
                .hint("name the folder for the parts with `-o DIR`"),
        );
    };
    let written = super::parts::write(inv, &split, reproduced.format(), dir, out)?;
    if out.is_json() {
        return out.json(&Parts {
            reproduced,
            split: &written,
        });
    }
    status(super::parts::summary(&written));
    Ok(())
}

/// `snapshot render --parts --json`: the snapshot and the parts written.
#[derive(serde::Serialize)]
struct Parts<'a> {
    #[serde(flatten)]
    reproduced: &'a Reproduced,
    split: &'a super::parts::Written,
}

/// `snapshot render --json`: the snapshot, with its payload unless it went
/// to a file.
#[derive(serde::Serialize)]
struct Payload<'a> {
    #[serde(flatten)]
    reproduced: &'a Reproduced,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
}

impl Human for SnapshotDeleted {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Deleted snapshot {}; `ctx undo` restores it until `ctx gc` removes its content.",
            self.id.short()
        ));
        Ok(())
    }
}

fn export(inv: &Invocation, args: SnapshotExportArgs, out: &mut Output) -> Result<()> {
    let file = write::named(Some(&args.file));
    if file.is_none() && out.is_json() {
        return Err(CliError::new(
            Kind::Usage,
            "`--json` and a bundle written to stdout (`-`) cannot share it",
        )
        .hint("name a bundle file, or leave out `--json`"));
    }
    // Streamed: a bundle is as large as its blobs, so it is never held
    // whole. An engine failure mid-stream (purged or damaged content) is
    // kept apart from the write's own errors, to report it as itself.
    let mut failed = None;
    let mut exported = None;
    let content = |w: &mut dyn std::io::Write| match inv.engine.export_to(&args.id, w) {
        Ok(done) => {
            exported = Some(done);
            Ok(())
        }
        Err(ctx_engine::EngineError::WriteBundle { error }) => Err(error),
        Err(e) => {
            failed = Some(e);
            Err(std::io::Error::other("the export failed"))
        }
    };
    let written = match file {
        Some(path) => write::to_path(inv, path, content, out),
        None => out.stream(content),
    };
    if let Some(e) = failed {
        return Err(e.into());
    }
    written?;
    let exported = exported.expect("BUG: a finished export has its outcome");
    out.emit(&Written {
        exported: &exported,
        file,
    })
}

/// A bundle and the file it went to (none for stdout), which only the
/// command knows.
#[derive(serde::Serialize)]
struct Written<'a> {
    #[serde(flatten)]
    exported: &'a Exported,
    #[serde(skip)]
    file: Option<&'a std::path::Path>,
}

impl Human for Written<'_> {
    fn print(&self, _: &mut Output) -> Result<()> {
        let to = match self.file {
            Some(file) => format!("`{}`", file.display()),
            None => "stdout".into(),
        };
        status(format!(
            "Exported snapshot {} to {to} ({}).",
            self.exported.id.short(),
            count(self.exported.bytes as u64, "byte")
        ));
        Ok(())
    }
}

fn import(inv: &Invocation, args: SnapshotImportArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.import(&args.file)?)
}

impl Human for Stored<SnapshotImported> {
    fn print(&self, _: &mut Output) -> Result<()> {
        let imported = self.what();
        match self {
            Stored::Exists(_) => status(format!(
                "Nothing changed. Snapshot {} is here already.",
                imported.id.short()
            )),
            Stored::New(_) | Stored::Labelled(_) => status(stored(
                "Imported",
                &imported.id.short(),
                &imported.packs,
                imported.items,
                imported.tokens,
            )),
        }
        Ok(())
    }
}
