//! Secret redaction: finds credentials in text (private keys, the tokens
//! of some ninety providers, JWTs, bearer and basic credentials, passwords
//! in URLs, secret-looking assignments) and replaces each with
//! `[REDACTED:<kind>]` before the text can reach a prompt.
//!
//! Where keeping text readable and leaking nothing conflict, leaking nothing
//! wins: a private key without an END line is redacted to the end of the
//! text, and finds that overlap are merged into one replacement rather than
//! leaving part of either behind. Otherwise a replacement covers the secret
//! and nothing else: names, schemes, user names and the text after a value
//! stay. The output is a fixed point: redacting it again changes nothing,
//! so a render can be redacted twice without drift.
//!
//! Nothing here performs I/O, prints or reads the environment: [`redact`] is a
//! pure function of its text (and [`redact_file`] of its text and path), so
//! it can be fuzzed and reused by any front end. The modules: `prefilter`
//! finds every keyword in one pass; `rules` is the table of credential
//! formats, run at their keywords by `shaped` (regexes) and `detectors`
//! (shapes written in code), with `checksum` for the formats that carry
//! one; `names` and `assignment` find values assigned to secret-sounding
//! names (reading values with `value`, judging them with `heuristics`);
//! `kind` names what was found and `marker` is what every replacement looks
//! like. This file finds both kinds of span, merges them and resolves them
//! into the final replacements.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

mod assignment;
mod checksum;
mod detectors;
mod heuristics;
mod kind;
mod marker;
mod names;
mod prefilter;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod properties;
mod rules;
mod scan;
mod shaped;
#[cfg(test)]
mod test_support;
mod value;

use std::borrow::Cow;
use std::cmp::Reverse;

pub use kind::SecretKind;
use marker::{MARKER_OPEN, marker_around, strip_markers};
use prefilter::PREFILTER;

/// Version of the detection rules. A cache that remembers "no secret here"
/// must record it, and trust the memory only under the same rules: a rule
/// added later may find what the old ones missed.
pub const RULES_VERSION: u32 = 2;

/// What kind of file a text is, as far as redaction cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Code, configuration, documentation: every rule applies.
    Text,
    /// A dependency lock file (`Cargo.lock`, `package-lock.json`, ...):
    /// package names such as `registry-auth-token` sit beside versions and
    /// hashes, so values assigned to secret-sounding names are not judged;
    /// credentials of a known shape still are.
    Lockfile,
    /// Minified or bundled code (`*.min.js`, or lines thousands of bytes
    /// long): no assignment there is written by hand, so the same.
    Minified,
}

/// File names of dependency lock files.
const LOCK_FILES: [&str; 26] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "deno.lock",
    "Cargo.lock",
    "Gemfile.lock",
    "composer.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "go.sum",
    "flake.lock",
    "mix.lock",
    "pubspec.lock",
    "Podfile.lock",
    "Package.resolved",
    "packages.lock.json",
    "gradle.lockfile",
    "conda-lock.yml",
    "Cartfile.resolved",
    "paket.lock",
    "shard.lock",
    ".terraform.lock.hcl",
];

impl FileKind {
    /// The kind of the file at `path` (any separators; only its name and
    /// extension count) holding `text`. An empty path says nothing.
    pub fn of(path: &str, text: &str) -> FileKind {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if LOCK_FILES.contains(&name) || name.ends_with(".lockfile") {
            return FileKind::Lockfile;
        }
        let script = [".js", ".mjs", ".cjs", ".css", ".map"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if [
            ".min.js",
            ".min.mjs",
            ".min.css",
            ".bundle.js",
            ".chunk.js",
            ".js.map",
            ".css.map",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
            || (script && is_minified(text))
        {
            return FileKind::Minified;
        }
        FileKind::Text
    }
}

/// Whether `text` reads as minified: some line runs to thousands of bytes
/// and lines average hundreds, which hand-written code never does.
fn is_minified(text: &str) -> bool {
    let lines = text.lines().count().max(1);
    text.len() / lines >= 200 && text.lines().any(|line| line.len() >= 2000)
}

/// The id and kind of every rule, in table order: for tests, and for front
/// ends that list what is detected.
pub fn rules() -> impl Iterator<Item = (&'static str, SecretKind)> {
    rules::RULES.iter().map(|rule| (rule.id, rule.kind))
}

/// The redacted text (borrowed when nothing matched) and how many secrets
/// of each kind were replaced, sorted by kind: one per marker it wrote that
/// stands in the output. Every rule applies, as for [`FileKind::Text`].
pub fn redact(text: &str) -> (Cow<'_, str>, Vec<(SecretKind, u32)>) {
    redact_as(FileKind::Text, text)
}

/// [`redact`] for the file at `path` (relative or absolute; only its name
/// counts), whose kind decides which rules apply: see [`FileKind::of`].
pub fn redact_file<'t>(path: &str, text: &'t str) -> (Cow<'t, str>, Vec<(SecretKind, u32)>) {
    redact_as(FileKind::of(path, text), text)
}

/// [`redact`] for a text of the given kind.
pub fn redact_as(kind: FileKind, text: &str) -> (Cow<'_, str>, Vec<(SecretKind, u32)>) {
    let Some((mut out, mut written)) = redact_once(text, &[], kind) else {
        return (Cow::Borrowed(text), Vec::new());
    };
    // The assignment heuristics look at what surrounds a value, and a
    // replacement changes the surroundings of its neighbours: a value
    // quoted inside another value can read as a whole value only once the
    // inner one is a marker. So passes repeat until nothing changes, which
    // makes the output a fixed point by construction. It terminates: every
    // replacement turns at least one byte outside markers into a marker and
    // never splits a marker. A later pass may swallow a marker an earlier
    // one wrote; the count follows the markers that remain, so each counted
    // secret is one marker in the output.
    while let Some((next, kept)) = redact_once(&out, &written, kind) {
        out = next;
        written = kept;
    }
    let mut counts = [0u32; SecretKind::ALL.len()];
    for marker in &written {
        let count = &mut counts[marker.kind as usize];
        *count = count.saturating_add(1);
    }
    let counts = SecretKind::ALL
        .into_iter()
        .zip(counts)
        .filter(|&(_, n)| n > 0)
        .collect();
    (Cow::Owned(out), counts)
}

/// One detection pass over `text`, in which `written` are the markers
/// earlier passes wrote (sorted): the rewritten text with the markers now
/// written in it, or `None` when nothing was found. A marker inside a new
/// span is swallowed by it; spans never split one.
fn redact_once(text: &str, written: &[Span], kind: FileKind) -> Option<(String, Vec<Span>)> {
    let spans = find_spans(text, kind);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut kept = Vec::with_capacity(written.len() + spans.len());
    let mut earlier = written.iter().peekable();
    let mut last = 0;
    // Copies `text[last..upto]`, moving the earlier markers in it along.
    let mut copy = |out: &mut String, kept: &mut Vec<Span>, last: usize, upto: usize| {
        let base = out.len();
        out.push_str(&text[last..upto]);
        while let Some(m) = earlier.next_if(|m| m.start < upto) {
            if m.start >= last {
                kept.push(Span {
                    start: base + m.start - last,
                    end: base + m.end - last,
                    kind: m.kind,
                });
            }
        }
    };
    for span in &spans {
        copy(&mut out, &mut kept, last, span.start);
        let start = out.len();
        out.push_str(MARKER_OPEN);
        out.push_str(span.kind.as_str());
        out.push(']');
        kept.push(Span {
            start,
            end: out.len(),
            kind: span.kind,
        });
        last = span.end;
    }
    copy(&mut out, &mut kept, last, text.len());
    Some((out, kept))
}

/// A byte range of the text to replace, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: SecretKind,
}

/// The disjoint, sorted spans to replace in `text`.
fn find_spans(text: &str, kind: FileKind) -> Vec<Span> {
    let hits = PREFILTER.scan(text.as_bytes());
    if hits.is_empty() {
        return Vec::new();
    }
    // Overlapping shaped finds become one marker, so assignments must see
    // them as one.
    let shaped = merge(shaped::find_specific(text, &hits));
    let mut spans = if kind == FileKind::Text {
        let assigned = assignment::find_assignments(text, &shaped, &hits);
        let mut spans = shaped;
        spans.extend(assigned);
        spans
    } else {
        shaped
    };
    spans.shrink_to_fit();
    resolve(text, spans)
}

/// Orders finds (earliest, then longest, then most specific first) and
/// merges each overlap into its first find, so no detected byte is left
/// behind.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable_by_key(|s| (s.start, Reverse(s.end), s.kind));
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start < last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// The final replacements: merged, on char boundaries, never splitting or
/// only re-covering a marker.
fn resolve(text: &str, mut spans: Vec<Span>) -> Vec<Span> {
    let b = text.as_bytes();
    for span in &mut spans {
        // Widening cannot leak anything, and keeps slicing panic-free and
        // markers whole.
        if let Some((start, _)) = marker_around(b, span.start) {
            span.start = start;
        }
        if let Some((_, end)) = marker_around(b, span.end) {
            span.end = end;
        }
        while !text.is_char_boundary(span.start) {
            span.start -= 1;
        }
        while !text.is_char_boundary(span.end) {
            span.end += 1;
        }
    }
    let mut merged = merge(spans);
    // A span of nothing but markers would re-redact redacted text.
    merged.retain(|s| !strip_markers(&text[s.start..s.end]).is_empty());
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{GITHUB, JWT, RSA_KEY, assert_clean, assert_redacts, redacted};

    #[test]
    fn kinds_name_their_markers() {
        let names: Vec<&str> = SecretKind::ALL.iter().map(|k| k.as_str()).collect();
        // The names of the first rules stay, in the same order.
        let first = [
            "private_key",
            "aws_access_key",
            "aws_secret_key",
            "github_token",
            "gitlab_token",
            "slack_token",
            "jwt",
            "bearer",
            "assignment",
        ];
        let at: Vec<usize> = first
            .iter()
            .map(|n| {
                names
                    .iter()
                    .position(|m| m == n)
                    .expect("a first-release kind is gone")
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        assert_eq!(names.last(), Some(&"assignment"));
        let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len());
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|c| c.is_ascii_lowercase() || c == b'_'))
        );
        assert_eq!(
            kind::LONGEST_NAME,
            names.iter().map(|n| n.len()).max().unwrap_or(0)
        );
        assert!(SecretKind::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn overlaps_go_to_the_earliest_then_longest() {
        // The bearer token runs past the JWT inside it, so it wins.
        assert_redacts(
            &format!("Authorization: Bearer {JWT}.extra"),
            "Authorization: Bearer [REDACTED:bearer]",
            SecretKind::Bearer,
        );
        let span = |start, end, kind| Span { start, end, kind };
        assert_eq!(
            merge(vec![
                span(5, 20, SecretKind::Jwt),
                span(0, 10, SecretKind::Assignment),
                span(30, 40, SecretKind::Bearer),
                span(30, 40, SecretKind::GithubToken),
            ]),
            [
                span(0, 20, SecretKind::Assignment),
                span(30, 40, SecretKind::GithubToken),
            ]
        );
    }

    #[test]
    fn counts_are_per_kind_and_sorted() {
        let text = format!(
            "{RSA_KEY}\npassword = \"hunter2\"\na = {GITHUB}\nb = {JWT}\nc = {}\n",
            GITHUB.replace('a', "b")
        );
        let (out, counts) = redact(&text);
        assert_eq!(
            counts,
            [
                (SecretKind::PrivateKey, 1),
                (SecretKind::GithubToken, 2),
                (SecretKind::Jwt, 1),
                (SecretKind::Assignment, 1),
            ]
        );
        assert_eq!(out.matches(MARKER_OPEN).count(), 5);
    }

    /// A value quoted inside another value reads as a whole value only once
    /// the inner one is a marker; the second pass swallows that marker, and
    /// the count follows what the output shows (found by the fuzzer).
    #[test]
    fn a_swallowed_marker_is_not_counted() {
        for (text, want) in [
            (
                "PASSWORD='password=\"aaa'\"aaa'",
                "PASSWORD='[REDACTED:assignment]'",
            ),
            (
                "passwd:\"password=`\"aaa`aaa\"",
                "passwd:\"[REDACTED:assignment]\"",
            ),
        ] {
            let (out, counts) = redact(text);
            assert_eq!(out, want, "{text}");
            assert_eq!(counts, [(SecretKind::Assignment, 1)], "{text}");
        }
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        let text = format!(
            "{RSA_KEY}\nid=AKIAIOSFODNN7EXAMPLE token={GITHUB}\n\
             Authorization: Bearer {JWT}\npassword: \"hunter2\"\n\
             glpat-xYz12_3-AbCdEfGhIjKlMn xoxb-1234567890-abcdefghij\n\
             aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        let once = redacted(&text);
        assert_ne!(once, text);
        assert_clean(&once);
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert_clean("");
        assert_clean("fn main() {\n    println!(\"hello, world\");\n}\n");
        // Anchors and names with nothing secret behind them.
        assert_clean("let tokens = tokenize(&source); // Bearer auth, eyJ, AKIA, ghp_");
    }

    #[test]
    fn several_secrets_on_one_line() {
        let text = format!(
            "AKIAIOSFODNN7EXAMPLE {GITHUB} password=hunter2! Bearer abcdef0123456789abcdef"
        );
        let (out, counts) = redact(&text);
        assert_eq!(
            out,
            "[REDACTED:aws_access_key] [REDACTED:github_token] password=[REDACTED:assignment] \
             Bearer [REDACTED:bearer]"
        );
        assert_eq!(counts.len(), 4);
    }

    #[test]
    fn multibyte_text_around_secrets() {
        assert_eq!(
            redacted(&format!(
                "日本語 token=\"{GITHUB}\"🦀 ключ: AKIAIOSFODNN7EXAMPLEé"
            )),
            "日本語 token=\"[REDACTED:github_token]\"🦀 ключ: AKIAIOSFODNN7EXAMPLEé"
                .replace("AKIAIOSFODNN7EXAMPLE", "[REDACTED:aws_access_key]")
        );
        assert_eq!(
            redacted("пароль password=\"пароль123\" ✓"),
            "пароль password=\"[REDACTED:assignment]\" ✓"
        );
        assert_eq!(
            redacted(&format!("{GITHUB}🦀")),
            "[REDACTED:github_token]🦀"
        );
    }

    #[test]
    fn adversarial_input_takes_linear_time() {
        // About 100 KB each: linear, each takes well under a second even
        // unoptimised; if some scan restarted at every name or anchor, each
        // would take minutes.
        let inputs = [
            "xoxb-".repeat(20_000),
            "eyJ-".repeat(25_000),
            "token=".repeat(20_000),
            "token=\"a secret='b password=`c ".repeat(4_000),
            "-----BEGIN PRIVATE KEY-----\n".repeat(4_000),
            "Bearer ".repeat(15_000),
            "{\"token\":x,\"secret\":\"abcdefgh\"},".repeat(4_000),
        ];
        for input in &inputs {
            let started = std::time::Instant::now();
            let _ = redact(input);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "{}...",
                &input[..20]
            );
        }
    }

    #[test]
    fn a_value_inside_a_string_stops_at_its_escape() {
        assert_redacts(
            r#"{"env": "X_TOKEN=v4lu3-Q9zk\nNEXT=1"}"#,
            r#"{"env": "X_TOKEN=[REDACTED:assignment]\nNEXT=1"}"#,
            SecretKind::Assignment,
        );
    }

    #[test]
    fn lock_files_and_bundles_keep_names_but_not_tokens() {
        let lock = format!(
            "\"registry-auth-token\": \"a8f5f167f44f4964e6c998dee827110c\",\n\"t\": \"{GITHUB}\"\n"
        );
        let (out, counts) = redact_file("web/package-lock.json", &lock);
        assert_eq!(out, lock.replace(GITHUB, "[REDACTED:github_token]"));
        assert_eq!(counts, [(SecretKind::GithubToken, 1)]);
        assert_eq!(
            redact(&lock).1.len(),
            2,
            "as text, the assignment counts too"
        );
        for (path, text, kind) in [
            ("Cargo.lock", "", FileKind::Lockfile),
            ("a/b/yarn.lock", "", FileKind::Lockfile),
            ("C:\\app\\go.sum", "", FileKind::Lockfile),
            ("dist/app.min.js", "", FileKind::Minified),
            ("dist/app.js", &"var a=1;".repeat(400), FileKind::Minified),
            ("src/app.js", "const a = 1;\n", FileKind::Text),
            ("notes.md", &"x".repeat(5000), FileKind::Text),
            ("", "token = x", FileKind::Text),
        ] {
            assert_eq!(FileKind::of(path, text), kind, "{path}");
        }
    }
}
