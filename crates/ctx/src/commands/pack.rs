//! `ctx pack ...`: create, inspect and change packs.

use ctx_engine::{
    AddArtifact, AddedAll, ArtifactAdded, ArtifactRemoved, BudgetSet, CreatePack, FitSet,
    OptionsSet, PackCreated, PackDeleted, PackList, PackRenamed, PackShown, PrioritySet,
    RefreshedAll, RootSet, Stored, TokenItem, TokenListing, brief, count, options_changed,
};
use ctx_model::{AddOptions, Artifact, Captured};

use crate::cli::{
    AddArgs, AddOptionArgs, CreateArgs, DeleteArgs, RefreshArgs, RemoveArgs, RenameArgs, SetArgs,
    ShowArgs,
};
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::{Human, Output, percent, secrets, status, warn};

/// How many of the largest items `show --tokens` ranks.
const TOP: usize = 10;

pub fn create(inv: &Invocation, args: CreateArgs, out: &mut Output) -> Result<()> {
    // Inside a git repository, paths are most often meant from its top.
    let root = match &args.root {
        Some(root) => inv.cwd.join(root),
        None => ctx_engine::source::repository_top(&inv.cwd).unwrap_or_else(|| inv.cwd.clone()),
    };
    let adds = artifacts(inv, &args.name, args.sources, args.options);
    let created = inv.engine.create_pack_with(
        &CreatePack {
            name: args.name,
            root,
            budget: args.tokens.unwrap_or(inv.config.budget.value),
            tokenizer: args.tokenizer.unwrap_or(inv.config.tokenizer.value),
        },
        &adds,
    )?;
    created.what.added.iter().for_each(warn_all);
    out.emit(&created)
}

/// What `pack add` and `pack create` capture: each source with the same
/// options, typed in the current folder.
fn artifacts(
    inv: &Invocation,
    pack: &str,
    sources: Vec<String>,
    args: AddOptionArgs,
) -> Vec<AddArtifact> {
    let defaults = inv.config.add_options();
    let options = AddOptions {
        recursive: args.recursive,
        max_files: args.max_files.unwrap_or(defaults.max_files),
        exclude: args.exclude,
        no_ignore: args.no_ignore,
        allow_outside_root: args.allow_outside_root,
        allow_sensitive: args.allow_sensitive,
        max_file_bytes: args.max_file_bytes.unwrap_or(defaults.max_file_bytes),
        mode: args.mode,
    };
    sources
        .into_iter()
        .map(|source| AddArtifact {
            pack: pack.to_owned(),
            source,
            cwd: inv.cwd.clone(),
            priority: args.priority,
            options: options.clone(),
            store_redacted: args.store_redacted,
        })
        .collect()
}

/// Warnings go to stderr with `--json` too: a script sees them where it
/// sees every other problem, and the document still carries them.
fn warn_all(added: &Stored<ArtifactAdded>) {
    for warning in &added.what().warnings {
        warn(warning);
    }
}

impl Human for PackCreated {
    fn print(&self, out: &mut Output) -> Result<()> {
        status(format!(
            "Created pack `{}` with a budget of {} ({}); paths are relative to `{}`.",
            self.pack.name,
            count(self.pack.budget, "token"),
            self.pack.tokenizer,
            self.pack.root
        ));
        self.added.iter().try_for_each(|added| added.print(out))
    }
}

pub fn list(inv: &Invocation, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.list_packs()?)
}

impl Human for PackList {
    fn print(&self, out: &mut Output) -> Result<()> {
        if self.packs.is_empty() {
            status("No packs yet. Create one with `ctx pack create NAME`.");
            return Ok(());
        }
        out.table(
            &[
                ("NAME", false),
                ("ARTIFACTS", true),
                ("TOKENS", true),
                ("BUDGET", true),
            ],
            &self.packs,
            |p| {
                vec![
                    p.name.to_string(),
                    p.artifacts.to_string(),
                    p.tokens.to_string(),
                    p.budget.to_string(),
                ]
            },
        )
    }
}

pub fn show(inv: &Invocation, args: ShowArgs, out: &mut Output) -> Result<()> {
    let at = inv.at(args.at.as_deref())?;
    if args.tokens {
        return out.emit(&inv.engine.pack_tokens(&args.pack, at, TOP)?);
    }
    out.emit(&inv.engine.show_pack(&args.pack, at)?)
}

impl Human for PackShown {
    fn print(&self, out: &mut Output) -> Result<()> {
        let pack = &self.pack;
        // A file added twice counts once, as a render includes it once.
        let share = percent(self.unique_tokens, pack.budget);
        let fit = match pack.fit {
            ctx_model::Fit::Drop => "",
            ctx_model::Fit::Degrade => ", fit degrade",
        };
        out.line(format!(
            "pack {}: {} of {} ({share:.1}%), {}, {}{fit}, root {}",
            pack.name,
            self.unique_tokens,
            count(pack.budget, "token"),
            count(pack.artifacts, "artifact"),
            pack.tokenizer,
            pack.root
        ))?;
        if self.duplicates > 0 {
            status(format!(
                "Each file counts once: {} of a file (or lines) an item above holds already {} left out of a render as duplicate.",
                count(self.duplicates as u64, "occurrence"),
                if self.duplicates == 1 { "is" } else { "are" }
            ));
        }
        if self.items.is_empty() {
            status(format!(
                "The pack is empty. Add sources with `ctx pack add {} SOURCE`.",
                pack.name
            ));
            return Ok(());
        }
        // The content total leaves out headings and fences; what a render
        // costs is what decides whether it fits.
        let share = percent(self.framed_tokens, pack.budget);
        let over = if self.over_budget {
            ": over budget, so a render leaves items out"
        } else {
            ""
        };
        out.line(format!(
            "framed: about {} in a render ({share:.1}% of the budget){over}",
            count(self.framed_tokens, "token")
        ))?;
        out.table(
            &[
                ("ID", false),
                ("PRIORITY", true),
                ("TOKENS", true),
                ("BYTES", true),
                ("SOURCE", false),
            ],
            &self.items,
            |a| {
                vec![
                    a.id.short(),
                    a.priority.to_string(),
                    a.content.tokens().to_string(),
                    a.content.bytes().to_string(),
                    describe(a),
                ]
            },
        )
    }
}

impl Human for TokenListing {
    fn print(&self, out: &mut Output) -> Result<()> {
        let columns = [("ID", false), ("TOKENS", true), ("ITEM", false)];
        let row = |i: &TokenItem| {
            vec![
                i.artifact.short(),
                i.tokens.to_string(),
                brief(&i.item).into_owned(),
            ]
        };
        out.table(&columns, &self.items, row)?;
        out.line("")?;
        out.line(format!("Largest {}:", count(self.top.len() as u64, "item")))?;
        out.table(&columns, &self.top, row)
    }
}

/// The spec, with a collection's file and skip counts and the options it
/// was given beyond the defaults.
fn describe(a: &Artifact) -> String {
    let options = options_changed(&ctx_engine::source::default_options(), &a.options);
    let options = if options.is_empty() {
        String::new()
    } else {
        format!("; {}", options.join(", "))
    };
    match &a.content {
        Captured::Files { files, skipped } if skipped.is_empty() => {
            format!(
                "{} ({}{options})",
                a.spec,
                count(files.len() as u64, "file")
            )
        }
        Captured::Files { files, skipped } => format!(
            "{} ({}, {} skipped{options})",
            a.spec,
            count(files.len() as u64, "file"),
            skipped.len()
        ),
        // The whole note is in `--json`; a table keeps one short line.
        Captured::Blob(_) if options.is_empty() => brief(&a.spec.to_string()).into_owned(),
        Captured::Blob(_) => format!("{} ({})", brief(&a.spec.to_string()), &options[2..]),
    }
}

pub fn add(inv: &Invocation, args: AddArgs, out: &mut Output) -> Result<()> {
    let adds = artifacts(inv, &args.pack, args.sources, args.options);
    if let [one] = adds.as_slice() {
        let added = inv.engine.add(one)?;
        warn_all(&added);
        return out.emit(&added);
    }
    let added = inv.engine.add_all(&adds)?;
    added.added.iter().for_each(warn_all);
    out.emit(&added)
}

impl Human for AddedAll {
    fn print(&self, out: &mut Output) -> Result<()> {
        self.added.iter().try_for_each(|added| added.print(out))
    }
}

impl Human for Stored<ArtifactAdded> {
    fn print(&self, out: &mut Output) -> Result<()> {
        match self {
            Stored::New(done) | Stored::Labelled(done) => done.what.print(out),
            Stored::Exists(a) => {
                status(format!(
                    "Nothing changed. `{}` is in `{}` already (id {}).",
                    a.spec,
                    a.pack,
                    a.id.short()
                ));
                Ok(())
            }
        }
    }
}

impl Human for ArtifactAdded {
    fn print(&self, _: &mut Output) -> Result<()> {
        let size = match &self.content {
            Captured::Blob(b) => {
                format!("{}, {}", count(b.tokens, "token"), count(b.bytes, "byte"))
            }
            Captured::Files { files, .. } => format!(
                "{}, {}, {}",
                count(files.len() as u64, "file"),
                count(self.content.tokens(), "token"),
                count(self.content.bytes(), "byte")
            ),
        };
        status(format!(
            "Added `{}` to `{}`: {size} (id {}).",
            self.spec,
            self.pack,
            self.id.short()
        ));
        if !self.secrets.is_empty() {
            let (total, kinds) = secrets(&self.secrets);
            if self.stored_redacted {
                status(format!(
                    "Found {total} in what was captured ({kinds}): they were redacted before the content was stored."
                ));
            } else {
                status(format!(
                    "Found {total} in what was captured ({kinds}): they are stored as read and redacted when rendered; `ctx purge {} {}` removes the content from the store.",
                    self.pack,
                    self.id.short()
                ));
            }
        }
        if let Captured::Files { skipped, .. } = &self.content
            && !skipped.is_empty()
        {
            status(format!("Skipped {}:", count(skipped.len() as u64, "file")));
            for s in skipped {
                status(format!("  {} ({})", s.path, s.reason));
            }
        }
        Ok(())
    }
}

pub fn remove(inv: &Invocation, args: RemoveArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.remove(&args.pack, &args.artifact)?)
}

impl Human for ArtifactRemoved {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Removed `{}` (id {}) from `{}`.",
            self.spec,
            self.id.short(),
            self.pack
        ));
        Ok(())
    }
}

pub fn delete(inv: &Invocation, args: DeleteArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.delete_pack(&args.pack)?)
}

impl Human for PackDeleted {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Deleted pack `{}` and its {}; `ctx log` keeps its history.",
            self.pack,
            count(self.artifacts, "artifact")
        ));
        Ok(())
    }
}

pub fn rename(inv: &Invocation, args: RenameArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.rename_pack(&args.old, &args.new)?)
}

impl Human for PackRenamed {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!("Renamed pack `{}` to `{}`.", self.from, self.to));
        Ok(())
    }
}

pub fn set(inv: &Invocation, args: SetArgs, out: &mut Output) -> Result<()> {
    // Clap keeps the pack's settings apart from an artifact's; one setting
    // is one event, and an artifact's options change together, in one.
    let changes = args.option_changes();
    let options = changes.is_any();
    if let Some(fit) = args.fit {
        return out.emit(&inv.engine.set_fit(&args.pack, fit)?);
    }
    match (args.artifact, args.priority, args.tokens, args.root) {
        (Some(_), Some(_), None, None) if options => {
            Err(CliError::new(Kind::Usage, "one setting at a time")
                .hint("set the priority and the options in two commands; each is its own change"))
        }
        (Some(artifact), Some(priority), None, None) => {
            out.emit(&inv.engine.set_priority(&args.pack, &artifact, priority)?)
        }
        (Some(artifact), None, None, None) if options => {
            let set =
                inv.engine
                    .set_options(&args.pack, &artifact, &changes, args.store_redacted)?;
            if let ctx_engine::Outcome::Changed(done) = &set {
                done.what.warnings.iter().for_each(warn);
            }
            out.emit(&set)
        }
        (Some(_), None, None, None) => Err(CliError::new(Kind::Usage, "nothing to set")
            .hint("pass `--priority N` or options such as `--exclude GLOB` or `--max-files N`")),
        (None, None, Some(tokens), None) => out.emit(&inv.engine.set_budget(&args.pack, tokens)?),
        (None, None, None, Some(root)) => {
            out.emit(&inv.engine.set_root(&args.pack, &inv.cwd.join(root))?)
        }
        (None, None, None, None) => Err(CliError::new(Kind::Usage, "nothing to set").hint(
            "pass `--tokens N`, `--root DIR`, or an artifact and `--priority N` or its options",
        )),
        _ => Err(CliError::new(Kind::Usage, "one setting at a time")
            .hint("pass one of `--tokens N` and `--root DIR`; each is its own change")),
    }
}

impl Human for OptionsSet {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Set the options of `{}` (id {}) in `{}`: {}. It holds {} now (was {}).",
            brief(&self.spec.to_string()),
            self.id.short(),
            self.pack,
            options_changed(&self.from, &self.options).join(", "),
            held(&self.content),
            count(self.tokens_before, "token"),
        ));
        Ok(())
    }
}

/// `12 files, 3,400 tokens` or `120 tokens`: what captured content holds.
fn held(content: &Captured) -> String {
    match content {
        Captured::Files { files, .. } => format!(
            "{}, {}",
            count(files.len() as u64, "file"),
            count(content.tokens(), "token")
        ),
        Captured::Blob(_) => count(content.tokens(), "token"),
    }
}

impl Human for PrioritySet {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Set the priority of `{}` (id {}) in `{}` to {} (was {}).",
            brief(&self.spec.to_string()),
            self.id.short(),
            self.pack,
            self.priority,
            self.from
        ));
        Ok(())
    }
}

impl Human for RootSet {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Moved the root of `{}` to `{}` (was `{}`).",
            self.pack, self.root, self.from
        ));
        Ok(())
    }
}

pub fn refresh(inv: &Invocation, args: RefreshArgs, out: &mut Output) -> Result<()> {
    let refreshed = inv
        .engine
        .refresh(&args.pack, &args.artifacts, args.store_redacted)?;
    // As with `pack add`: warnings on stderr, and in the document too.
    refreshed.warnings.iter().for_each(warn);
    out.emit(&refreshed)
}

impl Human for RefreshedAll {
    fn print(&self, _: &mut Output) -> Result<()> {
        if self.refreshed.is_empty() {
            status(format!(
                "Nothing changed. {} of `{}` read as captured.",
                count(self.checked as u64, "artifact"),
                self.pack
            ));
            return Ok(());
        }
        for done in &self.refreshed {
            let a = &done.what;
            status(format!(
                "Refreshed `{}` in `{}`: {} -> {} (id {}).",
                brief(&a.spec.to_string()),
                self.pack,
                a.tokens_before,
                count(a.content.tokens(), "token"),
                a.id.short()
            ));
        }
        Ok(())
    }
}

impl Human for FitSet {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Set the fit policy of `{}` to {} (was {}).",
            self.pack, self.fit, self.from
        ));
        Ok(())
    }
}

impl Human for BudgetSet {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Set the budget of `{}` to {} (was {}).",
            self.pack,
            count(self.budget, "token"),
            self.from
        ));
        Ok(())
    }
}
