//! Secret redaction: finds credentials in text (private keys, cloud and forge
//! tokens, JWTs, bearer tokens, secret-looking assignments) and replaces each
//! with `[REDACTED:<kind>]` before the text can reach a prompt.
//!
//! Where keeping text readable and leaking nothing conflict, leaking nothing
//! wins: a private key without an END line is redacted to the end of the
//! text, and finds that overlap are merged into one replacement rather than
//! leaving part of either behind. The output is a fixed point: redacting it
//! again changes nothing, so a render can be redacted twice without drift.
//!
//! Nothing here performs I/O, prints or reads the environment: [`redact`] is a
//! pure function of its text, so it can be fuzzed and reused by any front end.
//! The detectors live in modules named for the section of the rules they
//! hold: `shaped` for secrets recognisable by their own shape, and
//! `assignment` (reading values with `value`, judging them with
//! `heuristics`) for values assigned to secret-sounding names; `marker`
//! is what every replacement looks like. This file finds both kinds of span,
//! merges them and resolves them into the final replacements.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

mod assignment;
mod heuristics;
mod marker;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod properties;
mod scan;
mod shaped;
#[cfg(test)]
mod test_support;
mod value;

use std::borrow::Cow;
use std::cmp::Reverse;

use marker::{MARKER_OPEN, marker_around, strip_markers};

/// Version of the detection rules. A cache that remembers "no secret here"
/// must record it, and trust the memory only under the same rules: a rule
/// added later may find what the old ones missed.
pub const RULES_VERSION: u32 = 1;

/// A kind of secret, shown as `[REDACTED:<as_str>]`.
///
/// Variants are ordered from most to least specific; when two finds cover
/// exactly the same text, the earlier variant names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretKind {
    /// A PEM private key block, BEGIN line through END line.
    PrivateKey,
    /// An AWS access key id such as `AKIA...`.
    AwsAccessKey,
    /// An AWS secret access key assigned to an `aws_secret...` name.
    AwsSecretKey,
    /// A GitHub personal, OAuth, app or refresh token.
    GithubToken,
    /// A GitLab personal access token.
    GitlabToken,
    /// A Slack token or incoming-webhook URL.
    SlackToken,
    /// A JSON Web Token.
    Jwt,
    /// The credential after `Bearer `.
    Bearer,
    /// The value assigned to a secret-sounding name.
    Assignment,
}

impl SecretKind {
    /// Every kind, in order.
    pub const ALL: [SecretKind; 9] = [
        SecretKind::PrivateKey,
        SecretKind::AwsAccessKey,
        SecretKind::AwsSecretKey,
        SecretKind::GithubToken,
        SecretKind::GitlabToken,
        SecretKind::SlackToken,
        SecretKind::Jwt,
        SecretKind::Bearer,
        SecretKind::Assignment,
    ];

    /// The name shown inside `[REDACTED:...]`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::PrivateKey => "private_key",
            SecretKind::AwsAccessKey => "aws_access_key",
            SecretKind::AwsSecretKey => "aws_secret_key",
            SecretKind::GithubToken => "github_token",
            SecretKind::GitlabToken => "gitlab_token",
            SecretKind::SlackToken => "slack_token",
            SecretKind::Jwt => "jwt",
            SecretKind::Bearer => "bearer",
            SecretKind::Assignment => "assignment",
        }
    }
}

/// The redacted text (borrowed when nothing matched) and how many secrets
/// of each kind were replaced, sorted by kind: one per marker it wrote that
/// stands in the output.
pub fn redact(text: &str) -> (Cow<'_, str>, Vec<(SecretKind, u32)>) {
    let Some((mut out, mut written)) = redact_once(text, &[]) else {
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
    while let Some((next, kept)) = redact_once(&out, &written) {
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
fn redact_once(text: &str, written: &[Span]) -> Option<(String, Vec<Span>)> {
    let spans = find_spans(text);
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
fn find_spans(text: &str) -> Vec<Span> {
    // Overlapping shaped finds become one marker, so assignments must see
    // them as one.
    let shaped = merge(shaped::find_specific(text));
    let assigned = assignment::find_assignments(text, &shaped);
    let mut spans = shaped;
    spans.extend(assigned);
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
        assert_eq!(
            names,
            [
                "private_key",
                "aws_access_key",
                "aws_secret_key",
                "github_token",
                "gitlab_token",
                "slack_token",
                "jwt",
                "bearer",
                "assignment"
            ]
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
            ("TOKEN='token=\"aaa'\"aaa'", "TOKEN='[REDACTED:assignment]'"),
            (
                "secret:\"password=`\"aaa`aaa\"",
                "secret:\"[REDACTED:assignment]\"",
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
}
