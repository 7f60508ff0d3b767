//! The budget phase: choosing what fits and framing the payload around it,
//! exactly.
//!
//! Items are taken in render order; one that does not fit is left out and
//! later, smaller items may still fit. The frame's own cost (preamble,
//! trailer, the heads of the items) depends on what is chosen, and in JSON
//! a head and the trailer state token counts that include themselves, so
//! the fit is found in rounds: items are fitted against the budget less a
//! reservation for the frame, the exact total is computed, and if it is
//! over, the reservation grows by the excess and fitting runs again. The
//! last round is at or under the budget (at worst, the empty payload).
//!
//! Counting goes through [`Counter`], so the arithmetic is tested with a
//! counter that needs no tokenizer.

use ctx_model::{BlobHash, ExclusionReason, Fit, Format, TokenizerKind};

use super::format::{self, Label, Meta, TrailerExclusion};
use super::forms::{Candidate, Shape};
use super::hash::RenderHasher;
use super::since::{Base, Since};
use super::tree;
use super::{Excluded, Included};
use crate::tokenize;

/// Counts the tokens of one piece of the payload.
pub(crate) trait Counter {
    /// The count of `text`; an empty text counts 0.
    fn count(&self, text: &str) -> u64;
}

/// The real tokenizer; the empty pieces most formats have need no
/// tokenizer at all.
pub(crate) struct Bpe(pub TokenizerKind);

impl Counter for Bpe {
    fn count(&self, text: &str) -> u64 {
        if text.is_empty() {
            0
        } else {
            u64::from(tokenize::count(self.0, text))
        }
    }
}

/// Which of the items, costing `costs` tokens each, fit in `available`,
/// taken greedily in order.
pub(crate) fn fit(costs: &[u64], available: u64) -> Vec<bool> {
    let mut left = available;
    costs
        .iter()
        .map(|&cost| {
            let fits = cost <= left;
            if fits {
                left -= cost;
            }
            fits
        })
        .collect()
}

/// The form each item takes (an index into its `costs`, least to fullest),
/// or `None` when it is left out. Dropping takes each item's fullest form
/// greedily in order; degrading first gives every item its cheapest form,
/// in order, then upgrades items in order to the fullest form that still
/// fits, so an item is reduced before any item ahead of it loses anything.
///
/// A fuller form is not always dearer: the path line of an empty file
/// costs more than the file whole, so the cheapest form is found by cost,
/// the fullest of equals winning.
pub(crate) fn choose(costs: &[Vec<u64>], available: u64, policy: Fit) -> Vec<Option<usize>> {
    match policy {
        Fit::Drop => {
            let fullest: Vec<u64> = costs
                .iter()
                .map(|c| c.last().copied().unwrap_or(0))
                .collect();
            fit(&fullest, available)
                .into_iter()
                .zip(costs)
                .map(|(fits, c)| fits.then(|| c.len() - 1))
                .collect()
        }
        Fit::Degrade => {
            let cheapest: Vec<Option<usize>> = costs
                .iter()
                .map(|c| (0..c.len()).rev().min_by_key(|&f| c[f]))
                .collect();
            let cost = |i: usize, f: Option<usize>| f.map_or(0, |f| costs[i][f]);
            let base: Vec<u64> = (0..costs.len()).map(|i| cost(i, cheapest[i])).collect();
            let mut left = available;
            let mut chosen: Vec<Option<usize>> = fit(&base, available)
                .into_iter()
                .zip(cheapest)
                .zip(&base)
                .map(|((fits, form), &cost)| {
                    if fits {
                        left -= cost;
                    }
                    form.filter(|_| fits)
                })
                .collect();
            for (choice, c) in chosen.iter_mut().zip(costs) {
                let Some(from) = *choice else { continue };
                // Every form costs at least the cheapest, so `extra` is the
                // exact price of the upgrade.
                let extra = |f: usize| c[f] - c[from];
                if let Some(better) = (from + 1..c.len()).rev().find(|&f| extra(f) <= left) {
                    left -= extra(better);
                    *choice = Some(better);
                }
            }
            chosen
        }
    }
}

/// What a render is assembled into, and how it is counted.
pub(super) struct Frame<'a, C> {
    pub format: Format,
    /// The tokenizer the render hash names.
    pub kind: TokenizerKind,
    pub counter: &'a C,
    pub meta: &'a Meta,
    pub budget: u64,
    /// What a `--since` render starts from.
    pub since: Option<&'a Base>,
    /// Leave items out, or show less of them, to fit.
    pub fit: Fit,
    /// Put a tree of the items' paths at the top.
    pub tree: bool,
}

/// The payload, its count and hash, and what went in and out.
pub(super) struct Assembled {
    pub preamble: String,
    pub trailer: String,
    pub tokens: u64,
    pub hash: BlobHash,
    pub items: Vec<Included>,
    pub excluded: Vec<Excluded>,
    /// Set when even the empty frame does not fit the budget (the payload
    /// is then empty): the frame's size in tokens.
    pub frame_over_budget: Option<u64>,
    /// With `since`: what the payload leaves to the snapshot.
    pub since: Option<Since>,
}

/// Fits the budget and assembles the payload: `candidates` are the items
/// that may go in, in render order, each in the forms it may take;
/// `excluded` are the units already left out, which the trailer lists too.
pub(super) fn assemble<C: Counter>(
    frame: &Frame<'_, C>,
    candidates: Vec<Candidate>,
    mut excluded: Vec<Excluded>,
) -> Assembled {
    let Frame {
        format,
        counter,
        budget,
        ..
    } = *frame;
    // A head's cost hardly depends on its index or count; estimate with
    // generous values and let the exact pass correct any excess.
    let n = candidates.len();
    let costs: Vec<Vec<u64>> = candidates
        .iter()
        .map(|c| {
            c.forms
                .iter()
                .map(|s| {
                    let estimate = s.tokens * 2 + 1000;
                    counter.count(&format::head(format, &s.framed.label, n + 1, estimate))
                        + s.tokens
                })
                .collect()
        })
        .collect();
    let placeholder_hash = "0".repeat(64);
    let everything: Vec<Option<usize>> =
        candidates.iter().map(|c| Some(c.forms.len() - 1)).collect();
    let mut reserve = counter.count(&preamble(frame, &candidates, &everything, &excluded))
        + counter.count(&format::trailer(
            format,
            &[],
            frame.since.map(|b| b.since([])).as_ref(),
            budget,
            &placeholder_hash,
        ));
    loop {
        let chosen = choose(&costs, budget.saturating_sub(reserve), frame.fit);
        let attempt = exact(frame, &candidates, &chosen, &excluded);
        if attempt.tokens <= budget {
            return finish(attempt, candidates, &chosen, excluded);
        }
        if chosen.iter().all(Option::is_none) {
            // Even the empty frame does not fit: an empty payload does.
            let frame_tokens = attempt.tokens;
            let mut empty = finish(attempt, candidates, &chosen, std::mem::take(&mut excluded));
            empty.preamble.clear();
            empty.trailer.clear();
            empty.tokens = 0;
            empty.hash = RenderHasher::new(format, frame.kind).finish();
            empty.frame_over_budget = Some(frame_tokens);
            return empty;
        }
        reserve += attempt.tokens - budget;
    }
}

/// The payload with every candidate in its fullest form, if that fits by
/// the exact count; else the candidates back. Under degrade this comes
/// first: the estimates [`assemble`] chooses by could reduce an item that
/// fits.
pub(super) fn assemble_fullest<C: Counter>(
    frame: &Frame<'_, C>,
    candidates: Vec<Candidate>,
    excluded: Vec<Excluded>,
) -> Result<Assembled, (Vec<Candidate>, Vec<Excluded>)> {
    let everything: Vec<Option<usize>> =
        candidates.iter().map(|c| Some(c.forms.len() - 1)).collect();
    let attempt = exact(frame, &candidates, &everything, &excluded);
    if attempt.tokens > frame.budget {
        return Err((candidates, excluded));
    }
    Ok(finish(attempt, candidates, &everything, excluded))
}

/// What comes before the first item, for a choice of items: with a tree,
/// the tree marks what is left out and what is shown in less than whole.
fn preamble<C>(
    frame: &Frame<'_, C>,
    candidates: &[Candidate],
    chosen: &[Option<usize>],
    excluded: &[Excluded],
) -> String {
    let tree = frame.tree.then(|| {
        let entries = candidates
            .iter()
            .zip(chosen)
            .map(|(c, choice)| match choice {
                Some(f) => {
                    let form = c.forms[*f].framed.form;
                    (&c.fullest().framed.label, tree::Mark::Shown(form))
                }
                None => (
                    &c.fullest().framed.label,
                    tree::Mark::LeftOut(ExclusionReason::OverBudget),
                ),
            })
            .chain(
                excluded
                    .iter()
                    .map(|e| (&e.label, tree::Mark::LeftOut(e.reason))),
            );
        tree::draw(entries)
    });
    format::preamble(
        frame.format,
        frame.meta,
        tree.as_deref().filter(|t| !t.is_empty()),
    )
}

/// One exact assembly for a choice of items: the framing around the
/// chosen bodies, without copying them.
struct Attempt {
    preamble: String,
    heads: Vec<String>,
    trailer: String,
    since: Option<Since>,
    item_tokens: Vec<u64>,
    tokens: u64,
    hash: BlobHash,
}

fn exact<C: Counter>(
    frame: &Frame<'_, C>,
    candidates: &[Candidate],
    chosen: &[Option<usize>],
    excluded: &[Excluded],
) -> Attempt {
    let Frame {
        format, counter, ..
    } = *frame;
    let preamble = preamble(frame, candidates, chosen, excluded);
    let mut heads = Vec::new();
    let mut item_tokens = Vec::new();
    let mut total = counter.count(&preamble);
    let mut hasher = RenderHasher::new(format, frame.kind);
    hasher.piece(preamble.as_bytes());
    for shape in shown(candidates, chosen) {
        let index = heads.len() + 1;
        let label = &shape.framed.label;
        let (head, head_tokens) = head(format, counter, label, index, shape.tokens);
        hasher.piece(head.as_bytes());
        hasher.body(shape.framed.body.len(), &shape.framed.hash);
        item_tokens.push(head_tokens + shape.tokens);
        total += head_tokens + shape.tokens;
        heads.push(head);
    }
    let hash = hasher.finish();
    let hash_hex = hash.to_string();
    let left_out = trailer_exclusions(candidates, chosen, excluded);
    let since = frame
        .since
        .map(|base| base.since(shown(candidates, chosen).map(|s| &s.framed.label)));
    let (trailer, trailer_tokens) =
        trailer(format, counter, &left_out, since.as_ref(), total, &hash_hex);
    Attempt {
        preamble,
        heads,
        trailer,
        since,
        item_tokens,
        tokens: total + trailer_tokens,
        hash,
    }
}

/// The chosen form of each item that goes in, in order.
fn shown<'a>(
    candidates: &'a [Candidate],
    chosen: &'a [Option<usize>],
) -> impl Iterator<Item = &'a Shape> {
    candidates
        .iter()
        .zip(chosen)
        .filter_map(|(c, choice)| choice.map(|f| &c.forms[f]))
}

/// The trailer after items counting `total` tokens, and its count. The
/// JSON trailer states the payload's total, itself included: a fixed point.
pub(super) fn trailer<C: Counter>(
    format: Format,
    counter: &C,
    left_out: &[TrailerExclusion<'_>],
    since: Option<&Since>,
    total: u64,
    render_hash: &str,
) -> (String, u64) {
    let mut tokens = 0;
    loop {
        let trailer = format::trailer(format, left_out, since, total + tokens, render_hash);
        let t = counter.count(&trailer);
        if t == tokens {
            return (trailer, t);
        }
        tokens = t;
    }
}

/// The head of the item at `index` and its count. A head that states the
/// item's own count is found as a fixed point: the count only grows with
/// the number's digits, so this ends.
pub(super) fn head<C: Counter>(
    format: Format,
    counter: &C,
    label: &Label,
    index: usize,
    body: u64,
) -> (String, u64) {
    let mut head = format::head(format, label, index, body);
    let mut tokens = counter.count(&head);
    if format::head_counts_itself(format) {
        loop {
            let next = format::head(format, label, index, body + tokens);
            let next_tokens = counter.count(&next);
            head = next;
            if next_tokens == tokens {
                break;
            }
            tokens = next_tokens;
        }
    }
    (head, tokens)
}

/// Everything left out, in render order, as the trailer lists it.
fn trailer_exclusions<'a>(
    candidates: &'a [Candidate],
    chosen: &[Option<usize>],
    excluded: &'a [Excluded],
) -> Vec<TrailerExclusion<'a>> {
    let mut left_out: Vec<(usize, TrailerExclusion<'_>)> = candidates
        .iter()
        .zip(chosen)
        .filter(|(_, choice)| choice.is_none())
        .map(|(c, _)| {
            let fullest = c.fullest();
            let e = TrailerExclusion {
                label: &fullest.framed.label,
                reason: ExclusionReason::OverBudget,
                tokens: Some(fullest.tokens),
            };
            (fullest.framed.order, e)
        })
        .chain(excluded.iter().map(|e| {
            let t = TrailerExclusion {
                label: &e.label,
                reason: e.reason,
                tokens: e.tokens,
            };
            (e.order, t)
        }))
        .collect();
    left_out.sort_by_key(|(order, _)| *order);
    left_out.into_iter().map(|(_, e)| e).collect()
}

/// Moves the chosen bodies into the payload and sorts items into included
/// and left out.
fn finish(
    attempt: Attempt,
    candidates: Vec<Candidate>,
    chosen: &[Option<usize>],
    mut excluded: Vec<Excluded>,
) -> Assembled {
    let mut items = Vec::new();
    let mut over = Vec::new();
    let mut heads = attempt.heads.into_iter();
    let mut sizes = attempt.item_tokens.into_iter();
    for (mut c, &choice) in candidates.into_iter().zip(chosen) {
        let whole = c.whole;
        match choice {
            Some(f) => {
                let shape = c.forms.swap_remove(f);
                let f = shape.framed;
                items.push(Included {
                    artifact: f.artifact,
                    label: f.label,
                    form: f.form,
                    saved: whole.saturating_sub(shape.tokens),
                    tokens: sizes.next().unwrap_or(shape.tokens),
                    redactions: f.redactions,
                    head: heads.next().unwrap_or_default(),
                    body: f.body,
                    content: f.content,
                    hash: f.hash,
                });
            }
            None => {
                let shape = c.forms.pop().expect("BUG: a candidate has a form");
                over.push(Excluded {
                    order: shape.framed.order,
                    artifact: shape.framed.artifact,
                    label: shape.framed.label,
                    reason: ExclusionReason::OverBudget,
                    tokens: Some(shape.tokens),
                });
            }
        }
    }
    over.append(&mut excluded);
    over.sort_by_key(|e| e.order);
    Assembled {
        since: attempt.since,
        preamble: attempt.preamble,
        trailer: attempt.trailer,
        tokens: attempt.tokens,
        hash: attempt.hash,
        items,
        excluded: over,
        frame_over_budget: None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use ctx_model::ArtifactId;

    use super::*;
    use crate::render::frame::Framed;

    /// The item framed whole, and under `Degrade` by its path line too.
    fn candidate(whole: Framed, format: Format, policy: Fit) -> Candidate {
        let tokens = Thirds.count(&whole.body);
        let mut forms = Vec::new();
        if policy == Fit::Degrade {
            let body = format::path_body(format, &whole.label, tokens);
            forms.push(Shape {
                tokens: Thirds.count(&body.text),
                framed: Framed {
                    form: ctx_model::Mode::Path,
                    label: whole.label.clone(),
                    hash: BlobHash::of(body.text.as_bytes()),
                    body: body.text,
                    content: body.content,
                    ..framed(whole.order, format, "")
                },
            });
        }
        forms.push(Shape {
            framed: whole,
            tokens,
        });
        Candidate {
            forms,
            whole: tokens,
        }
    }

    #[test]
    fn degrading_reduces_later_items_before_earlier_ones_lose_anything() {
        // Path lines cost 1, whole texts cost 5: at 12, all three get a
        // path line (3), then the first two are upgraded (4 + 4), and the
        // third keeps its path line.
        let costs = vec![vec![1, 5], vec![1, 5], vec![1, 5]];
        assert_eq!(
            choose(&costs, 12, Fit::Degrade),
            [Some(1), Some(1), Some(0)]
        );
        assert_eq!(choose(&costs, 12, Fit::Drop), [Some(1), Some(1), None]);
        // An item is left out only when its path line does not fit.
        assert_eq!(choose(&costs, 2, Fit::Degrade), [Some(0), Some(0), None]);
        // A middle form is taken when the whole does not fit.
        let costs = vec![vec![1, 3, 9]];
        assert_eq!(choose(&costs, 5, Fit::Degrade), [Some(1)]);
    }

    #[test]
    fn a_whole_cheaper_than_its_path_line_is_the_cheapest_form() {
        // Empty files: the whole body (3) costs less than the path line
        // (4). Each goes in whole, and the third still fits.
        let costs = vec![vec![4, 3], vec![4, 3], vec![4, 3]];
        assert_eq!(choose(&costs, 9, Fit::Degrade), [Some(1), Some(1), Some(1)]);
        // An outline dearer than the whole is passed over for it.
        let costs = vec![vec![2, 7, 5]];
        assert_eq!(choose(&costs, 6, Fit::Degrade), [Some(2)]);
        assert_eq!(choose(&costs, 4, Fit::Degrade), [Some(0)]);
    }

    #[test]
    fn later_smaller_items_still_fit() {
        assert_eq!(fit(&[5, 10, 3, 2], 10), [true, false, true, true]);
        assert_eq!(fit(&[0, 1], 0), [true, false]);
        assert_eq!(fit(&[], 5), Vec::<bool>::new());
    }

    /// A stand-in tokenizer: one token per three bytes, rounded up. Like a
    /// real one, it grows with the text, so the fixed points exist.
    struct Thirds;

    impl Counter for Thirds {
        fn count(&self, text: &str) -> u64 {
            text.len().div_ceil(3) as u64
        }
    }

    fn label(i: usize) -> Label {
        Label {
            pack: "p".into(),
            source: format!("glob:src/**/*.rs #{i}"),
            path: Some(format!("src/file{i}.rs")),
            lines: i.is_multiple_of(3).then_some((1, i as u32 + 1)),
        }
    }

    fn framed(order: usize, format: Format, text: &str) -> Framed {
        let label = label(order);
        let body = format::body(format, &label, text.to_owned());
        let artifact = ArtifactId(order as u64 + 1);
        Framed::new(order, artifact, label, ctx_model::Mode::Full, body)
    }

    fn reason() -> impl Strategy<Value = ExclusionReason> {
        proptest::sample::select(ExclusionReason::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// For any items, format and budget: the payload fits the budget,
        /// its reported total is the sum of its counted pieces, every item
        /// is either in or out, and every item left out carries its reason.
        #[test]
        fn the_fit_is_exact_and_accounts_for_everything(
            texts in proptest::collection::vec("[a-z \n{}`<>\"]{0,120}", 0..12),
            gone in proptest::collection::vec((0usize..12, reason()), 0..4),
            format in proptest::sample::select(Format::ALL.to_vec()),
            budget in 0u64..600,
            policy in proptest::sample::select(Fit::ALL.to_vec()),
            tree in proptest::bool::ANY,
        ) {
            let n = texts.len() + gone.len();
            // Units already left out sit at their own positions among the rest.
            let mut gone_at: Vec<(usize, ExclusionReason)> = gone
                .iter()
                .map(|&(at, reason)| (at % n.max(1), reason))
                .collect();
            gone_at.sort_by_key(|(at, _)| *at);
            gone_at.dedup_by_key(|(at, _)| *at);
            let mut candidates = Vec::new();
            let mut excluded = Vec::new();
            let mut texts = texts.iter();
            for order in 0..n {
                if let Some(&(_, reason)) = gone_at.iter().find(|(at, _)| *at == order) {
                    excluded.push(Excluded {
                        order,
                        artifact: ArtifactId(order as u64 + 1),
                        label: label(order),
                        reason,
                        tokens: None,
                    });
                } else if let Some(text) = texts.next() {
                    candidates.push(framed(order, format, text));
                }
            }
            let before_out = excluded.clone();
            let total_units = candidates.len() + excluded.len();
            let candidates: Vec<Candidate> = candidates
                .into_iter()
                .map(|f| candidate(f, format, policy))
                .collect();
            // What each item's path line costs on its own, by its order.
            let path_costs: Vec<(usize, u64)> = candidates
                .iter()
                .map(|c| (c.forms[0].framed.order, c.forms[0].tokens))
                .collect();
            let meta = Meta { packs: vec!["p".into()], budget, tokenizer: "o200k".into() };
            let frame = Frame { format, kind: TokenizerKind::O200k, counter: &Thirds, meta: &meta, budget, since: None, fit: policy, tree };
            let out = assemble(&frame, candidates, excluded);

            // Degraded, an item is left out only when its path line does
            // not fit in what the payload leaves of the budget (exactly
            // so where heads and the frame do not depend on the choice).
            if policy == Fit::Degrade && !tree && matches!(format, Format::Markdown | Format::Plain) {
                for e in out.excluded.iter().filter(|e| e.reason == ExclusionReason::OverBudget) {
                    // Units left out before the fit are no candidates.
                    let Some((_, cost)) = path_costs.iter().find(|(o, _)| *o == e.order) else {
                        continue;
                    };
                    prop_assert!(out.tokens + cost > budget, "{} left out with its path line fitting", e.order);
                }
            }

            prop_assert!(out.tokens <= budget, "{} tokens over a budget of {budget}", out.tokens);
            let pieces = std::iter::once(out.preamble.as_str())
                .chain(out.items.iter().flat_map(|i| [i.head.as_str(), i.body.as_str()]))
                .chain(std::iter::once(out.trailer.as_str()));
            let counted: u64 = pieces.map(|p| Thirds.count(p)).sum();
            prop_assert_eq!(out.tokens, counted);
            for item in &out.items {
                prop_assert_eq!(item.tokens, Thirds.count(&item.head) + Thirds.count(&item.body));
            }
            prop_assert_eq!(out.items.len() + out.excluded.len(), total_units);
            let orders: Vec<usize> = out.excluded.iter().map(|e| e.order).collect();
            prop_assert!(orders.windows(2).all(|w| w[0] < w[1]), "exclusions out of order");
            for e in &out.excluded {
                match before_out.iter().find(|b| b.order == e.order) {
                    Some(b) => prop_assert_eq!(e.reason, b.reason),
                    None => prop_assert_eq!(e.reason, ExclusionReason::OverBudget),
                }
            }
            if out.frame_over_budget.is_some() {
                prop_assert!(out.items.is_empty() && out.tokens == 0);
                prop_assert!(out.preamble.is_empty() && out.trailer.is_empty());
            }
        }
    }
}
