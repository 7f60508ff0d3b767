//! Byte-scanning primitives shared by the detectors: runs, word boundaries,
//! overlapping regex matches.
//!
//! Offsets stay on char boundaries: a run starts on one and advances only
//! over bytes its predicate accepts, and every predicate, needle and pattern
//! the detectors use is ASCII, so every offset returned here is a char
//! boundary too and slicing the text with it cannot panic.

use regex::Regex;

/// Every match of `re` in `text`, including matches that begin inside an
/// earlier one: one anchor can start in the middle of another
/// (`glpat-----BEGIN`), and a name fragment in the middle of another.
pub(crate) fn find_overlapping<'t>(
    re: &'t Regex,
    text: &'t str,
) -> impl Iterator<Item = regex::Match<'t>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let found = re.find_at(text, at)?;
        // Every pattern starts with an ASCII byte, so one byte on is still a
        // char boundary.
        at = found.start() + 1;
        Some(found)
    })
}

/// The end of the run of bytes satisfying `pred` that starts at `from`.
pub(crate) fn run(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    from + b
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
}

/// Whether `c` is a byte of a word, for word boundaries.
pub(crate) fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether a token may start at `at` rather than mid-word.
pub(crate) fn word_starts(b: &[u8], at: usize) -> bool {
    at == 0 || !is_word(b[at - 1])
}

/// Skips spaces and tabs.
pub(crate) fn skip_blanks(b: &[u8], from: usize) -> usize {
    run(b, from, |c| c == b' ' || c == b'\t')
}

/// The first occurrence of `needle` in `hay`.
pub(crate) fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
