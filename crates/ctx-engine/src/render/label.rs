//! Where an item came from: its pack, its artifact's spec, and for files
//! the path and line range. The frame shows it, JSON output and manifests
//! carry it, and a diff matches items across renders by it.

use serde::Serialize;

use ctx_model::{ArtifactId, ItemOrigin};

/// What the frame shows about one item; in JSON output, where it came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Label {
    /// The pack the item comes from.
    pub pack: String,
    /// The artifact's spec.
    pub source: String,
    /// Root-relative path, for files.
    pub path: Option<String>,
    /// The line range, for ranges.
    pub lines: Option<(u32, u32)>,
}

impl Label {
    /// The one-line title: the path (with its lines), or the spec.
    pub fn title(&self) -> String {
        match (&self.path, self.lines) {
            (Some(path), Some((a, b))) if a == b => format!("{path} (line {a})"),
            (Some(path), Some((a, b))) => format!("{path} (lines {a}-{b})"),
            (Some(path), None) => path.clone(),
            (None, _) if self.source.starts_with("text:") => "note".into(),
            (None, _) => self.source.clone(),
        }
    }

    /// The item as one word of a listing: its path (`#Lx-Ly` for a range),
    /// or its spec.
    pub fn shown(&self) -> String {
        let item = self.path.as_deref().unwrap_or(&self.source);
        match self.lines {
            Some((x, y)) => format!("{item}#L{x}-L{y}"),
            None => item.to_owned(),
        }
    }
}

impl Label {
    /// Where an item of `artifact` with this label came from, as a
    /// manifest records it.
    pub fn origin(&self, artifact: ArtifactId) -> ItemOrigin {
        ItemOrigin {
            pack: self.pack.clone(),
            artifact,
            source: self.source.clone(),
            path: self.path.clone(),
            lines: self.lines,
        }
    }
}

impl From<&ItemOrigin> for Label {
    fn from(origin: &ItemOrigin) -> Self {
        Self {
            pack: origin.pack.clone(),
            source: origin.source.clone(),
            path: origin.path.clone(),
            lines: origin.lines,
        }
    }
}
