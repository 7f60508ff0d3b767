//! Identifier newtypes. Packs and artifacts are named by the sequence number
//! of the event that created them, so ids are unique, deterministic under
//! replay and never reused. Blobs are named by the BLAKE3 hash of their bytes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Position of an event in the log: 1 for the first event, gapless.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct EventSeq(pub u64);

impl fmt::Display for EventSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A pack: the sequence number of its `PackCreated` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackId(pub u64);

impl fmt::Display for PackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An artifact: the sequence number of its `ArtifactAdded` event.
///
/// Shown as 16 hex digits of a bijective scramble of that number, so ids look
/// unrelated to each other and a short prefix is enough to name one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ArtifactId(pub u64);

impl ArtifactId {
    /// The number of hex digits shown where space is short; input accepts any
    /// unique prefix.
    pub const SHORT_LEN: usize = 8;

    /// The first [`Self::SHORT_LEN`] hex digits of the id.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(Self::SHORT_LEN);
        s
    }
}

impl fmt::Display for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", scramble(self.0))
    }
}

/// The splitmix64 finalizer: a bijection on u64 (xor-shifts and odd
/// multipliers are invertible), so distinct seqs never show the same id.
pub(crate) fn scramble(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    x
}

/// The BLAKE3 hash of a blob's bytes, shown as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BlobHash(pub [u8; 32]);

impl BlobHash {
    /// Hashes `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// The hash of the concatenation of `parts`, without concatenating.
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let mut hasher = blake3::Hasher::new();
        for part in parts {
            hasher.update(part);
        }
        Self(*hasher.finalize().as_bytes())
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobHash({self})")
    }
}

/// Why a string is not a blob hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a BLAKE3 hash (64 hex digits)")]
pub struct ParseHashError(pub String);

impl std::str::FromStr for BlobHash {
    type Err = ParseHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseHashError(s.to_owned());
        if s.len() != 64 || !s.is_ascii() {
            return Err(err());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| err())?;
        }
        Ok(Self(out))
    }
}

/// The outcome of looking an id up by a prefix of its displayed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixMatch<T> {
    /// Exactly one candidate starts with the prefix.
    One(T),
    /// No candidate does.
    None,
    /// Several do; their displayed forms, sorted.
    Ambiguous(Vec<String>),
}

/// Finds the one candidate whose displayed id starts with `prefix`
/// (case-insensitive). An empty prefix matches nothing.
pub fn match_prefix<T>(
    prefix: &str,
    candidates: impl IntoIterator<Item = (String, T)>,
) -> PrefixMatch<T> {
    if prefix.is_empty() {
        return PrefixMatch::None;
    }
    let prefix = prefix.to_ascii_lowercase();
    let mut found: Vec<(String, T)> = candidates
        .into_iter()
        .filter(|(shown, _)| shown.starts_with(&prefix))
        .collect();
    match found.len() {
        0 => PrefixMatch::None,
        1 => PrefixMatch::One(found.remove(0).1),
        _ => {
            let mut shown: Vec<String> = found.into_iter().map(|(s, _)| s).collect();
            shown.sort();
            PrefixMatch::Ambiguous(shown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_hash_round_trips_through_hex() {
        let h = BlobHash::of(b"hello");
        assert_eq!(h.to_string().parse::<BlobHash>(), Ok(h));
        assert!("zz".parse::<BlobHash>().is_err());
        assert!("g".repeat(64).parse::<BlobHash>().is_err());
    }

    #[test]
    fn artifact_ids_are_distinct_and_spread() {
        let shown: std::collections::BTreeSet<String> =
            (1..10_000).map(|s| ArtifactId(s).short()).collect();
        assert_eq!(shown.len(), 9_999, "short ids of nearby seqs collide");
        assert_eq!(ArtifactId(7).to_string().len(), 16);
    }

    #[test]
    fn prefix_matching() {
        let cands = || vec![("abc1".to_owned(), 1), ("abd2".to_owned(), 2)];
        assert_eq!(match_prefix("abc", cands()), PrefixMatch::One(1));
        assert_eq!(match_prefix("ABD", cands()), PrefixMatch::One(2));
        assert_eq!(match_prefix("x", cands()), PrefixMatch::None);
        assert_eq!(match_prefix("", cands()), PrefixMatch::None);
        assert_eq!(
            match_prefix("ab", cands()),
            PrefixMatch::Ambiguous(vec!["abc1".into(), "abd2".into()])
        );
    }
}
