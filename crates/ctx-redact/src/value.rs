//! Assigned values: where one begins and ends (quoted, escaped, raw or
//! bare), and what is left of it once the finds inside it are taken out.
//!
//! Atoms (the shaped finds, and the values already accepted to the right)
//! and markers are stepped over whole, and a quoted scan is capped in steps
//! rather than bytes, so a later pass, which sees each atom as one marker,
//! finds the same extent and the same residue.

use std::borrow::Cow;
use std::cmp::Reverse;

use crate::Span;
use crate::marker::{marker_len, strip_markers};
use crate::scan::run;

/// A quote that may open a string or close a key.
pub(crate) fn is_quote(c: u8) -> bool {
    matches!(c, b'"' | b'\'' | b'`')
}

/// An assigned value's extent.
pub(crate) struct Value {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) quoted: bool,
    /// Just past the value and its closing quote.
    pub(crate) after: usize,
}

/// The value starting at `i`: quoted up to its closing quote, otherwise up
/// to whitespace, `,`, `;`, a quote or a closing bracket. A quote with no
/// closing quote on its line was most likely closing a string that the name
/// sat in (`print("token=" + t)`), so what follows it is read unquoted.
///
/// Markers and atoms are stepped over whole: a later pass sees each atom as
/// a marker, and the value must end in the same place then.
pub(crate) fn parse_value(
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
        } else if is_value_end(b[k]) || is_escape(b, k) {
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
pub(crate) struct Atom {
    pub(crate) span: Span,
    pub(crate) assigned: bool,
}

/// What later passes will see as markers: the shaped finds, and the
/// assignment values accepted so far (all of them right of the name being
/// judged).
#[derive(Clone, Copy)]
pub(crate) struct Atoms<'a> {
    /// Disjoint, by ascending start.
    pub(crate) shaped: &'a [Span],
    /// By descending start.
    pub(crate) assigned: &'a [Span],
}

impl Atoms<'_> {
    /// The first atom starting at or after `pos`.
    pub(crate) fn next_from(self, pos: usize) -> Option<Atom> {
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

/// An escape sequence of a string (`\n`, `\"`) at `k`: an unquoted value
/// inside a string ends there (`"X_TOKEN=v\nNEXT=1"` keeps `\nNEXT=1`).
fn is_escape(b: &[u8], k: usize) -> bool {
    b[k] == b'\\'
        && matches!(
            b.get(k + 1),
            Some(b'n' | b'r' | b't' | b'"' | b'\'' | b'`' | b'\\')
        )
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
pub(crate) fn residue<'t>(
    text: &'t str,
    start: usize,
    end: usize,
    atoms: Atoms<'_>,
) -> Cow<'t, str> {
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
