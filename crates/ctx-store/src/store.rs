//! Opening the database, and the read and write transactions over it.
//!
//! A command opens the store, does its work in one transaction and drops it:
//! redb lets one process hold the file at a time, so a store held longer
//! than the work makes every other ctx wait.
//!
//! The database file is opened by ctx, never by path inside redb: without
//! blocking (a FIFO at its path must not hang every command), checked to be
//! a regular file through the handle it is opened with, and, when ctx
//! creates it, with mode 0600 from its first moment, since it holds
//! captured content.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::backends::FileBackend;
use redb::{
    Database, DatabaseError, Durability, Key, ReadOnlyDatabase, ReadTransaction, ReadableDatabase,
    ReadableTable, StorageError, TableDefinition, TableError, Value, WriteTransaction,
};

use ctx_model::{
    BlobHash, Change, Event, EventRecord, EventSeq, Manifest, PlanError, Reversal, SnapshotId,
    Timestamp, TokenizerKind, plan,
};

use crate::codec::{encode, encode_event, encode_manifest};
use crate::error::{Result, StoreError};
use crate::overlay::Overlay;
use crate::read::{FileStamp, Query, View};
use crate::schema::{
    ARTIFACT_SPECS, ARTIFACTS, BLOBS, CHUNK_SIZE, COUNTS_TRUSTED_SINCE, DELETED_SNAPSHOTS, EVENTS,
    EVENTS_BY_PACK, FILE_CACHE, FORMAT_MARKER, META, OUTLINES, PACK_NAMES, PACKS, PURGED,
    SCHEMA_VERSION, SNAPSHOT_ALIASES, SNAPSHOT_SEQS, SNAPSHOTS, TOKEN_COUNTS,
};

/// redb's page cache; the default (1 GiB) is sized for servers, not a CLI.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The page cache of a store opened to stream blobs through once (a bundle
/// out or in): no page is read twice, so a cache would only hold memory.
pub const STREAMING_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// The longest pause between attempts to open a held store. Commands hold
/// the file for milliseconds, so a long pause mostly leaves it idle while
/// every waiter sleeps: with 16 writers, a 100 ms cap spent about half the
/// wall time with nobody holding the file.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// An open ctx database.
pub struct Store {
    db: Handle,
    path: PathBuf,
}

/// redb hands out read-write and read-only databases as two types.
enum Handle {
    ReadWrite(Database),
    ReadOnly(ReadOnlyDatabase),
    /// A store that needed crash recovery and may not be written, recovered
    /// in memory over its file (see [`Overlay`]): it serves reads only.
    Recovered(Database),
}

/// What a read-only look at the database file found.
enum Probe {
    /// A store ready to read.
    Ready(Store),
    /// No store yet: no file, an empty one, or one whose creation was cut
    /// short.
    Missing,
    /// A store a crash left: redb must recover it before it can be read.
    NeedsRecovery,
    /// A store that needs its tables or a schema upgrade first.
    NeedsSetUp,
}

/// What an event is written with, before the store gives it a seq.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub time: Timestamp,
    pub user: String,
    pub version: String,
    pub command: Vec<String>,
    pub event: Event,
}

impl Store {
    /// Opens the store at `path` for reading and writing, creating it if the
    /// file does not exist (mode 0600, whatever the umask allows).
    ///
    /// When another process holds the file, retries with growing, jittered
    /// pauses for up to `wait`, then fails with [`StoreError::Busy`]. A store
    /// from a newer ctx, or a file that is not a ctx store, is refused before
    /// anything is written to it; so is anything at `path` that is not a
    /// regular file, at once. A store that needs crash recovery but cannot
    /// be written is [`StoreError::NeedsRecovery`].
    pub fn open(path: &Path, wait: Duration) -> Result<Self> {
        Self::open_with_cache(path, wait, CACHE_BYTES)
    }

    /// [`Store::open`] with a page cache of `cache` bytes.
    pub fn open_with_cache(path: &Path, wait: Duration, cache: usize) -> Result<Self> {
        let deadline = Instant::now() + wait;
        check_regular(path)?;
        reset_unfinished(path);
        let needs_recovery = matches!(Self::probe(path, deadline, cache)?, Probe::NeedsRecovery);
        let db = retry_busy(path, deadline, || {
            Database::builder()
                .set_cache_size(cache)
                .create_with_backend(FileBackend::new(open_file(path, Access::Create)?)?)
        })
        .map_err(|e| match e {
            StoreError::Open { path, source } if needs_recovery && cannot_write(&source) => {
                StoreError::NeedsRecovery { path, source }
            }
            e => e,
        })?;
        let store = Self {
            db: Handle::ReadWrite(db),
            path: path.to_owned(),
        };
        if store.check_or_init()? == Checked::NeedsUpgrade {
            store.upgrade()?;
        }
        Ok(store)
    }

    /// Opens the store for reading only, leaving the file untouched; a
    /// missing store is created, and one that needs crash recovery is
    /// repaired through a read-write open first. When that open may not
    /// write the file, the store is recovered in memory instead (the file
    /// keeps every byte) and serves its last committed state.
    pub fn open_read_only(path: &Path, wait: Duration) -> Result<Self> {
        Self::open_read_only_with_cache(path, wait, CACHE_BYTES)
    }

    /// [`Store::open_read_only`] with a page cache of `cache` bytes.
    pub fn open_read_only_with_cache(path: &Path, wait: Duration, cache: usize) -> Result<Self> {
        let deadline = Instant::now() + wait;
        check_regular(path)?;
        let probe = Self::probe(path, deadline, cache)?;
        if let Probe::Ready(store) = probe {
            return Ok(store);
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        match Self::open(path, remaining) {
            Ok(store) => drop(store),
            Err(StoreError::NeedsRecovery { .. }) if matches!(probe, Probe::NeedsRecovery) => {
                return Self::open_recovered(path, deadline, cache);
            }
            Err(e) => return Err(e),
        }
        match Self::probe(path, deadline, cache)? {
            Probe::Ready(store) => Ok(store),
            _ => Err(StoreError::NotAStore {
                path: path.to_owned(),
                reason: "it cannot be opened read-only after recovery".into(),
            }),
        }
    }

    /// An empty store in memory, answering reads as a new store at `path`
    /// would, without creating it: a command that only reads has nothing
    /// to create a store for. It refuses writes like a recovered store.
    pub fn empty(path: &Path) -> Result<Self> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|e| StoreError::Database(e.into()))?;
        let store = Self {
            db: Handle::Recovered(db),
            path: path.to_owned(),
        };
        store.init()?;
        Ok(store)
    }

    /// Recovers a store that needs it in memory, over its file opened
    /// read-only: redb's repair writes go to an [`Overlay`], so the file is
    /// not changed. Set-up and upgrades run in memory the same way.
    fn open_recovered(path: &Path, deadline: Instant, cache: usize) -> Result<Self> {
        let db = retry_busy(path, deadline, || {
            let backend = FileBackend::new(open_file(path, Access::Read)?)?;
            Database::builder()
                .set_cache_size(cache)
                .create_with_backend(Overlay::new(backend)?)
        })?;
        let store = Self {
            db: Handle::Recovered(db),
            path: path.to_owned(),
        };
        if store.check_or_init()? == Checked::NeedsUpgrade {
            store.upgrade()?;
        }
        Ok(store)
    }

    /// A read-only look at the database file: a checked store ready to read,
    /// or what it needs first (see [`Probe`]).
    fn probe(path: &Path, deadline: Instant, cache: usize) -> Result<Probe> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.len() > 0 && !is_unfinished(path) => {}
            Ok(_) => return Ok(Probe::Missing),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Probe::Missing),
            Err(source) => {
                return Err(StoreError::Open {
                    path: path.to_owned(),
                    source,
                });
            }
        }
        let opened = retry_busy(path, deadline, || {
            let backend = FileBackend::new(open_file(path, Access::Read)?)?;
            Database::builder()
                .set_cache_size(cache)
                .open_read_only_with_backend(backend)
        });
        let db = match opened {
            Ok(db) => db,
            Err(StoreError::Database(redb::Error::RepairAborted)) => {
                return Ok(Probe::NeedsRecovery);
            }
            Err(e) => return Err(e),
        };
        let store = Self {
            db: Handle::ReadOnly(db),
            path: path.to_owned(),
        };
        match store.check_or_init()? {
            Checked::Ready => Ok(Probe::Ready(store)),
            Checked::NeedsUpgrade | Checked::Empty => Ok(Probe::NeedsSetUp),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rewrites the file without its free pages, returning them to the disk.
    pub fn compact(&mut self) -> Result<()> {
        let Handle::ReadWrite(db) = &mut self.db else {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        };
        // compact() stops early while it still makes progress; run it until
        // it reports nothing more to do.
        while db.compact().map_err(|e| StoreError::Database(e.into()))? {}
        Ok(())
    }

    /// Starts a read transaction.
    pub fn read(&self) -> Result<Reader> {
        let txn = match &self.db {
            Handle::ReadWrite(db) | Handle::Recovered(db) => db.begin_read()?,
            Handle::ReadOnly(db) => db.begin_read()?,
        };
        Ok(Reader { txn })
    }

    /// Starts a write transaction that commits durably.
    pub fn write(&self) -> Result<Writer> {
        if matches!(self.db, Handle::Recovered(_)) {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        self.begin_write()
    }

    /// Starts a write transaction; on a store recovered in memory, its
    /// writes stay there (only set-up and upgrades use that).
    fn begin_write(&self) -> Result<Writer> {
        let (Handle::ReadWrite(db) | Handle::Recovered(db)) = &self.db else {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        };
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::Immediate)
            .map_err(|e| StoreError::Database(e.into()))?;
        Ok(Writer { txn })
    }

    fn check_or_init(&self) -> Result<Checked> {
        let not_a_store = |reason: &str| StoreError::NotAStore {
            path: self.path.clone(),
            reason: reason.to_owned(),
        };
        let txn = self.read()?.txn;
        let meta = match txn.open_table(META) {
            Ok(meta) => meta,
            Err(TableError::TableDoesNotExist(_)) => {
                if txn.list_tables()?.next().is_some() {
                    return Err(not_a_store("it is a redb database without ctx's tables"));
                }
                drop(txn);
                // A ctx killed between creating the file and creating its
                // tables leaves an empty database: a read-write open
                // finishes the job.
                if matches!(self.db, Handle::ReadOnly(_)) {
                    return Ok(Checked::Empty);
                }
                self.init()?;
                return Ok(Checked::Ready);
            }
            Err(TableError::TableTypeMismatch { .. }) => {
                return Err(not_a_store("its `meta` table has another layout"));
            }
            Err(e) => return Err(e.into()),
        };
        if meta.get("format")?.as_ref().map(|v| v.value()) != Some(FORMAT_MARKER) {
            return Err(not_a_store("it has no ctx format marker"));
        }
        let version = meta
            .get("schema_version")?
            .and_then(|v| <[u8; 4]>::try_from(v.value()).ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| not_a_store("it has no schema version"))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(if version < SCHEMA_VERSION {
            Checked::NeedsUpgrade
        } else {
            Checked::Ready
        })
    }

    /// Brings a store written by an older ctx to this schema: creates the
    /// tables it lacks and rebuilds every derived table by replaying the
    /// log; from before [`COUNTS_TRUSTED_SINCE`], drops the cached token
    /// counts. The log and the blobs are not touched; there are no
    /// migrations.
    fn upgrade(&self) -> Result<()> {
        let mut w = self.begin_write()?;
        let from = w
            .txn
            .open_table(META)?
            .get("schema_version")?
            .and_then(|v| <[u8; 4]>::try_from(v.value()).ok())
            .map_or(0, u32::from_le_bytes);
        w.create_tables()?;
        w.rebuild_derived()?;
        if from < COUNTS_TRUSTED_SINCE {
            w.txn.open_table(TOKEN_COUNTS)?.retain(|_, _| false)?;
        }
        w.txn
            .open_table(META)?
            .insert("schema_version", SCHEMA_VERSION.to_le_bytes().as_slice())?;
        w.commit()
    }

    fn init(&self) -> Result<()> {
        let mut writer = self.begin_write()?;
        {
            let mut meta = writer.txn.open_table(META)?;
            meta.insert("format", FORMAT_MARKER)?;
            meta.insert("schema_version", SCHEMA_VERSION.to_le_bytes().as_slice())?;
            meta.insert("created_by", env!("CARGO_PKG_VERSION").as_bytes())?;
        }
        writer.create_tables()?;
        writer.commit()
    }
}

/// What opening found.
#[derive(Debug, PartialEq, Eq)]
enum Checked {
    Ready,
    /// Written by an older ctx: derived tables must be rebuilt first.
    NeedsUpgrade,
    /// A redb database without tables, seen read-only: it must be set up.
    Empty,
}

/// How many bytes redb's magic number takes at the start of its file.
const MAGIC_LEN: usize = 9;

/// The largest file a creation cut short can leave. redb gives a new
/// database a file of a few pages (tens of KiB); a file past this has held
/// data, and is never taken for an unfinished one, whatever its first bytes.
const UNFINISHED_MAX_BYTES: u64 = 1 << 20;

/// Whether `path` is a database file that redb began to create and never
/// finished: small, and without redb's magic number, which redb writes
/// last, once the rest of the header is on disk. It is what a ctx killed
/// while creating the store leaves behind.
fn is_unfinished(path: &Path) -> bool {
    open_file(path, Access::Read).is_ok_and(|mut file| looks_unfinished(&mut file))
}

/// [`is_unfinished`] for an open file.
fn looks_unfinished(file: &mut std::fs::File) -> bool {
    use std::io::{Read as _, Seek as _};
    if !file
        .metadata()
        .is_ok_and(|m| m.len() <= UNFINISHED_MAX_BYTES)
    {
        return false;
    }
    let mut start = [0u8; MAGIC_LEN];
    let Ok(len) = file.rewind().and_then(|()| file.read(&mut start)) else {
        return false;
    };
    len > 0 && start[..len].iter().all(|b| *b == 0)
}

/// Moves a database file whose creation was cut short (see
/// [`is_unfinished`]) aside, to `ctx.redb.incomplete-N`, so the open that
/// follows creates the store afresh. It is moved, not emptied, so nothing
/// that was in it is lost.
///
/// It does so only under the file's lock, and only on Linux, where redb
/// takes the same whole-file lock on every open (elsewhere it locks byte
/// ranges, which this lock does not meet): a file another process holds may
/// be being created right now, and is left for the busy wait. The file is
/// checked again through the locked handle, and the path must still name
/// it: another ctx may have moved it aside already and begun a new one. Any
/// failure here leaves the file as it is, for the open to report.
#[cfg(target_os = "linux")]
fn reset_unfinished(path: &Path) {
    use std::os::unix::fs::MetadataExt as _;
    if !is_unfinished(path) {
        return;
    }
    let Ok(mut file) = open_file(path, Access::ReadWrite) else {
        return;
    };
    if file.try_lock().is_err() {
        return;
    }
    let same = match (file.metadata(), std::fs::metadata(path)) {
        (Ok(locked), Ok(named)) => locked.dev() == named.dev() && locked.ino() == named.ino(),
        _ => false,
    };
    if same && looks_unfinished(&mut file) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let aside = (1..)
            .map(|n| path.with_file_name(format!("{name}.incomplete-{n}")))
            .find(|p| !p.exists());
        if let Some(aside) = aside {
            let _ = std::fs::rename(path, aside);
        }
    }
    let _ = file.unlock();
}

/// See the Linux version: without redb's whole-file lock, a creation in
/// progress cannot be told apart, so the file is left for the open to
/// refuse.
#[cfg(not(target_os = "linux"))]
fn reset_unfinished(_path: &Path) {}

/// How the database file is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    ReadWrite,
    /// Read and write, creating the file (mode 0600) if it does not exist.
    Create,
}

/// The database file, opened without blocking and checked to be a regular
/// file through the handle itself, so nothing swapped in after a check by
/// path gets through. A FIFO opened for reading waits for a writer, for
/// ever; with `O_NONBLOCK` it opens at once (the flag changes nothing for
/// a regular file, which is all the handle is used for).
fn open_file(path: &Path, access: Access) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    if access != Access::Read {
        options.write(true);
    }
    if access == Access::Create {
        options.create(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            NotRegular(file_kind(kind)),
        ));
    }
    Ok(file)
}

/// Refuses anything at `path` that is not a regular file (or a link to
/// one), looking without opening it.
fn check_regular(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(StoreError::NotAFile {
            path: path.to_owned(),
            kind: file_kind(meta.file_type()),
        }),
        _ => Ok(()),
    }
}

/// What a file that is not a regular one is, in words.
fn file_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// The error [`open_file`] gives for a file that is not a regular one,
/// inside an I/O error so it can pass through redb's open.
#[derive(Debug)]
struct NotRegular(&'static str);

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is {}, not a regular file", self.0)
    }
}

impl std::error::Error for NotRegular {}

/// Whether opening failed because this process may not write the file.
fn cannot_write(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Calls `open` until it stops answering "already open" or `deadline`
/// passes, and turns redb's open errors into store errors.
fn retry_busy<T>(
    path: &Path,
    deadline: Instant,
    mut open: impl FnMut() -> Result<T, DatabaseError>,
) -> Result<T> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(2);
    let mut jitter = Jitter::new();
    loop {
        let err = match open() {
            Ok(db) => return Ok(db),
            Err(err) => err,
        };
        let reason = match err {
            DatabaseError::DatabaseAlreadyOpen => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(StoreError::Busy {
                        path: path.to_owned(),
                        waited: start.elapsed(),
                    });
                }
                std::thread::sleep(jitter.around(pause).min(deadline - now));
                pause = (pause * 2).min(MAX_PAUSE);
                continue;
            }
            DatabaseError::Storage(StorageError::Io(source))
                if source.kind() == std::io::ErrorKind::InvalidData =>
            {
                source.to_string()
            }
            DatabaseError::Storage(StorageError::Io(source)) => {
                if let Some(NotRegular(kind)) = source.get_ref().and_then(|e| e.downcast_ref()) {
                    return Err(StoreError::NotAFile {
                        path: path.to_owned(),
                        kind,
                    });
                }
                return Err(StoreError::Open {
                    path: path.to_owned(),
                    source,
                });
            }
            DatabaseError::Storage(StorageError::Corrupted(reason)) => reason,
            DatabaseError::UpgradeRequired(v) => format!("it uses redb file format {v}"),
            other => return Err(other.into()),
        };
        return Err(StoreError::NotAStore {
            path: path.to_owned(),
            reason,
        });
    }
}

/// A small xorshift source of jitter, so processes that collided once do not
/// retry in lockstep. Seeded from the pid and the clock; quality is irrelevant.
struct Jitter(u64);

impl Jitter {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Self(u64::from(std::process::id()) << 32 | u64::from(nanos) | 1)
    }

    /// A duration uniformly between half and all of `d`.
    fn around(&mut self, d: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let frac = (self.0 % 1000) as f64 / 1000.0;
        d.mul_f64(0.5 + frac / 2.0)
    }
}

/// A read transaction.
pub struct Reader {
    txn: ReadTransaction,
}

impl Query for Reader {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<impl ReadableTable<K, V> + '_> {
        Ok(self.txn.open_table(def)?)
    }
}

/// A write transaction: reads see its own writes; nothing is visible to
/// others, or durable, until [`Writer::commit`].
pub struct Writer {
    pub(crate) txn: WriteTransaction,
}

impl Query for Writer {
    fn table<K: Key + 'static, V: Value + 'static>(
        &self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<impl ReadableTable<K, V> + '_> {
        Ok(self.txn.open_table(def)?)
    }
}

impl Writer {
    /// Appends an event and applies it to the materialized tables, in this
    /// transaction. The fold refuses an event that does not fit the state
    /// (an unknown pack, a taken name), and then nothing is written.
    ///
    /// A `SnapshotDeleted` event removes the snapshot's row with it; a
    /// snapshot is created or imported with [`Writer::append_snapshot`].
    pub fn append(&mut self, new: NewEvent) -> Result<EventRecord> {
        self.append_with(new, None)
    }

    /// Appends a `SnapshotCreated` or `SnapshotImported` event and stores
    /// the snapshot's manifest under the id the event gives it, in this
    /// transaction: there is never a snapshot without its event, or the
    /// reverse.
    pub fn append_snapshot(
        &mut self,
        new: NewEvent,
        manifest: &Manifest,
    ) -> Result<(EventRecord, SnapshotId)> {
        let record = self.append_with(new, Some(manifest))?;
        let id = record
            .event
            .snapshot_id(record.seq)
            .expect("BUG: the event that came with a manifest names its snapshot");
        Ok((record, id))
    }

    fn append_with(&mut self, new: NewEvent, manifest: Option<&Manifest>) -> Result<EventRecord> {
        let seq = EventSeq(self.last_seq()?.0 + 1);
        let planned = match plan(&View(&*self), seq, &new.event) {
            Ok(planned) => planned,
            Err(PlanError::View(e)) => return Err(e),
            Err(PlanError::Refused(e)) => return Err(e.into()),
        };
        let creates = planned
            .changes
            .iter()
            .any(|c| matches!(c, Change::PutSnapshot(_)));
        if creates != manifest.is_some() {
            return Err(StoreError::ManifestMismatch {
                seq: seq.0,
                given: manifest.is_some(),
            });
        }
        let record = EventRecord {
            seq,
            time: new.time,
            user: new.user,
            version: new.version,
            command: new.command,
            pack: planned.pack,
            event: new.event,
        };
        self.txn
            .open_table(EVENTS)?
            .insert(seq.0, encode_event(&record).as_slice())?;
        {
            let mut index = self.txn.open_table(EVENTS_BY_PACK)?;
            for pack in record.event.pack_ids(seq) {
                index.insert((pack.0, seq.0), ())?;
            }
        }
        for change in planned.changes {
            match (change, manifest) {
                (Change::PutSnapshot(id), Some(manifest)) => {
                    let mut snapshots = self.txn.open_table(SNAPSHOTS)?;
                    if snapshots.get(id.0)?.is_some() {
                        return Err(StoreError::SnapshotExists { id });
                    }
                    snapshots.insert(id.0, encode_manifest(manifest).as_slice())?;
                    drop(snapshots);
                    if id.is_content() {
                        self.txn.open_table(SNAPSHOT_SEQS)?.insert(id.0, seq.0)?;
                    } else {
                        self.txn
                            .open_table(SNAPSHOT_ALIASES)?
                            .insert(manifest.content_id().0, id.0)?;
                    }
                }
                (change, _) => self.commit_change(change)?,
            }
        }
        Ok(record)
    }

    fn commit_change(&mut self, change: Change) -> Result<()> {
        match change {
            Change::PutPack(pack) => {
                self.txn
                    .open_table(PACKS)?
                    .insert(pack.id.0, encode(&pack).as_slice())?;
            }
            Change::PutName(name, id) => {
                self.txn
                    .open_table(PACK_NAMES)?
                    .insert(name.as_str(), id.0)?;
            }
            Change::DeleteName(name) => {
                self.txn.open_table(PACK_NAMES)?.remove(name.as_str())?;
            }
            Change::PutArtifact(pack, artifact) => {
                let spec = artifact.spec.to_string();
                self.txn
                    .open_table(ARTIFACT_SPECS)?
                    .insert((pack.0, spec.as_str()), artifact.id.0)?;
                self.txn
                    .open_table(ARTIFACTS)?
                    .insert((pack.0, artifact.id.0), encode(&artifact).as_slice())?;
            }
            Change::DeleteArtifact(pack, id, spec) => {
                let spec = spec.to_string();
                self.txn
                    .open_table(ARTIFACT_SPECS)?
                    .remove((pack.0, spec.as_str()))?;
                self.txn.open_table(ARTIFACTS)?.remove((pack.0, id.0))?;
            }
            Change::DeleteSnapshot(id) => {
                let id = self.snapshot_key(id)?;
                let manifest = self
                    .txn
                    .open_table(SNAPSHOTS)?
                    .remove(id.0)?
                    .map(|v| v.value().to_vec());
                let gone = manifest.is_some();
                if let Some(manifest) = manifest {
                    // Kept as written, for an undo, until gc.
                    self.txn
                        .open_table(DELETED_SNAPSHOTS)?
                        .insert(id.0, manifest.as_slice())?;
                }
                if gone && id.is_content() {
                    self.txn.open_table(SNAPSHOT_SEQS)?.remove(id.0)?;
                } else if gone {
                    // Another copy of the same render may take its id.
                    self.rebuild_aliases()?;
                }
            }
            Change::RestoreSnapshot(id, stored) => {
                let manifest = self
                    .txn
                    .open_table(DELETED_SNAPSHOTS)?
                    .remove(id.0)?
                    .map(|v| v.value().to_vec());
                // Undo planning found it in this same transaction.
                let Some(manifest) = manifest else {
                    return Err(StoreError::Corrupt {
                        table: "deleted_snapshots",
                        key: id.to_string(),
                        reason: "the deleted snapshot to restore is not kept".into(),
                    });
                };
                let mut snapshots = self.txn.open_table(SNAPSHOTS)?;
                if snapshots.get(id.0)?.is_some() {
                    return Err(StoreError::SnapshotExists { id });
                }
                snapshots.insert(id.0, manifest.as_slice())?;
                drop(snapshots);
                if id.is_content() {
                    self.txn.open_table(SNAPSHOT_SEQS)?.insert(id.0, stored.0)?;
                } else {
                    self.rebuild_aliases()?;
                }
            }
            Change::LabelSnapshot(id, label) => {
                let id = self.snapshot_key(id)?;
                let mut snapshots = self.txn.open_table(SNAPSHOTS)?;
                let manifest = snapshots
                    .get(id.0)?
                    .map(|v| crate::codec::decode_manifest(v.value(), id.0))
                    .transpose()?;
                if let Some(mut manifest) = manifest {
                    manifest.label = label;
                    snapshots.insert(id.0, encode_manifest(&manifest).as_slice())?;
                }
            }
            Change::PurgeBlob(hash, seq) => {
                self.txn.open_table(PURGED)?.insert(hash.0, seq.0)?;
                self.txn
                    .open_table(BLOBS)?
                    .retain_in((hash.0, 0)..=(hash.0, u32::MAX), |_, _| false)?;
            }
            // Only an append brings the manifest to store.
            Change::PutSnapshot(_) => unreachable!("BUG: append_with stores manifests"),
            Change::DeletePack(pack) => {
                self.txn.open_table(PACKS)?.remove(pack.0)?;
                self.txn
                    .open_table(ARTIFACTS)?
                    .retain_in((pack.0, 0)..=(pack.0, u64::MAX), |_, _| false)?;
                let mut specs = self.txn.open_table(ARTIFACT_SPECS)?;
                let keys: Vec<String> = specs
                    .range((pack.0, "")..)?
                    .map_while(|e| match e {
                        Ok((k, _)) if k.value().0 == pack.0 => Some(Ok(k.value().1.to_owned())),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    })
                    .collect::<Result<_, _>>()?;
                for key in keys {
                    specs.remove((pack.0, key.as_str()))?;
                }
            }
        }
        Ok(())
    }

    /// Stores `bytes` as a blob and returns its hash; content already stored
    /// is not written again.
    pub fn put_blob(&mut self, bytes: &[u8]) -> Result<BlobHash> {
        let hash = BlobHash::of(bytes);
        self.put_hashed_blob(hash, bytes)?;
        Ok(hash)
    }

    /// Stores `bytes` as the blob `hash`, which the caller computed from
    /// them (so a blob stored already costs no second hash); false when it
    /// was stored already.
    pub fn put_hashed_blob(&mut self, hash: BlobHash, bytes: &[u8]) -> Result<bool> {
        debug_assert_eq!(hash, BlobHash::of(bytes), "BUG: a blob under another hash");
        let mut blobs = self.txn.open_table(BLOBS)?;
        if blobs.get((hash.0, 0))?.is_some() {
            return Ok(false);
        }
        if bytes.is_empty() {
            blobs.insert((hash.0, 0), &[][..])?;
        }
        for (i, chunk) in (0u32..).zip(bytes.chunks(CHUNK_SIZE)) {
            blobs.insert((hash.0, i), chunk)?;
        }
        Ok(true)
    }

    /// Caches a token count for a blob.
    pub fn put_token_count(
        &mut self,
        hash: &BlobHash,
        tokenizer: TokenizerKind,
        tokens: u32,
    ) -> Result<()> {
        self.txn
            .open_table(TOKEN_COUNTS)?
            .insert((hash.0, tokenizer.code()), tokens)?;
        Ok(())
    }

    /// Caches the outline of a text (empty: it has none).
    pub fn put_outline(&mut self, hash: &BlobHash, key: &str, outline: &[u8]) -> Result<()> {
        self.txn
            .open_table(OUTLINES)?
            .insert((hash.0, key), outline)?;
        Ok(())
    }

    /// Drops a cached token count (one `fsck` found wrong).
    pub fn delete_token_count(&mut self, hash: &BlobHash, tokenizer: TokenizerKind) -> Result<()> {
        self.txn
            .open_table(TOKEN_COUNTS)?
            .remove((hash.0, tokenizer.code()))?;
        Ok(())
    }

    /// Records what ctx learned about one version of a file.
    pub fn put_file_stamp(&mut self, path: &str, stamp: &FileStamp) -> Result<()> {
        self.txn
            .open_table(FILE_CACHE)?
            .insert(path, encode(stamp).as_slice())?;
        Ok(())
    }

    /// Creates every table that does not exist yet, so read transactions
    /// never meet a missing one.
    fn create_tables(&mut self) -> Result<()> {
        self.txn.open_table(EVENTS)?;
        self.txn.open_table(EVENTS_BY_PACK)?;
        self.txn.open_table(PACKS)?;
        self.txn.open_table(PACK_NAMES)?;
        self.txn.open_table(ARTIFACTS)?;
        self.txn.open_table(ARTIFACT_SPECS)?;
        self.txn.open_table(BLOBS)?;
        self.txn.open_table(TOKEN_COUNTS)?;
        self.txn.open_table(OUTLINES)?;
        self.txn.open_table(FILE_CACHE)?;
        self.txn.open_table(SNAPSHOTS)?;
        self.txn.open_table(SNAPSHOT_ALIASES)?;
        self.txn.open_table(SNAPSHOT_SEQS)?;
        self.txn.open_table(DELETED_SNAPSHOTS)?;
        self.txn.open_table(PURGED)?;
        Ok(())
    }

    /// The key of the snapshot an event names: itself, or for a snapshot
    /// stored under a seq, the key its content id is an alias of.
    fn snapshot_key(&self, id: SnapshotId) -> Result<SnapshotId> {
        Ok(self.resolve_snapshot(id)?.unwrap_or(id))
    }

    /// Fills the alias table again from the snapshot table: the content id
    /// of every snapshot named by a local seq (the oldest, where ctx once
    /// stored one render twice).
    fn rebuild_aliases(&mut self) -> Result<()> {
        let mut aliases = Vec::new();
        for entry in self.txn.open_table(SNAPSHOTS)?.iter()? {
            let (k, v) = entry?;
            let id = SnapshotId(k.value());
            if !id.is_content() {
                let manifest = crate::codec::decode_manifest(v.value(), id.0)?;
                aliases.push((manifest.content_id().0, id.0));
            }
        }
        let mut table = self.txn.open_table(SNAPSHOT_ALIASES)?;
        table.retain(|_, _| false)?;
        for (content, id) in aliases {
            if table.get(content)?.is_none() {
                table.insert(content, id)?;
            }
        }
        Ok(())
    }

    /// Empties the tables derived from the log and fills them again by
    /// replaying it through the fold: the materialized state, the per-pack
    /// event index, and the file cache, whose records may have another
    /// layout.
    pub fn rebuild_derived(&mut self) -> Result<()> {
        let mut state = ctx_model::State::default();
        let mut index = Vec::new();
        let mut seqs = std::collections::BTreeMap::new();
        self.for_each_event(|record| {
            for pack in record.event.pack_ids(record.seq) {
                index.push((pack.0, record.seq.0));
            }
            match &record.event {
                Event::SnapshotTaken { id, .. } | Event::SnapshotReceived { id, .. } => {
                    seqs.insert(id.0, record.seq.0);
                }
                Event::SnapshotDeleted { snapshot, .. }
                | Event::Undone {
                    reversal: Reversal::DeleteSnapshot { snapshot },
                    ..
                } => {
                    seqs.remove(&snapshot.0);
                }
                Event::Undone {
                    reversal: Reversal::RestoreSnapshot { snapshot, stored },
                    ..
                } if snapshot.is_content() => {
                    seqs.insert(snapshot.0, stored.0);
                }
                _ => {}
            }
            let seq = record.seq.0;
            state
                .apply(&record)
                .map_err(|e| crate::read::replay_error(seq, e))
        })?;
        self.txn.open_table(PACKS)?.retain(|_, _| false)?;
        self.txn.open_table(PACK_NAMES)?.retain(|_, _| false)?;
        self.txn.open_table(ARTIFACTS)?.retain(|_, _| false)?;
        self.txn.open_table(ARTIFACT_SPECS)?.retain(|_, _| false)?;
        self.txn.open_table(EVENTS_BY_PACK)?.retain(|_, _| false)?;
        self.txn.open_table(FILE_CACHE)?.retain(|_, _| false)?;
        self.txn.open_table(PURGED)?.retain(|_, _| false)?;
        for (hash, seq) in state.purged {
            self.commit_change(Change::PurgeBlob(hash, seq))?;
        }
        for pack in state.packs.into_values() {
            self.commit_change(Change::PutPack(pack))?;
        }
        for (name, id) in state.names {
            self.commit_change(Change::PutName(name, id))?;
        }
        for (pack, artifacts) in state.artifacts {
            for artifact in artifacts.into_values() {
                self.commit_change(Change::PutArtifact(pack, artifact))?;
            }
        }
        {
            let mut by_pack = self.txn.open_table(EVENTS_BY_PACK)?;
            for key in index {
                by_pack.insert(key, ())?;
            }
            let mut table = self.txn.open_table(SNAPSHOT_SEQS)?;
            table.retain(|_, _| false)?;
            for (id, seq) in seqs {
                table.insert(id, seq)?;
            }
        }
        self.rebuild_aliases()
    }

    /// Makes every write of this transaction durable and visible.
    pub fn commit(self) -> Result<()> {
        self.txn.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ctx_model::testing::{name, pack_created};
    use ctx_model::{
        AddOptions, ArtifactId, Captured, CapturedBlob, FoldError, NewArtifact, PackId, PackName,
        SourceSpec,
    };

    use super::*;

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("ctx.redb"), Duration::ZERO).expect("opens");
        (dir, store)
    }

    fn new_event(event: Event) -> NewEvent {
        NewEvent {
            time: Timestamp(1_000),
            user: "tester".into(),
            version: "0.0.0".into(),
            command: vec!["ctx".into(), "test".into()],
            event,
        }
    }

    fn text_artifact(writer: &mut Writer, pack: PackId, text: &str) -> Event {
        let hash = writer.put_blob(text.as_bytes()).expect("blob");
        Event::ArtifactAdded {
            pack,
            artifact: NewArtifact {
                spec: SourceSpec::Text { text: text.into() },
                priority: 0,
                options: AddOptions::default(),
                content: Captured::Blob(CapturedBlob {
                    hash,
                    bytes: text.len() as u64,
                    tokens: 1,
                }),
            },
        }
    }

    #[test]
    fn materialized_tables_equal_a_fresh_fold_of_the_log() {
        let (_dir, store) = temp_store();
        let mut packs: Vec<(PackId, PackName)> = Vec::new();
        // A deterministic mix of every event kind, one transaction per event,
        // as commands write them.
        for step in 0u64..120 {
            let mut w = store.write().expect("write");
            let event = match (step % 7, packs.len()) {
                (0, _) | (_, 0) => Event::PackCreated {
                    name: name(&format!("p{step}")),
                    root: "/root".into(),
                    budget: 1000,
                    tokenizer: TokenizerKind::O200k,
                },
                (1..=3, n) => {
                    let pack = packs[(step as usize) % n].0;
                    text_artifact(&mut w, pack, &format!("note {step}"))
                }
                (4, n) => {
                    let pack = packs[(step as usize) % n].0;
                    match w.artifacts(pack).expect("artifacts").first() {
                        Some(a) => Event::ArtifactRemoved {
                            pack,
                            artifact: a.id,
                            spec: a.spec.clone(),
                        },
                        None => text_artifact(&mut w, pack, "first"),
                    }
                }
                (5, n) => {
                    let i = (step as usize) % n;
                    let to = name(&format!("r{step}"));
                    let event = Event::PackRenamed {
                        pack: packs[i].0,
                        from: packs[i].1.clone(),
                        to: to.clone(),
                    };
                    packs[i].1 = to;
                    event
                }
                (_, n) if step % 3 == 0 => {
                    let (pack, name) = packs.remove((step as usize) % n);
                    Event::PackDeleted { pack, name }
                }
                (_, n) => Event::BudgetChanged {
                    pack: packs[(step as usize) % n].0,
                    from: w
                        .pack(packs[(step as usize) % n].0)
                        .expect("read")
                        .expect("pack")
                        .budget,
                    to: step,
                },
            };
            let record = w.append(new_event(event)).expect("append");
            if let Event::PackCreated { name, .. } = &record.event {
                packs.push((PackId(record.seq.0), name.clone()));
            }
            w.commit().expect("commit");
        }
        let r = store.read().expect("read");
        assert_eq!(r.last_seq().expect("seq"), EventSeq(120));
        let replayed = r.replay().expect("replay");
        assert_eq!(r.materialized().expect("materialized"), replayed);
        assert!(!replayed.artifacts.is_empty());
    }

    #[test]
    fn a_refused_event_writes_nothing() {
        let (_dir, store) = temp_store();
        let created = pack_created("a");
        let mut w = store.write().expect("write");
        w.append(new_event(created.clone())).expect("first");
        w.commit().expect("commit");
        let mut w = store.write().expect("write");
        let err = w.append(new_event(created)).expect_err("duplicate name");
        assert!(
            matches!(err, StoreError::Fold(FoldError::NameTaken { .. })),
            "{err}"
        );
        drop(w);
        assert_eq!(
            store.read().expect("read").last_seq().expect("seq"),
            EventSeq(1)
        );
    }

    #[test]
    fn pack_index_and_reverse_reads() {
        let (_dir, store) = temp_store();
        let mut w = store.write().expect("write");
        for n in ["a", "b"] {
            w.append(new_event(Event::PackCreated {
                name: name(n),
                root: "/".into(),
                budget: 1,
                tokenizer: TokenizerKind::O200k,
            }))
            .expect("create");
        }
        for i in 0..10 {
            let pack = PackId(1 + i % 2);
            let event = text_artifact(&mut w, pack, &format!("t{i}"));
            w.append(new_event(event)).expect("add");
        }
        w.commit().expect("commit");
        let r = store.read().expect("read");
        let seqs = |v: Vec<EventRecord>| v.into_iter().map(|r| r.seq.0).collect::<Vec<_>>();
        assert_eq!(seqs(r.events_rev(None, 3).expect("log")), vec![12, 11, 10]);
        assert_eq!(
            seqs(r.events_rev(Some(EventSeq(3)), 5).expect("log")),
            vec![2, 1]
        );
        assert_eq!(
            seqs(r.pack_events_rev(PackId(2), None, 4).expect("log")),
            vec![12, 10, 8, 6]
        );
        let a = r.artifacts(PackId(1)).expect("artifacts");
        assert_eq!(
            a.iter().map(|a| a.id).collect::<Vec<_>>(),
            [3, 5, 7, 9, 11].map(ArtifactId)
        );
        let spec = SourceSpec::Text { text: "t0".into() };
        assert_eq!(
            r.artifact_by_spec(PackId(1), &spec).expect("spec"),
            Some(ArtifactId(3))
        );
        assert_eq!(r.artifact_by_spec(PackId(2), &spec).expect("spec"), None);
    }

    /// A copy of a store taken while it is open for writing, as a crash
    /// leaves it, holding `events` pack creations; the store is closed.
    fn crashed_copy(events: u64) -> (tempfile::TempDir, PathBuf) {
        let (dir, store) = temp_store();
        for i in 0..events {
            let mut w = store.write().expect("write");
            w.append(new_event(pack_created(&format!("p{i}"))))
                .expect("create");
            w.commit().expect("commit");
        }
        let crashed = dir.path().join("crashed.redb");
        std::fs::copy(store.path(), &crashed).expect("copy");
        drop(store);
        (dir, crashed)
    }

    #[test]
    fn a_crashed_store_is_recovered_in_memory_leaving_its_file_alone() {
        let (_dir, crashed) = crashed_copy(3);
        let before = std::fs::read(&crashed).expect("read");
        let deadline = Instant::now();
        assert!(matches!(
            Store::probe(&crashed, deadline, CACHE_BYTES).expect("probe"),
            Probe::NeedsRecovery
        ));
        let recovered = Store::open_recovered(&crashed, deadline, CACHE_BYTES).expect("recovered");
        {
            let r = recovered.read().expect("read");
            assert_eq!(r.last_seq().expect("seq"), EventSeq(3));
            assert_eq!(r.packs().expect("packs").len(), 3);
            assert!(crate::fsck::check(&r).expect("fsck").problems.is_empty());
        }
        assert!(matches!(
            recovered.write(),
            Err(StoreError::ReadOnly { .. })
        ));
        drop(recovered);
        assert_eq!(std::fs::read(&crashed).expect("read"), before);
        // Still in need of recovery, which a read-write open performs.
        let repaired = Store::open(&crashed, Duration::ZERO).expect("repaired");
        assert_eq!(
            repaired.read().expect("read").last_seq().expect("seq"),
            EventSeq(3)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_crashed_store_that_cannot_be_written_needs_write_access_to_recover() {
        use std::os::unix::fs::PermissionsExt as _;
        let (dir, crashed) = crashed_copy(1);
        std::fs::set_permissions(&crashed, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        if std::fs::OpenOptions::new()
            .write(true)
            .open(&crashed)
            .is_ok()
        {
            // Root writes any file: the read-write open would repair it.
            return;
        }
        let err = Store::open(&crashed, Duration::ZERO)
            .err()
            .expect("refused");
        assert!(matches!(err, StoreError::NeedsRecovery { .. }), "{err}");
        let store = Store::open_read_only(&crashed, Duration::ZERO).expect("served");
        assert_eq!(
            store.read().expect("read").last_seq().expect("seq"),
            EventSeq(1)
        );
        drop(dir);
    }

    #[cfg(unix)]
    #[test]
    fn anything_but_a_regular_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ctx.redb");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        for open in [Store::open, Store::open_read_only] {
            match open(&path, Duration::from_secs(5)) {
                Err(StoreError::NotAFile { kind, .. }) => assert_eq!(kind, "a named pipe (FIFO)"),
                Err(e) => panic!("{e}"),
                Ok(_) => panic!("a FIFO opened as a store"),
            }
        }
        // Swapped in after the check by path, it is still caught, at once.
        let err = open_file(&path, Access::Read).expect_err("a FIFO");
        assert!(err.get_ref().is_some_and(|e| e.is::<NotRegular>()), "{err}");
        std::fs::remove_file(&path).expect("rm");
        std::fs::create_dir(&path).expect("mkdir");
        let err = Store::open(&path, Duration::ZERO).err().expect("a folder");
        assert_eq!(
            err.to_string(),
            format!(
                "the database `{}` is a folder, not a regular file",
                path.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_new_database_file_is_private_and_an_old_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_dir, store) = temp_store();
        let path = store.path().to_owned();
        drop(store);
        let mode = || std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        drop(Store::open(&path, Duration::ZERO).expect("open"));
        assert_eq!(mode(), 0o640);
    }

    #[test]
    fn deleting_a_pack_clears_its_rows() {
        let (_dir, store) = temp_store();
        let mut w = store.write().expect("write");
        w.append(new_event(pack_created("a"))).expect("create");
        for i in 0..3 {
            let event = text_artifact(&mut w, PackId(1), &format!("t{i}"));
            w.append(new_event(event)).expect("add");
        }
        w.append(new_event(Event::PackDeleted {
            pack: PackId(1),
            name: name("a"),
        }))
        .expect("delete");
        w.commit().expect("commit");
        let r = store.read().expect("read");
        assert!(r.artifacts(PackId(1)).expect("artifacts").is_empty());
        let spec = SourceSpec::Text { text: "t0".into() };
        assert_eq!(r.artifact_by_spec(PackId(1), &spec).expect("spec"), None);
        assert_eq!(r.materialized().expect("m"), r.replay().expect("r"));
    }

    #[test]
    fn blobs_are_chunked_deduplicated_and_verified() {
        let (_dir, store) = temp_store();
        let big: Vec<u8> = (0..CHUNK_SIZE * 3 + 17).map(|i| (i % 251) as u8).collect();
        let mut w = store.write().expect("write");
        let h1 = w.put_blob(&big).expect("put");
        let h2 = w.put_blob(&big).expect("put again");
        let empty = w.put_blob(b"").expect("empty");
        w.commit().expect("commit");
        assert_eq!(h1, h2);
        let r = store.read().expect("read");
        assert_eq!(r.blob(&h1).expect("get"), Some(big.clone()));
        assert_eq!(r.blob(&empty).expect("get"), Some(Vec::new()));
        assert_eq!(r.blob(&BlobHash::of(b"absent")).expect("get"), None);
        let chunks = r
            .table(BLOBS)
            .expect("table")
            .range((h1.0, 0)..=(h1.0, u32::MAX))
            .expect("range")
            .count();
        assert_eq!(chunks, 4);
        drop(r);

        // Flip a byte of the second chunk: reading must refuse it.
        let w = store.write().expect("write");
        {
            let mut blobs = w.txn.open_table(BLOBS).expect("table");
            let mut chunk = big[CHUNK_SIZE..2 * CHUNK_SIZE].to_vec();
            chunk[5] ^= 0xff;
            blobs.insert((h1.0, 1), chunk.as_slice()).expect("insert");
        }
        w.commit().expect("commit");
        let err = store.read().expect("read").blob(&h1).expect_err("mismatch");
        assert!(matches!(err, StoreError::HashMismatch { hash } if hash == h1));
    }

    #[test]
    fn token_counts_are_cached_per_tokenizer() {
        let (_dir, store) = temp_store();
        let h = BlobHash::of(b"x");
        let mut w = store.write().expect("write");
        w.put_token_count(&h, TokenizerKind::O200k, 7).expect("put");
        w.commit().expect("commit");
        let r = store.read().expect("read");
        assert_eq!(
            r.token_count(&h, TokenizerKind::O200k).expect("get"),
            Some(7)
        );
        assert_eq!(r.token_count(&h, TokenizerKind::Cl100k).expect("get"), None);
    }

    #[test]
    fn a_newer_schema_is_refused_and_the_file_left_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ctx.redb");
        {
            let store = Store::open(&path, Duration::ZERO).expect("opens");
            let w = store.write().expect("write");
            w.txn
                .open_table(META)
                .expect("meta")
                .insert(
                    "schema_version",
                    (SCHEMA_VERSION + 1).to_le_bytes().as_slice(),
                )
                .expect("stamp");
            w.commit().expect("commit");
        }
        let before = std::fs::read(&path).expect("read file");
        let err = Store::open(&path, Duration::ZERO).err().expect("refused");
        assert!(
            matches!(err, StoreError::NewerSchema { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
            "{err}"
        );
        assert!(err.to_string().contains("newer ctx"), "{err}");
        let err = Store::open_read_only(&path, Duration::ZERO)
            .err()
            .expect("refused");
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
        assert_eq!(std::fs::read(&path).expect("read file"), before);
    }

    #[test]
    fn a_large_store_with_a_zeroed_header_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ctx.redb");
        let store = Store::open(&path, Duration::ZERO).expect("opens");
        let mut w = store.write().expect("write");
        let big: Vec<u8> = (0..2 * UNFINISHED_MAX_BYTES)
            .map(|i| (i % 251) as u8)
            .collect();
        w.put_blob(&big).expect("blob");
        w.commit().expect("commit");
        drop(store);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[..MAGIC_LEN].fill(0);
        std::fs::write(&path, &bytes).expect("write");
        assert!(Store::open(&path, Duration::ZERO).is_err());
        assert!(Store::open_read_only(&path, Duration::ZERO).is_err());
        assert_eq!(std::fs::read(&path).expect("read"), bytes);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("ctx.redb")]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_whose_creation_was_cut_short_becomes_a_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ctx.redb");
        // What redb leaves when killed before it writes its magic number:
        // a sized file whose first bytes are still zero.
        drop(Store::open(&path, Duration::ZERO).expect("opens"));
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[..MAGIC_LEN].fill(0);
        std::fs::write(&path, &bytes).expect("write");
        let store = Store::open_read_only(&path, Duration::ZERO).expect("opens read-only");
        assert_eq!(
            store.read().expect("read").last_seq().expect("seq"),
            EventSeq(0)
        );
        drop(store);
        drop(Store::open(&path, Duration::ZERO).expect("opens"));
        let aside = dir.path().join("ctx.redb.incomplete-1");
        assert_eq!(std::fs::read(&aside).expect("moved aside"), bytes);
        std::fs::remove_file(&aside).expect("remove");
        // Held by another process, it is left alone: the open waits.
        std::fs::write(&path, &bytes).expect("write");
        let held = std::fs::File::open(&path).expect("open");
        held.lock_shared().expect("lock");
        let err = Store::open(&path, Duration::from_millis(50))
            .err()
            .expect("busy");
        assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
        assert_eq!(std::fs::read(&path).expect("read"), bytes);
        drop(held);
        Store::open(&path, Duration::ZERO).expect("opens");
    }

    #[test]
    fn an_empty_redb_database_is_set_up_by_a_read_only_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ctx.redb");
        // What a ctx killed between creating the file and its tables leaves.
        drop(Database::create(&path).expect("create"));
        let store = Store::open_read_only(&path, Duration::ZERO).expect("opens read-only");
        assert_eq!(
            store.read().expect("read").last_seq().expect("seq"),
            EventSeq(0)
        );
    }

    #[test]
    fn files_that_are_not_ctx_stores_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let garbage = dir.path().join("garbage.redb");
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 256) as u8).collect();
        std::fs::write(&garbage, &bytes).expect("write");
        let err = Store::open(&garbage, Duration::ZERO)
            .err()
            .expect("refused");
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
        assert_eq!(std::fs::read(&garbage).expect("read"), bytes);

        let other = dir.path().join("other.redb");
        {
            let db = Database::create(&other).expect("create");
            let txn = db.begin_write().expect("write");
            txn.open_table(TableDefinition::<u64, u64>::new("stuff"))
                .expect("table");
            txn.commit().expect("commit");
        }
        let err = Store::open(&other, Duration::ZERO).err().expect("refused");
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err:?}");
    }

    #[test]
    fn a_held_store_is_busy_after_the_wait() {
        let (dir, _held) = temp_store();
        let start = Instant::now();
        let err = Store::open(&dir.path().join("ctx.redb"), Duration::from_millis(80))
            .err()
            .expect("busy");
        assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
        assert!(start.elapsed() >= Duration::from_millis(80));
    }

    #[test]
    fn an_older_schema_is_upgraded_by_replaying_the_log() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ctx.redb");
        {
            let store = Store::open(&path, Duration::ZERO).expect("opens");
            let mut w = store.write().expect("write");
            w.append(new_event(pack_created("a"))).expect("create");
            let event = text_artifact(&mut w, PackId(1), "note");
            w.append(new_event(event)).expect("add");
            w.put_token_count(&BlobHash::of(b"note"), TokenizerKind::O200k, 1)
                .expect("count");
            // Make it look like schema 1: no snapshot or file cache tables,
            // and derived tables out of step with the log.
            w.txn.delete_table(SNAPSHOTS).expect("drop snapshots");
            w.txn.delete_table(FILE_CACHE).expect("drop file cache");
            w.txn
                .open_table(PACKS)
                .expect("packs")
                .remove(1)
                .expect("remove");
            w.txn
                .open_table(META)
                .expect("meta")
                .insert("schema_version", 1u32.to_le_bytes().as_slice())
                .expect("stamp");
            w.commit().expect("commit");
        }
        // A read-only open upgrades through a read-write one first.
        let store = Store::open_read_only(&path, Duration::ZERO).expect("opens");
        let r = store.read().expect("read");
        assert_eq!(r.materialized().expect("m"), r.replay().expect("r"));
        assert_eq!(r.snapshot_ids().expect("snapshots"), Vec::new());
        assert_eq!(r.file_stamp("/x").expect("cache"), None);
        // Counts cached under the old file cache are not trusted.
        assert_eq!(
            r.token_count(&BlobHash::of(b"note"), TokenizerKind::O200k)
                .expect("count"),
            None
        );
        assert_eq!(
            r.pack_events_rev(PackId(1), None, 10).expect("index").len(),
            2
        );
    }

    #[test]
    fn file_stamps_round_trip() {
        use crate::read::{BodyStamp, FileStamp};

        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("ctx.redb"), Duration::ZERO).expect("opens");
        let stamp = FileStamp {
            dev: 2049,
            ino: 1_234_567,
            size: 7,
            mtime_ns: 1_700_000_000_123_456_789,
            ctime_ns: 1_700_000_001_987_654_321,
            clean_under: 1,
            body: Some(BodyStamp {
                format: ctx_model::Format::Markdown,
                title: "src/a.rs".into(),
                framing: 1,
                hash: BlobHash::of(b"x"),
            }),
        };
        let mut w = store.write().expect("write");
        w.put_file_stamp("/p/src/a.rs", &stamp).expect("put");
        w.commit().expect("commit");
        let r = store.read().expect("read");
        assert_eq!(r.file_stamp("/p/src/a.rs").expect("get"), Some(stamp));
        assert_eq!(r.file_stamp("/p/other").expect("get"), None);
    }
}
