//! History commands that cannot wedge: an undo whose reversal no longer
//! fits says which change and why, and older changes stay reachable; a
//! pack renamed or created again while `pack add` reads its source is not
//! the pack the artifact lands in.

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use crate::common::Env;

#[test]
fn an_undo_that_no_longer_fits_names_the_change_and_older_ones_stay_reachable() {
    let env = Env::new();
    env.write("a.txt", "a\n");
    env.ok(&["pack", "create", "Z"]); // 1
    env.ok(&["pack", "add", "Z", "a.txt"]); // 2
    env.ok(&["pack", "create", "A"]); // 3
    env.ok(&["pack", "rename", "A", "B"]); // 4
    env.ok(&["pack", "create", "A"]); // 5
    env.ok(&["pack", "add", "A", "a.txt"]); // 6
    env.ok(&["pack", "delete", "A"]); // 7
    // Renaming B back to A would undo it under the name events 5 and 7
    // used since: refused, naming them.
    let stuck = env.run(&["undo", "--pack", "B"]);
    assert_eq!(stuck.code, 4, "{}", stuck.stderr);
    assert!(
        stuck.stderr.starts_with(
            "error: event 4 (pack_renamed) cannot be undone: events 5 and 7 depend on it\n"
        ) && stuck.stderr.contains("hint: undo those first"),
        "{}",
        stuck.stderr
    );
    env.ok(&["pack", "create", "A"]); // 8
    let stuck = env.run(&["undo", "7"]);
    assert_eq!(stuck.code, 4, "{}", stuck.stderr);
    assert!(
        stuck.stderr.contains("event 8 depends on it"),
        "{}",
        stuck.stderr
    );
    assert_eq!(env.run(&["undo", "7"]).stderr, stuck.stderr, "undo changed");
    // An older change is still reachable, by its event.
    let before = env.event_count();
    env.ok(&["undo", "2"]); // 9
    assert_eq!(env.event_count(), before + 1);
    for (args, code, says) in [
        (&["undo", "2"][..], 4, "was undone already, by event 9"),
        (
            &["undo", "--event", "2"],
            4,
            "was undone already, by event 9",
        ),
        (&["undo", "99"], 3, "there is no event 99"),
    ] {
        let run = env.run(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    // And once what depended on it is undone, the stuck change undoes.
    env.ok(&["undo", "8"]);
    env.ok(&["undo", "7"]);
    let shown = env.ok(&["pack", "show", "A"]);
    assert!(shown.stdout.contains("a.txt"), "{}", shown.stdout);
    env.ok(&["fsck"]);
}

/// A `git` that takes a second before doing its work, first on `PATH`: it
/// keeps `pack add git:diff` reading its source long enough for another
/// command to change the pack.
fn slow_git(env: &Env) -> tempfile::TempDir {
    let bin = tempfile::tempdir().expect("bin");
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .expect("sh")
            .stdout,
    )
    .expect("utf-8");
    let script = bin.path().join("git");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nsleep 1\nexec {} \"$@\"\n", real.trim()),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let status = std::process::Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(env.project.path())
        .status()
        .expect("git init");
    assert!(status.success());
    bin
}

#[test]
fn a_pack_renamed_or_created_again_during_an_add_gets_nothing() {
    for recreate in [false, true] {
        let env = Env::new();
        let bin = slow_git(&env);
        env.ok(&["pack", "create", "A"]);
        let path = format!(
            "{}:{}",
            bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut add = env.command(&["pack", "add", "A", "git:diff"]);
        add.env("PATH", path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = add.spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(700));
        env.ok(&["pack", "rename", "A", "B"]);
        if recreate {
            env.ok(&["pack", "create", "A"]);
        }
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "recreate {recreate}: {stderr}");
        assert!(
            stderr.starts_with("error: pack `A` changed while this command ran"),
            "{stderr}"
        );
        let log = env.ok(&["log", "--kind", "artifact_added"]);
        assert!(log.stdout.is_empty(), "an artifact landed: {}", log.stdout);
    }
}
