//! The counting phase: each body's token count, from the cache where the
//! store knows it, counted on all cores where it does not. What a render
//! learned (counts, file records) is cached afterwards; a store that cannot
//! take it now does not fail the render.
//!
//! A count is cached only under the hash of the bytes it counted: a body
//! whose hash came from the file cache is hashed before its count is
//! stored, so no cache can file a count under content it never saw.

use ctx_model::{BlobHash, TokenizerKind};
use ctx_store::{Query as _, StoreError};

use super::frame::Framed;
use crate::{Engine, Phase, Progress, Result, Warning, parallel, tokenize};

/// A body's token count, and whether this render counted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Counted {
    pub tokens: u64,
    pub fresh: bool,
}

/// Token counts of every body, in order. A body counted here whose hash
/// the file cache gave is hashed too, and takes that hash.
pub(super) fn count_bodies(
    engine: &Engine,
    kind: TokenizerKind,
    framed: &mut [Framed],
    progress: &dyn Progress,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Counted>> {
    if framed.is_empty() {
        return Ok(Vec::new());
    }
    let cached: Vec<Option<u32>> = engine.read(|r| {
        framed
            .iter()
            .map(|f| r.token_count(&f.hash, kind))
            .collect::<Result<_, StoreError>>()
            .map_err(Into::into)
    })?;
    let mut tokens: Vec<Counted> = cached
        .iter()
        .map(|c| Counted {
            tokens: u64::from(c.unwrap_or(0)),
            fresh: false,
        })
        .collect();
    let missing: Vec<usize> = (0..framed.len()).filter(|&i| cached[i].is_none()).collect();
    let learned = framed
        .iter()
        .any(|f| f.stamp.is_some() || f.outline.is_some());
    if missing.is_empty() && !learned {
        return Ok(tokens);
    }
    let known = content_counts(engine, kind, framed, &missing)?;
    progress.phase(Phase::Counting, missing.len());
    let counted: Vec<(u32, Option<BlobHash>)> = {
        let framed = &*framed;
        let work: Vec<(usize, Option<u32>)> = missing.iter().copied().zip(known).collect();
        parallel::map(&work, |&(i, known)| {
            let f = &framed[i];
            // Content counted before (as `pack add` captured it) needs
            // only its meeting with the frame counted.
            let (b, c) = (&f.body, &f.content);
            let n = known
                .and_then(|n| {
                    let (open, close) = (&b[..c.start], &b[c.end..]);
                    tokenize::count_framed(kind, open, &b[c.clone()], close, n)
                })
                .unwrap_or_else(|| tokenize::count(kind, b));
            // Hashing costs a small fraction of counting.
            let hash = (!f.hashed).then(|| BlobHash::of(f.body.as_bytes()));
            progress.tick(u64::from(n));
            (n, hash)
        })
    };
    for (&i, &(n, hash)) in missing.iter().zip(&counted) {
        tokens[i] = Counted {
            tokens: u64::from(n),
            fresh: true,
        };
        if let Some(hash) = hash {
            // Equal unless the file cache lied; then the bytes' own hash
            // is the one the render hash must cover too.
            framed[i].hash = hash;
            framed[i].hashed = true;
        }
    }
    let cached = engine.write(|w| {
        for (&i, &(n, _)) in missing.iter().zip(&counted) {
            w.put_token_count(&framed[i].hash, kind, n)?;
        }
        for (path, stamp) in framed.iter().filter_map(|f| f.stamp.as_ref()) {
            w.put_file_stamp(path, stamp)?;
        }
        for o in framed.iter().filter_map(|f| f.outline.as_ref()) {
            w.put_outline(&o.text, &o.key, &o.encoded)?;
        }
        Ok(())
    });
    if let Err(err) = cached {
        warnings.push(Warning::NotCached {
            reason: err.to_string(),
        });
    }
    Ok(tokens)
}

/// The cached counts of the content of the bodies at `missing`, as framed
/// (escaped and redacted): content captured by `pack add` and framed
/// unchanged is counted already.
fn content_counts(
    engine: &Engine,
    kind: TokenizerKind,
    framed: &[Framed],
    missing: &[usize],
) -> Result<Vec<Option<u32>>> {
    let hashes: Vec<BlobHash> = parallel::map(missing, |&i| {
        let f = &framed[i];
        BlobHash::of(f.body[f.content.clone()].as_bytes())
    });
    engine.read(|r| {
        hashes
            .iter()
            .map(|h| r.token_count(h, kind))
            .collect::<Result<_, StoreError>>()
            .map_err(Into::into)
    })
}

#[cfg(test)]
mod tests {
    use crate::tokenize;

    /// Texts built to meet the frame badly: leading blank lines, no final
    /// newline, backtick runs, CRLF, indentation, comments, punctuation at
    /// line ends, non-ASCII letters and spaces.
    fn awkward() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\n\n".to_owned()),
            Just("    ".to_owned()),
            Just("\t".to_owned()),
            Just(" ".to_owned()),
            Just("```".to_owned()),
            Just("// note".to_owned()),
            Just("/".to_owned()),
            Just("});".to_owned()),
            Just("<a href=\"x\">&amp;</a>".to_owned()),
            Just("fn main() {".to_owned()),
            Just("}".to_owned()),
            Just("'s".to_owned()),
            Just("123456".to_owned()),
            Just("é日本\u{a0}\u{3000}".to_owned()),
            "[a-zA-Z]{1,8}",
            "[ -~]{1,6}",
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        /// Counting only where the content meets its frame gives the
        /// count of the whole body, in every format, with both tokenizers.
        #[test]
        fn a_framed_count_is_the_count_of_the_body(content in awkward(), path in "[a-z]{1,6}(\\.rs|\\.md)?") {
            use ctx_model::Format;
            let label = crate::render::format::Label {
                pack: "p".into(),
                source: path.clone(),
                path: Some(path.clone()),
                lines: None,
            };
            for format in [Format::Markdown, Format::Xml, Format::Plain, Format::Json] {
                let body = crate::render::format::body(format, &label, content.clone());
                for kind in [ctx_model::TokenizerKind::O200k, ctx_model::TokenizerKind::Cl100k] {
                    let (b, c) = (&body.text, body.content.clone());
                    let known = tokenize::count(kind, &b[c.clone()]);
                    if let Some(n) = tokenize::count_framed(kind, &b[..c.start], &b[c.clone()], &b[c.end..], known) {
                        proptest::prop_assert_eq!(n, tokenize::count(kind, &body.text), "{:?} {:?}", format, kind);
                    }
                }
            }
        }
    }
}
