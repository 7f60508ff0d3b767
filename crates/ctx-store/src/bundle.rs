//! Snapshot bundles: one portable file holding a snapshot's manifest and
//! every blob it needs, so it can be reproduced on another machine.
//!
//! Layout: the magic `CTXBNDL\0`, the format version (u32 LE), a postcard
//! body, and the BLAKE3 of everything before it. Reading checks all of it
//! (magic, version, checksum, every blob's hash, the reassembled payload's
//! hash) before anything is returned, so a truncated, tampered or foreign
//! file is refused whole.

use std::collections::HashMap;

use std::io::Read as _;

use serde::Serialize;

use ctx_model::{BlobHash, Manifest};

/// Marks a ctx bundle.
const MAGIC: &[u8; 8] = b"CTXBNDL\0";

/// The newest bundle format this ctx reads: 3 carries a split after the
/// manifest; 2 records each item's form (a framed item carries its
/// content's blob); 1 carried every body whole. A snapshot without a split
/// is written in format 2, as it was before splits existed.
pub const BUNDLE_VERSION: u32 = 3;

/// The format a bundle of `manifest` is written in.
fn version_for(manifest: &Manifest) -> u32 {
    if manifest.split.is_some() { 3 } else { 2 }
}

/// Blobs with their hashes, as a bundle carries them.
pub type Blobs = Vec<(BlobHash, Vec<u8>)>;

/// What [`Body`] decodes from, borrowed so encoding copies no blob.
#[derive(Serialize)]
struct BodyRef<'a> {
    manifest: &'a Manifest,
    blobs: &'a [(BlobHash, Vec<u8>)],
}

/// [`BodyRef`] of a split snapshot: the split follows the manifest.
#[derive(Serialize)]
struct SplitBodyRef<'a> {
    manifest: &'a Manifest,
    split: &'a ctx_model::SnapshotSplit,
    blobs: &'a [(BlobHash, Vec<u8>)],
}

/// Why a file is not a usable bundle.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("it is not a ctx snapshot bundle")]
    NotABundle,
    #[error(
        "it was written by a newer ctx (bundle format {found}); this ctx reads up to {supported}"
    )]
    Newer { found: u32, supported: u32 },
    #[error("it is damaged or truncated: its checksum does not match")]
    Checksum,
    #[error("it is damaged: {0}")]
    Damaged(String),
    #[error("it is {size} bytes, over the limit of {limit} bytes for a bundle")]
    TooLarge { size: u64, limit: u64 },
}

/// Encodes a manifest and the blobs it needs, into one buffer sized up
/// front: the bundle is as large as its blobs, so every extra copy would
/// cost that much memory again.
pub fn encode(manifest: &Manifest, blobs: &[(BlobHash, Vec<u8>)]) -> Vec<u8> {
    // Each blob: its hash, a length varint, its bytes; the manifest is small.
    let size = blobs.iter().map(|(_, b)| 32 + 10 + b.len()).sum::<usize>() + 64 * 1024;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version_for(manifest).to_le_bytes());
    let mut out = match &manifest.split {
        None => postcard::to_extend(&BodyRef { manifest, blobs }, out),
        Some(split) => postcard::to_extend(
            &SplitBodyRef {
                manifest,
                split,
                blobs,
            },
            out,
        ),
    }
    .expect("BUG: encoding to a Vec cannot fail");
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// Writes a bundle as a stream, the same bytes [`encode`] makes, holding
/// one blob at a time: the manifest first, then each blob as it is given,
/// then the checksum of everything before it.
pub struct Encoder<W: std::io::Write> {
    out: W,
    sum: blake3::Hasher,
    /// Blobs still to come, as the header announced.
    left: usize,
}

impl<W: std::io::Write> Encoder<W> {
    /// Starts a bundle of `manifest` and `blobs` blobs.
    pub fn start(out: W, manifest: &Manifest, blobs: usize) -> std::io::Result<Self> {
        let mut encoder = Self {
            out,
            sum: blake3::Hasher::new(),
            left: blobs,
        };
        let mut head = MAGIC.to_vec();
        head.extend_from_slice(&version_for(manifest).to_le_bytes());
        // `BodyRef` is the manifest's fields (then the split's), then the
        // blob list's length.
        let mut head =
            postcard::to_extend(manifest, head).expect("BUG: encoding to a Vec cannot fail");
        if let Some(split) = &manifest.split {
            head = postcard::to_extend(split, head).expect("BUG: encoding to a Vec cannot fail");
        }
        encoder.put(&head)?;
        encoder.put(&varint(blobs as u64))?;
        Ok(encoder)
    }

    /// Adds the next blob.
    pub fn blob(&mut self, hash: &BlobHash, bytes: &[u8]) -> std::io::Result<()> {
        assert!(self.left > 0, "BUG: more blobs than the bundle announced");
        self.left -= 1;
        self.put(&hash.0)?;
        self.put(&varint(bytes.len() as u64))?;
        self.put(bytes)
    }

    /// Writes the checksum and returns the sink.
    pub fn finish(mut self) -> std::io::Result<W> {
        assert_eq!(self.left, 0, "BUG: fewer blobs than the bundle announced");
        let sum = self.sum.finalize();
        self.out.write_all(sum.as_bytes())?;
        Ok(self.out)
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.sum.update(bytes);
        self.out.write_all(bytes)
    }
}

/// A length as postcard writes it: LEB128.
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The most bytes a bundle's manifest may take: it holds only the frame
/// and the items' names, never content.
const MANIFEST_MAX: usize = 64 << 20;

/// Why a bundle could not be read as a stream: it is no usable bundle, or
/// the sink its blobs go to failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Io(std::io::Error),
}

/// What a streamed bundle's input gives: bytes taken from a buffer of
/// read-ahead first, then from the reader; the checksum covers what the
/// parser consumes, never the read-ahead it has not.
struct Input<R> {
    ahead: Vec<u8>,
    at: usize,
    inner: R,
    sum: blake3::Hasher,
}

impl<R: std::io::Read> Input<R> {
    /// The next `n` bytes, counted in the checksum. A bundle that ends
    /// early is damaged or truncated.
    fn take(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::with_capacity(n.min(1 << 20));
        let from_ahead = (self.ahead.len() - self.at).min(n);
        out.extend_from_slice(&self.ahead[self.at..self.at + from_ahead]);
        self.at += from_ahead;
        let rest = (n - from_ahead) as u64;
        if rest > 0 {
            let read = (&mut self.inner)
                .take(rest)
                .read_to_end(&mut out)
                .map_err(ReadError::Io)?;
            if (read as u64) < rest {
                return Err(BundleError::Checksum.into());
            }
        }
        self.sum.update(&out);
        Ok(out)
    }

    /// A LEB128 length, as postcard writes one.
    fn varint(&mut self) -> Result<u64, ReadError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(BundleError::Damaged("a length runs past 64 bits".into()).into())
    }

    /// The checksum at the end, then nothing.
    fn finish(mut self) -> Result<(), ReadError> {
        let sum = self.sum.finalize();
        let mut tail = self.ahead[self.at..].to_vec();
        (&mut self.inner)
            .take(33u64.saturating_sub(tail.len() as u64))
            .read_to_end(&mut tail)
            .map_err(ReadError::Io)?;
        match tail.len() {
            n if n < 32 => Err(BundleError::Checksum.into()),
            32 if tail == sum.as_bytes() => Ok(()),
            32 => Err(BundleError::Checksum.into()),
            _ => Err(BundleError::Damaged("trailing bytes".into()).into()),
        }
    }
}

/// Reads a bundle as a stream, holding one blob at a time: checks its
/// magic and version, decodes its manifest, hands each blob to `keep`
/// once its hash is checked, and checks the checksum at the end. Returns
/// the manifest; its payload is for the caller to verify against the kept
/// blobs (`Manifest::verify_with`) before anything is written.
pub fn read<R: std::io::Read>(
    input: R,
    payload_limit: u64,
    mut keep: impl FnMut(BlobHash, Vec<u8>) -> std::io::Result<()>,
) -> Result<Manifest, ReadError> {
    let mut input = Input {
        ahead: Vec::new(),
        at: 0,
        inner: input,
        sum: blake3::Hasher::new(),
    };
    let head = input.take(MAGIC.len() + 4).map_err(|e| match e {
        ReadError::Bundle(_) => BundleError::NotABundle.into(),
        io => io,
    })?;
    if &head[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle.into());
    }
    let version = u32::from_le_bytes(head[MAGIC.len()..].try_into().expect("BUG: four bytes"));
    if version > BUNDLE_VERSION {
        return Err(BundleError::Newer {
            found: version,
            supported: BUNDLE_VERSION,
        }
        .into());
    }
    let mut manifest: Manifest = if version == 1 {
        read_manifest::<_, ctx_model::snapshot::legacy::ManifestV1>(&mut input)?.into()
    } else {
        read_manifest::<_, Manifest>(&mut input)?
    };
    if version >= 3 {
        manifest.split = Some(read_manifest(&mut input)?);
    }
    let blobs = input.varint()?;
    // Each blob is a body some item names: more than the items is damage.
    let kept = manifest.kept().count();
    if blobs > kept as u64 {
        return Err(
            BundleError::Damaged(format!("it holds {blobs} blobs for {kept} items")).into(),
        );
    }
    for _ in 0..blobs {
        let hash = BlobHash(
            input
                .take(32)?
                .try_into()
                .expect("BUG: 32 bytes were taken"),
        );
        let len = input.varint()?;
        if len > payload_limit {
            return Err(BundleError::Damaged(format!(
                "blob {hash} is {len} bytes, over the limit of {payload_limit}"
            ))
            .into());
        }
        let bytes = input.take(len as usize)?;
        if BlobHash::of(&bytes) != hash {
            return Err(
                BundleError::Damaged(format!("blob {hash} does not match its hash")).into(),
            );
        }
        keep(hash, bytes).map_err(ReadError::Io)?;
    }
    input.finish()?;
    Ok(manifest)
}

/// Decodes the manifest from the front of the input, reading ahead in
/// growing steps until it is whole; what follows it stays ahead, unhashed.
fn read_manifest<R: std::io::Read, M: serde::de::DeserializeOwned>(
    input: &mut Input<R>,
) -> Result<M, ReadError> {
    let mut step = 64 * 1024;
    loop {
        match postcard::take_from_bytes::<M>(&input.ahead[input.at..]) {
            Ok((manifest, rest)) => {
                let used = input.ahead.len() - input.at - rest.len();
                input.sum.update(&input.ahead[input.at..input.at + used]);
                input.at += used;
                return Ok(manifest);
            }
            Err(postcard::Error::DeserializeUnexpectedEnd) => {}
            Err(e) => return Err(BundleError::Damaged(e.to_string()).into()),
        }
        let have = input.ahead.len() - input.at;
        if have >= MANIFEST_MAX {
            return Err(BundleError::Damaged("its manifest is too large".into()).into());
        }
        let read = (&mut input.inner)
            .take(step as u64)
            .read_to_end(&mut input.ahead)
            .map_err(ReadError::Io)?;
        if read == 0 {
            return Err(BundleError::Checksum.into());
        }
        step = (step * 2).min(MANIFEST_MAX);
    }
}

/// Decodes and verifies a bundle whose payload may be at most
/// `payload_limit` bytes, from memory: [`read`] with the blobs kept.
pub fn decode(bytes: &[u8], payload_limit: u64) -> Result<(Manifest, Blobs), BundleError> {
    if bytes.len() < MAGIC.len() + 4 + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    // The whole file is at hand: damage is found by its checksum first.
    let (content, sum) = bytes.split_at(bytes.len() - 32);
    if blake3::hash(content).as_bytes() != sum {
        let version = u32::from_le_bytes(
            bytes[MAGIC.len()..MAGIC.len() + 4]
                .try_into()
                .expect("BUG: four bytes"),
        );
        return Err(if version > BUNDLE_VERSION {
            BundleError::Newer {
                found: version,
                supported: BUNDLE_VERSION,
            }
        } else {
            BundleError::Checksum
        });
    }
    let mut blobs = Vec::new();
    let manifest = read(bytes, payload_limit, |hash, blob| {
        blobs.push((hash, blob));
        Ok(())
    })
    .map_err(|e| match e {
        ReadError::Bundle(e) => e,
        ReadError::Io(e) => BundleError::Damaged(e.to_string()),
    })?;
    // A map, not a scan of the list per item: a scan makes a crafted bundle
    // with many items and many blobs cost items × blobs hash comparisons.
    let by_hash: HashMap<&BlobHash, &[u8]> = blobs.iter().map(|(h, b)| (h, b.as_slice())).collect();
    manifest
        .verify(&by_hash, payload_limit)
        .map_err(|e| BundleError::Damaged(e.to_string()))?;
    Ok((manifest, blobs))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use ctx_model::{
        ArtifactId, BodyForm, Escape, Format, Frame, ItemOrigin, PackId, PackName, PackRef,
        SnapshotItem, TokenizerKind,
    };

    use super::*;

    /// Tests that are not about the payload limit set none.
    const NO_LIMIT: u64 = u64::MAX;

    /// A valid bundle of one item, and its body.
    fn valid() -> Vec<u8> {
        let body = b"```\nhello\n```\n".to_vec();
        let hash = BlobHash::of(&body);
        let mut payload = blake3::Hasher::new();
        payload.update(b"pre");
        payload.update(b"head");
        payload.update(&body);
        payload.update(b"post");
        let manifest = Manifest {
            packs: vec![PackRef {
                id: PackId(1),
                name: PackName::new("p").expect("name"),
            }],
            label: Some("label".into()),
            format: Format::Markdown,
            tokenizer: TokenizerKind::O200k,
            budget: 100,
            tokens: 7,
            render_hash: hash,
            payload_hash: BlobHash(*payload.finalize().as_bytes()),
            payload_bytes: 25,
            preamble: "pre".into(),
            trailer: "post".into(),
            items: vec![SnapshotItem {
                origin: ItemOrigin {
                    pack: "p".into(),
                    artifact: ArtifactId(1),
                    source: "a.md".into(),
                    path: Some("a.md".into()),
                    lines: None,
                },
                head: "head".into(),
                body: hash,
                tokens: 7,
                form: BodyForm::Whole,
            }],
            excluded: Vec::new(),
            split: None,
        };
        encode(&manifest, &[(hash, body)])
    }

    /// Replaces the checksum, so damage reaches the decoder.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        bytes.truncate(bytes.len().saturating_sub(32));
        let sum = blake3::hash(&bytes);
        bytes.extend_from_slice(sum.as_bytes());
        bytes
    }

    #[test]
    fn a_streamed_bundle_is_the_encoded_one() {
        let bytes = valid();
        let (manifest, blobs) = decode(&bytes, NO_LIMIT).expect("valid");
        let mut big = blobs.clone();
        big.push((BlobHash::of(&[7; 300]), vec![7; 300]));
        for blobs in [blobs, big] {
            let mut streamed = Encoder::start(Vec::new(), &manifest, blobs.len()).expect("start");
            for (hash, blob) in &blobs {
                streamed.blob(hash, blob).expect("blob");
            }
            assert_eq!(
                streamed.finish().expect("finish"),
                encode(&manifest, &blobs)
            );
        }
    }

    #[test]
    fn a_split_travels_in_format_3_and_a_snapshot_without_one_in_format_2() {
        use ctx_model::{PartBody, PartEntry, SnapshotSplit, SplitPart};
        let format = |bytes: &[u8]| u32::from_le_bytes(bytes[8..12].try_into().expect("four"));
        let (mut manifest, blobs) = decode(&valid(), NO_LIMIT).expect("valid");
        assert_eq!(format(&valid()), 2);
        manifest.split = Some(SnapshotSplit {
            max_tokens: 7,
            pieces: Vec::new(),
            parts: vec![SplitPart {
                preamble: "pre".into(),
                entries: vec![PartEntry {
                    head: "head".into(),
                    body: PartBody::Item(0),
                }],
                trailer: "post".into(),
                tokens: 7,
                payload_hash: manifest.payload_hash,
                payload_bytes: manifest.payload_bytes,
            }],
        });
        let bytes = encode(&manifest, &blobs);
        assert_eq!(format(&bytes), 3);
        assert_eq!(decode(&bytes, NO_LIMIT).expect("split").0, manifest);
        let mut streamed = Encoder::start(Vec::new(), &manifest, blobs.len()).expect("start");
        for (hash, blob) in &blobs {
            streamed.blob(hash, blob).expect("blob");
        }
        assert_eq!(streamed.finish().expect("finish"), bytes);
        // A part that does not reassemble is refused.
        if let Some(split) = &mut manifest.split {
            split.parts[0].trailer = "tail".into();
        }
        assert!(matches!(
            decode(&encode(&manifest, &blobs), NO_LIMIT),
            Err(BundleError::Damaged(_))
        ));
    }

    #[test]
    fn a_valid_bundle_decodes() {
        assert!(decode(&valid(), NO_LIMIT).is_ok());
        assert_eq!(decode(&reseal(valid()), NO_LIMIT).map(drop), Ok(()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes, NO_LIMIT);
            let mut framed = MAGIC.to_vec();
            framed.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
            framed.extend_from_slice(&bytes);
            framed.extend_from_slice(&[0; 32]);
            let _ = decode(&reseal(framed), NO_LIMIT);
        }

        #[test]
        fn resealed_damage_is_refused_or_still_consistent(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let mut bytes = valid();
            let body = MAGIC.len() + 4..bytes.len() - 32;
            for (at, value) in edits {
                let at = body.start + at % body.len();
                bytes[at] = value;
            }
            if let Some(cut) = cut {
                bytes.truncate(body.start + cut % body.len() + 32);
            }
            if let Ok((manifest, blobs)) = decode(&reseal(bytes), NO_LIMIT) {
                // What decodes is whole: every item's body is there.
                for item in &manifest.items {
                    prop_assert!(blobs.iter().any(|(h, b)| *h == item.blob() && BlobHash::of(b) == *h));
                }
            }
        }
    }

    fn blob(bytes: &[u8]) -> (BlobHash, Vec<u8>) {
        (BlobHash::of(bytes), bytes.to_vec())
    }

    fn item(i: usize, body: BlobHash) -> SnapshotItem {
        SnapshotItem {
            origin: ItemOrigin {
                pack: "demo".into(),
                artifact: ArtifactId(i as u64 + 1),
                source: "text:x".into(),
                path: None,
                lines: None,
            },
            head: format!("## item {i}\n"),
            body,
            tokens: 1,
            form: BodyForm::Whole,
        }
    }

    /// A manifest of `items`, with the payload hash they give over `blobs`.
    fn manifest(items: Vec<SnapshotItem>, blobs: &Blobs) -> Manifest {
        let by_hash: HashMap<BlobHash, Vec<u8>> = blobs.iter().cloned().collect();
        let mut m = unhashed(items, blobs);
        m.payload_hash = ctx_model::payload_hash(m.pieces(&by_hash).expect("bodies"));
        m
    }

    /// [`manifest`] without its payload hash, which takes long for a large
    /// payload.
    fn unhashed(items: Vec<SnapshotItem>, blobs: &Blobs) -> Manifest {
        let by_hash: HashMap<BlobHash, Vec<u8>> = blobs.iter().cloned().collect();
        let mut m = Manifest {
            packs: Vec::new(),
            label: Some("test".into()),
            format: Format::Markdown,
            tokenizer: TokenizerKind::O200k,
            budget: items.len() as u64 + 1000,
            tokens: items.len() as u64,
            render_hash: BlobHash([0; 32]),
            payload_hash: BlobHash([0; 32]),
            payload_bytes: 0,
            preamble: "preamble\n".into(),
            trailer: "trailer\n".into(),
            items,
            excluded: Vec::new(),
            split: None,
        };
        m.payload_bytes = m
            .pieces(&by_hash)
            .expect("bodies")
            .iter()
            .map(|p| p.len() as u64)
            .sum();
        m
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let blobs = vec![blob(b"one\n"), blob(b"two\n")];
        let items = vec![
            item(0, blobs[1].0),
            item(1, blobs[0].0),
            item(2, blobs[1].0),
        ];
        let m = manifest(items, &blobs);
        let bytes = encode(&m, &blobs);
        assert_eq!(decode(&bytes, NO_LIMIT), Ok((m, blobs)));

        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 1;
        assert_eq!(decode(&flipped, NO_LIMIT), Err(BundleError::Checksum));
        assert_eq!(
            decode(&bytes[..bytes.len() - 1], NO_LIMIT),
            Err(BundleError::Checksum)
        );
        assert_eq!(decode(b"CTXBNDL", NO_LIMIT), Err(BundleError::NotABundle));
    }

    /// 2,000 items naming one 4 MiB body make a bundle of 4 MiB whose
    /// payload is 8 GB: refused for its size before anything is hashed or
    /// reassembled.
    #[test]
    fn a_payload_over_the_limit_is_refused_before_it_is_built() {
        let big = blob(&vec![b'x'; 4 << 20]);
        let m = unhashed(
            (0..2_000).map(|i| item(i, big.0)).collect(),
            &vec![big.clone()],
        );
        let bytes = encode(&m, &[big]);
        assert!(bytes.len() < 5 << 20);
        let started = Instant::now();
        assert!(matches!(
            decode(&bytes, 1 << 30),
            Err(BundleError::Damaged(reason)) if reason.contains("over the limit")
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    /// A framed item travels as its content's blob: the body is made and
    /// checked on the way in.
    #[test]
    fn a_framed_item_travels_as_its_content() {
        let content = blob(b"a < b\n");
        let open = "<document_content>";
        let mut body = open.to_owned();
        Escape::Xml.push(&mut body, "a < b\n");
        body.push_str("</document_content>\n");
        let mut framed = item(0, BlobHash::of(body.as_bytes()));
        framed.form = BodyForm::Framed(Frame {
            open: open.into(),
            content: content.0,
            escape: Escape::Xml,
            close: "</document_content>\n".into(),
            bytes: body.len() as u64,
        });
        // The manifest's sums are those of the framed body.
        let mut m = unhashed(vec![framed], &vec![blob(body.as_bytes())]);
        m.payload_hash = ctx_model::payload_hash([
            m.preamble.as_bytes(),
            m.items[0].head.as_bytes(),
            body.as_bytes(),
            m.trailer.as_bytes(),
        ]);
        let blobs = vec![content];
        let bytes = encode(&m, &blobs);
        assert_eq!(decode(&bytes, NO_LIMIT), Ok((m.clone(), blobs)));
        // Its content in another frame is damage.
        let other = blob(b"a > b\n");
        assert!(matches!(
            decode(&encode(&m, &[other]), NO_LIMIT),
            Err(BundleError::Damaged(_))
        ));
    }

    #[test]
    fn refuses_a_missing_blob() {
        let blobs = vec![blob(b"one\n")];
        let m = manifest(vec![item(0, blobs[0].0)], &blobs);
        assert!(matches!(
            decode(&encode(&m, &[]), NO_LIMIT),
            Err(BundleError::Damaged(reason)) if reason.contains("missing")
        ));
    }

    /// Finding each item's body by scanning the blob list made this 10 MB
    /// bundle (100,000 items and 100,000 blobs, every item naming the last
    /// blob) cost 10 billion hash comparisons: 11 to 19 s to decode, against
    /// well under a second with a map. The cost grew with the square of the
    /// size, so a crafted bundle ten times larger took half an hour.
    #[test]
    fn many_items_and_blobs_decode_in_linear_time() {
        const N: usize = 100_000;
        let blobs: Blobs = (0..N).map(|i| blob(format!("{i}\n").as_bytes())).collect();
        let last = blobs[N - 1].0;
        let m = manifest((0..N).map(|i| item(i, last)).collect(), &blobs);
        let bytes = encode(&m, &blobs);
        let started = Instant::now();
        let decoded = decode(&bytes, NO_LIMIT);
        let took = started.elapsed();
        assert!(decoded.is_ok(), "{:?}", decoded.err());
        assert!(took < Duration::from_secs(5), "decoding took {took:?}");
    }
}
