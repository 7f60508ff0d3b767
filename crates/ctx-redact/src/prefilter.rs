//! The keyword prefilter: one pass over the bytes finds every literal that
//! can start a find (each rule's keywords and the stems of secret-sounding
//! names), so text without any costs one scan and nothing more.
//!
//! The scan is a bucketed shift-or over 4-byte fingerprints (the idea of
//! Hyperscan's FDR, without SIMD): each literal is given one of 16 buckets
//! by its first bytes, a 64-bit state holds, per bucket, which of the last
//! four bytes can begin one of its fingerprints, and one table lookup, shift
//! and OR per byte keeps it current. A bucket whose top lane clears is a
//! candidate, checked against that bucket's literals. A single automaton
//! over all literals was measured three times slower on code, and SIMD
//! packed searchers degrade past a few dozen short literals.
//!
//! Hits are exact (each one is a literal present at its position) and
//! complete (every occurrence of every literal is reported), in order of
//! position.

use std::sync::LazyLock;

use crate::names::STEMS;
use crate::rules::{RULES, Scope};

/// What a literal is looked for on behalf of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A keyword of the rule at this index of [`RULES`].
    Rule(u16),
    /// A stem of a secret-sounding name.
    Name,
}

/// A literal found in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) start: usize,
    /// Index into [`Prefilter::literal`].
    pub(crate) literal: u16,
}

/// A literal and what it is looked for on behalf of.
pub(crate) struct Literal {
    pub(crate) bytes: Vec<u8>,
    pub(crate) targets: Vec<Target>,
}

/// A fingerprint in a bucket: the literal's first (up to 4) bytes, placed
/// so they end where the scan stands, and which bytes of the window they
/// cover.
#[derive(Clone, Copy)]
struct Entry {
    fingerprint: u32,
    mask: u32,
    literal: u16,
}

const BUCKETS: usize = 16;
const WIDTH: usize = 4;
/// Words of each fingerprint filter: 16,384 bits, a few hundred set.
const FILTER_WORDS: usize = 256;

/// The filter bit of a (masked) fingerprint.
fn filter_slot(fingerprint: u32) -> usize {
    (fingerprint.wrapping_mul(0x9E37_79B1) >> 18) as usize
}

/// The prefilter for every rule and name stem.
pub(crate) static PREFILTER: LazyLock<Prefilter> = LazyLock::new(Prefilter::for_rules);

/// A bucketed shift-or matcher over a fixed set of literals.
pub(crate) struct Prefilter {
    /// Bit `lane * 16 + bucket` is clear when some fingerprint of `bucket`
    /// has this byte at window position `lane`.
    masks: [u64; 256],
    /// The state before the first byte: as if preceded by bytes that only
    /// fingerprints shorter than the window accept there.
    init: u64,
    buckets: [Vec<Entry>; BUCKETS],
    /// Per fingerprint length, a bitset of hashed fingerprints: most
    /// candidates the buckets let through are refused by one lookup here.
    filters: [[u64; FILTER_WORDS]; WIDTH + 1],
    literals: Vec<Literal>,
}

impl Prefilter {
    /// The prefilter for every keyword of [`RULES`] that is looked for in
    /// the text, and every name stem in lower, upper and title case.
    fn for_rules() -> Prefilter {
        let mut wanted: Vec<(Vec<u8>, Target)> = Vec::new();
        for (i, rule) in RULES.iter().enumerate() {
            if rule.scope != Scope::Anywhere {
                continue;
            }
            let index = u16::try_from(i).expect("BUG: fewer than 65536 rules");
            for keyword in rule.keywords {
                wanted.push((keyword.as_bytes().to_vec(), Target::Rule(index)));
            }
        }
        for stem in STEMS {
            let lower = stem.as_bytes().to_ascii_lowercase();
            let upper = stem.as_bytes().to_ascii_uppercase();
            let mut title = lower.clone();
            title[0] = title[0].to_ascii_uppercase();
            for variant in [lower, upper, title] {
                wanted.push((variant, Target::Name));
            }
        }
        Prefilter::new(wanted)
    }

    /// A prefilter for `wanted`: literals of at least two bytes, each with
    /// what it is looked for on behalf of.
    pub(crate) fn new(wanted: Vec<(Vec<u8>, Target)>) -> Prefilter {
        let mut literals: Vec<Literal> = Vec::new();
        for (bytes, target) in wanted {
            assert!(
                bytes.len() >= 2,
                "BUG: prefilter literals have at least two bytes"
            );
            match literals.iter_mut().find(|l| l.bytes == bytes) {
                Some(l) if !l.targets.contains(&target) => l.targets.push(target),
                Some(_) => {}
                None => literals.push(Literal {
                    bytes,
                    targets: vec![target],
                }),
            }
        }
        let classes = bucket_classes(&literals);
        let mut sets = [[[false; 256]; WIDTH]; BUCKETS];
        // Per bucket and lane, the summed frequency of the bytes it accepts:
        // their product estimates how often code passes the bucket.
        let mut sums = [[0.0f64; WIDTH]; BUCKETS];
        let mut buckets: [Vec<Entry>; BUCKETS] = Default::default();
        let mut filters = [[0u64; FILTER_WORDS]; WIDTH + 1];
        // Most common fingerprints first, each into the bucket of its
        // length where it adds the least to the bucket's false-candidate
        // rate, so literals that share bytes share buckets.
        let mut order: Vec<usize> = (0..literals.len()).collect();
        order.sort_by(|&a, &b| {
            let cost = |i: usize| -> f64 {
                let l = &literals[i].bytes;
                l.iter().take(WIDTH).map(|&c| frequency(c)).product()
            };
            cost(b).total_cmp(&cost(a)).then(a.cmp(&b))
        });
        for i in order {
            let bytes = &literals[i].bytes;
            let len = bytes.len().min(WIDTH);
            let offset = WIDTH - len;
            let rate = |b: usize, with: bool| -> f64 {
                (0..len)
                    .map(|lane| {
                        let c = bytes[lane];
                        let add = if with && !sets[b][offset + lane][usize::from(c)] {
                            frequency(c)
                        } else {
                            0.0
                        };
                        sums[b][offset + lane] + add
                    })
                    .product()
            };
            let best = (0..BUCKETS)
                .filter(|&b| classes[b] == len)
                .min_by(|&x, &y| {
                    let added = |b: usize| {
                        rate(b, true)
                            - if buckets[b].is_empty() {
                                0.0
                            } else {
                                rate(b, false)
                            }
                    };
                    added(x).total_cmp(&added(y)).then(x.cmp(&y))
                })
                .expect("BUG: every fingerprint length has a bucket");
            let mut fingerprint = 0u32;
            let mut mask = 0u32;
            for (lane, &c) in bytes[..len].iter().enumerate() {
                if !sets[best][offset + lane][usize::from(c)] {
                    sets[best][offset + lane][usize::from(c)] = true;
                    sums[best][offset + lane] += frequency(c);
                }
                fingerprint |= u32::from(c) << (8 * (offset + lane));
                mask |= 0xFF << (8 * (offset + lane));
            }
            let slot = filter_slot(fingerprint);
            filters[len][slot / 64] |= 1 << (slot % 64);
            buckets[best].push(Entry {
                fingerprint,
                mask,
                literal: u16::try_from(i).expect("BUG: fewer than 65536 literals"),
            });
        }
        let mut masks = [!0u64; 256];
        let mut virtual_byte = !0u64;
        for b in 0..BUCKETS {
            let offset = WIDTH - classes[b];
            for (lane, set) in sets[b].iter().enumerate() {
                let bit = 1u64 << (lane * BUCKETS + b);
                if lane < offset {
                    // A shorter fingerprint accepts anything before it.
                    virtual_byte &= !bit;
                    for mask in &mut masks {
                        *mask &= !bit;
                    }
                } else {
                    for (c, mask) in masks.iter_mut().enumerate() {
                        if set[c] {
                            *mask &= !bit;
                        }
                    }
                }
            }
        }
        let mut init = !0u64;
        for _ in 1..WIDTH {
            init = (init << BUCKETS) | virtual_byte;
        }
        Prefilter {
            masks,
            init,
            buckets,
            filters,
            literals,
        }
    }

    /// The literal a hit found.
    pub(crate) fn literal(&self, index: u16) -> &Literal {
        &self.literals[usize::from(index)]
    }

    /// Every occurrence of every literal in `b`, by position (then literal).
    pub(crate) fn scan(&self, b: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut state = self.init;
        let masks = &self.masks;
        // Four bytes a step: a lane that clears after any of them shows in
        // the AND of their states, so one test covers all four.
        let quads = b.chunks_exact(4);
        let tail = quads.remainder();
        let mut at = 0;
        for quad in quads {
            let &[c0, c1, c2, c3] = quad else {
                unreachable!("BUG: chunks_exact yields chunks of 4");
            };
            let s0 = (state << BUCKETS) | masks[usize::from(c0)];
            let s1 = (s0 << BUCKETS) | masks[usize::from(c1)];
            let s2 = (s1 << BUCKETS) | masks[usize::from(c2)];
            state = (s2 << BUCKETS) | masks[usize::from(c3)];
            if (s0 & s1 & s2 & state) >> (64 - BUCKETS) != 0xFFFF {
                for (i, s) in [(at, s0), (at + 1, s1), (at + 2, s2), (at + 3, state)] {
                    // Truncation keeps exactly the top lane.
                    let candidates = !((s >> (64 - BUCKETS)) as u16);
                    if candidates != 0 {
                        self.verify(b, i, candidates, &mut hits);
                    }
                }
            }
            at += 4;
        }
        for &c in tail {
            state = (state << BUCKETS) | masks[usize::from(c)];
            let candidates = !((state >> (64 - BUCKETS)) as u16);
            if candidates != 0 {
                self.verify(b, at, candidates, &mut hits);
            }
            at += 1;
        }
        hits.sort_unstable_by_key(|h| (h.start, h.literal));
        hits
    }

    /// Checks the buckets `candidates` names against the window ending at `i`.
    #[cold]
    fn verify(&self, b: &[u8], i: usize, mut candidates: u16, hits: &mut Vec<Hit>) {
        let from = (i + 1).saturating_sub(WIDTH);
        let mut window = 0u32;
        for (k, &c) in b[from..=i].iter().rev().enumerate() {
            window |= u32::from(c) << (8 * (WIDTH - 1 - k));
        }
        // The window's last 2, 3 and 4 bytes, as fingerprints of each length.
        let known = (2..=WIDTH).any(|len| {
            let key = window & (!0u32 << (8 * (WIDTH - len)));
            let slot = filter_slot(key);
            self.filters[len][slot / 64] & (1 << (slot % 64)) != 0
        });
        if !known {
            return;
        }
        while candidates != 0 {
            let bucket = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            for entry in &self.buckets[bucket] {
                if window & entry.mask != entry.fingerprint {
                    continue;
                }
                let literal = &self.literals[usize::from(entry.literal)].bytes;
                // The fingerprint matched, so it lies within the text.
                let start = i + 1 - literal.len().min(WIDTH);
                if b[start..].starts_with(literal) {
                    hits.push(Hit {
                        start,
                        literal: entry.literal,
                    });
                }
            }
        }
    }
}

/// How many buckets each fingerprint length gets: bucket `b` holds
/// fingerprints of length `classes[b]`. Short fingerprints match more
/// often, so they get buckets of their own, and enough of them.
fn bucket_classes(literals: &[Literal]) -> [usize; BUCKETS] {
    let count = |len: usize| {
        literals
            .iter()
            .filter(|l| l.bytes.len().min(WIDTH) == len)
            .count()
    };
    let two = count(2).div_ceil(4).min(2);
    let three = count(3).div_ceil(8).min(4);
    let mut classes = [WIDTH; BUCKETS];
    for (b, class) in classes.iter_mut().enumerate() {
        if b < two {
            *class = 2;
        } else if b < two + three {
            *class = 3;
        }
    }
    classes
}

/// The rough share of `c` among the bytes of source code, to keep common
/// bytes from sharing a bucket.
fn frequency(c: u8) -> f64 {
    match c {
        b' ' => 0.15,
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' => 0.06,
        b'a'..=b'z' => 0.025,
        b'\n' => 0.03,
        b'_' | b'.' | b'(' | b')' | b',' | b';' | b':' | b'=' | b'-' | b'/' | b'"' | b'&' => 0.012,
        b'0'..=b'9' => 0.008,
        b'A'..=b'Z' => 0.006,
        _ => 0.003,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(literals: &[&str], text: &[u8]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for start in 0..text.len() {
            for l in literals {
                if text[start..].starts_with(l.as_bytes()) {
                    out.push((start, (*l).to_owned()));
                }
            }
        }
        out.sort();
        out
    }

    fn found(p: &Prefilter, text: &[u8]) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = p
            .scan(text)
            .into_iter()
            .map(|h| {
                (
                    h.start,
                    String::from_utf8_lossy(&p.literal(h.literal).bytes).into_owned(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn finds_exactly_what_a_naive_search_finds() {
        let literals = [
            "SK", "ab", "key", "Key", "eyJ", "://", "pass", "token", "ghp_", "glpat-", "sk-",
            "sk-ant-", "AAAAAAAA", "aaaa", "BEGIN ",
        ];
        let p = Prefilter::new(
            literals
                .iter()
                .map(|l| (l.as_bytes().to_vec(), Target::Name))
                .collect(),
        );
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let alphabet = b"SKabkeyKeJ:/pstonghp_lt-AB GIN\n";
        for len in [0, 1, 2, 3, 4, 5, 17, 300] {
            for _ in 0..200 {
                let text: Vec<u8> = (0..len)
                    .map(|_| {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        alphabet[(rng % alphabet.len() as u64) as usize]
                    })
                    .collect();
                assert_eq!(
                    found(&p, &text),
                    naive(&literals, &text),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
        // At the very start and end of the text.
        assert_eq!(found(&p, b"SK"), naive(&literals, b"SK"));
        assert_eq!(found(&p, b"key"), naive(&literals, b"key"));
        assert_eq!(found(&p, b"AAAAAAAAA"), naive(&literals, b"AAAAAAAAA"));
    }

    #[test]
    fn every_rule_keyword_and_name_stem_is_found() {
        for rule in RULES.iter().filter(|r| r.scope == Scope::Anywhere) {
            for keyword in rule.keywords {
                let text = format!("x {keyword} y");
                let hits = PREFILTER.scan(text.as_bytes());
                assert!(
                    hits.iter().any(|h| h.start == 2
                        && PREFILTER.literal(h.literal).bytes == keyword.as_bytes()),
                    "{}: {keyword:?}",
                    rule.id
                );
            }
        }
        let hits = PREFILTER.scan(b"TOKEN Secret pwd");
        assert_eq!(hits.iter().map(|h| h.start).collect::<Vec<_>>(), [0, 6, 13]);
    }
}
