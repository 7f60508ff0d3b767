//! Engine errors: each names what a user needs to act on (the pack, the
//! path, the snapshot, the candidates of an ambiguous prefix). Front ends
//! turn them into messages, hints and exit codes in one place each.

use std::path::PathBuf;
use std::time::Duration;

use ctx_model::{
    ArtifactId, EventSeq, FoldError, Format, NameError, PackName, SnapshotId, SourceSpec,
    SpecError, Timestamp, TokenizerKind,
};
use ctx_store::StoreError;
use ctx_store::bundle::BundleError;

use crate::source::SourceError;

/// The fewest hex digits an id prefix must give (as git asks): with fewer,
/// `pack remove p 1` would remove whichever artifact happens to match.
pub const MIN_PREFIX: usize = 4;

/// What can go wrong in an engine operation.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Another process held the store for longer than the wait.
    #[error("the database `{}` is in use by another ctx process (waited {:.1}s)", path.display(), waited.as_secs_f64())]
    Busy { path: PathBuf, waited: Duration },
    #[error(transparent)]
    Store(Box<StoreError>),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("invalid source: {0}")]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    /// An id prefix that starts several ids.
    #[error("`{wanted}` is ambiguous{}: it starts {}", in_pack(pack), candidates.join(", "))]
    Ambiguous {
        wanted: String,
        /// The pack whose artifacts were searched, for artifact ids.
        pack: Option<PackName>,
        candidates: Vec<String>,
    },
    /// An id prefix too short to name one id for sure, as git requires.
    #[error("`{wanted}` is too short for an id: give at least {MIN_PREFIX} of its hex digits")]
    ShortPrefix { wanted: String },
    #[error("a pack named `{name}` already exists")]
    NameTaken { name: PackName },
    #[error("cannot create the ctx home folder `{}`: {error}", path.display())]
    Home {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the root `{}` is not valid UTF-8", path.display())]
    RootNotUtf8 { path: PathBuf },
    /// A configurable limit was hit; nothing was written.
    #[error(
        "{what} would be {wanted}, over the limit of {limit} (the `{key}` config key raises it)"
    )]
    Limit {
        /// The limit in words: "artifacts in pack `docs`".
        what: String,
        wanted: u64,
        limit: u64,
        key: &'static str,
    },
    /// A project file asks for another tokenizer than the stored pack
    /// counts with; no event changes a pack's tokenizer.
    #[error("pack `{pack}` counts with {stored}, but the project file says {wanted}")]
    TokenizerDiffers {
        pack: PackName,
        stored: TokenizerKind,
        wanted: TokenizerKind,
    },
    /// Content captured at `pack add` cannot be read back. The message
    /// includes the store's error, so it is not repeated as a source.
    #[error("the captured content of `{title}` (artifact {}) cannot be used: {error}", artifact.short())]
    Captured {
        title: String,
        artifact: ArtifactId,
        error: Box<StoreError>,
    },
    /// A body a snapshot refers to cannot be read back.
    #[error("snapshot {id}: the content of `{item}` (artifact {}) cannot be read: {error}", artifact.short())]
    SnapshotBody {
        id: SnapshotId,
        item: String,
        artifact: ArtifactId,
        error: Box<StoreError>,
    },
    /// A snapshot needs content that was purged, so it cannot reproduce.
    #[error("snapshot {id} cannot be reproduced: the content of `{item}` was purged (event {by})")]
    Purged {
        id: SnapshotId,
        item: String,
        by: EventSeq,
    },
    #[error("snapshot {id} does not reproduce: its payload hash does not match")]
    NotReproducible { id: SnapshotId },
    #[error("snapshot {id} holds bytes that are not UTF-8")]
    NotUtf8 { id: SnapshotId },
    #[error("`{}` is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot read `{}`: {error}", path.display())]
    ReadFile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot import `{}`: {error}", path.display())]
    Bundle { path: PathBuf, error: BundleError },
    /// A snapshot an agent asked for holds secrets (it was taken with
    /// `--no-redact`).
    #[error(
        "snapshot {id} holds secrets (it was taken with --no-redact), and is never sent to an agent"
    )]
    Unredacted { id: SnapshotId },
    /// The sink a bundle streams into failed.
    #[error("cannot write the bundle: {error}")]
    WriteBundle { error: std::io::Error },
    /// The reversal of a change does not fit what came after it.
    #[error("cannot undo event {event} ({what}): {}", conflict.reason())]
    UndoConflict {
        event: EventSeq,
        what: String,
        conflict: FoldError,
    },
    /// A budget too small for even the frame of the format (a JSON
    /// document's braces, XML's root element): there is no such payload.
    #[error("the budget of {budget} tokens cannot hold even the {format} frame ({frame} tokens)")]
    FrameOverBudget {
        budget: u64,
        format: Format,
        frame: u64,
    },
    /// A split whose parts are too small for an item's frame, or for one
    /// line of it.
    #[error("parts of {max} tokens cannot hold {item} with its frame")]
    SplitTooSmall { max: u64, item: String },
    /// The pack an operation read changed (renamed, deleted, created again)
    /// before it could write.
    #[error(
        "pack `{name}` changed while this command ran (renamed, or deleted and created again); nothing was written"
    )]
    PackChanged { name: String },
    /// A gc removed content this change had stored before its event named it.
    #[error(
        "a gc removed content read for pack `{name}` while this command ran; nothing was changed"
    )]
    CaptureCollected { name: String },
    /// A collection option was set on an artifact that is not a collection.
    #[error(
        "`{flag}` applies to collections (glob:, md_dir:, a folder), and `{spec}` in pack `{pack}` is not one"
    )]
    NotACollection {
        pack: PackName,
        spec: SourceSpec,
        flag: &'static str,
    },
    /// `pack add` of a spec the pack holds already, with other options.
    #[error("`{spec}` is in pack `{pack}` already (id {}), with {differs}; adding it again changes nothing", artifact.short())]
    AddedDifferently {
        pack: PackName,
        spec: String,
        artifact: ArtifactId,
        differs: String,
        /// The priority asked for, when it is all that differs (`pack set`
        /// changes it; other options take a new capture).
        priority: Option<i32>,
    },
}

fn in_pack(pack: &Option<PackName>) -> String {
    pack.as_ref()
        .map(|p| format!(" in pack `{p}`"))
        .unwrap_or_default()
}

impl From<StoreError> for EngineError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy { path, waited } => Self::Busy { path, waited },
            err => Self::Store(Box::new(err)),
        }
    }
}

/// Something a user named that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    #[error("no pack named `{name}`")]
    Pack {
        name: String,
        /// A pack whose name is near it, as a "did you mean".
        similar: Option<PackName>,
    },
    #[error("there is no event {at}; the log holds events 1 to {last}")]
    Event { at: u64, last: u64 },
    /// A time before the first event: there was no state yet.
    #[error("no event was written at or before {time}")]
    EventAt { time: Timestamp },
    #[error("there was no pack named `{name}` right after event {at}")]
    PackAt {
        name: String,
        at: u64,
        /// A pack of that time whose name is near it.
        similar: Option<PackName>,
    },
    #[error("pack `{pack}` has no artifact `{wanted}`")]
    Artifact { pack: PackName, wanted: String },
    #[error("no snapshot `{0}`")]
    Snapshot(String),
    #[error("`{wanted}` is neither a snapshot nor a pack")]
    SnapshotOrPack {
        wanted: String,
        /// A pack whose name is near it.
        similar: Option<PackName>,
    },
    #[error("`{}` is not a folder", .0.display())]
    Folder(PathBuf),
    #[error("no pack captured a file at `{0}`")]
    Capture(String),
    #[error("no blob `{0}` is stored (give its 64 hex digits)")]
    Blob(String),
}

/// Result with an [`EngineError`].
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
