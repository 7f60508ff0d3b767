//! Output: stdout carries data (tables, JSON); status, warnings and errors go
//! to stderr. A closed stdout ends the command quietly.
//!
//! A command's outcome is printed once, by [`Output::emit`]: as JSON (its
//! serde form) with `--json`, otherwise by its [`Human`] form.

use std::borrow::Cow;
use std::io::{BufWriter, Stdout, Write};

use serde::Serialize;

use ctx_engine::{Done, Outcome};

use crate::error::{CliError, Kind, Result};
use crate::escape::{escape_controls, escape_controls_but_newlines};

/// How an outcome reads to a person: tables and lines on stdout, status
/// lines on stderr.
pub trait Human {
    /// Prints the outcome.
    fn print(&self, out: &mut Output) -> Result<()>;
}

impl<T: Human> Human for Done<T> {
    fn print(&self, out: &mut Output) -> Result<()> {
        self.what.print(out)
    }
}

impl<T: Human> Human for Outcome<T> {
    fn print(&self, out: &mut Output) -> Result<()> {
        match self {
            Outcome::Unchanged => {
                status("Nothing changed.");
                Ok(())
            }
            Outcome::Changed(done) => done.print(out),
        }
    }
}

/// Buffered stdout that reports a closed pipe as [`Kind::BrokenPipe`].
pub struct Output {
    out: BufWriter<Stdout>,
    json: bool,
    /// Whether anything was written, so an error knows if stdout holds
    /// a document already.
    wrote: bool,
}

impl Output {
    /// Output in JSON (`--json`) or for people.
    pub fn new(json: bool) -> Self {
        Self {
            out: BufWriter::new(std::io::stdout()),
            json,
            wrote: false,
        }
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Whether anything was written to stdout.
    pub fn wrote(&self) -> bool {
        self.wrote
    }

    /// Prints an outcome: its JSON form with `--json`, else its human one.
    pub fn emit<T: Serialize + Human>(&mut self, outcome: &T) -> Result<()> {
        if self.json {
            self.json(outcome)
        } else {
            outcome.print(self)
        }
    }

    /// Writes one line.
    pub fn line(&mut self, line: impl std::fmt::Display) -> Result<()> {
        self.wrote = true;
        writeln!(self.out, "{line}").map_err(CliError::output)
    }

    /// Writes bytes as they are.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.wrote = true;
        self.out.write_all(bytes).map_err(CliError::output)
    }

    /// Lets `content` write to stdout, for output too large to hold.
    pub fn stream(
        &mut self,
        content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        self.wrote = true;
        content(&mut self.out).map_err(CliError::output)
    }

    /// Writes one JSON document, pretty-printed, keys sorted.
    pub fn json(&mut self, value: &impl Serialize) -> Result<()> {
        self.wrote = true;
        serde_json::to_writer_pretty(&mut self.out, &sorted(value)?)
            .map_err(|e| CliError::output(e.into()))?;
        self.line("")
    }

    /// Writes one JSON value on a single line, keys sorted.
    pub fn json_line(&mut self, value: &impl Serialize) -> Result<()> {
        self.wrote = true;
        serde_json::to_writer(&mut self.out, &sorted(value)?)
            .map_err(|e| CliError::output(e.into()))?;
        self.line("")
    }

    /// Writes `items` as a table, one row each, under `columns` (a header,
    /// and whether the column aligns right).
    pub fn table<T>(
        &mut self,
        columns: &[(&str, bool)],
        items: &[T],
        row: impl Fn(&T) -> Vec<String>,
    ) -> Result<()> {
        let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
        let right: Vec<bool> = columns.iter().map(|(_, r)| *r).collect();
        let rows: Vec<Vec<String>> = items.iter().map(row).collect();
        self.line(table(&headers, &rows, &right))
    }

    /// Flushes what is buffered; call before the command returns.
    pub fn finish(&mut self) -> Result<()> {
        self.out.flush().map_err(CliError::output)
    }
}

/// The JSON value of `value`: its objects keep their keys sorted, so the
/// document does not depend on the order fields are declared in.
fn sorted(value: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|e| CliError::new(Kind::Error, format!("cannot write the JSON output: {e}")))
}

/// A status line on stderr.
///
/// Its lines are kept; other control characters (a terminal escape in a
/// note or a file name) are shown escaped.
pub fn status(message: impl std::fmt::Display) {
    eprintln!("{}", escape_controls_but_newlines(&message.to_string()));
}

/// A warning on stderr, escaped like [`status`].
pub fn warn(message: impl std::fmt::Display) {
    eprintln!(
        "warning: {}",
        escape_controls_but_newlines(&message.to_string())
    );
}

/// Secrets by kind in words: `3 secrets` and `github_token 2, jwt 1`.
pub fn secrets(
    counts: &std::collections::BTreeMap<ctx_redact::SecretKind, u32>,
) -> (String, String) {
    let total: u32 = counts.values().sum();
    let kinds: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect();
    (ctx_engine::count(total, "secret"), kinds.join(", "))
}

/// `part` as a percentage of `whole` (0 for an empty whole).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Lays out rows under headers; columns flagged in `right` align right.
fn table(headers: &[&str], rows: &[Vec<String>], right: &[bool]) -> String {
    // A cell is one line: a note's spec or an imported label may hold any
    // character.
    let rows: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| escape_controls(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<Cow<'_, str>> = headers.iter().map(|h| Cow::Borrowed(*h)).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                line.push_str("  ");
            }
            if right.get(i).copied().unwrap_or(false) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i < last {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_columns() {
        let rows = vec![
            vec!["a".into(), "1".into()],
            vec!["bbb".into(), "22".into()],
        ];
        assert_eq!(
            super::table(&["NAME", "N"], &rows, &[false, true]),
            "NAME   N\na      1\nbbb   22"
        );
    }

    #[test]
    fn a_cell_stays_on_its_line() {
        let rows = vec![vec!["a\nb".into(), "\u{1b}[2J".into()]];
        assert_eq!(
            super::table(&["X", "Y"], &rows, &[false, false]),
            "X     Y\na\\nb  \\u{1b}[2J"
        );
        assert_eq!(crate::escape::escape_controls("plain"), "plain");
    }
}
