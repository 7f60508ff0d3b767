//! Which BPE vocabulary counts tokens. The engine owns the tokenizers; the
//! model only names them, so events and caches can record which one counted.
//!
//! Stored events encode the variant's index, so variants are only ever
//! added at the end; the serde names are what JSON output shows.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A supported tokenizer vocabulary.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum TokenizerKind {
    /// OpenAI's o200k_base (GPT-4o and later), the default.
    #[default]
    #[cfg_attr(feature = "clap", value(name = "o200k"))]
    O200k,
    /// OpenAI's cl100k_base (GPT-4, GPT-3.5).
    #[cfg_attr(feature = "clap", value(name = "cl100k"))]
    Cl100k,
}

impl TokenizerKind {
    /// Every tokenizer, in the order help text lists them.
    pub const ALL: [TokenizerKind; 2] = [TokenizerKind::O200k, TokenizerKind::Cl100k];

    /// The short name used on the command line and in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::O200k => "o200k",
            Self::Cl100k => "cl100k",
        }
    }

    /// A stable one-byte code for on-disk keys.
    pub fn code(self) -> u8 {
        match self {
            Self::O200k => 1,
            Self::Cl100k => 2,
        }
    }

    /// The tokenizer an on-disk code names, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for TokenizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TokenizerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown tokenizer `{s}`; choose `o200k` or `cl100k`"))
    }
}
