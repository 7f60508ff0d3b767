//! Case 8: stores from other versions of ctx. Every fixture store under
//! `tests/fixtures/` (one per schema, written by that version) opens,
//! passes fsck, and takes a new event afterwards; a store stamped with a
//! newer schema than this ctx knows is refused by every command, read or
//! write, and left byte for byte as it was.

use std::path::Path;

use crate::child;
use crate::common::Env;

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut stores: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .flatten()
        .map(|e| e.path().join("ctx.redb"))
        .filter(|p| p.is_file())
        .collect();
    stores.sort();
    stores
}

#[test]
fn every_fixture_store_opens_and_passes_fsck() {
    let stores = fixtures();
    assert!(!stores.is_empty(), "no fixture stores found");
    for store in stores {
        let name = store.parent().expect("dir").display().to_string();
        let env = Env::new();
        std::fs::copy(&store, env.home.path().join("ctx.redb")).expect("copy the fixture");
        let fsck = child::run(&env, &["fsck", "--json"]);
        assert_eq!(fsck.code, 0, "{name}: {}{}", fsck.stdout, fsck.stderr);
        let report = fsck.json();
        assert_eq!(report["problems"], serde_json::json!([]), "{name}");
        let events = child::events(&env, &name);
        assert!(!events.is_empty(), "{name}: an empty log");
        assert_eq!(report["events"], events.len(), "{name}");
        // Upgraded on open: it takes new events and stays clean.
        child::ok(&env, &["pack", "create", "added-by-this-ctx"]);
        assert_eq!(child::events(&env, &name).len(), events.len() + 1);
        child::assert_fsck_clean(&env, &format!("{name} after a new event"));
    }
}

#[test]
fn a_store_from_a_newer_ctx_is_refused_by_every_command_and_left_untouched() {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    child::ok(&env, &["pack", "create", "p"]);
    child::ok(&env, &["pack", "add", "p", "a.txt"]);
    child::ok(&env, &["snapshot", "create", "p"]);
    let db = env.home.path().join("ctx.redb");
    let newer = ctx_store::schema::SCHEMA_VERSION + 1;
    ctx_store::testing::stamp_schema(&db, newer).expect("stamp");
    let before = std::fs::read(&db).expect("read the store");
    for args in [
        &["pack", "list"][..],
        &["pack", "show", "p"],
        &["log"],
        &["log", "--json"],
        &["render", "p"],
        &["snapshot", "list"],
        &["fsck"],
        &["fsck", "--repair"],
        &["gc"],
        &["undo"],
        &["pack", "create", "q"],
        &["pack", "add", "p", "text:x"],
        &["snapshot", "create", "p"],
    ] {
        let run = child::run(&env, args);
        assert_eq!(run.code, 1, "ctx {args:?}: {}", run.stderr);
        if args.contains(&"--json") {
            let doc: serde_json::Value =
                serde_json::from_str(&run.stdout).expect("an error document");
            assert_eq!(doc["error"]["kind"], "error", "ctx {args:?}");
        } else {
            assert_eq!(run.stdout, "", "ctx {args:?} printed data");
        }
        assert_eq!(
            run.stderr,
            format!(
                "error: the database `[HOME]/ctx.redb` was created by a newer ctx (schema {newer}); this ctx reads up to schema {}\nhint: install a newer ctx to use this database\n",
                newer - 1
            ),
            "ctx {args:?}"
        );
        assert_eq!(
            std::fs::read(&db).expect("read"),
            before,
            "ctx {args:?} changed the store"
        );
    }
}
