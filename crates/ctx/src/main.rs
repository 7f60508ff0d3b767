//! The `ctx` binary: parses the command line, runs one command, and turns
//! its outcome into output and an exit code.

mod app;
mod cli;
mod commands;
mod damage;
mod error;
mod json;
mod output;
mod parallel;
mod progress;
mod render;
mod source;
mod tokenize;

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser as _;

use crate::app::App;
use crate::cli::{Cli, Command, PackCommand};
use crate::error::{Kind, Result};
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
    let app = App::new(&cli)?;
    let mut out = Output::new();
    match cli.command {
        Command::Pack(cmd) => match cmd {
            PackCommand::Create(args) => commands::pack::create(&app, args, &mut out),
            PackCommand::List => commands::pack::list(&app, &mut out),
            PackCommand::Show(args) => commands::pack::show(&app, args, &mut out),
            PackCommand::Add(args) => commands::pack::add(&app, args, &mut out),
            PackCommand::Remove(args) => commands::pack::remove(&app, args, &mut out),
            PackCommand::Delete(args) => commands::pack::delete(&app, args, &mut out),
            PackCommand::Rename(args) => commands::pack::rename(&app, args, &mut out),
            PackCommand::Set(args) => commands::pack::set(&app, args, &mut out),
        },
        Command::Render(args) => commands::render::render(&app, args, &mut out),
        Command::Snapshot(cmd) => commands::snapshot::run(&app, cmd, &mut out),
        Command::Log(args) => commands::log::log(&app, args, &mut out),
        Command::Fsck(args) => commands::fsck::fsck(&app, args, &mut out),
        Command::Gc(args) => commands::gc::gc(&app, args, &mut out),
        Command::Undo(args) => commands::undo::undo(&app, args, &mut out),
    }?;
    out.finish()
}
