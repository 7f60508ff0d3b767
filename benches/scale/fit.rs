//! Fitting more into a budget, on a generated mixed-language tree: how many
//! items `--fit degrade` fits against `--fit drop` at a tenth of the full
//! pack, and what outlines save per language and cost to compute.

use std::fmt::Write as _;
use std::path::Path;

use crate::measure::{Measured, Table, mb, median};
use crate::project::Rng;
use crate::{Args, Results, ctx, json};

/// The languages of the tree: file extension, and the source of one
/// function (or method) with a doc comment and a body of `lines` lines.
const LANGUAGES: [(&str, &str); 9] = [
    ("rs", "rust"),
    ("py", "python"),
    ("js", "javascript"),
    ("ts", "typescript"),
    ("tsx", "tsx"),
    ("go", "go"),
    ("java", "java"),
    ("c", "c"),
    ("cpp", "cpp"),
];

fn function(ext: &str, name: &str, rng: &mut Rng) -> String {
    let lines = 4 + rng.below(24) as usize;
    let mut body = String::new();
    for i in 0..lines {
        let v = rng.below(1000);
        let _ = match ext {
            "py" => writeln!(body, "    x{i} = value * {v} + len(items)"),
            "go" => writeln!(body, "\tx{i} := value * {v} + len(items)"),
            "rs" => writeln!(body, "    let x{i} = value * {v} + items.len();"),
            "java" => writeln!(body, "        int x{i} = value * {v} + items.size();"),
            "c" | "cpp" => writeln!(body, "    int x{i} = value * {v} + count;"),
            _ => writeln!(body, "    const x{i} = value * {v} + items.length;"),
        };
    }
    match ext {
        "rs" => format!(
            "/// Computes {name}.\npub fn {name}(value: u64, items: &[u64]) -> u64 {{\n{body}    value\n}}\n\n"
        ),
        "py" => format!(
            "def {name}(value, items):\n    \"\"\"Computes {name}.\"\"\"\n{body}    return value\n\n\n"
        ),
        "go" => format!(
            "// {name} computes a value.\nfunc {name}(value int, items []int) int {{\n{body}\treturn value\n}}\n\n"
        ),
        "java" => format!(
            "    /** Computes {name}. */\n    public int {name}(int value, java.util.List<Integer> items) {{\n{body}        return value;\n    }}\n\n"
        ),
        "c" | "cpp" => format!(
            "/* Computes {name}. */\nint {name}(int value, int count) {{\n{body}    return value;\n}}\n\n"
        ),
        "ts" | "tsx" => format!(
            "/** Computes {name}. */\nexport function {name}(value: number, items: number[]): number {{\n{body}    return value;\n}}\n\n"
        ),
        _ => format!(
            "/** Computes {name}. */\nexport function {name}(value, items) {{\n{body}    return value;\n}}\n\n"
        ),
    }
}

/// One file of `ext` with imports, a type and `functions` functions.
fn file(ext: &str, index: usize, functions: usize, rng: &mut Rng) -> String {
    let mut text = match ext {
        "rs" => "use std::collections::HashMap;\n\n/// A record.\npub struct Record {\n    pub id: u64,\n    pub name: String,\n}\n\n".to_owned(),
        "py" => "import os\nfrom typing import List\n\n\n".to_owned(),
        "go" => "package main\n\nimport \"fmt\"\n\n// Record is a record.\ntype Record struct {\n\tID   int\n\tName string\n}\n\n".to_owned(),
        "java" => format!("package bench;\n\nimport java.util.List;\n\n/** A class. */\npublic class File{index} {{\n"),
        "c" | "cpp" => "#include <stdio.h>\n\n/* A record. */\nstruct record {\n    int id;\n    const char *name;\n};\n\n".to_owned(),
        "ts" | "tsx" => "import { readFile } from \"fs\";\n\n/** A record. */\nexport interface Record {\n    id: number;\n    name: string;\n}\n\n".to_owned(),
        _ => "import { readFile } from \"fs\";\n\n".to_owned(),
    };
    for f in 0..functions {
        text.push_str(&function(ext, &format!("compute_{index}_{f}"), rng));
    }
    if ext == "java" {
        text.push_str("}\n");
    }
    text
}

/// Writes `files` files spread over the languages; returns the bytes.
fn generate(root: &Path, files: usize) -> u64 {
    let mut rng = Rng(0x05ee_df17_u64);
    let mut bytes = 0;
    for i in 0..files {
        let (ext, lang) = LANGUAGES[i % LANGUAGES.len()];
        let dir = root.join(lang).join(format!("mod_{}", i % 11));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let text = file(ext, i, 3 + rng.below(12) as usize, &mut rng);
        bytes += text.len() as u64;
        std::fs::write(dir.join(format!("file_{i}.{ext}")), text).expect("write");
    }
    bytes
}

pub fn section(args: &Args, table: &Table, results: &mut Results) {
    let project = tempfile::tempdir().expect("project");
    let home = tempfile::tempdir().expect("home");
    let root = std::fs::canonicalize(project.path()).expect("root");
    let files = if args.quick { 450 } else { 4_500 };
    let bytes = generate(&root, files);
    let size = format!("{files} files, {:.1} MB", mb(bytes));
    let run = |a: &[&str]| ctx(home.path(), &root, a);
    json(run(&[
        "pack",
        "create",
        "mixed",
        "--tokens",
        "1000000000",
        "--json",
    ]));
    json(run(&["pack", "add", "mixed", ".", "--json"]));
    let full = json(run(&["render", "mixed", "--json"]));
    let full_tokens = full["tokens"].as_u64().expect("tokens");
    let tenth = (full_tokens / 10).to_string();
    let items = |doc: &serde_json::Value| doc["items"].as_array().map_or(0, Vec::len);
    let drop = json(run(&["render", "mixed", "--tokens", &tenth, "--json"]));
    let degrade_args = ["render", "mixed", "--tokens", &tenth, "--fit", "degrade"];
    let mut with_json = degrade_args.to_vec();
    with_json.push("--json");
    let degraded = json(run(&with_json));
    results.set("fit/drop items", items(&drop) as f64);
    results.set("fit/degrade items", items(&degraded) as f64);
    results.set("fit/items", items(&full) as f64);
    let mut quiet = degrade_args.to_vec();
    quiet.extend(["-q", "-o", "/dev/null"]);
    let degrade: Measured = median(table.runs(), true, || run(&quiet));
    table.row(
        &format!("render --fit degrade at a tenth ({tenth} tokens)"),
        &size,
        &degrade,
        Some(bytes),
        None,
    );
    // In a home of their own: the degraded renders cached these outlines.
    let fresh = tempfile::tempdir().expect("home");
    let run = |a: &[&str]| ctx(fresh.path(), &root, a);
    outlines(table, results, &run, fresh.path(), &size, bytes);
}

/// The same files as outlines, in a fresh home: the first render parses
/// every file (its whole counts are cached by `pack add`, so it parses and
/// counts the outlines), later ones find the outlines cached.
fn outlines(
    table: &Table,
    results: &mut Results,
    run: &dyn Fn(&[&str]) -> std::process::Command,
    home: &Path,
    size: &str,
    bytes: u64,
) {
    json(run(&[
        "pack",
        "create",
        "outlined",
        "--tokens",
        "1000000000",
        "--json",
    ]));
    json(run(&[
        "pack", "add", "outlined", ".", "--mode", "outline", "--json",
    ]));
    json(run(&[
        "pack",
        "create",
        "fits",
        "--tokens",
        "1000000000",
        "--json",
    ]));
    json(run(&["pack", "add", "fits", ".", "--json"]));
    let db = home.join("ctx.redb");
    let before = home.join("before-outlines.redb");
    std::fs::copy(&db, &before).expect("copy store");
    // A degrade render that fits whole parses nothing: it costs what the
    // same render under drop costs.
    for fit in ["drop", "degrade"] {
        let render = ["render", "fits", "--fit", fit, "-q", "-o", "/dev/null"];
        let first = median(table.runs(), false, || {
            crate::restore(&before, &db);
            run(&render)
        });
        table.row(
            &format!("first render --fit {fit}, everything fits"),
            size,
            &first,
            Some(bytes),
            None,
        );
        results.set(format!("fit/first {fit}"), first.wall.as_secs_f64());
    }
    let render = ["render", "outlined", "-q", "-o", "/dev/null"];
    let cold = median(table.runs(), false, || {
        crate::restore(&before, &db);
        run(&render)
    });
    table.row(
        "render --mode outline, cold (parses)",
        size,
        &cold,
        Some(bytes),
        None,
    );
    let warm = median(table.runs(), true, || run(&render));
    table.row(
        "render --mode outline, warm (cached)",
        size,
        &warm,
        Some(bytes),
        None,
    );
    results.set("outline/cold", cold.wall.as_secs_f64());
    results.set("outline/warm", warm.wall.as_secs_f64());
    results.set(
        "outline MB/s",
        mb(bytes) / (cold.wall - warm.wall).as_secs_f64(),
    );
    let doc = json(run(&["render", "outlined", "--json"]));
    let mut by_language: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for item in doc["items"].as_array().expect("items") {
        let path = item["path"].as_str().unwrap_or_default();
        let Some((_, lang)) = LANGUAGES
            .iter()
            .find(|(_, l)| path.starts_with(&format!("{l}/")))
        else {
            continue;
        };
        let tokens = item["tokens"].as_u64().unwrap_or(0);
        let saved = item["saved"].as_u64().unwrap_or(0);
        let entry = by_language.entry(lang).or_default();
        entry.0 += tokens;
        entry.1 += tokens + saved;
    }
    println!();
    println!("| language | outline tokens | whole tokens | smaller by |");
    println!("|---|---:|---:|---:|");
    let (mut outline, mut whole) = (0, 0);
    for (lang, (o, w)) in &by_language {
        println!(
            "| {lang} | {o} | {w} | {:.0}% |",
            100.0 * (1.0 - *o as f64 / *w as f64)
        );
        outline += o;
        whole += w;
    }
    results.set("outline/whole", outline as f64 / whole.max(1) as f64);
}
