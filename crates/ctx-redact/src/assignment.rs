//! Assignments to secret-sounding names, such as `password = "..."`,
//! `api_key: ...`, `--token=...` or `"client_secret": "..."`. The name
//! decides whether a value is looked at, `value` reads where it begins and
//! ends, and `heuristics` decides whether what it holds is a secret.
//!
//! Names are judged right to left, so a value that holds later assignments
//! is judged knowing which of them will become markers: every pass then
//! reads the same names, operators and values, and one pass is already a
//! fixed point.

use std::sync::LazyLock;

use regex::Regex;

use crate::heuristics::{
    Context, is_aws_secret_name, is_aws_secret_value, is_config_context, is_placeholder,
    is_secret_value, listed,
};
use crate::marker::MARKER_OPEN;
use crate::scan::{find_bytes, find_overlapping, run, skip_blanks};
use crate::value::{Atoms, is_quote, parse_value, residue};
use crate::{SecretKind, Span};

/// Name fragments that make an assignment's value a secret. Matched
/// case-insensitively and anywhere in the name (`DB_PASSWORD`, `apiKey`,
/// `client_secret`); camel-case `apiKey`/`accessKey`/`privateKey` are
/// spelled without separators.
pub(crate) static KEYWORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i-u:password|passwd|secret|token|api_key|apikey|api-key",
        r"|access_key|accesskey|access-key|private_key|privatekey|private-key)",
    ))
    .expect("BUG: keyword pattern must compile")
});

/// What follows a key name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    /// `=`, `:=`, `=>`, or `:` followed by a type annotation and `=`.
    Equals,
    /// `:` alone, as in YAML, JSON and type annotations.
    Colon,
}

/// Scans every secret-sounding name for an assigned value worth redacting.
pub(crate) fn find_assignments(text: &str, shaped: &[Span]) -> Vec<Span> {
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

/// A secret-sounding name in the text.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    pub(crate) start: usize,
    /// End of the last secret-sounding fragment in the name.
    pub(crate) fragment_end: usize,
    pub(crate) end: usize,
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

#[cfg(test)]
mod tests {
    use crate::SecretKind;
    use crate::test_support::{GITHUB, JWT, assert_clean, assert_redacts};

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
}
