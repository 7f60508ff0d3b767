//! Store errors, each naming what a user needs to act on: the database path,
//! the pack, the blob hash.

use std::path::PathBuf;
use std::time::Duration;

use ctx_model::{BlobHash, FoldError, SnapshotId, UndoError};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database `{}` is in use by another ctx process (waited {:.1}s)", path.display(), waited.as_secs_f64())]
    Busy { path: PathBuf, waited: Duration },
    #[error(
        "the database `{}` was created by a newer ctx (schema {found}); this ctx reads up to schema {supported}", path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("`{}` is not a ctx database: {reason}", path.display())]
    NotAStore { path: PathBuf, reason: String },
    #[error("the database `{}` was opened read-only", path.display())]
    ReadOnly { path: PathBuf },
    /// Something other than a regular file is at the database path.
    #[error("the database `{}` is {kind}, not a regular file", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    /// A crash left the store needing recovery, which only a process that
    /// may write the file can run.
    #[error(
        "the database `{}` needs crash recovery (a ctx process stopped while writing it), and recovery needs write access", path.display()
    )]
    NeedsRecovery {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] redb::Error),
    #[error("corrupt record in table `{table}` at {key}: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
    #[error("blob {hash} is missing")]
    MissingBlob { hash: BlobHash },
    #[error("blob {hash} does not match its hash")]
    HashMismatch { hash: BlobHash },
    #[error(transparent)]
    Fold(#[from] FoldError),
    #[error(transparent)]
    Undo(#[from] UndoError),
    /// A manifest must come with exactly the events that create a snapshot.
    #[error("event {seq} {}", if *given { "creates no snapshot, but a manifest came with it" } else { "creates a snapshot, but no manifest came with it" })]
    ManifestMismatch { seq: u64, given: bool },
    /// A snapshot is named by its content: the same one cannot be stored
    /// twice.
    #[error("snapshot {id} is stored already")]
    SnapshotExists { id: SnapshotId },
}

impl StoreError {
    /// Whether the failure means stored data is damaged.
    pub fn is_integrity(&self) -> bool {
        match self {
            Self::Undo(e) => e.is_damage(),
            _ => matches!(
                self,
                Self::Corrupt { .. }
                    | Self::MissingBlob { .. }
                    | Self::HashMismatch { .. }
                    | Self::Fold(FoldError::OutOfOrder { .. } | FoldError::Inconsistent { .. })
                    | Self::Database(redb::Error::Corrupted(_))
            ),
        }
    }

    /// The I/O error underneath, if the failure came from the disk.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            Self::Open { source, .. } => Some(source),
            Self::Database(redb::Error::Io(e)) => Some(e),
            _ => None,
        }
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                Self::Database(e.into())
            }
        }
    )*};
}
from_redb!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError
);

/// Result with a [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
