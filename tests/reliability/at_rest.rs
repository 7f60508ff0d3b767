//! Cases 11.12, 11.13 and part of 11.9: the store at rest. A home folder
//! and database ctx creates are its user's alone (0700 and 0600), while
//! ones that exist keep their modes. A store a crash left needing recovery,
//! which ctx may not write, still serves every read from its last
//! committed state, refuses writes saying why and how to recover a copy,
//! and is left byte for byte as it was. Anything but a regular file at the
//! database path (a FIFO, a folder, a device) is refused at once, without
//! blocking.

use std::path::Path;
use std::time::Duration;

use crate::child;
use crate::common::{Env, Run};
use crate::disk_full::Tmpfs;
use crate::support::{chmod, is_root, mode, run_bounded};

#[test]
fn a_new_home_and_database_are_private() {
    let env = Env::new();
    let home = env.home.path().join("nested/home");
    let mut cmd = env.command(&["pack", "create", "p"]);
    cmd.env("CTX_HOME", &home);
    let run = child::run_cmd(&env, cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&home), 0o700, "the new home folder");
    assert_eq!(mode(&home.join("ctx.redb")), 0o600, "the new database");

    // A home that exists keeps its mode; the database ctx creates in it is
    // still private.
    let open = env.home.path().join("open");
    std::fs::create_dir(&open).expect("mkdir");
    chmod(&open, 0o755);
    let mut cmd = env.command(&["pack", "create", "q"]);
    cmd.env("CTX_HOME", &open);
    assert_eq!(child::run_cmd(&env, cmd).code, 0);
    assert_eq!(mode(&open), 0o755);
    assert_eq!(mode(&open.join("ctx.redb")), 0o600);

    // A database that exists keeps its mode through writes, gc and repair.
    let db = home.join("ctx.redb");
    chmod(&db, 0o640);
    env.write("a.txt", "alpha\n");
    for args in [
        &["pack", "add", "p", "a.txt"][..],
        &["snapshot", "create", "p"],
        &["gc"],
        &["fsck", "--repair"],
    ] {
        let mut cmd = env.command(args);
        cmd.env("CTX_HOME", &home);
        let run = child::run_cmd(&env, cmd);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(mode(&db), 0o640, "after {args:?}");
    }
    assert_eq!(mode(&home), 0o700);
}

/// Commands that only read, and what they must print on a recovered store.
const READS: [&[&str]; 5] = [
    &["log"],
    &["pack", "list"],
    &["pack", "show", "p"],
    &["render", "p"],
    &["fsck"],
];

/// Commands that write, each refused on a store that needs recovery.
const WRITES: [&[&str]; 5] = [
    &["pack", "add", "p", "b.txt"],
    &["pack", "create", "q"],
    &["snapshot", "create", "p"],
    &["gc"],
    &["fsck", "--repair"],
];

/// A store with a pack and a snapshot, and what the reads print on it.
fn store() -> (Env, Vec<String>, String, String) {
    let env = Env::new();
    chmod(env.project.path(), 0o755);
    env.write("a.txt", "alpha\n");
    env.write("b.txt", "beta\n");
    for path in ["a.txt", "b.txt"] {
        chmod(&env.path(path), 0o644);
    }
    child::ok(&env, &["pack", "create", "p"]);
    child::ok(&env, &["pack", "add", "p", "a.txt"]);
    let created = child::ok(&env, &["snapshot", "create", "p", "--json"]).json();
    let id = created["id"].as_str().expect("snapshot id").to_owned();
    let reads = READS
        .iter()
        .map(|args| child::ok(&env, args).stdout)
        .collect();
    let payload = child::ok(&env, &["snapshot", "render", &id]).stdout;
    (env, reads, id, payload)
}

/// Replaces the store with a copy of it as a crash would leave it: taken
/// while a ctx held it open for writing. Checks redb's header says it needs
/// recovery, so the case tests what it claims to.
fn crash(env: &Env) {
    let db = env.home.path().join("ctx.redb");
    let copy = env.home.path().join("crashed.redb");
    ctx_store::testing::copy_as_crashed(&db, &copy).expect("copy the store as a crash leaves it");
    std::fs::rename(&copy, &db).expect("rename");
    let header = std::fs::read(&db).expect("read the store");
    // Byte 9 is redb's "god byte"; its bit 1 says a writer did not close.
    assert!(header[9] & 2 != 0, "the copy does not need recovery");
}

/// Checks every read works on a store that needs recovery, every write is
/// refused saying recovery needs write access and how to recover a copy,
/// and the file is never changed.
fn served_but_not_written(
    env: &Env,
    reads: &[String],
    id: &str,
    payload: &str,
    run: impl Fn(&[&str]) -> Run,
) {
    let db = env.home.path().join("ctx.redb");
    let before = std::fs::read(&db).expect("read the store");
    for (args, expected) in READS.iter().zip(reads) {
        let out = run(args);
        assert_eq!(
            out.code, 0,
            "ctx {args:?} on a crashed read-only store:\n{}",
            out.stderr
        );
        assert_eq!(&out.stdout, expected, "ctx {args:?}");
        assert!(
            !out.stderr.contains("error:"),
            "ctx {args:?}: {}",
            out.stderr
        );
        assert_eq!(std::fs::read(&db).expect("read"), before, "ctx {args:?}");
    }
    let out = run(&["snapshot", "render", id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, payload);
    for args in WRITES {
        let out = run(args);
        assert_eq!(out.code, 1, "ctx {args:?}:\n{}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(
            lines.iter().any(|l| l.starts_with("error: ")
                && l.contains("[HOME]/ctx.redb")
                && l.contains("recovery")
                && l.contains("write access")),
            "ctx {args:?} does not say recovery needs write access:\n{}",
            out.stderr
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("hint: ") && l.contains("cp ") && l.contains("--home")),
            "ctx {args:?} does not say how to recover a copy:\n{}",
            out.stderr
        );
        assert_eq!(std::fs::read(&db).expect("read"), before, "ctx {args:?}");
    }
    // The hint works: a copy ctx may write is recovered by the next command.
    let copy = tempfile::tempdir().expect("temp home");
    std::fs::copy(&db, copy.path().join("ctx.redb")).expect("copy");
    let mut cmd = env.command(&["fsck"]);
    cmd.env("CTX_HOME", copy.path());
    let fsck = child::run_cmd(env, cmd);
    assert_eq!(fsck.code, 0, "{}", fsck.stderr);
    let mut cmd = env.command(&["log"]);
    cmd.env("CTX_HOME", copy.path());
    assert_eq!(child::run_cmd(env, cmd).stdout, reads[0]);
}

const NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];

#[test]
fn a_crashed_store_that_cannot_be_written_serves_reads() {
    let (env, reads, id, payload) = store();
    crash(&env);
    let db = env.home.path().join("ctx.redb");
    if is_root() {
        let ok = std::process::Command::new(NOBODY[0])
            .args(&NOBODY[1..])
            .arg("true")
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: cannot run as nobody with `setpriv` (needs root)");
            return;
        }
        // Root owns both: `nobody` may read them, not write them.
        chmod(env.home.path(), 0o755);
        chmod(&db, 0o644);
        served_but_not_written(&env, &reads, &id, &payload, |args| {
            child::run_cmd(&env, child::wrapped(&env, &NOBODY, args))
        });
    } else {
        chmod(&db, 0o444);
        chmod(env.home.path(), 0o555);
        served_but_not_written(&env, &reads, &id, &payload, |args| child::run(&env, args));
        chmod(env.home.path(), 0o755);
    }
}

#[test]
fn a_crashed_store_on_a_read_only_mount_serves_reads() {
    let env = Env::new();
    let tmpfs = match Tmpfs::mount(env.home.path(), "size=8m") {
        Ok(tmpfs) => tmpfs,
        Err(why) => {
            eprintln!("skipped: {why} (needs root and tmpfs)");
            return;
        }
    };
    env.write("a.txt", "alpha\n");
    env.write("b.txt", "beta\n");
    child::ok(&env, &["pack", "create", "p"]);
    child::ok(&env, &["pack", "add", "p", "a.txt"]);
    let created = child::ok(&env, &["snapshot", "create", "p", "--json"]).json();
    let id = created["id"].as_str().expect("snapshot id").to_owned();
    let reads: Vec<String> = READS
        .iter()
        .map(|args| child::ok(&env, args).stdout)
        .collect();
    let payload = child::ok(&env, &["snapshot", "render", &id]).stdout;
    crash(&env);
    tmpfs.remount("ro");
    served_but_not_written(&env, &reads, &id, &payload, |args| child::run(&env, args));
}

/// Commands that each open the store, reading or writing.
const ANY: [&[&str]; 7] = [
    &["pack", "list"],
    &["log"],
    &["pack", "create", "q"],
    &["render", "p"],
    &["snapshot", "list"],
    &["gc"],
    &["fsck"],
];

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[test]
fn a_database_path_that_is_not_a_file_is_refused_at_once() {
    let env = Env::new();
    let db = env.home.path().join("ctx.redb");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let fifo = elsewhere.path().join("fifo");
    mkfifo(&fifo);
    let make = |what: &str| match what {
        "a FIFO" => mkfifo(&db),
        "a link to a FIFO" => std::os::unix::fs::symlink(&fifo, &db).expect("symlink"),
        "a folder" => std::fs::create_dir(&db).expect("mkdir"),
        _ => std::os::unix::fs::symlink("/dev/zero", &db).expect("symlink"),
    };
    for what in [
        "a FIFO",
        "a link to a FIFO",
        "a folder",
        "a link to a device",
    ] {
        make(what);
        for args in ANY {
            for wait in ["10", "0"] {
                let mut full = vec!["--wait", wait];
                full.extend_from_slice(args);
                let run = run_bounded(env.command(&full), Duration::from_secs(30));
                assert!(!run.timed_out, "{what}: ctx {full:?} hung");
                assert_eq!(
                    run.code,
                    Some(1),
                    "{what}: ctx {full:?}: {}",
                    run.describe()
                );
                assert!(
                    run.is_one_error_block(),
                    "{what}: ctx {full:?}: {}",
                    run.stderr
                );
                assert!(
                    run.stderr.contains("not a regular file") && run.stderr.contains("ctx.redb"),
                    "{what}: ctx {full:?}: {}",
                    run.stderr
                );
            }
        }
        if std::fs::symlink_metadata(&db).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir(&db).expect("rmdir");
        } else {
            std::fs::remove_file(&db).expect("rm");
        }
    }
}
