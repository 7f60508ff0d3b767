//! `ctx init`, `ctx save` and `ctx sync`: the project file `ctx.toml`,
//! found here by searching up from the current folder, parsed and planned
//! by the engine.

use std::path::{Path, PathBuf};

use serde::Serialize;

use ctx_engine::project::{FILE_NAME, Project, Synced};

use crate::cli::{InitArgs, SaveArgs, SyncArgs};
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};
use crate::write;

/// What `ctx init` writes with no pack named: every line a comment, so
/// the file is valid and defines nothing until it is edited.
const EXAMPLE: &str = r#"# ctx project file: pack definitions, never content.
# Commit it; teammates run `ctx sync` to get the same packs, and
# `ctx save PACK` writes a pack of your store here. An example:
#
# [[pack]]
# name = "docs"
# root = "."            # the folder paths are relative to, from this file
# tokens = 32000
# tokenizer = "o200k"   # or "cl100k"
# default = true        # `ctx render` with no pack renders it
#
# [[pack.artifact]]
# spec = "README.md"
# priority = 10         # higher renders first and is dropped last
#
# [[pack.artifact]]
# spec = "docs/"        # a folder's text files, gitignore-aware
# exclude = ["*.svg"]
"#;

/// The nearest project file: in `dir` or the closest folder above it.
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads and parses the project file at `path`.
pub fn load(path: &Path) -> Result<Project> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(
            Kind::Error,
            format!("cannot read `{}`: {e}", path.display()),
        )
    })?;
    Ok(Project::parse(&text, path)?)
}

/// The folder a project file is in, which its roots are relative to.
fn folder(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// The nearest project file, or the error that says there is none.
fn nearest(inv: &Invocation) -> Result<PathBuf> {
    find(&inv.cwd).ok_or_else(|| {
        CliError::new(
            Kind::NotFound,
            format!("no `{FILE_NAME}` in this folder or any folder above it"),
        )
        .hint("`ctx init` writes one here, and `ctx save PACK` writes a pack into it")
    })
}

/// What `init` and `save` wrote.
#[derive(Debug, Serialize)]
pub struct Saved {
    /// The project file, absolute.
    pub file: String,
    /// The packs written, in file order.
    pub packs: Vec<String>,
}

impl Human for Saved {
    fn print(&self, _out: &mut Output) -> Result<()> {
        if self.packs.is_empty() {
            status(format!(
                "Wrote `{}` with an example pack, commented out.",
                self.file
            ));
        } else {
            let names: Vec<String> = self.packs.iter().map(|p| format!("`{p}`")).collect();
            status(format!("Wrote {} to `{}`.", names.join(", "), self.file));
        }
        Ok(())
    }
}

fn write_file(inv: &Invocation, path: &Path, text: &str, out: &mut Output) -> Result<()> {
    write::to_path(inv, path, |w| w.write_all(text.as_bytes()), out)
}

pub fn init(inv: &Invocation, args: InitArgs, out: &mut Output) -> Result<()> {
    let path = inv.cwd.join(FILE_NAME);
    if path.exists() {
        return Err(CliError::new(
            Kind::Conflict,
            format!("`{}` exists already", path.display()),
        )
        .hint("`ctx save PACK` writes a pack into it"));
    }
    let text = if args.packs.is_empty() {
        EXAMPLE.to_owned()
    } else {
        let packs = inv.engine.definitions(&args.packs, &inv.cwd)?;
        Project {
            packs,
            ..Project::default()
        }
        .to_toml()
    };
    write_file(inv, &path, &text, out)?;
    out.emit(&Saved {
        file: path.display().to_string(),
        packs: args.packs,
    })
}

pub fn save(inv: &Invocation, args: SaveArgs, out: &mut Output) -> Result<()> {
    let path = find(&inv.cwd).unwrap_or_else(|| inv.cwd.join(FILE_NAME));
    let mut project = if path.is_file() {
        load(&path)?
    } else {
        Project::default()
    };
    let saved = inv.engine.definitions(&args.packs, folder(&path))?;
    if saved.is_empty() {
        return Err(CliError::new(Kind::NotFound, "there are no packs to save")
            .hint("create one with `ctx pack create NAME [SOURCE...]`"));
    }
    let packs = saved.iter().map(|p| p.name.to_string()).collect();
    project.merge(saved);
    write_file(inv, &path, &project.to_toml(), out)?;
    out.emit(&Saved {
        file: path.display().to_string(),
        packs,
    })
}

/// What `sync` did, with the file it read.
#[derive(Debug, Serialize)]
pub struct SyncedFile {
    /// The project file, absolute.
    pub file: String,
    #[serde(flatten)]
    pub synced: Synced,
}

pub fn sync(inv: &Invocation, args: SyncArgs, out: &mut Output) -> Result<()> {
    let path = nearest(inv)?;
    let project = load(&path)?;
    let synced = inv
        .engine
        .sync(&project, folder(&path), args.prune, args.dry_run)?;
    out.emit(&SyncedFile {
        file: path.display().to_string(),
        synced,
    })
}

impl Human for SyncedFile {
    fn print(&self, out: &mut Output) -> Result<()> {
        let synced = &self.synced;
        if synced.steps.is_empty() {
            status("Nothing changed.");
        }
        let lead = if synced.dry_run { "would " } else { "" };
        for step in &synced.steps {
            out.line(format!("{lead}{}", step.describe()))?;
        }
        for pack in &synced.kept {
            status(format!(
                "Pack `{pack}` is not in `{}`; `ctx sync --prune` deletes it.",
                self.file
            ));
        }
        if synced.dry_run && !synced.steps.is_empty() {
            status("Dry run: nothing was written.");
        }
        Ok(())
    }
}

/// The packs `ctx render` renders when none is named: those the nearest
/// project file marks `default = true`.
pub fn default_packs(inv: &Invocation) -> Result<Vec<String>> {
    let none = |why: String, hint: String| CliError::new(Kind::Usage, why).hint(hint);
    let Some(path) = find(&inv.cwd) else {
        return Err(none(
            format!("no pack named, and no `{FILE_NAME}` here or above to name default packs"),
            "name the packs (`ctx render PACK`), or mark packs `default = true` in a `ctx.toml` (`ctx init`)".into(),
        ));
    };
    let defaults = load(&path)?.defaults();
    if defaults.is_empty() {
        return Err(none(
            format!(
                "no pack named, and `{}` marks no pack `default = true`",
                path.display()
            ),
            "name the packs (`ctx render PACK`), or add `default = true` to a pack in the file"
                .into(),
        ));
    }
    Ok(defaults)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example `ctx init` writes is a valid file once uncommented, so
    /// a user who follows it gets a pack, not an error.
    #[test]
    fn the_example_parses_once_uncommented() {
        let text: String = EXAMPLE
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.starts_with('[') || l.contains(" = "))
            .map(|l| format!("{l}\n"))
            .collect();
        let project = Project::parse(&text, Path::new("ctx.toml")).expect("the example parses");
        assert_eq!(project.packs.len(), 1);
        assert_eq!(project.packs[0].artifacts.len(), 2);
        assert_eq!(project.defaults(), ["docs"]);
    }
}
