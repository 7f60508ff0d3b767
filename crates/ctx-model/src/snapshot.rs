//! Snapshots: a render frozen so its payload can be reproduced byte for byte
//! later, anywhere. The manifest holds the frame and, for each item, the hash
//! of its framed bytes; the bytes themselves are blobs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::scramble;
use crate::{ArtifactId, BlobHash, PackRef, TokenizerKind};

/// A snapshot: the seq of its `SnapshotCreated` event, shown like artifact
/// ids (16 hex digits; a unique prefix is accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SnapshotId(pub u64);

impl SnapshotId {
    /// The first 8 hex digits.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(8);
        s
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Salted so a snapshot never shows the same digits as an artifact.
        write!(f, "{:016x}", scramble(self.0 ^ 0x5eed_5eed_5eed_5eed))
    }
}

/// Everything needed to reproduce a render and to explain it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The packs, in render order, with their names at the time.
    pub packs: Vec<PackRef>,
    pub label: Option<String>,
    pub format: String,
    pub tokenizer: TokenizerKind,
    pub budget: u64,
    /// The tokenizer's count of the payload.
    pub tokens: u64,
    pub render_hash: BlobHash,
    /// BLAKE3 of the exact payload bytes, checked before any is written.
    pub payload_hash: BlobHash,
    pub payload_bytes: u64,
    pub preamble: String,
    pub trailer: String,
    pub items: Vec<SnapshotItem>,
    pub excluded: Vec<SnapshotExclusion>,
}

/// One item of the payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotItem {
    pub pack: String,
    pub artifact: ArtifactId,
    pub source: String,
    pub path: Option<String>,
    pub lines: Option<(u32, u32)>,
    /// The position-dependent part of the frame, stored inline (small).
    pub head: String,
    /// The framed content (after range slicing and redaction), a blob.
    pub body: BlobHash,
    pub tokens: u64,
}

/// An item the render left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotExclusion {
    pub pack: String,
    pub artifact: ArtifactId,
    pub source: String,
    pub path: Option<String>,
    pub lines: Option<(u32, u32)>,
    pub reason: String,
    pub tokens: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_ids_differ_from_artifact_ids() {
        assert_ne!(SnapshotId(5).to_string(), ArtifactId(5).to_string());
        assert_eq!(SnapshotId(5).to_string().len(), 16);
    }
}
