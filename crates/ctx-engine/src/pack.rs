//! Pack operations: create, list, show, add, remove, delete, rename, set.
//! Every change is one event appended in one write transaction; a change
//! that would change nothing writes nothing.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use ctx_model::coverage::Lines;
use ctx_model::{
    AddOptions, Artifact, ArtifactId, BlobHash, Captured, CapturedBlob, CapturedFile, Configured,
    Coverage, Event, EventSeq, FoldError, NewArtifact, Pack, PackId, PackName, SkippedFile,
    SourceSpec, TokenizerKind, match_prefix, sort_for_render,
};
use ctx_redact::SecretKind;
use ctx_store::{BodyStamp, FileStamp, Query, StoreError, Writer};

use crate::engine::{by_prefix, find_pack, packs_at};
use crate::render::{Label, primed};
use crate::source::{self, Text};
use crate::view::{ContentView, display};
use crate::{
    Done, Engine, EngineError, NotFound, Outcome, Result, Stored, Warning, file_cache, parallel,
    tokenize,
};

/// A pack to create.
#[derive(Clone, Debug)]
pub struct CreatePack {
    pub name: String,
    /// The folder paths are relative to; it must exist.
    pub root: PathBuf,
    pub budget: u64,
    pub tokenizer: TokenizerKind,
}

/// The pack `pack create` made.
#[derive(Clone, Debug, Serialize)]
pub struct PackCreated {
    pub pack: NewPack,
    /// The sources added with it, in order, each its own event after the
    /// pack's (absent when it was created empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<Stored<ArtifactAdded>>,
}

/// A new pack's settings.
#[derive(Clone, Debug, Serialize)]
pub struct NewPack {
    pub id: PackId,
    pub name: PackName,
    pub budget: u64,
    pub tokenizer: TokenizerKind,
    /// The folder its paths are relative to, canonical.
    pub root: String,
}

/// Every live pack.
#[derive(Clone, Debug, Serialize)]
pub struct PackList {
    pub packs: Vec<Pack>,
}

/// A pack with its artifacts in render order.
///
/// Its JSON is the pack's fields with the artifacts under `artifacts` (the
/// pack row's count is `artifact_count`), and under `items` too, the key
/// they had before (kept for one release).
#[derive(Clone, Debug)]
pub struct PackShown {
    pub pack: Pack,
    pub items: Vec<Artifact>,
    /// The captured tokens with each file (or its lines) counted once, as
    /// a render includes it.
    pub unique_tokens: u64,
    /// Occurrences of a file (or lines) another item holds already.
    pub duplicates: usize,
    /// About what a markdown render of the whole pack counts, frame
    /// included: the captured counts (each file once) plus every heading
    /// and fence counted exactly, so no content is read. The content total
    /// (`tokens`) leaves out every heading and fence.
    pub framed_tokens: u64,
    /// Whether that render is over the pack's budget, so a render of the
    /// pack within its budget leaves items out.
    pub over_budget: bool,
}

impl Serialize for PackShown {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // Taken apart whole, so a field added to `Pack` fails to compile
        // here rather than go missing from `pack show --json`.
        let Pack {
            id,
            name,
            root,
            budget,
            tokenizer,
            artifacts,
            bytes,
            tokens,
            fit,
        } = &self.pack;
        PackShownJson {
            id,
            name,
            root,
            budget: *budget,
            tokenizer: *tokenizer,
            fit: *fit,
            artifact_count: *artifacts,
            bytes: *bytes,
            tokens: *tokens,
            artifacts: &self.items,
            items: &self.items,
            unique_tokens: self.unique_tokens,
            duplicates: self.duplicates,
            framed_tokens: self.framed_tokens,
            over_budget: self.over_budget,
        }
        .serialize(s)
    }
}

/// The JSON of a [`PackShown`].
#[derive(Serialize)]
struct PackShownJson<'a> {
    id: &'a PackId,
    name: &'a PackName,
    root: &'a str,
    budget: u64,
    tokenizer: TokenizerKind,
    fit: ctx_model::Fit,
    artifact_count: u64,
    bytes: u64,
    tokens: u64,
    #[serde(serialize_with = "crate::view::artifacts")]
    artifacts: &'a [Artifact],
    #[serde(serialize_with = "crate::view::artifacts")]
    items: &'a [Artifact],
    unique_tokens: u64,
    duplicates: usize,
    framed_tokens: u64,
    over_budget: bool,
}

/// Every item of a pack (each file of a collection) with its captured
/// tokens, and the largest: what to drop first when a pack outgrows its
/// budget.
#[derive(Clone, Debug, Serialize)]
pub struct TokenListing {
    pub items: Vec<TokenItem>,
    pub top: Vec<TokenItem>,
}

/// One item of a [`TokenListing`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenItem {
    #[serde(serialize_with = "display")]
    pub artifact: ArtifactId,
    /// The file's path, or the artifact's spec.
    pub item: String,
    pub tokens: u32,
}

/// The budget of a pack created without one.
pub const DEFAULT_BUDGET: u64 = 128_000;

/// A source to add to a pack.
#[derive(Clone, Debug)]
pub struct AddArtifact {
    pub pack: String,
    /// The spec as typed: `PATH`, `PATH#L10-L20`, `text:...`, `glob:...`,
    /// `md_dir:...`, `dir:...` or `DIR/`, `git:diff ...`.
    pub source: String,
    /// The folder the spec's path was typed in; it must be canonical.
    pub cwd: PathBuf,
    pub priority: i32,
    pub options: AddOptions,
    /// Store the captured content with its secrets already replaced, so
    /// no secret ever reaches the database (a `--frozen --no-redact`
    /// render then shows the markers).
    pub store_redacted: bool,
}

/// A source read and ready to store, or found in its pack already.
pub(crate) enum Prepared {
    Present(ArtifactAdded),
    New(Box<Staged>),
}

/// A source read, hashed and counted, its blobs stored (but the last few)
/// and not yet named by an event.
pub(crate) struct Staged {
    pack: Pack,
    spec: SourceSpec,
    files: Vec<StagedText>,
    /// The blobs the writer left to the event's transaction.
    pending: Vec<(BlobHash, String)>,
    content: Captured,
    warnings: Vec<Warning>,
    secrets: BTreeMap<SecretKind, u32>,
}

/// What staging kept of one text once its blob was handed to the writer:
/// what the event and the caches need.
struct StagedText {
    path: Option<String>,
    stamp: Option<source::Stamp>,
    /// The redaction rules found no secret in it.
    clean: bool,
    measured: Measured,
}

/// A pack about to be created, its sources read.
pub(crate) struct PackToCreate {
    /// As it will be, but for its id.
    pack: Pack,
    prepared: Vec<Prepared>,
}

/// An artifact's changed options, its source read under them.
pub(crate) struct OptionsToSet {
    pack: Pack,
    found: Artifact,
    options: AddOptions,
    staged: Staged,
}

/// About how many bytes of blobs one transaction of a capture writes.
const WRITE_GROUP: usize = 32 << 20;

/// A batch of blobs for the writer, or the word that all were sent.
enum Batch {
    Blobs(Vec<(BlobHash, String)>),
    Done,
}

/// What `pack add` of several sources did.
#[derive(Clone, Debug, Serialize)]
pub struct AddedAll {
    /// Whether any source was added.
    pub changed: bool,
    /// One outcome per source, in the order given.
    pub added: Vec<Stored<ArtifactAdded>>,
}

impl crate::outcome::Commit for AddedAll {
    fn must_commit(&self) -> bool {
        self.changed
    }
}

/// The artifact `pack add` captured.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactAdded {
    pub pack: PackName,
    #[serde(serialize_with = "display")]
    pub id: ArtifactId,
    #[serde(serialize_with = "display")]
    pub spec: SourceSpec,
    pub priority: i32,
    #[serde(flatten, serialize_with = "content")]
    pub content: Captured,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// Secrets found in what was captured, by kind: redacted at render,
    /// and stored as read unless `stored_redacted`.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        serialize_with = "crate::render::secret_map"
    )]
    pub secrets: BTreeMap<SecretKind, u32>,
    /// The content was stored with its secrets replaced.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stored_redacted: bool,
}

fn content<S: serde::Serializer>(content: &Captured, s: S) -> Result<S::Ok, S::Error> {
    ContentView(content).serialize(s)
}

/// The artifact `pack remove` removed.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactRemoved {
    pub pack: PackName,
    #[serde(serialize_with = "display")]
    pub id: ArtifactId,
    #[serde(serialize_with = "display")]
    pub spec: SourceSpec,
}

/// The pack `pack delete` deleted.
#[derive(Clone, Debug, Serialize)]
pub struct PackDeleted {
    pub pack: PackName,
    /// How many artifacts it held.
    pub artifacts: u64,
}

/// A pack's new name.
#[derive(Clone, Debug, Serialize)]
pub struct PackRenamed {
    pub from: PackName,
    pub to: PackName,
}

/// A pack's new budget.
#[derive(Clone, Debug, Serialize)]
pub struct BudgetSet {
    pub pack: PackName,
    pub budget: u64,
    /// The budget before.
    pub from: u64,
}

/// A pack's new fit policy.
#[derive(Clone, Debug, Serialize)]
pub struct FitSet {
    pub pack: PackName,
    pub fit: ctx_model::Fit,
    /// The policy before.
    pub from: ctx_model::Fit,
}

/// An artifact's new priority.
#[derive(Clone, Debug, Serialize)]
pub struct PrioritySet {
    pub pack: PackName,
    #[serde(serialize_with = "display")]
    pub id: ArtifactId,
    #[serde(serialize_with = "display")]
    pub spec: SourceSpec,
    pub priority: i32,
    /// The priority before.
    pub from: i32,
}

/// A pack's new root.
#[derive(Clone, Debug, Serialize)]
pub struct RootSet {
    pub pack: PackName,
    pub root: String,
    /// The root before.
    pub from: String,
}

/// The options `pack set PACK ARTIFACT` changes; `None` keeps one as it is.
#[derive(Clone, Debug, Default)]
pub struct OptionChanges {
    pub exclude: Option<Vec<String>>,
    pub max_files: Option<u32>,
    pub recursive: Option<bool>,
    pub no_ignore: Option<bool>,
    pub max_file_bytes: Option<u64>,
    pub mode: Option<ctx_model::Mode>,
}

impl OptionChanges {
    /// Whether any option is given.
    pub fn is_any(&self) -> bool {
        self.exclude.is_some()
            || self.max_files.is_some()
            || self.recursive.is_some()
            || self.no_ignore.is_some()
            || self.max_file_bytes.is_some()
            || self.mode.is_some()
    }

    /// `options` with these changes made.
    fn applied_to(&self, options: &AddOptions) -> AddOptions {
        let mut new = options.clone();
        if let Some(exclude) = &self.exclude {
            new.exclude = exclude.clone();
        }
        new.max_files = self.max_files.unwrap_or(new.max_files);
        new.recursive = self.recursive.unwrap_or(new.recursive);
        new.no_ignore = self.no_ignore.unwrap_or(new.no_ignore);
        new.max_file_bytes = self.max_file_bytes.unwrap_or(new.max_file_bytes);
        new.mode = self.mode.unwrap_or(new.mode);
        new
    }

    /// The first collection option changed, as its flag.
    fn collection_flag(&self) -> Option<&'static str> {
        [
            (self.exclude.is_some(), "--exclude"),
            (self.max_files.is_some(), "--max-files"),
            (self.recursive.is_some(), "--recursive"),
            (self.no_ignore.is_some(), "--no-ignore"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// An artifact's new options and what its source holds under them.
#[derive(Clone, Debug, Serialize)]
pub struct OptionsSet {
    pub pack: PackName,
    #[serde(serialize_with = "display")]
    pub id: ArtifactId,
    #[serde(serialize_with = "display")]
    pub spec: SourceSpec,
    pub options: AddOptions,
    /// The options before.
    pub from: AddOptions,
    /// The content captured under the new options.
    #[serde(flatten, serialize_with = "content")]
    pub content: Captured,
    /// The tokens and bytes it held before.
    pub tokens_before: u64,
    pub bytes_before: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// What `pack refresh` captured again.
#[derive(Clone, Debug, Serialize)]
pub struct RefreshedAll {
    /// Whether any artifact's content changed.
    pub changed: bool,
    pub pack: PackName,
    /// How many artifacts were read again.
    pub checked: usize,
    /// One entry per artifact whose content changed, each its own event.
    pub refreshed: Vec<Done<ArtifactRefreshed>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

impl crate::outcome::Commit for RefreshedAll {
    fn must_commit(&self) -> bool {
        self.changed
    }
}

/// One artifact whose source changed since it was captured.
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactRefreshed {
    #[serde(serialize_with = "display")]
    pub id: ArtifactId,
    #[serde(serialize_with = "display")]
    pub spec: SourceSpec,
    /// The new content.
    #[serde(flatten, serialize_with = "content")]
    pub content: Captured,
    /// The tokens and bytes it held before.
    pub tokens_before: u64,
    pub bytes_before: u64,
}

impl Engine {
    /// Creates an empty pack.
    pub fn create_pack(&self, new: &CreatePack) -> Result<Done<PackCreated>> {
        self.create_pack_with(new, &[])
    }

    /// Creates a pack and adds sources to it: the sources are read first,
    /// without holding the store, then one transaction appends the
    /// `PackCreated` event and one `ArtifactAdded` per source, in order;
    /// when any source fails, nothing is written. Each add's `pack` is
    /// the new pack's name.
    pub fn create_pack_with(
        &self,
        new: &CreatePack,
        adds: &[AddArtifact],
    ) -> Result<Done<PackCreated>> {
        let ready = self.prepare_create(new, adds)?;
        self.write(|w| self.create_in(w, ready, adds))
    }

    /// Reads the sources of a pack about to be created, without holding
    /// the store; refused at once when the name is taken.
    pub(crate) fn prepare_create(
        &self,
        new: &CreatePack,
        adds: &[AddArtifact],
    ) -> Result<PackToCreate> {
        let name = PackName::new(&new.name)?;
        let root = canonical_root(&new.root)?;
        // Refused before any source is read.
        if !adds.is_empty() {
            self.read(|r| name_free(r, &name))?;
        }
        // The pack as it will be; its id is the seq of its event, known
        // only once that is appended.
        let pack = Pack {
            id: PackId(0),
            name,
            root,
            budget: new.budget,
            tokenizer: new.tokenizer,
            artifacts: 0,
            bytes: 0,
            tokens: 0,
            fit: ctx_model::Fit::Drop,
        };
        let prepared = adds
            .iter()
            .map(|add| {
                let parsed = parse_source(&add.source)?;
                self.prepare_in(pack.clone(), &[], &parsed, add)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PackToCreate { pack, prepared })
    }

    /// Appends the `PackCreated` event of a prepared pack and one
    /// `ArtifactAdded` per source (`adds`, as prepared), in order.
    pub(crate) fn create_in(
        &self,
        w: &mut Writer,
        ready: PackToCreate,
        adds: &[AddArtifact],
    ) -> Result<Done<PackCreated>> {
        let PackToCreate { mut pack, prepared } = ready;
        name_free(w, &pack.name)?;
        let record = w.append(self.event(Event::PackCreated {
            name: pack.name.clone(),
            root: pack.root.clone(),
            budget: pack.budget,
            tokenizer: pack.tokenizer,
        }))?;
        pack.id = PackId(record.seq.0);
        let mut added = Vec::with_capacity(adds.len());
        for (add, prepared) in adds.iter().zip(prepared) {
            added.push(match prepared {
                Prepared::Present(found) => Stored::Exists(found),
                Prepared::New(mut staged) => {
                    staged.pack.id = pack.id;
                    self.store_capture(w, add, *staged)?
                }
            });
        }
        Ok(Done {
            seq: record.seq,
            what: PackCreated {
                pack: NewPack {
                    id: pack.id,
                    name: pack.name,
                    budget: pack.budget,
                    tokenizer: pack.tokenizer,
                    root: pack.root,
                },
                added,
            },
        })
    }

    /// Every live pack, sorted by name.
    pub fn list_packs(&self) -> Result<PackList> {
        let packs = self.read(|r| Ok(r.packs()?))?;
        Ok(PackList { packs })
    }

    /// A pack and its artifacts in render order: as it is, or as it was
    /// right after event `at`.
    pub fn show_pack(&self, name: &str, at: Option<EventSeq>) -> Result<PackShown> {
        let (pack, items) = self.pack_items(name, at)?;
        let once = tokens_once(&pack, &items);
        Ok(PackShown {
            over_budget: once.framed > pack.budget,
            framed_tokens: once.framed,
            unique_tokens: once.tokens,
            duplicates: once.duplicates,
            pack,
            items,
        })
    }

    /// A pack (as it is, or right after event `at`) and its artifacts in
    /// render order.
    fn pack_items(&self, name: &str, at: Option<EventSeq>) -> Result<(Pack, Vec<Artifact>)> {
        let mut found = self.read(|r| packs_at(r, &[name.to_owned()], at))?;
        let (pack, mut items) = found.remove(0);
        sort_for_render(&mut items);
        Ok((pack, items))
    }

    /// Every item of a pack with its captured tokens, and the `top` largest.
    pub fn pack_tokens(
        &self,
        name: &str,
        at: Option<EventSeq>,
        top: usize,
    ) -> Result<TokenListing> {
        let (_, artifacts) = self.pack_items(name, at)?;
        let mut items = Vec::new();
        for a in &artifacts {
            match &a.content {
                Captured::Blob(b) => items.push(TokenItem {
                    artifact: a.id,
                    item: a.spec.to_string(),
                    tokens: b.tokens,
                }),
                Captured::Files { files, .. } => items.extend(files.iter().map(|f| TokenItem {
                    artifact: a.id,
                    item: f.path.clone(),
                    tokens: f.blob.tokens,
                })),
            }
        }
        let mut largest = items.clone();
        // Stable: equal counts keep render order.
        largest.sort_by_key(|i| std::cmp::Reverse(i.tokens));
        largest.truncate(top);
        Ok(TokenListing {
            items,
            top: largest,
        })
    }

    /// Captures a source into a pack: reads, hashes and counts it without
    /// holding the store, then stores its content and appends the event.
    pub fn add(&self, add: &AddArtifact) -> Result<Stored<ArtifactAdded>> {
        match self.prepare(add)? {
            Prepared::Present(found) => Ok(Stored::Exists(found)),
            Prepared::New(capture) => self.write(|w| self.store_capture(w, add, *capture)),
        }
    }

    /// Captures several sources (into one pack or several), then stores
    /// them in one transaction, one event each, in order: all of them or,
    /// when one fails, none.
    pub fn add_all(&self, adds: &[AddArtifact]) -> Result<AddedAll> {
        let prepared = adds
            .iter()
            .map(|add| self.prepare(add))
            .collect::<Result<Vec<_>>>()?;
        self.write(|w| {
            let mut added = Vec::with_capacity(adds.len());
            for (add, prepared) in adds.iter().zip(prepared) {
                added.push(match prepared {
                    Prepared::Present(found) => Stored::Exists(found),
                    Prepared::New(capture) => self.store_capture(w, add, *capture)?,
                });
            }
            Ok(AddedAll {
                changed: added.iter().any(crate::outcome::Commit::must_commit),
                added,
            })
        })
    }

    /// Reads, hashes and counts a source, without holding the store; a
    /// spec the pack holds already is found instead.
    fn prepare(&self, add: &AddArtifact) -> Result<Prepared> {
        let parsed = parse_source(&add.source)?;
        let (pack, present) = self.read(|r| {
            let pack = find_pack(r, &add.pack)?;
            let present = r.artifacts(pack.id)?;
            Ok((pack, present))
        })?;
        self.prepare_in(pack, &present, &parsed, add)
    }

    /// [`Engine::prepare`] for a pack as read (or about to be created)
    /// holding `present`: resolves the spec against the pack and checks
    /// for a no-op before reading anything.
    pub(crate) fn prepare_in(
        &self,
        pack: Pack,
        present: &[Artifact],
        parsed: &SourceSpec,
        add: &AddArtifact,
    ) -> Result<Prepared> {
        let spec = source::resolve(parsed, Path::new(&pack.root), &add.cwd, &add.options)?;
        let spec = folder_if_dir(spec, &add.source, Path::new(&pack.root));
        if let Some(existing) = present.iter().find(|a| a.spec == spec) {
            return present_already(&pack.name, existing, add).map(Prepared::Present);
        }
        let mut staged = self.stage(pack, spec, &add.options, add.store_redacted)?;
        let overlapping = overlaps(&staged.spec, &staged.content, present);
        staged.warnings.extend(overlapping);
        Ok(Prepared::New(Box::new(staged)))
    }

    /// Reads a resolved spec from its source under the pack's root, then
    /// hashes and counts what it read, without holding the store.
    ///
    /// A collection is read a batch at a time, and each batch's blobs go to
    /// a writer thread as soon as they are counted: the copy into the store
    /// and its commit overlap the reading and counting of the next batches,
    /// and no more than a few batches of text are in memory at once. The
    /// writer commits a transaction per 32 MB or so (a small page cache
    /// writes the blobs out as it goes) and leaves the rest to the event's
    /// transaction; until the event naming them commits, gc may take the
    /// blobs it wrote, which that transaction finds.
    fn stage(
        &self,
        pack: Pack,
        spec: SourceSpec,
        options: &AddOptions,
        store_redacted: bool,
    ) -> Result<Staged> {
        tokenize::warm(pack.tokenizer);
        let root = PathBuf::from(&pack.root);
        // While the writer holds the store a batch at a time, a lookup
        // would wait for it: a collection looks its counts up in one read
        // of all the store knows, first.
        let known = if spec.is_collection() {
            Some(self.read(|r| {
                Ok(r.token_counts()?
                    .into_iter()
                    .filter(|c| c.tokenizer == pack.tokenizer)
                    .map(|c| (c.hash, c.tokens))
                    .collect::<HashMap<_, _>>())
            })?)
        } else {
            None
        };
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        let mut secrets = BTreeMap::new();
        let (to_writer, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
        let taking = Taking {
            pack: &pack,
            spec: &spec,
            replace: store_redacted,
            format: self.format(),
            known: known.as_ref(),
        };
        let (skipped, stored) = std::thread::scope(|scope| {
            let writer = scope.spawn(|| self.store_blobs(batches));
            let per_file = |text| self.take(text, &taking);
            let skipped = source::capture_each(
                &spec,
                &root,
                options,
                self.sensitive(),
                &per_file,
                |taken| {
                    let mut blobs = Vec::with_capacity(taken.len());
                    for t in taken {
                        warnings.extend(t.lossy);
                        let clean = t.secrets.is_empty();
                        for (kind, n) in t.secrets {
                            *secrets.entry(kind).or_insert(0) += n;
                        }
                        let measured = t.measured?;
                        blobs.push((measured.blob.hash, t.text.text));
                        files.push(StagedText {
                            path: t.text.path,
                            stamp: t.text.stamp,
                            clean,
                            measured,
                        });
                    }
                    // The writer stops only on an error, which is reported
                    // in place of this one.
                    to_writer
                        .send(Batch::Blobs(blobs))
                        .map_err(|_| EngineError::PackChanged {
                            name: pack.name.to_string(),
                        })
                },
            );
            if skipped.is_ok() {
                let _ = to_writer.send(Batch::Done);
            }
            drop(to_writer);
            let stored = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (skipped, stored)
        });
        let pending = stored?;
        let skipped = skipped?;
        let content = captured_content(&files, skipped);
        Ok(Staged {
            pack,
            spec,
            files,
            pending,
            content,
            warnings,
            secrets,
        })
    }

    /// Writes the blobs of the batches as they come, a transaction per
    /// `WRITE_GROUP` bytes or so, so other processes get the store between
    /// them; returns the last group, short of that, for the event's own
    /// transaction to write (a small capture is one transaction, as any
    /// change is). When the sender stops early (its source failed), what
    /// is not written yet is dropped; what is, nothing names, and gc
    /// removes it.
    fn store_blobs(
        &self,
        batches: std::sync::mpsc::Receiver<Batch>,
    ) -> Result<Vec<(BlobHash, String)>> {
        let mut group: Vec<(BlobHash, String)> = Vec::new();
        let mut bytes = 0;
        loop {
            match batches.recv() {
                Ok(Batch::Blobs(mut blobs)) => {
                    bytes += blobs.iter().map(|(_, t)| t.len()).sum::<usize>();
                    group.append(&mut blobs);
                }
                Ok(Batch::Done) => return Ok(group),
                Err(_) => return Ok(Vec::new()),
            }
            if bytes >= WRITE_GROUP {
                self.write_streaming(|w| {
                    let mut wrote = false;
                    for (hash, text) in group.drain(..) {
                        wrote |= w.put_hashed_blob(hash, text.as_bytes())?;
                    }
                    Ok(BlobsStored(wrote))
                })?;
                bytes = 0;
            }
        }
    }

    /// Stores a prepared capture and appends its event.
    pub(crate) fn store_capture(
        &self,
        w: &mut Writer,
        add: &AddArtifact,
        capture: Staged,
    ) -> Result<Stored<ArtifactAdded>> {
        // The name was resolved before the source was read; it must still
        // name the same pack now, or the artifact would land in a pack the
        // user did not name.
        if w.pack_by_name(&capture.pack.name)?.map(|p| p.id) != Some(capture.pack.id) {
            return Err(EngineError::PackChanged {
                name: add.pack.clone(),
            });
        }
        self.check_limits(w, &capture)?;
        store_texts(w, &capture)?;
        let Staged {
            pack,
            spec,
            content,
            warnings,
            secrets,
            ..
        } = capture;
        let event = Event::ArtifactAdded {
            pack: pack.id,
            artifact: NewArtifact {
                spec: spec.clone(),
                priority: add.priority,
                options: add.options.clone(),
                content: content.clone(),
            },
        };
        let record = match w.append(self.event(event)) {
            Ok(record) => record,
            // Another process (or an earlier source of this command) added
            // the same spec since it was looked up.
            Err(StoreError::Fold(FoldError::DuplicateSpec { .. })) => {
                let present = w.artifacts(pack.id)?;
                let existing = (present.iter().find(|a| a.spec == spec)).ok_or_else(|| {
                    EngineError::PackChanged {
                        name: add.pack.clone(),
                    }
                })?;
                return present_already(&pack.name, existing, add).map(Stored::Exists);
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Stored::New(Done {
            seq: record.seq,
            what: ArtifactAdded {
                pack: pack.name,
                id: ArtifactId(record.seq.0),
                spec,
                priority: add.priority,
                content,
                warnings,
                stored_redacted: add.store_redacted && !secrets.is_empty(),
                secrets,
            },
        }))
    }

    /// What `pack add` learns of one text as soon as it is read, on the
    /// core that read it: its secrets (the text swapped for its redacted
    /// form when told to store that), its hash and token count (a count
    /// the store knows is not counted again), and, for a file the cache
    /// will note clean, the body its render will frame it into, hashed and
    /// counted.
    fn take(&self, mut text: Text, taking: &Taking<'_>) -> Taken {
        let lossy = crate::render::lossy_warning(&text, taking.spec);
        let (redacted, secrets) =
            ctx_redact::redact_file(text.path.as_deref().unwrap_or_default(), &text.text);
        if let Cow::Owned(redacted) = redacted
            && taking.replace
        {
            text.text = redacted;
        }
        let fresh = (text.stamp).is_some_and(|st| !file_cache::racy(&st, file_cache::now_ns()));
        let label = (secrets.is_empty() && fresh && text.path.is_some())
            .then(|| primed::label(taking.pack, taking.spec, text.path.as_deref()));
        let measured = self.measure(&text.text, label.as_ref(), taking);
        Taken {
            text,
            lossy,
            secrets,
            measured,
        }
    }

    /// A text's hash and token count, and with a label its body as the
    /// engine's format frames it, hashed and counted.
    fn measure(&self, text: &str, label: Option<&Label>, taking: &Taking<'_>) -> Result<Measured> {
        let kind = taking.pack.tokenizer;
        let hash = BlobHash::of(text.as_bytes());
        let cached = match taking.known {
            Some(known) => known.get(&hash).copied(),
            None => self.read(|r| r.token_count(&hash, kind).map_err(Into::into))?,
        };
        let tokens = cached.unwrap_or_else(|| tokenize::count(kind, text));
        let body = label.and_then(|label| primed::body(taking.format, kind, label, text, tokens));
        Ok(Measured {
            blob: CapturedBlob {
                hash,
                bytes: text.len() as u64,
                tokens,
            },
            counted: cached.is_none(),
            body,
        })
    }

    /// Removes an artifact named by its id, a unique id prefix, or its spec.
    pub fn remove(&self, pack: &str, artifact: &str) -> Result<Done<ArtifactRemoved>> {
        self.write(|w| self.remove_in(w, pack, artifact))
    }

    /// [`Engine::remove`] in the transaction `w`.
    pub(crate) fn remove_in(
        &self,
        w: &mut Writer,
        pack: &str,
        artifact: &str,
    ) -> Result<Done<ArtifactRemoved>> {
        let pack = find_pack(w, pack)?;
        let artifacts = w.artifacts(pack.id)?;
        let found = find_artifact(&artifacts, &pack.name, artifact)?;
        let record = w.append(self.event(Event::ArtifactRemoved {
            pack: pack.id,
            artifact: found.id,
            spec: found.spec.clone(),
        }))?;
        Ok(Done {
            seq: record.seq,
            what: ArtifactRemoved {
                pack: pack.name,
                id: found.id,
                spec: found.spec.clone(),
            },
        })
    }

    /// Deletes a pack; its history stays in the log.
    pub fn delete_pack(&self, pack: &str) -> Result<Done<PackDeleted>> {
        self.write(|w| self.delete_pack_in(w, pack))
    }

    /// [`Engine::delete_pack`] in the transaction `w`.
    pub(crate) fn delete_pack_in(&self, w: &mut Writer, pack: &str) -> Result<Done<PackDeleted>> {
        let pack = find_pack(w, pack)?;
        let record = w.append(self.event(Event::PackDeleted {
            pack: pack.id,
            name: pack.name.clone(),
        }))?;
        Ok(Done {
            seq: record.seq,
            what: PackDeleted {
                pack: pack.name,
                artifacts: pack.artifacts,
            },
        })
    }

    /// Renames a pack.
    pub fn rename_pack(&self, old: &str, new: &str) -> Result<Outcome<PackRenamed>> {
        let to = PackName::new(new)?;
        self.write(|w| {
            let pack = find_pack(w, old)?;
            if pack.name == to {
                return Ok(Outcome::Unchanged);
            }
            if w.pack_by_name(&to)?.is_some() {
                return Err(EngineError::NameTaken { name: to.clone() });
            }
            let record = w.append(self.event(Event::PackRenamed {
                pack: pack.id,
                from: pack.name.clone(),
                to: to.clone(),
            }))?;
            Ok(Outcome::Changed(Done {
                seq: record.seq,
                what: PackRenamed {
                    from: pack.name,
                    to: to.clone(),
                },
            }))
        })
    }

    /// Changes the priority of an artifact named by its id, a unique id
    /// prefix, or its spec.
    pub fn set_priority(
        &self,
        pack: &str,
        artifact: &str,
        priority: i32,
    ) -> Result<Outcome<PrioritySet>> {
        self.write(|w| self.set_priority_in(w, pack, artifact, priority))
    }

    /// [`Engine::set_priority`] in the transaction `w`.
    pub(crate) fn set_priority_in(
        &self,
        w: &mut Writer,
        pack: &str,
        artifact: &str,
        priority: i32,
    ) -> Result<Outcome<PrioritySet>> {
        let pack = find_pack(w, pack)?;
        let artifacts = w.artifacts(pack.id)?;
        let found = find_artifact(&artifacts, &pack.name, artifact)?;
        if found.priority == priority {
            return Ok(Outcome::Unchanged);
        }
        let record = w.append(self.event(Event::PriorityChanged {
            pack: pack.id,
            artifact: found.id,
            spec: found.spec.clone(),
            from: found.priority,
            to: priority,
        }))?;
        Ok(Outcome::Changed(Done {
            seq: record.seq,
            what: PrioritySet {
                pack: pack.name,
                id: found.id,
                spec: found.spec.clone(),
                priority,
                from: found.priority,
            },
        }))
    }

    /// Changes an artifact's options: its source is read again under the
    /// new ones without holding the store, then options and content change
    /// in one event.
    pub fn set_options(
        &self,
        pack: &str,
        artifact: &str,
        changes: &OptionChanges,
        store_redacted: bool,
    ) -> Result<Outcome<OptionsSet>> {
        let (pack, found) = self.read(|r| {
            let pack = find_pack(r, pack)?;
            let artifacts = r.artifacts(pack.id)?;
            let found = find_artifact(&artifacts, &pack.name, artifact)?.clone();
            Ok((pack, found))
        })?;
        match self.prepare_options(pack, found, changes, store_redacted)? {
            Some(ready) => self.write(|w| self.set_options_in(w, ready)),
            None => Ok(Outcome::Unchanged),
        }
    }

    /// Reads the source of `found` (an artifact of `pack`, whose root it is
    /// read under) again under its changed options, without holding the
    /// store; `None` when the changes change nothing.
    pub(crate) fn prepare_options(
        &self,
        pack: Pack,
        found: Artifact,
        changes: &OptionChanges,
        store_redacted: bool,
    ) -> Result<Option<OptionsToSet>> {
        if let Some(flag) = changes.collection_flag()
            && !found.spec.is_collection()
        {
            return Err(EngineError::NotACollection {
                pack: pack.name,
                spec: found.spec,
                flag,
            });
        }
        let options = changes.applied_to(&found.options);
        if options == found.options {
            return Ok(None);
        }
        let staged = self.stage(pack.clone(), found.spec.clone(), &options, store_redacted)?;
        Ok(Some(OptionsToSet {
            pack,
            found,
            options,
            staged,
        }))
    }

    /// Stores prepared options and content in the transaction `w`.
    pub(crate) fn set_options_in(
        &self,
        w: &mut Writer,
        ready: OptionsToSet,
    ) -> Result<Outcome<OptionsSet>> {
        let OptionsToSet {
            pack,
            found,
            options,
            staged,
        } = ready;
        // The artifact must still be as it was read, in the pack it
        // was read for, under the root its source was read from.
        let now = w.pack_by_name(&pack.name)?;
        let current = w.artifacts(pack.id)?.into_iter().find(|a| a.id == found.id);
        if now.map(|p| (p.id, p.root)) != Some((pack.id, pack.root.clone()))
            || current.as_ref() != Some(&found)
        {
            return Err(EngineError::PackChanged {
                name: pack.name.to_string(),
            });
        }
        self.check_store_bytes(w, staged.content.bytes(), found.content.bytes())?;
        store_texts(w, &staged)?;
        let record = w.append(self.event(Event::OptionsChanged {
            pack: pack.id,
            artifact: found.id,
            spec: found.spec.clone(),
            from: Configured {
                options: found.options.clone(),
                content: found.content.clone(),
            },
            to: Configured {
                options: options.clone(),
                content: staged.content.clone(),
            },
        }))?;
        Ok(Outcome::Changed(Done {
            seq: record.seq,
            what: OptionsSet {
                pack: pack.name.clone(),
                id: found.id,
                spec: found.spec.clone(),
                options: options.clone(),
                from: found.options.clone(),
                content: staged.content.clone(),
                tokens_before: found.content.tokens(),
                bytes_before: found.content.bytes(),
                warnings: staged.warnings.clone(),
            },
        }))
    }

    /// Moves a pack's root to the folder `dir`, which must exist; specs
    /// stay as they are, relative to the new root.
    pub fn set_root(&self, pack: &str, dir: &Path) -> Result<Outcome<RootSet>> {
        let root = canonical_root(dir)?;
        self.write(|w| self.set_root_in(w, pack, &root))
    }

    /// [`Engine::set_root`] in the transaction `w`, to the canonical `root`.
    pub(crate) fn set_root_in(
        &self,
        w: &mut Writer,
        pack: &str,
        root: &str,
    ) -> Result<Outcome<RootSet>> {
        let pack = find_pack(w, pack)?;
        if pack.root == root {
            return Ok(Outcome::Unchanged);
        }
        let record = w.append(self.event(Event::PackRootChanged {
            pack: pack.id,
            from: pack.root.clone(),
            to: root.to_owned(),
        }))?;
        Ok(Outcome::Changed(Done {
            seq: record.seq,
            what: RootSet {
                pack: pack.name,
                root: root.to_owned(),
                from: pack.root,
            },
        }))
    }

    /// Reads the sources of a pack's artifacts (those named, or all) again
    /// without holding the store, then, in one transaction, replaces the
    /// content of each whose source changed: one event each.
    pub fn refresh(
        &self,
        pack: &str,
        wanted: &[String],
        store_redacted: bool,
    ) -> Result<RefreshedAll> {
        let (pack, chosen) = self.read(|r| {
            let pack = find_pack(r, pack)?;
            let artifacts = r.artifacts(pack.id)?;
            let mut chosen: Vec<Artifact> = Vec::new();
            for name in wanted {
                let found = find_artifact(&artifacts, &pack.name, name)?;
                if !chosen.iter().any(|a| a.id == found.id) {
                    chosen.push(found.clone());
                }
            }
            if wanted.is_empty() {
                chosen = artifacts;
            }
            Ok((pack, chosen))
        })?;
        let staged = chosen
            .iter()
            .map(|a| self.stage(pack.clone(), a.spec.clone(), &a.options, store_redacted))
            .collect::<Result<Vec<_>>>()?;
        self.write(|w| {
            // The name must still name the pack the sources were read for,
            // under the root they were read from.
            let now = w.pack_by_name(&pack.name)?;
            if now.map(|p| (p.id, p.root)) != Some((pack.id, pack.root.clone())) {
                return Err(EngineError::PackChanged {
                    name: pack.name.to_string(),
                });
            }
            let present = w.artifacts(pack.id)?;
            let mut refreshed = Vec::new();
            let mut warnings = Vec::new();
            for (artifact, mut staged) in chosen.iter().zip(staged) {
                let current = present
                    .iter()
                    .find(|a| a.id == artifact.id)
                    .ok_or_else(|| EngineError::PackChanged {
                        name: pack.name.to_string(),
                    })?;
                warnings.append(&mut staged.warnings);
                if current.content == staged.content {
                    continue;
                }
                self.check_store_bytes(w, staged.content.bytes(), current.content.bytes())?;
                store_texts(w, &staged)?;
                let record = w.append(self.event(Event::ArtifactRefreshed {
                    pack: pack.id,
                    artifact: current.id,
                    spec: current.spec.clone(),
                    from: current.content.clone(),
                    to: staged.content.clone(),
                }))?;
                refreshed.push(Done {
                    seq: record.seq,
                    what: ArtifactRefreshed {
                        id: current.id,
                        spec: current.spec.clone(),
                        content: staged.content,
                        tokens_before: current.content.tokens(),
                        bytes_before: current.content.bytes(),
                    },
                });
            }
            Ok(RefreshedAll {
                changed: !refreshed.is_empty(),
                pack: pack.name.clone(),
                checked: chosen.len(),
                refreshed,
                warnings,
            })
        })
    }

    /// Changes a pack's token budget.
    pub fn set_budget(&self, pack: &str, tokens: u64) -> Result<Outcome<BudgetSet>> {
        self.write(|w| self.set_budget_in(w, pack, tokens))
    }

    /// [`Engine::set_budget`] in the transaction `w`.
    pub(crate) fn set_budget_in(
        &self,
        w: &mut Writer,
        pack: &str,
        tokens: u64,
    ) -> Result<Outcome<BudgetSet>> {
        let pack = find_pack(w, pack)?;
        if pack.budget == tokens {
            return Ok(Outcome::Unchanged);
        }
        let record = w.append(self.event(Event::BudgetChanged {
            pack: pack.id,
            from: pack.budget,
            to: tokens,
        }))?;
        Ok(Outcome::Changed(Done {
            seq: record.seq,
            what: BudgetSet {
                pack: pack.name,
                budget: tokens,
                from: pack.budget,
            },
        }))
    }

    /// Changes what a render of a pack does over its budget.
    pub fn set_fit(&self, pack: &str, fit: ctx_model::Fit) -> Result<Outcome<FitSet>> {
        self.write(|w| self.set_fit_in(w, pack, fit))
    }

    /// [`Engine::set_fit`] in the transaction `w`.
    pub(crate) fn set_fit_in(
        &self,
        w: &mut Writer,
        pack: &str,
        fit: ctx_model::Fit,
    ) -> Result<Outcome<FitSet>> {
        let pack = find_pack(w, pack)?;
        if pack.fit == fit {
            return Ok(Outcome::Unchanged);
        }
        let record = w.append(self.event(Event::FitChanged {
            pack: pack.id,
            from: pack.fit,
            to: fit,
        }))?;
        Ok(Outcome::Changed(Done {
            seq: record.seq,
            what: FitSet {
                pack: pack.name,
                fit,
                from: pack.fit,
            },
        }))
    }
}

impl Engine {
    /// Refuses a capture that would take its pack past the artifacts a
    /// pack may hold, or the packs past the content they may hold in all.
    /// It runs in the transaction that stores the capture, over what that
    /// transaction wrote already, so a refusal leaves nothing behind.
    fn check_limits(&self, w: &Writer, capture: &Staged) -> Result<()> {
        let limit = self.limits().max_artifacts;
        let pack = w.pack(capture.pack.id)?;
        let artifacts = pack.as_ref().map_or(0, |p| p.artifacts) + 1;
        if artifacts > limit {
            return Err(EngineError::Limit {
                what: format!("the artifacts in pack `{}`", capture.pack.name),
                wanted: artifacts,
                limit,
                key: "max_artifacts",
            });
        }
        self.check_store_bytes(w, capture.content.bytes(), 0)
    }

    /// Refuses a change of content from `before` bytes to `after` that would
    /// take the live packs past the content they may hold in all, counted
    /// as `pack list` counts it (a blob two packs share counts twice). A
    /// change that does not grow the content is never refused, so a store
    /// over a lowered limit can still shrink.
    fn check_store_bytes(&self, w: &Writer, after: u64, before: u64) -> Result<()> {
        if after <= before {
            return Ok(());
        }
        let limit = self.limits().max_store_bytes;
        let held = w
            .packs()?
            .iter()
            .fold(0u64, |sum, p| sum.saturating_add(p.bytes));
        let bytes = held.saturating_sub(before).saturating_add(after);
        if bytes > limit {
            return Err(EngineError::Limit {
                what: "the content bytes in the store".into(),
                wanted: bytes,
                limit,
                key: "max_store_bytes",
            });
        }
        Ok(())
    }
}

/// Refuses a name a live pack has.
fn name_free(r: &impl Query, name: &PackName) -> Result<()> {
    match r.pack_by_name(name)? {
        Some(_) => Err(EngineError::NameTaken { name: name.clone() }),
        None => Ok(()),
    }
}

/// Parses a spec as typed, checking a glob's syntax before anything is read.
pub(crate) fn parse_source(typed: &str) -> Result<SourceSpec> {
    let parsed = SourceSpec::parse(typed)?;
    if let SourceSpec::Glob { pattern } = &parsed {
        source::check_glob(pattern)?;
    }
    Ok(parsed)
}

/// A bare path (not `file:PATH`) that names a folder on disk is the folder
/// spec, as `DIR/` is: `ctx pack add demo src` takes `src`'s files.
/// Parsing reads no disk, so this is decided here, once the path is
/// resolved; `file:DIR` stays a file and is refused when read.
pub(crate) fn folder_if_dir(spec: SourceSpec, typed: &str, root: &Path) -> SourceSpec {
    match spec {
        SourceSpec::File { path } if !typed.starts_with("file:") && root.join(&path).is_dir() => {
            SourceSpec::Dir { dir: path }
        }
        other => other,
    }
}

/// A pack root as stored: the folder's canonical path, which must be UTF-8.
pub(crate) fn canonical_root(dir: &Path) -> Result<String> {
    let root = std::fs::canonicalize(dir)
        .ok()
        .filter(|r| r.is_dir())
        .ok_or_else(|| NotFound::Folder(dir.to_path_buf()))?;
    root.to_str()
        .map(str::to_owned)
        .ok_or_else(|| EngineError::RootNotUtf8 { path: root.clone() })
}

/// What every text of one capture is taken with.
struct Taking<'a> {
    pack: &'a Pack,
    spec: &'a SourceSpec,
    /// Store a text with secrets in its redacted form.
    replace: bool,
    /// The format the next render frames in.
    format: ctx_model::Format,
    /// The counts the store knows, by hash, read once for a collection.
    known: Option<&'a HashMap<BlobHash, u32>>,
}

/// One text as `pack add` took it: the secrets found in it are judged as
/// a render judges them (a file by its path).
struct Taken {
    text: Text,
    lossy: Option<Warning>,
    secrets: Vec<(SecretKind, u32)>,
    measured: Result<Measured>,
}

/// Whether a transaction of blobs wrote any (else it need not commit).
struct BlobsStored(bool);

impl crate::outcome::Commit for BlobsStored {
    fn must_commit(&self) -> bool {
        self.0
    }
}

/// A captured text's blob, whether its count is new to the store, and the
/// body its render will frame it into, with that body's count.
struct Measured {
    blob: CapturedBlob,
    counted: bool,
    body: Option<(BodyStamp, u32)>,
}

/// What an `ArtifactAdded` event records of the texts a spec captured.
fn captured_content(files: &[StagedText], skipped: Option<Vec<SkippedFile>>) -> Captured {
    match skipped {
        None => Captured::Blob(files[0].measured.blob),
        Some(skipped) => Captured::Files {
            files: files
                .iter()
                .map(|f| CapturedFile {
                    path: f.path.clone().unwrap_or_default(),
                    blob: f.measured.blob,
                })
                .collect(),
            skipped,
        },
    }
}

/// What `content` (captured for `spec`) holds, in render order: each file
/// with the lines it holds (`None`: all of them) and their tokens; a note
/// or a diff has no file.
fn pieces_of<'a>(
    spec: &'a SourceSpec,
    content: &'a Captured,
) -> Vec<(Option<&'a str>, Lines, u32)> {
    match (content, spec) {
        (Captured::Files { files, .. }, _) => files
            .iter()
            .map(|f| (Some(f.path.as_str()), None, f.blob.tokens))
            .collect(),
        (Captured::Blob(b), SourceSpec::Range { path, start, end }) => {
            vec![(Some(path.as_str()), Some((*start, *end)), b.tokens)]
        }
        (Captured::Blob(b), spec) => vec![(spec.path(), None, b.tokens)],
    }
}

/// What `pack add` says of a spec the pack holds already: the artifact as
/// it is, or, asked with other options, an error (adding again changes
/// nothing, so the options asked for would silently not apply).
fn present_already(
    pack: &PackName,
    existing: &Artifact,
    add: &AddArtifact,
) -> Result<ArtifactAdded> {
    let mut differs = Vec::new();
    if existing.priority != add.priority {
        differs.push(format!(
            "priority {} (asked: {})",
            existing.priority, add.priority
        ));
    }
    if existing.options != add.options {
        differs.push("other collection options".to_owned());
    }
    if !differs.is_empty() {
        return Err(EngineError::AddedDifferently {
            pack: pack.clone(),
            spec: existing.spec.to_string(),
            artifact: existing.id,
            differs: differs.join(", "),
            priority: (existing.options == add.options).then_some(add.priority),
        });
    }
    Ok(ArtifactAdded {
        pack: pack.clone(),
        id: existing.id,
        spec: existing.spec.clone(),
        priority: existing.priority,
        content: existing.content.clone(),
        warnings: Vec::new(),
        secrets: BTreeMap::new(),
        stored_redacted: false,
    })
}

/// The files `content` (captured for `spec`) holds, with their lines.
fn files_of<'a>(spec: &'a SourceSpec, content: &'a Captured) -> Vec<(&'a str, Lines)> {
    pieces_of(spec, content)
        .into_iter()
        .filter_map(|(path, lines, _)| Some((path?, lines)))
        .collect()
}

/// What a pack's items add up to, each file (or its lines) counted once.
struct TokensOnce {
    /// The captured tokens.
    tokens: u64,
    /// With each item's markdown frame (heading and fences) around it.
    framed: u64,
    /// Occurrences left out as held by an item above.
    duplicates: usize,
}

/// The tokens of `items` (in render order) with each file's lines counted
/// once, as a render includes them, and what a markdown render of them
/// costs: the captured counts plus each frame counted exactly, so no
/// content is read (a render counts the content inside its frame, which
/// can differ from these by a token or two where they meet).
fn tokens_once(pack: &Pack, items: &[Artifact]) -> TokensOnce {
    let mut taken = Coverage::default();
    let mut once = TokensOnce {
        tokens: 0,
        framed: 0,
        duplicates: 0,
    };
    let mut labels = Vec::new();
    for a in items {
        for (path, lines, n) in pieces_of(&a.spec, &a.content) {
            if path.is_none_or(|p| taken.take(p, lines)) {
                once.tokens += u64::from(n);
                labels.push(crate::render::Label {
                    pack: pack.name.to_string(),
                    source: a.spec.to_string(),
                    path: path.map(str::to_owned),
                    lines,
                });
            } else {
                once.duplicates += 1;
            }
        }
    }
    let frames = parallel::map(&labels, |l| crate::render::frame_tokens(pack.tokenizer, l));
    once.framed = once.tokens + frames.iter().sum::<u64>();
    once
}

/// A warning for each artifact of `present` that holds files (or lines)
/// the artifact `spec` captured as `content` holds too.
fn overlaps(spec: &SourceSpec, content: &Captured, present: &[Artifact]) -> Vec<Warning> {
    let new = files_of(spec, content);
    if new.is_empty() {
        return Vec::new();
    }
    let mut by_path: HashMap<&str, Vec<Option<(u32, u32)>>> = HashMap::new();
    for (path, lines) in &new {
        by_path.entry(path).or_default().push(*lines);
    }
    let meet = |a: Option<(u32, u32)>, b: Option<(u32, u32)>| match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => a0 <= b1 && b0 <= a1,
        _ => true,
    };
    present
        .iter()
        .filter_map(|other| {
            let files = files_of(&other.spec, &other.content)
                .into_iter()
                .filter(|(path, lines)| {
                    by_path
                        .get(path)
                        .is_some_and(|mine| mine.iter().any(|m| meet(*m, *lines)))
                })
                .count();
            (files > 0).then(|| Warning::Overlaps {
                other: other.spec.to_string(),
                files,
            })
        })
        .collect()
}

/// Stores the blobs the writer left, records a capture's new counts, and
/// notes each file it read whole that no secret was found in as clean in
/// the file cache, so the render that follows need not scan it again. The
/// other blobs were stored as it was read; one a gc took since fails the
/// change, which names none of them yet.
fn store_texts(w: &mut Writer, staged: &Staged) -> Result<()> {
    let now_ns = file_cache::now_ns();
    let root = Path::new(&staged.pack.root);
    for (hash, text) in &staged.pending {
        w.put_hashed_blob(*hash, text.as_bytes())?;
    }
    for f in &staged.files {
        let m = &f.measured;
        if !w.has_blob(&m.blob.hash)? {
            return Err(EngineError::CaptureCollected {
                name: staged.pack.name.to_string(),
            });
        }
        if m.counted {
            w.put_token_count(&m.blob.hash, staged.pack.tokenizer, m.blob.tokens)?;
        }
        if let Some((path, stamp)) = file_cache::file_of(root, f.path.as_deref(), f.stamp)
            && f.clean
            && !file_cache::racy(&stamp, now_ns)
        {
            let body = m.body.as_ref().map(|(body, _)| body);
            let known = w.file_stamp(&path)?;
            let noted = known.is_some_and(|k| {
                file_cache::same_version(&k, &stamp)
                    && k.clean_under == ctx_redact::RULES_VERSION
                    && (body.is_none() || k.body.as_ref() == body)
            });
            if !noted {
                let record = FileStamp {
                    body: body.cloned(),
                    ..file_cache::clean(&stamp)
                };
                w.put_file_stamp(&path, &record)?;
            }
            if let Some((body, tokens)) = &m.body
                && w.token_count(&body.hash, staged.pack.tokenizer)?.is_none()
            {
                w.put_token_count(&body.hash, staged.pack.tokenizer, *tokens)?;
            }
        }
    }
    Ok(())
}

/// The artifact named by an exact spec or a unique id prefix.
pub(crate) fn find_artifact<'a>(
    artifacts: &'a [Artifact],
    pack: &PackName,
    wanted: &str,
) -> Result<&'a Artifact> {
    let canonical = SourceSpec::parse(wanted).ok().map(|s| s.to_string());
    if let Some(a) = artifacts.iter().find(|a| {
        let shown = a.spec.to_string();
        shown == wanted || Some(&shown) == canonical.as_ref()
    }) {
        return Ok(a);
    }
    if wanted.len() < crate::error::MIN_PREFIX && wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EngineError::ShortPrefix {
            wanted: wanted.to_owned(),
        });
    }
    let ids = artifacts.iter().map(|a| (a.id.to_string(), a));
    by_prefix(match_prefix(wanted, ids), wanted, Some(pack))?.ok_or_else(|| {
        NotFound::Artifact {
            pack: pack.clone(),
            wanted: wanted.to_owned(),
        }
        .into()
    })
}
