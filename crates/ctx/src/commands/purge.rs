//! `ctx purge`: remove captured content from the store for good.

use ctx_engine::{PurgeTarget, Purged, count};

use crate::cli::PurgeArgs;
use crate::error::Result;
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn purge(inv: &Invocation, args: PurgeArgs, out: &mut Output) -> Result<()> {
    let target = match (&args.pack, &args.artifact, &args.path, &args.blob) {
        (_, _, Some(path), _) => PurgeTarget::Path(path),
        (_, _, _, Some(blob)) => PurgeTarget::Blob(blob),
        (Some(pack), Some(artifact), ..) => PurgeTarget::Artifact { pack, artifact },
        _ => unreachable!("BUG: clap requires a pack and artifact, a path or a blob"),
    };
    out.emit(&inv.engine.purge(target)?)
}

impl Human for Purged {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Purged {} ({} bytes); the database file went from {} to {} bytes. \
             Renders leave the content out, and snapshots that need it no longer reproduce.",
            count(self.blobs as u64, "blob"),
            self.bytes,
            self.file_before,
            self.file_after
        ));
        Ok(())
    }
}
