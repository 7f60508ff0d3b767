//! `ctx gc`: remove content no event and no snapshot needs, and give the
//! space back to the disk.

use ctx_engine::{Collected, count};

use crate::cli::GcArgs;
use crate::error::Result;
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn gc(inv: &Invocation, args: GcArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.gc(args.dry_run)?)
}

impl Human for Collected {
    fn print(&self, _: &mut Output) -> Result<()> {
        let what = format!(
            "{} ({} bytes of content)",
            count(self.blobs_removed, "unreferenced blob"),
            self.bytes_removed
        );
        if self.dry_run {
            status(format!("Would remove {what}; nothing was changed."));
        } else {
            status(format!(
                "Removed {what}; the database file went from {} to {} bytes.",
                self.file_before, self.file_after
            ));
        }
        Ok(())
    }
}
