//! How much smaller each fixture's outline is, and how fast outlines are
//! made: `cargo run --release -p ctx-outline --example measure`. Given
//! directories, it also reports the ratio per language over every code file
//! under them, for a realistic corpus beyond the (short, doc-heavy) fixtures.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use ctx_outline::{Language, outline};

const FIXTURES: [(&str, &str); 9] = [
    ("sample.rs", include_str!("../tests/fixtures/sample.rs")),
    ("sample.py", include_str!("../tests/fixtures/sample.py")),
    ("sample.js", include_str!("../tests/fixtures/sample.js")),
    ("sample.ts", include_str!("../tests/fixtures/sample.ts")),
    ("sample.tsx", include_str!("../tests/fixtures/sample.tsx")),
    ("sample.go", include_str!("../tests/fixtures/sample.go")),
    ("Sample.java", include_str!("../tests/fixtures/Sample.java")),
    ("sample.c", include_str!("../tests/fixtures/sample.c")),
    ("sample.cpp", include_str!("../tests/fixtures/sample.cpp")),
];

fn outlined_len(language: Language, source: &str) -> usize {
    outline(language, source).map_or(source.len(), |o| o.text(source).len())
}

/// Every file under `dir`, depth first, skipping what cannot be read.
fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, files),
            Ok(t) if t.is_file() => files.push(path),
            _ => {}
        }
    }
}

fn corpus(dirs: &[String]) {
    let mut files = Vec::new();
    for dir in dirs {
        walk(Path::new(dir), &mut files);
    }
    let mut totals: BTreeMap<Language, (usize, usize, usize)> = BTreeMap::new();
    let start = Instant::now();
    for path in files {
        let Some(language) = path.to_str().and_then(Language::from_path) else {
            continue;
        };
        let Ok(source) = std::fs::read_to_string(&path) else {
            continue;
        };
        let entry = totals.entry(language).or_default();
        entry.0 += 1;
        entry.1 += source.len();
        entry.2 += outlined_len(language, &source);
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "\n{:<12} {:>6} {:>10} {:>10} {:>7}",
        "corpus", "files", "bytes", "outline", "saved"
    );
    let (mut full, mut kept) = (0, 0);
    for (language, (count, bytes, out)) in totals {
        full += bytes;
        kept += out;
        println!(
            "{:<12} {:>6} {:>10} {:>10} {:>6.1}%",
            language.name(),
            count,
            bytes,
            out,
            100.0 * (1.0 - out as f64 / bytes as f64)
        );
    }
    println!(
        "{:<12} {:>6} {:>10} {:>10} {:>6.1}%   ({:.1} MB/s with reading)",
        "all",
        "",
        full,
        kept,
        100.0 * (1.0 - kept as f64 / full.max(1) as f64),
        full as f64 / 1e6 / seconds
    );
}

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if !dirs.is_empty() {
        corpus(&dirs);
        return;
    }
    let (mut full, mut kept) = (0, 0);
    println!(
        "{:<12} {:>7} {:>7} {:>7}",
        "language", "bytes", "outline", "saved"
    );
    for (path, source) in FIXTURES {
        let Some(language) = Language::from_path(path) else {
            continue;
        };
        let out = outlined_len(language, source);
        full += source.len();
        kept += out;
        println!(
            "{:<12} {:>7} {:>7} {:>6.1}%",
            language.name(),
            source.len(),
            out,
            100.0 * (1.0 - out as f64 / source.len() as f64)
        );
    }
    println!(
        "{:<12} {:>7} {:>7} {:>6.1}%",
        "all",
        full,
        kept,
        100.0 * (1.0 - kept as f64 / full as f64)
    );

    // Throughput on files of realistic size: each fixture repeated to about
    // 200 KB (a large source file), outlined and rendered several times.
    println!("\n{:<12} {:>9}", "language", "MB/s");
    for (path, source) in FIXTURES {
        let Some(language) = Language::from_path(path) else {
            continue;
        };
        let big = source.repeat(200_000 / source.len() + 1);
        let rounds = 10;
        let start = Instant::now();
        let mut bytes = 0;
        for _ in 0..rounds {
            bytes += outlined_len(language, &big);
        }
        let seconds = start.elapsed().as_secs_f64();
        std::hint::black_box(bytes);
        let mb = (big.len() * rounds) as f64 / 1e6;
        println!("{:<12} {:>9.1}", language.name(), mb / seconds);
    }
}
