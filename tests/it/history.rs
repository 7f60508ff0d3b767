//! Time travel: `--at SEQ` shows and renders packs exactly as they were
//! right after an event, by replaying the log.

use std::collections::BTreeMap;

use crate::common::Env;

#[test]
fn at_every_event_equals_what_was_shown_then() {
    let env = Env::new();
    env.write("a.md", "# A\n");
    env.write("b.md", "# B\n");
    let script: [&[&str]; 9] = [
        &["pack", "create", "one", "--tokens", "100"],
        &["pack", "add", "one", "a.md"],
        &["pack", "create", "two"],
        &["pack", "add", "two", "text:hello"],
        &["pack", "add", "one", "b.md", "--priority", "3"],
        &["pack", "set", "one", "--tokens", "200"],
        &["pack", "remove", "one", "a.md"],
        &["pack", "rename", "two", "deux"],
        &["pack", "delete", "deux"],
    ];
    let mut seen: BTreeMap<(u64, String), serde_json::Value> = BTreeMap::new();
    for (i, args) in script.iter().enumerate() {
        env.ok(args);
        let seq = i as u64 + 1;
        for name in ["one", "two", "deux"] {
            let run = env.run(&["pack", "show", name, "--json"]);
            if run.code == 0 {
                seen.insert((seq, name.to_owned()), run.json());
            }
        }
    }
    for seq in 1..=script.len() as u64 {
        for name in ["one", "two", "deux"] {
            let run = env.run(&["pack", "show", name, "--at", &seq.to_string(), "--json"]);
            match seen.get(&(seq, name.to_owned())) {
                Some(then) => {
                    assert_eq!(run.code, 0, "{name} at {seq}: {}", run.stderr);
                    assert_eq!(&run.json(), then, "{name} at {seq}");
                }
                None => assert_eq!(run.code, 3, "{name} at {seq} should not exist"),
            }
        }
    }
    // A render of the past uses the artifacts of the past.
    let past = env.ok(&["render", "one", "--at", "2", "--frozen"]).stdout;
    assert!(past.contains("# A") && !past.contains("# B"), "{past}");
}

#[test]
fn at_outside_the_log_is_refused() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "create", "q"]);
    let mut transcript = String::new();
    for args in [
        &["pack", "show", "p", "--at", "3"][..],
        &["pack", "show", "p", "--at", "0"],
        &["pack", "show", "q", "--at", "1"],
        &["render", "q", "--at", "1"],
        &["pack", "show", "p", "--at", "x"],
    ] {
        let run = env.run(args);
        transcript.push_str(&format!(
            "$ ctx {}\nexit: {}\n{}\n",
            args.join(" "),
            run.code,
            run.stderr
        ));
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn at_takes_a_time_as_well_as_a_seq() {
    let env = Env::new();
    // Events one day apart: 2026-11-26, -27 and -28 (the test clock).
    let day = 86_400;
    let now: i64 = crate::common::NOW.parse().expect("clock");
    for (args, age) in [
        (&["pack", "create", "p", "--tokens", "100"][..], 2),
        (&["pack", "set", "p", "--tokens", "200"], 1),
        (&["pack", "set", "p", "--tokens", "300"], 0),
    ] {
        let mut cmd = env.command(args);
        cmd.env("CTX_NOW", (now - age * day).to_string());
        env.ok_cmd(cmd);
    }
    let budget_at =
        |at: &str| env.ok(&["pack", "show", "p", "--at", at, "--json"]).json()["budget"].clone();
    assert_eq!(budget_at("2"), 200);
    assert_eq!(budget_at("2026-11-27T12:00Z"), 200);
    assert_eq!(budget_at("36h"), 100);
    assert_eq!(budget_at("2026-11-29"), 300);
    let rendered = env.ok(&["render", "p", "--at", "1d", "--json"]).json();
    assert_eq!(rendered["budget"], 200);
    let mut transcript = String::new();
    for args in [
        &["pack", "show", "p", "--at", "2026-11-01"][..],
        &["render", "p", "--at", "yesterday"],
    ] {
        transcript.push_str(&env.snap(args));
    }
    insta::assert_snapshot!(transcript);
}
