//! A snapshot's split (`snapshot create --split`): its payload cut into
//! parts that are each a payload of their own, recorded as bytes are, so
//! the parts reproduce byte for byte as the whole payload does, whatever
//! the splitting code of a later ctx would make.
//!
//! A part is a preamble, entries and a trailer. An entry is a head and a
//! body: the body of one of the manifest's items, or of a piece, a line
//! range of an item too large for one part. A piece is kept as an item is
//! (its origin names its artifact), so gc keeps it and purge removes it.

use serde::{Deserialize, Serialize};

use crate::snapshot::{Manifest, SnapshotItem, VerifyError};
use crate::{BlobHash, Bodies};

/// How a snapshot's payload was split into parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSplit {
    /// The most tokens a part holds.
    pub max_tokens: u64,
    /// Pieces of items too large for one part, in order.
    pub pieces: Vec<SplitPiece>,
    pub parts: Vec<SplitPart>,
}

/// A line range of an item, kept as an item is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitPiece {
    /// The manifest's item it was cut from, by index.
    pub item: u32,
    pub kept: SnapshotItem,
}

/// One part: a payload of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitPart {
    pub preamble: String,
    pub entries: Vec<PartEntry>,
    pub trailer: String,
    /// The tokenizer's count of the part.
    pub tokens: u64,
    pub payload_hash: BlobHash,
    pub payload_bytes: u64,
}

/// An item, or a piece of one, in a part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartEntry {
    /// Its head in this part (numbered within it).
    pub head: String,
    pub body: PartBody,
}

/// Whose body an entry shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartBody {
    /// The manifest's item, by index.
    Item(u32),
    /// The split's piece, by index.
    Piece(u32),
}

impl SnapshotSplit {
    /// The kept item an entry's body is the body of.
    pub fn kept<'a>(&'a self, manifest: &'a Manifest, body: PartBody) -> Option<&'a SnapshotItem> {
        match body {
            PartBody::Item(i) => manifest.items.get(i as usize),
            PartBody::Piece(i) => self.pieces.get(i as usize).map(|p| &p.kept),
        }
    }

    /// Part `part`'s pieces in order: preamble, each entry's head and
    /// body, trailer.
    pub fn part_pieces<'a>(
        &'a self,
        manifest: &'a Manifest,
        part: &'a SplitPart,
        bodies: &'a impl Bodies,
    ) -> Result<Vec<&'a [u8]>, VerifyError> {
        let mut pieces = Vec::with_capacity(part.entries.len() * 2 + 2);
        pieces.push(part.preamble.as_bytes());
        for entry in &part.entries {
            let kept = self.kept(manifest, entry.body).ok_or(VerifyError::Split {
                claim: "an entry names no item".into(),
            })?;
            let body = bodies
                .body(&kept.body)
                .ok_or(VerifyError::MissingBody { hash: kept.body })?;
            pieces.push(entry.head.as_bytes());
            pieces.push(body);
        }
        pieces.push(part.trailer.as_bytes());
        Ok(pieces)
    }

    /// Checks that every part reassembles from `bodies` (by body hash) to
    /// the bytes it recorded, and holds no more tokens than its bytes or
    /// the part size allow.
    pub fn verify(&self, manifest: &Manifest, bodies: &impl Bodies) -> Result<(), VerifyError> {
        self.parts
            .iter()
            .try_for_each(|part| self.verify_part(manifest, part, bodies))
    }

    /// [`SnapshotSplit::verify`] of one part, whose bodies alone
    /// `bodies` may hold.
    pub fn verify_part(
        &self,
        manifest: &Manifest,
        part: &SplitPart,
        bodies: &impl Bodies,
    ) -> Result<(), VerifyError> {
        let claim = |claim: String| Err(VerifyError::Split { claim });
        let orphan = part.entries.iter().any(|e| match e.body {
            PartBody::Piece(i) => self
                .pieces
                .get(i as usize)
                .is_some_and(|p| p.item as usize >= manifest.items.len()),
            PartBody::Item(_) => false,
        });
        if orphan {
            return claim("a piece names no item".into());
        }
        let pieces = self.part_pieces(manifest, part, bodies)?;
        let bytes: u64 = pieces.iter().map(|p| p.len() as u64).sum();
        if bytes != part.payload_bytes {
            return claim(format!(
                "a part says it is {} bytes, but its pieces make {bytes}",
                part.payload_bytes
            ));
        }
        if part.tokens > self.max_tokens || part.tokens > bytes {
            return claim(format!(
                "a part claims {} tokens in {bytes} bytes, with parts of at most {}",
                part.tokens, self.max_tokens
            ));
        }
        if crate::payload_hash(pieces) != part.payload_hash {
            return claim("a part does not match its hash".into());
        }
        Ok(())
    }

    /// Feeds what defines the parts to a snapshot id's hasher.
    pub(crate) fn identify(&self, h: &mut blake3::Hasher) {
        h.update(b"split\0");
        h.update(&self.max_tokens.to_le_bytes());
        h.update(&(self.parts.len() as u64).to_le_bytes());
        for part in &self.parts {
            h.update(&part.payload_hash.0);
            h.update(&part.payload_bytes.to_le_bytes());
            h.update(&part.tokens.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::snapshot::{BodyForm, ItemOrigin};
    use crate::{ArtifactId, Format, TokenizerKind};

    fn item(body: &str) -> SnapshotItem {
        SnapshotItem {
            origin: ItemOrigin {
                pack: "p".into(),
                artifact: ArtifactId(1),
                source: "text:x".into(),
                path: None,
                lines: None,
            },
            head: "<1>".into(),
            body: BlobHash::of(body.as_bytes()),
            tokens: 1,
            form: BodyForm::Whole,
        }
    }

    fn split() -> (Manifest, HashMap<BlobHash, &'static str>) {
        let part = |entries: Vec<PartEntry>, bytes: &[u8]| SplitPart {
            preamble: "[".into(),
            entries,
            trailer: "]".into(),
            tokens: 2,
            payload_hash: crate::payload_hash([bytes]),
            payload_bytes: bytes.len() as u64,
        };
        let entry = |head: &str, body| PartEntry {
            head: head.into(),
            body,
        };
        let manifest = Manifest {
            packs: Vec::new(),
            label: None,
            format: Format::Xml,
            tokenizer: TokenizerKind::O200k,
            budget: 10,
            tokens: 3,
            render_hash: BlobHash([0; 32]),
            payload_hash: BlobHash([0; 32]),
            payload_bytes: 0,
            preamble: String::new(),
            trailer: String::new(),
            items: vec![item("ab"), item("cdef")],
            excluded: Vec::new(),
            split: Some(SnapshotSplit {
                max_tokens: 4,
                pieces: vec![SplitPiece {
                    item: 1,
                    kept: item("cd"),
                }],
                parts: vec![
                    part(
                        vec![
                            entry("<1>", PartBody::Item(0)),
                            entry("<2>", PartBody::Piece(0)),
                        ],
                        b"[<1>ab<2>cd]",
                    ),
                    part(vec![entry("<1>", PartBody::Item(1))], b"[<1>cdef]"),
                ],
            }),
        };
        let bodies = ["ab", "cdef", "cd"]
            .into_iter()
            .map(|b| (BlobHash::of(b.as_bytes()), b))
            .collect();
        (manifest, bodies)
    }

    #[test]
    fn parts_verify_against_their_bodies() {
        let (m, bodies) = split();
        let split = m.split.as_ref().expect("split");
        assert_eq!(split.verify(&m, &bodies), Ok(()));
        let first = split
            .part_pieces(&m, &split.parts[0], &bodies)
            .expect("pieces");
        assert_eq!(first.concat(), b"[<1>ab<2>cd]");
    }

    #[test]
    fn a_part_that_does_not_match_is_refused() {
        let (mut m, bodies) = split();
        let mut split = m.split.take().expect("split");
        split.parts[1].entries[0].body = PartBody::Item(0);
        assert!(matches!(
            split.verify(&m, &bodies),
            Err(VerifyError::Split { .. })
        ));
        split.parts[1].entries[0].body = PartBody::Piece(7);
        assert!(matches!(
            split.verify(&m, &bodies),
            Err(VerifyError::Split { .. })
        ));
        let (m, bodies) = self::split();
        let mut split = m.split.clone().expect("split");
        split.parts[0].tokens = 5;
        assert!(matches!(
            split.verify(&m, &bodies),
            Err(VerifyError::Split { .. })
        ));
        let mut missing = bodies.clone();
        missing.remove(&BlobHash::of(b"cd"));
        assert!(matches!(
            m.split.as_ref().expect("split").verify(&m, &missing),
            Err(VerifyError::MissingBody { .. })
        ));
    }
}
