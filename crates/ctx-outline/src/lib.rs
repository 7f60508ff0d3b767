//! Code outlines: a file with its imports, type definitions, signatures and
//! the first paragraph of each comment kept and its function bodies (and
//! the rest of each comment) elided, for prompts that need the shape of a
//! file rather than all of it.
//!
//! An outline is line-granular: every kept line is the source line verbatim
//! and each elided run of lines becomes one marker line naming the lines it
//! replaces, so an outline never corrupts code, only drops whole lines and
//! says which. Bodies are found with tree-sitter; a body with a parse error
//! in it is kept whole, since nothing in it is sure to be what it looks like
//! (in C and C++, unless its closing brace is surely its own), while the
//! sound parts of the same file are still outlined.
//!
//! Nothing here performs I/O, prints or reads the environment. The modules:
//! `language` maps paths to languages and languages to grammars, `elide`
//! finds the lines to elide in a parse tree (`comment`, those of comments),
//! `render` writes an outline's
//! text and `codec` its cache encoding. This file parses, with one parser
//! per language per thread.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

mod codec;
mod comment;
mod elide;
mod language;
mod render;

use std::cell::RefCell;

pub use language::Language;

/// Bumped whenever what `outline` returns for the same input changes (cache key).
pub const OUTLINE_VERSION: u32 = 2;

/// Lines elided from a file: 1-based inclusive line numbers, sorted, disjoint, never adjacent-merged incorrectly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The elided runs, in order.
    pub elided: Vec<Elision>,
}

/// One elided run of lines, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elision {
    /// The first elided line.
    pub first: u32,
    /// The last elided line.
    pub last: u32,
}

thread_local! {
    // Building a parser is cheap but not free, and outlines run file after
    // file on the same pool threads: each thread keeps one per language.
    static PARSERS: RefCell<[Option<tree_sitter::Parser>; 9]> = const {
        RefCell::new([None, None, None, None, None, None, None, None, None])
    };
}

/// The outline of `text`, or None when it cannot be parsed at all or elides nothing.
pub fn outline(language: Language, text: &str) -> Option<Outline> {
    let tree = parse(language, text)?;
    let elided = elide::elisions(language, &tree, text);
    if elided.is_empty() {
        None
    } else {
        Some(Outline { elided })
    }
}

fn parse(language: Language, text: &str) -> Option<tree_sitter::Tree> {
    PARSERS.with(|parsers| {
        // A re-entrant call cannot happen (nothing here calls back out), but
        // failing to borrow is still an outline not made, never a panic.
        let mut parsers = parsers.try_borrow_mut().ok()?;
        let slot = parsers.get_mut(language.index())?;
        if slot.is_none() {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&language.grammar()).ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        let tree = parser.parse(text, None);
        // A parse that stopped partway leaves state behind for the next one.
        if tree.is_none() {
            parser.reset();
        }
        tree
    })
}

impl Outline {
    /// The outline's text: kept lines verbatim (with their original line endings), each elision as one marker line
    /// `{indent}… lines {first}-{last}\n` where indent is the leading whitespace of the first non-blank elided line.
    pub fn text(&self, source: &str) -> String {
        render::text(&self.elided, source)
    }

    /// Compact, stable byte encoding for a cache, and its inverse (None on malformed bytes).
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(&self.elided)
    }

    /// The outline `encode` wrote, or None when `bytes` are not one.
    pub fn decode(bytes: &[u8]) -> Option<Outline> {
        codec::decode(bytes).map(|elided| Outline { elided })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_indexed_in_order() {
        for (i, language) in Language::ALL.iter().enumerate() {
            assert_eq!(language.index(), i);
        }
    }
}
