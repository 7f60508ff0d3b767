//! The `ctx` binary, a front end over `ctx-engine`: parses the command
//! line, runs one command, and turns its outcome into output and an exit
//! code.

mod cli;
mod commands;
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
use crate::error::{Kind, Result};
use crate::invocation::Invocation;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version print to stdout and succeed; a closed pipe is not an error.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                Kind::Usage.code()
            } else {
                0
            });
        }
    };
    damage::install();
    match damage::guard(|| run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.kind != Kind::BrokenPipe {
                eprint!("{}", err.render());
            }
            ExitCode::from(err.kind.code())
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let inv = Invocation::new(&cli)?;
    let mut out = Output::new(cli.json);
    commands::run(&inv, cli.command, &mut out)?;
    out.finish()
}
