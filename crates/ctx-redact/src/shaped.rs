//! Secrets with a recognisable shape: private key blocks, AWS access key
//! ids, GitHub, GitLab and Slack tokens, Slack webhooks, JWTs and bearer
//! credentials, each found by its own detector at a literal anchor.
//!
//! One regex scan finds every anchor, and each detector resumes only past
//! what it already scanned, so the work stays linear in the text however
//! the anchors repeat. The private-key window stops at a marker and no
//! token alphabet holds the `[` that opens one, so a second pass over
//! redacted text finds nothing the first pass left.

use std::sync::LazyLock;

use regex::Regex;

use crate::heuristics::is_placeholder;
use crate::marker::MARKER_OPEN;
use crate::scan::{find_bytes, find_overlapping, is_word, run, word_starts};
use crate::{SecretKind, Span};

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
pub(crate) fn find_specific(text: &str) -> Vec<Span> {
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

/// A detector's verdict: the span found, if any, and where the same
/// detector may look again.
type Verdict = (Option<Span>, usize);

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

#[cfg(test)]
mod tests {
    use crate::SecretKind;
    use crate::test_support::{GITHUB, JWT, RSA_KEY, assert_clean, assert_redacts};

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
}
