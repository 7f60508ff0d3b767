//! The command line: every command, argument and flag, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use ctx_model::{EventKind, Fit, Format, Mode, TokenizerKind};

/// Reproducible, token-budgeted context for LLM prompts.
#[derive(Debug, Parser)]
#[command(name = "ctx", version, about, max_term_width = 100)]
pub struct Cli {
    /// Where ctx keeps its database [default: the platform's data folder].
    #[arg(
        long,
        global = true,
        env = "CTX_HOME",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub home: Option<PathBuf>,

    /// Print one JSON document on stdout instead of human output.
    #[arg(long, global = true)]
    pub json: bool,

    /// How long to wait for another ctx process to release the database [default: 10, or the `wait` config key].
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_wait)]
    pub wait: Option<f64>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, change and inspect packs.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Render packs into one payload that fits the token budget.
    Render(RenderArgs),
    /// Write a `ctx.toml` project file in the current folder, with the packs
    /// named or an example, for a team to share packs through git.
    Init(InitArgs),
    /// Write pack definitions (never content) into the nearest `ctx.toml`,
    /// or a new one in the current folder.
    Save(SaveArgs),
    /// Bring the store's packs to the nearest `ctx.toml`, one event per
    /// difference.
    Sync(SyncArgs),
    /// Show the settings in effect, and where each comes from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Freeze renders so they reproduce byte for byte later.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Show the history of every change to every pack, newest first.
    Log(LogArgs),
    /// Check the store: re-hash every blob, check the log is gapless,
    /// compare the derived tables with a replay of the log, and re-count a
    /// sample of the cached token counts.
    Fsck(FsckArgs),
    /// Remove content that no event and no snapshot needs, and compact the
    /// database file.
    Gc(GcArgs),
    /// Reverse the most recent change, or event SEQ, by appending its opposite.
    Undo(UndoArgs),
    /// Reverse the most recent undo (bring back what it undid).
    Redo,
    /// Remove captured content from the store for good (a secret captured
    /// by mistake); the events stay and say it is gone.
    Purge(PurgeArgs),
    /// Serve packs to coding agents over the Model Context Protocol (stdio).
    ///
    /// Reads JSON-RPC messages on stdin and writes only protocol messages
    /// to stdout. Agents can list, show and render packs, and list, read
    /// and compare snapshots; every payload sent is stored as a snapshot
    /// and logged with the client's name (`ctx log --kind agent_served`),
    /// so `ctx snapshot render ID` gives back exactly what the agent saw.
    ///
    /// Register it with an agent, to run in the project folder:
    ///   Claude Code:  claude mcp add --transport stdio ctx -- ctx mcp
    ///   Codex CLI:    codex mcp add ctx -- ctx mcp   (~/.codex/config.toml: [mcp_servers.ctx] command = "ctx", args = ["mcp"])
    ///   Gemini CLI:   gemini mcp add ctx ctx mcp
    ///   Cursor:       .cursor/mcp.json  {"mcpServers": {"ctx": {"command": "ctx", "args": ["mcp"]}}}
    ///   VS Code:      .vscode/mcp.json  {"servers": {"ctx": {"type": "stdio", "command": "ctx", "args": ["mcp"]}}}
    #[command(verbatim_doc_comment)]
    Mcp(McpArgs),
    /// Print a shell completion script.
    ///
    /// In bash, zsh and fish, pack names and snapshot ids complete from the
    /// store. Install it where the shell looks, for example:
    ///   bash:  ctx completions bash > ~/.local/share/bash-completion/completions/ctx
    ///   zsh:   ctx completions zsh > ~/.zfunc/_ctx   (with fpath+=~/.zfunc before compinit)
    ///   fish:  ctx completions fish > ~/.config/fish/completions/ctx.fish
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    ///
    /// Install it with: ctx man > ~/.local/share/man/man1/ctx.1
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting's effective value and where it came from:
    /// default, user file (`CTX_CONFIG`, else `config.toml` in the
    /// platform's config folder), project file (`[defaults]` in the nearest
    /// `ctx.toml`), env (`CTX_<KEY>`) or flag.
    Show,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Packs to write into the file [default: a commented example].
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// The packs to write, each in place of its old definition [default: every pack].
    #[arg(value_name = "PACK")]
    pub packs: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print the plan and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also delete the packs in the store that the file does not name.
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Offer the tools that change packs: create_pack, add_artifact, remove_artifact.
    #[arg(long)]
    pub allow_write: bool,
    /// Largest payload sent in one response; a larger one is stored and read in line ranges.
    #[arg(long, value_name = "N", default_value_t = 25_000)]
    pub max_response_tokens: u64,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["pack", "path", "blob"]))]
pub struct PurgeArgs {
    /// The pack holding the artifact to purge.
    #[arg(requires = "artifact")]
    pub pack: Option<String>,
    /// The artifact: its id, a unique prefix of the id (4 hex digits or more), or its exact spec.
    #[arg(allow_hyphen_values = true)]
    pub artifact: Option<String>,
    /// Purge every capture of the file at this path (relative to its pack's
    /// root, as `pack show` lists it), in every pack.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Purge the blob with this BLAKE3 hash (64 hex digits).
    #[arg(long, value_name = "HASH")]
    pub blob: Option<String>,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Undo event SEQ (see `ctx log`) alone, if no later change depends on it.
    #[arg(value_name = "SEQ", conflicts_with_all = ["pack", "event"])]
    pub seq: Option<u64>,
    /// Undo this pack's most recent change instead of the newest overall
    /// (a deleted pack's name, or a former one, names it too).
    #[arg(long, conflicts_with = "event")]
    pub pack: Option<String>,
    /// The same as SEQ (kept for scripts written before SEQ).
    #[arg(long, value_name = "SEQ", hide = true)]
    pub event: Option<u64>,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Report what would be removed, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct FsckArgs {
    /// Rebuild the derived tables from the log first (the log is never
    /// changed), and drop cached token counts that are wrong.
    #[arg(long)]
    pub repair: bool,
    /// Re-count every cached token count, not a sample.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The packs, rendered in this order [default: the packs the nearest `ctx.toml` marks `default = true`].
    pub packs: Vec<String>,
    #[command(flatten)]
    pub render: RenderOptions,
    /// Write the payload to FILE instead of stdout (`-` is stdout).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the payload as numbered parts of at most N tokens each, in the folder `-o` names, with an index (`index.json`).
    #[arg(long, value_name = "N", value_parser = parse_tokens, requires = "output")]
    pub split: Option<u64>,
    /// With --json, include the payload text in the JSON document.
    #[arg(long)]
    pub payload: bool,
    /// Print no summary (warnings are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// How to render, shared by `render` and `snapshot create`.
#[derive(Debug, Args)]
pub struct RenderOptions {
    /// Payload format [default: markdown, or the `format` config key].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Token budget, such as 8000 or 32k [default: the sum of the packs' budgets].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_tokens)]
    pub tokens: Option<u64>,
    /// Tokenizer that counts [default: the first pack's].
    #[arg(long, value_enum)]
    pub tokenizer: Option<TokenizerKind>,
    /// Use only the content captured in the store; read no source file.
    #[arg(long)]
    pub frozen: bool,
    /// Leave out sources that are gone instead of using their captured
    /// content, and exit with code 3 after writing the output if any was.
    #[arg(long)]
    pub strict: bool,
    /// Keep secrets in the payload instead of replacing them with `[REDACTED:kind]`.
    #[arg(long)]
    pub no_redact: bool,
    /// Render the packs as they were right after event SEQ (see `ctx log`),
    /// or at TIME (a date, a UTC time or an age, as `log --since` takes).
    #[arg(long, value_name = "SEQ|TIME")]
    pub at: Option<String>,
    /// Render only what changed since SNAPSHOT (an id or unique prefix): items it holds as they are are listed by path, not sent.
    #[arg(long, value_name = "SNAPSHOT")]
    pub since: Option<String>,
    /// Over budget, leave whole items out (drop), or first show every item by its path, then upgrade items to outlines and whole text in priority order (degrade) [default: the first pack's policy].
    #[arg(long, value_enum)]
    pub fit: Option<Fit>,
    /// Put a directory tree of the items at the top of the payload (counted in the budget).
    #[arg(long)]
    pub tree: bool,
    /// Prefix each line with its line number in the source file.
    #[arg(long)]
    pub line_numbers: bool,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Render packs and store the payload's exact bytes.
    ///
    /// The snapshot's id is a hash of what defines the payload, so the
    /// same render has the same id on every machine; a render stored
    /// already is found (and takes a new `--label`) rather than stored
    /// twice.
    Create(SnapshotCreateArgs),
    /// List snapshots, newest first.
    #[command(visible_alias = "ls")]
    List(SnapshotListArgs),
    /// Show a snapshot's manifest.
    Show(SnapshotIdArgs),
    /// Write a snapshot's payload, byte-identical to when it was created.
    Render(SnapshotRenderArgs),
    /// Delete a snapshot (`ctx undo` restores it until `ctx gc`).
    #[command(visible_alias = "rm")]
    Delete(SnapshotIdArgs),
    /// Compare two renders: items added, removed, changed, newly excluded.
    Diff(SnapshotDiffArgs),
    /// Write a snapshot and every blob it needs to one portable file.
    Export(SnapshotExportArgs),
    /// Import a snapshot bundle, verifying every hash first.
    Import(SnapshotImportArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotExportArgs {
    /// The snapshot id, or a unique prefix of it (4 hex digits or more).
    pub id: String,
    /// The bundle file to write (`-` is stdout).
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SnapshotImportArgs {
    /// The bundle file to read.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SnapshotDiffArgs {
    /// A snapshot id (or unique prefix), or a pack for its live render.
    pub a: String,
    /// A snapshot id (or unique prefix), or a pack for its live render.
    pub b: String,
    /// Also print a unified diff of each changed item's content.
    #[arg(long)]
    pub content: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotCreateArgs {
    /// The packs, rendered in this order.
    #[arg(required = true)]
    pub packs: Vec<String>,
    /// A label to find the snapshot by.
    #[arg(long)]
    pub label: Option<String>,
    #[command(flatten)]
    pub render: RenderOptions,
    /// Also store the payload split into parts of at most N tokens each, for `snapshot render --parts`.
    #[arg(long, value_name = "N", value_parser = parse_tokens)]
    pub split: Option<u64>,
}

#[derive(Debug, Args)]
pub struct SnapshotListArgs {
    /// Only snapshots of this pack.
    pub pack: Option<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotIdArgs {
    /// The snapshot id, or a unique prefix of it (4 hex digits or more).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct SnapshotRenderArgs {
    /// The snapshot id, or a unique prefix of it (4 hex digits or more).
    pub id: String,
    /// Write the payload to FILE instead of stdout (`-` is stdout).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the parts the snapshot was split into (`snapshot create --split`), in the folder `-o` names, with an index (`index.json`).
    #[arg(long, requires = "output")]
    pub parts: bool,
}

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Create a pack, empty or with sources.
    Create(CreateArgs),
    /// List every pack with its size and budget.
    #[command(visible_alias = "ls")]
    List,
    /// Show a pack's artifacts in render order.
    Show(ShowArgs),
    /// Add sources to a pack, capturing their content now.
    Add(AddArgs),
    /// Remove an artifact from a pack.
    #[command(visible_alias = "rm")]
    Remove(RemoveArgs),
    /// Delete a pack (its history stays in the log).
    Delete(DeleteArgs),
    /// Rename a pack.
    Rename(RenameArgs),
    /// Change a pack's settings, or an artifact's priority.
    Set(SetArgs),
    /// Capture again what changed on disk since it was added.
    Refresh(RefreshArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The pack's name: 1-64 of `A-Z a-z 0-9 . _ -`, not starting with `-`.
    pub name: String,
    /// Sources to add at once, as `pack add` takes them: the pack and its artifacts are written in one transaction, one event each (all or, when one fails, none).
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Token budget for renders (`32k` is 32000) [default: 128000, or the `budget` config key].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_tokens)]
    pub tokens: Option<u64>,
    /// Folder that paths are relative to [default: the top of the git repository the current folder is in, else the current folder].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Tokenizer that counts the pack's tokens [default: o200k, or the `tokenizer` config key].
    #[arg(long, value_enum)]
    pub tokenizer: Option<TokenizerKind>,
    /// How the sources are captured, as `pack add` takes it.
    #[command(flatten, next_help_heading = "Source options")]
    pub options: AddOptionArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The pack's name.
    pub pack: String,
    /// Show the pack as it was right after event SEQ (see `ctx log`), or at
    /// TIME (a date, a UTC time or an age, as `log --since` takes).
    #[arg(long, value_name = "SEQ|TIME")]
    pub at: Option<String>,
    /// List every item (each file of a collection) with its tokens, and the 10 largest.
    #[arg(long)]
    pub tokens: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The pack's name.
    pub pack: String,
    /// What to add: PATH, PATH#L10-L20, DIR/ (a folder's text files), text:NOTE, glob:PATTERN, md_dir:DIR or git:diff. Several are added in one transaction, one event each (so `src/*.rs` expanded by the shell works); one starting with `-` goes after `--`.
    #[arg(required = true, num_args = 1.., value_name = "SOURCE")]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub options: AddOptionArgs,
}

/// How sources are captured, shared by `pack add` and `pack create`.
#[derive(Debug, Args)]
pub struct AddOptionArgs {
    /// Higher renders first. Items fill the budget in render order and one that does not fit is skipped, so a smaller, lower-priority item may still go in (the render then warns).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
    /// With md_dir:, include subfolders (a folder and a glob always do).
    #[arg(long)]
    pub recursive: bool,
    /// Most files a collection may match [default: 50000, or the `max_files` config key].
    #[arg(long, value_name = "N")]
    pub max_files: Option<u32>,
    /// Leave out files matching GLOB (repeatable); a GLOB without `/` matches file names.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Collections include files that .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Accept a source outside the pack root.
    #[arg(long)]
    pub allow_outside_root: bool,
    /// Accept files that look like secrets (.env, *.pem, *.key, id_rsa*, .aws/, secrets/).
    #[arg(long)]
    pub allow_sensitive: bool,
    /// Largest file read, in bytes [default: 4194304, or the `max_file_bytes` config key].
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// How its items render: whole, as code outlines (signatures and docs, bodies elided), or only their paths.
    #[arg(long, value_enum, default_value_t = Mode::Full)]
    pub mode: Mode,
    /// Store the content with its secrets already redacted (`--no-redact` then shows the markers).
    #[arg(
        long,
        env = "CTX_STORE_REDACTED",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub store_redacted: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The pack's name.
    pub pack: String,
    /// The artifact: its id, a unique prefix of the id (4 hex digits or more), or its exact spec.
    #[arg(allow_hyphen_values = true)]
    pub artifact: String,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The pack's name.
    pub pack: String,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The pack's current name.
    pub old: String,
    /// Its new name.
    pub new: String,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The pack's name.
    pub pack: String,
    /// The artifact whose priority or options to set: its id, a unique prefix of the id (4 hex digits or more), or its exact spec.
    #[arg(allow_hyphen_values = true)]
    pub artifact: Option<String>,
    /// New token budget, such as 8000 or 32k.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_tokens, conflicts_with_all = ["artifact", "root"])]
    pub tokens: Option<u64>,
    /// The artifact's new priority (higher renders first).
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        requires = "artifact"
    )]
    pub priority: Option<i32>,
    /// Move the pack: the folder its paths are relative to from now on.
    #[arg(long, value_name = "DIR", conflicts_with = "artifact")]
    pub root: Option<PathBuf>,
    /// The collection leaves out files matching GLOB (repeatable), in place of the excludes it had; the source is read again.
    #[arg(long, value_name = "GLOB", requires = "artifact")]
    pub exclude: Vec<String>,
    /// The collection leaves out nothing by name any more.
    #[arg(long, requires = "artifact", conflicts_with = "exclude")]
    pub no_exclude: bool,
    /// Most files the collection may match.
    #[arg(long, value_name = "N", requires = "artifact")]
    pub max_files: Option<u32>,
    /// md_dir: includes subfolders.
    #[arg(long, requires = "artifact", conflicts_with = "no_recursive")]
    pub recursive: bool,
    /// md_dir: leaves subfolders out.
    #[arg(long, requires = "artifact")]
    pub no_recursive: bool,
    /// The collection includes files that .gitignore and .ignore exclude.
    #[arg(long, requires = "artifact", conflicts_with = "ignore")]
    pub no_ignore: bool,
    /// The collection follows .gitignore and .ignore again.
    #[arg(long, requires = "artifact")]
    pub ignore: bool,
    /// Largest file read, in bytes.
    #[arg(long, value_name = "BYTES", requires = "artifact")]
    pub max_file_bytes: Option<u64>,
    /// How the artifact's items render: whole, as outlines, or only their paths.
    #[arg(long, value_enum, requires = "artifact")]
    pub mode: Option<Mode>,
    /// What a render of the pack does over its budget: leave items out, or show less of them.
    #[arg(long, value_enum, conflicts_with_all = ["artifact", "root", "tokens"])]
    pub fit: Option<Fit>,
    /// With options: store the content read again with its secrets already redacted.
    #[arg(
        long,
        env = "CTX_STORE_REDACTED",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub store_redacted: bool,
}

impl SetArgs {
    /// The artifact options given, each `None` where it is kept.
    pub fn option_changes(&self) -> ctx_engine::OptionChanges {
        let either = |on: bool, off: bool| (on || off).then_some(on);
        ctx_engine::OptionChanges {
            exclude: (!self.exclude.is_empty() || self.no_exclude).then(|| self.exclude.clone()),
            max_files: self.max_files,
            recursive: either(self.recursive, self.no_recursive),
            no_ignore: either(self.no_ignore, self.ignore),
            max_file_bytes: self.max_file_bytes,
            mode: self.mode,
        }
    }
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// The pack's name.
    pub pack: String,
    /// The artifacts to read again [default: all]: each its id, a unique prefix of the id (4 hex digits or more), or its exact spec.
    #[arg(allow_hyphen_values = true)]
    pub artifacts: Vec<String>,
    /// Store the content with its secrets already redacted (`--no-redact` then shows the markers).
    #[arg(
        long,
        env = "CTX_STORE_REDACTED",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub store_redacted: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this pack's events (a deleted pack's name, or a former one,
    /// names it too).
    pub pack: Option<String>,
    /// Show at most N events.
    #[arg(short = 'n', long = "limit", value_name = "N")]
    pub limit: Option<usize>,
    /// Only events at or after TIME: `2026-11-28`, `2026-11-28T09:30Z`, or
    /// an age such as `90m`, `12h`, `7d`, `2w`. Reading stops at the first
    /// older event, so events written under a clock set back may be missed.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only events of this kind (repeatable).
    #[arg(long, value_name = "KIND", value_enum)]
    pub kind: Vec<EventKind>,
}

fn parse_wait(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs.is_finite() && (0.0..=86_400.0).contains(&secs) => Ok(secs),
        _ => Err("expected a number of seconds from 0 to 86400".into()),
    }
}

/// A token count: `8000`, or thousands as `32k` (budgets are quoted so:
/// a "128k context").
fn parse_tokens(s: &str) -> Result<u64, String> {
    let (digits, scale) = match s.strip_suffix(['k', 'K']) {
        Some(digits) => (digits, 1000),
        None => (s, 1),
    };
    match digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
    {
        Some(n) if n > 0 => Ok(n),
        _ => Err("expected a whole number of tokens, at least 1, such as 8000 or 32k".into()),
    }
}
