//! The `ctx` binary, a front end over `ctx-engine`: parses the command
//! line, runs one command, and turns its outcome into output and an exit
//! code.

mod cli;
mod commands;
mod complete;
mod damage;
mod error;
mod escape;
mod invocation;
mod mcp;
mod output;
mod progress;
mod write;

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser as _;

use crate::cli::Cli;
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::Output;

fn main() -> ExitCode {
    // The completion scripts' hook, kept out of clap so that no help, man
    // page or script lists it.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == complete::HOOK)
    {
        return complete::candidates(complete::hook_words());
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version print to stdout and succeed; a closed pipe is not an error.
            let _ = err.print();
            if !err.use_stderr() {
                return ExitCode::SUCCESS;
            }
            // The command line did not parse, so `--json` is looked for as
            // clap would have seen it: a flag before any `--`.
            let json = std::env::args_os()
                .skip(1)
                .take_while(|arg| arg != "--")
                .any(|arg| arg == "--json");
            let err = usage(&err);
            if json {
                print_document(&mut Output::new(true), &err);
            }
            return ExitCode::from(err.kind.code());
        }
    };
    damage::install();
    let mut out = Output::new(cli.json);
    let result = damage::guard(|| run(cli, &mut out)).and_then(|()| out.finish());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.kind != Kind::BrokenPipe {
                eprint!("{}", err.render());
                // One document on stdout: a command that printed its
                // outcome before failing (`render --json --strict`) keeps
                // that one, and stderr and the exit code tell the rest.
                if out.is_json() && !out.wrote() {
                    print_document(&mut out, &err);
                }
            }
            ExitCode::from(err.kind.code())
        }
    }
}

/// A parse error as a usage error: clap's first line is the message (less
/// its `error: `), its tips the hint.
fn usage(err: &clap::Error) -> CliError {
    let text = err.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let tips: Vec<&str> = lines
        .filter_map(|line| line.trim().strip_prefix("tip: "))
        .collect();
    let err = CliError::new(Kind::Usage, message);
    if tips.is_empty() {
        err
    } else {
        err.hint(tips.join("; "))
    }
}

/// Writes the `--json` error document on stdout; a stdout that cannot
/// take it leaves the exit code and stderr to tell.
fn print_document(out: &mut Output, err: &CliError) {
    if out.json(&err.document()).is_ok() {
        let _ = out.finish();
    }
}

fn run(cli: Cli, out: &mut Output) -> Result<()> {
    // Generated from the clap definitions alone: no store, no home needed.
    match &cli.command {
        cli::Command::Completions(args) => return complete::completions(args, out),
        cli::Command::Man => return complete::man(out),
        _ => {}
    }
    let inv = Invocation::new(&cli)?;
    commands::run(&inv, cli.command, out)
}
