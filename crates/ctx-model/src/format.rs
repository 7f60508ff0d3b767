//! Payload formats. A format is stored in snapshot manifests and file cache
//! records by its name, so the name of a variant never changes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(into = "&'static str", try_from = "String")]
pub enum Format {
    /// Markdown: a heading and a fenced block per item (the default).
    #[default]
    #[cfg_attr(feature = "clap", value(alias = "md"))]
    Markdown,
    /// XML documents in the layout Anthropic's prompting guide uses.
    Xml,
    /// Plain text with `==> path <==` headers, like `head` prints.
    Plain,
    /// One JSON document.
    Json,
}

impl Format {
    /// Every format, in help order.
    pub const ALL: [Format; 4] = [Format::Markdown, Format::Xml, Format::Plain, Format::Json];

    /// The name used on the command line, in output and on disk.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Xml => "xml",
            Self::Plain => "plain",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Format> for &'static str {
    fn from(format: Format) -> Self {
        format.as_str()
    }
}

impl TryFrom<String> for Format {
    type Error = String;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| format!("unknown format `{name}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Manifests written when the format was a `String` must still decode.
    #[test]
    fn a_format_is_stored_as_its_name() {
        for format in Format::ALL {
            let bytes = postcard::to_stdvec(&format).expect("encode");
            assert_eq!(bytes, postcard::to_stdvec(format.as_str()).expect("encode"));
            assert_eq!(postcard::from_bytes::<Format>(&bytes), Ok(format));
        }
        let bad = postcard::to_stdvec("html").expect("encode");
        assert!(postcard::from_bytes::<Format>(&bad).is_err());
    }
}
