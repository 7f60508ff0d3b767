//! Serving payloads to agents. Every payload a front end sends an agent is
//! a snapshot, and an `AgentServed` event written in the same transaction
//! names it with who asked and the hash of the exact response bytes, so
//! the log says what an agent saw and the snapshot gives the bytes back.

use ctx_model::{AgentRequest, BlobHash, Event, EventSeq, Manifest, PackId, SnapshotId};
use ctx_store::{Query, Writer};

use crate::snapshot::manifest;
use crate::{Engine, Quiet, RenderOptions, Rendered, Reproduced, Result};

/// How many of the newest snapshots are searched for one that already
/// holds a payload, before a new one is stored. An agent asks for the same
/// packs again and again, so a match is almost always among the newest.
const REUSE_WINDOW: usize = 64;

/// A payload an agent was sent: the response bytes, the snapshot that
/// reproduces the payload, and the event that records the delivery.
#[derive(Clone, Debug)]
pub struct Served {
    /// The response, exactly as it must be sent.
    pub bytes: Vec<u8>,
    pub snapshot: SnapshotId,
    /// The snapshot held this payload already.
    pub reused: bool,
    /// The `AgentServed` event.
    pub seq: EventSeq,
}

impl Engine {
    /// Renders `packs` for an agent, stores the payload as a snapshot
    /// (reusing one that holds it already) and records the delivery of the
    /// response `respond` makes of it, all in one transaction.
    pub fn serve_render(
        &self,
        packs: &[String],
        options: &RenderOptions,
        request: AgentRequest,
        respond: impl FnOnce(&Rendered, SnapshotId) -> Vec<u8>,
    ) -> Result<Served> {
        let rendered = self.render(packs, options, &Quiet)?;
        let manifest = manifest(&rendered, None);
        self.write(|w| {
            let found = reusable(w, &manifest)?;
            let snapshot = match found {
                Some(id) => id,
                None => self.store_snapshot(w, &rendered, &manifest)?.1,
            };
            let bytes = respond(&rendered, snapshot);
            let seq = self.record(w, &manifest, snapshot, request, &bytes)?;
            Ok(Served {
                bytes,
                snapshot,
                reused: found.is_some(),
                seq,
            })
        })
    }

    /// Reproduces a snapshot for an agent and records the delivery of the
    /// response `respond` makes of it.
    pub fn serve_snapshot(
        &self,
        wanted: &str,
        request: AgentRequest,
        respond: impl FnOnce(&Reproduced) -> Vec<u8>,
    ) -> Result<Served> {
        let reproduced = self.reproduce(wanted)?;
        let snapshot = reproduced.id;
        let bytes = respond(&reproduced);
        self.write(|w| {
            // Deleted since it was read: the bytes would name a snapshot
            // that no longer reproduces them.
            if w.snapshot(snapshot)?.is_none() {
                return Err(crate::NotFound::Snapshot(snapshot.to_string()).into());
            }
            let seq = self.record(w, &reproduced.manifest, snapshot, request, &bytes)?;
            Ok(Served {
                bytes,
                snapshot,
                reused: true,
                seq,
            })
        })
    }

    /// Appends the `AgentServed` event for `bytes`, sent from `snapshot`.
    fn record(
        &self,
        w: &mut Writer,
        manifest: &Manifest,
        snapshot: SnapshotId,
        request: AgentRequest,
        bytes: &[u8],
    ) -> Result<EventSeq> {
        // An imported snapshot's packs are another store's.
        let packs: Vec<PackId> = manifest
            .packs
            .iter()
            .map(|p| p.id)
            .filter(|id| id.0 != 0)
            .collect();
        let record = w.append(self.event(Event::AgentServed {
            packs,
            snapshot,
            request,
            response: BlobHash::of(bytes),
        }))?;
        Ok(record.seq)
    }
}

/// A stored snapshot among the newest that holds exactly this render.
fn reusable(r: &impl Query, wanted: &Manifest) -> Result<Option<SnapshotId>> {
    for id in r.snapshot_ids()?.into_iter().rev().take(REUSE_WINDOW) {
        let Some(m) = r.snapshot(id)? else { continue };
        if m.payload_hash != wanted.payload_hash || m.render_hash != wanted.render_hash {
            continue;
        }
        // The same render under another label is the same payload.
        let unlabelled = Manifest {
            label: wanted.label.clone(),
            ..m
        };
        if unlabelled == *wanted {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

impl crate::outcome::Commit for Served {
    fn must_commit(&self) -> bool {
        true
    }
}
