//! Outlines of code items (`--mode outline`, and the middle form of `--fit
//! degrade`): what `ctx-outline` elides from a whole file, cached in the
//! store by the hash of the text, its language and the outline version, as
//! token counts are, so a warm render parses nothing.

use std::collections::HashMap;

use ctx_model::{BlobHash, Fit, Mode};
use ctx_outline::{Language, OUTLINE_VERSION, Outline};
use ctx_store::Query as _;

use super::units::{Content, Unit};
use crate::{Engine, Result, parallel};

/// A text whose outline a render may show: its language and the hash of
/// the text as read, which keys the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Wanted {
    pub language: Language,
    pub text: BlobHash,
}

/// What the cache knows: the outline of a text, or that it has none.
pub(super) type Known = HashMap<Wanted, Option<Outline>>;

/// An outline a render computed, for the cache.
pub(crate) struct Learned {
    pub text: BlobHash,
    pub key: String,
    pub encoded: Vec<u8>,
}

/// The cache key beside the text's hash.
pub(super) fn key(language: Language) -> String {
    format!("{}/{OUTLINE_VERSION}", language.name())
}

/// For each unit, whether the render may show its outline: a whole file
/// of a known language, of an artifact whose mode is `outline`, or `full`
/// under `--fit degrade`. A range is always shown as it is.
pub(super) fn wanted(units: &[Unit], fit: Fit) -> Vec<Option<Wanted>> {
    parallel::map(units, |unit| {
        let Content::Text(text, _) = &unit.content else {
            return None;
        };
        let may = unit.mode == Mode::Outline || (unit.mode == Mode::Full && fit == Fit::Degrade);
        if !may || unit.label.lines.is_some() {
            return None;
        }
        let language = Language::from_path(unit.label.path.as_deref()?)?;
        Some(Wanted {
            language,
            text: BlobHash::of(text.as_bytes()),
        })
    })
}

/// The cached outlines of the wanted texts, in one read.
pub(super) fn cached(engine: &Engine, wanted: &[Option<Wanted>]) -> Result<Known> {
    if wanted.iter().all(Option::is_none) {
        return Ok(Known::new());
    }
    engine.read(|r| {
        let mut known = Known::new();
        for w in wanted.iter().flatten() {
            if let Some(bytes) = r.outline(&w.text, &key(w.language))? {
                // Bytes the cache cannot decode are as good as none.
                let outline = if bytes.is_empty() {
                    None
                } else {
                    match Outline::decode(&bytes) {
                        Some(outline) => Some(outline),
                        None => continue,
                    }
                };
                known.insert(*w, outline);
            }
        }
        Ok(known)
    })
}

/// Caches outlines a render parsed after its counting phase; a store that
/// cannot take them now does not fail the render.
pub(super) fn remember(engine: &Engine, learned: &[Learned], warnings: &mut Vec<crate::Warning>) {
    let cached = engine.write(|w| {
        for o in learned {
            w.put_outline(&o.text, &o.key, &o.encoded)?;
        }
        Ok(())
    });
    if let Err(err) = cached {
        warnings.push(crate::Warning::NotCached {
            reason: err.to_string(),
        });
    }
}

/// The outline of `text`, from the cache or parsed now (then also what
/// to cache).
pub(super) fn of(wanted: Wanted, text: &str, known: &Known) -> (Option<Outline>, Option<Learned>) {
    if let Some(cached) = known.get(&wanted) {
        return (cached.clone(), None);
    }
    let outline = ctx_outline::outline(wanted.language, text);
    let learned = Learned {
        text: wanted.text,
        key: key(wanted.language),
        encoded: outline.as_ref().map(Outline::encode).unwrap_or_default(),
    };
    (outline, Some(learned))
}

/// The content of the outline form: the text as shown (`redacted`, where
/// redaction changed it; the outline was taken of the text as read) with
/// the elided lines replaced by their markers, and with line numbers the
/// kept lines' own. `None` when redaction changed the number of lines, so
/// the outline's lines are not the shown text's.
pub(super) fn content(
    outline: &Outline,
    read: &str,
    redacted: Option<&str>,
    line_numbers: bool,
) -> Option<String> {
    if redacted.is_some_and(|shown| lines(shown) != lines(read)) {
        return None;
    }
    let text = outline.text(redacted.unwrap_or(read));
    Some(if line_numbers {
        super::lines::numbered_outline(&text, outline)
    } else {
        text
    })
}

fn lines(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ctx_model::{Format, Timestamp, TokenizerKind};
    use ctx_store::Query as _;

    use super::*;
    use crate::{AddArtifact, CreatePack, Quiet, RenderOptions, Stamp};

    const CODE: &str = "pub fn add(a: u32, b: u32) -> u32 {\n    let sum = a + b;\n    let twice = sum * 2;\n    let back = twice / 2;\n    back\n}\n";

    fn engine() -> (tempfile::TempDir, Engine) {
        let home = tempfile::tempdir().expect("temp home");
        std::fs::write(home.path().join("lib.rs"), CODE).expect("write");
        let engine = Engine::new(
            home.path().join("store"),
            Duration::ZERO,
            Stamp {
                time: Timestamp(1_000),
                user: "t".into(),
                version: "0".into(),
                command: vec!["ctx".into()],
            },
        );
        let root = std::fs::canonicalize(home.path()).expect("canonical");
        engine
            .create_pack(&CreatePack {
                name: "p".into(),
                root: root.clone(),
                budget: 100_000,
                tokenizer: TokenizerKind::O200k,
            })
            .expect("create");
        engine
            .add(&AddArtifact {
                pack: "p".into(),
                source: "lib.rs".into(),
                cwd: root,
                priority: 0,
                options: ctx_model::AddOptions {
                    max_file_bytes: 1 << 20,
                    ..Default::default()
                },
                store_redacted: false,
            })
            .expect("add");
        (home, engine)
    }

    fn render(engine: &Engine, budget: u64) -> super::super::Rendered {
        let options = RenderOptions {
            format: Format::Markdown,
            budget: Some(budget),
            tokenizer: None,
            frozen: false,
            redact: true,
            strict: false,
            at: None,
            since: None,
            fit: Some(Fit::Degrade),
            tree: false,
            line_numbers: false,
        };
        engine
            .render(&["p".into()], &options, &Quiet)
            .expect("render")
    }

    fn cached(engine: &Engine) -> Option<Vec<u8>> {
        engine
            .read(|r| Ok(r.outline(&BlobHash::of(CODE.as_bytes()), &key(Language::Rust))?))
            .expect("read")
    }

    /// Degrade parses an outline only when not every item fits whole, and
    /// then shows it as a render with the outline cached would.
    #[test]
    fn degrade_parses_outlines_only_when_the_budget_needs_them() {
        let (_home, engine) = engine();
        let whole = render(&engine, 100_000);
        assert_eq!(whole.items[0].form, Mode::Full);
        assert_eq!(cached(&engine), None, "nothing was parsed");
        let tight = whole.tokens - 5;
        let cold = render(&engine, tight);
        assert_eq!(cold.items[0].form, Mode::Outline);
        assert_eq!(
            cold.cache.counted, 1,
            "the outline form, counted after the check"
        );
        assert!(cached(&engine).is_some_and(|o| !o.is_empty()));
        let warm = render(&engine, tight);
        assert_eq!(warm.payload(), cold.payload());
        assert_eq!(warm.render_hash, cold.render_hash);
    }
}
