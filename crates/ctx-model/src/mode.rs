//! How much of an item a render shows, and what it does when a pack is over
//! its budget. Both are stored by name, so a variant's name never changes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The form an item renders in: its whole text, its outline (signatures,
/// docs and types, bodies elided), or only its path with its size.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(into = "&'static str", try_from = "String")]
pub enum Mode {
    /// Only the path, with the item's size in tokens.
    Path,
    /// Imports, signatures, types and doc comments; bodies elided. A file
    /// with no outline (not code of a known language) renders whole.
    Outline,
    /// The whole text (the default).
    #[default]
    Full,
}

impl Mode {
    /// Every mode, cheapest first.
    pub const ALL: [Mode; 3] = [Mode::Path, Mode::Outline, Mode::Full];

    /// The name used on the command line, in output and on disk.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Outline => "outline",
            Self::Full => "full",
        }
    }
}

/// What a render does with items that do not fit the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(into = "&'static str", try_from = "String")]
pub enum Fit {
    /// Leave out whole items, in render order (the default).
    #[default]
    Drop,
    /// Give every item its path line first, then upgrade items, highest
    /// priority first, to the fullest form that fits.
    Degrade,
}

impl Fit {
    /// Every policy.
    pub const ALL: [Fit; 2] = [Fit::Drop, Fit::Degrade];

    /// The name used on the command line, in output and on disk.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drop => "drop",
            Self::Degrade => "degrade",
        }
    }
}

macro_rules! named {
    ($t:ty, $what:literal) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$t> for &'static str {
            fn from(value: $t) -> Self {
                value.as_str()
            }
        }

        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(name: String) -> Result<Self, Self::Error> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == name)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " `{}`"), name))
            }
        }

        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Self::try_from(name.to_owned())
            }
        }
    };
}

named!(Mode, "mode");
named!(Fit, "fit policy");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_policies_are_stored_by_name() {
        for mode in Mode::ALL {
            let bytes = postcard::to_stdvec(&mode).expect("encode");
            assert_eq!(bytes, postcard::to_stdvec(mode.as_str()).expect("encode"));
            assert_eq!(postcard::from_bytes::<Mode>(&bytes), Ok(mode));
            assert_eq!(mode.as_str().parse::<Mode>(), Ok(mode));
        }
        for fit in Fit::ALL {
            assert_eq!(fit.as_str().parse::<Fit>(), Ok(fit));
        }
        assert!("whole".parse::<Mode>().is_err());
    }
}
