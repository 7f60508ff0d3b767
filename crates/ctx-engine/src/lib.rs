//! The ctx engine: everything a front end needs to capture sources into
//! packs, render them within a budget, freeze and reproduce snapshots, and
//! read the history. The CLI and the MCP server are two front ends over it.
//!
//! An [`Engine`] is made from where the store lives, how long to wait for
//! it and the [`Stamp`] its events carry; each operation is one method that
//! opens the store, does its work in as few transactions as it can and
//! returns a typed outcome. Outcomes derive `Serialize`: their serde form
//! is the JSON a front end shows. The engine never prints, never exits and
//! never reads argv or the environment; progress and warnings come back
//! through [`Progress`] and the outcomes.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod config;
mod describe;
mod diff;
mod engine;
mod error;
mod file_cache;
mod history;
mod maintenance;
mod outcome;
mod pack;
mod parallel;
mod progress;
pub mod project;
mod purge;
pub mod render;
mod serve;
mod snapshot;
pub mod source;
mod spool;
pub mod tokenize;
pub mod view;
mod warning;

pub use describe::{brief, count, describe, describe_brief, options_changed};
pub use diff::{Changed, DiffEntry, NewlyExcluded, SnapshotDiff};
pub use engine::{DEFAULT_PAYLOAD_LIMIT, Engine, Stamp};
pub use error::{EngineError, NotFound, Result};
pub use history::{LogEntry, LogPage, LogQuery, Redone, UndoOf, Undone};
pub use maintenance::{Checked, Collected, CountsChecked};
pub use outcome::{Done, Outcome, Stored};
pub use pack::{
    AddArtifact, AddedAll, ArtifactAdded, ArtifactRefreshed, ArtifactRemoved, BudgetSet,
    CreatePack, DEFAULT_BUDGET, FitSet, NewPack, OptionChanges, OptionsSet, PackCreated,
    PackDeleted, PackList, PackRenamed, PackShown, PrioritySet, RefreshedAll, RootSet, TokenItem,
    TokenListing,
};
pub use progress::{Phase, Progress, Quiet};
pub use purge::{PurgeTarget, Purged};
pub use render::{Options as RenderOptions, Rendered};
pub use serve::Served;
pub use snapshot::{
    Exported, Reproduced, ShownExclusion, ShownItem, SnapshotCreated, SnapshotDeleted,
    SnapshotImported, SnapshotList, SnapshotShown, SnapshotSummary,
};
pub use warning::Warning;
