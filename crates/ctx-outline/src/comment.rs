//! Comments in an outline: each comment block keeps its first paragraph
//! (the summary, which is what says what an item is) and the rest of it is
//! elided, as a body is. A block is one block comment, or a run of line
//! comments on consecutive lines that each start their line.

use tree_sitter::Node;

use crate::Elision;
use crate::elide::{last_row, lines};

/// The elision of the comment block `node` starts, or None when it
/// starts none (it continues one, or shares its line with code) or its
/// first paragraph is all of it.
pub(crate) fn block_elision(kinds: &[&str], node: Node<'_>, text: &str) -> Option<Elision> {
    let joins = |node: Node<'_>, next_row: usize| {
        kinds.contains(&node.kind())
            && starts_line(node, text)
            && last_row(node).and_then(|r| r.checked_add(1)) == Some(next_row)
    };
    if !starts_line(node, text)
        || node
            .prev_sibling()
            .is_some_and(|prev| joins(prev, node.start_position().row))
    {
        return None;
    }
    let mut last = node;
    while let Some(next) = last.next_sibling() {
        if !joins(last, next.start_position().row) || !kinds.contains(&next.kind()) {
            break;
        }
        if !starts_line(next, text) {
            break;
        }
        last = next;
    }
    let start = node.start_position().row;
    let (from, mut to) = past_first_paragraph_at(text, line_start(node)?, start, last_row(last)?)?;
    // Code after a block comment's end, on its last line, stays.
    // (A line comment's node may end with its newline: then nothing is.)
    let ends_line = text
        .get(..last.end_byte())
        .is_some_and(|t| t.ends_with('\n'));
    let rest = text.get(last.end_byte()..).unwrap_or_default();
    let rest = rest.split('\n').next().unwrap_or_default();
    if !ends_line && !rest.trim().is_empty() {
        to = to.min(last_row(last)?.checked_sub(1)?);
    }
    lines(from, to)
}

/// The rows of the docstring `node` past its first paragraph, keeping a
/// last line that only closes it (`"""`).
pub(crate) fn past_first_paragraph(node: Node<'_>, text: &str) -> Option<(usize, usize)> {
    past_first_paragraph_at(
        text,
        line_start(node)?,
        node.start_position().row,
        last_row(node)?,
    )
}

/// The row of the first blank line after the first paragraph of the
/// docstring `node`, if it has one.
pub(crate) fn paragraph_end(node: Node<'_>, text: &str) -> Option<usize> {
    paragraph_end_at(
        text,
        line_start(node)?,
        node.start_position().row,
        last_row(node)?,
    )
}

/// The byte where `node`'s first line starts.
fn line_start(node: Node<'_>) -> Option<usize> {
    node.start_byte().checked_sub(node.start_position().column)
}

fn past_first_paragraph_at(
    text: &str,
    at: usize,
    start: usize,
    end: usize,
) -> Option<(usize, usize)> {
    let from = paragraph_end_at(text, at, start, end)?;
    let last_line = text.get(at..)?.split_inclusive('\n').nth(end - start)?;
    let closes = matches!(last_line.trim(), "*/" | "**/" | "\"\"\"" | "'''");
    let to = if closes && end > from { end - 1 } else { end };
    Some((from, to))
}

fn paragraph_end_at(text: &str, at: usize, start: usize, end: usize) -> Option<usize> {
    let rows = text.get(at..)?.split_inclusive('\n').take(end - start + 1);
    let mut seen_text = false;
    for (i, line) in rows.enumerate() {
        match (is_blank(line), seen_text) {
            (false, _) => seen_text = true,
            (true, true) => return Some(start + i),
            (true, false) => {}
        }
    }
    None
}

/// Whether a comment line holds no words: only its markers (`//`, `///`,
/// `//!`, `#`, `*`, `/**`, `*/`, quotes) and whitespace.
fn is_blank(line: &str) -> bool {
    line.chars()
        .all(|c| c.is_whitespace() || matches!(c, '/' | '*' | '!' | '#' | '"' | '\''))
}

/// Whether only whitespace comes before `node` on its line.
fn starts_line(node: Node<'_>, text: &str) -> bool {
    line_start(node)
        .and_then(|from| text.get(from..node.start_byte()))
        .is_some_and(|before| before.chars().all(char::is_whitespace))
}
