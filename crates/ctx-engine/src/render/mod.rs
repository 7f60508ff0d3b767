//! Render: packs to one deterministic payload that never exceeds its token
//! budget, with an account of everything left out.
//!
//! The work runs in phases, each in its own module, so the database is
//! held only to read or write it: [`units`] expands artifacts into units
//! (reading sources, or captured blobs when frozen), [`frame`] redacts and
//! frames each unit in parallel, [`count`] looks up cached token counts and
//! counts what is new in parallel, and [`budget`] fits the budget and
//! frames the payload, naming each attempt with the render hash [`hash`]
//! defines.

mod budget;
mod count;
mod format;
mod forms;
mod frame;
mod hash;
mod label;
mod lines;
mod outline;
pub(crate) mod primed;
mod since;
mod split;
mod tree;
mod units;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::{Serialize, Serializer};

use ctx_model::{
    ArtifactId, BlobHash, EventSeq, ExclusionReason, Fit, Format, Mode, PackRef, TokenizerKind,
    sort_for_render,
};
use ctx_redact::SecretKind;

pub(crate) use format::escape;
pub use format::{FRAMING_VERSION, Label};
pub use since::Since;
pub(crate) use split::summary_of;
pub use split::{Part, Split, SplitSummary};
pub(crate) use units::lossy_warning;

use crate::view::display;
use crate::{Engine, EngineError, Phase, Progress, Result, Warning, tokenize};

/// How to render.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub format: Format,
    /// Overrides the sum of the packs' budgets.
    pub budget: Option<u64>,
    /// Overrides the first pack's tokenizer.
    pub tokenizer: Option<TokenizerKind>,
    /// Use only captured content; open no source.
    pub frozen: bool,
    /// Replace secrets with `[REDACTED:kind]`.
    pub redact: bool,
    /// Leave out sources that are gone instead of using captured content.
    pub strict: bool,
    /// Render the packs as they were right after this event.
    pub at: Option<EventSeq>,
    /// Render only what changed since this snapshot (an id or a unique
    /// prefix): items it holds as they are are listed, not sent.
    pub since: Option<String>,
    /// Leave items out to fit, or show less of them (`--fit`); overrides
    /// the first pack's policy.
    pub fit: Option<Fit>,
    /// Put a tree of the items' paths at the top (`--tree`).
    pub tree: bool,
    /// Prefix each line with its number in the source (`--line-numbers`).
    pub line_numbers: bool,
}

/// An item in the payload.
#[derive(Debug, Serialize)]
pub struct Included {
    #[serde(serialize_with = "display")]
    pub artifact: ArtifactId,
    #[serde(flatten)]
    pub label: Label,
    /// The form it is shown in: whole, its outline, or its path only.
    pub form: Mode,
    /// Tokens its body saves against its whole body.
    pub saved: u64,
    /// Its head and body together.
    pub tokens: u64,
    /// Secrets replaced in it, by kind.
    #[serde(serialize_with = "secret_counts")]
    pub redactions: Vec<(SecretKind, u32)>,
    /// The part of the frame that depends on the item's position.
    #[serde(skip)]
    pub head: String,
    /// The framed content.
    #[serde(skip)]
    pub body: String,
    /// Where the content lies in the body (escaped as the format does).
    #[serde(skip)]
    pub content: std::ops::Range<usize>,
    /// BLAKE3 of the body.
    #[serde(skip)]
    pub hash: BlobHash,
}

/// An item left out.
#[derive(Clone, Debug, Serialize)]
pub struct Excluded {
    /// Position among all candidate items, to list exclusions in render order.
    #[serde(skip)]
    pub(crate) order: usize,
    #[serde(serialize_with = "display")]
    pub artifact: ArtifactId,
    #[serde(flatten)]
    pub label: Label,
    pub reason: ExclusionReason,
    /// Its size, where known.
    pub tokens: Option<u64>,
}

/// A finished render: the payload's pieces and the account of it.
#[derive(Debug, Serialize)]
pub struct Rendered {
    /// The packs, as named.
    pub packs: Vec<String>,
    /// The tokenizer's exact count of the payload.
    pub tokens: u64,
    pub budget: u64,
    pub tokenizer: TokenizerKind,
    pub format: Format,
    #[serde(serialize_with = "display")]
    pub render_hash: BlobHash,
    pub items: Vec<Included>,
    pub excluded: Vec<Excluded>,
    /// Secrets replaced, by kind, over all items.
    #[serde(serialize_with = "secret_map")]
    pub redactions: BTreeMap<SecretKind, u32>,
    pub warnings: Vec<Warning>,
    /// With `since`: what the snapshot still holds, and what is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Since>,
    /// How much work caches saved.
    pub cache: CacheStats,
    /// The packs rendered, as they were (with `at`) or are.
    #[serde(skip)]
    pub pack_refs: Vec<PackRef>,
    /// What comes before the first item.
    #[serde(skip)]
    pub preamble: String,
    /// What comes after the last item.
    #[serde(skip)]
    pub trailer: String,
}

/// What the caches answered during a render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Files whose device, inode, size, modification and change times
    /// matched a cached record.
    pub files_known: usize,
    /// Items whose token count came from the cache.
    pub counts_cached: usize,
    /// Items tokenized by this render.
    pub counted: usize,
}

impl Rendered {
    /// The payload's pieces, in order.
    pub fn pieces(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.preamble.as_str())
            .chain(
                self.items
                    .iter()
                    .flat_map(|i| [i.head.as_str(), i.body.as_str()]),
            )
            .chain(std::iter::once(self.trailer.as_str()))
            .filter(|p| !p.is_empty())
    }

    /// The payload in one string.
    pub fn payload(&self) -> String {
        self.pieces().collect()
    }

    /// BLAKE3 of the payload's bytes.
    pub fn payload_hash(&self) -> BlobHash {
        ctx_model::payload_hash(self.pieces().map(str::as_bytes))
    }

    /// The payload's length in bytes.
    pub fn payload_bytes(&self) -> u64 {
        self.pieces().map(|p| p.len() as u64).sum()
    }
}

fn secret_counts<S: Serializer>(counts: &[(SecretKind, u32)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(counts.iter().map(|(k, n)| (k.as_str(), n)))
}

pub(crate) fn secret_map<S: Serializer>(
    counts: &BTreeMap<SecretKind, u32>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(counts.iter().map(|(k, n)| (k.as_str(), n)))
}

impl Engine {
    /// Renders the packs named `names`, in that order, into one payload
    /// within the budget.
    pub fn render(
        &self,
        names: &[String],
        options: &Options,
        progress: &dyn Progress,
    ) -> Result<Rendered> {
        let mut packs = self.read(|r| crate::engine::packs_at(r, names, options.at))?;
        for (_, artifacts) in &mut packs {
            sort_for_render(artifacts);
        }
        let kind = options.tokenizer.unwrap_or_else(|| {
            packs
                .first()
                .map_or_else(TokenizerKind::default, |p| p.0.tokenizer)
        });
        // XML and JSON heads are counted on every render: build the
        // tokenizer on another core while sources are read. Other formats
        // build it only if some body is new.
        if matches!(options.format, Format::Xml | Format::Json) {
            tokenize::warm(kind);
        }
        let fit = options
            .fit
            .unwrap_or_else(|| packs.first().map_or_else(Fit::default, |p| p.0.fit));
        // Budgets are the user's (up to `u64::MAX` each): their sum saturates.
        let budget = options.budget.unwrap_or_else(|| {
            packs
                .iter()
                .fold(0u64, |sum, (p, _)| sum.saturating_add(p.budget))
        });

        progress.phase(Phase::Reading, packs.iter().map(|(_, a)| a.len()).sum());
        let (mut units, mut warnings) = units::expand(
            &packs,
            options.frozen,
            options.strict,
            self.sensitive(),
            progress,
        );
        units::drop_duplicates(&packs, &mut units);
        units::resolve_blobs(self, &mut units, &mut warnings)?;
        if options.redact {
            redact_labels(&mut units);
        }
        let known = frame::known_files(self, &units)?;
        // A text the cache knows no body of in this format (a file new, or
        // one `pack add` only noted clean) likely has a count missing:
        // build the tokenizer on the other core while framing runs.
        let texts = units
            .iter()
            .filter(|u| matches!(u.content, units::Content::Text(..)))
            .count();
        let framed_before = known
            .values()
            .filter(|k| k.body.as_ref().is_some_and(|b| b.format == options.format))
            .count();
        if framed_before < texts {
            tokenize::warm(kind);
        }
        let framing = frame::Framing {
            format: options.format,
            redact: options.redact,
            line_numbers: options.line_numbers,
            fit,
            // A delta render matches the snapshot's items in every form
            // they may take, outlines included, before it fits anything.
            defer_outlines: options.since.is_none(),
        };
        let modes: Vec<Mode> = units.iter().map(|u| u.mode).collect();
        let (mut framed, excluded) = frame::frame_all(self, units, &known, framing, progress)?;
        let counted = count::count_bodies(self, kind, &mut framed, progress, &mut warnings)?;
        let fresh = counted.iter().filter(|c| c.fresh).count();
        let mut cache = CacheStats {
            files_known: known.len(),
            counts_cached: counted.len() - fresh,
            counted: fresh,
        };
        let body_tokens: Vec<u64> = counted.into_iter().map(|c| c.tokens).collect();
        let mut candidates =
            forms::candidates(framed, body_tokens, &modes, fit, options.format, kind);
        let mut excluded = excluded;
        let since = match &options.since {
            Some(wanted) => {
                let (id, snapshot) = self.read(|r| {
                    let (key, m) = crate::snapshot::snapshot(r, wanted)?;
                    Ok((crate::snapshot::shown(r, key, &m)?, m))
                })?;
                if snapshot.format != options.format {
                    warnings.push(Warning::SinceFormat {
                        snapshot: id.short(),
                        format: snapshot.format,
                    });
                }
                Some(since::split(id, &snapshot, &mut candidates, &mut excluded))
            }
            None => None,
        };

        let meta = format::Meta {
            packs: names.to_vec(),
            budget,
            tokenizer: kind.as_str().into(),
        };
        let frame = budget::Frame {
            format: options.format,
            kind,
            counter: &budget::Bpe(kind),
            meta: &meta,
            budget,
            since: since.as_ref(),
            fit,
            tree: options.tree,
        };
        // Under degrade, everything whole is the payload if it fits; else
        // the outlines no cache knew, put off till now, are parsed.
        let assembled = match fit {
            Fit::Degrade => match budget::assemble_fullest(&frame, candidates, excluded) {
                Ok(assembled) => assembled,
                Err((mut candidates, excluded)) => {
                    let counted = forms::outline_deferred(
                        self,
                        &mut candidates,
                        framing,
                        kind,
                        progress,
                        &mut warnings,
                    )?;
                    let fresh = counted.iter().filter(|c| c.fresh).count();
                    cache.counted += fresh;
                    cache.counts_cached += counted.len() - fresh;
                    candidates
                        .iter_mut()
                        .for_each(forms::Candidate::forget_deferred);
                    budget::assemble(&frame, candidates, excluded)
                }
            },
            Fit::Drop => budget::assemble(&frame, candidates, excluded),
        };
        progress.finish();
        // An empty file is no payload of a format with a frame (not even
        // valid JSON or XML): a budget that cannot hold the frame is an error.
        if let Some(frame) = assembled.frame_over_budget {
            return Err(EngineError::FrameOverBudget {
                budget,
                format: options.format,
                frame,
            });
        }
        warnings.extend(priority_passed(&packs, &assembled));
        let packs = packs
            .iter()
            .map(|(p, _)| PackRef {
                id: p.id,
                name: p.name.clone(),
            })
            .collect();
        let rendered = rendered(
            meta,
            options.format,
            kind,
            packs,
            assembled,
            warnings,
            cache,
        );
        // Checked before any byte is written or stored, so a refused
        // render leaves no partial output and no snapshot.
        let bytes = rendered
            .pieces()
            .fold(0u64, |sum, p| sum.saturating_add(p.len() as u64));
        let limit = self.limits().max_payload_bytes;
        if bytes > limit {
            return Err(EngineError::Limit {
                what: "the payload, in bytes,".into(),
                wanted: bytes,
                limit,
                key: "max_payload_bytes",
            });
        }
        Ok(rendered)
    }
}

/// A warning for the highest-priority item of each pack that did not fit
/// while items of a lower priority went in (the fill takes what fits, in
/// render order).
fn priority_passed(
    packs: &[(ctx_model::Pack, Vec<ctx_model::Artifact>)],
    assembled: &budget::Assembled,
) -> Vec<Warning> {
    let priority: HashMap<ArtifactId, i32> = packs
        .iter()
        .flat_map(|(_, artifacts)| artifacts.iter().map(|a| (a.id, a.priority)))
        .collect();
    let mut warnings = Vec::new();
    for (pack, _) in packs {
        let mine = |label: &Label| label.pack == pack.name.as_str();
        let included: Vec<i32> = (assembled.items.iter())
            .filter(|i| mine(&i.label))
            .filter_map(|i| priority.get(&i.artifact).copied())
            .collect();
        // Render order is by priority: the first item left out is the
        // highest one.
        let passed = (assembled.excluded.iter())
            .filter(|e| e.reason == ExclusionReason::OverBudget && mine(&e.label))
            .find_map(|e| {
                let p = *priority.get(&e.artifact)?;
                let lower = included.iter().filter(|&&q| q < p).count();
                (lower > 0).then(|| Warning::PriorityPassed {
                    item: e.label.title(),
                    priority: p,
                    tokens: e.tokens,
                    lower,
                })
            });
        warnings.extend(passed);
    }
    warnings
}

/// The tokens of an item's markdown frame (its heading and fences) around
/// no content: what a render adds to the item's content.
pub(crate) fn frame_tokens(kind: TokenizerKind, label: &Label) -> u64 {
    let frame = format::body(Format::Markdown, label, String::new()).text;
    u64::from(tokenize::count(kind, &frame))
}

/// Redacts the labels of the units: a note's spec is its text, and the
/// JSON frames, the JSON summary and snapshot manifests show the spec. Its
/// secrets are counted once, in the content.
fn redact_labels(units: &mut [units::Unit]) {
    for unit in units {
        if let Cow::Owned(source) = ctx_redact::redact(&unit.label.source).0 {
            unit.label.source = source;
        }
    }
}

/// The finished render of an assembled payload.
fn rendered(
    meta: format::Meta,
    format: Format,
    tokenizer: TokenizerKind,
    pack_refs: Vec<PackRef>,
    assembled: budget::Assembled,
    mut warnings: Vec<Warning>,
    cache: CacheStats,
) -> Rendered {
    if assembled.items.is_empty() && assembled.excluded.is_empty() {
        warnings.push(Warning::NoArtifacts);
    }
    let mut redactions = BTreeMap::new();
    for (kind, n) in assembled.items.iter().flat_map(|i| &i.redactions) {
        *redactions.entry(*kind).or_insert(0) += n;
    }
    Rendered {
        packs: meta.packs,
        tokens: assembled.tokens,
        budget: meta.budget,
        tokenizer,
        format,
        render_hash: assembled.hash,
        items: assembled.items,
        excluded: assembled.excluded,
        redactions,
        warnings,
        since: assembled.since,
        cache,
        pack_refs,
        preamble: assembled.preamble,
        trailer: assembled.trailer,
    }
}
