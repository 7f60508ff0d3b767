//! Writing a split's parts (`render --split`, `snapshot render --parts`):
//! numbered files in one folder, with an index that names no machine path.

use serde::Serialize;

use ctx_engine::count;
use ctx_engine::render::Split;
use ctx_model::Format;

use crate::error::{CliError, Kind, Result};
use crate::invocation::Invocation;
use crate::output::Output;
use crate::write;

/// The index's file name.
const INDEX: &str = "index.json";

/// A split as written: its parts' files and the index.
#[derive(Serialize)]
pub struct Written {
    folder: String,
    max_tokens: u64,
    parts: Vec<WrittenPart>,
    /// Items too large for one part, cut at line boundaries.
    cut: Vec<String>,
}

#[derive(Serialize, serde::Deserialize)]
struct WrittenPart {
    file: String,
    tokens: u64,
    items: Vec<String>,
}

/// `index.json`: the split as written, without the folder it lies in.
#[derive(Serialize)]
struct Index<'a> {
    max_tokens: u64,
    parts: &'a [WrittenPart],
    cut: &'a [String],
}

/// What an index written before lists, to find its parts.
#[derive(serde::Deserialize)]
struct OldIndex {
    parts: Vec<WrittenPart>,
}

/// Writes `split`'s parts, numbered, into `dir` (created if missing),
/// then `index.json`, then removes the parts a split written there before
/// listed that this one does not.
pub fn write(
    inv: &Invocation,
    split: &Split<'_>,
    format: Format,
    dir: &std::path::Path,
    out: &mut Output,
) -> Result<Written> {
    let dir = inv.cwd.join(dir);
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::new(
            Kind::Error,
            format!("cannot create `{}`: {e}", dir.display()),
        )
        .hint("the parts are written into the folder `-o` names")
    })?;
    let before = old_parts(&dir.join(INDEX));
    let mut parts = Vec::new();
    for (i, part) in split.summary.parts.iter().enumerate() {
        let file = part_name(i + 1, format);
        write::to_path(
            inv,
            &dir.join(&file),
            write::pieces(split.part_pieces(i)),
            out,
        )?;
        parts.push(WrittenPart {
            file,
            tokens: part.tokens,
            items: part.items.clone(),
        });
    }
    let written = Written {
        folder: dir.display().to_string(),
        max_tokens: split.summary.max_tokens,
        parts,
        cut: split.summary.cut.clone(),
    };
    let index = Index {
        max_tokens: written.max_tokens,
        parts: &written.parts,
        cut: &written.cut,
    };
    let index =
        serde_json::to_vec_pretty(&index).map_err(|e| CliError::new(Kind::Error, e.to_string()))?;
    write::to_path(
        inv,
        &dir.join(INDEX),
        write::pieces([index.as_slice(), b"\n"]),
        out,
    )?;
    for stale in before
        .iter()
        .filter(|old| !written.parts.iter().any(|p| &p.file == *old))
    {
        // A part the new index does not list would read as one of this
        // split's; one already gone is no matter.
        let _ = std::fs::remove_file(dir.join(stale));
    }
    Ok(written)
}

/// `part-001.md`.
fn part_name(n: usize, format: Format) -> String {
    let ext = match format {
        Format::Markdown => "md",
        Format::Xml => "xml",
        Format::Plain => "txt",
        Format::Json => "json",
    };
    format!("part-{n:03}.{ext}")
}

/// The part files an index written before lists, if it is one: only
/// names a split writes, so no index can name another file to remove.
fn old_parts(index: &std::path::Path) -> Vec<String> {
    let Ok(bytes) = std::fs::read(index) else {
        return Vec::new();
    };
    let Ok(old) = serde_json::from_slice::<OldIndex>(&bytes) else {
        return Vec::new();
    };
    old.parts
        .into_iter()
        .map(|p| p.file)
        .filter(|f| is_part_name(f))
        .collect()
}

/// Whether `file` is a name [`part_name`] makes.
fn is_part_name(file: &str) -> bool {
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return false;
    };
    let Some(n) = stem.strip_prefix("part-") else {
        return false;
    };
    n.len() >= 3
        && n.bytes().all(|b| b.is_ascii_digit())
        && matches!(ext, "md" | "xml" | "txt" | "json")
}

/// `Split into 3 parts of at most 8,000 tokens in out/: ...`.
pub fn summary(w: &Written) -> String {
    let mut lines = vec![format!(
        "Split into {} of at most {} in {} ({INDEX}):",
        count(w.parts.len() as u64, "part"),
        count(w.max_tokens, "token"),
        w.folder
    )];
    for p in &w.parts {
        lines.push(format!(
            "  {}  {}, {}",
            p.file,
            count(p.tokens, "token"),
            count(p.items.len() as u64, "item")
        ));
    }
    for c in &w.cut {
        lines.push(format!("  cut at line boundaries: {c}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_a_split_writes_are_parts() {
        for f in Format::ALL {
            assert!(is_part_name(&part_name(7, f)));
        }
        assert!(is_part_name("part-1234.md"));
        for f in [
            "part-01.md",
            "../part-001.md",
            "part-001.rs",
            "part-00a.md",
            "x.md",
            "part-001",
        ] {
            assert!(!is_part_name(f), "{f}");
        }
    }
}
