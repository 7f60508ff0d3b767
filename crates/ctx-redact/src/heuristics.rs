//! Whether a value is a secret: the heuristics that tell a credential from
//! a reference, placeholder, literal, type, version, path or piece of code,
//! and configuration from code.
//!
//! They see a value only as its residue (its text without the finds and
//! markers inside it), which every pass computes the same, so a value
//! judged once is judged the same again. They only answer questions: what
//! is replaced is decided by the callers.

use crate::assignment::Operator;
use crate::names::Strength;
use crate::scan::{WordList, find_bytes, is_word, skip_blanks};

/// A value shorter than this many characters is not treated as a secret.
const MIN_SECRET_CHARS: usize = 4;

/// A value longer than this many bytes is not treated as a secret.
const MAX_VALUE: usize = 4096;

/// The Shannon entropy of `bytes`, in bits per byte.
pub(crate) fn entropy(bytes: &[u8]) -> f32 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &c in bytes {
        counts[usize::from(c)] += 1;
    }
    let n = bytes.len() as f32;
    counts
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| {
            let p = k as f32 / n;
            -p * p.log2()
        })
        .sum()
}

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
    /// connection string, a query string, a command-line flag, an XML
    /// element), where an unquoted word is a literal rather than a variable.
    pub(crate) config: bool,
    /// How strongly the name says its value is a secret.
    pub(crate) strength: Strength,
    /// Whether the name is a password's, the one secret people choose as
    /// words.
    pub(crate) password: bool,
    /// The stem of the name's secret word: a value that spells it
    /// (`--password=fakepassword`, `secret: "some+client+secret"`) stands
    /// in for the secret.
    pub(crate) stem: &'static str,
}

/// Whether the name starting at `key_start` and its value sit in
/// configuration rather than code.
pub(crate) fn is_config_context(
    b: &[u8],
    key_start: usize,
    in_string: bool,
    op: Operator,
    after: usize,
) -> bool {
    let before = key_start.checked_sub(1).map(|i| b[i]);
    // `Password=x;` in connection strings, `?token=x&...` in URLs.
    let delimited = {
        let blank = key_start
            - (0..key_start)
                .rev()
                .take_while(|&j| matches!(b[j], b' ' | b'\t'))
                .count();
        blank > 0 && matches!(b[blank - 1], b';' | b'&' | b'?')
    };
    // `--token=abc` on a command line, `-e TOKEN=abc` and `--build-arg
    // TOKEN=abc` of docker, `-var token=abc` of terraform.
    let flag = key_start >= 2
        && b[key_start - 1] == b'-'
        && (b[key_start - 2] == b'-' || b[key_start - 2].is_ascii_whitespace());
    let flag = flag
        || [
            &b"-e "[..],
            b"--env ",
            b"--build-arg ",
            b"-var ",
            b"--set ",
            b"--from-literal=",
        ]
        .iter()
        .any(|f| b[..key_start].ends_with(f));
    let _ = before;
    delimited || in_string || flag || is_config_line(b, key_start, op, after)
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
    let prefix_ok = prefix.is_empty()
        || prefix == b"export"
        || prefix == b"set"
        || prefix == b"ENV"
        || prefix == b"ARG";
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
    // Longer values are documents, not credentials (key blocks and tokens
    // of that size have shapes of their own); the bound also keeps a line
    // of `a=b=c=...` linear.
    if v.chars().take(MIN_SECRET_CHARS).count() < MIN_SECRET_CHARS || v.len() > MAX_VALUE {
        return false;
    }
    // Code (`self.lexer.next()?`, `f(x)`) outside quotes and configuration
    // is the commonest value of all: leave it before anything costs.
    if !cx.quoted && !cx.config && v.contains(['(', ')', '[', '{', '<']) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let random = looks_random(v);
    if is_placeholder(&lower)
        || is_public_key(v)
        || (is_identifier(v) && names_a_secret(v) && !random)
        || is_color(v)
        || is_version(v)
        || is_path_or_url(v)
        || is_sequence(v)
    {
        return false;
    }
    // Versions and decimals, quoted or not; bare integers are settings too.
    if is_number(v) && (!cx.quoted || v.contains('.')) {
        return false;
    }
    if cx.strength == Strength::Weak {
        return random && !is_uuid(v);
    }
    // A value that spells its own name's secret word stands in for it.
    if lower.contains(cx.stem) && !v.contains('=') && cx.stem.len() >= 4 {
        return false;
    }
    // A random-looking word is a key whatever the syntax around it.
    if random {
        return true;
    }
    // Not random-looking: only a password is ever words. A token, key or
    // secret that is a word (`token: "error"` is a lexer's), words joined
    // (`T1003.008`, `DistributionList.NextMarker`), a sentence or short is
    // a name, an enum value or a description.
    let spaces = v.bytes().filter(u8::is_ascii_whitespace).count();
    // Escaped bytes (`b"\x02"`, a serialized descriptor), a regex, the
    // rest of a sentence (`, since ...`).
    if [
        "\\x", "\\u", "\\0", "\\n", "\\w", "\\d", "\\s", "[^", "(?", ".*", ".+",
    ]
    .iter()
    .any(|p| v.contains(p))
        || v.starts_with([',', ';'])
    {
        return false;
    }
    if is_snake_words(v)
        || (!cx.password
            && (v.len() < 8
                || spaces > 0
                || is_plain_word(v)
                || is_camel_words(v)
                || is_words(v)
                || is_dotted_path(v)
                || v.contains(['[', ']', '(', ')'])))
        || (cx.password && is_words(v) && v.contains(['.', ':', '/']))
        || spaces >= 3
        || (lower.contains(cx.stem) && !v.contains('='))
    {
        return false;
    }
    if cx.quoted {
        // Type and mode words (`token: "text"` declares a column).
        return !(TYPE_NAMES.has(&lower) || VALUE_WORDS.has(&lower));
    }
    // Calls, closures, paths, member access, generics and templates are
    // code even in configuration files.
    if v.contains(['(', '|', '{', '}', '[', ']', '<', '>'])
        || v.contains("::")
        || v.contains("->")
        || v.starts_with("/*")
        || v.starts_with("//")
        || is_dotted_path(v)
    {
        return false;
    }
    let bare = v.trim_end_matches(['?', ';']);
    if cx.op == Operator::Colon && is_type(bare, &lower) {
        return false;
    }
    if VALUE_WORDS.has(&lower) || CODE_WORDS.has(bare) {
        return false;
    }
    if cx.config {
        return true;
    }
    // A regex literal (`/^Unexpected token/i`) or a path.
    if v.starts_with('/') {
        return false;
    }
    // In code, a bare word is a variable, a sigil makes an expression or a
    // bind parameter (`:token`), and words joined by dashes and dots name
    // an artifact (`jjwt-jackson-0.11.2`).
    !(is_identifier(bare) || v.starts_with(['&', '*', '!', '@', '$', '-', ':', '?']) || is_words(v))
}

/// A CSS colour such as `#d0d0d0`, as in syntax-highlighting themes.
fn is_color(v: &str) -> bool {
    v.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|c| c.is_ascii_hexdigit())
    })
}

/// Values that are never secrets: literals, scheme and permission words,
/// and the usual stand-ins.
static NON_SECRET_WORDS: WordList = WordList::new(
    "\
    basic bearer changeme default dummy empty example fake false fixme hidden masked mock \
    n/a na none notasecret null nil optional passwd password placeholder read redacted required \
    sample secret secrets self string test tbd this todo token true undefined unknown \
    unset value write",
);

/// Words a quoted or configured value names a mode, type or method by.
static VALUE_WORDS: WordList = WordList::new(
    "\
    auto bcrypt argon2 argon2id basic bearer cookie custom digest disabled enabled env \
    environment file form hmac header inherit jwt local manual md5 none oauth oauth2 off \
    on pbkdf2 plain plaintext prompt query random scrypt session sha1 sha256 sha512 \
    static stdin vault",
);

/// Starts of values that read a secret from elsewhere.
const REFERENCE_PREFIXES: &str = "\
    $ %( process.env import.meta.env os.environ os.getenv getenv( system.getenv env( \
    env[ env:: env. secrets. vars. config. settings. context. ctx. props. this. self.";

/// Fragments that mark a value as a stand-in for the real secret.
const PLACEHOLDER_FRAGMENTS: &str = "\
    ${ {{ #{ changeme change_me change-me replaceme replace_me replace-me replace-with \
    placeholder redacted xxxx **** •••• ... … your_ your- yourapi yourtoken yoursecret \
    insert_ insert- _here -here put_your enter_your example_ example- _example -example \
    dummy notarealkey not_a_real not-a-real fake_ fake- <% %> 0000000000";

/// [`REFERENCE_PREFIXES`] and [`PLACEHOLDER_FRAGMENTS`], split once.
static REFERENCES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
static FRAGMENTS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

/// The words of `list`, split on first use into `cell`.
fn split(
    cell: &'static std::sync::OnceLock<Vec<&'static str>>,
    list: &'static str,
) -> &'static [&'static str] {
    cell.get_or_init(|| list.split_ascii_whitespace().collect())
}

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
    NON_SECRET_WORDS.has(v)
        || split(&REFERENCES, REFERENCE_PREFIXES).iter().any(|p| v.starts_with(p))
        || split(&FRAGMENTS, PLACEHOLDER_FRAGMENTS).iter().any(|p| v.contains(p))
        || v.starts_with("your")
        || (v.starts_with('%') && v.ends_with('%'))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('{') && v.ends_with('}'))
        || (v.starts_with('[') && v.ends_with(']'))
        || (v.starts_with('(') && v.ends_with(')'))
        // Templates and format strings: `{name}`, `%s`, `{}`.
        || (v.contains('{') && v.contains('}'))
        || ["%s", "%d", "%r", "%(", "%v"].iter().any(|f| v.contains(f))
        // Masks: `xxxxxxxx`, `********`, `xxxx-xxxx`, `••••`, `...`.
        || chars.all(|c| c == first)
        || v.chars().all(|c| "x*.#_-?•…".contains(c))
}

/// Whether identifier `v` is the name of a secret (`API_KEY`, `accessToken`,
/// `db_password`): a variable or environment variable holding the value,
/// not the value. A fragment inside a word (`supersecret123`) does not count.
fn names_a_secret(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let b = v.as_bytes();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "key",
        "pass",
        "auth",
        "credentials",
        "credential",
        "creds",
        "pwd",
    ]
    .iter()
    .any(|word| {
        let mut from = 0;
        while let Some(found) = lower[from..].find(word) {
            let start = from + found;
            let end = start + word.len();
            // After a separator, or at a camel-case hump, including the
            // one after an acronym (`DHPrivateKey`).
            let starts_word = start == 0 || {
                let before = b[start - 1];
                let first = b[start];
                let second = b.get(start + 1).copied().unwrap_or(b'_');
                matches!(before, b'_' | b'-' | b'.')
                    || (first.is_ascii_uppercase()
                        && (before.is_ascii_lowercase()
                            || (before.is_ascii_uppercase() && second.is_ascii_lowercase())))
            };
            let ends_word = b.get(end).is_none_or(|&next| {
                !(next.is_ascii_alphabetic()
                    && next.is_ascii_lowercase() == b[end - 1].is_ascii_lowercase())
            });
            if starts_word && ends_word {
                return true;
            }
            from = start + 1;
        }
        false
    })
}

/// Whether `v` is a single identifier: a variable in code (`$` included,
/// as JavaScript and PHP spell them).
fn is_identifier(v: &str) -> bool {
    let mut bytes = v.bytes();
    bytes
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
        && bytes.all(|c| is_word(c) || c == b'$')
}

/// `self.token`, `config.db.password`, `self.next_token?`: member access.
fn is_dotted_path(v: &str) -> bool {
    let v = v.strip_suffix('?').unwrap_or(v);
    v.contains('.') && v.split('.').all(is_identifier)
}

/// Type suffixes of numeric literals (`40u32`, `0x8004_u32`).
const NUMBER_SUFFIXES: &str = "u128 i128 usize isize u64 i64 u32 i32 u16 i16 f64 f32 u8 i8 ULL ull UL ul LL ll L l U u F f D d M m";

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

/// A version or version range, as package manifests and lock files write
/// them: `^9.0.0`, `~1.2`, `>=2.0, <3`, `1.2.3-beta.1`, `v2`, `workspace:*`,
/// `npm:pkg@^1`, `*`, `latest`.
fn is_version(v: &str) -> bool {
    let v = v.trim();
    if matches!(v, "*" | "latest" | "next" | "stable" | "beta" | "canary") {
        return true;
    }
    if let Some(rest) = [
        "workspace:",
        "npm:",
        "file:",
        "link:",
        "portal:",
        "patch:",
        "git+",
        "github:",
    ]
    .iter()
    .find_map(|p| v.strip_prefix(p))
    {
        return !rest.is_empty() && !rest.contains(' ');
    }
    // Every word a comparison, a wildcard or dotted numbers with an
    // optional pre-release tag.
    v.split([' ', ',', '|']).filter(|w| !w.is_empty()).all(|w| {
        let w = w.trim_start_matches(['^', '~', '>', '<', '=', 'v', 'V']);
        let (core, tag) = w.split_once(['-', '+']).unwrap_or((w, ""));
        let parts: Vec<&str> = core.split('.').collect();
        let numeric = parts.iter().all(|p| {
            !p.is_empty()
                && (p.bytes().all(|c| c.is_ascii_digit()) || matches!(*p, "x" | "X" | "*"))
        });
        numeric
            && (parts.len() >= 2 || w.len() < v.len() || v.starts_with(['v', 'V']))
            && tag.len() <= 24
            && tag
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
    }) && v.bytes().any(|c| c.is_ascii_digit())
}

/// A path or a URL without credentials: `/etc/app/secret`, `./token.txt`,
/// `~/.ssh/id_rsa`, `C:\keys\k.pem`, `https://example.com/token`.
fn is_path_or_url(v: &str) -> bool {
    if let Some((scheme, rest)) = v.split_once("://") {
        let scheme_ok = !scheme.is_empty()
            && scheme
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        return scheme_ok
            && !authority.contains('@')
            && !rest.contains("token=")
            && !rest.contains("key=");
    }
    let path_like =
        |p: &str| p.split(['/', '\\']).filter(|s| !s.is_empty()).count() >= 2 || p.contains('.');
    (v.starts_with('/') && path_like(v) && !v[1..].contains(['+', '=']))
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || (v.len() > 3 && v.as_bytes()[1] == b':' && v.as_bytes()[2] == b'\\')
        || [
            "pem", "key", "txt", "json", "crt", "p12", "pfx", "jks", "env", "yaml", "yml", "gpg",
            "asc",
        ]
        .iter()
        .any(|ext| {
            v.strip_suffix(ext)
                .and_then(|s| s.strip_suffix('.'))
                .is_some_and(|stem| {
                    !stem.is_empty() && stem.bytes().all(|c| is_word(c) || b"-./".contains(&c))
                })
        })
}

/// A run of consecutive characters (`0123456789`, `abcdefgh...`, an
/// alphabet spelled out), which code writes as a constant, not a key.
fn is_sequence(v: &str) -> bool {
    let b: Vec<u8> = v.bytes().filter(u8::is_ascii_alphanumeric).collect();
    if b.len() < 16 {
        return false;
    }
    let steps = b
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    steps * 10 >= (b.len() - 1) * 8
}

/// A public key in base64 DER (`SubjectPublicKeyInfo`), as package
/// managers pin signing keys: the prefixes are the encodings of the RSA,
/// EC and Ed25519 key headers.
fn is_public_key(v: &str) -> bool {
    [
        "MIIBIjANBgkqhkiG9w0BAQEFAAOC",
        "MIICIjANBgkqhkiG9w0BAQEFAAOC",
        "MFkwEwYHKoZIzj0CAQYI",
        "MHYwEAYHKoZIzj0CAQYF",
        "MCowBQYDK2Vw",
    ]
    .iter()
    .any(|p| v.starts_with(p))
}

/// A UUID, which names a thing far more often than it guards one.
fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Type names that follow `name:` in declarations, and column types.
static TYPE_NAMES: WordList = WordList::new(
    "\
    any array bigint binary blob bool boolean byte bytea bytes char character citext date \
    datetime decimal double dyn f32 f64 float i128 i16 i32 i64 i8 impl inet int integer \
    isize json jsonb long mut never number object serial smallint str string text \
    time timestamp timestamptz tinyint u128 u16 u32 u64 u8 unknown usize uuid varchar void",
);

/// Words that start an expression rather than a value.
static CODE_WORDS: WordList = WordList::new(
    "\
    await async new function fn lambda yield return typeof nil null None undefined \
    this self super await! match if else",
);

/// Whether `v` after `name:` is a type annotation (`password: String`,
/// `secret: &str`, `token: Option<String>`) rather than a value.
fn is_type(v: &str, lower: &str) -> bool {
    let pascal = v.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
        && v.bytes().all(|c| c.is_ascii_alphabetic())
        && v.bytes().any(|c| c.is_ascii_lowercase());
    // Generics and slices were already ruled out as code.
    pascal || v.starts_with(['&', '*']) || TYPE_NAMES.has(lower)
}

/// Whether `v` looks like a random key: long enough, of a token alphabet,
/// mixing digits into letters (or, long, both cases), with entropy a word
/// or a name does not reach. Names rarely interleave digits: `user_2024`
/// and `myKey2` put theirs at the end of words.
pub(crate) fn looks_random(v: &str) -> bool {
    let b = v.as_bytes();
    // A token alphabet: `=` only as base64 padding, no `:` of a path or a
    // `key=value` list, no brackets or quotes of code.
    let body = v.trim_end_matches('=');
    if !(16..=512).contains(&b.len())
        || !body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+/_-.~!@#$%^&*".contains(&c))
    {
        return false;
    }
    let separators = b
        .iter()
        .filter(|&&c| matches!(c, b'_' | b'-' | b'.'))
        .count();
    if separators * 5 > b.len() {
        return false;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let digit_runs = b
        .iter()
        .enumerate()
        .filter(|&(i, c)| c.is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()))
        .count();
    let case_changes = b
        .windows(2)
        .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .count();
    let length = (b.len() as f32).log2();
    let digits_mixed = digits >= 2 && lower + upper >= 4 && digit_runs >= 2;
    let cases_mixed = lower >= 2 && upper >= 2 && b.len() >= 16 && case_changes * 6 >= b.len();
    if !(digits_mixed || cases_mixed) {
        return false;
    }
    // Random letters without digits are told from joined words by their
    // entropy: words repeat letters, random strings rarely do.
    let entropy = entropy(b);
    let mixed = digits_mixed || entropy >= length - 0.5;
    let needed = (length - 1.0).min(3.2);
    mixed
        && entropy >= needed
        && !is_words(v)
        && !is_camel_words(v)
        && !is_member_path(v)
        && !is_version(v)
        && !is_sequence(v)
}

/// Member access of named parts (`oauth2client.client.OAuth2Credentials`),
/// not a token that happens to hold a dot between random parts.
fn is_member_path(v: &str) -> bool {
    is_dotted_path(v)
        && v.split('.').all(|part| {
            // Random parts mix cases; named ones are words or lowercase.
            part.len() < 12
                || is_camel_words(part)
                || is_words(part)
                || !part.bytes().any(|c| c.is_ascii_uppercase())
        })
}

/// CamelCase words and numbers (`oauth2ClientSecretSha256`,
/// `V1SecretProjection`, `ExclusiveStartShardId`): an identifier, however
/// many digits it mixes in. Random letters fall into pieces of one or two.
fn is_camel_words(v: &str) -> bool {
    let b = v.as_bytes();
    if !b.iter().all(u8::is_ascii_alphanumeric) || !b.iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let (mut pieces, mut words, mut short) = (0, 0, 0);
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            i += b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        } else {
            let caps = b[i..].iter().take_while(|c| c.is_ascii_uppercase()).count();
            let lower = b[i + caps..]
                .iter()
                .take_while(|c| c.is_ascii_lowercase())
                .count();
            if caps == 0 && lower < 2 {
                return false;
            }
            // `IOError`: the acronym ends before the capital of the next word.
            i += if lower > 0 && caps > 1 {
                caps - 1
            } else {
                caps + lower
            };
            words += 1;
            if i - start < 3 {
                short += 1;
            }
        }
        pieces += 1;
    }
    pieces >= 3 && words >= 2 && short * 3 <= words
}

/// Words joined by separators, with numbers between them: a name
/// (`user_preferences_2024`, `jjwt-jackson-0.11.2`, `MAX_RETRY_COUNT`).
fn is_words(v: &str) -> bool {
    v.contains(['_', '-', '.', '/', ':'])
        && v.split(['_', '-', '.', '/', ':'])
            .filter(|p| !p.is_empty())
            .all(|p| {
                let b = p.as_bytes();
                // A word, perhaps numbered (`value1`, `INET6`, `v2`), or a number.
                let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
                let (word, number) = b.split_at(letters);
                number.iter().all(u8::is_ascii_digit)
                    && (word.is_empty()
                        || word.len() >= 2
                        || word.iter().all(u8::is_ascii_uppercase))
            })
}

/// Lowercase words joined by underscores (`sensitive_value`): an
/// identifier or an enum value, not a credential.
fn is_snake_words(v: &str) -> bool {
    v.contains('_')
        && v.split('_')
            .all(|w| !w.is_empty() && w.bytes().all(|c| c.is_ascii_lowercase()))
}

/// A single word of letters, as a lexer token or an enum value is spelled
/// (`error`, `NextToken`, `MaxNumberOfDomains`): random letters change
/// case far more often.
fn is_plain_word(v: &str) -> bool {
    let b = v.as_bytes();
    let flips = b
        .windows(2)
        .filter(|w| w[0].is_ascii_lowercase() != w[1].is_ascii_lowercase())
        .count();
    b.len() <= 32 && b.iter().all(u8::is_ascii_alphabetic) && flips <= 4
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
