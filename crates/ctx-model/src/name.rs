//! Validated pack names: 1-64 characters of `[A-Za-z0-9._-]`, not starting
//! with `-`, so a name can never be mistaken for a flag or a path.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest name accepted, in bytes (names are ASCII).
pub const MAX_NAME_LEN: usize = 64;

/// A pack name that has passed validation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PackName(String);

/// Why a string is not a valid pack name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a pack name cannot be empty")]
    Empty,
    #[error("pack name `{name}` is {len} characters long; the limit is {MAX_NAME_LEN}")]
    TooLong { name: String, len: usize },
    #[error("pack name `{name}` starts with `-`")]
    LeadingDash { name: String },
    #[error("pack name `{name}` contains {found:?}; use only letters, digits, `.`, `_` and `-`")]
    BadChar { name: String, found: char },
}

impl PackName {
    /// Validates `name` as a pack name.
    pub fn new(name: &str) -> Result<Self, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if let Some(found) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(NameError::BadChar {
                name: name.escape_debug().to_string(),
                found,
            });
        }
        if name.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong {
                name: name.to_owned(),
                len: name.len(),
            });
        }
        if name.starts_with('-') {
            return Err(NameError::LeadingDash {
                name: name.to_owned(),
            });
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PackName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for PackName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<PackName> for String {
    fn from(name: PackName) -> String {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_names() {
        for ok in ["a", "demo", "my-pack_1.2", "A.B", &"x".repeat(64)] {
            assert_eq!(PackName::new(ok).map(|n| n.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_invalid_names() {
        assert_eq!(PackName::new(""), Err(NameError::Empty));
        assert!(matches!(
            PackName::new("-x"),
            Err(NameError::LeadingDash { .. })
        ));
        assert!(matches!(
            PackName::new(&"x".repeat(65)),
            Err(NameError::TooLong { len: 65, .. })
        ));
        for bad in ["a b", "a/b", "a\nb", "é", "a:b"] {
            assert!(
                matches!(PackName::new(bad), Err(NameError::BadChar { .. })),
                "{bad}"
            );
        }
    }
}
