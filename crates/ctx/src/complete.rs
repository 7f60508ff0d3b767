//! Shell completion and the man page, both generated from the clap
//! definitions in `cli.rs`, so they cannot drift from the parser.
//!
//! clap_complete's scripts are static, and its dynamic engine is behind an
//! unstable feature. So the bash, zsh and fish scripts get a small hook:
//! before their static completion they run `ctx __complete -- WORDS...`
//! (hidden: `main.rs` answers it before clap parses, so no help, man page
//! or script lists it), which walks the same clap tree to find which argument the
//! last word is, and prints the store's pack names or snapshot ids for an
//! argument that takes one, one per line. Anywhere else it exits 1 and the
//! static script completes (subcommands, flags, value enums, files).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, Command, CommandFactory as _};
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::Output;

/// What the argument at the cursor names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Packs,
    Snapshots,
    /// `snapshot diff` takes either.
    PacksOrSnapshots,
}

/// Where the cursor is, as far as dynamic completion cares.
#[derive(Debug, PartialEq, Eq)]
pub struct Position {
    pub wanted: Wanted,
    /// A `--home DIR` typed before the cursor: the store to read.
    pub home: Option<PathBuf>,
}

/// The whole command definition, built (global flags propagated to every
/// subcommand), as the parser sees it.
fn command() -> Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs, out: &mut Output) -> Result<()> {
    let mut cmd = command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "ctx", &mut script);
    let script = String::from_utf8(script)
        .map_err(|_| CliError::new(Kind::Error, "the completion script is not UTF-8"))?;
    out.raw(with_hook(args.shell, script).as_bytes())
}

/// The script with the dynamic hook for shells that can run a command while
/// completing; PowerShell and elvish get clap's static script as it is.
fn with_hook(shell: Shell, script: String) -> String {
    match shell {
        Shell::Bash => script + BASH_HOOK,
        Shell::Zsh => zsh_hook(&script),
        Shell::Fish => script + FISH_HOOK,
        _ => script,
    }
}

/// Registered after clap's `complete -F _ctx ...`, so it replaces it and
/// calls `_ctx` wherever the hook has nothing to say.
const BASH_HOOK: &str = r#"
_ctx_dynamic() {
    local cur="${COMP_WORDS[COMP_CWORD]}" out
    # Right after `--pack=`, bash's current word is the `=` it split off.
    [[ "${cur}" == "=" ]] && cur=""
    if out="$("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)"; then
        COMPREPLY=($(compgen -W "${out}" -- "${cur}"))
        return 0
    fi
    _ctx "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _ctx_dynamic -o nosort -o bashdefault -o default ctx
else
    complete -F _ctx_dynamic -o bashdefault -o default ctx
fi
"#;

/// Tried before clap's static rules; `-f` keeps files out where the hook
/// answers.
const FISH_HOOK: &str = r#"
function __ctx_dynamic
    ctx __complete -- (commandline -opc) (commandline -ct) 2>/dev/null
end
complete -c ctx -f -n '__ctx_dynamic >/dev/null' -a '(__ctx_dynamic)'
"#;

/// clap's zsh script ends by calling `_ctx` (autoloaded from `fpath`) or
/// registering it with `compdef`; both go through `_ctx_dynamic` instead.
fn zsh_hook(script: &str) -> String {
    const HOOK: &str = r#"
_ctx_dynamic() {
    local out
    if out="$(${words[1]} __complete -- "${(@)words[1,CURRENT]}" 2>/dev/null)"; then
        compadd -- ${(f)out}
        return 0
    fi
    _ctx "$@"
}
"#;
    let tail = "if [ \"$funcstack[1]\" = \"_ctx\" ]; then";
    // Autoloaded, the file is `_ctx`'s body and runs once: from then on
    // `compdef` must name the hook, or the static `_ctx` it defines wins.
    match script.rfind(tail) {
        Some(at) => {
            let (head, dispatch) = script.split_at(at);
            let dispatch = dispatch
                .replace(
                    "    _ctx \"$@\"",
                    "    compdef _ctx_dynamic ctx\n    _ctx_dynamic \"$@\"",
                )
                .replace("compdef _ctx ctx", "compdef _ctx_dynamic ctx");
            format!("{head}{HOOK}{dispatch}")
        }
        // A clap release that ends its script otherwise: register the hook
        // after it (the `completions` test notices the missing dispatch).
        None => format!("{script}{HOOK}compdef _ctx_dynamic ctx\n"),
    }
}

/// Prints the man page.
pub fn man(out: &mut Output) -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command())
        .render(&mut page)
        .map_err(|e| CliError::new(Kind::Error, format!("cannot write the man page: {e}")))?;
    out.raw(&page)
}

/// The first argument that makes ctx answer a completion script: `ctx
/// __complete -- WORDS...`.
pub const HOOK: &str = "__complete";

/// The words after `ctx __complete --`: the command line typed so far,
/// `ctx` first, the word being completed last.
pub fn hook_words() -> Vec<String> {
    let mut words: Vec<String> = std::env::args_os()
        .skip(2)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if words.first().is_some_and(|w| w == "--") {
        words.remove(0);
    }
    words
}

/// Runs `ctx __complete`: prints the candidates and exits 0, or exits 1
/// (printing nothing) where the position takes neither a pack nor a
/// snapshot. A store that cannot be read gives no candidates rather than
/// an error in the middle of a prompt, so nothing goes to stderr.
pub fn candidates(words: Vec<String>) -> ExitCode {
    let Some(position) = position(&command(), &words) else {
        return ExitCode::FAILURE;
    };
    let Ok(engine) = Invocation::completing(position.home) else {
        return ExitCode::SUCCESS;
    };
    let mut names: Vec<String> = Vec::new();
    if matches!(position.wanted, Wanted::Packs | Wanted::PacksOrSnapshots)
        && let Ok(list) = engine.list_packs()
    {
        names.extend(list.packs.iter().map(|p| p.name.to_string()));
    }
    if matches!(
        position.wanted,
        Wanted::Snapshots | Wanted::PacksOrSnapshots
    ) && let Ok(list) = engine.list_snapshots(None)
    {
        names.extend(list.snapshots.iter().map(|s| s.id.to_string()));
    }
    let mut out = Output::new(false);
    for name in names {
        if out.line(name).is_err() {
            break;
        }
    }
    let _ = out.finish();
    ExitCode::SUCCESS
}

/// Which argument the last of `words` (`ctx` first) is, if it takes pack
/// names or snapshot ids. Words are read as clap reads them: subcommands
/// by name or alias, flags that take a value skip it, the rest fill the
/// positional arguments in order.
pub fn position(root: &Command, words: &[String]) -> Option<Position> {
    let (current, before) = words.split_last()?;
    let mut cmd = root;
    let mut path: Vec<&str> = Vec::new();
    let mut positional = 0usize;
    let mut home = None;
    let mut after_dashes = false;
    // The flag whose value the next word is.
    let mut pending: Option<&Arg> = None;
    for word in before.iter().skip(1) {
        if let Some(flag) = pending.take() {
            // bash splits `--pack=demo` at `=` (COMP_WORDBREAKS) into
            // `--pack`, `=`, `demo`: the value is the word after it.
            if word == "=" {
                pending = Some(flag);
                continue;
            }
            if flag.get_id() == "home" {
                home = Some(PathBuf::from(word));
            }
            continue;
        }
        if !after_dashes && word == "--" {
            after_dashes = true;
            continue;
        }
        if !after_dashes && word.starts_with('-') && word.len() > 1 {
            let (flag, inline) = flag_of(cmd, word);
            match (flag, inline) {
                (Some(flag), Some(value)) if flag.get_id() == "home" => {
                    home = Some(PathBuf::from(value));
                }
                (Some(flag), None) if flag.get_action().takes_values() => pending = Some(flag),
                _ => {}
            }
            continue;
        }
        if positional == 0
            && let Some(sub) = cmd
                .get_subcommands()
                .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
        {
            cmd = sub;
            path.push(sub.get_name());
            continue;
        }
        positional += 1;
    }
    let arg = match pending {
        Some(flag) => flag,
        None if current.starts_with('-') && !after_dashes => return None,
        None => {
            let mut args: Vec<&Arg> = cmd.get_positionals().collect();
            args.sort_by_key(|a| a.get_index());
            let many = |a: &&Arg| matches!(a.get_action(), clap::ArgAction::Append);
            args.get(positional)
                .copied()
                .or_else(|| args.last().copied().filter(many))?
        }
    };
    wanted(&path, arg).map(|wanted| Position { wanted, home })
}

/// The flag `word` names in `cmd` (`--long`, `--long=VALUE`, `-s`,
/// `-sVALUE`), and the value written in the same word.
fn flag_of<'a>(cmd: &'a Command, word: &'a str) -> (Option<&'a Arg>, Option<&'a str>) {
    if let Some(long) = word.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let flag = cmd.get_arguments().find(|a| {
            a.get_long() == Some(name)
                || a.get_all_aliases()
                    .is_some_and(|aliases| aliases.contains(&name))
        });
        return (flag, value);
    }
    let mut chars = word[1..].chars();
    let Some(short) = chars.next() else {
        return (None, None);
    };
    let flag = cmd.get_arguments().find(|a| a.get_short() == Some(short));
    let rest = chars.as_str();
    (flag, (!rest.is_empty()).then_some(rest))
}

/// What an argument names, by its id in `cli.rs` and the command it is in:
/// every `pack`/`packs` argument and `pack rename`'s old name are packs;
/// snapshot ids are `id` under `snapshot` and `--since SNAPSHOT`.
fn wanted(path: &[&str], arg: &Arg) -> Option<Wanted> {
    let id = arg.get_id().as_str();
    let snapshot_value = arg
        .get_value_names()
        .is_some_and(|names| names.iter().any(|n| n.as_str() == "SNAPSHOT"));
    match (path, id) {
        (_, "pack" | "packs") | (["pack", "rename"], "old") => Some(Wanted::Packs),
        (["snapshot", _], "id") => Some(Wanted::Snapshots),
        (["snapshot", "diff"], "a" | "b") => Some(Wanted::PacksOrSnapshots),
        (_, "since") if snapshot_value => Some(Wanted::Snapshots),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: &str) -> Option<Wanted> {
        let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
        if line.ends_with(' ') {
            words.pop();
            words.push(String::new());
        }
        position(&command(), &words).map(|p| p.wanted)
    }

    #[test]
    fn finds_the_positions_that_take_packs_and_snapshots() {
        let packs = Some(Wanted::Packs);
        let snapshots = Some(Wanted::Snapshots);
        assert_eq!(at("ctx render "), packs);
        assert_eq!(at("ctx render one tw"), packs);
        assert_eq!(at("ctx render --format xml one "), packs);
        assert_eq!(at("ctx --json render -o out.md "), packs);
        assert_eq!(at("ctx render --since "), snapshots);
        assert_eq!(at("ctx pack show "), packs);
        assert_eq!(at("ctx pack add "), packs);
        assert_eq!(at("ctx pack rename "), packs);
        assert_eq!(at("ctx pack ls "), None);
        assert_eq!(at("ctx undo --pack "), packs);
        assert_eq!(at("ctx log "), packs);
        assert_eq!(at("ctx snapshot create a "), packs);
        assert_eq!(at("ctx snapshot show "), snapshots);
        assert_eq!(at("ctx snapshot rm "), snapshots);
        assert_eq!(at("ctx snapshot diff x "), Some(Wanted::PacksOrSnapshots));
        // As bash splits `--pack=` and `--format=xml`.
        assert_eq!(at("ctx undo --pack = "), packs);
        assert_eq!(at("ctx render --format = xml "), packs);
        assert_eq!(at("ctx log --since = 2d "), packs);
        assert_eq!(at("ctx log --since = "), None);
    }

    #[test]
    fn leaves_the_rest_to_the_static_script() {
        for line in [
            "ctx ",
            "ctx pa",
            "ctx pack ",
            "ctx pack create ",
            "ctx pack add one ",
            "ctx pack rename old ",
            "ctx render --",
            "ctx render --format ",
            "ctx log --since ",
            "ctx snapshot export id ",
        ] {
            assert_eq!(at(line), None, "{line:?}");
        }
    }

    #[test]
    fn reads_the_home_typed_before_the_cursor() {
        let words: Vec<String> = ["ctx", "--home", "/h", "render", ""]
            .map(str::to_owned)
            .into();
        let found = position(&command(), &words).expect("a pack position");
        assert_eq!(found.home, Some(PathBuf::from("/h")));
        let words: Vec<String> = ["ctx", "render", "--home=/g", ""].map(str::to_owned).into();
        let found = position(&command(), &words).expect("a pack position");
        assert_eq!(found.home, Some(PathBuf::from("/g")));
    }
}
