//! What every command needs from its invocation: the engine (where the
//! store lives, how long to wait for it, and the clock, user and command
//! line its events record), the current folder, and whether output is JSON.
//! This is the one place the binary reads its environment.

use std::path::PathBuf;
use std::time::Duration;

use ctx_engine::{Engine, Stamp};
use ctx_model::{EventSeq, Timestamp};

use crate::cli::Cli;
use crate::error::{CliError, Kind, Result};

/// One invocation of ctx.
pub struct Invocation {
    pub engine: Engine,
    /// The current folder, canonical.
    pub cwd: PathBuf,
}

impl Invocation {
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
        let time = clock()?;
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
        let stamp = Stamp {
            time,
            user,
            version: env!("CARGO_PKG_VERSION").into(),
            command,
        };
        Ok(Self {
            engine: Engine::new(home, Duration::from_secs_f64(cli.wait), stamp),
            cwd,
        })
    }

    /// The engine, stamping events with the time now: for a front end
    /// that outlives one command.
    pub fn engine_now(&self) -> Result<Engine> {
        Ok(self.engine.clone().with_time(clock()?))
    }

    /// The event an `--at` names: a seq as `ctx log` lists it, or a time
    /// (the newest event written at or before it).
    pub fn at(&self, at: Option<&str>) -> Result<Option<EventSeq>> {
        let Some(at) = at else {
            return Ok(None);
        };
        if let Ok(seq) = at.parse::<u64>() {
            return Ok(Some(EventSeq(seq)));
        }
        let time = Timestamp::parse_relative(at, self.engine.now()).ok_or_else(|| {
            CliError::new(Kind::Usage, format!("`--at {at}` is neither an event nor a time")).hint(
                "give an event's seq as `ctx log` lists it, or a date (2026-11-28), a UTC time (2026-11-28T09:30Z) or an age (90m, 12h, 7d, 2w)",
            )
        })?;
        Ok(Some(self.engine.seq_at(time)?))
    }

    /// A time a user typed for `flag`: a date, a UTC time or an age.
    pub fn time(&self, flag: &str, s: &str) -> Result<Timestamp> {
        Timestamp::parse_relative(s, self.engine.now()).ok_or_else(|| {
            CliError::new(Kind::Usage, format!("`{flag} {s}` is not a time")).hint(
                "write a date (2026-11-28), a UTC time (2026-11-28T09:30Z) or an age (90m, 12h, 7d, 2w)",
            )
        })
    }
}

/// The time now, or the time `CTX_NOW` (Unix seconds) fixes.
fn clock() -> Result<Timestamp> {
    match std::env::var("CTX_NOW") {
        Ok(secs) => secs
            .trim()
            .parse::<i64>()
            .map(|s| Timestamp(s.saturating_mul(1000)))
            .map_err(|_| {
                CliError::new(
                    Kind::Usage,
                    format!("`CTX_NOW={secs}` is not a number of seconds"),
                )
            }),
        Err(_) => Ok(Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )),
    }
}
