//! Line numbers (`--line-numbers`): each line of an item's content prefixed
//! with its number in the source file, so a range keeps its real numbers.

use std::fmt::Write as _;

/// `text` with each line prefixed by its number, counting from `first`,
/// right-aligned to the widest number and followed by `| `. Line endings
/// (`\n` or `\r\n`) are kept as they are, and so is a missing final one.
pub(super) fn numbered(text: &str, first: u32) -> String {
    if text.is_empty() {
        return String::new();
    }
    let count = text.split_inclusive('\n').count();
    let last = u64::from(first) + count as u64 - 1;
    let width = digits(last);
    let mut out = String::with_capacity(text.len() + count * (width + 2));
    for (n, line) in (u64::from(first)..).zip(text.split_inclusive('\n')) {
        let _ = write!(out, "{n:>width$}| ");
        out.push_str(line);
    }
    out
}

/// The text of `outline` (kept lines and one marker per elision, in
/// order) with each kept line numbered as in the source, from 1; a marker
/// line gets blanks where a number would be.
pub(super) fn numbered_outline(text: &str, outline: &ctx_outline::Outline) -> String {
    if text.is_empty() {
        return String::new();
    }
    let elided: u64 = outline
        .elided
        .iter()
        .map(|e| u64::from(e.last - e.first + 1))
        .sum();
    let shown = text.split_inclusive('\n').count() as u64;
    let last = shown - outline.elided.len() as u64 + elided;
    let width = digits(last);
    let mut out = String::with_capacity(text.len() + shown as usize * (width + 2));
    let mut elisions = outline.elided.iter().peekable();
    let mut n: u64 = 1;
    for line in text.split_inclusive('\n') {
        match elisions.peek() {
            Some(e) if u64::from(e.first) == n => {
                let _ = write!(out, "{:>width$}| ", "");
                n = u64::from(e.last) + 1;
                elisions.next();
            }
            _ => {
                let _ = write!(out, "{n:>width$}| ");
                n += 1;
            }
        }
        out.push_str(line);
    }
    out
}

fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_endings_and_numbers_align() {
        assert_eq!(numbered("a\nb", 1), "1| a\n2| b");
        assert_eq!(numbered("a\r\n\nc\n", 9), " 9| a\r\n10| \n11| c\n");
        assert_eq!(numbered("", 5), "");
        assert_eq!(numbered("x\n", 100), "100| x\n");
    }

    proptest::proptest! {
        /// Taking the prefixes off gives the text back, line for line.
        #[test]
        fn numbering_loses_nothing(text in "[a-z \r\n|]{0,80}", first in 1u32..2000) {
            let out = numbered(&text, first);
            let back: String = out
                .split_inclusive('\n')
                .map(|l| l.split_once("| ").map_or(l, |(_, rest)| rest))
                .collect();
            proptest::prop_assert_eq!(back, text);
        }
    }
}
