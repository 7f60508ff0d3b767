//! Events and counts in words, as people read them: `ctx log` lines, the
//! `what` of JSON log entries and of `undo`.

use std::borrow::Cow;

use ctx_model::{AddOptions, Captured, Configured, Event, Reversal, SourceSpec};

/// Most characters of a note's text a table line shows.
const NOTE_CHARS: usize = 40;

/// What an event changed, in a few words.
pub fn describe(event: &Event) -> String {
    described(event, &|spec| spec.to_string())
}

/// What an event changed, on one short line: a note's text is cut as
/// [`brief`] cuts it (the log's lines; its JSON keeps the whole note).
pub fn describe_brief(event: &Event) -> String {
    described(event, &|spec| brief(&spec.to_string()).into_owned())
}

/// A spec as one short line of a table: a note is cut to its first line
/// and to at most a few words' length, with `…` where it was cut; any
/// other spec is as it is.
pub fn brief(spec: &str) -> Cow<'_, str> {
    let Some(text) = spec.strip_prefix("text:") else {
        return Cow::Borrowed(spec);
    };
    let line = text.lines().next().unwrap_or_default();
    let cut: String = line.chars().take(NOTE_CHARS).collect();
    if cut.len() == text.len() {
        return Cow::Borrowed(spec);
    }
    Cow::Owned(format!("text:{}…", cut.trim_end()))
}

/// [`describe`], with each spec shown by `spec`.
fn described(event: &Event, spec: &dyn Fn(&SourceSpec) -> String) -> String {
    match event {
        Event::PackCreated {
            budget, tokenizer, ..
        } => format!("created the pack (budget {budget}, {tokenizer})"),
        Event::ArtifactAdded { artifact, .. } => match &artifact.content {
            Captured::Blob(b) => format!(
                "added {} ({})",
                spec(&artifact.spec),
                count(b.tokens, "token")
            ),
            Captured::Files { files, .. } => format!(
                "added {} ({}, {})",
                spec(&artifact.spec),
                count(files.len() as u64, "file"),
                count(artifact.content.tokens(), "token")
            ),
        },
        Event::ArtifactRemoved {
            spec: removed,
            artifact,
            ..
        } => {
            format!("removed {} (id {})", spec(removed), artifact.short())
        }
        Event::PackRenamed { from, to, .. } => format!("renamed {from} -> {to}"),
        Event::BudgetChanged { from, to, .. } => format!("set the budget {from} -> {to}"),
        Event::FitChanged { from, to, .. } => format!("set fit {from} -> {to}"),
        Event::PackDeleted { .. } => "deleted the pack".into(),
        Event::SnapshotCreated { label, tokens, .. }
        | Event::SnapshotTaken { label, tokens, .. } => {
            format!(
                "created snapshot{} ({})",
                quoted(label),
                count(*tokens, "token")
            )
        }
        Event::SnapshotLabelled {
            snapshot, label, ..
        } => match label {
            Some(label) => format!("labelled snapshot {} `{label}`", snapshot.short()),
            None => format!("unlabelled snapshot {}", snapshot.short()),
        },
        Event::SnapshotDeleted { snapshot, .. } => {
            format!("deleted snapshot {}", snapshot.short())
        }
        Event::SnapshotImported { label, tokens, .. }
        | Event::SnapshotReceived { label, tokens, .. } => {
            format!(
                "imported snapshot{} ({})",
                quoted(label),
                count(*tokens, "token")
            )
        }
        Event::ContentPurged { blobs, .. } => {
            format!("purged {}", count(blobs.len() as u64, "blob"))
        }
        Event::AgentServed {
            snapshot, request, ..
        } => format!(
            "served snapshot {} to {} {} via {}",
            snapshot.short(),
            request.client,
            request.client_version,
            request.via
        ),
        Event::PriorityChanged {
            spec: changed,
            from,
            to,
            ..
        } => format!("set the priority of {} {from} -> {to}", spec(changed)),
        Event::ArtifactRefreshed {
            spec: refreshed,
            from,
            to,
            ..
        } => format!("refreshed {}", recaptured(&spec(refreshed), from, to)),
        Event::PackRootChanged { from, to, .. } => format!("moved the root {from} -> {to}"),
        Event::OptionsChanged {
            spec: changed,
            from,
            to,
            ..
        } => format!(
            "set the options of {}",
            reconfigured(&spec(changed), from, to)
        ),
        Event::Undone {
            event, reversal, ..
        } => {
            let what = match reversal {
                Reversal::RemoveArtifact { spec: removed, .. } => {
                    format!("removed {}", spec(removed))
                }
                Reversal::RestoreArtifact { artifact } => {
                    format!("restored {}", spec(&artifact.spec))
                }
                Reversal::Rename { from, to } => format!("renamed {from} -> {to}"),
                Reversal::SetBudget { from, to } => format!("set the budget {from} -> {to}"),
                Reversal::SetFit { from, to } => format!("set fit {from} -> {to}"),
                Reversal::RestorePack { pack, artifacts } => format!(
                    "restored pack {} with {}",
                    pack.name,
                    count(artifacts.len() as u64, "artifact")
                ),
                Reversal::DeletePack { name } => format!("deleted pack {name}"),
                Reversal::RestoreSnapshot { snapshot, .. } => {
                    format!("restored snapshot {}", snapshot.short())
                }
                Reversal::DeleteSnapshot { snapshot } => {
                    format!("deleted snapshot {}", snapshot.short())
                }
                Reversal::SetPriority {
                    spec: changed,
                    from,
                    to,
                    ..
                } => format!("set the priority of {} {from} -> {to}", spec(changed)),
                Reversal::Recapture {
                    spec: restored,
                    from,
                    to,
                    ..
                } => format!("restored {}", recaptured(&spec(restored), from, to)),
                Reversal::SetRoot { from, to } => format!("moved the root {from} -> {to}"),
                Reversal::Reconfigure {
                    spec: changed,
                    from,
                    to,
                    ..
                } => format!(
                    "set the options of {}",
                    reconfigured(&spec(changed), from, to)
                ),
            };
            format!("undid event {event}: {what}")
        }
    }
}

/// `src/a.rs (120 -> 140 tokens)`: a spec whose content went from `from`
/// to `to`.
fn recaptured(spec: &str, from: &Captured, to: &Captured) -> String {
    format!("{spec} ({} -> {} tokens)", from.tokens(), to.tokens())
}

/// `glob:src/** (exclude tests/**; 120 -> 90 tokens)`: a spec whose
/// options went from `from` to `to`, with what changed.
fn reconfigured(spec: &str, from: &Configured, to: &Configured) -> String {
    let changed = options_changed(&from.options, &to.options);
    format!(
        "{spec} ({}; {} -> {} tokens)",
        if changed.is_empty() {
            "as they were".to_owned()
        } else {
            changed.join(", ")
        },
        from.content.tokens(),
        to.content.tokens()
    )
}

/// The options that differ between `from` and `to`, as `pack set` flags
/// would give them: `exclude tests/**`, `max files 500`.
pub fn options_changed(from: &AddOptions, to: &AddOptions) -> Vec<String> {
    let mut changed = Vec::new();
    let flag = |on: bool, yes: &str, no: &str| if on { yes } else { no }.to_owned();
    if from.exclude != to.exclude {
        changed.push(if to.exclude.is_empty() {
            "no exclude".to_owned()
        } else {
            format!("exclude {}", to.exclude.join(" "))
        });
    }
    if from.max_files != to.max_files {
        changed.push(format!("max files {}", to.max_files));
    }
    if from.recursive != to.recursive {
        changed.push(flag(to.recursive, "recursive", "not recursive"));
    }
    if from.no_ignore != to.no_ignore {
        changed.push(flag(to.no_ignore, "no ignore", "ignore"));
    }
    if from.max_file_bytes != to.max_file_bytes {
        changed.push(format!("max file bytes {}", to.max_file_bytes));
    }
    if from.allow_outside_root != to.allow_outside_root {
        changed.push(flag(
            to.allow_outside_root,
            "allow outside root",
            "inside root",
        ));
    }
    if from.allow_sensitive != to.allow_sensitive {
        changed.push(flag(to.allow_sensitive, "allow sensitive", "no sensitive"));
    }
    if from.mode != to.mode {
        changed.push(format!("mode {}", to.mode));
    }
    changed
}

/// ` `label`` for a snapshot's label, or nothing.
fn quoted(label: &Option<String>) -> String {
    label
        .as_deref()
        .map(|l| format!(" `{l}`"))
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::brief;

    #[test]
    fn a_long_or_multiline_note_is_cut_to_one_short_line() {
        assert_eq!(brief("src/a.rs"), "src/a.rs");
        assert_eq!(brief("text:Be brief."), "text:Be brief.");
        assert_eq!(brief("text:first line\nsecond"), "text:first line…");
        let long = format!("text:{}", "word ".repeat(20));
        assert_eq!(
            brief(&long),
            format!("text:{}…", "word ".repeat(8).trim_end())
        );
        assert_eq!(
            brief(&format!("text:{}", "é".repeat(50))),
            format!("text:{}…", "é".repeat(40))
        );
    }
}
