//! What every command needs from its invocation: the engine (where the
//! store lives, how long to wait for it, and the clock, user and command
//! line its events record), the current folder, the settings in effect
//! (user config, project `[defaults]`, `CTX_<KEY>` variables, flags), and
//! whether output is JSON. This is the one place the binary reads its
//! environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ctx_engine::config::{Config, KEYS, Layer, Origin};
use ctx_engine::{Engine, Stamp};
use ctx_model::{EventSeq, Timestamp};

use crate::cli::Cli;
use crate::error::{CliError, Kind, Result};

/// One invocation of ctx.
pub struct Invocation {
    pub engine: Engine,
    /// The current folder, canonical.
    pub cwd: PathBuf,
    /// Every setting's effective value and where it came from.
    pub config: Config,
    /// The user's config file, whether or not it exists.
    pub user_config: PathBuf,
    /// The nearest project file, if any.
    pub project_file: Option<PathBuf>,
}

impl Invocation {
    /// Reads the invocation's settings. `CTX_NOW` (Unix seconds) and
    /// `CTX_USER` fix the clock and user, so tests and scripts get
    /// reproducible logs.
    pub fn new(cli: &Cli) -> Result<Self> {
        let home = match &cli.home {
            Some(home) => home.clone(),
            None => default_home()?,
        };
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .map_err(|e| {
                CliError::new(Kind::Error, format!("cannot read the current folder: {e}"))
            })?;
        let user_config = user_config_path()?;
        let user_layer = match std::fs::read_to_string(&user_config) {
            Ok(text) => Layer::parse(&text, &user_config)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Layer::default(),
            Err(e) => {
                return Err(CliError::new(
                    Kind::Error,
                    format!("cannot read `{}`: {e}", user_config.display()),
                ));
            }
        };
        let project_file = crate::commands::project::find(&cwd);
        let project_layer = match &project_file {
            Some(path) => crate::commands::project::load(path)?.defaults,
            None => Layer::default(),
        };
        let env_layer = env_layer()?;
        let flag_layer = Layer {
            wait: cli.wait,
            ..Layer::default()
        };
        let config = Config::layered(&[
            (Origin::UserFile, &user_layer),
            (Origin::ProjectFile, &project_layer),
            (Origin::Env, &env_layer),
            (Origin::Flag, &flag_layer),
        ]);
        let time = clock()?;
        let user = ["CTX_USER", "USER", "USERNAME"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|u| !u.is_empty()))
            .or_else(account)
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
        // Every pattern was checked as its layer was parsed.
        let sensitive = ctx_engine::source::Sensitive::new(
            &config.sensitive_add.value,
            &config.sensitive_remove.value,
        )
        .map_err(|e| CliError::new(Kind::Usage, e))?;
        let engine = Engine::new(home, Duration::from_secs_f64(config.wait.value), stamp)
            .with_limits(config.limits())
            .with_sensitive(sensitive)
            .with_format(config.format.value);
        Ok(Self {
            engine,
            cwd,
            config,
            user_config,
            project_file,
        })
    }

    /// An engine to read the store with while a shell completes: the home
    /// typed on the command line, else `CTX_HOME`, else the default; a
    /// short wait, since a prompt should not hang on a store another
    /// command holds. It never writes, so its stamp is a placeholder.
    pub fn completing(home: Option<PathBuf>) -> Result<Engine> {
        let home = match home.or_else(|| std::env::var_os("CTX_HOME").map(PathBuf::from)) {
            Some(home) => home,
            None => default_home()?,
        };
        let stamp = Stamp {
            time: Timestamp(0),
            user: String::new(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: Vec::new(),
        };
        Ok(Engine::new(home, Duration::from_millis(500), stamp))
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

/// The user's config file: `CTX_CONFIG`, else `config.toml` in the
/// platform's config folder for ctx.
fn user_config_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CTX_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "ctx")
        .map(|dirs| dirs.config_dir().join("config.toml"))
        .ok_or_else(|| {
            CliError::new(Kind::Error, "cannot find a config folder for ctx")
                .hint("set `CTX_CONFIG` to the path of a config file")
        })
}

/// The settings `CTX_<KEY>` variables make (`CTX_BUDGET=32k`).
fn env_layer() -> Result<Layer> {
    let mut layer = Layer::default();
    for (key, _) in KEYS {
        let var = format!("CTX_{}", key.to_uppercase());
        if let Some(value) = std::env::var_os(&var) {
            let value = value.to_string_lossy();
            layer.set(key, &value).map_err(|message| {
                CliError::new(Kind::Usage, format!("`{var}`: {message}"))
                    .hint(format!("fix or unset `{var}`"))
            })?;
        }
    }
    Ok(layer)
}

/// Whether `path` is the user's config file as given (for `config show`).
pub fn exists(path: &Path) -> bool {
    path.is_file()
}

/// The platform's data folder for ctx, where the store lives by default.
fn default_home() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "ctx")
        .map(|dirs| dirs.data_dir().to_owned())
        .ok_or_else(|| {
            CliError::new(Kind::Error, "cannot find a home folder for ctx's database")
                .hint("set `CTX_HOME` or pass `--home DIR`")
        })
}

/// The name of the account ctx runs as, from the password database, for
/// when no variable names the user (cron, systemd units, `env -i`): the
/// log should say who, and the account is who.
///
/// The workspace forbids `unsafe`, so `getpwuid_r` is out of reach; the
/// effective uid is the owner of `/proc/self` (Linux makes it the euid), and
/// its name is looked up in `/etc/passwd`. Accounts known only to NSS
/// (LDAP, sssd) or systems without `/proc` give `None`, and the caller
/// falls back to `unknown` as before.
#[cfg(unix)]
fn account() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd_name(&passwd, uid)
}

#[cfg(not(unix))]
fn account() -> Option<String> {
    None
}

/// The name of the account `uid` in `passwd` (the `/etc/passwd` format:
/// `name:password:uid:gid:...`), skipping comments and NIS `+`/`-` lines.
fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let found = fields.next()?.parse::<u32>().ok()?;
        let usable = !name.is_empty() && !name.starts_with(['#', '+', '-']);
        (usable && found == uid).then(|| name.to_owned())
    })
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

#[cfg(test)]
mod tests {
    use super::passwd_name;

    #[test]
    fn finds_the_account_of_a_uid() {
        let passwd = "# comment\nroot:x:0:0:root:/root:/bin/sh\n+nis:x:1000::::\n\
                      ann:x:1000:1000:Ann:/home/ann:/bin/sh\nbad line\nbob:x:1001:1001::/:/bin/sh\n";
        assert_eq!(passwd_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(passwd_name(passwd, 1000).as_deref(), Some("ann"));
        assert_eq!(passwd_name(passwd, 1001).as_deref(), Some("bob"));
        assert_eq!(passwd_name(passwd, 4242), None);
        assert_eq!(passwd_name("", 0), None);
    }
}
