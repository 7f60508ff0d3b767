//! The project file, `ctx.toml`: the pack definitions a team shares
//! through git (name, root, budget, tokenizer, and each source with its
//! priority and options; never content), how it is parsed and written,
//! and `sync`, which brings the store's packs to it.
//!
//! Parsing and writing are pure: the front end finds the file, reads it and
//! writes it. Every error names the file, the line and the key, and a file
//! with any error is refused whole, before anything is written.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use ctx_model::{AddOptions, Artifact, Pack, PackName, SourceSpec, TokenizerKind};
use ctx_store::{Query, Writer};

use crate::pack::{
    OptionsToSet, PackToCreate, Prepared, canonical_root, folder_if_dir, parse_source,
};
use crate::source::{self, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES};
use crate::{AddArtifact, CreatePack, Engine, EngineError, OptionChanges, Result, options_changed};

/// The name of the project file.
pub const FILE_NAME: &str = "ctx.toml";

/// What `ctx save` writes above the packs, so a reader of the file in a
/// repository knows what it is.
const HEADER: &str = "# ctx project file: pack definitions, never content.\n\
# `ctx sync` brings your store's packs to it; `ctx save PACK` writes a pack here.\n";

/// A parsed project file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    /// What its `[defaults]` table sets, over the user's config.
    pub defaults: crate::config::Layer,
    pub packs: Vec<PackDef>,
}

/// One pack as a project file defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackDef {
    pub name: PackName,
    /// The root, relative to the file's folder (`/`-separated), or absolute.
    pub root: String,
    pub budget: u64,
    pub tokenizer: TokenizerKind,
    /// What a render does over the budget.
    pub fit: ctx_model::Fit,
    /// `ctx render` with no pack renders the packs marked so.
    pub default: bool,
    /// In the order they are added, which is render order as `save` writes them.
    pub artifacts: Vec<ArtifactDef>,
}

/// One source of a pack, with its priority and options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactDef {
    /// Relative to the pack root, as `pack show` lists it.
    pub spec: SourceSpec,
    pub priority: i32,
    pub options: AddOptions,
}

/// A project file that cannot be used: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {}{message}", file.display(), key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
pub struct ProjectError {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// The key on that line, when there is one.
    pub key: Option<String>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    defaults: Option<crate::config::RawLayer>,
    #[serde(default)]
    pack: Vec<RawPack>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    name: Spanned<String>,
    root: Option<String>,
    tokens: Option<Spanned<u64>>,
    tokenizer: Option<Spanned<String>>,
    fit: Option<ctx_model::Fit>,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    artifact: Vec<RawArtifact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArtifact {
    spec: Spanned<String>,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    recursive: bool,
    max_files: Option<u32>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    no_ignore: bool,
    #[serde(default)]
    allow_outside_root: bool,
    #[serde(default)]
    allow_sensitive: bool,
    max_file_bytes: Option<u64>,
    mode: Option<ctx_model::Mode>,
}

/// What `save` writes: only what differs from the defaults, beyond the
/// pack's own settings, so the file reads as what was chosen.
#[derive(Serialize)]
struct OutFile<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    defaults: Option<OutDefaults>,
    pack: Vec<OutPack<'a>>,
}

/// The `[defaults]` a file had, written back as `save` found them.
#[derive(Serialize)]
struct OutDefaults {
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokenizer: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sensitive_add: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sensitive_remove: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redact: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wait: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_file_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_artifacts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_store_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_payload_bytes: Option<u64>,
}

#[derive(Serialize)]
struct OutPack<'a> {
    name: &'a str,
    root: &'a str,
    tokens: u64,
    tokenizer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fit: Option<&'static str>,
    #[serde(skip_serializing_if = "is_false")]
    default: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    artifact: Vec<OutArtifact<'a>>,
}

#[derive(Serialize)]
struct OutArtifact<'a> {
    spec: String,
    #[serde(skip_serializing_if = "is_zero")]
    priority: i32,
    #[serde(skip_serializing_if = "is_false")]
    recursive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_files: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    exclude: &'a [String],
    #[serde(skip_serializing_if = "is_false")]
    no_ignore: bool,
    #[serde(skip_serializing_if = "is_false")]
    allow_outside_root: bool,
    #[serde(skip_serializing_if = "is_false")]
    allow_sensitive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_file_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// The error at byte `offset` of `text`, with the key its line sets.
pub(crate) fn error_at(
    text: &str,
    file: &Path,
    offset: usize,
    message: impl Into<String>,
) -> ProjectError {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(key, _)| key.trim().to_owned())
        .filter(|k| !k.is_empty());
    ProjectError {
        file: file.to_owned(),
        line,
        key,
        message: message.into(),
    }
}

impl Project {
    /// Parses the text of the project file `file` (named in errors only).
    pub fn parse(text: &str, file: &Path) -> std::result::Result<Project, ProjectError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            error_at(text, file, offset, e.message().trim_end().to_owned())
        })?;
        let defaults = match raw.defaults {
            Some(layer) => layer.layer(text, file)?,
            None => crate::config::Layer::default(),
        };
        let mut packs = Vec::with_capacity(raw.pack.len());
        let mut lines: HashMap<PackName, usize> = HashMap::new();
        for raw in raw.pack {
            let at = |offset: usize, message: String| error_at(text, file, offset, message);
            let start = raw.name.span().start;
            let name = PackName::new(raw.name.get_ref()).map_err(|e| at(start, e.to_string()))?;
            let here = error_at(text, file, start, "").line;
            if let Some(first) = lines.insert(name.clone(), here) {
                return Err(at(
                    start,
                    format!("pack `{name}` is defined twice (first on line {first})"),
                ));
            }
            let budget = match raw.tokens {
                Some(tokens) if *tokens.get_ref() == 0 => {
                    return Err(at(
                        tokens.span().start,
                        "a budget is at least 1 token".into(),
                    ));
                }
                Some(tokens) => tokens.into_inner(),
                None => crate::DEFAULT_BUDGET,
            };
            let tokenizer = match raw.tokenizer {
                Some(t) => t.get_ref().parse::<TokenizerKind>().map_err(|_| {
                    at(
                        t.span().start,
                        format!(
                            "unknown tokenizer `{}`: expected `o200k` or `cl100k`",
                            t.get_ref()
                        ),
                    )
                })?,
                None => TokenizerKind::default(),
            };
            let mut artifacts: Vec<ArtifactDef> = Vec::with_capacity(raw.artifact.len());
            for a in raw.artifact {
                let start = a.spec.span().start;
                let spec = SourceSpec::parse(a.spec.get_ref())
                    .map_err(|e| at(start, format!("invalid source: {e}")))?;
                if let SourceSpec::Glob { pattern } = &spec {
                    source::check_glob(pattern).map_err(|e| at(start, e.to_string()))?;
                }
                if artifacts.iter().any(|d| d.spec == spec) {
                    return Err(at(
                        start,
                        format!("pack `{name}` has the source `{spec}` twice"),
                    ));
                }
                artifacts.push(ArtifactDef {
                    spec,
                    priority: a.priority,
                    options: AddOptions {
                        recursive: a.recursive,
                        max_files: a.max_files.unwrap_or(DEFAULT_MAX_FILES),
                        exclude: a.exclude,
                        no_ignore: a.no_ignore,
                        allow_outside_root: a.allow_outside_root,
                        allow_sensitive: a.allow_sensitive,
                        max_file_bytes: a.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES),
                        mode: a.mode.unwrap_or_default(),
                    },
                });
            }
            packs.push(PackDef {
                name,
                root: raw.root.unwrap_or_else(|| ".".into()),
                budget,
                tokenizer,
                fit: raw.fit.unwrap_or_default(),
                default: raw.default,
                artifacts,
            });
        }
        Ok(Project { defaults, packs })
    }

    /// The file's text: the same project always gives the same bytes.
    pub fn to_toml(&self) -> String {
        let d = &self.defaults;
        let out = OutFile {
            defaults: (*d != crate::config::Layer::default()).then(|| OutDefaults {
                budget: d.budget,
                tokenizer: d.tokenizer.map(TokenizerKind::as_str),
                format: d.format.map(ctx_model::Format::as_str),
                sensitive_add: d.sensitive_add.clone(),
                sensitive_remove: d.sensitive_remove.clone(),
                redact: d.redact,
                wait: d.wait,
                max_file_bytes: d.max_file_bytes,
                max_files: d.max_files,
                max_artifacts: d.max_artifacts,
                max_store_bytes: d.max_store_bytes,
                max_payload_bytes: d.max_payload_bytes,
            }),
            pack: self
                .packs
                .iter()
                .map(|p| OutPack {
                    name: p.name.as_str(),
                    root: &p.root,
                    tokens: p.budget,
                    tokenizer: p.tokenizer.as_str(),
                    fit: (p.fit != ctx_model::Fit::Drop).then_some(p.fit.as_str()),
                    default: p.default,
                    artifact: p
                        .artifacts
                        .iter()
                        .map(|a| OutArtifact {
                            spec: a.spec.to_string(),
                            priority: a.priority,
                            recursive: a.options.recursive,
                            max_files: (a.options.max_files != DEFAULT_MAX_FILES)
                                .then_some(a.options.max_files),
                            exclude: &a.options.exclude,
                            no_ignore: a.options.no_ignore,
                            allow_outside_root: a.options.allow_outside_root,
                            allow_sensitive: a.options.allow_sensitive,
                            max_file_bytes: (a.options.max_file_bytes != DEFAULT_MAX_FILE_BYTES)
                                .then_some(a.options.max_file_bytes),
                            mode: (a.options.mode != ctx_model::Mode::Full)
                                .then_some(a.options.mode.as_str()),
                        })
                        .collect(),
                })
                .collect(),
        };
        // Plain strings, integers, booleans and arrays of them always serialize.
        let body = toml::to_string(&out).expect("BUG: a project serializes to TOML");
        format!("{HEADER}\n{body}")
    }

    /// Puts `saved` in place of the packs of the same names, keeping their
    /// place in the file and whether they are a default; new ones go last.
    pub fn merge(&mut self, saved: Vec<PackDef>) {
        for mut def in saved {
            match self.packs.iter_mut().find(|p| p.name == def.name) {
                Some(old) => {
                    def.default = old.default;
                    *old = def;
                }
                None => self.packs.push(def),
            }
        }
    }

    /// The packs marked `default = true`, in file order.
    pub fn defaults(&self) -> Vec<String> {
        self.packs
            .iter()
            .filter(|p| p.default)
            .map(|p| p.name.to_string())
            .collect()
    }
}

/// The definition of a stored pack, with its artifacts in render order
/// and its root written relative to `base`, the file's folder.
pub fn definition(pack: &Pack, artifacts: &[Artifact], base: &Path) -> PackDef {
    PackDef {
        name: pack.name.clone(),
        root: relative(base, Path::new(&pack.root)),
        budget: pack.budget,
        tokenizer: pack.tokenizer,
        fit: pack.fit,
        default: false,
        artifacts: artifacts
            .iter()
            .map(|a| ArtifactDef {
                spec: a.spec.clone(),
                priority: a.priority,
                options: a.options.clone(),
            })
            .collect(),
    }
}

/// `target` relative to `base` (both absolute), `/`-separated so the file
/// reads the same on every machine; absolute when they share only the
/// file system's root.
fn relative(base: &Path, target: &Path) -> String {
    let base: Vec<Component> = base.components().collect();
    let target: Vec<Component> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        return target
            .iter()
            .collect::<PathBuf>()
            .to_string_lossy()
            .into_owned();
    }
    let parts: Vec<String> = std::iter::repeat_n("..".to_owned(), base.len() - common)
        .chain(
            target[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// One change `sync` makes (or, with `--dry-run`, would make).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    CreatePack {
        pack: PackName,
        root: String,
        budget: u64,
        tokenizer: TokenizerKind,
        artifacts: Vec<String>,
    },
    SetRoot {
        pack: PackName,
        root: String,
        from: String,
    },
    SetBudget {
        pack: PackName,
        budget: u64,
        from: u64,
    },
    SetFit {
        pack: PackName,
        fit: ctx_model::Fit,
        from: ctx_model::Fit,
    },
    RemoveArtifact {
        pack: PackName,
        spec: String,
    },
    AddArtifact {
        pack: PackName,
        spec: String,
        priority: i32,
    },
    SetPriority {
        pack: PackName,
        spec: String,
        priority: i32,
        from: i32,
    },
    SetOptions {
        pack: PackName,
        spec: String,
        options: Vec<String>,
    },
    DeletePack {
        pack: PackName,
    },
}

impl Step {
    /// The step as a line of human output, in the imperative.
    pub fn describe(&self) -> String {
        match self {
            Step::CreatePack {
                pack, artifacts, ..
            } => format!(
                "create pack `{pack}` with {}",
                crate::count(artifacts.len() as u64, "artifact")
            ),
            Step::SetRoot { pack, root, .. } => format!("set the root of `{pack}` to `{root}`"),
            Step::SetBudget { pack, budget, from } => {
                format!("set the budget of `{pack}` to {budget} (was {from})")
            }
            Step::SetFit { pack, fit, from } => {
                format!("set the fit policy of `{pack}` to {fit} (was {from})")
            }
            Step::RemoveArtifact { pack, spec } => format!("remove `{spec}` from `{pack}`"),
            Step::AddArtifact { pack, spec, .. } => format!("add `{spec}` to `{pack}`"),
            Step::SetPriority {
                pack,
                spec,
                priority,
                from,
            } => format!("set the priority of `{spec}` in `{pack}` to {priority} (was {from})"),
            Step::SetOptions {
                pack,
                spec,
                options,
            } => format!("set `{spec}` in `{pack}`: {}", options.join(", ")),
            Step::DeletePack { pack } => format!("delete pack `{pack}`"),
        }
    }
}

/// What `sync` did, or with `--dry-run` would do.
#[derive(Clone, Debug, Serialize)]
pub struct Synced {
    /// Whether anything was written.
    pub changed: bool,
    pub dry_run: bool,
    pub steps: Vec<Step>,
    /// Stored packs the file does not name, left as they are (without `--prune`).
    pub kept: Vec<PackName>,
}

impl crate::outcome::Commit for Synced {
    fn must_commit(&self) -> bool {
        self.changed
    }
}

/// A pack of the file with its root resolved.
struct Target<'a> {
    def: &'a PackDef,
    root: String,
}

/// Executable work behind the steps, in the order it runs.
enum Work {
    Create(CreatePack, Vec<AddArtifact>),
    /// Sources for a stored pack, as it will be (its root changed, if the
    /// file changes it), which holds the artifacts given.
    Add(Pack, Vec<Artifact>, Vec<AddArtifact>),
    /// An artifact of a pack as it will be, and its options' changes.
    Options(Pack, Artifact, OptionChanges),
    Event(Change),
}

/// A change that reads no source: one event.
enum Change {
    Root(PackName, String),
    Budget(PackName, u64),
    Fit(PackName, ctx_model::Fit),
    Remove(PackName, String),
    Priority(PackName, String, i32),
    Delete(PackName),
}

/// Work with its sources read, ready for the transaction that writes it.
enum Ready {
    Create(PackToCreate, Vec<AddArtifact>),
    Add(Vec<AddArtifact>, Vec<Prepared>),
    Options(Box<OptionsToSet>),
    Event(Change),
}

impl Engine {
    /// The definitions of the packs `names` (every pack when empty), each
    /// with its root relative to `base`, the project file's folder.
    pub fn definitions(&self, names: &[String], base: &Path) -> Result<Vec<PackDef>> {
        let names = if names.is_empty() {
            self.read(|r| Ok(r.packs()?))?
                .into_iter()
                .map(|p| p.name.to_string())
                .collect()
        } else {
            names.to_vec()
        };
        let found = self.read(|r| crate::engine::packs_at(r, &names, None))?;
        Ok(found
            .into_iter()
            .map(|(pack, mut items)| {
                ctx_model::sort_for_render(&mut items);
                definition(&pack, &items, base)
            })
            .collect())
    }

    /// Brings the store's packs to `project`, whose file is in `base`:
    /// creates the packs it names that are missing, and adds, removes and
    /// changes artifacts and settings where they differ, one event per
    /// change; a pack it does not name is deleted only with `prune`. The
    /// whole plan is made (and the file's roots checked), then every source
    /// it adds is read, before one transaction writes all the changes.
    pub fn sync(
        &self,
        project: &Project,
        base: &Path,
        prune: bool,
        dry_run: bool,
    ) -> Result<Synced> {
        let targets = project
            .packs
            .iter()
            .map(|def| {
                Ok(Target {
                    def,
                    root: canonical_root(&base.join(&def.root))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let current = self.read(|r| {
            let mut packs = BTreeMap::new();
            for pack in r.packs()? {
                let artifacts = r.artifacts(pack.id)?;
                packs.insert(pack.name.clone(), (pack, artifacts));
            }
            Ok(packs)
        })?;
        let mut steps = Vec::new();
        let mut work = Vec::new();
        for t in &targets {
            plan_pack(t, current.get(&t.def.name), &mut steps, &mut work)?;
        }
        let named: Vec<&PackName> = targets.iter().map(|t| &t.def.name).collect();
        let mut kept = Vec::new();
        for name in current.keys().filter(|n| !named.contains(n)) {
            if prune {
                steps.push(Step::DeletePack { pack: name.clone() });
                work.push(Work::Event(Change::Delete(name.clone())));
            } else {
                kept.push(name.clone());
            }
        }
        if dry_run || work.is_empty() {
            return Ok(Synced {
                changed: false,
                dry_run,
                steps,
                kept,
            });
        }
        // Every source is read before the one transaction that writes all
        // the changes: a source that fails leaves the store as it was.
        let mut ready = Vec::with_capacity(work.len());
        for w in work {
            ready.extend(self.ready(w)?);
        }
        self.write(|w| {
            for r in ready {
                self.apply(w, r)?;
            }
            Ok(Synced {
                changed: true,
                dry_run,
                steps,
                kept,
            })
        })
    }

    /// Reads the sources `work` needs, without holding the store; `None`
    /// when what it reads changes nothing.
    fn ready(&self, work: Work) -> Result<Option<Ready>> {
        Ok(Some(match work {
            Work::Create(new, adds) => Ready::Create(self.prepare_create(&new, &adds)?, adds),
            Work::Add(pack, present, adds) => {
                let prepared = adds
                    .iter()
                    .map(|add| {
                        let parsed = parse_source(&add.source)?;
                        self.prepare_in(pack.clone(), &present, &parsed, add)
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ready::Add(adds, prepared)
            }
            Work::Options(pack, found, changes) => {
                match self.prepare_options(pack, found, &changes, false)? {
                    Some(ready) => Ready::Options(Box::new(ready)),
                    None => return Ok(None),
                }
            }
            Work::Event(change) => Ready::Event(change),
        }))
    }

    /// Appends the events of `ready` in the transaction `w`.
    fn apply(&self, w: &mut Writer, ready: Ready) -> Result<()> {
        match ready {
            Ready::Create(pack, adds) => {
                self.create_in(w, pack, &adds)?;
            }
            Ready::Add(adds, prepared) => {
                for (add, prepared) in adds.iter().zip(prepared) {
                    if let Prepared::New(staged) = prepared {
                        self.store_capture(w, add, *staged)?;
                    }
                }
            }
            Ready::Options(ready) => {
                self.set_options_in(w, *ready)?;
            }
            Ready::Event(change) => match change {
                Change::Root(pack, root) => {
                    self.set_root_in(w, pack.as_str(), &root)?;
                }
                Change::Budget(pack, budget) => {
                    self.set_budget_in(w, pack.as_str(), budget)?;
                }
                Change::Fit(pack, fit) => {
                    self.set_fit_in(w, pack.as_str(), fit)?;
                }
                Change::Remove(pack, spec) => {
                    self.remove_in(w, pack.as_str(), &spec)?;
                }
                Change::Priority(pack, spec, priority) => {
                    self.set_priority_in(w, pack.as_str(), &spec, priority)?;
                }
                Change::Delete(pack) => {
                    self.delete_pack_in(w, pack.as_str())?;
                }
            },
        }
        Ok(())
    }
}

/// How `def`'s sources (in their stored form) are added, read from its root.
fn adds(def: &PackDef, root: &str, artifacts: &[(&ArtifactDef, SourceSpec)]) -> Vec<AddArtifact> {
    artifacts
        .iter()
        .map(|(a, spec)| AddArtifact {
            pack: def.name.to_string(),
            source: spec.to_string(),
            cwd: PathBuf::from(root),
            priority: a.priority,
            options: a.options.clone(),
            store_redacted: false,
        })
        .collect()
}

/// `spec` as `pack add` under `root` stores it, so `./README.md` and
/// `src` compare equal to the `README.md` and `src/` a pack holds. A path
/// that does not resolve now (it is missing, or leaves the root) is
/// compared as written; adding it says why it cannot be.
fn stored_form(spec: &SourceSpec, options: &AddOptions, root: &Path) -> SourceSpec {
    match source::resolve(spec, root, root, options) {
        Ok(resolved) => folder_if_dir(resolved, &spec.to_string(), root),
        Err(_) => spec.clone(),
    }
}

/// The steps that bring the stored pack `stored` (if any) to `t`.
fn plan_pack(
    t: &Target,
    stored: Option<&(Pack, Vec<Artifact>)>,
    steps: &mut Vec<Step>,
    work: &mut Vec<Work>,
) -> Result<()> {
    let def = t.def;
    let root = Path::new(&t.root);
    let wanted: Vec<(&ArtifactDef, SourceSpec)> = def
        .artifacts
        .iter()
        .map(|d| (d, stored_form(&d.spec, &d.options, root)))
        .collect();
    let Some((pack, artifacts)) = stored else {
        steps.push(Step::CreatePack {
            pack: def.name.clone(),
            root: t.root.clone(),
            budget: def.budget,
            tokenizer: def.tokenizer,
            artifacts: wanted.iter().map(|(_, spec)| spec.to_string()).collect(),
        });
        work.push(Work::Create(
            CreatePack {
                name: def.name.to_string(),
                root: PathBuf::from(&t.root),
                budget: def.budget,
                tokenizer: def.tokenizer,
            },
            adds(def, &t.root, &wanted),
        ));
        if def.fit != ctx_model::Fit::Drop {
            work.push(Work::Event(Change::Fit(def.name.clone(), def.fit)));
        }
        return Ok(());
    };
    if pack.tokenizer != def.tokenizer {
        return Err(EngineError::TokenizerDiffers {
            pack: def.name.clone(),
            stored: pack.tokenizer,
            wanted: def.tokenizer,
        });
    }
    let name = &def.name;
    // Sources are read under the pack as it will be.
    let will_be = Pack {
        root: t.root.clone(),
        ..pack.clone()
    };
    if pack.root != t.root {
        steps.push(Step::SetRoot {
            pack: name.clone(),
            root: t.root.clone(),
            from: pack.root.clone(),
        });
        work.push(Work::Event(Change::Root(name.clone(), t.root.clone())));
    }
    if pack.budget != def.budget {
        steps.push(Step::SetBudget {
            pack: name.clone(),
            budget: def.budget,
            from: pack.budget,
        });
        work.push(Work::Event(Change::Budget(name.clone(), def.budget)));
    }
    if pack.fit != def.fit {
        steps.push(Step::SetFit {
            pack: name.clone(),
            fit: def.fit,
            from: pack.fit,
        });
        work.push(Work::Event(Change::Fit(name.clone(), def.fit)));
    }
    for a in artifacts {
        if !wanted.iter().any(|(_, spec)| *spec == a.spec) {
            let spec = a.spec.to_string();
            steps.push(Step::RemoveArtifact {
                pack: name.clone(),
                spec: spec.clone(),
            });
            work.push(Work::Event(Change::Remove(name.clone(), spec)));
        }
    }
    // Adds run before the changes to the artifacts already there, and the
    // steps are listed in the order they run.
    let mut new = Vec::new();
    let mut changes = Vec::new();
    let mut changed = Vec::new();
    for (d, wanted_spec) in &wanted {
        let Some(a) = artifacts.iter().find(|a| a.spec == *wanted_spec) else {
            steps.push(Step::AddArtifact {
                pack: name.clone(),
                spec: wanted_spec.to_string(),
                priority: d.priority,
            });
            new.push((*d, wanted_spec.clone()));
            continue;
        };
        let spec = a.spec.to_string();
        if a.priority != d.priority {
            changed.push(Step::SetPriority {
                pack: name.clone(),
                spec: spec.clone(),
                priority: d.priority,
                from: a.priority,
            });
            changes.push(Work::Event(Change::Priority(
                name.clone(),
                spec.clone(),
                d.priority,
            )));
        }
        // The permissions to read outside the root or sensitive files are
        // given at add; what `pack set` can change is compared.
        let wanted = AddOptions {
            allow_outside_root: a.options.allow_outside_root,
            allow_sensitive: a.options.allow_sensitive,
            ..d.options.clone()
        };
        if a.options != wanted {
            changed.push(Step::SetOptions {
                pack: name.clone(),
                spec,
                options: options_changed(&a.options, &wanted),
            });
            changes.push(Work::Options(
                will_be.clone(),
                a.clone(),
                OptionChanges {
                    exclude: Some(wanted.exclude.clone()),
                    max_files: Some(wanted.max_files),
                    recursive: Some(wanted.recursive),
                    no_ignore: Some(wanted.no_ignore),
                    max_file_bytes: Some(wanted.max_file_bytes),
                    mode: Some(wanted.mode),
                },
            ));
        }
    }
    if !new.is_empty() {
        work.push(Work::Add(
            will_be,
            artifacts.clone(),
            adds(def, &t.root, &new),
        ));
    }
    work.extend(changes);
    steps.extend(changed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Project, ProjectError> {
        Project::parse(text, Path::new("ctx.toml"))
    }

    #[test]
    fn round_trips_through_text() {
        let text = "[defaults]\nbudget = 9000\nformat = \"xml\"\n\n[[pack]]\nname = \"docs\"\nroot = \"..\"\ntokens = 8000\ntokenizer = \"cl100k\"\ndefault = true\n\n[[pack.artifact]]\nspec = \"src/\"\npriority = 5\nexclude = [\"*.lock\"]\nmax_files = 10\n\n[[pack.artifact]]\nspec = \"text:hello world\"\n";
        let project = parse(text).expect("parses");
        assert_eq!(project.packs[0].artifacts.len(), 2);
        assert_eq!(parse(&project.to_toml()).expect("parses again"), project);
    }

    #[test]
    fn names_the_line_and_key_of_an_unknown_key() {
        let err = parse("[[pack]]\nname = \"a\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (3, Some("colour")));
    }

    #[test]
    fn refuses_a_pack_defined_twice() {
        let err = parse("[[pack]]\nname = \"a\"\n[[pack]]\nname = \"a\"\n").unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (4, Some("name")));
        assert!(err.message.contains("twice"), "{err}");
    }

    #[test]
    fn refuses_a_bad_spec() {
        let err = parse("[[pack]]\nname = \"a\"\n[[pack.artifact]]\nspec = \"a.rs#L9-L2\"\n")
            .unwrap_err();
        assert_eq!((err.line, err.key.as_deref()), (4, Some("spec")));
    }

    #[test]
    fn writes_roots_relative_to_the_file() {
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), ".");
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b/c")), "c");
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/c")), "../c");
        assert_eq!(relative(Path::new("/a"), Path::new("/x/y")), "/x/y");
    }
}
