//! Snapshots: a render frozen so its payload can be reproduced byte for byte
//! later, anywhere. The manifest holds the frame and, for each item, the hash
//! of its framed bytes and how they are kept: the content is a blob (the
//! one its artifact captured, when the content is the same) inside a frame
//! the manifest records, so a snapshot adds almost nothing to the store.
//!
//! [`payload_hash`] is the one definition of a payload's hash: snapshot
//! create computes it, and reproducing a snapshot or importing a bundle
//! checks it through [`Manifest::verify`].

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::exclusion::as_word;
use crate::frame::Frame;
use crate::id::scramble;
use crate::split::SnapshotSplit;
use crate::{ArtifactId, BlobHash, ExclusionReason, Format, PackRef, TokenizerKind};

/// A snapshot, shown as 16 hex digits (a unique prefix is accepted).
///
/// A snapshot taken by this ctx is named by its content
/// ([`Manifest::content_id`]): the same render has the same id on every
/// machine. One written before (schema 4 and older) is named by the seq of
/// its `SnapshotCreated` event, shown scrambled as artifact ids are; such
/// a snapshot also resolves by its content id. The two never meet: a
/// content id has its top bit set, and no seq reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SnapshotId(pub u64);

/// The bit that marks a content id.
const CONTENT: u64 = 1 << 63;

impl SnapshotId {
    /// The first 8 hex digits.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(8);
        s
    }

    /// Whether the id names its snapshot's content (not a local seq).
    pub fn is_content(&self) -> bool {
        self.0 & CONTENT != 0
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_content() {
            return write!(f, "{:016x}", self.0);
        }
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
    /// The parts the payload was split into, if it was. Encoded beside
    /// the manifest (manifest envelope V3, bundle format 3), so manifests
    /// written before decode as they are.
    #[serde(skip)]
    pub split: Option<SnapshotSplit>,
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
    /// BLAKE3 of the framed content (after range slicing and redaction):
    /// what names the item in diffs, `--since` and the snapshot's id.
    pub body: BlobHash,
    pub tokens: u64,
    /// How the store keeps the body.
    pub form: BodyForm,
}

/// How a snapshot item's body is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyForm {
    /// As one blob of the framed bytes, named by the body hash (every item
    /// of a snapshot taken before frames were recorded).
    Whole,
    /// As the blob of its content inside a recorded frame.
    Framed(Frame),
}

impl SnapshotItem {
    /// The blob the store keeps for the item.
    pub fn blob(&self) -> BlobHash {
        match &self.form {
            BodyForm::Whole => self.body,
            BodyForm::Framed(frame) => frame.content,
        }
    }

    /// The body's length, given the length of its blob.
    pub fn body_len(&self, blob_len: u64) -> u64 {
        match &self.form {
            BodyForm::Whole => blob_len,
            BodyForm::Framed(frame) => frame.bytes,
        }
    }

    /// The body made from its blob's (verified) bytes, checked against the
    /// body hash when it is framed here.
    pub fn body_from<'a>(&self, blob: &'a [u8]) -> Result<Cow<'a, [u8]>, VerifyError> {
        let BodyForm::Framed(frame) = &self.form else {
            return Ok(Cow::Borrowed(blob));
        };
        let wrong = || VerifyError::Body { hash: self.body };
        let content = std::str::from_utf8(blob).map_err(|_| wrong())?;
        let body = frame.apply(content).into_bytes();
        if BlobHash::of(&body) != self.body {
            return Err(wrong());
        }
        Ok(Cow::Owned(body))
    }
}

/// The layouts manifests had before items recorded their form: every body
/// is a whole blob. Stores and bundles written then still decode.
pub mod legacy {
    use serde::Deserialize;

    use super::{BodyForm, ItemOrigin, Manifest, SnapshotExclusion, SnapshotItem};
    use crate::{BlobHash, Format, PackRef, TokenizerKind};

    /// A manifest of manifest envelope V1 and bundle format 1.
    #[derive(Deserialize)]
    pub struct ManifestV1 {
        packs: Vec<PackRef>,
        label: Option<String>,
        format: Format,
        tokenizer: TokenizerKind,
        budget: u64,
        tokens: u64,
        render_hash: BlobHash,
        payload_hash: BlobHash,
        payload_bytes: u64,
        preamble: String,
        trailer: String,
        items: Vec<ItemV1>,
        excluded: Vec<SnapshotExclusion>,
    }

    #[derive(Deserialize)]
    struct ItemV1 {
        origin: ItemOrigin,
        head: String,
        body: BlobHash,
        tokens: u64,
    }

    impl From<ManifestV1> for Manifest {
        fn from(m: ManifestV1) -> Self {
            Manifest {
                packs: m.packs,
                label: m.label,
                format: m.format,
                tokenizer: m.tokenizer,
                budget: m.budget,
                tokens: m.tokens,
                render_hash: m.render_hash,
                payload_hash: m.payload_hash,
                payload_bytes: m.payload_bytes,
                preamble: m.preamble,
                trailer: m.trailer,
                items: m
                    .items
                    .into_iter()
                    .map(|i| SnapshotItem {
                        origin: i.origin,
                        head: i.head,
                        body: i.body,
                        tokens: i.tokens,
                        form: BodyForm::Whole,
                    })
                    .collect(),
                excluded: m.excluded,
                split: None,
            }
        }
    }
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

/// Why a manifest's payload cannot be reproduced from the bodies given, or
/// what it claims does not agree with what it holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the body {hash} is missing")]
    MissingBody { hash: BlobHash },
    #[error("the body {hash} does not frame into the bytes it names")]
    Body { hash: BlobHash },
    #[error("it says its payload is {declared} bytes, but its pieces make {actual}")]
    PayloadBytes { declared: u64, actual: u64 },
    #[error("its payload would be {bytes} bytes, over the limit of {limit}")]
    TooLarge { bytes: u64, limit: u64 },
    #[error("its token counts do not add up: {claim}")]
    Tokens { claim: String },
    #[error("the payload does not match its hash")]
    PayloadHash,
    #[error("its split does not reproduce: {claim}")]
    Split { claim: String },
}

/// Looks bodies up by their hash.
pub trait Bodies {
    /// The bytes of the body `hash`, if there are any.
    fn body(&self, hash: &BlobHash) -> Option<&[u8]>;
}

impl<B: AsRef<[u8]>> Bodies for std::collections::HashMap<BlobHash, B> {
    fn body(&self, hash: &BlobHash) -> Option<&[u8]> {
        self.get(hash).map(AsRef::as_ref)
    }
}

impl<B: AsRef<[u8]>> Bodies for std::collections::HashMap<&BlobHash, B> {
    fn body(&self, hash: &BlobHash) -> Option<&[u8]> {
        self.get(hash).map(AsRef::as_ref)
    }
}

/// Feeds `bytes` to `hasher` with its length first, so the fields of an
/// identity cannot run into each other.
fn field(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

pub(crate) fn origin(hasher: &mut blake3::Hasher, o: &ItemOrigin) {
    field(hasher, o.pack.as_bytes());
    field(hasher, o.source.as_bytes());
    field(hasher, o.path.as_deref().unwrap_or("").as_bytes());
    let (from, to) = o.lines.unwrap_or((0, 0));
    hasher.update(&from.to_le_bytes());
    hasher.update(&to.to_le_bytes());
}

impl Manifest {
    /// The snapshot's id: a hash of what defines its payload (the packs by
    /// name, format, tokenizer, budget, every item and exclusion by where
    /// it came from with its body hash and tokens, and the payload hash),
    /// never of a time, a label or a local id, so the same render has the
    /// same id on every machine.
    pub fn content_id(&self) -> SnapshotId {
        let mut h = blake3::Hasher::new();
        h.update(b"ctx snapshot id 1\0");
        h.update(&(self.packs.len() as u64).to_le_bytes());
        for pack in &self.packs {
            field(&mut h, pack.name.as_str().as_bytes());
        }
        field(&mut h, self.format.as_str().as_bytes());
        field(&mut h, self.tokenizer.as_str().as_bytes());
        h.update(&self.budget.to_le_bytes());
        h.update(&self.tokens.to_le_bytes());
        h.update(&self.payload_hash.0);
        h.update(&self.payload_bytes.to_le_bytes());
        h.update(&(self.items.len() as u64).to_le_bytes());
        for item in &self.items {
            origin(&mut h, &item.origin);
            field(&mut h, item.head.as_bytes());
            h.update(&item.body.0);
            h.update(&item.tokens.to_le_bytes());
        }
        h.update(&(self.excluded.len() as u64).to_le_bytes());
        for e in &self.excluded {
            origin(&mut h, &e.origin);
            field(&mut h, e.reason.as_str().as_bytes());
            h.update(&e.tokens.map_or(u64::MAX, |t| t).to_le_bytes());
        }
        // Only a split snapshot hashes one, so ids of the others stay.
        if let Some(split) = &self.split {
            split.identify(&mut h);
        }
        let hash = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        SnapshotId(u64::from_be_bytes(first) | CONTENT)
    }

    /// Every item whose blob the store keeps for the snapshot: its items,
    /// then its split's pieces.
    pub fn kept(&self) -> impl Iterator<Item = &SnapshotItem> {
        let pieces = self
            .split
            .iter()
            .flat_map(|s| s.pieces.iter().map(|p| &p.kept));
        self.items.iter().chain(pieces)
    }

    /// The payload's pieces in order: preamble, each item's head and body,
    /// trailer. Items sharing a body share its bytes.
    pub fn pieces<'a>(&'a self, bodies: &'a impl Bodies) -> Result<Vec<&'a [u8]>, VerifyError> {
        let mut pieces = Vec::with_capacity(self.items.len() * 2 + 2);
        pieces.push(self.preamble.as_bytes());
        for item in &self.items {
            let body = bodies
                .body(&item.body)
                .ok_or(VerifyError::MissingBody { hash: item.body })?;
            pieces.push(item.head.as_bytes());
            pieces.push(body);
        }
        pieces.push(self.trailer.as_bytes());
        Ok(pieces)
    }

    /// Checks that `blobs` (by their own hashes, as the store keeps them)
    /// reassemble the payload the manifest recorded, byte for byte, within
    /// `limit` bytes, and that what it claims of the payload agrees with
    /// it: its size, each framed body's hash, and token counts no larger
    /// than the bytes they count (a token is at least one byte), adding up
    /// to a total within the budget. The size is checked before anything
    /// is hashed, so a manifest naming one large body many times costs
    /// nothing to refuse.
    pub fn verify(&self, blobs: &impl Bodies, limit: u64) -> Result<(), VerifyError> {
        self.verify_payload(blobs, limit)?;
        let Some(split) = &self.split else {
            return Ok(());
        };
        split.check_shape(self, limit)?;
        // The pieces' bodies are framed only once their sizes are known.
        let mut pieces = 0u64;
        for p in &split.pieces {
            let blob = blobs.body(&p.kept.blob()).ok_or(VerifyError::MissingBody {
                hash: p.kept.blob(),
            })?;
            pieces = pieces.saturating_add(p.kept.body_len(blob.len() as u64));
        }
        if pieces > limit.saturating_mul(2) {
            return Err(VerifyError::TooLarge {
                bytes: pieces,
                limit: limit.saturating_mul(2),
            });
        }
        let mut bodies = std::collections::HashMap::new();
        for kept in self.kept() {
            let blob = blobs
                .body(&kept.blob())
                .ok_or(VerifyError::MissingBody { hash: kept.blob() })?;
            bodies.insert(kept.body, kept.body_from(blob)?);
        }
        split.verify(self, &bodies, limit)
    }

    /// [`Manifest::verify`] of the whole payload alone.
    fn verify_payload(&self, blobs: &impl Bodies, limit: u64) -> Result<(), VerifyError> {
        self.verify_with(
            |item| {
                let blob = blobs.body(&item.blob())?;
                Some(item.body_len(blob.len() as u64))
            },
            limit,
            |item| {
                let blob = blobs
                    .body(&item.blob())
                    .ok_or(VerifyError::MissingBody { hash: item.blob() })?;
                item.body_from(blob)
            },
        )
    }

    /// [`Manifest::verify`] for bodies that are not in memory: `len` gives
    /// an item's body length (`None` when its blob is missing), and `body`
    /// its bytes ([`SnapshotItem::body_from`] makes them from a blob), once
    /// per item, in order.
    pub fn verify_with<E: From<VerifyError>, B: AsRef<[u8]>>(
        &self,
        len: impl Fn(&SnapshotItem) -> Option<u64>,
        limit: u64,
        mut body: impl FnMut(&SnapshotItem) -> Result<B, E>,
    ) -> Result<(), E> {
        let mut item_bytes = Vec::with_capacity(self.items.len());
        for item in &self.items {
            let body = len(item).ok_or(VerifyError::MissingBody { hash: item.blob() })?;
            item_bytes.push((item.head.len() as u64).saturating_add(body));
        }
        let actual = item_bytes.iter().fold(
            (self.preamble.len() as u64).saturating_add(self.trailer.len() as u64),
            |sum, n| sum.saturating_add(*n),
        );
        if actual > limit {
            return Err(VerifyError::TooLarge {
                bytes: actual,
                limit,
            }
            .into());
        }
        if actual != self.payload_bytes {
            return Err(VerifyError::PayloadBytes {
                declared: self.payload_bytes,
                actual,
            }
            .into());
        }
        self.check_tokens(&item_bytes)?;
        let mut sum = blake3::Hasher::new();
        sum.update(self.preamble.as_bytes());
        for (item, &bytes) in self.items.iter().zip(&item_bytes) {
            let body = body(item)?;
            let body = body.as_ref();
            if item.head.len() as u64 + body.len() as u64 != bytes {
                return Err(VerifyError::Body { hash: item.body }.into());
            }
            sum.update(item.head.as_bytes());
            sum.update(body);
        }
        sum.update(self.trailer.as_bytes());
        if BlobHash(*sum.finalize().as_bytes()) != self.payload_hash {
            return Err(VerifyError::PayloadHash.into());
        }
        Ok(())
    }

    /// Checks the token counts against the bytes of each item (head and
    /// body) and the budget.
    fn check_tokens(&self, item_bytes: &[u64]) -> Result<(), VerifyError> {
        let claim = |claim: String| Err(VerifyError::Tokens { claim });
        let mut items = 0u64;
        for (item, &bytes) in self.items.iter().zip(item_bytes) {
            if item.tokens > bytes {
                return claim(format!(
                    "an item of {bytes} bytes claims {} tokens",
                    item.tokens
                ));
            }
            items = items.saturating_add(item.tokens);
        }
        if items > self.tokens || self.tokens > self.payload_bytes {
            return claim(format!(
                "its items claim {items} tokens of {}, in {} bytes",
                self.tokens, self.payload_bytes
            ));
        }
        if self.tokens > self.budget {
            return claim(format!(
                "{} tokens are over its budget of {}",
                self.tokens, self.budget
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

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
                form: BodyForm::Whole,
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
            payload_bytes: 11,
            preamble: "[".into(),
            trailer: "]".into(),
            items,
            excluded: Vec::new(),
            split: None,
        };
        m.payload_hash = payload_hash([&b"[<0>a<1>bc]"[..]]);
        m
    }

    fn bodies(list: &[&'static str]) -> HashMap<BlobHash, &'static str> {
        list.iter()
            .map(|b| (BlobHash::of(b.as_bytes()), *b))
            .collect()
    }

    #[test]
    fn a_manifest_verifies_against_its_bodies() {
        let m = manifest(&["a", "bc"]);
        assert_eq!(m.verify(&bodies(&["a", "bc"]), 100), Ok(()));
        assert_eq!(m.pieces(&bodies(&["a", "bc"])).map(|p| p.len()), Ok(6));
        assert_eq!(
            m.verify(&bodies(&["a"]), 100),
            Err(VerifyError::MissingBody {
                hash: BlobHash::of(b"bc")
            })
        );
        assert_eq!(
            m.verify(&bodies(&["a", "bc"]), 10),
            Err(VerifyError::TooLarge {
                bytes: 11,
                limit: 10
            })
        );
        let mut wrong = m.clone();
        wrong.payload_bytes = 12;
        assert!(matches!(
            wrong.verify(&bodies(&["a", "bc"]), 100),
            Err(VerifyError::PayloadBytes { .. })
        ));
        for (tokens, item, budget) in [(3, 9, 10), (12, 1, 20), (3, 1, 2)] {
            let mut wrong = m.clone();
            wrong.tokens = tokens;
            wrong.items[1].tokens = item;
            wrong.budget = budget;
            assert!(
                matches!(
                    wrong.verify(&bodies(&["a", "bc"]), 100),
                    Err(VerifyError::Tokens { .. })
                ),
                "{tokens} {item} {budget}"
            );
        }
        wrong = m.clone();
        wrong.trailer = ")".into();
        assert_eq!(
            wrong.verify(&bodies(&["a", "bc"]), 100),
            Err(VerifyError::PayloadHash)
        );
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
            form: BodyForm,
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
            form: BodyForm::Whole,
        };
        let mut nested = item.clone();
        nested.origin.lines = Some((3, 4));
        assert_eq!(
            postcard::to_stdvec(&flat).expect("flat"),
            postcard::to_stdvec(&nested).expect("nested")
        );
    }

    /// The manifest of [`manifest`] with its second item framed: its blob
    /// is the content `b"c"`, its body `"b" + "c" + ""`.
    fn framed() -> (Manifest, HashMap<BlobHash, &'static str>) {
        let mut m = manifest(&["a", "bc"]);
        m.items[1].form = BodyForm::Framed(Frame {
            open: "b".into(),
            content: BlobHash::of(b"c"),
            escape: crate::Escape::None,
            close: String::new(),
            bytes: 2,
        });
        (m, bodies(&["a", "c"]))
    }

    #[test]
    fn a_framed_item_verifies_from_its_content() {
        let (m, blobs) = framed();
        assert_eq!(m.verify(&blobs, 100), Ok(()));
        assert_eq!(m.items[1].blob(), BlobHash::of(b"c"));
        // Another content, or a frame that makes other bytes, is refused.
        let mut other = m.clone();
        let BodyForm::Framed(frame) = &mut other.items[1].form else {
            unreachable!()
        };
        frame.content = BlobHash::of(b"a");
        assert_eq!(
            other.verify(&blobs, 100),
            Err(VerifyError::Body {
                hash: m.items[1].body
            })
        );
        let mut other = m.clone();
        let BodyForm::Framed(frame) = &mut other.items[1].form else {
            unreachable!()
        };
        frame.close = "x".into();
        assert_eq!(
            other.verify(&blobs, 100),
            Err(VerifyError::Body {
                hash: m.items[1].body
            })
        );
        // A frame that claims a shorter body than it makes is refused
        // before its content is trusted.
        let mut other = m.clone();
        let BodyForm::Framed(frame) = &mut other.items[1].form else {
            unreachable!()
        };
        frame.bytes = 1;
        assert!(other.verify(&blobs, 100).is_err());
        assert_eq!(
            m.verify(&bodies(&["a"]), 100),
            Err(VerifyError::MissingBody {
                hash: BlobHash::of(b"c")
            })
        );
    }

    #[test]
    fn a_manifest_of_the_first_layout_decodes_with_whole_bodies() {
        #[derive(Serialize)]
        struct ItemV1<'a> {
            origin: &'a ItemOrigin,
            head: &'a str,
            body: BlobHash,
            tokens: u64,
        }
        #[derive(Serialize)]
        struct ManifestV1<'a> {
            packs: &'a [PackRef],
            label: &'a Option<String>,
            format: Format,
            tokenizer: TokenizerKind,
            budget: u64,
            tokens: u64,
            render_hash: BlobHash,
            payload_hash: BlobHash,
            payload_bytes: u64,
            preamble: &'a str,
            trailer: &'a str,
            items: Vec<ItemV1<'a>>,
            excluded: &'a [SnapshotExclusion],
        }
        let m = manifest(&["a", "bc"]);
        let old = ManifestV1 {
            packs: &m.packs,
            label: &m.label,
            format: m.format,
            tokenizer: m.tokenizer,
            budget: m.budget,
            tokens: m.tokens,
            render_hash: m.render_hash,
            payload_hash: m.payload_hash,
            payload_bytes: m.payload_bytes,
            preamble: &m.preamble,
            trailer: &m.trailer,
            items: m
                .items
                .iter()
                .map(|i| ItemV1 {
                    origin: &i.origin,
                    head: &i.head,
                    body: i.body,
                    tokens: i.tokens,
                })
                .collect(),
            excluded: &m.excluded,
        };
        let bytes = postcard::to_stdvec(&old).expect("encode");
        let decoded: legacy::ManifestV1 = postcard::from_bytes(&bytes).expect("decode");
        assert_eq!(Manifest::from(decoded), m);
    }

    #[test]
    fn a_content_id_names_the_payload_and_nothing_local() {
        let m = manifest(&["a", "bc"]);
        let id = m.content_id();
        assert!(id.is_content());
        assert_eq!(id.to_string(), format!("{:016x}", id.0));
        // A label, local pack ids and artifact ids are not the content.
        let mut elsewhere = m.clone();
        elsewhere.label = Some("shared".into());
        elsewhere.items[0].origin.artifact = ArtifactId(99);
        assert_eq!(elsewhere.content_id(), id);
        // Nor is how the store keeps a body.
        assert_eq!(framed().0.content_id(), id);
        // Everything that defines the payload is.
        let changes: [fn(&mut Manifest); 6] = [
            |m| m.budget += 1,
            |m| m.format = Format::Json,
            |m| m.tokenizer = TokenizerKind::Cl100k,
            |m| m.payload_hash = BlobHash([1; 32]),
            |m| m.items[1].body = BlobHash([2; 32]),
            |m| m.items[0].origin.source = "text:y".into(),
        ];
        for change in changes {
            let mut other = m.clone();
            change(&mut other);
            assert_ne!(other.content_id(), id);
        }
        // A seq-named snapshot is never taken for a content id.
        assert!(!SnapshotId(u64::from(u32::MAX)).is_content());
    }

    #[test]
    fn snapshot_ids_differ_from_artifact_ids() {
        assert_ne!(SnapshotId(5).to_string(), ArtifactId(5).to_string());
        assert_eq!(SnapshotId(5).to_string().len(), 16);
    }
}
