//! What `pack add` learns for the render that follows it: the body a file
//! captured clean is framed into in the format renders take unless told,
//! its hash and its count, from the content's own count. The file cache
//! keeps that body's hash beside the file's record, so the first render
//! after an add finds every body known, as a warm render does, instead of
//! framing, hashing and counting each one again.

use ctx_model::{BlobHash, Format, Pack, SourceSpec, TokenizerKind};
use ctx_store::BodyStamp;

use super::format::{self, Frame, Label};
use crate::tokenize;

/// The label a render gives a file captured for `spec` from `path`: a
/// collection's file is named by its own path, any other by the spec's.
pub(crate) fn label(pack: &Pack, spec: &SourceSpec, path: Option<&str>) -> Label {
    let path = if spec.is_collection() {
        path
    } else {
        spec.path()
    };
    super::units::label(pack, spec, path.map(str::to_owned))
}

/// The body `content` (counting `content_tokens`) is framed into under
/// `label` in `format`, and its count; `None` where the format escapes the
/// content into other bytes, whose count is not known.
///
/// The content stays as it is in its frame, so the body is hashed in its
/// three pieces and never built.
pub(crate) fn body(
    format: Format,
    kind: TokenizerKind,
    label: &Label,
    content: &str,
    content_tokens: u32,
) -> Option<(BodyStamp, u32)> {
    let Frame { open, close } = Frame::around(format, label, content)?;
    let tokens = tokenize::count_framed(kind, &open, content, &close, content_tokens)
        .unwrap_or_else(|| tokenize::count(kind, &[&open, content, &close].concat()));
    let stamp = BodyStamp {
        format,
        title: label.title(),
        framing: format::FRAMING_VERSION,
        hash: BlobHash::of_parts(&[open.as_bytes(), content.as_bytes(), close.as_bytes()]),
    };
    Some((stamp, tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The primed body is the body a render frames, hashed and counted.
    #[test]
    fn a_primed_body_is_the_rendered_body() {
        let label = Label {
            pack: "p".into(),
            source: "glob:**/*".into(),
            path: Some("src/a.rs".into()),
            lines: None,
        };
        let contents = [
            "fn main() {\n    println!(\"hi\");\n}\n",
            "no final newline",
            "\n\nleading blank lines\n```\nfence\n```\n",
            "",
            "plain words & <tags>\n",
        ];
        for format in [Format::Markdown, Format::Plain, Format::Xml, Format::Json] {
            for content in contents {
                for kind in [TokenizerKind::O200k, TokenizerKind::Cl100k] {
                    let known = tokenize::count(kind, content);
                    let built = format::body(format, &label, content.to_owned());
                    match body(format, kind, &label, content, known) {
                        Some((stamp, tokens)) => {
                            assert_eq!(stamp.hash, BlobHash::of(built.text.as_bytes()));
                            assert_eq!(tokens, tokenize::count(kind, &built.text));
                            assert_eq!(stamp.title, "src/a.rs");
                        }
                        None => assert_ne!(&built.text[built.content], content, "{format:?}"),
                    }
                }
            }
        }
    }
}
