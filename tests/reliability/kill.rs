//! Case 1: ctx killed with SIGKILL at seeded moments while it writes.
//!
//! Each round starts one `pack add` (or `snapshot create`, or `gc`) on a
//! small store and kills it: half the time after a seeded delay spread over
//! the command's whole measured run, half the time a seeded moment after it
//! has opened the database for writing, so many kills land inside the write
//! transaction. The process is stopped (SIGSTOP) before the kill so the test
//! can see whether it held the database open for writing at that moment.
//!
//! After every kill: `ctx fsck` is clean; the log is the log before plus at
//! most the killed command's event, whole (right kind, right source); every
//! event of a command that exited 0 is present; nothing before is rewritten.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::child::{self, LIMIT};
use crate::common::Env;
use crate::support::{Rng, soak};

const SEED: u64 = 0x6b11_1000;
const KILLS: usize = 300;
/// Rounds on one store before a fresh one: keeps each fsck cheap.
const ROUNDS_PER_STORE: usize = 20;
/// Added files are this size, give or take: large enough that hashing,
/// counting and writing their chunks take a while in a debug build.
const MIN_FILE: usize = 64 * 1024;
const MAX_FILE: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Snapshot,
    Gc,
}

impl Op {
    /// The event kind the op appends, if any.
    fn kind(self) -> Option<&'static str> {
        match self {
            Op::Add => Some("artifact_added"),
            Op::Snapshot => Some("snapshot_created"),
            Op::Gc => None,
        }
    }
}

/// Where in the killed command the kill landed.
#[derive(Default, Debug)]
struct Tally {
    kills: usize,
    /// Exited 0 before the kill arrived.
    completed: usize,
    /// Killed without the database open for writing.
    outside_write: usize,
    /// Killed holding the database open for writing, before its commit.
    mid_write_lost: usize,
    /// Killed holding the database open for writing, after its commit.
    mid_write_kept: usize,
    fsck_checks: usize,
}

/// A store under test: a fresh home and project with one pack.
struct Round {
    env: Env,
    db: PathBuf,
    files: usize,
    /// Snapshot labels used, so each snapshot op writes.
    labels: usize,
    snapshots: Vec<String>,
    expected: Vec<serde_json::Value>,
}

impl Round {
    fn new() -> Self {
        let env = Env::new();
        child::ok(&env, &["pack", "create", "p", "--tokens", "2000000"]);
        let db = std::fs::canonicalize(env.home.path())
            .expect("canonical home")
            .join("ctx.redb");
        let expected = child::events(&env, "a fresh store");
        Self {
            env,
            db,
            files: 0,
            labels: 0,
            snapshots: Vec::new(),
            expected,
        }
    }

    /// Writes a new file of seeded text and returns its name.
    fn new_file(&mut self, rng: &mut Rng) -> String {
        const WORDS: [&str; 12] = [
            "alpha", "beta", "gamma", "delta", "fn", "let", "mut", "struct", "impl", "return",
            "0x1f", "// note",
        ];
        let size = MIN_FILE + rng.below((MAX_FILE - MIN_FILE) as u64) as usize;
        let mut text = String::with_capacity(size + 16);
        while text.len() < size {
            text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
            text.push(if rng.below(8) == 0 { '\n' } else { ' ' });
        }
        self.files += 1;
        let name = format!("f{}.txt", self.files);
        self.env.write(&name, text);
        name
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.env
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ctx")
    }

    /// The args of one op; an add gets a file no earlier round used.
    fn args(&mut self, op: Op, rng: &mut Rng) -> (Vec<String>, Option<String>) {
        match op {
            Op::Add => {
                let file = self.new_file(rng);
                (
                    vec!["pack".into(), "add".into(), "p".into(), file.clone()],
                    Some(file),
                )
            }
            // Snapshots are named by content: an unchanged render would be
            // found and nothing written, so each takes a label of its own
            // and always writes (a new snapshot, or the label as an event).
            Op::Snapshot => {
                self.labels += 1;
                (
                    vec![
                        "snapshot".into(),
                        "create".into(),
                        "p".into(),
                        "--label".into(),
                        format!("kill-{}", self.labels),
                    ],
                    None,
                )
            }
            Op::Gc => (vec!["gc".into()], None),
        }
    }

    /// Checks the log against what it must hold: the events before, then
    /// the new ones, each of an allowed kind (and source, for an add).
    fn check_log(
        &mut self,
        new: std::ops::RangeInclusive<usize>,
        kind: Option<&str>,
        file: Option<&str>,
        context: &str,
    ) {
        let events = child::events(&self.env, context);
        assert!(
            events.len() >= self.expected.len(),
            "{context}: the log lost events: had {}, now {}",
            self.expected.len(),
            events.len()
        );
        assert_eq!(
            &events[..self.expected.len()],
            &self.expected[..],
            "{context}: earlier events changed"
        );
        let added = &events[self.expected.len()..];
        assert!(
            new.contains(&added.len()),
            "{context}: expected {new:?} new events, found {}: {added:?}",
            added.len()
        );
        for event in added {
            // A render stored already takes the new label instead.
            let labelled =
                kind == Op::Snapshot.kind() && event["kind"].as_str() == Some("snapshot_labelled");
            if !labelled {
                assert_eq!(event["kind"].as_str(), kind, "{context}: {event}");
            }
            if let Some(file) = file {
                assert_eq!(event["spec"].as_str(), Some(file), "{context}: {event}");
            }
            if kind == Op::Snapshot.kind() && !labelled {
                let id = event["snapshot"].as_str().expect("snapshot id");
                self.snapshots.push(id.to_owned());
            }
        }
        self.expected = events;
    }
}

/// Whether `pid` holds `db` open for writing: reads its open files in
/// `/proc`. A process that has ended holds nothing.
fn holds_for_writing(pid: u32, db: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| target == db)
            && std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            })
            // O_ACCMODE: 1 write-only, 2 read-write.
            .is_some_and(|flags| flags & 3 != 0)
    })
}

/// How long each op runs to the end on this machine, measured on a
/// throw-away store: the kill delays are spread over these.
fn calibrate(rng: &mut Rng) -> [Duration; 3] {
    let mut round = Round::new();
    let mut took = [Duration::ZERO; 3];
    for _ in 0..2 {
        for (i, op) in [Op::Add, Op::Snapshot, Op::Gc].into_iter().enumerate() {
            let (args, _) = round.args(op, rng);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let start = Instant::now();
            child::ok(&round.env, &args);
            took[i] = took[i].max(start.elapsed());
        }
    }
    took
}

#[test]
fn killed_writes_leave_a_clean_store_and_whole_events() {
    let started = Instant::now();
    let mut rng = Rng::new(SEED);
    let took = calibrate(&mut rng);
    let kills = KILLS * soak();
    let mut tally = Tally::default();
    let mut round = Round::new();
    for i in 0..kills {
        if i > 0 && i % ROUNDS_PER_STORE == 0 {
            round = Round::new();
        }
        let op = match rng.below(10) {
            0..=6 => Op::Add,
            7 | 8 => Op::Snapshot,
            _ => Op::Gc,
        };
        // Give gc something to remove: a deleted snapshot's bodies.
        if op == Op::Gc && !round.snapshots.is_empty() {
            let id = round.snapshots.remove(0);
            child::ok(&round.env, &["snapshot", "delete", &id]);
            round.check_log(1..=1, Some("snapshot_deleted"), None, "a snapshot delete");
        }
        let (args, file) = round.args(op, &mut rng);
        let full = took[op as usize];
        let targeted = rng.below(2) == 0;
        let frac = rng.below(1000) as f64 / 1000.0;
        let mut child = round.spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let pid = child.id();
        let spawned = Instant::now();
        if targeted {
            // Wait for the write to begin, then a seeded part of a window.
            while !holds_for_writing(pid, &round.db)
                && child.try_wait().expect("try_wait").is_none()
                && spawned.elapsed() < LIMIT
            {
                std::thread::sleep(Duration::from_micros(100));
            }
            std::thread::sleep(Duration::from_micros((frac * 20_000.0) as u64));
        } else {
            std::thread::sleep(full.mul_f64(frac * 1.3));
        }
        child::signal(pid, "STOP");
        let writing = holds_for_writing(pid, &round.db);
        let _ = child.kill();
        let out = child::finish(child, LIMIT, "the killed ctx");
        let context = format!(
            "kill {i} (seed {SEED:#x}, {op:?} {args:?}, {} delay {frac:.3})",
            if targeted { "targeted" } else { "spread" }
        );
        tally.kills += 1;
        child::assert_fsck_clean(&round.env, &context);
        tally.fsck_checks += 1;
        let before = round.expected.len();
        let new = usize::from(op.kind().is_some());
        if out.status.success() {
            tally.completed += 1;
            round.check_log(new..=new, op.kind(), file.as_deref(), &context);
        } else {
            use std::os::unix::process::ExitStatusExt as _;
            assert_eq!(
                out.status.signal(),
                Some(9),
                "{context}: ctx failed on its own:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            round.check_log(0..=new, op.kind(), file.as_deref(), &context);
            match (writing, round.expected.len() > before) {
                (false, _) => tally.outside_write += 1,
                (true, false) => tally.mid_write_lost += 1,
                (true, true) => tally.mid_write_kept += 1,
            }
        }
    }
    let mid = tally.mid_write_lost + tally.mid_write_kept;
    eprintln!(
        "kill: {tally:?}; {mid} of {} kills landed mid-write; op times {took:?}; took {:?}",
        tally.kills,
        started.elapsed()
    );
    // The case is only worth its time if kills do land inside writes. Since
    // snapshots are named by content, a snapshot op's write is short (its
    // blobs are mostly stored already), and 29-33 of 300 kills land inside
    // one on this machine: a fifteenth keeps the check from failing on a
    // slow run while still proving kills reach the writes.
    assert!(
        mid >= kills / 15,
        "only {mid} of {kills} kills landed while ctx held the database for writing: {tally:?}"
    );
}

/// Kills of the very first command, while it creates the database file.
const CREATE_KILLS: usize = 60;

/// A ctx killed while it creates the store (redb writes its header, ctx
/// its tables) must leave a file that every later command, reading or
/// writing, takes as a store: empty, or holding the one event.
#[test]
fn killed_store_creation_leaves_a_usable_store() {
    let mut rng = Rng::new(SEED ^ 0xc4ea7e);
    let mut unfinished = 0;
    for i in 0..CREATE_KILLS * soak() {
        let env = Env::new();
        let db = env.home.path().join("ctx.redb");
        let mut child = env
            .command(&["pack", "create", "p"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ctx");
        let spawned = Instant::now();
        while !db.exists()
            && child.try_wait().expect("try_wait").is_none()
            && spawned.elapsed() < LIMIT
        {
            std::thread::sleep(Duration::from_micros(100));
        }
        std::thread::sleep(Duration::from_micros(rng.below(8_000)));
        child::signal(child.id(), "STOP");
        let _ = child.kill();
        let out = child::finish(child, LIMIT, "the killed ctx");
        let context = format!("creation kill {i} (seed {SEED:#x})");
        if !out.status.success() && db.exists() {
            unfinished += 1;
        }
        // A command that only reads first: it must not trip on the file.
        let events = child::events(&env, &context);
        assert!(events.len() <= 1, "{context}: {events:?}");
        child::assert_fsck_clean(&env, &context);
        let again = child::run(&env, &["pack", "create", "p"]);
        let expected = if events.is_empty() { 0 } else { 4 };
        assert_eq!(again.code, expected, "{context}: {}", again.stderr);
        assert_eq!(child::events(&env, &context).len(), 1, "{context}");
    }
    eprintln!("kill: {unfinished} kills of store creation left a file behind");
}
