//! Case 4: a store ctx may not write. A home folder without write
//! permission, a read-only database file and a read-only mount: every
//! command that writes fails with one error naming the database and a hint,
//! and leaves the file byte for byte as it was; the commands that only read
//! (`log`, `pack list`, `render`) still work, as a user of a shared or
//! archived store expects. Root ignores file modes, so these cases run ctx
//! as `nobody` through `setpriv`; a read-only mount stops root too.

use crate::child;
use crate::common::{Env, Run};
use crate::disk_full::Tmpfs;
use crate::support::chmod;

const NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];

/// Commands that write, each of which must be refused.
const WRITES: [&[&str]; 6] = [
    &["pack", "add", "p", "b.txt"],
    &["pack", "create", "q"],
    &["pack", "set", "p", "--tokens", "99"],
    &["snapshot", "create", "p"],
    &["gc"],
    &["fsck", "--repair"],
];

/// Commands that only read: these must work on a store ctx cannot write.
const READS: [&[&str]; 4] = [
    &["log"],
    &["pack", "list"],
    &["render", "p"],
    &["gc", "--dry-run"],
];

/// Runs ctx as `nobody`.
fn as_nobody(env: &Env, args: &[&str]) -> Run {
    child::run_cmd(env, child::wrapped(env, &NOBODY, args))
}

/// Whether this machine can run a command as `nobody`; says why not.
fn can_drop_privileges() -> bool {
    let ok = std::process::Command::new(NOBODY[0])
        .args(&NOBODY[1..])
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot run as nobody with `setpriv` (needs root)");
    }
    ok
}

/// A store with one pack holding a file, its folders open to `nobody`,
/// and what the read commands print on it (run once first, so the render
/// cache is filled while the store is writable).
fn store() -> (Env, Vec<String>) {
    let env = Env::new();
    chmod(env.project.path(), 0o755);
    env.write("a.txt", "alpha\n");
    env.write("b.txt", "beta\n");
    for path in ["a.txt", "b.txt"] {
        chmod(&env.path(path), 0o644);
    }
    child::ok(&env, &["pack", "create", "p"]);
    child::ok(&env, &["pack", "add", "p", "a.txt"]);
    let reads = READS
        .iter()
        .map(|args| child::ok(&env, args).stdout)
        .collect();
    (env, reads)
}

/// Checks every write is refused, naming the database and with a hint
/// containing `hint`, that the reads print what they printed before, and
/// that the file's bytes never change.
fn refused_but_readable(env: &Env, reads: &[String], run: impl Fn(&[&str]) -> Run, hint: &str) {
    let db = env.home.path().join("ctx.redb");
    let before = std::fs::read(&db).expect("read the store");
    for args in WRITES {
        let out = run(args);
        assert_eq!(out.code, 1, "ctx {args:?}:\n{}", out.stderr);
        assert!(
            out.stderr
                .starts_with("error: cannot open the database `[HOME]/ctx.redb`"),
            "ctx {args:?} does not name the database:\n{}",
            out.stderr
        );
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with("hint: ") && l.contains(hint)),
            "ctx {args:?} gives no hint with `{hint}`:\n{}",
            out.stderr
        );
        assert_eq!(std::fs::read(&db).expect("read"), before, "ctx {args:?}");
    }
    for (args, expected) in READS.iter().zip(reads) {
        let out = run(args);
        assert_eq!(
            out.code, 0,
            "ctx {args:?} on a read-only store:\n{}",
            out.stderr
        );
        assert_eq!(&out.stdout, expected, "ctx {args:?}");
        assert!(!out.stderr.contains("error:"), "{}", out.stderr);
    }
    assert_eq!(std::fs::read(&db).expect("read"), before);
}

#[test]
fn a_home_without_write_permission_is_refused_clearly() {
    if !can_drop_privileges() {
        return;
    }
    let env = Env::new();
    chmod(env.project.path(), 0o755);
    chmod(env.home.path(), 0o755);
    let run = as_nobody(&env, &["pack", "create", "p"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: cannot open the database `[HOME]/ctx.redb`\n  caused by: Permission denied (os error 13)\nhint: check that you may read and write the database file and its folder, or choose another with `--home`\n"
    );
    assert_eq!(
        std::fs::read_dir(env.home.path()).expect("home").count(),
        0,
        "something was created in the home"
    );
    // A home folder below one that cannot be written is named as such.
    let deeper = env.home.path().join("sub");
    let mut cmd = child::wrapped(&env, &NOBODY, &["pack", "create", "p"]);
    cmd.env("CTX_HOME", &deeper);
    let run = child::run_cmd(&env, cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot create the ctx home folder `[HOME]/sub`")
            && run.stderr.contains("hint: "),
        "{}",
        run.stderr
    );
    assert!(!deeper.exists());
}

#[test]
fn a_writable_store_in_a_read_only_home_still_works() {
    if !can_drop_privileges() {
        return;
    }
    let (env, _) = store();
    std::process::Command::new("chown")
        .args(["65534:65534"])
        .arg(env.home.path().join("ctx.redb"))
        .status()
        .expect("chown");
    chmod(env.home.path(), 0o755);
    let run = as_nobody(&env, &["pack", "add", "p", "b.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(child::events(&env, "after the add").len(), 3);
    child::assert_fsck_clean(&env, "after the add");
}

#[test]
fn a_read_only_database_file_refuses_writes_and_serves_reads() {
    if !can_drop_privileges() {
        return;
    }
    let (env, reads) = store();
    chmod(env.home.path(), 0o777);
    chmod(&env.home.path().join("ctx.redb"), 0o444);
    refused_but_readable(&env, &reads, |args| as_nobody(&env, args), "read and write");
}

#[test]
fn a_read_only_mount_refuses_writes_and_serves_reads() {
    let env = Env::new();
    let tmpfs = match Tmpfs::mount(env.home.path(), "size=4m") {
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
    let reads: Vec<String> = READS
        .iter()
        .map(|args| child::ok(&env, args).stdout)
        .collect();
    tmpfs.remount("ro");
    // Even root cannot write a read-only mount.
    refused_but_readable(
        &env,
        &reads,
        |args| child::run(&env, args),
        "read-only file system",
    );
}
