//! `ctx undo`: append the event that reverses the most recent change (of
//! one pack with `--pack`).

use ctx_engine::{UndoOf, Undone};
use ctx_model::EventSeq;

use crate::cli::UndoArgs;
use crate::error::Result;
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn undo(inv: &Invocation, args: UndoArgs, out: &mut Output) -> Result<()> {
    let which = match (&args.pack, args.event) {
        (_, Some(seq)) => UndoOf::Event(EventSeq(seq)),
        (Some(pack), None) => UndoOf::Pack(pack),
        (None, None) => UndoOf::Latest,
    };
    out.emit(&inv.engine.undo(which)?)
}

impl Human for Undone {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!("Undid event {} ({}).", self.undone, self.what));
        Ok(())
    }
}
