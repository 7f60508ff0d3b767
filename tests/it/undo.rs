//! `ctx undo`: appends the event that reverses the most recent change; the
//! log only grows, and undoing again undoes the change before.

use crate::common::Env;

fn show(env: &Env, pack: &str) -> serde_json::Value {
    env.ok(&["pack", "show", pack, "--json"]).json()
}

#[test]
fn undo_reverses_each_kind_of_change() {
    let env = Env::new();
    env.write("a.md", "# A\n");
    env.write("b.md", "# B\n");
    assert_eq!(
        env.ok(&["undo"]).stderr,
        "Nothing changed.\n",
        "an empty log"
    );

    env.ok(&["pack", "create", "p", "--tokens", "100"]);
    env.ok(&["pack", "add", "p", "a.md", "--priority", "4"]);
    let with_a = show(&env, "p");

    // Undo an add.
    env.ok(&["pack", "add", "p", "b.md"]);
    let undo = env.ok(&["undo"]);
    assert!(
        undo.stderr.starts_with("Undid event 3 (added b.md"),
        "{}",
        undo.stderr
    );
    assert_eq!(show(&env, "p"), with_a);

    // Undo a remove: the artifact comes back with its id, priority and content.
    env.ok(&["pack", "remove", "p", "a.md"]);
    env.ok(&["undo"]);
    assert_eq!(show(&env, "p"), with_a);
    std::fs::remove_file(env.path("a.md")).expect("remove");
    assert!(env.ok(&["render", "p", "--frozen"]).stdout.contains("# A"));

    // Undo a budget change and a rename.
    env.ok(&["pack", "set", "p", "--tokens", "7"]);
    env.ok(&["undo"]);
    assert_eq!(show(&env, "p")["budget"], 100);
    env.ok(&["pack", "rename", "p", "q"]);
    env.ok(&["undo"]);
    assert_eq!(show(&env, "p"), with_a);

    // Undo a delete: the pack comes back whole.
    env.ok(&["pack", "delete", "p"]);
    env.ok(&["undo"]);
    assert_eq!(show(&env, "p"), with_a);

    // Undoing twice undoes the change before, not the undo.
    let events = env.event_count();
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    assert_eq!(env.event_count(), events + 2, "the log only grows");
    let run = env.run(&["pack", "show", "p"]);
    assert_eq!(
        run.code, 3,
        "the creation of p was undone too: {}",
        run.stderr
    );
    assert_eq!(env.ok(&["undo"]).stderr, "Nothing changed.\n");
    let log = env.ok(&["log", "-n", "2"]).stdout;
    assert!(log.contains("undid event 1: deleted pack p"), "{log}");
    assert!(log.contains("undid event 2: removed a.md"), "{log}");
}

#[test]
fn undo_of_one_pack_leaves_the_others() {
    let env = Env::new();
    env.ok(&["pack", "create", "a"]);
    env.ok(&["pack", "create", "b"]);
    env.ok(&["pack", "add", "a", "text:one"]);
    env.ok(&["pack", "add", "b", "text:two"]);
    env.ok(&["undo", "--pack", "a"]);
    assert_eq!(show(&env, "a")["artifact_count"], 0);
    assert_eq!(show(&env, "b")["artifact_count"], 1);
    // An undo that the current state forbids is refused with nothing written.
    env.ok(&["pack", "rename", "a", "c"]);
    env.ok(&["pack", "create", "a"]);
    let events = env.event_count();
    let run = env.run(&["undo", "--pack", "c"]);
    assert_eq!(run.code, 4, "renaming back to a taken name: {}", run.stderr);
    assert_eq!(env.event_count(), events);
    env.ok(&["fsck"]);
}

/// The id of the newest snapshot.
fn newest_snapshot(env: &Env) -> String {
    let list = env.ok(&["snapshot", "list", "--json"]).json();
    list["snapshots"][0]["id"]
        .as_str()
        .expect("a snapshot")
        .to_owned()
}

#[test]
fn undo_names_the_last_change_it_cannot_undo_and_reverses_nothing_older() {
    let env = Env::new();
    env.write("a.md", "# A\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.md"]);
    env.ok(&["snapshot", "create", "p"]);
    let id = newest_snapshot(&env);
    env.ok(&["snapshot", "delete", &id]);
    env.ok(&["gc"]);
    let events = env.event_count();
    let run = env.run(&["undo"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: event 4 (snapshot_deleted) cannot be undone: snapshot"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: `ctx undo SEQ`"),
        "{}",
        run.stderr
    );
    assert_eq!(env.event_count(), events, "nothing was written");
    assert_eq!(show(&env, "p")["artifact_count"], 1, "the add stays");

    // A purge is never undone: `undo` says so rather than reach past it.
    env.ok(&["purge", "p", "a.md"]);
    let run = env.run(&["undo"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: event 5 (content_purged) cannot be undone: what a purge removed is gone for good"
        ),
        "{}",
        run.stderr
    );
    // The change chosen by its seq is undone on its own.
    env.ok(&["undo", "2"]);
    assert_eq!(show(&env, "p")["artifact_count"], 0);
    env.ok(&["fsck"]);
}

#[test]
fn a_deleted_snapshot_comes_back_by_undo_until_gc() {
    let env = Env::new();
    env.write("a.md", "# A\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.md"]);
    env.ok(&["snapshot", "create", "p", "--label", "first"]);
    let id = newest_snapshot(&env);
    let payload = env.ok(&["snapshot", "render", &id]).stdout;
    env.ok(&["snapshot", "delete", &id]);
    assert!(env.run(&["snapshot", "show", &id]).code == 3);
    let run = env.ok(&["undo"]);
    assert!(
        run.stderr.starts_with("Undid event 4 (deleted snapshot"),
        "{}",
        run.stderr
    );
    assert_eq!(env.ok(&["snapshot", "render", &id]).stdout, payload);
    assert_eq!(newest_snapshot(&env), id);
    env.ok(&["fsck"]);
    // Redo deletes it again; undoing that brings it back again.
    let run = env.ok(&["redo"]);
    assert!(
        run.stderr.starts_with("Redid event 4 (deleted snapshot"),
        "{}",
        run.stderr
    );
    assert_eq!(env.run(&["snapshot", "show", &id]).code, 3);
    env.ok(&["undo"]);
    assert_eq!(env.ok(&["snapshot", "render", &id]).stdout, payload);
    // Undoing the creation deletes it, restorable the same way, until gc.
    env.ok(&["undo", "3"]);
    assert_eq!(env.run(&["snapshot", "show", &id]).code, 3);
    env.ok(&["gc"]);
    let run = env.run(&["redo"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("is gone"), "{}", run.stderr);
    env.ok(&["fsck"]);
}

#[test]
fn undo_seq_undoes_one_change_unless_later_ones_depend_on_it() {
    let env = Env::new();
    env.ok(&["pack", "create", "p", "--tokens", "100"]);
    env.ok(&["pack", "add", "p", "text:one"]);
    env.ok(&["pack", "set", "p", "--tokens", "50"]);
    env.ok(&["pack", "add", "p", "text:two"]);
    // The budget change is independent of the adds around it.
    env.ok(&["undo", "3"]);
    assert_eq!(show(&env, "p")["budget"], 100);
    assert_eq!(show(&env, "p")["artifact_count"], 2);
    let events = env.event_count();
    let run = env.run(&["undo", "1"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: event 1 (pack_created) cannot be undone: events 2 and 4 depend on it"
        ),
        "{}",
        run.stderr
    );
    let run = env.run(&["undo", "3"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: event 3 was undone already, by event 5"),
        "{}",
        run.stderr
    );
    assert_eq!(env.run(&["undo", "99"]).code, 3);
    assert_eq!(env.event_count(), events);
    // `--event SEQ` still works as it did.
    env.ok(&["undo", "--event", "4"]);
    assert_eq!(show(&env, "p")["artifact_count"], 1);
}

#[test]
fn redo_undoes_the_last_undo_unless_a_later_change_depends_on_it() {
    let env = Env::new();
    assert_eq!(env.ok(&["redo"]).stderr, "Nothing changed.\n");
    env.ok(&["pack", "create", "p", "--tokens", "100"]);
    env.ok(&["pack", "set", "p", "--tokens", "50"]);
    env.ok(&["pack", "add", "p", "text:one"]);
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    let run = env.ok(&["redo", "--json"]).json();
    assert_eq!(
        (&run["undone"], &run["redone"], &run["seq"]),
        (&5.into(), &2.into(), &6.into())
    );
    assert_eq!(show(&env, "p")["budget"], 50);
    env.ok(&["redo"]);
    assert_eq!(show(&env, "p")["artifact_count"], 1);
    assert_eq!(env.ok(&["redo"]).stderr, "Nothing changed.\n");
    // A change since the undo that touches the same thing stops the redo.
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    env.ok(&["pack", "set", "p", "--tokens", "70"]);
    let events = env.event_count();
    let run = env.run(&["redo"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: event 9 (undone) cannot be undone: event 10 depends on it"),
        "{}",
        run.stderr
    );
    assert_eq!(env.event_count(), events);
    // An older undo that nothing since depends on is redone by its SEQ.
    env.ok(&["undo", "8"]);
    assert_eq!(show(&env, "p")["artifact_count"], 1);
    env.ok(&["fsck"]);
}

#[test]
fn log_and_undo_pack_accept_a_deleted_or_former_name() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "text:one"]);
    env.ok(&["pack", "rename", "p", "q"]);
    let seqs = |name: &str| -> Vec<u64> {
        env.ok(&["log", name, "--json"]).json()["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["seq"].as_u64().expect("seq"))
            .collect()
    };
    assert_eq!(seqs("p"), [3, 2, 1], "a former name");
    let run = env.ok(&["pack", "delete", "q"]);
    assert!(run.stderr.contains("`ctx log` keeps its history"));
    assert_eq!(seqs("q"), [4, 3, 2, 1], "a deleted pack's name");
    env.ok(&["undo", "--pack", "q"]);
    assert_eq!(show(&env, "q")["artifact_count"], 1);
    env.ok(&["pack", "create", "r"]);
    // A former name reaches the pack it named; its last change, once the
    // deletion and its undo cancel out, is the rename.
    env.ok(&["undo", "--pack", "p"]);
    assert_eq!(show(&env, "p")["artifact_count"], 1);
    assert_eq!(env.run(&["log", "nope"]).code, 3);
    assert_eq!(env.run(&["undo", "--pack", "nope"]).code, 3);
}
