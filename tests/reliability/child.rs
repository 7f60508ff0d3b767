//! Running ctx (and the tools around it) as child processes with a
//! deadline, so no case can hang: a child that outlives its limit is killed
//! and the case fails, naming it.

use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{Env, Run};

/// How long any single ctx command may take before the case fails.
pub const LIMIT: Duration = Duration::from_secs(120);

/// Sends `signal` (`KILL`, `STOP`) to a process with `kill(1)`; the tests
/// forbid `unsafe`, so there is no direct `kill(2)`.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits for a child and collects its output. A child still running after
/// `limit` is killed; the flag says so.
pub fn wait_within(child: Child, limit: Duration) -> (Output, bool) {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let (out, timed_out) = match rx.recv_timeout(limit) {
        Ok(out) => (out, false),
        Err(_) => {
            signal(pid, "KILL");
            // A grandchild may still hold the pipes; do not wait for ever.
            let out = rx
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("process {pid} still runs after SIGKILL"));
            (out, true)
        }
    };
    (out.expect("wait for a child"), timed_out)
}

/// Waits for a child and collects its output; after `limit` the child is
/// killed and the case fails, naming `what`.
pub fn finish(child: Child, limit: Duration, what: &str) -> Output {
    let (out, timed_out) = wait_within(child, limit);
    assert!(!timed_out, "{what} did not finish within {limit:?}");
    out
}

/// Runs a prepared command to the end, within [`LIMIT`].
pub fn run_cmd(env: &Env, mut cmd: Command) -> Run {
    let what = format!("{cmd:?}");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let out = finish(child, LIMIT, &what);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: env.scrub(&String::from_utf8_lossy(&out.stdout)),
        stderr: env.scrub(&String::from_utf8_lossy(&out.stderr)),
    }
}

/// Runs ctx in `env` to the end, within [`LIMIT`].
pub fn run(env: &Env, args: &[&str]) -> Run {
    run_cmd(env, env.command(args))
}

/// Runs ctx in `env` and fails the case unless it exits 0.
pub fn ok(env: &Env, args: &[&str]) -> Run {
    let run = run(env, args);
    assert_eq!(
        run.code, 0,
        "ctx {args:?} exited {}:\n{}{}",
        run.code, run.stdout, run.stderr
    );
    run
}

/// Fails the case unless `ctx fsck` finds the store clean.
pub fn assert_fsck_clean(env: &Env, context: &str) {
    let run = run(env, &["fsck"]);
    assert_eq!(
        run.code, 0,
        "{context}: fsck is not clean (exit {}):\n{}{}",
        run.code, run.stdout, run.stderr
    );
}

/// The log as JSON events, oldest first, checked to be gapless from 1.
pub fn events(env: &Env, context: &str) -> Vec<serde_json::Value> {
    let run = ok(env, &["log", "--json"]);
    let mut events = run.json()["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: `log --json` has no events array"))
        .clone();
    events.reverse();
    for (i, event) in events.iter().enumerate() {
        assert_eq!(
            event["seq"].as_u64(),
            Some(i as u64 + 1),
            "{context}: the log is not gapless at position {i}: {event}"
        );
    }
    events
}

/// `ctx args` in `env`, run through `wrapper` (`taskset -c 0`, or
/// `bash -c SCRIPT` where the script's `"$0" "$@"` is ctx and its args).
pub fn wrapped(env: &Env, wrapper: &[&str], args: &[&str]) -> Command {
    let plain = env.command(args);
    let (program, pre) = wrapper.split_first().expect("a wrapper program");
    let mut cmd = Command::new(program);
    cmd.args(pre)
        .arg(plain.get_program())
        .args(plain.get_args())
        .env_clear();
    for (key, value) in plain.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    if let Some(dir) = plain.get_current_dir() {
        cmd.current_dir(dir);
    }
    cmd
}

/// An `Env` whose home is on `/dev/shm` (memory) when there is one, for
/// cases that write a lot and are not about the disk.
pub fn in_memory() -> Env {
    match tempfile::tempdir_in("/dev/shm") {
        Ok(home) => Env {
            home,
            project: tempfile::tempdir().expect("temp project"),
        },
        Err(_) => Env::new(),
    }
}
