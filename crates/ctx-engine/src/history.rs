//! History: the log read in pages, newest first, undo and redo, and packs
//! found by any name they bore.
//!
//! The log is read a page per store opening, and the store is closed
//! between pages, so a slow reader of a long log (a pager, `head`, an
//! agent) never blocks other ctx commands; reading the newest N events
//! touches only those N.

use serde::Serialize;

use ctx_model::{
    Event, EventKind, EventRecord, EventSeq, PackId, PackName, Reversal, Timestamp, UndoTarget,
};
use ctx_store::{Query, StoreError};

use crate::describe::describe;
use crate::view::EventView;
use crate::{Done, Engine, EngineError, NotFound, Outcome, Result};

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
    /// What to pass as `before` for the next page, or `None` when the
    /// listing is over.
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

/// The event `redo` appended: the undo it reversed, and the change that
/// is back.
#[derive(Clone, Debug, Serialize)]
pub struct Redone {
    /// The seq of the undo reversed.
    pub undone: u64,
    /// The seq of the change that undo had reversed.
    pub redone: u64,
    /// That change in a few words.
    pub what: String,
}

impl Engine {
    /// The id of the pack `name` names, to filter the log by: the live
    /// pack of that name, else the pack that bore it last (deleted, or
    /// renamed since).
    pub fn pack_id(&self, name: &str) -> Result<PackId> {
        self.read(|r| pack_named(r, name))
    }

    /// The newest event written at or before `time`: the seq a state "as
    /// it was at `time`" replays to. Read a page per store opening, newest
    /// first, as the log is.
    pub fn seq_at(&self, time: Timestamp) -> Result<EventSeq> {
        let mut before = None;
        loop {
            let page = self.read(|r| Ok(r.events_rev(before, PAGE)?))?;
            if let Some(found) = page.iter().find(|e| e.time <= time) {
                return Ok(found.seq);
            }
            match page.last() {
                Some(last) if page.len() == PAGE => before = Some(last.seq),
                _ => return Err(NotFound::EventAt { time }.into()),
            }
        }
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
            if events.len() == limit {
                // The page is full: the next one starts after its last event.
                next = events.last().map(|e: &LogEntry| e.0.seq);
                break;
            }
            if query.wants(&record) {
                events.push(LogEntry(record));
            }
        }
        Ok(LogPage { events, next })
    }

    /// Appends the event that reverses a change: the most recent one (of
    /// a pack), or a chosen event. Undoing again undoes the change before.
    pub fn undo(&self, which: UndoOf<'_>) -> Result<Outcome<Undone>> {
        let outcome = self.reverse(|w| {
            Ok(match which {
                UndoOf::Latest => UndoTarget::Latest(None),
                UndoOf::Pack(name) => UndoTarget::Latest(Some(pack_named(w, name)?)),
                UndoOf::Event(seq) => UndoTarget::Event(seq),
            })
        })?;
        Ok(outcome.map(|(undone, _)| undone))
    }

    /// Appends the event that reverses the most recent undo not redone
    /// yet, unless a later change depends on it.
    pub fn redo(&self) -> Result<Outcome<Redone>> {
        let outcome = self.reverse(|_| Ok(UndoTarget::LastUndo))?;
        Ok(outcome.map(|(undone, redone)| Redone {
            undone: undone.undone,
            redone: redone.expect("BUG: a redo reverses an undo").0,
            what: undone.what,
        }))
    }

    /// Plans and appends the reversal of the event `target` picks; with
    /// the event that one undid, when it was an undo.
    fn reverse(
        &self,
        target: impl FnOnce(&ctx_store::Writer) -> Result<UndoTarget>,
    ) -> Result<Outcome<(Undone, Option<EventSeq>)>> {
        self.write(|w| {
            let Some(undo) = w.plan_undo(target(w)?)? else {
                return Ok(Outcome::Unchanged);
            };
            // What a redo brings back is the change its undo had undone.
            let redone = match &undo.target.event {
                Event::Undone { event, .. } => Some(*event),
                _ => None,
            };
            let what = match redone {
                Some(seq) => w
                    .event(seq)?
                    .map_or_else(|| describe(&undo.target.event), |r| describe(&r.event)),
                None => describe(&undo.target.event),
            };
            let record = match w.append(self.event(undo.event)) {
                Ok(record) => record,
                // The reversal does not fit what came since (a name taken
                // again, a spec added again): name the change, not the
                // event that was never written.
                Err(StoreError::Fold(conflict)) => {
                    return Err(EngineError::UndoConflict {
                        event: undo.target.seq,
                        what: describe(&undo.target.event),
                        conflict,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            Ok(Outcome::Changed(Done {
                seq: record.seq,
                what: (
                    Undone {
                        undone: undo.target.seq.0,
                        what,
                    },
                    redone,
                ),
            }))
        })
    }
}

/// The pack `name` names: the live pack of that name, else the newest
/// pack that bore it (the log is read back until one did).
fn pack_named(r: &impl Query, name: &str) -> Result<PackId> {
    let valid = PackName::new(name)?;
    if let Some(pack) = r.pack_by_name(&valid)? {
        return Ok(pack.id);
    }
    let mut before = None;
    loop {
        let page = r.events_rev(before, PAGE)?;
        if let Some(id) = page.iter().find_map(|record| bore(record, &valid)) {
            return Ok(id);
        }
        match page.last() {
            Some(last) if page.len() == PAGE => before = Some(last.seq),
            _ => return Err(crate::engine::unknown_pack(r, name)?.into()),
        }
    }
}

/// The pack that bore `name` at event `record`, if one did.
fn bore(record: &EventRecord, name: &PackName) -> Option<PackId> {
    if let Some(pack) = record.pack.as_ref().filter(|p| p.name == *name) {
        return Some(pack.id);
    }
    let pack = *record.event.pack_ids(record.seq).first()?;
    let named = match &record.event {
        Event::PackCreated { name: n, .. } | Event::PackDeleted { name: n, .. } => n == name,
        Event::PackRenamed { from, to, .. }
        | Event::Undone {
            reversal: Reversal::Rename { from, to },
            ..
        } => from == name || to == name,
        Event::Undone {
            reversal: Reversal::DeletePack { name: n },
            ..
        } => n == name,
        Event::Undone {
            reversal: Reversal::RestorePack { pack, .. },
            ..
        } => pack.name == *name,
        _ => false,
    };
    named.then_some(pack)
}

/// Which change `undo` reverses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UndoOf<'a> {
    /// The most recent change not undone yet.
    Latest,
    /// The most recent change of the pack this name names now, or named
    /// last (see [`Engine::pack_id`]).
    Pack(&'a str),
    /// This event.
    Event(EventSeq),
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ctx_model::{EventKind, Timestamp};

    use super::*;
    use crate::{AddArtifact, CreatePack, Stamp};

    /// An engine over a fresh store holding a pack and `notes` notes.
    fn engine_with_notes(notes: usize) -> (tempfile::TempDir, Engine) {
        let home = tempfile::tempdir().expect("temp home");
        let engine = Engine::new(
            home.path().to_owned(),
            Duration::ZERO,
            Stamp {
                time: Timestamp(1_000),
                user: "t".into(),
                version: "0".into(),
                command: vec!["ctx".into()],
            },
        );
        engine
            .create_pack(&CreatePack {
                name: "p".into(),
                root: home.path().to_owned(),
                budget: 100,
                tokenizer: ctx_model::TokenizerKind::O200k,
            })
            .expect("create");
        for i in 0..notes {
            engine
                .add(&AddArtifact {
                    pack: "p".into(),
                    source: format!("text:note {i}"),
                    cwd: home.path().to_owned(),
                    priority: 0,
                    options: Default::default(),
                    store_redacted: false,
                })
                .expect("add");
        }
        (home, engine)
    }

    /// Every event `query` lists, read `limit` at a time.
    fn paged(engine: &Engine, query: &LogQuery, limit: usize) -> (Vec<u64>, usize) {
        let (mut seqs, mut pages, mut before) = (Vec::new(), 0, None);
        loop {
            let page = engine.log(query, before, limit).expect("log");
            assert!(page.events.len() <= limit);
            seqs.extend(page.events.iter().map(|e| e.0.seq.0));
            pages += 1;
            match page.next {
                Some(next) => before = Some(next),
                None => return (seqs, pages),
            }
        }
    }

    #[test]
    fn the_log_pages_through_every_event_newest_first() {
        let (_home, engine) = engine_with_notes(6);
        let all = LogQuery::default();
        assert_eq!(paged(&engine, &all, 100), (vec![7, 6, 5, 4, 3, 2, 1], 1));
        assert_eq!(paged(&engine, &all, 2).0, vec![7, 6, 5, 4, 3, 2, 1]);
        let adds = LogQuery {
            kinds: vec![EventKind::ArtifactAdded],
            ..LogQuery::default()
        };
        assert_eq!(paged(&engine, &adds, 4).0, vec![7, 6, 5, 4, 3, 2]);
        let older = LogQuery {
            until: Some(Timestamp(0)),
            ..LogQuery::default()
        };
        assert_eq!(paged(&engine, &older, 3), (vec![], 1));
        let recent = LogQuery {
            since: Some(Timestamp(2_000)),
            ..LogQuery::default()
        };
        assert_eq!(paged(&engine, &recent, 3), (vec![], 1));
    }
}
