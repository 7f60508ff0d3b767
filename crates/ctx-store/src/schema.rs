//! Every table of the store, beside the schema version that describes them.
//!
//! The `events` table is the source of truth and its encoding never changes
//! (new event kinds are appended to the enum; a record whose shape changes
//! is a new envelope variant, and the old ones still decode). Every other table except
//! `blobs` and the caches (`token_counts`, `outlines`) is derived from the log: when their layout
//! changes, `SCHEMA_VERSION` goes up and the store rebuilds them by replaying
//! the log. Keys hold fixed-width integers only, never `usize`.

use redb::TableDefinition;

/// Layout version of the derived tables. A store stamped with a higher
/// version was written by a newer ctx and is refused; a lower one gets its
/// missing tables created and its derived tables rebuilt from the log.
///
/// 2: `file_cache` and `snapshots` tables.
/// 3: `artifact_specs` keys write `%` and `#` escaped in the `file:` form;
///    the `purged` table.
/// 4: `file_cache` records name a file by device, inode, size, mtime and
///    ctime.
/// 5: snapshots are named by their content (`SnapshotTaken` and
///    `SnapshotReceived` events); the `snapshot_aliases` and
///    `snapshot_seqs` tables.
/// 6: the `deleted_snapshots` table, so that `undo` restores a deleted
///    snapshot until gc (a gc of an older ctx would not keep it).
/// 7: artifacts record their render mode and packs their fit policy (and
///    events are written in envelope V2); the `outlines` cache.
pub const SCHEMA_VERSION: u32 = 7;

/// The oldest schema whose cached token counts an upgrade keeps. Before 4,
/// the file cache could vouch for bytes it never hashed, and a render then
/// filed its count of the new bytes under the old bytes' hash; most such
/// counts are of rendered bodies no blob holds, so nothing could check
/// them, and an upgrade drops every count (the next render counts again).
pub const COUNTS_TRUSTED_SINCE: u32 = 4;

/// Value of the `format` meta key: tells a ctx store from any other redb file.
pub const FORMAT_MARKER: &[u8] = b"ctx-store";

/// `schema_version` (u32 LE), `format`, `created_by` (ctx version).
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// seq -> enveloped postcard `EventRecord`. Append-only.
pub const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");

/// (pack id, seq) -> (): one pack's events without scanning the log.
pub const EVENTS_BY_PACK: TableDefinition<(u64, u64), ()> = TableDefinition::new("events_by_pack");

/// pack id -> postcard `Pack`.
pub const PACKS: TableDefinition<u64, &[u8]> = TableDefinition::new("packs");

/// name -> pack id, for live packs.
pub const PACK_NAMES: TableDefinition<&str, u64> = TableDefinition::new("pack_names");

/// (pack id, artifact id) -> postcard `Artifact`; key order is add order.
pub const ARTIFACTS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("artifacts");

/// (pack id, spec) -> artifact id: "is this spec already in the pack?" in one lookup.
pub const ARTIFACT_SPECS: TableDefinition<(u64, &str), u64> =
    TableDefinition::new("artifact_specs");

/// (BLAKE3 hash, chunk index) -> bytes. Content-addressed, deduplicated.
pub const BLOBS: TableDefinition<([u8; 32], u32), &[u8]> = TableDefinition::new("blobs");

/// (BLAKE3 hash, tokenizer code) -> token count.
pub const TOKEN_COUNTS: TableDefinition<([u8; 32], u8), u32> = TableDefinition::new("token_counts");

/// (BLAKE3 hash of a text, `language/outline version`) -> the outline's
/// encoding, or no bytes when the text has none: a cache, like the counts.
pub const OUTLINES: TableDefinition<([u8; 32], &str), &[u8]> = TableDefinition::new("outlines");

/// Absolute path -> postcard `FileStamp`: what ctx learned about one
/// version of a file.
pub const FILE_CACHE: TableDefinition<&str, &[u8]> = TableDefinition::new("file_cache");

/// BLAKE3 hash -> seq of the `ContentPurged` event that removed the blob's
/// bytes for good. Derived from the log.
pub const PURGED: TableDefinition<[u8; 32], u64> = TableDefinition::new("purged");

/// snapshot id -> enveloped postcard `Manifest`. Not derived from the log:
/// like blobs, it is kept as written and never rebuilt.
pub const SNAPSHOTS: TableDefinition<u64, &[u8]> = TableDefinition::new("snapshots");

/// snapshot key -> enveloped postcard `Manifest` of a deleted snapshot,
/// moved here from `snapshots` so that undoing the deletion can bring it
/// back; gc empties it. Not derived from the log, like `snapshots`.
pub const DELETED_SNAPSHOTS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("deleted_snapshots");

/// content id -> snapshot id, for the snapshots of schema 4 and older
/// (named by a local seq), so they resolve by their content id too.
/// Derived from the snapshot table.
pub const SNAPSHOT_ALIASES: TableDefinition<u64, u64> = TableDefinition::new("snapshot_aliases");

/// content id -> seq of the event that stored the snapshot (a snapshot
/// named by a local seq is named by that seq). Derived from the log.
pub const SNAPSHOT_SEQS: TableDefinition<u64, u64> = TableDefinition::new("snapshot_seqs");

/// Blob content is split into chunks of this many bytes. redb stores a large
/// value in a power-of-two run of pages, so a chunk a little under 16 KiB
/// keeps each allocation tight instead of doubling the file. Chunks that fit
/// one 4 KiB page were tried: once compacted, they took 1.19x their content
/// against 1.27x for these, but reading blobs back (`snapshot render`,
/// `fsck`) was 30-40% slower. Readers take chunks in order whatever their
/// size, so stores written with another size stay readable.
pub const CHUNK_SIZE: usize = 16 * 1024 - 256;
