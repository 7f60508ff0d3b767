//! Domain types and pure logic of ctx: pack names, ids, source specs, events
//! and the fold that turns events into pack state.
//!
//! Nothing here performs I/O. The store persists these types; the engine
//! loads sources and renders them; the front ends print them.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod artifact;
pub mod coverage;
pub mod event;
pub mod exclusion;
pub mod fold;
pub mod format;
pub mod frame;
pub mod id;
pub mod mode;
pub mod name;
pub mod sensitive;
pub mod similar;
pub mod snapshot;
pub mod spec;
pub mod split;
pub mod state;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod tokenizer;
pub mod undo;
pub mod wire;

pub use artifact::{
    AddOptions, Artifact, Captured, CapturedBlob, CapturedFile, SkippedFile, sort_for_render,
};
pub use coverage::Coverage;
pub use event::{
    AgentRequest, Configured, Event, EventKind, EventRecord, NewArtifact, PackRef, Reversal,
};
pub use exclusion::ExclusionReason;
pub use fold::{Change, FoldError, PlanError, Planned, StateView, plan};
pub use format::Format;
pub use frame::{Escape, Frame};
pub use id::{ArtifactId, BlobHash, EventSeq, PackId, ParseHashError, PrefixMatch, match_prefix};
pub use mode::{Fit, Mode};
pub use name::{NameError, PackName};
pub use snapshot::{
    Bodies, BodyForm, ItemOrigin, Manifest, SnapshotExclusion, SnapshotId, SnapshotItem,
    VerifyError, payload_hash,
};
pub use spec::{SourceSpec, SpecError};
pub use split::{PartBody, PartEntry, SnapshotSplit, SplitPart, SplitPiece};
pub use state::{Pack, State};
pub use time::Timestamp;
pub use tokenizer::TokenizerKind;
pub use undo::{History, UndoError, UndoTarget, plan_undo};
