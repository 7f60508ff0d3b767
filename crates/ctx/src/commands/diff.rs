//! `ctx snapshot diff A B`: what changed between two renders, each a
//! snapshot or a pack's live render.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use ctx_model::{BlobHash, Manifest, PackName, PrefixMatch, match_prefix};
use ctx_store::Read;

use crate::app::App;
use crate::cli::SnapshotDiffArgs;
use crate::error::{CliError, Kind, Result};
use crate::output::{self, Output};
use crate::render::{self, Options, format::Format};

/// What identifies an item across renders: pack, source, path, lines.
type Key = (String, String, Option<String>, Option<(u32, u32)>);

/// One side of a diff.
struct Side {
    name: String,
    tokens: u64,
    items: BTreeMap<Key, (BlobHash, u64)>,
    excluded: BTreeMap<Key, String>,
}

impl Side {
    fn from_manifest(name: String, m: &Manifest) -> Self {
        let key = |pack: &str, source: &str, path: &Option<String>, lines| {
            (pack.to_owned(), source.to_owned(), path.clone(), lines)
        };
        Self {
            name,
            tokens: m.tokens,
            items: m
                .items
                .iter()
                .map(|i| {
                    (
                        key(&i.pack, &i.source, &i.path, i.lines),
                        (i.body, i.tokens),
                    )
                })
                .collect(),
            excluded: m
                .excluded
                .iter()
                .map(|e| (key(&e.pack, &e.source, &e.path, e.lines), e.reason.clone()))
                .collect(),
        }
    }
}

enum Target {
    Snapshot(ctx_model::SnapshotId, Box<Manifest>),
    Pack(String),
}

/// A snapshot id (or unique prefix) first; otherwise a live pack's name.
fn target(r: &impl Read, wanted: &str) -> Result<Target> {
    let ids = r.snapshot_ids()?;
    match match_prefix(wanted, ids.into_iter().map(|id| (id.to_string(), id))) {
        PrefixMatch::One(id) => {
            let m = r
                .snapshot(id)?
                .ok_or_else(|| CliError::new(Kind::NotFound, format!("no snapshot `{id}`")))?;
            Ok(Target::Snapshot(id, Box::new(m)))
        }
        PrefixMatch::Ambiguous(c) => Err(CliError::new(
            Kind::NotFound,
            format!("`{wanted}` is ambiguous: it starts {}", c.join(", ")),
        )),
        PrefixMatch::None => match PackName::new(wanted).ok().map(|n| r.pack_by_name(&n)) {
            Some(Ok(Some(_))) => Ok(Target::Pack(wanted.to_owned())),
            Some(Err(e)) => Err(e.into()),
            _ => Err(CliError::new(
                Kind::NotFound,
                format!("`{wanted}` is neither a snapshot nor a pack"),
            )
            .hint("`ctx snapshot list` and `ctx pack list` show what exists")),
        },
    }
}

pub fn diff(app: &App, args: SnapshotDiffArgs, out: &mut Output) -> Result<()> {
    let (a, b) = {
        let store = app.store_read()?;
        let r = store.read()?;
        (target(&r, &args.a)?, target(&r, &args.b)?)
    };
    // A live side renders like the snapshot it is compared with, so the
    // same content frames into the same bytes.
    let like = [&a, &b].into_iter().find_map(|t| match t {
        Target::Snapshot(_, m) => Some((**m).clone()),
        Target::Pack(_) => None,
    });
    let side = |t: Target| -> Result<Side> {
        match t {
            Target::Snapshot(id, m) => Ok(Side::from_manifest(id.short(), &m)),
            Target::Pack(name) => {
                let options = Options {
                    format: like
                        .as_ref()
                        .and_then(|m| m.format.parse::<Format>().ok())
                        .unwrap_or(Format::Markdown),
                    budget: like.as_ref().map(|m| m.budget),
                    tokenizer: like.as_ref().map(|m| m.tokenizer),
                    frozen: false,
                    redact: true,
                    strict: false,
                    progress: false,
                    at: None,
                };
                let r = render::render(app, std::slice::from_ref(&name), &options)?;
                let key = |l: &render::format::Label| {
                    (l.pack.clone(), l.source.clone(), l.path.clone(), l.lines)
                };
                Ok(Side {
                    name: format!("{name} (live)"),
                    tokens: r.tokens,
                    items: r
                        .items
                        .iter()
                        .map(|i| (key(&i.label), (i.hash, i.tokens)))
                        .collect(),
                    excluded: r
                        .excluded
                        .iter()
                        .map(|e| (key(&e.label), e.reason.as_str().to_owned()))
                        .collect(),
                })
            }
        }
    };
    let (a, b) = (side(a)?, side(b)?);

    let shown = |k: &Key| {
        let item = k.2.clone().unwrap_or_else(|| k.1.clone());
        match k.3 {
            Some((x, y)) => format!("{item}#L{x}-L{y}"),
            None => item,
        }
    };
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (k, (hash, tokens)) in &b.items {
        match a.items.get(k) {
            None => added.push((k, *tokens)),
            Some((old, before)) if old != hash => changed.push((k, *before, *tokens)),
            Some(_) => {}
        }
    }
    for (k, (_, tokens)) in &a.items {
        if !b.items.contains_key(k) {
            removed.push((k, *tokens));
        }
    }
    let newly_excluded: Vec<(&Key, &String)> = b
        .excluded
        .iter()
        .filter(|(k, _)| !a.excluded.contains_key(*k))
        .collect();
    let delta = token_delta(a.tokens, b.tokens);

    if app.json {
        let entry = |k: &Key| json!({"pack": k.0, "source": k.1, "path": k.2, "lines": k.3.map(|(x, y)| [x, y])});
        let with = |mut v: Value, extra: Value| {
            if let (Value::Object(v), Value::Object(e)) = (&mut v, extra) {
                v.extend(e);
            }
            v
        };
        return out.json(&json!({
            "a": a.name,
            "b": b.name,
            "tokens_delta": delta,
            "added": added.iter().map(|(k, t)| with(entry(k), json!({"tokens": t}))).collect::<Vec<_>>(),
            "removed": removed.iter().map(|(k, t)| with(entry(k), json!({"tokens": t}))).collect::<Vec<_>>(),
            "changed": changed.iter().map(|(k, x, y)| with(entry(k), json!({
                "tokens_before": x, "tokens_after": y, "tokens_delta": token_delta(*x, *y),
            }))).collect::<Vec<_>>(),
            "newly_excluded": newly_excluded.iter().map(|(k, r)| with(entry(k), json!({"reason": r}))).collect::<Vec<_>>(),
        }));
    }
    out.line(format!("{} -> {}: {delta:+} tokens", a.name, b.name))?;
    // One line per entry, whatever an imported manifest holds.
    let mut entry = |line: String| out.line(output::escape_controls(&line));
    for (k, t) in &added {
        entry(format!("  added    {} (+{t})", shown(k)))?;
    }
    for (k, t) in &removed {
        entry(format!("  removed  {} (-{t})", shown(k)))?;
    }
    for (k, x, y) in &changed {
        entry(format!(
            "  changed  {} ({:+})",
            shown(k),
            token_delta(*x, *y)
        ))?;
    }
    for (k, r) in &newly_excluded {
        entry(format!("  excluded {} ({r})", shown(k)))?;
    }
    if added.is_empty() && removed.is_empty() && changed.is_empty() && newly_excluded.is_empty() {
        output::status("No differences.");
    }
    Ok(())
}

/// `after - before`, saturating: counts come from manifests, and an
/// imported one may hold any number.
fn token_delta(before: u64, after: u64) -> i64 {
    let delta = i128::from(after) - i128::from(before);
    i64::try_from(delta).unwrap_or(if delta < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::token_delta;

    #[test]
    fn token_deltas_saturate() {
        assert_eq!(token_delta(5, 3), -2);
        assert_eq!(token_delta(1, 1 << 63), i64::MAX);
        assert_eq!(token_delta(u64::MAX, 0), i64::MIN);
        assert_eq!(token_delta(u64::MAX, u64::MAX), 0);
    }
}
