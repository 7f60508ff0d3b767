//! `ctx log`: every change to every pack, newest first.
//!
//! Events are read in pages, and the store is closed between pages, so a
//! slow reader of a long log (a pager, `head`) never blocks other ctx
//! commands; reading the newest N events touches only those N.

use ctx_model::{Captured, Event, EventRecord, EventSeq, PackId, Reversal};
use ctx_store::Read;

use crate::app::App;
use crate::cli::LogArgs;
use crate::error::Result;
use crate::json;
use crate::output::Output;

/// Events read per store opening.
const PAGE: usize = 512;

pub fn log(app: &App, args: LogArgs, out: &mut Output) -> Result<()> {
    let pack: Option<PackId> = match &args.pack {
        Some(name) => {
            let store = app.store_read()?;
            let r = store.read()?;
            Some(app.find_pack(&r, name)?.id)
        }
        None => None,
    };
    let since = args
        .since
        .as_deref()
        .map(|s| app.parse_time("--since", s))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| app.parse_time("--until", s))
        .transpose()?;
    let wanted = |record: &EventRecord| {
        until.is_none_or(|u| record.time < u)
            && (args.kind.is_empty() || args.kind.iter().any(|k| k == record.event.kind()))
    };
    let mut remaining = args.limit.unwrap_or(usize::MAX);
    let mut before: Option<EventSeq> = None;
    // The opening bracket waits for the first page, so a log that cannot be
    // read prints nothing on stdout rather than half a document.
    let mut opened = false;
    let mut first = true;
    let filtered = until.is_some() || !args.kind.is_empty();
    'pages: while remaining > 0 {
        // Without filters every event read is shown: read no more than needed.
        let want = if filtered { PAGE } else { remaining.min(PAGE) };
        let page = {
            let store = app.store_read()?;
            let r = store.read()?;
            match pack {
                Some(id) => r.pack_events_rev(id, before, want)?,
                None => r.events_rev(before, want)?,
            }
        };
        if app.json && !opened {
            out.line("{\"events\": [")?;
            opened = true;
        }
        for record in &page {
            // The log is in time order as written, so the first event older
            // than --since ends the listing without reading further back.
            if since.is_some_and(|s| record.time < s) {
                break 'pages;
            }
            if !wanted(record) {
                continue;
            }
            if remaining == 0 {
                break 'pages;
            }
            remaining -= 1;
            if app.json {
                if !first {
                    out.line(",")?;
                }
                out.json_line(&json::event(record))?;
            } else {
                out.line(line(record))?;
            }
            first = false;
        }
        match page.last() {
            Some(last) if page.len() == want => before = Some(last.seq),
            _ => break,
        }
    }
    if app.json {
        if !opened {
            out.line("{\"events\": [")?;
        }
        out.line("]}")?;
    }
    Ok(())
}

/// One human line: seq, time, user, pack, what changed.
fn line(record: &EventRecord) -> String {
    let pack = record
        .pack
        .as_ref()
        .map_or_else(|| "-".to_owned(), |p| p.name.to_string());
    let what = match &record.event {
        Event::SnapshotCreated { .. } | Event::SnapshotImported { .. } => format!(
            "{} {}",
            describe(&record.event),
            ctx_model::SnapshotId(record.seq.0).short()
        ),
        event => describe(event),
    };
    // One line per event, whatever a note or a label holds.
    crate::output::escape_controls(&format!(
        "{:>6}  {}  {}  {}  {}",
        record.seq.0, record.time, record.user, pack, what
    ))
    .into_owned()
}

/// What an event changed, in a few words.
pub fn describe(event: &Event) -> String {
    match event {
        Event::PackCreated {
            budget, tokenizer, ..
        } => format!("created the pack (budget {budget}, {tokenizer})"),
        Event::ArtifactAdded { artifact, .. } => match &artifact.content {
            Captured::Blob(b) => format!("added {} ({} tokens)", artifact.spec, b.tokens),
            Captured::Files { files, .. } => format!(
                "added {} ({}, {} tokens)",
                artifact.spec,
                crate::output::count(files.len() as u64, "file"),
                artifact.content.tokens()
            ),
        },
        Event::ArtifactRemoved { spec, artifact, .. } => {
            format!("removed {spec} (id {})", artifact.short())
        }
        Event::PackRenamed { from, to, .. } => format!("renamed {from} -> {to}"),
        Event::BudgetChanged { from, to, .. } => format!("set the budget {from} -> {to}"),
        Event::PackDeleted { .. } => "deleted the pack".into(),
        Event::SnapshotCreated { label, tokens, .. } => {
            let label = label
                .as_deref()
                .map(|l| format!(" `{l}`"))
                .unwrap_or_default();
            format!("created snapshot{label} ({tokens} tokens)")
        }
        Event::SnapshotDeleted { snapshot, .. } => {
            format!("deleted snapshot {}", snapshot.short())
        }
        Event::SnapshotImported { label, tokens, .. } => {
            let label = label
                .as_deref()
                .map(|l| format!(" `{l}`"))
                .unwrap_or_default();
            format!("imported snapshot{label} ({tokens} tokens)")
        }
        Event::Undone {
            event, reversal, ..
        } => {
            let what = match reversal {
                Reversal::RemoveArtifact { spec, .. } => format!("removed {spec}"),
                Reversal::RestoreArtifact { artifact } => format!("restored {}", artifact.spec),
                Reversal::Rename { from, to } => format!("renamed {from} -> {to}"),
                Reversal::SetBudget { from, to } => format!("set the budget {from} -> {to}"),
                Reversal::RestorePack { pack, artifacts } => format!(
                    "restored pack {} with {}",
                    pack.name,
                    crate::output::count(artifacts.len() as u64, "artifact")
                ),
                Reversal::DeletePack { name } => format!("deleted pack {name}"),
            };
            format!("undid event {event}: {what}")
        }
    }
}
