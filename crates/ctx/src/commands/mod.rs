//! One module per command group: each function runs one command by calling
//! the engine and printing its outcome, and each outcome's human form
//! ([`Human`](crate::output::Human)) sits beside the command that prints it.

pub mod config;
pub mod diff;
pub mod fsck;
pub mod gc;
pub mod log;
pub mod pack;
pub mod parts;
pub mod project;
pub mod purge;
pub mod render;
pub mod snapshot;
pub mod undo;

use crate::cli::{Command, PackCommand};
use crate::error::Result;
use crate::invocation::Invocation;
use crate::output::Output;

/// Runs one command.
pub fn run(inv: &Invocation, command: Command, out: &mut Output) -> Result<()> {
    match command {
        Command::Pack(cmd) => match cmd {
            PackCommand::Create(args) => pack::create(inv, args, out),
            PackCommand::List => pack::list(inv, out),
            PackCommand::Show(args) => pack::show(inv, args, out),
            PackCommand::Add(args) => pack::add(inv, args, out),
            PackCommand::Remove(args) => pack::remove(inv, args, out),
            PackCommand::Delete(args) => pack::delete(inv, args, out),
            PackCommand::Rename(args) => pack::rename(inv, args, out),
            PackCommand::Set(args) => pack::set(inv, args, out),
            PackCommand::Refresh(args) => pack::refresh(inv, args, out),
        },
        Command::Render(args) => render::render(inv, args, out),
        Command::Init(args) => project::init(inv, args, out),
        Command::Save(args) => project::save(inv, args, out),
        Command::Sync(args) => project::sync(inv, args, out),
        Command::Config(crate::cli::ConfigCommand::Show) => config::show(inv, out),
        Command::Snapshot(cmd) => snapshot::run(inv, cmd, out),
        Command::Log(args) => log::log(inv, args, out),
        Command::Fsck(args) => fsck::fsck(inv, args, out),
        Command::Gc(args) => gc::gc(inv, args, out),
        Command::Undo(args) => undo::undo(inv, args, out),
        Command::Redo => undo::redo(inv, out),
        Command::Purge(args) => purge::purge(inv, args, out),
        Command::Mcp(args) => crate::mcp::serve(inv, args),
        // Handled before an invocation is made (`main.rs`).
        Command::Completions(_) | Command::Man => {
            unreachable!("BUG: `{command:?}` reached the store's commands")
        }
    }
}
