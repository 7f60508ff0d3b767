//! `ctx snapshot diff A B`: what changed between two renders.

use ctx_engine::SnapshotDiff;

use crate::error::Result;
use crate::escape::escape_controls;
use crate::output::{Human, Output, status};

impl Human for SnapshotDiff {
    fn print(&self, out: &mut Output) -> Result<()> {
        out.line(format!(
            "{} -> {}: {:+} tokens",
            self.a, self.b, self.tokens_delta
        ))?;
        // One line per entry, whatever an imported manifest holds.
        let mut entry = |line: String| out.line(escape_controls(&line));
        for e in &self.added {
            entry(format!("  added    {} (+{})", e.item.shown(), e.tokens))?;
        }
        for e in &self.removed {
            entry(format!("  removed  {} (-{})", e.item.shown(), e.tokens))?;
        }
        for c in &self.changed {
            entry(format!(
                "  changed  {} ({:+})",
                c.item.shown(),
                c.tokens_delta
            ))?;
        }
        for e in &self.newly_excluded {
            entry(format!("  excluded {} ({})", e.item.shown(), e.reason))?;
        }
        if let Some([a, b]) = self.formats {
            status(format!(
                "The renders are in different formats ({a} and {b}), so every item frames differently and none is compared; compare two renders of one format to see what changed."
            ));
        } else if self.is_empty() {
            status("No differences.");
        }
        // The diffs follow the summary, each as `diff` prints it; their
        // lines are content, shown as they are.
        for c in &self.changed {
            if let Some(diff) = &c.diff {
                out.line(escape_controls(&format!("\n{}", c.item.shown())))?;
                out.raw(diff.as_bytes())?;
            }
        }
        Ok(())
    }
}
