//! Render throughput on a large synthetic project.
//!
//! Generates a deterministic project (default 20,000 files, about 200 MB of
//! code-like text in nested folders, some markdown, a few binaries and a
//! `.gitignore`), captures it with `pack add glob:**/*`, then times the real
//! binary: cold render (no cached counts), warm render (nothing changed) and
//! a render after 1% of the files changed, each as wall time, MB/s and peak
//! RSS; and the tokenizer alone on the same bytes on all cores, the ceiling.
//! Prints a markdown table; asserts nothing.
//!
//! Run: `cargo bench -p ctx --bench render -- [--quick] [--files N] [--mb M] [--runs R] [--dir DIR]`
//! (`--dir` generates the project in DIR and keeps it, for profiling by hand).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    /// Generate the project here and keep it, for profiling by hand.
    dir: Option<PathBuf>,
    files: usize,
    mb: usize,
    runs: usize,
}

fn parse_args() -> Args {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    let quick = args.iter().any(|a| a == "--quick");
    Args {
        dir: args
            .iter()
            .position(|a| a == "--dir")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from),
        files: value("--files").unwrap_or(if quick { 2_000 } else { 20_000 }),
        mb: value("--mb").unwrap_or(if quick { 20 } else { 200 }),
        runs: value("--runs").unwrap_or(if quick { 3 } else { 5 }),
    }
}

fn main() {
    let args = parse_args();
    let project = tempfile::tempdir().expect("project");
    let home = tempfile::tempdir().expect("home");
    let root = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("--dir");
            std::fs::canonicalize(dir).expect("root")
        }
        None => std::fs::canonicalize(project.path()).expect("root"),
    };
    let start = Instant::now();
    let files = generate(&root, args.files, args.mb << 20);
    let bytes: u64 = files.iter().map(|f| f.1).sum();
    eprintln!(
        "generated {} files, {:.1} MB in {:.1?}",
        files.len(),
        bytes as f64 / 1e6,
        start.elapsed()
    );
    let ctx = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
        cmd.args(args)
            .current_dir(&root)
            .env("CTX_HOME", home.path());
        cmd
    };
    run(ctx(&[
        "pack",
        "create",
        "bench",
        "--tokens",
        "1000000000000",
    ]));
    let capture = run(ctx(&[
        "pack",
        "add",
        "bench",
        "glob:**/*",
        "--max-files",
        "1000000",
        "--json",
    ]));

    println!("| scenario | wall (median) | MB/s | peak RSS | payload |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| pack add glob:**/* ({} files) | {:.2} s | {:.0} | {:.0} MB | - |",
        files.len(),
        capture.wall.as_secs_f64(),
        mbs(bytes, capture.wall),
        capture.rss_mb
    );

    // Cold: the store as `pack add` left it, without any render's counts.
    let db = home.path().join("ctx.redb");
    let pristine = home.path().join("pristine.redb");
    std::fs::copy(&db, &pristine).expect("copy store");
    let render = || ctx(&["render", "bench", "-q", "-o", "/dev/null"]);
    // This machine's CPU speed drifts from minute to minute, so each cold
    // run is paired with a ceiling measured just before it, and the
    // throughput ratio is the median of the pairs' ratios.
    let texts: Vec<String> = files
        .iter()
        .map(|(p, _)| std::fs::read_to_string(p).expect("read"))
        .collect();
    let mut ceilings = Vec::new();
    let mut ratios = Vec::new();
    let cold = median(args.runs, || {
        let ceiling = tokenizer_ceiling(&texts);
        std::fs::copy(&pristine, &db).expect("restore store");
        let m = run(render());
        ratios.push(ceiling.as_secs_f64() / m.wall.as_secs_f64());
        ceilings.push(ceiling);
        m
    });
    drop(texts);
    ratios.sort_by(f64::total_cmp);
    ceilings.sort();
    let sized = home.path().join("payload");
    run(ctx(&[
        "render",
        "bench",
        "-q",
        "-o",
        sized.to_str().expect("utf-8"),
    ]));
    let payload = std::fs::metadata(&sized).expect("payload").len();
    report("cold render", &cold, bytes, payload);
    let warm = median(args.runs, || run(render()));
    report("warm render", &warm, bytes, payload);

    let mut round = 0;
    let changed = median(args.runs, || {
        round += 1;
        touch_one_percent(&root, &files, round);
        run(render())
    });
    report("render, 1% of files changed", &changed, bytes, payload);

    let ceiling = ceilings[ceilings.len() / 2];
    println!(
        "| tokenizer alone (o200k, all cores) | {:.2} s | {:.0} | - | - |",
        ceiling.as_secs_f64(),
        mbs(bytes, ceiling)
    );
    println!();
    println!(
        "cold/ceiling throughput (median of paired runs): {:.0}% (pairs: {}); warm/cold time: {:.1}%; 1%-changed/cold time: {:.1}%; cold peak RSS / payload: {:.2}x",
        100.0 * ratios[ratios.len() / 2],
        ratios
            .iter()
            .map(|r| format!("{:.0}%", 100.0 * r))
            .collect::<Vec<_>>()
            .join(", "),
        100.0 * warm.wall.as_secs_f64() / cold.wall.as_secs_f64(),
        100.0 * changed.wall.as_secs_f64() / cold.wall.as_secs_f64(),
        cold.rss_mb * 1e6 / payload as f64
    );
}

struct Measured {
    wall: Duration,
    rss_mb: f64,
}

/// Runs a command under `/usr/bin/time` for its peak RSS, draining stdout
/// (`pack add` prints little; renders write their payload to `/dev/null`
/// with `-o`, so the table measures ctx, not a pipe and its reader).
fn run(cmd: Command) -> Measured {
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let start = Instant::now();
    let mut child = timed
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    std::io::copy(&mut stdout, &mut std::io::sink()).expect("read stdout");
    let out = child.wait_with_output().expect("wait");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed: {stderr}");
    let rss_kb: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    Measured {
        wall,
        rss_mb: rss_kb / 1024.0,
    }
}

fn median(runs: usize, mut f: impl FnMut() -> Measured) -> Measured {
    let mut all: Vec<Measured> = (0..runs.max(1)).map(|_| f()).collect();
    all.sort_by_key(|m| m.wall);
    all.swap_remove(all.len() / 2)
}

fn report(name: &str, m: &Measured, bytes: u64, payload: u64) {
    println!(
        "| {name} | {:.2} s | {:.0} | {:.0} MB | {:.0} MB |",
        m.wall.as_secs_f64(),
        mbs(bytes, m.wall),
        m.rss_mb,
        payload as f64 / 1e6
    );
}

fn mbs(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// A tiny deterministic generator: xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 24] = [
    "let", "value", "count", "items", "map", "iter", "config", "result", "error", "self", "parse",
    "render", "budget", "token", "store", "event", "pack", "blob", "hash", "index", "query",
    "limit", "offset", "buffer",
];

/// Writes the project; returns each text file's path and size.
fn generate(root: &Path, files: usize, bytes: usize) -> Vec<(PathBuf, u64)> {
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

fn code(rng: &mut Rng, size: usize) -> String {
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
fn touch_one_percent(_root: &Path, files: &[(PathBuf, u64)], round: usize) {
    let step = 100;
    for (path, _) in files.iter().skip(round % step).step_by(step) {
        let mut text = std::fs::read_to_string(path).expect("read");
        text.push_str(&format!("// changed in round {round}\n"));
        std::fs::write(path, text).expect("write");
    }
}

/// Token counting alone over the same texts on all cores.
fn tokenizer_ceiling(texts: &[String]) -> Duration {
    let tok = bpe_openai::o200k_base();
    tok.count("warm");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    std::thread::scope(|s| {
        for i in 0..cores {
            s.spawn(move || {
                texts
                    .iter()
                    .skip(i)
                    .step_by(cores)
                    .map(|t| tok.count(t.as_str()))
                    .sum::<usize>()
            });
        }
    });
    start.elapsed()
}
