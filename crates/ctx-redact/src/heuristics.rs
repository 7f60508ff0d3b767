//! Whether a value is a secret: the heuristics that tell a credential from
//! a reference, placeholder, literal, type or piece of code, and
//! configuration from code.
//!
//! They see a value only as its residue (its text without the finds and
//! markers inside it), which every pass computes the same, so a value
//! judged once is judged the same again. They only answer questions: what
//! is replaced is decided by the callers.

use crate::assignment::{KEYWORDS, Key, Operator};
use crate::scan::{find_bytes, is_word, skip_blanks};

/// A value shorter than this many characters is not treated as a secret.
const MIN_SECRET_CHARS: usize = 4;

/// Whether a name containing `aws_secret` (in any spelling) is assigned.
pub(crate) fn is_aws_secret_name(key: &[u8]) -> bool {
    let squashed: Vec<u8> = key
        .iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    find_bytes(&squashed, b"awssecret").is_some()
}

/// Whether `v` has the shape of an AWS secret access key.
pub(crate) fn is_aws_secret_value(v: &str) -> bool {
    v.len() == 40
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'='))
}

/// Where a value sits, for telling configuration from code.
#[derive(Clone, Copy)]
pub(crate) struct Context {
    pub(crate) quoted: bool,
    pub(crate) op: Operator,
    /// The surroundings say configuration (a YAML or `.env` line, a
    /// connection string, a query string, a command-line flag), where an
    /// unquoted word is a literal rather than a variable.
    pub(crate) config: bool,
}

/// Whether the name and value sit in configuration rather than code.
pub(crate) fn is_config_context(
    b: &[u8],
    key: Key,
    in_string: bool,
    op: Operator,
    after: usize,
) -> bool {
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
pub(crate) fn is_secret_value(v: &str, cx: Context) -> bool {
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
pub(crate) fn is_placeholder(v: &str) -> bool {
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
pub(crate) fn listed(list: &str, word: &str) -> bool {
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
    use crate::test_support::assert_clean;

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
}
