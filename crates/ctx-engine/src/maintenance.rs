//! Keeping a store healthy: `gc` removes content nothing needs and gives
//! the space back; `fsck` checks every blob, the log and the derived
//! tables, re-counts a sample of the cached token counts (all of them with
//! `full`), and with `repair` rebuilds the derived tables from the log (the
//! log itself is never changed) and drops the counts that were wrong.
//!
//! The store lists and deletes counts; counting needs the tokenizers, which
//! live here. A count can be checked only when its content is a stored
//! blob (what `pack add` captured, or a snapshot's item); the body of a
//! render never snapshotted is kept nowhere, and its count is
//! `unverifiable`.

use serde::Serialize;

use ctx_model::TokenizerKind;
use ctx_store::fsck::{self, Problem};
use ctx_store::{CachedCount, Query, StoreError};

use crate::view::display;
use crate::{Engine, Result, parallel, tokenize};

/// Most cached counts a sampled check re-counts.
const SAMPLE_COUNTS: usize = 512;

/// Most bytes of content a sampled check re-counts: with counting at some
/// tens of MB/s per core, a fraction of a second however big the store.
const SAMPLE_BYTES: usize = 8 << 20;

/// Bytes of content read before each parallel count, so a full check
/// holds no more than this at a time.
const BATCH_BYTES: usize = 16 << 20;

/// What `gc` removed, or would remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Collected {
    pub dry_run: bool,
    pub blobs_removed: u64,
    /// Bytes of blob content removed.
    pub bytes_removed: u64,
    /// The database file's size before and after.
    pub file_before: u64,
    pub file_after: u64,
    /// What went back to the disk.
    pub bytes_returned: u64,
}

/// What `fsck` looked at, and what it found.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    pub events: u64,
    /// Bytes of the encoded events, as stored.
    pub event_bytes: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Blobs purged on purpose, which are gone and not missing.
    pub purged: u64,
    /// Every problem, each shown as one line.
    #[serde(serialize_with = "problems")]
    pub problems: Vec<Problem>,
    /// Whether the derived tables were rebuilt first.
    pub repaired: bool,
    /// What the check of cached token counts found.
    pub counts: CountsChecked,
}

/// What `fsck` found of the cached token counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CountsChecked {
    /// Counts in the cache.
    pub cached: u64,
    /// Counts re-counted from their content.
    pub checked: u64,
    /// Counts picked whose content the store does not hold (bodies of
    /// renders never snapshotted), so there was nothing to count.
    pub unverifiable: u64,
    /// Counts that differ from a count of their content.
    pub mismatched: u64,
    /// Wrong counts dropped by `repair`.
    pub dropped: u64,
    /// Whether every count was picked, not a sample.
    pub full: bool,
}

fn problems<S: serde::Serializer>(list: &[Problem], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Line<'a>(#[serde(serialize_with = "display")] &'a Problem);
    s.collect_seq(list.iter().map(Line))
}

impl Checked {
    /// Whether every problem is one `repair` fixes: a derived table out of
    /// step with the log, or a wrong cached token count.
    pub fn repairable(&self) -> bool {
        self.problems.iter().all(|p| {
            matches!(
                p,
                Problem::IndexMismatch { .. } | Problem::CountMismatch { .. }
            )
        })
    }
}

impl Engine {
    /// Removes blobs no event and no snapshot needs (unless `dry_run`), and
    /// compacts the database file.
    pub fn gc(&self, dry_run: bool) -> Result<Collected> {
        // Nothing to collect in a store that does not exist, and a dry run
        // creates none.
        if dry_run && !self.has_store()? {
            return Ok(Collected {
                dry_run,
                blobs_removed: 0,
                bytes_removed: 0,
                file_before: 0,
                file_after: 0,
                bytes_returned: 0,
            });
        }
        // A dry run only reads: it works on a store this user may not write.
        let mut store = if dry_run {
            self.store_read()?
        } else {
            self.store()?
        };
        let report = store.gc(dry_run)?;
        // redb writes its header and trims the file as it closes, so the
        // size the store sees while open is not the size it leaves.
        drop(store);
        let file_after = if dry_run {
            report.file_after
        } else {
            self.file_size()?
        };
        Ok(Collected {
            dry_run,
            blobs_removed: report.blobs_removed,
            bytes_removed: report.bytes_removed,
            file_before: report.file_before,
            file_after,
            bytes_returned: report.file_before.saturating_sub(file_after),
        })
    }

    /// Checks the store, re-counting a sample of the cached token counts
    /// (all of them with `full`); with `repair`, rebuilds the derived
    /// tables from the log first and drops the wrong counts after. Problems
    /// are part of the outcome, not an error.
    pub fn fsck(&self, repair: bool, full: bool) -> Result<Checked> {
        if repair {
            self.write(|w| Ok(w.rebuild_derived()?))?;
        }
        let (report, mut counts, wrong) = self.read(|r| {
            let report = fsck::check(r)?;
            let (counts, wrong) = check_counts(r, full)?;
            Ok((report, counts, wrong))
        })?;
        let mut problems = report.problems;
        if repair && !wrong.is_empty() {
            self.write(|w| {
                for problem in &wrong {
                    if let Problem::CountMismatch {
                        hash, tokenizer, ..
                    } = problem
                    {
                        w.delete_token_count(hash, *tokenizer)?;
                    }
                }
                Ok(())
            })?;
            counts.dropped = wrong.len() as u64;
        } else {
            problems.extend(wrong);
        }
        Ok(Checked {
            events: report.events,
            event_bytes: report.event_bytes,
            blobs: report.blobs,
            blob_bytes: report.blob_bytes,
            purged: report.purged,
            problems,
            repaired: repair,
            counts,
        })
    }
}

/// Re-counts the cached counts `pick` chooses whose content is stored, and
/// returns what it found with a problem for each wrong one.
fn check_counts(r: &impl Query, full: bool) -> Result<(CountsChecked, Vec<Problem>)> {
    let all = r.token_counts()?;
    let picked = pick(all.len(), full, r.last_seq()?.0);
    for kind in TokenizerKind::ALL {
        if picked.iter().any(|&i| all[i].tokenizer == kind) {
            tokenize::warm(kind);
        }
    }
    let mut found = CountsChecked {
        cached: all.len() as u64,
        full,
        ..CountsChecked::default()
    };
    let mut wrong = Vec::new();
    let mut batch: Vec<(CachedCount, Vec<u8>)> = Vec::new();
    let (mut batch_bytes, mut read_bytes) = (0, 0);
    for count in picked.into_iter().map(|i| all[i]) {
        if !full && read_bytes >= SAMPLE_BYTES {
            break;
        }
        let bytes = match r.blob(&count.hash) {
            Ok(Some(bytes)) => bytes,
            // No content, or content the blob check reports as damaged:
            // nothing to count it against.
            Ok(None) | Err(StoreError::HashMismatch { .. } | StoreError::MissingBlob { .. }) => {
                found.unverifiable += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        read_bytes += bytes.len();
        batch_bytes += bytes.len();
        batch.push((count, bytes));
        if batch_bytes >= BATCH_BYTES {
            recount(std::mem::take(&mut batch), &mut found, &mut wrong);
            batch_bytes = 0;
        }
    }
    recount(batch, &mut found, &mut wrong);
    Ok((found, wrong))
}

/// Which of `len` counts (in key order) a check re-counts: all of them
/// with `full`, otherwise about [`SAMPLE_COUNTS`] spread evenly over the
/// key space (hashes, so over the content at random). The offset comes
/// from `seed` (the newest event's seq): the same store always gives the
/// same sample, and as its log grows the sample moves on to other counts.
fn pick(len: usize, full: bool, seed: u64) -> Vec<usize> {
    if full || len <= SAMPLE_COUNTS {
        return (0..len).collect();
    }
    let stride = len.div_ceil(SAMPLE_COUNTS);
    let offset = (seed % stride as u64) as usize;
    (offset..len).step_by(stride).collect()
}

/// Counts each content on all cores and notes each count that differs.
fn recount(
    batch: Vec<(CachedCount, Vec<u8>)>,
    found: &mut CountsChecked,
    wrong: &mut Vec<Problem>,
) {
    let counted = parallel::map(&batch, |(count, bytes)| {
        // Counts are of texts; a blob is the UTF-8 of the text counted.
        tokenize::count(count.tokenizer, &String::from_utf8_lossy(bytes))
    });
    found.checked += batch.len() as u64;
    for ((count, _), counted) in batch.iter().zip(counted) {
        if counted != count.tokens {
            found.mismatched += 1;
            wrong.push(Problem::CountMismatch {
                hash: count.hash,
                tokenizer: count.tokenizer,
                cached: count.tokens,
                counted,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_bounded_spread_and_moves_with_the_seed() {
        let len = 40_000;
        let a = pick(len, false, 7);
        let stride = len.div_ceil(SAMPLE_COUNTS);
        assert!(
            a.len() <= SAMPLE_COUNTS && a.len() >= len / stride,
            "{}",
            a.len()
        );
        assert_eq!(a, pick(len, false, 7), "not deterministic");
        assert_ne!(a, pick(len, false, 8), "the seed does not move it");
        assert!(
            a[0] < stride && a[a.len() - 1] >= len - stride,
            "not spread"
        );
        // Over as many seeds as the stride, every count is picked once.
        let mut all: Vec<usize> = (0..stride as u64)
            .flat_map(|seed| pick(len, false, seed))
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..len).collect::<Vec<_>>());
        assert_eq!(pick(len, true, 7).len(), len);
        assert_eq!(pick(100, false, 3).len(), 100);
    }
}
