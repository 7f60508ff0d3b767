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
    assert_eq!(show(&env, "a")["artifacts"], 0);
    assert_eq!(show(&env, "b")["artifacts"], 1);
    // An undo that the current state forbids is refused with nothing written.
    env.ok(&["pack", "rename", "a", "c"]);
    env.ok(&["pack", "create", "a"]);
    let events = env.event_count();
    let run = env.run(&["undo", "--pack", "c"]);
    assert_eq!(run.code, 4, "renaming back to a taken name: {}", run.stderr);
    assert_eq!(env.event_count(), events);
    env.ok(&["fsck"]);
}
