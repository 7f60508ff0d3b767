//! Secrets at rest: `pack add` says what it captured that looks secret, and
//! `ctx purge` removes captured content from the store for good. The
//! events stay and say so, renders leave the content out, snapshots that
//! need it refuse to reproduce, fsck tells purged from missing, and the
//! bytes are gone from the database file.

use crate::common::Env;

/// A token of GitHub's shape (random enough for the rule) that appears
/// nowhere else, so a grep of the file finds it only where ctx stored it.
const SECRET: &str = "ghp_PurgeMe7Xq2Lk9Zr4Wm1Tb8Vn3Hs6Jd0Fy5";

fn occurrences(env: &Env, needle: &str) -> usize {
    let bytes = std::fs::read(env.home.path().join("ctx.redb")).expect("read the store");
    bytes
        .windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
}

#[test]
fn purged_content_is_gone_from_the_file_and_said_so_everywhere() {
    let env = Env::new();
    env.write("config.txt", format!("token = {SECRET}\n"));
    env.write("notes.md", "# Notes\n");
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "config.txt"]);
    assert!(
        added
            .stderr
            .contains("Found 1 secret in what was captured (github_token 1)")
            && added.stderr.contains("`ctx purge p "),
        "{}",
        added.stderr
    );
    env.ok(&["pack", "add", "p", "glob:*.md"]);
    env.ok(&["snapshot", "create", "p", "--no-redact", "--label", "raw"]);
    assert!(occurrences(&env, SECRET) >= 1, "the content is not stored");

    let purged = env.ok(&["purge", "--path", "config.txt", "--json"]).json();
    assert_eq!(purged["changed"], true);
    // The snapshot keeps the item as the captured blob: one blob holds it.
    assert_eq!(purged["blobs"], 1, "the capture the snapshot refers to");
    assert_eq!(
        occurrences(&env, SECRET),
        0,
        "the secret is still in the file"
    );
    let again = env.ok(&["purge", "--path", "config.txt"]);
    assert!(
        again.stderr.contains("Nothing changed."),
        "{}",
        again.stderr
    );

    // The event says what went; undo cannot bring it back, and says so
    // rather than undo an older change.
    let log = env.ok(&["log", "-n", "1"]).stdout;
    assert!(log.contains("purged 1 blob"), "{log}");
    let undo = env.run(&["undo"]);
    assert_eq!(undo.code, 2, "{}", undo.stderr);
    assert!(
        undo.stderr.contains("(content_purged) cannot be undone"),
        "{}",
        undo.stderr
    );

    // A frozen render leaves the item out and says why.
    std::fs::remove_file(env.path("config.txt")).expect("rm");
    let frozen = env.ok(&["render", "p", "--frozen", "--json"]).json();
    let out: Vec<&str> = frozen["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .map(|e| e["reason"].as_str().expect("reason"))
        .collect();
    assert_eq!(out, ["purged"], "{frozen}");
    assert!(
        frozen["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("was purged")),
        "{frozen}"
    );

    // The snapshot cannot reproduce, and says which item and event.
    let ids = env.ok(&["snapshot", "list", "--json"]).json();
    let id = ids["snapshots"][0]["id"].as_str().expect("id").to_owned();
    let render = env.run(&["snapshot", "render", &id]);
    assert_eq!(render.code, 3, "{}", render.stderr);
    assert!(
        render
            .stderr
            .contains("the content of `config.txt` was purged (event"),
        "{}",
        render.stderr
    );

    // fsck knows purged from missing.
    let fsck = env.ok(&["fsck", "--json"]).json();
    assert_eq!(fsck["purged"], 1);
    assert_eq!(fsck["problems"].as_array().map(Vec::len), Some(0));
    env.ok(&["fsck", "--repair"]);
    env.ok(&["gc"]);
    env.ok(&["fsck"]);
}

#[test]
fn purge_by_artifact_and_by_blob_and_what_it_refuses() {
    let env = Env::new();
    env.write("a.txt", format!("{SECRET}\n"));
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "a.txt", "--json"]).json();
    let blob = added["blob"].as_str().expect("blob").to_owned();
    let id = added["id"].as_str().expect("id")[..8].to_owned();
    for (args, code) in [
        (&["purge", "p", "zzzz"][..], 3),
        (&["purge", "--path", "nope.txt"], 3),
        (&["purge", "--blob", "abc"], 3),
        (&["purge"], 2),
    ] {
        let run = env.run(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
    }
    env.ok(&["purge", "p", &id]);
    assert_eq!(occurrences(&env, SECRET), 0);
    let again = env.ok(&["purge", "--blob", &blob]);
    assert!(
        again.stderr.contains("Nothing changed."),
        "{}",
        again.stderr
    );
    // The live file still renders: only what was captured is gone.
    let live = env.ok(&["render", "p"]).stdout;
    assert!(live.contains("[REDACTED:github_token]"), "{live}");
    env.ok(&["fsck"]);
}

#[test]
fn content_stored_redacted_never_reaches_the_file() {
    let env = Env::new();
    env.write("config.txt", format!("token = {SECRET}\n"));
    env.write("notes.md", format!("# Notes\n\nkey: {SECRET}\n"));
    env.ok(&["pack", "create", "p"]);
    let added = env
        .ok(&[
            "pack",
            "add",
            "p",
            "config.txt",
            "--store-redacted",
            "--json",
        ])
        .json();
    assert_eq!(added["stored_redacted"], true, "{added}");
    assert_eq!(added["secrets"]["github_token"], 1, "{added}");
    // The environment sets it for every add, as a config option would.
    let mut cmd = env.command(&["pack", "add", "p", "glob:*.md"]);
    cmd.env("CTX_STORE_REDACTED", "1");
    let added = env.ok_cmd(cmd);
    assert!(
        added
            .stderr
            .contains("they were redacted before the content was stored"),
        "{}",
        added.stderr
    );
    assert_eq!(occurrences(&env, SECRET), 0, "the secret is in the file");

    // Nothing can bring it back: a frozen render without redaction shows
    // the markers, and counts what it shows.
    std::fs::remove_file(env.path("config.txt")).expect("rm");
    std::fs::remove_file(env.path("notes.md")).expect("rm");
    let frozen = env.ok(&["render", "p", "--frozen", "--no-redact"]).stdout;
    assert!(!frozen.contains(SECRET), "{frozen}");
    assert_eq!(
        frozen.matches("[REDACTED:github_token]").count(),
        2,
        "{frozen}"
    );
    env.ok(&["fsck", "--full"]);

    // Without the option, the content is stored as read.
    env.write("other.txt", format!("token = {SECRET}\n"));
    let mut cmd = env.command(&["pack", "add", "p", "other.txt", "--json"]);
    cmd.env("CTX_STORE_REDACTED", "0");
    let added = env.ok_cmd(cmd).json();
    assert_eq!(added.get("stored_redacted"), None, "{added}");
    assert_eq!(occurrences(&env, SECRET), 1);
}

/// A purge of an artifact takes what it held under options it no longer
/// has: the content before `pack set --exclude` is its content too.
#[test]
fn purge_of_an_artifact_takes_the_content_of_its_former_options() {
    let env = Env::new();
    env.write("keep.txt", "kept\n");
    env.write("leak.txt", format!("{SECRET}\n"));
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "glob:*.txt"]);
    env.ok(&["pack", "set", "p", "glob:*.txt", "--exclude", "leak.txt"]);
    assert!(occurrences(&env, SECRET) >= 1, "the content is not stored");
    let purged = env.ok(&["purge", "p", "glob:*.txt", "--json"]).json();
    assert_eq!(purged["blobs"], 2, "{purged}");
    assert_eq!(occurrences(&env, SECRET), 0);
    env.ok(&["fsck"]);
}
