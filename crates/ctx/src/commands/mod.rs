//! One module per command group; each function runs one command.

pub mod diff;
pub mod fsck;
pub mod gc;
pub mod log;
pub mod pack;
pub mod render;
pub mod snapshot;
pub mod undo;

use crate::output;

/// Reports a mutation that would change nothing; no event is written.
pub fn nothing_changed(
    app: &crate::app::App,
    out: &mut output::Output,
) -> crate::error::Result<()> {
    if app.json {
        out.json(&serde_json::json!({"changed": false}))
    } else {
        output::status("Nothing changed.");
        Ok(())
    }
}
