//! `ctx undo`: append the event that reverses the most recent change (of
//! one pack with `--pack`).

use ctx_engine::Undone;

use crate::cli::UndoArgs;
use crate::error::Result;
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn undo(inv: &Invocation, args: UndoArgs, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.undo(args.pack.as_deref())?)
}

impl Human for Undone {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!("Undid event {} ({}).", self.undone, self.what));
        Ok(())
    }
}
