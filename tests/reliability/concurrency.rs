//! Case 2: many processes on one store at once. Sixteen writers each add 25
//! files while a reader loops on `ctx log --json` and `ctx render`: every
//! writer's every add succeeds within the default wait, every read is
//! whole, the log ends gapless and fsck is clean. redb lets one process
//! hold the file at a time and the others retry with backoff, so this also
//! runs with every process pinned to one core (`taskset -c 0`), where a
//! holder that is descheduled keeps everyone else waiting.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::child;
use crate::common::Env;

const WRITERS: usize = 16;
const FILES: usize = 25;

/// `ctx args` in `env`, under `taskset -c 0` when `pinned`.
fn command(env: &Env, pinned: bool, args: &[&str]) -> Command {
    if pinned {
        child::wrapped(env, &["taskset", "-c", "0"], args)
    } else {
        env.command(args)
    }
}

/// What the reader saw while the writers ran.
#[derive(Debug, Default)]
struct Reads {
    logs: usize,
    renders: usize,
}

/// Loops on `log --json` and `render shared` until `done`, checking each
/// output is whole: the JSON parses and its seqs run down to 1 without a
/// gap; the render exits 0.
fn reader(env: &Env, pinned: bool, done: &AtomicBool) -> Reads {
    let mut reads = Reads::default();
    while !done.load(Ordering::Acquire) {
        let log = child::run_cmd(env, command(env, pinned, &["log", "--json"]));
        assert_eq!(log.code, 0, "`ctx log --json` failed: {}", log.stderr);
        let value: serde_json::Value = serde_json::from_str(&log.stdout).unwrap_or_else(|e| {
            panic!(
                "`ctx log --json` printed broken JSON ({e}):\n{}",
                log.stdout
            )
        });
        let seqs: Vec<u64> = value["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["seq"].as_u64().expect("seq"))
            .collect();
        let n = seqs.len() as u64;
        assert_eq!(seqs, (1..=n).rev().collect::<Vec<_>>(), "a read saw a gap");
        reads.logs += 1;
        let render = child::run_cmd(env, command(env, pinned, &["render", "shared"]));
        assert_eq!(
            render.code, 0,
            "`ctx render shared` failed: {}",
            render.stderr
        );
        reads.renders += 1;
    }
    reads
}

fn writers_and_a_reader(pinned: bool) {
    let started = Instant::now();
    // Pinned, the run is about scheduling and the lock; on a slow disk its
    // hundreds of fsyncs would only add minutes.
    let env = Arc::new(if pinned {
        child::in_memory()
    } else {
        Env::new()
    });
    for w in 0..WRITERS {
        for f in 0..FILES {
            env.write(&format!("w{w}/f{f}.txt"), format!("writer {w} file {f}\n"));
        }
    }
    child::ok(&env, &["pack", "create", "shared"]);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (env, done) = (Arc::clone(&env), Arc::clone(&done));
        std::thread::spawn(move || reader(&env, pinned, &done))
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let env = Arc::clone(&env);
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for f in 0..FILES {
                    let file = format!("w{w}/f{f}.txt");
                    let run = child::run_cmd(
                        &env,
                        command(&env, pinned, &["pack", "add", "shared", &file]),
                    );
                    match run.code {
                        0 => {}
                        5 => failures.push(format!(
                            "writer {w}: `pack add {file}` was still busy after the full wait: {}",
                            run.stderr.trim()
                        )),
                        code => failures.push(format!(
                            "writer {w}: `pack add {file}` exited {code}: {}",
                            run.stderr.trim()
                        )),
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer thread"))
        .collect();
    done.store(true, Ordering::Release);
    let reads = reader.join().expect("reader thread");
    assert!(
        failures.is_empty(),
        "{} adds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(reads.logs > 0 && reads.renders > 0, "{reads:?}");

    let show = child::ok(&env, &["pack", "show", "shared", "--json"]).json();
    assert_eq!(
        show["items"].as_array().expect("items").len(),
        WRITERS * FILES
    );
    let events = child::events(&env, "after the writers");
    assert_eq!(events.len(), WRITERS * FILES + 1);
    child::assert_fsck_clean(&env, "after the writers");
    eprintln!(
        "concurrency (pinned: {pinned}): {WRITERS} writers x {FILES} adds, {reads:?}, took {:?}",
        started.elapsed()
    );
}

#[test]
fn sixteen_writers_and_a_reader() {
    writers_and_a_reader(false);
}

#[test]
fn sixteen_writers_and_a_reader_on_one_core() {
    if Command::new("taskset")
        .args(["-c", "0", "true"])
        .status()
        .map_or(true, |s| !s.success())
    {
        eprintln!("skipped: `taskset -c 0` does not run here");
        return;
    }
    writers_and_a_reader(true);
}
