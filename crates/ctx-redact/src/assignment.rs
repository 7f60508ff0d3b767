//! Assignments to secret-sounding names, in the syntaxes code and
//! configuration use: `password = "..."`, `api_key: ...`, `--token=...`,
//! `"client_secret": "..."`, `TOKEN := ...` (and `::=`, `?=`, `+=`, `.=`,
//! `??=`, `||=`, `=>`), Go's `var token string = "..."`, XML elements and
//! `key="..." value="..."` attributes, `{"name": ..., "value": ...}` pairs,
//! setters such as `setProperty("TOKEN", "...")`, YAML block scalars and
//! CSV. `names` decides whether a name is looked at, `value` reads where a
//! value begins and ends, and `heuristics` decides whether it is a secret.
//!
//! Names are judged right to left, so a value that holds later assignments
//! is judged knowing which of them will become markers: every pass then
//! reads the same names, operators and values, and one pass is already a
//! fixed point. A value never extends past its closing quote, its line or
//! an escape (`\n` in a JSON string), so no redaction takes text beyond the
//! secret it found.

use crate::heuristics::{
    Context, is_aws_secret_name, is_aws_secret_value, is_config_context, is_placeholder,
    is_secret_value, looks_random,
};
use crate::marker::{MARKER_OPEN, marker_around};
use crate::names::{Name, Seen, extent};
use crate::prefilter::{Hit, PREFILTER, Target};
use crate::rules::named_kind;
use crate::scan::{WordList, find_bytes, is_word, run, skip_blanks};
use crate::value::{Atoms, Value, is_quote, parse_value, residue};
use crate::{SecretKind, Span};

/// What follows a key name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    /// `=`, `:=`, `=>`, or `:` followed by a type annotation and `=`.
    Equals,
    /// `:` alone, as in YAML, JSON and type annotations.
    Colon,
}

/// Scans every secret-sounding name for an assigned value worth redacting.
pub(crate) fn find_assignments(text: &str, shaped: &[Span], hits: &[Hit]) -> Vec<Span> {
    let names = find_names(text, shaped, hits);
    // Right to left: a value can hold later names with values of their own
    // (`a=b=secret`), and a later pass sees those values as markers, so they
    // must be known before the value around them is judged.
    let mut assigned: Vec<Span> = Vec::new();
    let mut unquoted_cache = (0, 0);
    for name in names.iter().rev() {
        let atoms = Atoms {
            shaped,
            assigned: &assigned,
        };
        if let Some(span) = assignment(text, atoms, name, &mut unquoted_cache) {
            // Values usually start further left as names do; `assigned`
            // stays sorted by descending start either way.
            let at = assigned.partition_point(|s| s.start > span.start);
            assigned.insert(at, span);
        }
    }
    assigned
}

/// The secret-sounding names in `text`, left to right.
fn find_names(text: &str, shaped: &[Span], hits: &[Hit]) -> Vec<Name> {
    let b = text.as_bytes();
    let mut names = Vec::new();
    // Shaped finds become markers, which end names: a name inside a find is
    // no name, and one right after a find starts where the find ends. The
    // finds starting at or before the current name, and how far they reach:
    let mut passed = 0;
    let mut covered_to = 0;
    // Hits inside a name already read are part of it.
    let mut read_to = 0;
    let mut seen = Seen::default();
    for hit in hits {
        if hit.start < read_to
            || !PREFILTER
                .literal(hit.literal)
                .targets
                .contains(&Target::Name)
        {
            continue;
        }
        let (start, end) = extent(b, hit.start);
        read_to = end.max(hit.start + 1);
        while shaped.get(passed).is_some_and(|s| s.start <= hit.start) {
            covered_to = covered_to.max(shaped[passed].end);
            passed += 1;
        }
        // A marker's kind (`[REDACTED:github_token]`) is no name.
        if hit.start < covered_to || marker_around(b, hit.start).is_some() {
            continue;
        }
        let start = start.max(covered_to);
        if !may_assign(b, start, end) {
            continue;
        }
        if let Some(name) = seen.classify(b, start, end) {
            names.push(name);
        }
    }
    names
}

/// Whether the text around the name at `start..end` can assign it at all,
/// in any syntax [`assignment`] reads: checked before the name is judged,
/// since most names in code are used, not assigned.
fn may_assign(b: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| b[i]);
    if before.is_some_and(|c| matches!(c, b'<' | b'{') || is_quote(c)) {
        return true;
    }
    let mut i = closing_quote(b, end).unwrap_or(end);
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    i = skip_blanks(b, i);
    match b.get(i) {
        None | Some(b'\n' | b'\r' | b'=' | b':' | b'.' | b'+' | b'?' | b'|' | b',') => true,
        // `setToken("...")`: only a literal argument is read.
        Some(b'(') => b.get(skip_blanks(b, i + 1)).copied().is_some_and(is_quote),
        // `token string = "..."`.
        Some(c) if c.is_ascii_alphabetic() || matches!(c, b'[' | b'*' | b'&') => {
            let word_end = run(b, i, |c| {
                c.is_ascii_alphanumeric() || matches!(c, b'[' | b']' | b'*' | b'&')
            });
            std::str::from_utf8(&b[i..word_end]).is_ok_and(|t| DECLARED_TYPES.contains(&t))
        }
        _ => false,
    }
}

/// The quote that closes a quoted key at `i` (`"password": ...`, or the
/// escaped `\"password\": ...` of JSON inside a string), and where it ends.
fn closing_quote(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'\\') && b.get(i + 1).copied().is_some_and(is_quote) {
        Some(i + 2)
    } else if b.get(i).copied().is_some_and(is_quote) {
        Some(i + 1)
    } else {
        None
    }
}

/// The value assigned to `name`, as a span, when it looks like a secret.
fn assignment(
    text: &str,
    atoms: Atoms<'_>,
    name: &Name,
    unquoted_cache: &mut (usize, usize),
) -> Option<Span> {
    let b = text.as_bytes();
    let before = name.start.checked_sub(1).map(|i| b[i]);
    let quoted_before = before.is_some_and(is_quote)
        || (before == Some(b'"') && name.start >= 2 && b[name.start - 2] == b'\\');
    // `${TOKEN}`, `${TOKEN:?message}`: a reference. Only the default of
    // `${TOKEN:-default}` is written here, and may be a literal secret.
    if before == Some(b'{') && name.start >= 2 && b[name.start - 2] == b'$' {
        let at = name.end + usize::from(b.get(name.end) == Some(&b':'));
        if !matches!(b.get(at), Some(b'-' | b'=')) {
            return None;
        }
        let end = at
            + 1
            + b[at + 1..]
                .iter()
                .take_while(|&&c| c != b'}' && c != b'\n')
                .count();
        if b.get(end) != Some(&b'}') || end == at + 1 {
            return None;
        }
        let value = Value {
            start: at + 1,
            end,
            quoted: false,
            after: end + 1,
        };
        return accept(text, atoms, name, &value, Operator::Equals, true);
    }
    // `<password>hunter2</password>`.
    if before == Some(b'<') && b.get(name.end) == Some(&b'>') {
        return element(text, atoms, name);
    }
    let closed = closing_quote(b, name.end);
    if quoted_before && let Some(after) = closed {
        // `<add key="API_TOKEN" value="..."/>`, `{"name": "API_TOKEN", "value": "..."}`.
        if let Some(start) = paired_value(b, name.start - 1, after) {
            return judge(
                text,
                atoms,
                name,
                start,
                None,
                Operator::Equals,
                true,
                unquoted_cache,
            );
        }
        // `setProperty("API_TOKEN", "...")`, `getenv("API_TOKEN", "...")`:
        // a literal only, since an expression there is code.
        if let Some(start) = setter_value(b, name.start - 1, after) {
            // A class name (`MovedAttribute("HTTPPasswordMgr", "urllib2")`)
            // is no setting.
            let pascal = b[name.start].is_ascii_uppercase()
                && b[name.start..name.end].iter().any(u8::is_ascii_lowercase);
            if pascal || !b.get(start).copied().is_some_and(is_quote) {
                return None;
            }
            return judge(
                text,
                atoms,
                name,
                start,
                None,
                Operator::Equals,
                false,
                unquoted_cache,
            );
        }
    }
    // `- name: API_TOKEN` followed by `value: ...` on the next line.
    if !quoted_before && let Some(start) = paired_value(b, name.start, name.end) {
        return judge(
            text,
            atoms,
            name,
            start,
            None,
            Operator::Equals,
            true,
            unquoted_cache,
        );
    }
    let mut i = closed.unwrap_or(name.end);
    // `os.environ["API_TOKEN"] = ...`, `headers['X-Api-Key'] = ...`.
    if b.get(i) == Some(&b']') && (closed.is_some() || before == Some(b':') || before == Some(b'['))
    {
        i += 1;
    }
    let key_closed = closed.is_some();
    // `"X-Api-Key: abc"`: the whole assignment inside one string, whose
    // closing quote is no value's opening quote.
    let enclosing = before.filter(|_| quoted_before && !key_closed);
    // `setPassword("...")`, `.token("...")`.
    if !key_closed && b.get(i) == Some(&b'(') {
        return call(text, atoms, name, i + 1, unquoted_cache);
    }
    // `apiToken,secret,`: a CSV row.
    if !key_closed && b.get(i) == Some(&b',') {
        return csv(text, atoms, name, i + 1);
    }
    i = skip_blanks(b, i);
    let (op, after_op) = operator(b, i, name, key_closed && quoted_before, atoms)?;
    let mut value_start = skip_blanks(b, after_op);
    if op == Operator::Colon
        && let Some(start) = block_scalar(b, name.start, value_start)
    {
        return judge(
            text,
            atoms,
            name,
            start,
            None,
            Operator::Colon,
            true,
            unquoted_cache,
        );
    }
    if name.authorization {
        return authorization(text, atoms, name, value_start);
    }
    let in_string = enclosing.is_some() && (op == Operator::Equals || value_start > after_op);
    if value_start == after_op
        && op == Operator::Colon
        && b.get(value_start).is_some_and(|&c| c == b'/')
    {
        // `token:/path`: a URL or a path, not a value.
        return None;
    }
    // `arn:aws:...:secret:name`, `Credentials:gs_host=`: a colon without a
    // blank joins words of an identifier, outside configuration and JSON.
    if op == Operator::Colon
        && value_start == after_op
        && !key_closed
        && !b.get(value_start).copied().is_some_and(is_quote)
    {
        return None;
    }
    if b.get(value_start) == Some(&b'\\') && b.get(value_start + 1) == Some(&b'n') {
        // `KEY=\nNEXT=1` in a string: an empty value.
        return None;
    }
    value_start = value_start.min(b.len());
    judge(
        text,
        atoms,
        name,
        value_start,
        enclosing,
        op,
        in_string,
        unquoted_cache,
    )
}

/// Reads the value starting at `start` and judges it; `config` says the
/// syntax around it was configuration for certain.
#[allow(clippy::too_many_arguments)]
fn judge(
    text: &str,
    atoms: Atoms<'_>,
    name: &Name,
    start: usize,
    enclosing: Option<u8>,
    op: Operator,
    config: bool,
    unquoted_cache: &mut (usize, usize),
) -> Option<Span> {
    let b = text.as_bytes();
    let value = parse_value(b, start, enclosing, atoms, unquoted_cache)?;
    // `pwd: expected bytes, got ...`: a word after an unquoted value
    // makes it a sentence, not a setting.
    if op == Operator::Colon && !value.quoted {
        let next = skip_blanks(b, value.after);
        if next > value.after && b.get(next).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
    }
    let cx_config = config || is_config_context(b, name.start, false, op, value.after);
    accept(text, atoms, name, &value, op, cx_config)
}

/// The span of `value` if it holds a secret, named by its kind.
fn accept(
    text: &str,
    atoms: Atoms<'_>,
    name: &Name,
    value: &Value,
    op: Operator,
    config: bool,
) -> Option<Span> {
    let b = text.as_bytes();
    // `prompt('   Again:   ')`: a quoted label padded with blanks.
    if value.quoted
        && (b[value.start].is_ascii_whitespace() || b[value.end - 1].is_ascii_whitespace())
    {
        return None;
    }
    let residue = residue(text, value.start, value.end, atoms);
    let residue = residue.trim();
    let kind = if is_aws_secret_name(&b[name.start..name.end])
        && residue.len() == value.end - value.start
        && is_aws_secret_value(residue)
        && !is_placeholder(&residue.to_ascii_lowercase())
    {
        SecretKind::AwsSecretKey
    } else {
        let context = Context {
            quoted: value.quoted,
            op,
            config,
            strength: name.strength,
            password: name.password,
            stem: name.stem,
        };
        if !is_secret_value(residue, context) {
            return None;
        }
        named_kind(&name.words, residue).unwrap_or(SecretKind::Assignment)
    };
    Some(Span {
        start: value.start,
        end: value.end,
        kind,
    })
}

/// Attribute names whose value names a setting whose value follows.
const PAIR_KEYS: [&str; 10] = [
    "key", "name", "id", "property", "param", "variable", "setting", "option", "field", "env",
];

/// Where the value starts of a name that is itself the value of a `key=`,
/// `name=` or `"name":` field (its quote, if any, at `open`, its end at
/// `after`), when a `value` field follows it.
fn paired_value(b: &[u8], open: usize, after: usize) -> Option<usize> {
    // Before: `key="`, `name: "`, `"name": "`.
    let mut j = open;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    if j == 0 || !matches!(b[j - 1], b'=' | b':') {
        return None;
    }
    j -= 1;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    if j > 0 && is_quote(b[j - 1]) {
        j -= 1;
    }
    let word_start = j - b[..j].iter().rev().take_while(|&&c| is_word(c)).count();
    let word = String::from_utf8_lossy(&b[word_start..j]).to_ascii_lowercase();
    if !PAIR_KEYS.contains(&word.as_str()) {
        return None;
    }
    // After: blanks, perhaps a comma and a line break, then `value=` or `"value":`.
    let mut k = after;
    let limit = b.len().min(after + 64);
    while k < limit && matches!(b[k], b' ' | b'\t' | b',' | b'\r' | b'\n') {
        k += 1;
    }
    // On a new line, a YAML list item continues without its dash.
    if b.get(k).copied().is_some_and(is_quote) {
        k += 1;
    }
    let value_word = run(b, k, |c| c.is_ascii_alphabetic());
    if !b[k..value_word].eq_ignore_ascii_case(b"value") {
        return None;
    }
    k = value_word;
    if b.get(k).copied().is_some_and(is_quote) {
        k += 1;
    }
    k = skip_blanks(b, k);
    if !matches!(b.get(k), Some(b'=' | b':')) {
        return None;
    }
    Some(skip_blanks(b, k + 1))
}

/// Where the value starts in `f("NAME", value)`: the quoted name opens at
/// `open` right after a `(` and closes before `after`.
fn setter_value(b: &[u8], open: usize, after: usize) -> Option<usize> {
    let mut j = open;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    if j == 0 || b[j - 1] != b'(' {
        return None;
    }
    let k = skip_blanks(b, after);
    (b.get(k) == Some(&b',')).then(|| skip_blanks(b, k + 1))
}

/// Verbs of a call that does something with a secret other than set it:
/// the literal it is passed is a name, a prompt or a test input.
static VERBS: WordList = WordList::new(
    "\
    add ask assert check compare create decode decrypt delete encode encrypt expect fetch \
    find format gen generate get has hash is issue load log lookup make mask new parse \
    print prompt read refresh remove render request reset revoke rotate scan sign split \
    store test to validate verify",
);

/// The quoted literal passed to `name(`, when the call sets the secret:
/// `setPassword("...")`, `withToken("...")`, `.password("...")`, and not
/// when it checks, fetches or parses one (`get_token("name")`).
fn call(
    text: &str,
    atoms: Atoms<'_>,
    name: &Name,
    start: usize,
    cache: &mut (usize, usize),
) -> Option<Span> {
    let b = text.as_bytes();
    // The method's own name: after the last `.` of `builder.apiKey`.
    let own = &b[name.start..name.end];
    let own = own
        .iter()
        .rposition(|&c| c == b'.')
        .map_or(own, |dot| &own[dot + 1..]);
    let verb = crate::names::words(own)
        .first()
        .map(|(_, w)| w.clone())
        .unwrap_or_default();
    if VERBS.has(&verb) || !b.get(start).copied().is_some_and(is_quote) {
        return None;
    }
    let value = parse_value(b, start, None, atoms, cache)?;
    if !value.quoted || !matches!(b.get(value.after), Some(b')' | b',')) {
        return None;
    }
    accept(text, atoms, name, &value, Operator::Equals, false)
}

/// The value of a CSV row `name,value,`: only a random-looking one, since
/// a comma after a name is far more often an argument list.
fn csv(text: &str, atoms: Atoms<'_>, name: &Name, start: usize) -> Option<Span> {
    let b = text.as_bytes();
    let end = run(b, start, |c| {
        !matches!(c, b',' | b'\n' | b'\r' | b'"' | b'\'' | b' ' | b'\t' | b';')
    });
    let at_end = b
        .get(end)
        .is_none_or(|&c| matches!(c, b',' | b'\n' | b'\r'));
    let value = &text[start..end];
    if !at_end
        || !looks_random(value)
        || find_bytes(value.as_bytes(), MARKER_OPEN.as_bytes()).is_some()
    {
        return None;
    }
    let value = Value {
        start,
        end,
        quoted: false,
        after: end,
    };
    accept(text, atoms, name, &value, Operator::Equals, true)
}

/// The value of `<name>value</name>`, whitespace around it left out.
fn element(text: &str, atoms: Atoms<'_>, name: &Name) -> Option<Span> {
    let b = text.as_bytes();
    let open_end = name.end + 1;
    let close = find_bytes(&b[open_end..b.len().min(open_end + 4096)], b"</")? + open_end;
    let inner = &b[open_end..close];
    if inner.contains(&b'<') || !b[close + 2..].starts_with(&b[name.start..name.end]) {
        return None;
    }
    let lead = inner.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let trail = inner
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    if lead + trail >= inner.len() {
        return None;
    }
    let value = Value {
        start: open_end + lead,
        end: close - trail,
        quoted: false,
        after: close,
    };
    accept(text, atoms, name, &value, Operator::Equals, true)
}

/// Where the value of a YAML block scalar (`token: |` or `>` and the value
/// on the next, deeper-indented line) starts.
fn block_scalar(b: &[u8], key_start: usize, at: usize) -> Option<usize> {
    if !matches!(b.get(at), Some(b'|' | b'>')) {
        return None;
    }
    let indicators = run(b, at + 1, |c| {
        matches!(c, b'-' | b'+') || c.is_ascii_digit()
    });
    let eol = skip_blanks(b, indicators);
    let next = match b.get(eol) {
        Some(b'\n') => eol + 1,
        Some(b'\r') if b.get(eol + 1) == Some(&b'\n') => eol + 2,
        _ => return None,
    };
    let line_start = b[..key_start]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |nl| nl + 1);
    let key_indent = skip_blanks(b, line_start) - line_start;
    let value_start = skip_blanks(b, next);
    (value_start - next > key_indent
        && b.get(value_start).is_some_and(|c| !c.is_ascii_whitespace()))
    .then_some(value_start)
}

/// Schemes of an `Authorization` header whose credential follows them.
const SCHEMES: [&str; 10] = [
    "token", "bot", "ssws", "apikey", "api-key", "key", "genie", "genikey", "splunk", "oauth",
];

/// The credential of an `Authorization` header. `Bearer` and `Basic`
/// credentials are found by their own rules; this names the others.
fn authorization(text: &str, atoms: Atoms<'_>, name: &Name, mut i: usize) -> Option<Span> {
    let b = text.as_bytes();
    if b.get(i).copied().is_some_and(is_quote) {
        i += 1;
    }
    let word_end = run(b, i, |c| c.is_ascii_alphanumeric() || c == b'-');
    let word = String::from_utf8_lossy(&b[i..word_end]).to_ascii_lowercase();
    let after_word = skip_blanks(b, word_end);
    let start = if after_word > word_end && SCHEMES.contains(&word.as_str()) {
        after_word
    } else if after_word > word_end || matches!(word.as_str(), "bearer" | "basic") {
        return None;
    } else {
        i
    };
    let end = run(b, start, |c| {
        c.is_ascii_alphanumeric() || b"._~+/=-:".contains(&c)
    });
    let credential = &text[start..end];
    if end - start < 8
        || is_placeholder(&credential.to_ascii_lowercase())
        || atoms.next_from(start).is_some_and(|a| a.span.start < end)
        || find_bytes(credential.as_bytes(), MARKER_OPEN.as_bytes()).is_some()
        || (start == i && !looks_random(credential))
    {
        return None;
    }
    let _ = name;
    Some(Span {
        start,
        end,
        kind: SecretKind::Bearer,
    })
}

/// Go and C-like declared types between a name and its `=`
/// (`var token string = "..."`).
const DECLARED_TYPES: [&str; 7] = [
    "string", "String", "str", "[]byte", "*string", "bytes", "&str",
];

/// The operator at `i`, if it assigns, and where the value may start.
fn operator(
    b: &[u8],
    i: usize,
    name: &Name,
    quoted_key: bool,
    atoms: Atoms<'_>,
) -> Option<(Operator, usize)> {
    let next = b.get(i + 1).copied();
    let equals_at = |at: usize| match b.get(at) {
        Some(b'=') if !matches!(b.get(at + 1), Some(b'=' | b'~' | b'>')) => {
            Some((Operator::Equals, at + 1))
        }
        _ => None,
    };
    match b.get(i)? {
        b'=' => match next {
            // `==`, `=~` compare; `=>` is a match arm unless the key is a
            // quoted hash key (PHP, Perl) or a Ruby symbol.
            Some(b'=' | b'~') => None,
            Some(b'>') => {
                let symbol = name.start >= 1
                    && b[name.start - 1] == b':'
                    && (name.start < 2 || b[name.start - 2] != b':');
                (quoted_key || symbol).then_some((Operator::Equals, i + 2))
            }
            _ => Some((Operator::Equals, i + 1)),
        },
        b':' => match next {
            // `::=` and `:::=` assign in Make; `::` alone is a path.
            Some(b':') => {
                let colons = run(b, i, |c| c == b':');
                (colons - i <= 3).then(|| equals_at(colons)).flatten()
            }
            Some(b'=') => Some((Operator::Equals, i + 2)),
            _ => Some(
                annotated(b, i + 1, atoms)
                    .map_or((Operator::Colon, i + 1), |after| (Operator::Equals, after)),
            ),
        },
        // `.=` (PHP), `+=`, `?=` (Make), `??=`, `||=`.
        b'.' | b'+' if next == Some(b'=') => equals_at(i + 1),
        b'?' if next == Some(b'=') => equals_at(i + 1),
        b'?' if next == Some(b'?') => equals_at(i + 2),
        b'|' if next == Some(b'|') => equals_at(i + 2),
        _ => {
            // `var token string = "..."`.
            let end = run(b, i, |c| {
                c.is_ascii_alphanumeric() || matches!(c, b'[' | b']' | b'*' | b'&')
            });
            let declared = std::str::from_utf8(&b[i..end])
                .ok()
                .is_some_and(|t| DECLARED_TYPES.contains(&t));
            let eq = skip_blanks(b, end);
            (declared && eq > end).then(|| equals_at(eq)).flatten()
        }
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
                r#"TOKEN := "k3y9-fq2a-77xq""#,
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
