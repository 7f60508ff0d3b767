//! Domain types and pure logic of ctx: pack names, ids, source specs, events
//! and the fold that turns events into pack state.
//!
//! Nothing here performs I/O. The store persists these types; the binary
//! loads sources and prints them.

pub mod artifact;
pub mod event;
pub mod fold;
pub mod id;
pub mod name;
pub mod sensitive;
pub mod snapshot;
pub mod spec;
pub mod state;
pub mod time;
pub mod tokenizer;

pub use artifact::{
    AddOptions, Artifact, Captured, CapturedBlob, CapturedFile, SkipReason, SkippedFile,
    sort_for_render,
};
pub use event::{Event, EventRecord, NewArtifact, PackRef, Reversal};
pub use fold::{Change, FoldError, PlanError, Planned, StateView, plan};
pub use id::{ArtifactId, BlobHash, EventSeq, PackId, ParseHashError, PrefixMatch, match_prefix};
pub use name::{NameError, PackName};
pub use snapshot::{Manifest, SnapshotExclusion, SnapshotId, SnapshotItem};
pub use spec::{SourceSpec, SpecError};
pub use state::{Pack, State};
pub use time::Timestamp;
pub use tokenizer::TokenizerKind;
