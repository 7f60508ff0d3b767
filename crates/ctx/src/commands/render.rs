//! `ctx render`: the payload to stdout or a file, the summary to stderr (or
//! as one JSON document with `--json`).

use serde_json::{Value, json};

use crate::app::App;
use crate::cli::{RenderArgs, RenderOptions};
use crate::error::Result;
use crate::output::{self, Output, count};
use crate::render::{self, Options, Rendered, format::Label};

/// Items listed one by one in the human summary; past this, the largest.
const LIST_LIMIT: usize = 20;

pub fn render(app: &App, args: RenderArgs, out: &mut Output) -> Result<()> {
    let options = options(&args.render, !args.quiet && !app.json);
    let rendered = render::render(app, &args.packs, &options)?;
    match &args.output {
        Some(path) => {
            output::write_atomically(&app.cwd.join(path), rendered.pieces().map(str::as_bytes))?
        }
        None if !app.json => {
            for piece in rendered.pieces() {
                out.raw(piece)?;
            }
        }
        None => {}
    }
    if app.json {
        return out.json(&summary_json(&rendered, args.payload));
    }
    if !args.quiet {
        render::print_warnings(&rendered);
        output::status(summary(&rendered));
    }
    Ok(())
}

/// Render options from the command line.
pub fn options(args: &RenderOptions, progress: bool) -> Options {
    Options {
        format: args.format,
        budget: args.tokens,
        tokenizer: args.tokenizer,
        frozen: args.frozen,
        redact: !args.no_redact,
        strict: args.strict,
        progress,
        at: args.at,
    }
}

/// The human summary: what went in, what was left out and why, secrets
/// replaced, the total against the budget, and the render hash.
fn summary(r: &Rendered) -> String {
    let mut lines = Vec::new();
    let share = if r.budget == 0 {
        0.0
    } else {
        r.tokens as f64 * 100.0 / r.budget as f64
    };
    lines.push(format!(
        "Rendered {}: {}, {} of {} tokens ({share:.1}%), {}, {}.",
        r.packs
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
        count(r.items.len() as u64, "item"),
        r.tokens,
        r.budget,
        r.format.as_str(),
        r.tokenizer
    ));
    let mut listed: Vec<&render::Included> = r.items.iter().collect();
    if listed.len() > LIST_LIMIT {
        listed.sort_by_key(|i| std::cmp::Reverse(i.tokens));
        listed.truncate(10);
        lines.push("Largest items:".into());
    } else if !listed.is_empty() {
        lines.push("Included:".into());
    }
    for item in listed {
        lines.push(format!("  {:>8}  {}", item.tokens, item.label.title()));
    }
    if !r.excluded.is_empty() {
        lines.push(format!(
            "Left out {}:",
            count(r.excluded.len() as u64, "item")
        ));
        for e in r.excluded.iter().take(50) {
            let size = e
                .tokens
                .map(|t| format!(", {t} tokens"))
                .unwrap_or_default();
            lines.push(format!(
                "  {} ({}{size})",
                e.label.title(),
                e.reason.as_str()
            ));
        }
        if r.excluded.len() > 50 {
            lines.push(format!("  ... and {} more", r.excluded.len() - 50));
        }
    }
    let redactions = r.redactions();
    if !redactions.is_empty() {
        let total: u32 = redactions.values().sum();
        let kinds: Vec<String> = redactions
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect();
        lines.push(format!(
            "Redacted {}: {}.",
            count(total, "secret"),
            kinds.join(", ")
        ));
    }
    lines.push(format!("Render hash {}.", r.render_hash));
    lines.join("\n")
}

fn label_json(label: &Label) -> Value {
    json!({
        "pack": label.pack,
        "source": label.source,
        "path": label.path,
        "lines": label.lines.map(|(a, b)| [a, b]),
    })
}

fn summary_json(r: &Rendered, with_payload: bool) -> Value {
    let items: Vec<Value> = r
        .items
        .iter()
        .map(|i| {
            let mut v = label_json(&i.label);
            v["artifact"] = json!(i.artifact.to_string());
            v["tokens"] = json!(i.tokens);
            v["redactions"] = i
                .redactions
                .iter()
                .map(|(k, n)| (k.as_str().to_owned(), json!(n)))
                .collect();
            v
        })
        .collect();
    let excluded: Vec<Value> = r
        .excluded
        .iter()
        .map(|e| {
            let mut v = label_json(&e.label);
            v["artifact"] = json!(e.artifact.to_string());
            v["reason"] = json!(e.reason.as_str());
            v["tokens"] = json!(e.tokens);
            v
        })
        .collect();
    let redactions: serde_json::Map<String, Value> = r
        .redactions()
        .into_iter()
        .map(|(k, n)| (k.as_str().to_owned(), json!(n)))
        .collect();
    let mut doc = json!({
        "packs": r.packs,
        "tokens": r.tokens,
        "budget": r.budget,
        "tokenizer": r.tokenizer.as_str(),
        "format": r.format.as_str(),
        "render_hash": r.render_hash.to_string(),
        "items": items,
        "excluded": excluded,
        "redactions": redactions,
        "warnings": r.warnings,
        "cache": {
            "files_known": r.cache.files_known,
            "counts_cached": r.cache.counts_cached,
            "counted": r.cache.counted,
        },
    });
    if with_payload {
        doc["payload"] = json!(r.pieces().collect::<String>());
    }
    doc
}
