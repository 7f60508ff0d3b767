//! Source specs: the one-line strings that declare what an artifact holds.
//!
//! | spec | meaning |
//! |---|---|
//! | `PATH`, `file:PATH` | one file |
//! | `PATH#L10-L20`, `PATH#L7` | a line range, 1-based and inclusive |
//! | `text:SOME WORDS` | an inline note |
//! | `glob:PATTERN` | files matching a glob under the pack root |
//! | `md_dir:DIR` | markdown files in a folder |
//! | `git:diff [--base=REV] [--head=REV]` | output of `git diff` in the pack root |
//! | `DIR/`, `dir:DIR` | a folder: its text files, gitignore-aware, like `glob:DIR/**/*` |
//!
//! A bare path ending in `/` is a folder. `pack add` also takes a bare path
//! naming a folder on disk as one (parsing reads no disk, so the engine
//! decides that); `file:DIR/` stays a file spec, and is refused when read.
//! `parse(spec.to_string()) == spec` for every spec: `Display` writes the
//! canonical form, adding `file:` where a bare path would read as a scheme.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One declared source.
///
/// Deserializing checks what `parse` guarantees (see [`StoredSpec`]), so a
/// damaged store or log cannot hand out a spec that `parse` would refuse.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "StoredSpec")]
pub enum SourceSpec {
    /// A whole file.
    File { path: String },
    /// Lines `start..=end` of a file (1-based).
    Range { path: String, start: u32, end: u32 },
    /// An inline note.
    Text { text: String },
    /// Files matching a glob under the pack root.
    Glob { pattern: String },
    /// Markdown files in a folder.
    MdDir { dir: String },
    /// `git diff` output: the work tree against `base` (or the index), or `base..head`.
    GitDiff {
        base: Option<String>,
        head: Option<String>,
    },
    /// A folder's text files, walked as a collection (like `glob:DIR/**/*`,
    /// but a path: resolved from the current folder like a file's, and
    /// shown as `DIR/`).
    Dir { dir: String },
}

/// The stored shape of a [`SourceSpec`], field for field and variant for
/// variant (postcard encodes positions, so the two must never differ), read
/// before the checks in `TryFrom`: a line range read back as `#L0` or
/// `#L9-L3` would panic when sliced, and a revision starting with `-` would
/// reach `git` as an option.
#[derive(Deserialize)]
enum StoredSpec {
    File {
        path: String,
    },
    Range {
        path: String,
        start: u32,
        end: u32,
    },
    Text {
        text: String,
    },
    Glob {
        pattern: String,
    },
    MdDir {
        dir: String,
    },
    GitDiff {
        base: Option<String>,
        head: Option<String>,
    },
    Dir {
        dir: String,
    },
}

impl TryFrom<StoredSpec> for SourceSpec {
    type Error = String;

    fn try_from(stored: StoredSpec) -> Result<Self, Self::Error> {
        let bad_rev = |rev: &Option<String>| {
            rev.as_ref()
                .is_some_and(|r| r.is_empty() || r.starts_with('-'))
        };
        let (bad, spec) = match stored {
            StoredSpec::File { path } => (path.is_empty(), Self::File { path }),
            StoredSpec::Range { path, start, end } => (
                path.is_empty() || start == 0 || end < start,
                Self::Range { path, start, end },
            ),
            StoredSpec::Text { text } => (text.is_empty(), Self::Text { text }),
            StoredSpec::Glob { pattern } => (pattern.is_empty(), Self::Glob { pattern }),
            StoredSpec::MdDir { dir } => (dir.is_empty(), Self::MdDir { dir }),
            StoredSpec::GitDiff { base, head } => (
                bad_rev(&base) || bad_rev(&head) || (head.is_some() && base.is_none()),
                Self::GitDiff { base, head },
            ),
            StoredSpec::Dir { dir } => (dir.is_empty(), Self::Dir { dir }),
        };
        if bad {
            return Err(format!("`{spec}` is not a valid source spec"));
        }
        Ok(spec)
    }
}

/// Why a string is not a valid source spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("the source spec is empty")]
    Empty,
    #[error("`{spec}` names no path")]
    EmptyPath { spec: String },
    #[error("`{spec}`: line numbers start at 1")]
    ZeroLine { spec: String },
    #[error("`{spec}`: the range ends (line {end}) before it starts (line {start})")]
    ReversedRange { spec: String, start: u32, end: u32 },
    #[error("`{spec}`: `#L{range}` is not a line range; write `#L7` or `#L10-L20`")]
    BadRange { spec: String, range: String },
    #[error(
        "`{scheme}:` is not a known source scheme; the known ones are `file:`, `text:`, `glob:`, `md_dir:`, `dir:` and `git:` (write `file:{rest}` for a path that contains a colon)"
    )]
    UnknownScheme { scheme: String, rest: String },
    #[error("`text:` needs the note's text after the colon")]
    EmptyText,
    #[error("`glob:` needs a pattern after the colon")]
    EmptyGlob,
    #[error(
        "`{spec}`: expected `git:diff`, `git:diff --base=REV` or `git:diff --base=REV --head=REV`"
    )]
    BadGit { spec: String },
    #[error("`{spec}`: `{rev}` is not a usable revision (empty, or starts with `-`)")]
    BadRev { spec: String, rev: String },
}

impl SourceSpec {
    /// Parses a spec as typed by a user.
    pub fn parse(spec: &str) -> Result<Self, SpecError> {
        if spec.is_empty() {
            return Err(SpecError::Empty);
        }
        let Some((scheme, rest)) = split_scheme(spec) else {
            // `src/` names a folder (`/` alone stays a path, refused when read).
            if let Some(dir) = spec.strip_suffix('/').filter(|d| !d.is_empty()) {
                return Ok(Self::Dir {
                    dir: dir.to_owned(),
                });
            }
            return parse_path(spec, spec, str::to_owned);
        };
        match scheme {
            "file" => parse_path(spec, rest, unescape),
            "text" if rest.is_empty() => Err(SpecError::EmptyText),
            "text" => Ok(Self::Text {
                text: rest.to_owned(),
            }),
            "glob" if rest.is_empty() => Err(SpecError::EmptyGlob),
            "glob" => Ok(Self::Glob {
                pattern: rest.to_owned(),
            }),
            "md_dir" if rest.is_empty() => Err(SpecError::EmptyPath {
                spec: spec.to_owned(),
            }),
            "md_dir" => Ok(Self::MdDir {
                dir: rest.to_owned(),
            }),
            "dir" if rest.is_empty() => Err(SpecError::EmptyPath {
                spec: spec.to_owned(),
            }),
            "dir" => Ok(Self::Dir {
                dir: rest.to_owned(),
            }),
            "git" => parse_git(spec, rest),
            _ => Err(SpecError::UnknownScheme {
                scheme: scheme.to_owned(),
                rest: rest.to_owned(),
            }),
        }
    }

    /// The file or folder path the spec names, if any.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::File { path } | Self::Range { path, .. } => Some(path),
            Self::MdDir { dir } | Self::Dir { dir } => Some(dir),
            Self::Text { .. } | Self::Glob { .. } | Self::GitDiff { .. } => None,
        }
    }

    /// Whether the spec walks a folder into many files (`glob:`,
    /// `md_dir:`, a folder), so collection options apply to it.
    pub fn is_collection(&self) -> bool {
        matches!(
            self,
            Self::Glob { .. } | Self::MdDir { .. } | Self::Dir { .. }
        )
    }

    /// The same spec naming `path` instead (no change for specs without one).
    pub fn with_path(&self, new: String) -> Self {
        match self {
            Self::File { .. } => Self::File { path: new },
            Self::Range { start, end, .. } => Self::Range {
                path: new,
                start: *start,
                end: *end,
            },
            Self::MdDir { .. } => Self::MdDir { dir: new },
            Self::Dir { .. } => Self::Dir { dir: new },
            other => other.clone(),
        }
    }
}

/// Splits `scheme:rest` when the part before the first colon looks like a
/// scheme word; a path such as `src/a:b` or `./x:y` has no scheme.
fn split_scheme(spec: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = spec.split_once(':')?;
    let is_word = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    is_word.then_some((scheme, rest))
}

/// Parses `PATH` or `PATH#L..` in `body`; `path` turns the path as
/// written into the path (the `file:` form decodes escapes).
fn parse_path(spec: &str, body: &str, path: fn(&str) -> String) -> Result<SourceSpec, SpecError> {
    let decode = path;
    let empty = || SpecError::EmptyPath {
        spec: spec.to_owned(),
    };
    let Some(at) = body.rfind("#L") else {
        if body.is_empty() {
            return Err(empty());
        }
        return Ok(SourceSpec::File { path: decode(body) });
    };
    let (path, range) = (&body[..at], &body[at + 2..]);
    if path.is_empty() {
        return Err(empty());
    }
    let bad = || SpecError::BadRange {
        spec: spec.to_owned(),
        range: range.to_owned(),
    };
    let line = |s: &str| -> Result<u32, SpecError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match s.parse::<u32>() {
            Ok(0) => Err(SpecError::ZeroLine {
                spec: spec.to_owned(),
            }),
            Ok(n) => Ok(n),
            Err(_) => Err(bad()),
        }
    };
    let (start, end) = match range.split_once('-') {
        None => {
            let n = line(range)?;
            (n, n)
        }
        Some((a, b)) => (line(a)?, line(b.strip_prefix('L').unwrap_or(b))?),
    };
    if end < start {
        return Err(SpecError::ReversedRange {
            spec: spec.to_owned(),
            start,
            end,
        });
    }
    Ok(SourceSpec::Range {
        path: decode(path),
        start,
        end,
    })
}

/// In the `file:` form, `%23` stands for `#` and `%25` for `%`, so a path
/// holding `#L` can be written (`file:b%23L3`) without reading as a line
/// range. Any other `%` is itself.
fn unescape(path: &str) -> String {
    if !path.contains('%') {
        return path.to_owned();
    }
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (decoded, len) = if tail.starts_with("%23") {
            ('#', 3)
        } else if tail.starts_with("%25") {
            ('%', 3)
        } else {
            ('%', 1)
        };
        out.push(decoded);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// The `file:` form of a path, escaping what [`unescape`] decodes.
fn escape(path: &str) -> String {
    path.replace('%', "%25").replace('#', "%23")
}

fn parse_git(spec: &str, rest: &str) -> Result<SourceSpec, SpecError> {
    let bad = || SpecError::BadGit {
        spec: spec.to_owned(),
    };
    let mut words = rest.split_whitespace();
    if words.next() != Some("diff") {
        return Err(bad());
    }
    let (mut base, mut head) = (None, None);
    for word in words {
        let (slot, rev) = if let Some(rev) = word.strip_prefix("--base=") {
            (&mut base, rev)
        } else if let Some(rev) = word.strip_prefix("--head=") {
            (&mut head, rev)
        } else {
            return Err(bad());
        };
        if slot.is_some() {
            return Err(bad());
        }
        if rev.is_empty() || rev.starts_with('-') {
            return Err(SpecError::BadRev {
                spec: spec.to_owned(),
                rev: rev.to_owned(),
            });
        }
        *slot = Some(rev.to_owned());
    }
    if head.is_some() && base.is_none() {
        return Err(bad());
    }
    Ok(SourceSpec::GitDiff { base, head })
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A path that reads as a scheme, a whole file's path holding the
        // range marker, or one ending in `/` (which reads as a folder), is
        // written in the `file:` form, escaped.
        let shown = |path: &str, whole: bool| {
            if split_scheme(path).is_some()
                || (whole && (path.contains("#L") || path.ends_with('/')))
            {
                format!("file:{}", escape(path))
            } else {
                path.to_owned()
            }
        };
        match self {
            Self::File { path } => f.write_str(&shown(path, true)),
            Self::Range { path, start, end } if start == end => {
                write!(f, "{}#L{start}", shown(path, false))
            }
            Self::Range { path, start, end } => {
                write!(f, "{}#L{start}-L{end}", shown(path, false))
            }
            Self::Text { text } => write!(f, "text:{text}"),
            Self::Glob { pattern } => write!(f, "glob:{pattern}"),
            Self::MdDir { dir } => write!(f, "md_dir:{dir}"),
            // `DIR/` reads back as this folder unless DIR reads as a scheme
            // or ends in `/` already.
            Self::Dir { dir } if split_scheme(dir).is_some() || dir.ends_with('/') => {
                write!(f, "dir:{dir}")
            }
            Self::Dir { dir } => write!(f, "{dir}/"),
            Self::GitDiff { base, head } => {
                f.write_str("git:diff")?;
                if let Some(base) = base {
                    write!(f, " --base={base}")?;
                }
                if let Some(head) = head {
                    write!(f, " --head={head}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::str::FromStr for SourceSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn p(s: &str) -> Result<SourceSpec, SpecError> {
        SourceSpec::parse(s)
    }

    #[test]
    fn parses_every_form() {
        let file = |path: &str| SourceSpec::File { path: path.into() };
        assert_eq!(p("src/main.rs"), Ok(file("src/main.rs")));
        assert_eq!(p("file:src/main.rs"), Ok(file("src/main.rs")));
        assert_eq!(p("./a:b"), Ok(file("./a:b")));
        assert_eq!(p("file:a:b"), Ok(file("a:b")));
        let range = |start, end| SourceSpec::Range {
            path: "a.rs".into(),
            start,
            end,
        };
        assert_eq!(p("a.rs#L10-L20"), Ok(range(10, 20)));
        assert_eq!(p("a.rs#L10-20"), Ok(range(10, 20)));
        assert_eq!(p("a.rs#L7"), Ok(range(7, 7)));
        assert_eq!(p("file:a.rs#L7"), Ok(range(7, 7)));
        assert_eq!(
            p("text:hello: world"),
            Ok(SourceSpec::Text {
                text: "hello: world".into()
            })
        );
        assert_eq!(
            p("glob:src/**/*.rs"),
            Ok(SourceSpec::Glob {
                pattern: "src/**/*.rs".into()
            })
        );
        assert_eq!(
            p("md_dir:docs"),
            Ok(SourceSpec::MdDir { dir: "docs".into() })
        );
        let dir = |dir: &str| SourceSpec::Dir { dir: dir.into() };
        assert_eq!(p("src/"), Ok(dir("src")));
        assert_eq!(p("dir:src"), Ok(dir("src")));
        assert_eq!(p("./"), Ok(dir(".")));
        assert_eq!(p("a/b//"), Ok(dir("a/b/")));
        assert_eq!(p("file:src/"), Ok(file("src/")));
        assert_eq!(p("/"), Ok(file("/")));
        assert_eq!(
            p("git:diff"),
            Ok(SourceSpec::GitDiff {
                base: None,
                head: None
            })
        );
        assert_eq!(
            p("git:diff --base=main --head=HEAD~1"),
            Ok(SourceSpec::GitDiff {
                base: Some("main".into()),
                head: Some("HEAD~1".into())
            })
        );
    }

    #[test]
    fn rejects_bad_specs_precisely() {
        assert_eq!(p(""), Err(SpecError::Empty));
        assert!(matches!(p("file:"), Err(SpecError::EmptyPath { .. })));
        assert!(matches!(p("#L3"), Err(SpecError::EmptyPath { .. })));
        assert!(matches!(p("md_dir:"), Err(SpecError::EmptyPath { .. })));
        assert!(matches!(p("dir:"), Err(SpecError::EmptyPath { .. })));
        assert!(matches!(p("a.rs#L0"), Err(SpecError::ZeroLine { .. })));
        assert!(matches!(p("a.rs#L0-L3"), Err(SpecError::ZeroLine { .. })));
        assert_eq!(
            p("a.rs#L20-L10"),
            Err(SpecError::ReversedRange {
                spec: "a.rs#L20-L10".into(),
                start: 20,
                end: 10
            })
        );
        for bad in [
            "a.rs#Lx",
            "a.rs#L",
            "a.rs#L1-",
            "a.rs#L1-Lx",
            "a.rs#L99999999999",
        ] {
            assert!(matches!(p(bad), Err(SpecError::BadRange { .. })), "{bad}");
        }
        let err = p("foo:bar").unwrap_err();
        assert_eq!(
            err,
            SpecError::UnknownScheme {
                scheme: "foo".into(),
                rest: "bar".into()
            }
        );
        assert!(err.to_string().contains("`md_dir:`"), "{err}");
        assert_eq!(p("text:"), Err(SpecError::EmptyText));
        assert_eq!(p("glob:"), Err(SpecError::EmptyGlob));
        for bad in [
            "git:",
            "git:log",
            "git:diff --cached",
            "git:diff --head=x",
            "git:diff --base=a --base=b",
        ] {
            assert!(matches!(p(bad), Err(SpecError::BadGit { .. })), "{bad}");
        }
        assert!(matches!(
            p("git:diff --base=--output=x"),
            Err(SpecError::BadRev { .. })
        ));
    }

    #[test]
    fn a_path_holding_the_range_marker_is_written_escaped() {
        let file = |path: &str| SourceSpec::File { path: path.into() };
        assert_eq!(p("file:b%23L3"), Ok(file("b#L3")));
        assert_eq!(file("b#L3").to_string(), "file:b%23L3");
        assert_eq!(p("file:100%25"), Ok(file("100%")));
        assert_eq!(p("file:100%"), Ok(file("100%")));
        assert_eq!(p("file:a%41"), Ok(file("a%41")));
        // A bare path is taken as written, as it always was.
        assert_eq!(p("a%23b"), Ok(file("a%23b")));
        assert_eq!(file("a%23b").to_string(), "a%23b");
        assert_eq!(file("a:100%").to_string(), "file:a:100%25");
        let range = SourceSpec::Range {
            path: "b#L3".into(),
            start: 1,
            end: 2,
        };
        assert_eq!(range.to_string(), "b#L3#L1-L2");
        assert_eq!(p(&range.to_string()), Ok(range));
    }

    #[test]
    fn a_folder_is_shown_with_a_trailing_slash() {
        let dir = |dir: &str| SourceSpec::Dir { dir: dir.into() };
        assert_eq!(dir("src").to_string(), "src/");
        assert_eq!(dir(".").to_string(), "./");
        assert_eq!(dir("a:b").to_string(), "dir:a:b");
        assert_eq!(dir("a/").to_string(), "dir:a/");
        assert_eq!(
            SourceSpec::File { path: "a/".into() }.to_string(),
            "file:a/"
        );
        for spec in [dir("src"), dir("a:b"), dir("a/"), dir("x#L3")] {
            assert_eq!(p(&spec.to_string()), Ok(spec));
        }
    }

    #[test]
    fn display_adds_file_prefix_where_needed() {
        let spec = SourceSpec::File { path: "a:b".into() };
        assert_eq!(spec.to_string(), "file:a:b");
        let spec = SourceSpec::Range {
            path: "text:x".into(),
            start: 1,
            end: 2,
        };
        assert_eq!(spec.to_string(), "file:text:x#L1-L2");
        assert_eq!(p(&spec.to_string()), Ok(spec));
    }

    fn path_strategy() -> impl Strategy<Value = String> {
        // Paths with colons, `#`, `%` and the `#L` range marker.
        prop_oneof![
            "[a-zA-Z0-9_./:# -]{1,24}",
            "[a-z:#%L0-9]{1,12}",
            "[a-z]{1,4}(#L|%23|%25|%)[0-9]{0,2}[a-z:]{0,3}",
        ]
    }

    fn rev_strategy() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_~^./]{1,12}"
    }

    fn spec_strategy() -> impl Strategy<Value = SourceSpec> {
        prop_oneof![
            path_strategy().prop_map(|path| SourceSpec::File { path }),
            (path_strategy(), 1u32..5000, 0u32..5000).prop_map(|(path, start, len)| {
                SourceSpec::Range {
                    path,
                    start,
                    end: start.saturating_add(len),
                }
            }),
            "(?s).{1,40}".prop_map(|text| SourceSpec::Text { text }),
            "[^\\n]{1,30}".prop_map(|pattern| SourceSpec::Glob { pattern }),
            path_strategy().prop_map(|dir| SourceSpec::MdDir { dir }),
            path_strategy().prop_map(|dir| SourceSpec::Dir { dir }),
            (
                proptest::option::of(rev_strategy()),
                proptest::option::of(rev_strategy())
            )
                .prop_map(|(base, head)| SourceSpec::GitDiff {
                    head: head.filter(|_| base.is_some()),
                    base,
                }),
        ]
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(spec in spec_strategy()) {
            let shown = spec.to_string();
            prop_assert_eq!(SourceSpec::parse(&shown), Ok(spec.clone()));
            // Display is canonical: parsing what it wrote and showing it again changes nothing.
            prop_assert_eq!(SourceSpec::parse(&shown).map(|s| s.to_string()), Ok(shown));
        }

        #[test]
        fn parse_never_panics(input in "(?s).{0,64}") {
            if let Ok(spec) = SourceSpec::parse(&input) {
                prop_assert_eq!(SourceSpec::parse(&spec.to_string()), Ok(spec));
            }
        }
    }
}
