//! `ctx config show`: every setting in effect and where it came from.

use serde::Serialize;

use ctx_engine::config::Entry;

use crate::error::Result;
use crate::invocation::{Invocation, exists};
use crate::output::{Human, Output};

/// The settings in effect, with the files they were read from.
#[derive(Debug, Serialize)]
pub struct ConfigShown {
    /// Every key, in the README's order.
    pub settings: Vec<Entry>,
    /// The user's config file (it may not exist).
    pub user_file: String,
    /// Whether the user's config file exists.
    pub user_file_exists: bool,
    /// The nearest `ctx.toml`, if any.
    pub project_file: Option<String>,
}

pub fn show(inv: &Invocation, out: &mut Output) -> Result<()> {
    out.emit(&ConfigShown {
        settings: inv.config.entries(),
        user_file: inv.user_config.display().to_string(),
        user_file_exists: exists(&inv.user_config),
        project_file: inv.project_file.as_ref().map(|p| p.display().to_string()),
    })
}

impl Human for ConfigShown {
    fn print(&self, out: &mut Output) -> Result<()> {
        out.table(
            &[("KEY", false), ("VALUE", false), ("ORIGIN", false)],
            &self.settings,
            |e| {
                vec![
                    e.key.to_owned(),
                    e.value.clone(),
                    e.origin.as_str().to_owned(),
                ]
            },
        )?;
        let missing = if self.user_file_exists { "" } else { " (none)" };
        out.line(format!("user file: {}{missing}", self.user_file))?;
        out.line(format!(
            "project file: {}",
            self.project_file.as_deref().unwrap_or("(none)")
        ))
    }
}
