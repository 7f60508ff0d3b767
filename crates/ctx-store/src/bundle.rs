//! Snapshot bundles: one portable file holding a snapshot's manifest and
//! every blob it needs, so it can be reproduced on another machine.
//!
//! Layout: the magic `CTXBNDL\0`, the format version (u32 LE), a postcard
//! body, and the BLAKE3 of everything before it. Reading checks all of it
//! (magic, version, checksum, every blob's hash, the reassembled payload's
//! hash) before anything is returned, so a truncated, tampered or foreign
//! file is refused whole.

use serde::{Deserialize, Serialize};

use ctx_model::{BlobHash, Manifest};

/// Marks a ctx bundle.
const MAGIC: &[u8; 8] = b"CTXBNDL\0";

/// The bundle format this ctx writes and the newest it reads.
pub const BUNDLE_VERSION: u32 = 1;

/// Blobs with their hashes, as a bundle carries them.
pub type Blobs = Vec<(BlobHash, Vec<u8>)>;

#[derive(Deserialize)]
struct Body {
    manifest: Manifest,
    blobs: Blobs,
}

/// What [`Body`] decodes from, borrowed so encoding copies no blob.
#[derive(Serialize)]
struct BodyRef<'a> {
    manifest: &'a Manifest,
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
}

/// Encodes a manifest and the blobs it needs, into one buffer sized up
/// front: the bundle is as large as its blobs, so every extra copy would
/// cost that much memory again.
pub fn encode(manifest: &Manifest, blobs: &[(BlobHash, Vec<u8>)]) -> Vec<u8> {
    // Each blob: its hash, a length varint, its bytes; the manifest is small.
    let size = blobs.iter().map(|(_, b)| 32 + 10 + b.len()).sum::<usize>() + 64 * 1024;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
    let body = BodyRef { manifest, blobs };
    let mut out = postcard::to_extend(&body, out).expect("BUG: encoding to a Vec cannot fail");
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// Decodes and verifies a bundle.
pub fn decode(bytes: &[u8]) -> Result<(Manifest, Blobs), BundleError> {
    if bytes.len() < MAGIC.len() + 4 + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    let version = u32::from_le_bytes(
        bytes[MAGIC.len()..MAGIC.len() + 4]
            .try_into()
            .expect("BUG: four bytes"),
    );
    if version > BUNDLE_VERSION {
        return Err(BundleError::Newer {
            found: version,
            supported: BUNDLE_VERSION,
        });
    }
    let (content, sum) = bytes.split_at(bytes.len() - 32);
    if blake3::hash(content).as_bytes() != sum {
        return Err(BundleError::Checksum);
    }
    let body: Body = match postcard::take_from_bytes(&content[MAGIC.len() + 4..]) {
        Ok((body, [])) => body,
        Ok(_) => return Err(BundleError::Damaged("trailing bytes".into())),
        Err(e) => return Err(BundleError::Damaged(e.to_string())),
    };
    for (hash, blob) in &body.blobs {
        if BlobHash::of(blob) != *hash {
            return Err(BundleError::Damaged(format!(
                "blob {hash} does not match its hash"
            )));
        }
    }
    let find = |hash: &BlobHash| {
        body.blobs
            .iter()
            .find(|(h, _)| h == hash)
            .map(|(_, b)| b.as_slice())
            .ok_or_else(|| BundleError::Damaged(format!("blob {hash} is missing")))
    };
    let m = &body.manifest;
    let mut hasher = blake3::Hasher::new();
    hasher.update(m.preamble.as_bytes());
    for item in &m.items {
        hasher.update(item.head.as_bytes());
        hasher.update(find(&item.body)?);
    }
    hasher.update(m.trailer.as_bytes());
    if BlobHash(*hasher.finalize().as_bytes()) != m.payload_hash {
        return Err(BundleError::Damaged(
            "the payload does not match its hash".into(),
        ));
    }
    Ok((body.manifest, body.blobs))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use ctx_model::{ArtifactId, PackId, PackName, PackRef, SnapshotItem, TokenizerKind};

    use super::*;

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
            format: "markdown".into(),
            tokenizer: TokenizerKind::O200k,
            budget: 100,
            tokens: 7,
            render_hash: hash,
            payload_hash: BlobHash(*payload.finalize().as_bytes()),
            payload_bytes: 20,
            preamble: "pre".into(),
            trailer: "post".into(),
            items: vec![SnapshotItem {
                pack: "p".into(),
                artifact: ArtifactId(1),
                source: "a.md".into(),
                path: Some("a.md".into()),
                lines: None,
                head: "head".into(),
                body: hash,
                tokens: 7,
            }],
            excluded: Vec::new(),
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
    fn a_valid_bundle_decodes() {
        assert!(decode(&valid()).is_ok());
        assert_eq!(decode(&reseal(valid())).map(drop), Ok(()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
            let mut framed = MAGIC.to_vec();
            framed.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
            framed.extend_from_slice(&bytes);
            framed.extend_from_slice(&[0; 32]);
            let _ = decode(&reseal(framed));
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
            if let Ok((manifest, blobs)) = decode(&reseal(bytes)) {
                // What decodes is whole: every item's body is there.
                for item in &manifest.items {
                    prop_assert!(blobs.iter().any(|(h, b)| *h == item.body && BlobHash::of(b) == *h));
                }
            }
        }
    }
}
