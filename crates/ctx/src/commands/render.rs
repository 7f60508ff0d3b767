//! `ctx render`: the payload to stdout or a file, the summary to stderr (or
//! as one JSON document with `--json`).

use serde::Serialize;

use ctx_engine::render::Label;
use ctx_engine::{RenderOptions, Rendered, Warning, brief, count};

use crate::cli::{RenderArgs, RenderOptions as RenderFlags};
use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::{Human, Output, percent, status, warn};
use crate::progress::Bar;
use crate::write;

use super::parts;

/// Items listed one by one in the human summary; past this, the largest.
const LIST_LIMIT: usize = 20;

/// Exclusions listed in the human summary.
const EXCLUDED_LIMIT: usize = 50;

pub fn render(inv: &Invocation, mut args: RenderArgs, out: &mut Output) -> Result<()> {
    if args.packs.is_empty() {
        args.packs = super::project::default_packs(inv)?;
    }
    let rendered = {
        let bar = Bar::start(!args.quiet && !out.is_json());
        inv.engine
            .render(&args.packs, &options(inv, &args.render)?, &bar)?
    };
    let split = match (args.split, write::named(args.output.as_deref())) {
        (Some(max), Some(dir)) => {
            let split = rendered.split(max)?;
            Some(parts::write(inv, &split, rendered.format, dir, out)?)
        }
        (Some(_), None) => {
            return Err(
                CliError::new(Kind::Usage, "`--split` writes files, not stdout")
                    .hint("name the folder for the parts with `-o DIR`"),
            );
        }
        (None, _) => None,
    };
    match write::named(args.output.as_deref()).filter(|_| split.is_none()) {
        Some(path) => write::to_path(
            inv,
            path,
            write::pieces(rendered.pieces().map(str::as_bytes)),
            out,
        )?,
        None if !out.is_json() && split.is_none() => {
            for piece in rendered.pieces() {
                out.raw(piece.as_bytes())?;
            }
        }
        None => {}
    }
    if out.is_json() {
        out.json(&Summary {
            rendered: &rendered,
            payload_hash: rendered.payload_hash().to_string(),
            payload: args.payload.then(|| rendered.payload()),
            split: split.as_ref(),
        })?;
        return strict(&args.render, &rendered.warnings, "the payload was written");
    }
    // `-q` hides the summary, never a warning: a source that is gone or a
    // payload left empty is what a quiet script most needs to hear about.
    if args.quiet {
        print_warnings(&rendered);
    } else {
        rendered.print(out)?;
        if let Some(split) = &split {
            status(parts::summary(split));
        }
    }
    strict(&args.render, &rendered.warnings, "the payload was written")
}

/// Fails a `--strict` render that left out sources that are gone, after
/// its output is written (`done` says what became of it): strict is how a
/// script asks for every source, so a missing one must not pass as success.
pub fn strict(flags: &RenderFlags, warnings: &[Warning], done: &str) -> Result<()> {
    let gone = warnings
        .iter()
        .filter(|w| matches!(w, Warning::SourceGone { left_out: true, .. }))
        .count() as u64;
    let roots = warnings
        .iter()
        .filter(|w| matches!(w, Warning::RootGone { left_out: true, .. }))
        .count();
    if !flags.strict || gone + roots as u64 == 0 {
        return Ok(());
    }
    let what = match (gone, roots) {
        (0, 1) => "the sources of a pack whose root is gone".to_owned(),
        (0, _) => "the sources of packs whose roots are gone".to_owned(),
        (1, 0) => "1 source that is gone".to_owned(),
        (_, 0) => format!("{gone} sources that are gone"),
        _ => "sources that are gone".to_owned(),
    };
    Err(CliError::new(Kind::NotFound, format!("left out {what} (--strict)")).hint(format!(
        "{done} without them; restore them, remove them from the pack, or leave out `--strict` to use their captured content"
    )))
}

/// The `--json` summary: the render, with the payload when asked for.
/// The payload's hash is the one `snapshot render --json` states, so a
/// script can tell a fresh render from a snapshot's without the payload.
#[derive(Serialize)]
struct Summary<'a> {
    #[serde(flatten)]
    rendered: &'a Rendered,
    payload_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    /// With `--split`: the parts written.
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<&'a parts::Written>,
}

/// Render options from the command line.
pub fn options(inv: &Invocation, flags: &RenderFlags) -> Result<RenderOptions> {
    Ok(RenderOptions {
        format: flags.format.unwrap_or(inv.config.format.value),
        budget: flags.tokens,
        tokenizer: flags.tokenizer,
        frozen: flags.frozen,
        // `--no-redact` turns it off; the `redact` key may turn it off for every render.
        redact: !flags.no_redact && inv.config.redact.value,
        strict: flags.strict,
        at: inv.at(flags.at.as_deref())?,
        since: flags.since.clone(),
        fit: flags.fit,
        tree: flags.tree,
        line_numbers: flags.line_numbers,
    })
}

/// The human summary, on stderr: warnings, what went in, what was left out
/// and why, secrets replaced, the total against the budget, and the render
/// hash.
impl Human for Rendered {
    fn print(&self, _: &mut Output) -> Result<()> {
        print_warnings(self);
        status(summary(self));
        Ok(())
    }
}

/// Prints a render's warnings on stderr.
pub fn print_warnings(rendered: &Rendered) {
    for warning in &rendered.warnings {
        warn(warning);
    }
}

fn summary(r: &Rendered) -> String {
    let mut lines = Vec::new();
    let share = percent(r.tokens, r.budget);
    lines.push(format!(
        "Rendered {}: {}, {} of {} ({share:.1}%), {}, {}.",
        r.packs
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
        count(r.items.len() as u64, "item"),
        r.tokens,
        count(r.budget, "token"),
        r.format,
        r.tokenizer
    ));
    let mut listed: Vec<&ctx_engine::render::Included> = r.items.iter().collect();
    if listed.len() > LIST_LIMIT {
        listed.sort_by_key(|i| std::cmp::Reverse(i.tokens));
        listed.truncate(10);
        lines.push("Largest items:".into());
    } else if !listed.is_empty() {
        lines.push("Included:".into());
    }
    for item in listed {
        let form = match item.form {
            ctx_model::Mode::Full => String::new(),
            ctx_model::Mode::Outline => format!(" (outline, saved {})", item.saved),
            ctx_model::Mode::Path => format!(" (path only, saved {})", item.saved),
        };
        lines.push(format!(
            "  {:>8}  {}{form}",
            item.tokens,
            title(&item.label)
        ));
    }
    let reduced: Vec<&ctx_engine::render::Included> = r
        .items
        .iter()
        .filter(|i| i.form != ctx_model::Mode::Full)
        .collect();
    if !reduced.is_empty() {
        let saved: u64 = reduced.iter().map(|i| i.saved).sum();
        lines.push(format!(
            "Shown in less than whole: {}, saving {}.",
            count(reduced.len() as u64, "item"),
            count(saved, "token")
        ));
    }
    if !r.excluded.is_empty() {
        lines.push(format!(
            "Left out {}:",
            count(r.excluded.len() as u64, "item")
        ));
        for e in r.excluded.iter().take(EXCLUDED_LIMIT) {
            let size = e
                .tokens
                .map(|t| format!(", {}", count(t, "token")))
                .unwrap_or_default();
            lines.push(format!("  {} ({}{size})", title(&e.label), e.reason));
        }
        if r.excluded.len() > EXCLUDED_LIMIT {
            lines.push(format!(
                "  ... and {} more",
                r.excluded.len() - EXCLUDED_LIMIT
            ));
        }
    }
    if !r.redactions.is_empty() {
        let (total, kinds) = crate::output::secrets(&r.redactions);
        lines.push(format!("Redacted {total}: {kinds}."));
    }
    if let Some(since) = &r.since {
        lines.push(format!(
            "Since snapshot {}: {} unchanged (listed, not sent), {} removed.",
            since.snapshot.short(),
            count(since.unchanged.len() as u64, "item"),
            since.removed.len()
        ));
    }
    lines.push(format!("Render hash {}.", r.render_hash));
    lines.join("\n")
}

/// An item's line in the summary. The payload heads every note just
/// `note`; here notes are told apart by their first words.
fn title(label: &Label) -> String {
    match &label.path {
        None if label.source.starts_with("text:") => brief(&label.source).into_owned(),
        _ => label.title(),
    }
}
