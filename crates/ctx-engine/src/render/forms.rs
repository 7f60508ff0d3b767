//! The forms an item may take in a payload. Every text is framed whole;
//! where the render may show less of it, its outline and its path line are
//! framed too, and the budget phase picks one form per item.

use ctx_model::{Fit, Format, Mode, TokenizerKind};

use super::format;
use super::frame::{self, Framed, Framing};
use super::{count, outline};
use crate::{Engine, Phase, Progress, Result, Warning, parallel, tokenize};

/// One form of an item, framed and counted.
pub(crate) struct Shape {
    pub framed: Framed,
    /// Tokens of the body.
    pub tokens: u64,
}

/// An item that may go in, in each form it may take, least first: the
/// last is the fullest.
pub(crate) struct Candidate {
    pub forms: Vec<Shape>,
    /// Tokens of its whole body, what a smaller form saves against.
    pub whole: u64,
}

impl Candidate {
    /// Drops what was kept to outline it later.
    pub fn forget_deferred(&mut self) {
        for s in &mut self.forms {
            s.framed.deferred = None;
        }
    }

    /// Its form `form`, or its fullest.
    fn fullest_of(&self, form: Mode) -> &Shape {
        (self.forms.iter().find(|s| s.framed.form == form)).unwrap_or_else(|| self.fullest())
    }

    /// The fullest form the item may take.
    pub fn fullest(&self) -> &Shape {
        self.forms.last().expect("BUG: a candidate has a form")
    }
}

/// Groups the framed bodies (whole first, each unit's forms together, in
/// render order) into candidates, adding the path form where `fit` or the
/// unit's mode asks for it. `modes` gives each unit's mode, by its order.
pub(super) fn candidates(
    framed: Vec<Framed>,
    tokens: Vec<u64>,
    modes: &[Mode],
    fit: Fit,
    format: Format,
    kind: TokenizerKind,
) -> Vec<Candidate> {
    let mut groups: Vec<Vec<Shape>> = Vec::new();
    for (framed, tokens) in framed.into_iter().zip(tokens) {
        let shape = Shape { framed, tokens };
        match groups.last_mut() {
            Some(group) if group[0].framed.order == shape.framed.order => group.push(shape),
            _ => groups.push(vec![shape]),
        }
    }
    parallel::map_into(groups, |mut shapes| {
        let whole = shapes[0].tokens;
        let mode = modes
            .get(shapes[0].framed.order)
            .copied()
            .unwrap_or_default();
        let path = (mode == Mode::Path || fit == Fit::Degrade)
            .then(|| path_form(&shapes[0].framed, whole, format, kind));
        // A file with no outline, or one that saves nothing, renders whole.
        let has_outline = shapes
            .iter()
            .any(|s| s.framed.form == Mode::Outline && s.tokens < whole);
        let fullest = match mode {
            Mode::Outline if !has_outline => Mode::Full,
            mode => mode,
        };
        shapes.retain(|s| {
            let form = s.framed.form;
            form != Mode::Path && form <= fullest && (form != Mode::Outline || s.tokens < whole)
        });
        shapes.sort_by_key(|s| s.framed.form);
        shapes.splice(0..0, path);
        if fit == Fit::Drop {
            shapes.drain(..shapes.len() - 1);
        }
        Candidate {
            forms: shapes,
            whole,
        }
    })
}

/// Parses the outlines a degrade render put off (because every item might
/// fit whole) and adds them to the candidates as forms, counted: the
/// budget turned out to need them. Returns their counts, as the counting
/// phase gave them.
pub(super) fn outline_deferred(
    engine: &Engine,
    candidates: &mut [Candidate],
    framing: Framing,
    kind: TokenizerKind,
    progress: &dyn Progress,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<count::Counted>> {
    let work: Vec<(usize, Box<frame::Deferred>)> = (candidates.iter_mut().enumerate())
        .filter_map(|(i, c)| {
            let whole = c.forms.iter_mut().find(|s| s.framed.form == Mode::Full)?;
            Some((i, whole.framed.deferred.take()?))
        })
        .collect();
    if work.is_empty() {
        return Ok(Vec::new());
    }
    progress.phase(Phase::Framing, work.len());
    let made = {
        let candidates = &*candidates;
        parallel::map_into(work, |(i, deferred)| {
            let whole = candidates[i].fullest_of(Mode::Full);
            let (framed, learned) = frame::outline_deferred(&whole.framed, *deferred, framing);
            progress.tick(0);
            (i, framed, learned)
        })
    };
    let mut learned = Vec::with_capacity(made.len());
    let mut at = Vec::new();
    let mut bodies = Vec::new();
    for (i, framed, l) in made {
        learned.push(l);
        if let Some(framed) = framed {
            at.push(i);
            bodies.push(framed);
        }
    }
    let counted = count::count_bodies(engine, kind, &mut bodies, progress, warnings)?;
    outline::remember(engine, &learned, warnings);
    for ((i, framed), counted) in at.into_iter().zip(bodies).zip(counted.iter().copied()) {
        let c = &mut candidates[i];
        // As `candidates` keeps it: only an outline smaller than the whole.
        if counted.tokens < c.whole {
            let at = c.forms.partition_point(|s| s.framed.form < Mode::Outline);
            let shape = Shape {
                framed,
                tokens: counted.tokens,
            };
            c.forms.insert(at, shape);
        }
    }
    Ok(counted)
}

/// The path form of the item `whole` frames whole, counting `tokens`.
fn path_form(whole: &Framed, tokens: u64, format: Format, kind: TokenizerKind) -> Shape {
    let body = format::path_body(format, &whole.label, tokens);
    let label = whole.label.clone();
    let framed = Framed::new(whole.order, whole.artifact, label, Mode::Path, body);
    let tokens = u64::from(tokenize::count(kind, &framed.body));
    Shape { framed, tokens }
}
