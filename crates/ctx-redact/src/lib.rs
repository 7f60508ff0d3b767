//! Secret redaction: finds credentials in text (private keys, cloud and forge
//! tokens, JWTs, bearer tokens, secret-looking assignments) and replaces each
//! with `[REDACTED:<kind>]` before the text can reach a prompt.
//!
//! Where keeping text readable and leaking nothing conflict, leaking nothing
//! wins: a private key without an END line is redacted to the end of the
//! text, and finds that overlap are merged into one replacement rather than
//! leaving part of either behind. The output is a fixed point: redacting it
//! again changes nothing, so a render can be redacted twice without drift.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::sync::LazyLock;

use regex::Regex;

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

/// The redacted text (borrowed when nothing matched) and how many secrets of each kind were replaced, sorted by kind.
pub fn redact(text: &str) -> (Cow<'_, str>, Vec<(SecretKind, u32)>) {
    let mut counts = [0u32; SecretKind::ALL.len()];
    let Some(mut out) = redact_once(text, &mut counts) else {
        return (Cow::Borrowed(text), Vec::new());
    };
    // The assignment heuristics look at what surrounds a value, and a
    // replacement changes the surroundings of its neighbours. Detection is
    // built so that one pass already yields a fixed point, but repeating
    // until nothing changes makes idempotence hold by construction rather
    // than by that argument. It terminates: every replacement turns at least
    // one byte outside markers into a marker and never splits a marker.
    while let Some(next) = redact_once(&out, &mut counts) {
        out = next;
    }
    let counts = SecretKind::ALL
        .into_iter()
        .zip(counts)
        .filter(|&(_, n)| n > 0)
        .collect();
    (Cow::Owned(out), counts)
}

/// One detection pass: the rewritten text, or `None` when nothing was found.
fn redact_once(text: &str, counts: &mut [u32; SecretKind::ALL.len()]) -> Option<String> {
    let spans = find_spans(text);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in &spans {
        out.push_str(&text[last..span.start]);
        out.push_str(MARKER_OPEN);
        out.push_str(span.kind.as_str());
        out.push(']');
        last = span.end;
        let count = &mut counts[span.kind as usize];
        *count = count.saturating_add(1);
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// A byte range of the text to replace, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: SecretKind,
}

/// The disjoint, sorted spans to replace in `text`.
fn find_spans(text: &str) -> Vec<Span> {
    // Overlapping shaped finds become one marker, so assignments must see
    // them as one.
    let shaped = merge(find_specific(text));
    let assigned = find_assignments(text, &shaped);
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

// ---------------------------------------------------------------------------
// Markers

/// How every replacement begins.
const MARKER_OPEN: &str = "[REDACTED:";

/// The length of the marker starting at `at`, if one does.
fn marker_len(b: &[u8], at: usize) -> Option<usize> {
    let rest = b.get(at..)?.strip_prefix(MARKER_OPEN.as_bytes())?;
    SecretKind::ALL.iter().find_map(|kind| {
        let name = kind.as_str().as_bytes();
        (rest.starts_with(name) && rest.get(name.len()) == Some(&b']'))
            .then_some(MARKER_OPEN.len() + name.len() + 1)
    })
}

/// The marker that `pos` falls strictly inside, if any.
fn marker_around(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    const LONGEST: usize = MARKER_OPEN.len() + "aws_access_key".len() + 1;
    let from = pos.saturating_sub(LONGEST);
    (from..pos.min(b.len())).rev().find_map(|start| {
        let end = start + marker_len(b, start)?;
        (pos < end).then_some((start, end))
    })
}

/// `s` without the markers in it.
fn strip_markers(s: &str) -> Cow<'_, str> {
    if !s.contains(MARKER_OPEN) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut at = 0;
    while let Some(found) = s[at..].find(MARKER_OPEN) {
        let start = at + found;
        match marker_len(b, start) {
            Some(len) => {
                out.push_str(&s[last..start]);
                last = start + len;
                at = last;
            }
            None => at = start + 1,
        }
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

// ---------------------------------------------------------------------------
// Secrets with a recognisable shape

/// Literal prefixes of every shaped secret. One scan for all of them keeps
/// clean text cheap; each hit is then checked by its own detector.
static ANCHORS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"-----BEGIN |A(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)|gh[pousr]_|github_pat_|glpat-",
        r"|xox[baprs]-|hooks\.slack\.com/services/|eyJ|Bearer|bearer|BEARER",
    ))
    .expect("BUG: anchor pattern must compile")
});

/// The BEGIN line of a private key; CERTIFICATE and PUBLIC KEY blocks do not match.
static PEM_BEGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
        .expect("BUG: PEM BEGIN pattern must compile")
});

/// Any private key END line. The label need not match the BEGIN line: a
/// mismatched END still ends the key material.
static PEM_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
        .expect("BUG: PEM END pattern must compile")
});

/// The shaped detectors, indexing the per-detector resume points.
#[derive(Clone, Copy)]
enum Detector {
    Pem,
    Aws,
    Github,
    Gitlab,
    Slack,
    Webhook,
    Jwt,
    Bearer,
}

/// Runs the shaped detectors at every anchor.
fn find_specific(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    // Where each detector may look again. A word-bounded anchor that scanned
    // a run of token characters reaches the same verdict as any later anchor
    // inside that run (the run ends at the same place, and is only shorter),
    // so skipping those keeps inputs like `xoxb-xoxb-xoxb-...` linear.
    // Everything inside a private key is skipped by all detectors: the key
    // absorbs it.
    let mut resume = [0usize; 8];
    let mut inside_key = 0;
    for anchor in find_overlapping(&ANCHORS, text) {
        let at = anchor.start();
        if at < inside_key {
            continue;
        }
        let detector = match anchor.as_str().as_bytes() {
            [b'-', ..] => Detector::Pem,
            [b'A', ..] => Detector::Aws,
            [b'g', b'l', ..] => Detector::Gitlab,
            [b'g', ..] => Detector::Github,
            [b'x', ..] => Detector::Slack,
            [b'h', ..] => Detector::Webhook,
            [b'e', ..] => Detector::Jwt,
            _ => Detector::Bearer,
        };
        if at < resume[detector as usize] {
            continue;
        }
        let (found, scanned_to) = match detector {
            Detector::Pem => private_key(text, at),
            Detector::Aws => aws_access_key(b, at),
            Detector::Github => github_token(b, at),
            Detector::Gitlab => gitlab_token(b, at),
            Detector::Slack => slack_token(b, at),
            Detector::Webhook => slack_webhook(b, at),
            Detector::Jwt => jwt(b, at),
            Detector::Bearer => bearer(text, at),
        };
        resume[detector as usize] = scanned_to;
        if let Some(span) = found {
            if span.kind == SecretKind::PrivateKey {
                inside_key = span.end;
            }
            spans.push(span);
        }
    }
    spans
}

/// Every match of `re` in `text`, including matches that begin inside an
/// earlier one: one anchor can start in the middle of another
/// (`glpat-----BEGIN`), and a name fragment in the middle of another.
fn find_overlapping<'t>(re: &'t Regex, text: &'t str) -> impl Iterator<Item = regex::Match<'t>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let found = re.find_at(text, at)?;
        // Every pattern starts with an ASCII byte, so one byte on is still a
        // char boundary.
        at = found.start() + 1;
        Some(found)
    })
}

/// A detector's verdict: the span found, if any, and where the same
/// detector may look again.
type Verdict = (Option<Span>, usize);

/// The end of the run of bytes satisfying `pred` that starts at `from`.
fn run(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    from + b
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
}

/// Whether `c` is a byte of a word, for word boundaries.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether a token may start at `at` rather than mid-word.
fn word_starts(b: &[u8], at: usize) -> bool {
    at == 0 || !is_word(b[at - 1])
}

/// A base64url byte, as in JWT segments and GitLab tokens.
fn is_base64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// `prefix_len` bytes of prefix followed by a run of at least `min` bytes satisfying `pred`.
fn prefixed_run(
    b: &[u8],
    at: usize,
    prefix_len: usize,
    min: usize,
    kind: SecretKind,
    pred: impl Fn(u8) -> bool,
) -> Verdict {
    if !word_starts(b, at) {
        return (None, at + 1);
    }
    let end = run(b, at + prefix_len, pred);
    let found = (end - at - prefix_len >= min).then_some(Span {
        start: at,
        end,
        kind,
    });
    (found, end)
}

/// A PEM private key block starting at `at`.
fn private_key(text: &str, at: usize) -> Verdict {
    let b = text.as_bytes();
    let Some(begin) = PEM_BEGIN.find(&text[at..]) else {
        return (None, at + 1);
    };
    let body = at + begin.end();
    // Code that parses keys names the BEGIN line without any key after it;
    // only a line followed by key material is a secret. Looking within a
    // bounded window (which covers encrypted-key headers) keeps many bare
    // BEGIN lines linear. The window stops at an END line and at a marker:
    // a marker may stand where an END line was redacted, and must not let a
    // second pass look further than the first did.
    let window = &b[body..b.len().min(body + 256)];
    let window = [&b"-----END"[..], MARKER_OPEN.as_bytes()]
        .iter()
        .filter_map(|stop| find_bytes(window, stop))
        .min()
        .map_or(window, |end| &window[..end]);
    if !has_key_material(window) {
        return (None, body);
    }
    let end = PEM_END
        .find(&text[body..])
        .map_or(b.len(), |end| body + end.end());
    (
        Some(Span {
            start: at,
            end,
            kind: SecretKind::PrivateKey,
        }),
        end,
    )
}

/// Whether `window` holds a run of base64 long enough to be key material.
/// Requiring a digit, `+` or `/` in the run tells base64 from the long
/// camel-case identifiers of code that mentions keys.
fn has_key_material(window: &[u8]) -> bool {
    window
        .split(|&c| !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/'))
        .any(|run| {
            run.len() >= 20
                && run
                    .iter()
                    .any(|&c| c.is_ascii_digit() || c == b'+' || c == b'/')
        })
}

/// The first occurrence of `needle` in `hay`.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An AWS access key id: four-letter prefix and 16 uppercase alphanumerics, word-bounded.
fn aws_access_key(b: &[u8], at: usize) -> Verdict {
    let end = at + 20;
    let found = word_starts(b, at)
        && b.get(at + 4..end).is_some_and(|body| {
            body.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && b.get(end).is_none_or(|&c| !is_word(c));
    (
        found.then_some(Span {
            start: at,
            end,
            kind: SecretKind::AwsAccessKey,
        }),
        at + 1,
    )
}

/// A classic (`ghp_` ...) or fine-grained (`github_pat_`) GitHub token.
fn github_token(b: &[u8], at: usize) -> Verdict {
    const PAT: &[u8] = b"github_pat_";
    if !b[at..].starts_with(PAT) {
        // Classic tokens have 36 characters after the prefix; 30 tolerates
        // older and truncated-in-docs forms.
        return prefixed_run(b, at, 4, 30, SecretKind::GithubToken, |c| {
            c.is_ascii_alphanumeric()
        });
    }
    if !word_starts(b, at) {
        return (None, at + 1);
    }
    // Fine-grained: 22 alphanumerics, `_`, 59 alphanumerics; lengths are
    // loosened the same way.
    let first = run(b, at + PAT.len(), |c| c.is_ascii_alphanumeric());
    let end = if b.get(first) == Some(&b'_') {
        run(b, first + 1, |c| c.is_ascii_alphanumeric())
    } else {
        first
    };
    let found = first - (at + PAT.len()) >= 20 && end - first > 50;
    (
        found.then_some(Span {
            start: at,
            end,
            kind: SecretKind::GithubToken,
        }),
        end,
    )
}

/// A GitLab personal access token.
fn gitlab_token(b: &[u8], at: usize) -> Verdict {
    prefixed_run(b, at, 6, 20, SecretKind::GitlabToken, is_base64url)
}

/// A Slack bot, user, app, refresh or legacy token.
fn slack_token(b: &[u8], at: usize) -> Verdict {
    prefixed_run(b, at, 5, 10, SecretKind::SlackToken, |c| {
        c.is_ascii_alphanumeric() || c == b'-'
    })
}

/// A Slack incoming-webhook URL; the whole URL is the credential.
fn slack_webhook(b: &[u8], at: usize) -> Verdict {
    const PATH: &[u8] = b"hooks.slack.com/services/";
    let is_part = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut end = at + PATH.len();
    for (i, lead) in [Some(b'T'), Some(b'B'), None].into_iter().enumerate() {
        if i > 0 {
            if b.get(end) != Some(&b'/') {
                return (None, end);
            }
            end += 1;
        }
        if let Some(lead) = lead
            && b.get(end) != Some(&lead)
        {
            return (None, end);
        }
        let part_end = run(b, end, is_part);
        if part_end == end {
            return (None, end);
        }
        end = part_end;
    }
    // The scheme goes too when it starts a word. When it does not (a token
    // glued to `https`), the URL starts at `hooks`: taking the scheme would
    // turn the word before it into a bounded one on the next pass.
    let start = ["https://", "http://"]
        .iter()
        .filter(|scheme| b[..at].ends_with(scheme.as_bytes()))
        .map(|scheme| at - scheme.len())
        .find(|&start| word_starts(b, start))
        .unwrap_or(at);
    let found = word_starts(b, start).then_some(Span {
        start,
        end,
        kind: SecretKind::SlackToken,
    });
    (found, end)
}

/// A JSON Web Token: header and payload both `eyJ` (base64 of `{"`) and a signature.
fn jwt(b: &[u8], at: usize) -> Verdict {
    // Minimums: 10 covers the shortest real header and payload; 10 for the
    // signature rules out unsigned (`alg: none`) tokens, which carry no key.
    if !word_starts(b, at) {
        return (None, at + 1);
    }
    let header = run(b, at, is_base64url);
    if header - at < 10 || b.get(header) != Some(&b'.') {
        return (None, header);
    }
    let payload_start = header + 1;
    let payload = run(b, payload_start, is_base64url);
    if !b[payload_start..payload].starts_with(b"eyJ")
        || payload - payload_start < 10
        || b.get(payload) != Some(&b'.')
    {
        return (None, header);
    }
    let signature = run(b, payload + 1, is_base64url);
    if signature - (payload + 1) < 10 {
        return (None, header);
    }
    (
        Some(Span {
            start: at,
            end: signature,
            kind: SecretKind::Jwt,
        }),
        signature,
    )
}

/// The credential after `Bearer `; the scheme word stays readable.
fn bearer(text: &str, at: usize) -> Verdict {
    let b = text.as_bytes();
    let token_start = run(b, at + 6, |c| c == b' ' || c == b'\t');
    // RFC 6750 b64token characters. Minimum 16 leaves prose ("bearer
    // tokens") alone.
    let end = run(b, token_start, |c| {
        c.is_ascii_alphanumeric() || b"._~+/=-".contains(&c)
    });
    let found = word_starts(b, at)
        && token_start > at + 6
        && end - token_start >= 16
        && !is_placeholder(&text[token_start..end].to_ascii_lowercase());
    // A later `Bearer` inside the scanned text starts its own token, so
    // nothing is skipped; each token is still scanned once, from the
    // scheme word before it.
    (
        found.then_some(Span {
            start: token_start,
            end,
            kind: SecretKind::Bearer,
        }),
        at + 1,
    )
}

// ---------------------------------------------------------------------------
// Assignments to secret-sounding names

/// Name fragments that make an assignment's value a secret. Matched
/// case-insensitively and anywhere in the name (`DB_PASSWORD`, `apiKey`,
/// `client_secret`); camel-case `apiKey`/`accessKey`/`privateKey` are
/// spelled without separators.
static KEYWORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i-u:password|passwd|secret|token|api_key|apikey|api-key",
        r"|access_key|accesskey|access-key|private_key|privatekey|private-key)",
    ))
    .expect("BUG: keyword pattern must compile")
});

/// A value shorter than this many characters is not treated as a secret.
const MIN_SECRET_CHARS: usize = 4;

/// What follows a key name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operator {
    /// `=`, `:=`, `=>`, or `:` followed by a type annotation and `=`.
    Equals,
    /// `:` alone, as in YAML, JSON and type annotations.
    Colon,
}

/// Scans every secret-sounding name for an assigned value worth redacting.
fn find_assignments(text: &str, shaped: &[Span]) -> Vec<Span> {
    let keys = find_keys(text, shaped);
    // Right to left: a value can hold later names with values of their own
    // (`a=b=secret`), and a later pass sees those values as markers, so they
    // must be known before the value around them is judged.
    let mut assigned: Vec<Span> = Vec::new();
    let mut unquoted_cache = (0, 0);
    for key in keys.into_iter().rev() {
        let atoms = Atoms {
            shaped,
            assigned: &assigned,
        };
        if let Some(span) = assignment(text, atoms, key, &mut unquoted_cache) {
            // Values usually start further left as names do; `assigned`
            // stays sorted by descending start either way.
            let at = assigned.partition_point(|s| s.start > span.start);
            assigned.insert(at, span);
        }
    }
    assigned
}

/// The secret-sounding names in `text`, left to right.
fn find_keys(text: &str, shaped: &[Span]) -> Vec<Key> {
    let b = text.as_bytes();
    let hits: Vec<(usize, usize)> = find_overlapping(&KEYWORDS, text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut keys = Vec::new();
    // Shaped finds become markers, which end names: a name inside a find is
    // no name, and one right after a find starts where the find ends. The
    // finds starting at or before the current name, and how far they reach:
    let mut passed = 0;
    let mut covered_to = 0;
    let mut i = 0;
    while i < hits.len() {
        let start = hits[i].0 - (0..hits[i].0).rev().take_while(|&j| is_key(b[j])).count();
        let end = run(b, hits[i].1, is_key);
        // The last fragment in a name decides: `secret_token_type` names a
        // type, `token_secret` a secret. Hits sharing a name are grouped so
        // each name is scanned once.
        while i + 1 < hits.len() && hits[i + 1].0 < end {
            i += 1;
        }
        let (fragment_start, fragment_end) = hits[i];
        i += 1;
        while shaped
            .get(passed)
            .is_some_and(|s| s.start <= fragment_start)
        {
            covered_to = covered_to.max(shaped[passed].end);
            passed += 1;
        }
        if fragment_start < covered_to {
            continue;
        }
        keys.push(Key {
            start: start.max(covered_to),
            fragment_end,
            end,
        });
    }
    keys
}

/// A byte of a key name.
fn is_key(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// A quote that may open a string or close a key.
fn is_quote(c: u8) -> bool {
    matches!(c, b'"' | b'\'' | b'`')
}

/// A secret-sounding name in the text.
#[derive(Clone, Copy)]
struct Key {
    start: usize,
    /// End of the last secret-sounding fragment in the name.
    fragment_end: usize,
    end: usize,
}

/// Words after the fragment that make a name about a secret rather than
/// the secret itself (`token_type`, `password_file`, `token_limit`).
const METADATA_WORDS: &str = "\
    algorithm budget class count counts dir encryption end endpoint expiration expires \
    expiry field file format handler has header hint host idx index is kind label len \
    length lifetime limit limits manager max method min mode name names offset parser \
    path pattern policy pos prompt provider range ref regex required rule rules scheme \
    separator size start strength style terminator timeout ttl type types uri url usage \
    with";

/// Whether the name around `key` names a secret.
fn names_secret(b: &[u8], key: Key) -> bool {
    let rest = &b[key.fragment_end..key.end];
    let Some(&next) = rest.first() else {
        return true;
    };
    let last = b[key.fragment_end - 1];
    // A letter of the same case continues the word: `tokens`, `tokenizer`,
    // `secretary`, `passwords`. A change of case starts a camel-case word.
    // A dot makes the fragment an object whose member is being set
    // (`Token.Keyword`, `token.start`).
    if next == b'.'
        || (next.is_ascii_alphabetic() && next.is_ascii_lowercase() == last.is_ascii_lowercase())
    {
        return false;
    }
    let rest = &rest[rest.iter().take_while(|c| matches!(c, b'_' | b'-')).count()..];
    let word_len = match rest.first() {
        Some(c) if c.is_ascii_uppercase() => {
            let lower = rest[1..]
                .iter()
                .take_while(|c| c.is_ascii_lowercase())
                .count();
            if lower > 0 {
                1 + lower
            } else {
                rest.iter().take_while(|c| c.is_ascii_uppercase()).count()
            }
        }
        _ => rest.iter().take_while(|c| c.is_ascii_lowercase()).count(),
    };
    let word = String::from_utf8_lossy(&rest[..word_len]).to_ascii_lowercase();
    !listed(METADATA_WORDS, &word)
}

/// The value assigned to `key`, as a span, when it looks like a secret.
fn assignment(
    text: &str,
    atoms: Atoms<'_>,
    key: Key,
    unquoted_cache: &mut (usize, usize),
) -> Option<Span> {
    let b = text.as_bytes();
    if !names_secret(b, key) {
        return None;
    }
    let before = key.start.checked_sub(1).map(|i| b[i]);
    let quoted_before = before.is_some_and(is_quote);
    let mut i = key.end;
    // `"password": ...`, and the escaped `\"password\": ...` of JSON inside a string.
    let key_closed = if b.get(i) == Some(&b'\\') && b.get(i + 1).copied().is_some_and(is_quote) {
        i += 2;
        true
    } else if b.get(i).copied().is_some_and(is_quote) {
        i += 1;
        true
    } else {
        false
    };
    // `"X-Api-Key: abc"`: the whole assignment inside one string, whose
    // closing quote is no value's opening quote.
    let enclosing = before.filter(|_| quoted_before && !key_closed);
    i = skip_blanks(b, i);
    let (op, after_op) = operator(b, i, key, key_closed && quoted_before, atoms)?;
    let value_start = skip_blanks(b, after_op);
    let value = parse_value(b, value_start, enclosing, atoms, unquoted_cache)?;
    let residue = residue(text, value.start, value.end, atoms);
    let residue = residue.trim();

    let kind = if is_aws_secret_name(&b[key.start..key.end])
        && residue.len() == value.end - value.start
        && is_aws_secret_value(residue)
        && !is_placeholder(&residue.to_ascii_lowercase())
    {
        SecretKind::AwsSecretKey
    } else {
        let context = Context {
            quoted: value.quoted,
            op,
            // In a string, `name:value` is more often an identifier
            // (`"passwd:gecos"`) than a header.
            config: is_config_context(
                b,
                key,
                enclosing.is_some() && (op == Operator::Equals || value_start > after_op),
                op,
                value.after,
            ),
        };
        if !is_secret_value(residue, context) {
            return None;
        }
        SecretKind::Assignment
    };
    Some(Span {
        start: value.start,
        end: value.end,
        kind,
    })
}

/// Skips spaces and tabs.
fn skip_blanks(b: &[u8], from: usize) -> usize {
    run(b, from, |c| c == b' ' || c == b'\t')
}

/// The operator at `i`, if it assigns, and where the value may start.
fn operator(
    b: &[u8],
    i: usize,
    key: Key,
    quoted_key: bool,
    atoms: Atoms<'_>,
) -> Option<(Operator, usize)> {
    let next = b.get(i + 1).copied();
    match b.get(i)? {
        b'=' => match next {
            // `==`, `=~` compare; `=>` is a match arm unless the key is a
            // quoted hash key (PHP, Perl) or a Ruby symbol.
            Some(b'=' | b'~') => None,
            Some(b'>') => {
                let symbol = key.start >= 1
                    && b[key.start - 1] == b':'
                    && (key.start < 2 || b[key.start - 2] != b':');
                (quoted_key || symbol).then_some((Operator::Equals, i + 2))
            }
            _ => Some((Operator::Equals, i + 1)),
        },
        b':' => match next {
            Some(b':') => None,
            Some(b'=') => Some((Operator::Equals, i + 2)),
            _ => Some(
                annotated(b, i + 1, atoms)
                    .map_or((Operator::Colon, i + 1), |after| (Operator::Equals, after)),
            ),
        },
        _ => None,
    }
}

/// After a `:`, a type annotation followed by ` = ` (`password: str = "x"`)
/// moves the value past it. The blank before `=` tells annotations from
/// YAML values that contain `=`, such as base64 padding.
fn annotated(b: &[u8], from: usize, atoms: Atoms<'_>) -> Option<usize> {
    let start = skip_blanks(b, from);
    let first = *b.get(start)?;
    if !(first.is_ascii_alphabetic() || matches!(first, b'_' | b'&' | b'[' | b'(' | b'*')) {
        return None;
    }
    let limit = b.len().min(start + 128);
    let end = start
        + b[start..limit]
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || b"_.:|&<>[](),?'* \t".contains(&c))
            .count();
    // Markers are made of type characters. No annotation runs through a
    // marker or up to an atom that will become one (not even one starting
    // at the `=`), so that every pass reads the same annotation.
    if atoms.next_from(start).is_some_and(|a| a.span.start <= end)
        || find_bytes(&b[start..end], MARKER_OPEN.as_bytes()).is_some()
    {
        return None;
    }
    let eq = *b.get(end)?;
    let after = b.get(end + 1).copied();
    (eq == b'=' && matches!(b[end - 1], b' ' | b'\t') && !matches!(after, Some(b'=' | b'>' | b'~')))
        .then_some(end + 1)
}

/// An assigned value's extent.
struct Value {
    start: usize,
    end: usize,
    quoted: bool,
    /// Just past the value and its closing quote.
    after: usize,
}

/// The value starting at `i`: quoted up to its closing quote, otherwise up
/// to whitespace, `,`, `;`, a quote or a closing bracket. A quote with no
/// closing quote on its line was most likely closing a string that the name
/// sat in (`print("token=" + t)`), so what follows it is read unquoted.
///
/// Markers and atoms are stepped over whole: a later pass sees each atom as
/// a marker, and the value must end in the same place then.
fn parse_value(
    b: &[u8],
    i: usize,
    enclosing: Option<u8>,
    atoms: Atoms<'_>,
    unquoted_cache: &mut (usize, usize),
) -> Option<Value> {
    // String prefixes: b"", r"", f"", u"", rb"", r#""#.
    let prefix = run(b, i, |c| {
        matches!(c, b'b' | b'B' | b'r' | b'R' | b'u' | b'U' | b'f' | b'F')
    });
    let hashes = run(b, prefix, |c| c == b'#');
    let (open, escaped) = if prefix - i <= 2
        && hashes - prefix <= 4
        && b.get(hashes).copied().is_some_and(is_quote)
    {
        (Some(hashes), false)
    } else if b.get(i) == Some(&b'\\') && b.get(i + 1).copied().is_some_and(is_quote) {
        // `\"secret\"`, in JSON embedded in a string.
        (Some(i + 1), true)
    } else {
        (None, false)
    };
    if let Some(open) = open {
        if enclosing == Some(b[open]) {
            return None;
        }
        let start = open + 1;
        if let Some((end, after)) = quoted_end(b, start, b[open], escaped, atoms) {
            return (end > start).then_some(Value {
                start,
                end,
                quoted: true,
                after,
            });
        }
    }
    let start = open.map_or(i, |open| open + 1);
    let mut steps = Steps::new(b, atoms, start, None);
    let mut k = start;
    while k < b.len() {
        // A stretch without terminators ends at the same place however it
        // is entered, which keeps a long line of `a=b=c=...` linear
        // although values are judged right to left.
        if unquoted_cache.0 <= k && k < unquoted_cache.1 {
            k = unquoted_cache.1;
            break;
        }
        if let Some(end) = steps.skip(k) {
            k = end;
        } else if is_value_end(b[k]) {
            break;
        } else {
            k += 1;
        }
    }
    *unquoted_cache = (start, k);
    (k > start).then_some(Value {
        start,
        end: k,
        quoted: false,
        after: k,
    })
}

/// How many steps (bytes, escapes or atoms) a quoted value may take. Finds
/// that straddle closing quotes can chain a scan across a whole line; the
/// cap keeps every scan, and so a line of many names, linear. Counting
/// steps rather than bytes makes later passes, which see each atom as one
/// marker, count the same.
const MAX_QUOTED_STEPS: usize = 4096;

/// Where a quoted value starting at `start` ends, and where its closing
/// quote ends; `None` when the line ends first or the value is too long to
/// be a credential.
fn quoted_end(
    b: &[u8],
    start: usize,
    quote: u8,
    escaped: bool,
    atoms: Atoms<'_>,
) -> Option<(usize, usize)> {
    let mut steps = Steps::new(b, atoms, start, Some(quote));
    let mut k = start;
    for _ in 0..MAX_QUOTED_STEPS {
        if let Some(end) = steps.skip(k) {
            k = end;
            continue;
        }
        match *b.get(k)? {
            b'\n' | b'\r' => return None,
            b'\\' if escaped => {
                if b.get(k + 1) == Some(&quote) {
                    return Some((k, k + 2));
                }
                k += 1;
            }
            b'\\' if !matches!(b.get(k + 1), None | Some(b'\n' | b'\r')) => k += 2,
            c if c == quote && !escaped => return Some((k, k + 1)),
            _ => k += 1,
        }
    }
    None
}

/// Steps over the atoms and markers met while scanning a value.
struct Steps<'a> {
    b: &'a [u8],
    atoms: Atoms<'a>,
    next: Option<Atom>,
    /// For a quoted value, its quote and the next position holding it.
    quote: Option<(u8, Option<usize>)>,
}

impl<'a> Steps<'a> {
    /// Ready to scan from `from`, inside quotes `quote` if any.
    fn new(b: &'a [u8], atoms: Atoms<'a>, from: usize, quote: Option<u8>) -> Self {
        Steps {
            b,
            atoms,
            next: atoms.next_from(from),
            quote: quote.map(|q| (q, None)),
        }
    }

    /// Where the atom or marker covering `k` ends, if one does; `k` must
    /// not decrease between calls.
    fn skip(&mut self, k: usize) -> Option<usize> {
        if let Some(atom) = self.next.filter(|a| a.span.start <= k) {
            // An assigned value that runs past this value's closing quote
            // belongs to a different reading of the line; stepping over it
            // could chain from value to value across the whole line.
            if atom.assigned
                && let Some((quote, next_quote)) = &mut self.quote
            {
                let at = match *next_quote {
                    Some(at) if at >= k => at,
                    _ => {
                        let at = self.b[k..]
                            .iter()
                            .position(|c| c == quote)
                            .map_or(self.b.len(), |i| k + i);
                        *next_quote = Some(at);
                        at
                    }
                };
                if at < atom.span.end {
                    self.next = self.atoms.next_from(k + 1);
                    return None;
                }
            }
            let end = k.max(atom.span.end);
            self.next = self.atoms.next_from(end);
            return Some(end);
        }
        Some(k + marker_len(self.b, k)?)
    }
}

/// An atom, and whether it is an assigned value rather than a shaped find.
#[derive(Clone, Copy)]
struct Atom {
    span: Span,
    assigned: bool,
}

/// What later passes will see as markers: the shaped finds, and the
/// assignment values accepted so far (all of them right of the name being
/// judged).
#[derive(Clone, Copy)]
struct Atoms<'a> {
    /// Disjoint, by ascending start.
    shaped: &'a [Span],
    /// By descending start.
    assigned: &'a [Span],
}

impl Atoms<'_> {
    /// The first atom starting at or after `pos`.
    fn next_from(self, pos: usize) -> Option<Atom> {
        let shaped = self
            .shaped
            .get(self.shaped.partition_point(|s| s.start < pos))
            .map(|&span| Atom {
                span,
                assigned: false,
            });
        let after = self.assigned.partition_point(|s| s.start >= pos);
        let assigned = after.checked_sub(1).map(|last| Atom {
            span: self.assigned[last],
            assigned: true,
        });
        match (shaped, assigned) {
            (Some(a), Some(b)) => {
                let order = |atom: Atom| (atom.span.start, Reverse(atom.span.end));
                Some(if order(b) < order(a) { b } else { a })
            }
            (a, b) => a.or(b),
        }
    }
}

/// A byte that ends an unquoted value.
fn is_value_end(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b',' | b';' | b')' | b'}' | b']') || is_quote(c)
}

/// The value's text without the atoms inside it and without markers: what
/// the assignment itself would have to explain. When nothing secret-looking
/// is left (`token = ghp_...`, `"Bearer <jwt>"`), the shaped find names the
/// secret instead of `assignment`. Later passes see markers where the atoms
/// were, so they compute the same residue.
fn residue<'t>(text: &'t str, start: usize, end: usize, atoms: Atoms<'_>) -> Cow<'t, str> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut pos = start;
    while let Some(atom) = atoms
        .next_from(pos)
        .map(|a| a.span)
        .filter(|a| a.start < end)
    {
        if atom.start > pos {
            pieces.push(&text[pos..atom.start]);
        }
        pos = atom.end.min(end);
    }
    if pos < end {
        pieces.push(&text[pos..end]);
    }
    match pieces[..] {
        [] => Cow::Borrowed(""),
        [piece] => strip_markers(piece),
        _ => Cow::Owned(pieces.into_iter().map(strip_markers).collect()),
    }
}

/// Whether a name containing `aws_secret` (in any spelling) is assigned.
fn is_aws_secret_name(key: &[u8]) -> bool {
    let squashed: Vec<u8> = key
        .iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    find_bytes(&squashed, b"awssecret").is_some()
}

/// Whether `v` has the shape of an AWS secret access key.
fn is_aws_secret_value(v: &str) -> bool {
    v.len() == 40
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'='))
}

/// Where a value sits, for telling configuration from code.
#[derive(Clone, Copy)]
struct Context {
    quoted: bool,
    op: Operator,
    /// The surroundings say configuration (a YAML or `.env` line, a
    /// connection string, a query string, a command-line flag), where an
    /// unquoted word is a literal rather than a variable.
    config: bool,
}

/// Whether the name and value sit in configuration rather than code.
fn is_config_context(b: &[u8], key: Key, in_string: bool, op: Operator, after: usize) -> bool {
    let before = key.start.checked_sub(1).map(|i| b[i]);
    // `Password=x;` in connection strings, `?token=x&...` in URLs.
    let delimited = {
        let blank = key.start
            - (0..key.start)
                .rev()
                .take_while(|&j| matches!(b[j], b' ' | b'\t'))
                .count();
        blank > 0 && matches!(b[blank - 1], b';' | b'&' | b'?')
    };
    // `--token=abc` on a command line.
    let flag = b[key.start] == b'-' && before.is_none_or(|c| c.is_ascii_whitespace());
    delimited || in_string || flag || is_config_line(b, key.start, op, after)
}

/// Whether `key_start` begins a configuration line (`KEY=value`, `key: value`,
/// `export KEY=value`, `- key: value`, or the same commented out) whose value
/// ends the line.
fn is_config_line(b: &[u8], key_start: usize, op: Operator, after: usize) -> bool {
    const MAX_PREFIX: usize = 256;
    let from = key_start.saturating_sub(MAX_PREFIX);
    let line_start = match b[from..key_start].iter().rposition(|&c| c == b'\n') {
        Some(nl) => from + nl + 1,
        None if from == 0 => 0,
        None => return false,
    };
    let prefix = &b[line_start..key_start];
    let unindented = prefix.trim_ascii_start();
    let markers = unindented
        .iter()
        .take_while(|c| b"#/;*-!".contains(c))
        .count();
    // Indented `name = value` is nearly always code (a Python body), unless
    // it is a list item or commented out (`  - PASSWORD=x` in Compose files);
    // YAML nests with indentation, so `name: value` may be indented.
    if op == Operator::Equals && unindented.len() < prefix.len() && markers == 0 {
        return false;
    }
    let prefix = unindented[markers..].trim_ascii();
    let prefix_ok = prefix.is_empty() || prefix == b"export" || prefix == b"set";
    let rest = &b[skip_blanks(b, after)..];
    let ends_line =
        rest.is_empty() || matches!(rest[0], b'\n' | b'\r' | b'#') || rest.starts_with(b"//");
    prefix_ok && ends_line
}

/// Whether the residue of a value is a secret rather than a reference,
/// placeholder or piece of code.
fn is_secret_value(v: &str, cx: Context) -> bool {
    // Sentence punctuation (`:param token: REQUIRED.`) is no part of a word.
    let v = v.trim_end_matches(['.', ':']);
    if v.chars().take(MIN_SECRET_CHARS).count() < MIN_SECRET_CHARS {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if is_placeholder(&lower) || (is_identifier(v) && names_a_secret(v)) || is_color(v) {
        return false;
    }
    // Versions and decimals, quoted or not; bare integers are settings too.
    if is_number(v) && (!cx.quoted || v.contains('.')) {
        return false;
    }
    if cx.quoted {
        return true;
    }
    // Calls, closures, paths, member access, generics and templates are
    // code even in configuration files.
    if v.contains(['(', '|', '{', '}', '[', ']', '<', '>'])
        || v.contains("::")
        || v.contains("->")
        || is_dotted_path(v)
    {
        return false;
    }
    if cx.op == Operator::Colon && is_type(v, &lower) {
        return false;
    }
    if cx.config || looks_random(v) {
        return true;
    }
    // In code, a bare word is a variable and a sigil makes an expression.
    !(is_identifier(v) || v.starts_with(['&', '*', '!', '@']))
}

/// A CSS colour such as `#d0d0d0`, as in syntax-highlighting themes.
fn is_color(v: &str) -> bool {
    v.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|c| c.is_ascii_hexdigit())
    })
}

/// Values that are never secrets: literals, scheme and permission words,
/// and the usual stand-ins.
const NON_SECRET_WORDS: &str = "\
    basic bearer changeme default dummy empty example false fixme hidden none null \
    optional passwd password placeholder read redacted required sample secret secrets \
    self string test this todo token true undefined value write";

/// Starts of values that read a secret from elsewhere.
const REFERENCE_PREFIXES: &str = "\
    $ %( process.env import.meta.env os.environ os.getenv getenv( system.getenv env( \
    env[ env:: env. secrets. vars.";

/// Fragments that mark a value as a stand-in for the real secret.
const PLACEHOLDER_FRAGMENTS: &str = "\
    ${ {{ #{ changeme change_me change-me replaceme replace_me replace-me placeholder \
    redacted";

/// Whether lowercased `v` is a reference, placeholder or literal rather than a secret.
fn is_placeholder(v: &str) -> bool {
    let v = v.trim();
    let v = ["bearer ", "basic ", "token "]
        .iter()
        .find_map(|scheme| v.strip_prefix(scheme))
        .map_or(v, str::trim_start);
    let mut chars = v.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    listed(NON_SECRET_WORDS, v)
        || REFERENCE_PREFIXES
            .split_ascii_whitespace()
            .any(|p| v.starts_with(p))
        || PLACEHOLDER_FRAGMENTS
            .split_ascii_whitespace()
            .any(|p| v.contains(p))
        || v.starts_with("your")
        || (v.starts_with('%') && v.ends_with('%'))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('{') && v.ends_with('}'))
        // Masks: `xxxxxxxx`, `********`, `xxxx-xxxx`, `••••`, `...`.
        || chars.all(|c| c == first)
        || v.chars().all(|c| "x*.#_-?•…".contains(c))
}

/// Whether identifier `v` is the name of a secret (`API_KEY`, `accessToken`,
/// `db_password`): a variable or environment variable holding the value,
/// not the value. A fragment inside a word (`supersecret123`) does not count.
fn names_a_secret(v: &str) -> bool {
    let b = v.as_bytes();
    KEYWORDS.find_iter(v).any(|m| {
        // After a separator, or at a camel-case hump, including the one
        // after an acronym (`DHPrivateKey`).
        let starts_word = m.start() == 0 || {
            let before = b[m.start() - 1];
            let first = b[m.start()];
            let second = b.get(m.start() + 1).copied().unwrap_or(b'_');
            matches!(before, b'_' | b'-' | b'.')
                || (first.is_ascii_uppercase()
                    && (before.is_ascii_lowercase()
                        || (before.is_ascii_uppercase() && second.is_ascii_lowercase())))
        };
        let ends_word = b.get(m.end()).is_none_or(|&next| {
            !(next.is_ascii_alphabetic()
                && next.is_ascii_lowercase() == b[m.end() - 1].is_ascii_lowercase())
        });
        starts_word && ends_word
    })
}

/// Whether `word` is one of the whitespace-separated words of `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

/// Whether `v` is a single identifier: a variable in code.
fn is_identifier(v: &str) -> bool {
    let mut bytes = v.bytes();
    bytes
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && bytes.all(is_word)
}

/// `self.token`, `config.db.password`, `self.next_token?`: member access.
fn is_dotted_path(v: &str) -> bool {
    let v = v.strip_suffix('?').unwrap_or(v);
    v.contains('.') && v.split('.').all(is_identifier)
}

/// Type suffixes of numeric literals (`40u32`, `0x8004_u32`).
const NUMBER_SUFFIXES: &str = "u128 i128 usize isize u64 i64 u32 i32 u16 i16 f64 f32 u8 i8";

/// A numeric literal short enough to be a count, port, flag or version
/// rather than a key.
fn is_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let v = NUMBER_SUFFIXES
        .split_ascii_whitespace()
        .find_map(|suffix| v.strip_suffix(suffix).filter(|rest| !rest.is_empty()))
        .map_or(v, |rest| rest.trim_end_matches('_'));
    let (digits, radix) = match v.get(..2) {
        Some("0x" | "0X") => (&v[2..], 16),
        Some("0o" | "0O") => (&v[2..], 8),
        Some("0b" | "0B") => (&v[2..], 2),
        _ => (v, 10),
    };
    let significant = digits.bytes().filter(|&c| c != b'_' && c != b'.').count();
    digits
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || radix != 10)
        && digits
            .bytes()
            .all(|c| char::from(c).is_digit(radix) || c == b'_' || (radix == 10 && c == b'.'))
        && (1..=16).contains(&significant)
}

/// Type names that follow `name:` in declarations.
const TYPE_NAMES: &str = "\
    any bool boolean byte bytes char double dyn f32 f64 float i128 i16 i32 i64 i8 impl \
    int integer isize mut never number object str u128 u16 u32 u64 u8 unknown usize void";

/// Whether `v` after `name:` is a type annotation (`password: String`,
/// `secret: &str`, `token: Option<String>`) rather than a value.
fn is_type(v: &str, lower: &str) -> bool {
    let pascal = v.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
        && v.bytes().all(|c| c.is_ascii_alphabetic())
        && v.bytes().any(|c| c.is_ascii_lowercase());
    // Generics and slices were already ruled out as code.
    pascal || v.starts_with(['&', '*']) || listed(TYPE_NAMES, lower)
}

/// Whether an identifier-shaped value is random enough to be a key even in
/// code (`a8f5f167f44f4964e6c998dee827110c`), where names rarely mix in
/// several digits.
fn looks_random(v: &str) -> bool {
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let letters = v.bytes().filter(u8::is_ascii_alphabetic).count();
    let underscores = v.bytes().filter(|&c| c == b'_').count();
    v.len() >= 16 && is_identifier(v) && digits >= 4 && letters >= 4 && underscores <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    const GITHUB: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    const RSA_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
        MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n\
        aFDrBz9vFqU4yV2Ke+3YJrn8CgYEA7Zy8v3Vn1kz9sd0xSECRET0pS3yb9m4xAe\n\
        -----END RSA PRIVATE KEY-----";

    /// The redacted text, as an owned string.
    fn redacted(text: &str) -> String {
        redact(text).0.into_owned()
    }

    /// Asserts that nothing in `text` is redacted and the text is borrowed back.
    fn assert_clean(text: &str) {
        let (out, counts) = redact(text);
        assert!(
            matches!(out, Cow::Borrowed(s) if std::ptr::eq(s, text)),
            "redacted {text:?} to {out:?}"
        );
        assert!(counts.is_empty(), "{text:?}: {counts:?}");
    }

    /// Asserts that `text` redacts to `expected` with one secret of `kind`.
    fn assert_redacts(text: &str, expected: &str, kind: SecretKind) {
        let (out, counts) = redact(text);
        assert_eq!(out, expected, "redacting {text:?}");
        assert_eq!(counts, vec![(kind, 1)], "redacting {text:?}");
    }

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
    fn private_key_block_becomes_one_marker() {
        let text = format!("key file:\n{RSA_KEY}\ndone");
        assert_redacts(
            &text,
            "key file:\n[REDACTED:private_key]\ndone",
            SecretKind::PrivateKey,
        );
        for label in ["OPENSSH ", "EC ", "DSA ", "ENCRYPTED ", ""] {
            let key = RSA_KEY.replace("RSA ", label);
            assert_redacts(&key, "[REDACTED:private_key]", SecretKind::PrivateKey);
        }
    }

    #[test]
    fn private_key_without_end_is_redacted_to_the_end() {
        let truncated = &RSA_KEY[..RSA_KEY.find("-----END").unwrap()];
        let text = format!("before\n{truncated}\nafter: {GITHUB}");
        assert_redacts(
            &text,
            "before\n[REDACTED:private_key]",
            SecretKind::PrivateKey,
        );
    }

    #[test]
    fn private_key_in_a_json_string_is_named_as_a_private_key() {
        let text = r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"}"#;
        assert_redacts(
            text,
            r#"{"private_key": "[REDACTED:private_key]\n"}"#,
            SecretKind::PrivateKey,
        );
    }

    #[test]
    fn public_keys_certificates_and_bare_begin_lines_are_not_secrets() {
        assert_clean(&RSA_KEY.replace("RSA PRIVATE", "PUBLIC"));
        assert_clean(&RSA_KEY.replace("RSA PRIVATE KEY", "CERTIFICATE"));
        // Code that parses PEM names the lines without holding a key.
        assert_clean(
            "const BEGIN: &str = \"-----BEGIN PRIVATE KEY-----\";\n\
             const END: &str = \"-----END PRIVATE KEY-----\";",
        );
    }

    #[test]
    fn aws_access_key_ids() {
        assert_redacts(
            "id AKIAIOSFODNN7EXAMPLE here",
            "id [REDACTED:aws_access_key] here",
            SecretKind::AwsAccessKey,
        );
        assert_redacts(
            "ASIAY34FZKBOKMUTVV7A",
            "[REDACTED:aws_access_key]",
            SecretKind::AwsAccessKey,
        );
        assert_clean("AKIAIOSFODNN7EXAMP"); // too short
        assert_clean("AKIAIOSFODNN7EXAMPLE1"); // too long
        assert_clean("XAKIAIOSFODNN7EXAMPLE"); // inside a word
        assert_clean("AKIAiosfodnn7example"); // lowercase
    }

    #[test]
    fn aws_secret_keys_need_an_aws_secret_name() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        for (text, expected) in [
            (
                format!("aws_secret_access_key = {secret}"),
                "aws_secret_access_key = [REDACTED:aws_secret_key]",
            ),
            (
                format!("AWS_SECRET_ACCESS_KEY={secret}"),
                "AWS_SECRET_ACCESS_KEY=[REDACTED:aws_secret_key]",
            ),
            (
                format!("{{\"awsSecretAccessKey\": \"{secret}\"}}"),
                "{\"awsSecretAccessKey\": \"[REDACTED:aws_secret_key]\"}",
            ),
        ] {
            assert_redacts(&text, expected, SecretKind::AwsSecretKey);
        }
        // The same shape under another name is no AWS key.
        assert_clean(&format!("checksum = {secret}"));
        // A secret name with another shape is an ordinary assignment.
        assert_redacts(
            "aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCY",
            "aws_secret_access_key = [REDACTED:assignment]",
            SecretKind::Assignment,
        );
    }

    #[test]
    fn github_tokens() {
        assert_redacts(
            &format!("GH={GITHUB}"),
            "GH=[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        assert_redacts(
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        let fine_grained = "github_pat_11ABCDEFG0123456789abcd_\
            ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456";
        assert_redacts(
            fine_grained,
            "[REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        assert_clean("ghp_abcdef0123456789"); // too short
        assert_clean("ghx_abcdefghijklmnopqrstuvwxyz0123456789"); // no such prefix
        assert_clean("xghp_abcdefghijklmnopqrstuvwxyz0123456789"); // inside a word
        assert_clean("github_pat_short_token");
    }

    #[test]
    fn gitlab_tokens() {
        assert_redacts(
            "glpat-xYz12_3-AbCdEfGhIjKlMn",
            "[REDACTED:gitlab_token]",
            SecretKind::GitlabToken,
        );
        assert_clean("glpat-tooshort123");
    }

    #[test]
    fn slack_tokens_and_webhooks() {
        assert_redacts(
            "SLACK xoxb-1234567890-0987654321-AbCdEfGhIjKl ok",
            "SLACK [REDACTED:slack_token] ok",
            SecretKind::SlackToken,
        );
        assert_redacts(
            "url = https://hooks.slack.com/services/T0000ABCD/B0000EFGH/XXXXXXXXXXXXXXXXXXXXXXXX\n",
            "url = [REDACTED:slack_token]\n",
            SecretKind::SlackToken,
        );
        assert_clean("xoxb-12345"); // too short
        assert_clean("xoxz-1234567890-abcdefghij"); // no such type
        assert_clean("see https://hooks.slack.com/services/ for webhooks");
    }

    #[test]
    fn jwts() {
        assert_redacts(
            &format!("jwt: {JWT}"),
            "jwt: [REDACTED:jwt]",
            SecretKind::Jwt,
        );
        // Two segments are not a token, nor is a missing signature.
        assert_clean("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0");
        assert_clean("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.");
        // The payload must be JSON too.
        assert_clean("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24gYXQgYWxs.dozjgNryP4J3jVmNHl0w5N");
    }

    #[test]
    fn bearer_tokens_keep_the_scheme() {
        assert_redacts(
            "Authorization: Bearer abcdef0123456789ABCDEF+/=",
            "Authorization: Bearer [REDACTED:bearer]",
            SecretKind::Bearer,
        );
        assert_redacts(
            "curl -H 'authorization: bearer 0123456789abcdef.ghij_kl~m'",
            "curl -H 'authorization: bearer [REDACTED:bearer]'",
            SecretKind::Bearer,
        );
        assert_clean("Bearer token"); // a short word
        assert_clean("Authorization: Bearer ${ACCESS_TOKEN}");
        assert_clean("Authorization: Bearer <token>");
        assert_clean("Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxx");
        assert_clean("format!(\"Bearer {}\", token)");
    }

    #[test]
    fn assignments_redact_only_the_value() {
        for (text, expected) in [
            (
                r#"password = "hunter2""#,
                r#"password = "[REDACTED:assignment]""#,
            ),
            (
                "DB_PASSWORD=supersecret123",
                "DB_PASSWORD=[REDACTED:assignment]",
            ),
            (
                "export API_TOKEN=abc123def456",
                "export API_TOKEN=[REDACTED:assignment]",
            ),
            (
                "    environment:\n      - POSTGRES_PASSWORD=mysecret\n",
                "    environment:\n      - POSTGRES_PASSWORD=[REDACTED:assignment]\n",
            ),
            (
                "  api_key: sk-live-1234abcd\n",
                "  api_key: [REDACTED:assignment]\n",
            ),
            (
                r#"{"client_secret": "abcd1234efgh"}"#,
                r#"{"client_secret": "[REDACTED:assignment]"}"#,
            ),
            (
                "Server=db;User Id=sa;Password=hunter2;",
                "Server=db;User Id=sa;Password=[REDACTED:assignment];",
            ),
            (
                r#"curl -H "X-Api-Key: abcdef123456" https://example.com"#,
                r#"curl -H "X-Api-Key: [REDACTED:assignment]" https://example.com"#,
            ),
            (
                "mysql --password=hunter2 db",
                "mysql --password=[REDACTED:assignment] db",
            ),
            (
                r#"password: str = "hunter2""#,
                r#"password: str = "[REDACTED:assignment]""#,
            ),
            (
                "'password' => 'hunter2',",
                "'password' => '[REDACTED:assignment]',",
            ),
            (
                "const apiKey = 'a8f5f167f44f4964e6c998dee827110c';",
                "const apiKey = '[REDACTED:assignment]';",
            ),
            (
                "connect(token=a8f5f167f44f4964e6c998dee827110c)",
                "connect(token=[REDACTED:assignment])",
            ),
            (
                r#"TOKEN := "abcd-efgh-ijkl""#,
                r#"TOKEN := "[REDACTED:assignment]""#,
            ),
        ] {
            assert_redacts(text, expected, SecretKind::Assignment);
        }
    }

    #[test]
    fn assignments_leave_references_placeholders_and_code() {
        for text in [
            "password: String,",
            "    pub secret: &str,",
            "token: Option<String>",
            "fn token(&self) -> &str {",
            "token = ${TOKEN}",
            "password=$DB_PASSWORD",
            r#"api_key = "<your-key>""#,
            "token = process.env.GITHUB_TOKEN",
            r#"password = os.environ["DB_PASSWORD"]"#,
            r#"secret = env("APP_SECRET")"#,
            "password = None",
            "token: null",
            "secret = nil",
            "is_secret = true",
            "password = false",
            r#"password = """#,
            r#"password = "xxx""#,
            r#"password = "xxxxxxxx""#,
            r#"password = "********""#,
            r#"password = "changeme""#,
            r#"password = "abc""#,
            "let token = lexer.next_token();",
            "let mut token = self.next_token?;",
            "    token = next_token",
            r#"if password == "hunter2" {"#,
            "max_tokens = 4096",
            r#"token_type: "bearer""#,
            "self.api_key = api_key",
            "api_key = API_KEY",
            r#"SecretKind::AwsSecretKey => "aws_secret_key","#,
            r#"Token.Keyword: "bold","#,
            "pub const TOKEN_IS_FILTERED: u32 = 2048u32;",
            r#"print("token=" + repr(raw))"#,
            r#"password = "[REDACTED:assignment]""#,
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn specific_kinds_win_over_assignment() {
        assert_redacts(
            &format!("token = {GITHUB}"),
            "token = [REDACTED:github_token]",
            SecretKind::GithubToken,
        );
        assert_redacts(
            &format!(r#"{{"token": "Bearer {JWT}"}}"#),
            r#"{"token": "Bearer [REDACTED:jwt]"}"#,
            SecretKind::Jwt,
        );
        assert_redacts(
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "aws_access_key_id = [REDACTED:aws_access_key]",
            SecretKind::AwsAccessKey,
        );
        // A value that is more than the token is still an assignment.
        assert_redacts(
            &format!(r#"password = "hunter2 {GITHUB}""#),
            r#"password = "[REDACTED:assignment]""#,
            SecretKind::Assignment,
        );
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

    /// Text made of secrets, pieces of secrets, names, operators, quotes,
    /// markers and multibyte characters, which is where detectors meet.
    fn generate(rng: &mut Rng) -> String {
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
        ];
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
        }
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
