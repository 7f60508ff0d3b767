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

/// The error for a pack name that names no live pack.
pub fn unknown_pack(name: &str) -> CliError {
    CliError::new(Kind::NotFound, format!("no pack named `{name}`"))
        .hint("`ctx pack list` shows the packs")
}
