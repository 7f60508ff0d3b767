//! Hostile input: random source specs, pack names, `--at` values, bundles
//! and whole argument vectors (non-UTF-8, newlines, huge numbers, empty
//! strings) get a documented exit code and one clean error block, never a
//! panic; FIFOs, symlink loops, growing and vanishing files never hang.
//!
//! Every case spawns `ctx`, so the case counts are small (scaled by the
//! soak factor); the pure parsers have their own, larger property tests in
//! their crates.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use crate::common::Env;
use crate::support::{Bounded, run_bounded, soak};

/// Longer than any command on a small project takes, even on a busy machine.
const LIMIT: Duration = Duration::from_secs(10);

/// A seeded runner: `cases` cases, no regression files, a short shrink.
fn runner(cases: usize, seed: u64) -> TestRunner {
    TestRunner::new(Config {
        cases: (cases * soak()) as u32,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    })
}

/// Runs ctx with raw (possibly non-UTF-8) arguments.
fn run_os(env: &Env, args: &[OsString]) -> Bounded {
    let mut cmd = env.command(&[]);
    cmd.args(args);
    run_bounded(cmd, LIMIT)
}

fn run(env: &Env, args: &[&str]) -> Bounded {
    run_bounded(env.command(args), LIMIT)
}

thread_local! {
    /// Exit codes seen by this test's thread (each test runs on its own).
    static EXITS: std::cell::RefCell<std::collections::BTreeMap<i32, usize>> =
        std::cell::RefCell::default();
}

/// Prints how many runs ended with each exit code, for the record.
fn report(test: &str) {
    EXITS.with(|e| {
        let exits = e.take();
        let runs: usize = exits.values().sum();
        eprintln!("{test}: {runs} runs, by exit code {exits:?}");
    });
}

/// Fails the case unless the run ended cleanly with one of `codes`.
fn check(what: &str, run: &Bounded, codes: &[i32]) -> Result<(), TestCaseError> {
    EXITS.with(|e| *e.borrow_mut().entry(run.code.unwrap_or(-1)).or_default() += 1);
    prop_assert!(run.is_clean(), "{what}: {}", run.describe());
    prop_assert!(
        run.code.is_some_and(|c| codes.contains(&c)),
        "{what}: exit {:?} is not one of {codes:?}: {}",
        run.code,
        run.stderr
    );
    Ok(())
}

/// A small project with a pack `p`, a snapshot and a bundle of it.
fn project() -> Env {
    let env = Env::new();
    env.write("a.txt", "alpha\nbeta\ngamma\n");
    env.write("src/main.rs", "fn main() {}\n");
    env.write("docs/guide.md", "# Guide\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.txt"]);
    env.ok(&["pack", "add", "p", "md_dir:docs"]);
    env.ok(&["pack", "add", "p", "text:a note"]);
    let id = env.ok(&["snapshot", "create", "p", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    env.ok(&["snapshot", "export", &id, "good.ctx"]);
    env
}

/// Text a user could type, and worse: separators, globs, ranges, control
/// characters, newlines, other scripts.
fn nasty_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z'),
            2 => prop::sample::select(vec![
                '/', '.', '*', '?', '[', ']', '{', '}', '#', 'L', '-', '_', ':', '\\', ' ', '\n',
                '\t', '\r', '\u{1b}', '\u{7f}', '~', '$', '`', '"', '\'', '0', '1', '9',
            ]),
            1 => any::<char>().prop_filter("argv holds no NUL", |c| *c != '\0'),
        ],
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn huge_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_owned()),
        Just("99999999999999999999999999999".to_owned()),
        Just("-0".to_owned()),
        Just("1e400".to_owned()),
        Just("NaN".to_owned()),
        Just("inf".to_owned()),
        Just(String::new()),
        (0u64..20).prop_map(|n| n.to_string()),
    ]
}

/// Mostly a number an option accepts, at its edges too.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec![u64::MAX, u64::MAX - 1, 1 << 63, u32::MAX.into(), 1, 0])
            .prop_map(|n| n.to_string()),
        2 => (1u64..100_000).prop_map(|n| n.to_string()),
        1 => huge_number(),
    ]
}

fn spec() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "",
        "",
        "text:",
        "glob:",
        "glob:**/",
        "md_dir:",
        "file:",
        "git:",
        "git:diff",
        "git:diff --base=",
        "nope:",
        "./",
        "../",
        "/",
    ]);
    let range = prop_oneof![
        3 => Just(String::new()),
        1 => (huge_number(), huge_number()).prop_map(|(a, b)| format!("#L{a}-L{b}")),
        1 => huge_number().prop_map(|n| format!("#L{n}")),
        1 => (1u32..4, 1u32..6).prop_map(|(a, b)| format!("#L{a}-L{b}")),
    ];
    let known = prop::sample::select(vec![
        "a.txt",
        "src",
        "docs",
        "src/main.rs",
        "docs/guide.md",
        "*",
        "**/*",
        "nothing",
    ]);
    (
        scheme,
        prop_oneof![known.prop_map(str::to_owned), nasty_text(20)],
        range,
    )
        .prop_map(|(s, body, r)| format!("{s}{body}{r}"))
}

#[test]
fn random_source_specs_are_added_or_refused_cleanly() {
    let env = project();
    let mut runner = runner(120, 0x5EC5);
    runner
        .run(&spec(), |spec| {
            let run = run(&env, &["pack", "add", "p", &spec, "--max-files", "50"]);
            check(&format!("pack add p {spec:?}"), &run, &[0, 1, 2, 3, 4])
        })
        .unwrap_or_else(|e| panic!("{e}"));
    report("specs");
    env.ok(&["fsck"]);
}

#[test]
fn random_numeric_options_are_used_or_refused_cleanly() {
    let env = project();
    env.write("b.txt", "bravo\n");
    let mut runner = runner(60, 0x0B75);
    let spec = prop::sample::select(vec!["b.txt", "glob:**/*", "md_dir:docs", "a.txt#L1-L2"]);
    runner
        .run(
            &(spec, number(), number(), number(), number()),
            |(spec, bytes, files, priority, tokens)| {
                let args = [
                    "pack",
                    "add",
                    "p",
                    spec,
                    "--max-file-bytes",
                    &bytes,
                    "--max-files",
                    &files,
                    "--priority",
                    &priority,
                ];
                let added = run(&env, &args);
                check(&format!("{args:?}"), &added, &[0, 1, 2, 3])?;
                let rendered = run(&env, &["render", "p", "--tokens", &tokens, "-q"]);
                check(&format!("render --tokens {tokens:?}"), &rendered, &[0, 2])?;
                // Whatever was added is there whole, never cut short.
                if added.code == Some(0) {
                    let shown = run(&env, &["pack", "show", "p", "--json"]);
                    let doc: serde_json::Value = serde_json::from_slice(&shown.stdout)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let empty = doc["items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|i| i["bytes"] == 0);
                    prop_assert!(!empty, "an item was captured empty: {doc}");
                }
                // Start over, so every case adds for real.
                let removed = run(&env, &["pack", "remove", "p", spec]);
                check("pack remove", &removed, &[0, 3])
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    report("numeric options");
    env.ok(&["fsck"]);
}

#[test]
fn the_largest_budgets_add_up_without_overflow() {
    let env = Env::new();
    let max = u64::MAX.to_string();
    for pack in ["big1", "big2"] {
        env.ok(&["pack", "create", pack, "--tokens", &max]);
        env.ok(&["pack", "add", pack, &format!("text:in {pack}")]);
    }
    // Rendering both sums their budgets: it saturates at u64::MAX.
    let doc = env.ok(&["render", "big1", "big2", "--json"]).json();
    assert_eq!(doc["budget"].as_u64(), Some(u64::MAX), "{doc}");
    let id = env
        .ok(&["snapshot", "create", "big1", "big2", "--json"])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    env.ok(&["snapshot", "diff", &id, "big1"]);
    env.ok(&["snapshot", "show", &id]);
}

#[test]
fn random_pack_names_are_created_or_refused_cleanly() {
    let env = Env::new();
    let mut runner = runner(80, 0x9A3E);
    let name = prop_oneof![
        3 => nasty_text(12),
        1 => "[a-z][a-z0-9_.-]{0,10}",
        1 => Just(String::new()),
        1 => "[a-z]{200,300}",
    ];
    runner
        .run(&name, |name| {
            let created = run(&env, &["pack", "create", &name]);
            check(&format!("pack create {name:?}"), &created, &[0, 2, 4])?;
            if created.code == Some(0) {
                // A name that was taken can be used by every other command.
                let shown = run(&env, &["pack", "show", &name, "--json"]);
                check(&format!("pack show {name:?}"), &shown, &[0])?;
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    report("names");
    env.ok(&["fsck"]);
}

#[test]
fn random_at_values_are_used_or_refused_cleanly() {
    let env = project();
    let mut runner = runner(100, 0xA7A7);
    let value = prop_oneof![
        3 => (0u64..16).prop_map(|n| n.to_string()),
        2 => huge_number(),
        2 => prop::sample::select(vec![
            "2026-11-28",
            "2026-11-28T09:30Z",
            "90m",
            "7d",
            "2w",
            "0s",
            "9223372036854775807w",
            "99999999999999-01-01",
            "9223372036854775807-12-31T23:59:60Z",
        ])
        .prop_map(str::to_owned),
        1 => (any::<i64>(), 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        1 => nasty_text(8),
    ];
    let command = prop::sample::select(vec![0usize, 1, 2, 3]);
    runner
        .run(&(value, command), |(at, which)| {
            let args: Vec<&str> = match which {
                0 => vec!["render", "p", "--at", &at],
                1 => vec!["pack", "show", "p", "--at", &at],
                2 => vec!["log", "--since", &at],
                _ => vec!["snapshot", "create", "p", "--at", &at, "--frozen"],
            };
            let run = run(&env, &args);
            check(&format!("{args:?}"), &run, &[0, 2, 3])
        })
        .unwrap_or_else(|e| panic!("{e}"));
    report("at values");
    env.ok(&["fsck"]);
}

/// Ways to damage a valid bundle. `reseal` recomputes the checksum, so the
/// damage reaches the decoder and the import instead of stopping at the
/// checksum.
#[derive(Clone, Debug)]
enum Damage {
    Flip {
        at: usize,
        xor: u8,
        reseal: bool,
    },
    Truncate {
        keep: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
        reseal: bool,
    },
    Random(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => (any::<usize>(), 1u8..=255, any::<bool>())
            .prop_map(|(at, xor, reseal)| Damage::Flip { at, xor, reseal }),
        1 => any::<usize>().prop_map(|keep| Damage::Truncate { keep }),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16), any::<bool>())
            .prop_map(|(at, bytes, reseal)| Damage::Insert { at, bytes, reseal }),
        1 => proptest::collection::vec(any::<u8>(), 0..256).prop_map(Damage::Random),
    ]
}

fn apply(good: &[u8], damage: &Damage) -> Vec<u8> {
    let reseal = |mut body: Vec<u8>| {
        body.truncate(body.len().saturating_sub(32));
        let sum = blake3::hash(&body);
        body.extend_from_slice(sum.as_bytes());
        body
    };
    match damage {
        Damage::Flip { at, xor, reseal: r } => {
            let mut bytes = good.to_vec();
            // Past the magic and version, so a resealed flip reaches the body.
            let at = if *r {
                12 + at % (good.len() - 44)
            } else {
                at % good.len()
            };
            bytes[at] ^= xor;
            if *r { reseal(bytes) } else { bytes }
        }
        Damage::Truncate { keep } => good[..keep % good.len()].to_vec(),
        Damage::Insert {
            at,
            bytes: extra,
            reseal: r,
        } => {
            let mut bytes = good.to_vec();
            let at = 12 + at % (good.len() - 44);
            bytes.splice(at..at, extra.iter().copied());
            if *r { reseal(bytes) } else { bytes }
        }
        Damage::Random(bytes) => bytes.clone(),
    }
}

#[test]
fn damaged_and_random_bundles_are_refused_or_imported_cleanly() {
    let env = project();
    let good = std::fs::read(env.path("good.ctx")).expect("bundle");
    let mut runner = runner(100, 0xB0D1);
    let imported = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&damage(), |damage| {
            let bytes = apply(&good, &damage);
            std::fs::write(env.path("in.ctx"), &bytes).expect("write");
            let before = std::fs::read(env.home.path().join("ctx.redb")).expect("store");
            let run = run(&env, &["snapshot", "import", "in.ctx", "--json"]);
            check(&format!("import {damage:?}"), &run, &[0, 1, 6])?;
            if matches!(run.code, Some(1 | 6)) {
                prop_assert_eq!(
                    std::fs::read(env.home.path().join("ctx.redb")).expect("store"),
                    before,
                    "a refused import changed the store"
                );
                return Ok(());
            }
            // What was accepted is used by every snapshot command.
            let doc: serde_json::Value = serde_json::from_slice(&run.stdout)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let Some(id) = doc["id"].as_str() else {
                return Ok(()); // nothing changed: the same snapshot is there
            };
            imported.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for args in [
                &["snapshot", "list"][..],
                &["snapshot", "show", id],
                &["snapshot", "render", id],
                &["snapshot", "diff", id, id],
                &["snapshot", "export", id, "again.ctx"],
                &["log", "-n", "3"],
                &["fsck"],
            ] {
                let used = self::run(&env, args);
                check(&format!("{args:?} after import {damage:?}"), &used, &[0])?;
            }
            let delete = self::run(&env, &["snapshot", "delete", id]);
            check("delete", &delete, &[0])
        })
        .unwrap_or_else(|e| panic!("{e}"));
    report("bundles");
    eprintln!(
        "bundles: {} damaged bundles were still valid and imported",
        imported.into_inner()
    );
}

/// Words an argument vector is built from: every subcommand and flag, and
/// hostile values.
fn word() -> impl Strategy<Value = OsString> {
    let words = vec![
        "pack",
        "create",
        "list",
        "show",
        "add",
        "remove",
        "delete",
        "rename",
        "set",
        "render",
        "snapshot",
        "diff",
        "export",
        "import",
        "log",
        "fsck",
        "gc",
        "undo",
        "p",
        "q",
        "a.txt",
        "text:x",
        "glob:**/*",
        "md_dir:docs",
        "good.ctx",
        "--json",
        "--tokens",
        "--format",
        "json",
        "xml",
        "--at",
        "--since",
        "--until",
        "--kind",
        "-n",
        "--limit",
        "--frozen",
        "--strict",
        "--repair",
        "--dry-run",
        "--wait",
        "--home",
        "-o",
        "--output",
        "--priority",
        "--exclude",
        "--max-file-bytes",
        "--max-files",
        "--root",
        "--tokenizer",
        "--payload",
        "--no-redact",
        "--label",
        "-q",
        "--help",
        "--version",
        "-",
        "--",
        "",
    ];
    prop_oneof![
        6 => prop::sample::select(words).prop_map(OsString::from),
        2 => huge_number().prop_map(OsString::from),
        2 => nasty_text(10).prop_map(OsString::from),
        1 => proptest::collection::vec(1u8..=255, 1..12).prop_map(OsString::from_vec),
    ]
}

/// The start of a real command, so most vectors get past the parser.
fn command() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "pack",
        "pack list",
        "pack show p",
        "pack add p",
        "pack remove p",
        "pack set p",
        "pack create",
        "pack rename p",
        "pack delete",
        "render p",
        "render",
        "snapshot list",
        "snapshot create p",
        "snapshot show",
        "snapshot render",
        "snapshot diff",
        "snapshot delete",
        "snapshot import",
        "log",
        "log p",
        "fsck",
        "gc",
        "undo",
    ])
}

#[test]
fn random_argument_vectors_never_panic() {
    let env = project();
    let mut runner = runner(250, 0xA11A);
    runner
        .run(
            &(command(), proptest::collection::vec(word(), 0..5)),
            |(command, rest)| {
                let args: Vec<OsString> = command
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(OsString::from)
                    .chain(rest)
                    .collect();
                // Never let a random path be written outside the test folders:
                // the writing commands have their own cases.
                if args.iter().any(|a| {
                    ["--home", "-o", "--output", "--root", "export"]
                        .iter()
                        .any(|w| a == w)
                }) {
                    return Ok(());
                }
                let run = run_os(&env, &args);
                check(&format!("{args:?}"), &run, &[0, 1, 2, 3, 4, 6])
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    report("argument vectors");
    env.ok(&["fsck"]);
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[test]
fn symlink_loops_and_fifos_in_collections_are_skipped_without_hanging() {
    let env = Env::new();
    env.write("docs/guide.md", "# Guide\n");
    env.write("src/main.rs", "fn main() {}\n");
    let link = |target: &str, at: &str| {
        std::os::unix::fs::symlink(target, env.path(at)).expect("symlink");
    };
    link(".", "docs/self");
    link("..", "docs/up.md");
    link("b.md", "docs/a.md");
    link("a.md", "docs/b.md");
    link("loop.md", "docs/loop.md");
    link("../src", "docs/src.md");
    mkfifo(&env.path("docs/pipe.md"));
    mkfifo(&env.path("src/pipe.rs"));
    env.ok(&["pack", "create", "p"]);
    for spec in ["glob:**/*", "md_dir:docs", "glob:docs/**/*.md"] {
        let mut args = vec!["pack", "add", "p", spec, "--json"];
        if spec.starts_with("md_dir") {
            args.push("--recursive");
        }
        let run = run(&env, &args);
        assert_eq!(run.code, Some(0), "{spec}: {}", run.describe());
        let added: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json");
        let files = crate::common::paths(&added["files"]);
        assert!(files.contains(&"docs/guide.md"), "{spec}: {files:?}");
        assert!(
            files
                .iter()
                .all(|f| !f.contains("pipe") && !f.contains("self/")),
            "{spec}: {files:?}"
        );
        let skipped = added["skipped"].to_string();
        for unreadable in ["docs/a.md", "docs/b.md", "docs/loop.md", "docs/pipe.md"] {
            assert!(skipped.contains(unreadable), "{spec}: {skipped}");
        }
    }
    // A render walks the same tree again.
    let render = run(&env, &["render", "p"]);
    assert_eq!(render.code, Some(0), "{}", render.describe());
    // A FIFO named directly is refused at once.
    let fifo = run(&env, &["pack", "add", "p", "docs/pipe.md"]);
    assert_eq!(fifo.code, Some(1), "{}", fifo.describe());
    assert!(
        fifo.stderr.contains("not a regular file"),
        "{}",
        fifo.stderr
    );
    env.ok(&["fsck"]);
}

/// Runs `work` while another thread keeps changing the project.
fn while_changing(change: impl Fn(u64) + Send + Sync, work: impl FnOnce()) {
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                change(i);
                i += 1;
            }
        });
        work();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

#[test]
fn a_growing_file_is_read_or_refused_without_hanging() {
    let env = Env::new();
    env.write("grow.txt", "start\n");
    env.ok(&["pack", "create", "p"]);
    let path = env.path("grow.txt");
    let line = "more text, more text, more text\n".repeat(64);
    while_changing(
        |i| {
            use std::io::Write as _;
            // Start over now and then, so the file stays small.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .truncate(false)
                .open(&path)
                .expect("open");
            if i % 200 == 0 {
                file.set_len(0).expect("truncate");
            }
            file.write_all(line.as_bytes()).expect("append");
        },
        || {
            for _ in 0..5 * soak() {
                for spec in ["grow.txt", "glob:*.txt", "grow.txt#L1-L2"] {
                    let run = run(
                        &env,
                        &["pack", "add", "p", spec, "--max-file-bytes", "200000"],
                    );
                    // Too large, or a range past a (just truncated) end.
                    assert!(run.is_clean(), "{spec}: {}", run.describe());
                    assert!(
                        matches!(run.code, Some(0 | 1 | 3)),
                        "{spec}: {}",
                        run.describe()
                    );
                }
                // A range past a just-truncated end is left out as
                // gone, which `--strict` reports with exit code 3.
                let render = run(&env, &["render", "p", "--strict"]);
                assert!(
                    render.is_clean() && matches!(render.code, Some(0 | 3)),
                    "{}",
                    render.describe()
                );
            }
        },
    );
    env.ok(&["fsck"]);
}

#[test]
fn files_vanishing_during_a_walk_are_skipped_or_reported() {
    let env = Env::new();
    env.write("v/keep.txt", "kept\n");
    env.ok(&["pack", "create", "p"]);
    let dir = env.path("v");
    while_changing(
        |i| {
            let path = dir.join(format!("f{}.txt", i % 40));
            if i % 2 == 0 {
                let _ = std::fs::write(&path, "now you see me\n");
            } else {
                let _ = std::fs::remove_file(dir.join(format!("f{}.txt", (i + 17) % 40)));
            }
        },
        || {
            for _ in 0..5 * soak() {
                for args in [
                    &["pack", "add", "p", "glob:v/*.txt", "--json"][..],
                    &["pack", "add", "p", "v/f3.txt"],
                    &["render", "p"],
                    &["render", "p", "--strict", "--json"],
                ] {
                    let run = run(&env, args);
                    assert!(run.is_clean(), "{args:?}: {}", run.describe());
                    assert!(
                        matches!(run.code, Some(0 | 3)),
                        "{args:?}: {}",
                        run.describe()
                    );
                }
            }
        },
    );
    env.ok(&["fsck"]);
}

/// A bundle that is whole (checksum, blob hashes and payload hash all
/// match, its sizes and token counts agree with its content) but whose
/// manifest holds what no ctx would write: extreme numbers where nothing
/// checks them, control characters, paths out of the root, and a foreign
/// pack id.
fn crafted_bundle(text: &str) -> Vec<u8> {
    let (manifest, body) = crafted_manifest(text);
    ctx_store::bundle::encode(&manifest, &[(manifest.items[0].body, body)])
}

/// The manifest of [`crafted_bundle`] and its one body.
fn crafted_manifest(text: &str) -> (ctx_model::Manifest, Vec<u8>) {
    use ctx_model::{
        ArtifactId, BlobHash, ExclusionReason, Format, ItemOrigin, Manifest, PackId, PackName,
        PackRef, SnapshotExclusion, SnapshotItem, TokenizerKind,
    };
    let body = format!("{text}\n").into_bytes();
    let hash = BlobHash::of(&body);
    let (preamble, head, trailer) = (format!("{text}<"), format!("\u{1b}[2J{text}"), ">");
    let pieces = [
        preamble.as_bytes(),
        head.as_bytes(),
        &body,
        trailer.as_bytes(),
    ];
    let payload = ctx_model::payload_hash(pieces);
    let payload_bytes = pieces.iter().map(|p| p.len() as u64).sum();
    let manifest = Manifest {
        packs: vec![PackRef {
            id: PackId(u64::MAX),
            name: PackName::new("p").expect("name"),
        }],
        label: Some(format!("{text}\nsecond line\u{1b}[31m")),
        // The format and reasons are typed: a name no ctx knows does not
        // decode (see `ctx_model::format`), so only the free text is hostile.
        format: Format::Json,
        tokenizer: TokenizerKind::Cl100k,
        budget: u64::MAX,
        tokens: 1,
        render_hash: hash,
        payload_hash: payload,
        payload_bytes,
        preamble,
        trailer: trailer.into(),
        items: vec![SnapshotItem {
            origin: ItemOrigin {
                pack: format!("{text}\npack"),
                artifact: ArtifactId(u64::MAX),
                source: format!("../../{text}"),
                path: Some(format!("/etc/{text}")),
                lines: Some((u32::MAX, 0)),
            },
            head,
            body: hash,
            tokens: 1,
            form: ctx_model::BodyForm::Whole,
        }],
        excluded: vec![SnapshotExclusion {
            origin: ItemOrigin {
                pack: String::new(),
                artifact: ArtifactId(0),
                source: text.to_owned(),
                path: None,
                lines: Some((0, u32::MAX)),
            },
            reason: ExclusionReason::Missing,
            tokens: Some(u64::MAX),
        }],
        split: None,
    };
    (manifest, body)
}

/// `manifest` split into one part that is its whole payload.
fn split_whole(manifest: &mut ctx_model::Manifest) {
    use ctx_model::{PartBody, PartEntry, SnapshotSplit, SplitPart};
    manifest.split = Some(SnapshotSplit {
        max_tokens: manifest.tokens,
        pieces: Vec::new(),
        parts: vec![SplitPart {
            preamble: manifest.preamble.clone(),
            entries: vec![PartEntry {
                head: manifest.items[0].head.clone(),
                body: PartBody::Item(0),
            }],
            trailer: manifest.trailer.clone(),
            tokens: manifest.tokens,
            payload_hash: manifest.payload_hash,
            payload_bytes: manifest.payload_bytes,
        }],
    });
}

/// A bundle whose split does not reassemble to the parts it claims (a
/// part of another size, an entry or piece naming no item, more tokens
/// than a part holds, a piece no part shows or with another origin than
/// its item's) is refused whole at import; a true one imports.
#[test]
fn a_bundle_whose_split_disagrees_with_its_content_is_refused() {
    use ctx_model::{PartBody, SplitPiece};
    let env = project();
    let before = env.event_count();
    let wrong: [fn(&mut ctx_model::SnapshotSplit, &ctx_model::SnapshotItem); 6] = [
        |s, _| s.parts[0].payload_bytes += 1,
        |s, _| s.parts[0].entries[0].body = PartBody::Item(9),
        |s, item| {
            s.pieces.push(SplitPiece {
                item: 9,
                kept: item.clone(),
            });
            s.parts[0].entries[0].body = PartBody::Piece(0);
        },
        |s, _| s.parts[0].tokens = s.max_tokens + 1,
        // A piece no part shows: it would break every later reproduce.
        |s, item| {
            s.pieces.push(SplitPiece {
                item: 0,
                kept: item.clone(),
            })
        },
        // A piece with a forged origin, which purge would not find.
        |s, item| {
            let mut kept = item.clone();
            kept.origin.path = Some("elsewhere".into());
            s.pieces.push(SplitPiece { item: 0, kept });
            s.parts[0].entries[0].body = PartBody::Piece(0);
        },
    ];
    for (i, wrong) in wrong.into_iter().enumerate() {
        let (mut manifest, body) = crafted_manifest("split");
        split_whole(&mut manifest);
        let item = manifest.items[0].clone();
        wrong(manifest.split.as_mut().expect("split"), &item);
        let bundle = ctx_store::bundle::encode(&manifest, &[(manifest.items[0].body, body)]);
        let name = format!("split{i}.ctx");
        std::fs::write(env.path(&name), bundle).expect("write");
        let run = run(&env, &["snapshot", "import", &name]);
        assert!(run.is_clean(), "{}", run.describe());
        assert_eq!(run.code, Some(6), "split {i}: {}", run.describe());
        assert!(run.stderr.contains("split"), "{}", run.stderr);
    }
    assert_eq!(env.event_count(), before);
    let (mut manifest, body) = crafted_manifest("split");
    split_whole(&mut manifest);
    let bundle = ctx_store::bundle::encode(&manifest, &[(manifest.items[0].body, body)]);
    std::fs::write(env.path("split.ctx"), bundle).expect("write");
    let run = run(&env, &["snapshot", "import", "split.ctx"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
}

/// A whole bundle whose manifest claims what its content does not hold
/// (a payload of another size, more tokens than bytes, a total over its
/// budget) is refused whole at import, before anything is written.
#[test]
fn a_bundle_whose_claims_disagree_with_its_content_is_refused() {
    let env = project();
    let before = env.event_count();
    let wrong: [fn(&mut ctx_model::Manifest); 4] = [
        |m| m.payload_bytes = u64::MAX,
        |m| m.tokens = u64::MAX,
        |m| m.items[0].tokens = 1 << 40,
        |m| m.budget = 0,
    ];
    for (i, wrong) in wrong.into_iter().enumerate() {
        let (mut manifest, body) = crafted_manifest("claims");
        wrong(&mut manifest);
        let bundle = ctx_store::bundle::encode(&manifest, &[(manifest.items[0].body, body)]);
        let name = format!("claims{i}.ctx");
        std::fs::write(env.path(&name), bundle).expect("write");
        let run = run(&env, &["snapshot", "import", &name]);
        assert!(run.is_clean(), "{}", run.describe());
        assert_eq!(run.code, Some(6), "claim {i}: {}", run.describe());
        assert!(run.stderr.contains("it is damaged"), "{}", run.stderr);
    }
    assert_eq!(env.event_count(), before);
}

/// 2,000 items naming one 4 MiB body: a 4 MiB bundle whose payload is 8 GB.
/// It used to import in a second and then make `snapshot render` ask for
/// 8 GB; it is refused at import, quickly, as over the payload limit.
#[test]
fn a_bundle_whose_payload_would_exhaust_memory_is_refused() {
    use ctx_model::{BlobHash, BodyForm, Escape, Frame, SnapshotItem};
    let env = project();
    let (mut manifest, _) = crafted_manifest("bomb");
    let body = vec![b'x'; 4 << 20];
    let hash = BlobHash::of(&body);
    let item = SnapshotItem {
        body: hash,
        head: String::new(),
        ..manifest.items[0].clone()
    };
    // Whole, and as content that a frame escapes into five times its size.
    let framed = SnapshotItem {
        body: BlobHash([7; 32]),
        form: BodyForm::Framed(Frame {
            open: String::new(),
            content: hash,
            escape: Escape::Xml,
            close: String::new(),
            bytes: 5 * body.len() as u64,
        }),
        ..item.clone()
    };
    for (name, item) in [("bomb.ctx", item), ("framed-bomb.ctx", framed)] {
        let each = match &item.form {
            BodyForm::Framed(frame) => frame.bytes,
            BodyForm::Whole => body.len() as u64,
        };
        manifest.items = vec![item; 2_000];
        manifest.payload_bytes =
            (manifest.preamble.len() + manifest.trailer.len()) as u64 + 2_000 * each;
        let bundle = ctx_store::bundle::encode(&manifest, &[(hash, body.clone())]);
        assert!(bundle.len() < 5 << 20);
        std::fs::write(env.path(name), bundle).expect("write");
        let started = std::time::Instant::now();
        let run = run(&env, &["snapshot", "import", name]);
        assert!(run.is_clean(), "{name}: {}", run.describe());
        assert_eq!(run.code, Some(6), "{name}: {}", run.describe());
        assert!(
            run.stderr.contains("over the limit"),
            "{name}: {}",
            run.stderr
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}

/// Import reads regular files only: `/dev/zero` would be read until memory
/// runs out, and a FIFO would be waited on for ever.
#[test]
fn a_bundle_that_is_no_regular_file_is_refused_without_blocking() {
    let env = project();
    let fifo = env.path("fifo.ctx");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    for file in ["/dev/zero", fifo.to_str().expect("utf-8")] {
        let run = run(&env, &["snapshot", "import", file]);
        assert!(run.is_clean(), "{file}: {}", run.describe());
        assert_eq!(run.code, Some(1), "{file}: {}", run.describe());
        assert!(
            run.stderr.contains("is not a regular file"),
            "{file}: {}",
            run.stderr
        );
    }
}

/// Manifests are typed: a whole bundle (checksum and hashes match) whose
/// manifest names a format no ctx knows is refused at import, whole, and
/// the store is left as it was.
#[test]
fn a_bundle_naming_an_unknown_format_is_refused_whole() {
    let env = project();
    let mut bytes = crafted_bundle("plain");
    // The format is stored by its name, after its length.
    let at = bytes
        .windows(5)
        .position(|w| w == b"\x04json")
        .expect("the format in the manifest");
    bytes[at + 1..at + 5].copy_from_slice(b"html");
    bytes.truncate(bytes.len() - 32);
    let sum = blake3::hash(&bytes);
    bytes.extend_from_slice(sum.as_bytes());
    std::fs::write(env.path("foreign.ctx"), bytes).expect("write");
    let before = env.event_count();
    let run = env.run(&["snapshot", "import", "foreign.ctx"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot import `foreign.ctx`: it is damaged")
            && run.stderr.contains("hint: nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(env.event_count(), before);
    env.ok(&["fsck"]);
}

#[test]
fn a_whole_bundle_with_a_hostile_manifest_is_shown_and_used_cleanly() {
    let env = project();
    let mut ids = Vec::new();
    for (i, text) in ["max", "half\u{7f}", "", "\u{202e}rtl\r"]
        .into_iter()
        .enumerate()
    {
        let name = format!("crafted{i}.ctx");
        std::fs::write(env.path(&name), crafted_bundle(text)).expect("write");
        let run = run(&env, &["snapshot", "import", &name, "--json"]);
        assert_eq!(run.code, Some(0), "{}", run.describe());
        let doc: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json");
        ids.push(doc["id"].as_str().expect("id").to_owned());
    }
    let mut runs = 0;
    for id in &ids {
        for args in [
            &["snapshot", "list"][..],
            &["snapshot", "list", "--json"],
            &["snapshot", "show", id],
            &["snapshot", "show", id, "--json"],
            &["snapshot", "render", id],
            &["snapshot", "render", id, "--json"],
            &["snapshot", "diff", id, "p"],
            &["snapshot", "diff", "p", id],
            &["snapshot", "diff", id, &ids[0], "--json"],
            &["snapshot", "diff", &ids[1], id],
            &["snapshot", "export", id, "again.ctx"],
            &["log", "-n", "2"],
            &["log", "--json", "-n", "2"],
            &["fsck"],
            &["gc"],
        ] {
            let out = run(&env, args);
            runs += 1;
            assert!(
                out.is_clean() && out.code == Some(0),
                "{args:?}: {}",
                out.describe()
            );
            // Listings keep one entry per line and never pass a terminal
            // escape through; a payload is written as it is, and JSON
            // escapes what it must.
            let stdout = String::from_utf8_lossy(&out.stdout);
            let raw = args.get(1) == Some(&"render") || args.contains(&"--json");
            for (stream, text) in [("stdout", &*stdout), ("stderr", &out.stderr)] {
                if stream == "stdout" && raw {
                    continue;
                }
                assert!(
                    !text.chars().any(|c| c.is_control() && c != '\n'),
                    "{args:?} {stream} holds a control character: {text:?}"
                );
            }
        }
    }
    eprintln!("crafted bundles: {} imported, {runs} runs", ids.len());
}

#[test]
fn a_note_with_a_newline_and_an_escape_stays_on_its_lines() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "text:first \u{1b}[31mred\nsecond"]);
    // The log's line shows the note's first line, its escape escaped.
    let log = env.ok(&["log"]);
    assert_eq!(log.stdout.lines().count(), 2, "{}", log.stdout);
    assert!(
        log.stdout.contains("text:first \\u{1b}[31mred…"),
        "{}",
        log.stdout
    );
    let show = env.ok(&["pack", "show", "p"]);
    assert!(!show.stdout.contains('\u{1b}'), "{}", show.stdout);
    // The header, what a render costs, the table's head and its one row.
    assert_eq!(show.stdout.lines().count(), 4, "{}", show.stdout);
}

/// A file whose name reads as a line range (`b#L3`) can be added, through
/// the `file:` form's escape, and shows and removes by that spec.
#[test]
fn a_file_named_like_a_line_range_is_added_through_its_escape() {
    let env = Env::new();
    env.write("b", "one\ntwo\nthree\n");
    env.write("b#L3", "the file named b#L3\n");
    env.ok(&["pack", "create", "p"]);
    let range = env.ok(&["pack", "add", "p", "b#L3", "--json"]).json();
    assert_eq!(range["spec"], "b#L3");
    assert_eq!(range["bytes"], 6, "line 3 of `b`");
    let file = env
        .ok(&["pack", "add", "p", "file:b%23L3", "--json"])
        .json();
    assert_eq!(file["spec"], "file:b%23L3");
    let rendered = env.ok(&["render", "p"]).stdout;
    assert!(rendered.contains("the file named b#L3"), "{rendered}");
    env.ok(&["pack", "remove", "p", "file:b%23L3"]);
    let shown = env.ok(&["pack", "show", "p"]).stdout;
    assert!(!shown.contains("%23"), "{shown}");
    env.ok(&["fsck"]);
}
