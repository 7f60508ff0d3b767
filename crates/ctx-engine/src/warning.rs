//! Warnings: what an operation did that its caller should know about, but
//! that did not stop it. Shown by their `Display`, also in JSON.

use std::fmt;

use ctx_model::{EventSeq, Format};
use serde::{Serialize, Serializer};

/// Something that went other than asked, without failing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// Invalid UTF-8 in a source (a path, or the spec for a diff) was
    /// replaced with U+FFFD.
    Lossy { shown: String },
    /// A source is gone or unusable now; it was left out (`strict`) or
    /// rendered from the content captured when it was added.
    SourceGone { error: String, left_out: bool },
    /// The rendered packs hold no artifact.
    NoArtifacts,
    /// What a render learned could not be cached; the render itself stands.
    NotCached { reason: String },
    /// An item's captured content was purged, so it was left out.
    Purged { item: String, by: EventSeq },
    /// A pack's root resolves somewhere else now (it became a link, or a
    /// folder above it did): its sources are outside it.
    RootMoved {
        pack: String,
        root: String,
        now: String,
    },
    /// A pack's root folder is gone: its sources were rendered from the
    /// content captured when they were added, or left out (`strict`).
    RootGone {
        pack: String,
        root: String,
        left_out: bool,
    },
    /// A `--since` snapshot was rendered in another format, so no item is
    /// framed as it holds it.
    SinceFormat { snapshot: String, format: Format },
    /// An artifact just added holds files (or lines) another artifact of
    /// the pack holds too; a render includes each once.
    Overlaps { other: String, files: usize },
    /// An item did not fit the budget while items of its pack with a lower
    /// priority went in: the fill skips what does not fit.
    PriorityPassed {
        item: String,
        priority: i32,
        tokens: Option<u64>,
        lower: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lossy { shown } => write!(
                f,
                "`{shown}` is not valid UTF-8; invalid bytes were replaced with U+FFFD"
            ),
            Self::SourceGone {
                error,
                left_out: true,
            } => write!(f, "{error}; left out (--strict)"),
            Self::SourceGone {
                error,
                left_out: false,
            } => write!(f, "{error}; using the content captured when it was added"),
            Self::NoArtifacts => f.write_str("the packs have no artifacts"),
            Self::NotCached { reason } => {
                write!(f, "the render's results were not cached: {reason}")
            }
            Self::Purged { item, by } => write!(
                f,
                "the captured content of `{item}` was purged (event {by}); left out"
            ),
            Self::RootGone {
                pack,
                root,
                left_out,
            } => write!(
                f,
                "the root `{root}` of pack `{pack}` is gone; {}",
                if *left_out {
                    "its sources are left out (--strict)"
                } else {
                    "its sources are rendered from the content captured when they were added"
                }
            ),
            Self::RootMoved { pack, root, now } => write!(
                f,
                "the root `{root}` of pack `{pack}` now resolves to `{now}`; its sources there are left out as outside_root"
            ),
            Self::SinceFormat { snapshot, format } => write!(
                f,
                "snapshot {snapshot} is in {format}, so every item counts as changed; render with `--format {format}` to send only what changed"
            ),
            Self::PriorityPassed {
                item,
                priority,
                tokens,
                lower,
            } => write!(
                f,
                "`{item}` (priority {priority}{}) did not fit the budget, but {lower} lower-priority {} went in: raise --tokens to include it",
                tokens.map(|t| format!(", {t} tokens")).unwrap_or_default(),
                if *lower == 1 { "item" } else { "items" }
            ),
            Self::Overlaps { other, files } => write!(
                f,
                "{} also in `{other}`: a render includes each once, where it comes first in `ctx pack show`",
                if *files == 1 {
                    "1 file is".to_owned()
                } else {
                    format!("{files} files are")
                }
            ),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
