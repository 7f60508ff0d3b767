//! `ctx log`: newest first, one line per event, filtered by pack, limited
//! with -n, and the no-op rule (nothing changed, nothing logged).

use crate::common::Env;

fn history(env: &Env) {
    env.write("a.md", "# A\n");
    env.ok(&["pack", "create", "one", "--tokens", "100"]);
    env.ok(&["pack", "create", "two"]);
    env.ok(&["pack", "add", "one", "a.md"]);
    env.ok(&["pack", "add", "two", "text:hello there"]);
    env.ok(&["pack", "set", "one", "--tokens", "200"]);
    env.ok(&["pack", "rename", "two", "deux"]);
    env.ok(&["pack", "remove", "one", "a.md"]);
    env.ok(&["pack", "delete", "deux"]);
}

#[test]
fn log_shows_every_change_newest_first() {
    let env = Env::new();
    history(&env);
    let mut transcript = env.snap(&["log"]);
    transcript.push_str(&env.snap(&["log", "-n", "2"]));
    transcript.push_str(&env.snap(&["log", "one"]));
    transcript.push_str(&env.snap(&["log", "one", "-n", "1", "--json"]));
    insta::assert_snapshot!(transcript);
}

#[test]
fn log_json_parses_and_has_gapless_seqs() {
    let env = Env::new();
    history(&env);
    let json = env.ok(&["log", "--json"]).json();
    let seqs: Vec<u64> = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs, (1..=8).rev().collect::<Vec<_>>());
    let kinds: Vec<&str> = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "pack_deleted",
            "artifact_removed",
            "pack_renamed",
            "budget_changed",
            "artifact_added",
            "artifact_added",
            "pack_created",
            "pack_created"
        ]
    );
}

#[test]
fn a_mutation_that_changes_nothing_writes_no_event() {
    let env = Env::new();
    env.write("a.md", "# A\n");
    env.ok(&["pack", "create", "p", "--tokens", "100"]);
    env.ok(&["pack", "add", "p", "a.md"]);
    let before = env.event_count();
    for args in [
        &["pack", "add", "p", "a.md"][..],
        &["pack", "add", "p", "./a.md"],
        &["pack", "set", "p", "--tokens", "100"],
        &["pack", "rename", "p", "p"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("Nothing changed.") && run.stderr.lines().count() == 1,
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = env.ok(&["pack", "set", "p", "--tokens", "100", "--json"]);
    assert_eq!(run.json()["changed"], false);
    assert_eq!(env.event_count(), before);
}

#[test]
fn log_filters_by_time_and_kind() {
    let env = Env::new();
    let at = |secs: &str, args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env("CTX_NOW", secs);
        env.ok_cmd(cmd)
    };
    // 2026-11-26, 2026-11-27 and 2026-11-28, at 12:00 UTC.
    at("1795694400", &["pack", "create", "p"]);
    at("1795780800", &["pack", "add", "p", "text:one"]);
    at("1795867200", &["pack", "add", "p", "text:two"]);
    let seqs = |args: &[&str]| -> Vec<u64> {
        let mut full = vec!["log", "--json"];
        full.extend_from_slice(args);
        let json = at("1795867200", &full).json();
        json["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["seq"].as_u64().expect("seq"))
            .collect()
    };
    assert_eq!(seqs(&["--since", "2026-11-27"]), [3, 2]);
    assert_eq!(seqs(&["--until", "2026-11-27T12:00Z"]), [1]);
    assert_eq!(seqs(&["--since", "36h"]), [3, 2]);
    assert_eq!(seqs(&["--kind", "artifact_added", "-n", "1"]), [3]);
    assert_eq!(
        seqs(&["--kind", "pack_created", "--kind", "artifact_added"]),
        [3, 2, 1]
    );
    let bad = env.run(&["log", "--since", "soon"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .starts_with("error: `--since soon` is not a time"),
        "{}",
        bad.stderr
    );
    let bad = env.run(&["log", "--kind", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("pack_created, artifact_added"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_readme_lists_every_kind_log_accepts() {
    let env = Env::new();
    let help = env.ok(&["log", "--help"]).stdout;
    let list = help
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("--kind lists its values");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = readme
        .split("`--kind` takes")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("the README says which kinds `--kind` takes");
    for kind in list.split(", ") {
        assert!(
            section.contains(&format!("`{kind}`")),
            "the README does not list `--kind {kind}`"
        );
    }
}

#[test]
fn log_lines_show_the_command_that_made_each_change() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "text:it's here"]);
    let log = env.ok(&["log"]).stdout;
    assert!(
        log.contains("added text:it's here (2 tokens)  `ctx pack add p 'text:it'\\''s here'`"),
        "{log}"
    );
    assert!(
        log.contains("created the pack (budget 128000, o200k)  `ctx pack create p`"),
        "{log}"
    );
}

/// With no variable naming the user (cron, `env -i`), an event records the
/// account ctx runs as, from the password database, not `unknown`.
#[cfg(target_os = "linux")]
#[test]
fn without_user_variables_the_log_names_the_account() {
    let env = Env::new();
    let id = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("`id -un` runs");
    let account = String::from_utf8(id.stdout).expect("utf-8 name");
    let account = account.trim();
    let mut cmd = env.command(&["pack", "create", "p"]);
    cmd.env_remove("CTX_USER");
    env.ok_cmd(cmd);
    let json = env.ok(&["log", "--json"]).json();
    let user = json["events"][0]["user"].as_str().expect("user");
    // An account known only to NSS cannot be read without `getpwuid_r`.
    let in_passwd = std::fs::read_to_string("/etc/passwd")
        .is_ok_and(|p| p.lines().any(|l| l.split(':').next() == Some(account)));
    if in_passwd {
        assert_eq!(user, account);
    } else {
        assert_eq!(user, "unknown");
    }
}
