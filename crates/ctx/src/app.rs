//! What every command needs from its invocation: where the store lives, how
//! long to wait for it, the clock, the user and the command line recorded in
//! events.

use std::path::PathBuf;
use std::time::Duration;

use ctx_model::{Event, Pack, PackName, Timestamp};
use ctx_store::{NewEvent, Read, Store};

use crate::cli::Cli;
use crate::error::{CliError, Kind, Result};

/// File name of the database inside the home folder.
const DB_FILE: &str = "ctx.redb";

/// One invocation of ctx.
pub struct App {
    pub home: PathBuf,
    pub wait: Duration,
    pub json: bool,
    /// The current folder, canonical.
    pub cwd: PathBuf,
    now: Timestamp,
    user: String,
    command: Vec<String>,
}

impl App {
    /// Reads the invocation's settings. `CTX_NOW` (Unix seconds) and
    /// `CTX_USER` fix the clock and user, so tests and scripts get
    /// reproducible logs.
    pub fn new(cli: &Cli) -> Result<Self> {
        let home = match &cli.home {
            Some(home) => home.clone(),
            None => directories::ProjectDirs::from("", "", "ctx")
                .map(|dirs| dirs.data_dir().to_owned())
                .ok_or_else(|| {
                    CliError::new(Kind::Error, "cannot find a home folder for ctx's database")
                        .hint("set `CTX_HOME` or pass `--home DIR`")
                })?,
        };
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .map_err(|e| {
                CliError::new(Kind::Error, format!("cannot read the current folder: {e}"))
            })?;
        let now = match std::env::var("CTX_NOW") {
            Ok(secs) => secs
                .trim()
                .parse::<i64>()
                .map(|s| Timestamp(s.saturating_mul(1000)))
                .map_err(|_| {
                    CliError::new(
                        Kind::Usage,
                        format!("`CTX_NOW={secs}` is not a number of seconds"),
                    )
                })?,
            Err(_) => Timestamp(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            ),
        };
        let user = ["CTX_USER", "USER", "USERNAME"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "unknown".into());
        // The program's own path would put a machine path into every event.
        let command = std::iter::once("ctx".to_owned())
            .chain(
                std::env::args_os()
                    .skip(1)
                    .map(|a| a.to_string_lossy().into_owned()),
            )
            .collect();
        Ok(Self {
            home,
            wait: Duration::from_secs_f64(cli.wait),
            json: cli.json,
            cwd,
            now,
            user,
            command,
        })
    }

    fn db_path(&self) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.home).map_err(|e| {
            CliError::new(
                Kind::Error,
                format!(
                    "cannot create the ctx home folder `{}`: {e}",
                    self.home.display()
                ),
            )
            .hint("choose a writable folder with `--home DIR` or `CTX_HOME`")
        })?;
        Ok(self.home.join(DB_FILE))
    }

    /// Opens the store for a command that writes.
    pub fn store(&self) -> Result<Store> {
        Ok(Store::open(&self.db_path()?, self.wait)?)
    }

    /// Opens the store for a command that only reads.
    pub fn store_read(&self) -> Result<Store> {
        Ok(Store::open_read_only(&self.db_path()?, self.wait)?)
    }

    /// A time a user typed: a date, a date and time (UTC), or an age
    /// (`90m`, `12h`, `7d`, `2w`) counted back from now.
    pub fn parse_time(&self, flag: &str, s: &str) -> Result<Timestamp> {
        let age = |unit: char, ms: i64| {
            s.strip_suffix(unit)
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .map(|n| Timestamp(self.now.0.saturating_sub(n.saturating_mul(ms))))
        };
        Timestamp::parse(s)
            .or_else(|| age('s', 1000))
            .or_else(|| age('m', 60_000))
            .or_else(|| age('h', 3_600_000))
            .or_else(|| age('d', 86_400_000))
            .or_else(|| age('w', 604_800_000))
            .ok_or_else(|| {
                CliError::new(Kind::Usage, format!("`{flag} {s}` is not a time"))
                    .hint("write a date (2026-11-28), a UTC time (2026-11-28T09:30Z) or an age (90m, 12h, 7d, 2w)")
            })
    }

    /// An event stamped with this invocation's time, user and command line.
    pub fn event(&self, event: Event) -> NewEvent {
        NewEvent {
            time: self.now,
            user: self.user.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: self.command.clone(),
            event,
        }
    }

    /// The live pack called `name`, or a not-found error naming it.
    pub fn find_pack(&self, reader: &impl Read, name: &str) -> Result<Pack> {
        let valid = PackName::new(name)?;
        reader
            .pack_by_name(&valid)?
            .ok_or_else(|| unknown_pack(name))
    }
}

/// The packs named `names` with their artifacts: as they are now, or as
/// they were right after event `at`, by replaying the log with the fold.
pub fn packs_at(
    app: &App,
    reader: &impl Read,
    names: &[String],
    at: Option<u64>,
) -> Result<Vec<(Pack, Vec<ctx_model::Artifact>)>> {
    let Some(at) = at else {
        return names
            .iter()
            .map(|name| {
                let pack = app.find_pack(reader, name)?;
                let artifacts = reader.artifacts(pack.id)?;
                Ok((pack, artifacts))
            })
            .collect();
    };
    let last = reader.last_seq()?;
    if at == 0 || at > last.0 {
        return Err(CliError::new(
            Kind::NotFound,
            format!("there is no event {at}; the log holds events 1 to {last}"),
        )
        .hint("`ctx log` lists the events"));
    }
    let state = reader.state_at(ctx_model::EventSeq(at))?;
    names
        .iter()
        .map(|name| {
            let valid = PackName::new(name)?;
            let id = state.names.get(&valid).ok_or_else(|| {
                CliError::new(
                    Kind::NotFound,
                    format!("there was no pack named `{name}` right after event {at}"),
                )
                .hint("`ctx log` shows when each pack existed")
            })?;
            let pack = state.packs[id].clone();
            let artifacts = state
                .artifacts
                .get(id)
                .map(|a| a.values().cloned().collect())
                .unwrap_or_default();
            Ok((pack, artifacts))
        })
        .collect()
}

/// The error for a pack name that names no live pack.
pub fn unknown_pack(name: &str) -> CliError {
    CliError::new(Kind::NotFound, format!("no pack named `{name}`"))
        .hint("`ctx pack list` shows the packs")
}
