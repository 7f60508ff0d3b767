//! Render: packs to one deterministic payload that never exceeds its token
//! budget, with an account of everything left out.
//!
//! The work runs in phases so the database is held only to read or write it:
//! expand artifacts into units (reading sources, or captured blobs when
//! frozen), frame and redact each unit in parallel, look up cached token
//! counts, count what is new in parallel, fit the budget, and assemble.

pub mod budget;
pub mod format;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ctx_model::{
    Artifact, ArtifactId, BlobHash, Captured, Pack, SkipReason, SourceSpec, TokenizerKind,
    sort_for_render,
};
use ctx_redact::SecretKind;
use ctx_store::{BodyStamp, FileStamp, Read, StoreError};

use crate::app::App;
use crate::error::Result;
use crate::progress::Progress;
use crate::source::{self, Capture, SourceError, Stamp};
use crate::{output, parallel, tokenize};
use format::{Format, Label, Meta, TrailerExclusion};

/// How to render.
#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    /// Overrides the packs' budgets.
    pub budget: Option<u64>,
    /// Overrides the first pack's tokenizer.
    pub tokenizer: Option<TokenizerKind>,
    /// Use only captured content; open no source.
    pub frozen: bool,
    pub redact: bool,
    /// Leave out sources that are gone instead of using captured content.
    pub strict: bool,
    /// Show progress on a terminal.
    pub progress: bool,
    /// Render the packs as they were right after this event.
    pub at: Option<u64>,
}

/// Why an item was left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    OverBudget,
    Missing,
    Binary,
    Sensitive,
    TooLarge,
    Ignored,
    OutsideRoot,
    Unreadable,
}

impl Reason {
    /// The word used in output and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OverBudget => "over_budget",
            Self::Missing => "missing",
            Self::Binary => "binary",
            Self::Sensitive => "sensitive",
            Self::TooLarge => "too_large",
            Self::Ignored => "ignored",
            Self::OutsideRoot => "outside_root",
            Self::Unreadable => "unreadable",
        }
    }
}

impl From<SkipReason> for Reason {
    fn from(reason: SkipReason) -> Self {
        match reason {
            SkipReason::Sensitive => Self::Sensitive,
            SkipReason::Binary => Self::Binary,
            SkipReason::TooLarge => Self::TooLarge,
            SkipReason::Ignored => Self::Ignored,
            SkipReason::OutsideRoot => Self::OutsideRoot,
            SkipReason::Unreadable => Self::Unreadable,
        }
    }
}

/// An item in the payload.
#[derive(Debug)]
pub struct Included {
    pub artifact: ArtifactId,
    pub label: Label,
    pub tokens: u64,
    pub redactions: Vec<(SecretKind, u32)>,
    /// The part of the frame that depends on the item's position.
    pub head: String,
    /// The framed content.
    pub body: String,
    /// BLAKE3 of the body.
    pub hash: BlobHash,
}

/// An item left out.
#[derive(Debug)]
pub struct Excluded {
    /// Position among all candidate items, to list exclusions in render order.
    order: usize,
    pub artifact: ArtifactId,
    pub label: Label,
    pub reason: Reason,
    /// Its size, where known.
    pub tokens: Option<u64>,
}

/// A finished render.
pub struct Rendered {
    pub format: Format,
    pub tokenizer: TokenizerKind,
    pub budget: u64,
    pub packs: Vec<String>,
    /// The packs rendered, as they were (with `--at`) or are.
    pub pack_refs: Vec<ctx_model::PackRef>,
    /// What comes before the first item.
    pub preamble: String,
    /// What comes after the last item.
    pub trailer: String,
    /// The tokenizer's exact count of the payload.
    pub tokens: u64,
    pub render_hash: BlobHash,
    pub items: Vec<Included>,
    pub excluded: Vec<Excluded>,
    pub warnings: Vec<String>,
    /// How much work caches saved.
    pub cache: CacheStats,
}

/// What the caches answered during a render.
#[derive(Clone, Copy, Debug, Default)]
pub struct CacheStats {
    /// Files whose size and modification time matched a cached record.
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

    /// Secrets replaced, by kind, over all items.
    pub fn redactions(&self) -> BTreeMap<SecretKind, u32> {
        let mut total = BTreeMap::new();
        for (kind, n) in self.items.iter().flat_map(|i| &i.redactions) {
            *total.entry(*kind).or_insert(0) += n;
        }
        total
    }
}

/// One renderable piece of an artifact, before framing.
struct Unit {
    artifact: ArtifactId,
    label: Label,
    content: Content,
}

enum Content {
    /// Text to frame; for a whole file, its absolute path and stamp.
    Text(String, Option<(String, Stamp)>),
    /// Captured content to read from the store.
    Blob(BlobHash),
    Excluded(Reason, Option<u64>),
}

/// A unit framed and ready to count.
struct Framed {
    order: usize,
    artifact: ArtifactId,
    label: Label,
    body: String,
    /// BLAKE3 of the body: the key of its cached token count, and its part
    /// of the render hash.
    hash: BlobHash,
    redactions: Vec<(SecretKind, u32)>,
    /// A file record to cache, when this render learned something about it.
    stamp: Option<(String, FileStamp)>,
}

/// A modification time this close to now may be followed by another write
/// within the same clock tick, so such a file is not cached (git's "racily
/// clean" problem).
const RACY_NS: i128 = 2_000_000_000;

/// Renders the packs named `names`, in that order.
pub fn render(app: &App, names: &[String], options: &Options) -> Result<Rendered> {
    let mut packs: Vec<(Pack, Vec<Artifact>)> = {
        let store = app.store_read()?;
        let r = store.read()?;
        crate::app::packs_at(app, &r, names, options.at)?
    };
    for (_, artifacts) in &mut packs {
        sort_for_render(artifacts);
    }
    let pack_refs = packs
        .iter()
        .map(|(p, _)| ctx_model::PackRef {
            id: p.id,
            name: p.name.clone(),
        })
        .collect();
    let kind = options.tokenizer.unwrap_or_else(|| {
        packs
            .first()
            .map_or_else(TokenizerKind::default, |p| p.0.tokenizer)
    });
    // XML and JSON heads are counted on every render: build the tokenizer
    // on another core while sources are read. Other formats build it only
    // if some body is new.
    if matches!(options.format, Format::Xml | Format::Json) {
        tokenize::warm(kind);
    }
    let budget = options
        .budget
        // Budgets are the user's (up to `u64::MAX` each): their sum saturates.
        .unwrap_or_else(|| {
            packs
                .iter()
                .fold(0u64, |sum, (p, _)| sum.saturating_add(p.budget))
        });
    let mut warnings = Vec::new();
    let progress = Progress::start(options.progress);
    progress.phase("reading", packs.iter().map(|(_, a)| a.len()).sum());

    let mut units = Vec::new();
    for (pack, artifacts) in &packs {
        let expanded = if options.frozen {
            artifacts.iter().map(|a| frozen_units(pack, a)).collect()
        } else {
            parallel::map(artifacts, |a| {
                let units = live_units(pack, a, options.strict);
                progress.tick(0);
                units
            })
        };
        for (mut found, mut warned) in expanded {
            units.append(&mut found);
            warnings.append(&mut warned);
        }
    }
    resolve_blobs(app, &mut units)?;
    if options.redact {
        // A note's spec is its text: the JSON frames, the `--json` summary
        // and snapshot manifests show the spec, so it is redacted like the
        // content. Its secrets are counted once, in the content.
        for unit in &mut units {
            if let Cow::Owned(source) = ctx_redact::redact(&unit.label.source).0 {
                unit.label.source = source;
            }
        }
    }

    let known = known_files(app, &units)?;
    // A text without a known stamp is likely new, so its count is likely
    // missing: build the tokenizer on the other core while framing runs.
    let texts_count = units
        .iter()
        .filter(|u| matches!(u.content, Content::Text(..)))
        .count();
    if known.len() < texts_count {
        tokenize::warm(kind);
    }
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    let mut excluded = Vec::new();
    let mut texts = Vec::new();
    for (order, unit) in units.into_iter().enumerate() {
        match unit.content {
            Content::Text(text, file) => {
                let known = file.as_ref().and_then(|(path, _)| known.get(path).cloned());
                texts.push((order, unit.artifact, unit.label, text, file, known));
            }
            Content::Excluded(reason, tokens) => excluded.push(Excluded {
                order,
                artifact: unit.artifact,
                label: unit.label,
                reason,
                tokens,
            }),
            Content::Blob(_) => unreachable!("BUG: blobs are resolved above"),
        }
    }
    progress.phase("framing", texts.len());
    let framed: Vec<Framed> =
        parallel::map_into(texts, |(order, artifact, label, text, file, known)| {
            // A file known clean under the current rules need not be scanned.
            let clean = known
                .as_ref()
                .is_some_and(|k| k.clean_under == ctx_redact::RULES_VERSION);
            let scan = options.redact && !clean;
            let (content, redactions) = if scan {
                match ctx_redact::redact(&text) {
                    (Cow::Owned(redacted), found) => (redacted, found),
                    (Cow::Borrowed(_), found) => (text, found),
                }
            } else {
                (text, Vec::new())
            };
            let title = label.title();
            // The same clean content framed the same way is the same body:
            // its hash is known without hashing it again.
            let known_body = known
                .as_ref()
                .filter(|_| clean)
                .and_then(|k| k.body.as_ref())
                .filter(|b| {
                    b.format == options.format.as_str()
                        && b.framing == format::FRAMING_VERSION
                        && b.title == title
                })
                .map(|b| b.hash);
            let body = format::body(options.format, &label, content);
            let hash = known_body.unwrap_or_else(|| BlobHash::of(body.as_bytes()));
            let now_clean = clean || (scan && redactions.is_empty());
            let stamp = file
                .filter(|(_, st)| {
                    now_clean && known_body.is_none() && now_ns - st.mtime_ns > RACY_NS
                })
                .map(|(path, st)| {
                    let stamp = FileStamp {
                        size: st.size,
                        mtime_ns: st.mtime_ns,
                        clean_under: ctx_redact::RULES_VERSION,
                        body: Some(BodyStamp {
                            format: options.format.as_str().into(),
                            title,
                            framing: format::FRAMING_VERSION,
                            hash,
                        }),
                    };
                    (path, stamp)
                });
            progress.tick(0);
            Framed {
                order,
                artifact,
                label,
                hash,
                body,
                redactions,
                stamp,
            }
        });
    let files_known = known.len();
    let body_tokens = count_bodies(app, kind, &framed, &progress, &mut warnings)?;
    let counted = body_tokens.iter().filter(|(_, fresh)| *fresh).count();
    let cache = CacheStats {
        files_known,
        counts_cached: body_tokens.len() - counted,
        counted,
    };
    let body_tokens: Vec<u64> = body_tokens.into_iter().map(|(t, _)| t).collect();
    drop(progress);

    let meta = Meta {
        packs: names.to_vec(),
        budget,
        tokenizer: kind.as_str().into(),
    };
    let assembled = assemble(
        options.format,
        kind,
        &meta,
        budget,
        framed,
        &body_tokens,
        excluded,
    );
    if assembled.items.is_empty() && assembled.excluded.is_empty() {
        warnings.push("the packs have no artifacts".into());
    }
    warnings.extend(assembled.warning);
    Ok(Rendered {
        format: options.format,
        tokenizer: kind,
        budget,
        packs: names.to_vec(),
        pack_refs,
        preamble: assembled.preamble,
        trailer: assembled.trailer,
        tokens: assembled.tokens,
        render_hash: assembled.hash,
        items: assembled.items,
        excluded: assembled.excluded,
        warnings,
        cache,
    })
}

fn label(pack: &Pack, artifact: &Artifact, path: Option<String>) -> Label {
    let lines = match &artifact.spec {
        SourceSpec::Range { start, end, .. } => Some((*start, *end)),
        _ => None,
    };
    Label {
        pack: pack.name.to_string(),
        source: artifact.spec.to_string(),
        path,
        lines,
    }
}

/// The units of an artifact from what was captured when it was added.
fn frozen_units(pack: &Pack, a: &Artifact) -> (Vec<Unit>, Vec<String>) {
    let units = match &a.content {
        Captured::Blob(blob) => vec![Unit {
            artifact: a.id,
            label: label(pack, a, a.spec.path().map(str::to_owned)),
            content: Content::Blob(blob.hash),
        }],
        Captured::Files { files, skipped } => collection_units(
            pack,
            a,
            files
                .iter()
                .map(|f| (f.path.clone(), Content::Blob(f.blob.hash))),
            skipped,
        ),
    };
    (units, Vec::new())
}

fn collection_units(
    pack: &Pack,
    a: &Artifact,
    files: impl Iterator<Item = (String, Content)>,
    skipped: &[ctx_model::SkippedFile],
) -> Vec<Unit> {
    let mut units: Vec<Unit> = files
        .map(|(path, content)| Unit {
            artifact: a.id,
            label: label(pack, a, Some(path)),
            content,
        })
        .chain(skipped.iter().map(|s| Unit {
            artifact: a.id,
            label: label(pack, a, Some(s.path.clone())),
            content: Content::Excluded(s.reason.into(), None),
        }))
        .collect();
    units.sort_by(|x, y| x.label.path.cmp(&y.label.path));
    units
}

/// The units of an artifact read from its sources now.
fn live_units(pack: &Pack, a: &Artifact, strict: bool) -> (Vec<Unit>, Vec<String>) {
    let root = Path::new(&pack.root);
    let mut warnings = Vec::new();
    let units = match source::capture(&a.spec, root, &a.options) {
        Ok(Capture::One(text)) => {
            lossy_warning(&text, &mut warnings);
            let file = file_of(root, &text);
            vec![Unit {
                artifact: a.id,
                label: label(pack, a, a.spec.path().map(str::to_owned)),
                content: Content::Text(text.text, file),
            }]
        }
        Ok(Capture::Many { files, skipped }) => {
            for text in &files {
                lossy_warning(text, &mut warnings);
            }
            collection_units(
                pack,
                a,
                files.into_iter().map(|t| {
                    let file = file_of(root, &t);
                    (t.path.unwrap_or_default(), Content::Text(t.text, file))
                }),
                &skipped,
            )
        }
        Err(err) => {
            let reason = match err {
                SourceError::Binary { .. } => Some(Reason::Binary),
                SourceError::Sensitive { .. } => Some(Reason::Sensitive),
                SourceError::TooLarge { .. } => Some(Reason::TooLarge),
                SourceError::OutsideRoot { .. } => Some(Reason::OutsideRoot),
                SourceError::IsDirectory { .. }
                | SourceError::NotADirectory { .. }
                | SourceError::NotAFile { .. }
                | SourceError::NonUtf8Path { .. } => Some(Reason::Unreadable),
                // Gone or changed past use: fall back to what was captured.
                _ => None,
            };
            match reason {
                Some(reason) => vec![Unit {
                    artifact: a.id,
                    label: label(pack, a, a.spec.path().map(str::to_owned)),
                    content: Content::Excluded(reason, Some(a.content.tokens())),
                }],
                None if strict => {
                    warnings.push(format!("{err}; left out (--strict)"));
                    vec![Unit {
                        artifact: a.id,
                        label: label(pack, a, a.spec.path().map(str::to_owned)),
                        content: Content::Excluded(Reason::Missing, Some(a.content.tokens())),
                    }]
                }
                None => {
                    warnings.push(format!(
                        "{err}; using the content captured when it was added"
                    ));
                    frozen_units(pack, a).0
                }
            }
        }
    };
    (units, warnings)
}

/// The absolute path and stamp of a text read whole from a file.
fn file_of(root: &Path, text: &source::Text) -> Option<(String, Stamp)> {
    let path = root.join(text.path.as_deref()?);
    Some((path.to_str()?.to_owned(), text.stamp?))
}

/// The cached records of the files among `units` whose size and
/// modification time still match.
fn known_files(app: &App, units: &[Unit]) -> Result<HashMap<String, FileStamp>> {
    let files: Vec<(&String, &Stamp)> = units
        .iter()
        .filter_map(|u| match &u.content {
            Content::Text(_, Some((path, stamp))) => Some((path, stamp)),
            _ => None,
        })
        .collect();
    if files.is_empty() {
        return Ok(HashMap::new());
    }
    let store = app.store_read()?;
    let r = store.read()?;
    let mut known = HashMap::with_capacity(files.len());
    for (path, stamp) in files {
        if let Some(record) = r.file_stamp(path)?
            && record.size == stamp.size
            && record.mtime_ns == stamp.mtime_ns
        {
            known.insert(path.clone(), record);
        }
    }
    Ok(known)
}

fn lossy_warning(text: &source::Text, warnings: &mut Vec<String>) {
    if text.lossy {
        let what = text.path.as_deref().unwrap_or("a source");
        warnings.push(format!(
            "`{what}` is not valid UTF-8; invalid bytes were replaced with U+FFFD"
        ));
    }
}

/// Replaces blob references with their verified bytes, in one read.
fn resolve_blobs(app: &App, units: &mut [Unit]) -> Result<()> {
    if !units.iter().any(|u| matches!(u.content, Content::Blob(_))) {
        return Ok(());
    }
    let store = app.store_read()?;
    let r = store.read()?;
    for unit in units.iter_mut() {
        if let Content::Blob(hash) = unit.content {
            let bytes = r
                .blob(&hash)
                .and_then(|b| b.ok_or(StoreError::MissingBlob { hash }))
                .map_err(|e| {
                    let mut err = crate::error::CliError::from(e);
                    err.message = format!(
                        "the captured content of `{}` (artifact {}) cannot be used: {}",
                        unit.label.title(),
                        unit.artifact.short(),
                        err.message
                    );
                    err.hint("`ctx fsck` checks the whole store")
                })?;
            unit.content = Content::Text(String::from_utf8_lossy(&bytes).into_owned(), None);
        }
    }
    Ok(())
}

/// Token counts of every body, each flagged when this render counted it:
/// from the cache where known, counted in parallel otherwise, and what was
/// learned (counts, file records) cached.
fn count_bodies(
    app: &App,
    kind: TokenizerKind,
    framed: &[Framed],
    progress: &Progress,
    warnings: &mut Vec<String>,
) -> Result<Vec<(u64, bool)>> {
    if framed.is_empty() {
        return Ok(Vec::new());
    }
    let cached: Vec<Option<u32>> = {
        let store = app.store_read()?;
        let r = store.read()?;
        framed
            .iter()
            .map(|f| r.token_count(&f.hash, kind))
            .collect::<Result<_, StoreError>>()?
    };
    let missing: Vec<usize> = (0..framed.len()).filter(|&i| cached[i].is_none()).collect();
    let learned = framed.iter().any(|f| f.stamp.is_some());
    if missing.is_empty() && !learned {
        return Ok(cached
            .into_iter()
            .map(|c| (u64::from(c.unwrap_or(0)), false))
            .collect());
    }
    progress.phase("counting tokens", missing.len());
    let counted = parallel::map(&missing, |&i| {
        let n = tokenize::count(kind, &framed[i].body);
        progress.tick(u64::from(n));
        n
    });
    let mut tokens: Vec<(u64, bool)> = cached
        .iter()
        .map(|c| (u64::from(c.unwrap_or(0)), false))
        .collect();
    for (&i, &n) in missing.iter().zip(&counted) {
        tokens[i] = (u64::from(n), true);
    }
    // Caching is an optimisation: a store that cannot take the counts now
    // must not fail the render.
    let cache = || -> Result<()> {
        let store = app.store()?;
        let mut w = store.write()?;
        for (&i, &n) in missing.iter().zip(&counted) {
            w.put_token_count(&framed[i].hash, kind, n)?;
        }
        for (path, stamp) in framed.iter().filter_map(|f| f.stamp.as_ref()) {
            w.put_file_stamp(path, stamp)?;
        }
        w.commit()?;
        Ok(())
    };
    if let Err(err) = cache() {
        warnings.push(format!(
            "the render's results were not cached: {}",
            err.message
        ));
    }
    Ok(tokens)
}

/// The payload, its count and hash, and what went in and out.
struct Assembled {
    preamble: String,
    trailer: String,
    tokens: u64,
    hash: BlobHash,
    items: Vec<Included>,
    excluded: Vec<Excluded>,
    warning: Option<String>,
}

/// The count of a small piece of framing; empty pieces cost nothing and
/// need no tokenizer.
fn count_small(kind: TokenizerKind, text: &str) -> u64 {
    if text.is_empty() {
        0
    } else {
        u64::from(tokenize::count(kind, text))
    }
}

/// Fits the budget and assembles the payload.
///
/// Items are fitted greedily against the budget less a reservation for the
/// frame (preamble, trailer, heads). The exact total is then computed; if it
/// is over, the reservation grows by the excess and fitting runs again, so
/// the loop ends with a payload at or under the budget (at worst empty).
fn assemble(
    format: Format,
    kind: TokenizerKind,
    meta: &Meta,
    budget: u64,
    framed: Vec<Framed>,
    body_tokens: &[u64],
    mut excluded: Vec<Excluded>,
) -> Assembled {
    let preamble = format::preamble(format, meta);
    let pre_tokens = count_small(kind, &preamble);
    let placeholder_hash = "0".repeat(64);
    // A head's cost hardly depends on its index or count; estimate with
    // generous values and let the exact pass below correct any excess.
    let head_estimate: Vec<u64> = framed
        .iter()
        .zip(body_tokens)
        .map(|(f, &body)| {
            count_small(
                kind,
                &format::head(format, &f.label, framed.len() + 1, body * 2 + 1000),
            )
        })
        .collect();
    let mut reserve = pre_tokens
        + count_small(
            kind,
            &format::trailer(format, &[], budget, &placeholder_hash),
        );
    loop {
        let costs: Vec<u64> = head_estimate
            .iter()
            .zip(body_tokens)
            .map(|(h, b)| h + b)
            .collect();
        let chosen = budget::fit(&costs, budget.saturating_sub(reserve));
        let attempt = exact(
            format,
            kind,
            &preamble,
            pre_tokens,
            &framed,
            body_tokens,
            &chosen,
            &excluded,
        );
        if attempt.tokens <= budget {
            return finish(attempt, framed, body_tokens, &chosen, excluded);
        }
        if chosen.iter().all(|c| !c) {
            // Even the empty frame does not fit: an empty payload does.
            let mut empty = finish(
                attempt,
                framed,
                body_tokens,
                &chosen,
                std::mem::take(&mut excluded),
            );
            empty.preamble.clear();
            empty.trailer.clear();
            empty.tokens = 0;
            empty.hash = BlobHash(*render_hasher(format, kind).finalize().as_bytes());
            empty.warning = Some(format!(
                "the budget of {budget} tokens cannot hold even the {} frame: the payload is empty",
                format.as_str()
            ));
            return empty;
        }
        reserve += attempt.tokens - budget;
    }
}

/// One exact assembly for a choice of items: the framing around the
/// chosen bodies, without copying them.
struct Attempt {
    preamble: String,
    heads: Vec<String>,
    trailer: String,
    item_tokens: Vec<u64>,
    tokens: u64,
    hash: BlobHash,
}

#[allow(clippy::too_many_arguments)]
fn exact(
    format: Format,
    kind: TokenizerKind,
    preamble: &str,
    pre_tokens: u64,
    framed: &[Framed],
    body_tokens: &[u64],
    chosen: &[bool],
    excluded: &[Excluded],
) -> Attempt {
    let mut heads = Vec::new();
    let mut item_tokens = Vec::new();
    let mut total = pre_tokens;
    let mut hasher = render_hasher(format, kind);
    hash_piece(&mut hasher, preamble.as_bytes());
    for ((f, &body), _) in framed
        .iter()
        .zip(body_tokens)
        .zip(chosen)
        .filter(|(_, c)| **c)
    {
        let index = heads.len() + 1;
        let mut head = format::head(format, &f.label, index, body);
        let mut head_tokens = count_small(kind, &head);
        if format::head_counts_itself(format) {
            // The head states the item's own count: find the fixed point.
            // The count only grows with the number's digits, so this ends.
            loop {
                let next = format::head(format, &f.label, index, body + head_tokens);
                let next_tokens = count_small(kind, &next);
                head = next;
                if next_tokens == head_tokens {
                    break;
                }
                head_tokens = next_tokens;
            }
        }
        hash_piece(&mut hasher, head.as_bytes());
        hasher.update(&(f.body.len() as u64).to_le_bytes());
        hasher.update(&f.hash.0);
        item_tokens.push(head_tokens + body);
        total += head_tokens + body;
        heads.push(head);
    }
    let hash = BlobHash(*hasher.finalize().as_bytes());
    let hash_hex = hash.to_string();
    let mut left_out: Vec<(usize, TrailerExclusion<'_>)> = framed
        .iter()
        .zip(body_tokens)
        .zip(chosen)
        .filter(|(_, c)| !**c)
        .map(|((f, &t), _)| {
            let e = TrailerExclusion {
                label: &f.label,
                reason: Reason::OverBudget.as_str(),
                tokens: Some(t),
            };
            (f.order, e)
        })
        .chain(excluded.iter().map(|e| {
            let t = TrailerExclusion {
                label: &e.label,
                reason: e.reason.as_str(),
                tokens: e.tokens,
            };
            (e.order, t)
        }))
        .collect();
    left_out.sort_by_key(|(order, _)| *order);
    let left_out: Vec<TrailerExclusion<'_>> = left_out.into_iter().map(|(_, e)| e).collect();
    // The JSON trailer states the payload's total, itself included.
    let mut trailer_tokens = 0;
    let trailer = loop {
        let trailer = format::trailer(format, &left_out, total + trailer_tokens, &hash_hex);
        let t = count_small(kind, &trailer);
        if t == trailer_tokens {
            break trailer;
        }
        trailer_tokens = t;
    };
    Attempt {
        preamble: preamble.to_owned(),
        heads,
        trailer,
        item_tokens,
        tokens: total + trailer_tokens,
        hash,
    }
}

/// Moves the chosen bodies into the payload and sorts items into included
/// and left out.
fn finish(
    attempt: Attempt,
    framed: Vec<Framed>,
    body_tokens: &[u64],
    chosen: &[bool],
    mut excluded: Vec<Excluded>,
) -> Assembled {
    let mut items = Vec::new();
    let mut over = Vec::new();
    let mut heads = attempt.heads.into_iter();
    let mut sizes = attempt.item_tokens.into_iter();
    for ((f, &body), &fits) in framed.into_iter().zip(body_tokens).zip(chosen) {
        if fits {
            items.push(Included {
                artifact: f.artifact,
                label: f.label,
                tokens: sizes.next().unwrap_or(body),
                redactions: f.redactions,
                head: heads.next().unwrap_or_default(),
                body: f.body,
                hash: f.hash,
            });
        } else {
            over.push(Excluded {
                order: f.order,
                artifact: f.artifact,
                label: f.label,
                reason: Reason::OverBudget,
                tokens: Some(body),
            });
        }
    }
    over.append(&mut excluded);
    over.sort_by_key(|e| e.order);
    Assembled {
        preamble: attempt.preamble,
        trailer: attempt.trailer,
        tokens: attempt.tokens,
        hash: attempt.hash,
        items,
        excluded: over,
        warning: None,
    }
}

/// The render hash: BLAKE3 over the format, the tokenizer, and the length
/// and BLAKE3 of each payload piece in order, up to (not including) the
/// trailer. Any change to the payload bytes changes it; hashing pieces lets
/// the bodies be hashed in parallel, once, for both this and the count
/// cache. For every format but JSON the trailer is a constant; the JSON
/// trailer states the hash, so it cannot be part of it.
fn render_hasher(format: Format, kind: TokenizerKind) -> blake3::Hasher {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"ctx-render-v1\0");
    hasher.update(format.as_str().as_bytes());
    hasher.update(b"\0");
    hasher.update(kind.as_str().as_bytes());
    hasher.update(b"\0");
    hasher
}

fn hash_piece(hasher: &mut blake3::Hasher, piece: &[u8]) {
    hasher.update(&(piece.len() as u64).to_le_bytes());
    hasher.update(blake3::hash(piece).as_bytes());
}

/// Prints warnings on stderr.
pub fn print_warnings(rendered: &Rendered) {
    for warning in &rendered.warnings {
        output::warn(warning);
    }
}
