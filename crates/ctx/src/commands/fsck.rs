//! `ctx fsck`: check the store's integrity and a sample of its cached token
//! counts (all of them with `--full`); with `--repair`, rebuild the derived
//! tables from the log first and drop wrong counts. Any problem is exit
//! code 6.

use ctx_engine::{Checked, count};

use crate::cli::FsckArgs;
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn fsck(inv: &Invocation, args: FsckArgs, out: &mut Output) -> Result<()> {
    let checked = inv.engine.fsck(args.repair, args.full)?;
    out.emit(&checked)?;
    if checked.problems.is_empty() {
        return Ok(());
    }
    let err = CliError::new(
        Kind::Integrity,
        format!(
            "the store failed its integrity check ({})",
            count(checked.problems.len() as u64, "problem")
        ),
    );
    if !checked.repaired && checked.repairable() {
        return Err(err.hint(
            "`ctx fsck --repair` rebuilds the derived tables from the log and drops wrong token counts",
        ));
    }
    Err(err)
}

impl Human for Checked {
    fn print(&self, out: &mut Output) -> Result<()> {
        for problem in &self.problems {
            out.line(problem)?;
        }
        let purged = if self.purged == 0 {
            String::new()
        } else {
            format!(", {} purged", count(self.purged, "blob"))
        };
        if self.counts.dropped > 0 {
            status(format!(
                "Dropped {} that did not match {}.",
                count(self.counts.dropped, "cached token count"),
                if self.counts.dropped == 1 {
                    "its content"
                } else {
                    "their content"
                }
            ));
        }
        status(format!(
            "Checked {}, {} ({} bytes){purged}, {} of {}: {}.",
            count(self.events, "event"),
            count(self.blobs, "blob"),
            self.blob_bytes,
            self.counts.checked,
            count(self.counts.cached, "token count"),
            if self.problems.is_empty() {
                "no problems".to_owned()
            } else {
                count(self.problems.len() as u64, "problem")
            }
        ));
        Ok(())
    }
}
