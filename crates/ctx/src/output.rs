//! Output: stdout carries data (tables, JSON); status, warnings and errors go
//! to stderr. A closed stdout ends the command quietly.

use std::borrow::Cow;
use std::io::{BufWriter, Stdout, Write};
use std::path::Path;

use crate::error::{CliError, Kind, Result};

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

/// Writes a file through a temporary file beside `path` and a rename, so
/// `path` holds the old content or the new, never half.
///
/// A path that exists and is not a regular file (`/dev/null`, a FIFO, a
/// terminal) is written directly: renaming over it would replace the device.
pub fn write_atomically<'a>(path: &Path, pieces: impl IntoIterator<Item = &'a [u8]>) -> Result<()> {
    let fail = |e: std::io::Error| {
        CliError::new(
            Kind::Error,
            format!("cannot write `{}`: {e}", path.display()),
        )
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(fail)?;
        let mut out = std::io::BufWriter::new(file);
        for piece in pieces {
            out.write_all(piece).map_err(fail)?;
        }
        return out.flush().map_err(fail);
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(CliError::new(
            Kind::Error,
            format!(
                "cannot write `{}`: the folder `{}` does not exist",
                path.display(),
                dir.display()
            ),
        ));
    }
    let name = path
        .file_name()
        .ok_or_else(|| fail(std::io::ErrorKind::InvalidInput.into()))?;
    let tmp = dir.join(format!(
        ".{}.ctx-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create_new(&tmp)?);
        for piece in pieces {
            file.write_all(piece)?;
        }
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
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

/// `text` with its control characters escaped (`\n`, `\u{1b}`), so text
/// from a user, a file name or an imported bundle stays on its line and
/// cannot drive the terminal.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_if(text, char::is_control)
}

fn escape_controls_but_newlines(text: &str) -> Cow<'_, str> {
    escape_if(text, |c| c.is_control() && c != '\n')
}

fn escape_if(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
        assert_eq!(super::escape_controls("plain"), "plain");
    }
}
