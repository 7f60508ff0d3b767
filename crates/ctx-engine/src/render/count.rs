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
    let learned = framed.iter().any(|f| f.stamp.is_some());
    if missing.is_empty() && !learned {
        return Ok(tokens);
    }
    progress.phase(Phase::Counting, missing.len());
    let counted: Vec<(u32, Option<BlobHash>)> = {
        let framed = &*framed;
        parallel::map(&missing, |&i| {
            let f = &framed[i];
            let n = tokenize::count(kind, &f.body);
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
        Ok(())
    });
    if let Err(err) = cached {
        warnings.push(Warning::NotCached {
            reason: err.to_string(),
        });
    }
    Ok(tokens)
}
