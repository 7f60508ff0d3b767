//! Payload formats and how each frames an item.
//!
//! Counting the assembled payload again would double the cost of a render,
//! so the payload's token count is the sum of separately counted pieces.
//! BPE counts add up across a boundary only where the tokenizer's pre-split
//! regex splits anyway. Every piece written here therefore **ends with `\n`
//! and starts with a character that is neither whitespace nor `/`**: no
//! pre-tokenizer piece of o200k or cl100k can then span the boundary (runs of
//! newlines only absorb whitespace; punctuation only absorbs trailing
//! newlines and `/`). `tests::pieces_are_additive` checks this on random text.
//!
//! An item is a `head` and a `body`. The body holds the content and is
//! counted once and cached by hash; the head carries what depends on the
//! item's position (an index, a separating comma) or on its own token count,
//! and is small enough to count again whenever it changes.

use std::fmt::Write as _;

use serde_json::json;

use std::ops::Range;

use ctx_model::{Escape, ExclusionReason, Format, Mode};

use super::since::Since;

pub use super::label::Label;

/// Version of the framing: bump it whenever [`body`] would frame the same
/// content into other bytes, since caches remember body hashes by it.
pub const FRAMING_VERSION: u32 = 1;

/// The body of an item: everything that does not depend on its position.
pub struct Body {
    pub text: String,
    /// Where the content lies in `text`, escaped as the format escapes it;
    /// the rest is frame.
    pub content: Range<usize>,
}

/// How `format` escapes content inside its frame.
pub fn escape(format: Format) -> Escape {
    match format {
        Format::Markdown | Format::Plain => Escape::None,
        Format::Xml => Escape::Xml,
        Format::Json => Escape::Json,
    }
}

/// Frames `content`, the item in `form` (whole or its outline), into its
/// body. An outline differs from the whole text only in JSON, where the
/// object says so; in the other formats its markers do.
pub fn body_in(format: Format, label: &Label, content: String, form: Mode) -> Body {
    let mut body = body(format, label, content);
    if format == Format::Json && form != Mode::Full {
        // The body ends `"}\n`: the form goes before the brace.
        body.text.truncate(body.text.len() - 2);
        let _ = writeln!(body.text, ",\"form\":\"{form}\"}}");
    }
    body
}

/// The body of an item shown only by its path (its title) and the tokens
/// its whole body counts.
pub fn path_body(format: Format, label: &Label, whole: u64) -> Body {
    let title = one_line(&label.title());
    let text = match format {
        Format::Markdown => format!("## {title} (path only, {whole} tokens)\n\n"),
        Format::Plain => format!("==> {title} (path only, {whole} tokens) <==\n\n"),
        Format::Xml => {
            let mut text = String::from("<source>");
            Escape::Xml.push(&mut text, &title);
            let _ = write!(
                text,
                "</source>\n<path_only tokens=\"{whole}\"/>\n</document>\n"
            );
            text
        }
        Format::Json => {
            format!("\"content\":\"\",\"form\":\"path\",\"whole_tokens\":{whole}}}\n")
        }
    };
    // No content: the whole body is frame.
    let end = text.len();
    Body {
        text,
        content: end..end,
    }
}

/// Frames `content` into its body.
///
/// Takes the content by value: markdown and plain frames are put around it
/// in its own buffer, which file reads allocate with room to spare, so a
/// large render does not copy every file once more.
pub fn body(format: Format, label: &Label, content: String) -> Body {
    if let Some(frame) = Frame::around(format, label, &content) {
        return frame.put_around(content);
    }
    let Frame { open, close } = Frame::escaping(format, label);
    let mut text = String::with_capacity(open.len() + content.len() + content.len() / 16 + 64);
    text.push_str(&open);
    escape(format).push(&mut text, &content);
    let end = text.len();
    text.push_str(&close);
    Body {
        text,
        content: open.len()..end,
    }
}

/// What a format puts before and after content it shows as it is: the
/// body is `open + content + close`.
pub struct Frame {
    pub open: String,
    pub close: String,
}

impl Frame {
    /// The frame `format` puts around `content`; `None` where the format
    /// escapes the content into other bytes (XML, JSON).
    pub fn around(format: Format, label: &Label, content: &str) -> Option<Self> {
        let needs_newline = !content.is_empty() && !content.ends_with('\n');
        match format {
            Format::Markdown => {
                let fence = "`".repeat(longest_backtick_run(content).max(2) + 1);
                let lang = label.path.as_deref().map_or_else(
                    || {
                        if label.source.starts_with("git:") {
                            "diff"
                        } else {
                            ""
                        }
                    },
                    language,
                );
                let open = format!("## {}\n\n{fence}{lang}\n", one_line(&label.title()));
                let mut close = String::with_capacity(fence.len() + 3);
                if needs_newline {
                    close.push('\n');
                }
                close.push_str(&fence);
                close.push_str("\n\n");
                Some(Self { open, close })
            }
            Format::Plain => Some(Self {
                open: format!("==> {} <==\n", one_line(&label.title())),
                close: if needs_newline { "\n\n" } else { "\n" }.to_owned(),
            }),
            Format::Xml | Format::Json => escape(format)
                .leaves(content)
                .then(|| Self::escaping(format, label)),
        }
    }

    /// The frame XML and JSON put around content they escape.
    fn escaping(format: Format, label: &Label) -> Self {
        match format {
            Format::Xml => {
                let mut open = String::from("<source>");
                Escape::Xml.push(&mut open, &label.title());
                open.push_str("</source>\n<document_content>");
                Self {
                    open,
                    close: "</document_content>\n</document>\n".to_owned(),
                }
            }
            _ => Self {
                open: "\"content\":\"".to_owned(),
                close: "\"}\n".to_owned(),
            },
        }
    }

    /// The body of `content` in this frame, in the content's own buffer.
    fn put_around(self, content: String) -> Body {
        let span = self.open.len()..self.open.len() + content.len();
        let mut text = content;
        text.reserve(self.open.len() + self.close.len());
        text.insert_str(0, &self.open);
        text.push_str(&self.close);
        Body {
            text,
            content: span,
        }
    }
}

/// The head of the item at `index` (1-based among included items) whose
/// whole frame counts `tokens`; empty for formats without one.
pub fn head(format: Format, label: &Label, index: usize, tokens: u64) -> String {
    match format {
        Format::Markdown | Format::Plain => String::new(),
        Format::Xml => format!("<document index=\"{index}\">\n"),
        Format::Json => {
            let fields = json!({
                "pack": label.pack,
                "source": label.source,
                "path": label.path,
                "lines": label.lines.map(|(a, b)| [a, b]),
                "tokens": tokens,
            });
            // Drop the closing brace: the body continues the object.
            let mut text = fields.to_string();
            text.pop();
            let sep = if index == 1 { "" } else { "," };
            format!("{sep}{text},\n")
        }
    }
}

/// Whether an item's head mentions its own token count, so counting it
/// needs a fixed point.
pub fn head_counts_itself(format: Format) -> bool {
    format == Format::Json
}

/// What comes before the first item: with `tree`, the tree of the items'
/// paths (`--tree`).
pub fn preamble(format: Format, meta: &Meta, tree: Option<&str>) -> String {
    match format {
        Format::Markdown => tree.map_or_else(String::new, |tree| {
            let fence = "`".repeat(longest_backtick_run(tree).max(2) + 1);
            format!("# Files\n\n{fence}\n{tree}{fence}\n\n")
        }),
        Format::Plain => tree.map_or_else(String::new, |tree| format!("==> files <==\n{tree}\n")),
        Format::Xml => {
            let mut text = String::from("<documents>\n");
            if let Some(tree) = tree {
                text.push_str("<files>\n");
                Escape::Xml.push(&mut text, tree);
                text.push_str("</files>\n");
            }
            text
        }
        Format::Json => {
            let mut head = json!({
                "pack": meta.packs.join(","),
                "packs": meta.packs,
                "budget": meta.budget,
                "tokenizer": meta.tokenizer,
            });
            if let Some(tree) = tree {
                head["tree"] = json!(tree);
            }
            let mut text = head.to_string();
            text.pop();
            text.push_str(",\"items\":[\n");
            text
        }
    }
}

/// Render facts a frame may show.
pub struct Meta {
    pub packs: Vec<String>,
    pub budget: u64,
    pub tokenizer: String,
}

/// An item left out, as the JSON trailer lists it.
pub struct TrailerExclusion<'a> {
    pub label: &'a Label,
    pub reason: ExclusionReason,
    pub tokens: Option<u64>,
}

/// What comes after the last item. For JSON it closes the document with
/// the exclusions, the total and the render hash of everything before it.
pub fn trailer(
    format: Format,
    excluded: &[TrailerExclusion<'_>],
    since: Option<&Since>,
    tokens: u64,
    render_hash: &str,
) -> String {
    let mut text = since.map(|s| since_section(format, s)).unwrap_or_default();
    match format {
        Format::Markdown | Format::Plain => {}
        Format::Xml => text.push_str("</documents>\n"),
        Format::Json => {
            let excluded: Vec<_> = excluded
                .iter()
                .map(|e| {
                    json!({
                        "pack": e.label.pack,
                        "source": e.label.source,
                        "path": e.label.path,
                        "lines": e.label.lines.map(|(a, b)| [a, b]),
                        "reason": e.reason.as_str(),
                        "tokens": e.tokens,
                    })
                })
                .collect();
            let mut rest =
                json!({"excluded": excluded, "tokens": tokens, "render_hash": render_hash});
            if let Some(since) = since {
                let shown = |l: &[Label]| l.iter().map(Label::shown).collect::<Vec<_>>();
                rest["since"] = json!({
                    "snapshot": since.snapshot.to_string(),
                    "unchanged": shown(&since.unchanged),
                    "removed": shown(&since.removed),
                });
            }
            text = format!("],{}\n", &rest.to_string()[1..]);
        }
    }
    text
}

/// What a `--since` render tells the agent it still has from the snapshot
/// and what is gone, after the items (JSON says it in the trailer object).
fn since_section(format: Format, since: &Since) -> String {
    let id = since.snapshot.short();
    let mut out = String::new();
    // "Removed" also covers an item of the snapshot that changed and was
    // left out now: either way the agent's copy of it is stale.
    let lists = [
        ("Unchanged", "unchanged", "unchanged", &since.unchanged),
        (
            "Removed or left out",
            "removed or left out",
            "removed",
            &since.removed,
        ),
    ];
    for (title, words, tag, labels) in lists {
        if labels.is_empty() {
            continue;
        }
        match format {
            Format::Markdown => {
                let _ = writeln!(out, "## {title} since snapshot {id}\n");
                for label in labels {
                    let _ = writeln!(out, "- {}", one_line(&label.shown()));
                }
                out.push('\n');
            }
            Format::Plain => {
                let _ = writeln!(out, "==> {words} since snapshot {id} <==");
                for label in labels {
                    let _ = writeln!(out, "{}", one_line(&label.shown()));
                }
                out.push('\n');
            }
            Format::Xml => {
                let _ = writeln!(out, "<{tag} since=\"{id}\">");
                for label in labels {
                    out.push_str("<item>");
                    Escape::Xml.push(&mut out, &one_line(&label.shown()));
                    out.push_str("</item>\n");
                }
                let _ = writeln!(out, "</{tag}>");
            }
            Format::Json => {}
        }
    }
    out
}

/// The longest run of backticks in `text`. Runs are found with `memchr`
/// on bytes: decoding every character of a large render would cost more
/// than the rest of framing together.
fn longest_backtick_run(text: &str) -> usize {
    let (mut best, mut run, mut last) = (0, 0, usize::MAX);
    for at in memchr::memchr_iter(b'`', text.as_bytes()) {
        run = if last != usize::MAX && at == last + 1 {
            run + 1
        } else {
            1
        };
        best = best.max(run);
        last = at;
    }
    best
}

/// A title on one line: newlines in a note's spec would break the frame.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The fenced-code language for a path, from its extension or name.
fn language(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "Dockerfile" => return "dockerfile",
        "Makefile" | "makefile" | "GNUmakefile" => return "makefile",
        "CMakeLists.txt" => return "cmake",
        _ => {}
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return "";
    };
    match ext.to_ascii_lowercase().as_str() {
        "rs" => "rust",
        "py" | "pyi" => "python",
        "js" | "mjs" | "cjs" => "javascript",
        "jsx" => "jsx",
        "ts" | "mts" | "cts" => "typescript",
        "tsx" => "tsx",
        "go" => "go",
        "java" => "java",
        "kt" | "kts" => "kotlin",
        "scala" => "scala",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" => "cpp",
        "cs" => "csharp",
        "rb" => "ruby",
        "php" => "php",
        "swift" => "swift",
        "m" => "objectivec",
        "sh" | "bash" => "bash",
        "zsh" => "zsh",
        "fish" => "fish",
        "ps1" => "powershell",
        "sql" => "sql",
        "html" | "htm" => "html",
        "css" => "css",
        "scss" => "scss",
        "json" => "json",
        "yaml" | "yml" => "yaml",
        "toml" => "toml",
        "xml" => "xml",
        "md" | "markdown" => "markdown",
        "lua" => "lua",
        "r" => "r",
        "pl" | "pm" => "perl",
        "ex" | "exs" => "elixir",
        "erl" => "erlang",
        "hs" => "haskell",
        "ml" | "mli" => "ocaml",
        "clj" | "cljs" => "clojure",
        "vue" => "vue",
        "svelte" => "svelte",
        "proto" => "protobuf",
        "graphql" | "gql" => "graphql",
        "tf" | "hcl" => "hcl",
        "nix" => "nix",
        "zig" => "zig",
        "dart" => "dart",
        "jl" => "julia",
        "diff" | "patch" => "diff",
        "ini" | "cfg" => "ini",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize;
    use ctx_model::TokenizerKind;

    fn label(path: &str) -> Label {
        Label {
            pack: "p".into(),
            source: path.into(),
            path: Some(path.into()),
            lines: None,
        }
    }

    #[test]
    fn markdown_fence_outgrows_backtick_runs() {
        let body = body(Format::Markdown, &label("a.md"), "x ````` y\n".into()).text;
        assert!(body.starts_with("## a.md\n\n``````markdown\n"), "{body}");
        assert!(body.ends_with("``````\n\n"), "{body}");
    }

    #[test]
    fn backtick_runs() {
        assert_eq!(longest_backtick_run("no ticks"), 0);
        assert_eq!(longest_backtick_run("a ` b `` c"), 2);
        assert_eq!(longest_backtick_run("````"), 4);
        assert_eq!(longest_backtick_run("`x`y``z```"), 3);
    }

    /// The span a body gives its content holds the content, escaped, and
    /// nothing else, in every format, with or without a final newline.
    #[test]
    fn the_content_span_is_the_escaped_content() {
        for format in Format::ALL {
            for content in ["", "a", "a\n", "x < \"y\" ```\n\u{1}", "\n\nz"] {
                let b = body(format, &label("d/a.rs"), content.to_owned());
                let mut escaped = String::new();
                escape(format).push(&mut escaped, content);
                assert_eq!(
                    &b.text[b.content.clone()],
                    escaped,
                    "{format:?} {content:?}"
                );
            }
        }
        let json = body(Format::Json, &label("a"), "q\"\n".into()).text;
        assert_eq!(json, "\"content\":\"q\\\"\\n\"}\n");
    }

    #[test]
    fn xml_replaces_characters_xml_cannot_hold() {
        let body = body(
            Format::Xml,
            &label("a"),
            "a\u{1b}b & </document> ]]>".into(),
        )
        .text;
        assert!(
            body.contains("a\u{FFFD}b &amp; &lt;/document&gt; ]]&gt;"),
            "{body}"
        );
    }

    /// A deterministic source of awkward text: whitespace runs, newlines,
    /// slashes, punctuation, digits, CJK, emoji and backticks.
    fn random_text(seed: &mut u64, len: usize) -> String {
        const PARTS: [&str; 16] = [
            " ",
            "  ",
            "\n",
            "\n\n",
            "\t",
            "/",
            "//",
            "word",
            "Ünïcode",
            "日本",
            "🦀",
            "123456",
            "```",
            "<&>",
            "}\n",
            " \n ",
        ];
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                PARTS[(*seed % PARTS.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn pieces_are_additive() {
        let mut seed = 0x2545_f491_4f6c_dd1d;
        for kind in TokenizerKind::ALL {
            for format in Format::ALL {
                for round in 0..40 {
                    let meta = Meta {
                        packs: vec!["p".into()],
                        budget: 100,
                        tokenizer: kind.as_str().into(),
                    };
                    let tree = (round % 2 == 1).then(|| random_text(&mut seed, 4) + "\n");
                    let mut pieces = vec![preamble(format, &meta, tree.as_deref())];
                    for i in 1..=3 {
                        let content = random_text(&mut seed, round % 9 * 3);
                        let l = label(&random_text(&mut seed, 2).replace('\n', ""));
                        pieces.push(head(format, &l, i, 12345));
                        let form = Mode::ALL[(round + i) % 3];
                        pieces.push(match form {
                            Mode::Path => path_body(format, &l, 4321).text,
                            _ => body_in(format, &l, content, form).text,
                        });
                    }
                    pieces.push(trailer(format, &[], None, 77, "abc"));
                    let payload: String = pieces.concat();
                    let sum: u32 = pieces.iter().map(|p| tokenize::count(kind, p)).sum();
                    assert_eq!(
                        tokenize::count(kind, &payload),
                        sum,
                        "{kind} {format:?}: {payload:?}"
                    );
                }
            }
        }
    }
}
