//! Stores written by earlier schema versions (`tests/fixtures/`) still open,
//! replay to their materialized state, and reproduce their snapshots.

use crate::common::Env;

/// A copy of a fixture store in a fresh temporary home.
fn fixture(schema: &str) -> Env {
    let env = Env::new();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(schema)
        .join("ctx.redb");
    std::fs::copy(&from, env.home.path().join("ctx.redb")).expect("copy the fixture");
    env
}

/// What a fixture store shows: its packs, log and snapshots, its snapshot
/// reproduced, and a frozen render of both packs.
fn transcript(env: &Env) -> String {
    let mut transcript = env.snap(&["pack", "list"]);
    transcript.push_str(&env.snap(&["log"]));
    transcript.push_str(&env.snap(&["snapshot", "list"]));
    let id = env.ok(&["snapshot", "list", "--json"]).json()["snapshots"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    transcript.push_str(&env.snap(&["snapshot", "render", &id]));
    transcript.push_str(&env.snap(&["render", "app", "notes", "--frozen"]));
    transcript
}

#[test]
fn the_schema_2_store_opens_and_reproduces_its_snapshot() {
    insta::assert_snapshot!(transcript(&fixture("schema-2")));
}

#[test]
fn the_schema_4_store_opens_and_reproduces_its_snapshot() {
    insta::assert_snapshot!(transcript(&fixture("schema-4")));
}

/// Its snapshot was named by a local seq (`3935a05d...`); it answers to
/// that id and to its content id, which a fresh store gives the same
/// render, and both reproduce the same bytes.
#[test]
fn a_snapshot_from_before_content_ids_answers_to_both_ids() {
    let env = fixture("schema-4");
    let old = env.ok(&["snapshot", "render", "3935a05d"]).stdout;
    let listed = env.ok(&["snapshot", "list", "--json"]).json();
    let id = listed["snapshots"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(!id.starts_with("3935a05d"), "{listed}");
    assert_eq!(env.ok(&["snapshot", "render", &id]).stdout, old);
    assert_eq!(
        env.ok(&["snapshot", "show", &id[..8], "--json"]).json()["id"],
        id.as_str()
    );
    // Exported and imported elsewhere, it keeps its content id.
    env.ok(&["snapshot", "export", "3935a05d", "fixture.ctx"]);
    let other = Env::new();
    std::fs::copy(env.path("fixture.ctx"), other.path("fixture.ctx")).expect("copy");
    let imported = other
        .ok(&["snapshot", "import", "fixture.ctx", "--json"])
        .json();
    assert_eq!(imported["id"], id.as_str());
    assert_eq!(other.ok(&["snapshot", "render", &id]).stdout, old);
    // Taking the same render again in the old store finds it.
    let again = env.run(&[
        "snapshot", "create", "app", "notes", "--frozen", "--tokens", "3500",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    env.ok(&["fsck"]);
}

/// A bundle of the first format (every body whole), exported from the
/// schema-4 fixture before items recorded frames, imports under the same
/// content id and reproduces the same payload.
#[test]
fn a_bundle_of_the_first_format_still_imports() {
    let store = fixture("schema-4");
    let expected = store.ok(&["snapshot", "render", "3935a05d"]).stdout;
    let env = Env::new();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/bundle-1/fixture.ctx");
    std::fs::copy(&from, env.path("fixture.ctx")).expect("copy the bundle");
    let imported = env
        .ok(&["snapshot", "import", "fixture.ctx", "--json"])
        .json();
    assert_eq!(imported["id"], "f7329a78ffb48a37", "{imported}");
    assert_eq!(env.ok(&["snapshot", "render", "f7329a78"]).stdout, expected);
    env.ok(&["fsck"]);
}
