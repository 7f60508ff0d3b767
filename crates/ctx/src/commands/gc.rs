//! `ctx gc`: remove blobs that no event and no snapshot needs, and give the
//! space back to the disk.

use serde_json::json;

use crate::app::App;
use crate::cli::GcArgs;
use crate::error::Result;
use crate::output::{self, Output, count};

pub fn gc(app: &App, args: GcArgs, out: &mut Output) -> Result<()> {
    let mut store = app.store()?;
    let report = store.gc(args.dry_run)?;
    drop(store);
    if app.json {
        return out.json(&json!({
            "dry_run": args.dry_run,
            "blobs_removed": report.blobs_removed,
            "bytes_removed": report.bytes_removed,
            "file_before": report.file_before,
            "file_after": report.file_after,
            "bytes_returned": report.file_before.saturating_sub(report.file_after),
        }));
    }
    let what = format!(
        "{} ({} bytes of content)",
        count(report.blobs_removed, "unreferenced blob"),
        report.bytes_removed
    );
    if args.dry_run {
        output::status(format!("Would remove {what}; nothing was changed."));
    } else {
        output::status(format!(
            "Removed {what}; the database file went from {} to {} bytes.",
            report.file_before, report.file_after
        ));
    }
    Ok(())
}
