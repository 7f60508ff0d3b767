//! Command latency against long histories, and tokenizer throughput.
//!
//! Builds stores of 0 and N events through the store API (not N processes),
//! then times the real `ctx` binary on them: `pack add` of one file,
//! `log -n 20`, `log PACK -n 20`, `pack list`. Prints a markdown table of
//! medians; asserts nothing.
//!
//! Run: `cargo bench -p ctx --bench history -- [--quick] [--events N] [--corpus DIR]`
//! (`--corpus DIR` measures the tokenizer on the `.rs` files under DIR).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ctx_model::{
    AddOptions, Captured, CapturedBlob, Event, NewArtifact, PackId, PackName, SourceSpec,
    Timestamp, TokenizerKind,
};
use ctx_store::{NewEvent, Store};

const RUNS: usize = 7;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let events: u64 = args
        .iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if quick { 10_000 } else { 100_000 });

    println!("| scenario | events | median | min | max |");
    println!("|---|---:|---:|---:|---:|");
    for size in [0, events] {
        let home = tempfile::tempdir().expect("temp home");
        let project = tempfile::tempdir().expect("temp project");
        let root = std::fs::canonicalize(project.path()).expect("root");
        let build = Instant::now();
        seed(&home.path().join("ctx.redb"), &root, size);
        if size > 0 {
            eprintln!("seeded {size} events in {:.1?}", build.elapsed());
        }
        let ctx = |args: &[&str]| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
            cmd.args(args)
                .current_dir(&root)
                .env("CTX_HOME", home.path())
                .stdout(std::process::Stdio::null());
            cmd
        };
        if size == 0 {
            run(&mut ctx(&[
                "pack",
                "create",
                "p0",
                "--root",
                root.to_str().expect("utf-8"),
            ]));
        }
        let mut n = 0;
        report("pack add (one file)", size, || {
            n += 1;
            let file = format!("new{n}.txt");
            std::fs::write(root.join(&file), format!("fresh file {n}\n")).expect("write");
            run(&mut ctx(&["pack", "add", "p0", &file]))
        });
        report("log -n 20", size, || run(&mut ctx(&["log", "-n", "20"])));
        report("log PACK -n 20", size, || {
            run(&mut ctx(&["log", "p0", "-n", "20"]))
        });
        report("pack list", size, || run(&mut ctx(&["pack", "list"])));
        report("pack show p0", size, || {
            run(&mut ctx(&["pack", "show", "p0"]))
        });
    }
    let corpus = args
        .iter()
        .position(|a| a == "--corpus")
        .and_then(|i| args.get(i + 1));
    let text = match corpus {
        Some(dir) => {
            let text = read_corpus(Path::new(dir), if quick { 4 } else { 50 } << 20);
            (
                format!("{} MB of .rs files from --corpus", text.len() >> 20),
                text,
            )
        }
        None => {
            let mb = if quick { 4 } else { 32 };
            (format!("{mb} MB synthetic code"), synthetic_code(mb << 20))
        }
    };
    tokenizer_throughput(&text.0, &text.1);
}

/// Concatenates `.rs` files under `dir`, in sorted path order, up to `limit` bytes.
fn read_corpus(dir: &Path, limit: usize) -> String {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut out = String::new();
    for path in paths {
        if out.len() >= limit {
            break;
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            out.push_str(&text);
        }
    }
    out
}

/// Writes `events` events: 100 packs, each with its share of text notes,
/// in transactions of 1000 events as a long-lived store would hold them.
fn seed(db: &Path, root: &Path, events: u64) {
    let store = Store::open(db, Duration::ZERO).expect("store");
    if events == 0 {
        return;
    }
    let packs = 100.min(events);
    let mut seq = 0u64;
    let mut pack_ids = Vec::new();
    while seq < events {
        let mut w = store.write().expect("write");
        for _ in 0..1000 {
            if seq >= events {
                break;
            }
            seq += 1;
            let event = if (pack_ids.len() as u64) < packs {
                Event::PackCreated {
                    name: PackName::new(&format!("p{}", pack_ids.len())).expect("name"),
                    root: root.to_str().expect("utf-8").to_owned(),
                    budget: 128_000,
                    tokenizer: TokenizerKind::O200k,
                }
            } else {
                let text = format!("note number {seq} with a few words of content");
                let hash = w.put_blob(text.as_bytes()).expect("blob");
                Event::ArtifactAdded {
                    pack: pack_ids[(seq % packs) as usize],
                    artifact: NewArtifact {
                        spec: SourceSpec::Text { text: text.clone() },
                        priority: 0,
                        options: AddOptions::default(),
                        content: Captured::Blob(CapturedBlob {
                            hash,
                            bytes: text.len() as u64,
                            tokens: 10,
                        }),
                    },
                }
            };
            let record = w
                .append(NewEvent {
                    time: Timestamp(1_795_848_561_000),
                    user: "bench".into(),
                    version: "bench".into(),
                    command: vec!["ctx".into(), "bench".into()],
                    event,
                })
                .expect("append");
            if matches!(record.event, Event::PackCreated { .. }) {
                pack_ids.push(PackId(record.seq.0));
            }
        }
        w.commit().expect("commit");
    }
}

fn run(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let status = cmd.status().expect("ctx runs");
    let took = start.elapsed();
    assert!(status.success(), "{cmd:?} failed");
    took
}

fn report(name: &str, events: u64, mut f: impl FnMut() -> Duration) {
    f(); // warm the page cache
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    println!(
        "| {name} | {events} | {:.2} ms | {:.2} ms | {:.2} ms |",
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Counts tokens in `text` on one core and on all cores.
fn tokenizer_throughput(label: &str, text: &str) {
    let chunks: Vec<&str> = split_lines(text, 64 * 1024);
    for (name, tok) in [
        ("o200k", bpe_openai::o200k_base()),
        ("cl100k", bpe_openai::cl100k_base()),
    ] {
        tok.count("warm up");
        let start = Instant::now();
        let tokens: usize = chunks.iter().map(|c| tok.count(*c)).sum();
        let one = start.elapsed();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let start = Instant::now();
        let per: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..cores)
                .map(|i| {
                    let chunks = &chunks;
                    s.spawn(move || {
                        chunks
                            .iter()
                            .skip(i)
                            .step_by(cores)
                            .map(|c| tok.count(*c))
                            .sum::<usize>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("join"))
                .collect()
        });
        let all = start.elapsed();
        assert_eq!(per.iter().sum::<usize>(), tokens);
        let mbs = |d: Duration| text.len() as f64 / 1e6 / d.as_secs_f64();
        println!(
            "| tokenizer {name}, {label}, 1 core | - | {:.1} MB/s | {tokens} tokens | |",
            mbs(one)
        );
        println!(
            "| tokenizer {name}, {label}, {cores} cores | - | {:.1} MB/s | | |",
            mbs(all)
        );
    }
}

/// Deterministic Rust-like source text.
fn synthetic_code(bytes: usize) -> String {
    let words = [
        "let", "value", "count", "items", "map", "iter", "config", "result", "error", "self",
        "parse", "render",
    ];
    let mut out = String::with_capacity(bytes + 256);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut line = 0u64;
    while out.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        line += 1;
        let w = |k: u64| words[((x >> k) % words.len() as u64) as usize];
        match x % 5 {
            0 => out.push_str(&format!(
                "fn {}_{}(&self, {}: u32) -> Result<u64> {{\n",
                w(3),
                line,
                w(9)
            )),
            1 => out.push_str(&format!(
                "    let {} = self.{}.{}()?; // {} {}\n",
                w(5),
                w(11),
                w(17),
                w(23),
                line
            )),
            2 => out.push_str(&format!(
                "    if {} > {} {{ return Err(Error::{}); }}\n",
                w(7),
                x % 1000,
                w(13)
            )),
            3 => out.push_str("}\n\n"),
            _ => out.push_str(&format!(
                "    /// Returns the {} of {} for {}.\n",
                w(3),
                w(19),
                w(29)
            )),
        }
    }
    out
}

/// Splits text into pieces of about `size` bytes at line ends.
fn split_lines(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = size.min(rest.len());
        while end < rest.len() && !rest.is_char_boundary(end) {
            end += 1;
        }
        if let Some(nl) = rest[end..].find('\n') {
            end += nl + 1;
        } else {
            end = rest.len();
        }
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}
