//! The ctx database: one redb file holding the event log, the materialized
//! pack state derived from it, content-addressed blobs and caches.
//!
//! Every mutation appends one event and updates the materialized tables in
//! the same write transaction ([`Writer::append`]); there is no other write
//! path for pack state. This crate never prints and never reads the
//! environment: the binary decides where the store lives and how long to wait.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod bundle;
mod codec;
mod error;
pub mod fsck;
mod gc;
mod overlay;
mod read;
pub mod schema;
mod store;

pub use error::{Result, StoreError};
pub use gc::GcReport;
pub use read::{BodyStamp, CachedCount, FileStamp, PackState, Query};
pub use store::{NewEvent, Reader, STREAMING_CACHE_BYTES, Store, Writer};

/// The event codec, for the fuzz targets in `fuzz/` only: decoding is the
/// one place stored bytes meet the model, so it is fuzzed directly.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::codec::{decode_event, encode_event};
}

/// Ways to damage a store on purpose, for tests of integrity checks only.
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod testing {
    use std::path::Path;
    use std::time::Duration;

    use ctx_model::{BlobHash, PackId};

    use redb::ReadableTable as _;

    use crate::schema::{ARTIFACT_SPECS, BLOBS, EVENTS, META, PACKS};
    use crate::{Result, Store};

    /// Flips one byte of the first chunk of a blob.
    pub fn corrupt_blob(db: &Path, hash: BlobHash) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        let w = store.write()?;
        {
            let mut blobs = w.txn.open_table(BLOBS)?;
            let mut bytes = blobs
                .get((hash.0, 0))?
                .map(|v| v.value().to_vec())
                .unwrap_or_default();
            if let Some(b) = bytes.first_mut() {
                *b ^= 0xff;
            } else {
                bytes.push(0xff);
            }
            blobs.insert((hash.0, 0), bytes.as_slice())?;
        }
        w.commit()
    }

    /// Removes every chunk of a blob.
    pub fn delete_blob(db: &Path, hash: BlobHash) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        let w = store.write()?;
        w.txn
            .open_table(BLOBS)?
            .retain_in((hash.0, 0)..=(hash.0, u32::MAX), |_, _| false)?;
        w.commit()
    }

    /// Removes one event from the log, leaving a gap.
    pub fn delete_event(db: &Path, seq: u64) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        let w = store.write()?;
        w.txn.open_table(EVENTS)?.remove(seq)?;
        w.commit()
    }

    /// Removes every row of the spec index, leaving the artifacts.
    pub fn clear_spec_index(db: &Path) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        let w = store.write()?;
        w.txn.open_table(ARTIFACT_SPECS)?.retain(|_, _| false)?;
        w.commit()
    }

    /// Stamps the store with another schema version, as a newer (or older)
    /// ctx would have written it.
    pub fn stamp_schema(db: &Path, version: u32) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        let w = store.write()?;
        w.txn
            .open_table(META)?
            .insert("schema_version", version.to_le_bytes().as_slice())?;
        w.commit()
    }

    /// Copies the store to `to` as a crash leaves it: taken while a writer
    /// holds it open, after a commit its clean close never recorded, so
    /// opening the copy needs redb's crash recovery.
    pub fn copy_as_crashed(db: &Path, to: &Path) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        store.write()?.commit()?;
        std::fs::copy(db, to).map_err(|source| crate::StoreError::Open {
            path: to.to_owned(),
            source,
        })?;
        drop(store);
        Ok(())
    }

    /// Removes a pack's row from the materialized tables, leaving the log.
    pub fn drop_pack_row(db: &Path, pack: PackId) -> Result<()> {
        let store = Store::open(db, Duration::ZERO)?;
        let w = store.write()?;
        w.txn.open_table(PACKS)?.remove(pack.0)?;
        w.commit()
    }
}
