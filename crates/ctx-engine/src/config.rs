//! Settings: the keys a user's `config.toml`, a project's `[defaults]`, the
//! environment and flags set, each layer parsed from text or strings given
//! by the front end, and the effective value of each key with where it came
//! from. A later layer wins: default < user file < project file < env < flag.
//!
//! Reading files and the environment is the front end's; this module only
//! parses what it is given, so every error names the file, line and key.

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use ctx_model::{Format, TokenizerKind};

use crate::project::ProjectError;
use crate::source::{DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES};

/// Every key, with what it sets: the README's config table lists these
/// (a test keeps the two in step).
pub const KEYS: [(&str, &str); 12] = [
    (
        "budget",
        "token budget of a pack created without `--tokens`",
    ),
    (
        "tokenizer",
        "tokenizer of a pack created without `--tokenizer`",
    ),
    ("format", "payload format of a render without `--format`"),
    ("sensitive_add", "more paths to treat as sensitive (globs)"),
    (
        "sensitive_remove",
        "paths not to treat as sensitive after all (globs)",
    ),
    (
        "redact",
        "replace secrets in payloads (`false` is `--no-redact`)",
    ),
    ("wait", "seconds to wait for a busy database (`--wait`)"),
    (
        "max_file_bytes",
        "largest file read, in bytes (`--max-file-bytes`)",
    ),
    (
        "max_files",
        "most files one collection may match (`--max-files`)",
    ),
    ("max_artifacts", "most artifacts one pack may hold"),
    (
        "max_store_bytes",
        "most content bytes the packs may hold in all",
    ),
    (
        "max_payload_bytes",
        "largest payload one render may make, in bytes",
    ),
];

/// The default of `max_artifacts`.
pub const DEFAULT_MAX_ARTIFACTS: u64 = 10_000;
/// The default of `max_store_bytes`: 4 GiB of captured content.
pub const DEFAULT_MAX_STORE_BYTES: u64 = 4 << 30;
/// The default of `max_payload_bytes`: 64 MiB, far above any prompt.
pub const DEFAULT_MAX_PAYLOAD_BYTES: u64 = 64 << 20;
/// The default of `wait`, in seconds.
pub const DEFAULT_WAIT: f64 = 10.0;

/// Where an effective value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Default,
    UserFile,
    ProjectFile,
    Env,
    Flag,
}

impl Origin {
    /// The origin in words, as `config show` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::UserFile => "user file",
            Origin::ProjectFile => "project file",
            Origin::Env => "env",
            Origin::Flag => "flag",
        }
    }
}

/// The values one layer sets; `None` leaves a key to the layers below.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layer {
    pub budget: Option<u64>,
    pub tokenizer: Option<TokenizerKind>,
    pub format: Option<Format>,
    pub sensitive_add: Option<Vec<String>>,
    pub sensitive_remove: Option<Vec<String>>,
    pub redact: Option<bool>,
    pub wait: Option<f64>,
    pub max_file_bytes: Option<u64>,
    pub max_files: Option<u32>,
    pub max_artifacts: Option<u64>,
    pub max_store_bytes: Option<u64>,
    pub max_payload_bytes: Option<u64>,
}

/// The keys as TOML holds them; values are checked by [`Layer::set`], so
/// a file and an environment variable are judged alike.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLayer {
    budget: Option<Spanned<toml::Value>>,
    tokenizer: Option<Spanned<toml::Value>>,
    format: Option<Spanned<toml::Value>>,
    sensitive_add: Option<Spanned<toml::Value>>,
    sensitive_remove: Option<Spanned<toml::Value>>,
    redact: Option<Spanned<toml::Value>>,
    wait: Option<Spanned<toml::Value>>,
    max_file_bytes: Option<Spanned<toml::Value>>,
    max_files: Option<Spanned<toml::Value>>,
    max_artifacts: Option<Spanned<toml::Value>>,
    max_store_bytes: Option<Spanned<toml::Value>>,
    max_payload_bytes: Option<Spanned<toml::Value>>,
}

impl RawLayer {
    /// The layer these values set; an error names the line of the bad one.
    pub(crate) fn layer(self, text: &str, file: &Path) -> Result<Layer, ProjectError> {
        let mut layer = Layer::default();
        let fields = [
            ("budget", self.budget),
            ("tokenizer", self.tokenizer),
            ("format", self.format),
            ("sensitive_add", self.sensitive_add),
            ("sensitive_remove", self.sensitive_remove),
            ("redact", self.redact),
            ("wait", self.wait),
            ("max_file_bytes", self.max_file_bytes),
            ("max_files", self.max_files),
            ("max_artifacts", self.max_artifacts),
            ("max_store_bytes", self.max_store_bytes),
            ("max_payload_bytes", self.max_payload_bytes),
        ];
        for (key, value) in fields {
            let Some(value) = value else { continue };
            let start = value.span().start;
            // Strings are given as they are, so `"32k"` and `32000` both do.
            let at = |message| crate::project::error_at(text, file, start, message);
            match value.get_ref() {
                toml::Value::Array(items) => {
                    let list = items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| at("expected an array of strings".to_owned()))?;
                    layer.set_list(key, list).map_err(at)?;
                }
                toml::Value::String(s) => layer.set(key, s).map_err(at)?,
                other => layer.set(key, &other.to_string()).map_err(at)?,
            }
        }
        Ok(layer)
    }
}

fn number(value: &str, what: &str) -> Result<u64, String> {
    let (digits, scale) = match value.strip_suffix(['k', 'K']) {
        Some(digits) => (digits, 1000),
        None => (value, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{value}` is not {what}: expected a whole number, at least 1"))
}

impl Layer {
    /// Parses a user's `config.toml`: every key at the top level.
    pub fn parse(text: &str, file: &Path) -> Result<Layer, ProjectError> {
        let raw: RawLayer = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            crate::project::error_at(text, file, offset, e.message().trim_end().to_owned())
        })?;
        raw.layer(text, file)
    }

    /// Sets a list key (`sensitive_add`, `sensitive_remove`) to `list`;
    /// a list replaces the one a lower layer set.
    pub fn set_list(&mut self, key: &str, list: Vec<String>) -> Result<(), String> {
        crate::source::check_patterns(&list)?;
        match key {
            "sensitive_add" => self.sensitive_add = Some(list),
            "sensitive_remove" => self.sensitive_remove = Some(list),
            _ => return Err(format!("`{key}` takes one value, not a list")),
        }
        Ok(())
    }

    /// Sets `key` from its text (a file's value or an environment
    /// variable's); the error says what is wrong with it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let flag = |value: &str| match value {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("`{value}` is not `true` or `false`")),
        };
        match key {
            // From the environment: comma-separated globs.
            "sensitive_add" | "sensitive_remove" => {
                let list = value
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                return self.set_list(key, list);
            }
            "budget" => self.budget = Some(number(value, "a token budget")?),
            "tokenizer" => {
                self.tokenizer = Some(value.parse::<TokenizerKind>().map_err(|_| {
                    format!("unknown tokenizer `{value}`: expected `o200k` or `cl100k`")
                })?);
            }
            "format" => {
                self.format =
                    Some(Format::try_from(value.to_owned()).map_err(|e| {
                        format!("{e}: expected `markdown`, `xml`, `plain` or `json`")
                    })?);
            }
            "redact" => self.redact = Some(flag(value)?),
            "wait" => {
                self.wait = Some(
                    value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
                        .ok_or_else(|| {
                            format!("`{value}` is not a number of seconds from 0 to 86400")
                        })?,
                );
            }
            "max_file_bytes" => self.max_file_bytes = Some(number(value, "a size in bytes")?),
            "max_files" => {
                let n = number(value, "a number of files")?;
                self.max_files =
                    Some(u32::try_from(n).map_err(|_| format!("`{value}` is too many files"))?);
            }
            "max_artifacts" => self.max_artifacts = Some(number(value, "a number of artifacts")?),
            "max_store_bytes" => self.max_store_bytes = Some(number(value, "a size in bytes")?),
            "max_payload_bytes" => {
                self.max_payload_bytes = Some(number(value, "a size in bytes")?);
            }
            _ => return Err(format!("unknown key `{key}`")),
        }
        Ok(())
    }
}

/// One effective value and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

/// Every key's effective value.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub budget: Setting<u64>,
    pub tokenizer: Setting<TokenizerKind>,
    pub format: Setting<Format>,
    pub sensitive_add: Setting<Vec<String>>,
    pub sensitive_remove: Setting<Vec<String>>,
    pub redact: Setting<bool>,
    pub wait: Setting<f64>,
    pub max_file_bytes: Setting<u64>,
    pub max_files: Setting<u32>,
    pub max_artifacts: Setting<u64>,
    pub max_store_bytes: Setting<u64>,
    pub max_payload_bytes: Setting<u64>,
}

/// One row of `config show`.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub key: &'static str,
    /// The value as a config file would write it.
    pub value: String,
    pub origin: Origin,
}

impl Config {
    /// The values `layers` set, each over the ones before it, over the
    /// built-in defaults.
    pub fn layered(layers: &[(Origin, &Layer)]) -> Config {
        fn pick<T: Clone>(
            default: T,
            layers: &[(Origin, &Layer)],
            get: impl Fn(&Layer) -> Option<T>,
        ) -> Setting<T> {
            layers
                .iter()
                .rev()
                .find_map(|(origin, l)| {
                    get(l).map(|value| Setting {
                        value,
                        origin: *origin,
                    })
                })
                .unwrap_or(Setting {
                    value: default,
                    origin: Origin::Default,
                })
        }
        Config {
            budget: pick(crate::DEFAULT_BUDGET, layers, |l| l.budget),
            tokenizer: pick(TokenizerKind::default(), layers, |l| l.tokenizer),
            format: pick(Format::default(), layers, |l| l.format),
            sensitive_add: pick(Vec::new(), layers, |l| l.sensitive_add.clone()),
            sensitive_remove: pick(Vec::new(), layers, |l| l.sensitive_remove.clone()),
            redact: pick(true, layers, |l| l.redact),
            wait: pick(DEFAULT_WAIT, layers, |l| l.wait),
            max_file_bytes: pick(DEFAULT_MAX_FILE_BYTES, layers, |l| l.max_file_bytes),
            max_files: pick(DEFAULT_MAX_FILES, layers, |l| l.max_files),
            max_artifacts: pick(DEFAULT_MAX_ARTIFACTS, layers, |l| l.max_artifacts),
            max_store_bytes: pick(DEFAULT_MAX_STORE_BYTES, layers, |l| l.max_store_bytes),
            max_payload_bytes: pick(DEFAULT_MAX_PAYLOAD_BYTES, layers, |l| l.max_payload_bytes),
        }
    }

    /// Every key with its value and origin, in [`KEYS`] order.
    pub fn entries(&self) -> Vec<Entry> {
        fn entry<T: ToString>(key: &'static str, s: &Setting<T>) -> Entry {
            Entry {
                key,
                value: s.value.to_string(),
                origin: s.origin,
            }
        }
        fn list(key: &'static str, s: &Setting<Vec<String>>) -> Entry {
            let quoted: Vec<String> = s.value.iter().map(|p| format!("{p:?}")).collect();
            Entry {
                key,
                value: format!("[{}]", quoted.join(", ")),
                origin: s.origin,
            }
        }
        vec![
            entry("budget", &self.budget),
            entry("tokenizer", &self.tokenizer),
            entry("format", &self.format),
            list("sensitive_add", &self.sensitive_add),
            list("sensitive_remove", &self.sensitive_remove),
            entry("redact", &self.redact),
            entry("wait", &self.wait),
            entry("max_file_bytes", &self.max_file_bytes),
            entry("max_files", &self.max_files),
            entry("max_artifacts", &self.max_artifacts),
            entry("max_store_bytes", &self.max_store_bytes),
            entry("max_payload_bytes", &self.max_payload_bytes),
        ]
    }

    /// The options of an add that gives none: the defaults, with this
    /// config's file size and files per collection.
    pub fn add_options(&self) -> ctx_model::AddOptions {
        ctx_model::AddOptions {
            max_files: self.max_files.value,
            max_file_bytes: self.max_file_bytes.value,
            ..crate::source::default_options()
        }
    }

    /// The limits the engine enforces.
    pub fn limits(&self) -> Limits {
        Limits {
            max_artifacts: self.max_artifacts.value,
            max_store_bytes: self.max_store_bytes.value,
            max_payload_bytes: self.max_payload_bytes.value,
        }
    }
}

/// The limits the engine checks itself (file size and files per collection
/// travel with each add's options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_artifacts: u64,
    pub max_store_bytes: u64,
    pub max_payload_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_artifacts: DEFAULT_MAX_ARTIFACTS,
            max_store_bytes: DEFAULT_MAX_STORE_BYTES,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_layer_wins() {
        let user =
            Layer::parse("budget = 9000\nformat = \"xml\"\n", Path::new("c.toml")).expect("parses");
        let mut env = Layer::default();
        env.set("budget", "32k").expect("valid");
        let config = Config::layered(&[(Origin::UserFile, &user), (Origin::Env, &env)]);
        assert_eq!(
            config.budget,
            Setting {
                value: 32_000,
                origin: Origin::Env
            }
        );
        assert_eq!(config.format.origin, Origin::UserFile);
        assert_eq!(config.wait.origin, Origin::Default);
    }

    #[test]
    fn names_the_line_and_key_of_a_bad_value() {
        let err = Layer::parse("budget = 9000\nredact = \"maybe\"\n", Path::new("c.toml"))
            .expect_err("refused");
        assert_eq!((err.line, err.key.as_deref()), (2, Some("redact")));
        let err = Layer::parse("\ncolour = 1\n", Path::new("c.toml")).expect_err("refused");
        assert_eq!((err.line, err.key.as_deref()), (2, Some("colour")));
    }
}
