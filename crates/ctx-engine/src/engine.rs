//! The engine value: where the store lives, how long to wait for it, and
//! the stamp its events carry. Every operation opens the store, works in
//! one transaction where it can, and drops it: redb lets one process hold
//! the file at a time, so a store held longer than the work makes every
//! other ctx (and every agent) wait.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ctx_model::{Artifact, Event, EventSeq, Format, Pack, PackName, PrefixMatch, Timestamp};
use ctx_store::{NewEvent, PackState, Query, Reader, STREAMING_CACHE_BYTES, Store, Writer};

use crate::config::Limits;
use crate::error::{EngineError, NotFound, Result};
use crate::outcome::Commit;

/// File name of the database inside the home folder.
const DB_FILE: &str = "ctx.redb";

/// Who makes the changes an engine writes, and when: recorded in every event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub time: Timestamp,
    pub user: String,
    /// The ctx version writing the event.
    pub version: String,
    /// The command line, program name first and without the program's path.
    pub command: Vec<String>,
}

/// The largest payload a snapshot bundle may carry unless a front end
/// sets another: far above any prompt, far below what exhausts memory.
pub const DEFAULT_PAYLOAD_LIMIT: u64 = 1 << 30;

/// The engine every front end calls.
#[derive(Clone, Debug)]
pub struct Engine {
    home: PathBuf,
    wait: Duration,
    stamp: Stamp,
    payload_limit: u64,
    limits: Limits,
    sensitive: crate::source::Sensitive,
    format: Format,
}

impl Engine {
    /// An engine over the store in `home`, waiting up to `wait` for another
    /// process to release it, writing events stamped with `stamp`. Nothing
    /// is opened until an operation needs the store.
    pub fn new(home: PathBuf, wait: Duration, stamp: Stamp) -> Self {
        Self {
            home,
            wait,
            stamp,
            payload_limit: DEFAULT_PAYLOAD_LIMIT,
            limits: Limits::default(),
            sensitive: crate::source::Sensitive::default(),
            format: Format::default(),
        }
    }

    /// The same engine, for renders in `format` unless told otherwise:
    /// `pack add` frames what it captures in it, so the render after an add
    /// finds its bodies counted.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The same engine, refusing bundles whose payload is over `limit`
    /// bytes.
    pub fn with_payload_limit(mut self, limit: u64) -> Self {
        self.payload_limit = limit;
        self
    }

    /// The same engine, enforcing `limits` (artifacts per pack, content
    /// in the store, payload per render).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same engine, judging paths sensitive by `rules`.
    pub fn with_sensitive(mut self, rules: crate::source::Sensitive) -> Self {
        self.sensitive = rules;
        self
    }

    /// The sensitive-path rules this engine applies.
    pub fn sensitive(&self) -> &crate::source::Sensitive {
        &self.sensitive
    }

    /// The format renders take unless told.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The limits this engine enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The same engine, stamping its events with `time`: a long-running
    /// front end takes the clock per request.
    pub fn with_time(mut self, time: Timestamp) -> Self {
        self.stamp.time = time;
        self
    }

    /// The largest payload a bundle may carry.
    pub fn payload_limit(&self) -> u64 {
        self.payload_limit
    }

    /// The folder the database lives in.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.home.join(DB_FILE)
    }

    /// The time events are stamped with.
    pub fn now(&self) -> Timestamp {
        self.stamp.time
    }

    /// The database path, its home folder created first if need be: 0700
    /// (with any folder above it that is missing), since the store holds
    /// captured content. A folder that exists keeps its mode.
    pub(crate) fn prepared_db_path(&self) -> Result<PathBuf> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.home)
            .map_err(|error| EngineError::Home {
                path: self.home.clone(),
                error,
            })?;
        Ok(self.db_path())
    }

    /// Opens the store for writing.
    pub(crate) fn store(&self) -> Result<Store> {
        Ok(Store::open(&self.prepared_db_path()?, self.wait)?)
    }

    /// Opens the store for reading only. A store that does not exist yet
    /// reads as empty and is not created, nor is its home folder: a command
    /// that only looks leaves nothing behind.
    pub(crate) fn store_read(&self) -> Result<Store> {
        if !self.has_store()? {
            return Ok(Store::empty(&self.db_path())?);
        }
        Ok(Store::open_read_only(&self.prepared_db_path()?, self.wait)?)
    }

    /// Whether anything is at the database path (a link counts, even a
    /// dangling one: opening it is for the store to judge).
    pub(crate) fn has_store(&self) -> Result<bool> {
        let path = self.db_path();
        match std::fs::symlink_metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(EngineError::ReadFile { path, error }),
        }
    }

    /// Runs `f` in one read transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Reader) -> Result<T>) -> Result<T> {
        f(&self.store_read()?.read()?)
    }

    /// [`Engine::read`] for a pass that reads each blob once (a bundle
    /// out): a small page cache keeps memory flat however much it reads.
    pub(crate) fn read_streaming<T>(&self, f: impl FnOnce(&Reader) -> Result<T>) -> Result<T> {
        let path = self.prepared_db_path()?;
        let store = Store::open_read_only_with_cache(&path, self.wait, STREAMING_CACHE_BYTES)?;
        f(&store.read()?)
    }

    /// Runs `f` in one write transaction, committed when its outcome says
    /// something was written; otherwise nothing is.
    pub(crate) fn write<T: Commit>(&self, f: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
        write_in(&self.store()?, f)
    }

    /// [`Engine::write`] for a transaction that writes many blobs once (a
    /// bundle in): a small page cache keeps memory flat however much it
    /// writes.
    pub(crate) fn write_streaming<T: Commit>(
        &self,
        f: impl FnOnce(&mut Writer) -> Result<T>,
    ) -> Result<T> {
        let path = self.prepared_db_path()?;
        write_in(
            &Store::open_with_cache(&path, self.wait, STREAMING_CACHE_BYTES)?,
            f,
        )
    }

    /// An event stamped with this engine's time, user and command line.
    pub(crate) fn event(&self, event: Event) -> NewEvent {
        NewEvent {
            time: self.stamp.time,
            user: self.stamp.user.clone(),
            version: self.stamp.version.clone(),
            command: self.stamp.command.clone(),
            event,
        }
    }
}

/// The live pack called `name`, or a not-found error naming it.
pub(crate) fn find_pack(query: &impl Query, name: &str) -> Result<Pack> {
    let valid = PackName::new(name)?;
    match query.pack_by_name(&valid)? {
        Some(pack) => Ok(pack),
        None => Err(unknown_pack(query, name)?.into()),
    }
}

/// The error for a pack called `name` that does not exist, naming the
/// nearest pack that does (packs are few; reading their names is cheap).
pub(crate) fn unknown_pack(query: &impl Query, name: &str) -> Result<NotFound> {
    let packs = query.packs()?;
    Ok(NotFound::Pack {
        name: name.to_owned(),
        similar: nearest(name, packs.iter().map(|p| &p.name)),
    })
}

/// The name among `names` nearest to `wanted`, if one is near enough.
pub(crate) fn nearest<'a>(
    wanted: &str,
    names: impl Iterator<Item = &'a PackName> + Clone,
) -> Option<PackName> {
    let near = ctx_model::similar::closest(wanted, names.clone().map(PackName::as_str))?;
    names.into_iter().find(|n| n.as_str() == near).cloned()
}

/// The one match of an id prefix, or `None`; several matches are
/// ambiguous, listing the candidates (`pack` names where the ids were
/// looked for, for artifact ids).
pub(crate) fn by_prefix<T>(
    found: PrefixMatch<T>,
    wanted: &str,
    pack: Option<&PackName>,
) -> Result<Option<T>> {
    match found {
        PrefixMatch::One(t) => Ok(Some(t)),
        PrefixMatch::None => Ok(None),
        PrefixMatch::Ambiguous(candidates) => Err(EngineError::Ambiguous {
            wanted: wanted.to_owned(),
            pack: pack.cloned(),
            candidates,
        }),
    }
}

/// The packs named `names` with their artifacts: as they are now, or as
/// they were right after event `at`.
pub(crate) fn packs_at(
    r: &impl Query,
    names: &[String],
    at: Option<EventSeq>,
) -> Result<Vec<(Pack, Vec<Artifact>)>> {
    let valid: Vec<PackName> = names
        .iter()
        .map(|n| PackName::new(n))
        .collect::<Result<_, _>>()?;
    if let Some(at) = at {
        let last = r.last_seq()?;
        if at.0 == 0 || at > last {
            return Err(NotFound::Event {
                at: at.0,
                last: last.0,
            }
            .into());
        }
    }
    let found: Vec<Option<PackState>> = r.packs_at(&valid, at)?;
    names
        .iter()
        .zip(found)
        .map(|(name, pack)| match (pack, at) {
            (Some(pack), _) => Ok(pack),
            (None, None) => Err(unknown_pack(r, name)?.into()),
            (None, Some(at)) => {
                let state = r.state_at(at)?;
                Err(NotFound::PackAt {
                    name: name.clone(),
                    at: at.0,
                    similar: nearest(name, state.names.keys()),
                }
                .into())
            }
        })
        .collect()
}

/// Runs `f` in one write transaction of `store`, committed when its outcome
/// says something was written.
fn write_in<T: Commit>(store: &Store, f: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
    let mut writer = store.write()?;
    let outcome = f(&mut writer)?;
    if outcome.must_commit() {
        writer.commit()?;
    }
    Ok(outcome)
}
