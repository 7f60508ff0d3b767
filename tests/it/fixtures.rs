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
