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
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (0, "Nothing changed.\n"),
            "{args:?}"
        );
    }
    let run = env.ok(&["pack", "set", "p", "--tokens", "100", "--json"]);
    assert_eq!(run.json()["changed"], false);
    assert_eq!(env.event_count(), before);
}
