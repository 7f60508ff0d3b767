//! `ctx fsck`: check the store's integrity, and with `--repair` rebuild the
//! derived tables from the log first. Any problem is exit code 6.

use ctx_engine::{Checked, count};

use crate::cli::FsckArgs;
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn fsck(inv: &Invocation, args: FsckArgs, out: &mut Output) -> Result<()> {
    let checked = inv.engine.fsck(args.repair)?;
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
        return Err(err.hint("`ctx fsck --repair` rebuilds the derived tables from the log"));
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
        status(format!(
            "Checked {}, {} ({} bytes){purged}: {}.",
            count(self.events, "event"),
            count(self.blobs, "blob"),
            self.blob_bytes,
            if self.problems.is_empty() {
                "no problems".to_owned()
            } else {
                count(self.problems.len() as u64, "problem")
            }
        ));
        Ok(())
    }
}
