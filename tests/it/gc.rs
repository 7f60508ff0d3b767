//! `ctx gc`: frees what only a deleted snapshot held, never what the log or
//! a live snapshot needs, and compacts the file.

use crate::common::Env;

#[test]
fn gc_keeps_history_and_live_snapshots_and_frees_deleted_ones() {
    let env = Env::new();
    env.write("big.txt", "some words of text\n".repeat(20_000));
    env.write("small.txt", "small\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "big.txt"]);
    env.ok(&["pack", "add", "p", "small.txt"]);
    let keep = env
        .ok(&["snapshot", "create", "p", "--format", "xml", "--json"])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let kept_payload = env.ok(&["snapshot", "render", &keep]).stdout;
    // A snapshot refers to the content its artifact captured; this one
    // renders the file as it is now, content only the snapshot holds.
    env.write("big.txt", "other words of text\n".repeat(20_000));
    let drop = env
        .ok(&["snapshot", "create", "p", "--format", "plain", "--json"])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // A removed artifact's content stays: its event still refers to it.
    env.ok(&["pack", "remove", "p", "small.txt"]);

    let nothing = env.ok(&["gc", "--json"]).json();
    assert_eq!(nothing["blobs_removed"], 0, "{nothing}");

    env.ok(&["snapshot", "delete", &drop]);
    let dry = env.ok(&["gc", "--dry-run", "--json"]).json();
    assert_eq!(
        dry["blobs_removed"], 1,
        "the content of big.txt only that snapshot held: {dry}"
    );
    assert_eq!(dry["file_before"], dry["file_after"]);
    let done = env.ok(&["gc", "--json"]).json();
    assert_eq!(done["blobs_removed"], 1, "{done}");
    assert!(
        done["bytes_removed"].as_u64().expect("bytes") > 300_000,
        "{done}"
    );
    assert!(
        done["file_after"].as_u64() < done["file_before"].as_u64(),
        "compaction returns space: {done}"
    );

    assert_eq!(env.ok(&["snapshot", "render", &keep]).stdout, kept_payload);
    env.ok(&["fsck"]);
    std::fs::remove_file(env.path("big.txt")).expect("remove");
    env.ok(&["render", "p", "--frozen"]);
    let again = env.ok(&["gc", "--json"]).json();
    assert_eq!(again["blobs_removed"], 0, "{again}");
}

#[test]
fn gc_reports_the_file_size_it_leaves() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    for i in 0..20 {
        env.ok(&["pack", "add", "p", &format!("text:note {i}")]);
    }
    let done = env.ok(&["gc", "--json"]).json();
    let size = std::fs::metadata(env.home.path().join("ctx.redb"))
        .expect("the database")
        .len();
    assert_eq!(done["file_after"].as_u64(), Some(size), "{done}");
}
