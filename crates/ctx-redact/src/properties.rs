//! The properties every redaction keeps, as one check any text must pass.
//! The fuzz target in `fuzz/` runs it on arbitrary bytes and the tests below
//! on generated text, so CI and the fuzzer check the same statement; it is
//! compiled only for tests and with the `fuzzing` feature.
//!
//! The check is an oracle written apart from the redactor: it finds markers
//! with its own scan and relates input and output without knowing where the
//! secrets were, so a mistake in the redactor's marker handling cannot hide
//! the same mistake here.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::{SecretKind, redact};

/// Checks that redacting `text` keeps every property, or says which broke.
///
/// With `(out, counts) = redact(text)`:
///
/// 1. `counts` is sorted by kind with no zero count, and `out` is borrowed
///    (the very same `text`) exactly when `counts` is empty.
/// 2. `out` is a fixed point: redacting it finds nothing and borrows it back.
/// 3. `out` is `text` with exactly as many stretches as `counts` adds up to
///    each replaced by one marker of a valid kind, and all else kept byte
///    for byte. A marker already in `text` is one indivisible unit: kept
///    whole, or swallowed whole by a stretch, and a stretch must hold some
///    text that is not a marker (markers alone are never redacted again).
///    So every marker in `out` that is not a kept marker of `text` stands
///    for one counted find, and a marker's kind must be one of
///    [`SecretKind::as_str`], or it is text and must have been in `text`.
/// 4. Per kind, the count lies between the number of markers of that kind
///    `out` has beyond those `text` had and the number `out` has.
pub fn check(text: &str) -> Result<(), String> {
    let (out, counts) = redact(text);
    if !counts.windows(2).all(|w| w[0].0 < w[1].0) || counts.iter().any(|&(_, n)| n == 0) {
        return Err(format!(
            "{text:?}: counts not sorted by kind or zero: {counts:?}"
        ));
    }
    match &out {
        Cow::Borrowed(s) if !std::ptr::eq(*s, text) => {
            return Err(format!("{text:?}: borrowed something other than the input"));
        }
        Cow::Borrowed(_) if !counts.is_empty() => {
            return Err(format!("{text:?}: counted {counts:?} but changed nothing"));
        }
        Cow::Owned(_) if counts.is_empty() => {
            return Err(format!(
                "{text:?}: rewritten to {out:?} with nothing counted"
            ));
        }
        _ => {}
    }
    let (again, more) = redact(&out);
    if !matches!(again, Cow::Borrowed(_)) || !more.is_empty() {
        return Err(format!(
            "not a fixed point: {text:?} -> {out:?} -> {again:?} ({more:?})"
        ));
    }
    let found: usize = counts.iter().map(|&(_, n)| n as usize).sum();
    if !is_replacement(text, &out, found) {
        return Err(format!(
            "{text:?} -> {out:?} is not the input with {found} stretches replaced by markers"
        ));
    }
    // Which output markers are new is known only up to the alignment, but
    // per kind the new ones are at least those beyond the input's and at
    // most all of them.
    let (before, after) = (kinds(text), kinds(&out));
    for (i, kind) in SecretKind::ALL.into_iter().enumerate() {
        let n = counts
            .iter()
            .find(|&&(k, _)| k == kind)
            .map_or(0, |&(_, n)| n as usize);
        if n < after[i].saturating_sub(before[i]) || n > after[i] {
            return Err(format!(
                "{text:?} -> {out:?}: {n} {} counted for {} markers, {} of them already there",
                kind.as_str(),
                after[i],
                before[i],
            ));
        }
    }
    Ok(())
}

/// How many markers of each kind `s` holds, in the order of [`SecretKind::ALL`].
fn kinds(s: &str) -> [usize; SecretKind::ALL.len()] {
    let mut per_kind = [0; SecretKind::ALL.len()];
    for token in tokens(s) {
        if let Token::Marker(marker) = token
            && let Some(i) = SecretKind::ALL
                .iter()
                .position(|kind| marker[OPEN.len()..marker.len() - 1] == *kind.as_str())
        {
            per_kind[i] += 1;
        }
    }
    per_kind
}

/// How every marker begins.
const OPEN: &str = "[REDACTED:";

/// A unit of text as redaction sees it: a char, or a whole marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'t> {
    Char(char),
    Marker(&'t str),
}

/// `s` as chars and markers, markers found left to right.
fn tokens(s: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let len = match marker_len(rest) {
            Some(len) => {
                out.push(Token::Marker(&rest[..len]));
                len
            }
            None => {
                out.push(Token::Char(c));
                c.len_utf8()
            }
        };
        rest = &rest[len..];
    }
    out
}

/// The length of the marker `s` starts with, if it starts with one.
fn marker_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix(OPEN)?;
    SecretKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .find(|name| {
            rest.strip_prefix(name)
                .is_some_and(|after| after.starts_with(']'))
        })
        .map(|name| OPEN.len() + name.len() + 1)
}

/// Where an alignment of input against output stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Input is being kept: the next input token must be the output token.
    Kept,
    /// Input is being replaced by the marker just before this output
    /// position; `has_char` once the stretch holds a char.
    Replacing { has_char: bool },
}

/// Whether `output` is `input` with exactly `n` stretches each replaced by
/// one marker (property 3 of [`check`]).
///
/// Runs the alignment as a nondeterministic automaton over the input's
/// tokens: a state is an output position and a phase, and carries the set
/// of replacement counts that can reach it. That is linear in the input for
/// each live state, where trying alignments one by one could be exponential.
fn is_replacement(input: &str, output: &str, n: usize) -> bool {
    let input = tokens(input);
    let output = tokens(output);
    let mut states = BTreeMap::from([((0, Phase::Kept), Counts::only(0, n))]);
    for &token in &input {
        close(&mut states);
        let is_char = matches!(token, Token::Char(_));
        let mut next: BTreeMap<(usize, Phase), Counts> = BTreeMap::new();
        for (&(at, phase), counts) in &states {
            match phase {
                Phase::Kept => {
                    if output.get(at) == Some(&token) {
                        add(&mut next, (at + 1, Phase::Kept), counts.clone());
                    }
                    if matches!(output.get(at), Some(Token::Marker(_))) {
                        let counts = counts.plus_one();
                        if !counts.is_empty() {
                            let phase = Phase::Replacing { has_char: is_char };
                            add(&mut next, (at + 1, phase), counts);
                        }
                    }
                }
                Phase::Replacing { has_char } => {
                    let phase = Phase::Replacing {
                        has_char: has_char || is_char,
                    };
                    add(&mut next, (at, phase), counts.clone());
                }
            }
        }
        if next.is_empty() {
            return false;
        }
        states = next;
    }
    close(&mut states);
    states
        .get(&(output.len(), Phase::Kept))
        .is_some_and(|counts| counts.contains(n))
}

/// A stretch holding a char may end at any point: it then keeps input again.
fn close(states: &mut BTreeMap<(usize, Phase), Counts>) {
    let ready: Vec<(usize, Counts)> = states
        .iter()
        .filter(|&(&(_, phase), _)| phase == Phase::Replacing { has_char: true })
        .map(|(&(at, _), counts)| (at, counts.clone()))
        .collect();
    for (at, counts) in ready {
        add(states, (at, Phase::Kept), counts);
    }
}

/// Adds the counts that reach `state`.
fn add(states: &mut BTreeMap<(usize, Phase), Counts>, state: (usize, Phase), counts: Counts) {
    match states.get_mut(&state) {
        Some(have) => have.union(&counts),
        None => {
            states.insert(state, counts);
        }
    }
}

/// A set of replacement counts from `0` to a limit, as a bitset.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Counts {
    words: Vec<u64>,
    limit: usize,
}

impl Counts {
    /// Just `k`, in a set holding at most `limit`.
    fn only(k: usize, limit: usize) -> Counts {
        let mut words = vec![0; limit / 64 + 1];
        if k <= limit {
            words[k / 64] |= 1 << (k % 64);
        }
        Counts { words, limit }
    }

    fn contains(&self, k: usize) -> bool {
        k <= self.limit && self.words[k / 64] & (1 << (k % 64)) != 0
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    fn union(&mut self, other: &Counts) {
        for (w, o) in self.words.iter_mut().zip(&other.words) {
            *w |= o;
        }
    }

    /// Every count one higher, without those past the limit.
    fn plus_one(&self) -> Counts {
        let mut carry = 0;
        let mut words: Vec<u64> = self
            .words
            .iter()
            .map(|&w| {
                let shifted = (w << 1) | carry;
                carry = w >> 63;
                shifted
            })
            .collect();
        let past = self.limit % 64 + 1;
        if past < 64
            && let Some(last) = words.last_mut()
        {
            *last &= (1 << past) - 1;
        }
        Counts {
            words,
            limit: self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::marker::strip_markers;
    use crate::test_support::{GITHUB, JWT, RSA_KEY};

    /// Secrets, pieces of secrets, names, operators, quotes, markers and
    /// multibyte characters: where detectors meet.
    const PIECES: &[&str] = &[
        GITHUB,
        JWT,
        RSA_KEY,
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "glpat-xYz12_3-AbCdEfGhIjKlMn",
        "xoxb-1234567890-abcdefghij",
        "https://hooks.slack.com/services/T0000ABCD/B0000EFGH/XXXXXXXX",
        "-----BEGIN PRIVATE KEY-----",
        "-----END PRIVATE KEY-----",
        "Bearer ",
        "password",
        "token",
        "api_key",
        "aws_secret_access_key",
        "Token",
        "--secret",
        "=",
        ":",
        " = ",
        ": ",
        "=>",
        ":=",
        "::",
        ": str = ",
        "\"",
        "'",
        "`",
        "\\\"",
        "r#\"",
        "hunter2",
        "a8f5f167f44f4964e6c998dee827110c",
        "${X}",
        "String",
        "f(x)",
        "4096",
        "[REDACTED:assignment]",
        "[REDACTED:",
        "]",
        " ",
        "\n",
        ",",
        ";",
        "&",
        "#",
        "-",
        "\\",
        "é",
        "日本",
        "🦀",
        "export ",
        // The rule table's keywords and the syntaxes of assignments.
        "sk_live_0123456789abcdefABCDEF01",
        "npm_",
        "AIza",
        "xoxe.xoxb-",
        "hf_",
        "SG.",
        "8Q~",
        "://",
        "u:p4ss@h",
        "curl -u ",
        "Basic ",
        "dXNlcjpwYXNz",
        "ZXlK",
        "PuTTY-User-Key-File-3: x\n",
        "\nPrivate-Lines: 1\n",
        "<apiToken>",
        "</apiToken>",
        "setProperty(\"TOKEN\", ",
        "${TOKEN:-",
        "}",
        ": |\n  ",
        "key",
        "Authorization",
        "value=",
        "\\n",
    ];

    /// A small deterministic generator (xorshift64).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Text made of [`PIECES`], prefixes of them and printable noise.
    fn generate(rng: &mut Rng) -> String {
        let mut text = String::new();
        for _ in 0..1 + rng.below(16) {
            let piece = PIECES[rng.below(PIECES.len())];
            match rng.below(8) {
                // A prefix of a piece, cut on a char boundary.
                0 => {
                    let mut cut = rng.below(piece.len() + 1);
                    while !piece.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.push_str(&piece[..cut]);
                }
                1 => text.extend((0..rng.below(4)).map(|_| char::from(b' ' + rng.below(95) as u8))),
                _ => text.push_str(piece),
            }
        }
        text
    }

    /// Whether `small` can be had from `large` by deleting chars.
    fn is_subsequence(small: &str, large: &str) -> bool {
        let mut large = large.chars();
        small.chars().all(|c| large.any(|l| l == c))
    }

    #[test]
    fn generated_text_never_panics_and_redacts_to_a_fixed_point() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let text = generate(&mut rng);
            let (out, counts) = redact(&text);
            assert_eq!(
                matches!(out, Cow::Borrowed(_)),
                counts.is_empty(),
                "{text:?}"
            );
            let (again, more) = redact(&out);
            assert!(
                matches!(again, Cow::Borrowed(_)) && more.is_empty(),
                "not a fixed point: {text:?} -> {out:?} -> {again:?}"
            );
            // Redaction only removes text and inserts markers.
            assert!(
                is_subsequence(&strip_markers(&out), &strip_markers(&text)),
                "{text:?} -> {out:?}"
            );
            if let Err(broken) = check(&text) {
                panic!("{broken}");
            }
        }
    }

    /// A piece, a prefix of one cut on a char boundary, or printable noise.
    fn fragment() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(PIECES);
        prop_oneof![
            6 => piece.clone().prop_map(str::to_owned),
            2 => (piece, any::<prop::sample::Index>()).prop_map(|(piece, cut)| {
                let mut cut = cut.index(piece.len() + 1);
                while !piece.is_char_boundary(cut) {
                    cut -= 1;
                }
                piece[..cut].to_owned()
            }),
            1 => "[ -~]{0,3}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn text_of_secret_like_fragments_keeps_every_property(
            parts in prop::collection::vec(fragment(), 1..24),
        ) {
            let text = parts.concat();
            check(&text).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn check_accepts_the_redactor_on_hand_made_cases() {
        for text in [
            String::new(),
            "no secrets here".to_owned(),
            format!("token = {GITHUB}"),
            // A marker already there is kept whole...
            "password = \"[REDACTED:assignment]\"".to_owned(),
            // ...or swallowed whole, with the text beside it, by one find.
            "password = \"[REDACTED:assignment]hunter2\"".to_owned(),
            format!("[REDACTED:jwt]{GITHUB}"),
            format!("[REDACTED:{GITHUB}"),
        ] {
            assert_eq!(check(&text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn is_replacement_catches_wrong_counts_and_stray_markers() {
        let m = "[REDACTED:jwt]";
        // Right.
        assert!(is_replacement("a secret b", &format!("a {m} b"), 1));
        assert!(is_replacement(&format!("{m}xy"), &format!("{m}{m}"), 1));
        assert!(is_replacement(&format!("{m}xy"), &format!("{m}{m}"), 2));
        assert!(is_replacement(&format!("a {m}x b"), &format!("a {m} b"), 1));
        // A count that does not match the markers added.
        assert!(!is_replacement("a secret b", &format!("a {m} b"), 0));
        assert!(!is_replacement("a secret b", &format!("a {m} b"), 2));
        assert!(!is_replacement("one two", &format!("{m} {m}"), 1));
        // An old marker re-redacted on its own, or split.
        assert!(!is_replacement(&format!("a {m} b"), &format!("a {m} b"), 1));
        assert!(!is_replacement(
            &format!("a {m} b"),
            "a [REDACTED:[REDACTED:bearer] b",
            1
        ));
        // A marker of no known kind, or text that was never there.
        assert!(!is_replacement("a secret b", "a [REDACTED:secret] b", 1));
        assert!(!is_replacement("a secret b", &format!("a {m} c"), 1));
        // Nothing may be dropped without a marker in its place.
        assert!(!is_replacement("a secret b", "a  b", 0));
    }
}
