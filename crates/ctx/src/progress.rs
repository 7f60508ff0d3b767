//! A one-line progress display on stderr for long renders: only on a
//! terminal, only after the work has taken a moment, and cleared when done.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Work shorter than this shows no progress at all.
const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    done: AtomicBool,
    phase: Mutex<&'static str>,
    files: AtomicU64,
    total: AtomicU64,
    tokens: AtomicU64,
}

/// Counters that a background thread shows while work runs.
pub struct Progress {
    state: Arc<State>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts showing progress if `wanted` and stderr is a terminal.
    pub fn start(wanted: bool) -> Self {
        let state = Arc::new(State::default());
        let thread = (wanted && std::io::stderr().is_terminal()).then(|| {
            let state = Arc::clone(&state);
            std::thread::spawn(move || show(&state))
        });
        Self { state, thread }
    }

    /// Names the current phase and how many files it has to go through.
    pub fn phase(&self, name: &'static str, total: usize) {
        *self.state.phase.lock().unwrap_or_else(|p| p.into_inner()) = name;
        self.state.files.store(0, Ordering::Relaxed);
        self.state.total.store(total as u64, Ordering::Relaxed);
    }

    /// Records one more file done, with the tokens it added.
    pub fn tick(&self, tokens: u64) {
        self.state.files.fetch_add(1, Ordering::Relaxed);
        self.state.tokens.fetch_add(tokens, Ordering::Relaxed);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.state.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn show(state: &State) {
    let mut waited = Duration::ZERO;
    let mut shown = false;
    while !state.done.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        waited += TICK;
        if waited < DELAY {
            continue;
        }
        let phase = *state.phase.lock().unwrap_or_else(|p| p.into_inner());
        let line = format!(
            "{phase}: {}/{} files, {} tokens",
            state.files.load(Ordering::Relaxed),
            state.total.load(Ordering::Relaxed),
            state.tokens.load(Ordering::Relaxed)
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        shown = true;
    }
    if shown {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
