//! Why an item was left out of a render, or a file out of a collection: one
//! reason type for both, shown by the same word everywhere.
//!
//! Events store a collection's skipped files with the variant's index, so
//! variants are only ever added at the end. Manifests store the reason by
//! its word ([`as_word`]), as they did when it was a string.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why something was left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Its name marks it as a secret (`.env*`, `*.pem`, ...).
    Sensitive,
    /// A NUL byte in its first 8 KiB.
    Binary,
    /// Over the file size limit.
    TooLarge,
    /// Hidden by `.gitignore`, `.ignore` or `.git/info/exclude`.
    Ignored,
    /// Outside the pack root, directly or through a link.
    OutsideRoot,
    /// It could not be read.
    Unreadable,
    /// It did not fit the token budget.
    OverBudget,
    /// Its source is gone and the render was strict.
    Missing,
    /// The content it needs was purged from the store.
    Purged,
    /// The snapshot a `--since` render is against holds it as it is.
    Unchanged,
    /// An item earlier in render order (a higher priority, or added
    /// first) renders the same file, or lines holding these.
    Duplicate,
}

impl ExclusionReason {
    /// Every reason, in variant order.
    pub const ALL: [ExclusionReason; 11] = [
        Self::Sensitive,
        Self::Binary,
        Self::TooLarge,
        Self::Ignored,
        Self::OutsideRoot,
        Self::Unreadable,
        Self::OverBudget,
        Self::Missing,
        Self::Purged,
        Self::Unchanged,
        Self::Duplicate,
    ];

    /// The word used in output, JSON and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sensitive => "sensitive",
            Self::Binary => "binary",
            Self::TooLarge => "too_large",
            Self::Ignored => "ignored",
            Self::OutsideRoot => "outside_root",
            Self::Unreadable => "unreadable",
            Self::OverBudget => "over_budget",
            Self::Missing => "missing",
            Self::Purged => "purged",
            Self::Unchanged => "unchanged",
            Self::Duplicate => "duplicate",
        }
    }

    /// The reason a word names.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == word)
    }
}

impl fmt::Display for ExclusionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serde for a reason stored by its word (`#[serde(with = "as_word")]`).
pub mod as_word {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::ExclusionReason;

    /// Writes the reason's word.
    pub fn serialize<S: Serializer>(reason: &ExclusionReason, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(reason.as_str())
    }

    /// Reads a word, refusing one that names no reason.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ExclusionReason, D::Error> {
        let word = String::deserialize(d)?;
        ExclusionReason::from_word(&word)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown exclusion reason `{word}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collections captured before the render reasons joined this type
    /// stored their skip reasons by index 0 to 5; those indexes must hold.
    #[test]
    fn skip_reasons_keep_their_stored_index() {
        for (index, reason) in ExclusionReason::ALL.into_iter().enumerate() {
            let bytes = postcard::to_stdvec(&reason).expect("encode");
            assert_eq!(bytes, [index as u8], "{reason}");
        }
        assert_eq!(ExclusionReason::ALL[5], ExclusionReason::Unreadable);
    }

    #[test]
    fn words_round_trip() {
        for reason in ExclusionReason::ALL {
            assert_eq!(ExclusionReason::from_word(reason.as_str()), Some(reason));
        }
        assert_eq!(ExclusionReason::from_word("nope"), None);
    }
}
