//! The render hash: BLAKE3 over the format, the tokenizer, and the length
//! and BLAKE3 of each payload piece in order, up to (not including) the
//! trailer. Any change to the payload bytes changes it; hashing pieces lets
//! the bodies be hashed in parallel, once, for both this and the count
//! cache. For every format but JSON the trailer is a constant; the JSON
//! trailer states the hash, so it cannot be part of it.
//!
//! The payload hash (BLAKE3 of the exact bytes) is [`ctx_model::payload_hash`],
//! the one definition snapshot create, reproduce and import share.

use ctx_model::{BlobHash, Format, TokenizerKind};

/// A render hash being computed, piece by piece.
#[derive(Clone)]
pub(crate) struct RenderHasher(blake3::Hasher);

impl RenderHasher {
    /// A hash for a payload in `format`, counted by `kind`.
    pub fn new(format: Format, kind: TokenizerKind) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"ctx-render-v1\0");
        hasher.update(format.as_str().as_bytes());
        hasher.update(b"\0");
        hasher.update(kind.as_str().as_bytes());
        hasher.update(b"\0");
        Self(hasher)
    }

    /// Adds a piece of framing, hashing it here.
    pub fn piece(&mut self, piece: &[u8]) {
        self.body(piece.len(), &BlobHash::of(piece));
    }

    /// Adds a body whose BLAKE3 is already known.
    pub fn body(&mut self, len: usize, hash: &BlobHash) {
        self.0.update(&(len as u64).to_le_bytes());
        self.0.update(&hash.0);
    }

    /// The hash of what was added.
    pub fn finish(&self) -> BlobHash {
        BlobHash(*self.0.finalize().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The render hash is part of every stored manifest and of JSON
    /// payloads: it must not drift.
    #[test]
    fn the_render_hash_of_an_empty_markdown_payload_is_fixed() {
        let mut hasher = RenderHasher::new(Format::Markdown, TokenizerKind::O200k);
        hasher.piece(b"");
        assert_eq!(
            hasher.finish().to_string(),
            "3bdd75f394e4e602652dd00011ef23e00bc91189b650ac89b0a29e036c0d3cc1"
        );
    }

    #[test]
    fn a_piece_hashes_like_a_body_of_its_bytes() {
        let mut a = RenderHasher::new(Format::Xml, TokenizerKind::Cl100k);
        let mut b = a.clone();
        a.piece(b"<x>");
        b.body(3, &BlobHash::of(b"<x>"));
        assert_eq!(a.finish(), b.finish());
    }
}
