//! History: the log read in pages, newest first, and undo.
//!
//! The log is read a page per store opening, and the store is closed
//! between pages, so a slow reader of a long log (a pager, `head`, an
//! agent) never blocks other ctx commands; reading the newest N events
//! touches only those N.

use serde::Serialize;

use ctx_model::{Captured, Event, EventKind, EventRecord, EventSeq, PackId, Reversal, Timestamp};
use ctx_store::Query as _;

use crate::engine::find_pack;
use crate::view::EventView;
use crate::{Done, Engine, Outcome, Result};

/// Events read per store opening.
const PAGE: usize = 512;

/// Which events to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Only this pack's events.
    pub pack: Option<PackId>,
    /// Only events at or after this time; reading stops at the first older
    /// event, so events written under a clock set back may be missed.
    pub since: Option<Timestamp>,
    /// Only events before this time.
    pub until: Option<Timestamp>,
    /// Only events of these kinds (all when empty).
    pub kinds: Vec<EventKind>,
}

impl LogQuery {
    fn wants(&self, record: &EventRecord) -> bool {
        self.until.is_none_or(|u| record.time < u)
            && (self.kinds.is_empty() || self.kinds.contains(&record.event.kind()))
    }

    /// Whether some events read may not be shown, so a page must read more
    /// than it shows.
    fn filters(&self) -> bool {
        self.until.is_some() || !self.kinds.is_empty()
    }
}

/// One event as the log lists it.
#[derive(Clone, Debug)]
pub struct LogEntry(pub EventRecord);

impl Serialize for LogEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EventView(&self.0).serialize(s)
    }
}

/// A page of the log, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct LogPage {
    pub events: Vec<LogEntry>,
    /// Where the next page starts, or `None` at the end of the listing.
    #[serde(skip)]
    pub next: Option<EventSeq>,
}

/// The event `undo` appended, and what it reversed.
#[derive(Clone, Debug, Serialize)]
pub struct Undone {
    /// The seq of the event reversed.
    pub undone: u64,
    /// That event in a few words.
    pub what: String,
}

impl Engine {
    /// The id of the live pack `name`, to filter the log by.
    pub fn pack_id(&self, name: &str) -> Result<PackId> {
        self.read(|r| Ok(find_pack(r, name)?.id))
    }

    /// Up to `limit` events that `query` wants, older than `before` (from
    /// the newest when `None`), read in one store opening.
    pub fn log(&self, query: &LogQuery, before: Option<EventSeq>, limit: usize) -> Result<LogPage> {
        // Without filters every event read is shown: read no more than needed.
        let want = if query.filters() {
            PAGE
        } else {
            limit.min(PAGE)
        };
        let page = self.read(|r| {
            Ok(match query.pack {
                Some(id) => r.pack_events_rev(id, before, want)?,
                None => r.events_rev(before, want)?,
            })
        })?;
        let mut next = match page.last() {
            Some(last) if page.len() == want => Some(last.seq),
            _ => None,
        };
        let mut events = Vec::new();
        for record in page {
            // The log is in time order as written, so the first event older
            // than `since` ends the listing without reading further back.
            if query.since.is_some_and(|s| record.time < s) {
                next = None;
                break;
            }
            if !query.wants(&record) {
                continue;
            }
            if events.len() == limit {
                next = None;
                break;
            }
            events.push(LogEntry(record));
        }
        if events.len() == limit {
            next = None;
        }
        Ok(LogPage { events, next })
    }

    /// Appends the event that reverses the most recent change (of `pack`,
    /// when given); undoing again undoes the change before.
    pub fn undo(&self, pack: Option<&str>) -> Result<Outcome<Undone>> {
        self.write(|w| {
            let only = pack.map(|name| find_pack(w, name)).transpose()?;
            let Some(undo) = w.plan_undo(only.map(|p| p.id))? else {
                return Ok(Outcome::Unchanged);
            };
            let record = w.append(self.event(undo.event))?;
            Ok(Outcome::Changed(Done {
                seq: record.seq,
                what: Undone {
                    undone: undo.target.seq.0,
                    what: describe(&undo.target.event),
                },
            }))
        })
    }
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
                count(files.len() as u64, "file"),
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
            format!("created snapshot{} ({tokens} tokens)", quoted(label))
        }
        Event::SnapshotDeleted { snapshot, .. } => {
            format!("deleted snapshot {}", snapshot.short())
        }
        Event::SnapshotImported { label, tokens, .. } => {
            format!("imported snapshot{} ({tokens} tokens)", quoted(label))
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
                    count(artifacts.len() as u64, "artifact")
                ),
                Reversal::DeletePack { name } => format!("deleted pack {name}"),
            };
            format!("undid event {event}: {what}")
        }
    }
}

/// ` `label`` for a snapshot's label, or nothing.
fn quoted(label: &Option<String>) -> String {
    label
        .as_deref()
        .map(|l| format!(" `{l}`"))
        .unwrap_or_default()
}

/// `1 file`, `2 files`: a count with its noun.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
