//! The ctx database: one redb file holding the event log, the materialized
//! pack state derived from it, content-addressed blobs and caches.
//!
//! Every mutation appends one event and updates the materialized tables in
//! the same write transaction ([`Writer::append`]); there is no other write
//! path for pack state. This crate never prints and never reads the
//! environment: the binary decides where the store lives and how long to wait.

mod codec;
mod error;
mod read;
pub mod schema;
mod store;

pub use error::{Result, StoreError};
pub use read::{BodyStamp, FileStamp, Read};
pub use store::{NewEvent, Reader, Store, Writer};
