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

use ctx_model::{
    ArtifactId, BlobHash, BodyForm, Format, Mode, PartBody, PartEntry, SnapshotItem, SnapshotSplit,
    SplitPart, SplitPiece,
};

use super::budget::{self, Bpe, Counter};
use super::format::{self, Label, Meta};
use super::hash::RenderHasher;
use super::{Included, Rendered};
use crate::{EngineError, Result};

/// A split render, or a snapshot's split: what the parts hold, and the
/// bodies to write them from.
#[derive(Debug)]
pub struct Split<'a> {
    pub summary: SplitSummary,
    /// The parts as bytes are kept: what a snapshot stores.
    pub(crate) record: SnapshotSplit,
    /// The bodies of the render's items, by index.
    items: Vec<&'a str>,
    /// The bodies of the pieces, by index.
    pieces: Vec<Cow<'a, str>>,
}

/// What a split's parts hold.
#[derive(Clone, Debug, Serialize)]
pub struct SplitSummary {
    /// The most tokens a part holds.
    pub max_tokens: u64,
    pub parts: Vec<Part>,
    /// Items too large for one part, cut at line boundaries.
    pub cut: Vec<String>,
}

/// One part, as the summary lists it.
#[derive(Clone, Debug, Serialize)]
pub struct Part {
    /// The tokenizer's exact count of the part.
    pub tokens: u64,
    /// Its items, by title (a piece of a cut item with its lines).
    pub items: Vec<String>,
}

impl<'a> Split<'a> {
    /// The split `record` with the bodies of its items and pieces;
    /// `title` names the item at an index.
    pub(crate) fn new(
        record: SnapshotSplit,
        items: Vec<&'a str>,
        pieces: Vec<Cow<'a, str>>,
        title: impl Fn(usize) -> String,
    ) -> Self {
        Self {
            summary: summary_of(&record, title),
            record,
            items,
            pieces,
        }
    }

    /// Part `n`'s bytes, in pieces.
    pub fn part_pieces(&self, n: usize) -> Vec<&[u8]> {
        let part = &self.record.parts[n];
        let mut out = Vec::with_capacity(part.entries.len() * 2 + 2);
        out.push(part.preamble.as_bytes());
        for entry in &part.entries {
            let body = match entry.body {
                PartBody::Item(i) => self.items[i as usize],
                PartBody::Piece(i) => &self.pieces[i as usize],
            };
            out.push(entry.head.as_bytes());
            out.push(body.as_bytes());
        }
        out.push(part.trailer.as_bytes());
        out
    }

    /// The pieces' bodies, with their hashes: the blobs a snapshot of the
    /// split keeps beside its items'.
    pub(crate) fn piece_blobs(&self) -> impl Iterator<Item = (BlobHash, &str)> {
        (self.record.pieces.iter())
            .zip(&self.pieces)
            .map(|(p, body)| (p.kept.body, body.as_ref()))
    }
}

/// What each part of `record` holds, by title, and the items cut;
/// `title` names the item at an index.
pub(crate) fn summary_of(record: &SnapshotSplit, title: impl Fn(usize) -> String) -> SplitSummary {
    let piece_title = |i: u32| {
        (record.pieces.get(i as usize))
            .map(|p| Label::from(&p.kept.origin).title())
            .unwrap_or_default()
    };
    let parts = (record.parts.iter())
        .map(|part| Part {
            tokens: part.tokens,
            items: (part.entries.iter())
                .map(|e| match e.body {
                    PartBody::Item(i) => title(i as usize),
                    PartBody::Piece(i) => piece_title(i),
                })
                .collect(),
        })
        .collect();
    let mut cut: Vec<u32> = record.pieces.iter().map(|p| p.item).collect();
    cut.dedup();
    SplitSummary {
        max_tokens: record.max_tokens,
        parts,
        cut: cut.into_iter().map(|i| title(i as usize)).collect(),
    }
}

/// An item (its body borrowed from the render), or a piece of one, to
/// place.
struct Piece<'a> {
    label: Label,
    artifact: ArtifactId,
    body: Cow<'a, str>,
    hash: BlobHash,
    tokens: u64,
    /// Where its body comes from: the render's item, or a piece (numbered
    /// in order).
    source: PartBody,
}

impl Rendered {
    /// The render cut into parts of at most `max` tokens each.
    pub fn split(&self, max: u64) -> Result<Split<'_>> {
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
        let mut cut_from = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let body_tokens = item.tokens - counter.count(&item.head);
            let whole = Piece {
                label: item.label.clone(),
                artifact: item.artifact,
                body: Cow::Borrowed(&item.body),
                hash: item.hash,
                tokens: body_tokens,
                source: PartBody::Item(i as u32),
            };
            if splitter.fits(&plain, std::slice::from_ref(&whole)) || item.form == Mode::Path {
                pieces.push(whole);
                continue;
            }
            let content = format::escape(self.format)
                .unescape(&item.body[item.content.clone()])
                .map(|c| c.into_owned())
                .unwrap_or_default();
            let cut = splitter.cut(&plain, item, &content, cut_from.len())?;
            cut_from.extend(std::iter::repeat_n(i as u32, cut.len()));
            pieces.extend(cut);
        }
        let mut parts = Vec::new();
        let mut kept: Vec<Option<SnapshotItem>> = vec![None; cut_from.len()];
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
            let tree_alone = parts.is_empty() && *preamble != plain && splitter.fits(preamble, &[]);
            if taken == 0 && !rest.is_empty() && !tree_alone {
                return Err(EngineError::SplitTooSmall {
                    max,
                    item: rest[0].label.title(),
                });
            }
            let placed = &rest[..taken];
            let part = splitter.part(preamble, placed);
            for ((entry, head_tokens), p) in part.1.iter().zip(placed) {
                if let PartBody::Piece(j) = p.source {
                    kept[j as usize] = Some(SnapshotItem {
                        origin: p.label.origin(p.artifact),
                        head: entry.clone(),
                        body: p.hash,
                        tokens: head_tokens + p.tokens,
                        form: BodyForm::Whole,
                    });
                }
            }
            parts.push(part.0);
            rest = &rest[taken..];
        }
        let record = SnapshotSplit {
            max_tokens: max,
            pieces: (cut_from.iter().zip(kept))
                .map(|(&item, kept)| SplitPiece {
                    item,
                    kept: kept.expect("BUG: every piece is placed in a part"),
                })
                .collect(),
            parts,
        };
        let bodies = (pieces.into_iter())
            .filter(|p| matches!(p.source, PartBody::Piece(_)))
            .map(|p| p.body)
            .collect();
        let items = self.items.iter().map(|i| i.body.as_str()).collect();
        Ok(Split::new(record, items, bodies, |i| {
            self.items[i].label.title()
        }))
    }
}

struct Splitter<'a> {
    format: Format,
    counter: &'a Bpe,
    max: u64,
}

impl Splitter<'_> {
    /// The frame of a part holding `pieces` after `preamble`: each
    /// piece's head with its count, the trailer, and the part's exact
    /// count.
    fn frame(&self, preamble: &str, pieces: &[Piece]) -> (Vec<(String, u64)>, String, u64) {
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
            heads.push((head, head_tokens));
        }
        let hash = hasher.finish().to_string();
        let (trailer, trailer_tokens) =
            budget::trailer(self.format, self.counter, &[], None, total, &hash);
        (heads, trailer, total + trailer_tokens)
    }

    /// The part of `pieces` after `preamble`, and each piece's head with
    /// its count.
    fn part(&self, preamble: &str, pieces: &[Piece]) -> (SplitPart, Vec<(String, u64)>) {
        let (heads, trailer, tokens) = self.frame(preamble, pieces);
        let mut bytes = vec![preamble.as_bytes()];
        for ((head, _), p) in heads.iter().zip(pieces) {
            bytes.push(head.as_bytes());
            bytes.push(p.body.as_bytes());
        }
        bytes.push(trailer.as_bytes());
        let part = SplitPart {
            preamble: preamble.to_owned(),
            entries: (heads.iter().zip(pieces))
                .map(|((head, _), p)| PartEntry {
                    head: head.clone(),
                    body: p.source,
                })
                .collect(),
            payload_bytes: bytes.iter().map(|b| b.len() as u64).sum(),
            payload_hash: ctx_model::payload_hash(bytes),
            trailer,
            tokens,
        };
        (part, heads)
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
    /// (an outline's lines are its own, so its pieces keep its label),
    /// numbered from `next`.
    fn cut(
        &self,
        plain: &str,
        item: &Included,
        content: &str,
        next: usize,
    ) -> Result<Vec<Piece<'static>>> {
        let (label, form) = (&item.label, item.form);
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
                artifact: item.artifact,
                hash: BlobHash::of(body.text.as_bytes()),
                tokens: self.counter.count(&body.text),
                body: Cow::Owned(body.text),
                source: PartBody::Piece(0),
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
            pieces.push(Piece {
                source: PartBody::Piece((next + pieces.len()) as u32),
                ..piece(from, lo)
            });
            from = lo;
        }
        Ok(pieces)
    }
}
