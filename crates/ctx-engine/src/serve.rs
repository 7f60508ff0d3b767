//! Serving payloads to agents. Every payload a front end sends an agent is
//! a snapshot, and an `AgentServed` event written in the same transaction
//! names it with who asked and the hash of the exact response bytes, so
//! the log says what an agent saw and the snapshot gives the bytes back.

use ctx_model::{AgentRequest, BlobHash, Event, EventSeq, Manifest, SnapshotId};
use ctx_store::{Query, Writer};

use crate::snapshot::freeze;
use crate::{Engine, EngineError, Quiet, RenderOptions, Rendered, Reproduced, Result};

/// A payload an agent was sent: the response bytes, the snapshot that
/// reproduces the payload, and the event that records the delivery.
#[derive(Clone, Debug)]
pub struct Served {
    /// The response, exactly as it must be sent; `None` when the front end
    /// withdrew it (the request was cancelled), and nothing was recorded.
    pub bytes: Option<Vec<u8>>,
    pub snapshot: SnapshotId,
    /// The snapshot held this payload already.
    pub reused: bool,
    /// The `AgentServed` event, when one was written.
    pub seq: Option<EventSeq>,
}

impl Engine {
    /// Renders `packs` for an agent, stores the payload as a snapshot
    /// (unless the same render is stored already: ids name content) and
    /// records the delivery of the response `respond` makes of it, all in
    /// one transaction. When `respond` withdraws the response (`None`),
    /// nothing is written.
    pub fn serve_render(
        &self,
        packs: &[String],
        options: &RenderOptions,
        request: AgentRequest,
        respond: impl FnOnce(&Rendered, SnapshotId) -> Option<Vec<u8>>,
    ) -> Result<Served> {
        let rendered = self.render(packs, options, &Quiet)?;
        let frozen = freeze(&rendered, None, None);
        let manifest = &frozen.manifest;
        let id = manifest.content_id();
        self.write(|w| {
            let found = w.resolve_snapshot(id)?;
            if found.is_none() {
                self.store_snapshot(w, &frozen)?;
            }
            // Named by its content id, which every store resolves.
            let snapshot = id;
            let bytes = respond(&rendered, snapshot);
            let seq = match &bytes {
                Some(bytes) => Some(self.record(w, manifest, snapshot, request, bytes)?),
                None => None,
            };
            Ok(Served {
                bytes,
                snapshot,
                reused: found.is_some(),
                seq,
            })
        })
    }

    /// Reproduces a snapshot for an agent and records the delivery of the
    /// response `respond` makes of it. A snapshot taken with `--no-redact`
    /// that holds secrets is refused: an agent is never sent one.
    pub fn serve_snapshot(
        &self,
        wanted: &str,
        request: AgentRequest,
        respond: impl FnOnce(&Reproduced) -> Option<Vec<u8>>,
    ) -> Result<Served> {
        let reproduced = self.reproduce(wanted)?;
        let snapshot = reproduced.id;
        if holds_secrets(&reproduced) {
            return Err(EngineError::Unredacted { id: snapshot });
        }
        let Some(bytes) = respond(&reproduced) else {
            return Ok(Served {
                bytes: None,
                snapshot,
                reused: true,
                seq: None,
            });
        };
        self.write(|w| {
            // Deleted since it was read: the bytes would name a snapshot
            // that no longer reproduces them.
            if w.resolve_snapshot(snapshot)?.is_none() {
                return Err(crate::NotFound::Snapshot(snapshot.to_string()).into());
            }
            let seq = self.record(w, &reproduced.manifest, snapshot, request, &bytes)?;
            Ok(Served {
                bytes: Some(bytes),
                snapshot,
                reused: true,
                seq: Some(seq),
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
        let record = w.append(self.event(Event::AgentServed {
            packs: crate::snapshot::local_packs(manifest),
            snapshot,
            request,
            response: BlobHash::of(bytes),
        }))?;
        Ok(record.seq)
    }
}

/// Whether any body of the snapshot holds a secret the redactor finds
/// (judged as a render judges it: a file by its path).
fn holds_secrets(reproduced: &Reproduced) -> bool {
    reproduced.manifest.items.iter().any(|item| {
        let body = reproduced.body(&item.body);
        let path = item.origin.path.as_deref().unwrap_or_default();
        !ctx_redact::redact_file(path, body).1.is_empty()
    })
}

impl crate::outcome::Commit for Served {
    fn must_commit(&self) -> bool {
        self.bytes.is_some()
    }
}
