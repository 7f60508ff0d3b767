//! Snapshots: a render frozen so its payload can be reproduced byte for byte
//! later, anywhere. The manifest holds the frame and, for each item, the hash
//! of its framed bytes; the bytes themselves are blobs.
//!
//! [`payload_hash`] is the one definition of a payload's hash: snapshot
//! create computes it, and reproducing a snapshot or importing a bundle
//! checks it through [`Manifest::verify`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::exclusion::as_word;
use crate::id::scramble;
use crate::{ArtifactId, BlobHash, ExclusionReason, Format, PackRef, TokenizerKind};

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
    pub format: Format,
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

/// Where an item of a render came from. Items and exclusions both start
/// with these fields, stored inline (postcard writes a nested struct as
/// its fields, so the layout is that of manifests written before).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOrigin {
    pub pack: String,
    pub artifact: ArtifactId,
    pub source: String,
    pub path: Option<String>,
    pub lines: Option<(u32, u32)>,
}

/// One item of the payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotItem {
    pub origin: ItemOrigin,
    /// The position-dependent part of the frame, stored inline (small).
    pub head: String,
    /// The framed content (after range slicing and redaction), a blob.
    pub body: BlobHash,
    pub tokens: u64,
}

/// An item the render left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotExclusion {
    pub origin: ItemOrigin,
    /// Stored by its word, as it was when manifests held a string.
    #[serde(with = "as_word")]
    pub reason: ExclusionReason,
    pub tokens: Option<u64>,
}

/// BLAKE3 of a payload, given as its pieces in order.
pub fn payload_hash<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> BlobHash {
    let mut hasher = blake3::Hasher::new();
    for piece in pieces {
        hasher.update(piece);
    }
    BlobHash(*hasher.finalize().as_bytes())
}

/// Why a manifest's payload cannot be reproduced from the bodies given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("{given} bodies were given for {items} items")]
    BodyCount { items: usize, given: usize },
    #[error("the payload does not match its hash")]
    PayloadHash,
}

impl Manifest {
    /// The payload's pieces in order (preamble, each item's head and body,
    /// trailer), with `bodies[i]` the body of item `i`.
    pub fn pieces<'a, B: AsRef<[u8]>>(
        &'a self,
        bodies: &'a [B],
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        std::iter::once(self.preamble.as_bytes())
            .chain(
                self.items
                    .iter()
                    .zip(bodies)
                    .flat_map(|(item, body)| [item.head.as_bytes(), body.as_ref()]),
            )
            .chain(std::iter::once(self.trailer.as_bytes()))
    }

    /// Checks that `bodies` (one per item, in order) reassemble the payload
    /// the manifest recorded, byte for byte.
    pub fn verify<B: AsRef<[u8]>>(&self, bodies: &[B]) -> Result<(), VerifyError> {
        if bodies.len() != self.items.len() {
            return Err(VerifyError::BodyCount {
                items: self.items.len(),
                given: bodies.len(),
            });
        }
        if payload_hash(self.pieces(bodies)) != self.payload_hash {
            return Err(VerifyError::PayloadHash);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(bodies: &[&str]) -> Manifest {
        let items: Vec<SnapshotItem> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| SnapshotItem {
                origin: ItemOrigin {
                    pack: "p".into(),
                    artifact: ArtifactId(i as u64 + 1),
                    source: "text:x".into(),
                    path: None,
                    lines: None,
                },
                head: format!("<{i}>"),
                body: BlobHash::of(body.as_bytes()),
                tokens: 1,
            })
            .collect();
        let mut m = Manifest {
            packs: Vec::new(),
            label: None,
            format: Format::Xml,
            tokenizer: TokenizerKind::O200k,
            budget: 10,
            tokens: 3,
            render_hash: BlobHash([0; 32]),
            payload_hash: BlobHash([0; 32]),
            payload_bytes: 0,
            preamble: "[".into(),
            trailer: "]".into(),
            items,
            excluded: Vec::new(),
        };
        m.payload_hash = payload_hash([&b"[<0>a<1>bc]"[..]]);
        m
    }

    #[test]
    fn a_manifest_verifies_against_its_bodies() {
        let m = manifest(&["a", "bc"]);
        assert_eq!(m.verify(&["a", "bc"]), Ok(()));
        assert_eq!(m.verify(&["a", "bd"]), Err(VerifyError::PayloadHash));
        assert_eq!(
            m.verify(&["a"]),
            Err(VerifyError::BodyCount { items: 2, given: 1 })
        );
        assert_eq!(m.pieces(&["a", "bc"]).count(), 6);
    }

    /// An item's origin is stored inline: the same bytes as the flat
    /// layout of manifests written before it had a name.
    #[test]
    fn an_origin_is_stored_as_its_fields() {
        #[derive(Serialize)]
        struct Flat<'a> {
            pack: &'a str,
            artifact: ArtifactId,
            source: &'a str,
            path: Option<&'a str>,
            lines: Option<(u32, u32)>,
            head: &'a str,
            body: BlobHash,
            tokens: u64,
        }
        let m = manifest(&["a"]);
        let item = &m.items[0];
        let flat = Flat {
            pack: &item.origin.pack,
            artifact: item.origin.artifact,
            source: &item.origin.source,
            path: item.origin.path.as_deref(),
            lines: Some((3, 4)),
            head: &item.head,
            body: item.body,
            tokens: item.tokens,
        };
        let mut nested = item.clone();
        nested.origin.lines = Some((3, 4));
        assert_eq!(
            postcard::to_stdvec(&flat).expect("flat"),
            postcard::to_stdvec(&nested).expect("nested")
        );
    }

    #[test]
    fn snapshot_ids_differ_from_artifact_ids() {
        assert_ne!(SnapshotId(5).to_string(), ArtifactId(5).to_string());
        assert_eq!(SnapshotId(5).to_string().len(), 16);
    }
}
