//! Token-exact splitting (`--split TOKENS`): a render's items, in order,
//! cut into parts that each hold at most TOKENS by the tokenizer's exact
//! count and are each a payload of the format on their own (XML parses,
//! JSON loads). Parts break between items; an item larger than a part is
//! cut at line boundaries into pieces labelled with their lines.
//!
//! The first part keeps the render's preamble (with `--tree`, the tree);
//! the others start with the format's plain one. A part's trailer states
//! its own total and hash, and lists nothing left out: what the render
//! left out is the render's, in its summary.

use std::borrow::Cow;

use serde::Serialize;

use ctx_model::{BlobHash, Format, Mode};

use super::Rendered;
use super::budget::{self, Bpe, Counter};
use super::format::{self, Label, Meta};
use super::hash::RenderHasher;
use crate::{EngineError, Result};

/// A split render.
#[derive(Debug, Serialize)]
pub struct Split {
    /// The most tokens a part holds.
    pub max_tokens: u64,
    pub parts: Vec<Part>,
    /// Items too large for one part, cut at line boundaries.
    pub cut: Vec<String>,
}

/// One part: a payload of its own.
#[derive(Debug, Serialize)]
pub struct Part {
    /// The tokenizer's exact count of the part.
    pub tokens: u64,
    /// Its items, by title (a piece of a cut item with its lines).
    pub items: Vec<String>,
    /// Its bytes, in pieces.
    #[serde(skip)]
    pub pieces: Vec<String>,
}

impl Part {
    /// The part's bytes.
    pub fn payload(&self) -> String {
        self.pieces.concat()
    }
}

/// An item (its body borrowed from the render), or a piece of one, to
/// place.
struct Piece<'a> {
    label: Label,
    body: Cow<'a, str>,
    hash: BlobHash,
    tokens: u64,
}

impl Rendered {
    /// The render cut into parts of at most `max` tokens each.
    pub fn split(&self, max: u64) -> Result<Split> {
        let counter = Bpe(self.tokenizer);
        let meta = Meta {
            packs: self.packs.clone(),
            budget: self.budget,
            tokenizer: self.tokenizer.as_str().into(),
        };
        let plain = format::preamble(self.format, &meta, None);
        let splitter = Splitter {
            format: self.format,
            counter: &counter,
            max,
        };
        let mut pieces = Vec::new();
        let mut cut = Vec::new();
        for item in &self.items {
            let body_tokens = item.tokens - counter.count(&item.head);
            let whole = Piece {
                label: item.label.clone(),
                body: Cow::Borrowed(&item.body),
                hash: item.hash,
                tokens: body_tokens,
            };
            if splitter.fits(&plain, std::slice::from_ref(&whole)) || item.form == Mode::Path {
                pieces.push(whole);
                continue;
            }
            cut.push(item.label.title());
            let content = format::escape(self.format)
                .unescape(&item.body[item.content.clone()])
                .map(|c| c.into_owned())
                .unwrap_or_default();
            pieces.extend(splitter.cut(&plain, &item.label, &content, item.form)?);
        }
        let mut parts = Vec::new();
        let mut rest = pieces.as_slice();
        while !rest.is_empty() || parts.is_empty() {
            let preamble = if parts.is_empty() {
                &self.preamble
            } else {
                &plain
            };
            let taken = splitter.take(preamble, rest);
            // A tree too large to share the first part with an item gets
            // a part of its own.
            if taken == 0 && parts.is_empty() && *preamble != plain && splitter.fits(preamble, &[])
            {
                parts.push(splitter.part(preamble, &[]));
                continue;
            }
            if taken == 0 && !rest.is_empty() {
                return Err(EngineError::SplitTooSmall {
                    max,
                    item: rest[0].label.title(),
                });
            }
            parts.push(splitter.part(preamble, &rest[..taken]));
            rest = &rest[taken..];
        }
        Ok(Split {
            max_tokens: max,
            parts,
            cut,
        })
    }
}

struct Splitter<'a> {
    format: Format,
    counter: &'a Bpe,
    max: u64,
}

impl Splitter<'_> {
    /// The frame of a part holding `pieces` after `preamble`: each
    /// piece's head, the trailer, and the part's exact count.
    fn frame(&self, preamble: &str, pieces: &[Piece]) -> (Vec<String>, String, u64) {
        let mut heads = Vec::with_capacity(pieces.len());
        let mut total = self.counter.count(preamble);
        let mut hasher = RenderHasher::new(self.format, self.counter.0);
        hasher.piece(preamble.as_bytes());
        for (i, p) in pieces.iter().enumerate() {
            let (head, head_tokens) =
                budget::head(self.format, self.counter, &p.label, i + 1, p.tokens);
            hasher.piece(head.as_bytes());
            hasher.body(p.body.len(), &p.hash);
            total += head_tokens + p.tokens;
            heads.push(head);
        }
        let hash = hasher.finish().to_string();
        let (trailer, trailer_tokens) =
            budget::trailer(self.format, self.counter, &[], None, total, &hash);
        (heads, trailer, total + trailer_tokens)
    }

    /// The part of `pieces` after `preamble`.
    fn part(&self, preamble: &str, pieces: &[Piece]) -> Part {
        let (heads, trailer, tokens) = self.frame(preamble, pieces);
        let mut out = vec![preamble.to_owned()];
        for (head, p) in heads.into_iter().zip(pieces) {
            out.push(head);
            out.push(p.body.as_ref().to_owned());
        }
        out.push(trailer);
        out.retain(|p| !p.is_empty());
        Part {
            tokens,
            items: pieces.iter().map(|p| p.label.title()).collect(),
            pieces: out,
        }
    }

    fn fits(&self, preamble: &str, pieces: &[Piece]) -> bool {
        self.frame(preamble, pieces).2 <= self.max
    }

    /// How many of `pieces`, from the first, fit in one part: grown one
    /// at a time while the estimate fits, then checked exactly.
    fn take(&self, preamble: &str, pieces: &[Piece]) -> usize {
        let frame = self.frame(preamble, &[]).2;
        let mut n = 0;
        let mut sum = frame;
        for (i, p) in pieces.iter().enumerate() {
            let (_, head) = budget::head(self.format, self.counter, &p.label, i + 1, p.tokens);
            if sum + head + p.tokens > self.max {
                break;
            }
            sum += head + p.tokens;
            n += 1;
        }
        // The trailer's count moves with the total's digits and the hash.
        while n > 0 && !self.fits(preamble, &pieces[..n]) {
            n -= 1;
        }
        n
    }

    /// `content` (an item's, as its body holds it) cut at line boundaries
    /// into pieces that each fit a part alone, labelled with their lines
    /// (an outline's lines are its own, so its pieces keep its label).
    fn cut(
        &self,
        plain: &str,
        label: &Label,
        content: &str,
        form: Mode,
    ) -> Result<Vec<Piece<'static>>> {
        let lines: Vec<&str> = content.split_inclusive('\n').collect();
        let first = label.lines.map_or(1, |(a, _)| a);
        let piece = |from: usize, to: usize| {
            let label = if form == Mode::Full {
                Label {
                    lines: Some((first + from as u32, first + to as u32 - 1)),
                    ..label.clone()
                }
            } else {
                label.clone()
            };
            let text: String = lines[from..to].concat();
            let body = format::body_in(self.format, &label, text, form);
            Piece {
                label,
                hash: BlobHash::of(body.text.as_bytes()),
                tokens: self.counter.count(&body.text),
                body: Cow::Owned(body.text),
            }
        };
        let mut pieces = Vec::new();
        let mut from = 0;
        while from < lines.len() {
            // The most lines from `from` that fit: a binary search.
            let (mut lo, mut hi) = (from, lines.len());
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                if self.fits(plain, std::slice::from_ref(&piece(from, mid))) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if lo == from {
                return Err(EngineError::SplitTooSmall {
                    max: self.max,
                    item: format!("{}, line {}", label.title(), first + from as u32),
                });
            }
            pieces.push(piece(from, lo));
            from = lo;
        }
        Ok(pieces)
    }
}
