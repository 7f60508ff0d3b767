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
                claim: match entry.body {
                    PartBody::Item(_) => "an entry names no item".into(),
                    PartBody::Piece(_) => "an entry names no piece".into(),
                },
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
    /// the part size allow; first, that it has the shape of a split of
    /// `manifest` within `limit` ([`SnapshotSplit::check_shape`]).
    pub fn verify(
        &self,
        manifest: &Manifest,
        bodies: &impl Bodies,
        limit: u64,
    ) -> Result<(), VerifyError> {
        self.check_shape(manifest, limit)?;
        self.parts
            .iter()
            .try_for_each(|part| self.verify_part(manifest, part, bodies))
    }

    /// Checks, before any body is read, that the parts are a split of
    /// `manifest`'s items: in order, each item once, whole or as the run of
    /// its pieces (each piece once, in order, from the item it names and
    /// with that item's origin, but for its lines), and that the parts
    /// claim at most twice `limit` bytes in all (a split repeats a frame
    /// per part and per piece, never the payload).
    pub fn check_shape(&self, manifest: &Manifest, limit: u64) -> Result<(), VerifyError> {
        let claim = |claim: &str| {
            Err(VerifyError::Split {
                claim: claim.into(),
            })
        };
        let (mut item, mut piece) = (0usize, 0usize);
        for entry in self.parts.iter().flat_map(|p| &p.entries) {
            match entry.body {
                PartBody::Item(i) if i as usize == item && item < manifest.items.len() => {
                    item += 1;
                }
                PartBody::Item(_) => return claim("its parts do not hold the items in order"),
                PartBody::Piece(j) if j as usize == piece => {
                    let Some(p) = self.pieces.get(piece) else {
                        return claim("an entry names no piece");
                    };
                    let Some(whole) = manifest.items.get(item) else {
                        return claim("a piece names no item");
                    };
                    let (a, b) = (&p.kept.origin, &whole.origin);
                    let same = a.pack == b.pack
                        && a.artifact == b.artifact
                        && a.source == b.source
                        && a.path == b.path;
                    if p.item as usize != item || !same {
                        return claim("a piece is not of the item it stands in for");
                    }
                    piece += 1;
                    if self
                        .pieces
                        .get(piece)
                        .is_none_or(|next| next.item != p.item)
                    {
                        item += 1;
                    }
                }
                PartBody::Piece(_) => return claim("its parts do not hold the pieces in order"),
            }
        }
        if item != manifest.items.len() || piece != self.pieces.len() {
            return claim("its parts do not hold every item once");
        }
        let declared = (self.parts.iter()).fold(0u64, |sum, p| sum.saturating_add(p.payload_bytes));
        if declared > limit.saturating_mul(2) {
            return Err(VerifyError::TooLarge {
                bytes: declared,
                limit: limit.saturating_mul(2),
            });
        }
        Ok(())
    }

    /// [`SnapshotSplit::verify`] of one part, whose bodies alone
    /// `bodies` may hold (its shape checked already).
    pub fn verify_part(
        &self,
        manifest: &Manifest,
        part: &SplitPart,
        bodies: &impl Bodies,
    ) -> Result<(), VerifyError> {
        let claim = |claim: String| Err(VerifyError::Split { claim });
        let pieces = self.part_pieces(manifest, part, bodies)?;
        // Its size before its hash: a part that claims little but holds
        // much is refused without hashing it.
        let bytes = pieces
            .iter()
            .fold(0u64, |sum, p| sum.saturating_add(p.len() as u64));
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
        // The pieces and which entry shows which, too: they decide what gc
        // keeps and purge removes.
        h.update(&(self.pieces.len() as u64).to_le_bytes());
        for p in &self.pieces {
            h.update(&p.item.to_le_bytes());
            crate::snapshot::origin(h, &p.kept.origin);
            h.update(&p.kept.body.0);
            h.update(&p.kept.tokens.to_le_bytes());
        }
        for part in &self.parts {
            h.update(&(part.entries.len() as u64).to_le_bytes());
            for e in &part.entries {
                let (tag, i) = match e.body {
                    PartBody::Item(i) => (0u8, i),
                    PartBody::Piece(i) => (1, i),
                };
                h.update(&[tag]);
                h.update(&i.to_le_bytes());
            }
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
                pieces: ["cd", "ef"]
                    .into_iter()
                    .map(|body| SplitPiece {
                        item: 1,
                        kept: item(body),
                    })
                    .collect(),
                parts: vec![
                    part(
                        vec![
                            entry("<1>", PartBody::Item(0)),
                            entry("<2>", PartBody::Piece(0)),
                        ],
                        b"[<1>ab<2>cd]",
                    ),
                    part(vec![entry("<1>", PartBody::Piece(1))], b"[<1>ef]"),
                ],
            }),
        };
        let bodies = ["ab", "cdef", "cd", "ef"]
            .into_iter()
            .map(|b| (BlobHash::of(b.as_bytes()), b))
            .collect();
        (manifest, bodies)
    }

    #[test]
    fn parts_verify_against_their_bodies() {
        let (m, bodies) = split();
        let split = m.split.as_ref().expect("split");
        assert_eq!(split.verify(&m, &bodies, u64::MAX), Ok(()));
        let first = split
            .part_pieces(&m, &split.parts[0], &bodies)
            .expect("pieces");
        assert_eq!(first.concat(), b"[<1>ab<2>cd]");
    }

    #[test]
    fn a_split_that_is_not_one_of_its_items_is_refused() {
        let refused = |wrong: fn(&mut SnapshotSplit)| {
            let (mut m, bodies) = split();
            let mut split = m.split.take().expect("split");
            wrong(&mut split);
            split.verify(&m, &bodies, u64::MAX)
        };
        let split_error = |r: Result<(), VerifyError>| matches!(r, Err(VerifyError::Split { .. }));
        // Out of order, repeated, left out, or naming what is not there.
        assert!(split_error(refused(
            |s| s.parts[1].entries[0].body = PartBody::Item(0)
        )));
        assert!(split_error(refused(
            |s| s.parts[1].entries[0].body = PartBody::Piece(7)
        )));
        assert!(split_error(refused(
            |s| s.parts[0].entries[0].body = PartBody::Item(1)
        )));
        assert!(split_error(refused(|s| {
            s.parts.pop();
        })));
        // A piece of another item, or with another origin.
        assert!(split_error(refused(|s| s.pieces[1].item = 0)));
        assert!(split_error(refused(
            |s| s.pieces[0].kept.origin.path = Some("x".into())
        )));
        // More tokens than a part holds, or a byte count that is not its own.
        assert!(split_error(refused(|s| s.parts[0].tokens = 5)));
        assert!(split_error(refused(|s| s.parts[1].payload_bytes += 1)));
        // Parts that claim far more than the limit are refused unread.
        let (m, bodies) = split();
        let s = m.split.as_ref().expect("split");
        assert!(matches!(
            s.verify(&m, &bodies, 5),
            Err(VerifyError::TooLarge { .. })
        ));
        let mut missing = bodies.clone();
        missing.remove(&BlobHash::of(b"cd"));
        assert!(matches!(
            s.verify(&m, &missing, u64::MAX),
            Err(VerifyError::MissingBody { .. })
        ));
    }
}
