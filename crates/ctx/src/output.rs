//! Output: stdout carries data (tables, JSON); status, warnings and errors go
//! to stderr. A closed stdout ends the command quietly.

use std::io::{BufWriter, Stdout, Write};

use crate::error::{CliError, Result};

/// Buffered stdout that reports a closed pipe as [`crate::error::Kind::BrokenPipe`].
pub struct Output {
    out: BufWriter<Stdout>,
}

impl Output {
    pub fn new() -> Self {
        Self {
            out: BufWriter::new(std::io::stdout()),
        }
    }

    /// Writes one line.
    pub fn line(&mut self, line: impl std::fmt::Display) -> Result<()> {
        writeln!(self.out, "{line}").map_err(CliError::output)
    }

    /// Writes text as it is.
    pub fn raw(&mut self, text: &str) -> Result<()> {
        self.out
            .write_all(text.as_bytes())
            .map_err(CliError::output)
    }

    /// Writes one JSON document, pretty-printed.
    pub fn json(&mut self, value: &serde_json::Value) -> Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)
            .map_err(|e| CliError::output(e.into()))?;
        self.line("")
    }

    /// Writes one JSON value on a single line.
    pub fn json_line(&mut self, value: &serde_json::Value) -> Result<()> {
        serde_json::to_writer(&mut self.out, value).map_err(|e| CliError::output(e.into()))?;
        self.line("")
    }

    /// Flushes what is buffered; call before the command returns.
    pub fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(CliError::output)
    }
}

/// A status line on stderr.
pub fn status(message: impl std::fmt::Display) {
    eprintln!("{message}");
}

/// A warning on stderr.
pub fn warn(message: impl std::fmt::Display) {
    eprintln!("warning: {message}");
}

/// `1 file`, `2 files`: a count with its noun.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Lays out rows under headers; columns flagged in `right` align right.
pub fn table(headers: &[&str], rows: &[Vec<String>], right: &[bool]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
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
}
