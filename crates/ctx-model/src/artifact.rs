//! Artifacts: a declared source plus what ctx captured of it when it was
//! added (blob hashes, sizes and token counts), so the pack can be rendered
//! again without reading the sources.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{ArtifactId, BlobHash, EventSeq, ExclusionReason, Mode, SourceSpec};

/// One artifact of a pack, as materialized.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The seq of the event that added it.
    pub id: ArtifactId,
    pub spec: SourceSpec,
    /// Higher renders first and is dropped last.
    pub priority: i32,
    pub options: AddOptions,
    pub content: Captured,
}

impl Artifact {
    /// The event that added the artifact.
    pub fn added(&self) -> EventSeq {
        EventSeq(self.id.0)
    }
}

/// Puts artifacts in render order: priority descending, then the order they
/// were added.
pub fn sort_for_render(artifacts: &mut [Artifact]) {
    artifacts.sort_by_key(|a| (std::cmp::Reverse(a.priority), a.id));
}

/// How an artifact's source is read and shown, kept so a later render
/// expands, filters and shows it the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AddOptions {
    /// `md_dir:` descends into subfolders.
    pub recursive: bool,
    /// Most files a collection may expand to.
    pub max_files: u32,
    /// Globs (root-relative) a collection leaves out.
    pub exclude: Vec<String>,
    /// Collections ignore `.gitignore` and `.ignore`.
    pub no_ignore: bool,
    /// The source may live outside the pack root.
    pub allow_outside_root: bool,
    /// Sensitive files may be read.
    pub allow_sensitive: bool,
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// The fullest form its items render in (`--mode`).
    pub mode: Mode,
}

/// The fields of [`AddOptions`] before `mode`, in order.
#[derive(Deserialize)]
struct AddOptionsV1 {
    recursive: bool,
    max_files: u32,
    exclude: Vec<String>,
    no_ignore: bool,
    allow_outside_root: bool,
    allow_sensitive: bool,
    max_file_bytes: u64,
}

/// Decodes either shape: see [`crate::wire`]. postcard only: the shapes
/// are told apart by the envelope, not by the bytes.
impl<'de> Deserialize<'de> for AddOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (v1, mode) = if crate::wire::v1() {
            (AddOptionsV1::deserialize(d)?, Mode::Full)
        } else {
            <(AddOptionsV1, Mode)>::deserialize(d)?
        };
        Ok(Self {
            recursive: v1.recursive,
            max_files: v1.max_files,
            exclude: v1.exclude,
            no_ignore: v1.no_ignore,
            allow_outside_root: v1.allow_outside_root,
            allow_sensitive: v1.allow_sensitive,
            max_file_bytes: v1.max_file_bytes,
            mode,
        })
    }
}

/// Content captured at add time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Captured {
    /// A single text: a file, a line range, a note, a diff.
    Blob(CapturedBlob),
    /// A collection's expansion, sorted by path, and what it skipped.
    Files {
        files: Vec<CapturedFile>,
        skipped: Vec<SkippedFile>,
    },
}

impl Captured {
    /// Total bytes of captured content.
    pub fn bytes(&self) -> u64 {
        match self {
            Self::Blob(b) => b.bytes,
            Self::Files { files, .. } => files.iter().map(|f| f.blob.bytes).sum(),
        }
    }

    /// Total tokens of captured content, counted by the pack's tokenizer.
    pub fn tokens(&self) -> u64 {
        match self {
            Self::Blob(b) => u64::from(b.tokens),
            Self::Files { files, .. } => files.iter().map(|f| u64::from(f.blob.tokens)).sum(),
        }
    }

    /// Every blob the content refers to.
    pub fn blobs(&self) -> impl Iterator<Item = &CapturedBlob> {
        let (one, many) = match self {
            Self::Blob(b) => (Some(b), &[][..]),
            Self::Files { files, .. } => (None, files.as_slice()),
        };
        one.into_iter().chain(many.iter().map(|f| &f.blob))
    }
}

/// A stored blob with the size and token count of its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedBlob {
    pub hash: BlobHash,
    pub bytes: u64,
    pub tokens: u32,
}

/// One file of a collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedFile {
    /// Root-relative, `/`-separated.
    pub path: String,
    pub blob: CapturedBlob,
}

/// A file a collection matched but left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: ExclusionReason,
}
