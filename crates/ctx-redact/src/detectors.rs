//! The rules written in code, for shapes a regex cannot judge: private key
//! blocks and PuTTY key files (which run over lines until an end marker),
//! JWTs bare and base64-wrapped (which must decode), bearer and basic
//! credentials, passwords in URLs and in `curl -u`, and Slack webhooks.
//!
//! Each detector is called where the prefilter found one of its keywords
//! and returns its find, if any, and how far the same detector need not
//! look again: a word-bounded run it scanned gives the same verdict from any
//! later keyword inside it, which keeps inputs like `eyJ-eyJ-...` linear.
//! A detector replaces only the credential: the scheme, the user name and
//! the host stay readable.

use std::sync::LazyLock;

use regex::Regex;

use crate::checksum::base64_decode;
use crate::heuristics::is_placeholder;
use crate::marker::MARKER_OPEN;
use crate::rules::Detector;
use crate::scan::{find_bytes, is_word, run, skip_blanks, word_starts};
use crate::{SecretKind, Span};

/// A detector's verdict: the span found, if any, and where the same
/// detector may look again.
pub(crate) type Verdict = (Option<Span>, usize);

/// Runs `detector` at the keyword found at `at`, `len` bytes long.
pub(crate) fn run_detector(detector: Detector, text: &str, at: usize, len: usize) -> Verdict {
    let b = text.as_bytes();
    match detector {
        Detector::Pem => private_key(text, at),
        Detector::Putty => putty_key(b, at),
        Detector::Jwt => jwt(b, at),
        Detector::Base64Jwt => base64_jwt(b, at),
        Detector::Bearer => bearer(text, at),
        Detector::Basic => basic(b, at, len),
        Detector::UrlPassword => url_password(text, at),
        Detector::CurlUser => curl_user(text, at, len),
        Detector::SlackWebhook => slack_webhook(b, at),
    }
}

/// The BEGIN line of a private key; CERTIFICATE and PUBLIC KEY blocks do not match.
static PEM_BEGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----)")
        .expect("BUG: PEM BEGIN pattern must compile")
});

/// Any private key END line. The label need not match the BEGIN line: a
/// mismatched END still ends the key material.
static PEM_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|---- END SSH2 ENCRYPTED PRIVATE KEY ----")
        .expect("BUG: PEM END pattern must compile")
});

/// A base64url byte, as in JWT segments.
fn is_base64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// A byte of standard base64, padding included.
fn is_base64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')
}

/// A private key block whose `BEGIN ` keyword is at `at`.
fn private_key(text: &str, at: usize) -> Verdict {
    let b = text.as_bytes();
    // The keyword is `BEGIN `; the block starts with the dashes before it.
    let Some(start) = at
        .checked_sub(5)
        .filter(|&s| matches!(&b[s..at], b"-----" | b"---- "))
    else {
        return (None, at + 1);
    };
    let Some(begin) = PEM_BEGIN.find(&text[start..]) else {
        return (None, at + 1);
    };
    let body = start + begin.end();
    // Code that parses keys names the BEGIN line without any key after it;
    // only a line followed by key material is a secret. Looking within a
    // bounded window (which covers encrypted-key headers) keeps many bare
    // BEGIN lines linear. The window stops at an END line and at a marker:
    // a marker may stand where an END line was redacted, and must not let a
    // second pass look further than the first did.
    let window = &b[body..b.len().min(body + 256)];
    let window = [&b"-----END"[..], b"---- END", MARKER_OPEN.as_bytes()]
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
            start,
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

/// A PuTTY key file starting at `at`: from its first line through the
/// `Private-MAC` line (or, truncated, through its private lines or to the
/// end). Documentation that names the format has no `Private-Lines`.
fn putty_key(b: &[u8], at: usize) -> Verdict {
    const WINDOW: usize = 16 * 1024;
    if !word_starts(b, at) {
        return (None, at + 1);
    }
    let window = &b[at..b.len().min(at + WINDOW)];
    let Some(private) = find_bytes(window, b"\nPrivate-Lines:") else {
        return (None, at + 1);
    };
    // Nothing but a key file's own lines may come between: a blank line or
    // another key's first line means the mention was no key file.
    if find_bytes(&window[..private], b"\n\n").is_some()
        || find_bytes(&window[1..private], b"PuTTY-User-Key-File-").is_some()
    {
        return (None, at + 1);
    }
    let lines_at = at + private + "\nPrivate-Lines:".len();
    let count_end = run(b, skip_blanks(b, lines_at), |c| c.is_ascii_digit());
    let count: usize = std::str::from_utf8(&b[skip_blanks(b, lines_at)..count_end])
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if count == 0 {
        return (None, at + 1);
    }
    let line_end = |from: usize| b[from..].iter().position(|&c| c == b'\n').map(|n| from + n);
    let mut end = count_end;
    for _ in 0..count.min(1024) {
        match line_end(end) {
            Some(nl) => {
                end = b[nl + 1..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| nl + 1 + n)
            }
            None => {
                end = b.len();
                break;
            }
        }
    }
    if b[end.min(b.len())..].starts_with(b"\nPrivate-MAC:") {
        end = line_end(end + 1).unwrap_or(b.len());
    }
    while end > at && b[end - 1] == b'\r' {
        end -= 1;
    }
    (
        Some(Span {
            start: at,
            end,
            kind: SecretKind::PrivateKey,
        }),
        end,
    )
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

/// A JWT wrapped in base64 (as Kubernetes secrets and some config stores
/// hold them): `ZXlK` is the base64 of `eyJ`.
fn base64_jwt(b: &[u8], at: usize) -> Verdict {
    if at > 0 && is_base64(b[at - 1]) {
        return (None, at + 1);
    }
    let end = run(b, at, is_base64);
    if end - at < 60 {
        return (None, end);
    }
    let decoded = base64_decode(&b[at..end], 16 * 1024).unwrap_or_default();
    let found = jwt(&decoded, 0).0.is_some();
    (
        found.then_some(Span {
            start: at,
            end,
            kind: SecretKind::Jwt,
        }),
        end,
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

/// The base64 credential after `Basic ` when it decodes to `user:password`;
/// prose (`basic usage`) does not decode to that.
fn basic(b: &[u8], at: usize, len: usize) -> Verdict {
    if !word_starts(b, at) {
        return (None, at + 1);
    }
    let start = skip_blanks(b, at + len);
    let end = run(b, start, is_base64);
    if end - start < 8
        || b.get(end)
            .is_some_and(|&c| is_word(c) || c == b'-' || c == b'.')
    {
        return (None, at + 1);
    }
    let decoded = base64_decode(&b[start..end], 1024).unwrap_or_default();
    let found = std::str::from_utf8(&decoded).ok().is_some_and(|pair| {
        pair.chars().all(|c| !c.is_control())
            && pair
                .split_once(':')
                .is_some_and(|(user, password)| !user.contains(' ') && is_password(password, user))
    });
    (
        found.then_some(Span {
            start,
            end,
            kind: SecretKind::BasicAuth,
        }),
        at + 1,
    )
}

/// Whether `password` (beside user name `user`) is a password rather than
/// a stand-in for one.
fn is_password(password: &str, user: &str) -> bool {
    let lower = password.to_ascii_lowercase();
    !password.is_empty()
        && password != user
        && !is_placeholder(&lower)
        // `user:password@`, `u:mypass@` are stand-ins; `S3cr3tPassw0rd`
        // is what a person types to make one real.
        && (!lower.contains("pass") || password.bytes().any(|c| c.is_ascii_digit()))
        && !password.starts_with('$')
        && !password.starts_with('%')
}

/// A byte that may be part of a URL's authority (`user:password@host:port`).
fn is_authority(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~%!$&*+=:@;,".contains(&c)
}

/// The password in `scheme://user:password@host`, found at the `://`.
fn url_password(text: &str, at: usize) -> Verdict {
    let b = text.as_bytes();
    let scheme = b[..at]
        .iter()
        .rev()
        .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        .count();
    let from = at + 3;
    let end = run(b, from, is_authority);
    if scheme < 2 {
        return (None, at + 1);
    }
    let authority = &b[from..end];
    // The host follows the last `@`: a password may hold a raw `@`.
    let Some(at_sign) = authority.iter().rposition(|&c| c == b'@') else {
        return (None, at + 1);
    };
    let userinfo = &authority[..at_sign];
    let Some(colon) = userinfo.iter().position(|&c| c == b':') else {
        return (None, at + 1);
    };
    let (user, password) = (
        &text[from..from + colon],
        &text[from + colon + 1..from + at_sign],
    );
    let found =
        is_password(password, user) && !password.starts_with('{') && !password.starts_with('<');
    (
        found.then_some(Span {
            start: from + colon + 1,
            end: from + at_sign,
            kind: SecretKind::UrlPassword,
        }),
        at + 1,
    )
}

/// The password of `curl -u user:password` (or `--user`), on a line that
/// runs curl. Without a colon curl asks for the password, and there is none.
fn curl_user(text: &str, at: usize, len: usize) -> Verdict {
    let b = text.as_bytes();
    let line_start = b[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |nl| nl + 1);
    let before = &b[line_start.max(at.saturating_sub(512))..at];
    if find_bytes(before, b"curl").is_none() {
        return (None, at + 1);
    }
    let mut i = at + len;
    if b.get(i) == Some(&b'=') {
        i += 1;
    }
    // `-u user:pw`, `-uuser:pw`, `--user user:pw`, `--user=user:pw`, quoted or not.
    if len > 3 && i == at + len && !matches!(b.get(i), Some(b' ' | b'\t')) {
        return (None, at + 1);
    }
    i = skip_blanks(b, i);
    let quote = b.get(i).copied().filter(|&c| c == b'"' || c == b'\'');
    if quote.is_some() {
        i += 1;
    }
    let end = run(b, i, |c| {
        !c.is_ascii_whitespace() && Some(c) != quote && c != b'"' && c != b'\''
    });
    let value = &text[i..end];
    let Some((user, password)) = value.split_once(':') else {
        return (None, at + 1);
    };
    let start = i + user.len() + 1;
    let found = is_password(password, user);
    (
        found.then_some(Span {
            start,
            end,
            kind: SecretKind::BasicAuth,
        }),
        at + 1,
    )
}

/// A Slack incoming or workflow webhook URL; the whole URL is the credential.
fn slack_webhook(b: &[u8], at: usize) -> Verdict {
    const HOST: &[u8] = b"hooks.slack.com/";
    let is_part = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let path = at + HOST.len();
    // Incoming webhooks are `services/T.../B.../secret`, workflow webhooks
    // `workflows/T.../A.../id/secret` and `triggers/T.../id/secret`.
    let (parts, first_leads) = if b[path..].starts_with(b"services/") {
        (3, "services/".len())
    } else if b[path..].starts_with(b"workflows/") {
        (4, "workflows/".len())
    } else if b[path..].starts_with(b"triggers/") {
        (3, "triggers/".len())
    } else {
        return (None, path);
    };
    let mut end = path + first_leads;
    for i in 0..parts {
        if i > 0 {
            if b.get(end) != Some(&b'/') {
                return (None, end);
            }
            end += 1;
        }
        if i == 0 && b.get(end) != Some(&b'T') {
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
