//! `ctx fsck`: clean on a healthy store; each injected fault reported on
//! its own line with exit code 6; `--repair` rebuilds derived tables.

use ctx_model::{BlobHash, PackId};

use crate::common::Env;

fn healthy() -> Env {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.txt"]);
    env.ok(&["pack", "add", "p", "text:a note"]);
    env.ok(&["snapshot", "create", "p"]);
    env
}

#[test]
fn a_healthy_store_is_clean() {
    let env = healthy();
    let run = env.ok(&["fsck"]);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("no problems"), "{}", run.stderr);
    let json = env.ok(&["fsck", "--json"]).json();
    assert_eq!(json["problems"], serde_json::json!([]));
    assert_eq!(json["events"], 4);
}

#[test]
fn a_corrupt_blob_is_a_hash_mismatch() {
    let env = healthy();
    let hash = BlobHash::of(b"alpha\n");
    ctx_store::testing::corrupt_blob(&env.home.path().join("ctx.redb"), hash).expect("corrupt");
    let run = env.run(&["fsck"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert_eq!(run.stdout, format!("hash mismatch: blob {hash}\n"));
    // Render refuses the blob, naming it, rather than using bad bytes.
    std::fs::remove_file(env.path("a.txt")).expect("remove");
    let render = env.run(&["render", "p", "--frozen"]);
    assert_eq!(render.code, 6, "{}", render.stderr);
    assert!(
        render.stderr.contains(&hash.to_string()),
        "{}",
        render.stderr
    );
}

#[test]
fn a_dropped_index_row_is_reported_and_repaired() {
    let env = healthy();
    ctx_store::testing::drop_pack_row(&env.home.path().join("ctx.redb"), PackId(1)).expect("drop");
    let run = env.run(&["fsck"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("index mismatch: pack 1"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("ctx fsck --repair"), "{}", run.stderr);
    let repaired = env.ok(&["fsck", "--repair"]);
    assert!(
        repaired.stderr.contains("no problems"),
        "{}",
        repaired.stderr
    );
    assert_eq!(env.event_count(), 4, "repair never changes the log");
    env.ok(&["pack", "show", "p"]);
}

#[test]
fn a_missing_blob_and_a_seq_gap_are_reported() {
    let env = healthy();
    let db = env.home.path().join("ctx.redb");
    let hash = BlobHash::of(b"alpha\n");
    ctx_store::testing::delete_blob(&db, hash).expect("delete blob");
    let run = env.run(&["fsck"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with(&format!("missing blob: {hash}, needed by artifact ")),
        "{}",
        run.stdout
    );
    ctx_store::testing::delete_event(&db, 2).expect("delete event");
    let run = env.run(&["fsck"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stdout.contains("seq gap: expected event 2, found 3"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("index mismatch: events_by_pack"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_damaged_spec_index_is_reported_and_repaired() {
    let env = healthy();
    let db = env.home.path().join("ctx.redb");
    ctx_store::testing::clear_spec_index(&db).expect("clear");
    let run = env.run(&["fsck"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "index mismatch: artifact_specs lacks 2 and has 0 rows that the log does not give\n"
    );
    env.ok(&["fsck", "--repair"]);
    // With the index back, adding a spec the pack has is a no-op again.
    let again = env.run(&["pack", "add", "p", "text:a note"]);
    assert_eq!(
        (again.code, again.stderr.as_str()),
        (
            0,
            "Nothing changed. `text:a note` is in `p` already (id 1e535eed).\n"
        )
    );
}
