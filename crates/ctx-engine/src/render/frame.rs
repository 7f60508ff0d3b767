//! The framing phase: each unit's text is redacted and framed into its
//! body, in parallel, and hashed once (the hash keys the token count cache
//! and goes into the render hash). A file the cache knows clean under the
//! current redaction rules, framed the same way before, is neither scanned
//! nor hashed again; what this render learns about a file is noted for the
//! cache.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use ctx_model::{ArtifactId, BlobHash, Fit, Format, Mode};
use ctx_redact::{RULES_VERSION, SecretKind};
use ctx_store::{BodyStamp, FileStamp, Query as _};

use super::Excluded;
use super::format::{self, Label};
use super::units::{Content, Unit};
use super::{lines, outline};
use crate::source::Stamp;
use crate::{Engine, Phase, Progress, Result, file_cache, parallel};

/// A unit framed in one of its forms and ready to count.
pub(crate) struct Framed {
    /// Position among all units, to list exclusions in render order.
    pub order: usize,
    pub artifact: ArtifactId,
    pub label: Label,
    /// The form the body holds the unit in.
    pub form: Mode,
    pub body: String,
    /// Where the content lies in the body.
    pub content: Range<usize>,
    /// BLAKE3 of the body: the key of its cached token count, and its part
    /// of the render hash.
    pub hash: BlobHash,
    /// Whether `hash` was taken from `body` by this render, rather than
    /// given by the file cache.
    pub hashed: bool,
    pub redactions: Vec<(SecretKind, u32)>,
    /// A file record to cache, when this render learned something about it.
    pub stamp: Option<(String, FileStamp)>,
    /// An outline to cache, when this render parsed one.
    pub outline: Option<outline::Learned>,
    /// The text to outline if the render turns out to need it: under
    /// `--fit degrade`, an outline the cache does not know is parsed only
    /// when not every item fits whole.
    pub deferred: Option<Box<Deferred>>,
}

impl Framed {
    /// The item at `order` of `artifact` in the form `form`, framed in
    /// `body`: hashed now, nothing redacted in it, nothing to cache.
    pub(super) fn new(
        order: usize,
        artifact: ArtifactId,
        label: Label,
        form: Mode,
        body: format::Body,
    ) -> Self {
        Self {
            order,
            artifact,
            label,
            form,
            hash: BlobHash::of(body.text.as_bytes()),
            hashed: true,
            body: body.text,
            content: body.content,
            redactions: Vec::new(),
            stamp: None,
            outline: None,
            deferred: None,
        }
    }
}

/// A text whose outline is put off: as read, and as shown where
/// redaction changed it.
pub(crate) struct Deferred {
    wanted: outline::Wanted,
    read: String,
    redacted: Option<String>,
}

/// The cached records of the files among `units` whose device, inode,
/// size, modification and change times all still match.
pub(super) fn known_files(engine: &Engine, units: &[Unit]) -> Result<HashMap<String, FileStamp>> {
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
    engine.read(|r| {
        let mut known = HashMap::with_capacity(files.len());
        for (path, stamp) in files {
            if let Some(record) = r.file_stamp(path)?
                && file_cache::same_version(&record, stamp)
            {
                known.insert(path.clone(), record);
            }
        }
        Ok(known)
    })
}

/// A text unit waiting to be framed.
struct Pending {
    order: usize,
    artifact: ArtifactId,
    label: Label,
    text: String,
    file: Option<(String, Stamp)>,
    known: Option<FileStamp>,
    /// Whether the render may show its outline.
    outline: Option<outline::Wanted>,
    /// Whether it may, but only if not everything fits whole.
    deferred: Option<outline::Wanted>,
}

/// How the units are framed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Framing {
    pub format: Format,
    pub redact: bool,
    /// Prefix each line of content with its line number in the source.
    pub line_numbers: bool,
    pub fit: Fit,
    /// Under degrade, parse outlines no cache knows only if the budget
    /// turns out to need them.
    pub defer_outlines: bool,
}

/// Frames every text unit on all cores, and sets the units left out aside;
/// both keep their position in render order. A unit is framed whole, and
/// as its outline too where the render may show that (after its whole
/// body); its path form is made once its whole size is counted.
pub(super) fn frame_all(
    engine: &Engine,
    units: Vec<Unit>,
    known: &HashMap<String, FileStamp>,
    framing: Framing,
    progress: &dyn Progress,
) -> Result<(Vec<Framed>, Vec<Excluded>)> {
    let wanted = outline::wanted(&units, framing.fit);
    let outlines = outline::cached(engine, &wanted)?;
    let mut excluded = Vec::new();
    let mut pending = Vec::new();
    for ((order, unit), outline) in units.into_iter().enumerate().zip(wanted) {
        // Under degrade a whole item's outline is a fallback: one the cache
        // does not know waits until the budget asks for it.
        let (outline, deferred) = match outline {
            Some(w)
                if framing.defer_outlines
                    && unit.mode == Mode::Full
                    && !outlines.contains_key(&w) =>
            {
                (None, Some(w))
            }
            outline => (outline, None),
        };
        match unit.content {
            Content::Text(text, file) => {
                let known = file.as_ref().and_then(|(path, _)| known.get(path).cloned());
                pending.push(Pending {
                    order,
                    artifact: unit.artifact,
                    label: unit.label,
                    text,
                    file,
                    known,
                    outline,
                    deferred,
                });
            }
            Content::Excluded(reason, tokens) => excluded.push(Excluded {
                order,
                artifact: unit.artifact,
                label: unit.label,
                reason,
                tokens,
            }),
            Content::Blob(_) => unreachable!("BUG: blobs are resolved before framing"),
        }
    }
    progress.phase(Phase::Framing, pending.len());
    let now_ns = file_cache::now_ns();
    let framed = parallel::map_into(pending, |p| {
        let framed = frame(p, framing, &outlines, now_ns);
        progress.tick(0);
        framed
    });
    let framed = framed
        .into_iter()
        .flat_map(|(whole, outline)| std::iter::once(whole).chain(outline))
        .collect();
    Ok((framed, excluded))
}

/// Redacts and frames one text, whole, and as its outline where one is
/// wanted and the text has one.
fn frame(
    p: Pending,
    framing: Framing,
    outlines: &outline::Known,
    now_ns: i128,
) -> (Framed, Option<Framed>) {
    let Framing {
        format,
        redact,
        line_numbers,
        ..
    } = framing;
    // A file known clean under the current rules need not be scanned.
    let clean = p
        .known
        .as_ref()
        .is_some_and(|k| k.clean_under == RULES_VERSION);
    let scan = redact && !clean;
    let (redacted, redactions) = if scan {
        match ctx_redact::redact_file(p.label.path.as_deref().unwrap_or_default(), &p.text) {
            (Cow::Owned(redacted), found) => (Some(redacted), found),
            (Cow::Borrowed(_), found) => (None, found),
        }
    } else {
        (None, Vec::new())
    };
    // The outline is of the text as read (the cache knows it by that),
    // shown as the whole is: redacted.
    let (outline, learned) = match p.outline {
        Some(wanted) => outline::of(wanted, &p.text, outlines),
        None => (None, None),
    };
    let outline_content =
        outline.and_then(|o| outline::content(&o, &p.text, redacted.as_deref(), line_numbers));
    let deferred = p.deferred.map(|wanted| {
        Box::new(Deferred {
            wanted,
            read: p.text.clone(),
            redacted: redacted.clone(),
        })
    });
    let content = redacted.unwrap_or(p.text);
    let title = p.label.title();
    // The same clean content framed the same way is the same body: its
    // hash is known without hashing it again. The cache knows bodies of
    // the content as it is, never with line numbers.
    let known_body = p
        .known
        .as_ref()
        .filter(|_| clean && !line_numbers)
        .and_then(|k| k.body.as_ref())
        .filter(|b| b.format == format && b.framing == format::FRAMING_VERSION && b.title == title)
        .map(|b| b.hash);
    let content = if line_numbers {
        lines::numbered(&content, p.label.lines.map_or(1, |(first, _)| first))
    } else {
        content
    };
    let body = format::body(format, &p.label, content);
    let hash = known_body.unwrap_or_else(|| BlobHash::of(body.text.as_bytes()));
    let now_clean = clean || (scan && redactions.is_empty());
    let stamp = p
        .file
        .filter(|(_, st)| {
            // Numbered, a body is not the one the cache keeps: a file known
            // clean already has nothing to add.
            let new = known_body.is_none() && !(line_numbers && clean);
            now_clean && new && !file_cache::racy(st, now_ns)
        })
        .map(|(path, st)| {
            let stamp = FileStamp {
                body: (!line_numbers).then_some(BodyStamp {
                    format,
                    title,
                    framing: format::FRAMING_VERSION,
                    hash,
                }),
                ..file_cache::clean(&st)
            };
            (path, stamp)
        });
    let outline = outline_content.map(|text| {
        let body = format::body_in(format, &p.label, text, Mode::Outline);
        Framed {
            redactions: redactions.clone(),
            ..Framed::new(p.order, p.artifact, p.label.clone(), Mode::Outline, body)
        }
    });
    let whole = Framed {
        order: p.order,
        artifact: p.artifact,
        label: p.label,
        form: Mode::Full,
        body: body.text,
        content: body.content,
        hash,
        hashed: known_body.is_none(),
        redactions,
        stamp,
        outline: learned,
        deferred,
    };
    (whole, outline)
}

/// The outline form of the whole item `whole`, whose outline was put off,
/// if its text has one; and what to cache of it. Parses now.
pub(super) fn outline_deferred(
    whole: &Framed,
    deferred: Deferred,
    framing: Framing,
) -> (Option<Framed>, outline::Learned) {
    let (outline, learned) = outline::of(deferred.wanted, &deferred.read, &outline::Known::new());
    let learned = learned.expect("BUG: an outline parsed now is learned");
    let content = outline.and_then(|o| {
        outline::content(
            &o,
            &deferred.read,
            deferred.redacted.as_deref(),
            framing.line_numbers,
        )
    });
    let framed = content.map(|text| {
        let body = format::body_in(framing.format, &whole.label, text, Mode::Outline);
        let label = whole.label.clone();
        Framed {
            redactions: whole.redactions.clone(),
            ..Framed::new(whole.order, whole.artifact, label, Mode::Outline, body)
        }
    });
    (framed, learned)
}
