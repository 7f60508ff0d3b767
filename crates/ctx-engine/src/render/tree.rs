//! The tree header (`--tree`): the paths of a render's items as a
//! directory tree, each marked when it is left out or shown in less than
//! whole, so the agent sees the shape of what it was given.

use ctx_model::{ExclusionReason, Mode};

use super::format::Label;

/// What the tree says about an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mark {
    Shown(Mode),
    LeftOut(ExclusionReason),
}

/// The tree of the items with a path, sorted by path; items without one
/// (notes, diffs) are not in it. Each folder is a line ending in `/`,
/// each level indented by two spaces; empty when no item has a path.
pub(super) fn draw<'a>(items: impl Iterator<Item = (&'a Label, Mark)>) -> String {
    let mut entries: Vec<(&Label, Mark)> = items.filter(|(l, _)| l.path.is_some()).collect();
    entries.sort_by(|(a, _), (b, _)| (&a.path, a.lines).cmp(&(&b.path, b.lines)));
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    for (label, mark) in entries {
        let (path, lines) = (label.path.as_deref().unwrap_or_default(), label.lines);
        let parts: Vec<&str> = path.split('/').collect();
        let (file, folders) = parts.split_last().expect("split gives one part at least");
        let same = open.iter().zip(folders).take_while(|(a, b)| a == b).count();
        open.truncate(same);
        for folder in &folders[same..] {
            indent(&mut out, open.len());
            out.push_str(folder);
            out.push_str("/\n");
            open.push(folder);
        }
        indent(&mut out, open.len());
        out.push_str(file);
        let mut notes = Vec::new();
        if let Some((a, b)) = lines {
            notes.push(if a == b {
                format!("line {a}")
            } else {
                format!("lines {a}-{b}")
            });
        }
        match mark {
            Mark::Shown(Mode::Full) => {}
            Mark::Shown(Mode::Outline) => notes.push("outline".into()),
            Mark::Shown(Mode::Path) => notes.push("path only".into()),
            Mark::LeftOut(reason) => {
                notes.push(format!("left out: {}", reason.as_str().replace('_', " ")))
            }
        }
        if !notes.is_empty() {
            out.push_str(" (");
            out.push_str(&notes.join(", "));
            out.push(')');
        }
        out.push('\n');
    }
    // A title never holds a line break: neither may a tree line.
    out.replace('\r', " ")
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(path: &str, lines: Option<(u32, u32)>) -> Label {
        Label {
            pack: "p".into(),
            source: path.into(),
            path: Some(path.into()),
            lines,
        }
    }

    #[test]
    fn folders_open_once_and_marks_say_what_is_missing() {
        let items = [
            (label("src/b.rs", None), Mark::Shown(Mode::Outline)),
            (label("README.md", None), Mark::Shown(Mode::Full)),
            (label("src/a/x.rs", Some((3, 9))), Mark::Shown(Mode::Full)),
            (
                label("src/a/y.rs", None),
                Mark::LeftOut(ExclusionReason::OverBudget),
            ),
            (label("src/c.rs", None), Mark::Shown(Mode::Path)),
        ];
        let tree = draw(items.iter().map(|(l, m)| (l, *m)));
        assert_eq!(
            tree,
            "README.md\nsrc/\n  a/\n    x.rs (lines 3-9)\n    y.rs (left out: over budget)\n  b.rs (outline)\n  c.rs (path only)\n"
        );
        let note = Label {
            path: None,
            ..label("x", None)
        };
        assert_eq!(draw([(&note, Mark::Shown(Mode::Full))].into_iter()), "");
    }
}
