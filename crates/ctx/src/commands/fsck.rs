//! `ctx fsck`: check the store's integrity, and with `--repair` rebuild the
//! derived tables from the log (the log itself is never changed).

use serde_json::json;

use ctx_store::fsck;

use crate::app::App;
use crate::cli::FsckArgs;
use crate::error::{CliError, Kind, Result};
use crate::output::{self, Output, count};

pub fn fsck(app: &App, args: FsckArgs, out: &mut Output) -> Result<()> {
    if args.repair {
        let store = app.store()?;
        let mut w = store.write()?;
        w.rebuild_derived()?;
        w.commit()?;
    }
    let report = {
        let store = app.store_read()?;
        let r = store.read()?;
        fsck::check(&r)?
    };
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    if app.json {
        out.json(&json!({
            "events": report.events,
            "event_bytes": report.event_bytes,
            "blobs": report.blobs,
            "blob_bytes": report.blob_bytes,
            "problems": problems,
            "repaired": args.repair,
        }))?;
    } else {
        for problem in &problems {
            out.line(problem)?;
        }
        output::status(format!(
            "Checked {}, {} ({} bytes): {}.",
            count(report.events, "event"),
            count(report.blobs, "blob"),
            report.blob_bytes,
            if problems.is_empty() {
                "no problems".to_owned()
            } else {
                count(problems.len() as u64, "problem")
            }
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut err = CliError::new(
        Kind::Integrity,
        format!(
            "the store failed its integrity check ({})",
            count(problems.len() as u64, "problem")
        ),
    );
    if !args.repair
        && report
            .problems
            .iter()
            .all(|p| matches!(p, fsck::Problem::IndexMismatch { .. }))
    {
        err = err.hint("`ctx fsck --repair` rebuilds the derived tables from the log");
    }
    Err(err)
}
