//! Progress of long work, reported to whoever shows it. The engine only
//! counts; a front end decides whether and how to show it (the CLI draws a
//! line on a terminal, an agent server shows nothing).

use std::fmt;

/// A stage of a render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading sources (or captured content).
    Reading,
    /// Redacting and framing items.
    Framing,
    /// Counting the tokens of items no cache knows.
    Counting,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Reading => "reading",
            Self::Framing => "framing",
            Self::Counting => "counting tokens",
        })
    }
}

/// Receives progress; called from worker threads, so it must be `Sync`.
/// Every method does nothing by default.
pub trait Progress: Sync {
    /// A phase starts with `total` things to go through.
    fn phase(&self, _phase: Phase, _total: usize) {}

    /// One more thing is done, adding `tokens` tokens.
    fn tick(&self, _tokens: u64) {}

    /// The long work is over; what is left is quick.
    fn finish(&self) {}
}

/// Progress that nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {}
