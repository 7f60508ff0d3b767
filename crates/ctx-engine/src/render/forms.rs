//! The forms an item may take in a payload. Every text is framed whole;
//! where the render may show less of it, its outline and its path line are
//! framed too, and the budget phase picks one form per item.

use ctx_model::{Fit, Format, Mode, TokenizerKind};

use super::format;
use super::frame::Framed;
use crate::{parallel, tokenize};

/// One form of an item, framed and counted.
pub(crate) struct Shape {
    pub framed: Framed,
    /// Tokens of the body.
    pub tokens: u64,
}

/// An item that may go in, in each form it may take, cheapest first: the
/// last is the fullest.
pub(crate) struct Candidate {
    pub forms: Vec<Shape>,
    /// Tokens of its whole body, what a smaller form saves against.
    pub whole: u64,
}

impl Candidate {
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

/// The path form of the item `whole` frames whole, counting `tokens`.
fn path_form(whole: &Framed, tokens: u64, format: Format, kind: TokenizerKind) -> Shape {
    let body = format::path_body(format, &whole.label, tokens);
    let framed = Framed {
        order: whole.order,
        artifact: whole.artifact,
        label: whole.label.clone(),
        form: Mode::Path,
        hash: ctx_model::BlobHash::of(body.text.as_bytes()),
        hashed: true,
        body: body.text,
        content: body.content,
        redactions: Vec::new(),
        stamp: None,
        outline: None,
    };
    let tokens = u64::from(tokenize::count(kind, &framed.body));
    Shape { framed, tokens }
}
