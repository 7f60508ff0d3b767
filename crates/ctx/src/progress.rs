//! A one-line progress display on stderr for long renders: only on a
//! terminal, only after the work has taken a moment, and cleared when done.
//! It is the CLI's [`ctx_engine::Progress`].

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ctx_engine::Phase;

/// Work shorter than this shows no progress at all.
const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    done: AtomicBool,
    phase: Mutex<Option<Phase>>,
    files: AtomicU64,
    total: AtomicU64,
    tokens: AtomicU64,
}

/// Counters that a background thread shows while work runs.
pub struct Bar {
    state: Arc<State>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Bar {
    /// Starts showing progress if `wanted` and stderr is a terminal.
    pub fn start(wanted: bool) -> Self {
        let state = Arc::new(State::default());
        let thread = (wanted && std::io::stderr().is_terminal()).then(|| {
            let state = Arc::clone(&state);
            std::thread::spawn(move || show(&state))
        });
        Self { state, thread }
    }
}

impl ctx_engine::Progress for Bar {
    fn phase(&self, phase: Phase, total: usize) {
        *self.state.phase.lock().unwrap_or_else(|p| p.into_inner()) = Some(phase);
        self.state.files.store(0, Ordering::Relaxed);
        self.state.total.store(total as u64, Ordering::Relaxed);
    }

    fn tick(&self, tokens: u64) {
        self.state.files.fetch_add(1, Ordering::Relaxed);
        self.state.tokens.fetch_add(tokens, Ordering::Relaxed);
    }

    /// Stops showing, and clears the line, before the summary comes.
    fn finish(&self) {
        self.state.done.store(true, Ordering::Relaxed);
    }
}

impl Drop for Bar {
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
        let Some(phase) = *state.phase.lock().unwrap_or_else(|p| p.into_inner()) else {
            continue;
        };
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
