//! `ctx undo`: append the event that reverses the most recent change (of
//! one pack with `--pack`), or one chosen event; `ctx redo`: reverse the
//! most recent undo.

use ctx_engine::{Redone, UndoOf, Undone};
use ctx_model::EventSeq;

use crate::cli::UndoArgs;
use crate::error::Result;
use crate::invocation::Invocation;
use crate::output::{Human, Output, status};

pub fn undo(inv: &Invocation, args: UndoArgs, out: &mut Output) -> Result<()> {
    let which = match (&args.pack, args.seq.or(args.event)) {
        (_, Some(seq)) => UndoOf::Event(EventSeq(seq)),
        (Some(pack), None) => UndoOf::Pack(pack),
        (None, None) => UndoOf::Latest,
    };
    out.emit(&inv.engine.undo(which)?)
}

pub fn redo(inv: &Invocation, out: &mut Output) -> Result<()> {
    out.emit(&inv.engine.redo()?)
}

impl Human for Undone {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!("Undid event {} ({}).", self.undone, self.what));
        Ok(())
    }
}

impl Human for Redone {
    fn print(&self, _: &mut Output) -> Result<()> {
        status(format!(
            "Redid event {} ({}), undone by event {}.",
            self.redone, self.what, self.undone
        ));
        Ok(())
    }
}
