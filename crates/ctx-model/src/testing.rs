//! Builders of names, events and records for tests of this crate and the
//! crates above it (feature `testing`), so a test says which event it
//! means and not every field of it.

use crate::{
    AddOptions, BlobHash, Captured, CapturedBlob, Event, EventRecord, EventSeq, NewArtifact,
    PackId, PackName, SourceSpec, Timestamp, TokenizerKind,
};

/// The budget and root of every pack [`pack_created`] makes.
pub const BUDGET: u64 = 100;

/// A valid pack name.
pub fn name(s: &str) -> PackName {
    PackName::new(s).expect("a valid test name")
}

/// A pack called `n`, budget [`BUDGET`], root `/p`.
pub fn pack_created(n: &str) -> Event {
    Event::PackCreated {
        name: name(n),
        root: "/p".into(),
        budget: BUDGET,
        tokenizer: TokenizerKind::O200k,
    }
}

/// A note `text` added to pack `pack`, counted `tokens`, whose blob is the
/// note's bytes.
pub fn text_added(pack: u64, text: &str, tokens: u32) -> Event {
    Event::ArtifactAdded {
        pack: PackId(pack),
        artifact: NewArtifact {
            spec: SourceSpec::Text { text: text.into() },
            priority: 0,
            options: AddOptions::default(),
            content: Captured::Blob(CapturedBlob {
                hash: BlobHash::of(text.as_bytes()),
                bytes: text.len() as u64,
                tokens,
            }),
        },
    }
}

/// `event` as the record written at `seq`.
pub fn record(seq: u64, event: Event) -> EventRecord {
    EventRecord {
        seq: EventSeq(seq),
        time: Timestamp(0),
        user: "test".into(),
        version: "0".into(),
        command: vec![],
        pack: None,
        event,
    }
}
