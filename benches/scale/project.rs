//! The synthetic project the render scenarios run on: deterministic
//! code-like text in nested folders, some markdown, a few binaries and a
//! `.gitignore`, built from a fixed seed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A tiny deterministic generator: xorshift64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 24] = [
    "let", "value", "count", "items", "map", "iter", "config", "result", "error", "self", "parse",
    "render", "budget", "token", "store", "event", "pack", "blob", "hash", "index", "query",
    "limit", "offset", "buffer",
];

/// Writes the project; returns each text file's path and size.
pub fn generate(root: &Path, files: usize, bytes: usize) -> Vec<(PathBuf, u64)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    std::fs::write(root.join(".gitignore"), "target/\n*.log\n").expect("gitignore");
    std::fs::create_dir_all(root.join("target/debug")).expect("target");
    std::fs::write(root.join("target/debug/build.log"), "ignored\n").expect("ignored");
    let per_file = bytes / files.max(1);
    let mut out = Vec::with_capacity(files);
    for i in 0..files {
        let dir = root
            .join(format!("crate_{}", i % 17))
            .join(format!("mod_{}", i % 7))
            .join(format!("sub_{}", i % 5));
        std::fs::create_dir_all(&dir).expect("mkdir");
        // Sizes vary from a quarter to twice the mean.
        let size = per_file / 4 + rng.below((per_file * 7 / 4).max(1) as u64) as usize;
        let (name, text) = match i % 200 {
            0 => (format!("blob_{i}.bin"), None),
            n if n % 20 == 1 => (format!("notes_{i}.md"), Some(prose(&mut rng, size))),
            _ => (format!("file_{i}.rs"), Some(code(&mut rng, size))),
        };
        let path = dir.join(name);
        match text {
            Some(text) => {
                std::fs::write(&path, &text).expect("write");
                out.push((path, text.len() as u64));
            }
            None => std::fs::write(&path, [0u8, 1, 2, 3, 0, 255]).expect("write binary"),
        }
    }
    out
}

pub fn code(rng: &mut Rng, size: usize) -> String {
    let mut s = String::with_capacity(size + 128);
    let mut line = 0;
    while s.len() < size {
        line += 1;
        let mut w = || WORDS[rng.below(WORDS.len() as u64) as usize];
        let text = match line % 6 {
            0 => format!(
                "fn {}_{}(&self, {}: u32) -> Result<u64> {{\n",
                w(),
                line,
                w()
            ),
            1 => format!(
                "    let {} = self.{}.{}()?; // {} {}\n",
                w(),
                w(),
                w(),
                w(),
                line
            ),
            2 => format!(
                "    if {} > {} {{ return Err(Error::{}); }}\n",
                w(),
                line * 7,
                w()
            ),
            3 => format!("    /// Returns the {} of the {} for {}.\n", w(), w(), w()),
            4 => format!("    {}.push({}[{}]);\n", w(), w(), line % 97),
            _ => "}\n\n".to_owned(),
        };
        s.push_str(&text);
    }
    s
}

fn prose(rng: &mut Rng, size: usize) -> String {
    let mut s = String::from("# Notes\n\n");
    while s.len() < size {
        for _ in 0..12 {
            s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
            s.push(' ');
        }
        s.push_str(".\n\n");
    }
    s
}

/// Appends a line to 1% of the files, a different 1% each round.
pub fn touch_one_percent(files: &[(PathBuf, u64)], round: usize) {
    let step = 100;
    for (path, _) in files.iter().skip(round % step).step_by(step) {
        let mut text = std::fs::read_to_string(path).expect("read");
        text.push_str(&format!("// changed in round {round}\n"));
        std::fs::write(path, text).expect("write");
    }
}

/// Redaction alone over the same texts on one core, as render runs it on
/// each file (with its path, so lock files and bundles get their rules).
pub fn redaction_single_core(files: &[(PathBuf, u64)], texts: &[String]) -> Duration {
    let start = Instant::now();
    for ((path, _), text) in files.iter().zip(texts) {
        let path = path.to_string_lossy();
        std::hint::black_box(ctx_redact::redact_file(&path, text));
    }
    start.elapsed()
}

/// Token counting alone with `kind` over the same texts on all cores.
pub fn tokenizer_ceiling(texts: &[String], kind: ctx_model::TokenizerKind) -> Duration {
    ctx_engine::tokenize::count(kind, "warm");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    std::thread::scope(|s| {
        for i in 0..cores {
            s.spawn(move || {
                texts
                    .iter()
                    .skip(i)
                    .step_by(cores)
                    .map(|t| u64::from(ctx_engine::tokenize::count(kind, t)))
                    .sum::<u64>()
            });
        }
    });
    start.elapsed()
}
