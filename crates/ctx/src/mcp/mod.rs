//! `ctx mcp`: a Model Context Protocol server on stdio, the second front end
//! over the engine. stdout carries protocol messages and nothing else.
//!
//! One thread reads stdin and notes cancellations as they arrive; the main
//! thread answers requests in order. A request cancelled before it is
//! answered gets no response. Every request opens the store and releases
//! it before the reply is written, as every CLI command does, so the CLI
//! keeps working while an agent is connected.

mod page;
mod prompts;
mod protocol;
mod resources;
mod session;
mod tools;

use std::collections::HashSet;
use std::io::{BufRead as _, Write as _};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::cli::McpArgs;
use crate::error::{CliError, Result};
use crate::invocation::Invocation;

use protocol::{Incoming, Line};
use session::Session;

/// Ids of requests the client cancelled and that are not answered yet.
type Cancelled = Arc<Mutex<HashSet<String>>>;

/// Past this many unanswered cancellations (of ids never seen, say), the
/// set is cleared rather than grown without end.
const CANCELLED_MAX: usize = 4096;

/// Serves until stdin closes.
pub fn serve(inv: &Invocation, args: McpArgs) -> Result<()> {
    let cancelled: Cancelled = Arc::default();
    let (lines, received) = mpsc::channel::<String>();
    let reader = {
        let cancelled = Arc::clone(&cancelled);
        std::thread::spawn(move || read_stdin(&lines, &cancelled))
    };
    let mut session = Session::new(inv, &args);
    let mut stdout = std::io::stdout().lock();
    for line in received {
        for reply in answer(&mut session, &line, &cancelled) {
            stdout
                .write_all(&reply)
                .and_then(|()| stdout.write_all(b"\n"))
                .and_then(|()| stdout.flush())
                .map_err(CliError::output)?;
        }
    }
    // The reader ends at EOF or on a read error, which it reports.
    reader.join().unwrap_or_else(|_| {
        Err(CliError::new(
            crate::error::Kind::Error,
            "stdin reader failed",
        ))
    })
}

/// Reads lines into the queue, noting each cancellation as it arrives so
/// a request still queued or running behind it can be dropped.
fn read_stdin(lines: &mpsc::Sender<String>, cancelled: &Cancelled) -> Result<()> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(CliError::new(
                    crate::error::Kind::Error,
                    format!("cannot read stdin: {e}"),
                ));
            }
        }
        // Invalid UTF-8 cannot be JSON; the parser reports it.
        let line = String::from_utf8_lossy(&buf).trim().to_owned();
        if line.is_empty() {
            continue;
        }
        for id in cancellations(&line) {
            let mut set = cancelled.lock().unwrap_or_else(|p| p.into_inner());
            if set.len() >= CANCELLED_MAX {
                set.clear();
            }
            set.insert(id);
        }
        if lines.send(line).is_err() {
            return Ok(());
        }
    }
}

/// The request ids a line's `notifications/cancelled` messages cancel
/// (a batch may hold several).
fn cancellations(line: &str) -> Vec<String> {
    if !line.contains("notifications/cancelled") {
        return Vec::new();
    }
    let messages = match serde_json::from_str(line) {
        Ok(Value::Array(items)) => items,
        Ok(one) => vec![one],
        Err(_) => return Vec::new(),
    };
    messages
        .into_iter()
        .filter_map(|m| match protocol::classify(m) {
            Incoming::Notification { method, params } if method == "notifications/cancelled" => {
                match params.get("requestId")? {
                    id @ (Value::String(_) | Value::Number(_)) => Some(protocol::id_key(id)),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// The lines to write for one line read: none for notifications and
/// cancelled requests, one per request otherwise (a batch in one array).
fn answer(session: &mut Session, line: &str, cancelled: &Cancelled) -> Vec<Vec<u8>> {
    match protocol::parse_line(line) {
        Line::One(message) => respond(session, message, cancelled).into_iter().collect(),
        Line::Batch(messages) => {
            let replies: Vec<Vec<u8>> = messages
                .into_iter()
                .filter_map(|m| respond(session, m, cancelled))
                .collect();
            if replies.is_empty() {
                return Vec::new();
            }
            let mut batch = b"[".to_vec();
            for (i, reply) in replies.iter().enumerate() {
                if i > 0 {
                    batch.push(b',');
                }
                batch.extend_from_slice(reply);
            }
            batch.push(b']');
            vec![batch]
        }
    }
}

/// The response to one message, unless it needs none.
fn respond(session: &mut Session, message: Incoming, cancelled: &Cancelled) -> Option<Vec<u8>> {
    match message {
        Incoming::Request { id, method, params } => {
            let key = protocol::id_key(&id);
            let set = || cancelled.lock().unwrap_or_else(|p| p.into_inner());
            let is_cancelled = || set().contains(&key);
            if set().remove(&key) {
                return None;
            }
            let reply = session.request(&id, &method, params, &is_cancelled);
            // Cancelled while it ran: the client no longer waits for it.
            (!set().remove(&key)).then_some(reply)
        }
        Incoming::Notification { method, params } => {
            session.notification(&method, &params);
            None
        }
        Incoming::Response => None,
        Incoming::Invalid { id, error } => Some(protocol::error_line(&id, &error)),
    }
}
