//! `ctx snapshot`: frozen renders that reproduce byte for byte after their
//! sources change or vanish, listed, shown and deleted.

use crate::common::Env;

fn project() -> Env {
    let env = Env::new();
    env.write("src/main.rs", "fn main() {\n    println!(\"v1\");\n}\n");
    env.write("docs/guide.md", "# Guide\n\nStep one.\n");
    env.ok(&["pack", "create", "app", "--tokens", "4000"]);
    env.ok(&["pack", "add", "app", "src/main.rs"]);
    env.ok(&["pack", "add", "app", "md_dir:docs"]);
    env.ok(&["pack", "create", "notes"]);
    env.ok(&["pack", "add", "notes", "text:Answer in French."]);
    env
}

fn snapshot_id(env: &Env, args: &[&str]) -> String {
    let mut full = vec!["snapshot", "create"];
    full.extend_from_slice(args);
    full.push("--json");
    let created = env.ok(&full).json();
    created["id"].as_str().expect("id").to_owned()
}

#[test]
fn a_snapshot_reproduces_its_payload_after_the_sources_change_and_vanish() {
    let env = project();
    for format in ["markdown", "xml", "json"] {
        let original = env
            .ok(&["render", "app", "notes", "--format", format])
            .stdout;
        let id = snapshot_id(&env, &["app", "notes", "--format", format]);
        env.write("src/main.rs", "fn main() {\n    println!(\"v2\");\n}\n");
        std::fs::remove_file(env.path("docs/guide.md")).expect("remove");
        let again = env.ok(&["snapshot", "render", &id]);
        assert_eq!(again.stdout, original, "{format}");
        env.ok(&["snapshot", "render", &id[..8], "-o", "out.txt"]);
        let written = std::fs::read_to_string(env.path("out.txt")).expect("written");
        assert_eq!(written, original, "{format}");
        // Put the sources back for the next format.
        env.write("src/main.rs", "fn main() {\n    println!(\"v1\");\n}\n");
        env.write("docs/guide.md", "# Guide\n\nStep one.\n");
    }
    // Rendering a snapshot opens no source: it works with the project gone.
    let id = snapshot_id(&env, &["app"]);
    let original = env.ok(&["snapshot", "render", &id]).stdout;
    let doc = env.ok(&["snapshot", "render", &id, "--json"]).json();
    assert_eq!(doc["payload"], serde_json::json!(original));
    std::fs::remove_dir_all(env.project.path()).expect("delete the project");
    std::fs::create_dir(env.project.path()).expect("empty folder");
    assert_eq!(env.ok(&["snapshot", "render", &id]).stdout, original);
}

#[test]
fn list_show_log_and_delete() {
    let env = project();
    let id = snapshot_id(
        &env,
        &[
            "app",
            "notes",
            "--label",
            "before refactor",
            "--tokens",
            "60",
        ],
    );
    let mut transcript = env.snap(&["snapshot", "list"]);
    transcript.push_str(&env.snap(&["snapshot", "list", "notes"]));
    transcript.push_str(&env.snap(&["snapshot", "show", &id[..6]]));
    transcript.push_str(&env.snap(&["log", "notes", "-n", "1"]));
    transcript.push_str(&env.snap(&["snapshot", "delete", &id]));
    transcript.push_str(&env.snap(&["snapshot", "list"]));
    transcript.push_str(&env.snap(&["log", "app", "-n", "1"]));
    insta::assert_snapshot!(transcript);
    let shown = env.run(&["snapshot", "show", &id]);
    assert_eq!(shown.code, 3, "{}", shown.stderr);
}

#[test]
fn unknown_and_ambiguous_ids() {
    let env = project();
    // Ids name content: 24 budgets make 24 snapshots of the same payload.
    let ids: Vec<String> = (0..24)
        .map(|i| snapshot_id(&env, &["notes", "--tokens", &(1000 + i).to_string()]))
        .collect();
    let unknown = env.run(&["snapshot", "render", "zzzz"]);
    assert_eq!(unknown.code, 3);
    assert_eq!(
        unknown.stderr,
        "error: no snapshot `zzzz`\nhint: `ctx snapshot list` shows the snapshots\n"
    );
    // With 24 ids, some first digit is shared; but a prefix of fewer than
    // 4 digits names no id at all (a longer ambiguous one lists the
    // candidates: `match_prefix`'s tests in ctx-model).
    let shared = (0..16)
        .map(|d| format!("{d:x}"))
        .find(|d| ids.iter().filter(|id| id.starts_with(d.as_str())).count() > 1)
        .expect("a shared first digit");
    let short = env.run(&["snapshot", "show", &shared]);
    assert_eq!(short.code, 2, "{}", short.stderr);
    assert!(
        short.stderr.contains("too short for an id"),
        "{}",
        short.stderr
    );
    for id in &ids {
        env.ok(&["snapshot", "show", &id[..8]]);
    }
}

#[test]
fn diff_between_snapshots_and_a_live_pack() {
    let env = project();
    env.write("src/lib.rs", "pub fn lib() {}\n");
    let before = snapshot_id(&env, &["app"]);
    env.write(
        "src/main.rs",
        "fn main() {\n    println!(\"v2, longer than before\");\n}\n",
    );
    std::fs::remove_file(env.path("docs/guide.md")).expect("remove");
    env.ok(&["pack", "add", "app", "src/lib.rs"]);
    let after = snapshot_id(&env, &["app"]);

    let same = env.ok(&["snapshot", "diff", &before, &before]);
    assert_eq!(
        same.stdout,
        format!("{} -> {}: +0 tokens\n", &before[..8], &before[..8])
    );
    assert_eq!(same.stderr, "No differences.\n");

    let d = env
        .ok(&["snapshot", "diff", &before, &after, "--json"])
        .json();
    assert_eq!(d["added"][0]["path"], "src/lib.rs", "{d}");
    assert_eq!(d["changed"][0]["path"], "src/main.rs", "{d}");
    assert!(
        d["changed"][0]["tokens_delta"].as_i64().expect("delta") > 0,
        "{d}"
    );
    // The guide is gone, but a live render falls back to its captured content.
    assert_eq!(d["removed"], serde_json::json!([]), "{d}");

    let live = env.ok(&["snapshot", "diff", &after, "app"]);
    assert_eq!(
        live.stdout,
        format!("{} -> app (live): +0 tokens\n", &after[..8])
    );
    env.ok(&["pack", "set", "app", "--tokens", "20"]);
    let tight = env
        .ok(&["snapshot", "diff", &after, "app", "--json"])
        .json();
    assert_eq!(tight["b"], "app (live)");
    let unknown = env.run(&["snapshot", "diff", &after, "nothing"]);
    assert_eq!(unknown.code, 3, "{}", unknown.stderr);
}

#[test]
fn export_import_round_trip_into_another_home() {
    let env = project();
    let id = snapshot_id(
        &env,
        &["app", "notes", "--format", "xml", "--label", "shared"],
    );
    let original = env.ok(&["snapshot", "render", &id]).stdout;
    env.ok(&["snapshot", "export", &id[..8], "bundle.ctx"]);
    let bundle = std::fs::read(env.path("bundle.ctx")).expect("bundle");

    let other = Env::new();
    std::fs::write(other.path("bundle.ctx"), &bundle).expect("copy");
    let imported = other
        .ok(&["snapshot", "import", "bundle.ctx", "--json"])
        .json();
    // The same id on both machines.
    assert_eq!(imported["id"], id.as_str(), "{imported}");
    assert_eq!(other.ok(&["snapshot", "render", &id]).stdout, original);
    // The same bundle again changes nothing, and says so.
    let events = other.event_count();
    let again = other.run(&["snapshot", "import", "bundle.ctx"]);
    assert_eq!(
        (again.code, again.stderr),
        (
            0,
            format!("Nothing changed. Snapshot {} is here already.\n", &id[..8])
        )
    );
    let again = other
        .ok(&["snapshot", "import", "bundle.ctx", "--json"])
        .json();
    assert_eq!(
        (again["changed"].clone(), again["existing"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(other.event_count(), events);
    other.ok(&["fsck"]);
    let log = other.ok(&["log"]).stdout;
    assert!(log.contains("imported snapshot `shared`"), "{log}");
}

#[test]
fn damaged_bundles_are_refused_and_nothing_is_written() {
    let env = project();
    let id = snapshot_id(&env, &["app"]);
    env.ok(&["snapshot", "export", &id, "bundle.ctx"]);
    let bundle = std::fs::read(env.path("bundle.ctx")).expect("bundle");
    let other = Env::new();
    // A first write creates the store the import must leave untouched.
    other.ok(&["pack", "create", "other"]);
    let before = std::fs::read(other.home.path().join("ctx.redb")).expect("store");
    let mut flipped = bundle.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let mut newer = bundle.clone();
    newer[8] = 9;
    // A damaged bundle is an integrity failure (6); a file that is no
    // bundle, or one from a newer ctx, is an error (1).
    let cases: [(&str, Vec<u8>, &str, i32); 5] = [
        ("flipped.ctx", flipped, "checksum does not match", 6),
        (
            "truncated.ctx",
            bundle[..bundle.len() - 10].to_vec(),
            "checksum does not match",
            6,
        ),
        (
            "text.ctx",
            b"just some text, not a bundle at all".to_vec(),
            "not a ctx snapshot bundle",
            1,
        ),
        ("newer.ctx", newer, "newer ctx (bundle format 9)", 1),
        ("empty.ctx", Vec::new(), "not a ctx snapshot bundle", 1),
    ];
    for (name, bytes, says, code) in cases {
        std::fs::write(other.path(name), bytes).expect("write");
        let run = other.run(&["snapshot", "import", name]);
        assert_eq!(run.code, code, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("nothing was written"),
            "{name}: {}",
            run.stderr
        );
    }
    // Damage near the end is found only after every blob was read (and
    // spooled): still nothing is written, and no spool is left behind.
    let mut late = bundle.clone();
    let at = late.len() - 40;
    late[at] ^= 0x01;
    std::fs::write(other.path("late.ctx"), late).expect("write");
    let run = other.run(&["snapshot", "import", "late.ctx"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    let missing = other.run(&["snapshot", "import", "nope.ctx"]);
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert_eq!(
        std::fs::read(other.home.path().join("ctx.redb")).expect("store"),
        before
    );
    let left: Vec<String> = std::fs::read_dir(other.home.path())
        .expect("home")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["ctx.redb"], "the import left files behind");
}

#[test]
fn a_snapshot_of_the_past_is_filed_under_the_pack_it_rendered() {
    let env = Env::new();
    env.write("a.txt", "old content\n");
    env.ok(&["pack", "create", "a"]);
    env.ok(&["pack", "add", "a", "a.txt"]);
    env.ok(&["pack", "delete", "a"]);
    env.ok(&["pack", "create", "a"]);
    env.ok(&["pack", "add", "a", "text:new"]);
    let id = snapshot_id(&env, &["a", "--at", "2", "--frozen"]);
    assert!(
        env.ok(&["snapshot", "render", &id])
            .stdout
            .contains("old content")
    );
    // The live pack `a` (created at event 4) is not the one snapshotted.
    assert_eq!(
        env.ok(&["snapshot", "list", "a", "--json"]).json()["snapshots"],
        serde_json::json!([])
    );
    let log = env.ok(&["log", "a"]).stdout;
    assert!(!log.contains("snapshot"), "{log}");
}

#[test]
fn an_imported_snapshot_belongs_to_no_local_pack() {
    let env = project();
    let id = snapshot_id(&env, &["app"]);
    env.ok(&["snapshot", "export", &id, "b.ctx"]);
    let other = Env::new();
    std::fs::copy(env.path("b.ctx"), other.path("b.ctx")).expect("copy");
    other.ok(&["pack", "create", "mine"]);
    let imported = other.ok(&["snapshot", "import", "b.ctx", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        other.ok(&["snapshot", "list", "mine", "--json"]).json()["snapshots"],
        serde_json::json!([])
    );
    other.ok(&["snapshot", "delete", &imported]);
    let log = other.ok(&["log", "mine"]).stdout;
    assert!(!log.contains("snapshot"), "{log}");
    other.ok(&["fsck"]);
}

#[test]
fn a_render_stored_already_is_found_and_a_new_label_is_its_own_event() {
    let env = project();
    let created = env.ok(&["snapshot", "create", "app", "--json"]).json();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["existing"], false);
    let events = env.event_count();
    let again = env.run(&["snapshot", "create", "app"]);
    assert_eq!(
        again.stderr,
        format!(
            "Nothing changed. Snapshot {} holds this render already.\n",
            &id[..8]
        )
    );
    assert_eq!(env.event_count(), events);
    let labelled = env
        .ok(&["snapshot", "create", "app", "--label", "v1", "--json"])
        .json();
    assert_eq!(labelled["id"], id.as_str());
    assert_eq!(
        (labelled["changed"].clone(), labelled["label"].clone()),
        (true.into(), "v1".into())
    );
    assert_eq!(env.event_count(), events + 1);
    let list = env.ok(&["snapshot", "list", "--json"]).json();
    assert_eq!(list["snapshots"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["snapshots"][0]["label"], "v1");
    let log = env.ok(&["log", "-n", "1"]).stdout;
    assert!(
        log.contains(&format!("labelled snapshot {} `v1`", &id[..8])),
        "{log}"
    );
    // The same label again, or none, changes nothing.
    env.ok(&["snapshot", "create", "app", "--label", "v1"]);
    env.ok(&["snapshot", "create", "app"]);
    assert_eq!(env.event_count(), events + 1);
    // A changed render is another snapshot; deleting one and taking it
    // again brings back the same id.
    let before = std::fs::read_to_string(env.path("src/main.rs")).expect("read");
    env.write("src/main.rs", "fn main() {}\n");
    let other = env.ok(&["snapshot", "create", "app", "--json"]).json();
    assert_ne!(other["id"], id.as_str());
    env.ok(&["snapshot", "delete", &id]);
    env.write("src/main.rs", &before);
    let back = env.ok(&["snapshot", "create", "app", "--json"]).json();
    assert_eq!(back["id"], id.as_str());
    assert_eq!(back["existing"], false);
    env.ok(&["fsck"]);
}

#[test]
fn diff_content_shows_each_changed_item_as_a_unified_diff() {
    let env = project();
    let before = snapshot_id(&env, &["app"]);
    env.write("src/main.rs", "fn main() {\n    println!(\"v2\");\n}\n");
    let text = env
        .ok(&["snapshot", "diff", &before, "app", "--content"])
        .stdout;
    assert!(text.contains("  changed  src/main.rs"), "{text}");
    assert!(text.contains(&format!("--- {}", &before[..8])), "{text}");
    assert!(text.contains("+++ app (live)"), "{text}");
    assert!(
        text.contains("-    println!(\"v1\");\n+    println!(\"v2\");\n"),
        "{text}"
    );
    // Between two snapshots too, and in JSON; without --content, no diff.
    let after = snapshot_id(&env, &["app"]);
    let json = env
        .ok(&["snapshot", "diff", &before, &after, "--content", "--json"])
        .json();
    let diff = json["changed"][0]["diff"].as_str().expect("diff");
    assert!(diff.contains("+    println!(\"v2\");"), "{diff}");
    let plain = env
        .ok(&["snapshot", "diff", &before, &after, "--json"])
        .json();
    assert!(plain["changed"][0].get("diff").is_none(), "{plain}");
}

#[test]
fn snapshots_are_listed_newest_first_whatever_their_ids() {
    let env = project();
    let ids: Vec<String> = (0..6)
        .map(|i| snapshot_id(&env, &["notes", "--tokens", &(500 + i).to_string()]))
        .collect();
    let listed = env.ok(&["snapshot", "list", "--json"]).json();
    let shown: Vec<&str> = listed["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(shown, newest_first);
}

/// The store's blobs, as `fsck` counts them: how many, and their bytes.
fn blobs(env: &Env) -> (u64, u64) {
    let report = env.ok(&["fsck", "--json"]).json();
    (
        report["blobs"].as_u64().expect("blobs"),
        report["blob_bytes"].as_u64().expect("blob_bytes"),
    )
}

/// A snapshot keeps each item as its content's blob inside a recorded
/// frame: content its artifact captured is not stored again, in any
/// format. Only what the render made new (a redacted file) is a new blob,
/// which gc frees with the last snapshot that holds it.
#[test]
fn a_snapshot_of_an_unchanged_pack_stores_no_second_copy() {
    let env = Env::new();
    env.write(
        "src/a.rs",
        "fn a() -> bool { 1 < 2 && \"q\" != \"\\\\\" }\n",
    );
    env.write("src/b.rs", "no final newline ```\t<tag>");
    env.write(
        "src/keys.rs",
        "const KEY: &str = \"AKIAIOSFODNN7EXAMPLE\";\n",
    );
    env.ok(&["pack", "create", "app", "--tokens", "100000"]);
    env.ok(&["pack", "add", "app", "glob:src/*.rs"]);
    env.ok(&["pack", "add", "app", "src/a.rs#L1-L1"]);
    env.ok(&["pack", "add", "app", "text:Answer <briefly> & well."]);
    let (count, bytes) = blobs(&env);
    let mut ids = Vec::new();
    for format in ["markdown", "plain", "xml", "json"] {
        let rendered = env.ok(&["render", "app", "--format", format]).stdout;
        let id = snapshot_id(&env, &["app", "--format", format]);
        assert_eq!(env.ok(&["snapshot", "render", &id]).stdout, rendered);
        // The one new blob is the redacted `keys.rs`, shared by all four.
        let (now, now_bytes) = blobs(&env);
        assert_eq!(now, count + 1, "{format}");
        assert!(
            now_bytes - bytes < 64,
            "{format}: {now_bytes} after {bytes}"
        );
        ids.push((id, rendered));
    }
    let shown = env.ok(&["snapshot", "show", &ids[2].0, "--json"]).json();
    let item = &shown["items"][0];
    assert_ne!(item["blob"], item["body"], "{item}");

    // With the pack deleted (its history keeps what it captured) and the
    // store collected, the snapshots still reproduce.
    env.ok(&["pack", "delete", "app"]);
    env.ok(&["gc"]);
    for (id, rendered) in &ids {
        assert_eq!(&env.ok(&["snapshot", "render", id]).stdout, rendered);
    }
    env.ok(&["fsck"]);
    let (last, rest) = ids.split_last().expect("four snapshots");
    for (id, _) in rest {
        env.ok(&["snapshot", "delete", id]);
    }
    assert_eq!(env.ok(&["gc", "--json"]).json()["blobs_removed"], 0);
    env.ok(&["snapshot", "delete", &last.0]);
    assert_eq!(env.ok(&["gc", "--json"]).json()["blobs_removed"], 1);
    assert_eq!(blobs(&env), (count, bytes));
}

#[test]
fn show_prints_the_render_hash_beside_the_payload_hash() {
    let env = project();
    let rendered = env.ok(&["render", "app", "--json"]).json();
    let id = snapshot_id(&env, &["app"]);
    let shown = env.ok(&["snapshot", "show", &id]).stdout;
    let json = env.ok(&["snapshot", "show", &id, "--json"]).json();
    let render_hash = rendered["render_hash"].as_str().expect("render hash");
    assert_eq!(json["render_hash"], render_hash);
    assert!(
        shown.contains(&format!("render hash: {render_hash}\n")),
        "{shown}"
    );
    let payload_hash = json["payload_hash"].as_str().expect("payload hash");
    assert!(
        shown.contains(&format!("BLAKE3 {payload_hash}\n")),
        "{shown}"
    );
}

#[test]
fn a_diff_of_two_formats_says_so_instead_of_listing_every_item() {
    let env = project();
    let md = snapshot_id(&env, &["app"]);
    let xml = snapshot_id(&env, &["app", "--format", "xml"]);
    let run = env.run(&["snapshot", "diff", &md[..8], &xml[..8]]);
    insta::assert_snapshot!(format!("exit: {}\n{}{}", run.code, run.stdout, run.stderr), @r"
    exit: 0
    a76af331 -> ca1b722e: +37 tokens
    The renders are in different formats (markdown and xml), so every item frames differently and none is compared; compare two renders of one format to see what changed.
    ");
    let json = env.ok(&["snapshot", "diff", &md, &xml, "--json"]).json();
    assert_eq!(json["formats"], serde_json::json!(["markdown", "xml"]));
    assert_eq!(json["changed"], serde_json::json!([]));
    let same = env.ok(&["snapshot", "diff", &md, "app", "--json"]).json();
    assert!(same.get("formats").is_none(), "{same}");
}

/// `snapshot render --json` and `render --json --payload` of the same
/// render state its shared facts under the same keys, with equal values.
#[test]
fn snapshot_render_json_agrees_with_render_json() {
    let env = project();
    let args = ["app", "notes", "--format", "xml", "--tokens", "3000"];
    let mut render = vec!["render"];
    render.extend_from_slice(&args);
    render.extend_from_slice(&["--json", "--payload"]);
    let fresh = env.ok(&render).json();
    let id = snapshot_id(&env, &args);
    let stored = env.ok(&["snapshot", "render", &id, "--json"]).json();
    for key in [
        "payload",
        "payload_hash",
        "render_hash",
        "tokens",
        "budget",
        "tokenizer",
        "format",
        "packs",
    ] {
        assert!(!fresh[key].is_null(), "render --json lacks {key}: {fresh}");
        assert_eq!(fresh[key], stored[key], "{key}");
    }
    assert_eq!(stored["packs"], serde_json::json!(["app", "notes"]));
    assert_eq!(stored["format"], "xml");
    assert_eq!(stored["budget"], 3000);
    // Without the payload the hash still tells the two apart or alike.
    let bare = env.ok(&[
        "render", "app", "notes", "--format", "xml", "--tokens", "3000", "--json",
    ]);
    assert_eq!(bare.json()["payload_hash"], stored["payload_hash"]);
    assert!(bare.json()["payload"].is_null());
}
