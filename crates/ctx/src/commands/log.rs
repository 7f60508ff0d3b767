//! `ctx log`: every change to every pack, newest first, streamed a page at
//! a time: the engine closes the store between pages, so a slow reader (a
//! pager, `head`) never blocks other ctx commands.

use ctx_engine::{LogEntry, LogQuery};

use crate::cli::LogArgs;
use crate::error::Result;
use crate::escape::escape_controls;
use crate::invocation::Invocation;
use crate::output::Output;

pub fn log(inv: &Invocation, args: LogArgs, out: &mut Output) -> Result<()> {
    let query = LogQuery {
        pack: args
            .pack
            .as_deref()
            .map(|name| inv.engine.pack_id(name))
            .transpose()?,
        since: args
            .since
            .as_deref()
            .map(|s| inv.time("--since", s))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| inv.time("--until", s))
            .transpose()?,
        kinds: args.kind,
    };
    let mut remaining = args.limit.unwrap_or(usize::MAX);
    let mut before = None;
    // The opening bracket waits for the first page, so a log that cannot be
    // read prints nothing on stdout rather than half a document.
    let mut opened = false;
    let mut first = true;
    while remaining > 0 {
        let page = inv.engine.log(&query, before, remaining)?;
        if out.is_json() && !opened {
            out.line("{\"events\": [")?;
            opened = true;
        }
        for entry in &page.events {
            if out.is_json() {
                if !first {
                    out.line(",")?;
                }
                out.json_line(entry)?;
            } else {
                out.line(line(entry))?;
            }
            first = false;
        }
        remaining -= page.events.len();
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    if out.is_json() {
        if !opened {
            out.line("{\"events\": [")?;
        }
        out.line("]}")?;
    }
    Ok(())
}

/// One human line: seq, time, user, pack, what changed, and the command
/// that changed it.
fn line(entry: &LogEntry) -> String {
    let record = &entry.0;
    let pack = record
        .pack
        .as_ref()
        .map_or_else(|| "-".to_owned(), |p| p.name.to_string());
    let mut what = ctx_engine::describe_brief(&record.event);
    if record.event.kind().is_snapshot()
        && let Some(id) = record.event.snapshot_id(record.seq)
        && !what.contains(&id.short())
    {
        what.push(' ');
        what.push_str(&id.short());
    }
    if !record.command.is_empty() {
        let words: Vec<String> = record.command.iter().map(|w| quoted(w)).collect();
        what.push_str(&format!("  `{}`", words.join(" ")));
    }
    // One line per event, whatever a note or a label holds.
    escape_controls(&format!(
        "{:>6}  {}  {}  {}  {}",
        record.seq.0, record.time, record.user, pack, what
    ))
    .into_owned()
}

/// A word of a command line as a shell reads it back: as it is when it
/// holds nothing a shell treats specially, else in single quotes.
fn quoted(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,#".contains(c);
    if !word.is_empty() && !word.starts_with('#') && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
