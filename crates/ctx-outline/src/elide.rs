//! Which lines of a parsed file to elide: function bodies, comments past
//! their first paragraph, and in Rust the contents of test modules and of
//! constants' and statics' initializers.

use tree_sitter::{Node, Tree};

use crate::comment;
use crate::{Elision, Language};

/// The elisions for `tree`, the parse of `text` in `language`: sorted and
/// disjoint, each at least two lines.
pub(crate) fn elisions(language: Language, tree: &Tree, text: &str) -> Vec<Elision> {
    let kinds = language.function_kinds();
    let comments = language.comment_kinds();
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    // An iterative walk, because a recursive one would overflow the stack on
    // deeply nested input, which a fuzzer or a generated file will supply.
    'walk: loop {
        let node = cursor.node();
        let descend = if kinds.contains(&node.kind()) {
            match body_elision(language, node, text) {
                Body::Elide(elision) => {
                    out.push(elision);
                    false
                }
                Body::Unsure => false,
                Body::Keep => true,
            }
        } else if comments.contains(&node.kind()) {
            out.extend(comment::block_elision(comments, node, text));
            false
        } else if let Some(elision) = other_elision(language, node, text) {
            out.push(elision);
            false
        } else {
            true
        };
        if descend && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    // The tree already yields them in order and disjoint; this only guards
    // the promise if a grammar ever nests a function inside another's lines.
    out.sort_by_key(|e| e.first);
    let mut last = 0;
    out.retain(|e| {
        let ok = e.first > last;
        if ok {
            last = e.last;
        }
        ok
    });
    out
}

/// What to do with one function-like node.
enum Body {
    /// Elide these lines and skip what is inside them.
    Elide(Elision),
    /// Keep the body, and look inside it for more.
    Keep,
    /// The body has a parse error: keep it whole, nested functions included,
    /// since nothing in it is sure to be what it looks like.
    Unsure,
}

/// What is elided of a node that is neither a function nor a comment:
/// a Python module's or class's docstring past its first paragraph; in
/// Rust, a `#[cfg(test)]` module's contents and the inside of a constant's
/// or static's initializer of three lines or more (data, not shape).
fn other_elision(language: Language, node: Node<'_>, text: &str) -> Option<Elision> {
    match (language, node.kind()) {
        (Language::Python, "expression_statement") if is_docstring(node) => {
            let parent = node.parent()?;
            let owner = match parent.kind() {
                "module" => parent,
                "block" => parent.parent().filter(|p| p.kind() == "class_definition")?,
                _ => return None,
            };
            let first = first_statement(if owner.kind() == "module" {
                owner
            } else {
                parent
            })?;
            (first.id() == node.id()).then_some(())?;
            let (from, to) = comment::past_first_paragraph(node, text)?;
            lines(from, to)
        }
        (Language::Rust, "mod_item") if is_test_module(node, text) => {
            let (first, last) = braced_rows(node.child_by_field_name("body")?)?;
            lines(first, last)
        }
        (Language::Rust, "const_item" | "static_item") => {
            let value = node.child_by_field_name("value")?;
            if value.has_error() {
                return None;
            }
            let first = value.start_position().row.checked_add(1)?;
            let last = last_row(value)?.checked_sub(1)?;
            lines(first, last)
        }
        _ => None,
    }
}

/// The first statement of a module or block, comments aside.
fn first_statement(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .find(|c| c.kind() != "comment")
}

/// A Rust module marked `#[cfg(test)]` by one of the attributes before it.
fn is_test_module(module: Node<'_>, text: &str) -> bool {
    let mut at = module.prev_sibling();
    while let Some(node) = at {
        match node.kind() {
            "attribute_item" => {
                let attribute = node.utf8_text(text.as_bytes()).unwrap_or_default();
                let compact: String = attribute.split_whitespace().collect();
                if compact == "#[cfg(test)]" {
                    return true;
                }
            }
            "line_comment" | "block_comment" => {}
            _ => return false,
        }
        at = node.prev_sibling();
    }
    false
}

fn body_elision(language: Language, function: Node<'_>, text: &str) -> Body {
    let Some(body) = function.child_by_field_name("body") else {
        return Body::Keep;
    };
    if body.has_error() && !(language.is_preprocessed() && closes_in_line(function, body, text)) {
        return Body::Unsure;
    }
    let rows = if language.is_indented() {
        indented_rows(function, body, text)
    } else {
        braced_rows(body)
    };
    match rows.and_then(|(first, last)| lines(first, last)) {
        Some(elision) => Body::Elide(elision),
        None => Body::Keep,
    }
}

/// Whether a braced body ends with a real `}` that starts its line at the
/// indentation of the function's first line: in C and C++, where macros
/// the parser cannot expand put errors inside most large bodies, that
/// brace is still surely the body's own.
fn closes_in_line(function: Node<'_>, body: Node<'_>, text: &str) -> bool {
    let Some(close) = body.child(body.child_count().saturating_sub(1)) else {
        return false;
    };
    if close.kind() != "}" || close.is_missing() || body.child(0).is_none_or(|o| o.kind() != "{") {
        return false;
    }
    let indent = |node: Node<'_>| {
        let start = node
            .start_byte()
            .checked_sub(node.start_position().column)?;
        let line = text.get(start..)?;
        let width = line.len() - line.trim_start_matches([' ', '\t']).len();
        Some(width)
    };
    let Some(width) = indent(function) else {
        return false;
    };
    if indent(close) != Some(close.start_position().column) || indent(close) != Some(width) {
        return false;
    }
    // And every line between the braces is indented deeper than the
    // function, but for directives and labels: a recovery that ran the
    // body over the functions after it would show theirs at its level.
    let Some(inside) = text.get(body.start_byte()..close.start_byte()) else {
        return false;
    };
    inside.lines().skip(1).all(|line| {
        let trimmed = line.trim_start_matches([' ', '\t']);
        let label = trimmed.trim_end().ends_with(':') && !trimmed.contains(' ');
        trimmed.is_empty()
            || trimmed.starts_with('#')
            || label
            || line.len() - trimmed.len() > width
    })
}

/// The 0-based rows strictly between a `{ … }` body's braces, or None when
/// the body is not a braced block (an arrow function's expression, say).
fn braced_rows(body: Node<'_>) -> Option<(usize, usize)> {
    let count = body.child_count();
    let open = body.child(0)?;
    let close = body.child(count.checked_sub(1)?)?;
    if count < 2 || open.kind() != "{" || close.kind() != "}" || close.is_missing() {
        return None;
    }
    let first = open.end_position().row.checked_add(1)?;
    let last = close.start_position().row.checked_sub(1)?;
    Some((first, last))
}

/// The 0-based rows of a Python body after its `def …:` line and after a
/// leading docstring's first paragraph.
fn indented_rows(function: Node<'_>, body: Node<'_>, text: &str) -> Option<(usize, usize)> {
    let mut cursor = function.walk();
    let colon = function
        .children(&mut cursor)
        .take_while(|c| c.id() != body.id())
        .filter(|c| c.kind() == ":")
        .last()?;
    let header_end = colon.end_position().row;
    // A body that begins on the header's line (`def f(): return """…`) has no
    // line of its own to start from: eliding its tail would cut a statement.
    if body.start_position().row <= header_end {
        return None;
    }
    // From the line after the colon, not the body's first statement: only
    // comments and blank lines can sit between the two.
    let mut first = header_end.checked_add(1)?;
    let mut cursor = body.walk();
    let statement = body
        .named_children(&mut cursor)
        .find(|c| c.kind() != "comment");
    if let Some(doc) = statement.filter(|s| is_docstring(*s)) {
        first = match comment::paragraph_end(doc, text) {
            Some(row) => row,
            None => last_row(doc)?.checked_add(1)?,
        };
    }
    Some((first, last_row(body)?))
}

/// A statement that is just a string literal.
fn is_docstring(statement: Node<'_>) -> bool {
    statement.kind() == "expression_statement"
        && statement.named_child_count() == 1
        && statement
            .named_child(0)
            .is_some_and(|s| matches!(s.kind(), "string" | "concatenated_string"))
}

/// The row holding a node's last byte: its end position is one past, which
/// is column 0 of the next row when the node ends with a newline.
pub(crate) fn last_row(node: Node<'_>) -> Option<usize> {
    let end = node.end_position();
    if end.column == 0 && node.end_byte() > node.start_byte() {
        end.row.checked_sub(1)
    } else {
        Some(end.row)
    }
}

/// The 1-based elision of 0-based rows `first..=last`, if it is at least two
/// lines (a marker in place of one line saves nothing).
pub(crate) fn lines(first: usize, last: usize) -> Option<Elision> {
    if last < first.checked_add(1)? {
        return None;
    }
    Some(Elision {
        first: u32::try_from(first.checked_add(1)?).ok()?,
        last: u32::try_from(last.checked_add(1)?).ok()?,
    })
}
