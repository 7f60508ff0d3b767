//! How a payload frames an item's content: literal text before and after
//! it, and the escaping the format applies in between.
//!
//! A snapshot records an item this way, so its content is stored once (the
//! blob a captured artifact already holds, where the content is the same)
//! and the framed bytes are made again when the snapshot is reproduced.
//! The escapes are therefore part of the stored format: changing what one
//! writes would make recorded items frame into other bytes (reproduction
//! would refuse them by the payload hash). Add a variant instead.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::BlobHash;

/// How content is escaped inside its frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Escape {
    /// Written as it is (markdown fences, plain text).
    None,
    /// XML character data: `&`, `<` and `>` escaped, and the characters
    /// XML 1.0 cannot hold at all (most C0 controls, U+FFFE, U+FFFF)
    /// replaced with U+FFFD, so the document is valid for any content.
    Xml,
    /// The inside of a JSON string, byte for byte as `serde_json` writes
    /// it: `"`, `\` and C0 controls escaped, everything else as it is.
    Json,
}

impl Escape {
    /// Appends `text` to `out`, escaped. Scans bytes and copies runs that
    /// need nothing.
    pub fn push(self, out: &mut String, text: &str) {
        match self {
            Self::None => out.push_str(text),
            Self::Xml => escape_with(out, text, xml),
            Self::Json => escape_with(out, text, json),
        }
    }

    /// Whether escaping leaves `text` as it is, byte for byte.
    pub fn leaves(self, text: &str) -> bool {
        let rule: Rule = match self {
            Self::None => return true,
            Self::Xml => xml,
            Self::Json => json,
        };
        let bytes = text.as_bytes();
        (0..bytes.len()).all(|i| rule(bytes, i).1 == 0)
    }

    /// A text that escapes to `escaped`, or `None` when no text does. For
    /// XML, replaced characters come back as U+FFFD: escaping the result
    /// gives `escaped` again, which is all a frame needs.
    pub fn unescape(self, escaped: &str) -> Option<Cow<'_, str>> {
        match self {
            Self::None => Some(Cow::Borrowed(escaped)),
            Self::Xml => unescape_xml(escaped),
            Self::Json => unescape_json(escaped),
        }
    }
}

/// What replaces the byte at `bytes[i]`, and how many bytes it replaces
/// (0: the byte stays).
type Rule = fn(bytes: &[u8], i: usize) -> (&'static str, usize);

fn escape_with(out: &mut String, text: &str, rule: Rule) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, width) = rule(bytes, i);
        if width == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        i += width;
        start = i;
    }
    out.push_str(&text[start..]);
}

fn xml(bytes: &[u8], i: usize) -> (&'static str, usize) {
    match bytes[i] {
        b'&' => ("&amp;", 1),
        b'<' => ("&lt;", 1),
        b'>' => ("&gt;", 1),
        b'\t' | b'\n' | b'\r' => ("", 0),
        0..=0x1f => ("\u{FFFD}", 1),
        // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
        0xef if bytes.get(i + 1) == Some(&0xbf)
            && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
        {
            ("\u{FFFD}", 3)
        }
        _ => ("", 0),
    }
}

/// `\u00XX` for each C0 control without a short form, in lowercase hex.
const JSON_CONTROLS: [&str; 32] = [
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b",
    "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012",
    "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a",
    "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
];

fn json(bytes: &[u8], i: usize) -> (&'static str, usize) {
    match bytes[i] {
        b'"' => ("\\\"", 1),
        b'\\' => ("\\\\", 1),
        b @ 0..=0x1f => (JSON_CONTROLS[b as usize], 1),
        _ => ("", 0),
    }
}

fn unescape_xml(escaped: &str) -> Option<Cow<'_, str>> {
    if !escaped.contains('&') {
        return Some(Cow::Borrowed(escaped));
    }
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (text, width) = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>')]
            .into_iter()
            .find(|(entity, _)| rest.starts_with(entity))
            .map(|(entity, c)| (c, entity.len()))?;
        out.push(text);
        rest = &rest[width..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

fn unescape_json(escaped: &str) -> Option<Cow<'_, str>> {
    if !escaped.contains('\\') {
        return Some(Cow::Borrowed(escaped));
    }
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (c, width) = match rest.as_bytes().get(1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'b' => ('\u{8}', 2),
            b't' => ('\t', 2),
            b'n' => ('\n', 2),
            b'f' => ('\u{c}', 2),
            b'r' => ('\r', 2),
            b'u' => {
                let code = u8::from_str_radix(rest.get(2..6)?.strip_prefix("00")?, 16).ok()?;
                (char::from(code), 6)
            }
            _ => return None,
        };
        out.push(c);
        rest = &rest[width..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// An item's body as a snapshot keeps it: the blob of its content inside
/// the frame recorded here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// What comes before the content.
    pub open: String,
    /// The content, unescaped.
    pub content: BlobHash,
    pub escape: Escape,
    /// What comes after the content.
    pub close: String,
    /// The framed body's length, so a payload's size is known before any
    /// content is read.
    pub bytes: u64,
}

impl Frame {
    /// The frame around `content`: its framed body.
    pub fn apply(&self, content: &str) -> String {
        let mut out = String::with_capacity(self.bytes.try_into().unwrap_or(0));
        out.push_str(&self.open);
        self.escape.push(&mut out, content);
        out.push_str(&self.close);
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn escaped(escape: Escape, text: &str) -> String {
        let mut out = String::new();
        escape.push(&mut out, text);
        out
    }

    /// `leaves` says yes exactly when escaping gives the text back.
    #[test]
    fn leaves_is_whether_escaping_changes_nothing() {
        let texts = [
            "",
            "plain\ttext\r\n",
            "a & b",
            "<tag>",
            "quote \"",
            "back\\slash",
            "\u{1}",
            "\u{FFFE}",
            "\u{FFFD} é ✓",
        ];
        for escape in [Escape::None, Escape::Xml, Escape::Json] {
            for text in texts {
                assert_eq!(
                    escape.leaves(text),
                    escaped(escape, text) == text,
                    "{escape:?} {text:?}"
                );
            }
        }
    }

    #[test]
    fn xml_escapes_markup_and_replaces_what_xml_cannot_hold() {
        assert_eq!(
            escaped(Escape::Xml, "a<b>&c\t\u{1}\u{FFFE}\u{FFFF}\u{FFFD}é"),
            "a&lt;b&gt;&amp;c\t\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}é"
        );
        assert_eq!(Escape::Xml.unescape("&amp;lt;").as_deref(), Some("&lt;"));
        assert_eq!(Escape::Xml.unescape("a & b"), None);
    }

    #[test]
    fn json_unescape_refuses_what_the_escape_never_writes() {
        for bad in ["\\", "\\x", "\\u12", "\\u0100", "\\/"] {
            assert_eq!(Escape::Json.unescape(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn json_escapes_as_serde_json_does(text in any::<String>()) {
            let quoted = serde_json::Value::String(text.clone()).to_string();
            prop_assert_eq!(format!("\"{}\"", escaped(Escape::Json, &text)), quoted);
        }

        #[test]
        fn unescape_gives_a_text_that_escapes_back(
            text in "([a-c<>&\"\\\\\t\n\r\u{0}-\u{1f}é\u{FFFE}\u{FFFF}]|&amp;|\\\\u0001){0,40}",
        ) {
            for escape in [Escape::None, Escape::Xml, Escape::Json] {
                let out = escaped(escape, &text);
                let back = escape.unescape(&out).expect("an escaped text unescapes");
                prop_assert_eq!(escaped(escape, &back), out.clone());
                if escape != Escape::Xml {
                    prop_assert_eq!(back.as_ref(), text.as_str());
                }
            }
        }
    }
}
